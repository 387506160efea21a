//! What the server decides about pushed changes and repair requests, as pure functions.
//!
//! The server host (SQLite, Postgres, the in-memory simulation) loads the current document,
//! calls [`accept_changes`], and stores what it returns inside the transaction that allocates
//! the feed `seq`. Keeping the decision here means every backend judges a push the same way.

use automerge::sync::{Message, State, SyncDoc};
use automerge::{ChangeHash, ReadDoc};
use serde_bytes::ByteBuf;

use crate::document::{
    CHANGE_SLACK_BYTES, ContactDoc, DocumentError, MAX_DOC_BYTES, content_bytes,
    ensure_no_new_errors, within_cap,
};
use crate::ids::{ContactId, MemberId};
use crate::wire::{DocMeta, Rejection, Visibility};

/// The result of accepting one contact's pushed changes.
#[derive(Debug)]
pub enum Accepted {
    /// Every pushed change was already stored (a re-push after a lost ack): nothing to write.
    AlreadyStored,
    /// The document grew by these changes.
    Changed {
        /// The document with the changes applied, to store.
        doc: Box<ContactDoc>,
        /// The raw bytes of the changes that were new, in causal order, for the feed.
        new_changes: Vec<Vec<u8>>,
        /// The contact the document now holds, already read for validation (the store
        /// indexes it for search without reading the document again).
        contact: Box<crate::contact::Contact>,
        /// `doc` saved, already measured against [`MAX_DOC_BYTES`]: the snapshot to store,
        /// so the store does not save the document a second time.
        saved: Vec<u8>,
    },
}

/// Rejection codes, stable for clients.
pub mod codes {
    /// The member may not change this contact.
    pub const FORBIDDEN: &str = "forbidden";
    /// The change leaves the contact breaking a field rule.
    pub const INVALID: &str = "invalid";
    /// The change depends on changes the server does not have.
    pub const MISSING_DEPS: &str = "missing_deps";
    /// The bytes are not Automerge changes.
    pub const MALFORMED: &str = "malformed";
    /// The contact was deleted for good.
    pub const NOT_FOUND: &str = "not_found";
    /// The changes leave the contact's saved document over
    /// [`MAX_DOC_BYTES`](crate::document::MAX_DOC_BYTES), and larger than its content allows.
    pub const TOO_LARGE: &str = "too_large";
    /// The device writes a document layout older than the server accepts edits from
    /// ([`MIN_LAYOUT`](super::MIN_LAYOUT)); the app must be updated.
    pub const UPGRADE_REQUIRED: &str = "upgrade_required";
}

/// The oldest document layout ([`DOC_LAYOUT`]) a device may write and still have its pushes
/// accepted, told to devices in `welcome.min_layout`.
///
/// Layouts only add keys and values, which every layout keeps (docs/protocol.md section 14.1),
/// so edits from every layout are accepted without loss and this is 1. It is the escape hatch
/// for a change that cannot follow those rules: raising it refuses older apps' pushes with
/// [`codes::UPGRADE_REQUIRED`] instead of letting them damage newer documents.
///
/// [`DOC_LAYOUT`]: crate::contact::DOC_LAYOUT
pub const MIN_LAYOUT: u32 = 1;

/// Whether the server accepts pushes from a device writing `device_layout` (its
/// `hello.layout`; a device that states none writes layout 1, the first release's). Refused
/// with [`codes::UPGRADE_REQUIRED`] below [`MIN_LAYOUT`].
pub fn layout_accepted(device_layout: Option<u32>) -> Result<(), Rejection> {
    layout_at_least(device_layout, MIN_LAYOUT)
}

/// [`layout_accepted`] against `min_layout` rather than [`MIN_LAYOUT`].
pub fn layout_at_least(device_layout: Option<u32>, min_layout: u32) -> Result<(), Rejection> {
    let layout = device_layout.unwrap_or(1);
    if layout >= min_layout {
        return Ok(());
    }
    Err(reject(
        codes::UPGRADE_REQUIRED,
        format!(
            "this app writes contacts in layout {layout}; the server accepts edits from \
             layout {min_layout} on: update the app to send your changes"
        ),
    ))
}

