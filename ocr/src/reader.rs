//! The whole reading of one card photo: decode, QR, orientation, OCR, second engine, fields.

use std::path::Path;

use image::{DynamicImage, GrayImage, RgbImage};

use crate::barcode::find_qr;
use crate::decode::{DecodeError, decode_bytes, decode_file};
use crate::draft::{BBox, Draft, Engine, Field, FieldKind, TextLine};
use crate::extract::extract;
use crate::geometry::{Quad, crop};
use crate::payload::parse_payload;
use crate::ppocr::{Detected, ModelError, PpOcr, models_dir};
use crate::tesseract::Tesseract;

/// Longest side of the working copy OCR runs on. Detection sees 960 px anyway; lines are
/// cropped from this copy, which keeps small print (8 pt on a card is ~25 px here) legible
/// without carrying a 48-megapixel photo through every step.
const WORKING_SIDE: u32 = 2000;

/// Lines PP-OCR reads with less confidence than this are read again by Tesseract.
const SECOND_OPINION_BELOW: f32 = 0.8;

/// Why a card could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file is not an acceptable image.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The OCR models failed.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// Reads card photos into drafts. Loading the models takes a moment; keep one reader and
/// share it (it is `Sync`).
pub struct CardReader {
    ppocr: PpOcr,
    tesseract: Option<Tesseract>,
}

impl CardReader {
    /// Loads the models from `$ROLO_OCR_MODELS` or `ocr/models`, and finds Tesseract if it is
    /// installed.
    pub fn from_env() -> Result<Self, ModelError> {
        Self::load(&models_dir())
    }

    /// Loads the models from `dir`, and finds Tesseract if it is installed.
    pub fn load(dir: &Path) -> Result<Self, ModelError> {
        Ok(Self {
            ppocr: PpOcr::load(dir)?,
            tesseract: Tesseract::find(),
        })
    }

    /// The same reader with the second engine turned off (for measuring PP-OCR alone).
    pub fn without_tesseract(mut self) -> Self {
        self.tesseract = None;
        self
    }

    /// Whether Tesseract is there to read what PP-OCR cannot.
    pub fn has_tesseract(&self) -> bool {
        self.tesseract.is_some()
    }

    /// Reads the photo at `path`.
    pub fn read_file(&self, path: &Path) -> Result<Draft, ReadError> {
        let image = decode_file(path)?;
        Ok(self.read_image(&image)?)
    }

    /// Reads a photo held in memory.
    pub fn read_bytes(&self, data: &[u8]) -> Result<Draft, ReadError> {
        let image = decode_bytes(data)?;
        Ok(self.read_image(&image)?)
    }

    /// Reads a decoded, EXIF-upright photo.
    pub fn read_image(&self, image: &DynamicImage) -> Result<Draft, ModelError> {
        let (width, height) = (image.width(), image.height());
        let qr = find_qr(&image.to_luma8());

        let scale = (WORKING_SIDE as f32 / width.max(height) as f32).min(1.0);
        let work = if scale < 1.0 {
            image.resize(
                (width as f32 * scale).round() as u32,
                (height as f32 * scale).round() as u32,
                image::imageops::FilterType::Triangle,
            )
        } else {
            image.clone()
        }
        .to_rgb8();
        let detected = self.ppocr.detector.detect(&work)?;
        let rotation = self.orientation(&work, &detected)?;
        let upright = rotate(&work, rotation);
        let (ww, wh) = work.dimensions();

        let mut lines = Vec::new();
        let mut crops = Vec::new();
        for found in &detected {
            let quad = found.quad.map(|p| rotate_point(p, ww, wh, rotation));
            let line = crop_line(&upright, &quad);
            // A line read as nothing stays: Tesseract may read it (Hangul, Cyrillic).
            let (text, confidence) = self.ppocr.recognizer.recognize(&line)?;
            let (x, y, w, h) = quad.bounds(upright.width(), upright.height());
            let unscale = |v: u32| (v as f32 / scale).round() as u32;
            lines.push(TextLine {
                text,
                confidence,
                bbox: BBox {
                    x: unscale(x),
                    y: unscale(y),
                    width: unscale(w),
                    height: unscale(h),
                },
                engine: Engine::PpOcr,
            });
            crops.push(line);
        }
        if let Some(tesseract) = &self.tesseract {
            second_opinion(tesseract, &mut lines, &crops);
        }
        lines.retain(|line| !line.text.trim().is_empty());

        let extraction = extract(&lines);
        let mut fields = Vec::new();
        if let Some(qr) = &qr
            && let Some(mut qr_fields) = parse_payload(&qr.text)
        {
            let bbox = rotate_box(qr.bbox, width, height, rotation);
            for field in &mut qr_fields {
                field.bbox = Some(bbox);
            }
            fields = qr_fields;
        }
        merge(&mut fields, extraction.fields);
        let region = extraction.region;
        Ok(Draft {
            fields,
            region,
            lines,
            rotation,
        })
    }

