//! XLS and XLSX reading through calamine: the first sheet, its header row found as in a CSV
//! (after LinkedIn's `Notes:` preamble), every cell as text.
//!
//! A workbook is a zip (XLSX) or an OLE2 file (XLS) that must be read whole, so it is held in
//! memory up to [`MAX_WORKBOOK_BYTES`]. Damaged workbooks are errors; should calamine panic
//! on one, the panic is caught and becomes an error too.

use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, Range, Reader as _};

use crate::error::{FileError, RecordError};
use crate::format::Format;
use crate::reader::is_preamble_start;
use crate::record::Record;

/// Largest workbook read.
pub const MAX_WORKBOOK_BYTES: u64 = 200 * 1024 * 1024;

/// The rows of the first sheet.
pub struct Rows {
    range: Range<Data>,
    /// Index (within the range) of the next row to hand out.
    next: usize,
    /// The sheet row number of the range's first row (1-based).
    first_row: u64,
    columns: Vec<String>,
}

impl Rows {
    /// Reads the workbook: `head` (already read) then the rest of `input`.
    pub fn open(
        format: Format,
        head: Vec<u8>,
        input: Box<dyn Read + Send>,
    ) -> Result<Rows, FileError> {
        let mut bytes = head;
        input
            .take(MAX_WORKBOOK_BYTES + 1 - bytes.len() as u64)
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_WORKBOOK_BYTES {
            return Err(FileError::TooLarge {
                max_bytes: MAX_WORKBOOK_BYTES,
            });
        }
        let range = first_sheet(format, bytes)?;
        let first_row = range.start().map_or(1, |(row, _)| u64::from(row) + 1);
        let mut rows = Rows {
            range,
            next: 0,
            first_row,
            columns: Vec::new(),
        };
        rows.columns = rows.header()?;
        Ok(rows)
    }

    /// The header row.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    fn header(&mut self) -> Result<Vec<String>, FileError> {
        let mut in_preamble = false;
        let height = self.range.height();
        while self.next < height && self.next < 20 {
            let cells = self.cells(self.next);
            self.next += 1;
            let filled = cells.iter().filter(|cell| !cell.trim().is_empty()).count();
            if filled == 0 {
                continue;
            }
            if cells.first().is_some_and(|first| is_preamble_start(first)) {
                in_preamble = true;
                continue;
            }
            if in_preamble && filled < 2 {
                continue;
            }
            let mut cells: Vec<String> = cells
                .into_iter()
                .map(|cell| cell.trim().to_string())
                .collect();
            while cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            return Ok(cells);
        }
        Err(FileError::NoHeader)
    }

    fn cells(&self, index: usize) -> Vec<String> {
        self.range
            .rows()
            .nth(index)
            .map(|row| row.iter().map(cell_text).collect())
            .unwrap_or_default()
    }

    /// The next non-empty row.
    pub fn next_row(&mut self) -> Option<Result<Record, RecordError>> {
        let mut rows = self.range.rows().skip(self.next);
        loop {
            let row = rows.next()?;
            let index = self.next;
            self.next += 1;
            let mut cells: Vec<String> = row.iter().map(cell_text).collect();
            if cells.iter().all(|cell| cell.trim().is_empty()) {
                continue;
            }
            while cells.len() > self.columns.len() && cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            cells.resize(cells.len().max(self.columns.len()), String::new());
            return Some(Ok(Record {
                line: self.first_row + index as u64,
                cells,
                ..Record::default()
            }));
        }
    }
}

/// The first sheet of a workbook, damaged files (and any panic while reading them) as
/// errors.
fn first_sheet(format: Format, bytes: Vec<u8>) -> Result<Range<Data>, FileError> {
    let failed = |reason: String| FileError::Workbook { format, reason };
    let result = catch_unwind(AssertUnwindSafe(|| -> Result<Range<Data>, FileError> {
        let cursor = Cursor::new(bytes);
        let range: Option<Result<Range<Data>, String>> = if format == Format::Xls {
            let mut workbook = calamine::Xls::new(cursor).map_err(|e| failed(e.to_string()))?;
            workbook
                .worksheet_range_at(0)
                .map(|result| result.map_err(|e| e.to_string()))
        } else {
            let mut workbook = calamine::Xlsx::new(cursor).map_err(|e| failed(e.to_string()))?;
            workbook
                .worksheet_range_at(0)
                .map(|result| result.map_err(|e| e.to_string()))
        };
        match range {
            None => Err(FileError::NoSheet),
            Some(Ok(range)) => Ok(range),
            Some(Err(error)) => Err(failed(error)),
        }
    }));
    match result {
        Ok(result) => result,
        Err(_) => Err(failed("the workbook is damaged".into())),
    }
}

/// A cell as text: numbers without a needless `.0` (phone numbers stored as numbers), dates
/// as ISO `YYYY-MM-DD`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) => text.clone(),
        Data::Int(number) => number.to_string(),
        Data::Float(number) => float_text(*number),
        Data::Bool(flag) => flag.to_string(),
        Data::DateTime(date) => {
            serial_date(date.as_f64()).unwrap_or_else(|| float_text(date.as_f64()))
        }
        Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Error(error) => format!("#{error:?}"),
    }
}

fn float_text(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{number:.0}")
    } else {
        number.to_string()
    }
}

/// An Excel serial day number (days since 1899-12-30) as `YYYY-MM-DD`.
fn serial_date(serial: f64) -> Option<String> {
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64 - 25_569; // days from 1970-01-01
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_days_are_iso_dates() {
        assert_eq!(serial_date(32_970.0).as_deref(), Some("1990-04-07"));
        assert_eq!(serial_date(45_292.0).as_deref(), Some("2024-01-01"));
        assert_eq!(float_text(819_012_345_678.0), "819012345678");
    }

    #[test]
    fn random_zip_bytes_are_an_error_not_a_panic() {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend((0..400u32).map(|i| (i * 31 % 251) as u8));
        assert!(first_sheet(Format::Xlsx, bytes.clone()).is_err());
        assert!(first_sheet(Format::Xls, bytes).is_err());
    }
}
