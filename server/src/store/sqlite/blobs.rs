//! Who holds each stored image, in SQLite: the statements of `store::sql::blobs` on sqlx
//! connections (visibility changes, purges, cards and the start-up backfill). Pushes keep
//! their contacts' refs on the committer's own connection (`committer`).

use super::SqliteStore;

crate::store::sql::blobs::impl_blob_refs!(SqliteStore, sqlx::SqliteConnection);
