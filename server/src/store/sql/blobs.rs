//! Who may fetch a stored image, and when one is deleted, written once for both backends.
//!
//! An image is stored once per tenant by its hash (`blobs`); `blob_refs` says who holds it: a
//! contact (its photo or one of its card images) or a card (the scan it was read from). A
//! member may fetch an image only through a holder: a contact they may see, or a card they
//! scanned. An image nothing holds any more is deleted in the transaction that let go of it.
//!
//! The refs of a contact are kept by the commit path, in the push's transaction, and only
//! when the set of hashes changed: `documents.blobs` keeps the set as of the last commit,
//! read with the row the committers select anyway, so an ordinary edit costs nothing more.
//! A hash a push *adds* is recorded only if the pushing member may already fetch the image
//! (they copied it from a contact they see, or from their own scan): knowing a hash is not
//! enough, or anyone who once saw a photo could keep it alive, and served, after an unshare
//! or a purge by pasting the hash into a contact of their own.
//!
//! The statements are portable `$N` text, shared by sqlx on both backends and by the SQLite
//! committer's own rusqlite connection.

use sync_core::access::Viewer;
use sync_core::contact::Contact;
use sync_core::wire::DocMeta;
use uuid::Uuid;

use super::codec;
use crate::store::StoreError;

/// `blob_refs.holder_kind` of a contact (`holder_id` is `documents.id`).
pub(crate) const CONTACT: &str = "contact";
/// `blob_refs.holder_kind` of a card (`holder_id` is `cards.id`).
pub(crate) const CARD: &str = "card";

/// The `pending_backfills` row of the contact refs filled in once after migration 0004.
pub(crate) const BACKFILL: &str = "contact_blob_refs";

/// Drop a holder's refs: `$1` tenant, `$2` holder, `$3` kind; returns the hashes it held.
pub(crate) const RELEASE: &str = "DELETE FROM blob_refs \
     WHERE tenant_id = $1 AND holder_id = $2 AND holder_kind = $3 RETURNING sha256";

/// Record a ref: `$1` tenant, `$2` hash, `$3` kind, `$4` holder.
pub(crate) const HOLD: &str = "INSERT INTO blob_refs (tenant_id, sha256, holder_kind, holder_id) \
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";

/// Delete an image if nothing holds it: `$1` tenant, `$2` hash.
pub(crate) const COLLECT: &str = "DELETE FROM blobs WHERE tenant_id = $1 AND sha256 = $2 \
     AND NOT EXISTS (SELECT 1 FROM blob_refs WHERE tenant_id = $1 AND sha256 = $2)";

/// Drop the refs of reviewed cards to an image: `$1` tenant, `$2` hash (a purge's, see
/// `release_purged`).
pub(crate) const RELEASE_REVIEWED: &str = "DELETE FROM blob_refs \
     WHERE tenant_id = $1 AND sha256 = $2 AND holder_kind = 'card' \
     AND holder_id IN (SELECT id FROM cards WHERE tenant_id = $1 AND status = 'done')";

/// Every holder of an image with what deciding needs: `$1` tenant, `$2` hash. A card ref
/// brings its scanning member, a contact ref the contact's owner, visibility and tombstone.
pub(crate) const HOLDERS: &str = "SELECT r.holder_kind, c.member_id, d.owner, d.visibility, \
     d.purged FROM blob_refs r \
     LEFT JOIN cards c ON r.holder_kind = 'card' AND c.tenant_id = r.tenant_id \
         AND c.id = r.holder_id \
     LEFT JOIN documents d ON r.holder_kind = 'contact' AND d.tenant_id = r.tenant_id \
         AND d.id = r.holder_id \
     WHERE r.tenant_id = $1 AND r.sha256 = $2";

/// One row of [`HOLDERS`].
pub(crate) type HolderRow = (
    String,
    Option<Uuid>,
    Option<Uuid>,
    Option<Vec<u8>>,
    Option<bool>,
);

