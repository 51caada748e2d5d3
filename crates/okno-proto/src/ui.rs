//! What the client core tells the app: change events (ids only; the UI re-reads) and the views
//! it reads back. These cross the desktop shell's IPC, so they are wire types too.

use crate::api::*;
use crate::ids::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

wire! {
#[derive(Copy, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Signed out: nothing to sync.
    Idle,
    Connecting,
    Online,
    /// The server cannot be reached; retrying with backoff.
    Offline,
    /// The server no longer accepts the session (revoked from another device, expired, the
    /// password changed): nothing syncs or sends until the same account signs in again, and
    /// the cache and the outbox wait for it.
    SessionEnded,
}
}

wire! {
/// A change in the core. Carries ids only: the UI re-reads what it shows.
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CoreEvent {
    SyncState {
        state: SyncState,
        /// Why the server cannot be reached, when the state is `offline` (`{code, message}`:
        /// `offline`, or what the person can act on: `untrusted_certificate`,
        /// `proxy_auth_required`…).
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        error: Option<ApiError>,
    },
    /// Lines, connections or their order changed.
    LinesChanged,
    /// A chat's summary (unread, ticket, last message) changed.
    ChatChanged { chat_id: ChatId },
    /// Messages of a chat were added or replaced.
    MessagesChanged { chat_id: ChatId },
    /// An outbox entry changed state.
    OutboxChanged { chat_id: ChatId, client_msg_id: Uuid },
    /// A message from someone else arrived (input to the notification policy).
    NewMessage { chat_id: ChatId, message_id: MessageId },
    /// Progress of an upload or download.
    Transfer {
        transfer_id: String,
        done: i64,
        total: i64,
        finished: bool,
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        error: Option<String>,
    },
    /// A ticket the account can see changed (registered, queued, assigned, transferred,
    /// closed, rated): the specialist's lists and counts, and a chat's rating prompt, re-read.
    TicketChanged { ticket_id: TicketId, chat_id: ChatId },
    /// A ticket entered the queue of a line the signed-in specialist serves (input to the
    /// notification policy).
    TicketQueued { ticket_id: TicketId, chat_id: ChatId },
    /// The signed-in specialist's presence, capacity, load or competences changed.
    AgentChanged,
    SignedOut,
}
}

wire! {
/// One row of the lines list.
pub struct LineItem {
    pub line: Line,
    pub connection_id: ConnectionId,
    pub state: ConnectionState,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub chat_id: Option<ChatId>,
    pub unread: i64,
    /// The reader's read marker: the position of the last message read (the chat opens at the
    /// first message after it when there are unread ones).
    pub read_seq: i64,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub last_message_at: Option<i64>,
    /// The newest message the cache holds, shown under the line's name.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub last_message: Option<Message>,
    /// The newest message the user sent here that the server has not acknowledged yet (sending
    /// or failed): shown in place of `last_message`, and the line is ordered by its time too.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub pending: Option<OutboxItem>,
    /// A ticket is open: the avatar is ringed green.
    pub open_ticket: bool,
    pub muted: bool,
}
}

wire! {
#[derive(Copy, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// On disk, being delivered (retried until acknowledged).
    Sending,
    /// Gave up: see `error`; retry or cancel.
    Failed,
}
}

wire! {
pub struct PendingFile {
    pub name: String,
    pub size: i64,
    /// Set once uploaded.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub file_id: Option<FileId>,
}
}

wire! {
/// A message the user sent that the server has not acknowledged yet.
pub struct OutboxItem {
    pub client_msg_id: Uuid,
    pub chat_id: ChatId,
    pub text: String,
    pub files: Vec<PendingFile>,
    pub state: OutboxState,
    /// Why a failed entry failed, as any call's error: the UI words it in its language.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub error: Option<ApiError>,
    pub created_at: i64,
}
}

wire! {
pub struct ChatPage {
    /// Oldest first.
    pub messages: Vec<Message>,
    /// The chat's unacknowledged sends, oldest first; shown after `messages`.
    pub pending: Vec<OutboxItem>,
    /// Older messages exist (in the cache or on the server).
    pub has_older: bool,
}
}

wire! {
pub struct SearchHit {
    pub message: Message,
    pub line_id: LineId,
    /// The matching text with each match between U+0002 and U+0003 (control characters the
    /// composer never produces, so brackets in the text stay text).
    pub snippet: String,
}
}

wire! {
/// A message being written, kept until it is sent or emptied: the lines list shows it and the
/// chat's composer starts with it, across restarts.
pub struct Draft {
    pub chat_id: ChatId,
    pub text: String,
    /// Files attached but not sent yet (paths on this computer).
    pub files: Vec<DraftFile>,
}
}

wire! {
pub struct DraftFile {
    pub path: String,
    pub name: String,
}
}
