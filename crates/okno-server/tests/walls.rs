//! The tenant walls, on SQLite and PostgreSQL: users, companies and roles each see and change
//! only what is theirs. Things a caller may not know exist answer 404; role-restricted operations
//! on things the caller can see answer 403; no, bad or revoked tokens answer 401. Every refused
//! attempt is checked to have changed nothing in the database or the file store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod support;

use common::*;
use okno_proto::*;
use reqwest::Method;
use serde_json::json;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use support::*;
use uuid::Uuid;

both! {
    a_user_cannot_touch_another_users_chat => other_users_chats;
    pending_rejected_and_disconnected_users_are_outside_the_chat => outside_connections;
    another_companys_admin_is_walled_off => other_company_admin;
    specialists_cannot_administer => specialist_limits;
    files_reach_only_those_entitled_to_them => file_walls;
    unpublished_lines_and_internal_names_stay_inside => unpublished_lines;
    event_streams_carry_only_ones_own_events => event_walls;
    revoked_sessions_stop_at_once_and_close_their_websocket => revoked_sessions;
    no_bad_or_revoked_token_is_401 => unauthenticated;
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// The demo cloud: company A "Okno Demo" (specialist, admin) with IT Support (published,
/// the user connected), HR Questions (unpublished, the user connected) and Бухгалтерия
/// (published); company B "Acme Cloud" (acme-admin) with Acme Cloud Support (published).
struct Demo {
    srv: TestServer,
    user: Api,
    specialist: Api,
    admin: Api,
    acme: Api,
    a: CompanyId,
    b: CompanyId,
    it: LineId,
    hr: LineId,
    acc: LineId,
    acme_line: LineId,
    user_it: ChatId,
    user_hr: ChatId,
}

async fn demo(backend: Backend) -> Demo {
    demo_on(TestServer::demo(backend).await).await
}

async fn demo_on(srv: TestServer) -> Demo {
    let user = srv.login("user").await;
    let specialist = srv.login("specialist").await;
    let admin = srv.login("admin").await;
    let acme = srv.login("acme-admin").await;
    let (a, lines) = admin.company_lines().await;
    let b = acme.me().await.memberships[0].company_id;
    assert_ne!(a, b);
    let (it, hr, acc) = (
        lines["IT Support"],
        lines["HR Questions"],
        lines["Бухгалтерия"],
    );
    let acme_lines: Vec<Line> = acme
        .get(&format!("/api/v1/companies/{b}/lines"))
        .await
        .unwrap();
    let acme_line = acme_lines[0].id;
    let (user_it, user_hr) = (user.chat_on(it).await, user.chat_on(hr).await);
    Demo {
        srv,
        user,
        specialist,
        admin,
        acme,
        a,
        b,
        it,
        hr,
        acc,
        acme_line,
        user_it,
        user_hr,
    }
}

impl Demo {
    /// A new account that company A's admin connects to `line`: (api, connection, chat).
    async fn connected_user(&self, login: &str, line: LineId) -> (Api, Connection, ChatId) {
        let api = self.srv.new_user(login).await;
        let conn: Connection = self
            .admin
            .post(
                &format!("/api/v1/companies/{}/connections", self.a),
                &json!({"line_id": line, "login": login}),
            )
            .await
            .unwrap();
        assert_eq!(conn.state, ConnectionState::Active);
        let chat = conn.chat_id.unwrap();
        (api, conn, chat)
    }

    /// A new account with a pending request for `line`.
    async fn requesting_user(&self, login: &str, line: LineId) -> (Api, Connection) {
        let api = self.srv.new_user(login).await;
        let conn: Connection = api
            .post("/api/v1/connections", &json!({"line_id": line}))
            .await
            .unwrap();
        assert_eq!(conn.state, ConnectionState::Pending);
        (api, conn)
    }
}

async fn open_ticket(api: &Api, chat: ChatId) -> TicketId {
    let s: ChatSummary = api.get(&format!("/api/v1/chats/{chat}")).await.unwrap();
    s.open_ticket.expect("an open ticket").id
}

fn send_body(text: &str) -> Body {
    j(json!({"client_msg_id": Uuid::new_v4(), "text": text}))
}

/// Every way into a chat answers 404 to `api`: reading, history, sending, marking read, files,
/// the ticket, and sending over WebSocket.
async fn chat_walled(api: &Api, chat: ChatId, ticket: Option<TicketId>) {
    let nf = |m: Method, p: String, b: Body| async move {
        refused(api, m, &p, b, 404, "not_found").await;
    };
    nf(Method::GET, format!("/api/v1/chats/{chat}"), Body::None).await;
    nf(
        Method::GET,
        format!("/api/v1/chats/{chat}/messages"),
        Body::None,
    )
    .await;
    nf(
        Method::GET,
        format!("/api/v1/chats/{chat}/messages?after=0&limit=200"),
        Body::None,
    )
    .await;
    nf(
        Method::POST,
        format!("/api/v1/chats/{chat}/messages"),
        send_body("let me in"),
    )
    .await;
    nf(
        Method::POST,
        format!("/api/v1/chats/{chat}/read"),
        j(json!({"seq": 1})),
    )
    .await;
    nf(
        Method::GET,
        format!("/api/v1/chats/{chat}/files"),
        Body::None,
    )
    .await;
    if let Some(t) = ticket {
        nf(Method::GET, format!("/api/v1/tickets/{t}"), Body::None).await;
    }
    let mut ws = ws_connect(&api.base, api.token.as_deref().unwrap(), "")
        .await
        .unwrap();
    let id = Uuid::new_v4();
    ws_text(
        &mut ws,
        &serde_json::to_string(&ClientFrame::Send {
            chat_id: chat,
            client_msg_id: id,
            text: "let me in".into(),
            file_ids: vec![],
        })
        .unwrap(),
    )
    .await;
    let mut events = Vec::new();
    match ws_reply(&mut ws, &mut events).await {
        ServerFrame::Error {
            client_msg_id,
            code,
            ..
        } => {
            assert_eq!(client_msg_id, Some(id));
            assert_eq!(code, "not_found");
        }
        other => panic!("a send into chat {chat} over WebSocket was not refused: {other:?}"),
    }
}

async fn chat_ids(api: &Api) -> Vec<ChatId> {
    let chats: Vec<ChatSummary> = api.get("/api/v1/chats").await.unwrap();
    chats.iter().map(|c| c.id).collect()
}

async fn head(api: &Api) -> i64 {
    let s: Snapshot = api.get("/api/v1/snapshot").await.unwrap();
    s.cursor
}

async fn sync_all(api: &Api, since: i64) -> Vec<Event> {
    let s: SyncResponse = api
        .get(&format!("/api/v1/sync?since={since}&limit=1000"))
        .await
        .unwrap();
    assert!(!s.reset && !s.has_more);
    s.events
}

fn mentions_chat(e: &Event, chat: ChatId) -> bool {
    match &e.body {
        EventBody::MessageCreated { message } => message.chat_id == chat,
        EventBody::ChatRead { chat_id, .. } => *chat_id == chat,
        EventBody::ChatChanged { chat: c } => c.id == chat,
        EventBody::TicketChanged { ticket } => ticket.chat_id == chat,
        EventBody::ServiceRequestChanged { request } => request.chat_id == chat,
        EventBody::ConnectionChanged { connection } => connection.chat_id == Some(chat),
        _ => false,
    }
}

// ------------------------------------------------------------------------------ tests

async fn other_users_chats(backend: Backend) {
    let d = demo(backend).await;
    let (bob, _, bob_chat) = d.connected_user("bob", d.it).await;
    // Each can use their own chats (and so has a ticket there).
    let mine = d.user.send_text(d.user_it, "the printer jams").await;
    d.user.send_text(d.user_hr, "my leave request").await;
    bob.send_text(bob_chat, "my laptop").await;
    let (t_it, t_hr, t_bob) = (
        open_ticket(&d.user, d.user_it).await,
        open_ticket(&d.user, d.user_hr).await,
        open_ticket(&bob, bob_chat).await,
    );

    let before = world(&d.srv).await;
    // Bob, on the same line (IT) and on another (HR), and the user in Bob's chat.
    chat_walled(&bob, d.user_it, Some(t_it)).await;
    chat_walled(&bob, d.user_hr, Some(t_hr)).await;
    chat_walled(&d.user, bob_chat, Some(t_bob)).await;
    // Marking read with a seq that exists in the other chat changes nothing either.
    refused(
        &bob,
        Method::POST,
        &format!("/api/v1/chats/{}/read", d.user_it),
        j(json!({"seq": 0})),
        404,
        "not_found",
    )
    .await;
    assert_unchanged(&d.srv, &before, "another user's chat").await;

    assert_eq!(chat_ids(&bob).await, vec![bob_chat]);
    let snap: Snapshot = bob.get("/api/v1/snapshot").await.unwrap();
    assert_eq!(
        snap.chats.iter().map(|c| c.id).collect::<Vec<_>>(),
        [bob_chat]
    );
    assert!(snap.connections.iter().all(|c| c.user_id == snap.me.id));
    // The same requests work for the chat's owner.
    let page: MessagePage = d
        .user
        .get(&format!("/api/v1/chats/{}/messages", d.user_it))
        .await
        .unwrap();
    assert!(page.messages.iter().any(|m| m.id == mine.id));
}

async fn outside_connections(backend: Backend) {
    let d = demo(backend).await;
    let (dave, conn, chat) = d.connected_user("dave", d.it).await;
    dave.send_text(chat, "hello").await;
    let ticket = open_ticket(&dave, chat).await;

    // Disconnected: the chat is gone for him.
    dave.delete(&format!("/api/v1/connections/{}", conn.id))
        .await
        .unwrap();
    let before = world(&d.srv).await;
    chat_walled(&dave, chat, Some(ticket)).await;
    assert_unchanged(&d.srv, &before, "after disconnecting").await;
    assert!(chat_ids(&dave).await.is_empty());
    // The staff still work the chat, but none of it reaches him any more.
    let cursor = head(&dave).await;
    d.specialist.send_text(chat, "are you still there?").await;
    let later = sync_all(&dave, cursor).await;
    assert!(
        !later.iter().any(|e| mentions_chat(e, chat)),
        "a disconnected user still receives the chat's events: {later:?}"
    );

    // Pending again: still outside.
    let req: Connection = dave
        .post("/api/v1/connections", &json!({"line_id": d.it}))
        .await
        .unwrap();
    assert_eq!(req.state, ConnectionState::Pending);
    assert_eq!(req.chat_id, None);
    let before = world(&d.srv).await;
    chat_walled(&dave, chat, Some(ticket)).await;
    assert_unchanged(&d.srv, &before, "with a pending request").await;

    // Rejected: still outside.
    let rejected: Connection = d
        .admin
        .post(
            &format!("/api/v1/connections/{}/reject", req.id),
            &json!({}),
        )
        .await
        .unwrap();
    assert_eq!(rejected.state, ConnectionState::Rejected);
    let before = world(&d.srv).await;
    chat_walled(&dave, chat, Some(ticket)).await;
    assert_unchanged(&d.srv, &before, "with a rejected request").await;
    assert!(chat_ids(&dave).await.is_empty());
    let snap: Snapshot = dave.get("/api/v1/snapshot").await.unwrap();
    assert!(snap.chats.is_empty());
    assert!(snap.connections.iter().all(|c| c.chat_id.is_none()));

    // Approved once more: back in, with the history.
    let again: Connection = dave
        .post("/api/v1/connections", &json!({"line_id": d.it}))
        .await
        .unwrap();
    let approved: Connection = d
        .admin
        .post(
            &format!("/api/v1/connections/{}/approve", again.id),
            &json!({}),
        )
        .await
        .unwrap();
    assert_eq!(approved.chat_id, Some(chat));
    let page: MessagePage = dave
        .get(&format!("/api/v1/chats/{chat}/messages"))
        .await
        .unwrap();
    let texts: Vec<&str> = page.messages.iter().map(|m| m.text.as_str()).collect();
    assert!(texts.contains(&"hello") && texts.contains(&"are you still there?"));

    // A user who leaves an unpublished line loses the line itself too.
    let snap: Snapshot = d.user.get("/api/v1/snapshot").await.unwrap();
    let hr_conn = snap.connections.iter().find(|c| c.line.id == d.hr).unwrap();
    d.user
        .delete(&format!("/api/v1/connections/{}", hr_conn.id))
        .await
        .unwrap();
    let before = world(&d.srv).await;
    chat_walled(&d.user, d.user_hr, None).await;
    for (m, p, b) in [
        (Method::GET, format!("/api/v1/lines/{}", d.hr), Body::None),
        (
            Method::GET,
            format!("/api/v1/lines/{}/avatar", d.hr),
            Body::None,
        ),
        (
            Method::POST,
            "/api/v1/connections".to_owned(),
            j(json!({"line_id": d.hr})),
        ),
    ] {
        refused(&d.user, m, &p, b, 404, "not_found").await;
    }
    assert_unchanged(&d.srv, &before, "after leaving an unpublished line").await;

    // Someone who only ever requested a line has no chat at all.
    let (eve, eve_req) = d.requesting_user("eve", d.acc).await;
    assert!(chat_ids(&eve).await.is_empty());
    let mine: Vec<Connection> = eve.get("/api/v1/connections").await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].id, eve_req.id);
    assert_eq!(mine[0].chat_id, None);
}

