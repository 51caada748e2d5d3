//! Service requests (заявки на обслуживание): a specialist registers one from a ticket; the user
//! gets a notice and sees the open ones in the line's information panel. Each is registered with
//! a work type of the company's catalog (`catalog.rs`), whose fields it fills; staff move it
//! through open → in progress → done / cancelled, each step a notice in the chat.

use crate::access;
use crate::auth::{clean_text, Auth};
use crate::catalog;
use crate::chats::{chat_access, load_ticket, post_notice};
use crate::db::{Db, Row};
use crate::error::{ApiResult, AppError, Json, Path};
use crate::{params, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use okno_proto::*;
use std::sync::Arc;

const SELECT: &str =
    "SELECT id, number, title, status, ticket_id, chat_id, line_id, created_at, updated_at, \
     service_id, service_name, work_type_id, work_type_name, fields, company_id, user_id \
     FROM service_requests";

fn status_str(s: ServiceRequestStatus) -> &'static str {
    match s {
        ServiceRequestStatus::Open => "open",
        ServiceRequestStatus::InProgress => "in_progress",
        ServiceRequestStatus::Done => "done",
        ServiceRequestStatus::Cancelled => "cancelled",
    }
}

/// The service requests registered from a ticket, newest first.
pub fn for_ticket(db: &mut dyn Db, ticket: TicketId) -> ApiResult<Vec<ServiceRequest>> {
    db.query(
        &format!("{SELECT} WHERE ticket_id = $1 ORDER BY id DESC LIMIT 200"),
        params![ticket],
    )?
    .iter()
    .map(from_row)
    .collect()
}

