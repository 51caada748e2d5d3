//! Chats per (user, line): messages, idempotent sends, history paging both ways, read markers,
//! unread counts, and the automatic registration of a ticket.

use crate::access;
use crate::auth::Auth;
use crate::db::{Db, Row};
use crate::error::{ApiResult, AppError, Json, Path, Query};
use crate::files::{file_from_row, FILE_COLS};
use crate::store::WriteCtx;
use crate::{params, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use okno_proto::*;
use serde::Deserialize;
use std::sync::Arc;

/// What a caller may know about a chat they can access.
#[derive(Debug, Clone, Copy)]
pub struct ChatRef {
    pub id: ChatId,
    pub user: UserId,
    pub line: LineId,
    pub company: CompanyId,
    pub last_seq: i64,
    pub open_ticket: Option<TicketId>,
    /// The caller works for the line's company (rather than being the chat's user).
    pub as_staff: bool,
    /// The chat's user is connected to the line: only then do they receive its events.
    pub user_active: bool,
}

/// The chat, if the caller is its user with an active connection, or works for the company.
/// Anyone else gets `NotFound`: other tenants cannot even learn that it exists.
pub fn chat_access(db: &mut dyn Db, caller: UserId, chat: ChatId) -> ApiResult<ChatRef> {
    let c = load_chat(db, chat)?;
    if c.user == caller && c.user_active {
        return Ok(c);
    }
    if access::is_staff(db, caller, c.company)? {
        return Ok(ChatRef {
            as_staff: true,
            ..c
        });
    }
    Err(AppError::NotFound("chat"))
}

/// The chat, with no access check (`as_staff` false).
pub(crate) fn load_chat(db: &mut dyn Db, chat: ChatId) -> ApiResult<ChatRef> {
    let r = db
        .query_opt(
            "SELECT ch.id, ch.user_id, ch.line_id, ch.company_id, ch.last_seq, ch.open_ticket_id, \
             (SELECT cn.state FROM connections cn WHERE cn.user_id = ch.user_id AND cn.line_id = ch.line_id) \
             FROM chats ch WHERE ch.id = $1",
            params![chat],
        )?
        .ok_or(AppError::NotFound("chat"))?;
    Ok(ChatRef {
        id: ChatId(r.int(0)?),
        user: UserId(r.int(1)?),
        line: LineId(r.int(2)?),
        company: CompanyId(r.int(3)?),
        last_seq: r.int(4)?,
        open_ticket: r.opt_int(5)?.map(TicketId),
        as_staff: false,
        user_active: r.opt_text(6)?.as_deref() == Some("active"),
    })
}

/// Who sees a chat's messages: the company's staff, and its user while connected.
pub(crate) fn recipients(db: &mut dyn Db, c: &ChatRef) -> ApiResult<Vec<UserId>> {
    let mut to = access::staff_of(db, c.company)?;
    if c.user_active {
        to.push(c.user);
    }
    Ok(to)
}

const MSG_SELECT: &str =
    "SELECT m.id, m.chat_id, m.seq, m.sender_id, COALESCE(u.display_name, ''), m.kind, \
     m.text, m.files, m.notice, m.client_msg_id, m.created_at, m.extra \
     FROM messages m LEFT JOIN users u ON u.id = m.sender_id";

fn kind_str(k: MessageKind) -> &'static str {
    match k {
        MessageKind::Text => "text",
        MessageKind::File => "file",
        MessageKind::Notice => "notice",
    }
}

