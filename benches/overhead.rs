//! What the crate costs on top of plain reqwest, measured in the same run against the
//! same loopback server: `cargo bench --bench overhead`.
//!
//! The server answers every request with one fixed jambonz user row, written in a
//! single write (so no delayed-ACK stall skews either side). Both sides use one
//! keep-alive client, send the same bearer header and decode the same typed row, so the
//! difference is the crate's own work: URL building, header injection, retry
//! bookkeeping, the bounded body read and error classification.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use user_provisioner::providers::jambonz::{JambonzBuilder, JambonzUser};
use user_provisioner::{RequestOptions, UserId, UserProvisioner};

const SID: &str = "a3f1c9d2-4b7e-4f8a-9c3d-2e5f7b8a9c1d";
const KEY: &str = "bench-key-123456";
const WARMUP: usize = 300;
const REQUESTS: usize = 3000;
const ROUNDS: usize = 5;

async fn serve(listener: TcpListener) {
    let body = format!(
        r#"{{"user_sid":"{SID}","name":"jdoe","email":"jdoe@example.com","pending_email":null,"phone":null,"account_sid":null,"service_provider_sid":null,"force_change":1,"scope":"admin","email_validated":0,"is_active":1,"is_view_only":false,"provider":"local"}}"#
    );
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let response = response.clone();
        tokio::spawn(async move {
            let mut buffer = vec![0u8; 8192];
            let mut filled = 0;
            loop {
                let Ok(read) = socket.read(&mut buffer[filled..]).await else {
                    return;
                };
                if read == 0 {
                    return;
                }
                filled += read;
                // GET requests carry no body: a request ends at the blank line.
                while let Some(end) = buffer[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
                    if socket.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                    buffer.copy_within(end + 4..filled, 0);
                    filled -= end + 4;
                }
                if filled == buffer.len() {
                    return;
                }
            }
        });
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(serve(listener));
    let base = format!("http://{address}/v1");

    let crate_client = JambonzBuilder::new()
        .with_base_url(&base)
        .with_api_key(KEY)
        .build()
        .expect("client");
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client");
    let url = format!("{base}/Users/{SID}");
    let sid = SID.parse().expect("uuid");
    let id = UserId::new(SID);
    let options = RequestOptions::new();

    let plain_get = || async {
        let response = plain
            .get(&url)
            .bearer_auth(KEY)
            .header("accept", "application/json")
            .send()
            .await
            .expect("plain send");
        let bytes = response.bytes().await.expect("plain body");
        let user: JambonzUser = serde_json::from_slice(&bytes).expect("plain decode");
        user
    };

    for _ in 0..WARMUP {
        plain_get().await;
        crate_client.get(&sid, &options).await.expect("native");
        crate_client
            .get_user_opts(&id, &options)
            .await
            .expect("portable");
    }

    let (mut plain_times, mut native_times, mut portable_times) = (vec![], vec![], vec![]);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        for _ in 0..REQUESTS {
            plain_get().await;
        }
        plain_times.push(started.elapsed() / REQUESTS as u32);

        let started = Instant::now();
        for _ in 0..REQUESTS {
            crate_client.get(&sid, &options).await.expect("native");
        }
        native_times.push(started.elapsed() / REQUESTS as u32);

        let started = Instant::now();
        for _ in 0..REQUESTS {
            crate_client
                .get_user_opts(&id, &options)
                .await
                .expect("portable");
        }
        portable_times.push(started.elapsed() / REQUESTS as u32);
    }

    let plain = median(plain_times);
    let native = median(native_times);
    let portable = median(portable_times);
    let ratio = |d: Duration| d.as_secs_f64() / plain.as_secs_f64();
    println!("GET one user over loopback, median of {ROUNDS} rounds x {REQUESTS} requests");
    println!(
        "plain reqwest             {:>8.1} us/request  1.00x",
        plain.as_secs_f64() * 1e6
    );
    println!(
        "JambonzClient::get        {:>8.1} us/request  {:.2}x",
        native.as_secs_f64() * 1e6,
        ratio(native)
    );
    println!(
        "UserProvisioner::get_user {:>8.1} us/request  {:.2}x",
        portable.as_secs_f64() * 1e6,
        ratio(portable)
    );
}
