//! Reading one page of a tenant's feed for a member, the same way on every SQL store.
//!
//! A store supplies rows, metadata and snapshots in bounded chunks through [`FeedSource`];
//! which rows a member receives and how a page fills are sync-core's decisions
//! (`feed::needs_resync`, `feed::delivery`, `PageBuilder`, `ResyncPager`), applied here
//! exactly as the in-memory reference store applies them. Nothing reads a whole tenant at
//! once: a page stops at `FEED_PAGE_BYTES`, and rows and documents arrive in chunks.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use serde_bytes::ByteBuf;
use sync_core::access::Viewer;
use sync_core::feed::{self, Delivery, FeedRow, PageBuilder, ResyncPager, RowKind};
use sync_core::ids::{ContactId, MemberId, TenantId};
use sync_core::replica::session::{FeedPage, FeedRequest};
use sync_core::wire::{DocMeta, FeedItem};

use crate::store::{FeedTail, StoreError, TailRow};

/// How many feed rows or documents one query reads.
const CHUNK: usize = 256;

/// How many snapshots one query reads: few, since a page of 1 MiB may hold only a handful
/// of large contacts.
const SNAPSHOT_BATCH: usize = 16;

/// A feed row with its contact's metadata now (`None` once purged).
#[derive(Debug)]
pub(crate) struct RowWithMeta {
    /// The row.
    pub row: FeedRow,
    /// The contact's owner and visibility at read time.
    pub meta: Option<DocMeta>,
}

/// Where a tenant's feed stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Positions {
    /// The newest seq.
    pub head: u64,
    /// The seq up to which rows were dropped.
    pub floor: u64,
    /// The access generation (see `store::Access`).
    pub access_gen: u64,
}

/// What a store reads for feed pages.
#[async_trait]
pub(crate) trait FeedSource: Sync {
    /// Where the tenant's feed stands.
    async fn positions(&self, tenant: TenantId) -> Result<Positions, StoreError>;
    /// `member` as the access rules see them now (`None`: no such member, who sees nothing).
    async fn viewer(
        &self,
        tenant: TenantId,
        member: MemberId,
    ) -> Result<Option<Viewer>, StoreError>;
    /// Up to `limit` rows with `after < seq <= upto`, in seq order.
    async fn rows(
        &self,
        tenant: TenantId,
        after: u64,
        upto: u64,
        limit: usize,
    ) -> Result<Vec<RowWithMeta>, StoreError>;
    /// Up to `limit` live (not purged) contacts with ids after `after`, in id order.
    async fn live_docs(
        &self,
        tenant: TenantId,
        after: Option<ContactId>,
        limit: usize,
    ) -> Result<Vec<(ContactId, DocMeta)>, StoreError>;
    /// Where the feed stands (as [`FeedSource::positions`]) with up to `limit` rows after
    /// `after` up to that head (as [`FeedSource::rows`]), in one query: the hub's tail reads
    /// them after every commit.
    async fn positions_and_rows(
        &self,
        tenant: TenantId,
        after: u64,
        limit: usize,
    ) -> Result<(Positions, Vec<RowWithMeta>), StoreError>;
    /// The snapshots of these contacts that are still live.
    async fn snapshots(
        &self,
        tenant: TenantId,
        docs: &[ContactId],
    ) -> Result<HashMap<ContactId, Vec<u8>>, StoreError>;
}

/// One page of the feed for `member`.
pub(crate) async fn read_feed(
    source: &dyn FeedSource,
    tenant: TenantId,
    member: MemberId,
    request: &FeedRequest,
) -> Result<FeedPage, StoreError> {
    let Positions { head, floor, .. } = source.positions(tenant).await?;
    if feed::needs_resync(request, floor, head) {
        resync_page(source, tenant, member, request, head).await
    } else {
        rows_page(source, tenant, member, request.after, head).await
    }
}

/// Every row after `after` up to the head with metadata and grant snapshots, for the hub's
/// in-memory tail; `None` if more than `limit` rows wait.
///
/// The head is read first: seqs are allocated under the tenant's lock in the committing
/// transaction, so every row up to a head that is visible has committed, and the rows read
/// next are all of them. Metadata and snapshots are read after the rows, so they are at
/// least as new as the head, as [`read_feed`]'s are.
pub(crate) async fn read_tail(
    source: &dyn FeedSource,
    tenant: TenantId,
    after: u64,
    limit: usize,
) -> Result<Option<FeedTail>, StoreError> {
    // The first chunk comes with the head: one query after a commit of a few rows.
    let (positions, mut chunk) = source.positions_and_rows(tenant, after, CHUNK).await?;
    let Positions {
        head,
        floor,
        access_gen,
    } = positions;
    if head.saturating_sub(after) > limit as u64 {
        return Ok(None);
    }
    let mut rows = Vec::new();
    while let Some(last) = chunk.last() {
        let from = last.row.seq;
        let done = chunk.len() < CHUNK || from >= head;
        rows.append(&mut chunk);
        if done {
            break;
        }
        chunk = source.rows(tenant, from, head, CHUNK).await?;
    }
    // Grants carry the snapshot: read those of rows that may become one, a batch at a time.
    let granting: Vec<ContactId> = rows
        .iter()
        .filter(|row| {
            row.meta.is_some() && matches!(row.row.kind, RowKind::Created | RowKind::Granted { .. })
        })
        .map(|row| row.row.doc)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut snapshots = HashMap::new();
    for batch in granting.chunks(SNAPSHOT_BATCH) {
        snapshots.extend(source.snapshots(tenant, batch).await?);
    }
    let rows = rows
        .into_iter()
        .map(|row| {
            let snapshot = match row.row.kind {
                RowKind::Created | RowKind::Granted { .. } => snapshots.get(&row.row.doc).cloned(),
                _ => None,
            };
            TailRow {
                row: row.row,
                meta: row.meta,
                snapshot,
            }
        })
        .collect();
    Ok(Some(FeedTail {
        head,
        floor,
        access_gen,
        rows,
    }))
}

