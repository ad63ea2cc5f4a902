//! A loopback HTTP/1.1 server for the end-to-end benches, on its own OS thread with its
//! own single-threaded tokio runtime, so that the client under test has the other core.
//!
//! Every request is read whole (head and a `Content-Length` body) before it is answered,
//! and every answer (status line, headers and body) leaves in one write from a buffer
//! built at start-up: no delayed-ACK stall and no per-request formatting skews either
//! side. Connections are kept alive. While recording is on, each request is kept
//! (method, target, headers with lower-case names, body) so a bench can prove that two
//! clients sent the same request.

// Shared by several bench binaries; each uses part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The largest request head or body the server reads; anything larger closes the
/// connection (no bench sends that much).
const MAX_REQUEST: usize = 1024 * 1024;

/// One answer: requests whose method is `method` and whose target starts with `prefix`
/// get `response`, sent as it is.
pub struct Route {
    method: &'static str,
    prefix: String,
    response: Vec<u8>,
}

impl Route {
    /// A JSON answer with `status` and `body`.
    pub fn json(method: &'static str, prefix: impl Into<String>, status: u16, body: &str) -> Self {
        Self::typed(
            method,
            prefix,
            status,
            "application/json; charset=utf-8",
            &[],
            body,
        )
    }

    /// An answer of `content_type` with `status`, `body` and `extra` headers (a SCIM
    /// server's `ETag` and `Location`).
    pub fn typed(
        method: &'static str,
        prefix: impl Into<String>,
        status: u16,
        content_type: &str,
        extra: &[(&str, &str)],
        body: &str,
    ) -> Self {
        let reason = match status {
            200 => "OK",
            201 => "Created",
            202 => "Accepted",
            _ => "Other",
        };
        let extra: String = extra
            .iter()
            .map(|(name, value)| format!("{name}: {value}\r\n"))
            .collect();
        let response = format!(
            "HTTP/1.1 {status} {reason}\r\n\
             content-type: {content_type}\r\n\
             content-length: {}\r\n\
             connection: keep-alive\r\n\
             x-request-id: 5f0c2a4e-bench\r\n\
             {extra}\
             \r\n\
             {body}",
            body.len()
        );
        Self {
            method,
            prefix: prefix.into(),
            response: response.into_bytes(),
        }
    }
}

/// A request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Every header, name lower-cased, value as sent, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

struct Shared {
    routes: Vec<Route>,
    not_found: Vec<u8>,
    recording: AtomicBool,
    recorded: Mutex<Vec<Recorded>>,
    requests: AtomicU64,
}

/// A running server; it lives until the process ends.
pub struct Server {
    address: SocketAddr,
    shared: Arc<Shared>,
}

impl Server {
    /// Binds a loopback port and serves `routes` (first match wins; anything else is
    /// a 404) from a new thread.
    pub fn start(routes: Vec<Route>) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let address = listener.local_addr().expect("local address");
        let not_found = b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n\
                          content-length: 2\r\nconnection: keep-alive\r\n\r\n{}"
            .to_vec();
        let shared = Arc::new(Shared {
            routes,
            not_found,
            recording: AtomicBool::new(false),
            recorded: Mutex::new(Vec::new()),
            requests: AtomicU64::new(0),
        });
        let serving = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("loopback-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .build()
                    .expect("server runtime");
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("tokio listener");
                    loop {
                        let Ok((socket, _)) = listener.accept().await else {
                            continue;
                        };
                        let _ = socket.set_nodelay(true);
                        tokio::spawn(connection(socket, Arc::clone(&serving)));
                    }
                });
            })
            .expect("server thread");
        Self { address, shared }
    }

    /// `http://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Starts keeping every request, forgetting those kept so far.
    pub fn record(&self) {
        self.take();
        self.shared.recording.store(true, Ordering::SeqCst);
    }

    /// Stops keeping requests and hands over those kept.
    pub fn stop_recording(&self) -> Vec<Recorded> {
        self.shared.recording.store(false, Ordering::SeqCst);
        self.take()
    }

    /// The requests kept so far.
    pub fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.shared.recorded.lock().expect("recorded requests"))
    }

    /// How many requests were answered since the start.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }
}

async fn connection(mut socket: TcpStream, shared: Arc<Shared>) {
    let mut buffer: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        // Answer every complete request in the buffer, then read more.
        while let Some(request) = parse(&buffer) {
            let Request {
                method,
                target,
                head,
                body,
                consumed,
            } = request;
            let response = shared
                .routes
                .iter()
                .find(|route| route.method == method && target.starts_with(&route.prefix))
                .map_or(&shared.not_found, |route| &route.response);
            if shared.recording.load(Ordering::Relaxed) {
                let recorded = Recorded {
                    method: method.to_owned(),
                    target: target.to_owned(),
                    headers: header_list(head),
                    body: body.to_vec(),
                };
                shared
                    .recorded
                    .lock()
                    .expect("recorded requests")
                    .push(recorded);
            }
            shared.requests.fetch_add(1, Ordering::Relaxed);
            if socket.write_all(response).await.is_err() {
                return;
            }
            buffer.drain(..consumed);
        }
        if buffer.len() > MAX_REQUEST {
            return;
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => buffer.extend_from_slice(&chunk[..read]),
        }
    }
}

struct Request<'a> {
    method: &'a str,
    target: &'a str,
    /// The header lines, unparsed: only a recorded request pays for splitting them.
    head: &'a str,
    body: &'a [u8],
    consumed: usize,
}

/// The first complete request in `buffer`, if it holds one.
fn parse(buffer: &[u8]) -> Option<Request<'_>> {
    let head_end = buffer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buffer[..head_end]).ok()?;
    let (request_line, header_lines) = head.split_once("\r\n").unwrap_or((head, ""));
    let mut request_line = request_line.split(' ');
    let method = request_line.next()?;
    let target = request_line.next()?;
    let mut length = 0usize;
    for line in header_lines.split("\r\n").filter(|line| !line.is_empty()) {
        let (name, value) = line.split_once(':')?;
        if name.trim().eq_ignore_ascii_case("content-length") {
            length = value.trim().parse().ok()?;
        }
    }
    let body_start = head_end + 4;
    let end = body_start.checked_add(length)?;
    if buffer.len() < end {
        return None;
    }
    Some(Request {
        method,
        target,
        head: header_lines,
        body: &buffer[body_start..end],
        consumed: end,
    })
}

/// Header lines as (lower-cased name, value) pairs, in arrival order.
fn header_list(head: &str) -> Vec<(String, String)> {
    head.split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect()
}
