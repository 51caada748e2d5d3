//! The Okno client core: everything the desktop app knows and does, with no GUI dependency.
//!
//! - [`cache`]: the local SQLite cache, readable offline, and the outbox;
//! - [`sync`]: WebSocket push plus catch-up from the cursor, backoff, gap refetch;
//! - [`outbox`]: durable sends, retried until acknowledged, exactly once by client message id;
//! - [`api`]: the typed HTTP client; [`secret`]: where the session token lives;
//! - [`notify`]: the notification policy; [`logging`]: rotating log files.
//!
//! [`Core`] ties them together. It reports changes as [`CoreEvent`]s carrying ids only; the UI
//! reads the views again.

pub mod api;
pub mod cache;
pub mod error;
pub mod logging;
pub mod notify;
pub mod outbox;
pub mod proxy;
pub mod secret;
pub mod sync;
pub mod tls;

use api::Api;
use cache::{Cache, Changes};
pub use error::{CoreError, CoreResult, FileProblem, ProxyProblem, TlsProblem};
use okno_proto::*;
pub use proxy::ProxySettings;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{mpsc, watch, Notify};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A draft may hold more than a message may (the composer says so at sending), but not
/// without end.
const MAX_DRAFT_CHARS: usize = 100_000;
const MAX_DRAFT_FILES: usize = 100;

/// Hints shown while typing.
pub const HINT_LIMIT: i64 = 5;
/// The longest text sent as a hint query (characters).
const HINT_QUERY_MAX: usize = 300;

#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// The cache, the token file (when there is no OS secret store) and downloaded files.
    pub data_dir: PathBuf,
    /// Shown in the account's list of sessions.
    pub device_name: String,
    /// Keep the token in the OS secret store when there is one.
    pub use_os_secret_store: bool,
    /// Largest file the app will try to upload (the server's limit).
    pub max_upload: u64,
    /// Reach the signed-in account's server at this address instead of the stored one (the
    /// desktop app's embedded server listens on a new port every run).
    pub server_override: Option<String>,
    /// Proxies from the desktop's settings; `None`: the ones the environment names.
    pub proxies: Option<ProxySettings>,
}

impl CoreConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            device_name: "Okno desktop".into(),
            use_os_secret_store: true,
            max_upload: 100 * 1024 * 1024,
            server_override: None,
            proxies: None,
        }
    }
}

struct Session {
    api: Api,
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

pub(crate) struct Inner {
    cfg: CoreConfig,
    pub(crate) cache: Arc<Cache>,
    /// Each subscriber's queue of events. Unbounded, so nothing is allocated ahead (a
    /// broadcast channel's ring of 4,096 slots took 0.4 MB from the start) and a subscriber
    /// that falls behind loses nothing: a sync page brings up to 1,000 messages, each an event,
    /// and every one may be a notification. An event is a few ids.
    events: Mutex<Vec<mpsc::UnboundedSender<CoreEvent>>>,
    state: watch::Sender<SyncState>,
    /// Why the server cannot be reached, while the sync service is offline (or retrying).
    offline_because: Mutex<Option<ApiError>>,
    /// The proxies in use when not the environment's (`CoreConfig::proxies`, then
    /// `Core::set_proxies`).
    proxies: Mutex<Option<ProxySettings>>,
    session: Mutex<Option<Session>>,
    pub(crate) outbox_wake: Notify,
    pub(crate) reconnect_now: Notify,
    transfers: Mutex<HashMap<String, CancellationToken>>,
}

impl Inner {
    pub(crate) fn emit(&self, e: CoreEvent) {
        let mut subscribers = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        // A subscriber that dropped its receiver is forgotten here.
        subscribers.retain(|tx| tx.send(e.clone()).is_ok());
    }

    /// Sets the sync state; `error` says why, when it is `Offline`. A reconnect attempt
    /// (`Connecting`) keeps the last reason.
    pub(crate) fn set_state(&self, state: SyncState, error: Option<ApiError>) {
        let changed = *self.state.borrow() != state;
        {
            let mut because = self
                .offline_because
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match state {
                SyncState::Offline => *because = error.clone(),
                SyncState::Connecting => {}
                _ => *because = None,
            }
        }
        self.state.send_replace(state);
        if changed {
            self.emit(CoreEvent::SyncState { state, error });
        }
    }

