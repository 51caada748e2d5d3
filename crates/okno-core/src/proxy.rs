//! The network's proxy, for the HTTP client and the WebSocket alike. Which proxy a server is
//! reached through is decided once, when the core builds its client for that server, by
//! hyper-util's matcher (the one reqwest itself reads the environment with): `HTTPS_PROXY` for
//! an `https` server, `HTTP_PROXY` for a plain one, `ALL_PROXY` for both, the exceptions in
//! `NO_PROXY`; or the same four from the desktop's settings, which the shell reads where the
//! environment names none (`ProxySettings`). reqwest is then given that one proxy; the
//! WebSocket, which tungstenite opens itself, goes through it by an HTTP `CONNECT` tunnel. This
//! computer's own server is always reached directly (see `Api::new`).

use crate::error::{CoreError, CoreResult, ProxyProblem};
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The most a proxy's answer to `CONNECT` may take before its blank line.
const MAX_ANSWER: usize = 8 * 1024;

/// Proxies named somewhere other than the environment (the desktop's settings), in the shape of
/// the environment's variables: a proxy's address (`http://user:password@host:port`) for all
/// servers, for plain-HTTP ones and for HTTPS ones, and the exceptions (`NO_PROXY`'s list).
/// Empty means none. Shown (`Debug`) without the passwords.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxySettings {
    pub all: String,
    pub http: String,
    pub https: String,
    pub no: String,
}

impl std::fmt::Debug for ProxySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `scheme://user:password@host` → `scheme://user:…@host`.
        let hide = |url: &str| match (url.find("://"), url.rfind('@')) {
            (Some(start), Some(at)) if at > start => {
                let userinfo = &url[start + 3..at];
                match userinfo.split_once(':') {
                    Some((user, _)) => format!("{}{user}:…{}", &url[..start + 3], &url[at..]),
                    None => url.to_owned(),
                }
            }
            _ => url.to_owned(),
        };
        f.debug_struct("ProxySettings")
            .field("all", &hide(&self.all))
            .field("http", &hide(&self.http))
            .field("https", &hide(&self.https))
            .field("no", &self.no)
            .finish()
    }
}

impl ProxySettings {
    /// Whether any proxy is named at all.
    pub fn is_empty(&self) -> bool {
        self.all.is_empty() && self.http.is_empty() && self.https.is_empty()
    }

    /// The proxy variables of the environment, if it has any (`ALL_PROXY`, `HTTP_PROXY`,
    /// `HTTPS_PROXY`, upper or lower case).
    pub fn environment_names_one() -> bool {
        [
            "ALL_PROXY",
            "all_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
        ]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
    }

    fn matcher(&self) -> Matcher {
        Matcher::builder()
            .all(self.all.as_str())
            .http(self.http.as_str())
            .https(self.https.as_str())
            .no(self.no.as_str())
            .build()
    }
}

/// The proxy for `base` (`http(s)://host[:port]`), if any: by `settings`, or by the
/// environment without them.
pub(crate) fn for_server(base: &str, settings: Option<&ProxySettings>) -> Option<Intercept> {
    let uri: http::Uri = base.parse().ok()?;
    let matcher = settings.map_or_else(Matcher::from_env, ProxySettings::matcher);
    matcher.intercept(&uri)
}

/// The same proxy for reqwest, with its credentials.
pub(crate) fn for_reqwest(proxy: &Intercept) -> CoreResult<reqwest::Proxy> {
    let p = reqwest::Proxy::all(proxy.uri().to_string()).map_err(|_| CoreError::Proxy {
        problem: ProxyProblem::Unsupported(proxy.uri().scheme_str().unwrap_or_default().to_owned()),
    })?;
    Ok(match proxy.basic_auth() {
        Some(auth) => p.custom_http_auth(auth.clone()),
        None => p,
    })
}

