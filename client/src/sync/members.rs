//! The members step before each connection: the company's member list is fetched and kept on
//! the device, so a contact's history shows names offline. It never stops contact sync: a
//! failure keeps the list stored before, and only an expired token ends the step early.

use crate::account::Secret;
use crate::api::Rest;
use crate::error::Error;
use crate::replica::Replica;

/// How the step ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Fetched {
    /// The list was stored, or kept as it was if the server could not answer.
    Done,
    /// The server refused the access token: refresh it and start over.
    TokenExpired,
}

/// Fetches `GET /v1/members` and stores the answer.
pub(crate) async fn refresh(
    replica: &mut Replica,
    server: &str,
    token: &Secret,
) -> Result<Fetched, Error> {
    let rest = Rest::new(server, token.clone())?;
    match rest.members().await {
        Ok(members) => {
            replica.save_members(&members).await?;
            Ok(Fetched::Done)
        }
        Err(Error::Server { status: 401, .. }) => Ok(Fetched::TokenExpired),
        Err(error) => {
            tracing::info!(%error, "the member list could not be fetched; keeping the stored one");
            Ok(Fetched::Done)
        }
    }
}
