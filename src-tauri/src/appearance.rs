//! Light or dark, the interface font, whether to animate and whether to draw in high contrast,
//! as the desktop asks, told to the page by the shell (see ARCHITECTURE.md, "Light, dark and
//! the font on Linux").
//!
//! WebKitGTK derives `prefers-color-scheme` from GTK's settings in the UI process, but only
//! once its display object exists there, and with the shared-memory renderer and
//! `WEBKIT_WEB_RENDER_DEVICE_FILE` set (`set_linux_env_defaults`) nothing creates it: the page
//! always sees light. WebKitGTK's GTK 3 port also ignores the desktop portal's `color-scheme`,
//! which is what GNOME's and KDE's dark style set. And its `system-ui` is fontconfig's default
//! sans-serif, never GTK's interface font (`gtk-font-name`, which GNOME's "Interface Text" and
//! KDE's font settings set). So on Linux the shell decides, and the page takes both from the
//! `appearance` command and the `appearance` event; on other platforms the command answers
//! nothing and the page follows `prefers-color-scheme` and `system-ui` itself. The same holds
//! for `prefers-reduced-motion`, which the page never sees set on Linux either: the desktop's
//! "reduce animations" (GNOME's accessibility switch, KDE's animation speed; GTK's
//! `gtk-enable-animations`, from the XSETTINGS daemon or GSettings) reaches it from the shell.
//!
//! Dark: the portal's `org.freedesktop.appearance` `color-scheme` when it states a preference
//! (1 dark, 2 light); otherwise GTK's settings, read as WebKitGTK reads them
//! (`gtk-application-prefer-dark-theme`, else `$GTK_THEME`, else `gtk-theme-name`, ending in
//! `-dark`, `-Dark` or `:dark`). The font: the family of `gtk-font-name` (its size is not
//! taken: the page's sizes are its own). Motion: reduced when `gtk-enable-animations` is off.
//! High contrast: the portal's `contrast` when it states a preference (1), else a GTK theme of
//! the `HighContrast` family (GNOME's accessibility switch selects it for GTK 3 applications;
//! `HighContrastInverse` is also dark). All of it is followed live.

use serde::Serialize;
use std::sync::Mutex;

/// What the page is told: `None` where the shell has no word (the page then asks the webview).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Appearance {
    pub dark: Option<bool>,
    /// The desktop's interface font family, or several separated by commas (Pango's form).
    pub font: Option<String>,
    /// The desktop asks for no animations.
    pub reduce_motion: Option<bool>,
    /// The desktop asks for high contrast.
    pub high_contrast: Option<bool>,
}

/// What the shell knows of the desktop's choice.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DesktopState {
    /// GTK's settings ask for dark.
    pub gtk_dark: bool,
    /// The portal's `color-scheme`: 0 no preference, 1 dark, 2 light; `None` until read, or
    /// with no portal.
    pub portal: Option<u32>,
    /// The family of GTK's interface font.
    pub font: Option<String>,
    /// GTK's `gtk-enable-animations`; `None` until read.
    pub animations: Option<bool>,
    /// GTK's theme is a high-contrast one.
    pub gtk_contrast: bool,
    /// The portal's `contrast`: 0 no preference, 1 higher; `None` until read, or with no portal
    /// (or one too old to know the key).
    pub portal_contrast: Option<u32>,
}

impl DesktopState {
    pub fn dark(&self) -> bool {
        match self.portal {
            Some(1) => true,
            Some(2) => false,
            _ => self.gtk_dark,
        }
    }

    pub fn appearance(&self) -> Appearance {
        Appearance {
            dark: Some(self.dark()),
            font: self.font.clone(),
            reduce_motion: self.animations.map(|on| !on),
            high_contrast: Some(self.portal_contrast == Some(1) || self.gtk_contrast),
        }
    }
}

/// The shell's view of the desktop, managed by Tauri; `None` where the webview follows the
/// system itself.
#[derive(Debug, Default)]
pub struct SystemAppearance(pub Mutex<Option<DesktopState>>);

