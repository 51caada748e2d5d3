//! The specialist's single window: ticket lists and detail, take, transfer, close; the client's
//! rating; client cards; per-line figures.

use crate::access;
use crate::auth::{clean_text, Auth};
use crate::chats::{chat_access, post_notice};
use crate::db::Db;
use crate::error::{ApiResult, AppError, Json, Path, Query};
use crate::routing::{self, load_ticket, ticket_from_row, HoursCache, TICKET_SELECT};
use crate::store::WriteCtx;
use crate::{params, AppState};
use axum::extract::State;
use okno_proto::*;
use serde::Deserialize;
use std::collections::HashSet;
use std::sync::Arc;

const MAX_LIST: i64 = 500;

/// The caller's lines: every line of the companies they administer, and the lines they have a
/// competence on.
const MY_LINES: &str = "(t.line_id IN (SELECT c.line_id FROM competences c WHERE c.user_id = $1) \
     OR t.company_id IN (SELECT m.company_id FROM company_members m WHERE m.user_id = $1 AND m.role = 'admin'))";

fn unread(db: &mut dyn Db, chat: ChatId, viewer: UserId) -> ApiResult<i64> {
    Ok(db
        .query_one(
            "SELECT COUNT(*) FROM messages WHERE chat_id = $1 AND kind <> 'notice' AND sender_id <> $2 \
             AND seq > COALESCE((SELECT seq FROM chat_reads WHERE chat_id = $1 AND user_id = $2), 0)",
            params![chat, viewer],
        )?
        .int(0)?)
}

