//! Accounts and sessions: registration, login (argon2id, rate limited), bearer tokens stored
//! hashed, logout, listing and revoking sessions.

use crate::error::{ApiResult, AppError, Json, Path};
use crate::{db::Db, params, AppState};
use argon2::password_hash::{self, Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use base64::Engine;
use okno_proto::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `bytes` random bytes, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // getrandom only fails when the OS has no entropy source at all; fall back to a hash of the
    // clock and address so the server keeps running, and say so loudly.
    if getrandom::fill(&mut buf).is_err() {
        tracing::error!("the OS random source failed");
        let seed = format!("{:?}{:p}", std::time::SystemTime::now(), &buf);
        let digest = Sha256::digest(seed.as_bytes());
        for (i, b) in buf.iter_mut().enumerate() {
            *b = digest[i % digest.len()];
        }
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Hashes a password for storage: argon2id with the library's default parameters (19 MiB,
/// two passes), as a PHC string.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(AppError::internal)?;
    let salt = SaltString::encode_b64(&salt).map_err(AppError::internal)?;
    argon2_phc(
        Algorithm::default(),
        Version::default(),
        Params::default(),
        password.as_bytes(),
        salt.as_salt(),
    )
    .map(|h| h.to_string())
    .map_err(AppError::internal)
}

/// Whether `password` matches a stored PHC string (with the parameters stored in it); a
/// malformed string matches nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    let check = |stored: &PasswordHash<'_>| -> password_hash::Result<bool> {
        let salt = stored.salt.ok_or(password_hash::Error::SaltInvalid(
            password_hash::errors::InvalidValue::Malformed,
        ))?;
        let computed = argon2_phc(
            Algorithm::try_from(stored.algorithm)?,
            stored
                .version
                .map(Version::try_from)
                .transpose()?
                .unwrap_or_default(),
            Params::try_from(stored)?,
            password.as_bytes(),
            salt,
        )?;
        // `Output`'s equality takes the same time wherever the two differ; a stored string
        // without a hash never equals the computed one.
        Ok(computed.hash == stored.hash)
    };
    PasswordHash::new(hash)
        .and_then(|stored| check(&stored))
        .unwrap_or(false)
}

/// Argon2's working memory (`Params::block_count` blocks of 1 KiB: 19 MiB by default) comes from
/// one allocation of at least this many bytes. glibc serves an allocation over 32 MiB with its
/// own `mmap` and unmaps it when it is freed; a 19 MiB one it serves that way only until the
/// first such block is freed (it then raises its mmap threshold to that size), and after that
/// from the hashing thread's arena, which keeps the memory resident for good. The desktop app's
/// embedded server seeds the demo accounts and signs in on its first start: that held 96 MB of
/// anonymous memory in the app until it quit. Only the blocks argon2 uses are ever touched, so
/// the rest of the allocation is never resident, with any allocator.
const ARGON2_ALLOCATION_BYTES: usize = 32 * 1024 * 1024 + 64 * 1024;

fn argon2_memory(blocks: usize) -> Vec<Block> {
    let mut memory = Vec::with_capacity(blocks.max(ARGON2_ALLOCATION_BYTES.div_ceil(Block::SIZE)));
    memory.resize(blocks, Block::default());
    memory
}

/// The argon2 hash of `password` as a PHC string (what `PasswordHasher::hash_password` computes),
/// with its working memory from [`argon2_memory`].
fn argon2_phc<'a>(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
    salt: Salt<'a>,
) -> password_hash::Result<PasswordHash<'a>> {
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let mut memory = argon2_memory(params.block_count());
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let hash = Output::init_with(output_len, |out| {
        Ok(argon2.hash_password_into_with_memory(password, salt_bytes, out, &mut memory)?)
    })?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt),
        hash: Some(hash),
    })
}

/// A hash to verify against when the login does not exist, so both cases take the same time.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

pub fn normalize_login(login: &str) -> String {
    login.trim().to_lowercase()
}

