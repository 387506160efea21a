//! Contacts outside the commit path: the tenant's head and its lock, a contact's metadata and
//! document, repairs (portable statements, see `store`). Pushes are committed by
//! each backend's own committer.

use sync_core::ids::{ContactId, MemberId, TenantId};
use sync_core::wire::DocMeta;
use uuid::Uuid;

use super::{Backend, Connection};
use crate::store::StoreError;
use crate::store::sql;
use crate::store::sql::cache::{DocCache, DocSource};
use crate::store::sql::codec::{self, uuid};
use crate::store::sql::plan;

fn no_tenant(tenant: TenantId) -> StoreError {
    StoreError::NotFound {
        what: format!("tenant {tenant}"),
    }
}

pub(super) async fn head(store: &Backend, tenant: TenantId) -> Result<u64, StoreError> {
    let head: i64 = sqlx::query_scalar("SELECT last_seq FROM tenants WHERE id = $1")
        .bind(uuid(tenant.as_bytes()))
        .fetch_optional(store.reads())
        .await?
        .ok_or_else(|| no_tenant(tenant))?;
    codec::seq_from_sql(head)
}

/// Take the tenant's lock for the rest of the write transaction and read its head: seqs are
/// allocated under it, so commit order equals seq order.
pub(super) async fn lock_tenant(
    conn: &mut Connection,
    tenant: TenantId,
) -> Result<u64, StoreError> {
    let head: i64 = sqlx::query_scalar(concat!(
        "SELECT last_seq FROM tenants WHERE id = $1",
        lock_rows!()
    ))
    .bind(uuid(tenant.as_bytes()))
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| no_tenant(tenant))?;
    codec::seq_from_sql(head)
}

/// Move the tenant's head to `head` and tell the other nodes, both taking effect at commit.
pub(super) async fn advance(
    conn: &mut Connection,
    store: &Backend,
    tenant: TenantId,
    head: u64,
) -> Result<(), StoreError> {
    set_head(conn, tenant, head).await?;
    store.announce_head(conn, tenant, head).await
}

/// Move the tenant's head to `head` (seen by others at commit).
pub(super) async fn set_head(
    conn: &mut Connection,
    tenant: TenantId,
    head: u64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE tenants SET last_seq = $2 WHERE id = $1")
        .bind(uuid(tenant.as_bytes()))
        .bind(codec::seq_to_sql(head))
        .execute(conn)
        .await?;
    Ok(())
}

/// A contact's metadata, `last_seq` and whether it was purged.
pub(super) async fn stored_meta(
    conn: &mut Connection,
    tenant: TenantId,
    doc: ContactId,
) -> Result<Option<(DocMeta, u64, bool)>, StoreError> {
    let row: Option<(Uuid, Vec<u8>, i64, bool)> = sqlx::query_as(
        "SELECT owner, visibility, last_seq, purged FROM documents \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(uuid(tenant.as_bytes()))
    .bind(uuid(doc.as_bytes()))
    .fetch_optional(conn)
    .await?;
    row.map(|(owner, visibility, last_seq, purged)| {
        Ok((
            codec::decode_meta(owner, &visibility)?,
            codec::seq_from_sql(last_seq)?,
            purged,
        ))
    })
    .transpose()
}

/// The document as of `last_seq`: cached, or its saved bytes with the `last_seq` read beside
/// them (never a `last_seq` read apart from the bytes it labels); `None` if it was purged
/// since `last_seq` was read.
async fn doc_source(
    conn: &mut Connection,
    cache: &DocCache,
    tenant: TenantId,
    doc: ContactId,
    last_seq: u64,
) -> Result<Option<(DocSource, u64)>, StoreError> {
    if let Some(cached) = cache.get(tenant, doc, last_seq) {
        return Ok(Some((DocSource::Cached(cached), last_seq)));
    }
    let saved: Option<(Vec<u8>, i64)> = sqlx::query_as(
        "SELECT snapshot, last_seq FROM documents \
         WHERE tenant_id = $1 AND id = $2 AND NOT purged",
    )
    .bind(uuid(tenant.as_bytes()))
    .bind(uuid(doc.as_bytes()))
    .fetch_optional(conn)
    .await?;
    saved
        .map(|(snapshot, last_seq)| {
            Ok((DocSource::Saved(snapshot), codec::seq_from_sql(last_seq)?))
        })
        .transpose()
}

pub(super) async fn repair(
    store: &Backend,
    tenant: TenantId,
    member: MemberId,
    doc: ContactId,
    message: &[u8],
) -> Result<Option<Vec<u8>>, StoreError> {
    let mut conn = store.reads().acquire().await?;
    let Some((meta, last_seq, false)) = stored_meta(&mut conn, tenant, doc).await? else {
        return Ok(None);
    };
    let viewer = super::directory::viewer(&mut conn, tenant, member).await?;
    if !viewer.is_some_and(|viewer| viewer.sees(&meta)) {
        return Ok(None);
    }
    // Purged between the two reads: as if never seen.
    let Some((source, last_seq)) =
        doc_source(&mut conn, &store.cache, tenant, doc, last_seq).await?
    else {
        return Ok(None);
    };
    drop(conn);
    let message = message.to_vec();
    let repaired = sql::off_thread(move || plan::repair(doc, source, &message)).await?;
    if let Some(loaded) = repaired.loaded {
        store.cache.put(tenant, doc, last_seq, loaded);
    }
    Ok(repaired.reply)
}

pub(super) async fn doc_meta(
    store: &Backend,
    tenant: TenantId,
    doc: ContactId,
) -> Result<Option<DocMeta>, StoreError> {
    let mut conn = store.reads().acquire().await?;
    Ok(match stored_meta(&mut conn, tenant, doc).await? {
        Some((meta, _, false)) => Some(meta),
        _ => None,
    })
}
