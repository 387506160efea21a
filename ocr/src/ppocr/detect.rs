//! Text detection with the DB (differentiable binarisation) network and its post-processing:
//! threshold the probability map, take each connected region's minimum-area rectangle, and
//! grow it back to the text's full extent ("unclip").

use image::RgbImage;
use image::imageops::FilterType;

use super::{ModelError, Network, write_chw};
use crate::geometry::{Quad, expand, regions};

/// Longest side the photo is scaled to for detection. DESIGN.md measures 0.4-0.7 s here;
/// card text stays 15+ px tall at this size.
pub const DETECTION_SIDE: u32 = 960;

/// Short-side buckets (the long side is always [`DETECTION_SIDE`]), so a handful of optimised
/// plans cover every photo aspect.
const SHORT_SIDES: [u32; 6] = [480, 544, 640, 736, 832, 960];

/// Probability above which a pixel is text.
const PIXEL_THRESHOLD: f32 = 0.3;
/// Mean probability a region needs to count as a line.
const BOX_THRESHOLD: f32 = 0.5;
/// How far the shrunk kernel is grown back, relative to area / perimeter (PP-OCR's 1.6).
const UNCLIP_RATIO: f32 = 1.6;
/// Most regions looked at; a photo of a newspaper should not cost minutes.
const MAX_CANDIDATES: usize = 1000;

/// A detected text line.
#[derive(Debug, Clone, PartialEq)]
pub struct Detected {
    /// Its corners in the photo.
    pub quad: Quad,
    /// Mean text probability inside it.
    pub score: f32,
}

/// The detection network.
pub struct Detector {
    net: Network,
}

impl Detector {
    pub(super) fn new(net: Network) -> Self {
        Self { net }
    }

    /// Finds the text lines of `image`, in its coordinates.
    pub fn detect(&self, image: &RgbImage) -> Result<Vec<Detected>, ModelError> {
        let (width, height) = image.dimensions();
        let scale = DETECTION_SIDE as f32 / width.max(height).max(1) as f32;
        let rw = ((width as f32 * scale).round() as u32).clamp(32, DETECTION_SIDE);
        let rh = ((height as f32 * scale).round() as u32).clamp(32, DETECTION_SIDE);
        let bucket = |side: u32| {
            SHORT_SIDES
                .into_iter()
                .find(|&s| s >= side)
                .unwrap_or(DETECTION_SIDE)
        };
        let (bw, bh) = if rw >= rh {
            (DETECTION_SIDE, bucket(rh))
        } else {
            (bucket(rw), DETECTION_SIDE)
        };
        let resized = image::imageops::resize(image, rw, rh, FilterType::Triangle);
        let (bw_us, bh_us) = (bw as usize, bh as usize);
        let mut input = vec![0.0f32; 3 * bw_us * bh_us];
        write_chw(&resized, &mut input, bh_us, bw_us);
        let (_, prob) = self.net.run(&[1, 3, bh_us, bw_us], &input)?;
        let (rw, rh) = (rw as usize, rh as usize);
        let at = |x: usize, y: usize| prob[y * bw_us + x];
        // Threshold then dilate by 2 × 2, as PP-OCR does, so broken strokes join one line.
        let mut mask = vec![false; rw * rh];
        for y in 0..rh {
            for x in 0..rw {
                mask[y * rw + x] = (0..2).any(|dy| {
                    (0..2).any(|dx| {
                        let (sx, sy) = (x.saturating_sub(dx), y.saturating_sub(dy));
                        at(sx, sy) > PIXEL_THRESHOLD
                    })
                });
            }
        }
        let sx = width as f32 / rw as f32;
        let sy = height as f32 / rh as f32;
        let mut found = Vec::new();
        for region in regions(&mask, rw, rh).into_iter().take(MAX_CANDIDATES) {
            if region.pixels.len() < 6 {
                continue;
            }
            let (quad, short) = region.min_area_rect();
            if short < 3.0 {
                continue;
            }
            let score = region
                .pixels
                .iter()
                .map(|&i| at(i % rw, i / rw))
                .sum::<f32>()
                / region.pixels.len() as f32;
            if score < BOX_THRESHOLD {
                continue;
            }
            let (w, h) = (quad.width(), quad.height());
            let grown = expand(&quad, w * h * UNCLIP_RATIO / (2.0 * (w + h)));
            if grown.width().min(grown.height()) < 5.0 {
                continue;
            }
            let quad = grown.map(|(x, y)| {
                (
                    (x * sx).clamp(0.0, width as f32),
                    (y * sy).clamp(0.0, height as f32),
                )
            });
            found.push(Detected { quad, score });
        }
        found.sort_by(|a, b| {
            let key = |d: &Detected| (d.quad.0[0].1, d.quad.0[0].0);
            key(a)
                .partial_cmp(&key(b))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        Ok(found)
    }
}
