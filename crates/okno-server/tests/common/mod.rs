//! Test harness: real servers on loopback over SQLite or a real PostgreSQL that the tests start
//! themselves, an HTTP client that returns `{code, message}` errors, and a WebSocket client.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod webhooks;

use futures_util::{SinkExt, StreamExt};
use okno_proto::*;
use okno_server::{demo, Config, Server};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each listed async test body on both backends: `both!(name => body_fn);`
#[macro_export]
macro_rules! both {
    ($($name:ident => $body:ident;)*) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$body($crate::common::Backend::Sqlite).await }) *
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$body($crate::common::Backend::Postgres).await }) *
        }
    };
}

// ------------------------------------------------------------------------------ PostgreSQL

pub struct PgCluster {
    pub port: u16,
}

static PG: OnceLock<PgCluster> = OnceLock::new();

fn pg_bin(name: &str) -> PathBuf {
    if let Ok(dir) = std::env::var("OKNO_PG_BIN") {
        return PathBuf::from(dir).join(name);
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed: apt-get install postgresql (the README's test command does)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("postgres").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .expect("no PostgreSQL server binaries under /usr/lib/postgresql")
        .join(name)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

/// `cmd args…`, as the `postgres` user when we are root (PostgreSQL refuses to run as root).
fn as_pg_user(program: &PathBuf, args: &[&str]) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program).args(args);
        c
    } else {
        let mut c = Command::new(program);
        c.args(args);
        c
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One throwaway cluster per test process, stopped and removed when the process exits.
pub fn pg() -> &'static PgCluster {
    PG.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("okno-pg-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).unwrap();
        let dir_s = dir.to_str().unwrap().to_owned();
        if is_root() {
            assert!(Command::new("chown").args(["postgres:postgres", &dir_s]).status().unwrap().success());
        }
        let data = format!("{dir_s}/data");
        let out = as_pg_user(&pg_bin("initdb"), &["-D", &data, "-A", "trust", "-U", "okno", "-E", "UTF8", "--locale=C", "--no-sync"])
            .output()
            .unwrap();
        assert!(out.status.success(), "initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        let port = free_port();
        // The watchdog stops the server and removes its files once this test process is gone.
        let script = format!(
            "{pg} -D {data} -p {port} -k {dir_s} -c listen_addresses=127.0.0.1 -c max_connections=400 \
             -c shared_buffers=64MB >{dir_s}/log 2>&1 & pid=$!; \
             while [ -d /proc/{me} ] && kill -0 $pid 2>/dev/null; do sleep 0.5; done; \
             kill -INT $pid 2>/dev/null; wait $pid; rm -rf {dir_s}",
            pg = pg_bin("postgres").display(),
            me = std::process::id(),
        );
        let sh = PathBuf::from("/bin/sh");
        // Never waited for on purpose: it outlives the tests to clean up after them.
        #[allow(clippy::zombie_processes)]
        let _watchdog = as_pg_user(&sh, &["-c", &script])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let ready = (0..200).any(|_| {
            let ok = Command::new(pg_bin("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-q"])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if !ok {
                std::thread::sleep(Duration::from_millis(100));
            }
            ok
        });
        assert!(ready, "PostgreSQL did not start; see {dir_s}/log");
        PgCluster { port }
    })
}

/// A fresh, empty database on the test cluster (this process's own; a counter names them: a
/// free port could be handed out twice, and two tests then asked for the same database).
pub fn pg_database() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let cluster = pg();
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("t{}_{n}", std::process::id());
    let out = Command::new(pg_bin("createdb"))
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &cluster.port.to_string(),
            "-U",
            "okno",
            &name,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "createdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!("postgres://okno@127.0.0.1:{}/{name}", cluster.port)
}

// ------------------------------------------------------------------------------ servers

