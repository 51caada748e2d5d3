//! The page's zoom: the user's own (Ctrl+= / Ctrl+- / Ctrl+0 in the page, kept in the settings)
//! times the desktop's text scale (see ARCHITECTURE.md, "Zoom and the desktop's text size").
//!
//! A desktop's "Large Text" (GNOME's accessibility switch, its text scaling factor) or a font
//! DPI set by hand (KDE, Xfce, `Xft.dpi`) makes GTK's fonts larger, but WebKitGTK keeps the
//! page's pixel sizes as they are: the page would be the one window on the desktop still in
//! small print. So the shell zooms the page by GTK's font resolution over the standard 96 dpi,
//! as Chromium-based apps scale with `Xft.dpi`. The user's zoom stays their own: the page shows
//! and steps it, the shell multiplies.

use std::sync::Mutex;

/// The user's zoom, from 50 % to 200 %.
pub const USER: std::ops::RangeInclusive<f64> = 0.5..=2.0;

/// The desktop's text scale from GTK's font resolution in dots per inch (not positive: none
/// set, the standard 96). Kept between 0.5 and 3; within 1 % of 1 it is 1. (Linux only: other
/// platforms' webviews follow their system's text size themselves.)
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub fn text_scale(resolution: f64) -> f64 {
    if !(resolution.is_finite() && resolution > 0.0) {
        return 1.0;
    }
    let s = (resolution / 96.0).clamp(0.5, 3.0);
    if (s - 1.0).abs() < 0.01 {
        1.0
    } else {
        s
    }
}

/// The two factors; managed by Tauri.
#[derive(Debug)]
pub struct Zoom(Mutex<Factors>);

#[derive(Debug, Clone, Copy, PartialEq)]
struct Factors {
    user: f64,
    text: f64,
}

impl Default for Zoom {
    fn default() -> Self {
        Zoom(Mutex::new(Factors {
            user: 1.0,
            text: 1.0,
        }))
    }
}

impl Zoom {
    fn with<T>(&self, f: impl FnOnce(&mut Factors) -> T) -> T {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    /// The user's zoom (what the page shows: 1 is 100 %).
    pub fn user(&self) -> f64 {
        self.with(|f| f.user)
    }

    /// The page's zoom: the user's times the desktop's text scale.
    pub fn page(&self) -> f64 {
        self.with(|f| f.user * f.text)
    }

    /// Sets the user's zoom (the caller checks it is in [`USER`]); returns the page's.
    pub fn set_user(&self, user: f64) -> f64 {
        self.with(|f| {
            f.user = user;
            f.user * f.text
        })
    }

    /// Sets the desktop's text scale; returns the page's zoom when it changed.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub fn set_text_scale(&self, text: f64) -> Option<f64> {
        self.with(|f| {
            if (f.text - text).abs() < 1e-9 {
                return None;
            }
            f.text = text;
            Some(f.user * f.text)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_scale_is_the_font_resolution_over_96() {
        assert_eq!(text_scale(96.0), 1.0);
        // GNOME's "Large Text": a text scaling factor of 1.25.
        assert_eq!(text_scale(120.0), 1.25);
        assert_eq!(text_scale(144.0), 1.5);
        assert_eq!(text_scale(72.0), 0.75);
        // Unset (GTK answers -1), or nonsense: the standard size.
        assert_eq!(text_scale(-1.0), 1.0);
        assert_eq!(text_scale(0.0), 1.0);
        assert_eq!(text_scale(f64::NAN), 1.0);
        assert_eq!(text_scale(f64::INFINITY), 1.0);
        // Within 1 % of the standard: rounding in the desktop's settings, not a choice.
        assert_eq!(text_scale(96.5), 1.0);
        // Kept to what a page can still be laid out in.
        assert_eq!(text_scale(960.0), 3.0);
        assert_eq!(text_scale(10.0), 0.5);
    }

    #[test]
    fn the_page_is_zoomed_by_both_and_the_user_keeps_their_own() {
        let z = Zoom::default();
        assert_eq!(z.page(), 1.0);
        assert_eq!(z.set_text_scale(1.25), Some(1.25));
        // Unchanged: nothing to apply.
        assert_eq!(z.set_text_scale(1.25), None);
        assert_eq!(z.set_user(1.1), 1.1 * 1.25);
        assert_eq!(z.user(), 1.1);
        assert_eq!(z.page(), 1.1 * 1.25);
        assert_eq!(z.set_text_scale(1.0), Some(1.1));
        assert_eq!(z.user(), 1.1);
    }
}