pub fn validate_login(login: &str) -> Result<(), AppError> {
    let n = login.chars().count();
    if !(3..=64).contains(&n) {
        return Err(AppError::invalid("the login must have 3 to 64 characters"));
    }
    if !login
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(AppError::invalid(
            "the login may contain letters, digits and . _ - @ only",
        ));
    }
    Ok(())
}

/// Trims and checks a display text: length in characters, no control characters.
pub fn clean_text(field: &str, value: &str, min: usize, max: usize) -> Result<String, AppError> {
    let v = value.trim();
    let n = v.chars().count();
    if n < min || n > max {
        return Err(AppError::invalid(if min > 0 {
            format!("{field} must have {min} to {max} characters")
        } else {
            format!("{field} must have at most {max} characters")
        }));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(AppError::invalid(format!(
            "{field} contains control characters"
        )));
    }
    Ok(v.to_owned())
}

/// The signed-in caller.
#[derive(Debug, Clone, Copy)]
pub struct Auth {
    pub user: UserId,
    pub session: SessionId,
}

pub fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

impl FromRequestParts<Arc<AppState>> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, AppError> {
        let token = bearer(parts).ok_or(AppError::Unauthorized)?;
        if token.is_empty() || token.len() > 200 {
            return Err(AppError::Unauthorized);
        }
        let hash = token_hash(token);
        state
            .store
            .read(move |db| {
                let row = db.query_opt(
                    "SELECT id, user_id FROM sessions WHERE token_hash = $1",
                    params![hash],
                )?;
                match row {
                    Some(r) => Ok(Auth {
                        session: SessionId(r.int(0)?),
                        user: UserId(r.int(1)?),
                    }),
                    None => Err(AppError::Unauthorized),
                }
            })
            .await
    }
}

