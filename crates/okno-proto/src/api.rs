//! Requests and responses of the HTTP API.

use crate::ids::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! wire {
    ($item:item) => {
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "api.ts"))]
        $item
    };
}
pub(crate) use wire;

wire! {
/// Every error the API returns: a stable machine code, a human message (English, for
/// developers and logs) and, for the codes that have them, the figures a client needs to say
/// the error in its user's language.
pub struct ApiError {
    /// Stable, snake_case: `invalid_input`, `unauthorized`, `forbidden`, `not_found`,
    /// `conflict`, `payload_too_large`, `rate_limited`, `unsupported_media_type`, `internal`.
    pub code: String,
    pub message: String,
    /// `rate_limited`: seconds until another attempt may succeed (also the `Retry-After`
    /// header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub retry_after: Option<u64>,
    /// `payload_too_large`: the most bytes accepted, when the limit is a fixed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub limit: Option<u64>,
    /// `payload_too_large`: the refused size in bytes, when it was known before sending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub size: Option<u64>,
    /// The name of the file the error is about (`payload_too_large`, `not_a_file`,
    /// `empty_file`, `unreadable_file` from the client core, which checks files before sending).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub name: Option<String>,
}
}

impl ApiError {
    /// An error with a code and a message and no figures.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            code: code.into(),
            message: message.into(),
            retry_after: None,
            limit: None,
            size: None,
            name: None,
        }
    }
}

// ---------------------------------------------------------------- accounts

wire! {
pub struct RegisterRequest {
    /// 3–64 characters: letters, digits, `.`, `_`, `-`, `@`. Case-insensitive.
    pub login: String,
    /// 8–256 characters.
    pub password: String,
    /// 1–100 characters.
    pub display_name: String,
}
}

wire! {
pub struct LoginRequest {
    pub login: String,
    pub password: String,
    /// Shown in the list of sessions, e.g. "Okno on laptop".
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub device_name: Option<String>,
}
}

wire! {
pub struct LoginResponse {
    /// Opaque bearer token: send as `Authorization: Bearer <token>`.
    pub token: String,
    pub session_id: SessionId,
    pub me: Me,
}
}

wire! {
#[derive(Copy, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CompanyRole {
    /// Works tickets of the company's lines.
    Specialist,
    /// Manages the company's lines, employees, clients and approvals.
    Admin,
}
}

wire! {
pub struct Membership {
    pub company_id: CompanyId,
    pub company_name: String,
    pub role: CompanyRole,
}
}

wire! {
/// The signed-in account and its roles.
pub struct Me {
    pub id: UserId,
    pub login: String,
    pub display_name: String,
    /// Operates the cloud: companies, recommended lines.
    pub service_admin: bool,
    /// Companies where this account is an employee.
    pub memberships: Vec<Membership>,
}
}

wire! {
pub struct SessionInfo {
    pub id: SessionId,
    pub device_name: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// The session this request was made with.
    pub current: bool,
}
}

// ---------------------------------------------------------------- companies

wire! {
pub struct CreateCompanyRequest {
    pub name: String,
}
}

wire! {
pub struct Company {
    pub id: CompanyId,
    pub name: String,
}
}

wire! {
pub struct AddMemberRequest {
    pub login: String,
    pub role: CompanyRole,
}
}

wire! {
pub struct Member {
    pub user_id: UserId,
    pub login: String,
    pub display_name: String,
    pub role: CompanyRole,
}
}

// ---------------------------------------------------------------- lines

wire! {
/// One opening interval on one weekday, in the line's time zone.
pub struct DayHours {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    /// `HH:MM`, 24-hour.
    pub open: String,
    /// `HH:MM`, after `open`; `24:00` means midnight at the end of the day.
    pub close: String,
}
}

wire! {
/// When the line's specialists work.
pub struct WorkingHours {
    /// IANA time zone, e.g. `Europe/Moscow`.
    pub time_zone: String,
    pub weekly: Vec<DayHours>,
    /// Days off, `YYYY-MM-DD` in the line's time zone.
    #[serde(default)]
    pub holidays: Vec<String>,
}
}

wire! {
/// What a company admin sets on a line (create and edit).
pub struct LineInput {
    /// The public name, shown to users. 1–100 characters.
    pub name: String,
    /// The company's own name for the line, shown to its employees only.
    #[serde(default)]
    pub internal_name: String,
    /// Short description, up to 1,000 characters.
    #[serde(default)]
    pub description: String,
    /// The "More" link: an `https://` or `http://` URL, or empty.
    #[serde(default)]
    pub details_url: String,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub hours: Option<WorkingHours>,
}
}

