//! Gives the memory a burst of work freed back to the system once the app is quiet again.
//!
//! glibc keeps what a thread frees in that thread's arena for later allocations, and returns on
//! its own only what lies at an arena's top. A burst of work (the start's sync, a chat's pages
//! read and sent to the page, a search) leaves freed pages spread through the arenas: half a
//! megabyte after the start, measured with the app idle (`ui/README.md`, "Session 23").
//! So every command and every batch of core events marks activity, and once nothing has been
//! marked for [`QUIET`], the shell has glibc return its free pages
//! ([`okno_server::release_free_memory`]): once per burst, never while work goes on.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How long the app must have been quiet after work before the memory is trimmed.
pub const QUIET: Duration = Duration::from_secs(5);

/// Marks activity; cheap, from any thread.
#[derive(Clone, Default)]
pub struct IdleTrim {
    activity: Arc<Notify>,
}

impl IdleTrim {
    /// Something happened: trim once the app has been quiet for a while after it.
    pub fn mark(&self) {
        self.activity.notify_one();
    }

    /// The watcher, to be spawned on the app's runtime: `trim` runs on a blocking thread after
    /// each burst of activity followed by `quiet`.
    pub async fn watch(self, quiet: Duration, trim: impl Fn() + Send + Sync + 'static) {
        let trim = Arc::new(trim);
        loop {
            self.activity.notified().await;
            // Each new mark starts the quiet period again.
            while tokio::time::timeout(quiet, self.activity.notified())
                .await
                .is_ok()
            {}
            let trim = trim.clone();
            let _ = tokio::task::spawn_blocking(move || trim()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(start_paused = true)]
    async fn trims_once_per_burst_and_only_after_the_quiet() {
        let trims = Arc::new(AtomicUsize::new(0));
        let counted = trims.clone();
        let idle = IdleTrim::default();
        tokio::spawn(idle.clone().watch(QUIET, move || {
            counted.fetch_add(1, Ordering::SeqCst);
        }));
        // The trim runs on a blocking thread: wait (in real time) for it to be counted.
        let counted_to = |n: usize| {
            let trims = trims.clone();
            async move {
                for _ in 0..400 {
                    if trims.load(Ordering::SeqCst) == n {
                        return true;
                    }
                    tokio::task::yield_now().await;
                    std::thread::sleep(Duration::from_millis(5));
                }
                false
            }
        };
        // Nothing happened: nothing to trim, however long the app idles.
        tokio::time::sleep(QUIET * 3).await;
        assert_eq!(trims.load(Ordering::SeqCst), 0);
        // A burst: marks closer together than the quiet period.
        for _ in 0..10 {
            idle.mark();
            tokio::time::sleep(QUIET / 2).await;
        }
        assert_eq!(trims.load(Ordering::SeqCst), 0, "not while work goes on");
        tokio::time::sleep(QUIET).await;
        assert!(counted_to(1).await, "once, after the quiet");
        tokio::time::sleep(QUIET * 3).await;
        assert_eq!(trims.load(Ordering::SeqCst), 1, "not again without work");
        idle.mark();
        tokio::time::sleep(QUIET + Duration::from_millis(10)).await;
        assert!(counted_to(2).await, "the next burst, once more");
    }
}
