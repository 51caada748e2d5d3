//! The specialist's operations and the user's rating through the core, against the real server:
//! the queue follows the stream (TicketQueued, TicketChanged), an employee's cache keeps every
//! chat of their company (and pages older history from the server), notifications and the badge
//! count only the tickets that are theirs, and every step reaches the user's cache.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use okno_core::{Core, CoreError};
use okno_proto::*;
use std::collections::BTreeMap;
use tokio::sync::mpsc;

fn drain(rx: &mut mpsc::UnboundedReceiver<CoreEvent>) -> Vec<CoreEvent> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

/// The demo lines keep office hours; tests must not depend on the clock: the admin makes the
/// line always open.
async fn always_open(env: &Env, line: LineId) {
    let admin = env.http("admin").await;
    let l: Line = admin.get(&format!("/api/v1/lines/{line}")).await;
    let r = admin
        .client
        .put(format!("{}/api/v1/lines/{line}", admin.base))
        .bearer_auth(&admin.token)
        .json(&LineInput {
            name: l.name,
            internal_name: l.internal_name,
            description: l.description,
            details_url: l.details_url,
            hours: None,
        })
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}

/// The user's first chat, its line made always open.
async fn first_chat_always_open(env: &Env, user: &Core) -> ChatId {
    let chat = first_chat(user);
    let line = user
        .lines()
        .unwrap()
        .into_iter()
        .find(|l| l.chat_id == Some(chat))
        .unwrap()
        .line
        .id;
    always_open(env, line).await;
    chat
}

