//! Catch-up of 100,000 events over the real path: an okno-server on loopback (SQLite), the
//! demo `user` with 100,000 new events in their stream (real sends in their chat, made
//! server-side by `chats::send_message` in write jobs of 1,000), and a `Core` that signed in
//! before those events existed. Timed: `Core::open` (which resumes the stored session) until the
//! sync service reports `Online` — i.e. every `GET /api/v1/sync?since=…&limit=1000` page fetched,
//! decoded and applied in the cache, then the WebSocket opened. Goal: ≤ 3 s.
//!
//! A fresh `Core::login` takes a snapshot at the stream's head and so has nothing to catch up;
//! it is timed separately. Also timed: the HTTP pages alone (fetch and decode, no cache), and
//! `Core::messages(chat, None, 50)` on the caught-up core.
//!
//! Server-side setup uses `Durability::Normal` (setup speed only) and an event retention of
//! 10,000,000 so that the pruner never moves the stream's floor. Setup time is not counted.
//!
//! `cargo bench -p okno-core --bench sync`; `OKNO_BENCH_QUICK=1` for 10,000 events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use okno_core::cache::Cache;
use okno_core::{Core, CoreConfig};
use okno_proto::*;
use okno_server::{build_state, db::Durability, demo, AppState, Config, Server};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

const JOB: i64 = 1000;

fn main() {
    header("sync");
    let events = size(100_000) as i64;
    let runs = if quick() { 1 } else { 3 };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(bench(events, runs));
}

fn core_config(dir: &Path) -> CoreConfig {
    let mut c = CoreConfig::new(dir);
    c.use_os_secret_store = false;
    c
}

async fn head(state: &AppState, user: UserId) -> i64 {
    state
        .store
        .read(move |db| {
            Ok(db
                .query_one(
                    "SELECT event_seq FROM users WHERE id = $1",
                    okno_server::params![user],
                )?
                .int(0)?)
        })
        .await
        .unwrap()
}

async fn user_id(state: &AppState, login: &'static str) -> UserId {
    state
        .store
        .read(move |db| {
            Ok(UserId(
                db.query_one(
                    "SELECT id FROM users WHERE login = $1",
                    okno_server::params![login],
                )?
                .int(0)?,
            ))
        })
        .await
        .unwrap()
}

async fn wait_online(core: &Core) {
    let mut state = core.sync_state();
    tokio::time::timeout(
        Duration::from_secs(300),
        state.wait_for(|s| *s == SyncState::Online),
    )
    .await
    .expect("the core did not come online")
    .unwrap();
}

