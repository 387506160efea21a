//! The import store (portable statements, see `store`): the same SQL text on SQLite and
//! Postgres.

use sqlx::Row as _;
use sync_core::access::Viewer;
use sync_core::ids::{ContactId, MemberId, TenantId};
use uuid::Uuid;

use super::{Backend, Connection};
use crate::store::StoreError;
use crate::store::imports::{
    ImportId, ImportProgress, ImportRecord, ImportRow, ImportState, Lease, MatchRow, NewImport,
    import_columns, import_record,
};
use crate::store::sql::codec::uuid;

/// A row as this backend returns it.
type Row = <<Connection as sqlx::Connection>::Database as sqlx::Database>::Row;

/// An import from a row selected with [`import_columns`].
fn read(row: &Row) -> Result<ImportRecord, StoreError> {
    let text = |index: usize| row.try_get::<String, _>(index);
    let number = |index: usize| row.try_get::<i64, _>(index);
    import_record(ImportRow {
        tenant: row.try_get(0)?,
        id: row.try_get(1)?,
        member: row.try_get(2)?,
        text: [
            text(3)?,
            text(4)?,
            text(5)?,
            text(6)?,
            text(7)?,
            text(8)?,
            text(9)?,
            text(10)?,
        ],
        numbers: [
            number(11)?,
            number(12)?,
            number(13)?,
            number(14)?,
            number(15)?,
            number(16)?,
            number(17)?,
            number(18)?,
        ],
        started_ms: row.try_get(19)?,
        error: row.try_get(20)?,
        created_ms: row.try_get(21)?,
        updated_ms: row.try_get(22)?,
        finished_ms: row.try_get(23)?,
        file_deleted_ms: row.try_get(24)?,
    })
}

/// Every import of every tenant that `condition` (SQL over the imports' columns, `$1` the
/// time given) keeps, oldest first. No index: a handful of rows per company, read every half
/// lease.
async fn imports_where(
    store: &Backend,
    condition: &'static str,
    ms: i64,
) -> Result<Vec<ImportRecord>, StoreError> {
    let sql = format!(
        "SELECT {} FROM imports WHERE {condition} ORDER BY created_ms",
        import_columns!()
    );
    // The condition is one of this module's constants, never a value.
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ms)
        .fetch_all(store.reads())
        .await?
        .iter()
        .map(read)
        .collect()
}

