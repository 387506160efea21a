//! Old and new clients together: documents written by a newer layout (keys, enumeration values
//! and custom value types this code does not know) and by an older one (keys missing), read and
//! edited by today's code. The newer and older documents are built by hand with raw Automerge
//! calls, as a client of that layout would write them.

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use serde_bytes::ByteBuf;
use sync_core::accept::{Accepted, accept_changes};
use sync_core::contact::{
    BlobRef, Contact, ContactType, CustomValue, Phone, RawValue, SocialHandle, SocialNetwork,
};
use sync_core::document::ContactDoc;
use sync_core::ids::{ContactId, ItemId};

const ID: ContactId = ContactId::from_u128(16);

fn today_contact() -> Contact {
    let mut contact = Contact::default();
    contact.name.given = "Mara".into();
    contact.name.family = "Lindqvist".into();
    contact.phones.push(Phone {
        id: ItemId::from("p1"),
        label: "work".into(),
        e164: "+46812345678".into(),
        raw: "08-123 456 78".into(),
    });
    contact.social.push(SocialHandle {
        id: ItemId::from("s1"),
        network: SocialNetwork::Linkedin,
        handle: "maralindqvist".into(),
    });
    contact
        .custom
        .insert("Budget".into(), CustomValue::Number(12_000.0));
    contact.photo = Some(BlobRef {
        sha256: "ab".repeat(32),
        mime: "image/jpeg".into(),
        bytes: 48_213,
    });
    contact
}

fn map_at(doc: &impl ReadDoc, parent: &ObjId, key: &str) -> ObjId {
    match doc.get(parent, key).unwrap() {
        Some((Value::Object(ObjType::Map), id)) => id,
        other => panic!("{key} is not a map: {other:?}"),
    }
}

fn list_item(doc: &impl ReadDoc, list_key: &str, index: usize) -> ObjId {
    let list = match doc.get(ROOT, list_key).unwrap() {
        Some((Value::Object(ObjType::List), id)) => id,
        other => panic!("{list_key} is not a list: {other:?}"),
    };
    match doc.get(&list, index).unwrap() {
        Some((Value::Object(ObjType::Map), id)) => id,
        other => panic!("{list_key}[{index}] is not a map: {other:?}"),
    }
}

fn scalar_at(doc: &impl ReadDoc, obj: &ObjId, key: &str) -> Option<ScalarValue> {
    match doc.get(obj, key).unwrap() {
        Some((Value::Scalar(scalar), _)) => Some(scalar.into_owned()),
        _ => None,
    }
}

fn string_at(doc: &impl ReadDoc, obj: &ObjId, key: &str) -> Option<String> {
    match scalar_at(doc, obj, key)? {
        ScalarValue::Str(text) => Some(text.to_string()),
        other => panic!("{key} holds {other:?}, not a string"),
    }
}

/// A contact written by today's code, then edited by a "layout 2" client that added keys and
/// values this code does not know. Returns the document as the newer client left it.
fn written_by_layout_2() -> Automerge {
    let (today, _) = ContactDoc::create(ID, ActorId::from([1u8; 16]), &today_contact()).unwrap();
    let mut newer = Automerge::load(&today.save())
        .unwrap()
        .with_actor(ActorId::from([2u8; 16]));
    newer
        .transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(ROOT, "pronouns", "she/her")?;
            tx.put(ROOT, "type", "vendor")?;
            let name = map_at(&*tx, &ROOT, "name");
            tx.put(&name, "honorific", "Fru")?;
            let phone = list_item(&*tx, "phones", 0);
            tx.put(&phone, "extension", "204")?;
            let social = list_item(&*tx, "social", 0);
            tx.put(&social, "network", "bluesky")?;
            let lifecycle = map_at(&*tx, &ROOT, "lifecycle");
            tx.put(&lifecycle, "pinned", true)?;
            let photo = map_at(&*tx, &ROOT, "photo");
            tx.put(&photo, "width", 640_u64)?;
            let custom = map_at(&*tx, &ROOT, "custom");
            let price = tx.put_object(&custom, "Price", ObjType::Map)?;
            let money = tx.put_object(&price, "money", ObjType::Map)?;
            tx.put(&money, "amount", 12.5)?;
            tx.put(&money, "currency", "EUR")?;
            // Every kind of value a newer type might hold, to be written back untouched.
            let visits = tx.put_object(&custom, "Visits", ObjType::Map)?;
            let log = tx.put_object(&visits, "log", ObjType::List)?;
            tx.insert(&log, 0, ScalarValue::counter(3))?;
            tx.insert(&log, 1, ScalarValue::Timestamp(1_700_000_000_000))?;
            tx.insert(&log, 2, ScalarValue::Bytes(vec![1, 2, 3]))?;
            tx.insert(&log, 3, ScalarValue::Null)?;
            tx.insert(&log, 4, -7_i64)?;
            let remark = tx.insert_object(&log, 5, ObjType::Text)?;
            tx.splice_text(&remark, 0, 0, "first visit")?;
            Ok(())
        })
        .unwrap();
    newer
}

