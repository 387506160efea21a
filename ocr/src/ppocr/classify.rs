//! The line orientation classifier: is a cropped line upside down?

use image::RgbImage;
use image::imageops::FilterType;

use super::{ModelError, Network, write_chw};

/// The classifier's fixed input: 48 × 192.
const HEIGHT: u32 = 48;
const WIDTH: u32 = 192;

/// The orientation network.
pub struct Classifier {
    net: Network,
}

impl Classifier {
    pub(super) fn new(net: Network) -> Self {
        Self { net }
    }

    /// The probability that `line` (a crop wider than tall) is upside down.
    pub fn upside_down(&self, line: &RgbImage) -> Result<f32, ModelError> {
        let ratio = line.width() as f32 / line.height().max(1) as f32;
        let width = ((HEIGHT as f32 * ratio).ceil() as u32).clamp(1, WIDTH);
        let resized = image::imageops::resize(line, width, HEIGHT, FilterType::Triangle);
        let mut input = vec![0.0f32; 3 * (HEIGHT * WIDTH) as usize];
        write_chw(&resized, &mut input, HEIGHT as usize, WIDTH as usize);
        let (_, probs) = self
            .net
            .run(&[1, 3, HEIGHT as usize, WIDTH as usize], &input)?;
        Ok(probs.get(1).copied().unwrap_or(0.0))
    }
}
