//! `okno-route-bench`: routing throughput, in process, on SQLite (the embedded default).
//!
//! Setup (not measured): `--companies` companies, each with `--lines-per-company` lines (no
//! working hours), its share of `--specialists` specialists (offline, competent on every line of
//! their company, capacity `--capacity`) and of `--tickets` clients, each of whom writes one
//! message through the real send path, so every ticket is registered and waits in its line's
//! queue with its queue-position notice.
//!
//! Measured:
//! 1. **Assignments**: every specialist comes online at once (one write job each, as
//!    `PUT /me/presence` does): each job hands its specialist the oldest waiting tickets of
//!    their lines up to capacity, with the assignment notice and the events. Figure: tickets
//!    assigned per second from the first job submitted to the last answered (durably committed).
//! 2. **Queue-position notices**: the coalesced refresh of every line whose queue moved, as the
//!    server's ticker runs it: one in-place update (`message_updated`) per waiting ticket whose
//!    position changed. Figure: notices per second.

use anyhow::{ensure, Context, Result};
use clap::Parser;
use okno_proto::*;
use okno_server::db::Durability;
use okno_server::routing::{self, HoursCache};
use okno_server::{chats, params, Config};
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

#[derive(Debug, Parser)]
#[command(
    name = "okno-route-bench",
    about = "Routing throughput on SQLite, in process"
)]
struct Args {
    #[arg(long, default_value_t = 10_000)]
    tickets: usize,
    #[arg(long, default_value_t = 500)]
    specialists: usize,
    /// Companies sharing the specialists and tickets evenly. Every event of a chat goes to all
    /// of the company's employees, so this sets the fan-out per event.
    #[arg(long, default_value_t = 50)]
    companies: usize,
    #[arg(long, default_value_t = 2)]
    lines_per_company: usize,
    /// Tickets at once per specialist.
    #[arg(long, default_value_t = 10)]
    capacity: i64,
    /// `normal` trades the fsync per commit for speed (comparison only).
    #[arg(long, default_value = "full")]
    sqlite_sync: String,
    /// Keep the database here instead of a temporary directory.
    #[arg(long)]
    data_dir: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    ensure!(
        args.companies > 0 && args.lines_per_company > 0,
        "need companies and lines"
    );
    // The server's logs only when asked for (`RUST_LOG=okno_server::store=debug` shows each
    // batch's work, commit and fsync times), on stderr.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_default_env() {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    let tmp = std::env::temp_dir().join(format!("okno-route-bench-{}", std::process::id()));
    let dir = args.data_dir.clone().unwrap_or_else(|| tmp.clone());
    let mut config = Config::new("127.0.0.1:0".parse()?, dir);
    config.durability = match args.sqlite_sync.as_str() {
        "full" => Durability::Full,
        "normal" => Durability::Normal,
        other => anyhow::bail!("--sqlite-sync full|normal, not {other}"),
    };
    let state = okno_server::build_state(config).await.map_err(anyhow_err)?;

