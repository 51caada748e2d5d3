//! Lines: the company admin's operations, the directory of published lines, avatars.

use crate::access;
use crate::auth::{clean_text, Auth};
use crate::db::{Db, Row};
use crate::error::{ApiResult, AppError, Json, Path, Query};
use crate::store::{now_ms, WriteCtx};
use crate::{hours, params, AppState};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use okno_proto::*;
use serde::Deserialize;
use std::collections::HashSet;
use std::sync::Arc;

pub const LINE_COLS: &str = "l.id, l.company_id, c.name, l.name, l.internal_name, l.description, \
     l.details_url, l.avatar_file, l.hours, l.published, l.recommended";
pub const LINE_FROM: &str = "lines l JOIN companies c ON c.id = l.company_id";

/// Reads a line from `LINE_COLS` starting at column `at`.
pub fn line_from_row(r: &Row, at: usize, staff_view: bool, now: i64) -> ApiResult<Line> {
    let hours: Option<WorkingHours> = r
        .opt_text(at + 8)?
        .map(|h| serde_json::from_str(&h))
        .transpose()
        .map_err(AppError::internal)?;
    let (working_now, next_open_at) = match &hours {
        Some(h) => hours::status(h, now),
        None => (true, None),
    };
    Ok(Line {
        id: LineId(r.int(at)?),
        company_id: CompanyId(r.int(at + 1)?),
        company_name: r.text(at + 2)?,
        name: r.text(at + 3)?,
        internal_name: if staff_view {
            r.text(at + 4)?
        } else {
            String::new()
        },
        description: r.text(at + 5)?,
        details_url: r.text(at + 6)?,
        has_avatar: r.opt_text(at + 7)?.is_some(),
        hours,
        working_now,
        next_open_at,
        published: r.bool(at + 9)?,
        recommended: r.bool(at + 10)?,
    })
}

/// The companies the user works for.
pub fn staff_companies(db: &mut dyn Db, user: UserId) -> ApiResult<HashSet<CompanyId>> {
    db.query(
        "SELECT company_id FROM company_members WHERE user_id = $1",
        params![user],
    )?
    .into_iter()
    .map(|r| Ok(CompanyId(r.int(0)?)))
    .collect()
}

/// The line as `viewer` may see it, or `NotFound` when they may not see it at all.
pub fn visible_line(db: &mut dyn Db, viewer: UserId, line: LineId, now: i64) -> ApiResult<Line> {
    let r = db
        .query_opt(
            &format!("SELECT {LINE_COLS} FROM {LINE_FROM} WHERE l.id = $1"),
            params![line],
        )?
        .ok_or(AppError::NotFound("line"))?;
    let company = CompanyId(r.int(1)?);
    let staff = access::is_staff(db, viewer, company)?;
    let line_view = line_from_row(&r, 0, staff, now)?;
    if staff || line_view.published {
        return Ok(line_view);
    }
    let connected = db.query_opt(
        "SELECT 1 FROM connections WHERE user_id = $1 AND line_id = $2",
        params![viewer, line],
    )?;
    if connected.is_some() || access::is_service_admin(db, viewer)? {
        return Ok(line_view);
    }
    Err(AppError::NotFound("line"))
}

fn validate_input(input: &LineInput) -> ApiResult<LineInput> {
    let details_url = input.details_url.trim().to_owned();
    if !details_url.is_empty() {
        let lower = details_url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://"))
            || details_url.len() > 2000
            || details_url
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(AppError::invalid("details_url must be an http(s) URL"));
        }
    }
    if let Some(h) = &input.hours {
        hours::validate(h).map_err(AppError::Invalid)?;
        // Parsing alone lets "2026-1-1" or "+9:00" through, but holidays are matched as
        // `YYYY-MM-DD` text: any other spelling would be a day off that never applies.
        let mut times = h.weekly.iter().flat_map(|d| [&d.open, &d.close]);
        if let Some(t) = times.find(|t| !shaped(t, "00:00")) {
            return Err(AppError::invalid(format!("bad time {t:?}: use HH:MM")));
        }
        if let Some(day) = h.holidays.iter().find(|d| !shaped(d, "0000-00-00")) {
            return Err(AppError::invalid(format!(
                "bad holiday {day:?}: use YYYY-MM-DD"
            )));
        }
    }
    Ok(LineInput {
        name: clean_text("name", &input.name, 1, 100)?,
        internal_name: clean_text("internal_name", &input.internal_name, 0, 100)?,
        description: clean_text("description", &input.description, 0, 1000)?,
        details_url,
        hours: input.hours.clone(),
    })
}

