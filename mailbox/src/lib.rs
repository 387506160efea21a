//! # mailbox — who a mailbox corresponds with, read over IMAP
//!
//! Rolo's bulk import (issue 18) can start from an inbox: the user gives their mail server, user
//! name and password, picks a folder and conditions (a date range, a sender domain), and gets
//! back the people in it — each address once, with the best display name seen, how many
//! messages it was on, when it was last seen and whether it wrote, was written to, or both. The
//! server turns these into import rows the user previews before anything is saved.
//!
//! ## What happens on the wire
//!
//! 1. TCP to `host:port` (default 993), then TLS at once (implicit TLS; STARTTLS on 143 is not
//!    offered, so a password never travels before encryption). The certificate is checked with
//!    rustls against the system's trust store (Mozilla's roots compiled in when the system has
//!    none) plus any CA certificate the [`Account`] carries in PEM — a company's own CA, or the
//!    test server's.
//! 2. The greeting, then `LOGIN`. A `NO` there is [`MailboxError::BadCredentials`].
//! 3. [`folders`]: `LIST "" "*"`, names decoded from IMAP's modified UTF-7, folders that cannot
//!    be opened (`\Noselect`) left out, `INBOX` first.
//! 4. [`correspondents`]: `EXAMINE` (read-only, so nothing gets marked as read), then one
//!    `UID SEARCH` with the conditions done by the server — `SINCE`, `BEFORE`, `FROM "<domain>"`
//!    — then `UID FETCH` of `INTERNALDATE` and the header fields `From Sender Reply-To To Cc`
//!    (`BODY.PEEK[HEADER.FIELDS …]`, capped at 16 KiB a message), 200 messages a command.
//!    Never a body. The newest messages (highest UIDs) are read first when more match than
//!    [`Limits::max_messages`].
//! 5. The headers are parsed with `mail-parser`, which decodes RFC 2047 names in any charset
//!    (UTF-8, ISO-2022-JP, Shift_JIS, …), and counted (see below). `LOGOUT`.
//!
//! Every step has a time limit from [`Limits`] (connect + TLS + greeting; each command; the
//! whole run), and each failure is one [`MailboxError`] variant whose text can be shown to the
//! user as it is.
//!
//! ## The rules of counting
//!
//! - A message's senders are its `From`, `Sender` and `Reply-To` addresses, its recipients its
//!   `To` and `Cc` addresses. An address counts once per message.
//! - Addresses are compared lowercase. Group names, `undisclosed-recipients` and anything
//!   without a local part and a domain are skipped.
//! - The account's own address (the user name, when it is an address) is never reported.
//! - Unless [`Conditions::keep_automated`] is set, no-reply style addresses are skipped: see
//!   [`is_automated`] for the exact rule.
//! - `since` and `before` compare the server's arrival date (`INTERNALDATE`), as IMAP `SINCE`
//!   and `BEFORE` do: `since` is inclusive, `before` exclusive.
//! - `sender_domain` selects the messages whose `From` address is in that domain or one of its
//!   subdomains (`example.com` matches `sales.example.com`, not `notexample.com`); the server's
//!   substring search narrows first, the address itself is checked here. All senders and
//!   recipients of those messages are collected (a colleague on Cc is a contact too).
//! - The display name kept is the one seen on the most messages, then the most recent, then
//!   the longest. A name from `From` is preferred over what someone else typed in `To`/`Cc` for
//!   the same message. Names that are empty or only the address again are dropped.
//! - `last_seen` is the latest arrival date of a message the address was on; the list comes
//!   most messages first, then by address.
//!
//! ## Bounds
//!
//! [`Limits`] caps the messages read (default 5,000 of the newest), the distinct addresses kept
//! (default 10,000) and the time of every step; [`Collection`] says honestly when a cap was
//! reached. Header fields are fetched at most 16 KiB a message, and the connection refuses to
//! read more than an honest server would send for that many messages (16 MiB plus about
//! 16.5 KiB a message), so a hostile server cannot fill memory either.
//!
//! ## Choices, and what is left out
//!
//! - `async-imap` (its tokio runtime) speaks IMAP; `tokio-rustls` with the `ring` provider, as
//!   the rest of the workspace, does TLS. No OpenSSL.
//! - Header fields rather than `ENVELOPE`: the same few hundred bytes, but `ENVELOPE` hands back
//!   names still RFC 2047-encoded in whatever charset the sender used, and `mail-parser`
//!   already decodes them all (with `encoding_rs` for ISO-2022-JP, Shift_JIS, EUC-KR, GB18030).
//! - `Bcc` is not read (it only exists in one's own sent copies and is often stripped); a
//!   user name that is not an address (`mina`) cannot be recognised as the user's own address,
//!   so the user may then find themselves in the list and untick the row in the preview.
//! - No STARTTLS, no OAuth (`XOAUTH2`): an app password works with the large providers.
//!
//! ## Testing
//!
//! With the `testing` feature, `testing::TestMailServer` starts a real Dovecot (Debian's
//! `dovecot-imapd`) in a temporary folder, seeded with fictional mail; this crate's tests and
//! the server's run against it.
//!
//! ## Example
//!
//! ```no_run
//! # async fn example() -> Result<(), mailbox::MailboxError> {
//! use mailbox::{Account, Conditions, Limits};
//!
//! let account = Account::new("imap.example.com", "mina@example.com", "secret");
//! let folders = mailbox::folders(&account, &Limits::default()).await?;
//! assert!(folders.contains(&"INBOX".to_string()));
//!
//! let conditions = Conditions {
//!     since: "2024-01-01".parse().ok(),
//!     sender_domain: Some("example.org".into()),
//!     ..Conditions::folder("INBOX")
//! };
//! let found = mailbox::correspondents(&account, &conditions, &Limits::default()).await?;
//! for person in &found.correspondents {
//!     println!("{} <{}> on {} messages", person.display_name.as_deref().unwrap_or(""),
//!              person.email, person.messages);
//! }
//! # Ok(())
//! # }
//! ```

