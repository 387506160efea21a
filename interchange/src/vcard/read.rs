//! A card read into a contact. What Rolo models becomes fields; every other property is kept,
//! line for line, in the custom text field [`EXTRA_KEY`], which the vCard writer writes back.

use sync_core::contact::CustomValue;
use sync_core::validate::parse_date;

use super::{Card, Property};
use crate::parse::{Builder, ParsedRow, normalize_label};

/// The custom field holding the unfolded lines of the vCard properties Rolo does not model,
/// one per line (sync-core allows line breaks in custom text and up to 10,000 characters).
pub const EXTRA_KEY: &str = "vcard:extra";

/// Properties that describe the file rather than the person, or that are Rolo's own markers:
/// read by nobody and not kept. `PHOTO`, `LOGO`, `SOUND` and `KEY` carry binary data that a
/// contact keeps as a blob, not as text; they are not imported.
const NOT_KEPT: &[&str] = &[
    "BEGIN",
    "END",
    "VERSION",
    "PRODID",
    "X-ROLO-IMPORT-ERROR",
    "PHOTO",
    "LOGO",
    "SOUND",
    "KEY",
];

/// Properties an Apple `itemN.X-ABLabel` may label that are read into fields.
const LABELLED: &[&str] = &[
    "TEL",
    "EMAIL",
    "ADR",
    "URL",
    "X-ABDATE",
    "X-SOCIALPROFILE",
    "IMPP",
];

