//! The SQLite group committer: one connection of its own, driven on a thread of its own.
//!
//! sqlx runs each SQLite connection on a worker thread and answers every statement, and every
//! row, with a message to the async task waiting on it; its pool pings a connection each time
//! it is handed back. At 1,000 pushes a second that came to about fifteen thread wake-ups per
//! push and a third of the server's CPU in the kernel, parking and waking threads, with the
//! SQL itself a tenth. Here a group of pushes is one message to this thread and one answer
//! back: the thread begins the transaction, reads what it needs, decides the group, writes it
//! and commits without leaving itself. Deciding is CPU work (loading and applying Automerge
//! changes), and this thread is no async worker, so it happens here too.
//!
//! The connection is a second writer beside the store's sqlx writer pool (accounts, devices,
//! visibility, purges). Both begin every write with `BEGIN IMMEDIATE`, so neither ever has to
//! upgrade a read lock: one waits for the other's write lock (the busy timeout) and seqs stay
//! in commit order.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use sync_core::access::Viewer;
use sync_core::ids::{ContactId, TenantId};
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::store::StoreError;
use crate::store::sql::blobs::{self, RefChange};
use crate::store::sql::cache::{DocCache, DocSource};
use crate::store::sql::codec;
use crate::store::sql::group_commit::{self, GroupWriter, Outcomes, Push};
use crate::store::sql::plan::{CommitContext, CommitPlan, DocWrite, Stored};
use crate::store::sql::projection;

/// How long a commit waits for the write lock another connection holds (the sqlx writer, a
/// backup, an admin's sqlite3 shell) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A group to commit and where its answer goes.
struct Job {
    tenant: TenantId,
    pushes: Arc<[Push]>,
    reply: oneshot::Sender<Result<Outcomes, StoreError>>,
}

/// Hands groups of pushes to the committing thread. The thread ends, closing its connection,
/// when the committer is dropped.
pub(super) struct Committer {
    jobs: mpsc::Sender<Job>,
}

impl Committer {
    /// Open a connection to the database file at `path` (created and migrated by the store's
    /// sqlx pools) and start the thread that commits through it.
    pub(super) fn start(path: &Path, cache: Arc<DocCache>) -> Result<Self, StoreError> {
        let conn = open(path)?;
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("rolo-sqlite-commit".into())
            .spawn(move || serve(conn, &cache, &queue))
            .map_err(|error| StoreError::Database(sqlx::Error::Io(error)))?;
        Ok(Self { jobs })
    }
}

#[async_trait]
impl GroupWriter for Committer {
    async fn commit_group(
        &self,
        tenant: TenantId,
        pushes: Arc<[Push]>,
    ) -> Result<Outcomes, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job {
                tenant,
                pushes,
                reply,
            })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Database(sqlx::Error::WorkerCrashed)
}

/// The connection, with what every connection of the store sets (see `SqliteStore::open`).
fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // An ack promises the edit is on disk: the WAL is synced at every commit.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Each insert that may fail a constraint midway (most of ours: foreign keys, upserts)
    // keeps a statement journal of the pages it touches, and with temporary files on disk
    // each one spilled to a file in /var/tmp: an import of 30,000 rows wrote 14 GB there,
    // two syscalls a page, most of the committing thread's time. In memory they are a copy.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // A group of a thousand new contacts (an import's batch, a big push) touches pages of
    // every index of the projection; with SQLite's default 2 MB page cache they spilled into
    // the WAL mid-transaction and were read back from the kernel, which took most of the
    // committing thread's time (`perf`: kernel copies on this thread's pwrite/pread). 32 MiB
    // keeps a batch's pages in memory.
    conn.pragma_update(None, "cache_size", -32 * 1024)?;
    Ok(conn)
}

/// The thread: each group in its own transaction, until the committer is dropped.
fn serve(mut conn: Connection, cache: &DocCache, queue: &mpsc::Receiver<Job>) {
    for job in queue {
        // A panic deciding a group is a bug; its transaction rolls back as it unwinds, the
        // group is answered with an error, and later groups still commit.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            commit_group(&mut conn, cache, job.tenant, &job.pushes)
        }))
        .unwrap_or_else(|_| {
            tracing::error!(tenant = %job.tenant, "committing a group panicked");
            Err(stopped())
        });
        // The devices may have gone; what committed stays committed.
        let _ = job.reply.send(outcome);
    }
}

/// Commit `pushes` in one transaction (see [`GroupWriter::commit_group`]). Returning early
/// drops the transaction, which rolls it back.
fn commit_group(
    conn: &mut Connection,
    cache: &DocCache,
    tenant: TenantId,
    pushes: &[Push],
) -> Result<Outcomes, StoreError> {
    // `BEGIN IMMEDIATE` takes the write lock before the first read (see the `sqlite` module).
    let transaction = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (head, region) = tenant_head(&transaction, tenant)?;
    let stored = stored_docs(
        &transaction,
        cache,
        tenant,
        &group_commit::group_docs(pushes),
    )?;
    let context = CommitContext {
        region,
        now_ms: crate::state::now_ms(),
    };
    let (outcomes, plan) = group_commit::plan_group(&context, head, pushes, stored);
    write_plan(&transaction, tenant, head, &plan)?;
    transaction.commit()?;
    cache.remember(tenant, &plan);
    Ok(outcomes)
}

