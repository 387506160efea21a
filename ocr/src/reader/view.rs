//! The part of the photo OCR works on: the card straightened out of it when its outline is
//! found, else the photo itself (looked at closer when the card is far away).

use std::borrow::Cow;

use image::{DynamicImage, RgbImage};

use crate::geometry::{Homography, Point, Quad, warp};
use crate::outline::find_card;
use crate::ppocr::{DETECTION_SIDE, Detected, Detector, ModelError};

/// Longest side of the working copy OCR runs on. Detection sees 960 px anyway; lines are
/// cropped from this copy, which keeps small print (8 pt on a card is ~25 px here) legible
/// without carrying a 48-megapixel photo through every step.
pub(super) const WORKING_SIDE: u32 = 2000;

/// Lines whose median height is under this many detector pixels mean a card far from the
/// camera, looked at again closer (see [`zoom`]). The fixture cards photographed at arm's
/// length measure 29-34 px there (boxes include DB's margin), the far ones 20-22.
const ZOOM_BELOW_PX: f32 = 24.0;

/// Table kept around the card's outline when straightening it, as a share of its size: the
/// outline is found on a thumbnail and may sit a few pixels inside the card's true edge.
const CARD_MARGIN: f32 = 0.02;

/// Detected lines this close to the straightened card's edge (share of its size) mean the
/// outline cut into the card; the photo is then read as it is.
const EDGE_TOUCH: f32 = 0.005;

/// The pixels OCR works on, the lines detected in them, and the way back to the photo.
pub(super) struct View {
    /// The pixels.
    pub work: RgbImage,
    /// The text lines detected in `work`.
    pub detected: Vec<Detected>,
    /// Maps a point of `work` to the photo.
    pub to_photo: ToPhoto,
}

/// How a point of the working pixels maps to the photo.
pub(super) enum ToPhoto {
    /// A scaled crop: `work` starts at `origin` in the photo and has `scale` pixels per photo
    /// pixel.
    Crop { origin: Point, scale: f32 },
    /// The card straightened by a homography from `work` to the photo.
    Card(Homography),
}

impl ToPhoto {
    /// Where `p` of the working pixels is in the photo.
    pub fn apply(&self, p: Point) -> Point {
        match self {
            ToPhoto::Crop { origin, scale } => (origin.0 + p.0 / scale, origin.1 + p.1 / scale),
            ToPhoto::Card(map) => map.apply(p),
        }
    }
}

/// The view of `image` to read: the card straightened (if `straighten`) when its outline is
/// found and the text detected on it stays inside, else the photo (with [`zoom`] for a far
/// card).
pub(super) fn view(
    detector: &Detector,
    image: &DynamicImage,
    straighten: bool,
) -> Result<View, ModelError> {
    let rgb: Cow<RgbImage> = match image.as_rgb8() {
        Some(rgb) => Cow::Borrowed(rgb),
        None => Cow::Owned(image.to_rgb8()),
    };
    if straighten && let Some(view) = card_view(detector, &rgb)? {
        return Ok(view);
    }
    let (width, height) = rgb.dimensions();
    let scale = (WORKING_SIDE as f32 / width.max(height) as f32).min(1.0);
    let work = working_copy(image, scale);
    let detected = detector.detect(&work)?;
    zoom(
        detector,
        image,
        View {
            work,
            detected,
            to_photo: ToPhoto::Crop {
                origin: (0.0, 0.0),
                scale,
            },
        },
    )
}

/// The card found in `photo`, straightened (perspective and tilt undone; quarter turns are
/// left to the orientation step) at its own resolution up to [`WORKING_SIDE`], with its text
/// detected. `None` when no outline is found or the text runs over its edge.
fn card_view(detector: &Detector, photo: &RgbImage) -> Result<Option<View>, ModelError> {
    let Some(outline) = find_card(photo) else {
        return Ok(None);
    };
    let margin = CARD_MARGIN * outline.width().max(outline.height());
    let quad: Quad = expand_quad(&outline, margin);
    let (w, h) = (quad.width(), quad.height());
    let scale = (WORKING_SIDE as f32 / w.max(h)).min(1.0);
    let (w, h) = ((w * scale).round() as u32, (h * scale).round() as u32);
    let Some((work, map)) = warp(photo, &quad, w, h) else {
        return Ok(None);
    };
    let detected = detector.detect(&work)?;
    let edge = EDGE_TOUCH * w.max(h) as f32;
    let cut = detected.iter().any(|d| {
        d.quad
            .0
            .iter()
            .any(|&(x, y)| x < edge || y < edge || x > w as f32 - edge || y > h as f32 - edge)
    });
    if detected.is_empty() || cut {
        return Ok(None);
    }
    Ok(Some(View {
        work,
        detected,
        to_photo: ToPhoto::Card(map),
    }))
}

