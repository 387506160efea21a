//! A connection's pushes while they commit: one at a time, never a queue.
//!
//! A connection keeps reading frames while its push commits, so a device that re-pushes
//! (protocol.md 9.4) is heard at once instead of its frames waiting in the socket. At most
//! one push is committing and one waits behind it — the newest: a device has one push in
//! flight, so a newer push means it gave up on the older one, which is dropped unanswered.
//!
//! A push the node cannot commit — the database unreachable or failing, or the commit taking
//! longer than [`Config::commit_timeout`](crate::Config::commit_timeout) — is answered at once
//! with a non-fatal `unavailable` naming the push and a delay to wait, which doubles while
//! the connection's pushes keep failing (up to [`MAX_RETRY_AFTER_MS`]). A commit that outlived
//! its bound may still complete; the device's later re-push is then a repeat, answered from
//! what is stored, so nothing is applied twice.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use sync_core::accept::codes;
use sync_core::access::Viewer;
use sync_core::history::{self, AttributionError};
use sync_core::ids::{DeviceId, MemberId, TenantId};
use sync_core::wire::{DocChanges, DocResult, Rejection};

use crate::store::{Store, StoreError};

/// The first delay a device is told to wait after an `unavailable` push.
pub const FIRST_RETRY_AFTER_MS: u64 = 250;

/// The longest delay a device is told to wait. Short, so that once the database is back
/// the first pushes land within about a second; long enough that a down database costs a
/// node one push per device per second, not one per tick.
pub const MAX_RETRY_AFTER_MS: u64 = 1000;

type Commit = Pin<Box<dyn Future<Output = Result<Vec<DocResult>, StoreError>> + Send>>;

struct InFlight {
    batch: u64,
    started: Instant,
    commit: Commit,
}

/// What became of the push in flight.
#[derive(Debug)]
pub enum Finished {
    /// Committed: send the `ack`.
    Committed {
        /// The push.
        batch: u64,
        /// Its results.
        results: Vec<DocResult>,
        /// How long the commit took.
        took: Duration,
    },
    /// Not committed in time (or not at all): send `unavailable` for each of `batches`.
    Unavailable {
        /// The pushes to answer: the one that failed, and the one that waited behind it.
        batches: Vec<u64>,
        /// How long the device should wait.
        retry_after_ms: u64,
        /// Why, for the device's log (never internal details).
        reason: &'static str,
        /// The store's error, for this node's log.
        error: Option<StoreError>,
    },
}

/// For each pushed contact, why its changes are refused before they reach the store, if they
/// are: a change whose attribution (`sync_core::history`) names another member or device, or
/// claims what only the server writes, is `forbidden`; one whose attribution cannot be read
/// is `malformed`. History is only worth reading if nobody can sign an edit in someone else's
/// name.
fn attribution_refusals(
    docs: &[DocChanges],
    member: MemberId,
    device: DeviceId,
) -> Vec<Option<Rejection>> {
    docs.iter()
        .map(|doc| {
            doc.changes.iter().enumerate().find_map(|(index, change)| {
                history::check_attribution(change, member, device)
                    .err()
                    .map(|error| {
                        let code = match error {
                            AttributionError::NotAChange { .. }
                            | AttributionError::Malformed { .. } => codes::MALFORMED,
                            _ => codes::FORBIDDEN,
                        };
                        Rejection {
                            code: code.into(),
                            message: format!("change {index} of contact {}: {error}", doc.doc),
                        }
                    })
            })
        })
        .collect()
}

/// One connection's pushes.
pub struct Pushes {
    in_flight: Option<InFlight>,
    waiting: Option<(u64, Vec<DocChanges>)>,
    /// `unavailable` answers in a row, for the growing delay.
    failures: u32,
    timeout: Duration,
}

