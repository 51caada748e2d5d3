//! The local cache: everything the user has seen, readable offline, and the outbox.
//!
//! One SQLite file (WAL, `synchronous=FULL` so an outbox entry is on disk before it shows),
//! numbered migrations, `STRICT` tables. Views are stored as their JSON wire form next to the
//! columns that queries need. Every batch of sync events is applied in one transaction.

use crate::error::{CoreError, CoreResult};
use okno_proto::*;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;
use uuid::Uuid;

/// Schema steps; append only. Each is tested from every earlier version (see tests).
pub const MIGRATIONS: &[&str] = &[
    // 1: base tables.
    r#"
CREATE TABLE account (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    server_url TEXT NOT NULL,
    me TEXT NOT NULL,
    cursor INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE lines (id INTEGER PRIMARY KEY, data TEXT NOT NULL) STRICT;
CREATE TABLE connections (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL,
    state TEXT NOT NULL,
    chat_id INTEGER,
    data TEXT NOT NULL
) STRICT;
CREATE TABLE chats (
    id INTEGER PRIMARY KEY,
    line_id INTEGER,
    user_id INTEGER,
    last_seq INTEGER NOT NULL DEFAULT 0,
    last_message_at INTEGER,
    read_seq INTEGER NOT NULL DEFAULT 0,
    unread INTEGER NOT NULL DEFAULT 0,
    open_ticket_id INTEGER,
    muted INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    sender_id INTEGER,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (chat_id, seq)
) STRICT;
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    state TEXT NOT NULL,
    data TEXT NOT NULL
) STRICT;
CREATE TABLE service_requests (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    state TEXT NOT NULL,
    data TEXT NOT NULL
) STRICT;
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER,
    data TEXT NOT NULL,
    local_path TEXT
) STRICT;
CREATE INDEX files_chat ON files(chat_id);
CREATE TABLE outbox (
    client_msg_id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    chat_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    state TEXT NOT NULL,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE outbox_files (
    client_msg_id TEXT NOT NULL REFERENCES outbox(client_msg_id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    file_id INTEGER,
    PRIMARY KEY (client_msg_id, idx)
) STRICT;
"#,
    // 2: full-text search over messages, Russian and English (unicode61 folds case in both).
    r#"
CREATE VIRTUAL TABLE messages_fts USING fts5(
    text, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_au AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
"#,
    // 3: faster indexing and short-prefix search. The insert trigger ran each message under a
    // statement savepoint, which made FTS5 flush a tiny segment per message: the cache now
    // indexes new messages itself. Prefix indexes make one- to three-letter prefixes cheap.
    r#"
DROP TRIGGER messages_ai;
DROP TRIGGER messages_ad;
DROP TRIGGER messages_au;
DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5(
    text, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2',
    prefix='1 2 3'
);
CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_au AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
"#,
    // 4: the signed-in employee's own agent records (presence, load, competences), one per
    // company, so the notification policy knows which queues are theirs; and, per ticket, the
    // queue entry already announced (a summary read from the server may bring a queued ticket
    // before its event does: the entry is announced once all the same).
    r#"
CREATE TABLE agents (company_id INTEGER PRIMARY KEY, data TEXT NOT NULL) STRICT;
ALTER TABLE tickets ADD COLUMN announced_queued_at INTEGER;
"#,
    // 5: the index holds only messages with text (`insert_message`), so its triggers must not
    // ask it to forget one without: FTS5 then reports the database malformed, and deleting a
    // file-only message or a notice without text failed (sign-out among others).
    r#"
DROP TRIGGER messages_ad;
DROP TRIGGER messages_au;
CREATE TRIGGER messages_ad AFTER DELETE ON messages WHEN old.text <> '' BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_au AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text)
        SELECT 'delete', old.id, old.text WHERE old.text <> '';
    INSERT INTO messages_fts (rowid, text) SELECT new.id, new.text WHERE new.text <> '';
END;
"#,
    // 6: file names are searchable too. `names` holds a message's file names (", " between
    // them); the index has it as a second column and, as before, holds only the messages with
    // something in either column (`insert_message`), so it is filled that way, not rebuilt.
    r#"
ALTER TABLE messages ADD COLUMN names TEXT NOT NULL DEFAULT '';
UPDATE messages SET names = (
    SELECT group_concat(f.value ->> '$.name', ', ') FROM json_each(messages.data, '$.files') f
) WHERE kind = 'file' AND json_array_length(data, '$.files') > 0;
DROP TRIGGER messages_ad;
DROP TRIGGER messages_au;
DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5(
    text, names, content='messages', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
);
INSERT INTO messages_fts (rowid, text, names)
    SELECT id, text, names FROM messages WHERE text <> '' OR names <> '';
CREATE TRIGGER messages_ad AFTER DELETE ON messages WHEN old.text <> '' OR old.names <> '' BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text, names)
        VALUES ('delete', old.id, old.text, old.names);
END;
CREATE TRIGGER messages_au AFTER UPDATE OF text, names ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text, names)
        SELECT 'delete', old.id, old.text, old.names WHERE old.text <> '' OR old.names <> '';
    INSERT INTO messages_fts (rowid, text, names)
        SELECT new.id, new.text, new.names WHERE new.text <> '' OR new.names <> '';
END;
"#,
    // 7: drafts, kept across restarts (`files`: a JSON array of {path, name}).
    r#"
CREATE TABLE drafts (
    chat_id INTEGER PRIMARY KEY,
    text TEXT NOT NULL,
    files TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
"#,
];

/// What a change touched, to tell the UI (ids only).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    pub lines: bool,
    pub chats: BTreeSet<ChatId>,
    pub messages: BTreeSet<ChatId>,
    /// New messages from others: (chat, message).
    pub arrived: Vec<(ChatId, MessageId)>,
    /// Outbox entries delivered (removed) by what arrived.
    pub delivered: Vec<(ChatId, Uuid)>,
    /// Chats whose summary the cache cannot compute alone: fetch it from the server.
    pub stale_chats: BTreeSet<ChatId>,
    /// Tickets that changed: (ticket, chat).
    pub tickets: Vec<(TicketId, ChatId)>,
    /// Tickets that entered the queue of a line the signed-in employee serves.
    pub queued: Vec<(TicketId, ChatId)>,
    /// The signed-in employee's own agent record changed.
    pub agent: bool,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        *self == Changes::default()
    }
}

#[derive(Debug, Clone)]
pub struct Account {
    pub server_url: String,
    pub me: Me,
    pub cursor: i64,
}

/// An outbox entry as the worker sees it.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub client_msg_id: Uuid,
    pub chat_id: ChatId,
    pub text: String,
    pub files: Vec<OutboxFile>,
    pub attempts: i64,
}

#[derive(Debug, Clone)]
pub struct OutboxFile {
    pub idx: i64,
    pub path: String,
    pub name: String,
    pub size: i64,
    pub file_id: Option<FileId>,
}

pub struct Cache {
    conn: Mutex<Connection>,
}

fn json<T: serde::Serialize>(v: &T) -> CoreResult<String> {
    serde_json::to_string(v).map_err(|e| CoreError::Cache(e.to_string()))
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> CoreResult<T> {
    serde_json::from_str(s).map_err(|e| CoreError::Cache(format!("corrupt cache row: {e}")))
}

fn state_str(s: ConnectionState) -> &'static str {
    match s {
        ConnectionState::Pending => "pending",
        ConnectionState::Active => "active",
        ConnectionState::Rejected => "rejected",
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Brings a connection's schema to the newest version.
pub fn migrate(conn: &mut Connection) -> CoreResult<()> {
    migrate_to(conn, MIGRATIONS.len())
}

/// Applies migrations up to `target` (tests build every older version with it).
pub fn migrate_to(conn: &mut Connection, target: usize) -> CoreResult<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let have = usize::try_from(version).map_err(|e| CoreError::Cache(e.to_string()))?;
    if have > MIGRATIONS.len() {
        return Err(CoreError::Cache(format!(
            "the cache was written by a newer Okno (schema {have}, this one knows {})",
            MIGRATIONS.len()
        )));
    }
    for (i, step) in MIGRATIONS.iter().enumerate().take(target).skip(have) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "cache migrated");
    }
    Ok(())
}

