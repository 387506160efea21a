//! The keys access tokens are signed with, shared by every node (portable statements, see
//! `store`).

use super::Backend;
use crate::store::StoreError;

pub(super) async fn signing_key(store: &Backend, kid: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT secret FROM signing_keys WHERE kid = $1")
            .bind(kid)
            .fetch_optional(store.reads())
            .await?,
    )
}

pub(super) async fn current_signing_key(
    store: &Backend,
    candidate_kid: &str,
    candidate: &[u8],
) -> Result<(String, Vec<u8>), StoreError> {
    let mut tx = store.write().await?;
    // The unique index on `current` lets exactly one candidate in, whichever node is first.
    sqlx::query(
        "INSERT INTO signing_keys (kid, secret, current) VALUES ($1, $2, true) \
         ON CONFLICT DO NOTHING",
    )
    .bind(candidate_kid)
    .bind(candidate)
    .execute(&mut *tx)
    .await?;
    let current: Option<(String, Vec<u8>)> =
        sqlx::query_as("SELECT kid, secret FROM signing_keys WHERE current")
            .fetch_optional(&mut *tx)
            .await?;
    tx.commit().await?;
    current.ok_or_else(|| StoreError::Conflict {
        what: format!("signing key id {candidate_kid:?}"),
    })
}
