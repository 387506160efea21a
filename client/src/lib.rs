//! The Rust client: a durable offline replica on disk, the sync driver, the REST calls only
//! the server can answer, and the `rolo` CLI.
//!
//! # Design
//!
//! A [`Replica`] is one SQLite file holding what `sync_core`'s device state machine
//! (`DeviceReplica`) needs to survive a restart: each contact's Automerge document, its
//! owner and visibility, the outbox of unacknowledged changes, the feed cursor, the
//! device's Automerge actor id (16 random bytes drawn once) and, after sign-in, the account
//! and its tokens. The state machine does the protocol; this crate does the I/O:
//!
//! - **Every call is one transaction.** A local edit, an incoming frame or a tick runs the
//!   state machine and stores the effects it returns, in order, in one SQLite transaction
//!   (`BEGIN IMMEDIATE`, WAL, `synchronous = FULL`). An edit is durable the moment the call
//!   returns — document and outbox entry together, or neither — and frames go to the server
//!   only after the commit, so the server never acknowledges a change the device could lose.
//! - **Several processes, one file.** `rolo sync --live` in one terminal and `rolo add` in
//!   another share the file. Each operation checks a generation counter inside its
//!   transaction and reloads the state machine if another process changed the replica; a
//!   live connection whose state was reloaded reconnects, which pushes the other process's
//!   edits.
//! - **Sync** ([`sync_once`], [`run_live`]) opens a WebSocket to `/v1/sync` with the bearer
//!   access token, says `hello`, and feeds frames to the state machine. A one-second tick
//!   drives its retries. "Caught up" means welcomed, the feed stream finished (`more:
//!   false`), the cursor at or past the welcome's head and every acked `seq`, and the outbox
//!   empty with no repair under way. Live mode reconnects with exponential backoff and
//!   jitter and refreshes tokens (rotating refresh tokens, stored in one statement, with a
//!   lease in the database so two processes never spend the same one).
//! - **Business cards** ([`cards`]). [`Replica::scan_card`] queues the photos in the file at
//!   once, offline; each sync first uploads the queue over HTTP (`PUT /v1/cards/{card}`, the
//!   card id drawn at the scan so a retry is the same card), then reports the cards the rep
//!   saved or dismissed (`POST …/done`), then opens the socket, where drafts arrive as `card`
//!   frames and are stored newest-first per card. Saving a draft is an ordinary local edit,
//!   committed with the card's resolution in one transaction. A 4xx other than 401 refuses an
//!   upload for good (kept, shown as refused); anything else is retried at the next sync.
//! - **Signed edits.** Once the device is signed in, every local edit (create, edit, archive,
//!   trash, tags, an activity entry, a revert) is an Automerge change signed with the member
//!   and this device and timed by the wall clock (`DeviceReplica::create_by`/`edit_by`), so a
//!   contact's history shows who changed what, where and when. Edits made before the first
//!   sign-in stay unsigned. The server refuses a change signed in another member's or
//!   device's name, so a replica signed in again as a new device pushes its older signed
//!   edits under their first device's name and has them refused: sync before signing in
//!   again.
//! - **Lists and search without the documents** ([`search`], [`Replica::search`]). Each
//!   contact's projection — its summary (name, companies, emails, phones, tags, type, level,
//!   lifecycle, owner, last change) and its search terms by `sync_core::search`'s rules, the
//!   server's — is written in the transaction that stores its document, and a list or search
//!   reads the projections only: filters by type, level, tag, owner and shelf (active,
//!   archived, trash, all), words matched as the server matches them (any part of a name,
//!   readings, accents and kana width ignored, phone numbers in any format, in the account's
//!   region), sorted by name or last change. Opening a replica loads nothing: the state
//!   machine, with every document, is loaded by the first operation that needs it (an edit,
//!   a sync, showing a contact), and the projections by the first list or search. Stored
//!   projections made under other rules (an older `INDEX_VERSION`, another region) are made
//!   again before they are searched.
//! - **History offline** ([`Replica::history`], [`Replica::revert`]). The revisions are read
//!   from the document on the device with `sync_core::history`, exactly as the REST API lists
//!   them; member names come from the member list each sync fetches (`GET /v1/members`) and
//!   keeps. A revert restores one field or the whole contact as a new signed edit.
//! - **What only the server can do** ([`Rest`]): sharing, transferring ownership, purging,
//!   emptying the trash, renaming or deleting a tag across the company, members, invitations,
//!   groups and org units, over the REST API with the device's access token (refreshed first
//!   when it is about to expire). The server records each in the feed, so every device
//!   learns of it at its next sync; the CLI syncs before and after such a call.
//! - **Bulk import and export** ([`api::imports`], `rolo import`, `rolo export`) run on the
//!   server (docs/protocol.md §20.5); the client streams the file up a chunk at a time (a
//!   100,000-row CSV is never held in memory), changes what the user asked (`--map`,
//!   duplicates, tags, visibility) while the import is in preview, prints the mapping, then
//!   prints every parsed row with its problems (`--preview`) or starts the job and polls it
//!   with a progress bar on standard error (plain lines when it is not a terminal; Ctrl-C
//!   cancels the job, keeping the rows saved). The last line on standard output is always
//!   `imported N of M` (N created, merged or replaced) or `would import N of M`, for scripts.
//!   Downloads (the error file, an export) go to a `.part` file renamed into place when
//!   complete. Both sync first, so the server sees this device's edits when it looks for
//!   duplicates or writes an export, and an import syncs after, so its contacts are here.
//! - **Input** ([`input`]) turns what a person typed into contact fields with
//!   `sync_core::validate`'s parsers, so a bad value is refused before anything is stored,
//!   with the field and the value in the message.
//!
//! Plain HTTP/WebSocket only for now: TLS is expected from a reverse proxy in front of the
//! server until this crate enables rustls.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use client::{ContactFilter, Replica, Shelf};
//! use sync_core::contact::Contact;
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("replica.db");
//!
//! let mut replica = Replica::open(&path).await?;
//! let mut contact = Contact::default();
//! contact.name.given = "Aiko".into();
//! let id = replica.create(&contact).await?;
//! drop(replica); // no close, no network: the edit is already on disk
//!
//! let mut replica = Replica::open(&path).await?;
//! assert_eq!(replica.contact(id).await?.unwrap().name.given, "Aiko");
//! assert_eq!(replica.status().await?.pending, 1); // waiting in the outbox for a sync
//!
//! replica.archive(id).await?;
//! let found = replica.search(&ContactFilter { text: "aik".into(), ..Default::default() }).await?;
//! assert!(found.is_empty(), "archived contacts leave the default list");
//! let archived = ContactFilter { text: "aik".into(), shelf: Shelf::Archived, ..Default::default() };
//! assert_eq!(replica.search(&archived).await?[0].id, id);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

pub mod account;
pub mod api;
pub mod cards;
pub mod cli;
pub mod error;
pub mod input;
pub mod replica;
pub mod search;
mod store;
pub mod sync;
pub mod view;

pub use account::{Account, Secret, Tokens};
pub use api::Rest;
pub use cards::{Card, CardState, Duplicate};
pub use error::Error;
pub use replica::{Event, Replica, Status};
pub use search::{ContactFilter, ContactSummary, Shelf, Sort};
pub use store::rejections::StoredRejection;
pub use sync::{SyncEvent, SyncOptions, SyncReport, run_live, sync_once};
