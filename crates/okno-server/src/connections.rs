//! Connections: an admin connects a line to a user; a user requests a published line and the
//! owner's admin approves or rejects; a user disconnects.

use crate::access;
use crate::auth::{normalize_login, validate_login, Auth};
use crate::db::{Db, Row};
use crate::error::{ApiResult, AppError, Json, Path, Query};
use crate::lines::line_from_row;
use crate::store::{now_ms, WriteCtx};
use crate::{params, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use okno_proto::*;
use serde::Deserialize;
use std::sync::Arc;

const CONN_SELECT: &str = "SELECT cn.id, cn.user_id, u.display_name, cn.state, cn.origin, cn.created_at, ch.id, \
     l.id, l.company_id, c.name, l.name, l.internal_name, l.description, l.details_url, l.avatar_file, \
     l.hours, l.published, l.recommended \
     FROM connections cn JOIN users u ON u.id = cn.user_id \
     JOIN lines l ON l.id = cn.line_id JOIN companies c ON c.id = l.company_id \
     LEFT JOIN chats ch ON ch.user_id = cn.user_id AND ch.line_id = cn.line_id";

fn state_str(s: ConnectionState) -> &'static str {
    match s {
        ConnectionState::Pending => "pending",
        ConnectionState::Active => "active",
        ConnectionState::Rejected => "rejected",
    }
}

fn parse_state(s: &str) -> ApiResult<ConnectionState> {
    match s {
        "pending" => Ok(ConnectionState::Pending),
        "active" => Ok(ConnectionState::Active),
        "rejected" => Ok(ConnectionState::Rejected),
        other => Err(AppError::internal(format!(
            "unknown connection state {other}"
        ))),
    }
}

pub fn connection_from_row(r: &Row, staff_view: bool, now: i64) -> ApiResult<Connection> {
    let state = parse_state(&r.text(3)?)?;
    Ok(Connection {
        id: ConnectionId(r.int(0)?),
        user_id: UserId(r.int(1)?),
        user_display_name: r.text(2)?,
        state,
        origin: if r.text(4)? == "admin" {
            ConnectionOrigin::Admin
        } else {
            ConnectionOrigin::Request
        },
        created_at: r.int(5)?,
        chat_id: if state == ConnectionState::Active {
            r.opt_int(6)?.map(ChatId)
        } else {
            None
        },
        line: line_from_row(r, 7, staff_view, now)?,
    })
}

fn load(db: &mut dyn Db, id: ConnectionId, staff_view: bool, now: i64) -> ApiResult<Connection> {
    let r = db
        .query_opt(&format!("{CONN_SELECT} WHERE cn.id = $1"), params![id])?
        .ok_or(AppError::NotFound("connection"))?;
    connection_from_row(&r, staff_view, now)
}

/// The user's connections, newest first.
pub fn user_connections(db: &mut dyn Db, user: UserId, now: i64) -> ApiResult<Vec<Connection>> {
    let mine = crate::lines::staff_companies(db, user)?;
    db.query(
        &format!("{CONN_SELECT} WHERE cn.user_id = $1 ORDER BY cn.id DESC"),
        params![user],
    )?
    .iter()
    .map(|r| connection_from_row(r, mine.contains(&CompanyId(r.int(8)?)), now))
    .collect()
}

/// Makes sure the (user, line) chat exists.
fn ensure_chat(
    ctx: &mut WriteCtx<'_>,
    user: UserId,
    line: LineId,
    company: CompanyId,
) -> ApiResult<()> {
    ctx.db.execute(
        "INSERT INTO chats (user_id, line_id, company_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, line_id) DO NOTHING",
        params![user, line, company, ctx.now],
    )?;
    Ok(())
}

/// Tells the user and the company's admins about the connection.
fn emit_connection(
    ctx: &mut WriteCtx<'_>,
    id: ConnectionId,
    company: CompanyId,
) -> ApiResult<Connection> {
    let admins = access::admins_of(ctx.db, company)?;
    let staff_view = load(ctx.db, id, true, ctx.now)?;
    let client_view = load(ctx.db, id, false, ctx.now)?;
    let user = client_view.user_id;
    ctx.emit_many(
        &admins,
        &EventBody::ConnectionChanged {
            connection: staff_view.clone(),
        },
    )?;
    if !admins.contains(&user) {
        ctx.emit(
            user,
            &EventBody::ConnectionChanged {
                connection: client_view.clone(),
            },
        )?;
    }
    Ok(if admins.contains(&user) {
        staff_view
    } else {
        client_view
    })
}

