//! The foundation's end-to-end flow over real HTTP and WebSocket, on SQLite and PostgreSQL:
//! an admin creates and publishes a line; a user finds it, requests it, the admin approves; the
//! user sends a message → a ticket is registered with a notice; a second connection of the same
//! user receives every event in order; reconnecting from an old cursor misses nothing; the same
//! client message id sent twice yields one message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use okno_proto::*;
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

both! {
    whole_flow => whole_flow;
    concurrent_sends_get_distinct_positions_and_duplicates_collapse => concurrent_sends;
    restart_keeps_everything_and_the_stream_continues => restart_keeps_everything;
    old_cursors_get_a_reset => old_cursors_get_a_reset;
    history_pages_both_ways_and_read_markers_count_unread => history_and_unread;
    files_upload_attach_and_download => files_flow;
    a_specialist_registers_a_service_request_the_user_sees_it => service_request_flow;
    one_read_connection_serves_concurrent_requests => one_reader;
}

async fn whole_flow(backend: Backend) {
    let srv = TestServer::demo(backend).await;
    let admin = srv.login("admin").await;
    let company = admin.me().await.memberships[0].company_id;

    // The admin creates and publishes a line.
    let line: Line = admin
        .post(
            &format!("/api/v1/companies/{company}/lines"),
            &json!({"name": "Печать и сканеры", "internal_name": "printers-l1",
                    "description": "Printers, scanners and copiers", "details_url": "https://example.org/print"}),
        )
        .await
        .unwrap();
    assert!(!line.published);
    let line: Line = admin
        .put(
            &format!("/api/v1/lines/{}/published", line.id),
            &json!({"value": true}),
        )
        .await
        .unwrap();
    assert!(line.published);

    // A new user, with a second connection listening from the very beginning.
    let alice = srv.new_user("alice").await;
    let mut second = alice.ws(Some(0)).await;

    // She finds it by a word in another case, Cyrillic and Latin.
    for q in ["ПЕЧАТЬ", "сканеры", "SCANNERS", "copiers"] {
        let found: Vec<Line> = alice
            .get(&format!("/api/v1/directory?q={}", urlencode(q)))
            .await
            .unwrap();
        assert!(
            found.iter().any(|l| l.id == line.id),
            "search {q:?} did not find the line"
        );
        let f = found.iter().find(|l| l.id == line.id).unwrap();
        assert_eq!(f.internal_name, "", "users never see the internal name");
    }
    let none: Vec<Line> = alice
        .get("/api/v1/directory?q=nonexistentword")
        .await
        .unwrap();
    assert!(none.is_empty());

    // She requests it; the request waits for the owner.
    let req: Connection = alice
        .post("/api/v1/connections", &json!({"line_id": line.id}))
        .await
        .unwrap();
    assert_eq!(req.state, ConnectionState::Pending);
    assert_eq!(req.chat_id, None);
    let again: Connection = alice
        .post("/api/v1/connections", &json!({"line_id": line.id}))
        .await
        .unwrap();
    assert_eq!(again.id, req.id, "requesting twice keeps one request");

    // The admin sees it among the pending requests and approves it.
    let pending: Vec<Connection> = admin
        .get(&format!(
            "/api/v1/companies/{company}/connections?state=pending"
        ))
        .await
        .unwrap();
    assert!(pending.iter().any(|c| c.id == req.id));
    let approved: Connection = admin
        .post(
            &format!("/api/v1/connections/{}/approve", req.id),
            &json!({}),
        )
        .await
        .unwrap();
    assert_eq!(approved.state, ConnectionState::Active);
    let chat = approved.chat_id.expect("an active connection has a chat");
    let twice = admin
        .post::<_, Connection>(
            &format!("/api/v1/connections/{}/approve", req.id),
            &json!({}),
        )
        .await;
    assert_eq!(twice.unwrap_err().status, 409);

    let mine: Vec<Connection> = alice.get("/api/v1/connections").await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].state, ConnectionState::Active);

    // She sends a message: a ticket is registered and a notice follows the message.
    let id = Uuid::new_v4();
    let send = SendMessageRequest {
        client_msg_id: id,
        text: "The printer on floor 3 jams".into(),
        file_ids: vec![],
    };
    let (status, body) = alice
        .send_raw(
            alice
                .request(
                    reqwest::Method::POST,
                    &format!("/api/v1/chats/{chat}/messages"),
                )
                .json(&send),
        )
        .await;
    assert_eq!(status, 201);
    let first: Message = serde_json::from_value(body).unwrap();
    assert_eq!(first.seq, 1);
    // The same client message id again: the original, not a second message.
    let (status, body) = alice
        .send_raw(
            alice
                .request(
                    reqwest::Method::POST,
                    &format!("/api/v1/chats/{chat}/messages"),
                )
                .json(&send),
        )
        .await;
    assert_eq!(status, 200);
    let dup: Message = serde_json::from_value(body).unwrap();
    assert_eq!(dup.id, first.id);

    let page: MessagePage = alice
        .get(&format!("/api/v1/chats/{chat}/messages"))
        .await
        .unwrap();
    assert_eq!(
        page.messages.len(),
        3,
        "one message, the registration notice and the queue notice: {page:?}"
    );
    assert_eq!(page.messages[0].id, first.id);
    // Nobody has a competence on the new line: the ticket waits, first in the queue.
    assert!(matches!(
        page.messages[2].notice,
        Some(Notice::TicketQueued { position: 1, .. })
    ));
    let notice = &page.messages[1];
    assert_eq!(notice.kind, MessageKind::Notice);
    let Some(Notice::TicketRegistered { ticket_id, number }) = notice.notice.clone() else {
        panic!("expected a ticket notice, got {notice:?}");
    };
    assert!(number >= 1);
    let summary: ChatSummary = alice.get(&format!("/api/v1/chats/{chat}")).await.unwrap();
    let ticket = summary.open_ticket.expect("the ticket is open");
    assert_eq!(ticket.id, ticket_id);
    assert_eq!(ticket.state, TicketState::Queued);
    assert_eq!(ticket.queue_position, Some(1));
    let t: Ticket = alice
        .get(&format!("/api/v1/tickets/{ticket_id}"))
        .await
        .unwrap();
    assert_eq!(t.number, number);

    // A second message while the ticket is open registers nothing new.
    let id2 = Uuid::new_v4();
    let mut first_ws = alice.ws_now().await;
    first_ws
        .send(&ClientFrame::Send {
            chat_id: chat,
            client_msg_id: id2,
            text: "Still jams".into(),
            file_ids: vec![],
        })
        .await;
    first_ws
        .send(&ClientFrame::Send {
            chat_id: chat,
            client_msg_id: id2,
            text: "Still jams".into(),
            file_ids: vec![],
        })
        .await;
    let mut acks = Vec::new();
    while acks.len() < 2 {
        match first_ws.next().await {
            ServerFrame::Sent {
                client_msg_id,
                message,
            } => {
                assert_eq!(client_msg_id, id2);
                acks.push(message.id);
            }
            ServerFrame::Event { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        acks[0], acks[1],
        "the same client id twice over WebSocket is one message"
    );

    // The second connection received every event, in order, exactly once — the same as /sync.
    let pushed = second.drain_events(Duration::from_millis(700)).await;
    let synced: SyncResponse = alice.get("/api/v1/sync?since=0").await.unwrap();
    assert!(!synced.reset && !synced.has_more);
    assert_contiguous(&pushed, 1);
    assert_eq!(pushed, synced.events);
    let kinds: Vec<&str> = pushed
        .iter()
        .map(|e| match &e.body {
            EventBody::ConnectionChanged { .. } => "connection",
            EventBody::MessageCreated { message } if message.kind == MessageKind::Notice => {
                "notice"
            }
            EventBody::MessageCreated { .. } => "message",
            EventBody::TicketChanged { .. } => "ticket",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "connection",
            "connection",
            "message",
            "notice",
            "notice",
            "ticket",
            "message"
        ]
    );
    let messages: Vec<Uuid> = pushed
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::MessageCreated { message } => message.client_msg_id,
            _ => None,
        })
        .collect();
    assert_eq!(messages, [id, id2], "each message once");

    // Reconnecting from an old cursor misses nothing and repeats nothing.
    second.close().await;
    let cursor = 2;
    alice
        .send_text(chat, "sent while the second connection was away")
        .await;
    let mut back = alice.ws(Some(cursor)).await;
    let replay = back.drain_events(Duration::from_millis(700)).await;
    assert_contiguous(&replay, cursor + 1);
    let all: SyncResponse = alice.get("/api/v1/sync?since=0").await.unwrap();
    assert_eq!(replay, all.events[cursor as usize..].to_vec());

    // The staff see the chat too: the admin's stream got the user's messages.
    let staff_sync: SyncResponse = admin.get("/api/v1/sync?since=0").await.unwrap();
    assert!(staff_sync.events.iter().any(
        |e| matches!(&e.body, EventBody::MessageCreated { message } if message.id == first.id)
    ));
    let admin_chats: Vec<ChatSummary> = admin
        .get(&format!("/api/v1/companies/{company}/chats"))
        .await
        .unwrap();
    let c = admin_chats
        .iter()
        .find(|c| c.id == chat)
        .expect("the admin sees the chat");
    assert_eq!(
        c.unread, 3,
        "three messages from the user, notices not counted"
    );
}

