//! The plane geometry text detection needs without OpenCV: connected regions of a mask, their
//! convex hulls and minimum-area rotated rectangles, cropping a rotated rectangle out of an
//! image, and straightening a card photographed at an angle ([`Homography`], [`warp`]).

use image::{Rgb, RgbImage};

mod homography;

pub use self::homography::{Homography, warp};

/// A point in pixels.
pub type Point = (f32, f32);

/// A quadrilateral: top-left, top-right, bottom-right, bottom-left, in the image's frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quad(pub [Point; 4]);

impl Quad {
    /// Length of the top edge (the text's run direction for an upright line).
    pub fn width(&self) -> f32 {
        distance(self.0[0], self.0[1]).max(distance(self.0[3], self.0[2]))
    }

    /// Length of the left edge.
    pub fn height(&self) -> f32 {
        distance(self.0[0], self.0[3]).max(distance(self.0[1], self.0[2]))
    }

    /// The axis-aligned box around it, clamped to `width` × `height`.
    pub fn bounds(&self, width: u32, height: u32) -> (u32, u32, u32, u32) {
        let xs = self.0.map(|p| p.0);
        let ys = self.0.map(|p| p.1);
        let clamp = |v: f32, max: u32| v.round().clamp(0.0, max as f32) as u32;
        let x0 = clamp(xs.iter().copied().fold(f32::MAX, f32::min), width);
        let x1 = clamp(xs.iter().copied().fold(f32::MIN, f32::max), width);
        let y0 = clamp(ys.iter().copied().fold(f32::MAX, f32::min), height);
        let y1 = clamp(ys.iter().copied().fold(f32::MIN, f32::max), height);
        (x0, y0, x1.saturating_sub(x0), y1.saturating_sub(y0))
    }

    /// The quad with every point mapped by `f`, reordered so the first is top-left again.
    pub fn map(&self, f: impl Fn(Point) -> Point) -> Quad {
        order_points(self.0.map(f))
    }
}

fn distance(a: Point, b: Point) -> f32 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// Orders four corners as top-left, top-right, bottom-right, bottom-left: the two leftmost are
/// the left side (the upper of them top-left), the two rightmost the right side.
pub fn order_points(mut points: [Point; 4]) -> Quad {
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (tl, bl) = if points[0].1 <= points[1].1 {
        (points[0], points[1])
    } else {
        (points[1], points[0])
    };
    let (tr, br) = if points[2].1 <= points[3].1 {
        (points[2], points[3])
    } else {
        (points[3], points[2])
    };
    Quad([tl, tr, br, bl])
}

