//! A record read into a contact: each cell goes where the mapping says, through sync-core's
//! parsers, and every problem is named with its column and reason.

mod builder;

pub(crate) use self::builder::{Builder, custom_fields_from_json, custom_fields_to_json};

use serde::{Deserialize, Serialize};
use sync_core::contact::{Contact, CustomValue};

use crate::layout::{Layout, suggest_column};
use crate::mapping::Mapping;
use crate::record::Record;
use crate::target::{ListKind, Part, Slot, Target};

/// What separates several values in one cell (Google Contacts' separator, which Rolo's own
/// export uses too).
pub const VALUE_SEPARATOR: &str = " ::: ";

/// One record read into a contact.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRow {
    /// The record's line (see [`Record::line`]).
    pub line: u64,
    /// Everything that could be read. Values with a problem are left out of it.
    pub contact: Contact,
    /// Every problem, in the order found; empty when the row can be imported.
    pub problems: Vec<Problem>,
}

impl ParsedRow {
    /// Whether the row has no problem (and so passes sync-core's validation).
    pub fn is_importable(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problems in one line each (`Mobile Phone: phones[0].e164: "12" is …`), for the
    /// error file's `Import error` column.
    pub fn problem_summary(&self) -> String {
        self.problems
            .iter()
            .map(|problem| match &problem.column {
                Some(column) => format!("{column}: {}", problem.message),
                None => problem.message.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// One problem of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The column (CSV, sheets), field name (text) or property (vCard, `TEL`) the value came
    /// from; `None` for a problem of the whole record (no name).
    pub column: Option<String>,
    /// The contact field's path as sync-core's validation names it (`phones[0].e164`).
    pub field: String,
    /// Stable machine-readable code: sync-core's [`FieldError::code`] for a field rule, or
    /// `extra_cell`, `unreadable_line`, `custom_fields_invalid`.
    ///
    /// [`FieldError::code`]: sync_core::validate::FieldError::code
    pub code: String,
    /// The message for the person who fixes the file.
    pub message: String,
}

/// What duplicate detection compares: a row and an existing contact are the same person when
/// they share one of these.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchKeys {
    /// Email addresses, lowercase.
    pub emails: Vec<String>,
    /// Phone numbers in E.164.
    pub phones: Vec<String>,
    /// (network, handle) pairs: the network's stored form, the handle trimmed and lowercase.
    pub social: Vec<(String, String)>,
}

/// Reads a record into a contact with the field rules, reporting every problem.
///
/// `default_region` (ISO 3166-1 alpha-2, e.g. `JP`; empty for none) is where national phone
/// numbers are dialled. A vCard record is read property by property (its mapping is fixed);
/// other records go cell by cell where `mapping` says. Finally sync-core's
/// [`validate`](sync_core::validate::validate) runs over the contact, so a row without
/// problems is never refused when saved.
pub fn parse_record(record: &Record, mapping: &Mapping, default_region: &str) -> ParsedRow {
    if let Some(card) = &record.card {
        return crate::vcard::read::card_to_row(record.line, card, default_region);
    }
    let mut cells: Vec<(&str, Target, &str)> = Vec::new();
    for (index, cell) in record.cells.iter().enumerate() {
        match mapping.columns.get(index) {
            Some(entry) => cells.push((&entry.column, entry.target.clone(), cell)),
            None if !cell.trim().is_empty() => cells.push(("", Target::Ignore, cell)),
            None => {}
        }
    }
    for (key, value) in &record.fields {
        let target = mapping
            .target_of(key)
            .cloned()
            .unwrap_or_else(|| suggest_column(Layout::Rolo, key));
        cells.push((key, target, value));
    }
    let mut builder = Builder::new(record.line, default_region);
    for (index, cell) in record.cells.iter().enumerate().skip(mapping.columns.len()) {
        if !cell.trim().is_empty() {
            builder.other_problem(
                None,
                "",
                "extra_cell",
                format!(
                    "cell {} holds {cell:?} but the file has only {} columns (a separator inside an unquoted value?)",
                    index + 1,
                    mapping.columns.len()
                ),
            );
        }
    }
    for (key, value) in &record.fields {
        if key.is_empty() {
            builder.other_problem(
                None,
                "",
                "unreadable_line",
                format!("{value:?} is not a `Field: value` line"),
            );
        }
    }
    read_cells(&mut builder, &cells);
    builder.finish()
}

/// A numbered custom field being gathered: its number, its name, and its (column, value).
type CustomPair<'a> = (u16, Option<String>, Option<(&'a str, &'a str)>);

/// The values of each list item being gathered: (list, slot) -> part -> (column, values).
type Slots<'a> = Vec<((ListKind, Slot), Vec<(Part, &'a str, Vec<String>)>)>;

fn read_cells(builder: &mut Builder, cells: &[(&str, Target, &str)]) {
    let mut slots: Slots = Vec::new();
    let mut full_name: Option<(&str, &str)> = None;
    let mut note_lines: Vec<String> = Vec::new();
    // Numbered custom fields given as a name column and a value column.
    let mut pairs: Vec<CustomPair> = Vec::new();
    for (column, target, raw) in cells {
        if raw.trim().is_empty() {
            continue;
        }
        let value = raw.trim();
        match target {
            Target::Ignore => {}
            Target::NoteLine => note_lines.push(format!("{}: {value}", column.trim())),
            Target::CompanyField => {
                builder.custom(column, column.trim(), CustomValue::Text(value.to_string()))
            }
            Target::Custom(name) => {
                builder.custom(column, name, CustomValue::Text(value.to_string()))
            }
            Target::CustomFields => match custom_fields_from_json(value) {
                Ok(fields) => {
                    for (key, field) in fields {
                        builder.custom(column, &key, field);
                    }
                }
                Err(reason) => builder.other_problem(
                    Some(column),
                    "custom",
                    "custom_fields_invalid",
                    format!("custom fields {reason}"),
                ),
            },
            Target::Name(_) => builder.name_part(column, &target.to_string(), value),
            Target::FullName => full_name = Some((column, value)),
            Target::CustomPair { index, label } => {
                let at = match pairs.iter().position(|(existing, ..)| existing == index) {
                    Some(at) => at,
                    None => {
                        pairs.push((*index, None, None));
                        pairs.len() - 1
                    }
                };
                if *label {
                    pairs[at].1 = Some(value.to_string());
                } else {
                    pairs[at].2 = Some((column, value));
                }
            }
            Target::Type => builder.contact_type(column, value),
            Target::Level => builder.level(column, value),
            Target::Language => builder.language(column, value),
            Target::Tags => {
                for tag in split_tags(raw) {
                    builder.tag(column, &tag);
                }
            }
            Target::Notes => builder.notes(column, raw.trim_matches(|c| c == '\r' || c == '\n')),
            Target::Item { list, slot, part } => {
                let values = split_values(raw);
                let key = (*list, slot.clone());
                let index = match slots.iter().position(|(existing, _)| *existing == key) {
                    Some(index) => index,
                    None => {
                        slots.push((key, Vec::new()));
                        slots.len() - 1
                    }
                };
                slots[index].1.push((*part, column, values));
            }
        }
    }
    if let Some((column, name)) = full_name {
        let (given, family) = {
            let name = &builder.contact.name;
            (name.given.clone(), name.family.clone())
        };
        if given.is_empty() && family.is_empty() {
            split_full_name(builder, column, name);
        } else if given.is_empty() && name != family {
            // Korean and Japanese sheets often have a family name column and a "name"
            // column holding the given name (성 + 이름) or the whole name (姓 + 氏名).
            let rest = name
                .strip_prefix(family.as_str())
                .or_else(|| name.strip_suffix(family.as_str()))
                .unwrap_or(name)
                .trim();
            builder.name_part(column, "given", rest);
        }
    }
    for ((list, slot), parts) in slots {
        build_items(builder, list, &slot, &parts);
    }
    for (_, name, value) in pairs {
        match (name, value) {
            (Some(name), Some((column, value))) => {
                builder.custom(column, &name, CustomValue::Text(value.to_string()))
            }
            // A value without a name cannot be a custom field: it goes to the notes.
            (None, Some((column, value))) => note_lines.push(format!("{}: {value}", column.trim())),
            _ => {}
        }
    }
    if !note_lines.is_empty() {
        builder.notes("", &note_lines.join("\n"));
    }
}

/// A full name written in one cell as its given and family names.
fn split_full_name(builder: &mut Builder, column: &str, name: &str) {
    let (given, family) = split_name(name, builder.region());
    for (part, value) in [("family", family), ("given", given)] {
        if !value.is_empty() {
            builder.name_part(column, part, &value);
        }
    }
}

/// A person's full name as one string (a cell, a mail's display name) split into its given
/// and family names: "Family, Given"; a Chinese, Japanese or Korean name with a space is
/// family first ("山田 太郎"); any other with a space is "Given … Family"; without a space a
/// Chinese or Korean name in its region splits after its first character, and anything else
/// is the given name.
pub fn split_name(name: &str, region: Option<&str>) -> (String, String) {
    let name = name.trim();
    let owned =
        |(given, family): (&str, &str)| (given.trim().to_string(), family.trim().to_string());
    if let Some((family, given)) = name.split_once(", ") {
        owned((given, family))
    } else if let Some((first, rest)) = name.split_once(' ')
        && name.chars().any(is_cjk)
    {
        owned((rest, first))
    } else if let Some((given, family)) = name.rsplit_once(' ') {
        owned((given, family))
    } else if splits_first_character(region, name) {
        // A Chinese or Korean name written without a space: the family name is the first
        // character (two-character family names are rare enough to fix by hand).
        let mut chars = name.chars();
        let family: String = chars.next().into_iter().collect();
        (chars.as_str().to_string(), family)
    } else {
        (name.to_string(), String::new())
    }
}

/// Han, kana or Hangul: scripts whose names are written family first.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}' // hiragana, katakana
        | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' // Han
        | '\u{1100}'..='\u{11ff}' | '\u{ac00}'..='\u{d7a3}' // Hangul
    )
}

