//! The core against a real server on loopback: offline sends, server and client crashes, cut
//! connections. Nothing lost, nothing doubled, the cache converges to the server's view.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use okno_core::{Core, CoreError};
use okno_proto::*;
use std::collections::BTreeMap;
use std::time::Duration;

/// Each text appears exactly once in the server's history.
async fn assert_once(env: &Env, chat: ChatId, texts: &[String]) {
    let http = env.http("user").await;
    let history = http.history(chat).await;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for m in &history {
        *counts.entry(m.text.as_str()).or_default() += 1;
    }
    for t in texts {
        assert_eq!(
            counts.get(t.as_str()),
            Some(&1),
            "{t:?} must be on the server exactly once"
        );
    }
}

/// The demo user's core once it has seen the server go away, and its first chat.
async fn offline_user(env: &Env) -> (Core, ChatId) {
    let core = env.core("c", "user").await;
    let chat = first_chat(&core);
    env.proxy.down();
    eventually(10, "offline", || async {
        *core.sync_state().borrow() == SyncState::Offline
    })
    .await;
    (core, chat)
}

/// The session revoked from another device: the core says so, what is written meanwhile waits
/// (neither failed nor lost), and signing in again as the same account keeps the cache and
/// sends it, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ended_by_the_server_waits_for_signing_in_again_and_loses_nothing() {
    let env = Env::start().await;
    let core = env.core("c", "user").await;
    let chat = first_chat(&core);
    eventually(10, "online", || async {
        *core.sync_state().borrow() == SyncState::Online
    })
    .await;
    core.send(chat, "before", &[]).unwrap();
    eventually(10, "sent", || async {
        core.outbox(None).unwrap().is_empty()
    })
    .await;
    let cached_before = cached(&core, chat).await.len();

    let phone = env.http("user").await;
    assert_eq!(phone.revoke_others().await, 1);
    eventually(10, "the session ended", || async {
        *core.sync_state().borrow() == SyncState::SessionEnded
    })
    .await;
    core.send(chat, "written after the end", &[]).unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let waiting = core.outbox(None).unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        waiting[0].state,
        OutboxState::Sending,
        "waiting, not failed"
    );
    assert_eq!(*core.sync_state().borrow(), SyncState::SessionEnded);
    assert!(
        core.me().unwrap().is_some(),
        "the account and its cache stay"
    );

    // A wrong password changes nothing.
    let url = env.proxy.url();
    let wrong = core.login(&url, "user", "not-it").await.unwrap_err();
    assert!(wrong.is_unauthorized(), "{wrong:?}");
    assert_eq!(core.outbox(None).unwrap().len(), 1);

    core.login(&url, "user", okno_server::demo::DEMO_PASSWORD)
        .await
        .unwrap();
    eventually(20, "delivered after signing in again", || async {
        core.outbox(None).unwrap().is_empty()
    })
    .await;
    assert_once(
        &env,
        chat,
        &["before".into(), "written after the end".into()],
    )
    .await;
    eventually(
        10,
        "the cache kept what it had and has the new one",
        || async { cached(&core, chat).await.len() > cached_before },
    )
    .await;
    eventually(10, "online again", || async {
        *core.sync_state().borrow() == SyncState::Online
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_send_then_reconnect_delivers_exactly_once() {
    let env = Env::start().await;
    let (core, chat) = offline_user(&env).await;

    let texts: Vec<String> = (0..5).map(|i| format!("offline {i}")).collect();
    for t in &texts {
        core.send(chat, t, &[]).unwrap();
    }
    // Shown at once, as sending, while offline.
    let page = core.messages(chat, None, 50).await.unwrap();
    assert_eq!(page.pending.len(), 5);
    assert!(page.pending.iter().all(|p| p.state == OutboxState::Sending));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        core.outbox(None).unwrap().len(),
        5,
        "nothing leaves while offline"
    );

    // Signing out now would lose them: refused, and nothing changes.
    let refused = core.logout(false).await.unwrap_err();
    assert_eq!(refused.code(), "unsent");
    assert!(matches!(refused, CoreError::Unsent(5)), "{refused:?}");
    assert!(core.me().unwrap().is_some(), "still signed in");
    assert_eq!(core.outbox(None).unwrap().len(), 5);

    env.proxy.up(env.server.as_ref().unwrap().addr);
    core.reconnect_now();
    eventually(20, "outbox drained", || async {
        core.outbox(None).unwrap().is_empty()
    })
    .await;
    assert_once(&env, chat, &texts).await;
    eventually(10, "the cache has them", || async {
        let got = cached(&core, chat).await;
        texts
            .iter()
            .all(|t| got.iter().filter(|m| &m.text == t).count() == 1)
    })
    .await;
}

/// Signing out with messages still in the outbox discards them only when asked to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_discards_unsent_messages_only_when_told_to() {
    let env = Env::start().await;
    let (core, chat) = offline_user(&env).await;
    core.send(chat, "written on the train", &[]).unwrap();
    assert!(matches!(
        core.logout(false).await,
        Err(CoreError::Unsent(1))
    ));
    assert!(core.me().unwrap().is_some());

    core.logout(true).await.unwrap();
    assert!(core.me().unwrap().is_none());
    assert!(core.outbox(None).unwrap().is_empty());
    env.proxy.up(env.server.as_ref().unwrap().addr);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        env.http("user")
            .await
            .history(chat)
            .await
            .iter()
            .all(|m| m.text != "written on the train"),
        "a discarded message never leaves"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_and_restarted_mid_sending_loses_and_doubles_nothing() {
    let mut env = Env::start().await;
    let core = env.core("c", "user").await;
    let chat = first_chat(&core);
    let texts: Vec<String> = (0..60).map(|i| format!("burst {i}")).collect();
    for t in &texts {
        core.send(chat, t, &[]).unwrap();
    }
    // Kill the server while the outbox drains, then bring it back on the same data.
    tokio::time::sleep(Duration::from_millis(30)).await;
    env.stop_server().await;
    let left = core.outbox(None).unwrap().len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    env.start_server().await;
    core.reconnect_now();
    eventually(30, "outbox drained", || async {
        core.outbox(None).unwrap().is_empty()
    })
    .await;
    assert_once(&env, chat, &texts).await;
    eprintln!("{left} of 60 were still queued when the server died");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_killed_with_a_pending_outbox_delivers_after_restart() {
    let env = Env::start().await;
    let core = env.core("c", "user").await;
    let chat = first_chat(&core);
    env.proxy.down();
    let texts: Vec<String> = (0..3).map(|i| format!("before the crash {i}")).collect();
    for t in &texts {
        core.send(chat, t, &[]).unwrap();
    }
    // The process dies: tasks stop, nothing is flushed beyond what send() already committed.
    core.shutdown().await;
    drop(core);

    env.proxy.up(env.server.as_ref().unwrap().addr);
    let again = Core::open(env.core_config("c")).await.unwrap();
    assert_eq!(
        again.outbox(None).unwrap().len(),
        3,
        "the outbox survived on disk"
    );
    assert!(
        !again.lines().unwrap().is_empty(),
        "the cache answers before the network"
    );
    eventually(20, "outbox drained after restart", || async {
        again.outbox(None).unwrap().is_empty()
    })
    .await;
    assert_once(&env, chat, &texts).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_cut_mid_stream_still_converge() {
    let env = Env::start().await;
    let core = env.core("c", "user").await;
    let chat = first_chat(&core);
    let specialist = env.http("specialist").await;
    let writer = tokio::spawn(async move {
        for i in 0..150 {
            specialist
                .send(chat, uuid::Uuid::new_v4(), &format!("answer {i}"))
                .await;
        }
    });
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(40)).await;
        env.proxy.cut();
        core.reconnect_now();
    }
    writer.await.unwrap();
    let http = env.http("user").await;
    let server = http.history(chat).await;
    eventually(30, "cache equals the server", || async {
        cached(&core, chat).await == server
    })
    .await;
    let sync: SyncResponse = http.get("/api/v1/sync?since=0&limit=1000").await;
    let summary: ChatSummary = http.get(&format!("/api/v1/chats/{chat}")).await;
    eventually(10, "unread converges", || async {
        let item = core
            .lines()
            .unwrap()
            .into_iter()
            .find(|l| l.chat_id == Some(chat))
            .unwrap();
        item.unread == summary.unread
    })
    .await;
    assert!(sync.events.len() >= 150);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_upload_with_progress_and_download_into_the_cache() {
    let env = Env::start().await;
    let core = env.core("c", "user").await;
    let chat = first_chat(&core);
    let mut events = core.subscribe();
    let path = env.dir.path().join("отчёт.bin");
    let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &bytes).unwrap();
    let id = core
        .send(chat, "the report", std::slice::from_ref(&path))
        .unwrap();
    eventually(30, "delivered", || async {
        core.outbox(None).unwrap().is_empty()
    })
    .await;
    let mut finished_up = false;
    while let Ok(e) = events.try_recv() {
        if let CoreEvent::Transfer {
            transfer_id,
            finished: true,
            error: None,
            total,
            ..
        } = e
        {
            if transfer_id.starts_with(&format!("up:{id}")) {
                assert_eq!(total, bytes.len() as i64);
                finished_up = true;
            }
        }
    }
    assert!(finished_up, "upload progress reported to the end");
    let files = core.chat_files(chat).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name, "отчёт.bin");
    // Another device downloads it into its own cache.
    let other = env.core("d", "user").await;
    eventually(10, "message synced", || async {
        !cached(&other, chat).await.is_empty()
    })
    .await;
    let local = other.download(files[0].id).await.unwrap();
    assert_eq!(std::fs::read(&local).unwrap(), bytes);
    assert_eq!(
        other.download(files[0].id).await.unwrap(),
        local,
        "downloaded once"
    );

    // Too large: refused before any upload, and nothing queued.
    let mut cfg = env.core_config("small");
    cfg.max_upload = 1000;
    let small = Core::open(cfg).await.unwrap();
    small
        .login(&env.proxy.url(), "user", okno_server::demo::DEMO_PASSWORD)
        .await
        .unwrap();
    let err = small
        .send(chat, "", std::slice::from_ref(&path))
        .unwrap_err();
    assert_eq!(err.code(), "payload_too_large");
    // The UI words it from the figures, not from the English message.
    let api = err.to_api();
    assert_eq!(
        (api.size, api.limit, api.name.as_deref()),
        (Some(bytes.len() as u64), Some(1000), Some("отчёт.bin"))
    );
    assert!(small.outbox(None).unwrap().is_empty());

    // What cannot be sent at all is refused by name, with a code for each reason, and nothing
    // of the message is queued (the good file beside it waits in the composer).
    let dir = env.dir.path().join("Отчёты за март");
    std::fs::create_dir(&dir).unwrap();
    let empty = env.dir.path().join("пусто.txt");
    std::fs::write(&empty, b"").unwrap();
    let gone = env.dir.path().join("удалён.txt");
    for (file, code) in [
        (&dir, "not_a_file"),
        (&empty, "empty_file"),
        (&gone, "unreadable_file"),
    ] {
        let err = core
            .send(chat, "see attached", &[path.clone(), file.clone()])
            .unwrap_err();
        assert_eq!(err.code(), code, "{err}");
        let name = file.file_name().unwrap().to_str().unwrap();
        assert_eq!(err.to_api().name.as_deref(), Some(name));
    }
    assert!(core.outbox(None).unwrap().is_empty());

    // Too long a text, too many files: refused with the figures the UI words them with.
    let err = core.send(chat, &"я".repeat(10_001), &[]).unwrap_err();
    assert_eq!(err.code(), "text_too_long");
    let api = err.to_api();
    assert_eq!((api.size, api.limit), (Some(10_001), Some(10_000)));
    let err = core.send(chat, "", &vec![path.clone(); 11]).unwrap_err();
    assert_eq!(err.code(), "too_many_files");
    let api = err.to_api();
    assert_eq!((api.size, api.limit), (Some(11), Some(10)));
    assert!(core.outbox(None).unwrap().is_empty());

    // Invisible control characters (pasted from a terminal or a PDF), which the server refuses,
    // are left out rather than failing the message; line breaks and tabs stay.
    core.send(chat, "a\u{0}b\u{b}c\n\td\u{7f}", &[]).unwrap();
    eventually(10, "delivered", || async {
        core.outbox(None).unwrap().is_empty()
    })
    .await;
    let http = env.http("user").await;
    assert!(http
        .history(chat)
        .await
        .iter()
        .any(|m| m.text == "abc\n\td"));
}

