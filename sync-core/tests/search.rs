//! The search case table, `search_cases.json`: the web app runs the same file against its own
//! implementation, so the server, a phone and a browser find the same contacts.
//!
//! Each test walks one section of the table and reports every case that fails at once, each
//! with the reason the table gives for it.

use std::collections::BTreeMap;

use serde::Deserialize;
use sync_core::contact::{Contact, Email, Organization, Phone};
use sync_core::ids::ItemId;
use sync_core::search::{Query, SearchProjection, index_terms, normalize, sort_key};

const CASES: &str = include_str!("search_cases.json");

#[derive(Deserialize)]
struct Table {
    normalize: Vec<NormalizeCase>,
    queries: Vec<QueryCase>,
    contacts: BTreeMap<String, ContactFields>,
    cases: Vec<MatchCase>,
    sort_keys: BTreeMap<String, String>,
    sorted: Vec<String>,
    terms: TermsCase,
}

#[derive(Deserialize)]
struct NormalizeCase {
    text: String,
    normalized: String,
}

#[derive(Deserialize)]
struct QueryCase {
    text: String,
    region: String,
    words: Vec<String>,
}

/// A contact as the table writes it: only the fields search reads.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
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
#[serde(default, deny_unknown_fields)]
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

#[derive(Deserialize)]
struct TermsCase {
    contact: String,
    region: String,
    terms: Vec<String>,
}

impl ContactFields {
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
        for (n, phone) in self.phones.iter().enumerate() {
            contact.phones.push(Phone {
                id: ItemId::from(format!("p{n}").as_str()),
                label: "work".into(),
                e164: phone.e164.clone(),
                raw: phone.raw.clone(),
            });
        }
        for (n, address) in self.emails.iter().enumerate() {
            contact.emails.push(Email {
                id: ItemId::from(format!("e{n}").as_str()),
                label: "work".into(),
                address: address.clone(),
            });
        }
        for (n, org) in self.organizations.iter().enumerate() {
            contact.organizations.push(Organization {
                id: ItemId::from(format!("o{n}").as_str()),
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

fn table() -> Table {
    serde_json::from_str(CASES).expect("search_cases.json parses")
}

fn contacts(table: &Table) -> BTreeMap<&str, Contact> {
    table
        .contacts
        .iter()
        .map(|(name, fields)| (name.as_str(), fields.contact()))
        .collect()
}

#[track_caller]
fn assert_none_failed(what: &str, failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} {what} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn text_folds_as_the_table_says() {
    let failures = table()
        .normalize
        .iter()
        .filter(|case| normalize(&case.text) != case.normalized)
        .map(|case| {
            format!(
                "  {:?} → {:?}, expected {:?}",
                case.text,
                normalize(&case.text),
                case.normalized
            )
        })
        .collect();
    assert_none_failed("normalize cases", failures);
}

#[test]
fn queries_read_into_the_words_the_table_says() {
    let failures = table()
        .queries
        .iter()
        .filter_map(|case| {
            let query = Query::parse(&case.text, &case.region);
            (query.words() != case.words).then(|| {
                format!(
                    "  {:?} in {:?} → {:?}, expected {:?}",
                    case.text,
                    case.region,
                    query.words(),
                    case.words
                )
            })
        })
        .collect();
    assert_none_failed("query cases", failures);
}

#[test]
fn every_query_finds_exactly_the_contacts_the_table_says() {
    let table = table();
    let contacts = contacts(&table);
    let mut failures = Vec::new();
    for case in &table.cases {
        let contact = &contacts[case.contact.as_str()];
        let projection = SearchProjection::of(contact, &case.region);
        let query = Query::parse(&case.query, &case.region);
        if projection.matches(&query) != case.matches {
            failures.push(format!(
                "  {:?} in {} {} {} ({}); words {:?}, terms {:?}",
                case.query,
                case.region,
                if case.matches { "misses" } else { "finds" },
                case.contact,
                case.why,
                query.words(),
                projection.terms().collect::<Vec<_>>()
            ));
        }
    }
    assert_none_failed("match cases", failures);
    let finding = table.cases.iter().filter(|case| case.matches).count();
    assert!(
        finding > 0 && finding < table.cases.len(),
        "the table has cases that match and cases that do not"
    );
}

#[test]
fn contacts_sort_by_folded_name_or_reading_as_the_table_says() {
    let table = table();
    let contacts = contacts(&table);
    let failures: Vec<String> = table
        .sort_keys
        .iter()
        .filter(|(name, key)| sort_key(&contacts[name.as_str()]) != **key)
        .map(|(name, key)| {
            let actual = sort_key(&contacts[name.as_str()]);
            format!("  {name}: {actual:?}, expected {key:?}")
        })
        .collect();
    assert_none_failed("sort keys", failures);
    let mut order: Vec<&str> = contacts.keys().copied().collect();
    order.sort_by_key(|name| sort_key(&contacts[name]));
    assert_eq!(order, table.sorted);
}

#[test]
fn a_contacts_terms_are_pinned_so_an_index_change_is_seen() {
    let table = table();
    let contacts = contacts(&table);
    let pinned = &table.terms;
    let terms = index_terms(&contacts[pinned.contact.as_str()], &pinned.region);
    assert_eq!(
        terms, pinned.terms,
        "the terms changed: update the table and bump search::INDEX_VERSION"
    );
}