/// `quad` grown by about `margin` pixels on every side, each corner moved out from the centre
/// (a perspective quad is no rectangle, so `geometry::expand` would misplace it).
fn expand_quad(quad: &Quad, margin: f32) -> Quad {
    let centre = quad
        .0
        .iter()
        .fold((0.0, 0.0), |c, p| (c.0 + p.0 / 4.0, c.1 + p.1 / 4.0));
    Quad(quad.0.map(|p| {
        let (dx, dy) = (p.0 - centre.0, p.1 - centre.1);
        let length = dx.hypot(dy).max(1.0);
        // A square's corner moving √2 × margin along its diagonal moves each side by margin.
        let grow = std::f32::consts::SQRT_2 * margin / length;
        (p.0 + dx * grow, p.1 + dy * grow)
    }))
}

/// Looks again, closer, at a card far from the camera: when the detected lines are small,
/// the region they cover (with a margin) is cut from the full-resolution photo and detection
/// runs on that, so small print gets the detector's full 960 pixels and the recogniser the
/// photo's own resolution.
fn zoom(detector: &Detector, image: &DynamicImage, view: View) -> Result<View, ModelError> {
    let ToPhoto::Crop { scale, .. } = view.to_photo else {
        return Ok(view);
    };
    let (ww, wh) = view.work.dimensions();
    let Some((x0, y0, x1, y1)) = view
        .detected
        .iter()
        .map(|d| d.quad.bounds(ww, wh))
        .map(|(x, y, w, h)| (x, y, x + w, y + h))
        .reduce(|a, b| (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)))
    else {
        return Ok(view);
    };
    // Worth a second detection only when the lines are small for the detector and a crop
    // around them would be at least half again as large.
    let to_detector = DETECTION_SIDE as f32 / ww.max(wh) as f32;
    let mut heights: Vec<f32> = view
        .detected
        .iter()
        .map(|d| d.quad.width().min(d.quad.height()) * to_detector)
        .collect();
    heights.sort_by(f32::total_cmp);
    let median = heights[heights.len() / 2];
    let gain = ww.max(wh) as f32 / (x1 - x0).max(y1 - y0).max(1) as f32;
    if median >= ZOOM_BELOW_PX || gain < 1.5 {
        return Ok(view);
    }
    let margin = (x1 - x0).max(y1 - y0) as f32 * 0.15;
    let to_photo = |v: f32| (v / scale).max(0.0);
    let left = to_photo(x0 as f32 - margin).floor() as u32;
    let top = to_photo(y0 as f32 - margin).floor() as u32;
    let right = (to_photo(x1 as f32 + margin).ceil() as u32).min(image.width());
    let bottom = (to_photo(y1 as f32 + margin).ceil() as u32).min(image.height());
    if right <= left + 32 || bottom <= top + 32 {
        return Ok(view);
    }
    let region = image.crop_imm(left, top, right - left, bottom - top);
    let scale = (WORKING_SIDE as f32 / region.width().max(region.height()) as f32).min(1.0);
    let work = working_copy(&region, scale);
    let detected = detector.detect(&work)?;
    Ok(View {
        work,
        detected,
        to_photo: ToPhoto::Crop {
            origin: (left as f32, top as f32),
            scale,
        },
    })
}

/// `image` scaled by `scale` (at most 1) as RGB.
fn working_copy(image: &DynamicImage, scale: f32) -> RgbImage {
    if scale < 1.0 {
        image
            .resize(
                (image.width() as f32 * scale).round() as u32,
                (image.height() as f32 * scale).round() as u32,
                image::imageops::FilterType::Triangle,
            )
            .to_rgb8()
    } else {
        image.to_rgb8()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grown_quad_keeps_its_centre_and_moves_each_side_out() {
        let quad = Quad([(10.0, 10.0), (110.0, 10.0), (110.0, 110.0), (10.0, 110.0)]);
        let grown = expand_quad(&quad, 5.0);
        assert!((grown.0[0].0 - 5.0).abs() < 1e-3 && (grown.0[0].1 - 5.0).abs() < 1e-3);
        assert!((grown.0[2].0 - 115.0).abs() < 1e-3 && (grown.0[2].1 - 115.0).abs() < 1e-3);
    }
}
