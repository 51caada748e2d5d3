//! The core's errors. Each has a stable `code` for the UI (`{code, message}`).

use okno_proto::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("sign in first")]
    NotSignedIn,
    #[error("cannot reach the server: {0}")]
    Offline(String),
    /// The server refused: its own error (`{code, message}` and any figures), kept whole for
    /// the UI.
    #[error("{}", error.message)]
    Server { status: u16, error: ApiError },
    #[error("the server answered something unexpected: {0}")]
    BadResponse(String),
    #[error("local cache: {0}")]
    Cache(String),
    #[error("events out of order: expected {expected}, got {got}")]
    Gap { expected: i64, got: i64 },
    #[error("{0}")]
    Invalid(String),
    /// A server address that is not `http(s)://host[:port]`.
    #[error("the server address must be like https://okno.example.com")]
    ServerAddress,
    #[error("the file is too large: {size} bytes, at most {limit}")]
    TooLarge {
        /// The file's name, when the core checked a file of its own before sending.
        name: Option<String>,
        size: u64,
        limit: u64,
    },
    /// A message's text over the limit, in characters.
    #[error("a message may have at most {limit} characters, this one has {length}")]
    TextTooLong { length: u64, limit: u64 },
    /// More files than one message may carry.
    #[error("a message may carry at most {limit} files, this one has {count}")]
    TooManyFiles { count: u64, limit: u64 },
    /// A file to send that cannot be sent (checked before anything is queued).
    #[error("{name}: {problem}")]
    File { problem: FileProblem, name: String },
    #[error("cancelled")]
    Cancelled,
    /// Signing out would discard messages still waiting in the outbox.
    #[error("{0} message(s) not sent yet; signing out now would discard them")]
    Unsent(usize),
    #[error("{0}")]
    Io(String),
    /// The server sent the request elsewhere (an HTTP redirect the core does not follow: only an
    /// upgrade of the same host to HTTPS at sign-in is).
    #[error("the server redirects to {0}")]
    Moved(String),
    /// HTTPS could not be set up with the server.
    #[error("no secure connection to the server: {detail}")]
    Tls { problem: TlsProblem, detail: String },
    /// The network's proxy did not let the connection through.
    #[error("the proxy {problem}")]
    Proxy { problem: ProxyProblem },
}

/// Why the network's proxy let nothing through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyProblem {
    /// It wants a user name and password (407), or other ones than those in the proxy's address.
    #[error("asks for a user name and password")]
    AuthRequired,
    /// Any other refusal: the status it answered `CONNECT` with, when known.
    #[error("refused the connection{}", .0.map(|s| format!(" ({s})")).unwrap_or_default())]
    Refused(Option<u16>),
    /// A proxy that Okno does not speak to (`socks5://`, `https://`): its scheme.
    #[error("is a {0}:// one; Okno uses HTTP proxies")]
    Unsupported(String),
}

/// Why a file cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    /// A folder (or a device, a socket): only files are sent.
    #[error("not a file")]
    NotAFile,
    #[error("the file is empty")]
    Empty,
    /// Gone, or not readable: the system's reason.
    #[error("cannot read it: {0}")]
    Unreadable(String),
}

/// Why a secure connection failed, as the person at the keyboard can act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsProblem {
    /// The server's certificate is not trusted here: an unknown authority, expired, or made out
    /// to another name.
    Certificate,
    /// Something answered at the address, but not in TLS: a server of plain HTTP.
    NotTls,
    /// Any other failure of the handshake.
    Handshake,
}

pub type CoreResult<T> = Result<T, CoreError>;

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        CoreError::Cache(e.to_string())
    }
}

impl From<std::io::Error> for CoreError {
    fn from(e: std::io::Error) -> Self {
        CoreError::Io(e.to_string())
    }
}

impl CoreError {
    pub fn code(&self) -> &str {
        match self {
            CoreError::NotSignedIn => "not_signed_in",
            CoreError::Offline(_) => "offline",
            CoreError::Server { error, .. } => &error.code,
            CoreError::BadResponse(_) => "bad_response",
            CoreError::Cache(_) => "cache",
            CoreError::Gap { .. } => "gap",
            CoreError::Invalid(_) => "invalid_input",
            CoreError::ServerAddress => "server_address",
            CoreError::TooLarge { .. } => "payload_too_large",
            CoreError::TextTooLong { .. } => "text_too_long",
            CoreError::TooManyFiles { .. } => "too_many_files",
            CoreError::File { problem, .. } => match problem {
                FileProblem::NotAFile => "not_a_file",
                FileProblem::Empty => "empty_file",
                FileProblem::Unreadable(_) => "unreadable_file",
            },
            CoreError::Cancelled => "cancelled",
            CoreError::Unsent(_) => "unsent",
            CoreError::Io(_) => "io",
            CoreError::Moved(_) => "server_moved",
            CoreError::Tls { problem, .. } => match problem {
                TlsProblem::Certificate => "untrusted_certificate",
                TlsProblem::NotTls => "not_https",
                TlsProblem::Handshake => "tls",
            },
            CoreError::Proxy { problem } => match problem {
                ProxyProblem::AuthRequired => "proxy_auth_required",
                ProxyProblem::Refused(_) => "proxy_refused",
                ProxyProblem::Unsupported(_) => "proxy_unsupported",
            },
        }
    }

    pub fn to_api(&self) -> ApiError {
        match self {
            CoreError::Server { error, .. } => error.clone(),
            CoreError::TooLarge { name, size, limit } => ApiError {
                size: Some(*size),
                limit: Some(*limit),
                name: name.clone(),
                ..ApiError::new(self.code(), self.to_string())
            },
            CoreError::TextTooLong {
                length: size,
                limit,
            }
            | CoreError::TooManyFiles { count: size, limit } => ApiError {
                size: Some(*size),
                limit: Some(*limit),
                ..ApiError::new(self.code(), self.to_string())
            },
            CoreError::File { name, .. } => ApiError {
                name: Some(name.clone()),
                ..ApiError::new(self.code(), self.to_string())
            },
            _ => ApiError::new(self.code(), self.to_string()),
        }
    }

    /// Whether trying the same thing later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            // A certificate renewed or a proxy mended later lets the same call through.
            CoreError::Offline(_)
            | CoreError::BadResponse(_)
            | CoreError::Gap { .. }
            | CoreError::Tls { .. }
            | CoreError::Proxy { .. } => true,
            CoreError::Server { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            _ => false,
        }
    }

    /// The session is gone: sign in again.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, CoreError::Server { status: 401, .. })
    }
}
