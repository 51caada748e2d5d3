//! The per-user event stream over HTTP (`/sync`, `/snapshot`) and WebSocket (`/ws`).

use crate::auth::{load_me, Auth};
use crate::chats;
use crate::connections::user_connections;
use crate::db::Db;
use crate::error::{ApiResult, AppError, Json, Query};
use crate::store::{decode_event, event_frame, now_ms, EVENT_SELECT};
use crate::{params, AppState};
use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use okno_proto::*;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{broadcast, mpsc, Semaphore};

/// The caller's stream position (an unknown user is not signed in).
fn stream_pos(db: &mut dyn Db, user: UserId) -> ApiResult<crate::store::StreamPos> {
    crate::store::stream_pos(db, user)?.ok_or(AppError::Unauthorized)
}

/// Raw stored events after `since`: (seq, at, body JSON).
pub enum Page {
    Events {
        events: Vec<(i64, i64, String)>,
        has_more: bool,
    },
    /// The cursor is too old (or from another database): reload the snapshot from `head`.
    Reset { head: i64 },
}

pub fn events_after(db: &mut dyn Db, user: UserId, since: i64, limit: i64) -> ApiResult<Page> {
    let pos = stream_pos(db, user)?;
    if since < pos.floor.saturating_sub(1) || since > pos.head {
        return Ok(Page::Reset { head: pos.head });
    }
    let rows = db.query(
        &format!("{EVENT_SELECT} WHERE e.user_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3"),
        params![user, since, limit + 1],
    )?;
    let has_more = rows.len() as i64 > limit;
    let events = rows
        .iter()
        .take(limit as usize)
        .map(|r| Ok((r.int(0)?, r.int(1)?, r.text(2)?)))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Page::Events { events, has_more })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SyncQuery {
    /// The last `seq` the client has applied; 0 for the beginning.
    pub since: i64,
    /// 1 to 1000; 500 by default.
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/sync", tag = "sync", security(("bearer" = [])),
    params(SyncQuery),
    responses((status = 200, body = SyncResponse), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn sync(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Query(q): Query<SyncQuery>,
) -> ApiResult<Json<SyncResponse>> {
    let limit = q.limit.unwrap_or(500);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::invalid("limit must be 1 to 1000"));
    }
    if q.since < 0 {
        return Err(AppError::invalid("since must be 0 or more"));
    }
    let since = q.since;
    let page = state
        .store
        .read(move |db| events_after(db, auth.user, since, limit))
        .await?;
    Ok(Json(match page {
        Page::Reset { head } => SyncResponse {
            events: vec![],
            cursor: head,
            has_more: false,
            reset: true,
        },
        Page::Events { events, has_more } => {
            let cursor = events.last().map_or(since, |e| e.0);
            SyncResponse {
                events: events
                    .iter()
                    .map(|(seq, at, body)| decode_event(*seq, *at, body))
                    .collect::<ApiResult<Vec<_>>>()?,
                cursor,
                has_more,
                reset: false,
            }
        }
    }))
}

#[utoipa::path(get, path = "/api/v1/snapshot", tag = "sync", security(("bearer" = [])),
    responses((status = 200, description = "the caller's state and the cursor it is valid at", body = Snapshot),
        (status = 401, body = ApiError)))]
pub async fn snapshot(State(state): State<Arc<AppState>>, auth: Auth) -> ApiResult<Json<Snapshot>> {
    let snap = state
        .store
        .read_tx(move |db| {
            let cursor = stream_pos(db, auth.user)?.head;
            Ok(Snapshot {
                cursor,
                me: load_me(db, auth.user)?,
                connections: user_connections(db, auth.user, now_ms())?,
                chats: chats::user_chats(db, auth.user)?,
            })
        })
        .await?;
    Ok(Json(snap))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct WsQuery {
    /// Resume after this `seq`; without it the stream starts at the current head.
    pub since: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/ws", tag = "sync", security(("bearer" = [])),
    params(WsQuery),
    description = "WebSocket. The server sends `ServerFrame`s: every event after `since`, in order, then each new \
        event once committed; the client may send `ClientFrame`s (`send`). The server pings; a connection silent \
        for longer than the idle timeout is closed.",
    responses((status = 101, description = "switching to WebSocket"), (status = 400, body = ApiError),
        (status = 401, body = ApiError)))]
