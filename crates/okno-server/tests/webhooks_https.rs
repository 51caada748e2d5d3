//! A webhook to a company's system behind HTTPS (as any on the internet is): delivered over TLS
//! to a receiver whose certificate a test authority signed, that authority the only one this
//! process trusts (`SSL_CERT_FILE`; its own test binary, since the variable is process-wide).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../../okno-core/tests/common/tls.rs"]
mod tls;

use common::receiver::*;
use common::*;
use okno_proto::*;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_reaches_a_receiver_behind_https() {
    let ca = tls::TestCa::new("Okno test CA");
    let trust = tempfile::tempdir().unwrap();
    let ca_file = trust.path().join("ca.pem");
    ca.write(&ca_file);
    std::env::remove_var("SSL_CERT_DIR");
    std::env::set_var("SSL_CERT_FILE", &ca_file);

    // The company's system, its HTTPS terminated in front of it.
    let r = receiver(0).await;
    let https = tls::TlsProxy::start(r.addr, ca.server(&["localhost"])).await;

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
    *r.secret.lock().unwrap() = integration.secret.unwrap();
    let snap: Snapshot = user.get("/api/v1/snapshot").await.unwrap();
    let chat = snap
        .connections
        .iter()
        .find(|c| c.line.id == it)
        .and_then(|c| c.chat_id)
        .unwrap();

    user.send_text(chat, "Over TLS, please").await;
    let hits = wait_for(&r, "the webhook over HTTPS", |h| !h.is_empty()).await;
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].valid, "signed");
    assert_eq!(hits[0].body["message"]["text"], "Over TLS, please");
}
