//! Each contact's list summary and search terms (`projections`), and the rules they were made
//! with (`projection_rules`).

use sqlx::SqliteConnection;
use sync_core::search::SearchProjection;

use crate::error::Error;
use crate::search::{ContactSummary, Listed};
use crate::store::parse_id;

/// Writes a contact's projection, replacing the one stored.
pub(crate) async fn save(connection: &mut SqliteConnection, listed: &Listed) -> Result<(), Error> {
    let summary = &listed.summary;
    let terms: Vec<&str> = listed.projection.terms().collect();
    sqlx::query(
        "INSERT OR REPLACE INTO projections (doc, display_name, sort_key, terms, companies, \
         emails, phones, tags, contact_type, level, archived, trashed_at_ms, changed_ms, owner) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(summary.id.to_string())
    .bind(&summary.display_name)
    .bind(listed.projection.sort_key())
    .bind(terms.join("\n"))
    .bind(summary.companies.join("\n"))
    .bind(summary.emails.join("\n"))
    .bind(summary.phones.join("\n"))
    .bind(summary.tags.join("\n"))
    .bind(&summary.contact_type)
    .bind(&summary.level)
    .bind(summary.archived)
    .bind(summary.trashed_at_ms)
    .bind(summary.changed_ms)
    .bind(summary.owner.map(|owner| owner.to_string()))
    .execute(connection)
    .await?;
    Ok(())
}

/// Forgets a contact's projection.
pub(crate) async fn delete(
    connection: &mut SqliteConnection,
    doc: sync_core::ids::ContactId,
) -> Result<(), Error> {
    sqlx::query("DELETE FROM projections WHERE doc = ?")
        .bind(doc.to_string())
        .execute(connection)
        .await?;
    Ok(())
}

/// Forgets every projection (before they are all made again).
pub(crate) async fn clear(connection: &mut SqliteConnection) -> Result<(), Error> {
    sqlx::query("DELETE FROM projections")
        .execute(connection)
        .await?;
    Ok(())
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    bool,
    Option<i64>,
    i64,
    Option<String>,
);

/// Every projection.
pub(crate) async fn load(connection: &mut SqliteConnection) -> Result<Vec<Listed>, Error> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT doc, display_name, sort_key, terms, companies, emails, phones, tags, \
         contact_type, level, archived, trashed_at_ms, changed_ms, owner FROM projections",
    )
    .fetch_all(connection)
    .await?;
    let lines = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|line| !line.is_empty())
            .map(str::to_string)
            .collect()
    };
    rows.into_iter()
        .map(|row| {
            let (doc, display_name, sort_key, terms, companies, emails, phones, tags) =
                (row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7);
            let owner = match row.13 {
                Some(owner) => Some(parse_id("projections.owner", &owner)?),
                None => None,
            };
            Ok(Listed {
                summary: ContactSummary {
                    id: parse_id("projections.doc", &doc)?,
                    display_name,
                    owner,
                    companies: lines(&companies),
                    emails: lines(&emails),
                    phones: lines(&phones),
                    tags: lines(&tags),
                    contact_type: row.8,
                    level: row.9,
                    archived: row.10,
                    trashed_at_ms: row.11,
                    changed_ms: row.12,
                },
                projection: SearchProjection::from_stored(
                    terms.split('\n').filter(|term| !term.is_empty()),
                    sort_key,
                ),
            })
        })
        .collect()
}

/// The index version and region the stored projections were made with, if they were all
/// made under one rule.
pub(crate) async fn rules(
    connection: &mut SqliteConnection,
) -> Result<Option<(i64, String)>, Error> {
    Ok(
        sqlx::query_as("SELECT index_version, region FROM projection_rules WHERE id = 1")
            .fetch_optional(connection)
            .await?,
    )
}

/// Records that every stored projection was made with these rules.
pub(crate) async fn save_rules(
    connection: &mut SqliteConnection,
    index_version: i64,
    region: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT OR REPLACE INTO projection_rules (id, index_version, region) VALUES (1, ?, ?)",
    )
    .bind(index_version)
    .bind(region)
    .execute(connection)
    .await?;
    Ok(())
}
