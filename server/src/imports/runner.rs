//! Who runs which import, and how long an uploaded file is kept.
//!
//! **One runner per import, even across nodes.** Each server process holds a [`Lease`] (a
//! random runner id and a duration, `ROLO_IMPORT_LEASE_SECONDS`). Starting an import claims
//! it; its job renews the claim with every batch's progress, and stops when the renewal finds
//! the import was taken over. Every half lease each node looks for running imports whose
//! lease ran out (their node died, or lost the database) and claims them, one statement each,
//! so of two nodes looking together one wins. A node claims only imports whose file is in its
//! own import folder: nodes that share the database should share the folder, and a node
//! without the file leaves the import to one that has it — for as long as uploaded files are
//! kept: an import no node has resumed by then fails, saying its file is gone with its node,
//! instead of showing `running` for ever.
//!
//! A store only one process can use (SQLite) resumes everything it finds running at
//! start-up at once, whatever the leases say: they were its own previous run's.
//!
//! **Files are kept a while, then deleted.** The error file is made from the uploaded file,
//! so an ended import keeps it `ROLO_IMPORT_KEEP_DAYS`; then the file is deleted, and the
//! import's summary and failed rows stay (the error file and the preview answer 410). A file
//! uploaded and left in preview goes as long after its last change, its import cancelled.

use std::collections::HashSet;
use std::sync::Mutex;

use super::{ImportError, file_path, job};
use crate::state::{AppState, now_ms};
use crate::store::imports::{ImportId, ImportRecord, Lease};

/// This process's claim, and the imports it runs now.
#[derive(Debug)]
pub struct Runner {
    /// The claim every import this process runs is held under.
    pub lease: Lease,
    /// The imports with a job in this process: never two jobs for one import.
    running: Mutex<HashSet<ImportId>>,
}

impl Runner {
    /// A runner with a new id, its claims holding `lease` without renewal.
    pub fn new(lease: std::time::Duration) -> Self {
        Self {
            lease: Lease::new(lease),
            running: Mutex::new(HashSet::new()),
        }
    }

    /// Mark `id` as run here; `false` if it already is.
    pub(super) fn enter(&self, id: ImportId) -> bool {
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(id)
    }

    /// The job of `id` here ended.
    pub(super) fn leave(&self, id: ImportId) {
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&id);
    }
}

/// At start-up, resume what previous runs left; then, every half lease, take over what dead
/// nodes left and delete uploaded files past their keeping. Returns the watching task.
pub async fn watch(state: AppState) -> Result<tokio::task::JoinHandle<()>, ImportError> {
    let expired_by = if state.store.one_node() {
        i64::MAX
    } else {
        now_ms()
    };
    take_over(&state, expired_by).await?;
    Ok(tokio::spawn(async move {
        let mut every = tokio::time::interval(state.config.import_lease / 2);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        every.tick().await;
        loop {
            every.tick().await;
            if let Err(error) = take_over(&state, now_ms()).await {
                tracing::warn!(%error, "looking for imports to take over");
            }
            if let Err(error) = give_up_stranded(&state).await {
                tracing::warn!(%error, "failing imports stranded on a node that stopped");
            }
            if let Err(error) = forget_files(&state).await {
                tracing::warn!(%error, "deleting uploaded import files past keeping");
            }
        }
    }))
}

/// Claim and run every running import whose lease ran out by `expired_by_ms` and whose file
/// is here; returns how many.
async fn take_over(state: &AppState, expired_by_ms: i64) -> Result<usize, ImportError> {
    let mut resumed = 0;
    for record in state.store.orphaned_imports(expired_by_ms).await? {
        if !is_here(state, &record) {
            tracing::debug!(import = %record.id, "an orphaned import's file is not in this node's folder");
            continue;
        }
        let lease = state.imports.lease;
        if state
            .store
            .claim_import(record.tenant, record.id, lease, expired_by_ms, now_ms())
            .await?
        {
            tracing::info!(tenant = %record.tenant, import = %record.id, position = record.position, "resuming an import");
            job::spawn(state.clone(), record);
            resumed += 1;
        }
    }
    Ok(resumed)
}

/// Fail every running import whose lease ran out longer ago than uploaded files are kept
/// (`Config::import_keep`) and whose file is not here either: the node that had it has not
/// come back. Claimed first, so of two nodes one reports it. Returns how many.
async fn give_up_stranded(state: &AppState) -> Result<usize, ImportError> {
    if state.store.one_node() {
        // Its one process resumes whatever it finds at start-up.
        return Ok(0);
    }
    let now = now_ms();
    let stranded_by = now.saturating_sub(keep_ms(state));
    let mut failed = 0;
    for record in state.store.orphaned_imports(stranded_by).await? {
        if is_here(state, &record)
            || !state
                .store
                .claim_import(
                    record.tenant,
                    record.id,
                    state.imports.lease,
                    stranded_by,
                    now,
                )
                .await?
        {
            continue;
        }
        let message = format!(
            "the file of this import was on a server node that stopped after {} rows and has \
             not come back; upload the file again, skipping duplicates, to import the rest",
            record.position
        );
        tracing::warn!(tenant = %record.tenant, import = %record.id, "an import's node never came back: failed");
        state
            .store
            .finish_import(
                record.tenant,
                record.id,
                crate::store::imports::ImportState::Failed,
                Some(&message),
                now,
            )
            .await?;
        failed += 1;
    }
    Ok(failed)
}

/// How long uploaded files are kept, in ms.
fn keep_ms(state: &AppState) -> i64 {
    i64::try_from(state.config.import_keep.as_millis()).unwrap_or(i64::MAX)
}

/// Whether this node can run or forget `record`'s file. On a one-process store a missing
/// file is this node's to report (the job fails saying so; forgetting just records it).
fn is_here(state: &AppState, record: &ImportRecord) -> bool {
    state.store.one_node() || file_path(&state.config.import_dir, record.id).exists()
}

/// Delete the uploaded files of imports that ended (or sat in preview) longer ago than
/// `Config::import_keep`; returns how many.
async fn forget_files(state: &AppState) -> Result<usize, ImportError> {
    let now = now_ms();
    let mut deleted = 0;
    for record in state
        .store
        .imports_past_keeping(now.saturating_sub(keep_ms(state)))
        .await?
    {
        if !is_here(state, &record) {
            continue;
        }
        // Recorded first: a preview being started now either starts first (and keeps its
        // file) or finds itself cancelled.
        if !state
            .store
            .forget_import_file(record.tenant, record.id, now)
            .await?
        {
            continue;
        }
        match tokio::fs::remove_file(file_path(&state.config.import_dir, record.id)).await {
            Ok(()) => deleted += 1,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error.into()),
        }
    }
    if deleted > 0 {
        tracing::info!(deleted, "deleted uploaded import files past keeping");
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_enters_a_runner_once_until_its_job_leaves() {
        let runner = Runner::new(std::time::Duration::from_secs(60));
        let id = ImportId::random();
        assert!(runner.enter(id));
        assert!(
            !runner.enter(id),
            "a second job for the same import is refused"
        );
        assert!(runner.running.lock().unwrap().contains(&id));
        runner.leave(id);
        assert!(runner.enter(id), "after the job ended it may run again");
    }
}