pub async fn ws(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Query(q): Query<WsQuery>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let upgrade = upgrade.map_err(|e| {
        AppError::invalid(format!("this endpoint is a WebSocket: {}", e.body_text()))
    })?;
    if q.since.is_some_and(|s| s < 0) {
        return Err(AppError::invalid("since must be 0 or more"));
    }
    Ok(upgrade
        .max_message_size(256 * 1024)
        // tungstenite zero-fills this much of its read buffer before every read from the
        // socket: at the 128 KiB default that memset was 40 % of the server's network CPU
        // under load. Frames from clients are small; a larger one is read in several goes.
        .read_buffer_size(WS_READ_BUFFER)
        .on_upgrade(move |socket| async move {
            if let Err(e) = session(state, auth, q.since, socket).await {
                tracing::debug!(error = %e, "websocket ended");
            }
        }))
}

/// The WebSocket read buffer (see `ws`).
pub const WS_READ_BUFFER: usize = 4096;

fn frame_json(frame: &ServerFrame) -> String {
    serde_json::to_string(frame).unwrap_or_else(|_| {
        r#"{"type":"error","code":"internal","message":"cannot encode the frame"}"#.to_owned()
    })
}

type Sink = futures_util::stream::SplitSink<WebSocket, WsMessage>;

/// Sends every stored event after `cursor`, advancing it.
async fn catch_up(
    state: &AppState,
    user: UserId,
    cursor: &mut i64,
    sink: &mut Sink,
) -> anyhow_lite::Result {
    loop {
        let since = *cursor;
        let page = state
            .store
            .read(move |db| events_after(db, user, since, 500))
            .await?;
        match page {
            Page::Reset { head } => {
                sink.send(WsMessage::Text(
                    frame_json(&ServerFrame::Reset { cursor: head }).into(),
                ))
                .await?;
                *cursor = head;
                return Ok(());
            }
            Page::Events { events, has_more } => {
                for (seq, at, body) in events {
                    sink.feed(WsMessage::Text(event_frame(seq, at, &body).into()))
                        .await?;
                    *cursor = seq;
                }
                sink.flush().await?;
                if !has_more {
                    return Ok(());
                }
            }
        }
    }
}