async fn other_company_admin(backend: Backend) {
    let d = demo(backend).await;
    let (_frank, pending) = d.requesting_user("frank", d.acc).await;
    d.user.send_text(d.user_it, "question").await;
    let ticket = open_ticket(&d.user, d.user_it).await;
    let file = d.user.upload("a.txt", b"hello".to_vec()).await.unwrap();
    let sent: Message = d
        .user
        .post(
            &format!("/api/v1/chats/{}/messages", d.user_it),
            &json!({"client_msg_id": Uuid::new_v4(), "file_ids": [file.id]}),
        )
        .await
        .unwrap();
    assert_eq!(sent.files.len(), 1);
    let snap: Snapshot = d.user.get("/api/v1/snapshot").await.unwrap();
    let user_it_conn = snap
        .connections
        .iter()
        .find(|c| c.line.id == d.it)
        .unwrap()
        .id;
    let (a, b, it, acc) = (d.a, d.b, d.it, d.acc);

    let before = world(&d.srv).await;
    let cases: Vec<(Method, String, Body)> = vec![
        (
            Method::GET,
            format!("/api/v1/companies/{a}/chats"),
            Body::None,
        ),
        (
            Method::GET,
            format!("/api/v1/companies/{a}/connections"),
            Body::None,
        ),
        (
            Method::GET,
            format!("/api/v1/companies/{a}/connections?state=pending"),
            Body::None,
        ),
        (
            Method::GET,
            format!("/api/v1/companies/{a}/members"),
            Body::None,
        ),
        (
            Method::GET,
            format!("/api/v1/companies/{a}/lines"),
            Body::None,
        ),
        (
            Method::POST,
            format!("/api/v1/companies/{a}/members"),
            j(json!({"login": "acme-admin", "role": "admin"})),
        ),
        (
            Method::POST,
            format!("/api/v1/companies/{a}/lines"),
            j(json!({"name": "Planted line"})),
        ),
        (
            Method::PUT,
            format!("/api/v1/lines/{it}"),
            j(json!({"name": "Hijacked"})),
        ),
        (
            Method::PUT,
            format!("/api/v1/lines/{it}/published"),
            j(json!({"value": false})),
        ),
        (
            Method::PUT,
            format!("/api/v1/lines/{it}/recommended"),
            j(json!({"value": false})),
        ),
        (
            Method::PUT,
            format!("/api/v1/lines/{acc}/recommended"),
            j(json!({"value": true})),
        ),
        (
            Method::PUT,
            format!("/api/v1/lines/{it}/avatar"),
            Body::Typed("application/octet-stream", PNG.to_vec()),
        ),
        (
            Method::POST,
            format!("/api/v1/connections/{}/approve", pending.id),
            Body::None,
        ),
        (
            Method::POST,
            format!("/api/v1/connections/{}/reject", pending.id),
            Body::None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/connections/{}", pending.id),
            Body::None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/connections/{user_it_conn}"),
            Body::None,
        ),
        // Connecting A's line to a user, through A and through B.
        (
            Method::POST,
            format!("/api/v1/companies/{a}/connections"),
            j(json!({"line_id": it, "login": "acme-admin"})),
        ),
        (
            Method::POST,
            format!("/api/v1/companies/{b}/connections"),
            j(json!({"line_id": it, "login": "user"})),
        ),
        (Method::GET, format!("/api/v1/lines/{}", d.hr), Body::None),
        (
            Method::GET,
            format!("/api/v1/files/{}", file.id),
            Body::None,
        ),
    ];
    for (m, p, body) in cases {
        refused(&d.acme, m, &p, body, 404, "not_found").await;
    }
    chat_walled(&d.acme, d.user_it, Some(ticket)).await;
    chat_walled(&d.acme, d.user_hr, None).await;
    assert_unchanged(&d.srv, &before, "another company's admin").await;

    // Published lines are public, but without the internal name.
    let it_line: Line = d.acme.get(&format!("/api/v1/lines/{it}")).await.unwrap();
    assert_eq!(it_line.internal_name, "");
    // The same admin manages their own company.
    let own: Vec<Line> = d
        .acme
        .get(&format!("/api/v1/companies/{b}/lines"))
        .await
        .unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].internal_name, "Tier 1");
    let _: Vec<ChatSummary> = d
        .acme
        .get(&format!("/api/v1/companies/{b}/chats"))
        .await
        .unwrap();
    let _: Vec<Connection> = d
        .acme
        .get(&format!("/api/v1/companies/{b}/connections"))
        .await
        .unwrap();
    // And A's admin cannot reach into B either.
    refused(
        &d.admin,
        Method::PUT,
        &format!("/api/v1/lines/{}", d.acme_line),
        j(json!({"name": "Hijacked"})),
        404,
        "not_found",
    )
    .await;
    refused(
        &d.admin,
        Method::GET,
        &format!("/api/v1/companies/{b}/connections"),
        Body::None,
        404,
        "not_found",
    )
    .await;
}