    pub(crate) fn emit_changes(&self, ch: &Changes) {
        if ch.lines {
            self.emit(CoreEvent::LinesChanged);
        }
        for c in &ch.chats {
            self.emit(CoreEvent::ChatChanged { chat_id: *c });
        }
        for c in &ch.messages {
            self.emit(CoreEvent::MessagesChanged { chat_id: *c });
        }
        for (chat_id, client_msg_id) in &ch.delivered {
            self.emit(CoreEvent::OutboxChanged {
                chat_id: *chat_id,
                client_msg_id: *client_msg_id,
            });
        }
        for (ticket_id, chat_id) in &ch.tickets {
            self.emit(CoreEvent::TicketChanged {
                ticket_id: *ticket_id,
                chat_id: *chat_id,
            });
        }
        for (ticket_id, chat_id) in &ch.queued {
            self.emit(CoreEvent::TicketQueued {
                ticket_id: *ticket_id,
                chat_id: *chat_id,
            });
        }
        if ch.agent {
            self.emit(CoreEvent::AgentChanged);
        }
        for (chat_id, message_id) in &ch.arrived {
            self.emit(CoreEvent::NewMessage {
                chat_id: *chat_id,
                message_id: *message_id,
            });
        }
    }

    /// Reads from the server the summaries the cache could not compute.
    pub(crate) async fn refresh_stale(&self, api: &Api, chats: &BTreeSet<ChatId>) {
        for chat in chats {
            match api.chat(*chat).await {
                Ok(s) => {
                    if let Err(e) = self.cache.set_chat_summary(&s) {
                        tracing::warn!(error = %e, "cannot store a chat summary");
                    }
                }
                Err(e) => {
                    tracing::info!(error = %e.code(), chat = %chat, "cannot refresh a chat summary")
                }
            }
        }
    }

    pub(crate) fn register_transfer(&self, key: &str) -> CancellationToken {
        let token = CancellationToken::new();
        if let Ok(mut t) = self.transfers.lock() {
            t.insert(key.to_owned(), token.clone());
        }
        token
    }

    pub(crate) fn end_transfer(&self, key: &str) {
        if let Ok(mut t) = self.transfers.lock() {
            t.remove(key);
        }
    }

    fn cancel_transfer(&self, key: &str) -> bool {
        match self.transfers.lock().ok().and_then(|mut t| t.remove(key)) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    fn api(&self) -> CoreResult<Api> {
        self.session
            .lock()
            .map_err(|_| CoreError::Cache("session lock poisoned".into()))?
            .as_ref()
            .map(|s| s.api.clone())
            .ok_or(CoreError::NotSignedIn)
    }
}

/// The client core. Cheap to clone.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
}

/// A control character a message may not carry (the server refuses them): all but line breaks
/// and tabs.
fn invisible_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

fn token_account(server_url: &str, login: &str) -> String {
    format!("{login}@{server_url}")
}

impl Core {
    /// Opens the cache; if an account was signed in, resumes it (the cache answers at once, the
    /// network catches up in the background).
    pub async fn open(cfg: CoreConfig) -> CoreResult<Self> {
        let path = cfg.data_dir.join("cache.db");
        let cache = tokio::task::spawn_blocking(move || Cache::open(&path))
            .await
            .map_err(|e| CoreError::Cache(e.to_string()))??;
        let (state, _) = watch::channel(SyncState::Idle);
        let proxies = cfg.proxies.clone();
        let core = Core {
            inner: Arc::new(Inner {
                cfg,
                cache: Arc::new(cache),
                events: Mutex::new(Vec::new()),
                state,
                offline_because: Mutex::new(None),
                proxies: Mutex::new(proxies),
                session: Mutex::new(None),
                outbox_wake: Notify::new(),
                reconnect_now: Notify::new(),
                transfers: Mutex::new(HashMap::new()),
            }),
        };
        if let Some(account) = core.inner.cache.account()? {
            let store = secret::TokenStore::new(
                &core.inner.cfg.data_dir,
                core.inner.cfg.use_os_secret_store,
                &token_account(&account.server_url, &account.me.login),
            );
            if let Some(token) = store.load()? {
                let url = core
                    .inner
                    .cfg
                    .server_override
                    .as_deref()
                    .unwrap_or(&account.server_url);
                let api = Api::with_proxies(url, core.proxies().as_ref())?.with_token(token);
                core.start(api);
            }
        }
        Ok(core)
    }

    fn start(&self, api: Api) {
        let stop = CancellationToken::new();
        let tasks = vec![
            tokio::spawn(sync::run(self.inner.clone(), api.clone(), stop.clone())),
            tokio::spawn(outbox::run(self.inner.clone(), api.clone(), stop.clone())),
        ];
        if let Ok(mut s) = self.inner.session.lock() {
            if let Some(old) = s.take() {
                old.stop.cancel();
            }
            *s = Some(Session { api, stop, tasks });
        }
    }

