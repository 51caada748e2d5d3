//! Ticket routing: who gets a new ticket, the lines' FIFO queues, the queue-position notices,
//! and the dispatcher that hands waiting tickets to specialists as they free up.
//!
//! Every decision runs inside a write job, so it is one transaction with the change it makes:
//! conditional updates (`WHERE state = 'queued'`) make sure a ticket is handed out once even
//! when several server nodes race on PostgreSQL.

use crate::db::{Db, Row};
use crate::error::{ApiResult, AppError};
use crate::store::WriteCtx;
use crate::{access, chats, hours, params, AppState};
use okno_proto::*;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// The columns `ticket_from_row` reads, and the joins they need.
pub const TICKET_SELECT: &str = "SELECT t.id, t.number, t.company_id, t.line_id, l.name, t.chat_id, \
     t.user_id, u.display_name, t.channel, t.state, t.assignee_id, a.display_name, t.opened_at, \
     t.queued_at, t.assigned_at, t.closed_at, t.result, t.rating, t.rating_comment, \
     CASE WHEN t.state = 'queued' THEN (SELECT COUNT(*) FROM tickets q WHERE q.line_id = t.line_id \
       AND q.state = 'queued' AND (q.queued_at < t.queued_at OR (q.queued_at = t.queued_at AND q.id <= t.id))) END \
     FROM tickets t JOIN lines l ON l.id = t.line_id JOIN users u ON u.id = t.user_id \
     LEFT JOIN users a ON a.id = t.assignee_id";

pub fn parse_state(s: &str) -> ApiResult<TicketState> {
    match s {
        "bot" => Ok(TicketState::Bot),
        "queued" => Ok(TicketState::Queued),
        "assigned" => Ok(TicketState::Assigned),
        "closed" => Ok(TicketState::Closed),
        other => Err(AppError::internal(format!("unknown ticket state {other}"))),
    }
}

fn parse_channel(s: &str) -> ApiResult<Channel> {
    Ok(match s {
        "desktop" => Channel::Desktop,
        "web" => Channel::Web,
        "email" => Channel::Email,
        "telegram" => Channel::Telegram,
        "api" => Channel::Api,
        other => return Err(AppError::internal(format!("unknown channel {other}"))),
    })
}

pub fn ticket_from_row(r: &Row) -> ApiResult<Ticket> {
    Ok(Ticket {
        id: TicketId(r.int(0)?),
        number: r.int(1)?,
        company_id: CompanyId(r.int(2)?),
        line_id: LineId(r.int(3)?),
        line_name: r.text(4)?,
        chat_id: ChatId(r.int(5)?),
        user_id: UserId(r.int(6)?),
        client_name: r.text(7)?,
        channel: parse_channel(&r.text(8)?)?,
        state: parse_state(&r.text(9)?)?,
        assignee_id: r.opt_int(10)?.map(UserId),
        assignee_name: r.opt_text(11)?,
        opened_at: r.int(12)?,
        queued_at: r.opt_int(13)?,
        assigned_at: r.opt_int(14)?,
        closed_at: r.opt_int(15)?,
        result: r.opt_text(16)?,
        rating: r.opt_int(17)?,
        rating_comment: r.opt_text(18)?,
        queue_position: r.opt_int(19)?,
    })
}

pub fn load_ticket(db: &mut dyn Db, id: TicketId) -> ApiResult<Ticket> {
    let r = db
        .query_opt(&format!("{TICKET_SELECT} WHERE t.id = $1"), params![id])?
        .ok_or(AppError::NotFound("ticket"))?;
    ticket_from_row(&r)
}

pub fn presence_str(p: Presence) -> &'static str {
    match p {
        Presence::Online => "online",
        Presence::Away => "away",
        Presence::Offline => "offline",
    }
}

pub fn parse_presence(s: &str) -> ApiResult<Presence> {
    match s {
        "online" => Ok(Presence::Online),
        "away" => Ok(Presence::Away),
        "offline" => Ok(Presence::Offline),
        other => Err(AppError::internal(format!("unknown presence {other}"))),
    }
}

