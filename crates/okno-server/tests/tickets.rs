//! Tickets and routing over real HTTP on both backends: routing by load, capacity, idle time and
//! the responsible specialist; queues and their position notices; working hours; take (and its
//! race), transfer, close, rating; the service catalog; lists; figures; walls; bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use okno_proto::*;
use serde_json::{json, Value as Json};
use std::time::Duration;

both! {
    routing_by_load_and_capacity => routing_by_load_and_capacity;
    ties_go_to_the_longest_idle => ties_go_to_the_longest_idle;
    responsible_specialist_first => responsible_specialist_first;
    queue_order_and_positions => queue_order_and_positions;
    outside_working_hours => outside_working_hours;
    transfers => transfers;
    close_and_rating => close_and_rating;
    take_race => take_race;
    catalog_and_service_requests => catalog_and_service_requests;
    lists_detail_and_figures => lists_detail_and_figures;
    walls => walls;
}

struct Fx {
    srv: TestServer,
    admin: Api,
    company: CompanyId,
    /// Two lines without working hours (always working).
    l1: LineId,
    l2: LineId,
}

struct Person {
    api: Api,
    id: UserId,
}

struct Client {
    api: Api,
    id: UserId,
    chat: ChatId,
}

/// A demo server whose routing ticker never fires on its own: tests flush and dispatch by hand.
async fn fx(backend: Backend) -> Fx {
    let (mut config, dir) = TestServer::config(backend);
    config.queue_notice_interval = Duration::from_secs(3600);
    config.dispatch_interval = Duration::from_secs(3600);
    let srv = TestServer::start_with(config, dir, true).await;
    let admin = srv.login("admin").await;
    let me = admin.me().await;
    let company = me.memberships[0].company_id;
    let mut lines = Vec::new();
    for name in ["Level 1", "Level 2"] {
        let line: Line = admin
            .post(
                &format!("/api/v1/companies/{company}/lines"),
                &json!({"name": name}),
            )
            .await
            .unwrap();
        lines.push(line.id);
    }
    Fx {
        srv,
        admin,
        company,
        l1: lines[0],
        l2: lines[1],
    }
}

impl Fx {
    fn state(&self) -> &okno_server::AppState {
        &self.srv.server.as_ref().unwrap().state
    }

    /// A new specialist of the company with competences (line, priority), capacity and presence.
    async fn specialist(
        &self,
        login: &str,
        capacity: i64,
        lines: &[(LineId, i64)],
        presence: Presence,
    ) -> Person {
        let login = &format!("sp-{login}");
        let api = self.srv.new_user(login).await;
        let _: Member = self
            .admin
            .post(
                &format!("/api/v1/companies/{}/members", self.company),
                &json!({"login": login, "role": "specialist"}),
            )
            .await
            .unwrap();
        let id = api.me().await.id;
        let competences: Vec<Json> = lines
            .iter()
            .map(|(l, p)| json!({"line_id": l, "level": 1, "priority": p}))
            .collect();
        let _: Agent = self
            .admin
            .put(
                &format!("/api/v1/companies/{}/agents/{id}", self.company),
                &json!({"capacity": capacity, "competences": competences}),
            )
            .await
            .unwrap();
        let _: Vec<Agent> = api
            .put("/api/v1/me/presence", &json!({"presence": presence}))
            .await
            .unwrap();
        Person { api, id }
    }

    /// A new client user connected to `line` by the admin.
    async fn client(&self, login: &str, line: LineId) -> Client {
        let login = &format!("cl-{login}");
        let api = self.srv.new_user(login).await;
        let c: Connection = self
            .admin
            .post(
                &format!("/api/v1/companies/{}/connections", self.company),
                &json!({"line_id": line, "login": login}),
            )
            .await
            .unwrap();
        Client {
            id: api.me().await.id,
            api,
            chat: c.chat_id.unwrap(),
        }
    }

    async fn agent(&self, id: UserId) -> Agent {
        let all: Vec<Agent> = self
            .admin
            .get(&format!("/api/v1/companies/{}/agents", self.company))
            .await
            .unwrap();
        all.into_iter().find(|a| a.user_id == id).unwrap()
    }

    async fn flush(&self) -> usize {
        okno_server::routing::flush_positions(self.state())
            .await
            .unwrap()
    }
}

impl Client {
    /// Writes and returns the chat's open ticket.
    async fn write(&self, text: &str) -> Ticket {
        self.api.send_text(self.chat, text).await;
        self.ticket().await
    }

    async fn ticket(&self) -> Ticket {
        let s: ChatSummary = self
            .api
            .get(&format!("/api/v1/chats/{}", self.chat))
            .await
            .unwrap();
        s.open_ticket.expect("an open ticket")
    }

    async fn notices(&self) -> Vec<(Message, Notice)> {
        let page: MessagePage = self
            .api
            .get(&format!("/api/v1/chats/{}/messages?limit=200", self.chat))
            .await
            .unwrap();
        page.messages
            .into_iter()
            .filter_map(|m| m.notice.clone().map(|n| (m, n)))
            .collect()
    }
}

async fn get_ticket(api: &Api, id: TicketId) -> Ticket {
    api.get(&format!("/api/v1/tickets/{id}")).await.unwrap()
}

async fn close(api: &Api, id: TicketId) -> Result<Ticket, Failure> {
    api.post(
        &format!("/api/v1/tickets/{id}/close"),
        &json!({"result": "Done: restarted the spooler"}),
    )
    .await
}

