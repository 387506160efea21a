//! The tenant's people: who is a member and active, in which groups and org units, and the
//! unit tree. Each change writes the `granted` and `revoked` rows of the contacts whose
//! audience it changes, as [`access::directory_change`] decides, in the same step (the SQL
//! stores: the same transaction).

use std::collections::{BTreeMap, BTreeSet};

use super::MemoryTenant;
use crate::access::{self, AccessChange, UnitTree, UnitTreeError, Viewer};
use crate::ids::{GroupId, MemberId, UnitId};

/// Members, groups and units, as the SQL stores keep them in their own tables.
#[derive(Debug, Clone, Default)]
pub(super) struct Directory {
    members: BTreeMap<MemberId, Membership>,
    tree: UnitTree,
}

/// One member's place in the company.
#[derive(Debug, Clone)]
struct Membership {
    active: bool,
    groups: BTreeSet<GroupId>,
    /// The units the member belongs to directly (not their ancestors).
    units: BTreeSet<UnitId>,
}

impl Default for Membership {
    fn default() -> Self {
        Self {
            active: true,
            groups: BTreeSet::new(),
            units: BTreeSet::new(),
        }
    }
}

impl Directory {
    /// The member as the access rules see them now; one never added is active and in no
    /// group or unit.
    pub(super) fn viewer(&self, member: MemberId) -> Viewer {
        match self.members.get(&member) {
            Some(membership) => Viewer::new(
                member,
                membership.groups.iter().copied(),
                membership.units.iter().copied(),
                &self.tree,
                membership.active,
            ),
            None => Viewer::member_only(member),
        }
    }

    /// Every known member's viewer, in member order.
    pub(super) fn viewers(&self) -> Vec<Viewer> {
        self.members.keys().map(|m| self.viewer(*m)).collect()
    }

    fn membership(&mut self, member: MemberId) -> &mut Membership {
        self.members.entry(member).or_default()
    }
}

impl MemoryTenant {
    /// Make `member` known to the tenant (active, in no group or unit). Idempotent; changes
    /// no one's sight, so writes no row.
    pub fn add_member(&mut self, member: MemberId) {
        self.directory.membership(member);
    }

    pub(super) fn add_members(&mut self, members: &[MemberId]) {
        for member in members {
            self.add_member(*member);
        }
    }

    /// Every known member, in order.
    pub fn members(&self) -> impl Iterator<Item = MemberId> + '_ {
        self.directory.members.keys().copied()
    }

    /// `member` as the access rules see them now.
    pub fn viewer(&self, member: MemberId) -> Viewer {
        self.directory.viewer(member)
    }

    /// The org units `member` belongs to directly (not their ancestors), in order.
    pub fn units_of(&self, member: MemberId) -> impl Iterator<Item = UnitId> + '_ {
        self.directory
            .members
            .get(&member)
            .into_iter()
            .flat_map(|membership| membership.units.iter().copied())
    }

    /// The unit tree.
    pub fn units(&self) -> &UnitTree {
        &self.directory.tree
    }

    /// Add an org unit under `parent` (`None`: at the top). It has no members yet, so no one's
    /// sight changes.
    pub fn add_unit(&mut self, unit: UnitId, parent: Option<UnitId>) -> Result<(), UnitTreeError> {
        self.directory.tree.add(unit, parent)
    }

    /// Move an org unit, with everything below it, under `parent`; refused if that would put
    /// it inside itself. Its members, and those of the units below, gain what is shared with
    /// their new ancestors and lose what was shared with the old ones.
    pub fn move_unit(
        &mut self,
        unit: UnitId,
        parent: Option<UnitId>,
    ) -> Result<Vec<AccessChange>, UnitTreeError> {
        self.directory.tree.check_move(unit, parent)?;
        Ok(self.change_directory(|directory| {
            directory
                .tree
                .move_unit(unit, parent)
                .expect("the move was checked");
        }))
    }

    /// Put `member` in `group`.
    pub fn join_group(&mut self, member: MemberId, group: GroupId) -> Vec<AccessChange> {
        self.add_member(member);
        self.change_directory(|directory| {
            directory.membership(member).groups.insert(group);
        })
    }

    /// Take `member` out of `group`.
    pub fn leave_group(&mut self, member: MemberId, group: GroupId) -> Vec<AccessChange> {
        self.add_member(member);
        self.change_directory(|directory| {
            directory.membership(member).groups.remove(&group);
        })
    }

    /// Put `member` in the org unit `unit`, which must exist.
    pub fn join_unit(
        &mut self,
        member: MemberId,
        unit: UnitId,
    ) -> Result<Vec<AccessChange>, UnitTreeError> {
        if !self.directory.tree.contains(unit) {
            return Err(UnitTreeError::UnknownUnit { unit });
        }
        self.add_member(member);
        Ok(self.change_directory(|directory| {
            directory.membership(member).units.insert(unit);
        }))
    }

    /// Take `member` out of the org unit `unit`.
    pub fn leave_unit(&mut self, member: MemberId, unit: UnitId) -> Vec<AccessChange> {
        self.add_member(member);
        self.change_directory(|directory| {
            directory.membership(member).units.remove(&unit);
        })
    }

    /// Deactivate (`false`) or reactivate (`true`) `member`: a deactivated member loses sight
    /// of every contact, their own included; reactivated, they see again what they may.
    pub fn set_active(&mut self, member: MemberId, active: bool) -> Vec<AccessChange> {
        self.add_member(member);
        self.change_directory(|directory| directory.membership(member).active = active)
    }

    /// Whether `member` is active (one never added is).
    pub fn is_active(&self, member: MemberId) -> bool {
        self.directory.viewer(member).active
    }

    /// Apply `change` to the directory and write the rows of the sight it changes.
    fn change_directory(&mut self, change: impl FnOnce(&mut Directory)) -> Vec<AccessChange> {
        let before = self.directory.viewers();
        change(&mut self.directory);
        let after = self.directory.viewers();
        let metas = self.docs.iter().map(|(id, stored)| (*id, &stored.meta));
        let changes = access::directory_change(&before, &after, metas);
        self.write_access_changes(&changes);
        changes
    }
}
