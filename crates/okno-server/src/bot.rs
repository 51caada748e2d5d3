//! The line's bot and its digital menu.
//!
//! Each line that answers by itself gets a bot account (`users.login = '#bot-<line>'`, which no
//! registration can take and no password opens) whose messages carry a [`BotPart`]: buttons and
//! the article they answer with. Tickets of bot-first and bot-only lines are registered in state
//! `bot`: the routing leaves them alone until the bot hands them over (`queued`, then the usual
//! routing with its notices) or closes them (the user said the answer helped).
//!
//! * A user's message on such a ticket → [`take_turn`]: the best article, if the index is
//!   confident ([`crate::kb_index::BOT_CONFIDENCE`]), as the bot's answer with "Helped" /
//!   "Did not help" / "Call a specialist"; otherwise bot-first hands the ticket to the queue and
//!   bot-only asks to rephrase (and shows the menu when there is one).
//! * A pressed button ([`press`]) is the user's message with the button's label, followed by
//!   what the button does. Usefulness is counted once per answer (`bot_feedback`).
//! * A clicked hint ([`pick_hint`]): the question as the user's message and the article as the
//!   bot's answer, at once.
//! * The menu is read from the database at every press, so an edit takes effect at once.

use crate::auth::Auth;
use crate::chats::{self, insert_message, load_chat, recipients, ChatRef, NewMessage};
use crate::db::Db;
use crate::error::{ApiResult, AppError, Json, Path};
use crate::files::{file_from_row, FILE_COLS};
use crate::kb::{self, line_admin, line_staff};
use crate::store::WriteCtx;
use crate::{access, params, routing, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use okno_proto::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub const HELPED: &str = "helped";
pub const NOT_HELPED: &str = "not_helped";
pub const SPECIALIST: &str = "specialist";
const MENU_PREFIX: &str = "m:";
pub const MAX_MENU_ITEMS: usize = 500;

/// The bot's part of a user's message that just committed.
#[derive(Debug, Clone)]
pub struct Turn {
    pub chat: ChatId,
    pub line: LineId,
    pub ticket: TicketId,
    pub mode: BotMode,
    pub text: String,
}

/// What the send path needs to know about a line.
pub struct LineSettings {
    pub mode: BotMode,
    pub webhook: bool,
}

pub fn line_settings(db: &mut dyn Db, line: LineId) -> ApiResult<Option<LineSettings>> {
    db.query_opt(
        "SELECT bot_mode, webhook_enabled FROM line_automation WHERE line_id = $1",
        params![line],
    )?
    .map(|r| {
        Ok(LineSettings {
            mode: kb::parse_mode(&r.text(0)?)?,
            webhook: r.bool(1)?,
        })
    })
    .transpose()
}

/// The line's bot account, created on first use.
pub fn bot_user(ctx: &mut WriteCtx<'_>, line: LineId) -> ApiResult<UserId> {
    if let Some(id) = ctx
        .db
        .query_opt(
            "SELECT bot_user_id FROM line_automation WHERE line_id = $1",
            params![line],
        )?
        .and_then(|r| r.opt_int(0).ok().flatten())
    {
        return Ok(UserId(id));
    }
    let name = ctx
        .db
        .query_one("SELECT name FROM lines WHERE id = $1", params![line])?
        .text(0)?;
    // '#' is not allowed in logins, and '!' is no password hash: nobody signs in as the bot.
    let id = UserId(
        ctx.db
            .query_one(
                "INSERT INTO users (login, display_name, password_hash, created_at) \
                 VALUES ($1, $2, '!', $3) RETURNING id",
                params![format!("#bot-{line}"), name, ctx.now],
            )?
            .int(0)?,
    );
    ctx.db.execute(
        "INSERT INTO line_automation (line_id, bot_user_id) VALUES ($1, $2) \
         ON CONFLICT (line_id) DO UPDATE SET bot_user_id = excluded.bot_user_id",
        params![line, id],
    )?;
    Ok(id)
}

/// Whether to speak Russian: the text the reply is about is in Cyrillic.
fn ru(text: &str) -> bool {
    text.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
}

fn say(ru_: bool, ru_text: &str, en_text: &str) -> String {
    if ru_ { ru_text } else { en_text }.to_owned()
}

/// Appends a message from the line's bot to the chat.
pub fn post_bot(
    ctx: &mut WriteCtx<'_>,
    chat: ChatId,
    text: &str,
    files: &[FileMeta],
    part: &BotPart,
) -> ApiResult<Message> {
    post_bot_with(ctx, chat, text, files, part, None)
}

/// [`post_bot`] with an idempotency key (the line API's).
pub fn post_bot_with(
    ctx: &mut WriteCtx<'_>,
    chat: ChatId,
    text: &str,
    files: &[FileMeta],
    part: &BotPart,
    client_msg_id: Option<uuid::Uuid>,
) -> ApiResult<Message> {
    let c = ChatRef {
        as_staff: true,
        ..load_chat(ctx.db, chat)?
    };
    let to = recipients(ctx.db, &c)?;
    let bot = bot_user(ctx, c.line)?;
    let seq = c.last_seq + 1;
    let message = insert_message(
        ctx,
        NewMessage {
            chat: &c,
            seq,
            sender: Some(bot),
            kind: if files.is_empty() {
                MessageKind::Text
            } else {
                MessageKind::File
            },
            text,
            files,
            notice: None,
            client_msg_id,
            bot: Some(part),
        },
        &to,
    )?;
    ctx.db.execute(
        "UPDATE chats SET last_seq = $1, last_message_at = $2 WHERE id = $3",
        params![seq, ctx.now, chat],
    )?;
    Ok(message)
}

/// The user's own message (a choice or a hint's question) that registers no ticket.
fn post_user(
    ctx: &mut WriteCtx<'_>,
    c: &ChatRef,
    text: &str,
    client_msg_id: uuid::Uuid,
) -> ApiResult<Message> {
    let c = load_chat(ctx.db, c.id)?;
    let to = recipients(ctx.db, &c)?;
    let seq = c.last_seq + 1;
    let m = insert_message(
        ctx,
        NewMessage {
            chat: &c,
            seq,
            sender: Some(c.user),
            kind: MessageKind::Text,
            text,
            files: &[],
            notice: None,
            client_msg_id: Some(client_msg_id),
            bot: None,
        },
        &to,
    )?;
    ctx.db.execute(
        "UPDATE chats SET last_seq = $1, last_message_at = $2 WHERE id = $3",
        params![seq, ctx.now, c.id],
    )?;
    ctx.db.execute(
        "INSERT INTO chat_reads (chat_id, user_id, seq) VALUES ($1, $2, $3) \
         ON CONFLICT (chat_id, user_id) DO UPDATE SET seq = \
         CASE WHEN excluded.seq > chat_reads.seq THEN excluded.seq ELSE chat_reads.seq END",
        params![c.id, c.user, seq],
    )?;
    Ok(m)
}

/// The bot's answer with an article, asking whether it helped.
fn post_article(
    ctx: &mut WriteCtx<'_>,
    chat: ChatId,
    article: &Article,
    mode: BotMode,
) -> ApiResult<Message> {
    let r = ru(&article.question);
    let mut buttons = vec![
        ChatButton {
            id: HELPED.into(),
            label: say(r, "Помогло", "Yes, it helped"),
            url: None,
        },
        ChatButton {
            id: NOT_HELPED.into(),
            label: say(r, "Не помогло", "No"),
            url: None,
        },
    ];
    if mode != BotMode::BotOnly {
        buttons.push(ChatButton {
            id: SPECIALIST.into(),
            label: say(r, "Позвать специалиста", "Call a specialist"),
            url: None,
        });
    }
    let text = format!(
        "**{}**\n\n{}\n\n{}",
        article.question,
        article.answer,
        say(r, "Помог ли этот ответ?", "Did this answer help?")
    );
    post_bot(
        ctx,
        chat,
        &text,
        &[],
        &BotPart {
            source: BotSource::Bot,
            buttons,
            article_id: Some(article.id),
        },
    )
}

/// Hands the chat's work to the specialists: a ticket with the bot goes to the queue (routing
/// posts its notice); with no open ticket one is registered and routed. A ticket already with
/// the specialists stays as it is.
fn hand_over(ctx: &mut WriteCtx<'_>, chat: ChatId) -> ApiResult<TicketId> {
    let c = load_chat(ctx.db, chat)?;
    if let Some(open) = c.open_ticket {
        let changed = ctx.db.execute(
            "UPDATE tickets SET state = 'queued', queued_at = $1 WHERE id = $2 AND state = 'bot'",
            params![ctx.now, open],
        )?;
        if changed == 1 {
            routing::route_new(ctx, open)?;
        }
        return Ok(open);
    }
    let to = recipients(ctx.db, &c)?;
    let seq = c.last_seq + 1;
    let ticket = chats::register_ticket(ctx, &c, seq, &to, false)?;
    ctx.db.execute(
        "UPDATE chats SET last_seq = $1, last_message_at = $2 WHERE id = $3",
        params![seq, ctx.now, chat],
    )?;
    routing::route_new(ctx, ticket)?;
    Ok(ticket)
}

/// Closes the chat's ticket if the bot holds it: the user's question is answered.
fn close_with_bot(ctx: &mut WriteCtx<'_>, chat: ChatId, r: bool) -> ApiResult<()> {
    let c = load_chat(ctx.db, chat)?;
    let Some(open) = c.open_ticket else {
        return Ok(());
    };
    let result = say(r, "Ответ дал бот линии", "Answered by the line's bot");
    let changed = ctx.db.execute(
        "UPDATE tickets SET state = 'closed', closed_at = $1, result = $2 WHERE id = $3 AND state = 'bot'",
        params![ctx.now, &result, open],
    )?;
    if changed == 0 {
        return Ok(());
    }
    ctx.db.execute(
        "UPDATE chats SET open_ticket_id = NULL WHERE id = $1 AND open_ticket_id = $2",
        params![chat, open],
    )?;
    let number = ctx
        .db
        .query_one("SELECT number FROM tickets WHERE id = $1", params![open])?
        .int(0)?;
    chats::post_notice(
        ctx,
        chat,
        &Notice::TicketClosed {
            ticket_id: open,
            number,
            result,
        },
    )?;
    routing::emit_ticket(ctx, open)?;
    Ok(())
}

/// Answers a user's message on a ticket the bot holds (after that message committed).
pub async fn take_turn(state: &AppState, turn: Turn) -> ApiResult<()> {
    let article = kb::confident_article(state, turn.line, turn.text.clone()).await?;
    state
        .store
        .write(move |ctx| {
            let still = ctx
                .db
                .query_opt(
                    "SELECT 1 FROM tickets WHERE id = $1 AND state = 'bot'",
                    params![turn.ticket],
                )?
                .is_some();
            if !still {
                return Ok(());
            }
            let r = ru(&turn.text);
            match article {
                Some(id) => {
                    let a = kb::load_article(ctx.db, id)?;
                    post_article(ctx, turn.chat, &a, turn.mode)?;
                }
                None if turn.mode == BotMode::BotOnly => {
                    let menu = load_menu(ctx.db, turn.line)?;
                    let text = say(
                        r,
                        "Я не нашёл ответа на этот вопрос. Попробуйте сформулировать его иначе.",
                        "I could not find an answer to that. Please try asking in other words.",
                    );
                    match menu {
                        Some(menu) => {
                            let buttons = menu_buttons(&menu, None);
                            post_bot(
                                ctx,
                                turn.chat,
                                &format!("{text}\n\n{}", menu.greeting),
                                &[],
                                &BotPart {
                                    source: BotSource::Menu,
                                    buttons,
                                    article_id: None,
                                },
                            )?;
                        }
                        None => {
                            post_bot(ctx, turn.chat, &text, &[], &plain(BotSource::Bot))?;
                        }
                    }
                }
                None => {
                    post_bot(
                        ctx,
                        turn.chat,
                        &say(
                            r,
                            "Передаю ваш вопрос специалисту.",
                            "Passing your question to a specialist.",
                        ),
                        &[],
                        &plain(BotSource::Bot),
                    )?;
                    hand_over(ctx, turn.chat)?;
                }
            }
            Ok(())
        })
        .await
}

fn plain(source: BotSource) -> BotPart {
    BotPart {
        source,
        buttons: Vec::new(),
        article_id: None,
    }
}

// ------------------------------------------------------------------------------ menus

pub fn load_menu(db: &mut dyn Db, line: LineId) -> ApiResult<Option<Menu>> {
    db.query_opt(
        "SELECT menu FROM line_automation WHERE line_id = $1",
        params![line],
    )?
    .and_then(|r| r.opt_text(0).transpose())
    .transpose()?
    .map(|m| serde_json::from_str(&m).map_err(AppError::internal))
    .transpose()
}

/// The buttons of the menu under `parent` (`None`: the top level).
fn menu_buttons(menu: &Menu, parent: Option<&str>) -> Vec<ChatButton> {
    menu.items
        .iter()
        .filter(|i| i.parent.as_deref() == parent)
        .map(|i| ChatButton {
            id: format!("{MENU_PREFIX}{}", i.id),
            label: i.label.clone(),
            url: match &i.action {
                MenuAction::Link { url } => Some(url.clone()),
                _ => None,
            },
        })
        .collect()
}

fn show_menu(
    ctx: &mut WriteCtx<'_>,
    chat: ChatId,
    menu: &Menu,
    parent: Option<&str>,
) -> ApiResult<()> {
    let text = match parent {
        None => menu.greeting.clone(),
        Some(p) => menu
            .items
            .iter()
            .find(|i| i.id == p)
            .map_or_else(|| menu.greeting.clone(), |i| i.label.clone()),
    };
    post_bot(
        ctx,
        chat,
        &text,
        &[],
        &BotPart {
            source: BotSource::Menu,
            buttons: menu_buttons(menu, parent),
            article_id: None,
        },
    )?;
    Ok(())
}

fn valid_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn web_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && url.len() <= 2000
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Checks a menu's shape and references (articles of the line, files of the company's staff).
fn validate_menu(db: &mut dyn Db, line: LineId, company: CompanyId, m: &Menu) -> ApiResult<Menu> {
    let greeting = crate::auth::clean_text("greeting", &m.greeting, 1, 1000)?;
    if m.items.is_empty() || m.items.len() > MAX_MENU_ITEMS {
        return Err(AppError::invalid(format!(
            "a menu has 1 to {MAX_MENU_ITEMS} items"
        )));
    }
    let mut by_id: HashMap<&str, &MenuItem> = HashMap::new();
    for i in &m.items {
        if !valid_id(&i.id) {
            return Err(AppError::invalid(format!(
                "item id {:?}: 1–40 characters of letters, digits, '_' and '-'",
                i.id.chars().take(50).collect::<String>()
            )));
        }
        if by_id.insert(&i.id, i).is_some() {
            return Err(AppError::invalid(format!(
                "item id {:?} appears twice",
                i.id
            )));
        }
    }
    let mut items = Vec::with_capacity(m.items.len());
    for i in &m.items {
        let label = crate::auth::clean_text("label", &i.label, 1, 100)?;
        if let Some(p) = &i.parent {
            match by_id.get(p.as_str()) {
                Some(parent) if parent.action == MenuAction::Submenu => {}
                Some(_) => {
                    return Err(AppError::invalid(format!(
                        "item {:?}: its parent {p:?} is not a submenu",
                        i.id
                    )))
                }
                None => {
                    return Err(AppError::invalid(format!(
                        "item {:?}: no parent {p:?}",
                        i.id
                    )))
                }
            }
            // The chain of parents must reach the top.
            let mut seen = HashSet::new();
            let mut at = Some(p.as_str());
            while let Some(cur) = at {
                if !seen.insert(cur) {
                    return Err(AppError::invalid(format!(
                        "item {:?}: its parents form a loop",
                        i.id
                    )));
                }
                at = by_id.get(cur).and_then(|x| x.parent.as_deref());
            }
        }
        match &i.action {
            MenuAction::Text { text } => {
                crate::auth::clean_text("text", text, 1, MAX_MESSAGE_CHARS)?;
            }
            MenuAction::Article { article_id } => {
                let ok = db
                    .query_opt(
                        "SELECT 1 FROM kb_articles WHERE id = $1 AND line_id = $2",
                        params![*article_id, line],
                    )?
                    .is_some();
                if !ok {
                    return Err(AppError::invalid(format!(
                        "item {:?}: article {article_id} is not in the line's knowledge base",
                        i.id
                    )));
                }
            }
            MenuAction::File { file_id, text } => {
                crate::auth::clean_text("text", text, 0, MAX_MESSAGE_CHARS)?;
                let uploader = db
                    .query_opt(
                        "SELECT uploader_id FROM files WHERE id = $1",
                        params![*file_id],
                    )?
                    .map(|r| r.int(0))
                    .transpose()?;
                let ok = match uploader {
                    Some(u) => access::is_staff(db, UserId(u), company)?,
                    None => false,
                };
                if !ok {
                    return Err(AppError::invalid(format!(
                        "item {:?}: file {file_id} was not uploaded by the company's staff",
                        i.id
                    )));
                }
            }
            MenuAction::ServiceRequest { title } => {
                crate::auth::clean_text("title", title, 1, 200)?;
            }
            MenuAction::Link { url } => {
                if !web_url(url) {
                    return Err(AppError::invalid(format!(
                        "item {:?}: links must be http(s) URLs",
                        i.id
                    )));
                }
            }
            MenuAction::Back if i.parent.is_none() => {
                return Err(AppError::invalid(format!(
                    "item {:?}: \"back\" belongs in a submenu",
                    i.id
                )));
            }
            MenuAction::Submenu | MenuAction::Specialist | MenuAction::Back | MenuAction::Close => {
            }
        }
        items.push(MenuItem {
            id: i.id.clone(),
            parent: i.parent.clone(),
            label,
            action: i.action.clone(),
        });
    }
    Ok(Menu { greeting, items })
}

