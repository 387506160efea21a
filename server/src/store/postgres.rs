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
use sqlx::postgres::{PgPool, PgPoolOptions};
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
        let pool = PgPoolOptions::new()
            .max_connections(DEFAULT_CONNECTIONS)
            .connect(url)
            .await?;
        Ok(Self::from_pool(pool, cache_docs))
    }

    /// A store on an existing pool, keeping at most `cache_docs` documents loaded.
    pub fn from_pool(pool: PgPool, cache_docs: NonZeroUsize) -> Self {
        let cache = Arc::new(DocCache::new(cache_docs));
        let node = Uuid::new_v4();
        let committer = contacts::Committer {
            pool: pool.clone(),
            cache: Arc::clone(&cache),
            node,
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
