//! The typed contact and its mapping to one Automerge document.
//!
//! Every field a rep can see lives here. The struct maps onto the document with `autosurgeon`:
//! scalar fields become map keys (so concurrent edits of different fields merge), multi-valued
//! fields become lists whose items carry a stable [`ItemId`] marked `#[key]` (so two concurrent
//! adds both survive and an edit or delete targets one item, never "whatever sits at index 2"),
//! tags become a map used as a set, and notes are collaborative text.
//!
//! Enumerations are stored as lowercase strings (`"lead"`, `"primary"`) so the TypeScript client
//! reads the same document without a Rust-shaped encoding.

use std::collections::BTreeMap;
use std::fmt;

use autosurgeon::reconcile::{LoadKey, NoKey, TextReconciler};
use autosurgeon::{Hydrate, HydrateError, ReadDoc, Reconcile, Reconciler};
use serde::{Deserialize, Serialize};

use crate::ids::ItemId;

/// Most items any one multi-valued list may hold (DESIGN.md section 2).
pub const MAX_LIST_ITEMS: usize = 100;

/// One contact: the whole content of one Automerge document.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct Contact {
    /// The parts of the person's name.
    pub name: Name,
    /// Phone numbers, each parsed to E.164.
    pub phones: Vec<Phone>,
    /// Email addresses.
    pub emails: Vec<Email>,
    /// Postal addresses.
    pub addresses: Vec<Address>,
    /// Companies the person works for, with department and title.
    pub organizations: Vec<Organization>,
    /// Birthdays, anniversaries and other labelled dates.
    pub dates: Vec<DateEntry>,
    /// Web sites.
    pub urls: Vec<Url>,
    /// Handles on messaging and social networks.
    pub social: Vec<SocialHandle>,
    /// Where the contact stands in the sales funnel.
    #[autosurgeon(rename = "type")]
    pub contact_type: ContactType,
    /// How important the contact is to the team, if anyone said.
    pub level: Option<Level>,
    /// Preferred language as a BCP 47 tag (`en`, `ja`, `zh-Hant`).
    pub language: Option<String>,
    /// Free-form tags; a map used as a set so concurrent adds of one tag merge.
    pub tags: BTreeMap<String, bool>,
    /// Collaborative notes: concurrent typing in the same note interleaves instead of
    /// overwriting.
    pub notes: SharedText,
    /// Tenant-defined fields, keyed by field name.
    pub custom: BTreeMap<String, CustomValue>,
    /// Calls, visits, meetings and notes, appended and never rewritten.
    pub activity: Vec<Activity>,
    /// The contact's photo, stored by the server as a blob.
    pub photo: Option<BlobRef>,
    /// Photos of the business cards this contact was read from.
    pub card_images: Vec<CardImage>,
    /// Archived, trashed or merged.
    pub lifecycle: Lifecycle,
}

/// The parts of a name, as vCard and Google Contacts split them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate)]
pub struct Name {
    /// "Dr.", "Ms."
    pub prefix: String,
    /// First name.
    pub given: String,
    /// Middle name or initial.
    pub middle: String,
    /// Last name.
    pub family: String,
    /// "Jr.", "PhD"
    pub suffix: String,
    /// How the given name is read aloud (furigana, pinyin).
    pub phonetic_given: String,
    /// How the family name is read aloud.
    pub phonetic_family: String,
    /// What colleagues call them.
    pub nickname: String,
}

/// A phone number with its label.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Phone {
    /// Stable identity of this item across edits and devices.
    #[key]
    pub id: ItemId,
    /// `mobile`, `work`, `home`, `main`, `fax`, `pager`, `other` or a custom label.
    pub label: String,
    /// The number in E.164 (`+81312345678`).
    pub e164: String,
    /// The number as the user typed or the card printed it, kept for display and audit.
    pub raw: String,
}

/// An email address with its label.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Email {
    /// Stable identity of this item.
    #[key]
    pub id: ItemId,
    /// `work`, `home`, `other` or a custom label.
    pub label: String,
    /// The address, with its domain lowercased.
    pub address: String,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Address {
    /// Stable identity of this item.
    #[key]
    pub id: ItemId,
    /// `work`, `home`, `other` or a custom label.
    pub label: String,
    /// Street lines, newline separated.
    pub street: String,
    /// City or locality.
    pub city: String,
    /// State, prefecture or province.
    pub region: String,
    /// Postal code as printed.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, uppercase; empty when unknown.
    pub country: String,
}