/// The hashes `contact` holds (its photo and its card images), sorted, each once.
pub(crate) fn held_by(contact: &Contact) -> Vec<String> {
    let mut hashes: Vec<String> = contact
        .photo
        .iter()
        .map(|photo| photo.sha256.clone())
        .chain(
            contact
                .card_images
                .iter()
                .map(|image| image.blob.sha256.clone()),
        )
        .collect();
    hashes.sort();
    hashes.dedup();
    hashes
}

/// `documents.blobs` for a set of hashes: one a line.
pub(crate) fn encode(hashes: &[String]) -> String {
    hashes.join("\n")
}

/// A set as stored by [`encode`]; `None` (not known yet) for a NULL column.
pub(crate) fn decode(column: Option<&str>) -> Option<Vec<String>> {
    column.map(|text| {
        text.split('\n')
            .filter(|hash| !hash.is_empty())
            .map(str::to_string)
            .collect()
    })
}

/// How a contact's refs change: what it held before (as recorded) against what it holds.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RefChange {
    /// Held before and still: recorded again as they were.
    pub kept: Vec<String>,
    /// New: recorded only if the pushing member may fetch the image.
    pub added: Vec<String>,
    /// No longer held: the image is deleted if nothing else holds it.
    pub dropped: Vec<String>,
}

impl RefChange {
    /// The change from the `recorded` hashes to the `held` ones (sorted, each once).
    pub(crate) fn between(mut recorded: Vec<String>, held: &[String]) -> Self {
        recorded.sort();
        recorded.dedup();
        let (kept, dropped) = recorded
            .into_iter()
            .partition(|hash| held.binary_search(hash).is_ok());
        let kept: Vec<String> = kept;
        let added = held
            .iter()
            .filter(|hash| kept.binary_search(hash).is_err())
            .cloned()
            .collect();
        Self {
            kept,
            added,
            dropped,
        }
    }
}

/// Whether one holder lets `member` fetch the image: a card they scanned, or a live contact
/// they may see. A ref whose holder is gone (a NULL join) lets no one in.
fn allows(viewer: &Viewer, row: HolderRow) -> Result<bool, StoreError> {
    let (kind, scanner, owner, visibility, purged) = row;
    match kind.as_str() {
        CARD => Ok(scanner.is_some_and(|scanner| scanner.as_bytes() == viewer.member.as_bytes())),
        CONTACT => match (owner, visibility, purged) {
            (Some(owner), Some(visibility), Some(false)) => {
                let meta: DocMeta = codec::decode_meta(owner, &visibility)?;
                Ok(viewer.sees(&meta))
            }
            _ => Ok(false),
        },
        other => Err(StoreError::Corrupt(format!("blob holder kind {other:?}"))),
    }
}

/// Whether any of an image's holders lets `viewer`'s member fetch it.
pub(crate) fn may_fetch(
    viewer: &Viewer,
    holders: impl IntoIterator<Item = HolderRow>,
) -> Result<bool, StoreError> {
    for row in holders {
        if allows(viewer, row)? {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(list: &[&str]) -> Vec<String> {
        list.iter().map(|hash| hash.to_string()).collect()
    }

    #[test]
    fn a_change_of_refs_keeps_adds_and_drops() {
        let change = RefChange::between(hashes(&["c", "a", "b"]), &hashes(&["b", "c", "d"]));
        assert_eq!(
            change,
            RefChange {
                kept: hashes(&["b", "c"]),
                added: hashes(&["d"]),
                dropped: hashes(&["a"]),
            }
        );
    }

    #[test]
    fn the_stored_set_reads_back_and_null_is_unknown() {
        let set = hashes(&["a1", "b2"]);
        assert_eq!(decode(Some(&encode(&set))), Some(set));
        assert_eq!(decode(Some("")), Some(Vec::new()));
        assert_eq!(decode(None), None);
    }
}