    /// Degrees clockwise the photo must turn for its text to read upright: lines taller than
    /// wide mean a card on its side, and the orientation classifier's vote over the longest
    /// lines tells right way up from upside down.
    fn orientation(&self, work: &RgbImage, detected: &[Detected]) -> Result<u16, ModelError> {
        let (mut tall, mut wide) = (0.0, 0.0);
        for found in detected {
            let (w, h) = (found.quad.width(), found.quad.height());
            if h > w {
                tall += h;
            } else {
                wide += w;
            }
        }
        let base: u16 = if tall > wide { 270 } else { 0 };
        let upright = rotate(work, base);
        let (ww, wh) = work.dimensions();
        let mut longest: Vec<Quad> = detected
            .iter()
            .map(|d| d.quad.map(|p| rotate_point(p, ww, wh, base)))
            .filter(|q| q.width() > q.height())
            .collect();
        longest.sort_by(|a, b| b.width().total_cmp(&a.width()));
        let mut vote = 0.0;
        for quad in longest.iter().take(8) {
            let line = crop_line(&upright, quad);
            let p = self.ppocr.classifier.upside_down(&line)?;
            vote += p - 0.5;
        }
        Ok(if vote > 0.0 { (base + 180) % 360 } else { base })
    }
}

/// Crops a line out of an upright image at the quad's own size.
fn crop_line(image: &RgbImage, quad: &Quad) -> RgbImage {
    let width = quad.width().round().max(1.0) as u32;
    let height = quad.height().round().max(1.0) as u32;
    crop(image, quad, width, height)
}

/// `image` turned clockwise by `degrees` (0, 90, 180 or 270).
fn rotate(image: &RgbImage, degrees: u16) -> RgbImage {
    match degrees {
        90 => image::imageops::rotate90(image),
        180 => image::imageops::rotate180(image),
        270 => image::imageops::rotate270(image),
        _ => image.clone(),
    }
}

/// Where point `p` of a `width` × `height` image lands when the image turns `degrees`
/// clockwise.
fn rotate_point(p: (f32, f32), width: u32, height: u32, degrees: u16) -> (f32, f32) {
    let (w, h) = (width as f32, height as f32);
    match degrees {
        90 => (h - p.1, p.0),
        180 => (w - p.0, h - p.1),
        270 => (p.1, w - p.0),
        _ => p,
    }
}

/// [`rotate_point`] for a box.
fn rotate_box(bbox: BBox, width: u32, height: u32, degrees: u16) -> BBox {
    let corners = [
        (bbox.x as f32, bbox.y as f32),
        ((bbox.x + bbox.width) as f32, (bbox.y + bbox.height) as f32),
    ]
    .map(|p| rotate_point(p, width, height, degrees));
    let (x0, x1) = (
        corners[0].0.min(corners[1].0),
        corners[0].0.max(corners[1].0),
    );
    let (y0, y1) = (
        corners[0].1.min(corners[1].1),
        corners[0].1.max(corners[1].1),
    );
    BBox {
        x: x0 as u32,
        y: y0 as u32,
        width: (x1 - x0) as u32,
        height: (y1 - y0) as u32,
    }
}

