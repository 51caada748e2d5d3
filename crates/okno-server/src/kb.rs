//! The knowledge base of a line: articles (company-admin CRUD and import), hints while the user
//! types, and the per-line in-memory search indexes.
//!
//! Every change bumps the line's `kb_revision` (in `line_automation`) in the same transaction.
//! A node keeps one [`kb_index::Index`] per line with the revision it reflects; a hint request
//! reads the current revision first, and an index behind it is brought up to date: by applying
//! the change itself when this node made it (incremental), or else by rebuilding from the
//! database (a change made by another node, or a restart). So hints are identical on SQLite and
//! PostgreSQL and on every node.

use crate::access;
use crate::auth::{clean_text, Auth};
use crate::db::{Db, Row};
use crate::error::{ApiResult, AppError, Json, Path, Query};
use crate::kb_index::{Doc, Index};
use crate::lines::fold;
use crate::store::WriteCtx;
use crate::{params, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use okno_proto::*;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

pub const MAX_QUESTION: usize = 500;
pub const MAX_ANSWER: usize = 20_000;
pub const MAX_KEYWORDS: usize = 30;
pub const MAX_KEYWORD: usize = 60;
pub const MAX_IMPORT: usize = 20_000;
pub const MAX_HINTS: usize = 10;
/// Articles per line.
pub const MAX_ARTICLES: i64 = 50_000;
/// Import bodies may be this large (the API's usual limit is 256 KiB).
pub const IMPORT_BODY_LIMIT: usize = 32 * 1024 * 1024;

// ------------------------------------------------------------------------------ the cache

struct Cached {
    revision: i64,
    index: Index,
}

/// The search indexes of this node, one per line, built on first use.
#[derive(Default)]
pub struct KbCache {
    lines: Mutex<HashMap<LineId, Arc<RwLock<Cached>>>>,
}

/// A change a write job made, to apply to this node's index.
pub enum Change {
    Upsert(Doc),
    Remove(ArticleId),
}

impl KbCache {
    fn get(&self, line: LineId) -> Option<Arc<RwLock<Cached>>> {
        self.lines.lock().ok()?.get(&line).cloned()
    }

    /// Applies this node's own change, which moved the line to `revision`. An index that is not
    /// exactly one revision behind is dropped and rebuilt when next asked.
    pub fn apply(&self, line: LineId, revision: i64, changes: Vec<Change>) {
        let Some(entry) = self.get(line) else { return };
        let Ok(mut c) = entry.write() else { return };
        if c.revision != revision - 1 {
            if c.revision < revision {
                drop(c);
                if let Ok(mut map) = self.lines.lock() {
                    map.remove(&line);
                }
            }
            return;
        }
        for ch in changes {
            match ch {
                Change::Upsert(d) => c.index.upsert(d),
                Change::Remove(id) => c.index.remove(id),
            }
        }
        c.index.finish();
        c.revision = revision;
    }

    /// Runs `f` on the line's index at `revision` (or newer), building it when needed.
    pub async fn with_index<T: Send + 'static>(
        &self,
        state: &AppState,
        line: LineId,
        revision: i64,
        f: impl FnOnce(&Index) -> T + Send + 'static,
    ) -> ApiResult<T> {
        if let Some(entry) = self.get(line) {
            let fresh = entry
                .read()
                .map(|c| c.revision >= revision)
                .unwrap_or(false);
            if fresh {
                return tokio::task::spawn_blocking(move || {
                    let c = entry
                        .read()
                        .map_err(|_| AppError::internal("index lock poisoned"))?;
                    Ok(f(&c.index))
                })
                .await
                .map_err(AppError::internal)?;
            }
        }
        let (revision, docs) = state
            .store
            .read_tx(move |db| Ok((kb_revision(db, line)?, load_docs(db, line)?)))
            .await?;
        let entry = tokio::task::spawn_blocking(move || {
            Arc::new(RwLock::new(Cached {
                revision,
                index: Index::build(docs),
            }))
        })
        .await
        .map_err(AppError::internal)?;
        if let Ok(mut map) = self.lines.lock() {
            let keep = map
                .get(&line)
                .and_then(|e| e.read().ok().map(|c| c.revision))
                .is_some_and(|r| r > revision);
            if !keep {
                map.insert(line, entry.clone());
            }
        }
        tokio::task::spawn_blocking(move || {
            let c = entry
                .read()
                .map_err(|_| AppError::internal("index lock poisoned"))?;
            Ok(f(&c.index))
        })
        .await
        .map_err(AppError::internal)?
    }
}

