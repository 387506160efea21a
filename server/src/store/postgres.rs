//! The Postgres store: several server nodes share one database.
//!
//! Seqs are allocated under a row lock on the tenant (`SELECT last_seq … FOR UPDATE`) held
//! until the committing transaction ends, so on every node commit order equals seq order;
//! each write transaction takes that lock first, which also keeps them free of deadlocks.
//! A push is one transaction with a handful of statements whatever its size (rows go in as
//! arrays through `UNNEST`), and announces itself to the other nodes with one `NOTIFY`.
//! Each node caches hot documents; the cache is validated by the `last_seq` read in the
//! transaction, so a node never works on a document another node has changed since. Pushes
//! of one tenant that arrive together share a transaction (`sql::group_commit`): the lock
//! and the wait for the disk are paid once per group, not once per push.

/// The store the portable statements (`store/portable/`) are compiled for here.
/// A search word matching at most this many terms drives a list search in order of change
/// (`portable/listing`; in name order the bound is the same for both backends). Driving by a
/// word of 12,000 terms of 100,000 contacts took 70-80 ms here, against 5-25 ms for walking
/// the order when its contacts come early.
const DRIVING_TERMS: i64 = 3_000;

type Backend = PostgresStore;
/// Its connection type.
type Connection = sqlx::PgConnection;

/// The current time as the `*_at` columns keep it.
macro_rules! sql_now {
    () => {
        "now()"
    };
}

/// Row locks held for the rest of a write transaction: the tenant's row, which every write
/// takes first (so writes never deadlock and seqs follow commit order on every node).
macro_rules! lock_rows {
    () => {
        " FOR UPDATE"
    };
}

/// [`lock_rows`] for the rows of one table of a join.
macro_rules! lock_rows_of {
    ($table:literal) => {
        concat!(" FOR UPDATE OF ", $table)
    };
}

/// A search word checked on one candidate contact `s` of a search (see `listing`): the SQL
/// condition, its parameters added to `$statement`. Here through the candidate's own term
/// rows (the index by contact).
macro_rules! candidate_has_word {
    ($statement:expr, $word:expr) => {{
        let low = $statement.param(Param::Text($word.clone()));
        let high = $statement.param(Param::Text(past_prefix($word)));
        format!(
            " AND EXISTS (SELECT 1 FROM search_terms t WHERE t.tenant_id = $1 \
             AND t.doc_id = s.doc_id AND t.term >= {low} AND t.term < {high})"
        )
    }};
}

mod committer;
mod notify;
super::portable_modules!();

use committer::insert_rows;

use std::num::NonZeroUsize;
use std::sync::Arc;

use std::collections::HashMap;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};
use sync_core::ids::{ContactId, TenantId};
use tokio::task::JoinHandle;
use uuid::Uuid;

pub use self::notify::FEED_CHANNEL;
use super::cards::CardJob;
pub use super::sql::cache::DEFAULT_CACHE_DOCS;
use super::sql::cache::DocCache;
use super::sql::codec::uuid;
use super::sql::group_commit::GroupCommit;
use super::{OnAdvance, OnCardRead, StoreError};

/// Connections each node opens unless given a pool: enough for concurrent pushes and feed
/// reads on two cores, few enough that a dozen nodes fit Postgres's default of 100.
const DEFAULT_CONNECTIONS: u32 = 8;

/// How long a node waits for the database before giving up, so that a database that is down
/// or a connection that hangs costs seconds, never a company's pushes for minutes.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Longest wait for a pooled connection (sqlx's default is 30 s; its retries back off to
    /// a fifth of this, so a database that comes back is used again within that).
    pub acquire: Duration,
    /// Longest a push's transaction may take. Past it the connection is dropped as stuck,
    /// and sessions of ours left idle in a transaction that long are ended, so their locks
    /// go with them.
    pub transaction: Duration,
}

impl Default for Bounds {
    fn default() -> Self {
        Self {
            acquire: Duration::from_secs(2),
            transaction: Duration::from_secs(3),
        }
    }
}

/// Every connection of the pool names itself so, so that the stuck sessions a node ends are
/// only ever Rolo's own.
pub const APPLICATION_NAME: &str = "rolo";

/// A pooled connection idle longer than this is pinged (with [`PING_BOUND`]) before it is
/// lent: one whose peer went silent is dropped in a fraction of a second instead of hanging
/// the first statement sent on it.
const PING_IDLE: Duration = Duration::from_millis(500);

/// Longest a ping may take before its connection is dropped.
const PING_BOUND: Duration = Duration::from_millis(250);

impl Bounds {
    /// The server-side bounds, set on every connection: no statement runs longer than ten
    /// transaction bounds (room for migrations), and Postgres ends a session idle inside a
    /// transaction for twice the bound (a node whose connection hung), releasing its locks.
    fn apply(self, options: PgConnectOptions) -> PgConnectOptions {
        let millis = |duration: Duration| duration.as_millis().to_string();
        options.application_name(APPLICATION_NAME).options([
            ("statement_timeout", millis(self.transaction * 10)),
            (
                "idle_in_transaction_session_timeout",
                millis(self.transaction * 2),
            ),
        ])
    }

    fn pool_options(self) -> PgPoolOptions {
        PgPoolOptions::new()
            .acquire_timeout(self.acquire)
            // sqlx's own ping before each lend has no time limit: on a connection whose peer
            // went silent it waits for ever. This one is bounded, and skipped for connections
            // just returned (under load, nearly all).
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for < PING_IDLE {
                        return Ok(true);
                    }
                    let alive =
                        tokio::time::timeout(PING_BOUND, sqlx::Connection::ping(conn)).await;
                    Ok(matches!(alive, Ok(Ok(()))))
                })
            })
    }
}

