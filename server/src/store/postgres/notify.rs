//! Telling the other nodes that a tenant's feed advanced: one `NOTIFY` per committed write,
//! sent inside its transaction so Postgres delivers it only if (and when) it commits.

use std::time::Duration;

use sqlx::PgConnection;
use sqlx::postgres::{PgListener, PgPool};
use sync_core::ids::TenantId;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::store::{OnAdvance, StoreError};

/// The channel commits are announced on. Payload: `TENANT SEQ NODE`.
pub const FEED_CHANNEL: &str = "rolo_feed";

/// How long the listener waits before reconnecting after Postgres refused it.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

/// Announce, at commit, that `tenant`'s feed reached `head` on `node`.
pub(super) async fn announce(
    conn: &mut PgConnection,
    node: Uuid,
    tenant: TenantId,
    head: u64,
) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(FEED_CHANNEL)
        .bind(format!("{tenant} {head} {node}"))
        .execute(conn)
        .await?;
    Ok(())
}

/// A notification's tenant and seq, unless it came from `node` itself.
fn parse(payload: &str, node: Uuid) -> Result<Option<(TenantId, u64)>, String> {
    let mut parts = payload.split(' ');
    let (Some(tenant), Some(seq), Some(from), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("malformed feed notification {payload:?}"));
    };
    let from: Uuid = from
        .parse()
        .map_err(|error| format!("{payload:?}: {error}"))?;
    if from == node {
        return Ok(None);
    }
    let tenant: TenantId = tenant
        .parse()
        .map_err(|error| format!("{payload:?}: {error}"))?;
    let seq: u64 = seq
        .parse()
        .map_err(|error| format!("{payload:?}: {error}"))?;
    Ok(Some((tenant, seq)))
}

/// Follow the other nodes' commits until the task is aborted.
///
/// `PgListener` reconnects by itself when the connection drops; notifications sent while it
/// was away are lost, which costs only latency: each device's next feed read (on its next
/// push, reconnect or local commit) still returns every row after its cursor.
pub(super) fn follow(pool: PgPool, node: Uuid, on_advance: OnAdvance) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let error = match listen(&pool, node, &on_advance).await {
                Ok(()) => return,
                Err(error) => error,
            };
            tracing::warn!(%error, "lost the feed notification listener; reconnecting");
            tokio::time::sleep(RECONNECT_PAUSE).await;
        }
    })
}

async fn listen(pool: &PgPool, node: Uuid, on_advance: &OnAdvance) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(FEED_CHANNEL).await?;
    loop {
        let notification = listener.recv().await?;
        match parse(notification.payload(), node) {
            Ok(Some((tenant, seq))) => on_advance(tenant, seq),
            Ok(None) => {}
            Err(message) => tracing::warn!(%message, "ignored a feed notification"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_ignores_its_own_notifications() {
        let node = Uuid::from_u128(9);
        let tenant = TenantId::from_u128(1);
        let payload = format!("{tenant} 42 {node}");
        assert_eq!(parse(&payload, node), Ok(None));
        assert_eq!(parse(&payload, Uuid::from_u128(8)), Ok(Some((tenant, 42))));
        assert!(parse("garbage", node).is_err());
    }
}