    fn proxies(&self) -> Option<ProxySettings> {
        self.inner
            .proxies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Uses these proxies from now on (`None`: the environment's), as when the desktop's proxy
    /// settings change while the app runs: a signed-in session reconnects through them at once,
    /// and what waits in the outbox goes that way (a send cut short is sent again under the
    /// same id, which the server takes once).
    pub fn set_proxies(&self, proxies: Option<ProxySettings>) -> CoreResult<()> {
        *self
            .inner
            .proxies
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = proxies.clone();
        let current = match self.inner.api() {
            Ok(api) => api,
            Err(CoreError::NotSignedIn) => return Ok(()),
            Err(e) => return Err(e),
        };
        let mut api = Api::with_proxies(current.base(), proxies.as_ref())?;
        if api.same_route(&current) {
            // This computer's own server, a server the proxies' exceptions name, or proxies
            // that changed elsewhere: nothing to reconnect.
            return Ok(());
        }
        if let Some(token) = current.token() {
            api = api.with_token(token.to_owned());
        }
        tracing::info!("the proxies changed: reconnecting");
        self.start(api);
        Ok(())
    }

    /// Stops syncing and sending (the app is closing, or a test simulates a crash).
    pub async fn shutdown(&self) {
        let session = self.inner.session.lock().ok().and_then(|mut s| s.take());
        if let Some(s) = session {
            s.stop.cancel();
            for t in s.tasks {
                let _ = t.await;
            }
        }
        self.inner.set_state(SyncState::Idle, None);
    }

    /// Every event from now on, in order; none is dropped however far the receiver falls
    /// behind.
    pub fn subscribe(&self) -> mpsc::UnboundedReceiver<CoreEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.inner
            .events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(tx);
        rx
    }

    pub fn sync_state(&self) -> watch::Receiver<SyncState> {
        self.inner.state.subscribe()
    }

    /// Why the server cannot be reached, while the sync service is offline or retrying:
    /// `{code, message}` as the last attempt failed.
    pub fn offline_because(&self) -> Option<ApiError> {
        self.inner
            .offline_because
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Asks the sync service to reconnect now instead of waiting for its backoff.
    pub fn reconnect_now(&self) {
        self.inner.reconnect_now.notify_one();
        self.inner.outbox_wake.notify_one();
    }

    /// The signed-in account, if any (from the cache: known offline too).
    pub fn me(&self) -> CoreResult<Option<Me>> {
        Ok(self.inner.cache.account()?.map(|a| a.me))
    }

    pub fn server_url(&self) -> CoreResult<Option<String>> {
        Ok(self.inner.cache.account()?.map(|a| a.server_url))
    }

    pub async fn login(&self, server_url: &str, login: &str, password: &str) -> CoreResult<Me> {
        let mut api = Api::with_proxies(server_url, self.proxies().as_ref())?;
        let device = &self.inner.cfg.device_name;
        let resp = match api.login(login, password, device).await {
            // A server that takes only HTTPS sends plain requests there: its own host, upgraded,
            // is where this account lives from now on.
            Err(CoreError::Moved(to)) => match api.upgraded(&to)? {
                Some(https) => {
                    tracing::info!("the server moved this sign-in to HTTPS");
                    api = https;
                    api.login(login, password, device).await?
                }
                None => return Err(CoreError::Moved(to)),
            },
            other => other?,
        };
        let api = api.with_token(resp.token.clone());
        let snapshot = api.snapshot().await?;
        self.shutdown().await;
        let cache = self.inner.cache.clone();
        let url = api.base().to_owned();
        let changes =
            tokio::task::spawn_blocking(move || cache.apply_snapshot(Some(&url), &snapshot))
                .await
                .map_err(|e| CoreError::Cache(e.to_string()))??;
        let store = secret::TokenStore::new(
            &self.inner.cfg.data_dir,
            self.inner.cfg.use_os_secret_store,
            &token_account(api.base(), &resp.me.login),
        );
        let place = store.save(&resp.token)?;
        tracing::info!(user = %resp.me.id, token_store = place, "signed in");
        self.start(api);
        self.inner.emit_changes(&changes);
        Ok(resp.me)
    }

    /// Signs out: ends the session on the server (when reachable) and forgets everything local.
    /// Messages still waiting in the outbox (sending, or failed and not yet retried) would be
    /// forgotten too: unless `discard_unsent`, it refuses with [`CoreError::Unsent`] and changes
    /// nothing while there are any.
    pub async fn logout(&self, discard_unsent: bool) -> CoreResult<()> {
        if !discard_unsent {
            let unsent = self.inner.cache.outbox_list(None)?.len();
            if unsent > 0 {
                return Err(CoreError::Unsent(unsent));
            }
        }
        let api = self.inner.api().ok();
        let account = self.inner.cache.account()?;
        self.shutdown().await;
        if let Some(api) = &api {
            if let Err(e) = api.logout().await {
                tracing::info!(error = %e.code(), "could not end the session on the server");
            }
        }
        if let Some(account) = &account {
            secret::TokenStore::new(
                &self.inner.cfg.data_dir,
                self.inner.cfg.use_os_secret_store,
                &token_account(&account.server_url, &account.me.login),
            )
            .clear()?;
        }
        self.inner.cache.clear()?;
        // The account's downloaded files go with it.
        let files = self.inner.cfg.data_dir.join("files");
        match std::fs::remove_dir_all(&files) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(CoreError::Io(format!("removing downloaded files: {e}"))),
        }
        self.inner.emit(CoreEvent::SignedOut);
        Ok(())
    }

    // ---------------------------------------------------------------- reads (cache)

    pub fn lines(&self) -> CoreResult<Vec<LineItem>> {
        self.inner.cache.line_items()
    }

    /// A page of the chat from the cache; when the cache lacks messages in that range and the
    /// server is reachable, they are fetched first.
    pub async fn messages(
        &self,
        chat: ChatId,
        before: Option<i64>,
        limit: i64,
    ) -> CoreResult<ChatPage> {
        let limit = limit.clamp(1, 200);
        // An employee opens a ticket of a chat the cache has not seen yet (it was busy before
        // they signed in): its summary says how far the history goes.
        if before.is_none()
            && self
                .inner
                .cache
                .chat_summary(chat)?
                .is_none_or(|s| s.0 == 0)
        {
            if let Ok(api) = self.inner.api() {
                match api.chat(chat).await {
                    Ok(s) => self.inner.cache.set_chat_summary(&s)?,
                    Err(e) => {
                        tracing::info!(error = %e.code(), chat = %chat, "chat summary not read")
                    }
                }
            }
        }
        let top = match before {
            Some(b) => b - 1,
            None => self.inner.cache.last_seq(chat)?,
        };
        let from = (top - limit + 1).max(1);
        if !self.inner.cache.has_range(chat, from, top)? {
            if let Ok(api) = self.inner.api() {
                match api.history(chat, Some(top + 1), limit).await {
                    Ok(page) => {
                        let changes = self.inner.cache.store_messages(&page.messages)?;
                        self.inner.emit_changes(&Changes {
                            messages: BTreeSet::new(),
                            ..changes
                        });
                    }
                    Err(e) => {
                        tracing::info!(error = %e.code(), "history not fetched; showing the cache")
                    }
                }
            }
        }
        self.inner.cache.chat_page(chat, before, limit)
    }

    pub fn search(&self, query: &str, limit: i64) -> CoreResult<Vec<SearchHit>> {
        self.inner.cache.search(query, limit.clamp(1, 200))
    }

    pub fn chat_files(&self, chat: ChatId) -> CoreResult<Vec<FileMeta>> {
        self.inner.cache.chat_files(chat)
    }

    pub fn service_requests(&self, chat: ChatId) -> CoreResult<Vec<ServiceRequest>> {
        self.inner.cache.open_service_requests(chat)
    }

    pub fn unread_total(&self) -> CoreResult<i64> {
        self.inner.cache.unread_total()
    }

    /// Mutes or unmutes a chat on this device: a muted chat raises no notifications and its
    /// unread messages are left out of the unread total (the tray, the docks); its own count
    /// stays. Kept in the cache across restarts and syncs, forgotten with the account.
    pub fn set_muted(&self, chat: ChatId, muted: bool) -> CoreResult<()> {
        if !self.inner.cache.set_muted(chat, muted)? {
            return Err(CoreError::Invalid(format!("no chat {} here", chat.0)));
        }
        self.inner.emit(CoreEvent::ChatChanged { chat_id: chat });
        self.inner.emit(CoreEvent::LinesChanged);
        Ok(())
    }

    /// Whether the chat is muted (for the notification policy).
    pub fn is_muted(&self, chat: ChatId) -> CoreResult<bool> {
        Ok(self.inner.cache.chat_summary(chat)?.is_some_and(|s| s.3))
    }

    /// One cached message (for notifications).
    pub fn message(&self, chat: ChatId, id: MessageId) -> CoreResult<Option<Message>> {
        let page = self.inner.cache.chat_page(chat, None, 200)?;
        Ok(page.messages.into_iter().find(|m| m.id == id))
    }

    // ---------------------------------------------------------------- drafts

    /// Keeps what is written in a chat's composer (its text and the files attached) until it is
    /// sent or emptied, across restarts; an empty draft removes the one kept. Drafts belong to
    /// the account: signing out or in as someone else forgets them.
    pub fn set_draft(&self, draft: &Draft) -> CoreResult<()> {
        if self.me()?.is_none() {
            return Err(CoreError::NotSignedIn);
        }
        if draft.text.chars().count() > MAX_DRAFT_CHARS {
            return Err(CoreError::Invalid(
                "a draft may have at most 100,000 characters".into(),
            ));
        }
        if draft.files.len() > MAX_DRAFT_FILES {
            return Err(CoreError::Invalid("at most 100 files in a draft".into()));
        }
        self.inner.cache.set_draft(draft)
    }

    /// The drafts kept for the signed-in account.
    pub fn drafts(&self) -> CoreResult<Vec<Draft>> {
        self.inner.cache.drafts()
    }

    // ---------------------------------------------------------------- sends (outbox)

    /// Queues a message: on disk before this returns, shown at once as sending, delivered with
    /// its own client message id until the server acknowledges it.
    pub fn send(&self, chat: ChatId, text: &str, files: &[PathBuf]) -> CoreResult<Uuid> {
        if self.me()?.is_none() {
            return Err(CoreError::NotSignedIn);
        }
        // Control characters other than line breaks and tabs are invisible in the composer and
        // refused by the server: they go, rather than the message failing for them later.
        let cleaned: String;
        let text = if text.chars().any(invisible_control) {
            cleaned = text.chars().filter(|c| !invisible_control(*c)).collect();
            cleaned.as_str()
        } else {
            text
        };
        let length = text.chars().count();
        if length > MAX_MESSAGE_CHARS {
            return Err(CoreError::TextTooLong {
                length: length as u64,
                limit: MAX_MESSAGE_CHARS as u64,
            });
        }
        if text.trim().is_empty() && files.is_empty() {
            return Err(CoreError::Invalid("the message is empty".into()));
        }
        if files.len() > MAX_MESSAGE_FILES {
            return Err(CoreError::TooManyFiles {
                count: files.len() as u64,
                limit: MAX_MESSAGE_FILES as u64,
            });
        }
        let mut list = Vec::with_capacity(files.len());
        for p in files {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.to_string_lossy().into_owned());
            let refuse = |problem| CoreError::File {
                problem,
                name: name.clone(),
            };
            let meta =
                std::fs::metadata(p).map_err(|e| refuse(FileProblem::Unreadable(e.to_string())))?;
            if !meta.is_file() {
                return Err(refuse(FileProblem::NotAFile));
            }
            if meta.len() > self.inner.cfg.max_upload {
                return Err(CoreError::TooLarge {
                    name: Some(name),
                    size: meta.len(),
                    limit: self.inner.cfg.max_upload,
                });
            }
            if meta.len() == 0 {
                return Err(refuse(FileProblem::Empty));
            }
            // Readable now (permissions), not only present: the upload opens it later.
            std::fs::File::open(p).map_err(|e| refuse(FileProblem::Unreadable(e.to_string())))?;
            list.push((p.to_string_lossy().into_owned(), name, meta.len() as i64));
        }
        let id = Uuid::new_v4();
        self.inner.cache.outbox_add(chat, id, text, &list)?;
        self.inner.emit(CoreEvent::OutboxChanged {
            chat_id: chat,
            client_msg_id: id,
        });
        self.inner.outbox_wake.notify_one();
        Ok(id)
    }

