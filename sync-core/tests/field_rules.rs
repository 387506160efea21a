//! The field-rule case table, `fixtures/field-rules/cases.json`: the web app runs the same file
//! against its TypeScript rules (web/src/rules/), so a browser marks exactly the values the
//! server refuses.
//!
//! A value case feeds what a user typed to one parser (`parse_phone` with the case's region,
//! `parse_email`, `parse_date`, `parse_country`, `parse_url`) and expects the stored form or
//! the problem. A contact case writes the contact into an Automerge document with the value
//! types sync-core reads (counters of a date as unsigned integers, a custom number as a float,
//! the notes as text), reads it back as a [`Contact`] as the server does, and expects
//! [`validate`]'s problems in order. Each test reports every failing case at once.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ScalarValue};
use serde_json::{Map, Value};
use sync_core::contact::{Contact, MAX_LIST_ITEMS, PartialDate};
use sync_core::validate::{
    FieldError, MAX_ACTIVITY_ITEMS, MAX_CUSTOM_KEY_CHARS, MAX_CUSTOM_TEXT_CHARS, MAX_EMAIL_BYTES,
    MAX_LANGUAGE_CHARS, MAX_NOTES_CHARS, MAX_TAG_CHARS, MAX_TEXT_CHARS, MAX_URL_CHARS,
    parse_country, parse_date, parse_email, parse_phone, parse_url, validate,
};

const CASES: &str = include_str!("../../fixtures/field-rules/cases.json");

fn table() -> Value {
    serde_json::from_str(CASES).expect("cases.json is JSON")
}

/// The field path a value case's parser is given, by kind: the first item of its list.
fn value_field(kind: &str) -> &'static str {
    match kind {
        "phone" => "phones[0].e164",
        "email" => "emails[0].address",
        "date" => "dates[0].date",
        "country" => "addresses[0].country",
        "url" => "urls[0].url",
        other => panic!("unknown value kind {other:?}"),
    }
}

#[test]
fn the_limits_are_the_ones_the_table_states() {
    let table = table();
    let limits = table["limits"].as_object().expect("a limits object");
    let ours: [(&str, usize); 11] = [
        ("MAX_LIST_ITEMS", MAX_LIST_ITEMS),
        ("MAX_ACTIVITY_ITEMS", MAX_ACTIVITY_ITEMS),
        ("MAX_TEXT_CHARS", MAX_TEXT_CHARS),
        ("MAX_NOTES_CHARS", MAX_NOTES_CHARS),
        ("MAX_CUSTOM_TEXT_CHARS", MAX_CUSTOM_TEXT_CHARS),
        ("MAX_TAG_CHARS", MAX_TAG_CHARS),
        ("MAX_CUSTOM_KEY_CHARS", MAX_CUSTOM_KEY_CHARS),
        ("MAX_LANGUAGE_CHARS", MAX_LANGUAGE_CHARS),
        ("MAX_EMAIL_BYTES", MAX_EMAIL_BYTES),
        ("MAX_URL_CHARS", MAX_URL_CHARS),
        // Private in email.rs; the table's cases at 64 and 65 bytes hold it.
        ("MAX_EMAIL_LOCAL_BYTES", 64),
    ];
    for (name, value) in ours {
        assert_eq!(
            limits.get(name).and_then(Value::as_u64),
            Some(value as u64),
            "{name}"
        );
    }
    assert_eq!(
        limits.len(),
        ours.len(),
        "every limit in the table is checked"
    );
}

#[test]
fn every_typed_value_reads_as_the_table_says() {
    let table = table();
    let mut failures = Vec::new();
    let mut count = 0;
    for case in cases(&table).filter(|case| case["kind"] != "contact") {
        count += 1;
        let kind = case["kind"].as_str().expect("a kind");
        let field = value_field(kind);
        let input = text(&case["input"]);
        let region = case["region"].as_str();
        let got = match kind {
            "phone" => parse_phone(field, &input, region).map(Value::from),
            "email" => parse_email(field, &input).map(Value::from),
            "date" => parse_date(field, &input).map(|date| date_json(&date)),
            "country" => parse_country(field, &input).map(Value::from),
            "url" => parse_url(field, &input).map(Value::from),
            _ => unreachable!(),
        };
        let got = match got {
            Ok(value) => Outcome::Ok(value),
            Err(error) => Outcome::Problems(vec![problem(&error)]),
        };
        let expected = expected(case);
        if got != expected {
            failures.push(format!(
                "{}: {input:?} (region {region:?}): expected {expected:?}, got {got:?}",
                name(case)
            ));
        }
    }
    assert!(count >= 100, "the table holds {count} value cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_contact_validates_as_the_table_says() {
    let table = table();
    let mut failures = Vec::new();
    for case in cases(&table).filter(|case| case["kind"] == "contact") {
        let contact = hydrate(&case["contact"]);
        let got = match validate(&contact) {
            Ok(()) => Vec::new(),
            Err(errors) => errors.0.iter().map(problem).collect(),
        };
        let expected = expected(case);
        if Outcome::Problems(got.clone()) != expected {
            failures.push(format!(
                "{}: expected {expected:?}, got {got:?}",
                name(case)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn case_names_are_unique() {
    let table = table();
    let mut names: Vec<String> = cases(&table).map(name).collect();
    let total = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), total, "two cases share a name");
}

/// What a case expects, or what the code did.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// The stored form of a typed value.
    Ok(Value),
    /// `(field, code)` of each problem, in order.
    Problems(Vec<(String, String)>),
}

fn cases(table: &Value) -> impl Iterator<Item = &Value> {
    table["cases"].as_array().expect("a cases list").iter()
}

fn name(case: &Value) -> String {
    case["name"].as_str().expect("a name").to_string()
}

fn expected(case: &Value) -> Outcome {
    let expect = &case["expect"];
    if let Some(value) = expect.get("ok") {
        let shorthand = value.get("$repeat").or(value.get("$concat")).is_some();
        return Outcome::Ok(if shorthand {
            Value::String(text(value))
        } else {
            value.clone()
        });
    }
    let problems = expect["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: expect has ok or problems", name(case)));
    Outcome::Problems(
        problems
            .iter()
            .map(|p| {
                (
                    p["field"].as_str().expect("a field").to_string(),
                    p["code"].as_str().expect("a code").to_string(),
                )
            })
            .collect(),
    )
}

fn problem(error: &FieldError) -> (String, String) {
    (error.field().to_string(), error.code().to_string())
}

fn date_json(date: &PartialDate) -> Value {
    serde_json::json!({"year": date.year, "month": date.month, "day": date.day})
}

/// A string of the table, with its shorthands written out: `{"$repeat": "x", "count": 1001}`
/// and `{"$concat": [part, …]}`.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Object(map) if map.contains_key("$repeat") => {
            let count = map["count"].as_u64().expect("a count") as usize;
            text(&map["$repeat"]).repeat(count)
        }
        Value::Object(map) if map.contains_key("$concat") => map["$concat"]
            .as_array()
            .expect("a list of parts")
            .iter()
            .map(text)
            .collect(),
        other => panic!("not a string of the table: {other}"),
    }
}

