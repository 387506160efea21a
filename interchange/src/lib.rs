//! interchange: Rolo's import and export formats. Pure: bytes in, contacts and bytes out (no
//! tokio, no files, no clock); the server runs imports and exports as jobs around it.
//!
//! (The full design page follows below once the crate is complete.)

pub mod columns;
mod decode;
mod error;
mod errorfile;
mod export;
mod format;
mod layout;
mod mapping;
mod parse;
mod reader;
mod record;
mod sample;
mod sheet;
mod target;
mod text;
pub mod vcard;

pub use crate::decode::{DecodeReader, detect_encoding, encode};
pub use crate::error::{FileError, RecordError};
pub use crate::errorfile::ErrorFileWriter;
pub use crate::export::{ExportError, ExportWriter, contact_row};
pub use crate::format::{ExportFormat, Format, UnknownFormat, detect_format};
pub use crate::layout::{IMPORT_ERROR_COLUMN, Layout, detect_layout, suggest_column};
pub use crate::mapping::{ColumnMapping, Mapping};
pub use crate::parse::{
    MatchKeys, ParsedRow, Problem, VALUE_SEPARATOR, normalize_label, parse_record,
};
pub use crate::reader::{ReadOptions, Reader};
pub use crate::record::Record;
pub use crate::sample::{example_contact, sample, text_fields, write_text_block};
pub use crate::target::{ListKind, NamePart, Part, Slot, Target, UnknownTarget};
pub use crate::vcard::read::EXTRA_KEY;
pub use encoding_rs;

/// Every target with a human label, for the web's dropdown (`[(key, label)]`).
pub fn targets() -> Vec<(String, String)> {
    Target::choices()
}
