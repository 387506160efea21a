//! The simulated world: one server (sessions over a [`MemoryTenant`]) and many devices, joined
//! by links that drop, duplicate and reorder frames, all driven by one seeded random source.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use automerge::{ActorId, ChangeHash};

use super::rng::SimRng;
use super::tenant::MemoryTenant;
use crate::ids::{ContactId, DeviceId, GroupId, MemberId, UnitId};
use crate::replica::device::{DeviceEffect, DeviceReplica, OutboxEntry, StoredDevice};
use crate::replica::session::{ServerSession, SessionEffect};
use crate::wire::{DocMeta, Frame, MAX_FRAME_BYTES, PresenceState};

mod actions;
mod check;
mod scripted;

/// How harsh the world is.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Devices in the world.
    pub devices: usize,
    /// Members the devices belong to (device `i` belongs to member `i % members`).
    pub members: usize,
    /// Random actions before the world is healed and checked.
    pub steps: usize,
    /// Chance in a thousand that a frame is dropped, duplicated or swapped with the next.
    pub fault_per_mille: u32,
    /// Chance in a thousand that a push is answered `unavailable` (the database down, or
    /// a commit slower than the server's bound); in half of those the push committed all
    /// the same, as a commit that outlived its time limit does.
    pub unavailable_per_mille: u32,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            devices: 50,
            members: 10,
            steps: 300,
            fault_per_mille: 20,
            unavailable_per_mille: 40,
        }
    }
}

#[derive(Debug, Default)]
struct Disk {
    docs: BTreeMap<ContactId, Vec<u8>>,
    metas: BTreeMap<ContactId, DocMeta>,
    outbox: BTreeMap<u64, OutboxEntry>,
    cursor: u64,
}

impl Disk {
    fn stored(&self) -> StoredDevice {
        StoredDevice {
            docs: self
                .docs
                .iter()
                .map(|(id, bytes)| (*id, bytes.clone()))
                .collect(),
            metas: self
                .metas
                .iter()
                .map(|(id, meta)| (*id, meta.clone()))
                .collect(),
            outbox: self.outbox.values().cloned().collect(),
            cursor: self.cursor,
        }
    }
}

#[derive(Debug)]
struct SimDevice {
    id: DeviceId,
    member: MemberId,
    actor: ActorId,
    replica: DeviceReplica,
    disk: Disk,
    online: bool,
    /// Contacts whose changes the server refused, with the code.
    rejections: Vec<(ContactId, String)>,
    /// The server asked the device to wait before pushing again; it resumes at its next
    /// tick (a tick stands for the wait).
    deferred: bool,
}

/// One device's connection: frames in flight each way and the server's session for it.
#[derive(Debug, Default)]
struct Link {
    to_server: VecDeque<Vec<u8>>,
    to_device: VecDeque<Vec<u8>>,
    session: Option<ServerSession>,
}

/// A broken invariant, with the seed that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// The seed of the run.
    pub seed: u64,
    /// What was wrong.
    pub problem: String,
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "seed {}: {} (rerun with SIM_SEED={})",
            self.seed, self.problem, self.seed
        )
    }
}

/// The simulated world.
#[derive(Debug)]
pub struct SimNetwork {
    seed: u64,
    rng: SimRng,
    config: SimConfig,
    tenant: MemoryTenant,
    members: Vec<MemberId>,
    /// The groups random operations put members in and share contacts with.
    groups: Vec<GroupId>,
    /// The org units, as created: a small tree that random moves reshape.
    units: Vec<UnitId>,
    devices: Vec<SimDevice>,
    links: Vec<Link>,
    faults: bool,
    /// Changes the server acknowledged, by contact.
    acknowledged: BTreeMap<ContactId, BTreeSet<ChangeHash>>,
    next_contact: u128,
    /// Counters, for the test to show the run did something.
    pub stats: SimStats,
}

