//! Bulk import and export of contacts (issue 18): a file (or a mailbox's correspondents)
//! becomes contacts through a job, and contacts become a file.
//!
//! **The file is read three times, never held.** An upload streams to a file in the import
//! folder (`Config::import_dir`), named by the import's id; the `interchange` crate opens it
//! to say what it is (format, encoding, layout, the suggested mapping) and to count its
//! records. The preview reads it again for the rows asked for, and the job reads it once more,
//! a batch at a time ([`job`]). Only one batch is ever in memory, so a 100,000-row file costs
//! what a few hundred rows do.
//!
//! **A job survives a restart.** After every batch the import's row records how far it got
//! (`position`) with its counts and failed rows. At start-up, and when a node sharing the
//! database dies, [`runner`] goes on from there, one node per import. What a batch committed before the cut is not made twice: a row's contact has an id
//! and an Automerge actor derived from the import and the row's line, and its first change
//! carries the import's start time, so the change made again is byte for byte the one stored
//! and the store answers it as already stored ([`derived_id`]).
//!
//! **Only what the member may see.** Duplicates are looked for among the contacts the
//! importing member sees ([`matching`]), exports hold only what the caller sees
//! ([`export`]), and an import is its uploader's alone.
//!
//! ```
//! use server::imports::{Duplicates, ImportOptions};
//! let options: ImportOptions = serde_json::from_str(r#"{"duplicates": "skip"}"#).unwrap();
//! assert_eq!(options.duplicates, Duplicates::Skip);
//! assert!(options.selects(7), "no line list: every row");
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sync_core::ids::ContactId;
use sync_core::wire::Visibility;

use crate::store::imports::ImportId;

pub mod export;
pub mod file;
pub mod job;
pub mod mailbox;
pub mod matching;
pub mod preview;
pub mod runner;

/// What to do with a row that duplicates a contact the member sees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Duplicates {
    /// Fill only the existing contact's empty fields, add the list items it lacks.
    #[default]
    Merge,
    /// Leave the existing contact as it is; the row counts as skipped.
    Skip,
    /// The existing contact's fields become the row's (lists replaced).
    Replace,
}

/// Who may see the contacts an import creates, as `PUT /v1/contacts/{id}/visibility` takes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VisibilityOption {
    /// Everyone in the company (the lists are then ignored).
    pub all: bool,
    /// Members, by id.
    #[serde(default)]
    pub members: Vec<String>,
    /// Groups, by id.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Org units, by id.
    #[serde(default)]
    pub units: Vec<String>,
}

impl VisibilityOption {
    /// The visibility, its ids read; `Err` names the list and the bad id.
    pub fn read(&self) -> Result<Visibility, String> {
        if self.all {
            return Ok(Visibility::All);
        }
        fn ids<T: std::str::FromStr>(list: &str, texts: &[String]) -> Result<Vec<T>, String> {
            texts
                .iter()
                .enumerate()
                .map(|(index, text)| {
                    text.trim()
                        .parse()
                        .map_err(|_| format!("{list}[{index}]: {text:?} is not an id"))
                })
                .collect()
        }
        Ok(Visibility::Members {
            members: ids("members", &self.members)?,
            groups: ids("groups", &self.groups)?,
            units: ids("units", &self.units)?,
        })
    }
}

/// What the member chose for an import, stored as JSON with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ImportOptions {
    /// What to do with duplicates.
    pub duplicates: Duplicates,
    /// Tags added to every contact the import creates or changes.
    pub tags: Vec<String>,
    /// Who may see the contacts it creates (`None`: everyone).
    pub visibility: Option<VisibilityOption>,
    /// The lines to import (`None`: every row); the others count as skipped.
    pub lines: Option<Vec<u64>>,
    /// The default phone region (ISO 3166-1 alpha-2); empty: the company's.
    pub region: String,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            duplicates: Duplicates::Merge,
            tags: Vec::new(),
            visibility: None,
            lines: None,
            region: String::new(),
        }
    }
}

impl ImportOptions {
    /// Whether the row at `line` is to be imported.
    pub fn selects(&self, line: u64) -> bool {
        self.lines
            .as_ref()
            .is_none_or(|lines| lines.binary_search(&line).is_ok())
    }

