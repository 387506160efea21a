//! The change feed as every store keeps it, and who receives which row.
//!
//! Each store (the in-memory reference, SQLite, Postgres) writes a [`FeedRow`] per committed
//! change, visibility or owner change, change of who is in which group or unit, and purge,
//! under a per-tenant sequence number. Reading the feed for a member is the same decision
//! everywhere, so it lives here: [`delivery`] says what a row becomes for a member (as a
//! [`Viewer`]: their groups, units and whether they are active) given the contact's metadata
//! *now*, and [`PageBuilder`] fills a page up to [`FEED_PAGE_BYTES`].
//!
//! Filtering by the metadata and the viewer at read time (not at write time) is what keeps a
//! feed correct across visibility and membership changes: a member who may see a contact now
//! receives its whole history (or a snapshot), and one who may not receives nothing of it,
//! whatever it was when the row was written. Only `granted`, `revoked` and `purged` rows name
//! their audience, worked out when they are written: every change of who sees a contact writes
//! one, so a device that was away still learns that it gained or lost the contact.

use serde::{Deserialize, Serialize};

use crate::access::Viewer;
use crate::ids::{ContactId, MemberId};
use crate::replica::session::{FeedPage, FeedRequest, ResyncPosition};
use crate::wire::{DocMeta, FEED_PAGE_BYTES, FeedItem, encoded_len};

/// What a feed row records. Serialisable so SQL stores can keep it as one MessagePack value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum RowKind {
    /// A new contact: members who may see it receive a grant (snapshot and metadata).
    Created,
    /// New changes to a contact, as raw Automerge change bytes.
    Changes {
        /// The changes, in causal order.
        changes: Vec<serde_bytes::ByteBuf>,
    },
    /// These members may now see the contact: its owner or visibility changed, or they
    /// joined a group or unit, their unit moved, or they were reactivated.
    Granted {
        /// Who gained access.
        audience: Vec<MemberId>,
    },
    /// These members may no longer see the contact: its owner or visibility changed, or they
    /// left a group or unit, their unit moved, or they were deactivated.
    Revoked {
        /// Who lost access.
        audience: Vec<MemberId>,
    },
    /// Owner or visibility changed.
    Meta,
    /// Deleted for good; only those who could see it are told, so ids of contacts a member
    /// never saw do not leak.
    Purged {
        /// Who could see the contact when it was purged.
        audience: Vec<MemberId>,
    },
}

/// One row of a tenant's feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRow {
    /// Allocated in the committing transaction under the tenant's lock.
    pub seq: u64,
    /// The contact.
    pub doc: ContactId,
    /// What happened.
    pub kind: RowKind,
}

/// What a row becomes for one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Send the whole contact (the store supplies snapshot and metadata).
    Grant,
    /// Send the row's changes.
    Changes,
    /// Tell the device to drop the contact.
    Revoke,
    /// Send the current metadata.
    Meta,
    /// Tell the device the contact is gone for good.
    Purge,
}

/// What a row of kind `kind` becomes for the member `viewer` describes, given the contact's
/// metadata now (`None` once purged). The viewer too is as it is now: a member who joined a
/// group since the row was written reads the group's contacts' changes.
pub fn delivery(viewer: &Viewer, kind: &RowKind, meta_now: Option<&DocMeta>) -> Option<Delivery> {
    let member = viewer.member;
    let visible = meta_now.is_some_and(|meta| viewer.sees(meta));
    match kind {
        RowKind::Created if visible => Some(Delivery::Grant),
        RowKind::Granted { audience } if visible && audience.contains(&member) => {
            Some(Delivery::Grant)
        }
        RowKind::Changes { .. } if visible => Some(Delivery::Changes),
        RowKind::Revoked { audience } if !visible && audience.contains(&member) => {
            Some(Delivery::Revoke)
        }
        RowKind::Meta if visible => Some(Delivery::Meta),
        RowKind::Purged { audience } if audience.contains(&member) => Some(Delivery::Purge),
        _ => None,
    }
}

