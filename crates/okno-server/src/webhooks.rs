//! Lines served by the company's own system: a signed webhook for each new user message (and
//! each press of a button the system sent), and the line API through which the system answers.
//!
//! **Delivery.** The send path appends a row to `webhook_deliveries` in the same transaction as
//! the message, so a committed message always has its delivery (durable outbox). A worker per
//! node claims due rows (a lease: `next_at` moves a minute ahead in the claiming transaction, so
//! nodes do not send the same row at once), POSTs the JSON body, and records the outcome: a 2xx
//! marks it delivered; anything else retries after `retry_base · 2^(attempt−1)` (capped at an
//! hour) until `max_attempts`, then marks it failed. Delivery is at least once: receivers
//! deduplicate by `delivery_id` and order by the message's `seq`.
//!
//! **Signature.** Headers `X-Okno-Timestamp` (Unix seconds) and `X-Okno-Signature:
//! v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`, plus `X-Okno-Delivery`. Receivers
//! recompute the HMAC over the raw body and refuse timestamps more than five minutes away
//! (replays); see [`verify`].

use crate::auth::{bearer, random_token, token_hash, Auth};
use crate::bot::{bot_user, post_bot_with};
use crate::chats::{self, validate_send};
use crate::error::{ApiResult, AppError, Json, Path, Query};
use crate::files::{file_from_row, FILE_COLS};
use crate::kb::{emit_automation, line_admin};
use crate::store::{now_ms, WriteCtx};
use crate::{params, AppState};
use axum::body::Body;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use hmac::{Hmac, Mac};
use okno_proto::*;
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;

/// Signatures older or newer than this are refused by [`verify`].
pub const MAX_SKEW_SECS: i64 = 300;
const LEASE_MS: i64 = 60_000;
const BATCH: i64 = 32;
pub const MAX_BUTTONS: usize = 20;

/// Wakes this node's delivery worker.
#[derive(Default)]
pub struct Webhooks {
    notify: Arc<tokio::sync::Notify>,
}

impl Webhooks {
    pub fn wake(&self) {
        self.notify.notify_one();
    }
}

