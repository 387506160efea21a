//! An in-memory server store for one tenant: the model the simulation checks the protocol
//! against, and the reference the SQL stores must behave like.
//!
//! It keeps what the real stores keep (each contact's document and metadata, the feed with a
//! per-tenant seq) and answers the session's requests the way the server does: pushes through
//! [`crate::accept`], feed pages filtered by what the member may see *now*, resynchronisation
//! by snapshots for new devices and cursors older than the kept feed. It also keeps the
//! directory (who is active, in which groups and org units, and the unit tree; see
//! [`MemoryTenant::join_group`] and its neighbours) and writes the `granted` and `revoked`
//! rows its changes cause, as [`crate::access`] decides them.
//!
//! A member the tenant has not been told about ([`MemoryTenant::add_member`]) is active and
//! in no group or unit, as every member was before groups and units existed.

use std::collections::{BTreeMap, BTreeSet};

use serde_bytes::ByteBuf;

use crate::accept::{self, Accepted, codes};
use crate::access::{self, AccessChange, TransferError, Viewer};
use crate::document::ContactDoc;
use crate::feed::{self, FeedRow, PageBuilder, ResyncPager, RowKind};
use crate::ids::{ContactId, MemberId};
use crate::replica::session::{FeedPage, FeedRequest};
use crate::wire::{DocChanges, DocMeta, DocResult, FeedItem, Rejection, Visibility};

mod directory;

use directory::Directory;

#[derive(Debug, Clone)]
struct StoredDoc {
    doc: ContactDoc,
    /// The compacted document, written at each commit as the SQL stores do, so granting it to
    /// many devices does not compact it once per device.
    snapshot: Vec<u8>,
    meta: DocMeta,
    /// The seq of the latest row that changed the document.
    last_seq: u64,
}

/// One tenant's data, held in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryTenant {
    docs: BTreeMap<ContactId, StoredDoc>,
    purged: BTreeSet<ContactId>,
    feed: Vec<FeedRow>,
    /// Rows up to this seq were dropped by [`MemoryTenant::compact_feed`].
    floor: u64,
    head: u64,
    /// Members, groups, org units: what the SQL stores keep in their own tables.
    directory: Directory,
}

impl MemoryTenant {
    /// An empty tenant.
    pub fn new() -> Self {
        Self::default()
    }

    /// The latest seq.
    pub fn head(&self) -> u64 {
        self.head
    }

    fn next_seq(&mut self, doc: ContactId, kind: RowKind) -> u64 {
        self.head += 1;
        self.feed.push(FeedRow {
            seq: self.head,
            doc,
            kind,
        });
        self.head
    }

    /// Check and store a push from `member`; one result per contact, in order. Each contact
    /// is judged on its own: one refused contact does not hold back the others.
    pub fn commit(&mut self, member: MemberId, docs: &[DocChanges]) -> Vec<DocResult> {
        docs.iter()
            .map(|push| {
                let outcome = self.commit_one(member, push);
                match outcome {
                    Ok(seq) => DocResult {
                        doc: push.doc,
                        seq: Some(seq),
                        rejected: None,
                    },
                    Err(rejection) => DocResult {
                        doc: push.doc,
                        seq: None,
                        rejected: Some(rejection),
                    },
                }
            })
            .collect()
    }

