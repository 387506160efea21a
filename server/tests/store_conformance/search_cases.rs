//! The search case table every implementation of the search rules passes
//! (`sync-core/tests/search_cases.json`: sync-core, the web app), run through the store: the
//! table's contacts stored in a company of each region it names, each query typed into the
//! search box, and the list in name order. A phone searching its replica offline and the
//! server searching its projection find the same contacts.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use server::store::Store;
use server::store::listing::ContactQuery;
use sync_core::contact::{Contact, Email, Organization, Phone};
use sync_core::ids::{ContactId, ItemId};
use sync_core::search::{Query, SearchProjection};

use super::support::{add_contact, contact, ids, list_all, search, team_in};

const CASES: &str = include_str!("../../../sync-core/tests/search_cases.json");

/// The parts of the table a store answers for (the rest is sync-core's own: folding, query
/// words, index terms).
#[derive(Deserialize)]
struct Table {
    contacts: BTreeMap<String, ContactFields>,
    cases: Vec<MatchCase>,
    sorted: Vec<String>,
}

/// A contact as the table writes it: only the fields search reads.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ContactFields {
    prefix: String,
    given: String,
    middle: String,
    family: String,
    suffix: String,
    nickname: String,
    phonetic_given: String,
    phonetic_family: String,
    phones: Vec<PhoneFields>,
    emails: Vec<String>,
    organizations: Vec<OrganizationFields>,
    tags: Vec<String>,
}

#[derive(Deserialize)]
struct PhoneFields {
    e164: String,
    raw: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OrganizationFields {
    company: String,
    department: String,
    title: String,
}

#[derive(Deserialize)]
struct MatchCase {
    contact: String,
    region: String,
    query: String,
    matches: bool,
    why: String,
}

impl ContactFields {
    /// The contact the table describes. (sync-core's `tests/search.rs` reads the table the
    /// same way; a test of another crate cannot share it.)
    fn contact(&self) -> Contact {
        let mut contact = Contact::default();
        let name = &mut contact.name;
        name.prefix = self.prefix.clone();
        name.given = self.given.clone();
        name.middle = self.middle.clone();
        name.family = self.family.clone();
        name.suffix = self.suffix.clone();
        name.nickname = self.nickname.clone();
        name.phonetic_given = self.phonetic_given.clone();
        name.phonetic_family = self.phonetic_family.clone();
        let item = |kind: &str, n: usize| ItemId::from(format!("{kind}{n}").as_str());
        for (n, phone) in self.phones.iter().enumerate() {
            contact.phones.push(Phone {
                id: item("p", n),
                label: "work".into(),
                e164: phone.e164.clone(),
                raw: phone.raw.clone(),
            });
        }
        for (n, address) in self.emails.iter().enumerate() {
            contact.emails.push(Email {
                id: item("e", n),
                label: "work".into(),
                address: address.clone(),
            });
        }
        for (n, org) in self.organizations.iter().enumerate() {
            contact.organizations.push(Organization {
                id: item("o", n),
                company: org.company.clone(),
                department: org.department.clone(),
                title: org.title.clone(),
            });
        }
        for tag in &self.tags {
            contact.tags.insert(tag.clone(), true);
        }
        contact
    }
}

pub async fn every_search_of_the_shared_case_table_finds_what_the_table_says(store: &dyn Store) {
    let table: Table = serde_json::from_str(CASES).expect("search_cases.json parses");
    let people: BTreeMap<&str, ContactId> = table
        .contacts
        .keys()
        .enumerate()
        .map(|(n, name)| (name.as_str(), contact(n as u128 + 1)))
        .collect();
    let name_of = |id: ContactId| {
        people
            .iter()
            .find(|(_, person)| **person == id)
            .map(|(name, _)| name.to_string())
            .expect("one of the table's contacts")
    };
    let regions: BTreeSet<&str> = table
        .cases
        .iter()
        .map(|case| case.region.as_str())
        .collect();
    assert!(
        regions.contains("JP"),
        "the table reads numbers as in Japan"
    );

    // A phone kept without its E.164 form (from its raw text only) is one a push may not add
    // (the field rules): the table's contacts are stored without such phones, and the few
    // cases only such a phone decides are sync-core's alone.
    let stored: BTreeMap<&str, Contact> = table
        .contacts
        .iter()
        .map(|(name, fields)| {
            let mut contact = fields.contact();
            contact.phones.retain(|phone| !phone.e164.is_empty());
            (name.as_str(), contact)
        })
        .collect();
    let decided_by_the_store = |case: &MatchCase| {
        let query = Query::parse(&case.query, &case.region);
        SearchProjection::of(&stored[case.contact.as_str()], &case.region).matches(&query)
            == case.matches
    };
    let (cases, sync_cores_alone): (Vec<&MatchCase>, Vec<&MatchCase>) = table
        .cases
        .iter()
        .partition(|case| decided_by_the_store(case));
    assert!(
        sync_cores_alone.len() <= 1,
        "cases left out: {:?}",
        sync_cores_alone
            .iter()
            .map(|case| &case.query)
            .collect::<Vec<_>>()
    );

    let mut failures = Vec::new();
    for region in regions {
        let company = format!("cases-{}", region.to_lowercase());
        let team = team_in(store, &company, region).await;
        for (name, id) in &people {
            add_contact(store, team.tenant, team.owner, *id, &stored[name], None).await;
        }
        for case in cases.iter().filter(|case| case.region == region) {
            let found = search(store, team.tenant, team.ana, &case.query).await;
            if found.contains(&people[case.contact.as_str()]) != case.matches {
                let found: Vec<String> = found.into_iter().map(name_of).collect();
                failures.push(format!(
                    "  {:?} in {region} should {}find {} ({}); found {found:?}",
                    case.query,
                    if case.matches { "" } else { "not " },
                    case.contact,
                    case.why
                ));
            }
        }
        // Listed by name in the table's order, two to a page.
        let by_name = ContactQuery {
            limit: 2,
            ..ContactQuery::default()
        };
        let listed = ids(&list_all(store, team.tenant, team.ana, by_name).await);
        let listed: Vec<String> = listed.into_iter().map(name_of).collect();
        assert_eq!(listed, table.sorted, "the list in {region}, by name");
    }
    assert!(
        failures.is_empty(),
        "{} of {} search cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