/// Reads card `number` into a contact with the field rules.
pub(crate) fn card_to_row(number: u64, card: &Card, default_region: &str) -> ParsedRow {
    let mut builder = Builder::new(number, default_region);
    let mut extra: Vec<&str> = Vec::new();
    let mut full_name: Option<String> = None;
    let mut titles: Vec<(String, String)> = Vec::new();
    let mut org_count = 0usize;
    // Apple writes a custom label as `itemN.X-ABLabel` beside `itemN.TEL`.
    let group_label = |group: &str| -> Option<String> {
        if group.is_empty() {
            return None;
        }
        card.properties
            .iter()
            .find(|p| p.group.eq_ignore_ascii_case(group) && p.name == "X-ABLABEL")
            .map(|p| apple_label(&p.text()))
    };
    // Groups whose X-ABLabel labels a property read here; any other X-ABLabel labels a
    // property that is kept, and is kept with it.
    let labelled_groups: Vec<&str> = card
        .properties
        .iter()
        .filter(|p| !p.group.is_empty() && LABELLED.contains(&p.name.as_str()))
        .map(|p| p.group.as_str())
        .collect();
    for property in &card.properties {
        let column = property.name.as_str();
        let label = || group_label(&property.group).unwrap_or_else(|| type_label(property));
        let known = match column {
            "FN" => {
                full_name = Some(property.text());
                true
            }
            "N" => {
                let parts = property.components();
                let part = |index: usize| parts.get(index).map(String::as_str).unwrap_or("");
                for (index, field) in [
                    (0, "family"),
                    (1, "given"),
                    (2, "middle"),
                    (3, "prefix"),
                    (4, "suffix"),
                ] {
                    if !part(index).trim().is_empty() {
                        builder.name_part(column, field, part(index));
                    }
                }
                true
            }
            "NICKNAME" => {
                let text = property.text();
                if !text.trim().is_empty() {
                    builder.name_part(column, "nickname", &text);
                }
                true
            }
            "X-PHONETIC-FIRST-NAME" => {
                builder.name_part(column, "phonetic_given", &property.text());
                true
            }
            "X-PHONETIC-LAST-NAME" => {
                builder.name_part(column, "phonetic_family", &property.text());
                true
            }
            "ORG" => {
                let parts = property.components();
                let company = parts.first().cloned().unwrap_or_default();
                let department = parts
                    .get(1..)
                    .map(|rest| rest.join(" "))
                    .unwrap_or_default();
                titles.push((company, department.trim().to_string()));
                org_count += 1;
                true
            }
            "TITLE" => {
                // Paired with the ORG of the same position below.
                true
            }
            "TEL" => {
                let value = property.text();
                let value = value.strip_prefix("tel:").unwrap_or(&value);
                let raw = property.param_raw("X-ROLO-RAW");
                match raw {
                    Some(raw) if !raw.is_empty() && raw != value => {
                        builder.phone(column, &label(), &format!("{value} [{raw}]"))
                    }
                    _ => builder.phone(column, &label(), value),
                }
                true
            }
            "EMAIL" => {
                builder.email(column, &label(), &property.text());
                true
            }
            "ADR" => {
                let parts = property.components();
                let part = |index: usize| parts.get(index).cloned().unwrap_or_default();
                let street: Vec<String> = [part(0), part(1), part(2)]
                    .into_iter()
                    .filter(|line| !line.trim().is_empty())
                    .collect();
                if street.is_empty() && (3..7).all(|index| part(index).trim().is_empty()) {
                    true
                } else {
                    builder.address(
                        column,
                        &label(),
                        &street.join(", "),
                        &part(3),
                        &part(4),
                        &part(5),
                        (column, &part(6)),
                    );
                    true
                }
            }
            "BDAY" => {
                builder.date(column, "birthday", &property.text());
                true
            }
            "ANNIVERSARY" | "X-ANNIVERSARY" | "X-MS-ANNIVERSARY" => {
                builder.date(column, "anniversary", &property.text());
                true
            }
            "X-ABDATE" => {
                let label = group_label(&property.group).unwrap_or_else(|| "other".into());
                builder.date(column, &label, &property.text());
                true
            }
            "URL" => {
                builder.url(column, &label(), &property.text());
                true
            }
            "X-SOCIALPROFILE" => {
                let network = property
                    .param("TYPE")
                    .first()
                    .map(|t| t.to_ascii_lowercase())
                    .unwrap_or_default();
                let network = if network.parse::<sync_core::contact::SocialNetwork>().is_ok() {
                    network
                } else {
                    String::new()
                };
                let handle = property
                    .param_raw("X-USER")
                    .filter(|_| network.is_empty())
                    .map(str::to_string)
                    .unwrap_or_else(|| property.text());
                builder.social(column, &network, &handle);
                true
            }
            "IMPP" => {
                let value = property.text();
                let service = property
                    .param_raw("X-SERVICE-TYPE")
                    .map(str::to_ascii_lowercase)
                    .or_else(|| {
                        value
                            .split_once(':')
                            .map(|(scheme, _)| scheme.to_ascii_lowercase())
                    })
                    .unwrap_or_default();
                if service.parse::<sync_core::contact::SocialNetwork>().is_ok() {
                    let handle = value
                        .split_once(':')
                        .map_or(value.as_str(), |(_, handle)| handle);
                    builder.social(column, &service, handle);
                } else {
                    // Skype, XMPP, …: the whole URI is the handle, so nothing is lost.
                    builder.social(column, "", &value);
                }
                true
            }
            "NOTE" => {
                builder.notes(column, &property.text());
                true
            }
            "CATEGORIES" => {
                for tag in property.list() {
                    builder.tag(column, &tag);
                }
                true
            }
            "X-ROLO-TYPE" => {
                builder.contact_type(column, &property.text());
                true
            }
            "X-ROLO-LEVEL" => {
                builder.level(column, &property.text());
                true
            }
            "X-ROLO-LANGUAGE" | "LANG" => {
                builder.language(column, &property.text());
                true
            }
            "X-ROLO-CUSTOM" => {
                custom_field(&mut builder, property);
                true
            }
            "X-ABLABEL" => labelled_groups
                .iter()
                .any(|group| group.eq_ignore_ascii_case(&property.group)),
            _ => NOT_KEPT.contains(&column),
        };
        if !known {
            extra.push(&property.line);
        }
    }
    let title_values: Vec<String> = card
        .properties
        .iter()
        .filter(|p| p.name == "TITLE")
        .map(Property::text)
        .collect();
    let orgs = org_count.max(title_values.len());
    for index in 0..orgs {
        let (company, department) = titles.get(index).cloned().unwrap_or_default();
        let title = title_values.get(index).cloned().unwrap_or_default();
        if company.trim().is_empty() && department.trim().is_empty() && title.trim().is_empty() {
            continue;
        }
        builder.organization("ORG", &company, &department, &title);
    }
    let name = &builder.contact.name;
    let unnamed = name.given.trim().is_empty()
        && name.family.trim().is_empty()
        && name.nickname.trim().is_empty();
    if let Some(full) = full_name.filter(|full| !full.trim().is_empty()) {
        let is_company = builder
            .contact
            .organizations
            .iter()
            .any(|org| org.company.trim() == full.trim());
        if unnamed && !is_company {
            match full.trim().rsplit_once(' ') {
                Some((given, family)) => {
                    builder.name_part("FN", "given", given);
                    builder.name_part("FN", "family", family);
                }
                None => builder.name_part("FN", "given", &full),
            }
        }
    }
    if !extra.is_empty() {
        builder.custom("vCard", EXTRA_KEY, CustomValue::Text(extra.join("\n")));
    }
    builder.finish()
}

