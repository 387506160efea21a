//! The cap on one contact's saved document (`MAX_DOC_BYTES`): a phone refuses an edit that
//! would take a contact over it, the server refuses such a push with `too_large`, and a
//! contact at or over the cap can still be edited down.
//!
//! Contacts are filled with activity entries of 90,000 characters of random text, which
//! Automerge compresses little: each adds about 68 KB to the saved document, so six take it to
//! 407 KB and eight past the cap (524,288 bytes).

use automerge::ActorId;
use serde_bytes::ByteBuf;
use sync_core::accept::{Accepted, accept_changes, codes};
use sync_core::contact::{Activity, ActivityKind, Contact};
use sync_core::document::{ContactDoc, DocumentError, MAX_DOC_BYTES};
use sync_core::ids::{ContactId, ItemId};

const ID: ContactId = ContactId::from_u128(512);

/// `chars` characters of random text (64 symbols, so about 6 bits a byte survive compression).
fn noise(seed: u64, chars: usize) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .";
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..chars)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ALPHABET[(state % 64) as usize] as char
        })
        .collect()
}

fn entry(n: u64, chars: usize) -> Activity {
    Activity {
        id: ItemId::from(format!("v{n}").as_str()),
        kind: ActivityKind::Meeting,
        at_ms: 1_700_000_000_000 + n as i64,
        by: "member-3".into(),
        text: noise(n, chars),
    }
}

fn named(given: &str) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = given.into();
    contact
}

/// A phone's document, grown by `entries` activity entries of 90,000 characters each, one
/// edit per entry.
fn grown(entries: u64) -> ContactDoc {
    let (mut doc, _) = ContactDoc::create(ID, ActorId::from([1u8; 16]), &named("Mara")).unwrap();
    for n in 0..entries {
        doc.edit(|contact| contact.activity.push(entry(n, 90_000)))
            .unwrap();
    }
    doc
}

fn push_of(doc: &ContactDoc, since: &[automerge::ChangeHash]) -> Vec<ByteBuf> {
    doc.changes_since(since)
        .iter()
        .map(|change| ByteBuf::from(change.raw_bytes().to_vec()))
        .collect()
}

#[test]
fn an_edit_that_would_take_a_contact_over_the_cap_is_refused_and_commits_nothing() {
    let mut doc = grown(6);
    let size = doc.save().len();
    assert!(
        size > MAX_DOC_BYTES * 3 / 4 && size < MAX_DOC_BYTES,
        "{size}"
    );
    let (heads, contact) = (doc.heads(), doc.contact().unwrap());
    let refused = doc.edit(|contact| {
        contact.activity.push(entry(10, 90_000));
        contact.activity.push(entry(11, 90_000));
    });
    let Err(DocumentError::TooLarge {
        doc: id,
        bytes,
        limit,
    }) = refused
    else {
        panic!("expected TooLarge, got {refused:?}");
    };
    assert_eq!((id, limit), (ID, MAX_DOC_BYTES));
    assert!(bytes > MAX_DOC_BYTES);
    assert_eq!(doc.heads(), heads, "nothing was committed");
    assert_eq!(doc.contact().unwrap(), contact);
    assert_eq!(doc.save().len(), size);
    // The contact still takes an ordinary edit.
    doc.edit(|contact| contact.name.family = "Lindqvist".into())
        .unwrap()
        .expect("a small edit is saved");
}

#[test]
fn a_contact_too_large_to_store_cannot_be_created() {
    let mut contact = named("Mara");
    contact.activity = (0..9).map(|n| entry(n, 90_000)).collect();
    let refused = ContactDoc::create(ID, ActorId::from([1u8; 16]), &contact);
    assert!(
        matches!(refused, Err(DocumentError::TooLarge { bytes, .. }) if bytes > MAX_DOC_BYTES),
        "{refused:?}"
    );
}

/// Two phones each add entries offline to a contact near the cap: each edit is within it, the
/// merge is not. Changes from elsewhere are always applied.
fn merged_over_the_cap() -> ContactDoc {
    let mut phone_a = grown(6);
    let mut phone_b = ContactDoc::load(ID, ActorId::from([2u8; 16]), &phone_a.save()).unwrap();
    phone_a
        .edit(|contact| contact.activity.push(entry(20, 90_000)))
        .unwrap();
    phone_b
        .edit(|contact| contact.activity.push(entry(21, 90_000)))
        .unwrap();
    phone_a.merge_saved(&phone_b.save()).unwrap();
    assert!(phone_a.save().len() > MAX_DOC_BYTES);
    phone_a
}

