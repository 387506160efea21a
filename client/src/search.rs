//! Listing and searching the contacts on this device, with no network: the same filters, words
//! and order as the server's `GET /v1/contacts` (sync-core's [`sync_core::search`] rules), read
//! from a small projection kept per contact rather than from the contacts' documents.
//!
//! Each contact's projection (its summary and its search terms) is written in the transaction
//! that stores its document, so it is never behind it. A search reads the projections only:
//! 10,000 contacts are searched in a few milliseconds once the projections are in memory, and
//! the first search of a process reads them from the file in tens of milliseconds (see
//! `client/tests/search.rs`, which measures both).

use sync_core::contact::{Contact, ContactType, Level};
use sync_core::ids::{ContactId, MemberId};
use sync_core::search::{Query, SearchProjection};

/// Which contacts by their lifecycle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Shelf {
    /// Neither archived nor in the trash: the default list.
    #[default]
    Active,
    /// Archived (and not in the trash).
    Archived,
    /// In the trash.
    Trash,
    /// Everything not in the trash, archived or not.
    All,
}

/// The order of a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// By name ([`sync_core::search::sort_key`]), A to Z, then by id.
    #[default]
    Name,
    /// Most recently changed first, then by id (highest first), as the server orders.
    Changed,
}

/// What to list: search words and filters, all of which a contact must meet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactFilter {
    /// Search text: every word must start one of the contact's terms (name parts, phonetic
    /// reading, email, phone digits in any format, company, department, tag). Empty lists all.
    pub text: String,
    /// Only this type.
    pub contact_type: Option<ContactType>,
    /// Only this level.
    pub level: Option<Level>,
    /// Only contacts carrying this tag (exactly).
    pub tag: Option<String>,
    /// Only contacts this member owns.
    pub owner: Option<MemberId>,
    /// Which lifecycle state.
    pub shelf: Shelf,
    /// The order.
    pub sort: Sort,
}

/// One contact as a list shows it: the fields of the REST API's list summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactSummary {
    /// The contact.
    pub id: ContactId,
    /// The name shown.
    pub display_name: String,
    /// Its owner, once the server said (a contact made here and not yet synced has none).
    pub owner: Option<MemberId>,
    /// Companies, in order.
    pub companies: Vec<String>,
    /// Email addresses, in order.
    pub emails: Vec<String>,
    /// Phone numbers (E.164), in order.
    pub phones: Vec<String>,
    /// Tags, sorted.
    pub tags: Vec<String>,
    /// Its type (`lead`, `customer`, …, or a newer client's value).
    pub contact_type: String,
    /// Its level, if set.
    pub level: Option<String>,
    /// Archived.
    pub archived: bool,
    /// In the trash since (ms since the Unix epoch).
    pub trashed_at_ms: Option<i64>,
    /// Last changed (ms since the Unix epoch): the newest time among the writers' clocks
    /// of the document's latest changes.
    pub changed_ms: i64,
}

impl ContactSummary {
    /// The summary as JSON, in the shape of the REST API's list summary.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id.to_string(),
            "display_name": self.display_name,
            "owner": self.owner.map(|owner| owner.to_string()),
            "companies": self.companies,
            "emails": self.emails,
            "phones": self.phones,
            "tags": self.tags,
            "type": self.contact_type,
            "level": self.level,
            "archived": self.archived,
            "trashed_at_ms": self.trashed_at_ms,
            "changed_ms": self.changed_ms,
        })
    }
}

/// What the device keeps per contact: its summary and its search projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listed {
    /// What a list shows.
    pub summary: ContactSummary,
    /// The terms and the sort key.
    pub projection: SearchProjection,
}

impl Listed {
    /// The listing of `contact` in a company whose phone region is `region`.
    pub(crate) fn of(
        id: ContactId,
        contact: &Contact,
        owner: Option<MemberId>,
        changed_ms: i64,
        region: &str,
    ) -> Self {
        let strings = |values: Vec<&str>| values.into_iter().map(str::to_string).collect();
        Self {
            summary: ContactSummary {
                id,
                display_name: contact.display_name(),
                owner,
                companies: strings(
                    contact
                        .organizations
                        .iter()
                        .map(|o| o.company.as_str())
                        .filter(|company| !company.is_empty())
                        .collect(),
                ),
                emails: strings(contact.emails.iter().map(|e| e.address.as_str()).collect()),
                phones: strings(contact.phones.iter().map(|p| p.e164.as_str()).collect()),
                tags: strings(contact.tag_list()),
                contact_type: contact.contact_type.as_str().to_string(),
                level: contact.level.as_ref().map(|l| l.as_str().to_string()),
                archived: contact.lifecycle.archived,
                trashed_at_ms: contact.lifecycle.trashed_at_ms,
                changed_ms,
            },
            projection: SearchProjection::of(contact, region),
        }
    }

