//! A small HTTP/1.1 server on loopback with fault knobs and a request log, the base of
//! every provider emulator. Built on tokio directly so that a fault can do what a
//! mocking library cannot: drop or reset the connection, send half a body, stall.

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// Largest request head the emulators read.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body the emulators read.
const MAX_BODY: usize = 1024 * 1024;

/// A request as an emulator received it.
#[derive(Clone)]
pub struct RecordedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string, if any.
    pub query: Option<String>,
    /// Headers with lowercase names, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// When the whole request had arrived (before any fault or answer), on the
    /// monotonic clock: for tests of pacing, such as a rate-limit pause.
    pub received_at: Instant,
}

impl RecordedRequest {
    /// The first value of a header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The value of a query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The path split into percent-decoded segments.
    pub fn segments(&self) -> Vec<String> {
        self.path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| {
                url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            })
            .collect()
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Credentials are shown as *** so a failing test's output never prints them.
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let sensitive = matches!(n.as_str(), "authorization" | "x-api-key");
                (n.as_str(), if sensitive { "***" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body", &redacted_body(&self.body))
            .field("received_at", &self.received_at)
            .finish()
    }
}

/// The body for `Debug`: JSON fields whose name says they hold a secret (`password`,
/// `*_password`, `pin`, `*-pin`, `token`, `secret`) are shown as `***`.
fn redacted_body(body: &[u8]) -> String {
    fn redact(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, item) in map.iter_mut() {
                    let key = key.to_ascii_lowercase();
                    let secret = ["password", "pin", "token", "secret"].iter().any(|word| {
                        key == *word
                            || key.ends_with(&format!("_{word}"))
                            || key.ends_with(&format!("-{word}"))
                    });
                    if secret && !item.is_null() {
                        *item = Value::String("***".into());
                    } else {
                        redact(item);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(redact),
            _ => {}
        }
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            redact(&mut value);
            value.to_string()
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    }
}

/// Something an emulator does instead of, or on top of, answering normally.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer this status, headers and body without acting (the provider refused).
    Respond {
        /// HTTP status.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// Body.
        body: String,
    },
    /// Act (store, change or delete), then answer this status instead: the caller
    /// cannot tell that the change happened.
    ActThenRespond(u16),
    /// Act, then close the connection without answering.
    ActThenDrop,
    /// Act, send the response headers and half the body, then close.
    ActThenHalfBody,
    /// Act, then send the real response with its JSON cut in half.
    ActThenTruncatedJson,
    /// Wait this long, then handle the request normally.
    Delay(Duration),
    /// Reset the connection (TCP RST) before any response, without acting.
    ResetBeforeResponse,
    /// Answer 200 with a body of this many bytes, without acting.
    OversizedBody(usize),
    /// Act, then send the real status and headers with a body of this many bytes
    /// instead of the real one: a success (such as a create's 201) whose answer the
    /// client cannot read within its limit.
    ActThenOversizedBody(usize),
    /// Answer `307 Temporary Redirect` to this URL, without acting.
    RedirectTo(String),
}

impl Fault {
    /// A bare status answer without acting, such as 503.
    pub fn status(status: u16) -> Self {
        Fault::Respond {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// 429 with `Retry-After: <seconds>`, without acting.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Fault::Respond {
            status: 429,
            headers: vec![("retry-after".into(), retry_after_secs.to_string())],
            body: String::new(),
        }
    }

    /// A proxy's HTML 502 page, without acting.
    pub fn html_bad_gateway() -> Self {
        Fault::Respond {
            status: 502,
            headers: vec![("content-type".into(), "text/html".into())],
            body: "<html><head><title>502 Bad Gateway</title></head>\
                   <body><center><h1>502 Bad Gateway</h1></center></body></html>"
                .into(),
        }
    }
}

/// Which requests a [`Fault`] applies to, and how many times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    method: Option<String>,
    path_prefix: String,
    remaining: usize,
    fault: Fault,
}

impl FaultRule {
    /// The fault for the next request of any method and path, once.
    pub fn new(fault: Fault) -> Self {
        Self {
            method: None,
            path_prefix: "/".into(),
            remaining: 1,
            fault,
        }
    }

    /// Only requests with this method whose path starts with `path_prefix`.
    pub fn on(mut self, method: &str, path_prefix: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self.path_prefix = path_prefix.into();
        self
    }

    /// For the next `count` matching requests.
    pub fn times(mut self, count: usize) -> Self {
        self.remaining = count;
        self
    }

    fn matches(&self, request: &RecordedRequest) -> bool {
        self.remaining > 0
            && self.method.as_deref().is_none_or(|m| m == request.method)
            && request.path.starts_with(&self.path_prefix)
    }
}

/// What a provider handler answers.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// Close the connection without answering (the real server crashed).
    pub(crate) drop_connection: bool,
}

impl Reply {
    pub(crate) fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
            drop_connection: false,
        }
    }

    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            drop_connection: false,
        }
    }

    // Each helper is built for the emulators that answer that way, so that a build with
    // other emulators reports nothing unused; a new emulator adds its feature here.
    #[cfg(any(feature = "jambonz", feature = "ece"))]
    pub(crate) fn text(status: u16, text: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
            body: text.as_bytes().to_vec(),
            drop_connection: false,
        }
    }

    #[cfg(feature = "jambonz")]
    pub(crate) fn crash() -> Self {
        Self {
            drop_connection: true,
            ..Self::empty(500)
        }
    }

    pub(crate) fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A provider's behaviour: answers one request, changing its state as the provider would.
pub(crate) trait Handler: Send + Sync + 'static {
    fn handle(&self, request: &RecordedRequest) -> Reply;
}

