//! Turning what a person typed (`rolo add --phone …`, `rolo edit --set name.given=…`) into
//! contact fields, with `sync_core::validate`'s parsers.
//!
//! Every value is parsed before anything is stored, and a bad one fails with the field and
//! the value in the message (`phones: "12-34" is too short to be a phone number`). List items
//! may carry a label before an `=`: `--phone work=+81 3-1234-5678`, `--email home=a@b.jp`.

use sync_core::contact::{
    Contact, DateEntry, Email, Organization, PartialDate, Phone, SharedText, Url,
};
use sync_core::ids::ItemId;
use sync_core::validate::{FieldError, parse_date, parse_email, parse_phone, parse_url};

use crate::replica::random_item_id;

mod edit;

pub use self::edit::{EditOp, SETTABLE_FIELDS, Setting, TextField};

/// What was wrong with the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// A value breaks a field rule.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// `--set` named a field that cannot be set that way.
    #[error("--set: {field:?} is not a field you can set; use one of {}", SETTABLE_FIELDS.join(", "))]
    UnknownField {
        /// What was typed before the `=`.
        field: String,
    },
    /// `--set` without `FIELD=VALUE`.
    #[error("--set: {value:?} is not FIELD=VALUE (for example name.given=Aiko)")]
    NotAnAssignment {
        /// What was typed.
        value: String,
    },
    /// A remove aimed at an item the contact does not have.
    #[error("{list}: the contact has no item {id:?}; `rolo show` lists each item's id")]
    NoSuchItem {
        /// The list (`phones`).
        list: &'static str,
        /// The id given.
        id: String,
    },
}

/// A new contact as typed: the fields `rolo add` takes.
#[derive(Debug, Clone, Default)]
pub struct NewContact {
    /// Given (first) name.
    pub given: Option<String>,
    /// Family (last) name.
    pub family: Option<String>,
    /// What colleagues call them.
    pub nickname: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Phone numbers, each optionally `LABEL=NUMBER`.
    pub phones: Vec<String>,
    /// Email addresses, each optionally `LABEL=ADDRESS`.
    pub emails: Vec<String>,
    /// Web sites, each optionally `LABEL=URL`.
    pub urls: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Birthday, `YYYY-MM-DD` or `--MM-DD`.
    pub birthday: Option<String>,
    /// `lead`, `prospect`, `customer`, `partner` or `other`.
    pub contact_type: Option<String>,
    /// `primary`, `secondary` or `tertiary`.
    pub level: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

impl NewContact {
    /// The contact, with every value parsed; national phone numbers are read in
    /// `default_region` (ISO 3166-1 alpha-2). Whole-contact rules (a name or company is
    /// required) are checked when the replica stores it.
    pub fn to_contact(&self, default_region: Option<&str>) -> Result<Contact, InputError> {
        let mut contact = Contact::default();
        let text = |value: &Option<String>| value.as_deref().unwrap_or_default().trim().to_string();
        contact.name.given = text(&self.given);
        contact.name.family = text(&self.family);
        contact.name.nickname = text(&self.nickname);
        if self.company.is_some() || self.department.is_some() || self.title.is_some() {
            contact.organizations.push(Organization {
                id: random_item_id(),
                company: text(&self.company),
                department: text(&self.department),
                title: text(&self.title),
            });
        }
        for raw in &self.phones {
            contact.phones.push(phone("phones", raw, default_region)?);
        }
        for raw in &self.emails {
            contact.emails.push(email("emails", raw)?);
        }
        for raw in &self.urls {
            contact.urls.push(url("urls", raw)?);
        }
        for raw in &self.tags {
            contact.tags.insert(raw.trim().to_string(), true);
        }
        if let Some(raw) = &self.birthday {
            contact.dates.push(DateEntry {
                id: random_item_id(),
                label: "birthday".into(),
                date: date("birthday", raw)?,
            });
        }
        if let Some(raw) = &self.contact_type {
            contact.contact_type = raw.parse().map_err(|e: FieldError| e.with_field("type"))?;
        }
        if let Some(raw) = &self.level {
            contact.level = Some(raw.parse().map_err(|e: FieldError| e.with_field("level"))?);
        }
        if let Some(notes) = &self.notes {
            contact.notes = SharedText::from(notes.as_str());
        }
        Ok(contact)
    }
}

/// Splits `LABEL=VALUE` into its label and value, or gives `default` as the label. Only a
/// short plain word counts as a label, so a URL with `=` in its query stays whole.
pub fn split_label<'a>(raw: &'a str, default: &'a str) -> (&'a str, &'a str) {
    if let Some((label, value)) = raw.split_once('=') {
        let label = label.trim();
        let plain = !label.is_empty()
            && label.chars().count() <= 30
            && label
                .chars()
                .all(|c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '_');
        if plain {
            return (label, value.trim());
        }
    }
    (default, raw.trim())
}