/// A label from the `TYPE` parameter: the words Rolo knows, lowercased (`CELL` -> `mobile`,
/// `WORK,FAX` -> `work fax`); `VOICE`, `PREF`, `INTERNET` and the like dropped.
fn type_label(property: &Property) -> String {
    let words: Vec<String> = property
        .param("TYPE")
        .into_iter()
        .map(str::to_ascii_lowercase)
        .filter(|word| {
            !matches!(
                word.as_str(),
                "voice"
                    | "pref"
                    | "internet"
                    | "x400"
                    | "msg"
                    | "text"
                    | "uri"
                    | "postal"
                    | "parcel"
                    | "dom"
                    | "intl"
                    | "x-internet"
            )
        })
        .map(|word| match word.as_str() {
            "cell" | "iphone" => "mobile".to_string(),
            "x-other" => "other".to_string(),
            _ => word,
        })
        .collect();
    normalize_label(&words.join(" "))
}

/// Apple's built-in labels (`_$!<Anniversary>!$_`) as Rolo's lowercase words; custom ones as
/// written.
fn apple_label(label: &str) -> String {
    match label
        .strip_prefix("_$!<")
        .and_then(|rest| rest.strip_suffix(">!$_"))
    {
        Some(inner) => normalize_label(inner).to_lowercase(),
        None => label.to_string(),
    }
}

/// `X-ROLO-CUSTOM;X-NAME=Budget;X-TYPE=number:1200`.
fn custom_field(builder: &mut Builder, property: &Property) {
    let Some(name) = property
        .param_raw("X-NAME")
        .filter(|name| !name.trim().is_empty())
    else {
        builder.other_problem(
            Some("X-ROLO-CUSTOM"),
            "custom",
            "custom_fields_invalid",
            "X-ROLO-CUSTOM has no X-NAME".into(),
        );
        return;
    };
    let text = property.text();
    let kind = property
        .param_raw("X-TYPE")
        .unwrap_or("text")
        .to_ascii_lowercase();
    let value = match kind.as_str() {
        "number" => text.trim().parse::<f64>().ok().map(CustomValue::Number),
        "bool" => match text.trim() {
            "true" => Some(CustomValue::Bool(true)),
            "false" => Some(CustomValue::Bool(false)),
            _ => None,
        },
        "date" => parse_date("custom", &text).ok().map(CustomValue::Date),
        _ => Some(CustomValue::Text(text.clone())),
    };
    match value {
        Some(value) => builder.custom("X-ROLO-CUSTOM", name, value),
        None => builder.other_problem(
            Some("X-ROLO-CUSTOM"),
            &format!("custom[{name:?}]"),
            "custom_fields_invalid",
            format!("custom field {name:?}: {text:?} is not a {kind}"),
        ),
    }
}
