//! Group commit: the pushes of one tenant's devices that arrive together share a transaction.
//!
//! Every push takes the tenant's lock and waits for its commit to reach the disk, so pushes
//! one at a time cap a tenant at one fsync's worth of acks (a few hundred a second on an
//! ordinary disk) however idle the CPU. Here a push joins the tenant's queue; one task per
//! busy tenant takes everything queued, commits it in one transaction under the lock, answers
//! each push and goes on with what queued meanwhile. Durability is unchanged — each push is
//! answered only after the transaction holding it committed — and a lone push waits for
//! nothing: the task starts at once when the queue was empty.
//!
//! Pushes in one group touch disjoint contacts, so each is decided exactly as if it were
//! committed alone right after the one before; a push touching a contact already in the group
//! waits for the next one. A push that fails on its own (a damaged stored document) is left
//! out of the transaction and gets its error; if the transaction as a whole fails, each push
//! is retried alone so each gets its own answer.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use sync_core::access::Viewer;
use sync_core::ids::{ContactId, TenantId};
use sync_core::wire::{DocChanges, DocResult};
use tokio::sync::oneshot;

use super::plan::{self, CommitContext, CommitPlan, Stored};
use crate::store::StoreError;

/// At most this many pushes share a transaction (each carries at most `MAX_PUSH_DOCS`
/// contacts), so one transaction stays a bounded amount of work and memory.
const MAX_GROUP_PUSHES: usize = 64;

/// One device's push.
#[derive(Debug, Clone)]
pub(crate) struct Push {
    /// Who pushed, as the access rules saw them when the push arrived.
    pub viewer: Viewer,
    /// The pushed changes.
    pub docs: Vec<DocChanges>,
    /// For contacts the server built itself (an import), what accepting their first change
    /// would compute, by position in `docs` (empty for a device's push).
    pub prepared: Vec<Option<Arc<crate::store::PreparedContact>>>,
}

/// Each push's answer: its results, or the error that kept it out of the transaction.
pub(crate) type Outcomes = Vec<Result<Vec<DocResult>, StoreError>>;

/// How a store commits a group of pushes in one transaction.
#[async_trait]
pub(crate) trait GroupWriter: Send + Sync + 'static {
    /// Commit `pushes` (touching disjoint contacts) in one transaction, one outcome per push
    /// in order; `Err` if the transaction failed as a whole (nothing was committed).
    async fn commit_group(
        &self,
        tenant: TenantId,
        pushes: Arc<[Push]>,
    ) -> Result<Outcomes, StoreError>;
}

struct Waiting {
    push: Push,
    reply: oneshot::Sender<Result<Vec<DocResult>, StoreError>>,
}

type Queues = Arc<Mutex<HashMap<TenantId, VecDeque<Waiting>>>>;

/// The per-tenant queues of a store. A tenant has a queue exactly while its task runs.
pub(crate) struct GroupCommit<W> {
    writer: Arc<W>,
    queues: Queues,
}

impl<W> std::fmt::Debug for GroupCommit<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl<W: GroupWriter> GroupCommit<W> {
    /// Queues committing through `writer`.
    pub(crate) fn new(writer: W) -> Self {
        Self {
            writer: Arc::new(writer),
            queues: Arc::default(),
        }
    }

    /// The writer the groups go through.
    pub(crate) fn writer(&self) -> &W {
        &self.writer
    }

    /// Commit one push with whatever else the tenant's devices push meanwhile; returns once
    /// the transaction holding it committed.
    pub(crate) async fn commit(
        &self,
        tenant: TenantId,
        viewer: &Viewer,
        docs: &[DocChanges],
    ) -> Result<Vec<DocResult>, StoreError> {
        self.commit_prepared(tenant, viewer, docs, Vec::new()).await
    }

    /// [`GroupCommit::commit`] of contacts the server built itself, with what accepting
    /// their changes would compute (see `Store::commit_prepared`).
    pub(crate) async fn commit_prepared(
        &self,
        tenant: TenantId,
        viewer: &Viewer,
        docs: &[DocChanges],
        prepared: Vec<Option<Arc<crate::store::PreparedContact>>>,
    ) -> Result<Vec<DocResult>, StoreError> {
        let (reply, answer) = oneshot::channel();
        let waiting = Waiting {
            push: Push {
                viewer: viewer.clone(),
                docs: docs.to_vec(),
                prepared,
            },
            reply,
        };
        let start = {
            let mut queues = lock(&self.queues);
            match queues.get_mut(&tenant) {
                Some(queue) => {
                    queue.push_back(waiting);
                    false
                }
                None => {
                    queues.insert(tenant, VecDeque::from([waiting]));
                    true
                }
            }
        };
        if start {
            // A task of its own, not this caller's future: a caller that gives up waiting
            // must not strand the pushes queued behind it.
            tokio::spawn(lead(
                Arc::clone(&self.writer),
                Arc::clone(&self.queues),
                tenant,
            ));
        }
        answer
            .await
            .unwrap_or(Err(StoreError::Database(sqlx::Error::WorkerCrashed)))
    }
}