/// Reads lines again with Tesseract where PP-OCR cannot be trusted, in two steps.
///
/// First the lines PP-OCR was unsure of (or read as nothing: its dictionary has no Hangul or
/// Cyrillic) go to Tesseract with Korean, Russian and English; the more confident reading
/// wins. If that turns up Hangul or Cyrillic, the card is in that script, and PP-OCR's
/// confident readings of the other non-ASCII lines are suspect too (it reads a Hangul label as
/// a look-alike Han character with high confidence), so those are read again in that language
/// and replaced where Tesseract finds the script.
fn second_opinion(tesseract: &Tesseract, lines: &mut [TextLine], crops: &[RgbImage]) {
    let unsure: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].confidence < SECOND_OPINION_BELOW)
        .collect();
    let langs: Vec<&str> = ["kor", "rus", "eng"]
        .into_iter()
        .filter(|l| tesseract.has(l))
        .collect();
    if unsure.is_empty() || langs.is_empty() {
        return;
    }
    let first = read_sheet(tesseract, crops, &unsure, &langs.join("+"));
    let mut script = None;
    for (&index, reading) in unsure.iter().zip(&first) {
        let Some((text, confidence)) = reading else {
            continue;
        };
        if crate::script::count(text, crate::script::is_hangul) >= 2 && *confidence >= 0.6 {
            script = Some("kor");
        } else if crate::script::count(text, crate::script::is_cyrillic) >= 3 && *confidence >= 0.6
        {
            script = script.or(Some("rus"));
        }
        if *confidence > lines[index].confidence {
            lines[index].text = text.clone();
            lines[index].confidence = *confidence;
            lines[index].engine = Engine::Tesseract;
        }
    }
    let Some(script) = script else {
        return;
    };
    let is_script = if script == "kor" {
        crate::script::is_hangul
    } else {
        crate::script::is_cyrillic
    };
    let suspect: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].engine == Engine::PpOcr && !lines[i].text.is_ascii())
        .collect();
    if suspect.is_empty() {
        return;
    }
    let second = read_sheet(tesseract, crops, &suspect, &format!("{script}+eng"));
    for (&index, reading) in suspect.iter().zip(second) {
        if let Some((text, confidence)) = reading
            && crate::script::count(&text, is_script) > 0
            && confidence >= 0.5
        {
            lines[index].text = merge_readings(&lines[index].text, &text);
            lines[index].confidence = confidence;
            lines[index].engine = Engine::Tesseract;
        }
    }
}