async fn routing_by_load_and_capacity(backend: Backend) {
    let f = fx(backend).await;
    let s1 = f.specialist("s1", 2, &[(f.l1, 1)], Presence::Online).await;
    let s2 = f.specialist("s2", 2, &[(f.l1, 1)], Presence::Online).await;
    // Away and offline specialists get nothing, however free.
    let _away = f.specialist("s3", 5, &[(f.l1, 1)], Presence::Away).await;
    let mut clients = Vec::new();
    for i in 0..5 {
        clients.push(f.client(&format!("c{i}"), f.l1).await);
    }
    let mut tickets = Vec::new();
    for c in &clients {
        tickets.push(c.write("help").await);
    }
    let who: Vec<Option<UserId>> = tickets.iter().map(|t| t.assignee_id).collect();
    // Least load first: s1, s2, then (both at 1) s1, s2; the fifth waits: both are full.
    assert_eq!(
        &who[..4],
        &[Some(s1.id), Some(s2.id), Some(s1.id), Some(s2.id)],
        "{tickets:?}"
    );
    assert_eq!(tickets[4].state, TicketState::Queued);
    assert_eq!(tickets[4].queue_position, Some(1));
    assert_eq!(f.agent(s1.id).await.load, 2);
    assert_eq!(f.agent(s2.id).await.load, 2);
    let notices = clients[0].notices().await;
    assert!(matches!(
        &notices[1].1,
        Notice::SpecialistAssigned { specialist_id, .. } if *specialist_id == s1.id
    ));
    assert!(matches!(
        clients[4].notices().await.last().unwrap().1,
        Notice::TicketQueued { position: 1, .. }
    ));

    // s2 frees up: the waiting ticket goes to them at once.
    close(&s2.api, tickets[1].id).await.unwrap();
    let t5 = get_ticket(&s2.api, tickets[4].id).await;
    assert_eq!(t5.state, TicketState::Assigned);
    assert_eq!(t5.assignee_id, Some(s2.id));
    assert_eq!(f.agent(s2.id).await.load, 2);

    // More capacity hands out what waits, too.
    let t6 = clients[1].write("again").await;
    assert_ne!(
        t6.id, tickets[1].id,
        "a message after closing opens a new ticket"
    );
    assert_eq!(t6.state, TicketState::Queued);
    let _: Agent = f
        .admin
        .put(
            &format!("/api/v1/companies/{}/agents/{}", f.company, s1.id),
            &json!({"capacity": 3, "competences": [{"line_id": f.l1, "level": 1, "priority": 1}]}),
        )
        .await
        .unwrap();
    assert_eq!(get_ticket(&s1.api, t6.id).await.assignee_id, Some(s1.id));
}

