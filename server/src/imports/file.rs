//! An import's file: stored from the upload's stream, opened with `interchange`, described
//! (what was detected, how many records) and read again for the preview, the job and the
//! error file. Everything here blocks (files, parsing): callers run it with `spawn_blocking`.

use std::collections::HashMap;
use std::io::BufReader;
use std::path::Path;

use interchange::{Format, Mapping, ReadOptions, Reader};

use super::ImportError;
use crate::store::imports::ImportRecord;

/// The format an import's file is stored and read back in: a mailbox's rows are a CSV in our
/// own layout.
pub const MAILBOX_FORMAT: &str = "mailbox";

/// What opening a file found.
#[derive(Debug, Clone)]
pub struct Described {
    /// The format read.
    pub format: Format,
    /// The text encoding (its WHATWG name).
    pub encoding: String,
    /// The layout recognised.
    pub layout: String,
    /// The headers.
    pub columns: Vec<String>,
    /// The mapping found automatically.
    pub mapping: Mapping,
    /// Records in the file, readable or not.
    pub total: u64,
}

/// The reading options a stored import is opened with: what was detected at upload, so every
/// later read sees the file the preview showed.
pub fn options_of(record: &ImportRecord) -> ReadOptions {
    let format = match record.format.as_str() {
        MAILBOX_FORMAT => Some(Format::Csv),
        other => other.parse().ok(),
    };
    ReadOptions {
        format,
        encoding: interchange::encoding_rs::Encoding::for_label(record.encoding.as_bytes()),
    }
}

/// Open the file at `path`.
pub fn open(path: &Path, options: &ReadOptions, file_name: &str) -> Result<Reader, ImportError> {
    let file = std::fs::File::open(path)?;
    Reader::open(
        Box::new(BufReader::with_capacity(64 * 1024, file)),
        options,
        Some(file_name),
    )
    .map_err(|error| ImportError::Unreadable(error.to_string()))
}

/// Open and describe the file at `path`, counting its records (one pass, bounded memory).
pub fn describe(
    path: &Path,
    options: &ReadOptions,
    file_name: &str,
) -> Result<Described, ImportError> {
    let mut reader = open(path, options, file_name)?;
    let format = reader.format();
    let encoding = reader.encoding().name().to_string();
    let layout = reader.layout().as_str().to_string();
    let columns = reader.columns().to_vec();
    let mapping = reader.suggested_mapping();
    let mut total = 0;
    while reader.next_record().is_some() {
        total += 1;
    }
    Ok(Described {
        format,
        encoding,
        layout,
        columns,
        mapping,
        total,
    })
}

/// Up to `count` non-empty sample values of each column, from the first records.
pub fn samples(
    path: &Path,
    record: &ImportRecord,
    count: usize,
) -> Result<Vec<Vec<String>>, ImportError> {
    let mut reader = open(path, &options_of(record), &record.file_name)?;
    let mut samples = vec![Vec::new(); record.columns.len()];
    for _ in 0..20 {
        let Some(next) = reader.next_record() else {
            break;
        };
        let Ok(next) = next else { continue };
        for (index, cell) in next.cells.iter().enumerate() {
            if let Some(column) = samples.get_mut(index)
                && column.len() < count
                && !cell.trim().is_empty()
            {
                column.push(cell.clone());
            }
        }
    }
    Ok(samples)
}

/// The error file: the records at the failed lines, in the uploaded format, each with its
/// message in the added `Import error` column.
pub fn error_file(
    path: &Path,
    record: &ImportRecord,
    failures: &[(u64, String)],
) -> Result<(Vec<u8>, Format), ImportError> {
    let mut reader = open(path, &options_of(record), &record.file_name)?;
    let mut writer = reader.error_file_writer();
    let format = writer.format();
    let failed: HashMap<u64, &str> = failures
        .iter()
        .map(|(line, message)| (*line, message.as_str()))
        .collect();
    while let Some(next) = reader.next_record() {
        match next {
            Ok(row) => {
                if let Some(message) = failed.get(&row.line) {
                    writer.add(&row, message);
                }
            }
            Err(error) => {
                if failed.contains_key(&error.line) {
                    writer.add_unreadable(&error);
                }
            }
        }
    }
    Ok((writer.finish(), format))
}
