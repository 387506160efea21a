//! The card store (portable statements, see `store`): the same SQL text on
//! SQLite and Postgres except the claim, which only Postgres can make with `SKIP LOCKED`
//! (each backend's `CLAIM_CARD`), and what a finished reading announces
//! (`announce_card_read`: other nodes may hold the scanning device's connection).

use sync_core::card::CardStatus;
use sync_core::ids::{CardId, ContactId, DeviceId, MemberId, TenantId};
use uuid::Uuid;

use super::Backend;
use crate::store::StoreError;
use crate::store::cards::{
    CardJob, CardOutcome, CardRecord, CardRow, JobRow, NewCard, OutcomeColumns, card_columns,
    card_job, card_record, status_name,
};
use crate::store::sql::codec::uuid;

#[async_trait::async_trait]
impl crate::store::cards::CardStore for Backend {
    async fn create_card(
        &self,
        tenant: TenantId,
        new: &NewCard,
    ) -> Result<(CardRecord, bool), StoreError> {
        let mut tx = self.write().await?;
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
        .fetch_optional(self.reads())
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
        .fetch_all(self.reads())
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
        .fetch_all(self.reads())
        .await?
        .into_iter()
        .map(card_record)
        .collect()
    }

    async fn claim_card(&self, now_ms: i64, lease_ms: i64) -> Result<Option<CardJob>, StoreError> {
        let mut tx = self.write().await?;
        let row: Option<JobRow> = sqlx::query_as(super::CLAIM_CARD)
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
        let mut tx = self.write().await?;
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
            self.announce_card_read(&mut tx, job).await?;
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
            // The scanning member may fetch their card's images while the card is kept.
            let hashes: Vec<String> = blobs.iter().map(|blob| blob.sha256.clone()).collect();
            super::blobs::hold(
                &mut tx,
                job.tenant,
                uuid(job.card.as_bytes()),
                crate::store::sql::blobs::CARD,
                &hashes,
            )
            .await?;
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
        let mut tx = self.write().await?;
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

    async fn forget_cards(&self, before_ms: i64) -> Result<u64, StoreError> {
        let mut tx = self.write().await?;
        let forgotten: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "DELETE FROM cards WHERE status IN ('done', 'failed') AND updated_ms < $1 \
             RETURNING tenant_id, id",
        )
        .bind(before_ms)
        .fetch_all(&mut *tx)
        .await?;
        // Their images go too, unless a contact holds them.
        for (tenant, card) in &forgotten {
            let tenant = TenantId::from_bytes(tenant.into_bytes());
            let held =
                super::blobs::release(&mut tx, tenant, *card, crate::store::sql::blobs::CARD)
                    .await?;
            super::blobs::collect(&mut tx, tenant, &held).await?;
        }
        tx.commit().await?;
        Ok(forgotten.len() as u64)
    }

    async fn blob_for(
        &self,
        tenant: TenantId,
        member: MemberId,
        sha256: &str,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        // One snapshot for the decision and the bytes.
        let mut tx = self.reads().begin().await?;
        let Some(viewer) = super::directory::viewer(&mut tx, tenant, member).await? else {
            return Ok(None);
        };
        if !super::blobs::may_fetch(&mut tx, tenant, &viewer, sha256).await? {
            return Ok(None);
        }
        let blob =
            sqlx::query_as("SELECT mime, data FROM blobs WHERE tenant_id = $1 AND sha256 = $2")
                .bind(uuid(tenant.as_bytes()))
                .bind(sha256)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(blob)
    }

    async fn stored_blobs(&self, tenant: TenantId) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT sha256 FROM blobs WHERE tenant_id = $1 ORDER BY sha256")
                .bind(uuid(tenant.as_bytes()))
                .fetch_all(self.reads())
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
        // The projection holds one value a line. Both sides are wrapped in newlines (real
        // ones, inside the SQL string: `char(10)` and `E'\\n'` are not portable) so only whole
        // values match, and `replace` stands in for `instr` / `strpos`, which differ too.
        let by_email = "SELECT doc_id FROM contact_search WHERE tenant_id = $1 \
             AND replace('\n' || lower(emails) || '\n', $2, '') <> '\n' || lower(emails) || '\n' \
             LIMIT 50";
        let by_phone = "SELECT doc_id FROM contact_search WHERE tenant_id = $1 \
             AND replace('\n' || phones || '\n', $2, '') <> '\n' || phones || '\n' LIMIT 50";
        for (query, values) in [(by_email, emails), (by_phone, phones)] {
            for value in values {
                let ids: Vec<(Uuid,)> = sqlx::query_as(query)
                    .bind(uuid(tenant.as_bytes()))
                    .bind(format!("\n{}\n", value.to_lowercase()))
                    .fetch_all(self.reads())
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
