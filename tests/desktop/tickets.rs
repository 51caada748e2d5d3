//! Issue 5 in real windows: the user's side of every ticket step (the specialist acts over the
//! API with their own token, beside the window), and the specialist's single window (the app
//! signed in as the specialist, the user writing over the API).

use crate::harness::*;
use crate::work_type_named;
use okno_proto::*;
use serde_json::json;

/// The user and their IT Support connection. The demo lines keep office hours: the admin makes
/// this one always open, so the tests do not depend on the clock.
pub(crate) async fn it_support(cloud: &Cloud) -> (Api, Connection) {
    let user = cloud.api("user").await;
    let conn = user
        .snapshot()
        .await
        .connections
        .into_iter()
        .find(|c| c.line.name == "IT Support")
        .unwrap();
    let admin = cloud.api("admin").await;
    let line: Line = admin.get(&format!("/api/v1/lines/{}", conn.line.id)).await;
    let _: Line = admin
        .put(
            &format!("/api/v1/lines/{}", line.id),
            json!({"name": line.name, "internal_name": line.internal_name,
                   "description": line.description, "details_url": line.details_url,
                   "hours": null}),
        )
        .await;
    (user, conn)
}

/// The notices shown in the open chat: (type, text).
async fn shown_notices(app: &Desktop) -> Vec<(String, String)> {
    let v = app
        .js(
            "return [...document.querySelectorAll('[data-testid=notice]')].map(n => \
             [n.dataset.notice || '', n.innerText || ''])",
        )
        .await;
    serde_json::from_value(v).unwrap_or_default()
}