impl SystemAppearance {
    pub fn get(&self) -> Appearance {
        self.0
            .lock()
            .ok()
            .and_then(|s| s.as_ref().map(DesktopState::appearance))
            .unwrap_or_default()
    }
}

/// A font family name fit for the page: trimmed, without control characters, and of a sane
/// length (a family name, not a document). `None` for anything else.
pub fn clean_family(family: &str) -> Option<String> {
    let f = family.trim();
    (!f.is_empty() && f.len() <= 200 && !f.chars().any(char::is_control)).then(|| f.to_owned())
}

/// GTK's settings as WebKitGTK reads them: prefer-dark, else the `GTK_THEME` variable when set,
/// else the theme's name.
pub fn gtk_settings_dark(
    prefer_dark: bool,
    env_theme: Option<&str>,
    theme_name: Option<&str>,
) -> bool {
    fn dark_name(name: &str, colon: bool) -> bool {
        name.ends_with("-dark")
            || name.ends_with("-Dark")
            || (colon && name.ends_with(":dark"))
            || theme_family(name) == "HighContrastInverse"
    }
    if prefer_dark {
        return true;
    }
    match env_theme {
        Some(t) => dark_name(t, true),
        None => theme_name.is_some_and(|t| dark_name(t, false)),
    }
}

/// A GTK theme's name without its variant (`Adwaita:dark` is `Adwaita`).
fn theme_family(name: &str) -> &str {
    name.split(':').next().unwrap_or(name)
}

/// Whether GTK's theme (`GTK_THEME` when set, else the settings' name) is a high-contrast one:
/// GTK 3's `HighContrast` and `HighContrastInverse`, which GNOME's accessibility switch selects.
pub fn gtk_settings_contrast(env_theme: Option<&str>, theme_name: Option<&str>) -> bool {
    env_theme
        .or(theme_name)
        .is_some_and(|t| theme_family(t).starts_with("HighContrast"))
}

#[cfg(target_os = "linux")]
pub use linux::follow;

#[cfg(target_os = "linux")]
mod linux {
    use super::{
        clean_family, gtk_settings_contrast, gtk_settings_dark, DesktopState, SystemAppearance,
    };
    use gtk::gio;
    use gtk::glib;
    use gtk::prelude::*;
    use tauri::{AppHandle, Emitter, Manager};

    const PORTAL: &str = "org.freedesktop.portal.Desktop";
    const PORTAL_PATH: &str = "/org/freedesktop/portal/desktop";
    const SETTINGS: &str = "org.freedesktop.portal.Settings";
    const APPEARANCE: &str = "org.freedesktop.appearance";
    const COLOR_SCHEME: &str = "color-scheme";
    const CONTRAST: &str = "contrast";
    /// The GTK settings followed: the first two decide dark, the third names the font, the
    /// last says whether to animate.
    const GTK_PROPERTIES: [&str; 4] = [
        "gtk-application-prefer-dark-theme",
        "gtk-theme-name",
        "gtk-font-name",
        "gtk-enable-animations",
    ];

    /// Takes dark, the interface font's family and whether to animate from GTK's settings.
    fn apply_gtk(app: &AppHandle, settings: &gtk::Settings) {
        let env_theme = std::env::var("GTK_THEME").ok();
        let theme_name = settings.gtk_theme_name();
        let dark = gtk_settings_dark(
            settings.is_gtk_application_prefer_dark_theme(),
            env_theme.as_deref(),
            theme_name.as_deref(),
        );
        let contrast = gtk_settings_contrast(env_theme.as_deref(), theme_name.as_deref());
        let font = settings.gtk_font_name().and_then(|name| {
            gtk::pango::FontDescription::from_string(&name)
                .family()
                .and_then(|f| clean_family(&f))
        });
        let animations = settings.is_gtk_enable_animations();
        update(app, |st| {
            st.gtk_dark = dark;
            st.font = font;
            st.animations = Some(animations);
            st.gtk_contrast = contrast;
        });
    }

