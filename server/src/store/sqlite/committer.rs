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
use rusqlite::types::ToSql;
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, TransactionBehavior, params, params_from_iter,
};
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

/// What the committing thread is asked to do, and where its answer goes.
enum Job {
    /// Commit a group of pushes.
    Commit {
        tenant: TenantId,
        pushes: Arc<[Push]>,
        reply: oneshot::Sender<Result<Outcomes, StoreError>>,
    },
    /// Write the search terms left out of the commits of the contacts `first..=last`.
    IndexTerms {
        tenant: TenantId,
        first: ContactId,
        last: ContactId,
        reply: oneshot::Sender<Result<u64, StoreError>>,
    },
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
        // Copying the WAL back into the database is left to a thread of its own, beside
        // this one: done in the committing thread after a large group (SQLite's automatic
        // checkpoint) it took as long as writing the group had.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let checkpointing = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        checkpointing.busy_timeout(BUSY_TIMEOUT)?;
        let (nudge, nudges) = mpsc::sync_channel(1);
        let (jobs, queue) = mpsc::channel();
        let spawn_error = |error| StoreError::Database(sqlx::Error::Io(error));
        std::thread::Builder::new()
            .name("rolo-sqlite-ckpt".into())
            .spawn(move || checkpoint(&checkpointing, &nudges))
            .map_err(spawn_error)?;
        std::thread::Builder::new()
            .name("rolo-sqlite-commit".into())
            .spawn(move || serve(conn, &cache, &queue, &nudge))
            .map_err(spawn_error)?;
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
            .send(Job::Commit {
                tenant,
                pushes,
                reply,
            })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

impl Committer {
    /// Write the terms an import's commits left out (see `Store::index_deferred_terms`), on
    /// the committing thread, between two groups.
    pub(super) async fn index_deferred_terms(
        &self,
        tenant: TenantId,
        first: ContactId,
        last: ContactId,
    ) -> Result<u64, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::IndexTerms {
                tenant,
                first,
                last,
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
    // The statements of a commit, the multi-row inserts among them, stay prepared.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// The least time between two checkpoints: each ends with an fsync of the database, and a
/// busy tenant commits far more often than that.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// The checkpointing thread: after commits (nudged, at most every [`CHECKPOINT_EVERY`]) it
/// copies what the WAL holds back into the database, without blocking the committing thread
/// (`PASSIVE`), so the next commits start the WAL over instead of growing it. It ends with
/// the committing thread.
fn checkpoint(conn: &Connection, nudges: &mpsc::Receiver<()>) {
    while nudges.recv().is_ok() {
        if let Err(error) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(%error, "checkpointing the SQLite WAL");
        }
        std::thread::sleep(CHECKPOINT_EVERY);
    }
}

/// The thread: each group in its own transaction, until the committer is dropped.
fn serve(
    mut conn: Connection,
    cache: &DocCache,
    queue: &mpsc::Receiver<Job>,
    checkpoint: &mpsc::SyncSender<()>,
) {
    for job in queue {
        // A panic deciding a group is a bug; its transaction rolls back as it unwinds, the
        // group is answered with an error, and later groups still commit.
        match job {
            Job::Commit {
                tenant,
                pushes,
                reply,
            } => {
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    commit_group(&mut conn, cache, tenant, &pushes)
                }))
                .unwrap_or_else(|_| {
                    tracing::error!(%tenant, "committing a group panicked");
                    Err(stopped())
                });
                // The devices may have gone; what committed stays committed.
                let _ = reply.send(outcome);
            }
            Job::IndexTerms {
                tenant,
                first,
                last,
                reply,
            } => {
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    index_terms(&mut conn, tenant, first, last)
                }))
                .unwrap_or_else(|_| {
                    tracing::error!(%tenant, "writing deferred search terms panicked");
                    Err(stopped())
                });
                let _ = reply.send(outcome);
            }
        }
        // Full means a checkpoint is due already.
        let _ = checkpoint.try_send(());
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
    // Foreign keys checked at commit rather than after each statement: a statement that may
    // fail a check midway keeps a journal of every page it touches, to undo itself, and the
    // multi-row inserts below touch thousands. A broken reference still fails the commit.
    transaction.pragma_update(None, "defer_foreign_keys", "ON")?;
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