fn line_company(db: &mut dyn Db, line: LineId) -> ApiResult<(CompanyId, bool)> {
    let r = db
        .query_opt(
            "SELECT company_id, published FROM lines WHERE id = $1",
            params![line],
        )?
        .ok_or(AppError::NotFound("line"))?;
    Ok((CompanyId(r.int(0)?), r.bool(1)?))
}

#[utoipa::path(get, path = "/api/v1/connections", tag = "connections", security(("bearer" = [])),
    responses((status = 200, body = Vec<Connection>), (status = 401, body = ApiError)))]
pub async fn my_connections(
    State(state): State<Arc<AppState>>,
    auth: Auth,
) -> ApiResult<Json<Vec<Connection>>> {
    let list = state
        .store
        .read(move |db| user_connections(db, auth.user, now_ms()))
        .await?;
    Ok(Json(list))
}

#[utoipa::path(post, path = "/api/v1/connections", tag = "connections", security(("bearer" = [])),
    request_body = ConnectionRequestInput,
    responses((status = 201, description = "the request, pending the owner's approval", body = Connection),
        (status = 200, description = "the request was already pending", body = Connection),
        (status = 401, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn request_connection(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Json(req): Json<ConnectionRequestInput>,
) -> ApiResult<(StatusCode, Json<Connection>)> {
    let (created, conn) = state
        .store
        .write(move |ctx| {
            let (company, published) = line_company(ctx.db, req.line_id)?;
            let existing = ctx.db.query_opt(
                "SELECT id, state FROM connections WHERE user_id = $1 AND line_id = $2",
                params![auth.user, req.line_id],
            )?;
            if let Some(r) = existing {
                let id = ConnectionId(r.int(0)?);
                return match parse_state(&r.text(1)?)? {
                    ConnectionState::Active => Err(AppError::Conflict("the line is already connected".into())),
                    ConnectionState::Pending => Ok((false, load(ctx.db, id, false, ctx.now)?)),
                    ConnectionState::Rejected if published => {
                        ctx.db.execute(
                            "UPDATE connections SET state = 'pending', origin = 'request', updated_at = $1 WHERE id = $2",
                            params![ctx.now, id],
                        )?;
                        Ok((true, emit_connection(ctx, id, company)?))
                    }
                    ConnectionState::Rejected => Err(AppError::NotFound("line")),
                };
            }
            if !published {
                return Err(AppError::NotFound("line"));
            }
            let id = ConnectionId(
                ctx.db
                    .query_one(
                        "INSERT INTO connections (user_id, line_id, state, origin, created_at, updated_at) \
                         VALUES ($1, $2, 'pending', 'request', $3, $3) RETURNING id",
                        params![auth.user, req.line_id, ctx.now],
                    )?
                    .int(0)?,
            );
            Ok((true, emit_connection(ctx, id, company)?))
        })
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(conn)))
}