async fn specialist_limits(backend: Backend) {
    let d = demo(backend).await;
    let (_grace, pending) = d.requesting_user("grace", d.acc).await;
    let (a, it) = (d.a, d.it);
    let before = world(&d.srv).await;
    let cases: Vec<(Method, String, Body)> = vec![
        (
            Method::POST,
            format!("/api/v1/companies/{a}/lines"),
            j(json!({"name": "Specialist's line"})),
        ),
        (
            Method::POST,
            format!("/api/v1/connections/{}/approve", pending.id),
            Body::None,
        ),
        (
            Method::POST,
            format!("/api/v1/connections/{}/reject", pending.id),
            Body::None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/connections/{}", pending.id),
            Body::None,
        ),
        (
            Method::PUT,
            format!("/api/v1/lines/{}/published", d.hr),
            j(json!({"value": true})),
        ),
        (
            Method::PUT,
            format!("/api/v1/lines/{it}/recommended"),
            j(json!({"value": false})),
        ),
        (
            Method::PUT,
            format!("/api/v1/lines/{it}"),
            j(json!({"name": "Renamed"})),
        ),
        (
            Method::PUT,
            format!("/api/v1/lines/{it}/avatar"),
            Body::Typed("application/octet-stream", PNG.to_vec()),
        ),
        (
            Method::GET,
            format!("/api/v1/companies/{a}/members"),
            Body::None,
        ),
        (
            Method::POST,
            format!("/api/v1/companies/{a}/members"),
            j(json!({"login": "specialist", "role": "admin"})),
        ),
        (
            Method::GET,
            format!("/api/v1/companies/{a}/connections"),
            Body::None,
        ),
        (
            Method::POST,
            format!("/api/v1/companies/{a}/connections"),
            j(json!({"line_id": it, "login": "grace"})),
        ),
        (
            Method::POST,
            "/api/v1/companies".to_owned(),
            j(json!({"name": "Specialist Inc"})),
        ),
    ];
    for (m, p, body) in cases {
        refused(&d.specialist, m, &p, body, 403, "forbidden").await;
    }
    // Company admins are not service admins either.
    refused(
        &d.admin,
        Method::POST,
        "/api/v1/companies",
        j(json!({"name": "Admin Inc"})),
        403,
        "forbidden",
    )
    .await;
    // Company B's things stay unknown to A's specialist.
    refused(
        &d.specialist,
        Method::GET,
        &format!("/api/v1/companies/{}/chats", d.b),
        Body::None,
        404,
        "not_found",
    )
    .await;
    assert_unchanged(&d.srv, &before, "a specialist administering").await;

    // What specialists may do: work the company's chats and read its lines.
    let lines: Vec<Line> = d
        .specialist
        .get(&format!("/api/v1/companies/{a}/lines"))
        .await
        .unwrap();
    assert!(lines.iter().any(|l| l.internal_name == "HR desk"));
    d.user.send_text(d.user_it, "help").await;
    let chats: Vec<ChatSummary> = d
        .specialist
        .get(&format!("/api/v1/companies/{a}/chats"))
        .await
        .unwrap();
    assert!(chats.iter().any(|c| c.id == d.user_it));
    d.specialist.send_text(d.user_it, "on it").await;
    // The admin does what the specialist could not.
    let line: Line = d
        .admin
        .put(
            &format!("/api/v1/lines/{}/published", d.hr),
            &json!({"value": true}),
        )
        .await
        .unwrap();
    assert!(line.published);
}