/// Write the search terms of the contacts `first..=last` that their commits left out
/// (`DocWrite::index_later`), from their `contact_search` rows, sorted by term.
///
/// SQLite's WAL holds whole pages, and the term index is ordered by term: a thousand new
/// contacts' 30,000 terms land on nearly every page of it, so each commit of an import's batch
/// wrote the whole index into the WAL again (120 MB a commit once the company held 100,000
/// contacts). Written here, the terms of many batches visit each page once. One transaction:
/// the rows read are those written, so a contact changed meanwhile cannot get a stale term.
fn index_terms(
    conn: &mut Connection,
    tenant: TenantId,
    first: ContactId,
    last: ContactId,
) -> Result<u64, StoreError> {
    let transaction = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let tenant_id = &tenant.as_bytes()[..];
    let rows = transaction
        .prepare_cached(
            "SELECT doc_id, terms, sort_name FROM contact_search \
             WHERE tenant_id = ?1 AND doc_id BETWEEN ?2 AND ?3",
        )?
        .query_map(
            params![tenant_id, &first.as_bytes()[..], &last.as_bytes()[..]],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?
        .collect::<Result<Vec<(Vec<u8>, String, String)>, _>>()?;
    // Each term with the index of its row (a few million of them at most: kept small).
    let mut terms: Vec<(&str, u32)> = rows
        .iter()
        .zip(0u32..)
        .flat_map(|((_, terms, _), row)| projection::term_lines(terms).map(move |term| (term, row)))
        .collect();
    terms.sort_unstable_by(|a, b| (a.0, &rows[a.1 as usize].0).cmp(&(b.0, &rows[b.1 as usize].0)));
    // Bound a statement's worth of values at a time rather than the whole list's.
    for chunk in terms.chunks(ROWS_PER_INSERT * 64) {
        let mut values: Vec<&dyn ToSql> = Vec::with_capacity(chunk.len() * 3);
        for (term, row) in chunk {
            let (doc, _, sort_name) = &rows[*row as usize];
            values.extend([term as &dyn ToSql, doc, sort_name]);
        }
        insert_rows(
            &transaction,
            "search_terms (tenant_id, term, doc_id, sort_name)",
            Existing::Ignore,
            tenant_id,
            3,
            &values,
        )?;
    }
    transaction.commit()?;
    Ok(terms.len() as u64)
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

/// At most this many rows go in one multi-row `INSERT`: binding, stepping and resetting a
/// statement cost as much as the B-tree insert it makes, and a new contact has some forty
/// side rows (search terms above all). Far below SQLite's 32,766 parameters.
const ROWS_PER_INSERT: usize = 128;

/// Write what a group decided, inside its transaction.
///
/// Each contact's own rows go in as it comes; the rows beside them (search terms, tags, who
/// may see it, changes, feed) are gathered across the group and inserted in key order, many
/// to a statement: an import's batch of a thousand contacts carries some 30,000 search terms,
/// and in key order each page of their index is visited once rather than once per contact.
fn write_plan(
    conn: &Connection,
    tenant: TenantId,
    head: u64,
    plan: &CommitPlan,
) -> Result<(), StoreError> {
    let tenant_id = &tenant.as_bytes()[..];
    let mut side = SideRows::default();
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
                fields.handles,
            ])?;
            side.gather(write);
            if write.refs_changed {
                commit_refs(conn, tenant, write)?;
            }
        }
    }
    side.write(conn, tenant_id)?;
    let mut values: Vec<&dyn ToSql> = Vec::with_capacity(plan.changes.len() * 3);
    for change in &plan.changes {
        values.extend([
            change.doc.as_bytes() as &dyn ToSql,
            &change.hash,
            &change.bytes,
        ]);
    }
    insert_rows(
        conn,
        "changes (tenant_id, doc_id, hash, bytes)",
        Existing::Ignore,
        tenant_id,
        3,
        &values,
    )?;
    let seqs: Vec<i64> = plan
        .rows
        .iter()
        .map(|row| codec::seq_to_sql(row.seq))
        .collect();
    let mut values: Vec<&dyn ToSql> = Vec::with_capacity(plan.rows.len() * 3);
    for (row, seq) in plan.rows.iter().zip(&seqs) {
        values.extend([seq as &dyn ToSql, row.doc.as_bytes(), &row.kind]);
    }
    // A seq taken twice is a bug to fail on, never a row to skip.
    insert_rows(
        conn,
        "feed (tenant_id, seq, doc_id, kind)",
        Existing::Fail,
        tenant_id,
        3,
        &values,
    )?;
    if plan.head != head {
        conn.prepare_cached("UPDATE tenants SET last_seq = ?1 WHERE id = ?2")?
            .execute(params![codec::seq_to_sql(plan.head), tenant_id])?;
    }
    Ok(())
}

