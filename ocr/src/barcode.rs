//! QR codes on the card, read with rxing on the full-resolution photo (modules of a QR code
//! printed on a card are often only 3-4 photo pixels wide, too small to survive downscaling).

use std::collections::HashSet;

use image::GrayImage;
use rxing::{BarcodeFormat, DecodeHints};

use crate::draft::BBox;

/// A QR code found on the card.
#[derive(Debug, Clone, PartialEq)]
pub struct QrCode {
    /// The decoded text, exactly as encoded.
    pub text: String,
    /// Where the code is (from its finder patterns), in the image's pixels.
    pub bbox: BBox,
}

/// The QR code in `image`, if one can be read. Any other barcode is ignored: cards carry QR
/// codes, and looking for every format would triple the time spent on cards without one.
pub fn find_qr(image: &GrayImage) -> Option<QrCode> {
    let mut hints = DecodeHints {
        TryHarder: Some(true),
        PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE])),
        ..DecodeHints::default()
    };
    let result = rxing::helpers::detect_in_luma_slice_with_hints(
        image.as_raw(),
        image.width(),
        image.height(),
        Some(BarcodeFormat::QR_CODE),
        &mut hints,
    )
    .ok()?;
    let points = result.getPoints();
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for point in points {
        x0 = x0.min(point.x);
        y0 = y0.min(point.y);
        x1 = x1.max(point.x);
        y1 = y1.max(point.y);
    }
    let bbox = if points.is_empty() {
        BBox::default()
    } else {
        // Finder pattern centres sit 3.5 modules inside the code's corners; pad by a little.
        let pad = ((x1 - x0).max(y1 - y0) * 0.12).max(2.0);
        let x = (x0 - pad).max(0.0);
        let y = (y0 - pad).max(0.0);
        BBox {
            x: x as u32,
            y: y as u32,
            width: ((x1 + pad).min(image.width() as f32) - x).max(0.0) as u32,
            height: ((y1 + pad).min(image.height() as f32) - y).max(0.0) as u32,
        }
    };
    Some(QrCode {
        text: result.getText().to_string(),
        bbox,
    })
}
