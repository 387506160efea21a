//! One contact's Automerge document: creating it, editing it through the typed [`Contact`],
//! applying changes from elsewhere, and reading its conflicts.
//!
//! Edits go hydrate → mutate → validate → reconcile inside one Automerge transaction, so an
//! edit that breaks a field rule is rolled back whole and nothing half-written is committed.
//!
//! # What concurrent edits do
//!
//! | concurrent edits | outcome |
//! |---|---|
//! | different fields | both survive |
//! | both add an item to a list | both items kept (items are matched by their [`ItemId`]) |
//! | one edits an item, the other deletes it | **the delete wins**: the item is gone everywhere; the edit lands on the deleted item and is not shown. A delete is a deliberate act on an item the user could see, and resurrecting it would surprise the person who deleted it. |
//! | same field, different values | both values are kept in the document; [`ContactDoc::conflicts`] lists them for the UI, and every replica shows the same winner (Automerge orders concurrent writes by operation id) |
//! | typing in the notes | the keystrokes interleave as in a shared text editor |
//! | one adds a tag, another adds another | both tags present; removing a tag removes only that tag |
//!
//! # Size
//!
//! A saved document is capped at [`MAX_DOC_BYTES`], so its snapshot always fits a frame. An
//! edit that would leave it larger is refused ([`DocumentError::TooLarge`]) and nothing is
//! committed, except an edit that edits the contact down. Automerge keeps history, so even a
//! deletion adds a few bytes: past the cap, an edit is allowed when the document grows by no
//! more than the contact's content shrinks (its text, plus a fixed allowance per item, tag
//! and custom field). Removing an item, a tag or a long text passes; rewriting a long text
//! with another as long does not, which bounds how far past the cap a contact can go.
//! Changes from elsewhere are always applied; the server checks pushes by the same rule
//! (`too_large`).
//!
//! [`ItemId`]: crate::ids::ItemId

mod conflicts;
mod size;

use automerge::transaction::CommitOptions;
use automerge::{ActorId, Automerge, Change, ChangeHash, ReadDoc};

use crate::contact::Contact;
use crate::history::{Attribution, Event};
use crate::ids::ContactId;
use crate::validate::{self, FieldError, ValidationErrors};

pub use self::conflicts::Conflict;
pub use self::size::MAX_DOC_BYTES;
pub(crate) use self::size::{CHANGE_SLACK_BYTES, content_bytes, within_cap};

/// What can go wrong handling a contact document.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The edit would leave the contact breaking a field rule; nothing was committed.
    #[error("the edit was not saved: {0}")]
    Invalid(#[from] ValidationErrors),
    /// The document's content does not have the shape of a contact.
    #[error("contact {doc} does not read as a contact: {source}")]
    Shape {
        /// The contact whose document is malformed.
        doc: ContactId,
        /// What autosurgeon could not read (boxed: it is large and errors are rare).
        source: Box<autosurgeon::HydrateError>,
    },
    /// Bytes that are not an Automerge document or change.
    #[error("contact {doc}: bytes are not Automerge data: {source}")]
    Corrupt {
        /// The contact the bytes were meant for.
        doc: ContactId,
        /// What Automerge said (boxed: it is large and errors are rare).
        source: Box<automerge::AutomergeError>,
    },
    /// The edit would leave the saved document larger than [`MAX_DOC_BYTES`] (and, for a
    /// contact already over it, grow it by more than it removes); nothing was committed.
    #[error(
        "the edit was not saved: contact {doc} would take {bytes} bytes, over the limit of \
         {limit}; remove long notes or old activity first"
    )]
    TooLarge {
        /// The contact being edited.
        doc: ContactId,
        /// The saved document's size with the edit.
        bytes: usize,
        /// [`MAX_DOC_BYTES`].
        limit: usize,
    },
    /// Writing the edit into the document failed.
    #[error("contact {doc}: could not write the edit: {message}")]
    Reconcile {
        /// The contact being edited.
        doc: ContactId,
        /// What autosurgeon said.
        message: String,
    },
}

