//! The network's proxy, as corporate desktops name it in the environment (`HTTPS_PROXY`,
//! `HTTP_PROXY`, with a user name and password in it). Where only the proxy reaches the server
//! (`okno.test` is known to the proxy alone), everything goes through it: signing in, the
//! WebSocket (a `CONNECT` tunnel), sending; a proxy that stops accepting the credentials is
//! said by name while the outbox keeps what waits. This computer's own server is never asked
//! through it. Its own test binary, since the variables are process-wide: they are set once,
//! for every test here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::http_proxy::{HttpProxy, HIDDEN_HOST};
use common::tls::{TestCa, TlsProxy};
use common::*;
use okno_core::{Core, CoreError, ProxyProblem};
use okno_proto::*;
use std::sync::OnceLock;

const USER: (&str, &str) = ("corp", "s3cret");

struct World {
    proxy: HttpProxy,
    ca: TestCa,
    _dir: tempfile::TempDir,
}

/// The proxy (on a runtime of its own, so it outlives each test's) and the one certificate
/// authority trusted here, named in the environment once.
fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async move {
                tx.send(HttpProxy::start().await).unwrap();
                std::future::pending::<()>().await
            })
        });
        let proxy = rx.recv().unwrap();
        proxy.require(Some(USER));
        let ca = TestCa::new("Okno test CA");
        let dir = ca.trust_alone();
        let url = proxy.url(Some(USER));
        for var in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"] {
            std::env::set_var(var, &url);
        }
        for var in ["NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"] {
            std::env::remove_var(var);
        }
        World {
            proxy,
            ca,
            _dir: dir,
        }
    })
}

async fn online(core: &Core) {
    eventually(15, "online", || async {
        *core.sync_state().borrow() == SyncState::Online
    })
    .await;
}

/// Offline, and the core says why with `code`.
async fn offline_for(core: &Core, code: &str) {
    eventually(15, code, || async {
        core.offline_because().is_some_and(|e| e.code == code)
    })
    .await;
}

