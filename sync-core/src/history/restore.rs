//! Bringing back a field, or the whole contact, as it was after a revision: a new ordinary
//! edit on top of the present, never a rewrite of history.
//!
//! The restored value goes through the same rules as any edit: a value the rules refuse
//! today (a phone number that no longer parses, a 101st phone) is refused with the usual
//! [`DocumentError::Invalid`], and the user edits the value instead. History cannot smuggle
//! back what an edit could not write.

use automerge::{Change, ChangeHash};

use super::Attribution;
use super::at_heads;
use crate::contact::{
    Activity, Address, CardImage, Contact, DateEntry, Email, Name, Organization, Phone,
    SocialHandle, Url,
};
use crate::document::{ContactDoc, DocumentError};
use crate::ids::ItemId;

/// What can go wrong restoring.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// The document holds no such revision.
    #[error("the contact has no revision {hash}")]
    UnknownRevision {
        /// The revision asked for.
        hash: ChangeHash,
    },
    /// The path does not name a field of a contact.
    #[error("{path:?} is not a field of a contact")]
    UnknownPath {
        /// The path given.
        path: String,
    },
    /// The field is not brought back by restoring.
    #[error("{path:?} cannot be restored: {reason}")]
    NotRestorable {
        /// The path given.
        path: String,
        /// Why.
        reason: &'static str,
    },
    /// The path names a field of a list item that did not exist at that revision.
    #[error("{path:?} did not exist at that revision")]
    NotAtRevision {
        /// The path given.
        path: String,
    },
    /// Reading the document, or the edit itself (a restored value the rules refuse today is
    /// [`DocumentError::Invalid`]).
    #[error(transparent)]
    Document(#[from] DocumentError),
}

const LIFECYCLE: &str =
    "archive, trash and combine state change through their own actions, never by restoring";
const ACTIVITY: &str = "the activity log is append-only; restore one entry by its id instead";

impl ContactDoc {
    /// The contact as it was right after `revision`, as the device that made it saw it
    /// (concurrent changes from elsewhere not included).
    pub fn contact_after(&self, revision: &ChangeHash) -> Result<Contact, RestoreError> {
        if !self.has_change(revision) {
            return Err(RestoreError::UnknownRevision { hash: *revision });
        }
        at_heads::contact_at(self.automerge(), &[*revision]).map_err(|source| {
            RestoreError::Document(DocumentError::Shape {
                doc: self.id(),
                source: Box::new(source),
            })
        })
    }

    /// Set one field back to what it was after `revision`, as a new edit by `by` at `at_ms`.
    ///
    /// `path` is a [`super::FieldChange::path`]: `name.given`, `type`, `level`, `language`,
    /// `notes`, `photo`, `tags.vip`, `custom.budget`, a whole list (`phones`), one item
    /// (`phones[k3j9]`: put back with the same id if it was deleted since, removed if it did
    /// not exist then) or one field of an item (`phones[k3j9].label`; the whole item comes back
    /// if it was deleted since). A tag or custom field absent at the revision is removed.
    /// `lifecycle.*` and the whole activity log are refused ([`RestoreError::NotRestorable`]).
    /// Returns `None` when the field already holds that value.
    pub fn restore_field_by(
        &mut self,
        revision: &ChangeHash,
        path: &str,
        by: &Attribution,
        at_ms: i64,
    ) -> Result<Option<Change>, RestoreError> {
        let then = self.contact_after(revision)?;
        let mut restored = self.contact()?;
        restore_path(&mut restored, &then, path)?;
        Ok(self.edit_by(by, at_ms, move |contact| *contact = restored)?)
    }

    /// Set the whole contact's content back to what it was after `revision`, as a new edit by
    /// `by` at `at_ms`. The lifecycle keeps its present value (restoring content never
    /// un-trashes or un-archives) and so does the activity log (append-only: calls logged since
    /// stay). Returns `None` when nothing differs.
    pub fn restore_by(
        &mut self,
        revision: &ChangeHash,
        by: &Attribution,
        at_ms: i64,
    ) -> Result<Option<Change>, RestoreError> {
        let mut restored = self.contact_after(revision)?;
        let now = self.contact()?;
        restored.lifecycle = now.lifecycle;
        restored.activity = now.activity;
        Ok(self.edit_by(by, at_ms, move |contact| *contact = restored)?)
    }
}