/// What happened in a run.
#[derive(Debug, Default, Clone, Copy)]
pub struct SimStats {
    /// Local edits made.
    pub edits: u64,
    /// Frames delivered.
    pub delivered: u64,
    /// Frames dropped, duplicated or reordered.
    pub faults: u64,
    /// Changes acknowledged.
    pub acknowledged: u64,
    /// Server restarts.
    pub server_restarts: u64,
    /// Device restarts.
    pub device_restarts: u64,
    /// Visibility changes and purges.
    pub visibility_changes: u64,
    /// Pushes answered `unavailable`.
    pub unavailable: u64,
    /// Members put into or taken out of a group.
    pub group_changes: u64,
    /// Members put into or taken out of an org unit.
    pub unit_changes: u64,
    /// Org units moved under another unit (or to the top).
    pub unit_moves: u64,
    /// Unit moves refused because they would have put a unit inside itself.
    pub unit_moves_refused: u64,
    /// Contacts given to another owner.
    pub owner_transfers: u64,
    /// Members deactivated.
    pub deactivations: u64,
    /// Deactivated members reactivated.
    pub reactivations: u64,
    /// Edits archiving, trashing or restoring a contact.
    pub lifecycle_edits: u64,
    /// Times a member gained or lost sight of a contact through a group, unit or activity
    /// change (each one a `granted` or `revoked` row's audience entry).
    pub access_changes: u64,
}

/// The groups of a simulated tenant.
const GROUPS: usize = 3;

/// The org units of a simulated tenant, each with the index of its parent at the start:
/// a company with Sales (Tokyo, Osaka below it) and Support.
const UNIT_TREE: [Option<usize>; 5] = [None, Some(0), Some(0), Some(1), Some(1)];

const GIVEN: [&str; 8] = [
    "Aiko", "Ben", "Chloé", "Dmitri", "Emi", "Farid", "Grace", "Hiro",
];
const COMPANIES: [&str; 4] = [
    "Yamata Keiki",
    "Norrland Pumps",
    "Blue Heron Labs",
    "Kita Logistics",
];

impl SimNetwork {
    /// A world for `seed`.
    pub fn new(seed: u64, config: SimConfig) -> Self {
        let mut rng = SimRng::new(seed);
        let members: Vec<MemberId> = (0..config.members)
            .map(|m| MemberId::from_u128(1000 + m as u128))
            .collect();
        let devices = (0..config.devices)
            .map(|index| {
                let id = DeviceId::from_u128(2000 + index as u128);
                let actor = ActorId::from(rng.next_u128().to_be_bytes());
                SimDevice {
                    id,
                    member: members[index % members.len()],
                    actor: actor.clone(),
                    replica: DeviceReplica::new(id, actor),
                    disk: Disk::default(),
                    online: false,
                    rejections: Vec::new(),
                    deferred: false,
                }
            })
            .collect();
        let links = (0..config.devices).map(|_| Link::default()).collect();
        let mut tenant = MemoryTenant::new();
        for member in &members {
            tenant.add_member(*member);
        }
        let units: Vec<UnitId> = (0..UNIT_TREE.len())
            .map(|u| UnitId::from_u128(3000 + u as u128))
            .collect();
        for (unit, parent) in units.iter().zip(UNIT_TREE) {
            tenant
                .add_unit(*unit, parent.map(|p| units[p]))
                .expect("parents come first");
        }
        Self {
            seed,
            rng,
            config,
            tenant,
            members,
            groups: (0..GROUPS)
                .map(|g| GroupId::from_u128(4000 + g as u128))
                .collect(),
            units,
            devices,
            links,
            faults: true,
            acknowledged: BTreeMap::new(),
            next_contact: 1,
            stats: SimStats::default(),
        }
    }

    /// Run the random steps, heal the world and check it.
    pub fn run(mut self) -> Result<SimStats, Divergence> {
        // Most members start in a unit, some in a group (scripted worlds start with none).
        for member in self.members.clone() {
            if self.rng.chance(800) {
                let unit = self.units[self.rng.below(self.units.len() as u64) as usize];
                self.tenant
                    .join_unit(member, unit)
                    .expect("the unit exists");
            }
            if self.rng.chance(500) {
                let group = self.groups[self.rng.below(self.groups.len() as u64) as usize];
                self.tenant.join_group(member, group);
            }
        }
        for index in 0..self.devices.len() {
            if self.rng.chance(800) {
                self.connect(index);
            }
        }
        for _ in 0..self.config.steps {
            self.step();
        }
        self.heal()?;
        self.check()?;
        Ok(self.stats)
    }

