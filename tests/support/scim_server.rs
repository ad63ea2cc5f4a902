//! The real SCIM server of the tests: `scim2-server` (the Python `scim2-server`
//! package, which nobody here wrote), started on loopback by `.ci/scim-server.sh` in
//! two configurations: "full" (PATCH, ETags, filters, password changes announced) and
//! "put-only" (none of those). Reached through a [`WireTap`], so a test can see what
//! was sent.

use user_provisioner::providers::scim::{ScimBuilder, ScimClient};
use user_provisioner::NewUser;
use uuid::Uuid;

use super::{Seen, WireTap};

/// Why the tests against the real SCIM server are ignored in a plain `cargo test`.
pub const NEEDS_SCIM_SERVER: &str = "needs the real SCIM server: see README";

/// The custom User extension the servers know and the client's model does not.
pub const ACME: &str = "urn:example:params:scim:schemas:extension:acme:2.0:User";

/// Which of the two servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// Announces PATCH, ETags, filters and password changes.
    Full,
    /// Announces none of those.
    PutOnly,
}

/// One of the real servers, behind a tap, with a prefix unique to this target so that
/// runs and tests never collide on a `userName`.
pub struct ScimTarget {
    pub flavour: Flavour,
    pub run: String,
    token: String,
    tap: WireTap,
}

impl ScimTarget {
    /// The server `.ci/scim-server.sh start` started, by its exported variables.
    pub async fn real(flavour: Flavour) -> Self {
        let var = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                panic!(
                    "{name} is not set: start the SCIM servers with \
                     `eval \"$(.ci/scim-server.sh start)\"` (see README)"
                )
            })
        };
        let url = match flavour {
            Flavour::Full => var("USER_PROVISIONER_TEST_SCIM_URL"),
            Flavour::PutOnly => var("USER_PROVISIONER_TEST_SCIM_PUT_ONLY_URL"),
        };
        let url = url::Url::parse(&url).expect("SCIM URL");
        Self {
            flavour,
            run: Uuid::new_v4().simple().to_string()[..8].to_owned(),
            token: var("USER_PROVISIONER_TEST_SCIM_TOKEN"),
            tap: WireTap::in_front_of(&url).await.expect("wire tap"),
        }
    }

    /// A builder for the server, through the tap.
    pub fn builder(&self) -> ScimBuilder {
        ScimBuilder::new()
            .with_base_url(format!("{}/v2", self.tap.origin()))
            .with_bearer_token(self.token.clone())
    }

    pub fn client(&self) -> ScimClient {
        self.builder().build().expect("SCIM client")
    }

    /// A username unique to this target.
    pub fn name(&self, n: u32) -> String {
        format!("{}-user{n}", self.run)
    }

    /// The `n`th sample person.
    pub fn person(&self, n: u32) -> NewUser {
        let name = self.name(n);
        NewUser::new(name.clone())
            .with_email(format!("{name}@example.com"))
            .with_names("Sam", format!("Number{n}"))
            .with_password(format!("Str0ngP@ss{n}"))
    }

    /// What the client has sent so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.tap.seen()
    }

    /// The methods sent since `before` requests had been seen.
    pub fn methods_since(&self, before: usize) -> Vec<String> {
        self.seen()
            .into_iter()
            .skip(before)
            .map(|seen| seen.method)
            .collect()
    }
}
