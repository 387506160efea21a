//! A contact as the API shows it (`Contact`), and a list's summary of one (`Summary`).
//! Ids are hyphenated UUID text, times ms since the Unix epoch, enumerations their stored
//! lowercase form (a value a newer layout added is shown as written).

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use sync_core::contact::{BlobRef, Contact, CustomValue, RawValue};
use sync_core::document::Conflict;
use sync_core::wire::{DocMeta, Visibility};

use crate::contacts::{ContactsError, Viewed};

/// Who may see a contact besides its owner: `{"all": true}`, or the members, groups and org
/// units listed (none listed: private to the owner).
#[derive(Debug, Serialize, ToSchema)]
pub struct VisibilityView {
    /// Everyone in the company.
    pub all: bool,
    /// Members listed by name (absent when `all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<String>>,
    /// Groups whose members see it (absent when `all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    /// Org units whose members, and those of the units below, see it (absent when `all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<Vec<String>>,
}

impl From<&Visibility> for VisibilityView {
    fn from(visibility: &Visibility) -> Self {
        fn texts<T: ToString>(ids: &[T]) -> Option<Vec<String>> {
            Some(ids.iter().map(ToString::to_string).collect())
        }
        match visibility {
            Visibility::All => Self {
                all: true,
                members: None,
                groups: None,
                units: None,
            },
            Visibility::Members {
                members,
                groups,
                units,
            } => Self {
                all: false,
                members: texts(members),
                groups: texts(groups),
                units: texts(units),
            },
        }
    }
}

/// The parts of a name. In a request every part defaults to empty.
#[derive(Debug, Default, Serialize, serde::Deserialize, ToSchema)]
#[serde(default)]
#[allow(missing_docs)]
pub struct NameJson {
    pub prefix: String,
    pub given: String,
    pub middle: String,
    pub family: String,
    pub suffix: String,
    pub phonetic_given: String,
    pub phonetic_family: String,
    pub nickname: String,
}

/// A phone number: `number` as typed, `e164` as parsed with the company's country.
#[derive(Debug, Serialize, ToSchema)]
#[allow(missing_docs)]
pub struct PhoneView {
    pub id: String,
    pub label: String,
    pub number: String,
    pub e164: String,
}

/// An email address.
#[derive(Debug, Serialize, ToSchema)]
#[allow(missing_docs)]
pub struct EmailView {
    pub id: String,
    pub label: String,
    pub address: String,
}

/// A postal address; `country` is ISO 3166-1 alpha-2 (`JP`) or empty.
#[derive(Debug, Serialize, ToSchema)]
#[allow(missing_docs)]
pub struct AddressView {
    pub id: String,
    pub label: String,
    pub street: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
}

/// Where the person works.
#[derive(Debug, Serialize, ToSchema)]
#[allow(missing_docs)]
pub struct OrganizationView {
    pub id: String,
    pub company: String,
    pub department: String,
    pub title: String,
}

/// A labelled date: `1990-04-07`, or `--04-07` without the year.
#[derive(Debug, Serialize, ToSchema)]
#[allow(missing_docs)]
pub struct DateView {
    pub id: String,
    pub label: String,
    pub date: String,
}

/// A web address.
#[derive(Debug, Serialize, ToSchema)]
#[allow(missing_docs)]
pub struct UrlView {
    pub id: String,
    pub label: String,
    pub url: String,
}

/// A handle on a messaging or social network.
#[derive(Debug, Serialize, ToSchema)]
#[allow(missing_docs)]
pub struct SocialView {
    pub id: String,
    pub network: String,
    pub handle: String,
}

/// One entry of the activity log.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityView {
    /// The entry's stable id.
    pub id: String,
    /// `call`, `visit`, `meeting` or `note`.
    pub kind: String,
    /// When, ms since the Unix epoch.
    pub at_ms: i64,
    /// The member who logged it.
    pub by: String,
    /// What was said or agreed.
    pub text: String,
}

/// A stored image: fetch it with `GET /v1/blobs/{sha256}`.
#[derive(Debug, Serialize, ToSchema)]
#[allow(missing_docs)]
pub struct BlobView {
    pub sha256: String,
    pub mime: String,
    pub bytes: u64,
}