pub struct TestServer {
    pub server: Option<Server>,
    pub url: String,
    pub config: Config,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    pub fn config(backend: Backend) -> (Config, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.path().to_path_buf());
        if backend == Backend::Postgres {
            config.database_url = Some(pg_database());
        }
        (config, dir)
    }

    /// A server with the demo accounts (`user`, `specialist`, `admin`, `acme-admin`, `root`).
    pub async fn demo(backend: Backend) -> Self {
        let (config, dir) = Self::config(backend);
        Self::start_with(config, dir, true).await
    }

    pub async fn start_with(config: Config, dir: tempfile::TempDir, seed: bool) -> Self {
        let state = okno_server::build_state(config.clone()).await.unwrap();
        if seed {
            demo::seed(&state).await.unwrap();
        }
        let server = Server::start_with(state).await.unwrap();
        let url = server.url();
        Self {
            server: Some(server),
            url,
            config,
            dir,
        }
    }

    /// Another node on the same database (PostgreSQL) or the same files (after a stop).
    pub async fn another_node(&self) -> Server {
        let mut config = self.config.clone();
        config.listen = "127.0.0.1:0".parse().unwrap();
        Server::start(config).await.unwrap()
    }

    pub async fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop().await;
        }
    }

    /// Starts again on the same data (a restart).
    pub async fn restart(&mut self) {
        self.stop().await;
        let mut config = self.config.clone();
        config.listen = "127.0.0.1:0".parse().unwrap();
        let server = Server::start(config).await.unwrap();
        self.url = server.url();
        self.server = Some(server);
    }

    pub fn anon(&self) -> Api {
        Api {
            base: self.url.clone(),
            token: None,
            http: reqwest::Client::new(),
        }
    }

    pub async fn login(&self, login: &str) -> Api {
        self.login_with(login, demo::DEMO_PASSWORD).await
    }

    pub async fn login_with(&self, login: &str, password: &str) -> Api {
        let mut api = self.anon();
        let r: LoginResponse = api
            .post(
                "/api/v1/auth/login",
                &serde_json::json!({"login": login, "password": password}),
            )
            .await
            .unwrap_or_else(|e| panic!("login {login}: {e:?}"));
        api.token = Some(r.token);
        api
    }

    /// Registers and signs in a new user.
    pub async fn new_user(&self, login: &str) -> Api {
        let api = self.anon();
        let _: Me = api
            .post(
                "/api/v1/auth/register",
                &serde_json::json!({"login": login, "password": "correct horse", "display_name": login}),
            )
            .await
            .unwrap();
        self.login_with(login, "correct horse").await
    }
}

// ------------------------------------------------------------------------------ HTTP

#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub status: u16,
    pub body: Json,
}

impl Failure {
    pub fn code(&self) -> &str {
        self.body.get("code").and_then(Json::as_str).unwrap_or("")
    }
}

#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: Option<String>,
    pub http: reqwest::Client,
}

