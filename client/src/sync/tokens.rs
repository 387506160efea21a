//! Keeping a usable access token: refreshing it shortly before it expires or when the server
//! says it has, without two processes spending the same single-use refresh token.

use std::time::{Duration, Instant};

use crate::account::{Account, Secret, now_ms};
use crate::api;
use crate::error::Error;
use crate::replica::Replica;

/// Refresh this long before the access token expires, so it does not expire in flight.
const EXPIRY_MARGIN_MS: i64 = 30_000;

/// How long one process may hold the right to refresh: longer than an HTTP call may take.
const REFRESH_LEASE: Duration = Duration::from_secs(45);

/// How often a process waiting for another one's refresh looks again.
const LEASE_POLL: Duration = Duration::from_millis(200);

/// The account and an access token good for a while.
pub(crate) async fn access(replica: &mut Replica) -> Result<(Account, Secret), Error> {
    let account = replica.account().await?.ok_or(Error::NotSignedIn)?;
    if !account.tokens.expires_within(now_ms(), EXPIRY_MARGIN_MS) {
        let token = account.tokens.access_token.clone();
        return Ok((account, token));
    }
    let token = refresh(replica, &account.tokens.access_token).await?;
    Ok((account, token))
}

/// New tokens after `used` was refused as expired. If another process refreshed in the
/// meantime its tokens are used rather than spending the refresh token again.
pub(crate) async fn refresh(replica: &mut Replica, used: &Secret) -> Result<Secret, Error> {
    let give_up = Instant::now() + REFRESH_LEASE + Duration::from_secs(5);
    loop {
        let Some(tokens) = replica.take_refresh_lease(REFRESH_LEASE).await? else {
            if Instant::now() > give_up {
                return Err(Error::Network(
                    "another rolo process has been refreshing the tokens for too long".into(),
                ));
            }
            tokio::time::sleep(LEASE_POLL).await;
            continue;
        };
        if tokens.access_token != *used && !tokens.expires_within(now_ms(), EXPIRY_MARGIN_MS) {
            replica.release_refresh_lease().await?;
            return Ok(tokens.access_token);
        }
        let server = replica.account().await?.ok_or(Error::NotSignedIn)?.server;
        return match api::refresh(&server, &tokens.refresh_token).await {
            Ok(new) => {
                // Stored at once: the old refresh token is already dead at the server.
                replica.save_tokens(&new).await?;
                tracing::debug!("access token refreshed");
                Ok(new.access_token)
            }
            Err(error) => {
                replica.release_refresh_lease().await?;
                Err(error)
            }
        };
    }
}
