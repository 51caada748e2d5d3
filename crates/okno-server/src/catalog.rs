//! The company's service catalog: services → work types, each with optional extra fields that a
//! service request registered with it must fill.

use crate::access;
use crate::auth::{clean_text, Auth};
use crate::db::{Db, Row};
use crate::error::{ApiResult, AppError, Json, Path};
use crate::{params, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use okno_proto::*;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

pub const MAX_FIELDS: usize = 20;
pub const MAX_VALUE: usize = 1000;

fn work_type_from_row(r: &Row) -> ApiResult<WorkType> {
    Ok(WorkType {
        id: r.int(0)?,
        service_id: r.int(1)?,
        name: r.text(2)?,
        fields: serde_json::from_str(&r.text(3)?).map_err(AppError::internal)?,
        archived: r.bool(4)?,
    })
}

const WT_SELECT: &str = "SELECT id, service_id, name, fields, archived FROM work_types";

fn load_service(db: &mut dyn Db, id: i64) -> ApiResult<Service> {
    let r = db
        .query_opt(
            "SELECT id, company_id, name, description, archived FROM services WHERE id = $1",
            params![id],
        )?
        .ok_or(AppError::NotFound("service"))?;
    let work_types = db
        .query(
            &format!("{WT_SELECT} WHERE service_id = $1 ORDER BY id"),
            params![id],
        )?
        .iter()
        .map(work_type_from_row)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Service {
        id: r.int(0)?,
        company_id: CompanyId(r.int(1)?),
        name: r.text(2)?,
        description: r.text(3)?,
        archived: r.bool(4)?,
        work_types,
    })
}

/// A work type with its service, for registering a request: (work type, service name, company).
pub fn load_work_type(db: &mut dyn Db, id: i64) -> ApiResult<(WorkType, String, CompanyId, bool)> {
    let r = db
        .query_opt(
            "SELECT w.id, w.service_id, w.name, w.fields, w.archived, s.name, s.company_id, s.archived \
             FROM work_types w JOIN services s ON s.id = w.service_id WHERE w.id = $1",
            params![id],
        )?
        .ok_or(AppError::NotFound("work type"))?;
    Ok((
        work_type_from_row(&r)?,
        r.text(5)?,
        CompanyId(r.int(6)?),
        r.bool(7)?,
    ))
}

fn validate_fields(fields: &[CatalogField]) -> ApiResult<Vec<CatalogField>> {
    if fields.len() > MAX_FIELDS {
        return Err(AppError::invalid(format!(
            "at most {MAX_FIELDS} fields per work type"
        )));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(fields.len());
    for f in fields {
        let name = clean_text("field name", &f.name, 1, 100)?;
        if !seen.insert(name.to_lowercase()) {
            return Err(AppError::invalid(format!("field {name:?} is given twice")));
        }
        out.push(CatalogField {
            name,
            field_type: f.field_type,
            required: f.required,
        });
    }
    Ok(out)
}

/// Checks a request's field values against the work type: every required field present and
/// non-empty, every value of its type, no unknown names. Returns the trimmed values.
pub fn check_values(
    wt: &WorkType,
    values: &BTreeMap<String, String>,
) -> ApiResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for name in values.keys() {
        if !wt.fields.iter().any(|f| &f.name == name) {
            return Err(AppError::invalid(format!(
                "the work type has no field {name:?}"
            )));
        }
    }
    for f in &wt.fields {
        let v = values.get(&f.name).map(|v| v.trim()).unwrap_or("");
        if v.is_empty() {
            if f.required {
                return Err(AppError::invalid(format!("field {:?} is required", f.name)));
            }
            continue;
        }
        let v = clean_text(&f.name, v, 1, MAX_VALUE)?;
        let ok = match f.field_type {
            FieldType::Text => true,
            FieldType::Number => v.parse::<f64>().is_ok_and(f64::is_finite),
            FieldType::Date => chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").is_ok(),
            FieldType::Boolean => v == "true" || v == "false",
        };
        if !ok {
            let what = match f.field_type {
                FieldType::Text => "text",
                FieldType::Number => "a number",
                FieldType::Date => "a date, YYYY-MM-DD",
                FieldType::Boolean => "true or false",
            };
            return Err(AppError::invalid(format!(
                "field {:?} must be {what}",
                f.name
            )));
        }
        out.insert(f.name.clone(), v);
    }
    Ok(out)
}

