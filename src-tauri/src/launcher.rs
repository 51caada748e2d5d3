//! The unread total on Okno's icon in the dock or task bar (Ubuntu's dock, Dash to Dock, KDE's
//! task manager, Plank): the Unity launcher API, a signal on the session bus naming the menu
//! entry the package installs (`Okno.desktop`) with a count. GIO's D-Bus sends it (no libunity,
//! which is what Tauri's own badge would load); it goes out only when the total changes.

use std::collections::HashMap;
use std::sync::Mutex;

/// The total last sent.
static SENT: Mutex<Option<i64>> = Mutex::new(None);

/// Sends `unread` to the docks, unless it is what they have.
pub fn update(unread: i64) {
    use gtk::glib::{ToVariant, Variant};
    let unread = unread.max(0);
    let Ok(mut sent) = SENT.lock() else {
        return;
    };
    if *sent == Some(unread) {
        return;
    }
    let Some(bus) = crate::session_bus() else {
        return;
    };
    let uri = format!(
        "application://{}.desktop",
        crate::notifications::DESKTOP_ENTRY
    );
    let props: HashMap<String, Variant> = HashMap::from([
        ("count".to_owned(), unread.to_variant()),
        ("count-visible".to_owned(), (unread > 0).to_variant()),
    ]);
    match bus.emit_signal(
        None,
        "/com/canonical/unity/launcherentry/okno",
        "com.canonical.Unity.LauncherEntry",
        "Update",
        Some(&(uri, props).to_variant()),
    ) {
        Ok(()) => *sent = Some(unread),
        Err(e) => tracing::info!(error = %e, "cannot send the launcher's count"),
    }
}