    fn fail(&self, problem: String) -> Divergence {
        Divergence {
            seed: self.seed,
            problem,
        }
    }

    fn step(&mut self) {
        let roll = self.rng.below(1000);
        match roll {
            0..=379 => self.random_edit(),
            380..=409 => {
                let index = self.rng.below(self.devices.len() as u64) as usize;
                if self.devices[index].online {
                    self.disconnect(index)
                } else {
                    self.connect(index)
                }
            }
            410..=419 => {
                let index = self.rng.below(self.devices.len() as u64) as usize;
                self.restart_device(index);
            }
            420..=423 => self.restart_server(),
            424..=449 => self.change_visibility(),
            450..=452 => self.purge(),
            453..=455 => self
                .tenant
                .compact_feed(self.tenant.head().saturating_sub(20)),
            456..=499 => {
                for index in 0..self.devices.len() {
                    self.tick_device(index);
                }
            }
            500..=509 => {
                let index = self.rng.below(self.devices.len() as u64) as usize;
                let first = self.devices[index].replica.contact_ids().next();
                if let Some(doc) = first {
                    let effects = self.devices[index]
                        .replica
                        .presence(doc, PresenceState::Editing);
                    self.device_effects(index, effects);
                }
            }
            510..=515 => self.change_group(),
            516..=521 => self.change_unit(),
            522..=524 => self.move_unit(),
            525..=528 => self.transfer_owner(),
            529..=534 => self.toggle_active(),
            _ => {
                for _ in 0..20 {
                    self.deliver_one();
                }
            }
        }
    }

    /// Scripted use: see the module page.
    pub fn connect(&mut self, index: usize) {
        self.links[index] = Link {
            session: Some(ServerSession::new(
                self.devices[index].member,
                self.devices[index].id,
                self.tenant.head(),
            )),
            ..Link::default()
        };
        self.devices[index].online = true;
        let effects = self.devices[index].replica.connected();
        self.device_effects(index, effects);
    }

    /// Scripted use: see the module page.
    pub fn disconnect(&mut self, index: usize) {
        self.links[index] = Link::default();
        self.devices[index].online = false;
        self.devices[index].replica.disconnected();
    }

    /// Scripted use: see the module page.
    pub fn restart_device(&mut self, index: usize) {
        let online = self.devices[index].online;
        self.disconnect(index);
        let device = &mut self.devices[index];
        device.replica =
            DeviceReplica::restore(device.id, device.actor.clone(), device.disk.stored())
                .expect("a device restores from what it stored");
        self.stats.device_restarts += 1;
        if online {
            self.connect(index);
        }
    }

    /// Scripted use: see the module page.
    pub fn restart_server(&mut self) {
        self.tenant = self
            .tenant
            .restarted()
            .expect("the server restores from what it stored");
        self.stats.server_restarts += 1;
        let online: Vec<usize> = (0..self.devices.len())
            .filter(|i| self.devices[*i].online)
            .collect();
        for index in 0..self.devices.len() {
            self.disconnect(index);
        }
        for index in online {
            self.connect(index);
        }
    }

    /// Tell every session the feed advanced, as the per-tenant broadcast does.
    fn fan_out(&mut self) {
        let head = self.tenant.head();
        for index in 0..self.links.len() {
            let effects = match &mut self.links[index].session {
                Some(session) => session.head_advanced(head),
                None => continue,
            };
            self.session_effects(index, effects);
        }
    }

    /// A tick of device `index`: its retries, and the end of a wait the server asked for.
    fn tick_device(&mut self, index: usize) {
        let device = &mut self.devices[index];
        let mut effects = device.replica.tick();
        if std::mem::take(&mut device.deferred) {
            effects.extend(device.replica.resume_pushing());
        }
        self.device_effects(index, effects);
    }