    // ------------------------------------------------------------------ setup
    let t0 = Instant::now();
    let mut specialists: Vec<(CompanyId, UserId)> = Vec::new();
    let mut chats_to_write: Vec<(UserId, ChatId)> = Vec::new();
    for c in 0..args.companies {
        let n_spec = share(args.specialists, args.companies, c);
        let n_cli = share(args.tickets, args.companies, c);
        let lines = args.lines_per_company;
        let capacity = args.capacity;
        let (specs, clients) = state
            .store
            .write(move |ctx| {
                let now = ctx.now;
                let company = CompanyId(
                    ctx.db
                        .query_one(
                            "INSERT INTO companies (name, created_at) VALUES ($1, $2) RETURNING id",
                            params![format!("Bench {c}"), now],
                        )?
                        .int(0)?,
                );
                let mut line_ids = Vec::new();
                for l in 0..lines {
                    line_ids.push(LineId(
                        ctx.db
                            .query_one(
                                "INSERT INTO lines (company_id, name, internal_name, description, details_url, \
                                 search_text, created_at, updated_at) VALUES ($1, $2, '', '', '', '', $3, $3) RETURNING id",
                                params![company, format!("Line {c}.{l}"), now],
                            )?
                            .int(0)?,
                    ));
                }
                let user = |ctx: &mut okno_server::store::WriteCtx<'_>, login: String| -> Result<UserId, okno_server::error::AppError> {
                    Ok(UserId(
                        ctx.db
                            .query_one(
                                "INSERT INTO users (login, display_name, password_hash, created_at) \
                                 VALUES ($1, $1, '-', $2) RETURNING id",
                                params![login, now],
                            )?
                            .int(0)?,
                    ))
                };
                let mut specs = Vec::new();
                for s in 0..n_spec {
                    let u = user(ctx, format!("spec-{c}-{s}"))?;
                    ctx.db.execute(
                        "INSERT INTO company_members (company_id, user_id, role) VALUES ($1, $2, 'specialist')",
                        params![company, u],
                    )?;
                    ctx.db.execute(
                        "INSERT INTO agents (company_id, user_id, presence, capacity) VALUES ($1, $2, 'offline', $3)",
                        params![company, u, capacity],
                    )?;
                    // One priority for all: a freed specialist takes the oldest ticket across
                    // their lines, so every queue moves (and its position notices with it).
                    for l in &line_ids {
                        ctx.db.execute(
                            "INSERT INTO competences (line_id, user_id, company_id, level, priority) \
                             VALUES ($1, $2, $3, 1, 1)",
                            params![*l, u, company],
                        )?;
                    }
                    specs.push((company, u));
                }
                let mut clients = Vec::new();
                for k in 0..n_cli {
                    let u = user(ctx, format!("client-{c}-{k}"))?;
                    let line = line_ids[k % line_ids.len()];
                    ctx.db.execute(
                        "INSERT INTO connections (user_id, line_id, state, origin, created_at, updated_at) \
                         VALUES ($1, $2, 'active', 'admin', $3, $3)",
                        params![u, line, now],
                    )?;
                    let chat = ctx
                        .db
                        .query_one(
                            "INSERT INTO chats (user_id, line_id, company_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                            params![u, line, company, now],
                        )?
                        .int(0)?;
                    clients.push((u, ChatId(chat)));
                }
                Ok((specs, clients))
            })
            .await
            .map_err(anyhow_err)?;
        specialists.extend(specs);
        chats_to_write.extend(clients);
    }
    // Every client writes once, through the real send path (registration + queue notice).
    let mut set = tokio::task::JoinSet::new();
    let sem = Arc::new(tokio::sync::Semaphore::new(256));
    for (user, chat) in chats_to_write {
        let state = state.clone();
        let permit = sem.clone().acquire_owned().await?;
        set.spawn(async move {
            let _permit = permit;
            let req = SendMessageRequest {
                client_msg_id: Uuid::new_v4(),
                text: "my printer is jammed".into(),
                file_ids: vec![],
            };
            state
                .store
                .write(move |ctx| chats::send_message(ctx, user, chat, &req))
                .await
        });
    }
    while let Some(r) = set.join_next().await {
        r?.map_err(anyhow_err)?;
    }
    let waiting = count(
        &state,
        "SELECT COUNT(*) FROM tickets WHERE state = 'queued'",
    )
    .await?;
    println!(
        "setup: {} companies, {} lines, {} specialists (capacity {}), {} waiting tickets, fan-out {} staff per event; {:.1} s",
        args.companies,
        args.companies * args.lines_per_company,
        specialists.len(),
        args.capacity,
        waiting,
        args.specialists / args.companies,
        t0.elapsed().as_secs_f64()
    );

    // ------------------------------------------------------------------ 1. assignments
    let events0 = count(&state, "SELECT COUNT(*) FROM events").await?;
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for (company, agent) in specialists.iter().copied() {
        let state = state.clone();
        set.spawn(async move {
            let t = Instant::now();
            let moved = state
                .store
                .write(move |ctx| {
                    ctx.db.execute(
                        "UPDATE agents SET presence = 'online' WHERE company_id = $1 AND user_id = $2",
                        params![company, agent],
                    )?;
                    routing::dispatch_agent(ctx, company, agent, &mut HoursCache::default())
                })
                .await;
            (moved, t.elapsed())
        });
    }
    let mut latencies = Vec::new();
    while let Some(r) = set.join_next().await {
        let (moved, took) = r?;
        state.routing.mark(moved.map_err(anyhow_err)?);
        latencies.push(took.as_secs_f64() * 1000.0);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let assigned = count(
        &state,
        "SELECT COUNT(*) FROM tickets WHERE state = 'assigned'",
    )
    .await?;
    let events1 = count(&state, "SELECT COUNT(*) FROM events").await?;
    latencies.sort_by(f64::total_cmp);
    println!(
        "assignments: {assigned} in {elapsed:.2} s = {:.0}/s (presence jobs: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms)",
        assigned as f64 / elapsed,
        pct(&latencies, 0.50),
        pct(&latencies, 0.99),
        pct(&latencies, 1.0),
    );

    // ------------------------------------------------------------------ 2. position notices
    let started = Instant::now();
    let updated = routing::flush_positions(&state).await.map_err(anyhow_err)?;
    let elapsed2 = started.elapsed().as_secs_f64();
    let still = count(
        &state,
        "SELECT COUNT(*) FROM tickets WHERE state = 'queued'",
    )
    .await?;
    println!(
        "queue-position notices: {updated} updated in place for {still} waiting tickets in {elapsed2:.2} s = {:.0}/s",
        updated as f64 / elapsed2.max(1e-9)
    );
    let again = routing::flush_positions(&state).await.map_err(anyhow_err)?;
    ensure!(again == 0, "a second refresh changed {again} notices");
    let events2 = count(&state, "SELECT COUNT(*) FROM events").await?;
    println!(
        "events written: {} by the assignments ({:.1} per assignment), {} by the refresh",
        events1 - events0,
        (events1 - events0) as f64 / (assigned.max(1)) as f64,
        events2 - events1
    );
    ensure!(
        assigned as usize == (args.tickets).min(specialists.len() * args.capacity as usize),
        "expected every free slot filled"
    );
    if args.data_dir.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(())
}

fn share(total: usize, parts: usize, i: usize) -> usize {
    total / parts + usize::from(i < total % parts)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn count(state: &okno_server::AppState, sql: &'static str) -> Result<i64> {
    state
        .store
        .read(move |db| Ok(db.query_one(sql, params![])?.int(0)?))
        .await
        .map_err(anyhow_err)
        .context("count")
}

fn anyhow_err(e: okno_server::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}
