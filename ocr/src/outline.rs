//! Finding the card in the photo: its four corners, so perspective and tilt can be undone
//! before any text is looked for.
//!
//! A card photographed on a table is a convex quadrilateral that differs from the table around
//! it. The table is what the photo's border shows, so a pixel is "card" when it is brighter
//! than the Otsu threshold between paper and table, or when its colour (chromaticity, which
//! shading and shadow leave alone) is unlike the border's: that keeps a coloured band or logo
//! at the card's edge inside the card. The largest such region's convex hull, reduced to the
//! largest quadrilateral inside it, is the card, if the hull is nearly that quadrilateral (a
//! card, not a blob) and the region stays clear of the photo's border (a card, not the table).
//! Anything else returns `None` and the reader works on the photo as it is, as it did before.

use image::{GrayImage, RgbImage};

use crate::geometry::{Point, Quad, convex_hull, order_points, regions};

/// Longest side of the thumbnail the card is looked for in: the outline needs no detail, and
/// four photo pixels per thumbnail pixel on a phone photo's working copy is accurate enough.
const SIDE: u32 = 320;

/// Smallest share of the photo a card can cover (a far card in the fixtures covers ~20 %).
const MIN_AREA: f32 = 0.06;

/// How much more than the quadrilateral the hull may cover: a card's hull is its quad, give
/// or take a rounded corner and pixel steps.
const MAX_HULL_EXCESS: f32 = 1.06;

/// Chromaticity distance from the table that makes a pixel part of the card.
const CHROMA_DISTANCE: f32 = 0.06;

/// The card's corners in `image`'s pixels (top-left first, clockwise, in the photo's frame),
/// or `None` when no card stands out from its background.
pub fn find_card(image: &RgbImage) -> Option<Quad> {
    let (width, height) = image.dimensions();
    let scale = (SIDE as f32 / width.max(height) as f32).min(1.0);
    let (tw, th) = (
        ((width as f32 * scale).round() as u32).max(8),
        ((height as f32 * scale).round() as u32).max(8),
    );
    let thumb = image::imageops::thumbnail(image, tw, th);
    let (w, h) = (tw as usize, th as usize);
    // Closing bridges the strokes of text and rules that would cut the card's region in two.
    let mask = close(&card_mask(&thumb), w, h, 2);
    let region = regions(&mask, w, h)
        .into_iter()
        .max_by_key(|region| region.pixels.len())?;
    let area = (w * h) as f32;
    if (region.pixels.len() as f32) < MIN_AREA * area {
        return None;
    }
    // A region reaching the photo's edge on more than a little of it is the table (or a card
    // cut off by the frame, whose outline cannot be known).
    let touching = region
        .pixels
        .iter()
        .filter(|&&at| {
            let (x, y) = (at % w, at / w);
            x == 0 || y == 0 || x + 1 == w || y + 1 == h
        })
        .count();
    if touching as f32 > 0.05 * (w + h) as f32 {
        return None;
    }
    let hull = convex_hull(region.outline());
    let quad = largest_quad(&hull)?;
    let quad_area = polygon_area(&quad.0);
    if quad_area < MIN_AREA * area || polygon_area(&hull) > MAX_HULL_EXCESS * quad_area {
        return None;
    }
    if !square_enough(&quad) {
        return None;
    }
    let to_photo = 1.0 / scale;
    Some(quad.map(|(x, y)| (x * to_photo, y * to_photo)))
}

/// Pixels unlike the table: brighter than the Otsu threshold, or of another colour than the
/// photo's border.
fn card_mask(thumb: &RgbImage) -> Vec<bool> {
    let luma: GrayImage = image::DynamicImage::ImageRgb8(thumb.clone()).to_luma8();
    let threshold = otsu(&luma);
    let (w, h) = thumb.dimensions();
    let chroma = |p: &image::Rgb<u8>| {
        let sum = p.0.iter().map(|&v| v as f32).sum::<f32>().max(1.0);
        (p.0[0] as f32 / sum, p.0[1] as f32 / sum)
    };
    let mut border: Vec<(f32, f32)> = Vec::new();
    for (x, y, p) in thumb.enumerate_pixels() {
        if x == 0 || y == 0 || x + 1 == w || y + 1 == h {
            border.push(chroma(p));
        }
    }
    let median = |mut values: Vec<f32>| {
        values.sort_by(f32::total_cmp);
        values[values.len() / 2]
    };
    let table = (
        median(border.iter().map(|c| c.0).collect()),
        median(border.iter().map(|c| c.1).collect()),
    );
    thumb
        .pixels()
        .zip(luma.pixels())
        .map(|(p, l)| {
            let c = chroma(p);
            let distance = ((c.0 - table.0).powi(2) + (c.1 - table.1).powi(2)).sqrt();
            // Chromaticity of near-black pixels is noise.
            l[0] > threshold || l[0] > 40 && distance > CHROMA_DISTANCE
        })
        .collect()
}

