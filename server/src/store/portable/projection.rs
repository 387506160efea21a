//! The list and search projection of contacts stored before it existed (portable statements,
//! see `store`): filled in once at start-up from their documents, which SQL cannot read,
//! while `pending_backfills` asks for it. Commits keep it from then on.

use std::collections::HashMap;

use sync_core::ids::{ContactId, TenantId};
use uuid::Uuid;

use super::{Backend, Connection};
use crate::store::StoreError;
use crate::store::sql::cache::DocSource;
use crate::store::sql::codec::{self, uuid};
use crate::store::sql::projection::{self, Projection};

/// The `pending_backfills` row migration 0005 adds.
const BACKFILL: &str = "contact_projection";

/// Contacts read per round.
const PAGE: i64 = 200;

/// A stored contact as the backfill reads it: company, id, owner, visibility, snapshot.
type DocumentRow = (Uuid, Uuid, Uuid, Vec<u8>, Vec<u8>);

/// A contact read for the backfill: its company, id, metadata columns and projection.
struct Projected {
    tenant: Uuid,
    doc: ContactId,
    owner: Uuid,
    visibility: Vec<u8>,
    projection: Projection,
}

impl Backend {
    /// Fill in the projection of every live contact, once (see the module page). A damaged
    /// document is skipped with a warning and keeps the job pending.
    pub(super) async fn backfill_projection(&self) -> Result<(), StoreError> {
        let pending: Option<String> =
            sqlx::query_scalar("SELECT name FROM pending_backfills WHERE name = $1")
                .bind(BACKFILL)
                .fetch_optional(self.reads())
                .await?;
        if pending.is_none() {
            return Ok(());
        }
        let mut regions: HashMap<Uuid, String> = HashMap::new();
        let mut after = (Uuid::nil(), Uuid::nil());
        let mut skipped = 0usize;
        loop {
            let page: Vec<DocumentRow> = sqlx::query_as(
                "SELECT tenant_id, id, owner, visibility, snapshot FROM documents \
                 WHERE NOT purged AND (tenant_id, id) > ($1, $2) \
                 ORDER BY tenant_id, id LIMIT $3",
            )
            .bind(after.0)
            .bind(after.1)
            .bind(PAGE)
            .fetch_all(self.reads())
            .await?;
            let Some(last) = page.last() else { break };
            after = (last.0, last.1);
            for (tenant, ..) in &page {
                if !regions.contains_key(tenant) {
                    let region: String =
                        sqlx::query_scalar("SELECT region FROM tenants WHERE id = $1")
                            .bind(*tenant)
                            .fetch_one(self.reads())
                            .await?;
                    regions.insert(*tenant, region);
                }
            }
            let regions_now = regions.clone();
            let read = crate::store::sql::off_thread(move || {
                page.into_iter()
                    .map(|(tenant, id, owner, visibility, snapshot)| {
                        let doc = ContactId::from_bytes(id.into_bytes());
                        let region = regions_now.get(&tenant).map_or("", String::as_str);
                        DocSource::Saved(snapshot)
                            .open(doc)
                            .and_then(|(loaded, _)| {
                                let changed_ms = newest_change_ms(&loaded);
                                loaded
                                    .contact()
                                    .map(|contact| {
                                        Projection::of(&contact, region, changed_ms, None)
                                    })
                                    .map_err(|error| StoreError::Corrupt(error.to_string()))
                            })
                            .map(|projection| Projected {
                                tenant,
                                doc,
                                owner,
                                visibility,
                                projection,
                            })
                    })
                    .collect::<Vec<_>>()
            })
            .await;
            let mut tx = self.write().await?;
            for projected in read {
                match projected {
                    Ok(projected) => write(&mut tx, &projected).await?,
                    Err(error) => {
                        tracing::warn!(%error, "a contact is unreadable: left out of lists");
                        skipped += 1;
                    }
                }
            }
            tx.commit().await?;
        }
        if skipped == 0 {
            let mut tx = self.write().await?;
            sqlx::query("DELETE FROM pending_backfills WHERE name = $1")
                .bind(BACKFILL)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

/// When the document last changed, from its changes' times (ms since the Unix epoch; older
/// clients wrote seconds or nothing, see `sync_core::history`).
fn newest_change_ms(doc: &sync_core::document::ContactDoc) -> i64 {
    doc.automerge()
        .get_changes(&[])
        .iter()
        .map(|change| match change.timestamp() {
            seconds if (1..100_000_000_000).contains(&seconds) => seconds * 1000,
            ms => ms,
        })
        .max()
        .unwrap_or(0)
        .max(0)
}

/// Forget a contact's search term rows, one by one as its `contact_search` row lists them
/// (see `projection::DELETE_TERM`).
pub(super) async fn forget_terms(
    conn: &mut Connection,
    tenant_id: Uuid,
    doc_id: Uuid,
) -> Result<(), StoreError> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT terms FROM contact_search WHERE tenant_id = $1 AND doc_id = $2")
            .bind(tenant_id)
            .bind(doc_id)
            .fetch_optional(&mut *conn)
            .await?;
    for term in stored.iter().flat_map(|terms| projection::term_lines(terms)) {
        sqlx::query(projection::DELETE_TERM)
            .bind(tenant_id)
            .bind(term)
            .bind(doc_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn write(conn: &mut Connection, projected: &Projected) -> Result<(), StoreError> {
    let tenant = TenantId::from_bytes(projected.tenant.into_bytes());
    let doc_id = uuid(projected.doc.as_bytes());
    let fields = &projected.projection;
    forget_terms(conn, projected.tenant, doc_id).await?;
    sqlx::query(projection::UPSERT)
    .bind(projected.tenant)
    .bind(doc_id)
    .bind(&fields.display_name)
    .bind(&fields.emails)
    .bind(&fields.phones)
    .bind(&fields.companies)
    .bind(&fields.tags)
    .bind(&fields.sort_name)
    .bind(&fields.contact_type)
    .bind(fields.level.as_deref())
    .bind(fields.archived)
    .bind(fields.trashed_at_ms)
    .bind(fields.changed_ms)
    .bind(&fields.terms)
    .bind(&fields.handles)
    .execute(&mut *conn)
    .await?;
    sqlx::query(projection::DELETE_TAGS)
        .bind(projected.tenant)
        .bind(doc_id)
        .execute(&mut *conn)
        .await?;
    for (insert, values) in [
        (projection::INSERT_TERM, fields.term_list().collect::<Vec<_>>()),
        (projection::INSERT_TAG, fields.tag_list().collect()),
    ] {
        for value in values {
            sqlx::query(insert)
                .bind(projected.tenant)
                .bind(value)
                .bind(doc_id)
                .execute(&mut *conn)
                .await?;
        }
    }
    let meta = codec::decode_meta(projected.owner, &projected.visibility)?;
    super::directory::write_access(conn, tenant, projected.doc, &meta).await
}