    pub fn outbox(&self, chat: Option<ChatId>) -> CoreResult<Vec<OutboxItem>> {
        self.inner.cache.outbox_list(chat)
    }

    /// Sends a failed message again.
    pub fn retry(&self, id: Uuid) -> CoreResult<()> {
        if !self.inner.cache.outbox_retry(id)? {
            return Err(CoreError::Invalid(
                "no such message waiting to be sent".into(),
            ));
        }
        if let Some(chat) = self.inner.cache.outbox_chat(id)? {
            self.inner.emit(CoreEvent::OutboxChanged {
                chat_id: chat,
                client_msg_id: id,
            });
        }
        self.inner.outbox_wake.notify_one();
        Ok(())
    }

    /// Drops a message not yet acknowledged (and stops its uploads).
    pub fn cancel(&self, id: Uuid) -> CoreResult<()> {
        let chat = self.inner.cache.outbox_chat(id)?;
        self.inner.cancel_transfer(&id.to_string());
        if !self.inner.cache.outbox_remove(id)? {
            return Err(CoreError::Invalid(
                "no such message waiting to be sent".into(),
            ));
        }
        if let Some(chat) = chat {
            self.inner.emit(CoreEvent::OutboxChanged {
                chat_id: chat,
                client_msg_id: id,
            });
        }
        Ok(())
    }

