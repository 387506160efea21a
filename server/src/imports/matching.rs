//! Duplicates: a row and a contact the importing member sees are the same person when they
//! share an email (lowercase), an E.164 phone or a messaging handle (network and handle,
//! lowercase); and what merging or replacing does to the contact.
//!
//! The contacts' values are read once per job into an index ([`MatchIndex`]), which learns
//! each contact the job creates, so a person twice in one file is created once and merged
//! the second time.

use std::collections::HashMap;

use sync_core::contact::Contact;
use sync_core::ids::ContactId;

use crate::store::handle_keys;
use crate::store::imports::MatchRow;

/// The values a row is compared on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys(Vec<String>);

impl Keys {
    /// A contact's keys: `e:` lowercase emails, `p:` E.164 phones, `s:` network and handle.
    pub fn of(contact: &Contact) -> Self {
        let emails = contact
            .emails
            .iter()
            .map(|email| email.address.trim().to_lowercase())
            .filter(|email| !email.is_empty())
            .map(|email| format!("e:{email}"));
        let phones = contact
            .phones
            .iter()
            .map(|phone| phone.e164.trim().to_string())
            .filter(|phone| !phone.is_empty())
            .map(|phone| format!("p:{phone}"));
        let social = handle_keys(contact)
            .into_iter()
            .map(|handle| format!("s:{handle}"));
        Self(emails.chain(phones).chain(social).collect())
    }

    fn of_row(row: &MatchRow) -> Self {
        Self(
            row.emails
                .iter()
                .map(|email| format!("e:{email}"))
                .chain(row.phones.iter().map(|phone| format!("p:{phone}")))
                .chain(row.handles.iter().map(|handle| format!("s:{handle}")))
                .collect(),
        )
    }
}

/// Every key of the contacts a member sees, to the contact holding it.
#[derive(Debug, Default)]
pub struct MatchIndex {
    keys: HashMap<String, ContactId>,
}

impl MatchIndex {
    /// The index of these contacts (the store's [`MatchRow`]s).
    pub fn new(rows: Vec<MatchRow>) -> Self {
        let mut index = Self::default();
        for row in rows {
            index.learn(row.contact, &Keys::of_row(&row));
        }
        index
    }

    /// The contact sharing a key with `keys`, if any (the first key found wins).
    pub fn find(&self, keys: &Keys) -> Option<ContactId> {
        keys.0.iter().find_map(|key| self.keys.get(key).copied())
    }

    /// Remember that `contact` holds `keys` (the first holder of a key stays).
    pub fn learn(&mut self, contact: ContactId, keys: &Keys) {
        for key in &keys.0 {
            self.keys.entry(key.clone()).or_insert(contact);
        }
    }
}

/// Merge `row` into `existing`: fill only its empty fields, add the list items it lacks
/// (compared by value), add the row's tags.
pub fn merge(existing: &mut Contact, row: &Contact) {
    let name = &mut existing.name;
    for (mine, theirs) in [
        (&mut name.prefix, &row.name.prefix),
        (&mut name.given, &row.name.given),
        (&mut name.middle, &row.name.middle),
        (&mut name.family, &row.name.family),
        (&mut name.suffix, &row.name.suffix),
        (&mut name.phonetic_given, &row.name.phonetic_given),
        (&mut name.phonetic_family, &row.name.phonetic_family),
        (&mut name.nickname, &row.name.nickname),
    ] {
        if mine.trim().is_empty() && !theirs.trim().is_empty() {
            mine.clone_from(theirs);
        }
    }
    add_missing(&mut existing.phones, &row.phones, |phone| {
        phone.e164.clone()
    });
    add_missing(&mut existing.emails, &row.emails, |email| {
        email.address.to_lowercase()
    });
    add_missing(&mut existing.addresses, &row.addresses, |address| {
        format!("{address:?}").replace(&format!("{:?}", address.id), "")
    });
    add_missing(&mut existing.organizations, &row.organizations, |org| {
        (org.company.to_lowercase(), org.title.to_lowercase())
    });
    add_missing(&mut existing.dates, &row.dates, |date| {
        format!("{date:?}").replace(&format!("{:?}", date.id), "")
    });
    add_missing(&mut existing.urls, &row.urls, |url| {
        format!("{url:?}").replace(&format!("{:?}", url.id), "")
    });
    add_missing(&mut existing.social, &row.social, |handle| {
        (
            handle.network.as_str().to_lowercase(),
            handle.handle.to_lowercase(),
        )
    });
    if existing.level.is_none() {
        existing.level.clone_from(&row.level);
    }
    if existing.language.is_none() {
        existing.language.clone_from(&row.language);
    }
    for tag in row.tags.keys() {
        existing.tags.insert(tag.clone(), true);
    }
    if existing.notes.as_str().trim().is_empty() && !row.notes.as_str().trim().is_empty() {
        existing.notes = row.notes.clone();
    }
    for (key, value) in &row.custom {
        existing
            .custom
            .entry(key.clone())
            .or_insert_with(|| value.clone());
    }
}

