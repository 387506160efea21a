//! Pushes in Postgres: they arrive in groups (`sql::group_commit`), one transaction per
//! group, which locks the tenant row first (`FOR UPDATE`), allocates seqs from it, writes
//! every table with one statement (`UNNEST` of arrays) whatever the group's size, and
//! releases the lock by committing.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use sqlx::{PgConnection, PgPool};
use sync_core::access::Viewer;
use sync_core::ids::{ContactId, TenantId};
use sync_core::wire::DocMeta;
use uuid::Uuid;

use super::notify;
use crate::store::StoreError;
use crate::store::sql;
use crate::store::sql::cache::{DocCache, DocSource};
use crate::store::sql::codec::{self, uuid};
use crate::store::sql::group_commit::{self, GroupWriter, Outcomes, Push};
use crate::store::sql::plan::{CommitContext, CommitPlan, DocWrite, NewRow, Stored};
use crate::store::sql::projection::Projection;

/// Move the tenant's head and tell the other nodes as node `node`, both taking effect at
/// commit.
async fn announce_head(
    conn: &mut PgConnection,
    node: Uuid,
    tenant: TenantId,
    head: u64,
) -> Result<(), StoreError> {
    super::contacts::set_head(&mut *conn, tenant, head).await?;
    notify::announce(conn, node, tenant, head).await
}

type MetaRow = (
    Uuid,
    Uuid,
    Vec<u8>,
    i64,
    bool,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// A contact's metadata, `last_seq`, whether purged, the image hashes it held at its last
/// commit (`None`: not known yet) and its stored search terms and tags.
type StoredMeta = (
    DocMeta,
    u64,
    bool,
    Option<Vec<String>>,
    Option<(String, String)>,
);

/// Take the tenant's lock for the rest of the transaction; its head and phone region.
async fn lock_tenant(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<(u64, String), StoreError> {
    let (head, region): (i64, String) =
        sqlx::query_as("SELECT last_seq, region FROM tenants WHERE id = $1 FOR UPDATE")
            .bind(uuid(tenant.as_bytes()))
            .fetch_optional(conn)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("tenant {tenant}"),
            })?;
    Ok((codec::seq_from_sql(head)?, region))
}

/// The stored state of these contacts (see [`StoredMeta`]).
async fn stored_metas(
    conn: &mut PgConnection,
    tenant: TenantId,
    docs: &[Uuid],
) -> Result<HashMap<ContactId, StoredMeta>, StoreError> {
    let rows: Vec<MetaRow> = sqlx::query_as(
        "SELECT d.id, d.owner, d.visibility, d.last_seq, d.purged, d.blobs, s.terms, s.tags \
         FROM documents d LEFT JOIN contact_search s \
         ON s.tenant_id = d.tenant_id AND s.doc_id = d.id \
         WHERE d.tenant_id = $1 AND d.id = ANY($2)",
    )
    .bind(uuid(tenant.as_bytes()))
    .bind(docs)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(
            |(id, owner, visibility, last_seq, purged, held, terms, tags)| {
                Ok((
                    ContactId::from_bytes(id.into_bytes()),
                    (
                        codec::decode_meta(owner, &visibility)?,
                        codec::seq_from_sql(last_seq)?,
                        purged,
                        sql::blobs::decode(held.as_deref()),
                        terms.zip(tags),
                    ),
                ))
            },
        )
        .collect()
}

/// Saved bytes of these contacts, each with the `last_seq` that labels them.
async fn saved_docs(
    conn: &mut PgConnection,
    tenant: TenantId,
    docs: &[Uuid],
) -> Result<HashMap<ContactId, (Vec<u8>, u64)>, StoreError> {
    if docs.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, Vec<u8>, i64)> = sqlx::query_as(
        "SELECT id, snapshot, last_seq FROM documents WHERE tenant_id = $1 AND id = ANY($2)",
    )
    .bind(uuid(tenant.as_bytes()))
    .bind(docs)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, snapshot, last_seq)| {
            Ok((
                ContactId::from_bytes(id.into_bytes()),
                (snapshot, codec::seq_from_sql(last_seq)?),
            ))
        })
        .collect()
}