/// The 4-connected regions of `mask` (row-major, `width` wide): for each, the leftmost and
/// rightmost pixel of every row it spans (enough for its convex hull) and its pixel indices.
pub fn regions(mask: &[bool], width: usize, height: usize) -> Vec<Region> {
    let mut seen = vec![false; mask.len()];
    let mut regions = Vec::new();
    let mut stack = Vec::new();
    for start in 0..mask.len() {
        if !mask[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let mut pixels = Vec::new();
        while let Some(at) = stack.pop() {
            pixels.push(at);
            let (x, y) = (at % width, at / width);
            let mut visit = |next: usize| {
                if mask[next] && !seen[next] {
                    seen[next] = true;
                    stack.push(next);
                }
            };
            if x > 0 {
                visit(at - 1);
            }
            if x + 1 < width {
                visit(at + 1);
            }
            if y > 0 {
                visit(at - width);
            }
            if y + 1 < height {
                visit(at + width);
            }
        }
        regions.push(Region { pixels, width });
    }
    regions
}

/// One connected region of a mask.
pub struct Region {
    /// Indices of its pixels in the row-major mask.
    pub pixels: Vec<usize>,
    /// The mask's width, to turn indices into coordinates.
    width: usize,
}

impl Region {
    /// Corners of every pixel on the region's outline rows (leftmost and rightmost per row),
    /// which have the same convex hull as the whole region.
    pub fn outline(&self) -> Vec<Point> {
        let mut rows: std::collections::BTreeMap<usize, (usize, usize)> = Default::default();
        for &at in &self.pixels {
            let (x, y) = (at % self.width, at / self.width);
            let row = rows.entry(y).or_insert((x, x));
            row.0 = row.0.min(x);
            row.1 = row.1.max(x);
        }
        let mut points = Vec::with_capacity(rows.len() * 4);
        for (y, (left, right)) in rows {
            let (y, left, right) = (y as f32, left as f32, right as f32 + 1.0);
            points.extend([(left, y), (left, y + 1.0), (right, y), (right, y + 1.0)]);
        }
        points
    }

    /// The minimum-area rectangle around the region as (corners, shorter side).
    pub fn min_area_rect(&self) -> (Quad, f32) {
        min_area_rect(&convex_hull(self.outline()))
    }
}

/// Andrew's monotone chain; returns the hull counter-clockwise without repeating the start.
pub fn convex_hull(mut points: Vec<Point>) -> Vec<Point> {
    points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    points.dedup();
    if points.len() < 3 {
        return points;
    }
    let cross =
        |o: Point, a: Point, b: Point| (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0);
    let mut hull: Vec<Point> = Vec::with_capacity(points.len() * 2);
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &Point>> = if pass == 0 {
            Box::new(points.iter())
        } else {
            Box::new(points.iter().rev())
        };
        for &p in iter {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
            {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// The smallest rectangle holding the convex polygon `hull`: one of its sides lies on a hull
/// edge, so each edge direction is tried (rotating calipers without the bookkeeping).
fn min_area_rect(hull: &[Point]) -> (Quad, f32) {
    if hull.is_empty() {
        return (Quad([(0.0, 0.0); 4]), 0.0);
    }
    let mut best = (f32::MAX, [(0.0, 0.0); 4], 0.0);
    for i in 0..hull.len() {
        let a = hull[i];
        let b = hull[(i + 1) % hull.len()];
        let length = distance(a, b);
        if length == 0.0 {
            continue;
        }
        let u = ((b.0 - a.0) / length, (b.1 - a.1) / length);
        let v = (-u.1, u.0);
        let (mut min_u, mut max_u, mut min_v, mut max_v) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
        for p in hull {
            let pu = p.0 * u.0 + p.1 * u.1;
            let pv = p.0 * v.0 + p.1 * v.1;
            min_u = min_u.min(pu);
            max_u = max_u.max(pu);
            min_v = min_v.min(pv);
            max_v = max_v.max(pv);
        }
        let area = (max_u - min_u) * (max_v - min_v);
        if area < best.0 {
            let corner = |pu: f32, pv: f32| (pu * u.0 + pv * v.0, pu * u.1 + pv * v.1);
            best = (
                area,
                [
                    corner(min_u, min_v),
                    corner(max_u, min_v),
                    corner(max_u, max_v),
                    corner(min_u, max_v),
                ],
                (max_u - min_u).min(max_v - min_v),
            );
        }
    }
    if best.0 == f32::MAX {
        let p = hull[0];
        return (Quad([p; 4]), 0.0);
    }
    (order_points(best.1), best.2)
}

/// Grows a rectangle outward by `distance` on every side (DB's "unclip": the detector's
/// shrunk text kernel back to the text's full extent).
pub fn expand(quad: &Quad, distance: f32) -> Quad {
    let centre = quad
        .0
        .iter()
        .fold((0.0, 0.0), |c, p| (c.0 + p.0 / 4.0, c.1 + p.1 / 4.0));
    let [tl, tr, _, bl] = quad.0;
    let along = unit((tr.0 - tl.0, tr.1 - tl.1));
    let across = unit((bl.0 - tl.0, bl.1 - tl.1));
    let half_w = quad.width() / 2.0 + distance;
    let half_h = quad.height() / 2.0 + distance;
    let corner = |su: f32, sv: f32| {
        (
            centre.0 + su * half_w * along.0 + sv * half_h * across.0,
            centre.1 + su * half_w * along.1 + sv * half_h * across.1,
        )
    };
    order_points([
        corner(-1.0, -1.0),
        corner(1.0, -1.0),
        corner(1.0, 1.0),
        corner(-1.0, 1.0),
    ])
}

fn unit(v: Point) -> Point {
    let length = (v.0 * v.0 + v.1 * v.1).sqrt();
    if length == 0.0 {
        (1.0, 0.0)
    } else {
        (v.0 / length, v.1 / length)
    }
}

/// Samples the quad out of `image` into an upright `width` × `height` image, bilinearly, with
/// edge pixels repeated outside the image.
pub fn crop(image: &RgbImage, quad: &Quad, width: u32, height: u32) -> RgbImage {
    let [tl, tr, _, bl] = quad.0;
    let (w, h) = (width.max(1), height.max(1));
    let step_u = ((tr.0 - tl.0) / w as f32, (tr.1 - tl.1) / w as f32);
    let step_v = ((bl.0 - tl.0) / h as f32, (bl.1 - tl.1) / h as f32);
    RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
        let sx = tl.0 + fx * step_u.0 + fy * step_v.0 - 0.5;
        let sy = tl.1 + fx * step_u.1 + fy * step_v.1 - 0.5;
        bilinear(image, sx, sy)
    })
}

fn bilinear(image: &RgbImage, x: f32, y: f32) -> Rgb<u8> {
    let (w, h) = (image.width() as i64, image.height() as i64);
    let x0 = x.floor() as i64;
    let y0 = y.floor() as i64;
    let (dx, dy) = (x - x0 as f32, y - y0 as f32);
    let px = |xx: i64, yy: i64| {
        image
            .get_pixel(xx.clamp(0, w - 1) as u32, yy.clamp(0, h - 1) as u32)
            .0
    };
    let (a, b, c, d) = (
        px(x0, y0),
        px(x0 + 1, y0),
        px(x0, y0 + 1),
        px(x0 + 1, y0 + 1),
    );
    let mut out = [0u8; 3];
    for i in 0..3 {
        let top = a[i] as f32 * (1.0 - dx) + b[i] as f32 * dx;
        let bottom = c[i] as f32 * (1.0 - dx) + d[i] as f32 * dx;
        out[i] = (top * (1.0 - dy) + bottom * dy).round().clamp(0.0, 255.0) as u8;
    }
    Rgb(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tilted_bar_gets_its_tilted_rectangle() {
        // A 40 × 6 bar rotated by about 10 degrees.
        let (w, h) = (64, 32);
        let mut mask = vec![false; w * h];
        let angle = 10f32.to_radians();
        for y in 0..h {
            for x in 0..w {
                let (dx, dy) = (x as f32 - 32.0, y as f32 - 16.0);
                let u = dx * angle.cos() + dy * angle.sin();
                let v = -dx * angle.sin() + dy * angle.cos();
                mask[y * w + x] = u.abs() <= 20.0 && v.abs() <= 3.0;
            }
        }
        let found = regions(&mask, w, h);
        assert_eq!(found.len(), 1);
        let (quad, short) = found[0].min_area_rect();
        assert!((quad.width() - 41.0).abs() < 3.0, "{quad:?}");
        assert!((short - 7.0).abs() < 2.0, "{short}");
        let tilt = (quad.0[1].1 - quad.0[0].1)
            .atan2(quad.0[1].0 - quad.0[0].0)
            .to_degrees();
        assert!((tilt - 10.0).abs() < 3.0, "{tilt}");
    }

    #[test]
    fn expanding_a_rectangle_grows_each_side() {
        let quad = Quad([(10.0, 10.0), (30.0, 10.0), (30.0, 20.0), (10.0, 20.0)]);
        let grown = expand(&quad, 2.0);
        assert_eq!(grown.0[0], (8.0, 8.0));
        assert_eq!(grown.0[2], (32.0, 22.0));
    }
}
