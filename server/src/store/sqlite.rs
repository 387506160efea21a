//! The SQLite store: the embedded default, one node, one file.
//!
//! SQLite allows one write transaction at a time, and a transaction that reads before it
//! writes cannot upgrade its lock if another writer slipped in first (`SQLITE_BUSY`, which no
//! retry fixes). So every write starts with `BEGIN IMMEDIATE`, taking the write lock before
//! its first read; that lock is also the per-tenant lock under which seqs are allocated, so
//! commit order equals seq order. Two connections write: pushes go through the group
//! committer's own connection on a thread of its own (`committer`), the hot path; everything
//! else goes through a one-connection sqlx pool. Reads use a pool of their own: in WAL mode
//! they run beside the writers, each on a consistent snapshot.
//!
//! Because three sets of connections share the data, the database is a file: an in-memory
//! database is refused.

/// The store the portable statements (`store/portable/`) are compiled for here.
/// A search word matching at most this many terms drives a list search in order of change
/// (`portable/listing`; in name order the bound is the same for both backends): SQLite plans
/// without statistics, so the choice is made there, by counting. Walking 100,000 contacts in
/// order to find a phone number's one took 30 ms; sorting a few thousand found first takes a
/// few.
const DRIVING_TERMS: i64 = 3_000;

type Backend = SqliteStore;
/// Its connection type.
type Connection = sqlx::SqliteConnection;

/// The current time as the `*_at` columns keep it: seconds since the Unix epoch.
macro_rules! sql_now {
    () => {
        "unixepoch()"
    };
}

/// Row locks for the rest of a write transaction: none needed, the write lock taken at
/// `BEGIN IMMEDIATE` already keeps every other writer out.
macro_rules! lock_rows {
    () => {
        ""
    };
}

/// [`lock_rows`] for the rows of one table of a join.
macro_rules! lock_rows_of {
    ($table:literal) => {
        ""
    };
}

/// A search word checked on one candidate contact `s` of a search (see `listing`): the SQL
/// condition, its parameters added to `$statement`. Here a line of the candidate's `terms`
/// column starts with the word: the term rows are in one tree, in term order (migration
/// 0011), where a contact's own terms cannot be looked up.
macro_rules! candidate_has_word {
    ($statement:expr, $word:expr) => {{
        let word = $statement.param(Param::Text($word.clone()));
        format!(" AND instr(s.terms, char(10) || {word}) > 0")
    }};
}

mod committer;
super::portable_modules!();

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use sync_core::ids::{ContactId, TenantId};

use super::cards::CardJob;
pub use super::sql::cache::DEFAULT_CACHE_DOCS;
use super::sql::cache::DocCache;
use super::sql::codec::{self, uuid};
use super::sql::group_commit::GroupCommit;
use super::sql::plan::NewRow;
use super::{OnAdvance, OnCardRead, StoreError};

/// How many connections serve reads beside the one writer.
const READERS: u32 = 4;

/// A Rolo store in one SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    /// The connection that writes everything but pushes.
    writer: SqlitePool,
    /// Connections that only read.
    reader: SqlitePool,
    /// Hot documents, loaded (shared with the group committer).
    cache: Arc<DocCache>,
    /// Pushes waiting for their tenant's next transaction: one write lock and one sync of
    /// the WAL per group of pushes, not per push.
    commits: GroupCommit<committer::Committer>,
}

impl SqliteStore {
    /// One server process owns the database file: what it finds running at start-up, no
    /// other node can be running.
    pub(crate) const ONE_NODE: bool = true;

    /// Open (creating if missing) the database at `path_or_url`: a file path or a
    /// `sqlite://PATH` URL. Call [`Store::migrate`](crate::store::Store::migrate) before use.
    pub async fn open(path_or_url: &str) -> Result<Self, StoreError> {
        Self::open_with_cache(path_or_url, DEFAULT_CACHE_DOCS).await
    }