async fn ties_go_to_the_longest_idle(backend: Backend) {
    let f = fx(backend).await;
    let s1 = f.specialist("s1", 1, &[(f.l1, 1)], Presence::Online).await;
    let s2 = f.specialist("s2", 1, &[(f.l1, 1)], Presence::Online).await;
    let a = f.client("a", f.l1).await;
    let b = f.client("b", f.l1).await;
    let c = f.client("c", f.l1).await;
    let ta = a.write("one").await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let tb = b.write("two").await;
    assert_eq!(ta.assignee_id, Some(s1.id));
    assert_eq!(tb.assignee_id, Some(s2.id));
    // Both free again; s1 had their last ticket earlier, so s1 has been idle longer…
    close(&s2.api, tb.id).await.unwrap();
    close(&s1.api, ta.id).await.unwrap();
    assert_eq!(c.write("three").await.assignee_id, Some(s1.id));
    // …and now s2 is the longest idle of the free ones.
    close(&s1.api, c.ticket().await.id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(a.write("four").await.assignee_id, Some(s2.id));
}

async fn responsible_specialist_first(backend: Backend) {
    let f = fx(backend).await;
    let s1 = f.specialist("s1", 5, &[(f.l1, 1)], Presence::Online).await;
    // s2 works another line only: responsibility comes before competence.
    let s2 = f.specialist("s2", 1, &[(f.l2, 1)], Presence::Online).await;
    let vip = f.client("vip", f.l1).await;
    let other = f.client("other", f.l1).await;
    let card: ClientCard = f
        .admin
        .put(
            &format!("/api/v1/companies/{}/clients/{}", f.company, vip.id),
            &json!({"organization": "Romashka", "contact": "+7 000", "responsible_id": s2.id}),
        )
        .await
        .unwrap();
    assert_eq!(card.responsible_id, Some(s2.id));
    assert_eq!(card.organization, "Romashka");
    let t = vip.write("it's me").await;
    assert_eq!(t.assignee_id, Some(s2.id));
    // Not for other clients.
    assert_eq!(other.write("me too").await.assignee_id, Some(s1.id));
    // The responsible specialist is full now: the usual routing applies.
    close(&s2.api, t.id)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let _: Vec<Agent> = s2
        .api
        .put("/api/v1/me/presence", &json!({"presence": "away"}))
        .await
        .unwrap();
    assert_eq!(vip.write("again").await.assignee_id, Some(s1.id));
    // A responsible specialist must work for the company.
    let acme = f.srv.login("acme-admin").await;
    let bad = f
        .admin
        .put::<_, ClientCard>(
            &format!("/api/v1/companies/{}/clients/{}", f.company, vip.id),
            &json!({"responsible_id": acme.me().await.id}),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.status, 400);
}

async fn queue_order_and_positions(backend: Backend) {
    let f = fx(backend).await;
    let s = f.specialist("s", 1, &[(f.l1, 1)], Presence::Online).await;
    let mut clients = Vec::new();
    for i in 0..5 {
        clients.push(f.client(&format!("q{i}"), f.l1).await);
    }
    let mut tickets = Vec::new();
    for c in &clients {
        tickets.push(c.write("waiting").await);
    }
    assert_eq!(tickets[0].assignee_id, Some(s.id));
    for (i, t) in tickets.iter().enumerate().skip(1) {
        assert_eq!(t.state, TicketState::Queued);
        assert_eq!(t.queue_position, Some(i as i64));
    }
    let queued: Vec<TicketItem> = s.api.get("/api/v1/tickets?view=queued").await.unwrap();
    let order: Vec<TicketId> = queued.iter().map(|i| i.ticket.id).collect();
    assert_eq!(order, tickets[1..].iter().map(|t| t.id).collect::<Vec<_>>());
    assert_eq!(queued[3].ticket.queue_position, Some(4));

    let mut last_ws = clients[4].api.ws_now().await;
    last_ws.drain_events(Duration::from_millis(300)).await;
    // Two moves before the notices are written: each waiting ticket's notice changes once.
    close(&s.api, tickets[0].id).await.unwrap();
    close(&s.api, tickets[1].id).await.unwrap();
    assert_eq!(
        get_ticket(&s.api, tickets[2].id).await.assignee_id,
        Some(s.id)
    );
    assert_eq!(f.flush().await, 2, "q3 and q4 moved");
    assert_eq!(f.flush().await, 0, "nothing moved since");
    let events = last_ws.drain_events(Duration::from_millis(500)).await;
    let updates: Vec<&Message> = events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::MessageUpdated { message } => Some(message),
            _ => None,
        })
        .collect();
    assert_eq!(updates.len(), 1, "{events:?}");
    assert!(matches!(
        updates[0].notice,
        Some(Notice::TicketQueued { position: 2, .. })
    ));
    // One queue notice per wait, updated in place.
    let notices = clients[4].notices().await;
    let queue_notices: Vec<_> = notices
        .iter()
        .filter(|(_, n)| matches!(n, Notice::TicketQueued { .. }))
        .collect();
    assert_eq!(queue_notices.len(), 1);
    assert_eq!(queue_notices[0].0.id, updates[0].id);
    assert!(matches!(
        queue_notices[0].1,
        Notice::TicketQueued { position: 2, .. }
    ));
    assert_eq!(
        get_ticket(&clients[4].api, tickets[4].id)
            .await
            .queue_position,
        Some(2)
    );
    // The specialist goes away and comes back: nothing is handed out while away.
    let _: Vec<Agent> = s
        .api
        .put("/api/v1/me/presence", &json!({"presence": "away"}))
        .await
        .unwrap();
    close(&s.api, tickets[2].id).await.unwrap();
    assert_eq!(
        get_ticket(&s.api, tickets[3].id).await.state,
        TicketState::Queued
    );
    let _: Vec<Agent> = s
        .api
        .put("/api/v1/me/presence", &json!({"presence": "online"}))
        .await
        .unwrap();
    assert_eq!(
        get_ticket(&s.api, tickets[3].id).await.assignee_id,
        Some(s.id)
    );
    f.flush().await;
    assert!(matches!(
        clients[4]
            .notices()
            .await
            .iter()
            .rev()
            .find(|(_, n)| matches!(n, Notice::TicketQueued { .. }))
            .unwrap()
            .1,
        Notice::TicketQueued { position: 1, .. }
    ));
}

async fn outside_working_hours(backend: Backend) {
    let f = fx(backend).await;
    let s = f.specialist("s", 3, &[(f.l1, 1)], Presence::Online).await;
    let c = f.client("late", f.l1).await;
    // Open around the clock every day, but today (in the line's zone) is a holiday.
    let tz: chrono_tz::Tz = "Asia/Kathmandu".parse().unwrap();
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let weekly: Vec<Json> = (1..=7)
        .map(|d| json!({"weekday": d, "open": "00:00", "close": "24:00"}))
        .collect();
    let hours = json!({"time_zone": "Asia/Kathmandu", "weekly": weekly,
        "holidays": [today.format("%Y-%m-%d").to_string()]});
    let line: Line = f
        .admin
        .put(
            &format!("/api/v1/lines/{}", f.l1),
            &json!({"name": "Level 1", "hours": hours}),
        )
        .await
        .unwrap();
    assert!(!line.working_now);
    use chrono::TimeZone;
    let expected = tz
        .from_local_datetime(&tomorrow.and_hms_opt(0, 0, 0).unwrap())
        .unwrap()
        .timestamp_millis();
    assert_eq!(line.next_open_at, Some(expected));
    let t = c.write("are you there?").await;
    assert_eq!(t.state, TicketState::Queued);
    let notices = c.notices().await;
    assert_eq!(
        notices.last().unwrap().1,
        Notice::OutsideHours {
            ticket_id: t.id,
            number: t.number,
            next_open_at: Some(expected)
        }
    );
    // Routing leaves it waiting while closed…
    okno_server::routing::dispatch_due(f.state()).await.unwrap();
    assert_eq!(get_ticket(&s.api, t.id).await.state, TicketState::Queued);
    // …and hands it out once the line works.
    let _: Line = f
        .admin
        .put(
            &format!("/api/v1/lines/{}", f.l1),
            &json!({"name": "Level 1"}),
        )
        .await
        .unwrap();
    assert_eq!(
        okno_server::routing::dispatch_due(f.state()).await.unwrap(),
        1
    );
    assert_eq!(get_ticket(&s.api, t.id).await.assignee_id, Some(s.id));
}

