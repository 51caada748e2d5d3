//! Okno wire types: the JSON shapes shared by the support server, the client core and the web UI.
//!
//! Only data lives here: serde types, id newtypes and the sync event vocabulary. Every
//! timestamp is milliseconds since the Unix epoch (UTC), named `*_at`.
//!
//! With the `openapi` feature the types describe themselves for the server's OpenAPI document;
//! with the `ts` feature `cargo test -p okno-proto --features ts` writes the UI's TypeScript
//! types to `ui/src/lib/proto/`.

pub mod api;
pub mod events;
pub mod ids;
pub mod kb;
pub mod ui;

pub use api::*;
pub use events::*;
pub use ids::*;
pub use kb::*;
pub use ui::*;

/// The API's version prefix: every endpoint lives under it.
pub const API_PREFIX: &str = "/api/v1";

/// The most characters (Unicode scalar values) a message's text may have.
pub const MAX_MESSAGE_CHARS: usize = 10_000;
/// The most files one message may carry.
pub const MAX_MESSAGE_FILES: usize = 10;
