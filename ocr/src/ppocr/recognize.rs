//! Line recognition: the CTC network and its greedy decoding with the model's own dictionary.

use image::RgbImage;
use image::imageops::FilterType;

use super::{ModelError, Network, write_chw};

/// Input height the recogniser was trained at.
const HEIGHT: u32 = 48;

/// Width buckets: each line is padded to the smallest that fits, so five optimised plans
/// cover every line (wider lines are squeezed into the last).
const WIDTHS: [u32; 5] = [320, 480, 640, 960, 1280];

/// The recognition network with its dictionary.
pub struct Recognizer {
    net: Network,
    /// Index 0 is the CTC blank; the dictionary follows, then the space PP-OCR appends.
    chars: Vec<String>,
}

impl Recognizer {
    pub(super) fn new(net: Network, dictionary: &str) -> Self {
        let mut chars = vec![String::new()];
        chars.extend(dictionary.lines().map(str::to_string));
        chars.push(" ".to_string());
        Self { net, chars }
    }

    /// How many characters the dictionary holds.
    pub fn dictionary_len(&self) -> usize {
        self.chars.len() - 2
    }

    /// Reads one upright line: its text and mean character confidence.
    pub fn recognize(&self, line: &RgbImage) -> Result<(String, f32), ModelError> {
        let ratio = line.width() as f32 / line.height().max(1) as f32;
        let max = WIDTHS[WIDTHS.len() - 1];
        let width = ((HEIGHT as f32 * ratio).ceil() as u32).clamp(8, max);
        let bucket = WIDTHS.into_iter().find(|&w| w >= width).unwrap_or(max);
        let resized = image::imageops::resize(line, width, HEIGHT, FilterType::Triangle);
        let mut input = vec![0.0f32; 3 * (HEIGHT * bucket) as usize];
        write_chw(&resized, &mut input, HEIGHT as usize, bucket as usize);
        let (shape, probs) = self
            .net
            .run(&[1, 3, HEIGHT as usize, bucket as usize], &input)?;
        let classes = *shape.last().unwrap_or(&1);
        Ok(self.decode(&probs, classes))
    }

    /// Greedy CTC: the best class per step, repeats collapsed, blanks dropped.
    fn decode(&self, probs: &[f32], classes: usize) -> (String, f32) {
        let mut text = String::new();
        let mut confidences = Vec::new();
        let mut previous = 0;
        for step in probs.chunks(classes) {
            let (best, p) = step
                .iter()
                .copied()
                .enumerate()
                .fold(
                    (0, f32::MIN),
                    |acc, (i, p)| if p > acc.1 { (i, p) } else { acc },
                );
            if best != 0
                && best != previous
                && let Some(c) = self.chars.get(best)
            {
                text.push_str(c);
                confidences.push(p);
            }
            previous = best;
        }
        let confidence = if confidences.is_empty() {
            0.0
        } else {
            confidences.iter().sum::<f32>() / confidences.len() as f32
        };
        (text.trim().to_string(), confidence)
    }
}
