//! Field rules shared by every client and the server (DESIGN.md section 2).
//!
//! Two halves use the same rules. [`validate`] checks a whole stored [`Contact`] — the server
//! runs it on every pushed change, clients before they save — and reports every problem at
//! once, each a [`FieldError`] naming the field's path (`phones[1].e164`, `custom["Budget"]`)
//! and the bad value, so a client can mark each bad field. The parsers ([`parse_phone`],
//! [`parse_email`], [`parse_date`], [`parse_country`], [`parse_url`] and `FromStr` on the
//! enumerations) turn what a user typed or an importer read into the stored form, and fail
//! with the same typed errors rather than dropping or guessing at a value.
//!
//! Parsers are lenient about form (spaces, case, punctuation, full-width digits) and strict
//! about meaning (a national phone number with no country is an error, an impossible date is
//! not rounded to a possible one). Stored values are held to one canonical form, so two
//! devices never keep the same number spelt two ways.
//!
//! Everything here is pure (no clock, no I/O), so the server, the simulation and every client
//! run the very same checks.
//!
//! [`validate`]: crate::validate::validate
//! [`Contact`]: crate::contact::Contact
//! [`FieldError`]: crate::validate::FieldError
//! [`parse_phone`]: crate::validate::parse_phone
//! [`parse_email`]: crate::validate::parse_email
//! [`parse_date`]: crate::validate::parse_date
//! [`parse_country`]: crate::validate::parse_country
//! [`parse_url`]: crate::validate::parse_url
//!
//! ```
//! use sync_core::contact::{Contact, Phone};
//! use sync_core::ids::ItemId;
//! use sync_core::validate::{FieldError, parse_phone, validate};
//!
//! let mut contact = Contact::default();
//! contact.name.given = "Aiko".into();
//! contact.phones.push(Phone {
//!     id: ItemId::from("p1"),
//!     label: "work".into(),
//!     e164: parse_phone("phones[0].e164", "(03) 1234-5678", Some("JP"))?,
//!     raw: "(03) 1234-5678".into(),
//! });
//! assert_eq!(contact.phones[0].e164, "+81312345678");
//! assert!(validate(&contact).is_ok());
//!
//! contact.name.given.clear();
//! let errors = validate(&contact).unwrap_err();
//! assert_eq!(errors.0, [FieldError::NameRequired]);
//! # Ok::<(), FieldError>(())
//! ```

mod countries;
mod country;
mod date;
mod email;
mod error;
mod phone;
mod url;

use std::collections::HashSet;

use crate::contact::{
    Activity, Address, CardImage, Contact, CustomValue, DateEntry, Email, MAX_LIST_ITEMS,
    Organization, Phone, SocialHandle, Url,
};
use crate::ids::ItemId;

pub use self::country::parse_country;
pub use self::date::parse_date;
pub use self::email::{MAX_EMAIL_BYTES, parse_email};
pub use self::error::{FieldError, ValidationErrors};
pub use self::phone::parse_phone;
pub(crate) use self::phone::stored_number;
pub use self::url::{MAX_URL_CHARS, parse_url};

/// Longest short text: name parts, labels, address lines, company, department, title, social
/// handles, a phone's raw text. Far beyond any real value, low enough that one contact cannot
/// carry megabytes in a field nobody reads whole.
pub const MAX_TEXT_CHARS: usize = 1_000;

/// Longest long text: the notes and one activity entry's text (a meeting's minutes).
pub const MAX_NOTES_CHARS: usize = 100_000;

/// Longest text value of a custom field: room for a paragraph, not for a second notes field.
pub const MAX_CUSTOM_TEXT_CHARS: usize = 10_000;

/// Longest tag.
pub const MAX_TAG_CHARS: usize = 100;

/// Longest custom field name.
pub const MAX_CUSTOM_KEY_CHARS: usize = 100;

/// Longest language tag. BCP 47 asks implementations to support at least 35 characters; real
/// tags (`zh-Hant-TW`, `sr-Latn-RS`) are far shorter.
pub const MAX_LANGUAGE_CHARS: usize = 35;

