//! Pushes, repairs, visibility changes and purges in SQLite: each write one `BEGIN IMMEDIATE`
//! transaction, so the write lock orders seqs (see the module page of `sqlite`); pushes
//! arrive in groups (`sql::group_commit`), one transaction per group.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, Sqlite, SqliteConnection, SqlitePool};
use sync_core::ids::{ContactId, MemberId, TenantId};
use sync_core::wire::DocMeta;
use uuid::Uuid;

use super::SqliteStore;
use super::batch::Script;
use crate::store::StoreError;
use crate::store::sql;
use crate::store::sql::cache::{DocCache, DocSource};
use crate::store::sql::codec::{self, uuid};
use crate::store::sql::group_commit::{self, GroupWriter, Outcomes, Push};
use crate::store::sql::plan::{self, CommitPlan, NewRow, Stored};

fn not_found(tenant: TenantId) -> StoreError {
    StoreError::NotFound {
        what: format!("tenant {tenant}"),
    }
}

pub(super) async fn head(store: &SqliteStore, tenant: TenantId) -> Result<u64, StoreError> {
    let mut conn = store.reader.acquire().await?;
    tenant_head(&mut conn, tenant).await
}

pub(super) async fn tenant_head(
    conn: &mut SqliteConnection,
    tenant: TenantId,
) -> Result<u64, StoreError> {
    let head: i64 = sqlx::query_scalar("SELECT last_seq FROM tenants WHERE id = ?1")
        .bind(uuid(tenant.as_bytes()))
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| not_found(tenant))?;
    codec::seq_from_sql(head)
}

pub(super) async fn set_head(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    head: u64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE tenants SET last_seq = ?2 WHERE id = ?1")
        .bind(uuid(tenant.as_bytes()))
        .bind(codec::seq_to_sql(head))
        .execute(conn)
        .await?;
    Ok(())
}

/// A contact's metadata, `last_seq` and whether it was purged.
pub(super) async fn stored_meta(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    doc: ContactId,
) -> Result<Option<(DocMeta, u64, bool)>, StoreError> {
    let row: Option<(Uuid, Vec<u8>, i64, bool)> = sqlx::query_as(
        "SELECT owner, visibility, last_seq, purged FROM documents \
         WHERE tenant_id = ?1 AND id = ?2",
    )
    .bind(uuid(tenant.as_bytes()))
    .bind(uuid(doc.as_bytes()))
    .fetch_optional(conn)
    .await?;
    row.map(|(owner, visibility, last_seq, purged)| {
        Ok((
            codec::decode_meta(owner, &visibility)?,
            codec::seq_from_sql(last_seq)?,
            purged,
        ))
    })
    .transpose()
}

/// The document as of `last_seq`: cached, or its saved bytes with the `last_seq` read beside
/// them (never a `last_seq` read apart from the bytes it labels).
async fn doc_source(
    conn: &mut SqliteConnection,
    cache: &DocCache,
    tenant: TenantId,
    doc: ContactId,
    last_seq: u64,
) -> Result<(DocSource, u64), StoreError> {
    if let Some(cached) = cache.get(tenant, doc, last_seq) {
        return Ok((DocSource::Cached(cached), last_seq));
    }
    let (snapshot, last_seq): (Vec<u8>, i64) =
        sqlx::query_as("SELECT snapshot, last_seq FROM documents WHERE tenant_id = ?1 AND id = ?2")
            .bind(uuid(tenant.as_bytes()))
            .bind(uuid(doc.as_bytes()))
            .fetch_one(conn)
            .await?;
    Ok((DocSource::Saved(snapshot), codec::seq_from_sql(last_seq)?))
}

/// Commits groups of pushes for [`SqliteStore`]'s group commit: what a transaction needs,
/// owned, since the group's task outlives any one caller.
pub(super) struct Committer {
    /// The store's one-connection writer pool.
    pub(super) writer: SqlitePool,
    pub(super) cache: Arc<DocCache>,
}

#[async_trait]
impl GroupWriter for Committer {
    async fn commit_group(
        &self,
        tenant: TenantId,
        pushes: &[Push],
    ) -> Result<Outcomes, StoreError> {
        let mut conn = self.writer.acquire().await?;
        let mut transaction = OpenTransaction {
            conn: &mut conn,
            settled: false,
        };
        let result = commit_in(&mut transaction, &self.cache, tenant, pushes).await;
        if result.is_err() {
            transaction.roll_back().await;
        }
        transaction.settled = true;
        let (outcomes, plan) = result?;
        remember(&self.cache, tenant, &plan);
        Ok(outcomes)
    }
}