/// Commits groups of pushes for [`PostgresStore`]'s group commit: what a transaction needs,
/// owned, since the group's task outlives any one caller.
pub(super) struct Committer {
    pub(super) pool: PgPool,
    pub(super) cache: Arc<DocCache>,
    pub(super) node: Uuid,
    /// Longest a group's transaction may take before its connection is given up as stuck.
    pub(super) transaction_bound: std::time::Duration,
}

#[async_trait]
impl GroupWriter for Committer {
    async fn commit_group(
        &self,
        tenant: TenantId,
        pushes: Arc<[Push]>,
    ) -> Result<Outcomes, StoreError> {
        let mut conn = self.pool.acquire().await?;
        match tokio::time::timeout(
            self.transaction_bound,
            self.commit_on(&mut conn, tenant, pushes),
        )
        .await
        {
            Ok(outcome) => outcome,
            Err(_) => {
                // The connection hangs (a silent network, a stuck peer): it must not go back to
                // the pool, and the session it leaves behind still holds the tenant's lock
                // until Postgres ends it. End it now, so the company's next push goes through.
                drop(conn.detach());
                end_stuck_sessions(&self.pool, self.transaction_bound / 2).await;
                Err(StoreError::Timeout {
                    what: format!("a commit for tenant {tenant}"),
                })
            }
        }
    }
}

/// End Rolo's sessions that have sat idle inside a transaction for longer than `idle`: ours
/// run their statements back to back, so one idle that long belongs to a connection this node
/// (or another) gave up on. Postgres would end them itself (`idle_in_transaction_session_
/// timeout`), later.
async fn end_stuck_sessions(pool: &PgPool, idle: std::time::Duration) {
    let ended = sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = $1 \
         AND state = 'idle in transaction' AND state_change < now() - make_interval(secs => $2) \
         AND pid <> pg_backend_pid()) AS ended",
    )
    .bind(super::APPLICATION_NAME)
    .bind(idle.as_secs_f64())
    .fetch_one(pool)
    .await;
    match ended {
        Ok(count) => tracing::warn!(count, "ended database sessions stuck in a transaction"),
        Err(error) => tracing::warn!(%error, "could not end stuck database sessions"),
    }
}

impl Committer {
    async fn commit_on(
        &self,
        conn: &mut PgConnection,
        tenant: TenantId,
        pushes: Arc<[Push]>,
    ) -> Result<Outcomes, StoreError> {
        let mut tx = sqlx::Connection::begin(conn).await?;
        let (head, region) = lock_tenant(&mut tx, tenant).await?;
        let ids: Vec<Uuid> = group_commit::group_docs(&pushes)
            .iter()
            .map(|doc| uuid(doc.as_bytes()))
            .collect();
        let metas = stored_metas(&mut tx, tenant, &ids).await?;
        let mut stored = HashMap::with_capacity(metas.len());
        let mut misses = Vec::new();
        for (doc, (meta, last_seq, purged, held, projected)) in metas {
            if purged {
                stored.insert(doc, Stored::Purged);
            } else if let Some(cached) = self.cache.get(tenant, doc, last_seq) {
                let doc_source = DocSource::Cached(cached);
                stored.insert(
                    doc,
                    Stored::Live {
                        meta,
                        last_seq,
                        doc: doc_source,
                        blobs: held,
                        projected,
                    },
                );
            } else {
                misses.push((doc, meta, held, projected));
            }
        }
        let wanted: Vec<Uuid> = misses
            .iter()
            .map(|(doc, ..)| uuid(doc.as_bytes()))
            .collect();
        let mut saved = saved_docs(&mut tx, tenant, &wanted).await?;
        for (doc, meta, held, projected) in misses {
            let (snapshot, last_seq) = saved
                .remove(&doc)
                .ok_or_else(|| StoreError::Corrupt(format!("contact {doc} vanished under lock")))?;
            stored.insert(
                doc,
                Stored::Live {
                    meta,
                    last_seq,
                    doc: DocSource::Saved(snapshot),
                    blobs: held,
                    projected,
                },
            );
        }
        let context = CommitContext {
            region,
            now_ms: crate::state::now_ms(),
        };
        let (outcomes, plan) = group_commit::decide_group(context, head, &pushes, stored).await;
        write_plan(&mut tx, tenant, &plan).await?;
        if plan.head != head {
            announce_head(&mut tx, self.node, tenant, plan.head).await?;
        }
        tx.commit().await?;
        self.cache.remember(tenant, &plan);
        Ok(outcomes)
    }
}

