//! What can go wrong reading a file, as a whole or one record.

/// A file that cannot be read at all (as opposed to a bad record, which is a
/// [`RecordError`] and leaves the rest of the file readable).
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Reading the input failed.
    #[error("reading the file failed: {0}")]
    Io(#[from] std::io::Error),
    /// The workbook could not be opened (not a workbook, damaged, encrypted).
    #[error("the {format} workbook cannot be read: {reason}")]
    Workbook {
        /// `xlsx` or `xls`.
        format: crate::Format,
        /// What the spreadsheet reader said.
        reason: String,
    },
    /// The workbook has no sheet.
    #[error("the workbook has no sheet")]
    NoSheet,
    /// A spreadsheet larger than the reader holds in memory.
    #[error("the workbook is larger than {max_bytes} bytes")]
    TooLarge {
        /// The limit.
        max_bytes: u64,
    },
    /// A table (CSV or sheet) with no header row.
    #[error("the file has no header row")]
    NoHeader,
}

/// A record that could not be read; the reader goes on with the next one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct RecordError {
    /// The 1-based line (CSV, text), row (sheets) or card number (vCard).
    pub line: u64,
    /// What is wrong with it.
    pub message: String,
}