async fn file_walls(backend: Backend) {
    let d = demo(backend).await;
    let (bob, _, bob_chat) = d.connected_user("bob", d.it).await;
    let sent_file = d
        .user
        .upload("report.txt", b"quarterly".to_vec())
        .await
        .unwrap();
    let _: Message = d
        .user
        .post(
            &format!("/api/v1/chats/{}/messages", d.user_it),
            &json!({"client_msg_id": Uuid::new_v4(), "text": "see", "file_ids": [sent_file.id]}),
        )
        .await
        .unwrap();
    let unsent = d.user.upload("draft.txt", b"draft".to_vec()).await.unwrap();
    let bobs = bob.upload("bob.txt", b"bob's".to_vec()).await.unwrap();

    let before = world(&d.srv).await;
    for (who, api) in [("bob", &bob), ("acme-admin", &d.acme)] {
        for f in [sent_file.id, unsent.id] {
            let what = format!("{who} downloads file {f}");
            refused_with(
                api.request(Method::GET, &format!("/api/v1/files/{f}")),
                404,
                "not_found",
                &what,
            )
            .await;
        }
    }
    refused(
        &d.user,
        Method::GET,
        &format!("/api/v1/files/{}", bobs.id),
        Body::None,
        404,
        "not_found",
    )
    .await;
    // Staff may fetch a sent file of their company's chat, not an unsent upload.
    refused(
        &d.specialist,
        Method::GET,
        &format!("/api/v1/files/{}", unsent.id),
        Body::None,
        404,
        "not_found",
    )
    .await;
    // Attaching someone else's upload (unsent or sent) is refused.
    for f in [unsent.id, sent_file.id] {
        refused(
            &bob,
            Method::POST,
            &format!("/api/v1/chats/{bob_chat}/messages"),
            j(json!({"client_msg_id": Uuid::new_v4(), "text": "mine now", "file_ids": [f]})),
            400,
            "invalid_input",
        )
        .await;
    }
    assert_unchanged(&d.srv, &before, "files of others").await;

    let resp = d
        .specialist
        .request(Method::GET, &format!("/api/v1/files/{}", sent_file.id))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"quarterly");
    // The owner can still send the upload Bob tried to take.
    let m: Message = d
        .user
        .post(
            &format!("/api/v1/chats/{}/messages", d.user_it),
            &json!({"client_msg_id": Uuid::new_v4(), "file_ids": [unsent.id]}),
        )
        .await
        .unwrap();
    assert_eq!(m.files[0].id, unsent.id);
    // Leaving the chat ends access to its files, the sender's own included.
    let snap: Snapshot = d.user.get("/api/v1/snapshot").await.unwrap();
    let conn = snap.connections.iter().find(|c| c.line.id == d.it).unwrap();
    d.user
        .delete(&format!("/api/v1/connections/{}", conn.id))
        .await
        .unwrap();
    refused(
        &d.user,
        Method::GET,
        &format!("/api/v1/files/{}", sent_file.id),
        Body::None,
        404,
        "not_found",
    )
    .await;
}