mod account;
mod budget;
mod conditions;
mod error;
mod session;
mod tally;
#[cfg(feature = "testing")]
pub mod testing;
mod tls;
mod utf7;

use std::fmt;
use std::time::Duration;

use serde::Serialize;

pub use account::{Account, DEFAULT_PORT};
/// The date type of [`Conditions`] and [`Correspondent`], re-exported for callers.
pub use chrono::NaiveDate;
pub use conditions::Conditions;
pub use error::MailboxError;
pub use tally::is_automated;

use session::Session;
use tally::Tally;

/// Bounds on one run; [`Default`] suits an interactive import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// At most this many messages are read (the newest, by UID). Default 5,000.
    pub max_messages: u32,
    /// At most this many distinct addresses are kept. Default 10,000.
    pub max_correspondents: usize,
    /// For DNS, TCP, the TLS handshake and the greeting together. Default 15 s.
    pub connect_timeout: Duration,
    /// For each command (`LOGIN`, `LIST`, `SEARCH`, each `FETCH` of 200 messages). Default 60 s:
    /// a server may index a large folder on the first search.
    pub command_timeout: Duration,
    /// For the whole of [`folders`] or [`correspondents`]. Default 5 minutes.
    pub total_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_messages: 5_000,
            max_correspondents: 10_000,
            connect_timeout: Duration::from_secs(15),
            command_timeout: Duration::from_secs(60),
            total_timeout: Duration::from_secs(300),
        }
    }
}

/// How an address appeared in the messages read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Only in `From`, `Sender` or `Reply-To`.
    Sender,
    /// Only in `To` or `Cc`.
    Recipient,
    /// In both kinds of field.
    Both,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Sender => "sender",
            Role::Recipient => "recipient",
            Role::Both => "both",
        })
    }
}

