//! `rolo-card read`: one JSON array for all the photos (or one object per line with
//! `--jsonl`), each with the full name as the saved contact would be listed.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/cards/synthetic")
        .join(name)
}

fn rolo_card(args: &[&str], photos: &[PathBuf]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_rolo-card"))
        .arg("read")
        .args(args)
        .args(photos)
        .env(
            "ROLO_OCR_MODELS",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("models"),
        )
        .output()
        .expect("rolo-card runs");
    (
        output.status.success(),
        String::from_utf8(output.stdout).expect("UTF-8"),
    )
}

#[test]
fn several_photos_print_one_json_array_with_each_full_name() {
    let not_a_photo =
        std::env::temp_dir().join(format!("rolo-card-not-a-photo-{}.jpg", std::process::id()));
    std::fs::write(&not_a_photo, "not an image").unwrap();
    let photos = [fixture("ja-01.jpg"), not_a_photo.clone()];
    let (success, stdout) = rolo_card(&["--fields-only", "--no-tesseract"], &photos);
    std::fs::remove_file(&not_a_photo).unwrap();
    assert!(!success, "a photo that cannot be read fails the run");
    let all: Value = serde_json::from_str(&stdout).expect("one JSON document");
    let entries = all.as_array().expect("an array");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["full_name"], "竹内翔太", "{}", entries[0]);
    assert!(entries[0]["draft"]["fields"].is_array());
    assert!(entries[0]["draft"]["lines"].as_array().unwrap().is_empty());
    assert!(entries[1]["error"].is_string(), "{}", entries[1]);
}

#[test]
fn jsonl_prints_one_draft_per_line() {
    let photos = [fixture("en-01.jpg"), fixture("en-02.jpg")];
    let (success, stdout) = rolo_card(&["--jsonl", "--fields-only", "--no-tesseract"], &photos);
    assert!(success);
    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    let names: Vec<&str> = lines
        .iter()
        .map(|entry| entry["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Aiko Sato", "Marcus Okafor"]);
}
