//! Lines served by the company's own system: a real HTTP receiver on loopback checks each
//! webhook's HMAC signature and timestamp, fails on purpose to force retries with backoff, and
//! the system answers through the line API (text, files, buttons) with its token.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::webhooks::*;
use common::*;
use okno_proto::*;
use serde_json::json;
use std::time::{Duration, Instant};

both! {
    webhooks_are_signed_retried_with_backoff_and_answered_through_the_line_api => webhooks;
    deliveries_that_keep_failing_are_given_up => give_up;
}

fn line_api(e: &Env, token: &str) -> Api {
    let mut api = e.srv.anon();
    api.token = Some(token.to_owned());
    api
}

async fn webhooks(backend: Backend) {
    let e = env(backend, 10).await;
    let r = receiver(2).await;
    let path = format!("/api/v1/lines/{}/integration", e.it);
    // Bad input and walls first.
    for bad in ["ftp://x.example/hook", "not a url", "javascript:alert(1)"] {
        let err = e
            .admin
            .put::<_, Integration>(&path, &json!({"url": bad, "enabled": true}))
            .await
            .unwrap_err();
        assert_eq!(err.status, 400, "{bad}");
    }
    assert_eq!(
        e.admin.get::<Integration>(&path).await.unwrap_err().status,
        404
    );
    let specialist = e.srv.login("specialist").await;
    assert_eq!(
        specialist
            .put::<_, Integration>(&path, &json!({"url": r.url, "enabled": true}))
            .await
            .unwrap_err()
            .status,
        403
    );
    let i: Integration = e
        .admin
        .put(&path, &json!({"url": r.url, "enabled": true}))
        .await
        .unwrap();
    let secret = i.secret.clone().expect("the secret, once");
    let token = i.api_token.clone().expect("the token, once");
    *r.secret.lock().unwrap() = secret.clone();
    let again: Integration = e
        .admin
        .put(&path, &json!({"url": r.url, "enabled": true}))
        .await
        .unwrap();
    assert!(again.secret.is_none() && again.api_token.is_none());

    // A user writes: the receiver gets a signed webhook; it fails twice, then takes it.
    let sent = e.user.send_text(e.chat, "Где мой заказ?").await;
    let hits = wait_for(&r, "three attempts", |h| h.len() >= 3).await;
    assert!(
        hits.iter().all(|h| h.valid),
        "every attempt is signed: {hits:?}"
    );
    assert!(hits.iter().all(|h| h.delivery == hits[0].delivery));
    let body = &hits[0].body;
    assert_eq!(body["type"], "message");
    assert_eq!(body["chat_id"], json!(e.chat));
    assert_eq!(body["line_id"], json!(e.it));
    assert_eq!(body["message"]["id"], json!(sent.id));
    assert_eq!(body["message"]["text"], "Где мой заказ?");
    assert_eq!(body["user_name"], "Anna Petrova");
    // Backoff: 150 ms, then 300 ms (each at least, give or take the poll).
    let gap1 = hits[1].at - hits[0].at;
    let gap2 = hits[2].at - hits[1].at;
    assert!(gap1 >= Duration::from_millis(140), "{gap1:?}");
    assert!(gap2 >= Duration::from_millis(290), "{gap2:?}");
    assert!(gap2 > gap1);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        r.hits.lock().unwrap().len(),
        3,
        "delivered once it succeeded"
    );
    let state: Integration = e.admin.get(&path).await.unwrap();
    assert_eq!((state.pending, state.failed), (0, 0));

    // The system answers as the line: text with buttons, then a file.
    let sys = line_api(&e, &token);
    let key = uuid::Uuid::new_v4();
    let answer: Message = sys
        .post(
            &format!("/api/v1/line-api/chats/{}/messages", e.chat),
            &json!({"client_msg_id": key, "text": "Заказ 42 в пути. Что дальше?",
                    "buttons": [{"id": "track", "label": "Отследить"},
                                {"id": "site", "label": "Сайт", "url": "https://shop.example"}]}),
        )
        .await
        .unwrap();
    assert_eq!(answer.sender_name, "IT Support");
    assert_eq!(answer.bot.as_ref().unwrap().source, BotSource::System);
    let (status, same) = sys
        .send_raw(
            sys.request(
                reqwest::Method::POST,
                &format!("/api/v1/line-api/chats/{}/messages", e.chat),
            )
            .json(&json!({"client_msg_id": key, "text": "Заказ 42 в пути. Что дальше?"})),
        )
        .await;
    assert_eq!(status, 200, "a retried post returns the original");
    assert_eq!(same["id"], json!(answer.id));
    let file: FileMeta = sys
        .call(
            sys.request(
                reqwest::Method::POST,
                "/api/v1/line-api/files?name=invoice.txt",
            )
            .header("content-type", "application/octet-stream")
            .body(b"invoice 42".to_vec()),
        )
        .await
        .unwrap();
    let with_file: Message = sys
        .post(
            &format!("/api/v1/line-api/chats/{}/messages", e.chat),
            &json!({"client_msg_id": uuid::Uuid::new_v4(), "file_ids": [file.id]}),
        )
        .await
        .unwrap();
    assert_eq!(with_file.files[0].id, file.id);
    // The user sees both, through their event stream too.
    let s: SyncResponse = e.user.get("/api/v1/sync?since=0").await.unwrap();
    for id in [answer.id, with_file.id] {
        assert!(s.events.iter().any(
            |ev| matches!(&ev.body, EventBody::MessageCreated { message } if message.id == id)
        ));
    }
    let (status, bytes) = e
        .user
        .send_raw(
            e.user
                .request(reqwest::Method::GET, &format!("/api/v1/files/{}", file.id)),
        )
        .await;
    assert_eq!((status, bytes), (200, json!("invoice 42")));

    // A press on the system's button: the user's choice, and a webhook about it.
    let ex: BotExchange = e
        .user
        .post(
            &format!("/api/v1/chats/{}/press", e.chat),
            &json!({"client_msg_id": uuid::Uuid::new_v4(), "message_id": answer.id, "button_id": "track"}),
        )
        .await
        .unwrap();
    assert_eq!(ex.messages[0].text, "Отследить");
    let hits = wait_for(&r, "the press", |h| {
        h.iter().any(|h| h.body["type"] == "button_pressed")
    })
    .await;
    let press = hits
        .iter()
        .find(|h| h.body["type"] == "button_pressed")
        .unwrap();
    assert!(press.valid);
    assert_eq!(press.body["button_id"], "track");
    assert_eq!(press.body["message_id"], json!(answer.id));

    // Line API walls and input.
    let wrong = line_api(&e, "okl_wrong");
    let err = wrong
        .post::<_, Message>(
            &format!("/api/v1/line-api/chats/{}/messages", e.chat),
            &json!({"client_msg_id": uuid::Uuid::new_v4(), "text": "x"}),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status, 401);
    // A user's own session token is not a line token.
    let err = e
        .user
        .post::<_, Message>(
            &format!("/api/v1/line-api/chats/{}/messages", e.chat),
            &json!({"client_msg_id": uuid::Uuid::new_v4(), "text": "x"}),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status, 401);
    let acme = e.srv.login("acme-admin").await;
    let acme_me = acme.me().await;
    let acme_lines: Vec<Line> = acme
        .get(&format!(
            "/api/v1/companies/{}/lines",
            acme_me.memberships[0].company_id
        ))
        .await
        .unwrap();
    if let Some(other_line) = acme_lines.first() {
        let oi: Integration = acme
            .put(
                &format!("/api/v1/lines/{}/integration", other_line.id),
                &json!({"url": "https://acme.example/hook", "enabled": false}),
            )
            .await
            .unwrap();
        let other = line_api(&e, oi.api_token.as_deref().unwrap());
        let err = other
            .post::<_, Message>(
                &format!("/api/v1/line-api/chats/{}/messages", e.chat),
                &json!({"client_msg_id": uuid::Uuid::new_v4(), "text": "x"}),
            )
            .await
            .unwrap_err();
        assert_eq!(err.status, 404, "another line's chat does not exist for it");
    }
    for bad in [
        json!({"client_msg_id": uuid::Uuid::new_v4(), "text": ""}),
        json!({"client_msg_id": uuid::Uuid::new_v4(), "text": "x", "buttons": [{"id": "", "label": "x"}]}),
        json!({"client_msg_id": uuid::Uuid::new_v4(), "text": "x", "buttons": [{"id": "a", "label": "x", "url": "javascript:x"}]}),
        json!({"client_msg_id": uuid::Uuid::new_v4(), "file_ids": [file.id]}),
    ] {
        let err = sys
            .post::<_, Message>(&format!("/api/v1/line-api/chats/{}/messages", e.chat), &bad)
            .await
            .unwrap_err();
        assert_eq!(err.status, 400, "{bad}");
    }

    // Rotation: the old token stops, the new one works; removal stops everything.
    let rotated: Integration = e
        .admin
        .post(&format!("{path}/rotate"), &json!({}))
        .await
        .unwrap();
    assert_ne!(rotated.api_token.as_deref(), Some(token.as_str()));
    let err = sys
        .post::<_, Message>(
            &format!("/api/v1/line-api/chats/{}/messages", e.chat),
            &json!({"client_msg_id": uuid::Uuid::new_v4(), "text": "x"}),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status, 401);
    let fresh = line_api(&e, rotated.api_token.as_deref().unwrap());
    let _: Message = fresh
        .post(
            &format!("/api/v1/line-api/chats/{}/messages", e.chat),
            &json!({"client_msg_id": uuid::Uuid::new_v4(), "text": "ok"}),
        )
        .await
        .unwrap();
    e.admin.delete(&path).await.unwrap();
    let err = fresh
        .post::<_, Message>(
            &format!("/api/v1/line-api/chats/{}/messages", e.chat),
            &json!({"client_msg_id": uuid::Uuid::new_v4(), "text": "x"}),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status, 401);
    let before = r.hits.lock().unwrap().len();
    e.user.send_text(e.chat, "ещё вопрос").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        r.hits.lock().unwrap().len(),
        before,
        "no webhook after removal"
    );
}

async fn give_up(backend: Backend) {
    let e = env(backend, 3).await;
    let r = receiver(usize::MAX).await;
    let path = format!("/api/v1/lines/{}/integration", e.it);
    let i: Integration = e
        .admin
        .put(&path, &json!({"url": r.url, "enabled": true}))
        .await
        .unwrap();
    *r.secret.lock().unwrap() = i.secret.unwrap();
    e.user.send_text(e.chat, "hello").await;
    wait_for(&r, "three attempts", |h| h.len() >= 3).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let s: Integration = e.admin.get(&path).await.unwrap();
        if s.failed == 1 {
            assert_eq!(s.pending, 0);
            break;
        }
        assert!(Instant::now() < deadline, "not given up: {s:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(r.hits.lock().unwrap().len(), 3, "no attempt after the last");
    // A disabled integration sends nothing.
    let _: Integration = e
        .admin
        .put(&path, &json!({"url": r.url, "enabled": false}))
        .await
        .unwrap();
    e.user.send_text(e.chat, "again").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(r.hits.lock().unwrap().len(), 3);
}