/// The tenant's head and phone region.
fn tenant_head(conn: &Connection, tenant: TenantId) -> Result<(u64, String), StoreError> {
    let row: Option<(i64, String)> = conn
        .prepare_cached("SELECT last_seq, region FROM tenants WHERE id = ?1")?
        .query_row([&tenant.as_bytes()[..]], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let (head, region) = row.ok_or_else(|| StoreError::NotFound {
        what: format!("tenant {tenant}"),
    })?;
    Ok((codec::seq_from_sql(head)?, region))
}

/// A contact's owner, visibility, `last_seq`, tombstone, image hashes and stored search
/// terms and tags, as selected.
type MetaRow = (
    Vec<u8>,
    Vec<u8>,
    i64,
    bool,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Each of `docs` as stored (new contacts are absent): from the cache when it holds the
/// version stored, else its saved bytes. The transaction holds the write lock, so nothing
/// changes between reading a contact's metadata and its bytes.
fn stored_docs(
    conn: &Connection,
    cache: &DocCache,
    tenant: TenantId,
    docs: &[ContactId],
) -> Result<std::collections::HashMap<ContactId, Stored>, StoreError> {
    let mut metas = conn.prepare_cached(
        "SELECT d.owner, d.visibility, d.last_seq, d.purged, d.blobs, s.terms, s.tags \
         FROM documents d LEFT JOIN contact_search s \
         ON s.tenant_id = d.tenant_id AND s.doc_id = d.id \
         WHERE d.tenant_id = ?1 AND d.id = ?2",
    )?;
    let mut snapshots =
        conn.prepare_cached("SELECT snapshot FROM documents WHERE tenant_id = ?1 AND id = ?2")?;
    let mut stored = std::collections::HashMap::with_capacity(docs.len());
    for doc in docs {
        let key = (&tenant.as_bytes()[..], &doc.as_bytes()[..]);
        let row: Option<MetaRow> = metas
            .query_row(key, |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                    row.get(6)?,
                ))
            })
            .optional()?;
        let Some((owner, visibility, last_seq, purged, blobs, terms, tags)) = row else {
            continue;
        };
        if purged {
            stored.insert(*doc, Stored::Purged);
            continue;
        }
        let owner = Uuid::from_slice(&owner)
            .map_err(|error| StoreError::Corrupt(format!("owner of contact {doc}: {error}")))?;
        let meta = codec::decode_meta(owner, &visibility)?;
        let last_seq = codec::seq_from_sql(last_seq)?;
        let source = match cache.get(tenant, *doc, last_seq) {
            Some(cached) => DocSource::Cached(cached),
            None => DocSource::Saved(snapshots.query_row(key, |row| row.get(0))?),
        };
        stored.insert(
            *doc,
            Stored::Live {
                meta,
                last_seq,
                doc: source,
                blobs: blobs::decode(blobs.as_deref()),
                projected: terms.zip(tags),
            },
        );
    }
    Ok(stored)
}

/// Write what a group decided, inside its transaction.
fn write_plan(
    conn: &Connection,
    tenant: TenantId,
    head: u64,
    plan: &CommitPlan,
) -> Result<(), StoreError> {
    let tenant_id = &tenant.as_bytes()[..];
    if !plan.writes.is_empty() {
        let mut documents = conn.prepare_cached(
            "INSERT INTO documents \
             (tenant_id, id, owner, visibility, snapshot, heads, last_seq, blobs) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (tenant_id, id) DO UPDATE SET snapshot = excluded.snapshot, \
             heads = excluded.heads, last_seq = excluded.last_seq, blobs = excluded.blobs, \
             updated_at = unixepoch()",
        )?;
        let mut search = conn.prepare_cached(projection::UPSERT)?;
        for write in &plan.writes {
            documents.execute(params![
                tenant_id,
                &write.doc.as_bytes()[..],
                &write.meta.owner.as_bytes()[..],
                codec::encode_visibility(&write.meta.visibility),
                write.snapshot,
                write.heads,
                codec::seq_to_sql(write.last_seq),
                blobs::encode(&write.blobs),
            ])?;
            let fields = &write.search;
            search.execute(params![
                tenant_id,
                &write.doc.as_bytes()[..],
                fields.display_name,
                fields.emails,
                fields.phones,
                fields.companies,
                fields.tags,
                fields.sort_name,
                fields.contact_type,
                fields.level,
                fields.archived,
                fields.trashed_at_ms,
                fields.changed_ms,
                fields.terms,
            ])?;
            write_projection_rows(conn, tenant, write)?;
            if write.refs_changed {
                commit_refs(conn, tenant, write)?;
            }
        }
    }
    if !plan.changes.is_empty() {
        let mut changes = conn.prepare_cached(
            "INSERT INTO changes (tenant_id, doc_id, hash, bytes) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT DO NOTHING",
        )?;
        for change in &plan.changes {
            changes.execute(params![
                tenant_id,
                &change.doc.as_bytes()[..],
                &change.hash[..],
                change.bytes,
            ])?;
        }
    }
    if !plan.rows.is_empty() {
        let mut feed = conn.prepare_cached(
            "INSERT INTO feed (tenant_id, seq, doc_id, kind) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for row in &plan.rows {
            feed.execute(params![
                tenant_id,
                codec::seq_to_sql(row.seq),
                &row.doc.as_bytes()[..],
                row.kind,
            ])?;
        }
    }
    if plan.head != head {
        conn.prepare_cached("UPDATE tenants SET last_seq = ?1 WHERE id = ?2")?
            .execute(params![codec::seq_to_sql(plan.head), tenant_id])?;
    }
    Ok(())
}

