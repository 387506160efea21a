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

mod accounts;
mod blobs;
mod cards;
mod committer;
mod contacts;
mod devices;
mod feed;
mod signing_keys;
mod visibility;

use std::num::NonZeroUsize;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use sync_core::ids::{ContactId, DeviceId, GroupId, MemberId, TenantId};
use sync_core::replica::session::{FeedPage, FeedRequest};
use sync_core::wire::{DocChanges, DocMeta, DocResult, Visibility};

pub use super::sql::cache::DEFAULT_CACHE_DOCS;
use super::sql::cache::DocCache;
use super::sql::group_commit::GroupCommit;
use super::{
    DeviceRecord, FeedTail, MemberRecord, NewMember, NewTenant, RefreshRecord, Rotation, Store,
    StoreError,
};

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
    /// Open (creating if missing) the database at `path_or_url`: a file path or a
    /// `sqlite://PATH` URL. Call [`Store::migrate`] before use.
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
}

#[async_trait]
impl Store for SqliteStore {
    fn forget_idle_documents(&self) -> usize {
        self.cache.forget_idle(super::sql::cache::DOC_IDLE)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.writer)
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
