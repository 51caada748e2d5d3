//! Cache benches without a network:
//!
//! 1b. `Cache::apply_events` alone: 100 batches of 1,000 pre-decoded `message_created` events
//!     into an empty cache (the cache's share of a 100k catch-up; see `benches/sync.rs`).
//! 2.  The newest 50 messages of a 100,000-message chat: `Cache::chat_page(chat, None, 50)` and
//!     `Core::messages(chat, None, 50)` (the cache holds the range, so no request is made);
//!     goal p95 ≤ 5 ms. Older pages (`before` = a random position) for comparison.
//!
//! `cargo bench -p okno-core --bench cache`; `OKNO_BENCH_QUICK=1` for 10× smaller sizes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use okno_core::cache::Cache;
use okno_core::{Core, CoreConfig};
use okno_proto::*;
use std::hint::black_box;
use std::time::{Duration, Instant};

const BATCH: usize = 1000;
const PAGE: i64 = 50;

fn main() {
    header("cache");
    let batches = size(100);
    let total = batches * BATCH;
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("core");
    let cache = Cache::open(&data_dir.join("cache.db")).unwrap();
    cache
        .apply_snapshot(Some("http://127.0.0.1:9"), &snapshot(2))
        .unwrap();
    let chat = ChatId(1);

    // ---------------------------------------------------------------- 1b: apply_events
    let mut texts = TextGen::new(1);
    let start_ms = 1_760_000_000_000i64;
    let events: Vec<Vec<Event>> = (0..batches)
        .map(|b| {
            (0..BATCH)
                .map(|i| {
                    let k = (b * BATCH + i + 1) as i64;
                    let at = start_ms + k * 1000;
                    Event {
                        seq: k,
                        at,
                        body: EventBody::MessageCreated {
                            message: message(k, chat, k, at, texts.text()),
                        },
                    }
                })
                .collect()
        })
        .collect();
    let mut per_batch = Samples::new();
    let cpu0 = cpu_time();
    let t = Instant::now();
    for batch in &events {
        per_batch.time(|| black_box(cache.apply_events(batch).unwrap()));
    }
    let apply_total = t.elapsed();
    let apply_cpu = cpu_between(cpu0, cpu_time());
    assert_eq!(cache.cursor().unwrap(), total as i64);
    assert_eq!(cache.last_seq(chat).unwrap(), total as i64);
    drop(events);
    println!("\n[1b] Cache::apply_events, {batches} batches × {BATCH} message_created events, empty cache");
    println!("{}", per_batch.line("  per batch of 1000"));
    println!(
        "  total {:.3} s ({apply_cpu}), {:.0} events/s",
        apply_total.as_secs_f64(),
        total as f64 / apply_total.as_secs_f64()
    );

    // ---------------------------------------------------------------- 2: newest page
    let iters = size(2000);
    let warm = 50.min(iters);
    println!(
        "\n[2] newest {PAGE} of a {total}-message chat ({iters} timed calls after {warm} warm-up)"
    );
    for _ in 0..warm {
        black_box(cache.chat_page(chat, None, PAGE).unwrap());
    }
    let mut newest = Samples::new();
    for _ in 0..iters {
        let page = newest.time(|| cache.chat_page(chat, None, PAGE).unwrap());
        assert_eq!(page.messages.len(), PAGE as usize);
        assert_eq!(page.messages.last().map(|m| m.seq), Some(total as i64));
        black_box(page);
    }
    println!("{}", newest.line("  Cache::chat_page(chat, None, 50)"));

    let mut rng = fastrand::Rng::with_seed(7);
    let mut older = Samples::new();
    for _ in 0..iters {
        let before = rng.i64(PAGE + 1..=total as i64);
        let page = older.time(|| cache.chat_page(chat, Some(before), PAGE).unwrap());
        assert_eq!(page.messages.len(), PAGE as usize);
        black_box(page);
    }
    println!(
        "{}",
        older.line("  Cache::chat_page(chat, Some(random), 50)")
    );

    // The core, opened on the same cache without a session (nothing to fetch: it has the range).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let core_samples = rt.block_on(async {
        let mut cfg = CoreConfig::new(&data_dir);
        cfg.use_os_secret_store = false;
        let core = Core::open(cfg).await.unwrap();
        for _ in 0..warm {
            black_box(core.messages(chat, None, PAGE).await.unwrap());
        }
        let mut s = Samples::new();
        for _ in 0..iters {
            let t = Instant::now();
            let page = core.messages(chat, None, PAGE).await.unwrap();
            s.push(t.elapsed());
            assert_eq!(page.messages.len(), PAGE as usize);
            black_box(page);
        }
        core.shutdown().await;
        s
    });
    println!("{}", core_samples.line("  Core::messages(chat, None, 50)"));

    let goal = Duration::from_millis(5);
    println!("\nsummary");
    println!(
        "  apply_events: {:.3} s ({apply_cpu}) for {total} events ({:.0} events/s); load average now {}",
        apply_total.as_secs_f64(),
        total as f64 / apply_total.as_secs_f64(),
        load_average()
    );
    println!(
        "  goal 2 (p95 ≤ 5 ms): chat_page p95 {} {}; Core::messages p95 {} {}",
        ms(newest.pct(0.95)),
        verdict(newest.pct(0.95) <= goal),
        ms(core_samples.pct(0.95)),
        verdict(core_samples.pct(0.95) <= goal)
    );
}
