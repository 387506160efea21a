//! Who holds each stored image (portable statements, see `store`): visibility
//! changes, purges, cards and the start-up backfill. What the statements mean and who may
//! fetch an image are decided in `store::sql::blobs`.

use super::{Backend, Connection};
use crate::store::sql::blobs as shared;

/// Drop a holder's refs; returns the hashes it held.
pub(crate) async fn release(
    conn: &mut Connection,
    tenant: sync_core::ids::TenantId,
    holder: uuid::Uuid,
    kind: &str,
) -> Result<Vec<String>, crate::store::StoreError> {
    Ok(sqlx::query_scalar(shared::RELEASE)
        .bind(crate::store::sql::codec::uuid(tenant.as_bytes()))
        .bind(holder)
        .bind(kind)
        .fetch_all(conn)
        .await?)
}

/// Record that `holder` holds each of `hashes`.
pub(crate) async fn hold(
    conn: &mut Connection,
    tenant: sync_core::ids::TenantId,
    holder: uuid::Uuid,
    kind: &str,
    hashes: &[String],
) -> Result<(), crate::store::StoreError> {
    for hash in hashes {
        sqlx::query(shared::HOLD)
            .bind(crate::store::sql::codec::uuid(tenant.as_bytes()))
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
    conn: &mut Connection,
    tenant: sync_core::ids::TenantId,
    hashes: &[String],
) -> Result<(), crate::store::StoreError> {
    for hash in hashes {
        sqlx::query(shared::COLLECT)
            .bind(crate::store::sql::codec::uuid(tenant.as_bytes()))
            .bind(hash)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Whether `viewer` may fetch the image `sha256` (see `sql::blobs::may_fetch`).
pub(crate) async fn may_fetch(
    conn: &mut Connection,
    tenant: sync_core::ids::TenantId,
    viewer: &sync_core::access::Viewer,
    sha256: &str,
) -> Result<bool, crate::store::StoreError> {
    let holders: Vec<shared::HolderRow> = sqlx::query_as(shared::HOLDERS)
        .bind(crate::store::sql::codec::uuid(tenant.as_bytes()))
        .bind(sha256)
        .fetch_all(conn)
        .await?;
    shared::may_fetch(viewer, holders)
}

/// A purge's share: the contact's refs go, and so do the refs of reviewed cards to
/// the same images (a purge erases the person; a reviewed draft is history), then
/// every image nothing holds any more.
pub(crate) async fn release_purged(
    conn: &mut Connection,
    tenant: sync_core::ids::TenantId,
    doc: sync_core::ids::ContactId,
) -> Result<(), crate::store::StoreError> {
    let holder = crate::store::sql::codec::uuid(doc.as_bytes());
    let held = release(&mut *conn, tenant, holder, shared::CONTACT).await?;
    for hash in &held {
        sqlx::query(shared::RELEASE_REVIEWED)
            .bind(crate::store::sql::codec::uuid(tenant.as_bytes()))
            .bind(hash)
            .execute(&mut *conn)
            .await?;
    }
    collect(&mut *conn, tenant, &held).await
}

impl Backend {
    /// Fill in the refs of contacts stored before migration 0004, once: their hashes
    /// are inside their documents, which SQL cannot read. Runs at start-up after the
    /// migrations while `pending_backfills` asks for it; a contact that changes
    /// meanwhile is left to the commit that changed it (which records its set). When
    /// every contact is done, the images nothing holds (those of contacts purged
    /// before, of cards forgotten before) are deleted and the job is crossed off. A
    /// damaged document is skipped with a warning and keeps the job pending, so no
    /// image is deleted on a guess.
    pub(super) async fn backfill_blob_refs(&self) -> Result<(), crate::store::StoreError> {
        use crate::store::sql::codec::uuid;
        let pending: Option<String> =
            sqlx::query_scalar("SELECT name FROM pending_backfills WHERE name = $1")
                .bind(shared::BACKFILL)
                .fetch_optional(self.reads())
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
            .fetch_all(self.reads())
            .await?;
            let Some(last) = page.last() else { break };
            after = (last.0, last.1);
            let read = crate::store::sql::off_thread(move || {
                page.into_iter()
                    .map(|(tenant, id, snapshot, last_seq)| {
                        let doc = sync_core::ids::ContactId::from_bytes(id.into_bytes());
                        let held = crate::store::sql::cache::DocSource::Saved(snapshot)
                            .open(doc)
                            .and_then(|(loaded, _)| {
                                loaded.contact().map_err(|error| {
                                    crate::store::StoreError::Corrupt(error.to_string())
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
                let mut tx = self.write().await?;
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
        let mut tx = self.write().await?;
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