wire! {
pub struct Line {
    pub id: LineId,
    pub company_id: CompanyId,
    pub company_name: String,
    pub name: String,
    /// Empty unless the reader works for the owner company.
    pub internal_name: String,
    pub description: String,
    pub details_url: String,
    /// `GET /api/v1/lines/{id}/avatar` serves it.
    pub has_avatar: bool,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub hours: Option<WorkingHours>,
    /// Whether the specialists are working at the time of the answer (always true without hours).
    pub working_now: bool,
    /// When they next start working, if they are not working now.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub next_open_at: Option<i64>,
    pub published: bool,
    pub recommended: bool,
}
}

wire! {
pub struct FlagRequest {
    pub value: bool,
}
}

// ---------------------------------------------------------------- connections

wire! {
#[derive(Copy, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    /// A connection request waiting for the owner's approval.
    Pending,
    Active,
    Rejected,
}
}

wire! {
#[derive(Copy, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionOrigin {
    /// Given by the company's admin.
    Admin,
    /// Requested by the user.
    Request,
}
}

wire! {
pub struct Connection {
    pub id: ConnectionId,
    pub user_id: UserId,
    pub user_display_name: String,
    pub line: Line,
    pub state: ConnectionState,
    pub origin: ConnectionOrigin,
    /// Present once the connection is active.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub chat_id: Option<ChatId>,
    pub created_at: i64,
}
}

wire! {
pub struct ConnectionRequestInput {
    pub line_id: LineId,
}
}

wire! {
pub struct AdminConnectInput {
    pub line_id: LineId,
    /// The client user's login.
    pub login: String,
}
}

// ---------------------------------------------------------------- files

wire! {
pub struct FileMeta {
    pub id: FileId,
    pub name: String,
    pub size: i64,
    /// Detected from the bytes, not from the name.
    pub content_type: String,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    pub created_at: i64,
}
}

// ---------------------------------------------------------------- chats

wire! {
#[derive(Copy, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Text,
    /// Files, with an optional caption in `text`.
    File,
    /// A system notice: a step of the work, see `notice`.
    Notice,
}
}

wire! {
/// A step of the work shown in the chat.
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Notice {
    TicketRegistered { ticket_id: TicketId, number: i64 },
    /// The ticket waits in the line's queue. One such notice per wait: the server updates it in
    /// place (`message_updated`) as the position changes, at most once per change.
    TicketQueued { ticket_id: TicketId, number: i64, position: i64 },
    /// Registered outside the line's working hours: the ticket waits until they open.
    OutsideHours {
        ticket_id: TicketId,
        number: i64,
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        next_open_at: Option<i64>,
    },
    SpecialistAssigned {
        ticket_id: TicketId,
        number: i64,
        specialist_id: UserId,
        specialist_name: String,
    },
    /// Passed to another specialist or to another line; the history stays in this chat.
    TicketTransferred {
        ticket_id: TicketId,
        number: i64,
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        to_line_id: Option<LineId>,
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        to_line_name: Option<String>,
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        to_specialist_id: Option<UserId>,
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        to_specialist_name: Option<String>,
        /// Shown to the user too.
        comment: String,
    },
    /// Closed with a result; the user is asked to rate (see `Ticket::rating`).
    TicketClosed {
        ticket_id: TicketId,
        number: i64,
        #[serde(default)]
        result: String,
    },
    TicketRated { ticket_id: TicketId, number: i64, rating: i64 },
    ServiceRequestRegistered { number: i64, title: String },
    ServiceRequestStatusChanged {
        number: i64,
        title: String,
        status: ServiceRequestStatus,
    },
}
}

wire! {
pub struct Message {
    pub id: MessageId,
    pub chat_id: ChatId,
    /// Position in the chat: 1, 2, 3…
    pub seq: i64,
    /// Absent for system notices.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub sender_id: Option<UserId>,
    pub sender_name: String,
    pub kind: MessageKind,
    pub text: String,
    pub files: Vec<FileMeta>,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub notice: Option<Notice>,
    /// The sender's idempotency key.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub client_msg_id: Option<Uuid>,
    pub created_at: i64,
    /// Set on messages the line sends by itself (its bot, its digital menu or the company's own
    /// system, from the line's bot account `sender_id`): where from, buttons, the article.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub bot: Option<crate::kb::BotPart>,
}
}

wire! {
pub struct SendMessageRequest {
    /// Chosen by the client; sending the same id again returns the original message.
    pub client_msg_id: Uuid,
    /// Up to 10,000 characters; may be empty when files are attached.
    #[serde(default)]
    pub text: String,
    /// Files uploaded by the sender and not yet attached anywhere; at most 10.
    #[serde(default)]
    pub file_ids: Vec<FileId>,
}
}

wire! {
pub struct MessagePage {
    /// Oldest first.
    pub messages: Vec<Message>,
    /// Whether more messages lie beyond this page in the direction asked.
    pub has_more: bool,
}
}

wire! {
pub struct ReadRequest {
    /// Everything up to this chat position has been read.
    pub seq: i64,
}
}

