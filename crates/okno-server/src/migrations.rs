//! Numbered schema migrations, one list per backend, applied in order at start.
//!
//! The two lists must describe the same tables and columns; only types and key syntax differ.
//! Append new steps; never edit one that has shipped.

use crate::db::{Backend, Db, DbError, DbResult};
use crate::params;

const SQLITE: &[&str] = &[
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    service_admin INTEGER NOT NULL DEFAULT 0,
    event_seq INTEGER NOT NULL DEFAULT 0,
    events_floor INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    token_hash BLOB NOT NULL UNIQUE,
    device_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE companies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    ticket_seq INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE company_members (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    PRIMARY KEY (company_id, user_id)
) STRICT;
CREATE INDEX company_members_user ON company_members(user_id);
CREATE TABLE lines (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    internal_name TEXT NOT NULL,
    description TEXT NOT NULL,
    details_url TEXT NOT NULL,
    hours TEXT,
    avatar_file TEXT,
    published INTEGER NOT NULL DEFAULT 0,
    recommended INTEGER NOT NULL DEFAULT 0,
    search_text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX lines_company ON lines(company_id);
CREATE TABLE connections (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    line_id INTEGER NOT NULL REFERENCES lines(id),
    state TEXT NOT NULL,
    origin TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (user_id, line_id)
) STRICT;
CREATE INDEX connections_line ON connections(line_id, state);
CREATE TABLE chats (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    line_id INTEGER NOT NULL REFERENCES lines(id),
    company_id INTEGER NOT NULL REFERENCES companies(id),
    last_seq INTEGER NOT NULL DEFAULT 0,
    last_message_at INTEGER,
    open_ticket_id INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, line_id)
) STRICT;
CREATE INDEX chats_company ON chats(company_id);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL REFERENCES chats(id),
    seq INTEGER NOT NULL,
    sender_id INTEGER REFERENCES users(id),
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    files TEXT NOT NULL,
    notice TEXT,
    client_msg_id TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (chat_id, seq)
) STRICT;
CREATE UNIQUE INDEX messages_client ON messages(sender_id, client_msg_id);
CREATE TABLE chat_reads (
    chat_id INTEGER NOT NULL REFERENCES chats(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    seq INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id)
) STRICT;
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    line_id INTEGER NOT NULL REFERENCES lines(id),
    chat_id INTEGER NOT NULL REFERENCES chats(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    number INTEGER NOT NULL,
    state TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    closed_at INTEGER,
    UNIQUE (company_id, number)
) STRICT;
CREATE INDEX tickets_chat ON tickets(chat_id);
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    uploader_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_name TEXT NOT NULL,
    chat_id INTEGER REFERENCES chats(id),
    message_id INTEGER REFERENCES messages(id),
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX files_chat ON files(chat_id);
CREATE TABLE events (
    user_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (user_id, seq)
) STRICT, WITHOUT ROWID;
"#,
    r#"
ALTER TABLE companies ADD COLUMN request_seq INTEGER NOT NULL DEFAULT 0;
CREATE TABLE service_requests (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    chat_id INTEGER NOT NULL REFERENCES chats(id),
    line_id INTEGER NOT NULL REFERENCES lines(id),
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (company_id, number)
) STRICT;
CREATE INDEX service_requests_chat ON service_requests(chat_id);
"#,
    r#"
