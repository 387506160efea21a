//! Who may see a contact, and deleting one for good (portable statements, see
//! `store`): each a write under the tenant's lock, with the feed rows
//! `sql::plan` decides.

use sync_core::access::{self, Viewer};
use sync_core::ids::{ContactId, MemberId, TenantId};
use sync_core::wire::{DocMeta, Visibility};

use super::contacts::{advance, lock_tenant, stored_meta};
use super::directory::{viewers, write_access};
use super::{Backend, insert_rows};
use crate::store::StoreError;
use crate::store::sql::codec::{self, uuid};
use crate::store::sql::plan;

fn no_contact(doc: ContactId) -> StoreError {
    StoreError::NotFound {
        what: format!("contact {doc}"),
    }
}

pub(super) async fn set_visibility(
    store: &Backend,
    tenant: TenantId,
    doc: ContactId,
    visibility: &Visibility,
) -> Result<(), StoreError> {
    change_meta(store, tenant, doc, |before, _| {
        // Stored as a push creating the contact stores it (`sync_core::accept`): normalized,
        // and refused past the limit rather than sent in every grant and meta row.
        let visibility = visibility
            .clone()
            .normalized(before.owner)
            .map_err(|error| StoreError::Refused {
                field: "visibility".into(),
                reason: error.to_string(),
            })?;
        Ok(DocMeta {
            owner: before.owner,
            visibility,
        })
    })
    .await
    .map(|_| ())
}

pub(super) async fn transfer_owner(
    store: &Backend,
    tenant: TenantId,
    doc: ContactId,
    new_owner: MemberId,
) -> Result<DocMeta, StoreError> {
    change_meta(store, tenant, doc, |before, viewers| {
        let refused = |reason: String| StoreError::Refused {
            field: "owner".into(),
            reason,
        };
        let heir = viewers
            .iter()
            .find(|viewer| viewer.member == new_owner)
            .ok_or_else(|| refused(format!("{new_owner} is not a member of this company")))?;
        access::transfer_owner(before, heir).map_err(|error| refused(error.to_string()))
    })
    .await
}

/// Change a contact's owner or visibility to what `decide` makes of them (given every
/// member's viewer), under the tenant's lock: the document row, its access rows, and the
/// grant / revoke / meta feed rows of who gains and loses sight. Returns the new metadata.
async fn change_meta(
    store: &Backend,
    tenant: TenantId,
    doc: ContactId,
    decide: impl FnOnce(&DocMeta, &[Viewer]) -> Result<DocMeta, StoreError>,
) -> Result<DocMeta, StoreError> {
    let mut tx = store.write().await?;
    let head = lock_tenant(&mut tx, tenant).await?;
    let Some((before, _, false)) = stored_meta(&mut tx, tenant, doc).await? else {
        return Err(no_contact(doc));
    };
    let viewers = viewers(&mut tx, tenant).await?;
    let after = decide(&before, &viewers)?;
    if after == before {
        return Ok(after);
    }
    let rows = plan::visibility_rows(doc, &before, &after, &viewers, head);
    sqlx::query(concat!(
        "UPDATE documents SET owner = $3, visibility = $4, updated_at = ",
        sql_now!(),
        " WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(uuid(tenant.as_bytes()))
    .bind(uuid(doc.as_bytes()))
    .bind(uuid(after.owner.as_bytes()))
    .bind(codec::encode_visibility(&after.visibility))
    .execute(&mut *tx)
    .await?;
    write_access(&mut tx, tenant, doc, &after).await?;
    insert_rows(&mut tx, tenant, &rows).await?;
    advance(&mut tx, store, tenant, head + rows.len() as u64).await?;
    tx.commit().await?;
    Ok(after)
}

pub(super) async fn purge(
    store: &Backend,
    tenant: TenantId,
    doc: ContactId,
) -> Result<(), StoreError> {
    let mut tx = store.write().await?;
    let head = lock_tenant(&mut tx, tenant).await?;
    let meta = match stored_meta(&mut tx, tenant, doc).await? {
        None => return Err(no_contact(doc)),
        // Purged already: a retried purge changes nothing.
        Some((_, _, true)) => return Ok(()),
        Some((meta, _, false)) => meta,
    };
    let viewers = viewers(&mut tx, tenant).await?;
    let row = plan::purge_row(doc, &meta, &viewers, head + 1);
    let tenant_id = uuid(tenant.as_bytes());
    let doc_id = uuid(doc.as_bytes());
    let history: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT seq, kind FROM feed WHERE tenant_id = $1 AND doc_id = $2")
            .bind(tenant_id)
            .bind(doc_id)
            .fetch_all(&mut *tx)
            .await?;
    for (seq, kind) in history {
        if let Some(erased) = plan::erased_row(codec::seq_from_sql(seq)?, &kind)? {
            sqlx::query("UPDATE feed SET kind = $3 WHERE tenant_id = $1 AND seq = $2")
                .bind(tenant_id)
                .bind(seq)
                .bind(erased)
                .execute(&mut *tx)
                .await?;
        }
    }
    // Its terms first, as its `contact_search` row lists them.
    super::projection::forget_terms(&mut tx, tenant_id, doc_id).await?;
    for statement in [
        "DELETE FROM changes WHERE tenant_id = $1 AND doc_id = $2",
        "DELETE FROM contact_search WHERE tenant_id = $1 AND doc_id = $2",
        "DELETE FROM contact_tags WHERE tenant_id = $1 AND doc_id = $2",
        "DELETE FROM contact_access WHERE tenant_id = $1 AND doc_id = $2",
    ] {
        sqlx::query(statement)
            .bind(tenant_id)
            .bind(doc_id)
            .execute(&mut *tx)
            .await?;
    }
    // The row stays as a tombstone, so a late push gets `not_found`.
    let nothing: &[u8] = &[];
    sqlx::query(concat!(
        "UPDATE documents SET purged = true, snapshot = $3, heads = $3, blobs = '', updated_at = ",
        sql_now!(),
        " WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant_id)
    .bind(doc_id)
    .bind(nothing)
    .execute(&mut *tx)
    .await?;
    // Its images go with it, unless another contact holds them too.
    super::blobs::release_purged(&mut tx, tenant, doc).await?;
    insert_rows(&mut tx, tenant, std::slice::from_ref(&row)).await?;
    advance(&mut tx, store, tenant, row.seq).await?;
    tx.commit().await?;
    store.cache.remove(tenant, doc);
    Ok(())
}
