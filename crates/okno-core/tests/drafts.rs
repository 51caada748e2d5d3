//! Drafts through the core on a real cache file and a real server on loopback: kept across a
//! restart, removed when emptied, refused when too large, forgotten with the account.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use okno_core::{Core, CoreError};
use okno_proto::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_outlive_a_restart_and_leave_with_the_account() {
    let env = Env::start().await;
    let core = env.core("c", "user").await;
    let chat = first_chat(&core);
    let draft = Draft {
        chat_id: chat,
        text: "Half a question about the VPN".into(),
        files: vec![DraftFile {
            path: "/home/anna/vpn.log".into(),
            name: "vpn.log".into(),
        }],
    };
    core.set_draft(&draft).unwrap();
    // The process ends; the next start has the draft before any network.
    core.shutdown().await;
    drop(core);
    let again = Core::open(env.core_config("c")).await.unwrap();
    assert_eq!(again.drafts().unwrap(), vec![draft.clone()]);

    // Emptied (blank text, no files): gone.
    let empty = Draft {
        text: " \n ".into(),
        files: vec![],
        ..draft.clone()
    };
    again.set_draft(&empty).unwrap();
    assert_eq!(again.drafts().unwrap(), vec![]);

    // Too large: refused, and what was kept stays.
    again.set_draft(&draft).unwrap();
    let long = Draft {
        text: "x".repeat(100_001),
        ..draft.clone()
    };
    assert!(matches!(again.set_draft(&long), Err(CoreError::Invalid(_))));
    let many = Draft {
        files: vec![draft.files[0].clone(); 101],
        ..draft.clone()
    };
    assert!(matches!(again.set_draft(&many), Err(CoreError::Invalid(_))));
    assert_eq!(again.drafts().unwrap(), vec![draft.clone()]);

    // Signing out forgets them, and there is nobody to keep one for.
    again.logout(false).await.unwrap();
    assert_eq!(again.drafts().unwrap(), vec![]);
    assert!(matches!(
        again.set_draft(&draft),
        Err(CoreError::NotSignedIn)
    ));
}
