//! How fast the crate reads and writes, without the server: a 100,000-row CSV parsed into
//! contacts, and 100,000 contacts exported to each format. Ends with
//! `bench interchange: rows=… parse_seconds=… csv_seconds=… vcard3_seconds=… xlsx_seconds=…`.
//!
//! `cargo bench -p interchange --bench interchange` (release), or quicker to build,
//! `cargo test -p interchange --bench interchange` (dependencies optimised, this crate not).

use std::io::{Cursor, Write};
use std::time::Instant;

use interchange::{ExportFormat, ExportWriter, ReadOptions, Reader, example_contact, parse_record};

const ROWS: u32 = 100_000;

fn main() {
    let mut csv = Vec::with_capacity(ROWS as usize * 120);
    csv.extend_from_slice(
        b"First Name,Last Name,Company,E-mail Address,Mobile Phone,Business Phone,Notes\r\n",
    );
    for n in 0..ROWS {
        writeln!(
            csv,
            "Person,Number {n},Example Co {},p{n}@example.com,+1 415 555 {:04},(212) 555-{:04},\"Met at fair {}, booth 7\"\r",
            n % 997,
            n % 10_000,
            (n * 7) % 10_000,
            n % 50
        )
        .unwrap();
    }
    let started = Instant::now();
    let mut reader = Reader::open(
        Box::new(Cursor::new(csv)),
        &ReadOptions::default(),
        Some("big.csv"),
    )
    .unwrap();
    let mapping = reader.suggested_mapping();
    let (mut imported, mut reported) = (0u32, 0u32);
    while let Some(record) = reader.next_record() {
        match record {
            Ok(record) if parse_record(&record, &mapping, "US").is_importable() => imported += 1,
            _ => reported += 1,
        }
    }
    let parse_seconds = started.elapsed().as_secs_f64();
    assert_eq!(imported + reported, ROWS);

    let mut contact = example_contact();
    let mut export = |format: ExportFormat| -> f64 {
        let started = Instant::now();
        let mut writer = ExportWriter::new(format, std::io::sink()).unwrap();
        for n in 0..ROWS {
            contact.name.given = format!("Aiko {n}");
            writer.add(&contact).unwrap();
        }
        writer.finish().unwrap();
        started.elapsed().as_secs_f64()
    };
    let csv_seconds = export(ExportFormat::Csv);
    let vcard3_seconds = export(ExportFormat::VCard3);
    let xlsx_seconds = export(ExportFormat::Xlsx);
    println!(
        "bench interchange: rows={ROWS} imported={imported} reported={reported} parse_seconds={parse_seconds:.2} \
         csv_seconds={csv_seconds:.2} vcard3_seconds={vcard3_seconds:.2} xlsx_seconds={xlsx_seconds:.2}"
    );
}
