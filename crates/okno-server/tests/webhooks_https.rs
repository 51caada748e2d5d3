//! A webhook to a company's system behind HTTPS (as any on the internet is): delivered over TLS
//! to a receiver whose certificate a test authority signed, that authority the only one this
//! process trusts (`SSL_CERT_FILE`; its own test binary, since the variable is process-wide).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../../okno-core/tests/common/tls.rs"]
mod tls;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use common::*;
use okno_proto::*;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_reaches_a_receiver_behind_https() {
    let ca = tls::TestCa::new("Okno test CA");
    let trust = tempfile::tempdir().unwrap();
    let ca_file = trust.path().join("ca.pem");
    ca.write(&ca_file);
    std::env::remove_var("SSL_CERT_DIR");
    std::env::set_var("SSL_CERT_FILE", &ca_file);

    // The company's system: checks the signature, records the text.
    let got: Arc<Mutex<Vec<(bool, serde_json::Value)>>> = Arc::default();
    let secret: Arc<Mutex<String>> = Arc::default();
    let (g, s) = (got.clone(), secret.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let (got, secret) = (g.clone(), s.clone());
            async move {
                let header = |n: &str| {
                    let v = headers.get(n).and_then(|v| v.to_str().ok());
                    v.unwrap_or("").to_owned()
                };
                let now = chrono::Utc::now().timestamp();
                let key = secret.lock().unwrap().clone();
                let (ts, sig) = (header("x-okno-timestamp"), header("x-okno-signature"));
                let valid = okno_server::webhooks::verify(&key, &ts, &sig, &body, now);
                let body = serde_json::from_slice(&body).unwrap_or_default();
                got.lock().unwrap().push((valid, body));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let https = tls::TlsProxy::start(plain, ca.server(&["localhost"])).await;

    let (mut config, dir) = TestServer::config(Backend::Sqlite);
    config.webhook_retry_base = Duration::from_millis(150);
    config.webhook_poll = Duration::from_millis(30);
    let srv = TestServer::start_with(config, dir, true).await;
    let (user, admin) = (srv.login("user").await, srv.login("admin").await);
    let company = admin.me().await.memberships[0].company_id;
    let lines: Vec<Line> = admin
        .get(&format!("/api/v1/companies/{company}/lines"))
        .await
        .unwrap();
    let it = lines.iter().find(|l| l.name == "IT Support").unwrap().id;
    let url = format!("{}/hook", https.url("localhost"));
    let integration: Integration = admin
        .put(
            &format!("/api/v1/lines/{it}/integration"),
            &json!({"url": url, "enabled": true}),
        )
        .await
        .unwrap();
    *secret.lock().unwrap() = integration.secret.unwrap();
    let snap: Snapshot = user.get("/api/v1/snapshot").await.unwrap();
    let chat = snap
        .connections
        .iter()
        .find(|c| c.line.id == it)
        .and_then(|c| c.chat_id)
        .unwrap();

    user.send_text(chat, "Over TLS, please").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while got.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no webhook arrived over HTTPS");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].0, "signed");
    assert_eq!(got[0].1["message"]["text"], "Over TLS, please");
}