/// `member` as the access rules see them now; one the tenant does not have sees nothing.
async fn viewer_now(
    source: &dyn FeedSource,
    tenant: TenantId,
    member: MemberId,
) -> Result<Viewer, StoreError> {
    Ok(source.viewer(tenant, member).await?.unwrap_or(Viewer {
        active: false,
        ..Viewer::member_only(member)
    }))
}

async fn rows_page(
    source: &dyn FeedSource,
    tenant: TenantId,
    member: MemberId,
    after: u64,
    head: u64,
) -> Result<FeedPage, StoreError> {
    let mut page = PageBuilder::new();
    let mut from = after;
    let mut to = head;
    let mut more = false;
    'chunks: loop {
        let rows = source.rows(tenant, from, head, CHUNK).await?;
        let Some(last) = rows.last() else { break };
        from = last.row.seq;
        // Read after the rows, so it is at least as new as they are: a member who just joined
        // a group must be judged as in it when their `granted` row is read.
        let viewer = viewer_now(source, tenant, member).await?;
        let deliveries: Vec<Option<Delivery>> = rows
            .iter()
            .map(|row| feed::delivery(&viewer, &row.row.kind, row.meta.as_ref()))
            .collect();
        let mut snapshots = HashMap::new();
        for (index, (row, delivery)) in rows.iter().zip(&deliveries).enumerate() {
            if page.is_full() {
                more = true;
                break 'chunks;
            }
            to = row.row.seq;
            let Some(delivery) = *delivery else {
                continue;
            };
            if delivery == Delivery::Grant && !snapshots.contains_key(&row.row.doc) {
                // The grants of the next few rows in one query.
                let wanted: Vec<ContactId> = rows[index..]
                    .iter()
                    .zip(&deliveries[index..])
                    .filter(|(_, delivery)| *delivery == &Some(Delivery::Grant))
                    .map(|(row, _)| row.row.doc)
                    .filter(|doc| !snapshots.contains_key(doc))
                    .take(SNAPSHOT_BATCH)
                    .collect();
                snapshots.extend(source.snapshots(tenant, &wanted).await?);
            }
            let item = feed::item(row.row.doc, &row.row.kind, delivery, || {
                let meta = row.meta.clone()?;
                match delivery {
                    Delivery::Grant => Some((snapshots.get(&row.row.doc)?.clone(), meta)),
                    // A meta item uses only the metadata: no snapshot is read for it.
                    _ => Some((Vec::new(), meta)),
                }
            });
            if let Some(item) = item {
                page.push(item);
            }
        }
        if rows.len() < CHUNK {
            break;
        }
    }
    if !more {
        to = head;
    }
    Ok(FeedPage {
        items: page.into_items(),
        to,
        resync: false,
        resume: None,
        more,
    })
}

async fn resync_page(
    source: &dyn FeedSource,
    tenant: TenantId,
    member: MemberId,
    request: &FeedRequest,
    head: u64,
) -> Result<FeedPage, StoreError> {
    let mut pager = ResyncPager::new(request, head);
    let mut after = pager.after_doc();
    loop {
        let docs = source.live_docs(tenant, after, CHUNK).await?;
        let Some((last, _)) = docs.last() else {
            return Ok(pager.finish(false));
        };
        after = Some(*last);
        let viewer = viewer_now(source, tenant, member).await?;
        let visible: Vec<(ContactId, DocMeta)> = docs
            .iter()
            .filter(|(_, meta)| viewer.sees(meta))
            .cloned()
            .collect();
        for batch in visible.chunks(SNAPSHOT_BATCH) {
            let ids: Vec<ContactId> = batch.iter().map(|(id, _)| *id).collect();
            let mut snapshots = source.snapshots(tenant, &ids).await?;
            for (id, meta) in batch {
                if pager.is_full() {
                    return Ok(pager.finish(true));
                }
                // Purged since the ids were read: nothing to grant.
                let Some(snapshot) = snapshots.remove(id) else {
                    continue;
                };
                pager.push(
                    *id,
                    FeedItem::Grant {
                        doc: *id,
                        snapshot: ByteBuf::from(snapshot),
                        meta: meta.clone(),
                    },
                );
            }
        }
        if docs.len() < CHUNK {
            return Ok(pager.finish(false));
        }
    }
}