/// The owner and visibility of a contact `member` creates with a push that asks for
/// `requested` (absent: everyone in the company), or why it cannot be stored.
pub fn new_contact_meta(
    member: MemberId,
    requested: Option<&Visibility>,
) -> Result<DocMeta, Rejection> {
    let visibility = match requested {
        None => Visibility::All,
        Some(requested) => requested
            .clone()
            .normalized(member)
            .map_err(|error| reject(codes::INVALID, error.to_string()))?,
    };
    Ok(DocMeta {
        owner: member,
        visibility,
    })
}

fn reject(code: &str, message: impl Into<String>) -> Rejection {
    Rejection {
        code: code.to_string(),
        message: message.into(),
    }
}

/// Apply pushed `changes` to `current` (the stored document, `None` for a new contact) and
/// check the result.
///
/// A push is judged on what the pushing device saw: if the merged document breaks a rule
/// that it did not break before, the device's own view (the document at the pushed heads) is
/// checked, and the push is refused only if the device's own edit broke the rule. A rule
/// broken by two valid concurrent edits meeting (two reps adding 60 phones each) is left for
/// the UI to show and the next edit to mend, never punished by losing one rep's work.
pub fn accept_changes(
    id: ContactId,
    current: Option<&ContactDoc>,
    changes: &[ByteBuf],
) -> Result<Accepted, Rejection> {
    let mut doc = match current {
        Some(doc) => doc.clone(),
        None => ContactDoc::empty(id, automerge::ActorId::from([0u8; 16])),
    };
    let mut pushed = Vec::with_capacity(changes.len());
    for (index, bytes) in changes.iter().enumerate() {
        let change = automerge::Change::try_from(bytes.as_slice()).map_err(|error| {
            reject(
                codes::MALFORMED,
                format!("change {index} of contact {id} is not an Automerge change: {error}"),
            )
        })?;
        pushed.push(change.hash());
    }
    let fresh: Vec<&ByteBuf> = changes
        .iter()
        .zip(&pushed)
        .filter(|(_, hash)| !doc.has_change(hash))
        .map(|(bytes, _)| bytes)
        .collect();
    if fresh.is_empty() {
        return Ok(Accepted::AlreadyStored);
    }
    doc.apply(&fresh)
        .map_err(|error| reject(codes::MALFORMED, error.to_string()))?;
    let missing = doc.missing_deps();
    if !missing.is_empty() {
        return Err(reject(
            codes::MISSING_DEPS,
            format!(
                "contact {id}: the push depends on {} change(s) the server does not have",
                missing.len()
            ),
        ));
    }
    let after = doc
        .contact()
        .map_err(|error| reject(codes::INVALID, error.to_string()))?;
    match current.filter(|current| !current.is_empty()) {
        // A new contact must be valid as a whole.
        None => crate::validate::validate(&after)
            .map_err(|errors| reject(codes::INVALID, errors.to_string()))?,
        Some(current) => {
            if crate::validate::validate(&after).is_err() {
                let before = current
                    .contact()
                    .map_err(|error| reject(codes::INVALID, error.to_string()))?;
                if ensure_no_new_errors(&before, &after).is_err() {
                    judge_on_device_view(&mut doc, &pushed)?;
                }
            }
        }
    }
    let saved = doc.save();
    doc.saved_as(saved.len());
    if saved.len() > MAX_DOC_BYTES {
        judge_size(id, current, &fresh, saved.len(), &after)?;
    }
    let new_changes = fresh.iter().map(|bytes| bytes.to_vec()).collect();
    Ok(Accepted::Changed {
        doc: Box::new(doc),
        new_changes,
        contact: Box::new(after),
        saved,
    })
}