    fn on_shelf(&self, shelf: Shelf) -> bool {
        let summary = &self.summary;
        let trashed = summary.trashed_at_ms.is_some();
        match shelf {
            Shelf::Active => !summary.archived && !trashed,
            Shelf::Archived => summary.archived && !trashed,
            Shelf::Trash => trashed,
            Shelf::All => !trashed,
        }
    }

    fn meets(&self, filter: &ContactFilter, query: &Query) -> bool {
        let summary = &self.summary;
        self.on_shelf(filter.shelf)
            && filter
                .contact_type
                .as_ref()
                .is_none_or(|t| summary.contact_type == t.as_str())
            && filter
                .level
                .as_ref()
                .is_none_or(|l| summary.level.as_deref() == Some(l.as_str()))
            && filter
                .tag
                .as_ref()
                .is_none_or(|tag| summary.tags.iter().any(|t| t == tag))
            && filter
                .owner
                .is_none_or(|owner| summary.owner == Some(owner))
            && self.projection.matches(query)
    }
}

/// The contacts of `listed` that meet `filter`, in its order; phone numbers in the search
/// text are read as numbers of `region`.
pub(crate) fn select<'a>(
    listed: impl IntoIterator<Item = &'a Listed>,
    filter: &ContactFilter,
    region: &str,
) -> Vec<ContactSummary> {
    let query = Query::parse(&filter.text, region);
    let mut found: Vec<&Listed> = listed
        .into_iter()
        .filter(|entry| entry.meets(filter, &query))
        .collect();
    match filter.sort {
        Sort::Name => found.sort_by(|a, b| {
            (a.projection.sort_key(), a.summary.id).cmp(&(b.projection.sort_key(), b.summary.id))
        }),
        Sort::Changed => found.sort_by(|a, b| {
            (b.summary.changed_ms, b.summary.id).cmp(&(a.summary.changed_ms, a.summary.id))
        }),
    }
    found
        .into_iter()
        .map(|entry| entry.summary.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(n: u128, given: &str, family: &str, edit: impl FnOnce(&mut Contact)) -> Listed {
        let mut contact = Contact::default();
        contact.name.given = given.into();
        contact.name.family = family.into();
        edit(&mut contact);
        Listed::of(ContactId::from_u128(n), &contact, None, n as i64, "JP")
    }

    fn names(found: &[ContactSummary]) -> Vec<&str> {
        found.iter().map(|s| s.display_name.as_str()).collect()
    }

    #[test]
    fn shelves_split_the_contacts_by_lifecycle() {
        let all = [
            listed(1, "Active", "One", |_| {}),
            listed(2, "Archived", "Two", |c| c.lifecycle.archived = true),
            listed(3, "Trashed", "Three", |c| {
                c.lifecycle.trashed_at_ms = Some(5)
            }),
        ];
        let on = |shelf| {
            let filter = ContactFilter {
                shelf,
                ..ContactFilter::default()
            };
            names(&select(&all, &filter, "JP"))
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(on(Shelf::Active), ["Active One"]);
        assert_eq!(on(Shelf::Archived), ["Archived Two"]);
        assert_eq!(on(Shelf::Trash), ["Trashed Three"]);
        assert_eq!(on(Shelf::All), ["Active One", "Archived Two"]);
    }

    #[test]
    fn filters_and_words_must_all_hold_and_order_is_by_name_or_change() {
        let all = [
            listed(4, "Émile", "Zola", |c| {
                c.tags.insert("vip".into(), true);
                c.contact_type = ContactType::Customer;
            }),
            listed(2, "Emil", "Adler", |c| {
                c.tags.insert("vip".into(), true);
            }),
            listed(3, "Bea", "Emmer", |_| {}),
        ];
        let mut filter = ContactFilter {
            text: "emil".into(),
            ..ContactFilter::default()
        };
        assert_eq!(
            names(&select(&all, &filter, "JP")),
            ["Emil Adler", "Émile Zola"]
        );
        filter.sort = Sort::Changed;
        assert_eq!(
            names(&select(&all, &filter, "JP")),
            ["Émile Zola", "Emil Adler"]
        );
        filter.contact_type = Some(ContactType::Customer);
        assert_eq!(names(&select(&all, &filter, "JP")), ["Émile Zola"]);
        let by_tag = ContactFilter {
            tag: Some("vip".into()),
            text: "ad".into(),
            ..ContactFilter::default()
        };
        assert_eq!(names(&select(&all, &by_tag, "JP")), ["Emil Adler"]);
    }
}
