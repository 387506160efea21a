//! Every export format read back by our own import gives the same contacts (ids aside):
//! every list with labels and more items than the CSV has numbered columns, custom fields of
//! each type, notes with line breaks and commas, CJK text, and unknown vCard properties.

use std::collections::BTreeMap;

use interchange::{
    EXTRA_KEY, ExportFormat, ExportWriter, Format, ReadOptions, Reader, parse_record,
};
use sync_core::contact::{
    Address, Contact, ContactType, CustomValue, DateEntry, Email, Level, Organization, PartialDate,
    Phone, SharedText, SocialHandle, SocialNetwork, Url,
};
use sync_core::ids::ItemId;

fn id(text: &str) -> ItemId {
    ItemId::from(text)
}

/// A contact using every field the formats carry.
fn rich_contact() -> Contact {
    let mut contact = Contact::default();
    contact.name.prefix = "Dr.".into();
    contact.name.given = "美咲".into();
    // Excel would run these as formulas; the CSV writer guards them and the reader unguards.
    contact.name.middle = "=K.+1".into();
    contact.name.family = "山田".into();
    contact.name.suffix = "PhD".into();
    contact.name.phonetic_given = "みさき".into();
    contact.name.phonetic_family = "やまだ".into();
    contact.name.nickname = "Misa, the \"boss\"".into();
    let phones = [
        ("mobile", "+819012345678", "090-1234-5678"),
        ("work", "+81312345678", "+81312345678"),
        ("home", "+14155550132", "+1 (415) 555-0132"),
        ("Assistant", "+442079460000", "+442079460000"),
        ("", "+821012345678", "+82 10-1234-5678"),
    ];
    contact.phones = phones
        .iter()
        .enumerate()
        .map(|(n, (label, e164, raw))| Phone {
            id: id(&format!("p{n}")),
            label: (*label).into(),
            e164: (*e164).into(),
            raw: (*raw).into(),
        })
        .collect();
    contact.emails = ["work", "home", "other", "Billing, EU"]
        .iter()
        .enumerate()
        .map(|(n, label)| Email {
            id: id(&format!("e{n}")),
            label: (*label).into(),
            address: format!("misaki{n}@example.com"),
        })
        .collect();
    contact.addresses = vec![
        Address {
            id: id("a1"),
            label: "work".into(),
            street: "丸の内1-2-3 新東京ビル 5F".into(),
            city: "千代田区".into(),
            region: "東京都".into(),
            postal_code: "100-0005".into(),
            country: "JP".into(),
        },
        Address {
            id: id("a2"),
            label: "home".into(),
            street: "12 Rue de l'Exemple; Bât. B".into(),
            city: "Paris".into(),
            region: String::new(),
            postal_code: "75001".into(),
            country: "FR".into(),
        },
        Address {
            id: id("a3"),
            label: String::new(),
            street: String::new(),
            city: "Seoul".into(),
            region: String::new(),
            postal_code: String::new(),
            country: "KR".into(),
        },
    ];
    contact.organizations = vec![
        Organization {
            id: id("o1"),
            company: "山田商事株式会社".into(),
            department: "営業部".into(),
            title: "部長".into(),
        },
        Organization {
            id: id("o2"),
            company: "Example, Inc.".into(),
            department: String::new(),
            title: "Advisor".into(),
        },
        Organization {
            id: id("o3"),
            company: String::new(),
            department: String::new(),
            title: "Board member".into(),
        },
    ];
    contact.dates = vec![
        DateEntry {
            id: id("d1"),
            label: "birthday".into(),
            date: PartialDate {
                year: Some(1988),
                month: 2,
                day: 29,
            },
        },
        DateEntry {
            id: id("d2"),
            label: "anniversary".into(),
            date: PartialDate {
                year: None,
                month: 6,
                day: 1,
            },
        },
        DateEntry {
            id: id("d3"),
            label: "first meeting".into(),
            date: PartialDate {
                year: Some(2024),
                month: 11,
                day: 5,
            },
        },
    ];
    contact.urls = vec![
        Url {
            id: id("u1"),
            label: "work".into(),
            url: "https://www.example.com/ja/".into(),
        },
        Url {
            id: id("u2"),
            label: "blog".into(),
            url: "https://blog.example.org/misaki?a=1&b=2".into(),
        },
        Url {
            id: id("u3"),
            label: String::new(),
            url: "http://example.net/".into(),
        },
    ];
    contact.social = vec![
        SocialHandle {
            id: id("s1"),
            network: SocialNetwork::Linkedin,
            handle: "misaki-yamada".into(),
        },
        SocialHandle {
            id: id("s2"),
            network: SocialNetwork::Wechat,
            handle: "misaki_wx".into(),
        },
        SocialHandle {
            id: id("s3"),
            network: SocialNetwork::X,
            handle: "@misaki".into(),
        },
        SocialHandle {
            id: id("s4"),
            network: SocialNetwork::Line,
            handle: "misaki.line".into(),
        },
        SocialHandle {
            id: id("s5"),
            network: SocialNetwork::Other,
            handle: "skype:misaki.y".into(),
        },
    ];
    contact.contact_type = ContactType::Customer;
    contact.level = Some(Level::Primary);
    contact.language = Some("ja-JP".into());
    contact.tags = BTreeMap::from([
        ("VIP".to_string(), true),
        ("Tokyo, Japan".to_string(), true),
        ("展示会 2026".to_string(), true),
    ]);
    contact.notes = SharedText::from(
        "First line, with a comma; and a semicolon.\nSecond line: \"quoted\".\n\n  Indented after a blank line ::: not a separator",
    );
    contact.custom = BTreeMap::from([
        ("Budget".to_string(), CustomValue::Number(1250.75)),
        ("Signed NDA".to_string(), CustomValue::Bool(true)),
        ("Contract start".to_string(), CustomValue::Date(PartialDate { year: Some(2025), month: 4, day: 1 })),
        ("Region, sales".to_string(), CustomValue::Text("関東\nline two".into())),
        (
            EXTRA_KEY.to_string(),
            CustomValue::Text(
                "X-CUSTOM-THING;TYPE=foo:bar\\, baz\nitem1.X-ABRELATEDNAMES:Kenji Yamada\nitem1.X-ABLabel:_$!<Spouse>!$_\nGEO:geo:35.68,139.76".into(),
            ),
        ),
    ]);
    contact
}