    /// Applies a change to the state and tells the page when what it shows changed.
    fn update(app: &AppHandle, change: impl FnOnce(&mut DesktopState)) {
        let Some(shared) = app.try_state::<SystemAppearance>() else {
            return;
        };
        let (before, after) = {
            let Ok(mut slot) = shared.0.lock() else {
                return;
            };
            let before = slot.as_ref().map(DesktopState::appearance);
            let state = slot.get_or_insert_with(DesktopState::default);
            change(state);
            (before, state.appearance())
        };
        if before.as_ref() != Some(&after) {
            tracing::info!(
                dark = ?after.dark,
                font = ?after.font,
                reduce_motion = ?after.reduce_motion,
                high_contrast = ?after.high_contrast,
                "desktop appearance"
            );
            let _ = app.emit("appearance", after);
        }
    }

    /// One of the portal's appearance numbers (`color-scheme`, `contrast`), whatever the nesting:
    /// `Read` answers `v` holding `v` holding `u` (boxed once more), `ReadOne` and the signal `v`
    /// holding `u`.
    pub(super) fn portal_number(value: &glib::Variant) -> Option<u32> {
        let mut v = value.clone();
        for _ in 0..4 {
            if let Some(u) = v.get::<u32>() {
                return Some(u);
            }
            if v.type_() == glib::VariantTy::VARIANT {
                v = v.as_variant()?;
            } else if v.is_container() && v.n_children() == 1 {
                v = v.child_value(0);
            } else {
                return None;
            }
        }
        None
    }

    /// Reads one of the portal's `org.freedesktop.appearance` numbers and applies it. With no
    /// portal (or one too old to know the key) GTK's settings decide.
    fn read_appearance(
        bus: &gio::DBusConnection,
        app: &AppHandle,
        key: &'static str,
        apply: fn(&mut DesktopState, u32),
    ) {
        let app = app.clone();
        bus.call(
            Some(PORTAL),
            PORTAL_PATH,
            SETTINGS,
            "Read",
            Some(&(APPEARANCE, key).to_variant()),
            None,
            gio::DBusCallFlags::NONE,
            5_000,
            gio::Cancellable::NONE,
            move |reply| match reply.map(|v| portal_number(&v)) {
                Ok(Some(v)) => update(&app, |st| apply(st, v)),
                Ok(None) => tracing::info!(key, "the portal's value is not a number"),
                Err(e) => {
                    tracing::info!(error = %e, key, "not from the portal: GTK's settings decide")
                }
            },
        );
    }

    /// Zooms the page by the desktop's text scale (`zoom.rs`): GTK's font resolution, which it
    /// sets from `gtk-xft-dpi` (and `GDK_DPI_SCALE`), on every change. At start only the factor
    /// is set: `setup` zooms the still hidden window once, with the user's own zoom.
    fn follow_text_scale(app: &AppHandle) {
        let Some(screen) = gtk::gdk::Screen::default() else {
            return;
        };
        set_text_scale(app, screen.resolution());
        let a = app.clone();
        screen.connect_notify_local(Some("resolution"), move |s, _| {
            apply_text_scale(&a, s.resolution())
        });
    }

    /// Takes the text scale of GTK's font resolution; the page's new zoom when it changed.
    fn set_text_scale(app: &AppHandle, resolution: f64) -> Option<f64> {
        let scale = crate::zoom::text_scale(resolution);
        let page = app
            .try_state::<crate::zoom::Zoom>()?
            .set_text_scale(scale)?;
        tracing::info!(scale, "the desktop's text scale");
        Some(page)
    }

    fn apply_text_scale(app: &AppHandle, resolution: f64) {
        if let Some(page) = set_text_scale(app, resolution) {
            if let Some(w) = app.get_webview_window("main") {
                if let Err(e) = w.set_zoom(page) {
                    tracing::warn!(error = %e, "could not zoom the page");
                }
            }
        }
    }