/// Write a push's rows: one statement per table, whatever the number of contacts.
async fn write_plan(
    conn: &mut PgConnection,
    tenant: TenantId,
    plan: &CommitPlan,
) -> Result<(), StoreError> {
    let tenant_id = uuid(tenant.as_bytes());
    if !plan.writes.is_empty() {
        let ids: Vec<Uuid> = plan.writes.iter().map(|w| uuid(w.doc.as_bytes())).collect();
        let owners: Vec<Uuid> = plan
            .writes
            .iter()
            .map(|w| uuid(w.meta.owner.as_bytes()))
            .collect();
        let visibilities: Vec<Vec<u8>> = plan
            .writes
            .iter()
            .map(|w| codec::encode_visibility(&w.meta.visibility))
            .collect();
        let snapshots: Vec<&[u8]> = plan.writes.iter().map(|w| w.snapshot.as_slice()).collect();
        let heads: Vec<&[u8]> = plan.writes.iter().map(|w| w.heads.as_slice()).collect();
        let seqs: Vec<i64> = plan
            .writes
            .iter()
            .map(|w| codec::seq_to_sql(w.last_seq))
            .collect();
        let held: Vec<String> = plan
            .writes
            .iter()
            .map(|w| sql::blobs::encode(&w.blobs))
            .collect();
        sqlx::query(
            "INSERT INTO documents \
             (tenant_id, id, owner, visibility, snapshot, heads, last_seq, blobs) \
             SELECT $1, * FROM UNNEST($2::uuid[], $3::uuid[], $4::bytea[], $5::bytea[], \
             $6::bytea[], $7::bigint[], $8::text[]) \
             ON CONFLICT (tenant_id, id) DO UPDATE SET snapshot = EXCLUDED.snapshot, \
             heads = EXCLUDED.heads, last_seq = EXCLUDED.last_seq, blobs = EXCLUDED.blobs, \
             updated_at = now()",
        )
        .bind(tenant_id)
        .bind(&ids)
        .bind(&owners)
        .bind(&visibilities)
        .bind(&snapshots)
        .bind(&heads)
        .bind(&seqs)
        .bind(&held)
        .execute(&mut *conn)
        .await?;
        // Rare (a commit that changes a contact's images): a few statements per contact.
        for write in plan.writes.iter().filter(|w| w.refs_changed) {
            commit_refs(conn, tenant, write.doc, &write.by, &write.blobs).await?;
        }
        let column = |field: fn(&Projection) -> &String| -> Vec<&str> {
            plan.writes
                .iter()
                .map(|w| field(&w.search).as_str())
                .collect()
        };
        let levels: Vec<Option<&str>> = plan
            .writes
            .iter()
            .map(|w| w.search.level.as_deref())
            .collect();
        let archived: Vec<bool> = plan.writes.iter().map(|w| w.search.archived).collect();
        let trashed: Vec<Option<i64>> =
            plan.writes.iter().map(|w| w.search.trashed_at_ms).collect();
        let changed: Vec<i64> = plan.writes.iter().map(|w| w.search.changed_ms).collect();
        sqlx::query(
            "INSERT INTO contact_search \
             (tenant_id, doc_id, display_name, emails, phones, companies, tags, sort_name, \
             contact_type, level, archived, trashed_at_ms, changed_ms, terms, handles) \
             SELECT $1, * FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::text[], \
             $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bool[], \
             $12::bigint[], $13::bigint[], $14::text[], $15::text[]) \
             ON CONFLICT (tenant_id, doc_id) DO UPDATE SET display_name = EXCLUDED.display_name, \
             emails = EXCLUDED.emails, phones = EXCLUDED.phones, \
             companies = EXCLUDED.companies, tags = EXCLUDED.tags, \
             sort_name = EXCLUDED.sort_name, contact_type = EXCLUDED.contact_type, \
             level = EXCLUDED.level, archived = EXCLUDED.archived, \
             trashed_at_ms = EXCLUDED.trashed_at_ms, changed_ms = EXCLUDED.changed_ms, \
             terms = EXCLUDED.terms, handles = EXCLUDED.handles",
        )
        .bind(tenant_id)
        .bind(&ids)
        .bind(column(|s| &s.display_name))
        .bind(column(|s| &s.emails))
        .bind(column(|s| &s.phones))
        .bind(column(|s| &s.companies))
        .bind(column(|s| &s.tags))
        .bind(column(|s| &s.sort_name))
        .bind(column(|s| &s.contact_type))
        .bind(&levels)
        .bind(&archived)
        .bind(&trashed)
        .bind(&changed)
        .bind(column(|s| &s.terms))
        .bind(column(|s| &s.handles))
        .execute(&mut *conn)
        .await?;
        write_projection_rows(conn, tenant, &plan.writes).await?;
    }
    if !plan.changes.is_empty() {
        let docs: Vec<Uuid> = plan
            .changes
            .iter()
            .map(|c| uuid(c.doc.as_bytes()))
            .collect();
        let hashes: Vec<&[u8]> = plan.changes.iter().map(|c| c.hash.as_slice()).collect();
        let bytes: Vec<&[u8]> = plan.changes.iter().map(|c| c.bytes.as_slice()).collect();
        sqlx::query(
            "INSERT INTO changes (tenant_id, doc_id, hash, bytes) \
             SELECT $1, * FROM UNNEST($2::uuid[], $3::bytea[], $4::bytea[]) \
             ON CONFLICT DO NOTHING",
        )
        .bind(tenant_id)
        .bind(&docs)
        .bind(&hashes)
        .bind(&bytes)
        .execute(&mut *conn)
        .await?;
    }
    insert_rows(conn, tenant, &plan.rows).await
}