    // ---------------------------------------------------------------- server operations

    pub async fn mark_read(&self, chat: ChatId, seq: i64) -> CoreResult<()> {
        let api = self.inner.api()?;
        let summary = api.read(chat, seq).await?;
        self.inner.cache.set_chat_summary(&summary)?;
        self.inner.emit(CoreEvent::ChatChanged { chat_id: chat });
        self.inner.emit(CoreEvent::LinesChanged);
        Ok(())
    }

    pub async fn directory(&self, query: &str) -> CoreResult<Vec<Line>> {
        self.inner.api()?.directory(query).await
    }

    pub async fn recommended(&self) -> CoreResult<Vec<Line>> {
        self.inner.api()?.recommended().await
    }

    pub async fn request_connection(&self, line: LineId) -> CoreResult<okno_proto::Connection> {
        let c = self.inner.api()?.request_connection(line).await?;
        self.inner.reconnect_now.notify_one();
        Ok(c)
    }

    pub async fn disconnect(&self, connection: ConnectionId) -> CoreResult<()> {
        self.inner.api()?.disconnect(connection).await
    }

    /// Downloads a file into the app's cache (once) and returns its path.
    pub async fn download(&self, file: FileId) -> CoreResult<PathBuf> {
        let (meta, local) = self
            .inner
            .cache
            .file_meta(file)?
            .ok_or_else(|| CoreError::Invalid("unknown file".into()))?;
        if let Some(p) = local.map(PathBuf::from).filter(|p| p.exists()) {
            return Ok(p);
        }
        let dir = self.inner.cfg.data_dir.join("files");
        tokio::fs::create_dir_all(&dir).await?;
        let dest = dir.join(format!("{}-{}", file.0, safe_name(&meta.name)));
        let key = format!("down:{file}");
        let cancel = self.inner.register_transfer(&key);
        let inner = self.inner.clone();
        let k = key.clone();
        let progress = move |done: u64, total: u64| {
            inner.emit(CoreEvent::Transfer {
                transfer_id: k.clone(),
                done: done as i64,
                total: total as i64,
                finished: false,
                error: None,
            })
        };
        let result = self
            .inner
            .api()?
            .download(file, &dest, &progress, &cancel)
            .await;
        self.inner.end_transfer(&key);
        self.inner.emit(CoreEvent::Transfer {
            transfer_id: key,
            done: meta.size,
            total: meta.size,
            finished: true,
            error: result.as_ref().err().map(|e| e.to_string()),
        });
        result?;
        self.inner
            .cache
            .set_file_path(file, &dest.to_string_lossy())?;
        Ok(dest)
    }

