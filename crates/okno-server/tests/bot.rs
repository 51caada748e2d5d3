//! The line's bot and its digital menu, end to end over the API: bot-first answers and the
//! hand-over into the routing queue, bot-only, usefulness counts, hint clicks, and menu
//! navigation (submenus, back, answers, files, a specialist, a service request, links, edits
//! taking effect at once).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use okno_proto::*;
use serde_json::json;

both! {
    bot_first_answers_confidently_and_hands_over_on_request => bot_first;
    bot_only_never_hands_over => bot_only;
    a_clicked_hint_puts_question_and_answer_into_the_chat => hint_click;
    menus_navigate_answer_and_hand_off => menu_navigation;
    menus_are_validated_and_only_admins_edit_them => menu_rules;
}

struct Env {
    srv: TestServer,
    user: Api,
    admin: Api,
    specialist: Api,
    it: LineId,
    chat: ChatId,
}

async fn setup(backend: Backend) -> Env {
    let srv = TestServer::demo(backend).await;
    let user = srv.login("user").await;
    let admin = srv.login("admin").await;
    let specialist = srv.login("specialist").await;
    let it = admin.company_lines().await.1["IT Support"];
    let chat = user.chat_on(it).await;
    Env {
        srv,
        user,
        admin,
        specialist,
        it,
        chat,
    }
}

async fn add_articles(e: &Env) -> (Article, Article, Article) {
    let path = format!("/api/v1/lines/{}/articles", e.it);
    let vpn: Article = e
        .admin
        .post(
            &path,
            &json!({"question": "VPN постоянно отключается", "keywords": ["впн", "разрывы"],
                    "answer": "Подключитесь кабелем или отключите энергосбережение адаптера."}),
        )
        .await
        .unwrap();
    let printer: Article = e
        .admin
        .post(
            &path,
            &json!({"question": "Принтер не печатает", "keywords": ["печать", "очередь печати"],
                    "answer": "Очистите очередь печати и перезапустите диспетчер печати."}),
        )
        .await
        .unwrap();
    let password: Article = e
        .admin
        .post(
            &path,
            &json!({"question": "How do I change my password?", "keywords": ["password"],
                    "answer": "Press Ctrl+Alt+Del and choose *Change a password*."}),
        )
        .await
        .unwrap();
    (vpn, printer, password)
}

async fn set_mode(e: &Env, mode: &str) {
    let a: LineAutomation = e
        .admin
        .put(
            &format!("/api/v1/lines/{}/bot", e.it),
            &json!({ "mode": mode }),
        )
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(a.mode).unwrap(), json!(mode));
}

async fn history(api: &Api, chat: ChatId) -> Vec<Message> {
    let page: MessagePage = api
        .get(&format!("/api/v1/chats/{chat}/messages?limit=200"))
        .await
        .unwrap();
    page.messages
}

async fn open_ticket(api: &Api, chat: ChatId) -> Option<Ticket> {
    let c: ChatSummary = api.get(&format!("/api/v1/chats/{chat}")).await.unwrap();
    c.open_ticket
}

async fn press(
    api: &Api,
    chat: ChatId,
    message: MessageId,
    button: &str,
) -> Result<BotExchange, Failure> {
    api.post(
        &format!("/api/v1/chats/{chat}/press"),
        &json!({"client_msg_id": uuid::Uuid::new_v4(), "message_id": message, "button_id": button}),
    )
    .await
}

fn last_bot(messages: &[Message]) -> &Message {
    messages
        .iter()
        .rev()
        .find(|m| m.bot.is_some())
        .expect("a message from the line's bot")
}

async fn article(api: &Api, id: ArticleId) -> Article {
    api.get(&format!("/api/v1/articles/{id}")).await.unwrap()
}