/// One contact's document, held in memory by a device or the server.
#[derive(Debug, Clone)]
pub struct ContactDoc {
    id: ContactId,
    doc: Automerge,
    /// At least the size of the saved document: the last size measured plus every change
    /// since (with [`CHANGE_SLACK_BYTES`]), so that an edit far from the cap is checked
    /// without saving the whole document. `usize::MAX` when unknown.
    size_bound: usize,
}

impl ContactDoc {
    /// An empty document (no content yet) that changes from elsewhere can be applied to.
    pub fn empty(id: ContactId, actor: ActorId) -> Self {
        let doc = Automerge::new().with_actor(actor);
        Self {
            id,
            size_bound: doc.save().len(),
            doc,
        }
    }

    /// A new contact written by `actor`. Returns the document and its first change.
    ///
    /// Refused when the contact breaks a field rule or its document would be larger than
    /// [`MAX_DOC_BYTES`].
    pub fn create(
        id: ContactId,
        actor: ActorId,
        contact: &Contact,
    ) -> Result<(Self, Change), DocumentError> {
        Self::create_with(id, actor, contact, CommitOptions::default())
    }

    /// A new contact written by `actor` for `by` at `at_ms` (milliseconds since the Unix
    /// epoch, the writer's clock): its first change carries the attribution the history shows
    /// ([`crate::history`]). Returns the document and its first change.
    pub fn create_by(
        id: ContactId,
        actor: ActorId,
        by: &Attribution,
        at_ms: i64,
        contact: &Contact,
    ) -> Result<(Self, Change), DocumentError> {
        Self::create_with(id, actor, contact, commit_options(by, at_ms))
    }

    fn create_with(
        id: ContactId,
        actor: ActorId,
        contact: &Contact,
        options: CommitOptions,
    ) -> Result<(Self, Change), DocumentError> {
        validate::validate(contact)?;
        let mut doc = Self::empty(id, actor);
        let change = doc
            .write(contact, options)?
            .expect("a new contact always changes an empty document");
        if doc.size_bound > MAX_DOC_BYTES {
            let bytes = doc.measure();
            if bytes > MAX_DOC_BYTES {
                return Err(doc.too_large(bytes));
            }
        }
        Ok((doc, change))
    }

    /// A document from bytes saved by [`ContactDoc::save`] (or a concatenation of changes).
    pub fn load(id: ContactId, actor: ActorId, bytes: &[u8]) -> Result<Self, DocumentError> {
        let doc = Automerge::load(bytes)
            .map_err(|source| DocumentError::Corrupt {
                doc: id,
                source: Box::new(source),
            })?
            .with_actor(actor);
        // Saved bytes load to a document that saves to as many; stored chunks (a snapshot
        // and appended changes) save to fewer.
        Ok(Self {
            id,
            doc,
            size_bound: bytes.len(),
        })
    }

    /// Which contact this is.
    pub fn id(&self) -> ContactId {
        self.id
    }

    /// The contact as every replica with the same heads sees it.
    pub fn contact(&self) -> Result<Contact, DocumentError> {
        autosurgeon::hydrate(&self.doc).map_err(|source| DocumentError::Shape {
            doc: self.id,
            source: Box::new(source),
        })
    }

    /// Whether the document holds any content yet.
    pub fn is_empty(&self) -> bool {
        self.doc.get_heads().is_empty()
    }

    /// Edit the contact. `edit` changes the typed contact; the difference is written to the
    /// document as one change, which is returned (`None` when `edit` changed nothing).
    ///
    /// The edit is refused if it breaks a field rule that the contact did not already break:
    /// a contact left invalid by a merge (two devices each adding 60 phones) can still have
    /// its notes edited, but no edit may add a 101st phone. It is refused too if it leaves
    /// the saved document over [`MAX_DOC_BYTES`], unless it edits a contact already over the
    /// cap down ([`DocumentError::TooLarge`]). A refused edit commits nothing.
    pub fn edit(
        &mut self,
        edit: impl FnOnce(&mut Contact),
    ) -> Result<Option<Change>, DocumentError> {
        self.edit_with(CommitOptions::default(), edit)
    }

    /// Edit the contact for `by` at `at_ms` (milliseconds since the Unix epoch, the writer's
    /// clock), as [`ContactDoc::edit`] does; the change carries the attribution the history
    /// shows ([`crate::history`]).
    pub fn edit_by(
        &mut self,
        by: &Attribution,
        at_ms: i64,
        edit: impl FnOnce(&mut Contact),
    ) -> Result<Option<Change>, DocumentError> {
        self.edit_with(commit_options(by, at_ms), edit)
    }

