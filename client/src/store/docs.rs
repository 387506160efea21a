//! Contact documents (as chunks) and their metadata.

use std::collections::BTreeMap;

use sqlx::SqliteConnection;
use sync_core::ids::ContactId;
use sync_core::wire::DocMeta;

use crate::error::Error;
use crate::store::parse_id;

/// Stores a document's bytes: appended after its stored chunks, or replacing them.
pub(crate) async fn save(
    connection: &mut SqliteConnection,
    doc: ContactId,
    bytes: &[u8],
    append: bool,
) -> Result<(), Error> {
    if !append {
        delete_chunks(connection, doc).await?;
    }
    sqlx::query("INSERT INTO doc_chunks (doc, bytes) VALUES (?, ?)")
        .bind(doc.to_string())
        .bind(bytes)
        .execute(connection)
        .await?;
    Ok(())
}

/// Forgets a document and its metadata.
pub(crate) async fn delete(connection: &mut SqliteConnection, doc: ContactId) -> Result<(), Error> {
    delete_chunks(connection, doc).await?;
    sqlx::query("DELETE FROM metas WHERE doc = ?")
        .bind(doc.to_string())
        .execute(connection)
        .await?;
    Ok(())
}

async fn delete_chunks(connection: &mut SqliteConnection, doc: ContactId) -> Result<(), Error> {
    sqlx::query("DELETE FROM doc_chunks WHERE doc = ?")
        .bind(doc.to_string())
        .execute(connection)
        .await?;
    Ok(())
}

/// Whether any document is stored.
pub(crate) async fn any(connection: &mut SqliteConnection) -> Result<bool, Error> {
    let (any,): (bool,) = sqlx::query_as("SELECT EXISTS (SELECT 1 FROM doc_chunks)")
        .fetch_one(connection)
        .await?;
    Ok(any)
}

/// Every document, its chunks concatenated in the order they were written.
pub(crate) async fn load_docs(
    connection: &mut SqliteConnection,
) -> Result<Vec<(ContactId, Vec<u8>)>, Error> {
    let rows: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT doc, bytes FROM doc_chunks ORDER BY doc, chunk")
            .fetch_all(connection)
            .await?;
    let mut docs: BTreeMap<ContactId, Vec<u8>> = BTreeMap::new();
    for (doc, bytes) in rows {
        let id: ContactId = parse_id("doc_chunks.doc", &doc)?;
        docs.entry(id).or_default().extend_from_slice(&bytes);
    }
    Ok(docs.into_iter().collect())
}

/// Stores a contact's owner and visibility.
pub(crate) async fn save_meta(
    connection: &mut SqliteConnection,
    doc: ContactId,
    meta: &DocMeta,
) -> Result<(), Error> {
    // The wire's own encoding: one format for metadata wherever it is kept.
    let bytes = rmp_serde::to_vec_named(meta).map_err(|error| Error::Corrupt {
        what: format!("metadata of {doc} could not be encoded: {error}"),
    })?;
    sqlx::query("INSERT OR REPLACE INTO metas (doc, meta) VALUES (?, ?)")
        .bind(doc.to_string())
        .bind(bytes)
        .execute(connection)
        .await?;
    Ok(())
}

/// Every stored owner and visibility.
pub(crate) async fn load_metas(
    connection: &mut SqliteConnection,
) -> Result<Vec<(ContactId, DocMeta)>, Error> {
    let rows: Vec<(String, Vec<u8>)> = sqlx::query_as("SELECT doc, meta FROM metas ORDER BY doc")
        .fetch_all(connection)
        .await?;
    rows.into_iter()
        .map(|(doc, bytes)| {
            let id: ContactId = parse_id("metas.doc", &doc)?;
            let meta = rmp_serde::from_slice(&bytes).map_err(|error| Error::Corrupt {
                what: format!("metadata of {id}: {error}"),
            })?;
            Ok((id, meta))
        })
        .collect()
}
