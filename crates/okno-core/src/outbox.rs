//! The outbox worker: delivers each send, oldest first, with its client message id, retrying
//! across reconnects and restarts until the server acknowledges it. Files upload first.

use crate::api::Api;
use crate::cache::OutboxRow;
use crate::error::{CoreError, CoreResult};
use crate::sync::backoff;
use crate::Inner;
use okno_proto::*;
use std::path::Path;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub(crate) async fn run(inner: Arc<Inner>, api: Api, stop: CancellationToken) {
    let mut failures = 0u32;
    loop {
        if stop.is_cancelled() {
            return;
        }
        let next = match inner.cache.outbox_next() {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the outbox");
                None
            }
        };
        let Some(row) = next else {
            tokio::select! {
                _ = inner.outbox_wake.notified() => {}
                _ = stop.cancelled() => return,
            }
            continue;
        };
        let id = row.client_msg_id;
        let result = tokio::select! {
            r = deliver(&inner, &api, &row) => r,
            _ = stop.cancelled() => return,
        };
        match result {
            Ok(()) => failures = 0,
            Err(CoreError::Cancelled) => {}
            // Not the message's fault: it waits, as it is, for the account to sign in again
            // (which starts this loop anew).
            Err(e) if e.is_unauthorized() => {
                tracing::warn!("the server no longer accepts this session; sends wait");
                inner.set_state(SyncState::SessionEnded, None);
                stop.cancelled().await;
                return;
            }
            Err(e) if e.is_transient() => {
                failures = failures.saturating_add(1);
                let _ = inner.cache.outbox_attempted(id);
                tracing::info!(error = %e.code(), failures, "send postponed");
                tokio::select! {
                    _ = tokio::time::sleep(backoff(failures)) => {}
                    _ = inner.outbox_wake.notified() => {}
                    _ = stop.cancelled() => return,
                }
            }
            Err(e) => {
                tracing::warn!(error = %e.code(), "send failed");
                if let Err(err) = inner.cache.outbox_fail(id, &e.to_api()) {
                    tracing::error!(error = %err, "cannot mark the send failed");
                }
                inner.emit(CoreEvent::OutboxChanged {
                    chat_id: row.chat_id,
                    client_msg_id: id,
                });
            }
        }
    }
}

async fn deliver(inner: &Arc<Inner>, api: &Api, row: &OutboxRow) -> CoreResult<()> {
    let id = row.client_msg_id;
    let mut file_ids = Vec::with_capacity(row.files.len());
    for f in &row.files {
        if let Some(fid) = f.file_id {
            file_ids.push(fid);
            continue;
        }
        let transfer = format!("up:{id}:{}", f.idx);
        let cancel = inner.register_transfer(&id.to_string());
        let progress = |done: u64, total: u64| {
            inner.emit(CoreEvent::Transfer {
                transfer_id: transfer.clone(),
                done: done as i64,
                total: total as i64,
                finished: false,
                error: None,
            })
        };
        let result = api
            .upload(Path::new(&f.path), &f.name, &progress, &cancel)
            .await;
        inner.end_transfer(&id.to_string());
        let finished = |error: Option<String>| {
            inner.emit(CoreEvent::Transfer {
                transfer_id: transfer.clone(),
                done: f.size,
                total: f.size,
                finished: true,
                error,
            })
        };
        match result {
            Ok(meta) => {
                finished(None);
                inner.cache.outbox_file_uploaded(id, f.idx, &meta)?;
                inner.emit(CoreEvent::OutboxChanged {
                    chat_id: row.chat_id,
                    client_msg_id: id,
                });
                file_ids.push(meta.id);
            }
            Err(e) => {
                finished(Some(e.to_string()));
                return Err(e);
            }
        }
    }
    let req = SendMessageRequest {
        client_msg_id: id,
        text: row.text.clone(),
        file_ids,
    };
    let message = api.send(row.chat_id, &req).await?;
    let changes = inner.cache.outbox_delivered(id, &message)?;
    inner.emit_changes(&changes);
    tracing::info!(message = %message.id, "delivered");
    Ok(())
}