pub fn kb_revision(db: &mut dyn Db, line: LineId) -> ApiResult<i64> {
    Ok(db
        .query_opt(
            "SELECT kb_revision FROM line_automation WHERE line_id = $1",
            params![line],
        )?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0))
}

fn load_docs(db: &mut dyn Db, line: LineId) -> ApiResult<Vec<Doc>> {
    db.query(
        "SELECT id, question, keywords, answer FROM kb_articles WHERE line_id = $1 ORDER BY id",
        params![line],
    )?
    .iter()
    .map(|r| {
        Ok(Doc {
            id: ArticleId(r.int(0)?),
            question: r.text(1)?,
            keywords: serde_json::from_str(&r.text(2)?).map_err(AppError::internal)?,
            answer: r.text(3)?,
        })
    })
    .collect()
}

/// Moves the line's knowledge base to its next revision; returns it.
pub fn bump_revision(db: &mut dyn Db, line: LineId) -> ApiResult<i64> {
    Ok(db
        .query_one(
            "INSERT INTO line_automation (line_id, kb_revision) VALUES ($1, 1) \
             ON CONFLICT (line_id) DO UPDATE SET kb_revision = line_automation.kb_revision + 1 \
             RETURNING kb_revision",
            params![line],
        )?
        .int(0)?)
}

// ------------------------------------------------------------------------------ access

/// The line's company, when the caller may use the line: its staff, or a user connected to it.
pub fn line_reader(db: &mut dyn Db, user: UserId, line: LineId) -> ApiResult<(CompanyId, bool)> {
    let company = line_company(db, line)?;
    if access::is_staff(db, user, company)? {
        return Ok((company, true));
    }
    let active = db.query_opt(
        "SELECT 1 FROM connections WHERE user_id = $1 AND line_id = $2 AND state = 'active'",
        params![user, line],
    )?;
    match active {
        Some(_) => Ok((company, false)),
        None => Err(AppError::NotFound("line")),
    }
}

pub fn line_company(db: &mut dyn Db, line: LineId) -> ApiResult<CompanyId> {
    Ok(CompanyId(
        db.query_opt("SELECT company_id FROM lines WHERE id = $1", params![line])?
            .ok_or(AppError::NotFound("line"))?
            .int(0)?,
    ))
}

/// Refuses unless the caller administers the line's company (staff of another role: 403).
pub fn line_admin(db: &mut dyn Db, user: UserId, line: LineId) -> ApiResult<CompanyId> {
    let company = line_company(db, line)?;
    access::require_admin(db, user, company).map_err(|e| match e {
        AppError::NotFound(_) => AppError::NotFound("line"),
        other => other,
    })?;
    Ok(company)
}

/// Refuses unless the caller works for the line's company.
pub fn line_staff(db: &mut dyn Db, user: UserId, line: LineId) -> ApiResult<CompanyId> {
    let company = line_company(db, line)?;
    access::require_staff(db, user, company).map_err(|_| AppError::NotFound("line"))?;
    Ok(company)
}

// ------------------------------------------------------------------------------ articles

const ARTICLE_COLS: &str =
    "id, line_id, question, answer, keywords, helpful, not_helpful, created_at, updated_at";

pub fn article_from_row(r: &Row) -> ApiResult<Article> {
    Ok(Article {
        id: ArticleId(r.int(0)?),
        line_id: LineId(r.int(1)?),
        question: r.text(2)?,
        answer: r.text(3)?,
        keywords: serde_json::from_str(&r.text(4)?).map_err(AppError::internal)?,
        helpful: r.int(5)?,
        not_helpful: r.int(6)?,
        created_at: r.int(7)?,
        updated_at: r.int(8)?,
    })
}

pub fn load_article(db: &mut dyn Db, id: ArticleId) -> ApiResult<Article> {
    let r = db
        .query_opt(
            &format!("SELECT {ARTICLE_COLS} FROM kb_articles WHERE id = $1"),
            params![id],
        )?
        .ok_or(AppError::NotFound("article"))?;
    article_from_row(&r)
}

