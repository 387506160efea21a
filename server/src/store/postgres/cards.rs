//! Cards and blobs in Postgres (the statements are shared with SQLite, see
//! `store::sql::cards`): workers on every node claim with `FOR UPDATE SKIP LOCKED`, so two
//! never take one card and none waits on another's claim.

use sqlx::{PgPool, Postgres, Transaction};
use sync_core::card::CardStatus;
use sync_core::ids::{CardId, ContactId, DeviceId, MemberId, TenantId};
use uuid::Uuid;

use crate::store::StoreError;
use crate::store::cards::{
    CardJob, CardOutcome, CardRecord, CardRow, JobRow, NewCard, OutcomeColumns, card_columns,
    card_job, card_record, status_name,
};
use crate::store::sql::cards::impl_card_store;
use crate::store::sql::codec::uuid;

use super::PostgresStore;

impl PostgresStore {
    pub(super) async fn card_transaction(
        &self,
    ) -> Result<Transaction<'static, Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }

    pub(super) fn card_reads(&self) -> &PgPool {
        &self.pool
    }

    /// The scanning device may be connected to another node: tell them all, at commit.
    async fn announce_card_read(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        job: &CardJob,
    ) -> Result<(), StoreError> {
        super::notify::announce_card(tx, self.node, job.tenant, job.device, job.card).await
    }
}

impl_card_store!(
    PostgresStore,
    claim_sql: "UPDATE cards SET status = 'reading', attempts = attempts + 1, \
         lease_until_ms = $1 + $2, updated_ms = $1 \
         WHERE (tenant_id, id) = (SELECT tenant_id, id FROM cards \
             WHERE (status = 'queued' AND next_attempt_ms <= $1) \
                OR (status = 'reading' AND lease_until_ms < $1) \
             ORDER BY next_attempt_ms LIMIT 1 FOR UPDATE SKIP LOCKED) \
         RETURNING tenant_id, id, member_id, device_id, front, back, attempts"
);
