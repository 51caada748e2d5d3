//! `okno-load`: an open-loop load driver for `okno-server` (loopback targets only).
//!
//! Setup (not measured): signs in the company admin, creates a line, registers and signs in
//! `--clients` users with bounded parallelism and connects each to the line, then opens one
//! WebSocket per user (and, with `--staff-watch`, one for the specialist and one for the admin).
//!
//! Load: every client sends `rate / clients` messages per second on its own schedule with a
//! random phase, whether or not earlier sends were answered (open loop). The scheduled time goes
//! into the message text (`load PREFIX t=MICROS k=N`), so each recipient measures
//! schedule → arrival without shared state and without coordinated omission.
//!
//! Figures: ack latency (schedule → `sent`, i.e. durably committed), delivery latency at each
//! recipient (schedule → `message_created` event), counts, and the loss/duplicate check: every
//! acknowledged message must reach the sender's own stream and every watched staff stream exactly
//! once. Exits 1 when anything was lost or doubled.

use anyhow::{bail, ensure, Context, Result};
use clap::Parser;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use okno_proto::{ChatId, Connection, Line, LoginResponse};
use serde::Deserialize;
use serde_json::json;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{header::AUTHORIZATION, HeaderValue};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

#[derive(Debug, Parser)]
#[command(
    name = "okno-load",
    about = "Open-loop WebSocket load driver for okno-server (loopback targets only)"
)]
struct Args {
    /// The server's base URL; only loopback hosts are accepted.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Connected users, each with its own chat and WebSocket.
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// Messages per second across all clients.
    #[arg(long, default_value_t = 5000.0)]
    rate: f64,
    /// Seconds of the steady measurement window.
    #[arg(long, default_value_t = 30.0)]
    duration: f64,
    /// Seconds of load before the window (not measured).
    #[arg(long, default_value_t = 5.0)]
    warmup: f64,
    /// Seconds to wait, after sending stops, for outstanding acks and deliveries.
    #[arg(long, default_value_t = 10.0)]
    drain: f64,
    /// Also watch the specialist's and the admin's streams, which receive every message.
    #[arg(long)]
    staff_watch: bool,
    /// Login prefix of the load users (default: `load` + the Unix time), so reruns against the
    /// same data directory do not collide.
    #[arg(long)]
    prefix: Option<String>,
    /// Also print the summary as one JSON line (last line of the output).
    #[arg(long)]
    json: bool,
    /// The company whose line the load users are connected to.
    #[arg(long, default_value_t = 1)]
    company: i64,
    /// The company admin (creates the line and the connections; watched with --staff-watch).
    #[arg(long, default_value = "admin")]
    admin_login: String,
    /// The company specialist watched with --staff-watch.
    #[arg(long, default_value = "specialist")]
    specialist_login: String,
    /// Password of the admin and the specialist.
    #[arg(long, default_value = "okno-demo")]
    staff_password: String,
    /// Concurrent register/login requests during setup (argon2 is deliberately slow).
    #[arg(long, default_value_t = 8)]
    setup_parallelism: usize,
    /// The p99 delivery latency goal, in milliseconds, for the verdict line.
    #[arg(long, default_value_t = 20.0)]
    goal_p99_ms: f64,
    /// The acknowledged messages per second goal for the verdict line (default: --rate).
    #[arg(long)]
    goal_rate: Option<f64>,
    /// Also report this process's CPU use over the window (the server's pid).
    #[arg(long)]
    server_pid: Option<u32>,
}

const USER_PASSWORD: &str = "okno-load-password";

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Microseconds since the driver's epoch.
fn micros_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
}

fn new_hist() -> Result<Histogram<u64>> {
    Histogram::new_with_bounds(1, 600_000_000, 3).context("creating a histogram")
}

/// Latency histograms (microseconds), recorded only for messages scheduled in the window.
struct Hists {
    ack: Histogram<u64>,
    own: Histogram<u64>,
    staff: Vec<Histogram<u64>>,
    all_delivery: Histogram<u64>,
    send_lag: Histogram<u64>,
}

struct Shared {
    epoch: Instant,
    prefix: String,
    window_start: u64,
    window_end: u64,
    hists: Mutex<Hists>,
    scheduled_in_window: AtomicU64,
    sent: AtomicU64,
    send_failures: AtomicU64,
    senders_done: AtomicU64,
    acked: AtomicU64,
    acked_in_window: AtomicU64,
    errors: AtomicU64,
    error_codes: Mutex<BTreeMap<String, u64>>,
    resets: AtomicU64,
    disconnects: AtomicU64,
    own_delivered: AtomicU64,
    staff_delivered: Vec<AtomicU64>,
}