fn doc_of(a: &Article) -> Doc {
    Doc {
        id: a.id,
        question: a.question.clone(),
        keywords: a.keywords.clone(),
        answer: a.answer.clone(),
    }
}

/// The question as compared for duplicates: folded, single spaces, no final punctuation.
pub fn question_key(q: &str) -> String {
    let words: Vec<&str> = q.split_whitespace().collect();
    fold(&words.join(" "))
        .trim_end_matches(['?', '.', '!', '…'])
        .trim()
        .to_owned()
}

/// Every `](target)` of Markdown links and images must be http(s) (or a page anchor).
fn check_links(answer: &str) -> ApiResult<()> {
    let mut rest = answer;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let end = after.find(')').unwrap_or(after.len());
        let target = after[..end].trim();
        let target = target.split_whitespace().next().unwrap_or("");
        let lower = target.to_ascii_lowercase();
        if !(lower.starts_with("https://")
            || lower.starts_with("http://")
            || lower.starts_with('#'))
        {
            return Err(AppError::invalid(format!(
                "links and images in the answer must be http(s) URLs, not {:?}",
                target.chars().take(60).collect::<String>()
            )));
        }
        rest = &after[end.min(after.len())..];
    }
    Ok(())
}

pub fn validate_article(a: &ArticleInput) -> ApiResult<ArticleInput> {
    let question = clean_text("question", &a.question, 1, MAX_QUESTION)?;
    if question.contains('\n') {
        return Err(AppError::invalid("question must be one line"));
    }
    let answer = clean_text("answer", &a.answer, 1, MAX_ANSWER)?;
    check_links(&answer)?;
    if a.keywords.len() > MAX_KEYWORDS {
        return Err(AppError::invalid(format!(
            "at most {MAX_KEYWORDS} keywords per article"
        )));
    }
    let mut keywords = Vec::with_capacity(a.keywords.len());
    for k in &a.keywords {
        let k = clean_text("keyword", k, 1, MAX_KEYWORD)?;
        if k.contains('\n') {
            return Err(AppError::invalid("a keyword must be one line"));
        }
        if !keywords.contains(&k) {
            keywords.push(k);
        }
    }
    Ok(ArticleInput {
        question,
        answer,
        keywords,
    })
}

/// Who sees a line's article events: its company's staff.
/// One article of `line` changed: a new index revision, `body` to the company's staff, and the
/// line's automation (its article count) announced again. Returns the revision.
fn articles_changed(
    ctx: &mut WriteCtx<'_>,
    line: LineId,
    company: CompanyId,
    body: &EventBody,
) -> ApiResult<i64> {
    let revision = bump_revision(ctx.db, line)?;
    tell_staff(ctx, company, body)?;
    emit_automation(ctx, line, company)?;
    Ok(revision)
}

fn tell_staff(ctx: &mut WriteCtx<'_>, company: CompanyId, body: &EventBody) -> ApiResult<()> {
    let staff = access::staff_of(ctx.db, company)?;
    ctx.emit_many(&staff, body)
}

/// What the line can do by itself, as clients see it.
pub fn automation(db: &mut dyn Db, line: LineId) -> ApiResult<LineAutomation> {
    let articles = db
        .query_one(
            "SELECT COUNT(*) FROM kb_articles WHERE line_id = $1",
            params![line],
        )?
        .int(0)?;
    let row = db.query_opt(
        "SELECT bot_mode, menu, webhook_enabled FROM line_automation WHERE line_id = $1",
        params![line],
    )?;
    let (mode, has_menu, integration) = match row {
        Some(r) => (
            parse_mode(&r.text(0)?)?,
            r.opt_text(1)?.is_some(),
            r.bool(2)?,
        ),
        None => (BotMode::Specialists, false, false),
    };
    Ok(LineAutomation {
        line_id: line,
        mode,
        articles,
        has_menu,
        integration,
    })
}

pub fn parse_mode(s: &str) -> ApiResult<BotMode> {
    match s {
        "specialists" => Ok(BotMode::Specialists),
        "bot_first" => Ok(BotMode::BotFirst),
        "bot_only" => Ok(BotMode::BotOnly),
        other => Err(AppError::internal(format!("unknown bot mode {other}"))),
    }
}

