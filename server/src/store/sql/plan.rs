//! What a write changes, decided without touching the database.
//!
//! A store locks the tenant, reads what the write needs (the pushed contacts as stored, the
//! tenant's head and members), asks this module what to write, writes it and commits. The
//! decisions themselves come from sync-core (`accept_changes`, `audience_change`), exactly as
//! the in-memory reference store makes them; this module only turns them into rows, and is
//! shared so SQLite and Postgres cannot drift apart.

use std::collections::HashMap;
use std::sync::Arc;

use serde_bytes::ByteBuf;
use sync_core::accept::{self, Accepted, codes};
use sync_core::access::{AccessChange, Viewer};
use sync_core::document::ContactDoc;
use sync_core::feed::{self, RowKind};
use sync_core::ids::ContactId;
use sync_core::wire::{DocChanges, DocMeta, DocResult, Rejection};

use super::cache::DocSource;
use super::projection::{self, Projection};
use super::{blobs, codec};
use crate::store::StoreError;

/// A pushed contact as the store holds it, read under the tenant's lock.
#[derive(Debug)]
pub(crate) enum Stored {
    /// A live contact.
    Live {
        /// Owner and visibility.
        meta: DocMeta,
        /// The seq of the latest row that changed its content.
        last_seq: u64,
        /// The document (cached or still to be loaded).
        doc: DocSource,
        /// The image hashes it held at its last commit (`None`: not known yet).
        blobs: Option<Vec<String>>,
        /// Its `terms` and `tags` columns as stored (`None`: no projection row yet).
        projected: Option<(String, String)>,
    },
    /// Deleted for good.
    Purged,
}

/// What a commit needs to know of its tenant and its moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommitContext {
    /// The company's phone region, for search terms.
    pub region: String,
    /// The server's clock at commit, ms since the Unix epoch.
    pub now_ms: i64,
}

/// A contact's new state after a commit: its document row and search projection.
#[derive(Debug)]
pub(crate) struct DocWrite {
    /// The contact.
    pub doc: ContactId,
    /// Owner and visibility (written only when the contact is new).
    pub meta: DocMeta,
    /// The compacted document.
    pub snapshot: Vec<u8>,
    /// Its heads, as stored.
    pub heads: Vec<u8>,
    /// The seq of the row that produced this state.
    pub last_seq: u64,
    /// The list and search projection.
    pub search: Projection,
    /// New: its access rows are written.
    pub created: bool,
    /// Its `terms` and `tags` columns as stored before this commit (`None`: no row yet): the
    /// rows of `search_terms` and `contact_tags` change by the difference.
    pub stored: Option<(String, String)>,
    /// The document itself, kept in the cache once the transaction committed; `None` for
    /// contacts the server built in bulk (an import's rows), which nobody is editing and
    /// which would push the hot documents out (measured: a 1,000-row batch cached took
    /// 600 MB more peak RSS than one not cached).
    pub loaded: Option<Arc<ContactDoc>>,
    /// The image hashes it holds (`sql::blobs::held_by`).
    pub blobs: Vec<String>,
    /// Whether they differ from those its refs record, which are then rewritten; most
    /// commits change no image and write no ref.
    pub refs_changed: bool,
    /// Who pushed it: a hash it adds is recorded only if they may fetch the image.
    pub by: Viewer,
    /// A new contact whose search terms the store may write later
    /// (`PreparedContact::index_later`).
    pub index_later: bool,
}

impl DocWrite {
    /// The search terms to delete and to insert for this write.
    pub(crate) fn term_changes(&self) -> (Vec<&str>, Vec<&str>) {
        projection::row_changes(
            self.stored
                .as_ref()
                .map(|(terms, _)| projection::term_lines(terms)),
            self.search.term_list(),
        )
    }

    /// Every stored search term to delete and every term now to insert: for a store whose
    /// term rows carry the sort name in their key, when [`Self::resorts_terms`].
    pub(crate) fn term_rewrite(&self) -> (Vec<&str>, Vec<&str>) {
        let stored = self.stored.as_ref();
        (
            stored
                .map(|(terms, _)| projection::term_lines(terms).collect())
                .unwrap_or_default(),
            self.search.term_list().collect(),
        )
    }

    /// Whether the contact's stored term rows (kept, not rewritten, by [`Self::term_changes`])
    /// may carry an old sort name: their fingerprint changed. New rows take the sort name
    /// from `contact_search` as they are inserted.
    pub(crate) fn resorts_terms(&self) -> bool {
        self.stored.as_ref().is_some_and(|(terms, _)| {
            projection::fingerprint_line(terms) != projection::fingerprint_line(&self.search.terms)
        })
    }

