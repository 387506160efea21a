//! Who owns a contact and who may see it, as stored and as `grant` and `meta` items carry it.
//!
//! This is the data; the decision made with it (which members, through their groups and org
//! units, see a contact) is [`crate::access`]'s, so every store decides the same way.
//!
//! Groups and units were added to the `members` visibility as optional fields: a visibility
//! that lists members only encodes byte for byte as it did before (databases keep it as
//! MessagePack, and docs/protocol.md shows it), and an older device decoding one that lists
//! groups or units ignores the keys it does not know.

use serde::{Deserialize, Serialize};

use crate::access::Viewer;
use crate::ids::{GroupId, MemberId, UnitId};

/// Who owns a contact and who may see it. Kept outside the CRDT: it changes only through
/// authorised server operations, and devices learn it from the feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocMeta {
    /// The member who owns the contact.
    pub owner: MemberId,
    /// Who may see it.
    pub visibility: Visibility,
}

/// Who may see a contact, besides its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Visibility {
    /// Every member of the tenant.
    All,
    /// The owner and whoever is listed: these members, the members of these groups, and the
    /// members of these org units or of any unit below them. Nothing listed means private to
    /// the owner. (Named for what it first listed; groups and units came later, as optional
    /// fields, so older encodings stay valid.)
    Members {
        /// Members other than the owner who may see the contact.
        members: Vec<MemberId>,
        /// Groups whose members may see the contact. Omitted from the encoding when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        groups: Vec<GroupId>,
        /// Org units whose members, and the members of every unit below them, may see the
        /// contact. Omitted from the encoding when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        units: Vec<UnitId>,
    },
}

/// Most members, groups and units together a contact may be shared with by name: past that,
/// share it with everyone (or with a group). Everything listed travels in each `grant` and
/// `meta` of the contact.
pub const MAX_SHARED_MEMBERS: usize = 500;

/// A visibility that cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VisibilityError {
    /// More members, groups and units listed than [`MAX_SHARED_MEMBERS`].
    #[error(
        "visibility lists {count} members, groups and units; at most {limit} (share with everyone or a group instead)"
    )]
    TooManyMembers {
        /// How many distinct members, groups and units were listed, in all.
        count: usize,
        /// The limit.
        limit: usize,
    },
}

impl Visibility {
    /// Private to the owner.
    pub fn private() -> Self {
        Visibility::Members {
            members: Vec::new(),
            groups: Vec::new(),
            units: Vec::new(),
        }
    }

    /// Shared with these members (and the owner), by name.
    pub fn members(members: Vec<MemberId>) -> Self {
        Visibility::Members {
            members,
            groups: Vec::new(),
            units: Vec::new(),
        }
    }

    /// The same visibility as stored: members, groups and units each de-duplicated and in
    /// order, the owner left out of the members (the owner always sees the contact), and
    /// refused when more than [`MAX_SHARED_MEMBERS`] remain in all.
    pub fn normalized(self, owner: MemberId) -> Result<Visibility, VisibilityError> {
        match self {
            Visibility::All => Ok(Visibility::All),
            Visibility::Members {
                mut members,
                mut groups,
                mut units,
            } => {
                members.sort();
                members.dedup();
                members.retain(|member| *member != owner);
                groups.sort();
                groups.dedup();
                units.sort();
                units.dedup();
                let count = members.len() + groups.len() + units.len();
                if count > MAX_SHARED_MEMBERS {
                    return Err(VisibilityError::TooManyMembers {
                        count,
                        limit: MAX_SHARED_MEMBERS,
                    });
                }
                Ok(Visibility::Members {
                    members,
                    groups,
                    units,
                })
            }
        }
    }
}

impl DocMeta {
    /// Whether `viewer` may see the contact: see [`Viewer::sees`].
    pub fn visible_to(&self, viewer: &Viewer) -> bool {
        viewer.sees(self)
    }