/// `v1=<hex>` for a body sent at `timestamp` (Unix seconds).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        // HMAC takes keys of any length; this cannot happen.
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// What a receiver does: the signature matches and the timestamp is recent.
pub fn verify(secret: &str, timestamp: &str, signature: &str, body: &[u8], now_secs: i64) -> bool {
    let Ok(ts) = timestamp.parse::<i64>() else {
        return false;
    };
    if (now_secs - ts).abs() > MAX_SKEW_SECS {
        return false;
    }
    let Some(hex_sig) = signature.strip_prefix("v1=") else {
        return false;
    };
    let Ok(given) = hex::decode(hex_sig) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(ts.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

fn user_name(ctx: &mut WriteCtx<'_>, user: UserId) -> ApiResult<String> {
    Ok(ctx
        .db
        .query_one(
            "SELECT display_name FROM users WHERE id = $1",
            params![user],
        )?
        .text(0)?)
}

fn enqueue(
    ctx: &mut WriteCtx<'_>,
    line: LineId,
    make: impl FnOnce(i64) -> WebhookEvent,
) -> ApiResult<()> {
    let id = ctx
        .db
        .query_one(
            "INSERT INTO webhook_deliveries (line_id, body, state, next_at, created_at) \
             VALUES ($1, '', 'pending', $2, $2) RETURNING id",
            params![line, ctx.now],
        )?
        .int(0)?;
    let body = serde_json::to_string(&make(id)).map_err(AppError::internal)?;
    ctx.db.execute(
        "UPDATE webhook_deliveries SET body = $1 WHERE id = $2",
        params![body, id],
    )?;
    Ok(())
}

/// A user wrote to a line with an enabled integration (called inside the send's transaction).
pub fn enqueue_message(
    ctx: &mut WriteCtx<'_>,
    line: LineId,
    user: UserId,
    message: &Message,
) -> ApiResult<()> {
    let user_name = user_name(ctx, user)?;
    enqueue(ctx, line, |delivery_id| WebhookEvent::Message {
        delivery_id,
        line_id: line,
        chat_id: message.chat_id,
        user_id: user,
        user_name,
        message: Box::new(message.clone()),
    })
}

/// A user pressed a button the company's system sent.
pub fn enqueue_press(
    ctx: &mut WriteCtx<'_>,
    line: LineId,
    user: UserId,
    chat: ChatId,
    message: &Message,
    button: &str,
) -> ApiResult<()> {
    let enabled = crate::bot::line_settings(ctx.db, line)?.is_some_and(|s| s.webhook);
    if !enabled {
        return Ok(());
    }
    let user_name = user_name(ctx, user)?;
    enqueue(ctx, line, |delivery_id| WebhookEvent::ButtonPressed {
        delivery_id,
        line_id: line,
        chat_id: chat,
        user_id: user,
        user_name,
        message_id: message.id,
        button_id: button.to_owned(),
    })
}

struct Due {
    id: i64,
    attempts: i64,
    body: String,
    url: String,
    secret: String,
}

/// Claims the deliveries that are due (leasing them for a minute).
async fn claim(state: &AppState) -> ApiResult<Vec<Due>> {
    state
        .store
        .write(|ctx| {
            let rows = ctx.db.query(
                "SELECT d.id, d.attempts, d.body, a.webhook_url, a.webhook_secret, a.webhook_enabled \
                 FROM webhook_deliveries d JOIN line_automation a ON a.line_id = d.line_id \
                 WHERE d.state = 'pending' AND d.next_at <= $1 ORDER BY d.next_at, d.id LIMIT $2",
                params![ctx.now, BATCH],
            )?;
            let mut due = Vec::new();
            for r in rows {
                let id = r.int(0)?;
                let (url, secret, enabled) = (r.opt_text(3)?, r.opt_text(4)?, r.bool(5)?);
                match (url, secret, enabled) {
                    (Some(url), Some(secret), true) => {
                        ctx.db.execute(
                            "UPDATE webhook_deliveries SET next_at = $1 WHERE id = $2",
                            params![ctx.now + LEASE_MS, id],
                        )?;
                        due.push(Due {
                            id,
                            attempts: r.int(1)?,
                            body: r.text(2)?,
                            url,
                            secret,
                        });
                    }
                    // The integration was switched off: nothing will take these.
                    _ => {
                        ctx.db.execute(
                            "UPDATE webhook_deliveries SET state = 'failed', last_error = 'integration disabled', \
                             done_at = $1 WHERE id = $2",
                            params![ctx.now, id],
                        )?;
                    }
                }
            }
            Ok(due)
        })
        .await
}

async fn deliver(http: &reqwest::Client, d: &Due) -> Result<(), String> {
    let ts = now_ms() / 1000;
    let resp = http
        .post(&d.url)
        .header("content-type", "application/json")
        .header("x-okno-timestamp", ts.to_string())
        .header("x-okno-signature", sign(&d.secret, ts, d.body.as_bytes()))
        .header("x-okno-delivery", d.id.to_string())
        .body(d.body.clone())
        .send()
        .await
        .map_err(|e| format!("request failed: {}", e.without_url()))?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!("answered {}", resp.status().as_u16()))
    }
}

/// The webhook client, built for the first delivery: building it reads the system's trusted
/// certificates (HTTPS endpoints), which a server with no webhooks, the desktop's embedded one
/// above all, never needs.
#[derive(Default)]
pub struct Client(std::sync::OnceLock<reqwest::Client>);

impl Client {
    fn get(&self) -> Result<&reqwest::Client, String> {
        if let Some(c) = self.0.get() {
            return Ok(c);
        }
        let built = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the webhook client: {e}"))?;
        Ok(self.0.get_or_init(|| built))
    }
}

