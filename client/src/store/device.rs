//! The `device` row: the actor id, the feed cursor and the time of the last full sync.

use sqlx::SqliteConnection;

use crate::error::Error;
use crate::store::{from_sql_int, to_sql_int};

/// The stored identity and progress of this replica.
pub(crate) struct Identity {
    /// Automerge actor id.
    pub actor: Vec<u8>,
    /// Feed cursor.
    pub cursor: u64,
}

/// Reads the device row, creating it (with a freshly drawn actor id) on first use.
pub(crate) async fn ensure(connection: &mut SqliteConnection) -> Result<Identity, Error> {
    let actor: [u8; 16] = rand::random();
    // INSERT OR IGNORE: a second process opening a new database at the same moment keeps the
    // first one's actor rather than drawing its own.
    sqlx::query("INSERT OR IGNORE INTO device (id, actor) VALUES (1, ?)")
        .bind(actor.as_slice())
        .execute(&mut *connection)
        .await?;
    let (actor, cursor): (Vec<u8>, i64) =
        sqlx::query_as("SELECT actor, cursor FROM device WHERE id = 1")
            .fetch_one(&mut *connection)
            .await?;
    Ok(Identity {
        actor,
        cursor: from_sql_int("cursor", cursor)?,
    })
}

/// Stores the feed cursor.
pub(crate) async fn save_cursor(
    connection: &mut SqliteConnection,
    cursor: u64,
) -> Result<(), Error> {
    sqlx::query("UPDATE device SET cursor = ? WHERE id = 1")
        .bind(to_sql_int("cursor", cursor)?)
        .execute(connection)
        .await?;
    Ok(())
}

/// Records that the device was caught up with the server at `at_ms`.
pub(crate) async fn save_last_sync(
    connection: &mut SqliteConnection,
    at_ms: i64,
) -> Result<(), Error> {
    sqlx::query("UPDATE device SET last_sync_ms = ? WHERE id = 1")
        .bind(at_ms)
        .execute(connection)
        .await?;
    Ok(())
}

/// When the device was last caught up, if ever.
pub(crate) async fn last_sync(connection: &mut SqliteConnection) -> Result<Option<i64>, Error> {
    let (at,): (Option<i64>,) = sqlx::query_as("SELECT last_sync_ms FROM device WHERE id = 1")
        .fetch_one(connection)
        .await?;
    Ok(at)
}

/// The replica's content generation (see the migration).
pub(crate) async fn generation(connection: &mut SqliteConnection) -> Result<i64, Error> {
    let (generation,): (i64,) = sqlx::query_as("SELECT generation FROM device WHERE id = 1")
        .fetch_one(connection)
        .await?;
    Ok(generation)
}

/// Marks the replica's content as changed; returns the new generation.
pub(crate) async fn bump_generation(connection: &mut SqliteConnection) -> Result<i64, Error> {
    let (generation,): (i64,) = sqlx::query_as(
        "UPDATE device SET generation = generation + 1 WHERE id = 1 RETURNING generation",
    )
    .fetch_one(connection)
    .await?;
    Ok(generation)
}