/// One person the mailbox corresponds with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Correspondent {
    /// The address, lowercase.
    pub email: String,
    /// The best display name seen (RFC 2047 decoded), if any message had one.
    pub display_name: Option<String>,
    /// How many of the messages read had this address.
    pub messages: u32,
    /// The latest arrival day of those messages.
    pub last_seen: NaiveDate,
    /// Whether the address wrote, was written to, or both.
    pub role: Role,
}

/// What [`correspondents`] found, with the counts that say whether it is everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collection {
    /// The people, most messages first, then by address.
    pub correspondents: Vec<Correspondent>,
    /// Messages the server's search matched.
    pub messages_found: u32,
    /// Messages whose headers were read (at most [`Limits::max_messages`], the newest).
    pub messages_read: u32,
    /// Messages read that met every condition and whose addresses were counted.
    pub messages_used: u32,
    /// Whether a cap of [`Limits`] left messages or addresses out.
    pub truncated: bool,
}

/// The folders of the mailbox that can be read, `INBOX` first, names decoded.
pub async fn folders(account: &Account, limits: &Limits) -> Result<Vec<String>, MailboxError> {
    whole_run(account, limits, async {
        let mut session = Session::open(account, limits).await?;
        let folders = session.list_folders().await;
        session.logout().await;
        folders
    })
    .await
}

/// The senders and recipients of the messages in `conditions.folder` that meet the conditions.
/// Read-only: no message is changed or marked as read.
pub async fn correspondents(
    account: &Account,
    conditions: &Conditions,
    limits: &Limits,
) -> Result<Collection, MailboxError> {
    let domain = conditions.domain()?;
    let criteria = conditions.search_criteria(domain.as_deref())?;
    whole_run(account, limits, async {
        let mut session = Session::open(account, limits).await?;
        let result = collect(&mut session, conditions, domain, &criteria, account, limits).await;
        session.logout().await;
        result
    })
    .await
}

async fn collect(
    session: &mut Session,
    conditions: &Conditions,
    domain: Option<String>,
    criteria: &str,
    account: &Account,
    limits: &Limits,
) -> Result<Collection, MailboxError> {
    session.examine(&conditions.folder).await?;
    let uids = session.search(criteria).await?;
    let found = uids.len();
    // The newest messages are the ones a cap keeps.
    let keep = found.min(limits.max_messages as usize);
    let chosen = &uids[found - keep..];
    let mut tally = Tally::new(
        account.own_address(),
        !conditions.keep_automated,
        domain,
        limits.max_correspondents,
    );
    let mut read = 0u32;
    session
        .fetch_headers(chosen, |fetched| {
            read += 1;
            let date = fetched
                .internal_date
                .map(|d| d.date_naive())
                .or_else(|| header_date(&fetched.header));
            if let Some(date) = date {
                tally.add_message(&fetched.header, date);
            }
        })
        .await?;
    let messages_used = tally.messages_used;
    let capped = tally.capped;
    Ok(Collection {
        correspondents: tally.finish(),
        messages_found: u32::try_from(found).unwrap_or(u32::MAX),
        messages_read: read,
        messages_used,
        truncated: capped || keep < found,
    })
}

/// The `Date` header's day, for a server that sent no `INTERNALDATE`.
fn header_date(header: &[u8]) -> Option<NaiveDate> {
    let message = mail_parser::MessageParser::new().parse_headers(header)?;
    let date = message.date()?;
    NaiveDate::from_ymd_opt(i32::from(date.year), date.month.into(), date.day.into())
}

/// Runs a whole public operation under [`Limits::total_timeout`].
async fn whole_run<T>(
    account: &Account,
    limits: &Limits,
    run: impl Future<Output = Result<T, MailboxError>>,
) -> Result<T, MailboxError> {
    tokio::time::timeout(limits.total_timeout, run)
        .await
        .unwrap_or_else(|_| {
            Err(MailboxError::Timeout {
                host: account.host.clone(),
                step: "reading the mailbox",
                limit: limits.total_timeout,
            })
        })
}
