//! Feed rows, live contacts and snapshots for feed pages (portable statements, see
//! `store`), read from the backend's reading connections. How snapshots are
//! fetched is the backend's own (`snapshots_of`): one query per contact in process, one
//! query per batch over a network.

use std::collections::HashMap;

use async_trait::async_trait;
use sync_core::feed::FeedRow;
use sync_core::access::Viewer;
use sync_core::ids::{ContactId, MemberId, TenantId};
use sync_core::wire::DocMeta;
use uuid::Uuid;

use super::Backend;
use crate::store::StoreError;
use crate::store::sql::codec::{self, uuid};
use crate::store::sql::feed_pages::{FeedSource, Positions, RowWithMeta};

fn contact(id: Uuid) -> ContactId {
    ContactId::from_bytes(id.into_bytes())
}

/// A feed row as read with its contact's columns.
fn row_with_meta(
    seq: i64,
    doc: Uuid,
    kind: &[u8],
    owner: Uuid,
    visibility: &[u8],
    purged: bool,
) -> Result<RowWithMeta, StoreError> {
    let seq = codec::seq_from_sql(seq)?;
    Ok(RowWithMeta {
        row: FeedRow {
            seq,
            doc: contact(doc),
            kind: codec::decode_kind(seq, kind)?,
        },
        meta: if purged {
            None
        } else {
            Some(codec::decode_meta(owner, visibility)?)
        },
    })
}

/// The tenant's head, floor and access generation, and one feed row after the cursor with
/// its contact's columns (all `None` when there is none).
type HeadAndFeedRow = (
    i64,
    i64,
    i64,
    Option<i64>,
    Option<Uuid>,
    Option<Vec<u8>>,
    Option<Uuid>,
    Option<Vec<u8>>,
    Option<bool>,
);

fn positions(head: i64, floor: i64, access_gen: i64) -> Result<Positions, StoreError> {
    Ok(Positions {
        head: codec::seq_from_sql(head)?,
        floor: codec::seq_from_sql(floor)?,
        access_gen: codec::seq_from_sql(access_gen)?,
    })
}

#[async_trait]
impl FeedSource for Backend {
    async fn positions(&self, tenant: TenantId) -> Result<Positions, StoreError> {
        let (head, floor, access_gen): (i64, i64, i64) = sqlx::query_as(
            "SELECT last_seq, feed_floor, access_gen FROM tenants WHERE id = $1",
        )
        .bind(uuid(tenant.as_bytes()))
        .fetch_optional(self.reads())
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("tenant {tenant}"),
        })?;
        positions(head, floor, access_gen)
    }

    async fn viewer(
        &self,
        tenant: TenantId,
        member: MemberId,
    ) -> Result<Option<Viewer>, StoreError> {
        let mut conn = self.reads().acquire().await?;
        super::directory::viewer(&mut conn, tenant, member).await
    }

    async fn rows(
        &self,
        tenant: TenantId,
        after: u64,
        upto: u64,
        limit: usize,
    ) -> Result<Vec<RowWithMeta>, StoreError> {
        let rows: Vec<(i64, Uuid, Vec<u8>, Uuid, Vec<u8>, bool)> = sqlx::query_as(
            "SELECT f.seq, f.doc_id, f.kind, d.owner, d.visibility, d.purged FROM feed f \
             JOIN documents d ON d.tenant_id = f.tenant_id AND d.id = f.doc_id \
             WHERE f.tenant_id = $1 AND f.seq > $2 AND f.seq <= $3 ORDER BY f.seq LIMIT $4",
        )
        .bind(uuid(tenant.as_bytes()))
        .bind(codec::seq_to_sql(after))
        .bind(codec::seq_to_sql(upto))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.reads())
        .await?;
        rows.into_iter()
            .map(|(seq, doc, kind, owner, visibility, purged)| {
                row_with_meta(seq, doc, &kind, owner, &visibility, purged)
            })
            .collect()
    }

    async fn positions_and_rows(
        &self,
        tenant: TenantId,
        after: u64,
        limit: usize,
    ) -> Result<(Positions, Vec<RowWithMeta>), StoreError> {
        // One statement reads one snapshot of the database, so every row up to the head it
        // reads has committed. The tenant row comes once per feed row, or once with NULL
        // row columns when no row is newer than `after`; a row whose contact has no document
        // row is left out, as `rows`' inner join leaves it.
        let found: Vec<HeadAndFeedRow> = sqlx::query_as(
            "SELECT t.last_seq, t.feed_floor, t.access_gen, f.seq, f.doc_id, f.kind, \
             d.owner, d.visibility, d.purged FROM tenants t \
             LEFT JOIN feed f ON f.tenant_id = t.id AND f.seq > $2 AND f.seq <= t.last_seq \
             LEFT JOIN documents d ON d.tenant_id = f.tenant_id AND d.id = f.doc_id \
             WHERE t.id = $1 ORDER BY f.seq LIMIT $3",
        )
        .bind(uuid(tenant.as_bytes()))
        .bind(codec::seq_to_sql(after))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.reads())
        .await?;
        let Some((head, floor, access_gen, ..)) = found.first() else {
            return Err(StoreError::NotFound {
                what: format!("tenant {tenant}"),
            });
        };
        let positions = positions(*head, *floor, *access_gen)?;
        let rows = found
            .into_iter()
            .filter_map(|(_, _, _, seq, doc, kind, owner, visibility, purged)| {
                Some((seq?, doc?, kind?, owner?, visibility?, purged?))
            })
            .map(|(seq, doc, kind, owner, visibility, purged)| {
                row_with_meta(seq, doc, &kind, owner, &visibility, purged)
            })
            .collect::<Result<_, _>>()?;
        Ok((positions, rows))
    }

    async fn live_docs(
        &self,
        tenant: TenantId,
        after: Option<ContactId>,
        limit: usize,
    ) -> Result<Vec<(ContactId, DocMeta)>, StoreError> {
        // Two statements rather than a NULL test on `after`: each keeps to the index range.
        let rows: Vec<(Uuid, Uuid, Vec<u8>)> = match after {
            None => {
                sqlx::query_as(
                    "SELECT id, owner, visibility FROM documents \
                 WHERE tenant_id = $1 AND NOT purged ORDER BY id LIMIT $2",
                )
                .bind(uuid(tenant.as_bytes()))
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .fetch_all(self.reads())
                .await?
            }
            Some(after) => {
                sqlx::query_as(
                    "SELECT id, owner, visibility FROM documents \
                 WHERE tenant_id = $1 AND NOT purged AND id > $2 ORDER BY id LIMIT $3",
                )
                .bind(uuid(tenant.as_bytes()))
                .bind(uuid(after.as_bytes()))
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .fetch_all(self.reads())
                .await?
            }
        };
        rows.into_iter()
            .map(|(id, owner, visibility)| {
                Ok((contact(id), codec::decode_meta(owner, &visibility)?))
            })
            .collect()
    }

    async fn snapshots(
        &self,
        tenant: TenantId,
        docs: &[ContactId],
    ) -> Result<HashMap<ContactId, Vec<u8>>, StoreError> {
        self.snapshots_of(tenant, docs).await
    }
}