impl Shared {
    fn in_window(&self, t: u64) -> bool {
        t >= self.window_start && t < self.window_end
    }

    fn record(&self, f: impl FnOnce(&mut Hists)) {
        if let Ok(mut h) = self.hists.lock() {
            f(&mut h);
        }
    }

    fn count_error(&self, code: &str) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut codes) = self.error_codes.lock() {
            *codes.entry(code.to_owned()).or_default() += 1;
        }
    }
}

// ---- Frames, parsed lightly (only what the driver needs). ----

#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type", borrow)]
    ty: Cow<'a, str>,
    #[serde(default)]
    client_msg_id: Option<Uuid>,
    #[serde(default, borrow)]
    event: Option<EventFrame<'a>>,
    #[serde(default)]
    code: Option<String>,
    /// A message object for `sent`, a string for `error`.
    #[serde(default)]
    message: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct EventFrame<'a> {
    #[serde(borrow)]
    body: Body<'a>,
}

#[derive(Deserialize)]
struct Body<'a> {
    #[serde(rename = "type", borrow)]
    ty: Cow<'a, str>,
    #[serde(default, borrow)]
    message: Option<Msg<'a>>,
}

#[derive(Deserialize)]
struct Msg<'a> {
    #[serde(default)]
    client_msg_id: Option<Uuid>,
    #[serde(default, borrow)]
    text: Cow<'a, str>,
}

/// The scheduled time of one of this run's load messages, from its text.
fn scheduled_of(text: &str, prefix: &str) -> Option<u64> {
    let rest = text.strip_prefix("load ")?;
    let (p, rest) = rest.split_once(' ')?;
    if p != prefix {
        return None;
    }
    rest.strip_prefix("t=")?.split(' ').next()?.parse().ok()
}

/// One of this run's load messages in a `message_created` event: (client_msg_id, scheduled).
fn load_message(frame: &Frame<'_>, prefix: &str) -> Option<(Uuid, u64)> {
    let body = &frame.event.as_ref()?.body;
    if body.ty != "message_created" {
        return None;
    }
    let m = body.message.as_ref()?;
    Some((m.client_msg_id?, scheduled_of(&m.text, prefix)?))
}

// ---- HTTP setup. ----

struct Http {
    client: reqwest::Client,
    base: String,
}

impl Http {
    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> Result<(u16, String)> {
        let mut req = self.client.post(format!("{}{path}", self.base)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.with_context(|| format!("POST {path}"))?;
        let status = resp.status().as_u16();
        let text = resp
            .text()
            .await
            .with_context(|| format!("reading the answer to POST {path}"))?;
        Ok((status, text))
    }

    async fn post_ok<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> Result<T> {
        let (status, text) = self.post(path, token, body).await?;
        ensure!(
            (200..300).contains(&status),
            "POST {path}: HTTP {status}: {text}"
        );
        serde_json::from_str(&text).with_context(|| format!("decoding the answer to POST {path}"))
    }

    async fn login(&self, login: &str, password: &str) -> Result<LoginResponse> {
        self.post_ok(
            "/api/v1/auth/login",
            None,
            &json!({"login": login, "password": password, "device_name": "okno-load"}),
        )
        .await
        .with_context(|| format!("signing in {login}"))
    }
}

struct ClientSetup {
    token: String,
    chat: ChatId,
}

async fn setup_user(
    http: &Http,
    admin_token: &str,
    company: i64,
    line: &Line,
    login: &str,
) -> Result<ClientSetup> {
    let (status, text) = http
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"login": login, "password": USER_PASSWORD, "display_name": login}),
        )
        .await?;
    // 409: registered by an earlier run with the same prefix; sign in all the same.
    ensure!(
        status == 201 || status == 409,
        "registering {login}: HTTP {status}: {text}"
    );
    let session = http.login(login, USER_PASSWORD).await?;
    let conn: Connection = http
        .post_ok(
            &format!("/api/v1/companies/{company}/connections"),
            Some(admin_token),
            &json!({"line_id": line.id, "login": login}),
        )
        .await
        .with_context(|| format!("connecting {login} to the line"))?;
    let chat = conn
        .chat_id
        .with_context(|| format!("the connection of {login} has no chat"))?;
    Ok(ClientSetup {
        token: session.token,
        chat,
    })
}

async fn connect_ws(ws_base: &str, token: &str) -> Result<Ws> {
    let mut req = format!("{ws_base}/api/v1/ws")
        .into_client_request()
        .context("building the WebSocket request")?;
    req.headers_mut().insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).context("token header")?,
    );
    let (ws, _) = tokio::time::timeout(
        Duration::from_secs(20),
        tokio_tungstenite::connect_async_with_config(
            req,
            // A small read buffer, as the server's (tungstenite zero-fills it before each read).
            Some(
                tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
                    .read_buffer_size(okno_server::sync::WS_READ_BUFFER),
            ),
            true,
        ),
    )
    .await
    .context("WebSocket connect timed out")?
    .context("WebSocket connect")?;
    Ok(ws)
}