#[utoipa::path(get, path = "/api/v1/companies/{id}/services", tag = "service requests", security(("bearer" = [])),
    params(("id" = i64, Path, description = "company id")),
    responses((status = 200, description = "the company's catalog", body = Vec<Service>),
        (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn list_services(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Service>>> {
    let company = CompanyId(id);
    let list = state
        .store
        .read_tx(move |db| {
            access::require_staff(db, auth.user, company)?;
            let ids = db.query(
                "SELECT id FROM services WHERE company_id = $1 ORDER BY id",
                params![company],
            )?;
            ids.iter()
                .map(|r| load_service(db, r.int(0)?))
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(list))
}

#[utoipa::path(post, path = "/api/v1/companies/{id}/services", tag = "service requests", security(("bearer" = [])),
    params(("id" = i64, Path, description = "company id")),
    request_body = ServiceInput,
    responses((status = 201, body = Service), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn create_service(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<ServiceInput>,
) -> ApiResult<(StatusCode, Json<Service>)> {
    let name = clean_text("name", &input.name, 1, 100)?;
    let description = clean_text("description", &input.description, 0, 1000)?;
    let company = CompanyId(id);
    let service = state
        .store
        .write(move |ctx| {
            access::require_admin(ctx.db, auth.user, company)?;
            let count = ctx
                .db
                .query_one(
                    "SELECT COUNT(*) FROM services WHERE company_id = $1",
                    params![company],
                )?
                .int(0)?;
            if count >= 500 {
                return Err(AppError::invalid("at most 500 services per company"));
            }
            let id = ctx
                .db
                .query_one(
                    "INSERT INTO services (company_id, name, description, archived, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    params![company, &name, &description, input.archived, ctx.now],
                )?
                .int(0)?;
            load_service(ctx.db, id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(service)))
}

#[utoipa::path(put, path = "/api/v1/services/{id}", tag = "service requests", security(("bearer" = [])),
    params(("id" = i64, Path, description = "service id")),
    request_body = ServiceInput,
    responses((status = 200, body = Service), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn update_service(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<ServiceInput>,
) -> ApiResult<Json<Service>> {
    let name = clean_text("name", &input.name, 1, 100)?;
    let description = clean_text("description", &input.description, 0, 1000)?;
    let service = state
        .store
        .write(move |ctx| {
            let s = load_service(ctx.db, id)?;
            if !access::is_staff(ctx.db, auth.user, s.company_id)? {
                return Err(AppError::NotFound("service"));
            }
            access::require_admin(ctx.db, auth.user, s.company_id)?;
            ctx.db.execute(
                "UPDATE services SET name = $1, description = $2, archived = $3 WHERE id = $4",
                params![&name, &description, input.archived, id],
            )?;
            load_service(ctx.db, id)
        })
        .await?;
    Ok(Json(service))
}

#[utoipa::path(post, path = "/api/v1/services/{id}/work-types", tag = "service requests", security(("bearer" = [])),
    params(("id" = i64, Path, description = "service id")),
    request_body = WorkTypeInput,
    responses((status = 201, body = WorkType), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn create_work_type(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<WorkTypeInput>,
) -> ApiResult<(StatusCode, Json<WorkType>)> {
    let name = clean_text("name", &input.name, 1, 100)?;
    let fields = validate_fields(&input.fields)?;
    let fields_json = serde_json::to_string(&fields).map_err(AppError::internal)?;
    let wt = state
        .store
        .write(move |ctx| {
            let s = load_service(ctx.db, id)?;
            if !access::is_staff(ctx.db, auth.user, s.company_id)? {
                return Err(AppError::NotFound("service"));
            }
            access::require_admin(ctx.db, auth.user, s.company_id)?;
            if s.work_types.len() >= 100 {
                return Err(AppError::invalid("at most 100 work types per service"));
            }
            let wid = ctx
                .db
                .query_one(
                    "INSERT INTO work_types (service_id, name, fields, archived) VALUES ($1, $2, $3, $4) \
                     RETURNING id",
                    params![id, &name, &fields_json, input.archived],
                )?
                .int(0)?;
            Ok(load_work_type(ctx.db, wid)?.0)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(wt)))
}

#[utoipa::path(put, path = "/api/v1/work-types/{id}", tag = "service requests", security(("bearer" = [])),
    params(("id" = i64, Path, description = "work type id")),
    request_body = WorkTypeInput,
    responses((status = 200, body = WorkType), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn update_work_type(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<WorkTypeInput>,
) -> ApiResult<Json<WorkType>> {
    let name = clean_text("name", &input.name, 1, 100)?;
    let fields = validate_fields(&input.fields)?;
    let fields_json = serde_json::to_string(&fields).map_err(AppError::internal)?;
    let wt = state
        .store
        .write(move |ctx| {
            let (_, _, company, _) = load_work_type(ctx.db, id)?;
            if !access::is_staff(ctx.db, auth.user, company)? {
                return Err(AppError::NotFound("work type"));
            }
            access::require_admin(ctx.db, auth.user, company)?;
            ctx.db.execute(
                "UPDATE work_types SET name = $1, fields = $2, archived = $3 WHERE id = $4",
                params![&name, &fields_json, input.archived, id],
            )?;
            Ok(load_work_type(ctx.db, id)?.0)
        })
        .await?;
    Ok(Json(wt))
}
