//! The one error type of the crate: what went wrong, in words a user can be shown as they are.

use std::time::Duration;

/// Why reading a mailbox failed.
///
/// The `Display` text of every variant is written for the person who typed the server's name
/// and their password: it says what happened and, where it helps, what to check. It never
/// contains the password. [`MailboxError::code`] gives a stable machine-readable key for REST
/// responses and for tests.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailboxError {
    /// A field of the [`Account`](crate::Account) cannot be used (empty host, a line break in
    /// the password, a CA file without a certificate…).
    #[error("{reason}")]
    InvalidAccount {
        /// What is wrong, for the user.
        reason: String,
    },
    /// A [`Conditions`](crate::Conditions) value cannot be used (a `before` date not after
    /// `since`, a sender domain that is not a domain…).
    #[error("{reason}")]
    InvalidConditions {
        /// What is wrong, for the user.
        reason: String,
    },
    /// The host name did not resolve to any address.
    #[error("Could not find the mail server \"{host}\": check the server name.")]
    UnknownHost {
        /// The host as given.
        host: String,
    },
    /// Nothing listens on that port, or a firewall refused the connection.
    #[error(
        "The mail server {host} refused the connection on port {port}: check the server name and port (IMAP over TLS is usually 993)."
    )]
    ConnectionRefused {
        /// The host as given.
        host: String,
        /// The port tried.
        port: u16,
    },
    /// The connection could not be opened for another reason (network unreachable, reset…).
    #[error("Could not connect to the mail server {host} on port {port}: {reason}.")]
    Connect {
        /// The host as given.
        host: String,
        /// The port tried.
        port: u16,
        /// The system's description of the failure.
        reason: String,
    },
    /// The TLS handshake failed: an untrusted or expired certificate, a name mismatch, or a
    /// port that does not speak TLS.
    #[error("The secure connection to {host} failed: {reason}.")]
    Tls {
        /// The host as given.
        host: String,
        /// What the TLS layer objected to.
        reason: String,
    },
    /// The server refused the user name or password.
    #[error(
        "The mail server refused the user name or password{}.",
        server_text.as_deref().map(|t| format!(" (it said: {t})")).unwrap_or_default()
    )]
    BadCredentials {
        /// The server's own words, when it gave any.
        server_text: Option<String>,
    },
    /// The folder to read does not exist (or cannot be opened).
    #[error("There is no folder \"{folder}\" in this mailbox.")]
    NoSuchFolder {
        /// The folder as asked for.
        folder: String,
    },
    /// A step took longer than its limit in [`Limits`](crate::Limits).
    #[error("The mail server {host} did not answer in time ({step}, after {} s).", limit.as_secs())]
    Timeout {
        /// The host as given.
        host: String,
        /// Which step timed out: `connecting`, `logging in`, `listing folders`…
        step: &'static str,
        /// The limit that was reached.
        limit: Duration,
    },
    /// The connection closed or broke in the middle of the conversation.
    #[error("The connection to the mail server was lost ({reason}).")]
    ConnectionLost {
        /// What the connection reported.
        reason: String,
    },
    /// The server answered a command with an error or with something this client cannot read.
    #[error("The mail server could not {step}: {message}")]
    Server {
        /// What we asked it to do, as a verb phrase: `list the folders`, `search the folder`…
        step: &'static str,
        /// The server's own words (or what could not be read).
        message: String,
    },
}

impl MailboxError {
    /// A stable key for the kind of failure, for REST error bodies and tests:
    /// `invalid_account`, `invalid_conditions`, `unknown_host`, `connection_refused`,
    /// `connect_failed`, `tls`, `bad_credentials`, `no_such_folder`, `timeout`,
    /// `connection_lost`, `server_error`.
    pub fn code(&self) -> &'static str {
        match self {
            MailboxError::InvalidAccount { .. } => "invalid_account",
            MailboxError::InvalidConditions { .. } => "invalid_conditions",
            MailboxError::UnknownHost { .. } => "unknown_host",
            MailboxError::ConnectionRefused { .. } => "connection_refused",
            MailboxError::Connect { .. } => "connect_failed",
            MailboxError::Tls { .. } => "tls",
            MailboxError::BadCredentials { .. } => "bad_credentials",
            MailboxError::NoSuchFolder { .. } => "no_such_folder",
            MailboxError::Timeout { .. } => "timeout",
            MailboxError::ConnectionLost { .. } => "connection_lost",
            MailboxError::Server { .. } => "server_error",
        }
    }

    /// Whether the failure is the user's to fix in what they typed (account or conditions,
    /// credentials, folder) rather than the network's or the server's: a REST layer answers
    /// these with 4xx, the others with 502/504.
    pub fn is_user_input(&self) -> bool {
        matches!(
            self,
            MailboxError::InvalidAccount { .. }
                | MailboxError::InvalidConditions { .. }
                | MailboxError::UnknownHost { .. }
                | MailboxError::BadCredentials { .. }
                | MailboxError::NoSuchFolder { .. }
        )
    }
}