async fn bench(events: i64, runs: usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.path().join("server"));
    config.durability = Durability::Normal;
    config.event_retention = 10_000_000;
    let state = build_state(config).await.unwrap();
    demo::seed(&state).await.unwrap();
    let server = Server::start_with(state.clone()).await.unwrap();
    let url = server.url();

    // ------------------------------------------------------------ setup (not timed)
    // Clients that signed in before the history existed: their cursor is the old head.
    let mut clients = Vec::new();
    let mut chat = None;
    for i in 0..runs {
        let cfg = core_config(&dir.path().join(format!("client{i}")));
        let core = Core::open(cfg.clone()).await.unwrap();
        core.login(&url, "user", demo::DEMO_PASSWORD).await.unwrap();
        wait_online(&core).await;
        chat = core.lines().unwrap().iter().find_map(|l| l.chat_id);
        core.shutdown().await;
        clients.push(cfg);
    }
    let chat = chat.expect("the demo user has a chat");
    let user = user_id(&state, "user").await;
    let specialist = user_id(&state, "specialist").await;
    let head0 = head(&state, user).await;

    let t = Instant::now();
    let mut texts = TextGen::new(2);
    let mut rng = fastrand::Rng::with_seed(11);
    loop {
        let have = head(&state, user).await - head0;
        if have >= events {
            break;
        }
        let sends: Vec<(UserId, String)> = (0..(events - have).min(JOB))
            .map(|_| {
                let sender = if rng.u8(0..10) < 4 { user } else { specialist };
                (sender, texts.text())
            })
            .collect();
        state
            .store
            .write(move |ctx| {
                for (sender, text) in &sends {
                    let req = SendMessageRequest {
                        client_msg_id: uuid::Uuid::new_v4(),
                        text: text.clone(),
                        file_ids: vec![],
                    };
                    okno_server::chats::send_message(ctx, *sender, chat, &req)?;
                }
                Ok(())
            })
            .await
            .unwrap();
    }
    let head1 = head(&state, user).await;
    let n = head1 - head0;
    println!(
        "setup: {n} events in the user's stream (cursor {head0} → {head1}), generated in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // ------------------------------------------------------------ HTTP pages alone
    let http = reqwest::Client::new();
    let login: LoginResponse = http
        .post(format!("{url}/api/v1/auth/login"))
        .json(&serde_json::json!({"login": "user", "password": demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut http_runs = Samples::new();
    for _ in 0..runs {
        let t = Instant::now();
        let mut cursor = head0;
        let mut pages = 0;
        loop {
            let page: SyncResponse = http
                .get(format!("{url}/api/v1/sync?since={cursor}&limit=1000"))
                .bearer_auth(&login.token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(!page.reset);
            pages += 1;
            cursor = page.cursor;
            black_box(&page.events);
            if !page.has_more {
                break;
            }
        }
        assert_eq!(cursor, head1);
        http_runs.push(t.elapsed());
        println!(
            "HTTP only: {pages} pages fetched and decoded in {:.3} s",
            t.elapsed().as_secs_f64()
        );
    }

    // ------------------------------------------------------------ timed catch-up
    let mut catch_up = Samples::new();
    let mut synced = None;
    for (i, cfg) in clients.iter().enumerate() {
        let cpu0 = cpu_time();
        let t = Instant::now();
        let core = Core::open(cfg.clone()).await.unwrap();
        wait_online(&core).await;
        let dt = t.elapsed();
        let cpu = cpu_between(cpu0, cpu_time());
        catch_up.push(dt);
        let cache = Cache::open(&cfg.data_dir.join("cache.db")).unwrap();
        assert_eq!(cache.cursor().unwrap(), head1, "caught up to the head");
        println!(
            "run {}: Core::open → Online, {n} events caught up in {:.3} s ({cpu}, server and client; {:.0} events/s); chat last_seq {}; load average {}",
            i + 1,
            dt.as_secs_f64(),
            n as f64 / dt.as_secs_f64(),
            cache.last_seq(chat).unwrap(),
            load_average()
        );
        if let Some(old) = synced.replace(core) {
            old.shutdown().await;
        }
    }

    // ------------------------------------------------------------ fresh sign-in
    let mut logins = Samples::new();
    for i in 0..runs {
        let core = Core::open(core_config(&dir.path().join(format!("fresh{i}"))))
            .await
            .unwrap();
        let t = Instant::now();
        core.login(&url, "user", demo::DEMO_PASSWORD).await.unwrap();
        wait_online(&core).await;
        logins.push(t.elapsed());
        core.shutdown().await;
    }

    // ------------------------------------------------------------ newest page, online core
    let core = synced.expect("a caught-up core");
    let iters = size(2000);
    for _ in 0..50 {
        black_box(core.messages(chat, None, 50).await.unwrap());
    }
    let mut page = Samples::new();
    for _ in 0..iters {
        let t = Instant::now();
        let p = core.messages(chat, None, 50).await.unwrap();
        page.push(t.elapsed());
        assert_eq!(p.messages.len(), 50);
        black_box(p);
    }
    core.shutdown().await;
    server.stop().await;

    let secs = |d: Duration| d.as_secs_f64();
    println!("\nsummary ({n} events, {runs} runs)");
    println!("{}", catch_up.line("  catch-up: Core::open → Online"));
    println!("{}", http_runs.line("  HTTP pages only (fetch + decode)"));
    println!("{}", logins.line("  fresh Core::login → Online"));
    println!("{}", page.line("  Core::messages(chat, None, 50), online"));
    let median = catch_up.pct(0.5);
    let goal = Duration::from_secs(3) * (n as u32) / 100_000;
    println!(
        "  goal 1 (100k catch-up ≤ 3 s, here {n} events ≤ {:.1} s): median {:.3} s, worst {:.3} s, {:.0} events/s → {}",
        secs(goal),
        secs(median),
        secs(catch_up.pct(1.0)),
        n as f64 / secs(median),
        verdict(catch_up.pct(1.0) <= goal)
    );
}
