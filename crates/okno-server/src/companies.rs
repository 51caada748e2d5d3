//! Companies and their employees.

use crate::access::{self, role_str};
use crate::auth::{clean_text, normalize_login, validate_login, Auth};
use crate::error::{ApiResult, AppError, Json, Path};
use crate::{params, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use okno_proto::*;
use std::sync::Arc;

#[utoipa::path(post, path = "/api/v1/companies", tag = "companies", security(("bearer" = [])),
    request_body = CreateCompanyRequest,
    responses((status = 201, body = Company), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn create_company(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Json(req): Json<CreateCompanyRequest>,
) -> ApiResult<(StatusCode, Json<Company>)> {
    let name = clean_text("name", &req.name, 1, 100)?;
    let company = state
        .store
        .write(move |ctx| {
            if !access::is_service_admin(ctx.db, auth.user)? {
                return Err(AppError::Forbidden(
                    "only service admins create companies".into(),
                ));
            }
            let id = ctx
                .db
                .query_one(
                    "INSERT INTO companies (name, created_at) VALUES ($1, $2) RETURNING id",
                    params![&name, ctx.now],
                )?
                .int(0)?;
            Ok(Company {
                id: CompanyId(id),
                name: name.clone(),
            })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(company)))
}

#[utoipa::path(get, path = "/api/v1/companies/{id}/members", tag = "companies", security(("bearer" = [])),
    params(("id" = i64, Path, description = "company id")),
    responses((status = 200, body = Vec<Member>), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn list_members(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Member>>> {
    let company = CompanyId(id);
    let list = state
        .store
        .read(move |db| {
            access::require_admin_or_service(db, auth.user, company)?;
            db.query(
                "SELECT u.id, u.login, u.display_name, m.role FROM company_members m \
                 JOIN users u ON u.id = m.user_id WHERE m.company_id = $1 ORDER BY u.display_name",
                params![company],
            )?
            .into_iter()
            .map(|r| {
                Ok(Member {
                    user_id: UserId(r.int(0)?),
                    login: r.text(1)?,
                    display_name: r.text(2)?,
                    role: access::parse_role(&r.text(3)?)?,
                })
            })
            .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(list))
}

#[utoipa::path(post, path = "/api/v1/companies/{id}/members", tag = "companies", security(("bearer" = [])),
    params(("id" = i64, Path, description = "company id")),
    request_body = AddMemberRequest,
    responses((status = 201, body = Member), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn add_member(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(req): Json<AddMemberRequest>,
) -> ApiResult<(StatusCode, Json<Member>)> {
    let company = CompanyId(id);
    let login = normalize_login(&req.login);
    validate_login(&login)?;
    let member = state
        .store
        .write(move |ctx| {
            access::require_admin_or_service(ctx.db, auth.user, company)?;
            let u = ctx
                .db
                .query_opt(
                    "SELECT id, login, display_name FROM users WHERE login = $1",
                    params![&login],
                )?
                .ok_or(AppError::NotFound("user"))?;
            let user = UserId(u.int(0)?);
            ctx.db.execute(
                "INSERT INTO company_members (company_id, user_id, role) VALUES ($1, $2, $3) \
                 ON CONFLICT (company_id, user_id) DO UPDATE SET role = excluded.role",
                params![company, user, role_str(req.role)],
            )?;
            Ok(Member {
                user_id: user,
                login: u.text(1)?,
                display_name: u.text(2)?,
                role: req.role,
            })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(member)))
}
