//! Emptying the trash: a contact in the trash for [`TRASH_DAYS`] days is deleted for good,
//! as if its owner had emptied the trash. A job on every node looks every
//! [`EMPTY_TRASH_EVERY`]; nodes racing for one contact are harmless (a purge of a purged
//! contact changes nothing).
//!
//! The job takes the time it runs at as an argument, so tests move the clock instead of
//! waiting a month:
//!
//! ```no_run
//! # async fn example(state: server::state::AppState) -> Result<(), server::store::StoreError> {
//! let a_month_later = server::state::now_ms() + 31 * 24 * 3_600_000;
//! let purged = server::trash::empty_old_trash(&state.store, &state.hub, a_month_later).await?;
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::time::Duration;

use crate::store::{Store, StoreError};
use crate::sync::hub::Hub;

/// How long a contact stays in the trash before it is deleted for good.
pub const TRASH_DAYS: i64 = 30;

/// How often each node looks for contacts to delete.
pub const EMPTY_TRASH_EVERY: Duration = Duration::from_secs(3600);

/// Contacts purged per round: a company that trashed thousands at once is emptied over a few
/// rounds rather than in one long burst of writes.
const ROUND: usize = 500;

/// Delete for good every contact that went to the trash more than [`TRASH_DAYS`] days before
/// `now_ms`; returns how many. Each purge reaches the devices of everyone who could see the
/// contact, like a purge over the API.
pub async fn empty_old_trash(
    store: &Arc<dyn Store>,
    hub: &Hub,
    now_ms: i64,
) -> Result<usize, StoreError> {
    let before_ms = now_ms - TRASH_DAYS * 24 * 3_600_000;
    let mut purged = 0;
    loop {
        let old = store.trashed_before(before_ms, ROUND).await?;
        if old.is_empty() {
            return Ok(purged);
        }
        for (tenant, doc) in &old {
            store.purge(*tenant, *doc).await?;
            hub.advanced(*tenant, store.head(*tenant).await?);
            purged += 1;
        }
        if old.len() < ROUND {
            return Ok(purged);
        }
    }
}

/// Run [`empty_old_trash`] every [`EMPTY_TRASH_EVERY`] with the wall clock, until aborted.
pub fn spawn(store: Arc<dyn Store>, hub: Arc<Hub>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EMPTY_TRASH_EVERY);
        loop {
            every.tick().await;
            match empty_old_trash(&store, &hub, crate::state::now_ms()).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "emptied contacts trashed long ago"),
                Err(error) => tracing::warn!(%error, "could not empty the trash; trying later"),
            }
        }
    })
}
