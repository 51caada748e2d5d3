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
    event_seqs_stay_consecutive_across_rolled_back_and_retried_jobs => seqs_across_rollbacks;
    a_failed_commit_leaves_no_cached_event_seq_behind => seqs_after_failed_commit;
    event_seqs_continue_after_a_restart => seqs_after_restart;
    event_seqs_continue_after_pruning_and_a_restart => seqs_after_pruning;
    a_fanned_out_event_keeps_one_body_until_no_stream_points_at_it => shared_bodies;
    a_repeated_send_returns_the_original_even_when_a_new_one_is_refused => repeated_send_paths;
}

/// Blocks the writer thread for a moment so that the jobs sent meanwhile form one batch.
async fn hold_writer(state: &std::sync::Arc<okno_server::AppState>) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    let h = tokio::spawn(async move {
        state
            .store
            .write(|_| {
                std::thread::sleep(Duration::from_millis(300));
                Ok(())
            })
            .await
            .unwrap();
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    h
}

fn read_body(i: i64) -> EventBody {
    EventBody::ChatRead {
        chat_id: ChatId(1),
        seq: i,
    }
}

/// Each listed user's stored event seqs, and their stream head as the server computes it.
async fn stored_seqs(
    state: &std::sync::Arc<okno_server::AppState>,
    users: Vec<UserId>,
) -> Vec<(Vec<i64>, i64)> {
    state
        .store
        .read(move |db| {
            let mut out = Vec::new();
            for u in users {
                let seqs = db
                    .query(
                        "SELECT seq FROM events WHERE user_id = $1 ORDER BY seq",
                        params![u],
                    )?
                    .iter()
                    .map(|r| r.int(0))
                    .collect::<Result<Vec<_>, _>>()?;
                let counter = okno_server::store::stream_pos(db, u)?.unwrap().head;
                out.push((seqs, counter));
            }
            Ok(out)
        })
        .await
        .unwrap()
}

async fn seqs_across_rollbacks(backend: Backend) {
    let srv = TestServer::demo(backend).await;
    let state = srv.server.as_ref().unwrap().state.clone();
    let a = srv.login("user").await.me().await.id;
    let b = srv.login("specialist").await.me().await.id;
    let (a0, b0) = {
        let s = stored_seqs(&state, vec![a, b]).await;
        (s[0].1, s[1].1)
    };
    let mut ws_a = srv.login("user").await.ws(Some(a0)).await;

    // One batch: jobs that append to A and B and commit, jobs that append and then fail, and
    // jobs that fail with `Busy` once (rolled back, then retried) before they commit.
    let blocker = hold_writer(&state).await;
    let jobs = (0..60i64).map(|i| {
        let state = state.clone();
        async move {
            let mut attempts = 0;
            state
                .store
                .write(move |ctx| {
                    attempts += 1;
                    ctx.emit(a, &read_body(i))?;
                    if i % 2 == 0 {
                        ctx.emit_many(&[a, b], &read_body(i))?;
                    }
                    match i % 3 {
                        1 => Err(AppError::invalid("rolled back")),
                        2 if attempts == 1 => Err(AppError::Busy),
                        _ => Ok(()),
                    }
                })
                .await
        }
    });
    let results = futures_util::future::join_all(jobs).await;
    blocker.await.unwrap();
    let mut want_a = 0;
    let mut want_b = 0;
    for (i, r) in (0i64..).zip(&results) {
        assert_eq!(r.is_ok(), i % 3 != 1, "job {i}: {r:?}");
        if r.is_ok() {
            want_a += if i % 2 == 0 { 2 } else { 1 };
            want_b += i64::from(i % 2 == 0);
        }
    }
    let s = stored_seqs(&state, vec![a, b]).await;
    assert_eq!(s[0].0, ((a0 + 1)..=(a0 + want_a)).collect::<Vec<_>>());
    assert_eq!(
        s[0].1,
        a0 + want_a,
        "the stream head is the last stored seq"
    );
    assert_eq!(s[1].0, ((b0 + 1)..=(b0 + want_b)).collect::<Vec<_>>());
    assert_eq!(s[1].1, b0 + want_b);

    // The next batch continues right after.
    let next = state
        .store
        .write(move |ctx| ctx.emit(a, &read_body(0)))
        .await
        .unwrap();
    assert_eq!(next, a0 + want_a + 1);
    let pushed = ws_a.drain_events(Duration::from_millis(700)).await;
    assert_contiguous(&pushed, a0 + 1);
    assert_eq!(
        pushed.len() as i64,
        want_a + 1,
        "only committed events are pushed"
    );
}

async fn seqs_after_failed_commit(backend: Backend) {
    let srv = TestServer::demo(backend).await;
    let state = srv.server.as_ref().unwrap().state.clone();
    let a = srv.login("user").await.me().await.id;
    let a0 = stored_seqs(&state, vec![a]).await[0].1;
    // A batch whose COMMIT fails: one job leaves a deferred foreign key violation behind, which
    // is only checked at COMMIT; the other appends events to A.
    let blocker = hold_writer(&state).await;
    let appended = {
        let state = state.clone();
        async move {
            state
                .store
                .write(move |ctx| {
                    for i in 0..5 {
                        ctx.emit(a, &read_body(i))?;
                    }
                    Ok(())
                })
                .await
        }
    };
    let violating = {
        let state = state.clone();
        async move {
            state
                .store
                .write(|ctx| {
                    ctx.db.batch(
                        "CREATE TABLE deferred_fk (u BIGINT REFERENCES users(id) \
                         DEFERRABLE INITIALLY DEFERRED)",
                    )?;
                    ctx.db
                        .execute("INSERT INTO deferred_fk (u) VALUES (999999)", params![])?;
                    Ok(())
                })
                .await
        }
    };
    let (r1, r2) = futures_util::future::join(appended, violating).await;
    blocker.await.unwrap();
    assert!(
        r1.is_err() && r2.is_err(),
        "the whole batch failed: {r1:?} {r2:?}"
    );
    let s = stored_seqs(&state, vec![a]).await;
    assert_eq!(s[0].1, a0);
    assert!(
        s[0].0.iter().all(|q| *q <= a0),
        "no event of the failed batch is stored"
    );

    // Nothing of the failed batch survives, in the database or in the writer's memory.
    let next = state
        .store
        .write(move |ctx| ctx.emit(a, &read_body(0)))
        .await
        .unwrap();
    assert_eq!(next, a0 + 1);
    let s = stored_seqs(&state, vec![a]).await;
    assert_eq!(s[0].1, a0 + 1);
    assert_eq!(s[0].0.last(), Some(&(a0 + 1)));
}

async fn seqs_after_restart(backend: Backend) {
    let mut srv = TestServer::demo(backend).await;
    let user = srv.login("user").await;
    let a = user.me().await.id;
    let emit_n = |state: std::sync::Arc<okno_server::AppState>, n: i64| async move {
        let mut got = Vec::new();
        for i in 0..n {
            got.push(
                state
                    .store
                    .write(move |ctx| ctx.emit(a, &read_body(i)))
                    .await
                    .unwrap(),
            );
        }
        got
    };
    let state = srv.server.as_ref().unwrap().state.clone();
    let a0 = stored_seqs(&state, vec![a]).await[0].1;
    let first = emit_n(state.clone(), 3).await;
    assert_eq!(first, vec![a0 + 1, a0 + 2, a0 + 3]);
    drop(state);
    srv.restart().await;
    let state = srv.server.as_ref().unwrap().state.clone();
    let second = emit_n(state.clone(), 3).await;
    assert_eq!(second, vec![a0 + 4, a0 + 5, a0 + 6]);
    let s = stored_seqs(&state, vec![a]).await;
    assert_eq!(s[0].1, a0 + 6);
    let tail: Vec<i64> = s[0].0.iter().copied().filter(|q| *q > a0).collect();
    assert_eq!(tail, (a0 + 1..=a0 + 6).collect::<Vec<_>>());
}

/// Pruning drops old events but never the stream's head: after it (and a restart, which empties
/// the writer's cached heads) the stream goes on from where it was, and an old cursor is reset
/// to that head.
async fn seqs_after_pruning(backend: Backend) {
    let mut srv = TestServer::demo(backend).await;
    let user = srv.login("user").await;
    let a = user.me().await.id;
    let state = srv.server.as_ref().unwrap().state.clone();
    let a0 = stored_seqs(&state, vec![a]).await[0].1;
    for i in 0..5 {
        state
            .store
            .write(move |ctx| ctx.emit(a, &read_body(i)))
            .await
            .unwrap();
    }
    okno_server::sync::prune_events(&state, 1).await.unwrap();
    let s = stored_seqs(&state, vec![a]).await;
    assert_eq!(s[0].0, vec![a0 + 5], "only the newest event is kept");
    assert_eq!(s[0].1, a0 + 5);
    drop(state);
    srv.restart().await;
    let state = srv.server.as_ref().unwrap().state.clone();
    let next = state
        .store
        .write(move |ctx| ctx.emit(a, &read_body(9)))
        .await
        .unwrap();
    assert_eq!(next, a0 + 6, "the stream continues after its head");
    let user = srv.login("user").await;
    let page: SyncResponse = user.get("/api/v1/sync?since=1").await.unwrap();
    assert!(page.reset, "an old cursor is reset: {page:?}");
    assert_eq!(page.cursor, a0 + 6, "to the head");
}

/// What a user's stream replays from `since` over HTTP: (seq, body).
async fn replay(client: &Api, since: i64) -> Vec<(i64, EventBody)> {
    let page: SyncResponse = client
        .get(&format!("/api/v1/sync?since={since}"))
        .await
        .unwrap();
    assert!(!page.reset, "{page:?}");
    page.events.into_iter().map(|e| (e.seq, e.body)).collect()
}

/// Shared event bodies stored after `after` (an id).
async fn count_bodies(state: &std::sync::Arc<okno_server::AppState>, after: i64) -> i64 {
    state
        .store
        .read(move |db| {
            db.query_one(
                "SELECT COUNT(*) FROM event_bodies WHERE id > $1",
                params![after],
            )?
            .int(0)
            .map_err(Into::into)
        })
        .await
        .unwrap()
}

async fn last_body(state: &std::sync::Arc<okno_server::AppState>) -> i64 {
    state
        .store
        .read(|db| {
            db.query_one("SELECT COALESCE(MAX(id), 0) FROM event_bodies", params![])?
                .int(0)
                .map_err(Into::into)
        })
        .await
        .unwrap()
}

/// An event for several users is stored once and replayed to each of them; pruning drops a
/// shared body only when no stream points at it any more.
async fn shared_bodies(backend: Backend) {
    let srv = TestServer::demo(backend).await;
    let state = srv.server.as_ref().unwrap().state.clone();
    let ua = srv.login("user").await;
    let ub = srv.login("specialist").await;
    let (a, b) = (ua.me().await.id, ub.me().await.id);
    let s = stored_seqs(&state, vec![a, b]).await;
    let (a0, b0) = (s[0].1, s[1].1);
    let before = last_body(&state).await;
    let (x, y, z, w) = (
        read_body(101),
        read_body(102),
        read_body(103),
        read_body(104),
    );
    {
        let (x, y, z, w) = (x.clone(), y.clone(), z.clone(), w.clone());
        state
            .store
            .write(move |ctx| {
                ctx.emit_many(&[a, b, a], &x)?;
                ctx.emit_many(&[b, a], &y)?;
                ctx.emit(a, &z)?;
                ctx.emit_many(&[b], &w)?;
                Ok(())
            })
            .await
            .unwrap();
    }
    assert_eq!(
        count_bodies(&state, before).await,
        2,
        "one body per fan-out"
    );
    let want_a = vec![
        (a0 + 1, x.clone()),
        (a0 + 2, y.clone()),
        (a0 + 3, z.clone()),
    ];
    let want_b = vec![
        (b0 + 1, x.clone()),
        (b0 + 2, y.clone()),
        (b0 + 3, w.clone()),
    ];
    assert_eq!(replay(&ua, a0).await, want_a);
    assert_eq!(replay(&ub, b0).await, want_b);

    okno_server::sync::prune_events(&state, 2).await.unwrap();
    assert_eq!(replay(&ua, a0 + 1).await, want_a[1..]);
    assert_eq!(replay(&ub, b0 + 1).await, want_b[1..]);
    assert_eq!(
        count_bodies(&state, before).await,
        1,
        "only y's body is still pointed at"
    );

    okno_server::sync::prune_events(&state, 1).await.unwrap();
    assert_eq!(replay(&ua, a0 + 2).await, want_a[2..]);
    assert_eq!(replay(&ub, b0 + 2).await, want_b[2..]);
    assert_eq!(
        count_bodies(&state, before).await,
        0,
        "no stream points at a shared body"
    );
}

async fn repeated_send_paths(backend: Backend) {
    let srv = TestServer::demo(backend).await;
    let user = srv.login("user").await;
    let snapshot: Snapshot = user.get("/api/v1/snapshot").await.unwrap();
    let chat = snapshot.connections.iter().find_map(|c| c.chat_id).unwrap();
    let send = |req: SendMessageRequest| {
        let user = user.clone();
        async move {
            user.send_raw(
                user.request(
                    reqwest::Method::POST,
                    &format!("/api/v1/chats/{chat}/messages"),
                )
                .json(&req),
            )
            .await
        }
    };

    // A file message sent twice: the second time its file is already sent, and the original
    // comes back (200) rather than an error.
    let meta = user.upload("notes.txt", b"hello".to_vec()).await.unwrap();
    let req = SendMessageRequest {
        client_msg_id: uuid::Uuid::new_v4(),
        text: "with a file".into(),
        file_ids: vec![meta.id],
    };
    let (s1, m1) = send(req.clone()).await;
    assert_eq!(s1, 201, "{m1}");
    let (s2, m2) = send(req.clone()).await;
    assert_eq!(s2, 200, "{m2}");
    assert_eq!(m1["id"], m2["id"]);
    // The same id for a different text: refused, nothing stored.
    let (s3, _) = send(SendMessageRequest {
        text: "other".into(),
        ..req.clone()
    })
    .await;
    assert_eq!(s3, 409);

    // A text message, then the user leaves the line: sending it again still returns it, a new
    // one is refused.
    let req = SendMessageRequest {
        client_msg_id: uuid::Uuid::new_v4(),
        text: "before leaving".into(),
        file_ids: vec![],
    };
    let (s1, m1) = send(req.clone()).await;
    assert_eq!(s1, 201, "{m1}");
    let connection = snapshot
        .connections
        .iter()
        .find(|c| c.chat_id == Some(chat))
        .unwrap()
        .id;
    user.delete(&format!("/api/v1/connections/{connection}"))
        .await
        .unwrap();
    let (s2, m2) = send(req.clone()).await;
    assert_eq!(s2, 200, "{m2}");
    assert_eq!(m1["id"], m2["id"]);
    let (s3, _) = send(SendMessageRequest {
        client_msg_id: uuid::Uuid::new_v4(),
        ..req.clone()
    })
    .await;
    assert_eq!(s3, 404);
    let (s4, _) = send(SendMessageRequest {
        text: "changed".into(),
        ..req
    })
    .await;
    assert_eq!(s4, 409);
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
    let mut ws_user = user_b.ws_now().await;
    let mut ws_staff = specialist_b.ws_now().await;
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
