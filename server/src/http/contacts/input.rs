//! A contact as a request gives it (`ContactInput`, for create and PATCH), read into the typed
//! contact with sync-core's parsers: phone numbers with the company's country, emails, dates,
//! countries, web addresses and enumerations. Every error names its path as the request
//! does (`phones[1].number`, `dates[0].date`, `level`).
//!
//! In a PATCH every top-level field present replaces that field; a list present replaces the
//! list, its items matched by `id` (an item without one is new, with a fresh id; an item left
//! out is removed). Absent fields are untouched.

use std::collections::BTreeMap;
use std::str::FromStr;

// Serialize only because utoipa writes each field's default (`#[serde(default)]`) into the
// document.
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use sync_core::contact::{
    Address, Contact, ContactType, CustomValue, DateEntry, Email, Level, Name, Organization, Phone,
    SharedText, SocialHandle, SocialNetwork, Url,
};
use sync_core::ids::{IdParseError, ItemId};
use sync_core::validate::{
    FieldError, parse_country, parse_date, parse_email, parse_phone, parse_url,
};
use sync_core::wire::Visibility;

use super::json::NameJson;
use crate::http::error::ApiError;

/// A phone number as typed; parsed to E.164 with the company's country.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PhoneInput {
    /// The item's id, to keep it the same item; absent for a new one.
    pub id: Option<String>,
    /// `mobile`, `work`, … or a label of your own.
    pub label: String,
    /// The number as written: `03-1234-5678`, `+81 3 1234 5678`.
    pub number: String,
}

/// An email address.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
#[allow(missing_docs)]
pub struct EmailInput {
    pub id: Option<String>,
    pub label: String,
    pub address: String,
}

/// A postal address; `country` as a code (`JP`) or a name.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
#[allow(missing_docs)]
pub struct AddressInput {
    pub id: Option<String>,
    pub label: String,
    pub street: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
}

/// Where the person works.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
#[allow(missing_docs)]
pub struct OrganizationInput {
    pub id: Option<String>,
    pub company: String,
    pub department: String,
    pub title: String,
}

/// A labelled date: `1990-04-07`, or `--04-07` without the year.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
#[allow(missing_docs)]
pub struct DateInput {
    pub id: Option<String>,
    pub label: String,
    pub date: String,
}

/// A web address (`http` or `https`).
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
#[allow(missing_docs)]
pub struct UrlInput {
    pub id: Option<String>,
    pub label: String,
    pub url: String,
}

/// A handle on a network (`line`, `linkedin`, `x`, …).
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
#[allow(missing_docs)]
pub struct SocialInput {
    pub id: Option<String>,
    pub network: String,
    pub handle: String,
}

/// A custom field's value: an object with one key naming its type.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum CustomInput {
    Text(String),
    Number(f64),
    Bool(bool),
    /// `2024-05-01` or `--05-01`.
    Date(String),
}

/// The fields of a contact a request sets. For create, absent fields are empty; for PATCH,
/// absent fields are left as they are and present ones replace the field.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ContactInput {
    /// The parts of the name (replaced whole).
    pub name: Option<NameJson>,
    /// Phone numbers.
    pub phones: Option<Vec<PhoneInput>>,
    /// Email addresses.
    pub emails: Option<Vec<EmailInput>>,
    /// Postal addresses.
    pub addresses: Option<Vec<AddressInput>>,
    /// Companies.
    pub organizations: Option<Vec<OrganizationInput>>,
    /// Dates.
    pub dates: Option<Vec<DateInput>>,
    /// Web sites.
    pub urls: Option<Vec<UrlInput>>,
    /// Network handles.
    pub social: Option<Vec<SocialInput>>,
    /// `lead`, `prospect`, `customer`, `partner` or `other`.
    #[serde(rename = "type")]
    pub contact_type: Option<String>,
    /// `primary`, `secondary`, `tertiary`; null clears it.
    #[serde(deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub level: Option<Option<String>>,
    /// A BCP 47 tag (`ja`); null clears it.
    #[serde(deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub language: Option<Option<String>>,
    /// Tags (replaced whole; `POST /v1/contacts/{id}/tags` adds and removes single ones).
    pub tags: Option<Vec<String>>,
    /// Notes.
    pub notes: Option<String>,
    /// Custom fields (replaced whole).
    pub custom: Option<BTreeMap<String, CustomInput>>,
    /// Who may see a new contact (absent: everyone; `{"all": false}` alone: only its owner).
    /// Not taken by PATCH: a contact's visibility changes with `PUT …/visibility`.
    pub visibility: Option<VisibilityInput>,
}