    /// The tags to delete and to insert for this write.
    pub(crate) fn tag_changes(&self) -> (Vec<&str>, Vec<&str>) {
        projection::row_changes(
            self.stored
                .as_ref()
                .map(|(_, tags)| projection::tag_lines(tags)),
            self.search.tag_list(),
        )
    }
}

/// A feed row to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewRow {
    /// Its seq.
    pub seq: u64,
    /// The contact.
    pub doc: ContactId,
    /// The encoded [`RowKind`].
    pub kind: Vec<u8>,
}

/// A raw change to keep, by hash.
#[derive(Debug)]
pub(crate) struct NewChange {
    /// The contact.
    pub doc: ContactId,
    /// The change's hash.
    pub hash: [u8; 32],
    /// The change.
    pub bytes: Vec<u8>,
}

/// Everything a push writes.
#[derive(Debug, Default)]
pub(crate) struct CommitPlan {
    /// One result per pushed contact, in order.
    pub results: Vec<DocResult>,
    /// The final state of each changed contact (once each, however often it was pushed).
    pub writes: Vec<DocWrite>,
    /// New feed rows, in seq order.
    pub rows: Vec<NewRow>,
    /// New raw changes.
    pub changes: Vec<NewChange>,
    /// The tenant's head after the push.
    pub head: u64,
    /// Stored documents loaded from their saved bytes (with their `last_seq`), worth caching
    /// even when the push did not change them.
    pub opened: Vec<(ContactId, u64, Arc<ContactDoc>)>,
}

fn rejection(code: &str, message: String) -> Rejection {
    Rejection {
        code: code.to_string(),
        message,
    }
}

/// Decide a push from `member` to a tenant whose head is `head`, given each pushed contact
/// as stored (`stored` lacks the new ones). CPU-bound (loading, applying and saving
/// documents): stores run it on a blocking thread.
pub(crate) fn plan_commit(
    viewer: &Viewer,
    context: &CommitContext,
    head: u64,
    pushes: &[DocChanges],
    prepared: &[Option<Arc<crate::store::PreparedContact>>],
    mut stored: HashMap<ContactId, Stored>,
) -> Result<CommitPlan, StoreError> {
    let mut plan = CommitPlan {
        head,
        ..CommitPlan::default()
    };
    // Index into `plan.writes` by contact, so a contact pushed twice is written once.
    let mut written: HashMap<ContactId, usize> = HashMap::new();
    for (index, push) in pushes.iter().enumerate() {
        let ready = prepared.get(index).and_then(Option::as_ref);
        let outcome = commit_one(
            viewer,
            context,
            push,
            ready,
            &mut stored,
            &mut plan,
            &mut written,
        )?;
        plan.results.push(match outcome {
            Ok(seq) => DocResult {
                doc: push.doc,
                seq: Some(seq),
                rejected: None,
            },
            Err(rejected) => DocResult {
                doc: push.doc,
                seq: None,
                rejected: Some(rejected),
            },
        });
    }
    Ok(plan)
}