#[utoipa::path(delete, path = "/api/v1/connections/{id}", tag = "connections", security(("bearer" = [])),
    params(("id" = i64, Path, description = "connection id")),
    responses((status = 204, description = "disconnected, or the request withdrawn"),
        (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn disconnect(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let id = ConnectionId(id);
    state
        .store
        .write(move |ctx| {
            let r = ctx
                .db
                .query_opt(
                    "SELECT cn.user_id, cn.line_id, l.company_id FROM connections cn \
                     JOIN lines l ON l.id = cn.line_id WHERE cn.id = $1",
                    params![id],
                )?
                .ok_or(AppError::NotFound("connection"))?;
            let (user, line, company) =
                (UserId(r.int(0)?), LineId(r.int(1)?), CompanyId(r.int(2)?));
            if user != auth.user {
                access::require_admin(ctx.db, auth.user, company).map_err(|e| match e {
                    AppError::NotFound(_) => AppError::NotFound("connection"),
                    other => other,
                })?;
            }
            ctx.db
                .execute("DELETE FROM connections WHERE id = $1", params![id])?;
            let mut to = access::admins_of(ctx.db, company)?;
            to.push(user);
            ctx.emit_many(
                &to,
                &EventBody::ConnectionRemoved {
                    connection_id: id,
                    line_id: line,
                },
            )?;
            Ok(())
        })
        .await?;
    tracing::info!(connection = %id, "disconnected");
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/companies/{id}/connections", tag = "connections", security(("bearer" = [])),
    params(("id" = i64, Path, description = "company id")),
    request_body = AdminConnectInput,
    responses((status = 201, body = Connection), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn admin_connect(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(req): Json<AdminConnectInput>,
) -> ApiResult<(StatusCode, Json<Connection>)> {
    let company = CompanyId(id);
    let login = normalize_login(&req.login);
    validate_login(&login)?;
    let conn = state
        .store
        .write(move |ctx| {
            access::require_admin(ctx.db, auth.user, company)?;
            let (line_company, _) = line_company(ctx.db, req.line_id)?;
            if line_company != company {
                return Err(AppError::NotFound("line"));
            }
            let user = UserId(
                ctx.db
                    .query_opt("SELECT id FROM users WHERE login = $1", params![&login])?
                    .ok_or(AppError::NotFound("user"))?
                    .int(0)?,
            );
            let id = ConnectionId(
                ctx.db
                    .query_one(
                        "INSERT INTO connections (user_id, line_id, state, origin, created_at, updated_at) \
                         VALUES ($1, $2, 'active', 'admin', $3, $3) \
                         ON CONFLICT (user_id, line_id) DO UPDATE SET state = 'active', updated_at = $3 \
                         RETURNING id",
                        params![user, req.line_id, ctx.now],
                    )?
                    .int(0)?,
            );
            ensure_chat(ctx, user, req.line_id, company)?;
            emit_connection(ctx, id, company)?;
            load(ctx.db, id, true, ctx.now)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(conn)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ConnectionsQuery {
    /// `pending` (the requests to decide), `active` or `rejected`; all when absent.
    pub state: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/companies/{id}/connections", tag = "connections", security(("bearer" = [])),
    params(("id" = i64, Path, description = "company id"), ConnectionsQuery),
    responses((status = 200, body = Vec<Connection>), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn company_connections(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<ConnectionsQuery>,
) -> ApiResult<Json<Vec<Connection>>> {
    let company = CompanyId(id);
    let filter = match q.state.as_deref() {
        None => None,
        Some(s @ ("pending" | "active" | "rejected")) => Some(s.to_owned()),
        Some(_) => {
            return Err(AppError::invalid(
                "state must be pending, active or rejected",
            ))
        }
    };
    let list = state
        .store
        .read(move |db| {
            access::require_admin(db, auth.user, company)?;
            let now = now_ms();
            let rows = match &filter {
                Some(s) => db.query(
                    &format!("{CONN_SELECT} WHERE l.company_id = $1 AND cn.state = $2 ORDER BY cn.id DESC LIMIT 1000"),
                    params![company, s],
                )?,
                None => db.query(
                    &format!("{CONN_SELECT} WHERE l.company_id = $1 ORDER BY cn.id DESC LIMIT 1000"),
                    params![company],
                )?,
            };
            rows.iter().map(|r| connection_from_row(r, true, now)).collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(list))
}

async fn decide(
    state: &AppState,
    auth: Auth,
    id: ConnectionId,
    approve: bool,
) -> ApiResult<Connection> {
    state
        .store
        .write(move |ctx| {
            let r = ctx
                .db
                .query_opt(
                    "SELECT cn.user_id, cn.line_id, l.company_id, cn.state FROM connections cn \
                     JOIN lines l ON l.id = cn.line_id WHERE cn.id = $1",
                    params![id],
                )?
                .ok_or(AppError::NotFound("connection"))?;
            let (user, line, company) =
                (UserId(r.int(0)?), LineId(r.int(1)?), CompanyId(r.int(2)?));
            access::require_admin(ctx.db, auth.user, company).map_err(|e| match e {
                AppError::NotFound(_) => AppError::NotFound("connection"),
                other => other,
            })?;
            if parse_state(&r.text(3)?)? != ConnectionState::Pending {
                return Err(AppError::Conflict("the request was already decided".into()));
            }
            let new_state = if approve {
                ConnectionState::Active
            } else {
                ConnectionState::Rejected
            };
            ctx.db.execute(
                "UPDATE connections SET state = $1, updated_at = $2 WHERE id = $3",
                params![state_str(new_state), ctx.now, id],
            )?;
            if approve {
                ensure_chat(ctx, user, line, company)?;
            }
            emit_connection(ctx, id, company)?;
            load(ctx.db, id, true, ctx.now)
        })
        .await
}

#[utoipa::path(post, path = "/api/v1/connections/{id}/approve", tag = "connections", security(("bearer" = [])),
    params(("id" = i64, Path, description = "connection id")),
    responses((status = 200, body = Connection), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn approve(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Connection>> {
    Ok(Json(decide(&state, auth, ConnectionId(id), true).await?))
}

#[utoipa::path(post, path = "/api/v1/connections/{id}/reject", tag = "connections", security(("bearer" = [])),
    params(("id" = i64, Path, description = "connection id")),
    responses((status = 200, body = Connection), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn reject(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Connection>> {
    Ok(Json(decide(&state, auth, ConnectionId(id), false).await?))
}