async fn concurrent_sends(backend: Backend) {
    let srv = TestServer::demo(backend).await;
    let user = srv.login("user").await;
    let snapshot: Snapshot = user.get("/api/v1/snapshot").await.unwrap();
    let chat = snapshot.connections.iter().find_map(|c| c.chat_id).unwrap();

    // Fifty different messages at once: fifty distinct, gapless positions (plus one notice).
    let sends = (0..50).map(|i| {
        let user = user.clone();
        async move { user.send_text(chat, &format!("m{i}")).await }
    });
    let sent = futures_util::future::join_all(sends).await;
    let mut seqs: Vec<i64> = sent.iter().map(|m| m.seq).collect();
    seqs.sort();
    seqs.dedup();
    assert_eq!(seqs.len(), 50);

    // Twenty copies of one message at once: one message.
    let id = Uuid::new_v4();
    let dupes = (0..20).map(|_| {
        let user = user.clone();
        async move {
            user.post::<_, Message>(
                &format!("/api/v1/chats/{chat}/messages"),
                &SendMessageRequest {
                    client_msg_id: id,
                    text: "once".into(),
                    file_ids: vec![],
                },
            )
            .await
            .unwrap()
        }
    });
    let got = futures_util::future::join_all(dupes).await;
    assert!(got.iter().all(|m| m.id == got[0].id));
    let page: MessagePage = user
        .get(&format!("/api/v1/chats/{chat}/messages?limit=200"))
        .await
        .unwrap();
    assert_eq!(
        page.messages.len(),
        53,
        "50 + 2 notices (registered, routed) + 1 deduplicated"
    );
    let positions: Vec<i64> = page.messages.iter().map(|m| m.seq).collect();
    assert_eq!(positions, (1..=53).collect::<Vec<_>>());
    // The same id with a different text is refused, not stored.
    let clash = user
        .post::<_, Message>(
            &format!("/api/v1/chats/{chat}/messages"),
            &SendMessageRequest {
                client_msg_id: id,
                text: "different".into(),
                file_ids: vec![],
            },
        )
        .await
        .unwrap_err();
    assert_eq!(clash.status, 409);
}

