//! `cargo bench -p ocr --bench cards`: reads every fixture card (fixtures/cards/synthetic, the
//! older cards and those added for real-card layouts together), prints per-field precision and
//! recall and seconds per card (apart for the cards at a phone's full resolution), next to
//! Tesseract alone on the same photos, with the machine's load average, and ends with one
//! `bench cards: key=value …` line.
//!
//! Tesseract alone gets its best general setup: the card's own languages (from the fixture)
//! and page segmentation with orientation detection (`--psm 1`), then the same field
//! extraction. Timing covers decoding, QR, OCR and extraction of a card on a warm reader (the
//! models' one-time load and optimisation are reported apart). `CARDS_LIMIT=N` reads only the
//! first N cards, `CARDS_ONLY=A,B` only those named; `CARDS_AS_PHOTOGRAPHED=1` skips
//! straightening the card (to measure it).

use std::path::{Path, PathBuf};
use std::time::Instant;

use ocr::CardReader;
use ocr::decode::decode_file;
use ocr::draft::Draft;
use ocr::evaluate::{Expected, Scores, accumulate, score};
use ocr::extract::extract;
use ocr::tesseract::Tesseract;

/// Fields in the order the table prints them.
const FIELDS: [&str; 16] = [
    "name",
    "display_name",
    "reading",
    "company",
    "title",
    "department",
    "phone",
    "phone_label",
    "phone_unchecked",
    "email",
    "url",
    "social",
    "street",
    "city",
    "region",
    "postal_code",
];

/// The machine's 1-minute load average, to print beside the timings (other work on the
/// machine slows every card).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[rank]
}

fn cards() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cards/synthetic");
    let mut photos: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jpg"))
        .collect();
    photos.sort();
    // `CARDS_ONLY=en-18,vi-03`: only these cards (for timing a few).
    if let Ok(only) = std::env::var("CARDS_ONLY") {
        let wanted: Vec<&str> = only.split(',').map(str::trim).collect();
        photos.retain(|path| {
            path.file_stem()
                .is_some_and(|stem| wanted.contains(&stem.to_string_lossy().as_ref()))
        });
    }
    if let Some(limit) = std::env::var("CARDS_LIMIT")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        photos.truncate(limit);
    }
    photos
}

/// Tesseract alone on the whole photo, then the same field extraction.
fn tesseract_alone(tesseract: &Tesseract, photo: &Path, langs: &str) -> Draft {
    let image = decode_file(photo).unwrap();
    let lines = tesseract
        .read(&image.to_luma8(), langs, 1)
        .unwrap_or_else(|e| panic!("{}: {e}", photo.display()));
    let extraction = extract(&lines);
    Draft {
        fields: extraction.fields,
        region: extraction.region,
        lines,
        rotation: 0,
    }
}