wire! {
#[derive(Copy, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// The line's bot is answering (bot-first and bot-only lines); not in the queue until the
    /// user asks for a specialist or the bot cannot answer.
    Bot,
    /// Waiting in its line's queue (also outside working hours).
    Queued,
    /// A specialist works it (`assignee_id`).
    Assigned,
    Closed,
}
}

impl TicketState {
    /// Not closed: a new message goes to this ticket.
    pub fn is_open(self) -> bool {
        self != TicketState::Closed
    }
}

wire! {
#[derive(Copy, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The Okno desktop app (today every ticket comes from it).
    Desktop,
    Web,
    Email,
    Telegram,
    Api,
}
}

wire! {
/// A ticket (обращение): one episode of work on a user's question.
pub struct Ticket {
    pub id: TicketId,
    /// Per company: 1, 2, 3…
    pub number: i64,
    pub company_id: CompanyId,
    /// The line it is handled on now: a transfer to another line changes it, while the chat
    /// (`chat_id`) stays the user's chat with the line they wrote to.
    pub line_id: LineId,
    pub line_name: String,
    pub chat_id: ChatId,
    /// The client.
    pub user_id: UserId,
    pub client_name: String,
    pub channel: Channel,
    pub state: TicketState,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub assignee_id: Option<UserId>,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub assignee_name: Option<String>,
    pub opened_at: i64,
    /// When it (last) entered its line's queue; set while queued. The queue is FIFO by
    /// (`queued_at`, `id`).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub queued_at: Option<i64>,
    /// 1-based place in the line's queue when the answer or event was made (while queued).
    /// Clients that follow events derive live positions from the queued tickets they know.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub queue_position: Option<i64>,
    /// When the current assignee got it.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub assigned_at: Option<i64>,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub closed_at: Option<i64>,
    /// The specialist's closing result.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub result: Option<String>,
    /// The user's rating, 1–5, once, after closing.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub rating: Option<i64>,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub rating_comment: Option<String>,
}
}

wire! {
/// A row of the specialist's ticket lists.
pub struct TicketItem {
    pub ticket: Ticket,
    /// Messages from others in the chat after the caller's read marker.
    pub unread: i64,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub last_message_at: Option<i64>,
}
}

wire! {
/// Which tickets `GET /api/v1/tickets` lists.
#[derive(Copy, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TicketView {
    /// Waiting in the queues of the caller's lines, oldest first.
    Queued,
    /// Assigned to the caller.
    Mine,
    /// Every open (queued or assigned) ticket of the caller's lines.
    Open,
}
}

wire! {
/// What the company knows about a client user (set by its admins).
pub struct ClientCard {
    pub user_id: UserId,
    pub display_name: String,
    pub login: String,
    /// The client's organization (free text).
    pub organization: String,
    /// Phone, e-mail… (free text).
    pub contact: String,
    /// Gets this client's new tickets first when online and free.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub responsible_id: Option<UserId>,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub responsible_name: Option<String>,
}
}

wire! {
pub struct ClientInput {
    /// Up to 200 characters.
    #[serde(default)]
    pub organization: String,
    /// Up to 200 characters.
    #[serde(default)]
    pub contact: String,
    /// A specialist of the company, or none.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub responsible_id: Option<UserId>,
}
}

wire! {
/// A ticket with what the specialist needs beside the chat.
pub struct TicketDetail {
    pub ticket: Ticket,
    pub client: ClientCard,
    pub unread: i64,
    /// The service requests registered from this ticket, newest first.
    pub service_requests: Vec<ServiceRequest>,
}
}

wire! {
pub struct TransferRequest {
    /// Exactly one of `to_user_id` and `to_line_id`.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub to_user_id: Option<UserId>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub to_line_id: Option<LineId>,
    /// 1–1,000 characters; shown to the user in the notice.
    pub comment: String,
}
}

wire! {
pub struct CloseRequest {
    /// 1–1,000 characters.
    pub result: String,
}
}

wire! {
pub struct RatingRequest {
    /// 1 to 5.
    pub rating: i64,
    /// Up to 1,000 characters.
    #[serde(default)]
    pub comment: String,
}
}

// ---------------------------------------------------------------- specialists and routing

wire! {
#[derive(Copy, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Gets new tickets.
    Online,
    /// Keeps their tickets, gets no new ones.
    Away,
    Offline,
}
}

wire! {
/// A specialist's binding to a line.
pub struct Competence {
    pub line_id: LineId,
    /// Support level, 1–3 (informational: levels are usually separate lines).
    pub level: i64,
    /// 1 (first) to 10: when a specialist frees up, the queues of their lines with the best
    /// priority are served first.
    pub priority: i64,
}
}

