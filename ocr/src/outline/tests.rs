use image::Rgb;

use super::*;

/// Whether `p` is inside the convex quadrilateral `corners` (clockwise on screen).
fn inside(corners: &[Point; 4], p: Point) -> bool {
    (0..4).all(|i| {
        let (a, b) = (corners[i], corners[(i + 1) % 4]);
        (b.0 - a.0) * (p.1 - a.1) - (b.1 - a.1) * (p.0 - a.0) >= 0.0
    })
}

/// A 640 × 480 photo: a striped brown table, and `paint` deciding the card's pixels.
fn photo(corners: [Point; 4], paint: impl Fn(f32, f32) -> Rgb<u8>) -> RgbImage {
    RgbImage::from_fn(640, 480, |x, y| {
        let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
        if inside(&corners, (fx, fy)) {
            paint(fx, fy)
        } else {
            let shade = 0.85 + 0.25 * fx / 640.0 + 0.08 * (fy / 9.0).sin();
            Rgb([120, 90, 60].map(|v| (v as f32 * shade) as u8))
        }
    })
}

fn assert_near(found: &Quad, corners: [Point; 4], tolerance: f32) {
    for (got, want) in found.0.iter().zip(corners) {
        let off = (got.0 - want.0).hypot(got.1 - want.1);
        assert!(
            off <= tolerance,
            "{got:?} is {off:.1} px from {want:?} ({found:?})"
        );
    }
}

const CARD: [Point; 4] = [(120.0, 90.0), (520.0, 60.0), (540.0, 330.0), (100.0, 390.0)];

#[test]
fn a_card_at_an_angle_is_found_by_its_corners() {
    let image = photo(CARD, |x, _| {
        // Paper with a line of dark text across it.
        if (200.0..400.0).contains(&x) && x as u32 % 7 < 3 {
            Rgb([30, 30, 30])
        } else {
            Rgb([245, 243, 236])
        }
    });
    let found = find_card(&image).expect("card");
    assert_near(&found, CARD, 6.0);
}

#[test]
fn a_coloured_band_along_the_edge_stays_inside_the_card() {
    // The top fifth of the card is a dark green band, darker than the table.
    let image = photo(CARD, |_, y| {
        if y < 150.0 {
            Rgb([30, 120, 80])
        } else {
            Rgb([250, 250, 247])
        }
    });
    let found = find_card(&image).expect("card");
    assert_near(&found, CARD, 8.0);
}

#[test]
fn paper_filling_the_frame_has_no_outline_to_find() {
    let image = RgbImage::from_fn(640, 480, |x, _| {
        if x % 50 < 4 {
            Rgb([20, 20, 20])
        } else {
            Rgb([240, 240, 240])
        }
    });
    assert_eq!(find_card(&image), None);
}

#[test]
fn the_largest_quadrilateral_in_a_hull_is_its_corners() {
    // An octagon-ish hull: a rectangle with its corners barely cut.
    let hull = [
        (0.0, 1.0),
        (1.0, 0.0),
        (99.0, 0.0),
        (100.0, 1.0),
        (100.0, 59.0),
        (99.0, 60.0),
        (1.0, 60.0),
        (0.0, 59.0),
    ];
    let quad = largest_quad(&hull).unwrap();
    let area = polygon_area(&quad.0);
    assert!(area > 5850.0, "{quad:?} {area}");
}