#[utoipa::path(get, path = "/api/v1/lines/{id}/menu", tag = "bot", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    responses((status = 200, body = Menu), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
/// The line's digital menu (the company's staff).
pub async fn get_menu(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Menu>> {
    let line = LineId(id);
    let menu = state
        .store
        .read(move |db| {
            line_staff(db, auth.user, line)?;
            load_menu(db, line)?.ok_or(AppError::NotFound("menu"))
        })
        .await?;
    Ok(Json(menu))
}

#[utoipa::path(put, path = "/api/v1/lines/{id}/menu", tag = "bot", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    request_body = Menu,
    responses((status = 200, body = Menu), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// Sets the line's digital menu (the company's admins); the next press already uses it.
pub async fn put_menu(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(menu): Json<Menu>,
) -> ApiResult<Json<Menu>> {
    let line = LineId(id);
    let menu = state
        .store
        .write(move |ctx| {
            let company = line_admin(ctx.db, auth.user, line)?;
            let menu = validate_menu(ctx.db, line, company, &menu)?;
            let json = serde_json::to_string(&menu).map_err(AppError::internal)?;
            ctx.db.execute(
                "INSERT INTO line_automation (line_id, menu) VALUES ($1, $2) \
                 ON CONFLICT (line_id) DO UPDATE SET menu = excluded.menu",
                params![line, json],
            )?;
            kb::emit_automation(ctx, line, company)?;
            Ok(menu)
        })
        .await?;
    Ok(Json(menu))
}

#[utoipa::path(delete, path = "/api/v1/lines/{id}/menu", tag = "bot", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    responses((status = 204, description = "removed"), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// Removes the line's menu (the company's admins).
pub async fn delete_menu(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let line = LineId(id);
    state
        .store
        .write(move |ctx| {
            let company = line_admin(ctx.db, auth.user, line)?;
            ctx.db.execute(
                "UPDATE line_automation SET menu = NULL WHERE line_id = $1",
                params![line],
            )?;
            kb::emit_automation(ctx, line, company)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ------------------------------------------------------------------------------ chat actions

/// The chat, when the caller is its (connected) user: only they press and pick.
fn own_chat(db: &mut dyn Db, user: UserId, chat: ChatId) -> ApiResult<ChatRef> {
    let c = chats::chat_access(db, user, chat)?;
    if c.as_staff {
        return Err(AppError::Forbidden(
            "only the chat's user presses its buttons".into(),
        ));
    }
    Ok(c)
}

/// The messages of the chat after position `after`, in order.
fn messages_after(db: &mut dyn Db, chat: ChatId, after: i64) -> ApiResult<Vec<Message>> {
    let ids: Vec<i64> = db
        .query(
            "SELECT id FROM messages WHERE chat_id = $1 AND seq > $2 ORDER BY seq",
            params![chat, after],
        )?
        .iter()
        .map(|r| r.int(0))
        .collect::<Result<_, _>>()?;
    ids.into_iter()
        .map(|id| chats::load_message(db, MessageId(id)))
        .collect()
}

/// A repeated `client_msg_id`: the original exchange (the user's message and what followed it
/// up to the next message of the user's), or 409 when the id was used for something else.
fn repeated(
    db: &mut dyn Db,
    user: UserId,
    chat: ChatId,
    client_msg_id: uuid::Uuid,
    text: &str,
) -> ApiResult<Option<BotExchange>> {
    let Some(r) = db.query_opt(
        "SELECT id, chat_id, seq, text FROM messages WHERE sender_id = $1 AND client_msg_id = $2",
        params![user, client_msg_id.to_string()],
    )?
    else {
        return Ok(None);
    };
    if ChatId(r.int(1)?) != chat || r.text(3)? != text {
        return Err(AppError::Conflict(
            "this client_msg_id was already used for a different message".into(),
        ));
    }
    let first = chats::load_message(db, MessageId(r.int(0)?))?;
    let mut messages = vec![first];
    for m in messages_after(db, chat, r.int(2)?)? {
        if m.sender_id == Some(user) {
            break;
        }
        messages.push(m);
    }
    Ok(Some(BotExchange { messages }))
}

fn mode_of(db: &mut dyn Db, line: LineId) -> ApiResult<BotMode> {
    Ok(line_settings(db, line)?.map_or(BotMode::Specialists, |s| s.mode))
}

#[utoipa::path(post, path = "/api/v1/chats/{id}/hint", tag = "bot", security(("bearer" = [])),
    params(("id" = i64, Path, description = "chat id")),
    request_body = PickHintRequest,
    responses((status = 201, body = BotExchange), (status = 200, description = "repeated client_msg_id: the original", body = BotExchange),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// The user clicked a hint: its question (as the user's message) and its article (as the bot's
/// answer, asking whether it helped) go into the chat at once.
pub async fn pick_hint(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(req): Json<PickHintRequest>,
) -> ApiResult<(StatusCode, Json<BotExchange>)> {
    let chat = ChatId(id);
    let (exchange, created) = state
        .store
        .write(move |ctx| {
            let c = own_chat(ctx.db, auth.user, chat)?;
            let article = kb::load_article(ctx.db, req.article_id)
                .ok()
                .filter(|a| a.line_id == c.line)
                .ok_or_else(|| {
                    AppError::invalid("article_id is not in the line's knowledge base")
                })?;
            if let Some(ex) = repeated(
                ctx.db,
                auth.user,
                chat,
                req.client_msg_id,
                &article.question,
            )? {
                return Ok((ex, false));
            }
            let before = load_chat(ctx.db, chat)?.last_seq;
            post_user(ctx, &c, &article.question, req.client_msg_id)?;
            let mode = mode_of(ctx.db, c.line)?;
            post_article(ctx, chat, &article, mode)?;
            Ok((
                BotExchange {
                    messages: messages_after(ctx.db, chat, before)?,
                },
                true,
            ))
        })
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(exchange)))
}

#[utoipa::path(post, path = "/api/v1/chats/{id}/menu", tag = "bot", security(("bearer" = [])),
    params(("id" = i64, Path, description = "chat id")),
    responses((status = 201, body = BotExchange), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
/// Shows the line's menu in the chat (its top level, from the bot).
pub async fn open_menu(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<BotExchange>)> {
    let chat = ChatId(id);
    let exchange = state
        .store
        .write(move |ctx| {
            let c = own_chat(ctx.db, auth.user, chat)?;
            let menu = load_menu(ctx.db, c.line)?.ok_or(AppError::NotFound("menu"))?;
            let before = c.last_seq;
            show_menu(ctx, chat, &menu, None)?;
            Ok(BotExchange {
                messages: messages_after(ctx.db, chat, before)?,
            })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(exchange)))
}

fn count_feedback(
    ctx: &mut WriteCtx<'_>,
    message: &Message,
    article: ArticleId,
    helped: bool,
    company: CompanyId,
) -> ApiResult<()> {
    let fresh = ctx
        .db
        .query_opt(
            "INSERT INTO bot_feedback (message_id, article_id, verdict, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
            params![
                message.id,
                article,
                if helped { "helped" } else { "not_helped" },
                ctx.now
            ],
        )?
        .is_some();
    if !fresh {
        return Err(AppError::Conflict("this answer was already rated".into()));
    }
    let column = if helped { "helpful" } else { "not_helpful" };
    let changed = ctx.db.execute(
        &format!("UPDATE kb_articles SET {column} = {column} + 1 WHERE id = $1"),
        params![article],
    )?;
    if changed == 1 {
        let article = kb::load_article(ctx.db, article)?;
        let staff = access::staff_of(ctx.db, company)?;
        ctx.emit_many(&staff, &EventBody::ArticleChanged { article })?;
    }
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/chats/{id}/press", tag = "bot", security(("bearer" = [])),
    params(("id" = i64, Path, description = "chat id")),
    request_body = PressButtonRequest,
    responses((status = 201, body = BotExchange), (status = 200, description = "repeated client_msg_id: the original", body = BotExchange),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// The user pressed a button under a message of the line: the choice becomes the user's message,
/// followed by what the button does (a menu step, an answer, a hand-over to the specialists, a
/// service request, or the company's system being told).
pub async fn press(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(req): Json<PressButtonRequest>,
) -> ApiResult<(StatusCode, Json<BotExchange>)> {
    if req.button_id.is_empty() || req.button_id.len() > 100 {
        return Err(AppError::invalid("button_id must have 1 to 100 characters"));
    }
    let chat = ChatId(id);
    let (exchange, created) = state
        .store
        .write(move |ctx| press_job(ctx, auth.user, chat, &req))
        .await?;
    if created {
        state.webhooks.wake();
    }
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(exchange)))
}

fn press_job(
    ctx: &mut WriteCtx<'_>,
    user: UserId,
    chat: ChatId,
    req: &PressButtonRequest,
) -> ApiResult<(BotExchange, bool)> {
    let c = own_chat(ctx.db, user, chat)?;
    let message = chats::load_message(ctx.db, req.message_id)
        .ok()
        .filter(|m| m.chat_id == chat)
        .ok_or(AppError::NotFound("message"))?;
    let part = message
        .bot
        .clone()
        .ok_or_else(|| AppError::invalid("that message has no buttons"))?;
    let button = part
        .buttons
        .iter()
        .find(|b| b.id == req.button_id)
        .cloned()
        .ok_or_else(|| AppError::invalid("that message has no such button"))?;
    if button.url.is_some() {
        return Err(AppError::invalid(
            "a link button opens its link; there is nothing to press",
        ));
    }
    if let Some(ex) = repeated(ctx.db, user, chat, req.client_msg_id, &button.label)? {
        return Ok((ex, false));
    }
    let before = c.last_seq;
    let choice = post_user(ctx, &c, &button.label, req.client_msg_id)?;
    match part.source {
        BotSource::Bot => {
            let article = part
                .article_id
                .ok_or_else(|| AppError::invalid("that message has no such button"))?;
            let r = ru(&message.text);
            let mode = mode_of(ctx.db, c.line)?;
            match button.id.as_str() {
                HELPED => {
                    count_feedback(ctx, &message, article, true, c.company)?;
                    post_bot(
                        ctx,
                        chat,
                        &say(r, "Рад, что помог!", "Glad it helped!"),
                        &[],
                        &plain(BotSource::Bot),
                    )?;
                    close_with_bot(ctx, chat, r)?;
                }
                NOT_HELPED | SPECIALIST => {
                    count_feedback(ctx, &message, article, false, c.company)?;
                    if mode == BotMode::BotOnly {
                        post_bot(
                            ctx,
                            chat,
                            &say(
                                r,
                                "Жаль. Попробуйте задать вопрос другими словами.",
                                "Sorry about that. Please try asking in other words.",
                            ),
                            &[],
                            &plain(BotSource::Bot),
                        )?;
                    } else {
                        post_bot(
                            ctx,
                            chat,
                            &say(
                                r,
                                "Передаю ваш вопрос специалисту.",
                                "Passing your question to a specialist.",
                            ),
                            &[],
                            &plain(BotSource::Bot),
                        )?;
                        hand_over(ctx, chat)?;
                    }
                }
                _ => return Err(AppError::invalid("that message has no such button")),
            }
        }
        BotSource::Menu => {
            let item_id = button
                .id
                .strip_prefix(MENU_PREFIX)
                .ok_or_else(|| AppError::invalid("that message has no such button"))?;
            let menu = load_menu(ctx.db, c.line)?;
            let item = menu
                .as_ref()
                .and_then(|m| m.items.iter().find(|i| i.id == item_id))
                .cloned();
            let (Some(menu), Some(item)) = (menu, item) else {
                // The admin changed the menu since this message: show the current one.
                match load_menu(ctx.db, c.line)? {
                    Some(m) => show_menu(ctx, chat, &m, None)?,
                    None => {
                        post_bot(
                            ctx,
                            chat,
                            &say(
                                ru(&message.text),
                                "Меню больше недоступно.",
                                "The menu is no longer available.",
                            ),
                            &[],
                            &plain(BotSource::Menu),
                        )?;
                    }
                }
                return Ok((
                    BotExchange {
                        messages: messages_after(ctx.db, chat, before)?,
                    },
                    true,
                ));
            };
            menu_action(ctx, &c, &menu, &item)?;
        }
        BotSource::System => {
            crate::webhooks::enqueue_press(ctx, c.line, c.user, chat, &message, &button.id)?;
        }
    }
    let _ = choice;
    Ok((
        BotExchange {
            messages: messages_after(ctx.db, chat, before)?,
        },
        true,
    ))
}

fn menu_action(ctx: &mut WriteCtx<'_>, c: &ChatRef, menu: &Menu, item: &MenuItem) -> ApiResult<()> {
    let r = ru(&menu.greeting);
    let chat = c.id;
    match &item.action {
        MenuAction::Submenu => show_menu(ctx, chat, menu, Some(&item.id))?,
        MenuAction::Back => {
            let grandparent = item
                .parent
                .as_deref()
                .and_then(|p| menu.items.iter().find(|i| i.id == p))
                .and_then(|p| p.parent.clone());
            show_menu(ctx, chat, menu, grandparent.as_deref())?;
        }
        MenuAction::Close => {
            post_bot(
                ctx,
                chat,
                &say(r, "Меню закрыто.", "Menu closed."),
                &[],
                &plain(BotSource::Menu),
            )?;
        }
        MenuAction::Text { text } => {
            post_bot(ctx, chat, text, &[], &plain(BotSource::Menu))?;
        }
        MenuAction::Article { article_id } => match kb::load_article(ctx.db, *article_id) {
            Ok(a) if a.line_id == c.line => {
                let mode = mode_of(ctx.db, c.line)?;
                post_article(ctx, chat, &a, mode)?;
            }
            _ => {
                post_bot(
                    ctx,
                    chat,
                    &say(
                        r,
                        "Эта статья больше недоступна.",
                        "That article is no longer available.",
                    ),
                    &[],
                    &plain(BotSource::Menu),
                )?;
            }
        },
        MenuAction::File { file_id, text } => {
            let bot = bot_user(ctx, c.line)?;
            let src = ctx.db.query_opt(
                "SELECT name, size, content_type, sha256, storage_name FROM files WHERE id = $1",
                params![*file_id],
            )?;
            match src {
                Some(f) => {
                    // Each sending is its own file row on the same stored bytes, so the file
                    // belongs to this chat like any other attachment.
                    let copy = ctx.db.query_one(
                        &format!(
                            "INSERT INTO files (uploader_id, name, size, content_type, sha256, storage_name, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {}",
                            FILE_COLS.replace("f.", "")
                        ),
                        params![bot, f.text(0)?, f.int(1)?, f.text(2)?, f.text(3)?, f.text(4)?, ctx.now],
                    )?;
                    let meta = file_from_row(&copy, 0)?;
                    let m = post_bot(
                        ctx,
                        chat,
                        text,
                        std::slice::from_ref(&meta),
                        &plain(BotSource::Menu),
                    )?;
                    ctx.db.execute(
                        "UPDATE files SET chat_id = $1, message_id = $2 WHERE id = $3",
                        params![chat, m.id, meta.id],
                    )?;
                }
                None => {
                    post_bot(
                        ctx,
                        chat,
                        &say(
                            r,
                            "Этот файл больше недоступен.",
                            "That file is no longer available.",
                        ),
                        &[],
                        &plain(BotSource::Menu),
                    )?;
                }
            }
        }
        MenuAction::Specialist => {
            post_bot(
                ctx,
                chat,
                &say(
                    r,
                    "Передаю ваш вопрос специалисту.",
                    "Passing your question to a specialist.",
                ),
                &[],
                &plain(BotSource::Menu),
            )?;
            hand_over(ctx, chat)?;
        }
        MenuAction::ServiceRequest { title } => {
            let ticket = hand_over(ctx, chat)?;
            let bot = bot_user(ctx, c.line)?;
            let number = ctx
                .db
                .query_one(
                    "UPDATE companies SET request_seq = request_seq + 1 WHERE id = $1 RETURNING request_seq",
                    params![c.company],
                )?
                .int(0)?;
            ctx.db.execute(
                "INSERT INTO service_requests (company_id, number, title, status, ticket_id, chat_id, line_id, \
                 created_by, created_at, updated_at, service_name, work_type_name, fields, user_id) \
                 VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $8, '', '', '{}', $9)",
                params![c.company, number, title, ticket, chat, c.line, bot, ctx.now, c.user],
            )?;
            let request = crate::service_requests::for_ticket(ctx.db, ticket)?
                .into_iter()
                .find(|r| r.number == number)
                .ok_or_else(|| AppError::internal("the service request vanished"))?;
            let mut to = access::staff_of(ctx.db, c.company)?;
            to.push(c.user);
            ctx.emit_many(&to, &EventBody::ServiceRequestChanged { request })?;
            chats::post_notice(
                ctx,
                chat,
                &Notice::ServiceRequestRegistered {
                    number,
                    title: title.clone(),
                },
            )?;
        }
        MenuAction::Link { .. } => {
            return Err(AppError::invalid(
                "a link button opens its link; there is nothing to press",
            ))
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menu_item_ids_are_short_and_plain() {
        assert!(valid_id("printers-2_a"));
        assert!(!valid_id(""));
        assert!(!valid_id("a b"));
        assert!(!valid_id(&"x".repeat(41)));
        assert!(web_url("https://x.example/a?b=c"));
        assert!(!web_url("javascript:alert(1)"));
        assert!(ru("Принтер") && !ru("printer"));
    }
}
