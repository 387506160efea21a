//! What the SQLite and Postgres stores share, so the two differ only in their SQL: how values
//! map to columns, the cache of hot documents, what a write changes, how a feed page is read
//! and who may fetch a stored image.

pub(crate) mod blobs;
pub(crate) mod cache;
pub(crate) mod codec;
pub(crate) mod feed_pages;
pub(crate) mod group_commit;
pub(crate) mod plan;
pub(crate) mod projection;
pub(crate) mod refresh;

/// Run CPU-bound work (loading, applying and saving Automerge documents) on a blocking
/// thread, so the async threads keep serving sockets. A panic in `work` is a bug and is
/// passed on as one.
pub(crate) async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(error) => match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(cancelled) => panic!("the runtime shut down under a store task: {cancelled}"),
        },
    }
}
