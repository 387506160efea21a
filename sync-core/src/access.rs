//! Who may see a contact and who may manage it, as pure decisions every store makes the same
//! way (the in-memory reference tenant, SQLite, Postgres).
//!
//! A contact is seen by its owner and by whoever its [`Visibility`] lists: everyone (`all`),
//! or named members, the members of named groups, and the members of named org units *or of
//! any unit below them* (sharing with "Sales" shares with "Sales › Tokyo" too). A deactivated
//! member sees nothing, not even what they own: their phone must empty itself at the next
//! sync, and reactivating them gives everything back.
//!
//! The store describes a member as a [`Viewer`] (their groups, their units with every
//! ancestor, whether they are active) and asks:
//!
//! - [`Viewer::sees`] (also [`DocMeta::visible_to`]) when reading the feed, answering a repair
//!   or forwarding presence;
//! - [`crate::feed::audience_change`] when a contact's owner or visibility changes;
//! - [`membership_change`] / [`directory_change`] when a member joins or leaves a group or a
//!   unit, a unit moves in the tree, or a member is deactivated or reactivated: the contacts
//!   each member gains and loses, for which it writes `granted` / `revoked` feed rows;
//! - [`transfer_owner`], [`may_manage`] and [`Viewer::may_edit`] for the roles.
//!
//! ```
//! use sync_core::access::{UnitTree, Viewer};
//! use sync_core::ids::{ContactId, MemberId, UnitId};
//! use sync_core::wire::{DocMeta, Visibility};
//!
//! let (sales, tokyo) = (UnitId::from_u128(1), UnitId::from_u128(2));
//! let mut tree = UnitTree::new();
//! tree.add(sales, None).unwrap();
//! tree.add(tokyo, Some(sales)).unwrap();
//! let mina = Viewer::new(MemberId::from_u128(7), [], [tokyo], &tree, true);
//! let shared_with_sales = DocMeta {
//!     owner: MemberId::from_u128(1),
//!     visibility: Visibility::Members { members: vec![], groups: vec![], units: vec![sales] },
//! };
//! assert!(mina.sees(&shared_with_sales), "Tokyo is below Sales");
//! ```

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::ids::{GroupId, MemberId, UnitId};
use crate::wire::{DocMeta, Visibility, VisibilityError};

mod changes;
mod units;

pub use changes::{AccessChange, directory_change, membership_change};
pub use units::{Ancestors, UnitTree, UnitTreeError};

/// A member as the access rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The member.
    pub member: MemberId,
    /// The groups the member belongs to.
    pub groups: BTreeSet<GroupId>,
    /// The units the member belongs to **and every ancestor of those units**: a contact shared
    /// with a unit is seen by the members of every unit below it. [`Viewer::new`] fills the
    /// ancestors in from a [`UnitTree`]; a store that computes them itself (a recursive query)
    /// must include them too.
    pub units: BTreeSet<UnitId>,
    /// False once the member is deactivated: they see nothing, not even what they own.
    pub active: bool,
}

impl Viewer {
    /// The viewer for `member`, in these groups and these units of `tree` (their ancestors are
    /// added). A unit the tree does not hold counts for itself only.
    pub fn new(
        member: MemberId,
        groups: impl IntoIterator<Item = GroupId>,
        own_units: impl IntoIterator<Item = UnitId>,
        tree: &UnitTree,
        active: bool,
    ) -> Self {
        let mut units = BTreeSet::new();
        for unit in own_units {
            // A unit already present brought its ancestors with it.
            if units.insert(unit) {
                units.extend(tree.ancestors(unit));
            }
        }
        Self {
            member,
            groups: groups.into_iter().collect(),
            units,
            active,
        }
    }

    /// An active member in no group and no unit: what every member was before groups and
    /// units existed. For tests and hosts that keep no groups; a store that has them builds
    /// the viewer with [`Viewer::new`], or a member shared with through a group is missed.
    pub fn member_only(member: MemberId) -> Self {
        Self {
            member,
            groups: BTreeSet::new(),
            units: BTreeSet::new(),
            active: true,
        }
    }