/// Counts failed logins per login name and per client address in a sliding minute.
pub struct LoginLimiter {
    max_per_minute: u32,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginLimiter {
    pub fn new(max_per_minute: u32) -> Self {
        Self {
            max_per_minute,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(login: &str, ip: IpAddr) -> [String; 2] {
        [format!("l:{login}"), format!("a:{ip}")]
    }

    /// `Err(RateLimited)` while either key has used its attempts.
    pub fn check(&self, login: &str, ip: IpAddr) -> Result<(), AppError> {
        let Ok(mut map) = self.failures.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        for key in Self::keys(login, ip) {
            if let Some(list) = map.get_mut(&key) {
                list.retain(|t| now.duration_since(*t) < Duration::from_secs(60));
                if list.len() as u32 >= self.max_per_minute {
                    let wait = list
                        .first()
                        .map(|t| 60u64.saturating_sub(now.duration_since(*t).as_secs()))
                        .unwrap_or(60);
                    return Err(AppError::RateLimited(wait.max(1)));
                }
            }
        }
        Ok(())
    }

    pub fn failed(&self, login: &str, ip: IpAddr) {
        if let Ok(mut map) = self.failures.lock() {
            if map.len() > 100_000 {
                map.clear();
            }
            for key in Self::keys(login, ip) {
                map.entry(key).or_default().push(Instant::now());
            }
        }
    }
}

pub(crate) fn load_me(db: &mut dyn Db, user: UserId) -> ApiResult<Me> {
    let row = db
        .query_opt(
            "SELECT id, login, display_name, service_admin FROM users WHERE id = $1",
            params![user],
        )?
        .ok_or(AppError::Unauthorized)?;
    let memberships = db
        .query(
            "SELECT m.company_id, c.name, m.role FROM company_members m \
             JOIN companies c ON c.id = m.company_id WHERE m.user_id = $1 ORDER BY c.name",
            params![user],
        )?
        .into_iter()
        .map(|r| {
            Ok(Membership {
                company_id: CompanyId(r.int(0)?),
                company_name: r.text(1)?,
                role: crate::access::parse_role(&r.text(2)?)?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Me {
        id: UserId(row.int(0)?),
        login: row.text(1)?,
        display_name: row.text(2)?,
        service_admin: row.bool(3)?,
        memberships,
    })
}

/// The password of a new account: in clear (checked and hashed here), or already hashed (the
/// demo accounts share one hash of their one published password: one argon2 run instead of
/// five on the embedded server's first start).
pub(crate) enum NewPassword<'a> {
    Clear(&'a str),
    Hashed(&'a str),
}

/// Creates an account (also used by the demo seed). Returns its id.
pub(crate) async fn create_user(
    state: &AppState,
    login: &str,
    password: NewPassword<'_>,
    display_name: &str,
    service_admin: bool,
) -> ApiResult<UserId> {
    let login = normalize_login(login);
    validate_login(&login)?;
    if let NewPassword::Clear(password) = password {
        let n = password.chars().count();
        if !(8..=256).contains(&n) {
            return Err(AppError::invalid(
                "the password must have 8 to 256 characters",
            ));
        }
    }
    let display_name = clean_text("display_name", display_name, 1, 100)?;
    let hash = match password {
        NewPassword::Clear(password) => {
            let password = password.to_owned();
            tokio::task::spawn_blocking(move || hash_password(&password))
                .await
                .map_err(AppError::internal)??
        }
        NewPassword::Hashed(hash) => hash.to_owned(),
    };
    state
        .store
        .write(move |ctx| {
            let exists = ctx
                .db
                .query_opt("SELECT 1 FROM users WHERE login = $1", params![&login])?;
            if exists.is_some() {
                return Err(AppError::Conflict("that login is taken".into()));
            }
            let id = ctx
                .db
                .query_one(
                    "INSERT INTO users (login, display_name, password_hash, service_admin, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    params![&login, &display_name, &hash, service_admin, ctx.now],
                )?
                .int(0)?;
            Ok(UserId(id))
        })
        .await
}

#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts",
    request_body = RegisterRequest,
    responses((status = 201, body = Me), (status = 400, body = ApiError), (status = 409, body = ApiError)))]
pub async fn register(
    State(state): State<Arc<AppState>>,
    Json(req): Json<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<Me>)> {
    let id = create_user(
        &state,
        &req.login,
        NewPassword::Clear(&req.password),
        &req.display_name,
        false,
    )
    .await?;
    let me = state.store.read(move |db| load_me(db, id)).await?;
    Ok((StatusCode::CREATED, Json(me)))
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts",
    request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 429, body = ApiError)))]
pub async fn login(
    State(state): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let login = normalize_login(&req.login);
    if login.is_empty()
        || login.len() > 256
        || login.chars().any(char::is_control)
        || req.password.len() > 1024
    {
        return Err(AppError::invalid("give a login and a password"));
    }
    state.limiter.check(&login, addr.ip())?;
    let device = clean_text(
        "device_name",
        req.device_name.as_deref().unwrap_or("unnamed device"),
        1,
        100,
    )?;
    let l = login.clone();
    let found = state
        .store
        .read(move |db| {
            db.query_opt(
                "SELECT id, password_hash FROM users WHERE login = $1",
                params![&l],
            )?
            .map(|r| Ok::<_, AppError>((UserId(r.int(0)?), r.text(1)?)))
            .transpose()
        })
        .await?;
    let password = req.password.clone();
    let ok_user = tokio::task::spawn_blocking(move || match found {
        Some((id, hash)) => verify_password(&password, &hash).then_some(id),
        None => {
            let dummy =
                DUMMY_HASH.get_or_init(|| hash_password("dummy password").unwrap_or_default());
            let _ = verify_password(&password, dummy);
            None
        }
    })
    .await
    .map_err(AppError::internal)?;
    let Some(user) = ok_user else {
        state.limiter.failed(&login, addr.ip());
        tracing::info!("failed login");
        return Err(AppError::BadCredentials);
    };
    let token = random_token(32);
    let hash = token_hash(&token);
    let session = state
        .store
        .write(move |ctx| {
            let id = ctx
                .db
                .query_one(
                    "INSERT INTO sessions (user_id, token_hash, device_name, created_at, last_seen_at) \
                     VALUES ($1, $2, $3, $4, $4) RETURNING id",
                    params![user, hash.clone(), &device, ctx.now],
                )?
                .int(0)?;
            Ok(SessionId(id))
        })
        .await?;
    let me = state.store.read(move |db| load_me(db, user)).await?;
    tracing::info!(user = %user, session = %session, "signed in");
    Ok(Json(LoginResponse {
        token,
        session_id: session,
        me,
    }))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ApiError)))]