/// The server's refusal reaches the UI whole: a rate-limited sign-in keeps its wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_sign_in_says_how_long_to_wait() {
    let env = Env::start().await;
    let core = Core::open(env.core_config("limited")).await.unwrap();
    let mut last = None;
    for _ in 0..30 {
        match core
            .login(&env.proxy.url(), "user", "not the password")
            .await
        {
            Err(e) if e.code() == "rate_limited" => {
                last = Some(e);
                break;
            }
            Err(e) => assert_eq!(e.code(), "unauthorized", "{e}"),
            Ok(_) => panic!("signed in with a wrong password"),
        }
    }
    let err = last.expect("rate limited within 30 attempts");
    let api = err.to_api();
    assert_eq!(api.code, "rate_limited");
    assert!(
        api.retry_after.is_some_and(|s| (1..=60).contains(&s)),
        "{api:?}"
    );
}

/// The outbox entry `id` once it has failed.
async fn failed(core: &Core, id: uuid::Uuid) -> OutboxItem {
    eventually(10, "failed", || async {
        core.outbox(None)
            .unwrap()
            .iter()
            .any(|o| o.client_msg_id == id && o.state == OutboxState::Failed)
    })
    .await;
    let outbox = core.outbox(None).unwrap();
    outbox.into_iter().find(|o| o.client_msg_id == id).unwrap()
}

