//! Harness for the core's tests: a real okno-server on loopback (SQLite), a TCP proxy in front
//! of it that can refuse and cut connections, and helpers to wait for convergence.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod http_proxy;
pub mod tls;

use okno_core::{Core, CoreConfig};
use okno_proto::*;
use okno_server::{demo, Config, Server};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A TCP proxy: forwards to the current target; `down()` refuses new connections, `cut()`
/// resets every open one.
pub struct Proxy {
    pub addr: SocketAddr,
    target: Arc<Mutex<Option<SocketAddr>>>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let target = Arc::new(Mutex::new(Some(target)));
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (t, c) = (target.clone(), conns.clone());
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                let Some(to) = *t.lock().unwrap() else {
                    drop(inbound);
                    continue;
                };
                let handle = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(to).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                let mut list = c.lock().unwrap();
                list.retain(|h| !h.is_finished());
                list.push(handle);
            }
        });
        Self {
            addr,
            target,
            conns,
            accept,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Resets every open connection (mid-stream).
    pub fn cut(&self) {
        for h in self.conns.lock().unwrap().drain(..) {
            h.abort();
        }
    }

    /// Refuses new connections and cuts the open ones: the server looks unreachable.
    pub fn down(&self) {
        *self.target.lock().unwrap() = None;
        self.cut();
    }

    pub fn up(&self, target: SocketAddr) {
        *self.target.lock().unwrap() = Some(target);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

pub struct Env {
    pub server: Option<Server>,
    pub config: Config,
    pub proxy: Proxy,
    pub dir: tempfile::TempDir,
}

impl Env {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts with the server's configuration changed by `tune` (its limits, say).
    pub async fn start_with(tune: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.path().join("server"));
        tune(&mut config);
        let state = okno_server::build_state(config.clone()).await.unwrap();
        demo::seed(&state).await.unwrap();
        let server = Server::start_with(state).await.unwrap();
        let proxy = Proxy::start(server.addr).await;
        Self {
            server: Some(server),
            config,
            proxy,
            dir,
        }
    }

    /// Kills the server (every connection dies with it).
    pub async fn stop_server(&mut self) {
        self.proxy.down();
        if let Some(s) = self.server.take() {
            s.stop().await;
        }
    }

    /// Starts the server again on the same data, behind the same proxy address.
    pub async fn start_server(&mut self) {
        let server = Server::start(self.config.clone()).await.unwrap();
        self.proxy.up(server.addr);
        self.server = Some(server);
    }

    pub fn core_config(&self, name: &str) -> CoreConfig {
        let mut c = CoreConfig::new(self.dir.path().join(name));
        c.use_os_secret_store = false;
        c
    }

    pub async fn core(&self, name: &str, login: &str) -> Core {
        let core = Core::open(self.core_config(name)).await.unwrap();
        core.login(&self.proxy.url(), login, demo::DEMO_PASSWORD)
            .await
            .unwrap();
        core
    }

    /// Direct HTTP to the server (not through the proxy), as `login`.
    pub async fn http(&self, login: &str) -> Http {
        let base = self.server.as_ref().unwrap().url();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let r: LoginResponse = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"login": login, "password": demo::DEMO_PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Http {
            base,
            token: r.token,
            client,
        }
    }
}

pub struct Http {
    pub base: String,
    pub token: String,
    pub client: reqwest::Client,
}

impl Http {
    pub async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn send(&self, chat: ChatId, client_msg_id: uuid::Uuid, text: &str) -> Message {
        self.client
            .post(format!("{}/api/v1/chats/{chat}/messages", self.base))
            .bearer_auth(&self.token)
            .json(&SendMessageRequest {
                client_msg_id,
                text: text.into(),
                file_ids: vec![],
            })
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Ends every other session of this account, as "sign out everywhere else" does.
    pub async fn revoke_others(&self) -> usize {
        let sessions: Vec<SessionInfo> = self.get("/api/v1/sessions").await;
        let others: Vec<_> = sessions.iter().filter(|s| !s.current).collect();
        for s in &others {
            let r = self
                .client
                .delete(format!("{}/api/v1/sessions/{}", self.base, s.id))
                .bearer_auth(&self.token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 204);
        }
        others.len()
    }

    /// The whole history of a chat, oldest first.
    pub async fn history(&self, chat: ChatId) -> Vec<Message> {
        let mut all = Vec::new();
        let mut before: Option<i64> = None;
        loop {
            let path = match before {
                Some(b) => format!("/api/v1/chats/{chat}/messages?limit=200&before={b}"),
                None => format!("/api/v1/chats/{chat}/messages?limit=200"),
            };
            let page: MessagePage = self.get(&path).await;
            let first = page.messages.first().map(|m| m.seq);
            let mut msgs = page.messages;
            msgs.extend(all);
            all = msgs;
            match (page.has_more, first) {
                (true, Some(f)) => before = Some(f),
                _ => return all,
            }
        }
    }
}

/// The demo user's first connected chat.
pub fn first_chat(core: &Core) -> ChatId {
    core.lines()
        .unwrap()
        .iter()
        .find_map(|l| l.chat_id)
        .expect("a connected line with a chat")
}

/// Polls `check` until it holds (or fails the test after `secs`).
pub async fn eventually<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if check().await {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every message of the chat in the core's cache, oldest first.
pub async fn cached(core: &Core, chat: ChatId) -> Vec<Message> {
    let mut all = Vec::new();
    let mut before = None;
    loop {
        let page = core.messages(chat, before, 200).await.unwrap();
        let first = page.messages.first().map(|m| m.seq);
        let mut msgs = page.messages;
        msgs.extend(all);
        all = msgs;
        match (page.has_older, first) {
            (true, Some(f)) => before = Some(f),
            _ => return all,
        }
    }
}