/// One contact of a push: `Ok(Ok(seq))` accepted, `Ok(Err(_))` refused, `Err` when stored
/// data is damaged.
fn commit_one(
    viewer: &Viewer,
    context: &CommitContext,
    push: &DocChanges,
    prepared: Option<&Arc<crate::store::PreparedContact>>,
    stored: &mut HashMap<ContactId, Stored>,
    plan: &mut CommitPlan,
    written: &mut HashMap<ContactId, usize>,
) -> Result<Result<u64, Rejection>, StoreError> {
    let id = push.doc;
    let current = match stored.get_mut(&id) {
        None => None,
        Some(Stored::Purged) => {
            return Ok(Err(rejection(
                codes::NOT_FOUND,
                format!("contact {id} was deleted"),
            )));
        }
        Some(Stored::Live { meta, .. }) if !viewer.may_edit(Some(meta)) => {
            return Ok(Err(rejection(
                codes::FORBIDDEN,
                format!("contact {id} is not shared with you"),
            )));
        }
        Some(Stored::Live {
            meta,
            last_seq,
            doc,
            ..
        }) => {
            // Loaded on first use, so contacts the member may not change are never loaded.
            if let DocSource::Saved(_) = doc {
                let saved = std::mem::replace(doc, DocSource::Saved(Vec::new()));
                let (loaded, _) = saved.open(id)?;
                plan.opened.push((id, *last_seq, Arc::clone(&loaded)));
                *doc = DocSource::Cached(loaded);
            }
            let DocSource::Cached(loaded) = doc else {
                unreachable!("loaded just above")
            };
            Some((meta.clone(), *last_seq, Arc::clone(loaded)))
        }
    };
    // Decided before the changes, so a contact whose visibility can't be stored is not
    // created either.
    let member = viewer.member;
    let created_meta = match &current {
        None if !viewer.may_edit(None) => {
            return Ok(Err(rejection(
                codes::FORBIDDEN,
                format!("member {member} is deactivated and may not add contacts"),
            )));
        }
        None => match accept::new_contact_meta(member, push.visibility.as_ref()) {
            Ok(meta) => Some(meta),
            Err(rejected) => return Ok(Err(rejected)),
        },
        Some(_) => None,
    };
    let index_later = current.is_none() && prepared.is_some_and(|ready| ready.index_later);
    let mut prepared_terms = None;
    let (built, new_changes, contact, saved) = match (&current, prepared) {
        // A new contact the server built itself from this very change, validated as it was
        // made: what `accept_changes` would compute is at hand (an import's rows, where
        // loading each change into a fresh document again was a fifth of the time).
        (None, Some(ready)) if push.changes.len() == 1 => {
            prepared_terms = Some(ready.terms.as_str());
            (
                Built::Prepared(ready.change),
                push.changes.iter().map(|bytes| bytes.to_vec()).collect(),
                Box::new(ready.contact.clone()),
                ready.saved.clone(),
            )
        }
        _ => {
            let accepted = match accept::accept_changes(
                id,
                current.as_ref().map(|(_, _, doc)| doc.as_ref()),
                &push.changes,
            ) {
                Ok(accepted) => accepted,
                Err(rejected) => return Ok(Err(rejected)),
            };
            match accepted {
                Accepted::AlreadyStored => {
                    return Ok(Ok(current.map_or(0, |(_, last_seq, _)| last_seq)));
                }
                Accepted::Changed {
                    doc,
                    new_changes,
                    contact,
                    saved,
                } => (Built::Loaded(Arc::new(*doc)), new_changes, contact, saved),
            }
        }
    };
    plan.head += 1;
    let seq = plan.head;
    let kind = match current {
        None => RowKind::Created,
        Some(_) => RowKind::Changes {
            changes: new_changes.iter().cloned().map(ByteBuf::from).collect(),
        },
    };
    plan.rows.push(NewRow {
        seq,
        doc: id,
        kind: codec::encode_kind(&kind),
    });
    for bytes in new_changes {
        let hash = match &built {
            Built::Prepared(change) => change.0,
            Built::Loaded(_) => {
                automerge::Change::try_from(bytes.as_slice())
                    .map_err(|error| StoreError::Corrupt(format!("an accepted change: {error}")))?
                    .hash()
                    .0
            }
        };
        plan.changes.push(NewChange {
            doc: id,
            hash,
            bytes,
        });
    }
    let created = created_meta.is_some();
    let meta = match (current, created_meta) {
        (Some((meta, _, _)), _) => meta,
        (None, Some(meta)) => meta,
        (None, None) => unreachable!("a new contact's meta is decided above"),
    };
    let held = blobs::held_by(&contact);
    let refs_changed = match stored.get(&id) {
        Some(Stored::Live {
            blobs: Some(before),
            ..
        }) => *before != held,
        // Not known (stored before the refs were kept): rewrite them.
        Some(Stored::Live { blobs: None, .. }) => true,
        _ => !held.is_empty(),
    };
    let projected = match stored.get(&id) {
        Some(Stored::Live { projected, .. }) => projected.clone(),
        _ => None,
    };
    let search = Projection::of(
        &contact,
        &context.region,
        context.now_ms,
        projected
            .as_ref()
            .map(|(terms, _)| terms.as_str())
            .or(prepared_terms),
    );
    let (heads, loaded, source) = match built {
        Built::Prepared(change) => (vec![change], None, DocSource::Saved(saved.clone())),
        Built::Loaded(doc) => (doc.heads(), Some(Arc::clone(&doc)), DocSource::Cached(doc)),
    };
    let write = DocWrite {
        doc: id,
        meta: meta.clone(),
        snapshot: saved,
        heads: codec::encode_heads(&heads),
        last_seq: seq,
        loaded,
        blobs: held.clone(),
        refs_changed,
        by: viewer.clone(),
        index_later,
        created,
        stored: projected,
        search,
    };
    let next_projected = (write.search.terms.clone(), write.search.tags.clone());
    match written.get(&id) {
        Some(&index) => {
            // Pushed twice: what to rewrite follows from what was stored before the first.
            let first = &mut plan.writes[index];
            let merged = DocWrite {
                refs_changed: write.refs_changed || first.refs_changed,
                created: write.created || first.created,
                // The rows in the database are still those stored before the first.
                stored: first.stored.take(),
                ..write
            };
            plan.writes[index] = merged;
        }
        None => {
            written.insert(id, plan.writes.len());
            plan.writes.push(write);
        }
    }
    stored.insert(
        id,
        Stored::Live {
            meta,
            last_seq: seq,
            doc: source,
            blobs: Some(held),
            projected: Some(next_projected),
        },
    );
    Ok(Ok(seq))
}