/// A group's transaction, begun by its first query and committed by its last: sqlx's own
/// transactions send `BEGIN` and `COMMIT` as statements of their own and wait for the worker
/// thread to confirm each, two more round trips between threads per group than the reads and
/// writes need.
async fn commit_in(
    transaction: &mut OpenTransaction<'_>,
    cache: &DocCache,
    tenant: TenantId,
    pushes: &[Push],
) -> Result<(Outcomes, CommitPlan), StoreError> {
    let conn = &mut **transaction.conn;
    let docs = group_commit::group_docs(pushes);
    let (head, stored) = head_and_stored(conn, cache, tenant, &docs).await?;
    let (outcomes, plan) = group_commit::decide_group(head, pushes, stored).await;
    write_plan(conn, tenant, head, &plan).await?;
    Ok((outcomes, plan))
}

/// The writer connection while a group's transaction may be open on it. Settled once the
/// transaction committed or was rolled back; a group abandoned half-way (a panic, a runtime
/// shutting down) closes the connection instead of handing the pool one that is still inside
/// a transaction, and SQLite rolls back what it had not committed.
struct OpenTransaction<'c> {
    conn: &'c mut PoolConnection<Sqlite>,
    settled: bool,
}

impl OpenTransaction<'_> {
    /// Undo whatever the failed group began, if it began anything.
    async fn roll_back(&mut self) {
        match sqlx::query("ROLLBACK").execute(&mut **self.conn).await {
            Ok(_) => {}
            // The failure came before `BEGIN` took effect, or SQLite already rolled back.
            Err(sqlx::Error::Database(error))
                if error.message().contains("no transaction is active") => {}
            Err(error) => {
                tracing::warn!(%error, "rolling back a failed commit; closing its connection");
                self.conn.close_on_drop();
            }
        }
    }
}

impl Drop for OpenTransaction<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.conn.close_on_drop();
        }
    }
}

/// Contacts named in one query: far below SQLite's limit on bound values.
const DOCS_PER_QUERY: usize = 500;

/// `count` numbered placeholders from `?{first}` on, comma-separated, for an `IN` list.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|number| format!("?{number}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A contact's row as a commit reads it: id, owner, visibility, `last_seq`, purged.
type MetaRow = (Uuid, Uuid, Vec<u8>, i64, bool);

