//! Each test gets its own world: a real okno-server on loopback behind a TCP proxy (so the test
//! can take it offline), its own Xvfb display, its own D-Bus session bus with a recording
//! notification server, and its own tauri-driver driving the real `okno-desktop` binary.

use okno_proto::*;
use serde_json::json;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub const APP: &str = env!("CARGO_BIN_EXE_okno-desktop");

pub fn screens_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screens");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// ------------------------------------------------------------------------------ the server

/// Forwards to the server; `down()` refuses connections and cuts open ones.
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
                    continue;
                };
                let h = tokio::spawn(async move {
                    if let Ok(mut out) = TcpStream::connect(to).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                c.lock().unwrap().push(h);
            }
        });
        Self {
            addr,
            target,
            conns,
            accept,
        }
    }

    pub fn down(&self) {
        *self.target.lock().unwrap() = None;
        for h in self.conns.lock().unwrap().drain(..) {
            h.abort();
        }
    }

    pub fn up(&self, to: SocketAddr) {
        *self.target.lock().unwrap() = Some(to);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.down();
    }
}

pub struct Cloud {
    pub server: okno_server::Server,
    pub proxy: Proxy,
    _dir: tempfile::TempDir,
}

impl Cloud {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config =
            okno_server::Config::new("127.0.0.1:0".parse().unwrap(), dir.path().join("server"));
        let state = okno_server::build_state(config).await.unwrap();
        okno_server::demo::seed(&state).await.unwrap();
        let server = okno_server::Server::start_with(state).await.unwrap();
        let proxy = Proxy::start(server.addr).await;
        Self {
            server,
            proxy,
            _dir: dir,
        }
    }

    /// The address the app uses (through the proxy).
    pub fn url(&self) -> String {
        format!("http://{}", self.proxy.addr)
    }

    /// A POST without a session (sign-in, registration), straight to the server.
    async fn post_public<T: serde::de::DeserializeOwned>(
        &self,
        http: &reqwest::Client,
        path: &str,
        body: serde_json::Value,
    ) -> T {
        let r = http
            .post(format!("{}{path}", self.server.url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "POST {path}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn api(&self, login: &str) -> Api {
        let http = reqwest::Client::new();
        let r: LoginResponse = self
            .post_public(
                &http,
                "/api/v1/auth/login",
                json!({"login": login, "password": okno_server::demo::DEMO_PASSWORD}),
            )
            .await;
        Api {
            base: self.server.url(),
            token: r.token,
            http,
        }
    }

    /// Registers a new user with the demo password (so `Desktop::sign_in` can sign them in).
    pub async fn register(&self, login: &str, display_name: &str) -> Me {
        self.post_public(
            &reqwest::Client::new(),
            "/api/v1/auth/register",
            json!({"login": login, "password": okno_server::demo::DEMO_PASSWORD,
                "display_name": display_name}),
        )
        .await
    }
}

/// Direct HTTP to the server, as another party (the admin, the specialist…).
pub struct Api {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Api {
    pub async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> T {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "POST {path}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn put<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> T {
        let r = self
            .http
            .put(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "PUT {path}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn send(&self, chat: ChatId, text: &str) -> Message {
        self.send_with_files(chat, text, &[]).await
    }

    /// Ends every other session of this account ("sign out everywhere else").
    pub async fn revoke_other_sessions(&self) -> usize {
        let sessions: Vec<SessionInfo> = self.get("/api/v1/sessions").await;
        let others: Vec<_> = sessions.iter().filter(|s| !s.current).collect();
        for s in &others {
            let path = format!("/api/v1/sessions/{}", s.id);
            let r = self
                .http
                .delete(format!("{}{path}", self.base))
                .bearer_auth(&self.token)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "DELETE {path}: {}", r.status());
        }
        others.len()
    }

    /// Uploads a file (to attach it to a message with `send_with_files`).
    pub async fn upload(&self, name: &str, bytes: &[u8]) -> FileMeta {
        let r = self
            .http
            .post(format!("{}/api/v1/files", self.base))
            .query(&[("name", name)])
            .bearer_auth(&self.token)
            .header("content-type", "application/octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "upload {name}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn send_with_files(&self, chat: ChatId, text: &str, files: &[FileId]) -> Message {
        self.post(
            &format!("/api/v1/chats/{chat}/messages"),
            json!({"client_msg_id": uuid::Uuid::new_v4(), "text": text, "file_ids": files}),
        )
        .await
    }

    pub async fn snapshot(&self) -> Snapshot {
        self.get("/api/v1/snapshot").await
    }

    pub async fn history(&self, chat: ChatId) -> Vec<Message> {
        let page: MessagePage = self
            .get(&format!("/api/v1/chats/{chat}/messages?limit=200"))
            .await;
        page.messages
    }
}

// ------------------------------------------------------------------------------ notifications

#[derive(Debug, Clone)]
pub struct Recorded {
    pub id: u32,
    pub app_name: String,
    pub summary: String,
    pub body: String,
    pub actions: Vec<String>,
    /// The `desktop-entry` hint: the menu entry the notification server takes the app's icon
    /// and name from.
    pub desktop_entry: Option<String>,
}

struct FakeNotifications {
    log: Arc<Mutex<Vec<Recorded>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl FakeNotifications {
    #[allow(clippy::too_many_arguments)]
    async fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: std::collections::HashMap<String, zbus::zvariant::OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut log = self.log.lock().unwrap();
        let id = log.len() as u32 + 1;
        log.push(Recorded {
            id,
            app_name,
            summary,
            body,
            actions,
            desktop_entry: hints
                .get("desktop-entry")
                .and_then(|v| String::try_from(v.try_clone().ok()?).ok()),
        });
        id
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into(), "actions".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "okno-test".into(),
            "okno".into(),
            "1.0".into(),
            "1.2".into(),
        )
    }

    fn close_notification(&self, _id: u32) {}

    #[zbus(signal)]
    async fn action_invoked(
        emitter: &zbus::object_server::SignalEmitter<'_>,
        id: u32,
        action_key: &str,
    ) -> zbus::Result<()>;
}

/// The desktop portal's Settings interface (xdg-desktop-portal, version 2), answering only the
/// appearance's `color-scheme` as a GNOME or KDE session does: 0 no preference, 1 dark, 2 light.
/// `set_color_scheme` changes it and emits `SettingChanged`, as the portal does when the user
/// switches the desktop's style.
struct FakePortal {
    color_scheme: Arc<std::sync::atomic::AtomicU32>,
    /// `contrast`: 0 no preference, 1 higher.
    contrast: Arc<std::sync::atomic::AtomicU32>,
}

/// The system time zone the app runs in: Nepal's (UTC+5:45), whose odd offset a page that
/// showed UTC or whole hours would get wrong.
pub const TZ: &str = "Asia/Kathmandu";

const PORTAL_PATH: &str = "/org/freedesktop/portal/desktop";
const APPEARANCE: &str = "org.freedesktop.appearance";

impl FakePortal {
    /// The value behind one of the appearance keys it knows.
    fn slot(&self, key: &str) -> Option<&std::sync::atomic::AtomicU32> {
        match key {
            "color-scheme" => Some(&*self.color_scheme),
            "contrast" => Some(&*self.contrast),
            _ => None,
        }
    }

    fn setting(&self, namespace: &str, key: &str) -> zbus::fdo::Result<zbus::zvariant::OwnedValue> {
        if let (APPEARANCE, Some(value)) = (namespace, self.slot(key)) {
            let v = value.load(std::sync::atomic::Ordering::SeqCst);
            Ok(zbus::zvariant::OwnedValue::from(v))
        } else {
            Err(zbus::fdo::Error::Failed(
                "Requested setting not found".into(),
            ))
        }
    }
}

#[zbus::interface(name = "org.freedesktop.portal.Settings")]
impl FakePortal {
    /// The deprecated reader: the value boxed in one more variant (the portal's own quirk).
    fn read(&self, namespace: &str, key: &str) -> zbus::fdo::Result<zbus::zvariant::OwnedValue> {
        let v = self.setting(namespace, key)?;
        zbus::zvariant::OwnedValue::try_from(zbus::zvariant::Value::Value(Box::new(v.into())))
            .map_err(|e| zbus::fdo::Error::Failed(e.to_string()))
    }

    fn read_one(
        &self,
        namespace: &str,
        key: &str,
    ) -> zbus::fdo::Result<zbus::zvariant::OwnedValue> {
        self.setting(namespace, key)
    }

    fn read_all(
        &self,
        namespaces: Vec<String>,
    ) -> std::collections::HashMap<
        String,
        std::collections::HashMap<String, zbus::zvariant::OwnedValue>,
    > {
        let mut all = std::collections::HashMap::new();
        if namespaces.is_empty() || namespaces.iter().any(|n| n == APPEARANCE) {
            let keys = ["color-scheme", "contrast"]
                .into_iter()
                .filter_map(|k| Some((k.to_owned(), self.setting(APPEARANCE, k).ok()?)))
                .collect();
            all.insert(APPEARANCE.to_owned(), keys);
        }
        all
    }

    #[zbus(property)]
    fn version(&self) -> u32 {
        2
    }

    #[zbus(signal)]
    async fn setting_changed(
        emitter: &zbus::object_server::SignalEmitter<'_>,
        namespace: &str,
        key: &str,
        value: zbus::zvariant::Value<'_>,
    ) -> zbus::Result<()>;
}

/// A StatusNotifierWatcher (the tray host's registry): records which tray items register, so a
/// test can read an item's label over D-Bus as a panel would.
struct FakeWatcher {
    items: Arc<Mutex<Vec<(String, String)>>>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl FakeWatcher {
    async fn register_status_notifier_item(
        &self,
        service: String,
        #[zbus(header)] hdr: zbus::message::Header<'_>,
    ) {
        let sender = hdr.sender().map(|s| s.to_string()).unwrap_or_default();
        // The argument is a bus name or an object path on the sender's connection.
        let (bus, path) = if service.starts_with('/') {
            (sender, service)
        } else {
            (service, "/StatusNotifierItem".to_owned())
        };
        self.items.lock().unwrap().push((bus, path));
    }

    fn register_status_notifier_host(&self, _service: String) {}

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items
            .lock()
            .unwrap()
            .iter()
            .map(|(b, p)| format!("{b}{p}"))
            .collect()
    }
}

// ------------------------------------------------------------------------------ the desktop

fn spawn_group(cmd: &mut Command) -> Child {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"))
}

fn kill_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    let signal = |sig: &str| {
        let _ = Command::new("kill")
            .args(["-s", sig, "--", &group])
            .stderr(Stdio::null())
            .status();
    };
    signal("TERM");
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    signal("KILL");
    let _ = child.kill();
    let _ = child.wait();
}

pub struct Desktop {
    pub driver: WebDriver,
    /// tauri-driver's port (a restart opens a new session there).
    port: u16,
    /// The environment the app runs with (for starting a second instance).
    pub env: Vec<(String, String)>,
    pub display: String,
    pub bus: String,
    pub notifications: Arc<Mutex<Vec<Recorded>>>,
    notif_conn: zbus::Connection,
    _watcher_conn: Option<zbus::Connection>,
    portal_conn: zbus::Connection,
    /// Tray items registered with the fake watcher: (bus name, object path).
    pub tray_items: Arc<Mutex<Vec<(String, String)>>>,
    /// What the app last told docks (Unity's launcher API `Update` signal): its app URI, the
    /// count, and whether the count shows.
    pub launcher: Arc<Mutex<Option<(String, i64, bool)>>>,
    xsettings_conf: PathBuf,
    xsettings_pid: u32,
    /// What the XSETTINGS manager announces now.
    xsettings: std::sync::Mutex<XSettings>,
    /// What the desktop's default applications were asked to open, one argument a line.
    opened: PathBuf,
    _procs: Procs,
    _data: tempfile::TempDir,
    pub name: String,
    /// The app's binary: the build under test, or one a package installed.
    app: PathBuf,
}

/// GTK's interface font in the tests' desktops: the system's default sans-serif family, which
/// the page would draw with anyway.
pub const DEFAULT_GTK_FONT: &str = "DejaVu Sans 11";

/// What the tests' desktop announces through its XSETTINGS manager: GTK's interface font,
/// whether to animate (GNOME's "Reduce animation" turns it off) and the fonts' resolution
/// (GNOME's "Large Text" makes it 120 dpi).
#[derive(Clone)]
struct XSettings {
    font: String,
    animations: bool,
    dpi: u32,
}

impl XSettings {
    /// xsettingsd's configuration.
    fn conf(&self) -> String {
        format!(
            "Gtk/FontName \"{}\"\nGtk/EnableAnimations {}\nXft/DPI {}\n",
            self.font,
            u8::from(self.animations),
            self.dpi * 1024
        )
    }
}

/// Processes stopped (whole process groups) when dropped, last started first: also when a
/// test fails half-way.
#[derive(Default)]
struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        while let Some(mut c) = self.0.pop() {
            kill_group(&mut c);
        }
    }
}

