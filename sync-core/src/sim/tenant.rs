//! An in-memory server store for one tenant: the model the simulation checks the protocol
//! against, and the reference the SQL stores must behave like.
//!
//! It keeps what the real stores keep (each contact's document and metadata, the feed with a
//! per-tenant seq) and answers the session's requests the way the server does: pushes through
//! [`crate::accept`], feed pages filtered by what the member may see *now*, resynchronisation
//! by snapshots for new devices and cursors older than the kept feed.

use std::collections::{BTreeMap, BTreeSet};

use serde_bytes::ByteBuf;

use crate::accept::{self, Accepted, codes};
use crate::document::ContactDoc;
use crate::ids::{ContactId, MemberId};
use crate::replica::session::{FeedPage, FeedRequest, ResyncPosition};
use crate::wire::{
    DocChanges, DocMeta, DocResult, FEED_PAGE_BYTES, FeedItem, Rejection, Visibility, encoded_len,
};

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

#[derive(Debug, Clone)]
enum Row {
    /// A new contact: members who may see it get a grant.
    Created,
    /// New changes to a contact.
    Changes(Vec<Vec<u8>>),
    /// These members may now see the contact.
    Granted(Vec<MemberId>),
    /// These members may no longer see the contact.
    Revoked(Vec<MemberId>),
    /// Owner or visibility changed.
    Meta,
    /// Deleted for good.
    Purged,
}

#[derive(Debug, Clone)]
struct FeedRow {
    seq: u64,
    doc: ContactId,
    row: Row,
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

    fn next_seq(&mut self, doc: ContactId, row: Row) -> u64 {
        self.head += 1;
        self.feed.push(FeedRow {
            seq: self.head,
            doc,
            row,
        });
        self.head
    }

