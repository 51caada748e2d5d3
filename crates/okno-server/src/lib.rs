//! The Okno support server: the cloud behind the desktop app.
//!
//! Layers, top to bottom: HTTP/WebSocket handlers (one module per area: `auth`, `companies`,
//! `lines`, `connections`, `chats`, `files`, `sync`) → domain logic written once over the
//! [`db::Db`] trait, inside write jobs ([`store::Store::write`]) or reads → the two database
//! backends. Committed events reach WebSocket connections through [`hub::Hub`]; between server
//! nodes on PostgreSQL, through `LISTEN/NOTIFY`.

pub mod access;
pub mod agents;
pub mod auth;
pub mod bot;
pub mod catalog;
pub mod chats;
pub mod companies;
pub mod connections;
pub mod db;
pub mod demo;
pub mod error;
pub mod files;
pub mod hours;
pub mod hub;
pub mod kb;
pub mod kb_index;
pub mod lines;
pub mod migrations;
pub mod routing;
pub mod service_requests;
pub mod store;
pub mod sync;
pub mod tickets;
pub mod webhooks;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::serve::ListenerExt;
use axum::Router;
use error::AppError;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use store::{DbConfig, Store};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// SQLite file (unless `database_url` is set) and uploaded files.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL.
    pub database_url: Option<String>,
    pub durability: db::Durability,
    /// Read connections to the database (`store::READERS`; the desktop app's embedded server,
    /// with one user, needs one).
    pub readers: usize,
    pub max_file_size: u64,
    /// Events kept per user; a client further behind reloads its snapshot.
    pub event_retention: i64,
    pub ws_ping_interval: Duration,
    pub ws_idle_timeout: Duration,
    pub login_failures_per_minute: u32,
    /// How often queue-position notices of lines whose queues moved are written (coalescing
    /// every move in between into one update per waiting ticket).
    pub queue_notice_interval: Duration,
    /// How often waiting tickets of working lines are handed out regardless of any trigger
    /// (catches lines that have just opened).
    pub dispatch_interval: Duration,
    /// The first webhook retry waits this long; each next one twice as long (up to an hour).
    pub webhook_retry_base: Duration,
    /// Webhook attempts before a delivery is marked failed.
    pub webhook_max_attempts: u32,
    /// How often the webhook worker looks for due retries when nothing wakes it.
    pub webhook_poll: Duration,
}

impl Config {
    pub fn new(listen: SocketAddr, data_dir: PathBuf) -> Self {
        Self {
            listen,
            data_dir,
            database_url: None,
            durability: db::Durability::Full,
            readers: store::READERS,
            max_file_size: 100 * 1024 * 1024,
            event_retention: 100_000,
            ws_ping_interval: Duration::from_secs(20),
            ws_idle_timeout: Duration::from_secs(60),
            login_failures_per_minute: 10,
            queue_notice_interval: Duration::from_secs(1),
            dispatch_interval: Duration::from_secs(10),
            webhook_retry_base: Duration::from_secs(5),
            webhook_max_attempts: 10,
            webhook_poll: Duration::from_secs(1),
        }
    }
}

pub struct AppState {
    pub store: Arc<Store>,
    pub files: files::FileStore,
    pub config: Config,
    pub limiter: auth::LoginLimiter,
    /// This node's knowledge-base search indexes.
    pub kb: kb::KbCache,
    /// Wakes the webhook delivery worker.
    pub webhooks: webhooks::Webhooks,
    pub routing: routing::Routing,
    /// Sessions ended on this node (signed out, revoked): their WebSockets close at once.
    /// Other nodes notice at their next ping (`ws_ping_interval`), which checks the database.
    pub revoked: tokio::sync::broadcast::Sender<okno_proto::SessionId>,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Okno support server", description = "Lines, connections, chats, files and the per-user event stream. Errors are `{code, message}`."),
    modifiers(&BearerAuth),
    components(schemas(okno_proto::Event, okno_proto::EventBody, okno_proto::ClientFrame, okno_proto::ServerFrame))
)]
struct ApiDoc;