    /// [`SqliteStore::open`], keeping at most `cache_docs` documents loaded.
    pub async fn open_with_cache(
        path_or_url: &str,
        cache_docs: NonZeroUsize,
    ) -> Result<Self, StoreError> {
        if path_or_url.contains(":memory:") || path_or_url.contains("mode=memory") {
            return Err(StoreError::Database(sqlx::Error::Configuration(
                format!(
                    "{path_or_url}: an in-memory SQLite database cannot be shared by the \
                     store's connections; give the path of a file"
                )
                .into(),
            )));
        }
        let options = if path_or_url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(path_or_url)?
        } else {
            SqliteConnectOptions::new().filename(path_or_url)
        };
        let options = options
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Wal)
            // An ack promises the edit is on disk: FULL syncs the WAL at every commit, so not
            // even a power cut loses an acknowledged edit.
            .synchronous(SqliteSynchronous::Full)
            // Statement journals (and sort spills) in memory: see the committer's `open`.
            .pragma("temp_store", "memory")
            // Another process (a backup, an admin's sqlite3 shell) may hold the lock briefly.
            .busy_timeout(Duration::from_secs(10));
        // sqlx's pools ping a connection before lending it, by default: a round trip to the
        // connection's worker thread before every query, to find out whether a file next
        // to the process has hung up. It has not; a broken connection fails its query anyway.
        let writer = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await?;
        let reader = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(READERS)
            .connect_with(options.clone())
            .await?;
        let cache = Arc::new(DocCache::new(cache_docs));
        // The writer pool created the file and put it in WAL mode.
        let committer = committer::Committer::start(options.get_filename(), Arc::clone(&cache))?;
        Ok(Self {
            writer,
            reader,
            cache,
            commits: GroupCommit::new(committer),
        })
    }

    /// A write transaction holding SQLite's write lock from its first statement.
    async fn write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The connections that only read.
    fn reads(&self) -> &SqlitePool {
        &self.reader
    }

    async fn migrate_schema(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.writer)
            .await?;
        Ok(())
    }

    /// One node: there are no other nodes' commits to follow.
    fn follow_other_nodes(
        self: Arc<Self>,
        _on_advance: OnAdvance,
        _on_card_read: OnCardRead,
    ) -> Option<tokio::task::JoinHandle<()>> {
        None
    }

    /// One node: the caller tells this node's hub itself once the write committed.
    async fn announce_head(
        &self,
        _conn: &mut Connection,
        _tenant: TenantId,
        _head: u64,
    ) -> Result<(), StoreError> {
        Ok(())
    }

    /// One node: the worker that read the card told this node's hub itself.
    async fn announce_card_read(
        &self,
        _conn: &mut Connection,
        _job: &CardJob,
    ) -> Result<(), StoreError> {
        Ok(())
    }

    /// Write the terms an import's commits left out (see `Store::index_deferred_terms`): on
    /// the committing thread, in one transaction (see `committer::index_terms`).
    async fn index_deferred_terms(
        &self,
        tenant: TenantId,
        first: ContactId,
        last: ContactId,
    ) -> Result<u64, StoreError> {
        self.commits
            .writer()
            .index_deferred_terms(tenant, first, last)
            .await
    }

    /// The snapshots of these contacts that are still live: one short query per contact,
    /// since SQLite runs in-process and there is no round trip to save by batching.
    async fn snapshots_of(
        &self,
        tenant: TenantId,
        docs: &[ContactId],
    ) -> Result<HashMap<ContactId, Vec<u8>>, StoreError> {
        let mut conn = self.reader.acquire().await?;
        let mut found = HashMap::with_capacity(docs.len());
        for doc in docs {
            let snapshot: Option<Vec<u8>> = sqlx::query_scalar(
                "SELECT snapshot FROM documents WHERE tenant_id = $1 AND id = $2 AND NOT purged",
            )
            .bind(uuid(tenant.as_bytes()))
            .bind(uuid(doc.as_bytes()))
            .fetch_optional(&mut *conn)
            .await?;
            if let Some(snapshot) = snapshot {
                found.insert(*doc, snapshot);
            }
        }
        Ok(found)
    }
}

/// Claim the next due card: one `UPDATE … RETURNING` under the write lock, which is all
/// `SKIP LOCKED` gives Postgres.
const CLAIM_CARD: &str = "UPDATE cards SET status = 'reading', attempts = attempts + 1, \
     lease_until_ms = $1 + $2, updated_ms = $1 \
     WHERE rowid = (SELECT rowid FROM cards \
         WHERE (status = 'queued' AND next_attempt_ms <= $1) \
            OR (status = 'reading' AND lease_until_ms < $1) \
         ORDER BY next_attempt_ms LIMIT 1) \
     RETURNING tenant_id, id, member_id, device_id, front, back, attempts";

/// Append feed rows (pushes append theirs on the committer's own connection).
async fn insert_rows(
    conn: &mut Connection,
    tenant: TenantId,
    rows: &[NewRow],
) -> Result<(), StoreError> {
    for row in rows {
        sqlx::query("INSERT INTO feed (tenant_id, seq, doc_id, kind) VALUES ($1, $2, $3, $4)")
            .bind(uuid(tenant.as_bytes()))
            .bind(codec::seq_to_sql(row.seq))
            .bind(uuid(row.doc.as_bytes()))
            .bind(row.kind.as_slice())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
