//! Cards and blobs in SQLite (the statements are shared with Postgres, see
//! `store::sql::cards`). One node, one writer: a claim is a single `UPDATE … RETURNING` under
//! the write lock, which is all `SKIP LOCKED` gives Postgres.

use sqlx::{Sqlite, SqlitePool, Transaction};
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

use super::SqliteStore;

impl SqliteStore {
    pub(super) async fn card_transaction(
        &self,
    ) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.write().await
    }

    pub(super) fn card_reads(&self) -> &SqlitePool {
        &self.reader
    }

    /// One node: the worker that read the card told this node's hub itself.
    async fn announce_card_read(
        &self,
        _tx: &mut Transaction<'static, Sqlite>,
        _job: &CardJob,
    ) -> Result<(), StoreError> {
        Ok(())
    }
}

impl_card_store!(
    SqliteStore,
    claim_sql: "UPDATE cards SET status = 'reading', attempts = attempts + 1, \
         lease_until_ms = $1 + $2, updated_ms = $1 \
         WHERE rowid = (SELECT rowid FROM cards \
             WHERE (status = 'queued' AND next_attempt_ms <= $1) \
                OR (status = 'reading' AND lease_until_ms < $1) \
             ORDER BY next_attempt_ms LIMIT 1) \
         RETURNING tenant_id, id, member_id, device_id, front, back, attempts"
);