/// A Rolo store in a Postgres database.
#[derive(Debug)]
pub struct PostgresStore {
    pool: PgPool,
    /// Hot documents, loaded (shared with the group committer).
    cache: Arc<DocCache>,
    /// Identifies this node in its notifications, so it does not announce its own commits
    /// back to itself.
    node: Uuid,
    /// Pushes waiting for their tenant's next transaction.
    commits: GroupCommit<committer::Committer>,
}

impl PostgresStore {
    /// Several nodes may share the database.
    pub(crate) const ONE_NODE: bool = false;

    /// Connect to the database at `url` (`postgres://…`). Call [`Store::migrate`](crate::store::Store::migrate) before use.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_cache(url, DEFAULT_CACHE_DOCS).await
    }

    /// [`PostgresStore::connect`], keeping at most `cache_docs` documents loaded.
    pub async fn connect_with_cache(
        url: &str,
        cache_docs: NonZeroUsize,
    ) -> Result<Self, StoreError> {
        Self::connect_with(url, cache_docs, Bounds::default()).await
    }

    /// [`PostgresStore::connect`], keeping at most `cache_docs` documents loaded, with the
    /// time bounds `bounds` on every wait for the database.
    pub async fn connect_with(
        url: &str,
        cache_docs: NonZeroUsize,
        bounds: Bounds,
    ) -> Result<Self, StoreError> {
        let options = bounds.apply(url.parse::<PgConnectOptions>()?);
        let pool = bounds
            .pool_options()
            .max_connections(DEFAULT_CONNECTIONS)
            .connect_with(options)
            .await?;
        Ok(Self::from_pool_with(pool, cache_docs, bounds))
    }

    /// A store on an existing pool, keeping at most `cache_docs` documents loaded.
    pub fn from_pool(pool: PgPool, cache_docs: NonZeroUsize) -> Self {
        Self::from_pool_with(pool, cache_docs, Bounds::default())
    }

    fn from_pool_with(pool: PgPool, cache_docs: NonZeroUsize, bounds: Bounds) -> Self {
        let cache = Arc::new(DocCache::new(cache_docs));
        let node = Uuid::new_v4();
        let committer = committer::Committer {
            pool: pool.clone(),
            cache: Arc::clone(&cache),
            node,
            transaction_bound: bounds.transaction,
        };
        Self {
            pool,
            cache,
            node,
            commits: GroupCommit::new(committer),
        }
    }

    /// The connection pool (to close it, or to size it in tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A write transaction. Writes that allocate seqs take the tenant's lock first thing
    /// (`contacts::lock_tenant`).
    async fn write(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// The connections reads use: the same pool.
    fn reads(&self) -> &PgPool {
        &self.pool
    }

    async fn migrate_schema(&self) -> Result<(), StoreError> {
        // The migrator takes an advisory lock: nodes starting together migrate once.
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    /// Follow the commits of other nodes and the cards they finish reading (LISTEN).
    fn follow_other_nodes(
        self: Arc<Self>,
        on_advance: OnAdvance,
        on_card_read: OnCardRead,
    ) -> Option<JoinHandle<()>> {
        Some(notify::follow(
            self.pool.clone(),
            self.node,
            on_advance,
            on_card_read,
        ))
    }

    /// Tell the other nodes the tenant's head moved, when the transaction commits.
    async fn announce_head(
        &self,
        conn: &mut Connection,
        tenant: TenantId,
        head: u64,
    ) -> Result<(), StoreError> {
        notify::announce(conn, self.node, tenant, head).await
    }

    /// The scanning device may be connected to another node: tell them all, at commit.
    async fn announce_card_read(
        &self,
        conn: &mut Connection,
        job: &CardJob,
    ) -> Result<(), StoreError> {
        notify::announce_card(conn, self.node, job.tenant, job.device, job.card).await
    }

    /// Nothing to do: Postgres writes every term at commit (the `index_later` of
    /// [`PreparedContact::new`] is for SQLite, whose WAL holds whole pages; Postgres logs rows).
    ///
    /// [`PreparedContact::new`]: crate::store::PreparedContact::new
    async fn index_deferred_terms(
        &self,
        _tenant: TenantId,
        _first: ContactId,
        _last: ContactId,
    ) -> Result<u64, StoreError> {
        Ok(0)
    }

    /// The snapshots of these contacts that are still live, in one round trip.
    async fn snapshots_of(
        &self,
        tenant: TenantId,
        docs: &[ContactId],
    ) -> Result<HashMap<ContactId, Vec<u8>>, StoreError> {
        let ids: Vec<Uuid> = docs.iter().map(|doc| uuid(doc.as_bytes())).collect();
        let rows: Vec<(Uuid, Vec<u8>)> = sqlx::query_as(
            "SELECT id, snapshot FROM documents \
             WHERE tenant_id = $1 AND id = ANY($2) AND NOT purged",
        )
        .bind(uuid(tenant.as_bytes()))
        .bind(&ids)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, snapshot)| (ContactId::from_bytes(id.into_bytes()), snapshot))
            .collect())
    }
}

/// Claim the next due card: workers on every node claim with `FOR UPDATE SKIP LOCKED`, so
/// two never take one card and none waits on another's claim.
const CLAIM_CARD: &str = "UPDATE cards SET status = 'reading', attempts = attempts + 1, \
     lease_until_ms = $1 + $2, updated_ms = $1 \
     WHERE (tenant_id, id) = (SELECT tenant_id, id FROM cards \
         WHERE (status = 'queued' AND next_attempt_ms <= $1) \
            OR (status = 'reading' AND lease_until_ms < $1) \
         ORDER BY next_attempt_ms LIMIT 1 FOR UPDATE SKIP LOCKED) \
     RETURNING tenant_id, id, member_id, device_id, front, back, attempts";
