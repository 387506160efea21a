//! Rolo's plain-text format: one contact per block of `Field: value` lines, blocks separated
//! by an empty line, readable and writable by hand.
//!
//! ```text
//! # Lines starting with # between blocks are comments.
//! Given name: Aiko
//! Family name: Sato
//! Organization 1 company: Yamada Trading
//! Phone 1 label: mobile
//! Phone 1 number: +81 90-1234-5678
//! Notes: Met at the Osaka fair.
//!   A value continues on lines indented by two spaces;
//!   a line of just two spaces is an empty line of the value.
//! ```
//!
//! Field names are Rolo's column headers (see [`crate::columns`]); any header the generic
//! matcher knows works too (`Email`, `Mobile`, `Company`), and a field may repeat (two
//! `Email:` lines are two emails). Unknown field names go to the notes as `Field: value`.
//! A block's line number is its first line's.

use std::io::BufRead;

use crate::error::RecordError;
use crate::record::Record;

/// Longest line read; a longer one is cut there (and reported by the field rules as too
/// long).
const MAX_LINE_BYTES: u64 = 256 * 1024;

/// Most lines in one block.
const MAX_BLOCK_LINES: usize = 10_000;

/// Reads blocks one at a time from decoded text.
pub struct TextReader<R> {
    /// The decoded text.
    input: R,
    /// The number of the last line read.
    line: u64,
    /// The input ended or failed.
    done: bool,
}

impl<R: BufRead> TextReader<R> {
    /// Blocks from `input`.
    pub fn new(input: R) -> Self {
        Self {
            input,
            line: 0,
            done: false,
        }
    }

    fn next_line(&mut self) -> Option<String> {
        if self.done {
            return None;
        }
        let mut buffer = Vec::new();
        match std::io::Read::take(&mut self.input, MAX_LINE_BYTES).read_until(b'\n', &mut buffer) {
            Ok(0) | Err(_) => {
                self.done = true;
                None
            }
            Ok(_) => {
                self.line += 1;
                if !buffer.ends_with(b"\n") && buffer.len() as u64 >= MAX_LINE_BYTES {
                    // The rest of an over-long line is skipped a buffer at a time.
                    loop {
                        let mut rest = Vec::new();
                        match std::io::Read::take(&mut self.input, 64 * 1024)
                            .read_until(b'\n', &mut rest)
                        {
                            Ok(0) | Err(_) => break,
                            Ok(_) if rest.ends_with(b"\n") => break,
                            Ok(_) => {}
                        }
                    }
                }
                while buffer
                    .last()
                    .is_some_and(|byte| *byte == b'\n' || *byte == b'\r')
                {
                    buffer.pop();
                }
                Some(String::from_utf8_lossy(&buffer).into_owned())
            }
        }
    }

    /// The next block, or `None` at the end.
    pub fn next_block(&mut self) -> Option<Result<Record, RecordError>> {
        let mut record = Record::default();
        let mut too_long = false;
        while let Some(line) = self.next_line() {
            let is_blank = line.trim().is_empty() && !line.starts_with("  ");
            if record.fields.is_empty() {
                if is_blank || line.starts_with('#') {
                    continue;
                }
                record.line = self.line;
            } else if is_blank {
                break;
            }
            if record.fields.len() >= MAX_BLOCK_LINES {
                too_long = true;
                continue;
            }
            let continued = line.strip_prefix("  ").or_else(|| line.strip_prefix('\t'));
            if let (Some(continued), Some((_, value))) = (continued, record.fields.last_mut()) {
                value.push('\n');
                value.push_str(continued);
                continue;
            }
            match line.split_once(':') {
                Some((key, value)) if !key.trim().is_empty() => record
                    .fields
                    .push((key.trim().to_string(), value.trim().to_string())),
                _ => record.fields.push((String::new(), line)),
            }
        }
        if record.fields.is_empty() {
            return None;
        }
        if too_long {
            return Some(Err(RecordError {
                line: record.line,
                message: format!("the block has more than {MAX_BLOCK_LINES} lines"),
            }));
        }
        Some(Ok(record))
    }
}

/// Appends one block: each non-empty `(field, value)` as `Field: value`, a value's further
/// lines indented by two spaces, then an empty line.
pub fn write_block(out: &mut String, fields: &[(String, String)]) {
    for (key, value) in fields {
        if value.is_empty() {
            continue;
        }
        let mut lines = value.split('\n');
        out.push_str(key);
        out.push_str(": ");
        out.push_str(lines.next().unwrap_or_default().trim_end_matches('\r'));
        out.push('\n');
        for line in lines {
            out.push_str("  ");
            out.push_str(line.trim_end_matches('\r'));
            out.push('\n');
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_with_continued_values_read_back() {
        let mut text = String::from("# contacts\n\n");
        write_block(
            &mut text,
            &[
                ("Given name".into(), "Aiko".into()),
                ("Notes".into(), "one\n\nthree, with a comma".into()),
            ],
        );
        write_block(&mut text, &[("Email".into(), "a@example.com".into())]);
        let mut reader = TextReader::new(text.as_bytes());
        let first = reader.next_block().unwrap().unwrap();
        assert_eq!(first.line, 3);
        assert_eq!(
            first.fields,
            [
                ("Given name".to_string(), "Aiko".to_string()),
                (
                    "Notes".to_string(),
                    "one\n\nthree, with a comma".to_string()
                )
            ]
        );
        let second = reader.next_block().unwrap().unwrap();
        assert_eq!(second.fields[0].1, "a@example.com");
        assert!(reader.next_block().is_none());
    }
}