async fn bot_first(backend: Backend) {
    let e = setup(backend).await;
    let (vpn, printer, _) = add_articles(&e).await;
    set_mode(&e, "bot_first").await;

    // A confident match: the bot answers with the article and asks; the ticket stays with it.
    e.user.send_text(e.chat, "впн постоянно отключается").await;
    let ticket = open_ticket(&e.user, e.chat).await.expect("a ticket");
    assert_eq!(ticket.state, TicketState::Bot);
    let msgs = history(&e.user, e.chat).await;
    let answer = last_bot(&msgs).clone();
    let part = answer.bot.clone().unwrap();
    assert_eq!(part.source, BotSource::Bot);
    assert_eq!(part.article_id, Some(vpn.id));
    assert!(answer.text.contains(&vpn.answer));
    let ids: Vec<&str> = part.buttons.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, ["helped", "not_helped", "specialist"]);
    assert_eq!(answer.sender_name, "IT Support");
    // Nothing reached the queue.
    assert!(!msgs.iter().any(|m| matches!(
        m.notice,
        Some(
            Notice::TicketQueued { .. }
                | Notice::SpecialistAssigned { .. }
                | Notice::OutsideHours { .. }
        )
    )));

    // "Call a specialist": the choice is the user's message, the ticket goes to the routing
    // (queued or assigned, with its notice), and the article counts as not helpful.
    let ex = press(&e.user, e.chat, answer.id, "specialist")
        .await
        .unwrap();
    assert_eq!(ex.messages[0].text, "Позвать специалиста");
    assert_eq!(ex.messages[0].sender_id, Some(e.user.me().await.id));
    assert!(ex.messages.iter().any(|m| matches!(
        m.notice,
        Some(
            Notice::TicketQueued { .. }
                | Notice::SpecialistAssigned { .. }
                | Notice::OutsideHours { .. }
        )
    )));
    let t = open_ticket(&e.user, e.chat).await.unwrap();
    assert_eq!(t.id, ticket.id);
    assert!(matches!(
        t.state,
        TicketState::Queued | TicketState::Assigned
    ));
    assert_eq!(article(&e.admin, vpn.id).await.not_helpful, 1);
    // Rated once only: a second press is refused and changes nothing.
    let again = press(&e.user, e.chat, answer.id, "helped")
        .await
        .unwrap_err();
    assert_eq!(again.status, 409);
    assert_eq!(article(&e.admin, vpn.id).await.helpful, 0);
    // With the specialists now, the bot stays quiet.
    let before = history(&e.user, e.chat).await.len();
    e.user.send_text(e.chat, "принтер не печатает").await;
    assert_eq!(history(&e.user, e.chat).await.len(), before + 1);

    let _: Ticket = e
        .admin
        .post(
            &format!("/api/v1/tickets/{}/close", t.id),
            &json!({"result": "done"}),
        )
        .await
        .unwrap();

    // Next question: answered, "helped" closes the ticket and counts.
    e.user.send_text(e.chat, "принтеры не печатают").await;
    let t2 = open_ticket(&e.user, e.chat).await.unwrap();
    assert_eq!(t2.state, TicketState::Bot);
    let answer = last_bot(&history(&e.user, e.chat).await).clone();
    assert_eq!(answer.bot.as_ref().unwrap().article_id, Some(printer.id));
    let ex = press(&e.user, e.chat, answer.id, "helped").await.unwrap();
    assert!(ex
        .messages
        .iter()
        .any(|m| matches!(m.notice, Some(Notice::TicketClosed { .. }))));
    assert!(open_ticket(&e.user, e.chat).await.is_none());
    let closed: Ticket = e
        .admin
        .get(&format!("/api/v1/tickets/{}", t2.id))
        .await
        .unwrap();
    assert_eq!(closed.state, TicketState::Closed);
    assert_eq!(article(&e.admin, printer.id).await.helpful, 1);
    // Staff hear about the new count.
    let s: SyncResponse = e.specialist.get("/api/v1/sync?since=0").await.unwrap();
    assert!(s.events.iter().any(|ev| matches!(
        &ev.body,
        EventBody::ArticleChanged { article } if article.id == printer.id && article.helpful == 1
    )));

    // No confident match: the bot says so and hands over at once.
    e.user
        .send_text(e.chat, "хочу заказать новый стул и стол в кабинет")
        .await;
    let t3 = open_ticket(&e.user, e.chat).await.unwrap();
    assert!(matches!(
        t3.state,
        TicketState::Queued | TicketState::Assigned
    ));
    let msgs = history(&e.user, e.chat).await;
    let said = last_bot(&msgs);
    assert!(said.text.contains("специалисту"), "{}", said.text);
    assert!(said.bot.as_ref().unwrap().buttons.is_empty());

    // Pressing: only the chat's own user, only real buttons of that chat's messages.
    let e403 = press(&e.specialist, e.chat, answer.id, "helped")
        .await
        .unwrap_err();
    assert_eq!(e403.status, 403);
    let bad = press(&e.user, e.chat, answer.id, "nope").await.unwrap_err();
    assert_eq!(bad.status, 400);
    let plain = msgs
        .iter()
        .find(|m| m.bot.is_none() && m.notice.is_none())
        .unwrap();
    assert_eq!(
        press(&e.user, e.chat, plain.id, "helped")
            .await
            .unwrap_err()
            .status,
        400
    );
    assert_eq!(
        press(&e.user, e.chat, MessageId(999_999), "helped")
            .await
            .unwrap_err()
            .status,
        404
    );
}