    fn edit_with(
        &mut self,
        options: CommitOptions,
        edit: impl FnOnce(&mut Contact),
    ) -> Result<Option<Change>, DocumentError> {
        let before = self.contact()?;
        let mut after = before.clone();
        edit(&mut after);
        ensure_no_new_errors(&before, &after)?;
        // The exact size before is needed only if the edit may cross the cap or the document
        // is over it; saving costs a pass over the whole document, so one far from it skips
        // that.
        let size_before = (self.size_bound > size::NEAR_CAP_BYTES).then(|| self.measure());
        let heads = self.doc.get_heads();
        // Changes waiting for their dependencies are not part of the history `fork_at`
        // rebuilds from, so a document holding some keeps a copy to go back to instead.
        let backup = (!self.doc.get_missing_deps(&[]).is_empty()).then(|| self.doc.clone());
        let Some(change) = self.write(&after, options)? else {
            return Ok(None);
        };
        if self.size_bound <= MAX_DOC_BYTES {
            return Ok(Some(change));
        }
        let size_after = self.measure();
        let growth = match size_before {
            Some(size_before) => size_after.saturating_sub(size_before),
            None => change.raw_bytes().len() + CHANGE_SLACK_BYTES,
        };
        if within_cap(
            size_after,
            growth,
            content_bytes(&before),
            content_bytes(&after),
        ) {
            return Ok(Some(change));
        }
        self.roll_back(&heads, backup)?;
        Err(self.too_large(size_after))
    }

    /// Record `event` (with `by.detail`) as a change with no operations: an event that
    /// happened outside the document (a visibility change, an owner transfer) shows in the
    /// history every device derives from the document alone. The change is ordinary: it is
    /// pushed, stored and fed like any other, and it depends on the current heads.
    pub fn record_event(&mut self, by: &Attribution, event: Event, at_ms: i64) -> Change {
        let by = by.clone().with_event(event, by.detail.clone());
        let hash = self.doc.empty_commit(commit_options(&by, at_ms));
        self.doc
            .get_change_by_hash(&hash)
            .expect("a change just committed is in the document")
    }

    fn write(
        &mut self,
        contact: &Contact,
        options: CommitOptions,
    ) -> Result<Option<Change>, DocumentError> {
        let id = self.id;
        let committed = self
            .doc
            .transact_with(|_| options, |tx| autosurgeon::reconcile(tx, contact));
        match committed {
            Ok(success) => {
                let change = success
                    .hash
                    .and_then(|hash| self.doc.get_change_by_hash(&hash));
                if let Some(change) = &change {
                    self.size_bound = self
                        .size_bound
                        .saturating_add(change.raw_bytes().len() + CHANGE_SLACK_BYTES);
                }
                Ok(change)
            }
            Err(failure) => Err(DocumentError::Reconcile {
                doc: id,
                message: failure.error.to_string(),
            }),
        }
    }

    /// Undo the last committed change: back to the document at `heads`.
    fn roll_back(
        &mut self,
        heads: &[ChangeHash],
        backup: Option<Automerge>,
    ) -> Result<(), DocumentError> {
        let restored = match backup {
            Some(backup) => backup,
            None => self
                .doc
                .fork_at(heads)
                .map_err(|source| DocumentError::Corrupt {
                    doc: self.id,
                    source: Box::new(source),
                })?
                .with_actor(self.doc.get_actor().clone()),
        };
        self.doc = restored;
        self.measure();
        Ok(())
    }

    /// The saved document's exact size, which also resets the estimate.
    fn measure(&mut self) -> usize {
        self.size_bound = self.doc.save().len();
        self.size_bound
    }

    /// The saved document's exact size if it is near [`MAX_DOC_BYTES`] or over it; `None`
    /// when it is known to be far within it (the server's "before" of a push).
    pub(crate) fn size_if_near_cap(&self) -> Option<usize> {
        (self.size_bound > size::NEAR_CAP_BYTES).then(|| self.doc.save().len())
    }