/// Every value the newer client wrote, read back with raw Automerge calls.
fn assert_layout_2_values_kept(doc: &impl ReadDoc) {
    assert_eq!(
        string_at(doc, &ROOT, "pronouns").as_deref(),
        Some("she/her")
    );
    assert_eq!(string_at(doc, &ROOT, "type").as_deref(), Some("vendor"));
    let name = map_at(doc, &ROOT, "name");
    assert_eq!(string_at(doc, &name, "honorific").as_deref(), Some("Fru"));
    let phone = list_item(doc, "phones", 0);
    assert_eq!(string_at(doc, &phone, "extension").as_deref(), Some("204"));
    let social = list_item(doc, "social", 0);
    assert_eq!(
        string_at(doc, &social, "network").as_deref(),
        Some("bluesky")
    );
    let lifecycle = map_at(doc, &ROOT, "lifecycle");
    assert_eq!(
        scalar_at(doc, &lifecycle, "pinned"),
        Some(ScalarValue::Boolean(true))
    );
    let photo = map_at(doc, &ROOT, "photo");
    assert_eq!(
        scalar_at(doc, &photo, "width"),
        Some(ScalarValue::Uint(640))
    );
    let custom = map_at(doc, &ROOT, "custom");
    let price = map_at(doc, &custom, "Price");
    let money = map_at(doc, &price, "money");
    assert_eq!(string_at(doc, &money, "currency").as_deref(), Some("EUR"));
    assert_eq!(
        scalar_at(doc, &money, "amount"),
        Some(ScalarValue::F64(12.5))
    );
}

fn load_today(newer: &Automerge) -> ContactDoc {
    ContactDoc::load(ID, ActorId::from([3u8; 16]), &newer.save()).unwrap()
}

#[test]
fn todays_code_reads_a_layout_2_document_and_shows_unknown_values_as_written() {
    let doc = load_today(&written_by_layout_2());
    let contact = doc.contact().expect("a newer document still reads");
    assert_eq!(contact.name.given, "Mara");
    assert_eq!(contact.contact_type, ContactType::Unknown("vendor".into()));
    assert_eq!(contact.contact_type.as_str(), "vendor");
    assert_eq!(
        contact.social[0].network,
        SocialNetwork::Unknown("bluesky".into())
    );
    assert_eq!(
        contact.custom["Price"],
        CustomValue::Unknown {
            kind: "money".into(),
            value: RawValue::Map(
                [
                    ("amount".to_string(), RawValue::F64(12.5)),
                    ("currency".to_string(), RawValue::Str("EUR".into())),
                ]
                .into()
            ),
        }
    );
    assert!(sync_core::validate::validate(&contact).is_ok());
}

#[test]
fn an_edit_by_todays_code_leaves_every_newer_value_in_place() {
    let mut doc = load_today(&written_by_layout_2());
    doc.edit(|contact| {
        contact.name.given = "Mara Elin".into();
        contact.phones[0].label = "mobile".into();
        contact.social[0].handle = "mara.lindqvist".into();
        contact.lifecycle.archived = true;
        contact.tags.insert("nordics".into(), true);
        contact
            .custom
            .insert("Budget".into(), CustomValue::Number(15_000.0));
        if let Some(photo) = &mut contact.photo {
            photo.bytes = 48_214;
        }
    })
    .unwrap()
    .expect("the edit changed something");
    assert_layout_2_values_kept(doc.automerge());
    let contact = doc.contact().unwrap();
    assert_eq!(contact.name.given, "Mara Elin");
    assert_eq!(contact.phones[0].label, "mobile");
    assert_eq!(contact.social[0].handle, "mara.lindqvist");
    assert!(contact.lifecycle.archived);
    assert_eq!(contact.custom["Budget"], CustomValue::Number(15_000.0));
}

#[test]
fn an_edit_that_changes_nothing_writes_nothing_to_a_newer_document() {
    let mut doc = load_today(&written_by_layout_2());
    let visits = &doc.contact().unwrap().custom["Visits"];
    assert!(
        matches!(visits, CustomValue::Unknown { kind, value: RawValue::List(log) }
            if kind == "log" && log[0] == RawValue::Counter(3) && log[5] == RawValue::Text("first visit".into())),
        "{visits:?}"
    );
    let heads = doc.heads();
    assert!(doc.edit(|_| {}).unwrap().is_none());
    assert_eq!(doc.heads(), heads);
}