pub fn message_from_row(r: &Row) -> ApiResult<Message> {
    let kind = match r.text(5)?.as_str() {
        "text" => MessageKind::Text,
        "file" => MessageKind::File,
        "notice" => MessageKind::Notice,
        other => return Err(AppError::internal(format!("unknown message kind {other}"))),
    };
    Ok(Message {
        id: MessageId(r.int(0)?),
        chat_id: ChatId(r.int(1)?),
        seq: r.int(2)?,
        sender_id: r.opt_int(3)?.map(UserId),
        sender_name: r.text(4)?,
        kind,
        text: r.text(6)?,
        files: serde_json::from_str(&r.text(7)?).map_err(AppError::internal)?,
        notice: r
            .opt_text(8)?
            .map(|n| serde_json::from_str(&n))
            .transpose()
            .map_err(AppError::internal)?,
        client_msg_id: r
            .opt_text(9)?
            .map(|s| s.parse())
            .transpose()
            .map_err(AppError::internal)?,
        created_at: r.int(10)?,
        bot: r
            .opt_text(11)?
            .map(|b| serde_json::from_str(&b))
            .transpose()
            .map_err(AppError::internal)?,
    })
}

pub use crate::routing::{load_ticket, ticket_from_row};

/// One message by id.
pub fn load_message(db: &mut dyn Db, id: MessageId) -> ApiResult<Message> {
    let r = db
        .query_opt(&format!("{MSG_SELECT} WHERE m.id = $1"), params![id])?
        .ok_or(AppError::NotFound("message"))?;
    message_from_row(&r)
}

/// The chat's user, if connected (then they receive its events).
pub fn active_user(db: &mut dyn Db, chat: ChatId) -> ApiResult<Option<UserId>> {
    let c = load_chat(db, chat)?;
    Ok(c.user_active.then_some(c.user))
}

