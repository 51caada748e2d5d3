//! Core events to the UI, native notifications per the core's policy, and the tray's unread
//! total.

use okno_core::notify::{self, Incoming, Notification};
use okno_core::Core;
use okno_proto::*;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};

const TRAY_ID: &str = "okno-tray";

/// The menu entry the package installs, without `.desktop` (`scripts/package`).
#[cfg(all(unix, not(target_os = "macos")))]
pub(crate) const DESKTOP_ENTRY: &str = "Okno";

/// Forwards every core event to the UI (`core`), and turns new messages into notifications.
pub fn spawn_forwarder(app: AppHandle, core: Core) {
    let mut rx = core.subscribe();
    tauri::async_runtime::spawn(async move {
        update_tray(&app, &core);
        loop {
            let Some(first) = rx.recv().await else { return };
            // Messages that arrive together are decided together (grouping).
            let mut batch = vec![first];
            let deadline = tokio::time::Instant::now() + Duration::from_millis(150);
            while matches!(batch.last(), Some(CoreEvent::NewMessage { .. })) || batch.len() == 1 {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(e)) => batch.push(e),
                    _ => break,
                }
                if batch.len() > 200 {
                    break;
                }
            }
            if let Some(shell) = app.try_state::<crate::Shell>() {
                shell.mark_activity();
            }
            let mut arrived = Vec::new();
            let mut queued = Vec::new();
            let mut lines_changed = false;
            for e in &batch {
                let _ = app.emit("core", e);
                match e {
                    CoreEvent::NewMessage {
                        chat_id,
                        message_id,
                    } => arrived.push((*chat_id, *message_id)),
                    CoreEvent::TicketQueued { ticket_id, .. } => queued.push(*ticket_id),
                    CoreEvent::LinesChanged
                    | CoreEvent::ChatChanged { .. }
                    | CoreEvent::TicketChanged { .. }
                    | CoreEvent::SignedOut => lines_changed = true,
                    _ => {}
                }
            }
            if lines_changed || !arrived.is_empty() {
                update_tray(&app, &core);
            }
            if !arrived.is_empty() {
                notify_arrivals(&app, &core, &arrived);
            }
            if !queued.is_empty() {
                notify_queued(&app, &core, &queued);
            }
        }
    });
}

fn notify_arrivals(app: &AppHandle, core: &Core, arrived: &[(ChatId, MessageId)]) {
    let Ok(Some(me)) = core.me() else { return };
    let lines = core.lines().unwrap_or_default();
    let incoming: Vec<Incoming> = arrived
        .iter()
        .filter_map(|(chat, id)| {
            let m = core.message(*chat, *id).ok().flatten()?;
            let line = lines.iter().find(|l| l.chat_id == Some(*chat));
            Some(Incoming {
                chat_id: *chat,
                sender_id: m.sender_id,
                kind: m.kind,
                muted: core.is_muted(*chat).unwrap_or(false),
                followed: core.follows_chat(*chat).unwrap_or(true),
                line_name: line
                    .map(|l| l.line.name.clone())
                    .or_else(|| ticket_title(core, *chat))
                    .unwrap_or_else(|| "Okno".into()),
                sender_name: m.sender_name.clone(),
                preview: m.text.clone(),
            })
        })
        .collect();
    for n in notify::decide(me.id, crate::focus(app), &incoming, crate::lang()) {
        show(app.clone(), n);
    }
}

/// The title for a message in a ticket's chat (an employee's view): "#12 · IT Support".
fn ticket_title(core: &Core, chat: ChatId) -> Option<String> {
    core.open_ticket_of(chat)
        .ok()
        .flatten()
        .map(|t| format!("#{} · {}", t.number, t.line_name))
}

/// New tickets waiting in the queues of the specialist's lines.
fn notify_queued(app: &AppHandle, core: &Core, tickets: &[TicketId]) {
    let focus = crate::focus(app);
    for id in tickets {
        let Ok(Some(t)) = core.cached_ticket(*id) else {
            continue;
        };
        if let Some(n) = notify::ticket_queued(focus, &t, crate::lang()) {
            tracing::info!(ticket = %id, "new ticket in the queue: notifying");
            show(app.clone(), n);
        }
    }
}

/// Shows a native notification; clicking it opens the chat where the platform reports clicks.
fn show(app: AppHandle, n: Notification) {
    let (chat, title, body) = match n {
        Notification::Single {
            chat_id,
            title,
            body,
        } => (Some(chat_id), title, body),
        Notification::Grouped {
            chat_id,
            title,
            body,
            ..
        } => (chat_id, title, body),
    };
    post(app, chat, title, body);
}

/// Shows a notification; clicking it opens `chat`, or without one brings the window up.
pub(crate) fn post(app: AppHandle, chat: Option<ChatId>, title: String, body: String) {
    std::thread::spawn(move || {
        let mut note = notify_rust::Notification::new();
        note.appname("Okno")
            .summary(&title)
            .body(&body)
            .icon("mail-message-new");
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            // The installed menu entry (`Okno.desktop`, named by the product): notification
            // servers take the app's icon and name from it, and group its notifications.
            note.hint(notify_rust::Hint::DesktopEntry(DESKTOP_ENTRY.to_owned()));
            note.action("default", "Open");
            match note.show() {
                Ok(handle) => handle.wait_for_action(|action| {
                    if action == "default" {
                        if let Some(chat) = chat {
                            crate::emit_open_chat(&app, chat);
                        } else {
                            crate::focus_main(&app);
                        }
                    }
                }),
                Err(e) => tracing::info!(error = %e, "no notification server"),
            }
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        {
            let _ = (&app, chat);
            if let Err(e) = note.show() {
                tracing::info!(error = %e, "cannot show a notification");
            }
        }
    });
}

fn update_tray(app: &AppHandle, core: &Core) {
    let unread = core.unread_total().unwrap_or(0);
    // Docks and task bars count it on the app's icon too.
    #[cfg(target_os = "linux")]
    crate::launcher::update(unread);
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_tooltip(Some(&crate::lang().tray_tooltip(unread)));
        // Linux panels show the icon (KDE, XFCE) or the icon and a label (Ubuntu's): the total
        // is drawn on the icon. The macOS menu bar shows the title beside the icon.
        #[cfg(target_os = "linux")]
        if let Some(icon) = crate::tray_badge::changed(unread) {
            let _ = tray.set_icon(Some(icon));
        }
        #[cfg(not(target_os = "linux"))]
        let _ = tray.set_title(if unread > 0 {
            Some(unread.to_string())
        } else {
            None
        });
    }
}

/// The tray icon (from the config) with a menu: open the window, quit.
pub fn setup_tray(app: &AppHandle) -> tauri::Result<()> {
    use tauri::menu::{MenuBuilder, MenuItemBuilder};
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return Ok(());
    };
    let [open, quit] = crate::lang().tray_menu();
    let open = MenuItemBuilder::with_id("open", open).build(app)?;
    let quit = MenuItemBuilder::with_id("quit", quit).build(app)?;
    let menu = MenuBuilder::new(app).items(&[&open, &quit]).build()?;
    tray.set_menu(Some(menu))?;
    tray.on_menu_event(|app, event| match event.id().as_ref() {
        "open" => crate::focus_main(app),
        "quit" => app.exit(0),
        _ => {}
    });
    Ok(())
}
