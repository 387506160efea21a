//! A bounded cache of hot documents, shared by both SQL stores.
//!
//! Loading a contact's saved bytes into an Automerge document costs far more than the query
//! that fetched them, and a loaded document costs ≈25 KB of memory (DESIGN.md section 3), so
//! the stores keep the most recently used few thousand, never all of them.
//!
//! Each entry carries the `last_seq` of the version it holds. A store reads the document's
//! `last_seq` in its own transaction and uses an entry only if the two agree, so a node never
//! works on a document that another node (sharing one Postgres) has changed since. Entries
//! are added only after the transaction that wrote them committed: a rolled-back seq can be
//! allocated again to different content.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use lru::LruCache;
use sync_core::document::ContactDoc;
use sync_core::ids::{ContactId, TenantId};

use crate::store::StoreError;

/// How many documents a store keeps loaded unless told otherwise: at ≈25 KB each, about 50 MB.
pub const DEFAULT_CACHE_DOCS: NonZeroUsize = NonZeroUsize::new(2_000).expect("not zero");

#[derive(Debug)]
struct Entry {
    last_seq: u64,
    doc: Arc<ContactDoc>,
    /// When it was last put or found, for [`DocCache::forget_idle`].
    used: Instant,
}

/// How long a document may go unused before [`DocCache::forget_idle`] lets it go: a burst of
/// pushes over thousands of contacts fills the cache (≈25 KB a document), and without this
/// the memory would stay taken long after the burst.
pub const DOC_IDLE: Duration = Duration::from_secs(10 * 60);

/// The most recently used documents, keyed by tenant and contact.
#[derive(Debug)]
pub(crate) struct DocCache {
    // A plain mutex: it is held only to look up or insert, never across an await.
    docs: Mutex<LruCache<(TenantId, ContactId), Entry>>,
}

impl DocCache {
    /// A cache of at most `capacity` documents.
    pub(crate) fn new(capacity: NonZeroUsize) -> Self {
        Self {
            docs: Mutex::new(LruCache::new(capacity)),
        }
    }

    fn docs(&self) -> std::sync::MutexGuard<'_, LruCache<(TenantId, ContactId), Entry>> {
        // A panic while holding the lock cannot leave an entry half-written (each operation
        // is one call into the LRU), so the cache stays usable.
        self.docs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The document as of `last_seq`, if that very version is cached.
    pub(crate) fn get(
        &self,
        tenant: TenantId,
        doc: ContactId,
        last_seq: u64,
    ) -> Option<Arc<ContactDoc>> {
        let mut docs = self.docs();
        match docs.get_mut(&(tenant, doc)) {
            Some(entry) if entry.last_seq == last_seq => {
                entry.used = Instant::now();
                Some(Arc::clone(&entry.doc))
            }
            Some(_) => {
                // Another node (or a purge) moved on: the entry can never be used again.
                docs.pop(&(tenant, doc));
                None
            }
            None => None,
        }
    }

    /// Keep the committed version `last_seq` of a document, unless a newer one is cached
    /// already (a slow reader must not replace what a commit just put).
    pub(crate) fn put(
        &self,
        tenant: TenantId,
        doc: ContactId,
        last_seq: u64,
        loaded: Arc<ContactDoc>,
    ) {
        let mut docs = self.docs();
        if docs
            .peek(&(tenant, doc))
            .is_some_and(|entry| entry.last_seq > last_seq)
        {
            return;
        }
        docs.put(
            (tenant, doc),
            Entry {
                last_seq,
                doc: loaded,
                used: Instant::now(),
            },
        );
    }

    /// Let go of the documents not used for `idle` (the least recently used first), and of
    /// the room they took. Returns how many went.
    pub(crate) fn forget_idle(&self, idle: Duration) -> usize {
        let mut docs = self.docs();
        let mut forgotten = 0;
        while docs
            .peek_lru()
            .is_some_and(|(_, entry)| entry.used.elapsed() >= idle)
        {
            docs.pop_lru();
            forgotten += 1;
        }
        forgotten
    }

