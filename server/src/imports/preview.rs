//! The preview: rows of a file read as the job would read them, with every problem and the
//! contact each would merge into. Nothing is saved.

use std::path::Path;

use interchange::Mapping;
use serde::Serialize;
use sync_core::ids::ContactId;

use super::matching::{Keys, MatchIndex};
use super::{ImportError, ImportOptions, file};
use crate::store::imports::ImportRecord;

/// One row as the preview shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PreviewRow {
    /// The record's line (row, card number).
    pub line: u64,
    /// Whether the options select it.
    pub selected: bool,
    /// Each mapped cell's text by target key (`phone:mobile` → `090-…`).
    #[schema(value_type = Object)]
    pub values: std::collections::BTreeMap<String, String>,
    /// Every problem found, per field.
    #[schema(value_type = Vec<Object>)]
    pub problems: Vec<interchange::Problem>,
    /// The visible contact it duplicates, if any.
    #[schema(value_type = Option<String>)]
    pub duplicate_of: Option<String>,
}

/// How rows are read for a preview: what the job would read them with.
pub struct Reading<'a> {
    /// The mapping.
    pub mapping: &'a Mapping,
    /// The options (which lines are selected).
    pub options: &'a ImportOptions,
    /// The default phone region.
    pub region: &'a str,
    /// The contacts the member sees, for `duplicate_of`.
    pub index: &'a MatchIndex,
}

/// Rows `offset..offset + limit` of the file, read as `reading` says.
pub fn rows(
    path: &Path,
    record: &ImportRecord,
    reading: &Reading<'_>,
    offset: u64,
    limit: usize,
) -> Result<Vec<PreviewRow>, ImportError> {
    let Reading {
        mapping,
        options,
        region,
        index,
    } = *reading;
    let mut reader = file::open(path, &file::options_of(record), &record.file_name)?;
    let mut rows = Vec::new();
    let mut ordinal = 0u64;
    while let Some(next) = reader.next_record() {
        ordinal += 1;
        if ordinal <= offset {
            continue;
        }
        if rows.len() >= limit {
            break;
        }
        let row = match next {
            Err(error) => PreviewRow {
                line: error.line,
                selected: options.selects(error.line),
                values: Default::default(),
                problems: vec![interchange::Problem {
                    column: None,
                    field: String::new(),
                    code: "unreadable_line".into(),
                    message: error.message,
                }],
                duplicate_of: None,
            },
            Ok(record) => {
                let parsed = interchange::parse_record(&record, mapping, region);
                let mut values = std::collections::BTreeMap::new();
                for (target, text) in record.mapped_values(mapping) {
                    values
                        .entry(target.to_string())
                        .and_modify(|joined: &mut String| {
                            joined.push_str(interchange::VALUE_SEPARATOR);
                            joined.push_str(&text);
                        })
                        .or_insert(text);
                }
                let duplicate_of = index
                    .find(&Keys::of(&parsed.contact))
                    .map(|id: ContactId| id.to_string());
                PreviewRow {
                    line: parsed.line,
                    selected: options.selects(parsed.line),
                    values,
                    problems: parsed.problems,
                    duplicate_of,
                }
            }
        };
        rows.push(row);
    }
    Ok(rows)
}
