//! Export writers: contacts in, one at a time, to CSV, XLSX or vCard, in Rolo's stable column
//! order ([`crate::columns`]) that the import reads back with nothing lost.
//!
//! CSV and vCard stream: each contact is written as it is added, so 100,000 contacts take
//! the memory of one. XLSX streams too ([`xlsx`]): its sheet is written row by row into a
//! zip that goes straight to the output.

mod xlsx;

use std::io::Write;

use sync_core::contact::Contact;

use crate::columns::{GROUPS, rolo_columns};
use crate::format::ExportFormat;
use crate::parse::{VALUE_SEPARATOR, custom_fields_to_json};
use crate::target::ListKind;

/// A write that failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing to the output failed.
    #[error("writing the export failed: {0}")]
    Io(#[from] std::io::Error),
    /// The workbook could not be written.
    #[error("writing the workbook failed: {0}")]
    Xlsx(#[from] zip::result::ZipError),
}

impl From<csv::Error> for ExportError {
    fn from(error: csv::Error) -> Self {
        ExportError::Io(std::io::Error::other(error.to_string()))
    }
}

enum Sink<W: Write> {
    // Boxed: the CSV writer carries its buffer and state inline, several times the size of
    // the other variants.
    Csv(Box<csv::Writer<W>>),
    Xlsx(Box<xlsx::XlsxStream<W>>),
    VCard { out: W, version4: bool },
}

/// Writes contacts one at a time.
pub struct ExportWriter<W: Write> {
    sink: Sink<W>,
}

impl<W: Write> ExportWriter<W> {
    /// A writer of `format` into `out`; CSV writes its BOM and header row now.
    pub fn new(format: ExportFormat, mut out: W) -> Result<ExportWriter<W>, ExportError> {
        let sink = match format {
            ExportFormat::Csv => {
                // Excel reads a CSV as UTF-8 only when it starts with a BOM.
                out.write_all(b"\xEF\xBB\xBF")?;
                // CRLF line ends as RFC 4180 and Excel write them.
                let mut writer = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .from_writer(out);
                writer.write_record(rolo_columns().iter().map(|(header, _)| header))?;
                Sink::Csv(Box::new(writer))
            }
            ExportFormat::Xlsx => {
                let header: Vec<String> = rolo_columns()
                    .into_iter()
                    .map(|(header, _)| header)
                    .collect();
                Sink::Xlsx(Box::new(xlsx::XlsxStream::new(out, &header)?))
            }
            ExportFormat::VCard3 | ExportFormat::VCard4 => Sink::VCard {
                out,
                version4: format == ExportFormat::VCard4,
            },
        };
        Ok(ExportWriter { sink })
    }

    /// Writes one contact.
    pub fn add(&mut self, contact: &Contact) -> Result<(), ExportError> {
        match &mut self.sink {
            Sink::Csv(writer) => {
                let row = contact_row(contact);
                writer.write_record(row.iter().map(|cell| formula_safe(cell).into_owned()))?
            }
            Sink::Xlsx(stream) => {
                let row = contact_row(contact);
                stream.add_row(row.iter().map(String::as_str))?;
            }
            Sink::VCard { out, version4 } => {
                let mut card = String::new();
                crate::vcard::write::write_card(&mut card, contact, *version4);
                out.write_all(card.as_bytes())?;
            }
        }
        Ok(())
    }

    /// Finishes the file (XLSX: writes the workbook) and returns the output.
    pub fn finish(self) -> Result<W, ExportError> {
        match self.sink {
            Sink::Csv(writer) => writer
                .into_inner()
                .map_err(|error| ExportError::Io(std::io::Error::other(error.to_string()))),
            Sink::Xlsx(stream) => Ok(stream.finish()?),
            Sink::VCard { mut out, .. } => {
                out.flush()?;
                Ok(out)
            }
        }
    }
}

/// A CSV cell Excel will not run as a formula: one starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return gets a leading `'` (which Excel shows as text and our reader
/// removes). It also keeps a phone's `+` when the file is opened in Excel.
pub fn formula_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// The cell as written before [`formula_safe`] protected it.
pub(crate) fn formula_unsafe(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// A contact's cells in Rolo's column order ([`rolo_columns`]).
pub fn contact_row(contact: &Contact) -> Vec<String> {
    let name = &contact.name;
    let mut row: Vec<String> = vec![
        name.prefix.clone(),
        name.given.clone(),
        name.middle.clone(),
        name.family.clone(),
        name.suffix.clone(),
        name.phonetic_given.clone(),
        name.phonetic_family.clone(),
        name.nickname.clone(),
    ];
    for group in GROUPS {
        let items = list_items(contact, group.list);
        for number in 1..=group.count {
            let slice: &[Vec<String>] = if number < group.count {
                items.get(number - 1..number).unwrap_or(&[])
            } else {
                items.get(number - 1..).unwrap_or(&[])
            };
            for part in 0..group.parts.len() {
                let values: Vec<&str> = slice.iter().map(|item| item[part].as_str()).collect();
                row.push(values.join(VALUE_SEPARATOR));
            }
        }
    }
    let tags = contact.tag_list();
    let mut tags_cell = tags.join(VALUE_SEPARATOR);
    if tags.len() == 1 && tags_cell.contains([',', ';']) {
        // One tag with a comma: the separator marks it as one tag, not a comma-separated list.
        tags_cell.push_str(VALUE_SEPARATOR);
    }
    row.push(contact.contact_type.as_str().to_string());
    row.push(
        contact
            .level
            .as_ref()
            .map(|level| level.as_str().to_string())
            .unwrap_or_default(),
    );
    row.push(contact.language.clone().unwrap_or_default());
    row.push(tags_cell);
    row.push(contact.notes.as_str().to_string());
    row.push(custom_fields_to_json(&contact.custom));
    row
}

/// A contact's values by target key (`given`, `phone[1]`, `phone[1].label`, …) in the
/// export's column order, empty ones left out: what a preview shows of a parsed row of any
/// format (vCards have no columns to show).
pub fn contact_values(contact: &Contact) -> Vec<(String, String)> {
    rolo_columns()
        .into_iter()
        .map(|(_, key)| key)
        .zip(contact_row(contact))
        .filter(|(_, value)| !value.is_empty())
        .collect()
}

/// Each item of a list as its parts' text, in the order of its group's columns.
fn list_items(contact: &Contact, list: ListKind) -> Vec<Vec<String>> {
    match list {
        ListKind::Phone => contact
            .phones
            .iter()
            .map(|phone| {
                let number = if phone.raw.is_empty() || phone.raw == phone.e164 {
                    phone.e164.clone()
                } else {
                    format!("{} [{}]", phone.e164, phone.raw)
                };
                vec![phone.label.clone(), number]
            })
            .collect(),
        ListKind::Email => contact
            .emails
            .iter()
            .map(|email| vec![email.label.clone(), email.address.clone()])
            .collect(),
        ListKind::Address => contact
            .addresses
            .iter()
            .map(|address| {
                vec![
                    address.label.clone(),
                    address.street.clone(),
                    address.city.clone(),
                    address.region.clone(),
                    address.postal_code.clone(),
                    address.country.clone(),
                ]
            })
            .collect(),
        ListKind::Organization => contact
            .organizations
            .iter()
            .map(|org| {
                vec![
                    org.company.clone(),
                    org.department.clone(),
                    org.title.clone(),
                ]
            })
            .collect(),
        ListKind::Date => contact
            .dates
            .iter()
            .map(|entry| vec![entry.label.clone(), entry.date.to_string()])
            .collect(),
        ListKind::Url => contact
            .urls
            .iter()
            .map(|url| vec![url.label.clone(), url.url.clone()])
            .collect(),
        ListKind::Social => contact
            .social
            .iter()
            .map(|handle| vec![handle.network.as_str().to_string(), handle.handle.clone()])
            .collect(),
    }
}