/// Whether `s` has the shape of `pattern`, where `0` stands for any ASCII digit.
fn shaped(s: &str, pattern: &str) -> bool {
    s.len() == pattern.len()
        && s.bytes().zip(pattern.bytes()).all(|(c, p)| match p {
            b'0' => c.is_ascii_digit(),
            _ => c == p,
        })
}

/// Lower-case text for case-insensitive search in both alphabets (ё searches as е).
pub fn fold(s: &str) -> String {
    s.to_lowercase().replace('ё', "е")
}

fn search_text(input: &LineInput) -> String {
    fold(&format!("{} {}", input.name, input.description))
}

/// Tells everyone who sees the line that it changed: its staff (with the internal name) and
/// its connected users (without).
pub fn emit_line_changed(ctx: &mut WriteCtx<'_>, line: LineId) -> ApiResult<()> {
    let r = ctx.db.query_one(
        &format!("SELECT {LINE_COLS} FROM {LINE_FROM} WHERE l.id = $1"),
        params![line],
    )?;
    let company = CompanyId(r.int(1)?);
    let staff = access::staff_of(ctx.db, company)?;
    let clients: Vec<UserId> = ctx
        .db
        .query(
            "SELECT user_id FROM connections WHERE line_id = $1",
            params![line],
        )?
        .into_iter()
        .map(|r| Ok(UserId(r.int(0)?)))
        .collect::<ApiResult<Vec<_>>>()?
        .into_iter()
        .filter(|u| !staff.contains(u))
        .collect();
    let staff_body = EventBody::LineChanged {
        line: line_from_row(&r, 0, true, ctx.now)?,
    };
    ctx.emit_many(&staff, &staff_body)?;
    let client_body = EventBody::LineChanged {
        line: line_from_row(&r, 0, false, ctx.now)?,
    };
    ctx.emit_many(&clients, &client_body)
}

#[utoipa::path(post, path = "/api/v1/companies/{id}/lines", tag = "lines", security(("bearer" = [])),
    params(("id" = i64, Path, description = "company id")),
    request_body = LineInput,
    responses((status = 201, body = Line), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn create_line(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<LineInput>,
) -> ApiResult<(StatusCode, Json<Line>)> {
    let company = CompanyId(id);
    let input = validate_input(&input)?;
    let line = state
        .store
        .write(move |ctx| {
            access::require_admin(ctx.db, auth.user, company)?;
            let hours = input
                .hours
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(AppError::internal)?;
            let id = ctx
                .db
                .query_one(
                    "INSERT INTO lines (company_id, name, internal_name, description, details_url, \
                     hours, search_text, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                    params![
                        company,
                        &input.name,
                        &input.internal_name,
                        &input.description,
                        &input.details_url,
                        hours,
                        search_text(&input),
                        ctx.now
                    ],
                )?
                .int(0)?;
            emit_line_changed(ctx, LineId(id))?;
            visible_line(ctx.db, auth.user, LineId(id), ctx.now)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(line)))
}

