//! Keeps the worked example of docs/protocol.md section 18.3 honest: the contact document shown
//! there, with every key and the Automerge type of every value, is exactly what
//! `ContactDoc::create` writes for that contact.
//!
//! A client in another language writes documents from that example, and the reference code
//! refuses a value of the wrong Automerge type (a text object for a string, an `int` for a
//! `uint`), so a stale example would make its documents unreadable to the server.

use automerge::{Automerge, ObjId, ObjType, ReadDoc, ScalarValue, Value};
use sync_core::contact::{
    Activity, ActivityKind, BlobRef, Contact, CustomValue, DateEntry, PartialDate, Phone,
};
use sync_core::document::ContactDoc;
use sync_core::ids::{ContactId, ItemId};

const PROTOCOL_MD: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md"));

/// The marker line before the example's `text` block.
const MARKER: &str = "<!-- contact document: aiko -->";

/// The contact of the example: Aiko Sato, a lead.
fn aiko() -> Contact {
    let mut contact = Contact::default();
    contact.name.given = "Aiko".into();
    contact.name.family = "Sato".into();
    contact.phones.push(Phone {
        id: ItemId::from("k3v9x2m7q1w8a"),
        label: "work".into(),
        e164: "+81312345678".into(),
        raw: "(03) 1234-5678".into(),
    });
    contact.dates.push(DateEntry {
        id: ItemId::from("d1"),
        label: "birthday".into(),
        date: PartialDate {
            year: None,
            month: 4,
            day: 7,
        },
    });
    contact.tags.insert("vip".into(), true);
    contact.notes = "Met at the Osaka fair".into();
    contact
        .custom
        .insert("Budget".into(), CustomValue::Number(12000.0));
    contact.activity.push(Activity {
        id: ItemId::from("a1"),
        kind: ActivityKind::Call,
        at_ms: 1_733_000_000_000,
        by: "0190a5c3-7b1e-7a2f-9c3d-5e6f7a8b9c01".into(),
        text: "Asked for a quote".into(),
    });
    contact.photo = Some(BlobRef {
        sha256: "ab".repeat(32),
        mime: "image/jpeg".into(),
        bytes: 48_213,
    });
    contact
}

/// The document as the example writes it: maps and lists nested two spaces a level, keys in
/// Automerge's order, each value with its Automerge type.
fn render(doc: &Automerge, obj: &ObjId, kind: ObjType, depth: usize) -> String {
    let entries: Vec<(Option<String>, Value<'_>, ObjId)> = match kind {
        ObjType::Map | ObjType::Table => doc
            .keys(obj)
            .map(|key| {
                let (value, id) = doc.get(obj, key.as_str()).unwrap().unwrap();
                (Some(key), value, id)
            })
            .collect(),
        ObjType::List => (0..doc.length(obj))
            .map(|index| {
                let (value, id) = doc.get(obj, index).unwrap().unwrap();
                (None, value, id)
            })
            .collect(),
        ObjType::Text => unreachable!("text is rendered as a value"),
    };
    let (open, close) = if kind == ObjType::List {
        ("[", "]")
    } else {
        ("{", "}")
    };
    if entries.is_empty() {
        return format!("{open}{close}");
    }
    let inner = "  ".repeat(depth + 1);
    let lines: Vec<String> = entries
        .into_iter()
        .map(|(key, value, id)| {
            let key = key.map(|key| format!("{key:?}: ")).unwrap_or_default();
            format!("{inner}{key}{}", value_text(doc, value, &id, depth + 1))
        })
        .collect();
    format!(
        "{open}\n{}\n{}{close}",
        lines.join(",\n"),
        "  ".repeat(depth)
    )
}

fn value_text(doc: &Automerge, value: Value<'_>, id: &ObjId, depth: usize) -> String {
    match value {
        Value::Object(ObjType::Text) => format!("Text {:?}", doc.text(id).unwrap()),
        Value::Object(kind) => render(doc, id, kind, depth),
        Value::Scalar(scalar) => match scalar.as_ref() {
            ScalarValue::Str(text) => format!("Str {:?}", text.as_str()),
            ScalarValue::Int(number) => format!("Int {number}"),
            ScalarValue::Uint(number) => format!("Uint {number}"),
            ScalarValue::F64(number) => format!("F64 {number:?}"),
            ScalarValue::Boolean(flag) => format!("Bool {flag}"),
            ScalarValue::Null => "Null".to_string(),
            other => panic!("a contact document holds no {other:?}"),
        },
    }
}

/// The `text` block after the marker.
fn documented() -> String {
    let after = PROTOCOL_MD
        .split_once(MARKER)
        .unwrap_or_else(|| panic!("protocol.md has no {MARKER} marker"))
        .1;
    let block = after
        .trim_start()
        .strip_prefix("```text\n")
        .expect("a ```text block follows the marker");
    block
        .split_once("\n```")
        .expect("the block ends")
        .0
        .to_string()
}

#[test]
fn the_worked_contact_document_in_protocol_md_is_what_the_code_writes() {
    let (doc, _) = ContactDoc::create(
        ContactId::from_u128(1),
        automerge::ActorId::from(vec![1u8; 16]),
        &aiko(),
    )
    .unwrap();
    let written = render(doc.automerge(), &automerge::ROOT, ObjType::Map, 0);
    assert_eq!(
        documented(),
        written,
        "protocol.md section 18.3 differs from what ContactDoc::create writes; this is the document:\n{written}"
    );
}
