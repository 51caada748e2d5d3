//! The network's proxy, for the WebSocket too. The HTTP client (reqwest) goes through the proxy
//! that the environment names; the WebSocket, which tungstenite opens itself, goes through the
//! same one by an HTTP `CONNECT` tunnel, chosen by the same rules: hyper-util's matcher, the one
//! reqwest reads the environment with (`HTTPS_PROXY` for an `https` server, `HTTP_PROXY` for a
//! plain one, `ALL_PROXY` for both, the exceptions in `NO_PROXY`). This computer's own server is
//! always reached directly (see `Api::new`).

use crate::error::{CoreError, CoreResult, ProxyProblem};
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The most a proxy's answer to `CONNECT` may take before its blank line.
const MAX_ANSWER: usize = 8 * 1024;

/// The proxy that the environment names for `base` (`http(s)://host[:port]`), if any.
pub(crate) fn for_server(base: &str) -> Option<Intercept> {
    let uri: http::Uri = base.parse().ok()?;
    Matcher::from_env().intercept(&uri)
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
