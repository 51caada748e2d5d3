//! The store: one writer thread with group commit, a pool of readers, and the push hub.
//!
//! Every write is a job run by the single writer thread. The thread takes all jobs waiting,
//! runs each inside its own savepoint of one transaction, commits once (SQLite with
//! `synchronous=FULL`, PostgreSQL with its default `fsync`), and only then answers each job and
//! publishes the events the jobs appended. So an answer means "durably stored", many sends share
//! one fsync, and a failing job changes nothing while its neighbours still commit.

use crate::db::{Backend, Db, DbError, Durability, PgDb, SqliteDb};
use crate::error::AppError;
use crate::hub::{Hub, Published};
use crate::{migrations, params};
use okno_proto::{Event, EventBody, UserId};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, Semaphore};

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum DbConfig {
    Sqlite {
        path: PathBuf,
        durability: Durability,
    },
    Postgres {
        url: String,
    },
}

/// The context a write job runs in.
pub struct WriteCtx<'a> {
    pub db: &'a mut dyn Db,
    /// The batch's clock, milliseconds since the epoch.
    pub now: i64,
    events: Vec<Published>,
    notify: Vec<(i64, i64)>,
}

impl WriteCtx<'_> {
    /// Appends an event to a user's stream; it is pushed once the batch commits.
    pub fn emit(&mut self, user: UserId, body: &EventBody) -> Result<i64, AppError> {
        let body_json = serde_json::to_string(body).map_err(AppError::internal)?;
        self.emit_json(user, &body_json)
    }

    /// Appends the same event to several users' streams (serialized once).
    pub fn emit_many(&mut self, users: &[UserId], body: &EventBody) -> Result<(), AppError> {
        let body_json = serde_json::to_string(body).map_err(AppError::internal)?;
        let mut sorted = users.to_vec();
        sorted.sort();
        sorted.dedup();
        for u in sorted {
            self.emit_json(u, &body_json)?;
        }
        Ok(())
    }

    fn emit_json(&mut self, user: UserId, body_json: &str) -> Result<i64, AppError> {
        let seq = self
            .db
            .query_one(
                "UPDATE users SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq",
                params![user],
            )?
            .int(0)?;
        self.db.execute(
            "INSERT INTO events (user_id, seq, at, body) VALUES ($1, $2, $3, $4)",
            params![user, seq, self.now, body_json],
        )?;
        self.events.push(Published {
            user,
            seq,
            frame: event_frame(seq, self.now, body_json).into(),
        });
        self.notify.push((user.0, seq));
        Ok(seq)
    }
}

/// The WebSocket frame for an event, built from its stored JSON body without re-parsing.
pub fn event_frame(seq: i64, at: i64, body_json: &str) -> String {
    format!(r#"{{"type":"event","event":{{"seq":{seq},"at":{at},"body":{body_json}}}}}"#)
}

/// Decodes a stored event.
pub fn decode_event(seq: i64, at: i64, body_json: &str) -> Result<Event, AppError> {
    let body: EventBody = serde_json::from_str(body_json).map_err(AppError::internal)?;
    Ok(Event { seq, at, body })
}

type Outcome = Box<dyn FnOnce(Result<(), AppError>) + Send>;
type Job = Box<dyn FnMut(&mut WriteCtx<'_>) -> (bool, Option<Outcome>) + Send>;

struct Pool {
    conns: Mutex<Vec<Box<dyn Db>>>,
    permits: Semaphore,
}

pub struct Store {
    jobs: mpsc::UnboundedSender<Job>,
    readers: Arc<Pool>,
    pub hub: Arc<Hub>,
    pub backend: Backend,
    /// This process's id in PostgreSQL notifications, to skip its own.
    pub node_id: String,
}

const READERS: usize = 4;
const MAX_BATCH: usize = 512;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Store {
    /// Opens (and migrates) the database and starts the writer thread.
    pub async fn open(config: DbConfig, hub: Arc<Hub>) -> Result<Arc<Self>, AppError> {
        let node_id = crate::auth::random_token(9);
        let cfg = config.clone();
        let (writer, readers, backend) = tokio::task::spawn_blocking(move || {
            let open = |read_only: bool| -> Result<Box<dyn Db>, DbError> {
                Ok(match &cfg {
                    DbConfig::Sqlite { path, durability } => {
                        Box::new(SqliteDb::open(path, read_only, *durability)?)
                    }
                    DbConfig::Postgres { url } => Box::new(PgDb::connect(url)?),
                })
            };
            let mut writer = open(false)?;
            migrations::migrate(writer.as_mut())?;
            let backend = writer.backend();
            let readers = (0..READERS)
                .map(|_| open(true))
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, DbError>((writer, readers, backend))
        })
        .await
        .map_err(AppError::internal)??;

        let (tx, rx) = mpsc::unbounded_channel::<Job>();
        let hub2 = hub.clone();
        let node = node_id.clone();
        std::thread::Builder::new()
            .name("okno-writer".into())
            .spawn(move || writer_loop(writer, rx, hub2, node))
            .map_err(AppError::internal)?;

        Ok(Arc::new(Self {
            jobs: tx,
            readers: Arc::new(Pool {
                conns: Mutex::new(readers),
                permits: Semaphore::new(READERS),
            }),
            hub,
            backend,
            node_id,
        }))
    }

    /// Runs `f` in the writer's next transaction; answers once it is durably committed.
    /// `f` may run more than once (retried after a deadlock), so it must only touch the database.
    pub async fn write<T, F>(&self, mut f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnMut(&mut WriteCtx<'_>) -> Result<T, AppError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<Result<T, AppError>>();
        let mut tx = Some(tx);
        let job: Job = Box::new(move |ctx| {
            let result = f(ctx);
            let ok = result.is_ok();
            let retryable = matches!(result, Err(AppError::Busy));
            if retryable {
                return (false, None);
            }
            let tx = tx.take();
            let outcome: Outcome = Box::new(move |commit| {
                if let Some(tx) = tx {
                    let _ = tx.send(match commit {
                        Ok(()) => result,
                        Err(e) => Err(e),
                    });
                }
            });
            (ok, Some(outcome))
        });
        self.jobs
            .send(job)
            .map_err(|_| AppError::internal("the writer has stopped"))?;
        rx.await.map_err(|_| AppError::Busy)?
    }

    /// Runs `f` on a reader connection (a consistent snapshot when it opens a transaction).
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Db) -> Result<T, AppError> + Send + 'static,
    {
        let _permit = self
            .readers
            .permits
            .acquire()
            .await
            .map_err(AppError::internal)?;
        let pool = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool
                .conns
                .lock()
                .map_err(|_| AppError::internal("reader pool poisoned"))?
                .pop()
                .ok_or_else(|| AppError::internal("reader pool empty"))?;
            let result = f(conn.as_mut());
            if let Ok(mut conns) = pool.conns.lock() {
                conns.push(conn);
            }
            result
        })
        .await
        .map_err(AppError::internal)?
    }

    /// Runs `f` inside a read transaction: every query sees the same moment.
    pub async fn read_tx<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Db) -> Result<T, AppError> + Send + 'static,
    {
        self.read(move |db| {
            match db.backend() {
                Backend::Sqlite => db.batch("BEGIN")?,
                Backend::Postgres => db.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?,
            }
            let result = f(&mut *db);
            let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
            db.batch(end)?;
            result
        })
        .await
    }
}

