//! The desktop app in a real window: tauri-driver + WebKitWebDriver under Xvfb, driving the real
//! `okno-desktop` binary against a real server on loopback. Each test saves screenshots of the
//! screens it passes through under `target/tmp/screens/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod closing;
mod harness;
#[path = "../../crates/okno-core/tests/common/http_proxy.rs"]
mod http_proxy;
mod kb;
mod package;
mod tickets;
#[path = "../../crates/okno-core/tests/common/tls.rs"]
mod tls;

use harness::*;
use okno_proto::*;
use serde_json::json;
use std::time::Duration;

/// The demo user's lines: IT Support (chat) and HR Questions (chat).
async fn user_chats(cloud: &Cloud) -> (Api, Vec<Connection>) {
    let user = cloud.api("user").await;
    let snap = user.snapshot().await;
    (user, snap.connections)
}

/// A work type of the company's service catalog, by name.
pub(crate) async fn work_type_named(api: &Api, company: CompanyId, name: &str) -> i64 {
    let services: Vec<Service> = api
        .get(&format!("/api/v1/companies/{company}/services"))
        .await;
    services
        .iter()
        .flat_map(|s| &s.work_types)
        .find(|w| w.name == name)
        .unwrap()
        .id
}

fn line_named<'a>(conns: &'a [Connection], name: &str) -> &'a Connection {
    conns.iter().find(|c| c.line.name == name).unwrap()
}

/// Where most tests start: a cloud, the app (named for its screenshots) signed in as the demo
/// user with IT Support's chat open, and the user's API and lines. Bind `cloud` (as `_cloud`
/// if unused): fields left to `..` are dropped at once, and the cloud's server with them.
struct AtItSupport {
    cloud: Cloud,
    user: Api,
    conns: Vec<Connection>,
    it: Connection,
    app: Desktop,
}

