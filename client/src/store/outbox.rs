//! The outbox: local changes waiting for the server's ack.

use sqlx::SqliteConnection;
use sync_core::replica::device::OutboxEntry;

use crate::error::Error;
use crate::store::{from_sql_int, parse_id, to_sql_int};

/// Appends an entry.
pub(crate) async fn append(
    connection: &mut SqliteConnection,
    entry: &OutboxEntry,
) -> Result<(), Error> {
    sqlx::query("INSERT INTO outbox (id, doc, change) VALUES (?, ?, ?)")
        .bind(to_sql_int("outbox.id", entry.id)?)
        .bind(entry.doc.to_string())
        .bind(entry.change.as_slice())
        .execute(connection)
        .await?;
    Ok(())
}

/// Removes entries (acknowledged, or dropped with their contact).
pub(crate) async fn remove(connection: &mut SqliteConnection, ids: &[u64]) -> Result<(), Error> {
    for id in ids {
        sqlx::query("DELETE FROM outbox WHERE id = ?")
            .bind(to_sql_int("outbox.id", *id)?)
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

/// Every entry, in push order.
pub(crate) async fn load(connection: &mut SqliteConnection) -> Result<Vec<OutboxEntry>, Error> {
    let rows: Vec<(i64, String, Vec<u8>)> =
        sqlx::query_as("SELECT id, doc, change FROM outbox ORDER BY id")
            .fetch_all(connection)
            .await?;
    rows.into_iter()
        .map(|(id, doc, change)| {
            Ok(OutboxEntry {
                id: from_sql_int("outbox.id", id)?,
                doc: parse_id("outbox.doc", &doc)?,
                change,
            })
        })
        .collect()
}
