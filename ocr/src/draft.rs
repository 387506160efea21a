//! The draft contact a card reads into: every field with its value, confidence, source and box.
//!
//! A draft is a proposal for a person to review, not a contact: it keeps what was read even
//! when unsure (with a low confidence) and says where on the photo each value came from, so the
//! review screen can highlight it. [`Draft::to_contact`] turns what the rep accepts into the
//! stored [`Contact`].

use serde::{Deserialize, Serialize};
use sync_core::contact::{
    Address, Contact, DateEntry, Email, Organization, Phone, SocialHandle, SocialNetwork, Url,
};
use sync_core::ids::ItemId;

/// Where a field's value was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Text recognition: may hold misread characters.
    Ocr,
    /// A QR code's payload: exact.
    Qr,
}

/// An axis-aligned box in the upright photo's pixels (after EXIF orientation and the card's
/// detected rotation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BBox {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl BBox {
    /// The smallest box holding both.
    pub fn union(self, other: BBox) -> BBox {
        let x = self.x.min(other.x);
        let y = self.y.min(other.y);
        let right = (self.x + self.width).max(other.x + other.width);
        let bottom = (self.y + self.height).max(other.y + other.height);
        BBox {
            x,
            y,
            width: right - x,
            height: bottom - y,
        }
    }
}

/// What a field holds; one contact attribute each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// First name.
    GivenName,
    /// Last name.
    FamilyName,
    /// How the given name is read aloud (furigana, romanisation).
    PhoneticGivenName,
    /// How the family name is read aloud.
    PhoneticFamilyName,
    /// Job title.
    Title,
    /// Department or division.
    Department,
    /// Company name.
    Company,
    /// A phone number in E.164; the label says mobile, work or fax.
    Phone,
    /// An email address.
    Email,
    /// A web site as an absolute URL.
    Url,
    /// A postal address, its lines joined by newlines.
    Address,
    /// The address's country as ISO 3166-1 alpha-2.
    Country,
    /// A handle on a social network; the label names the network.
    Social,
    /// A birthday as `YYYY-MM-DD` (from vCards).
    Birthday,
    /// Free text (a vCard's NOTE).
    Note,
}

/// One value read from the card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Which attribute.
    pub kind: FieldKind,
    /// `mobile` / `work` / `fax` for phones, the network for social handles, else empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// The value in its stored form (E.164, lowercase-domain email, absolute URL, plain text).
    pub value: String,
    /// The text as printed or encoded, before normalisation.
    pub raw: String,
    /// How sure the reader is, from 0 to 1 (QR values are 1).
    pub confidence: f32,
    /// Where the value came from.
    pub source: Source,
    /// Where on the photo, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bbox: Option<BBox>,
}

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

    /// The full name as printed: family first for CJK names, given first otherwise.
    pub fn full_name(&self) -> String {
        let given = self.first(FieldKind::GivenName).map(|f| f.value.as_str());
        let family = self.first(FieldKind::FamilyName).map(|f| f.value.as_str());
        let family_first = family.is_some_and(|name| name.chars().any(crate::script::is_cjk));
        let parts = if family_first {
            [family, given]
        } else {
            [given, family]
        };
        let parts: Vec<&str> = parts.into_iter().flatten().collect();
        parts.join(if family_first { "" } else { " " })
    }

    /// The draft as a contact, each list item with an id from `new_id`. Every field goes in;
    /// the review screen removes what the rep rejects before calling this.
    pub fn to_contact(&self, mut new_id: impl FnMut() -> ItemId) -> Contact {
        let mut contact = Contact::default();
        let text = |kind| {
            self.first(kind)
                .map(|field| field.value.clone())
                .unwrap_or_default()
        };
        contact.name.given = text(FieldKind::GivenName);
        contact.name.family = text(FieldKind::FamilyName);
        contact.name.phonetic_given = text(FieldKind::PhoneticGivenName);
        contact.name.phonetic_family = text(FieldKind::PhoneticFamilyName);
        let (company, department, title) = (
            text(FieldKind::Company),
            text(FieldKind::Department),
            text(FieldKind::Title),
        );
        if !(company.is_empty() && department.is_empty() && title.is_empty()) {
            contact.organizations.push(Organization {
                id: new_id(),
                company,
                department,
                title,
            });
        }
        let country = text(FieldKind::Country);
        for field in &self.fields {
            match field.kind {
                FieldKind::Phone => contact.phones.push(Phone {
                    id: new_id(),
                    label: field.label.clone(),
                    e164: field.value.clone(),
                    raw: field.raw.clone(),
                }),
                FieldKind::Email => contact.emails.push(Email {
                    id: new_id(),
                    label: "work".into(),
                    address: field.value.clone(),
                }),
                FieldKind::Url => contact.urls.push(Url {
                    id: new_id(),
                    label: "work".into(),
                    url: field.value.clone(),
                }),
                FieldKind::Address => contact.addresses.push(Address {
                    id: new_id(),
                    label: "work".into(),
                    street: field.value.clone(),
                    city: String::new(),
                    region: String::new(),
                    postal_code: String::new(),
                    country: country.clone(),
                }),
                FieldKind::Social => contact.social.push(SocialHandle {
                    id: new_id(),
                    network: network_of(&field.label),
                    handle: field.value.clone(),
                }),
                FieldKind::Birthday => {
                    if let Ok(date) = sync_core::validate::parse_date("birthday", &field.value) {
                        contact.dates.push(DateEntry {
                            id: new_id(),
                            label: "birthday".into(),
                            date,
                        });
                    }
                }
                FieldKind::Note => {
                    if !contact.notes.0.is_empty() {
                        contact.notes.0.push('\n');
                    }
                    contact.notes.0.push_str(&field.value);
                }
                _ => {}
            }
        }
        contact
    }
}

/// The network a social field's label names; unknown labels are `Other`.
pub fn network_of(label: &str) -> SocialNetwork {
    match label {
        "facebook" => SocialNetwork::Facebook,
        "whatsapp" => SocialNetwork::Whatsapp,
        "wechat" => SocialNetwork::Wechat,
        "x" => SocialNetwork::X,
        "linkedin" => SocialNetwork::Linkedin,
        "telegram" => SocialNetwork::Telegram,
        "line" => SocialNetwork::Line,
        "instagram" => SocialNetwork::Instagram,
        "kakaotalk" => SocialNetwork::Kakaotalk,
        _ => SocialNetwork::Other,
    }
}
