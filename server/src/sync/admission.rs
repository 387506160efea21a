//! How many sync sockets a node holds open, and for whom.
//!
//! Each open socket may buffer up to one unfinished message (the inbound frame limit), so the
//! count of sockets is what bounds a node's memory against clients that open many and never
//! finish a message. Limits, all set in [`Config`](crate::Config):
//!
//! - **per device**: a phone that lost signal leaves a half-open socket the node has not
//!   noticed yet, and reconnects. Refusing the new socket would lock the phone out, so the
//!   *oldest* socket of the device is told to close instead (`superseded`).
//! - **per member**, **per source address** and **in total**: a new socket over the limit is
//!   refused at the upgrade (429 `too_many_connections`), before any buffer is allocated.
//!
//! A [`SocketTicket`] is held for the life of the connection; dropping it releases its place.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use sync_core::ids::{DeviceId, MemberId};

/// The limits, as configured.
#[derive(Debug, Clone, Copy)]
pub struct SocketLimits {
    /// Sockets of one device before its oldest is closed.
    pub per_device: usize,
    /// Sockets of one member (all their devices).
    pub per_member: usize,
    /// Sockets from one source address.
    pub per_address: usize,
    /// Sockets on this node.
    pub total: usize,
}

/// Which limit refused a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The member has too many sockets open.
    #[error("this account has {0} sync connections open, the most allowed")]
    Member(usize),
    /// The address has too many sockets open.
    #[error("this address has {0} sync connections open, the most allowed")]
    Address(usize),
    /// The node is full.
    #[error("the server holds {0} sync connections, the most it allows")]
    Node(usize),
}

/// One device's open sockets, oldest first, each with the signal that closes it.
type DeviceSockets = Vec<(u64, Arc<tokio::sync::Notify>)>;

#[derive(Debug, Default)]
struct Counts {
    next_id: u64,
    total: usize,
    members: HashMap<MemberId, usize>,
    addresses: HashMap<IpAddr, usize>,
    devices: HashMap<DeviceId, DeviceSockets>,
}

/// The node's open sync sockets.
#[derive(Debug)]
pub struct Admission {
    limits: SocketLimits,
    counts: Mutex<Counts>,
}

/// A socket's place; released on drop.
#[derive(Debug)]
pub struct SocketTicket {
    admission: Arc<Admission>,
    id: u64,
    member: MemberId,
    device: DeviceId,
    address: IpAddr,
    /// Notified when a newer socket of the same device took this one's place.
    pub superseded: Arc<tokio::sync::Notify>,
}

impl Admission {
    /// No sockets yet.
    pub fn new(limits: SocketLimits) -> Self {
        Self {
            limits,
            counts: Mutex::new(Counts::default()),
        }
    }

    /// Admit a socket of `device` (of `member`) from `address`, or say which limit refuses
    /// it. A device over its own limit has its oldest socket told to close.
    pub fn admit(
        self: &Arc<Self>,
        member: MemberId,
        device: DeviceId,
        address: IpAddr,
    ) -> Result<SocketTicket, Refusal> {
        let mut counts = self.lock();
        let limits = self.limits;
        if counts.total >= limits.total {
            return Err(Refusal::Node(limits.total));
        }
        if counts.members.get(&member).copied().unwrap_or(0) >= limits.per_member {
            return Err(Refusal::Member(limits.per_member));
        }
        if counts.addresses.get(&address).copied().unwrap_or(0) >= limits.per_address {
            return Err(Refusal::Address(limits.per_address));
        }
        counts.next_id += 1;
        let id = counts.next_id;
        counts.total += 1;
        *counts.members.entry(member).or_default() += 1;
        *counts.addresses.entry(address).or_default() += 1;
        let superseded = Arc::new(tokio::sync::Notify::new());
        let sockets = counts.devices.entry(device).or_default();
        sockets.push((id, superseded.clone()));
        // The oldest sockets over the device's limit are told to go; each releases its
        // place when its connection ends.
        let over = sockets.len().saturating_sub(limits.per_device.max(1));
        for (_, old) in sockets.iter().take(over) {
            old.notify_one();
        }
        Ok(SocketTicket {
            admission: self.clone(),
            id,
            member,
            device,
            address,
            superseded,
        })
    }

    /// Sockets open on this node.
    pub fn open(&self) -> usize {
        self.lock().total
    }

    fn release(&self, ticket: &SocketTicket) {
        let mut counts = self.lock();
        counts.total -= 1;
        decrement(&mut counts.members, ticket.member);
        decrement(&mut counts.addresses, ticket.address);
        if let Some(sockets) = counts.devices.get_mut(&ticket.device) {
            sockets.retain(|(id, _)| *id != ticket.id);
            if sockets.is_empty() {
                counts.devices.remove(&ticket.device);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn decrement<K: std::hash::Hash + Eq>(map: &mut HashMap<K, usize>, key: K) {
    if let Some(count) = map.get_mut(&key) {
        *count -= 1;
        if *count == 0 {
            map.remove(&key);
        }
    }
}

impl Drop for SocketTicket {
    fn drop(&mut self) {
        self.admission.release(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admission(
        per_device: usize,
        per_member: usize,
        per_address: usize,
        total: usize,
    ) -> Arc<Admission> {
        Arc::new(Admission::new(SocketLimits {
            per_device,
            per_member,
            per_address,
            total,
        }))
    }

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));

    #[test]
    fn a_device_over_its_limit_closes_its_oldest_socket_not_the_new_one() {
        let admission = admission(2, 10, 10, 10);
        let (member, device) = (MemberId::from_u128(1), DeviceId::from_u128(1));
        let first = admission.admit(member, device, HOME).unwrap();
        let second = admission.admit(member, device, HOME).unwrap();
        let third = admission.admit(member, device, HOME).unwrap();
        // The first was notified (a permit is stored); the others were not.
        assert!(futures_util::FutureExt::now_or_never(first.superseded.notified()).is_some());
        assert!(futures_util::FutureExt::now_or_never(second.superseded.notified()).is_none());
        assert!(futures_util::FutureExt::now_or_never(third.superseded.notified()).is_none());
        drop(first);
        assert_eq!(admission.open(), 2);
    }

    #[test]
    fn member_address_and_node_limits_refuse_and_release() {
        let admission = admission(5, 2, 3, 4);
        let member = MemberId::from_u128(1);
        let a = admission
            .admit(member, DeviceId::from_u128(1), HOME)
            .unwrap();
        let _b = admission
            .admit(member, DeviceId::from_u128(2), HOME)
            .unwrap();
        assert_eq!(
            admission
                .admit(member, DeviceId::from_u128(3), HOME)
                .unwrap_err(),
            Refusal::Member(2)
        );
        let _c = admission
            .admit(MemberId::from_u128(2), DeviceId::from_u128(4), HOME)
            .unwrap();
        assert_eq!(
            admission
                .admit(MemberId::from_u128(3), DeviceId::from_u128(5), HOME)
                .unwrap_err(),
            Refusal::Address(3)
        );
        let elsewhere = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 7));
        let _d = admission
            .admit(MemberId::from_u128(3), DeviceId::from_u128(5), elsewhere)
            .unwrap();
        assert_eq!(
            admission
                .admit(MemberId::from_u128(4), DeviceId::from_u128(6), elsewhere)
                .unwrap_err(),
            Refusal::Node(4)
        );
        drop(a);
        assert!(
            admission
                .admit(member, DeviceId::from_u128(3), HOME)
                .is_ok()
        );
    }
}
