//! The per-user event stream: every change a user may see, in order, with a cursor.

use crate::api::*;
use crate::ids::*;
use crate::kb::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

wire! {
/// One change, at position `seq` of the reader's stream.
pub struct Event {
    /// Monotonic per user, starting at 1, without gaps.
    pub seq: i64,
    pub at: i64,
    pub body: EventBody,
}
}

wire! {
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventBody {
    MessageCreated { message: Message },
    /// A message changed in place (today: a queue-position notice).
    MessageUpdated { message: Message },
    ChatRead { chat_id: ChatId, seq: i64 },
    ChatChanged { chat: ChatSummary },
    LineChanged { line: Line },
    ConnectionChanged { connection: Connection },
    ConnectionRemoved { connection_id: ConnectionId, line_id: LineId },
    TicketChanged { ticket: Ticket },
    ServiceRequestChanged { request: ServiceRequest },
    /// An article was created or edited (to the company's staff).
    ArticleChanged { article: Article },
    /// An article was removed (to the company's staff).
    ArticleRemoved { line_id: LineId, article_id: ArticleId },
    /// The line's knowledge base, bot mode or menu changed (to its staff and connected users):
    /// hints may differ now.
    AutomationChanged { automation: LineAutomation },
    /// A specialist's presence, capacity or competences changed (to them and the company's
    /// admins). Load changes alone are not sent: they follow from `ticket_changed`.
    AgentChanged { agent: Agent },
}
}

wire! {
pub struct SyncResponse {
    /// Oldest first.
    pub events: Vec<Event>,
    /// Pass as `since` next time.
    pub cursor: i64,
    /// More events are waiting: ask again at once.
    pub has_more: bool,
    /// The cursor is older than the server keeps: reload `GET /api/v1/snapshot` and sync from its
    /// cursor. `events` is empty.
    pub reset: bool,
}
}

wire! {
/// A frame the client sends on the WebSocket (JSON text).
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Send a message; answered by `sent` or `error` with the same `client_msg_id`.
    Send {
        chat_id: ChatId,
        client_msg_id: Uuid,
        #[serde(default)]
        text: String,
        #[serde(default)]
        file_ids: Vec<FileId>,
    },
}
}

wire! {
/// A frame the server sends on the WebSocket (JSON text).
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The next event of the stream; events come in `seq` order, each once.
    Event { event: Event },
    /// A `send` was durably stored.
    Sent { client_msg_id: Uuid, message: Message },
    /// A frame could not be carried out. `client_msg_id` names the send it answers.
    Error {
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        client_msg_id: Option<Uuid>,
        code: String,
        message: String,
    },
    /// The cursor given on connect is older than the server keeps: reload the snapshot.
    Reset { cursor: i64 },
}
}