    /// Stops a download or an upload (by transfer id).
    pub fn cancel_transfer(&self, transfer_id: &str) -> bool {
        let key = transfer_id
            .strip_prefix("up:")
            .and_then(|r| r.split(':').next())
            .unwrap_or(transfer_id);
        self.inner.cancel_transfer(key)
    }

    /// Downloads if needed, then opens the file with the system's default application: on Linux
    /// `xdg-open`, else GIO's `gio open` (a desktop without xdg-utils), else KDE's opener; the
    /// same launchers, in the same order, as links (the shell's opener plugin).
    pub async fn open_file(&self, file: FileId) -> CoreResult<PathBuf> {
        let path = self.download(file).await?;
        open::that_detached(&path).map_err(|e| CoreError::Io(e.to_string()))?;
        Ok(path)
    }

    // ---------------------------------------------------------------- tickets

    /// A ticket list of the specialist's single window, from the server (`view`: queued, mine
    /// or all open tickets of the caller's lines).
    pub async fn tickets(&self, view: TicketView) -> CoreResult<Vec<TicketItem>> {
        self.inner.api()?.tickets(view, None).await
    }

    /// A ticket: from the server when reachable (then cached), else from the cache.
    pub async fn ticket(&self, id: TicketId) -> CoreResult<Ticket> {
        match self.inner.api()?.ticket(id).await {
            Ok(t) => {
                self.inner.cache.store_ticket(&t)?;
                Ok(t)
            }
            Err(e @ CoreError::Offline(_)) => self.inner.cache.ticket(id)?.ok_or(e),
            Err(e) => Err(e),
        }
    }

    /// A ticket with the client's card and its service requests (staff).
    pub async fn ticket_detail(&self, id: TicketId) -> CoreResult<TicketDetail> {
        let d = self.inner.api()?.ticket_detail(id).await?;
        self.inner.cache.store_ticket(&d.ticket)?;
        Ok(d)
    }

    /// Stores a ticket the server answered with and tells the UI at once (the stream follows).
    fn ticket_changed(&self, t: &Ticket) -> CoreResult<()> {
        self.inner.cache.store_ticket(t)?;
        self.inner.emit(CoreEvent::TicketChanged {
            ticket_id: t.id,
            chat_id: t.chat_id,
        });
        self.inner
            .emit(CoreEvent::ChatChanged { chat_id: t.chat_id });
        Ok(())
    }

    /// Takes a queued ticket; `conflict` when someone else was first.
    pub async fn take(&self, id: TicketId) -> CoreResult<Ticket> {
        let t = self.inner.api()?.take(id).await?;
        tracing::info!(ticket = %id, "ticket taken");
        self.ticket_changed(&t)?;
        Ok(t)
    }

