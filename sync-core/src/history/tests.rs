//! Stories of a contact's history.

use automerge::transaction::CommitOptions;
use automerge::{ActorId, ROOT, ReadDoc};

use super::*;
use crate::contact::{Contact, Organization, Phone};
use crate::ids::{ContactId, DeviceId, ItemId, MemberId};

mod attribution;
mod oracle;
mod restore;

/// 2024-05-01T09:30:00Z.
pub(super) const AT: i64 = 1_714_555_800_000;
pub(super) const HOUR: i64 = 3_600_000;
pub(super) const DAY: i64 = 24 * HOUR;

pub(super) const MINA: MemberId = MemberId::from_u128(1);
pub(super) const JONAS: MemberId = MemberId::from_u128(2);
pub(super) const ADMIN: MemberId = MemberId::from_u128(3);
pub(super) const PHONE_A: DeviceId = DeviceId::from_u128(10);
pub(super) const PHONE_B: DeviceId = DeviceId::from_u128(11);
pub(super) const CONTACT: ContactId = ContactId::from_u128(7);

pub(super) fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16])
}

pub(super) fn mara() -> Contact {
    let mut contact = Contact::default();
    contact.name.given = "Mara".into();
    contact.phones.push(phone("p1", "work", "+81312345678"));
    contact
}

pub(super) fn phone(id: &str, label: &str, e164: &str) -> Phone {
    Phone {
        id: ItemId::from(id),
        label: label.into(),
        e164: e164.into(),
        raw: String::new(),
    }
}

/// Mara's contact, created by Mina on phone A at [`AT`].
pub(super) fn created() -> ContactDoc {
    let by = Attribution::app(MINA, PHONE_A);
    ContactDoc::create_by(CONTACT, actor(1), &by, AT, &mara())
        .unwrap()
        .0
}

pub(super) fn all(doc: &ContactDoc) -> Vec<Revision> {
    revisions(doc, &HistoryOptions::default())
        .unwrap()
        .revisions
}

pub(super) fn change(path: &str, old: Option<&str>, new: Option<&str>) -> FieldChange {
    FieldChange {
        path: path.into(),
        old: old.map(str::to_string),
        new: new.map(str::to_string),
    }
}

#[test]
fn two_phones_offline_edits_show_as_two_revisions_each_with_its_device() {
    let mut phone_a = created();
    let mut phone_b = ContactDoc::load(CONTACT, actor(2), &phone_a.save()).unwrap();
    // Both phones are offline; each edits a different field.
    phone_a
        .edit_by(&Attribution::app(MINA, PHONE_A), AT + HOUR, |c| {
            c.name.family = "Lindqvist".into();
        })
        .unwrap();
    phone_b
        .edit_by(&Attribution::app(JONAS, PHONE_B), AT + 2 * HOUR, |c| {
            c.organizations.push(Organization {
                id: ItemId::from("o1"),
                company: "Kawasemi Trading".into(),
                department: "Sales".into(),
                title: "Head of Sales".into(),
            });
        })
        .unwrap();
    phone_a.merge_saved(&phone_b.save()).unwrap();
    phone_b.merge_saved(&phone_a.save()).unwrap();

    let history = all(&phone_a);
    assert_eq!(history.len(), 3);
    let (jonas, mina, first) = (&history[0], &history[1], &history[2]);
    assert_eq!(jonas.attribution, Some(Attribution::app(JONAS, PHONE_B)));
    assert_eq!(
        (jonas.event, jonas.at_ms),
        (Event::Edited, Some(AT + 2 * HOUR))
    );
    assert_eq!(
        jonas.changes,
        [change(
            "organizations[o1]",
            None,
            Some("Kawasemi Trading, Sales, Head of Sales")
        )]
    );
    assert_eq!(mina.attribution, Some(Attribution::app(MINA, PHONE_A)));
    assert_eq!(
        mina.changes,
        [change("name.family", None, Some("Lindqvist"))]
    );
    assert_eq!(first.event, Event::Added);
    assert_eq!(all(&phone_b), history, "both phones list the same history");
}