/// Checks a send request's shape before any database work.
pub fn validate_send(text: &str, file_ids: &[FileId]) -> ApiResult<()> {
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(AppError::invalid(format!(
            "a message may have at most {MAX_MESSAGE_CHARS} characters"
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(AppError::invalid("the text contains control characters"));
    }
    if text.trim().is_empty() && file_ids.is_empty() {
        return Err(AppError::invalid("the message is empty"));
    }
    if file_ids.len() > MAX_MESSAGE_FILES {
        return Err(AppError::invalid(format!(
            "at most {MAX_MESSAGE_FILES} files per message"
        )));
    }
    let mut seen = file_ids.to_vec();
    seen.sort();
    seen.dedup();
    if seen.len() != file_ids.len() {
        return Err(AppError::invalid("a file is attached twice"));
    }
    Ok(())
}

pub(crate) struct NewMessage<'a> {
    pub chat: &'a ChatRef,
    pub seq: i64,
    pub sender: Option<UserId>,
    pub kind: MessageKind,
    pub text: &'a str,
    pub files: &'a [FileMeta],
    pub notice: Option<&'a Notice>,
    pub client_msg_id: Option<uuid::Uuid>,
    pub bot: Option<&'a BotPart>,
}

pub(crate) fn insert_message(
    ctx: &mut WriteCtx<'_>,
    m: NewMessage<'_>,
    recipients: &[UserId],
) -> ApiResult<Message> {
    let message = insert_row(ctx, &m)?
        .ok_or_else(|| AppError::internal("a message without a client id conflicted"))?;
    emit_created(ctx, &message, recipients)?;
    Ok(message)
}

/// Inserts the message row; `None` when the sender already used its `client_msg_id` (nothing
/// is stored then). The sender's name comes back with the insert: one statement.
fn insert_row(ctx: &mut WriteCtx<'_>, m: &NewMessage<'_>) -> ApiResult<Option<Message>> {
    let files_json = serde_json::to_string(m.files).map_err(AppError::internal)?;
    let notice_json = m
        .notice
        .map(serde_json::to_string)
        .transpose()
        .map_err(AppError::internal)?;
    let bot_json = m
        .bot
        .map(serde_json::to_string)
        .transpose()
        .map_err(AppError::internal)?;
    let Some(row) = ctx.db.query_opt(
        "INSERT INTO messages (chat_id, seq, sender_id, kind, text, files, notice, client_msg_id, created_at, extra) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (sender_id, client_msg_id) DO NOTHING \
         RETURNING id, COALESCE((SELECT display_name FROM users WHERE id = $3), '')",
        params![
            m.chat.id,
            m.seq,
            m.sender,
            kind_str(m.kind),
            m.text,
            files_json,
            notice_json,
            m.client_msg_id.map(|u| u.to_string()),
            ctx.now,
            bot_json
        ],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(Message {
        id: MessageId(row.int(0)?),
        chat_id: m.chat.id,
        seq: m.seq,
        sender_id: m.sender,
        sender_name: row.text(1)?,
        kind: m.kind,
        text: m.text.to_owned(),
        files: m.files.to_vec(),
        notice: m.notice.cloned(),
        client_msg_id: m.client_msg_id,
        created_at: ctx.now,
        bot: m.bot.cloned(),
    }))
}

fn emit_created(ctx: &mut WriteCtx<'_>, message: &Message, recipients: &[UserId]) -> ApiResult<()> {
    ctx.emit_many(
        recipients,
        &EventBody::MessageCreated {
            message: message.clone(),
        },
    )
}

/// The message `sender` already sent under this `client_msg_id`, if any. The same id with a
/// different chat, text or files is a conflict.
fn find_sent(
    db: &mut dyn Db,
    sender: UserId,
    chat: ChatId,
    req: &SendMessageRequest,
) -> ApiResult<Option<Message>> {
    let Some(r) = db.query_opt(
        &format!("{MSG_SELECT} WHERE m.sender_id = $1 AND m.client_msg_id = $2"),
        params![sender, req.client_msg_id.to_string()],
    )?
    else {
        return Ok(None);
    };
    let original = message_from_row(&r)?;
    let same_files: Vec<FileId> = original.files.iter().map(|f| f.id).collect();
    if original.chat_id != chat || original.text != req.text || same_files != req.file_ids {
        return Err(AppError::Conflict(
            "this client_msg_id was already used for a different message".into(),
        ));
    }
    Ok(Some(original))
}

/// What a send stored, and what the line's bot has to do about it afterwards.
pub struct Sent {
    pub message: Message,
    /// False when this `client_msg_id` was sent before (the original is returned).
    pub created: bool,
    /// The chat's ticket is with the line's bot: it answers after this commits.
    pub bot_turn: Option<crate::bot::Turn>,
}

/// Stores a message; the same `client_msg_id` from the same sender returns the original.
/// Returns the message and whether it is new.
pub fn send_message(
    ctx: &mut WriteCtx<'_>,
    sender: UserId,
    chat: ChatId,
    req: &SendMessageRequest,
) -> ApiResult<(Message, bool)> {
    let sent = send_message_ext(ctx, sender, chat, req)?;
    Ok((sent.message, sent.created))
}

/// [`send_message`], telling also whether the line's bot is to answer.
pub fn send_message_ext(
    ctx: &mut WriteCtx<'_>,
    sender: UserId,
    chat: ChatId,
    req: &SendMessageRequest,
) -> ApiResult<Sent> {
    // A repeated send returns the original. That is looked up only when something stands in
    // the way of storing a new message (access lost, files already sent, the insert
    // conflicting), so a new message costs no extra query.
    let repeated = |db: &mut dyn Db, e: AppError| match find_sent(db, sender, chat, req)? {
        Some(original) => Ok(Sent {
            message: original,
            created: false,
            bot_turn: None,
        }),
        None => Err(e),
    };
    let c = match chat_access(ctx.db, sender, chat) {
        Ok(c) => c,
        Err(e) => return repeated(ctx.db, e),
    };
    let mut files = Vec::with_capacity(req.file_ids.len());
    for fid in &req.file_ids {
        let r = ctx
            .db
            .query_opt(
                &format!(
                    "SELECT {FILE_COLS}, f.uploader_id, f.message_id FROM files f WHERE f.id = $1"
                ),
                params![*fid],
            )?
            .filter(|r| r.int(6).ok() == Some(sender.0));
        let Some(r) = r else {
            let e = AppError::invalid(format!("file {fid} is not one of your uploads"));
            return repeated(ctx.db, e);
        };
        if r.opt_int(7)?.is_some() {
            let e = AppError::invalid(format!("file {fid} was already sent"));
            return repeated(ctx.db, e);
        }
        files.push(file_from_row(&r, 0)?);
    }
    let seq = c.last_seq + 1;
    let inserted = insert_row(
        ctx,
        &NewMessage {
            chat: &c,
            seq,
            sender: Some(sender),
            kind: if files.is_empty() {
                MessageKind::Text
            } else {
                MessageKind::File
            },
            text: &req.text,
            files: &files,
            notice: None,
            client_msg_id: Some(req.client_msg_id),
            bot: None,
        },
    )?;
    let Some(message) = inserted else {
        let e = AppError::internal("client_msg_id conflicted, but no original was found");
        return repeated(ctx.db, e);
    };
    let recipients = recipients(ctx.db, &c)?;
    emit_created(ctx, &message, &recipients)?;
    for f in &files {
        ctx.db.execute(
            "UPDATE files SET chat_id = $1, message_id = $2 WHERE id = $3",
            params![c.id, message.id, f.id],
        )?;
    }
    let mut last = seq;
    let mut new_ticket = None;
    // A line answered by its bot keeps the user's tickets with the bot until it hands them over.
    let auto = if c.as_staff {
        None
    } else {
        crate::bot::line_settings(ctx.db, c.line)?
    };
    let bot_mode = auto
        .as_ref()
        .map(|a| a.mode)
        .filter(|m| *m != BotMode::Specialists);
    let mut bot_ticket = None;
    if !c.as_staff && c.open_ticket.is_none() {
        last += 1;
        let ticket = register_ticket(ctx, &c, last, &recipients, bot_mode.is_some())?;
        if bot_mode.is_some() {
            bot_ticket = Some(ticket);
        } else {
            new_ticket = Some(ticket);
        }
    } else if let (Some(_), Some(open)) = (bot_mode, c.open_ticket) {
        let with_bot = ctx
            .db
            .query_opt(
                "SELECT 1 FROM tickets WHERE id = $1 AND state = 'bot'",
                params![open],
            )?
            .is_some();
        if with_bot {
            bot_ticket = Some(open);
        }
    }
    if auto.as_ref().is_some_and(|a| a.webhook) {
        crate::webhooks::enqueue_message(ctx, c.line, c.user, &message)?;
    }
    ctx.db.execute(
        "UPDATE chats SET last_seq = $1, last_message_at = $2 WHERE id = $3",
        params![last, ctx.now, c.id],
    )?;
    advance_read(ctx, c.id, sender, seq)?;
    if let Some(ticket) = new_ticket {
        // After the chat's position is stored: routing appends its own notices.
        crate::routing::route_new(ctx, ticket)?;
    }
    let bot_turn = match (bot_ticket, bot_mode) {
        (Some(ticket), Some(mode)) => Some(crate::bot::Turn {
            chat: c.id,
            line: c.line,
            ticket,
            mode,
            text: req.text.clone(),
        }),
        _ => None,
    };
    Ok(Sent {
        message,
        created: true,
        bot_turn,
    })
}

/// Opens a ticket for the chat (waiting, until routing decides) and puts a notice at position
/// `seq`. Routing (`routing::route_new`) follows once the chat's position is stored.
pub(crate) fn register_ticket(
    ctx: &mut WriteCtx<'_>,
    c: &ChatRef,
    seq: i64,
    recipients: &[UserId],
    with_bot: bool,
) -> ApiResult<TicketId> {
    let number = ctx
        .db
        .query_one(
            "UPDATE companies SET ticket_seq = ticket_seq + 1 WHERE id = $1 RETURNING ticket_seq",
            params![c.company],
        )?
        .int(0)?;
    let id = TicketId(
        ctx.db
            .query_one(
                "INSERT INTO tickets (company_id, line_id, chat_id, user_id, number, state, opened_at, queued_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                params![
                    c.company,
                    c.line,
                    c.id,
                    c.user,
                    number,
                    if with_bot { "bot" } else { "queued" },
                    ctx.now,
                    (!with_bot).then_some(ctx.now)
                ],
            )?
            .int(0)?,
    );
    ctx.db.execute(
        "UPDATE chats SET open_ticket_id = $1 WHERE id = $2",
        params![id, c.id],
    )?;
    let notice = Notice::TicketRegistered {
        ticket_id: id,
        number,
    };
    insert_message(
        ctx,
        NewMessage {
            chat: c,
            seq,
            sender: None,
            kind: MessageKind::Notice,
            text: "",
            files: &[],
            notice: Some(&notice),
            client_msg_id: None,
            bot: None,
        },
        recipients,
    )?;
    tracing::info!(ticket = %id, number, "ticket registered");
    Ok(id)
}

