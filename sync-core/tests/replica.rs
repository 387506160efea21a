//! Stories of one or two devices and the server, scripted on the simulated network (no random
//! steps, no faults unless the story injects them).

use sync_core::contact::{Contact, Phone};
use sync_core::ids::ItemId;
use sync_core::sim::{SimConfig, SimNetwork};
use sync_core::wire::Visibility;

/// Two devices: device 0 belongs to member 0 and device 1 to member 1 when `members` is 2, or
/// both to one member when it is 1.
fn world(members: usize) -> SimNetwork {
    SimNetwork::new(
        11,
        SimConfig {
            devices: 2,
            members,
            steps: 0,
            fault_per_mille: 0,
            unavailable_per_mille: 0,
        },
    )
}

fn contact(given: &str) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = given.into();
    contact
}

#[test]
fn edits_made_offline_survive_a_device_restart_and_reach_the_server_on_reconnect() {
    let mut net = world(1);
    let id = net.create(0, &contact("Aiko"));
    net.edit(0, id, |c| c.name.family = "Sato".into());
    assert_eq!(
        net.device(0).pending(),
        2,
        "both changes wait in the outbox"
    );
    net.restart_device(0);
    assert_eq!(net.device(0).pending(), 2, "the outbox was stored");
    assert!(
        net.tenant().doc(id).is_none(),
        "nothing reached the server while offline"
    );
    net.connect(0);
    net.run_until_quiet();
    assert_eq!(net.device(0).pending(), 0);
    let stored = net
        .tenant()
        .doc(id)
        .expect("on the server")
        .contact()
        .unwrap();
    assert_eq!(
        (stored.name.given.as_str(), stored.name.family.as_str()),
        ("Aiko", "Sato")
    );
    net.connect(1);
    net.run_until_quiet();
    net.check().unwrap();
}

#[test]
fn a_push_repeated_after_a_lost_ack_is_stored_once() {
    let mut net = world(1);
    net.connect(0);
    net.run_until_quiet();
    let id = net.create(0, &contact("Ben"));
    // Let the push reach the server and commit, then lose the ack with the connection.
    net.deliver_to_server(0);
    assert!(
        net.tenant().doc(id).is_some(),
        "committed before the ack was sent"
    );
    let head = net.tenant().head();
    net.lose_frames_to(0);
    net.disconnect(0);
    assert_eq!(
        net.device(0).pending(),
        1,
        "without an ack the change stays in the outbox"
    );
    net.connect(0);
    net.run_until_quiet();
    assert_eq!(net.device(0).pending(), 0, "the second ack clears it");
    assert_eq!(
        net.tenant().head(),
        head,
        "the repeated push added nothing to the feed"
    );
    net.connect(1);
    net.run_until_quiet();
    net.check().unwrap();
}

#[test]
fn a_member_who_loses_access_has_the_contact_removed_and_offline_edits_refused() {
    let mut net = world(2);
    net.connect(0);
    net.connect(1);
    let id = net.create(0, &contact("Chloé"));
    net.run_until_quiet();
    assert!(
        net.device(1).contact(id).is_some(),
        "shared with everyone by default"
    );
    // Member 1 edits offline while the owner makes the contact private.
    net.disconnect(1);
    net.edit(1, id, |c| {
        c.phones.push(Phone {
            id: ItemId::from("p1"),
            label: "mobile".into(),
            e164: "+81312345678".into(),
            raw: "03-1234-5678".into(),
        })
    });
    net.set_visibility(id, Visibility::private());
    net.connect(1);
    net.run_until_quiet();
    assert!(
        net.device(1).contact(id).is_none(),
        "the contact left the device"
    );
    assert_eq!(net.rejections(1), [(id, "forbidden".to_string())]);
    assert!(
        net.tenant()
            .doc(id)
            .unwrap()
            .contact()
            .unwrap()
            .phones
            .is_empty()
    );
    net.check().unwrap();
}

#[test]
fn a_contact_shared_later_arrives_whole_on_the_other_members_device() {
    let mut net = world(2);
    net.connect(0);
    net.connect(1);
    let id = net.create(0, &contact("Dmitri"));
    net.run_until_quiet();
    net.set_visibility(id, Visibility::private());
    net.run_until_quiet();
    assert!(net.device(1).contact(id).is_none(), "private to its owner");
    net.edit(0, id, |c| c.notes = "Budget approved.".into());
    net.run_until_quiet();
    let member = net.member_of(1);
    net.set_visibility(id, Visibility::members(vec![member]));
    net.run_until_quiet();
    let shared = net.device(1).contact(id).expect("granted").unwrap();
    assert_eq!(shared.notes.as_str(), "Budget approved.");
    net.check().unwrap();
}

#[test]
fn a_new_device_of_an_existing_member_receives_every_contact_from_snapshots() {
    let mut net = world(1);
    net.connect(0);
    let ids: Vec<_> = (0..30)
        .map(|n| net.create(0, &contact(&format!("Rep {n}"))))
        .collect();
    net.run_until_quiet();
    net.connect(1);
    net.run_until_quiet();
    assert_eq!(net.device(1).contact_ids().count(), ids.len());
    assert_eq!(net.device(1).cursor(), net.tenant().head());
    net.check().unwrap();
}