/// Append feed rows with one statement.
pub(super) async fn insert_rows(
    conn: &mut PgConnection,
    tenant: TenantId,
    rows: &[NewRow],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let seqs: Vec<i64> = rows.iter().map(|r| codec::seq_to_sql(r.seq)).collect();
    let docs: Vec<Uuid> = rows.iter().map(|r| uuid(r.doc.as_bytes())).collect();
    let kinds: Vec<&[u8]> = rows.iter().map(|r| r.kind.as_slice()).collect();
    sqlx::query(
        "INSERT INTO feed (tenant_id, seq, doc_id, kind) \
         SELECT $1, * FROM UNNEST($2::bigint[], $3::uuid[], $4::bytea[])",
    )
    .bind(uuid(tenant.as_bytes()))
    .bind(&seqs)
    .bind(&docs)
    .bind(&kinds)
    .execute(conn)
    .await?;
    Ok(())
}

/// Bring a committed contact's refs to `held`, the hashes it now holds, in the push's
/// transaction: `by` pushed the change, and a hash it adds is recorded only if they may
/// fetch the image already (see `sql::blobs`). The SQLite committer does the same on its
/// own connection.
async fn commit_refs(
    conn: &mut PgConnection,
    tenant: TenantId,
    doc: ContactId,
    by: &Viewer,
    held: &[String],
) -> Result<(), StoreError> {
    let holder = uuid(doc.as_bytes());
    let recorded = super::blobs::release(&mut *conn, tenant, holder, sql::blobs::CONTACT).await?;
    let change = sql::blobs::RefChange::between(recorded, held);
    super::blobs::hold(
        &mut *conn,
        tenant,
        holder,
        sql::blobs::CONTACT,
        &change.kept,
    )
    .await?;
    for hash in &change.added {
        if super::blobs::may_fetch(&mut *conn, tenant, by, hash).await? {
            super::blobs::hold(
                &mut *conn,
                tenant,
                holder,
                sql::blobs::CONTACT,
                std::slice::from_ref(hash),
            )
            .await?;
        }
    }
    super::blobs::collect(&mut *conn, tenant, &change.dropped).await
}

