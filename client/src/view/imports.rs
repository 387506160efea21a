//! How an import is shown by `rolo import`: the mapping found, each previewed row with its
//! problems, the progress bar, and the closing counts.

use serde_json::Value;

use crate::api::imports::{Duplicates, Import, ImportRow};

/// The mapping as lines: `  COLUMN  -> TARGET  sample, sample` under a heading naming what
/// was detected. A vCard file has no columns and says so.
pub fn mapping_lines(import: &Import) -> Vec<String> {
    let mut detected = vec![import.format.clone()];
    detected.extend(import.encoding.clone());
    if let Some(layout) = &import.layout {
        detected.push(format!("layout {layout}"));
    }
    let mut lines = vec![format!(
        "{} ({}), {} rows",
        import.file_name.as_deref().unwrap_or("mailbox"),
        detected.join(", "),
        import.total
    )];
    if import.columns.is_empty() {
        lines.push("  no columns: each record is read whole".into());
        return lines;
    }
    lines.push("mapping:".into());
    let column_width = import
        .columns
        .iter()
        .map(|c| c.column.chars().count())
        .max()
        .unwrap_or(0)
        .min(32);
    let target_width = import
        .columns
        .iter()
        .map(|c| c.target.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    for column in &import.columns {
        // One line per column: a sample's line breaks and tabs become spaces.
        let samples: Vec<String> = column
            .samples
            .iter()
            .filter(|s| !s.trim().is_empty())
            .take(2)
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        let line = format!(
            "  {:<column_width$}  -> {:<target_width$}  {}",
            column.column,
            column.target,
            samples.join(", ")
        );
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Whether a previewed row would be saved: chosen, without a problem, and not a duplicate
/// about to be skipped.
pub fn would_import(row: &ImportRow, duplicates: Duplicates) -> bool {
    row.importable() && !(row.duplicate_of.is_some() && duplicates == Duplicates::Skip)
}

/// A previewed row: `line N  target=value …` with what happens to it, then one indented line
/// per problem.
pub fn row_lines(row: &ImportRow, import: &Import) -> Vec<String> {
    let mut line = format!("line {}", row.line);
    if !row.selected {
        line.push_str(" (not selected)");
    }
    if let Some(existing) = &row.duplicate_of {
        let short: String = existing.chars().take(8).collect();
        let what = match import.options.duplicates {
            Duplicates::Merge => "merged into",
            Duplicates::Skip => "skipped: already",
            Duplicates::Replace => "replaces",
        };
        line.push_str(&format!(" ({what} {short})"));
    }
    for (target, value) in ordered_values(row, import) {
        line.push_str(&format!("  {target}={}", text(value)));
    }
    let mut lines = vec![line];
    for problem in &row.problems {
        let column = problem
            .column
            .as_ref()
            .map(|c| format!(" (column {c:?})"))
            .unwrap_or_default();
        lines.push(format!(
            "  ! {}{column}: {} [{}]",
            problem.field,
            problem_text(&problem.field, &problem.message),
            problem.code
        ));
    }
    lines
}

/// A problem's message without the field it already names in front (`phones[0].e164: …`).
pub fn problem_text<'a>(field: &str, message: &'a str) -> &'a str {
    message
        .strip_prefix(field)
        .and_then(|rest| rest.strip_prefix(": "))
        .unwrap_or(message)
}

/// The row's values in the order of the mapping's columns, then any others by key.
fn ordered_values<'a>(row: &'a ImportRow, import: &Import) -> Vec<(&'a str, &'a Value)> {
    let position = |target: &str| {
        import
            .columns
            .iter()
            .position(|c| c.target == target)
            .unwrap_or(usize::MAX)
    };
    let mut values: Vec<(&str, &Value)> = row
        .values
        .iter()
        .map(|(target, value)| (target.as_str(), value))
        .filter(|(_, value)| !is_empty(value))
        .collect();
    // Stable: keys with the same position keep the map's (alphabetical) order.
    values.sort_by_key(|(target, _)| position(target));
    values
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.iter().all(is_empty),
        _ => false,
    }
}

/// A value as text: a string as it is (quoted when it holds a space), a list joined by `; `.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) if s.contains(char::is_whitespace) => format!("{s:?}"),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let joined: Vec<String> = items
                .iter()
                .filter(|v| !is_empty(v))
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            format!("{:?}", joined.join("; "))
        }
        other => other.to_string(),
    }
}

/// The counts of a finished import, besides the closing line.
pub fn outcome_line(import: &Import) -> String {
    format!(
        "created {}, merged {}, replaced {}, skipped {}, failed {}",
        import.imported, import.merged, import.replaced, import.skipped, import.failed
    )
}

