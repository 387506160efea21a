//! The replayed history checked against Automerge itself: for random edits on three phones
//! that sync now and then, every revision's changes must be the difference between the typed
//! contact Automerge reads at the change's dependencies and at the change.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::contact::{CustomValue, DateEntry, PartialDate};
use crate::history::at_heads::contact_at;
use crate::history::render::iso_datetime;
use crate::sim::rng::SimRng;

#[test]
fn every_revision_is_the_difference_automerge_reads_around_its_change() {
    for seed in 0..4 {
        let doc = random_history(seed, 120);
        let automerge = doc.automerge();
        let history = all(&doc);
        assert!(
            history.len() > 100,
            "seed {seed}: {} revisions",
            history.len()
        );
        for revision in &history {
            let change = automerge.get_change_by_hash(&revision.hash).unwrap();
            // Before the first change there is no document at all (not a default contact).
            let before =
                (!change.deps().is_empty()).then(|| contact_at(automerge, change.deps()).unwrap());
            let after = contact_at(automerge, &[revision.hash]).unwrap();
            assert_eq!(
                comparable(&revision.changes),
                expected(before.as_ref(), &after),
                "seed {seed}, revision {} ({:?})",
                revision.hash,
                revision.attribution
            );
        }
    }
}

/// Three phones of three members edit one contact at random, syncing pairs now and then.
fn random_history(seed: u64, edits: usize) -> ContactDoc {
    let mut rng = SimRng::new(seed);
    let first = created();
    let mut phones: Vec<ContactDoc> = (0..3)
        .map(|n| ContactDoc::load(CONTACT, actor(n + 1), &first.save()).unwrap())
        .collect();
    for step in 0..edits {
        let who = rng.below(3) as usize;
        let by = Attribution::app(
            MemberId::from_u128(who as u128 + 1),
            DeviceId::from_u128(who as u128 + 10),
        );
        let pick = rng.below(100);
        let bits = rng.next_u64();
        phones[who]
            .edit_by(&by, AT + step as i64 * HOUR, |c| random_edit(c, pick, bits))
            .unwrap();
        if rng.chance(250) {
            let (a, b) = (rng.below(3) as usize, rng.below(3) as usize);
            let saved = phones[b].save();
            phones[a].merge_saved(&saved).unwrap();
        }
    }
    let mut merged = phones.remove(0);
    for other in &phones {
        merged.merge_saved(&other.save()).unwrap();
    }
    merged
}

fn random_edit(c: &mut Contact, pick: u64, bits: u64) {
    const GIVEN: [&str; 4] = ["Mara", "Mara Elin", "Marianne", "M."];
    const FAMILY: [&str; 4] = ["Lind", "Lindqvist", "", "Berg"];
    const TAGS: [&str; 4] = ["vip", "fair-2024", "osaka", "key account"];
    let small = (bits % 1000) as usize;
    match pick {
        0..=9 => c.name.given = GIVEN[small % 4].into(),
        10..=14 => c.name.family = FAMILY[small % 4].into(),
        15..=24 if c.phones.len() < 6 => c.phones.insert(
            small % (c.phones.len() + 1),
            phone(
                ItemId::from_random(bits).as_str(),
                "mobile",
                &format!("+81901234{:04}", bits % 10_000),
            ),
        ),
        15..=29 if !c.phones.is_empty() => {
            c.phones.remove(small % c.phones.len());
        }
        30..=36 if !c.phones.is_empty() => {
            let at = small % c.phones.len();
            c.phones[at].label = ["work", "main", "home"][small % 3].into();
        }
        37..=46 => {
            let tag = TAGS[small % 4];
            if c.tags.remove(tag).is_none() {
                c.tags.insert(tag.into(), true);
            }
        }
        47..=66 => {
            let chars: Vec<char> = c.notes.0.chars().collect();
            let at = small % (chars.len() + 1);
            let mut notes: String = chars[..at].iter().collect();
            if small.is_multiple_of(3) && at < chars.len() {
                notes.extend(&chars[(at + 1 + small % 5).min(chars.len())..]);
            } else {
                notes.push_str(["met ", "日本 ", "café, ", "call back "][small % 4]);
                notes.extend(&chars[at..]);
            }
            c.notes.0 = notes;
        }
        67..=74 => match small % 3 {
            0 => {
                c.custom.remove("budget");
            }
            1 => {
                c.custom
                    .insert("budget".into(), CustomValue::Number(small as f64 * 10.0));
            }
            _ => {
                c.custom
                    .insert("budget".into(), CustomValue::Text(format!("~{small}")));
            }
        },
        75..=79 => c.lifecycle.archived = !c.lifecycle.archived,
        80..=84 => {
            c.lifecycle.trashed_at_ms = match c.lifecycle.trashed_at_ms {
                Some(_) => None,
                None => Some(AT + small as i64 * 1000),
            }
        }
        85..=89 if c.dates.len() < 3 => c.dates.push(DateEntry {
            id: ItemId::from_random(bits),
            label: "birthday".into(),
            date: PartialDate {
                year: small.is_multiple_of(2).then_some(1990),
                month: (small % 12) as u8 + 1,
                day: (small % 28) as u8 + 1,
            },
        }),
        85..=94 if !c.dates.is_empty() => c.dates[0].date.day = (small % 28) as u8 + 1,
        _ => {
            c.contact_type =
                [crate::contact::ContactType::Customer, Default::default()][small % 2].clone()
        }
    }
}