/// Begin the group's transaction and read the tenant's head and each of `docs` as stored
/// (`docs` lacks the new contacts), in as few queries as a commit can: the head and the
/// metadata together, then the saved bytes of those not cached, together. Every query is a
/// round trip to sqlx's worker thread.
async fn head_and_stored(
    conn: &mut SqliteConnection,
    cache: &DocCache,
    tenant: TenantId,
    docs: &[ContactId],
) -> Result<(u64, HashMap<ContactId, Stored>), StoreError> {
    let tenant_id = uuid(tenant.as_bytes());
    let mut head = None;
    let mut metas: Vec<MetaRow> = Vec::new();
    // At least one query, for the head, even for a group that names no contact.
    let mut chunks: Vec<&[ContactId]> = docs.chunks(DOCS_PER_QUERY).collect();
    if chunks.is_empty() {
        chunks.push(&[]);
    }
    for (number, chunk) in chunks.into_iter().enumerate() {
        // The first query opens the transaction: `BEGIN IMMEDIATE` takes the write lock
        // before the first read (see the `sqlite` module). Then the tenant row joined to the
        // contacts it has among `chunk`: one row with NULL contact columns when it has none,
        // no row when the tenant is unknown.
        let sql = format!(
            "{}SELECT t.last_seq, d.id, d.owner, d.visibility, d.last_seq, d.purged \
             FROM tenants t LEFT JOIN documents d \
             ON d.tenant_id = t.id AND d.id IN ({}) WHERE t.id = ?1",
            if number == 0 {
                "BEGIN IMMEDIATE;\n"
            } else {
                ""
            },
            placeholders(2, chunk.len())
        );
        let mut query = sqlx::query_as::<_, HeadAndMeta>(AssertSqlSafe(sql)).bind(tenant_id);
        for doc in chunk {
            query = query.bind(uuid(doc.as_bytes()));
        }
        let rows = query.fetch_all(&mut *conn).await?;
        if rows.is_empty() {
            return Err(not_found(tenant));
        }
        for (last_seq, id, owner, visibility, doc_seq, purged) in rows {
            head = Some(last_seq);
            if let (Some(id), Some(owner), Some(visibility), Some(doc_seq), Some(purged)) =
                (id, owner, visibility, doc_seq, purged)
            {
                metas.push((id, owner, visibility, doc_seq, purged));
            }
        }
    }
    let head = codec::seq_from_sql(head.ok_or_else(|| not_found(tenant))?)?;
    let mut stored = HashMap::with_capacity(metas.len());
    let mut uncached = Vec::new();
    for (id, owner, visibility, last_seq, purged) in metas {
        let doc = ContactId::from_bytes(id.into_bytes());
        if purged {
            stored.insert(doc, Stored::Purged);
            continue;
        }
        let meta = codec::decode_meta(owner, &visibility)?;
        let last_seq = codec::seq_from_sql(last_seq)?;
        match cache.get(tenant, doc, last_seq) {
            Some(cached) => {
                stored.insert(
                    doc,
                    Stored::Live {
                        meta,
                        last_seq,
                        doc: DocSource::Cached(cached),
                    },
                );
            }
            None => uncached.push((doc, meta)),
        }
    }
    for chunk in uncached.chunks(DOCS_PER_QUERY) {
        // The saved bytes with the `last_seq` read beside them (never a `last_seq` read apart
        // from the bytes it labels).
        let sql = format!(
            "SELECT id, snapshot, last_seq FROM documents WHERE tenant_id = ?1 AND id IN ({})",
            placeholders(2, chunk.len())
        );
        let mut query =
            sqlx::query_as::<_, (Uuid, Vec<u8>, i64)>(AssertSqlSafe(sql)).bind(tenant_id);
        for (doc, _) in chunk {
            query = query.bind(uuid(doc.as_bytes()));
        }
        let mut saved: HashMap<ContactId, (Vec<u8>, i64)> = query
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|(id, snapshot, last_seq)| {
                (ContactId::from_bytes(id.into_bytes()), (snapshot, last_seq))
            })
            .collect();
        for (doc, meta) in chunk {
            let (snapshot, last_seq) = saved.remove(doc).ok_or_else(|| {
                StoreError::Corrupt(format!("contact {doc} vanished inside a transaction"))
            })?;
            stored.insert(
                *doc,
                Stored::Live {
                    meta: meta.clone(),
                    last_seq: codec::seq_from_sql(last_seq)?,
                    doc: DocSource::Saved(snapshot),
                },
            );
        }
    }
    Ok((head, stored))
}

/// The tenant's head, and one of the contacts asked for (all `None` if it has none).
type HeadAndMeta = (
    i64,
    Option<Uuid>,
    Option<Uuid>,
    Option<Vec<u8>>,
    Option<i64>,
    Option<bool>,
);

/// Cache what the push loaded and wrote, now that it is committed.
fn remember(cache: &DocCache, tenant: TenantId, plan: &CommitPlan) {
    for (doc, last_seq, loaded) in &plan.opened {
        cache.put(tenant, *doc, *last_seq, Arc::clone(loaded));
    }
    for write in &plan.writes {
        cache.put(tenant, write.doc, write.last_seq, Arc::clone(&write.loaded));
    }
}