async fn restart_keeps_everything(backend: Backend) {
    let mut srv = TestServer::demo(backend).await;
    let user = srv.login("user").await;
    let snapshot: Snapshot = user.get("/api/v1/snapshot").await.unwrap();
    let chat = snapshot.connections.iter().find_map(|c| c.chat_id).unwrap();
    let m = user.send_text(chat, "before the restart").await;
    let before: SyncResponse = user.get("/api/v1/sync?since=0").await.unwrap();

    srv.restart().await;
    let mut user = user.clone();
    user.base = srv.url.clone();
    let page: MessagePage = user
        .get(&format!("/api/v1/chats/{chat}/messages"))
        .await
        .unwrap();
    assert_eq!(
        page.messages[0].id, m.id,
        "the session and the message survived"
    );
    let mut ws = user.ws(Some(before.cursor)).await;
    let m2 = user.send_text(chat, "after the restart").await;
    let e = ws.next_event().await;
    assert_eq!(
        e.seq,
        before.cursor + 1,
        "the stream continues where it was"
    );
    assert!(matches!(e.body, EventBody::MessageCreated { ref message } if message.id == m2.id));
}

async fn old_cursors_get_a_reset(backend: Backend) {
    let (mut config, dir) = TestServer::config(backend);
    config.event_retention = 3;
    let srv = TestServer::start_with(config, dir, true).await;
    let user = srv.login("user").await;
    let snapshot: Snapshot = user.get("/api/v1/snapshot").await.unwrap();
    let chat = snapshot.connections.iter().find_map(|c| c.chat_id).unwrap();
    for i in 0..5 {
        user.send_text(chat, &format!("m{i}")).await;
    }
    let state = srv.server.as_ref().unwrap().state.clone();
    assert!(okno_server::sync::prune_events(&state, 3).await.unwrap() > 0);

    let old: SyncResponse = user.get("/api/v1/sync?since=0").await.unwrap();
    assert!(old.reset, "a cursor before the kept events must reload");
    assert!(old.events.is_empty());
    let head = old.cursor;
    let recent: SyncResponse = user
        .get(&format!("/api/v1/sync?since={}", head - 2))
        .await
        .unwrap();
    assert!(!recent.reset);
    assert_eq!(recent.events.len(), 2);
    // Over WebSocket: a reset frame, then the stream from the head.
    let mut ws = user.ws(Some(0)).await;
    assert_eq!(ws.next().await, ServerFrame::Reset { cursor: head });
    let m = user.send_text(chat, "after").await;
    let e = ws.next_event().await;
    assert_eq!(e.seq, head + 1);
    assert!(matches!(e.body, EventBody::MessageCreated { ref message } if message.id == m.id));
    // A cursor from the future (another database) also resets.
    let future: SyncResponse = user.get("/api/v1/sync?since=999999").await.unwrap();
    assert!(future.reset);
}

