//! Every line of SQL lives below this module, behind one [`Store`] trait with two
//! implementations: SQLite (the embedded default, one node) and Postgres (several nodes).
//! One conformance suite (`server/tests/store_conformance.rs`) runs against both.
//!
//! **Written once.** A statement both backends can run is one text: `$N` parameters and
//! functions both know, in the files of `store/portable/`. Each backend compiles those files
//! as modules of its own (`#[path = "portable/…"] mod …;` in `sqlite.rs` and `postgres.rs`),
//! where `Backend` and `Connection` name its concrete types and a few macros spell what
//! differs inside a statement (`sql_now!`, `lock_rows!`, `lock_rows_of!`). The same code,
//! checked by the compiler against each backend's concrete types, with no generic bounds for
//! sqlx to satisfy and no macro bodies to keep formatted. A backend file keeps only what
//! truly differs: connecting, the commit path and its locking (`sqlite/committer.rs` on its
//! own connection, `postgres/committer.rs` with arrays), notifications between nodes
//! (`postgres/notify.rs`), job claims (`CLAIM_CARD`) and batched reads.
//!
//! The sync decisions themselves are not here: which pushed changes to accept comes from
//! `sync_core::accept`, who receives which feed row from `sync_core::feed`. A store's job is
//! to keep the data and to make each decision inside the right transaction — above all, to
//! allocate feed sequence numbers in the committing transaction under a per-tenant lock, so
//! commit order equals seq order and a cursor never skips a row.

use async_trait::async_trait;
use sync_core::access::Viewer;
use sync_core::ids::{ContactId, DeviceId, GroupId, MemberId, TenantId, UnitId};
use sync_core::replica::session::{FeedPage, FeedRequest};
use sync_core::wire::{DocChanges, DocMeta, DocResult, Visibility};

/// Declares, inside a backend's module, the modules compiled from `store/portable/` (see the
/// module page): one list for both backends.
macro_rules! portable_modules {
    () => {
        // Each file is compiled once per backend on purpose: that is how it is written once.
        #[allow(clippy::duplicate_mod)]
        #[path = "portable/accounts.rs"]
        mod accounts;
        #[allow(clippy::duplicate_mod)]
        #[path = "portable/blobs.rs"]
        mod blobs;
        #[allow(clippy::duplicate_mod)]
        #[path = "portable/cards.rs"]
        mod cards;
        #[allow(clippy::duplicate_mod)]
        #[path = "portable/contacts.rs"]
        mod contacts;
        #[allow(clippy::duplicate_mod)]
        #[path = "portable/devices.rs"]
        mod devices;
        #[allow(clippy::duplicate_mod)]
        #[path = "portable/directory.rs"]
        mod directory;
        #[allow(clippy::duplicate_mod)]
        #[path = "portable/feed.rs"]
        mod feed;
        #[allow(clippy::duplicate_mod)]
        #[path = "portable/imports.rs"]
        mod imports;
        #[allow(clippy::duplicate_mod)]
        #[path = "portable/listing.rs"]
        mod listing;
        #[allow(clippy::duplicate_mod)]
        #[path = "portable/organization.rs"]
        mod organization;
        #[allow(clippy::duplicate_mod)]
        #[path = "portable/projection.rs"]
        mod projection;
        #[allow(clippy::duplicate_mod)]
        #[path = "portable/signing_keys.rs"]
        mod signing_keys;
        #[allow(clippy::duplicate_mod)]
        #[path = "portable/store_impl.rs"]
        mod store_impl;
        #[allow(clippy::duplicate_mod)]
        #[path = "portable/visibility.rs"]
        mod visibility;
    };
}
use portable_modules;

pub mod cards;
pub mod imports;
pub mod listing;
pub mod postgres;
mod sql;
/// How duplicate detection keys a messaging handle, the same for stored contacts and import rows.
pub(crate) use sql::projection::handle_keys;
pub mod sqlite;