impl Cache {
    pub fn open(path: &Path) -> CoreResult<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| CoreError::Cache(e.to_string()))?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )?;
        conn.set_prepared_statement_cache_capacity(64);
        migrate(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> CoreResult<T>) -> CoreResult<T> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| CoreError::Cache("the cache lock is poisoned".into()))?;
        f(&mut conn)
    }

    fn tx<T>(&self, f: impl FnOnce(&Transaction<'_>) -> CoreResult<T>) -> CoreResult<T> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    // ------------------------------------------------------------------ account

    pub fn account(&self) -> CoreResult<Option<Account>> {
        self.with(|c| {
            let row = c
                .query_row(
                    "SELECT server_url, me, cursor FROM account WHERE id = 1",
                    [],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                        ))
                    },
                )
                .optional()?;
            row.map(|(server_url, me, cursor)| {
                Ok(Account {
                    server_url,
                    me: parse(&me)?,
                    cursor,
                })
            })
            .transpose()
        })
    }

    pub fn cursor(&self) -> CoreResult<i64> {
        self.with(|c| {
            Ok(
                c.query_row("SELECT cursor FROM account WHERE id = 1", [], |r| r.get(0))
                    .optional()?
                    .unwrap_or(0),
            )
        })
    }

    /// Forgets everything: a different account, or sign-out.
    /// Forgets the account (sign-out): every row; then the search index is merged (`optimize`:
    /// deleted messages' words otherwise stay in its segments as tombstoned entries), the file
    /// rewritten (`VACUUM`) and the write-ahead log emptied, so what was deleted is not left
    /// behind in free pages for whoever uses the computer next.
    pub fn clear(&self) -> CoreResult<()> {
        self.tx(|tx| {
            tx.execute_batch(
                "DELETE FROM account; DELETE FROM lines; DELETE FROM connections; DELETE FROM chats;
                 DELETE FROM messages; DELETE FROM tickets; DELETE FROM service_requests;
                 DELETE FROM files; DELETE FROM outbox_files; DELETE FROM outbox; DELETE FROM agents;
                 DELETE FROM drafts;",
            )?;
            Ok(())
        })?;
        self.with(|c| {
            c.execute_batch(
                "INSERT INTO messages_fts (messages_fts) VALUES ('optimize');
                 VACUUM; PRAGMA wal_checkpoint(TRUNCATE);",
            )?;
            Ok(())
        })
    }

    /// Keeps a chat's draft; an empty one (blank text, no files) is removed.
    pub fn set_draft(&self, draft: &Draft) -> CoreResult<()> {
        self.with(|c| {
            if draft.text.trim().is_empty() && draft.files.is_empty() {
                c.execute("DELETE FROM drafts WHERE chat_id = ?1", [draft.chat_id.0])?;
            } else {
                c.execute(
                    "INSERT INTO drafts (chat_id, text, files, updated_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (chat_id) DO UPDATE SET text = ?2, files = ?3, updated_at = ?4",
                    params![draft.chat_id.0, draft.text, json(&draft.files)?, now_ms()],
                )?;
            }
            Ok(())
        })
    }

    /// Every kept draft.
    pub fn drafts(&self) -> CoreResult<Vec<Draft>> {
        self.with(|c| {
            let mut stmt = c.prepare("SELECT chat_id, text, files FROM drafts ORDER BY chat_id")?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(chat, text, files)| {
                    Ok(Draft {
                        chat_id: ChatId(chat),
                        text,
                        files: parse(&files)?,
                    })
                })
                .collect()
        })
    }

    /// Replaces the account's state with a server snapshot (sign-in, or a reset). Messages and
    /// the outbox stay: they are still true.
    /// `server_url`: set on sign-in; `None` keeps the stored one (a reset).
    pub fn apply_snapshot(&self, server_url: Option<&str>, snap: &Snapshot) -> CoreResult<Changes> {
        let mut ch = Changes {
            lines: true,
            ..Changes::default()
        };
        self.tx(|tx| {
            let same_user = tx
                .query_row("SELECT me FROM account WHERE id = 1", [], |r| r.get::<_, String>(0))
                .optional()?
                .map(|me| parse::<Me>(&me).map(|m| m.id == snap.me.id))
                .transpose()?
                .unwrap_or(false);
            if !same_user {
                tx.execute_batch(
                    "DELETE FROM messages; DELETE FROM files; DELETE FROM outbox_files; DELETE FROM outbox;
                     DELETE FROM drafts;",
                )?;
            }
            tx.execute(
                "INSERT INTO account (id, server_url, me, cursor) VALUES (1, COALESCE(?1, ''), ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET server_url = COALESCE(?1, server_url), me = ?2, cursor = ?3",
                params![server_url, json(&snap.me)?, snap.cursor],
            )?;
            tx.execute_batch("DELETE FROM connections; DELETE FROM lines;")?;
            for c in &snap.connections {
                upsert_connection(tx, c)?;
            }
            let keep: Vec<i64> = snap.chats.iter().map(|c| c.id.0).collect();
            for s in &snap.chats {
                if upsert_summary(tx, s)? {
                    ch.messages.insert(s.id);
                }
                ch.chats.insert(s.id);
            }
            // Chats of lines no longer connected are dropped (their messages stay for search).
            let mut stmt = tx.prepare("SELECT id FROM chats")?;
            let existing: Vec<i64> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
            for id in existing.into_iter().filter(|id| !keep.contains(id)) {
                if snap.me.memberships.is_empty() {
                    tx.execute("DELETE FROM chats WHERE id = ?1", [id])?;
                }
            }
            Ok(())
        })?;
        Ok(ch)
    }

    // ------------------------------------------------------------------ events

    /// Applies a batch of the user's stream in one transaction. Events at or below the cursor
    /// are skipped (duplicates); the batch must continue the cursor without a gap.
    pub fn apply_events(&self, events: &[Event]) -> CoreResult<Changes> {
        let mut ch = Changes::default();
        self.tx(|tx| {
            let (cursor, me): (i64, String) =
                tx.query_row("SELECT cursor, me FROM account WHERE id = 1", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            let me: Me = parse(&me)?;
            let mut cursor = cursor;
            for e in events {
                if e.seq <= cursor {
                    continue;
                }
                if e.seq != cursor + 1 {
                    return Err(CoreError::Gap {
                        expected: cursor + 1,
                        got: e.seq,
                    });
                }
                apply_event(tx, me.id, &e.body, &mut ch)?;
                cursor = e.seq;
            }
            tx.execute("UPDATE account SET cursor = ?1 WHERE id = 1", [cursor])?;
            Ok(())
        })?;
        Ok(ch)
    }

    /// Stores a page of history fetched from the server.
    pub fn store_messages(&self, messages: &[Message]) -> CoreResult<Changes> {
        let mut ch = Changes::default();
        self.tx(|tx| {
            for m in messages {
                insert_message(tx, m)?;
                ch.messages.insert(m.chat_id);
            }
            Ok(())
        })?;
        Ok(ch)
    }

    /// Stores a ticket the server answered with (the stream brings the same change later).
    pub fn store_ticket(&self, t: &Ticket) -> CoreResult<()> {
        self.tx(|tx| {
            upsert_ticket(tx, t)?;
            set_open_ticket(tx, t)
        })
    }

    pub fn store_service_request(&self, r: &ServiceRequest) -> CoreResult<()> {
        self.tx(|tx| upsert_service_request(tx, r))
    }

    pub fn set_chat_summary(&self, s: &ChatSummary) -> CoreResult<()> {
        self.tx(|tx| upsert_summary(tx, s).map(|_| ()))
    }

    // ------------------------------------------------------------------ views

    /// The lines list: lines with messages first, newest message first, then the rest by name.
    pub fn line_items(&self) -> CoreResult<Vec<LineItem>> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT cn.id, cn.state, cn.chat_id, l.data, ch.unread, ch.last_message_at, ch.open_ticket_id, ch.muted,
                     (SELECT m.data FROM messages m WHERE m.chat_id = ch.id ORDER BY m.seq DESC LIMIT 1), ch.read_seq
                 FROM connections cn JOIN lines l ON l.id = cn.line_id
                 LEFT JOIN chats ch ON ch.id = cn.chat_id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                    r.get::<_, Option<i64>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, Option<i64>>(9)?,
                ))
            })?;
            // The newest unacknowledged send of each chat (the outbox is short: what is still
            // on its way, or failed).
            let mut pending: std::collections::HashMap<ChatId, OutboxItem> = outbox_items(c, None)?
                .into_iter()
                .map(|o| (o.chat_id, o))
                .collect();
            let mut items = Vec::new();
            for row in rows {
                let (id, state, chat, line, unread, last, ticket, muted, newest, read) = row?;
                let state = match state.as_str() {
                    "active" => ConnectionState::Active,
                    "pending" => ConnectionState::Pending,
                    _ => ConnectionState::Rejected,
                };
                items.push(LineItem {
                    line: parse(&line)?,
                    connection_id: ConnectionId(id),
                    state,
                    chat_id: chat.map(ChatId),
                    unread: unread.unwrap_or(0),
                    read_seq: read.unwrap_or(0),
                    last_message_at: last,
                    last_message: newest.as_deref().map(parse).transpose()?,
                    pending: chat.and_then(|c| pending.remove(&ChatId(c))),
                    open_ticket: ticket.is_some(),
                    muted: muted.unwrap_or(0) != 0,
                });
            }
            sort_line_items(&mut items);
            Ok(items)
        })
    }

    pub fn chat_summary(&self, chat: ChatId) -> CoreResult<Option<(i64, i64, i64, bool)>> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT last_seq, read_seq, unread, muted FROM chats WHERE id = ?1",
                [chat.0],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? != 0)),
            )
            .optional()?)
        })
    }

    /// Up to `limit` messages before chat position `before` (the newest without it), plus the
    /// chat's pending sends.
    pub fn chat_page(&self, chat: ChatId, before: Option<i64>, limit: i64) -> CoreResult<ChatPage> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT data, seq FROM messages WHERE chat_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
            )?;
            let rows: Vec<(String, i64)> = stmt
                .query_map(params![chat.0, before.unwrap_or(i64::MAX), limit], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect::<Result<_, _>>()?;
            let mut messages = rows
                .iter()
                .map(|(d, _)| parse::<Message>(d))
                .collect::<CoreResult<Vec<_>>>()?;
            messages.reverse();
            let lowest = messages.first().map(|m| m.seq);
            let last_seq: i64 = c
                .query_row("SELECT last_seq FROM chats WHERE id = ?1", [chat.0], |r| r.get(0))
                .optional()?
                .unwrap_or(0);
            let has_older = match lowest {
                Some(s) => s > 1,
                None => before.map_or(last_seq > 0, |b| b > 1 && last_seq > 0),
            };
            let pending = outbox_items(c, Some(chat))?;
            Ok(ChatPage {
                messages,
                pending,
                has_older,
            })
        })
    }

    /// Whether the cache holds every message of the chat in `[from, to]`.
    pub fn has_range(&self, chat: ChatId, from: i64, to: i64) -> CoreResult<bool> {
        if to < from {
            return Ok(true);
        }
        self.with(|c| {
            let n: i64 = c.query_row(
                "SELECT COUNT(*) FROM messages WHERE chat_id = ?1 AND seq BETWEEN ?2 AND ?3",
                params![chat.0, from, to],
                |r| r.get(0),
            )?;
            Ok(n == to - from + 1)
        })
    }

    pub fn last_seq(&self, chat: ChatId) -> CoreResult<i64> {
        Ok(self.chat_summary(chat)?.map_or(0, |s| s.0))
    }

    /// Full-text search over cached messages, newest first.
    pub fn search(&self, query: &str, limit: i64) -> CoreResult<Vec<SearchHit>> {
        let Some(q) = fts_query(query) else {
            return Ok(vec![]);
        };
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT m.data, COALESCE(ch.line_id, 0), snippet(messages_fts, -1, char(2), char(3), '…', 12)
                 FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
                 LEFT JOIN chats ch ON ch.id = m.chat_id
                 WHERE messages_fts MATCH ?1 ORDER BY messages_fts.rowid DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![q, limit], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            rows.map(|row| {
                let (data, line, snippet) = row?;
                Ok(SearchHit {
                    message: parse(&data)?,
                    line_id: LineId(line),
                    snippet,
                })
            })
            .collect()
        })
    }

    /// The chat's service requests that are still open or in progress, newest first.
    pub fn open_service_requests(&self, chat: ChatId) -> CoreResult<Vec<ServiceRequest>> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT data FROM service_requests WHERE chat_id = ?1 AND state IN ('open', 'in_progress')
                 ORDER BY id DESC",
            )?;
            let rows: Vec<String> = stmt.query_map([chat.0], |r| r.get(0))?.collect::<Result<_, _>>()?;
            rows.iter().map(|d| parse(d)).collect()
        })
    }

    /// Files sent in a chat, newest first (from the cached messages).
    pub fn chat_files(&self, chat: ChatId) -> CoreResult<Vec<FileMeta>> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT data FROM messages WHERE chat_id = ?1 AND kind = 'file' ORDER BY seq DESC LIMIT 500",
            )?;
            let rows: Vec<String> = stmt.query_map([chat.0], |r| r.get(0))?.collect::<Result<_, _>>()?;
            let mut files = Vec::new();
            for d in rows {
                let m: Message = parse(&d)?;
                files.extend(m.files);
            }
            Ok(files)
        })
    }

    pub fn file_meta(&self, file: FileId) -> CoreResult<Option<(FileMeta, Option<String>)>> {
        self.with(|c| {
            c.query_row(
                "SELECT data, local_path FROM files WHERE id = ?1",
                [file.0],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)),
            )
            .optional()?
            .map(|(d, p)| Ok((parse(&d)?, p)))
            .transpose()
        })
    }

    pub fn set_file_path(&self, file: FileId, path: &str) -> CoreResult<()> {
        self.with(|c| {
            c.execute(
                "UPDATE files SET local_path = ?1 WHERE id = ?2",
                params![path, file.0],
            )?;
            Ok(())
        })
    }

    /// Mutes or unmutes a chat; false when the cache has no such chat.
    pub fn set_muted(&self, chat: ChatId, muted: bool) -> CoreResult<bool> {
        self.with(|c| {
            let n = c.execute(
                "UPDATE chats SET muted = ?1 WHERE id = ?2",
                params![muted, chat.0],
            )?;
            Ok(n == 1)
        })
    }

    /// The unread total for the badge over the chats the account follows (its own lines, and
    /// for an employee the tickets assigned to them), muted chats excluded. An employee's cache
    /// holds every chat of their companies; the others do not count.
    pub fn unread_total(&self) -> CoreResult<i64> {
        self.with(|c| {
            Ok(c.query_row(
                &format!("SELECT COALESCE(SUM(ch.unread), 0) FROM chats ch WHERE ch.muted = 0 AND {FOLLOWED}"),
                [],
                |r| r.get(0),
            )?)
        })
    }

    /// Whether the account follows this chat: one of its own lines, or a ticket assigned to it.
    pub fn follows_chat(&self, chat: ChatId) -> CoreResult<bool> {
        self.with(|c| {
            Ok(c.query_row(
                &format!("SELECT 1 FROM chats ch WHERE ch.id = ?1 AND {FOLLOWED}"),
                [chat.0],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
        })
    }

    /// The chat's open ticket, if the cache knows it.
    pub fn open_ticket_of(&self, chat: ChatId) -> CoreResult<Option<Ticket>> {
        self.with(|c| {
            c.query_row(
                "SELECT t.data FROM chats ch JOIN tickets t ON t.id = ch.open_ticket_id WHERE ch.id = ?1",
                [chat.0],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .map(|d| parse(&d))
            .transpose()
        })
    }

    /// A cached ticket.
    pub fn ticket(&self, id: TicketId) -> CoreResult<Option<Ticket>> {
        self.with(|c| {
            c.query_row("SELECT data FROM tickets WHERE id = ?1", [id.0], |r| {
                r.get::<_, String>(0)
            })
            .optional()?
            .map(|d| parse(&d))
            .transpose()
        })
    }

    /// The signed-in employee's agent records, one per company.
    pub fn agents(&self) -> CoreResult<Vec<Agent>> {
        self.with(|c| {
            let mut stmt = c.prepare_cached("SELECT data FROM agents ORDER BY company_id")?;
            let rows: Vec<String> = stmt
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            rows.iter().map(|d| parse(d)).collect()
        })
    }

    /// Replaces the signed-in employee's agent records (read from the server).
    pub fn set_agents(&self, agents: &[Agent]) -> CoreResult<()> {
        self.tx(|tx| {
            tx.execute("DELETE FROM agents", [])?;
            for a in agents {
                store_agent(tx, a)?;
            }
            Ok(())
        })
    }

    // ------------------------------------------------------------------ outbox

    /// Puts a send on disk (a durable commit) before anything shows it.
    pub fn outbox_add(
        &self,
        chat: ChatId,
        id: Uuid,
        text: &str,
        files: &[(String, String, i64)],
    ) -> CoreResult<()> {
        self.tx(|tx| {
            let position: i64 = tx.query_row("SELECT COALESCE(MAX(position), 0) + 1 FROM outbox", [], |r| r.get(0))?;
            tx.execute(
                "INSERT INTO outbox (client_msg_id, position, chat_id, text, state, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'sending', ?5)",
                params![id.to_string(), position, chat.0, text, now_ms()],
            )?;
            for (i, (path, name, size)) in files.iter().enumerate() {
                tx.execute(
                    "INSERT INTO outbox_files (client_msg_id, idx, path, name, size) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id.to_string(), i as i64, path, name, size],
                )?;
            }
            Ok(())
        })
    }

    /// The oldest entry still to deliver.
    pub fn outbox_next(&self) -> CoreResult<Option<OutboxRow>> {
        self.with(|c| {
            let row = c
                .query_row(
                    "SELECT client_msg_id, chat_id, text, attempts FROM outbox WHERE state = 'sending'
                     ORDER BY position LIMIT 1",
                    [],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?)),
                )
                .optional()?;
            let Some((id, chat, text, attempts)) = row else {
                return Ok(None);
            };
            let files = outbox_files(c, &id)?;
            Ok(Some(OutboxRow {
                client_msg_id: id.parse().map_err(|e: uuid::Error| CoreError::Cache(e.to_string()))?,
                chat_id: ChatId(chat),
                text,
                files,
                attempts,
            }))
        })
    }

    pub fn outbox_list(&self, chat: Option<ChatId>) -> CoreResult<Vec<OutboxItem>> {
        self.with(|c| outbox_items(c, chat))
    }

    pub fn outbox_chat(&self, id: Uuid) -> CoreResult<Option<ChatId>> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT chat_id FROM outbox WHERE client_msg_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .map(ChatId))
        })
    }

    pub fn outbox_file_uploaded(&self, id: Uuid, idx: i64, file: &FileMeta) -> CoreResult<()> {
        self.tx(|tx| {
            tx.execute(
                "UPDATE outbox_files SET file_id = ?1 WHERE client_msg_id = ?2 AND idx = ?3",
                params![file.id.0, id.to_string(), idx],
            )?;
            tx.execute(
                "INSERT INTO files (id, data) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET data = ?2",
                params![file.id.0, json(file)?],
            )?;
            Ok(())
        })
    }

    pub fn outbox_attempted(&self, id: Uuid) -> CoreResult<()> {
        self.with(|c| {
            c.execute(
                "UPDATE outbox SET attempts = attempts + 1 WHERE client_msg_id = ?1",
                [id.to_string()],
            )?;
            Ok(())
        })
    }

    /// Marks an entry failed with its error (kept as the wire's `ApiError` JSON).
    pub fn outbox_fail(&self, id: Uuid, error: &ApiError) -> CoreResult<()> {
        let error = json(error)?;
        self.with(|c| {
            c.execute(
                "UPDATE outbox SET state = 'failed', error = ?1 WHERE client_msg_id = ?2",
                params![error, id.to_string()],
            )?;
            Ok(())
        })
    }

    /// A failed entry goes back to sending. Returns false when there is no such entry.
    pub fn outbox_retry(&self, id: Uuid) -> CoreResult<bool> {
        self.with(|c| {
            Ok(c.execute(
                "UPDATE outbox SET state = 'sending', error = NULL, attempts = 0 WHERE client_msg_id = ?1",
                [id.to_string()],
            )? > 0)
        })
    }

    /// Removes an entry (cancel, or delivered). Returns false when there was none.
    pub fn outbox_remove(&self, id: Uuid) -> CoreResult<bool> {
        self.with(|c| {
            Ok(c.execute(
                "DELETE FROM outbox WHERE client_msg_id = ?1",
                [id.to_string()],
            )? > 0)
        })
    }

    /// Stores the server's message for a delivered send and drops the outbox entry, in one step.
    pub fn outbox_delivered(&self, id: Uuid, message: &Message) -> CoreResult<Changes> {
        let mut ch = Changes::default();
        self.tx(|tx| {
            insert_message(tx, message)?;
            tx.execute(
                "DELETE FROM outbox WHERE client_msg_id = ?1",
                [id.to_string()],
            )?;
            ch.messages.insert(message.chat_id);
            ch.delivered.push((message.chat_id, id));
            Ok(())
        })?;
        Ok(ch)
    }
}