/// A server that takes smaller files than the client would: the upload is refused at once with
/// the server's limit (not retried as if the network had failed), and the message says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_a_smaller_upload_limit_fails_the_send_with_its_limit() {
    let env = Env::start_with(|c| c.max_file_size = 4096).await;
    let core = env.core("c", "user").await;
    let chat = first_chat(&core);
    let path = env.dir.path().join("big.log");
    std::fs::write(&path, vec![b'x'; 64 * 1024]).unwrap();
    let id = core.send(chat, "the log", &[path]).unwrap();
    let item = failed(&core, id).await;
    let error = item.error.unwrap();
    assert_eq!(
        (error.code.as_str(), error.limit),
        ("payload_too_large", Some(4096))
    );
    assert_once(&env, chat, &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_send_fails_with_the_reason_and_can_be_cancelled() {
    let env = Env::start().await;
    let core = env.core("c", "user").await;
    // A chat this user may not write to: the server refuses (404), so the send fails.
    let id = core.send(ChatId(999_999), "to nowhere", &[]).unwrap();
    let item = failed(&core, id).await;
    // The server's refusal is kept whole (its code for the UI to word), across a restart too.
    let error = item.error.unwrap();
    assert_eq!(error.code, "not_found");
    assert!(error.message.contains("not found"), "{error:?}");
    core.shutdown().await;
    drop(core);
    let core = Core::open(env.core_config("c")).await.unwrap();
    let item = core
        .outbox(None)
        .unwrap()
        .into_iter()
        .find(|o| o.client_msg_id == id)
        .unwrap();
    assert_eq!(item.error.unwrap().code, "not_found");
    core.retry(id).unwrap();
    eventually(10, "failed again", || async {
        core.outbox(None)
            .unwrap()
            .iter()
            .any(|o| o.client_msg_id == id && o.state == OutboxState::Failed)
    })
    .await;
    core.cancel(id).unwrap();
    assert!(core.outbox(None).unwrap().is_empty());
    assert!(core.cancel(id).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_and_offline_reading() {
    let env = Env::start().await;
    let core = env.core("c", "user").await;
    let chat = first_chat(&core);
    for t in [
        "Принтер на третьем этаже не печатает",
        "The printer jams again",
        "VPN is slow",
    ] {
        core.send(chat, t, &[]).unwrap();
    }
    eventually(10, "delivered", || async {
        core.outbox(None).unwrap().is_empty()
    })
    .await;
    let hits = core.search("принтер", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert!(hits[0].snippet.contains("\u{2}Принтер\u{3}"));
    let hits = core.search("print", 10).unwrap();
    assert_eq!(hits.len(), 1, "prefix match: print → printer");
    let hits = core.search("e", 10).unwrap();
    assert!(
        hits.windows(2).all(|w| w[0].message.id > w[1].message.id),
        "newest first"
    );

    // Offline after a restart: everything already seen stays readable.
    env.proxy.down();
    core.shutdown().await;
    let again = Core::open(env.core_config("c")).await.unwrap();
    assert_eq!(
        cached(&again, chat).await.len(),
        5,
        "3 messages + the ticket's registration and routing notices"
    );
    assert_eq!(again.search("vpn", 10).unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_forgets_the_token_and_the_cache() {
    let env = Env::start().await;
    let core = env.core("c", "user").await;
    assert!(env.dir.path().join("c/session-token").exists());
    // Something private in the cache and a downloaded file: both must go with the account.
    let chat = first_chat(&core);
    let secret = "my passport number is 4510 123456";
    let path = env.dir.path().join("scan.txt");
    std::fs::write(&path, "passport scan").unwrap();
    core.send(chat, secret, std::slice::from_ref(&path))
        .unwrap();
    eventually(30, "delivered", || async {
        core.outbox(None).unwrap().is_empty()
    })
    .await;
    let file = core.chat_files(chat).unwrap()[0].id;
    let other = env.core("d", "user").await;
    eventually(10, "message synced", || async {
        cached(&other, chat).await.iter().any(|m| m.text == secret)
    })
    .await;
    let local = other.download(file).await.unwrap();
    assert!(local.starts_with(env.dir.path().join("d/files")));
    let on_disk = |dir: &str| -> bool {
        std::fs::read_dir(env.dir.path().join(dir))
            .unwrap()
            .any(|e| {
                let bytes = std::fs::read(e.unwrap().path()).unwrap_or_default();
                bytes.windows(secret.len()).any(|w| w == secret.as_bytes())
            })
    };
    assert!(on_disk("d"), "the cache holds the message before");

    other.logout(false).await.unwrap();
    assert!(!local.exists(), "the downloaded file is gone");
    assert!(!env.dir.path().join("d/files").exists());
    assert!(
        !on_disk("d"),
        "no trace of the message in the cache's files"
    );
    assert!(other.me().unwrap().is_none());

    core.logout(false).await.unwrap();
    assert!(!env.dir.path().join("c/session-token").exists());
    assert!(core.lines().unwrap().is_empty());
    assert!(core.me().unwrap().is_none());
    let again = Core::open(env.core_config("c")).await.unwrap();
    assert!(again.me().unwrap().is_none());
}