struct Shared {
    log: Mutex<Vec<RecordedRequest>>,
    faults: Mutex<Vec<FaultRule>>,
    handler: Box<dyn Handler>,
}

/// The HTTP side of an emulator: its address, its fault knobs and the log of every
/// request it received. Dropping the emulator stops the server and closes its
/// connections.
pub struct EmulatorServer {
    address: SocketAddr,
    shared: Arc<Shared>,
    accept: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for EmulatorServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorServer")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Drop for EmulatorServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not poison the emulator for the next assertion.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl EmulatorServer {
    /// Starts on `127.0.0.1` with a random port. Needs a running tokio runtime.
    pub(crate) async fn start(handler: impl Handler) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared {
            log: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
            handler: Box::new(handler),
        });
        let accept_shared = Arc::clone(&shared);
        let accept = tokio::spawn(async move {
            // Connections live in the set, so aborting the accept loop ends them too.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((socket, _)) = accepted else { continue };
                        let _ = socket.set_nodelay(true);
                        connections.spawn(serve(socket, Arc::clone(&accept_shared)));
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        Ok(Self {
            address,
            shared,
            accept,
        })
    }

    /// The loopback address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://127.0.0.1:<port>`, without a path.
    pub fn origin(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Adds a fault for the requests the rule matches. Rules apply in the order added;
    /// the first that still has uses left wins.
    pub fn inject(&self, rule: FaultRule) {
        lock(&self.shared.faults).push(rule);
    }

    /// Removes every fault not used up yet.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Every request received so far, faulted ones included, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).clone()
    }

    /// How many requests with `method` and a path starting with `path_prefix` arrived.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        lock(&self.shared.log)
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.starts_with(path_prefix))
            .count()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }
}

async fn serve(mut socket: TcpStream, shared: Arc<Shared>) {
    let mut buffer = Vec::with_capacity(4096);
    loop {
        let request = match read_request(&mut socket, &mut buffer).await {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(status) => {
                let _ = socket.write_all(&encode(&Reply::empty(status), true)).await;
                return;
            }
        };
        let close = request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        lock(&shared.log).push(request.clone());
        let fault = {
            let mut faults = lock(&shared.faults);
            faults
                .iter_mut()
                .find(|rule| rule.matches(&request))
                .map(|rule| {
                    rule.remaining -= 1;
                    rule.fault.clone()
                })
        };
        let keep_going = respond(&mut socket, &shared, &request, fault, close).await;
        if !keep_going || close {
            return;
        }
    }
}

/// Answers one request; `false` when the connection must end.
async fn respond(
    socket: &mut TcpStream,
    shared: &Shared,
    request: &RecordedRequest,
    fault: Option<Fault>,
    close: bool,
) -> bool {
    let act = || shared.handler.handle(request);
    let reply = match fault {
        None => act(),
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            act()
        }
        Some(Fault::Respond {
            status,
            headers,
            body,
        }) => Reply {
            status,
            headers,
            body: body.into_bytes(),
            drop_connection: false,
        },
        Some(Fault::ActThenRespond(status)) => {
            let _ = act();
            Reply::json(
                status,
                &serde_json::json!({ "message": "injected failure" }),
            )
        }
        Some(Fault::ActThenDrop) => {
            let _ = act();
            return false;
        }
        Some(Fault::ResetBeforeResponse) => {
            let _ = socket.set_zero_linger();
            return false;
        }
        Some(Fault::ActThenHalfBody) => {
            let reply = act();
            let full = encode(&reply, close);
            let cut = full.len() - reply.body.len() / 2;
            let _ = socket.write_all(&full[..cut]).await;
            let _ = socket.set_zero_linger();
            return false;
        }
        Some(Fault::ActThenTruncatedJson) => {
            let mut reply = act();
            let half = reply.body.len() / 2;
            reply.body.truncate(half);
            reply
        }
        Some(Fault::OversizedBody(size)) => Reply {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: vec![b' '; size],
            drop_connection: false,
        },
        Some(Fault::ActThenOversizedBody(size)) => Reply {
            body: vec![b' '; size],
            ..act()
        },
        Some(Fault::RedirectTo(location)) => Reply::empty(307).with_header("location", &location),
    };
    if reply.drop_connection {
        return false;
    }
    socket.write_all(&encode(&reply, close)).await.is_ok()
}

/// The whole response in one buffer: written at once, so no delayed-ACK stall.
fn encode(reply: &Reply, close: bool) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n", reply.body.len()));
    if close {
        head.push_str("connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&reply.body);
    bytes
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        449 => "Retry With",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// Reads one request; `Ok(None)` when the client closed the connection between
/// requests, `Err(status)` for a request the emulator refuses to read.
async fn read_request(
    socket: &mut TcpStream,
    buffer: &mut Vec<u8>,
) -> Result<Option<RecordedRequest>, u16> {
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        if buffer.len() > MAX_HEAD {
            return Err(431);
        }
        let mut chunk = [0u8; 4096];
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return Ok(None),
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let target = request_line.next().unwrap_or_default();
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
        None => (target.to_owned(), None),
    };
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    if header("transfer-encoding").is_some() {
        return Err(411);
    }
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if length > MAX_BODY {
        return Err(413);
    }
    buffer.drain(..head_end + 4);
    while buffer.len() < length {
        let mut chunk = [0u8; 8192];
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return Ok(None),
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
    let body: Vec<u8> = buffer.drain(..length).collect();
    Ok(Some(RecordedRequest {
        method,
        path,
        query,
        headers,
        body,
        received_at: Instant::now(),
    }))
}
