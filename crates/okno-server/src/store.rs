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
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    seqs: &'a mut SeqCache,
}

impl WriteCtx<'_> {
    /// Appends an event to a user's stream; it is pushed once the batch commits.
    pub fn emit(&mut self, user: UserId, body: &EventBody) -> Result<i64, AppError> {
        let body_json = shared_json(body)?;
        self.append(user, &body_json)
    }

    /// Appends the same event to several users' streams. The body is serialized once and, for
    /// two users or more, stored once (`event_bodies`): each user's row then only points at it,
    /// so an event fanned out to a company's staff costs a few bytes per extra reader. (One
    /// `INSERT … SELECT … FROM json_each(…)` for all the rows was measured slower than a cached
    /// single-row `INSERT` each.)
    pub fn emit_many(&mut self, users: &[UserId], body: &EventBody) -> Result<(), AppError> {
        let body_json = shared_json(body)?;
        let mut sorted = users.to_vec();
        sorted.sort();
        sorted.dedup();
        if sorted.len() < 2 {
            for u in sorted {
                self.append(u, &body_json)?;
            }
            return Ok(());
        }
        let body_id = self
            .db
            .query_one(
                "INSERT INTO event_bodies (body) VALUES ($1) RETURNING id",
                params![&*body_json],
            )?
            .int(0)?;
        for u in sorted {
            let seq = self.seqs.next(self.db, u)?;
            self.db.execute(
                "INSERT INTO events (user_id, seq, at, body, body_id) VALUES ($1, $2, $3, '', $4)",
                params![u, seq, self.now, body_id],
            )?;
            self.published(u, seq, &body_json);
        }
        Ok(())
    }

    /// Stores one event row with its body.
    fn append(&mut self, user: UserId, body_json: &Arc<str>) -> Result<i64, AppError> {
        let seq = self.seqs.next(self.db, user)?;
        self.db.execute(
            "INSERT INTO events (user_id, seq, at, body) VALUES ($1, $2, $3, $4)",
            params![user, seq, self.now, &**body_json],
        )?;
        self.published(user, seq, body_json);
        Ok(seq)
    }

    /// An appended event, to be pushed (and on PostgreSQL announced) once the batch commits.
    fn published(&mut self, user: UserId, seq: i64, body: &Arc<str>) {
        self.events.push(Published {
            user,
            seq,
            at: self.now,
            body: body.clone(),
        });
        self.notify.push((user.0, seq));
    }
}

/// An event body's JSON, to be shared by the rows and pushes of every recipient.
fn shared_json(body: &EventBody) -> Result<Arc<str>, AppError> {
    Ok(serde_json::to_string(body)
        .map_err(AppError::internal)?
        .into())
}

/// Reads stored events as `seq, at, body` (alias `e`), whether a body is kept in its row or
/// shared through `event_bodies`; append the `WHERE`.
pub const EVENT_SELECT: &str = "SELECT e.seq, e.at, COALESCE(b.body, e.body) FROM events e \
     LEFT JOIN event_bodies b ON b.id = e.body_id";

/// A user's event counter as the writer knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct UserSeq {
    /// The head as stored (in `users.event_seq` or the events) as this transaction sees it.
    stored: i64,
    /// The last seq handed out (`stored` until an event is appended).
    last: i64,
}

/// The writer's in-memory copy of each user's stream head, so that appending an event costs
/// one `INSERT`, not an `UPDATE … RETURNING` as well.
///
/// A user's head is the larger of `users.event_seq` and the newest stored event's seq
/// ([`stream_pos`]). It is read on first use in a batch (on PostgreSQL with `FOR UPDATE`
/// on the user's row: several nodes may write the same user, and the row lock orders them),
/// counted up in memory, and on PostgreSQL written back to `users.event_seq` once per batch
/// before `COMMIT` (`flush`). On SQLite, where this process's writer is the only one, it is not
/// written back at all: the events themselves carry the head, which saves a random page (the
/// user's row) per event in every commit; `users.event_seq` only moves when old events are
/// pruned. Every change a job makes is recorded in an undo log, replayed when the job's
/// savepoint rolls back. When a commit fails, everything is forgotten. On SQLite the counters
/// stay cached across batches; `PRAGMA data_version` tells if another connection committed
/// anyway, and then they are dropped too. On PostgreSQL they are dropped after every batch.
#[derive(Debug, Default)]
pub(crate) struct SeqCache {
    users: HashMap<i64, UserSeq>,
    /// Users given a seq in this batch (may repeat; those rolled back are skipped by `flush`).
    touched: Vec<i64>,
    /// The running job's changes: (user, the entry before; `None` = it was not loaded).
    undo: Vec<(i64, Option<UserSeq>)>,
}