struct BearerAuth;
impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        // The line API: `Authorization: Bearer okl_…`, the token of a line's integration.
        components.add_security_scheme(
            "line_token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Every endpoint, with its OpenAPI description.
pub fn api_router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::list_sessions))
        .routes(routes!(auth::revoke_session))
        .routes(routes!(companies::create_company))
        .routes(routes!(companies::list_members, companies::add_member))
        .routes(routes!(lines::create_line, lines::company_lines))
        .routes(routes!(lines::update_line, lines::get_line))
        .routes(routes!(lines::set_published))
        .routes(routes!(lines::set_recommended))
        .routes(routes!(lines::put_avatar, lines::get_avatar))
        .routes(routes!(lines::directory))
        .routes(routes!(lines::recommended))
        .routes(routes!(
            connections::my_connections,
            connections::request_connection
        ))
        .routes(routes!(connections::disconnect))
        .routes(routes!(
            connections::admin_connect,
            connections::company_connections
        ))
        .routes(routes!(connections::approve))
        .routes(routes!(connections::reject))
        .routes(routes!(chats::my_chats))
        .routes(routes!(chats::get_chat))
        .routes(routes!(chats::post_message, chats::history))
        .routes(routes!(chats::read_up_to))
        .routes(routes!(chats::company_chats))
        .routes(routes!(chats::get_ticket))
        .routes(routes!(tickets::list))
        .routes(routes!(tickets::detail))
        .routes(routes!(tickets::take))
        .routes(routes!(tickets::transfer))
        .routes(routes!(tickets::close))
        .routes(routes!(tickets::rate))
        .routes(routes!(tickets::get_client, tickets::put_client))
        .routes(routes!(tickets::line_stats))
        .routes(routes!(agents::my_agents))
        .routes(routes!(agents::set_presence))
        .routes(routes!(agents::company_agents))
        .routes(routes!(agents::put_agent))
        .routes(routes!(catalog::list_services, catalog::create_service))
        .routes(routes!(catalog::update_service))
        .routes(routes!(catalog::create_work_type))
        .routes(routes!(catalog::update_work_type))
        .routes(routes!(service_requests::register))
        .routes(routes!(service_requests::list))
        .routes(routes!(service_requests::set_status))
        .routes(routes!(service_requests::mine))
        .routes(routes!(files::upload))
        .routes(routes!(files::download))
        .routes(routes!(files::chat_files))
        .routes(routes!(sync::sync))
        .routes(routes!(sync::snapshot))
        .routes(routes!(sync::ws))
        .routes(routes!(kb::list_articles, kb::create_article))
        .routes(routes!(
            kb::get_article,
            kb::update_article_handler,
            kb::delete_article
        ))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(kb::import_articles))
                .layer(DefaultBodyLimit::max(kb::IMPORT_BODY_LIMIT)),
        )
        .routes(routes!(kb::hints))
        .routes(routes!(kb::get_automation))
        .routes(routes!(kb::set_bot))
        .routes(routes!(bot::get_menu, bot::put_menu, bot::delete_menu))
        .routes(routes!(bot::open_menu))
        .routes(routes!(bot::press))
        .routes(routes!(bot::pick_hint))
        .routes(routes!(
            webhooks::get_integration,
            webhooks::put_integration,
            webhooks::delete_integration
        ))
        .routes(routes!(webhooks::rotate))
        .routes(routes!(webhooks::line_post))
        .routes(routes!(webhooks::line_upload))
}

/// The OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

/// `GET /api/openapi.json`: the document, built and serialized on the first request and kept
/// as its JSON (about 100 KB, where the document itself held about 3 MB).
async fn openapi_json() -> Result<axum::response::Response, AppError> {
    static JSON: std::sync::OnceLock<bytes::Bytes> = std::sync::OnceLock::new();
    let json = match JSON.get() {
        Some(json) => json.clone(),
        None => {
            let json = serde_json::to_vec(&openapi()).map_err(AppError::internal)?;
            JSON.get_or_init(|| json.into()).clone()
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

/// Hands the pages the process has freed back to the kernel. glibc keeps freed memory resident
/// in its arenas for later allocations and returns on its own only what lies at an arena's top.
/// The server calls it once its start is done (opening the store, seeding and building the
/// router, with its API document, about 3 MB of small allocations dropped at once, free a good
/// deal); the desktop app calls it again whenever it has been quiet for a while after work
/// (`src-tauri/src/idle_trim.rs`). Elsewhere than glibc it does nothing.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: glibc's `malloc_trim` takes no pointers and may be called from any thread:
        // under each arena's lock it returns whole free pages to the kernel and nothing else.
        #[allow(unsafe_code)]
        unsafe {
            malloc_trim(0);
        }
    }
}

async fn not_found() -> AppError {
    AppError::NotFound("endpoint")
}

async fn method_not_allowed() -> impl IntoResponse {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        axum::Json(okno_proto::ApiError::new(
            "method_not_allowed",
            "this endpoint does not take that method",
        )),
    )
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    AppError::internal("a handler panicked").into_response()
}

/// The whole HTTP application.
pub fn app(state: Arc<AppState>) -> Router {
    // The document the router builds alongside is dropped here: held, it kept about 3 MB of
    // small allocations for a page nearly nobody asks for (`openapi_json` builds it again).
    let (router, _) = api_router().split_for_parts();
    router
        .route("/api/openapi.json", axum::routing::get(openapi_json))
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(256 * 1024))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                // The path only: query strings are never logged.
                tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(CatchPanicLayer::custom(panic_response))
        .with_state(state)
}

