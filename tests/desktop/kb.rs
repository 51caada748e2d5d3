//! Issue 6 in real windows: hints from the line's knowledge base while the user types, a clicked
//! hint's article from the line's bot, and the digital menu (navigation and the hand-over).

use crate::harness::*;
use crate::tickets::it_support;
use okno_proto::*;
use serde_json::json;

/// IT Support with the repository's fixture knowledge base (imported by the company's admin over
/// the API) and a small menu.
async fn it_support_with_kb(cloud: &Cloud) -> (Api, Connection) {
    let (user, conn) = it_support(cloud).await;
    let admin = cloud.api("admin").await;
    let import: serde_json::Value = serde_json::from_str(include_str!(
        "../../crates/okno-server/tests/fixtures/kb/articles.json"
    ))
    .unwrap();
    let done: ImportResult = admin
        .post(
            &format!("/api/v1/lines/{}/articles/import", conn.line.id),
            import,
        )
        .await;
    assert!(done.created > 200, "{done:?}");
    let _: Menu = admin
        .put(
            &format!("/api/v1/lines/{}/menu", conn.line.id),
            json!({
                "greeting": "Чем помочь? Выберите тему или напишите вопрос.",
                "items": [
                    {"id": "access", "label": "Доступ и пароли", "action": {"type": "submenu"}},
                    {"id": "password", "parent": "access", "label": "Сменить пароль",
                     "action": {"type": "text", "text": "Нажмите **Ctrl+Alt+Del** → «Изменить пароль»."}},
                    {"id": "access-back", "parent": "access", "label": "Назад", "action": {"type": "back"}},
                    {"id": "human", "label": "Позвать специалиста", "action": {"type": "specialist"}},
                    {"id": "portal", "label": "Портал поддержки",
                     "action": {"type": "link", "url": "https://okno.example/it"}}
                ]
            }),
        )
        .await;
    (user, conn)
}

async fn hint_texts(app: &Desktop) -> Vec<String> {
    let v = app
        .js("return [...document.querySelectorAll('[data-testid=hint]')].map(h => h.innerText.trim())")
        .await;
    serde_json::from_value(v).unwrap_or_default()
}