/// A contact's document after a commit.
enum Built {
    /// Created by the one change whose hash this is, built beside the committing thread
    /// (`PreparedContact`): not loaded here, and not worth caching.
    Prepared(automerge::ChangeHash),
    /// Loaded, changes applied.
    Loaded(Arc<ContactDoc>),
}

/// The feed rows a visibility change from `before` to `after` writes, from seq `head + 1`
/// on: a grant to those who gain sight, a revoke to those who lose it, and the new metadata.
pub(crate) fn visibility_rows(
    doc: ContactId,
    before: &DocMeta,
    after: &DocMeta,
    viewers: &[Viewer],
    head: u64,
) -> Vec<NewRow> {
    let (gained, lost) = feed::audience_change(before, after, viewers);
    let mut kinds = Vec::new();
    if !gained.is_empty() {
        kinds.push(RowKind::Granted { audience: gained });
    }
    if !lost.is_empty() {
        kinds.push(RowKind::Revoked { audience: lost });
    }
    kinds.push(RowKind::Meta);
    kinds
        .iter()
        .zip(head + 1..)
        .map(|(kind, seq)| NewRow {
            seq,
            doc,
            kind: codec::encode_kind(kind),
        })
        .collect()
}

/// The rows of a change of the directory, from seq `head + 1` on: per contact whose audience
/// moved, a grant to those who gained sight and a revoke to those who lost it.
pub(crate) fn access_rows(changes: &[AccessChange], head: u64) -> Vec<NewRow> {
    let kinds = changes.iter().flat_map(|change| {
        let granted = (!change.gained.is_empty()).then(|| {
            (
                change.doc,
                RowKind::Granted {
                    audience: change.gained.clone(),
                },
            )
        });
        let revoked = (!change.lost.is_empty()).then(|| {
            (
                change.doc,
                RowKind::Revoked {
                    audience: change.lost.clone(),
                },
            )
        });
        granted.into_iter().chain(revoked)
    });
    kinds
        .zip(head + 1..)
        .map(|((doc, kind), seq)| NewRow {
            seq,
            doc,
            kind: codec::encode_kind(&kind),
        })
        .collect()
}

/// The purge row of a contact: told to those who could see it.
pub(crate) fn purge_row(doc: ContactId, meta: &DocMeta, viewers: &[Viewer], seq: u64) -> NewRow {
    let audience = viewers
        .iter()
        .filter(|viewer| viewer.sees(meta))
        .map(|viewer| viewer.member)
        .collect();
    NewRow {
        seq,
        doc,
        kind: codec::encode_kind(&RowKind::Purged { audience }),
    }
}

/// A purged contact's feed row with its content erased, or `None` if it carries none.
///
/// The change bytes of a contact deleted for good must not stay in the feed. After a purge a
/// `Changes` row reaches no one (`feed::delivery` needs the contact visible), so emptying it
/// changes nothing any device receives; the row itself stays so seqs remain contiguous.
pub(crate) fn erased_row(seq: u64, kind: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
    match codec::decode_kind(seq, kind)? {
        RowKind::Changes { changes } if !changes.is_empty() => {
            Ok(Some(codec::encode_kind(&RowKind::Changes {
                changes: Vec::new(),
            })))
        }
        _ => Ok(None),
    }
}

/// A repair's answer.
#[derive(Debug)]
pub(crate) struct Repaired {
    /// The sync message for the device, if it lacks anything.
    pub reply: Option<Vec<u8>>,
    /// The document, if it was loaded from its saved bytes just now (worth caching).
    pub loaded: Option<Arc<ContactDoc>>,
}

/// Answer a repair message from the stored document, as the reference store does: a
/// message that is not a sync message gets no answer, like a contact the member may not see.
pub(crate) fn repair(
    id: ContactId,
    source: DocSource,
    message: &[u8],
) -> Result<Repaired, StoreError> {
    let (doc, fresh) = source.open(id)?;
    // Answering needs the document mutably (read-only sync still updates Automerge's
    // bookkeeping), and the cached copy is shared: answer from a copy.
    let mut copy = ContactDoc::clone(&doc);
    // A malformed message is the device's fault, not the store's: it receives an empty sync
    // message and gives up.
    let reply = accept::repair_reply(&mut copy, message).unwrap_or_default();
    Ok(Repaired {
        reply,
        loaded: fresh.then_some(doc),
    })
}
