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