/// The contact the table writes, read back from an Automerge document as the server reads it.
fn hydrate(contact: &Value) -> Contact {
    let mut doc = AutoCommit::new();
    let map = contact.as_object().expect("a contact is an object");
    for (key, value) in map {
        put(&mut doc, &ROOT, Prop::Key(key), value);
    }
    autosurgeon::hydrate(&doc).unwrap_or_else(|error| panic!("{contact}: {error}"))
}

enum Prop<'a> {
    Key(&'a str),
    Index(usize),
}

/// Writes `value` at `prop` of `obj`, with the value type sync-core's contact reads there.
fn put(doc: &mut AutoCommit, obj: &ObjId, prop: Prop<'_>, value: &Value) {
    let key = match prop {
        Prop::Key(key) => key,
        Prop::Index(_) => "",
    };
    let scalar = |doc: &mut AutoCommit, scalar: ScalarValue| match prop {
        Prop::Key(key) => doc.put(obj, key, scalar).unwrap(),
        Prop::Index(index) => doc.insert(obj, index, scalar).unwrap(),
    };
    let object = |doc: &mut AutoCommit, kind: ObjType| match prop {
        Prop::Key(key) => doc.put_object(obj, key, kind).unwrap(),
        Prop::Index(index) => doc.insert_object(obj, index, kind).unwrap(),
    };
    match value {
        Value::Object(map) if map.contains_key("$repeat") || map.contains_key("$concat") => {
            put(doc, obj, prop, &Value::String(text(value)));
        }
        Value::Object(map) if map.contains_key("$float") => {
            let number = match map["$float"].as_str() {
                Some("NaN") => f64::NAN,
                Some("inf") => f64::INFINITY,
                Some("-inf") => f64::NEG_INFINITY,
                other => panic!("unknown $float {other:?}"),
            };
            scalar(doc, ScalarValue::F64(number));
        }
        Value::Object(map) if map.contains_key("$list") => {
            let list = object(doc, ObjType::List);
            for (index, item) in list_items(&map["$list"]).iter().enumerate() {
                put(doc, &list, Prop::Index(index), item);
            }
        }
        Value::Object(map) => {
            let inner = object(doc, ObjType::Map);
            for (key, value) in map {
                put(doc, &inner, Prop::Key(key), value);
            }
        }
        Value::Array(items) => {
            let list = object(doc, ObjType::List);
            for (index, item) in items.iter().enumerate() {
                put(doc, &list, Prop::Index(index), item);
            }
        }
        // The notes are collaborative text; every other string is a plain string.
        Value::String(text) if key == "notes" && *obj == ROOT => {
            let notes = object(doc, ObjType::Text);
            doc.splice_text(&notes, 0, 0, text).unwrap();
        }
        Value::String(text) => scalar(doc, ScalarValue::Str(text.as_str().into())),
        Value::Bool(flag) => scalar(doc, ScalarValue::Boolean(*flag)),
        Value::Null => scalar(doc, ScalarValue::Null),
        Value::Number(number) => {
            let written = match key {
                // A custom value's number is an f64.
                "number" => ScalarValue::F64(number.as_f64().unwrap()),
                // A partial date's parts and a blob's size are unsigned.
                "year" | "month" | "day" | "bytes" => {
                    ScalarValue::Uint(number.as_u64().expect("an unsigned integer"))
                }
                _ => ScalarValue::Int(number.as_i64().expect("an integer")),
            };
            scalar(doc, written);
        }
    }
}

/// The items of `{"$list": {"count": n, "item": {…}}}`: `n` copies of the item with `{i}` in
/// its strings replaced by the copy's index, so ids stay distinct.
fn list_items(spec: &Value) -> Vec<Value> {
    let count = spec["count"].as_u64().expect("a count") as usize;
    (0..count)
        .map(|index| with_index(&spec["item"], index))
        .collect()
}

fn with_index(value: &Value, index: usize) -> Value {
    match value {
        Value::String(text) => Value::String(text.replace("{i}", &index.to_string())),
        Value::Array(items) => Value::Array(items.iter().map(|v| with_index(v, index)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, v)| (key.clone(), with_index(v, index)))
                .collect::<Map<String, Value>>(),
        ),
        other => other.clone(),
    }
}
