//! The simulated world: one server (sessions over a [`MemoryTenant`]) and many devices, joined
//! by links that drop, duplicate and reorder frames, all driven by one seeded random source.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use automerge::{ActorId, ChangeHash};

use super::rng::SimRng;
use super::tenant::MemoryTenant;
use crate::contact::{Contact, Organization, Phone};
use crate::ids::{ContactId, DeviceId, ItemId, MemberId};
use crate::replica::device::{DeviceEffect, DeviceReplica, OutboxEntry, StoredDevice};
use crate::replica::session::{ServerSession, SessionEffect};
use crate::wire::{DocMeta, Frame, MAX_FRAME_BYTES, PresenceState, Visibility};

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
}

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
        Self {
            seed,
            rng,
            config,
            tenant: MemoryTenant::new(),
            members,
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
            0..=399 => self.random_edit(),
            400..=429 => {
                let index = self.rng.below(self.devices.len() as u64) as usize;
                if self.devices[index].online {
                    self.disconnect(index)
                } else {
                    self.connect(index)
                }
            }
            430..=439 => {
                let index = self.rng.below(self.devices.len() as u64) as usize;
                self.restart_device(index);
            }
            440..=443 => self.restart_server(),
            444..=469 => self.change_visibility(),
            470..=472 => self.purge(),
            473..=475 => self
                .tenant
                .compact_feed(self.tenant.head().saturating_sub(20)),
            476..=519 => {
                for index in 0..self.devices.len() {
                    self.tick_device(index);
                }
            }
            520..=529 => {
                let index = self.rng.below(self.devices.len() as u64) as usize;
                let first = self.devices[index].replica.contact_ids().next();
                if let Some(doc) = first {
                    let effects = self.devices[index]
                        .replica
                        .presence(doc, PresenceState::Editing);
                    self.device_effects(index, effects);
                }
            }
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

    fn random_edit(&mut self) {
        let index = self.rng.below(self.devices.len() as u64) as usize;
        let ids: Vec<ContactId> = self.devices[index].replica.contact_ids().collect();
        let bits = self.rng.next_u64();
        let given = GIVEN[self.rng.below(GIVEN.len() as u64) as usize];
        let company = COMPANIES[self.rng.below(COMPANIES.len() as u64) as usize];
        let result = if ids.is_empty() || self.rng.chance(80) {
            let id = ContactId::from_u128((self.seed as u128) << 64 | self.next_contact);
            self.next_contact += 1;
            let mut contact = Contact::default();
            contact.name.given = given.to_string();
            contact.organizations.push(Organization {
                id: ItemId::from_random(bits),
                company: company.to_string(),
                department: String::new(),
                title: String::new(),
            });
            self.devices[index].replica.create(id, &contact)
        } else {
            let id = ids[self.rng.below(ids.len() as u64) as usize];
            let action = self.rng.below(7);
            let number = 1000 + self.rng.below(9000);
            self.devices[index]
                .replica
                .edit(id, |contact| match action {
                    0 => contact.name.given = given.to_string(),
                    1 => contact.name.family = format!("{company} family"),
                    2 if contact.phones.len() < 5 => contact.phones.push(Phone {
                        id: ItemId::from_random(bits),
                        label: "work".into(),
                        e164: format!("+8131234{number}"),
                        raw: format!("03-1234-{number}"),
                    }),
                    3 if !contact.phones.is_empty() => {
                        let position = (bits % contact.phones.len() as u64) as usize;
                        contact.phones.remove(position);
                    }
                    4 if !contact.phones.is_empty() => {
                        let position = (bits % contact.phones.len() as u64) as usize;
                        contact.phones[position].label = if number.is_multiple_of(2) {
                            "mobile".into()
                        } else {
                            "fax".into()
                        };
                    }
                    5 => {
                        contact.notes.0.push_str(&format!("{given} called. "));
                    }
                    _ => {
                        contact.tags.insert(company.to_lowercase(), true);
                    }
                })
        };
        match result {
            Ok(effects) => {
                self.stats.edits += 1;
                self.device_effects(index, effects);
            }
            Err(error) => panic!(
                "seed {}: a valid simulated edit was refused: {error}",
                self.seed
            ),
        }
    }

    fn change_visibility(&mut self) {
        let docs: Vec<ContactId> = self
            .tenant
            .visible_to(self.members[0])
            .into_iter()
            .chain(self.tenant.visible_to(self.members[1 % self.members.len()]))
            .collect();
        if docs.is_empty() {
            return;
        }
        let doc = docs[self.rng.below(docs.len() as u64) as usize];
        let visibility = match self.rng.below(3) {
            0 => Visibility::All,
            1 => Visibility::Members { members: vec![] },
            _ => Visibility::Members {
                members: self
                    .members
                    .iter()
                    .copied()
                    .filter(|_| self.rng.chance(400))
                    .collect(),
            },
        };
        self.tenant
            .set_visibility(doc, visibility, &self.members.clone());
        self.stats.visibility_changes += 1;
        self.fan_out();
    }

    fn purge(&mut self) {
        let docs: Vec<ContactId> = self
            .tenant
            .visible_to(self.members[0])
            .into_iter()
            .collect();
        if let Some(doc) = docs.first() {
            let members = self.members.clone();
            self.tenant.purge(*doc, &members);
            self.acknowledged.remove(doc);
            self.stats.visibility_changes += 1;
            self.fan_out();
        }
    }

    /// Scripted use: create a contact on device `index`; returns its id.
    pub fn create(&mut self, index: usize, contact: &Contact) -> ContactId {
        let id = ContactId::from_u128(((self.seed as u128) << 64) | self.next_contact);
        self.next_contact += 1;
        let effects = self.devices[index]
            .replica
            .create(id, contact)
            .expect("a valid contact");
        self.device_effects(index, effects);
        id
    }

    /// Scripted use: edit a contact on device `index`.
    pub fn edit(&mut self, index: usize, id: ContactId, edit: impl FnOnce(&mut Contact)) {
        let effects = self.devices[index]
            .replica
            .edit(id, edit)
            .expect("a valid edit");
        self.device_effects(index, effects);
    }

    /// Scripted use: change who may see a contact, as an admin would on the server.
    pub fn set_visibility(&mut self, id: ContactId, visibility: Visibility) {
        let members = self.members.clone();
        self.tenant.set_visibility(id, visibility, &members);
        self.fan_out();
    }

    /// Scripted use: lose every frame now travelling to device `index` (an ack or a feed page
    /// lost with a dying connection).
    pub fn lose_frames_to(&mut self, index: usize) {
        self.links[index].to_device.clear();
    }

    /// Scripted use: deliver every frame in flight (no faults) and tick the devices until
    /// nothing moves.
    pub fn run_until_quiet(&mut self) {
        let faults = std::mem::replace(&mut self.faults, false);
        for _ in 0..3 * crate::replica::device::RETRY_TICKS {
            while self.in_flight() {
                self.deliver_one();
            }
            for index in 0..self.devices.len() {
                self.tick_device(index);
            }
        }
        self.faults = faults;
    }

    /// Scripted use: deliver every frame travelling from device `index` to the server (and
    /// nothing travelling back).
    pub fn deliver_to_server(&mut self, index: usize) {
        while let Some(bytes) = self.links[index].to_server.pop_front() {
            self.server_receive(index, &bytes);
        }
    }

    /// Scripted use: device `index`'s replica.
    pub fn device(&self, index: usize) -> &DeviceReplica {
        &self.devices[index].replica
    }

    /// Scripted use: the member device `index` belongs to.
    pub fn member_of(&self, index: usize) -> MemberId {
        self.devices[index].member
    }

    /// Scripted use: the server's store.
    pub fn tenant(&self) -> &MemoryTenant {
        &self.tenant
    }

    /// Scripted use: frames device `index` was told were refused, with their codes.
    pub fn rejections(&self, index: usize) -> &[(ContactId, String)] {
        &self.devices[index].rejections
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
                        let sees = self
                            .tenant
                            .meta(doc)
                            .is_some_and(|meta| meta.visible_to(self.devices[other].member));
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

    /// Scripted use: see the module page.
    pub fn check(&self) -> Result<(), Divergence> {
        for (doc, hashes) in &self.acknowledged {
            if self.tenant.is_purged(*doc) {
                continue;
            }
            let Some(stored) = self.tenant.doc(*doc) else {
                return Err(self.fail(format!(
                    "acknowledged contact {doc} is missing on the server"
                )));
            };
            if let Some(hash) = hashes.iter().find(|hash| !stored.has_change(hash)) {
                return Err(self.fail(format!(
                    "acknowledged change {hash} of contact {doc} is missing on the server"
                )));
            }
        }
        for device in &self.devices {
            let held: BTreeSet<ContactId> = device.replica.contact_ids().collect();
            let visible = self.tenant.visible_to(device.member);
            if held != visible {
                let extra: Vec<_> = held.difference(&visible).collect();
                let missing: Vec<_> = visible.difference(&held).collect();
                return Err(self.fail(format!(
                    "device {} holds contacts it may not see {extra:?} and lacks ones it may {missing:?}",
                    device.id
                )));
            }
            for id in &visible {
                let server = self.tenant.doc(*id).expect("visible contacts exist");
                let local = device.replica.doc(*id).expect("held");
                let (mut server_heads, mut local_heads) = (server.heads(), local.heads());
                server_heads.sort();
                local_heads.sort();
                if server_heads != local_heads {
                    return Err(self.fail(format!(
                        "device {} has contact {id} at other heads than the server",
                        device.id
                    )));
                }
                if device.replica.meta(*id) != self.tenant.meta(*id) {
                    return Err(self.fail(format!(
                        "device {} has stale owner/visibility for {id}",
                        device.id
                    )));
                }
                let server_contact = server.contact().map_err(|e| self.fail(e.to_string()))?;
                let local_contact = local.contact().map_err(|e| self.fail(e.to_string()))?;
                if server_contact != local_contact {
                    return Err(self.fail(format!(
                        "device {} reads contact {id} differently from the server",
                        device.id
                    )));
                }
            }
        }
        Ok(())
    }
}