async fn unpublished_lines(backend: Backend) {
    let d = demo(backend).await;
    let bob = d.srv.new_user("bob").await;
    let hr = d.hr;

    let before = world(&d.srv).await;
    for api in [&bob, &d.acme] {
        for p in [
            format!("/api/v1/lines/{hr}"),
            format!("/api/v1/lines/{hr}/avatar"),
        ] {
            refused(api, Method::GET, &p, Body::None, 404, "not_found").await;
        }
        refused(
            api,
            Method::POST,
            "/api/v1/connections",
            j(json!({"line_id": hr})),
            404,
            "not_found",
        )
        .await;
        for q in ["", "HR", "leave", "payslips", "отпуска"] {
            let found: Vec<Line> = api
                .get(&format!("/api/v1/directory?q={}", urlencode(q)))
                .await
                .unwrap();
            assert!(
                !found.iter().any(|l| l.id == hr),
                "search {q:?} shows an unpublished line"
            );
            assert!(found.iter().all(|l| l.published));
        }
        let rec: Vec<Line> = api.get("/api/v1/directory/recommended").await.unwrap();
        assert!(!rec.iter().any(|l| l.id == hr));
    }
    assert_unchanged(&d.srv, &before, "looking for an unpublished line").await;

    // Internal names: never in what users get, in any answer or event.
    let marker = "internal-secret-7f3a";
    let _: Line = d
        .admin
        .put(
            &format!("/api/v1/lines/{}", d.it),
            &json!({"name": "IT Support", "internal_name": marker, "description": "Computers"}),
        )
        .await
        .unwrap();
    let _: Line = d
        .admin
        .put(
            &format!("/api/v1/lines/{hr}"),
            &json!({"name": "HR Questions", "internal_name": format!("{marker}-hr")}),
        )
        .await
        .unwrap();
    for (who, api) in [("user", &d.user), ("bob", &bob), ("acme-admin", &d.acme)] {
        for p in [
            "/api/v1/directory".to_owned(),
            "/api/v1/directory?q=support".to_owned(),
            "/api/v1/directory/recommended".to_owned(),
            "/api/v1/connections".to_owned(),
            "/api/v1/snapshot".to_owned(),
            "/api/v1/sync?since=0&limit=1000".to_owned(),
            format!("/api/v1/lines/{}", d.it),
            format!("/api/v1/lines/{hr}"),
        ] {
            let (status, body) = api.send_raw(api.request(Method::GET, &p)).await;
            assert!(status == 200 || status == 404, "{who} {p}: {status} {body}");
            let text = body.to_string();
            assert!(
                !text.contains(marker),
                "{who} sees an internal name at {p}: {text}"
            );
            assert!(!text.contains("HR desk") && !text.contains("L1 service desk"));
        }
    }
    // The connected user still sees the unpublished line, without its internal name.
    let line: Line = d.user.get(&format!("/api/v1/lines/{hr}")).await.unwrap();
    assert_eq!((line.published, line.internal_name.as_str()), (false, ""));
    // Staff see the internal names, and the user's stream did get the change.
    let line: Line = d
        .specialist
        .get(&format!("/api/v1/lines/{hr}"))
        .await
        .unwrap();
    assert_eq!(line.internal_name, format!("{marker}-hr"));
    let events = sync_all(&d.user, 0).await;
    assert!(events.iter().any(|e| matches!(&e.body,
        EventBody::LineChanged { line } if line.id == hr && line.internal_name.is_empty())));

    // Unpublishing hides a line from everyone not connected to it.
    let _: Line = d
        .admin
        .put(
            &format!("/api/v1/lines/{}/published", d.acc),
            &json!({"value": false}),
        )
        .await
        .unwrap();
    refused(
        &bob,
        Method::GET,
        &format!("/api/v1/lines/{}", d.acc),
        Body::None,
        404,
        "not_found",
    )
    .await;
    let all: Vec<Line> = bob.get("/api/v1/directory").await.unwrap();
    assert!(!all.iter().any(|l| l.id == d.acc));
    assert!(
        all.iter().any(|l| l.id == d.it),
        "published lines are listed"
    );
}