/// `mark_read` without reading the marker back: no `RETURNING`, which SQLite runs through a
/// temporary table (the send path moves the sender's marker on every message).
fn advance_read(ctx: &mut WriteCtx<'_>, chat: ChatId, reader: UserId, seq: i64) -> ApiResult<()> {
    ctx.db.execute(
        "INSERT INTO chat_reads (chat_id, user_id, seq) VALUES ($1, $2, $3) \
         ON CONFLICT (chat_id, user_id) DO UPDATE SET seq = excluded.seq \
         WHERE excluded.seq > chat_reads.seq",
        params![chat, reader, seq],
    )?;
    Ok(())
}

/// Moves the reader's marker forward (never back); returns the marker.
fn mark_read(ctx: &mut WriteCtx<'_>, chat: ChatId, reader: UserId, seq: i64) -> ApiResult<i64> {
    Ok(ctx
        .db
        .query_one(
            "INSERT INTO chat_reads (chat_id, user_id, seq) VALUES ($1, $2, $3) \
             ON CONFLICT (chat_id, user_id) DO UPDATE SET seq = \
             CASE WHEN excluded.seq > chat_reads.seq THEN excluded.seq ELSE chat_reads.seq END \
             RETURNING seq",
            params![chat, reader, seq],
        )?
        .int(0)?)
}