/// The host of `url` must be loopback: this driver never loads anything else.
fn check_loopback(url: &reqwest::Url) -> Result<()> {
    let host = url.host_str().context("the URL has no host")?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ok = host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    ensure!(ok, "only loopback targets are allowed, not {host}");
    ensure!(url.scheme() == "http", "use an http:// URL");
    Ok(())
}

// ---- The load. ----

struct Reader {
    /// Which staff stream, for a staff reader.
    staff_index: Option<usize>,
    acked: HashSet<Uuid>,
    delivered: HashSet<Uuid>,
    duplicates: u64,
    duplicate_acks: u64,
}

/// Which stream a reader watches.
#[derive(Clone, Copy)]
enum Watch {
    Own,
    Staff(usize),
}

async fn read_stream(
    mut stream: SplitStream<Ws>,
    shared: Arc<Shared>,
    watch: Watch,
    mut stop: watch::Receiver<bool>,
) -> Reader {
    let mut r = Reader {
        staff_index: match watch {
            Watch::Own => None,
            Watch::Staff(i) => Some(i),
        },
        acked: HashSet::new(),
        delivered: HashSet::new(),
        duplicates: 0,
        duplicate_acks: 0,
    };
    loop {
        let next = tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            m = stream.next() => m,
        };
        let text = match next {
            Some(Ok(WsMessage::Text(t))) => t,
            Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => {
                // Closing after the stop (our own close, answered) is no disconnect.
                if !*stop.borrow() {
                    shared.disconnects.fetch_add(1, Ordering::Relaxed);
                }
                break;
            }
            Some(Ok(_)) => continue,
        };
        let now = micros_since(shared.epoch);
        let Ok(frame) = serde_json::from_str::<Frame<'_>>(text.as_str()) else {
            shared.count_error("undecodable_frame");
            continue;
        };
        match frame.ty.as_ref() {
            "sent" => {
                let Some(id) = frame.client_msg_id else {
                    continue;
                };
                if !r.acked.insert(id) {
                    r.duplicate_acks += 1;
                    continue;
                }
                shared.acked.fetch_add(1, Ordering::Relaxed);
                if shared.in_window(now) {
                    shared.acked_in_window.fetch_add(1, Ordering::Relaxed);
                }
                let sched = frame
                    .message
                    .as_ref()
                    .and_then(|m| m.get("text"))
                    .and_then(|t| t.as_str())
                    .and_then(|t| scheduled_of(t, &shared.prefix));
                if let Some(t) = sched.filter(|t| shared.in_window(*t)) {
                    shared.record(|h| {
                        h.ack.saturating_record(now.saturating_sub(t).max(1));
                    });
                }
            }
            "error" => shared.count_error(frame.code.as_deref().unwrap_or("unknown")),
            "reset" => {
                shared.resets.fetch_add(1, Ordering::Relaxed);
            }
            "event" => {
                let Some((id, t)) = load_message(&frame, &shared.prefix) else {
                    continue;
                };
                if !r.delivered.insert(id) {
                    r.duplicates += 1;
                    continue;
                }
                match watch {
                    Watch::Own => shared.own_delivered.fetch_add(1, Ordering::Relaxed),
                    Watch::Staff(i) => match shared.staff_delivered.get(i) {
                        Some(c) => c.fetch_add(1, Ordering::Relaxed),
                        None => 0,
                    },
                };
                if shared.in_window(t) {
                    let lat = now.saturating_sub(t).max(1);
                    shared.record(|h| {
                        h.all_delivery.saturating_record(lat);
                        match watch {
                            Watch::Own => h.own.saturating_record(lat),
                            Watch::Staff(i) => {
                                if let Some(s) = h.staff.get_mut(i) {
                                    s.saturating_record(lat);
                                }
                            }
                        }
                    });
                }
            }
            _ => {}
        }
    }
    r
}