async fn bot_only(backend: Backend) {
    let e = setup(backend).await;
    let (vpn, _, _) = add_articles(&e).await;
    set_mode(&e, "bot_only").await;
    e.user.send_text(e.chat, "впн постоянно отключается").await;
    let answer = last_bot(&history(&e.user, e.chat).await).clone();
    let ids: Vec<String> = answer
        .bot
        .as_ref()
        .unwrap()
        .buttons
        .iter()
        .map(|b| b.id.clone())
        .collect();
    assert_eq!(ids, ["helped", "not_helped"]);
    press(&e.user, e.chat, answer.id, "not_helped")
        .await
        .unwrap();
    let t = open_ticket(&e.user, e.chat).await.unwrap();
    assert_eq!(t.state, TicketState::Bot, "bot-only never queues");
    assert_eq!(article(&e.admin, vpn.id).await.not_helpful, 1);
    // Without an answer the bot asks to rephrase, and offers the menu when there is one.
    let _: Menu = e
        .admin
        .put(
            &format!("/api/v1/lines/{}/menu", e.it),
            &json!({"greeting": "Выберите тему", "items": [
                {"id": "hours", "label": "Часы работы", "action": {"type": "text", "text": "9–18"}}]}),
        )
        .await
        .unwrap();
    e.user.send_text(e.chat, "хочу заказать новый стул").await;
    let said = last_bot(&history(&e.user, e.chat).await).clone();
    assert!(said.text.contains("иначе"), "{}", said.text);
    let part = said.bot.unwrap();
    assert_eq!(part.source, BotSource::Menu);
    assert_eq!(part.buttons[0].id, "m:hours");
    assert_eq!(
        open_ticket(&e.user, e.chat).await.unwrap().state,
        TicketState::Bot
    );
}

async fn hint_click(backend: Backend) {
    let e = setup(backend).await;
    let (vpn, _, password) = add_articles(&e).await;
    let hints: HintList = e
        .user
        .get(&format!("/api/v1/lines/{}/hints?q=passwrd%20chang", e.it))
        .await
        .unwrap();
    assert_eq!(hints.hints[0].article_id, password.id);
    let key = uuid::Uuid::new_v4();
    let body = json!({"client_msg_id": key, "article_id": password.id});
    let (status, ex) = e
        .user
        .send_raw(
            e.user
                .request(
                    reqwest::Method::POST,
                    &format!("/api/v1/chats/{}/hint", e.chat),
                )
                .json(&body),
        )
        .await;
    assert_eq!(status, 201);
    let ex: BotExchange = serde_json::from_value(ex).unwrap();
    assert_eq!(ex.messages.len(), 2);
    assert_eq!(ex.messages[0].text, password.question);
    assert_eq!(ex.messages[0].client_msg_id, Some(key));
    assert_eq!(
        ex.messages[1].bot.as_ref().unwrap().article_id,
        Some(password.id)
    );
    assert!(ex.messages[1].text.contains(&password.answer));
    assert_eq!(ex.messages[1].seq, ex.messages[0].seq + 1);
    // English article, English buttons.
    assert_eq!(
        ex.messages[1].bot.as_ref().unwrap().buttons[0].label,
        "Yes, it helped"
    );
    // A click registers no ticket by itself.
    assert!(open_ticket(&e.user, e.chat).await.is_none());
    // Retried: the same exchange, nothing new.
    let (status, again) = e
        .user
        .send_raw(
            e.user
                .request(
                    reqwest::Method::POST,
                    &format!("/api/v1/chats/{}/hint", e.chat),
                )
                .json(&body),
        )
        .await;
    assert_eq!(status, 200);
    let again: BotExchange = serde_json::from_value(again).unwrap();
    assert_eq!(again, ex);
    assert_eq!(history(&e.user, e.chat).await.len(), 2);
    // The same key for another article conflicts.
    let e409 = e
        .user
        .post::<_, BotExchange>(
            &format!("/api/v1/chats/{}/hint", e.chat),
            &json!({"client_msg_id": key, "article_id": vpn.id}),
        )
        .await
        .unwrap_err();
    assert_eq!(e409.status, 409);
    // "Did not help" on a specialists-only line: a ticket for the specialists.
    press(&e.user, e.chat, ex.messages[1].id, "not_helped")
        .await
        .unwrap();
    let t = open_ticket(&e.user, e.chat).await.unwrap();
    assert!(matches!(
        t.state,
        TicketState::Queued | TicketState::Assigned
    ));
    assert_eq!(article(&e.admin, password.id).await.not_helpful, 1);
    // Another line's article, another user's chat, staff: refused.
    let other: Article = e
        .admin
        .post(
            &format!(
                "/api/v1/lines/{}/articles",
                e.admin
                    .get::<Vec<Line>>(&format!(
                        "/api/v1/companies/{}/lines",
                        e.admin.me().await.memberships[0].company_id
                    ))
                    .await
                    .unwrap()
                    .iter()
                    .find(|l| l.id != e.it)
                    .unwrap()
                    .id
            ),
            &json!({"question": "Другое", "answer": "Другое"}),
        )
        .await
        .unwrap();
    let bad = e
        .user
        .post::<_, BotExchange>(
            &format!("/api/v1/chats/{}/hint", e.chat),
            &json!({"client_msg_id": uuid::Uuid::new_v4(), "article_id": other.id}),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.status, 400);
    let stranger = e.srv.new_user("stranger-hint").await;
    let e404 = stranger
        .post::<_, BotExchange>(
            &format!("/api/v1/chats/{}/hint", e.chat),
            &json!({"client_msg_id": uuid::Uuid::new_v4(), "article_id": password.id}),
        )
        .await
        .unwrap_err();
    assert_eq!(e404.status, 404);
    let e403 = e
        .specialist
        .post::<_, BotExchange>(
            &format!("/api/v1/chats/{}/hint", e.chat),
            &json!({"client_msg_id": uuid::Uuid::new_v4(), "article_id": password.id}),
        )
        .await
        .unwrap_err();
    assert_eq!(e403.status, 403);
}

