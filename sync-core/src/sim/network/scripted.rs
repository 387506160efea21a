//! The scripted side of the simulated world: one story at a time, as the module page shows.

use super::SimNetwork;
use crate::contact::Contact;
use crate::ids::{ContactId, MemberId};
use crate::replica::device::DeviceReplica;
use crate::sim::tenant::MemoryTenant;
use crate::wire::Visibility;

impl SimNetwork {
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

    /// Scripted use: any other authorised server operation on the tenant (a member joining a
    /// group or a unit, a unit moving, a deactivation, an owner transfer), followed by the
    /// broadcast that tells every session the feed advanced.
    pub fn on_server<T>(&mut self, operation: impl FnOnce(&mut MemoryTenant) -> T) -> T {
        let result = operation(&mut self.tenant);
        self.fan_out();
        result
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
}