/// Copy the field at `path` from `then` into `now`.
fn restore_path(now: &mut Contact, then: &Contact, path: &str) -> Result<(), RestoreError> {
    let unknown = || RestoreError::UnknownPath {
        path: path.to_string(),
    };
    if let Some((list, rest)) = path.split_once('[') {
        let (id, after) = rest.split_once(']').ok_or_else(unknown)?;
        let target = match after {
            "" => ListTarget::Item(id),
            field => ListTarget::Field(id, field.strip_prefix('.').ok_or_else(unknown)?),
        };
        return restore_list(now, then, list, target, path);
    }
    if let Some((head, key)) = path.split_once('.') {
        match head {
            "name" => {
                let mut old = then.name.clone();
                let value = name_part(&mut old, key).ok_or_else(unknown)?.clone();
                *name_part(&mut now.name, key).ok_or_else(unknown)? = value;
            }
            "tags" => match then.tags.get(key) {
                Some(present) => {
                    now.tags.insert(key.to_string(), *present);
                }
                None => {
                    now.tags.remove(key);
                }
            },
            "custom" => match then.custom.get(key) {
                Some(value) => {
                    now.custom.insert(key.to_string(), value.clone());
                }
                None => {
                    now.custom.remove(key);
                }
            },
            "lifecycle" => return Err(not_restorable(path, LIFECYCLE)),
            _ => return Err(unknown()),
        }
        return Ok(());
    }
    match path {
        "type" => now.contact_type = then.contact_type.clone(),
        "level" => now.level = then.level.clone(),
        "language" => now.language = then.language.clone(),
        "notes" => now.notes = then.notes.clone(),
        "photo" => now.photo = then.photo.clone(),
        "name" => now.name = then.name.clone(),
        "tags" => now.tags = then.tags.clone(),
        "custom" => now.custom = then.custom.clone(),
        "lifecycle" => return Err(not_restorable(path, LIFECYCLE)),
        list => return restore_list(now, then, list, ListTarget::Whole, path),
    }
    Ok(())
}

fn not_restorable(path: &str, reason: &'static str) -> RestoreError {
    RestoreError::NotRestorable {
        path: path.to_string(),
        reason,
    }
}

fn name_part<'a>(name: &'a mut Name, part: &str) -> Option<&'a mut String> {
    Some(match part {
        "prefix" => &mut name.prefix,
        "given" => &mut name.given,
        "middle" => &mut name.middle,
        "family" => &mut name.family,
        "suffix" => &mut name.suffix,
        "phonetic_given" => &mut name.phonetic_given,
        "phonetic_family" => &mut name.phonetic_family,
        "nickname" => &mut name.nickname,
        _ => return None,
    })
}

/// What of a list to restore.
#[derive(Clone, Copy)]
enum ListTarget<'a> {
    Whole,
    Item(&'a str),
    Field(&'a str, &'a str),
}

fn restore_list(
    now: &mut Contact,
    then: &Contact,
    list: &str,
    target: ListTarget<'_>,
    path: &str,
) -> Result<(), RestoreError> {
    match list {
        "phones" => restore_in(&mut now.phones, &then.phones, target, path),
        "emails" => restore_in(&mut now.emails, &then.emails, target, path),
        "addresses" => restore_in(&mut now.addresses, &then.addresses, target, path),
        "organizations" => restore_in(&mut now.organizations, &then.organizations, target, path),
        "dates" => restore_in(&mut now.dates, &then.dates, target, path),
        "urls" => restore_in(&mut now.urls, &then.urls, target, path),
        "social" => restore_in(&mut now.social, &then.social, target, path),
        "card_images" => restore_in(&mut now.card_images, &then.card_images, target, path),
        "activity" => match target {
            ListTarget::Whole => Err(not_restorable(path, ACTIVITY)),
            target => restore_in(&mut now.activity, &then.activity, target, path),
        },
        _ => Err(RestoreError::UnknownPath {
            path: path.to_string(),
        }),
    }
}

fn restore_in<T: Item>(
    now: &mut Vec<T>,
    then: &[T],
    target: ListTarget<'_>,
    path: &str,
) -> Result<(), RestoreError> {
    let find = |items: &[T], id: &str| items.iter().position(|item| item.id().as_str() == id);
    match target {
        ListTarget::Whole => *now = then.to_vec(),
        ListTarget::Item(id) => match (find(then, id), find(now, id)) {
            (Some(was), Some(is)) => now[is] = then[was].clone(),
            // Back with the same id, where it stood (or last, if the list is shorter now).
            (Some(was), None) => now.insert(was.min(now.len()), then[was].clone()),
            (None, Some(is)) => {
                now.remove(is);
            }
            (None, None) => {}
        },
        ListTarget::Field(id, field) => {
            let was = find(then, id).ok_or_else(|| RestoreError::NotAtRevision {
                path: path.to_string(),
            })?;
            let mut probe = then[was].clone();
            if !probe.copy_field(&then[was], field) {
                return Err(RestoreError::UnknownPath {
                    path: path.to_string(),
                });
            }
            match find(now, id) {
                Some(is) => {
                    now[is].copy_field(&then[was], field);
                }
                None => now.insert(was.min(now.len()), then[was].clone()),
            }
        }
    }
    Ok(())
}

/// A list item: its id, and copying one of its fields by name.
trait Item: Clone {
    fn id(&self) -> &ItemId;
    /// Copy `field` from `from`; `false` if the item has no such field.
    fn copy_field(&mut self, from: &Self, field: &str) -> bool;
}

macro_rules! items {
    ($($item:ty { $($field:ident),* })*) => {$(
        impl Item for $item {
            fn id(&self) -> &ItemId {
                &self.id
            }

            fn copy_field(&mut self, from: &Self, field: &str) -> bool {
                match field {
                    $(stringify!($field) => self.$field = from.$field.clone(),)*
                    _ => return false,
                }
                true
            }
        }
    )*};
}

items! {
    Phone { label, e164, raw }
    Email { label, address }
    Address { label, street, city, region, postal_code, country }
    Organization { company, department, title }
    DateEntry { label, date }
    Url { label, url }
    SocialHandle { network, handle }
    Activity { kind, at_ms, by, text }
    CardImage { side, blob }
}