ALTER TABLE tickets ADD COLUMN channel TEXT NOT NULL DEFAULT 'desktop';
ALTER TABLE tickets ADD COLUMN assignee_id INTEGER REFERENCES users(id);
ALTER TABLE tickets ADD COLUMN queued_at INTEGER;
ALTER TABLE tickets ADD COLUMN assigned_at INTEGER;
ALTER TABLE tickets ADD COLUMN first_assigned_at INTEGER;
ALTER TABLE tickets ADD COLUMN result TEXT;
ALTER TABLE tickets ADD COLUMN rating INTEGER;
ALTER TABLE tickets ADD COLUMN rating_comment TEXT;
ALTER TABLE tickets ADD COLUMN queue_msg_id INTEGER;
ALTER TABLE tickets ADD COLUMN queue_pos INTEGER;
UPDATE tickets SET state = 'queued', queued_at = opened_at WHERE state = 'open';
CREATE INDEX tickets_queue ON tickets(line_id, state, queued_at, id);
CREATE INDEX tickets_assignee ON tickets(assignee_id, state);
CREATE INDEX tickets_company_opened ON tickets(company_id, opened_at);
CREATE TABLE agents (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    presence TEXT NOT NULL DEFAULT 'offline',
    capacity INTEGER NOT NULL DEFAULT 3,
    load_count INTEGER NOT NULL DEFAULT 0,
    last_assigned_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (company_id, user_id)
) STRICT;
CREATE TABLE competences (
    line_id INTEGER NOT NULL REFERENCES lines(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    company_id INTEGER NOT NULL REFERENCES companies(id),
    level INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    PRIMARY KEY (line_id, user_id)
) STRICT;
CREATE INDEX competences_user ON competences(user_id, company_id);
CREATE TABLE clients (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    organization TEXT NOT NULL,
    contact TEXT NOT NULL,
    responsible_id INTEGER REFERENCES users(id),
    PRIMARY KEY (company_id, user_id)
) STRICT;
CREATE TABLE services (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX services_company ON services(company_id);
CREATE TABLE work_types (
    id INTEGER PRIMARY KEY,
    service_id INTEGER NOT NULL REFERENCES services(id),
    name TEXT NOT NULL,
    fields TEXT NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX work_types_service ON work_types(service_id);
ALTER TABLE service_requests ADD COLUMN service_id INTEGER;
ALTER TABLE service_requests ADD COLUMN service_name TEXT NOT NULL DEFAULT '';
ALTER TABLE service_requests ADD COLUMN work_type_id INTEGER;
ALTER TABLE service_requests ADD COLUMN work_type_name TEXT NOT NULL DEFAULT '';
ALTER TABLE service_requests ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
ALTER TABLE service_requests ADD COLUMN user_id INTEGER;
UPDATE service_requests SET user_id = (SELECT t.user_id FROM tickets t WHERE t.id = service_requests.ticket_id);
CREATE INDEX service_requests_user ON service_requests(user_id, status);
"#,
    // The knowledge base, the line's bot, menus and the company's own system (issue 6).
    r#"
CREATE TABLE kb_articles (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL REFERENCES lines(id),
    question TEXT NOT NULL,
    question_key TEXT NOT NULL,
    answer TEXT NOT NULL,
    keywords TEXT NOT NULL,
    helpful INTEGER NOT NULL DEFAULT 0,
    not_helpful INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (line_id, question_key)
) STRICT;
CREATE TABLE line_automation (
    line_id INTEGER PRIMARY KEY REFERENCES lines(id),
    bot_mode TEXT NOT NULL DEFAULT 'specialists',
    bot_user_id INTEGER REFERENCES users(id),
    kb_revision INTEGER NOT NULL DEFAULT 0,
    menu TEXT,
    webhook_url TEXT,
    webhook_enabled INTEGER NOT NULL DEFAULT 0,
    webhook_secret TEXT,
    api_token_hash BLOB UNIQUE
) STRICT;
CREATE TABLE bot_feedback (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    article_id INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL REFERENCES lines(id),
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    done_at INTEGER
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_at);
ALTER TABLE messages ADD COLUMN extra TEXT;
"#,
    // An event sent to several users keeps its body once: their rows point at it.
    r#"
CREATE TABLE event_bodies (
    id INTEGER PRIMARY KEY,
    body TEXT NOT NULL
) STRICT;
ALTER TABLE events ADD COLUMN body_id INTEGER;
CREATE INDEX events_body ON events(body_id) WHERE body_id IS NOT NULL;
"#,
];

const POSTGRES: &[&str] = &[
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    service_admin BIGINT NOT NULL DEFAULT 0,
    event_seq BIGINT NOT NULL DEFAULT 0,
    events_floor BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);
CREATE TABLE sessions (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    token_hash BYTEA NOT NULL UNIQUE,
    device_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE companies (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    ticket_seq BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE TABLE company_members (
    company_id BIGINT NOT NULL REFERENCES companies(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    PRIMARY KEY (company_id, user_id)
);
CREATE INDEX company_members_user ON company_members(user_id);
CREATE TABLE lines (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    company_id BIGINT NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    internal_name TEXT NOT NULL,
    description TEXT NOT NULL,
    details_url TEXT NOT NULL,
    hours TEXT,
    avatar_file TEXT,
    published BIGINT NOT NULL DEFAULT 0,
    recommended BIGINT NOT NULL DEFAULT 0,
    search_text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX lines_company ON lines(company_id);
CREATE TABLE connections (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    line_id BIGINT NOT NULL REFERENCES lines(id),
    state TEXT NOT NULL,
    origin TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, line_id)
);
CREATE INDEX connections_line ON connections(line_id, state);
CREATE TABLE chats (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    line_id BIGINT NOT NULL REFERENCES lines(id),
    company_id BIGINT NOT NULL REFERENCES companies(id),
    last_seq BIGINT NOT NULL DEFAULT 0,
    last_message_at BIGINT,
    open_ticket_id BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, line_id)
);
CREATE INDEX chats_company ON chats(company_id);
CREATE TABLE messages (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    chat_id BIGINT NOT NULL REFERENCES chats(id),
    seq BIGINT NOT NULL,
    sender_id BIGINT REFERENCES users(id),
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    files TEXT NOT NULL,
    notice TEXT,
    client_msg_id TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (chat_id, seq)
);
CREATE UNIQUE INDEX messages_client ON messages(sender_id, client_msg_id);
CREATE TABLE chat_reads (
    chat_id BIGINT NOT NULL REFERENCES chats(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    seq BIGINT NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);
CREATE TABLE tickets (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    company_id BIGINT NOT NULL REFERENCES companies(id),
    line_id BIGINT NOT NULL REFERENCES lines(id),
    chat_id BIGINT NOT NULL REFERENCES chats(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    number BIGINT NOT NULL,
    state TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    closed_at BIGINT,
    UNIQUE (company_id, number)
);
CREATE INDEX tickets_chat ON tickets(chat_id);
CREATE TABLE files (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    uploader_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    size BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_name TEXT NOT NULL,
    chat_id BIGINT REFERENCES chats(id),
    message_id BIGINT REFERENCES messages(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX files_chat ON files(chat_id);
CREATE TABLE events (
    user_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (user_id, seq)
);
"#,
    r#"
ALTER TABLE companies ADD COLUMN request_seq BIGINT NOT NULL DEFAULT 0;
CREATE TABLE service_requests (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    company_id BIGINT NOT NULL REFERENCES companies(id),
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    chat_id BIGINT NOT NULL REFERENCES chats(id),
    line_id BIGINT NOT NULL REFERENCES lines(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (company_id, number)
);
CREATE INDEX service_requests_chat ON service_requests(chat_id);
"#,
    r#"
ALTER TABLE tickets ADD COLUMN channel TEXT NOT NULL DEFAULT 'desktop';
ALTER TABLE tickets ADD COLUMN assignee_id BIGINT REFERENCES users(id);
ALTER TABLE tickets ADD COLUMN queued_at BIGINT;
ALTER TABLE tickets ADD COLUMN assigned_at BIGINT;
ALTER TABLE tickets ADD COLUMN first_assigned_at BIGINT;
ALTER TABLE tickets ADD COLUMN result TEXT;
ALTER TABLE tickets ADD COLUMN rating BIGINT;
ALTER TABLE tickets ADD COLUMN rating_comment TEXT;
ALTER TABLE tickets ADD COLUMN queue_msg_id BIGINT;
ALTER TABLE tickets ADD COLUMN queue_pos BIGINT;
UPDATE tickets SET state = 'queued', queued_at = opened_at WHERE state = 'open';
CREATE INDEX tickets_queue ON tickets(line_id, state, queued_at, id);
CREATE INDEX tickets_assignee ON tickets(assignee_id, state);
CREATE INDEX tickets_company_opened ON tickets(company_id, opened_at);
CREATE TABLE agents (
    company_id BIGINT NOT NULL REFERENCES companies(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    presence TEXT NOT NULL DEFAULT 'offline',
    capacity BIGINT NOT NULL DEFAULT 3,
    load_count BIGINT NOT NULL DEFAULT 0,
    last_assigned_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (company_id, user_id)
);
CREATE TABLE competences (
    line_id BIGINT NOT NULL REFERENCES lines(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    company_id BIGINT NOT NULL REFERENCES companies(id),
    level BIGINT NOT NULL,
    priority BIGINT NOT NULL,
    PRIMARY KEY (line_id, user_id)
);
CREATE INDEX competences_user ON competences(user_id, company_id);
CREATE TABLE clients (
    company_id BIGINT NOT NULL REFERENCES companies(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    organization TEXT NOT NULL,
    contact TEXT NOT NULL,
    responsible_id BIGINT REFERENCES users(id),
    PRIMARY KEY (company_id, user_id)
);
CREATE TABLE services (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    company_id BIGINT NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX services_company ON services(company_id);
CREATE TABLE work_types (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    service_id BIGINT NOT NULL REFERENCES services(id),
    name TEXT NOT NULL,
    fields TEXT NOT NULL,
    archived BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX work_types_service ON work_types(service_id);
ALTER TABLE service_requests ADD COLUMN service_id BIGINT;
ALTER TABLE service_requests ADD COLUMN service_name TEXT NOT NULL DEFAULT '';
ALTER TABLE service_requests ADD COLUMN work_type_id BIGINT;
ALTER TABLE service_requests ADD COLUMN work_type_name TEXT NOT NULL DEFAULT '';
ALTER TABLE service_requests ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
ALTER TABLE service_requests ADD COLUMN user_id BIGINT;
UPDATE service_requests SET user_id = (SELECT t.user_id FROM tickets t WHERE t.id = service_requests.ticket_id);
CREATE INDEX service_requests_user ON service_requests(user_id, status);
"#,
    // The knowledge base, the line's bot, menus and the company's own system (issue 6).
    r#"
CREATE TABLE kb_articles (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    line_id BIGINT NOT NULL REFERENCES lines(id),
    question TEXT NOT NULL,
    question_key TEXT NOT NULL,
    answer TEXT NOT NULL,
    keywords TEXT NOT NULL,
    helpful BIGINT NOT NULL DEFAULT 0,
    not_helpful BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (line_id, question_key)
);
CREATE TABLE line_automation (
    line_id BIGINT PRIMARY KEY REFERENCES lines(id),
    bot_mode TEXT NOT NULL DEFAULT 'specialists',
    bot_user_id BIGINT REFERENCES users(id),
    kb_revision BIGINT NOT NULL DEFAULT 0,
    menu TEXT,
    webhook_url TEXT,
    webhook_enabled BIGINT NOT NULL DEFAULT 0,
    webhook_secret TEXT,
    api_token_hash BYTEA UNIQUE
);
CREATE TABLE bot_feedback (
    message_id BIGINT PRIMARY KEY REFERENCES messages(id),
    article_id BIGINT NOT NULL,
    verdict TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE webhook_deliveries (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    line_id BIGINT NOT NULL REFERENCES lines(id),
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    done_at BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_at);
ALTER TABLE messages ADD COLUMN extra TEXT;
"#,
    r#"
CREATE TABLE event_bodies (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    body TEXT NOT NULL
);
ALTER TABLE events ADD COLUMN body_id BIGINT;
CREATE INDEX events_body ON events(body_id) WHERE body_id IS NOT NULL;
"#,
];

/// Brings the schema up to date. Safe to call from several nodes at once on PostgreSQL.
pub fn migrate(db: &mut dyn Db) -> DbResult<()> {
    let steps = match db.backend() {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    db.begin()?;
    let result = (|| {
        if db.backend() == Backend::Postgres {
            db.batch("SELECT pg_advisory_xact_lock(7420001)")?;
        }
        db.batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
        let current = db
            .query_opt("SELECT version FROM schema_version", params![])?
            .map(|r| r.int(0))
            .transpose()?;
        let current = match current {
            Some(v) => v,
            None => {
                db.execute("INSERT INTO schema_version (version) VALUES (0)", params![])?;
                0
            }
        };
        let have = usize::try_from(current).map_err(|e| DbError::Other(e.to_string()))?;
        if have > steps.len() {
            return Err(DbError::Other(format!(
                "the database's schema version {have} is newer than this server knows ({})",
                steps.len()
            )));
        }
        for (i, step) in steps.iter().enumerate().skip(have) {
            tracing::info!(version = i + 1, "applying migration");
            db.batch(step)?;
            db.execute(
                "UPDATE schema_version SET version = $1",
                params![(i + 1) as i64],
            )?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => db.batch("COMMIT"),
        Err(e) => {
            let _ = db.batch("ROLLBACK");
            Err(e)
        }
    }
}