/// Where the person works.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Organization {
    /// Stable identity of this item.
    #[key]
    pub id: ItemId,
    /// Company name.
    pub company: String,
    /// Department or division.
    pub department: String,
    /// Job title.
    pub title: String,
}

/// A labelled date such as a birthday.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct DateEntry {
    /// Stable identity of this item.
    #[key]
    pub id: ItemId,
    /// `birthday`, `anniversary` or a custom label.
    pub label: String,
    /// The date; the year may be unknown.
    pub date: PartialDate,
}

/// A calendar date whose year may be unknown (a birthday without the year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Reconcile, Hydrate)]
pub struct PartialDate {
    /// The year, when known.
    pub year: Option<u16>,
    /// 1 to 12.
    pub month: u8,
    /// 1 to 31, valid for the month.
    pub day: u8,
}

impl fmt::Display for PartialDate {
    /// ISO 8601: `1990-04-07`, or `--04-07` without a year (as vCard writes it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.year {
            Some(year) => write!(f, "{year:04}-{:02}-{:02}", self.month, self.day),
            None => write!(f, "--{:02}-{:02}", self.month, self.day),
        }
    }
}

/// A web site.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Url {
    /// Stable identity of this item.
    #[key]
    pub id: ItemId,
    /// `work`, `home`, `blog` or a custom label.
    pub label: String,
    /// An absolute `http` or `https` URL.
    pub url: String,
}

/// A handle on a messaging or social network.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct SocialHandle {
    /// Stable identity of this item.
    #[key]
    pub id: ItemId,
    /// Which network.
    pub network: SocialNetwork,
    /// The handle or profile address as the network shows it.
    pub handle: String,
}

/// Networks reps exchange handles on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
#[allow(missing_docs)]
pub enum SocialNetwork {
    #[autosurgeon(rename = "facebook")]
    Facebook,
    #[autosurgeon(rename = "whatsapp")]
    Whatsapp,
    #[autosurgeon(rename = "wechat")]
    Wechat,
    #[autosurgeon(rename = "x")]
    X,
    #[autosurgeon(rename = "linkedin")]
    Linkedin,
    #[autosurgeon(rename = "telegram")]
    Telegram,
    #[autosurgeon(rename = "line")]
    Line,
    #[autosurgeon(rename = "instagram")]
    Instagram,
    #[autosurgeon(rename = "kakaotalk")]
    Kakaotalk,
    #[autosurgeon(rename = "other")]
    Other,
}

/// Where a contact stands with the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Reconcile, Hydrate)]
#[allow(missing_docs)]
pub enum ContactType {
    #[default]
    #[autosurgeon(rename = "lead")]
    Lead,
    #[autosurgeon(rename = "prospect")]
    Prospect,
    #[autosurgeon(rename = "customer")]
    Customer,
    #[autosurgeon(rename = "partner")]
    Partner,
    #[autosurgeon(rename = "other")]
    Other,
}

/// How important a contact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
#[allow(missing_docs)]
pub enum Level {
    #[autosurgeon(rename = "primary")]
    Primary,
    #[autosurgeon(rename = "secondary")]
    Secondary,
    #[autosurgeon(rename = "tertiary")]
    Tertiary,
}

/// The value of a tenant-defined custom field.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
#[allow(missing_docs)]
pub enum CustomValue {
    #[autosurgeon(rename = "text")]
    Text(String),
    #[autosurgeon(rename = "number")]
    Number(f64),
    #[autosurgeon(rename = "bool")]
    Bool(bool),
    #[autosurgeon(rename = "date")]
    Date(PartialDate),
}

/// One entry of the append-only activity log.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Activity {
    /// Stable identity of this entry.
    #[key]
    pub id: ItemId,
    /// What happened.
    pub kind: ActivityKind,
    /// When, in milliseconds since the Unix epoch (UTC), as the recording device's clock said.
    pub at_ms: i64,
    /// The member who recorded it.
    pub by: String,
    /// What was said or agreed.
    pub text: String,
}

/// The kinds of activity a rep logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
#[allow(missing_docs)]
pub enum ActivityKind {
    #[autosurgeon(rename = "call")]
    Call,
    #[autosurgeon(rename = "visit")]
    Visit,
    #[autosurgeon(rename = "meeting")]
    Meeting,
    #[autosurgeon(rename = "note")]
    Note,
}

