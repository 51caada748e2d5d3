//! Files: streamed upload with the size limit enforced while streaming, type from the bytes,
//! SHA-256, stored under random names outside any web root; downloads only for those entitled
//! to the chat the file was sent in (or its uploader, before it is sent).

use crate::auth::{clean_text, Auth};
use crate::chats::chat_access;
use crate::db::Row;
use crate::error::{ApiResult, AppError, Json, Path, Query};
use crate::{params, AppState};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use okno_proto::*;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

pub struct FileStore {
    dir: PathBuf,
}

pub struct Received {
    pub storage_name: String,
    pub size: i64,
    pub sha256: String,
    pub content_type: String,
}

impl FileStore {
    pub fn new(dir: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir.join("tmp"))?;
        Ok(Self { dir })
    }

    fn path(&self, storage_name: &str) -> PathBuf {
        let prefix: String = storage_name.chars().take(2).collect();
        self.dir.join(prefix).join(storage_name)
    }

    /// Streams a body to disk, refusing it as soon as it passes `limit` bytes.
    pub async fn receive(&self, body: Body, limit: u64) -> ApiResult<Received> {
        let storage_name = hex::encode(crate::auth::random_token(16).as_bytes())
            .chars()
            .take(32)
            .collect::<String>();
        let tmp = self.dir.join("tmp").join(&storage_name);
        let result = self.stream_to(&tmp, body, limit).await;
        let (size, sha256, head) = match result {
            Ok(v) => v,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        let content_type = detect_type(&head);
        let dest = self.path(&storage_name);
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(AppError::internal)?;
        }
        tokio::fs::rename(&tmp, &dest)
            .await
            .map_err(AppError::internal)?;
        Ok(Received {
            storage_name,
            size,
            sha256,
            content_type,
        })
    }

    async fn stream_to(
        &self,
        tmp: &PathBuf,
        body: Body,
        limit: u64,
    ) -> ApiResult<(i64, String, Vec<u8>)> {
        let mut file = tokio::fs::File::create(tmp)
            .await
            .map_err(AppError::internal)?;
        let mut stream = body.into_data_stream();
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut head = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk =
                chunk.map_err(|e| AppError::invalid(format!("the upload broke off: {e}")))?;
            size += chunk.len() as u64;
            if size > limit {
                return Err(AppError::TooLarge(
                    format!("files may have at most {limit} bytes"),
                    Some(limit),
                ));
            }
            if head.len() < 8192 {
                let take = (8192 - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await.map_err(AppError::internal)?;
        }
        if size == 0 {
            return Err(AppError::invalid("the file is empty"));
        }
        file.sync_all().await.map_err(AppError::internal)?;
        Ok((size as i64, hex::encode(hasher.finalize()), head))
    }

    pub async fn remove(&self, storage_name: &str) {
        let _ = tokio::fs::remove_file(self.path(storage_name)).await;
    }

    pub async fn read_all(&self, storage_name: &str) -> ApiResult<Vec<u8>> {
        tokio::fs::read(self.path(storage_name))
            .await
            .map_err(|_| AppError::NotFound("file"))
    }

    pub async fn open(&self, storage_name: &str) -> ApiResult<tokio::fs::File> {
        tokio::fs::File::open(self.path(storage_name))
            .await
            .map_err(|_| AppError::NotFound("file"))
    }
}

/// The content type from the bytes: a known signature, else UTF-8 text, else octet-stream.
pub fn detect_type(head: &[u8]) -> String {
    if let Some(t) = infer::get(head) {
        return t.mime_type().to_owned();
    }
    // A cut in the middle of a UTF-8 sequence at the end of `head` is still text.
    let valid = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() >= 8192,
    };
    if valid && !head.contains(&0) {
        "text/plain".into()
    } else {
        "application/octet-stream".into()
    }
}

pub const FILE_COLS: &str = "f.id, f.name, f.size, f.content_type, f.sha256, f.created_at";