async fn send_schedule(
    mut sink: SplitSink<Ws, WsMessage>,
    shared: Arc<Shared>,
    chat: ChatId,
    phase_us: u64,
    interval_us: f64,
    mut stop: watch::Receiver<bool>,
) {
    let mut k: u64 = 0;
    loop {
        let sched = phase_us + (k as f64 * interval_us) as u64;
        if sched >= shared.window_end {
            break;
        }
        tokio::time::sleep_until((shared.epoch + Duration::from_micros(sched)).into()).await;
        let id = Uuid::new_v4();
        let frame = format!(
            r#"{{"type":"send","chat_id":{},"client_msg_id":"{id}","text":"load {} t={sched} k={k}"}}"#,
            chat.0, shared.prefix
        );
        let in_window = shared.in_window(sched);
        if in_window {
            shared.scheduled_in_window.fetch_add(1, Ordering::Relaxed);
        }
        if sink.send(WsMessage::Text(frame.into())).await.is_err() {
            shared.send_failures.fetch_add(1, Ordering::Relaxed);
            break;
        }
        shared.sent.fetch_add(1, Ordering::Relaxed);
        if in_window {
            let lag = micros_since(shared.epoch).saturating_sub(sched).max(1);
            shared.record(|h| h.send_lag.saturating_record(lag));
        }
        k += 1;
    }
    shared.senders_done.fetch_add(1, Ordering::Relaxed);
    let _ = stop.wait_for(|s| *s).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(WsMessage::Close(None))).await;
}

/// (user + system) CPU seconds of a process, from /proc (Linux; 100 ticks a second).
fn cpu_seconds(pid: Option<u32>) -> Option<f64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    let stat = std::fs::read_to_string(path).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Seconds a thread of a process, found by its name (`okno-writer`), has run on a CPU and has
/// waited for one, from its schedstat (nanoseconds, unlike the tick-based /proc stat).
fn thread_sched_seconds(pid: Option<u32>, name: &str) -> Option<(f64, f64)> {
    let pid = pid?;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
    {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim_end() == name {
            let stat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
            let mut f = stat.split_whitespace();
            let run: f64 = f.next()?.parse().ok()?;
            let wait: f64 = f.next()?.parse().ok()?;
            return Some((run / 1e9, wait / 1e9));
        }
    }
    None
}

/// Busy CPU seconds of the whole machine (all cores), from /proc/stat.
fn machine_busy_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<f64> = cpu
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal …: busy = all but idle and iowait.
    let total: f64 = v.iter().take(8).sum();
    let idle = v.get(3)? + v.get(4)?;
    Some((total - idle) / 100.0)
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn hist_json(h: &Histogram<u64>) -> serde_json::Value {
    json!({
        "count": h.len(),
        "p50_ms": ms(h.value_at_quantile(0.50)),
        "p90_ms": ms(h.value_at_quantile(0.90)),
        "p99_ms": ms(h.value_at_quantile(0.99)),
        "p999_ms": ms(h.value_at_quantile(0.999)),
        "max_ms": ms(h.max()),
    })
}

fn hist_line(name: &str, h: &Histogram<u64>) -> String {
    if h.is_empty() {
        return format!("  {name:<24} {:>9}", 0);
    }
    format!(
        "  {name:<24} {:>9} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>9.2}",
        h.len(),
        ms(h.value_at_quantile(0.50)),
        ms(h.value_at_quantile(0.90)),
        ms(h.value_at_quantile(0.99)),
        ms(h.value_at_quantile(0.999)),
        ms(h.max()),
    )
}

fn secs(s: f64, what: &str, max: f64) -> Result<Duration> {
    ensure!(
        s.is_finite() && s >= 0.0 && s <= max,
        "{what} must be 0 to {max} seconds"
    );
    Ok(Duration::from_secs_f64(s))
}