/// Checks that every event in `events` is about `me`'s own things.
fn assert_own_user_events(
    who: &str,
    me: UserId,
    my_chats: &HashSet<ChatId>,
    my_lines: &HashSet<LineId>,
    events: &[Event],
) {
    let mut my_connections = HashSet::new();
    for e in events {
        let ok = match &e.body {
            EventBody::MessageCreated { message } | EventBody::MessageUpdated { message } => {
                my_chats.contains(&message.chat_id)
            }
            EventBody::AgentChanged { agent } => agent.user_id == me,
            EventBody::ChatRead { chat_id, .. } => my_chats.contains(chat_id),
            EventBody::ChatChanged { chat } => chat.user_id == me,
            EventBody::LineChanged { line } => line.internal_name.is_empty(),
            EventBody::ConnectionChanged { connection } => {
                my_connections.insert(connection.id);
                connection.user_id == me && connection.line.internal_name.is_empty()
            }
            EventBody::ConnectionRemoved { connection_id, .. } => {
                my_connections.contains(connection_id)
            }
            EventBody::TicketChanged { ticket } => ticket.user_id == me,
            EventBody::ServiceRequestChanged { request } => my_chats.contains(&request.chat_id),
            // Articles themselves are for the company's staff only.
            EventBody::ArticleChanged { .. } | EventBody::ArticleRemoved { .. } => false,
            EventBody::AutomationChanged { automation } => my_lines.contains(&automation.line_id),
        };
        assert!(ok, "{who}'s stream carries someone else's event: {e:?}");
    }
}

/// Checks that every event in `events` belongs to `company`.
fn assert_company_events(
    who: &str,
    company: CompanyId,
    chats: &HashSet<ChatId>,
    lines: &HashSet<LineId>,
    events: &[Event],
) {
    for e in events {
        let ok = match &e.body {
            EventBody::MessageCreated { message } | EventBody::MessageUpdated { message } => {
                chats.contains(&message.chat_id)
            }
            EventBody::AgentChanged { agent } => agent.company_id == company,
            EventBody::ChatRead { chat_id, .. } => chats.contains(chat_id),
            EventBody::ChatChanged { chat } => chats.contains(&chat.id),
            EventBody::LineChanged { line } => line.company_id == company,
            EventBody::ConnectionChanged { connection } => connection.line.company_id == company,
            EventBody::ConnectionRemoved { line_id, .. } => lines.contains(line_id),
            EventBody::TicketChanged { ticket } => ticket.company_id == company,
            EventBody::ServiceRequestChanged { request } => chats.contains(&request.chat_id),
            EventBody::ArticleChanged { article } => lines.contains(&article.line_id),
            EventBody::ArticleRemoved { line_id, .. } => lines.contains(line_id),
            EventBody::AutomationChanged { automation } => lines.contains(&automation.line_id),
        };
        assert!(ok, "{who}'s stream carries another company's event: {e:?}");
    }
}

async fn event_walls(backend: Backend) {
    let d = demo(backend).await;
    let (bob, bob_conn, bob_chat) = d.connected_user("bob", d.it).await;
    let bob_id = bob.me().await.id;
    let user_id = d.user.me().await.id;
    let mut ws_bob = bob.ws(Some(0)).await;
    let mut ws_user = d.user.ws(Some(0)).await;
    let mut ws_acme = d.acme.ws(Some(0)).await;

    // Activity all around: both users, both companies, staff, lines and connections.
    d.user.send_text(d.user_it, "user on IT").await;
    d.user.send_text(d.user_hr, "user on HR").await;
    bob.send_text(bob_chat, "bob on IT").await;
    d.specialist.send_text(d.user_it, "answer to user").await;
    d.specialist.send_text(bob_chat, "answer to bob").await;
    let _: ChatSummary = d
        .user
        .post(
            &format!("/api/v1/chats/{}/read", d.user_it),
            &json!({"seq": 1}),
        )
        .await
        .unwrap();
    let _: ChatSummary = d
        .specialist
        .post(
            &format!("/api/v1/chats/{bob_chat}/read"),
            &json!({"seq": 1}),
        )
        .await
        .unwrap();
    let _: Line = d
        .admin
        .put(
            &format!("/api/v1/lines/{}", d.hr),
            &json!({"name": "HR Questions", "internal_name": "hr-internal"}),
        )
        .await
        .unwrap();
    // Knowledge bases of both companies change.
    for (api, line) in [(&d.admin, d.it), (&d.acme, d.acme_line)] {
        let a: Article = api
            .post(
                &format!("/api/v1/lines/{line}/articles"),
                &json!({"question": format!("Question of line {line}"), "answer": "An answer."}),
            )
            .await
            .unwrap();
        api.delete(&format!("/api/v1/articles/{}", a.id))
            .await
            .unwrap();
    }
    let _: Line = d
        .acme
        .put(
            &format!("/api/v1/lines/{}", d.acme_line),
            &json!({"name": "Acme Cloud Support", "internal_name": "acme-internal"}),
        )
        .await
        .unwrap();
    let (_frank, frank_req) = d.requesting_user("frank", d.acc).await;
    let _: Connection = d
        .admin
        .post(
            &format!("/api/v1/connections/{}/approve", frank_req.id),
            &json!({}),
        )
        .await
        .unwrap();
    let user_acme: Connection = d
        .user
        .post("/api/v1/connections", &json!({"line_id": d.acme_line}))
        .await
        .unwrap();
    let approved: Connection = d
        .acme
        .post(
            &format!("/api/v1/connections/{}/approve", user_acme.id),
            &json!({}),
        )
        .await
        .unwrap();
    let user_acme_chat = approved.chat_id.unwrap();
    d.user.send_text(user_acme_chat, "user at Acme").await;
    d.admin
        .delete(&format!("/api/v1/connections/{}", frank_req.id))
        .await
        .unwrap();

    // Bob: only his own chat, connection and ticket.
    let bob_events = sync_all(&bob, 0).await;
    assert_own_user_events(
        "bob",
        bob_id,
        &HashSet::from([bob_chat]),
        &HashSet::from([d.it]),
        &bob_events,
    );
    assert!(bob_events.iter().any(|e| matches!(&e.body,
        EventBody::MessageCreated { message } if message.text == "answer to bob")));
    assert!(bob_events.iter().any(|e| matches!(&e.body,
        EventBody::ConnectionChanged { connection } if connection.id == bob_conn.id)));
    assert_eq!(
        ws_bob.drain_events(Duration::from_millis(700)).await,
        bob_events
    );

    // The user: her chats at both companies, never Bob's or Frank's things.
    let user_chats = HashSet::from([d.user_it, d.user_hr, user_acme_chat]);
    let user_events = sync_all(&d.user, 0).await;
    let snap: Snapshot = d.user.get("/api/v1/snapshot").await.unwrap();
    let user_lines: HashSet<LineId> = snap.connections.iter().map(|c| c.line.id).collect();
    assert!(user_lines.contains(&d.it));
    assert_own_user_events("user", user_id, &user_chats, &user_lines, &user_events);
    assert!(user_events.iter().any(|e| matches!(&e.body,
        EventBody::MessageCreated { message } if message.text == "answer to user")));
    assert!(user_events.iter().any(|e| matches!(&e.body,
        EventBody::LineChanged { line } if line.id == d.hr)));
    assert_eq!(
        ws_user.drain_events(Duration::from_millis(700)).await,
        user_events
    );

    // Acme's admin: only Acme's line, connection, chat and ticket.
    let acme_events = sync_all(&d.acme, 0).await;
    assert_company_events(
        "acme-admin",
        d.b,
        &HashSet::from([user_acme_chat]),
        &HashSet::from([d.acme_line]),
        &acme_events,
    );
    assert!(acme_events.iter().any(|e| matches!(&e.body,
        EventBody::MessageCreated { message } if message.text == "user at Acme")));
    assert!(acme_events.iter().any(|e| matches!(&e.body,
        EventBody::LineChanged { line } if line.internal_name == "acme-internal")));
    assert_eq!(
        ws_acme.drain_events(Duration::from_millis(700)).await,
        acme_events
    );

    // And company A's admin sees nothing of Acme.
    let a_chats: Vec<ChatSummary> = d
        .admin
        .get(&format!("/api/v1/companies/{}/chats", d.a))
        .await
        .unwrap();
    let a_lines = HashSet::from([d.it, d.hr, d.acc]);
    let admin_events = sync_all(&d.admin, 0).await;
    assert_company_events(
        "admin",
        d.a,
        &a_chats.iter().map(|c| c.id).collect(),
        &a_lines,
        &admin_events,
    );
    assert!(!a_chats.iter().any(|c| c.id == user_acme_chat));
}

