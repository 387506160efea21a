//! The typed contact and its mapping to one Automerge document.
//!
//! Every field a rep can see lives here. The struct maps onto the document with `autosurgeon`:
//! scalar fields become map keys (so concurrent edits of different fields merge), multi-valued
//! fields become lists whose items carry a stable [`ItemId`](crate::ids::ItemId) marked
//! `#[key]` (so two concurrent adds both survive and an edit or delete targets one item, never
//! "whatever sits at index 2"), tags become a map used as a set, and notes are collaborative
//! text.
//!
//! Enumerations are stored as lowercase strings (`"lead"`, `"primary"`) so the TypeScript client
//! reads the same document without a Rust-shaped encoding.
//!
//! # How the layout evolves
//!
//! Phones stay offline for weeks running last month's app against this month's server, so
//! documents written by one layout ([`DOC_LAYOUT`]) are read and edited by code of another.
//! Three rules make that safe, and every field below follows them:
//!
//! - **A missing key reads as its default.** Every field is marked
//!   `#[autosurgeon(missing = "Default::default")]`, at every level (the contact, the name, each
//!   list item, the lifecycle, a blob reference), so a document written before a field existed
//!   reads, validates and edits. A new field must therefore have a default that means "not
//!   set".
//! - **A key this code does not know is kept.** autosurgeon writes a struct by putting each of
//!   its fields and deletes nothing else, so a key a newer layout added (at the root, in the
//!   name, in a list item, in the lifecycle) survives an edit made here. List items are
//!   matched by id and edited in place, never rewritten whole.
//! - **A value this code does not know is kept.** An enumeration reads an unknown string as
//!   `Unknown(text)` and writes it back as it was; a custom value of an unknown type reads as
//!   [`CustomValue::Unknown`] holding the raw value. Validation does not judge what it cannot
//!   read, and input parsing never produces such a value.
//!
//! So a later layout may add fields, enumeration values and custom value types; it may never
//! rename, remove or retype a key (docs/protocol.md section 14.1).

mod custom;
pub mod display;
mod enums;
mod items;

pub use self::custom::{CustomValue, RawValue};
pub use self::enums::{ActivityKind, CardSide, ContactType, Level, SocialNetwork};
pub use self::items::{
    Activity, Address, BlobRef, CardImage, DateEntry, Email, Organization, PartialDate, Phone,
    SocialHandle, Url,
};

use std::collections::BTreeMap;

use autosurgeon::reconcile::{LoadKey, NoKey, TextReconciler};
use autosurgeon::{Hydrate, HydrateError, ReadDoc, Reconcile, Reconciler};

/// The layout of the contact document this code writes: which keys exist and what they hold.
///
/// 1 is the layout of the first release. A release that adds a key, an enumeration value or a
/// custom value type raises it by one and keeps a corpus of documents written by each layout
/// (`sync-core/tests/corpus/layout-N/`) that every later release must read and edit. Devices
/// state it in `hello`, the server in `welcome` (docs/protocol.md section 14.1).
pub const DOC_LAYOUT: u32 = 1;

/// Most items any one multi-valued list may hold (DESIGN.md section 2).
pub const MAX_LIST_ITEMS: usize = 100;