#[test]
fn a_contact_over_the_cap_refuses_growth_but_can_be_edited_down() {
    let mut doc = merged_over_the_cap();
    let before = doc.save().len();
    assert!(matches!(
        doc.edit(|contact| contact.notes = "One more line".into()),
        Err(DocumentError::TooLarge { .. })
    ));
    assert_eq!(doc.save().len(), before, "the refused edit left no trace");
    // Removing a tag, an item or old activity is what a rep does to fix it.
    doc.edit(|contact| {
        contact.activity.remove(0);
    })
    .unwrap()
    .expect("removing an entry is saved");
    let contact = doc.contact().unwrap();
    assert_eq!(contact.activity.len(), 7);
    let after = doc.save().len();
    assert!(
        after.abs_diff(before) < 1_000,
        "history keeps the removed text: {before} -> {after}"
    );
}

#[test]
fn a_contact_near_the_cap_can_still_be_edited_down() {
    let mut doc = grown(7);
    doc.edit(|contact| {
        contact.name.family = "Lindqvist".into();
        contact.tags.insert("vip".into(), true);
    })
    .unwrap();
    // Fill the notes until the document is a few hundred bytes below the cap.
    let mut notes = String::new();
    let mut gap = MAX_DOC_BYTES - doc.save().len();
    while gap > 400 {
        notes.push_str(&noise(gap as u64, gap));
        doc.edit(|contact| contact.notes = notes.as_str().into())
            .unwrap();
        gap = MAX_DOC_BYTES.saturating_sub(doc.save().len());
    }
    assert!(doc.save().len() <= MAX_DOC_BYTES, "filled within the cap");
    // Adding is refused; clearing a field, removing an entry and shortening the notes are
    // not, whether or not the few bytes they add cross the cap.
    assert!(matches!(
        doc.edit(|contact| contact.name.nickname = noise(1, 600)),
        Err(DocumentError::TooLarge { .. })
    ));
    doc.edit(|contact| contact.name.family.clear())
        .unwrap()
        .expect("clearing a field near the cap is saved");
    doc.edit(|contact| {
        contact.tags.remove("vip");
    })
    .unwrap()
    .expect("removing a tag near the cap is saved");
    doc.edit(|contact| {
        contact.activity.pop();
    })
    .unwrap()
    .expect("removing an entry near the cap is saved");
    doc.edit(|contact| contact.notes = notes[..notes.len() / 2].into())
        .unwrap()
        .expect("shortening the notes is saved");
    assert_eq!(doc.contact().unwrap().activity.len(), 6);
}

/// One change making `edit` to `stored`, written without the phone's own size check (as an
/// older or foreign client might).
fn unchecked_change(stored: &ContactDoc, edit: impl FnOnce(&mut Contact)) -> ByteBuf {
    let mut contact = stored.contact().unwrap();
    edit(&mut contact);
    let mut raw = stored
        .automerge()
        .fork()
        .with_actor(ActorId::from([6u8; 16]));
    raw.transact(|tx| autosurgeon::reconcile(tx, &contact))
        .unwrap();
    ByteBuf::from(raw.get_last_local_change().unwrap().raw_bytes().to_vec())
}

#[test]
fn the_server_refuses_a_push_that_takes_a_contact_over_the_cap() {
    let phone = grown(6);
    let stored = match accept_changes(ID, None, &push_of(&phone, &[])) {
        Ok(Accepted::Changed { doc, saved, .. }) => {
            assert_eq!(
                saved,
                doc.save(),
                "the snapshot to store comes with the answer"
            );
            *doc
        }
        other => panic!("{other:?}"),
    };
    let push = [unchecked_change(&stored, |contact| {
        contact.activity.push(entry(30, 90_000));
        contact.activity.push(entry(31, 90_000));
    })];
    let refused = accept_changes(ID, Some(&stored), &push).unwrap_err();
    assert_eq!(refused.code, codes::TOO_LARGE);
    assert!(
        refused.message.contains("over the limit"),
        "{}",
        refused.message
    );
}