fn menu_json(article: ArticleId, file: FileId) -> serde_json::Value {
    json!({
        "greeting": "Чем помочь?",
        "items": [
            {"id": "printers", "label": "Принтеры", "action": {"type": "submenu"}},
            {"id": "jam", "parent": "printers", "label": "Замятие бумаги", "action": {"type": "text", "text": "Откройте крышку."}},
            {"id": "back", "parent": "printers", "label": "Назад", "action": {"type": "back"}},
            {"id": "hours", "label": "Часы работы", "action": {"type": "text", "text": "С 9 до 18."}},
            {"id": "vpn", "label": "VPN", "action": {"type": "article", "article_id": article}},
            {"id": "manual", "label": "Инструкция", "action": {"type": "file", "file_id": file, "text": "Вот инструкция"}},
            {"id": "human", "label": "Специалист", "action": {"type": "specialist"}},
            {"id": "req", "label": "Заявка на картридж", "action": {"type": "service_request", "title": "Замена картриджа"}},
            {"id": "site", "label": "Портал", "action": {"type": "link", "url": "https://portal.example"}},
            {"id": "bye", "label": "Закрыть", "action": {"type": "close"}},
        ]
    })
}

fn button<'a>(m: &'a Message, id: &str) -> &'a ChatButton {
    m.bot
        .as_ref()
        .unwrap()
        .buttons
        .iter()
        .find(|b| b.id == id)
        .unwrap_or_else(|| panic!("no button {id} in {m:?}"))
}

