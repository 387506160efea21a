//! A store driven in step with the reference store (`sync_core::sim::MemoryTenant`): pushes,
//! visibility, ownership and the directory (groups, org units, who is active) go to both, and
//! [`Shadow::assert_same_feed`] compares what every member reads.
//!
//! The store makes the ids of groups and units; the reference takes ids as given, so each
//! directory operation hands the store's id to the reference.

use std::collections::BTreeSet;

use server::store::listing::{ContactQuery, Shelf};
use server::store::{Store, StoreError, UnitChange};
use sync_core::ids::{ContactId, GroupId, MemberId, UnitId};
use sync_core::sim::tenant::MemoryTenant;
use sync_core::wire::{DocChanges, DocMeta, DocResult, Visibility};

use super::{Team, ids, items, list_all, read_all, read_all_reference, team};

/// A store driven in step with the reference store: every write goes to both and must get
/// the same answer, and [`Shadow::assert_same_feed`] compares what members read.
pub struct Shadow<'a> {
    /// The store under test.
    pub store: &'a dyn Store,
    /// The reference.
    pub reference: MemoryTenant,
    /// The team.
    pub team: Team,
}

impl<'a> Shadow<'a> {
    /// A new team (see [`team`]) in the store, every member known to the reference too, so a
    /// directory change weighs everyone's sight in both.
    pub async fn new(store: &'a dyn Store, name: &str) -> Self {
        let team = team(store, name).await;
        let mut reference = MemoryTenant::new();
        for member in team.members() {
            reference.add_member(member);
        }
        Self {
            store,
            reference,
            team,
        }
    }
}

