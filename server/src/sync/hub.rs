//! In-process fan-out: per tenant, the latest feed seq (a `watch`, so a slow connection only
//! ever sees the newest value and never queues), the feed's newest rows in memory
//! ([`Tail`]), and a small broadcast of presence and device revocations. Across nodes, the
//! Postgres listener feeds the same hub.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sync_core::ids::{ContactId, DeviceId, MemberId, TenantId};
use sync_core::wire::{DocMeta, PresenceState};
use tokio::sync::{broadcast, watch};

use super::tail::Tail;

/// Something every connection of a tenant may need to react to.
#[derive(Debug, Clone)]
pub enum TenantEvent {
    /// A member is looking at or editing a contact.
    Presence {
        /// The contact.
        doc: ContactId,
        /// Its metadata when the presence was published, so receivers check visibility
        /// without a store lookup each.
        meta: DocMeta,
        /// What they do.
        state: PresenceState,
        /// Who.
        member: MemberId,
        /// From which device.
        device: DeviceId,
    },
    /// The device was revoked: its connection ends now.
    DeviceRevoked(DeviceId),
    /// A card the device scanned was read (or could not be): its connection sends the draft.
    CardRead {
        /// The scanning device.
        device: DeviceId,
        /// The card.
        card: sync_core::ids::CardId,
    },
}

/// How many events a lagging connection may fall behind by before it skips some; presence is
/// ephemeral, so skipping is harmless, and revocations are also enforced at every upgrade.
const EVENT_BUFFER: usize = 256;

struct TenantChannels {
    seq: watch::Sender<u64>,
    events: broadcast::Sender<TenantEvent>,
    /// The newest feed rows, read once for all the tenant's connections on this node.
    tail: Arc<Tail>,
}

/// What a connection follows: the tenant's feed head, its events, and its feed tail.
pub struct Subscription {
    /// The newest seq (a `watch`: a slow connection only ever sees the newest value).
    pub seq: watch::Receiver<u64>,
    /// Presence and revocations.
    pub events: broadcast::Receiver<TenantEvent>,
    /// The rows to cut feed pages from.
    pub tail: Arc<Tail>,
}

/// The fan-out of one node.
#[derive(Default)]
pub struct Hub {
    tenants: Mutex<HashMap<TenantId, TenantChannels>>,
}

impl Hub {
    /// An empty hub.
    pub fn new() -> Self {
        Self::default()
    }

    fn with_tenant<T>(
        &self,
        tenant: TenantId,
        use_channels: impl FnOnce(&TenantChannels) -> T,
    ) -> T {
        let mut tenants = self
            .tenants
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let channels = tenants.entry(tenant).or_insert_with(|| TenantChannels {
            seq: watch::channel(0).0,
            events: broadcast::channel(EVENT_BUFFER).0,
            tail: Arc::default(),
        });
        use_channels(channels)
    }

    /// Follow the tenant's feed head, events and tail.
    pub fn subscribe(&self, tenant: TenantId) -> Subscription {
        self.with_tenant(tenant, |channels| Subscription {
            seq: channels.seq.subscribe(),
            events: channels.events.subscribe(),
            tail: Arc::clone(&channels.tail),
        })
    }

    /// A connection of the tenant ended (and dropped its [`Subscription`]): with none left on
    /// this node, the tenant's channels and tail go, so a node does not keep the memory of
    /// every tenant it ever served. The next connection reads the head afresh.
    pub fn release(&self, tenant: TenantId) {
        let mut tenants = self
            .tenants
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if tenants
            .get(&tenant)
            .is_some_and(|channels| channels.seq.receiver_count() == 0)
        {
            tenants.remove(&tenant);
        }
    }

    /// The tenant's feed reached `seq` (on this node or, through LISTEN/NOTIFY, another).
    pub fn advanced(&self, tenant: TenantId, seq: u64) {
        self.with_tenant(tenant, |channels| {
            channels.seq.send_if_modified(|current| {
                let newer = seq > *current;
                if newer {
                    *current = seq;
                }
                newer
            });
        });
    }

    /// Tell the tenant's connections about an event. Having no listener is fine.
    pub fn publish(&self, tenant: TenantId, event: TenantEvent) {
        self.with_tenant(tenant, |channels| {
            let _no_listener_is_fine = channels.events.send(event);
        });
    }

    /// Tell the scanning device's connection that its card was read.
    pub fn card_read(&self, tenant: TenantId, device: DeviceId, card: sync_core::ids::CardId) {
        self.publish(tenant, TenantEvent::CardRead { device, card });
    }

    /// Cut the connections of a revoked device.
    pub fn device_revoked(&self, tenant: TenantId, device: DeviceId) {
        self.publish(tenant, TenantEvent::DeviceRevoked(device));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_subscriber_sees_only_the_newest_seq() {
        let hub = Hub::new();
        let tenant = TenantId::from_u128(1);
        let mut seq = hub.subscribe(tenant).seq;
        hub.advanced(tenant, 3);
        hub.advanced(tenant, 7);
        hub.advanced(tenant, 5);
        seq.changed().await.unwrap();
        assert_eq!(*seq.borrow_and_update(), 7);
    }

    #[tokio::test]
    async fn tenants_do_not_hear_each_other() {
        let hub = Hub::new();
        let mut events = hub.subscribe(TenantId::from_u128(1)).events;
        hub.device_revoked(TenantId::from_u128(2), DeviceId::from_u128(9));
        assert!(events.try_recv().is_err());
    }
}