/// One contact: the whole content of one Automerge document.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct Contact {
    /// The parts of the person's name.
    #[autosurgeon(missing = "Default::default")]
    pub name: Name,
    /// Phone numbers, each parsed to E.164.
    #[autosurgeon(missing = "Default::default")]
    pub phones: Vec<Phone>,
    /// Email addresses.
    #[autosurgeon(missing = "Default::default")]
    pub emails: Vec<Email>,
    /// Postal addresses.
    #[autosurgeon(missing = "Default::default")]
    pub addresses: Vec<Address>,
    /// Companies the person works for, with department and title.
    #[autosurgeon(missing = "Default::default")]
    pub organizations: Vec<Organization>,
    /// Birthdays, anniversaries and other labelled dates.
    #[autosurgeon(missing = "Default::default")]
    pub dates: Vec<DateEntry>,
    /// Web sites.
    #[autosurgeon(missing = "Default::default")]
    pub urls: Vec<Url>,
    /// Handles on messaging and social networks.
    #[autosurgeon(missing = "Default::default")]
    pub social: Vec<SocialHandle>,
    /// Where the contact stands in the sales funnel.
    #[autosurgeon(rename = "type", missing = "Default::default")]
    pub contact_type: ContactType,
    /// How important the contact is to the team, if anyone said.
    #[autosurgeon(missing = "Default::default")]
    pub level: Option<Level>,
    /// Preferred language as a BCP 47 tag (`en`, `ja`, `zh-Hant`).
    #[autosurgeon(missing = "Default::default")]
    pub language: Option<String>,
    /// Free-form tags; a map used as a set so concurrent adds of one tag merge.
    #[autosurgeon(missing = "Default::default")]
    pub tags: BTreeMap<String, bool>,
    /// Collaborative notes: concurrent typing in the same note interleaves instead of
    /// overwriting.
    #[autosurgeon(missing = "Default::default")]
    pub notes: SharedText,
    /// Tenant-defined fields, keyed by field name.
    #[autosurgeon(missing = "Default::default")]
    pub custom: BTreeMap<String, CustomValue>,
    /// Calls, visits, meetings and notes, appended and never rewritten.
    #[autosurgeon(missing = "Default::default")]
    pub activity: Vec<Activity>,
    /// The contact's photo, stored by the server as a blob.
    #[autosurgeon(missing = "Default::default")]
    pub photo: Option<BlobRef>,
    /// Photos of the business cards this contact was read from.
    #[autosurgeon(missing = "Default::default")]
    pub card_images: Vec<CardImage>,
    /// Archived, trashed or merged.
    #[autosurgeon(missing = "Default::default")]
    pub lifecycle: Lifecycle,
}

/// The parts of a name, as vCard and Google Contacts split them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate)]
pub struct Name {
    /// "Dr.", "Ms."
    #[autosurgeon(missing = "Default::default")]
    pub prefix: String,
    /// First name.
    #[autosurgeon(missing = "Default::default")]
    pub given: String,
    /// Middle name or initial.
    #[autosurgeon(missing = "Default::default")]
    pub middle: String,
    /// Last name.
    #[autosurgeon(missing = "Default::default")]
    pub family: String,
    /// "Jr.", "PhD"
    #[autosurgeon(missing = "Default::default")]
    pub suffix: String,
    /// How the given name is read aloud (furigana, pinyin).
    #[autosurgeon(missing = "Default::default")]
    pub phonetic_given: String,
    /// How the family name is read aloud.
    #[autosurgeon(missing = "Default::default")]
    pub phonetic_family: String,
    /// What colleagues call them.
    #[autosurgeon(missing = "Default::default")]
    pub nickname: String,
}

/// Archive, trash and merge state. These live in the document so they sync offline like any
/// edit; permanent deletion (purge) is a server operation outside the document.
#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate)]
pub struct Lifecycle {
    /// Hidden from the default list but kept.
    #[autosurgeon(missing = "Default::default")]
    pub archived: bool,
    /// When the contact was moved to the trash, in ms since the Unix epoch; `None` if not.
    #[autosurgeon(missing = "Default::default")]
    pub trashed_at_ms: Option<i64>,
    /// The contact this one was merged into, if it was.
    #[autosurgeon(missing = "Default::default")]
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
    /// The name shown in lists: the full name when there is one, in the order its script and
    /// spelling call for ([`display::full_name`]: `山田太郎`, `Aiko Sato`, `TAKEUCHI Shin`), else
    /// the nickname, else the first company.
    pub fn display_name(&self) -> String {
        let full = display::full_name(&self.name, self.language.as_deref());
        if !full.is_empty() {
            return full;
        }
        let name = &self.name;
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
    use crate::ids::ItemId;

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
    fn cjk_names_show_family_first_and_latin_ones_as_printed() {
        let mut contact = Contact::default();
        contact.name.given = "太郎".into();
        contact.name.family = "山田".into();
        assert_eq!(contact.display_name(), "山田太郎");
        contact.name.given = "Shin".into();
        contact.name.family = "TAKEUCHI".into();
        assert_eq!(contact.display_name(), "TAKEUCHI Shin");
        contact.name.family = "Takeuchi".into();
        assert_eq!(contact.display_name(), "Shin Takeuchi");
        contact.language = Some("ja".into());
        assert_eq!(contact.display_name(), "Takeuchi Shin");
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