pub fn file_from_row(r: &Row, at: usize) -> ApiResult<FileMeta> {
    Ok(FileMeta {
        id: FileId(r.int(at)?),
        name: r.text(at + 1)?,
        size: r.int(at + 2)?,
        content_type: r.text(at + 3)?,
        sha256: r.text(at + 4)?,
        created_at: r.int(at + 5)?,
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UploadQuery {
    /// The file's name as the user sees it.
    pub name: String,
}

fn clean_file_name(name: &str) -> ApiResult<String> {
    let name = clean_text("name", name, 1, 255)?;
    if name.contains('/') || name.contains('\\') || name == "." || name == ".." {
        return Err(AppError::invalid("the file name must not contain a path"));
    }
    Ok(name)
}

#[utoipa::path(post, path = "/api/v1/files", tag = "files", security(("bearer" = [])),
    params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the file's bytes"),
    responses((status = 201, body = FileMeta), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 413, body = ApiError)))]
pub async fn upload(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Query(q): Query<UploadQuery>,
    body: Body,
) -> ApiResult<(StatusCode, Json<FileMeta>)> {
    let meta = store_upload(&state, auth.user, &q.name, body).await?;
    Ok((StatusCode::CREATED, Json(meta)))
}

/// Streams an upload to disk and records it as `uploader`'s (the line API uploads as the line's
/// bot account).
pub async fn store_upload(
    state: &AppState,
    uploader: UserId,
    name: &str,
    body: Body,
) -> ApiResult<FileMeta> {
    let name = clean_file_name(name)?;
    let received = state
        .files
        .receive(body, state.config.max_file_size)
        .await?;
    let storage = received.storage_name.clone();
    let result = state
        .store
        .write(move |ctx| {
            let r = ctx.db.query_one(
                "INSERT INTO files (uploader_id, name, size, content_type, sha256, storage_name, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, name, size, content_type, sha256, created_at",
                params![
                    uploader,
                    &name,
                    received.size,
                    &received.content_type,
                    &received.sha256,
                    &received.storage_name,
                    ctx.now
                ],
            )?;
            file_from_row(&r, 0)
        })
        .await;
    if result.is_err() {
        state.files.remove(&storage).await;
    }
    tracing::info!(user = %uploader, "file uploaded");
    result
}

#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = i64, Path, description = "file id")),
    responses((status = 200, description = "the bytes, as an attachment", content_type = "application/octet-stream"),
        (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn download(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let file = FileId(id);
    let (meta, storage) = state
        .store
        .read(move |db| {
            let r = db
                .query_opt(
                    &format!(
                        "SELECT {FILE_COLS}, f.uploader_id, f.chat_id, f.storage_name FROM files f WHERE f.id = $1"
                    ),
                    params![file],
                )?
                .ok_or(AppError::NotFound("file"))?;
            let uploader = UserId(r.int(6)?);
            let chat = r.opt_int(7)?.map(ChatId);
            let allowed = match chat {
                Some(chat) => chat_access(db, auth.user, chat).is_ok(),
                None => uploader == auth.user,
            };
            if !allowed {
                return Err(AppError::NotFound("file"));
            }
            Ok((file_from_row(&r, 0)?, r.text(8)?))
        })
        .await?;
    let f = state.files.open(&storage).await?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(f));
    let disposition = content_disposition(&meta.name);
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&meta.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(meta.size as u64));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded`.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(b) {
            encoded.push(*b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[utoipa::path(get, path = "/api/v1/chats/{id}/files", tag = "files", security(("bearer" = [])),
    params(("id" = i64, Path, description = "chat id")),
    responses((status = 200, body = Vec<FileMeta>), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn chat_files(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<FileMeta>>> {
    let chat = ChatId(id);
    let files = state
        .store
        .read(move |db| {
            chat_access(db, auth.user, chat)?;
            db.query(
                &format!("SELECT {FILE_COLS} FROM files f WHERE f.chat_id = $1 ORDER BY f.id DESC LIMIT 500"),
                params![chat],
            )?
            .iter()
            .map(|r| file_from_row(r, 0))
            .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(Json(files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_comes_from_the_bytes() {
        assert_eq!(detect_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(detect_type("привет".as_bytes()), "text/plain");
        assert_eq!(detect_type(&[0, 1, 2, 3, 0xff]), "application/octet-stream");
        assert_eq!(detect_type(b"%PDF-1.7\n"), "application/pdf");
    }

    #[test]
    fn disposition_is_safe_for_any_name() {
        let d = content_disposition("отчёт \"v2\".txt");
        assert!(d.starts_with("attachment; filename=\""));
        assert!(!d.contains("\"v2\""));
        assert!(d.contains("filename*=UTF-8''%D0%BE"));
    }
}
