//! A file of good and bad rows imports N of M; its error file (the failed rows in the
//! uploaded format with an `Import error` column) is corrected and uploaded as it is, and the
//! rest import: M of M in all.

use std::io::Cursor;
use std::path::Path;

use interchange::{Format, ReadOptions, Reader, encoding_rs, parse_record};

/// What one upload gives: how many rows imported, of how many, and the error file.
struct Outcome {
    imported: usize,
    total: usize,
    error_file: Vec<u8>,
    error_format: Format,
}

fn upload(bytes: Vec<u8>, name: &str) -> Outcome {
    let mut reader = Reader::open(
        Box::new(Cursor::new(bytes)),
        &ReadOptions::default(),
        Some(name),
    )
    .unwrap();
    let mapping = reader.suggested_mapping();
    let mut errors = reader.error_file_writer();
    let (mut imported, mut total) = (0, 0);
    while let Some(record) = reader.next_record() {
        total += 1;
        match record {
            Ok(record) => {
                let row = parse_record(&record, &mapping, "US");
                if row.is_importable() {
                    imported += 1;
                } else {
                    errors.add(&record, &row.problem_summary());
                }
            }
            Err(error) => errors.add_unreadable(&error),
        }
    }
    Outcome {
        imported,
        total,
        error_format: errors.format(),
        error_file: errors.finish(),
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/imports")
            .join(name),
    )
    .unwrap()
}

/// Applies a person's corrections to the text of an error file.
fn correct(text: &str, fixes: &[(&str, &str)]) -> String {
    let mut text = text.to_string();
    for (wrong, right) in fixes {
        assert!(
            text.contains(wrong),
            "the error file should hold {wrong:?}:\n{text}"
        );
        text = text.replacen(wrong, right, 1);
    }
    text
}

#[test]
fn csv_error_file_corrected_and_uploaded_again_reaches_m_of_m() {
    let first = upload(fixture("bad-rows.csv"), "bad-rows.csv");
    assert_eq!((first.imported, first.total), (2, 10));
    assert_eq!(first.error_format, Format::Csv);
    let text = String::from_utf8(first.error_file).unwrap();
    // The upload had no BOM, so neither has its error file.
    assert!(!text.starts_with('\u{feff}'));
    let header = text.lines().next().unwrap();
    assert_eq!(
        header,
        "Name,Company,Email,Phone,Birthday,Country,Type,Level,Language,Tags,Import error"
    );
    assert!(
        text.contains("Email: emails[0].address: \"\"bob@@example\"\" is not an email address"),
        "{text}"
    );
    let many: Vec<String> = (0..101).map(|i| format!("+1 415 555 {i:04}")).collect();
    let fixed = correct(
        &text,
        &[
            ("bob@@example", "bob@example.com"),
            (",12,", ",+1 415 555 0112,"),
            ("31/12/1990", "12/31/1990"),
            ("Atlantis", "Canada"),
            ("vip,urgent,English (UK)", "customer,primary,en-GB"),
            (",,noname@example.com", "Nora Name,,noname@example.com"),
            (&many.join(" ::: "), &many[..3].join(" ::: ")),
            (",extra", ""),
        ],
    );
    let second = upload(fixed.into_bytes(), "bad-rows-errors.csv");
    assert_eq!(
        (second.imported, second.total),
        (8, 8),
        "{}",
        String::from_utf8_lossy(&second.error_file)
    );
    assert_eq!(first.imported + second.imported, first.total);
}

#[test]
fn csv_error_file_keeps_the_encoding_and_the_delimiter() {
    let text = "氏名;会社名;メールアドレス\r\n山田 太郎;山田商事;taro@example.jp\r\n佐藤 花子;東京工業;hanako@@example.jp\r\n";
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(text);
    let first = upload(bytes.into_owned(), "meibo.csv");
    assert_eq!((first.imported, first.total), (1, 2));
    let (decoded, _, malformed) = encoding_rs::SHIFT_JIS.decode(&first.error_file);
    assert!(!malformed);
    assert!(
        decoded.starts_with("氏名;会社名;メールアドレス;Import error\r\n"),
        "{decoded}"
    );
    let fixed = correct(&decoded, &[("hanako@@example.jp", "hanako@example.jp")]);
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&fixed);
    let second = upload(bytes.into_owned(), "meibo-errors.csv");
    assert_eq!((second.imported, second.total), (1, 1));
}