pub fn mode_str(m: BotMode) -> &'static str {
    match m {
        BotMode::Specialists => "specialists",
        BotMode::BotFirst => "bot_first",
        BotMode::BotOnly => "bot_only",
    }
}

/// Tells the line's staff and connected users what the line can do now.
pub fn emit_automation(ctx: &mut WriteCtx<'_>, line: LineId, company: CompanyId) -> ApiResult<()> {
    let automation = automation(ctx.db, line)?;
    let mut to = access::staff_of(ctx.db, company)?;
    for r in ctx.db.query(
        "SELECT user_id FROM connections WHERE line_id = $1 AND state = 'active'",
        params![line],
    )? {
        to.push(UserId(r.int(0)?));
    }
    ctx.emit_many(&to, &EventBody::AutomationChanged { automation })
}

fn insert_article(ctx: &mut WriteCtx<'_>, line: LineId, a: &ArticleInput) -> ApiResult<Article> {
    let keywords = serde_json::to_string(&a.keywords).map_err(AppError::internal)?;
    let r = ctx
        .db
        .query_one(
            &format!(
                "INSERT INTO kb_articles (line_id, question, question_key, answer, keywords, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {ARTICLE_COLS}"
            ),
            params![line, &a.question, question_key(&a.question), &a.answer, keywords, ctx.now],
        )
        .map_err(|e| match e {
            crate::db::DbError::Unique(_) => {
                AppError::Conflict("the line already has an article with this question".into())
            }
            other => other.into(),
        })?;
    article_from_row(&r)
}

fn update_article(ctx: &mut WriteCtx<'_>, id: ArticleId, a: &ArticleInput) -> ApiResult<Article> {
    let keywords = serde_json::to_string(&a.keywords).map_err(AppError::internal)?;
    let r = ctx
        .db
        .query_one(
            &format!(
                "UPDATE kb_articles SET question = $1, question_key = $2, answer = $3, keywords = $4, \
                 updated_at = $5 WHERE id = $6 RETURNING {ARTICLE_COLS}"
            ),
            params![&a.question, question_key(&a.question), &a.answer, keywords, ctx.now, id],
        )
        .map_err(|e| match e {
            crate::db::DbError::Unique(_) => {
                AppError::Conflict("the line already has an article with this question".into())
            }
            other => other.into(),
        })?;
    article_from_row(&r)
}

fn article_count(db: &mut dyn Db, line: LineId) -> ApiResult<i64> {
    Ok(db
        .query_one(
            "SELECT COUNT(*) FROM kb_articles WHERE line_id = $1",
            params![line],
        )?
        .int(0)?)
}

