//! The file formats read and written, and how an upload's format is recognised.

use std::fmt;
use std::str::FromStr;

/// A format an import reads (and its error file is written in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Comma, semicolon or tab separated values, in any supported encoding.
    Csv,
    /// Excel 2007+ workbook (first sheet).
    Xlsx,
    /// Excel 97-2003 workbook (first sheet).
    Xls,
    /// Rolo's plain-text format: blocks of `Field: value` lines (see the crate page).
    #[serde(rename = "txt")]
    Text,
    /// vCard 2.1, 3.0 or 4.0.
    #[serde(rename = "vcard")]
    VCard,
}

impl Format {
    /// Every format, in the order a user is offered them.
    pub const ALL: [Format; 5] = [
        Format::Csv,
        Format::Xlsx,
        Format::Xls,
        Format::Text,
        Format::VCard,
    ];

    /// The stable key (`csv`, `xlsx`, `xls`, `txt`, `vcard`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Text => "txt",
            Format::VCard => "vcard",
        }
    }

    /// The file name extension a file of this format is written with.
    pub fn extension(self) -> &'static str {
        match self {
            Format::VCard => "vcf",
            other => other.as_str(),
        }
    }

    /// The media type of a file of this format.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Csv => "text/csv",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Xls => "application/vnd.ms-excel",
            Format::Text => "text/plain; charset=utf-8",
            Format::VCard => "text/vcard",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is none of `csv`, `xlsx`, `xls`, `txt`, `vcard`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a format (csv, xlsx, xls, txt or vcard)")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Reads the key in any case; `text`, `vcf` and `tsv` are read too.
    fn from_str(text: &str) -> Result<Self, UnknownFormat> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" | "tsv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            "xls" => Ok(Format::Xls),
            "txt" | "text" => Ok(Format::Text),
            "vcard" | "vcf" => Ok(Format::VCard),
            _ => Err(UnknownFormat(text.to_string())),
        }
    }
}

/// Recognises a file's format from its first bytes, then its name, falling back to CSV.
///
/// The content wins over the name: a zip is XLSX, an OLE2 compound file is XLS, text whose
/// first line (after a BOM and blank lines) is `BEGIN:VCARD` is a vCard. Among the text
/// formats the name decides between text and CSV (`.txt` is text, the rest CSV).
pub fn detect_format(file_name: Option<&str>, head: &[u8]) -> Format {
    if head.starts_with(b"PK\x03\x04") {
        return Format::Xlsx;
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Format::Xls;
    }
    if looks_like_vcard(head) {
        return Format::VCard;
    }
    let extension = file_name
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, extension)| extension.to_ascii_lowercase());
    match extension.as_deref() {
        Some("vcf" | "vcard") => Format::VCard,
        Some("txt" | "text") => Format::Text,
        Some("xlsx") => Format::Xlsx,
        Some("xls") => Format::Xls,
        _ => Format::Csv,
    }
}

/// Whether the first text of `head` is `BEGIN:VCARD`, in UTF-8 or UTF-16 of either order.
fn looks_like_vcard(head: &[u8]) -> bool {
    let ascii: Vec<u8> = if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        // UTF-16: keep the non-zero bytes of the ASCII range, enough to see the keyword.
        head[2..]
            .iter()
            .copied()
            .filter(|byte| *byte != 0)
            .collect()
    } else {
        head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head).to_vec()
    };
    let text = ascii
        .iter()
        .skip_while(|byte| byte.is_ascii_whitespace())
        .take(11)
        .copied()
        .collect::<Vec<u8>>();
    text.eq_ignore_ascii_case(b"BEGIN:VCARD")
}

/// A format an export is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    /// UTF-8 CSV with a BOM (so Excel reads it as UTF-8), comma separated.
    Csv,
    /// An Excel 2007+ workbook with one sheet.
    Xlsx,
    /// vCard 3.0, what Apple's Contacts reads best (the default vCard).
    VCard3,
    /// vCard 4.0 (RFC 6350).
    VCard4,
}

impl ExportFormat {
    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::VCard3 | ExportFormat::VCard4 => "vcf",
        }
    }

    /// The media type.
    pub fn mime(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => Format::Xlsx.mime(),
            ExportFormat::VCard3 | ExportFormat::VCard4 => "text/vcard; charset=utf-8",
        }
    }

    /// The export format for `format` (`csv`, `xlsx`, `vcard`) and a vCard version (3 or 4;
    /// `None` is 3); `None` for anything else.
    pub fn from_parts(format: &str, vcard_version: Option<u8>) -> Option<ExportFormat> {
        match (format.parse::<Format>().ok()?, vcard_version) {
            (Format::Csv, _) => Some(ExportFormat::Csv),
            (Format::Xlsx, _) => Some(ExportFormat::Xlsx),
            (Format::VCard, None | Some(3)) => Some(ExportFormat::VCard3),
            (Format::VCard, Some(4)) => Some(ExportFormat::VCard4),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_wins_over_the_name() {
        assert_eq!(
            detect_format(Some("a.csv"), b"PK\x03\x04rest"),
            Format::Xlsx
        );
        assert_eq!(
            detect_format(Some("a.csv"), b"\xEF\xBB\xBF\r\nBEGIN:VCARD\r\n"),
            Format::VCard
        );
        assert_eq!(
            detect_format(Some("people.TXT"), b"Given name: A"),
            Format::Text
        );
        assert_eq!(detect_format(None, b"a,b"), Format::Csv);
    }

    #[test]
    fn keys_read_back() {
        for format in Format::ALL {
            assert_eq!(format.as_str().parse::<Format>(), Ok(format));
        }
        assert!("pdf".parse::<Format>().is_err());
    }
}