async fn transfers(backend: Backend) {
    let f = fx(backend).await;
    let s1 = f.specialist("s1", 3, &[(f.l1, 1)], Presence::Online).await;
    let s2 = f.specialist("s2", 3, &[(f.l1, 2)], Presence::Away).await;
    let s3 = f.specialist("s3", 3, &[(f.l2, 1)], Presence::Online).await;
    let c = f.client("c", f.l1).await;
    let t = c.write("my VPN is down").await;
    assert_eq!(t.assignee_id, Some(s1.id));
    let path = format!("/api/v1/tickets/{}/transfer", t.id);
    // Bad input changes nothing.
    for (body, status) in [
        (
            json!({"to_user_id": s2.id, "to_line_id": f.l2, "comment": "x"}),
            400,
        ),
        (json!({"comment": "x"}), 400),
        (json!({"to_user_id": s2.id, "comment": "  "}), 400),
        (json!({"to_user_id": s1.id, "comment": "mine already"}), 400),
        (json!({"to_user_id": c.id, "comment": "a client"}), 400),
        (json!({"to_line_id": f.l1, "comment": "same line"}), 400),
        (json!({"to_line_id": 999_999, "comment": "no line"}), 400),
        (json!({"to_user_id": "s2", "comment": "x"}), 400),
    ] {
        let e = s1.api.post::<_, Ticket>(&path, &body).await.unwrap_err();
        assert_eq!(e.status, status, "{body}: {e:?}");
    }
    // Only its specialist (or an admin) transfers an assigned ticket.
    let e = s3
        .api
        .post::<_, Ticket>(&path, &json!({"to_user_id": s3.id, "comment": "mine now"}))
        .await
        .unwrap_err();
    assert_eq!(e.status, 403);
    assert_eq!(get_ticket(&s1.api, t.id).await.assignee_id, Some(s1.id));

    // To a specialist (away specialists can be given a ticket by hand).
    let t2: Ticket = s1
        .api
        .post(
            &path,
            &json!({"to_user_id": s2.id, "comment": "Sergei knows the VPN"}),
        )
        .await
        .unwrap();
    assert_eq!(t2.assignee_id, Some(s2.id));
    assert_eq!(f.agent(s1.id).await.load, 0);
    assert_eq!(f.agent(s2.id).await.load, 1);
    let n = c.notices().await;
    assert!(n.iter().any(|(_, n)| matches!(n,
        Notice::TicketTransferred { to_specialist_id: Some(id), comment, .. }
            if *id == s2.id && comment == "Sergei knows the VPN")));

    // To another line (level 2): its free specialist gets it; the chat stays the same.
    let t3: Ticket = s2
        .api
        .post(
            &path,
            &json!({"to_line_id": f.l2, "comment": "Escalated to level 2"}),
        )
        .await
        .unwrap();
    assert_eq!(t3.line_id, f.l2);
    assert_eq!(t3.chat_id, c.chat);
    assert_eq!(t3.assignee_id, Some(s3.id));
    assert_eq!(f.agent(s2.id).await.load, 0);
    let n = c.notices().await;
    let kinds: Vec<&Notice> = n.iter().map(|(_, n)| n).collect();
    assert!(matches!(
        kinds[kinds.len() - 2],
        Notice::TicketTransferred { to_line_id: Some(l), .. } if *l == f.l2
    ));
    assert!(matches!(
        kinds[kinds.len() - 1],
        Notice::SpecialistAssigned { specialist_id, .. } if *specialist_id == s3.id
    ));
    // The user writes on: the same ticket, in the same chat.
    c.api.send_text(c.chat, "thanks").await;
    assert_eq!(c.ticket().await.id, t.id);

    // Back to level 1 with nobody free there: it waits in level 1's queue.
    let _: Vec<Agent> = s1
        .api
        .put("/api/v1/me/presence", &json!({"presence": "offline"}))
        .await
        .unwrap();
    let t4: Ticket = s3
        .api
        .post(
            &path,
            &json!({"to_line_id": f.l1, "comment": "Back to level 1"}),
        )
        .await
        .unwrap();
    assert_eq!(t4.state, TicketState::Queued);
    assert_eq!(t4.queue_position, Some(1));
    assert!(matches!(
        c.notices().await.last().unwrap().1,
        Notice::TicketQueued { position: 1, .. }
    ));
}

