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

use sync_core::contact::Contact;
use sync_core::ids::MemberId;
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
fn allows(member: MemberId, row: HolderRow) -> Result<bool, StoreError> {
    let (kind, scanner, owner, visibility, purged) = row;
    match kind.as_str() {
        CARD => Ok(scanner.is_some_and(|scanner| scanner.as_bytes() == member.as_bytes())),
        CONTACT => match (owner, visibility, purged) {
            (Some(owner), Some(visibility), Some(false)) => {
                let meta: DocMeta = codec::decode_meta(owner, &visibility)?;
                Ok(meta.visible_to(member))
            }
            _ => Ok(false),
        },
        other => Err(StoreError::Corrupt(format!("blob holder kind {other:?}"))),
    }
}

/// Whether any of an image's holders lets `member` fetch it.
pub(crate) fn may_fetch(
    member: MemberId,
    holders: impl IntoIterator<Item = HolderRow>,
) -> Result<bool, StoreError> {
    for row in holders {
        if allows(member, row)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The blob functions over one backend's sqlx connection type, and the start-up backfill on
/// its store (which provides `card_transaction()` and `card_reads()`, as for the card store).
macro_rules! impl_blob_refs {
    ($store:ty, $conn:ty) => {
        use $crate::store::sql::blobs as shared;

        /// Drop a holder's refs; returns the hashes it held.
        pub(crate) async fn release(
            conn: &mut $conn,
            tenant: sync_core::ids::TenantId,
            holder: uuid::Uuid,
            kind: &str,
        ) -> Result<Vec<String>, $crate::store::StoreError> {
            Ok(sqlx::query_scalar(shared::RELEASE)
                .bind($crate::store::sql::codec::uuid(tenant.as_bytes()))
                .bind(holder)
                .bind(kind)
                .fetch_all(conn)
                .await?)
        }

        /// Record that `holder` holds each of `hashes`.
        pub(crate) async fn hold(
            conn: &mut $conn,
            tenant: sync_core::ids::TenantId,
            holder: uuid::Uuid,
            kind: &str,
            hashes: &[String],
        ) -> Result<(), $crate::store::StoreError> {
            for hash in hashes {
                sqlx::query(shared::HOLD)
                    .bind($crate::store::sql::codec::uuid(tenant.as_bytes()))
                    .bind(hash)
                    .bind(kind)
                    .bind(holder)
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(())
        }

        /// Delete those of `hashes` nothing holds any more.
        pub(crate) async fn collect(
            conn: &mut $conn,
            tenant: sync_core::ids::TenantId,
            hashes: &[String],
        ) -> Result<(), $crate::store::StoreError> {
            for hash in hashes {
                sqlx::query(shared::COLLECT)
                    .bind($crate::store::sql::codec::uuid(tenant.as_bytes()))
                    .bind(hash)
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(())
        }

        /// Whether `member` may fetch the image `sha256` (see `sql::blobs::may_fetch`).
        pub(crate) async fn may_fetch(
            conn: &mut $conn,
            tenant: sync_core::ids::TenantId,
            member: sync_core::ids::MemberId,
            sha256: &str,
        ) -> Result<bool, $crate::store::StoreError> {
            let holders: Vec<shared::HolderRow> = sqlx::query_as(shared::HOLDERS)
                .bind($crate::store::sql::codec::uuid(tenant.as_bytes()))
                .bind(sha256)
                .fetch_all(conn)
                .await?;
            shared::may_fetch(member, holders)
        }

        /// A purge's share: the contact's refs go, and so do the refs of reviewed cards to
        /// the same images (a purge erases the person; a reviewed draft is history), then
        /// every image nothing holds any more.
        pub(crate) async fn release_purged(
            conn: &mut $conn,
            tenant: sync_core::ids::TenantId,
            doc: sync_core::ids::ContactId,
        ) -> Result<(), $crate::store::StoreError> {
            let holder = $crate::store::sql::codec::uuid(doc.as_bytes());
            let held = release(&mut *conn, tenant, holder, shared::CONTACT).await?;
            for hash in &held {
                sqlx::query(shared::RELEASE_REVIEWED)
                    .bind($crate::store::sql::codec::uuid(tenant.as_bytes()))
                    .bind(hash)
                    .execute(&mut *conn)
                    .await?;
            }
            collect(&mut *conn, tenant, &held).await
        }

        impl $store {
            /// Fill in the refs of contacts stored before migration 0004, once: their hashes
            /// are inside their documents, which SQL cannot read. Runs at start-up after the
            /// migrations while `pending_backfills` asks for it; a contact that changes
            /// meanwhile is left to the commit that changed it (which records its set). When
            /// every contact is done, the images nothing holds (those of contacts purged
            /// before, of cards forgotten before) are deleted and the job is crossed off. A
            /// damaged document is skipped with a warning and keeps the job pending, so no
            /// image is deleted on a guess.
            pub(super) async fn backfill_blob_refs(&self) -> Result<(), $crate::store::StoreError> {
                use $crate::store::sql::codec::uuid;
                let pending: Option<String> =
                    sqlx::query_scalar("SELECT name FROM pending_backfills WHERE name = $1")
                        .bind(shared::BACKFILL)
                        .fetch_optional(self.card_reads())
                        .await?;
                if pending.is_none() {
                    return Ok(());
                }
                let mut after = (uuid::Uuid::nil(), uuid::Uuid::nil());
                let mut skipped = 0usize;
                loop {
                    let page: Vec<(uuid::Uuid, uuid::Uuid, Vec<u8>, i64)> = sqlx::query_as(
                        "SELECT tenant_id, id, snapshot, last_seq FROM documents \
                         WHERE blobs IS NULL AND NOT purged AND (tenant_id, id) > ($1, $2) \
                         ORDER BY tenant_id, id LIMIT 200",
                    )
                    .bind(after.0)
                    .bind(after.1)
                    .fetch_all(self.card_reads())
                    .await?;
                    let Some(last) = page.last() else { break };
                    after = (last.0, last.1);
                    let read = $crate::store::sql::off_thread(move || {
                        page.into_iter()
                            .map(|(tenant, id, snapshot, last_seq)| {
                                let doc = sync_core::ids::ContactId::from_bytes(id.into_bytes());
                                let held = $crate::store::sql::cache::DocSource::Saved(snapshot)
                                    .open(doc)
                                    .and_then(|(loaded, _)| {
                                        loaded.contact().map_err(|error| {
                                            $crate::store::StoreError::Corrupt(error.to_string())
                                        })
                                    })
                                    .map(|contact| shared::held_by(&contact));
                                (tenant, doc, last_seq, held)
                            })
                            .collect::<Vec<_>>()
                    })
                    .await;
                    for (tenant_id, doc, last_seq, held) in read {
                        let held = match held {
                            Ok(held) => held,
                            Err(error) => {
                                tracing::warn!(%doc, %error, "contact unreadable: its images stay until it is");
                                skipped += 1;
                                continue;
                            }
                        };
                        let tenant = sync_core::ids::TenantId::from_bytes(tenant_id.into_bytes());
                        let mut tx = self.card_transaction().await?;
                        let claimed = sqlx::query(
                            "UPDATE documents SET blobs = $3 WHERE tenant_id = $1 AND id = $2 \
                             AND blobs IS NULL AND last_seq = $4",
                        )
                        .bind(tenant_id)
                        .bind(uuid(doc.as_bytes()))
                        .bind(shared::encode(&held))
                        .bind(last_seq)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                            == 1;
                        if claimed {
                            let holder = uuid(doc.as_bytes());
                            release(&mut tx, tenant, holder, shared::CONTACT).await?;
                            hold(&mut tx, tenant, holder, shared::CONTACT, &held).await?;
                        }
                        tx.commit().await?;
                    }
                }
                if skipped > 0 {
                    return Ok(());
                }
                let mut tx = self.card_transaction().await?;
                sqlx::query(
                    "DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM blob_refs r \
                     WHERE r.tenant_id = blobs.tenant_id AND r.sha256 = blobs.sha256)",
                )
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM pending_backfills WHERE name = $1")
                    .bind(shared::BACKFILL)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
pub(crate) use impl_blob_refs;

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
