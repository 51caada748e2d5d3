//! Who may see and do what: the tenant walls, checked inside the same transaction as the work.

use crate::db::Db;
use crate::error::{ApiResult, AppError};
use crate::params;
use okno_proto::*;

pub fn parse_role(s: &str) -> ApiResult<CompanyRole> {
    match s {
        "specialist" => Ok(CompanyRole::Specialist),
        "admin" => Ok(CompanyRole::Admin),
        other => Err(AppError::internal(format!("unknown role {other}"))),
    }
}

pub fn role_str(r: CompanyRole) -> &'static str {
    match r {
        CompanyRole::Specialist => "specialist",
        CompanyRole::Admin => "admin",
    }
}

pub fn is_service_admin(db: &mut dyn Db, user: UserId) -> ApiResult<bool> {
    Ok(db
        .query_opt(
            "SELECT service_admin FROM users WHERE id = $1",
            params![user],
        )?
        .map(|r| r.bool(0))
        .transpose()?
        .unwrap_or(false))
}

/// The caller's role in a company, if they work there.
pub fn company_role(
    db: &mut dyn Db,
    user: UserId,
    company: CompanyId,
) -> ApiResult<Option<CompanyRole>> {
    db.query_opt(
        "SELECT role FROM company_members WHERE company_id = $1 AND user_id = $2",
        params![company, user],
    )?
    .map(|r| parse_role(&r.text(0)?))
    .transpose()
}

pub fn is_staff(db: &mut dyn Db, user: UserId, company: CompanyId) -> ApiResult<bool> {
    Ok(company_role(db, user, company)?.is_some())
}

/// Refuses unless the caller is an admin of the company.
pub fn require_admin(db: &mut dyn Db, user: UserId, company: CompanyId) -> ApiResult<()> {
    match company_role(db, user, company)? {
        Some(CompanyRole::Admin) => Ok(()),
        Some(CompanyRole::Specialist) => Err(AppError::Forbidden(
            "only the company's admins may do this".into(),
        )),
        None => Err(AppError::NotFound("company")),
    }
}

/// Refuses unless the caller is an admin of the company or a service admin.
pub fn require_admin_or_service(
    db: &mut dyn Db,
    user: UserId,
    company: CompanyId,
) -> ApiResult<()> {
    if is_service_admin(db, user)? {
        let exists = db.query_opt("SELECT 1 FROM companies WHERE id = $1", params![company])?;
        return exists.map(|_| ()).ok_or(AppError::NotFound("company"));
    }
    require_admin(db, user, company)
}

/// Refuses unless the caller works for the company.
pub fn require_staff(db: &mut dyn Db, user: UserId, company: CompanyId) -> ApiResult<CompanyRole> {
    company_role(db, user, company)?.ok_or(AppError::NotFound("company"))
}

/// Everyone who works for the company: they see its lines' chats.
pub fn staff_of(db: &mut dyn Db, company: CompanyId) -> ApiResult<Vec<UserId>> {
    db.query(
        "SELECT user_id FROM company_members WHERE company_id = $1 ORDER BY user_id",
        params![company],
    )?
    .into_iter()
    .map(|r| Ok(UserId(r.int(0)?)))
    .collect()
}

/// The company's admins: they see its connections and requests.
pub fn admins_of(db: &mut dyn Db, company: CompanyId) -> ApiResult<Vec<UserId>> {
    db.query(
        "SELECT user_id FROM company_members WHERE company_id = $1 AND role = 'admin' ORDER BY user_id",
        params![company],
    )?
    .into_iter()
    .map(|r| Ok(UserId(r.int(0)?)))
    .collect()
}