/// Whether a name without spaces splits after its first character: two to four Han or
/// Hangul characters in a Chinese- or Korean-speaking region. (Japanese family names are
/// often two characters, so Japan is left alone.)
fn splits_first_character(region: Option<&str>, name: &str) -> bool {
    let name = name.trim();
    let count = name.chars().count();
    let han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    let hangul = |c: char| ('\u{ac00}'..='\u{d7a3}').contains(&c);
    let region = region.unwrap_or_default().to_ascii_uppercase();
    (2..=4).contains(&count)
        && match region.as_str() {
            "CN" | "TW" | "HK" | "MO" | "SG" => name.chars().all(han),
            "KR" => name.chars().all(hangul),
            _ => false,
        }
}

/// The values of a cell: split at ` ::: `, each trimmed (empty pieces kept, so labels pair
/// with values by position).
fn split_values(raw: &str) -> Vec<String> {
    // Split at the bare `:::` so a separator whose spaces were trimmed away still splits.
    raw.split(VALUE_SEPARATOR.trim())
        .map(|piece| {
            piece
                .trim_matches(|c: char| c == ' ' || c == '\t')
                .to_string()
        })
        .collect()
}

/// Tags: split at ` ::: ` when the cell has it, else at `;`, else at `,`. Google's system
/// group `myContacts` is left out (every contact is in it); `* ` (Google's mark) is removed.
fn split_tags(raw: &str) -> Vec<String> {
    let separator = VALUE_SEPARATOR.trim();
    let pieces: Vec<&str> = if raw.contains(separator) {
        raw.split(separator).collect()
    } else if raw.contains(';') {
        raw.split(';').collect()
    } else {
        raw.split(',').collect()
    };
    pieces
        .into_iter()
        .map(|piece| piece.trim().trim_start_matches("* ").trim().to_string())
        .filter(|tag| !tag.is_empty() && !tag.eq_ignore_ascii_case("myContacts"))
        .collect()
}

