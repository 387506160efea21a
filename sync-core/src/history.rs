//! A contact's history, derived from its Automerge document alone, so a device offline shows
//! the same history as the server's REST API.
//!
//! Every Automerge change is one [`Revision`]: who made it ([`Attribution`], carried in the
//! change's message), when (the change's time, milliseconds since the Unix epoch), what
//! happened ([`Event`]) and what it did field by field ([`FieldChange`]). A revision's
//! changes are what *that* change did: the document at the change's dependencies against the
//! document after it, so two phones' concurrent offline edits each show only their own
//! fields, each with its device.
//!
//! Events outside the document (a visibility change, an owner transfer) are recorded by the
//! server as empty attributed changes ([`ContactDoc::record_event`]), so they too are in
//! every device's history. Restoring a field or the whole contact as it was after a revision
//! is an ordinary new edit ([`ContactDoc::restore_field_by`], [`ContactDoc::restore_by`]):
//! history is never rewritten.
//!
//! How it is fast enough: Automerge reads a document "as at" a change in about 1.5 ms, too slow
//! for 1,000 revisions, so the changes are decoded and replayed once, in causal order, into a
//! model that reads any root field as at any change (`replay`); only the fields a change
//! touched are diffed, and each state of a field is read once (`listing`). A contact with
//! 1,000 revisions lists whole in about 35 ms of CPU, its first page of 50 in about 17 ms,
//! most of which is Automerge handing over the changes
//! (`cargo bench -p sync-core --bench history`).
//!
//! ```
//! use automerge::ActorId;
//! use sync_core::contact::Contact;
//! use sync_core::document::ContactDoc;
//! use sync_core::history::{self, Attribution, Event, HistoryOptions};
//! use sync_core::ids::{ContactId, DeviceId, MemberId};
//!
//! let mina = Attribution::app(MemberId::from_u128(1), DeviceId::from_u128(10));
//! let mut first = Contact::default();
//! first.name.given = "Mara".into();
//! let id = ContactId::from_u128(7);
//! let (mut doc, _) =
//!     ContactDoc::create_by(id, ActorId::from([1u8; 16]), &mina, 1_714_555_800_000, &first)
//!         .unwrap();
//! doc.edit_by(&mina, 1_714_559_400_000, |c| c.name.family = "Lindqvist".into()).unwrap();
//!
//! let page = history::revisions(&doc, &HistoryOptions::default()).unwrap();
//! let newest = &page.revisions[0];
//! assert_eq!(newest.event, Event::Edited);
//! assert_eq!(newest.attribution.as_ref().unwrap().device, Some(DeviceId::from_u128(10)));
//! assert_eq!(newest.changes[0].path, "name.family");
//! assert_eq!(newest.changes[0].new.as_deref(), Some("Lindqvist"));
//! assert_eq!(page.revisions[1].event, Event::Added);
//! ```

use automerge::{ActorId, ChangeHash};

use crate::document::ContactDoc;

mod at_heads;
mod attribution;
mod listing;
mod render;
mod replay;
mod restore;
#[cfg(test)]
mod tests;

pub use attribution::{Attribution, AttributionError, Event, Via, check_attribution};
pub use restore::RestoreError;

use listing::Listing;

/// One change of a contact's document, as the history shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    /// The Automerge change (its `Display` is the hex hash); the cursor for paging and what a
    /// restore names.
    pub hash: ChangeHash,
    /// The Automerge actor that wrote the change (one per device replica or server writer).
    pub actor: ActorId,
    /// Who made the change; `None` for a change with no attribution (an older client).
    pub attribution: Option<Attribution>,
    /// When, in milliseconds since the Unix epoch, by the writer's clock; `None` when the
    /// change carries no time.
    pub at_ms: Option<i64>,
    /// What happened.
    pub event: Event,
    /// What the change did, field by field, in the order the contact declares its fields.
    pub changes: Vec<FieldChange>,
}

