//! Property tests: whatever the interleaving of events, reconnects, duplicate deliveries and
//! retries, the client's cache ends equal to the server's view.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use okno_core::cache::Cache;
use okno_proto::*;
use proptest::prelude::*;
use std::sync::OnceLock;
use std::time::Duration;

/// A real event stream recorded from a real server, and the server's view at its end.
struct Recording {
    server_url: String,
    start: Snapshot,
    events: Vec<Event>,
    end: Snapshot,
    histories: Vec<(ChatId, Vec<Message>)>,
}

fn recording() -> &'static Recording {
    static REC: OnceLock<Recording> = OnceLock::new();
    REC.get_or_init(|| {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let env = Env::start().await;
            let user = env.http("user").await;
            let start: Snapshot = user.get("/api/v1/snapshot").await;
            let chats: Vec<ChatId> = start.connections.iter().filter_map(|c| c.chat_id).collect();
            let specialist = env.http("specialist").await;
            let acme = env.http("acme-admin").await;
            // Messages both ways in two chats, read markers, a connection request approved,
            // another rejected, a disconnect.
            for i in 0..12 {
                let chat = chats[i % chats.len()];
                user.send(chat, uuid::Uuid::new_v4(), &format!("question {i}"))
                    .await;
                specialist
                    .send(chat, uuid::Uuid::new_v4(), &format!("answer {i}"))
                    .await;
            }
            let summary: ChatSummary = user.get(&format!("/api/v1/chats/{}", chats[0])).await;
            user.client
                .post(format!("{}/api/v1/chats/{}/read", user.base, chats[0]))
                .bearer_auth(&user.token)
                .json(&ReadRequest {
                    seq: summary.last_seq - 3,
                })
                .send()
                .await
                .unwrap();
            let lines: Vec<Line> = user.get("/api/v1/directory?q=acme").await;
            let req: Connection = user
                .client
                .post(format!("{}/api/v1/connections", user.base))
                .bearer_auth(&user.token)
                .json(&ConnectionRequestInput {
                    line_id: lines[0].id,
                })
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let approved: Connection = acme
                .client
                .post(format!(
                    "{}/api/v1/connections/{}/approve",
                    acme.base, req.id
                ))
                .bearer_auth(&acme.token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let acme_chat = approved.chat_id.unwrap();
            user.send(acme_chat, uuid::Uuid::new_v4(), "hello acme")
                .await;
            acme.send(acme_chat, uuid::Uuid::new_v4(), "hello user")
                .await;
            let second = start
                .connections
                .iter()
                .find(|c| c.chat_id == Some(chats[1]))
                .unwrap();
            user.client
                .delete(format!("{}/api/v1/connections/{}", user.base, second.id))
                .bearer_auth(&user.token)
                .send()
                .await
                .unwrap();
            let sync: SyncResponse = user
                .get(&format!("/api/v1/sync?since={}&limit=1000", start.cursor))
                .await;
            assert!(!sync.has_more);
            let end: Snapshot = user.get("/api/v1/snapshot").await;
            let mut histories = Vec::new();
            for c in &end.chats {
                histories.push((c.id, user.history(c.id).await));
            }
            Recording {
                server_url: env.proxy.url(),
                start,
                events: sync.events,
                end,
                histories,
            }
        })
    })
}

type View = Vec<(
    LineId,
    ConnectionState,
    Option<ChatId>,
    i64,
    bool,
    Option<Message>,
)>;

/// What the cache holds, in the terms of the server's view.
fn view(cache: &Cache) -> View {
    let mut v: Vec<_> = cache
        .line_items()
        .unwrap()
        .into_iter()
        .map(|l| {
            let newest = l.last_message;
            (
                l.line.id,
                l.state,
                l.chat_id,
                l.unread,
                l.open_ticket,
                newest,
            )
        })
        .collect();
    v.sort_by_key(|x| x.0);
    v
}

fn server_view(s: &Snapshot) -> View {
    let mut v: Vec<_> = s
        .connections
        .iter()
        .map(|c| {
            let chat = c.chat_id.and_then(|id| s.chats.iter().find(|x| x.id == id));
            (
                c.line.id,
                c.state,
                c.chat_id,
                chat.map_or(0, |x| x.unread),
                chat.is_some_and(|x| x.open_ticket.is_some()),
                chat.and_then(|x| x.last_message.as_deref().cloned()),
            )
        })
        .collect();
    v.sort_by_key(|x| x.0);
    v
}

#[derive(Debug, Clone)]
enum Delivery {
    /// Events `[from, from + len)` of the stream arrive as one batch (may repeat or skip ahead).
    Batch { from: usize, len: usize },
    /// The connection drops and the client catches up from its cursor.
    Reconnect,
}