async fn history_and_unread(backend: Backend) {
    let srv = TestServer::demo(backend).await;
    let user = srv.login("user").await;
    let specialist = srv.login("specialist").await;
    let snapshot: Snapshot = user.get("/api/v1/snapshot").await.unwrap();
    let chat = snapshot.connections.iter().find_map(|c| c.chat_id).unwrap();
    let before = snapshot.chats.iter().find(|c| c.id == chat).unwrap();
    assert_eq!(
        before.last_message, None,
        "a chat without messages has no newest one"
    );
    user.send_text(chat, "question").await; // seq 1, notices 2 (registered) and 3 (routed)
    let summary: ChatSummary = user.get(&format!("/api/v1/chats/{chat}")).await.unwrap();
    let notice = summary.last_message.expect("the newest message");
    assert_eq!((notice.seq, notice.kind), (3, MessageKind::Notice));
    for i in 0..30 {
        specialist.send_text(chat, &format!("answer {i}")).await; // seq 4..=33
    }
    let summary: ChatSummary = user.get(&format!("/api/v1/chats/{chat}")).await.unwrap();
    assert_eq!(summary.last_seq, 33);
    // The summary carries the newest message whole, as the history serves it.
    let newest_page: MessagePage = user
        .get(&format!("/api/v1/chats/{chat}/messages?limit=1"))
        .await
        .unwrap();
    assert_eq!(
        summary.last_message.as_deref(),
        newest_page.messages.first()
    );
    assert_eq!(summary.last_message.as_ref().unwrap().text, "answer 29");
    let snapshot: Snapshot = user.get("/api/v1/snapshot").await.unwrap();
    let listed = snapshot.chats.iter().find(|c| c.id == chat).unwrap();
    assert_eq!(listed.last_message, summary.last_message);
    assert_eq!(summary.unread, 30);
    assert_eq!(summary.read_seq, 1, "one's own message counts as read");

    let newest: MessagePage = user
        .get(&format!("/api/v1/chats/{chat}/messages?limit=10"))
        .await
        .unwrap();
    assert!(newest.has_more);
    assert_eq!(
        newest.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        (24..=33).collect::<Vec<_>>()
    );
    let older: MessagePage = user
        .get(&format!("/api/v1/chats/{chat}/messages?before=24&limit=10"))
        .await
        .unwrap();
    assert_eq!(
        older.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        (14..=23).collect::<Vec<_>>()
    );
    let oldest: MessagePage = user
        .get(&format!("/api/v1/chats/{chat}/messages?before=4&limit=10"))
        .await
        .unwrap();
    assert!(!oldest.has_more);
    assert_eq!(oldest.messages.len(), 3);
    let newer: MessagePage = user
        .get(&format!("/api/v1/chats/{chat}/messages?after=28&limit=10"))
        .await
        .unwrap();
    assert!(!newer.has_more);
    assert_eq!(
        newer.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        (29..=33).collect::<Vec<_>>()
    );

    let mut ws = user.ws_now().await;
    let read: ChatSummary = user
        .post(&format!("/api/v1/chats/{chat}/read"), &json!({"seq": 20}))
        .await
        .unwrap();
    assert_eq!(read.unread, 13);
    let e = ws.next_event().await;
    assert_eq!(
        e.body,
        EventBody::ChatRead {
            chat_id: chat,
            seq: 20
        }
    );
    // Markers never move back.
    let back: ChatSummary = user
        .post(&format!("/api/v1/chats/{chat}/read"), &json!({"seq": 5}))
        .await
        .unwrap();
    assert_eq!(back.read_seq, 20);
    let past_end = user
        .post::<_, ChatSummary>(&format!("/api/v1/chats/{chat}/read"), &json!({"seq": 99}))
        .await;
    assert_eq!(past_end.unwrap_err().status, 400);
    let chats: Vec<ChatSummary> = user.get("/api/v1/chats").await.unwrap();
    assert_eq!(chats[0].id, chat, "the chat with messages comes first");
}

