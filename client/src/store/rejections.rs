//! Contacts whose local changes the server refused, kept until the user has been told.

use sqlx::SqliteConnection;
use sync_core::ids::ContactId;
use sync_core::wire::Rejection;

use crate::error::Error;
use crate::store::parse_id;

/// A refusal, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRejection {
    /// The contact whose changes were refused.
    pub doc: ContactId,
    /// The server's code (`forbidden`, `invalid`, …).
    pub code: String,
    /// The server's explanation.
    pub message: String,
    /// When it arrived (ms since the Unix epoch, UTC).
    pub at_ms: i64,
}

/// Records a refusal.
pub(crate) async fn record(
    connection: &mut SqliteConnection,
    doc: ContactId,
    rejection: &Rejection,
    at_ms: i64,
) -> Result<(), Error> {
    sqlx::query("INSERT INTO rejections (doc, code, message, at_ms) VALUES (?, ?, ?, ?)")
        .bind(doc.to_string())
        .bind(&rejection.code)
        .bind(&rejection.message)
        .bind(at_ms)
        .execute(connection)
        .await?;
    Ok(())
}

/// Every recorded refusal, oldest first.
pub(crate) async fn list(connection: &mut SqliteConnection) -> Result<Vec<StoredRejection>, Error> {
    let rows: Vec<(String, String, String, i64)> =
        sqlx::query_as("SELECT doc, code, message, at_ms FROM rejections ORDER BY id")
            .fetch_all(connection)
            .await?;
    rows.into_iter()
        .map(|(doc, code, message, at_ms)| {
            Ok(StoredRejection {
                doc: parse_id("rejections.doc", &doc)?,
                code,
                message,
                at_ms,
            })
        })
        .collect()
}
