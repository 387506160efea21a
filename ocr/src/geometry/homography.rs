//! Perspective: the homography between a card's quadrilateral in the photo and an upright
//! rectangle, and warping the photo through it.
//!
//! [`super::crop`] samples a parallelogram, which is exact for one text line (too short for
//! perspective to bend it) but not for a whole card photographed at an angle: its far edge is
//! shorter than its near one. A homography maps the four corners exactly.

use image::RgbImage;

use super::{Point, Quad, bilinear};

/// A plane projective map, `(x, y) -> ((a x + b y + c) / (g x + h y + 1), (d x + e y + f) / (…))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography([f64; 8]);

impl Homography {
    /// The map taking the four points `from` onto the four points `to`, or `None` when three of
    /// either are collinear (no such map exists).
    pub fn between(from: [Point; 4], to: [Point; 4]) -> Option<Self> {
        // Two equations per correspondence, in the eight unknowns a..h.
        let mut rows = [[0.0f64; 9]; 8];
        for (i, (&(x, y), &(u, v))) in from.iter().zip(&to).enumerate() {
            let (x, y, u, v) = (x as f64, y as f64, u as f64, v as f64);
            rows[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            rows[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        solve(rows).map(Self)
    }

    /// The map from a `width` × `height` upright rectangle onto `quad` (its top-left corner
    /// to the quad's first point, clockwise).
    pub fn rectangle_to(quad: &Quad, width: f32, height: f32) -> Option<Self> {
        Self::between(
            [(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)],
            quad.0,
        )
    }

    /// Where `p` lands.
    pub fn apply(&self, p: Point) -> Point {
        let [a, b, c, d, e, f, g, h] = self.0;
        let (x, y) = (p.0 as f64, p.1 as f64);
        let w = g * x + h * y + 1.0;
        (
            ((a * x + b * y + c) / w) as f32,
            ((d * x + e * y + f) / w) as f32,
        )
    }
}

/// Gaussian elimination with partial pivoting on the augmented 8 × 9 system.
fn solve(mut rows: [[f64; 9]; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let pivot = (col..8).max_by(|&a, &b| rows[a][col].abs().total_cmp(&rows[b][col].abs()))?;
        if rows[pivot][col].abs() < 1e-9 {
            return None;
        }
        rows.swap(col, pivot);
        let pivot_row = rows[col];
        for (index, row) in rows.iter_mut().enumerate() {
            if index != col {
                let factor = row[col] / pivot_row[col];
                for (value, above) in row.iter_mut().zip(pivot_row).skip(col) {
                    *value -= factor * above;
                }
            }
        }
    }
    let mut out = [0.0; 8];
    for (i, value) in out.iter_mut().enumerate() {
        *value = rows[i][8] / rows[i][i];
    }
    Some(out)
}

/// The quadrilateral `quad` of `image` straightened into an upright `width` × `height` image,
/// with the map from the result's pixels back to `image` (to report boxes on the photo).
pub fn warp(
    image: &RgbImage,
    quad: &Quad,
    width: u32,
    height: u32,
) -> Option<(RgbImage, Homography)> {
    let (w, h) = (width.max(1), height.max(1));
    let to_photo = Homography::rectangle_to(quad, w as f32, h as f32)?;
    let warped = RgbImage::from_fn(w, h, |x, y| {
        let (sx, sy) = to_photo.apply((x as f32 + 0.5, y as f32 + 0.5));
        bilinear(image, sx - 0.5, sy - 0.5)
    });
    Some((warped, to_photo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_homography_maps_each_corner_onto_its_partner() {
        let quad = Quad([
            (100.0, 80.0),
            (900.0, 120.0),
            (860.0, 600.0),
            (130.0, 540.0),
        ]);
        let map = Homography::rectangle_to(&quad, 1050.0, 600.0).unwrap();
        let corners = [(0.0, 0.0), (1050.0, 0.0), (1050.0, 600.0), (0.0, 600.0)];
        for (corner, want) in corners.iter().zip(quad.0) {
            let got = map.apply(*corner);
            assert!(
                (got.0 - want.0).abs() < 1e-2 && (got.1 - want.1).abs() < 1e-2,
                "{got:?}"
            );
        }
    }

    #[test]
    fn collinear_corners_have_no_homography() {
        let line = [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0)];
        assert_eq!(Homography::between(line, line), None);
    }

    #[test]
    fn warping_a_drawn_quad_straightens_it() {
        // A dark trapezoid on white: warped, its inside is dark everywhere.
        let quad = Quad([(20.0, 10.0), (80.0, 20.0), (75.0, 60.0), (25.0, 70.0)]);
        let map = Homography::rectangle_to(&quad, 1.0, 1.0).unwrap();
        let inside = |x: f32, y: f32| {
            // Invert numerically: the point is inside if some (u, v) in [0, 1]² maps near it.
            (0..=20).any(|i| {
                (0..=20).any(|j| {
                    let p = map.apply((i as f32 / 20.0, j as f32 / 20.0));
                    (p.0 - x).abs() < 2.5 && (p.1 - y).abs() < 2.5
                })
            })
        };
        let image = RgbImage::from_fn(100, 80, |x, y| {
            if inside(x as f32, y as f32) {
                image::Rgb([0, 0, 0])
            } else {
                image::Rgb([255, 255, 255])
            }
        });
        let (warped, _) = warp(&image, &quad, 50, 50).unwrap();
        let light = warped.pixels().filter(|p| p[0] > 128).count();
        assert!(light < 50, "{light} light pixels");
    }
}