async fn notices(core: &Core, chat: ChatId) -> Vec<Notice> {
    cached(core, chat)
        .await
        .into_iter()
        .filter_map(|m| m.notice)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_from_queue_to_rating_through_two_cores() {
    let env = Env::start().await;
    let user = env.core("user", "user").await;
    let spec = env.core("spec", "specialist").await;
    let chat = first_chat_always_open(&env, &user).await;
    let mut events = spec.subscribe();

    // The specialist steps away: new tickets wait in the queue.
    let agents = spec.set_presence(Presence::Away).await.unwrap();
    assert!(agents.iter().all(|a| a.presence == Presence::Away));
    assert!(!spec.my_agents().await.unwrap()[0].competences.is_empty());
    eventually(10, "the specialist online", || async {
        *spec.sync_state().borrow() == SyncState::Online
    })
    .await;

    user.send(chat, "The printer on floor 3 is jammed", &[])
        .unwrap();
    let mut queued_ticket = None;
    eventually(15, "the ticket queued, seen by the specialist", || {
        let found = drain(&mut events).into_iter().find_map(|e| match e {
            CoreEvent::TicketQueued { ticket_id, chat_id } if chat_id == chat => Some(ticket_id),
            _ => None,
        });
        if found.is_some() {
            queued_ticket = found;
        }
        let done = queued_ticket.is_some();
        async move { done }
    })
    .await;
    let id = queued_ticket.unwrap();
    let queue = spec.tickets(TicketView::Queued).await.unwrap();
    assert_eq!(queue.iter().map(|i| i.ticket.id).collect::<Vec<_>>(), [id]);
    assert_eq!(queue[0].ticket.state, TicketState::Queued);
    assert!(spec.tickets(TicketView::Mine).await.unwrap().is_empty());
    // The employee's cache holds the user's message; it is not theirs yet: silent, no badge.
    eventually(10, "the message in the specialist's cache", || async {
        cached(&spec, chat)
            .await
            .iter()
            .any(|m| m.text.contains("printer on floor 3"))
    })
    .await;
    assert!(!spec.follows_chat(chat).unwrap());
    assert_eq!(spec.unread_total().unwrap(), 0);
    eventually(10, "the user's queue notice", || async {
        notices(&user, chat)
            .await
            .iter()
            .any(|n| matches!(n, Notice::TicketQueued { position: 1, .. }))
    })
    .await;

    // Take: it becomes theirs; a race loser gets a conflict.
    let taken = spec.take(id).await.unwrap();
    assert_eq!(taken.state, TicketState::Assigned);
    assert!(matches!(
        spec.take(id).await,
        Err(CoreError::Server { status: 409, .. })
    ));
    assert!(spec.follows_chat(chat).unwrap());
    assert_eq!(
        spec.tickets(TicketView::Mine)
            .await
            .unwrap()
            .iter()
            .map(|i| i.ticket.id)
            .collect::<Vec<_>>(),
        [id]
    );
    // A message from the user in their own ticket now counts.
    user.send(chat, "Any news?", &[]).unwrap();
    eventually(10, "the unread in the badge", || async {
        spec.unread_total().unwrap() >= 1
    })
    .await;
    let detail = spec.ticket_detail(id).await.unwrap();
    assert_eq!(detail.client.login, "user");
    assert!(detail.unread >= 1);

    // Reply through the outbox.
    spec.send(chat, "On my way with a new cartridge", &[])
        .unwrap();
    eventually(10, "the reply at the user's", || async {
        cached(&user, chat)
            .await
            .iter()
            .any(|m| m.text == "On my way with a new cartridge")
    })
    .await;

    // A service request from the catalog, fields checked by type.
    let company = taken.company_id;
    let services = spec.services(company).await.unwrap();
    let wt = services
        .iter()
        .flat_map(|s| &s.work_types)
        .find(|w| w.name == "Printer repair")
        .unwrap()
        .clone();
    let bad = spec
        .register_service_request(
            id,
            ServiceRequestInput {
                title: "Replace the fuser".into(),
                work_type_id: wt.id,
                fields: BTreeMap::from([("Floor".into(), "third".into())]),
            },
        )
        .await;
    assert!(
        matches!(bad, Err(CoreError::Server { status: 400, .. })),
        "{bad:?}"
    );
    let sr = spec
        .register_service_request(
            id,
            ServiceRequestInput {
                title: "  Replace the fuser ".into(),
                work_type_id: wt.id,
                fields: BTreeMap::from([
                    ("Inventory number".into(), "PR-3-14".into()),
                    ("Floor".into(), "3".into()),
                ]),
            },
        )
        .await
        .unwrap();
    assert_eq!(sr.title, "Replace the fuser");
    eventually(10, "the request in the user's panel", || async {
        user.service_requests(chat)
            .unwrap()
            .iter()
            .any(|r| r.id == sr.id)
    })
    .await;

    // Transfer to a colleague, with a comment the user sees.
    let colleagues = spec.company_agents(company).await.unwrap();
    let admin = colleagues
        .iter()
        .find(|a| a.role == CompanyRole::Admin)
        .unwrap();
    assert!(matches!(
        spec.transfer(id, Some(admin.user_id), Some(taken.line_id), "x")
            .await,
        Err(CoreError::Invalid(_))
    ));
    let moved = spec
        .transfer(id, Some(admin.user_id), None, "The admin orders cartridges")
        .await
        .unwrap();
    assert_eq!(moved.assignee_id, Some(admin.user_id));
    assert!(
        !spec.follows_chat(chat).unwrap(),
        "no longer the specialist's"
    );
    assert!(spec.company_lines(company).await.unwrap().len() >= 2);

    // The admin closes; the user rates once.
    let admin_core = env.core("admin", "admin").await;
    let closed = admin_core
        .close_ticket(id, "Cartridge replaced")
        .await
        .unwrap();
    assert_eq!(closed.state, TicketState::Closed);
    eventually(10, "the user's cache knows it is closed", || async {
        user.cached_ticket(id)
            .unwrap()
            .is_some_and(|t| t.state == TicketState::Closed)
    })
    .await;
    assert!(matches!(
        user.rate(id, 6, "").await,
        Err(CoreError::Invalid(_))
    ));
    let rated = user.rate(id, 5, "Fast, thank you").await.unwrap();
    assert_eq!(rated.rating, Some(5));
    assert!(matches!(
        user.rate(id, 4, "").await,
        Err(CoreError::Server { status: 409, .. })
    ));
    eventually(10, "every step in the user's chat", || async {
        let n = notices(&user, chat).await;
        let has = |f: fn(&Notice) -> bool| n.iter().any(f);
        has(|n| matches!(n, Notice::TicketRegistered { .. }))
            && has(|n| matches!(n, Notice::TicketQueued { .. }))
            && has(|n| matches!(n, Notice::SpecialistAssigned { .. }))
            && has(|n| matches!(n, Notice::ServiceRequestRegistered { .. }))
            && has(|n| matches!(n, Notice::TicketTransferred { comment, .. } if comment == "The admin orders cartridges"))
            && has(|n| matches!(n, Notice::TicketClosed { result, .. } if result == "Cartridge replaced"))
            && has(|n| matches!(n, Notice::TicketRated { rating: 5, .. }))
    })
    .await;
    assert_eq!(user.ticket(id).await.unwrap().rating, Some(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_employee_reads_a_chat_busy_before_they_signed_in_paging_older_from_the_server() {
    let env = Env::start().await;
    let user = env.http("user").await;
    let snap: Snapshot = user.get("/api/v1/snapshot").await;
    let chat = snap.chats[0].id;
    for i in 0..130 {
        user.send(chat, uuid::Uuid::new_v4(), &format!("message {i}"))
            .await;
    }
    let spec = env.core("spec", "specialist").await;
    let page = spec.messages(chat, None, 50).await.unwrap();
    assert_eq!(page.messages.len(), 50);
    assert!(page.has_older);
    let all = cached(&spec, chat).await;
    let server = user.history(chat).await;
    assert_eq!(
        all.iter().map(|m| m.id).collect::<Vec<_>>(),
        server.iter().map(|m| m.id).collect::<Vec<_>>(),
        "the whole history, in order"
    );
    // Everything is in the cache now: readable offline.
    spec.shutdown().await;
    assert_eq!(cached(&spec, chat).await.len(), server.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_request_moves_through_its_statuses_and_the_users_panel_follows() {
    let env = Env::start().await;
    let user = env.core("user", "user").await;
    let spec = env.core("spec", "specialist").await;
    let chat = first_chat_always_open(&env, &user).await;
    user.send(chat, "The scanner on floor 2 is dead", &[])
        .unwrap();
    let open_ticket = || async {
        spec.tickets(TicketView::Open)
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.ticket.chat_id == chat)
            .map(|i| i.ticket)
    };
    eventually(15, "the ticket in the specialist's open list", || async {
        open_ticket().await.is_some()
    })
    .await;
    let ticket = open_ticket().await.unwrap();
    let wt = spec
        .services(ticket.company_id)
        .await
        .unwrap()
        .iter()
        .flat_map(|s| &s.work_types)
        .find(|w| w.name == "Printer repair")
        .unwrap()
        .clone();
    let sr = spec
        .register_service_request(
            ticket.id,
            ServiceRequestInput {
                title: "Replace the scanner lamp".into(),
                work_type_id: wt.id,
                fields: BTreeMap::from([
                    ("Inventory number".into(), "SC-2-07".into()),
                    ("Floor".into(), "2".into()),
                ]),
            },
        )
        .await
        .unwrap();
    assert_eq!(sr.status, ServiceRequestStatus::Open);
    let status_in_panel = |status| {
        let user = &user;
        async move {
            user.service_requests(chat)
                .unwrap()
                .iter()
                .any(|r| r.id == sr.id && r.status == status)
        }
    };
    eventually(10, "the open request in the user's panel", || {
        status_in_panel(ServiceRequestStatus::Open)
    })
    .await;

    // In progress: still listed, with the new status; the user reads a notice.
    let mut spec_events = spec.subscribe();
    let moved = spec
        .set_service_request_status(sr.id, ServiceRequestStatus::InProgress)
        .await
        .unwrap();
    assert_eq!(moved.status, ServiceRequestStatus::InProgress);
    assert!(moved.updated_at >= sr.updated_at);
    assert!(
        drain(&mut spec_events)
            .iter()
            .any(|e| matches!(e, CoreEvent::ChatChanged { chat_id } if *chat_id == chat)),
        "the specialist's window re-reads the ticket at once"
    );
    eventually(10, "in progress in the user's panel", || {
        status_in_panel(ServiceRequestStatus::InProgress)
    })
    .await;

    // The client may not change it; an unknown request is not found.
    assert!(matches!(
        user.set_service_request_status(sr.id, ServiceRequestStatus::Cancelled)
            .await,
        Err(CoreError::Server { status: 403, .. })
    ));
    assert!(matches!(
        spec.set_service_request_status(sr.id + 1000, ServiceRequestStatus::Done)
            .await,
        Err(CoreError::Server { status: 404, .. })
    ));

    // Done: it leaves the user's panel; the specialist's detail still lists it, done.
    let done = spec
        .set_service_request_status(sr.id, ServiceRequestStatus::Done)
        .await
        .unwrap();
    assert_eq!(done.status, ServiceRequestStatus::Done);
    eventually(
        10,
        "the done request gone from the user's panel",
        || async {
            user.service_requests(chat)
                .unwrap()
                .iter()
                .all(|r| r.id != sr.id)
        },
    )
    .await;
    let detail = spec.ticket_detail(ticket.id).await.unwrap();
    assert_eq!(
        detail
            .service_requests
            .iter()
            .find(|r| r.id == sr.id)
            .map(|r| r.status),
        Some(ServiceRequestStatus::Done)
    );
    // The same status again changes nothing (no new notice either).
    let again = spec
        .set_service_request_status(sr.id, ServiceRequestStatus::Done)
        .await
        .unwrap();
    assert_eq!(again, done);

    let status_notices = |n: Vec<Notice>| {
        n.into_iter()
            .filter_map(|n| match n {
                Notice::ServiceRequestStatusChanged { number, status, .. } => {
                    Some((number, status))
                }
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let expected = vec![
        (sr.number, ServiceRequestStatus::InProgress),
        (sr.number, ServiceRequestStatus::Done),
    ];
    eventually(10, "both status notices in the user's chat", || async {
        status_notices(notices(&user, chat).await) == expected
    })
    .await;
    // The server's history has exactly these two as well (the repeat posted nothing).
    let history = env.http("user").await.history(chat).await;
    assert_eq!(
        status_notices(history.into_iter().filter_map(|m| m.notice).collect()),
        expected
    );
}