/// Most entries the activity log may hold. The log is append-only and grows with the
/// relationship — a weekly call for ten years is about 500 entries — so it gets far more room
/// than [`MAX_LIST_ITEMS`], while still bounding the document a phone must sync and load.
pub const MAX_ACTIVITY_ITEMS: usize = 10_000;

/// Checks every field rule of `contact` and returns every problem found, in field order.
///
/// Lists longer than their limit report [`FieldError::TooManyItems`] and have only their first
/// items (up to the limit) checked one by one, so a hostile document costs bounded work.
pub fn validate(contact: &Contact) -> Result<(), ValidationErrors> {
    let mut report = Report::default();
    report.check(check_name(contact));
    let name = &contact.name;
    for (part, value) in [
        ("prefix", &name.prefix),
        ("given", &name.given),
        ("middle", &name.middle),
        ("family", &name.family),
        ("suffix", &name.suffix),
        ("phonetic_given", &name.phonetic_given),
        ("phonetic_family", &name.phonetic_family),
        ("nickname", &name.nickname),
    ] {
        report.text(&format!("name.{part}"), value, MAX_TEXT_CHARS);
    }

    for (at, phone) in report.list("phones", &contact.phones, MAX_LIST_ITEMS) {
        report.text(&format!("{at}.label"), &phone.label, MAX_TEXT_CHARS);
        report.check(phone::check_phone(&format!("{at}.e164"), &phone.e164));
        report.text(&format!("{at}.raw"), &phone.raw, MAX_TEXT_CHARS);
    }
    for (at, email) in report.list("emails", &contact.emails, MAX_LIST_ITEMS) {
        report.text(&format!("{at}.label"), &email.label, MAX_TEXT_CHARS);
        report.check(email::check_email(&format!("{at}.address"), &email.address));
    }
    for (at, address) in report.list("addresses", &contact.addresses, MAX_LIST_ITEMS) {
        for (part, value) in [
            ("label", &address.label),
            ("street", &address.street),
            ("city", &address.city),
            ("region", &address.region),
            ("postal_code", &address.postal_code),
        ] {
            report.text(&format!("{at}.{part}"), value, MAX_TEXT_CHARS);
        }
        report.check(country::check_country(
            &format!("{at}.country"),
            &address.country,
        ));
    }
    for (at, org) in report.list("organizations", &contact.organizations, MAX_LIST_ITEMS) {
        for (part, value) in [
            ("company", &org.company),
            ("department", &org.department),
            ("title", &org.title),
        ] {
            report.text(&format!("{at}.{part}"), value, MAX_TEXT_CHARS);
        }
    }
    for (at, entry) in report.list("dates", &contact.dates, MAX_LIST_ITEMS) {
        report.text(&format!("{at}.label"), &entry.label, MAX_TEXT_CHARS);
        report.check(date::check_date(&format!("{at}.date"), &entry.date));
    }
    for (at, url) in report.list("urls", &contact.urls, MAX_LIST_ITEMS) {
        report.text(&format!("{at}.label"), &url.label, MAX_TEXT_CHARS);
        report.check(url::check_url(&format!("{at}.url"), &url.url));
    }
    for (at, handle) in report.list("social", &contact.social, MAX_LIST_ITEMS) {
        report.text(&format!("{at}.handle"), &handle.handle, MAX_TEXT_CHARS);
    }

    if let Some(language) = &contact.language {
        report.check(check_language("language", language));
    }
    for tag in contact.tags.keys() {
        report.check(check_tag(&format!("tags[{tag:?}]"), tag));
    }
    report.text("notes", contact.notes.as_str(), MAX_NOTES_CHARS);
    for (key, value) in &contact.custom {
        report.check(check_custom(&format!("custom[{key:?}]"), key, value));
    }

    for (at, entry) in report.list("activity", &contact.activity, MAX_ACTIVITY_ITEMS) {
        report.text(&format!("{at}.by"), &entry.by, MAX_TEXT_CHARS);
        report.text(&format!("{at}.text"), &entry.text, MAX_NOTES_CHARS);
    }
    // Card images carry no typed text: only the list's length and ids are checked, which
    // `list` does as it is called.
    let _ = report.list("card_images", &contact.card_images, MAX_LIST_ITEMS);

    if report.errors.is_empty() {
        Ok(())
    } else {
        Err(ValidationErrors(report.errors))
    }
}

