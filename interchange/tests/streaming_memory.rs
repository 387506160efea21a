//! Exports of 100,000 contacts to CSV, XLSX and vCard, and the import of a large CSV, hold the
//! memory of a few contacts, not of the file: the bytes held (allocated less freed) never
//! grow with the number of contacts.

use std::alloc::System;
use std::io::{self, Read};

use interchange::{ExportFormat, ExportWriter, ReadOptions, Reader, example_contact, parse_record};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes held now, relative to when `region` started.
fn held(region: &Region<System>) -> i64 {
    let change = region.change();
    change.bytes_allocated as i64 - change.bytes_deallocated as i64
}

/// Writes 100,000 contacts to a writer that keeps nothing, returning the most bytes held.
fn export_peak(format: ExportFormat) -> (i64, u64) {
    let mut contact = example_contact();
    ExportWriter::new(format, io::sink())
        .unwrap()
        .add(&contact)
        .unwrap();
    let region = Region::new(GLOBAL);
    let mut sink = CountingSink(0);
    let mut peak = 0;
    {
        let mut writer = ExportWriter::new(format, &mut sink).unwrap();
        for n in 0..100_000u32 {
            contact.name.given = format!("Aiko {n}");
            writer.add(&contact).unwrap();
            if n % 1000 == 0 {
                peak = peak.max(held(&region));
            }
        }
        writer.finish().unwrap();
    }
    (peak, sink.0)
}

struct CountingSink(u64);

impl io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One test, so that no other test allocates in this process while it counts.
#[test]
fn exports_and_imports_stream_in_bounded_memory() {
    exporting_100000_contacts_holds_a_bounded_amount_of_memory();
    importing_a_large_csv_holds_a_bounded_amount_of_memory();
}

fn exporting_100000_contacts_holds_a_bounded_amount_of_memory() {
    for format in [
        ExportFormat::Csv,
        ExportFormat::VCard3,
        ExportFormat::VCard4,
    ] {
        let (peak, written) = export_peak(format);
        // 100,000 contacts are megabytes of output (tens uncompressed); the writer holds
        // well under one.
        assert!(written > 3_000_000, "{format:?}: {written} bytes written");
        assert!(
            peak < 1_000_000,
            "{format:?}: {peak} bytes held at the peak"
        );
    }
}

/// A CSV of `rows` contacts made as it is read, so the test itself holds none of it.
struct GeneratedCsv {
    rows: u32,
    next: u32,
    pending: Vec<u8>,
}

impl Read for GeneratedCsv {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            if self.next > self.rows {
                return Ok(0);
            }
            self.pending = if self.next == 0 {
                b"First Name,Last Name,Company,Email,Mobile,Notes\r\n".to_vec()
            } else {
                let n = self.next;
                format!(
                    "Person,Number {n},Example Co {},p{n}@example.com,+1 415 555 {:04},\"Line one, with a comma\nline two\"\r\n",
                    n % 97,
                    n % 10_000
                )
                .into_bytes()
            };
            self.next += 1;
        }
        let count = self.pending.len().min(buf.len());
        buf[..count].copy_from_slice(&self.pending[..count]);
        self.pending.drain(..count);
        Ok(count)
    }
}

fn importing_a_large_csv_holds_a_bounded_amount_of_memory() {
    let rows = 30_000;
    // Load what is loaded once per process (phone number metadata) before counting.
    let warm = GeneratedCsv {
        rows: 1,
        next: 0,
        pending: Vec::new(),
    };
    let mut reader =
        Reader::open(Box::new(warm), &ReadOptions::default(), Some("warm.csv")).unwrap();
    let mapping = reader.suggested_mapping();
    let _ = parse_record(&reader.next_record().unwrap().unwrap(), &mapping, "US");
    let region = Region::new(GLOBAL);
    let input = GeneratedCsv {
        rows,
        next: 0,
        pending: Vec::new(),
    };
    let mut reader =
        Reader::open(Box::new(input), &ReadOptions::default(), Some("big.csv")).unwrap();
    let mapping = reader.suggested_mapping();
    let (mut imported, mut peak, mut early) = (0, 0, 0);
    while let Some(record) = reader.next_record() {
        let row = parse_record(&record.unwrap(), &mapping, "US");
        assert!(row.is_importable(), "{:?}", row.problems);
        imported += 1;
        if imported % 1000 == 0 {
            peak = peak.max(held(&region));
            if imported == rows / 2 {
                early = peak;
            }
        }
    }
    assert_eq!(imported, rows);
    // Nothing accumulates per row: the second half of the file adds nothing to the peak
    // (caches such as the phone parser's fill during the first rows, then stay).
    assert!(
        peak - early < 100_000,
        "held {early} after half the rows, {peak} at the peak"
    );
    // Detection's 64 KiB sample, the decode and CSV buffers, one row and the phone
    // parser's caches: below the ~3 MB the file has, and independent of its length.
    assert!(peak < 4_000_000, "{peak} bytes held at the peak");
}
