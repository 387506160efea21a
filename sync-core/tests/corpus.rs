//! Documents written by every earlier layout must read, merge and edit with today's code.
//!
//! Each `corpus/layout-N/` folder holds saved documents and raw changes written by the code of
//! layout N (its README.md says how), and `corpus/layout_N.rs` the contacts and edits they
//! were written from. The files are committed and never rewritten once a later layout exists:
//! they are what last month's app has on a phone.

#[path = "corpus/layout_1.rs"]
mod layout_1;

use std::collections::BTreeSet;
use std::path::PathBuf;

use automerge::{ActorId, ChangeHash};
use serde_bytes::ByteBuf;
use sync_core::accept::{Accepted, accept_changes};
use sync_core::contact::{Contact, DOC_LAYOUT};
use sync_core::document::ContactDoc;
use sync_core::ids::{ContactId, ItemId};

const ID: ContactId = ContactId::from_u128(1601);

/// The actor that wrote the saved documents and the sequence.
const WRITER: [u8; 16] = [1; 16];
/// The two phones of the concurrent edits; B's actor sorts after A's.
const PHONE_A: [u8; 16] = [0xa; 16];
const PHONE_B: [u8; 16] = [0xb; 16];
/// Today's code reading the corpus.
const READER: [u8; 16] = [0x42; 16];

/// A saved document's file name (without `.automerge`) and the contact it was written from.
type Saved = (&'static str, fn() -> Contact);

/// The saved documents of layout 1.
const SAVED: [Saved; 3] = [
    ("full", layout_1::full),
    ("minimal", layout_1::minimal),
    ("lifecycle", layout_1::lifecycle),
];

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/layout-1")
}