fn item(db: &mut dyn Db, ticket: Ticket, viewer: UserId) -> ApiResult<TicketItem> {
    let unread = unread(db, ticket.chat_id, viewer)?;
    let last_message_at = db
        .query_one(
            "SELECT last_message_at FROM chats WHERE id = $1",
            params![ticket.chat_id],
        )?
        .opt_int(0)?;
    Ok(TicketItem {
        ticket,
        unread,
        last_message_at,
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// `queued`, `mine` or `open`.
    pub view: TicketView,
    /// Only this line.
    pub line_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, description = "queued (oldest first), mine, or every open ticket of the caller's lines (at most 500)", body = Vec<TicketItem>),
        (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<TicketItem>>> {
    let me = auth.user;
    let list = state
        .store
        .read_tx(move |db| {
            let (filter, order) = match q.view {
                TicketView::Queued => (
                    format!("t.state = 'queued' AND {MY_LINES}"),
                    "t.queued_at, t.id",
                ),
                TicketView::Mine => (
                    "t.state = 'assigned' AND t.assignee_id = $1".to_owned(),
                    "t.assigned_at, t.id",
                ),
                TicketView::Open => (
                    format!("t.state <> 'closed' AND {MY_LINES}"),
                    "t.opened_at, t.id",
                ),
            };
            let line = q.line_id.unwrap_or(0);
            let rows = db.query(
                &format!(
                    "{TICKET_SELECT} WHERE {filter} AND ($2 = 0 OR t.line_id = $2) \
                     ORDER BY {order} LIMIT {MAX_LIST}"
                ),
                params![me, line],
            )?;
            rows.iter()
                .map(|r| {
                    let t = ticket_from_row(r)?;
                    item(db, t, me)
                })
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(list))
}

/// The ticket, if the caller works for its company; anyone else: not found.
fn staff_ticket(db: &mut dyn Db, caller: UserId, id: TicketId) -> ApiResult<(Ticket, CompanyRole)> {
    let t = load_ticket(db, id)?;
    match access::company_role(db, caller, t.company_id)? {
        Some(role) => Ok((t, role)),
        None => Err(AppError::NotFound("ticket")),
    }
}

fn is_competent(db: &mut dyn Db, user: UserId, line: LineId) -> ApiResult<bool> {
    Ok(db
        .query_opt(
            "SELECT 1 FROM competences WHERE line_id = $1 AND user_id = $2",
            params![line, user],
        )?
        .is_some())
}

/// Who may work a ticket (transfer, close): its assignee, a company admin, or — while it waits —
/// a specialist of its line.
fn require_handler(
    db: &mut dyn Db,
    caller: UserId,
    t: &Ticket,
    role: CompanyRole,
) -> ApiResult<()> {
    if t.state == TicketState::Closed {
        return Err(AppError::Conflict("the ticket is closed".into()));
    }
    if role == CompanyRole::Admin || t.assignee_id == Some(caller) {
        return Ok(());
    }
    if t.state == TicketState::Queued && is_competent(db, caller, t.line_id)? {
        return Ok(());
    }
    Err(AppError::Forbidden(
        "only the ticket's specialist or a company admin may do this".into(),
    ))
}

pub fn client_card(db: &mut dyn Db, company: CompanyId, user: UserId) -> ApiResult<ClientCard> {
    let r = db
        .query_opt(
            "SELECT u.display_name, u.login, COALESCE(c.organization, ''), COALESCE(c.contact, ''), \
             c.responsible_id, r.display_name FROM users u \
             LEFT JOIN clients c ON c.user_id = u.id AND c.company_id = $1 \
             LEFT JOIN users r ON r.id = c.responsible_id WHERE u.id = $2",
            params![company, user],
        )?
        .ok_or(AppError::NotFound("client"))?;
    Ok(ClientCard {
        user_id: user,
        display_name: r.text(0)?,
        login: r.text(1)?,
        organization: r.text(2)?,
        contact: r.text(3)?,
        responsible_id: r.opt_int(4)?.map(UserId),
        responsible_name: r.opt_text(5)?,
    })
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}/detail", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "ticket id")),
    responses((status = 200, body = TicketDetail), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn detail(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<TicketDetail>> {
    let d = state
        .store
        .read_tx(move |db| {
            let (ticket, _) = staff_ticket(db, auth.user, TicketId(id))?;
            let client = client_card(db, ticket.company_id, ticket.user_id)?;
            let unread = unread(db, ticket.chat_id, auth.user)?;
            let service_requests = crate::service_requests::for_ticket(db, ticket.id)?;
            Ok(TicketDetail {
                ticket,
                client,
                unread,
                service_requests,
            })
        })
        .await?;
    Ok(Json(d))
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/take", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "ticket id")),
    responses((status = 200, description = "now assigned to the caller", body = Ticket),
        (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, description = "not waiting in the queue (someone took it first, or it is closed)", body = ApiError)))]
pub async fn take(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Ticket>> {
    let ticket = state
        .store
        .write(move |ctx| {
            let (t, role) = staff_ticket(ctx.db, auth.user, TicketId(id))?;
            if role != CompanyRole::Admin && !is_competent(ctx.db, auth.user, t.line_id)? {
                return Err(AppError::Forbidden(
                    "only the line's specialists may take its tickets".into(),
                ));
            }
            if t.state != TicketState::Queued {
                return Err(AppError::Conflict(
                    "the ticket is no longer waiting in the queue".into(),
                ));
            }
            routing::assign(ctx, &t, auth.user, true)
        })
        .await?;
    state.routing.mark([ticket.line_id]);
    tracing::info!(ticket = %ticket.id, user = %auth.user, "ticket taken");
    Ok(Json(ticket))
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/transfer", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "ticket id")),
    request_body = TransferRequest,
    responses((status = 200, body = Ticket), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn transfer(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(req): Json<TransferRequest>,
) -> ApiResult<Json<Ticket>> {
    let comment = clean_text("comment", &req.comment, 1, 1000)?;
    if req.to_user_id.is_some() == req.to_line_id.is_some() {
        return Err(AppError::invalid(
            "give exactly one of to_user_id and to_line_id",
        ));
    }
    let (ticket, moved) = state
        .store
        .write(move |ctx| transfer_job(ctx, auth.user, TicketId(id), &req, &comment))
        .await?;
    state.routing.mark(moved);
    tracing::info!(ticket = %ticket.id, "ticket transferred");
    Ok(Json(ticket))
}

fn transfer_job(
    ctx: &mut WriteCtx<'_>,
    caller: UserId,
    id: TicketId,
    req: &TransferRequest,
    comment: &str,
) -> ApiResult<(Ticket, HashSet<LineId>)> {
    let (t, role) = staff_ticket(ctx.db, caller, id)?;
    require_handler(ctx.db, caller, &t, role)?;
    let mut hours = HoursCache::default();
    let mut moved = HashSet::new();
    if t.state == TicketState::Queued {
        moved.insert(t.line_id);
    }
    if let Some(to) = req.to_user_id {
        let name = match access::company_role(ctx.db, to, t.company_id)? {
            Some(_) => ctx
                .db
                .query_one("SELECT display_name FROM users WHERE id = $1", params![to])?
                .text(0)?,
            None => {
                return Err(AppError::invalid(
                    "to_user_id is not an employee of the ticket's company",
                ))
            }
        };
        if t.assignee_id == Some(to) {
            return Err(AppError::invalid("the ticket is already theirs"));
        }
        post_notice(
            ctx,
            t.chat_id,
            &Notice::TicketTransferred {
                ticket_id: t.id,
                number: t.number,
                to_line_id: None,
                to_line_name: None,
                to_specialist_id: Some(to),
                to_specialist_name: Some(name),
                comment: comment.to_owned(),
            },
        )?;
        moved.extend(routing::release(ctx, &t, &mut hours)?);
        let ticket = routing::assign(ctx, &t, to, false)?;
        return Ok((ticket, moved));
    }
    let Some(line) = req.to_line_id else {
        return Err(AppError::invalid(
            "give exactly one of to_user_id and to_line_id",
        ));
    };
    let name = ctx
        .db
        .query_opt(
            "SELECT name FROM lines WHERE id = $1 AND company_id = $2",
            params![line, t.company_id],
        )?
        .ok_or_else(|| AppError::invalid("to_line_id is not a line of the ticket's company"))?
        .text(0)?;
    if line == t.line_id {
        return Err(AppError::invalid("the ticket is already on this line"));
    }
    post_notice(
        ctx,
        t.chat_id,
        &Notice::TicketTransferred {
            ticket_id: t.id,
            number: t.number,
            to_line_id: Some(line),
            to_line_name: Some(name),
            to_specialist_id: None,
            to_specialist_name: None,
            comment: comment.to_owned(),
        },
    )?;
    // Off the old specialist first (they may pick up the next waiting ticket), then onto the
    // new line as if it had just arrived there.
    moved.extend(routing::release(ctx, &t, &mut hours)?);
    ctx.db.execute(
        "UPDATE tickets SET line_id = $1, state = 'queued', queued_at = $2, queue_msg_id = NULL, \
         queue_pos = NULL WHERE id = $3",
        params![line, ctx.now, t.id],
    )?;
    let ticket = routing::route_new(ctx, t.id)?;
    Ok((ticket, moved))
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/close", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "ticket id")),
    request_body = CloseRequest,
    responses((status = 200, body = Ticket), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn close(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(req): Json<CloseRequest>,
) -> ApiResult<Json<Ticket>> {
    let result = clean_text("result", &req.result, 1, 1000)?;
    let (ticket, moved) = state
        .store
        .write(move |ctx| {
            let (t, role) = staff_ticket(ctx.db, auth.user, TicketId(id))?;
            require_handler(ctx.db, auth.user, &t, role)?;
            let mut moved = HashSet::new();
            if t.state == TicketState::Queued {
                moved.insert(t.line_id);
            }
            let mut hours = HoursCache::default();
            if let (TicketState::Assigned, Some(a)) = (t.state, t.assignee_id) {
                routing::add_load(ctx, t.company_id, a, -1)?;
            }
            ctx.db.execute(
                "UPDATE tickets SET state = 'closed', closed_at = $1, result = $2, queued_at = NULL, \
                 queue_pos = NULL WHERE id = $3",
                params![ctx.now, &result, t.id],
            )?;
            ctx.db.execute(
                "UPDATE chats SET open_ticket_id = NULL WHERE id = $1 AND open_ticket_id = $2",
                params![t.chat_id, t.id],
            )?;
            post_notice(
                ctx,
                t.chat_id,
                &Notice::TicketClosed {
                    ticket_id: t.id,
                    number: t.number,
                    result: result.clone(),
                },
            )?;
            let ticket = routing::emit_ticket(ctx, t.id)?;
            // The specialist is freer now: the oldest waiting ticket of their lines goes to them.
            if let (TicketState::Assigned, Some(a)) = (t.state, t.assignee_id) {
                moved.extend(routing::dispatch_agent(ctx, t.company_id, a, &mut hours)?);
            }
            Ok((ticket, moved))
        })
        .await?;
    state.routing.mark(moved);
    tracing::info!(ticket = %ticket.id, "ticket closed");
    Ok(Json(ticket))
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/rating", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "ticket id")),
    request_body = RatingRequest,
    responses((status = 200, body = Ticket), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, description = "only the ticket's client rates", body = ApiError), (status = 404, body = ApiError),
        (status = 409, description = "not closed yet, or already rated", body = ApiError)))]
pub async fn rate(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(req): Json<RatingRequest>,
) -> ApiResult<Json<Ticket>> {
    if !(1..=5).contains(&req.rating) {
        return Err(AppError::invalid("rating must be 1 to 5"));
    }
    let comment = clean_text("comment", &req.comment, 0, 1000)?;
    let ticket = state
        .store
        .write(move |ctx| {
            let t = load_ticket(ctx.db, TicketId(id))?;
            let c = chat_access(ctx.db, auth.user, t.chat_id)
                .map_err(|_| AppError::NotFound("ticket"))?;
            if c.as_staff || t.user_id != auth.user {
                return Err(AppError::Forbidden("only the ticket's client rates it".into()));
            }
            if t.state != TicketState::Closed {
                return Err(AppError::Conflict("a ticket is rated after it is closed".into()));
            }
            let n = ctx.db.execute(
                "UPDATE tickets SET rating = $1, rating_comment = $2 WHERE id = $3 AND rating IS NULL",
                params![req.rating, (!comment.is_empty()).then_some(comment.clone()), t.id],
            )?;
            if n == 0 {
                return Err(AppError::Conflict("the ticket is already rated".into()));
            }
            post_notice(
                ctx,
                t.chat_id,
                &Notice::TicketRated {
                    ticket_id: t.id,
                    number: t.number,
                    rating: req.rating,
                },
            )?;
            routing::emit_ticket(ctx, t.id)
        })
        .await?;
    Ok(Json(ticket))
}

/// The user is a client of the company: they have a chat with one of its lines.
fn require_client(db: &mut dyn Db, company: CompanyId, user: UserId) -> ApiResult<()> {
    db.query_opt(
        "SELECT 1 FROM chats WHERE company_id = $1 AND user_id = $2 LIMIT 1",
        params![company, user],
    )?
    .map(|_| ())
    .ok_or(AppError::NotFound("client"))
}

#[utoipa::path(get, path = "/api/v1/companies/{id}/clients/{user_id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "company id"), ("user_id" = i64, Path, description = "the client user")),
    responses((status = 200, body = ClientCard), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_client(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path((id, user_id)): Path<(i64, i64)>,
) -> ApiResult<Json<ClientCard>> {
    let (company, user) = (CompanyId(id), UserId(user_id));
    let card = state
        .store
        .read(move |db| {
            access::require_staff(db, auth.user, company)?;
            require_client(db, company, user)?;
            client_card(db, company, user)
        })
        .await?;
    Ok(Json(card))
}

#[utoipa::path(put, path = "/api/v1/companies/{id}/clients/{user_id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "company id"), ("user_id" = i64, Path, description = "the client user")),
    request_body = ClientInput,
    responses((status = 200, body = ClientCard), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn put_client(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path((id, user_id)): Path<(i64, i64)>,
    Json(input): Json<ClientInput>,
) -> ApiResult<Json<ClientCard>> {
    let organization = clean_text("organization", &input.organization, 0, 200)?;
    let contact = clean_text("contact", &input.contact, 0, 200)?;
    let (company, user) = (CompanyId(id), UserId(user_id));
    let card = state
        .store
        .write(move |ctx| {
            access::require_admin(ctx.db, auth.user, company)?;
            require_client(ctx.db, company, user)?;
            if let Some(r) = input.responsible_id {
                if !access::is_staff(ctx.db, r, company)? {
                    return Err(AppError::invalid(
                        "responsible_id is not an employee of the company",
                    ));
                }
            }
            ctx.db.execute(
                "INSERT INTO clients (company_id, user_id, organization, contact, responsible_id) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (company_id, user_id) DO UPDATE SET \
                 organization = $3, contact = $4, responsible_id = $5",
                params![company, user, &organization, &contact, input.responsible_id],
            )?;
            client_card(ctx.db, company, user)
        })
        .await?;
    Ok(Json(card))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StatsQuery {
    /// Start of the period (inclusive), ms since the epoch.
    pub from: i64,
    /// End of the period (exclusive), ms since the epoch; at most 400 days after `from`.
    pub to: i64,
}

fn mean(v: &[i64]) -> Option<i64> {
    (!v.is_empty()).then(|| v.iter().sum::<i64>() / v.len() as i64)
}

fn median(v: &mut [i64]) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    })
}

#[utoipa::path(get, path = "/api/v1/companies/{id}/line-stats", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "company id"), StatsQuery),
    responses((status = 200, description = "per line, the tickets opened in the period", body = Vec<LineStats>),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn line_stats(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Json<Vec<LineStats>>> {
    const MAX_SPAN: i64 = 400 * 86_400_000;
    if q.to <= q.from || q.to - q.from > MAX_SPAN || q.from < 0 {
        return Err(AppError::invalid(
            "from must be before to, at most 400 days apart",
        ));
    }
    let company = CompanyId(id);
    let stats = state
        .store
        .read_tx(move |db| {
            access::require_admin(db, auth.user, company)?;
            let lines = db.query(
                "SELECT id, name FROM lines WHERE company_id = $1 ORDER BY id",
                params![company],
            )?;
            let mut out = Vec::new();
            for l in lines {
                let line = LineId(l.int(0)?);
                let rows = db.query(
                    "SELECT opened_at, first_assigned_at, closed_at, rating, state FROM tickets \
                     WHERE company_id = $1 AND line_id = $2 AND opened_at >= $3 AND opened_at < $4",
                    params![company, line, q.from, q.to],
                )?;
                let (mut waits, mut handling, mut ratings) = (Vec::new(), Vec::new(), Vec::new());
                let mut closed = 0;
                for r in &rows {
                    let opened = r.int(0)?;
                    let first = r.opt_int(1)?;
                    if let Some(f) = first {
                        waits.push(f - opened);
                    }
                    if r.text(4)? == "closed" {
                        closed += 1;
                        if let (Some(f), Some(c)) = (first, r.opt_int(2)?) {
                            handling.push(c - f);
                        }
                    }
                    if let Some(x) = r.opt_int(3)? {
                        ratings.push(x);
                    }
                }
                out.push(LineStats {
                    line_id: line,
                    line_name: l.text(1)?,
                    tickets: rows.len() as i64,
                    closed,
                    mean_wait_ms: mean(&waits),
                    median_wait_ms: median(&mut waits),
                    mean_handling_ms: mean(&handling),
                    median_handling_ms: median(&mut handling),
                    rated: ratings.len() as i64,
                    average_rating: (!ratings.is_empty())
                        .then(|| ratings.iter().sum::<i64>() as f64 / ratings.len() as f64),
                });
            }
            Ok(out)
        })
        .await?;
    Ok(Json(stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_median() {
        assert_eq!(mean(&[]), None);
        assert_eq!(median(&mut []), None);
        assert_eq!(mean(&[1, 2, 6]), Some(3));
        assert_eq!(median(&mut [6, 1, 2]), Some(2));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
    }
}
