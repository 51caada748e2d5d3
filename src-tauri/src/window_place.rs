//! The main window opens where the user left it: its size, its position and whether it was
//! maximized are kept in `settings.json` while it moves (half a second after the last move or
//! resize, so a crash or a kill loses nothing) and applied before the page shows the window.
//! A position that no monitor shows any more (a screen unplugged) is dropped, and the size is
//! kept within the largest monitor.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tauri::{PhysicalPosition, PhysicalSize, Runtime, WebviewWindow, Window};

/// Where the window was: its outer position and inner size in physical pixels, as of the last
/// time it was neither maximized nor minimized, and whether it was maximized then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
    #[serde(default)]
    pub maximized: bool,
}

/// At least this much of the window (physical pixels, each way) must be on a monitor for the
/// saved position to be used.
const VISIBLE: i64 = 64;
const SAVE_AFTER: Duration = Duration::from_millis(500);

/// The place as last seen, and the number of the last move (only the last one saves).
static CURRENT: Mutex<Option<Place>> = Mutex::new(None);
static MOVES: AtomicU64 = AtomicU64::new(0);

/// A monitor's rectangle: x, y, width, height.
type Rect = (i64, i64, i64, i64);

/// What of `place` to apply, given the monitors: the position only when enough of the window
/// would be on one of them, the size no larger than the largest.
fn fit(place: Place, monitors: &[Rect]) -> (Option<(i32, i32)>, (u32, u32)) {
    let max_w = monitors.iter().map(|m| m.2).max().unwrap_or(i64::MAX);
    let max_h = monitors.iter().map(|m| m.3).max().unwrap_or(i64::MAX);
    let w = i64::from(place.width).min(max_w);
    let h = i64::from(place.height).min(max_h);
    let (x, y) = (i64::from(place.x), i64::from(place.y));
    let shown = monitors.iter().any(|&(mx, my, mw, mh)| {
        let across = (x + w).min(mx + mw) - x.max(mx);
        let down = (y + h).min(my + mh) - y.max(my);
        across >= VISIBLE && down >= VISIBLE
    });
    let size = (
        u32::try_from(w).unwrap_or(place.width),
        u32::try_from(h).unwrap_or(place.height),
    );
    (shown.then_some((place.x, place.y)), size)
}

/// Puts the (still hidden) window where `place` says.
pub fn restore<R: Runtime>(window: &WebviewWindow<R>, place: Place) {
    let monitors: Vec<Rect> = window
        .available_monitors()
        .unwrap_or_default()
        .iter()
        .map(|m| {
            let (p, s) = (m.position(), m.size());
            (
                i64::from(p.x),
                i64::from(p.y),
                i64::from(s.width),
                i64::from(s.height),
            )
        })
        .collect();
    let (position, (width, height)) = fit(place, &monitors);
    let _ = window.set_size(PhysicalSize::new(width, height));
    if let Some((x, y)) = position {
        let _ = window.set_position(PhysicalPosition::new(x, y));
    }
    if let Ok(mut current) = CURRENT.lock() {
        *current = Some(Place {
            width,
            height,
            ..place
        });
    }
    if place.maximized {
        let _ = window.maximize();
    }
}

/// Puts the window, hidden to the tray, back where it was before it is shown again.
pub fn reshow<R: Runtime>(window: &WebviewWindow<R>) {
    let current = CURRENT.lock().ok().and_then(|c| *c);
    if let Some(place) = current {
        restore(window, place);
    }
}

/// Called on the main thread when the main window moves or changes size; saves the place a
/// moment after the last such change.
pub fn moved<R: Runtime>(window: &Window<R>, settings: &Path) {
    if !window.is_visible().unwrap_or(false) || window.is_minimized().unwrap_or(false) {
        return;
    }
    let maximized = window.is_maximized().unwrap_or(false);
    let place = {
        let Ok(mut current) = CURRENT.lock() else {
            return;
        };
        let place = match (maximized, *current) {
            // Maximized: keep the size and position to come back to.
            (true, Some(before)) => Place {
                maximized: true,
                ..before
            },
            _ => {
                let (Ok(p), Ok(s)) = (window.outer_position(), window.inner_size()) else {
                    return;
                };
                Place {
                    x: p.x,
                    y: p.y,
                    width: s.width,
                    height: s.height,
                    maximized,
                }
            }
        };
        if *current == Some(place) {
            return;
        }
        *current = Some(place);
        place
    };
    let n = MOVES.fetch_add(1, Ordering::SeqCst) + 1;
    let settings: PathBuf = settings.to_owned();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(SAVE_AFTER).await;
        if MOVES.load(Ordering::SeqCst) != n {
            return;
        }
        let saved = tauri::async_runtime::spawn_blocking(move || {
            crate::Settings::update(&settings, |s| s.window = Some(place))
        })
        .await;
        if let Ok(Err(e)) = saved {
            tracing::warn!(error = %e.message, "cannot save the window's place");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCREEN: Rect = (0, 0, 1920, 1080);

    fn place(x: i32, y: i32, width: u32, height: u32) -> Place {
        Place {
            x,
            y,
            width,
            height,
            maximized: false,
        }
    }

    #[test]
    fn a_place_on_a_monitor_is_kept() {
        assert_eq!(
            fit(place(100, 80, 900, 600), &[SCREEN]),
            (Some((100, 80)), (900, 600))
        );
        // Partly off the edge, enough of it still shown.
        assert_eq!(
            fit(place(1800, 1000, 900, 600), &[SCREEN]),
            (Some((1800, 1000)), (900, 600))
        );
    }

    #[test]
    fn a_place_no_monitor_shows_loses_its_position_and_a_size_too_large_shrinks() {
        // The second screen it was on is gone.
        assert_eq!(
            fit(place(2000, 100, 900, 600), &[SCREEN]),
            (None, (900, 600))
        );
        assert_eq!(fit(place(-900, 100, 900, 600), &[SCREEN]).0, None);
        assert_eq!(
            fit(place(0, 0, 3000, 2000), &[SCREEN]),
            (Some((0, 0)), (1920, 1080))
        );
        // Two screens side by side: the right one still shows it.
        assert_eq!(
            fit(place(2000, 100, 900, 600), &[SCREEN, (1920, 0, 1920, 1080)]).0,
            Some((2000, 100))
        );
    }

    #[test]
    fn the_saved_form_reads_back_and_an_old_file_without_it_still_reads() {
        let p = Place {
            maximized: true,
            ..place(10, 20, 800, 500)
        };
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Place>(&json).unwrap(), p);
        let old: crate::Settings =
            serde_json::from_str(r#"{"server_url":"https://okno.example.com"}"#).unwrap();
        assert_eq!(old.window, None);
        assert_eq!(old.server_url.as_deref(), Some("https://okno.example.com"));
    }
}
