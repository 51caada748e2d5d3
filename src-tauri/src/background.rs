//! Closing the main window keeps Okno running in the tray where the desktop shows tray icons,
//! as messengers do: replies still come as notifications, and the tray icon, a notification or
//! a second launch brings the window back. The first time, a notification says so and how to
//! quit. Where the desktop shows no tray icons (GNOME without an extension), closing the
//! window quits: an app running with no window and no icon could not be found again.

use crate::{Settings, Shell};
use tauri::{AppHandle, CloseRequestApi, Manager, Window};

/// The main window's close button (or the window manager's close): hide to the tray, or quit.
pub fn close_requested(window: &Window, api: &CloseRequestApi) {
    api.prevent_close();
    let app = window.app_handle().clone();
    // Asking the session bus takes a round trip: not on the GTK thread.
    tauri::async_runtime::spawn_blocking(move || {
        if !tray_shown() {
            tracing::info!("the window was closed and the desktop shows no tray: quitting");
            app.exit(0);
            return;
        }
        tracing::info!("the window was closed: running on in the tray");
        if let Some(w) = app.get_webview_window("main") {
            let _ = w.hide();
        }
        let Some(shell) = app.try_state::<Shell>() else {
            return;
        };
        // A hidden window has no focus: new messages notify.
        if let Ok(mut f) = shell.focus.lock() {
            f.window_focused = false;
        }
        first_time_hint(&app, &shell.settings_path);
    });
}

/// The notification that Okno keeps running, once per settings file (so once per user): told
/// and marked in one read-modify-write under the settings' lock, so two quick closes tell once.
fn first_time_hint(app: &AppHandle, settings: &std::path::Path) {
    let mut first = false;
    let marked = Settings::update(settings, |s| {
        first = !s.told_still_running;
        s.told_still_running = true;
    });
    if let Err(e) = marked {
        tracing::warn!(error = %e.message, "cannot save that the tray was explained");
    }
    if !first {
        return;
    }
    let (title, body) = crate::lang().still_running();
    crate::notifications::post(app.clone(), None, title, body);
}

/// Whether the desktop shows tray icons. On Linux that is a StatusNotifierWatcher on the session
/// bus with a host (a panel) registered: KDE, Ubuntu's GNOME, XFCE, Cinnamon and others have
/// one; plain GNOME has none. Elsewhere the system always shows them.
#[cfg(target_os = "linux")]
pub(crate) fn tray_shown() -> bool {
    use gtk::gio;
    use gtk::glib::ToVariant;
    const WATCHER: &str = "org.kde.StatusNotifierWatcher";
    let Some(bus) = crate::session_bus() else {
        return false;
    };
    let reply = bus.call_sync(
        Some(WATCHER),
        "/StatusNotifierWatcher",
        "org.freedesktop.DBus.Properties",
        "Get",
        Some(&(WATCHER, "IsStatusNotifierHostRegistered").to_variant()),
        None,
        gio::DBusCallFlags::NONE,
        2000,
        gio::Cancellable::NONE,
    );
    match reply {
        Ok(v) => v
            .child_value(0)
            .as_variant()
            .and_then(|b| b.get::<bool>())
            .unwrap_or(false),
        Err(e) => {
            tracing::info!(error = %e, "no tray host");
            false
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn tray_shown() -> bool {
    true
}