/// Who gains and who loses sight of a contact when its metadata (owner or visibility) changes
/// from `before` to `after`, among `viewers` (every member of the tenant, as they are now), in
/// the order of `viewers`. The store writes a `granted` row for the first and a `revoked` row
/// for the second, then a `meta` row. (When members' groups, units or activity change
/// instead, see [`crate::access::directory_change`].)
pub fn audience_change(
    before: &DocMeta,
    after: &DocMeta,
    viewers: &[Viewer],
) -> (Vec<MemberId>, Vec<MemberId>) {
    let gained = viewers
        .iter()
        .filter(|viewer| viewer.sees(after) && !viewer.sees(before))
        .map(|viewer| viewer.member)
        .collect();
    let lost = viewers
        .iter()
        .filter(|viewer| !viewer.sees(after) && viewer.sees(before))
        .map(|viewer| viewer.member)
        .collect();
    (gained, lost)
}

/// Whether a feed read must resynchronise from snapshots instead of reading rows: a new
/// device (cursor 0), a cursor older than the rows the store keeps (`floor`), a cursor ahead
/// of the head (a device restored against an older server backup: its cursor can't be
/// trusted), or a resynchronisation already under way.
pub fn needs_resync(request: &FeedRequest, floor: u64, head: u64) -> bool {
    request.resume.is_some() || request.after == 0 || request.after < floor || request.after > head
}

/// Fills one feed page up to [`FEED_PAGE_BYTES`].
#[derive(Debug, Default)]
pub struct PageBuilder {
    items: Vec<FeedItem>,
    bytes: usize,
}

impl PageBuilder {
    /// An empty page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the page has reached its size; a page always takes at least one item, so an
    /// item larger than the target still travels (alone).
    pub fn is_full(&self) -> bool {
        self.bytes >= FEED_PAGE_BYTES
    }

    /// Add an item.
    pub fn push(&mut self, item: FeedItem) {
        self.bytes += encoded_len(&item);
        self.items.push(item);
    }

    /// The items.
    pub fn into_items(self) -> Vec<FeedItem> {
        self.items
    }
}

/// Builds one page of a resynchronisation: a grant for every contact the member may see, in
/// id order, across as many pages as it takes.
#[derive(Debug)]
pub struct ResyncPager {
    after: u64,
    position: ResyncPosition,
    page: PageBuilder,
}

impl ResyncPager {
    /// Start (or continue) the resynchronisation `request` asks for; `head` is the tenant's
    /// latest seq, which a new resynchronisation brings the device to.
    pub fn new(request: &FeedRequest, head: u64) -> Self {
        let position = request.resume.unwrap_or(ResyncPosition {
            upto: head,
            after_doc: None,
        });
        Self {
            after: request.after,
            position,
            page: PageBuilder::new(),
        }
    }

    /// Grant contacts with ids after this one (all when `None`).
    pub fn after_doc(&self) -> Option<ContactId> {
        self.position.after_doc
    }

    /// Whether the page is full: stop adding and call [`ResyncPager::finish`] with
    /// `remaining` true.
    pub fn is_full(&self) -> bool {
        self.page.is_full()
    }

    /// Add the grant of contact `doc`.
    pub fn push(&mut self, doc: ContactId, item: FeedItem) {
        self.page.push(item);
        self.position.after_doc = Some(doc);
    }

    /// The page. `remaining` says whether visible contacts are left for later pages.
    pub fn finish(self, remaining: bool) -> FeedPage {
        // Until the last page the cursor stays where it was: a device cut off half-way
        // starts the resynchronisation again rather than believing it complete.
        let to = if remaining {
            self.after
        } else {
            self.position.upto
        };
        FeedPage {
            items: self.page.into_items(),
            to,
            resync: true,
            resume: remaining.then_some(self.position),
            more: false,
        }
    }
}

