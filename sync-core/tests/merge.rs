//! What happens when two phones edit the same contact at the same time, one story per test.
//! Each test forks one document onto two "phones", edits both, merges both ways and checks the
//! result a rep would expect (and that both phones agree).

use automerge::ActorId;
use sync_core::contact::{Contact, Organization, Phone};
use sync_core::document::ContactDoc;
use sync_core::ids::{ContactId, ItemId};

const ID: ContactId = ContactId::from_u128(42);

fn phone(id: &str, e164: &str) -> Phone {
    Phone {
        id: ItemId::from(id),
        label: "work".into(),
        e164: e164.into(),
        raw: e164.into(),
    }
}

fn base_contact() -> Contact {
    let mut contact = Contact::default();
    contact.name.given = "Aiko".into();
    contact.name.family = "Sato".into();
    contact.organizations.push(Organization {
        id: ItemId::from("org1"),
        company: "Yamata Keiki".into(),
        department: "Sales".into(),
        title: "Manager".into(),
    });
    contact.phones.push(phone("p1", "+81312345678"));
    contact
}

/// Two phones holding the same contact, each with its own actor.
fn two_phones() -> (ContactDoc, ContactDoc) {
    let (original, first_change) =
        ContactDoc::create(ID, ActorId::from([1u8; 16]), &base_contact()).expect("valid contact");
    let mut second = ContactDoc::empty(ID, ActorId::from([2u8; 16]));
    second.apply(&[first_change.raw_bytes()]).expect("applies");
    (original, second)
}

/// Exchange every change both ways, as sync would.
fn sync_both(a: &mut ContactDoc, b: &mut ContactDoc) {
    let from_a: Vec<Vec<u8>> = a
        .changes_since(&[])
        .iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect();
    let from_b: Vec<Vec<u8>> = b
        .changes_since(&[])
        .iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect();
    b.apply(&from_a).expect("applies");
    a.apply(&from_b).expect("applies");
    let (mut heads_a, mut heads_b) = (a.heads(), b.heads());
    heads_a.sort();
    heads_b.sort();
    assert_eq!(heads_a, heads_b, "both phones hold the same history");
}

fn read(doc: &ContactDoc) -> Contact {
    doc.contact().expect("reads as a contact")
}

#[test]
fn edits_to_different_fields_on_two_phones_both_survive() {
    let (mut alice, mut bob) = two_phones();
    alice
        .edit(|c| c.organizations[0].title = "Director".into())
        .unwrap();
    bob.edit(|c| c.name.nickname = "Ai".into()).unwrap();
    sync_both(&mut alice, &mut bob);
    for phone in [&alice, &bob] {
        let contact = read(phone);
        assert_eq!(contact.organizations[0].title, "Director");
        assert_eq!(contact.name.nickname, "Ai");
    }
    assert!(alice.conflicts().is_empty());
}

#[test]
fn a_phone_added_on_each_device_keeps_both_numbers() {
    let (mut alice, mut bob) = two_phones();
    alice
        .edit(|c| c.phones.push(phone("p2", "+81355550101")))
        .unwrap();
    bob.edit(|c| c.phones.push(phone("p3", "+14155550132")))
        .unwrap();
    sync_both(&mut alice, &mut bob);
    let contact = read(&alice);
    let mut numbers: Vec<&str> = contact.phones.iter().map(|p| p.e164.as_str()).collect();
    numbers.sort();
    assert_eq!(numbers, ["+14155550132", "+81312345678", "+81355550101"]);
    assert_eq!(read(&alice), read(&bob));
}

#[test]
fn deleting_a_phone_while_another_device_edits_it_deletes_it_everywhere() {
    let (mut alice, mut bob) = two_phones();
    alice
        .edit(|c| c.phones.push(phone("p2", "+81355550101")))
        .unwrap();
    sync_both(&mut alice, &mut bob);
    // Alice relabels the first phone while Bob deletes it.
    alice.edit(|c| c.phones[0].label = "mobile".into()).unwrap();
    bob.edit(|c| c.phones.retain(|p| p.id.as_str() != "p1"))
        .unwrap();
    sync_both(&mut alice, &mut bob);
    for phone in [&alice, &bob] {
        let contact = read(phone);
        let ids: Vec<&str> = contact.phones.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            ids,
            ["p2"],
            "the delete wins and the other phone is untouched"
        );
    }
}