    fn commit_one(&mut self, member: MemberId, push: &DocChanges) -> Result<u64, Rejection> {
        let (id, changes) = (push.doc, &push.changes);
        if self.purged.contains(&id) {
            return Err(Rejection {
                code: codes::NOT_FOUND.into(),
                message: format!("contact {id} was deleted"),
            });
        }
        let stored = self.docs.get(&id);
        let viewer = self.directory.viewer(member);
        if !viewer.may_edit(stored.map(|stored| &stored.meta)) {
            let message = match stored {
                Some(_) => format!("contact {id} is not shared with you"),
                None => format!("member {member} is deactivated and cannot create contacts"),
            };
            return Err(Rejection {
                code: codes::FORBIDDEN.into(),
                message,
            });
        }
        // Decided before the changes, so a contact whose visibility can't be stored is not
        // created either.
        let created_meta = match stored {
            None => Some(accept::new_contact_meta(member, push.visibility.as_ref())?),
            Some(_) => None,
        };
        match accept::accept_changes(id, stored.map(|stored| &stored.doc), changes)? {
            Accepted::AlreadyStored => Ok(stored.map_or(0, |stored| stored.last_seq)),
            Accepted::Changed {
                doc,
                new_changes,
                saved: snapshot,
                ..
            } => {
                let created = stored.is_none();
                let row = if created {
                    RowKind::Created
                } else {
                    RowKind::Changes {
                        changes: new_changes.into_iter().map(ByteBuf::from).collect(),
                    }
                };
                let seq = self.next_seq(id, row);
                let meta = match (self.docs.remove(&id), created_meta) {
                    (Some(previous), _) => previous.meta,
                    (None, Some(meta)) => meta,
                    (None, None) => unreachable!("a new contact's meta is decided above"),
                };
                self.docs.insert(
                    id,
                    StoredDoc {
                        doc: *doc,
                        snapshot,
                        meta,
                        last_seq: seq,
                    },
                );
                Ok(seq)
            }
        }
    }

    /// Change who may see a contact (an authorised server operation, never a CRDT edit).
    /// `members` is every member of the tenant; any not yet known are added (active, in no
    /// group or unit).
    pub fn set_visibility(&mut self, id: ContactId, visibility: Visibility, members: &[MemberId]) {
        self.add_members(members);
        let Some(stored) = self.docs.get(&id) else {
            return;
        };
        let meta = DocMeta {
            owner: stored.meta.owner,
            visibility,
        };
        self.change_meta(id, meta);
    }

    /// Give a contact to `new_owner`, as [`access::transfer_owner`] decides (the previous
    /// owner keeps sight of it). Nothing happens to a contact that does not exist.
    pub fn transfer_owner(
        &mut self,
        id: ContactId,
        new_owner: MemberId,
    ) -> Result<(), TransferError> {
        let Some(stored) = self.docs.get(&id) else {
            return Ok(());
        };
        let meta = access::transfer_owner(&stored.meta, &self.directory.viewer(new_owner))?;
        // Giving a contact to its owner changes nothing and tells no one.
        if meta != stored.meta {
            self.change_meta(id, meta);
        }
        Ok(())
    }

    /// Store a contact's new owner or visibility: `granted` for those who gain sight of it,
    /// `revoked` for those who lose it, then `meta`.
    fn change_meta(&mut self, id: ContactId, meta: DocMeta) {
        let viewers = self.directory.viewers();
        let Some(stored) = self.docs.get_mut(&id) else {
            return;
        };
        let before = std::mem::replace(&mut stored.meta, meta);
        let (gained, lost) = feed::audience_change(&before, &stored.meta, &viewers);
        if !gained.is_empty() {
            self.next_seq(id, RowKind::Granted { audience: gained });
        }
        if !lost.is_empty() {
            self.next_seq(id, RowKind::Revoked { audience: lost });
        }
        self.next_seq(id, RowKind::Meta);
    }

    /// Write the rows of a directory change: per contact, `granted` then `revoked`.
    fn write_access_changes(&mut self, changes: &[AccessChange]) {
        for change in changes {
            if !change.gained.is_empty() {
                let audience = change.gained.clone();
                self.next_seq(change.doc, RowKind::Granted { audience });
            }
            if !change.lost.is_empty() {
                let audience = change.lost.clone();
                self.next_seq(change.doc, RowKind::Revoked { audience });
            }
        }
    }

    /// Delete a contact for good; `members` is every member of the tenant (any not yet known
    /// are added).
    pub fn purge(&mut self, id: ContactId, members: &[MemberId]) {
        self.add_members(members);
        if let Some(stored) = self.docs.remove(&id) {
            self.purged.insert(id);
            let audience = self
                .directory
                .viewers()
                .iter()
                .filter(|viewer| viewer.sees(&stored.meta))
                .map(|viewer| viewer.member)
                .collect();
            self.next_seq(id, RowKind::Purged { audience });
        }
    }

