//! The newest rows of one tenant's feed, kept in memory by the node's hub and shared by all
//! of the tenant's connections on the node (DESIGN.md 3: "recent items from an in-memory
//! ring, older from the store").
//!
//! A commit wakes every connection of its tenant. Each reading its page from the store would
//! cost one query per connected device per commit — with a thousand devices, the database
//! would do little else. Instead the first connection to wake reads the new rows once, for
//! every member ([`Store::feed_tail`]), and every connection cuts its own page from memory
//! with sync-core's decisions (`feed::delivery`, `PageBuilder`), exactly as
//! `store::sql::feed_pages` cuts one from the store. A connection further behind than the
//! tail reaches, or one that needs a resynchronisation, reads the store as before.
//!
//! The pages are the ones the store would give: each contact's metadata is the newest read
//! (every change of a contact's metadata or a purge writes a feed row, so reading the rows
//! up to a head reads the metadata as of at least that head), and a grant's snapshot was
//! read no earlier than its row committed, with any later change following in later rows.

use std::collections::{HashMap, VecDeque};
use std::sync::{PoisonError, RwLock};

use axum::body::Bytes;

use sync_core::feed::{self, Delivery, PageBuilder, RowKind};
use sync_core::ids::{ContactId, MemberId, TenantId};
use sync_core::replica::session::{FeedPage, FeedRequest};
use sync_core::wire::{DEFLATE_ABOVE_BYTES, DocMeta, Frame};
use tokio::sync::Mutex;

use crate::store::{FeedTail, Store, StoreError};

/// Rows the tail keeps at most; older ones are dropped first.
const MAX_ROWS: usize = 4096;

/// Bytes of change and snapshot data the tail keeps at most.
const MAX_BYTES: usize = 4 * 1024 * 1024;

/// Bytes of compressed feed frames the tail remembers at most (keys and values together).
const MAX_COMPRESSED_BYTES: usize = 4 * 1024 * 1024;

/// The most rows one read brings in; a tail further behind than this starts afresh at the
/// head rather than read a backlog only lagging connections would use.
const MAX_READ_ROWS: usize = 1024;

#[derive(Debug)]
struct Entry {
    seq: u64,
    doc: ContactId,
    kind: RowKind,
    snapshot: Option<Vec<u8>>,
    bytes: usize,
}

/// The rows `start < seq <= end`, all of them.
#[derive(Debug, Default)]
struct Rows {
    /// `None` until the first read.
    range: Option<(u64, u64)>,
    floor: u64,
    entries: VecDeque<Entry>,
    /// Each contact in `entries`: its newest metadata and how many entries name it.
    metas: HashMap<ContactId, (Option<DocMeta>, usize)>,
    bytes: usize,
}

/// One tenant's tail.
#[derive(Debug, Default)]
pub struct Tail {
    /// Held while reading the store, so connections woken together share one read.
    reading: Mutex<()>,
    /// Held only to copy rows in or cut a page out, never across an await.
    rows: RwLock<Rows>,
    /// Feed frames already compressed, by their plain encoding. A commit sends the same page
    /// to every device that was up to date, and compressing it (a fresh deflate state each
    /// time) costs far more than sending it: at a thousand devices, compressing each copy
    /// was most of the node's work.
    compressed: std::sync::Mutex<Compressed>,
}

#[derive(Debug, Default)]
struct Compressed {
    frames: HashMap<Vec<u8>, Bytes>,
    bytes: usize,
}

impl Tail {
    /// The page `request` asks for, up to `head` (a head the caller saw announced) or
    /// further: from memory when the tail holds it, else from the store.
    pub async fn read_feed(
        &self,
        store: &dyn Store,
        tenant: TenantId,
        member: MemberId,
        request: &FeedRequest,
        head: u64,
    ) -> Result<FeedPage, StoreError> {
        if let Some(page) = self.page(member, request, head) {
            metrics::counter!("rolo_feed_reads_total", "from" => "memory").increment(1);
            return Ok(page);
        }
        if self.end().is_none_or(|end| end < head) {
            self.catch_up(store, tenant, head).await?;
            if let Some(page) = self.page(member, request, head) {
                metrics::counter!("rolo_feed_reads_total", "from" => "memory").increment(1);
                return Ok(page);
            }
        }
        metrics::counter!("rolo_feed_reads_total", "from" => "store").increment(1);
        store.read_feed(tenant, member, request).await
    }

    /// The bytes to send for a `feed` frame: deflated when `deflate` is set and that is
    /// smaller (as `Frame::encode_for`), compressing each distinct frame once.
    pub fn wire_bytes(&self, frame: &Frame, deflate: bool) -> Bytes {
        let plain = frame.encode();
        if !deflate || plain.len() < DEFLATE_ABOVE_BYTES {
            return plain.into();
        }
        if let Some(bytes) = self.compressed().frames.get(&plain) {
            metrics::counter!("rolo_feed_compressions_total", "cached" => "yes").increment(1);
            return bytes.clone();
        }
        metrics::counter!("rolo_feed_compressions_total", "cached" => "no").increment(1);
        // Compressed outside the lock: the others may go on sending what is already there.
        let bytes = Bytes::from(sync_core::wire::deflate_encoded(plain.clone()));
        let mut compressed = self.compressed();
        let size = plain.len() + bytes.len();
        if compressed.bytes + size > MAX_COMPRESSED_BYTES {
            // The frames of earlier commits are rarely sent again: forget them all.
            compressed.frames.clear();
            compressed.bytes = 0;
        }
        if compressed.frames.insert(plain, bytes.clone()).is_none() {
            compressed.bytes += size;
        }
        bytes
    }