#[test]
fn the_same_field_edited_on_two_devices_shows_a_conflict_with_the_same_winner_everywhere() {
    let (mut alice, mut bob) = two_phones();
    alice
        .edit(|c| c.organizations[0].title = "Director".into())
        .unwrap();
    bob.edit(|c| c.organizations[0].title = "Head of Sales".into())
        .unwrap();
    // Merge in opposite orders on two fresh copies: the winner must not depend on order.
    let (mut alice_copy, mut bob_copy) = (alice.clone(), bob.clone());
    sync_both(&mut alice, &mut bob);
    sync_both(&mut bob_copy, &mut alice_copy);
    let winner = read(&alice).organizations[0].title.clone();
    assert!(winner == "Director" || winner == "Head of Sales");
    for phone in [&alice, &bob, &alice_copy, &bob_copy] {
        assert_eq!(read(phone).organizations[0].title, winner);
        let conflicts = phone.conflicts();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        assert_eq!(conflicts[0].path, "organizations[org1].title");
        assert_eq!(conflicts[0].winner, winner);
        let loser = if winner == "Director" {
            "Head of Sales"
        } else {
            "Director"
        };
        assert_eq!(conflicts[0].others, [loser]);
    }
    // Editing the field again resolves the conflict.
    alice
        .edit(|c| c.organizations[0].title = "Director of Sales".into())
        .unwrap();
    assert!(alice.conflicts().is_empty());
}

#[test]
fn typing_in_the_notes_on_two_devices_keeps_both_texts() {
    let (mut alice, mut bob) = two_phones();
    alice
        .edit(|c| c.notes = "Met at the trade fair.".into())
        .unwrap();
    sync_both(&mut alice, &mut bob);
    alice.edit(|c| c.notes.0.insert_str(0, "VIP. ")).unwrap();
    bob.edit(|c| c.notes.0.push_str(" Wants a demo.")).unwrap();
    sync_both(&mut alice, &mut bob);
    assert_eq!(
        read(&alice).notes.as_str(),
        "VIP. Met at the trade fair. Wants a demo."
    );
    assert_eq!(read(&alice), read(&bob));
}

#[test]
fn tags_added_on_two_devices_are_both_kept_and_removing_one_removes_only_it() {
    let (mut alice, mut bob) = two_phones();
    alice
        .edit(|c| {
            c.tags.insert("vip".into(), true);
        })
        .unwrap();
    bob.edit(|c| {
        c.tags.insert("trade-fair".into(), true);
    })
    .unwrap();
    sync_both(&mut alice, &mut bob);
    assert_eq!(read(&alice).tag_list(), ["trade-fair", "vip"]);
    bob.edit(|c| {
        c.tags.remove("vip");
    })
    .unwrap();
    sync_both(&mut alice, &mut bob);
    assert_eq!(read(&alice).tag_list(), ["trade-fair"]);
}

#[test]
fn an_invalid_edit_is_refused_and_leaves_the_document_untouched() {
    let (mut alice, _) = two_phones();
    let heads = alice.heads();
    let error = alice
        .edit(|c| c.phones[0].e164 = "12345".into())
        .unwrap_err();
    assert!(error.to_string().contains("phones[0].e164"), "{error}");
    assert_eq!(alice.heads(), heads, "nothing was committed");
    assert_eq!(read(&alice).phones[0].e164, "+81312345678");
}

#[test]
fn a_merge_that_breaks_a_rule_does_not_block_other_edits() {
    // Both phones clear a different name part and the company: merged, the contact has no name.
    let (mut alice, mut bob) = two_phones();
    alice.edit(|c| c.name.given.clear()).unwrap();
    bob.edit(|c| {
        c.name.family.clear();
        c.organizations.clear();
    })
    .unwrap();
    sync_both(&mut alice, &mut bob);
    assert!(sync_core::validate::validate(&read(&alice)).is_err());
    // The rep can still add a note; the UI shows the missing name.
    alice
        .edit(|c| c.notes = "Ask for their name.".into())
        .unwrap();
    // And fixing the name is of course allowed.
    alice.edit(|c| c.name.given = "Aiko".into()).unwrap();
    assert!(sync_core::validate::validate(&read(&alice)).is_ok());
}
