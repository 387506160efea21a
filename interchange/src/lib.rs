//! interchange: Rolo's import and export formats. Pure — bytes in, contacts and bytes out, no
//! tokio, no files, no clock; the server runs imports and exports as jobs around it.
//!
//! # Reading
//!
//! [`Reader::open`] takes any `Read` and works out, unless the user chose them
//! ([`ReadOptions`]):
//!
//! - **The format** ([`detect_format`]): the content first (a zip is XLSX, an OLE2 file XLS,
//!   text starting `BEGIN:VCARD` a vCard in UTF-8 or UTF-16), then the file name (`.txt` is
//!   the text format, `.vcf` vCard), else CSV.
//! - **The encoding** ([`detect_encoding`], first 64 KiB): a BOM (UTF-8, UTF-16 LE/BE) wins;
//!   valid UTF-8 is UTF-8; ASCII with every other byte zero is BOM-less UTF-16; anything
//!   else goes to chardetng, Firefox's detector, which tells Shift_JIS, EUC-KR, GB18030
//!   (reported as GBK, its subset, which decodes the same), Windows-1252 and the rest apart.
//!   The file is then decoded through encoding_rs a buffer at a time ([`DecodeReader`]), so
//!   CSV, text and vCard stream in bounded memory however long the file (tests/
//!   streaming_memory.rs). Bad bytes become U+FFFD; the field rules report what they break.
//! - **The delimiter** (CSV): whichever of `,` `;` tab the header line holds most of.
//! - **The header row**: the first row, or — after LinkedIn's `Notes:` preamble — the first
//!   row with two filled cells. XLS and XLSX are read with calamine (first sheet; the workbook
//!   is held in memory, at most [`MAX_WORKBOOK_BYTES`]); numbers lose a needless `.0` (phone
//!   numbers typed as numbers) and date cells read as `YYYY-MM-DD`. A damaged workbook is a
//!   [`FileError`]; a panic inside calamine is caught and becomes one too.
//! - **The layout** ([`Layout`], [`detect_layout`]) from the headers: Rolo's own, Google
//!   Contacts current and legacy, Outlook's 88 columns, LinkedIn, HubSpot, vCard, or unknown.
//!
//! [`Reader::next_record`] hands out one [`Record`] at a time: a row's cells, a text block's
//! fields or a card's properties, with its line. A malformed record is a [`RecordError`] and
//! reading goes on (one bad row never aborts the batch).
//!
//! # Mapping
//!
//! [`Reader::suggested_mapping`] maps each column to a [`Target`]: the layout's own table
//! first, then Rolo's headers, then the generic matcher (headers folded to lowercase letters
//! and digits; synonyms in English, German, French, Spanish, Japanese, Chinese and Korean:
//! `Vorname`, `Téléphone portable`, `電話番号`, `手机号码`, `회사명`), else `note_line`, so
//! nothing is dropped unless the user says so. The `Import error` column of an error file
//! always maps to `ignore`. The user overrides any column ([`Mapping::set`],
//! [`Mapping::apply`]); [`Mapping::redirect_unknown`] sends every unknown column to
//! `company_field` or `ignore` instead.
//!
//! Target keys (`Display`/`FromStr`, used by `--map COLUMN=FIELD`, REST and the web;
//! [`targets`] lists them with labels):
//!
//! | key | becomes |
//! |---|---|
//! | `prefix` `given` `middle` `family` `suffix` `phonetic_given` `phonetic_family` `nickname` | the name part |
//! | `full_name` | split into given and family ("Family, Given", "Given … Family"; in CN/TW/HK/SG/KR a 2–4 character Han/Hangul name after its first character) when no column gives them |
//! | `phone`, `phone:LABEL`, `phone[N]`, `phone[N].label` | phones (`LABEL` e.g. `mobile`, `work`, `home`, `main`, `fax`) |
//! | `email…`, `url…`, `date…`, `social…` | the same shapes; `social:linkedin`, `social[N].network`; `birthday` = `date:birthday`, `anniversary` |
//! | `address:LABEL.PART`, `address[N].PART`, `address.PART` | PART: `street` `city` `region` `postal_code` `country` `label` |
//! | `company` `department` `title`, `organization[N].PART` | organizations |
//! | `type` `level` `language` `tags` `notes` | those fields |
//! | `custom:NAME` | a custom text field NAME |
//! | `custom_fields` | Rolo's JSON column of typed custom fields |
//! | `note_line` | appended to the notes as `Header: value` |
//! | `company_field` | a custom text field named after the column |
//! | `ignore` | nothing |
//!
//! Columns with the same list and slot fill one item (`address:work.city` +
//! `address:work.street`); two columns of a value part (Outlook's `Home Phone` and `Home
//! Phone 2`) make two items, two street columns (`Street`, `Street 2`, `PO Box`) one street
//! joined with `, ` (sync-core keeps addresses on one line). A cell may hold several values
//! separated by ` ::: ` (Google's separator); a single label applies to each; labels lose
//! Google's primary mark `* ` and known words are lowercased (`* Mobile` -> `mobile`, `Cell`
//! -> `mobile`, `Work Fax` -> `work fax`); Google's `myContacts` group is not a tag.
//!
//! # Parsing
//!
//! [`parse_record`] reads a record into a sync-core [`Contact`](sync_core::contact::Contact)
//! with sync-core's parsers — phones to E.164 with the default region (digits that lost
//! their `+` in a spreadsheet are tried with it), emails, dates (`YYYY-MM-DD`, `--MM-DD`,
//! `MM/DD/YYYY`, vCard's `19900407` and `--0407`; Outlook's `0/0/00` is empty), countries
//! (codes, English names, and common native names such as `日本`, `Deutschland`,
//! `대한민국`), URLs (a bare `www.example.com` gets `https://`), type and level (HubSpot's
//! lifecycle stages read as types; `high`/`medium`/`low` as levels), languages (tags or a
//! few English names) — and finally runs sync-core's `validate`, so a row without problems
//! is never refused when saved. Every problem is a [`Problem`] with the column, the field
//! path, a stable code (sync-core's `FieldError::code`, or `extra_cell`,
//! `unreadable_line`, `custom_fields_invalid`) and a message. A value with a problem stays
//! out of the contact and the row is not importable; nothing is dropped silently.
//! [`ParsedRow::match_keys`] gives the duplicate-detection keys: lowercase emails, E.164
//! phones, (network, lowercase handle).
//!
//! # vCard
//!
//! vCard 2.1, 3.0 and 4.0 are read by our own streaming reader ([`vcard`]): folded lines,
//! quoted-printable with its `CHARSET` (2.1 feature phones), `TYPE` parameters (2.1's bare
//! ones too), Apple's `itemN.X-ABLabel` custom labels, `N` `FN` `NICKNAME` `ORG` `TITLE`
//! `TEL` `EMAIL` `ADR` `BDAY` `ANNIVERSARY` `X-ABDATE` `URL` `X-SOCIALPROFILE` `IMPP`
//! `NOTE` `CATEGORIES` `LANG`, Apple's phonetic names and Rolo's `X-ROLO-*`. `FN` is the
//! display form of `N` and is read only when `N` names no one (then split like a full name,
//! unless it is the company's name, as on Apple's company cards). Every other
//! property (`UID`, `REV`, `KIND`, `GEO`, `X-…`, with its `X-ABLabel`) is **kept**: its
//! unfolded line goes, one per line, into the custom text field [`EXTRA_KEY`]
//! (`vcard:extra`, a key sync-core's custom-field rules accept), and the vCard writer
//! writes those lines back. `PHOTO`, `LOGO`, `SOUND` and `KEY` carry binary data and are
//! not imported; `PRODID` and `VERSION` describe the file. A hand-rolled reader rather than a
//! library because it must stream card by card in bounded lines and keep each property's
//! text exactly as written.
//!
//! # The text format
//!
//! One contact per block of `Field: value` lines, blocks separated by an empty line, `#`
//! comments between blocks, a value continued on lines indented by two spaces (a line of
//! just two spaces is an empty line of the value). Field names are the CSV export's headers
//! or anything the generic matcher knows (`Email`, `Mobile`, `Company`); a field may
//! repeat. See [`write_text_block`] and the `txt` [`sample`].
//!
//! # Export
//!
//! [`ExportWriter`] takes contacts one at a time and streams every format: 100,000 contacts
//! hold under 1 MB (tests/streaming_memory.rs). CSV is UTF-8 with a BOM (so Excel reads it)
//! and CRLF, with a `'` before any cell Excel would run as a formula — `=`, `+`, `-`, `@` —
//! which also keeps phones' `+` (the reader removes it). XLSX is written by our own
//! streaming writer (the sheet row by row into a zip going straight to the output, every
//! cell an inline string so numbers keep their zeros; rust_xlsxwriter, which holds the
//! workbook until it saves — about 6 KB per contact — writes only the small error files).
//! vCard 3.0 (the default, what Apple reads) or 4.0: custom labels as Apple's
//! `itemN.X-ABLabel`, a phone's raw text in `X-ROLO-RAW`, type, level, language and custom
//! fields as `X-ROLO-*`.
//!
//! Exports carry what a person edits: names, every list, type, level, language, tags,
//! notes and custom fields. The activity log, the photo and card images (blobs on the
//! server) and the lifecycle (archived, trashed) are not part of an export.
//!
//! The CSV/XLSX column order is fixed and documented in [`columns`]: the name parts, numbered
//! groups per list (3 phones, 3 emails, 2 addresses, 2 organizations, 2 dates, 2 websites,
//! 3 social handles — the last group of each list carries any further items joined by ` ::: `,
//! so nothing is lost however long a list), then type, level, language, tags, notes and the
//! custom fields as one JSON object. A phone is its E.164 number, with the text it was read
//! from in brackets when that differs (`+81312345678 [03-1234-5678]`). Our reader reads
//! every format back to the same contact (tests/round_trip.rs), item ids aside (a phone whose
//! raw text was empty reads back with its E.164 as raw text). Known limit: a value that itself
//! contains ` ::: ` in a list column splits there.
//!
//! # Error files
//!
//! [`ErrorFileWriter`] (from [`Reader::error_file_writer`]) writes the failed records in the
//! uploaded format with an added `Import error` column — CSV in the upload's encoding, BOM
//! and delimiter; XLSX for XLS and XLSX uploads; text blocks with an `Import error:` line;
//! vCards with an `X-ROLO-IMPORT-ERROR` property — which the reader ignores, so the corrected
//! file uploads as it is (tests/error_file.rs).
//!
//! ```
//! use interchange::{ExportFormat, ExportWriter, ReadOptions, Reader, parse_record};
//!
//! let csv = "First Name,Last Name,Mobile Phone,E-mail Address\n\
//!            Aiko,Sato,090-1234-5678,aiko@example.com\n\
//!            Ben,,12,ben@@example\n";
//! let mut reader = Reader::open(Box::new(std::io::Cursor::new(csv)), &ReadOptions::default(), Some("people.csv"))?;
//! let mapping = reader.suggested_mapping();
//! assert_eq!(mapping.target_of("Mobile Phone").unwrap().to_string(), "phone:mobile");
//!
//! let aiko = parse_record(&reader.next_record().unwrap()?, &mapping, "JP");
//! assert!(aiko.is_importable());
//! assert_eq!(aiko.contact.phones[0].e164, "+819012345678");
//!
//! let ben = parse_record(&reader.next_record().unwrap()?, &mapping, "JP");
//! let codes: Vec<&str> = ben.problems.iter().map(|p| p.code.as_str()).collect();
//! assert_eq!(codes, ["phone_invalid", "email_invalid"]);
//!
//! let mut vcf = ExportWriter::new(ExportFormat::VCard3, Vec::new())?;
//! vcf.add(&aiko.contact)?;
//! let text = String::from_utf8(vcf.finish()?).unwrap();
//! assert!(text.contains("TEL;TYPE=CELL;X-ROLO-RAW=090-1234-5678:+819012345678"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod columns;
mod countries;
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
pub use crate::export::{ExportError, ExportWriter, contact_row, contact_values, formula_safe};
pub use crate::format::{ExportFormat, Format, UnknownFormat, detect_format};
pub use crate::layout::{IMPORT_ERROR_COLUMN, Layout, detect_layout, suggest_column};
pub use crate::mapping::{ColumnMapping, Mapping};
pub use crate::parse::{
    MatchKeys, ParsedRow, Problem, VALUE_SEPARATOR, normalize_label, parse_record, split_name,
};
pub use crate::reader::{ReadOptions, Reader};
pub use crate::record::Record;
pub use crate::sample::{example_contact, sample, text_fields, write_text_block};
pub use crate::sheet::MAX_WORKBOOK_BYTES;
pub use crate::target::{ListKind, NamePart, Part, Slot, Target, UnknownTarget};
pub use crate::vcard::read::EXTRA_KEY;
pub use encoding_rs;

/// Every target with a human label, for the web's dropdown (`[(key, label)]`).
pub fn targets() -> Vec<(String, String)> {
    Target::choices()
}
