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
//! Most of those pages are alike: every device that was up to date is owed the rows of the
//! last commit, and members who see the same contacts are owed the same items. So a page cut
//! from memory is kept until the rows change ([`SharedPage`]), found again by what each row
//! becomes for the reader's member, and encoded (and compressed) once for every connection
//! it is sent on.
//!
//! The pages are the ones the store would give: each contact's metadata is the newest read
//! (every change of a contact's metadata or a purge writes a feed row, so reading the rows
//! up to a head reads the metadata as of at least that head), and a grant's snapshot was
//! read no earlier than its row committed, with any later change following in later rows.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use axum::body::Bytes;

use sync_core::access::Viewer;
use sync_core::feed::{self, Delivery, PageBuilder, RowKind};
use sync_core::ids::{ContactId, MemberId, TenantId};
use sync_core::replica::session::{FeedPage, FeedRequest};
use sync_core::wire::{DocMeta, Frame};
use tokio::sync::Mutex;

use crate::store::{Access, FeedTail, Store, StoreError};

/// Rows the tail keeps at most; older ones are dropped first.
const MAX_ROWS: usize = 4096;

/// Bytes of change and snapshot data the tail keeps at most.
const MAX_BYTES: usize = 4 * 1024 * 1024;

/// Pages the tail shares at most between two changes of its rows; more distinct pages than
/// this (members who each see different contacts) are cut for each connection.
const MAX_SHARED_PAGES: usize = 256;

/// Members and cursors the shared pages are indexed by at most between two changes of the
/// rows ([`SharedPages::by_reader`]); past this, connections work out their page's key.
const MAX_SHARED_READERS: usize = 4096;

/// A page is shared only when it covers at most this many rows: a connection further behind
/// is rare, and working out which of the rows its member sees costs a pass over them.
const MAX_SHARED_PAGE_ROWS: usize = 512;

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
    /// The tenant's access generation read with the newest rows.
    access_gen: u64,
    entries: VecDeque<Entry>,
    /// Each contact in `entries`: its newest metadata and how many entries name it.
    metas: HashMap<ContactId, (Option<DocMeta>, usize)>,
    bytes: usize,
    /// Counts every change to the rows, so pages cut from earlier ones are not shared.
    generation: u64,
}

/// One tenant's tail.
#[derive(Debug, Default)]
pub struct Tail {
    /// Held while reading the store, so connections woken together share one read.
    reading: Mutex<()>,
    /// Held only to copy rows in or cut a page out, never across an await.
    rows: RwLock<Rows>,
    /// The pages cut since the rows last changed, by what they hold (see [`PageKey`]).
    shared: std::sync::Mutex<SharedPages>,
}

/// Pages cut from the rows as they stood at `generation`.
#[derive(Debug, Default)]
struct SharedPages {
    generation: u64,
    pages: HashMap<PageKey, Arc<SharedPage>>,
    /// The same pages by the member and cursor they were found for. The rows decide what a
    /// member is owed, so within a generation a member's page after a cursor is always the
    /// same one: a connection whose member was served already finds it without working out
    /// its [`PageKey`] (a pass over the rows, the most of cutting a page once the pages were
    /// shared).
    by_reader: HashMap<(MemberId, u64, u64), Arc<SharedPage>>,
}

impl SharedPages {
    /// Start over for the rows at `generation`: pages cut before are for cursors no one
    /// holds now.
    fn renew(&mut self, generation: u64) {
        if self.generation != generation {
            self.pages.clear();
            self.by_reader.clear();
            self.generation = generation;
        }
    }
}

/// What makes two connections' pages the same: the cursor they read after, and what each row
/// after it becomes for their members. Two members who see the same contacts get one page,
/// whoever they are.
#[derive(Debug, PartialEq, Eq, Hash)]
struct PageKey {
    after: u64,
    deliveries: Vec<Option<Delivery>>,
}

/// A page cut once from memory for every connection it is the same for, with its encodings
/// made once too. A commit sends one page to every device that was up to date; cutting,
/// encoding and compressing a copy for each of a thousand devices was most of a node's work.
#[derive(Debug)]
pub struct SharedPage {
    after: u64,
    page: FeedPage,
    plain: OnceLock<Bytes>,
    deflated: OnceLock<Bytes>,
}

impl SharedPage {
    /// The page for the session, without its items: the session decides the frame's header
    /// (and whether to send one at all, which items cannot change: a page with items always
    /// moves the cursor), and [`SharedPage::wire_bytes`] supplies the items. A copy of the
    /// items for every connection is what sharing the page saves.
    pub fn outline(&self) -> FeedPage {
        // Field by field: `..self.page.clone()` would copy the items only to drop them.
        FeedPage {
            items: Vec::new(),
            to: self.page.to,
            resync: self.page.resync,
            resume: self.page.resume,
            more: self.page.more,
        }
    }

    /// The bytes to send for `frame`, the session's framing of [`SharedPage::outline`], with
    /// this page's items in it (as `Frame::encode_for` gives them); `None` if `frame` is
    /// framed differently (a reset, another cursor), when the host must send the page
    /// itself.
    pub fn wire_bytes(&self, frame: &Frame, deflate: bool) -> Option<Bytes> {
        let Frame::Feed {
            from,
            to,
            reset: false,
            more,
            items,
        } = frame
        else {
            return None;
        };
        if (*from, *to, *more) != (self.after, self.page.to, self.page.more) || !items.is_empty() {
            return None;
        }
        let slot = if deflate { &self.deflated } else { &self.plain };
        let bytes = slot.get_or_init(|| {
            let whole = Frame::Feed {
                from: self.after,
                to: self.page.to,
                reset: false,
                more: self.page.more,
                items: self.page.items.clone(),
            };
            Bytes::from(whole.encode_for(deflate))
        });
        Some(bytes.clone())
    }