/// What can go wrong in a store. Details stay in the server's logs; clients see only a code.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The SQLite group committer's own connection failed (see `sqlite::committer`).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A migration failed at start-up.
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A unique value (an email, a tenant slug) is taken.
    #[error("{what} is already taken")]
    Conflict {
        /// What clashed, for the message.
        what: String,
    },
    /// The row named does not exist.
    #[error("{what} not found")]
    NotFound {
        /// What is missing, for the message.
        what: String,
    },
    /// Stored bytes did not decode (a document, a feed row): the data is damaged.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    /// The change asked for cannot be made (a unit moved inside itself); `field` names what
    /// the caller asked for.
    #[error("{field}: {reason}")]
    Refused {
        /// The request's field that cannot be honoured.
        field: String,
        /// Why, for a person.
        reason: String,
    },
    /// The database took longer than its bound; the connection was given up.
    #[error("{what} took longer than its time bound")]
    Timeout {
        /// What was waited for.
        what: String,
    },
}

pub use sync_core::access::Role;

/// A member as the access rules see them, with the tenant's access generation it is at least
/// as new as: a node holding it knows it is stale once the generation moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The member's groups, units (with their ancestors) and whether active.
    pub viewer: Viewer,
    /// `tenants.access_gen` when it was read.
    pub generation: u64,
}

/// A group and its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    /// The group.
    pub id: GroupId,
    /// Its name, unique in the company.
    pub name: String,
    /// Its members, in id order.
    pub members: Vec<MemberId>,
}

/// An org unit (a department) and its own members (not those of the units below).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRecord {
    /// The unit.
    pub id: UnitId,
    /// Its name.
    pub name: String,
    /// The unit it sits in; `None` at the top.
    pub parent: Option<UnitId>,
    /// Its members, in id order.
    pub members: Vec<MemberId>,
}

/// What to change about an org unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitChange {
    /// A new name.
    pub name: Option<String>,
    /// A new place in the tree: `Some(None)` moves it to the top.
    pub parent: Option<Option<UnitId>>,
}

/// A new tenant and its owner.
#[derive(Debug, Clone)]
pub struct NewTenant {
    /// The company's name.
    pub name: String,
    /// The owner's login email, lowercase.
    pub owner_email: String,
    /// The owner's display name.
    pub owner_name: String,
    /// Argon2id PHC string of the owner's password.
    pub owner_password_hash: String,
    /// Default region for phone numbers (ISO 3166 alpha-2), e.g. `JP`.
    pub region: String,
}

/// A new member of a tenant.
#[derive(Debug, Clone)]
pub struct NewMember {
    /// Login email, lowercase; unique across the server.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Argon2id PHC string of the password.
    pub password_hash: String,
}

/// A stored member.
#[derive(Clone, PartialEq, Eq)]
pub struct MemberRecord {
    /// The tenant.
    pub tenant: TenantId,
    /// The member.
    pub member: MemberId,
    /// Login email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Deactivated members can't log in and their devices are cut off.
    pub active: bool,
}

impl std::fmt::Debug for MemberRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password hash stays out of logs and panic messages.
        f.debug_struct("MemberRecord")
            .field("tenant", &self.tenant)
            .field("member", &self.member)
            .field("email", &self.email)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// A stored device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    /// The tenant.
    pub tenant: TenantId,
    /// The member who owns it.
    pub member: MemberId,
    /// The device.
    pub device: DeviceId,
    /// What the member called it ("Aiko's iPhone").
    pub name: String,
    /// Revoked devices can't refresh tokens or connect.
    pub revoked: bool,
}

/// A refresh token as stored: only its SHA-256 hash, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// SHA-256 of the token.
    pub hash: [u8; 32],
    /// The tenant.
    pub tenant: TenantId,
    /// The member.
    pub member: MemberId,
    /// The device it was issued to.
    pub device: DeviceId,
    /// Expiry, seconds since the Unix epoch (UTC).
    pub expires_at: i64,
}

/// The outcome of rotating a refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The old token was valid and is now spent; the new one is stored.
    Rotated(RefreshRecord),
    /// No such token, or expired, or its device revoked.
    Invalid,
    /// The token was already spent: someone replayed it. Every token of that device is revoked
    /// (the usual answer to refresh-token theft).
    Reused {
        /// The device whose tokens were revoked.
        device: DeviceId,
    },
}