/// The rows a group's committed contacts keep beside their columns, where they changed:
/// search terms, tags, and (for a new contact) who may see it.
#[derive(Default)]
struct SideRows<'a> {
    /// Terms to forget: (term, contact).
    old_terms: Vec<(&'a str, &'a [u8])>,
    /// Terms to record: (term, contact, its sort name).
    new_terms: Vec<(&'a str, &'a [u8], &'a str)>,
    /// Tags to forget and to record: (tag, contact).
    old_tags: Vec<(&'a str, &'a [u8])>,
    new_tags: Vec<(&'a str, &'a [u8])>,
    /// Who may see each new contact: (contact, principal).
    access: Vec<(&'a [u8], Uuid)>,
}

impl<'a> SideRows<'a> {
    fn gather(&mut self, write: &'a DocWrite) {
        let doc = &write.doc.as_bytes()[..];
        // Left for `index_deferred_terms`: a new contact has no term rows to change.
        if !write.index_later {
            let (removed, added) = if write.resorts_terms() {
                // The sort name is part of a term row's key (migration 0011): under a new one
                // every row goes and comes back.
                write.term_rewrite()
            } else {
                write.term_changes()
            };
            self.old_terms
                .extend(removed.into_iter().map(|term| (term, doc)));
            let sort_name = write.search.sort_name.as_str();
            self.new_terms
                .extend(added.into_iter().map(|term| (term, doc, sort_name)));
        }
        let (removed, added) = write.tag_changes();
        self.old_tags
            .extend(removed.into_iter().map(|tag| (tag, doc)));
        self.new_tags
            .extend(added.into_iter().map(|tag| (tag, doc)));
        if write.created {
            self.access.extend(
                codec::principals(&write.meta)
                    .into_iter()
                    .map(|principal| (doc, principal)),
            );
        }
    }

    fn write(mut self, conn: &Connection, tenant_id: &[u8]) -> Result<(), StoreError> {
        for (rows, delete) in [
            (&self.old_terms, projection::DELETE_TERM),
            (&self.old_tags, projection::DELETE_TAG),
        ] {
            if !rows.is_empty() {
                let mut delete = conn.prepare_cached(delete)?;
                for (value, doc) in rows {
                    delete.execute(params![tenant_id, value, doc])?;
                }
            }
        }
        self.new_terms.sort_unstable();
        let mut values: Vec<&dyn ToSql> = Vec::with_capacity(self.new_terms.len() * 3);
        for (term, doc, sort_name) in &self.new_terms {
            values.extend([term as &dyn ToSql, doc, sort_name]);
        }
        insert_rows(
            conn,
            "search_terms (tenant_id, term, doc_id, sort_name)",
            Existing::Ignore,
            tenant_id,
            3,
            &values,
        )?;
        self.new_tags.sort_unstable();
        let mut values: Vec<&dyn ToSql> = Vec::with_capacity(self.new_tags.len() * 2);
        for (tag, doc) in &self.new_tags {
            values.extend([tag as &dyn ToSql, doc]);
        }
        insert_rows(
            conn,
            "contact_tags (tenant_id, tag, doc_id)",
            Existing::Ignore,
            tenant_id,
            2,
            &values,
        )?;
        let principals: Vec<(&[u8], &[u8])> = self
            .access
            .iter()
            .map(|(doc, principal)| (*doc, &principal.as_bytes()[..]))
            .collect();
        let mut values: Vec<&dyn ToSql> = Vec::with_capacity(principals.len() * 2);
        for (doc, principal) in &principals {
            values.extend([doc as &dyn ToSql, principal]);
        }
        insert_rows(
            conn,
            "contact_access (tenant_id, doc_id, principal)",
            Existing::Ignore,
            tenant_id,
            2,
            &values,
        )
    }
}

/// What [`insert_rows`] does with a row whose key is already stored.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Existing {
    /// Skip it (`INSERT OR IGNORE`: a change stored twice, a term kept). As `ON CONFLICT DO
    /// NOTHING` would, and unlike it no constraint can then abort the statement midway, so
    /// SQLite keeps no statement journal of the pages it touches. (None of these columns is
    /// ever bound to NULL, the other thing `OR IGNORE` skips.)
    Ignore,
    /// Fail the statement.
    Fail,
}

/// Insert rows into `into` (a table and its columns), the tenant as `?1` and then `width`
/// values a row from `values`, [`ROWS_PER_INSERT`] rows a statement.
fn insert_rows(
    conn: &Connection,
    into: &str,
    existing: Existing,
    tenant_id: &[u8],
    width: usize,
    values: &[&dyn ToSql],
) -> Result<(), StoreError> {
    for chunk in values.chunks(width * ROWS_PER_INSERT) {
        let rows = chunk.len() / width;
        let mut sql = String::from(match existing {
            Existing::Ignore => "INSERT OR IGNORE INTO ",
            Existing::Fail => "INSERT INTO ",
        });
        sql.push_str(into);
        sql.push_str(" VALUES ");
        let mut next = 2;
        for row in 0..rows {
            sql.push_str(if row == 0 { "(?1" } else { ", (?1" });
            for _ in 0..width {
                sql.push_str(&format!(", ?{next}"));
                next += 1;
            }
            sql.push(')');
        }
        let params = params_from_iter(
            std::iter::once(&tenant_id as &dyn ToSql).chain(chunk.iter().copied()),
        );
        // Full statements recur batch after batch; a shorter last one is prepared once.
        if rows == ROWS_PER_INSERT {
            conn.prepare_cached(&sql)?.execute(params)?;
        } else {
            conn.prepare(&sql)?.execute(params)?;
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