#[utoipa::path(get, path = "/api/v1/lines/{id}/articles", tag = "knowledge base", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    responses((status = 200, body = Vec<Article>), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
/// The line's articles, oldest first (the company's staff).
pub async fn list_articles(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Article>>> {
    let line = LineId(id);
    let list = state
        .store
        .read(move |db| {
            line_staff(db, auth.user, line)?;
            db.query(
                &format!("SELECT {ARTICLE_COLS} FROM kb_articles WHERE line_id = $1 ORDER BY id"),
                params![line],
            )?
            .iter()
            .map(article_from_row)
            .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(list))
}

#[utoipa::path(post, path = "/api/v1/lines/{id}/articles", tag = "knowledge base", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    request_body = ArticleInput,
    responses((status = 201, body = Article), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// Adds an article (the company's admins).
pub async fn create_article(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<ArticleInput>,
) -> ApiResult<(StatusCode, Json<Article>)> {
    let line = LineId(id);
    let input = validate_article(&input)?;
    let (article, revision) = state
        .store
        .write(move |ctx| {
            let company = line_admin(ctx.db, auth.user, line)?;
            if article_count(ctx.db, line)? >= MAX_ARTICLES {
                return Err(AppError::invalid(format!(
                    "a line may have at most {MAX_ARTICLES} articles"
                )));
            }
            let article = insert_article(ctx, line, &input)?;
            let revision = articles_changed(
                ctx,
                line,
                company,
                &EventBody::ArticleChanged {
                    article: article.clone(),
                },
            )?;
            Ok((article, revision))
        })
        .await?;
    state
        .kb
        .apply(line, revision, vec![Change::Upsert(doc_of(&article))]);
    tracing::info!(line = %line, article = %article.id, "article created");
    Ok((StatusCode::CREATED, Json(article)))
}

#[utoipa::path(get, path = "/api/v1/articles/{id}", tag = "knowledge base", security(("bearer" = [])),
    params(("id" = i64, Path, description = "article id")),
    responses((status = 200, body = Article), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
/// One article: for the company's staff and the line's connected users.
pub async fn get_article(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Article>> {
    let article = state
        .store
        .read(move |db| {
            let a = load_article(db, ArticleId(id))?;
            line_reader(db, auth.user, a.line_id).map_err(|_| AppError::NotFound("article"))?;
            Ok(a)
        })
        .await?;
    Ok(Json(article))
}

/// The article's line, after checking the caller administers it.
fn admin_article(db: &mut dyn Db, user: UserId, id: ArticleId) -> ApiResult<(LineId, CompanyId)> {
    let line = LineId(
        db.query_opt("SELECT line_id FROM kb_articles WHERE id = $1", params![id])?
            .ok_or(AppError::NotFound("article"))?
            .int(0)?,
    );
    let company = line_admin(db, user, line).map_err(|e| match e {
        AppError::NotFound(_) => AppError::NotFound("article"),
        other => other,
    })?;
    Ok((line, company))
}

#[utoipa::path(put, path = "/api/v1/articles/{id}", tag = "knowledge base", security(("bearer" = [])),
    params(("id" = i64, Path, description = "article id")),
    request_body = ArticleInput,
    responses((status = 200, body = Article), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
/// Edits an article (the company's admins); its usefulness counts stay.
pub async fn update_article_handler(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<ArticleInput>,
) -> ApiResult<Json<Article>> {
    let input = validate_article(&input)?;
    let id = ArticleId(id);
    let (article, revision) = state
        .store
        .write(move |ctx| {
            let (line, company) = admin_article(ctx.db, auth.user, id)?;
            let article = update_article(ctx, id, &input)?;
            let revision = articles_changed(
                ctx,
                line,
                company,
                &EventBody::ArticleChanged {
                    article: article.clone(),
                },
            )?;
            Ok((article, revision))
        })
        .await?;
    state.kb.apply(
        article.line_id,
        revision,
        vec![Change::Upsert(doc_of(&article))],
    );
    Ok(Json(article))
}

#[utoipa::path(delete, path = "/api/v1/articles/{id}", tag = "knowledge base", security(("bearer" = [])),
    params(("id" = i64, Path, description = "article id")),
    responses((status = 204, description = "removed"), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// Removes an article (the company's admins).
pub async fn delete_article(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let id = ArticleId(id);
    let (line, revision) = state
        .store
        .write(move |ctx| {
            let (line, company) = admin_article(ctx.db, auth.user, id)?;
            ctx.db
                .execute("DELETE FROM kb_articles WHERE id = $1", params![id])?;
            let revision = articles_changed(
                ctx,
                line,
                company,
                &EventBody::ArticleRemoved {
                    line_id: line,
                    article_id: id,
                },
            )?;
            Ok((line, revision))
        })
        .await?;
    state.kb.apply(line, revision, vec![Change::Remove(id)]);
    Ok(StatusCode::NO_CONTENT)
}

/// Imports articles into a line in one transaction; see [`ArticleImport`].
pub async fn import(
    state: &AppState,
    user: Option<UserId>,
    line: LineId,
    req: ArticleImport,
) -> ApiResult<ImportResult> {
    if req.articles.len() > MAX_IMPORT {
        return Err(AppError::invalid(format!(
            "at most {MAX_IMPORT} articles per import"
        )));
    }
    let mut articles = Vec::with_capacity(req.articles.len());
    let mut keys = std::collections::HashSet::new();
    for (i, a) in req.articles.iter().enumerate() {
        let a = validate_article(a)
            .map_err(|e| AppError::invalid(format!("article {}: {e}", i + 1)))?;
        if !keys.insert(question_key(&a.question)) {
            return Err(AppError::invalid(format!(
                "article {}: the same question appears twice in the import",
                i + 1
            )));
        }
        articles.push(a);
    }
    let replace = req.replace;
    let (result, revision, changes) = state
        .store
        .write(move |ctx| {
            let company = match user {
                Some(u) => line_admin(ctx.db, u, line)?,
                None => line_company(ctx.db, line)?,
            };
            let existing: HashMap<String, ArticleId> = ctx
                .db
                .query(
                    "SELECT question_key, id FROM kb_articles WHERE line_id = $1",
                    params![line],
                )?
                .iter()
                .map(|r| Ok((r.text(0)?, ArticleId(r.int(1)?))))
                .collect::<ApiResult<_>>()?;
            let mut changes = Vec::new();
            let mut result = ImportResult {
                created: 0,
                updated: 0,
                removed: 0,
            };
            let mut kept = std::collections::HashSet::new();
            for a in &articles {
                let key = question_key(&a.question);
                let article = match existing.get(&key) {
                    Some(&id) => {
                        result.updated += 1;
                        update_article(ctx, id, a)?
                    }
                    None => {
                        result.created += 1;
                        insert_article(ctx, line, a)?
                    }
                };
                kept.insert(article.id);
                changes.push(Change::Upsert(doc_of(&article)));
            }
            if replace {
                for (_, &id) in existing.iter() {
                    if !kept.contains(&id) {
                        ctx.db
                            .execute("DELETE FROM kb_articles WHERE id = $1", params![id])?;
                        changes.push(Change::Remove(id));
                        result.removed += 1;
                    }
                }
            }
            if article_count(ctx.db, line)? > MAX_ARTICLES {
                return Err(AppError::invalid(format!(
                    "a line may have at most {MAX_ARTICLES} articles"
                )));
            }
            let revision = bump_revision(ctx.db, line)?;
            emit_automation(ctx, line, company)?;
            Ok((result, revision, changes))
        })
        .await?;
    // A large import is cheaper to rebuild than to patch in.
    if changes.len() > 1000 {
        state.kb.apply(line, 0, Vec::new());
    } else {
        state.kb.apply(line, revision, changes);
    }
    tracing::info!(line = %line, created = result.created, updated = result.updated,
        removed = result.removed, "knowledge base imported");
    Ok(result)
}

#[utoipa::path(post, path = "/api/v1/lines/{id}/articles/import", tag = "knowledge base", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    request_body = ArticleImport,
    responses((status = 200, body = ImportResult), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 413, body = ApiError)))]
/// Imports a knowledge base from JSON (the company's admins): all or nothing.
pub async fn import_articles(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(req): Json<ArticleImport>,
) -> ApiResult<Json<ImportResult>> {
    Ok(Json(
        import(&state, Some(auth.user), LineId(id), req).await?,
    ))
}

/// Reads a folder of Markdown files as articles: the first `# ` heading is the question, an
/// optional `Keywords: a, b` line right under it the keywords, the rest the answer.
pub fn read_markdown_folder(dir: &std::path::Path) -> Result<Vec<ArticleInput>, String> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            parse_markdown_article(&text)
                .ok_or_else(|| format!("{}: no `# question` heading", p.display()))
        })
        .collect()
}

pub fn parse_markdown_article(text: &str) -> Option<ArticleInput> {
    let mut lines = text.lines().skip_while(|l| l.trim().is_empty());
    let question = lines.next()?.trim().strip_prefix("# ")?.trim().to_owned();
    let rest: Vec<&str> = lines.collect();
    let mut start = 0;
    while start < rest.len() && rest[start].trim().is_empty() {
        start += 1;
    }
    let mut keywords = Vec::new();
    if let Some(line) = rest.get(start) {
        let l = line.trim();
        let lower = l.to_lowercase();
        if lower.starts_with("keywords:") || lower.starts_with("ключевые слова:") {
            let (_, list) = l.split_once(':')?;
            keywords = list
                .split(',')
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty())
                .collect();
            start += 1;
        }
    }
    let answer = rest[start.min(rest.len())..].join("\n").trim().to_owned();
    Some(ArticleInput {
        question,
        answer,
        keywords,
    })
}