async fn files_flow(backend: Backend) {
    let srv = TestServer::demo(backend).await;
    let user = srv.login("user").await;
    let specialist = srv.login("specialist").await;
    let snapshot: Snapshot = user.get("/api/v1/snapshot").await.unwrap();
    let chat = snapshot.connections.iter().find_map(|c| c.chat_id).unwrap();

    let png =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    let meta = user.upload("скриншот.txt", png.clone()).await.unwrap();
    assert_eq!(
        meta.content_type, "image/png",
        "the type comes from the bytes, not the name"
    );
    assert_eq!(meta.size, png.len() as i64);
    assert_eq!(meta.sha256.len(), 64);

    // Before it is sent only the uploader can fetch it.
    let (status, _) = specialist
        .send_raw(specialist.request(reqwest::Method::GET, &format!("/api/v1/files/{}", meta.id)))
        .await;
    assert_eq!(status, 404);

    let m: Message = user
        .post(
            &format!("/api/v1/chats/{chat}/messages"),
            &SendMessageRequest {
                client_msg_id: Uuid::new_v4(),
                text: "see the picture".into(),
                file_ids: vec![meta.id],
            },
        )
        .await
        .unwrap();
    assert_eq!(m.kind, MessageKind::File);
    assert_eq!(m.files, vec![meta.clone()]);
    // A file goes into one message only.
    let again = user
        .post::<_, Message>(
            &format!("/api/v1/chats/{chat}/messages"),
            &SendMessageRequest {
                client_msg_id: Uuid::new_v4(),
                text: "".into(),
                file_ids: vec![meta.id],
            },
        )
        .await
        .unwrap_err();
    assert_eq!(again.status, 400);

    // Now everyone entitled to the chat can download it, as an attachment that is never sniffed.
    let resp = specialist
        .request(reqwest::Method::GET, &format!("/api/v1/files/{}", meta.id))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(resp.bytes().await.unwrap().to_vec(), png);
    let files: Vec<FileMeta> = user
        .get(&format!("/api/v1/chats/{chat}/files"))
        .await
        .unwrap();
    assert_eq!(files, vec![meta]);
}