/// The closing line of an import: `imported N of M`, N the rows saved (created, merged or
/// replaced), M the rows of the file.
pub fn imported_line(import: &Import) -> String {
    format!("imported {} of {}", import.saved(), import.total)
}

/// A progress bar `width` cells wide: `[#####-----]  512/1000 rows  51%`.
pub fn progress_bar(label: &str, done: u64, total: u64, unit: &str, width: usize) -> String {
    let fraction = if total == 0 {
        0.0
    } else {
        (done.min(total) as f64) / (total as f64)
    };
    let filled = ((fraction * width as f64).round() as usize).min(width);
    format!(
        "{label} [{}{}] {done}/{total} {unit} {:>3}%",
        "#".repeat(filled),
        "-".repeat(width - filled),
        (fraction * 100.0).floor() as u64
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::imports::{ImportColumn, ImportId, ImportOptions, ImportState, RowProblem};
    use serde_json::json;

    fn import() -> Import {
        Import {
            id: ImportId("i1".into()),
            file_name: Some("people.csv".into()),
            format: "csv".into(),
            encoding: Some("UTF-8".into()),
            layout: Some("rolo".into()),
            state: ImportState::Preview,
            columns: vec![
                ImportColumn {
                    column: "Given name".into(),
                    target: "given".into(),
                    samples: vec!["Aiko".into(), "".into(), "Bo\nChie".into()],
                },
                ImportColumn {
                    column: "Mobile".into(),
                    target: "phone:mobile".into(),
                    samples: vec![],
                },
                ImportColumn {
                    column: "Family name".into(),
                    target: "family".into(),
                    samples: vec!["Sato".into()],
                },
            ],
            targets: vec![],
            options: ImportOptions::default(),
            total: 3,
            done: 0,
            imported: 2,
            merged: 1,
            replaced: 0,
            skipped: 0,
            failed: 1,
            error: None,
        }
    }

    #[test]
    fn the_mapping_lists_each_column_with_its_target_and_two_samples() {
        let lines = mapping_lines(&import());
        assert_eq!(lines[0], "people.csv (csv, UTF-8, layout rolo), 3 rows");
        assert_eq!(lines[2], "  Given name   -> given         Aiko, Bo Chie");
        assert_eq!(lines[3], "  Mobile       -> phone:mobile");
    }

    #[test]
    fn a_row_shows_its_values_in_column_order_and_each_problem_on_its_own_line() {
        let row = ImportRow {
            line: 3,
            selected: true,
            values: [
                ("family".to_string(), json!("Sato")),
                ("given".to_string(), json!("Aiko Mei")),
                ("phone:mobile".to_string(), json!("12")),
                ("notes".to_string(), json!(["Met at the fair", ""])),
            ]
            .into_iter()
            .collect(),
            problems: vec![RowProblem {
                column: Some("Mobile".into()),
                field: "phones[0].e164".into(),
                code: "phone_not_e164".into(),
                message: "phones[0].e164: 12 is not a phone number".into(),
            }],
            duplicate_of: None,
        };
        let lines = row_lines(&row, &import());
        assert_eq!(
            lines,
            [
                "line 3  given=\"Aiko Mei\"  phone:mobile=12  family=Sato  notes=\"Met at the fair\"",
                "  ! phones[0].e164 (column \"Mobile\"): 12 is not a phone number [phone_not_e164]",
            ]
        );
        assert!(!would_import(&row, Duplicates::Merge));
    }

    #[test]
    fn a_duplicate_is_not_counted_when_duplicates_are_skipped() {
        let row = ImportRow {
            line: 2,
            selected: true,
            values: Default::default(),
            problems: vec![],
            duplicate_of: Some("0123456789abcdef".into()),
        };
        assert!(would_import(&row, Duplicates::Merge));
        assert!(!would_import(&row, Duplicates::Skip));
        let mut skipping = import();
        skipping.options.duplicates = Duplicates::Skip;
        assert_eq!(
            row_lines(&row, &skipping)[0],
            "line 2 (skipped: already 01234567)"
        );
    }

    #[test]
    fn the_closing_line_counts_merged_and_replaced_rows_as_imported() {
        assert_eq!(imported_line(&import()), "imported 3 of 3");
        assert_eq!(
            outcome_line(&import()),
            "created 2, merged 1, replaced 0, skipped 0, failed 1"
        );
    }

    #[test]
    fn the_bar_fills_in_proportion_and_never_overflows() {
        assert_eq!(
            progress_bar("importing", 5, 10, "rows", 10),
            "importing [#####-----] 5/10 rows  50%"
        );
        assert_eq!(
            progress_bar("importing", 12, 10, "rows", 4),
            "importing [####] 12/10 rows 100%"
        );
        assert_eq!(
            progress_bar("importing", 0, 0, "rows", 4),
            "importing [----] 0/0 rows   0%"
        );
    }
}