/// Small local error type for the session loop: any failure ends the connection.
mod anyhow_lite {
    pub type Result<T = ()> = std::result::Result<T, Error>;
    #[derive(Debug, thiserror::Error)]
    pub enum Error {
        #[error("{0}")]
        App(#[from] crate::error::AppError),
        #[error("websocket: {0}")]
        Ws(#[from] axum::Error),
    }
}

const MAX_IN_FLIGHT: usize = 256;

async fn session(
    state: Arc<AppState>,
    auth: Auth,
    since: Option<i64>,
    socket: WebSocket,
) -> anyhow_lite::Result {
    let user = auth.user;
    let (mut sink, mut stream) = socket.split();
    // Subscribe before reading the backlog, so nothing committed in between is missed.
    let mut sub = state.store.hub.subscribe(user);
    let mut cursor = match since {
        Some(c) => c,
        None => {
            state
                .store
                .read(move |db| Ok(stream_pos(db, user)?.head))
                .await?
        }
    };
    catch_up(&state, user, &mut cursor, &mut sink).await?;

    let (out_tx, mut out_rx) = mpsc::channel::<String>(MAX_IN_FLIGHT);
    let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut ping = tokio::time::interval(state.config.ws_ping_interval);
    ping.tick().await;
    let mut last_heard = Instant::now();
    let mut revoked = state.revoked.subscribe();
    let mut listening = true;

    loop {
        tokio::select! {
            ended = revoked.recv(), if listening => match ended {
                Ok(s) if s != auth.session => {}
                // This session, or too many ended to tell: the ping's check decides the latter.
                Ok(_) => {
                    let _ = sink.send(WsMessage::Close(Some(CloseFrame { code: 4001, reason: "signed out".into() }))).await;
                    break;
                }
                Err(broadcast::error::RecvError::Lagged(_)) => ping.reset_immediately(),
                Err(broadcast::error::RecvError::Closed) => listening = false,
            },
            pushed = sub.rx.recv() => match pushed {
                Some(p) if p.seq <= cursor => {}
                Some(p) if p.seq == cursor + 1 => {
                    sink.send(WsMessage::Text(Utf8Bytes::from(p.frame()))).await?;
                    cursor = p.seq;
                }
                Some(_) => catch_up(&state, user, &mut cursor, &mut sink).await?,
                None => {
                    // Dropped for falling behind: resubscribe, then read what was missed.
                    sub = state.store.hub.subscribe(user);
                    catch_up(&state, user, &mut cursor, &mut sink).await?;
                }
            },
            Some(reply) = out_rx.recv() => {
                sink.send(WsMessage::Text(reply.into())).await?;
            }
            incoming = stream.next() => {
                let Some(Ok(msg)) = incoming else { break };
                last_heard = Instant::now();
                match msg {
                    WsMessage::Text(text) => {
                        let permit = in_flight.clone().acquire_owned().await.map_err(AppError::internal)?;
                        let state = state.clone();
                        let out = out_tx.clone();
                        tokio::spawn(async move {
                            let reply = handle_frame(&state, user, text.as_str()).await;
                            let _ = out.send(reply).await;
                            drop(permit);
                        });
                    }
                    WsMessage::Binary(_) => {
                        let reply = frame_json(&ServerFrame::Error {
                            client_msg_id: None,
                            code: "invalid_input".into(),
                            message: "send JSON text frames".into(),
                        });
                        sink.send(WsMessage::Text(reply.into())).await?;
                    }
                    WsMessage::Close(_) => break,
                    WsMessage::Ping(_) | WsMessage::Pong(_) => {}
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > state.config.ws_idle_timeout {
                    let _ = sink.send(WsMessage::Close(Some(CloseFrame { code: 1001, reason: "idle".into() }))).await;
                    break;
                }
                let session = auth.session;
                let alive = state
                    .store
                    .read(move |db| Ok(db.query_opt("SELECT 1 FROM sessions WHERE id = $1", params![session])?.is_some()))
                    .await?;
                if !alive {
                    let _ = sink.send(WsMessage::Close(Some(CloseFrame { code: 4001, reason: "signed out".into() }))).await;
                    break;
                }
                sink.send(WsMessage::Ping(Default::default())).await?;
            }
        }
    }
    Ok(())
}

async fn handle_frame(state: &AppState, user: UserId, text: &str) -> String {
    let frame: ClientFrame = match serde_json::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            return frame_json(&ServerFrame::Error {
                client_msg_id: None,
                code: "invalid_input".into(),
                message: format!("not a client frame: {e}"),
            })
        }
    };
    match frame {
        ClientFrame::Send {
            chat_id,
            client_msg_id,
            text,
            file_ids,
        } => {
            let req = SendMessageRequest {
                client_msg_id,
                text,
                file_ids,
            };
            match chats::send(state, user, chat_id, req).await {
                Ok((message, _)) => frame_json(&ServerFrame::Sent {
                    client_msg_id,
                    message,
                }),
                Err(e) => frame_json(&ServerFrame::Error {
                    client_msg_id: Some(client_msg_id),
                    code: e.code().into(),
                    message: e.to_string(),
                }),
            }
        }
    }
}

/// Drops each user's events beyond the newest `keep`; a client behind that point gets a reset.
pub async fn prune_events(state: &AppState, keep: i64) -> ApiResult<u64> {
    state
        .store
        .write(move |ctx| {
            // The head first (on SQLite the writer does not keep `event_seq` current): it must
            // outlive the events about to be dropped. Each user's head is one seek to the end of
            // their part of the primary key; `GROUP BY user_id` over `events` read the whole
            // table, bodies and all, at every start and every ten minutes (and kept it in the
            // writer's page cache: 0.7 MB in the desktop app with 10,000 messages).
            ctx.db.execute(
                "UPDATE users SET event_seq = \
                 (SELECT MAX(seq) FROM events WHERE events.user_id = users.id) \
                 WHERE (SELECT MAX(seq) FROM events WHERE events.user_id = users.id) \
                 > users.event_seq",
                params![],
            )?;
            let users = ctx.db.query(
                "UPDATE users SET events_floor = event_seq - $1 + 1 \
                 WHERE event_seq - events_floor + 1 > $1 RETURNING id, events_floor",
                params![keep],
            )?;
            let mut removed = 0;
            for r in users {
                removed += ctx.db.execute(
                    "DELETE FROM events WHERE user_id = $1 AND seq < $2",
                    params![r.int(0)?, r.int(1)?],
                )?;
            }
            // Shared bodies no event points at any more. Body ids grow with time, so those
            // below the oldest one still pointed at (an index lookup) are unused.
            ctx.db.execute(
                "DELETE FROM event_bodies WHERE id < COALESCE(\
                 (SELECT MIN(body_id) FROM events WHERE body_id IS NOT NULL), \
                 (SELECT MAX(id) + 1 FROM event_bodies))",
                params![],
            )?;
            Ok(removed)
        })
        .await
}
