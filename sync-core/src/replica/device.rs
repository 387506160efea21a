//! A device's replica: its contacts, its cursor in the feed, and its outbox of changes the
//! server has not acknowledged, as a state machine with no I/O.
//!
//! Every call returns [`DeviceEffect`]s. The host sends the frames and stores the rest; **the
//! effects of one call are one unit** and must be stored in one transaction, in order. That
//! is what makes an edit durable the moment it returns: the change is in the document and in
//! the outbox together, or in neither.
//!
//! The outbox survives restarts ([`DeviceReplica::restore`]). After a lost ack the device
//! simply pushes the same changes again; the server recognises them by hash and stores
//! nothing twice.

use std::collections::{BTreeMap, BTreeSet};

use automerge::ActorId;
use automerge::sync::{Message, State, SyncDoc};
use serde_bytes::ByteBuf;

use crate::contact::Contact;
use crate::document::{ContactDoc, DocumentError};
use crate::history::Attribution;
use crate::ids::{ContactId, DeviceId, MemberId};
use crate::wire::{
    DocChanges, DocMeta, DocResult, FeedItem, Frame, MAX_PUSH_DOCS, PROTOCOL_VERSION, Rejection,
    Visibility,
};

/// Ticks (host-defined time units) to wait for an ack, a welcome or a repair answer before
/// asking again. The host decides how long a tick is; sync-core reads no clock.
pub const RETRY_TICKS: u32 = 8;

/// How long to wait after an `unavailable` answer to a push that names no delay.
pub const DEFAULT_RETRY_AFTER_MS: u64 = 1000;

/// Incremental writes of one document before the replica writes it whole again.
pub const COMPACT_AFTER_APPENDS: u32 = 64;

/// Most change bytes one push carries, so a push fits a frame with room to spare.
pub const PUSH_BYTES: usize = 512 * 1024;

/// What the replica asks its host to do.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceEffect {
    /// Send this frame to the server.
    Send(Frame),
    /// Store this contact's document: replace what was stored with `bytes`, or append
    /// `bytes` after it. Appending keeps each edit's write small; every
    /// [`COMPACT_AFTER_APPENDS`] appends the replica writes the whole document again. The
    /// stored chunks, concatenated in order, load as the document.
    SaveDoc {
        /// The contact.
        doc: ContactId,
        /// A compacted document, or the changes since the last write.
        bytes: Vec<u8>,
        /// Whether `bytes` go after what is stored rather than replacing it.
        append: bool,
    },
    /// Forget this contact.
    DeleteDoc {
        /// The contact.
        doc: ContactId,
    },
    /// Store a contact's owner and visibility.
    SaveMeta {
        /// The contact.
        doc: ContactId,
        /// Owner and visibility.
        meta: DocMeta,
    },
    /// Append to the outbox.
    AppendOutbox(OutboxEntry),
    /// Remove these entries from the outbox (acknowledged, or dropped with their contact).
    RemoveOutbox(Vec<u64>),
    /// The server committed these outbox entries: remove them from the outbox.
    Acknowledged(Vec<u64>),
    /// Store the feed cursor.
    SaveCursor(u64),
    /// Tell the user the server refused their changes to a contact; the contact has been
    /// restored to the server's version.
    Rejected {
        /// The contact.
        doc: ContactId,
        /// Why.
        rejection: Rejection,
    },
    /// A card this device scanned was read: store the draft for the rep to review (replacing
    /// any older one of the same card).
    CardDraft(Box<crate::card::CardDraft>),
    /// Someone else's presence on a contact.
    Presence {
        /// The contact.
        doc: ContactId,
        /// What they are doing.
        state: crate::wire::PresenceState,
        /// Who.
        member: Option<crate::ids::MemberId>,
    },
    /// The server could not commit the push in flight: nothing more is pushed on this
    /// connection until the host calls [`DeviceReplica::resume_pushing`], which it does
    /// after `retry_after_ms` (plus a little random jitter, so devices that waited
    /// together do not all come back at once).
    PushDeferred {
        /// How long the server asked the device to wait.
        retry_after_ms: u64,
    },
    /// The server no longer accepts edits from this app's document layout (its
    /// `welcome.min_layout` is above [`DOC_LAYOUT`], or it refused a push with
    /// `upgrade_required`): tell the user to update the app. The outbox is kept, and nothing
    /// is pushed on this connection; the feed and repairs go on.
    ///
    /// [`DOC_LAYOUT`]: crate::contact::DOC_LAYOUT
    UpgradeRequired,
}

