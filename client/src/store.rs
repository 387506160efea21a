//! Every line of SQL the client runs: the replica database's schema (`client/migrations`),
//! loading a replica, and storing a call's [`DeviceEffect`]s.
//!
//! One SQLite file per replica, in WAL mode with `synchronous = FULL`: a committed edit
//! survives a crash of the process *and* of the machine. Several `rolo` processes may open the
//! same file (one syncing live, another adding a contact); SQLite's write lock serialises
//! them, and the `device.generation` counter tells a process that another one changed the
//! replica, so it reloads before building on a stale picture.
//!
//! [`DeviceEffect`]: sync_core::replica::device::DeviceEffect

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use sync_core::replica::device::StoredDevice;

use crate::account::Account;
use crate::error::Error;

pub(crate) mod account;
pub(crate) mod cards;
pub(crate) mod device;
pub(crate) mod docs;
pub(crate) mod effects;
pub(crate) mod members;
pub(crate) mod outbox;
pub(crate) mod projections;
pub(crate) mod rejections;

/// Opens (creating if needed) the replica database at `path` and brings its schema up to date.
pub(crate) async fn open(path: &Path) -> Result<SqliteConnection, Error> {
    let mut connection = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL syncs the WAL at every commit: an acknowledged local edit is on disk even if
        // the phone loses power right after.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        // Another rolo process may hold the write lock for a moment (a live sync applying a
        // feed page); wait for it rather than failing the user's edit.
        .busy_timeout(Duration::from_secs(10))
        .connect()
        .await?;
    sqlx::migrate!("./migrations").run(&mut connection).await?;
    Ok(connection)
}

/// Starts a write transaction that holds the write lock from its first statement, so nothing
/// read inside it (the generation, the stored replica) can change before it commits.
pub(crate) async fn begin_write(
    connection: &mut SqliteConnection,
) -> Result<sqlx::Transaction<'_, sqlx::Sqlite>, Error> {
    Ok(connection.begin_with("BEGIN IMMEDIATE").await?)
}

/// Everything stored for a replica.
pub(crate) struct Loaded {
    /// The Automerge actor id.
    pub actor: Vec<u8>,
    /// Documents, metadata, outbox and cursor, ready for `DeviceReplica::restore`.
    pub stored: StoredDevice,
    /// The signed-in account, if any.
    pub account: Option<Account>,
}

/// Reads the whole replica. Call it inside a transaction so the parts agree with each other.
pub(crate) async fn load(connection: &mut SqliteConnection) -> Result<Loaded, Error> {
    let identity = device::ensure(connection).await?;
    Ok(Loaded {
        actor: identity.actor,
        stored: StoredDevice {
            docs: docs::load_docs(connection).await?,
            metas: docs::load_metas(connection).await?,
            outbox: outbox::load(connection).await?,
            cursor: identity.cursor,
        },
        account: account::load(connection).await?,
    })
}

/// Reads an id stored as text.
pub(crate) fn parse_id<T: FromStr>(column: &str, text: &str) -> Result<T, Error> {
    text.parse().map_err(|_| Error::Corrupt {
        what: format!("{column} {text:?} is not an id"),
    })
}

/// A `u64` (cursor, outbox position) as SQLite's signed integer.
pub(crate) fn to_sql_int(column: &str, value: u64) -> Result<i64, Error> {
    i64::try_from(value).map_err(|_| Error::Corrupt {
        what: format!("{column} {value} does not fit the database"),
    })
}

/// A stored signed integer as the `u64` it was written from.
pub(crate) fn from_sql_int(column: &str, value: i64) -> Result<u64, Error> {
    u64::try_from(value).map_err(|_| Error::Corrupt {
        what: format!("{column} {value} is negative"),
    })
}