    fn device_effects(&mut self, index: usize, effects: Vec<DeviceEffect>) {
        for effect in effects {
            let device = &mut self.devices[index];
            match effect {
                DeviceEffect::Send(frame) => {
                    if device.online {
                        self.links[index].to_server.push_back(frame.encode());
                    }
                }
                DeviceEffect::SaveDoc { doc, bytes, append } => {
                    let stored = device.disk.docs.entry(doc).or_default();
                    if !append {
                        stored.clear();
                    }
                    stored.extend_from_slice(&bytes);
                }
                DeviceEffect::DeleteDoc { doc } => {
                    device.disk.docs.remove(&doc);
                    device.disk.metas.remove(&doc);
                }
                DeviceEffect::SaveMeta { doc, meta } => {
                    device.disk.metas.insert(doc, meta);
                }
                DeviceEffect::AppendOutbox(entry) => {
                    device.disk.outbox.insert(entry.id, entry);
                }
                DeviceEffect::RemoveOutbox(ids) => {
                    for id in ids {
                        device.disk.outbox.remove(&id);
                    }
                }
                DeviceEffect::Acknowledged(ids) => {
                    for id in ids {
                        if let Some(entry) = device.disk.outbox.remove(&id) {
                            let change = automerge::Change::try_from(entry.change.as_slice())
                                .expect("own change");
                            self.acknowledged
                                .entry(entry.doc)
                                .or_default()
                                .insert(change.hash());
                            self.stats.acknowledged += 1;
                        }
                    }
                }
                DeviceEffect::SaveCursor(cursor) => device.disk.cursor = cursor,
                DeviceEffect::Rejected { doc, rejection } => {
                    device.rejections.push((doc, rejection.code))
                }
                DeviceEffect::PushDeferred { .. } => device.deferred = true,
                DeviceEffect::UpgradeRequired => {
                    unreachable!("the simulated server accepts the layout its devices write")
                }
                // The simulated server reads no cards.
                DeviceEffect::Presence { .. } | DeviceEffect::CardDraft(_) => {}
            }
        }
    }

    fn session_effects(&mut self, index: usize, effects: Vec<SessionEffect>) {
        let mut work: VecDeque<SessionEffect> = effects.into();
        while let Some(effect) = work.pop_front() {
            let member = self.devices[index].member;
            let Some(session) = self.links[index].session.as_mut() else {
                return;
            };
            let more = match effect {
                SessionEffect::Send(frame) => {
                    self.links[index].to_device.push_back(frame.encode());
                    Vec::new()
                }
                SessionEffect::SendFeed { frame, deflate } => {
                    self.links[index]
                        .to_device
                        .push_back(frame.encode_for(deflate));
                    Vec::new()
                }
                SessionEffect::Close => {
                    self.disconnect(index);
                    return;
                }
                SessionEffect::FetchFeed(request) => {
                    let page = self.tenant.read_feed(member, &request);
                    session.feed_loaded(&request, page)
                }
                SessionEffect::Commit { batch, docs } => {
                    if self.faults && self.rng.chance(self.config.unavailable_per_mille) {
                        // The store could not answer in time; half the time the commit
                        // went through regardless, and the device's re-push is a repeat.
                        if self.rng.chance(500) {
                            self.tenant.commit(member, &docs);
                            self.fan_out();
                        }
                        self.stats.unavailable += 1;
                        let answer = Frame::push_unavailable(batch, 100, "the database is down");
                        self.links[index].to_device.push_back(answer.encode());
                        continue;
                    }
                    let results = self.tenant.commit(member, &docs);
                    let more = session.committed(batch, results);
                    work.extend(more);
                    self.fan_out();
                    Vec::new()
                }
                SessionEffect::Repair { doc, msg } => {
                    let reply = self.tenant.repair(member, doc, &msg);
                    session.repaired(doc, reply)
                }
                SessionEffect::Publish { doc, state } => {
                    let device = session.device().expect("presence comes after hello");
                    for other in 0..self.links.len() {
                        let viewer = self.tenant.viewer(self.devices[other].member);
                        let sees = self
                            .tenant
                            .meta(doc)
                            .is_some_and(|meta| meta.visible_to(&viewer));
                        if other == index || !sees {
                            continue;
                        }
                        if let Some(session) = self.links[other].session.as_mut() {
                            let effects = session.presence(doc, state, member, device);
                            for effect in effects {
                                if let SessionEffect::Send(frame) = effect {
                                    self.links[other].to_device.push_back(frame.encode());
                                }
                            }
                        }
                    }
                    Vec::new()
                }
            };
            work.extend(more);
        }
    }

