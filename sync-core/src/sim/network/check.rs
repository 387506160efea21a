//! The invariants a healed world must hold.

use std::collections::BTreeSet;

use super::{Divergence, SimNetwork};
use crate::ids::ContactId;

impl SimNetwork {
    /// Check the world (scripted use: see the module page): every acknowledged change is on
    /// the server, unless its contact was purged; every device holds exactly the contacts its
    /// member may see now (through their groups and units, and nothing while deactivated),
    /// each with the server's heads, metadata and content; and every acknowledged change to a
    /// contact is on each device whose member may see it.
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
                self.check_copy(device, *id)?;
            }
        }
        Ok(())
    }

    /// A device's copy of a contact its member may see is the server's.
    fn check_copy(&self, device: &super::SimDevice, id: ContactId) -> Result<(), Divergence> {
        let server = self.tenant.doc(id).expect("visible contacts exist");
        let local = device.replica.doc(id).expect("held");
        let (mut server_heads, mut local_heads) = (server.heads(), local.heads());
        server_heads.sort();
        local_heads.sort();
        if server_heads != local_heads {
            return Err(self.fail(format!(
                "device {} has contact {id} at other heads than the server",
                device.id
            )));
        }
        if let Some(hash) = self
            .acknowledged
            .get(&id)
            .and_then(|hashes| hashes.iter().find(|hash| !local.has_change(hash)))
        {
            return Err(self.fail(format!(
                "device {} lacks acknowledged change {hash} of contact {id}, which its member may see",
                device.id
            )));
        }
        if device.replica.meta(id) != self.tenant.meta(id) {
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
        Ok(())
    }
}