/// At most this many counters are kept across SQLite batches.
const SEQ_CACHE_MAX: usize = 100_000;

impl SeqCache {
    fn next(&mut self, db: &mut dyn Db, user: UserId) -> Result<i64, AppError> {
        let prev = self.users.get(&user.0).copied();
        let cur = match prev {
            Some(c) => c,
            None => {
                if db.backend() == Backend::Postgres {
                    db.query_one(
                        "SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
                        params![user],
                    )?;
                }
                let stored = stream_pos(db, user)?.map_or(0, |p| p.head);
                UserSeq {
                    stored,
                    last: stored,
                }
            }
        };
        let seq = cur.last + 1;
        self.undo.push((user.0, prev));
        self.users.insert(user.0, UserSeq { last: seq, ..cur });
        if cur.last == cur.stored {
            self.touched.push(user.0);
        }
        Ok(seq)
    }

    /// A job starts (or is retried): its undo log starts empty.
    fn begin_job(&mut self) {
        self.undo.clear();
    }

    /// The job's savepoint rolled back: its counters go back to where they were.
    fn rollback_job(&mut self) {
        while let Some((user, prev)) = self.undo.pop() {
            match prev {
                Some(p) => {
                    self.users.insert(user, p);
                }
                None => {
                    self.users.remove(&user);
                }
            }
        }
    }

    /// Writes each changed counter once (PostgreSQL only; see above); call inside the
    /// transaction, before `COMMIT`.
    fn flush(&mut self, db: &mut dyn Db) -> Result<(), DbError> {
        self.undo.clear();
        if db.backend() == Backend::Sqlite {
            for user in self.touched.drain(..) {
                if let Some(s) = self.users.get_mut(&user) {
                    s.stored = s.last;
                }
            }
            return Ok(());
        }
        let mut touched = std::mem::take(&mut self.touched);
        touched.sort_unstable();
        touched.dedup();
        for user in touched {
            if let Some(s) = self.users.get_mut(&user) {
                if s.last != s.stored {
                    db.execute(
                        "UPDATE users SET event_seq = $1 WHERE id = $2",
                        params![s.last, user],
                    )?;
                    s.stored = s.last;
                }
            }
        }
        Ok(())
    }

    /// Forgets everything (a failed commit, or the end of a PostgreSQL batch).
    fn clear(&mut self) {
        self.users.clear();
        self.touched.clear();
        self.undo.clear();
    }

    /// After a successful commit: what may be kept for the next batch.
    fn committed(&mut self, keep: bool) {
        self.touched.clear();
        self.undo.clear();
        if !keep || self.users.len() > SEQ_CACHE_MAX {
            self.users.clear();
        }
    }
}

/// Where a user's stream stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamPos {
    /// The newest seq: the larger of `users.event_seq` (moved only when old events are pruned,
    /// and on PostgreSQL once per batch) and the newest stored event.
    pub head: i64,
    /// The oldest seq still stored.
    pub floor: i64,
}

/// A user's stream position; `None` for an unknown user.
pub fn stream_pos(db: &mut dyn Db, user: UserId) -> Result<Option<StreamPos>, AppError> {
    let Some(r) = db.query_opt(
        "SELECT u.event_seq, u.events_floor, \
         (SELECT MAX(e.seq) FROM events e WHERE e.user_id = u.id) FROM users u WHERE u.id = $1",
        params![user],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(StreamPos {
        head: r.int(0)?.max(r.opt_int(2)?.unwrap_or(0)),
        floor: r.int(1)?,
    }))
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
    marks: Arc<Marks>,
    pub hub: Arc<Hub>,
    pub backend: Backend,
    /// This process's id in PostgreSQL notifications, to skip its own.
    pub node_id: String,
}

