//! Id newtypes. Every id is a positive 64-bit integer on the wire.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "ids.ts", type = "number"))]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// An account.
    UserId,
    /// One signed-in device of an account.
    SessionId,
    /// A company: owns lines, employs specialists and admins.
    CompanyId,
    /// A line (линия).
    LineId,
    /// A user's access to a line, or their request for it.
    ConnectionId,
    /// The chat between one user and one line.
    ChatId,
    /// A message in a chat.
    MessageId,
    /// A ticket (обращение).
    TicketId,
    /// An uploaded file.
    FileId,
    /// A knowledge-base article of a line.
    ArticleId,
);