/// Called when another node committed: the tenant's feed reached this seq.
pub type OnAdvance = std::sync::Arc<dyn Fn(TenantId, u64) + Send + Sync>;

/// Called when another node finished reading a card: its scanning device's connection (which
/// may be on this node) sends the draft.
pub type OnCardRead =
    std::sync::Arc<dyn Fn(TenantId, DeviceId, sync_core::ids::CardId) + Send + Sync>;

/// The newest rows of a tenant's feed as read for a node's fan-out (`sync::hub`), which keeps
/// them in memory so the connections it wakes need not each read the store.
#[derive(Debug, Clone, Default)]
pub struct FeedTail {
    /// The tenant's head: `rows` are every row after the seq asked for, up to this one.
    pub head: u64,
    /// The seq up to which rows were dropped.
    pub floor: u64,
    /// The tenant's access generation read with the head: a connection whose member's
    /// [`Access`] is older reads it again before judging these rows.
    pub access_gen: u64,
    /// The rows, in seq order.
    pub rows: Vec<TailRow>,
}

/// One row of a [`FeedTail`] with what any member's delivery of it needs.
#[derive(Debug, Clone)]
pub struct TailRow {
    /// The row.
    pub row: sync_core::feed::FeedRow,
    /// The contact's owner and visibility when read (`None` once purged).
    pub meta: Option<DocMeta>,
    /// The contact's snapshot when read, for the rows that become grants (created, granted).
    pub snapshot: Option<Vec<u8>>,
}

/// A new contact the server built itself (an import's row) with what accepting its first
/// change and projecting it compute: the change's hash, the typed contact, the document's
/// saved bytes and its search terms. Built off the store's committing thread, so a commit of
/// many only writes them. The document itself is not kept: a few batches of them wait to be
/// committed, and an Automerge document in memory is many times its saved size.
#[derive(Debug)]
pub struct PreparedContact {
    /// The hash of the one change that made it (its document's only head).
    change: automerge::ChangeHash,
    /// The contact it holds (validated when the document was made).
    contact: sync_core::contact::Contact,
    /// The document, saved.
    saved: Vec<u8>,
    /// Its `terms` column, worked out with the company's phone region as it was when the
    /// contact was built (its fingerprint tells a commit whether the region still holds).
    terms: String,
    /// Its search terms may be left for [`Store::index_deferred_terms`]: a store whose index
    /// writes cost most in large groups (SQLite) leaves them; others write them at once.
    index_later: bool,
}

impl PreparedContact {
    /// Prepare `contact`, just created in `doc` by `change`, for a company whose phone
    /// region is `region`. With `index_later`, a store may leave its search terms out of the
    /// commit for [`Store::index_deferred_terms`] to write.
    pub fn new(
        doc: &sync_core::document::ContactDoc,
        change: &automerge::Change,
        contact: sync_core::contact::Contact,
        region: &str,
        index_later: bool,
    ) -> Self {
        Self {
            change: change.hash(),
            saved: doc.save(),
            terms: sql::projection::terms_of(&contact, region),
            contact,
            index_later,
        }
    }
}