impl Shadow<'_> {
    /// Push to both; the results must agree. Returns them. The store is given the member as
    /// it has them now (groups, units, active), as the server's sync does.
    pub async fn commit(&mut self, member: MemberId, docs: &[DocChanges]) -> Vec<DocResult> {
        let access = self
            .store
            .access(self.team.tenant, member)
            .await
            .expect("the member's access");
        let results = self
            .store
            .commit(self.team.tenant, &access.viewer, docs)
            .await
            .expect("commit");
        assert_eq!(
            results,
            self.reference.commit(member, docs),
            "the store and the reference store judged a push differently"
        );
        results
    }

    /// Change a contact's visibility in both.
    pub async fn set_visibility(&mut self, doc: ContactId, visibility: Visibility) {
        self.store
            .set_visibility(self.team.tenant, doc, &visibility)
            .await
            .expect("visibility set");
        self.reference
            .set_visibility(doc, visibility, &self.team.members());
    }

    /// Hand a contact to `new_owner` in both; both must refuse alike. Returns the store's
    /// answer, whose metadata must be the reference's.
    pub async fn transfer_owner(
        &mut self,
        doc: ContactId,
        new_owner: MemberId,
    ) -> Result<DocMeta, StoreError> {
        let stored = self
            .store
            .transfer_owner(self.team.tenant, doc, new_owner)
            .await;
        let reference = self.reference.transfer_owner(doc, new_owner);
        match (&stored, &reference) {
            (Ok(meta), Ok(())) => assert_eq!(
                Some(meta),
                self.reference.meta(doc),
                "the store and the reference store transferred {doc} differently"
            ),
            (Err(StoreError::Refused { .. }), Err(_)) => {}
            _ => panic!(
                "transferring {doc} to {new_owner}: the store answered {stored:?}, \
                 the reference {reference:?}"
            ),
        }
        stored
    }

    /// Purge a contact in both.
    pub async fn purge(&mut self, doc: ContactId) {
        self.store
            .purge(self.team.tenant, doc)
            .await
            .expect("purged");
        self.reference.purge(doc, &self.team.members());
    }

    /// A new group in the store; the reference needs none until someone joins it.
    pub async fn create_group(&mut self, name: &str) -> GroupId {
        self.store
            .create_group(self.team.tenant, name)
            .await
            .expect("group created")
    }

    /// Put `member` in `group` in both.
    pub async fn join_group(&mut self, member: MemberId, group: GroupId) {
        self.store
            .add_to_group(self.team.tenant, group, member)
            .await
            .expect("joined the group");
        self.reference.join_group(member, group);
    }

    /// Take `member` out of `group` in both.
    pub async fn leave_group(&mut self, member: MemberId, group: GroupId) {
        self.store
            .remove_from_group(self.team.tenant, group, member)
            .await
            .expect("left the group");
        self.reference.leave_group(member, group);
    }

    /// Delete a group whose only member is `member`. The reference has no groups of its own,
    /// only memberships: for it, the deletion is that member leaving (with several members it
    /// would write a row per member where the store writes one per contact).
    pub async fn delete_group_of_one(&mut self, group: GroupId, member: MemberId) {
        let groups = self.store.groups(self.team.tenant).await.expect("groups");
        let record = groups.iter().find(|record| record.id == group);
        assert_eq!(
            record.map(|record| record.members.as_slice()),
            Some([member].as_slice()),
            "the group holds exactly the one member"
        );
        self.store
            .delete_group(self.team.tenant, group)
            .await
            .expect("group deleted");
        self.reference.leave_group(member, group);
    }

    /// Delete a group, whatever its members. The reference has no groups of its own: for it,
    /// each member leaves. Sight ends alike ([`Shadow::assert_same_sight`]); the feeds do not
    /// (the store writes one revoke row per contact for all its members, the reference one per
    /// member), so a scenario compares feeds only before such a deletion.
    pub async fn delete_group(&mut self, group: GroupId) {
        let groups = self.store.groups(self.team.tenant).await.expect("groups");
        let record = groups
            .into_iter()
            .find(|record| record.id == group)
            .expect("the group exists");
        self.store
            .delete_group(self.team.tenant, group)
            .await
            .expect("group deleted");
        for member in record.members {
            self.reference.leave_group(member, group);
        }
    }

    /// Delete an org unit: in the store, its members leave it and the units below move up to
    /// its parent; the reference is told so, a step at a time (its feed then differs as
    /// [`Shadow::delete_group`]'s does).
    pub async fn delete_unit(&mut self, unit: UnitId) {
        let units = self.store.units(self.team.tenant).await.expect("units");
        let record = units
            .iter()
            .find(|record| record.id == unit)
            .expect("the unit exists")
            .clone();
        self.store
            .delete_unit(self.team.tenant, unit)
            .await
            .expect("unit deleted");
        for child in units.iter().filter(|child| child.parent == Some(unit)) {
            self.reference
                .move_unit(child.id, record.parent)
                .expect("the reference moves the unit up");
        }
        for member in record.members {
            self.reference.leave_unit(member, unit);
        }
    }

    /// A new org unit under `parent` in both, with the store's id.
    pub async fn create_unit(&mut self, name: &str, parent: Option<UnitId>) -> UnitId {
        let unit = self
            .store
            .create_unit(self.team.tenant, name, parent)
            .await
            .expect("unit created");
        self.reference
            .add_unit(unit, parent)
            .expect("the reference adds the unit");
        unit
    }

    /// Put `member` in `unit` in both.
    pub async fn join_unit(&mut self, member: MemberId, unit: UnitId) {
        self.store
            .add_to_unit(self.team.tenant, unit, member)
            .await
            .expect("joined the unit");
        self.reference
            .join_unit(member, unit)
            .expect("the reference knows the unit");
    }

    /// Take `member` out of `unit` in both.
    pub async fn leave_unit(&mut self, member: MemberId, unit: UnitId) {
        self.store
            .remove_from_unit(self.team.tenant, unit, member)
            .await
            .expect("left the unit");
        self.reference.leave_unit(member, unit);
    }

    /// Move `unit` under `parent` in both; both must refuse alike (a move inside itself).
    pub async fn move_unit(
        &mut self,
        unit: UnitId,
        parent: Option<UnitId>,
    ) -> Result<(), StoreError> {
        let change = UnitChange {
            name: None,
            parent: Some(parent),
        };
        let stored = self
            .store
            .update_unit(self.team.tenant, unit, &change)
            .await;
        let reference = self.reference.move_unit(unit, parent);
        assert_eq!(
            stored.is_ok(),
            reference.is_ok(),
            "moving a unit: the store answered {stored:?}, the reference {reference:?}"
        );
        stored
    }

    /// Deactivate (`false`) or reactivate (`true`) `member` in both.
    pub async fn set_active(&mut self, member: MemberId, active: bool) {
        self.store
            .set_member_active(self.team.tenant, member, active)
            .await
            .expect("activity set");
        self.reference.set_active(member, active);
    }

    /// Every member sees exactly the contacts the reference's rules grant them, in each way
    /// the store shows them: their access (`Store::access`, with every unit above their own),
    /// every shelf of their contact list, paged, and a new phone's first sync.
    pub async fn assert_same_sight(&self, when: &str) {
        let tenant = self.team.tenant;
        for member in self.team.members() {
            let access = self
                .store
                .access(tenant, member)
                .await
                .expect("the member's access");
            assert_eq!(
                access.viewer,
                self.reference.viewer(member),
                "{when}: the access of member {member}"
            );
            let expected = self.reference.visible_to(member);
            let mut listed = BTreeSet::new();
            for shelf in [Shelf::NotTrashed, Shelf::Trash] {
                let query = ContactQuery {
                    shelf,
                    limit: 3,
                    ..ContactQuery::default()
                };
                for id in ids(&list_all(self.store, tenant, member, query).await) {
                    assert!(listed.insert(id), "{when}: {id} listed twice for {member}");
                }
            }
            assert_eq!(
                listed, expected,
                "{when}: the contacts member {member} lists"
            );
            let granted: BTreeSet<ContactId> =
                items(&read_all(self.store, tenant, member, 0).await)
                    .into_iter()
                    .filter(|(kind, _)| *kind == "grant")
                    .map(|(_, doc)| doc)
                    .collect();
            assert_eq!(
                granted, expected,
                "{when}: the contacts a new phone of member {member} receives"
            );
        }
    }

    /// Every member reads the same pages from both stores from each of these cursors.
    pub async fn assert_same_feed(&self, cursors: impl IntoIterator<Item = u64> + Clone) {
        let head = self.store.head(self.team.tenant).await.expect("head");
        assert_eq!(head, self.reference.head(), "heads differ");
        for member in self.team.members() {
            for after in cursors.clone() {
                assert_eq!(
                    read_all(self.store, self.team.tenant, member, after).await,
                    read_all_reference(&self.reference, member, after),
                    "member {member} reading after {after} (head {head})"
                );
            }
        }
    }
}