    /// The options as stored: lines sorted, tags trimmed, without duplicates.
    pub fn normalized(mut self) -> Self {
        if let Some(lines) = &mut self.lines {
            lines.sort_unstable();
            lines.dedup();
        }
        self.tags = self
            .tags
            .iter()
            .map(|tag| tag.trim().to_string())
            .filter(|tag| !tag.is_empty())
            .collect();
        self.tags.sort();
        self.tags.dedup();
        self.region = self.region.trim().to_ascii_uppercase();
        self
    }
}

/// Where an import's file is kept.
pub fn file_path(folder: &Path, id: ImportId) -> PathBuf {
    folder.join(format!("{id}.upload"))
}

/// The contact (and Automerge actor) a row of an import becomes: the same for the same import
/// and line, so a batch made again after a restart is recognised as already stored.
///
/// Ten bytes from the import, then the line: an import's contacts sort by line, so its rows
/// land at one end of every index keyed by contact (documents, changes, feed, projection)
/// instead of all over them. With ids scattered by a hash, each batch rewrote pages across
/// the whole of those indexes, and the import slowed as the company grew.
pub fn derived_id(import: ImportId, line: u64) -> [u8; 16] {
    let mut hash = Sha256::new();
    hash.update(b"rolo import row\0");
    hash.update(import.as_bytes());
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes[..10].copy_from_slice(&digest[..10]);
    // Lines beyond 2^48 do not occur (a file of that many rows is refused long before).
    bytes[10..].copy_from_slice(&line.to_be_bytes()[2..]);
    bytes
}

/// The contact id of a row (see [`derived_id`]).
pub fn row_contact(import: ImportId, line: u64) -> ContactId {
    ContactId::from_bytes(derived_id(import, line))
}

/// Why an import operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// No such import of the caller's.
    #[error("import {0} not found")]
    NotFound(ImportId),
    /// The import's uploaded file was deleted after its keeping (`Config::import_keep`).
    #[error("the file of import {0} was deleted after the days it is kept for; upload it again")]
    FileDeleted(ImportId),
    /// The import left `preview`: its mapping and options are settled.
    #[error("import {0} has started; its mapping and options can no longer change")]
    Started(ImportId),
    /// A value of the request cannot be used; `field` names it.
    #[error("{field}: {message}")]
    BadInput {
        /// The request's field.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The upload is larger than `ROLO_IMPORT_MAX_MB`.
    #[error("the file is larger than {max_bytes} bytes")]
    TooLarge {
        /// The limit.
        max_bytes: u64,
    },
    /// No reader can open the file.
    #[error("the file cannot be read: {0}")]
    Unreadable(String),
    /// The mailbox could not be read (its code and message are the `mailbox` crate's).
    #[error("{0}")]
    Mailbox(#[from] ::mailbox::MailboxError),
    /// Writing an export failed.
    #[error("the export could not be written: {0}")]
    Export(String),
    /// The import folder failed.
    #[error("the import folder failed: {0}")]
    Io(#[from] std::io::Error),
    /// A blocking task of the server failed.
    #[error("an import task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A contact operation failed.
    #[error(transparent)]
    Contacts(#[from] crate::contacts::ContactsError),
}

impl ImportError {
    /// A field of the request that cannot be used.
    pub fn bad(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_becomes_the_same_contact_every_time_and_another_row_another() {
        let import = ImportId::random();
        assert_eq!(row_contact(import, 7), row_contact(import, 7));
        assert_ne!(row_contact(import, 7), row_contact(import, 8));
        assert_ne!(row_contact(import, 7), row_contact(ImportId::random(), 7));
    }

    #[test]
    fn options_keep_lines_sorted_and_tags_clean() {
        let options = ImportOptions {
            lines: Some(vec![9, 2, 2, 5]),
            tags: vec![" fair ".into(), "".into(), "fair".into()],
            region: "jp".into(),
            ..ImportOptions::default()
        }
        .normalized();
        assert_eq!(options.lines, Some(vec![2, 5, 9]));
        assert_eq!(options.tags, vec!["fair".to_string()]);
        assert!(options.selects(5) && !options.selects(3));
        assert_eq!(options.region, "JP");
    }
}
