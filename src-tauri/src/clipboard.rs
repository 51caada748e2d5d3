//! Pasting files into a chat (Ctrl+V in the composer). WebKitGTK's paste event gives a page the
//! clipboard's text only: an image (a screenshot, an image copied in a browser) or files copied
//! in a file manager never reach it. So the page asks the shell, which reads the clipboard
//! through GTK: the files' paths, else the image, written as a PNG file into the app's data
//! directory (`pasted/`) for the outbox to upload like any attached file. Pasted images older
//! than [`KEEP_PASTED`] are removed at start; a message still waiting to be sent by then (a
//! month offline) fails with the file missing and can be cancelled.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How long a pasted image is kept after it was written.
pub const KEEP_PASTED: Duration = Duration::from_secs(30 * 24 * 3600);

/// What the clipboard holds that can be attached.
#[derive(Debug, PartialEq, Eq)]
pub enum Clip {
    /// Files copied in a file manager (local paths).
    Files(Vec<PathBuf>),
    /// An image, encoded as PNG.
    Png(Vec<u8>),
    Nothing,
}

/// Reads the clipboard on the GTK thread (where the clipboard lives) without blocking it: the
/// owner answers through the main loop.
#[cfg(target_os = "linux")]
pub async fn read(app: &tauri::AppHandle) -> Result<Clip, String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.run_on_main_thread(move || {
        let clipboard = gtk::Clipboard::get(&gtk::gdk::SELECTION_CLIPBOARD);
        let uri_list = gtk::gdk::Atom::intern("text/uri-list");
        clipboard.request_contents(&uri_list, move |clipboard, data| {
            let files: Vec<PathBuf> = data
                .uris()
                .iter()
                .filter_map(|uri| gtk::glib::filename_from_uri(uri).ok())
                .map(|(path, _host)| path)
                .collect();
            if !files.is_empty() {
                let _ = tx.send(Clip::Files(files));
                return;
            }
            clipboard.request_image(move |_, image| {
                let png = image.and_then(|i| i.save_to_bufferv("png", &[]).ok());
                let _ = tx.send(png.map_or(Clip::Nothing, Clip::Png));
            });
        });
    })
    .map_err(|e| e.to_string())?;
    rx.await.map_err(|e| e.to_string())
}

#[cfg(not(target_os = "linux"))]
pub async fn read(_app: &tauri::AppHandle) -> Result<Clip, String> {
    Ok(Clip::Nothing)
}

/// Writes a pasted image as `image-YYYY-MM-DD-HHMMSS.png` (a second one in the same second gets
/// `-2`, …) and returns its path.
pub fn save_png(dir: &Path, png: &[u8], now: SystemTime) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let stamp = chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d-%H%M%S")
                .to_string()
        })
        .unwrap_or_else(|| secs.to_string());
    for n in 1.. {
        let name = if n == 1 {
            format!("image-{stamp}.png")
        } else {
            format!("image-{stamp}-{n}.png")
        };
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                use std::io::Write;
                f.write_all(png)?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free name"))
}

/// Removes pasted images written before `now - keep`; returns how many.
pub fn remove_old(dir: &Path, keep: Duration, now: SystemTime) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > keep);
        if old && entry.path().is_file() && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_images_get_names_of_their_own_and_old_ones_go() {
        let dir = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        let a = save_png(dir.path(), b"png-a", now).unwrap();
        let b = save_png(dir.path(), b"png-b", now).unwrap();
        assert_ne!(a, b);
        let name = a.file_name().unwrap().to_str().unwrap();
        assert!(
            name.starts_with("image-") && name.ends_with(".png"),
            "{name}"
        );
        assert!(b.to_str().unwrap().ends_with("-2.png"));
        assert_eq!(std::fs::read(&b).unwrap(), b"png-b");
        // Nothing is old yet; a month and a day later both are.
        assert_eq!(remove_old(dir.path(), KEEP_PASTED, now), 0);
        let later = now + KEEP_PASTED + Duration::from_secs(86_400);
        assert_eq!(remove_old(dir.path(), KEEP_PASTED, later), 2);
        assert!(!a.exists() && !b.exists());
        assert_eq!(remove_old(&dir.path().join("none"), KEEP_PASTED, now), 0);
    }
}
