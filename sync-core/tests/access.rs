//! Stories of who sees a contact as the company changes around it: members joining and leaving
//! groups and org units, units moving, owners changing, members deactivated and back. Scripted
//! on the simulated network, so each story checks what reaches the phones, not only the rule.

use sync_core::contact::Contact;
use sync_core::ids::{GroupId, UnitId};
use sync_core::sim::{SimConfig, SimNetwork};
use sync_core::wire::Visibility;

const FIELD_REPS: GroupId = GroupId::from_u128(40);
const SALES: UnitId = UnitId::from_u128(50);
const TOKYO: UnitId = UnitId::from_u128(51);
const SUPPORT: UnitId = UnitId::from_u128(52);

/// Three phones, one each for Owen (who creates the contacts), Ana and Ben, all online.
fn company() -> SimNetwork {
    let mut net = SimNetwork::new(
        21,
        SimConfig {
            devices: 3,
            members: 3,
            steps: 0,
            fault_per_mille: 0,
            unavailable_per_mille: 0,
        },
    );
    net.on_server(|tenant| {
        tenant.add_unit(SALES, None).unwrap();
        tenant.add_unit(TOKYO, Some(SALES)).unwrap();
        tenant.add_unit(SUPPORT, None).unwrap();
    });
    for phone in 0..3 {
        net.connect(phone);
    }
    net
}

const OWEN: usize = 0;
const ANA: usize = 1;
const BEN: usize = 2;

fn contact(given: &str) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = given.into();
    contact
}

fn shared_with(groups: &[GroupId], units: &[UnitId]) -> Visibility {
    Visibility::Members {
        members: vec![],
        groups: groups.to_vec(),
        units: units.to_vec(),
    }
}

#[test]
fn a_member_put_in_a_group_receives_its_contacts_and_loses_them_when_taken_out() {
    let mut net = company();
    let id = net.create(OWEN, &contact("Aiko"));
    net.run_until_quiet();
    net.set_visibility(id, shared_with(&[FIELD_REPS], &[]));
    net.run_until_quiet();
    assert!(
        net.device(ANA).contact(id).is_none(),
        "not in the group yet"
    );
    let ana = net.member_of(ANA);
    net.on_server(|tenant| tenant.join_group(ana, FIELD_REPS));
    net.run_until_quiet();
    assert!(
        net.device(ANA).contact(id).is_some(),
        "granted with the group"
    );
    assert!(net.device(BEN).contact(id).is_none());
    net.on_server(|tenant| tenant.leave_group(ana, FIELD_REPS));
    net.run_until_quiet();
    assert!(
        net.device(ANA).contact(id).is_none(),
        "revoked with the group"
    );
    net.check().unwrap();
}

#[test]
fn sharing_with_a_department_reaches_the_teams_below_it_until_a_team_moves_away() {
    let mut net = company();
    let (ana, ben) = (net.member_of(ANA), net.member_of(BEN));
    net.on_server(|tenant| {
        tenant.join_unit(ana, TOKYO).unwrap();
        tenant.join_unit(ben, SUPPORT).unwrap();
    });
    let id = net.create(OWEN, &contact("Hiro"));
    net.run_until_quiet();
    net.set_visibility(id, shared_with(&[], &[SALES]));
    net.run_until_quiet();
    assert!(
        net.device(ANA).contact(id).is_some(),
        "Tokyo is below Sales"
    );
    assert!(net.device(BEN).contact(id).is_none(), "Support is not");
    // Tokyo moves under Support: Ana loses what Sales sees. Then Support moves under Sales:
    // Ben, and Ana with Tokyo below Support, see it.
    net.on_server(|tenant| tenant.move_unit(TOKYO, Some(SUPPORT)))
        .unwrap();
    net.run_until_quiet();
    assert!(net.device(ANA).contact(id).is_none());
    net.on_server(|tenant| tenant.move_unit(SUPPORT, Some(SALES)))
        .unwrap();
    net.run_until_quiet();
    assert!(net.device(ANA).contact(id).is_some());
    assert!(net.device(BEN).contact(id).is_some());
    let refused = net.on_server(|tenant| tenant.move_unit(SALES, Some(TOKYO)));
    assert!(refused.is_err(), "Sales cannot move below its own team");
    net.check().unwrap();
}

