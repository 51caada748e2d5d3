//! Service requests (заявки на обслуживание): a specialist registers one from a ticket; the user
//! gets a notice and sees the open ones in the line's information panel. (The company's service
//! catalog and the status workflow come with the tickets issue.)

use crate::access;
use crate::auth::{clean_text, Auth};
use crate::chats::{chat_access, load_ticket, post_notice};
use crate::db::Row;
use crate::error::{ApiResult, AppError, Json, Path};
use crate::{params, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use okno_proto::*;
use std::sync::Arc;

const SELECT: &str =
    "SELECT id, number, title, status, ticket_id, chat_id, line_id, created_at, updated_at \
     FROM service_requests";

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
            let number = ctx
                .db
                .query_one(
                    "UPDATE companies SET request_seq = request_seq + 1 WHERE id = $1 RETURNING request_seq",
                    params![ticket.company_id],
                )?
                .int(0)?;
            let r = ctx.db.query_one(
                "INSERT INTO service_requests (company_id, number, title, status, ticket_id, chat_id, line_id, \
                 created_by, created_at, updated_at) VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $8) \
                 RETURNING id",
                params![ticket.company_id, number, &title, ticket.id, ticket.chat_id, ticket.line_id, auth.user, ctx.now],
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