    /// Drop feed rows up to `seq`: devices with an older cursor resynchronise from snapshots.
    pub fn compact_feed(&mut self, seq: u64) {
        let seq = seq.min(self.head);
        self.feed.retain(|row| row.seq > seq);
        self.floor = self.floor.max(seq);
    }

    /// The tenant as it would come back after a restart: every document reloaded from its
    /// saved bytes, nothing carried over from memory.
    pub fn restarted(&self) -> Result<MemoryTenant, crate::document::DocumentError> {
        let mut reloaded = self.clone();
        for (id, stored) in &mut reloaded.docs {
            stored.doc =
                ContactDoc::load(*id, automerge::ActorId::from([0u8; 16]), &stored.snapshot)?;
        }
        Ok(reloaded)
    }

    /// The contacts `member` may see.
    pub fn visible_to(&self, member: MemberId) -> BTreeSet<ContactId> {
        let viewer = self.directory.viewer(member);
        self.docs
            .iter()
            .filter(|(_, stored)| viewer.sees(&stored.meta))
            .map(|(id, _)| *id)
            .collect()
    }

    /// Every contact, in id order.
    pub fn contact_ids(&self) -> impl Iterator<Item = ContactId> + '_ {
        self.docs.keys().copied()
    }

    /// One contact's document.
    pub fn doc(&self, id: ContactId) -> Option<&ContactDoc> {
        self.docs.get(&id).map(|stored| &stored.doc)
    }

    /// One contact's metadata.
    pub fn meta(&self, id: ContactId) -> Option<&DocMeta> {
        self.docs.get(&id).map(|stored| &stored.meta)
    }

    /// Whether the contact was purged.
    pub fn is_purged(&self, id: ContactId) -> bool {
        self.purged.contains(&id)
    }

    /// Answer a repair message, or `None` if `member` may not see the contact.
    pub fn repair(&mut self, member: MemberId, id: ContactId, message: &[u8]) -> Option<Vec<u8>> {
        let viewer = self.directory.viewer(member);
        let stored = self
            .docs
            .get_mut(&id)
            .filter(|stored| viewer.sees(&stored.meta))?;
        accept::repair_reply(&mut stored.doc, message)
            .ok()
            .flatten()
    }

    /// Read one page of the feed for `member`.
    pub fn read_feed(&self, member: MemberId, request: &FeedRequest) -> FeedPage {
        let viewer = self.directory.viewer(member);
        if feed::needs_resync(request, self.floor, self.head) {
            return self.resync_page(&viewer, request);
        }
        let start = self.feed.partition_point(|row| row.seq <= request.after);
        let mut page = PageBuilder::new();
        let mut to = self.head;
        let mut more = false;
        for row in &self.feed[start..] {
            if page.is_full() {
                more = true;
                break;
            }
            if let Some(item) = self.item_for(&viewer, row) {
                page.push(item);
            }
            to = row.seq;
        }
        FeedPage {
            items: page.into_items(),
            to,
            resync: false,
            resume: None,
            more,
        }
    }

    fn item_for(&self, viewer: &Viewer, row: &FeedRow) -> Option<FeedItem> {
        let stored = self.docs.get(&row.doc);
        let delivery = feed::delivery(viewer, &row.kind, stored.map(|stored| &stored.meta))?;
        feed::item(row.doc, &row.kind, delivery, || {
            stored.map(|stored| (stored.snapshot.clone(), stored.meta.clone()))
        })
    }

    fn grant(&self, doc: ContactId) -> FeedItem {
        let stored = &self.docs[&doc];
        FeedItem::Grant {
            doc,
            snapshot: ByteBuf::from(stored.snapshot.clone()),
            meta: stored.meta.clone(),
        }
    }

    fn resync_page(&self, viewer: &Viewer, request: &FeedRequest) -> FeedPage {
        let mut pager = ResyncPager::new(request, self.head);
        let after = pager.after_doc();
        let candidates = self.docs.iter().filter(|(id, stored)| {
            after.is_none_or(|after| **id > after) && viewer.sees(&stored.meta)
        });
        for (id, _) in candidates {
            if pager.is_full() {
                return pager.finish(true);
            }
            pager.push(*id, self.grant(*id));
        }
        pager.finish(false)
    }
}