/// The rows the committed contacts' projections keep beside their columns, where they
/// changed: search terms, tags, and (for new contacts) who may see them. One statement per
/// kind of row, whatever the number of contacts.
async fn write_projection_rows(
    conn: &mut PgConnection,
    tenant: TenantId,
    writes: &[DocWrite],
) -> Result<(), StoreError> {
    let tenant_id = uuid(tenant.as_bytes());
    // Every change of every contact of the group, as (value, contact) columns.
    let columns = |changes: fn(&DocWrite) -> (Vec<&str>, Vec<&str>), added: bool| {
        writes
            .iter()
            .flat_map(|w| {
                let (removed, inserted) = changes(w);
                let values = if added { inserted } else { removed };
                values
                    .into_iter()
                    .map(move |value| (value, uuid(w.doc.as_bytes())))
            })
            .unzip::<_, _, Vec<&str>, Vec<Uuid>>()
    };
    for (delete, insert, changes) in [
        (
            "DELETE FROM search_terms WHERE (tenant_id, term, doc_id) IN \
             (SELECT $1, * FROM UNNEST($2::text[], $3::uuid[]))",
            // Each with its contact's sort name, from the row written above.
            "INSERT INTO search_terms (tenant_id, term, doc_id, sort_name) \
             SELECT $1, u.term, u.doc, s.sort_name \
             FROM UNNEST($2::text[], $3::uuid[]) AS u (term, doc), contact_search s \
             WHERE s.tenant_id = $1 AND s.doc_id = u.doc ON CONFLICT DO NOTHING",
            DocWrite::term_changes as fn(&DocWrite) -> (Vec<&str>, Vec<&str>),
        ),
        (
            "DELETE FROM contact_tags WHERE (tenant_id, tag, doc_id) IN \
             (SELECT $1, * FROM UNNEST($2::text[], $3::uuid[]))",
            "INSERT INTO contact_tags (tenant_id, tag, doc_id) \
             SELECT $1, * FROM UNNEST($2::text[], $3::uuid[]) ON CONFLICT DO NOTHING",
            DocWrite::tag_changes,
        ),
    ] {
        for (statement, added) in [(delete, false), (insert, true)] {
            let (values, owners) = columns(changes, added);
            if values.is_empty() {
                continue;
            }
            sqlx::query(statement)
                .bind(tenant_id)
                .bind(&values)
                .bind(&owners)
                .execute(&mut *conn)
                .await?;
        }
    }
    let resorted: Vec<Uuid> = writes
        .iter()
        .filter(|w| w.resorts_terms())
        .map(|w| uuid(w.doc.as_bytes()))
        .collect();
    if !resorted.is_empty() {
        // The kept terms of contacts whose sort name may have changed (through the terms'
        // index by contact, which SQLite's table lacks: there, such a contact's rows are all
        // rewritten).
        sqlx::query(
            "UPDATE search_terms t SET sort_name = s.sort_name FROM contact_search s \
             WHERE t.tenant_id = $1 AND t.doc_id = ANY($2) \
             AND s.tenant_id = t.tenant_id AND s.doc_id = t.doc_id AND t.sort_name <> s.sort_name",
        )
        .bind(tenant_id)
        .bind(&resorted)
        .execute(&mut *conn)
        .await?;
    }
    let (docs, principals): (Vec<Uuid>, Vec<Uuid>) = writes
        .iter()
        .filter(|w| w.created)
        .flat_map(|w| {
            codec::principals(&w.meta)
                .into_iter()
                .map(move |principal| (uuid(w.doc.as_bytes()), principal))
        })
        .unzip();
    if !docs.is_empty() {
        sqlx::query(
            "INSERT INTO contact_access (tenant_id, doc_id, principal) \
             SELECT $1, * FROM UNNEST($2::uuid[], $3::uuid[]) ON CONFLICT DO NOTHING",
        )
        .bind(tenant_id)
        .bind(&docs)
        .bind(&principals)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