impl Pushes {
    /// No push yet; each commit may take at most `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Self {
            in_flight: None,
            waiting: None,
            failures: 0,
            timeout,
        }
    }

    /// Whether a push is committing.
    pub fn busy(&self) -> bool {
        self.in_flight.is_some()
    }

    /// A push arrived: commit it now, or after the one committing (replacing any push that
    /// was waiting, which its device gave up on).
    pub fn offer(
        &mut self,
        store: &std::sync::Arc<dyn Store>,
        tenant: TenantId,
        viewer: &Viewer,
        device: DeviceId,
        batch: u64,
        docs: Vec<DocChanges>,
    ) {
        if self.in_flight.is_some() {
            if let Some((dropped, _)) = self.waiting.replace((batch, docs)) {
                tracing::debug!(
                    dropped,
                    batch,
                    "a newer push replaced one waiting to commit"
                );
            }
            return;
        }
        let store = std::sync::Arc::clone(store);
        let viewer = viewer.clone();
        let refused = attribution_refusals(&docs, viewer.member, device);
        self.in_flight = Some(InFlight {
            batch,
            started: Instant::now(),
            commit: Box::pin(async move {
                let checked: Vec<DocChanges> = docs
                    .iter()
                    .zip(&refused)
                    .filter(|(_, refusal)| refusal.is_none())
                    .map(|(doc, _)| doc.clone())
                    .collect();
                let mut committed = if checked.is_empty() {
                    Vec::new()
                } else {
                    store.commit(tenant, &viewer, &checked).await?
                }
                .into_iter();
                Ok(docs
                    .iter()
                    .zip(refused)
                    .map(|(doc, refusal)| match refusal {
                        Some(rejected) => DocResult {
                            doc: doc.doc,
                            seq: None,
                            rejected: Some(rejected),
                        },
                        None => committed.next().unwrap_or(DocResult {
                            doc: doc.doc,
                            seq: None,
                            rejected: Some(Rejection {
                                code: "malformed".into(),
                                message: "the store answered fewer contacts than pushed".into(),
                            }),
                        }),
                    })
                    .collect())
            }),
        });
    }

    /// Wait for the push in flight to finish (forever if there is none: call only when
    /// [`Pushes::busy`]). Cancel-safe: dropping the future leaves the push in flight.
    pub async fn finished(&mut self) -> Finished {
        let Some(in_flight) = self.in_flight.as_mut() else {
            return std::future::pending().await;
        };
        let deadline = tokio::time::Instant::from_std(in_flight.started + self.timeout);
        let outcome = tokio::time::timeout_at(deadline, &mut in_flight.commit).await;
        let InFlight { batch, started, .. } = self.in_flight.take().expect("in flight above");
        match outcome {
            Ok(Ok(results)) => {
                self.failures = 0;
                Finished::Committed {
                    batch,
                    results,
                    took: started.elapsed(),
                }
            }
            Ok(Err(error)) => self.unavailable(
                batch,
                "the server could not store the push; try again",
                Some(error),
            ),
            Err(_) => self.unavailable(
                batch,
                "storing the push is taking too long; try again",
                None,
            ),
        }
    }

    /// The push that waited, to start now that the one before it committed.
    pub fn next_waiting(&mut self) -> Option<(u64, Vec<DocChanges>)> {
        self.waiting.take()
    }

    fn unavailable(
        &mut self,
        batch: u64,
        reason: &'static str,
        error: Option<StoreError>,
    ) -> Finished {
        let retry_after_ms = retry_after_ms(self.failures);
        self.failures = self.failures.saturating_add(1);
        // The database is in trouble: the push that waited would only wait longer.
        let mut batches = vec![batch];
        batches.extend(self.waiting.take().map(|(waiting, _)| waiting));
        Finished::Unavailable {
            batches,
            retry_after_ms,
            reason,
            error,
        }
    }
}

/// The delay after `failures` `unavailable` answers in a row: 250 ms, doubling, at most
/// [`MAX_RETRY_AFTER_MS`].
pub fn retry_after_ms(failures: u32) -> u64 {
    FIRST_RETRY_AFTER_MS
        .saturating_mul(1 << failures.min(16))
        .min(MAX_RETRY_AFTER_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_up_to_its_ceiling() {
        let delays: Vec<u64> = (0..5).map(retry_after_ms).collect();
        assert_eq!(delays, [250, 500, 1000, 1000, 1000]);
        assert_eq!(retry_after_ms(u32::MAX), MAX_RETRY_AFTER_MS);
    }
}