async fn menu_navigation(backend: Backend) {
    let e = setup(backend).await;
    let (vpn, _, _) = add_articles(&e).await;
    let manual = e
        .admin
        .upload("manual.txt", b"how to print".to_vec())
        .await
        .unwrap();
    let menu: Menu = e
        .admin
        .put(
            &format!("/api/v1/lines/{}/menu", e.it),
            &menu_json(vpn.id, manual.id),
        )
        .await
        .unwrap();
    assert_eq!(menu.items.len(), 10);
    let auto: LineAutomation = e
        .user
        .get(&format!("/api/v1/lines/{}/automation", e.it))
        .await
        .unwrap();
    assert!(auto.has_menu);

    // Open: the top level, from the bot, with a link button carrying its URL.
    let ex: BotExchange = e
        .user
        .post(&format!("/api/v1/chats/{}/menu", e.chat), &json!({}))
        .await
        .unwrap();
    let root = ex.messages[0].clone();
    assert_eq!(root.text, "Чем помочь?");
    assert_eq!(root.bot.as_ref().unwrap().source, BotSource::Menu);
    let ids: Vec<&str> = root
        .bot
        .as_ref()
        .unwrap()
        .buttons
        .iter()
        .map(|b| b.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "m:printers",
            "m:hours",
            "m:vpn",
            "m:manual",
            "m:human",
            "m:req",
            "m:site",
            "m:bye"
        ]
    );
    assert_eq!(
        button(&root, "m:site").url.as_deref(),
        Some("https://portal.example")
    );
    assert_eq!(
        press(&e.user, e.chat, root.id, "m:site")
            .await
            .unwrap_err()
            .status,
        400
    );

    // Into a submenu and back.
    let ex = press(&e.user, e.chat, root.id, "m:printers").await.unwrap();
    assert_eq!(
        ex.messages[0].text, "Принтеры",
        "the choice is the user's message"
    );
    let sub = ex.messages[1].clone();
    let ids: Vec<&str> = sub
        .bot
        .as_ref()
        .unwrap()
        .buttons
        .iter()
        .map(|b| b.id.as_str())
        .collect();
    assert_eq!(ids, ["m:jam", "m:back"]);
    let ex = press(&e.user, e.chat, sub.id, "m:jam").await.unwrap();
    assert_eq!(ex.messages[1].text, "Откройте крышку.");
    let ex = press(&e.user, e.chat, sub.id, "m:back").await.unwrap();
    assert_eq!(ex.messages[1].text, "Чем помочь?");
    assert_eq!(ex.messages[1].bot.as_ref().unwrap().buttons.len(), 8);

    // Answers: text, article (with its question), file (downloadable by the user).
    let ex = press(&e.user, e.chat, root.id, "m:hours").await.unwrap();
    assert_eq!(ex.messages[1].text, "С 9 до 18.");
    let ex = press(&e.user, e.chat, root.id, "m:vpn").await.unwrap();
    assert_eq!(
        ex.messages[1].bot.as_ref().unwrap().article_id,
        Some(vpn.id)
    );
    let ex = press(&e.user, e.chat, root.id, "m:manual").await.unwrap();
    let file_msg = &ex.messages[1];
    assert_eq!(file_msg.kind, MessageKind::File);
    assert_eq!(file_msg.files[0].name, "manual.txt");
    let (status, body) = e
        .user
        .send_raw(e.user.request(
            reqwest::Method::GET,
            &format!("/api/v1/files/{}", file_msg.files[0].id),
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body, serde_json::Value::String("how to print".into()));
    // Pressed twice, the file goes again (its own copy).
    let ex2 = press(&e.user, e.chat, root.id, "m:manual").await.unwrap();
    assert_ne!(ex2.messages[1].files[0].id, file_msg.files[0].id);

    // Edits take effect at once: a removed item shows the current menu.
    let mut edited = menu_json(vpn.id, manual.id);
    edited["items"]
        .as_array_mut()
        .unwrap()
        .retain(|i| i["id"] != "hours");
    edited["greeting"] = json!("Новое меню");
    let _: Menu = e
        .admin
        .put(&format!("/api/v1/lines/{}/menu", e.it), &edited)
        .await
        .unwrap();
    let ex = press(&e.user, e.chat, root.id, "m:hours").await.unwrap();
    assert_eq!(ex.messages[1].text, "Новое меню");
    assert_eq!(ex.messages[1].bot.as_ref().unwrap().buttons.len(), 7);

    // A service request: registered on a ticket handed to the specialists.
    let ex = press(&e.user, e.chat, root.id, "m:req").await.unwrap();
    assert!(ex.messages.iter().any(|m| matches!(
        &m.notice,
        Some(Notice::ServiceRequestRegistered { title, .. }) if title == "Замена картриджа"
    )));
    let requests: Vec<ServiceRequest> = e
        .user
        .get(&format!("/api/v1/chats/{}/service-requests", e.chat))
        .await
        .unwrap();
    assert_eq!(requests[0].title, "Замена картриджа");
    let t = open_ticket(&e.user, e.chat).await.unwrap();
    assert!(matches!(
        t.state,
        TicketState::Queued | TicketState::Assigned
    ));
    // "Specialist" while the ticket is already with them: no second ticket.
    press(&e.user, e.chat, root.id, "m:human").await.unwrap();
    assert_eq!(open_ticket(&e.user, e.chat).await.unwrap().id, t.id);
    let ex = press(&e.user, e.chat, root.id, "m:bye").await.unwrap();
    assert_eq!(ex.messages[1].text, "Меню закрыто.");

    // The history holds every choice as the user's message.
    let me = e.user.me().await.id;
    let choices: Vec<String> = history(&e.user, e.chat)
        .await
        .into_iter()
        .filter(|m| m.sender_id == Some(me))
        .map(|m| m.text)
        .collect();
    assert_eq!(
        choices,
        [
            "Принтеры",
            "Замятие бумаги",
            "Назад",
            "Часы работы",
            "VPN",
            "Инструкция",
            "Инструкция",
            "Часы работы",
            "Заявка на картридж",
            "Специалист",
            "Закрыть"
        ]
    );

    // Removing the menu: opening it is 404, old buttons say it is gone.
    e.admin
        .delete(&format!("/api/v1/lines/{}/menu", e.it))
        .await
        .unwrap();
    let gone = e
        .user
        .post::<_, BotExchange>(&format!("/api/v1/chats/{}/menu", e.chat), &json!({}))
        .await
        .unwrap_err();
    assert_eq!(gone.status, 404);
    let ex = press(&e.user, e.chat, root.id, "m:printers").await.unwrap();
    assert!(ex.messages[1].text.contains("больше недоступно"));
}

