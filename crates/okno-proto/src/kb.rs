//! Lines that answer by themselves: the knowledge base and its hints, the line's bot, digital
//! menus, and lines served by the company's own system (webhook and line API).

use crate::api::wire;
use crate::ids::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

// ---------------------------------------------------------------- knowledge base

wire! {
/// What a company admin writes for an article.
pub struct ArticleInput {
    /// 1–500 characters: the question as a user would ask it.
    pub question: String,
    /// 1–20,000 characters of formatted text: a Markdown subset (paragraphs, `**bold**`,
    /// `*italic*`, `` `code` ``, lists, `[links](https://…)` and `![images](https://…)`).
    pub answer: String,
    /// Up to 30 words or phrases that should find the article, each up to 60 characters.
    #[serde(default)]
    pub keywords: Vec<String>,
}
}

wire! {
/// A knowledge-base article (question → answer) of a line.
pub struct Article {
    pub id: ArticleId,
    pub line_id: LineId,
    pub question: String,
    pub answer: String,
    pub keywords: Vec<String>,
    /// Users who said the bot's answer with this article helped.
    pub helpful: i64,
    /// Users who said it did not help (or called a specialist instead).
    pub not_helpful: i64,
    pub created_at: i64,
    pub updated_at: i64,
}
}

wire! {
/// A whole knowledge base at once (`POST /lines/{id}/articles/import`).
pub struct ArticleImport {
    /// At most 20,000. An article whose question (case-insensitively) matches an existing one
    /// updates it; the rest are created.
    pub articles: Vec<ArticleInput>,
    /// Remove the line's articles that are not in this import.
    #[serde(default)]
    pub replace: bool,
}
}

wire! {
pub struct ImportResult {
    pub created: i64,
    pub updated: i64,
    pub removed: i64,
}
}

wire! {
/// A suggested question while the user types.
pub struct Hint {
    pub article_id: ArticleId,
    pub question: String,
    /// Relevance (BM25-like, higher is better); comparable within one answer only.
    pub score: f32,
}
}

wire! {
pub struct HintList {
    /// Best first.
    pub hints: Vec<Hint>,
}
}

// ---------------------------------------------------------------- the line's bot

wire! {
/// Who answers a line's users.
#[derive(Copy, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum BotMode {
    /// Only specialists (the bot never answers; hints still work).
    #[default]
    Specialists,
    /// The bot answers what it confidently can; the rest, or on request, goes to the queue.
    BotFirst,
    /// Only the bot: nothing goes to specialists.
    BotOnly,
}
}

wire! {
pub struct BotSettings {
    pub mode: BotMode,
}
}

wire! {
/// What a line can do by itself: the client shows hints and a menu button from this.
pub struct LineAutomation {
    pub line_id: LineId,
    pub mode: BotMode,
    /// Articles in the line's knowledge base (hints are offered when > 0).
    pub articles: i64,
    pub has_menu: bool,
    /// The company's own system receives the line's messages (webhook).
    pub integration: bool,
}
}

wire! {
/// A button under a message from the line's bot (or the company's system).
pub struct ChatButton {
    /// Unique within the message; what `press` names.
    pub id: String,
    pub label: String,
    /// Set for buttons that only open a link (the client opens it; no press is sent).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub url: Option<String>,
}
}

wire! {
/// Who in the line sent an automatic message.
#[derive(Copy, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BotSource {
    /// The line's chatbot (knowledge-base answers and their questions).
    Bot,
    /// The line's digital menu.
    Menu,
    /// The company's own system, through the line API.
    System,
}
}

wire! {
/// The automatic part of a message from the line.
pub struct BotPart {
    pub source: BotSource,
    /// Buttons to press (`POST /chats/{id}/press`) or links to open.
    #[serde(default)]
    pub buttons: Vec<ChatButton>,
    /// The knowledge-base article this message answers with.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub article_id: Option<ArticleId>,
}
}

wire! {
/// Clicking a hint: the question (as the user's message) and the article (as the bot's answer)
/// go into the chat at once.
pub struct PickHintRequest {
    /// The user's message's idempotency key.
    pub client_msg_id: Uuid,
    pub article_id: ArticleId,
}
}

wire! {
/// Pressing a button under a message: the choice becomes the user's message in the history.
pub struct PressButtonRequest {
    pub client_msg_id: Uuid,
    pub message_id: MessageId,
    pub button_id: String,
}
}

wire! {
/// The messages a hint or a button press put into the chat, in order.
pub struct BotExchange {
    pub messages: Vec<crate::api::Message>,
}
}

// ---------------------------------------------------------------- digital menus

wire! {
/// What a menu button does.
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MenuAction {
    /// Shows the buttons whose `parent` is this item.
    Submenu,
    /// The bot answers with this text.
    Text { text: String },
    /// The bot answers with this article of the line's knowledge base.
    Article { article_id: ArticleId },
    /// The bot sends this file (uploaded by a company admin).
    File { file_id: FileId, #[serde(default)] text: String },
    /// Hands the ticket to the specialists' queue.
    Specialist,
    /// Registers a service request with this title in the ticket.
    ServiceRequest { title: String },
    /// Opens a link (http or https) in the browser.
    Link { url: String },
    /// Back to the parent menu.
    Back,
    /// Closes the menu.
    Close,
}
}

wire! {
pub struct MenuItem {
    /// 1–40 characters of `[A-Za-z0-9_-]`, unique within the menu.
    pub id: String,
    /// The item's submenu; absent for the top level.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub parent: Option<String>,
    /// 1–100 characters.
    pub label: String,
    pub action: MenuAction,
}
}

wire! {
/// A line's digital menu: a tree of buttons, given as a flat list with parents (order kept).
pub struct Menu {
    /// What the bot says above the top-level buttons (1–1,000 characters).
    pub greeting: String,
    /// At most 500 items.
    pub items: Vec<MenuItem>,
}
}

// ---------------------------------------------------------------- the company's own system

wire! {
pub struct IntegrationInput {
    /// Where each new user message is POSTed (http or https).
    pub url: String,
    pub enabled: bool,
}
}

wire! {
/// A line served by the company's own system.
pub struct Integration {
    pub line_id: LineId,
    pub url: String,
    pub enabled: bool,
    /// The HMAC-SHA256 key for `X-Okno-Signature`; only in the answer that created or rotated it.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub secret: Option<String>,
    /// The bearer token for `/api/v1/line-api/…`; only in the answer that created or rotated it.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub api_token: Option<String>,
    /// Deliveries waiting for a retry.
    pub pending: i64,
    /// Deliveries given up after the last retry.
    pub failed: i64,
}
}

wire! {
/// The body of a webhook delivery.
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WebhookEvent {
    /// A user wrote to the line.
    Message {
        delivery_id: i64,
        line_id: LineId,
        chat_id: ChatId,
        user_id: UserId,
        user_name: String,
        message: Box<crate::api::Message>,
    },
    /// A user pressed a button the system sent.
    ButtonPressed {
        delivery_id: i64,
        line_id: LineId,
        chat_id: ChatId,
        user_id: UserId,
        user_name: String,
        message_id: MessageId,
        button_id: String,
    },
}
}

wire! {
/// A message the company's system posts as the line.
pub struct LineMessageRequest {
    pub client_msg_id: Uuid,
    #[serde(default)]
    pub text: String,
    /// Files uploaded through `POST /api/v1/line-api/files`.
    #[serde(default)]
    pub file_ids: Vec<FileId>,
    /// At most 20.
    #[serde(default)]
    pub buttons: Vec<ChatButton>,
}
}