/// Who may see a contact besides its owner.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VisibilityInput {
    /// Everyone in the company; when true the lists are ignored.
    pub all: bool,
    /// Members, by id.
    #[serde(default)]
    pub members: Vec<String>,
    /// Groups, by id: their members see it.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Org units, by id: their members and those of every unit below see it.
    #[serde(default)]
    pub units: Vec<String>,
}

impl VisibilityInput {
    /// The visibility, its ids read (a malformed one is named: `members[2]`). Whether they
    /// are the company's is the domain's check.
    pub fn read(self) -> Result<Visibility, ApiError> {
        if self.all {
            return Ok(Visibility::All);
        }
        fn ids<T: FromStr<Err = IdParseError>>(
            list: &str,
            texts: &[String],
        ) -> Result<Vec<T>, ApiError> {
            texts
                .iter()
                .enumerate()
                .map(|(index, text)| {
                    text.trim().parse().map_err(|error: IdParseError| {
                        ApiError::bad(format!("{list}[{index}]"), error.to_string())
                    })
                })
                .collect()
        }
        Ok(Visibility::Members {
            members: ids("members", &self.members)?,
            groups: ids("groups", &self.groups)?,
            units: ids("units", &self.units)?,
        })
    }
}

/// A field that is present, null or not: `Some(None)` for null, so a PATCH can clear it.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// An input read into the contact's types, ready to apply inside an edit.
#[derive(Debug, Default)]
pub struct ContactPatch {
    name: Option<Name>,
    phones: Option<Vec<Phone>>,
    emails: Option<Vec<Email>>,
    addresses: Option<Vec<Address>>,
    organizations: Option<Vec<Organization>>,
    dates: Option<Vec<DateEntry>>,
    urls: Option<Vec<Url>>,
    social: Option<Vec<SocialHandle>>,
    contact_type: Option<ContactType>,
    level: Option<Option<Level>>,
    language: Option<Option<String>>,
    tags: Option<Vec<String>>,
    notes: Option<String>,
    custom: Option<BTreeMap<String, CustomValue>>,
}