/// Who hears about a ticket: its chat's user (while connected) and the company's staff.
pub fn ticket_recipients(db: &mut dyn Db, t: &Ticket) -> ApiResult<Vec<UserId>> {
    let mut to = access::staff_of(db, t.company_id)?;
    let active = db
        .query_opt(
            "SELECT 1 FROM chats ch JOIN connections cn ON cn.user_id = ch.user_id \
             AND cn.line_id = ch.line_id AND cn.state = 'active' WHERE ch.id = $1",
            params![t.chat_id],
        )?
        .is_some();
    if active {
        to.push(t.user_id);
    }
    Ok(to)
}

/// Reloads the ticket and tells everyone who may see it.
pub fn emit_ticket(ctx: &mut WriteCtx<'_>, id: TicketId) -> ApiResult<Ticket> {
    let ticket = load_ticket(ctx.db, id)?;
    let to = ticket_recipients(ctx.db, &ticket)?;
    ctx.emit_many(
        &to,
        &EventBody::TicketChanged {
            ticket: ticket.clone(),
        },
    )?;
    Ok(ticket)
}

/// Line working-hours status at `now`, cached per job.
#[derive(Default)]
pub struct HoursCache(HashMap<LineId, (bool, Option<i64>)>);

impl HoursCache {
    pub fn status(
        &mut self,
        db: &mut dyn Db,
        line: LineId,
        now: i64,
    ) -> ApiResult<(bool, Option<i64>)> {
        if let Some(s) = self.0.get(&line) {
            return Ok(*s);
        }
        let r = db
            .query_opt("SELECT hours FROM lines WHERE id = $1", params![line])?
            .ok_or(AppError::NotFound("line"))?;
        let status = match r.opt_text(0)? {
            Some(json) => {
                let h: WorkingHours = serde_json::from_str(&json).map_err(AppError::internal)?;
                hours::status(&h, now)
            }
            None => (true, None),
        };
        self.0.insert(line, status);
        Ok(status)
    }
}

/// Whether a specialist can take one more ticket automatically: online and under capacity.
fn is_free(db: &mut dyn Db, company: CompanyId, user: UserId) -> ApiResult<bool> {
    Ok(db
        .query_opt(
            "SELECT 1 FROM agents WHERE company_id = $1 AND user_id = $2 AND presence = 'online' \
             AND load_count < capacity",
            params![company, user],
        )?
        .is_some())
}

/// The free competent specialist with the least load; ties: the longest since their last
/// assignment, then the lowest id.
fn best_free_agent(db: &mut dyn Db, line: LineId) -> ApiResult<Option<UserId>> {
    Ok(db
        .query_opt(
            "SELECT a.user_id FROM competences c JOIN agents a ON a.company_id = c.company_id \
             AND a.user_id = c.user_id WHERE c.line_id = $1 AND a.presence = 'online' \
             AND a.load_count < a.capacity \
             ORDER BY a.load_count, a.last_assigned_at, a.user_id LIMIT 1",
            params![line],
        )?
        .map(|r| r.int(0).map(UserId))
        .transpose()?)
}

fn line_has_queue(db: &mut dyn Db, line: LineId, except: TicketId) -> ApiResult<bool> {
    Ok(db
        .query_opt(
            "SELECT 1 FROM tickets WHERE line_id = $1 AND state = 'queued' AND id <> $2 LIMIT 1",
            params![line, except],
        )?
        .is_some())
}

/// Routes a ticket that has just arrived on its line (new, or transferred to the line): to the
/// client's responsible specialist if free, else the free competent specialist with the least
/// load, else the line's queue (with a position notice), or, outside the line's working hours,
/// the queue with a notice of the next opening.
pub fn route_new(ctx: &mut WriteCtx<'_>, id: TicketId) -> ApiResult<Ticket> {
    let t = load_ticket(ctx.db, id)?;
    let (working, next_open) = HoursCache::default().status(ctx.db, t.line_id, ctx.now)?;
    if !working {
        enqueue(ctx, &t)?;
        chats::post_notice(
            ctx,
            t.chat_id,
            &Notice::OutsideHours {
                ticket_id: t.id,
                number: t.number,
                next_open_at: next_open,
            },
        )?;
        return emit_ticket(ctx, id);
    }
    // Someone is already waiting: a free specialist would have taken them, so this one queues.
    if !line_has_queue(ctx.db, t.line_id, t.id)? {
        let responsible = ctx
            .db
            .query_opt(
                "SELECT responsible_id FROM clients WHERE company_id = $1 AND user_id = $2",
                params![t.company_id, t.user_id],
            )?
            .and_then(|r| r.opt_int(0).ok().flatten())
            .map(UserId);
        let mut pick = None;
        if let Some(r) = responsible {
            if is_free(ctx.db, t.company_id, r)? {
                pick = Some(r);
            }
        }
        if pick.is_none() {
            pick = best_free_agent(ctx.db, t.line_id)?;
        }
        if let Some(agent) = pick {
            return assign(ctx, &t, agent, true);
        }
    }
    enqueue(ctx, &t)?;
    post_queue_notice(ctx, t.id)?;
    emit_ticket(ctx, id)
}

