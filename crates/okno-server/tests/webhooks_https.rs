//! A webhook to a company's system behind HTTPS (as any on the internet is): delivered over TLS
//! to a receiver whose certificate a test authority signed, that authority the only one this
//! process trusts (`SSL_CERT_FILE`; its own test binary, since the variable is process-wide).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../../okno-core/tests/common/tls.rs"]
mod tls;

use common::webhooks::*;
use common::*;
use okno_proto::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_reaches_a_receiver_behind_https() {
    let ca = tls::TestCa::new("Okno test CA");
    let _trust = ca.trust_alone();

    // The company's system, its HTTPS terminated in front of it.
    let r = receiver(0).await;
    let https = tls::TlsProxy::start(r.addr, ca.server(&["localhost"])).await;

    let e = env(Backend::Sqlite, 10).await;
    let url = format!("{}/hook", https.url("localhost"));
    let integration: Integration = e
        .admin
        .put(
            &format!("/api/v1/lines/{}/integration", e.it),
            &json!({"url": url, "enabled": true}),
        )
        .await
        .unwrap();
    *r.secret.lock().unwrap() = integration.secret.unwrap();

    e.user.send_text(e.chat, "Over TLS, please").await;
    let hits = wait_for(&r, "the webhook over HTTPS", |h| !h.is_empty()).await;
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].valid, "signed");
    assert_eq!(hits[0].body["message"]["text"], "Over TLS, please");
}