impl Api {
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut rb = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        rb
    }

    /// Sends and returns (status, JSON body or Null).
    pub async fn send_raw(&self, rb: reqwest::RequestBuilder) -> (u16, Json) {
        let resp = rb.send().await.unwrap();
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Json::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or(Json::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (status, body)
    }

    pub async fn call<T: DeserializeOwned>(
        &self,
        rb: reqwest::RequestBuilder,
    ) -> Result<T, Failure> {
        let (status, body) = self.send_raw(rb).await;
        if (200..300).contains(&status) {
            Ok(serde_json::from_value(body.clone())
                .unwrap_or_else(|e| panic!("bad body {body}: {e}")))
        } else {
            assert!(
                body.get("code").is_some() && body.get("message").is_some(),
                "error without code/message: {status} {body}"
            );
            Err(Failure { status, body })
        }
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Failure> {
        self.call(self.request(reqwest::Method::GET, path)).await
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Failure> {
        self.call(self.request(reqwest::Method::POST, path).json(body))
            .await
    }

    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Failure> {
        self.call(self.request(reqwest::Method::PUT, path).json(body))
            .await
    }

    /// A request whose success body is empty (204).
    pub async fn delete(&self, path: &str) -> Result<(), Failure> {
        let (status, body) = self
            .send_raw(self.request(reqwest::Method::DELETE, path))
            .await;
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(Failure { status, body })
        }
    }

    pub async fn me(&self) -> Me {
        self.get("/api/v1/me").await.unwrap()
    }

    /// An employee's company (the first they belong to) and its lines' ids by name.
    pub async fn company_lines(&self) -> (CompanyId, HashMap<String, LineId>) {
        let company = self.me().await.memberships[0].company_id;
        let lines: Vec<Line> = self
            .get(&format!("/api/v1/companies/{company}/lines"))
            .await
            .unwrap();
        (company, lines.into_iter().map(|l| (l.name, l.id)).collect())
    }

    /// The caller's chat on `line`, which they are connected to.
    pub async fn chat_on(&self, line: LineId) -> ChatId {
        let snap: Snapshot = self.get("/api/v1/snapshot").await.unwrap();
        snap.connections
            .iter()
            .find(|c| c.line.id == line)
            .and_then(|c| c.chat_id)
            .unwrap()
    }

    pub async fn send_text(&self, chat: ChatId, text: &str) -> Message {
        self.post(
            &format!("/api/v1/chats/{chat}/messages"),
            &SendMessageRequest {
                client_msg_id: uuid::Uuid::new_v4(),
                text: text.into(),
                file_ids: vec![],
            },
        )
        .await
        .unwrap()
    }

    pub async fn upload(&self, name: &str, bytes: Vec<u8>) -> Result<FileMeta, Failure> {
        self.call(
            self.request(
                reqwest::Method::POST,
                &format!("/api/v1/files?name={}", urlencode(name)),
            )
            .header("content-type", "application/octet-stream")
            .body(bytes),
        )
        .await
    }

    pub async fn ws(&self, since: Option<i64>) -> Ws {
        Ws::connect(&self.base, self.token.as_deref().unwrap(), since).await
    }

    /// A WebSocket that gets every event committed after this call. (`ws(None)` starts where
    /// the stream stands when the server has set the session up, which may be after a write
    /// the test makes right after connecting.)
    pub async fn ws_now(&self) -> Ws {
        let snapshot: okno_proto::Snapshot = self.get("/api/v1/snapshot").await.unwrap();
        self.ws(Some(snapshot.cursor)).await
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

// ------------------------------------------------------------------------------ WebSocket

pub struct Ws {
    stream: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Ws {
    pub async fn connect(base: &str, token: &str, since: Option<i64>) -> Self {
        let mut url = format!("{}/api/v1/ws", base.replacen("http", "ws", 1));
        if let Some(s) = since {
            url.push_str(&format!("?since={s}"));
        }
        let mut req = url.into_client_request().unwrap();
        req.headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        let (stream, _) = tokio_tungstenite::connect_async(req).await.unwrap();
        Self { stream }
    }

    /// The next server frame, or None if none comes within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<ServerFrame> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .ok()??
                .ok()?;
            match msg {
                WsMessage::Text(t) => {
                    return Some(
                        serde_json::from_str(t.as_str())
                            .unwrap_or_else(|e| panic!("bad frame {t}: {e}")),
                    )
                }
                WsMessage::Close(_) => return None,
                _ => continue,
            }
        }
    }

    pub async fn next(&mut self) -> ServerFrame {
        self.next_within(Duration::from_secs(10))
            .await
            .expect("no frame within 10 s")
    }

    pub async fn next_event(&mut self) -> Event {
        match self.next().await {
            ServerFrame::Event { event } => event,
            other => panic!("expected an event, got {other:?}"),
        }
    }

    /// Every event that arrives until `wait` passes with nothing new.
    pub async fn drain_events(&mut self, wait: Duration) -> Vec<Event> {
        let mut out = Vec::new();
        while let Some(f) = self.next_within(wait).await {
            if let ServerFrame::Event { event } = f {
                out.push(event);
            }
        }
        out
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        self.stream
            .send(WsMessage::Text(
                serde_json::to_string(frame).unwrap().into(),
            ))
            .await
            .unwrap();
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.stream
            .send(WsMessage::Text(text.to_owned().into()))
            .await
            .unwrap();
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

/// Sequence numbers must run without gaps from `from`.
pub fn assert_contiguous(events: &[Event], from: i64) {
    for (i, e) in events.iter().enumerate() {
        assert_eq!(
            e.seq,
            from + i as i64,
            "events out of order or missing: {:?}",
            events.iter().map(|e| e.seq).collect::<Vec<_>>()
        );
    }
}
