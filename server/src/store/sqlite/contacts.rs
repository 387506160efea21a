//! Contacts in SQLite: the tenant's head, a contact's metadata and document, repairs, and the
//! helpers visibility changes and purges write with. Pushes are committed by `committer`.

use sqlx::SqliteConnection;
use sync_core::ids::{ContactId, MemberId, TenantId};
use sync_core::wire::DocMeta;
use uuid::Uuid;

use super::SqliteStore;
use crate::store::StoreError;
use crate::store::sql;
use crate::store::sql::cache::{DocCache, DocSource};
use crate::store::sql::codec::{self, uuid};
use crate::store::sql::plan::{self, NewRow};

fn not_found(tenant: TenantId) -> StoreError {
    StoreError::NotFound {
        what: format!("tenant {tenant}"),
    }
}

pub(super) async fn head(store: &SqliteStore, tenant: TenantId) -> Result<u64, StoreError> {
    let mut conn = store.reader.acquire().await?;
    tenant_head(&mut conn, tenant).await
}

pub(super) async fn tenant_head(
    conn: &mut SqliteConnection,
    tenant: TenantId,
) -> Result<u64, StoreError> {
    let head: i64 = sqlx::query_scalar("SELECT last_seq FROM tenants WHERE id = ?1")
        .bind(uuid(tenant.as_bytes()))
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| not_found(tenant))?;
    codec::seq_from_sql(head)
}

pub(super) async fn set_head(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    head: u64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE tenants SET last_seq = ?2 WHERE id = ?1")
        .bind(uuid(tenant.as_bytes()))
        .bind(codec::seq_to_sql(head))
        .execute(conn)
        .await?;
    Ok(())
}

/// A contact's metadata, `last_seq` and whether it was purged.
pub(super) async fn stored_meta(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    doc: ContactId,
) -> Result<Option<(DocMeta, u64, bool)>, StoreError> {
    let row: Option<(Uuid, Vec<u8>, i64, bool)> = sqlx::query_as(
        "SELECT owner, visibility, last_seq, purged FROM documents \
         WHERE tenant_id = ?1 AND id = ?2",
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
/// them (never a `last_seq` read apart from the bytes it labels).
async fn doc_source(
    conn: &mut SqliteConnection,
    cache: &DocCache,
    tenant: TenantId,
    doc: ContactId,
    last_seq: u64,
) -> Result<(DocSource, u64), StoreError> {
    if let Some(cached) = cache.get(tenant, doc, last_seq) {
        return Ok((DocSource::Cached(cached), last_seq));
    }
    let (snapshot, last_seq): (Vec<u8>, i64) =
        sqlx::query_as("SELECT snapshot, last_seq FROM documents WHERE tenant_id = ?1 AND id = ?2")
            .bind(uuid(tenant.as_bytes()))
            .bind(uuid(doc.as_bytes()))
            .fetch_one(conn)
            .await?;
    Ok((DocSource::Saved(snapshot), codec::seq_from_sql(last_seq)?))
}

pub(super) async fn insert_rows(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    rows: &[NewRow],
) -> Result<(), StoreError> {
    for row in rows {
        sqlx::query("INSERT INTO feed (tenant_id, seq, doc_id, kind) VALUES (?1, ?2, ?3, ?4)")
            .bind(uuid(tenant.as_bytes()))
            .bind(codec::seq_to_sql(row.seq))
            .bind(uuid(row.doc.as_bytes()))
            .bind(row.kind.as_slice())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub(super) async fn repair(
    store: &SqliteStore,
    tenant: TenantId,
    member: MemberId,
    doc: ContactId,
    message: &[u8],
) -> Result<Option<Vec<u8>>, StoreError> {
    let mut conn = store.reader.acquire().await?;
    let Some((meta, last_seq, false)) = stored_meta(&mut conn, tenant, doc).await? else {
        return Ok(None);
    };
    if !meta.visible_to(member) {
        return Ok(None);
    }
    let (source, last_seq) = doc_source(&mut conn, &store.cache, tenant, doc, last_seq).await?;
    drop(conn);
    let message = message.to_vec();
    let repaired = sql::off_thread(move || plan::repair(doc, source, &message)).await?;
    if let Some(loaded) = repaired.loaded {
        store.cache.put(tenant, doc, last_seq, loaded);
    }
    Ok(repaired.reply)
}

pub(super) async fn doc_meta(
    store: &SqliteStore,
    tenant: TenantId,
    doc: ContactId,
) -> Result<Option<DocMeta>, StoreError> {
    let mut conn = store.reader.acquire().await?;
    Ok(match stored_meta(&mut conn, tenant, doc).await? {
        Some((meta, _, false)) => Some(meta),
        _ => None,
    })
}