fn read(name: &str) -> Vec<u8> {
    let path = folder().join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn heads_file(name: &str) -> Vec<ChangeHash> {
    String::from_utf8(read(&format!("{name}.heads")))
        .expect("heads files are text")
        .lines()
        .map(|line| line.parse().expect("one change hash in hex per line"))
        .collect()
}

fn sorted(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    heads.sort();
    heads
}

fn load(name: &str, actor: [u8; 16]) -> ContactDoc {
    ContactDoc::load(
        ID,
        ActorId::from(actor),
        &read(&format!("{name}.automerge")),
    )
    .unwrap()
}

fn sequence_file(step: usize) -> String {
    format!("sequence-{step}.change")
}

#[test]
fn every_saved_document_reads_as_the_contact_it_was_written_from() {
    for (name, contact) in SAVED {
        let doc = load(name, READER);
        assert_eq!(doc.contact().unwrap(), contact(), "{name}");
        assert_eq!(sorted(doc.heads()), heads_file(name), "{name}");
        assert!(sync_core::validate::validate(&contact()).is_ok(), "{name}");
    }
}

#[test]
fn every_saved_document_saves_and_loads_to_the_same_contact_and_heads() {
    for (name, _) in SAVED {
        let doc = load(name, READER);
        let again = ContactDoc::load(ID, ActorId::from(READER), &doc.save()).unwrap();
        assert_eq!(again.contact().unwrap(), doc.contact().unwrap(), "{name}");
        assert_eq!(again.heads(), doc.heads(), "{name}");
    }
}

#[test]
fn every_saved_document_takes_an_edit_that_reaches_another_replica() {
    for (name, contact) in SAVED {
        let mut doc = load(name, READER);
        let change = doc
            .edit(|contact| {
                contact.name.nickname = "Edited".into();
                contact.tags.insert("corpus".into(), true);
            })
            .unwrap()
            .expect("the edit changed something");
        let mut expected = contact();
        expected.name.nickname = "Edited".into();
        expected.tags.insert("corpus".into(), true);
        assert_eq!(doc.contact().unwrap(), expected, "{name}");
        let mut other = load(name, WRITER);
        other.apply(&[change.raw_bytes()]).unwrap();
        assert_eq!(other.contact().unwrap(), expected, "{name}");
    }
}

#[test]
fn the_edit_sequence_replays_step_by_step_to_the_contact_it_was_written_from() {
    let mut doc = ContactDoc::empty(ID, ActorId::from(READER));
    doc.apply(&[read(&sequence_file(0))]).unwrap();
    let mut expected = layout_1::full();
    assert_eq!(doc.contact().unwrap(), expected);
    for (step, edit) in layout_1::SEQUENCE.iter().enumerate() {
        doc.apply(&[read(&sequence_file(step + 1))]).unwrap();
        edit(&mut expected);
        assert_eq!(doc.contact().unwrap(), expected, "after step {}", step + 1);
    }
    assert_eq!(expected, layout_1::after_sequence());
    assert_eq!(sorted(doc.heads()), heads_file("sequence"));
}

#[test]
fn the_edit_sequence_applied_in_reverse_waits_for_its_dependencies_then_matches() {
    let mut doc = ContactDoc::empty(ID, ActorId::from(READER));
    for step in (0..=layout_1::SEQUENCE.len()).rev() {
        doc.apply(&[read(&sequence_file(step))]).unwrap();
    }
    assert!(doc.missing_deps().is_empty());
    assert_eq!(doc.contact().unwrap(), layout_1::after_sequence());
    assert_eq!(sorted(doc.heads()), heads_file("sequence"));
}

#[test]
fn the_server_accepts_the_edit_sequence_push_by_push() {
    let mut stored: Option<ContactDoc> = None;
    for step in 0..=layout_1::SEQUENCE.len() {
        let push = [ByteBuf::from(read(&sequence_file(step)))];
        match accept_changes(ID, stored.as_ref(), &push) {
            Ok(Accepted::Changed { doc, .. }) => stored = Some(*doc),
            other => panic!("step {step}: {other:?}"),
        }
    }
    let stored = stored.unwrap();
    assert_eq!(stored.contact().unwrap(), layout_1::after_sequence());
}

#[test]
fn two_concurrent_edits_merge_the_same_way_in_either_order() {
    let (a, b) = (read("concurrent-a.change"), read("concurrent-b.change"));
    let mut first = load("full", READER);
    first.apply(&[&a]).unwrap();
    first.apply(&[&b]).unwrap();
    let mut second = load("full", READER);
    second.apply(&[&b, &a]).unwrap();
    for doc in [&first, &second] {
        assert_eq!(sorted(doc.heads()), heads_file("concurrent"));
        assert_eq!(doc.contact().unwrap(), layout_1::merged());
        let conflict = doc
            .conflicts()
            .into_iter()
            .find(|conflict| conflict.path == "name.given")
            .expect("both phones set the given name");
        assert_eq!(conflict.winner, "Mara B");
        assert_eq!(conflict.others, ["Mara A"]);
    }
}

#[test]
fn the_server_accepts_both_concurrent_edits_and_the_merge_takes_another_edit() {
    let full = load("full", READER);
    let mut stored = full;
    for name in ["concurrent-a.change", "concurrent-b.change"] {
        match accept_changes(ID, Some(&stored), &[ByteBuf::from(read(name))]) {
            Ok(Accepted::Changed { doc, .. }) => stored = *doc,
            other => panic!("{name}: {other:?}"),
        }
    }
    stored
        .edit(|contact| contact.name.given = "Mara".into())
        .unwrap();
    let contact = stored.contact().unwrap();
    assert_eq!(contact.name.given, "Mara");
    assert!(
        stored.conflicts().is_empty(),
        "an edit settles the conflict"
    );
    assert_eq!(contact.phones.len(), 3);
    assert_eq!(contact.emails[1].id, ItemId::from("e3"));
}

/// Every file in the folder is one a test above reads, so none is committed and forgotten.
#[test]
fn the_corpus_holds_exactly_the_files_the_tests_read() {
    let found: BTreeSet<String> = std::fs::read_dir(folder())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(found, expected_files());
}

fn expected_files() -> BTreeSet<String> {
    let mut files = BTreeSet::from([
        "README.md".to_string(),
        "sequence.heads".into(),
        "concurrent-a.change".into(),
        "concurrent-b.change".into(),
        "concurrent.heads".into(),
    ]);
    for (name, _) in SAVED {
        files.insert(format!("{name}.automerge"));
        files.insert(format!("{name}.heads"));
    }
    for step in 0..=layout_1::SEQUENCE.len() {
        files.insert(sequence_file(step));
    }
    files
}

/// Writes the layout-1 corpus. Run it only while this code writes layout 1; once a later
/// layout exists, give it its own folder, builders and generator, and leave this one alone.
///
/// `cargo test -p sync-core --test corpus -- --ignored write_layout_1_corpus`
#[test]
#[ignore = "rewrites the committed corpus of layout 1"]
fn write_layout_1_corpus() {
    assert_eq!(
        DOC_LAYOUT, 1,
        "the layout-1 corpus is frozen: this code writes another layout"
    );
    let folder = folder();
    std::fs::create_dir_all(&folder).unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(folder.join(name), bytes).unwrap();
    let write_heads = |name: &str, heads: Vec<ChangeHash>| {
        let text: String = sorted(heads)
            .iter()
            .map(|hash| format!("{hash}\n"))
            .collect();
        write(&format!("{name}.heads"), text.as_bytes());
    };
    for (name, contact) in SAVED {
        let (doc, _) = ContactDoc::create(ID, ActorId::from(WRITER), &contact()).unwrap();
        write(&format!("{name}.automerge"), &doc.save());
        write_heads(name, doc.heads());
    }
    let (mut doc, created) =
        ContactDoc::create(ID, ActorId::from(WRITER), &layout_1::full()).unwrap();
    write(&sequence_file(0), created.raw_bytes());
    for (step, edit) in layout_1::SEQUENCE.iter().enumerate() {
        let change = doc
            .edit(edit)
            .unwrap()
            .expect("every step changes something");
        write(&sequence_file(step + 1), change.raw_bytes());
    }
    write_heads("sequence", doc.heads());
    let full = read("full.automerge");
    let mut merged = ContactDoc::load(ID, ActorId::from(WRITER), &full).unwrap();
    for (actor, edit, name) in [
        (PHONE_A, layout_1::concurrent_a as fn(&mut Contact), "a"),
        (PHONE_B, layout_1::concurrent_b, "b"),
    ] {
        let mut phone = ContactDoc::load(ID, ActorId::from(actor), &full).unwrap();
        let change = phone
            .edit(edit)
            .unwrap()
            .expect("the edit changes something");
        write(&format!("concurrent-{name}.change"), change.raw_bytes());
        merged.apply(&[change.raw_bytes()]).unwrap();
    }
    write_heads("concurrent", merged.heads());
}