    /// Whether only the owner may see the contact: nobody but the owner is listed.
    pub fn is_private(&self) -> bool {
        match &self.visibility {
            Visibility::All => false,
            Visibility::Members {
                members,
                groups,
                units,
            } => groups.is_empty() && units.is_empty() && members.iter().all(|m| *m == self.owner),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{from_msgpack, to_msgpack};

    const OWNER: MemberId = MemberId::from_u128(1);
    const ANA: MemberId = MemberId::from_u128(2);
    const SALES: GroupId = GroupId::from_u128(3);
    const TOKYO: UnitId = UnitId::from_u128(4);

    /// The visibility as it was before groups and units, to show what older devices and
    /// rows already stored read and wrote.
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "t", rename_all = "snake_case")]
    enum BeforeGroups {
        All,
        Members { members: Vec<MemberId> },
    }

    #[test]
    fn a_visibility_listing_members_only_encodes_as_it_always_did() {
        for (now, before) in [
            (
                Visibility::private(),
                BeforeGroups::Members { members: vec![] },
            ),
            (
                Visibility::members(vec![ANA]),
                BeforeGroups::Members { members: vec![ANA] },
            ),
            (Visibility::All, BeforeGroups::All),
        ] {
            assert_eq!(to_msgpack(&now), to_msgpack(&before));
            assert_eq!(
                from_msgpack::<Visibility>(&to_msgpack(&before)).unwrap(),
                now
            );
        }
    }

    #[test]
    fn an_older_device_reads_a_visibility_with_groups_and_units_as_its_members() {
        let shared = Visibility::Members {
            members: vec![ANA],
            groups: vec![SALES],
            units: vec![TOKYO],
        };
        let bytes = to_msgpack(&shared);
        assert_eq!(
            from_msgpack::<BeforeGroups>(&bytes).unwrap(),
            BeforeGroups::Members { members: vec![ANA] }
        );
        assert_eq!(from_msgpack::<Visibility>(&bytes).unwrap(), shared);
    }

    #[test]
    fn normalising_sorts_and_dedups_every_list_and_drops_the_owner() {
        let messy = Visibility::Members {
            members: vec![ANA, OWNER, ANA],
            groups: vec![GroupId::from_u128(9), SALES, SALES],
            units: vec![TOKYO, TOKYO],
        };
        assert_eq!(
            messy.normalized(OWNER),
            Ok(Visibility::Members {
                members: vec![ANA],
                groups: vec![SALES, GroupId::from_u128(9)],
                units: vec![TOKYO],
            })
        );
    }

    #[test]
    fn the_limit_counts_members_groups_and_units_together() {
        let over = Visibility::Members {
            members: (10..310).map(MemberId::from_u128).collect(),
            groups: (10..110).map(GroupId::from_u128).collect(),
            units: (10..111).map(UnitId::from_u128).collect(),
        };
        let error = over.normalized(OWNER).unwrap_err();
        assert_eq!(
            error,
            VisibilityError::TooManyMembers {
                count: 501,
                limit: MAX_SHARED_MEMBERS
            }
        );
        assert!(error.to_string().contains("501"));
        let at_limit = Visibility::Members {
            members: (10..310).map(MemberId::from_u128).collect(),
            groups: (10..110).map(GroupId::from_u128).collect(),
            units: (10..110).map(UnitId::from_u128).collect(),
        };
        assert!(at_limit.normalized(OWNER).is_ok());
    }

    #[test]
    fn a_visibility_listing_only_the_owner_is_private() {
        let meta = |visibility| DocMeta {
            owner: OWNER,
            visibility,
        };
        assert!(meta(Visibility::private()).is_private());
        assert!(meta(Visibility::members(vec![OWNER])).is_private());
        assert!(!meta(Visibility::members(vec![ANA])).is_private());
        assert!(
            !meta(Visibility::Members {
                members: vec![],
                groups: vec![SALES],
                units: vec![],
            })
            .is_private()
        );
        assert!(!meta(Visibility::All).is_private());
    }
}
