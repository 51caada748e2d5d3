//! `okno-server`: the Okno support server.

use anyhow::Context;
use clap::Parser;
use okno_server::{db::Durability, demo, Config, Server};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(name = "okno-server", version, about = "The Okno support server")]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "OKNO_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory for the SQLite database and uploaded files.
    #[arg(long, env = "OKNO_DATA_DIR", default_value = "okno-data")]
    data_dir: PathBuf,
    /// Use PostgreSQL (`postgres://user@host/db`) instead of SQLite.
    #[arg(long, env = "OKNO_DATABASE_URL")]
    database_url: Option<String>,
    /// Seed the demo company, lines and accounts (once) and print the logins.
    #[arg(long)]
    demo: bool,
    /// Largest upload, in bytes.
    #[arg(long, env = "OKNO_MAX_FILE_SIZE", default_value_t = 100 * 1024 * 1024)]
    max_file_size: u64,
    /// Events kept per user for catch-up; older cursors reload their snapshot.
    #[arg(long, env = "OKNO_EVENT_RETENTION", default_value_t = 100_000)]
    event_retention: i64,
    /// SQLite only: `normal` skips the fsync of each commit (faster, not durable on power loss).
    #[arg(long, env = "OKNO_SQLITE_SYNC", default_value = "full", value_parser = ["full", "normal"])]
    sqlite_sync: String,
    /// Seconds between WebSocket pings.
    #[arg(long, default_value_t = 20)]
    ws_ping_secs: u64,
    /// Seconds of silence after which a WebSocket is closed.
    #[arg(long, default_value_t = 60)]
    ws_idle_secs: u64,
    /// Log as JSON lines.
    #[arg(long, env = "OKNO_LOG_JSON")]
    log_json: bool,
    /// Import a folder of Markdown articles (`# question`, optional `Keywords: a, b`, answer)
    /// into the knowledge base of the line `--kb-line`, then exit without serving.
    #[arg(long, requires = "kb_line")]
    import_kb: Option<PathBuf>,
    /// The line `--import-kb` imports into.
    #[arg(long)]
    kb_line: Option<i64>,
    /// With `--import-kb`: remove the line's articles that are not in the folder.
    #[arg(long)]
    kb_replace: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    if args.log_json {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    if args.event_retention < 1 {
        anyhow::bail!("--event-retention must be at least 1");
    }
    let mut config = Config::new(args.listen, args.data_dir);
    config.database_url = args.database_url;
    config.max_file_size = args.max_file_size;
    config.event_retention = args.event_retention;
    config.durability = if args.sqlite_sync == "normal" {
        Durability::Normal
    } else {
        Durability::Full
    };
    config.ws_ping_interval = Duration::from_secs(args.ws_ping_secs.max(1));
    config.ws_idle_timeout = Duration::from_secs(args.ws_idle_secs.max(2));

    let state = okno_server::build_state(config)
        .await
        .context("opening the store")?;
    if args.demo {
        let fresh = demo::seed(&state).await.context("seeding the demo data")?;
        demo::seed_knowledge_base(&state)
            .await
            .context("seeding the demo knowledge base")?;
        println!(
            "Okno demo {}: every account's password is \"{}\"",
            if fresh { "seeded" } else { "data present" },
            demo::DEMO_PASSWORD
        );
        for (login, name, what) in demo::DEMO_ACCOUNTS {
            println!("  {login:<12} {name:<16} {what}");
        }
    }
    if let Some(dir) = &args.import_kb {
        let line = okno_proto::LineId(args.kb_line.context("--kb-line is required")?);
        let articles = okno_server::kb::read_markdown_folder(dir).map_err(anyhow::Error::msg)?;
        let result = okno_server::kb::import(
            &state,
            None,
            line,
            okno_proto::ArticleImport {
                articles,
                replace: args.kb_replace,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("import failed: {e}"))?;
        println!(
            "Imported into line {line}: {} created, {} updated, {} removed",
            result.created, result.updated, result.removed
        );
        return Ok(());
    }
    let server = Server::start_with(state)
        .await
        .context("starting the server")?;
    println!("Okno server listening on {}", server.url());
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
