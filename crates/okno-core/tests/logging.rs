//! File logging: lines land in a daily file in the log directory, at the level asked for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn logs_go_to_a_rotating_file() {
    let dir = tempfile::tempdir().unwrap();
    let guard = okno_core::logging::init(dir.path(), "info").unwrap();
    tracing::info!(chat = 7, "sync connection lost");
    tracing::debug!("below the level");
    drop(guard);
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("okno.") && name.ends_with(".log"),
        "{name}"
    );
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("sync connection lost") && text.contains("chat=7"));
    assert!(!text.contains("below the level"));
    // A second init in the same process is refused, not a panic.
    assert!(okno_core::logging::init(dir.path(), "info").is_err());
}