    /// Documents held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.docs().len()
    }

    /// Keep what a committed plan loaded and wrote: the next push to those contacts finds
    /// them loaded.
    pub(crate) fn remember(&self, tenant: TenantId, plan: &super::plan::CommitPlan) {
        for (doc, last_seq, loaded) in &plan.opened {
            self.put(tenant, *doc, *last_seq, Arc::clone(loaded));
        }
        for write in &plan.writes {
            if let Some(loaded) = &write.loaded {
                self.put(tenant, write.doc, write.last_seq, Arc::clone(loaded));
            }
        }
    }

    /// Forget a document (it was purged).
    pub(crate) fn remove(&self, tenant: TenantId, doc: ContactId) {
        self.docs().pop(&(tenant, doc));
    }
}

/// Where a stored document comes from: the cache, or its saved bytes still to be loaded.
#[derive(Debug)]
pub(crate) enum DocSource {
    /// The cached, already loaded version.
    Cached(Arc<ContactDoc>),
    /// The saved bytes, loaded on first use (off the async threads: it is CPU work).
    Saved(Vec<u8>),
}

impl DocSource {
    /// The loaded document, and whether it was loaded just now (so worth caching).
    pub(crate) fn open(self, id: ContactId) -> Result<(Arc<ContactDoc>, bool), StoreError> {
        match self {
            DocSource::Cached(doc) => Ok((doc, false)),
            DocSource::Saved(bytes) => {
                // The server never authors changes, so its actor id is never used.
                let doc = ContactDoc::load(id, automerge::ActorId::from([0u8; 16]), &bytes)
                    .map_err(|error| StoreError::Corrupt(error.to_string()))?;
                Ok((Arc::new(doc), true))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: TenantId = TenantId::from_u128(1);

    fn doc(n: u128) -> Arc<ContactDoc> {
        Arc::new(ContactDoc::empty(
            ContactId::from_u128(n),
            automerge::ActorId::from([0u8; 16]),
        ))
    }

    #[test]
    fn an_entry_serves_only_the_version_it_holds() {
        let cache = DocCache::new(NonZeroUsize::new(4).unwrap());
        let id = ContactId::from_u128(1);
        cache.put(TENANT, id, 5, doc(1));
        assert!(cache.get(TENANT, id, 5).is_some());
        assert!(
            cache.get(TENANT, id, 6).is_none(),
            "another node committed seq 6"
        );
        assert!(
            cache.get(TENANT, id, 5).is_none(),
            "the stale entry was dropped"
        );
    }

    #[test]
    fn an_older_version_never_replaces_a_newer_one() {
        let cache = DocCache::new(NonZeroUsize::new(4).unwrap());
        let id = ContactId::from_u128(1);
        cache.put(TENANT, id, 7, doc(1));
        cache.put(TENANT, id, 5, doc(1));
        assert!(cache.get(TENANT, id, 7).is_some());
    }

    #[test]
    fn documents_left_idle_are_let_go_and_used_ones_are_kept() {
        let cache = DocCache::new(NonZeroUsize::new(8).unwrap());
        for n in 1..=3 {
            cache.put(TENANT, ContactId::from_u128(n), 1, doc(n));
        }
        assert_eq!(cache.forget_idle(Duration::from_secs(3600)), 0);
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.forget_idle(Duration::ZERO), 3);
        assert_eq!(cache.len(), 0);
        assert!(cache.get(TENANT, ContactId::from_u128(1), 1).is_none());
    }

    #[test]
    fn the_least_recently_used_document_leaves_first() {
        let cache = DocCache::new(NonZeroUsize::new(2).unwrap());
        for n in 1..=3 {
            cache.put(TENANT, ContactId::from_u128(n), 1, doc(n));
        }
        assert!(cache.get(TENANT, ContactId::from_u128(1), 1).is_none());
        assert!(cache.get(TENANT, ContactId::from_u128(3), 1).is_some());
    }
}