    /// Record that the document saves to `bytes` (measured by whoever saved it).
    pub(crate) fn saved_as(&mut self, bytes: usize) {
        self.size_bound = bytes;
    }

    fn too_large(&self, bytes: usize) -> DocumentError {
        DocumentError::TooLarge {
            doc: self.id,
            bytes,
            limit: MAX_DOC_BYTES,
        }
    }

    /// Apply changes received from elsewhere, as raw change bytes. Changes already present
    /// are ignored, so applying twice is harmless. Changes whose dependencies are missing are
    /// held back by Automerge until the dependencies arrive ([`ContactDoc::missing_deps`]).
    pub fn apply(&mut self, changes: &[impl AsRef<[u8]>]) -> Result<(), DocumentError> {
        let mut decoded = Vec::with_capacity(changes.len());
        for bytes in changes {
            let change =
                Change::try_from(bytes.as_ref()).map_err(|error| DocumentError::Corrupt {
                    doc: self.id,
                    source: Box::new(error.into()),
                })?;
            decoded.push(change);
        }
        let added: usize = changes
            .iter()
            .map(|bytes| bytes.as_ref().len() + CHANGE_SLACK_BYTES)
            .sum();
        self.size_bound = self.size_bound.saturating_add(added);
        self.doc
            .apply_changes(decoded)
            .map_err(|source| DocumentError::Corrupt {
                doc: self.id,
                source: Box::new(source),
            })
    }

    /// Merge a whole saved document (a snapshot from the server) into this one, keeping any
    /// local changes the snapshot lacks.
    pub fn merge_saved(&mut self, saved: &[u8]) -> Result<(), DocumentError> {
        self.size_bound = self.size_bound.saturating_add(saved.len());
        self.doc
            .load_incremental(saved)
            .map(|_| ())
            .map_err(|source| DocumentError::Corrupt {
                doc: self.id,
                source: Box::new(source),
            })
    }

    /// Hashes of changes this document has been told about but does not hold. Non-empty means
    /// a gap: the replica must repair the document.
    pub fn missing_deps(&self) -> Vec<ChangeHash> {
        self.doc.get_missing_deps(&[])
    }

    /// The current heads.
    pub fn heads(&self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// Whether the document holds this change.
    pub fn has_change(&self, hash: &ChangeHash) -> bool {
        self.doc.get_change_by_hash(hash).is_some()
    }

    /// The compacted document, to store or to send as a snapshot.
    pub fn save(&self) -> Vec<u8> {
        self.doc.save()
    }

    /// Every change after `heads` (all changes when `heads` is empty).
    pub fn changes_since(&self, heads: &[ChangeHash]) -> Vec<Change> {
        self.doc.get_changes(heads)
    }

    /// The underlying Automerge document, for the sync protocol.
    pub fn automerge(&self) -> &Automerge {
        &self.doc
    }

    /// The underlying document, mutably, for the sync protocol. What the caller adds is not
    /// counted, so the next edit measures the saved size exactly.
    pub fn automerge_mut(&mut self) -> &mut Automerge {
        self.size_bound = usize::MAX;
        &mut self.doc
    }

    /// Every value written concurrently and kept by the document, winner first.
    pub fn conflicts(&self) -> Vec<Conflict> {
        conflicts::collect(&self.doc)
    }
}

/// The message and time of an attributed change (docs/protocol.md section 15.1).
fn commit_options(by: &Attribution, at_ms: i64) -> CommitOptions {
    CommitOptions::default()
        .with_message(by.to_message())
        .with_time(at_ms)
}

/// Refuse `after` if it breaks a rule `before` did not already break.
pub(crate) fn ensure_no_new_errors(
    before: &Contact,
    after: &Contact,
) -> Result<(), ValidationErrors> {
    let Err(after_errors) = validate::validate(after) else {
        return Ok(());
    };
    let before_errors = validate::validate(before)
        .err()
        .map(|errors| errors.0)
        .unwrap_or_default();
    let new: Vec<FieldError> = after_errors
        .0
        .into_iter()
        .filter(|error| !before_errors.contains(error))
        .collect();
    if new.is_empty() {
        Ok(())
    } else {
        Err(ValidationErrors(new))
    }
}