/// The outbox empties and the server has the message `id` once.
async fn delivered_once(core: &Core, other: &Http, chat: ChatId, id: uuid::Uuid) {
    eventually(15, "delivered", || async {
        core.outbox(Some(chat)).unwrap().is_empty()
    })
    .await;
    let history = other.history(chat).await;
    assert_eq!(
        history
            .iter()
            .filter(|m| m.client_msg_id == Some(id))
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_in_the_environment_is_not_used_for_this_computers_server() {
    let w = world();
    let env = Env::start().await;
    let port = env.proxy.addr.port();
    let core = Core::open(env.core_config("c")).await.unwrap();
    for url in [
        env.proxy.url(),
        env.proxy.url().replace("127.0.0.1", "localhost"),
    ] {
        core.login(&url, "user", okno_server::demo::DEMO_PASSWORD)
            .await
            .unwrap();
        online(&core).await;
        // Proxies named by the desktop's settings change nothing for it: no reconnect.
        let mut state = core.sync_state();
        state.mark_unchanged();
        core.set_proxies(Some(okno_core::ProxySettings {
            all: w.proxy.url(Some(USER)),
            ..Default::default()
        }))
        .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(
            !state.has_changed().unwrap(),
            "still online, not reconnected"
        );
        core.set_proxies(None).unwrap();
        core.logout(true).await.unwrap();
    }
    let through: Vec<_> = w
        .proxy
        .seen()
        .into_iter()
        .filter(|(_, target)| target.ends_with(&format!(":{port}")))
        .collect();
    assert!(
        through.is_empty(),
        "nothing went through the proxy: {through:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn where_only_the_proxy_reaches_the_server_everything_goes_through_it() {
    let w = world();
    let env = Env::start().await;
    let https = TlsProxy::start(env.proxy.addr, w.ca.server(&[HIDDEN_HOST])).await;
    let url = https.url(HIDDEN_HOST);
    let target = format!("{HIDDEN_HOST}:{}", https.addr.port());

    // Signed in, and the live connection open: both through the proxy, with its credentials.
    let core = Core::open(env.core_config("c")).await.unwrap();
    core.login(&url, "user", okno_server::demo::DEMO_PASSWORD)
        .await
        .unwrap();
    online(&core).await;
    let tunnels = || {
        w.proxy
            .seen()
            .iter()
            .filter(|(m, t)| m == "CONNECT" && *t == target)
            .count()
    };
    assert!(tunnels() >= 2, "HTTP and the WebSocket tunnelled");

    // A reply arrives over the tunnelled WebSocket, with no reconnect in between.
    let chat = first_chat(&core);
    let spec = env.http("specialist").await;
    let opened = tunnels();
    spec.send(chat, uuid::Uuid::new_v4(), "Through the proxy")
        .await;
    eventually(10, "the reply arrived", || async {
        cached(&core, chat)
            .await
            .iter()
            .any(|m| m.text == "Through the proxy")
    })
    .await;
    assert_eq!(*core.sync_state().borrow(), SyncState::Online);

    // The proxy's password changes and it drops every tunnel: the app says why it is offline,
    // and what is sent meanwhile waits in the outbox, not failed.
    w.proxy.require_for(&target, Some(("corp", "changed")));
    w.proxy.cut(&target);
    offline_for(&core, "proxy_auth_required").await;
    assert!(tunnels() >= opened);
    let id = core.send(chat, "Queued behind the proxy", &[]).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let waiting = core.outbox(Some(chat)).unwrap();
    let item = waiting.iter().find(|o| o.client_msg_id == id).unwrap();
    assert_ne!(item.state, OutboxState::Failed, "{item:?}");

    // The proxy takes the credentials again: back online, the message delivered once.
    w.proxy.forget(&target);
    core.reconnect_now();
    online(&core).await;
    assert_eq!(core.offline_because(), None);
    delivered_once(&core, &spec, chat, id).await;
    core.logout(true).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_http_server_behind_the_proxy_is_reached_through_it() {
    let w = world();
    let env = Env::start().await;
    let port = env.proxy.addr.port();
    let url = format!("http://{HIDDEN_HOST}:{port}");
    let target = format!("{HIDDEN_HOST}:{port}");

    let core = Core::open(env.core_config("c")).await.unwrap();
    core.login(&url, "user", okno_server::demo::DEMO_PASSWORD)
        .await
        .unwrap();
    online(&core).await;
    let seen = w.proxy.seen();
    // Requests go to the proxy whole (absolute form); the WebSocket through a tunnel.
    assert!(seen.contains(&("POST".into(), target.clone())), "{seen:?}");
    assert!(seen.contains(&("CONNECT".into(), target)), "{seen:?}");
    core.logout(true).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_that_refuses_the_credentials_is_said_by_name_at_sign_in() {
    let w = world();
    let env = Env::start().await;
    let https = TlsProxy::start(env.proxy.addr, w.ca.server(&[HIDDEN_HOST])).await;
    let port = env.proxy.addr.port();
    for (url, destination) in [
        (
            https.url(HIDDEN_HOST),
            format!("{HIDDEN_HOST}:{}", https.addr.port()),
        ),
        (
            format!("http://{HIDDEN_HOST}:{port}"),
            format!("{HIDDEN_HOST}:{port}"),
        ),
    ] {
        // The proxy wants other credentials than the environment names, for this server.
        w.proxy.require_for(&destination, Some(("corp", "another")));
        let refused_before = w.proxy.refused();
        let core = Core::open(env.core_config(&format!("c{}", url.len())))
            .await
            .unwrap();
        let err = core
            .login(&url, "user", okno_server::demo::DEMO_PASSWORD)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                CoreError::Proxy {
                    problem: ProxyProblem::AuthRequired
                }
            ),
            "{url}: {err:?}"
        );
        assert_eq!(err.code(), "proxy_auth_required");
        assert!(w.proxy.refused() > refused_before);
        assert!(core.me().unwrap().is_none(), "not signed in");

        // Given the right ones, the same sign-in goes through.
        w.proxy.forget(&destination);
        core.login(&url, "user", okno_server::demo::DEMO_PASSWORD)
            .await
            .unwrap();
        online(&core).await;
        core.logout(true).await.unwrap();
    }
}

/// Proxies from the desktop's settings (the shell reads GNOME's) replace the environment's, and
/// a change of them applies at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desktops_proxy_settings_are_used_instead_of_the_environments_and_followed() {
    let w = world();
    let env = Env::start().await;
    let https = TlsProxy::start(env.proxy.addr, w.ca.server(&[HIDDEN_HOST])).await;
    let target = format!("{HIDDEN_HOST}:{}", https.addr.port());
    let desktops = HttpProxy::start().await;
    desktops.require(Some(("desk", "top")));

    let mut config = env.core_config("c");
    config.proxies = Some(okno_core::ProxySettings {
        https: desktops.url(Some(("desk", "top"))),
        ..Default::default()
    });
    let core = Core::open(config).await.unwrap();
    core.login(
        &https.url(HIDDEN_HOST),
        "user",
        okno_server::demo::DEMO_PASSWORD,
    )
    .await
    .unwrap();
    online(&core).await;
    let tunnels = desktops
        .seen()
        .iter()
        .filter(|(m, t)| m == "CONNECT" && *t == target)
        .count();
    assert!(
        tunnels >= 2,
        "HTTP and the WebSocket through the desktop's proxy"
    );
    assert!(
        !w.proxy.seen().iter().any(|(_, t)| *t == target),
        "nothing through the environment's"
    );

    // That proxy stops letting the app through; the desktop's settings then name another
    // (the person moved to another network): the session follows them at once, and what was
    // written meanwhile is delivered once.
    desktops.require(Some(("desk", "changed")));
    desktops.cut(&target);
    offline_for(&core, "proxy_auth_required").await;
    let chat = first_chat(&core);
    let id = core.send(chat, "After the settings changed", &[]).unwrap();
    let other = HttpProxy::start().await;
    core.set_proxies(Some(okno_core::ProxySettings {
        https: other.url(None),
        ..Default::default()
    }))
    .unwrap();
    online(&core).await;
    delivered_once(&core, &env.http("specialist").await, chat, id).await;
    assert!(other
        .seen()
        .iter()
        .any(|(m, t)| m == "CONNECT" && *t == target));
    core.logout(true).await.unwrap();
}