// ------------------------------------------------------------------------------ hints

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct HintQuery {
    /// What the user has typed so far (up to 1,000 characters; the last word may be unfinished).
    pub q: String,
    /// 1–10, default 5.
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/lines/{id}/hints", tag = "knowledge base", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id"), HintQuery),
    responses((status = 200, body = HintList), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 404, body = ApiError)))]
/// Questions from the line's knowledge base similar to the text being typed (users connected to
/// the line, and its staff).
pub async fn hints(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<HintQuery>,
) -> ApiResult<Json<HintList>> {
    let line = LineId(id);
    let limit = q.limit.unwrap_or(5);
    if !(1..=MAX_HINTS).contains(&limit) {
        return Err(AppError::invalid(format!("limit must be 1 to {MAX_HINTS}")));
    }
    if q.q.chars().count() > 1000 {
        return Err(AppError::invalid("q may have at most 1000 characters"));
    }
    let revision = state
        .store
        .read(move |db| {
            line_reader(db, auth.user, line)?;
            kb_revision(db, line)
        })
        .await?;
    let text = q.q;
    let found = state
        .kb
        .with_index(&state, line, revision, move |ix| {
            ix.search(&text, limit, true)
        })
        .await?;
    Ok(Json(HintList {
        hints: found
            .into_iter()
            .map(|s| Hint {
                article_id: s.id,
                question: s.question,
                score: s.score,
            })
            .collect(),
    }))
}