async fn has_notice(app: &Desktop, kind: &str, text: &str) -> bool {
    let shown = shown_notices(app).await;
    eprintln!("notices: {shown:?}");
    shown.iter().any(|(k, t)| k == kind && t.contains(text))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_sees_every_step_of_a_ticket_and_rates_it() {
    let cloud = Cloud::start().await;
    let (user, it) = it_support(&cloud).await;
    let chat = it.chat_id.unwrap();
    let specialist = cloud.api("specialist").await;
    // The only specialist of the line steps away: the ticket waits in the queue.
    let _: Vec<Agent> = specialist
        .put("/api/v1/me/presence", json!({"presence": "away"}))
        .await;

    let app = Desktop::start("ticket-user", &cloud.url()).await;
    app.sign_in(&cloud.url(), "user").await;
    app.open_line(it.line.id).await;
    let input = app.find("[data-testid=composer-input]").await;
    input
        .send_keys("The printer on floor 3 jams")
        .await
        .unwrap();
    input.send_keys(thirtyfour::Key::Enter).await.unwrap();
    app.until("registered and queued", 20, || async {
        has_notice(&app, "ticket_registered", "registered").await
            && has_notice(&app, "ticket_queued", "You are next in the queue").await
    })
    .await;

    // The specialist takes it from the queue and answers.
    let queue: Vec<TicketItem> = specialist.get("/api/v1/tickets?view=queued").await;
    let ticket = queue
        .iter()
        .find(|i| i.ticket.chat_id == chat)
        .unwrap()
        .ticket
        .clone();
    let _: Ticket = specialist
        .post(&format!("/api/v1/tickets/{}/take", ticket.id), json!({}))
        .await;
    specialist
        .send(chat, "Hello! I'll check the printer now.")
        .await;
    app.until("assigned and the answer", 20, || async {
        has_notice(
            &app,
            "specialist_assigned",
            "Sergei Ivanov is working on ticket",
        )
        .await
            && app.shows("I'll check the printer").await
    })
    .await;

    // A service request from the catalog; it shows in the chat and in the information panel.
    let work_type = work_type_named(&specialist, ticket.company_id, "Printer repair").await;
    let request: ServiceRequest = specialist
        .post(
            &format!("/api/v1/tickets/{}/service-requests", ticket.id),
            json!({"title": "Replace the fuser unit", "work_type_id": work_type,
                   "fields": {"Inventory number": "PR-3-14", "Floor": "3"}}),
        )
        .await;
    app.until("the request's notice", 20, || async {
        has_notice(&app, "service_request_registered", "Replace the fuser unit").await
    })
    .await;
    app.click("[data-testid=chat-title]").await;
    app.find("[data-testid=info-panel]").await;
    app.until("the request in the panel", 20, || async {
        app.text_of("[data-testid=info-panel]")
            .await
            .contains("Replace the fuser unit")
    })
    .await;
    app.screenshot("info-request").await;

    // The specialist moves it along: each step is a notice in the chat and shows in the panel;
    // once done it leaves the panel (which lists the open ones).
    let status_path = format!("/api/v1/service-requests/{}/status", request.id);
    let _: ServiceRequest = specialist
        .put(&status_path, json!({"status": "in_progress"}))
        .await;
    app.until("in progress, in the panel and the chat", 20, || async {
        app.text_of("[data-testid=info-service-requests]")
            .await
            .contains("In progress")
            && has_notice(
                &app,
                "service_request_status_changed",
                "“Replace the fuser unit”: In progress",
            )
            .await
    })
    .await;
    app.screenshot("info-request-in-progress").await;
    let _: ServiceRequest = specialist
        .put(&status_path, json!({"status": "done"}))
        .await;
    app.until(
        "done: out of the panel, a notice in the chat",
        20,
        || async {
            app.find_all("[data-testid=info-service-request]")
                .await
                .is_empty()
                && has_notice(
                    &app,
                    "service_request_status_changed",
                    "“Replace the fuser unit”: Done",
                )
                .await
        },
    )
    .await;
    app.screenshot("info-request-done").await;
    app.click("[data-testid=chat-title]").await;

    // Transferred to the company admin with a comment the user sees; the admin closes it.
    let me: Me = specialist.get("/api/v1/me").await;
    let company = me.memberships[0].company_id;
    let agents: Vec<Agent> = specialist
        .get(&format!("/api/v1/companies/{company}/agents"))
        .await;
    let admin = agents
        .iter()
        .find(|a| a.role == CompanyRole::Admin)
        .unwrap();
    let _: Ticket = specialist
        .post(
            &format!("/api/v1/tickets/{}/transfer", ticket.id),
            json!({"to_user_id": admin.user_id, "comment": "A new fuser must be ordered"}),
        )
        .await;
    app.until("the transfer", 20, || async {
        has_notice(&app, "ticket_transferred", "A new fuser must be ordered").await
    })
    .await;
    let admin_api = cloud.api("admin").await;
    let _: Ticket = admin_api
        .post(
            &format!("/api/v1/tickets/{}/close", ticket.id),
            json!({"result": "Fuser replaced, printing works"}),
        )
        .await;
    app.until("closed, with the rating prompt", 20, || async {
        has_notice(&app, "ticket_closed", "Fuser replaced, printing works").await
            && !app.find_all("[data-testid=rating-prompt]").await.is_empty()
    })
    .await;
    // The prompt grows once it has loaded its ticket, after its row was first measured; the
    // list follows it (it used to keep the row's first height: the prompt ran on below the
    // view).
    app.until("the prompt whole in view, at the bottom", 10, || async {
        crate::below_newest(&app).await.0 <= 1.0
    })
    .await;
    app.screenshot("ticket-steps").await;

    // Rate 4 of 5 with a comment. Choosing a star opens the comment field below the stars:
    // it stays in view.
    app.click("[data-testid=rating-star][data-value='4']").await;
    app.until("the comment field, in view", 10, || async {
        !app.find_all("[data-testid=rating-comment]")
            .await
            .is_empty()
            && crate::below_newest(&app).await.0 <= 1.0
    })
    .await;
    app.type_into("[data-testid=rating-comment]", "Quick and polite")
        .await;
    app.click("[data-testid=rating-submit]").await;
    app.until("rated, the thanks in view", 20, || async {
        app.data_of("[data-testid=rating-done]", "data-rating")
            .await
            == ["4"]
            && crate::below_newest(&app).await.0 <= 1.0
    })
    .await;
    let rated: Ticket = user.get(&format!("/api/v1/tickets/{}", ticket.id)).await;
    assert_eq!(rated.rating, Some(4));
    assert_eq!(rated.rating_comment.as_deref(), Some("Quick and polite"));
    app.until("the rating notice", 20, || async {
        has_notice(&app, "ticket_rated", "★★★★☆").await
    })
    .await;
    app.screenshot("rated").await;
    app.quit().await;
}

/// The specialist's window: presence, a new ticket in the queue live (with a notification),
/// take, reply and close from the ticket view.
async fn specialist_flow(app: &Desktop, cloud: &Cloud, ru: bool) {
    let (user, it) = it_support(cloud).await;
    let chat = it.chat_id.unwrap();
    let specialist = cloud.api("specialist").await;
    app.sign_in(&cloud.url(), "specialist").await;
    app.find("[data-testid=tickets-panel]").await;
    // The Russian run has a dark GTK theme ($GTK_THEME), the English one a light one.
    app.until_theme(if ru { "dark" } else { "light" }, 10).await;
    app.click("[data-testid=presence-away]").await;
    app.until("away", 15, || async {
        app.data_of("[data-testid=presence]", "data-presence").await == ["away"]
    })
    .await;
    let agents: Vec<Agent> = specialist.get("/api/v1/me/agents").await;
    assert!(agents.iter().all(|a| a.presence == Presence::Away));

    // The user writes: the ticket appears in the queue without a reload, with a notification.
    user.send(
        chat,
        if ru {
            "Не печатает принтер на 3 этаже"
        } else {
            "The printer on floor 3 does not print"
        },
    )
    .await;
    app.until("the queued ticket", 20, || async {
        app.data_of("[data-testid=ticket-item]", "data-chat-id")
            .await
            == [chat.to_string()]
    })
    .await;
    assert_eq!(app.text_of("[data-testid=waiting-count]").await, "1");
    assert_eq!(
        app.data_of("[data-testid=ticket-item]", "data-state").await,
        ["queued"]
    );
    app.until("a notification for the queue", 20, || async {
        app.notifications
            .lock()
            .unwrap()
            .iter()
            .any(|n| n.summary == "IT Support" && n.body.contains("Anna"))
    })
    .await;
    let wait_before = app.text_of("[data-testid=ticket-wait]").await;
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    assert_ne!(
        app.text_of("[data-testid=ticket-wait]").await,
        wait_before,
        "the waiting time is live"
    );
    app.screenshot("tickets-queue").await;

    // Open, take, reply, close.
    app.click("[data-testid=ticket-item]").await;
    app.find("[data-testid=ticket-view]").await;
    app.find("[data-testid=client-organization]").await;
    app.click("[data-testid=ticket-take]").await;
    app.until("taken", 20, || async {
        app.data_of("[data-testid=ticket-view]", "data-state").await == ["assigned"]
    })
    .await;
    app.until("mine: 1", 20, || async {
        app.data_of("[data-testid=tickets-tab-mine]", "data-count")
            .await
            == ["1"]
    })
    .await;
    let input = app.find("[data-testid=composer-input]").await;
    input
        .send_keys("Restarting the print spooler remotely")
        .await
        .unwrap();
    input.send_keys(thirtyfour::Key::Enter).await.unwrap();
    app.until("the reply at the user's", 20, || async {
        user.history(chat)
            .await
            .iter()
            .any(|m| m.text == "Restarting the print spooler remotely")
    })
    .await;
    // The user answers in the specialist's own ticket: shown at once in the open view.
    user.send(chat, "It prints again, thanks!").await;
    app.until("the user's answer", 20, || async {
        app.shows("It prints again").await
    })
    .await;
    app.screenshot("ticket-view").await;
    service_requests_in_the_ticket_view(app, &user, &specialist, chat, ru).await;

    // Away from the ticket (the Lines section), a message in it raises a notification; a click
    // on it brings the ticket back.
    app.click("[data-testid=section-lines]").await;
    app.find("[data-testid=lines-list]").await;
    let before = app.notifications.lock().unwrap().len();
    user.send(chat, "One more thing: the scanner too").await;
    app.until("a notification for the own ticket", 20, || async {
        app.notifications.lock().unwrap().len() > before
    })
    .await;
    let n = app.notifications.lock().unwrap().last().cloned().unwrap();
    assert!(n.summary.contains("IT Support"), "{n:?}");
    assert!(n.body.contains("One more thing"), "{n:?}");
    app.click_notification(n.id).await;
    app.until("the ticket open again", 20, || async {
        !app.find_all("[data-testid=ticket-view][data-state=assigned]")
            .await
            .is_empty()
    })
    .await;

    app.click("[data-testid=ticket-close]").await;
    app.type_into("[data-testid=close-result]", "Spooler restarted")
        .await;
    app.screenshot("close-dialog").await;
    app.click("[data-testid=close-dialog-submit]").await;
    app.until("closed", 20, || async {
        app.data_of("[data-testid=ticket-view]", "data-state").await == ["closed"]
    })
    .await;
    let summary: ChatSummary = user.get(&format!("/api/v1/chats/{chat}")).await;
    assert!(summary.open_ticket.is_none(), "closed on the server");
    app.until("nothing open", 20, || async {
        app.data_of("[data-testid=tickets-tab-open]", "data-count")
            .await
            == ["0"]
    })
    .await;
    // The closed ticket's card: when it closed, the result and, once the client rates it, the
    // stars and the comment, live.
    let today = if ru {
        "Сегодня в "
    } else {
        "Today at "
    };
    assert!(app
        .text_of("[data-testid=ticket-closed-at]")
        .await
        .starts_with(today));
    assert_eq!(
        app.text_of("[data-testid=ticket-result]").await,
        "Spooler restarted"
    );
    let id: i64 = app
        .data_of("[data-testid=ticket-view]", "data-ticket-id")
        .await[0]
        .parse()
        .unwrap();
    let _: Ticket = user
        .post(
            &format!("/api/v1/tickets/{id}/rating"),
            json!({"rating": 5, "comment": if ru { "Быстро, спасибо" } else { "Fast, thank you" }}),
        )
        .await;
    app.until("the rating on the card", 20, || async {
        app.data_of("[data-testid=ticket-rating]", "data-rating")
            .await
            == ["5"]
    })
    .await;
    assert!(app
        .text_of("[data-testid=ticket-rating]")
        .await
        .contains(if ru {
            "Быстро, спасибо"
        } else {
            "Fast, thank you"
        }));
    app.screenshot("ticket-closed").await;
}

/// The ticket's service requests beside the chat: two registered (over the API, by the
/// specialist), the list follows the stream; the specialist moves one to "in progress" and then
/// "done" with its select in the window, and the user is told each step (a notice in the chat)
/// while their panel's list (open requests) follows.
async fn service_requests_in_the_ticket_view(
    app: &Desktop,
    user: &Api,
    specialist: &Api,
    chat: ChatId,
    ru: bool,
) {
    let ticket_id = app
        .data_of("[data-testid=ticket-view]", "data-ticket-id")
        .await
        .pop()
        .unwrap();
    let ticket: Ticket = specialist
        .get(&format!("/api/v1/tickets/{ticket_id}"))
        .await;
    let work_type = work_type_named(specialist, ticket.company_id, "Printer repair").await;
    let (fuser, toner) = if ru {
        ("Заменить узел закрепления", "Заказать картридж")
    } else {
        ("Replace the fuser unit", "Order a toner cartridge")
    };
    let mut ids = Vec::new();
    for title in [fuser, toner] {
        let r: ServiceRequest = specialist
            .post(
                &format!("/api/v1/tickets/{}/service-requests", ticket.id),
                json!({"title": title, "work_type_id": work_type,
                       "fields": {"Inventory number": "PR-3-14", "Floor": "3"}}),
            )
            .await;
        ids.push(r.id);
    }
    let (fuser_id, toner_id) = (ids[0], ids[1]);
    let card = |id: i64| format!("[data-testid=ticket-service-request][data-request-id='{id}']");
    app.until("both requests beside the chat, open", 20, || async {
        app.data_of("[data-testid=ticket-service-request]", "data-status")
            .await
            == ["open", "open"]
    })
    .await;
    assert_eq!(
        app.data_of("[data-testid=ticket-service-request]", "data-request-id")
            .await,
        [toner_id.to_string(), fuser_id.to_string()],
        "newest first"
    );

    let pick = |id: i64, status: &'static str| {
        let css = format!("{} [data-testid=sr-status]", card(id));
        async move {
            app.scroll_to(&css).await;
            let select = thirtyfour::components::SelectElement::new(&app.find(&css).await)
                .await
                .unwrap();
            select.select_by_value(status).await.unwrap();
        }
    };
    let user_sees = |status: Option<ServiceRequestStatus>| async move {
        let open: Vec<ServiceRequest> = user.get("/api/v1/me/service-requests").await;
        open.iter().find(|r| r.id == fuser_id).map(|r| r.status) == status
    };
    // How the notice ends: «title»: status (Russian), “title”: status (English).
    let (in_progress, done) = if ru {
        (
            format!("{fuser}»: В работе"),
            format!("{fuser}»: Выполнена"),
        )
    } else {
        (format!("{fuser}”: In progress"), format!("{fuser}”: Done"))
    };

    // In progress: the select shows it, the chat shows the notice; the user's list has it.
    pick(fuser_id, "in_progress").await;
    app.until("in progress in the window", 20, || async {
        app.data_of(&card(fuser_id), "data-status").await == ["in_progress"]
            && has_notice(app, "service_request_status_changed", &in_progress).await
    })
    .await;
    app.until("in progress at the user's", 20, || {
        user_sees(Some(ServiceRequestStatus::InProgress))
    })
    .await;
    app.screenshot("ticket-requests").await;

    // Done: final (no select any more); it leaves the user's list of open requests.
    pick(fuser_id, "done").await;
    app.until("done in the window", 20, || async {
        app.data_of(&card(fuser_id), "data-status").await == ["done"]
            && app
                .find_all(&format!("{} [data-testid=sr-status]", card(fuser_id)))
                .await
                .is_empty()
            && has_notice(app, "service_request_status_changed", &done).await
    })
    .await;
    app.until("done: out of the user's open requests", 20, || {
        user_sees(None)
    })
    .await;
    assert_eq!(
        app.data_of(&card(toner_id), "data-status").await,
        ["open"],
        "the other request is untouched"
    );
    let notices: Vec<(i64, ServiceRequestStatus)> = user
        .history(chat)
        .await
        .into_iter()
        .filter_map(|m| match m.notice {
            Some(Notice::ServiceRequestStatusChanged { number, status, .. }) => {
                Some((number, status))
            }
            _ => None,
        })
        .collect();
    let number = notices.first().map(|n| n.0).unwrap_or_default();
    assert_eq!(
        notices,
        [
            (number, ServiceRequestStatus::InProgress),
            (number, ServiceRequestStatus::Done)
        ],
        "one notice per change, in the user's chat"
    );
    app.screenshot("ticket-requests-done").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_specialists_window_takes_a_new_ticket_live_replies_and_closes() {
    let cloud = Cloud::start().await;
    let app = Desktop::start("tickets", &cloud.url()).await;
    specialist_flow(&app, &cloud, false).await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_specialists_window_in_russian_and_dark() {
    let cloud = Cloud::start().await;
    let app = Desktop::start_with("tickets-ru-dark", &cloud.url(), "ru_RU.UTF-8", true).await;
    specialist_flow(&app, &cloud, true).await;
    assert_eq!(
        app.text_of("[data-testid=section-tickets]").await.trim(),
        "Обращения"
    );

    // The smallest window: the presence switch and the ticket tabs fit the sidebar on one line
    // each; the chat keeps its width and the client's card opens over it from the header.
    assert_eq!(
        app.find_all("[data-testid=ticket-side]:not([hidden])")
            .await
            .len(),
        1,
        "the card beside the chat in a wide window"
    );
    let (_, x, y, ..) = app.window();
    app.place_window(x, y, 720, 480);
    app.until("the card folded away", 10, || async {
        app.find_all("[data-testid=ticket-card-toggle]").await.len() == 1
            && app
                .find_all("[data-testid=ticket-side]:not([hidden])")
                .await
                .is_empty()
    })
    .await;
    let fit = app
        .js("const over = (e) => e.scrollWidth > e.clientWidth + 1; \
             const cut = [...document.querySelectorAll('.tab-label, [data-testid^=presence-]')].filter(over); \
             const opts = [...document.querySelectorAll('[data-testid^=presence-]')]; \
             const lines = opts.filter((o) => o.getBoundingClientRect().height > 30); \
             const chat = document.querySelector('[data-testid=message-list]').getBoundingClientRect().width; \
             return [cut.length, lines.length, chat]")
        .await;
    let (cut, wrapped, chat): (usize, usize, f64) = serde_json::from_value(fit).unwrap();
    assert_eq!((cut, wrapped), (0, 0), "tabs and presence fit");
    assert!(chat >= 380.0, "the chat keeps {chat} px");
    app.click("[data-testid=ticket-card-toggle]").await;
    app.until("the card over the chat", 10, || async {
        !app.find_all("[data-testid=ticket-side]:not([hidden])")
            .await
            .is_empty()
    })
    .await;
    assert_eq!(
        app.text_of("[data-testid=ticket-result]").await,
        "Spooler restarted"
    );
    app.screenshot("smallest-window-card").await;
    app.press(thirtyfour::Key::Escape).await;
    app.until("Esc folds the card", 10, || async {
        app.find_all("[data-testid=ticket-side]:not([hidden])")
            .await
            .is_empty()
    })
    .await;
    app.screenshot("smallest-window").await;
    app.quit().await;
}