/// A company-only contact with almost nothing else.
fn plain_contact() -> Contact {
    let mut contact = Contact::default();
    contact.organizations.push(Organization {
        id: id("o1"),
        company: "Nordlicht GmbH".into(),
        department: String::new(),
        title: String::new(),
    });
    contact.phones.push(Phone {
        id: id("p1"),
        label: "main".into(),
        e164: "+4930123456".into(),
        raw: "+4930123456".into(),
    });
    contact
}

/// The contact with every item id blanked, for comparing contents.
fn without_ids(mut contact: Contact) -> Contact {
    let blank = ItemId::from("");
    contact
        .phones
        .iter_mut()
        .for_each(|item| item.id = blank.clone());
    contact
        .emails
        .iter_mut()
        .for_each(|item| item.id = blank.clone());
    contact
        .addresses
        .iter_mut()
        .for_each(|item| item.id = blank.clone());
    contact
        .organizations
        .iter_mut()
        .for_each(|item| item.id = blank.clone());
    contact
        .dates
        .iter_mut()
        .for_each(|item| item.id = blank.clone());
    contact
        .urls
        .iter_mut()
        .for_each(|item| item.id = blank.clone());
    contact
        .social
        .iter_mut()
        .for_each(|item| item.id = blank.clone());
    contact
}

fn export(format: ExportFormat, contacts: &[Contact]) -> Vec<u8> {
    let mut writer = ExportWriter::new(format, Vec::new()).unwrap();
    for contact in contacts {
        writer.add(contact).unwrap();
    }
    writer.finish().unwrap()
}

fn import(bytes: Vec<u8>, file_name: &str) -> Vec<Contact> {
    let mut reader = Reader::open(
        Box::new(std::io::Cursor::new(bytes)),
        &ReadOptions::default(),
        Some(file_name),
    )
    .unwrap();
    let mapping = reader.suggested_mapping();
    let mut contacts = Vec::new();
    while let Some(record) = reader.next_record() {
        let row = parse_record(&record.unwrap(), &mapping, "US");
        assert!(row.problems.is_empty(), "{file_name}: {:#?}", row.problems);
        contacts.push(row.contact);
    }
    contacts
}

fn assert_round_trip(format: ExportFormat, file_name: &str) {
    let contacts = vec![rich_contact(), plain_contact()];
    let bytes = export(format, &contacts);
    let back = import(bytes, file_name);
    assert_eq!(back.len(), contacts.len(), "{file_name}");
    for (original, read) in contacts.into_iter().zip(back) {
        pretty_eq(without_ids(original), without_ids(read), file_name);
    }
}

fn pretty_eq(expected: Contact, actual: Contact, what: &str) {
    if expected != actual {
        panic!(
            "{what}: contact changed in the round trip\nexpected: {expected:#?}\nactual: {actual:#?}"
        );
    }
}

#[test]
fn csv_export_reads_back_with_nothing_lost() {
    assert_round_trip(ExportFormat::Csv, "contacts.csv");
}

#[test]
fn xlsx_export_reads_back_with_nothing_lost() {
    assert_round_trip(ExportFormat::Xlsx, "contacts.xlsx");
}

#[test]
fn vcard3_export_reads_back_with_nothing_lost() {
    assert_round_trip(ExportFormat::VCard3, "contacts.vcf");
}

#[test]
fn vcard4_export_reads_back_with_nothing_lost() {
    assert_round_trip(ExportFormat::VCard4, "contacts.vcf");
}

#[test]
fn text_format_reads_back_with_nothing_lost() {
    let contacts = vec![rich_contact(), plain_contact()];
    let mut text = String::new();
    for contact in &contacts {
        interchange::write_text_block(&mut text, contact);
    }
    let back = import(text.into_bytes(), "contacts.txt");
    assert_eq!(back.len(), 2);
    for (original, read) in contacts.into_iter().zip(back) {
        pretty_eq(without_ids(original), without_ids(read), "text");
    }
}

#[test]
fn csv_export_starts_with_a_bom_and_the_documented_header() {
    let bytes = export(ExportFormat::Csv, &[plain_contact()]);
    assert!(bytes.starts_with(b"\xEF\xBB\xBFName prefix,Given name,Middle name,Family name,"));
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.lines()
            .next()
            .unwrap()
            .ends_with(",Type,Level,Language,Tags,Notes,Custom fields")
    );
}

#[test]
fn samples_read_back_as_the_example_contact() {
    let example = without_ids(interchange::example_contact());
    for (format, name) in [
        (Format::Csv, "sample.csv"),
        (Format::Xlsx, "sample.xlsx"),
        (Format::Text, "sample.txt"),
    ] {
        let contacts = import(interchange::sample(format), name);
        assert_eq!(contacts.len(), 1, "{name}");
        pretty_eq(example.clone(), without_ids(contacts[0].clone()), name);
    }
}
