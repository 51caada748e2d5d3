//! One synchronous SQL interface over two backends: SQLite (rusqlite) and PostgreSQL (postgres).
//!
//! Queries are written once, in the dialect both share, with `$1, $2…` placeholders (rewritten to
//! SQLite's `?1, ?2…`). Values are a small closed set: integers (also booleans, as 0/1), text,
//! bytes and NULL. Only the schema (see `migrations`) differs per backend.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A unique constraint refused the write.
    #[error("unique constraint: {0}")]
    Unique(String),
    /// A deadlock, serialization failure or busy database: the same work may succeed again.
    #[error("retryable: {0}")]
    Retryable(String),
    /// A column did not hold what the code expected.
    #[error("decode: {0}")]
    Decode(String),
    #[error("database: {0}")]
    Other(String),
}

pub type DbResult<T> = Result<T, DbError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(i64::from(v))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}
impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value::Blob(v.to_vec())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

macro_rules! id_values {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::Int(v.0)
            }
        }
    )*};
}
use okno_proto::*;
id_values!(
    UserId,
    SessionId,
    CompanyId,
    LineId,
    ConnectionId,
    ChatId,
    MessageId,
    TicketId,
    FileId,
    ArticleId
);

/// Builds a `&[Value]` parameter list.
#[macro_export]
macro_rules! params {
    () => { &[] as &[$crate::db::Value] };
    ($($v:expr),+ $(,)?) => { &[$($crate::db::Value::from($v)),+] as &[$crate::db::Value] };
}

/// One result row.
#[derive(Debug, Clone)]
pub struct Row(Vec<Value>);

impl Row {
    fn get(&self, i: usize) -> DbResult<&Value> {
        self.0
            .get(i)
            .ok_or_else(|| DbError::Decode(format!("no column {i}")))
    }
    pub fn int(&self, i: usize) -> DbResult<i64> {
        match self.get(i)? {
            Value::Int(v) => Ok(*v),
            other => Err(DbError::Decode(format!(
                "column {i}: want integer, got {other:?}"
            ))),
        }
    }
    pub fn opt_int(&self, i: usize) -> DbResult<Option<i64>> {
        match self.get(i)? {
            Value::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }
    pub fn bool(&self, i: usize) -> DbResult<bool> {
        self.int(i).map(|v| v != 0)
    }
    pub fn text(&self, i: usize) -> DbResult<String> {
        match self.get(i)? {
            Value::Text(v) => Ok(v.clone()),
            other => Err(DbError::Decode(format!(
                "column {i}: want text, got {other:?}"
            ))),
        }
    }
    pub fn opt_text(&self, i: usize) -> DbResult<Option<String>> {
        match self.get(i)? {
            Value::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }
    pub fn blob(&self, i: usize) -> DbResult<Vec<u8>> {
        match self.get(i)? {
            Value::Blob(v) => Ok(v.clone()),
            other => Err(DbError::Decode(format!(
                "column {i}: want bytes, got {other:?}"
            ))),
        }
    }
}

/// A connection, inside or outside a transaction.
pub trait Db: Send {
    fn backend(&self) -> Backend;
    /// Runs a statement; returns the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> DbResult<u64>;
    fn query(&mut self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>>;
    /// Runs several statements without parameters (schema, transaction control).
    fn batch(&mut self, sql: &str) -> DbResult<()>;
}

impl dyn Db + '_ {
    pub fn query_opt(&mut self, sql: &str, params: &[Value]) -> DbResult<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
    /// The first row, which must exist.
    pub fn query_one(&mut self, sql: &str, params: &[Value]) -> DbResult<Row> {
        self.query_opt(sql, params)?
            .ok_or_else(|| DbError::Other("query returned no row".into()))
    }
    pub fn begin(&mut self) -> DbResult<()> {
        match self.backend() {
            Backend::Sqlite => self.batch("BEGIN IMMEDIATE"),
            Backend::Postgres => self.batch("BEGIN"),
        }
    }
}

// ------------------------------------------------------------------------------------ SQLite

pub struct SqliteDb {
    conn: rusqlite::Connection,
}

/// `synchronous` for the writer: FULL makes every commit durable (fsync) before it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Full,
    Normal,
}

impl SqliteDb {
    pub fn open(path: &Path, read_only: bool, durability: Durability) -> DbResult<Self> {
        let conn = rusqlite::Connection::open(path).map_err(sqlite_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sqlite_err)?;
        let sync = match durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        // Savepoint sub-journals (one per write job) stay in memory; a 64 MiB page cache keeps
        // the hot indexes from being spilled and re-read under load.
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {sync}; PRAGMA foreign_keys = ON; \
             PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;"
        ))
        .map_err(sqlite_err)?;
        if read_only {
            conn.execute_batch("PRAGMA query_only = ON;")
                .map_err(sqlite_err)?;
        }
        conn.set_prepared_statement_cache_capacity(128);
        Ok(Self { conn })
    }
}

