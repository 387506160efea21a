//! Where the model files are.

use std::path::PathBuf;

/// The file names of the three models, as the rapidocr 3.10.0 wheel ships them.
pub struct ModelFiles {
    /// Text detection (DB).
    pub detection: &'static str,
    /// Text recognition (CTC, dictionary in the `character` metadata).
    pub recognition: &'static str,
    /// Line orientation (0° / 180°).
    pub classifier: &'static str,
}

/// The models the reader loads (fetched and checked by `ocr/fetch-models.sh`).
pub const MODEL_FILES: ModelFiles = ModelFiles {
    detection: "PP-OCRv6_det_small.onnx",
    recognition: "PP-OCRv6_rec_small.onnx",
    classifier: "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
};

/// The models directory: `$ROLO_OCR_MODELS` when set, else `ocr/models` in the source tree
/// (where `ocr/fetch-models.sh` puts them).
pub fn models_dir() -> PathBuf {
    match std::env::var_os("ROLO_OCR_MODELS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models"),
    }
}