/// Opens the store and builds the shared state.
pub async fn build_state(config: Config) -> Result<Arc<AppState>, AppError> {
    std::fs::create_dir_all(&config.data_dir).map_err(AppError::internal)?;
    let db = match &config.database_url {
        Some(url) => DbConfig::Postgres { url: url.clone() },
        None => DbConfig::Sqlite {
            path: config.data_dir.join("okno.db"),
            durability: config.durability,
        },
    };
    let hub = hub::Hub::new();
    let store = Store::open(db, hub, config.readers).await?;
    let files = files::FileStore::new(config.data_dir.join("files")).map_err(AppError::internal)?;
    Ok(Arc::new(AppState {
        store,
        files,
        limiter: auth::LoginLimiter::new(config.login_failures_per_minute),
        kb: kb::KbCache::default(),
        webhooks: webhooks::Webhooks::default(),
        routing: routing::Routing::default(),
        revoked: tokio::sync::broadcast::channel(64).0,
        config,
    }))
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Binds, starts serving, the event pruner and (on PostgreSQL) the cross-node listener.
    pub async fn start(config: Config) -> Result<Self, AppError> {
        let state = build_state(config).await?;
        Self::start_with(state).await
    }

    pub async fn start_with(state: Arc<AppState>) -> Result<Self, AppError> {
        let listener = TcpListener::bind(state.config.listen).await.map_err(|e| {
            AppError::internal(format!("cannot listen on {}: {e}", state.config.listen))
        })?;
        let addr = listener.local_addr().map_err(AppError::internal)?;
        // Small frames (acks, pushed events) go out at once, not held back by Nagle's
        // algorithm waiting for an ACK of the previous segment.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        if let Some(url) = &state.config.database_url {
            spawn_pg_listener(url.clone(), state.clone());
        }
        spawn_pruner(state.clone());
        spawn_router(state.clone());
        webhooks::spawn_worker(state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        release_free_memory();
        let task = tokio::spawn(async move {
            let result = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
            if let Err(e) = result {
                tracing::error!(error = %e, "server stopped");
            }
        });
        tracing::info!(%addr, "listening");
        Ok(Self {
            addr,
            state,
            shutdown: Some(tx),
            task,
        })
    }

    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), &mut self.task).await;
        self.task.abort();
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn spawn_pruner(state: Arc<AppState>) {
    let weak = Arc::downgrade(&state);
    drop(state);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            let Some(state) = weak.upgrade() else { break };
            match sync::prune_events(&state, state.config.event_retention).await {
                Ok(n) if n > 0 => tracing::info!(removed = n, "pruned old events"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pruning events failed"),
            }
        }
    });
}

/// Writes due queue-position notices, and now and then hands out what waits on working lines.
fn spawn_router(state: Arc<AppState>) {
    let weak = Arc::downgrade(&state);
    let notice_every = state.config.queue_notice_interval;
    let dispatch_every = state.config.dispatch_interval;
    drop(state);
    // At start every line with a queue is due: notices may lag behind a previous run's moves.
    let mut last_dispatch: Option<tokio::time::Instant> = None;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(notice_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(state) = weak.upgrade() else { break };
            let due = last_dispatch.is_none_or(|t| t.elapsed() >= dispatch_every);
            let result = if due {
                last_dispatch = Some(tokio::time::Instant::now());
                routing::dispatch_due(&state).await
            } else {
                routing::flush_positions(&state).await
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, "routing tick failed");
            }
        }
    });
}

/// Pushes events committed by other server nodes: they `NOTIFY okno_events` with
/// `node|user:seq,…`; this node reads those events and hands them to its hub.
fn spawn_pg_listener(url: String, state: Arc<AppState>) {
    let weak = Arc::downgrade(&state);
    let node = state.store.node_id.clone();
    drop(state);
    let spawned = std::thread::Builder::new()
        .name("okno-pg-listen".into())
        .spawn(move || loop {
            if weak.upgrade().is_none() {
                break;
            }
            if let Err(e) = listen_once(&url, &node, &weak) {
                tracing::warn!(error = %e, "postgres listener failed; reconnecting");
                std::thread::sleep(Duration::from_secs(1));
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the postgres listener");
    }
}

fn listen_once(url: &str, node: &str, weak: &std::sync::Weak<AppState>) -> Result<(), AppError> {
    use db::Db as _;
    let mut conn = db::PgDb::connect(url)?;
    conn.batch("LISTEN okno_events")?;
    loop {
        let mut items = Vec::new();
        {
            use postgres::fallible_iterator::FallibleIterator;
            let mut notes = conn.client()?.notifications();
            let first = notes
                .timeout_iter(Duration::from_secs(1))
                .next()
                .map_err(|e| AppError::internal(format!("listen: {e}")))?;
            let mut push = |payload: &str| {
                if let Some(list) = store::parse_notify(node, payload) {
                    items.extend(list);
                }
            };
            if let Some(n) = first {
                push(n.payload());
            }
            let mut pending = notes.iter();
            while let Ok(Some(n)) = pending.next() {
                push(n.payload());
            }
        }
        let Some(state) = weak.upgrade() else {
            return Ok(());
        };
        let mut published = Vec::new();
        for (user, seq) in items {
            if !state.store.hub.has(user) {
                continue;
            }
            let dbc: &mut dyn db::Db = &mut conn;
            if let Some(r) = dbc.query_opt(
                &format!(
                    "{} WHERE e.user_id = $1 AND e.seq = $2",
                    store::EVENT_SELECT
                ),
                params![user, seq],
            )? {
                published.push(hub::Published {
                    user,
                    seq,
                    at: r.int(1)?,
                    body: r.text(2)?.into(),
                });
            }
        }
        state.store.hub.publish_all(published);
    }
}