/// Morphological closing of `mask` by a square of side `2 radius + 1`: dilation, then
/// erosion, each as a row pass and a column pass.
fn close(mask: &[bool], w: usize, h: usize, radius: usize) -> Vec<bool> {
    let pass = |mask: &[bool], any: bool, horizontal: bool| -> Vec<bool> {
        let (outer, inner) = if horizontal { (h, w) } else { (w, h) };
        let at = |o: usize, i: usize| if horizontal { o * w + i } else { i * w + o };
        let mut out = vec![false; mask.len()];
        for o in 0..outer {
            for i in 0..inner {
                let lo = i.saturating_sub(radius);
                let hi = (i + radius).min(inner - 1);
                let mut window = (lo..=hi).map(|j| mask[at(o, j)]);
                out[at(o, i)] = if any {
                    window.any(|v| v)
                } else {
                    window.all(|v| v)
                };
            }
        }
        out
    };
    let dilated = pass(&pass(mask, true, true), true, false);
    pass(&pass(&dilated, false, true), false, false)
}

/// Otsu's threshold: the grey level that best separates the histogram into two classes.
fn otsu(gray: &GrayImage) -> u8 {
    let mut histogram = [0u64; 256];
    for p in gray.pixels() {
        histogram[p[0] as usize] += 1;
    }
    let total = gray.pixels().len() as f64;
    let sum: f64 = histogram
        .iter()
        .enumerate()
        .map(|(v, &n)| v as f64 * n as f64)
        .sum();
    let (mut below, mut below_sum, mut best, mut best_t) = (0.0, 0.0, -1.0, 128u8);
    for (t, &n) in histogram.iter().enumerate() {
        below += n as f64;
        below_sum += t as f64 * n as f64;
        let above = total - below;
        if below == 0.0 || above == 0.0 {
            continue;
        }
        let (m0, m1) = (below_sum / below, (sum - below_sum) / above);
        let between = below * above * (m0 - m1).powi(2);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    best_t
}

/// The largest-area quadrilateral with its corners on the convex polygon `hull`: tried on
/// an even subsample of the hull, then each corner moved along the full hull while that grows
/// the area.
fn largest_quad(hull: &[Point]) -> Option<Quad> {
    let n = hull.len();
    if n < 4 {
        return None;
    }
    let step = n.div_ceil(32);
    let sample: Vec<usize> = (0..n).step_by(step).collect();
    let area = |idx: [usize; 4]| polygon_area(&idx.map(|i| hull[i]));
    let mut best = ([0, 1, 2, 3], 0.0);
    let m = sample.len();
    for a in 0..m {
        for b in a + 1..m {
            for c in b + 1..m {
                for d in c + 1..m {
                    let idx = [sample[a], sample[b], sample[c], sample[d]];
                    let value = area(idx);
                    if value > best.1 {
                        best = (idx, value);
                    }
                }
            }
        }
    }
    let mut idx = best.0;
    for _ in 0..3 {
        for corner in 0..4 {
            let (prev, next) = (idx[(corner + 3) % 4], idx[(corner + 1) % 4]);
            // Hull indices strictly between the neighbouring corners, going round.
            let span = (next + n - prev) % n;
            for offset in 1..span {
                let mut trial = idx;
                trial[corner] = (prev + offset) % n;
                if area(trial) > area(idx) {
                    idx = trial;
                }
            }
        }
    }
    Some(order_points(idx.map(|i| hull[i])))
}

/// The area of a simple polygon (shoelace formula).
fn polygon_area(points: &[Point]) -> f32 {
    let n = points.len();
    let twice: f32 = (0..n)
        .map(|i| {
            let (a, b) = (points[i], points[(i + 1) % n]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum();
    twice.abs() / 2.0
}

/// Whether every corner of `quad` is between 50° and 130°: a card seen at an angle a person
/// would photograph it at, not a sliver.
fn square_enough(quad: &Quad) -> bool {
    (0..4).all(|i| {
        let p = quad.0[i];
        let (a, b) = (quad.0[(i + 3) % 4], quad.0[(i + 1) % 4]);
        let u = (a.0 - p.0, a.1 - p.1);
        let v = (b.0 - p.0, b.1 - p.1);
        let cos = (u.0 * v.0 + u.1 * v.1) / ((u.0.hypot(u.1) * v.0.hypot(v.1)).max(1e-6));
        cos.abs() < 50f32.to_radians().cos()
    })
}

#[cfg(test)]
mod tests;