fn main() {
    let photos = cards();
    let started = Instant::now();
    let mut reader = CardReader::from_env().unwrap_or_else(|e| panic!("{e}"));
    if std::env::var_os("CARDS_AS_PHOTOGRAPHED").is_some() {
        reader = reader.without_straightening();
    }
    // The first card pays for optimising the networks for its shapes; it is read once before
    // timing so the numbers are those of a warm worker.
    reader.read_file(&photos[0]).unwrap();
    let warm_up = started.elapsed().as_secs_f64();
    let tesseract = Tesseract::find();

    let mut ours = Scores::new();
    let mut theirs = Scores::new();
    let mut times = Vec::new();
    let mut full_res_times = Vec::new();
    let load_before = load_average();
    let mut tesseract_times = Vec::new();
    println!("card        seconds  tesseract_s  missed");
    for photo in &photos {
        let expected = Expected::for_photo(photo).unwrap();
        let started = Instant::now();
        let draft = reader.read_file(photo).unwrap();
        let seconds = started.elapsed().as_secs_f64();
        times.push(seconds);
        if expected.full_res {
            full_res_times.push(seconds);
            // Where a full-resolution card's time goes: decoding and the QR search run on
            // every pixel; text detection on a copy scaled down.
            let started = Instant::now();
            let image = decode_file(photo).unwrap();
            let decode_s = started.elapsed().as_secs_f64();
            let started = Instant::now();
            let _ = ocr::barcode::find_qr(&image.to_luma8());
            let qr_s = started.elapsed().as_secs_f64();
            println!("  (full resolution: decode {decode_s:.2} s, QR search {qr_s:.2} s)");
        }
        let scores = score(&draft, &expected.fields);
        accumulate(&mut ours, &scores);
        let mut tesseract_s = f64::NAN;
        if let Some(tesseract) = &tesseract {
            let started = Instant::now();
            let draft = tesseract_alone(tesseract, photo, &expected.tesseract_langs);
            tesseract_s = started.elapsed().as_secs_f64();
            tesseract_times.push(tesseract_s);
            accumulate(&mut theirs, &score(&draft, &expected.fields));
        }
        let missed: Vec<&str> = scores
            .iter()
            .filter(|(_, t)| t.correct < t.expected)
            .map(|(field, _)| *field)
            .collect();
        println!(
            "{:<11} {seconds:>7.2}  {tesseract_s:>11.2}  {}",
            photo.file_stem().unwrap().to_string_lossy(),
            missed.join(" ")
        );
    }
    times.sort_by(f64::total_cmp);
    full_res_times.sort_by(f64::total_cmp);
    tesseract_times.sort_by(f64::total_cmp);
    let load_after = load_average();

    println!();
    println!("field        precision  recall   tesseract_precision  tesseract_recall");
    for field in FIELDS {
        let Some(tally) = ours.get(field) else {
            continue;
        };
        let other = theirs.get(field).copied().unwrap_or_default();
        println!(
            "{field:<12} {:>9.3}  {:>6.3}   {:>19.3}  {:>16.3}",
            tally.precision(),
            tally.recall(),
            other.precision(),
            other.recall()
        );
    }
    println!(
        "\nwarm-up (load + optimise + first card): {warm_up:.2} s; tesseract alone p50 {:.2} s",
        percentile(&tesseract_times, 0.5)
    );
    println!(
        "cards at a phone's full resolution (4032 × 3024): {} cards, p50 {:.2} s, p95 {:.2} s",
        full_res_times.len(),
        percentile(&full_res_times, 0.5),
        percentile(&full_res_times, 0.95)
    );
    println!("load average (1 min) before {load_before}, after {load_after}");
    let recall =
        |scores: &Scores, field: &str| scores.get(field).map_or(f64::NAN, |tally| tally.recall());
    let precision = |scores: &Scores, field: &str| {
        scores
            .get(field)
            .map_or(f64::NAN, |tally| tally.precision())
    };
    // The four address parts as one recall: how much of the split a reviewer need not retype.
    let mut parts = Scores::new();
    for part in ["street", "city", "region", "postal_code"] {
        if let Some(tally) = ours.get(part) {
            let mut one = Scores::new();
            one.insert("address_parts", *tally);
            accumulate(&mut parts, &one);
        }
    }
    println!(
        "bench cards: cards={} p50_s={:.2} p95_s={:.2} full_res_cards={} full_res_p50_s={:.2} \
         full_res_p95_s={:.2} load_avg={load_before}/{load_after} email_recall={:.3} url_recall={:.3} \
         phone_recall={:.3} phone_unchecked_recall={:.3} name_recall={:.3} display_name_recall={:.3} \
         company_recall={:.3} company_precision={:.3} title_recall={:.3} \
         address_parts_recall={:.3} email_precision={:.3} url_precision={:.3} phone_precision={:.3} \
         name_precision={:.3} \
         tesseract_p50_s={:.2} tesseract_email_recall={:.3} tesseract_phone_recall={:.3} \
         tesseract_name_recall={:.3} tesseract_company_recall={:.3}",
        photos.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        full_res_times.len(),
        percentile(&full_res_times, 0.5),
        percentile(&full_res_times, 0.95),
        recall(&ours, "email"),
        recall(&ours, "url"),
        recall(&ours, "phone"),
        recall(&ours, "phone_unchecked"),
        recall(&ours, "name"),
        recall(&ours, "display_name"),
        recall(&ours, "company"),
        precision(&ours, "company"),
        recall(&ours, "title"),
        recall(&parts, "address_parts"),
        precision(&ours, "email"),
        precision(&ours, "url"),
        precision(&ours, "phone"),
        precision(&ours, "name"),
        percentile(&tesseract_times, 0.5),
        recall(&theirs, "email"),
        recall(&theirs, "phone"),
        recall(&theirs, "name"),
        recall(&theirs, "company"),
    );
}