/// Puts the ticket at the end of its line's queue (no notice).
fn enqueue(ctx: &mut WriteCtx<'_>, t: &Ticket) -> ApiResult<()> {
    ctx.db.execute(
        "UPDATE tickets SET state = 'queued', queued_at = $1, assignee_id = NULL, assigned_at = NULL, \
         queue_msg_id = NULL, queue_pos = NULL WHERE id = $2",
        params![ctx.now, t.id],
    )?;
    Ok(())
}

/// Posts the queue-position notice of a queued ticket (its one notice for this wait).
fn post_queue_notice(ctx: &mut WriteCtx<'_>, id: TicketId) -> ApiResult<()> {
    let t = load_ticket(ctx.db, id)?;
    let position = t.queue_position.unwrap_or(1);
    let m = chats::post_notice(
        ctx,
        t.chat_id,
        &Notice::TicketQueued {
            ticket_id: t.id,
            number: t.number,
            position,
        },
    )?;
    ctx.db.execute(
        "UPDATE tickets SET queue_msg_id = $1, queue_pos = $2 WHERE id = $3",
        params![m.id, position, t.id],
    )?;
    Ok(())
}

/// Gives the ticket to `agent` (counting it in their load), with a notice and an event.
/// `only_if_queued`: the ticket must still be waiting — the condition is part of the update, so
/// of two specialists taking it at once exactly one succeeds and the other gets 409.
pub fn assign(
    ctx: &mut WriteCtx<'_>,
    t: &Ticket,
    agent: UserId,
    only_if_queued: bool,
) -> ApiResult<Ticket> {
    let cond = if only_if_queued {
        "state = 'queued'"
    } else {
        "state <> 'closed'"
    };
    let changed = ctx.db.execute(
        &format!(
            "UPDATE tickets SET state = 'assigned', assignee_id = $1, assigned_at = $2, \
             first_assigned_at = COALESCE(first_assigned_at, $2), queued_at = NULL, queue_pos = NULL \
             WHERE id = $3 AND {cond}"
        ),
        params![agent, ctx.now, t.id],
    )?;
    if changed == 0 {
        return Err(AppError::Conflict(if only_if_queued {
            "the ticket is no longer waiting in the queue".into()
        } else {
            "the ticket is closed".into()
        }));
    }
    add_load(ctx, t.company_id, agent, 1)?;
    let name = ctx
        .db
        .query_one(
            "SELECT display_name FROM users WHERE id = $1",
            params![agent],
        )?
        .text(0)?;
    chats::post_notice(
        ctx,
        t.chat_id,
        &Notice::SpecialistAssigned {
            ticket_id: t.id,
            number: t.number,
            specialist_id: agent,
            specialist_name: name,
        },
    )?;
    tracing::debug!(ticket = %t.id, agent = %agent, "ticket assigned");
    emit_ticket(ctx, t.id)
}

/// Changes a specialist's load by `delta` (the row is created on first use).
pub fn add_load(
    ctx: &mut WriteCtx<'_>,
    company: CompanyId,
    agent: UserId,
    delta: i64,
) -> ApiResult<()> {
    if delta > 0 {
        ctx.db.execute(
            "INSERT INTO agents (company_id, user_id, load_count, last_assigned_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (company_id, user_id) DO UPDATE SET load_count = agents.load_count + $3, \
             last_assigned_at = $4",
            params![company, agent, delta, ctx.now],
        )?;
    } else {
        ctx.db.execute(
            "UPDATE agents SET load_count = CASE WHEN load_count + $3 < 0 THEN 0 ELSE load_count + $3 END \
             WHERE company_id = $1 AND user_id = $2",
            params![company, agent, delta],
        )?;
    }
    Ok(())
}

