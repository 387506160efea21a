//! The company's members as the server last listed them.

use sqlx::SqliteConnection;

use crate::api::team::Member;
use crate::error::Error;
use crate::store::parse_id;

/// Replaces the stored members with `members`.
pub(crate) async fn replace(
    connection: &mut SqliteConnection,
    members: &[Member],
) -> Result<(), Error> {
    sqlx::query("DELETE FROM members")
        .execute(&mut *connection)
        .await?;
    for member in members {
        sqlx::query("INSERT INTO members (id, email, name, role, active) VALUES (?, ?, ?, ?, ?)")
            .bind(member.id.to_string())
            .bind(&member.email)
            .bind(&member.name)
            .bind(&member.role)
            .bind(member.active)
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

/// The stored members, by name.
pub(crate) async fn load(connection: &mut SqliteConnection) -> Result<Vec<Member>, Error> {
    let rows: Vec<(String, String, String, String, bool)> =
        sqlx::query_as("SELECT id, email, name, role, active FROM members ORDER BY name, email")
            .fetch_all(connection)
            .await?;
    rows.into_iter()
        .map(|(id, email, name, role, active)| {
            Ok(Member {
                id: parse_id("members.id", &id)?,
                email,
                name,
                role,
                active,
            })
        })
        .collect()
}
