//! A root field of the replayed document rendered for display, and the difference between two
//! renderings as [`FieldChange`]s.
//!
//! Paths name what a user sees: `name.given`, `tags.vip`, `custom.budget`, `notes`, `phones[k3j9]`
//! (a whole item, added or removed) and `phones[k3j9].e164` (one field of an item present on
//! both sides). Values are display strings: text as written, numbers in decimal, enums in
//! their lowercase document form, dates ISO (`1990-04-07`, `--04-07` without a year), and
//! `…_ms` timestamps as ISO UTC (`2024-05-01T09:30:00Z`). Empty text and nulls read as
//! absent, so a field appearing empty is no change.

use std::collections::BTreeMap;

use automerge::{ObjType, ScalarValue};

use super::FieldChange;
use super::replay::{Clock, OpId, Replay, Value};

/// Root keys whose map entries are fields of their own (`name.given`); other maps (`photo`)
/// are one value.
const FIELD_MAPS: [&str; 4] = ["name", "lifecycle", "tags", "custom"];

/// The order fields are listed in, as the contact declares them (anything else sorts last).
pub(super) const ROOT_ORDER: [&str; 18] = [
    "name",
    "phones",
    "emails",
    "addresses",
    "organizations",
    "dates",
    "urls",
    "social",
    "type",
    "level",
    "language",
    "tags",
    "notes",
    "custom",
    "activity",
    "photo",
    "card_images",
    "lifecycle",
];

/// One root field, flattened.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Flat {
    /// Path to display value.
    leaves: BTreeMap<String, String>,
    /// List items by path (`phones[k3j9]`): their summary and their fields by path.
    items: BTreeMap<String, (String, BTreeMap<String, String>)>,
}

/// What changed from `old` to `new`, two flattenings of one root field.
pub(super) fn diff(old: &Flat, new: &Flat) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    diff_leaves(&old.leaves, &new.leaves, &mut changes);
    for (path, (summary, fields)) in &old.items {
        match new.items.get(path) {
            None => changes.push(FieldChange {
                path: path.clone(),
                old: Some(summary.clone()),
                new: None,
            }),
            Some((_, new_fields)) => diff_leaves(fields, new_fields, &mut changes),
        }
    }
    for (path, (summary, _)) in &new.items {
        if !old.items.contains_key(path) {
            changes.push(FieldChange {
                path: path.clone(),
                old: None,
                new: Some(summary.clone()),
            });
        }
    }
    changes
}

fn diff_leaves(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    changes: &mut Vec<FieldChange>,
) {
    let paths: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for path in paths {
        let (before, after) = (old.get(path), new.get(path));
        // A contact starts unarchived: that is its default, not a change anyone made.
        let default_appearing =
            before.is_none() && path == "lifecycle.archived" && after.is_some_and(|v| v == "false");
        if before != after && !default_appearing {
            changes.push(FieldChange {
                path: path.clone(),
                old: before.cloned(),
                new: after.cloned(),
            });
        }
    }
}

/// Root field `key` as at `clock`.
pub(super) fn flatten(replay: &Replay, key: &str, clock: &Clock) -> Flat {
    let mut flat = Flat::default();
    match replay.root(key, clock) {
        None => {}
        Some(Value::Object(obj)) if FIELD_MAPS.contains(&key) => {
            for (field, value) in replay.map_entries(*obj, clock) {
                let path = format!("{key}.{field}");
                if let Some(shown) = render(replay, field, value, clock) {
                    flat.leaves.insert(path, shown);
                }
            }
        }
        Some(Value::Object(obj)) if is_item_list(replay, *obj, clock) => {
            for item in replay.seq_values(*obj, clock) {
                if let Value::Object(item) = item {
                    let (path, entry) = flatten_item(replay, key, *item, clock);
                    flat.items.entry(path).or_insert(entry);
                }
            }
        }
        Some(value) => {
            if let Some(shown) = render(replay, key, value, clock) {
                flat.leaves.insert(key.to_string(), shown);
            }
        }
    }
    flat
}

/// A list (not text) whose values are maps: items with ids. Empty lists count too.
fn is_item_list(replay: &Replay, obj: OpId, clock: &Clock) -> bool {
    replay.kind(obj) == Some(ObjType::List)
        && replay
            .seq_values(obj, clock)
            .all(|value| matches!(value, Value::Object(_)))
}

fn flatten_item(
    replay: &Replay,
    list: &str,
    item: OpId,
    clock: &Clock,
) -> (String, (String, BTreeMap<String, String>)) {
    let id = match replay.map_get(item, "id", clock) {
        Some(Value::Scalar(ScalarValue::Str(id))) => id.to_string(),
        _ => item_fallback_id(item),
    };
    let path = format!("{list}[{id}]");
    let mut fields = BTreeMap::new();
    for (field, value) in replay.map_entries(item, clock) {
        if field == "id" {
            continue;
        }
        if let Some(shown) = render(replay, field, value, clock) {
            fields.insert(field.to_string(), shown);
        }
    }
    let summary = summarise(list, &fields);
    let fields = fields
        .into_iter()
        .map(|(field, shown)| (format!("{path}.{field}"), shown))
        .collect();
    (path, (summary, fields))
}