#[test]
fn concurrent_edits_of_one_field_each_show_what_their_phone_saw() {
    let mut phone_a = created();
    let mut phone_b = ContactDoc::load(CONTACT, actor(2), &phone_a.save()).unwrap();
    phone_a
        .edit_by(&Attribution::app(MINA, PHONE_A), AT + HOUR, |c| {
            c.name.given = "Mara Elin".into();
        })
        .unwrap();
    phone_b
        .edit_by(&Attribution::app(JONAS, PHONE_B), AT + HOUR, |c| {
            c.name.given = "Marianne".into();
        })
        .unwrap();
    phone_a.merge_saved(&phone_b.save()).unwrap();

    let edits: Vec<Vec<FieldChange>> = all(&phone_a)[..2]
        .iter()
        .map(|revision| revision.changes.clone())
        .collect();
    assert!(edits.contains(&vec![change("name.given", Some("Mara"), Some("Mara Elin"))]));
    assert!(edits.contains(&vec![change("name.given", Some("Mara"), Some("Marianne"))]));
}

#[test]
fn the_first_revision_lists_every_field_the_contact_was_created_with() {
    let history = all(&created());
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].event, Event::Added);
    assert_eq!(
        history[0].changes,
        [
            change("name.given", None, Some("Mara")),
            change("phones[p1]", None, Some("work, +81312345678")),
            change("type", None, Some("lead")),
        ],
        "empty fields and the unarchived default are not listed"
    );
}

#[test]
fn the_initial_version_is_listed_even_when_older_than_since() {
    let by = Attribution::app(MINA, PHONE_A);
    let (mut doc, _) =
        ContactDoc::create_by(CONTACT, actor(1), &by, AT - 90 * DAY, &mara()).unwrap();
    doc.edit_by(&by, AT - 70 * DAY, |c| c.name.family = "Lind".into())
        .unwrap();
    doc.edit_by(&by, AT - DAY, |c| c.name.family = "Lindqvist".into())
        .unwrap();

    let recent = HistoryOptions {
        since_ms: Some(AT - 60 * DAY),
        ..HistoryOptions::default()
    };
    let listed = revisions(&doc, &recent).unwrap().revisions;
    let events: Vec<(Event, Option<i64>)> = listed.iter().map(|r| (r.event, r.at_ms)).collect();
    assert_eq!(
        events,
        [
            (Event::Edited, Some(AT - DAY)),
            (Event::Added, Some(AT - 90 * DAY))
        ]
    );
    assert_eq!(
        listed[0].changes,
        [change("name.family", Some("Lind"), Some("Lindqvist"))]
    );
}

#[test]
fn trash_restore_archive_and_combine_are_named_events() {
    let mut doc = created();
    let by = Attribution::app(MINA, PHONE_A);
    type Step = (i64, fn(&mut Contact));
    let steps: [Step; 6] = [
        (1, |c| c.lifecycle.trashed_at_ms = Some(AT + HOUR)),
        (2, |c| c.lifecycle.trashed_at_ms = None),
        (3, |c| c.lifecycle.archived = true),
        (4, |c| c.lifecycle.archived = false),
        (5, |c| c.lifecycle.merged_into = Some(CONTACT.to_string())),
        (6, |c| c.notes = "met at the fair".into()),
    ];
    for (hours, step) in steps {
        doc.edit_by(&by, AT + hours * HOUR, step).unwrap();
    }
    let events: Vec<Event> = all(&doc).iter().rev().map(|r| r.event).collect();
    assert_eq!(
        events,
        [
            Event::Added,
            Event::Deleted,
            Event::Restored,
            Event::Archived,
            Event::Unarchived,
            Event::Combined,
            Event::Edited
        ]
    );
    let deleted = &all(&doc)[5];
    assert_eq!(
        deleted.changes,
        [change(
            "lifecycle.trashed_at_ms",
            None,
            Some("2024-05-01T10:30:00Z")
        )]
    );
    let unarchived = &all(&doc)[2];
    assert_eq!(
        unarchived.changes,
        [change("lifecycle.archived", Some("true"), Some("false"))]
    );
}