async fn revoked_sessions(backend: Backend) {
    let (mut config, dir) = TestServer::config(backend);
    // The ping's own check of the session is a minute off: the revocation itself closes the
    // socket (on this node; another node's ping would).
    config.ws_ping_interval = Duration::from_secs(60);
    let srv = TestServer::start_with(config, dir, true).await;
    let d = demo_on(srv).await;
    let first = d.srv.login("user").await;
    let second = d.srv.login("user").await;
    let (s1, s2) = (
        current_session(&first).await,
        current_session(&second).await,
    );
    assert_ne!(s1, s2);
    let mut ws1 = ws_connect(&first.base, first.token.as_deref().unwrap(), "")
        .await
        .unwrap();
    let mut ws2 = ws_connect(&second.base, second.token.as_deref().unwrap(), "")
        .await
        .unwrap();

    // Another account cannot revoke her session.
    let bob = d.srv.new_user("bob").await;
    refused(
        &bob,
        Method::DELETE,
        &format!("/api/v1/sessions/{s1}"),
        Body::None,
        404,
        "not_found",
    )
    .await;
    let _: Me = first.get("/api/v1/me").await.unwrap();

    // Revoked from the other session: the token is dead at once, the socket closes.
    second
        .delete(&format!("/api/v1/sessions/{s1}"))
        .await
        .unwrap();
    refused(
        &first,
        Method::GET,
        "/api/v1/me",
        Body::None,
        401,
        "unauthorized",
    )
    .await;
    let started = Instant::now();
    assert!(
        ws_closes_within(&mut ws1, Duration::from_secs(3)).await,
        "the revoked session's WebSocket stayed open"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(
        ws_connect(&first.base, first.token.as_deref().unwrap(), "")
            .await
            .err(),
        Some(401)
    );
    refused(
        &first,
        Method::DELETE,
        &format!("/api/v1/sessions/{s2}"),
        Body::None,
        401,
        "unauthorized",
    )
    .await;

    // The other session lives on, socket included.
    let m = second.send_text(d.user_it, "still here").await;
    let mut events = Vec::new();
    loop {
        match ws_event(&mut ws2, Duration::from_secs(5)).await {
            Ok(event) => {
                events.push(event);
                if events.iter().any(|e| {
                    matches!(&e.body,
                    EventBody::MessageCreated { message } if message.id == m.id)
                }) {
                    break;
                }
            }
            other => panic!("the other session's socket: {other:?}"),
        }
    }
    let sessions: Vec<SessionInfo> = second.get("/api/v1/sessions").await.unwrap();
    assert!(!sessions.iter().any(|s| s.id == s1));

    // Logging out works the same way.
    let (status, _) = second
        .send_raw(second.request(Method::POST, "/api/v1/auth/logout"))
        .await;
    assert_eq!(status, 204);
    refused(
        &second,
        Method::GET,
        "/api/v1/me",
        Body::None,
        401,
        "unauthorized",
    )
    .await;
    assert!(
        ws_closes_within(&mut ws2, Duration::from_secs(3)).await,
        "the logged-out session's WebSocket stayed open"
    );
    refused(
        &second,
        Method::POST,
        "/api/v1/auth/logout",
        Body::None,
        401,
        "unauthorized",
    )
    .await;
    // Other accounts' sessions are untouched.
    let _: Me = d.user.get("/api/v1/me").await.unwrap();
    let _: Me = bob.get("/api/v1/me").await.unwrap();
}

async fn unauthenticated(backend: Backend) {
    let d = demo(backend).await;
    let revoked = d.srv.login("user").await;
    let s = current_session(&revoked).await;
    d.user
        .delete(&format!("/api/v1/sessions/{s}"))
        .await
        .unwrap();
    let (a, it, chat) = (d.a, d.it, d.user_it);
    let cases: Vec<(Method, String, Body)> = vec![
        (Method::GET, "/api/v1/me".into(), Body::None),
        (Method::GET, "/api/v1/sessions".into(), Body::None),
        (Method::DELETE, "/api/v1/sessions/1".into(), Body::None),
        (Method::POST, "/api/v1/auth/logout".into(), Body::None),
        (
            Method::POST,
            "/api/v1/companies".into(),
            j(json!({"name": "X"})),
        ),
        (
            Method::GET,
            format!("/api/v1/companies/{a}/members"),
            Body::None,
        ),
        (
            Method::POST,
            format!("/api/v1/companies/{a}/members"),
            j(json!({"login": "user", "role": "admin"})),
        ),
        (
            Method::GET,
            format!("/api/v1/companies/{a}/lines"),
            Body::None,
        ),
        (
            Method::POST,
            format!("/api/v1/companies/{a}/lines"),
            j(json!({"name": "X"})),
        ),
        (Method::GET, format!("/api/v1/lines/{it}"), Body::None),
        (
            Method::PUT,
            format!("/api/v1/lines/{it}"),
            j(json!({"name": "X"})),
        ),
        (
            Method::PUT,
            format!("/api/v1/lines/{it}/published"),
            j(json!({"value": false})),
        ),
        (
            Method::PUT,
            format!("/api/v1/lines/{it}/recommended"),
            j(json!({"value": false})),
        ),
        (
            Method::PUT,
            format!("/api/v1/lines/{it}/avatar"),
            Body::Typed("application/octet-stream", PNG.to_vec()),
        ),
        (
            Method::GET,
            format!("/api/v1/lines/{it}/avatar"),
            Body::None,
        ),
        (Method::GET, "/api/v1/directory".into(), Body::None),
        (
            Method::GET,
            "/api/v1/directory/recommended".into(),
            Body::None,
        ),
        (Method::GET, "/api/v1/connections".into(), Body::None),
        (
            Method::POST,
            "/api/v1/connections".into(),
            j(json!({"line_id": it})),
        ),
        (Method::DELETE, "/api/v1/connections/1".into(), Body::None),
        (
            Method::POST,
            "/api/v1/connections/1/approve".into(),
            Body::None,
        ),
        (
            Method::POST,
            "/api/v1/connections/1/reject".into(),
            Body::None,
        ),
        (
            Method::GET,
            format!("/api/v1/companies/{a}/connections"),
            Body::None,
        ),
        (
            Method::POST,
            format!("/api/v1/companies/{a}/connections"),
            j(json!({"line_id": it, "login": "user"})),
        ),
        (Method::GET, "/api/v1/chats".into(), Body::None),
        (Method::GET, format!("/api/v1/chats/{chat}"), Body::None),
        (
            Method::GET,
            format!("/api/v1/chats/{chat}/messages"),
            Body::None,
        ),
        (
            Method::POST,
            format!("/api/v1/chats/{chat}/messages"),
            send_body("hi"),
        ),
        (
            Method::POST,
            format!("/api/v1/chats/{chat}/read"),
            j(json!({"seq": 0})),
        ),
        (
            Method::GET,
            format!("/api/v1/chats/{chat}/files"),
            Body::None,
        ),
        (
            Method::GET,
            format!("/api/v1/companies/{a}/chats"),
            Body::None,
        ),
        (Method::GET, "/api/v1/tickets/1".into(), Body::None),
        (
            Method::POST,
            "/api/v1/files?name=a.txt".into(),
            Body::Typed("application/octet-stream", b"hello".to_vec()),
        ),
        (Method::GET, "/api/v1/files/1".into(), Body::None),
        (Method::GET, "/api/v1/sync?since=0".into(), Body::None),
        (Method::GET, "/api/v1/snapshot".into(), Body::None),
        (Method::GET, "/api/v1/ws".into(), Body::None),
    ];
    let mut bad = d.srv.anon();
    let before = world(&d.srv).await;
    let long = "x".repeat(300);
    for token in [
        None,
        Some("not-a-token"),
        Some(long.as_str()),
        Some(""),
        revoked.token.as_deref(),
    ] {
        bad.token = token.map(str::to_owned);
        for (m, p, body) in &cases {
            refused(&bad, m.clone(), p, body.clone(), 401, "unauthorized").await;
        }
    }
    // A valid token in another scheme, or without the scheme, is not a bearer token.
    for header in [
        format!("Basic {}", d.user.token.as_deref().unwrap()),
        d.user.token.clone().unwrap(),
        format!("bearer{}", d.user.token.as_deref().unwrap()),
    ] {
        let rb = d
            .srv
            .anon()
            .request(Method::GET, "/api/v1/me")
            .header("authorization", header);
        refused_with(rb, 401, "unauthorized", "another scheme").await;
    }
    assert_eq!(
        ws_connect(&d.srv.url, revoked.token.as_deref().unwrap(), "")
            .await
            .err(),
        Some(401)
    );
    assert_unchanged(&d.srv, &before, "requests without a valid token").await;
    // The same requests with a valid token are not refused for want of one.
    let _: Me = d.user.get("/api/v1/me").await.unwrap();
}