async fn close_and_rating(backend: Backend) {
    let f = fx(backend).await;
    let s1 = f.specialist("s1", 3, &[(f.l1, 1)], Presence::Online).await;
    let s2 = f.specialist("s2", 3, &[(f.l1, 1)], Presence::Away).await;
    let c = f.client("c", f.l1).await;
    let other = f.client("other", f.l1).await;
    let t = c.write("printer").await;
    let rate = |api: Api, body: Json| {
        let path = format!("/api/v1/tickets/{}/rating", t.id);
        async move { api.post::<_, Ticket>(&path, &body).await }
    };
    // Not before closing.
    let e = rate(c.api.clone(), json!({"rating": 5})).await.unwrap_err();
    assert_eq!(e.status, 409);
    // Only its specialist closes; the result is required.
    assert_eq!(close(&s2.api, t.id).await.unwrap_err().status, 403);
    let e = s1
        .api
        .post::<_, Ticket>(
            &format!("/api/v1/tickets/{}/close", t.id),
            &json!({"result": ""}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.status, 400);
    let closed = close(&s1.api, t.id).await.unwrap();
    assert_eq!(closed.state, TicketState::Closed);
    assert_eq!(
        closed.result.as_deref(),
        Some("Done: restarted the spooler")
    );
    assert!(closed.closed_at.is_some());
    assert_eq!(close(&s1.api, t.id).await.unwrap_err().status, 409);
    assert_eq!(f.agent(s1.id).await.load, 0);
    assert!(matches!(
        c.notices().await.last().unwrap().1,
        Notice::TicketClosed { ref result, .. } if result == "Done: restarted the spooler"
    ));
    // Rating: 1–5, only the ticket's client, once.
    for bad in [
        json!({"rating": 0}),
        json!({"rating": 6}),
        json!({"rating": "5"}),
    ] {
        assert_eq!(rate(c.api.clone(), bad).await.unwrap_err().status, 400);
    }
    assert_eq!(
        rate(s1.api.clone(), json!({"rating": 5}))
            .await
            .unwrap_err()
            .status,
        403
    );
    assert_eq!(
        rate(other.api.clone(), json!({"rating": 1}))
            .await
            .unwrap_err()
            .status,
        404
    );
    let rated = rate(
        c.api.clone(),
        json!({"rating": 4, "comment": "Fast, thanks"}),
    )
    .await
    .unwrap();
    assert_eq!(rated.rating, Some(4));
    assert_eq!(rated.rating_comment.as_deref(), Some("Fast, thanks"));
    assert_eq!(
        rate(c.api.clone(), json!({"rating": 1}))
            .await
            .unwrap_err()
            .status,
        409
    );
    assert_eq!(get_ticket(&c.api, t.id).await.rating, Some(4));
    assert!(matches!(
        c.notices().await.last().unwrap().1,
        Notice::TicketRated { rating: 4, .. }
    ));
    // A new message after closing registers a new ticket.
    let t2 = c.write("and the scanner").await;
    assert_ne!(t2.id, t.id);
    assert_eq!(t2.number, t.number + 1);
}

async fn take_race(backend: Backend) {
    let f = fx(backend).await;
    // Away: nothing is routed automatically, both may take.
    let s1 = f.specialist("s1", 50, &[(f.l1, 1)], Presence::Away).await;
    let s2 = f.specialist("s2", 50, &[(f.l1, 1)], Presence::Away).await;
    let outsider = f.specialist("s3", 50, &[(f.l2, 1)], Presence::Away).await;
    let mut tickets = Vec::new();
    for i in 0..8 {
        let c = f.client(&format!("r{i}"), f.l1).await;
        tickets.push(c.write("race").await);
    }
    // Not competent on the line: refused.
    let e = outsider
        .api
        .post::<_, Ticket>(
            &format!("/api/v1/tickets/{}/take", tickets[0].id),
            &json!({}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.status, 403);
    for t in &tickets {
        assert_eq!(t.state, TicketState::Queued);
        let path = format!("/api/v1/tickets/{}/take", t.id);
        let empty = json!({});
        let (a, b) = tokio::join!(
            s1.api.post::<_, Ticket>(&path, &empty),
            s2.api.post::<_, Ticket>(&path, &empty)
        );
        let wins: Vec<&Ticket> = [&a, &b].iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(wins.len(), 1, "exactly one takes it: {a:?} {b:?}");
        let loss = [&a, &b].into_iter().find_map(|r| r.clone().err()).unwrap();
        assert_eq!(loss.status, 409);
        let now = get_ticket(&s1.api, t.id).await;
        assert_eq!(now.assignee_id, wins[0].assignee_id);
    }
    let total = f.agent(s1.id).await.load + f.agent(s2.id).await.load;
    assert_eq!(total, tickets.len() as i64, "each ticket counted once");
}

async fn catalog_and_service_requests(backend: Backend) {
    let f = fx(backend).await;
    let s = f.specialist("s", 3, &[(f.l1, 1)], Presence::Online).await;
    let c = f.client("c", f.l1).await;
    let t = c.write("new laptop please").await;
    let services = format!("/api/v1/companies/{}/services", f.company);
    // Only admins edit the catalog; bad input is refused.
    let e = s
        .api
        .post::<_, Service>(&services, &json!({"name": "Hardware"}))
        .await
        .unwrap_err();
    assert_eq!(e.status, 403);
    assert_eq!(
        f.admin
            .post::<_, Service>(&services, &json!({"name": ""}))
            .await
            .unwrap_err()
            .status,
        400
    );
    let svc: Service = f
        .admin
        .post(
            &services,
            &json!({"name": "Hardware", "description": "Laptops"}),
        )
        .await
        .unwrap();
    let wts = format!("/api/v1/services/{}/work-types", svc.id);
    for bad in [
        json!({"name": "Laptop", "fields": [{"name": "Model", "type": "text"}, {"name": "model", "type": "text"}]}),
        json!({"name": "Laptop", "fields": [{"name": "", "type": "text"}]}),
        json!({"name": "Laptop", "fields": [{"name": "Model", "type": "colour"}]}),
        json!({"name": "Laptop", "fields": (0..21).map(|i| json!({"name": format!("f{i}"), "type": "text"})).collect::<Vec<_>>()}),
        json!({"name": "", "fields": []}),
    ] {
        let e = f.admin.post::<_, WorkType>(&wts, &bad).await.unwrap_err();
        assert_eq!(e.status, 400, "{bad}");
    }
    let wt: WorkType = f
        .admin
        .post(
            &wts,
            &json!({"name": "Laptop", "fields": [
                {"name": "Model", "type": "text", "required": true},
                {"name": "RAM, GB", "type": "number"},
                {"name": "Needed by", "type": "date", "required": true},
                {"name": "Docking station", "type": "boolean"}]}),
        )
        .await
        .unwrap();
    let listed: Vec<Service> = s.api.get(&services).await.unwrap();
    assert!(listed
        .iter()
        .any(|x| x.id == svc.id && x.work_types == vec![wt.clone()]));

    let path = format!("/api/v1/tickets/{}/service-requests", t.id);
    let good = json!({"Model": "X1", "RAM, GB": "32", "Needed by": "2027-01-15", "Docking station": "true"});
    let acme = f.srv.login("acme-admin").await;
    let acme_company = acme.me().await.memberships[0].company_id;
    let acme_svc: Service = acme
        .post(
            &format!("/api/v1/companies/{acme_company}/services"),
            &json!({"name": "Backups"}),
        )
        .await
        .unwrap();
    let acme_wt: WorkType = acme
        .post(
            &format!("/api/v1/services/{}/work-types", acme_svc.id),
            &json!({"name": "Restore"}),
        )
        .await
        .unwrap();
    for (fields, wt_id) in [
        (json!({"RAM, GB": "32", "Needed by": "2027-01-15"}), wt.id),
        (json!({"Model": "X1", "Needed by": "soon"}), wt.id),
        (
            json!({"Model": "X1", "Needed by": "2027-01-15", "RAM, GB": "lots"}),
            wt.id,
        ),
        (
            json!({"Model": "X1", "Needed by": "2027-01-15", "Docking station": "yes"}),
            wt.id,
        ),
        (
            json!({"Model": "X1", "Needed by": "2027-01-15", "Colour": "red"}),
            wt.id,
        ),
        (json!({"Model": "   ", "Needed by": "2027-01-15"}), wt.id),
        (json!({}), acme_wt.id),
        (json!({}), 999_999),
    ] {
        let e = s
            .api
            .post::<_, ServiceRequest>(
                &path,
                &json!({"title": "Laptop", "work_type_id": wt_id, "fields": fields}),
            )
            .await
            .unwrap_err();
        assert_eq!(e.status, 400, "{fields}: {e:?}");
    }
    let none: Vec<ServiceRequest> = c.api.get("/api/v1/me/service-requests").await.unwrap();
    assert!(none.is_empty(), "refusals stored nothing");
    let sr: ServiceRequest = s
        .api
        .post(
            &path,
            &json!({"title": "New laptop", "work_type_id": wt.id, "fields": good}),
        )
        .await
        .unwrap();
    assert_eq!(sr.fields.len(), 4);
    assert_eq!(sr.service_name, "Hardware");
    let mine: Vec<ServiceRequest> = c.api.get("/api/v1/me/service-requests").await.unwrap();
    assert_eq!(mine, vec![sr.clone()]);
    // Status: staff only; the user gets a notice and an event.
    let status_path = format!("/api/v1/service-requests/{}/status", sr.id);
    let e = c
        .api
        .put::<_, ServiceRequest>(&status_path, &json!({"status": "done"}))
        .await
        .unwrap_err();
    assert_eq!(e.status, 403);
    let e = acme
        .put::<_, ServiceRequest>(&status_path, &json!({"status": "done"}))
        .await
        .unwrap_err();
    assert_eq!(e.status, 404);
    let e = s
        .api
        .put::<_, ServiceRequest>(&status_path, &json!({"status": "finished"}))
        .await
        .unwrap_err();
    assert_eq!(e.status, 400);
    let mut ws = c.api.ws_now().await;
    ws.drain_events(Duration::from_millis(300)).await;
    let ip: ServiceRequest = s
        .api
        .put(&status_path, &json!({"status": "in_progress"}))
        .await
        .unwrap();
    assert_eq!(ip.status, ServiceRequestStatus::InProgress);
    let events = ws.drain_events(Duration::from_millis(500)).await;
    assert!(events.iter().any(|e| matches!(&e.body,
        EventBody::ServiceRequestChanged { request } if request.status == ServiceRequestStatus::InProgress)));
    assert!(events.iter().any(|e| matches!(&e.body,
        EventBody::MessageCreated { message } if matches!(message.notice,
            Some(Notice::ServiceRequestStatusChanged { status: ServiceRequestStatus::InProgress, .. })))));
    let _: ServiceRequest = s
        .api
        .put(&status_path, &json!({"status": "done"}))
        .await
        .unwrap();
    let open: Vec<ServiceRequest> = c.api.get("/api/v1/me/service-requests").await.unwrap();
    assert!(open.is_empty(), "done ones are not open");
    // Archived work types take no new requests.
    let _: WorkType = f
        .admin
        .put(
            &format!("/api/v1/work-types/{}", wt.id),
            &json!({"name": "Laptop", "archived": true}),
        )
        .await
        .unwrap();
    let e = s
        .api
        .post::<_, ServiceRequest>(&path, &json!({"title": "Another", "work_type_id": wt.id}))
        .await
        .unwrap_err();
    assert_eq!(e.status, 400);
}

async fn lists_detail_and_figures(backend: Backend) {
    let f = fx(backend).await;
    let s1 = f.specialist("s1", 1, &[(f.l1, 1)], Presence::Online).await;
    let s2 = f.specialist("s2", 1, &[(f.l2, 1)], Presence::Online).await;
    let mut s1_ws = s1.api.ws_now().await;
    s1_ws.drain_events(Duration::from_millis(200)).await;
    let a = f.client("a", f.l1).await;
    let b = f.client("b", f.l1).await;
    let ta = a.write("first").await;
    let tb = b.write("second").await;
    assert_eq!(ta.assignee_id, Some(s1.id));
    assert_eq!(tb.state, TicketState::Queued);
    // The specialist's stream carries every ticket change: counts need no reload.
    let events = s1_ws.drain_events(Duration::from_millis(500)).await;
    let changed: Vec<&Ticket> = events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::TicketChanged { ticket } => Some(ticket),
            _ => None,
        })
        .collect();
    assert!(changed
        .iter()
        .any(|t| t.id == ta.id && t.state == TicketState::Assigned));
    assert!(changed
        .iter()
        .any(|t| t.id == tb.id && t.state == TicketState::Queued));

    let mine: Vec<TicketItem> = s1.api.get("/api/v1/tickets?view=mine").await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].ticket.id, ta.id);
    assert_eq!(mine[0].unread, 1, "the client's message");
    assert_eq!(mine[0].ticket.channel, Channel::Desktop);
    assert_eq!(mine[0].ticket.client_name, "cl-a");
    assert_eq!(mine[0].ticket.line_name, "Level 1");
    let queued: Vec<TicketItem> = s1.api.get("/api/v1/tickets?view=queued").await.unwrap();
    assert_eq!(
        queued.iter().map(|i| i.ticket.id).collect::<Vec<_>>(),
        vec![tb.id]
    );
    let open: Vec<TicketItem> = s1.api.get("/api/v1/tickets?view=open").await.unwrap();
    assert_eq!(open.len(), 2);
    // s2 works level 2 only: level 1's tickets are not in their lists.
    let open2: Vec<TicketItem> = s2.api.get("/api/v1/tickets?view=open").await.unwrap();
    assert!(open2.is_empty());
    // The admin sees every line; filtered by line.
    let all: Vec<TicketItem> = f
        .admin
        .get(&format!("/api/v1/tickets?view=open&line_id={}", f.l1))
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let none: Vec<TicketItem> = f
        .admin
        .get(&format!("/api/v1/tickets?view=open&line_id={}", f.l2))
        .await
        .unwrap();
    assert!(none.is_empty());
    for bad in [
        "/api/v1/tickets",
        "/api/v1/tickets?view=all",
        "/api/v1/tickets?view=open&line_id=x",
    ] {
        assert_eq!(
            s1.api.get::<Json>(bad).await.unwrap_err().status,
            400,
            "{bad}"
        );
    }
    let _: ClientCard = f
        .admin
        .put(
            &format!("/api/v1/companies/{}/clients/{}", f.company, a.id),
            &json!({"organization": "Romashka LLC", "contact": "a@romashka.example"}),
        )
        .await
        .unwrap();
    let d: TicketDetail = s1
        .api
        .get(&format!("/api/v1/tickets/{}/detail", ta.id))
        .await
        .unwrap();
    assert_eq!(d.client.organization, "Romashka LLC");
    assert_eq!(d.client.contact, "a@romashka.example");
    assert_eq!(d.client.login, "cl-a");
    assert_eq!(d.unread, 1);
    // Users have no detail view.
    assert_eq!(
        a.api
            .get::<TicketDetail>(&format!("/api/v1/tickets/{}/detail", ta.id))
            .await
            .unwrap_err()
            .status,
        404
    );

    // Figures: two tickets, one closed and rated 5, one waited and was handled.
    close(&s1.api, ta.id).await.unwrap();
    let _: Ticket = a
        .api
        .post(
            &format!("/api/v1/tickets/{}/rating", ta.id),
            &json!({"rating": 5}),
        )
        .await
        .unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let stats: Vec<LineStats> = f
        .admin
        .get(&format!(
            "/api/v1/companies/{}/line-stats?from={}&to={}",
            f.company,
            now - 3_600_000,
            now + 60_000
        ))
        .await
        .unwrap();
    let l1 = stats.iter().find(|s| s.line_id == f.l1).unwrap();
    assert_eq!(l1.tickets, 2);
    assert_eq!(l1.closed, 1);
    assert_eq!(l1.rated, 1);
    assert_eq!(l1.average_rating, Some(5.0));
    assert!(l1.mean_wait_ms.is_some() && l1.mean_handling_ms.is_some());
    assert!(l1.median_wait_ms.unwrap() >= 0);
    let l2 = stats.iter().find(|s| s.line_id == f.l2).unwrap();
    assert_eq!((l2.tickets, l2.average_rating), (0, None));
    let stats_path = format!("/api/v1/companies/{}/line-stats", f.company);
    for q in [
        "",
        "?from=10&to=5",
        "?from=0&to=99999999999999",
        "?from=a&to=1",
    ] {
        let e = f
            .admin
            .get::<Json>(&format!("{stats_path}{q}"))
            .await
            .unwrap_err();
        assert_eq!(e.status, 400, "{q}");
    }
    let e = s1
        .api
        .get::<Json>(&format!("{stats_path}?from=0&to=1"))
        .await
        .unwrap_err();
    assert_eq!(e.status, 403, "admins only");
}

