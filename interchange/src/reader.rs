//! Opening an upload: format and encoding detected (or chosen), the header row found, the
//! layout recognised, and records handed out one at a time.

use std::io::{BufReader, Cursor, Read};

use encoding_rs::{Encoding, UTF_8};

use crate::decode::{DecodeReader, SAMPLE_BYTES, detect_encoding};
use crate::error::{FileError, RecordError};
use crate::format::{Format, detect_format};
use crate::layout::{Layout, detect_layout, suggest};
use crate::mapping::Mapping;
use crate::record::Record;
use crate::sheet;
use crate::text::TextReader;
use crate::vcard::CardReader;

/// The input after detection: the sample read for it, then the rest.
type Input = std::io::Chain<Cursor<Vec<u8>>, Box<dyn Read + Send>>;

/// Decoded text of the input.
type Decoded = BufReader<DecodeReader<Input>>;

/// Options a user chooses; `Default` detects everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// The file's format, when the user chose it.
    pub format: Option<Format>,
    /// The text encoding (CSV, text, vCard), when the user chose it.
    pub encoding: Option<&'static Encoding>,
}

/// Where records come from.
enum Source {
    Csv {
        reader: csv::Reader<Decoded>,
        /// How many cells the header row has.
        width: usize,
        done: bool,
    },
    Sheet(sheet::Rows),
    Text(TextReader<Decoded>),
    VCard(CardReader<Decoded>),
}

/// An opened file: what was detected, the columns, and the records one at a time.
///
/// CSV, text and vCard are read as a stream in bounded memory; an XLS/XLSX workbook is held
/// in memory (up to [`MAX_WORKBOOK_BYTES`](crate::MAX_WORKBOOK_BYTES)).
pub struct Reader {
    format: Format,
    encoding: &'static Encoding,
    /// Whether the text had a byte order mark (an error file copies it).
    bom: bool,
    delimiter: u8,
    layout: Layout,
    columns: Vec<String>,
    source: Source,
}

impl Reader {
    /// Opens `input`, detecting what `options` leaves open. `file_name` helps tell the
    /// format apart (`.txt` is text).
    pub fn open(
        mut input: Box<dyn Read + Send>,
        options: &ReadOptions,
        file_name: Option<&str>,
    ) -> Result<Reader, FileError> {
        let mut head = Vec::with_capacity(SAMPLE_BYTES);
        (&mut input)
            .take(SAMPLE_BYTES as u64)
            .read_to_end(&mut head)?;
        let format = options
            .format
            .unwrap_or_else(|| detect_format(file_name, &head));
        if matches!(format, Format::Xlsx | Format::Xls) {
            let rows = sheet::Rows::open(format, head, input)?;
            let columns = rows.columns().to_vec();
            return Ok(Reader {
                format,
                encoding: UTF_8,
                bom: false,
                delimiter: b',',
                layout: detect_layout(&columns),
                columns,
                source: Source::Sheet(rows),
            });
        }
        let (detected, bom_length) = detect_encoding(&head);
        let encoding = options.encoding.unwrap_or(detected);
        // A BOM is skipped whichever encoding was chosen, when it is that encoding's BOM.
        let skip = match Encoding::for_bom(&head) {
            Some((bom_encoding, length)) if bom_encoding == encoding => length,
            _ => 0,
        };
        let bom = skip > 0 && bom_length > 0;
        let sample_text = encoding
            .decode_without_bom_handling(&head[skip..head.len().min(skip + 8192)])
            .0
            .into_owned();
        head.drain(..skip);
        let chained: Input = Cursor::new(head).chain(input);
        let decoded = BufReader::new(DecodeReader::new(chained, encoding));
        let (layout, columns, delimiter, source) = match format {
            Format::Text => {
                let columns = crate::columns::rolo_columns()
                    .into_iter()
                    .map(|(header, _)| header)
                    .collect();
                (
                    Layout::Rolo,
                    columns,
                    b',',
                    Source::Text(TextReader::new(decoded)),
                )
            }
            Format::VCard => (
                Layout::VCard,
                Vec::new(),
                b',',
                Source::VCard(CardReader::new(decoded)),
            ),
            _ => {
                let delimiter = detect_delimiter(&sample_text);
                let mut csv_reader = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .delimiter(delimiter)
                    .from_reader(decoded);
                let columns = read_header(&mut csv_reader)?;
                let source = Source::Csv {
                    reader: csv_reader,
                    width: columns.len(),
                    done: false,
                };
                (detect_layout(&columns), columns, delimiter, source)
            }
        };
        let reader = Reader {
            format,
            encoding,
            bom,
            delimiter,
            layout,
            columns,
            source,
        };
        Ok(reader)
    }