/// A count as stored.
fn count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[async_trait::async_trait]
impl crate::store::imports::ImportStore for Backend {
    async fn create_import(
        &self,
        tenant: TenantId,
        new: &NewImport,
    ) -> Result<ImportRecord, StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO imports (tenant_id, id, member_id, file_name, format, encoding, \
             layout, columns, mapping, options, state, total, created_ms, updated_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
        )
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(new.id.as_bytes()))
        .bind(uuid(new.member.as_bytes()))
        .bind(&new.file_name)
        .bind(&new.format)
        .bind(&new.encoding)
        .bind(&new.layout)
        .bind(serde_json::to_string(&new.columns).expect("strings always serialise"))
        .bind(&new.mapping)
        .bind(&new.options)
        .bind(ImportState::Preview.as_str())
        .bind(count(new.total))
        .bind(new.now_ms)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            import_columns!(),
            " FROM imports WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(new.id.as_bytes()))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        read(&row)
    }

    async fn import(
        &self,
        tenant: TenantId,
        id: ImportId,
    ) -> Result<Option<ImportRecord>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            import_columns!(),
            " FROM imports WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(id.as_bytes()))
        .fetch_optional(self.reads())
        .await?
        .as_ref()
        .map(read)
        .transpose()
    }

    async fn imports_of(
        &self,
        tenant: TenantId,
        member: MemberId,
    ) -> Result<Vec<ImportRecord>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            import_columns!(),
            " FROM imports WHERE tenant_id = $1 AND member_id = $2 \
             ORDER BY created_ms DESC, id"
        ))
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(member.as_bytes()))
        .fetch_all(self.reads())
        .await?
        .iter()
        .map(read)
        .collect()
    }

    async fn set_import_setup(
        &self,
        tenant: TenantId,
        id: ImportId,
        mapping: &str,
        options: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let changed = sqlx::query(
            "UPDATE imports SET mapping = $3, options = $4, updated_ms = $5 \
             WHERE tenant_id = $1 AND id = $2 AND state = 'preview'",
        )
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(id.as_bytes()))
        .bind(mapping)
        .bind(options)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        tx.commit().await?;
        Ok(changed)
    }

    async fn start_import(
        &self,
        tenant: TenantId,
        id: ImportId,
        lease: Lease,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let started = sqlx::query(
            "UPDATE imports SET state = 'running', started_ms = $3, updated_ms = $3, \
             runner = $4, lease_until_ms = $5 \
             WHERE tenant_id = $1 AND id = $2 AND state = 'preview' AND file_deleted_ms IS NULL",
        )
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(id.as_bytes()))
        .bind(now_ms)
        .bind(lease.runner)
        .bind(now_ms.saturating_add(lease.ms))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        tx.commit().await?;
        Ok(started)
    }

    async fn record_import_progress(
        &self,
        tenant: TenantId,
        id: ImportId,
        progress: &ImportProgress,
        lease: Lease,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let counts = &progress.counts;
        // A batch that committed while the import was being cancelled is still counted (its
        // contacts are saved); a runner that lost its lease records nothing.
        let state: Option<String> = sqlx::query_scalar(
            "UPDATE imports SET done = $3, imported = $4, merged = $5, replaced = $6, \
             skipped = $7, failed = $8, position = $9, updated_ms = $10, lease_until_ms = $12 \
             WHERE tenant_id = $1 AND id = $2 AND state IN ('running', 'cancelled') \
             AND runner = $11 RETURNING state",
        )
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(id.as_bytes()))
        .bind(count(counts.done))
        .bind(count(counts.imported))
        .bind(count(counts.merged))
        .bind(count(counts.replaced))
        .bind(count(counts.skipped))
        .bind(count(counts.failed))
        .bind(count(progress.position))
        .bind(now_ms)
        .bind(lease.runner)
        .bind(now_ms.saturating_add(lease.ms))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(state) = state else {
            return Ok(false);
        };
        for (line, message) in &progress.failures {
            sqlx::query(
                "INSERT INTO import_failures (tenant_id, import_id, line, message) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(uuid(tenant.as_bytes()))
            .bind(uuid(id.as_bytes()))
            .bind(count(*line))
            .bind(message)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(state == ImportState::Running.as_str())
    }

    async fn finish_import(
        &self,
        tenant: TenantId,
        id: ImportId,
        state: ImportState,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        // Only a cancel may end an import still in preview.
        let sql = if state == ImportState::Cancelled {
            "UPDATE imports SET state = $3, error = $4, updated_ms = $5, finished_ms = $5 \
             WHERE tenant_id = $1 AND id = $2 AND state IN ('running', 'preview')"
        } else {
            "UPDATE imports SET state = $3, error = $4, updated_ms = $5, finished_ms = $5 \
             WHERE tenant_id = $1 AND id = $2 AND state = 'running'"
        };
        let mut tx = self.write().await?;
        let ended = sqlx::query(sql)
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(id.as_bytes()))
        .bind(state.as_str())
        .bind(error)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        tx.commit().await?;
        Ok(ended)
    }

    async fn orphaned_imports(
        &self,
        expired_by_ms: i64,
    ) -> Result<Vec<ImportRecord>, StoreError> {
        imports_where(
            self,
            "state = 'running' AND (lease_until_ms IS NULL OR lease_until_ms < $1)",
            expired_by_ms,
        )
        .await
    }

    async fn claim_import(
        &self,
        tenant: TenantId,
        id: ImportId,
        lease: Lease,
        expired_by_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        // One statement: of two nodes claiming together, the second finds the lease renewed.
        let claimed = sqlx::query(
            "UPDATE imports SET runner = $3, lease_until_ms = $4 \
             WHERE tenant_id = $1 AND id = $2 AND state = 'running' \
             AND (lease_until_ms IS NULL OR lease_until_ms < $5)",
        )
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(id.as_bytes()))
        .bind(lease.runner)
        .bind(now_ms.saturating_add(lease.ms))
        .bind(expired_by_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        tx.commit().await?;
        Ok(claimed)
    }

    async fn release_imports(&self, lease: Lease) -> Result<u64, StoreError> {
        let mut tx = self.write().await?;
        let released = sqlx::query(
            "UPDATE imports SET lease_until_ms = NULL WHERE runner = $1 AND state = 'running'",
        )
        .bind(lease.runner)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(released)
    }

    async fn imports_past_keeping(
        &self,
        before_ms: i64,
    ) -> Result<Vec<ImportRecord>, StoreError> {
        imports_where(
            self,
            "file_deleted_ms IS NULL AND (\
             (state IN ('done', 'failed', 'cancelled') AND finished_ms < $1) \
             OR (state = 'preview' AND updated_ms < $1))",
            before_ms,
        )
        .await
    }

    async fn forget_import_file(
        &self,
        tenant: TenantId,
        id: ImportId,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let forgotten = sqlx::query(
            "UPDATE imports SET file_deleted_ms = $3, updated_ms = $3, \
             finished_ms = coalesce(finished_ms, $3), \
             state = CASE WHEN state = 'preview' THEN 'cancelled' ELSE state END \
             WHERE tenant_id = $1 AND id = $2 AND state <> 'running' \
             AND file_deleted_ms IS NULL",
        )
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(id.as_bytes()))
        .bind(now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        tx.commit().await?;
        Ok(forgotten)
    }

    async fn import_failures(
        &self,
        tenant: TenantId,
        id: ImportId,
    ) -> Result<Vec<(u64, String)>, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT line, message FROM import_failures \
             WHERE tenant_id = $1 AND import_id = $2 ORDER BY line",
        )
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(id.as_bytes()))
        .fetch_all(self.reads())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(line, message)| (line.max(0) as u64, message))
            .collect())
    }

    async fn match_rows(
        &self,
        tenant: TenantId,
        viewer: &Viewer,
    ) -> Result<Vec<MatchRow>, StoreError> {
        // The caller's principals as access rows name them (see `portable/listing`):
        // everyone (nil), themselves, their groups and units.
        let mut principals = vec![Uuid::nil(), uuid(viewer.member.as_bytes())];
        principals.extend(viewer.groups.iter().map(|group| uuid(group.as_bytes())));
        principals.extend(viewer.units.iter().map(|unit| uuid(unit.as_bytes())));
        let placeholders: Vec<String> = (0..principals.len())
            .map(|index| format!("${}", index + 2))
            .collect();
        let sql = format!(
            "SELECT s.doc_id, s.emails, s.phones, s.handles FROM contact_search s \
             WHERE s.tenant_id = $1 AND s.trashed_at_ms IS NULL \
             AND EXISTS (SELECT 1 FROM contact_access a WHERE a.tenant_id = $1 \
             AND a.doc_id = s.doc_id AND a.principal IN ({}))",
            placeholders.join(", ")
        );
        // Only placeholders are put together here, never a value.
        let mut query = sqlx::query_as::<_, (Uuid, String, String, String)>(sqlx::AssertSqlSafe(sql))
            .bind(uuid(tenant.as_bytes()));
        for principal in principals {
            query = query.bind(principal);
        }
        let rows = query.fetch_all(self.reads()).await?;
        let lines = |text: &str, lower: bool| -> Vec<String> {
            text.lines()
                .filter(|line| !line.is_empty())
                .map(|line| {
                    if lower {
                        line.to_lowercase()
                    } else {
                        line.to_string()
                    }
                })
                .collect()
        };
        Ok(rows
            .into_iter()
            .map(|(doc, emails, phones, handles)| MatchRow {
                contact: ContactId::from_bytes(doc.into_bytes()),
                emails: lines(&emails, true),
                phones: lines(&phones, false),
                handles: lines(&handles, false),
            })
            .collect())
    }
}
