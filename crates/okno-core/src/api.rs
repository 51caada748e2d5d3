//! The HTTP side of the server's API, typed. Anything the server answers that is not what the
//! API promises is a `BadResponse` error, never a panic.

use crate::error::{CoreError, CoreResult};
use crate::proxy::ProxySettings;
use futures_util::StreamExt;
use okno_proto::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

#[derive(Clone)]
pub struct Api {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
    /// The TLS configuration for an `https` server, for the WebSocket too.
    tls: Option<Arc<rustls::ClientConfig>>,
    /// The proxy this server is reached through, for the WebSocket too.
    proxy: Option<hyper_util::client::proxy::matcher::Intercept>,
    /// Where proxies are named when not in the environment (kept for `upgraded`).
    proxies: Option<ProxySettings>,
}

/// Progress callback: (bytes done, bytes total).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

fn offline(e: reqwest::Error) -> CoreError {
    if e.is_decode() {
        CoreError::BadResponse(e.to_string())
    } else if let Some(tls) = crate::tls::failure(&e) {
        tls
    } else if let Some(proxy) = crate::proxy::failure(&e) {
        proxy
    } else {
        CoreError::Offline(e.to_string())
    }
}

/// Percent-encodes a query parameter's value, or a URL's user name or password (RFC 3986
/// unreserved characters stay).
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Checks a server address: `http(s)://host[:port]`, no path. A bare host
/// (`okno.example.com`, `10.0.0.5:8443`) means HTTPS, as a person types it into a browser,
/// except this computer's own (`localhost`, `127.0.0.1:18555`, `[::1]`): plain HTTP, as a server
/// started here for a try serves it. The scheme's case does not matter.
pub fn normalize_url(url: &str) -> CoreResult<String> {
    let url = url.trim().trim_end_matches('/');
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        // This computer's own server is seldom behind TLS; any other is expected to be.
        None if loopback(url) => ("http".to_owned(), url),
        None => ("https".to_owned(), url),
    };
    let bad = |c: char| c.is_whitespace() || "/?#@\\".contains(c);
    if !matches!(scheme.as_str(), "http" | "https") || rest.contains(bad) || !host_and_port(rest) {
        return Err(CoreError::ServerAddress);
    }
    Ok(format!("{scheme}://{rest}"))
}

/// The host of `host[:port]` (`[v6]` with its brackets).
fn host_of(host_port: &str) -> &str {
    match host_port.find(']') {
        Some(end) if host_port.starts_with('[') => &host_port[..=end],
        _ => host_port.split(':').next().unwrap_or_default(),
    }
}