/// One field a revision changed, with its values before and after for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The field: `name.given`, `tags.vip`, `custom.budget`, `notes`, `lifecycle.archived`,
    /// `phones[k3j9]` (a whole item added or removed), `phones[k3j9].e164` (a field of an item).
    /// [`ContactDoc::restore_field_by`] takes the same paths.
    pub path: String,
    /// The value before; `None` when the field (or item) was absent or empty.
    pub old: Option<String>,
    /// The value after; `None` when the field (or item) is gone or empty.
    pub new: Option<String>,
}

/// Whether a field appeared, went or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// Absent before (a new item, a new tag, a field filled in).
    Added,
    /// Absent after (an item deleted, a field cleared).
    Removed,
    /// Present on both sides with different values.
    Changed,
}

impl FieldChange {
    /// Whether the field appeared, went or changed.
    pub fn kind(&self) -> ChangeKind {
        match (&self.old, &self.new) {
            (None, _) => ChangeKind::Added,
            (_, None) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        }
    }
}

/// Which revisions to list.
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    /// Only revisions made at or after this time (ms since the Unix epoch; the REST API's
    /// default is 60 days ago). The initial revision is always listed, and so are revisions
    /// without a time (they cannot be shown to be older).
    pub since_ms: Option<i64>,
    /// At most this many revisions in the page (at least one).
    pub limit: Option<usize>,
    /// Continue after this revision (the previous page's [`HistoryPage::next`]).
    pub after: Option<ChangeHash>,
}

/// A page of revisions, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPage {
    /// The revisions, newest first.
    pub revisions: Vec<Revision>,
    /// Where the next page starts (pass it as [`HistoryOptions::after`]); `None` on the last.
    pub next: Option<ChangeHash>,
}

/// What can go wrong listing a history.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    /// The paging cursor names a change this document does not hold.
    #[error("the history has no revision {hash}")]
    UnknownCursor {
        /// The cursor given.
        hash: ChangeHash,
    },
}

/// The contact's revisions, newest first: one per Automerge change.
///
/// "Newest" is a causal order: a revision is always listed above the revisions it built on;
/// concurrent revisions are ordered by their time and then their hash, so every replica with
/// the same changes lists the same history, and a page cursor stays valid as changes arrive.
pub fn revisions(doc: &ContactDoc, options: &HistoryOptions) -> Result<HistoryPage, HistoryError> {
    let listing = Listing::replay(doc.automerge().get_changes(&[]));
    let steps = listing.steps();
    let mut newest_first = (0..steps.len()).rev();
    if let Some(cursor) = options.after {
        newest_first
            .by_ref()
            .find(|position| steps[*position].hash == cursor)
            .ok_or(HistoryError::UnknownCursor { hash: cursor })?;
    }
    let listed = newest_first.filter(|position| {
        let step = &steps[*position];
        step.deps.is_empty()
            || options
                .since_ms
                .is_none_or(|since| step.at_ms.is_none_or(|at| at >= since))
    });
    // A page holds at least one revision, so paging always moves on.
    let limit = options.limit.unwrap_or(usize::MAX).max(1);
    let mut renderer = listing.renderer();
    let mut revisions: Vec<Revision> = Vec::new();
    let mut next = None;
    for position in listed {
        if revisions.len() == limit {
            next = revisions.last().map(|revision| revision.hash);
            break;
        }
        revisions.push(renderer.revision(position));
    }
    Ok(HistoryPage { revisions, next })
}

/// The event a revision shows: the one its attribution names, else the first change of the
/// document is `added`, else what its lifecycle changes mean, else `edited`.
pub(crate) fn derive_event(
    initial: bool,
    by: Option<&Attribution>,
    changes: &[FieldChange],
) -> Event {
    if let Some(event) = by.and_then(|by| by.event) {
        return event;
    }
    if initial {
        return Event::Added;
    }
    let field = |path: &str| changes.iter().find(|change| change.path == path);
    if field("lifecycle.merged_into").is_some_and(|change| change.new.is_some()) {
        return Event::Combined;
    }
    if let Some(trash) = field("lifecycle.trashed_at_ms") {
        return match trash.new {
            Some(_) => Event::Deleted,
            None => Event::Restored,
        };
    }
    if let Some(archive) = field("lifecycle.archived") {
        return if archive.new.as_deref() == Some("true") {
            Event::Archived
        } else {
            Event::Unarchived
        };
    }
    Event::Edited
}
