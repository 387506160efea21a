//! The JSON an import answers as.

use interchange::Mapping;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::error::ApiError;
use crate::imports::preview::PreviewRow;
use crate::imports::{ImportError, ImportOptions, file, file_path};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::imports::ImportRecord;

/// Sample values shown per column.
const SAMPLES: usize = 3;

/// A column of the file and where it goes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ColumnView {
    /// The header.
    pub column: String,
    /// The target key (`phone:mobile`, `ignore`).
    pub target: String,
    /// Up to three values from the first rows (empty in lists).
    pub samples: Vec<String>,
}

/// A target a column may go to.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetView {
    /// The stable key.
    pub key: String,
    /// For a person.
    pub label: String,
}

/// An import (docs/protocol.md 20.5).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportView {
    /// Its id.
    pub id: String,
    /// The file's name as uploaded.
    pub file_name: String,
    /// `csv`, `xlsx`, `xls`, `txt`, `vcard` or `mailbox`.
    pub format: String,
    /// The text encoding read.
    pub encoding: String,
    /// The layout recognised.
    pub layout: String,
    /// `preview`, `running`, `done`, `failed` or `cancelled`.
    pub state: String,
    /// The columns and their targets.
    pub columns: Vec<ColumnView>,
    /// Every target, for a dropdown.
    pub targets: Vec<TargetView>,
    /// The options chosen.
    pub options: ImportOptions,
    /// Records in the file.
    pub total: u64,
    /// Records settled.
    pub done: u64,
    /// New contacts.
    pub imported: u64,
    /// Duplicates merged.
    pub merged: u64,
    /// Duplicates replaced.
    pub replaced: u64,
    /// Rows skipped (duplicates with `skip`, rows not selected).
    pub skipped: u64,
    /// Rows that failed (see `/errors`).
    pub failed: u64,
    /// Why the import failed as a whole.
    pub error: Option<String>,
    /// When it was uploaded (ms since the Unix epoch).
    pub created_ms: i64,
    /// When it ended.
    pub finished_ms: Option<i64>,
    /// When its uploaded file was deleted, some days after it ended (`ROLO_IMPORT_KEEP_DAYS`):
    /// from then on there is no error file and no preview.
    pub file_deleted_ms: Option<i64>,
}

/// The caller's imports.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportList {
    /// Newest first.
    pub imports: Vec<ImportView>,
}

/// A page of preview rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowsView {
    /// The rows.
    pub rows: Vec<PreviewRow>,
    /// Records in the file.
    pub total: u64,
}

/// An import's stored mapping.
pub fn mapping_of(record: &ImportRecord) -> Result<Mapping, ApiError> {
    serde_json::from_str(&record.mapping).map_err(|error| {
        StoreError::Corrupt(format!("import {} mapping: {error}", record.id)).into()
    })
}

/// An import's stored options.
pub fn options_of(record: &ImportRecord) -> Result<ImportOptions, ApiError> {
    serde_json::from_str(&record.options).map_err(|error| {
        StoreError::Corrupt(format!("import {} options: {error}", record.id)).into()
    })
}

/// The import as JSON; `samples` reads the first rows of its file for each column's values.
pub async fn view(
    state: &AppState,
    record: &ImportRecord,
    samples: bool,
) -> Result<ImportView, ApiError> {
    let mapping = mapping_of(record)?;
    let options = options_of(record)?;
    let mut values = vec![Vec::new(); record.columns.len()];
    let path = file_path(&state.config.import_dir, record.id);
    if samples && path.exists() {
        let record = record.clone();
        values = tokio::task::spawn_blocking(move || file::samples(&path, &record, SAMPLES))
            .await
            .map_err(ImportError::from)??;
    }
    let columns = mapping
        .columns
        .iter()
        .enumerate()
        .map(|(index, entry)| ColumnView {
            column: entry.column.clone(),
            target: entry.target.to_string(),
            samples: values.get(index).cloned().unwrap_or_default(),
        })
        .collect();
    let counts = record.counts;
    Ok(ImportView {
        id: record.id.to_string(),
        file_name: record.file_name.clone(),
        format: record.format.clone(),
        encoding: record.encoding.clone(),
        layout: record.layout.clone(),
        state: record.state.as_str().to_string(),
        columns,
        targets: interchange::targets()
            .into_iter()
            .map(|(key, label)| TargetView { key, label })
            .collect(),
        options,
        total: counts.total,
        done: counts.done,
        imported: counts.imported,
        merged: counts.merged,
        replaced: counts.replaced,
        skipped: counts.skipped,
        failed: counts.failed,
        error: record.error.clone(),
        created_ms: record.created_ms,
        finished_ms: record.finished_ms,
        file_deleted_ms: record.file_deleted_ms,
    })
}
