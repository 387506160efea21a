//! Sample files: Rolo's columns with one row of example values (a fictional person), for
//! people who start a spreadsheet from scratch.

use std::collections::BTreeMap;

use sync_core::contact::{
    Address, Contact, ContactType, CustomValue, DateEntry, Email, Level, Organization, PartialDate,
    Phone, SharedText, SocialHandle, SocialNetwork, Url,
};
use sync_core::ids::ItemId;

use crate::export::{ExportWriter, contact_row};
use crate::format::{ExportFormat, Format};

/// The example contact the samples show (fictional).
pub fn example_contact() -> Contact {
    let mut contact = Contact::default();
    contact.name.given = "Aiko".into();
    contact.name.family = "Sato".into();
    contact.name.phonetic_given = "あいこ".into();
    contact.name.phonetic_family = "さとう".into();
    contact.phones = vec![
        Phone {
            id: ItemId::from("p1"),
            label: "mobile".into(),
            e164: "+819012345678".into(),
            raw: "090-1234-5678".into(),
        },
        Phone {
            id: ItemId::from("p2"),
            label: "work".into(),
            e164: "+81312345678".into(),
            raw: "+81312345678".into(),
        },
    ];
    contact.emails = vec![Email {
        id: ItemId::from("e1"),
        label: "work".into(),
        address: "aiko.sato@example.com".into(),
    }];
    contact.addresses = vec![Address {
        id: ItemId::from("a1"),
        label: "work".into(),
        street: "1-2-3 Marunouchi".into(),
        city: "Chiyoda-ku".into(),
        region: "Tokyo".into(),
        postal_code: "100-0005".into(),
        country: "JP".into(),
    }];
    contact.organizations = vec![Organization {
        id: ItemId::from("o1"),
        company: "Example Trading Co.".into(),
        department: "Sales".into(),
        title: "Account Manager".into(),
    }];
    contact.dates = vec![DateEntry {
        id: ItemId::from("d1"),
        label: "birthday".into(),
        date: PartialDate {
            year: None,
            month: 4,
            day: 7,
        },
    }];
    contact.urls = vec![Url {
        id: ItemId::from("u1"),
        label: "work".into(),
        url: "https://www.example.com/".into(),
    }];
    contact.social = vec![SocialHandle {
        id: ItemId::from("s1"),
        network: SocialNetwork::Linkedin,
        handle: "aiko-sato-example".into(),
    }];
    contact.contact_type = ContactType::Prospect;
    contact.level = Some(Level::Secondary);
    contact.language = Some("ja".into());
    contact.tags = BTreeMap::from([("trade fair 2026".to_string(), true)]);
    contact.notes = SharedText::from("Met at the Osaka trade fair.\nPrefers email.");
    contact.custom = BTreeMap::from([("Budget".to_string(), CustomValue::Number(1200.0))]);
    contact
}

/// A sample file: Rolo's header and one example row (`csv`, `xlsx`, `txt`; `xls` gives an
/// XLSX, `vcard` one card).
pub fn sample(format: Format) -> Vec<u8> {
    let contact = example_contact();
    let export = match format {
        Format::Csv => ExportFormat::Csv,
        Format::Xlsx | Format::Xls => ExportFormat::Xlsx,
        Format::VCard => ExportFormat::VCard3,
        Format::Text => {
            let mut text = String::from(
                "# Rolo contacts, text format: one contact per block of `Field: value` lines,\n\
                 # blocks separated by an empty line; a value continues on lines indented by two\n\
                 # spaces. Field names are the CSV sample's column headers.\n\n",
            );
            write_text_block(&mut text, &contact);
            return text.into_bytes();
        }
    };
    let write = || -> Result<Vec<u8>, crate::ExportError> {
        let mut writer = ExportWriter::new(export, Vec::new())?;
        writer.add(&contact)?;
        writer.finish()
    };
    write().unwrap_or_default()
}

/// A contact as text-format fields: Rolo's headers with their non-empty values.
pub fn text_fields(contact: &Contact) -> Vec<(String, String)> {
    crate::columns::rolo_columns()
        .into_iter()
        .map(|(header, _)| header)
        .zip(contact_row(contact))
        .filter(|(_, value)| !value.is_empty())
        .collect()
}

/// Appends a contact as one block of Rolo's text format.
pub fn write_text_block(out: &mut String, contact: &Contact) {
    crate::text::write_block(out, &text_fields(contact));
}