#[utoipa::path(post, path = "/api/v1/chats/{id}/messages", tag = "chats", security(("bearer" = [])),
    params(("id" = i64, Path, description = "chat id")),
    request_body = SendMessageRequest,
    responses((status = 201, description = "stored durably", body = Message),
        (status = 200, description = "this client_msg_id was sent before: the original", body = Message),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError)))]
pub async fn post_message(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(req): Json<SendMessageRequest>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    let (message, created) = send(&state, auth.user, ChatId(id), req).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(message)))
}

/// Validates and stores a message (HTTP and WebSocket sends both come here).
pub async fn send(
    state: &AppState,
    sender: UserId,
    chat: ChatId,
    req: SendMessageRequest,
) -> ApiResult<(Message, bool)> {
    validate_send(&req.text, &req.file_ids)?;
    let sent = state
        .store
        .write(move |ctx| send_message_ext(ctx, sender, chat, &req))
        .await?;
    if let Some(turn) = sent.bot_turn {
        // The message is stored and acknowledged either way; the bot answers just after it.
        if let Err(e) = crate::bot::take_turn(state, turn).await {
            tracing::warn!(chat = %chat, error = %e, "the line's bot could not answer");
        }
    }
    if sent.created {
        state.webhooks.wake();
    }
    Ok((sent.message, sent.created))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct HistoryQuery {
    /// Messages before this chat position (older). Without `before` or `after`: the newest.
    pub before: Option<i64>,
    /// Messages after this chat position (newer).
    pub after: Option<i64>,
    /// 1 to 200; 50 by default.
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/chats/{id}/messages", tag = "chats", security(("bearer" = [])),
    params(("id" = i64, Path, description = "chat id"), HistoryQuery),
    responses((status = 200, body = MessagePage), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn history(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Json<MessagePage>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::invalid("limit must be 1 to 200"));
    }
    if q.before.is_some() && q.after.is_some() {
        return Err(AppError::invalid("give before or after, not both"));
    }
    let chat = ChatId(id);
    let page = state
        .store
        .read(move |db| {
            chat_access(db, auth.user, chat)?;
            let (rows, newer) = match q.after {
                Some(after) => (
                    db.query(
                        &format!("{MSG_SELECT} WHERE m.chat_id = $1 AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3"),
                        params![chat, after, limit + 1],
                    )?,
                    true,
                ),
                None => (
                    db.query(
                        &format!("{MSG_SELECT} WHERE m.chat_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3"),
                        params![chat, q.before.unwrap_or(i64::MAX), limit + 1],
                    )?,
                    false,
                ),
            };
            let has_more = rows.len() as i64 > limit;
            let mut messages = rows
                .iter()
                .take(limit as usize)
                .map(message_from_row)
                .collect::<ApiResult<Vec<_>>>()?;
            if !newer {
                messages.reverse();
            }
            Ok(MessagePage { messages, has_more })
        })
        .await?;
    Ok(Json(page))
}

#[utoipa::path(post, path = "/api/v1/chats/{id}/read", tag = "chats", security(("bearer" = [])),
    params(("id" = i64, Path, description = "chat id")),
    request_body = ReadRequest,
    responses((status = 200, body = ChatSummary), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn read_up_to(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(req): Json<ReadRequest>,
) -> ApiResult<Json<ChatSummary>> {
    let chat = ChatId(id);
    let summary = state
        .store
        .write(move |ctx| {
            let c = chat_access(ctx.db, auth.user, chat)?;
            if req.seq < 0 || req.seq > c.last_seq {
                return Err(AppError::invalid(format!(
                    "seq must be 0 to {}",
                    c.last_seq
                )));
            }
            let seq = mark_read(ctx, chat, auth.user, req.seq)?;
            ctx.emit(auth.user, &EventBody::ChatRead { chat_id: chat, seq })?;
            chat_summary(ctx.db, auth.user, chat)
        })
        .await?;
    Ok(Json(summary))
}

const SUMMARY_SELECT: &str = "SELECT ch.id, ch.line_id, ch.user_id, u.display_name, ch.last_seq, \
     ch.last_message_at, COALESCE(r.seq, 0), ch.open_ticket_id \
     FROM chats ch JOIN users u ON u.id = ch.user_id \
     LEFT JOIN chat_reads r ON r.chat_id = ch.id AND r.user_id = $1";

fn summary_from_row(db: &mut dyn Db, viewer: UserId, r: &Row) -> ApiResult<ChatSummary> {
    let id = ChatId(r.int(0)?);
    let read_seq = r.int(6)?;
    let unread = db
        .query_one(
            "SELECT COUNT(*) FROM messages WHERE chat_id = $1 AND seq > $2 AND kind <> 'notice' \
             AND sender_id <> $3",
            params![id, read_seq, viewer],
        )?
        .int(0)?;
    let open_ticket = r
        .opt_int(7)?
        .map(|t| load_ticket(db, TicketId(t)))
        .transpose()?;
    let last_seq = r.int(4)?;
    let last_message = if last_seq > 0 {
        db.query_opt(
            &format!("{MSG_SELECT} WHERE m.chat_id = $1 AND m.seq = $2"),
            params![id, last_seq],
        )?
        .map(|m| message_from_row(&m).map(Box::new))
        .transpose()?
    } else {
        None
    };
    Ok(ChatSummary {
        id,
        line_id: LineId(r.int(1)?),
        user_id: UserId(r.int(2)?),
        user_display_name: r.text(3)?,
        last_seq,
        last_message_at: r.opt_int(5)?,
        last_message,
        read_seq,
        unread,
        open_ticket,
    })
}

pub fn chat_summary(db: &mut dyn Db, viewer: UserId, chat: ChatId) -> ApiResult<ChatSummary> {
    let r = db.query_one(
        &format!("{SUMMARY_SELECT} WHERE ch.id = $2"),
        params![viewer, chat],
    )?;
    summary_from_row(db, viewer, &r)
}

/// The chats of the user's active connections.
pub fn user_chats(db: &mut dyn Db, user: UserId) -> ApiResult<Vec<ChatSummary>> {
    let rows = db.query(
        &format!(
            "{SUMMARY_SELECT} WHERE ch.user_id = $1 AND EXISTS (SELECT 1 FROM connections cn \
             WHERE cn.user_id = ch.user_id AND cn.line_id = ch.line_id AND cn.state = 'active') \
             ORDER BY COALESCE(ch.last_message_at, 0) DESC, ch.id"
        ),
        params![user],
    )?;
    rows.iter().map(|r| summary_from_row(db, user, r)).collect()
}

#[utoipa::path(get, path = "/api/v1/chats", tag = "chats", security(("bearer" = [])),
    responses((status = 200, description = "the chats of the caller's connected lines", body = Vec<ChatSummary>),
        (status = 401, body = ApiError)))]