/// Item-level entries compare by path and kind (their summary is display sugar); field-level
/// entries by path and both values.
type Comparable = BTreeSet<(String, Option<String>, Option<String>)>;

fn comparable(changes: &[FieldChange]) -> Comparable {
    changes
        .iter()
        .map(|change| {
            if change.path.ends_with(']') {
                let kind = format!("{:?}", change.kind());
                (change.path.clone(), Some(kind), None)
            } else {
                (change.path.clone(), change.old.clone(), change.new.clone())
            }
        })
        .collect()
}

fn expected(before: Option<&Contact>, after: &Contact) -> Comparable {
    let (old_leaves, old_items) = before.map(typed_flat).unwrap_or_default();
    let (new_leaves, new_items) = typed_flat(after);
    let mut out = Comparable::new();
    let leaves =
        |out: &mut Comparable, old: &BTreeMap<String, String>, new: &BTreeMap<String, String>| {
            for path in old.keys().chain(new.keys()).collect::<BTreeSet<_>>() {
                let (a, b) = (old.get(path).cloned(), new.get(path).cloned());
                let default_archived =
                    path == "lifecycle.archived" && a.is_none() && b.as_deref() == Some("false");
                if a != b && !default_archived {
                    out.insert((path.clone(), a, b));
                }
            }
        };
    leaves(&mut out, &old_leaves, &new_leaves);
    for (path, fields) in &old_items {
        match new_items.get(path) {
            Some(new_fields) => leaves(&mut out, fields, new_fields),
            None => {
                out.insert((path.clone(), Some("Removed".into()), None));
            }
        }
    }
    for path in new_items
        .keys()
        .filter(|path| !old_items.contains_key(*path))
    {
        out.insert((path.clone(), Some("Added".into()), None));
    }
    out
}

type Items = BTreeMap<String, BTreeMap<String, String>>;

/// The typed contact as the history renders it, written independently of `render`.
fn typed_flat(c: &Contact) -> (BTreeMap<String, String>, Items) {
    let mut leaves = BTreeMap::new();
    let mut put = |path: String, value: String| {
        if !value.is_empty() {
            leaves.insert(path, value);
        }
    };
    let n = &c.name;
    for (part, value) in [
        ("given", &n.given),
        ("family", &n.family),
        ("nickname", &n.nickname),
    ] {
        put(format!("name.{part}"), value.clone());
    }
    put(
        "type".into(),
        format!("{:?}", c.contact_type).to_lowercase(),
    );
    for (tag, present) in &c.tags {
        put(format!("tags.{tag}"), present.to_string());
    }
    put("notes".into(), c.notes.0.clone());
    for (key, value) in &c.custom {
        let shown = match value {
            CustomValue::Text(text) => text.clone(),
            CustomValue::Number(number) => number.to_string(),
            CustomValue::Bool(flag) => flag.to_string(),
            CustomValue::Date(date) => date.to_string(),
            // The oracle's random edits write only the known types.
            CustomValue::Unknown { kind, .. } => kind.clone(),
        };
        put(format!("custom.{key}"), shown);
    }
    put(
        "lifecycle.archived".into(),
        c.lifecycle.archived.to_string(),
    );
    if let Some(ms) = c.lifecycle.trashed_at_ms {
        put("lifecycle.trashed_at_ms".into(), iso_datetime(ms));
    }
    let mut items = Items::new();
    for p in &c.phones {
        let path = format!("phones[{}]", p.id);
        let fields = [("label", &p.label), ("e164", &p.e164), ("raw", &p.raw)]
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(field, value)| (format!("{path}.{field}"), value.clone()))
            .collect();
        items.insert(path, fields);
    }
    for d in &c.dates {
        let path = format!("dates[{}]", d.id);
        let fields = BTreeMap::from([
            (format!("{path}.label"), d.label.clone()),
            (format!("{path}.date"), d.date.to_string()),
        ]);
        items.insert(path, fields);
    }
    (leaves, items)
}
