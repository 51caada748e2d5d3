//! A server that answers nonsense: garbage, truncated JSON, wrong types, HTML errors, broken
//! WebSocket frames. The core reports errors and never panics or corrupts its cache.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::extract::ws::{Message as WsMessage, WebSocketUpgrade};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use okno_core::{Core, CoreConfig};
use okno_proto::*;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Good,
    Garbage,
    Truncated,
    WrongTypes,
    Html500,
    EmptyOk,
}

#[derive(Clone)]
struct Fake {
    login: Arc<Mutex<Mode>>,
    snapshot: Arc<Mutex<Mode>>,
    sync: Arc<Mutex<Mode>>,
    /// Text frames the WebSocket sends after connecting.
    frames: Arc<Mutex<Vec<String>>>,
}

fn me() -> Me {
    Me {
        id: UserId(1),
        login: "user".into(),
        display_name: "User".into(),
        service_admin: false,
        memberships: vec![],
    }
}

fn line() -> Line {
    Line {
        id: LineId(7),
        company_id: CompanyId(1),
        company_name: "C".into(),
        name: "Help".into(),
        internal_name: String::new(),
        description: String::new(),
        details_url: String::new(),
        has_avatar: false,
        hours: None,
        working_now: true,
        next_open_at: None,
        published: true,
        recommended: false,
    }
}

fn snapshot() -> Snapshot {
    Snapshot {
        cursor: 5,
        me: me(),
        connections: vec![Connection {
            id: ConnectionId(3),
            user_id: UserId(1),
            user_display_name: "User".into(),
            line: line(),
            state: ConnectionState::Active,
            origin: ConnectionOrigin::Admin,
            chat_id: Some(ChatId(9)),
            created_at: 1,
        }],
        chats: vec![],
    }
}

fn answer(mode: Mode, good: serde_json::Value) -> Response {
    match mode {
        Mode::Good => axum::Json(good).into_response(),
        Mode::Garbage => (StatusCode::OK, "\u{0}\u{1}not json at all{{{{").into_response(),
        Mode::Truncated => {
            let s = good.to_string();
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                s[..s.len() / 2].to_owned(),
            )
                .into_response()
        }
        Mode::WrongTypes => axum::Json(
            serde_json::json!({"token": 42, "cursor": "five", "events": "many", "me": []}),
        )
        .into_response(),
        Mode::Html500 => (StatusCode::INTERNAL_SERVER_ERROR, "<html>oops</html>").into_response(),
        Mode::EmptyOk => StatusCode::OK.into_response(),
    }
}

async fn start_fake(fake: Fake) -> String {
    let app = Router::new()
        .route("/api/v1/auth/login", post(|State(f): State<Fake>| async move {
            let m = *f.login.lock().unwrap();
            answer(m, serde_json::json!({"token": "t", "session_id": 1, "me": me()}))
        }))
        .route("/api/v1/snapshot", get(|State(f): State<Fake>| async move {
            let m = *f.snapshot.lock().unwrap();
            answer(m, serde_json::to_value(snapshot()).unwrap())
        }))
        .route("/api/v1/sync", get(|State(f): State<Fake>| async move {
            let m = *f.sync.lock().unwrap();
            answer(m, serde_json::json!({"events": [], "cursor": 5, "has_more": false, "reset": false}))
        }))
        .route("/api/v1/ws", get(|State(f): State<Fake>, ws: WebSocketUpgrade| async move {
            let frames = f.frames.lock().unwrap().clone();
            ws.on_upgrade(move |mut socket| async move {
                for fr in frames {
                    if socket.send(WsMessage::Text(fr.into())).await.is_err() {
                        return;
                    }
                }
                tokio::time::sleep(Duration::from_secs(30)).await;
            })
        }))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

fn fake(login: Mode, snapshot: Mode, sync: Mode, frames: Vec<String>) -> Fake {
    Fake {
        login: Arc::new(Mutex::new(login)),
        snapshot: Arc::new(Mutex::new(snapshot)),
        sync: Arc::new(Mutex::new(sync)),
        frames: Arc::new(Mutex::new(frames)),
    }
}

fn config(dir: &tempfile::TempDir) -> CoreConfig {
    let mut c = CoreConfig::new(dir.path());
    c.use_os_secret_store = false;
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_login_and_snapshot_answers_are_errors_and_change_nothing() {
    for (login, snap) in [
        (Mode::Garbage, Mode::Good),
        (Mode::Truncated, Mode::Good),
        (Mode::WrongTypes, Mode::Good),
        (Mode::Html500, Mode::Good),
        (Mode::EmptyOk, Mode::Good),
        (Mode::Good, Mode::Garbage),
        (Mode::Good, Mode::Truncated),
        (Mode::Good, Mode::WrongTypes),
        (Mode::Good, Mode::Html500),
    ] {
        let url = start_fake(fake(login, snap, Mode::Good, vec![])).await;
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open(config(&dir)).await.unwrap();
        let err = core.login(&url, "user", "pw").await.unwrap_err();
        assert_eq!(err.code(), "bad_response", "{login:?}/{snap:?}: {err}");
        assert!(
            core.me().unwrap().is_none(),
            "nothing stored after a bad answer"
        );
        assert!(core.lines().unwrap().is_empty());
        assert!(!dir.path().join("session-token").exists());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_sync_answers_and_frames_leave_the_cache_intact() {
    let good_event = serde_json::json!({"type": "event", "event": {"seq": 6, "at": 1, "body": {"type": "chat_read", "chat_id": 9, "seq": 0}}}).to_string();
    let cases: Vec<(Mode, Vec<String>)> = vec![
        (Mode::Garbage, vec![]),
        (Mode::Truncated, vec![]),
        (Mode::WrongTypes, vec![]),
        (Mode::Html500, vec![]),
        (Mode::Good, vec!["not json".into()]),
        (Mode::Good, vec![r#"{"type":"event","event":{"seq":"x"}}"#.into()]),
        (Mode::Good, vec![r#"{"type":"event","event":{"seq":6,"at":1,"body":{"type":"message_created","message":{"id":1}}}}"#.into()]),
        (Mode::Good, vec![r#"{"type":"unknown_frame"}"#.into()]),
        (Mode::Good, vec![good_event.clone(), "\u{0}".into()]),
    ];
    for (sync, frames) in cases {
        let f = fake(Mode::Good, Mode::Good, Mode::Good, frames.clone());
        let url = start_fake(f.clone()).await;
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open(config(&dir)).await.unwrap();
        *f.sync.lock().unwrap() = sync;
        core.login(&url, "user", "pw").await.unwrap();
        let before = core.lines().unwrap();
        assert_eq!(before.len(), 1);
        let mut state = core.sync_state();
        // The sync service runs into the bad answer and goes offline (and retries), never panics.
        let went_offline = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                if *state.borrow() == SyncState::Offline {
                    return true;
                }
                if state.changed().await.is_err() {
                    return false;
                }
            }
        })
        .await
        .unwrap_or(false);
        assert!(
            went_offline,
            "sync {sync:?} frames {frames:?}: the client should report offline"
        );
        assert_eq!(core.lines().unwrap(), before, "the cache is unchanged");
        core.shutdown().await;
    }
}