fn from_row(r: &Row) -> ApiResult<ServiceRequest> {
    Ok(ServiceRequest {
        id: r.int(0)?,
        number: r.int(1)?,
        title: r.text(2)?,
        status: match r.text(3)?.as_str() {
            "open" => ServiceRequestStatus::Open,
            "in_progress" => ServiceRequestStatus::InProgress,
            "done" => ServiceRequestStatus::Done,
            "cancelled" => ServiceRequestStatus::Cancelled,
            other => return Err(AppError::internal(format!("unknown status {other}"))),
        },
        ticket_id: TicketId(r.int(4)?),
        chat_id: ChatId(r.int(5)?),
        line_id: LineId(r.int(6)?),
        created_at: r.int(7)?,
        updated_at: r.int(8)?,
        service_id: r.opt_int(9)?,
        service_name: r.text(10)?,
        work_type_id: r.opt_int(11)?,
        work_type_name: r.text(12)?,
        fields: serde_json::from_str(&r.text(13)?).map_err(AppError::internal)?,
    })
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/service-requests", tag = "service requests", security(("bearer" = [])),
    params(("id" = i64, Path, description = "ticket id")),
    request_body = ServiceRequestInput,
    responses((status = 201, body = ServiceRequest), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn register(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<ServiceRequestInput>,
) -> ApiResult<(StatusCode, Json<ServiceRequest>)> {
    let title = clean_text("title", &input.title, 1, 200)?;
    let request = state
        .store
        .write(move |ctx| {
            let ticket = load_ticket(ctx.db, TicketId(id))?;
            if !access::is_staff(ctx.db, auth.user, ticket.company_id)? {
                // Users (even the ticket's own) cannot tell whether it exists: not found.
                chat_access(ctx.db, auth.user, ticket.chat_id).map_err(|_| AppError::NotFound("ticket"))?;
                return Err(AppError::Forbidden("only the line's specialists register service requests".into()));
            }
            let (wt, service_name, company, service_archived) =
                catalog::load_work_type(ctx.db, input.work_type_id)
                    .map_err(|_| AppError::invalid("work_type_id is not in the company's catalog"))?;
            if company != ticket.company_id {
                return Err(AppError::invalid("work_type_id is not in the company's catalog"));
            }
            if wt.archived || service_archived {
                return Err(AppError::invalid("the work type is archived"));
            }
            let values = catalog::check_values(&wt, &input.fields)?;
            let fields_json = serde_json::to_string(&values).map_err(AppError::internal)?;
            let number = ctx
                .db
                .query_one(
                    "UPDATE companies SET request_seq = request_seq + 1 WHERE id = $1 RETURNING request_seq",
                    params![ticket.company_id],
                )?
                .int(0)?;
            let r = ctx.db.query_one(
                "INSERT INTO service_requests (company_id, number, title, status, ticket_id, chat_id, line_id, \
                 created_by, created_at, updated_at, service_id, service_name, work_type_id, work_type_name, \
                 fields, user_id) VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $8, $9, $10, $11, $12, $13, $14) \
                 RETURNING id",
                params![ticket.company_id, number, &title, ticket.id, ticket.chat_id, ticket.line_id, auth.user,
                    ctx.now, wt.service_id, &service_name, wt.id, &wt.name, &fields_json, ticket.user_id],
            )?;
            let id = r.int(0)?;
            let request = from_row(&ctx.db.query_one(&format!("{SELECT} WHERE id = $1"), params![id])?)?;
            let mut to = access::staff_of(ctx.db, ticket.company_id)?;
            to.push(ticket.user_id);
            ctx.emit_many(&to, &EventBody::ServiceRequestChanged { request: request.clone() })?;
            post_notice(ctx, ticket.chat_id, &Notice::ServiceRequestRegistered { number, title: title.clone() })?;
            Ok(request)
        })
        .await?;
    tracing::info!(request = request.id, "service request registered");
    Ok((StatusCode::CREATED, Json(request)))
}

#[utoipa::path(get, path = "/api/v1/chats/{id}/service-requests", tag = "service requests", security(("bearer" = [])),
    params(("id" = i64, Path, description = "chat id")),
    responses((status = 200, description = "the chat's service requests, newest first", body = Vec<ServiceRequest>),
        (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<ServiceRequest>>> {
    let chat = ChatId(id);
    let list = state
        .store
        .read(move |db| {
            chat_access(db, auth.user, chat)?;
            db.query(
                &format!("{SELECT} WHERE chat_id = $1 ORDER BY id DESC LIMIT 200"),
                params![chat],
            )?
            .iter()
            .map(from_row)
            .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(list))
}

#[utoipa::path(put, path = "/api/v1/service-requests/{id}/status", tag = "service requests", security(("bearer" = [])),
    params(("id" = i64, Path, description = "service request id")),
    request_body = ServiceRequestStatusInput,
    responses((status = 200, body = ServiceRequest), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn set_status(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<ServiceRequestStatusInput>,
) -> ApiResult<Json<ServiceRequest>> {
    let request = state
        .store
        .write(move |ctx| {
            let r = ctx
                .db
                .query_opt(&format!("{SELECT} WHERE id = $1"), params![id])?
                .ok_or(AppError::NotFound("service request"))?;
            let company = CompanyId(r.int(14)?);
            let owner = r.opt_int(15)?.map(UserId);
            let current = from_row(&r)?;
            if !access::is_staff(ctx.db, auth.user, company)? {
                if owner == Some(auth.user) {
                    return Err(AppError::Forbidden(
                        "only the company's staff change a request's status".into(),
                    ));
                }
                return Err(AppError::NotFound("service request"));
            }
            if current.status == input.status {
                return Ok(current);
            }
            ctx.db.execute(
                "UPDATE service_requests SET status = $1, updated_at = $2 WHERE id = $3",
                params![status_str(input.status), ctx.now, id],
            )?;
            let request = from_row(
                &ctx.db
                    .query_one(&format!("{SELECT} WHERE id = $1"), params![id])?,
            )?;
            let mut to = access::staff_of(ctx.db, company)?;
            if let Some(u) = crate::chats::active_user(ctx.db, request.chat_id)? {
                to.push(u);
            }
            ctx.emit_many(
                &to,
                &EventBody::ServiceRequestChanged {
                    request: request.clone(),
                },
            )?;
            post_notice(
                ctx,
                request.chat_id,
                &Notice::ServiceRequestStatusChanged {
                    number: request.number,
                    title: request.title.clone(),
                    status: request.status,
                },
            )?;
            Ok(request)
        })
        .await?;
    tracing::info!(request = request.id, "service request status changed");
    Ok(Json(request))
}

#[utoipa::path(get, path = "/api/v1/me/service-requests", tag = "service requests", security(("bearer" = [])),
    responses((status = 200, description = "the caller's open (open or in progress) service requests, on lines they are connected to, newest first", body = Vec<ServiceRequest>),
        (status = 401, body = ApiError)))]
pub async fn mine(
    State(state): State<Arc<AppState>>,
    auth: Auth,
) -> ApiResult<Json<Vec<ServiceRequest>>> {
    let list = state
        .store
        .read(move |db| {
            db.query(
                &format!(
                    "{SELECT} WHERE user_id = $1 AND status IN ('open', 'in_progress') AND EXISTS \
                     (SELECT 1 FROM chats ch JOIN connections cn ON cn.user_id = ch.user_id AND cn.line_id = ch.line_id \
                     AND cn.state = 'active' WHERE ch.id = service_requests.chat_id) ORDER BY id DESC LIMIT 200"
                ),
                params![auth.user],
            )?
            .iter()
            .map(from_row)
            .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(list))
}