/// The chats an account follows (`ch` is the chat): its own lines' chats, and chats whose open
/// ticket is assigned to the signed-in account.
const FOLLOWED: &str = "(EXISTS (SELECT 1 FROM connections cn WHERE cn.chat_id = ch.id)
     OR EXISTS (SELECT 1 FROM tickets t, account a WHERE t.id = ch.open_ticket_id
                AND json_extract(t.data, '$.assignee_id') = json_extract(a.me, '$.id')))";

/// The lines list order: lines with messages first, newest message first (a message still on
/// its way counts from when it was written), then the rest by name.
pub fn sort_line_items(items: &mut [LineItem]) {
    let active = |i: &LineItem| {
        let sent = i.pending.as_ref().map(|p| p.created_at);
        i.last_message_at.max(sent)
    };
    items.sort_by(|a, b| match (active(a), active(b)) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.line.name.to_lowercase().cmp(&b.line.name.to_lowercase()),
    });
}

/// Turns what the user typed into an FTS5 query: every word must appear, as a word or the start
/// of one (so "принтер" finds "принтера", "print" finds "printer").
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(|w| format!("\"{}\"*", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

fn outbox_files(c: &Connection, id: &str) -> CoreResult<Vec<OutboxFile>> {
    let mut stmt = c.prepare_cached(
        "SELECT idx, path, name, size, file_id FROM outbox_files WHERE client_msg_id = ?1 ORDER BY idx",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(OutboxFile {
            idx: r.get(0)?,
            path: r.get(1)?,
            name: r.get(2)?,
            size: r.get(3)?,
            file_id: r.get::<_, Option<i64>>(4)?.map(FileId),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn outbox_items(c: &Connection, chat: Option<ChatId>) -> CoreResult<Vec<OutboxItem>> {
    let mut stmt = c.prepare_cached(
        "SELECT client_msg_id, chat_id, text, state, error, created_at FROM outbox
         WHERE ?1 IS NULL OR chat_id = ?1 ORDER BY position",
    )?;
    let rows: Vec<(String, i64, String, String, Option<String>, i64)> = stmt
        .query_map([chat.map(|c| c.0)], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(id, chat, text, state, error, created_at)| {
            let files = outbox_files(c, &id)?
                .into_iter()
                .map(|f| PendingFile {
                    name: f.name,
                    size: f.size,
                    file_id: f.file_id,
                })
                .collect();
            Ok(OutboxItem {
                client_msg_id: id
                    .parse()
                    .map_err(|e: uuid::Error| CoreError::Cache(e.to_string()))?,
                chat_id: ChatId(chat),
                text,
                files,
                state: if state == "failed" {
                    OutboxState::Failed
                } else {
                    OutboxState::Sending
                },
                // A cache from before errors were kept whole holds the English text alone.
                error: error.map(|e| {
                    serde_json::from_str::<ApiError>(&e)
                        .unwrap_or_else(|_| ApiError::new("failed", e))
                }),
                created_at,
            })
        })
        .collect()
}

/// `execute` through the statement cache: the hot paths run the same statements thousands of
/// times per catch-up.
fn exec(tx: &Transaction<'_>, sql: &str, p: impl rusqlite::Params) -> rusqlite::Result<usize> {
    tx.prepare_cached(sql)?.execute(p)
}

fn row<T>(
    tx: &Transaction<'_>,
    sql: &str,
    p: impl rusqlite::Params,
    f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    tx.prepare_cached(sql)?.query_row(p, f)
}

fn upsert_line(tx: &Transaction<'_>, line: &Line) -> CoreResult<()> {
    exec(
        tx,
        "INSERT INTO lines (id, data) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET data = ?2",
        params![line.id.0, json(line)?],
    )?;
    Ok(())
}

fn upsert_connection(tx: &Transaction<'_>, c: &Connection_) -> CoreResult<()> {
    upsert_line(tx, &c.line)?;
    exec(
        tx,
        "INSERT INTO connections (id, line_id, state, chat_id, data) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET line_id = ?2, state = ?3, chat_id = ?4, data = ?5",
        params![
            c.id.0,
            c.line.id.0,
            state_str(c.state),
            c.chat_id.map(|c| c.0),
            json(c)?
        ],
    )?;
    if let Some(chat) = c.chat_id {
        exec(
            tx,
            "INSERT INTO chats (id, line_id, user_id) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET line_id = ?2, user_id = ?3",
            params![chat.0, c.line.id.0, c.user_id.0],
        )?;
    }
    Ok(())
}

/// `okno_proto::Connection`, named apart from rusqlite's.
type Connection_ = okno_proto::Connection;

/// Stores a chat's summary and its newest message. True when that message was new to the cache
/// or changed (an open chat then re-reads its page).
fn upsert_summary(tx: &Transaction<'_>, s: &ChatSummary) -> CoreResult<bool> {
    exec(tx,
        "INSERT INTO chats (id, line_id, user_id, last_seq, last_message_at, read_seq, unread, open_ticket_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET line_id = ?2, user_id = ?3, last_seq = MAX(last_seq, ?4),
             last_message_at = ?5, read_seq = MAX(read_seq, ?6), unread = ?7, open_ticket_id = ?8",
        params![
            s.id.0,
            s.line_id.0,
            s.user_id.0,
            s.last_seq,
            s.last_message_at,
            s.read_seq,
            s.unread,
            s.open_ticket.as_ref().map(|t| t.id.0)
        ],
    )?;
    if let Some(t) = &s.open_ticket {
        upsert_ticket(tx, t)?;
    }
    match &s.last_message {
        Some(m) => Ok(insert_message(tx, m)? || update_message(tx, m)?),
        None => Ok(false),
    }
}

fn upsert_ticket(tx: &Transaction<'_>, t: &Ticket) -> CoreResult<()> {
    // The cache only needs open (queued or assigned) versus closed.
    let state = if t.state.is_open() { "open" } else { "closed" };
    exec(
        tx,
        "INSERT INTO tickets (id, chat_id, state, data) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET state = ?3, data = ?4",
        params![t.id.0, t.chat_id.0, state, json(t)?],
    )?;
    Ok(())
}

fn set_open_ticket(tx: &Transaction<'_>, ticket: &Ticket) -> CoreResult<()> {
    let open = ticket.state.is_open().then_some(ticket.id.0);
    exec(
        tx,
        "INSERT INTO chats (id, open_ticket_id) VALUES (?1, ?2)
         ON CONFLICT (id) DO UPDATE SET open_ticket_id =
             CASE WHEN ?2 IS NOT NULL THEN ?2
                  WHEN open_ticket_id = ?3 THEN NULL ELSE open_ticket_id END",
        params![ticket.chat_id.0, open, ticket.id.0],
    )?;
    Ok(())
}

fn upsert_service_request(tx: &Transaction<'_>, request: &ServiceRequest) -> CoreResult<()> {
    let state = match request.status {
        ServiceRequestStatus::Open => "open",
        ServiceRequestStatus::InProgress => "in_progress",
        ServiceRequestStatus::Done => "done",
        ServiceRequestStatus::Cancelled => "cancelled",
    };
    exec(
        tx,
        "INSERT INTO service_requests (id, chat_id, state, data) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET state = ?3, data = ?4",
        params![request.id, request.chat_id.0, state, json(request)?],
    )?;
    Ok(())
}

fn store_agent(tx: &Transaction<'_>, a: &Agent) -> CoreResult<()> {
    exec(
        tx,
        "INSERT INTO agents (company_id, data) VALUES (?1, ?2)
         ON CONFLICT (company_id) DO UPDATE SET data = ?2",
        params![a.company_id.0, json(a)?],
    )?;
    Ok(())
}

/// Whether the signed-in employee has a competence for this line of this company.
fn serves_line(tx: &Transaction<'_>, company: CompanyId, line: LineId) -> CoreResult<bool> {
    let data: Option<String> = row(
        tx,
        "SELECT data FROM agents WHERE company_id = ?1",
        [company.0],
        |r| r.get(0),
    )
    .optional()?;
    Ok(data
        .map(|d| parse::<Agent>(&d))
        .transpose()?
        .is_some_and(|a| a.competences.iter().any(|c| c.line_id == line)))
}

/// A new version of a message the cache holds (a queue-position notice changes in place): only
/// the content changes, never its position, sender or kind. The search index follows changes
/// of the text and the file names by its update trigger, so they are only written when they
/// changed (a notice's text is empty; its content is in `data`). True when the message was
/// there and differed.
fn update_message(tx: &Transaction<'_>, m: &Message) -> CoreResult<bool> {
    let data = json(m)?;
    let n = exec(
        tx,
        "UPDATE messages SET data = ?1 WHERE id = ?2 AND data <> ?1",
        params![data, m.id.0],
    )?;
    exec(
        tx,
        "UPDATE messages SET text = ?1, names = ?2 WHERE id = ?3 AND (text <> ?1 OR names <> ?2)",
        params![m.text, file_names(m), m.id.0],
    )?;
    Ok(n > 0)
}

/// What the search index holds of a message's files: their names, ", " between them.
fn file_names(m: &Message) -> String {
    m.files
        .iter()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Inserts a message unless it is there already. Returns whether it is new.
fn insert_message(tx: &Transaction<'_>, m: &Message) -> CoreResult<bool> {
    let kind = match m.kind {
        MessageKind::Text => "text",
        MessageKind::File => "file",
        MessageKind::Notice => "notice",
    };
    let names = file_names(m);
    let n = exec(
        tx,
        "INSERT INTO messages (id, chat_id, seq, sender_id, kind, text, names, data, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
        params![
            m.id.0,
            m.chat_id.0,
            m.seq,
            m.sender_id.map(|u| u.0),
            kind,
            m.text,
            names,
            json(m)?,
            m.created_at
        ],
    )?;
    if n > 0 && !(m.text.is_empty() && names.is_empty()) {
        exec(
            tx,
            "INSERT INTO messages_fts (rowid, text, names) VALUES (?1, ?2, ?3)",
            params![m.id.0, m.text, names],
        )?;
    }
    for f in &m.files {
        exec(
            tx,
            "INSERT INTO files (id, chat_id, data) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET chat_id = ?2, data = ?3",
            params![f.id.0, m.chat_id.0, json(f)?],
        )?;
    }
    Ok(n > 0)
}

/// Recounts a chat's unread messages from the cache; false when the cache lacks some of them.
fn recount_unread(tx: &Transaction<'_>, chat: ChatId, me: UserId) -> CoreResult<bool> {
    let (last_seq, read_seq): (i64, i64) = row(
        tx,
        "SELECT last_seq, read_seq FROM chats WHERE id = ?1",
        [chat.0],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (present, unread): (i64, i64) = row(tx,
        "SELECT COUNT(*), COALESCE(SUM(kind <> 'notice' AND (sender_id IS NULL OR sender_id <> ?3)), 0)
         FROM messages WHERE chat_id = ?1 AND seq > ?2",
        params![chat.0, read_seq, me.0],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    exec(
        tx,
        "UPDATE chats SET unread = ?1 WHERE id = ?2",
        params![unread, chat.0],
    )?;
    Ok(present == (last_seq - read_seq).max(0))
}

fn apply_event(
    tx: &Transaction<'_>,
    me: UserId,
    body: &EventBody,
    ch: &mut Changes,
) -> CoreResult<()> {
    match body {
        EventBody::MessageCreated { message: m } => {
            let known = tx
                .query_row("SELECT 1 FROM chats WHERE id = ?1", [m.chat_id.0], |_| {
                    Ok(())
                })
                .optional()?
                .is_some();
            if !known {
                exec(tx, "INSERT INTO chats (id) VALUES (?1)", [m.chat_id.0])?;
                ch.stale_chats.insert(m.chat_id);
            }
            let new = insert_message(tx, m)?;
            exec(
                tx,
                "UPDATE chats SET last_seq = MAX(last_seq, ?1),
                     last_message_at = MAX(COALESCE(last_message_at, 0), ?2) WHERE id = ?3",
                params![m.seq, m.created_at, m.chat_id.0],
            )?;
            if m.sender_id == Some(me) {
                if let Some(id) = m.client_msg_id {
                    // Look first: the delete cascades (an index write) even when nothing matches.
                    let pending = row(
                        tx,
                        "SELECT 1 FROM outbox WHERE client_msg_id = ?1",
                        [id.to_string()],
                        |_| Ok(()),
                    )
                    .optional()?
                    .is_some();
                    if pending
                        && exec(
                            tx,
                            "DELETE FROM outbox WHERE client_msg_id = ?1",
                            [id.to_string()],
                        )? > 0
                    {
                        ch.delivered.push((m.chat_id, id));
                    }
                }
                exec(
                    tx,
                    "UPDATE chats SET read_seq = MAX(read_seq, ?1) WHERE id = ?2",
                    params![m.seq, m.chat_id.0],
                )?;
                if !recount_unread(tx, m.chat_id, me)? {
                    ch.stale_chats.insert(m.chat_id);
                }
            } else if new && m.kind != MessageKind::Notice {
                exec(
                    tx,
                    "UPDATE chats SET unread = unread + 1 WHERE id = ?1 AND read_seq < ?2",
                    params![m.chat_id.0, m.seq],
                )?;
                ch.arrived.push((m.chat_id, m.id));
            }
            ch.messages.insert(m.chat_id);
            ch.chats.insert(m.chat_id);
            ch.lines = true;
        }
        EventBody::MessageUpdated { message: m } => {
            // Unread counts do not move (see `update_message`). A message the cache never saw
            // is left to history. The lines list may show it.
            if update_message(tx, m)? {
                ch.messages.insert(m.chat_id);
                ch.lines = true;
            }
        }
        // Other agents' presence and load are read live by the specialist's views; the cache
        // keeps only the signed-in employee's own records.
        EventBody::AgentChanged { agent } => {
            if agent.user_id == me {
                store_agent(tx, agent)?;
                ch.agent = true;
            }
        }
        EventBody::ChatRead { chat_id, seq } => {
            exec(
                tx,
                "INSERT INTO chats (id, read_seq) VALUES (?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET read_seq = MAX(read_seq, ?2)",
                params![chat_id.0, seq],
            )?;
            if !recount_unread(tx, *chat_id, me)? {
                ch.stale_chats.insert(*chat_id);
            }
            ch.chats.insert(*chat_id);
            ch.lines = true;
        }
        EventBody::ChatChanged { chat } => {
            if upsert_summary(tx, chat)? {
                ch.messages.insert(chat.id);
            }
            ch.chats.insert(chat.id);
            ch.lines = true;
        }
        EventBody::LineChanged { line } => {
            let connected = tx
                .query_row(
                    "SELECT 1 FROM connections WHERE line_id = ?1",
                    [line.id.0],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if connected {
                upsert_line(tx, line)?;
                ch.lines = true;
            }
        }
        EventBody::ConnectionChanged { connection } => {
            if connection.user_id == me {
                upsert_connection(tx, connection)?;
                ch.lines = true;
                if let Some(chat) = connection.chat_id {
                    ch.chats.insert(chat);
                }
            }
        }
        EventBody::ConnectionRemoved { connection_id, .. } => {
            if exec(
                tx,
                "DELETE FROM connections WHERE id = ?1",
                [connection_id.0],
            )? > 0
            {
                ch.lines = true;
            }
        }
        EventBody::ServiceRequestChanged { request } => {
            upsert_service_request(tx, request)?;
            ch.chats.insert(request.chat_id);
        }
        EventBody::TicketChanged { ticket } => {
            upsert_ticket(tx, ticket)?;
            if ticket.state == TicketState::Queued {
                // Each entry into a queue (`queued_at`) is announced once.
                let entered = ticket.queued_at.unwrap_or(ticket.opened_at);
                let announced: Option<i64> = row(
                    tx,
                    "SELECT announced_queued_at FROM tickets WHERE id = ?1",
                    [ticket.id.0],
                    |r| r.get(0),
                )?;
                if announced != Some(entered) {
                    exec(
                        tx,
                        "UPDATE tickets SET announced_queued_at = ?1 WHERE id = ?2",
                        params![entered, ticket.id.0],
                    )?;
                    if serves_line(tx, ticket.company_id, ticket.line_id)? {
                        ch.queued.push((ticket.id, ticket.chat_id));
                    }
                }
            }
            ch.tickets.push((ticket.id, ticket.chat_id));
            set_open_ticket(tx, ticket)?;
            ch.chats.insert(ticket.chat_id);
            ch.lines = true;
        }
        // The knowledge base and the line's bot are asked for when needed (hints), not cached.
        EventBody::ArticleChanged { .. }
        | EventBody::ArticleRemoved { .. }
        | EventBody::AutomationChanged { .. } => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_queries_are_prefix_words() {
        assert_eq!(
            fts_query("Принтер  jams!").as_deref(),
            Some("\"принтер\"* \"jams\"*")
        );
        assert_eq!(fts_query("  ,,, "), None);
        assert_eq!(fts_query("a\"b").as_deref(), Some("\"a\"* \"b\"*"));
    }

    /// FTS5's own check that the search index matches the messages it was given.
    fn assert_index_sound(cache: &Cache) {
        cache
            .with(|c| {
                c.execute(
                    "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')",
                    [],
                )?;
                Ok(())
            })
            .unwrap();
    }

    /// A text message from someone else in chat 1, at position `id`.
    fn text_message(id: i64, text: &str) -> Message {
        Message {
            id: MessageId(id),
            chat_id: ChatId(1),
            seq: id,
            sender_id: Some(UserId(2)),
            sender_name: "Anna".into(),
            kind: MessageKind::Text,
            text: text.into(),
            files: vec![],
            notice: None,
            client_msg_id: None,
            created_at: 5,
            bot: None,
        }
    }

    /// Each migration, applied to a cache at every earlier version holding data, keeps the data
    /// and ends at the newest schema.
    #[test]
    fn every_migration_runs_from_every_earlier_version() {
        for start in 1..=MIGRATIONS.len() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("c.db");
            let mut conn = Connection::open(&path).unwrap();
            migrate_to(&mut conn, start).unwrap();
            conn.execute(
                "INSERT INTO messages (id, chat_id, seq, sender_id, kind, text, data, created_at)
                 VALUES (1, 1, 1, 2, 'text', 'принтер сломался', '{}', 5)",
                [],
            )
            .unwrap();
            if start >= 3 {
                // From version 3 the cache indexes new messages itself, as insert_message does.
                conn.execute(
                    "INSERT INTO messages_fts (rowid, text) VALUES (1, 'принтер сломался')",
                    [],
                )
                .unwrap();
            }
            // A message with two files and no caption: from version 6 its names are indexed.
            let files = r#"{"files":[{"name":"Отчёт VPN.pdf"},{"name":"screen.png"}]}"#;
            if start >= 6 {
                conn.execute_batch(&format!(
                    "INSERT INTO messages (id, chat_id, seq, sender_id, kind, text, names, data, created_at)
                     VALUES (2, 1, 2, 2, 'file', '', 'Отчёт VPN.pdf, screen.png', '{files}', 6);
                     INSERT INTO messages_fts (rowid, text, names) VALUES (2, '', 'Отчёт VPN.pdf, screen.png');"
                ))
                .unwrap();
            } else {
                conn.execute(
                    "INSERT INTO messages (id, chat_id, seq, sender_id, kind, text, data, created_at)
                     VALUES (2, 1, 2, 2, 'file', '', ?1, 6)",
                    [files],
                )
                .unwrap();
            }
            drop(conn);
            let cache = Cache::open(&path).unwrap();
            let version: i64 = cache
                .with(|c| Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?))
                .unwrap();
            assert_eq!(version as usize, MIGRATIONS.len());
            let found: i64 = cache
                .with(|c| {
                    Ok(c.query_row(
                        "SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH '\"принтер\"*'",
                        [],
                        |r| r.get(0),
                    )?)
                })
                .unwrap();
            assert_eq!(found, 1, "the message from version {start} is searchable");
            let snippets: Vec<String> = cache
                .with(|c| {
                    let mut stmt = c.prepare(
                        "SELECT snippet(messages_fts, -1, char(2), char(3), '…', 12) FROM messages_fts
                         WHERE messages_fts MATCH '\"отчёт\"*'",
                    )?;
                    let rows = stmt.query_map([], |r| r.get(0))?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .unwrap();
            assert_eq!(
                snippets,
                ["\u{2}Отчёт\u{3} VPN.pdf, screen.png"],
                "the file from version {start} is found by its name"
            );
            assert_index_sound(&cache);
            cache
                .with(|c| Ok(c.execute("DELETE FROM messages", [])?))
                .unwrap();
            assert_index_sound(&cache);
        }
    }

    /// A file's name finds its message like its caption does; the snippet comes from whichever
    /// matched (the caption first), and a message whose names change is found by the new ones.
    #[test]
    fn file_names_are_searchable() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("c.db")).unwrap();
        let file = |id: i64, name: &str| FileMeta {
            id: FileId(id),
            name: name.into(),
            size: 10,
            content_type: "application/pdf".into(),
            sha256: String::new(),
            created_at: 5,
        };
        let mut m = Message {
            kind: MessageKind::File,
            files: vec![file(1, "invoice_2026-11.pdf"), file(2, "акт сверки.xlsx")],
            ..text_message(1, "the invoice you asked for")
        };
        cache.tx(|tx| insert_message(tx, &m)).unwrap();
        let snippets = |q: &str| -> Vec<String> {
            cache
                .search(q, 10)
                .unwrap()
                .into_iter()
                .map(|h| h.snippet)
                .collect()
        };
        assert_eq!(snippets("asked"), ["the invoice you \u{2}asked\u{3} for"]);
        assert_eq!(snippets("invoice"), ["the \u{2}invoice\u{3} you asked for"]);
        assert_eq!(
            snippets("акт xlsx"),
            ["invoice_2026-11.pdf, \u{2}акт\u{3} сверки.\u{2}xlsx\u{3}"]
        );
        // A word in the caption and another in a name: both must be there, in either.
        assert_eq!(snippets("asked сверки").len(), 1);
        assert!(snippets("asked docx").is_empty());
        m.files.pop();
        cache.tx(|tx| update_message(tx, &m)).unwrap();
        assert!(snippets("сверки").is_empty());
        assert_index_sound(&cache);
    }

    /// Messages without text (files only, some notices) are not in the search index: changing
    /// or deleting them leaves the index sound, and the cache can be cleared (sign-out).
    #[test]
    fn messages_without_text_never_upset_the_search_index() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("c.db")).unwrap();
        cache
            .tx(|tx| {
                insert_message(tx, &text_message(1, ""))?;
                insert_message(tx, &text_message(2, "принтер сломался"))?;
                insert_message(tx, &text_message(3, ""))?;
                Ok(())
            })
            .unwrap();
        let found = |cache: &Cache, q: &str| cache.search(q, 10).unwrap().len();
        cache
            .with(|c| {
                // A text given to a message that had none, and one taken away.
                c.execute("UPDATE messages SET text = 'картридж' WHERE id = 1", [])?;
                c.execute("UPDATE messages SET text = '' WHERE id = 2", [])?;
                c.execute("DELETE FROM messages WHERE id = 3", [])?;
                Ok(())
            })
            .unwrap();
        assert_index_sound(&cache);
        assert_eq!(found(&cache, "картридж"), 1);
        assert_eq!(found(&cache, "принтер"), 0);
        cache.clear().unwrap();
        assert_index_sound(&cache);
        assert_eq!(found(&cache, "картридж"), 0);
    }

    fn ticket(state: TicketState, queued_at: Option<i64>) -> Ticket {
        Ticket {
            id: TicketId(5),
            number: 1,
            company_id: CompanyId(1),
            line_id: LineId(2),
            line_name: "IT".into(),
            chat_id: ChatId(3),
            user_id: UserId(9),
            client_name: "Anna".into(),
            channel: Channel::Desktop,
            state,
            assignee_id: None,
            assignee_name: None,
            opened_at: 10,
            queued_at,
            queue_position: queued_at.map(|_| 1),
            assigned_at: None,
            closed_at: None,
            result: None,
            rating: None,
            rating_comment: None,
        }
    }

    /// A queued ticket is announced once per queue entry, to the employees who serve its line,
    /// even when a chat summary read from the server brought the ticket before its event.
    #[test]
    fn a_queue_entry_is_announced_once_to_those_who_serve_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("c.db")).unwrap();
        let me = Me {
            id: UserId(7),
            login: "specialist".into(),
            display_name: "S".into(),
            service_admin: false,
            memberships: vec![Membership {
                company_id: CompanyId(1),
                company_name: "C".into(),
                role: CompanyRole::Specialist,
            }],
        };
        cache
            .apply_snapshot(
                Some("http://x"),
                &Snapshot {
                    cursor: 0,
                    me,
                    connections: vec![],
                    chats: vec![],
                },
            )
            .unwrap();
        let agent = |lines: &[i64]| Agent {
            company_id: CompanyId(1),
            user_id: UserId(7),
            display_name: "S".into(),
            role: CompanyRole::Specialist,
            presence: Presence::Away,
            capacity: 3,
            load: 0,
            competences: lines
                .iter()
                .map(|l| Competence {
                    line_id: LineId(*l),
                    level: 1,
                    priority: 1,
                })
                .collect(),
        };
        cache.set_agents(&[agent(&[2])]).unwrap();
        let ev = |seq: i64, t: Ticket| Event {
            seq,
            at: 0,
            body: EventBody::TicketChanged { ticket: t },
        };
        // The summary (a stale chat refreshed) brings the queued ticket first.
        cache
            .set_chat_summary(&ChatSummary {
                id: ChatId(3),
                line_id: LineId(2),
                user_id: UserId(9),
                user_display_name: "Anna".into(),
                last_seq: 1,
                last_message_at: Some(10),
                last_message: None,
                read_seq: 0,
                unread: 1,
                open_ticket: Some(ticket(TicketState::Queued, Some(10))),
            })
            .unwrap();
        let ch = cache
            .apply_events(&[ev(1, ticket(TicketState::Queued, Some(10)))])
            .unwrap();
        assert_eq!(ch.queued, [(TicketId(5), ChatId(3))]);
        assert_eq!(ch.tickets, [(TicketId(5), ChatId(3))]);
        // The same entry again (a position change): not again.
        let ch = cache
            .apply_events(&[ev(2, ticket(TicketState::Queued, Some(10)))])
            .unwrap();
        assert!(ch.queued.is_empty());
        // Taken, then back in a queue (a transfer): a new entry.
        let ch = cache
            .apply_events(&[
                ev(3, ticket(TicketState::Assigned, None)),
                ev(4, ticket(TicketState::Queued, Some(20))),
            ])
            .unwrap();
        assert_eq!(ch.queued, [(TicketId(5), ChatId(3))]);
        // A line the employee does not serve stays silent.
        cache.set_agents(&[agent(&[99])]).unwrap();
        let ch = cache
            .apply_events(&[ev(5, ticket(TicketState::Queued, Some(30)))])
            .unwrap();
        assert!(ch.queued.is_empty());
        assert_eq!(
            cache.agents().unwrap()[0].competences[0].line_id,
            LineId(99)
        );
    }

    #[test]
    fn a_newer_cache_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        assert!(matches!(Cache::open(&path), Err(CoreError::Cache(_))));
    }

    fn notice(id: i64, seq: i64, position: i64) -> Message {
        Message {
            id: MessageId(id),
            chat_id: ChatId(7),
            seq,
            sender_id: None,
            sender_name: String::new(),
            kind: MessageKind::Notice,
            text: String::new(),
            files: vec![],
            notice: Some(Notice::TicketQueued {
                ticket_id: TicketId(3),
                number: 1,
                position,
            }),
            client_msg_id: None,
            created_at: 1,
            bot: None,
        }
    }

    /// A client (no company memberships), user 1.
    fn client() -> Me {
        Me {
            id: UserId(1),
            login: "u".into(),
            display_name: "U".into(),
            service_admin: false,
            memberships: vec![],
        }
    }

    /// The lines list shows each chat's newest message: the one a summary carries (a chat
    /// never opened), then newer ones from the stream, and a notice's update in place.
    #[test]
    fn the_lines_list_shows_the_newest_message() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("c.db")).unwrap();
        let me = client();
        let line = Line {
            id: LineId(2),
            company_id: CompanyId(1),
            company_name: "C".into(),
            name: "Help".into(),
            internal_name: String::new(),
            description: String::new(),
            details_url: String::new(),
            has_avatar: false,
            hours: None,
            working_now: true,
            next_open_at: None,
            published: true,
            recommended: false,
        };
        let summary = |last: Option<Message>| ChatSummary {
            id: ChatId(7),
            line_id: LineId(2),
            user_id: UserId(1),
            user_display_name: "U".into(),
            last_seq: last.as_ref().map_or(0, |m| m.seq),
            last_message_at: last.as_ref().map(|m| m.created_at),
            last_message: last.map(Box::new),
            read_seq: 0,
            unread: 0,
            open_ticket: None,
        };
        let snapshot = |cursor: i64, last: Option<Message>| Snapshot {
            cursor,
            me: me.clone(),
            connections: vec![okno_proto::Connection {
                id: ConnectionId(3),
                user_id: UserId(1),
                user_display_name: "U".into(),
                line: line.clone(),
                state: ConnectionState::Active,
                origin: ConnectionOrigin::Admin,
                chat_id: Some(ChatId(7)),
                created_at: 1,
            }],
            chats: vec![summary(last)],
        };
        let newest = |cache: &Cache| cache.line_items().unwrap()[0].last_message.clone();

        cache.apply_snapshot(None, &snapshot(0, None)).unwrap();
        assert_eq!(newest(&cache), None);
        // A chat never opened: the summary's message is the only one cached.
        let ch = cache
            .apply_snapshot(None, &snapshot(0, Some(notice(10, 40, 3))))
            .unwrap();
        assert!(ch.messages.contains(&ChatId(7)), "an open chat re-reads");
        assert_eq!(newest(&cache), Some(notice(10, 40, 3)));
        assert!(
            !cache.has_range(ChatId(7), 1, 40).unwrap(),
            "the history before it is fetched"
        );
        let ev = |seq: i64, body: EventBody| Event { seq, at: 1, body };
        cache
            .apply_events(&[ev(
                1,
                EventBody::MessageUpdated {
                    message: notice(10, 40, 1),
                },
            )])
            .unwrap();
        assert_eq!(newest(&cache), Some(notice(10, 40, 1)));
        cache
            .apply_events(&[ev(
                2,
                EventBody::MessageCreated {
                    message: notice(11, 41, 1),
                },
            )])
            .unwrap();
        assert_eq!(newest(&cache).map(|m| m.id), Some(MessageId(11)));
        // A later snapshot whose newest message the cache already has changes nothing.
        let ch = cache
            .apply_snapshot(None, &snapshot(2, Some(notice(11, 41, 1))))
            .unwrap();
        assert!(ch.messages.is_empty());
        assert_eq!(newest(&cache), Some(notice(11, 41, 1)));

        // The reader's sends still on their way: the newest of them is the line's `pending`,
        // in its state, until the outbox lets go of it.
        let pending = |cache: &Cache| cache.line_items().unwrap()[0].pending.clone();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        cache.outbox_add(ChatId(7), a, "first", &[]).unwrap();
        cache
            .outbox_add(
                ChatId(7),
                b,
                "",
                &[("/tmp/x.pdf".into(), "x.pdf".into(), 3)],
            )
            .unwrap();
        let p = pending(&cache).unwrap();
        assert_eq!((p.client_msg_id, p.state), (b, OutboxState::Sending));
        assert_eq!(p.files[0].name, "x.pdf");
        cache
            .outbox_fail(b, &ApiError::new("forbidden", "refused"))
            .unwrap();
        assert_eq!(pending(&cache).unwrap().state, OutboxState::Failed);
        cache.outbox_remove(b).unwrap();
        assert_eq!(pending(&cache).unwrap().client_msg_id, a);
        cache.outbox_remove(a).unwrap();
        assert_eq!(pending(&cache), None);
        assert_eq!(newest(&cache), Some(notice(11, 41, 1)));

        // The order counts a send on its way from when it was written.
        let item = |name: &str, at: Option<i64>, sent: Option<i64>| LineItem {
            line: Line {
                name: name.into(),
                ..line.clone()
            },
            connection_id: ConnectionId(1),
            state: ConnectionState::Active,
            chat_id: Some(ChatId(1)),
            unread: 0,
            read_seq: 0,
            last_message_at: at,
            last_message: None,
            pending: sent.map(|created_at| OutboxItem {
                client_msg_id: Uuid::nil(),
                chat_id: ChatId(1),
                text: "x".into(),
                files: vec![],
                state: OutboxState::Sending,
                error: None,
                created_at,
            }),
            open_ticket: false,
            muted: false,
        };
        let mut items = vec![
            item("a", None, None),
            item("b", Some(100), None),
            item("c", None, Some(150)),
            item("d", Some(250), Some(200)),
            item("e", Some(50), Some(300)),
        ];
        sort_line_items(&mut items);
        let names: Vec<&str> = items.iter().map(|i| i.line.name.as_str()).collect();
        assert_eq!(names, ["e", "d", "c", "b", "a"]);
    }

    /// A queue-position notice updated in place replaces the cached message (same position,
    /// no unread change); an update of an unknown message and agent changes are ignored, and
    /// both still advance the cursor.
    #[test]
    fn message_updates_and_agent_changes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("c.db")).unwrap();
        let me = client();
        cache
            .apply_snapshot(
                None,
                &Snapshot {
                    cursor: 0,
                    me,
                    connections: vec![],
                    chats: vec![],
                },
            )
            .unwrap();
        let ev = |seq: i64, body: EventBody| Event { seq, at: 1, body };
        cache
            .apply_events(&[ev(
                1,
                EventBody::MessageCreated {
                    message: notice(10, 1, 5),
                },
            )])
            .unwrap();
        let ch = cache
            .apply_events(&[
                ev(
                    2,
                    EventBody::MessageUpdated {
                        message: notice(10, 1, 2),
                    },
                ),
                ev(
                    3,
                    EventBody::MessageUpdated {
                        message: notice(99, 2, 1),
                    },
                ),
                ev(
                    4,
                    EventBody::AgentChanged {
                        agent: Agent {
                            company_id: CompanyId(1),
                            user_id: UserId(1),
                            display_name: "U".into(),
                            role: CompanyRole::Specialist,
                            presence: Presence::Online,
                            capacity: 3,
                            load: 0,
                            competences: vec![],
                        },
                    },
                ),
            ])
            .unwrap();
        assert!(ch.messages.contains(&ChatId(7)));
        let page = cache.chat_page(ChatId(7), None, 50).unwrap();
        assert_eq!(
            page.messages.len(),
            1,
            "the unknown message is not invented"
        );
        assert_eq!(page.messages[0].notice, notice(10, 1, 2).notice);
        let cursor: i64 = cache
            .with(|c| Ok(c.query_row("SELECT cursor FROM account WHERE id = 1", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(cursor, 4);
    }
}