/// A reference to an image blob the server stores (never the bytes themselves: documents stay
/// small enough to sync over a poor connection).
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct BlobRef {
    /// Lowercase hex SHA-256 of the stored bytes.
    pub sha256: String,
    /// `image/jpeg`, `image/png` or `image/gif`.
    pub mime: String,
    /// Size of the stored bytes.
    pub bytes: u64,
}

/// A photo of a business card the contact was read from.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct CardImage {
    /// Stable identity of this item.
    #[key]
    pub id: ItemId,
    /// Which side of the card.
    pub side: CardSide,
    /// The stored image.
    pub blob: BlobRef,
}

/// The side of a business card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum CardSide {
    #[autosurgeon(rename = "front")]
    Front,
    #[autosurgeon(rename = "back")]
    Back,
}

/// Archive, trash and merge state. These live in the document so they sync offline like any
/// edit; permanent deletion (purge) is a server operation outside the document.
#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate)]
pub struct Lifecycle {
    /// Hidden from the default list but kept.
    pub archived: bool,
    /// When the contact was moved to the trash, in ms since the Unix epoch; `None` if not.
    pub trashed_at_ms: Option<i64>,
    /// The contact this one was merged into, if it was.
    pub merged_into: Option<String>,
}

/// Text that several people may type into at once (the notes), stored as an Automerge text
/// object.
///
/// It holds a plain string; on reconcile the difference between the document's text and this
/// string is written as character insertions and deletions, so concurrent typing interleaves.
/// (autosurgeon's own `Text` refuses to reconcile once any other field of the same edit has
/// been written, because it checks the document's heads mid-transaction.)
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SharedText(pub String);

impl SharedText {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SharedText {
    fn from(text: &str) -> Self {
        Self(text.to_string())
    }
}

impl Reconcile for SharedText {
    type Key<'a> = NoKey;

    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        let mut text = reconciler.text()?;
        text.update(&self.0)
    }

    fn key(&self) -> LoadKey<Self::Key<'_>> {
        LoadKey::NoKey
    }
}

impl Hydrate for SharedText {
    fn hydrate_text<D: ReadDoc>(doc: &D, obj: &automerge::ObjId) -> Result<Self, HydrateError> {
        Ok(Self(doc.text(obj)?))
    }
}

impl Contact {
    /// The name shown in lists: the full name when there is one, else the nickname, else the
    /// first company.
    pub fn display_name(&self) -> String {
        let name = &self.name;
        let full: Vec<&str> = [
            &name.prefix,
            &name.given,
            &name.middle,
            &name.family,
            &name.suffix,
        ]
        .into_iter()
        .map(|part| part.trim())
        .filter(|part| !part.is_empty())
        .collect();
        if !full.is_empty() {
            return full.join(" ");
        }
        if !name.nickname.trim().is_empty() {
            return name.nickname.trim().to_string();
        }
        self.organizations
            .iter()
            .map(|org| org.company.trim())
            .find(|company| !company.is_empty())
            .unwrap_or_default()
            .to_string()
    }

    /// The tags as a sorted list.
    pub fn tag_list(&self) -> Vec<&str> {
        self.tags
            .iter()
            .filter(|(_, present)| **present)
            .map(|(tag, _)| tag.as_str())
            .collect()
    }

    /// Whether the contact is in the trash.
    pub fn is_trashed(&self) -> bool {
        self.lifecycle.trashed_at_ms.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_prefers_full_name_then_nickname_then_company() {
        let mut contact = Contact::default();
        contact.organizations.push(Organization {
            id: ItemId::from("o1"),
            company: "Yamata Keiki".into(),
            department: String::new(),
            title: String::new(),
        });
        assert_eq!(contact.display_name(), "Yamata Keiki");
        contact.name.nickname = "Sato".into();
        assert_eq!(contact.display_name(), "Sato");
        contact.name.given = "Aiko".into();
        contact.name.family = "Sato".into();
        assert_eq!(contact.display_name(), "Aiko Sato");
    }

    #[test]
    fn partial_date_prints_iso_with_or_without_year() {
        let with_year = PartialDate {
            year: Some(1990),
            month: 4,
            day: 7,
        };
        let without_year = PartialDate {
            year: None,
            month: 12,
            day: 31,
        };
        assert_eq!(with_year.to_string(), "1990-04-07");
        assert_eq!(without_year.to_string(), "--12-31");
    }
}
