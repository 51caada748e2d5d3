//! The sync service: catch-up over HTTP from the cursor, then the WebSocket stream; every batch
//! applied in one cache transaction; gaps refetched; resets reload the snapshot; reconnects with
//! exponential backoff and jitter.

use crate::api::Api;
use crate::error::{CoreError, CoreResult};
use crate::Inner;
use futures_util::{FutureExt, StreamExt};
use okno_proto::*;
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_util::sync::CancellationToken;

/// The server pings every 20 s; silence this long means the connection is dead.
const SILENCE: Duration = Duration::from_secs(45);
const PAGE: i64 = 1000;
const MAX_BATCH: usize = 1000;

/// Delay before reconnect attempt `n` (1, 2, …): exponential from 250 ms to 30 s, with jitter
/// over its upper half so many clients do not come back at once.
pub fn backoff(attempt: u32) -> Duration {
    let exp = 250u64.saturating_mul(1u64 << attempt.saturating_sub(1).min(7));
    let capped = exp.min(30_000);
    Duration::from_millis(capped / 2 + fastrand::u64(0..=capped / 2))
}

pub(crate) async fn run(inner: Arc<Inner>, api: Api, stop: CancellationToken) {
    let mut attempt = 0u32;
    loop {
        inner.set_state(SyncState::Connecting, None);
        let result = tokio::select! {
            r = session(&inner, &api, &mut attempt) => r,
            _ = stop.cancelled() => return,
        };
        match result {
            Err(e) if e.is_unauthorized() => {
                tracing::warn!("the server no longer accepts this session");
                inner.set_state(SyncState::SessionEnded, None);
                return;
            }
            Err(e) => {
                tracing::info!(error = %e.code(), "sync connection lost");
                inner.set_state(SyncState::Offline, Some(e.to_api()));
            }
            Ok(()) => inner.set_state(
                SyncState::Offline,
                Some(ApiError::new("offline", "the server closed the connection")),
            ),
        }
        attempt = attempt.saturating_add(1);
        tokio::select! {
            _ = tokio::time::sleep(backoff(attempt)) => {}
            _ = inner.reconnect_now.notified() => {}
            _ = stop.cancelled() => return,
        }
    }
}

/// Applies events in the cache (off the async threads) and tells the UI.
async fn apply(inner: &Arc<Inner>, api: &Api, events: Vec<Event>) -> CoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let cache = inner.cache.clone();
    let changes = tokio::task::spawn_blocking(move || cache.apply_events(&events))
        .await
        .map_err(|e| CoreError::Cache(e.to_string()))??;
    inner.refresh_stale(api, &changes.stale_chats).await;
    inner.emit_changes(&changes);
    Ok(())
}

async fn reload_snapshot(inner: &Arc<Inner>, api: &Api) -> CoreResult<()> {
    let snap = api.snapshot().await?;
    let cache = inner.cache.clone();
    let changes = tokio::task::spawn_blocking(move || cache.apply_snapshot(None, &snap))
        .await
        .map_err(|e| CoreError::Cache(e.to_string()))??;
    tracing::info!("snapshot reloaded");
    inner.emit_changes(&changes);
    Ok(())
}

/// Fetches and applies everything after the cursor, page by page; the next page is fetched
/// while the current one is applied.
pub(crate) async fn catch_up(inner: &Arc<Inner>, api: &Api) -> CoreResult<()> {
    let mut prefetched: Option<tokio::task::JoinHandle<CoreResult<SyncResponse>>> = None;
    loop {
        let cursor = inner.cache.cursor()?;
        let page = match prefetched.take() {
            Some(next) => next
                .await
                .map_err(|e| CoreError::Offline(e.to_string()))??,
            None => api.sync(cursor, PAGE).await?,
        };
        if page.reset {
            reload_snapshot(inner, api).await?;
            continue;
        }
        if page.has_more {
            let api = api.clone();
            let after = page.cursor;
            prefetched = Some(tokio::spawn(async move { api.sync(after, PAGE).await }));
        }
        let more = page.has_more;
        if let Err(e) = apply(inner, api, page.events).await {
            if let Some(p) = prefetched.take() {
                p.abort();
            }
            return Err(e);
        }
        if !more {
            return Ok(());
        }
    }
}

