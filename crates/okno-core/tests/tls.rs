//! The core against a server behind HTTPS, as real deployments are: signing in, the WebSocket
//! (wss), sending, a file both ways; and the refusals a person can act on: an address that
//! speaks no TLS, a certificate this computer does not trust.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::tls::{TestCa, TlsProxy};
use common::*;
use okno_core::{Core, CoreError, TlsProblem};
use okno_proto::*;
use std::sync::OnceLock;

/// The one authority this test process trusts (`SSL_CERT_FILE`, read once by the core).
fn trusted() -> &'static TestCa {
    static CA: OnceLock<(tempfile::TempDir, TestCa)> = OnceLock::new();
    &CA.get_or_init(|| {
        let ca = TestCa::new("Okno test CA");
        (ca.trust_alone(), ca)
    })
    .1
}

async fn refused(env: &Env, url: &str) -> CoreError {
    let core = Core::open(env.core_config("refused")).await.unwrap();
    let err = core
        .login(url, "user", okno_server::demo::DEMO_PASSWORD)
        .await
        .unwrap_err();
    assert!(core.me().unwrap().is_none(), "not signed in after {err:?}");
    assert!(core.lines().unwrap().is_empty(), "nothing stored");
    err
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_signs_in_syncs_sends_and_shares_a_file_over_https() {
    let ca = trusted();
    let env = Env::start().await;
    let https = TlsProxy::start(env.proxy.addr, ca.server(&["localhost", "127.0.0.1"])).await;

    let core = Core::open(env.core_config("c")).await.unwrap();
    let me = core
        .login(
            &https.url("localhost"),
            "user",
            okno_server::demo::DEMO_PASSWORD,
        )
        .await
        .unwrap();
    assert_eq!(me.login, "user");
    eventually(10, "online over wss", || async {
        *core.sync_state().borrow() == SyncState::Online
    })
    .await;
    let chat = first_chat(&core);

    // A reply reaches the client over the WebSocket.
    let spec = env.http("specialist").await;
    spec.send(chat, uuid::Uuid::new_v4(), "Reply over TLS")
        .await;
    eventually(10, "the reply arrived", || async {
        cached(&core, chat)
            .await
            .iter()
            .any(|m| m.text == "Reply over TLS")
    })
    .await;

    // A message with a file goes out through the outbox, uploaded over HTTPS.
    let file = env.dir.path().join("report.txt");
    std::fs::write(&file, b"uptime 99.9%").unwrap();
    core.send(chat, "Report attached", &[file]).unwrap();
    eventually(20, "delivered", || async {
        core.outbox(None).unwrap().is_empty()
    })
    .await;
    let history = spec.history(chat).await;
    let sent = history
        .iter()
        .find(|m| m.text == "Report attached")
        .unwrap();
    assert_eq!(sent.files.len(), 1);

    // And comes back down over HTTPS, byte for byte.
    let path = core.download(sent.files[0].id).await.unwrap();
    assert_eq!(std::fs::read(path).unwrap(), b"uptime 99.9%");

    // The server's certificate is renewed by an authority this computer does not trust: the
    // app says so while offline, and what is sent meanwhile waits.
    let stranger = TestCa::new("Somebody's CA");
    https.present(stranger.server(&["localhost"]));
    https.cut();
    // Between attempts (a reconnect attempt keeps the reason while it is `connecting`).
    eventually(15, "offline for the certificate", || async {
        *core.sync_state().borrow() == SyncState::Offline
            && core
                .offline_because()
                .is_some_and(|e| e.code == "untrusted_certificate")
    })
    .await;
    let id = core.send(chat, "Sent after the renewal", &[]).unwrap();

    // Renewed properly: online again, the message delivered once, the reason gone.
    https.present(ca.server(&["localhost"]));
    core.reconnect_now();
    eventually(15, "delivered", || async {
        core.outbox(None).unwrap().is_empty()
    })
    .await;
    // The outbox may deliver before the live connection is back (an attempt under the old
    // certificate may still end in a backoff).
    eventually(15, "online over wss", || async {
        *core.sync_state().borrow() == SyncState::Online
    })
    .await;
    assert_eq!(core.offline_because(), None);
    let history = spec.history(chat).await;
    assert_eq!(
        history
            .iter()
            .filter(|m| m.client_msg_id == Some(id))
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_address_of_a_plain_http_server_is_refused_as_not_https() {
    trusted();
    let env = Env::start().await;
    let port = env.proxy.addr.port();
    let err = refused(&env, &format!("https://127.0.0.1:{port}")).await;
    assert!(
        matches!(
            err,
            CoreError::Tls {
                problem: TlsProblem::NotTls,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), "not_https");
    assert!(!err.is_unauthorized());

    // Typed without a scheme, this computer's own server is reached over plain HTTP.
    let core = Core::open(env.core_config("bare")).await.unwrap();
    for url in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        core.login(&url, "user", okno_server::demo::DEMO_PASSWORD)
            .await
            .unwrap();
        core.logout(true).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_this_computer_does_not_trust_is_refused() {
    let ca = trusted();
    let env = Env::start().await;

    // Signed by an authority nobody here trusts.
    let stranger = TestCa::new("Somebody's CA");
    let https = TlsProxy::start(env.proxy.addr, stranger.server(&["localhost"])).await;
    let err = refused(&env, &https.url("localhost")).await;
    assert!(
        matches!(
            err,
            CoreError::Tls {
                problem: TlsProblem::Certificate,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), "untrusted_certificate");

    // From the trusted authority, but made out to another name.
    let https = TlsProxy::start(env.proxy.addr, ca.server(&["okno.example.com"])).await;
    let err = refused(&env, &https.url("localhost")).await;
    assert_eq!(err.code(), "untrusted_certificate", "{err:?}");
    assert!(err.to_string().contains("okno.example.com"), "{err}");
}

/// A server that takes only HTTPS answers plain HTTP with a redirect (a POST's 301 would turn
/// into a GET if followed blindly): signing in at its `http://` address moves the account to the
/// same host's HTTPS, and it syncs there. A redirect to another host is not followed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_http_address_that_redirects_to_https_signs_in_there() {
    let ca = trusted();
    let env = Env::start().await;
    let https = TlsProxy::start(env.proxy.addr, ca.server(&["localhost", "127.0.0.1"])).await;
    let redirector = |to: String| async move {
        let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
            let to = to.clone();
            async move {
                let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                (
                    axum::http::StatusCode::MOVED_PERMANENTLY,
                    [(axum::http::header::LOCATION, format!("{to}{path}"))],
                )
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        port
    };

    let port = redirector(https.url("localhost")).await;
    let core = Core::open(env.core_config("moved")).await.unwrap();
    core.login(
        &format!("http://localhost:{port}"),
        "user",
        okno_server::demo::DEMO_PASSWORD,
    )
    .await
    .unwrap();
    assert_eq!(core.server_url().unwrap().unwrap(), https.url("localhost"));
    eventually(10, "online over wss", || async {
        *core.sync_state().borrow() == SyncState::Online
    })
    .await;

    // Elsewhere (another host name): refused, nothing signed in.
    let port = redirector(https.url("127.0.0.1")).await;
    let err = refused(&env, &format!("http://localhost:{port}")).await;
    assert_eq!(err.code(), "server_moved", "{err:?}");
}