/// The problems found so far in one contact.
#[derive(Default)]
struct Report {
    /// In the order they were found, which is field order.
    errors: Vec<FieldError>,
}

impl Report {
    /// Keeps the error of a failed check.
    fn check(&mut self, result: Result<(), FieldError>) {
        self.errors.extend(result.err());
    }

    /// Checks that `value` is at most `max` characters.
    fn text(&mut self, field: &str, value: &str, max: usize) {
        self.check(too_long(field, value, max));
        // Long text (notes, minutes) has lines and tabs, and is not shown in lists, where a
        // direction override could disguise one name as another.
        let allowed = if max > MAX_TEXT_CHARS {
            allowed_in_long_text
        } else {
            allowed_in_short_text
        };
        self.check(forbidden_character(field, value, allowed));
    }

    /// Checks a list's length and that every item has an id no other item of the list has,
    /// then yields its first `max` items with their paths (`phones[2]`) for their own checks.
    fn list<'a, T: ListItem>(
        &mut self,
        list: &'a str,
        items: &'a [T],
        max: usize,
    ) -> impl Iterator<Item = (String, &'a T)> + use<'a, T> {
        if items.len() > max {
            self.check(Err(FieldError::TooManyItems {
                field: list.to_string(),
                count: items.len(),
                max,
            }));
        }
        let mut seen = HashSet::new();
        for (index, item) in items.iter().take(max).enumerate() {
            let id = item.id().as_str();
            if id.is_empty() {
                self.check(Err(FieldError::ItemIdMissing {
                    field: format!("{list}[{index}].id"),
                }));
            } else if !seen.insert(id) {
                let field = format!("{list}[{index}].id");
                self.check(Err(FieldError::DuplicateItemId {
                    field,
                    id: id.to_string(),
                }));
            }
        }
        items
            .iter()
            .take(max)
            .enumerate()
            .map(move |(index, item)| (format!("{list}[{index}]"), item))
    }
}

/// An item of one of the contact's lists, which every edit and delete targets by its id.
trait ListItem {
    /// The item's stable id.
    fn id(&self) -> &ItemId;
}

/// Implements [`ListItem`] for list item types, which all keep their id in `id`.
macro_rules! list_item {
    ($($type:ty),+) => {
        $(impl ListItem for $type {
            fn id(&self) -> &ItemId {
                &self.id
            }
        })+
    };
}

list_item!(
    Phone,
    Email,
    Address,
    Organization,
    DateEntry,
    Url,
    SocialHandle,
    Activity,
    CardImage
);

/// A contact must be findable and showable: some name, nickname or company that is not blank.
/// Company-only contacts are normal in sales ("the buyer at Example Corp").
fn check_name(contact: &Contact) -> Result<(), FieldError> {
    let name = &contact.name;
    let named = [&name.given, &name.family, &name.nickname]
        .into_iter()
        .chain(contact.organizations.iter().map(|org| &org.company))
        .any(|text| !text.trim().is_empty());
    if named {
        Ok(())
    } else {
        Err(FieldError::NameRequired)
    }
}