    /// Check and store a push from `member`; one result per contact, in order. Each contact
    /// is judged on its own: one refused contact does not hold back the others.
    pub fn commit(&mut self, member: MemberId, docs: &[DocChanges]) -> Vec<DocResult> {
        docs.iter()
            .map(|push| {
                let outcome = self.commit_one(member, push.doc, &push.changes);
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

    fn commit_one(
        &mut self,
        member: MemberId,
        id: ContactId,
        changes: &[ByteBuf],
    ) -> Result<u64, Rejection> {
        if self.purged.contains(&id) {
            return Err(Rejection {
                code: codes::NOT_FOUND.into(),
                message: format!("contact {id} was deleted"),
            });
        }
        let stored = self.docs.get(&id);
        if let Some(stored) = stored
            && !stored.meta.visible_to(member)
        {
            return Err(Rejection {
                code: codes::FORBIDDEN.into(),
                message: format!("contact {id} is not shared with you"),
            });
        }
        match accept::accept_changes(id, stored.map(|stored| &stored.doc), changes)? {
            Accepted::AlreadyStored => Ok(stored.map_or(0, |stored| stored.last_seq)),
            Accepted::Changed { doc, new_changes } => {
                let created = stored.is_none();
                let row = if created {
                    Row::Created
                } else {
                    Row::Changes(new_changes)
                };
                let seq = self.next_seq(id, row);
                let meta = match self.docs.remove(&id) {
                    Some(previous) => previous.meta,
                    None => DocMeta {
                        owner: member,
                        visibility: Visibility::All,
                    },
                };
                let snapshot = doc.save();
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
    /// `members` is every member of the tenant, to work out who gained and who lost access.
    pub fn set_visibility(&mut self, id: ContactId, visibility: Visibility, members: &[MemberId]) {
        let Some(stored) = self.docs.get_mut(&id) else {
            return;
        };
        let before = stored.meta.clone();
        stored.meta.visibility = visibility;
        let after = stored.meta.clone();
        let gained: Vec<MemberId> = members
            .iter()
            .copied()
            .filter(|m| after.visible_to(*m) && !before.visible_to(*m))
            .collect();
        let lost: Vec<MemberId> = members
            .iter()
            .copied()
            .filter(|m| !after.visible_to(*m) && before.visible_to(*m))
            .collect();
        if !gained.is_empty() {
            self.next_seq(id, Row::Granted(gained));
        }
        if !lost.is_empty() {
            self.next_seq(id, Row::Revoked(lost));
        }
        self.next_seq(id, Row::Meta);
    }

    /// Delete a contact for good.
    pub fn purge(&mut self, id: ContactId) {
        if self.docs.remove(&id).is_some() {
            self.purged.insert(id);
            self.next_seq(id, Row::Purged);
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
        self.docs
            .iter()
            .filter(|(_, stored)| stored.meta.visible_to(member))
            .map(|(id, _)| *id)
            .collect()
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
        let stored = self
            .docs
            .get_mut(&id)
            .filter(|stored| stored.meta.visible_to(member))?;
        accept::repair_reply(&mut stored.doc, message)
            .ok()
            .flatten()
    }

    /// Read one page of the feed for `member`.
    pub fn read_feed(&self, member: MemberId, request: &FeedRequest) -> FeedPage {
        // A cursor ahead of the head (a device restored from an old server backup, or from
        // another tenant) cannot be trusted either: resynchronise.
        if request.resume.is_some()
            || request.after == 0
            || request.after < self.floor
            || request.after > self.head
        {
            return self.resync_page(member, request);
        }
        let start = self.feed.partition_point(|row| row.seq <= request.after);
        let mut items = Vec::new();
        let mut bytes = 0;
        let mut to = request.after;
        let mut more = false;
        for row in &self.feed[start..] {
            if bytes >= FEED_PAGE_BYTES {
                more = true;
                break;
            }
            if let Some(item) = self.item_for(member, row) {
                bytes += encoded_len(&item);
                items.push(item);
            }
            to = row.seq;
        }
        if !more {
            to = self.head;
        }
        FeedPage {
            items,
            to,
            resync: false,
            resume: None,
            more,
        }
    }

    fn item_for(&self, member: MemberId, row: &FeedRow) -> Option<FeedItem> {
        let doc = row.doc;
        let stored = self.docs.get(&doc);
        let visible = stored.is_some_and(|stored| stored.meta.visible_to(member));
        match &row.row {
            Row::Created if visible => Some(self.grant(doc)),
            Row::Granted(audience) if visible && audience.contains(&member) => {
                Some(self.grant(doc))
            }
            Row::Changes(changes) if visible => Some(FeedItem::Changes {
                doc,
                changes: changes
                    .iter()
                    .map(|bytes| ByteBuf::from(bytes.clone()))
                    .collect(),
            }),
            Row::Revoked(audience) if !visible && audience.contains(&member) => {
                Some(FeedItem::Revoke { doc })
            }
            Row::Meta if visible => Some(FeedItem::Meta {
                doc,
                meta: stored?.meta.clone(),
            }),
            Row::Purged => Some(FeedItem::Purge { doc }),
            _ => None,
        }
    }

    fn grant(&self, doc: ContactId) -> FeedItem {
        let stored = &self.docs[&doc];
        FeedItem::Grant {
            doc,
            snapshot: ByteBuf::from(stored.snapshot.clone()),
            meta: stored.meta.clone(),
        }
    }

    fn resync_page(&self, member: MemberId, request: &FeedRequest) -> FeedPage {
        let position = request.resume.unwrap_or(ResyncPosition {
            upto: self.head,
            after_doc: None,
        });
        let mut items = Vec::new();
        let mut bytes = 0;
        let mut last = position.after_doc;
        let mut remaining = false;
        let candidates = self
            .docs
            .iter()
            .filter(|(id, _)| position.after_doc.is_none_or(|after| **id > after));
        for (id, stored) in candidates {
            if !stored.meta.visible_to(member) {
                continue;
            }
            if bytes >= FEED_PAGE_BYTES {
                remaining = true;
                break;
            }
            let item = self.grant(*id);
            bytes += encoded_len(&item);
            items.push(item);
            last = Some(*id);
        }
        let resume = remaining.then_some(ResyncPosition {
            upto: position.upto,
            after_doc: last,
        });
        // Until the last page, the cursor stays where it was: a device cut off half-way
        // through starts the resynchronisation again rather than believing it complete.
        let to = if remaining {
            request.after
        } else {
            position.upto
        };
        FeedPage {
            items,
            to,
            resync: true,
            resume,
            more: false,
        }
    }
}