#[test]
fn vcard_error_file_corrected_and_uploaded_again_reaches_m_of_m() {
    let first = upload(fixture("bad-cards.vcf"), "bad-cards.vcf");
    assert_eq!((first.imported, first.total), (1, 4));
    assert_eq!(first.error_format, Format::VCard);
    let text = String::from_utf8(first.error_file).unwrap();
    assert_eq!(text.matches("X-ROLO-IMPORT-ERROR:").count(), 3, "{text}");
    let mut fixed = correct(
        &text,
        &[
            ("not-an-email", "ben@example.com"),
            ("TEL:+1 555", "TEL:+1 415 555 0111"),
            ("1990-02-30", "1990-02-28"),
            ("FN:\r\n", "FN:Nora Nameless\r\n"),
        ],
    );
    // The card that had no END comes back as an empty card naming the problem: the person
    // writes the card again into it.
    let unreadable = fixed.find("no END:VCARD").unwrap();
    let at = fixed[..unreadable].rfind("VERSION:3.0\r\n").unwrap() + "VERSION:3.0\r\n".len();
    fixed.insert_str(at, "N:Unfinished;Una;;;\r\n");
    let second = upload(fixed.into_bytes(), "bad-cards-errors.vcf");
    assert_eq!(
        (second.imported, second.total),
        (3, 3),
        "{}",
        String::from_utf8_lossy(&second.error_file)
    );
}

#[test]
fn text_error_file_corrected_and_uploaded_again_reaches_m_of_m() {
    let upload_text = "Given name: Ana\nEmail: ana@example.com\n\nGiven name: Ben\nEmail: ben at example\n\nthis line has no field name\nCompany: Orphan Co\n";
    let first = upload(upload_text.as_bytes().to_vec(), "people.txt");
    assert_eq!((first.imported, first.total), (1, 3));
    assert_eq!(first.error_format, Format::Text);
    let text = String::from_utf8(first.error_file).unwrap();
    assert!(
        text.contains("Import error: Email: emails[0].address"),
        "{text}"
    );
    let fixed = correct(
        &text,
        &[
            ("ben at example", "ben@example.com"),
            ("Unreadable line: this line has no field name\n", ""),
        ],
    );
    let second = upload(fixed.into_bytes(), "people-errors.txt");
    assert_eq!(
        (second.imported, second.total),
        (2, 2),
        "{}",
        String::from_utf8_lossy(&second.error_file)
    );
}

/// A workbook of these rows (every cell text).
fn workbook(rows: &[Vec<String>]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, value).unwrap();
        }
    }
    workbook.save_to_buffer().unwrap()
}

#[test]
fn xlsx_error_file_corrected_and_uploaded_again_reaches_m_of_m() {
    let rows = |cells: &[&[&str]]| -> Vec<Vec<String>> {
        cells
            .iter()
            .map(|row| row.iter().map(|cell| cell.to_string()).collect())
            .collect()
    };
    let upload_rows = rows(&[
        &["First Name", "Last Name", "Email", "Mobile"],
        &["Ana", "Lima", "ana@example.com", "+55 11 95555 0101"],
        &["Bo", "Berg", "bo@example", "+46 70 555 01 02"],
        &["", "", "", "+46 70 555 01 03"],
    ]);
    let first = upload(workbook(&upload_rows), "people.xlsx");
    assert_eq!((first.imported, first.total), (1, 3));
    assert_eq!(first.error_format, Format::Xlsx);
    // Open the error workbook as a person would, fix the cells, save it again.
    let mut reader = Reader::open(
        Box::new(Cursor::new(first.error_file)),
        &ReadOptions::default(),
        Some("errors.xlsx"),
    )
    .unwrap();
    assert_eq!(
        reader.columns(),
        ["First Name", "Last Name", "Email", "Mobile", "Import error"]
    );
    let mut fixed = vec![reader.columns().to_vec()];
    while let Some(record) = reader.next_record() {
        let mut cells = record.unwrap().cells;
        assert!(!cells[4].is_empty(), "each row says what was wrong");
        if cells[2] == "bo@example" {
            cells[2] = "bo@example.se".into();
        } else {
            cells[0] = "Cy".into();
        }
        fixed.push(cells);
    }
    let second = upload(workbook(&fixed), "errors-fixed.xlsx");
    assert_eq!((second.imported, second.total), (2, 2));
}