/// One round: claim, send, record. Returns how many were attempted.
pub async fn run_once(state: &AppState, client: &Client) -> ApiResult<usize> {
    let due = claim(state).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let n = due.len();
    let results = match client.get() {
        Ok(http) => futures_util::future::join_all(due.iter().map(|d| deliver(http, d))).await,
        Err(e) => due.iter().map(|_| Err(e.clone())).collect(),
    };
    let base = state.config.webhook_retry_base.as_millis() as i64;
    let max = i64::from(state.config.webhook_max_attempts);
    let outcomes: Vec<(i64, i64, Result<(), String>)> = due
        .iter()
        .zip(results)
        .map(|(d, r)| (d.id, d.attempts + 1, r))
        .collect();
    for (id, attempt, r) in &outcomes {
        match r {
            Ok(()) => tracing::info!(delivery = id, attempt, "webhook delivered"),
            Err(e) => tracing::warn!(delivery = id, attempt, error = %e, "webhook delivery failed"),
        }
    }
    state
        .store
        .write(move |ctx| {
            for (id, attempt, r) in &outcomes {
                match r {
                    Ok(()) => ctx.db.execute(
                        "UPDATE webhook_deliveries SET state = 'delivered', attempts = $1, done_at = $2, \
                         last_error = NULL WHERE id = $3",
                        params![*attempt, ctx.now, *id],
                    )?,
                    Err(e) if *attempt >= max => ctx.db.execute(
                        "UPDATE webhook_deliveries SET state = 'failed', attempts = $1, done_at = $2, \
                         last_error = $3 WHERE id = $4",
                        params![*attempt, ctx.now, e.as_str(), *id],
                    )?,
                    Err(e) => {
                        let backoff = base
                            .saturating_mul(1i64 << (attempt - 1).clamp(0, 30))
                            .min(3_600_000);
                        ctx.db.execute(
                            "UPDATE webhook_deliveries SET attempts = $1, next_at = $2, last_error = $3 \
                             WHERE id = $4",
                            params![*attempt, ctx.now + backoff, e.as_str(), *id],
                        )?
                    }
                };
            }
            Ok(())
        })
        .await?;
    Ok(n)
}

/// The delivery worker: runs when woken (a new delivery) and at least every `poll`.
pub fn spawn_worker(state: Arc<AppState>) {
    let weak = Arc::downgrade(&state);
    let poll = state.config.webhook_poll;
    drop(state);
    tokio::spawn(async move {
        let http = Client::default();
        loop {
            let Some(state) = weak.upgrade() else { break };
            let n = match run_once(&state, &http).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook round failed");
                    0
                }
            };
            if n as i64 == BATCH {
                continue;
            }
            let notify = state.webhooks.notify.clone();
            drop(state);
            let _ = tokio::time::timeout(poll, notify.notified()).await;
        }
    });
}

// ------------------------------------------------------------------------------ admin

fn integration(ctx: &mut dyn crate::db::Db, line: LineId) -> ApiResult<Integration> {
    let r = ctx
        .query_opt(
            "SELECT webhook_url, webhook_enabled FROM line_automation \
             WHERE line_id = $1 AND webhook_url IS NOT NULL",
            params![line],
        )?
        .ok_or(AppError::NotFound("integration"))?;
    let count = |db: &mut dyn crate::db::Db, st: &str| -> ApiResult<i64> {
        Ok(db
            .query_one(
                "SELECT COUNT(*) FROM webhook_deliveries WHERE line_id = $1 AND state = $2",
                params![line, st],
            )?
            .int(0)?)
    };
    Ok(Integration {
        line_id: line,
        url: r.text(0)?,
        enabled: r.bool(1)?,
        secret: None,
        api_token: None,
        pending: count(ctx, "pending")?,
        failed: count(ctx, "failed")?,
    })
}

/// New secret and token for the line (only their hash is kept for the token).
fn rotate_secrets(ctx: &mut WriteCtx<'_>, line: LineId) -> ApiResult<(String, String)> {
    let secret = random_token(32);
    let token = format!("okl_{}", random_token(32));
    ctx.db.execute(
        "UPDATE line_automation SET webhook_secret = $1, api_token_hash = $2 WHERE line_id = $3",
        params![&secret, token_hash(&token), line],
    )?;
    Ok((secret, token))
}