#[test]
fn the_newer_client_and_todays_code_edit_concurrently_and_merge() {
    let newer = written_by_layout_2();
    let mut today = load_today(&newer);
    let mut newer = newer.with_actor(ActorId::from([2u8; 16]));
    today
        .edit(|contact| contact.name.family = "Lindqvist-Berg".into())
        .unwrap();
    newer
        .transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(ROOT, "pronouns", "they/them")?;
            Ok(())
        })
        .unwrap();
    today.merge_saved(&newer.save()).unwrap();
    let merged = today.automerge();
    assert_eq!(
        string_at(merged, &ROOT, "pronouns").as_deref(),
        Some("they/them")
    );
    assert_eq!(today.contact().unwrap().name.family, "Lindqvist-Berg");
}

#[test]
fn a_contact_holding_newer_values_copies_whole_into_a_new_document() {
    // Merging duplicates or an undo builds a new document from a contact that was read: the
    // unknown custom value is written from what was read, not lost.
    let contact = load_today(&written_by_layout_2()).contact().unwrap();
    let (copy, _) =
        ContactDoc::create(ContactId::from_u128(17), ActorId::from([4u8; 16]), &contact).unwrap();
    assert_eq!(copy.contact().unwrap(), contact);
}

#[test]
fn choosing_a_known_value_replaces_an_unknown_one() {
    let mut doc = load_today(&written_by_layout_2());
    doc.edit(|contact| {
        contact.contact_type = ContactType::Customer;
        contact
            .custom
            .insert("Price".into(), CustomValue::Number(12.5));
    })
    .unwrap();
    let contact = doc.contact().unwrap();
    assert_eq!(contact.contact_type, ContactType::Customer);
    assert_eq!(contact.custom["Price"], CustomValue::Number(12.5));
    let custom = map_at(doc.automerge(), &ROOT, "custom");
    let price = map_at(doc.automerge(), &custom, "Price");
    assert_eq!(
        doc.automerge().keys(&price).collect::<Vec<_>>(),
        ["number"],
        "a custom value keeps exactly one key, its type"
    );
}

/// A "layout 0" contact: written before some of today's keys existed.
fn written_by_layout_0() -> Automerge {
    let mut older = Automerge::new().with_actor(ActorId::from([5u8; 16]));
    older
        .transact::<_, _, automerge::AutomergeError>(|tx| {
            let name = tx.put_object(ROOT, "name", ObjType::Map)?;
            tx.put(&name, "given", "Jonas")?;
            tx.put(&name, "family", "Ek")?;
            let phones = tx.put_object(ROOT, "phones", ObjType::List)?;
            let phone = tx.insert_object(&phones, 0, ObjType::Map)?;
            tx.put(&phone, "id", "p1")?;
            tx.put(&phone, "e164", "+46701234567")?;
            tx.put(ROOT, "type", "customer")?;
            let tags = tx.put_object(ROOT, "tags", ObjType::Map)?;
            tx.put(&tags, "vip", true)?;
            Ok(())
        })
        .unwrap();
    older
}

#[test]
fn a_document_missing_keys_reads_with_defaults() {
    let doc = load_today(&written_by_layout_0());
    let contact = doc.contact().expect("missing keys read as defaults");
    assert_eq!(contact.name.given, "Jonas");
    assert_eq!(contact.name.nickname, "");
    assert_eq!(contact.phones[0].e164, "+46701234567");
    assert_eq!(contact.phones[0].label, "");
    assert_eq!(contact.contact_type, ContactType::Customer);
    assert!(contact.emails.is_empty() && contact.activity.is_empty());
    assert_eq!(contact.notes.as_str(), "");
    assert_eq!(contact.lifecycle, Default::default());
    assert_eq!(contact.tag_list(), ["vip"]);
}

#[test]
fn the_server_accepts_a_document_missing_keys_and_it_can_be_edited() {
    let older = written_by_layout_0();
    let changes: Vec<ByteBuf> = older
        .get_changes(&[])
        .iter()
        .map(|change| ByteBuf::from(change.raw_bytes().to_vec()))
        .collect();
    let Ok(Accepted::Changed { doc, contact, .. }) = accept_changes(ID, None, &changes) else {
        panic!("a document missing keys must be accepted");
    };
    assert_eq!(contact.name.given, "Jonas");
    let mut doc = *doc;
    doc.edit(|contact| contact.notes = "Met at the Gothenburg fair".into())
        .unwrap();
    let contact = doc.contact().unwrap();
    assert_eq!(contact.notes.as_str(), "Met at the Gothenburg fair");
    assert_eq!(contact.phones[0].e164, "+46701234567");
}