#[test]
fn an_empty_server_change_shows_as_visibility_changed_with_who_and_when() {
    let mut server = created();
    let stored = server.clone();
    let admin = Attribution::server_side(ADMIN, Via::Api)
        .with_event(Event::VisibilityChanged, Some("private".to_string()));
    let recorded = server.record_event(&admin, Event::VisibilityChanged, AT + DAY);
    assert!(recorded.is_empty(), "the change has no operations");

    // It survives save and load, and a device applies it like any change.
    let reloaded = ContactDoc::load(CONTACT, actor(9), &server.save()).unwrap();
    let mut device = ContactDoc::load(CONTACT, actor(2), &stored.save()).unwrap();
    device.apply(&[recorded.raw_bytes()]).unwrap();
    for doc in [&server, &reloaded, &device] {
        let top = &all(doc)[0];
        assert_eq!(top.event, Event::VisibilityChanged);
        assert_eq!(top.attribution, Some(admin.clone()));
        assert_eq!(top.at_ms, Some(AT + DAY));
        assert!(top.changes.is_empty());
    }
    assert_eq!(device.contact().unwrap(), stored.contact().unwrap());

    // The server's own push path accepts it.
    let pushed = [serde_bytes::ByteBuf::from(recorded.raw_bytes().to_vec())];
    match crate::accept::accept_changes(CONTACT, Some(&stored), &pushed).unwrap() {
        crate::accept::Accepted::Changed { new_changes, .. } => assert_eq!(new_changes.len(), 1),
        other => panic!("expected the event to be stored, got {other:?}"),
    }
}

#[test]
fn list_items_added_removed_and_changed_are_named_by_their_id() {
    let mut doc = created();
    let by = Attribution::app(MINA, PHONE_A);
    doc.edit_by(&by, AT + HOUR, |c| {
        c.phones.push(phone("p2", "mobile", "+819012345678"));
    })
    .unwrap();
    doc.edit_by(&by, AT + 2 * HOUR, |c| c.phones[0].label = "main".into())
        .unwrap();
    doc.edit_by(&by, AT + 3 * HOUR, |c| {
        c.phones.remove(0);
    })
    .unwrap();

    let history = all(&doc);
    assert_eq!(
        history[0].changes,
        [change("phones[p1]", Some("main, +81312345678"), None)]
    );
    assert_eq!(history[0].changes[0].kind(), ChangeKind::Removed);
    assert_eq!(
        history[1].changes,
        [change("phones[p1].label", Some("work"), Some("main"))]
    );
    assert_eq!(history[1].changes[0].kind(), ChangeKind::Changed);
    assert_eq!(
        history[2].changes,
        [change("phones[p2]", None, Some("mobile, +819012345678"))]
    );
    assert_eq!(history[2].changes[0].kind(), ChangeKind::Added);
}

#[test]
fn tags_custom_fields_notes_and_dates_render_for_display() {
    use crate::contact::{CustomValue, DateEntry, PartialDate};
    let mut doc = created();
    let by = Attribution::app(MINA, PHONE_A);
    doc.edit_by(&by, AT + HOUR, |c| {
        c.tags.insert("vip".into(), true);
        c.custom
            .insert("budget".into(), CustomValue::Number(1500.0));
        c.notes = "met at the fair".into();
        c.level = Some(crate::contact::Level::Primary);
        c.dates.push(DateEntry {
            id: ItemId::from("d1"),
            label: "birthday".into(),
            date: PartialDate {
                year: None,
                month: 4,
                day: 7,
            },
        });
    })
    .unwrap();
    doc.edit_by(&by, AT + 2 * HOUR, |c| {
        c.notes = "met at the Osaka fair".into();
        c.tags.remove("vip");
        c.dates[0].date.year = Some(1990);
    })
    .unwrap();

    let history = all(&doc);
    assert_eq!(
        history[1].changes,
        [
            change("dates[d1]", None, Some("birthday, --04-07")),
            change("level", None, Some("primary")),
            change("tags.vip", None, Some("true")),
            change("notes", None, Some("met at the fair")),
            change("custom.budget", None, Some("1500")),
        ]
    );
    assert_eq!(
        history[0].changes,
        [
            change("dates[d1].date", Some("--04-07"), Some("1990-04-07")),
            change("tags.vip", Some("true"), None),
            change(
                "notes",
                Some("met at the fair"),
                Some("met at the Osaka fair")
            ),
        ]
    );
}

