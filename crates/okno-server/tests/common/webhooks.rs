//! Webhooks' tests: a demo server that retries deliveries quickly, and a company's system
//! receiving them on loopback, which checks each one's HMAC signature and timestamp as the
//! documentation says, and fails the first tries on purpose when asked.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use super::{Api, Backend, TestServer};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use okno_proto::*;
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Hit {
    pub at: Instant,
    pub delivery: i64,
    pub valid: bool,
    pub body: serde_json::Value,
}

/// A receiver that checks signatures with `secret` and fails the first `fail_first` requests
/// of each delivery.
pub struct Receiver {
    pub url: String,
    /// Where it listens (plain HTTP), for a TLS proxy in front of it.
    pub addr: std::net::SocketAddr,
    pub hits: Arc<Mutex<Vec<Hit>>>,
    pub secret: Arc<Mutex<String>>,
}

pub async fn receiver(fail_first: usize) -> Receiver {
    let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
    let secret: Arc<Mutex<String>> = Arc::default();
    let (h, s) = (hits.clone(), secret.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let (hits, secret) = (h.clone(), s.clone());
            async move {
                let header = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned()
                };
                let ts = header("x-okno-timestamp");
                let sig = header("x-okno-signature");
                let key = secret.lock().unwrap().clone();
                // The receiver's own check: HMAC-SHA256 over "<timestamp>.<body>", and a
                // timestamp within five minutes.
                let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
                mac.update(format!("{ts}.").as_bytes());
                mac.update(&body);
                let expected = format!("v1={}", hex::encode(mac.finalize().into_bytes()));
                let now = chrono::Utc::now().timestamp();
                let fresh = ts.parse::<i64>().is_ok_and(|t| (now - t).abs() <= 300);
                let valid = sig == expected && fresh;
                assert_eq!(
                    valid,
                    okno_server::webhooks::verify(&key, &ts, &sig, &body, now),
                    "the documented check agrees"
                );
                let delivery: i64 = header("x-okno-delivery").parse().unwrap_or(-1);
                let mut hits = hits.lock().unwrap();
                let seen = hits.iter().filter(|h| h.delivery == delivery).count();
                hits.push(Hit {
                    at: Instant::now(),
                    delivery,
                    valid,
                    body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
                });
                if !valid {
                    StatusCode::UNAUTHORIZED
                } else if seen < fail_first {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Receiver {
        url: format!("http://{addr}/hook"),
        addr,
        hits,
        secret,
    }
}

pub async fn wait_for<F: Fn(&[Hit]) -> bool>(r: &Receiver, what: &str, f: F) -> Vec<Hit> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let hits = r.hits.lock().unwrap().clone();
        if f(&hits) {
            return hits;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {hits:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A demo server whose webhooks retry after 150 ms (doubling) up to `attempts` times, polled
/// every 30 ms.
pub async fn server(backend: Backend, attempts: u32) -> TestServer {
    let (mut config, dir) = TestServer::config(backend);
    config.webhook_retry_base = Duration::from_millis(150);
    config.webhook_max_attempts = attempts;
    config.webhook_poll = Duration::from_millis(30);
    TestServer::start_with(config, dir, true).await
}

/// The demo server as the tests of webhooks use it: the user, the company's admin, its IT
/// Support line and the user's chat with it.
pub struct Env {
    pub srv: TestServer,
    pub user: Api,
    pub admin: Api,
    pub it: LineId,
    pub chat: ChatId,
}

pub async fn env(backend: Backend, attempts: u32) -> Env {
    let srv = server(backend, attempts).await;
    let user = srv.login("user").await;
    let admin = srv.login("admin").await;
    let it = admin.company_lines().await.1["IT Support"];
    let chat = user.chat_on(it).await;
    Env {
        srv,
        user,
        admin,
        it,
        chat,
    }
}