    /// Transfers a ticket to a specialist or to a line, with a comment the user sees.
    pub async fn transfer(
        &self,
        id: TicketId,
        to_user: Option<UserId>,
        to_line: Option<LineId>,
        comment: &str,
    ) -> CoreResult<Ticket> {
        if to_user.is_some() == to_line.is_some() {
            return Err(CoreError::Invalid(
                "transfer to either a specialist or a line".into(),
            ));
        }
        let comment = comment.trim();
        if comment.is_empty() || comment.chars().count() > 1000 {
            return Err(CoreError::Invalid(
                "the comment must have 1 to 1,000 characters".into(),
            ));
        }
        let t = self
            .inner
            .api()?
            .transfer(
                id,
                &TransferRequest {
                    to_user_id: to_user,
                    to_line_id: to_line,
                    comment: comment.into(),
                },
            )
            .await?;
        tracing::info!(ticket = %id, "ticket transferred");
        self.ticket_changed(&t)?;
        Ok(t)
    }

    /// Closes a ticket with its result; the user is then asked to rate it.
    pub async fn close_ticket(&self, id: TicketId, result: &str) -> CoreResult<Ticket> {
        let result = result.trim();
        if result.is_empty() || result.chars().count() > 1000 {
            return Err(CoreError::Invalid(
                "the result must have 1 to 1,000 characters".into(),
            ));
        }
        let t = self
            .inner
            .api()?
            .close(
                id,
                &CloseRequest {
                    result: result.into(),
                },
            )
            .await?;
        tracing::info!(ticket = %id, "ticket closed");
        self.ticket_changed(&t)?;
        Ok(t)
    }

    /// The user rates a closed ticket, 1–5, once.
    pub async fn rate(&self, id: TicketId, rating: i64, comment: &str) -> CoreResult<Ticket> {
        if !(1..=5).contains(&rating) {
            return Err(CoreError::Invalid("the rating is 1 to 5".into()));
        }
        if comment.chars().count() > 1000 {
            return Err(CoreError::Invalid(
                "the comment may have at most 1,000 characters".into(),
            ));
        }
        let t = self
            .inner
            .api()?
            .rate(
                id,
                &RatingRequest {
                    rating,
                    comment: comment.trim().into(),
                },
            )
            .await?;
        self.ticket_changed(&t)?;
        Ok(t)
    }

    /// The signed-in employee's agent records (presence, load, competences), one per company:
    /// from the server when reachable, else the cached ones.
    pub async fn my_agents(&self) -> CoreResult<Vec<Agent>> {
        match self.inner.api()?.my_agents().await {
            Ok(a) => {
                self.inner.cache.set_agents(&a)?;
                Ok(a)
            }
            Err(CoreError::Offline(_)) => self.inner.cache.agents(),
            Err(e) => Err(e),
        }
    }

    /// Sets the employee's presence in every company they work for.
    pub async fn set_presence(&self, presence: Presence) -> CoreResult<Vec<Agent>> {
        let a = self.inner.api()?.set_presence(presence).await?;
        self.inner.cache.set_agents(&a)?;
        tracing::info!(?presence, "presence set");
        self.inner.emit(CoreEvent::AgentChanged);
        Ok(a)
    }

    /// The company's specialists and admins (the transfer dialog).
    pub async fn company_agents(&self, company: CompanyId) -> CoreResult<Vec<Agent>> {
        self.inner.api()?.company_agents(company).await
    }

    /// The company's lines (the transfer dialog).
    pub async fn company_lines(&self, company: CompanyId) -> CoreResult<Vec<Line>> {
        self.inner.api()?.company_lines(company).await
    }

    /// The company's service catalog.
    pub async fn services(&self, company: CompanyId) -> CoreResult<Vec<Service>> {
        self.inner.api()?.services(company).await
    }

    /// Registers a service request from a ticket; the fields are checked against the work
    /// type first (the server checks them again).
    pub async fn register_service_request(
        &self,
        ticket: TicketId,
        input: ServiceRequestInput,
    ) -> CoreResult<ServiceRequest> {
        let title = input.title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            return Err(CoreError::Invalid(
                "the title must have 1 to 200 characters".into(),
            ));
        }
        let input = ServiceRequestInput {
            title: title.into(),
            ..input
        };
        let sr = self
            .inner
            .api()?
            .register_service_request(ticket, &input)
            .await?;
        tracing::info!(ticket = %ticket, request = sr.id, "service request registered");
        self.inner.cache.store_service_request(&sr)?;
        self.inner.emit(CoreEvent::ChatChanged {
            chat_id: sr.chat_id,
        });
        Ok(sr)
    }

    /// Moves a service request to another status (staff): open, in progress, done, cancelled.
    /// The server posts the change as a notice in the chat and sends it to the client, whose
    /// information panel lists only the open ones; setting the status it already has changes
    /// nothing.
    pub async fn set_service_request_status(
        &self,
        request: i64,
        status: ServiceRequestStatus,
    ) -> CoreResult<ServiceRequest> {
        let sr = self
            .inner
            .api()?
            .set_service_request_status(request, status)
            .await?;
        tracing::info!(request = sr.id, ?status, "service request status set");
        self.inner.cache.store_service_request(&sr)?;
        self.inner.emit(CoreEvent::ChatChanged {
            chat_id: sr.chat_id,
        });
        Ok(sr)
    }

