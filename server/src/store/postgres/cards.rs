//! Cards and blobs in Postgres: workers on every node claim with `FOR UPDATE SKIP LOCKED`, so
//! two never take one card and none waits on another's claim.

use async_trait::async_trait;
use sync_core::card::CardStatus;
use sync_core::ids::{CardId, ContactId, DeviceId, MemberId, TenantId};
use uuid::Uuid;

use super::PostgresStore;
use crate::store::StoreError;
use crate::store::cards::card_columns;
use crate::store::cards::{
    CardJob, CardOutcome, CardRecord, CardRow, CardStore, JobRow, NewCard, OutcomeColumns,
    card_job, card_record, status_name,
};
use crate::store::sql::codec::uuid;

#[async_trait]
impl CardStore for PostgresStore {
    async fn create_card(
        &self,
        tenant: TenantId,
        new: &NewCard,
    ) -> Result<(CardRecord, bool), StoreError> {
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO cards (tenant_id, id, member_id, device_id, status, front, back, \
             next_attempt_ms, created_ms, updated_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) \
             ON CONFLICT (tenant_id, id) DO NOTHING",
        )
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(new.card.as_bytes()))
        .bind(uuid(new.member.as_bytes()))
        .bind(uuid(new.device.as_bytes()))
        .bind(status_name(CardStatus::Queued))
        .bind(&new.front)
        .bind(new.back.as_deref())
        .bind(new.now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let row: CardRow = sqlx::query_as(concat!(
            "SELECT ",
            card_columns!(),
            " FROM cards WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(new.card.as_bytes()))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((card_record(row)?, inserted))
    }

    async fn card(&self, tenant: TenantId, card: CardId) -> Result<Option<CardRecord>, StoreError> {
        sqlx::query_as::<_, CardRow>(concat!(
            "SELECT ",
            card_columns!(),
            " FROM cards WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(card.as_bytes()))
        .fetch_optional(&self.pool)
        .await?
        .map(card_record)
        .transpose()
    }

    async fn cards_of(
        &self,
        tenant: TenantId,
        member: MemberId,
    ) -> Result<Vec<CardRecord>, StoreError> {
        sqlx::query_as::<_, CardRow>(concat!(
            "SELECT ",
            card_columns!(),
            " FROM cards WHERE tenant_id = $1 AND member_id = $2 ORDER BY created_ms DESC, id"
        ))
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(member.as_bytes()))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(card_record)
        .collect()
    }

    async fn cards_to_review(
        &self,
        tenant: TenantId,
        device: DeviceId,
    ) -> Result<Vec<CardRecord>, StoreError> {
        sqlx::query_as::<_, CardRow>(concat!(
            "SELECT ",
            card_columns!(),
            " FROM cards WHERE tenant_id = $1 AND device_id = $2 \
             AND status IN ('ready', 'failed') ORDER BY created_ms, id"
        ))
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(device.as_bytes()))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(card_record)
        .collect()
    }

    async fn claim_card(&self, now_ms: i64, lease_ms: i64) -> Result<Option<CardJob>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<JobRow> = sqlx::query_as(
            "UPDATE cards SET status = 'reading', attempts = attempts + 1, \
             lease_until_ms = $1 + $2, updated_ms = $1 \
             WHERE (tenant_id, id) = (SELECT tenant_id, id FROM cards \
                 WHERE (status = 'queued' AND next_attempt_ms <= $1) \
                    OR (status = 'reading' AND lease_until_ms < $1) \
                 ORDER BY next_attempt_ms LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING tenant_id, id, member_id, device_id, front, back, attempts",
        )
        .bind(now_ms)
        .bind(lease_ms)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        row.map(card_job).transpose()
    }

    async fn finish_card(
        &self,
        job: &CardJob,
        outcome: &CardOutcome,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let columns = OutcomeColumns::of(outcome);
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE cards SET status = $1, reading = $2, error_code = $3, error_message = $4, \
             next_attempt_ms = COALESCE($5, next_attempt_ms), lease_until_ms = NULL, \
             updated_ms = $6, \
             front = CASE WHEN $1 = 'queued' THEN front END, \
             back = CASE WHEN $1 = 'queued' THEN back END \
             WHERE tenant_id = $7 AND id = $8 AND status = 'reading' AND attempts = $9",
        )
        .bind(columns.status)
        .bind(columns.reading)
        .bind(columns.error_code)
        .bind(columns.error_message)
        .bind(columns.next_attempt_ms)
        .bind(now_ms)
        .bind(uuid(job.tenant.as_bytes()))
        .bind(uuid(job.card.as_bytes()))
        .bind(i64::from(job.attempts))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if updated && !matches!(outcome, CardOutcome::Retry { .. }) {
            // The scanning device may be connected to another node.
            super::notify::announce_card(&mut tx, self.node, job.tenant, job.device, job.card)
                .await?;
        }
        if updated && let CardOutcome::Read { blobs, .. } = outcome {
            for blob in blobs {
                sqlx::query(
                    "INSERT INTO blobs (tenant_id, sha256, mime, data, created_ms) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, sha256) DO NOTHING",
                )
                .bind(uuid(job.tenant.as_bytes()))
                .bind(&blob.sha256)
                .bind(&blob.mime)
                .bind(&blob.data)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(updated)
    }

    async fn card_done(
        &self,
        tenant: TenantId,
        member: MemberId,
        card: CardId,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let found = sqlx::query(
            "UPDATE cards SET status = CASE WHEN status IN ('ready', 'failed', 'done') \
             THEN 'done' ELSE status END, updated_ms = $1 \
             WHERE tenant_id = $2 AND member_id = $3 AND id = $4",
        )
        .bind(now_ms)
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(member.as_bytes()))
        .bind(uuid(card.as_bytes()))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        tx.commit().await?;
        Ok(found)
    }

    async fn blob(
        &self,
        tenant: TenantId,
        sha256: &str,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT mime, data FROM blobs WHERE tenant_id = $1 AND sha256 = $2")
                .bind(uuid(tenant.as_bytes()))
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn contacts_sharing(
        &self,
        tenant: TenantId,
        emails: &[String],
        phones: &[String],
    ) -> Result<Vec<ContactId>, StoreError> {
        let mut found = Vec::new();
        // The projection holds one value a line; wrapping both sides in newlines matches
        // whole values only.
        let by_email = "SELECT doc_id FROM contact_search WHERE tenant_id = $1 \
             AND strpos(E'\\n' || lower(emails) || E'\\n', E'\\n' || lower($2) || E'\\n') > 0 \
             LIMIT 20";
        let by_phone = "SELECT doc_id FROM contact_search WHERE tenant_id = $1 \
             AND strpos(E'\\n' || phones || E'\\n', E'\\n' || $2 || E'\\n') > 0 LIMIT 20";
        for (query, values) in [(by_email, emails), (by_phone, phones)] {
            for value in values {
                let ids: Vec<(Uuid,)> = sqlx::query_as(query)
                    .bind(uuid(tenant.as_bytes()))
                    .bind(value)
                    .fetch_all(&self.pool)
                    .await?;
                found.extend(
                    ids.into_iter()
                        .map(|(id,)| ContactId::from_bytes(id.into_bytes())),
                );
            }
        }
        found.sort();
        found.dedup();
        Ok(found)
    }
}
