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
/// Every error the API returns: a stable machine code and a human message.
pub struct ApiError {
    /// Stable, snake_case: `invalid_input`, `unauthorized`, `forbidden`, `not_found`,
    /// `conflict`, `payload_too_large`, `rate_limited`, `unsupported_media_type`, `internal`.
    pub code: String,
    pub message: String,
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
    TicketClosed { ticket_id: TicketId, number: i64 },
    ServiceRequestRegistered { number: i64, title: String },
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
    Open,
    Closed,
}
}

wire! {
pub struct Ticket {
    pub id: TicketId,
    /// Per company: 1, 2, 3…
    pub number: i64,
    pub company_id: CompanyId,
    pub line_id: LineId,
    pub chat_id: ChatId,
    pub user_id: UserId,
    pub state: TicketState,
    pub opened_at: i64,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub closed_at: Option<i64>,
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
    pub created_at: i64,
    pub updated_at: i64,
}
}

wire! {
pub struct ServiceRequestInput {
    /// 1–200 characters.
    pub title: String,
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
