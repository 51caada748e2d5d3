//! The store's guarantees on both backends: a failing write changes nothing while the jobs
//! batched with it commit; event positions are gapless under concurrency; and on PostgreSQL,
//! events committed by one server node reach WebSocket clients of another.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use okno_proto::*;
use okno_server::error::AppError;
use okno_server::params;
use std::time::Duration;

both! {
    a_failing_job_changes_nothing_and_its_batch_neighbours_commit => failing_job_isolated;
    event_positions_are_gapless_under_concurrency => gapless_events;
}

async fn failing_job_isolated(backend: Backend) {
    let srv = TestServer::demo(backend).await;
    let state = srv.server.as_ref().unwrap().state.clone();
    let jobs = (0..200i64).map(|i| {
        let state = state.clone();
        async move {
            state
                .store
                .write(move |ctx| {
                    ctx.db.execute(
                        "INSERT INTO meta (key, value) VALUES ($1, 'x')",
                        params![format!("k{i}")],
                    )?;
                    if i % 2 == 1 {
                        return Err(AppError::invalid("odd"));
                    }
                    Ok(i)
                })
                .await
        }
    });
    let results = futures_util::future::join_all(jobs).await;
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r.is_ok(), i % 2 == 0, "job {i}: {r:?}");
    }
    let n = state
        .store
        .read(|db| {
            Ok(db
                .query_one("SELECT COUNT(*) FROM meta WHERE key LIKE 'k%'", params![])?
                .int(0)?)
        })
        .await
        .unwrap();
    assert_eq!(n, 100, "exactly the successful jobs' rows are stored");
}

async fn gapless_events(backend: Backend) {
    let srv = TestServer::demo(backend).await;
    let state = srv.server.as_ref().unwrap().state.clone();
    let user = srv.login("user").await;
    let me = user.me().await;
    let mut ws = user.ws(Some(0)).await;
    let jobs = (0..300).map(|i| {
        let state = state.clone();
        async move {
            state
                .store
                .write(move |ctx| {
                    ctx.emit(
                        me.id,
                        &EventBody::ChatRead {
                            chat_id: ChatId(1),
                            seq: i,
                        },
                    )
                })
                .await
                .unwrap()
        }
    });
    let mut seqs = futures_util::future::join_all(jobs).await;
    seqs.sort();
    assert_eq!(seqs, (1..=300).collect::<Vec<_>>());
    let pushed = ws.drain_events(Duration::from_millis(700)).await;
    assert_contiguous(&pushed, 1);
    assert_eq!(pushed.len(), 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_nodes_push_each_others_events() {
    let srv = TestServer::demo(Backend::Postgres).await;
    let node_b = srv.another_node().await;
    let user_a = srv.login("user").await;
    let mut user_b = user_a.clone();
    user_b.base = node_b.url();
    let specialist_b = {
        let mut s = srv.login("specialist").await;
        s.base = node_b.url();
        s
    };
    let snapshot: Snapshot = user_a.get("/api/v1/snapshot").await.unwrap();
    let chat = snapshot.connections.iter().find_map(|c| c.chat_id).unwrap();

    // Clients on node B; the writes go to node A.
    let mut ws_user = user_b.ws(None).await;
    let mut ws_staff = specialist_b.ws(None).await;
    let mut sent = Vec::new();
    for i in 0..20 {
        sent.push(user_a.send_text(chat, &format!("via A {i}")).await.id);
    }
    for ws in [&mut ws_user, &mut ws_staff] {
        let events = ws.drain_events(Duration::from_millis(1500)).await;
        let got: Vec<MessageId> = events
            .iter()
            .filter_map(|e| match &e.body {
                EventBody::MessageCreated { message } if message.kind != MessageKind::Notice => {
                    Some(message.id)
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            got, sent,
            "node B pushed every message committed on node A, once, in order"
        );
        for w in events.windows(2) {
            assert_eq!(w[1].seq, w[0].seq + 1);
        }
    }
    node_b.stop().await;
}
