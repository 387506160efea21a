//! The name-display table, `fixtures/field-rules/display-names.json`: the web app runs the same
//! file against its `displayName` (web/test/display-names.test.ts), so a list shows a contact
//! by the same name on every device. Every failing case is reported at once.

use serde_json::Value;
use sync_core::contact::{Contact, Organization};
use sync_core::ids::ItemId;

const CASES: &str = include_str!("../../fixtures/field-rules/display-names.json");

/// The contact a case describes: the name parts, the language and one company it gives.
fn contact_of(case: &Value) -> Contact {
    let text = |key: &str| case[key].as_str().unwrap_or_default().to_string();
    let mut contact = Contact::default();
    contact.name.prefix = text("prefix");
    contact.name.given = text("given");
    contact.name.middle = text("middle");
    contact.name.family = text("family");
    contact.name.suffix = text("suffix");
    contact.name.nickname = text("nickname");
    contact.language = case["language"].as_str().map(str::to_string);
    if let Some(company) = case["company"].as_str() {
        contact.organizations.push(Organization {
            id: ItemId::from("o1"),
            company: company.into(),
            department: String::new(),
            title: String::new(),
        });
    }
    contact
}

#[test]
fn every_contact_is_shown_by_the_name_the_table_gives() {
    let table: Value = serde_json::from_str(CASES).expect("display-names.json is JSON");
    let cases = table["cases"].as_array().expect("cases");
    assert!(cases.len() >= 20);
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let shown = contact_of(case).display_name();
            let expect = case["expect"].as_str().expect("expect");
            (shown != expect)
                .then(|| format!("{}: shown {shown:?}, expected {expect:?}", case["name"]))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
