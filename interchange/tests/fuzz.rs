//! Bounded fuzzing of the readers and of `parse_record`: arbitrary bytes and mutated real
//! files, a fixed number of cases each (so it runs in `cargo test`), must never panic or
//! hang — every input ends in records, record errors or a file error.

use std::io::Cursor;
use std::path::Path;

use interchange::{
    Format, Mapping, ReadOptions, Reader, Record, Target, encoding_rs, parse_record,
};
use proptest::prelude::*;

/// Most records read from one input: far more than any case produces, so the bound only
/// turns a reader that would loop forever into a failure.
const MAX_RECORDS: usize = 100_000;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/imports")
            .join(name),
    )
    .unwrap()
}

/// Reads every record of `bytes` in `format` (or detected) and parses each.
fn read_all(
    bytes: Vec<u8>,
    format: Option<Format>,
    encoding: Option<&'static encoding_rs::Encoding>,
) {
    let options = ReadOptions { format, encoding };
    let Ok(mut reader) = Reader::open(Box::new(Cursor::new(bytes)), &options, Some("fuzz")) else {
        return;
    };
    let mapping = reader.suggested_mapping();
    let mut count = 0;
    while let Some(record) = reader.next_record() {
        count += 1;
        assert!(count <= MAX_RECORDS, "the reader does not end");
        if let Ok(record) = record {
            let row = parse_record(&record, &mapping, "US");
            let _ = row.match_keys();
            let _ = row.problem_summary();
        }
    }
}

/// A valid file with some bytes changed, inserted or cut.
fn mutated(base: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = base.len();
    prop::collection::vec((0..len.max(1), any::<u8>(), 0..4u8), 1..12).prop_map(move |edits| {
        let mut bytes = base.clone();
        for (at, byte, kind) in edits {
            let at = at.min(bytes.len().saturating_sub(1));
            match kind {
                0 if !bytes.is_empty() => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                2 if !bytes.is_empty() => {
                    bytes.remove(at);
                }
                _ => bytes.truncate(at.max(1)),
            }
        }
        bytes
    })
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

const TEXT_FORMATS: [Option<Format>; 4] = [
    None,
    Some(Format::Csv),
    Some(Format::Text),
    Some(Format::VCard),
];

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn arbitrary_bytes_never_panic_the_text_readers(bytes in prop::collection::vec(any::<u8>(), 0..2048), which in 0..4usize) {
        read_all(bytes, TEXT_FORMATS[which], None);
    }
}

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn text_shaped_input_never_panics(text in "[\"a-z,;\\t:\\r\\n =\\\\.-]{0,400}", which in 0..4usize) {
        let text = format!("BEGIN:VCARD\r\n{text}");
        read_all(text.clone().into_bytes(), TEXT_FORMATS[which], None);
        read_all(text.into_bytes(), TEXT_FORMATS[which], Some(encoding_rs::UTF_16LE));
    }
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn mutated_csv_files_never_panic(bytes in mutated(fixture("google-current.csv"))) {
        read_all(bytes, None, None);
    }

    #[test]
    fn mutated_legacy_encodings_never_panic(bytes in mutated(fixture("google-legacy.csv")), sjis in mutated(fixture("japanese-shift_jis.csv"))) {
        read_all(bytes, None, None);
        read_all(sjis, Some(Format::Csv), Some(encoding_rs::SHIFT_JIS));
    }

    #[test]
    fn mutated_vcards_never_panic(bytes in mutated(fixture("apple-vcard3.vcf")), qp in mutated(fixture("feature-phone-vcard21.vcf"))) {
        read_all(bytes, Some(Format::VCard), None);
        read_all(qp, Some(Format::VCard), None);
    }

    #[test]
    fn mutated_text_files_never_panic(bytes in mutated(fixture("rolo-text.txt"))) {
        read_all(bytes, Some(Format::Text), None);
    }
}

proptest! {
    #![proptest_config(config(150))]

    #[test]
    fn mutated_workbooks_are_read_or_refused_never_a_panic(xlsx in mutated(fixture("excel-2007.xlsx")), xls in mutated(fixture("excel-97.xls"))) {
        read_all(xlsx.clone(), Some(Format::Xlsx), None);
        read_all(xls.clone(), Some(Format::Xls), None);
        // Each workbook read as the other kind too.
        read_all(xlsx, Some(Format::Xls), None);
        read_all(xls, Some(Format::Xlsx), None);
    }

    #[test]
    fn arbitrary_bytes_after_a_zip_header_are_refused(rest in prop::collection::vec(any::<u8>(), 0..4096)) {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend(rest);
        read_all(bytes, None, None);
    }
}

/// Any target, including nonsense keys the parser refuses (which then ignore the column).
fn target() -> impl Strategy<Value = Target> {
    let keys: Vec<String> = Target::choices().into_iter().map(|(key, _)| key).collect();
    prop_oneof![
        prop::sample::select(keys).prop_map(|key| key.parse::<Target>().unwrap()),
        "(phone|email|address|organization|date|url|social)(\\[[1-9]\\]|:[a-z ]{0,8})?(\\.(label|value|street|city|region|postal_code|country|company|department|title|network))?"
            .prop_filter_map("not a key", |key| key.parse::<Target>().ok()),
        "[a-zA-Z ]{1,12}".prop_map(Target::Custom),
    ]
}

proptest! {
    #![proptest_config(config(1500))]

    #[test]
    fn parse_record_never_panics(
        columns in prop::collection::vec(("[A-Za-z ]{0,10}", target()), 0..12),
        cells in prop::collection::vec("(\\PC|[ :\\n*])*", 0..14),
        fields in prop::collection::vec(("[A-Za-z0-9 ]{0,12}", "\\PC{0,20}"), 0..4),
        region in "[A-Z]{0,3}",
    ) {
        let mapping = Mapping::new(columns);
        let record = Record { line: 1, cells, fields, card: None };
        let row = parse_record(&record, &mapping, &region);
        prop_assert_eq!(row.is_importable(), row.problems.is_empty());
        let _ = record.mapped_values(&mapping);
    }
}