/// Hands the oldest waiting tickets of the specialist's lines to them while they are online
/// and under capacity: lines by their competence priority (1 first), then oldest first across
/// lines of the same priority; lines outside their hours are skipped. Returns the lines whose
/// queues moved.
pub fn dispatch_agent(
    ctx: &mut WriteCtx<'_>,
    company: CompanyId,
    agent: UserId,
    hours: &mut HoursCache,
) -> ApiResult<HashSet<LineId>> {
    let mut moved = HashSet::new();
    let lines = ctx.db.query(
        "SELECT line_id, priority FROM competences WHERE user_id = $1 AND company_id = $2 \
         ORDER BY priority, line_id",
        params![agent, company],
    )?;
    let mut lines: Vec<(LineId, i64)> = lines
        .iter()
        .map(|r| Ok((LineId(r.int(0)?), r.int(1)?)))
        .collect::<ApiResult<_>>()?;
    let mut open = Vec::new();
    for (l, p) in lines.drain(..) {
        if hours.status(ctx.db, l, ctx.now)?.0 {
            open.push((l, p));
        }
    }
    if open.is_empty() {
        return Ok(moved);
    }
    loop {
        let free = ctx.db.query_opt(
            "SELECT capacity - load_count FROM agents WHERE company_id = $1 AND user_id = $2 \
             AND presence = 'online'",
            params![company, agent],
        )?;
        let Some(free) = free else { break };
        if free.int(0)? <= 0 {
            break;
        }
        // The best waiting ticket: best priority, then oldest.
        let mut best: Option<(i64, i64, i64, LineId)> = None;
        for (l, p) in &open {
            if best.is_some_and(|b| b.0 < *p) {
                break;
            }
            if let Some(r) = ctx.db.query_opt(
                "SELECT queued_at, id FROM tickets WHERE line_id = $1 AND state = 'queued' \
                 ORDER BY queued_at, id LIMIT 1",
                params![*l],
            )? {
                let cand = (*p, r.int(0)?, r.int(1)?, *l);
                if best.is_none_or(|b| (cand.0, cand.1, cand.2) < (b.0, b.1, b.2)) {
                    best = Some(cand);
                }
            }
        }
        let Some((_, _, id, line)) = best else { break };
        let t = load_ticket(ctx.db, TicketId(id))?;
        assign(ctx, &t, agent, true)?;
        moved.insert(line);
    }
    Ok(moved)
}

/// Hands the line's waiting tickets, oldest first, to its free competent specialists (when the
/// line is working). Returns how many were assigned.
pub fn dispatch_line(
    ctx: &mut WriteCtx<'_>,
    line: LineId,
    hours: &mut HoursCache,
) -> ApiResult<usize> {
    if !hours.status(ctx.db, line, ctx.now)?.0 {
        return Ok(0);
    }
    let mut n = 0;
    while let Some(r) = ctx.db.query_opt(
        "SELECT id FROM tickets WHERE line_id = $1 AND state = 'queued' ORDER BY queued_at, id LIMIT 1",
        params![line],
    )? {
        let Some(agent) = best_free_agent(ctx.db, line)? else {
            break;
        };
        let t = load_ticket(ctx.db, TicketId(r.int(0)?))?;
        assign(ctx, &t, agent, true)?;
        n += 1;
    }
    Ok(n)
}

/// Takes a ticket off its assignee (closing, transfer): their load drops and, being freer, they
/// get the oldest waiting ticket of their lines at once.
pub fn release(
    ctx: &mut WriteCtx<'_>,
    t: &Ticket,
    hours: &mut HoursCache,
) -> ApiResult<HashSet<LineId>> {
    match (t.state, t.assignee_id) {
        (TicketState::Assigned, Some(a)) => {
            add_load(ctx, t.company_id, a, -1)?;
            ctx.db.execute(
                "UPDATE tickets SET assignee_id = NULL, assigned_at = NULL WHERE id = $1",
                params![t.id],
            )?;
            dispatch_agent(ctx, t.company_id, a, hours)
        }
        _ => Ok(HashSet::new()),
    }
}

