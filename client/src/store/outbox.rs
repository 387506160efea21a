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
    let visibility = entry.visibility.as_ref().map(sync_core::wire::to_msgpack);
    sqlx::query("INSERT INTO outbox (id, doc, change, visibility) VALUES (?, ?, ?, ?)")
        .bind(to_sql_int("outbox.id", entry.id)?)
        .bind(entry.doc.to_string())
        .bind(entry.change.as_slice())
        .bind(visibility)
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

/// An outbox row: id, contact, change, and the creating change's visibility.
type OutboxRow = (i64, String, Vec<u8>, Option<Vec<u8>>);

/// Every entry, in push order.
pub(crate) async fn load(connection: &mut SqliteConnection) -> Result<Vec<OutboxEntry>, Error> {
    let rows: Vec<OutboxRow> =
        sqlx::query_as("SELECT id, doc, change, visibility FROM outbox ORDER BY id")
            .fetch_all(connection)
            .await?;
    rows.into_iter()
        .map(|(id, doc, change, visibility)| {
            Ok(OutboxEntry {
                id: from_sql_int("outbox.id", id)?,
                doc: parse_id("outbox.doc", &doc)?,
                change,
                visibility: visibility
                    .map(|bytes| {
                        sync_core::wire::from_msgpack(&bytes).map_err(|error| Error::Corrupt {
                            what: format!("outbox.visibility of entry {id}: {error}"),
                        })
                    })
                    .transpose()?,
            })
        })
        .collect()
}