/// An item without an id (not written by Rolo) is named by its position-independent op id.
fn item_fallback_id(item: OpId) -> String {
    format!("{item:?}")
}

/// An item in one line: the fields a user recognises it by, in the order they read.
fn summarise(list: &str, fields: &BTreeMap<String, String>) -> String {
    let order: &[&str] = match list {
        "phones" => &["label", "e164"],
        "emails" => &["label", "address"],
        "addresses" => &[
            "label",
            "street",
            "city",
            "region",
            "postal_code",
            "country",
        ],
        "organizations" => &["company", "department", "title"],
        "dates" => &["label", "date"],
        "urls" => &["label", "url"],
        "social" => &["network", "handle"],
        "activity" => &["kind", "text"],
        "card_images" => &["side", "blob"],
        _ => &[],
    };
    let parts: Vec<&str> = if order.is_empty() {
        fields.values().map(String::as_str).collect()
    } else {
        order
            .iter()
            .filter_map(|field| fields.get(*field).map(String::as_str))
            .collect()
    };
    parts.join(", ")
}

/// A value for display; `None` when it reads as absent.
fn render(replay: &Replay, key: &str, value: &Value, clock: &Clock) -> Option<String> {
    match value {
        Value::Scalar(scalar) => render_scalar(key, scalar),
        Value::Object(obj) => render_object(replay, *obj, clock),
    }
}

fn render_scalar(key: &str, scalar: &ScalarValue) -> Option<String> {
    let timestamp = key.ends_with("_ms");
    match scalar {
        ScalarValue::Null => None,
        ScalarValue::Str(text) if text.is_empty() => None,
        ScalarValue::Str(text) => Some(text.to_string()),
        ScalarValue::Int(ms) if timestamp => Some(iso_datetime(*ms)),
        ScalarValue::Uint(ms) if timestamp => Some(iso_datetime(*ms as i64)),
        ScalarValue::Timestamp(ms) => Some(iso_datetime(*ms)),
        ScalarValue::Int(number) => Some(number.to_string()),
        ScalarValue::Uint(number) => Some(number.to_string()),
        ScalarValue::F64(number) => Some(number.to_string()),
        ScalarValue::Counter(counter) => Some(counter.to_string()),
        ScalarValue::Boolean(flag) => Some(flag.to_string()),
        ScalarValue::Bytes(bytes) => Some(format!("{} bytes", bytes.len())),
        ScalarValue::Unknown { .. } => None,
    }
}

/// Objects inside a field: a date (`{year, month, day}`), an enum variant with data
/// (`{"text": "…"}` for a custom field), a blob reference, notes text.
fn render_object(replay: &Replay, obj: OpId, clock: &Clock) -> Option<String> {
    match replay.kind(obj) {
        Some(ObjType::Text) => {
            let text = replay.text(obj, clock);
            return (!text.is_empty()).then_some(text);
        }
        Some(ObjType::List) => {
            let parts: Vec<String> = replay
                .seq_values(obj, clock)
                .filter_map(|value| render(replay, "", value, clock))
                .collect();
            return (!parts.is_empty()).then(|| parts.join(", "));
        }
        _ => {}
    }
    let entries: Vec<(&str, &Value)> = replay.map_entries(obj, clock).collect();
    if let Some(date) = render_date(&entries) {
        return Some(date);
    }
    if let [(variant, value)] = entries.as_slice() {
        return render(replay, variant, value, clock);
    }
    // A custom value two devices retyped at once keeps both keys; it reads as the contact
    // does (`CustomValue`'s hydration): the first known type, in this order.
    for known in ["text", "number", "bool", "date"] {
        if let Some((variant, value)) = entries.iter().find(|(key, _)| *key == known) {
            return render(replay, variant, value, clock);
        }
    }
    let parts: Vec<String> = entries
        .iter()
        .filter_map(|(key, value)| {
            render(replay, key, value, clock).map(|shown| format!("{key}={shown}"))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A [`crate::contact::PartialDate`] map as ISO 8601.
fn render_date(entries: &[(&str, &Value)]) -> Option<String> {
    let number = |wanted: &str| {
        entries.iter().find_map(|(key, value)| match value {
            Value::Scalar(ScalarValue::Uint(n)) if *key == wanted => Some(*n as i64),
            Value::Scalar(ScalarValue::Int(n)) if *key == wanted => Some(*n),
            _ => None,
        })
    };
    let only_date_keys = entries
        .iter()
        .all(|(key, _)| matches!(*key, "year" | "month" | "day"));
    if !only_date_keys {
        return None;
    }
    let (month, day) = (number("month")?, number("day")?);
    Some(match number("year") {
        Some(year) => format!("{year:04}-{month:02}-{day:02}"),
        None => format!("--{month:02}-{day:02}"),
    })
}

/// Milliseconds since the Unix epoch as ISO 8601 UTC, to the second.
pub(super) fn iso_datetime(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let (days, second_of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    )
}

/// Howard Hinnant's `civil_from_days`: the proleptic Gregorian date `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_as_iso_utc() {
        assert_eq!(iso_datetime(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_datetime(1_714_555_800_123), "2024-05-01T09:30:00Z");
        assert_eq!(iso_datetime(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(iso_datetime(-1), "1969-12-31T23:59:59Z");
    }
}
