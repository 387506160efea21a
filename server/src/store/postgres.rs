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

mod accounts;
mod blobs;
mod cards;
mod contacts;
mod devices;
mod feed;
mod notify;
mod signing_keys;
mod visibility;

use std::num::NonZeroUsize;
use std::sync::Arc;

use async_trait::async_trait;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sync_core::ids::{ContactId, DeviceId, GroupId, MemberId, TenantId};
use sync_core::replica::session::{FeedPage, FeedRequest};
use sync_core::wire::{DocChanges, DocMeta, DocResult, Visibility};
use tokio::task::JoinHandle;
use uuid::Uuid;

pub use self::notify::FEED_CHANNEL;
pub use super::sql::cache::DEFAULT_CACHE_DOCS;
use super::sql::cache::DocCache;
use super::sql::group_commit::GroupCommit;
use super::{
    DeviceRecord, FeedTail, MemberRecord, NewMember, NewTenant, OnAdvance, OnCardRead,
    RefreshRecord, Rotation, Store, StoreError,
};

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
    commits: GroupCommit<contacts::Committer>,
}

impl PostgresStore {
    /// Connect to the database at `url` (`postgres://…`). Call [`Store::migrate`] before use.
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
        let committer = contacts::Committer {
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
}

#[async_trait]
impl Store for PostgresStore {
    fn listen(
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

    fn forget_idle_documents(&self) -> usize {
        self.cache.forget_idle(super::sql::cache::DOC_IDLE)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        // The migrator takes an advisory lock: nodes starting together migrate once.
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await?;
        self.backfill_blob_refs().await
    }

    async fn create_tenant(&self, new: &NewTenant) -> Result<(TenantId, MemberId), StoreError> {
        accounts::create_tenant(self, new).await
    }

    async fn tenant_region(&self, tenant: TenantId) -> Result<String, StoreError> {
        accounts::tenant_region(self, tenant).await
    }

    async fn add_member(&self, tenant: TenantId, new: &NewMember) -> Result<MemberId, StoreError> {
        accounts::add_member(self, tenant, new).await
    }

    async fn member_by_email(&self, email: &str) -> Result<Option<MemberRecord>, StoreError> {
        accounts::member_by_email(self, email).await
    }

    async fn member(
        &self,
        tenant: TenantId,
        member: MemberId,
    ) -> Result<Option<MemberRecord>, StoreError> {
        accounts::member(self, tenant, member).await
    }

    async fn members(&self, tenant: TenantId) -> Result<Vec<MemberRecord>, StoreError> {
        accounts::members(self, tenant).await
    }

    async fn set_password(
        &self,
        tenant: TenantId,
        member: MemberId,
        expected: &str,
        password_hash: &str,
    ) -> Result<bool, StoreError> {
        accounts::set_password(self, tenant, member, expected, password_hash).await
    }

    async fn create_group(&self, tenant: TenantId, name: &str) -> Result<GroupId, StoreError> {
        accounts::create_group(self, tenant, name).await
    }

    async fn add_to_group(
        &self,
        tenant: TenantId,
        group: GroupId,
        member: MemberId,
    ) -> Result<(), StoreError> {
        accounts::add_to_group(self, tenant, group, member).await
    }

    async fn groups_of(
        &self,
        tenant: TenantId,
        member: MemberId,
    ) -> Result<Vec<GroupId>, StoreError> {
        accounts::groups_of(self, tenant, member).await
    }

    async fn register_device(
        &self,
        tenant: TenantId,
        member: MemberId,
        name: &str,
    ) -> Result<DeviceId, StoreError> {
        devices::register_device(self, tenant, member, name).await
    }

    async fn device(
        &self,
        tenant: TenantId,
        device: DeviceId,
    ) -> Result<Option<DeviceRecord>, StoreError> {
        devices::device(self, tenant, device).await
    }

    async fn devices_of(
        &self,
        tenant: TenantId,
        member: MemberId,
    ) -> Result<Vec<DeviceRecord>, StoreError> {
        devices::devices_of(self, tenant, member).await
    }

    async fn revoke_device(&self, tenant: TenantId, device: DeviceId) -> Result<(), StoreError> {
        devices::revoke_device(self, tenant, device).await
    }

    async fn insert_refresh(&self, record: &RefreshRecord) -> Result<(), StoreError> {
        devices::insert_refresh(self, record).await
    }

    async fn rotate_refresh(
        &self,
        old: &[u8; 32],
        new: &RefreshRecord,
        now: i64,
    ) -> Result<Rotation, StoreError> {
        devices::rotate_refresh(self, old, new, now).await
    }

    async fn signing_key(&self, kid: &str) -> Result<Option<Vec<u8>>, StoreError> {
        signing_keys::signing_key(self, kid).await
    }

    async fn current_signing_key(
        &self,
        candidate_kid: &str,
        candidate: &[u8],
    ) -> Result<(String, Vec<u8>), StoreError> {
        signing_keys::current_signing_key(self, candidate_kid, candidate).await
    }

    async fn head(&self, tenant: TenantId) -> Result<u64, StoreError> {
        contacts::head(self, tenant).await
    }

    async fn commit(
        &self,
        tenant: TenantId,
        member: MemberId,
        docs: &[DocChanges],
    ) -> Result<Vec<DocResult>, StoreError> {
        self.commits.commit(tenant, member, docs).await
    }

    async fn read_feed(
        &self,
        tenant: TenantId,
        member: MemberId,
        request: &FeedRequest,
    ) -> Result<FeedPage, StoreError> {
        super::sql::feed_pages::read_feed(self, tenant, member, request).await
    }

    async fn feed_tail(
        &self,
        tenant: TenantId,
        after: u64,
        limit: usize,
    ) -> Result<Option<FeedTail>, StoreError> {
        super::sql::feed_pages::read_tail(self, tenant, after, limit).await
    }

    async fn repair(
        &self,
        tenant: TenantId,
        member: MemberId,
        doc: ContactId,
        message: &[u8],
    ) -> Result<Option<Vec<u8>>, StoreError> {
        contacts::repair(self, tenant, member, doc, message).await
    }

    async fn doc_meta(
        &self,
        tenant: TenantId,
        doc: ContactId,
    ) -> Result<Option<DocMeta>, StoreError> {
        contacts::doc_meta(self, tenant, doc).await
    }

    async fn set_visibility(
        &self,
        tenant: TenantId,
        doc: ContactId,
        visibility: &Visibility,
    ) -> Result<(), StoreError> {
        visibility::set_visibility(self, tenant, doc, visibility).await
    }

    async fn purge(&self, tenant: TenantId, doc: ContactId) -> Result<(), StoreError> {
        visibility::purge(self, tenant, doc).await
    }
}