/// Refuse a push that leaves the document at `size` saved bytes, over the cap, unless it
/// edits the contact down: the rule of [`ContactDoc::edit`], so a device's own check and the
/// server's agree.
fn judge_size(
    id: ContactId,
    current: Option<&ContactDoc>,
    fresh: &[&ByteBuf],
    size: usize,
    after: &crate::contact::Contact,
) -> Result<(), Rejection> {
    let current = current.filter(|current| !current.is_empty());
    // What the push added to the document: exact when the stored document was near the cap
    // (and so measured), else at most its changes' length.
    let growth = match current.and_then(ContactDoc::size_if_near_cap) {
        Some(before) => size.saturating_sub(before),
        None => fresh
            .iter()
            .map(|bytes| bytes.len() + CHANGE_SLACK_BYTES)
            .sum(),
    };
    let content_before = match current {
        Some(current) => content_bytes(
            &current
                .contact()
                .map_err(|error| reject(codes::INVALID, error.to_string()))?,
        ),
        None => 0,
    };
    if within_cap(size, growth, content_before, content_bytes(after)) {
        return Ok(());
    }
    Err(reject(
        codes::TOO_LARGE,
        format!(
            "contact {id} would take {size} bytes, over the limit of {MAX_DOC_BYTES}; \
             remove long notes or old activity first"
        ),
    ))
}

/// Check the push against the document as the device saw it: before its changes (their
/// dependencies) and after them (the pushed heads).
fn judge_on_device_view(doc: &mut ContactDoc, pushed: &[ChangeHash]) -> Result<(), Rejection> {
    let id = doc.id();
    let automerge = doc.automerge();
    let deps: Vec<ChangeHash> = {
        let mut deps = Vec::new();
        for hash in pushed {
            if let Some(change) = automerge.get_change_by_hash(hash) {
                deps.extend(
                    change
                        .deps()
                        .iter()
                        .copied()
                        .filter(|dep| !pushed.contains(dep)),
                );
            }
        }
        deps.sort();
        deps.dedup();
        deps
    };
    let view = |heads: &[ChangeHash]| -> Result<crate::contact::Contact, Rejection> {
        if heads.is_empty() {
            return Ok(crate::contact::Contact::default());
        }
        let forked = automerge
            .fork_at(heads)
            .map_err(|error| reject(codes::INVALID, error.to_string()))?;
        autosurgeon::hydrate(&forked).map_err(|error| {
            reject(
                codes::INVALID,
                DocumentError::Shape {
                    doc: id,
                    source: Box::new(error),
                }
                .to_string(),
            )
        })
    };
    let seen_before = view(&deps)?;
    let seen_after = view(pushed)?;
    ensure_no_new_errors(&seen_before, &seen_after)
        .map_err(|errors| reject(codes::INVALID, errors.to_string()))
}

/// Answer a device's repair message for one contact: the changes it lacks.
///
/// The server syncs in read-only mode: changes a device sends this way are never applied (its
/// own edits must come through `push`, which checks them). Each message is answered from a
/// fresh sync state, so the server keeps nothing per connection; the device's message carries
/// its heads and a Bloom filter of what it has, which is all the answer needs.
/// Returns `None` when the device lacks nothing.
pub fn repair_reply(doc: &mut ContactDoc, message: &[u8]) -> Result<Option<Vec<u8>>, Rejection> {
    let message = Message::decode(message).map_err(|error| {
        reject(
            codes::MALFORMED,
            format!("not an Automerge sync message: {error}"),
        )
    })?;
    let mut state = State::new_read_only();
    let automerge = doc.automerge_mut();
    automerge
        .receive_sync_message(&mut state, message)
        .map_err(|error| reject(codes::MALFORMED, error.to_string()))?;
    Ok(automerge
        .generate_sync_message(&mut state)
        .map(Message::encode))
}