/// Whether `host[:port]` names this computer: `localhost`, 127.0.0.0/8 or `[::1]`.
fn loopback(host_port: &str) -> bool {
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`, with a host and a port of digits.
fn host_and_port(s: &str) -> bool {
    let (host, port) = match s.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((host, "")) => (host, None),
            Some((host, after)) => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return false,
            },
            None => return false,
        },
        None => match s.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (s, None),
        },
    };
    !host.is_empty()
        && port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

impl Api {
    /// A client for the server at `base`, through the proxy the environment names for it.
    pub fn new(base: &str) -> CoreResult<Self> {
        Self::with_proxies(base, None)
    }

    /// A client for the server at `base`, through the proxy `proxies` names for it (the
    /// environment's without them).
    pub fn with_proxies(base: &str, proxies: Option<&ProxySettings>) -> CoreResult<Self> {
        let base = normalize_url(base)?;
        // Redirects are answered, not followed: a POST followed through a 301 turns into a GET,
        // and a WebSocket would not follow at all (see `upgraded`).
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none());
        // A proxy (`HTTPS_PROXY`…) is for other computers: this one's own server, the embedded
        // one above all, is reached directly whatever `NO_PROXY` says. Otherwise reqwest gets
        // the one proxy decided here, the WebSocket's too, and reads nothing itself.
        let direct = loopback(
            base.split_once("://")
                .map_or(base.as_str(), |(_, rest)| rest),
        );
        let proxy = if direct {
            None
        } else {
            crate::proxy::for_server(&base, proxies)
        };
        builder = match &proxy {
            Some(p) => builder.proxy(crate::proxy::for_reqwest(p)?),
            None => builder.no_proxy(),
        };
        let (builder, tls) = if base.starts_with("https://") {
            let tls = crate::tls::config()?;
            (builder.use_preconfigured_tls((*tls).clone()), Some(tls))
        } else {
            // Plain HTTP reads no certificate store.
            (builder.tls_built_in_root_certs(false), None)
        };
        let http = builder.build().map_err(|e| CoreError::Io(e.to_string()))?;
        Ok(Self {
            base,
            token: None,
            http,
            tls,
            proxy,
            proxies: proxies.cloned(),
        })
    }

    /// The same server over HTTPS, when `location` (a redirect's target) is this plain-HTTP
    /// server's own host upgraded to HTTPS, as a server that takes only HTTPS answers plain
    /// requests; `None` for anything else (another host, a downgrade).
    pub fn upgraded(&self, location: &str) -> CoreResult<Option<Api>> {
        let Some(here) = self.base.strip_prefix("http://") else {
            return Ok(None);
        };
        let Some(there) = location.strip_prefix("https://") else {
            return Ok(None);
        };
        let origin = there.split('/').next().unwrap_or_default();
        if host_of(origin).is_empty() || !host_of(origin).eq_ignore_ascii_case(host_of(here)) {
            return Ok(None);
        }
        let mut api = Api::with_proxies(&format!("https://{origin}"), self.proxies.as_ref())?;
        api.token = self.token.clone();
        Ok(Some(api))
    }

    /// The proxy to open the server's WebSocket through, if one is named for this server.
    pub(crate) fn proxy(&self) -> Option<&hyper_util::client::proxy::matcher::Intercept> {
        self.proxy.as_ref()
    }

    /// Whether `other` reaches the same server through the same proxy (or none), credentials
    /// included.
    pub(crate) fn same_route(&self, other: &Api) -> bool {
        let route = |api: &Api| {
            api.proxy
                .as_ref()
                .map(|p| (p.uri().clone(), p.basic_auth().cloned()))
        };
        self.base == other.base && route(self) == route(other)
    }

    /// The server's host (an IPv6 address in brackets) and port, for a tunnel to it.
    pub(crate) fn host_port(&self) -> (String, u16) {
        let (tls, rest) = match self.base.strip_prefix("https://") {
            Some(rest) => (true, rest),
            None => (false, self.base.trim_start_matches("http://")),
        };
        let host = host_of(rest);
        let port = rest[host.len()..]
            .strip_prefix(':')
            .and_then(|p| p.parse().ok())
            .unwrap_or(if tls { 443 } else { 80 });
        (host.to_owned(), port)
    }

    /// The TLS configuration for the server's WebSocket (`wss`), if it is an `https` one.
    pub fn tls(&self) -> Option<Arc<rustls::ClientConfig>> {
        self.tls.clone()
    }

    pub fn with_token(mut self, token: String) -> Self {
        self.token = Some(token);
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut rb = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        rb
    }

    async fn answer<T: DeserializeOwned>(resp: reqwest::Response) -> CoreResult<T> {
        let status = resp.status().as_u16();
        if resp.status().is_redirection() {
            let to = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            return Err(CoreError::Moved(to.to_owned()));
        }
        if status == 407 {
            // A plain-HTTP server's requests go to the proxy whole, and it answers for itself.
            return Err(CoreError::Proxy {
                problem: crate::error::ProxyProblem::AuthRequired,
            });
        }
        let bytes = resp.bytes().await.map_err(offline)?;
        if (200..300).contains(&status) {
            serde_json::from_slice(&bytes)
                .map_err(|e| CoreError::BadResponse(format!("status {status}: {e}")))
        } else {
            match serde_json::from_slice::<ApiError>(&bytes) {
                Ok(error) => Err(CoreError::Server { status, error }),
                Err(_) => Err(CoreError::BadResponse(format!(
                    "status {status} without an error body"
                ))),
            }
        }
    }

    async fn call<T: DeserializeOwned>(&self, rb: reqwest::RequestBuilder) -> CoreResult<T> {
        let resp = rb
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(offline)?;
        Self::answer(resp).await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> CoreResult<T> {
        self.call(self.request(reqwest::Method::GET, path)).await
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> CoreResult<T> {
        self.call(self.request(reqwest::Method::POST, path).json(body))
            .await
    }

    async fn no_content(&self, rb: reqwest::RequestBuilder) -> CoreResult<()> {
        let resp = rb
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(offline)?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Self::answer::<serde_json::Value>(resp).await.map(|_| ())
        }
    }

    pub async fn login(
        &self,
        login: &str,
        password: &str,
        device: &str,
    ) -> CoreResult<LoginResponse> {
        self.post(
            "/api/v1/auth/login",
            &LoginRequest {
                login: login.into(),
                password: password.into(),
                device_name: Some(device.into()),
            },
        )
        .await
    }

    pub async fn logout(&self) -> CoreResult<()> {
        self.no_content(self.request(reqwest::Method::POST, "/api/v1/auth/logout"))
            .await
    }

    pub async fn snapshot(&self) -> CoreResult<Snapshot> {
        self.get("/api/v1/snapshot").await
    }

    pub async fn sync(&self, since: i64, limit: i64) -> CoreResult<SyncResponse> {
        self.get(&format!("/api/v1/sync?since={since}&limit={limit}"))
            .await
    }

    pub async fn history(
        &self,
        chat: ChatId,
        before: Option<i64>,
        limit: i64,
    ) -> CoreResult<MessagePage> {
        let mut path = format!("/api/v1/chats/{chat}/messages?limit={limit}");
        if let Some(b) = before {
            path.push_str(&format!("&before={b}"));
        }
        self.get(&path).await
    }

    pub async fn chat(&self, chat: ChatId) -> CoreResult<ChatSummary> {
        self.get(&format!("/api/v1/chats/{chat}")).await
    }

    pub async fn send(&self, chat: ChatId, req: &SendMessageRequest) -> CoreResult<Message> {
        self.post(&format!("/api/v1/chats/{chat}/messages"), req)
            .await
    }

    pub async fn read(&self, chat: ChatId, seq: i64) -> CoreResult<ChatSummary> {
        self.post(&format!("/api/v1/chats/{chat}/read"), &ReadRequest { seq })
            .await
    }

    pub async fn directory(&self, q: &str) -> CoreResult<Vec<Line>> {
        self.get(&format!("/api/v1/directory?q={}", query_escape(q)))
            .await
    }

    pub async fn recommended(&self) -> CoreResult<Vec<Line>> {
        self.get("/api/v1/directory/recommended").await
    }

    pub async fn request_connection(&self, line: LineId) -> CoreResult<Connection> {
        self.post(
            "/api/v1/connections",
            &ConnectionRequestInput { line_id: line },
        )
        .await
    }

    pub async fn disconnect(&self, connection: ConnectionId) -> CoreResult<()> {
        self.no_content(self.request(
            reqwest::Method::DELETE,
            &format!("/api/v1/connections/{connection}"),
        ))
        .await
    }

    pub async fn chat_files(&self, chat: ChatId) -> CoreResult<Vec<FileMeta>> {
        self.get(&format!("/api/v1/chats/{chat}/files")).await
    }

    // ------------------------------------------------------------ tickets (staff and users)

    pub async fn tickets(
        &self,
        view: TicketView,
        line: Option<LineId>,
    ) -> CoreResult<Vec<TicketItem>> {
        let view = match view {
            TicketView::Queued => "queued",
            TicketView::Mine => "mine",
            TicketView::Open => "open",
        };
        let mut path = format!("/api/v1/tickets?view={view}");
        if let Some(l) = line {
            path.push_str(&format!("&line_id={l}"));
        }
        self.get(&path).await
    }

    pub async fn ticket(&self, ticket: TicketId) -> CoreResult<Ticket> {
        self.get(&format!("/api/v1/tickets/{ticket}")).await
    }

    pub async fn ticket_detail(&self, ticket: TicketId) -> CoreResult<TicketDetail> {
        self.get(&format!("/api/v1/tickets/{ticket}/detail")).await
    }

    pub async fn take(&self, ticket: TicketId) -> CoreResult<Ticket> {
        self.post(
            &format!("/api/v1/tickets/{ticket}/take"),
            &serde_json::json!({}),
        )
        .await
    }

    pub async fn transfer(&self, ticket: TicketId, req: &TransferRequest) -> CoreResult<Ticket> {
        self.post(&format!("/api/v1/tickets/{ticket}/transfer"), req)
            .await
    }

    pub async fn close(&self, ticket: TicketId, req: &CloseRequest) -> CoreResult<Ticket> {
        self.post(&format!("/api/v1/tickets/{ticket}/close"), req)
            .await
    }

    pub async fn rate(&self, ticket: TicketId, req: &RatingRequest) -> CoreResult<Ticket> {
        self.post(&format!("/api/v1/tickets/{ticket}/rating"), req)
            .await
    }

    pub async fn my_agents(&self) -> CoreResult<Vec<Agent>> {
        self.get("/api/v1/me/agents").await
    }

    pub async fn set_presence(&self, presence: Presence) -> CoreResult<Vec<Agent>> {
        self.call(
            self.request(reqwest::Method::PUT, "/api/v1/me/presence")
                .json(&PresenceRequest { presence }),
        )
        .await
    }

    pub async fn company_agents(&self, company: CompanyId) -> CoreResult<Vec<Agent>> {
        self.get(&format!("/api/v1/companies/{company}/agents"))
            .await
    }

    pub async fn company_lines(&self, company: CompanyId) -> CoreResult<Vec<Line>> {
        self.get(&format!("/api/v1/companies/{company}/lines"))
            .await
    }

    pub async fn services(&self, company: CompanyId) -> CoreResult<Vec<Service>> {
        self.get(&format!("/api/v1/companies/{company}/services"))
            .await
    }

    pub async fn register_service_request(
        &self,
        ticket: TicketId,
        req: &ServiceRequestInput,
    ) -> CoreResult<ServiceRequest> {
        self.post(&format!("/api/v1/tickets/{ticket}/service-requests"), req)
            .await
    }

    pub async fn set_service_request_status(
        &self,
        request: i64,
        status: ServiceRequestStatus,
    ) -> CoreResult<ServiceRequest> {
        self.call(
            self.request(
                reqwest::Method::PUT,
                &format!("/api/v1/service-requests/{request}/status"),
            )
            .json(&ServiceRequestStatusInput { status }),
        )
        .await
    }

    // ------------------------------------------------------------ knowledge base, bot, menus

    pub async fn hints(&self, line: LineId, q: &str, limit: i64) -> CoreResult<HintList> {
        self.get(&format!(
            "/api/v1/lines/{line}/hints?q={}&limit={limit}",
            query_escape(q)
        ))
        .await
    }

    pub async fn automation(&self, line: LineId) -> CoreResult<LineAutomation> {
        self.get(&format!("/api/v1/lines/{line}/automation")).await
    }

    pub async fn pick_hint(&self, chat: ChatId, req: &PickHintRequest) -> CoreResult<BotExchange> {
        self.post(&format!("/api/v1/chats/{chat}/hint"), req).await
    }

    pub async fn open_menu(&self, chat: ChatId) -> CoreResult<BotExchange> {
        self.post(
            &format!("/api/v1/chats/{chat}/menu"),
            &serde_json::json!({}),
        )
        .await
    }

    pub async fn press(&self, chat: ChatId, req: &PressButtonRequest) -> CoreResult<BotExchange> {
        self.post(&format!("/api/v1/chats/{chat}/press"), req).await
    }

    pub async fn my_service_requests(&self) -> CoreResult<Vec<ServiceRequest>> {
        self.get("/api/v1/me/service-requests").await
    }

    /// The WebSocket address of the event stream.
    pub fn ws_url(&self, since: i64) -> String {
        let base = if let Some(rest) = self.base.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = self.base.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            self.base.clone()
        };
        format!("{base}/api/v1/ws?since={since}")
    }

    /// Streams a file up, reporting progress; stops at once when `cancel` fires.
    pub async fn upload(
        &self,
        path: &Path,
        name: &str,
        progress: Progress<'_>,
        cancel: &CancellationToken,
    ) -> CoreResult<FileMeta> {
        let file = tokio::fs::File::open(path).await?;
        let total = file.metadata().await?.len();
        let done = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = done.clone();
        let stream =
            tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024).map(move |chunk| {
                if let Ok(c) = &chunk {
                    counter.fetch_add(c.len() as u64, std::sync::atomic::Ordering::Relaxed);
                }
                chunk
            });
        let q = query_escape(name);
        let rb = self
            .request(reqwest::Method::POST, &format!("/api/v1/files?name={q}"))
            .header("content-type", "application/octet-stream")
            .header("content-length", total)
            .body(reqwest::Body::wrap_stream(stream));
        let send = rb.send();
        tokio::pin!(send);
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        let resp = loop {
            tokio::select! {
                r = &mut send => break r.map_err(offline)?,
                _ = cancel.cancelled() => return Err(CoreError::Cancelled),
                _ = tick.tick() => progress(done.load(std::sync::atomic::Ordering::Relaxed), total),
            }
        };
        progress(total, total);
        Self::answer(resp).await
    }

    /// Streams a file down into `dest` (through a temporary file), reporting progress.
    pub async fn download(
        &self,
        file: FileId,
        dest: &Path,
        progress: Progress<'_>,
        cancel: &CancellationToken,
    ) -> CoreResult<()> {
        let resp = self
            .request(reqwest::Method::GET, &format!("/api/v1/files/{file}"))
            .send()
            .await
            .map_err(offline)?;
        if !resp.status().is_success() {
            return Self::answer::<serde_json::Value>(resp).await.map(|_| ());
        }
        let total = resp.content_length().unwrap_or(0);
        let tmp = dest.with_extension("part");
        let mut out = tokio::fs::File::create(&tmp).await?;
        let mut stream = resp.bytes_stream();
        let mut done = 0u64;
        loop {
            let chunk = tokio::select! {
                c = stream.next() => c,
                _ = cancel.cancelled() => {
                    drop(out);
                    let _ = tokio::fs::remove_file(&tmp).await;
                    return Err(CoreError::Cancelled);
                }
            };
            let Some(chunk) = chunk else { break };
            let chunk = chunk.map_err(offline)?;
            out.write_all(&chunk).await?;
            done += chunk.len() as u64;
            progress(done, total.max(done));
        }
        out.sync_all().await?;
        drop(out);
        tokio::fs::rename(&tmp, dest).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tunnel_goes_to_the_servers_host_and_port() {
        for (url, host, port) in [
            ("https://okno.example.com", "okno.example.com", 443),
            ("https://okno.example.com:8443", "okno.example.com", 8443),
            ("http://okno.example.com", "okno.example.com", 80),
            ("10.0.0.5:9000", "10.0.0.5", 9000),
            ("https://[2001:db8::1]:8443", "[2001:db8::1]", 8443),
            ("https://[2001:db8::1]", "[2001:db8::1]", 443),
        ] {
            assert_eq!(
                Api::new(url).unwrap().host_port(),
                (host.to_owned(), port),
                "{url}"
            );
        }
    }

    #[test]
    fn only_the_same_host_upgraded_to_https_is_followed() {
        let base = |url: &str| Api::new(url).unwrap();
        let to = |api: &Api, location: &str| api.upgraded(location).unwrap().map(|a| a.base);
        let plain = base("http://okno.example.com");
        assert_eq!(
            to(&plain, "https://okno.example.com/api/v1/auth/login").as_deref(),
            Some("https://okno.example.com")
        );
        assert_eq!(
            to(&plain, "https://OKNO.example.com:8443/x").as_deref(),
            Some("https://OKNO.example.com:8443")
        );
        assert_eq!(to(&plain, "https://evil.example.net/login"), None);
        assert_eq!(to(&plain, "http://okno.example.com:8080/"), None);
        assert_eq!(to(&plain, "/api/v1/auth/login"), None);
        assert_eq!(
            to(
                &base("https://okno.example.com"),
                "https://okno.example.com/"
            ),
            None
        );
        let v6 = base("http://[fd00::5]:8080");
        assert_eq!(
            to(&v6, "https://[fd00::5]/").as_deref(),
            Some("https://[fd00::5]")
        );
        assert_eq!(to(&v6, "https://[fd00::6]/"), None);
    }

    #[test]
    fn server_addresses_are_checked_and_a_bare_host_means_https_but_on_this_computer() {
        for (typed, url) in [
            ("https://okno.example.com", "https://okno.example.com"),
            ("  https://okno.example.com/  ", "https://okno.example.com"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("HTTPS://Okno.Example.com", "https://Okno.Example.com"),
            ("okno.example.com", "https://okno.example.com"),
            ("10.0.0.5:8443/", "https://10.0.0.5:8443"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("[fd00::5]", "https://[fd00::5]"),
            ("127.0.0.1:18555", "http://127.0.0.1:18555"),
            ("127.1.2.3", "http://127.1.2.3"),
            ("LocalHost:8080", "http://LocalHost:8080"),
            ("[::1]:8080", "http://[::1]:8080"),
            ("https://localhost:8443", "https://localhost:8443"),
            ("localhost.example.com", "https://localhost.example.com"),
            ("128.0.0.1", "https://128.0.0.1"),
        ] {
            assert_eq!(normalize_url(typed).ok().as_deref(), Some(url), "{typed}");
        }
        for typed in [
            "",
            "https://",
            "ftp://okno.example.com",
            "https://okno.example.com/api",
            "okno.example.com/path",
            "https://user@okno.example.com",
            "okno example.com",
            "https://okno.example.com?x=1",
            "https://okno.example.com#top",
            "https:",
            "okno.example.com:",
            "okno.example.com:http",
            ":8080",
            "[::1",
            "[::1]x",
        ] {
            assert!(
                matches!(normalize_url(typed), Err(CoreError::ServerAddress)),
                "{typed:?}"
            );
        }
    }
}