impl Desktop {
    /// Starts the app against `server_url` on a fresh display, bus and data directory.
    pub async fn start(name: &str, server_url: &str) -> Self {
        Self::start_in(name, server_url, "en_US.UTF-8").await
    }

    /// Starts with the given system locale (`LANG`).
    pub async fn start_in(name: &str, server_url: &str, lang: &str) -> Self {
        Self::start_with(name, server_url, lang, false).await
    }

    /// Starts with the given system locale and, with `dark`, a dark GTK theme (`GTK_THEME`; the
    /// shell reads it and tells the page, see src-tauri/src/appearance.rs).
    pub async fn start_with(name: &str, server_url: &str, lang: &str, dark: bool) -> Self {
        Self::start_full(name, server_url, lang, dark, true, Path::new(APP), &[]).await
    }

    /// Starts with `ca` (a PEM file) as the only certificate authority the system trusts
    /// (`SSL_CERT_FILE`, as OpenSSL and rustls read it).
    pub async fn start_trusting(name: &str, server_url: &str, ca: &Path) -> Self {
        let ca = ca.to_string_lossy();
        Self::start_with_env(name, server_url, &[("SSL_CERT_FILE", ca.as_ref())]).await
    }

    /// Starts with more variables in the app's environment.
    pub async fn start_with_env(name: &str, server_url: &str, env: &[(&str, &str)]) -> Self {
        Self::start_full(
            name,
            server_url,
            "en_US.UTF-8",
            false,
            true,
            Path::new(APP),
            env,
        )
        .await
    }

