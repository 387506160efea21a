//! One change a person asks of an existing contact (`rolo edit ID --set … --add-phone …`).

use sync_core::contact::{
    Contact, ContactType, DateEntry, Email, Level, Organization, PartialDate, Phone, SharedText,
    Url,
};
use sync_core::ids::ItemId;
use sync_core::validate::FieldError;

use super::{InputError, date, email, item_id, phone, url};
use crate::replica::random_item_id;

/// The fields `--set FIELD=VALUE` accepts. An empty value clears the field.
pub const SETTABLE_FIELDS: &[&str] = &[
    "name.prefix",
    "name.given",
    "name.middle",
    "name.family",
    "name.suffix",
    "name.phonetic_given",
    "name.phonetic_family",
    "name.nickname",
    "company",
    "department",
    "title",
    "type",
    "level",
    "language",
    "notes",
    "birthday",
];

/// One parsed change to a contact. Values are parsed when the op is made, so applying it
/// cannot fail.
#[derive(Debug, Clone, PartialEq)]
pub enum EditOp {
    /// Replace one field.
    Set(Setting),
    /// Add a phone number.
    AddPhone(Phone),
    /// Remove the phone with this item id.
    RemovePhone(ItemId),
    /// Add an email address.
    AddEmail(Email),
    /// Remove the email with this item id.
    RemoveEmail(ItemId),
    /// Add a web site.
    AddUrl(Url),
    /// Remove the web site with this item id.
    RemoveUrl(ItemId),
    /// Add a tag.
    AddTag(String),
    /// Remove a tag.
    RemoveTag(String),
    /// Add a paragraph at the end of the notes (appending merges cleanly with someone else
    /// typing elsewhere in the notes).
    AppendNote(String),
}

/// The text fields `--set` reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum TextField {
    Prefix,
    Given,
    Middle,
    Family,
    Suffix,
    PhoneticGiven,
    PhoneticFamily,
    Nickname,
    /// The first organization's company.
    Company,
    /// The first organization's department.
    Department,
    /// The first organization's title.
    Title,
    Notes,
}

impl TextField {
    fn named(field: &str) -> Option<Self> {
        Some(match field {
            "name.prefix" => Self::Prefix,
            "name.given" => Self::Given,
            "name.middle" => Self::Middle,
            "name.family" => Self::Family,
            "name.suffix" => Self::Suffix,
            "name.phonetic_given" => Self::PhoneticGiven,
            "name.phonetic_family" => Self::PhoneticFamily,
            "name.nickname" => Self::Nickname,
            "company" => Self::Company,
            "department" => Self::Department,
            "title" => Self::Title,
            "notes" => Self::Notes,
            _ => return None,
        })
    }
}

/// A parsed `--set` value.
#[derive(Debug, Clone, PartialEq)]
pub enum Setting {
    /// A text field.
    Text(TextField, String),
    /// The contact type.
    Type(ContactType),
    /// The level, or none.
    Level(Option<Level>),
    /// The language tag, or none.
    Language(Option<String>),
    /// The birthday, or none.
    Birthday(Option<PartialDate>),
}

impl EditOp {
    /// Reads `FIELD=VALUE`; see [`SETTABLE_FIELDS`].
    pub fn set(assignment: &str) -> Result<Self, InputError> {
        let (field, value) =
            assignment
                .split_once('=')
                .ok_or_else(|| InputError::NotAnAssignment {
                    value: assignment.to_string(),
                })?;
        let field = field.trim();
        let value = value.trim();
        let setting = match field {
            "type" => Setting::Type(
                value
                    .parse()
                    .map_err(|e: FieldError| e.with_field("type"))?,
            ),
            "level" if value.is_empty() => Setting::Level(None),
            "level" => Setting::Level(Some(
                value
                    .parse()
                    .map_err(|e: FieldError| e.with_field("level"))?,
            )),
            "language" => Setting::Language((!value.is_empty()).then(|| value.to_string())),
            "birthday" if value.is_empty() => Setting::Birthday(None),
            "birthday" => Setting::Birthday(Some(date("birthday", value)?)),
            text => match TextField::named(text) {
                Some(text) => Setting::Text(text, value.to_string()),
                None => {
                    return Err(InputError::UnknownField {
                        field: field.to_string(),
                    });
                }
            },
        };
        Ok(EditOp::Set(setting))
    }

    /// Reads `[LABEL=]NUMBER`.
    pub fn add_phone(raw: &str, default_region: Option<&str>) -> Result<Self, InputError> {
        Ok(EditOp::AddPhone(phone("phones", raw, default_region)?))
    }

    /// Reads `[LABEL=]ADDRESS`.
    pub fn add_email(raw: &str) -> Result<Self, InputError> {
        Ok(EditOp::AddEmail(email("emails", raw)?))
    }

    /// Reads `[LABEL=]URL`.
    pub fn add_url(raw: &str) -> Result<Self, InputError> {
        Ok(EditOp::AddUrl(url("urls", raw)?))
    }

    /// Removes the phone with item id `raw`.
    pub fn remove_phone(raw: &str) -> Self {
        EditOp::RemovePhone(item_id(raw))
    }

    /// Removes the email with item id `raw`.
    pub fn remove_email(raw: &str) -> Self {
        EditOp::RemoveEmail(item_id(raw))
    }

    /// Removes the web site with item id `raw`.
    pub fn remove_url(raw: &str) -> Self {
        EditOp::RemoveUrl(item_id(raw))
    }