/// The rows a committed contact's projection keeps beside its columns, where they changed:
/// search terms, tags, and (for a new contact) who may see it.
fn write_projection_rows(
    conn: &Connection,
    tenant: TenantId,
    write: &DocWrite,
) -> Result<(), StoreError> {
    let tenant_id = &tenant.as_bytes()[..];
    let doc = &write.doc.as_bytes()[..];
    for ((removed, added), delete, insert) in [
        (
            write.term_changes(),
            projection::DELETE_TERM,
            projection::INSERT_TERM,
        ),
        (
            write.tag_changes(),
            projection::DELETE_TAG,
            projection::INSERT_TAG,
        ),
    ] {
        if !removed.is_empty() {
            let mut delete = conn.prepare_cached(delete)?;
            for value in removed {
                delete.execute(params![tenant_id, value, doc])?;
            }
        }
        if !added.is_empty() {
            let mut insert = conn.prepare_cached(insert)?;
            for value in added {
                insert.execute(params![tenant_id, value, doc])?;
            }
        }
    }
    if write.resorts_terms() {
        conn.prepare_cached(projection::RESORT_TERMS)?
            .execute(params![tenant_id, doc])?;
    }
    if write.created {
        let mut insert = conn.prepare_cached(projection::INSERT_ACCESS)?;
        for principal in codec::principals(&write.meta) {
            insert.execute(params![tenant_id, doc, &principal.as_bytes()[..]])?;
        }
    }
    Ok(())
}

/// Bring a committed contact's refs to the hashes it holds, as `commit_refs` of
/// `sql::blobs` does on sqlx connections (the same statements, on this thread's connection).
fn commit_refs(conn: &Connection, tenant: TenantId, write: &DocWrite) -> Result<(), StoreError> {
    let tenant_id = &tenant.as_bytes()[..];
    let holder = &write.doc.as_bytes()[..];
    let recorded = conn
        .prepare_cached(blobs::RELEASE)?
        .query_map(params![tenant_id, holder, blobs::CONTACT], |row| row.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    let change = RefChange::between(recorded, &write.blobs);
    let mut hold = conn.prepare_cached(blobs::HOLD)?;
    for hash in &change.kept {
        hold.execute(params![tenant_id, hash, blobs::CONTACT, holder])?;
    }
    for hash in &change.added {
        if may_fetch(conn, tenant, &write.by, hash)? {
            hold.execute(params![tenant_id, hash, blobs::CONTACT, holder])?;
        }
    }
    let mut collect = conn.prepare_cached(blobs::COLLECT)?;
    for hash in &change.dropped {
        collect.execute(params![tenant_id, hash])?;
    }
    Ok(())
}

/// Whether `viewer` may fetch the image `sha256` (see `sql::blobs::may_fetch`).
fn may_fetch(
    conn: &Connection,
    tenant: TenantId,
    viewer: &Viewer,
    sha256: &str,
) -> Result<bool, StoreError> {
    let id = |bytes: Option<Vec<u8>>| -> Result<Option<Uuid>, StoreError> {
        bytes
            .map(|bytes| {
                Uuid::from_slice(&bytes).map_err(|error| {
                    StoreError::Corrupt(format!("an id of image {sha256}: {error}"))
                })
            })
            .transpose()
    };
    let rows = conn
        .prepare_cached(blobs::HOLDERS)?
        .query_map(params![&tenant.as_bytes()[..], sha256], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Option<Vec<u8>>>(1)?,
                row.get::<_, Option<Vec<u8>>>(2)?,
                row.get::<_, Option<Vec<u8>>>(3)?,
                row.get::<_, Option<bool>>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let holders = rows
        .into_iter()
        .map(|(kind, scanner, owner, visibility, purged)| {
            Ok((kind, id(scanner)?, id(owner)?, visibility, purged))
        })
        .collect::<Result<Vec<blobs::HolderRow>, StoreError>>()?;
    blobs::may_fetch(viewer, holders)
}