/// A label as read: Google's primary mark (`* `) removed; a label made only of common words
/// (`Mobile`, `Work Fax`) lowercased, with `cell` read as `mobile`, `business` and `office`
/// as `work`; any other label kept as written.
pub fn normalize_label(raw: &str) -> String {
    let text = raw.trim().trim_start_matches("* ").trim();
    let words: Vec<String> = text
        .split_whitespace()
        .map(|word| word.to_lowercase())
        .collect();
    let known = |word: &str| {
        matches!(
            word,
            "mobile"
                | "cell"
                | "work"
                | "home"
                | "main"
                | "fax"
                | "pager"
                | "other"
                | "business"
                | "office"
                | "personal"
                | "blog"
                | "profile"
                | "homepage"
                | "birthday"
                | "anniversary"
        )
    };
    if words.is_empty() || !words.iter().all(|word| known(word)) {
        return text.to_string();
    }
    words
        .iter()
        .map(|word| match word.as_str() {
            "cell" => "mobile",
            "business" | "office" => "work",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Turns the gathered parts of one (list, slot) into items.
fn build_items(
    builder: &mut Builder,
    list: ListKind,
    slot: &Slot,
    parts: &[(Part, &str, Vec<String>)],
) {
    // The part whose columns each add items (Home Phone and Home Phone 2 are two phones);
    // other parts' columns add lines to the same item (Street, Street 2).
    let value_part = match list {
        ListKind::Address => None,
        ListKind::Organization => Some(Part::Company),
        _ => Some(Part::Value),
    };
    let columns_of = |wanted: Part| -> (Vec<String>, Vec<&str>) {
        let of_part: Vec<&(Part, &str, Vec<String>)> =
            parts.iter().filter(|(part, ..)| *part == wanted).collect();
        if Some(wanted) == value_part {
            let mut values = Vec::new();
            let mut columns = Vec::new();
            for (_, column, pieces) in of_part {
                for piece in pieces {
                    values.push(piece.clone());
                    columns.push(*column);
                }
            }
            return (values, columns);
        }
        let count = of_part
            .iter()
            .map(|(_, _, pieces)| pieces.len())
            .max()
            .unwrap_or(0);
        // sync-core keeps addresses on one line: street lines are joined with a comma.
        let joiner = if wanted == Part::Street { ", " } else { " " };
        let mut values = Vec::new();
        let mut columns = Vec::new();
        for index in 0..count {
            let mut pieces = Vec::new();
            let mut column = "";
            for (_, from, cell) in &of_part {
                if let Some(piece) = cell.get(index).filter(|piece| !piece.is_empty()) {
                    pieces.push(piece.as_str());
                    if column.is_empty() {
                        column = from;
                    }
                }
            }
            values.push(pieces.join(joiner));
            columns.push(column);
        }
        (values, columns)
    };
    let all: Vec<(Part, Vec<String>, Vec<&str>)> = list
        .parts()
        .iter()
        .map(|part| {
            let (values, columns) = columns_of(*part);
            (*part, values, columns)
        })
        .collect();
    let count = all
        .iter()
        .filter(|(part, ..)| *part != Part::Label)
        .map(|(_, values, _)| values.len())
        .max()
        .unwrap_or(0);
    let get = |wanted: Part, index: usize| -> (String, &str) {
        let Some((_, values, columns)) = all.iter().find(|(part, ..)| *part == wanted) else {
            return (String::new(), "");
        };
        // One label for several values applies to each (Google: `Mobile` with `a ::: b`).
        let index = if wanted == Part::Label && values.len() == 1 {
            0
        } else {
            index
        };
        (
            values.get(index).cloned().unwrap_or_default(),
            columns.get(index).copied().unwrap_or(""),
        )
    };
    let slot_label = match slot {
        Slot::Label(label) => label.clone(),
        Slot::Index(_) => String::new(),
    };
    for index in 0..count {
        let (label_text, _) = get(Part::Label, index);
        let label = if label_text.is_empty() {
            slot_label.clone()
        } else {
            normalize_label(&label_text)
        };
        let main = value_part.unwrap_or(Part::Street);
        let (value, mut column) = get(main, index);
        if column.is_empty() {
            column = all
                .iter()
                .filter_map(|(_, _, columns)| columns.get(index).copied())
                .find(|column| !column.is_empty())
                .unwrap_or("");
        }
        match list {
            ListKind::Phone if !value.is_empty() => builder.phone(column, &label, &value),
            ListKind::Email if !value.is_empty() => builder.email(column, &label, &value),
            ListKind::Url if !value.is_empty() => builder.url(column, &label, &value),
            ListKind::Date if !value.is_empty() => builder.date(column, &label, &value),
            ListKind::Social if !value.is_empty() => builder.social(column, &label, &value),
            ListKind::Address => {
                let (city, _) = get(Part::City, index);
                let (region, _) = get(Part::Region, index);
                let (postal, _) = get(Part::PostalCode, index);
                let (country, country_column) = get(Part::Country, index);
                if [&value, &city, &region, &postal, &country]
                    .iter()
                    .all(|v| v.is_empty())
                {
                    continue;
                }
                builder.address(
                    column,
                    &label,
                    &value,
                    &city,
                    &region,
                    &postal,
                    (country_column, &country),
                );
            }
            ListKind::Organization => {
                let (department, _) = get(Part::Department, index);
                let (title, _) = get(Part::Title, index);
                if value.is_empty() && department.is_empty() && title.is_empty() {
                    continue;
                }
                builder.organization(column, &value, &department, &title);
            }
            _ => {}
        }
    }
}

impl Record {
    /// Each non-empty cell's target and text (for a preview's `values`), in column order.
    pub fn mapped_values(&self, mapping: &Mapping) -> Vec<(Target, String)> {
        let cells = self
            .cells
            .iter()
            .enumerate()
            .map(|(index, cell)| (mapping.target_at(index).clone(), cell.clone()));
        let fields = self.fields.iter().map(|(key, value)| {
            let target = mapping
                .target_of(key)
                .cloned()
                .unwrap_or_else(|| suggest_column(Layout::Rolo, key));
            (target, value.clone())
        });
        cells
            .chain(fields)
            .filter(|(target, value)| *target != Target::Ignore && !value.trim().is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::split_name;

    #[test]
    fn a_full_name_splits_in_the_order_its_script_writes_names() {
        let split = |name: &str, region: Option<&str>| {
            let (given, family) = split_name(name, region);
            (given, family)
        };
        let owned = |given: &str, family: &str| (given.to_string(), family.to_string());
        assert_eq!(split("Ken Sato", None), owned("Ken", "Sato"));
        assert_eq!(split("Mary Ann Lee", None), owned("Mary Ann", "Lee"));
        assert_eq!(split("Sato, Ken", None), owned("Ken", "Sato"));
        assert_eq!(
            split("山田 太郎", Some("JP")),
            owned("太郎", "山田"),
            "family first"
        );
        assert_eq!(split("김 민준", None), owned("민준", "김"));
        assert_eq!(split("王小明", Some("CN")), owned("小明", "王"));
        assert_eq!(
            split("山田太郎", Some("JP")),
            owned("山田太郎", ""),
            "Japan: left whole"
        );
        assert_eq!(split("Ana", None), owned("Ana", ""));
    }
}