/// A photo of a business card the contact was read from.
#[derive(Debug, Serialize, ToSchema)]
#[allow(missing_docs)]
pub struct CardImageView {
    pub id: String,
    /// `front` or `back`.
    pub side: String,
    pub blob: BlobView,
}

/// A value two devices wrote at once, which the document keeps: every replica shows `winner`.
#[derive(Debug, Serialize, ToSchema)]
#[allow(missing_docs)]
pub struct ConflictView {
    pub path: String,
    pub winner: String,
    pub others: Vec<String>,
}

/// A contact with its metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactView {
    /// The contact's id.
    pub id: String,
    /// The member who owns it.
    pub owner: String,
    /// Who else sees it.
    pub visibility: VisibilityView,
    /// The name lists show.
    pub display_name: String,
    /// The parts of the name.
    pub name: NameJson,
    /// Phone numbers.
    pub phones: Vec<PhoneView>,
    /// Email addresses.
    pub emails: Vec<EmailView>,
    /// Postal addresses.
    pub addresses: Vec<AddressView>,
    /// Companies, departments and titles.
    pub organizations: Vec<OrganizationView>,
    /// Birthdays and other dates.
    pub dates: Vec<DateView>,
    /// Web sites.
    pub urls: Vec<UrlView>,
    /// Messaging and social network handles.
    pub social: Vec<SocialView>,
    /// `lead`, `prospect`, `customer`, `partner` or `other`.
    #[serde(rename = "type")]
    pub contact_type: String,
    /// `primary`, `secondary`, `tertiary`, or null.
    pub level: Option<String>,
    /// Preferred language, a BCP 47 tag.
    pub language: Option<String>,
    /// Tags, sorted.
    pub tags: Vec<String>,
    /// Free-form notes.
    pub notes: String,
    /// The company's own fields: each value an object with one key naming its type
    /// (`{"number": 1500}`, `{"text": "A-1"}`, `{"bool": true}`, `{"date": "2024-05-01"}`).
    #[schema(value_type = Object)]
    pub custom: BTreeMap<String, serde_json::Value>,
    /// Calls, visits, meetings and notes, oldest first.
    pub activity: Vec<ActivityView>,
    /// The contact's photo.
    pub photo: Option<BlobView>,
    /// Photos of the business cards it was read from.
    pub card_images: Vec<CardImageView>,
    /// Archived: out of the default list, found with `shelf=archived`.
    pub archived: bool,
    /// In the trash since, or null.
    pub trashed_at_ms: Option<i64>,
    /// Last changed, ms since the Unix epoch.
    pub changed_ms: i64,
    /// Values written concurrently (only when one contact is read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicts: Option<Vec<ConflictView>>,
}

impl ContactView {
    /// The contact `viewed` as the API shows it.
    pub fn of(viewed: &Viewed) -> Result<Self, ContactsError> {
        let contact = viewed.contact()?;
        Ok(Self::from_parts(
            viewed,
            &viewed.meta,
            contact,
            viewed.changed_ms(),
        ))
    }

    /// [`ContactView::of`] with the values written concurrently.
    pub fn with_conflicts(viewed: &Viewed) -> Result<Self, ContactsError> {
        let mut view = Self::of(viewed)?;
        view.conflicts = Some(viewed.doc.conflicts().into_iter().map(conflict).collect());
        Ok(view)
    }