/// Combines two readings of a mixed line (`휴대폰 010-4821-3367`): PP-OCR reads the ASCII
/// part (digits, addresses) more reliably and Tesseract the script PP-OCR lacks, so the result
/// is Tesseract's non-ASCII words around PP-OCR's ASCII text. A line with little ASCII is
/// Tesseract's alone.
fn merge_readings(ppocr: &str, tesseract: &str) -> String {
    let ascii: String = ppocr.chars().filter(char::is_ascii).collect();
    let ascii = ascii.trim();
    if ascii.chars().filter(char::is_ascii_alphanumeric).count() < 5 {
        return tesseract.to_string();
    }
    let words: Vec<&str> = tesseract.split_whitespace().collect();
    let first_ascii = words
        .iter()
        .position(|w| w.is_ascii())
        .unwrap_or(words.len());
    let before: Vec<&str> = words[..first_ascii]
        .iter()
        .copied()
        .filter(|w| !w.is_ascii())
        .collect();
    let after: Vec<&str> = words[first_ascii..]
        .iter()
        .copied()
        .filter(|w| !w.is_ascii())
        .collect();
    [before.join(" "), ascii.to_string(), after.join(" ")]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads the crops at `indices` with Tesseract in one run over a sheet stacking them top to
/// bottom, one slot each; returns each slot's text and mean confidence.
fn read_sheet(
    tesseract: &Tesseract,
    crops: &[RgbImage],
    indices: &[usize],
    langs: &str,
) -> Vec<Option<(String, f32)>> {
    const SLOT: u32 = 64;
    const LINE: u32 = 40;
    let scaled: Vec<GrayImage> = indices
        .iter()
        .map(|&i| {
            let mut gray = DynamicImage::ImageRgb8(crops[i].clone()).to_luma8();
            // Tesseract expects dark text on light paper; a line printed white on a coloured
            // band is turned around.
            if dark_background(&gray) {
                image::imageops::invert(&mut gray);
            }
            stretch(&mut gray);
            let width = (gray.width() as f32 * LINE as f32 / gray.height().max(1) as f32)
                .round()
                .clamp(1.0, 2400.0) as u32;
            image::imageops::resize(&gray, width, LINE, image::imageops::FilterType::Triangle)
        })
        .collect();
    let sheet_width = scaled.iter().map(|s| s.width()).max().unwrap_or(1) + 2 * SLOT;
    let sheet_height = SLOT * (scaled.len() as u32 + 1);
    let mut sheet = GrayImage::from_pixel(sheet_width, sheet_height, image::Luma([255]));
    for (slot, line) in scaled.iter().enumerate() {
        let y = SLOT / 2 + slot as u32 * SLOT + (SLOT - LINE) / 2;
        image::imageops::overlay(&mut sheet, line, SLOT as i64, y as i64);
    }
    let Ok(read) = tesseract.read(&sheet, langs, 6) else {
        return vec![None; indices.len()];
    };
    (0..indices.len())
        .map(|slot| {
            let top = SLOT / 2 + slot as u32 * SLOT;
            let in_slot: Vec<&TextLine> = read
                .iter()
                .filter(|l| {
                    let centre = l.bbox.y + l.bbox.height / 2;
                    centre >= top && centre < top + SLOT
                })
                .collect();
            if in_slot.is_empty() {
                return None;
            }
            let text: Vec<&str> = in_slot.iter().map(|l| l.text.as_str()).collect();
            let confidence =
                in_slot.iter().map(|l| l.confidence).sum::<f32>() / in_slot.len() as f32;
            Some((text.join(" "), confidence))
        })
        .collect()
}

/// Whether a line crop is light text on a dark background: its median (the background, which
/// covers most of a line) is nearer its darkest than its lightest tones.
fn dark_background(gray: &GrayImage) -> bool {
    let mut values: Vec<u8> = gray.pixels().map(|p| p[0]).collect();
    if values.is_empty() {
        return false;
    }
    values.sort_unstable();
    let at = |q: f32| values[((values.len() - 1) as f32 * q) as usize] as i32;
    let (low, median, high) = (at(0.05), at(0.5), at(0.95));
    median - low < high - median
}

/// Stretches a crop's tones so its paper is white and its ink black: on a white sheet, a
/// crop left grey reads to Tesseract's binariser as a dark block, not as text.
fn stretch(gray: &mut GrayImage) {
    let mut values: Vec<u8> = gray.pixels().map(|p| p[0]).collect();
    if values.is_empty() {
        return;
    }
    values.sort_unstable();
    let low = values[(values.len() - 1) / 20] as f32;
    let high = values[(values.len() - 1) * 9 / 10] as f32;
    if high - low < 8.0 {
        return;
    }
    for pixel in gray.pixels_mut() {
        let v = (pixel[0] as f32 - low) * 255.0 / (high - low);
        pixel[0] = v.round().clamp(0.0, 255.0) as u8;
    }
}

/// Adds the OCR fields to the QR ones: a single-valued kind the QR code states is not
/// second-guessed, and a value already there is not repeated.
fn merge(fields: &mut Vec<Field>, ocr: Vec<Field>) {
    let multi = |kind: FieldKind| {
        matches!(
            kind,
            FieldKind::Phone | FieldKind::Email | FieldKind::Url | FieldKind::Social
        )
    };
    for field in ocr {
        let clash = fields
            .iter()
            .any(|f| f.kind == field.kind && (!multi(field.kind) || f.value == field.value));
        if !clash {
            fields.push(field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mixed_line_keeps_pp_ocrs_digits_and_tesseracts_hangul() {
        assert_eq!(
            merge_readings("喜010-4821-3367", "휴대폰 010-482-3367"),
            "휴대폰 010-4821-3367"
        );
        assert_eq!(merge_readings("召", "김민준"), "김민준");
    }

    #[test]
    fn rotating_a_point_four_quarter_turns_comes_back() {
        let (w, h) = (200, 100);
        let p = (30.0, 10.0);
        let once = rotate_point(p, w, h, 90);
        assert_eq!(once, (90.0, 30.0));
        let twice = rotate_point(once, h, w, 90);
        assert_eq!(twice, rotate_point(p, w, h, 180));
        assert_eq!(rotate_point(rotate_point(p, w, h, 270), h, w, 90), p);
    }
}