/// Replace `existing`'s fields with `row`'s (lists replaced whole); what the row does not
/// hold (activity, photo, card images, lifecycle) stays, and the tags are added.
pub fn replace(existing: &mut Contact, row: &Contact) {
    existing.name = row.name.clone();
    existing.phones = row.phones.clone();
    existing.emails = row.emails.clone();
    existing.addresses = row.addresses.clone();
    existing.organizations = row.organizations.clone();
    existing.dates = row.dates.clone();
    existing.urls = row.urls.clone();
    existing.social = row.social.clone();
    existing.contact_type = row.contact_type.clone();
    existing.level = row.level.clone();
    existing.language = row.language.clone();
    for tag in row.tags.keys() {
        existing.tags.insert(tag.clone(), true);
    }
    existing.notes = row.notes.clone();
    existing.custom = row.custom.clone();
}

/// Append the items of `new` whose key no item of `list` has, with item ids free in `list`,
/// up to the 100 items a list may hold.
fn add_missing<T: Clone + HasId, K: PartialEq>(
    list: &mut Vec<T>,
    new: &[T],
    key: impl Fn(&T) -> K,
) {
    for item in new {
        if list.len() >= sync_core::contact::MAX_LIST_ITEMS {
            return;
        }
        let wanted = key(item);
        if list.iter().any(|mine| key(mine) == wanted) {
            continue;
        }
        let mut item = item.clone();
        let mut n = list.len() + 1;
        while list.iter().any(|mine| mine.id() == format!("i{n}")) {
            n += 1;
        }
        item.set_id(format!("i{n}"));
        list.push(item);
    }
}

/// A list item with an id.
trait HasId {
    fn id(&self) -> String;
    fn set_id(&mut self, id: String);
}

macro_rules! has_id {
    ($($item:ty),*) => {$(
        impl HasId for $item {
            fn id(&self) -> String {
                self.id.to_string()
            }
            fn set_id(&mut self, id: String) {
                self.id = sync_core::ids::ItemId::from(id.as_str());
            }
        }
    )*};
}

has_id!(
    sync_core::contact::Phone,
    sync_core::contact::Email,
    sync_core::contact::Address,
    sync_core::contact::Organization,
    sync_core::contact::DateEntry,
    sync_core::contact::Url,
    sync_core::contact::SocialHandle
);

#[cfg(test)]
mod tests {
    use super::*;
    use sync_core::contact::{Email, Phone};
    use sync_core::ids::ItemId;

    fn person(given: &str, family: &str, email: &str) -> Contact {
        let mut contact = Contact::default();
        contact.name.given = given.into();
        contact.name.family = family.into();
        contact.emails.push(Email {
            id: ItemId::from("e1"),
            label: "work".into(),
            address: email.into(),
        });
        contact
    }

    #[test]
    fn a_merge_fills_only_what_is_empty_and_adds_what_is_missing() {
        let mut existing = person("Ana", "", "ana@kita.example");
        let mut row = person("Anna", "Lima", "ANA@kita.example");
        row.phones.push(Phone {
            id: ItemId::from("p1"),
            label: "mobile".into(),
            e164: "+81312345678".into(),
            raw: "03-1234-5678".into(),
        });
        merge(&mut existing, &row);
        assert_eq!(existing.name.given, "Ana", "a filled field stays");
        assert_eq!(existing.name.family, "Lima", "an empty one is filled");
        assert_eq!(existing.emails.len(), 1, "the same email, in another case");
        assert_eq!(existing.phones.len(), 1);
    }

    #[test]
    fn a_replace_takes_the_rows_fields() {
        let mut existing = person("Ana", "Souza", "ana@kita.example");
        replace(&mut existing, &person("Ana", "Lima", "lima@kita.example"));
        assert_eq!(existing.name.family, "Lima");
        assert_eq!(existing.emails[0].address, "lima@kita.example");
    }

    #[test]
    fn the_index_finds_a_shared_email_in_any_case() {
        let mut index = MatchIndex::default();
        let id = ContactId::from_u128(5);
        index.learn(id, &Keys::of(&person("A", "B", "a@b.example")));
        assert_eq!(
            index.find(&Keys::of(&person("X", "Y", "A@B.example"))),
            Some(id)
        );
        assert_eq!(
            index.find(&Keys::of(&person("X", "Y", "c@b.example"))),
            None
        );
    }
}
