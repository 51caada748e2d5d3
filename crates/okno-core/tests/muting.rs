//! Muting a chat on this device, through the core on a real cache file and a real server on
//! loopback: the chat keeps its own unread count, the total (the tray, the docks) leaves it out,
//! the notification policy sees it muted, and it stays muted across a restart and the syncs
//! after it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use okno_core::{Core, CoreError};
use okno_proto::*;

fn line_of(core: &Core, chat: ChatId) -> LineItem {
    core.lines()
        .unwrap()
        .into_iter()
        .find(|l| l.chat_id == Some(chat))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_muted_chat_counts_its_unread_but_not_in_the_total_and_stays_muted() {
    let env = Env::start().await;
    let core = env.core("c", "user").await;
    let chat = first_chat(&core);
    let spec = env.http("specialist").await;
    assert!(!line_of(&core, chat).muted);

    core.set_muted(chat, true).unwrap();
    assert!(core.is_muted(chat).unwrap());
    assert!(line_of(&core, chat).muted);
    spec.send(chat, uuid::Uuid::new_v4(), "The printer is fixed")
        .await;
    eventually(10, "the reply counted in the chat", || async {
        line_of(&core, chat).unread >= 1
    })
    .await;
    assert_eq!(core.unread_total().unwrap(), 0, "left out of the total");

    // A restart, and a sync that brings another message: still muted.
    core.shutdown().await;
    drop(core);
    let core = Core::open(env.core_config("c")).await.unwrap();
    spec.send(chat, uuid::Uuid::new_v4(), "Anything else?")
        .await;
    eventually(10, "the second reply counted", || async {
        line_of(&core, chat).unread >= 2
    })
    .await;
    assert!(line_of(&core, chat).muted);
    assert!(core.is_muted(chat).unwrap());
    assert_eq!(core.unread_total().unwrap(), 0);

    // Unmuted: the total counts it again.
    core.set_muted(chat, false).unwrap();
    assert!(!core.is_muted(chat).unwrap());
    assert_eq!(core.unread_total().unwrap(), line_of(&core, chat).unread);

    // A chat this cache does not have: refused, and nothing changes.
    assert!(matches!(
        core.set_muted(ChatId(i64::MAX), true),
        Err(CoreError::Invalid(_))
    ));
    assert!(!core.is_muted(chat).unwrap());
}