wire! {
/// A company employee as a ticket handler.
pub struct Agent {
    pub company_id: CompanyId,
    pub user_id: UserId,
    pub display_name: String,
    pub role: CompanyRole,
    pub presence: Presence,
    /// Tickets at once.
    pub capacity: i64,
    /// Tickets assigned now.
    pub load: i64,
    pub competences: Vec<Competence>,
}
}

wire! {
/// What a company admin sets for an employee.
pub struct AgentInput {
    /// 0–100 tickets at once.
    pub capacity: i64,
    /// At most one per line; lines of the company.
    pub competences: Vec<Competence>,
}
}

wire! {
pub struct PresenceRequest {
    pub presence: Presence,
}
}

wire! {
/// Per-line figures over a period (tickets opened in it).
pub struct LineStats {
    pub line_id: LineId,
    pub line_name: String,
    /// Tickets opened in the period.
    pub tickets: i64,
    /// Of those, closed.
    pub closed: i64,
    /// From opening to the first assignment (assigned tickets only), milliseconds.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub mean_wait_ms: Option<i64>,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub median_wait_ms: Option<i64>,
    /// From the first assignment to closing (closed tickets only), milliseconds.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub mean_handling_ms: Option<i64>,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub median_handling_ms: Option<i64>,
    pub rated: i64,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub average_rating: Option<f64>,
}
}

// ---------------------------------------------------------------- service catalog

wire! {
#[derive(Copy, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    /// A decimal number.
    Number,
    /// `YYYY-MM-DD`.
    Date,
    /// `true` or `false`.
    Boolean,
}
}

wire! {
/// An extra field a work type asks for.
pub struct CatalogField {
    /// 1–100 characters, unique within the work type.
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
}
}

wire! {
pub struct WorkType {
    pub id: i64,
    pub service_id: i64,
    pub name: String,
    pub fields: Vec<CatalogField>,
    /// Archived work types stay on old requests but take no new ones.
    pub archived: bool,
}
}

wire! {
pub struct WorkTypeInput {
    /// 1–100 characters.
    pub name: String,
    /// At most 20.
    #[serde(default)]
    pub fields: Vec<CatalogField>,
    #[serde(default)]
    pub archived: bool,
}
}

wire! {
/// A service of the company's catalog.
pub struct Service {
    pub id: i64,
    pub company_id: CompanyId,
    pub name: String,
    pub description: String,
    pub archived: bool,
    pub work_types: Vec<WorkType>,
}
}

wire! {
pub struct ServiceInput {
    /// 1–100 characters.
    pub name: String,
    /// Up to 1,000 characters.
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub archived: bool,
}
}

wire! {
#[derive(Copy, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ServiceRequestStatus {
    Open,
    InProgress,
    Done,
    Cancelled,
}
}

wire! {
/// A formal work item a specialist registered from a ticket (заявка на обслуживание).
pub struct ServiceRequest {
    pub id: i64,
    /// Per company: 1, 2, 3…
    pub number: i64,
    pub title: String,
    pub status: ServiceRequestStatus,
    pub ticket_id: TicketId,
    pub chat_id: ChatId,
    pub line_id: LineId,
    /// The catalog entry it was registered with (names as they were then).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub service_id: Option<i64>,
    pub service_name: String,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub work_type_id: Option<i64>,
    pub work_type_name: String,
    /// The work type's extra fields, by name.
    pub fields: std::collections::BTreeMap<String, String>,
    pub created_at: i64,
    pub updated_at: i64,
}
}

wire! {
pub struct ServiceRequestInput {
    /// 1–200 characters.
    pub title: String,
    /// A work type of the company's catalog (not archived).
    pub work_type_id: i64,
    /// Values of the work type's fields by name: required ones must be present; each must
    /// match its type; unknown names are refused.
    #[serde(default)]
    pub fields: std::collections::BTreeMap<String, String>,
}
}

wire! {
pub struct ServiceRequestStatusInput {
    pub status: ServiceRequestStatus,
}
}

wire! {
pub struct ChatSummary {
    pub id: ChatId,
    pub line_id: LineId,
    pub user_id: UserId,
    pub user_display_name: String,
    /// The newest chat position.
    pub last_seq: i64,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub last_message_at: Option<i64>,
    /// The message at `last_seq` (the lines list shows it under the line's name).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub last_message: Option<Box<Message>>,
    /// What the reader has read up to.
    pub read_seq: i64,
    /// Messages from others after `read_seq` (system notices do not count).
    pub unread: i64,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub open_ticket: Option<Ticket>,
}
}

// ---------------------------------------------------------------- sync

wire! {
/// Everything a client needs to start, and the cursor to sync on from.
pub struct Snapshot {
    pub cursor: i64,
    pub me: Me,
    pub connections: Vec<Connection>,
    pub chats: Vec<ChatSummary>,
}
}