/// The feed item for a delivery of a row (`snapshot_and_meta` supplies a grant's content).
pub fn item(
    doc: ContactId,
    kind: &RowKind,
    delivery: Delivery,
    snapshot_and_meta: impl FnOnce() -> Option<(Vec<u8>, DocMeta)>,
) -> Option<FeedItem> {
    Some(match delivery {
        Delivery::Grant => {
            let (snapshot, meta) = snapshot_and_meta()?;
            FeedItem::Grant {
                doc,
                snapshot: serde_bytes::ByteBuf::from(snapshot),
                meta,
            }
        }
        Delivery::Changes => match kind {
            RowKind::Changes { changes } => FeedItem::Changes {
                doc,
                changes: changes.clone(),
            },
            _ => return None,
        },
        Delivery::Revoke => FeedItem::Revoke { doc },
        Delivery::Meta => FeedItem::Meta {
            doc,
            meta: snapshot_and_meta()?.1,
        },
        Delivery::Purge => FeedItem::Purge { doc },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Visibility;

    const OWNER: MemberId = MemberId::from_u128(1);
    const OTHER: MemberId = MemberId::from_u128(2);

    fn owner() -> Viewer {
        Viewer::member_only(OWNER)
    }

    fn other() -> Viewer {
        Viewer::member_only(OTHER)
    }

    fn private() -> DocMeta {
        DocMeta {
            owner: OWNER,
            visibility: Visibility::private(),
        }
    }

    #[test]
    fn a_private_contact_reaches_only_its_owner() {
        let changes = RowKind::Changes { changes: vec![] };
        assert_eq!(
            delivery(&owner(), &changes, Some(&private())),
            Some(Delivery::Changes)
        );
        assert_eq!(delivery(&other(), &changes, Some(&private())), None);
        assert_eq!(
            delivery(&other(), &RowKind::Created, Some(&private())),
            None
        );
    }

    #[test]
    fn a_revoke_reaches_only_those_who_lost_access_and_still_lack_it() {
        let revoked = RowKind::Revoked {
            audience: vec![OTHER],
        };
        assert_eq!(
            delivery(&other(), &revoked, Some(&private())),
            Some(Delivery::Revoke)
        );
        let shared = DocMeta {
            owner: OWNER,
            visibility: Visibility::All,
        };
        assert_eq!(
            delivery(&other(), &revoked, Some(&shared)),
            None,
            "access came back since"
        );
    }

    #[test]
    fn a_purge_is_told_only_to_those_who_could_see_the_contact() {
        let purged = RowKind::Purged {
            audience: vec![OWNER],
        };
        assert_eq!(delivery(&owner(), &purged, None), Some(Delivery::Purge));
        assert_eq!(delivery(&other(), &purged, None), None);
    }

    #[test]
    fn making_a_contact_private_loses_everyone_but_the_owner() {
        let shared = DocMeta {
            owner: OWNER,
            visibility: Visibility::All,
        };
        let (gained, lost) = audience_change(&shared, &private(), &[owner(), other()]);
        assert!(gained.is_empty());
        assert_eq!(lost, [OTHER]);
    }

    #[test]
    fn rows_about_a_group_contact_follow_the_reader_into_and_out_of_the_group() {
        let group = crate::ids::GroupId::from_u128(9);
        let meta = DocMeta {
            owner: OWNER,
            visibility: Visibility::Members {
                members: vec![],
                groups: vec![group],
                units: vec![],
            },
        };
        let mut reader = other();
        let changes = RowKind::Changes { changes: vec![] };
        assert_eq!(delivery(&reader, &changes, Some(&meta)), None);
        reader.groups.insert(group);
        assert_eq!(
            delivery(&reader, &changes, Some(&meta)),
            Some(Delivery::Changes),
            "judged with the groups the reader is in now"
        );
        let granted = RowKind::Granted {
            audience: vec![OTHER],
        };
        assert_eq!(
            delivery(&reader, &granted, Some(&meta)),
            Some(Delivery::Grant)
        );
        reader.active = false;
        assert_eq!(delivery(&reader, &granted, Some(&meta)), None);
        assert_eq!(delivery(&reader, &changes, Some(&meta)), None);
    }

    #[test]
    fn sharing_with_a_group_gains_its_members_only() {
        let group = crate::ids::GroupId::from_u128(9);
        let mut in_group = other();
        in_group.groups.insert(group);
        let outsider = Viewer::member_only(MemberId::from_u128(3));
        let with_group = DocMeta {
            owner: OWNER,
            visibility: Visibility::Members {
                members: vec![],
                groups: vec![group],
                units: vec![],
            },
        };
        let (gained, lost) =
            audience_change(&private(), &with_group, &[owner(), in_group, outsider]);
        assert_eq!(gained, [OTHER]);
        assert!(lost.is_empty());
    }
}
