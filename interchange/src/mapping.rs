//! Column mappings: which target each column goes to, found from the layout and the headers,
//! and changed by the user.

use serde::{Deserialize, Serialize};

use crate::target::Target;

/// One column and what it becomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    /// The column's header as the file has it.
    pub column: String,
    /// What the column becomes.
    pub target: Target,
}

/// Column -> target, one entry per column in the file's order. Serialised as
/// `[{"column": "Mobile Phone", "target": "phone:mobile"}, …]`.
///
/// Entries are matched to a record's cells by position; a user's override names the column
/// by header ([`Mapping::set`]), and a header that occurs twice is set at both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Mapping {
    /// The entries, in column order.
    pub columns: Vec<ColumnMapping>,
}

impl Mapping {
    /// A mapping of these columns to these targets.
    pub fn new(columns: impl IntoIterator<Item = (String, Target)>) -> Mapping {
        Mapping {
            columns: columns
                .into_iter()
                .map(|(column, target)| ColumnMapping { column, target })
                .collect(),
        }
    }

    /// The target of the column at `index` (`ignore` past the end).
    pub fn target_at(&self, index: usize) -> &Target {
        self.columns
            .get(index)
            .map(|entry| &entry.target)
            .unwrap_or(&Target::Ignore)
    }

    /// The target of the first column with this header (case-insensitive).
    pub fn target_of(&self, column: &str) -> Option<&Target> {
        self.columns
            .iter()
            .find(|entry| entry.column.trim().eq_ignore_ascii_case(column.trim()))
            .map(|entry| &entry.target)
    }

    /// Maps every column with this header (case-insensitive, spaces trimmed) to `target`;
    /// false when no column has it.
    pub fn set(&mut self, column: &str, target: Target) -> bool {
        let mut found = false;
        for entry in &mut self.columns {
            if entry.column.trim().eq_ignore_ascii_case(column.trim()) {
                entry.target = target.clone();
                found = true;
            }
        }
        found
    }

    /// Applies a user's changes over this mapping: each entry of `changes` sets the columns
    /// with its header; headers the file does not have are returned.
    pub fn apply(&mut self, changes: &Mapping) -> Vec<String> {
        changes
            .columns
            .iter()
            .filter(|change| !self.set(&change.column, change.target.clone()))
            .map(|change| change.column.clone())
            .collect()
    }

    /// Every column sent to `note_line` becomes `company_field` or `ignore` instead (the
    /// "unknown columns go to …" choice of the import screen).
    pub fn redirect_unknown(&mut self, to: Target) {
        for entry in &mut self.columns {
            if entry.target == Target::NoteLine {
                entry.target = to.clone();
            }
        }
    }
}