/// The buttons of the live (not yet obsolete) bot message: (id, label, enabled).
async fn live_buttons(app: &Desktop) -> Vec<(String, String, bool)> {
    let v = app
        .js(
            "return [...document.querySelectorAll('[data-testid=bot-buttons][data-active=true] [data-testid=bot-button]')]\
             .map(b => [b.dataset.button, b.innerText.trim(), !b.disabled])",
        )
        .await;
    serde_json::from_value(v).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_shows_hints_and_a_click_puts_the_article_into_the_chat() {
    let cloud = Cloud::start().await;
    let (user, it) = it_support_with_kb(&cloud).await;
    let chat = it.chat_id.unwrap();
    let app = Desktop::start("kb-hints", &cloud.url()).await;
    app.sign_in(&cloud.url(), "user").await;
    app.open_line(it.line.id).await;

    let input = app.find("[data-testid=composer-input]").await;
    input
        .send_keys("how to add a network printer")
        .await
        .unwrap();
    app.until("hints for the printer question", 20, || async {
        hint_texts(&app)
            .await
            .iter()
            .any(|h| h == "How do I add a network printer?")
    })
    .await;
    let hints = hint_texts(&app).await;
    eprintln!("hints: {hints:?}");
    assert!(hints.len() <= 5, "{hints:?}");
    assert_eq!(hints[0], "How do I add a network printer?");
    app.screenshot("hints").await;

    app.click("[data-testid=hint]:first-of-type").await;
    app.until(
        "the question and the bot's article in the chat",
        20,
        || async {
            let shown = app.shown_messages().await;
            shown.len() >= 2
                && shown
                    .iter()
                    .any(|m| m.3.contains("How do I add a network printer?"))
                && shown.iter().any(|m| {
                    m.3.contains("Printers & scanners") && m.3.contains("Did this answer help?")
                })
        },
    )
    .await;
    // The composer is cleared and the hints are gone.
    assert_eq!(
        app.js("return document.querySelector('[data-testid=composer-input]').value")
            .await,
        json!("")
    );
    assert!(hint_texts(&app).await.is_empty());
    // The article's question is bold (Markdown), the buttons are live.
    assert_eq!(
        app.js("return document.querySelector('[data-testid=bot-text] strong')?.innerText")
            .await,
        json!("How do I add a network printer?")
    );
    let buttons = live_buttons(&app).await;
    assert_eq!(
        buttons,
        vec![
            ("helped".into(), "Yes, it helped".into(), true),
            ("not_helped".into(), "No".into(), true),
            ("specialist".into(), "Call a specialist".into(), true),
        ]
    );
    app.screenshot("hint-answer").await;

    // On the server: the user's question and the bot's answer with the article.
    let history = user.history(chat).await;
    let answer = history.iter().rev().find(|m| m.bot.is_some()).unwrap();
    assert!(answer.bot.as_ref().unwrap().article_id.is_some());

    app.click("[data-testid=bot-buttons][data-active=true] [data-button=helped]")
        .await;
    app.until("the bot's thanks", 20, || async {
        app.shows("Glad it helped!").await
    })
    .await;
    assert!(live_buttons(&app).await.is_empty());
    let disabled = app
        .js("return [...document.querySelectorAll('[data-testid=bot-button]')].every(b => b.disabled)")
        .await;
    assert_eq!(disabled, json!(true));
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn menu_buttons_navigate_and_hand_over_in_russian_dark() {
    let cloud = Cloud::start().await;
    let (user, it) = it_support_with_kb(&cloud).await;
    let chat = it.chat_id.unwrap();
    let app = Desktop::start_with("kb-menu-ru-dark", &cloud.url(), "ru_RU.UTF-8", true).await;
    app.sign_in(&cloud.url(), "user").await;
    app.until_theme("dark", 10).await;
    app.open_line(it.line.id).await;

    // Russian hints too (another word form, slang).
    let input = app.find("[data-testid=composer-input]").await;
    input.send_keys("как подключить впн из дома").await.unwrap();
    app.until("Russian hints", 20, || async {
        hint_texts(&app).await.iter().any(|h| h.contains("VPN"))
    })
    .await;
    app.screenshot("hints").await;
    input
        .send_keys(thirtyfour::Key::Control + "a")
        .await
        .unwrap();
    input.send_keys(thirtyfour::Key::Backspace).await.unwrap();
    app.until("no hints for an empty composer", 10, || async {
        hint_texts(&app).await.is_empty()
    })
    .await;

    app.click("[data-testid=menu-button]").await;
    app.until("the menu's top level", 20, || async {
        live_buttons(&app).await.len() == 3
    })
    .await;
    let top: Vec<String> = live_buttons(&app).await.into_iter().map(|b| b.1).collect();
    assert_eq!(
        top,
        ["Доступ и пароли", "Позвать специалиста", "Портал поддержки"]
    );
    app.screenshot("menu").await;

    app.click("[data-testid=bot-buttons][data-active=true] [data-button='m:access']")
        .await;
    app.until("the submenu", 20, || async {
        live_buttons(&app)
            .await
            .iter()
            .map(|b| b.0.as_str())
            .collect::<Vec<_>>()
            == ["m:password", "m:access-back"]
    })
    .await;
    app.click("[data-testid=bot-buttons][data-active=true] [data-button='m:password']")
        .await;
    app.until("the menu's text answer", 20, || async {
        app.shows("Ctrl+Alt+Del").await
    })
    .await;
    app.screenshot("menu-answer").await;

    // Back to the top through a fresh menu, then the hand-over.
    app.click("[data-testid=menu-button]").await;
    app.until("the menu again", 20, || async {
        live_buttons(&app).await.len() == 3
    })
    .await;
    app.click("[data-testid=bot-buttons][data-active=true] [data-button='m:human']")
        .await;
    app.until("handed over: a ticket registered", 20, || async {
        let v = app
            .js("return [...document.querySelectorAll('[data-testid=notice]')].map(n => n.dataset.notice || '')")
            .await;
        let kinds: Vec<String> = serde_json::from_value(v).unwrap_or_default();
        kinds.iter().any(|k| k == "ticket_registered")
    })
    .await;
    app.screenshot("menu-handoff").await;
    // The choices are the user's messages in the history.
    let history = user.history(chat).await;
    let mine: Vec<&str> = history
        .iter()
        .filter(|m| m.bot.is_none() && m.kind != MessageKind::Notice && !m.text.is_empty())
        .map(|m| m.text.as_str())
        .collect();
    assert!(mine.contains(&"Доступ и пароли"), "{mine:?}");
    assert!(mine.contains(&"Позвать специалиста"), "{mine:?}");
    app.quit().await;
}
