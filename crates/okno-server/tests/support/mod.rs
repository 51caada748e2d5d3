//! Checks shared by the wall and validation tests: refusals must be JSON `{code, message}` with the
//! expected status, and "nothing changed" is checked on the whole database and the file store.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;
use futures_util::{SinkExt, StreamExt};
use okno_proto::*;
use reqwest::Method;
use serde_json::Value as Json;
use std::path::Path;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// Every table, with an order that makes the dump deterministic.
const TABLES: &[(&str, &str)] = &[
    ("meta", "key"),
    ("users", "id"),
    ("sessions", "id"),
    ("companies", "id"),
    ("company_members", "company_id, user_id"),
    ("lines", "id"),
    ("connections", "id"),
    ("chats", "id"),
    ("messages", "id"),
    ("chat_reads", "chat_id, user_id"),
    ("tickets", "id"),
    ("files", "id"),
    ("events", "user_id, seq"),
];

/// The whole stored state: every row of every table and every file on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct World {
    pub tables: Vec<(&'static str, Vec<String>)>,
    pub files: Vec<String>,
}

impl World {
    pub fn rows(&self, table: &str) -> &[String] {
        &self
            .tables
            .iter()
            .find(|(t, _)| *t == table)
            .expect("known table")
            .1
    }
}

fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, base, out);
        } else {
            out.push(p.strip_prefix(base).unwrap().display().to_string());
        }
    }
}

pub fn files_on_disk(srv: &TestServer) -> Vec<String> {
    let base = srv.config.data_dir.join("files");
    let mut out = Vec::new();
    walk(&base, &base, &mut out);
    out.sort();
    out
}

pub async fn world(srv: &TestServer) -> World {
    let state = srv.server.as_ref().expect("running").state.clone();
    let tables = state
        .store
        .read(|db| {
            let mut out = Vec::new();
            for (t, order) in TABLES {
                let rows = db.query(&format!("SELECT * FROM {t} ORDER BY {order}"), &[])?;
                out.push((*t, rows.iter().map(|r| format!("{r:?}")).collect()));
            }
            Ok(out)
        })
        .await
        .unwrap();
    World {
        tables,
        files: files_on_disk(srv),
    }
}

/// Fails naming the first table (or the file store) that differs.
pub async fn assert_unchanged(srv: &TestServer, before: &World, what: &str) {
    let after = world(srv).await;
    for ((t, b), (_, a)) in before.tables.iter().zip(&after.tables) {
        assert_eq!(b, a, "{what}: table {t} changed");
    }
    assert_eq!(
        before.files, after.files,
        "{what}: the stored files changed"
    );
}

/// A request body for the tables of cases.
#[derive(Debug, Clone)]
pub enum Body {
    None,
    Json(Json),
    /// Sent with `content-type: application/json` as is.
    Raw(String),
    /// Sent with the given content type (or none when empty).
    Typed(&'static str, Vec<u8>),
}

pub fn build(api: &Api, method: &Method, path: &str, body: &Body) -> reqwest::RequestBuilder {
    let rb = api.request(method.clone(), path);
    match body {
        Body::None => rb,
        Body::Json(v) => rb.json(v),
        Body::Raw(s) => rb
            .header("content-type", "application/json")
            .body(s.clone()),
        Body::Typed("", b) => rb.body(b.clone()),
        Body::Typed(ct, b) => rb.header("content-type", *ct).body(b.clone()),
    }
}

/// Sends and checks the refusal: the status, JSON `{code, message}` and its code.
pub async fn refused_with(
    rb: reqwest::RequestBuilder,
    status: u16,
    code: &str,
    what: &str,
) -> Json {
    let resp = rb.send().await.unwrap_or_else(|e| panic!("{what}: {e}"));
    let got = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = resp.text().await.unwrap();
    let body: Json = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("{what}: the answer is not JSON ({got}, {ct}): {text:?}"));
    assert_eq!(got, status, "{what}: wrong status; body {text}");
    assert!(
        ct.starts_with("application/json"),
        "{what}: content type {ct}"
    );
    assert_eq!(body["code"], code, "{what}: wrong code; body {text}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: no message: {text}"
    );
    body
}

pub async fn refused(api: &Api, method: Method, path: &str, body: Body, status: u16, code: &str) {
    let what = format!("{method} {path} {body:?}");
    let what: String = what.chars().take(300).collect();
    refused_with(build(api, &method, path, &body), status, code, &what).await;
}

pub fn j(v: Json) -> Body {
    Body::Json(v)
}

/// The current user's session id.
pub async fn current_session(api: &Api) -> SessionId {
    let list: Vec<SessionInfo> = api.get("/api/v1/sessions").await.unwrap();
    list.iter()
        .find(|s| s.current)
        .expect("a current session")
        .id
}

// ------------------------------------------------------------------------------ raw WebSocket

pub type RawWs =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a WebSocket, or returns the HTTP status it was refused with.
pub async fn ws_connect(base: &str, token: &str, query: &str) -> Result<RawWs, u16> {
    let url = format!("{}/api/v1/ws{query}", base.replacen("http", "ws", 1));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Ok((s, _)) => Ok(s),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
        Err(e) => panic!("websocket connect: {e}"),
    }
}

/// What the server sent next on a raw socket.
#[derive(Debug)]
pub enum Got {
    Frame(Box<ServerFrame>),
    Closed(Option<u16>),
    Nothing,
}

pub async fn ws_next(ws: &mut RawWs, wait: Duration) -> Got {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return Got::Nothing,
            Ok(None) | Ok(Some(Err(_))) => return Got::Closed(None),
            Ok(Some(Ok(WsMessage::Text(t)))) => {
                return Got::Frame(Box::new(
                    serde_json::from_str(t.as_str())
                        .unwrap_or_else(|e| panic!("bad frame {t}: {e}")),
                ))
            }
            Ok(Some(Ok(WsMessage::Close(c)))) => return Got::Closed(c.map(|c| u16::from(c.code))),
            Ok(Some(Ok(_))) => continue,
        }
    }
}

/// The next frame if it is an event; anything else as it came.
pub async fn ws_event(ws: &mut RawWs, wait: Duration) -> Result<Event, Got> {
    match ws_next(ws, wait).await {
        Got::Frame(f) => match *f {
            ServerFrame::Event { event } => Ok(event),
            other => Err(Got::Frame(Box::new(other))),
        },
        other => Err(other),
    }
}

/// The next frame that is not an event (events are collected into `events`).
pub async fn ws_reply(ws: &mut RawWs, events: &mut Vec<Event>) -> ServerFrame {
    loop {
        match ws_next(ws, Duration::from_secs(10)).await {
            Got::Frame(f) => match *f {
                ServerFrame::Event { event } => events.push(event),
                f => return f,
            },
            other => panic!("expected a reply frame, got {other:?}"),
        }
    }
}

pub async fn ws_text(ws: &mut RawWs, text: &str) {
    ws.send(WsMessage::Text(text.to_owned().into()))
        .await
        .unwrap();
}

pub async fn ws_binary(ws: &mut RawWs, bytes: Vec<u8>) {
    ws.send(WsMessage::Binary(bytes.into())).await.unwrap();
}

/// Whether the server closes the socket within `wait` (frames before the close are skipped).
pub async fn ws_closes_within(ws: &mut RawWs, wait: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match ws_next(ws, left).await {
            Got::Closed(_) => return true,
            Got::Nothing => return false,
            Got::Frame(_) => continue,
        }
    }
}