impl ContactInput {
    /// Read every field; phone numbers without a country code are read as numbers of
    /// `region`. The first field that does not read is the error.
    pub fn parse(self, region: &str) -> Result<ContactPatch, FieldError> {
        let region = Some(region).filter(|region| !region.is_empty());
        Ok(ContactPatch {
            name: self.name.map(name),
            phones: items(self.phones, "phones", |at, phone: PhoneInput| {
                let e164 = parse_phone(&format!("{at}.number"), &phone.number, region)?;
                Ok(Phone {
                    id: item_id(phone.id),
                    label: phone.label,
                    e164,
                    raw: phone.number,
                })
            })?,
            emails: items(self.emails, "emails", |at, email: EmailInput| {
                Ok(Email {
                    address: parse_email(&format!("{at}.address"), &email.address)?,
                    id: item_id(email.id),
                    label: email.label,
                })
            })?,
            addresses: items(self.addresses, "addresses", |at, address: AddressInput| {
                Ok(Address {
                    country: parse_country(&format!("{at}.country"), &address.country)?,
                    id: item_id(address.id),
                    label: address.label,
                    street: address.street,
                    city: address.city,
                    region: address.region,
                    postal_code: address.postal_code,
                })
            })?,
            organizations: items(
                self.organizations,
                "organizations",
                |_, org: OrganizationInput| {
                    Ok(Organization {
                        id: item_id(org.id),
                        company: org.company,
                        department: org.department,
                        title: org.title,
                    })
                },
            )?,
            dates: items(self.dates, "dates", |at, entry: DateInput| {
                Ok(DateEntry {
                    date: parse_date(&format!("{at}.date"), &entry.date)?,
                    id: item_id(entry.id),
                    label: entry.label,
                })
            })?,
            urls: items(self.urls, "urls", |at, url: UrlInput| {
                Ok(Url {
                    url: parse_url(&format!("{at}.url"), &url.url)?,
                    id: item_id(url.id),
                    label: url.label,
                })
            })?,
            social: items(self.social, "social", |at, handle: SocialInput| {
                Ok(SocialHandle {
                    network: SocialNetwork::from_str(&handle.network)
                        .map_err(|error| error.with_field(format!("{at}.network")))?,
                    id: item_id(handle.id),
                    handle: handle.handle,
                })
            })?,
            contact_type: self
                .contact_type
                .as_deref()
                .map(ContactType::from_str)
                .transpose()?,
            level: match self.level {
                Some(Some(level)) if !level.trim().is_empty() => Some(Some(level.parse()?)),
                Some(_) => Some(None),
                None => None,
            },
            language: self.language.map(|language| {
                language
                    .map(|tag| tag.trim().to_string())
                    .filter(|tag| !tag.is_empty())
            }),
            tags: self.tags,
            notes: self.notes,
            custom: self
                .custom
                .map(|fields| {
                    fields
                        .into_iter()
                        .map(|(key, value)| {
                            let field = format!("custom.{key}");
                            Ok((key, custom(&field, value)?))
                        })
                        .collect::<Result<BTreeMap<_, _>, FieldError>>()
                })
                .transpose()?,
        })
    }
}

impl ContactPatch {
    /// Write every field the input had into `contact`.
    pub fn apply(self, contact: &mut Contact) {
        macro_rules! replace {
            ($($field:ident),+) => {$(
                if let Some(value) = self.$field {
                    contact.$field = value;
                }
            )+};
        }
        replace!(
            name,
            phones,
            emails,
            addresses,
            organizations,
            dates,
            urls,
            social,
            contact_type,
            level,
            language
        );
        if let Some(tags) = self.tags {
            contact.tags = tags.into_iter().map(|tag| (tag, true)).collect();
        }
        if let Some(notes) = self.notes {
            contact.notes = SharedText(notes);
        }
        if let Some(custom) = self.custom {
            contact.custom = custom;
        }
    }
}

fn name(json: NameJson) -> Name {
    Name {
        prefix: json.prefix,
        given: json.given,
        middle: json.middle,
        family: json.family,
        suffix: json.suffix,
        phonetic_given: json.phonetic_given,
        phonetic_family: json.phonetic_family,
        nickname: json.nickname,
    }
}

/// The list `list` read item by item (`read` gets the item's path, `phones[1]`).
fn items<I, T>(
    given: Option<Vec<I>>,
    list: &str,
    mut read: impl FnMut(&str, I) -> Result<T, FieldError>,
) -> Result<Option<Vec<T>>, FieldError> {
    given
        .map(|items| {
            items
                .into_iter()
                .enumerate()
                .map(|(index, item)| read(&format!("{list}[{index}]"), item))
                .collect()
        })
        .transpose()
}

/// The id given, or a fresh one for a new item.
fn item_id(given: Option<String>) -> ItemId {
    match given {
        Some(id) if !id.trim().is_empty() => ItemId::from(id.trim()),
        _ => ItemId::from_random(rand::random()),
    }
}

fn custom(field: &str, value: CustomInput) -> Result<CustomValue, FieldError> {
    Ok(match value {
        CustomInput::Text(text) => CustomValue::Text(text),
        CustomInput::Number(number) => CustomValue::Number(number),
        CustomInput::Bool(flag) => CustomValue::Bool(flag),
        CustomInput::Date(date) => CustomValue::Date(parse_date(field, &date)?),
    })
}