/// One change waiting for the server's ack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Position in the outbox; entries are pushed in this order.
    pub id: u64,
    /// The contact the change belongs to.
    pub doc: ContactId,
    /// The raw Automerge change.
    pub change: Vec<u8>,
    /// On the change that creates a contact: who may see it, pushed with the change so the
    /// server commits both together (`None`: everyone in the company).
    pub visibility: Option<Visibility>,
}

/// What a host stored for a device, to rebuild its replica after a restart.
#[derive(Debug, Clone, Default)]
pub struct StoredDevice {
    /// Each contact's saved document.
    pub docs: Vec<(ContactId, Vec<u8>)>,
    /// Each contact's owner and visibility.
    pub metas: Vec<(ContactId, DocMeta)>,
    /// Unacknowledged changes.
    pub outbox: Vec<OutboxEntry>,
    /// The feed cursor.
    pub cursor: u64,
}

#[derive(Debug)]
struct InFlightPush {
    batch: u64,
    entries: Vec<u64>,
    waited: u32,
}

#[derive(Debug)]
struct Repair {
    state: State,
    waited: u32,
}

#[derive(Debug, Default)]
struct Connection {
    welcomed: bool,
    waited_for_welcome: u32,
    next_batch: u64,
    push: Option<InFlightPush>,
    /// The server answered the last push `unavailable`: wait for the host's
    /// `resume_pushing` before pushing again.
    deferred: bool,
    /// The server accepts pushes only from a newer document layout: the outbox waits for
    /// the app to be updated rather than being refused (and dropped) contact by contact.
    outdated: bool,
    repairs: BTreeMap<ContactId, Repair>,
    /// Contacts granted so far in a full resynchronisation under way.
    resync: Option<BTreeSet<ContactId>>,
}

/// The device's replica.
#[derive(Debug)]
pub struct DeviceReplica {
    device: DeviceId,
    actor: ActorId,
    docs: BTreeMap<ContactId, ContactDoc>,
    metas: BTreeMap<ContactId, DocMeta>,
    cursor: u64,
    outbox: BTreeMap<u64, OutboxEntry>,
    next_outbox_id: u64,
    connection: Option<Connection>,
    /// What was last written for each document: its heads and the appends since it was last
    /// written whole.
    written: BTreeMap<ContactId, (Vec<automerge::ChangeHash>, u32)>,
}

/// What can go wrong with a local edit.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// No such contact on this device.
    #[error("contact {0} is not on this device")]
    UnknownContact(ContactId),
    /// A contact with this id exists already.
    #[error("contact {0} exists already")]
    AlreadyExists(ContactId),
    /// The edit breaks a field rule or the document is unreadable.
    #[error(transparent)]
    Document(#[from] DocumentError),
}

impl DeviceReplica {
    /// A new device with nothing stored. `actor` must be unique to this device (the host draws
    /// 16 random bytes once and keeps them).
    pub fn new(device: DeviceId, actor: ActorId) -> Self {
        Self::restore(device, actor, StoredDevice::default()).expect("an empty store restores")
    }