    /// Starts following the desktop's choice. Runs on the GTK main thread (Tauri's setup hook),
    /// before the page asks: GTK's settings are read at once, the portal asynchronously.
    pub fn follow(app: &AppHandle) {
        app.manage(SystemAppearance::default());
        let Some(settings) = gtk::Settings::default() else {
            return;
        };
        apply_gtk(app, &settings);
        for property in GTK_PROPERTIES {
            let a = app.clone();
            settings.connect_notify_local(Some(property), move |s, _| apply_gtk(&a, s));
        }
        follow_text_scale(app);

        let app = app.clone();
        gio::bus_get(gio::BusType::Session, gio::Cancellable::NONE, move |bus| {
            let bus = match bus {
                Ok(b) => b,
                Err(e) => {
                    tracing::info!(error = %e, "no session bus: the theme follows GTK's settings");
                    return;
                }
            };
            let a = app.clone();
            bus.signal_subscribe(
                Some(PORTAL),
                Some(SETTINGS),
                Some("SettingChanged"),
                Some(PORTAL_PATH),
                Some(APPEARANCE),
                gio::DBusSignalFlags::NONE,
                move |_, _, _, _, _, params| {
                    // (namespace, key, value)
                    if params.n_children() != 3 {
                        return;
                    }
                    let Some(v) = portal_number(&params.child_value(2)) else {
                        return;
                    };
                    match params.child_value(1).str() {
                        Some(COLOR_SCHEME) => update(&a, |st| st.portal = Some(v)),
                        Some(CONTRAST) => update(&a, |st| st.portal_contrast = Some(v)),
                        _ => {}
                    }
                },
            );
            read_appearance(&bus, &app, COLOR_SCHEME, |st, v| st.portal = Some(v));
            // High contrast, where the portal knows it (xdg-desktop-portal 1.18 and later).
            read_appearance(&bus, &app, CONTRAST, |st, v| st.portal_contrast = Some(v));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtk_settings_are_read_as_webkit_reads_them() {
        assert!(!gtk_settings_dark(false, None, Some("Adwaita")));
        assert!(gtk_settings_dark(true, None, Some("Adwaita")));
        assert!(gtk_settings_dark(false, None, Some("Yaru-dark")));
        assert!(gtk_settings_dark(false, None, Some("Arc-Dark")));
        // A theme name never has the variant after a colon; $GTK_THEME may.
        assert!(!gtk_settings_dark(false, None, Some("Adwaita:dark")));
        assert!(gtk_settings_dark(
            false,
            Some("Adwaita:dark"),
            Some("Adwaita")
        ));
        // $GTK_THEME, when set, decides over the theme's name.
        assert!(!gtk_settings_dark(
            false,
            Some("Adwaita"),
            Some("Yaru-dark")
        ));
        assert!(!gtk_settings_dark(false, None, None));
        // GTK 3's inverse high-contrast theme is light on dark.
        assert!(gtk_settings_dark(false, None, Some("HighContrastInverse")));
        assert!(!gtk_settings_dark(false, None, Some("HighContrast")));
    }

    #[test]
    fn high_contrast_comes_from_the_portal_or_a_high_contrast_gtk_theme() {
        assert!(gtk_settings_contrast(None, Some("HighContrast")));
        assert!(gtk_settings_contrast(None, Some("HighContrastInverse")));
        assert!(gtk_settings_contrast(
            Some("HighContrast:dark"),
            Some("Adwaita")
        ));
        assert!(!gtk_settings_contrast(None, Some("Adwaita")));
        // $GTK_THEME, when set, decides over the theme's name.
        assert!(!gtk_settings_contrast(
            Some("Adwaita"),
            Some("HighContrast")
        ));
        assert!(!gtk_settings_contrast(None, None));
        let s = |gtk_contrast, portal_contrast| {
            DesktopState {
                gtk_contrast,
                portal_contrast,
                ..DesktopState::default()
            }
            .appearance()
            .high_contrast
        };
        assert_eq!(s(false, Some(1)), Some(true));
        assert_eq!(s(true, None), Some(true));
        // No preference from the portal: GTK's theme decides.
        assert_eq!(s(true, Some(0)), Some(true));
        assert_eq!(s(false, Some(0)), Some(false));
        assert_eq!(s(false, None), Some(false));
    }

    #[test]
    fn the_portal_decides_when_it_states_a_preference() {
        let s = |gtk_dark, portal| {
            DesktopState {
                gtk_dark,
                portal,
                ..DesktopState::default()
            }
            .dark()
        };
        assert!(s(false, Some(1)));
        assert!(!s(true, Some(2)));
        assert!(s(true, Some(0)));
        assert!(!s(false, Some(0)));
        assert!(s(true, None));
        // A value the portal does not define is no preference.
        assert!(!s(false, Some(7)));
    }

    #[test]
    fn the_page_is_told_nothing_until_the_shell_knows() {
        let shared = SystemAppearance::default();
        assert_eq!(
            shared.get(),
            Appearance {
                dark: None,
                font: None,
                reduce_motion: None,
                high_contrast: None
            }
        );
        *shared.0.lock().unwrap() = Some(DesktopState {
            gtk_dark: false,
            portal: Some(1),
            font: Some("Cantarell".into()),
            animations: Some(false),
            ..DesktopState::default()
        });
        assert_eq!(
            shared.get(),
            Appearance {
                dark: Some(true),
                font: Some("Cantarell".into()),
                reduce_motion: Some(true),
                high_contrast: Some(false)
            }
        );
        // The wire form the page reads.
        assert_eq!(
            serde_json::to_value(shared.get()).unwrap(),
            serde_json::json!({
                "dark": true,
                "font": "Cantarell",
                "reduce_motion": true,
                "high_contrast": false
            })
        );
        // Animations on: the page is told so, and keeps its transitions.
        if let Some(st) = shared.0.lock().unwrap().as_mut() {
            st.animations = Some(true);
        }
        assert_eq!(shared.get().reduce_motion, Some(false));
    }

    #[test]
    fn only_a_plain_family_name_reaches_the_page() {
        assert_eq!(clean_family(" Noto Sans ").as_deref(), Some("Noto Sans"));
        assert_eq!(
            clean_family("Cantarell, Noto Sans").as_deref(),
            Some("Cantarell, Noto Sans")
        );
        assert_eq!(clean_family(""), None);
        assert_eq!(clean_family("   "), None);
        // Quotes pass: the page quotes the name for CSS itself (ui/src/lib/theme.ts).
        assert_eq!(clean_family(r#"Evil" }"#).as_deref(), Some(r#"Evil" }"#));
        assert_eq!(clean_family("Line\nbreak"), None);
        assert_eq!(clean_family(&"x".repeat(201)), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_family_is_taken_from_gtks_font_name() {
        let family = |name: &str| {
            gtk::pango::FontDescription::from_string(name)
                .family()
                .map(|f| f.to_string())
        };
        assert_eq!(family("Cantarell 11").as_deref(), Some("Cantarell"));
        assert_eq!(family("Noto Sans Bold 10").as_deref(), Some("Noto Sans"));
        assert_eq!(family("DejaVu Serif 11").as_deref(), Some("DejaVu Serif"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_portals_value_is_found_in_any_nesting() {
        use gtk::glib::{ToVariant, Variant};
        let u = 1u32.to_variant();
        let v = Variant::from_variant(&u);
        let vv = Variant::from_variant(&v);
        // Read's reply: a tuple of one `v` holding `v` holding `u`.
        let read = Variant::tuple_from_iter([vv.clone()]);
        assert_eq!(linux::portal_number(&u), Some(1));
        assert_eq!(linux::portal_number(&v), Some(1));
        assert_eq!(linux::portal_number(&read), Some(1));
        assert_eq!(
            linux::portal_number(&Variant::tuple_from_iter([v])),
            Some(1)
        );
        assert_eq!(linux::portal_number(&"dark".to_variant()), None);
        assert_eq!(linux::portal_number(&(1u32, 2u32).to_variant()), None);
    }
}