#[test]
fn the_server_refuses_a_new_contact_too_large_to_store() {
    let mut contact = named("Mara");
    contact.activity = (0..9).map(|n| entry(n, 90_000)).collect();
    let empty = ContactDoc::empty(ID, ActorId::from([7u8; 16]));
    let push = [unchecked_change(&empty, |new| *new = contact)];
    let refused = accept_changes(ID, None, &push).unwrap_err();
    assert_eq!(refused.code, codes::TOO_LARGE);
}

#[test]
fn the_server_accepts_a_push_that_edits_a_contact_over_the_cap_down() {
    let stored = merged_over_the_cap();
    let mut phone = ContactDoc::load(ID, ActorId::from([4u8; 16]), &stored.save()).unwrap();
    let heads = phone.heads();
    phone
        .edit(|contact| {
            contact.activity.remove(0);
        })
        .unwrap();
    let accepted = accept_changes(ID, Some(&stored), &push_of(&phone, &heads));
    assert!(
        matches!(accepted, Ok(Accepted::Changed { .. })),
        "{accepted:?}"
    );
    // Growth the push does not pay for is refused, as on the phone.
    let push = [unchecked_change(&stored, |contact| {
        contact.notes = noise(7, 5_000).as_str().into();
    })];
    let refused = accept_changes(ID, Some(&stored), &push).unwrap_err();
    assert_eq!(refused.code, codes::TOO_LARGE);
}

#[test]
fn a_refused_edit_keeps_changes_still_waiting_for_their_dependencies() {
    let mut doc = grown(6);
    // A colleague's two edits arrive out of order: the second waits for the first.
    let mut colleague = ContactDoc::load(ID, ActorId::from([8u8; 16]), &doc.save()).unwrap();
    let first = colleague
        .edit(|contact| contact.name.family = "Lindqvist".into())
        .unwrap()
        .unwrap();
    let second = colleague
        .edit(|contact| contact.name.nickname = "Mia".into())
        .unwrap()
        .unwrap();
    doc.apply(&[second.raw_bytes()]).unwrap();
    assert_eq!(doc.missing_deps(), [first.hash()]);
    assert!(matches!(
        doc.edit(|contact| {
            contact.activity.push(entry(40, 90_000));
            contact.activity.push(entry(41, 90_000));
        }),
        Err(DocumentError::TooLarge { .. })
    ));
    assert_eq!(doc.missing_deps(), [first.hash()], "still waiting");
    doc.apply(&[first.raw_bytes()]).unwrap();
    let contact = doc.contact().unwrap();
    assert_eq!(
        (contact.name.family.as_str(), contact.name.nickname.as_str()),
        ("Lindqvist", "Mia")
    );
}

#[test]
fn changes_received_through_repair_count_towards_the_cap() {
    // A phone far from the cap receives, through Automerge's sync protocol, a colleague's
    // entries that take the contact near it: its next growing edit is still refused.
    let colleague = grown(7);
    let (mut phone, _) = ContactDoc::create(ID, ActorId::from([9u8; 16]), &named("Mara")).unwrap();
    let mut from = ContactDoc::load(ID, ActorId::from([1u8; 16]), &colleague.save()).unwrap();
    sync_until_quiet(&mut from, &mut phone);
    assert!(phone.save().len() > MAX_DOC_BYTES * 7 / 8);
    assert!(matches!(
        phone.edit(|contact| contact.activity.push(entry(50, 90_000))),
        Err(DocumentError::TooLarge { .. })
    ));
}

fn sync_until_quiet(a: &mut ContactDoc, b: &mut ContactDoc) {
    use automerge::sync::{State, SyncDoc};
    let (mut state_a, mut state_b) = (State::new(), State::new());
    for _ in 0..20 {
        let to_b = a.automerge_mut().generate_sync_message(&mut state_a);
        if let Some(message) = &to_b {
            b.automerge_mut()
                .receive_sync_message(&mut state_b, message.clone())
                .unwrap();
        }
        let to_a = b.automerge_mut().generate_sync_message(&mut state_b);
        if let Some(message) = &to_a {
            a.automerge_mut()
                .receive_sync_message(&mut state_a, message.clone())
                .unwrap();
        }
        if to_a.is_none() && to_b.is_none() {
            return;
        }
    }
    panic!("sync did not settle");
}