/// `$1` → `?1`: SQLite's numbered parameters.
fn sqlite_sql(sql: &str) -> Cow<'_, str> {
    if sql.contains('$') {
        Cow::Owned(sql.replace('$', "?"))
    } else {
        Cow::Borrowed(sql)
    }
}

fn sqlite_err(e: rusqlite::Error) -> DbError {
    use rusqlite::ErrorCode;
    if let rusqlite::Error::SqliteFailure(f, ref msg) = e {
        let text = msg.clone().unwrap_or_else(|| f.to_string());
        match f.code {
            ErrorCode::ConstraintViolation
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                return DbError::Unique(text)
            }
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => return DbError::Retryable(text),
            _ => {}
        }
    }
    DbError::Other(e.to_string())
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(v) => ValueRef::Integer(*v),
            Value::Text(v) => ValueRef::Text(v.as_bytes()),
            Value::Blob(v) => ValueRef::Blob(v),
        }))
    }
}

impl Db for SqliteDb {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> DbResult<u64> {
        let mut stmt = self
            .conn
            .prepare_cached(&sqlite_sql(sql))
            .map_err(sqlite_err)?;
        let n = stmt
            .execute(rusqlite::params_from_iter(params))
            .map_err(sqlite_err)?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>> {
        use rusqlite::types::ValueRef;
        let mut stmt = self
            .conn
            .prepare_cached(&sqlite_sql(sql))
            .map_err(sqlite_err)?;
        let cols = stmt.column_count();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .map_err(sqlite_err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(sqlite_err)? {
            let mut values = Vec::with_capacity(cols);
            for i in 0..cols {
                values.push(match row.get_ref(i).map_err(sqlite_err)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Int(v as i64),
                    ValueRef::Text(v) => Value::Text(String::from_utf8_lossy(v).into_owned()),
                    ValueRef::Blob(v) => Value::Blob(v.to_vec()),
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> DbResult<()> {
        self.conn.execute_batch(sql).map_err(sqlite_err)
    }
}

// ---------------------------------------------------------------------------------- Postgres

pub struct PgDb {
    /// Always `Some` until dropped.
    client: Option<postgres::Client>,
    statements: HashMap<String, postgres::Statement>,
}

impl Drop for PgDb {
    fn drop(&mut self) {
        // The blocking client shuts down its own runtime when dropped, which must not happen on
        // an async worker thread: hand it to a plain thread then.
        if let Some(client) = self.client.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                let _ = std::thread::Builder::new()
                    .name("okno-pg-close".into())
                    .spawn(move || drop(client));
            }
        }
    }
}

impl PgDb {
    /// Connects. Must run outside an async context (a plain or blocking thread).
    pub fn connect(url: &str) -> DbResult<Self> {
        let client = postgres::Client::connect(url, postgres::NoTls).map_err(pg_err)?;
        Ok(Self {
            client: Some(client),
            statements: HashMap::new(),
        })
    }

    fn statement(&mut self, sql: &str) -> DbResult<postgres::Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client()?.prepare(sql).map_err(pg_err)?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    pub fn client(&mut self) -> DbResult<&mut postgres::Client> {
        self.client
            .as_mut()
            .ok_or_else(|| DbError::Other("the connection is closed".into()))
    }
}

fn pg_err(e: postgres::Error) -> DbError {
    use postgres::error::SqlState;
    match e.code() {
        Some(c) if *c == SqlState::UNIQUE_VIOLATION => DbError::Unique(e.to_string()),
        Some(c)
            if *c == SqlState::T_R_DEADLOCK_DETECTED
                || *c == SqlState::T_R_SERIALIZATION_FAILURE =>
        {
            DbError::Retryable(e.to_string())
        }
        _ => DbError::Other(match e.as_db_error() {
            Some(db) => format!("{}: {}", db.code().code(), db.message()),
            None => e.to_string(),
        }),
    }
}

impl postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match self {
            Value::Null => Ok(postgres::types::IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Value::Text(v) => v.to_sql(ty, out),
            Value::Blob(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn pg_row(row: &postgres::Row) -> DbResult<Row> {
    use postgres::types::Type;
    let mut values = Vec::with_capacity(row.len());
    for (i, col) in row.columns().iter().enumerate() {
        let dec = |e: postgres::Error| DbError::Decode(e.to_string());
        let v = match *col.type_() {
            Type::INT8 => row
                .try_get::<_, Option<i64>>(i)
                .map_err(dec)?
                .map(Value::Int),
            Type::INT4 => row
                .try_get::<_, Option<i32>>(i)
                .map_err(dec)?
                .map(|v| Value::Int(v.into())),
            Type::INT2 => row
                .try_get::<_, Option<i16>>(i)
                .map_err(dec)?
                .map(|v| Value::Int(v.into())),
            Type::BOOL => row
                .try_get::<_, Option<bool>>(i)
                .map_err(dec)?
                .map(|v| Value::Int(v.into())),
            Type::BYTEA => row
                .try_get::<_, Option<Vec<u8>>>(i)
                .map_err(dec)?
                .map(Value::Blob),
            Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR => row
                .try_get::<_, Option<String>>(i)
                .map_err(dec)?
                .map(Value::Text),
            ref other => return Err(DbError::Decode(format!("unsupported column type {other}"))),
        };
        values.push(v.unwrap_or(Value::Null));
    }
    Ok(Row(values))
}

impl Db for PgDb {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> DbResult<u64> {
        let stmt = self.statement(sql)?;
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params
            .iter()
            .map(|p| p as &(dyn postgres::types::ToSql + Sync))
            .collect();
        self.client()?.execute(&stmt, &refs).map_err(pg_err)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>> {
        let stmt = self.statement(sql)?;
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params
            .iter()
            .map(|p| p as &(dyn postgres::types::ToSql + Sync))
            .collect();
        let rows = self.client()?.query(&stmt, &refs).map_err(pg_err)?;
        rows.iter().map(pg_row).collect()
    }

    fn batch(&mut self, sql: &str) -> DbResult<()> {
        self.client()?.batch_execute(sql).map_err(pg_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_sqlite_numbered_parameters() {
        assert_eq!(sqlite_sql("a = $1 AND b = $12"), "a = ?1 AND b = ?12");
        assert_eq!(sqlite_sql("SELECT 1"), "SELECT 1");
    }

    #[test]
    fn sqlite_round_trips_every_value_kind() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = SqliteDb::open(&dir.path().join("t.db"), false, Durability::Full).unwrap();
        let db: &mut dyn Db = &mut db;
        db.batch("CREATE TABLE t (i INTEGER, s TEXT, b BLOB, n TEXT) STRICT")
            .unwrap();
        db.execute(
            "INSERT INTO t VALUES ($1, $2, $3, $4)",
            params![42i64, "привет", vec![1u8, 2], None::<String>],
        )
        .unwrap();
        let row = db.query_one("SELECT i, s, b, n FROM t", params![]).unwrap();
        assert_eq!(row.int(0).unwrap(), 42);
        assert_eq!(row.text(1).unwrap(), "привет");
        assert_eq!(row.blob(2).unwrap(), vec![1, 2]);
        assert_eq!(row.opt_text(3).unwrap(), None);
        assert!(
            row.text(0).is_err(),
            "type mismatches are errors, not panics"
        );
        db.batch("CREATE UNIQUE INDEX t_i ON t(i)").unwrap();
        let dup = db.execute("INSERT INTO t (i) VALUES ($1)", params![42i64]);
        assert!(matches!(dup, Err(DbError::Unique(_))));
    }
}
