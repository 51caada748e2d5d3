//! Specialists as ticket handlers: competences (line, level, priority) and capacity, set by the
//! company's admins; presence, set by the specialist. Coming online, or getting more capacity
//! or lines, hands them waiting tickets at once.

use crate::access;
use crate::auth::Auth;
use crate::db::Db;
use crate::error::{ApiResult, AppError, Json, Path};
use crate::routing::{self, parse_presence, presence_str, HoursCache};
use crate::store::WriteCtx;
use crate::{params, AppState};
use axum::extract::State;
use okno_proto::*;
use std::collections::HashSet;
use std::sync::Arc;

pub const MAX_CAPACITY: i64 = 100;
pub const DEFAULT_CAPACITY: i64 = 3;

/// A company employee's routing profile (defaults when nothing was set: offline, capacity 3).
pub fn load_agent(db: &mut dyn Db, company: CompanyId, user: UserId) -> ApiResult<Agent> {
    let r = db
        .query_opt(
            "SELECT m.role, u.display_name, a.presence, a.capacity, a.load_count \
             FROM company_members m JOIN users u ON u.id = m.user_id \
             LEFT JOIN agents a ON a.company_id = m.company_id AND a.user_id = m.user_id \
             WHERE m.company_id = $1 AND m.user_id = $2",
            params![company, user],
        )?
        .ok_or(AppError::NotFound("employee"))?;
    let competences = db
        .query(
            "SELECT line_id, level, priority FROM competences WHERE company_id = $1 AND user_id = $2 \
             ORDER BY priority, line_id",
            params![company, user],
        )?
        .iter()
        .map(|c| {
            Ok(Competence {
                line_id: LineId(c.int(0)?),
                level: c.int(1)?,
                priority: c.int(2)?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Agent {
        company_id: company,
        user_id: user,
        display_name: r.text(1)?,
        role: access::parse_role(&r.text(0)?)?,
        presence: match r.opt_text(2)? {
            Some(p) => parse_presence(&p)?,
            None => Presence::Offline,
        },
        capacity: r.opt_int(3)?.unwrap_or(DEFAULT_CAPACITY),
        load: r.opt_int(4)?.unwrap_or(0),
        competences,
    })
}

fn emit_agent(ctx: &mut WriteCtx<'_>, company: CompanyId, user: UserId) -> ApiResult<Agent> {
    let agent = load_agent(ctx.db, company, user)?;
    let mut to = access::admins_of(ctx.db, company)?;
    to.push(user);
    ctx.emit_many(
        &to,
        &EventBody::AgentChanged {
            agent: agent.clone(),
        },
    )?;
    Ok(agent)
}

fn companies_of(db: &mut dyn Db, user: UserId) -> ApiResult<Vec<CompanyId>> {
    db.query(
        "SELECT company_id FROM company_members WHERE user_id = $1 ORDER BY company_id",
        params![user],
    )?
    .iter()
    .map(|r| Ok(CompanyId(r.int(0)?)))
    .collect()
}

#[utoipa::path(get, path = "/api/v1/me/agents", tag = "tickets", security(("bearer" = [])),
    responses((status = 200, description = "the caller's routing profile in each company they work for", body = Vec<Agent>),
        (status = 401, body = ApiError)))]
pub async fn my_agents(
    State(state): State<Arc<AppState>>,
    auth: Auth,
) -> ApiResult<Json<Vec<Agent>>> {
    let list = state
        .store
        .read(move |db| {
            companies_of(db, auth.user)?
                .into_iter()
                .map(|c| load_agent(db, c, auth.user))
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(list))
}

#[utoipa::path(put, path = "/api/v1/me/presence", tag = "tickets", security(("bearer" = [])),
    request_body = PresenceRequest,
    responses((status = 200, description = "the caller's profiles, with the presence set in every company they work for", body = Vec<Agent>),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn set_presence(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Json(req): Json<PresenceRequest>,
) -> ApiResult<Json<Vec<Agent>>> {
    let (list, moved) = state
        .store
        .write(move |ctx| {
            let companies = companies_of(ctx.db, auth.user)?;
            if companies.is_empty() {
                return Err(AppError::Forbidden(
                    "only a company's employees have a presence".into(),
                ));
            }
            let mut moved = HashSet::new();
            let mut hours = HoursCache::default();
            let mut list = Vec::new();
            for c in companies {
                ctx.db.execute(
                    "INSERT INTO agents (company_id, user_id, presence) VALUES ($1, $2, $3) \
                     ON CONFLICT (company_id, user_id) DO UPDATE SET presence = $3",
                    params![c, auth.user, presence_str(req.presence)],
                )?;
                if req.presence == Presence::Online {
                    moved.extend(routing::dispatch_agent(ctx, c, auth.user, &mut hours)?);
                }
                list.push(emit_agent(ctx, c, auth.user)?);
            }
            Ok((list, moved))
        })
        .await?;
    state.routing.mark(moved);
    tracing::info!(user = %auth.user, presence = presence_str(req.presence), "presence set");
    Ok(Json(list))
}

#[utoipa::path(get, path = "/api/v1/companies/{id}/agents", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "company id")),
    responses((status = 200, description = "the company's employees as ticket handlers", body = Vec<Agent>),
        (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn company_agents(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Agent>>> {
    let company = CompanyId(id);
    let list = state
        .store
        .read(move |db| {
            access::require_staff(db, auth.user, company)?;
            let users = access::staff_of(db, company)?;
            users
                .into_iter()
                .map(|u| load_agent(db, company, u))
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(list))
}

fn validate_agent_input(input: &AgentInput) -> ApiResult<()> {
    if !(0..=MAX_CAPACITY).contains(&input.capacity) {
        return Err(AppError::invalid(format!(
            "capacity must be 0 to {MAX_CAPACITY}"
        )));
    }
    if input.competences.len() > 200 {
        return Err(AppError::invalid("at most 200 competences"));
    }
    let mut seen = HashSet::new();
    for c in &input.competences {
        if !(1..=3).contains(&c.level) {
            return Err(AppError::invalid("level must be 1 to 3"));
        }
        if !(1..=10).contains(&c.priority) {
            return Err(AppError::invalid("priority must be 1 to 10"));
        }
        if !seen.insert(c.line_id) {
            return Err(AppError::invalid(format!(
                "line {} is given twice",
                c.line_id
            )));
        }
    }
    Ok(())
}

#[utoipa::path(put, path = "/api/v1/companies/{id}/agents/{user_id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path, description = "company id"), ("user_id" = i64, Path, description = "the employee")),
    request_body = AgentInput,
    responses((status = 200, body = Agent), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn put_agent(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path((id, user_id)): Path<(i64, i64)>,
    Json(input): Json<AgentInput>,
) -> ApiResult<Json<Agent>> {
    validate_agent_input(&input)?;
    let (company, user) = (CompanyId(id), UserId(user_id));
    let (agent, moved) = state
        .store
        .write(move |ctx| {
            access::require_admin(ctx.db, auth.user, company)?;
            if !access::is_staff(ctx.db, user, company)? {
                return Err(AppError::NotFound("employee"));
            }
            for c in &input.competences {
                let ok = ctx
                    .db
                    .query_opt(
                        "SELECT 1 FROM lines WHERE id = $1 AND company_id = $2",
                        params![c.line_id, company],
                    )?
                    .is_some();
                if !ok {
                    return Err(AppError::invalid(format!(
                        "line {} is not a line of this company",
                        c.line_id
                    )));
                }
            }
            ctx.db.execute(
                "INSERT INTO agents (company_id, user_id, capacity) VALUES ($1, $2, $3) \
                 ON CONFLICT (company_id, user_id) DO UPDATE SET capacity = $3",
                params![company, user, input.capacity],
            )?;
            ctx.db.execute(
                "DELETE FROM competences WHERE company_id = $1 AND user_id = $2",
                params![company, user],
            )?;
            for c in &input.competences {
                ctx.db.execute(
                    "INSERT INTO competences (line_id, user_id, company_id, level, priority) \
                     VALUES ($1, $2, $3, $4, $5)",
                    params![c.line_id, user, company, c.level, c.priority],
                )?;
            }
            let moved = routing::dispatch_agent(ctx, company, user, &mut HoursCache::default())?;
            Ok((emit_agent(ctx, company, user)?, moved))
        })
        .await?;
    state.routing.mark(moved);
    Ok(Json(agent))
}