fn lock(queues: &Queues) -> std::sync::MutexGuard<'_, HashMap<TenantId, VecDeque<Waiting>>> {
    // Each critical section is a push or a drain of a queue: nothing is left half-done.
    queues.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Ends the tenant's task: if it panicked, the pushes still queued are answered with an
/// error (their senders dropped) instead of waiting forever.
struct Leading {
    queues: Queues,
    tenant: TenantId,
    done: bool,
}

impl Drop for Leading {
    fn drop(&mut self) {
        if !self.done {
            lock(&self.queues).remove(&self.tenant);
        }
    }
}

async fn lead<W: GroupWriter>(writer: Arc<W>, queues: Queues, tenant: TenantId) {
    let mut leading = Leading {
        queues: Arc::clone(&queues),
        tenant,
        done: false,
    };
    loop {
        let group = {
            let mut all = lock(&queues);
            let Some(queue) = all.get_mut(&tenant) else {
                leading.done = true;
                return;
            };
            if queue.is_empty() {
                all.remove(&tenant);
                leading.done = true;
                return;
            }
            take_group(queue)
        };
        let pushes: Arc<[Push]> = group.iter().map(|waiting| waiting.push.clone()).collect();
        match writer.commit_group(tenant, pushes).await {
            Ok(outcomes) => {
                for (waiting, outcome) in group.into_iter().zip(outcomes) {
                    // The device may have gone; its push committed all the same.
                    let _ = waiting.reply.send(outcome);
                }
            }
            Err(error) if group.len() == 1 => {
                if let Some(waiting) = group.into_iter().next() {
                    let _ = waiting.reply.send(Err(error));
                }
            }
            Err(_) => {
                // Which push broke it is unknown: each alone, so each gets its own answer.
                for waiting in group {
                    let outcome = match writer
                        .commit_group(tenant, Arc::from([waiting.push.clone()]))
                        .await
                    {
                        Ok(mut outcomes) => outcomes.pop().unwrap_or(Ok(Vec::new())),
                        Err(error) => Err(error),
                    };
                    let _ = waiting.reply.send(outcome);
                }
            }
        }
    }
}

/// The oldest queued pushes that touch disjoint contacts; the others keep their places. A
/// contact's pushes are committed in the order they arrived: one that waits holds back the
/// later ones touching its contacts too.
fn take_group(queue: &mut VecDeque<Waiting>) -> Vec<Waiting> {
    let mut taken = Vec::new();
    let mut touched: HashSet<ContactId> = HashSet::new();
    let mut kept = VecDeque::new();
    while let Some(waiting) = queue.pop_front() {
        // Its connection stopped waiting (the device left, or was told `unavailable` and will
        // push again): committing it now would only repeat work the re-push does.
        if waiting.reply.is_closed() {
            continue;
        }
        let docs = || waiting.push.docs.iter().map(|push| push.doc);
        let free = docs().all(|doc| !touched.contains(&doc));
        touched.extend(docs());
        if free && taken.len() < MAX_GROUP_PUSHES {
            taken.push(waiting);
        } else {
            kept.push_back(waiting);
        }
    }
    *queue = kept;
    taken
}

/// The contacts a group touches, each once.
pub(crate) fn group_docs(pushes: &[Push]) -> Vec<ContactId> {
    let mut seen = HashSet::new();
    pushes
        .iter()
        .flat_map(|push| push.docs.iter().map(|doc| doc.doc))
        .filter(|doc| seen.insert(*doc))
        .collect()
}

/// Pushed changes in a group decided on the committing task rather than a blocking thread:
/// applying and checking one change to a loaded contact is a fraction of a millisecond,
/// about what handing the work to another thread and back costs in wake-ups.
const DECIDE_HERE_CHANGES: usize = 2;

