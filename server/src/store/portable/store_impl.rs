//! The [`Store`] trait for a backend: each method hands over to the portable statements
//! (the sibling modules compiled from `store/portable/`) or, where the backends truly differ,
//! to the backend's own code (`migrate_schema`, `follow_other_nodes`, the group committer).

use std::sync::Arc;

use async_trait::async_trait;
use sync_core::access::Viewer;
use sync_core::ids::{ContactId, DeviceId, GroupId, MemberId, TenantId, UnitId};
use sync_core::replica::session::{FeedPage, FeedRequest};
use sync_core::wire::{DocChanges, DocMeta, DocResult, Visibility};
use tokio::task::JoinHandle;

use super::{
    Backend, accounts, contacts, devices, directory, listing, organization, signing_keys,
    visibility,
};
use super::organization::Membership;
use crate::store::listing::{ContactPage, ContactQuery, LoadedContact, TagCount};
use crate::store::{
    Access, DeviceRecord, FeedTail, GroupRecord, MemberRecord, NewMember, NewTenant, OnAdvance,
    OnCardRead, RefreshRecord, Role, Rotation, Store, StoreError, UnitChange, UnitRecord,
};

#[async_trait]
impl Store for Backend {
    fn listen(
        self: Arc<Self>,
        on_advance: OnAdvance,
        on_card_read: OnCardRead,
    ) -> Option<JoinHandle<()>> {
        Backend::follow_other_nodes(self, on_advance, on_card_read)
    }

    fn one_node(&self) -> bool {
        Backend::ONE_NODE
    }

    fn forget_idle_documents(&self) -> usize {
        self.cache.forget_idle(crate::store::sql::cache::DOC_IDLE)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        self.migrate_schema().await?;
        self.backfill_blob_refs().await?;
        self.backfill_projection().await
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
        organization::set_membership(self, tenant, Membership::Group(group), member, true).await
    }

    async fn groups_of(
        &self,
        tenant: TenantId,
        member: MemberId,
    ) -> Result<Vec<GroupId>, StoreError> {
        accounts::groups_of(self, tenant, member).await
    }

    async fn access(&self, tenant: TenantId, member: MemberId) -> Result<Access, StoreError> {
        directory::access(self, tenant, member).await
    }

    async fn groups(&self, tenant: TenantId) -> Result<Vec<GroupRecord>, StoreError> {
        organization::groups(self, tenant).await
    }

    async fn rename_group(
        &self,
        tenant: TenantId,
        group: GroupId,
        name: &str,
    ) -> Result<(), StoreError> {
        organization::rename_group(self, tenant, group, name).await
    }

    async fn delete_group(&self, tenant: TenantId, group: GroupId) -> Result<(), StoreError> {
        organization::delete_group(self, tenant, group).await
    }

    async fn remove_from_group(
        &self,
        tenant: TenantId,
        group: GroupId,
        member: MemberId,
    ) -> Result<(), StoreError> {
        organization::set_membership(self, tenant, Membership::Group(group), member, false).await
    }

    async fn units(&self, tenant: TenantId) -> Result<Vec<UnitRecord>, StoreError> {
        organization::units(self, tenant).await
    }

    async fn create_unit(
        &self,
        tenant: TenantId,
        name: &str,
        parent: Option<UnitId>,
    ) -> Result<UnitId, StoreError> {
        organization::create_unit(self, tenant, name, parent).await
    }

    async fn update_unit(
        &self,
        tenant: TenantId,
        unit: UnitId,
        change: &UnitChange,
    ) -> Result<(), StoreError> {
        organization::update_unit(self, tenant, unit, change).await
    }

    async fn delete_unit(&self, tenant: TenantId, unit: UnitId) -> Result<(), StoreError> {
        organization::delete_unit(self, tenant, unit).await
    }

    async fn add_to_unit(
        &self,
        tenant: TenantId,
        unit: UnitId,
        member: MemberId,
    ) -> Result<(), StoreError> {
        organization::set_membership(self, tenant, Membership::Unit(unit), member, true).await
    }

    async fn remove_from_unit(
        &self,
        tenant: TenantId,
        unit: UnitId,
        member: MemberId,
    ) -> Result<(), StoreError> {
        organization::set_membership(self, tenant, Membership::Unit(unit), member, false).await
    }

    async fn set_member_active(
        &self,
        tenant: TenantId,
        member: MemberId,
        active: bool,
    ) -> Result<(), StoreError> {
        organization::set_member_active(self, tenant, member, active).await
    }

    async fn set_member_role(
        &self,
        tenant: TenantId,
        member: MemberId,
        role: Role,
    ) -> Result<(), StoreError> {
        organization::set_member_role(self, tenant, member, role).await
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
        viewer: &Viewer,
        docs: &[DocChanges],
    ) -> Result<Vec<DocResult>, StoreError> {
        self.commits.commit(tenant, viewer, docs).await
    }

    async fn commit_prepared(
        &self,
        tenant: TenantId,
        viewer: &Viewer,
        docs: &[DocChanges],
        prepared: Vec<Option<std::sync::Arc<crate::store::PreparedContact>>>,
    ) -> Result<Vec<DocResult>, StoreError> {
        self.commits
            .commit_prepared(tenant, viewer, docs, prepared)
            .await
    }

    async fn index_deferred_terms(
        &self,
        tenant: TenantId,
        first: ContactId,
        last: ContactId,
    ) -> Result<u64, StoreError> {
        Backend::index_deferred_terms(self, tenant, first, last).await
    }

    async fn read_feed(
        &self,
        tenant: TenantId,
        member: MemberId,
        request: &FeedRequest,
    ) -> Result<FeedPage, StoreError> {
        crate::store::sql::feed_pages::read_feed(self, tenant, member, request).await
    }

    async fn feed_tail(
        &self,
        tenant: TenantId,
        after: u64,
        limit: usize,
    ) -> Result<Option<FeedTail>, StoreError> {
        crate::store::sql::feed_pages::read_tail(self, tenant, after, limit).await
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

    async fn transfer_owner(
        &self,
        tenant: TenantId,
        doc: ContactId,
        new_owner: MemberId,
    ) -> Result<DocMeta, StoreError> {
        visibility::transfer_owner(self, tenant, doc, new_owner).await
    }

    async fn load_contact(
        &self,
        tenant: TenantId,
        doc: ContactId,
    ) -> Result<Option<LoadedContact>, StoreError> {
        listing::load_contact(self, tenant, doc).await
    }

    async fn list_contacts(
        &self,
        tenant: TenantId,
        viewer: &Viewer,
        query: &ContactQuery,
    ) -> Result<ContactPage, StoreError> {
        listing::list_contacts(self, tenant, viewer, query).await
    }

    async fn tags(&self, tenant: TenantId, viewer: &Viewer) -> Result<Vec<TagCount>, StoreError> {
        listing::tags(self, tenant, viewer).await
    }

    async fn contacts_tagged(
        &self,
        tenant: TenantId,
        tag: &str,
    ) -> Result<Vec<ContactId>, StoreError> {
        listing::contacts_tagged(self, tenant, tag).await
    }

    async fn trashed_before(
        &self,
        before_ms: i64,
        limit: usize,
    ) -> Result<Vec<(TenantId, ContactId)>, StoreError> {
        listing::trashed_before(self, before_ms, limit).await
    }

    async fn purge(&self, tenant: TenantId, doc: ContactId) -> Result<(), StoreError> {
        visibility::purge(self, tenant, doc).await
    }
}
