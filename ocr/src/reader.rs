//! The whole reading of one card photo: decode, QR, the card straightened, orientation, OCR,
//! second engine, fields.

use std::path::Path;

use image::{DynamicImage, RgbImage};

use crate::barcode::find_qr;
use crate::decode::{DecodeError, decode_bytes, decode_file};
use crate::draft::{BBox, Draft, Engine, Field, FieldKind, TextLine};
use crate::extract::extract;
use crate::geometry::{Quad, crop};
use crate::payload::parse_payload;
use crate::ppocr::{Detected, ModelError, PpOcr, models_dir};
use crate::tesseract::Tesseract;

mod second_opinion;
mod view;

use self::second_opinion::second_opinion;
use self::view::{View, view};

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
    /// Whether to look for the card's outline and straighten it before detecting text (off
    /// only to measure what straightening brings).
    straighten: bool,
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
            straighten: true,
        })
    }

    /// The same reader with the second engine turned off (for measuring PP-OCR alone).
    pub fn without_tesseract(mut self) -> Self {
        self.tesseract = None;
        self
    }

    /// The same reader reading photos as they are, without finding and straightening the
    /// card first (for measuring what that brings).
    pub fn without_straightening(mut self) -> Self {
        self.straighten = false;
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
        // The QR code is looked for on every pixel of the photo (a small code needs them) on a
        // thread of its own, while the card is found and its text detected on a copy scaled
        // down: at a phone's 12 megapixels the search costs 0.1-0.2 s that the second core
        // hides.
        let (qr, view) = std::thread::scope(|scope| {
            let qr = scope.spawn(|| find_qr(&image.to_luma8()));
            let view = view(&self.ppocr.detector, image, self.straighten);
            let qr = qr
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (qr, view)
        });
        let View {
            work,
            detected,
            to_photo,
        } = view?;
        let rotation = self.orientation(&work, &detected)?;
        let upright = rotate(&work, rotation);
        let (ww, wh) = work.dimensions();
        let (uw, uh) = if rotation % 180 == 90 {
            (height, width)
        } else {
            (width, height)
        };

        let mut lines = Vec::new();
        let mut crops = Vec::new();
        for found in &detected {
            let quad = found.quad.map(|p| rotate_point(p, ww, wh, rotation));
            let line = crop_line(&upright, &quad);
            // A line read as nothing stays: Tesseract may read it (Hangul, Cyrillic).
            let (text, confidence) = self.ppocr.recognizer.recognize(&line)?;
            // Boxes are reported in the whole photo turned upright, whatever was cropped.
            let in_photo = found
                .quad
                .map(|p| rotate_point(to_photo.apply(p), width, height, rotation));
            let (x, y, w, h) = in_photo.bounds(uw, uh);
            lines.push(TextLine {
                text,
                confidence,
                bbox: BBox {
                    x,
                    y,
                    width: w,
                    height: h,
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

/// Adds the OCR fields to the QR ones: a single-valued kind the QR code states is not
/// second-guessed, and a value already there is not repeated.
fn merge(fields: &mut Vec<Field>, ocr: Vec<Field>) {
    let multi = |kind: FieldKind| {
        matches!(
            kind,
            FieldKind::Phone | FieldKind::Email | FieldKind::Url | FieldKind::Social
        )
    };
    // The QR code's own kinds: OCR does not second-guess a single value the code states, but
    // may bring several of a kind the code lacks (two titles).
    let qr_kinds: Vec<FieldKind> = fields.iter().map(|f| f.kind).collect();
    for field in ocr {
        let clash = fields.iter().any(|f| {
            f.kind == field.kind
                && (f.value == field.value || !multi(field.kind) && qr_kinds.contains(&f.kind))
        });
        if !clash {
            fields.push(field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