async fn walls(backend: Backend) {
    let f = fx(backend).await;
    let s = f.specialist("s", 1, &[(f.l1, 1)], Presence::Online).await;
    let a = f.client("a", f.l1).await;
    let b = f.client("b", f.l1).await;
    let ta = a.write("one").await;
    let tb = b.write("two").await;
    assert_eq!(tb.state, TicketState::Queued);
    let acme = f.srv.login("acme-admin").await;
    let acme_company = acme.me().await.memberships[0].company_id;
    for (method, path, body) in [
        (
            "GET",
            format!("/api/v1/tickets/{}/detail", ta.id),
            json!(null),
        ),
        ("GET", format!("/api/v1/tickets/{}", ta.id), json!(null)),
        ("POST", format!("/api/v1/tickets/{}/take", tb.id), json!({})),
        (
            "POST",
            format!("/api/v1/tickets/{}/transfer", ta.id),
            json!({"to_user_id": s.id, "comment": "x"}),
        ),
        (
            "POST",
            format!("/api/v1/tickets/{}/close", ta.id),
            json!({"result": "x"}),
        ),
        (
            "GET",
            format!("/api/v1/companies/{}/agents", f.company),
            json!(null),
        ),
        (
            "PUT",
            format!("/api/v1/companies/{}/agents/{}", f.company, s.id),
            json!({"capacity": 1, "competences": []}),
        ),
        (
            "GET",
            format!("/api/v1/companies/{}/clients/{}", f.company, a.id),
            json!(null),
        ),
        (
            "GET",
            format!("/api/v1/companies/{}/services", f.company),
            json!(null),
        ),
        (
            "GET",
            format!("/api/v1/companies/{}/line-stats?from=0&to=1", f.company),
            json!(null),
        ),
    ] {
        let r = match method {
            "GET" => acme.get::<Json>(&path).await,
            "POST" => acme.post::<_, Json>(&path, &body).await,
            _ => acme.put::<_, Json>(&path, &body).await,
        };
        assert_eq!(r.unwrap_err().status, 404, "{method} {path}");
    }
    // Their lists hold nothing of ours; their admin cannot bind our line.
    for view in ["queued", "mine", "open"] {
        let l: Vec<TicketItem> = acme
            .get(&format!("/api/v1/tickets?view={view}"))
            .await
            .unwrap();
        assert!(
            l.iter().all(|i| i.ticket.company_id == acme_company),
            "{view}"
        );
    }
    let acme_me = acme.me().await.id;
    let e = acme
        .put::<_, Agent>(
            &format!("/api/v1/companies/{acme_company}/agents/{acme_me}"),
            &json!({"capacity": 1, "competences": [{"line_id": f.l1, "level": 1, "priority": 1}]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.status, 400);
    // A client sees their own ticket only, and cannot act on it as staff.
    assert_eq!(
        b.api
            .get::<Ticket>(&format!("/api/v1/tickets/{}", ta.id))
            .await
            .unwrap_err()
            .status,
        404
    );
    assert_eq!(
        a.api
            .post::<_, Ticket>(&format!("/api/v1/tickets/{}/take", ta.id), &json!({}))
            .await
            .unwrap_err()
            .status,
        404
    );
    // Users have no presence; bad presence values are refused.
    assert_eq!(
        a.api
            .put::<_, Json>("/api/v1/me/presence", &json!({"presence": "online"}))
            .await
            .unwrap_err()
            .status,
        403
    );
    assert_eq!(
        s.api
            .put::<_, Json>("/api/v1/me/presence", &json!({"presence": "busy"}))
            .await
            .unwrap_err()
            .status,
        400
    );
    // Agent input is validated.
    for bad in [
        json!({"capacity": -1, "competences": []}),
        json!({"capacity": 101, "competences": []}),
        json!({"capacity": 1, "competences": [{"line_id": f.l1, "level": 4, "priority": 1}]}),
        json!({"capacity": 1, "competences": [{"line_id": f.l1, "level": 1, "priority": 0}]}),
        json!({"capacity": 1, "competences": [{"line_id": f.l1, "level": 1, "priority": 1}, {"line_id": f.l1, "level": 2, "priority": 2}]}),
    ] {
        let e = f
            .admin
            .put::<_, Agent>(
                &format!("/api/v1/companies/{}/agents/{}", f.company, s.id),
                &bad,
            )
            .await
            .unwrap_err();
        assert_eq!(e.status, 400, "{bad}");
    }
    // Specialists cannot set competences.
    let e = s
        .api
        .put::<_, Agent>(
            &format!("/api/v1/companies/{}/agents/{}", f.company, s.id),
            &json!({"capacity": 9, "competences": []}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.status, 403);
    assert_eq!(f.agent(s.id).await.capacity, 1, "nothing changed");
}