async fn at_it_support(name: &str) -> AtItSupport {
    let cloud = Cloud::start().await;
    let (user, conns) = user_chats(&cloud).await;
    let it = line_named(&conns, "IT Support").clone();
    let app = Desktop::start(name, &cloud.url()).await;
    app.sign_in(&cloud.url(), "user").await;
    app.open_line(it.line.id).await;
    AtItSupport {
        cloud,
        user,
        conns,
        it,
        app,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_order_green_ring_search_request_and_approval() {
    let cloud = Cloud::start().await;
    let (user, conns) = user_chats(&cloud).await;
    let hr = line_named(&conns, "HR Questions");
    let it = line_named(&conns, "IT Support");
    // A message on HR: it opens a ticket (green ring) and puts HR first.
    user.send(hr.chat_id.unwrap(), "When is my leave approved?")
        .await;

    let app = Desktop::start("lines", &cloud.url()).await;
    app.sign_in(&cloud.url(), "user").await;
    app.until("two lines", 15, || async {
        let n = app.find_all("[data-testid=line-item]").await.len();
        eprintln!("lines shown: {n}");
        n == 2
    })
    .await;
    let ids = app.data_of("[data-testid=line-item]", "data-line-id").await;
    assert_eq!(
        ids,
        [hr.line.id.to_string(), it.line.id.to_string()],
        "the line with messages first"
    );
    let rings = app
        .data_of("[data-testid=line-item]", "data-open-ticket")
        .await;
    assert_eq!(
        rings,
        ["true", "false"],
        "ringed green while a ticket is open"
    );
    app.screenshot("lines").await;

    // Someone answers on IT Support: it moves to the top, with an unread count.
    let specialist = cloud.api("specialist").await;
    specialist
        .send(it.chat_id.unwrap(), "Hello! How can I help?")
        .await;
    app.until("IT Support first", 15, || async {
        app.data_of("[data-testid=line-item]", "data-line-id")
            .await
            .first()
            == Some(&it.line.id.to_string())
    })
    .await;
    assert_eq!(
        app.data_of("[data-testid=line-item]", "data-unread")
            .await
            .first()
            .map(String::as_str),
        Some("1")
    );

    // Ctrl+K opens search mode with the field focused, Esc leaves it; a click opens it too.
    app.driver
        .action_chain()
        .key_down(thirtyfour::Key::Control)
        .send_keys("k")
        .key_up(thirtyfour::Key::Control)
        .perform()
        .await
        .unwrap();
    app.find("[data-testid=search-results]").await;
    assert_eq!(
        app.js("return document.activeElement?.dataset.testid ?? ''")
            .await,
        json!("search-input"),
        "Ctrl+K focuses the search field"
    );
    app.press(thirtyfour::Key::Escape).await;
    app.until("search mode left by Esc", 5, || async {
        app.find_all("[data-testid=search-results]")
            .await
            .is_empty()
    })
    .await;
    // Search mode: connected and recommended lines; typing searches the cloud.
    app.click("[data-testid=search-input]").await;
    app.find("[data-testid=search-results]").await;
    app.find("[data-testid=recommended-section]").await;
    app.find("[data-testid=search-input]")
        .await
        .send_keys("acme")
        .await
        .unwrap();
    let found = app.find("[data-testid=found-line]").await;
    let acme_line: LineId = LineId(app.attr(&found, "data-line-id").await.parse().unwrap());
    app.screenshot("search").await;
    found
        .find(thirtyfour::By::Css("[data-testid=request-connection]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app.find("[data-testid=pending-badge]").await;

    // The owner's admin approves over the API; the line appears in the list, active.
    let acme = cloud.api("acme-admin").await;
    let company = acme.get::<Me>("/api/v1/me").await.memberships[0].company_id;
    let pending: Vec<Connection> = acme
        .get(&format!(
            "/api/v1/companies/{company}/connections?state=pending"
        ))
        .await;
    let request = pending.iter().find(|c| c.line.id == acme_line).unwrap();
    let _: Connection = acme
        .post(
            &format!("/api/v1/connections/{}/approve", request.id),
            json!({}),
        )
        .await;
    app.press(thirtyfour::Key::Escape).await;
    app.until("the approved line in the list", 15, || async {
        let ids = app.data_of("[data-testid=line-item]", "data-line-id").await;
        let states = app.data_of("[data-testid=line-item]", "data-state").await;
        ids.iter()
            .zip(&states)
            .any(|(id, st)| *id == acme_line.to_string() && st == "active")
    })
    .await;
    app.screenshot("lines-after-approval").await;

    // Alt+↓ and Alt+↑ walk the lines list.
    {
        let app = &app;
        let alt = |key: thirtyfour::Key| async move {
            app.driver
                .action_chain()
                .key_down(thirtyfour::Key::Alt)
                .send_keys(key)
                .key_up(thirtyfour::Key::Alt)
                .perform()
                .await
                .unwrap();
        };
        let order = app.data_of("[data-testid=line-item]", "data-line-id").await;
        let current = || async {
            app.data_of("[data-testid=line-item][aria-current=true]", "data-line-id")
                .await
        };
        alt(thirtyfour::Key::Down).await;
        alt(thirtyfour::Key::Down).await;
        app.until("Alt+↓ twice: the second line", 5, || async {
            current().await == order[1..2]
        })
        .await;
        alt(thirtyfour::Key::Up).await;
        app.until("Alt+↑: the first line", 5, || async {
            current().await == order[..1]
        })
        .await;
    }
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_send_and_the_information_panel() {
    let AtItSupport {
        cloud,
        user,
        it,
        app,
        ..
    } = at_it_support("chat").await;
    let chat = it.chat_id.unwrap();

    // Enter sends; the message shows as sent, then the ticket notice follows.
    let input = app.find("[data-testid=composer-input]").await;
    input.send_keys("My VPN drops every hour").await.unwrap();
    input.send_keys(thirtyfour::Key::Enter).await.unwrap();
    app.until("sent and the notice", 15, || async {
        let shown = app.shown_messages().await;
        shown.iter().any(|(_, kind, status, text)| {
            kind == "text" && status == "sent" && text.contains("My VPN drops")
        }) && shown.iter().any(|(_, kind, _, _)| kind == "notice")
    })
    .await;
    let history = user.history(chat).await;
    assert_eq!(
        history
            .iter()
            .filter(|m| m.text == "My VPN drops every hour")
            .count(),
        1
    );
    // Its time, in the system's time zone (`TZ`) as the shell hands it to the page.
    let sent = history
        .iter()
        .find(|m| m.text == "My VPN drops every hour")
        .unwrap();
    let zone: chrono_tz::Tz = TZ.parse().unwrap();
    let time = chrono::DateTime::from_timestamp_millis(sent.created_at)
        .unwrap()
        .with_timezone(&zone)
        .format("%-I:%M %p")
        .to_string();
    let shown = app.shown_messages().await;
    let row = shown
        .iter()
        .find(|(seq, ..)| *seq == sent.seq.to_string())
        .unwrap();
    assert!(row.3.contains(&time), "{:?} shows no {time}", row.3);

    // Shift+Enter starts a new line in the composer; Enter sends both lines as one message.
    input.send_keys("It started on Monday").await.unwrap();
    input
        .send_keys(thirtyfour::Key::Shift + thirtyfour::Key::Enter)
        .await
        .unwrap();
    input.send_keys("after the update").await.unwrap();
    assert_eq!(
        app.js("return document.querySelector('[data-testid=composer-input]').value")
            .await,
        json!("It started on Monday\nafter the update"),
        "Shift+Enter put a new line into the composer and sent nothing"
    );
    input.send_keys(thirtyfour::Key::Enter).await.unwrap();
    app.until("the two-line message sent", 15, || async {
        user.history(chat)
            .await
            .iter()
            .any(|m| m.text == "It started on Monday\nafter the update")
    })
    .await;

    // The emoji picker: its emoji are drawn in colour (the system's emoji font, which the
    // setup installs; without it every one is a blank box), and a picked one goes into the
    // composer and out with the message.
    app.click("[data-testid=emoji-button]").await;
    app.find("[data-testid=emoji-picker]").await;
    let thumbs = app.find("[data-testid=emoji][title='👍']").await;
    let coloured = app.coloured_share(&thumbs).await;
    assert!(
        coloured > 0.05,
        "👍 is not drawn in colour ({coloured:.3} of its pixels)"
    );
    app.screenshot("emoji-picker").await;
    thumbs.click().await.unwrap();
    input.send_keys(thirtyfour::Key::Escape).await.unwrap();
    app.until("the picker closed by Esc", 5, || async {
        app.find_all("[data-testid=emoji-picker]").await.is_empty()
    })
    .await;
    input.send_keys(" thanks").await.unwrap();
    input.send_keys(thirtyfour::Key::Enter).await.unwrap();
    app.until("the emoji message sent", 15, || async {
        app.shows_sent("text", "👍 thanks").await
    })
    .await;
    assert!(user
        .history(chat)
        .await
        .iter()
        .any(|m| m.text == "👍 thanks"));
    // The lines list shows the line's newest message under its name.
    app.until("the message in the lines list", 10, || async {
        app.line_preview(it.line.id).await == "You: 👍 thanks"
    })
    .await;

    // A specialist registers a service request on the ticket.
    let specialist = cloud.api("specialist").await;
    let summary: ChatSummary = user.get(&format!("/api/v1/chats/{chat}")).await;
    let ticket = summary.open_ticket.unwrap();
    let work_type = work_type_named(&specialist, ticket.company_id, "Printer repair").await;
    let sr: ServiceRequest = specialist
        .post(
            &format!("/api/v1/tickets/{}/service-requests", ticket.id),
            json!({"title": "Reissue the VPN certificate", "work_type_id": work_type,
                   "fields": {"Inventory number": "VPN-7"}}),
        )
        .await;
    app.until("the request's notice", 15, || async {
        app.shown_messages().await.iter().any(|(_, kind, _, text)| {
            kind == "notice" && text.contains("Reissue the VPN certificate")
        })
    })
    .await;
    app.until("the notice in the lines list, in words", 10, || async {
        app.line_preview(it.line.id).await
            == format!(
                "Service request #{} registered: Reissue the VPN certificate",
                sr.number
            )
    })
    .await;
    app.screenshot("chat").await;

    // The panel opens by the title…
    app.click("[data-testid=chat-title]").await;
    let panel = app.find("[data-testid=info-panel]").await;
    assert_eq!(app.text_of("[data-testid=info-name]").await, "IT Support");
    assert!(app
        .text_of("[data-testid=info-description]")
        .await
        .contains("printers and VPN"));
    let more = app.find("[data-testid=info-more-link]").await;
    assert_eq!(app.attr(&more, "href").await, "https://okno.example/it");
    // On the reader's clock: en_US has 12 hours.
    let hours = app.text_of("[data-testid=info-hours]").await;
    assert!(hours.contains("9:00 AM–6:00 PM"), "{hours}");
    // The hours' zone with its offset now, from the shell's time-zone database.
    app.until("the hours' zone with its offset", 10, || async {
        app.text_of("[data-testid=info-hours]")
            .await
            .contains("Europe/Moscow (GMT+3)")
    })
    .await;
    let working = app.text_of("[data-testid=info-working-now]").await;
    assert!(!working.is_empty());
    app.until("the service request in the panel", 10, || async {
        app.text_of("[data-testid=info-service-requests]")
            .await
            .contains(&sr.title)
    })
    .await;
    app.find("[data-testid=info-files]").await;
    app.screenshot("info").await;
    // Ctrl+A away from the composer selects what a reader may copy (the messages, the line's
    // details), never the app's own labels, as in a native app.
    app.js("document.activeElement?.blur()").await;
    app.driver
        .action_chain()
        .key_down(thirtyfour::Key::Control)
        .send_keys("a")
        .key_up(thirtyfour::Key::Control)
        .perform()
        .await
        .unwrap();
    let selected = app.js("return getSelection().toString()").await;
    let selected = selected.as_str().unwrap_or_default();
    assert!(
        selected.contains("My VPN drops every hour") && selected.contains("printers and VPN"),
        "{selected:?}"
    );
    for label in ["Ctrl+K", "HR Questions", "Connected", "Disconnect line"] {
        assert!(
            !selected.to_lowercase().contains(&label.to_lowercase()),
            "{label:?} selected: {selected:?}"
        );
    }
    app.js("getSelection().removeAllRanges()").await;
    drop(panel);
    // …and closes by the title.
    app.click("[data-testid=chat-title]").await;
    app.until("panel closed by the title", 5, || async {
        app.find_all("[data-testid=info-panel]").await.is_empty()
    })
    .await;
    // Other actions → Information opens and closes it too.
    app.click("[data-testid=other-actions]").await;
    app.click("[data-testid=menu-information]").await;
    app.find("[data-testid=info-panel]").await;
    app.click("[data-testid=other-actions]").await;
    app.click("[data-testid=menu-information]").await;
    app.until("panel closed by the menu", 5, || async {
        app.find_all("[data-testid=info-panel]").await.is_empty()
    })
    .await;

    // Search mode finds messages too (the core's full-text search over the cache): a hit
    // opens its chat at the message, marked for a moment; Enter opens the first result.
    app.click("[data-testid=search-input]").await;
    let search = app.find("[data-testid=search-input]").await;
    search.send_keys("monday").await.unwrap();
    app.until("a message found", 10, || async {
        !app.find_all("[data-testid=messages-section] [data-testid=message-hit]")
            .await
            .is_empty()
    })
    .await;
    assert_eq!(
        app.text_of("[data-testid=message-hit] mark").await,
        "Monday"
    );
    app.screenshot("message-search").await;
    search.send_keys(thirtyfour::Key::Enter).await.unwrap();
    app.until("the message shown and marked", 10, || async {
        app.text_of("[data-flash]")
            .await
            .contains("It started on Monday")
    })
    .await;

    // Disconnect, with confirmation.
    app.click("[data-testid=chat-title]").await;
    app.click("[data-testid=info-disconnect]").await;
    app.click("[data-testid=confirm-disconnect]").await;
    app.until("the line is gone", 15, || async {
        !app.data_of("[data-testid=line-item]", "data-line-id")
            .await
            .contains(&it.line.id.to_string())
    })
    .await;
    let after = user.snapshot().await;
    assert!(
        after.connections.iter().all(|c| c.line.id != it.line.id),
        "disconnected on the server"
    );
    app.quit().await;
}

/// A right click gets no browser menu (Back, Forward, Reload) on the app's surfaces; text
/// fields keep theirs (cut, copy, paste).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_right_click_shows_no_browser_menu_but_text_fields_keep_theirs() {
    let AtItSupport {
        cloud: _cloud, app, ..
    } = at_it_support("context-menu").await;
    let (_, wx, wy, ww, wh) = app.window();
    let before = app.visible_windows();
    let right_click = |x: i32, y: i32| {
        app.xdotool(&["mousemove", &x.to_string(), &y.to_string()]);
        app.xdotool(&["click", "3"]);
    };
    // The chat's background and the lines list.
    right_click(wx + ww * 2 / 3, wy + wh / 3);
    right_click(wx + 150, wy + wh / 2);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(app.visible_windows(), before, "no menu over the app");
    // The composer: the webview's editing menu opens.
    let input = app.find("[data-testid=composer-input]").await;
    let r = input.rect().await.unwrap();
    right_click(
        wx + (r.x + r.width / 2.0) as i32,
        wy + (r.y + r.height / 2.0) as i32,
    );
    app.until("the text field's menu", 5, || async {
        app.visible_windows() > before
    })
    .await;
    app.xdotool(&["key", "Escape"]);
    // Away from the composer, whose tooltip (a window too) could show once the menu is gone.
    app.xdotool(&[
        "mousemove",
        &(wx + 150).to_string(),
        &(wy + wh / 2).to_string(),
    ]);
    app.until("the menu closed", 5, || async {
        app.visible_windows() == before
    })
    .await;
    app.quit().await;
}

/// How far the open chat's history is scrolled above its end, in CSS pixels (0: the newest
/// message is at the bottom of the view), and the composer's height.
async fn below_newest(app: &Desktop) -> (f64, f64) {
    let v = app
        .js(
            "const s = document.querySelector('[data-testid=message-list]'); \
             const c = document.querySelector('[data-testid=composer-input]'); \
             return [s.scrollHeight - s.clientHeight - s.scrollTop, c.offsetHeight]",
        )
        .await;
    serde_json::from_value(v).unwrap()
}

/// At the bottom of a chat the history keeps its newest message in view whatever changes the
/// view's size: a draft growing the composer line by line, the window made taller (and a reply
/// arriving after that), the long message sent. Measuring the draft's height once pulled the
/// history's position back for an instant, and a view that grew was read against its old
/// size: either way the list stopped following, and the reply or the sent message landed out
/// of sight below.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_keeps_its_newest_message_in_view_as_the_view_changes_size() {
    let cloud = Cloud::start().await;
    let (user, conns) = user_chats(&cloud).await;
    let it = line_named(&conns, "IT Support").clone();
    let chat = it.chat_id.unwrap();
    // A history taller than the view.
    for i in 1..=40 {
        user.send(chat, &format!("Earlier message {i}")).await;
    }
    let app = Desktop::start("follow", &cloud.url()).await;
    app.sign_in(&cloud.url(), "user").await;
    app.open_line(it.line.id).await;
    app.until("the newest message at the bottom", 15, || async {
        app.shows("Earlier message 40").await && below_newest(&app).await.0 <= 1.0
    })
    .await;

    let input = app.find("[data-testid=composer-input]").await;
    let (_, one_line) = below_newest(&app).await;
    input
        .send_keys("The report still fails after the update. ".repeat(8))
        .await
        .unwrap();
    let (below, grown) = below_newest(&app).await;
    assert!(
        grown >= one_line + 40.0,
        "the composer grew: {one_line} → {grown} px"
    );
    assert!(below <= 1.0, "the newest message {below} px below the view");

    let (_, x, y, w, h) = app.window();
    app.place_window(x, y, w as u32, h as u32 + 120);
    app.until("the taller window, still at the bottom", 10, || async {
        app.window().4 >= h + 120 && below_newest(&app).await.0 <= 1.0
    })
    .await;
    let specialist = cloud.api("specialist").await;
    specialist.send(chat, "A reply after the resize").await;
    app.until("the reply in view", 15, || async {
        app.shows("A reply after the resize").await && below_newest(&app).await.0 <= 1.0
    })
    .await;

    input.send_keys(thirtyfour::Key::Enter).await.unwrap();
    app.until("the long message sent and in view", 15, || async {
        app.shown_messages()
            .await
            .last()
            .is_some_and(|m| m.2 == "sent" && m.3.contains("still fails after the update"))
            && below_newest(&app).await.0 <= 1.0
    })
    .await;
    app.screenshot("long-message-sent").await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_two_files_uploads_both_and_lists_them_in_the_panel() {
    let AtItSupport {
        cloud: _cloud,
        user,
        it,
        app,
        ..
    } = at_it_support("drop").await;

    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("screenshot-error.png");
    let b = dir.path().join("vpn-log.txt");
    std::fs::write(
        &a,
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89",
    )
    .unwrap();
    std::fs::write(&b, "12:00 tunnel down\n12:01 tunnel up\n".repeat(200)).unwrap();

    let (_, wx, wy, ww, wh) = app.window();
    let source = DragSource::start(&app, wx + ww + 40, wy + 40, &[a.as_path(), b.as_path()]);
    // Press on the source's button, move onto the chat in steps, release.
    let (sx, sy) = (wx + ww + 40 + 60, wy + 40 + 50);
    app.xdotool(&["mousemove", &sx.to_string(), &sy.to_string()]);
    app.xdotool(&["mousedown", "1"]);
    let (tx, ty) = (wx + ww * 2 / 3, wy + wh / 2);
    for i in 1..=12 {
        let x = sx + (tx - sx) * i / 12;
        let y = sy + (ty - sy) * i / 12;
        app.xdotool(&["mousemove", &x.to_string(), &y.to_string()]);
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    app.find("[data-testid=drop-overlay]").await;
    app.screenshot("drop-overlay").await;
    app.xdotool(&["mouseup", "1"]);
    // The source lives until the files are in: the drop's data is asked of it after the
    // release, and killing it at once made the drop fail whenever the app asked late.
    app.until("both files sent", 30, || async {
        app.find_all("[data-testid=message-file]").await.len() >= 2
            && app
                .shown_messages()
                .await
                .iter()
                .any(|(_, kind, status, _)| kind == "file" && status == "sent")
    })
    .await;
    drop(source);
    let history = user.history(it.chat_id.unwrap()).await;
    let files: Vec<&FileMeta> = history.iter().flat_map(|m| m.files.iter()).collect();
    let mut names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["screenshot-error.png", "vpn-log.txt"]);
    assert_eq!(
        files
            .iter()
            .find(|f| f.name == "screenshot-error.png")
            .unwrap()
            .content_type,
        "image/png"
    );
    app.screenshot("files-sent").await;

    app.click("[data-testid=chat-title]").await;
    app.until("files in the panel", 10, || async {
        app.find_all("[data-testid=info-file]").await.len() == 2
    })
    .await;

    // Search finds a file by its name, the name marked.
    app.click("[data-testid=search-input]").await;
    app.find("[data-testid=search-input]")
        .await
        .send_keys("vpn log")
        .await
        .unwrap();
    app.until("the file found by its name", 10, || async {
        let hit = app
            .text_of("[data-testid=messages-section] [data-testid=message-hit]")
            .await;
        hit.contains("📎") && hit.contains("vpn-log.txt")
    })
    .await;
    let marks = app
        .js("return [...document.querySelectorAll('[data-testid=message-hit] mark')].map(m => m.textContent)")
        .await;
    assert_eq!(marks, json!(["vpn", "log"]));
    app.quit().await;
}

/// A 40×30 red PNG, as a screenshot tool would put on the clipboard.
/// The composer's attach button opens the system's file dialog, titled in the UI's language;
/// the file picked there is attached, and sent with Enter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_attach_button_picks_files_in_the_systems_dialog() {
    let AtItSupport {
        cloud: _cloud,
        user,
        it,
        app,
        ..
    } = at_it_support("attach").await;
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("quarterly-report.txt");
    let body = "Q3 totals do not add up\n".repeat(100);
    std::fs::write(&report, &body).unwrap();

    app.click("[data-testid=attach-button]").await;
    let dialog = || app.window_titled("Attach files");
    wait_until(10, "the file dialog, titled “Attach files”", || {
        dialog().is_some()
    });
    let id = dialog().unwrap();
    app.xdotool(&["windowfocus", "--sync", &id]);
    // Typing a path into GTK's file chooser: Ctrl+L opens its location field.
    app.xdotool(&["key", "ctrl+l"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.xdotool(&["type", &report.to_string_lossy()]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.xdotool(&["key", "Return"]);
    app.until("the file attached", 10, || async {
        app.text_of("[data-testid=attachment-chip]").await == "quarterly-report.txt"
    })
    .await;
    assert!(dialog().is_none(), "the dialog closed");
    app.screenshot("attached").await;

    app.find("[data-testid=composer-input]")
        .await
        .send_keys(thirtyfour::Key::Enter)
        .await
        .unwrap();
    let chat = it.chat_id.unwrap();
    app.until("the file sent", 30, || async {
        user.history(chat)
            .await
            .iter()
            .flat_map(|m| m.files.iter())
            .any(|f| f.name == "quarterly-report.txt")
    })
    .await;
    let history = user.history(chat).await;
    let sent = history
        .iter()
        .flat_map(|m| m.files.iter())
        .find(|f| f.name == "quarterly-report.txt")
        .unwrap();
    assert_eq!(sent.size, body.len() as i64);
    app.until("shown as sent", 10, || async {
        app.shows_sent("file", "quarterly-report.txt").await
    })
    .await;
    app.quit().await;
}

fn red_png(path: &std::path::Path) {
    let file = std::fs::File::create(path).unwrap();
    let mut encoder = png::Encoder::new(file, 40, 30);
    encoder.set_color(png::ColorType::Rgb);
    let mut writer = encoder.write_header().unwrap();
    writer
        .write_image_data(&[255, 0, 0].repeat(40 * 30))
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pasting_an_image_or_copied_files_attaches_them() {
    let AtItSupport {
        cloud: _cloud,
        user,
        it,
        app,
        ..
    } = at_it_support("paste").await;
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("shot.png");
    red_png(&shot);
    let input = app.find("[data-testid=composer-input]").await;
    // Ctrl+V in the composer while another client owns the clipboard, until `chips` are attached.
    let paste = |owner: ClipboardOwner, chips: usize, what: &'static str| {
        let (app, input) = (&app, &input);
        async move {
            input
                .send_keys(thirtyfour::Key::Control + "v")
                .await
                .unwrap();
            app.until(what, 15, || async {
                app.find_all("[data-testid=attachment-chip]").await.len() == chips
            })
            .await;
            drop(owner);
        }
    };

    // A screenshot on the clipboard: attached as a PNG file.
    paste(
        ClipboardOwner::image(&app, &shot),
        1,
        "the pasted image attached",
    )
    .await;
    let chip = app.text_of("[data-testid=attachment-chip]").await;
    assert!(chip.contains("image-") && chip.contains(".png"), "{chip}");

    // Files copied in a file manager: attached by their paths, not typed in as text.
    let report = dir.path().join("vpn report.txt");
    std::fs::write(&report, "tunnel down at 12:00\n").unwrap();
    paste(
        ClipboardOwner::files(&app, &[report.as_path()]),
        2,
        "the copied file attached",
    )
    .await;
    assert_eq!(input.value().await.unwrap().unwrap_or_default(), "");
    app.screenshot("pasted").await;

    input.send_keys("from the clipboard").await.unwrap();
    input.send_keys(thirtyfour::Key::Enter).await.unwrap();
    app.until("sent", 30, || async {
        app.shown_messages()
            .await
            .iter()
            .any(|(_, kind, status, _)| kind == "file" && status == "sent")
    })
    .await;
    let history = user.history(it.chat_id.unwrap()).await;
    let sent = history
        .iter()
        .find(|m| m.text == "from the clipboard")
        .expect("the message reached the server");
    let files: Vec<(&str, &str)> = sent
        .files
        .iter()
        .map(|f| (f.name.as_str(), f.content_type.as_str()))
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files[0].0.starts_with("image-") && files[0].1 == "image/png",
        "{files:?}"
    );
    assert_eq!(files[1].0, "vpn report.txt");
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_from_another_party_raises_a_notification_that_opens_its_chat() {
    let AtItSupport {
        cloud,
        conns,
        it,
        app,
        ..
    } = at_it_support("notify").await;
    let hr = line_named(&conns, "HR Questions").clone();

    // Another window takes the focus away from Okno.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.txt");
    std::fs::write(&f, "x").unwrap();
    let (_, wx, wy, ww, _) = app.window();
    let other = DragSource::start(&app, wx + ww + 40, wy + 40, &[f.as_path()]);
    let out = std::process::Command::new("xdotool")
        .env("DISPLAY", &app.display)
        .args(["search", "--name", "okno-drag-source"])
        .output()
        .unwrap();
    let other_id = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    app.xdotool(&["windowfocus", &other_id]);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let specialist = cloud.api("specialist").await;
    specialist
        .send(it.chat_id.unwrap(), "Please restart the VPN client")
        .await;
    app.until("a notification", 15, || async {
        !app.notifications.lock().unwrap().is_empty()
    })
    .await;
    let n = app.notifications.lock().unwrap()[0].clone();
    assert_eq!(n.app_name, "Okno");
    assert_eq!(n.summary, "IT Support");
    assert!(
        n.body.contains("Sergei Ivanov") && n.body.contains("Please restart the VPN client"),
        "{n:?}"
    );
    assert!(n.actions.contains(&"default".to_owned()));
    assert_eq!(
        n.desktop_entry.as_deref(),
        Some("Okno"),
        "the package's menu entry"
    );
    drop(other);

    // A message in another chat notifies too; clicking it opens that chat.
    specialist
        .send(hr.chat_id.unwrap(), "Your certificate is ready")
        .await;
    app.until("a second notification", 15, || async {
        app.notifications.lock().unwrap().len() >= 2
    })
    .await;
    let second = app.notifications.lock().unwrap()[1].clone();
    assert_eq!(second.summary, "HR Questions");
    app.click_notification(second.id).await;
    app.until("the HR chat opened", 10, || async {
        app.data_of("[data-testid=chat]", "data-chat-id").await == [hr.chat_id.unwrap().to_string()]
    })
    .await;
    app.quit().await;
}

/// A link in a message opens in the desktop's browser and a file of the chat with the desktop's
/// default application for its type: the desktop's defaults (XDG `mimeapps.list`) name a
/// recorder here, reached through whichever launcher the system has.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_and_files_open_with_the_desktops_applications() {
    let cloud = Cloud::start().await;
    let (_, conns) = user_chats(&cloud).await;
    let chat = line_named(&conns, "IT Support").chat_id.unwrap();
    let specialist = cloud.api("specialist").await;
    let body = "remote = vpn.example.com\nport = 1194\n";
    let file = specialist.upload("vpn-settings.txt", body.as_bytes()).await;
    specialist
        .send_with_files(
            chat,
            "The guide is at https://example.com/vpn-guide and the settings are attached",
            &[file.id],
        )
        .await;

    let app = Desktop::start("open", &cloud.url()).await;
    app.sign_in(&cloud.url(), "user").await;
    let it = line_named(&conns, "IT Support");
    app.open_line(it.line.id).await;
    app.click("a[href='https://example.com/vpn-guide']").await;
    app.until("the browser asked to open the link", 10, || async {
        app.opened() == ["https://example.com/vpn-guide"]
    })
    .await;

    app.click("[data-testid=message-file]").await;
    app.until("the file handed to its application", 20, || async {
        app.opened().len() == 2
    })
    .await;
    let opened = app.opened()[1].clone();
    assert!(opened.ends_with("vpn-settings.txt"), "{opened}");
    assert_eq!(
        std::fs::read_to_string(&opened).unwrap(),
        body,
        "the application gets the file as sent"
    );
    // The panel's list opens the same file, downloaded once.
    app.click("[data-testid=chat-title]").await;
    app.click("[data-testid=info-file]").await;
    app.until("the file opened again from the panel", 20, || async {
        app.opened().len() == 3
    })
    .await;
    assert_eq!(app.opened()[2], opened);
    app.quit().await;
}

/// Signing out forgets the account on this computer (its cache, its downloaded files), also
/// after a chat with a file sent without text and the ticket's notices; whoever signs in next
/// sees only their own lines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_forgets_the_account_for_the_next_person() {
    let cloud = Cloud::start().await;
    let (user, conns) = user_chats(&cloud).await;
    let chat = line_named(&conns, "IT Support").chat_id.unwrap();
    let scan = user
        .upload("passport-scan.txt", b"passport 4510 123456")
        .await;
    user.send_with_files(chat, "", &[scan.id]).await;
    cloud.register("olga", "Olga Smirnova").await;

    let app = Desktop::start("sign-out", &cloud.url()).await;
    app.sign_in(&cloud.url(), "user").await;
    app.open_line(line_named(&conns, "IT Support").line.id)
        .await;
    app.click("[data-testid=message-file]").await;
    app.until("the file downloaded and opened", 20, || async {
        app.opened().len() == 1
    })
    .await;
    let downloaded = std::path::PathBuf::from(&app.opened()[0]);
    assert!(
        downloaded.starts_with(app.data_dir()) && downloaded.exists(),
        "{downloaded:?}"
    );

    app.click("[data-testid=sign-out]").await;
    app.find("[data-testid=login-form]").await;
    assert!(
        app.find_all("[data-testid=sign-out-error]")
            .await
            .is_empty(),
        "signed out without an error"
    );
    assert!(!downloaded.exists(), "downloaded files forgotten");
    // The form keeps the server (no built-in one runs beside a configured server): the next
    // person only signs in.
    let server = app
        .js("return document.querySelector('[data-testid=login-server]').value")
        .await;
    assert_eq!(server, cloud.url().as_str());
    assert!(app
        .find_all("[data-testid=login-demo-hint]")
        .await
        .is_empty());
    app.screenshot("signed-out").await;

    app.sign_in(&cloud.url(), "olga").await;
    app.find("[data-testid=lines-list]").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        app.find_all("[data-testid=line-item]").await.is_empty(),
        "none of the previous account's lines"
    );
    assert!(!app.text_of("body").await.contains("passport-scan.txt"));
    app.quit().await;
}

/// The session revoked from another device: the app says the server ended it and offers to
/// sign in again; what is written meanwhile waits as sending; the password alone signs the same
/// account in again, the chat stays open, and the message goes out once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ended_by_the_server_is_signed_in_again_without_losing_anything() {
    let AtItSupport {
        cloud: _cloud,
        user,
        it,
        app,
        ..
    } = at_it_support("session-ended").await;
    let chat = it.chat_id.unwrap();
    assert_eq!(user.revoke_other_sessions().await, 1, "the app's session");
    app.until("the banner says the session ended", 20, || async {
        app.text_of("[data-testid=offline-banner]")
            .await
            .contains("The server ended this session.")
    })
    .await;
    let input = app.find("[data-testid=composer-input]").await;
    input.send_keys("Written after the end").await.unwrap();
    input.send_keys(thirtyfour::Key::Enter).await.unwrap();
    app.until("waiting as sending", 10, || async {
        app.shown_messages()
            .await
            .iter()
            .any(|(_, _, status, text)| {
                status == "sending" && text.contains("Written after the end")
            })
    })
    .await;
    app.screenshot("session-ended").await;

    app.click("[data-testid=sign-in-again]").await;
    app.find("[data-testid=sign-in-again-dialog]").await;
    let who = app.text_of("[data-testid=sign-in-again-who]").await;
    assert!(who.starts_with("user on http://127.0.0.1:"), "{who}");
    app.type_into(
        "[data-testid=sign-in-again-password]",
        okno_server::demo::DEMO_PASSWORD,
    )
    .await;
    app.screenshot("sign-in-again").await;
    app.click("[data-testid=sign-in-again-dialog-submit]").await;
    app.until("sent once signed in again", 20, || async {
        app.find_all("[data-testid=offline-banner]")
            .await
            .is_empty()
            && app.shows_sent("text", "Written after the end").await
    })
    .await;
    assert!(app.find_all("[data-testid=login-form]").await.is_empty());
    assert!(
        !app.find_all("[data-testid=chat]").await.is_empty(),
        "the chat stays open"
    );
    let history = user.history(chat).await;
    assert_eq!(
        history
            .iter()
            .filter(|m| m.text == "Written after the end")
            .count(),
        1
    );
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_send_is_delivered_once_back_online() {
    let AtItSupport {
        cloud,
        user,
        it,
        app,
        ..
    } = at_it_support("offline").await;

    cloud.proxy.down();
    // The banner shows while offline, and stays through the reconnect attempts.
    app.until("the offline banner", 20, || async {
        !app.data_of("[data-testid=offline-banner]", "data-testid")
            .await
            .is_empty()
    })
    .await;
    let input = app.find("[data-testid=composer-input]").await;
    input.send_keys("Written on the train").await.unwrap();
    input.send_keys(thirtyfour::Key::Enter).await.unwrap();
    app.until("shown as sending", 10, || async {
        app.shown_messages()
            .await
            .iter()
            .any(|(_, _, status, text)| {
                status == "sending" && text.contains("Written on the train")
            })
    })
    .await;
    assert!(
        !app.find_all("[data-testid=offline-banner]")
            .await
            .is_empty(),
        "the offline banner stays while the app keeps trying"
    );
    // The lines list shows it too, marked as on its way.
    let preview = format!(
        "[data-testid=line-item][data-line-id='{}'] [data-testid=line-preview]",
        it.line.id
    );
    app.until("the lines list shows it on its way", 10, || async {
        app.line_preview(it.line.id).await == "You: Written on the train"
            && app.data_of(&preview, "data-outbox-state").await == ["sending"]
    })
    .await;
    app.screenshot("offline").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        user.history(it.chat_id.unwrap()).await.is_empty(),
        "nothing reached the server while offline"
    );
    // Signing out now would lose it: the app asks, and Cancel keeps the account and the message.
    app.click("[data-testid=sign-out]").await;
    app.find("[data-testid=confirm-sign-out]").await;
    assert!(app
        .text_of("[role=alertdialog]")
        .await
        .contains("Sign out with unsent messages?"));
    app.screenshot("unsent-sign-out").await;
    app.click("[data-testid=cancel-dialog]").await;
    app.until("the dialog closed, still signed in", 5, || async {
        app.find_all("[role=alertdialog]").await.is_empty()
            && !app.find_all("[data-testid=lines-list]").await.is_empty()
    })
    .await;

    cloud.proxy.up(cloud.server.addr);
    app.until("delivered", 40, || async {
        app.shown_messages()
            .await
            .iter()
            .any(|(_, _, status, text)| status == "sent" && text.contains("Written on the train"))
    })
    .await;
    app.until("the banner is gone", 10, || async {
        app.data_of("[data-testid=offline-banner]", "data-testid")
            .await
            .is_empty()
    })
    .await;
    app.until("the line's preview no longer on its way", 10, || async {
        app.data_of(&preview, "data-outbox-state").await == [""]
    })
    .await;
    let history = user.history(it.chat_id.unwrap()).await;
    assert_eq!(
        history
            .iter()
            .filter(|m| m.text == "Written on the train")
            .count(),
        1,
        "delivered exactly once"
    );
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_launch_focuses_the_running_window_and_exits() {
    let cloud = Cloud::start().await;
    let app = Desktop::start("single", &cloud.url()).await;
    app.sign_in(&cloud.url(), "user").await;
    let started = std::time::Instant::now();
    app.launch_again().await;
    eprintln!("second launch exited after {:?}", started.elapsed());
    let (id, ..) = app.window();
    assert!(!id.is_empty());
    let windows = std::process::Command::new("xdotool")
        .env("DISPLAY", &app.display)
        .args(["search", "--name", "^Okno$"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&windows.stdout).lines().count(),
        1,
        "still one window"
    );
    app.find("[data-testid=lines-list]").await;
    app.quit().await;
}

/// Too many wrong passwords: the server's wait reaches the sign-in form as a number of seconds,
/// in Russian. The number is a field of the error (`retry_after`), kept whole through the core
/// and the shell; the page once read it out of the server's English message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_wrong_passwords_say_how_long_to_wait() {
    let cloud = Cloud::start().await;
    let app = Desktop::start_in("rate-limited", &cloud.url(), "ru_RU.UTF-8").await;
    app.find("[data-testid=login-form]").await;
    app.type_into("[data-testid=login-server]", &cloud.url())
        .await;
    app.type_into("[data-testid=login-name]", "user").await;
    let limited = "Слишком много попыток. Попробуйте через ";
    let mut text = String::new();
    for _ in 0..30 {
        app.type_into("[data-testid=login-password]", "not-the-password")
            .await;
        app.click("[data-testid=login-submit]").await;
        // A wrong password empties the field; a refusal to try keeps it.
        app.until("the server's answer", 15, || async {
            let t = app.text_of("[data-testid=login-error]").await;
            let password = app
                .js("return document.querySelector('[data-testid=login-password]').value")
                .await;
            t.starts_with(limited) || (t == "Неверный логин или пароль." && password == "")
        })
        .await;
        text = app.text_of("[data-testid=login-error]").await;
        if text.starts_with(limited) {
            break;
        }
    }
    let secs: u64 = text
        .strip_prefix(limited)
        .and_then(|rest| rest.strip_suffix(" с."))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no wait in seconds: {text:?}"));
    assert!((1..=60).contains(&secs), "{secs} s");
    app.screenshot("sign-in-rate-limited").await;
    // It counts down to the next try.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let later = app.text_of("[data-testid=login-error]").await;
    let left: Option<u64> = later
        .strip_prefix(limited)
        .and_then(|rest| rest.strip_suffix(" с."))
        .and_then(|n| n.parse().ok());
    assert!(
        left.map_or(secs <= 3 && later.is_empty(), |l| l < secs),
        "{secs} s, then {later:?}"
    );
    app.quit().await;
}

/// A server behind HTTPS, as real deployments are (a TLS proxy in front of the test server, its
/// certificate signed by a test authority that is the only one the system trusts): an `https`
/// address that answers plain HTTP is refused in words a person can act on, with what was typed
/// kept; then the right address signs in, a message goes out and a reply comes back over the
/// secure WebSocket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signs_in_and_chats_with_a_server_over_https() {
    let cloud = Cloud::start().await;
    let (_, conns) = user_chats(&cloud).await;
    let it = line_named(&conns, "IT Support").clone();
    let ca = tls::TestCa::new("Okno test CA");
    let (_trust, ca_file) = ca.file();
    let https = tls::TlsProxy::start(cloud.proxy.addr, ca.server(&["localhost"])).await;
    let app = Desktop::start_trusting("https", &cloud.url(), &ca_file).await;

    app.find("[data-testid=login-form]").await;
    let plain = cloud.url().replace("http://", "https://");
    app.type_into("[data-testid=login-server]", &plain).await;
    app.type_into("[data-testid=login-name]", "user").await;
    app.type_into(
        "[data-testid=login-password]",
        okno_server::demo::DEMO_PASSWORD,
    )
    .await;
    app.click("[data-testid=login-submit]").await;
    let not_https = "The server at this address does not answer over HTTPS. \
                     If it has no HTTPS, write http:// before the address.";
    app.until("refused as not HTTPS", 15, || async {
        app.text_of("[data-testid=login-error]").await == not_https
    })
    .await;
    app.screenshot("sign-in-not-https").await;
    let password = app
        .js("return document.querySelector('[data-testid=login-password]').value")
        .await;
    assert_eq!(password, json!(okno_server::demo::DEMO_PASSWORD), "kept");

    app.type_into("[data-testid=login-server]", &https.url("localhost"))
        .await;
    app.click("[data-testid=login-submit]").await;
    app.find("[data-testid=lines-list]").await;
    app.until("connected over wss", 15, || async {
        let state = app.find("[data-testid=sync-state]").await;
        app.attr(&state, "data-state").await == "online"
    })
    .await;
    app.open_line(it.line.id).await;
    let input = app.find("[data-testid=composer-input]").await;
    input.send_keys("Sent over TLS").await.unwrap();
    input.send_keys(thirtyfour::Key::Enter).await.unwrap();
    app.until("sent", 15, || async {
        app.shows_sent("text", "Sent over TLS").await
    })
    .await;
    let specialist = cloud.api("specialist").await;
    specialist
        .send(it.chat_id.unwrap(), "Received over TLS")
        .await;
    app.until("the reply over wss", 15, || async {
        app.shows("Received over TLS").await
    })
    .await;
    app.screenshot("chat-over-https").await;
    app.quit().await;
}

/// A corporate network where only its proxy reaches the server (`okno.test` is known to the
/// proxy alone), set in the desktop's settings with its credentials (GNOME's
/// `org.gnome.system.proxy`, through GSettings' key-file backend here), the environment naming
/// none: the app signs in, chats live through it, and when the proxy stops taking the
/// credentials the banner says so; what is sent meanwhile goes once the settings name another
/// proxy, followed without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chats_where_only_the_networks_proxy_reaches_the_server() {
    let cloud = Cloud::start().await;
    let (_, conns) = user_chats(&cloud).await;
    let it = line_named(&conns, "IT Support").clone();
    let ca = tls::TestCa::new("Okno test CA");
    let (_trust, ca_file) = ca.file();
    let https = tls::TlsProxy::start(cloud.proxy.addr, ca.server(&[http_proxy::HIDDEN_HOST])).await;
    let proxy = http_proxy::HttpProxy::start().await;
    let credentials = ("corp", "s3cret");
    proxy.require(Some(credentials));
    let ca_path = ca_file.to_string_lossy();
    // What GNOME's Settings → Network → Network Proxy writes, as GSettings keeps it in a key
    // file; the schema is the system's.
    let config = tempfile::tempdir().unwrap();
    let keyfile = config.path().join("glib-2.0/settings/keyfile");
    std::fs::create_dir_all(keyfile.parent().unwrap()).unwrap();
    let gnome_proxy = |port: u16, auth: &str| {
        std::fs::write(
            &keyfile,
            format!(
                "[system/proxy]\nmode='manual'\nignore-hosts=['localhost', '127.0.0.0/8', '::1']\n\
                 [system/proxy/http]\nhost='127.0.0.1'\nport={port}\n{auth}\
                 [system/proxy/https]\nhost='127.0.0.1'\nport={port}\n"
            ),
        )
        .unwrap();
    };
    gnome_proxy(
        proxy.addr.port(),
        "use-authentication=true\nauthentication-user='corp'\nauthentication-password='s3cret'\n",
    );
    let config_home = config.path().to_string_lossy();
    let app = Desktop::start_with_env(
        "network-proxy",
        &cloud.url(),
        &[
            ("SSL_CERT_FILE", ca_path.as_ref()),
            ("GSETTINGS_BACKEND", "keyfile"),
            ("XDG_CONFIG_HOME", config_home.as_ref()),
        ],
    )
    .await;

    app.sign_in(&https.url(http_proxy::HIDDEN_HOST), "user")
        .await;
    app.until("connected through the proxy", 15, || async {
        let state = app.find("[data-testid=sync-state]").await;
        app.attr(&state, "data-state").await == "online"
    })
    .await;
    let target = format!("{}:{}", http_proxy::HIDDEN_HOST, https.addr.port());
    assert!(
        proxy
            .seen()
            .iter()
            .filter(|(method, to)| method == "CONNECT" && *to == target)
            .count()
            >= 2,
        "the requests and the WebSocket tunnelled"
    );
    app.open_line(it.line.id).await;
    let specialist = cloud.api("specialist").await;
    specialist
        .send(it.chat_id.unwrap(), "Received through the proxy")
        .await;
    app.until("the reply, live", 15, || async {
        app.shows("Received through the proxy").await
    })
    .await;

    // The proxy's password changes and it drops its tunnels.
    proxy.require_for(&target, Some(("corp", "changed")));
    proxy.cut(&target);
    let banner = app.find("[data-testid=offline-banner]").await;
    app.until("the banner names the proxy", 30, || async {
        app.attr(&banner, "data-reason").await == "proxy_auth_required"
    })
    .await;
    assert_eq!(
        app.text_of("[data-testid=offline-banner]").await,
        "No connection: the network's proxy asks for a user name and password. \
         Messages will be sent when it is back."
    );
    let input = app.find("[data-testid=composer-input]").await;
    input
        .send_keys("Sent once the proxy lets it")
        .await
        .unwrap();
    input.send_keys(thirtyfour::Key::Enter).await.unwrap();
    app.screenshot("offline-proxy").await;

    // The person moves to a network with another proxy and sets it in GNOME's Settings while
    // the app runs: it reconnects through that one at once, and the message goes, once.
    let other = http_proxy::HttpProxy::start().await;
    gnome_proxy(other.addr.port(), "");
    app.until("sent after the proxy", 40, || async {
        app.shows_sent("text", "Sent once the proxy lets it").await
    })
    .await;
    app.until("the banner gone", 15, || async {
        app.find_all("[data-testid=offline-banner]")
            .await
            .is_empty()
    })
    .await;
    let history = specialist.history(it.chat_id.unwrap()).await;
    assert_eq!(
        history
            .iter()
            .filter(|m| m.text == "Sent once the proxy lets it")
            .count(),
        1
    );
    assert!(other
        .seen()
        .iter()
        .any(|(method, to)| method == "CONNECT" && *to == target));
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ui_follows_a_russian_system_locale() {
    let cloud = Cloud::start().await;
    let app = Desktop::start_in("russian", &cloud.url(), "ru_RU.UTF-8").await;
    app.find("[data-testid=login-form]").await;
    let submit = app.text_of("[data-testid=login-submit]").await;
    assert_eq!(submit, "Войти", "the sign-in button in Russian");
    // The window's title (the taskbar, the window switcher) too.
    assert!(
        app.window_titled("Окно").is_some(),
        "the window titled «Окно»"
    );
    assert!(app.window_titled("Okno").is_none());
    // A wrong password is refused in Russian, not in the server's English.
    app.type_into("[data-testid=login-server]", &cloud.url())
        .await;
    app.type_into("[data-testid=login-name]", "user").await;
    app.type_into("[data-testid=login-password]", "not-the-password")
        .await;
    app.click("[data-testid=login-submit]").await;
    app.until("the refusal in Russian", 15, || async {
        app.text_of("[data-testid=login-error]").await == "Неверный логин или пароль."
    })
    .await;
    app.screenshot("sign-in").await;
    app.find("[data-testid=login-name]")
        .await
        .clear()
        .await
        .unwrap();
    app.sign_in(&cloud.url(), "user").await;
    // The tray's menu, outside the page, speaks Russian as well.
    app.until("the tray item registered", 15, || async {
        !app.tray_items.lock().unwrap().is_empty()
    })
    .await;
    assert_eq!(app.tray_menu().await, ["Открыть Окно", "Выйти"]);
    let (_, conns) = user_chats(&cloud).await;
    let it = line_named(&conns, "IT Support").clone();
    app.open_line(it.line.id).await;
    let placeholder = app
        .js("return document.querySelector('[data-testid=composer-input]').getAttribute('placeholder')")
        .await;
    assert!(
        placeholder
            .as_str()
            .unwrap_or_default()
            .chars()
            .any(|c| ('а'..='я').contains(&c)),
        "{placeholder}"
    );
    app.click("[data-testid=chat-title]").await;
    app.find("[data-testid=info-panel]").await;
    let hours = app.text_of("[data-testid=info-hours]").await;
    assert!(
        hours.contains("пн–пт") && hours.contains("09:00–18:00"),
        "{hours}"
    );
    app.screenshot("info").await;
    app.click("[data-testid=chat-title]").await;
    // The attach button's file dialog is titled in Russian; Esc closes it, nothing attached.
    app.click("[data-testid=attach-button]").await;
    wait_until(
        10,
        "the file dialog, titled «Прикрепить файлы»",
        || app.window_titled("Прикрепить файлы").is_some(),
    );
    let dialog = app.window_titled("Прикрепить файлы").unwrap();
    app.xdotool(&["windowfocus", "--sync", &dialog]);
    app.xdotool(&["key", "Escape"]);
    wait_until(10, "the file dialog closed", || {
        app.window_titled("Прикрепить файлы").is_none()
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app
        .find_all("[data-testid=attachment-chip]")
        .await
        .is_empty());

    // The lines list and the message search speak Russian too, and find Russian words by
    // their beginning.
    let input = app.find("[data-testid=composer-input]").await;
    input
        .send_keys("Принтер на третьем этаже не печатает")
        .await
        .unwrap();
    input.send_keys(thirtyfour::Key::Enter).await.unwrap();
    app.until("the ticket's notice under the line's name", 15, || async {
        app.line_preview(it.line.id).await.contains("№")
    })
    .await;
    app.click("[data-testid=search-input]").await;
    app.find("[data-testid=search-input]")
        .await
        .send_keys("принт")
        .await
        .unwrap();
    app.until("the message found", 10, || async {
        app.text_of("[data-testid=message-hit] mark").await == "Принтер"
    })
    .await;
    assert!(app
        .text_of("[data-testid=messages-section] h2")
        .await
        .contains("Сообщения"));
    assert!(app
        .text_of("[data-testid=message-hit]")
        .await
        .contains("Вы:"));
    app.screenshot("search").await;

    // A line that wrote meanwhile opens with its new message marked, in Russian.
    app.press(thirtyfour::Key::Escape).await;
    let hr = line_named(&conns, "HR Questions").clone();
    cloud
        .api("specialist")
        .await
        .send(
            hr.chat_id.unwrap(),
            "Добрый день! Пропуск готов, заберите его на ресепшене.",
        )
        .await;
    app.until("the new message under HR's name", 15, || async {
        app.line_preview(hr.line.id).await.contains("Пропуск")
    })
    .await;
    app.open_line(hr.line.id).await;
    app.find("[data-testid=unread-separator]").await;
    assert_eq!(
        app.text_of("[data-testid=unread-separator]").await,
        "Непрочитанные сообщения"
    );
    app.screenshot("unread").await;

    // The chat's menu and the settings, in Russian.
    app.click("[data-testid=other-actions]").await;
    assert_eq!(
        app.text_of("[data-testid=menu-mute]").await,
        "Отключить уведомления"
    );
    app.screenshot("menu").await;
    app.press(thirtyfour::Key::Escape).await;
    app.click("[data-testid=settings]").await;
    assert!(app
        .text_of("[data-testid=setting-autostart]")
        .await
        .contains("Запускать Окно при входе в систему"));
    app.screenshot("settings").await;
    app.press(thirtyfour::Key::Escape).await;

    // The window at its smallest: the lines list narrows and the account bar's longer Russian
    // words still fit (its status dot once shrank to a sliver beside «Подключено»).
    app.place_window(0, 0, 720, 480);
    app.until("the smallest window", 10, || async {
        app.js("return innerWidth").await == json!(720)
    })
    .await;
    let bar = app
        .js(
            "const s = document.querySelector('[data-testid=sync-state]'); \
             const l = s.querySelector('.label'); \
             return [s.querySelector('.dot').getBoundingClientRect().width, \
                     l.scrollWidth <= l.clientWidth, s.getBoundingClientRect().right, \
                     document.querySelector('[data-testid=settings]').getBoundingClientRect().left]",
        )
        .await;
    let (dot, fits, right, settings): (f64, bool, f64, f64) = serde_json::from_value(bar).unwrap();
    assert!(dot >= 6.5, "the status dot {dot} px wide");
    assert!(
        fits && right <= settings,
        "the status overflows: {right} px, settings at {settings}"
    );
    app.screenshot("smallest-window").await;
    app.quit().await;
}

/// Other actions → Mute notifications: a muted line raises no notification and its unread
/// messages stay out of the tray's total, while its row still counts them; unmuted, it
/// notifies again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_muted_line_stays_silent_and_out_of_the_total() {
    let cloud = Cloud::start().await;
    let (_user, conns) = user_chats(&cloud).await;
    let it = line_named(&conns, "IT Support").clone();
    let hr = line_named(&conns, "HR Questions").clone();
    let app = Desktop::start("mute", &cloud.url()).await;
    app.sign_in(&cloud.url(), "user").await;
    app.until("the tray item registered", 15, || async {
        !app.tray_items.lock().unwrap().is_empty()
    })
    .await;
    let hr_row = format!("[data-testid=line-item][data-line-id='{}']", hr.line.id);
    let muted_icon = format!("{hr_row} .muted-icon");

    app.open_line(hr.line.id).await;
    app.click("[data-testid=other-actions]").await;
    assert_eq!(
        app.text_of("[data-testid=menu-mute]").await,
        "Mute notifications"
    );
    app.screenshot("menu").await;
    app.click("[data-testid=menu-mute]").await;
    app.find(&muted_icon).await;
    app.open_line(it.line.id).await;

    // In the tray (no focus), a message in each chat: only IT Support's notifies and counts.
    app.close_window();
    app.until("the window hidden", 10, || async { !app.window_shown() })
        .await;
    let specialist = cloud.api("specialist").await;
    specialist
        .send(hr.chat_id.unwrap(), "Your pass is ready")
        .await;
    specialist
        .send(it.chat_id.unwrap(), "The VPN is back")
        .await;
    app.until("IT Support's notification", 15, || async {
        app.notification("IT Support").is_some()
    })
    .await;
    app.until("the tray icon shows 1", 15, || async {
        app.tray_shows(1).await
    })
    .await;
    assert!(
        app.notification("HR Questions").is_none(),
        "a muted line raises no notification"
    );
    app.tray_click("Open Okno").await;
    app.until("the window back", 10, || async { app.window_shown() })
        .await;
    app.until("HR's row counts its unread message", 10, || async {
        app.text_of(&hr_row).await.contains("Your pass is ready")
    })
    .await;
    app.find(&muted_icon).await;
    app.screenshot("muted").await;

    // Unmuted, it notifies again.
    app.open_line(hr.line.id).await;
    app.click("[data-testid=other-actions]").await;
    assert_eq!(
        app.text_of("[data-testid=menu-mute]").await,
        "Unmute notifications"
    );
    app.click("[data-testid=menu-mute]").await;
    app.until("the mute mark gone", 10, || async {
        app.find_all(&muted_icon).await.is_empty()
    })
    .await;
    app.open_line(it.line.id).await;
    app.close_window();
    app.until("the window hidden again", 10, || async {
        !app.window_shown()
    })
    .await;
    specialist
        .send(hr.chat_id.unwrap(), "Pick it up at the front desk")
        .await;
    app.until("HR Questions' notification", 15, || async {
        app.notification("HR Questions").is_some()
    })
    .await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tray_shows_the_unread_total() {
    let cloud = Cloud::start().await;
    let (_user, conns) = user_chats(&cloud).await;
    let it = line_named(&conns, "IT Support").clone();
    let hr = line_named(&conns, "HR Questions").clone();
    let app = Desktop::start("tray", &cloud.url()).await;
    app.sign_in(&cloud.url(), "user").await;
    app.until("the tray item registered", 15, || async {
        !app.tray_items.lock().unwrap().is_empty()
    })
    .await;
    assert_eq!(app.tray_menu().await, ["Open Okno", "Quit"]);
    let specialist = cloud.api("specialist").await;
    specialist.send(it.chat_id.unwrap(), "one").await;
    specialist.send(hr.chat_id.unwrap(), "two").await;
    specialist.send(hr.chat_id.unwrap(), "three").await;
    app.until("the tray icon shows 3", 15, || async {
        app.tray_shows(3).await
    })
    .await;
    // The total on the icon: a red badge, as panels that show only icons (KDE, XFCE) draw it.
    assert!(app.tray_badge_red().await > 0.25, "a red badge");
    // And in the window's title, for the task bar and the window switcher.
    app.until("the window's title counts 3", 10, || async {
        app.window_title() == "(3) Okno"
    })
    .await;
    // And on the app's icon in the dock.
    app.until("the dock's count says 3", 10, || async {
        app.dock_count_is(3)
    })
    .await;
    // Reading a chat lowers it.
    app.open_line(hr.line.id).await;
    app.until("the tray icon shows 1", 15, || async {
        app.tray_shows(1).await
    })
    .await;

    // More unread messages than fit: the chat opens at the first of them, marked, and they
    // stay unread until the newest is in view.
    for i in 1..=30 {
        specialist
            .send(it.chat_id.unwrap(), &format!("Step {i} of the VPN fix"))
            .await;
    }
    app.until("the tray icon shows 31", 15, || async {
        app.tray_shows(31).await
    })
    .await;
    app.open_line(it.line.id).await;
    app.find("[data-testid=unread-separator]").await;
    let geometry = || async {
        app.js("const l = document.querySelector('[data-testid=message-list]'); return [l.scrollTop, l.scrollHeight - l.clientHeight]")
            .await
    };
    app.until("the view at the first unread message", 10, || async {
        let g = geometry().await;
        let (top, max) = (g[0].as_f64().unwrap_or(0.0), g[1].as_f64().unwrap_or(0.0));
        max > 300.0 && top < max - 200.0
    })
    .await;
    let first_after = app
        .js("return document.querySelector('[data-testid=unread-separator]').parentElement.nextElementSibling.textContent")
        .await;
    assert!(
        first_after.as_str().unwrap_or_default().contains("one"),
        "the separator is right before the first unread message: {first_after}"
    );
    // The way back to the newest counts them.
    app.until("the count on the way to the newest", 10, || async {
        app.text_of("[data-testid=to-newest-unread]").await == "31"
    })
    .await;
    app.screenshot("unread").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(app.tray_shows(31).await);
    app.click("[data-testid=to-newest]").await;
    app.until("read once the newest is in view", 15, || async {
        !app.tray_shows(31).await
            && app
                .data_of(
                    &format!("[data-testid=line-item][data-line-id='{}']", it.line.id),
                    "data-unread",
                )
                .await
                == ["0"]
    })
    .await;
    app.until(
        "the badge gone with the last unread message",
        15,
        || async { app.tray_shows(0).await },
    )
    .await;
    assert_eq!(app.tray_badge_red().await, 0.0);
    app.until("the window's title without a count", 10, || async {
        app.window_title() == "Okno"
    })
    .await;
    app.until("the dock's count gone", 10, || async {
        app.dock_count_is(0)
    })
    .await;
    app.quit().await;
}

/// Light and dark follow the desktop while the app runs: the settings portal's `color-scheme`
/// (GNOME's and KDE's dark style), over GTK's own light theme here; with no preference from the
/// portal, GTK's theme again. So do high contrast (the portal's `contrast`), the interface font
/// and reduced motion (GTK's, from the XSETTINGS manager).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn light_dark_the_font_and_motion_follow_the_desktop_while_running() {
    let cloud = Cloud::start().await;
    let (_, conns) = user_chats(&cloud).await;
    let it = line_named(&conns, "IT Support").clone();
    let app = Desktop::start("theme", &cloud.url()).await;
    app.sign_in(&cloud.url(), "user").await;
    app.until_theme("light", 10).await;
    app.set_color_scheme(1).await;
    app.until_theme("dark", 10).await;
    app.screenshot("dark-lines").await;
    app.open_line(it.line.id).await;
    app.find("[data-testid=composer-input]").await;
    app.screenshot("dark-chat").await;
    app.click("[data-testid=chat-title]").await;
    app.find("[data-testid=info-panel]").await;
    app.screenshot("dark-info").await;
    app.click("[data-testid=search-input]").await;
    app.find("[data-testid=recommended-section]").await;
    app.screenshot("dark-search").await;
    app.press(thirtyfour::Key::Escape).await;
    app.click("[data-testid=settings]").await;
    app.find("[data-testid=setting-autostart]").await;
    app.screenshot("dark-settings").await;
    app.press(thirtyfour::Key::Escape).await;
    // High contrast from the desktop's portal (GNOME's accessibility switch), dark and light:
    // text at full strength, bubbles ringed.
    let text_colour = || async {
        app.js("return getComputedStyle(document.body).color")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let dark_text = text_colour().await;
    app.set_contrast(1).await;
    app.until("high contrast, dark", 10, || async {
        text_colour().await == "rgb(255, 255, 255)"
    })
    .await;
    app.screenshot("dark-high-contrast").await;
    app.set_color_scheme(2).await;
    app.until("high contrast, light", 10, || async {
        text_colour().await == "rgb(0, 0, 0)"
    })
    .await;
    app.screenshot("high-contrast").await;
    app.set_contrast(0).await;
    app.set_color_scheme(1).await;
    app.until("the usual contrast again", 10, || async {
        text_colour().await == dark_text
    })
    .await;
    app.set_color_scheme(2).await;
    app.until_theme("light", 10).await;
    app.set_color_scheme(1).await;
    app.until_theme("dark", 10).await;
    // No preference: GTK's theme, light here.
    app.set_color_scheme(0).await;
    app.until_theme("light", 10).await;

    // The interface font: the desktop's (GTK's `gtk-font-name`, from the XSETTINGS manager), not
    // WebKitGTK's `system-ui`; changed while the app runs, as in the desktop's settings.
    assert!(
        app.font_family().await.starts_with("\"DejaVu Sans\""),
        "the page is set in the desktop's font: {}",
        app.font_family().await
    );
    app.set_gtk_font("DejaVu Serif 11");
    app.until("the page set in the new desktop font", 10, || async {
        app.font_family().await.starts_with("\"DejaVu Serif\"")
    })
    .await;
    // Drawn in it, too: the body's text is as wide as in DejaVu Serif, not as in the sans.
    let body = app.text_width(None).await;
    let serif = app.text_width(Some("DejaVu Serif")).await;
    let sans = app.text_width(Some("DejaVu Sans")).await;
    assert!(
        (body - serif).abs() < 0.5 && (body - sans).abs() > 5.0,
        "body {body}, serif {serif}, sans {sans}"
    );
    app.screenshot("desktop-font").await;
    app.set_gtk_font(DEFAULT_GTK_FONT);
    app.until("the page set in the sans again", 10, || async {
        app.font_family().await.starts_with("\"DejaVu Sans\"")
    })
    .await;

    // Motion: the desktop's "reduce animation" (GTK's `gtk-enable-animations` off), which
    // WebKitGTK never reports to the page as `prefers-reduced-motion`, stops the page's
    // transitions; turned on again, they come back. The search field's border fades in 120 ms.
    let search = "div:has(> [data-testid=search-input])";
    let normal = app.transition_ms(search).await;
    assert!(
        (normal - 120.0).abs() < 1.0,
        "the search field's transition: {normal} ms"
    );
    app.set_gtk_animations(false);
    app.until("the page without motion", 10, || async {
        app.transition_ms(search).await < 1.0
    })
    .await;
    assert_eq!(
        app.js("return document.documentElement.dataset.motion ?? null")
            .await,
        json!("reduce")
    );
    app.set_gtk_animations(true);
    app.until("the page animated again", 10, || async {
        (app.transition_ms(search).await - 120.0).abs() < 1.0
    })
    .await;
    app.quit().await;
}

/// A restart keeps what the user left: the window's size and position (saved as it moves, so
/// even a killed app keeps them), the zoom, and a message half written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_the_windows_place_the_zoom_and_a_draft() {
    let AtItSupport {
        cloud: _cloud,
        mut app,
        it,
        ..
    } = at_it_support("restart").await;
    // The window's place as X has it: x, y, width, height.
    let place = |app: &Desktop| {
        let (_, x, y, width, height) = app.window();
        (x, y, width, height)
    };
    let (.., width, height) = place(&app);
    assert_eq!((width, height), (1180, 760), "the configured size at first");
    app.type_into(
        "[data-testid=composer-input]",
        "Half a question about the VPN",
    )
    .await;
    app.place_window(140, 90, 980, 640);
    app.until("the window moved", 10, || async {
        place(&app) == (140, 90, 980, 640)
    })
    .await;
    let settings = app.data_dir().join("settings.json");
    app.until("its place saved", 10, || async {
        std::fs::read_to_string(&settings).is_ok_and(|s| s.contains("\"width\": 980"))
    })
    .await;
    // Zoomed in twice, once with Ctrl+= and once with Ctrl and the wheel: 125 %, the page's
    // CSS width shrinks by as much.
    let css_width = || async { app.js("return window.innerWidth").await.as_f64() };
    assert_eq!(css_width().await, Some(980.0));
    app.find("[data-testid=composer-input]")
        .await
        .send_keys(thirtyfour::Key::Control + "=")
        .await
        .unwrap();
    app.until("zoomed to 110 %", 10, || async {
        css_width()
            .await
            .is_some_and(|w| (w - 980.0 / 1.1).abs() < 1.0)
    })
    .await;
    app.xdotool(&[
        "mousemove",
        "600",
        "400",
        "keydown",
        "ctrl",
        "click",
        "4",
        "keyup",
        "ctrl",
    ]);
    app.until("zoomed to 125 %", 10, || async {
        css_width().await == Some(784.0)
    })
    .await;
    // The desktop's "Large Text" (GTK's font resolution 120 dpi instead of 96) zooms the page
    // by 1.25 more, live: WebKitGTK alone would keep the page in small print.
    let both = 980.0 / (1.25 * 1.25);
    app.set_gtk_dpi(120);
    app.until("zoomed for the desktop's large text too", 10, || async {
        css_width().await.is_some_and(|w| (w - both).abs() < 1.0)
    })
    .await;
    app.screenshot("large-text").await;
    // The draft is kept a moment after the typing stops.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    app.restart().await;
    let css_width = || async { app.js("return window.innerWidth").await.as_f64() };
    app.find("[data-testid=lines-list]").await;
    app.until("the window where it was left", 10, || async {
        place(&app) == (140, 90, 980, 640)
    })
    .await;
    app.until("the draft under the line's name", 10, || async {
        app.text_of(&format!(
            "[data-testid=line-item][data-line-id='{}'] [data-testid=line-draft]",
            it.line.id
        ))
        .await
            == "Draft: Half a question about the VPN"
    })
    .await;
    app.until(
        "still zoomed to 125 %, and for the large text",
        10,
        || async { css_width().await.is_some_and(|w| (w - both).abs() < 1.0) },
    )
    .await;
    app.screenshot("reopened").await;
    // The desktop back at its standard text size: the user's own 125 % is left. (Also for the
    // clicks below: WebKitWebDriver misplaces clicks in a page zoomed this far.)
    app.set_gtk_dpi(96);
    app.until("zoomed to the user's 125 % again", 10, || async {
        css_width().await == Some(784.0)
    })
    .await;
    app.open_line(it.line.id).await;
    app.until("the draft in the composer", 10, || async {
        app.js("return document.querySelector('[data-testid=composer-input]').value")
            .await
            .as_str()
            == Some("Half a question about the VPN")
    })
    .await;
    // Ctrl+0: the page at its own size again.
    app.find("[data-testid=composer-input]")
        .await
        .send_keys(thirtyfour::Key::Control + "0")
        .await
        .unwrap();
    app.until("the page at 100 %", 10, || async {
        css_width().await == Some(980.0)
    })
    .await;
    app.quit().await;
}