    fn from_parts(viewed: &Viewed, meta: &DocMeta, contact: Contact, changed_ms: i64) -> Self {
        let id = |item: &sync_core::ids::ItemId| item.to_string();
        Self {
            id: viewed.id.to_string(),
            owner: meta.owner.to_string(),
            visibility: VisibilityView::from(&meta.visibility),
            display_name: contact.display_name(),
            tags: contact.tag_list().into_iter().map(str::to_string).collect(),
            name: NameJson {
                prefix: contact.name.prefix,
                given: contact.name.given,
                middle: contact.name.middle,
                family: contact.name.family,
                suffix: contact.name.suffix,
                phonetic_given: contact.name.phonetic_given,
                phonetic_family: contact.name.phonetic_family,
                nickname: contact.name.nickname,
            },
            phones: contact
                .phones
                .iter()
                .map(|phone| PhoneView {
                    id: id(&phone.id),
                    label: phone.label.clone(),
                    number: phone.raw.clone(),
                    e164: phone.e164.clone(),
                })
                .collect(),
            emails: (contact.emails.iter())
                .map(|email| EmailView {
                    id: id(&email.id),
                    label: email.label.clone(),
                    address: email.address.clone(),
                })
                .collect(),
            addresses: (contact.addresses.iter())
                .map(|address| AddressView {
                    id: id(&address.id),
                    label: address.label.clone(),
                    street: address.street.clone(),
                    city: address.city.clone(),
                    region: address.region.clone(),
                    postal_code: address.postal_code.clone(),
                    country: address.country.clone(),
                })
                .collect(),
            organizations: (contact.organizations.iter())
                .map(|org| OrganizationView {
                    id: id(&org.id),
                    company: org.company.clone(),
                    department: org.department.clone(),
                    title: org.title.clone(),
                })
                .collect(),
            dates: (contact.dates.iter())
                .map(|entry| DateView {
                    id: id(&entry.id),
                    label: entry.label.clone(),
                    date: entry.date.to_string(),
                })
                .collect(),
            urls: (contact.urls.iter())
                .map(|url| UrlView {
                    id: id(&url.id),
                    label: url.label.clone(),
                    url: url.url.clone(),
                })
                .collect(),
            social: (contact.social.iter())
                .map(|handle| SocialView {
                    id: id(&handle.id),
                    network: handle.network.as_str().to_string(),
                    handle: handle.handle.clone(),
                })
                .collect(),
            contact_type: contact.contact_type.as_str().to_string(),
            level: contact
                .level
                .as_ref()
                .map(|level| level.as_str().to_string()),
            language: contact.language.clone(),
            notes: contact.notes.0.clone(),
            custom: (contact.custom.iter())
                .map(|(key, value)| (key.clone(), custom_value(value)))
                .collect(),
            activity: contact.activity.iter().map(activity).collect(),
            photo: contact.photo.as_ref().map(blob),
            card_images: (contact.card_images.iter())
                .map(|image| CardImageView {
                    id: id(&image.id),
                    side: image.side.as_str().to_string(),
                    blob: blob(&image.blob),
                })
                .collect(),
            archived: contact.lifecycle.archived,
            trashed_at_ms: contact.lifecycle.trashed_at_ms,
            changed_ms,
            conflicts: None,
        }
    }
}

/// An activity entry as the API shows it.
pub fn activity(entry: &sync_core::contact::Activity) -> ActivityView {
    ActivityView {
        id: entry.id.to_string(),
        kind: entry.kind.as_str().to_string(),
        at_ms: entry.at_ms,
        by: entry.by.clone(),
        text: entry.text.clone(),
    }
}

fn blob(blob: &BlobRef) -> BlobView {
    BlobView {
        sha256: blob.sha256.clone(),
        mime: blob.mime.clone(),
        bytes: blob.bytes,
    }
}

fn conflict(conflict: Conflict) -> ConflictView {
    ConflictView {
        path: conflict.path,
        winner: conflict.winner,
        others: conflict.others,
    }
}

/// A custom value as `{"<type>": value}`; one of a type a newer layout added, as written.
fn custom_value(value: &CustomValue) -> serde_json::Value {
    let inner = match value {
        CustomValue::Text(text) => serde_json::json!(text),
        CustomValue::Number(number) => serde_json::json!(number),
        CustomValue::Bool(flag) => serde_json::json!(flag),
        CustomValue::Date(date) => serde_json::json!(date.to_string()),
        CustomValue::Unknown { value, .. } => raw(value),
    };
    serde_json::json!({ value.kind(): inner })
}

fn raw(value: &RawValue) -> serde_json::Value {
    use serde_json::json;
    match value {
        RawValue::Null => serde_json::Value::Null,
        RawValue::Bool(flag) => json!(flag),
        RawValue::Int(number) | RawValue::Counter(number) | RawValue::Timestamp(number) => {
            json!(number)
        }
        RawValue::Uint(number) => json!(number),
        RawValue::F64(number) => json!(number),
        RawValue::Str(text) | RawValue::Text(text) => json!(text),
        RawValue::Bytes(bytes) => json!(hex::encode(bytes)),
        RawValue::List(items) => items.iter().map(raw).collect(),
        RawValue::Map(entries) => entries
            .iter()
            .map(|(key, value)| (key.clone(), raw(value)))
            .collect(),
    }
}