/// Decide a group (see [`plan_group`]) on a blocking thread, or here when it is one or two
/// changes to contacts already loaded.
pub(crate) async fn decide_group(
    context: CommitContext,
    head: u64,
    pushes: &Arc<[Push]>,
    stored: HashMap<ContactId, Stored>,
) -> (Outcomes, CommitPlan) {
    let loaded = stored.values().all(|state| {
        !matches!(
            state,
            Stored::Live {
                doc: super::cache::DocSource::Saved(_),
                ..
            }
        )
    });
    let changes: usize = pushes
        .iter()
        .flat_map(|push| &push.docs)
        .map(|doc| doc.changes.len())
        .sum();
    if loaded && changes <= DECIDE_HERE_CHANGES {
        return plan_group(&context, head, pushes, stored);
    }
    let pushes = Arc::clone(pushes);
    super::off_thread(move || plan_group(&context, head, &pushes, stored)).await
}

/// Decide a group under the tenant's lock: each push as if committed alone after the ones
/// before it (`stored` holds every contact the group touches, as stored). Returns each
/// push's outcome and everything to write. CPU-bound: run it off the async threads.
pub(crate) fn plan_group(
    context: &CommitContext,
    head: u64,
    pushes: &[Push],
    mut stored: HashMap<ContactId, Stored>,
) -> (Outcomes, CommitPlan) {
    let mut merged = CommitPlan {
        head,
        ..CommitPlan::default()
    };
    let mut outcomes = Vec::with_capacity(pushes.len());
    for push in pushes {
        // Disjoint contacts: what this push finds stored, no other push of the group changes.
        let mine: HashMap<ContactId, Stored> = push
            .docs
            .iter()
            .filter_map(|doc| stored.remove_entry(&doc.doc))
            .collect();
        match plan::plan_commit(
            &push.viewer,
            context,
            merged.head,
            &push.docs,
            &push.prepared,
            mine,
        ) {
            Ok(plan) => {
                merged.head = plan.head;
                merged.writes.extend(plan.writes);
                merged.rows.extend(plan.rows);
                merged.changes.extend(plan.changes);
                merged.opened.extend(plan.opened);
                outcomes.push(Ok(plan.results));
            }
            Err(error) => outcomes.push(Err(error)),
        }
    }
    (outcomes, merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiting(
        docs: &[u128],
    ) -> (
        Waiting,
        oneshot::Receiver<Result<Vec<DocResult>, StoreError>>,
    ) {
        let (reply, answer) = oneshot::channel();
        let push = Push {
            prepared: Vec::new(),
            viewer: Viewer::member_only(sync_core::ids::MemberId::from_u128(1)),
            docs: docs
                .iter()
                .map(|doc| DocChanges {
                    doc: ContactId::from_u128(*doc),
                    changes: Vec::new(),
                    visibility: None,
                })
                .collect(),
        };
        (Waiting { push, reply }, answer)
    }

    #[test]
    fn a_push_whose_connection_stopped_waiting_is_not_committed() {
        let (abandoned, gone) = waiting(&[1]);
        drop(gone);
        let (kept, _answer) = waiting(&[2]);
        let mut queue = VecDeque::from([abandoned, kept]);
        let group = take_group(&mut queue);
        assert_eq!(group.len(), 1);
        assert_eq!(group[0].push.docs[0].doc, ContactId::from_u128(2));
        assert!(
            queue.is_empty(),
            "the abandoned push is dropped, not kept for later"
        );
    }

    #[test]
    fn a_push_touching_a_contact_already_in_the_group_waits_for_the_next() {
        // The answers' receivers are kept: their connections are still waiting.
        let (mut queue, _answers): (VecDeque<Waiting>, Vec<_>) =
            [&[1, 2][..], &[2], &[3], &[4], &[2, 5]]
                .into_iter()
                .map(waiting)
                .unzip();
        let group = take_group(&mut queue);
        let docs = |w: &Waiting| w.push.docs.iter().map(|d| d.doc).collect::<Vec<_>>();
        assert_eq!(group.len(), 3);
        assert_eq!(docs(&group[1]), [ContactId::from_u128(3)]);
        assert_eq!(
            queue.len(),
            2,
            "both later pushes touching contact 2 stay, in order"
        );
        assert_eq!(docs(&queue[0]), [ContactId::from_u128(2)]);
        assert_eq!(take_group(&mut queue).len(), 1);
        assert_eq!(take_group(&mut queue).len(), 1);
    }
}