    /// Checks that a remove aims at an item the contact has: a typo in an id should be an
    /// error, not a silent no-op.
    pub fn check(&self, contact: &Contact) -> Result<(), InputError> {
        let missing = |list: &'static str, id: &ItemId| InputError::NoSuchItem {
            list,
            id: id.to_string(),
        };
        match self {
            EditOp::RemovePhone(id) if !contact.phones.iter().any(|p| p.id == *id) => {
                Err(missing("phones", id))
            }
            EditOp::RemoveEmail(id) if !contact.emails.iter().any(|e| e.id == *id) => {
                Err(missing("emails", id))
            }
            EditOp::RemoveUrl(id) if !contact.urls.iter().any(|u| u.id == *id) => {
                Err(missing("urls", id))
            }
            EditOp::RemoveTag(tag) if !contact.tags.contains_key(tag.trim()) => {
                Err(InputError::NoSuchItem {
                    list: "tags",
                    id: tag.clone(),
                })
            }
            _ => Ok(()),
        }
    }

    /// Applies the change.
    pub fn apply(&self, contact: &mut Contact) {
        match self {
            EditOp::Set(setting) => setting.apply(contact),
            EditOp::AddPhone(phone) => contact.phones.push(phone.clone()),
            EditOp::RemovePhone(id) => contact.phones.retain(|p| p.id != *id),
            EditOp::AddEmail(email) => contact.emails.push(email.clone()),
            EditOp::RemoveEmail(id) => contact.emails.retain(|e| e.id != *id),
            EditOp::AddUrl(url) => contact.urls.push(url.clone()),
            EditOp::RemoveUrl(id) => contact.urls.retain(|u| u.id != *id),
            EditOp::AddTag(tag) => {
                contact.tags.insert(tag.trim().to_string(), true);
            }
            EditOp::RemoveTag(tag) => {
                contact.tags.remove(tag.trim());
            }
            EditOp::AppendNote(text) => {
                let mut notes = contact.notes.as_str().to_string();
                if !notes.is_empty() && !notes.ends_with('\n') {
                    notes.push('\n');
                }
                notes.push_str(text);
                contact.notes = SharedText(notes);
            }
        }
    }
}

impl Setting {
    fn apply(&self, contact: &mut Contact) {
        match self {
            Setting::Text(field, value) => {
                let value = value.clone();
                let name = &mut contact.name;
                match field {
                    TextField::Prefix => name.prefix = value,
                    TextField::Given => name.given = value,
                    TextField::Middle => name.middle = value,
                    TextField::Family => name.family = value,
                    TextField::Suffix => name.suffix = value,
                    TextField::PhoneticGiven => name.phonetic_given = value,
                    TextField::PhoneticFamily => name.phonetic_family = value,
                    TextField::Nickname => name.nickname = value,
                    TextField::Notes => contact.notes = SharedText(value),
                    TextField::Company => first_organization(contact).company = value,
                    TextField::Department => first_organization(contact).department = value,
                    TextField::Title => first_organization(contact).title = value,
                }
            }
            Setting::Type(contact_type) => contact.contact_type = contact_type.clone(),
            Setting::Level(level) => contact.level = level.clone(),
            Setting::Language(language) => contact.language = language.clone(),
            Setting::Birthday(date) => {
                let existing = contact.dates.iter().position(|d| d.label == "birthday");
                match (date, existing) {
                    (Some(date), Some(at)) => contact.dates[at].date = *date,
                    (Some(date), None) => contact.dates.push(DateEntry {
                        id: random_item_id(),
                        label: "birthday".into(),
                        date: *date,
                    }),
                    (None, Some(at)) => {
                        contact.dates.remove(at);
                    }
                    (None, None) => {}
                }
            }
        }
    }
}

/// The organization `company`/`department`/`title` edit: the first one, made if there is none.
fn first_organization(contact: &mut Contact) -> &mut Organization {
    if contact.organizations.is_empty() {
        contact.organizations.push(Organization {
            id: random_item_id(),
            company: String::new(),
            department: String::new(),
            title: String::new(),
        });
    }
    &mut contact.organizations[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_reads_a_field_and_a_value() {
        let mut contact = Contact::default();
        EditOp::set("name.given=Aiko").unwrap().apply(&mut contact);
        EditOp::set("type=Customer").unwrap().apply(&mut contact);
        EditOp::set("title = Buyer").unwrap().apply(&mut contact);
        assert_eq!(contact.name.given, "Aiko");
        assert_eq!(contact.contact_type, ContactType::Customer);
        assert_eq!(contact.organizations[0].title, "Buyer");
    }

    #[test]
    fn set_refuses_unknown_fields_and_bad_values_by_name() {
        assert!(matches!(
            EditOp::set("colour=blue"),
            Err(InputError::UnknownField { .. })
        ));
        assert!(matches!(
            EditOp::set("given"),
            Err(InputError::NotAnAssignment { .. })
        ));
        let error = EditOp::set("level=urgent").unwrap_err().to_string();
        assert!(error.starts_with("level: \"urgent\""), "{error}");
    }

    #[test]
    fn every_settable_field_is_accepted() {
        for field in SETTABLE_FIELDS {
            let value = match *field {
                "type" => "lead",
                "level" => "primary",
                "language" => "ja",
                "birthday" => "1990-04-07",
                _ => "x",
            };
            assert!(EditOp::set(&format!("{field}={value}")).is_ok(), "{field}");
        }
    }

    #[test]
    fn removing_an_item_the_contact_lacks_is_an_error() {
        let contact = Contact::default();
        assert!(matches!(
            EditOp::remove_phone("nope").check(&contact),
            Err(InputError::NoSuchItem { list: "phones", .. })
        ));
    }

    #[test]
    fn a_note_is_appended_as_its_own_line() {
        let mut contact = Contact::default();
        EditOp::AppendNote("met at expo".into()).apply(&mut contact);
        EditOp::AppendNote("wants a quote".into()).apply(&mut contact);
        assert_eq!(contact.notes.as_str(), "met at expo\nwants a quote");
    }
}
