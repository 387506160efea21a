//! A streaming XLSX writer: the workbook's few fixed parts, then the one sheet written a row
//! at a time into a zip that goes straight to the output, so an export of 100,000 contacts
//! holds one row and the compressor's window, not the workbook.
//!
//! rust_xlsxwriter (used for error files) keeps every cell until it saves, about 6 KB per
//! contact; its constant-memory mode needs temporary files. The parts written here are the
//! minimal SpreadsheetML package (content types, relationships, workbook, styles, sheet);
//! cells are inline strings (`t="inlineStr"`), so there is no shared-string table to hold
//! and every value stays text (a phone or postal code never becomes a number).

use std::io::Write;

use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, StreamWriter, ZipWriter};

/// A write that failed.
pub(crate) type XlsxResult<T> = Result<T, zip::result::ZipError>;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Contacts" sheetId="1" r:id="rId1"/></sheets></workbook>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

/// Two cell formats: 0 plain, 1 bold (the header row).
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#;

/// The sheet's opening: the header row frozen.
const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData>"#;

const SHEET_END: &str = "</sheetData></worksheet>";

/// Writes one sheet of text cells, row by row.
pub(crate) struct XlsxStream<W: Write> {
    zip: ZipWriter<StreamWriter<W>>,
    /// The next row's number (1-based).
    row: u32,
    /// The row being written, reused.
    buffer: String,
}

impl<W: Write> XlsxStream<W> {
    /// Starts the workbook and writes `header` as its first row, bold.
    pub fn new(out: W, header: &[String]) -> XlsxResult<XlsxStream<W>> {
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        let mut zip = ZipWriter::new_stream(out);
        for (name, text) in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
        ] {
            zip.start_file(name, options)?;
            zip.write_all(text.as_bytes())?;
        }
        zip.start_file("xl/worksheets/sheet1.xml", options)?;
        zip.write_all(SHEET_START.as_bytes())?;
        let mut stream = XlsxStream {
            zip,
            row: 1,
            buffer: String::new(),
        };
        stream.write_row(header.iter().map(String::as_str), true)?;
        Ok(stream)
    }

    /// Writes one row of text cells (empty ones left out).
    pub fn add_row<'a>(&mut self, cells: impl Iterator<Item = &'a str>) -> XlsxResult<()> {
        self.write_row(cells, false)
    }

    fn write_row<'a>(
        &mut self,
        cells: impl Iterator<Item = &'a str>,
        bold: bool,
    ) -> XlsxResult<()> {
        let row = self.row;
        self.buffer.clear();
        self.buffer.push_str(&format!("<row r=\"{row}\">"));
        for (column, value) in cells.enumerate() {
            if value.is_empty() {
                continue;
            }
            let style = if bold { " s=\"1\"" } else { "" };
            self.buffer.push_str(&format!(
                "<c r=\"{}{row}\"{style} t=\"inlineStr\"><is><t xml:space=\"preserve\">",
                column_name(column)
            ));
            escape_into(&mut self.buffer, value);
            self.buffer.push_str("</t></is></c>");
        }
        self.buffer.push_str("</row>");
        self.zip.write_all(self.buffer.as_bytes())?;
        self.row += 1;
        Ok(())
    }

    /// Closes the sheet and the zip, and returns the output.
    pub fn finish(mut self) -> XlsxResult<W> {
        self.zip.write_all(SHEET_END.as_bytes())?;
        Ok(self.zip.finish()?.into_inner())
    }
}

/// A column's letters: 0 -> `A`, 25 -> `Z`, 26 -> `AA`.
fn column_name(index: usize) -> String {
    let mut index = index + 1;
    let mut name = Vec::new();
    while index > 0 {
        let rest = (index - 1) % 26;
        name.push(b'A' + rest as u8);
        index = (index - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// XML text escaping; characters XML 1.0 cannot hold (control characters other than tab and
/// line breaks) are written as SpreadsheetML's `_xHHHH_`, as Excel does.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.push_str(&format!("_x{:04X}_", c as u32));
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_like_excel() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }
}