    /// Starts on a desktop that shows no tray icons (no StatusNotifierWatcher on the bus, as
    /// on GNOME without an extension).
    pub async fn start_without_tray(name: &str, server_url: &str) -> Self {
        Self::start_full(
            name,
            server_url,
            "en_US.UTF-8",
            false,
            false,
            Path::new(APP),
            &[],
        )
        .await
    }

    /// Starts the app binary at `app` (one a package installed) instead of the build under test.
    pub async fn start_app(name: &str, server_url: &str, app: &Path) -> Self {
        Self::start_full(name, server_url, "en_US.UTF-8", false, true, app, &[]).await
    }

    async fn start_full(
        name: &str,
        server_url: &str,
        lang: &str,
        dark: bool,
        tray: bool,
        app: &Path,
        extra_env: &[(&str, &str)],
    ) -> Self {
        let data = tempfile::tempdir().unwrap();
        // A display of our own.
        let mut n = 100 + (std::process::id() % 300) + free_port() as u32 % 400;
        while Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            || Path::new(&format!("/tmp/.X{n}-lock")).exists()
        {
            n += 1;
        }
        let display = format!(":{n}");
        let mut procs = Procs::default();
        let xvfb = spawn_group(
            Command::new("Xvfb")
                .args([&display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        procs.0.push(xvfb);
        let socket = format!("/tmp/.X11-unix/X{n}");
        wait_until(10, "Xvfb", || Path::new(&socket).exists());
        // An XSETTINGS manager, as every desktop runs one (GNOME's gsd-xsettings): GTK reads its
        // interface font from it, live (`set_gtk_font`).
        let xsettings_conf = data.path().join("xsettingsd.conf");
        let xsettings = XSettings {
            font: DEFAULT_GTK_FONT.into(),
            animations: true,
            dpi: 96,
        };
        std::fs::write(&xsettings_conf, xsettings.conf()).unwrap();
        let xsettingsd = spawn_group(
            Command::new("xsettingsd")
                .arg("-c")
                .arg(&xsettings_conf)
                .env("DISPLAY", &display)
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        let xsettings_pid = xsettingsd.id();
        procs.0.push(xsettingsd);

        // A session bus of our own, with a notification server that records what it is shown.
        let mut dbus = spawn_group(
            Command::new("dbus-daemon")
                .args(["--session", "--nofork", "--print-address=1"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        );
        let bus = {
            use std::io::BufRead;
            let out = dbus.stdout.take().unwrap();
            let mut line = String::new();
            std::io::BufReader::new(out).read_line(&mut line).unwrap();
            line.trim().to_owned()
        };
        procs.0.push(dbus);
        let notifications: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let notif_conn = zbus::connection::Builder::address(bus.as_str())
            .unwrap()
            .name("org.freedesktop.Notifications")
            .unwrap()
            .serve_at(
                "/org/freedesktop/Notifications",
                FakeNotifications {
                    log: notifications.clone(),
                },
            )
            .unwrap()
            .build()
            .await
            .unwrap();
        let tray_items: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let watcher_conn = if tray {
            let conn = zbus::connection::Builder::address(bus.as_str())
                .unwrap()
                .name("org.kde.StatusNotifierWatcher")
                .unwrap()
                .serve_at(
                    "/StatusNotifierWatcher",
                    FakeWatcher {
                        items: tray_items.clone(),
                    },
                )
                .unwrap()
                .build()
                .await
                .unwrap();
            Some(conn)
        } else {
            None
        };

        // A dock, as far as the launcher API goes: it listens for `Update` signals.
        let launcher: Arc<Mutex<Option<(String, i64, bool)>>> = Arc::default();
        {
            let rule = zbus::MatchRule::builder()
                .msg_type(zbus::message::Type::Signal)
                .interface("com.canonical.Unity.LauncherEntry")
                .unwrap()
                .member("Update")
                .unwrap()
                .build();
            let mut stream = zbus::MessageStream::for_match_rule(rule, &notif_conn, None)
                .await
                .unwrap();
            let sink = launcher.clone();
            tokio::spawn(async move {
                use futures_util::StreamExt;
                type Props = std::collections::HashMap<String, zbus::zvariant::OwnedValue>;
                while let Some(Ok(msg)) = stream.next().await {
                    let Ok((uri, props)) = msg.body().deserialize::<(String, Props)>() else {
                        continue;
                    };
                    let get = |k: &str| props.get(k).and_then(|v| v.try_clone().ok());
                    let count = get("count").and_then(|v| i64::try_from(v).ok());
                    let shown = get("count-visible").and_then(|v| bool::try_from(v).ok());
                    *sink.lock().unwrap() =
                        Some((uri, count.unwrap_or(-1), shown.unwrap_or(false)));
                }
            });
        }

        let portal_conn = zbus::connection::Builder::address(bus.as_str())
            .unwrap()
            .name("org.freedesktop.portal.Desktop")
            .unwrap()
            .serve_at(
                PORTAL_PATH,
                FakePortal {
                    color_scheme: Arc::new(0.into()),
                    contrast: Arc::new(0.into()),
                },
            )
            .unwrap()
            .build()
            .await
            .unwrap();

        // The desktop's default applications (XDG `mimeapps.list`) for web links and text
        // files: a recorder standing in for the browser and the text editor, whichever launcher
        // the system has (xdg-open, or GIO's `gio open`).
        let xdg = data.path().join("xdg");
        let opened = data.path().join("opened");
        let recorder = data.path().join("open-recorder.sh");
        std::fs::write(
            &recorder,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{}'\n",
                opened.display()
            ),
        )
        .unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&recorder, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::create_dir_all(xdg.join("data/applications")).unwrap();
        std::fs::create_dir_all(xdg.join("config")).unwrap();
        std::fs::write(
            xdg.join("data/applications/okno-test-opener.desktop"),
            format!(
                "[Desktop Entry]\nType=Application\nName=Recorder\nNoDisplay=true\n\
                 Exec={} %u\nMimeType=x-scheme-handler/http;x-scheme-handler/https;text/plain;\n",
                recorder.display()
            ),
        )
        .unwrap();
        std::fs::write(
            xdg.join("config/mimeapps.list"),
            "[Default Applications]\nx-scheme-handler/http=okno-test-opener.desktop\n\
             x-scheme-handler/https=okno-test-opener.desktop\ntext/plain=okno-test-opener.desktop\n",
        )
        .unwrap();
        let xdg_data = xdg.join("data").to_string_lossy().into_owned();
        let xdg_config = xdg.join("config").to_string_lossy().into_owned();

        let app_env: Vec<(String, String)> = vec![
            ("DISPLAY".into(), display.clone()),
            ("DBUS_SESSION_BUS_ADDRESS".into(), bus.clone()),
            ("XDG_DATA_HOME".into(), xdg_data.clone()),
            ("XDG_CONFIG_HOME".into(), xdg_config.clone()),
            (
                "OKNO_DATA_DIR".into(),
                data.path().join("app").to_string_lossy().into_owned(),
            ),
            ("OKNO_SERVER_URL".into(), server_url.into()),
            ("OKNO_NO_KEYRING".into(), "1".into()),
            ("LANG".into(), lang.into()),
        ]
        .into_iter()
        .chain(
            extra_env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        )
        .collect();
        let port = free_port();
        // Two calls can hand out the same free port, and tauri-driver needs two.
        let native = std::iter::repeat_with(free_port)
            .find(|p| *p != port)
            .unwrap();
        let log = std::fs::File::create(data.path().join("tauri-driver.log")).unwrap();
        let driver_proc = spawn_group(
            Command::new(tauri_driver())
                .args([
                    "--port",
                    &port.to_string(),
                    "--native-port",
                    &native.to_string(),
                ])
                .env("DISPLAY", &display)
                .env("DBUS_SESSION_BUS_ADDRESS", &bus)
                .env("OKNO_DATA_DIR", data.path().join("app"))
                .env("OKNO_LOG_DIR", data.path().join("logs"))
                .env("OKNO_SERVER_URL", server_url)
                .env("OKNO_NO_KEYRING", "1")
                .env("LANG", lang)
                .env("LC_ALL", lang)
                .env("LANGUAGE", lang.split('.').next().unwrap_or("en"))
                .env("TZ", TZ)
                .env("GTK_THEME", if dark { "Adwaita:dark" } else { "Adwaita" })
                .env("XDG_DATA_HOME", &xdg_data)
                .env("XDG_CONFIG_HOME", &xdg_config)
                .env_remove("BROWSER")
                .env_remove("XDG_CURRENT_DESKTOP")
                // No proxy but a test's own: WebDriver's connections are on loopback.
                .env_remove("HTTP_PROXY")
                .env_remove("http_proxy")
                .env_remove("HTTPS_PROXY")
                .env_remove("https_proxy")
                .env_remove("ALL_PROXY")
                .env_remove("all_proxy")
                .envs(extra_env.iter().copied())
                .stdout(Stdio::null())
                .stderr(log),
        );
        procs.0.push(driver_proc);
        wait_until(20, "tauri-driver", || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        let driver =
            Self::session(port, name, app, &[], &data.path().join("tauri-driver.log")).await;
        Self {
            driver,
            port,
            env: app_env,
            display,
            bus,
            notifications,
            notif_conn,
            _watcher_conn: watcher_conn,
            portal_conn,
            tray_items,
            launcher,
            xsettings_conf,
            xsettings_pid,
            xsettings: std::sync::Mutex::new(xsettings),
            opened,
            _procs: procs,
            _data: data,
            name: name.into(),
            app: app.to_owned(),
        }
    }

    /// A WebDriver session, which starts the app (with `args`).
    async fn session(port: u16, name: &str, app: &Path, args: &[&str], log: &Path) -> WebDriver {
        let mut caps = thirtyfour::Capabilities::new();
        caps.set("tauri:options", json!({"application": app, "args": args}))
            .unwrap();
        // Starting WebKit on a busy 2-core machine can outlast a first attempt.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match WebDriver::new(format!("http://127.0.0.1:{port}"), caps.clone()).await {
                Ok(d) => break d,
                Err(e) if attempt < 4 => {
                    eprintln!("[{name}] no WebDriver session yet ({e}); retrying");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => panic!(
                    "no WebDriver session: {e}\ntauri-driver's log:\n{}",
                    std::fs::read_to_string(log).unwrap_or_default()
                ),
            }
        }
    }

    /// Quits the app (its WebDriver session ends) and starts it again on the same desktop and
    /// data directory, as a person reopening it.
    pub async fn restart(&mut self) {
        self.restart_with(&[]).await;
    }

    /// [`restart`](Self::restart) with the app started with `args`, as the desktop's autostart
    /// starts it.
    pub async fn restart_with(&mut self, args: &[&str]) {
        eprintln!("[{}] restarting with {args:?}", self.name);
        let old = self.driver.clone();
        let _ = tokio::time::timeout(Duration::from_secs(10), old.quit()).await;
        // Until the old process is gone, its single-instance guard would take the new start.
        assert!(self.gone(15).await, "the app did not quit");
        self.tray_items.lock().unwrap().clear();
        let log = self._data.path().join("tauri-driver.log");
        self.driver = Self::session(self.port, &self.name, &self.app, args, &log).await;
    }

    /// Launches the app a second time on the same desktop, as a person does from the menu, and
    /// asserts that it hands over to the running one and exits.
    pub async fn launch_again(&self) {
        let (env, app) = (self.env.clone(), self.app.clone());
        let status = tokio::task::spawn_blocking(move || {
            let mut child = Command::new(app)
                .envs(env)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if let Some(s) = child.try_wait().unwrap() {
                    return Some(s);
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    return None;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
        .await
        .unwrap();
        assert!(
            status.is_some_and(|s| s.success()),
            "the second instance hands over and exits"
        );
    }

    /// Whether the app has quit within `secs`: its single-instance name left the bus.
    pub async fn gone(&self, secs: u64) -> bool {
        let dbus = zbus::fdo::DBusProxy::new(&self.notif_conn).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(secs);
        while dbus
            .list_names()
            .await
            .unwrap()
            .iter()
            .any(|n| n.as_str().contains("SingleInstance"))
        {
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        true
    }

    /// A connection to the test's display and the main window's id, if it has one.
    fn x_main_window(&self) -> Option<(x11rb::rust_connection::RustConnection, u32)> {
        let window = self.window().0.parse().ok()?;
        let (conn, _) = x11rb::connect(Some(&self.display)).unwrap();
        Some((conn, window))
    }

    /// Asks the main window to close as a window manager does when the user clicks its close
    /// button: ICCCM's `WM_DELETE_WINDOW` message.
    pub fn close_window(&self) {
        use x11rb::protocol::xproto::{ClientMessageEvent, ConnectionExt, EventMask};
        let (conn, window) = self.x_main_window().expect("the main window");
        let atom = |name: &[u8]| conn.intern_atom(false, name).unwrap().reply().unwrap().atom;
        let (protocols, delete) = (atom(b"WM_PROTOCOLS"), atom(b"WM_DELETE_WINDOW"));
        let event = ClientMessageEvent::new(
            32,
            window,
            protocols,
            [delete, x11rb::CURRENT_TIME, 0, 0, 0],
        );
        conn.send_event(false, window, EventMask::NO_EVENT, event)
            .unwrap();
        // A round trip, so that the server has handled the event before the connection closes.
        conn.get_input_focus().unwrap().reply().unwrap();
    }

    /// The main window's class (`WM_CLASS`: instance and class names), as docks read it.
    pub fn window_class(&self) -> Vec<String> {
        use x11rb::protocol::xproto::{AtomEnum, ConnectionExt};
        let (conn, window) = self.x_main_window().expect("the main window");
        let reply = conn
            .get_property(false, window, AtomEnum::WM_CLASS, AtomEnum::STRING, 0, 256)
            .unwrap()
            .reply()
            .unwrap();
        reply
            .value
            .split(|b| *b == 0)
            .filter(|part| !part.is_empty())
            .map(|part| String::from_utf8_lossy(part).into_owned())
            .collect()
    }

    /// The app's `XDG_CONFIG_HOME` (`~/.config` on a desktop).
    pub fn config_dir(&self) -> PathBuf {
        self.env
            .iter()
            .find(|(k, _)| k == "XDG_CONFIG_HOME")
            .map(|(_, v)| PathBuf::from(v))
            .unwrap()
    }

    /// The program under test.
    pub fn program(&self) -> &Path {
        &self.app
    }

    /// Whether the main window is on the screen (mapped), as X sees it.
    pub fn window_shown(&self) -> bool {
        use x11rb::protocol::xproto::{ConnectionExt, MapState};
        let Some((conn, window)) = self.x_main_window() else {
            return false;
        };
        conn.get_window_attributes(window)
            .unwrap()
            .reply()
            .is_ok_and(|a| a.map_state == MapState::VIEWABLE)
    }

    /// Moves and resizes the main window as a window manager does for the user.
    pub fn place_window(&self, x: i32, y: i32, width: u32, height: u32) {
        let (id, ..) = self.window();
        self.xdotool(&["windowsize", &id, &width.to_string(), &height.to_string()]);
        self.xdotool(&["windowmove", &id, &x.to_string(), &y.to_string()]);
    }

    /// Presses a key in the page, wherever the focus is.
    pub async fn press(&self, key: thirtyfour::Key) {
        self.driver
            .action_chain()
            .send_keys(key)
            .perform()
            .await
            .unwrap();
    }

    pub async fn quit(self) {
        eprintln!("[{}] quitting", self.name);
        let driver = self.driver.clone();
        let _ = tokio::time::timeout(Duration::from_secs(10), driver.quit()).await;
        drop(self);
    }

    pub async fn find(&self, css: &str) -> WebElement {
        let query = self
            .driver
            .query(By::Css(css))
            .wait(Duration::from_secs(15), Duration::from_millis(100));
        match tokio::time::timeout(Duration::from_secs(30), query.first()).await {
            Ok(Ok(el)) => el,
            Ok(Err(e)) => {
                self.x_screenshot(&format!(
                    "missing-{}",
                    css.replace(['[', ']', '=', ' ', '\'', '"'], "_")
                ));
                panic!("{css} did not appear: {e}")
            }
            Err(_) => {
                self.x_screenshot("hung");
                panic!("the WebDriver hung looking for {css}")
            }
        }
    }

    pub async fn find_all(&self, css: &str) -> Vec<WebElement> {
        match tokio::time::timeout(Duration::from_secs(30), self.driver.find_all(By::Css(css)))
            .await
        {
            Ok(r) => r.unwrap(),
            Err(_) => {
                self.x_screenshot("hung");
                panic!("the WebDriver hung looking for {css}")
            }
        }
    }

    /// A screenshot of the whole X display (works even when the page does not answer).
    pub fn x_screenshot(&self, name: &str) {
        let path = screens_dir().join(format!("{}-{name}.png", self.name));
        let _ = Command::new("/usr/bin/import")
            .env("DISPLAY", &self.display)
            .args(["-window", "root"])
            .arg(&path)
            .status();
        eprintln!("screenshot: {}", path.display());
    }

    /// Polls until `check` holds.
    pub async fn until<F, Fut>(&self, what: &str, secs: u64, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !check().await {
            if Instant::now() > deadline {
                self.x_screenshot(&format!("failed-{}", what.replace(' ', "-")));
                panic!("timed out: {what}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// An attribute, or "" (also when the element was re-rendered meanwhile).
    pub async fn attr(&self, el: &WebElement, name: &str) -> String {
        el.attr(name).await.ok().flatten().unwrap_or_default()
    }

    /// Runs a script in the page and returns its JSON result.
    pub async fn js(&self, script: &str) -> serde_json::Value {
        match tokio::time::timeout(Duration::from_secs(30), self.driver.execute(script, vec![]))
            .await
        {
            Ok(Ok(ret)) => ret.json().clone(),
            Ok(Err(e)) => panic!("script failed: {e}"),
            Err(_) => {
                self.x_screenshot("hung");
                panic!("the WebDriver hung running a script")
            }
        }
    }

    /// The text content of the first element matching `css` ("" when there is none).
    pub async fn text_of(&self, css: &str) -> String {
        let v = self
            .js(&format!(
                "const e = document.querySelector({css:?}); return e ? e.textContent : ''"
            ))
            .await;
        v.as_str().unwrap_or_default().trim().to_owned()
    }

    /// `data-*` attributes of every element matching `css`, read atomically in the page.
    pub async fn data_of(&self, css: &str, attr: &str) -> Vec<String> {
        let v = self
            .js(&format!(
                "return [...document.querySelectorAll({css:?})].map(e => e.getAttribute({attr:?}) || '')"
            ))
            .await;
        serde_json::from_value(v).unwrap_or_default()
    }

    /// Types into a field (clearing it first).
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.scroll_to(css).await;
        el.clear().await.unwrap();
        el.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.scroll_to(css).await;
        el.click().await.unwrap();
    }

    /// Scrolls the element into the middle of its scroller (rows of the chat can sit under the
    /// composer's edge right after they grow).
    pub async fn scroll_to(&self, css: &str) {
        self.js(&format!(
            "document.querySelector({css:?}).scrollIntoView({{block: 'center'}}); return true"
        ))
        .await;
        tokio::time::sleep(Duration::from_millis(150)).await;
    }

    /// Saves a screenshot of the window as `<test>-<name>.png` under the build directory.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let path = screens_dir().join(format!("{}-{name}.png", self.name));
        // Panels slide and fade in: the picture is of the screen as it settles, not half-way.
        self.settle_animations().await;
        // WebKit takes the picture at the page's next presentation update, and a page where
        // nothing changes has none: an idle screen (no caret blinking, nothing moving) kept the
        // WebDriver waiting until the timeout. A pixel in the corner, changing by 1 % of its
        // colour every 50 ms while the picture is taken, keeps the updates coming.
        self.js(
            "const d = document.createElement('div'); d.id = 'okno-test-repaint'; \
             d.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;\
             pointer-events:none;z-index:2147483647'; document.body.append(d); let on = false; \
             window.oknoTestRepaint = setInterval(() => { on = !on; \
             d.style.background = on ? 'rgba(0,0,0,0.01)' : 'transparent'; }, 50); return true",
        )
        .await;
        let shot =
            tokio::time::timeout(Duration::from_secs(20), self.driver.screenshot(&path)).await;
        self.js("clearInterval(window.oknoTestRepaint); \
             document.getElementById('okno-test-repaint')?.remove(); return true")
            .await;
        if !matches!(shot, Ok(Ok(()))) {
            eprintln!("WebDriver screenshot failed ({shot:?}); taking the display instead");
            self.x_screenshot(name);
        }
        path
    }

    /// Waits (up to 2 s) until no finite CSS animation or transition of the page is running (a
    /// spinner's endless one does not count), then a little more for it to be painted.
    async fn settle_animations(&self) {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            let running = self
                .js(
                    "return document.getAnimations().filter(a => a.playState === 'running' \
                     && a.effect?.getComputedTiming().iterations !== Infinity).length",
                )
                .await;
            if running.as_u64() == Some(0) || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    /// The share of an element's pixels (0.0–1.0) that are strongly coloured, from a WebDriver
    /// screenshot of the element: a colour emoji has many, a missing glyph's box has none.
    pub async fn coloured_share(&self, el: &WebElement) -> f64 {
        let bytes = el.screenshot_as_png().await.unwrap();
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let channels = info.color_type.samples();
        assert!(
            channels >= 3,
            "a colour screenshot, got {:?}",
            info.color_type
        );
        let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks_exact(channels).collect();
        let coloured = pixels
            .iter()
            .filter(|p| {
                let (hi, lo) = (p[..3].iter().max().unwrap(), p[..3].iter().min().unwrap());
                hi - lo > 80
            })
            .count();
        coloured as f64 / pixels.len().max(1) as f64
    }

    pub async fn sign_in(&self, server_url: &str, login: &str) {
        self.find("[data-testid=login-form]").await;
        let server = self.find("[data-testid=login-server]").await;
        server.clear().await.unwrap();
        server.send_keys(server_url).await.unwrap();
        self.find("[data-testid=login-name]")
            .await
            .send_keys(login)
            .await
            .unwrap();
        self.find("[data-testid=login-password]")
            .await
            .send_keys(okno_server::demo::DEMO_PASSWORD)
            .await
            .unwrap();
        self.find("[data-testid=login-submit]")
            .await
            .click()
            .await
            .unwrap();
        eprintln!("[{}] signing in", self.name);
        // Users land on their lines; employees on the Tickets section.
        self.find("[data-testid=lines-list], [data-testid=tickets-panel]")
            .await;
        eprintln!("[{}] signed in", self.name);
    }

    pub async fn line_item(&self, line: LineId) -> WebElement {
        self.find(&format!("[data-testid=line-item][data-line-id='{line}']"))
            .await
    }

    /// What the lines list shows under a line's name: its newest message ("" when it shows none).
    pub async fn line_preview(&self, line: LineId) -> String {
        self.text_of(&format!(
            "[data-testid=line-item][data-line-id='{line}'] [data-testid=line-preview]"
        ))
        .await
    }

    /// Opens the chat of a line from the list.
    pub async fn open_line(&self, line: LineId) -> WebElement {
        self.line_item(line).await.click().await.unwrap();
        self.find("[data-testid=chat]").await
    }

    /// Messages shown in the open chat: (seq, kind, status, text).
    pub async fn shown_messages(&self) -> Vec<(String, String, String, String)> {
        let v = self
            .js(
                "return [...document.querySelectorAll('[data-testid=message]')].map(m => \
                 [m.dataset.seq || '', m.dataset.kind || '', m.dataset.status || '', m.innerText || ''])",
            )
            .await;
        serde_json::from_value(v).unwrap_or_default()
    }

    /// Whether the open chat shows a message containing `text`.
    pub async fn shows(&self, text: &str) -> bool {
        self.shown_messages()
            .await
            .iter()
            .any(|(_, _, _, t)| t.contains(text))
    }

    /// Whether the open chat shows a message of `kind` ("text", "file") containing `text` as
    /// sent.
    pub async fn shows_sent(&self, kind: &str, text: &str) -> bool {
        self.shown_messages()
            .await
            .iter()
            .any(|(_, k, status, t)| k == kind && status == "sent" && t.contains(text))
    }

    /// A property of the tray item, read over D-Bus as a panel reads it.
    async fn tray_property(&self, name: &str) -> Option<zbus::zvariant::OwnedValue> {
        let (bus, path) = self.tray_items.lock().unwrap().last().cloned()?;
        let proxy = zbus::fdo::PropertiesProxy::builder(&self.notif_conn)
            .destination(bus)
            .ok()?
            .path(path)
            .ok()?
            .build()
            .await
            .ok()?;
        let iface = zbus::names::InterfaceName::try_from("org.kde.StatusNotifierItem").ok()?;
        proxy.get(iface, name).await.ok()
    }

    /// Whether docks were last told `unread` for the package's menu entry, shown when not 0.
    pub fn dock_count_is(&self, unread: i64) -> bool {
        *self.launcher.lock().unwrap()
            == Some(("application://Okno.desktop".to_owned(), unread, unread > 0))
    }

    /// Whether the tray item's icon is the one with `unread` on it (the shell's drawing, which
    /// its unit tests check), as the panel reads it.
    pub async fn tray_shows(&self, unread: i64) -> bool {
        let expected = okno_desktop::tray_badge::icon(unread).unwrap();
        self.tray_icon().await.is_some_and(|(w, h, px)| {
            (w, h) == (expected.width(), expected.height()) && px == expected.rgba()
        })
    }

    /// The tray item's icon as a panel draws it: the image file its `IconName` names (in its
    /// `IconThemePath`), decoded to RGBA: width, height, pixels.
    pub async fn tray_icon(&self) -> Option<(u32, u32, Vec<u8>)> {
        let name = String::try_from(self.tray_property("IconName").await?).ok()?;
        let theme = self
            .tray_property("IconThemePath")
            .await
            .and_then(|v| String::try_from(v).ok())
            .unwrap_or_default();
        let mut file = Path::new(&theme).join(&name);
        if file.extension().is_none() {
            file.set_extension("png");
        }
        let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&file).ok()?));
        let mut reader = decoder.read_info().ok()?;
        let mut buf = vec![0; reader.output_buffer_size()?];
        let info = reader.next_frame(&mut buf).ok()?;
        if info.color_type != png::ColorType::Rgba {
            return None;
        }
        buf.truncate(info.buffer_size());
        Some((info.width, info.height, buf))
    }

    /// The share of the tray icon's lower right quarter that is the badge's red.
    pub async fn tray_badge_red(&self) -> f64 {
        let Some((w, h, px)) = self.tray_icon().await else {
            return 0.0;
        };
        let quarter: Vec<&[u8]> = (h / 2..h)
            .flat_map(|y| (w / 2..w).map(move |x| ((y * w + x) * 4) as usize))
            .map(|at| &px[at..at + 4])
            .collect();
        let red = quarter
            .iter()
            .filter(|p| p[0] > 180 && p[1] < 110 && p[2] < 110 && p[3] > 200)
            .count();
        red as f64 / quarter.len().max(1) as f64
    }

    /// The labels of the tray item's menu, read over D-Bus as a panel reads them (the item's
    /// `Menu` property names a `com.canonical.dbusmenu` object; its layout holds the items).
    pub async fn tray_menu(&self) -> Vec<String> {
        let Some((_, _, items)) = self.tray_menu_items().await else {
            return vec![];
        };
        items.into_iter().map(|(_, label)| label).collect()
    }

    /// Clicks the tray menu's item labelled `label`, as a panel does (dbusmenu's `Event`).
    pub async fn tray_click(&self, label: &str) {
        let (bus, menu, items) = self.tray_menu_items().await.expect("a tray menu");
        let (id, _) = items
            .iter()
            .find(|(_, l)| l == label)
            .unwrap_or_else(|| panic!("no {label:?} in the tray menu: {items:?}"));
        self.notif_conn
            .call_method(
                Some(bus.as_str()),
                menu.as_str(),
                Some("com.canonical.dbusmenu"),
                "Event",
                &(*id, "clicked", zbus::zvariant::Value::from(0i32), 0u32),
            )
            .await
            .unwrap();
    }

    /// The tray item's bus name, its menu's object path, and the menu's items (id, label).
    async fn tray_menu_items(
        &self,
    ) -> Option<(String, zbus::zvariant::OwnedObjectPath, Vec<(i32, String)>)> {
        use zbus::zvariant::{OwnedObjectPath, OwnedValue, Structure};
        let (bus, _) = self.tray_items.lock().unwrap().last().cloned()?;
        let menu = OwnedObjectPath::try_from(self.tray_property("Menu").await?).unwrap();
        let reply = self
            .notif_conn
            .call_method(
                Some(bus.as_str()),
                menu.as_str(),
                Some("com.canonical.dbusmenu"),
                "GetLayout",
                &(0i32, -1i32, vec!["label"]),
            )
            .await
            .unwrap();
        type Layout = (
            i32,
            std::collections::HashMap<String, OwnedValue>,
            Vec<OwnedValue>,
        );
        let (_revision, (_, _, children)): (u32, Layout) = reply.body().deserialize().unwrap();
        let items = children
            .into_iter()
            .filter_map(|child| {
                let item = Structure::try_from(child).ok()?;
                let id = i32::try_from(item.fields().first()?).ok()?;
                let props: std::collections::HashMap<String, OwnedValue> =
                    item.fields().get(1)?.try_clone().ok()?.try_into().ok()?;
                let label = String::try_from(props.get("label")?.try_clone().ok()?).ok()?;
                Some((id, label))
            })
            .collect();
        Some((bus, menu, items))
    }

    /// The first notification shown with this title, if any yet.
    pub fn notification(&self, summary: &str) -> Option<Recorded> {
        self.notifications
            .lock()
            .unwrap()
            .iter()
            .find(|n| n.summary == summary)
            .cloned()
    }

    /// Emits `ActionInvoked(id, "default")`, as a notification server does when clicked.
    pub async fn click_notification(&self, id: u32) {
        let iface = self
            .notif_conn
            .object_server()
            .interface::<_, FakeNotifications>("/org/freedesktop/Notifications")
            .await
            .unwrap();
        FakeNotifications::action_invoked(iface.signal_emitter(), id, "default")
            .await
            .unwrap();
    }

    /// Switches the desktop's style as the settings portal reports it (0 no preference, 1 dark,
    /// 2 light) and emits `SettingChanged`.
    pub async fn set_color_scheme(&self, value: u32) {
        self.set_appearance("color-scheme", value).await;
    }

    /// Sets the desktop's contrast as its settings portal announces it (GNOME's High Contrast:
    /// 1; 0 no preference).
    pub async fn set_contrast(&self, value: u32) {
        self.set_appearance("contrast", value).await;
    }

    async fn set_appearance(&self, key: &str, value: u32) {
        let iface = self
            .portal_conn
            .object_server()
            .interface::<_, FakePortal>(PORTAL_PATH)
            .await
            .unwrap();
        iface
            .get()
            .await
            .slot(key)
            .expect("a key the fake portal knows")
            .store(value, std::sync::atomic::Ordering::SeqCst);
        FakePortal::setting_changed(
            iface.signal_emitter(),
            APPEARANCE,
            key,
            zbus::zvariant::Value::U32(value),
        )
        .await
        .unwrap();
    }

    /// The app's data directory (`OKNO_DATA_DIR`): its cache, token and downloaded files.
    pub fn data_dir(&self) -> PathBuf {
        self._data.path().join("app")
    }

    /// What the app had the desktop open with its default applications, in order: links as
    /// given, files as paths (a launcher may hand a file over as a `file://` URI).
    pub fn opened(&self) -> Vec<String> {
        std::fs::read_to_string(&self.opened)
            .unwrap_or_default()
            .lines()
            .map(|l| l.strip_prefix("file://").unwrap_or(l).to_owned())
            .collect()
    }

    /// Changes the desktop's interface font as a user does in the desktop's settings: the
    /// XSETTINGS manager announces it and GTK picks it up while the app runs.
    pub fn set_gtk_font(&self, font: &str) {
        self.announce(|x| x.font = font.into());
    }

    /// Turns the desktop's animations on or off as a user does (GNOME's accessibility settings,
    /// "Reduce animation"): the XSETTINGS manager announces `Gtk/EnableAnimations`.
    pub fn set_gtk_animations(&self, on: bool) {
        self.announce(|x| x.animations = on);
    }

    /// Sets the fonts' resolution in dots per inch as a desktop does for its text size (GNOME's
    /// "Large Text": 120).
    pub fn set_gtk_dpi(&self, dpi: u32) {
        self.announce(|x| x.dpi = dpi);
    }

    /// Changes what the XSETTINGS manager announces, and has it announce it.
    fn announce(&self, change: impl FnOnce(&mut XSettings)) {
        let conf = {
            let mut x = self.xsettings.lock().unwrap();
            change(&mut x);
            x.conf()
        };
        std::fs::write(&self.xsettings_conf, conf).unwrap();
        let status = Command::new("kill")
            .args(["-HUP", &self.xsettings_pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "xsettingsd is gone");
    }

    /// The longest transition of the first element matching `css`, in milliseconds, as the page
    /// computes it (`transition-duration`, a list of times in seconds).
    pub async fn transition_ms(&self, css: &str) -> f64 {
        let css = serde_json::to_string(css).unwrap();
        let v = self
            .js(&format!(
                "const el = document.querySelector({css}); \
                 if (!el) return -1; \
                 return Math.max(...getComputedStyle(el).transitionDuration \
                   .split(',').map((t) => parseFloat(t) * (t.trim().endsWith('ms') ? 1 : 1000)));"
            ))
            .await;
        v.as_f64().unwrap_or(-1.0)
    }

    /// The font family list the page's text is set in (the body's computed `font-family`).
    pub async fn font_family(&self) -> String {
        let v = self
            .js("return getComputedStyle(document.body).fontFamily")
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// The width of a probe text at 40px in the body's font (`None`) or in the given family
    /// alone: the same width as in a family shows that family is the one drawn.
    pub async fn text_width(&self, family: Option<&str>) -> f64 {
        let family = serde_json::to_string(&family).unwrap();
        let v = self
            .js(&format!(
                "const s = document.createElement('span'); \
                 s.textContent = 'Hamburgefonstiv 0123456789'; \
                 s.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap;font-size:40px'; \
                 const family = {family}; if (family) s.style.fontFamily = family; \
                 document.body.append(s); const w = s.getBoundingClientRect().width; s.remove(); \
                 return w;"
            ))
            .await;
        v.as_f64().unwrap_or_default()
    }

    /// The page's theme as drawn: `data-theme` on the root and the computed background of the
    /// lines list's side, e.g. ("dark", "rgb(26, 29, 34)").
    pub async fn theme(&self) -> (String, String) {
        let v = self
            .js(
                "const side = document.querySelector('aside') ?? document.body; \
                 return [document.documentElement.dataset.theme ?? '', \
                 getComputedStyle(side).backgroundColor];",
            )
            .await;
        (
            v[0].as_str().unwrap_or_default().to_owned(),
            v[1].as_str().unwrap_or_default().to_owned(),
        )
    }

    /// Waits until the page is drawn in the given theme ("dark" or "light"), checking the colour
    /// too: the dark side is #1a1d22, the light one white.
    pub async fn until_theme(&self, want: &str, secs: u64) {
        let colour = if want == "dark" {
            "rgb(26, 29, 34)"
        } else {
            "rgb(255, 255, 255)"
        };
        self.until(&format!("the page drawn {want}"), secs, || async move {
            self.theme().await == (want.to_owned(), colour.to_owned())
        })
        .await;
    }

    /// The product's name in the app's language: the window's title, after the unread count
    /// when there is one ("(3) Okno").
    pub fn title(&self) -> &'static str {
        let ru = self
            .env
            .iter()
            .any(|(k, v)| k == "LANG" && v.starts_with("ru"));
        if ru {
            "Окно"
        } else {
            "Okno"
        }
    }

    /// The app window's X id and geometry (x, y, w, h).
    pub fn window(&self) -> (String, i32, i32, i32, i32) {
        let name = self.title();
        let id = self
            .titled(false, |t| {
                t == name
                    || t.strip_suffix(name)
                        .and_then(|count| count.strip_prefix('('))
                        .and_then(|count| count.strip_suffix(") "))
                        .is_some_and(|n| n.parse::<u32>().is_ok())
            })
            .unwrap_or_default();
        let geo = Command::new("xdotool")
            .env("DISPLAY", &self.display)
            .args(["getwindowgeometry", "--shell", &id])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&geo.stdout).into_owned();
        let get = |k: &str| -> i32 {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (id, get("X"), get("Y"), get("WIDTH"), get("HEIGHT"))
    }

    /// The X id of a mapped window titled exactly `title` (a dialog the app opened). Compared
    /// here, not by `xdotool search --name`, which misses titles outside Latin-1.
    pub fn window_titled(&self, title: &str) -> Option<String> {
        self.titled(true, |t| t == title)
    }

    /// The app window's title now.
    pub fn window_title(&self) -> String {
        let (id, ..) = self.window();
        Command::new("xdotool")
            .env("DISPLAY", &self.display)
            .args(["getwindowname", &id])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim_end().to_owned())
            .unwrap_or_default()
    }

    /// The last window whose title passes `want`, mapped ones only or any.
    fn titled(&self, only_visible: bool, want: impl Fn(&str) -> bool) -> Option<String> {
        let xdotool = |args: &[&str]| -> String {
            Command::new("xdotool")
                .env("DISPLAY", &self.display)
                .args(args)
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default()
        };
        let search: &[&str] = if only_visible {
            &["search", "--onlyvisible", "--name", ""]
        } else {
            &["search", "--name", ""]
        };
        xdotool(search)
            .lines()
            .rev()
            .find(|id| want(xdotool(&["getwindowname", id]).trim_end()))
            .map(str::to_owned)
    }

    /// How many windows are mapped on the display (a popup menu is one more).
    pub fn visible_windows(&self) -> usize {
        let out = Command::new("xdotool")
            .env("DISPLAY", &self.display)
            .args(["search", "--onlyvisible", "--name", ""])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).lines().count()
    }

    pub fn xdotool(&self, args: &[&str]) {
        let ok = Command::new("xdotool")
            .env("DISPLAY", &self.display)
            .args(args)
            .status()
            .unwrap();
        assert!(ok.success(), "xdotool {args:?}");
    }
}

fn tauri_driver() -> PathBuf {
    if let Ok(p) = std::env::var("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let home = std::env::var("HOME").unwrap_or_default();
    let cargo_bin = PathBuf::from(home).join(".cargo/bin/tauri-driver");
    if cargo_bin.exists() {
        cargo_bin
    } else {
        PathBuf::from("tauri-driver")
    }
}

pub fn wait_until(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check() {
        assert!(Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A real drag from a GTK window (like a file manager) onto a point of the app's window.
pub struct DragSource {
    child: Child,
}

/// Starts one of the tests' GTK helpers (a Python script beside this file) on the app's display
/// and bus, and waits for its "ready" line.
fn gtk_helper(desktop: &Desktop, script: &str, args: &[&std::ffi::OsStr]) -> Child {
    use std::io::BufRead;
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/desktop")
        .join(script);
    let mut child = spawn_group(
        Command::new("/usr/bin/python3")
            .arg(&script)
            .args(args)
            .env("DISPLAY", &desktop.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &desktop.bus)
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let out = child.stdout.take().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(out).read_line(&mut line).unwrap();
    assert!(
        line.starts_with("ready"),
        "{} did not start: {line:?}",
        script.display()
    );
    child
}

impl DragSource {
    pub fn start(desktop: &Desktop, x: i32, y: i32, files: &[&Path]) -> Self {
        let (x, y) = (x.to_string(), y.to_string());
        let mut args = vec![std::ffi::OsStr::new(&x), std::ffi::OsStr::new(&y)];
        args.extend(files.iter().map(|f| f.as_os_str()));
        Self {
            child: gtk_helper(desktop, "drag_source.py", &args),
        }
    }
}

/// Another app holding the X clipboard, as after "Copy" there (`clipboard_owner.py`): an
/// image, or files as a file manager copies them. Serves it while it lives.
pub struct ClipboardOwner {
    child: Child,
}

impl ClipboardOwner {
    pub fn image(desktop: &Desktop, png: &Path) -> Self {
        Self {
            child: gtk_helper(
                desktop,
                "clipboard_owner.py",
                &["image".as_ref(), png.as_os_str()],
            ),
        }
    }

    pub fn files(desktop: &Desktop, files: &[&Path]) -> Self {
        let mut args = vec![std::ffi::OsStr::new("files")];
        args.extend(files.iter().map(|f| f.as_os_str()));
        Self {
            child: gtk_helper(desktop, "clipboard_owner.py", &args),
        }
    }
}

impl Drop for ClipboardOwner {
    fn drop(&mut self) {
        kill_group(&mut self.child);
    }
}

impl Drop for DragSource {
    fn drop(&mut self) {
        kill_group(&mut self.child);
    }
}

/// Asserts that `desktop-file-validate` finds nothing to say about a desktop entry.
pub fn assert_valid_desktop_entry(path: &Path) {
    let out = Command::new("desktop-file-validate")
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "{} is not a valid desktop entry: {}",
        path.display(),
        String::from_utf8_lossy(&out.stdout)
    );
}
