//! The line's knowledge base, bot and menu through the core, against the real server: hints,
//! a clicked hint and button presses land in the cache, the menu navigates and hands over.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use okno_core::Core;
use okno_proto::*;

/// The user's IT Support chat with the repository's fixture articles and a menu.
async fn it_support_with_kb(env: &Env, user: &Core) -> (LineId, ChatId) {
    let item = user
        .lines()
        .unwrap()
        .into_iter()
        .find(|l| l.line.name == "IT Support")
        .unwrap();
    let line = item.line.id;
    let admin = env.http("admin").await;
    let import: serde_json::Value = serde_json::from_str(include_str!(
        "../../okno-server/tests/fixtures/kb/articles.json"
    ))
    .unwrap();
    let r = admin
        .client
        .post(format!(
            "{}/api/v1/lines/{line}/articles/import",
            admin.base
        ))
        .bearer_auth(&admin.token)
        .json(&import)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let menu = serde_json::json!({
        "greeting": "How can we help?",
        "items": [
            {"id": "access", "label": "Access", "action": {"type": "submenu"}},
            {"id": "pwd", "parent": "access", "label": "Change a password",
             "action": {"type": "text", "text": "Press Ctrl+Alt+Del."}},
            {"id": "back", "parent": "access", "label": "Back", "action": {"type": "back"}},
            {"id": "human", "label": "Call a specialist", "action": {"type": "specialist"}}
        ]
    });
    let r = admin
        .client
        .put(format!("{}/api/v1/lines/{line}/menu", admin.base))
        .bearer_auth(&admin.token)
        .json(&menu)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    (line, item.chat_id.unwrap())
}

fn labels(m: &Message) -> Vec<String> {
    m.bot
        .as_ref()
        .map(|b| b.buttons.iter().map(|b| b.label.clone()).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hints_a_clicked_hint_and_the_bots_buttons_reach_the_cache() {
    let env = Env::start().await;
    let user = env.core("user", "user").await;
    let (line, chat) = it_support_with_kb(&env, &user).await;

    let auto = user.automation(line).await.unwrap();
    assert!(auto.articles > 200 && auto.has_menu, "{auto:?}");
    assert!(user.hints(line, "   ").await.unwrap().is_empty());
    let hints = user
        .hints(line, "how to add a network printer")
        .await
        .unwrap();
    assert!(!hints.is_empty() && hints.len() <= 5, "{hints:?}");
    assert_eq!(hints[0].question, "How do I add a network printer?");

    let mut events = user.subscribe();
    let ex = user.hint_click(chat, hints[0].article_id).await.unwrap();
    assert_eq!(ex.len(), 2, "{ex:?}");
    assert_eq!(ex[0].text, "How do I add a network printer?");
    assert!(ex[0].bot.is_none());
    let answer = &ex[1];
    assert_eq!(
        answer.bot.as_ref().unwrap().article_id,
        Some(hints[0].article_id)
    );
    assert_eq!(
        labels(answer),
        ["Yes, it helped", "No", "Call a specialist"]
    );
    // In the cache as soon as the call returns, and the UI was told.
    let cached_now = cached(&user, chat).await;
    assert!(cached_now.iter().any(|m| m.id == ex[0].id));
    assert!(cached_now
        .iter()
        .any(|m| m.id == answer.id && m.bot.is_some()));
    let mut told = false;
    while let Ok(e) = events.try_recv() {
        told |= matches!(e, CoreEvent::MessagesChanged { chat_id } if chat_id == chat);
    }
    assert!(told);

    let ex = user.press(chat, answer.id, "helped").await.unwrap();
    assert_eq!(ex[0].text, "Yes, it helped");
    assert!(ex.iter().any(|m| m.text == "Glad it helped!"));
    assert!(user.press(chat, answer.id, "no-such-button").await.is_err());

    // The stream brings the same messages: nothing is doubled.
    eventually(10, "the stream caught up", || async {
        let all = cached(&user, chat).await;
        all.iter().filter(|m| m.text == "Glad it helped!").count() == 1
            && all
                .iter()
                .filter(|m| m.text == "How do I add a network printer?")
                .count()
                == 1
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_menu_navigates_and_hands_over_through_the_core() {
    let env = Env::start().await;
    let user = env.core("user", "user").await;
    let (_line, chat) = it_support_with_kb(&env, &user).await;

    let registered = |all: &[Message]| {
        all.iter()
            .filter(|m| matches!(m.notice, Some(Notice::TicketRegistered { .. })))
            .count()
    };
    let before = registered(&cached(&user, chat).await);
    let top = user.open_menu(chat).await.unwrap();
    let menu = top.last().unwrap();
    assert_eq!(menu.text, "How can we help?");
    assert_eq!(labels(menu), ["Access", "Call a specialist"]);
    let sub = user.press(chat, menu.id, "m:access").await.unwrap();
    let sub_menu = sub.last().unwrap();
    assert_eq!(labels(sub_menu), ["Change a password", "Back"]);
    let back = user.press(chat, sub_menu.id, "m:back").await.unwrap();
    let again = back.last().unwrap();
    assert_eq!(labels(again), ["Access", "Call a specialist"]);
    user.press(chat, again.id, "m:human").await.unwrap();
    eventually(10, "a ticket registered in the cache", || async {
        registered(&cached(&user, chat).await) == before + 1
    })
    .await;
}
