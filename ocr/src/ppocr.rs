//! PP-OCR run by tract: text detection (DB), line orientation (0° / 180°) and recognition (CTC).
//!
//! tract wants fixed input shapes, so each network is optimised once per input shape and the
//! plans are cached: detection pads the photo into a few shape buckets, recognition pads each
//! line to one of a few widths. A cached plan is reused by every card the reader sees.

mod classify;
mod detect;
mod models;
mod recognize;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tract_onnx::prelude::*;

pub use self::classify::Classifier;
pub use self::detect::{DETECTION_SIDE, Detected, Detector};
pub use self::models::{MODEL_FILES, models_dir};
pub use self::recognize::Recognizer;

/// Why the models could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A model file is not where it should be.
    #[error(
        "the OCR model {path} is missing: run ocr/fetch-models.sh (or set ROLO_OCR_MODELS to \
         the directory holding {file})"
    )]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
        /// The file name.
        file: &'static str,
    },
    /// tract could not load, optimise or run a model.
    #[error("the OCR model {file} failed: {reason}")]
    Tract {
        /// Which model.
        file: &'static str,
        /// tract's account of it.
        reason: String,
    },
    /// The recognition model carries no character dictionary.
    #[error("the recognition model has no `character` metadata to decode its output with")]
    NoDictionary,
}

/// An optimised plan for one input shape.
type Plan = Arc<TypedRunnableModel>;

/// One ONNX network with its optimised plans, one per input shape used so far.
struct Network {
    /// The file name, for errors.
    file: &'static str,
    /// The parsed graph, re-typed for each new shape.
    model: InferenceModel,
    /// Optimised plans by input shape.
    plans: Mutex<HashMap<Vec<usize>, Plan>>,
}

impl Network {
    /// Loads `file` from `dir`, returning its metadata properties too.
    fn load(dir: &Path, file: &'static str) -> Result<(Self, Vec<(String, String)>), ModelError> {
        let path = dir.join(file);
        if !path.is_file() {
            return Err(ModelError::Missing { path, file });
        }
        let fail = |error: anyhow::Error| ModelError::Tract {
            file,
            reason: format!("{error:#}"),
        };
        let onnx = tract_onnx::onnx().with_ignore_value_info(true);
        let proto = onnx.proto_model_for_path(&path).map_err(fail)?;
        let metadata = proto
            .metadata_props
            .iter()
            .map(|entry| (entry.key.clone(), entry.value.clone()))
            .collect();
        let model = onnx.model_for_proto_model(&proto).map_err(fail)?;
        Ok((
            Self {
                file,
                model,
                plans: Mutex::new(HashMap::new()),
            },
            metadata,
        ))
    }

    /// Runs the network on a `shape` f32 input, optimising a plan for the shape on first use,
    /// and returns the first output's shape and values.
    fn run(&self, shape: &[usize], input: &[f32]) -> Result<(Vec<usize>, Vec<f32>), ModelError> {
        let fail = |error: anyhow::Error| ModelError::Tract {
            file: self.file,
            reason: format!("{error:#}"),
        };
        let plan = {
            let mut plans = self
                .plans
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match plans.get(shape) {
                Some(plan) => plan.clone(),
                None => {
                    let plan = self
                        .model
                        .clone()
                        .with_input_fact(0, f32::fact(shape).into())
                        .and_then(|model| model.into_optimized())
                        .and_then(|model| model.into_runnable())
                        .map_err(fail)?;
                    plans.insert(shape.to_vec(), plan.clone());
                    plan
                }
            }
        };
        let tensor = Tensor::from_shape(shape, input).map_err(fail)?;
        let outputs = plan.run(tvec!(tensor.into())).map_err(fail)?;
        let output = outputs.first().ok_or_else(|| ModelError::Tract {
            file: self.file,
            reason: "no output".into(),
        })?;
        let values = output
            .try_as_plain_ram()
            .and_then(|view| view.as_slice::<f32>().map(<[f32]>::to_vec))
            .map_err(fail)?;
        Ok((output.shape().to_vec(), values))
    }
}

/// The three PP-OCR networks, loaded once and shared.
pub struct PpOcr {
    /// Finds text lines.
    pub detector: Detector,
    /// Tells upright lines from upside-down ones.
    pub classifier: Classifier,
    /// Reads a line.
    pub recognizer: Recognizer,
}

impl PpOcr {
    /// Loads the models from `dir` (see [`models_dir`]).
    pub fn load(dir: &Path) -> Result<Self, ModelError> {
        let (det, _) = Network::load(dir, MODEL_FILES.detection)?;
        let (cls, _) = Network::load(dir, MODEL_FILES.classifier)?;
        let (rec, metadata) = Network::load(dir, MODEL_FILES.recognition)?;
        let dictionary = metadata
            .into_iter()
            .find(|(key, _)| key == "character")
            .map(|(_, value)| value)
            .ok_or(ModelError::NoDictionary)?;
        Ok(Self {
            detector: Detector::new(det),
            classifier: Classifier::new(cls),
            recognizer: Recognizer::new(rec, &dictionary),
        })
    }
}

/// Writes an RGB image into a CHW buffer as PP-OCR expects: BGR channel order (the models were
/// trained on OpenCV images) scaled to -1..1, at `(x0, 0)` of a `width`-wide plane.
fn write_chw(image: &image::RgbImage, out: &mut [f32], height: usize, width: usize) {
    let plane = height * width;
    for (x, y, pixel) in image.enumerate_pixels() {
        let (x, y) = (x as usize, y as usize);
        if x >= width || y >= height {
            continue;
        }
        let at = y * width + x;
        for (channel, value) in [pixel[2], pixel[1], pixel[0]].into_iter().enumerate() {
            out[channel * plane + at] = value as f32 / 127.5 - 1.0;
        }
    }
}
