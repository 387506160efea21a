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
//! [`ItemId`]: crate::ids::ItemId

use automerge::transaction::CommitOptions;
use automerge::{ActorId, Automerge, Change, ChangeHash, ObjId, ObjType, ReadDoc};
use automerge::{Prop, Value};

use crate::contact::Contact;
use crate::history::{Attribution, Event};
use crate::ids::ContactId;
use crate::validate::{self, FieldError, ValidationErrors};

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
    /// Writing the edit into the document failed.
    #[error("contact {doc}: could not write the edit: {message}")]
    Reconcile {
        /// The contact being edited.
        doc: ContactId,
        /// What autosurgeon said.
        message: String,
    },
}

/// A value that two or more replicas wrote at the same time, which the document keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Where the value sits: `name.given`, `phones[k3j9].label`, `tags.vip`.
    pub path: String,
    /// The value every replica shows.
    pub winner: String,
    /// The other concurrent values, so the UI can offer them.
    pub others: Vec<String>,
}

/// One contact's document, held in memory by a device or the server.
#[derive(Debug, Clone)]
pub struct ContactDoc {
    id: ContactId,
    doc: Automerge,
}

impl ContactDoc {
    /// An empty document (no content yet) that changes from elsewhere can be applied to.
    pub fn empty(id: ContactId, actor: ActorId) -> Self {
        Self {
            id,
            doc: Automerge::new().with_actor(actor),
        }
    }

    /// A new contact written by `actor`. Returns the document and its first change.
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
        Ok(Self { id, doc })
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
    /// its notes edited, but no edit may add a 101st phone.
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
        self.write(&after, options)
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
            Ok(success) => Ok(success
                .hash
                .and_then(|hash| self.doc.get_change_by_hash(&hash))),
            Err(failure) => Err(DocumentError::Reconcile {
                doc: id,
                message: failure.error.to_string(),
            }),
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

    /// The underlying document, mutably, for the sync protocol.
    pub fn automerge_mut(&mut self) -> &mut Automerge {
        &mut self.doc
    }

    /// Every value written concurrently and kept by the document, winner first.
    pub fn conflicts(&self) -> Vec<Conflict> {
        let mut found = Vec::new();
        collect_conflicts(&self.doc, &ObjId::Root, "", &mut found);
        found
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

fn collect_conflicts(doc: &Automerge, obj: &ObjId, path: &str, found: &mut Vec<Conflict>) {
    match doc.object_type(obj) {
        Ok(ObjType::Map) => {
            for key in doc.keys(obj) {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                visit_property(doc, obj, Prop::Map(key), &child_path, found);
            }
        }
        Ok(ObjType::List) => {
            for index in 0..doc.length(obj) {
                let label = list_item_label(doc, obj, index);
                let child_path = format!("{path}[{label}]");
                visit_property(doc, obj, Prop::Seq(index), &child_path, found);
            }
        }
        // Text merges character by character and never conflicts; other types are not used.
        _ => {}
    }
}

fn visit_property(doc: &Automerge, obj: &ObjId, prop: Prop, path: &str, found: &mut Vec<Conflict>) {
    let Ok(values) = doc.get_all(obj, prop.clone()) else {
        return;
    };
    if values.len() > 1 {
        let winner = doc.get(obj, prop.clone()).ok().flatten();
        let winner_id = winner.as_ref().map(|(_, id)| id.clone());
        let others = values
            .iter()
            .filter(|(_, id)| Some(id) != winner_id.as_ref())
            .map(|(value, _)| render(value))
            .collect();
        found.push(Conflict {
            path: path.to_string(),
            winner: winner.map(|(value, _)| render(&value)).unwrap_or_default(),
            others,
        });
    }
    if let Ok(Some((Value::Object(_), child))) = doc.get(obj, prop) {
        collect_conflicts(doc, &child, path, found);
    }
}

/// List items are named by their `id` field when they have one, so a conflict path points at
/// the same item on every replica whatever its position.
fn list_item_label(doc: &Automerge, list: &ObjId, index: usize) -> String {
    if let Ok(Some((Value::Object(ObjType::Map), item))) = doc.get(list, index)
        && let Ok(Some((Value::Scalar(id), _))) = doc.get(&item, "id")
        && let automerge::ScalarValue::Str(id) = id.as_ref()
    {
        return id.to_string();
    }
    index.to_string()
}

fn render(value: &Value<'_>) -> String {
    match value {
        Value::Scalar(scalar) => match scalar.as_ref() {
            automerge::ScalarValue::Str(text) => text.to_string(),
            other => other.to_string(),
        },
        Value::Object(kind) => format!("<{kind}>"),
    }
}
