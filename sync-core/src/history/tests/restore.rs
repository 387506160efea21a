//! Stories of restoring a field or a contact as it was after a revision.

use super::*;
use crate::contact::CustomValue;
use crate::document::DocumentError;

fn hash_of(doc: &ContactDoc, newest_first: usize) -> ChangeHash {
    all(doc)[newest_first].hash
}

#[test]
fn restoring_one_field_after_later_edits_is_a_new_revision_at_the_top() {
    let mut doc = created();
    let mina = Attribution::app(MINA, PHONE_A);
    let jonas = Attribution::app(JONAS, PHONE_B);
    doc.edit_by(&mina, AT + HOUR, |c| c.name.given = "Mara Elin".into())
        .unwrap();
    let elin = hash_of(&doc, 0);
    doc.edit_by(&mina, AT + 2 * HOUR, |c| {
        c.name.given = "Marianne".into();
        c.name.family = "Lindqvist".into();
    })
    .unwrap();

    doc.restore_field_by(&elin, "name.given", &jonas, AT + 3 * HOUR)
        .unwrap()
        .expect("the value differs, so a change is made");

    let contact = doc.contact().unwrap();
    assert_eq!(contact.name.given, "Mara Elin");
    assert_eq!(contact.name.family, "Lindqvist", "other fields stay");
    let history = all(&doc);
    assert_eq!(history.len(), 4, "history is never rewritten");
    assert_eq!(history[0].attribution, Some(jonas));
    assert_eq!(history[0].event, Event::Edited);
    assert_eq!(
        history[0].changes,
        [change("name.given", Some("Marianne"), Some("Mara Elin"))]
    );
    assert_eq!(
        doc.restore_field_by(&elin, "name.given", &mina, AT + 4 * HOUR)
            .unwrap(),
        None,
        "restoring the value it already holds changes nothing"
    );
}

#[test]
fn a_deleted_phone_comes_back_with_its_id() {
    let mut doc = created();
    let mina = Attribution::app(MINA, PHONE_A);
    doc.edit_by(&mina, AT + HOUR, |c| {
        c.phones.insert(0, phone("p0", "mobile", "+819012345678"));
    })
    .unwrap();
    let both = hash_of(&doc, 0);
    doc.edit_by(&mina, AT + 2 * HOUR, |c| {
        c.phones.retain(|p| p.id.as_str() == "p0")
    })
    .unwrap();

    doc.restore_field_by(&both, "phones[p1]", &mina, AT + 3 * HOUR)
        .unwrap();
    let ids: Vec<String> = doc
        .contact()
        .unwrap()
        .phones
        .iter()
        .map(|p| p.id.to_string())
        .collect();
    assert_eq!(ids, ["p0", "p1"]);
    assert_eq!(
        all(&doc)[0].changes,
        [change("phones[p1]", None, Some("work, +81312345678"))]
    );

    // One field of an item: only that field moves.
    doc.edit_by(&mina, AT + 4 * HOUR, |c| {
        c.phones[1].label = "main".into();
        c.phones[1].e164 = "+81312340000".into();
    })
    .unwrap();
    doc.restore_field_by(&both, "phones[p1].label", &mina, AT + 5 * HOUR)
        .unwrap();
    let p1 = doc.contact().unwrap().phones[1].clone();
    assert_eq!(
        (p1.label.as_str(), p1.e164.as_str()),
        ("work", "+81312340000")
    );
}

#[test]
fn tags_custom_fields_and_notes_restore_including_their_absence() {
    let mut doc = created();
    let mina = Attribution::app(MINA, PHONE_A);
    let first = hash_of(&doc, 0);
    doc.edit_by(&mina, AT + HOUR, |c| {
        c.tags.insert("vip".into(), true);
        c.custom
            .insert("budget".into(), CustomValue::Number(1500.0));
        c.notes = "met at the fair".into();
    })
    .unwrap();
    let tagged = hash_of(&doc, 0);
    doc.edit_by(&mina, AT + 2 * HOUR, |c| {
        c.custom.insert("budget".into(), CustomValue::Number(900.0));
        c.notes = "call back in June".into();
    })
    .unwrap();

    doc.restore_field_by(&tagged, "custom.budget", &mina, AT + 3 * HOUR)
        .unwrap();
    doc.restore_field_by(&tagged, "notes", &mina, AT + 3 * HOUR)
        .unwrap();
    doc.restore_field_by(&first, "tags.vip", &mina, AT + 3 * HOUR)
        .unwrap();
    let contact = doc.contact().unwrap();
    assert_eq!(contact.custom["budget"], CustomValue::Number(1500.0));
    assert_eq!(contact.notes.as_str(), "met at the fair");
    assert!(contact.tags.is_empty(), "the tag did not exist then");
}