/// Write what a group decided and commit its transaction: every statement in one script
/// (see `batch`).
async fn write_plan(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    head: u64,
    plan: &CommitPlan,
) -> Result<(), StoreError> {
    let tenant_id = uuid(tenant.as_bytes());
    let mut script = Script::default();
    for write in &plan.writes {
        script
            .add(
                conn,
                "INSERT INTO documents \
                 (tenant_id, id, owner, visibility, snapshot, heads, last_seq) \
                 VALUES (?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (tenant_id, id) DO UPDATE SET snapshot = excluded.snapshot, \
                 heads = excluded.heads, last_seq = excluded.last_seq, updated_at = unixepoch()",
                |values| {
                    values
                        .bind(tenant_id)
                        .bind(uuid(write.doc.as_bytes()))
                        .bind(uuid(write.meta.owner.as_bytes()))
                        .bind(codec::encode_visibility(&write.meta.visibility))
                        .bind(write.snapshot.as_slice())
                        .bind(write.heads.as_slice())
                        .bind(codec::seq_to_sql(write.last_seq));
                },
            )
            .await?;
        let search = &write.search;
        script
            .add(
                conn,
                "INSERT INTO contact_search \
                 (tenant_id, doc_id, display_name, emails, phones, companies, tags) \
                 VALUES (?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (tenant_id, doc_id) DO UPDATE SET \
                 display_name = excluded.display_name, emails = excluded.emails, \
                 phones = excluded.phones, companies = excluded.companies, tags = excluded.tags",
                |values| {
                    values
                        .bind(tenant_id)
                        .bind(uuid(write.doc.as_bytes()))
                        .bind(search.display_name.as_str())
                        .bind(search.emails.as_str())
                        .bind(search.phones.as_str())
                        .bind(search.companies.as_str())
                        .bind(search.tags.as_str());
                },
            )
            .await?;
    }
    for change in &plan.changes {
        script
            .add(
                conn,
                "INSERT INTO changes (tenant_id, doc_id, hash, bytes) VALUES (?, ?, ?, ?) \
                 ON CONFLICT DO NOTHING",
                |values| {
                    values
                        .bind(tenant_id)
                        .bind(uuid(change.doc.as_bytes()))
                        .bind(change.hash.as_slice())
                        .bind(change.bytes.as_slice());
                },
            )
            .await?;
    }
    for row in &plan.rows {
        script
            .add(
                conn,
                "INSERT INTO feed (tenant_id, seq, doc_id, kind) VALUES (?, ?, ?, ?)",
                |values| {
                    values
                        .bind(tenant_id)
                        .bind(codec::seq_to_sql(row.seq))
                        .bind(uuid(row.doc.as_bytes()))
                        .bind(row.kind.as_slice());
                },
            )
            .await?;
    }
    if plan.head != head {
        script
            .add(
                conn,
                "UPDATE tenants SET last_seq = ? WHERE id = ?",
                |values| {
                    values.bind(codec::seq_to_sql(plan.head)).bind(tenant_id);
                },
            )
            .await?;
    }
    // The group's transaction ends with its last write: SQLite runs no statement of a script
    // after one that failed, so a failed write never reaches the `COMMIT`.
    script.add(conn, "COMMIT", |_| {}).await?;
    script.run(conn).await
}

pub(super) async fn insert_rows(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    rows: &[NewRow],
) -> Result<(), StoreError> {
    for row in rows {
        sqlx::query("INSERT INTO feed (tenant_id, seq, doc_id, kind) VALUES (?1, ?2, ?3, ?4)")
            .bind(uuid(tenant.as_bytes()))
            .bind(codec::seq_to_sql(row.seq))
            .bind(uuid(row.doc.as_bytes()))
            .bind(row.kind.as_slice())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub(super) async fn repair(
    store: &SqliteStore,
    tenant: TenantId,
    member: MemberId,
    doc: ContactId,
    message: &[u8],
) -> Result<Option<Vec<u8>>, StoreError> {
    let mut conn = store.reader.acquire().await?;
    let Some((meta, last_seq, false)) = stored_meta(&mut conn, tenant, doc).await? else {
        return Ok(None);
    };
    if !meta.visible_to(member) {
        return Ok(None);
    }
    let (source, last_seq) = doc_source(&mut conn, &store.cache, tenant, doc, last_seq).await?;
    drop(conn);
    let message = message.to_vec();
    let repaired = sql::off_thread(move || plan::repair(doc, source, &message)).await?;
    if let Some(loaded) = repaired.loaded {
        store.cache.put(tenant, doc, last_seq, loaded);
    }
    Ok(repaired.reply)
}

pub(super) async fn doc_meta(
    store: &SqliteStore,
    tenant: TenantId,
    doc: ContactId,
) -> Result<Option<DocMeta>, StoreError> {
    let mut conn = store.reader.acquire().await?;
    Ok(match stored_meta(&mut conn, tenant, doc).await? {
        Some((meta, _, false)) => Some(meta),
        _ => None,
    })
}