    /// Deliver one frame on a random link, perhaps with a fault.
    fn deliver_one(&mut self) {
        let busy: Vec<(usize, bool)> = (0..self.links.len())
            .flat_map(|i| {
                let link = &self.links[i];
                [
                    (!link.to_server.is_empty()).then_some((i, true)),
                    (!link.to_device.is_empty()).then_some((i, false)),
                ]
            })
            .flatten()
            .collect();
        if busy.is_empty() {
            return;
        }
        let (index, to_server) = busy[self.rng.below(busy.len() as u64) as usize];
        let queue = if to_server {
            &mut self.links[index].to_server
        } else {
            &mut self.links[index].to_device
        };
        if self.faults && self.rng.chance(self.config.fault_per_mille) {
            self.stats.faults += 1;
            match self.rng.below(3) {
                0 => {
                    queue.pop_front();
                    return;
                }
                1 => {
                    let copy = queue.front().cloned().expect("busy queue");
                    queue.push_back(copy);
                }
                _ if queue.len() > 1 => queue.swap(0, 1),
                _ => {}
            }
        }
        let bytes = queue.pop_front().expect("busy queue");
        self.stats.delivered += 1;
        if to_server {
            let Some(session) = self.links[index].session.as_mut() else {
                return;
            };
            let effects = match Frame::decode_from_device(&bytes, MAX_FRAME_BYTES) {
                Ok(frame) => session.receive(frame),
                Err(error) => session.malformed(&error),
            };
            self.session_effects(index, effects);
        } else {
            let frame = Frame::decode(&bytes, MAX_FRAME_BYTES)
                .expect("the server sends well-formed frames");
            let effects = self.devices[index].replica.receive(frame);
            self.device_effects(index, effects);
        }
    }

    fn server_receive(&mut self, index: usize, bytes: &[u8]) {
        let Some(session) = self.links[index].session.as_mut() else {
            return;
        };
        let effects = match Frame::decode_from_device(bytes, MAX_FRAME_BYTES) {
            Ok(frame) => session.receive(frame),
            Err(error) => session.malformed(&error),
        };
        self.session_effects(index, effects);
    }

    fn in_flight(&self) -> bool {
        self.links
            .iter()
            .any(|link| !link.to_server.is_empty() || !link.to_device.is_empty())
    }

    /// End the faults, bring every device online and let the world settle.
    fn heal(&mut self) -> Result<(), Divergence> {
        self.faults = false;
        for index in 0..self.devices.len() {
            self.disconnect(index);
            self.connect(index);
        }
        for round in 0..200 {
            while self.in_flight() {
                self.deliver_one();
            }
            let settled = self
                .devices
                .iter()
                .all(|device| device.replica.is_settled())
                && self.links.iter().all(|link| {
                    link.session
                        .as_ref()
                        .is_some_and(ServerSession::is_caught_up)
                });
            if settled && round > 0 {
                return Ok(());
            }
            for index in 0..self.devices.len() {
                self.tick_device(index);
            }
        }
        let stuck: Vec<String> = self
            .devices
            .iter()
            .filter(|device| !device.replica.is_settled())
            .map(|device| format!("{} ({} pending)", device.id, device.replica.pending()))
            .collect();
        Err(self.fail(format!(
            "the world did not settle; unsettled devices: {stuck:?}"
        )))
    }
}