    fn compressed(&self) -> std::sync::MutexGuard<'_, Compressed> {
        // Only whole entries go in or out; a panic cannot leave half of one.
        self.compressed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Rows> {
        // Writers replace whole entries between consistent states; a panic cannot leave half.
        self.rows.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Rows> {
        self.rows.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn end(&self) -> Option<u64> {
        self.read().range.map(|(_, end)| end)
    }

    /// Read the rows after the tail's end, once for every connection waiting.
    async fn catch_up(
        &self,
        store: &dyn Store,
        tenant: TenantId,
        head: u64,
    ) -> Result<(), StoreError> {
        let _reading = self.reading.lock().await;
        // Another connection may have read them while this one waited.
        let end = self.end();
        if end.is_some_and(|end| end >= head) {
            return Ok(());
        }
        let after = match end {
            Some(end) => end,
            // A new tail starts at the store's newest row: older ones are for the store to
            // serve to the few connections that need them.
            None => store.head(tenant).await?.saturating_sub(1),
        };
        match store.feed_tail(tenant, after, MAX_READ_ROWS).await? {
            Some(tail) => self.write().append(after, tail),
            None => {
                // Too far behind: start afresh at the head; lagging connections read the
                // store.
                let head = store.head(tenant).await?;
                let mut rows = self.write();
                let floor = rows.floor;
                *rows = Rows {
                    range: Some((head, head)),
                    floor,
                    ..Rows::default()
                };
            }
        }
        Ok(())
    }

    /// The page from memory, if the tail holds every row it needs.
    fn page(&self, member: MemberId, request: &FeedRequest, head: u64) -> Option<FeedPage> {
        let rows = self.read();
        let (start, end) = rows.range?;
        if end < head || request.after < start || feed::needs_resync(request, rows.floor, end) {
            return None;
        }
        Some(rows.page(member, request.after, end))
    }
}

impl Rows {
    fn append(&mut self, after: u64, tail: FeedTail) {
        let start = match self.range {
            Some((start, end)) if end == after => start,
            // The first read: the tail begins where it was asked to.
            _ => after,
        };
        self.floor = tail.floor;
        for row in tail.rows {
            // Every earlier entry of the contact now reads its newest metadata.
            let counted = self.metas.entry(row.row.doc).or_insert((None, 0));
            counted.0 = row.meta;
            counted.1 += 1;
            if matches!(row.row.kind, RowKind::Purged { .. }) {
                self.erase(row.row.doc);
            }
            let bytes = kind_bytes(&row.row.kind) + row.snapshot.as_ref().map_or(0, Vec::len);
            self.bytes += bytes;
            self.entries.push_back(Entry {
                seq: row.row.seq,
                doc: row.row.doc,
                kind: row.row.kind,
                snapshot: row.snapshot,
                bytes,
            });
        }
        self.range = Some((start, tail.head.max(after)));
        self.trim();
    }

    /// A purged contact's content leaves memory too (its rows reach no one any more).
    fn erase(&mut self, doc: ContactId) {
        for entry in self.entries.iter_mut().filter(|entry| entry.doc == doc) {
            if let RowKind::Changes { changes } = &mut entry.kind {
                changes.clear();
            }
            entry.snapshot = None;
            self.bytes -= entry.bytes;
            entry.bytes = 0;
        }
    }

    fn trim(&mut self) {
        while self.entries.len() > MAX_ROWS || self.bytes > MAX_BYTES {
            let Some(entry) = self.entries.pop_front() else {
                break;
            };
            self.bytes -= entry.bytes;
            if let Some((start, _)) = &mut self.range {
                *start = entry.seq;
            }
            if let Some(counted) = self.metas.get_mut(&entry.doc) {
                counted.1 -= 1;
                if counted.1 == 0 {
                    self.metas.remove(&entry.doc);
                }
            }
        }
    }

    /// One member's page after `after`, as `store::sql::feed_pages` cuts it from the store.
    fn page(&self, member: MemberId, after: u64, end: u64) -> FeedPage {
        let first = self.entries.partition_point(|entry| entry.seq <= after);
        let mut page = PageBuilder::new();
        let mut to = end;
        let mut more = false;
        for entry in self.entries.range(first..) {
            if page.is_full() {
                more = true;
                break;
            }
            to = entry.seq;
            let meta = self
                .metas
                .get(&entry.doc)
                .and_then(|(meta, _)| meta.as_ref());
            let Some(delivery) = feed::delivery(member, &entry.kind, meta) else {
                continue;
            };
            let item = feed::item(entry.doc, &entry.kind, delivery.clone(), || {
                let meta = meta?.clone();
                match delivery {
                    Delivery::Grant => Some((entry.snapshot.clone()?, meta)),
                    // A meta item uses only the metadata.
                    _ => Some((Vec::new(), meta)),
                }
            });
            if let Some(item) = item {
                page.push(item);
            }
        }
        if !more {
            to = end;
        }
        FeedPage {
            items: page.into_items(),
            to,
            resync: false,
            resume: None,
            more,
        }
    }
}

/// Roughly what a row's kind holds in memory.
fn kind_bytes(kind: &RowKind) -> usize {
    match kind {
        RowKind::Changes { changes } => changes.iter().map(|change| change.len() + 24).sum(),
        RowKind::Granted { audience }
        | RowKind::Revoked { audience }
        | RowKind::Purged { audience } => audience.len() * 16,
        RowKind::Created | RowKind::Meta => 0,
    }
}

#[cfg(test)]
mod tests;