pub async fn logout(State(state): State<Arc<AppState>>, auth: Auth) -> ApiResult<StatusCode> {
    revoke(&state, auth.user, auth.session).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn revoke(state: &AppState, user: UserId, session: SessionId) -> ApiResult<()> {
    state
        .store
        .write(move |ctx| {
            let n = ctx.db.execute(
                "DELETE FROM sessions WHERE id = $1 AND user_id = $2",
                params![session, user],
            )?;
            if n == 0 {
                return Err(AppError::NotFound("session"));
            }
            Ok(())
        })
        .await?;
    // No socket listening is no error.
    let _ = state.revoked.send(session);
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ApiError)))]
pub async fn me(State(state): State<Arc<AppState>>, auth: Auth) -> ApiResult<Json<Me>> {
    Ok(Json(
        state.store.read(move |db| load_me(db, auth.user)).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/sessions", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionInfo>), (status = 401, body = ApiError)))]
pub async fn list_sessions(
    State(state): State<Arc<AppState>>,
    auth: Auth,
) -> ApiResult<Json<Vec<SessionInfo>>> {
    let list = state
        .store
        .read(move |db| {
            db.query(
                "SELECT id, device_name, created_at, last_seen_at FROM sessions \
                 WHERE user_id = $1 ORDER BY id",
                params![auth.user],
            )?
            .into_iter()
            .map(|r| {
                let id = SessionId(r.int(0)?);
                Ok(SessionInfo {
                    id,
                    device_name: r.text(1)?,
                    created_at: r.int(2)?,
                    last_seen_at: r.int(3)?,
                    current: id == auth.session,
                })
            })
            .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(list))
}

#[utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = i64, Path, description = "session id")),
    responses((status = 204), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn revoke_session(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    revoke(&state, auth.user, SessionId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horse ", &hash));
        assert!(!verify_password("", &hash));
        assert_ne!(
            hash,
            hash_password("correct horse").unwrap(),
            "a fresh salt each time"
        );
    }

    #[test]
    fn hashes_are_the_argon2_crates_own() {
        // Stored hashes from before (the crate's own hasher) keep verifying, and the crate
        // verifies ours.
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let theirs = Argon2::default()
            .hash_password(b"secret", &salt)
            .unwrap()
            .to_string();
        assert!(verify_password("secret", &theirs));
        assert!(!verify_password("Secret", &theirs));
        let ours = hash_password("secret").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"secret", &parsed)
            .is_ok());
        // Other parameters stored in the string are the ones used.
        let light = Argon2::from(Params::new(1024, 1, 1, None).unwrap())
            .hash_password(b"secret", &salt)
            .unwrap()
            .to_string();
        assert!(light.contains("m=1024,t=1,p=1"), "{light}");
        assert!(verify_password("secret", &light));
        assert!(!verify_password("other", &light));
    }

    #[test]
    fn malformed_hashes_match_nothing() {
        for bad in [
            "",
            "secret",
            "$argon2id$v=19$m=19456,t=2,p=1$",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ",
            "$bcrypt$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=1,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        ] {
            assert!(!verify_password("secret", bad), "{bad:?}");
            assert!(!verify_password("", bad), "{bad:?}");
        }
    }

    #[test]
    fn the_working_memory_is_one_allocation_over_32_mib() {
        let blocks = Params::default().block_count();
        let memory = argon2_memory(blocks);
        assert_eq!(memory.len(), blocks);
        assert!(memory.capacity() * Block::SIZE > 32 * 1024 * 1024);
        let big = argon2_memory(40 * 1024);
        assert_eq!((big.len(), big.capacity()), (40 * 1024, 40 * 1024));
    }
}