/// Runs `change` on a line after checking that the caller administers its company.
async fn admin_line_change<F>(
    state: &AppState,
    auth: Auth,
    line: LineId,
    service_admin_ok: bool,
    change: F,
) -> ApiResult<Line>
where
    F: Fn(&mut WriteCtx<'_>) -> ApiResult<()> + Send + 'static,
{
    state
        .store
        .write(move |ctx| {
            let company = ctx
                .db
                .query_opt("SELECT company_id FROM lines WHERE id = $1", params![line])?
                .ok_or(AppError::NotFound("line"))?
                .int(0)?;
            if service_admin_ok {
                access::require_admin_or_service(ctx.db, auth.user, CompanyId(company))
            } else {
                access::require_admin(ctx.db, auth.user, CompanyId(company))
            }
            .map_err(|e| match e {
                AppError::NotFound(_) => AppError::NotFound("line"),
                other => other,
            })?;
            change(ctx)?;
            ctx.db.execute(
                "UPDATE lines SET updated_at = $1 WHERE id = $2",
                params![ctx.now, line],
            )?;
            emit_line_changed(ctx, line)?;
            visible_line(ctx.db, auth.user, line, ctx.now)
        })
        .await
}

#[utoipa::path(put, path = "/api/v1/lines/{id}", tag = "lines", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    request_body = LineInput,
    responses((status = 200, body = Line), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn update_line(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<LineInput>,
) -> ApiResult<Json<Line>> {
    let input = validate_input(&input)?;
    let line = LineId(id);
    let hours = input
        .hours
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(AppError::internal)?;
    let updated = admin_line_change(&state, auth, line, false, move |ctx| {
        ctx.db.execute(
            "UPDATE lines SET name = $1, internal_name = $2, description = $3, details_url = $4, \
             hours = $5, search_text = $6 WHERE id = $7",
            params![
                &input.name,
                &input.internal_name,
                &input.description,
                &input.details_url,
                hours.clone(),
                search_text(&input),
                line
            ],
        )?;
        Ok(())
    })
    .await?;
    Ok(Json(updated))
}

#[utoipa::path(put, path = "/api/v1/lines/{id}/published", tag = "lines", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    request_body = FlagRequest,
    responses((status = 200, body = Line), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn set_published(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(req): Json<FlagRequest>,
) -> ApiResult<Json<Line>> {
    let line = LineId(id);
    let updated = admin_line_change(&state, auth, line, false, move |ctx| {
        // An unpublished line cannot stay recommended: recommendations point at searchable lines.
        ctx.db.execute(
            "UPDATE lines SET published = $1, recommended = recommended * $1 WHERE id = $2",
            params![req.value, line],
        )?;
        Ok(())
    })
    .await?;
    Ok(Json(updated))
}

#[utoipa::path(put, path = "/api/v1/lines/{id}/recommended", tag = "lines", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    request_body = FlagRequest,
    responses((status = 200, body = Line), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn set_recommended(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(req): Json<FlagRequest>,
) -> ApiResult<Json<Line>> {
    let line = LineId(id);
    let updated = admin_line_change(&state, auth, line, true, move |ctx| {
        let published = ctx
            .db
            .query_one("SELECT published FROM lines WHERE id = $1", params![line])?
            .bool(0)?;
        if req.value && !published {
            return Err(AppError::Conflict(
                "publish the line before recommending it".into(),
            ));
        }
        ctx.db.execute(
            "UPDATE lines SET recommended = $1 WHERE id = $2",
            params![req.value, line],
        )?;
        Ok(())
    })
    .await?;
    Ok(Json(updated))
}

#[utoipa::path(get, path = "/api/v1/lines/{id}", tag = "lines", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    responses((status = 200, body = Line), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_line(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Line>> {
    let line = state
        .store
        .read(move |db| visible_line(db, auth.user, LineId(id), now_ms()))
        .await?;
    Ok(Json(line))
}

#[utoipa::path(get, path = "/api/v1/companies/{id}/lines", tag = "lines", security(("bearer" = [])),
    params(("id" = i64, Path, description = "company id")),
    responses((status = 200, body = Vec<Line>), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn company_lines(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Line>>> {
    let company = CompanyId(id);
    let lines = state
        .store
        .read(move |db| {
            access::require_staff(db, auth.user, company)?;
            let now = now_ms();
            db.query(
                &format!(
                    "SELECT {LINE_COLS} FROM {LINE_FROM} WHERE l.company_id = $1 ORDER BY l.name"
                ),
                params![company],
            )?
            .iter()
            .map(|r| line_from_row(r, 0, true, now))
            .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(lines))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DirectoryQuery {
    /// Words to find in the name or description, any case, Cyrillic or Latin. Empty: all.
    #[serde(default)]
    pub q: String,
    /// At most 100; 50 by default.
    pub limit: Option<i64>,
}

fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[utoipa::path(get, path = "/api/v1/directory", tag = "lines", security(("bearer" = [])),
    params(DirectoryQuery),
    responses((status = 200, body = Vec<Line>), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn directory(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Query(q): Query<DirectoryQuery>,
) -> ApiResult<Json<Vec<Line>>> {
    if q.q.chars().count() > 200 {
        return Err(AppError::invalid(
            "the query must have at most 200 characters",
        ));
    }
    if q.q.chars().any(char::is_control) {
        return Err(AppError::invalid("the query contains control characters"));
    }
    let limit = q.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(AppError::invalid("limit must be 1 to 100"));
    }
    let words: Vec<String> = fold(&q.q)
        .split_whitespace()
        .take(5)
        .map(like_escape)
        .collect();
    let lines = state
        .store
        .read(move |db| {
            let mut sql = format!("SELECT {LINE_COLS} FROM {LINE_FROM} WHERE l.published = 1");
            let mut values = Vec::new();
            for (i, w) in words.iter().enumerate() {
                sql.push_str(&format!(" AND l.search_text LIKE ${} ESCAPE '\\'", i + 1));
                values.push(crate::db::Value::from(w));
            }
            sql.push_str(&format!(
                " ORDER BY l.recommended DESC, l.name, l.id LIMIT ${}",
                values.len() + 1
            ));
            values.push(limit.into());
            let mine = staff_companies(db, auth.user)?;
            let now = now_ms();
            db.query(&sql, &values)?
                .iter()
                .map(|r| line_from_row(r, 0, mine.contains(&CompanyId(r.int(1)?)), now))
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(lines))
}

#[utoipa::path(get, path = "/api/v1/directory/recommended", tag = "lines", security(("bearer" = [])),
    responses((status = 200, body = Vec<Line>), (status = 401, body = ApiError)))]
pub async fn recommended(
    State(state): State<Arc<AppState>>,
    auth: Auth,
) -> ApiResult<Json<Vec<Line>>> {
    let lines = state
        .store
        .read(move |db| {
            let mine = staff_companies(db, auth.user)?;
            let now = now_ms();
            db.query(
                &format!(
                    "SELECT {LINE_COLS} FROM {LINE_FROM} WHERE l.published = 1 AND l.recommended = 1 \
                     ORDER BY l.name, l.id LIMIT 100"
                ),
                params![],
            )?
            .iter()
            .map(|r| line_from_row(r, 0, mine.contains(&CompanyId(r.int(1)?)), now))
            .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(lines))
}

const AVATAR_MAX: u64 = 512 * 1024;

#[utoipa::path(put, path = "/api/v1/lines/{id}/avatar", tag = "lines", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "PNG, JPEG, GIF or WebP, at most 512 KiB"),
    responses((status = 200, body = Line), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError)))]
pub async fn put_avatar(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    body: Body,
) -> ApiResult<Json<Line>> {
    let line = LineId(id);
    // Check the right before taking the bytes.
    state
        .store
        .read(move |db| {
            let company = db
                .query_opt("SELECT company_id FROM lines WHERE id = $1", params![line])?
                .ok_or(AppError::NotFound("line"))?
                .int(0)?;
            access::require_admin(db, auth.user, CompanyId(company)).map_err(|e| match e {
                AppError::NotFound(_) => AppError::NotFound("line"),
                other => other,
            })
        })
        .await?;
    let received = state.files.receive(body, AVATAR_MAX).await?;
    if !matches!(
        received.content_type.as_str(),
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    ) {
        state.files.remove(&received.storage_name).await;
        return Err(AppError::Unsupported(
            "the avatar must be a PNG, JPEG, GIF or WebP image".into(),
        ));
    }
    let name = received.storage_name.clone();
    let result = admin_line_change(&state, auth, line, false, move |ctx| {
        ctx.db.execute(
            "UPDATE lines SET avatar_file = $1 WHERE id = $2",
            params![&name, line],
        )?;
        Ok(())
    })
    .await;
    if result.is_err() {
        state.files.remove(&received.storage_name).await;
    }
    Ok(Json(result?))
}

#[utoipa::path(get, path = "/api/v1/lines/{id}/avatar", tag = "lines", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    responses((status = 200, description = "the image", content_type = "image/*"),
        (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_avatar(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let line = LineId(id);
    let name = state
        .store
        .read(move |db| {
            visible_line(db, auth.user, line, now_ms())?;
            db.query_one("SELECT avatar_file FROM lines WHERE id = $1", params![line])?
                .opt_text(0)?
                .ok_or(AppError::NotFound("avatar"))
        })
        .await?;
    let bytes = state.files.read_all(&name).await?;
    let content_type = infer::get(&bytes)
        .map(|t| t.mime_type())
        .unwrap_or("application/octet-stream");
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        bytes,
    )
        .into_response())
}
