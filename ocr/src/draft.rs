//! The draft contact a card reads into: every field with its value, confidence, source and box.
//!
//! A draft is a proposal for a person to review, not a contact: it keeps what was read even
//! when unsure (with a low confidence) and says where on the photo each value came from, so the
//! review screen can highlight it. [`Draft::to_contact`] turns what the rep accepts into the
//! stored [`Contact`].

use serde::{Deserialize, Serialize};
use sync_core::card::{card_language, fields_to_contact};
use sync_core::contact::Contact;
use sync_core::ids::ItemId;

// The field types are sync-core's: the device reviews the same fields the reader writes.
pub use sync_core::card::{BBox, Field, FieldKind, Source, network_of};

/// Which engine read a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// PP-OCR detection and recognition run by tract.
    PpOcr,
    /// The Tesseract command-line program.
    Tesseract,
}

/// A line of text as an engine read it, kept in the draft for review and debugging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextLine {
    /// The text.
    pub text: String,
    /// The engine's confidence, 0 to 1.
    pub confidence: f32,
    /// Where the line is.
    pub bbox: BBox,
    /// Who read it.
    pub engine: Engine,
}

/// What one card photo reads as.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Draft {
    /// Every field found, QR fields first.
    pub fields: Vec<Field>,
    /// The region (ISO 3166-1 alpha-2) national phone numbers were read in, when inferred.
    pub region: Option<String>,
    /// The recognised lines, top to bottom.
    pub lines: Vec<TextLine>,
    /// Degrees (0, 90, 180, 270, clockwise) the photo was turned to read the card upright.
    pub rotation: u16,
}

impl Draft {
    /// The first field of `kind`, which is the most confident one for single-valued kinds.
    pub fn first(&self, kind: FieldKind) -> Option<&Field> {
        self.fields.iter().find(|field| field.kind == kind)
    }

    /// The values of every field of `kind`, in order.
    pub fn values(&self, kind: FieldKind) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|field| field.kind == kind)
            .map(|field| field.value.as_str())
            .collect()
    }

    /// The full name as the contact saved from this draft is shown in lists (sync-core
    /// `Contact::display_name`'s order: family first for CJK and Vietnamese names — a
    /// Vietnamese card's contact is saved with the language [`card_language`] gives, which
    /// keeps a name read without its marks in the printed order — and for a surname printed
    /// first in capitals, given first otherwise).
    pub fn full_name(&self) -> String {
        let value = |kind| {
            self.first(kind)
                .map(|f| f.value.clone())
                .unwrap_or_default()
        };
        let name = sync_core::contact::Name {
            given: value(FieldKind::GivenName),
            family: value(FieldKind::FamilyName),
            ..Default::default()
        };
        sync_core::contact::display::full_name(&name, card_language(self.region.as_deref()))
    }

    /// Fields the rep must fix (or drop) before the draft can be saved: phone numbers kept as
    /// printed because they do not validate, each with its reason.
    pub fn to_fix(&self) -> Vec<&Field> {
        self.fields.iter().filter(|f| f.problem.is_some()).collect()
    }

    /// The draft as a contact, each list item with an id from `new_id`. Every field goes in;
    /// the review screen removes what the rep rejects before calling this. A Vietnamese
    /// card's contact takes the language `vi`, so its name stays in the printed order.
    pub fn to_contact(&self, new_id: impl FnMut() -> ItemId) -> Contact {
        let mut contact = fields_to_contact(&self.fields, new_id);
        contact.language = card_language(self.region.as_deref()).map(String::from);
        contact
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_field(kind: FieldKind, value: &str) -> Field {
        Field {
            kind,
            label: String::new(),
            value: value.into(),
            raw: value.into(),
            confidence: 0.9,
            source: Source::Ocr,
            bbox: None,
            problem: None,
        }
    }

    #[test]
    fn a_vietnamese_name_read_without_its_marks_is_shown_and_saved_in_the_printed_order() {
        let draft = Draft {
            fields: vec![
                name_field(FieldKind::GivenName, "Van Tam"),
                name_field(FieldKind::FamilyName, "Luong"),
            ],
            region: Some("VN".into()),
            ..Draft::default()
        };
        assert_eq!(draft.full_name(), "Luong Van Tam");
        let mut next = 0;
        let contact = draft.to_contact(|| {
            next += 1;
            ItemId::from(format!("i{next}").as_str())
        });
        assert_eq!(contact.display_name(), "Luong Van Tam");

        let elsewhere = Draft {
            region: Some("US".into()),
            ..draft
        };
        assert_eq!(elsewhere.full_name(), "Van Tam Luong");
    }
}