async fn menu_rules(backend: Backend) {
    let e = setup(backend).await;
    let (vpn, _, _) = add_articles(&e).await;
    let path = format!("/api/v1/lines/{}/menu", e.it);
    let user_file = e.user.upload("u.txt", b"x".to_vec()).await.unwrap();
    let item = |id: &str, parent: Option<&str>, action: serde_json::Value| json!({"id": id, "parent": parent, "label": id, "action": action});
    let sub = json!({"type": "submenu"});
    let text = json!({"type": "text", "text": "t"});
    let cases = vec![
        json!({"greeting": "", "items": [item("a", None, text.clone())]}),
        json!({"greeting": "g", "items": []}),
        json!({"greeting": "g", "items": [item("a b", None, text.clone())]}),
        json!({"greeting": "g", "items": [item("a", None, text.clone()), item("a", None, text.clone())]}),
        json!({"greeting": "g", "items": [item("a", Some("x"), text.clone())]}),
        json!({"greeting": "g", "items": [item("t", None, text.clone()), item("a", Some("t"), text.clone())]}),
        json!({"greeting": "g", "items": [item("s1", Some("s2"), sub.clone()), item("s2", Some("s1"), sub.clone())]}),
        json!({"greeting": "g", "items": [item("b", None, json!({"type": "back"}))]}),
        json!({"greeting": "g", "items": [item("l", None, json!({"type": "link", "url": "javascript:alert(1)"}))]}),
        json!({"greeting": "g", "items": [item("ar", None, json!({"type": "article", "article_id": 999999}))]}),
        json!({"greeting": "g", "items": [item("f", None, json!({"type": "file", "file_id": user_file.id}))]}),
        json!({"greeting": "g", "items": [item("t", None, json!({"type": "text", "text": ""}))]}),
        json!({"greeting": "g", "items": [item("x", None, json!({"type": "teleport"}))]}),
    ];
    for bad in cases {
        let err = e.admin.put::<_, Menu>(&path, &bad).await.unwrap_err();
        assert_eq!((err.status, err.code()), (400, "invalid_input"), "{bad}");
    }
    assert_eq!(
        e.admin.get::<Menu>(&path).await.unwrap_err().status,
        404,
        "nothing stored"
    );
    let good = json!({"greeting": "g", "items": [item("a", None, json!({"type": "article", "article_id": vpn.id}))]});
    assert_eq!(
        e.specialist
            .put::<_, Menu>(&path, &good)
            .await
            .unwrap_err()
            .status,
        403
    );
    assert_eq!(
        e.user
            .put::<_, Menu>(&path, &good)
            .await
            .unwrap_err()
            .status,
        404
    );
    let saved: Menu = e.admin.put(&path, &good).await.unwrap();
    let read: Menu = e.specialist.get(&path).await.unwrap();
    assert_eq!(saved, read);
    assert_eq!(e.user.get::<Menu>(&path).await.unwrap_err().status, 404);
    let acme = e.srv.login("acme-admin").await;
    assert_eq!(
        acme.put::<_, Menu>(&path, &good).await.unwrap_err().status,
        404
    );
}