#[tokio::main]
async fn main() -> Result<ExitCode> {
    let args = Args::parse();
    ensure!(
        (1..=20_000).contains(&args.clients),
        "--clients must be 1 to 20000"
    );
    ensure!(
        args.rate.is_finite() && args.rate > 0.0 && args.rate <= 200_000.0,
        "--rate must be above 0 and at most 200000"
    );
    ensure!(args.duration >= 1.0, "--duration must be at least 1 s");
    let duration = secs(args.duration, "--duration", 3600.0)?;
    let warmup = secs(args.warmup, "--warmup", 600.0)?;
    let drain = secs(args.drain, "--drain", 300.0)?;
    ensure!(
        (1..=64).contains(&args.setup_parallelism),
        "--setup-parallelism must be 1 to 64"
    );
    let prefix = match &args.prefix {
        Some(p) => p.to_lowercase(),
        None => format!(
            "load{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        ),
    };
    ensure!(
        (1..=40).contains(&prefix.len())
            && prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')),
        "--prefix must be 1 to 40 characters: letters, digits, . _ -"
    );
    let url = reqwest::Url::parse(&args.url).context("--url")?;
    check_loopback(&url)?;
    let base = args.url.trim_end_matches('/').to_owned();
    let ws_base = format!("ws{}", base.trim_start_matches("http"));

    let http = Arc::new(Http {
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .context("building the HTTP client")?,
        base: base.clone(),
    });
    let health = http
        .client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .context("GET /healthz")?
        .text()
        .await
        .context("GET /healthz")?;
    ensure!(health.trim() == "ok", "the server is not healthy: {health}");

    // ---- Setup. ----
    let setup_started = Instant::now();
    let admin = http.login(&args.admin_login, &args.staff_password).await?;
    let line: Line = http
        .post_ok(
            &format!("/api/v1/companies/{}/lines", args.company),
            Some(&admin.token),
            &json!({"name": format!("Load line {prefix}")}),
        )
        .await
        .context("creating the load line")?;
    eprintln!(
        "okno-load: line {} created; setting up {} users ({prefix}-N) with {} in parallel…",
        line.id, args.clients, args.setup_parallelism
    );
    let line = Arc::new(line);
    let admin_token: Arc<str> = admin.token.clone().into();
    let gate = Arc::new(Semaphore::new(args.setup_parallelism));
    let mut set = JoinSet::new();
    for i in 0..args.clients {
        let (http, gate, line, admin_token) = (
            http.clone(),
            gate.clone(),
            line.clone(),
            admin_token.clone(),
        );
        let login = format!("{prefix}-{i}");
        let company = args.company;
        set.spawn(async move {
            let _permit = gate.acquire_owned().await.context("setup gate")?;
            let c = setup_user(&http, &admin_token, company, &line, &login).await?;
            Ok::<_, anyhow::Error>((i, c))
        });
    }
    let mut setups: Vec<Option<ClientSetup>> = (0..args.clients).map(|_| None).collect();
    let mut done = 0;
    while let Some(joined) = set.join_next().await {
        let (i, c) = joined.context("setup task")??;
        if let Some(slot) = setups.get_mut(i) {
            *slot = Some(c);
        }
        done += 1;
        if done % 200 == 0 {
            eprintln!("okno-load: {done} users ready");
        }
    }
    let setups: Vec<ClientSetup> = setups.into_iter().flatten().collect();
    ensure!(setups.len() == args.clients, "some users were not set up");

    let mut staff_names: Vec<String> = Vec::new();
    let mut staff_ws: Vec<Ws> = Vec::new();
    if args.staff_watch {
        let specialist = http
            .login(&args.specialist_login, &args.staff_password)
            .await?;
        for (name, token) in [
            (args.specialist_login.clone(), specialist.token),
            (args.admin_login.clone(), admin.token.clone()),
        ] {
            staff_ws.push(connect_ws(&ws_base, &token).await?);
            staff_names.push(name);
        }
    }
    let gate = Arc::new(Semaphore::new(32));
    let mut set = JoinSet::new();
    for (i, c) in setups.iter().enumerate() {
        let (gate, ws_base, token) = (gate.clone(), ws_base.clone(), c.token.clone());
        set.spawn(async move {
            let _permit = gate.acquire_owned().await.context("connect gate")?;
            Ok::<_, anyhow::Error>((i, connect_ws(&ws_base, &token).await?))
        });
    }
    let mut sockets: Vec<Option<Ws>> = (0..args.clients).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        let (i, ws) = joined.context("connect task")??;
        if let Some(slot) = sockets.get_mut(i) {
            *slot = Some(ws);
        }
    }
    let sockets: Vec<Ws> = sockets.into_iter().flatten().collect();
    ensure!(
        sockets.len() == args.clients,
        "some WebSockets did not connect"
    );
    let setup_secs = setup_started.elapsed().as_secs_f64();
    eprintln!(
        "okno-load: setup done in {setup_secs:.1} s; {} client WebSockets{}; load for {:.0} s warm-up + {:.0} s window…",
        sockets.len(),
        if args.staff_watch { " + 2 staff" } else { "" },
        warmup.as_secs_f64(),
        duration.as_secs_f64()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;

    // ---- Load. ----
    let window_start = u64::try_from(warmup.as_micros()).context("warm-up")?;
    let window_end = window_start + u64::try_from(duration.as_micros()).context("duration")?;
    let shared = Arc::new(Shared {
        epoch: Instant::now(),
        prefix: prefix.clone(),
        window_start,
        window_end,
        hists: Mutex::new(Hists {
            ack: new_hist()?,
            own: new_hist()?,
            staff: staff_names
                .iter()
                .map(|_| new_hist())
                .collect::<Result<_>>()?,
            all_delivery: new_hist()?,
            send_lag: new_hist()?,
        }),
        scheduled_in_window: AtomicU64::new(0),
        sent: AtomicU64::new(0),
        send_failures: AtomicU64::new(0),
        senders_done: AtomicU64::new(0),
        acked: AtomicU64::new(0),
        acked_in_window: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        error_codes: Mutex::new(BTreeMap::new()),
        resets: AtomicU64::new(0),
        disconnects: AtomicU64::new(0),
        own_delivered: AtomicU64::new(0),
        staff_delivered: staff_names.iter().map(|_| AtomicU64::new(0)).collect(),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let interval_us = 1e6 * args.clients as f64 / args.rate;

    let mut staff_readers = JoinSet::new();
    let mut staff_sinks = Vec::new();
    for (i, ws) in staff_ws.into_iter().enumerate() {
        let (sink, stream) = ws.split();
        staff_sinks.push(sink);
        staff_readers.spawn(read_stream(
            stream,
            shared.clone(),
            Watch::Staff(i),
            stop_rx.clone(),
        ));
    }
    let mut readers = JoinSet::new();
    let mut senders = JoinSet::new();
    for (ws, c) in sockets.into_iter().zip(&setups) {
        let (sink, stream) = ws.split();
        readers.spawn(read_stream(
            stream,
            shared.clone(),
            Watch::Own,
            stop_rx.clone(),
        ));
        let phase = (Uuid::new_v4().as_u128() % (interval_us.max(1.0) as u128)) as u64;
        senders.spawn(send_schedule(
            sink,
            shared.clone(),
            c.chat,
            phase,
            interval_us,
            stop_rx.clone(),
        ));
    }

    // CPU use over the window.
    let cpu_pid = args.server_pid;
    let cpu_shared = shared.clone();
    let cpu = tokio::spawn(async move {
        let at = |t: u64| cpu_shared.epoch + Duration::from_micros(t);
        tokio::time::sleep_until(at(cpu_shared.window_start).into()).await;
        let a = (
            cpu_seconds(None),
            cpu_pid.and_then(|p| cpu_seconds(Some(p))),
            machine_busy_seconds(),
            thread_sched_seconds(cpu_pid, "okno-writer"),
        );
        tokio::time::sleep_until(at(cpu_shared.window_end).into()).await;
        let b = (
            cpu_seconds(None),
            cpu_pid.and_then(|p| cpu_seconds(Some(p))),
            machine_busy_seconds(),
            thread_sched_seconds(cpu_pid, "okno-writer"),
        );
        let w = (cpu_shared.window_end - cpu_shared.window_start) as f64 / 1e6;
        let pct = |x: Option<f64>, y: Option<f64>| Some(100.0 * (y? - x?) / w);
        (
            pct(a.0, b.0),
            pct(a.1, b.1),
            pct(a.2, b.2),
            pct(a.3.map(|x| x.0), b.3.map(|x| x.0)),
            pct(a.3.map(|x| x.1), b.3.map(|x| x.1)),
        )
    });

    // Progress once a second until the window ends, then drain.
    let end_at = shared.epoch + Duration::from_micros(window_end);
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    tick.tick().await;
    while Instant::now() < end_at {
        tokio::select! {
            _ = tick.tick() => {
                eprintln!(
                    "okno-load: t={:>4.0}s sent {} acked {} errors {} own-delivered {}",
                    shared.epoch.elapsed().as_secs_f64(),
                    shared.sent.load(Ordering::Relaxed),
                    shared.acked.load(Ordering::Relaxed),
                    shared.errors.load(Ordering::Relaxed),
                    shared.own_delivered.load(Ordering::Relaxed),
                );
            }
            _ = tokio::time::sleep_until(end_at.into()) => {}
        }
    }
    let drain_deadline = Instant::now() + drain;
    let clients = args.clients as u64;
    let mut drained = false;
    while Instant::now() < drain_deadline {
        let sent = shared.sent.load(Ordering::Relaxed);
        let acked = shared.acked.load(Ordering::Relaxed);
        let answered = acked + shared.errors.load(Ordering::Relaxed);
        let done = shared.senders_done.load(Ordering::Relaxed) == clients
            && answered >= sent
            && shared.own_delivered.load(Ordering::Relaxed) >= acked
            && shared
                .staff_delivered
                .iter()
                .all(|d| d.load(Ordering::Relaxed) >= acked);
        if done {
            drained = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A moment more, so a late duplicate would still be seen.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let drain_secs = (Instant::now() - end_at).as_secs_f64();
    let _ = stop_tx.send(true);

    let mut own = Vec::new();
    while let Some(r) = readers.join_next().await {
        own.push(r.context("reader task")?);
    }
    let mut staff = Vec::new();
    while let Some(r) = staff_readers.join_next().await {
        staff.push(r.context("staff reader task")?);
    }
    while let Some(r) = senders.join_next().await {
        r.context("sender task")?;
    }
    for mut sink in staff_sinks {
        let _ =
            tokio::time::timeout(Duration::from_secs(1), sink.send(WsMessage::Close(None))).await;
    }
    let (cpu_driver, cpu_server, cpu_machine, cpu_writer, writer_waiting) =
        cpu.await.unwrap_or((None, None, None, None, None));
    // What neither the driver nor the server used: other processes (a build, say) skew the run.
    let cpu_others = match (cpu_machine, cpu_driver) {
        (Some(m), Some(d)) => Some((m - d - cpu_server.unwrap_or(0.0)).max(0.0)),
        _ => None,
    };

    // ---- The check: every acknowledged message reached each expected stream, once. ----
    let mut all_acked: HashSet<Uuid> = HashSet::new();
    let (mut own_lost, mut own_dup, mut own_unacked, mut dup_acks) = (0u64, 0u64, 0u64, 0u64);
    for r in &own {
        own_lost += r.acked.difference(&r.delivered).count() as u64;
        own_unacked += r.delivered.difference(&r.acked).count() as u64;
        own_dup += r.duplicates;
        dup_acks += r.duplicate_acks;
        all_acked.extend(r.acked.iter().copied());
    }
    // Staff readers finish in any order: put them back in the order of `staff_names`.
    staff.sort_by_key(|r| r.staff_index);
    let staff_checks: Vec<(u64, u64, u64)> = staff
        .iter()
        .map(|r| {
            (
                all_acked.difference(&r.delivered).count() as u64,
                r.duplicates,
                r.delivered.difference(&all_acked).count() as u64,
            )
        })
        .collect();
    let staff_lost: u64 = staff_checks.iter().map(|c| c.0).sum();
    let staff_dup: u64 = staff_checks.iter().map(|c| c.1).sum();

    let hists = match shared.hists.lock() {
        Ok(h) => h,
        Err(_) => bail!("histograms poisoned"),
    };
    let window_s = duration.as_secs_f64();
    let acked_in_window = shared.acked_in_window.load(Ordering::Relaxed);
    let throughput = acked_in_window as f64 / window_s;
    let goal_rate = args.goal_rate.unwrap_or(args.rate);
    let delivery_p99 = ms(hists.all_delivery.value_at_quantile(0.99));
    let error_codes = shared
        .error_codes
        .lock()
        .map(|c| c.clone())
        .unwrap_or_default();
    let lost = own_lost + staff_lost;
    let doubled = own_dup + staff_dup + dup_acks;
    let scheduled_in_window = shared.scheduled_in_window.load(Ordering::Relaxed);
    let throughput_met = throughput >= goal_rate * 0.99
        && hists.ack.len() >= scheduled_in_window
        && hists.ack.value_at_quantile(0.99) < 1_000_000;
    let latency_met = !hists.all_delivery.is_empty() && delivery_p99 <= args.goal_p99_ms;

    println!(
        "okno-load: {} clients, target {:.0} msg/s ({:.2} per client), window {:.0} s after {:.0} s warm-up, staff-watch {}",
        args.clients,
        args.rate,
        args.rate / args.clients as f64,
        window_s,
        warmup.as_secs_f64(),
        if args.staff_watch { "on" } else { "off" }
    );
    println!(
        "throughput: {throughput:.1} durably acknowledged msg/s in the window ({acked_in_window} acks; {scheduled_in_window} sends scheduled in it)"
    );
    println!(
        "latency from the scheduled send, ms: {:>9} {:>8} {:>8} {:>8} {:>8} {:>9}",
        "count", "p50", "p90", "p99", "p99.9", "max"
    );
    println!("{}", hist_line("ack (sent, durable)", &hists.ack));
    println!("{}", hist_line("delivery: own stream", &hists.own));
    for (name, h) in staff_names.iter().zip(&hists.staff) {
        println!("{}", hist_line(&format!("delivery: {name}"), h));
    }
    println!(
        "{}",
        hist_line("delivery: all streams", &hists.all_delivery)
    );
    println!("{}", hist_line("send lag (driver)", &hists.send_lag));
    println!(
        "counts: sent {} (send failures {}), acked {}, errors {} {:?}, resets {}, disconnects {}",
        shared.sent.load(Ordering::Relaxed),
        shared.send_failures.load(Ordering::Relaxed),
        shared.acked.load(Ordering::Relaxed),
        shared.errors.load(Ordering::Relaxed),
        error_codes,
        shared.resets.load(Ordering::Relaxed),
        shared.disconnects.load(Ordering::Relaxed),
    );
    println!(
        "check: own streams: delivered {}, lost {own_lost}, doubled {own_dup}, delivered-unacked {own_unacked}; duplicate acks {dup_acks}",
        shared.own_delivered.load(Ordering::Relaxed)
    );
    for (i, name) in staff_names.iter().enumerate() {
        let delivered = shared
            .staff_delivered
            .get(i)
            .map_or(0, |d| d.load(Ordering::Relaxed));
        let (lost, dup, unacked) = staff_checks.get(i).copied().unwrap_or_default();
        println!(
            "check: {name}'s stream: delivered {delivered} of {} acked, lost {lost}, doubled {dup}, delivered-unacked {unacked}",
            all_acked.len()
        );
    }
    println!(
        "check: drained in {drain_secs:.1} s after sending stopped{}",
        if drained {
            ""
        } else {
            " (drain timed out: the server fell behind; 'lost' includes messages still in flight)"
        }
    );
    let pct = |p: Option<f64>| p.map_or("n/a".to_owned(), |p| format!("{p:.0}%"));
    println!(
        "cpu over the window (100% = one core): driver {}, server {}, whole machine {}, others {}{}",
        pct(cpu_driver),
        pct(cpu_server),
        pct(cpu_machine),
        pct(cpu_others),
        if cpu_others.is_some_and(|o| o > 15.0) && cpu_server.is_some() {
            " (WARNING: other processes were busy; the figures are skewed)"
        } else {
            ""
        }
    );
    // The writer thread's own CPU per acknowledged message: independent of how busy the
    // machine was, unlike the throughput.
    let writer_us_per_msg = cpu_writer
        .filter(|_| acked_in_window > 0)
        .map(|w| w / 100.0 * window_s * 1e6 / acked_in_window as f64);
    println!(
        "writer thread: on a CPU {} of the window, waiting for one {}; {} CPU per acked message",
        pct(cpu_writer),
        pct(writer_waiting),
        writer_us_per_msg.map_or("n/a".to_owned(), |u| format!("{u:.0} µs")),
    );
    println!(
        "goals: >= {goal_rate:.0} acked msg/s: {} ({throughput:.1}); p99 delivery <= {} ms: {} ({delivery_p99:.2} ms); nothing lost or doubled: {}",
        if throughput_met { "MET" } else { "NOT MET" },
        args.goal_p99_ms,
        if latency_met { "MET" } else { "NOT MET" },
        if lost == 0 && doubled == 0 { "yes" } else { "NO" },
    );
    if args.json {
        let staff_json: Vec<serde_json::Value> = staff_names
            .iter()
            .zip(&hists.staff)
            .enumerate()
            .map(|(i, (name, h))| {
                json!({
                    "login": name,
                    "delivery": hist_json(h),
                    "delivered": shared.staff_delivered.get(i).map_or(0, |d| d.load(Ordering::Relaxed)),
                })
            })
            .collect();
        let summary = json!({
            "clients": args.clients,
            "rate": args.rate,
            "window_s": window_s,
            "warmup_s": warmup.as_secs_f64(),
            "staff_watch": args.staff_watch,
            "setup_s": setup_secs,
            "throughput_acked_per_s": throughput,
            "acked_in_window": acked_in_window,
            "scheduled_in_window": scheduled_in_window,
            "ack": hist_json(&hists.ack),
            "delivery_own": hist_json(&hists.own),
            "delivery_staff": staff_json,
            "delivery_all": hist_json(&hists.all_delivery),
            "send_lag": hist_json(&hists.send_lag),
            "sent": shared.sent.load(Ordering::Relaxed),
            "send_failures": shared.send_failures.load(Ordering::Relaxed),
            "acked": shared.acked.load(Ordering::Relaxed),
            "errors": shared.errors.load(Ordering::Relaxed),
            "error_codes": error_codes,
            "resets": shared.resets.load(Ordering::Relaxed),
            "disconnects": shared.disconnects.load(Ordering::Relaxed),
            "lost": lost,
            "doubled": doubled,
            "own_lost": own_lost,
            "own_doubled": own_dup,
            "staff_lost": staff_lost,
            "staff_doubled": staff_dup,
            "duplicate_acks": dup_acks,
            "drained": drained,
            "cpu_driver_pct": cpu_driver,
            "cpu_server_pct": cpu_server,
            "cpu_machine_pct": cpu_machine,
            "cpu_others_pct": cpu_others,
            "cpu_writer_pct": cpu_writer,
            "writer_runqueue_pct": writer_waiting,
            "writer_us_per_msg": writer_us_per_msg,
            "goal_throughput_met": throughput_met,
            "goal_p99_met": latency_met,
        });
        println!("{summary}");
    }
    if lost > 0 || doubled > 0 {
        eprintln!("okno-load: FAILED: {lost} lost, {doubled} doubled");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