fn writer_loop(
    mut db: Box<dyn Db>,
    mut rx: mpsc::UnboundedReceiver<Job>,
    hub: Arc<Hub>,
    node_id: String,
) {
    let pg = db.backend() == Backend::Postgres;
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let now = now_ms();
        let mut outcomes: Vec<Outcome> = Vec::with_capacity(batch.len());
        let mut ctx = WriteCtx {
            db: db.as_mut(),
            now,
            events: Vec::new(),
            notify: Vec::new(),
        };
        let began = ctx.db.begin();
        if let Err(e) = began {
            // Dropping the jobs answers each caller with `Busy`.
            tracing::error!(error = %e, "cannot begin a write transaction");
            continue;
        }
        for mut job in batch {
            let mut attempts = 0;
            loop {
                attempts += 1;
                let mark_events = ctx.events.len();
                let mark_notify = ctx.notify.len();
                if let Err(e) = ctx.db.batch("SAVEPOINT job") {
                    tracing::error!(error = %e, "savepoint failed");
                }
                let (ok, outcome) = job(&mut ctx);
                if ok {
                    let _ = ctx.db.batch("RELEASE SAVEPOINT job");
                } else {
                    let _ = ctx
                        .db
                        .batch("ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job");
                    ctx.events.truncate(mark_events);
                    ctx.notify.truncate(mark_notify);
                }
                match outcome {
                    Some(o) => {
                        outcomes.push(o);
                        break;
                    }
                    None if attempts < 5 => continue,
                    None => {
                        // Retried enough: the caller gets `Busy` when the job is dropped.
                        break;
                    }
                }
            }
        }
        if pg && !ctx.notify.is_empty() {
            for chunk in ctx.notify.chunks(400) {
                let payload = notify_payload(&node_id, chunk);
                let _ = ctx
                    .db
                    .execute("SELECT pg_notify('okno_events', $1)", params![payload]);
            }
        }
        let events = std::mem::take(&mut ctx.events);
        match ctx.db.batch("COMMIT") {
            Ok(()) => {
                for o in outcomes {
                    o(Ok(()));
                }
                hub.publish_all(events);
            }
            Err(e) => {
                tracing::error!(error = %e, "commit failed");
                let _ = ctx.db.batch("ROLLBACK");
                for o in outcomes {
                    o(Err(AppError::Busy));
                }
            }
        }
    }
    tracing::info!("writer stopped");
}

/// `node|user:seq,user:seq…`
fn notify_payload(node: &str, items: &[(i64, i64)]) -> String {
    let mut s = String::with_capacity(node.len() + items.len() * 16);
    s.push_str(node);
    s.push('|');
    for (i, (u, q)) in items.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!("{u}:{q}"));
    }
    s
}

/// Parses a notification payload; `None` for our own or a malformed one.
pub fn parse_notify(own_node: &str, payload: &str) -> Option<Vec<(UserId, i64)>> {
    let (node, items) = payload.split_once('|')?;
    if node == own_node {
        return None;
    }
    items
        .split(',')
        .map(|it| {
            let (u, q) = it.split_once(':')?;
            Some((UserId(u.parse().ok()?), q.parse().ok()?))
        })
        .collect()
}