pub async fn my_chats(
    State(state): State<Arc<AppState>>,
    auth: Auth,
) -> ApiResult<Json<Vec<ChatSummary>>> {
    Ok(Json(
        state
            .store
            .read(move |db| user_chats(db, auth.user))
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/chats/{id}", tag = "chats", security(("bearer" = [])),
    params(("id" = i64, Path, description = "chat id")),
    responses((status = 200, body = ChatSummary), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_chat(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<ChatSummary>> {
    let chat = ChatId(id);
    let summary = state
        .store
        .read(move |db| {
            chat_access(db, auth.user, chat)?;
            chat_summary(db, auth.user, chat)
        })
        .await?;
    Ok(Json(summary))
}

#[utoipa::path(get, path = "/api/v1/companies/{id}/chats", tag = "chats", security(("bearer" = [])),
    params(("id" = i64, Path, description = "company id")),
    responses((status = 200, description = "the company's chats, newest activity first (at most 500)", body = Vec<ChatSummary>),
        (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn company_chats(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<ChatSummary>>> {
    let company = CompanyId(id);
    let list = state
        .store
        .read(move |db| {
            access::require_staff(db, auth.user, company)?;
            let rows = db.query(
                &format!(
                    "{SUMMARY_SELECT} WHERE ch.company_id = $2 AND ch.last_seq > 0 \
                     ORDER BY COALESCE(ch.last_message_at, 0) DESC, ch.id LIMIT 500"
                ),
                params![auth.user, company],
            )?;
            rows.iter()
                .map(|r| summary_from_row(db, auth.user, r))
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(list))
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "chats", security(("bearer" = [])),
    params(("id" = i64, Path, description = "ticket id")),
    responses((status = 200, body = Ticket), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_ticket(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Ticket>> {
    let ticket = state
        .store
        .read(move |db| {
            let t = load_ticket(db, TicketId(id))?;
            chat_access(db, auth.user, t.chat_id).map_err(|_| AppError::NotFound("ticket"))?;
            Ok(t)
        })
        .await?;
    Ok(Json(ticket))
}

/// Appends a system notice to a chat (the next position) and tells its user and staff.
pub fn post_notice(ctx: &mut WriteCtx<'_>, chat: ChatId, notice: &Notice) -> ApiResult<Message> {
    let c = ChatRef {
        as_staff: true,
        ..load_chat(ctx.db, chat)?
    };
    let recipients = recipients(ctx.db, &c)?;
    let seq = c.last_seq + 1;
    let message = insert_message(
        ctx,
        NewMessage {
            chat: &c,
            seq,
            sender: None,
            kind: MessageKind::Notice,
            text: "",
            files: &[],
            notice: Some(notice),
            client_msg_id: None,
            bot: None,
        },
        &recipients,
    )?;
    ctx.db.execute(
        "UPDATE chats SET last_seq = $1, last_message_at = $2 WHERE id = $3",
        params![seq, ctx.now, chat],
    )?;
    Ok(message)
}
