//! A loopback TCP relay in front of a real server that records the method and path of
//! every HTTP/1.1 request the client sends through it, so a test against a server we do
//! not control can still assert "nothing was sent" or "one PUT was sent".

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request seen on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    pub path: String,
}

/// The relay; dropping it stops accepting.
pub struct WireTap {
    address: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for WireTap {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl WireTap {
    /// Relays `127.0.0.1:<random>` to the host and port of `url`.
    pub async fn in_front_of(url: &url::Url) -> std::io::Result<Self> {
        let upstream = url
            .socket_addrs(|| Some(80))?
            .into_iter()
            .next()
            .ok_or_else(|| std::io::Error::other(format!("{url} names no address")))?;
        Self::start(upstream).await
    }

    /// Relays `127.0.0.1:<random>` to `upstream`.
    pub async fn start(upstream: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        relay(client, server, log).await;
                    }
                });
            }
        });
        Ok(Self {
            address,
            seen,
            accept,
        })
    }

    /// `http://127.0.0.1:<port>` of the relay.
    pub fn origin(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Every request relayed so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn relay(client: TcpStream, server: TcpStream, log: Arc<Mutex<Vec<Seen>>>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upstream = async move {
        let mut parser = RequestParser::default();
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            let n = match client_read.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            for seen in parser.feed(&buffer[..n]) {
                log.lock().unwrap().push(seen);
            }
            if server_write.write_all(&buffer[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let downstream = async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    tokio::join!(upstream, downstream);
}

/// Splits a client's byte stream into requests: a head up to the blank line, then as
/// many body bytes as its `Content-Length` says (the crate never sends chunked bodies).
#[derive(Default)]
struct RequestParser {
    pending: Vec<u8>,
    body_left: usize,
}

impl RequestParser {
    fn feed(&mut self, bytes: &[u8]) -> Vec<Seen> {
        self.pending.extend_from_slice(bytes);
        let mut seen = Vec::new();
        loop {
            if self.body_left > 0 {
                let skip = self.body_left.min(self.pending.len());
                self.body_left -= skip;
                self.pending.drain(..skip);
                if self.body_left > 0 {
                    return seen;
                }
            }
            let Some(end) = self.pending.windows(4).position(|w| w == b"\r\n\r\n") else {
                return seen;
            };
            let head = String::from_utf8_lossy(&self.pending[..end]).into_owned();
            self.pending.drain(..end + 4);
            let mut lines = head.lines();
            let mut request_line = lines.next().unwrap_or_default().split_whitespace();
            seen.push(Seen {
                method: request_line.next().unwrap_or_default().to_owned(),
                path: request_line.next().unwrap_or_default().to_owned(),
            });
            self.body_left = lines
                .filter_map(|line| line.split_once(':'))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
                .and_then(|(_, value)| value.trim().parse().ok())
                .unwrap_or(0);
        }
    }
}
