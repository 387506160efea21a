//! The one error type of the client library.

use sync_core::document::DocumentError;
use sync_core::history::{HistoryError, RestoreError};
use sync_core::ids::{CardId, ContactId};
use sync_core::replica::device::EditError;

/// What a client operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server takes edits only from a newer version of this program; they stay queued.
    #[error(
        "the server accepts edits only from a newer version of rolo: update it; your edits stay \
         queued on this device until then"
    )]
    UpgradeRequired,
    /// The replica database could not be read or written. Nothing of the operation was stored.
    #[error("the replica database failed: {0}")]
    Storage(#[from] sqlx::Error),
    /// The replica database could not be brought to this version's schema.
    #[error("the replica database could not be upgraded: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A file or directory could not be created or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The replica database holds something this client cannot read.
    #[error("the replica database is damaged: {what}")]
    Corrupt {
        /// What could not be read.
        what: String,
    },
    /// The contact is not on this device (or is in the trash).
    #[error("no contact {0} on this device")]
    UnknownContact(ContactId),
    /// No contact's id is or starts with what was typed.
    #[error("no contact on this device has an id starting with {prefix:?}")]
    NoMatch {
        /// What was typed.
        prefix: String,
    },
    /// A contact id prefix that matches more than one contact.
    #[error("{prefix:?} matches {count} contacts; give more of the id")]
    AmbiguousId {
        /// What was typed.
        prefix: String,
        /// How many contacts it matches.
        count: usize,
    },
    /// A card photo larger than the server takes.
    #[error(
        "the {side} photo is {:.1} MB; the server takes at most {} MB",
        *bytes as f64 / 1_048_576.0,
        limit / 1_048_576
    )]
    PhotoTooLarge {
        /// `front` or `back`.
        side: &'static str,
        /// Its size.
        bytes: u64,
        /// The most the server takes.
        limit: u64,
    },
    /// A card photo in a format the server does not read.
    #[error("the {side} photo is not a JPEG, PNG, GIF or WebP image")]
    PhotoNotImage {
        /// `front` or `back`.
        side: &'static str,
    },
    /// The card is not on this device (or was dismissed before it was uploaded).
    #[error("no card {0} on this device")]
    UnknownCard(CardId),
    /// No card's id is or starts with what was typed.
    #[error("no card on this device has an id starting with {prefix:?}")]
    NoCardMatch {
        /// What was typed.
        prefix: String,
    },
    /// A card id prefix that matches more than one card.
    #[error("{prefix:?} matches {count} cards; give more of the id")]
    AmbiguousCard {
        /// What was typed.
        prefix: String,
        /// How many cards it matches.
        count: usize,
    },
    /// The card has no draft to save yet, or its reading failed.
    #[error("card {card} is {state}: there is no draft to save")]
    CardNotReady {
        /// The card.
        card: CardId,
        /// Where it stands (`queued`, `reading`, `failed`, …).
        state: &'static str,
    },
    /// The rep already saved or dismissed the card.
    #[error("card {card} is already {state}")]
    CardResolved {
        /// The card.
        card: CardId,
        /// `saved` or `dismissed`.
        state: &'static str,
    },
    /// A kept field the reader could not check (a phone that does not validate): the rep
    /// must correct it (`--fix N=NUMBER`) or leave it out (`--drop N`) before saving.
    #[error("card {card}: {source}")]
    CardFieldToFix {
        /// The card.
        card: CardId,
        /// Which field and why.
        source: sync_core::card::ReviewError,
    },
    /// A correction typed at review that is still not a valid value.
    #[error("card {card}, field {index}: {source}")]
    CardFixInvalid {
        /// The card.
        card: CardId,
        /// The field's number.
        index: usize,
        /// Why the typed value is refused.
        source: sync_core::validate::FieldError,
    },
    /// A field index that the draft does not have.
    #[error("card {card} has no field {index} (its fields are numbered 0 to {})", count.saturating_sub(1))]
    NoSuchCardField {
        /// The card.
        card: CardId,
        /// The index given.
        index: usize,
        /// How many fields the draft has.
        count: usize,
    },
    /// No revision of the contact has a hash starting with what was typed.
    #[error(
        "contact {contact} has no revision starting with {prefix:?}; `rolo history` lists them"
    )]
    NoRevisionMatch {
        /// The contact.
        contact: ContactId,
        /// What was typed.
        prefix: String,
    },
    /// A revision prefix that matches more than one revision.
    #[error("{prefix:?} matches {count} revisions; give more of the hash")]
    AmbiguousRevision {
        /// What was typed.
        prefix: String,
        /// How many revisions it matches.
        count: usize,
    },
    /// A history page asked for after a revision the contact does not have.
    #[error("{0}")]
    History(#[from] HistoryError),
    /// A revert that cannot be made: no such field, a field that is not restored that way
    /// (the lifecycle, the whole activity log), or a value today's rules refuse.
    #[error("{0}")]
    Restore(#[from] RestoreError),
    /// A member, group or unit name that matches nothing at the server.
    #[error("no {kind} {name:?} in the company")]
    NoSuchName {
        /// `member`, `group` or `unit`.
        kind: &'static str,
        /// What was typed.
        name: String,
    },
    /// A name that matches several members, groups or units.
    #[error("{name:?} matches {count} {kind}s; use its id")]
    AmbiguousName {
        /// `member`, `group` or `unit`.
        kind: &'static str,
        /// What was typed.
        name: String,
        /// How many it matches.
        count: usize,
    },
    /// `--map` named a column the file does not have.
    #[error("--map: the file has no column {column:?}; its columns are {}", columns.join(", "))]
    NoSuchColumn {
        /// What was typed before the `=`.
        column: String,
        /// The file's columns.
        columns: Vec<String>,
    },
    /// `--map` without `COLUMN=FIELD`.
    #[error("--map: {value:?} is not COLUMN=FIELD (for example \"Mobile Phone=phone:mobile\")")]
    NotAMapping {
        /// What was typed.
        value: String,
    },
    /// A day that is not `YYYY-MM-DD`.
    #[error("{option}: {value:?} is not a day as YYYY-MM-DD")]
    NotADay {
        /// The option (`--since`).
        option: &'static str,
        /// What was typed.
        value: String,
    },
    /// An import job the server could not finish (not a row's problem: those are counted).
    #[error("the import stopped: {message}")]
    ImportStopped {
        /// What the server said.
        message: String,
    },
    /// The edit breaks a field rule (or the document could not be written); nothing was saved.
    #[error("{0}")]
    Edit(#[from] EditError),
    /// A stored contact document could not be read.
    #[error("{0}")]
    Document(#[from] DocumentError),
    /// This replica has never signed in, so there is no server to sync with.
    #[error("not signed in: run `rolo login` (or `rolo signup`) first")]
    NotSignedIn,
    /// The server no longer accepts this device's credentials (the device was signed out, or
    /// its refresh token was used elsewhere): sign in again.
    #[error("the server signed this device out ({message}); sign in again with `rolo login`")]
    SignedOut {
        /// What the server said.
        message: String,
    },
    /// Signing in would mix two accounts' contacts in one replica.
    #[error(
        "this replica belongs to member {existing} of another account; \
         use another data directory (--home) for {new}"
    )]
    AccountMismatch {
        /// The member the replica holds contacts of.
        existing: String,
        /// The member that tried to sign in.
        new: String,
    },
    /// The server answered an HTTP call with an error.
    #[error("the server refused: {message} ({code}{})", field.as_ref().map(|f| format!(", field {f}")).unwrap_or_default())]
    Server {
        /// HTTP status.
        status: u16,
        /// Stable machine-readable code (`unauthorized`, `conflict`, `bad_request`, …).
        code: String,
        /// Human explanation.
        message: String,
        /// The request field at fault, when there is one.
        field: Option<String>,
    },
    /// The server could not be reached or the connection broke.
    #[error("could not reach the server: {0}")]
    Network(String),
    /// The server does not speak this client's protocol version.
    #[error("the server speaks another protocol version ({0}); update rolo")]
    UnsupportedVersion(String),
    /// The server sent something the protocol does not allow, or closed the session with an
    /// error.
    #[error("sync failed: {0}")]
    Protocol(String),
    /// A server URL that is not `http://host[:port]`.
    #[error("server: {value:?} is not a server address ({reason})")]
    ServerUrl {
        /// What was given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl Error {
    /// Whether retrying later may succeed (the network or the server hiccupped), as opposed to
    /// an error that needs the user (signed out, wrong version, damaged database).
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Network(_) | Error::Protocol(_))
            || matches!(self, Error::Server { status, .. } if *status >= 500)
    }
}

impl From<reqwest::Error> for Error {
    fn from(error: reqwest::Error) -> Self {
        Error::Network(error.to_string())
    }
}

impl From<tokio_tungstenite::tungstenite::Error> for Error {
    fn from(error: tokio_tungstenite::tungstenite::Error) -> Self {
        Error::Network(error.to_string())
    }
}