/// An employee's own agent records (presence, competences): the notification policy needs
/// their lines before the first ticket arrives. The stream keeps them current afterwards.
async fn refresh_agents(inner: &Arc<Inner>, api: &Api) {
    let staff = inner
        .cache
        .account()
        .ok()
        .flatten()
        .is_some_and(|a| !a.me.memberships.is_empty());
    if !staff {
        return;
    }
    match api.my_agents().await {
        Ok(agents) => match inner.cache.set_agents(&agents) {
            Ok(()) => inner.emit(CoreEvent::AgentChanged),
            Err(e) => tracing::warn!(error = %e, "cannot store the agent records"),
        },
        Err(e) => tracing::info!(error = %e.code(), "agent records not read"),
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the server's WebSocket: directly, or through the network's proxy by a tunnel, with TLS
/// and the WebSocket's handshake inside it as without one.
async fn open(
    api: &Api,
    req: tokio_tungstenite::tungstenite::handshake::client::Request,
) -> CoreResult<Ws> {
    let connector = api.tls().map(tokio_tungstenite::Connector::Rustls);
    let opened = match api.proxy() {
        Some(proxy) => {
            let (host, port) = api.host_port();
            let tunnel = crate::proxy::tunnel(proxy, &host, port).await?;
            tracing::debug!(proxy = %crate::proxy::describe(proxy), "WebSocket through the proxy");
            tokio_tungstenite::client_async_tls_with_config(req, tunnel, None, connector).await
        }
        None => tokio_tungstenite::connect_async_tls_with_config(req, None, false, connector).await,
    };
    opened.map(|(ws, _)| ws).map_err(|e| match e {
        tokio_tungstenite::tungstenite::Error::Http(resp) if resp.status() == 401 => {
            CoreError::Server {
                status: 401,
                error: ApiError::new("unauthorized", "sign in first"),
            }
        }
        other => {
            crate::tls::failure(&other).unwrap_or_else(|| CoreError::Offline(other.to_string()))
        }
    })
}

async fn session(inner: &Arc<Inner>, api: &Api, attempt: &mut u32) -> CoreResult<()> {
    catch_up(inner, api).await?;
    refresh_agents(inner, api).await;
    let cursor = inner.cache.cursor()?;
    let mut req = api
        .ws_url(cursor)
        .into_client_request()
        .map_err(|e| CoreError::Invalid(e.to_string()))?;
    if let Some(t) = api.token() {
        let v = format!("Bearer {t}")
            .parse()
            .map_err(|_| CoreError::Invalid("the token is not a valid header".into()))?;
        req.headers_mut().insert("authorization", v);
    }
    let mut ws = tokio::time::timeout(Duration::from_secs(10), open(api, req))
        .await
        .map_err(|_| CoreError::Offline("the WebSocket did not open in time".into()))??;
    *attempt = 0;
    inner.set_state(SyncState::Online, None);
    inner.outbox_wake.notify_one();
    // Anything committed between the catch-up and the subscription arrives on the socket.
    loop {
        let first = match tokio::time::timeout(SILENCE, ws.next()).await {
            Err(_) => return Err(CoreError::Offline("the server went silent".into())),
            Ok(None) => return Ok(()),
            Ok(Some(Err(e))) => return Err(CoreError::Offline(e.to_string())),
            Ok(Some(Ok(m))) => m,
        };
        let mut frames = vec![first];
        while frames.len() < MAX_BATCH {
            match ws.next().now_or_never() {
                Some(Some(Ok(m))) => frames.push(m),
                Some(Some(Err(e))) => return Err(CoreError::Offline(e.to_string())),
                _ => break,
            }
        }
        let mut events = Vec::new();
        let mut reset = false;
        let mut closed = false;
        for m in frames {
            match m {
                WsMessage::Text(t) => match serde_json::from_str::<ServerFrame>(t.as_str()) {
                    Ok(ServerFrame::Event { event }) => events.push(event),
                    Ok(ServerFrame::Reset { .. }) => reset = true,
                    Ok(ServerFrame::Sent { .. }) | Ok(ServerFrame::Error { .. }) => {}
                    Err(e) => {
                        return Err(CoreError::BadResponse(format!(
                            "a frame the client cannot read: {e}"
                        )))
                    }
                },
                WsMessage::Close(_) => closed = true,
                _ => {}
            }
        }
        if reset {
            reload_snapshot(inner, api).await?;
            catch_up(inner, api).await?;
        }
        match apply(inner, api, events).await {
            Err(CoreError::Gap { expected, got }) => {
                tracing::info!(expected, got, "gap in the stream; refetching");
                catch_up(inner, api).await?;
            }
            other => other?,
        }
        if closed {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_caps_and_jitters() {
        for attempt in 1..20 {
            let d = backoff(attempt).as_millis() as u64;
            let full = (250u64 << (attempt - 1).min(7)).min(30_000);
            assert!(
                d >= full / 2 && d <= full,
                "attempt {attempt}: {d} not in [{}, {full}]",
                full / 2
            );
        }
        let samples: std::collections::BTreeSet<u128> =
            (0..50).map(|_| backoff(8).as_millis()).collect();
        assert!(samples.len() > 10, "jitter spreads reconnects");
    }
}
