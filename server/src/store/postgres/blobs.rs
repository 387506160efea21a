//! Who holds each stored image, in Postgres: the statements of `store::sql::blobs` (pushes,
//! purges, cards and the start-up backfill).

use sqlx::PgConnection;
use sync_core::ids::{ContactId, MemberId, TenantId};

use super::PostgresStore;
use crate::store::StoreError;
use crate::store::sql::codec::uuid;

crate::store::sql::blobs::impl_blob_refs!(PostgresStore, sqlx::PgConnection);

/// Bring a committed contact's refs to `held`, the hashes it now holds, in the push's
/// transaction: `by` pushed the change, and a hash it adds is recorded only if they may
/// fetch the image already (see `sql::blobs`). The SQLite committer does the same on its
/// own connection.
pub(super) async fn commit_refs(
    conn: &mut PgConnection,
    tenant: TenantId,
    doc: ContactId,
    by: MemberId,
    held: &[String],
) -> Result<(), StoreError> {
    let holder = uuid(doc.as_bytes());
    let recorded = release(&mut *conn, tenant, holder, shared::CONTACT).await?;
    let change = shared::RefChange::between(recorded, held);
    hold(&mut *conn, tenant, holder, shared::CONTACT, &change.kept).await?;
    for hash in &change.added {
        if may_fetch(&mut *conn, tenant, by, hash).await? {
            hold(
                &mut *conn,
                tenant,
                holder,
                shared::CONTACT,
                std::slice::from_ref(hash),
            )
            .await?;
        }
    }
    collect(&mut *conn, tenant, &change.dropped).await
}
