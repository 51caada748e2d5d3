//! Logs to a rotating file in the app's log directory (daily files, the last seven kept).
//! Never message bodies, passwords or tokens: log ids and counts only.

use crate::error::{CoreError, CoreResult};
use std::path::Path;

/// Lines waiting for the writer thread; more are dropped rather than blocking the caller. The
/// queue is allocated whole up front: the library's default (128,000 lines) cost 4 MB of
/// resident memory in every process that logs.
const BUFFERED_LINES: usize = 4096;

/// Starts file logging for the process. Keep the guard alive: dropping it flushes and stops.
pub fn init(
    log_dir: &Path,
    filter: &str,
) -> CoreResult<tracing_appender::non_blocking::WorkerGuard> {
    std::fs::create_dir_all(log_dir)?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("okno")
        .filename_suffix("log")
        .max_log_files(7)
        .build(log_dir)
        .map_err(|e| CoreError::Io(e.to_string()))?;
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(BUFFERED_LINES)
        .finish(appender);
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .map_err(|e| CoreError::Invalid(e.to_string()))?;
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .map_err(|e| CoreError::Io(e.to_string()))?;
    Ok(guard)
}
