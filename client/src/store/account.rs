//! The signed-in account and its tokens.

use sqlx::SqliteConnection;

use crate::account::{Account, Secret, Tokens};
use crate::error::Error;
use crate::store::parse_id;

type AccountRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
);

/// The account, if the replica ever signed in.
pub(crate) async fn load(connection: &mut SqliteConnection) -> Result<Option<Account>, Error> {
    let row: Option<AccountRow> = sqlx::query_as(
        "SELECT server, tenant, member, device, access_token, refresh_token, \
         access_expires_ms, default_region FROM account WHERE id = 1",
    )
    .fetch_optional(connection)
    .await?;
    let Some((server, tenant, member, device, access, refresh, expires, region)) = row else {
        return Ok(None);
    };
    Ok(Some(Account {
        server,
        tenant: parse_id("account.tenant", &tenant)?,
        member: parse_id("account.member", &member)?,
        device: parse_id("account.device", &device)?,
        tokens: Tokens {
            access_token: Secret::new(access),
            refresh_token: Secret::new(refresh),
            access_expires_ms: expires,
        },
        default_region: region,
    }))
}

/// Stores the account, replacing any earlier one.
pub(crate) async fn save(
    connection: &mut SqliteConnection,
    account: &Account,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT OR REPLACE INTO account (id, server, tenant, member, device, access_token, \
         refresh_token, access_expires_ms, default_region) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&account.server)
    .bind(account.tenant.to_string())
    .bind(account.member.to_string())
    .bind(account.device.to_string())
    .bind(account.tokens.access_token.expose())
    .bind(account.tokens.refresh_token.expose())
    .bind(account.tokens.access_expires_ms)
    .bind(&account.default_region)
    .execute(connection)
    .await?;
    Ok(())
}

/// Takes the right to refresh the tokens until `until_ms`, unless another process holds it.
/// Returns the stored tokens when taken, `None` when another process is refreshing.
pub(crate) async fn take_refresh_lease(
    connection: &mut SqliteConnection,
    now_ms: i64,
    until_ms: i64,
) -> Result<Option<Tokens>, Error> {
    let taken = sqlx::query(
        "UPDATE account SET refresh_lease_ms = ? \
         WHERE id = 1 AND (refresh_lease_ms IS NULL OR refresh_lease_ms <= ?)",
    )
    .bind(until_ms)
    .bind(now_ms)
    .execute(&mut *connection)
    .await?;
    if taken.rows_affected() == 0 {
        return match load(connection).await? {
            Some(_) => Ok(None),
            None => Err(Error::NotSignedIn),
        };
    }
    let account = load(connection).await?.ok_or(Error::NotSignedIn)?;
    Ok(Some(account.tokens))
}

/// Gives the refresh lease back without new tokens (the refresh failed).
pub(crate) async fn release_refresh_lease(connection: &mut SqliteConnection) -> Result<(), Error> {
    sqlx::query("UPDATE account SET refresh_lease_ms = NULL WHERE id = 1")
        .execute(connection)
        .await?;
    Ok(())
}

/// Stores rotated tokens and releases the refresh lease: one statement, so the old refresh
/// token (now refused by the server) is never kept beside a new access token or the other way
/// round.
pub(crate) async fn save_tokens(
    connection: &mut SqliteConnection,
    tokens: &Tokens,
) -> Result<(), Error> {
    let updated = sqlx::query(
        "UPDATE account SET access_token = ?, refresh_token = ?, access_expires_ms = ?, \
         refresh_lease_ms = NULL WHERE id = 1",
    )
    .bind(tokens.access_token.expose())
    .bind(tokens.refresh_token.expose())
    .bind(tokens.access_expires_ms)
    .execute(connection)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(Error::NotSignedIn);
    }
    Ok(())
}