/// Brings the queue-position notices of one line up to date: one in-place update per waiting
/// ticket whose position changed since its notice was last written (a ticket without one, e.g.
/// one that waited for the opening, gets its notice now). Returns how many notices changed.
pub fn refresh_positions(ctx: &mut WriteCtx<'_>, line: LineId) -> ApiResult<usize> {
    if !HoursCache::default().status(ctx.db, line, ctx.now)?.0 {
        return Ok(0);
    }
    let rows = ctx.db.query(
        "SELECT id, queue_msg_id, queue_pos, chat_id, number FROM tickets \
         WHERE line_id = $1 AND state = 'queued' ORDER BY queued_at, id",
        params![line],
    )?;
    let mut changed = 0;
    let mut staff: Option<Vec<UserId>> = None;
    for (i, r) in rows.iter().enumerate() {
        let position = i as i64 + 1;
        if r.opt_int(2)? == Some(position) {
            continue;
        }
        let id = TicketId(r.int(0)?);
        match r.opt_int(1)? {
            None => post_queue_notice(ctx, id)?,
            Some(msg) => {
                let chat = ChatId(r.int(3)?);
                let notice = Notice::TicketQueued {
                    ticket_id: id,
                    number: r.int(4)?,
                    position,
                };
                let json = serde_json::to_string(&notice).map_err(AppError::internal)?;
                ctx.db.execute(
                    "UPDATE messages SET notice = $1 WHERE id = $2",
                    params![json, msg],
                )?;
                ctx.db.execute(
                    "UPDATE tickets SET queue_pos = $1 WHERE id = $2",
                    params![position, id],
                )?;
                let message = chats::load_message(ctx.db, MessageId(msg))?;
                if staff.is_none() {
                    let company = CompanyId(
                        ctx.db
                            .query_one("SELECT company_id FROM lines WHERE id = $1", params![line])?
                            .int(0)?,
                    );
                    staff = Some(access::staff_of(ctx.db, company)?);
                }
                let mut to = staff.clone().unwrap_or_default();
                if let Some(u) = chats::active_user(ctx.db, chat)? {
                    to.push(u);
                }
                ctx.emit_many(&to, &EventBody::MessageUpdated { message })?;
            }
        }
        changed += 1;
    }
    Ok(changed)
}

/// The node's routing state: lines whose queues moved and whose position notices are due.
#[derive(Default)]
pub struct Routing {
    dirty: Mutex<HashSet<LineId>>,
}

impl Routing {
    pub fn mark(&self, lines: impl IntoIterator<Item = LineId>) {
        if let Ok(mut d) = self.dirty.lock() {
            d.extend(lines);
        }
    }

    fn take(&self) -> Vec<LineId> {
        match self.dirty.lock() {
            Ok(mut d) => d.drain().collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// Writes the position notices of every line whose queue moved since the last call, each line
/// in one write job (so a burst of moves costs one update per waiting ticket). Returns the
/// notices changed.
pub async fn flush_positions(state: &AppState) -> ApiResult<usize> {
    let mut total = 0;
    for line in state.routing.take() {
        total += state
            .store
            .write(move |ctx| refresh_positions(ctx, line))
            .await?;
    }
    Ok(total)
}

/// Hands out what waits on lines that are working (e.g. a line that has just opened), then
/// refreshes the position notices. Returns the tickets assigned.
pub async fn dispatch_due(state: &AppState) -> ApiResult<usize> {
    let lines = state
        .store
        .read(|db| {
            db.query(
                "SELECT DISTINCT line_id FROM tickets WHERE state = 'queued'",
                params![],
            )?
            .iter()
            .map(|r| Ok(LineId(r.int(0)?)))
            .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    let mut total = 0;
    for line in lines {
        total += state
            .store
            .write(move |ctx| dispatch_line(ctx, line, &mut HoursCache::default()))
            .await?;
        // Even with nobody assigned, tickets that waited for the opening need their notices.
        state.routing.mark([line]);
    }
    flush_positions(state).await?;
    Ok(total)
}