#[test]
fn a_deactivated_members_phone_empties_even_of_their_own_contacts_and_refills_on_return() {
    let mut net = company();
    let everyone = net.create(OWEN, &contact("Emi"));
    let own = net.create(ANA, &contact("Farid"));
    net.run_until_quiet();
    assert_eq!(net.device(ANA).contact_ids().count(), 2);
    // Ana edits her own contact offline while she is deactivated.
    net.disconnect(ANA);
    net.edit(ANA, own, |c| c.name.family = "Haddad".into());
    let ana = net.member_of(ANA);
    net.on_server(|tenant| tenant.set_active(ana, false));
    net.connect(ANA);
    net.run_until_quiet();
    assert_eq!(net.device(ANA).contact_ids().count(), 0, "nothing is left");
    assert_eq!(net.rejections(ANA), [(own, "forbidden".to_string())]);
    let at_owen = net.device(OWEN).contact(own).unwrap().unwrap();
    assert_eq!(
        at_owen.name.family, "",
        "her edit made while deactivated reached no colleague"
    );
    net.on_server(|tenant| tenant.set_active(ana, true));
    net.run_until_quiet();
    let back: Vec<_> = net.device(ANA).contact_ids().collect();
    assert_eq!(back.len(), 2, "both came back");
    assert!(back.contains(&everyone) && back.contains(&own));
    net.check().unwrap();
}

#[test]
fn an_owner_transfer_reaches_the_new_owner_and_keeps_the_previous_one() {
    let mut net = company();
    let id = net.create(OWEN, &contact("Grace"));
    net.run_until_quiet();
    net.set_visibility(id, Visibility::private());
    net.run_until_quiet();
    let ben = net.member_of(BEN);
    net.on_server(|tenant| tenant.transfer_owner(id, ben))
        .unwrap();
    net.run_until_quiet();
    assert!(
        net.device(BEN).contact(id).is_some(),
        "the new owner has it"
    );
    assert!(
        net.device(OWEN).contact(id).is_some(),
        "the old owner kept it"
    );
    assert!(net.device(ANA).contact(id).is_none());
    assert_eq!(net.device(OWEN).meta(id).unwrap().owner, ben);
    let ana = net.member_of(ANA);
    net.on_server(|tenant| tenant.set_active(ana, false));
    assert!(
        net.on_server(|tenant| tenant.transfer_owner(id, ana))
            .is_err(),
        "a deactivated member cannot take it"
    );
    net.check().unwrap();
}

#[test]
fn archiving_trashing_and_restoring_travel_like_any_edit() {
    let mut net = company();
    let id = net.create(OWEN, &contact("Ben"));
    net.run_until_quiet();
    net.edit(ANA, id, |c| c.lifecycle.archived = true);
    net.run_until_quiet();
    assert!(
        net.device(BEN)
            .contact(id)
            .unwrap()
            .unwrap()
            .lifecycle
            .archived
    );
    net.edit(BEN, id, |c| {
        c.lifecycle.trashed_at_ms = Some(1_750_000_000_000)
    });
    net.run_until_quiet();
    assert!(net.device(OWEN).contact(id).unwrap().unwrap().is_trashed());
    net.edit(OWEN, id, |c| {
        c.lifecycle.trashed_at_ms = None;
        c.lifecycle.archived = false;
    });
    net.run_until_quiet();
    let restored = net.device(ANA).contact(id).unwrap().unwrap();
    assert!(!restored.is_trashed() && !restored.lifecycle.archived);
    net.check().unwrap();
}