fn delivery(n: usize) -> impl Strategy<Value = Delivery> {
    prop_oneof![
        4 => (0..n, 1..20usize).prop_map(|(from, len)| Delivery::Batch { from, len }),
        1 => Just(Delivery::Reconnect),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Batches arrive duplicated, overlapping, out of order and with gaps, between reconnects;
    /// the cache refuses gaps (the client then refetches from its cursor), skips duplicates, and
    /// ends equal to the server.
    #[test]
    fn any_delivery_order_converges(schedule in prop::collection::vec(delivery(64), 1..40)) {
        let rec = recording();
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("c.db")).unwrap();
        cache.apply_snapshot(Some(&rec.server_url), &rec.start).unwrap();
        let base = rec.start.cursor;
        let index = |seq: i64| (seq - base - 1) as usize;
        let catch_up = |cache: &Cache| {
            let from = index(cache.cursor().unwrap() + 1);
            cache.apply_events(&rec.events[from.min(rec.events.len())..]).unwrap();
        };
        for d in schedule {
            match d {
                Delivery::Batch { from, len } => {
                    let from = from.min(rec.events.len());
                    let to = (from + len).min(rec.events.len());
                    match cache.apply_events(&rec.events[from..to]) {
                        Ok(_) => {}
                        Err(okno_core::CoreError::Gap { .. }) => catch_up(&cache),
                        Err(e) => panic!("unexpected {e}"),
                    }
                }
                Delivery::Reconnect => catch_up(&cache),
            }
            let cursor = cache.cursor().unwrap();
            prop_assert!(cursor >= base && cursor <= base + rec.events.len() as i64);
        }
        catch_up(&cache);
        prop_assert_eq!(cache.cursor().unwrap(), rec.end.cursor);
        prop_assert_eq!(view(&cache), server_view(&rec.end));
        for (chat, history) in &rec.histories {
            let page = cache.chat_page(*chat, None, 200).unwrap();
            prop_assert_eq!(&page.messages, history);
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    UserSend,
    StaffSend,
    /// The user's last send delivered again by hand with the same client message id.
    DuplicateSend,
    Cut,
    ServerDown,
    Read,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::UserSend),
        3 => Just(Op::StaffSend),
        1 => Just(Op::DuplicateSend),
        2 => Just(Op::Cut),
        1 => Just(Op::ServerDown),
        1 => Just(Op::Read),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// The same against the live core: sends, staff replies, duplicate sends, cut connections,
    /// outages and read markers in any order end with the cache equal to the server.
    #[test]
    fn live_core_converges(ops in prop::collection::vec(op(), 5..25)) {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let env = Env::start().await;
            let core = env.core("c", "user").await;
            let chat = first_chat(&core);
            let user = env.http("user").await;
            let staff = env.http("specialist").await;
            let mut sent = Vec::new();
            for (i, op) in ops.iter().enumerate() {
                match op {
                    Op::UserSend => sent.push(core.send(chat, &format!("u{i}"), &[]).unwrap()),
                    Op::StaffSend => { staff.send(chat, uuid::Uuid::new_v4(), &format!("s{i}")).await; }
                    Op::DuplicateSend => {
                        if let Some(id) = sent.last() {
                            let text = core.outbox(None).unwrap().into_iter().find(|o| o.client_msg_id == *id).map(|o| o.text);
                            let text = match text {
                                Some(t) => t,
                                None => user.history(chat).await.into_iter().find(|m| m.client_msg_id == Some(*id)).map(|m| m.text).unwrap_or_default(),
                            };
                            if !text.is_empty() { user.send(chat, *id, &text).await; }
                        }
                    }
                    Op::Cut => env.proxy.cut(),
                    Op::ServerDown => {
                        env.proxy.down();
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        env.proxy.up(env.server.as_ref().unwrap().addr);
                        core.reconnect_now();
                    }
                    Op::Read => {
                        if let Some(m) = cached(&core, chat).await.last() {
                            // Offline this fails; the marker then stays where the server has it.
                            let _ = core.mark_read(chat, m.seq).await;
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(fastrand::u64(0..30))).await;
            }
            core.reconnect_now();
            eventually(30, "outbox drained", || async { core.outbox(None).unwrap().is_empty() }).await;
            let history = user.history(chat).await;
            for id in &sent {
                assert_eq!(history.iter().filter(|m| m.client_msg_id == Some(*id)).count(), 1, "each send once");
            }
            eventually(30, "cache equals server", || async { cached(&core, chat).await == history }).await;
            let summary: ChatSummary = user.get(&format!("/api/v1/chats/{chat}")).await;
            eventually(10, "unread, the read marker and the newest message equal the server's", || async {
                let item = core.lines().unwrap().into_iter().find(|l| l.chat_id == Some(chat)).unwrap();
                item.unread == summary.unread
                    && item.read_seq == summary.read_seq
                    && item.last_message.as_ref() == history.last()
            }).await;
            core.shutdown().await;
        });
    }
}
