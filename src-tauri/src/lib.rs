//! The Okno desktop shell: thin. One command per user intent, each delegating to `okno-core`;
//! core events forwarded to the UI on one channel (`core`, ids only); errors to the UI as
//! `{code, message}`; native notifications, the tray with the unread total on its icon,
//! closing to the tray, single instance.

mod appearance;
mod autostart;
mod background;
mod clipboard;
mod idle_trim;
#[cfg(target_os = "linux")]
mod launcher;
mod local_zone;
mod notifications;
mod system_proxy;
#[cfg(target_os = "linux")]
pub mod tray_badge;
mod window_place;
mod zoom;

use okno_core::notify::Focus;
use okno_core::{Core, CoreConfig, CoreError};
use okno_proto::*;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::{AppHandle, Emitter, Manager, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;
use tokio::sync::watch;

/// What the shell keeps.
pub struct Shell {
    /// Set once the start (embedded server, core, first sign-in) is done. The window opens and
    /// loads the UI meanwhile; commands wait for it.
    started: watch::Receiver<Option<Result<Started, ApiError>>>,
    /// The in-process server used when none is configured.
    embedded: Mutex<Option<okno_server::Server>>,
    focus: Mutex<Focus>,
    settings_path: PathBuf,
    /// Where pasted images are written for the outbox to upload (`clipboard.rs`).
    pasted_dir: PathBuf,
    /// Started by the login entry (`autostart.rs`): the window stays in the tray.
    at_login: bool,
    /// The page has shown its first screen (`window_ready`).
    page_ready: std::sync::atomic::AtomicBool,
    /// Commands and core events mark activity; quiet after it, freed memory goes back.
    idle: idle_trim::IdleTrim,
    _log_guard: Option<tracing_appender_guard::Guard>,
}

/// What the start makes.
#[derive(Clone)]
struct Started {
    core: Core,
    /// The embedded server's address, when it runs.
    embedded_url: Option<String>,
}

impl Shell {
    /// Waits for the start to finish; its error, if it failed.
    async fn started(&self) -> Res<Started> {
        self.idle.mark();
        let mut rx = self.started.clone();
        let done = rx
            .wait_for(Option::is_some)
            .await
            .map_err(|_| err("startup", "Okno stopped while starting"))?;
        match &*done {
            Some(Ok(s)) => Ok(s.clone()),
            Some(Err(e)) => Err(e.clone()),
            None => Err(err("startup", "Okno is still starting")),
        }
    }

    async fn core(&self) -> Res<Core> {
        Ok(self.started().await?.core)
    }

    /// Work happened outside a command (core events): see `idle_trim`.
    pub(crate) fn mark_activity(&self) {
        self.idle.mark();
    }
}

mod tracing_appender_guard {
    /// Keeps file logging alive for the process.
    pub struct Guard(#[allow(dead_code)] pub Box<dyn std::any::Any + Send + Sync>);
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Settings {
    /// `None`: the embedded demo server.
    server_url: Option<String>,
    /// Where the main window was left (`window_place.rs`).
    #[serde(default)]
    window: Option<window_place::Place>,
    /// The page's zoom when not 100 % (`set_zoom`).
    #[serde(default)]
    zoom: Option<f64>,
    /// Whether closing the window has once told the user that Okno runs on in the tray
    /// (`background.rs`).
    #[serde(default)]
    told_still_running: bool,
}

/// Serializes the read-modify-write of `settings.json` (a sign-in and the window's moves).
static SETTINGS_LOCK: Mutex<()> = Mutex::new(());

impl Settings {
    fn load(path: &std::path::Path) -> Self {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Changes what `change` changes and keeps the rest; written whole through a temporary
    /// file, so a crash mid-write leaves the old settings.
    fn update(path: &std::path::Path, change: impl FnOnce(&mut Settings)) -> Result<(), ApiError> {
        let _guard = SETTINGS_LOCK.lock().map_err(|e| err("io", e))?;
        let mut settings = Settings::load(path);
        change(&mut settings);
        let bytes = serde_json::to_vec_pretty(&settings).map_err(|e| err("io", e))?;
        replace_file(path, &bytes).map_err(|e| err("io", e))
    }
}

/// Replaces the file at `path` with `bytes` whole, through a temporary file beside it
/// (`<name>.part`), so a crash mid-write leaves the old file: the settings, the login entry.
pub(crate) fn replace_file(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".part");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn err(code: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::new(code, e.to_string())
}

fn core_err(e: CoreError) -> ApiError {
    e.to_api()
}

type Res<T> = Result<T, ApiError>;

#[derive(Debug, Serialize)]
pub struct AppInfo {
    me: Option<Me>,
    /// The server in use; signed out, the one the sign-in form starts with (the configured
    /// one, or the last signed in to).
    server_url: Option<String>,
    /// The app runs its own server with the demo data and uses it.
    embedded: bool,
    /// The built-in demo server runs this session: an empty address signs in to it.
    demo_server: bool,
    sync_state: SyncState,
    /// Why the server cannot be reached, while offline (as the `sync_state` event says it).
    sync_error: Option<ApiError>,
    /// The system locale: the UI's language follows it.
    locale: Option<String>,
    /// The locale of dates and times (`LC_TIME`): English's clock and date order follow its
    /// region.
    time_locale: Option<String>,
    /// The page's zoom (1 is 100 %).
    zoom: f64,
}

/// The first of the environment's locale variables `keys` (in POSIX's order of precedence)
/// that names a locale other than the plain C one.
fn locale_from(keys: &[&str]) -> Option<String> {
    keys.iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.is_empty() && v != "C" && v != "POSIX")
}

/// The system locale from the environment (POSIX order), or the platform's default.
pub(crate) fn system_locale() -> Option<String> {
    locale_from(&["LC_ALL", "LC_MESSAGES", "LANG"]).or_else(|| {
        std::env::var("LANGUAGE")
            .ok()
            .and_then(|v| v.split(':').next().map(str::to_owned))
            .filter(|v| !v.is_empty())
    })
}

/// The locale of dates and times from the environment (POSIX order: `LC_ALL`, `LC_TIME`,
/// `LANG`), or the messages' locale.
fn time_locale() -> Option<String> {
    locale_from(&["LC_ALL", "LC_TIME", "LANG"]).or_else(system_locale)
}

/// The language of the shell's own texts (notifications, the tray), as the page picks its own.
pub(crate) fn lang() -> okno_core::notify::Lang {
    okno_core::notify::Lang::from_locale(system_locale().as_deref())
}

// ------------------------------------------------------------------------------- commands

#[tauri::command]
async fn info(shell: State<'_, Shell>, factors: State<'_, zoom::Zoom>) -> Res<AppInfo> {
    let Started { core, embedded_url } = shell.started().await?;
    let settings = Settings::load(&shell.settings_path);
    let embedded = embedded_url.is_some() && settings.server_url.is_none();
    let server_url = if embedded {
        embedded_url.clone()
    } else {
        core.server_url()
            .map_err(core_err)?
            .or_else(|| configured_server(&settings))
    };
    Ok(AppInfo {
        me: core.me().map_err(core_err)?,
        embedded,
        demo_server: embedded_url.is_some(),
        server_url,
        sync_state: *core.sync_state().borrow(),
        sync_error: core.offline_because(),
        locale: system_locale(),
        time_locale: time_locale(),
        zoom: factors.user(),
    })
}

/// The system time zone's UTC offsets around now, for the page's dates and times (see
/// `local_zone`). Off the main thread: sampling twelve years takes a few milliseconds.
#[tauri::command]
async fn local_zone() -> local_zone::LocalZone {
    local_zone::system_zone(chrono::Utc::now().timestamp_millis())
}

/// The IANA time zone `name`'s offset from UTC now, in minutes east (a line's working hours).
#[tauri::command]
fn zone_offset(name: String) -> Res<i32> {
    local_zone::zone_offset_now(&name)
        .ok_or_else(|| err("invalid_input", format!("unknown time zone: {name}")))
}

/// Zooms the page (Ctrl+= / Ctrl+- / Ctrl+0 in the page) and keeps the zoom for the next start.
/// The page's own zoom goes in and comes back; the window is zoomed by it times the desktop's
/// text scale (`zoom.rs`).
#[tauri::command]
async fn set_zoom(
    app: AppHandle,
    shell: State<'_, Shell>,
    factors: State<'_, zoom::Zoom>,
    zoom: f64,
) -> Res<f64> {
    if !zoom::USER.contains(&zoom) {
        return Err(err("invalid_input", "the zoom goes from 0.5 to 2"));
    }
    let window = app
        .get_webview_window("main")
        .ok_or_else(|| err("io", "no window to zoom"))?;
    let page = factors.set_user(zoom);
    window.set_zoom(page).map_err(|e| err("io", e))?;
    Settings::update(&shell.settings_path, |s| {
        s.zoom = ((zoom - 1.0).abs() > 1e-6).then_some(zoom);
    })?;
    Ok(zoom)
}

/// The page's first screen has content: the window, which starts hidden, is shown with it
/// (see ARCHITECTURE.md, "Start") — unless the login entry started Okno with an account signed
/// in and the desktop shows tray icons, where it waits there until the user opens it (signed
/// out, nothing could reach the user: the sign-in screen shows).
#[tauri::command]
async fn window_ready(app: AppHandle, shell: State<'_, Shell>) -> Res<()> {
    shell
        .page_ready
        .store(true, std::sync::atomic::Ordering::SeqCst);
    show_first(&app, &shell).await
}

/// Shows the main window the first time (the page's `window_ready`, or the shell's fallback),
/// unless the login entry started Okno with an account signed in and the desktop shows tray
/// icons: then it waits there.
async fn show_first(app: &AppHandle, shell: &Shell) -> Res<()> {
    // At login, whether an account is signed in: the first screen comes after the start (`info`
    // waits for it), so this does not wait then.
    let may_wait_in_tray = shell.at_login
        && match shell.started().await {
            Ok(s) => s.core.me().is_ok_and(|me| me.is_some()),
            Err(_) => false,
        };
    // Whether the desktop shows a tray: a round trip on the session bus, off the runtime.
    if may_wait_in_tray
        && tauri::async_runtime::spawn_blocking(background::tray_shown)
            .await
            .unwrap_or(false)
    {
        tracing::info!("started at login: waiting in the tray");
        return Ok(());
    }
    if let Some(w) = app.get_webview_window("main") {
        w.show().map_err(|e| err("internal", e))?;
    }
    Ok(())
}

/// Whether Okno starts when the user logs in (Linux), for the page's settings.
#[tauri::command]
fn autostart(app: AppHandle) -> autostart::Autostart {
    autostart::state(&app)
}

/// Turns starting at login on or off; answers the state after.
#[tauri::command]
fn set_autostart(app: AppHandle, enabled: bool) -> Res<autostart::Autostart> {
    autostart::set(&app, enabled)
}

/// Light or dark and the interface font for the page, where the shell decides them (Linux: see
/// `appearance.rs`); `null`s where the webview follows the system itself. Answers at once,
/// without waiting for the start.
#[tauri::command]
fn appearance(shared: State<'_, appearance::SystemAppearance>) -> appearance::Appearance {
    shared.get()
}

#[tauri::command]
async fn login(
    shell: State<'_, Shell>,
    server_url: Option<String>,
    login: String,
    password: String,
) -> Res<Me> {
    let Started { core, embedded_url } = shell.started().await?;
    let url = match server_url
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(u) => okno_core::api::normalize_url(u).map_err(core_err)?,
        None => embedded_url
            .clone()
            .ok_or_else(|| err("invalid_input", "give the server's address"))?,
    };
    let me = core
        .login(&url, &login, &password)
        .await
        .map_err(core_err)?;
    // Where the account now lives: the address typed, or its HTTPS if the server moved it there.
    let url = core.server_url().ok().flatten().unwrap_or(url);
    let is_embedded = embedded_url.as_deref() == Some(url.as_str());
    Settings::update(&shell.settings_path, |s| {
        s.server_url = (!is_embedded).then_some(url);
    })?;
    Ok(me)
}

/// Signs out; with messages still unsent it answers `unsent` and changes nothing, unless the
/// user chose to discard them.
#[tauri::command]
async fn logout(shell: State<'_, Shell>, discard_unsent: Option<bool>) -> Res<()> {
    shell
        .core()
        .await?
        .logout(discard_unsent.unwrap_or(false))
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn lines(shell: State<'_, Shell>) -> Res<Vec<LineItem>> {
    shell.core().await?.lines().map_err(core_err)
}

#[tauri::command]
async fn messages(
    shell: State<'_, Shell>,
    chat: ChatId,
    before: Option<i64>,
    limit: Option<i64>,
) -> Res<ChatPage> {
    shell
        .core()
        .await?
        .messages(chat, before, limit.unwrap_or(50))
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn send(
    shell: State<'_, Shell>,
    chat: ChatId,
    text: String,
    files: Vec<String>,
) -> Res<String> {
    let files: Vec<PathBuf> = files.into_iter().map(PathBuf::from).collect();
    shell
        .core()
        .await?
        .send(chat, &text, &files)
        .map(|id| id.to_string())
        .map_err(core_err)
}

fn parse_id(s: &str) -> Res<uuid::Uuid> {
    s.parse()
        .map_err(|_| err("invalid_input", "not a message id"))
}

#[tauri::command]
async fn retry(shell: State<'_, Shell>, client_msg_id: String) -> Res<()> {
    shell
        .core()
        .await?
        .retry(parse_id(&client_msg_id)?)
        .map_err(core_err)
}

#[tauri::command]
async fn cancel(shell: State<'_, Shell>, client_msg_id: String) -> Res<()> {
    shell
        .core()
        .await?
        .cancel(parse_id(&client_msg_id)?)
        .map_err(core_err)
}

#[tauri::command]
async fn cancel_transfer(shell: State<'_, Shell>, transfer_id: String) -> Res<()> {
    shell.core().await?.cancel_transfer(&transfer_id);
    Ok(())
}

#[tauri::command]
async fn drafts(shell: State<'_, Shell>) -> Res<Vec<Draft>> {
    shell.core().await?.drafts().map_err(core_err)
}

#[tauri::command]
async fn set_draft(shell: State<'_, Shell>, draft: Draft) -> Res<()> {
    shell.core().await?.set_draft(&draft).map_err(core_err)
}

#[tauri::command]
async fn mark_read(shell: State<'_, Shell>, chat: ChatId, seq: i64) -> Res<()> {
    shell
        .core()
        .await?
        .mark_read(chat, seq)
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn search(shell: State<'_, Shell>, query: String) -> Res<Vec<SearchHit>> {
    shell.core().await?.search(&query, 50).map_err(core_err)
}

#[tauri::command]
async fn directory(shell: State<'_, Shell>, query: String) -> Res<Vec<Line>> {
    shell
        .core()
        .await?
        .directory(&query)
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn recommended(shell: State<'_, Shell>) -> Res<Vec<Line>> {
    shell.core().await?.recommended().await.map_err(core_err)
}

#[tauri::command]
async fn request_connection(shell: State<'_, Shell>, line: LineId) -> Res<Connection> {
    shell
        .core()
        .await?
        .request_connection(line)
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn disconnect(shell: State<'_, Shell>, connection: ConnectionId) -> Res<()> {
    shell
        .core()
        .await?
        .disconnect(connection)
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn chat_files(shell: State<'_, Shell>, chat: ChatId) -> Res<Vec<FileMeta>> {
    shell.core().await?.chat_files(chat).map_err(core_err)
}

#[tauri::command]
async fn service_requests(shell: State<'_, Shell>, chat: ChatId) -> Res<Vec<ServiceRequest>> {
    shell.core().await?.service_requests(chat).map_err(core_err)
}

#[tauri::command]
async fn open_file(shell: State<'_, Shell>, file: FileId) -> Res<()> {
    shell
        .core()
        .await?
        .open_file(file)
        .await
        .map(|_| ())
        .map_err(core_err)
}

#[tauri::command]
async fn open_url(app: AppHandle, url: String) -> Res<()> {
    let lower = url.trim().to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(err("invalid_input", "only http and https links open"));
    }
    app.opener()
        .open_url(url.trim(), None::<&str>)
        .map_err(|e| err("io", e))
}

#[tauri::command]
async fn pick_files(app: AppHandle) -> Res<Vec<String>> {
    // Titled in the UI's language (the dialog's own default is English "Open File"), and a
    // child of the window where the platform's dialog takes one (a sheet on macOS, modal on
    // Windows; GTK's dialog here ignores it).
    let mut dialog = app.dialog().file().set_title(crate::lang().attach_files());
    if let Some(window) = app.get_webview_window("main") {
        dialog = dialog.set_parent(&window);
    }
    let picked = tokio::task::spawn_blocking(move || dialog.blocking_pick_files())
        .await
        .map_err(|e| err("io", e))?;
    Ok(picked
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.into_path().ok())
        .map(|p| p.to_string_lossy().into_owned())
        .collect())
}

/// The files the clipboard holds, for the composer to attach (Ctrl+V): files copied in a file
/// manager, or an image saved as a PNG file; none when it holds neither (the page then pastes
/// text as usual).
#[tauri::command]
async fn paste_files(app: AppHandle, shell: State<'_, Shell>) -> Res<Vec<String>> {
    let clip = clipboard::read(&app)
        .await
        .map_err(|e| err("clipboard", e))?;
    match clip {
        clipboard::Clip::Files(paths) => Ok(paths
            .into_iter()
            .filter(|p| p.is_file())
            .map(|p| p.to_string_lossy().into_owned())
            .collect()),
        clipboard::Clip::Png(png) => {
            let dir = shell.pasted_dir.clone();
            let path = tokio::task::spawn_blocking(move || {
                clipboard::save_png(&dir, &png, std::time::SystemTime::now())
            })
            .await
            .map_err(|e| err("io", e))?
            .map_err(|e| err("io", format!("the pasted image could not be saved: {e}")))?;
            Ok(vec![path.to_string_lossy().into_owned()])
        }
        clipboard::Clip::Nothing => Ok(vec![]),
    }
}

// ---- tickets: the specialist's single window, and the user's rating

#[tauri::command]
async fn tickets(shell: State<'_, Shell>, view: TicketView) -> Res<Vec<TicketItem>> {
    shell.core().await?.tickets(view).await.map_err(core_err)
}

#[tauri::command]
async fn ticket(shell: State<'_, Shell>, ticket: TicketId) -> Res<Ticket> {
    shell.core().await?.ticket(ticket).await.map_err(core_err)
}

#[tauri::command]
async fn ticket_detail(shell: State<'_, Shell>, ticket: TicketId) -> Res<TicketDetail> {
    shell
        .core()
        .await?
        .ticket_detail(ticket)
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn take_ticket(shell: State<'_, Shell>, ticket: TicketId) -> Res<Ticket> {
    shell.core().await?.take(ticket).await.map_err(core_err)
}

#[tauri::command]
async fn transfer_ticket(
    shell: State<'_, Shell>,
    ticket: TicketId,
    to_user: Option<UserId>,
    to_line: Option<LineId>,
    comment: String,
) -> Res<Ticket> {
    shell
        .core()
        .await?
        .transfer(ticket, to_user, to_line, &comment)
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn close_ticket(shell: State<'_, Shell>, ticket: TicketId, result: String) -> Res<Ticket> {
    shell
        .core()
        .await?
        .close_ticket(ticket, &result)
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn rate_ticket(
    shell: State<'_, Shell>,
    ticket: TicketId,
    rating: i64,
    comment: String,
) -> Res<Ticket> {
    shell
        .core()
        .await?
        .rate(ticket, rating, &comment)
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn my_agents(shell: State<'_, Shell>) -> Res<Vec<Agent>> {
    shell.core().await?.my_agents().await.map_err(core_err)
}

#[tauri::command]
async fn set_presence(shell: State<'_, Shell>, presence: Presence) -> Res<Vec<Agent>> {
    shell
        .core()
        .await?
        .set_presence(presence)
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn company_agents(shell: State<'_, Shell>, company: CompanyId) -> Res<Vec<Agent>> {
    shell
        .core()
        .await?
        .company_agents(company)
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn company_lines(shell: State<'_, Shell>, company: CompanyId) -> Res<Vec<Line>> {
    shell
        .core()
        .await?
        .company_lines(company)
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn services(shell: State<'_, Shell>, company: CompanyId) -> Res<Vec<Service>> {
    shell
        .core()
        .await?
        .services(company)
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn register_service_request(
    shell: State<'_, Shell>,
    ticket: TicketId,
    input: ServiceRequestInput,
) -> Res<ServiceRequest> {
    shell
        .core()
        .await?
        .register_service_request(ticket, input)
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn set_service_request_status(
    shell: State<'_, Shell>,
    request: i64,
    status: ServiceRequestStatus,
) -> Res<ServiceRequest> {
    shell
        .core()
        .await?
        .set_service_request_status(request, status)
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn hints(shell: State<'_, Shell>, line: LineId, text: String) -> Res<Vec<Hint>> {
    shell
        .core()
        .await?
        .hints(line, &text)
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn hint_click(
    shell: State<'_, Shell>,
    chat: ChatId,
    article: ArticleId,
) -> Res<Vec<Message>> {
    shell
        .core()
        .await?
        .hint_click(chat, article)
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn press(
    shell: State<'_, Shell>,
    chat: ChatId,
    message: MessageId,
    button: String,
) -> Res<Vec<Message>> {
    shell
        .core()
        .await?
        .press(chat, message, &button)
        .await
        .map_err(core_err)
}

#[tauri::command]
async fn open_menu(shell: State<'_, Shell>, chat: ChatId) -> Res<Vec<Message>> {
    shell.core().await?.open_menu(chat).await.map_err(core_err)
}

#[tauri::command]
async fn automation(shell: State<'_, Shell>, line: LineId) -> Res<LineAutomation> {
    shell.core().await?.automation(line).await.map_err(core_err)
}

/// Mutes or unmutes a chat's notifications on this device (the unread total leaves it out).
#[tauri::command]
async fn set_muted(shell: State<'_, Shell>, chat: ChatId, muted: bool) -> Res<()> {
    shell.core().await?.set_muted(chat, muted).map_err(core_err)
}

#[tauri::command]
async fn set_open_chat(shell: State<'_, Shell>, chat: Option<ChatId>) -> Res<()> {
    if let Ok(mut f) = shell.focus.lock() {
        f.open_chat = chat;
    }
    Ok(())
}

// ------------------------------------------------------------------------------- start

fn data_dir(app: &AppHandle) -> Result<PathBuf, Box<dyn std::error::Error>> {
    if let Ok(dir) = std::env::var("OKNO_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    Ok(app.path().app_data_dir()?)
}

/// Starts the embedded server with the demo data (seeded once) on a free loopback port.
async fn start_embedded(dir: PathBuf) -> Result<okno_server::Server, Box<dyn std::error::Error>> {
    let mut config = okno_server::Config::new("127.0.0.1:0".parse()?, dir);
    // One user's requests: one read connection (each holds its own page cache, parsed schema
    // and lookaside memory; ui/README.md, "Session 22").
    config.readers = 1;
    let state = okno_server::build_state(config).await?;
    okno_server::demo::seed(&state).await?;
    okno_server::demo::seed_knowledge_base(&state).await?;
    Ok(okno_server::Server::start_with(state).await?)
}

/// Starts the embedded server (when no server is configured) and the core; on the very first
/// start signs in as the demo user, so a working product shows at once.
async fn start(
    dir: PathBuf,
    configured: Option<String>,
    proxies: Option<okno_core::ProxySettings>,
) -> Result<(Started, Option<okno_server::Server>), Box<dyn std::error::Error>> {
    let t0 = std::time::Instant::now();
    let (embedded, embedded_url) = match configured {
        Some(_) => (None, None),
        None => {
            let server = start_embedded(dir.join("server")).await?;
            let url = server.url();
            tracing::info!(
                ms = t0.elapsed().as_millis() as u64,
                "embedded server started"
            );
            (Some(server), Some(url))
        }
    };
    let mut cfg = CoreConfig::new(dir.join("client"));
    cfg.server_override = embedded_url.clone();
    cfg.use_os_secret_store = std::env::var("OKNO_NO_KEYRING").is_err();
    // The desktop's proxy (GNOME's settings) where the environment names none.
    cfg.proxies = proxies;
    let core = Core::open(cfg).await?;
    if core.me()?.is_none() {
        if let Some(url) = &embedded_url {
            core.login(url, "user", okno_server::demo::DEMO_PASSWORD)
                .await?;
        }
    }
    tracing::info!(ms = t0.elapsed().as_millis() as u64, "core ready");
    Ok((Started { core, embedded_url }, embedded))
}

fn setup(app: &mut tauri::App) -> Result<(), Box<dyn std::error::Error>> {
    let handle = app.handle().clone();
    main_window(&handle)?;
    // The zoom's factors first: following the desktop sets its text scale (applied below).
    app.manage(zoom::Zoom::default());
    // Then the appearance: the page asks for it before its first screen.
    #[cfg(target_os = "linux")]
    appearance::follow(&handle);
    #[cfg(not(target_os = "linux"))]
    app.manage(appearance::SystemAppearance::default());
    let dir = data_dir(&handle)?;
    std::fs::create_dir_all(&dir)?;
    let log_dir = std::env::var("OKNO_LOG_DIR")
        .map(PathBuf::from)
        .or_else(|_| handle.path().app_log_dir())
        .unwrap_or_else(|_| dir.join("logs"));
    let log_guard = okno_core::logging::init(&log_dir, "info,okno=info")
        .ok()
        .map(|g| tracing_appender_guard::Guard(Box::new(g)));
    let settings_path = dir.join("settings.json");
    let settings = Settings::load(&settings_path);
    let configured = configured_server(&settings);

    // The window is still hidden: it opens where the user left it, zoomed as it was.
    if let Some(w) = handle.get_webview_window("main") {
        if let Some(place) = settings.window {
            window_place::restore(&w, place);
        }
        let factors = handle.state::<zoom::Zoom>();
        if let Some(zoom) = settings.zoom.filter(|z| zoom::USER.contains(z)) {
            factors.set_user(zoom);
        }
        let page = factors.page();
        if (page - 1.0).abs() > 1e-9 {
            let _ = w.set_zoom(page);
        }
    }

    let pasted = dir.join("pasted");
    let at_login = autostart::started_at_login();
    if at_login {
        tracing::info!("started by the login entry");
    }
    let (tx, rx) = watch::channel(None);
    let idle = idle_trim::IdleTrim::default();
    tauri::async_runtime::spawn(
        idle.clone()
            .watch(idle_trim::QUIET, okno_server::release_free_memory),
    );
    app.manage(Shell {
        started: rx,
        embedded: Mutex::new(None),
        focus: Mutex::new(Focus {
            // Started at login, the window may stay hidden: new messages notify.
            window_focused: !at_login,
            open_chat: None,
        }),
        settings_path,
        pasted_dir: pasted.clone(),
        at_login,
        page_ready: std::sync::atomic::AtomicBool::new(false),
        idle,
        _log_guard: log_guard,
    });

    // Housekeeping off the start's way, on one blocking thread: old pasted images go, and the
    // login entry (`autostart.rs`) is kept naming this program.
    let h = handle.clone();
    tauri::async_runtime::spawn_blocking(move || {
        autostart::refresh(&h);
        let n = clipboard::remove_old(
            &pasted,
            clipboard::KEEP_PASTED,
            std::time::SystemTime::now(),
        );
        if n > 0 {
            tracing::info!(removed = n, "old pasted images removed");
        }
    });
    // The desktop's proxy, followed while the app runs: a change reconnects through the new one.
    let h = handle.clone();
    let proxies = system_proxy::follow(move |proxies| {
        let h = h.clone();
        tauri::async_runtime::spawn(async move {
            let Some(shell) = h.try_state::<Shell>() else {
                return;
            };
            if let Ok(started) = shell.started().await {
                if let Err(e) = started.core.set_proxies(proxies) {
                    tracing::warn!(error = %e.code(), "the new proxy settings are not used");
                }
            }
        });
    });
    // The window is already open and loading the UI; the server and the core start beside it
    // instead of holding up the event loop.
    let h = handle.clone();
    tauri::async_runtime::spawn(async move {
        let result = match start(dir, configured, proxies).await {
            Ok((started, server)) => {
                if let Some(shell) = h.try_state::<Shell>() {
                    if let Ok(mut slot) = shell.embedded.lock() {
                        *slot = server;
                    }
                }
                notifications::spawn_forwarder(h.clone(), started.core.clone());
                Ok(started)
            }
            Err(e) => {
                tracing::error!(error = %e, "Okno could not start");
                Err(err("startup", format!("Okno could not start: {e}")))
            }
        };
        let _ = tx.send(Some(result));
    });
    notifications::setup_tray(&handle)?;
    // The window starts hidden (tauri.conf.json) and the page shows it with its first content:
    // WebKitGTK's shared-memory renderer answers a draw of a webview that has nothing yet by
    // waiting on the GTK thread, up to 500 ms, for a web process that is still starting (see
    // ARCHITECTURE.md, "Start"). Should the page never show it (a broken page), show it anyway.
    let h = handle.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(SHOW_WINDOW_FALLBACK).await;
        let Some(shell) = h.try_state::<Shell>() else {
            return;
        };
        if shell.page_ready.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let visible = h
            .get_webview_window("main")
            .and_then(|w| w.is_visible().ok())
            .unwrap_or(true);
        if !visible {
            tracing::warn!("the page did not show the window; showing it");
            let _ = show_first(&h, &shell).await;
        }
    });
    Ok(())
}

/// How long the page has to show the window before the shell does.
const SHOW_WINDOW_FALLBACK: std::time::Duration = std::time::Duration::from_secs(5);

/// Environment defaults for GTK and WebKitGTK on Linux; `main` calls this before any thread
/// starts, and a value the user set wins (see ARCHITECTURE.md, "Rendering on Linux"):
/// - `WEBKIT_DISABLE_DMABUF_RENDERER=1`: WebKitGTK's DMA-BUF renderer cost about 70 MB of PSS
///   and 400 ms of start on the reference machines and is behind the blank windows some GPU
///   drivers show; the shared-memory path draws the same.
/// - `GDK_GL=disable`, only with that renderer off: GDK would otherwise open GLX at display
///   start-up only to pick visuals (loading Mesa and LLVM before the window exists). The
///   shared-memory path draws with cairo and WebKit sets up its own EGL display, so GTK's GL is
///   unused; the DMA-BUF path may draw through it, so a user who turns that renderer back on
///   keeps GDK's GL.
/// - `WEBKIT_WEB_RENDER_DEVICE_FILE`, only with that renderer off: without it WebKit opens an EGL
///   display in this process at every web-process launch only to ask which GPU the DMA-BUF
///   renderer should use, which loads Mesa and LLVM here (about 16 MB of PSS). The
///   shared-memory path never uses that device (the web process picks its own for painting),
///   so naming one skips the probe; [`render_device_file`] names the one WebKit's own DRM
///   fallback would pick.
/// - `JSC_useDFGJIT=0`: JavaScriptCore's optimizing tiers (DFG, and FTL above it) off, its
///   baseline JIT kept. The UI's scripts are short event handlers, which the baseline JIT runs
///   as fast here (the same script time per scrolled frame, the same warm start, the chat
///   mounted sooner), and the web process keeps 2.4 MB less resident.
#[cfg(target_os = "linux")]
pub fn set_linux_env_defaults() {
    // The value is computed only when the variable is unset: the user's own setting wins and
    // costs nothing (the render device is looked up in /dev/dri only when needed).
    fn default<V: AsRef<std::ffi::OsStr>>(key: &str, value: impl FnOnce() -> V) {
        if std::env::var_os(key).is_none() {
            std::env::set_var(key, value());
        }
    }
    default("JSC_useDFGJIT", || "0");
    default("WEBKIT_DISABLE_DMABUF_RENDERER", || "1");
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_some_and(|v| v == "1") {
        default("GDK_GL", || "disable");
        default("WEBKIT_WEB_RENDER_DEVICE_FILE", || {
            render_device_file(std::path::Path::new("/dev/dri"))
        });
    }
}

/// The first DRM render node under `dri` (`renderD128`, …), or the conventional first one when
/// the machine has none (a virtual display; WebKit then finds no device, as it would have).
#[cfg(target_os = "linux")]
fn render_device_file(dri: &std::path::Path) -> std::path::PathBuf {
    let first = std::fs::read_dir(dri)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            name.to_str()?.strip_prefix("renderD")?.parse::<u32>().ok()
        })
        .min();
    dri.join(format!("renderD{}", first.unwrap_or(128)))
}

pub fn run() {
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, args, _cwd| {
            // A second launch focuses the running window; the login entry's (the user had
            // started Okno before the desktop's autostart did) leaves it as it is.
            if args.iter().any(|a| a == autostart::FLAG) {
                tracing::info!("started at login again: already running");
                return;
            }
            focus_main(app);
        }))
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .setup(setup)
        .on_window_event(|window, event| match event {
            tauri::WindowEvent::Focused(focused) => {
                if let Some(shell) = window.app_handle().try_state::<Shell>() {
                    if let Ok(mut f) = shell.focus.lock() {
                        f.window_focused = *focused;
                    }
                }
            }
            tauri::WindowEvent::CloseRequested { api, .. } if window.label() == "main" => {
                background::close_requested(window, api);
            }
            tauri::WindowEvent::Moved(_) | tauri::WindowEvent::Resized(_)
                if window.label() == "main" =>
            {
                if let Some(shell) = window.app_handle().try_state::<Shell>() {
                    window_place::moved(window, &shell.settings_path);
                }
            }
            _ => {}
        })
        .invoke_handler(tauri::generate_handler![
            info,
            local_zone,
            zone_offset,
            appearance,
            window_ready,
            autostart,
            set_autostart,
            login,
            logout,
            lines,
            messages,
            send,
            retry,
            cancel,
            cancel_transfer,
            mark_read,
            drafts,
            set_draft,
            set_zoom,
            search,
            directory,
            recommended,
            request_connection,
            disconnect,
            chat_files,
            service_requests,
            open_file,
            open_url,
            pick_files,
            paste_files,
            set_open_chat,
            set_muted,
            tickets,
            ticket,
            ticket_detail,
            take_ticket,
            transfer_ticket,
            close_ticket,
            rate_ticket,
            my_agents,
            set_presence,
            company_agents,
            company_lines,
            services,
            register_service_request,
            set_service_request_status,
            hints,
            hint_click,
            press,
            open_menu,
            automation,
        ])
        .build(tauri::generate_context!("../tauri.conf.json"));
    match result {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                if let Some(shell) = handle.try_state::<Shell>() {
                    let server = shell.embedded.lock().ok().and_then(|mut s| s.take());
                    let core = match &*shell.started.borrow() {
                        Some(Ok(s)) => Some(s.core.clone()),
                        _ => None,
                    };
                    tauri::async_runtime::block_on(async move {
                        if let Some(core) = core {
                            core.shutdown().await;
                        }
                        if let Some(s) = server {
                            s.stop().await;
                        }
                    });
                }
            }
        }),
        Err(e) => {
            eprintln!("Okno could not start: {e}");
            std::process::exit(1);
        }
    }
}

/// The server Okno uses when none is signed in to: one given by the environment (tests,
/// managed installs) wins over the one the settings keep from the last sign-in; none means the
/// embedded demo server.
fn configured_server(settings: &Settings) -> Option<String> {
    std::env::var("OKNO_SERVER_URL")
        .ok()
        .or_else(|| settings.server_url.clone())
}

/// The main window, as `tauri.conf.json` describes it (created here, not by Tauri, for the
/// handler below). Its title is the page's: the product's name in the user's language with the
/// unread count, "(3) Окно", for the task bar and the window switcher.
fn main_window(app: &AppHandle) -> tauri::Result<()> {
    let Some(config) = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == "main")
        .cloned()
    else {
        return Err(tauri::Error::WindowNotFound);
    };
    tauri::WebviewWindowBuilder::from_config(app, &config)?
        .on_document_title_changed(|window, title| {
            let _ = window.set_title(&title);
        })
        .build()?;
    Ok(())
}

pub(crate) fn focus_main(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        if !w.is_visible().unwrap_or(true) {
            // Back from the tray: where it was (a window manager may place a window anew).
            window_place::reshow(&w);
        }
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// The desktop's session bus (GIO's shared connection), for the shell's own D-Bus calls: the
/// tray host's presence (`background.rs`) and the docks' count (`launcher.rs`).
#[cfg(target_os = "linux")]
pub(crate) fn session_bus() -> Option<gtk::gio::DBusConnection> {
    use gtk::gio;
    gio::bus_get_sync(gio::BusType::Session, gio::Cancellable::NONE)
        .inspect_err(|e| tracing::info!(error = %e, "no session bus"))
        .ok()
}

/// The shell's view of focus, for the notification policy.
pub(crate) fn focus(app: &AppHandle) -> Focus {
    app.try_state::<Shell>()
        .and_then(|s| s.focus.lock().ok().map(|f| *f))
        .unwrap_or_default()
}

pub(crate) fn emit_open_chat(app: &AppHandle, chat: ChatId) {
    focus_main(app);
    let _ = app.emit("open-chat", chat);
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::render_device_file;
    use super::{window_place::Place, Settings};

    #[test]
    fn a_settings_update_keeps_what_it_does_not_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        Settings::update(&path, |s| {
            s.server_url = Some("https://okno.example.com".into())
        })
        .unwrap();
        let place = Place {
            x: 10,
            y: 20,
            width: 900,
            height: 600,
            maximized: false,
        };
        Settings::update(&path, |s| s.window = Some(place)).unwrap();
        Settings::update(&path, |s| s.zoom = Some(1.25)).unwrap();
        let read = Settings::load(&path);
        assert_eq!(read.server_url.as_deref(), Some("https://okno.example.com"));
        assert_eq!(read.window, Some(place));
        assert_eq!(read.zoom, Some(1.25));
        assert!(!dir.path().join("settings.json.part").exists());
        // A file that does not parse reads as the defaults (the demo server, the configured
        // window), and the next change writes a whole one.
        std::fs::write(&path, b"{ not json").unwrap();
        assert_eq!(Settings::load(&path).server_url, None);
        Settings::update(&path, |s| s.zoom = Some(1.5)).unwrap();
        assert_eq!(Settings::load(&path).zoom, Some(1.5));
    }

    #[test]
    fn render_device_is_the_lowest_render_node() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["card0", "renderD129", "renderD130", "by-path"] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        assert_eq!(
            render_device_file(dir.path()),
            dir.path().join("renderD129")
        );
        std::fs::write(dir.path().join("renderD128"), b"").unwrap();
        assert_eq!(
            render_device_file(dir.path()),
            dir.path().join("renderD128")
        );
    }

    #[test]
    fn render_device_without_nodes_is_the_conventional_first() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("card0"), b"").unwrap();
        std::fs::write(dir.path().join("renderDx"), b"").unwrap();
        assert_eq!(
            render_device_file(dir.path()),
            dir.path().join("renderD128")
        );
        let missing = dir.path().join("missing");
        assert_eq!(render_device_file(&missing), missing.join("renderD128"));
    }
}
