//! Closing the window: Okno runs on in the tray where the desktop shows one, and quits where it
//! shows none.

use crate::harness::*;
use crate::{at_it_support, AtItSupport};
use std::time::Duration;

const STILL_RUNNING: &str = "Okno keeps running";

fn hints(app: &Desktop) -> usize {
    app.notifications
        .lock()
        .unwrap()
        .iter()
        .filter(|n| n.summary == STILL_RUNNING)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_window_keeps_okno_running_in_the_tray_until_quit() {
    let AtItSupport { cloud, it, app, .. } = at_it_support("closing").await;
    app.until("the tray icon", 15, || async {
        !app.tray_menu().await.is_empty()
    })
    .await;
    let (_, x, y, width, height) = app.window();

    // The window's close button: the window goes, the app stays, and says so the first time.
    app.close_window();
    app.until("the window hidden", 10, || async { !app.window_shown() })
        .await;
    app.until("a notification that Okno keeps running", 10, || async {
        hints(&app) == 1
    })
    .await;
    let hint = app.notification(STILL_RUNNING).unwrap();
    assert!(hint.body.contains("“Quit”"), "{hint:?}");

    // Hidden, it still hears from the server: a reply raises a notification, and clicking it
    // brings the window back where it was, with the reply in the chat.
    let specialist = cloud.api("specialist").await;
    specialist
        .send(it.chat_id.unwrap(), "The VPN server has been restarted")
        .await;
    app.until("a notification of the reply", 15, || async {
        app.notification("IT Support").is_some()
    })
    .await;
    let reply = app.notification("IT Support").unwrap();
    assert!(reply.body.contains("The VPN server has been restarted"));
    app.click_notification(reply.id).await;
    app.until("the window back", 10, || async { app.window_shown() })
        .await;
    let (_, x2, y2, width2, height2) = app.window();
    assert_eq!((x2, y2, width2, height2), (x, y, width, height));
    app.until("the reply in the chat", 10, || async {
        app.text_of("[data-testid=message-list]")
            .await
            .contains("The VPN server has been restarted")
    })
    .await;
    app.screenshot("back-from-the-tray").await;

    // Closed again: no second explanation. Launching Okno again brings the window back, and
    // so does the tray's menu, which also quits.
    app.close_window();
    app.until("the window hidden again", 10, || async {
        !app.window_shown()
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(hints(&app), 1, "told once");
    app.launch_again().await;
    app.until("the window back on a second launch", 10, || async {
        app.window_shown()
    })
    .await;
    app.close_window();
    app.until("the window hidden a third time", 10, || async {
        !app.window_shown()
    })
    .await;
    app.tray_click("Open Okno").await;
    app.until("the window opened from the tray", 10, || async {
        app.window_shown()
    })
    .await;
    app.tray_click("Quit").await;
    assert!(app.gone(15).await, "Quit in the tray's menu quits");
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_window_quits_where_the_desktop_shows_no_tray() {
    let cloud = Cloud::start().await;
    let app = Desktop::start_without_tray("closing-no-tray", &cloud.url()).await;
    app.sign_in(&cloud.url(), "user").await;
    app.find("[data-testid=lines-list]").await;
    app.close_window();
    assert!(app.gone(15).await, "closing the window quits");
    assert_eq!(hints(&app), 0);
    app.quit().await;
}

/// The login entry the app writes, as the desktop's autostart reads it.
fn login_entry(app: &Desktop) -> std::path::PathBuf {
    app.config_dir().join("autostart/Okno.desktop")
}

async fn autostart_checked(app: &Desktop) -> bool {
    app.find("[data-testid=setting-autostart]")
        .await
        .attr("aria-checked")
        .await
        .unwrap()
        .as_deref()
        == Some("true")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turned_on_okno_starts_at_login_into_the_tray() {
    let AtItSupport {
        cloud, it, mut app, ..
    } = at_it_support("autostart").await;
    let entry = login_entry(&app);
    assert!(!entry.exists(), "off until the user turns it on");

    // The account bar's settings: on.
    app.click("[data-testid=settings]").await;
    assert!(!autostart_checked(&app).await);
    app.click("[data-testid=setting-autostart]").await;
    app.until("the setting on", 10, || async {
        autostart_checked(&app).await
    })
    .await;
    app.screenshot("settings").await;

    // A valid desktop entry in the user's autostart directory that starts this program in the
    // background.
    let text = std::fs::read_to_string(&entry).unwrap();
    assert_valid_desktop_entry(&entry);
    let program = std::fs::canonicalize(app.program()).unwrap();
    let exec = format!("Exec={} --autostart", program.display());
    assert!(text.lines().any(|l| l == exec), "{exec} in\n{text}");
    assert!(text.lines().any(|l| l == "Name[ru]=Окно"), "{text}");

    // Started as the desktop starts it at login: the window stays hidden, also past the
    // shell's fallback for a page that never shows it, and Okno waits in the tray.
    app.restart_with(&["--autostart"]).await;
    app.until("the tray icon", 15, || async {
        !app.tray_menu().await.is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert!(!app.window_shown(), "started at login, the window waits");

    // Hidden from the start, a reply raises a notification.
    cloud
        .api("specialist")
        .await
        .send(it.chat_id.unwrap(), "Your new laptop is ready")
        .await;
    app.until("a notification of the reply", 15, || async {
        app.notification("IT Support").is_some()
    })
    .await;

    // Opened from the tray: the app as the user left it.
    app.tray_click("Open Okno").await;
    app.until("the window opened from the tray", 10, || async {
        app.window_shown()
    })
    .await;
    app.find("[data-testid=lines-list]").await;

    // Off again: the entry is gone.
    app.click("[data-testid=settings]").await;
    app.until("the setting read as on", 10, || async {
        autostart_checked(&app).await
    })
    .await;
    app.click("[data-testid=setting-autostart]").await;
    app.until("the setting off", 10, || async {
        !autostart_checked(&app).await
    })
    .await;
    assert!(!entry.exists(), "turned off, the entry is removed");

    // Signed out, a start at login shows the sign-in screen: nothing could notify meanwhile.
    app.click("[data-testid=sign-out]").await;
    app.find("[data-testid=login-form]").await;
    app.restart_with(&["--autostart"]).await;
    app.until("the window shown", 15, || async { app.window_shown() })
        .await;
    app.find("[data-testid=login-form]").await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn started_at_login_where_the_desktop_shows_no_tray_okno_opens_its_window() {
    let cloud = Cloud::start().await;
    let mut app = Desktop::start_without_tray("autostart-no-tray", &cloud.url()).await;
    app.sign_in(&cloud.url(), "user").await;
    app.find("[data-testid=lines-list]").await;
    app.restart_with(&["--autostart"]).await;
    app.until("the window shown", 15, || async { app.window_shown() })
        .await;
    app.find("[data-testid=lines-list]").await;
    app.quit().await;
}