#[test]
fn changes_from_older_clients_are_listed_with_no_attribution() {
    let (mut doc, _) = ContactDoc::create(CONTACT, actor(1), &mara()).unwrap();
    doc.edit(|c| c.name.family = "Lindqvist".into()).unwrap();
    // Another Automerge writer: a free-text message and Automerge's time in seconds.
    doc.automerge_mut()
        .transact_with(
            |_| {
                CommitOptions::default()
                    .with_message("set language")
                    .with_time(AT / 1000)
            },
            |tx| automerge::transaction::Transactable::put(tx, ROOT, "language", "en"),
        )
        .unwrap();

    let history = all(&doc);
    assert!(history.iter().all(|r| r.attribution.is_none()));
    assert_eq!(history[0].at_ms, Some(AT), "seconds read as milliseconds");
    assert_eq!(history[0].changes, [change("language", None, Some("en"))]);
    assert_eq!((history[1].event, history[1].at_ms), (Event::Edited, None));
    assert_eq!(history[2].event, Event::Added);
}

#[test]
fn pages_follow_each_other_to_the_initial_revision() {
    let mut doc = created();
    let by = Attribution::app(MINA, PHONE_A);
    for n in 1..=10 {
        doc.edit_by(&by, AT + n * HOUR, |c| c.name.nickname = format!("M{n}"))
            .unwrap();
    }
    let whole: Vec<ChangeHash> = all(&doc).iter().map(|r| r.hash).collect();
    let mut paged = Vec::new();
    let mut options = HistoryOptions {
        limit: Some(3),
        ..HistoryOptions::default()
    };
    loop {
        let page = revisions(&doc, &options).unwrap();
        assert!(page.revisions.len() <= 3);
        paged.extend(page.revisions.iter().map(|r| r.hash));
        match page.next {
            Some(next) => options.after = Some(next),
            None => break,
        }
    }
    assert_eq!(paged, whole);
    assert_eq!(whole.len(), 11);

    let stranger = ChangeHash([7; 32]);
    options.after = Some(stranger);
    assert_eq!(
        revisions(&doc, &options),
        Err(HistoryError::UnknownCursor { hash: stranger })
    );
}

#[test]
fn a_phone_replica_attributes_its_edits_to_its_member_and_itself() {
    use crate::replica::device::DeviceReplica;
    let mut phone = DeviceReplica::new(PHONE_B, actor(2));
    phone.create_by(CONTACT, JONAS, AT, &mara(), None).unwrap();
    let effects = phone
        .edit_by(CONTACT, JONAS, AT + HOUR, |c| c.name.family = "Lind".into())
        .unwrap();
    assert!(!effects.is_empty(), "the edit is saved and queued");
    assert_eq!(phone.pending(), 2);

    let history = all(phone.doc(CONTACT).unwrap());
    for revision in &history {
        assert_eq!(revision.attribution, Some(Attribution::app(JONAS, PHONE_B)));
    }
    let times: Vec<_> = history.iter().map(|r| (r.event, r.at_ms)).collect();
    assert_eq!(
        times,
        [(Event::Edited, Some(AT + HOUR)), (Event::Added, Some(AT))]
    );
    let pushed = phone.doc(CONTACT).unwrap().changes_since(&[]);
    for change in pushed {
        assert_eq!(
            check_attribution(change.raw_bytes(), JONAS, PHONE_B),
            Ok(())
        );
    }
}