    // ---------------------------------------------------------------- knowledge base, bot, menus

    /// Up to `HINT_LIMIT` questions from the line's knowledge base similar to what the user is
    /// typing (best first). Nothing to look for (blank text) answers empty without a request.
    pub async fn hints(&self, line: LineId, text: &str) -> CoreResult<Vec<Hint>> {
        let q: String = text.chars().take(HINT_QUERY_MAX).collect();
        if q.trim().is_empty() {
            return Ok(Vec::new());
        }
        let list = self.inner.api()?.hints(line, &q, HINT_LIMIT).await?;
        Ok(list.hints.into_iter().take(HINT_LIMIT as usize).collect())
    }

    /// What a line does by itself (bot mode, articles, menu): the UI offers hints and a menu
    /// from this.
    pub async fn automation(&self, line: LineId) -> CoreResult<LineAutomation> {
        self.inner.api()?.automation(line).await
    }

    /// A clicked hint: the question as the user's message and the article as the bot's answer,
    /// stored in the cache at once (the stream brings the same messages later).
    pub async fn hint_click(&self, chat: ChatId, article: ArticleId) -> CoreResult<Vec<Message>> {
        let req = PickHintRequest {
            client_msg_id: Uuid::new_v4(),
            article_id: article,
        };
        let ex = self.inner.api()?.pick_hint(chat, &req).await?;
        tracing::info!(chat = %chat, article = %article, "hint picked");
        self.store_exchange(chat, &ex)?;
        Ok(ex.messages)
    }

    /// A pressed button under a bot message: the choice and the bot's reply, stored at once.
    pub async fn press(
        &self,
        chat: ChatId,
        message: MessageId,
        button: &str,
    ) -> CoreResult<Vec<Message>> {
        if button.is_empty() || button.len() > 100 {
            return Err(CoreError::Invalid("unknown button".into()));
        }
        let req = PressButtonRequest {
            client_msg_id: Uuid::new_v4(),
            message_id: message,
            button_id: button.into(),
        };
        let ex = self.inner.api()?.press(chat, &req).await?;
        tracing::info!(chat = %chat, message = %message, "button pressed");
        self.store_exchange(chat, &ex)?;
        Ok(ex.messages)
    }

    /// Asks the line's bot to show the menu's top level in the chat.
    pub async fn open_menu(&self, chat: ChatId) -> CoreResult<Vec<Message>> {
        let ex = self.inner.api()?.open_menu(chat).await?;
        tracing::info!(chat = %chat, "menu opened");
        self.store_exchange(chat, &ex)?;
        Ok(ex.messages)
    }

    fn store_exchange(&self, chat: ChatId, ex: &BotExchange) -> CoreResult<()> {
        let mut changes = self.inner.cache.store_messages(&ex.messages)?;
        changes.chats.insert(chat);
        changes.lines = true;
        self.inner.emit_changes(&changes);
        Ok(())
    }

    /// Whether a new message in this chat concerns the account (its own line, or a ticket
    /// assigned to it): the notification policy asks.
    pub fn follows_chat(&self, chat: ChatId) -> CoreResult<bool> {
        self.inner.cache.follows_chat(chat)
    }

    /// The chat's open ticket, from the cache (for notifications).
    pub fn open_ticket_of(&self, chat: ChatId) -> CoreResult<Option<Ticket>> {
        self.inner.cache.open_ticket_of(chat)
    }

    /// A cached ticket (for notifications).
    pub fn cached_ticket(&self, id: TicketId) -> CoreResult<Option<Ticket>> {
        self.inner.cache.ticket(id)
    }

    pub fn data_dir(&self) -> &Path {
        &self.inner.cfg.data_dir
    }
}

/// A file name safe to create in the cache directory.
pub fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c| c == '.' || c == ' ');
    if trimmed.is_empty() {
        "file".into()
    } else {
        trimmed.chars().take(120).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_loses_no_event() {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open(CoreConfig::new(dir.path())).await.unwrap();
        let mut slow = core.subscribe();
        let gone = core.subscribe();
        drop(gone);
        // More than a broadcast ring of 4,096 would have kept: a sync page of 1,000 messages
        // is 1,000 events, and several pages may come before the UI reads.
        for id in 0..10_000 {
            core.inner.emit(CoreEvent::MessagesChanged {
                chat_id: ChatId(id),
            });
        }
        for id in 0..10_000 {
            match slow.try_recv() {
                Ok(CoreEvent::MessagesChanged { chat_id }) => assert_eq!(chat_id, ChatId(id)),
                other => panic!("event {id}: {other:?}"),
            }
        }
        assert!(slow.try_recv().is_err(), "nothing more, nothing doubled");
        // The dropped receiver's queue was let go at the first event after it.
        assert_eq!(core.inner.events.lock().unwrap().len(), 1);
    }
}