#[utoipa::path(get, path = "/api/v1/lines/{id}/integration", tag = "integration", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    responses((status = 200, body = Integration), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
/// The line's integration with the company's own system (the company's admins).
pub async fn get_integration(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Integration>> {
    let line = LineId(id);
    Ok(Json(
        state
            .store
            .read(move |db| {
                line_admin(db, auth.user, line)?;
                integration(db, line)
            })
            .await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/lines/{id}/integration", tag = "integration", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    request_body = IntegrationInput,
    responses((status = 200, description = "the first time with its `secret` and `api_token`", body = Integration),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
/// Points the line's webhook at the company's system and switches it on or off (admins). The
/// first time, the answer carries the signing secret and the line API token: keep them.
pub async fn put_integration(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<IntegrationInput>,
) -> ApiResult<Json<Integration>> {
    let url = input.url.trim().to_owned();
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://"))
        || url.len() > 2000
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(AppError::invalid("url must be an http(s) URL"));
    }
    let line = LineId(id);
    let out = state
        .store
        .write(move |ctx| {
            let company = line_admin(ctx.db, auth.user, line)?;
            ctx.db.execute(
                "INSERT INTO line_automation (line_id, webhook_url, webhook_enabled) VALUES ($1, $2, $3) \
                 ON CONFLICT (line_id) DO UPDATE SET webhook_url = excluded.webhook_url, \
                 webhook_enabled = excluded.webhook_enabled",
                params![line, &url, input.enabled],
            )?;
            let has_secret = ctx
                .db
                .query_one(
                    "SELECT webhook_secret FROM line_automation WHERE line_id = $1",
                    params![line],
                )?
                .opt_text(0)?
                .is_some();
            let fresh = if has_secret {
                None
            } else {
                Some(rotate_secrets(ctx, line)?)
            };
            bot_user(ctx, line)?;
            emit_automation(ctx, line, company)?;
            let mut i = integration(ctx.db, line)?;
            if let Some((secret, token)) = fresh {
                i.secret = Some(secret);
                i.api_token = Some(token);
            }
            Ok(i)
        })
        .await?;
    state.webhooks.wake();
    Ok(Json(out))
}

#[utoipa::path(post, path = "/api/v1/lines/{id}/integration/rotate", tag = "integration", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    responses((status = 200, description = "with the new `secret` and `api_token`", body = Integration),
        (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// Replaces the signing secret and the line API token (admins); the old ones stop working.
pub async fn rotate(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Integration>> {
    let line = LineId(id);
    Ok(Json(
        state
            .store
            .write(move |ctx| {
                line_admin(ctx.db, auth.user, line)?;
                let mut i = integration(ctx.db, line)?;
                let (secret, token) = rotate_secrets(ctx, line)?;
                i.secret = Some(secret);
                i.api_token = Some(token);
                Ok(i)
            })
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/lines/{id}/integration", tag = "integration", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    responses((status = 204, description = "removed: no more deliveries, the token stops working"),
        (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// Removes the integration (admins): pending deliveries are dropped, the token stops working.
pub async fn delete_integration(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let line = LineId(id);
    state
        .store
        .write(move |ctx| {
            let company = line_admin(ctx.db, auth.user, line)?;
            integration(ctx.db, line)?;
            ctx.db.execute(
                "UPDATE line_automation SET webhook_url = NULL, webhook_enabled = 0, webhook_secret = NULL, \
                 api_token_hash = NULL WHERE line_id = $1",
                params![line],
            )?;
            ctx.db.execute(
                "UPDATE webhook_deliveries SET state = 'failed', last_error = 'integration removed', done_at = $1 \
                 WHERE line_id = $2 AND state = 'pending'",
                params![ctx.now, line],
            )?;
            emit_automation(ctx, line, company)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ------------------------------------------------------------------------------ line API

/// A caller holding a line's API token: the company's system, speaking as the line.
#[derive(Debug, Clone, Copy)]
pub struct LineAuth {
    pub line: LineId,
}

impl FromRequestParts<Arc<AppState>> for LineAuth {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, AppError> {
        let token = bearer(parts).ok_or(AppError::Unauthorized)?;
        if !token.starts_with("okl_") || token.len() > 200 {
            return Err(AppError::Unauthorized);
        }
        let hash = token_hash(token);
        let line = state
            .store
            .read(move |db| {
                db.query_opt(
                    "SELECT line_id FROM line_automation WHERE api_token_hash = $1",
                    params![hash],
                )?
                .map(|r| r.int(0))
                .transpose()
                .map_err(AppError::from)
            })
            .await?
            .ok_or(AppError::Unauthorized)?;
        Ok(LineAuth { line: LineId(line) })
    }
}

fn validate_buttons(buttons: &[ChatButton]) -> ApiResult<()> {
    if buttons.len() > MAX_BUTTONS {
        return Err(AppError::invalid(format!("at most {MAX_BUTTONS} buttons")));
    }
    let mut ids = std::collections::HashSet::new();
    for b in buttons {
        if b.id.is_empty() || b.id.len() > 100 || b.id.chars().any(char::is_control) {
            return Err(AppError::invalid(
                "a button id must have 1 to 100 characters",
            ));
        }
        if !ids.insert(b.id.as_str()) {
            return Err(AppError::invalid(format!(
                "button id {:?} appears twice",
                b.id
            )));
        }
        crate::auth::clean_text("label", &b.label, 1, 100)?;
        if let Some(url) = &b.url {
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://"))
                || url.chars().any(|c| c.is_whitespace() || c.is_control())
                || url.len() > 2000
            {
                return Err(AppError::invalid("button links must be http(s) URLs"));
            }
        }
    }
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/line-api/chats/{id}/messages", tag = "integration", security(("line_token" = [])),
    params(("id" = i64, Path, description = "chat id (from a webhook)")),
    request_body = LineMessageRequest,
    responses((status = 201, body = Message), (status = 200, description = "repeated client_msg_id: the original", body = Message),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError)))]
/// The company's system answers in a chat of its line: text, files and buttons, as the line.
pub async fn line_post(
    State(state): State<Arc<AppState>>,
    auth: LineAuth,
    Path(id): Path<i64>,
    Json(req): Json<LineMessageRequest>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    validate_send(&req.text, &req.file_ids)?;
    validate_buttons(&req.buttons)?;
    let chat = ChatId(id);
    let (message, created) = state
        .store
        .write(move |ctx| {
            let c = chats::load_chat(ctx.db, chat)?;
            if c.line != auth.line {
                return Err(AppError::NotFound("chat"));
            }
            let bot = bot_user(ctx, auth.line)?;
            let client_id = req.client_msg_id.to_string();
            if let Some(r) = ctx.db.query_opt(
                "SELECT id FROM messages WHERE sender_id = $1 AND client_msg_id = $2",
                params![bot, &client_id],
            )? {
                let original = chats::load_message(ctx.db, MessageId(r.int(0)?))?;
                let files: Vec<FileId> = original.files.iter().map(|f| f.id).collect();
                if original.chat_id != chat || original.text != req.text || files != req.file_ids {
                    return Err(AppError::Conflict(
                        "this client_msg_id was already used for a different message".into(),
                    ));
                }
                return Ok((original, false));
            }
            let mut files = Vec::new();
            for fid in &req.file_ids {
                let r = ctx
                    .db
                    .query_opt(
                        &format!("SELECT {FILE_COLS}, f.uploader_id, f.message_id FROM files f WHERE f.id = $1"),
                        params![*fid],
                    )?
                    .filter(|r| r.int(6).ok() == Some(bot.0) && r.opt_int(7).ok() == Some(None))
                    .ok_or_else(|| AppError::invalid(format!("file {fid} is not an unsent upload of this line")))?;
                files.push(file_from_row(&r, 0)?);
            }
            let part = BotPart {
                source: BotSource::System,
                buttons: req.buttons.clone(),
                article_id: None,
            };
            let m = post_bot_with(ctx, chat, &req.text, &files, &part, Some(req.client_msg_id))?;
            for f in &files {
                ctx.db.execute(
                    "UPDATE files SET chat_id = $1, message_id = $2 WHERE id = $3",
                    params![chat, m.id, f.id],
                )?;
            }
            Ok((m, true))
        })
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(message)))
}

#[utoipa::path(post, path = "/api/v1/line-api/files", tag = "integration", security(("line_token" = [])),
    params(crate::files::UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the file's bytes"),
    responses((status = 201, body = FileMeta), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 413, body = ApiError)))]
/// Uploads a file for the line's next message (the company's system).
pub async fn line_upload(
    State(state): State<Arc<AppState>>,
    auth: LineAuth,
    Query(q): Query<crate::files::UploadQuery>,
    body: Body,
) -> ApiResult<(StatusCode, Json<FileMeta>)> {
    let line = auth.line;
    let bot = state.store.write(move |ctx| bot_user(ctx, line)).await?;
    let meta = crate::files::store_upload(&state, bot, &q.name, body).await?;
    Ok((StatusCode::CREATED, Json(meta)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_expire() {
        let body = br#"{"type":"message"}"#;
        let sig = sign("s3cret", 1_700_000_000, body);
        assert!(sig.starts_with("v1="));
        assert!(verify("s3cret", "1700000000", &sig, body, 1_700_000_100));
        assert!(!verify("other", "1700000000", &sig, body, 1_700_000_100));
        assert!(!verify("s3cret", "1700000000", &sig, b"{}", 1_700_000_100));
        assert!(!verify("s3cret", "1700000001", &sig, body, 1_700_000_100));
        assert!(!verify(
            "s3cret",
            "1700000000",
            &sig,
            body,
            1_700_000_000 + MAX_SKEW_SECS + 1
        ));
        assert!(!verify("s3cret", "x", &sig, body, 1_700_000_000));
    }
}