#[test]
fn restoring_the_whole_contact_keeps_its_lifecycle_and_activity() {
    use crate::contact::{Activity, ActivityKind};
    let mut doc = created();
    let mina = Attribution::app(MINA, PHONE_A);
    let first = hash_of(&doc, 0);
    doc.edit_by(&mina, AT + HOUR, |c| {
        c.name.given = "Marianne".into();
        c.phones.clear();
        c.tags.insert("vip".into(), true);
        c.lifecycle.archived = true;
        c.activity.push(Activity {
            id: ItemId::from("a1"),
            kind: ActivityKind::Call,
            at_ms: AT + HOUR,
            by: MINA.to_string(),
            text: "asked for a quote".into(),
        });
    })
    .unwrap();

    doc.restore_by(&first, &mina, AT + 2 * HOUR).unwrap();
    let contact = doc.contact().unwrap();
    let mut expected = mara();
    expected.lifecycle.archived = true;
    expected.activity = contact.activity.clone();
    assert_eq!(contact, expected);
    assert_eq!(contact.activity.len(), 1, "the call logged since stays");
    assert_eq!(all(&doc)[0].event, Event::Edited, "not unarchived");
    assert_eq!(all(&doc).len(), 3);
}

#[test]
fn a_value_the_rules_refuse_today_is_refused_like_any_edit() {
    // Two phones add 60 numbers each offline: the merge holds 120, over the limit of 100,
    // which the document keeps (no rep loses work). A later edit on the merged contact is a
    // revision whose state has 120 phones; then someone trims the list to 90.
    let mut phone_a = created();
    let mut phone_b = ContactDoc::load(CONTACT, actor(2), &phone_a.save()).unwrap();
    let mina = Attribution::app(MINA, PHONE_A);
    let numbers = |prefix: &str, base: u64| -> Vec<Phone> {
        (0..60)
            .map(|n| {
                phone(
                    &format!("{prefix}{n}"),
                    "work",
                    &format!("+8131234{:04}", base + n),
                )
            })
            .collect()
    };
    phone_a
        .edit_by(&mina, AT + HOUR, |c| c.phones.extend(numbers("a", 1000)))
        .unwrap();
    phone_b
        .edit_by(&mina, AT + HOUR, |c| c.phones.extend(numbers("b", 2000)))
        .unwrap();
    phone_a.merge_saved(&phone_b.save()).unwrap();
    phone_a
        .edit_by(&mina, AT + 2 * HOUR, |c| {
            c.notes = "too many numbers".into()
        })
        .unwrap();
    let crowded = hash_of(&phone_a, 0);
    phone_a
        .edit_by(&mina, AT + 3 * HOUR, |c| c.phones.truncate(90))
        .unwrap();

    let refused = phone_a.restore_field_by(&crowded, "phones", &mina, AT + 4 * HOUR);
    assert!(
        matches!(
            refused,
            Err(RestoreError::Document(DocumentError::Invalid(_)))
        ),
        "got {refused:?}"
    );
    assert_eq!(phone_a.contact().unwrap().phones.len(), 90);
}

#[test]
fn paths_that_are_not_restorable_say_why() {
    let mut doc = created();
    let mina = Attribution::app(MINA, PHONE_A);
    let first = hash_of(&doc, 0);
    let attempt =
        |doc: &mut ContactDoc, path: &str| doc.restore_field_by(&first, path, &mina, AT + HOUR);
    assert!(matches!(
        attempt(&mut doc, "lifecycle.archived"),
        Err(RestoreError::NotRestorable { .. })
    ));
    assert!(matches!(
        attempt(&mut doc, "activity"),
        Err(RestoreError::NotRestorable { .. })
    ));
    for unknown in ["name.shoe_size", "phones[p1].colour", "fax", "phones[p1"] {
        assert!(
            matches!(
                attempt(&mut doc, unknown),
                Err(RestoreError::UnknownPath { .. })
            ),
            "{unknown}"
        );
    }
    assert!(matches!(
        attempt(&mut doc, "phones[p9].label"),
        Err(RestoreError::NotAtRevision { .. })
    ));
    let stranger = ChangeHash([7; 32]);
    assert!(matches!(
        doc.restore_by(&stranger, &mina, AT),
        Err(RestoreError::UnknownRevision { .. })
    ));
}
