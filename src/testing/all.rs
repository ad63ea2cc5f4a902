//! All four emulators at once.

use super::{ConnectEmulator, EceEmulator, JambonzEmulator, NetSapiensEmulator};

/// One emulator per provider, each on its own loopback port; what
/// `examples/quickstart.rs` runs against when no provider is configured.
///
/// ```
/// use user_provisioner::testing::Emulators;
/// use user_provisioner::{NewUser, RequestOptions, UserProvisioner};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let emulators = Emulators::start().await.unwrap();
/// let ece = emulators.ece.client().unwrap();
/// let person = NewUser::new("grace").with_email("grace@example.com").with_password("Cob0l-Rules!");
/// ece.create_user(&person).await.unwrap();
/// assert_eq!(emulators.ece.user_count(), 1);
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct Emulators {
    /// The jambonz emulator.
    pub jambonz: JambonzEmulator,
    /// The NetSapiens v2 emulator.
    pub netsapiens: NetSapiensEmulator,
    /// The Connect emulator.
    pub connect: ConnectEmulator,
    /// The Elastic Cloud Enterprise emulator.
    pub ece: EceEmulator,
}

impl Emulators {
    /// Starts all four (needs a running tokio runtime).
    pub async fn start() -> std::io::Result<Self> {
        Ok(Self {
            jambonz: JambonzEmulator::start().await?,
            netsapiens: NetSapiensEmulator::start().await?,
            connect: ConnectEmulator::start().await?,
            ece: EceEmulator::start().await?,
        })
    }
}
