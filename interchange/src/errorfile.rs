//! The error file: the records that failed, in the uploaded format, each with its problems in
//! an added `Import error` column (vCard: an `X-ROLO-IMPORT-ERROR` property). The reader maps
//! that column to `ignore`, so the file, corrected, uploads again as it is.
//!
//! CSV keeps the upload's encoding, BOM and delimiter; XLS and XLSX uploads get an XLSX; text
//! gets text blocks with an `Import error:` line.

use encoding_rs::{Encoding, UTF_8};

use crate::decode::encode;
use crate::error::RecordError;
use crate::format::Format;
use crate::layout::{IMPORT_ERROR_COLUMN, fold};
use crate::record::Record;
use crate::vcard::write::fold_into;

/// Collects failed records and writes them as an error file.
pub struct ErrorFileWriter {
    format: Format,
    encoding: &'static Encoding,
    bom: bool,
    delimiter: u8,
    /// The upload's columns, with `Import error` last.
    columns: Vec<String>,
    /// Where the upload already had an `Import error` column (a second round), which is
    /// overwritten rather than added again.
    error_column: usize,
    /// Rows (CSV, sheets) with the error last.
    rows: Vec<Vec<String>>,
    /// Text blocks or vCards, already written.
    text: String,
    /// How many records were added.
    count: usize,
}

impl ErrorFileWriter {
    /// A writer for an upload of `format` in `encoding` with these columns.
    pub fn new(format: Format, encoding: &'static Encoding, columns: &[String]) -> ErrorFileWriter {
        let mut columns = columns.to_vec();
        let error_column = match columns
            .iter()
            .position(|column| fold(column) == fold(IMPORT_ERROR_COLUMN))
        {
            Some(index) => index,
            None => {
                columns.push(IMPORT_ERROR_COLUMN.to_string());
                columns.len() - 1
            }
        };
        ErrorFileWriter {
            format,
            encoding,
            bom: encoding == UTF_8,
            delimiter: b',',
            columns,
            error_column,
            rows: Vec::new(),
            text: String::new(),
            count: 0,
        }
    }

    /// Uses this CSV delimiter (the upload's).
    #[must_use]
    pub fn with_delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// Starts the file with a byte order mark (UTF-8 and UTF-16 only).
    #[must_use]
    pub fn with_bom(mut self, bom: bool) -> Self {
        self.bom = bom;
        self
    }

    /// The format the error file is written in (XLSX for XLS uploads).
    pub fn format(&self) -> Format {
        match self.format {
            Format::Xls => Format::Xlsx,
            other => other,
        }
    }

    /// Adds a failed record with its problems (`message`).
    pub fn add(&mut self, record: &Record, message: &str) {
        self.count += 1;
        match self.format {
            Format::Csv | Format::Xlsx | Format::Xls => {
                // Cells past the header (a row that was too long) follow the error cell, so
                // the row's own cells stay under their headers.
                let width = self.columns.len();
                let mut row = record.cells.clone();
                let beyond = if row.len() > self.error_column && self.error_column == width - 1 {
                    row.split_off(self.error_column)
                } else {
                    Vec::new()
                };
                row.resize(row.len().max(width), String::new());
                row[self.error_column] = message.to_string();
                row.extend(beyond);
                self.rows.push(row);
            }
            Format::Text => {
                let mut fields: Vec<(String, String)> = record
                    .fields
                    .iter()
                    .filter(|(key, _)| fold(key) != fold(IMPORT_ERROR_COLUMN))
                    .map(|(key, value)| {
                        if key.is_empty() {
                            // An unreadable line goes back under a name the user can see.
                            ("Unreadable line".to_string(), value.clone())
                        } else {
                            (key.clone(), value.clone())
                        }
                    })
                    .collect();
                fields.push((IMPORT_ERROR_COLUMN.to_string(), message.to_string()));
                crate::text::write_block(&mut self.text, &fields);
            }
            Format::VCard => {
                let Some(card) = &record.card else { return };
                // The reader keeps neither BEGIN nor END among a card's properties.
                fold_into(&mut self.text, "BEGIN:VCARD");
                for property in &card.properties {
                    if property.name != "X-ROLO-IMPORT-ERROR" {
                        fold_into(&mut self.text, &property.line);
                    }
                }
                fold_into(
                    &mut self.text,
                    &format!("X-ROLO-IMPORT-ERROR:{}", crate::vcard::escape(message)),
                );
                fold_into(&mut self.text, "END:VCARD");
            }
        }
    }

    /// Adds a record that could not be read at all: a row holding only the error (vCard and
    /// text: a comment-like entry naming the line).
    pub fn add_unreadable(&mut self, error: &RecordError) {
        let message = error.to_string();
        self.count += 1;
        match self.format {
            Format::Csv | Format::Xlsx | Format::Xls => {
                let mut row = vec![String::new(); self.columns.len()];
                row[self.error_column] = message;
                self.rows.push(row);
            }
            Format::Text => {
                crate::text::write_block(
                    &mut self.text,
                    &[(IMPORT_ERROR_COLUMN.to_string(), message)],
                );
            }
            Format::VCard => {
                fold_into(&mut self.text, "BEGIN:VCARD");
                fold_into(&mut self.text, "VERSION:3.0");
                fold_into(
                    &mut self.text,
                    &format!("X-ROLO-IMPORT-ERROR:{}", crate::vcard::escape(&message)),
                );
                fold_into(&mut self.text, "END:VCARD");
            }
        }
    }

    /// How many records were added.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no record was added.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The error file's bytes.
    pub fn finish(self) -> Vec<u8> {
        match self.format {
            Format::Csv => {
                let mut writer = csv::WriterBuilder::new()
                    .delimiter(self.delimiter)
                    .terminator(csv::Terminator::CRLF)
                    .flexible(true)
                    .from_writer(Vec::new());
                let _ = writer.write_record(&self.columns);
                for row in &self.rows {
                    let _ = writer.write_record(row);
                }
                let utf8 = writer.into_inner().unwrap_or_default();
                let text = String::from_utf8(utf8).unwrap_or_default();
                encode(&text, self.encoding, self.bom)
            }
            Format::Xlsx | Format::Xls => xlsx(&self.columns, &self.rows),
            Format::Text => encode(
                &self.text,
                self.encoding,
                self.bom && self.encoding != UTF_8,
            ),
            Format::VCard => self.text.into_bytes(),
        }
    }
}

/// A workbook of one sheet: the header row, then `rows`, every cell text.
pub(crate) fn xlsx(columns: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, header) in columns.iter().enumerate() {
        let _ = sheet.write_string(0, column as u16, header);
    }
    for (index, row) in rows.iter().enumerate() {
        for (column, value) in row.iter().enumerate() {
            if !value.is_empty() {
                let _ = sheet.write_string(index as u32 + 1, column as u16, value);
            }
        }
    }
    workbook.save_to_buffer().unwrap_or_default()
}