/// Read connections of a server: requests that read run on them in parallel.
pub const READERS: usize = 4;
const MAX_BATCH: usize = 512;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Store {
    /// Opens (and migrates) the database and starts the writer thread.
    /// `readers`: read connections, at least one (`READERS` for a server with many users).
    pub async fn open(
        config: DbConfig,
        hub: Arc<Hub>,
        readers: usize,
    ) -> Result<Arc<Self>, AppError> {
        let readers_n = readers.max(1);
        let node_id = crate::auth::random_token(9);
        let cfg = config.clone();
        let (writer, readers, checkpointer, backend, wal) = tokio::task::spawn_blocking(move || {
            let open = |read_only: bool, durability: Durability| -> Result<Box<dyn Db>, DbError> {
                Ok(match &cfg {
                    DbConfig::Sqlite { path, .. } => {
                        Box::new(SqliteDb::open(path, read_only, durability)?)
                    }
                    DbConfig::Postgres { url } => Box::new(PgDb::connect(url)?),
                })
            };
            let durability = match &cfg {
                DbConfig::Sqlite { durability, .. } => *durability,
                DbConfig::Postgres { .. } => Durability::Full,
            };
            // A durable SQLite writer commits with `synchronous = NORMAL` (no fsync inside
            // COMMIT) and the syncers fsync the WAL before anyone is answered: see `Syncers`.
            let mut writer = open(false, Durability::Normal)?;
            migrations::migrate(writer.as_mut())?;
            let backend = writer.backend();
            let wal = match (&cfg, durability) {
                (DbConfig::Sqlite { path, .. }, Durability::Full) => {
                    let mut wal_path = path.clone().into_os_string();
                    wal_path.push("-wal");
                    match std::fs::File::open(&wal_path) {
                        Ok(f) => Some(f),
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot open the WAL to sync it; every commit syncs itself");
                            writer.batch("PRAGMA synchronous = FULL")?;
                            None
                        }
                    }
                }
                _ => None,
            };
            let checkpointer = if backend == Backend::Sqlite {
                // The writer never checkpoints (that would sit between one batch's commit and
                // the next, with an fsync of the database file); `checkpoint_loop` does, on
                // its own connection. A WAL that grew under load is cut back when it restarts.
                writer.batch(&format!(
                    "PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = {WAL_SIZE_LIMIT};"
                ))?;
                Some(open(false, durability)?)
            } else {
                None
            };
            let readers = (0..readers_n)
                .map(|_| open(true, durability))
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, DbError>((writer, readers, checkpointer, backend, wal))
        })
        .await
        .map_err(AppError::internal)??;

        let (tx, rx) = mpsc::unbounded_channel::<Job>();
        let marks = Arc::new(Marks::default());
        let node = node_id.clone();
        let syncers = match wal {
            Some(wal) => Some(Syncers::start(wal, hub.clone(), marks.clone())?),
            None => None,
        };
        let finish = Finish {
            hub: hub.clone(),
            marks: marks.clone(),
            syncers,
        };
        // The checkpointer stops when the writer does (its sender is dropped).
        let (alive_tx, alive_rx) = std::sync::mpsc::channel::<()>();
        let restart = Arc::new(AtomicBool::new(false));
        if let Some(conn) = checkpointer {
            let restart = restart.clone();
            std::thread::Builder::new()
                .name("okno-checkpoint".into())
                .spawn(move || checkpoint_loop(conn, alive_rx, restart))
                .map_err(AppError::internal)?;
        }
        std::thread::Builder::new()
            .name("okno-writer".into())
            .spawn(move || {
                writer_loop(writer, rx, finish, node, restart);
                drop(alive_tx);
            })
            .map_err(AppError::internal)?;

        Ok(Arc::new(Self {
            jobs: tx,
            marks,
            readers: Arc::new(Pool {
                conns: Mutex::new(readers),
                permits: Semaphore::new(readers_n),
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
        let marks = self.marks.clone();
        let (result, seen) = tokio::task::spawn_blocking(move || {
            let mut conn = pool
                .conns
                .lock()
                .map_err(|_| AppError::internal("reader pool poisoned"))?
                .pop()
                .ok_or_else(|| AppError::internal("reader pool empty"))?;
            let result = f(conn.as_mut());
            // Read after the query: at least the newest batch it may have seen.
            let seen = marks.committed.load(Ordering::Acquire);
            if let Ok(mut conns) = pool.conns.lock() {
                conns.push(conn);
            }
            Ok::<_, AppError>((result, seen))
        })
        .await
        .map_err(AppError::internal)??;
        // What was read may be committed but not yet fsynced: nobody learns of it before it is
        // durable (at most one fsync's wait, and only while writes are in flight).
        self.marks.durable_at_least(seen).await;
        result
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
    finish: Finish,
    node_id: String,
    restart: Arc<AtomicBool>,
) {
    let pg = db.backend() == Backend::Postgres;
    let mut seqs = SeqCache::default();
    let mut data_version: Option<i64> = None;
    let mut batch_no: u64 = 0;
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if restart.swap(false, Ordering::AcqRel) {
            restart_wal(db.as_mut());
        }
        let now = now_ms();
        let started = std::time::Instant::now();
        let mut outcomes: Vec<Outcome> = Vec::with_capacity(batch.len());
        if let Err(e) = db.begin() {
            // Dropping the jobs answers each caller with `Busy`.
            tracing::error!(error = %e, "cannot begin a write transaction");
            continue;
        }
        if !pg {
            // The cached event counters are only valid if no other connection has committed
            // since this one's last transaction.
            let version = db
                .query_one("PRAGMA data_version", params![])
                .and_then(|r| r.int(0));
            if let Err(e) = &version {
                tracing::warn!(error = %e, "cannot read data_version");
            }
            let version = version.ok();
            if version.is_none() || version != data_version {
                seqs.clear();
            }
            data_version = version;
        }
        let mut ctx = WriteCtx {
            db: db.as_mut(),
            now,
            events: Vec::new(),
            notify: Vec::new(),
            seqs: &mut seqs,
        };
        let jobs = batch.len();
        for job in batch {
            run_job(&mut ctx, job, &mut outcomes);
        }
        let flushed = ctx.seqs.flush(ctx.db);
        if pg && !ctx.notify.is_empty() && flushed.is_ok() {
            for chunk in ctx.notify.chunks(400) {
                let payload = notify_payload(&node_id, chunk);
                let _ = ctx
                    .db
                    .execute("SELECT pg_notify('okno_events', $1)", params![payload]);
            }
        }
        let events = std::mem::take(&mut ctx.events);
        let worked = started.elapsed();
        batch_no += 1;
        // Before COMMIT: a reader that sees this batch's rows reads this number afterwards.
        finish.marks.committed.store(batch_no, Ordering::Release);
        let committed = flushed.and_then(|()| ctx.db.batch("COMMIT"));
        let n_events = events.len();
        let batch = Committed {
            batch: batch_no,
            outcomes,
            events,
        };
        match committed {
            Ok(()) => {
                seqs.committed(!pg);
                finish.committed(batch);
            }
            Err(e) => {
                tracing::error!(error = %e, "commit failed");
                seqs.clear();
                let _ = db.batch("ROLLBACK");
                batch.fail(AppError::Busy);
                finish.marks.advance(batch_no);
            }
        }
        tracing::debug!(
            jobs,
            events = n_events,
            work_us = worked.as_micros() as u64,
            commit_us = (started.elapsed() - worked).as_micros() as u64,
            "batch"
        );
    }
    tracing::info!("writer stopped");
}

/// Runs one job in its own savepoint of the open transaction: a failing job is rolled back
/// (its rows, events and counters) while the rest of the batch stays; a job that asks to be
/// retried (a deadlock on PostgreSQL) runs again, up to five times.
fn run_job(ctx: &mut WriteCtx<'_>, mut job: Job, outcomes: &mut Vec<Outcome>) {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let mark_events = ctx.events.len();
        let mark_notify = ctx.notify.len();
        ctx.seqs.begin_job();
        if let Err(e) = control(ctx.db, "SAVEPOINT job") {
            tracing::error!(error = %e, "savepoint failed");
        }
        let (ok, outcome) = job(ctx);
        if ok {
            let _ = control(ctx.db, "RELEASE SAVEPOINT job");
        } else {
            let _ = ctx
                .db
                .batch("ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job");
            ctx.events.truncate(mark_events);
            ctx.notify.truncate(mark_notify);
            ctx.seqs.rollback_job();
        }
        match outcome {
            Some(o) => {
                outcomes.push(o);
                return;
            }
            None if attempts < 5 => continue,
            // Retried enough: the caller gets `Busy` when the job is dropped.
            None => return,
        }
    }
}

/// A committed batch waiting to be made durable, answered and published.
struct Committed {
    batch: u64,
    outcomes: Vec<Outcome>,
    events: Vec<Published>,
}

impl Committed {
    /// Durable: answers every job and pushes the events, in commit order.
    fn succeed(self, hub: &Hub) {
        for o in self.outcomes {
            o(Ok(()));
        }
        hub.publish_all(self.events);
    }

    fn fail(self, e: AppError) {
        for o in self.outcomes {
            o(Err(e.clone()));
        }
    }
}

/// The batch counters readers wait on.
#[derive(Default)]
struct Marks {
    /// The newest batch whose COMMIT has been issued (set just before it).
    committed: AtomicU64,
    /// The newest batch that is durable (or failed: nothing of it to wait for).
    durable: tokio::sync::watch::Sender<u64>,
}

impl Marks {
    fn advance(&self, batch: u64) {
        self.durable.send_if_modified(|d| {
            let newer = batch > *d;
            if newer {
                *d = batch;
            }
            newer
        });
    }

    async fn durable_at_least(&self, batch: u64) {
        if *self.durable.borrow() >= batch {
            return;
        }
        let mut rx = self.durable.subscribe();
        // The sender lives as long as `self`: this cannot fail while we hold it.
        let _ = rx.wait_for(|d| *d >= batch).await;
    }
}

/// What the writer does with a committed batch.
struct Finish {
    hub: Arc<Hub>,
    marks: Arc<Marks>,
    /// The syncers, which fsync the WAL first; `None` when COMMIT itself was durable
    /// (PostgreSQL, or SQLite syncing inside COMMIT).
    syncers: Option<Arc<Syncers>>,
}

impl Finish {
    fn committed(&self, batch: Committed) {
        match &self.syncers {
            Some(s) => s.push(batch),
            None => {
                let n = batch.batch;
                self.marks.advance(n);
                batch.succeed(&self.hub);
            }
        }
    }
}

impl Drop for Finish {
    /// The writer has stopped: the syncers finish what is pending and stop.
    fn drop(&mut self) {
        if let Some(s) = &self.syncers {
            s.close();
        }
    }
}

/// How many fsyncs of the WAL may be in flight at once.
const SYNCERS: usize = 2;

/// SQLite: makes committed batches durable off the writer thread.
///
/// The writer commits with `synchronous = NORMAL` (the WAL frames are written, not fsynced),
/// hands the batch over (`push`) and goes on with the next one. A syncer thread takes the newest
/// batch committed so far, fsyncs the WAL (`fdatasync`, the same call `synchronous = FULL` makes
/// inside COMMIT), which makes that batch and every earlier one durable, and then answers their
/// jobs and pushes their events, in commit order. Two syncers overlap: a batch committed while
/// one fsync is in flight starts its own at once instead of waiting for that one to end and
/// then for another. SQLite still syncs the WAL header when the WAL restarts and the WAL and
/// database file around each checkpoint, as with FULL, so an answer means what it meant before:
/// durably stored. Should an fsync fail, the callers of the batches it covered get an error (a
/// client's retry with the same id then returns the stored message).
struct Syncers {
    state: Mutex<SyncState>,
    wake: std::sync::Condvar,
    wal: std::fs::File,
    hub: Arc<Hub>,
    marks: Arc<Marks>,
}

#[derive(Default)]
struct SyncState {
    /// Committed, not yet answered, in commit order.
    pending: std::collections::VecDeque<Committed>,
    /// The newest batch committed.
    committed: u64,
    /// The newest batch an fsync has been started for.
    claimed: u64,
    closed: bool,
}

impl Syncers {
    fn start(wal: std::fs::File, hub: Arc<Hub>, marks: Arc<Marks>) -> Result<Arc<Self>, AppError> {
        let s = Arc::new(Self {
            state: Mutex::new(SyncState::default()),
            wake: std::sync::Condvar::new(),
            wal,
            hub,
            marks,
        });
        for i in 0..SYNCERS {
            let s = s.clone();
            std::thread::Builder::new()
                .name(format!("okno-sync-{i}"))
                .spawn(move || s.run())
                .map_err(AppError::internal)?;
        }
        Ok(s)
    }

    fn push(&self, batch: Committed) {
        let Ok(mut st) = self.state.lock() else {
            batch.fail(AppError::internal("the syncers have stopped"));
            return;
        };
        st.committed = batch.batch;
        st.pending.push_back(batch);
        self.wake.notify_one();
    }

    fn close(&self) {
        if let Ok(mut st) = self.state.lock() {
            st.closed = true;
        }
        self.wake.notify_all();
    }

    fn run(&self) {
        loop {
            let target = {
                let Ok(mut st) = self.state.lock() else {
                    return;
                };
                while st.committed <= st.claimed && !st.closed {
                    st = match self.wake.wait(st) {
                        Ok(st) => st,
                        Err(_) => return,
                    };
                }
                if st.committed <= st.claimed {
                    break; // closed, and nothing left to sync
                }
                st.claimed = st.committed;
                st.claimed
            };
            let started = std::time::Instant::now();
            let synced = self.wal.sync_data();
            let took = started.elapsed();
            // Answer and publish under the lock: the two syncers release batches strictly in
            // commit order (it takes microseconds: channel sends).
            let Ok(mut st) = self.state.lock() else {
                return;
            };
            self.marks.advance(target);
            let mut released = 0;
            while st.pending.front().is_some_and(|b| b.batch <= target) {
                let Some(batch) = st.pending.pop_front() else {
                    break;
                };
                released += 1;
                match &synced {
                    Ok(()) => batch.succeed(&self.hub),
                    Err(_) => {
                        batch.fail(AppError::internal("the commit could not be made durable"))
                    }
                }
            }
            drop(st);
            if let Err(e) = &synced {
                tracing::error!(error = %e, "cannot fsync the WAL");
            }
            tracing::debug!(
                batches = released,
                took_us = took.as_micros() as u64,
                "synced"
            );
        }
        tracing::debug!("syncer stopped");
    }
}

/// A transaction-control statement run once or twice per job: a cached prepared statement
/// on SQLite (not parsed again every time); PostgreSQL takes it as a simple query.
fn control(db: &mut dyn Db, sql: &str) -> Result<(), DbError> {
    match db.backend() {
        Backend::Sqlite => db.execute(sql, params![]).map(|_| ()),
        Backend::Postgres => db.batch(sql),
    }
}

/// How often the checkpointer copies the WAL into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(200);
/// A WAL longer than this many frames (pages) is started over by the writer (see
/// `checkpoint_loop`).
const WAL_RESTART_FRAMES: i64 = 262_144;
/// The writer is asked to start the WAL over once a checkpoint pass found fewer new frames.
const RESTART_SLACK_FRAMES: i64 = 512;
/// A WAL this long (readers kept it from restarting) is truncated even if that makes the
/// writer wait.
const WAL_TRUNCATE_FRAMES: i64 = 1_048_576;
/// The WAL file is cut back to this size whenever it restarts. It is larger than a WAL that
/// restarts at `WAL_RESTART_FRAMES` ever gets, so that under load the file is reused, never
/// truncated: truncating hundreds of megabytes stalled the commit that did it, and appends that
/// grow the file make every fsync commit file-system metadata as well.
const WAL_SIZE_LIMIT: i64 = 1536 << 20;

/// SQLite: copies committed pages from the WAL into the database file, off the writer thread.
/// `PASSIVE` never blocks the writer or readers.
///
/// SQLite starts the WAL over (writes from its beginning again) only when a write transaction
/// begins while every frame is already copied, which under a steady stream of commits never
/// happens: the WAL grows, and every page lookup searches it longer. So once a pass has copied
/// everything and the WAL is longer than `WAL_RESTART_FRAMES`, it asks the writer
/// (`restart`): between two batches the writer runs a `PASSIVE` checkpoint itself, which
/// copies only the few frames committed since this pass (a few milliseconds), and its next
/// transaction restarts the WAL. Only if readers keep it from restarting until it is past
/// `WAL_TRUNCATE_FRAMES` does a `TRUNCATE` checkpoint (allowed to wait 100 ms for the writer
/// and readers) cut it back.
fn checkpoint_loop(
    mut db: Box<dyn Db>,
    alive: std::sync::mpsc::Receiver<()>,
    restart: Arc<AtomicBool>,
) {
    use std::sync::mpsc::RecvTimeoutError;
    loop {
        match alive.recv_timeout(CHECKPOINT_EVERY) {
            Err(RecvTimeoutError::Disconnected) => break,
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
        }
        let started = std::time::Instant::now();
        let (log, copied) = match passive_checkpoint(db.as_mut()) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "WAL checkpoint failed");
                continue;
            }
        };
        tracing::debug!(
            frames = log,
            copied,
            took_us = started.elapsed().as_micros() as u64,
            "checkpoint"
        );
        if log > WAL_RESTART_FRAMES && copied == log {
            // Pass again straight away until a pass finds little new (each one copies what was
            // committed during the one before): the writer's own pass then has only a few
            // milliseconds of frames left to copy.
            let mut prev = log;
            for _ in 0..5 {
                match passive_checkpoint(db.as_mut()) {
                    Ok((log, copied)) if log == copied && log >= prev => {
                        if log - prev < RESTART_SLACK_FRAMES {
                            restart.store(true, Ordering::Release);
                            break;
                        }
                        prev = log;
                    }
                    _ => break,
                }
            }
        }
        if log > WAL_TRUNCATE_FRAMES {
            let truncated = db
                .query_one("PRAGMA busy_timeout = 100", params![])
                .and_then(|_| db.query_one("PRAGMA wal_checkpoint(TRUNCATE)", params![]))
                .and_then(|r| r.int(0));
            let _ = db.query_one("PRAGMA busy_timeout = 10000", params![]);
            match truncated {
                Ok(0) => tracing::debug!(frames = log, "WAL truncated"),
                Ok(_) => tracing::debug!(frames = log, "WAL truncation busy; later"),
                Err(e) => tracing::warn!(error = %e, "WAL truncation failed"),
            }
        }
    }
    tracing::debug!("checkpointer stopped");
}

/// `PRAGMA wal_checkpoint(PASSIVE)`: (frames in the WAL, frames copied into the database).
fn passive_checkpoint(db: &mut dyn Db) -> Result<(i64, i64), DbError> {
    let r = db.query_one("PRAGMA wal_checkpoint(PASSIVE)", params![])?;
    Ok((r.int(1)?, r.int(2)?))
}

/// The writer's part of starting the WAL over (see `checkpoint_loop`): between batches, copy
/// what was committed since the checkpointer's pass, so that the next transaction restarts it.
fn restart_wal(db: &mut dyn Db) {
    let started = std::time::Instant::now();
    match passive_checkpoint(db) {
        Ok((log, copied)) => tracing::debug!(
            frames = log,
            copied,
            took_us = started.elapsed().as_micros() as u64,
            "WAL caught up for a restart"
        ),
        Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
    }
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