/// Where a proxy is, for logs and errors: `host:port`, never its credentials.
pub(crate) fn describe(proxy: &Intercept) -> String {
    let uri = proxy.uri();
    let host = uri.host().unwrap_or_default();
    match uri.port_u16() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// Opens a TCP connection to `host:port` through `proxy` (`CONNECT`); what is sent on it then
/// reaches the server unchanged (TLS, when the server is an `https` one, runs inside it).
pub(crate) async fn tunnel(proxy: &Intercept, host: &str, port: u16) -> CoreResult<TcpStream> {
    let uri = proxy.uri();
    let scheme = uri.scheme_str().unwrap_or_default();
    if !scheme.eq_ignore_ascii_case("http") {
        // reqwest, as Okno builds it, speaks plain HTTP to a proxy too; TLS to the proxy itself
        // or SOCKS would be new code paths with nothing here to test them against.
        return Err(CoreError::Proxy {
            problem: ProxyProblem::Unsupported(scheme.to_owned()),
        });
    }
    let proxy_host = uri.host().unwrap_or_default();
    let proxy_host = proxy_host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(proxy_host);
    let proxy_port = uri.port_u16().unwrap_or(80);
    let mut conn = TcpStream::connect((proxy_host, proxy_port))
        .await
        .map_err(|e| {
            CoreError::Offline(format!(
                "cannot reach the proxy at {}: {e}",
                describe(proxy)
            ))
        })?;
    let mut ask = format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n");
    if let Some(auth) = proxy.basic_auth().and_then(|v| v.to_str().ok()) {
        ask.push_str("Proxy-Authorization: ");
        ask.push_str(auth);
        ask.push_str("\r\n");
    }
    ask.push_str("\r\n");
    conn.write_all(ask.as_bytes()).await?;

    // The answer is read a byte at a time up to its blank line: whatever follows belongs to the
    // tunnel, and a buffered read could swallow it.
    let mut answer = Vec::with_capacity(256);
    while !answer.ends_with(b"\r\n\r\n") {
        if answer.len() >= MAX_ANSWER {
            return Err(refused(None));
        }
        match conn.read_u8().await {
            Ok(b) => answer.push(b),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(CoreError::Offline(format!(
                    "the proxy at {} closed the connection",
                    describe(proxy)
                )))
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(&answer) {
        Ok(httparse::Status::Complete(_)) => match response.code {
            Some(200..=299) => Ok(conn),
            Some(407) => Err(CoreError::Proxy {
                problem: ProxyProblem::AuthRequired,
            }),
            code => Err(refused(code)),
        },
        _ => Err(refused(None)),
    }
}

fn refused(status: Option<u16>) -> CoreError {
    CoreError::Proxy {
        problem: ProxyProblem::Refused(status),
    }
}

/// The proxy's refusal behind an HTTP client error, if that is what failed: hyper-util's tunnel
/// error (private, so known by what it says) somewhere in the chain of causes.
pub(crate) fn failure(e: &(dyn std::error::Error + 'static)) -> Option<CoreError> {
    let mut cause = Some(e);
    while let Some(err) = cause {
        let text = err.to_string();
        if text.starts_with("tunnel error: proxy authorization required") {
            return Some(CoreError::Proxy {
                problem: ProxyProblem::AuthRequired,
            });
        }
        if text.starts_with("tunnel error: unsuccessful") {
            return Some(refused(None));
        }
        cause = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_choose_the_proxy_by_the_servers_scheme_and_the_exceptions() {
        let settings = ProxySettings {
            http: "http://plain.corp:8080".into(),
            https: "http://someone:secret@secure.corp:3128".into(),
            no: "intranet.corp, 10.0.0.0/8".into(),
            ..Default::default()
        };
        let to = |base: &str| for_server(base, Some(&settings)).map(|p| describe(&p));
        assert_eq!(
            to("https://okno.example.com").as_deref(),
            Some("secure.corp:3128")
        );
        assert_eq!(
            to("http://okno.example.com").as_deref(),
            Some("plain.corp:8080")
        );
        assert_eq!(to("https://okno.intranet.corp"), None);
        assert_eq!(to("https://10.1.2.3:8443"), None);
        let secure = for_server("https://okno.example.com", Some(&settings)).unwrap();
        assert!(secure.basic_auth().is_some(), "the credentials go along");
        assert!(ProxySettings::default().is_empty());
        assert_eq!(
            for_server("https://okno.example.com", Some(&ProxySettings::default()))
                .map(|p| describe(&p)),
            None
        );
    }

    #[test]
    fn settings_are_shown_without_the_passwords() {
        let settings = ProxySettings {
            https: "http://j.doe:s3cret@proxy.corp:3128".into(),
            http: "http://proxy.corp:3128".into(),
            ..Default::default()
        };
        let shown = format!("{settings:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("http://j.doe:…@proxy.corp:3128"), "{shown}");
        assert!(shown.contains("http://proxy.corp:3128"), "{shown}");
    }

    #[test]
    fn a_proxy_is_described_without_its_credentials() {
        let m = Matcher::builder()
            .all("http://someone:secret@proxy.corp:3128")
            .build();
        let p = m
            .intercept(&"https://okno.example.com".parse().unwrap())
            .unwrap();
        assert_eq!(describe(&p), "proxy.corp:3128");
    }

    #[tokio::test]
    async fn a_proxy_okno_does_not_speak_to_is_refused_by_its_scheme() {
        for (proxy, scheme) in [
            ("socks5://127.0.0.1:1080", "socks5"),
            ("https://proxy.corp", "https"),
        ] {
            let m = Matcher::builder().all(proxy).build();
            let p = m
                .intercept(&"https://okno.example.com".parse().unwrap())
                .unwrap();
            let err = tunnel(&p, "okno.example.com", 443).await.unwrap_err();
            assert_eq!(err.code(), "proxy_unsupported", "{proxy}");
            assert!(err.to_string().contains(&format!("{scheme}://")), "{err}");
        }
    }
}