    /// The page with its items, for a host that cannot use the shared bytes.
    pub fn page(&self) -> &FeedPage {
        &self.page
    }
}

impl Tail {
    /// The page `request` asks for, up to `head` (a head the caller saw announced) or
    /// further: from memory when the tail holds it, else from the store. A page from memory
    /// comes with its [`SharedPage`] when other connections may be sent the same; the page
    /// is then only its outline, and the shared page has the items.
    ///
    /// `access` is the reader's member as the caller last read them: read again first when
    /// the rows were read at a newer access generation (a member who just joined a group must
    /// be judged as in it when their `granted` row is cut).
    pub async fn read_feed(
        &self,
        store: &dyn Store,
        tenant: TenantId,
        access: &mut Access,
        request: &FeedRequest,
        head: u64,
    ) -> Result<(FeedPage, Option<Arc<SharedPage>>), StoreError> {
        if self.end().is_none_or(|end| end < head) {
            self.catch_up(store, tenant, head).await?;
        }
        if self.read().access_gen > access.generation {
            *access = store.access(tenant, access.viewer.member).await?;
        }
        if let Some(cut) = self.cut(access, request, head) {
            crate::metrics::hot().feed_reads_memory.increment(1);
            return Ok(cut);
        }
        crate::metrics::hot().feed_reads_store.increment(1);
        let member = access.viewer.member;
        Ok((store.read_feed(tenant, member, request).await?, None))
    }

    fn shared(&self) -> std::sync::MutexGuard<'_, SharedPages> {
        // Only whole pages go in or out; a panic cannot leave half of one.
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
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
                let (floor, generation) = (rows.floor, rows.generation + 1);
                *rows = Rows {
                    range: Some((head, head)),
                    floor,
                    generation,
                    ..Rows::default()
                };
            }
        }
        Ok(())
    }

    /// The page from memory, if the tail holds every row it needs, shared with the other
    /// connections it is the same for: then the page returned is its outline.
    fn cut(
        &self,
        access: &Access,
        request: &FeedRequest,
        head: u64,
    ) -> Option<(FeedPage, Option<Arc<SharedPage>>)> {
        let viewer = &access.viewer;
        let rows = self.read();
        let (start, end) = rows.range?;
        if end < head || request.after < start || feed::needs_resync(request, rows.floor, end) {
            return None;
        }
        let after = request.after;
        let first = rows.entries.partition_point(|entry| entry.seq <= after);
        if rows.entries.len() - first > MAX_SHARED_PAGE_ROWS {
            return Some((rows.page(viewer, after, end), None));
        }
        let reader = (viewer.member, access.generation, after);
        {
            let mut shared = self.shared();
            shared.renew(rows.generation);
            if let Some(page) = shared.by_reader.get(&reader) {
                crate::metrics::hot().feed_pages_shared.increment(1);
                return Some((page.outline(), Some(Arc::clone(page))));
            }
        }
        let key = PageKey {
            after,
            deliveries: rows
                .entries
                .range(first..)
                .map(|entry| feed::delivery(viewer, &entry.kind, rows.meta(entry.doc)))
                .collect(),
        };
        let mut shared = self.shared();
        shared.renew(rows.generation);
        if let Some(page) = shared.pages.get(&key).map(Arc::clone) {
            crate::metrics::hot().feed_pages_shared.increment(1);
            if shared.by_reader.len() < MAX_SHARED_READERS {
                shared.by_reader.insert(reader, Arc::clone(&page));
            }
            return Some((page.outline(), Some(page)));
        }
        crate::metrics::hot().feed_pages_new.increment(1);
        // Cut under the lock: a connection of the same member waking meanwhile waits for
        // this page instead of cutting its own copy.
        let page = rows.page(viewer, after, end);
        if shared.pages.len() >= MAX_SHARED_PAGES {
            return Some((page, None));
        }
        let page = Arc::new(SharedPage {
            after,
            page,
            plain: OnceLock::new(),
            deflated: OnceLock::new(),
        });
        shared.pages.insert(key, Arc::clone(&page));
        if shared.by_reader.len() < MAX_SHARED_READERS {
            shared.by_reader.insert(reader, Arc::clone(&page));
        }
        Some((page.outline(), Some(page)))
    }
}

impl Rows {
    fn append(&mut self, after: u64, tail: FeedTail) {
        self.generation += 1;
        let start = match self.range {
            Some((start, end)) if end == after => start,
            // The first read: the tail begins where it was asked to.
            _ => after,
        };
        self.floor = tail.floor;
        self.access_gen = self.access_gen.max(tail.access_gen);
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

    /// A contact's newest metadata read (`None` once purged).
    fn meta(&self, doc: ContactId) -> Option<&DocMeta> {
        self.metas.get(&doc).and_then(|(meta, _)| meta.as_ref())
    }

    /// One member's page after `after`, as `store::sql::feed_pages` cuts it from the store.
    fn page(&self, viewer: &Viewer, after: u64, end: u64) -> FeedPage {
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
            let meta = self.meta(entry.doc);
            let Some(delivery) = feed::delivery(viewer, &entry.kind, meta) else {
                continue;
            };
            let item = feed::item(entry.doc, &entry.kind, delivery, || {
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
