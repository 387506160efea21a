//! The card's outline on the fixture photos (crooked, turned, far, steep), against the corners
//! the generator placed it at. Needs no models.

use std::path::{Path, PathBuf};

use ocr::decode::decode_file;
use ocr::evaluate::Expected;
use ocr::outline::find_card;

fn photos() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cards/synthetic");
    let mut photos: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jpg"))
        .collect();
    photos.sort();
    photos
}

#[test]
fn every_framed_fixture_card_is_found_within_a_few_pixels_of_its_corners() {
    // A card the frame cuts off (en-12) may go unfound: the reader then reads the photo as is.
    let mut report = Vec::new();
    let mut worst: f32 = 0.0;
    for photo in photos() {
        let expected = Expected::for_photo(&photo).unwrap();
        let corners = expected.card_corners.expect("card_corners in the fixture");
        let image = decode_file(&photo).unwrap().to_rgb8();
        let name = photo.file_stem().unwrap().to_string_lossy().into_owned();
        let (width, height) = (image.width() as f32, image.height() as f32);
        let framed = corners
            .iter()
            .all(|c| (0.0..width).contains(&c[0]) && (0.0..height).contains(&c[1]));
        let Some(found) = find_card(&image) else {
            if framed {
                report.push(format!("{name}: not found"));
            }
            continue;
        };
        // The quad is ordered in the photo's frame, the fixture in the card's: compare each
        // found corner with the nearest true one.
        let off = found
            .0
            .iter()
            .map(|p| {
                corners
                    .iter()
                    .map(|c| (p.0 - c[0]).hypot(p.1 - c[1]))
                    .fold(f32::MAX, f32::min)
            })
            .fold(0.0, f32::max);
        worst = worst.max(off);
        // The reader warps with a margin of 2 % of the card (~20 px here) around this.
        if off > 16.0 {
            report.push(format!("{name}: a corner {off:.1} px off"));
        }
    }
    assert!(report.is_empty(), "{report:#?} (worst {worst:.1} px)");
}
