//! Fetch the PP-OCR models (from the `rapidocr` wheel on PyPI, checked by SHA-256) when they
//! are missing, so `cargo test` on a fresh machine leaves OCR working. `fetch-models.sh` does
//! the work and does nothing when the models are present. A failure is a warning here, not a
//! build error: the crate builds, and reading a card then says which model is missing and how
//! to get it.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo::rerun-if-changed=fetch-models.sh");
    println!("cargo::rerun-if-env-changed=ROLO_OCR_MODELS");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let script = manifest.join("fetch-models.sh");
    match Command::new("bash").arg(&script).status() {
        Ok(status) if status.success() => {}
        Ok(status) => println!(
            "cargo::warning=ocr/fetch-models.sh failed ({status}); OCR models may be missing"
        ),
        Err(error) => println!("cargo::warning=could not run ocr/fetch-models.sh: {error}"),
    }
}
