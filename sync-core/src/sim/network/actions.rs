//! The random actions of a run: devices editing contacts (their lifecycle too), and the
//! server's authorised operations on who sees what (visibility, owner, groups, org units,
//! deactivation, purge).

use super::{COMPANIES, GIVEN, SimNetwork};
use crate::contact::{Contact, Organization, Phone};
use crate::ids::{ContactId, ItemId, MemberId};
use crate::wire::Visibility;

/// A plausible moment, in ms since the Unix epoch, for contacts put in the trash.
const TRASHED_AROUND_MS: i64 = 1_750_000_000_000;

impl SimNetwork {
    pub(super) fn random_edit(&mut self) {
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
            // Some contacts are created already restricted (to a group, a unit, a colleague
            // or nobody), as the app lets a rep do offline.
            let visibility = self.rng.chance(250).then(|| self.random_visibility());
            self.devices[index]
                .replica
                .create_visible_to(id, &contact, visibility)
        } else {
            let id = ids[self.rng.below(ids.len() as u64) as usize];
            let action = self.rng.below(10);
            let number = 1000 + self.rng.below(9000);
            if action >= 7 {
                self.stats.lifecycle_edits += 1;
            }
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
                    6 => {
                        contact.tags.insert(company.to_lowercase(), true);
                    }
                    7 => contact.lifecycle.archived = !contact.lifecycle.archived,
                    8 => contact.lifecycle.trashed_at_ms = Some(TRASHED_AROUND_MS + number as i64),
                    _ => {
                        contact.lifecycle.trashed_at_ms = None;
                        contact.lifecycle.archived = false;
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

    /// Who may see a contact, drawn at random: everyone, nobody else, or some members,
    /// groups and units.
    fn random_visibility(&mut self) -> Visibility {
        let pick = |rng: &mut crate::sim::rng::SimRng, per_mille| rng.chance(per_mille);
        match self.rng.below(6) {
            0 => Visibility::All,
            1 => Visibility::private(),
            kind => {
                let members = match kind {
                    2 | 5 => self
                        .members
                        .iter()
                        .copied()
                        .filter(|_| pick(&mut self.rng, 300))
                        .collect(),
                    _ => Vec::new(),
                };
                let groups = match kind {
                    3 | 5 => vec![self.groups[self.rng.below(self.groups.len() as u64) as usize]],
                    _ => Vec::new(),
                };
                let units = match kind {
                    4 | 5 => vec![self.units[self.rng.below(self.units.len() as u64) as usize]],
                    _ => Vec::new(),
                };
                Visibility::Members {
                    members,
                    groups,
                    units,
                }
            }
        }
    }

    fn random_member(&mut self) -> MemberId {
        self.members[self.rng.below(self.members.len() as u64) as usize]
    }

    fn random_contact(&mut self) -> Option<ContactId> {
        let ids: Vec<ContactId> = self.tenant.contact_ids().collect();
        (!ids.is_empty()).then(|| ids[self.rng.below(ids.len() as u64) as usize])
    }

    pub(super) fn change_visibility(&mut self) {
        let Some(doc) = self.random_contact() else {
            return;
        };
        let owner = self.tenant.meta(doc).expect("stored").owner;
        // Normalised as the server stores it.
        let visibility = self
            .random_visibility()
            .normalized(owner)
            .expect("a few members, groups and units");
        let members = self.members.clone();
        self.on_server(|tenant| tenant.set_visibility(doc, visibility, &members));
        self.stats.visibility_changes += 1;
    }

    pub(super) fn purge(&mut self) {
        if let Some(doc) = self.random_contact() {
            let members = self.members.clone();
            self.on_server(|tenant| tenant.purge(doc, &members));
            self.acknowledged.remove(&doc);
            self.stats.visibility_changes += 1;
        }
    }

    pub(super) fn transfer_owner(&mut self) {
        let Some(doc) = self.random_contact() else {
            return;
        };
        let new_owner = self.random_member();
        let before = self.tenant.meta(doc).expect("stored").owner;
        // Refused when the new owner is deactivated: nothing changes then.
        if self
            .on_server(|tenant| tenant.transfer_owner(doc, new_owner))
            .is_ok()
            && before != new_owner
        {
            self.stats.owner_transfers += 1;
        }
    }

    /// A member joins or leaves a group.
    pub(super) fn change_group(&mut self) {
        let member = self.random_member();
        let group = self.groups[self.rng.below(self.groups.len() as u64) as usize];
        let changes = if self.tenant.viewer(member).groups.contains(&group) {
            self.on_server(|tenant| tenant.leave_group(member, group))
        } else {
            self.on_server(|tenant| tenant.join_group(member, group))
        };
        self.stats.group_changes += 1;
        self.count_access_changes(&changes);
    }

    /// A member joins or leaves an org unit.
    pub(super) fn change_unit(&mut self) {
        let member = self.random_member();
        let unit = self.units[self.rng.below(self.units.len() as u64) as usize];
        let changes = if self.tenant.units_of(member).any(|own| own == unit) {
            self.on_server(|tenant| tenant.leave_unit(member, unit))
        } else {
            self.on_server(|tenant| tenant.join_unit(member, unit))
                .expect("the sim's units exist")
        };
        self.stats.unit_changes += 1;
        self.count_access_changes(&changes);
    }

    /// An org unit moves under another (or to the top); a move into its own subtree is
    /// refused and changes nothing.
    pub(super) fn move_unit(&mut self) {
        let unit = self.units[self.rng.below(self.units.len() as u64) as usize];
        let parent = match self.rng.below(self.units.len() as u64 + 1) as usize {
            top if top == self.units.len() => None,
            index => Some(self.units[index]),
        };
        match self.on_server(|tenant| tenant.move_unit(unit, parent)) {
            Ok(changes) => {
                self.stats.unit_moves += 1;
                self.count_access_changes(&changes);
            }
            Err(_) => self.stats.unit_moves_refused += 1,
        }
    }

    /// A member is deactivated, or a deactivated one comes back. Their devices stay
    /// connected: the feed alone must empty them (and fill them again).
    pub(super) fn toggle_active(&mut self) {
        let inactive: Vec<MemberId> = self
            .members
            .iter()
            .copied()
            .filter(|member| !self.tenant.is_active(*member))
            .collect();
        let changes = if !inactive.is_empty() && self.rng.chance(700) {
            let member = inactive[self.rng.below(inactive.len() as u64) as usize];
            self.stats.reactivations += 1;
            self.on_server(|tenant| tenant.set_active(member, true))
        } else {
            let member = self.random_member();
            if !self.tenant.is_active(member) {
                return;
            }
            self.stats.deactivations += 1;
            self.on_server(|tenant| tenant.set_active(member, false))
        };
        self.count_access_changes(&changes);
    }

    fn count_access_changes(&mut self, changes: &[crate::access::AccessChange]) {
        self.stats.access_changes += changes
            .iter()
            .map(|change| (change.gained.len() + change.lost.len()) as u64)
            .sum::<u64>();
    }
}