/// The article the line's bot may answer `text` with by itself (see [`kb_index::BOT_CONFIDENCE`]).
pub async fn confident_article(
    state: &AppState,
    line: LineId,
    text: String,
) -> ApiResult<Option<ArticleId>> {
    let revision = state.store.read(move |db| kb_revision(db, line)).await?;
    if revision == 0 {
        return Ok(None);
    }
    state
        .kb
        .with_index(state, line, revision, move |ix| {
            ix.confident(&text).map(|s| s.id)
        })
        .await
}

// ------------------------------------------------------------------------------ bot settings

#[utoipa::path(get, path = "/api/v1/lines/{id}/automation", tag = "knowledge base", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    responses((status = 200, body = LineAutomation), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
/// What the line can do by itself: bot mode, knowledge base size, menu, integration.
pub async fn get_automation(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<LineAutomation>> {
    let line = LineId(id);
    Ok(Json(
        state
            .store
            .read(move |db| {
                line_reader(db, auth.user, line)?;
                automation(db, line)
            })
            .await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/lines/{id}/bot", tag = "knowledge base", security(("bearer" = [])),
    params(("id" = i64, Path, description = "line id")),
    request_body = BotSettings,
    responses((status = 200, body = LineAutomation), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
/// Sets who answers the line's users (the company's admins).
pub async fn set_bot(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(req): Json<BotSettings>,
) -> ApiResult<Json<LineAutomation>> {
    let line = LineId(id);
    Ok(Json(
        state
            .store
            .write(move |ctx| {
                let company = line_admin(ctx.db, auth.user, line)?;
                ctx.db.execute(
                    "INSERT INTO line_automation (line_id, bot_mode) VALUES ($1, $2) \
                     ON CONFLICT (line_id) DO UPDATE SET bot_mode = excluded.bot_mode",
                    params![line, mode_str(req.mode)],
                )?;
                emit_automation(ctx, line, company)?;
                automation(ctx.db, line)
            })
            .await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_articles_have_a_heading_keywords_and_a_body() {
        let a = parse_markdown_article(
            "\n# Как сменить пароль?\nKeywords: пароль, password\n\nОткройте [портал](https://id.example).\n",
        )
        .unwrap();
        assert_eq!(a.question, "Как сменить пароль?");
        assert_eq!(a.keywords, vec!["пароль", "password"]);
        assert_eq!(a.answer, "Откройте [портал](https://id.example).");
        assert!(parse_markdown_article("no heading").is_none());
    }

    #[test]
    fn answers_link_only_to_the_web() {
        assert!(
            check_links("see [it](https://a.example) and ![x](http://b.example/i.png)").is_ok()
        );
        assert!(check_links("[x](javascript:alert(1))").is_err());
        assert!(check_links("[x](file:///etc/passwd)").is_err());
        assert_eq!(
            question_key("  Как   сменить Пароль?? "),
            "как сменить пароль"
        );
    }
}
