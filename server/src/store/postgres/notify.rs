//! Telling the other nodes that a tenant's feed advanced (one `NOTIFY` per committed write)
//! or that a card was read, sent inside the transaction so Postgres delivers it only if (and
//! when) it commits.

use std::time::Duration;

use sqlx::PgConnection;
use sqlx::postgres::{PgListener, PgPool};
use sync_core::ids::{CardId, DeviceId, TenantId};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::store::{OnAdvance, OnCardRead, StoreError};

/// The channel commits are announced on. Payload: `TENANT SEQ NODE`.
pub const FEED_CHANNEL: &str = "rolo_feed";

/// The channel finished card readings are announced on. Payload: `TENANT DEVICE CARD NODE`.
pub const CARD_CHANNEL: &str = "rolo_cards";

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

/// Announce, at commit, that `node` finished reading `card`, scanned on `device`.
pub(super) async fn announce_card(
    conn: &mut PgConnection,
    node: Uuid,
    tenant: TenantId,
    device: DeviceId,
    card: CardId,
) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CARD_CHANNEL)
        .bind(format!("{tenant} {device} {card} {node}"))
        .execute(conn)
        .await?;
    Ok(())
}

/// A card notification's tenant, device and card, unless it came from `node` itself.
fn parse_card(payload: &str, node: Uuid) -> Result<Option<(TenantId, DeviceId, CardId)>, String> {
    let bad = |error: &dyn std::fmt::Display| format!("{payload:?}: {error}");
    let parts: Vec<&str> = payload.split(' ').collect();
    let [tenant, device, card, from] = parts[..] else {
        return Err(format!("malformed card notification {payload:?}"));
    };
    if from.parse::<Uuid>().map_err(|error| bad(&error))? == node {
        return Ok(None);
    }
    Ok(Some((
        tenant.parse().map_err(|error| bad(&error))?,
        device.parse().map_err(|error| bad(&error))?,
        card.parse().map_err(|error| bad(&error))?,
    )))
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
pub(super) fn follow(
    pool: PgPool,
    node: Uuid,
    on_advance: OnAdvance,
    on_card_read: OnCardRead,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let error = match listen(&pool, node, &on_advance, &on_card_read).await {
                Ok(()) => return,
                Err(error) => error,
            };
            tracing::warn!(%error, "lost the feed notification listener; reconnecting");
            tokio::time::sleep(RECONNECT_PAUSE).await;
        }
    })
}

async fn listen(
    pool: &PgPool,
    node: Uuid,
    on_advance: &OnAdvance,
    on_card_read: &OnCardRead,
) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen_all([FEED_CHANNEL, CARD_CHANNEL]).await?;
    loop {
        let notification = listener.recv().await?;
        if notification.channel() == CARD_CHANNEL {
            match parse_card(notification.payload(), node) {
                Ok(Some((tenant, device, card))) => on_card_read(tenant, device, card),
                Ok(None) => {}
                Err(message) => tracing::warn!(%message, "ignored a card notification"),
            }
            continue;
        }
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

    #[test]
    fn card_notifications_name_tenant_device_and_card() {
        let node = Uuid::from_u128(9);
        let (tenant, device, card) = (
            TenantId::from_u128(1),
            DeviceId::from_u128(2),
            CardId::from_u128(3),
        );
        let payload = format!("{tenant} {device} {card} {node}");
        assert_eq!(parse_card(&payload, node), Ok(None));
        assert_eq!(
            parse_card(&payload, Uuid::from_u128(8)),
            Ok(Some((tenant, device, card)))
        );
        assert!(parse_card("1 2 3", node).is_err());
    }
}
