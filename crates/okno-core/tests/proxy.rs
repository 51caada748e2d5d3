//! A proxy in the environment (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, as corporate desktops
//! set them) is not used for this computer's own server: the embedded one signs in and syncs
//! directly, and the proxy sees nothing. Its own test binary, since the variables are
//! process-wide.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use okno_core::Core;
use okno_proto::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_in_the_environment_is_not_used_for_this_computers_server() {
    // The "proxy": counts who connects, and answers nothing useful.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    let used = Arc::new(AtomicUsize::new(0));
    let seen = used.clone();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(conn);
        }
    });
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
    ] {
        std::env::set_var(var, &proxy);
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");

    let env = Env::start().await;
    let core = Core::open(env.core_config("c")).await.unwrap();
    for url in [
        env.proxy.url(),
        env.proxy.url().replace("127.0.0.1", "localhost"),
    ] {
        core.login(&url, "user", okno_server::demo::DEMO_PASSWORD)
            .await
            .unwrap();
        eventually(10, "online", || async {
            *core.sync_state().borrow() == SyncState::Online
        })
        .await;
        core.logout(true).await.unwrap();
    }
    assert_eq!(
        used.load(Ordering::SeqCst),
        0,
        "nothing went through the proxy"
    );
}