async fn service_request_flow(backend: Backend) {
    let srv = TestServer::demo(backend).await;
    let user = srv.login("user").await;
    let specialist = srv.login("specialist").await;
    let acme = srv.login("acme-admin").await;
    let snapshot: Snapshot = user.get("/api/v1/snapshot").await.unwrap();
    let chat = snapshot.connections.iter().find_map(|c| c.chat_id).unwrap();
    user.send_text(chat, "my laptop needs a new battery").await;
    let summary: ChatSummary = user.get(&format!("/api/v1/chats/{chat}")).await.unwrap();
    let ticket = summary.open_ticket.unwrap();
    let mut ws = user.ws_now().await;
    let mut ws_cursor = 0;

    // Neither the user nor another company may register one.
    let services: Vec<Service> = specialist
        .get(&format!("/api/v1/companies/{}/services", ticket.company_id))
        .await
        .unwrap();
    let wt = services
        .iter()
        .flat_map(|s| &s.work_types)
        .find(|w| w.name == "Printer repair")
        .expect("the demo catalog")
        .clone();
    let denied = user
        .post::<_, ServiceRequest>(
            &format!("/api/v1/tickets/{}/service-requests", ticket.id),
            &json!({"title": "x", "work_type_id": wt.id}),
        )
        .await
        .unwrap_err();
    assert_eq!(denied.status, 403);
    let walled = acme
        .post::<_, ServiceRequest>(
            &format!("/api/v1/tickets/{}/service-requests", ticket.id),
            &json!({"title": "x", "work_type_id": wt.id}),
        )
        .await
        .unwrap_err();
    assert_eq!(walled.status, 404);
    let empty = specialist
        .post::<_, ServiceRequest>(
            &format!("/api/v1/tickets/{}/service-requests", ticket.id),
            &json!({"title": "  ", "work_type_id": wt.id, "fields": {"Inventory number": "PR-1"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(empty.status, 400);

    let sr: ServiceRequest = specialist
        .post(
            &format!("/api/v1/tickets/{}/service-requests", ticket.id),
            &json!({"title": "Replace the battery", "work_type_id": wt.id,
                "fields": {"Inventory number": "LT-42", "Floor": " 3 "}}),
        )
        .await
        .unwrap();
    assert_eq!(sr.status, ServiceRequestStatus::Open);
    assert_eq!(sr.work_type_id, Some(wt.id));
    assert_eq!(sr.work_type_name, "Printer repair");
    assert_eq!(sr.service_name, "Workplace");
    assert_eq!(sr.fields.get("Floor").map(String::as_str), Some("3"));
    assert_eq!(sr.chat_id, chat);
    assert!(sr.number >= 1);
    let list: Vec<ServiceRequest> = user
        .get(&format!("/api/v1/chats/{chat}/service-requests"))
        .await
        .unwrap();
    assert_eq!(list, vec![sr.clone()]);
    let page: MessagePage = user
        .get(&format!("/api/v1/chats/{chat}/messages"))
        .await
        .unwrap();
    let last = page.messages.last().unwrap();
    assert_eq!(
        last.notice,
        Some(Notice::ServiceRequestRegistered {
            number: sr.number,
            title: "Replace the battery".into()
        })
    );
    // The user's stream says it, in order: the request, then the notice.
    let events = ws.drain_events(Duration::from_millis(500)).await;
    for e in &events {
        assert!(e.seq > ws_cursor);
        ws_cursor = e.seq;
    }
    assert!(
        matches!(&events[0].body, EventBody::ServiceRequestChanged { request } if request.id == sr.id)
    );
    assert!(
        matches!(&events[1].body, EventBody::MessageCreated { message } if message.id == last.id)
    );
    let other = acme
        .get::<Vec<ServiceRequest>>(&format!("/api/v1/chats/{chat}/service-requests"))
        .await;
    assert_eq!(
        other.unwrap_err().status,
        404,
        "another company cannot list them"
    );
}

/// The desktop app's embedded server has one read connection (`Config::readers`): concurrent
/// requests queue for it and all get their answers, while writes go on.
async fn one_reader(backend: Backend) {
    let (mut config, dir) = TestServer::config(backend);
    config.readers = 1;
    let srv = TestServer::start_with(config, dir, true).await;
    let user = srv.login("user").await;
    let expected: Snapshot = user.get("/api/v1/snapshot").await.unwrap();
    let chat = expected.connections.iter().find_map(|c| c.chat_id).unwrap();
    let requests = (0..24).map(|i| {
        let user = &user;
        async move {
            if i % 3 == 0 {
                user.send_text(chat, &format!("message {i}")).await;
                None
            } else {
                let s: Snapshot = user.get("/api/v1/snapshot").await.unwrap();
                Some(s.connections.len())
            }
        }
    });
    let got = futures_util::future::join_all(requests).await;
    assert_eq!(got.iter().flatten().count(), 16);
    assert!(got
        .iter()
        .flatten()
        .all(|n| *n == expected.connections.len()));
    let page: MessagePage = user
        .get(&format!("/api/v1/chats/{chat}/messages?limit=200"))
        .await
        .unwrap();
    let sent = page
        .messages
        .iter()
        .filter(|m| m.text.starts_with("message "))
        .count();
    assert_eq!(sent, 8);
}
