//! A corporate network's HTTP proxy: the only way to the server. It answers `CONNECT` with a
//! tunnel (how HTTPS and WebSockets cross a proxy) and forwards plain requests in absolute form,
//! resolving names the client itself cannot: `okno.test` is this computer only for the proxy,
//! so a client that bypasses it finds no server. It can ask for a user name and password
//! (`Proxy-Authorization: Basic`), change them for one destination, and cut the connections to
//! one destination. The desktop's tests use it too.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The name only the proxy resolves (to 127.0.0.1).
pub const HIDDEN_HOST: &str = "okno.test";

#[derive(Default)]
struct State {
    /// `Proxy-Authorization` that lets a request through; `None`: anyone may pass.
    credentials: Option<String>,
    /// Other credentials for one destination (`host:port`).
    credentials_for: HashMap<String, Option<String>>,
    /// Each request's target (`host:port`) and how it came: `CONNECT` or a plain method.
    seen: Vec<(String, String)>,
    /// Requests refused for want of the right credentials.
    refused: usize,
    /// Every connection being served, and its destination once known.
    connections: Vec<(tokio::task::Id, JoinHandle<()>)>,
    destinations: HashMap<tokio::task::Id, String>,
}

pub struct HttpProxy {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    accept: JoinHandle<()>,
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    let pair = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {pair}")
}

impl HttpProxy {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let state = shared.clone();
                let task = tokio::spawn(serve(inbound, state));
                let mut s = shared.lock().unwrap();
                s.connections.retain(|(_, t)| !t.is_finished());
                s.connections.push((task.id(), task));
            }
        });
        Self {
            addr,
            state,
            accept,
        }
    }

    /// The proxy's address for `HTTPS_PROXY`, with credentials if any.
    pub fn url(&self, credentials: Option<(&str, &str)>) -> String {
        match credentials {
            Some((user, password)) => format!("http://{user}:{password}@{}", self.addr),
            None => format!("http://{}", self.addr),
        }
    }

    /// Lets through only requests that carry this user name and password; `None`: anyone.
    pub fn require(&self, credentials: Option<(&str, &str)>) {
        self.state.lock().unwrap().credentials = credentials.map(|(u, p)| basic(u, p));
    }

    /// Other credentials for requests to `destination` (`host:port`) only; `forget` returns it
    /// to the proxy's own.
    pub fn require_for(&self, destination: &str, credentials: Option<(&str, &str)>) {
        let value = credentials.map(|(u, p)| basic(u, p));
        let mut s = self.state.lock().unwrap();
        s.credentials_for.insert(destination.to_owned(), value);
    }

    pub fn forget(&self, destination: &str) {
        self.state
            .lock()
            .unwrap()
            .credentials_for
            .remove(destination);
    }

    /// Closes every connection open through the proxy to `destination`.
    pub fn cut(&self, destination: &str) {
        let mut s = self.state.lock().unwrap();
        let State {
            connections,
            destinations,
            ..
        } = &mut *s;
        connections.retain(|(id, task)| {
            let to = destinations.get(id).is_some_and(|d| d == destination);
            if to {
                task.abort();
            }
            !to
        });
    }

    /// Every request's (method, target) so far.
    pub fn seen(&self) -> Vec<(String, String)> {
        self.state.lock().unwrap().seen.clone()
    }

    pub fn refused(&self) -> usize {
        self.state.lock().unwrap().refused
    }
}

impl Drop for HttpProxy {
    fn drop(&mut self) {
        self.accept.abort();
        for (_, task) in self.state.lock().unwrap().connections.drain(..) {
            task.abort();
        }
    }
}

/// Reads a request's head, up to its blank line, a byte at a time (what follows is the body or
/// the tunnel's first bytes).
async fn head(conn: &mut TcpStream) -> Option<String> {
    let mut bytes = Vec::new();
    while !bytes.ends_with(b"\r\n\r\n") {
        bytes.push(conn.read_u8().await.ok()?);
        if bytes.len() > 16 * 1024 {
            return None;
        }
    }
    String::from_utf8(bytes).ok()
}

async fn serve(mut inbound: TcpStream, state: Arc<Mutex<State>>) {
    let Some(head) = head(&mut inbound).await else {
        return;
    };
    let mut words = head.split_whitespace();
    let (Some(method), Some(target)) = (words.next(), words.next()) else {
        return;
    };
    let authority = if method == "CONNECT" {
        target.to_owned()
    } else {
        // Absolute form: `GET http://host:port/path HTTP/1.1`.
        let Some(rest) = target.strip_prefix("http://") else {
            let _ = inbound
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                .await;
            return;
        };
        rest.split('/').next().unwrap_or_default().to_owned()
    };
    let offered = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("proxy-authorization")
            .then(|| value.trim().to_owned())
    });
    let admitted = {
        let mut s = state.lock().unwrap();
        s.seen.push((method.to_owned(), authority.clone()));
        s.destinations.insert(tokio::task::id(), authority.clone());
        let wanted = match s.credentials_for.get(&authority) {
            Some(c) => c.clone(),
            None => s.credentials.clone(),
        };
        let admitted = wanted.is_none() || wanted == offered;
        if !admitted {
            s.refused += 1;
        }
        admitted
    };
    {
        if !admitted {
            let _ = inbound
                .write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                      Proxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 0\r\n\r\n",
                )
                .await;
            return;
        }
    }
    let (host, port) = authority.rsplit_once(':').unwrap_or((&authority, "80"));
    let host = if host.eq_ignore_ascii_case(HIDDEN_HOST) {
        "127.0.0.1"
    } else {
        host
    };
    let Ok(mut outbound) = TcpStream::connect(format!("{host}:{port}")).await else {
        let _ = inbound
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            .await;
        return;
    };
    if method == "CONNECT" {
        if inbound
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await
            .is_err()
        {
            return;
        }
    } else if outbound.write_all(head.as_bytes()).await.is_err() {
        // The server takes the absolute form as HTTP/1.1 requires; later requests on the same
        // connection are passed on as they come.
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
}
