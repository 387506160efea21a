//! A contact written as a vCard 3.0 or 4.0, in the order and with the properties the reader
//! reads back; the kept unknown properties ([`EXTRA_KEY`]) are written back as they came.

use std::fmt::Write as _;

use sync_core::contact::{Contact, CustomValue, PartialDate};

use super::read::EXTRA_KEY;
use super::{escape, quote_param};

/// Labels written as a `TYPE` (the rest go to Apple's `itemN.X-ABLabel`, which Apple's
/// Contacts shows and this reader reads back).
fn type_word(label: &str, phone: bool) -> Option<&'static str> {
    Some(match label {
        "mobile" if phone => "CELL",
        "work" => "WORK",
        "home" => "HOME",
        "main" if phone => "MAIN",
        "fax" if phone => "FAX",
        "pager" if phone => "PAGER",
        "other" => "OTHER",
        _ => return None,
    })
}

/// Writes one card.
pub(crate) fn write_card(out: &mut String, contact: &Contact, version4: bool) {
    let mut lines: Vec<String> = Vec::new();
    let mut item = 0usize;
    // Groups the kept unknown properties use (`item3.X-ABRELATEDNAMES`) are not reused for
    // labels written here, so each label stays with its own property.
    let taken: Vec<String> = match contact.custom.get(EXTRA_KEY) {
        Some(CustomValue::Text(extra)) => extra
            .lines()
            .filter_map(super::parse_line)
            .map(|property| property.group.to_ascii_lowercase())
            .filter(|group| !group.is_empty())
            .collect(),
        _ => Vec::new(),
    };
    let next_item = |item: &mut usize| loop {
        *item += 1;
        if !taken.contains(&format!("item{item}")) {
            break;
        }
    };
    let labelled = |item: &mut usize,
                    lines: &mut Vec<String>,
                    name: &str,
                    params: &str,
                    value: &str,
                    label: &str,
                    phone: bool| {
        if label.is_empty() {
            lines.push(format!("{name}{params}:{value}"));
        } else if let Some(word) = type_word(label, phone) {
            lines.push(format!("{name};TYPE={word}{params}:{value}"));
        } else {
            next_item(item);
            lines.push(format!("item{item}.{name}{params}:{value}"));
            lines.push(format!("item{item}.X-ABLabel:{}", escape(label)));
        }
    };
    lines.push("BEGIN:VCARD".into());
    lines.push(
        if version4 {
            "VERSION:4.0"
        } else {
            "VERSION:3.0"
        }
        .into(),
    );
    let name = &contact.name;
    lines.push(format!(
        "N:{};{};{};{};{}",
        escape(&name.family),
        escape(&name.given),
        escape(&name.middle),
        escape(&name.prefix),
        escape(&name.suffix)
    ));
    lines.push(format!("FN:{}", escape(&contact.display_name())));
    if !name.nickname.is_empty() {
        lines.push(format!("NICKNAME:{}", escape(&name.nickname)));
    }
    if !name.phonetic_given.is_empty() {
        lines.push(format!(
            "X-PHONETIC-FIRST-NAME:{}",
            escape(&name.phonetic_given)
        ));
    }
    if !name.phonetic_family.is_empty() {
        lines.push(format!(
            "X-PHONETIC-LAST-NAME:{}",
            escape(&name.phonetic_family)
        ));
    }
    for org in &contact.organizations {
        // Every organisation writes its ORG, even without a company, so the N-th TITLE
        // pairs with the N-th ORG when read back.
        if org.department.is_empty() {
            lines.push(format!("ORG:{}", escape(&org.company)));
        } else {
            lines.push(format!(
                "ORG:{};{}",
                escape(&org.company),
                escape(&org.department)
            ));
        }
        if !org.title.is_empty() {
            lines.push(format!("TITLE:{}", escape(&org.title)));
        }
    }
    for phone in &contact.phones {
        let raw = if phone.raw.is_empty() || phone.raw == phone.e164 {
            String::new()
        } else {
            format!(";X-ROLO-RAW={}", quote_param(&phone.raw))
        };
        let value = if version4 {
            format!("tel:{}", phone.e164)
        } else {
            phone.e164.clone()
        };
        let params = if version4 {
            format!(";VALUE=uri{raw}")
        } else {
            raw
        };
        labelled(
            &mut item,
            &mut lines,
            "TEL",
            &params,
            &value,
            &phone.label,
            true,
        );
    }
    for email in &contact.emails {
        labelled(
            &mut item,
            &mut lines,
            "EMAIL",
            "",
            &escape(&email.address),
            &email.label,
            false,
        );
    }
    for address in &contact.addresses {
        let value = format!(
            ";;{};{};{};{};{}",
            escape(&address.street),
            escape(&address.city),
            escape(&address.region),
            escape(&address.postal_code),
            escape(&address.country)
        );
        labelled(
            &mut item,
            &mut lines,
            "ADR",
            "",
            &value,
            &address.label,
            false,
        );
    }
    let mut birthday_written = false;
    let mut anniversary_written = false;
    for entry in &contact.dates {
        let date = date_text(&entry.date, version4);
        if entry.label == "birthday" && !birthday_written {
            birthday_written = true;
            lines.push(format!("BDAY:{date}"));
        } else if entry.label == "anniversary" && version4 && !anniversary_written {
            anniversary_written = true;
            lines.push(format!("ANNIVERSARY:{date}"));
        } else {
            next_item(&mut item);
            let label = match entry.label.as_str() {
                "anniversary" => "_$!<Anniversary>!$_".to_string(),
                other => escape(other),
            };
            lines.push(format!("item{item}.X-ABDATE:{date}"));
            lines.push(format!("item{item}.X-ABLabel:{label}"));
        }
    }
    for url in &contact.urls {
        labelled(
            &mut item,
            &mut lines,
            "URL",
            "",
            &escape(&url.url),
            &url.label,
            false,
        );
    }
    for handle in &contact.social {
        lines.push(format!(
            "X-SOCIALPROFILE;TYPE={}:{}",
            quote_param(handle.network.as_str()),
            escape(&handle.handle)
        ));
    }
    let tags = contact.tag_list();
    if !tags.is_empty() {
        let tags: Vec<String> = tags.iter().map(|tag| escape(tag)).collect();
        lines.push(format!("CATEGORIES:{}", tags.join(",")));
    }
    if !contact.notes.as_str().is_empty() {
        lines.push(format!("NOTE:{}", escape(contact.notes.as_str())));
    }
    lines.push(format!(
        "X-ROLO-TYPE:{}",
        escape(contact.contact_type.as_str())
    ));
    if let Some(level) = &contact.level {
        lines.push(format!("X-ROLO-LEVEL:{}", escape(level.as_str())));
    }
    if let Some(language) = &contact.language {
        lines.push(format!("X-ROLO-LANGUAGE:{}", escape(language)));
    }
    for (key, value) in &contact.custom {
        if key == EXTRA_KEY {
            continue;
        }
        let (kind, text) = match value {
            CustomValue::Text(text) => ("text", escape(text)),
            CustomValue::Number(number) => ("number", number.to_string()),
            CustomValue::Bool(flag) => ("bool", flag.to_string()),
            CustomValue::Date(date) => ("date", date.to_string()),
            // A type a newer layout added: its value is not text this code can write.
            CustomValue::Unknown { .. } => continue,
        };
        lines.push(format!(
            "X-ROLO-CUSTOM;X-NAME={};X-TYPE={kind}:{text}",
            quote_param(key)
        ));
    }
    if let Some(CustomValue::Text(extra)) = contact.custom.get(EXTRA_KEY) {
        for line in extra.lines().filter(|line| !line.trim().is_empty()) {
            lines.push(line.to_string());
        }
    }
    lines.push("END:VCARD".into());
    for line in lines {
        fold_into(out, &line);
    }
}

/// A date as vCard writes it: `1990-04-07`; without a year `--04-07` (3.0) or `--0407` (4.0).
fn date_text(date: &PartialDate, version4: bool) -> String {
    match (date.year, version4) {
        (None, true) => format!("--{:02}{:02}", date.month, date.day),
        _ => date.to_string(),
    }
}

/// Appends `line` folded at 75 octets (never inside a character), with CRLF.
pub(crate) fn fold_into(out: &mut String, line: &str) {
    let mut width = 0usize;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    let _ = write!(out, "\r\n");
}