    /// The device as it was stored.
    pub fn restore(
        device: DeviceId,
        actor: ActorId,
        stored: StoredDevice,
    ) -> Result<Self, DocumentError> {
        let mut docs = BTreeMap::new();
        for (id, bytes) in stored.docs {
            docs.insert(id, ContactDoc::load(id, actor.clone(), &bytes)?);
        }
        let next_outbox_id = stored
            .outbox
            .iter()
            .map(|entry| entry.id + 1)
            .max()
            .unwrap_or(0);
        Ok(Self {
            device,
            actor,
            docs,
            metas: stored.metas.into_iter().collect(),
            cursor: stored.cursor,
            outbox: stored
                .outbox
                .into_iter()
                .map(|entry| (entry.id, entry))
                .collect(),
            next_outbox_id,
            connection: None,
            written: BTreeMap::new(),
        })
    }

    /// The device this replica is.
    pub fn device(&self) -> DeviceId {
        self.device
    }

    /// The feed cursor.
    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    /// Changes waiting for the server.
    pub fn pending(&self) -> usize {
        self.outbox.len()
    }

    /// Ids of the contacts on this device.
    pub fn contact_ids(&self) -> impl Iterator<Item = ContactId> + '_ {
        self.docs
            .iter()
            .filter(|(_, doc)| !doc.is_empty())
            .map(|(id, _)| *id)
    }

    /// One contact's document.
    pub fn doc(&self, id: ContactId) -> Option<&ContactDoc> {
        self.docs.get(&id).filter(|doc| !doc.is_empty())
    }

    /// One contact's owner and visibility, once the server told.
    pub fn meta(&self, id: ContactId) -> Option<&DocMeta> {
        self.metas.get(&id)
    }

    /// One contact, as this device sees it now.
    pub fn contact(&self, id: ContactId) -> Option<Result<Contact, DocumentError>> {
        self.doc(id).map(ContactDoc::contact)
    }

    /// Whether the device has nothing left to do with the server: connected and welcomed, no
    /// unacknowledged change, no repair under way.
    pub fn is_settled(&self) -> bool {
        self.outbox.is_empty()
            && self.connection.as_ref().is_some_and(|connection| {
                connection.welcomed && connection.push.is_none() && connection.repairs.is_empty()
            })
    }

    /// Create a contact locally, visible to everyone in the company. Works offline; the
    /// change waits in the outbox.
    pub fn create(
        &mut self,
        id: ContactId,
        contact: &Contact,
    ) -> Result<Vec<DeviceEffect>, EditError> {
        self.create_visible_to(id, contact, None)
    }

    /// Create a contact locally that only `visibility` may see (`None`: everyone). The
    /// visibility travels with the creating change, so the server never shows the contact
    /// to anyone else, even for a moment.
    pub fn create_visible_to(
        &mut self,
        id: ContactId,
        contact: &Contact,
        visibility: Option<Visibility>,
    ) -> Result<Vec<DeviceEffect>, EditError> {
        self.create_with(id, visibility, |actor| {
            ContactDoc::create(id, actor, contact)
        })
    }

    /// Create a contact locally as [`DeviceReplica::create_visible_to`] does, attributed to
    /// `member` on this device at `at_ms` (milliseconds since the Unix epoch, the device's
    /// clock): the contact's history shows who added it ([`crate::history`]).
    pub fn create_by(
        &mut self,
        id: ContactId,
        member: MemberId,
        at_ms: i64,
        contact: &Contact,
        visibility: Option<Visibility>,
    ) -> Result<Vec<DeviceEffect>, EditError> {
        let by = Attribution::app(member, self.device);
        self.create_with(id, visibility, |actor| {
            ContactDoc::create_by(id, actor, &by, at_ms, contact)
        })
    }

    fn create_with(
        &mut self,
        id: ContactId,
        visibility: Option<Visibility>,
        create: impl FnOnce(ActorId) -> Result<(ContactDoc, automerge::Change), DocumentError>,
    ) -> Result<Vec<DeviceEffect>, EditError> {
        if self.docs.contains_key(&id) {
            return Err(EditError::AlreadyExists(id));
        }
        let (doc, change) = create(self.actor.clone())?;
        self.docs.insert(id, doc);
        let mut effects = vec![self.save(id)];
        effects.extend(self.queue_with(id, change.raw_bytes().to_vec(), visibility));
        Ok(effects)
    }

    /// Edit a contact locally. Works offline; the change waits in the outbox. An edit that
    /// changes nothing returns no effects.
    pub fn edit(
        &mut self,
        id: ContactId,
        edit: impl FnOnce(&mut Contact),
    ) -> Result<Vec<DeviceEffect>, EditError> {
        self.edit_with(id, |doc| doc.edit(edit))
    }

    /// Edit a contact locally as [`DeviceReplica::edit`] does, attributed to `member` on this
    /// device at `at_ms` (milliseconds since the Unix epoch, the device's clock): the
    /// contact's history shows who made the edit, on which device ([`crate::history`]).
    pub fn edit_by(
        &mut self,
        id: ContactId,
        member: MemberId,
        at_ms: i64,
        edit: impl FnOnce(&mut Contact),
    ) -> Result<Vec<DeviceEffect>, EditError> {
        let by = Attribution::app(member, self.device);
        self.edit_with(id, |doc| doc.edit_by(&by, at_ms, edit))
    }

    fn edit_with(
        &mut self,
        id: ContactId,
        write: impl FnOnce(&mut ContactDoc) -> Result<Option<automerge::Change>, DocumentError>,
    ) -> Result<Vec<DeviceEffect>, EditError> {
        let doc = self
            .docs
            .get_mut(&id)
            .filter(|doc| !doc.is_empty())
            .ok_or(EditError::UnknownContact(id))?;
        let Some(change) = write(doc)? else {
            return Ok(Vec::new());
        };
        let mut effects = vec![self.save(id)];
        effects.extend(self.queue(id, change.raw_bytes().to_vec()));
        Ok(effects)
    }

    fn queue(&mut self, doc: ContactId, change: Vec<u8>) -> Vec<DeviceEffect> {
        self.queue_with(doc, change, None)
    }

    fn queue_with(
        &mut self,
        doc: ContactId,
        change: Vec<u8>,
        visibility: Option<Visibility>,
    ) -> Vec<DeviceEffect> {
        let entry = OutboxEntry {
            id: self.next_outbox_id,
            doc,
            change,
            visibility,
        };
        self.next_outbox_id += 1;
        self.outbox.insert(entry.id, entry.clone());
        let mut effects = vec![DeviceEffect::AppendOutbox(entry)];
        effects.extend(self.push_if_idle());
        effects
    }

    /// Tell the server what this device is doing with a contact.
    pub fn presence(
        &mut self,
        doc: ContactId,
        state: crate::wire::PresenceState,
    ) -> Vec<DeviceEffect> {
        match &self.connection {
            Some(connection) if connection.welcomed => {
                vec![DeviceEffect::Send(Frame::Presence {
                    doc,
                    state,
                    member: None,
                    device: None,
                })]
            }
            _ => Vec::new(),
        }
    }

    /// The server could not commit push `batch`. Its entries stay in the outbox; the device
    /// waits as told instead of pushing them again at the next retry.
    fn push_unavailable(&mut self, batch: u64, retry_after_ms: Option<u64>) -> Vec<DeviceEffect> {
        let Some(connection) = &mut self.connection else {
            return Vec::new();
        };
        if connection
            .push
            .as_ref()
            .is_none_or(|push| push.batch != batch)
        {
            // An answer to a push already given up on.
            return Vec::new();
        }
        connection.push = None;
        connection.deferred = true;
        vec![DeviceEffect::PushDeferred {
            retry_after_ms: retry_after_ms.unwrap_or(DEFAULT_RETRY_AFTER_MS),
        }]
    }

    /// The wait the server asked for is over: push again.
    pub fn resume_pushing(&mut self) -> Vec<DeviceEffect> {
        match &mut self.connection {
            Some(connection) if connection.deferred => {
                connection.deferred = false;
                self.push_if_idle()
            }
            _ => Vec::new(),
        }
    }

    /// A connection to the server opened.
    pub fn connected(&mut self) -> Vec<DeviceEffect> {
        self.connection = Some(Connection::default());
        vec![self.hello()]
    }

    /// The connection closed. Whatever was in flight will be sent again on the next one.
    pub fn disconnected(&mut self) {
        self.connection = None;
    }

    fn hello(&self) -> DeviceEffect {
        DeviceEffect::Send(Frame::Hello {
            accept: vec![crate::wire::DEFLATE.to_string()],
            v: PROTOCOL_VERSION,
            device: self.device,
            cursor: self.cursor,
            layout: Some(crate::contact::DOC_LAYOUT),
        })
    }

    /// Time passed: ask again for what was not answered.
    pub fn tick(&mut self) -> Vec<DeviceEffect> {
        let hello = self.hello();
        let Some(connection) = &mut self.connection else {
            return Vec::new();
        };
        let mut effects = Vec::new();
        if !connection.welcomed {
            connection.waited_for_welcome += 1;
            if connection.waited_for_welcome >= RETRY_TICKS {
                connection.waited_for_welcome = 0;
                effects.push(hello);
            }
            return effects;
        }
        if let Some(push) = &mut connection.push {
            push.waited += 1;
            if push.waited >= RETRY_TICKS {
                // The ack may be lost; the server drops changes it already has.
                connection.push = None;
            }
        }
        let mut restart = Vec::new();
        for (id, repair) in &mut connection.repairs {
            repair.waited += 1;
            if repair.waited >= RETRY_TICKS {
                restart.push(*id);
            }
        }
        for id in restart {
            effects.extend(self.start_repair(id));
        }
        effects.extend(self.push_if_idle());
        effects
    }

    /// Ask the server to send the feed again from this device's cursor: after a gap, or as a
    /// keep-alive that also recovers a lost last page.
    pub fn resubscribe(&mut self) -> Vec<DeviceEffect> {
        match &self.connection {
            Some(_) => vec![self.hello()],
            None => Vec::new(),
        }
    }

    fn push_if_idle(&mut self) -> Vec<DeviceEffect> {
        let Some(connection) = &mut self.connection else {
            return Vec::new();
        };
        if !connection.welcomed
            || connection.push.is_some()
            || connection.deferred
            || connection.outdated
            || self.outbox.is_empty()
        {
            return Vec::new();
        }
        let mut docs: Vec<DocChanges> = Vec::new();
        let mut entries = Vec::new();
        let mut bytes = 0;
        for entry in self.outbox.values() {
            if connection.repairs.contains_key(&entry.doc) {
                // Its history is being repaired; push once the device holds what it builds on.
                continue;
            }
            if !entries.is_empty() && bytes + entry.change.len() > PUSH_BYTES {
                break;
            }
            let change = ByteBuf::from(entry.change.clone());
            match docs.iter().position(|group| group.doc == entry.doc) {
                Some(position) => docs[position].changes.push(change),
                None if docs.len() < MAX_PUSH_DOCS => docs.push(DocChanges {
                    doc: entry.doc,
                    changes: vec![change],
                    // The creating change is the contact's first in the outbox: a re-push
                    // after a lost ack carries it again.
                    visibility: entry.visibility.clone(),
                }),
                None => break,
            }
            bytes += entry.change.len();
            entries.push(entry.id);
        }
        if entries.is_empty() {
            return Vec::new();
        }
        let batch = connection.next_batch;
        connection.next_batch += 1;
        connection.push = Some(InFlightPush {
            batch,
            entries,
            waited: 0,
        });
        vec![DeviceEffect::Send(Frame::Push { batch, docs })]
    }

    /// A frame arrived from the server.
    pub fn receive(&mut self, frame: Frame) -> Vec<DeviceEffect> {
        if self.connection.is_none() {
            return Vec::new();
        }
        match frame {
            Frame::Welcome { min_layout, .. } => {
                let outdated = min_layout.unwrap_or(1) > crate::contact::DOC_LAYOUT;
                if let Some(connection) = &mut self.connection {
                    connection.welcomed = true;
                    connection.outdated = outdated;
                }
                let mut effects = Vec::new();
                if outdated {
                    effects.push(DeviceEffect::UpgradeRequired);
                }
                effects.extend(self.push_if_idle());
                let gaps: Vec<ContactId> = self
                    .docs
                    .iter()
                    .filter(|(_, doc)| doc.is_empty() || !doc.missing_deps().is_empty())
                    .map(|(id, _)| *id)
                    .collect();
                for id in gaps {
                    effects.extend(self.start_repair(id));
                }
                effects
            }
            Frame::Ack { batch, results } => self.ack(batch, results),
            Frame::Feed {
                from,
                to,
                reset,
                more,
                items,
            } => self.feed(from, to, reset, more, items),
            Frame::Sync { doc, msg } => self.repair_message(doc, &msg),
            Frame::Presence {
                doc, state, member, ..
            } => vec![DeviceEffect::Presence { doc, state, member }],
            Frame::Card { draft } => vec![DeviceEffect::CardDraft(draft)],
            Frame::Error { fatal: true, .. } => {
                self.connection = None;
                Vec::new()
            }
            Frame::Error {
                code: crate::wire::ErrorCode::Unavailable,
                batch: Some(batch),
                retry_after_ms,
                ..
            } => self.push_unavailable(batch, retry_after_ms),
            // Deflated frames are unpacked by `Frame::decode`; one arriving here was built in
            // memory, not received, and carries nothing for the device.
            Frame::Error { .. }
            | Frame::Hello { .. }
            | Frame::Push { .. }
            | Frame::Deflated { .. } => Vec::new(),
        }
    }

    fn ack(&mut self, batch: u64, results: Vec<DocResult>) -> Vec<DeviceEffect> {
        let Some(connection) = &mut self.connection else {
            return Vec::new();
        };
        let Some(push) = connection.push.take_if(|push| push.batch == batch) else {
            // An ack for a batch given up on, or a duplicate: its changes are still in the
            // outbox and will be pushed (harmlessly) again.
            return Vec::new();
        };
        let mut effects = Vec::new();
        let mut acknowledged = Vec::new();
        let mut outdated = false;
        for result in results {
            match result.rejected {
                None => acknowledged.extend(
                    push.entries
                        .iter()
                        .copied()
                        .filter(|id| self.outbox.get(id).is_some_and(|e| e.doc == result.doc)),
                ),
                // Not a judgement of the changes: they stay in the outbox for the updated
                // app to push.
                Some(rejection) if rejection.code == crate::accept::codes::UPGRADE_REQUIRED => {
                    outdated = true;
                }
                Some(rejection) => effects.extend(self.rejected(result.doc, rejection)),
            }
        }
        if outdated {
            if let Some(connection) = &mut self.connection {
                connection.outdated = true;
            }
            effects.push(DeviceEffect::UpgradeRequired);
        }
        for id in &acknowledged {
            self.outbox.remove(id);
        }
        if !acknowledged.is_empty() {
            effects.push(DeviceEffect::Acknowledged(acknowledged));
        }
        effects.extend(self.push_if_idle());
        effects
    }

    /// The server refused this device's changes to a contact. Later local changes build on the
    /// refused ones and would be refused too, so all of them go; the contact is rebuilt from
    /// the server's copy. (Clients check the same rules before committing, so this happens only
    /// when access changed or the rules did.)
    fn rejected(&mut self, doc: ContactId, rejection: Rejection) -> Vec<DeviceEffect> {
        let mut effects = self.drop_pending(doc);
        // An empty document is stored in place of the refused one (keeping the contact's
        // owner and visibility): it survives a restart, and every welcome repairs empty and
        // gapped documents, so the server's copy comes back even if this connection drops.
        self.docs
            .insert(doc, ContactDoc::empty(doc, self.actor.clone()));
        self.written.remove(&doc);
        effects.push(self.save(doc));
        effects.push(DeviceEffect::Rejected { doc, rejection });
        effects.extend(self.start_repair(doc));
        effects
    }

    /// Drop a contact's unacknowledged changes.
    fn drop_pending(&mut self, doc: ContactId) -> Vec<DeviceEffect> {
        let dropped: Vec<u64> = self
            .outbox
            .values()
            .filter(|entry| entry.doc == doc)
            .map(|entry| entry.id)
            .collect();
        for id in &dropped {
            self.outbox.remove(id);
        }
        if let Some(connection) = &mut self.connection {
            connection.repairs.remove(&doc);
            if let Some(push) = &mut connection.push {
                push.entries.retain(|id| !dropped.contains(id));
            }
        }
        if dropped.is_empty() {
            Vec::new()
        } else {
            vec![DeviceEffect::RemoveOutbox(dropped)]
        }
    }

    /// Drop a contact and its pending changes.
    fn forget(&mut self, doc: ContactId) -> Vec<DeviceEffect> {
        let mut effects = self.drop_pending(doc);
        self.docs.remove(&doc);
        self.metas.remove(&doc);
        self.written.remove(&doc);
        effects.insert(0, DeviceEffect::DeleteDoc { doc });
        effects
    }

    fn feed(
        &mut self,
        from: u64,
        to: u64,
        reset: bool,
        more: bool,
        items: Vec<FeedItem>,
    ) -> Vec<DeviceEffect> {
        if from != self.cursor {
            // A page that does not continue from our cursor was duplicated, reordered or
            // follows a lost one. Stale pages are ignored; after a gap we ask again.
            return if from > self.cursor {
                self.resubscribe()
            } else {
                Vec::new()
            };
        }
        let mut effects = Vec::new();
        if reset && let Some(connection) = &mut self.connection {
            connection.resync = Some(BTreeSet::new());
        }
        for item in items {
            effects.extend(self.apply_item(item));
        }
        self.cursor = to;
        effects.push(DeviceEffect::SaveCursor(to));
        if !more {
            effects.extend(self.finish_resync());
        }
        effects
    }

    fn apply_item(&mut self, item: FeedItem) -> Vec<DeviceEffect> {
        match item {
            FeedItem::Changes { doc, changes } => {
                let actor = self.actor.clone();
                let local = self
                    .docs
                    .entry(doc)
                    .or_insert_with(|| ContactDoc::empty(doc, actor));
                if local.apply(&changes).is_err() {
                    // Bytes the server accepted but we cannot read: rebuild from the server.
                    return self.start_repair(doc);
                }
                let gap = !local.missing_deps().is_empty();
                let mut effects = vec![self.save(doc)];
                if gap {
                    effects.extend(self.start_repair(doc));
                }
                effects
            }
            FeedItem::Grant {
                doc,
                snapshot,
                meta,
            } => {
                let actor = self.actor.clone();
                let local = self
                    .docs
                    .entry(doc)
                    .or_insert_with(|| ContactDoc::empty(doc, actor));
                let mut effects = Vec::new();
                if local.merge_saved(&snapshot).is_err() {
                    effects.extend(self.start_repair(doc));
                } else {
                    effects.push(self.save(doc));
                }
                self.metas.insert(doc, meta.clone());
                effects.push(DeviceEffect::SaveMeta { doc, meta });
                if let Some(granted) = self.connection.as_mut().and_then(|c| c.resync.as_mut()) {
                    granted.insert(doc);
                }
                effects
            }
            FeedItem::Revoke { doc } | FeedItem::Purge { doc } => {
                if self.docs.contains_key(&doc) || self.metas.contains_key(&doc) {
                    self.forget(doc)
                } else {
                    Vec::new()
                }
            }
            FeedItem::Meta { doc, meta } => {
                self.metas.insert(doc, meta.clone());
                vec![DeviceEffect::SaveMeta { doc, meta }]
            }
        }
    }

    /// After the last page of a full resynchronisation: contacts the server did not grant are
    /// no longer ours to see, unless they are new here and still on their way up.
    fn finish_resync(&mut self) -> Vec<DeviceEffect> {
        let Some(granted) = self.connection.as_mut().and_then(|c| c.resync.take()) else {
            return Vec::new();
        };
        let stale: Vec<ContactId> = self
            .docs
            .keys()
            .filter(|id| {
                !granted.contains(id) && !self.outbox.values().any(|entry| entry.doc == **id)
            })
            .copied()
            .collect();
        stale.into_iter().flat_map(|id| self.forget(id)).collect()
    }

    fn start_repair(&mut self, doc: ContactId) -> Vec<DeviceEffect> {
        let Some(connection) = &mut self.connection else {
            return Vec::new();
        };
        if !connection.welcomed {
            return Vec::new();
        }
        let actor = self.actor.clone();
        let local = self
            .docs
            .entry(doc)
            .or_insert_with(|| ContactDoc::empty(doc, actor));
        let mut state = State::new();
        let message = local.automerge().generate_sync_message(&mut state);
        connection.repairs.insert(doc, Repair { state, waited: 0 });
        match message {
            Some(message) => vec![DeviceEffect::Send(Frame::Sync {
                doc,
                msg: message.encode(),
            })],
            None => Vec::new(),
        }
    }

    fn repair_message(&mut self, doc: ContactId, msg: &[u8]) -> Vec<DeviceEffect> {
        let Some(connection) = &mut self.connection else {
            return Vec::new();
        };
        let Some(repair) = connection.repairs.get_mut(&doc) else {
            return Vec::new();
        };
        let Some(local) = self.docs.get_mut(&doc) else {
            connection.repairs.remove(&doc);
            return Vec::new();
        };
        if msg.is_empty() {
            // The server has nothing for us: the contact is gone or not ours to see.
            connection.repairs.remove(&doc);
            let has_pending = self.outbox.values().any(|entry| entry.doc == doc);
            return if local.is_empty() && !has_pending {
                self.forget(doc)
            } else {
                Vec::new()
            };
        }
        let Ok(message) = Message::decode(msg) else {
            return Vec::new();
        };
        let server_heads = message.heads.clone();
        repair.waited = 0;
        if local
            .automerge_mut()
            .receive_sync_message(&mut repair.state, message)
            .is_err()
        {
            return Vec::new();
        }
        let complete = local.missing_deps().is_empty()
            && server_heads.iter().all(|head| local.has_change(head));
        let next = if complete {
            None
        } else {
            local.automerge().generate_sync_message(&mut repair.state)
        };
        let mut effects = vec![self.save(doc)];
        if complete {
            if let Some(connection) = &mut self.connection {
                connection.repairs.remove(&doc);
            }
            effects.extend(self.push_if_idle());
        } else if let Some(next) = next {
            effects.push(DeviceEffect::Send(Frame::Sync {
                doc,
                msg: next.encode(),
            }));
        }
        effects
    }

    /// The write that stores a document's current state: the changes since the last write, or
    /// the whole document when it has had enough appends (or was never written).
    fn save(&mut self, id: ContactId) -> DeviceEffect {
        let doc = &self.docs[&id];
        let heads = doc.heads();
        match self.written.get_mut(&id) {
            Some((written_heads, appends)) if *appends < COMPACT_AFTER_APPENDS => {
                let bytes = doc.automerge().save_after(written_heads);
                *written_heads = heads;
                *appends += 1;
                DeviceEffect::SaveDoc {
                    doc: id,
                    bytes,
                    append: true,
                }
            }
            _ => {
                self.written.insert(id, (heads, 0));
                DeviceEffect::SaveDoc {
                    doc: id,
                    bytes: doc.save(),
                    append: false,
                }
            }
        }
    }
}