/// A phone item from `[LABEL=]NUMBER`, labelled `mobile` by default.
pub fn phone(field: &str, raw: &str, default_region: Option<&str>) -> Result<Phone, FieldError> {
    let (label, number) = split_label(raw, "mobile");
    Ok(Phone {
        id: random_item_id(),
        label: label.to_string(),
        e164: parse_phone(field, number, default_region)?,
        raw: number.to_string(),
    })
}

/// An email item from `[LABEL=]ADDRESS`, labelled `work` by default.
pub fn email(field: &str, raw: &str) -> Result<Email, FieldError> {
    let (label, address) = split_label(raw, "work");
    Ok(Email {
        id: random_item_id(),
        label: label.to_string(),
        address: parse_email(field, address)?,
    })
}

/// A web site item from `[LABEL=]URL`, labelled `work` by default.
pub fn url(field: &str, raw: &str) -> Result<Url, FieldError> {
    let (label, address) = split_label(raw, "work");
    Ok(Url {
        id: random_item_id(),
        label: label.to_string(),
        url: parse_url(field, address)?,
    })
}

/// A date as typed.
pub fn date(field: &str, raw: &str) -> Result<PartialDate, FieldError> {
    parse_date(field, raw)
}

/// An item id as typed.
fn item_id(raw: &str) -> ItemId {
    ItemId::from(raw.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_a_short_word_before_an_equals_sign() {
        assert_eq!(split_label("work=+81 3", "mobile"), ("work", "+81 3"));
        assert_eq!(split_label("+81 3", "mobile"), ("mobile", "+81 3"));
        assert_eq!(
            split_label("https://x.jp/?a=b", "work"),
            ("work", "https://x.jp/?a=b")
        );
    }

    #[test]
    fn a_bad_phone_names_the_field_and_the_value() {
        let new = NewContact {
            given: Some("Aiko".into()),
            phones: vec!["12-34".into()],
            ..NewContact::default()
        };
        let error = new.to_contact(Some("JP")).unwrap_err().to_string();
        assert!(error.starts_with("phones: \"12-34\""), "{error}");
    }

    #[test]
    fn a_typed_contact_is_parsed_to_its_stored_forms() {
        let new = NewContact {
            given: Some(" Aiko ".into()),
            company: Some("Yamata Keiki".into()),
            phones: vec!["work=(03) 1234-5678".into()],
            emails: vec!["A.Sato@Yamata.CO.JP".into()],
            tags: vec!["vip".into()],
            contact_type: Some("Customer".into()),
            ..NewContact::default()
        };
        let contact = new.to_contact(Some("JP")).unwrap();
        assert_eq!(contact.name.given, "Aiko");
        assert_eq!(contact.phones[0].e164, "+81312345678");
        assert_eq!(contact.phones[0].label, "work");
        assert_eq!(contact.emails[0].address, "A.Sato@yamata.co.jp");
        assert_eq!(contact.tag_list(), ["vip"]);
        assert_eq!(contact.display_name(), "Aiko");
        assert_eq!(contact.organizations[0].company, "Yamata Keiki");
    }
}