    /// Whether this member may see the contact: an active member who owns it, or whom its
    /// visibility lets in (`all`, listed by name, in a listed group, or in a listed unit or a
    /// unit below one).
    pub fn sees(&self, meta: &DocMeta) -> bool {
        self.active && (meta.owner == self.member || self.is_listed(&meta.visibility))
    }

    /// Whether the visibility lets this member in, leaving the owner and deactivation aside.
    fn is_listed(&self, visibility: &Visibility) -> bool {
        match visibility {
            Visibility::All => true,
            Visibility::Members {
                members,
                groups,
                units,
            } => {
                members.contains(&self.member)
                    || groups.iter().any(|group| self.groups.contains(group))
                    || units.iter().any(|unit| self.units.contains(unit))
            }
        }
    }

    /// Whether this member may push changes to a contact with this metadata (`None`: a
    /// contact their push creates). Members edit what they can see; any active member may
    /// create a contact.
    pub fn may_edit(&self, meta: Option<&DocMeta>) -> bool {
        match meta {
            Some(meta) => self.sees(meta),
            None => self.active,
        }
    }
}

/// A member's role in the company (not to be confused with the owner of a contact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The company's owner: everything an admin may do, and manage admins.
    Owner,
    /// Manages members, groups, units and every contact.
    Admin,
    /// Works with the contacts they can see.
    Member,
}

impl Role {
    /// The stored and displayed form: `owner`, `admin`, `member`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    /// Read the stored form.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "owner" => Some(Role::Owner),
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            _ => None,
        }
    }
}

/// Whether a member with `role` may change the contact's visibility, transfer its ownership
/// or purge it: its owner, an admin, or the company owner, while active.
///
/// Admins may manage a contact they cannot see. Otherwise a rep who leaves with private
/// contacts would take them along: offboarding is an admin transferring them to a colleague.
/// (An admin could always have shared the contact with themselves first; this makes the
/// power explicit rather than pretending it is not there.)
pub fn may_manage(role: Role, viewer: &Viewer, meta: &DocMeta) -> bool {
    viewer.active && (meta.owner == viewer.member || matches!(role, Role::Owner | Role::Admin))
}

/// An ownership transfer that cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    /// The new owner is deactivated: a contact would belong to someone who cannot see it.
    #[error("member {member} is deactivated and cannot own contacts")]
    Inactive {
        /// The member named as new owner.
        member: MemberId,
    },
    /// Keeping the previous owner in the list would exceed the limit.
    #[error(transparent)]
    Visibility(#[from] VisibilityError),
}

/// The contact's metadata once `new_owner` owns it.
///
/// The new owner must be active. The previous owner keeps sight of the contact: unless it is
/// shared with everyone, they are added to the listed members. Nobody silently loses a
/// contact they were working on (HubSpot drops a previous owner who is not otherwise shared
/// with, and they find out when the contact vanishes from their phone); a handover usually
/// means working it together for a while, and removing them afterwards is one visibility
/// change by the new owner or an admin. A deactivated previous owner is listed too: it costs
/// nothing while they are deactivated, and reactivating them gives back what they had.
pub fn transfer_owner(meta: &DocMeta, new_owner: &Viewer) -> Result<DocMeta, TransferError> {
    if !new_owner.active {
        return Err(TransferError::Inactive {
            member: new_owner.member,
        });
    }
    if new_owner.member == meta.owner {
        return Ok(meta.clone());
    }
    let visibility = match meta.visibility.clone() {
        Visibility::All => Visibility::All,
        Visibility::Members {
            mut members,
            groups,
            units,
        } => {
            members.push(meta.owner);
            Visibility::Members {
                members,
                groups,
                units,
            }
            .normalized(new_owner.member)?
        }
    };
    Ok(DocMeta {
        owner: new_owner.member,
        visibility,
    })
}

#[cfg(test)]
mod tests;