/// A plausible BCP 47 tag: a primary language subtag of 2-3 letters, then subtags of 1-8
/// letters or digits, joined by `-` (`en`, `ja-JP`, `zh-Hant-TW`). Not checked against the
/// IANA registry, which changes and would have to ship in every client.
fn check_language(field: &str, tag: &str) -> Result<(), FieldError> {
    let mut subtags = tag.split('-');
    let primary_ok = subtags.next().is_some_and(|primary| {
        (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic())
    });
    let rest_ok = subtags.all(|subtag| {
        (1..=8).contains(&subtag.len()) && subtag.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    if primary_ok && rest_ok && tag.len() <= MAX_LANGUAGE_CHARS {
        Ok(())
    } else {
        Err(FieldError::LanguageInvalid {
            field: field.to_string(),
            value: tag.to_string(),
        })
    }
}

/// A tag must show as something: not blank, at most [`MAX_TAG_CHARS`].
fn check_tag(field: &str, tag: &str) -> Result<(), FieldError> {
    if tag.trim().is_empty()
        || exceeds(tag, MAX_TAG_CHARS).is_some()
        || !tag.chars().all(allowed_in_short_text)
    {
        return Err(FieldError::TagInvalid {
            field: field.to_string(),
            value: tag.to_string(),
        });
    }
    Ok(())
}

/// A custom field needs a name to be shown under, and a value that round-trips through every
/// client and export.
fn check_custom(field: &str, key: &str, value: &CustomValue) -> Result<(), FieldError> {
    if key.trim().is_empty()
        || exceeds(key, MAX_CUSTOM_KEY_CHARS).is_some()
        || !key.chars().all(allowed_in_short_text)
    {
        return Err(FieldError::CustomKeyInvalid {
            field: field.to_string(),
            key: key.to_string(),
        });
    }
    match value {
        CustomValue::Text(text) => too_long(field, text, MAX_CUSTOM_TEXT_CHARS)
            .and_then(|()| forbidden_character(field, text, allowed_in_long_text)),
        CustomValue::Number(number) if !number.is_finite() => Err(FieldError::NumberInvalid {
            field: field.to_string(),
            value: number.to_string(),
        }),
        CustomValue::Number(_) | CustomValue::Bool(_) => Ok(()),
        CustomValue::Date(date) => date::check_date(field, date),
        // A type a newer layout added: this code cannot judge it, and keeps it as written.
        CustomValue::Unknown { .. } => Ok(()),
    }
}

/// Whether `c` may stand in a one-line field (names, labels, company, …): no control
/// characters at all (C0, DEL, C1), and none of the explicit direction embeddings,
/// overrides and isolates (U+202A–U+202E, U+2066–U+2069), which can make `Tanaka` read as
/// another name in a list. The marks a right-to-left name needs (U+200E, U+200F, U+061C)
/// stay allowed.
pub fn allowed_in_short_text(c: char) -> bool {
    !(c.is_control()
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c))
}

/// Whether `c` may stand in long text (notes, an activity's text): no control characters
/// but line breaks and tabs.
pub fn allowed_in_long_text(c: char) -> bool {
    !c.is_control() || matches!(c, '\n' | '\r' | '\t')
}

/// The first character of `text` that `allowed` refuses, as an error naming `field`.
fn forbidden_character(
    field: &str,
    text: &str,
    allowed: fn(char) -> bool,
) -> Result<(), FieldError> {
    match text.chars().find(|c| !allowed(*c)) {
        Some(c) => Err(FieldError::ForbiddenCharacter {
            field: field.to_string(),
            code_point: u32::from(c),
        }),
        None => Ok(()),
    }
}

/// [`FieldError::TooLong`] when `text` has more than `max` characters.
fn too_long(field: &str, text: &str, max: usize) -> Result<(), FieldError> {
    match exceeds(text, max) {
        Some(length) => Err(FieldError::TooLong {
            field: field.to_string(),
            length,
            max,
        }),
        None => Ok(()),
    }
}

/// The length of `text` in characters when it is over `max`; counts only when the byte length
/// (never less than the character count) is already over.
fn exceeds(text: &str, max: usize) -> Option<usize> {
    if text.len() <= max {
        return None;
    }
    let length = text.chars().count();
    (length > max).then_some(length)
}

#[cfg(test)]
mod tests;