    /// The file's format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The text encoding (UTF-8 for workbooks).
    pub fn encoding(&self) -> &'static Encoding {
        self.encoding
    }

    /// Whether the text started with a byte order mark.
    pub fn has_bom(&self) -> bool {
        self.bom
    }

    /// The CSV delimiter (`,` `;` or tab; `,` for other formats).
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// Where the file came from, as recognised from its headers.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The header row (text: Rolo's columns; vCard: empty).
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The mapping found from the layout and the headers.
    pub fn suggested_mapping(&self) -> Mapping {
        suggest(self.layout, &self.columns)
    }

    /// An error file writer for this file's format, encoding, BOM, delimiter and columns.
    pub fn error_file_writer(&self) -> crate::ErrorFileWriter {
        crate::ErrorFileWriter::new(self.format, self.encoding, &self.columns)
            .with_delimiter(self.delimiter)
            .with_bom(self.bom || self.encoding != UTF_8)
    }

    /// The next record, or `None` at the end. A malformed record is an `Err` naming its
    /// line, and the reader goes on with the next (one bad row never aborts the batch).
    pub fn next_record(&mut self) -> Option<Result<Record, RecordError>> {
        match &mut self.source {
            Source::Csv {
                reader,
                width,
                done,
            } => loop {
                if *done {
                    return None;
                }
                let mut row = csv::StringRecord::new();
                let line = reader.position().line();
                match reader.read_record(&mut row) {
                    Ok(false) => {
                        *done = true;
                        return None;
                    }
                    Ok(true) => {
                        if row.iter().all(|cell| cell.trim().is_empty()) {
                            continue;
                        }
                        // csv reports where the record ends (its terminator is consumed by
                        // the next read); its first line is that less its embedded breaks.
                        let breaks: usize = row.iter().map(|cell| cell.matches('\n').count()).sum();
                        let line = reader
                            .position()
                            .line()
                            .saturating_sub(breaks as u64)
                            .max(line);
                        // A leading `'` that kept Excel from running a cell as a formula
                        // (see `formula_safe`) is not part of the value.
                        let mut cells: Vec<String> = row
                            .iter()
                            .map(|cell| crate::export::formula_unsafe(cell).to_string())
                            .collect();
                        if cells.len() < *width {
                            cells.resize(*width, String::new());
                        }
                        return Some(Ok(Record {
                            line,
                            cells,
                            ..Record::default()
                        }));
                    }
                    Err(error) => {
                        let line = error.position().map_or(line, |position| position.line());
                        if matches!(error.kind(), csv::ErrorKind::Io(_)) {
                            *done = true;
                        }
                        return Some(Err(RecordError {
                            line,
                            message: error.to_string(),
                        }));
                    }
                }
            },
            Source::Sheet(rows) => rows.next_row(),
            Source::Text(reader) => reader.next_block(),
            Source::VCard(reader) => reader.next_card().map(|result| {
                result.map(|(number, card)| Record {
                    line: number,
                    card: Some(card),
                    ..Record::default()
                })
            }),
        }
    }
}

impl Iterator for Reader {
    type Item = Result<Record, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record()
    }
}

/// The delimiter of the header line: whichever of `,` `;` tab occurs most in it (outside
/// quotes), skipping LinkedIn's `Notes:` preamble.
fn detect_delimiter(sample: &str) -> u8 {
    let mut lines = sample.lines().filter(|line| !line.trim().is_empty());
    let mut line = lines.next().unwrap_or_default();
    if is_preamble_start(line) {
        line = lines
            .find(|line| {
                let commas = count_outside_quotes(line, b',');
                let semis = count_outside_quotes(line, b';');
                let tabs = count_outside_quotes(line, b'\t');
                commas.max(semis).max(tabs) >= 1 && !line.starts_with('"')
            })
            .unwrap_or_default();
    }
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|delimiter| (count_outside_quotes(line, *delimiter), *delimiter == b','))
        .unwrap_or(b',')
}

fn count_outside_quotes(line: &str, delimiter: u8) -> usize {
    let mut in_quotes = false;
    let mut count = 0;
    for byte in line.bytes() {
        if byte == b'"' {
            in_quotes = !in_quotes;
        } else if byte == delimiter && !in_quotes {
            count += 1;
        }
    }
    count
}

/// LinkedIn's Connections.csv opens with `Notes:` and a paragraph before the header.
pub(crate) fn is_preamble_start(first_cell: &str) -> bool {
    first_cell
        .trim()
        .trim_matches('"')
        .trim()
        .eq_ignore_ascii_case("Notes:")
}

/// Reads the header row, skipping a `Notes:` preamble (up to 20 records).
fn read_header(reader: &mut csv::Reader<Decoded>) -> Result<Vec<String>, FileError> {
    let mut row = csv::StringRecord::new();
    let mut in_preamble = false;
    for _ in 0..20 {
        match reader.read_record(&mut row) {
            Ok(false) => return Err(FileError::NoHeader),
            Ok(true) => {}
            Err(error) => {
                return Err(FileError::Io(std::io::Error::other(error.to_string())));
            }
        }
        let cells: Vec<String> = row.iter().map(|cell| cell.trim().to_string()).collect();
        let filled = cells.iter().filter(|cell| !cell.is_empty()).count();
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
        return Ok(cells);
    }
    Err(FileError::NoHeader)
}