/// The storage every server node shares.
#[async_trait]
pub trait Store: cards::CardStore + imports::ImportStore + Send + Sync + 'static {
    /// Start following commits made by other nodes (Postgres LISTEN/NOTIFY: one notification
    /// per committed batch), and the cards they finish reading. A single-node store (SQLite)
    /// has nothing to follow.
    fn listen(
        self: std::sync::Arc<Self>,
        on_advance: OnAdvance,
        on_card_read: OnCardRead,
    ) -> Option<tokio::task::JoinHandle<()>> {
        let _ = (on_advance, on_card_read);
        None
    }

    /// Whether one server process is all this store can have (SQLite): what it finds running
    /// at start-up was left by its own previous run, whatever leases say.
    fn one_node(&self) -> bool {
        false
    }

    /// Let go of the loaded documents no push or repair used for ten minutes, so the memory
    /// a burst took is given back; returns how many went. The server calls it every minute.
    fn forget_idle_documents(&self) -> usize {
        0
    }

    /// Bring the schema up to date (numbered migrations, never edited once landed).
    async fn migrate(&self) -> Result<(), StoreError>;

    // --- accounts -------------------------------------------------------------------------

    /// Create a tenant with its owner. `Conflict` if the email is taken.
    async fn create_tenant(&self, new: &NewTenant) -> Result<(TenantId, MemberId), StoreError>;
    /// The tenant's default phone region.
    async fn tenant_region(&self, tenant: TenantId) -> Result<String, StoreError>;
    /// Add a member. `Conflict` if the email is taken.
    async fn add_member(&self, tenant: TenantId, new: &NewMember) -> Result<MemberId, StoreError>;
    /// Find a member by login email (lowercase).
    async fn member_by_email(&self, email: &str) -> Result<Option<MemberRecord>, StoreError>;
    /// One member.
    async fn member(
        &self,
        tenant: TenantId,
        member: MemberId,
    ) -> Result<Option<MemberRecord>, StoreError>;
    /// Every member of a tenant, active or not.
    async fn members(&self, tenant: TenantId) -> Result<Vec<MemberRecord>, StoreError>;
    /// Replace a member's password hash (accepting an invitation, changing a password), but
    /// only if it is still `expected`: of two accepts of one invitation at the same moment,
    /// one wins and the other gets `false`. `NotFound` if there is no such member.
    async fn set_password(
        &self,
        tenant: TenantId,
        member: MemberId,
        expected: &str,
        password_hash: &str,
    ) -> Result<bool, StoreError>;
    /// Create a group.
    async fn create_group(&self, tenant: TenantId, name: &str) -> Result<GroupId, StoreError>;
    /// Put a member in a group (idempotent; grant rows for what they gain).
    async fn add_to_group(
        &self,
        tenant: TenantId,
        group: GroupId,
        member: MemberId,
    ) -> Result<(), StoreError>;
    /// The groups a member belongs to.
    async fn groups_of(
        &self,
        tenant: TenantId,
        member: MemberId,
    ) -> Result<Vec<GroupId>, StoreError>;

    /// A member as the access rules see them (groups, units with their ancestors, active),
    /// with the access generation it is as new as. `NotFound` if there is no such member.
    async fn access(&self, tenant: TenantId, member: MemberId) -> Result<Access, StoreError>;
    /// Every group with its members, by name.
    async fn groups(&self, tenant: TenantId) -> Result<Vec<GroupRecord>, StoreError>;
    /// Rename a group. `Conflict` if the name is taken.
    async fn rename_group(
        &self,
        tenant: TenantId,
        group: GroupId,
        name: &str,
    ) -> Result<(), StoreError>;
    /// Delete a group: its members lose what was shared with them through it (revoke rows).
    async fn delete_group(&self, tenant: TenantId, group: GroupId) -> Result<(), StoreError>;
    /// Take a member out of a group (revoke rows for what they lose).
    async fn remove_from_group(
        &self,
        tenant: TenantId,
        group: GroupId,
        member: MemberId,
    ) -> Result<(), StoreError>;
    /// Every org unit with its own members, by name.
    async fn units(&self, tenant: TenantId) -> Result<Vec<UnitRecord>, StoreError>;
    /// Create an org unit under `parent` (`None`: at the top).
    async fn create_unit(
        &self,
        tenant: TenantId,
        name: &str,
        parent: Option<UnitId>,
    ) -> Result<UnitId, StoreError>;
    /// Rename or move an org unit (grant and revoke rows for the sight a move changes;
    /// `Refused` for a move inside itself).
    async fn update_unit(
        &self,
        tenant: TenantId,
        unit: UnitId,
        change: &UnitChange,
    ) -> Result<(), StoreError>;
    /// Delete an org unit: its members leave it, the units below move up to its parent.
    async fn delete_unit(&self, tenant: TenantId, unit: UnitId) -> Result<(), StoreError>;
    /// Put a member in an org unit (idempotent; grant rows for what they gain).
    async fn add_to_unit(
        &self,
        tenant: TenantId,
        unit: UnitId,
        member: MemberId,
    ) -> Result<(), StoreError>;
    /// Take a member out of an org unit (revoke rows for what they lose).
    async fn remove_from_unit(
        &self,
        tenant: TenantId,
        unit: UnitId,
        member: MemberId,
    ) -> Result<(), StoreError>;
    /// Deactivate or reactivate a member: deactivated, they see nothing (revoke rows for all
    /// they saw); reactivated, grant rows give it back.
    async fn set_member_active(
        &self,
        tenant: TenantId,
        member: MemberId,
        active: bool,
    ) -> Result<(), StoreError>;
    /// Change a member's role.
    async fn set_member_role(
        &self,
        tenant: TenantId,
        member: MemberId,
        role: Role,
    ) -> Result<(), StoreError>;

    /// Register a device for a member.
    async fn register_device(
        &self,
        tenant: TenantId,
        member: MemberId,
        name: &str,
    ) -> Result<DeviceId, StoreError>;
    /// One device.
    async fn device(
        &self,
        tenant: TenantId,
        device: DeviceId,
    ) -> Result<Option<DeviceRecord>, StoreError>;
    /// A member's devices.
    async fn devices_of(
        &self,
        tenant: TenantId,
        member: MemberId,
    ) -> Result<Vec<DeviceRecord>, StoreError>;
    /// Revoke a device and every refresh token issued to it.
    async fn revoke_device(&self, tenant: TenantId, device: DeviceId) -> Result<(), StoreError>;

    /// Store a new refresh token.
    async fn insert_refresh(&self, record: &RefreshRecord) -> Result<(), StoreError>;
    /// Spend `old` and store `new` in one transaction (see [`Rotation`]); `now` in seconds
    /// since the Unix epoch.
    async fn rotate_refresh(
        &self,
        old: &[u8; 32],
        new: &RefreshRecord,
        now: i64,
    ) -> Result<Rotation, StoreError>;

    /// The secret of signing key `kid`, if it exists.
    async fn signing_key(&self, kid: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// The key to sign new tokens with; stores `candidate` under `candidate_kid` if there is
    /// none yet (so every node of a cluster agrees on one key).
    async fn current_signing_key(
        &self,
        candidate_kid: &str,
        candidate: &[u8],
    ) -> Result<(String, Vec<u8>), StoreError>;

    // --- sync -----------------------------------------------------------------------------

    /// The tenant's latest feed seq.
    async fn head(&self, tenant: TenantId) -> Result<u64, StoreError>;
    /// Check and commit a push from `viewer`'s member in one transaction: per contact,
    /// authorise (the member may see it — as `viewer` says, read when the push arrived; a new
    /// contact is owned by the member and visible to all unless the push says otherwise), run
    /// `sync_core::accept::accept_changes`, store the document, its snapshot, heads and
    /// search projection, and append a feed row with the next seq under the tenant's lock.
    /// One result per contact, in order; a refused contact does not hold back the others.
    async fn commit(
        &self,
        tenant: TenantId,
        viewer: &Viewer,
        docs: &[DocChanges],
    ) -> Result<Vec<DocResult>, StoreError>;
    /// [`Store::commit`] of new contacts the server built itself: `prepared[i]`, when given,
    /// is what accepting `docs[i]` as a new contact would compute, and is used instead when
    /// the contact does not exist yet (one that does is decided as any push is, so a change
    /// committed before is answered as already stored).
    async fn commit_prepared(
        &self,
        tenant: TenantId,
        viewer: &Viewer,
        docs: &[DocChanges],
        prepared: Vec<Option<std::sync::Arc<PreparedContact>>>,
    ) -> Result<Vec<DocResult>, StoreError> {
        let _ = prepared;
        self.commit(tenant, viewer, docs).await
    }
    /// Write the search terms that [`Store::commit_prepared`] left out
    /// (see [`PreparedContact::new`]) for the contacts with ids from `first` to `last`:
    /// until then those contacts are listed but not found by search. Terms of contacts that
    /// have them already, or that changed since, are left as they are. Returns how many
    /// terms it wrote (none on a store that never leaves them out).
    async fn index_deferred_terms(
        &self,
        tenant: TenantId,
        first: ContactId,
        last: ContactId,
    ) -> Result<u64, StoreError> {
        let _ = (tenant, first, last);
        Ok(0)
    }
    /// One page of the feed for `member`, decided by `sync_core::feed`.
    async fn read_feed(
        &self,
        tenant: TenantId,
        member: MemberId,
        request: &FeedRequest,
    ) -> Result<FeedPage, StoreError>;
    /// Every feed row after `after` up to the head, for every member at once (see
    /// [`FeedTail`]); `None` when more than `limit` rows wait (a reader that far behind reads
    /// pages with [`Store::read_feed`] instead).
    async fn feed_tail(
        &self,
        tenant: TenantId,
        after: u64,
        limit: usize,
    ) -> Result<Option<FeedTail>, StoreError>;
    /// Answer a repair message with `sync_core::accept::repair_reply`, or `None` if the member
    /// may not see the contact or it does not exist.
    async fn repair(
        &self,
        tenant: TenantId,
        member: MemberId,
        doc: ContactId,
        message: &[u8],
    ) -> Result<Option<Vec<u8>>, StoreError>;
    /// A contact's owner and visibility.
    async fn doc_meta(
        &self,
        tenant: TenantId,
        doc: ContactId,
    ) -> Result<Option<DocMeta>, StoreError>;
    /// Change who may see a contact: grant / revoke / meta feed rows in one transaction. The
    /// visibility is stored normalized (`Visibility::normalized`: no duplicates, not the
    /// owner); `Refused` (field `visibility`) past `MAX_SHARED_MEMBERS`.
    async fn set_visibility(
        &self,
        tenant: TenantId,
        doc: ContactId,
        visibility: &Visibility,
    ) -> Result<(), StoreError>;
    /// Hand a contact to another active member (see `sync_core::access::transfer_owner`: the
    /// old owner stays listed unless everyone sees it): grant / revoke / meta rows in one
    /// transaction. Returns the new metadata.
    async fn transfer_owner(
        &self,
        tenant: TenantId,
        doc: ContactId,
        new_owner: MemberId,
    ) -> Result<DocMeta, StoreError>;
    /// A contact's metadata and document as stored now; `None` if there is none (or it was
    /// purged). Who may read it is the caller's decision.
    async fn load_contact(
        &self,
        tenant: TenantId,
        doc: ContactId,
    ) -> Result<Option<listing::LoadedContact>, StoreError>;
    /// A page of the contacts `viewer` may see that match `query`.
    async fn list_contacts(
        &self,
        tenant: TenantId,
        viewer: &Viewer,
        query: &listing::ContactQuery,
    ) -> Result<listing::ContactPage, StoreError>;
    /// The tags on contacts `viewer` may see (not in the trash), with how many carry each.
    async fn tags(
        &self,
        tenant: TenantId,
        viewer: &Viewer,
    ) -> Result<Vec<listing::TagCount>, StoreError>;
    /// Every live contact of the company carrying `tag`, whoever may see it (renaming or
    /// deleting a tag across the company).
    async fn contacts_tagged(
        &self,
        tenant: TenantId,
        tag: &str,
    ) -> Result<Vec<ContactId>, StoreError>;
    /// Up to `limit` contacts, of any company, in the trash since before `before_ms`.
    async fn trashed_before(
        &self,
        before_ms: i64,
        limit: usize,
    ) -> Result<Vec<(TenantId, ContactId)>, StoreError>;
    /// Delete a contact for good, with a purge feed row. Its images go in the same
    /// transaction, unless another contact holds them (see `CardStore::blob_for`).
    async fn purge(&self, tenant: TenantId, doc: ContactId) -> Result<(), StoreError>;
}
