//! Imports every file in fixtures/imports/ and compares what is read — the detected format,
//! encoding and layout, each record's contact and problems — with `NAME.expected.json`
//! beside it. `UPDATE_FIXTURES=1 cargo test -p interchange --test fixtures` rewrites the
//! expected files (check the diff by hand before committing).

use std::path::{Path, PathBuf};

use interchange::{ReadOptions, Reader, parse_record};
use serde_json::{Map, Value, json};
use sync_core::contact::{Contact, CustomValue};

/// Where national phone numbers of each fixture are dialled (default US).
const REGIONS: &[(&str, &str)] = &[
    ("japanese-shift_jis.csv", "JP"),
    ("korean-euc-kr.csv", "KR"),
    ("chinese-gb18030.csv", "CN"),
    ("german-utf16be-semicolon.csv", "DE"),
    ("apple-vcard3.vcf", "JP"),
    ("feature-phone-vcard21.vcf", "JP"),
    ("rolo-text.txt", "JP"),
    ("excel-2007.xlsx", "CH"),
    ("excel-97.xls", "CH"),
];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/imports")
}

fn inputs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            !(name.ends_with(".json") || name.ends_with(".py") || name.ends_with(".md"))
        })
        .collect();
    files.sort();
    files
}

/// A contact as JSON with only the fields that are set (ids left out).
fn contact_json(contact: &Contact) -> Value {
    let mut out = Map::new();
    let name = &contact.name;
    let mut names = Map::new();
    for (key, value) in [
        ("prefix", &name.prefix),
        ("given", &name.given),
        ("middle", &name.middle),
        ("family", &name.family),
        ("suffix", &name.suffix),
        ("phonetic_given", &name.phonetic_given),
        ("phonetic_family", &name.phonetic_family),
        ("nickname", &name.nickname),
    ] {
        if !value.is_empty() {
            names.insert(key.into(), json!(value));
        }
    }
    out.insert("name".into(), Value::Object(names));
    let mut list = |key: &str, items: Vec<Value>| {
        if !items.is_empty() {
            out.insert(key.into(), Value::Array(items));
        }
    };
    list(
        "phones",
        contact
            .phones
            .iter()
            .map(|p| json!({"label": p.label, "e164": p.e164, "raw": p.raw}))
            .collect(),
    );
    list(
        "emails",
        contact
            .emails
            .iter()
            .map(|e| json!({"label": e.label, "address": e.address}))
            .collect(),
    );
    list(
        "addresses",
        contact
            .addresses
            .iter()
            .map(|a| json!({"label": a.label, "street": a.street, "city": a.city, "region": a.region, "postal_code": a.postal_code, "country": a.country}))
            .collect(),
    );
    list(
        "organizations",
        contact
            .organizations
            .iter()
            .map(|o| json!({"company": o.company, "department": o.department, "title": o.title}))
            .collect(),
    );
    list(
        "dates",
        contact
            .dates
            .iter()
            .map(|d| json!({"label": d.label, "date": d.date.to_string()}))
            .collect(),
    );
    list(
        "urls",
        contact
            .urls
            .iter()
            .map(|u| json!({"label": u.label, "url": u.url}))
            .collect(),
    );
    list(
        "social",
        contact
            .social
            .iter()
            .map(|s| json!({"network": s.network.as_str(), "handle": s.handle}))
            .collect(),
    );
    out.insert("type".into(), json!(contact.contact_type.as_str()));
    if let Some(level) = &contact.level {
        out.insert("level".into(), json!(level.as_str()));
    }
    if let Some(language) = &contact.language {
        out.insert("language".into(), json!(language));
    }
    if !contact.tags.is_empty() {
        out.insert("tags".into(), json!(contact.tag_list()));
    }
    if !contact.notes.as_str().is_empty() {
        out.insert("notes".into(), json!(contact.notes.as_str()));
    }
    if !contact.custom.is_empty() {
        let custom: Map<String, Value> = contact
            .custom
            .iter()
            .map(|(key, value)| {
                let value = match value {
                    CustomValue::Text(text) => json!({"text": text}),
                    CustomValue::Number(number) => json!({"number": number}),
                    CustomValue::Bool(flag) => json!({"bool": flag}),
                    CustomValue::Date(date) => json!({"date": date.to_string()}),
                    CustomValue::Unknown { kind, .. } => json!({"unknown": kind}),
                };
                (key.clone(), value)
            })
            .collect();
        out.insert("custom".into(), Value::Object(custom));
    }
    Value::Object(out)
}

/// Everything the import makes of one file.
fn read_fixture(path: &Path) -> Value {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let region = REGIONS
        .iter()
        .find(|(file, _)| *file == name)
        .map_or("US", |(_, region)| *region);
    let bytes = std::fs::read(path).unwrap();
    let mut reader = Reader::open(
        Box::new(std::io::Cursor::new(bytes)),
        &ReadOptions::default(),
        Some(&name),
    )
    .unwrap_or_else(|error| panic!("{name}: {error}"));
    let mapping = reader.suggested_mapping();
    let mapping_json: Vec<Value> = mapping
        .columns
        .iter()
        .map(|entry| json!(format!("{} -> {}", entry.column, entry.target)))
        .collect();
    let mut records = Vec::new();
    let (mut total, mut importable) = (0, 0);
    while let Some(record) = reader.next_record() {
        total += 1;
        match record {
            Ok(record) => {
                let row = parse_record(&record, &mapping, region);
                if row.is_importable() {
                    importable += 1;
                }
                let problems: Vec<Value> = row
                    .problems
                    .iter()
                    .map(|p| json!({"column": p.column, "field": p.field, "code": p.code, "message": p.message}))
                    .collect();
                let mut entry = json!({"line": row.line, "contact": contact_json(&row.contact)});
                if !problems.is_empty() {
                    entry["problems"] = Value::Array(problems);
                }
                records.push(entry);
            }
            Err(error) => records.push(json!({"line": error.line, "unreadable": error.message})),
        }
    }
    json!({
        "file": name,
        "region": region,
        "format": reader.format().as_str(),
        "encoding": reader.encoding().name(),
        "layout": reader.layout().as_str(),
        "mapping": mapping_json,
        "importable": format!("{importable} of {total}"),
        "records": records,
    })
}

#[test]
fn every_fixture_imports_as_expected() {
    let update = std::env::var_os("UPDATE_FIXTURES").is_some();
    let mut failures = Vec::new();
    let inputs = inputs();
    assert!(inputs.len() >= 18, "fixtures missing: {inputs:?}");
    for path in inputs {
        let actual = read_fixture(&path);
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let expected_path = path.with_file_name(format!("{stem}.expected.json"));
        let pretty = serde_json::to_string_pretty(&actual).unwrap() + "\n";
        if update {
            std::fs::write(&expected_path, &pretty).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|_| {
            panic!(
                "{} is missing: run with UPDATE_FIXTURES=1",
                expected_path.display()
            )
        });
        let expected: Value = serde_json::from_str(&expected).unwrap();
        if expected != actual {
            failures.push(format!("{}:\n{pretty}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "fixtures read differently than expected:\n{}",
        failures.join("\n")
    );
}
