//! Job titles: one broken over two lines is joined, and a card with two titles gives both.
//!
//! A line continues the title above it when it sits right under it in the same type and the
//! break is mid-phrase (`Vice President of` / `Global Partnerships`, `Head of Sales` /
//! `& Marketing`). Two lines that each read as a title, printed together, are two titles
//! (`Co-Founder` / `Chief Technology Officer`); a title-like line elsewhere on the card (a
//! tagline, `Your partner in logistics`) is not.

use crate::draft::BBox;

use super::super::Line;

/// Words a title line breaks after, or its continuation begins with, mid-phrase.
const JOINING: &[&str] = &[
    "of", "and", "&", "for", "the", "in", "to", "at", "de", "und", "et", "-", "/", ",",
];

/// A title found: its text, its box, the OCR's confidence and the lines it took.
pub(super) type Title = (String, BBox, f32, Vec<usize>);

/// Whether `below` sits right under `above` in the same type: the next line down (centres
/// half a line to under two lines apart: detected boxes carry a margin and overlap), heights
/// within a quarter, and overlapping horizontally.
fn stacked(above: BBox, below: BBox) -> bool {
    let centre = |b: BBox| b.y as f32 + b.height as f32 / 2.0;
    let step = centre(below) - centre(above);
    let (h1, h2) = (above.height as f32, below.height as f32);
    let tall = h1.max(h2);
    (0.5 * tall..=1.8 * tall).contains(&step)
        && (h1 - h2).abs() <= 0.25 * tall
        && below.x < above.x + above.width
        && above.x < below.x + below.width
}

/// Whether the break between `first` and `second` falls mid-phrase.
fn mid_phrase(first: &str, second: &str) -> bool {
    let last = first
        .split_whitespace()
        .next_back()
        .unwrap_or_default()
        .to_lowercase();
    let next = second
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_lowercase();
    JOINING.contains(&last.as_str())
        || first.trim_end().ends_with([',', '-', '/', '&'])
        || JOINING.contains(&next.as_str())
        || second.starts_with(|c: char| c.is_lowercase())
}

/// The titles among `found` (title lines in reading order, with their text), each joined with
/// the line continuing it from `others` (which loses it) or from the next title line.
pub(super) fn gather(
    lines: &[Line],
    found: &[(String, usize)],
    others: &mut Vec<usize>,
) -> Vec<Title> {
    let mut titles: Vec<Title> = Vec::new();
    let mut index = 0;
    while index < found.len() {
        let (text, at) = &found[index];
        let mut text = text.clone();
        let mut bbox = lines[*at].bbox;
        let mut confidence = lines[*at].confidence;
        let mut used = vec![*at];
        index += 1;
        loop {
            let last = *used.last().unwrap_or(at);
            let below = lines[last].bbox;
            // The next title line continuing this one (`Head of Sales` / `& Marketing`).
            if let Some((next_text, next)) = found.get(index)
                && stacked(below, lines[*next].bbox)
                && mid_phrase(&lines[last].text, &lines[*next].text)
            {
                text = format!("{text} {next_text}");
                bbox = bbox.union(lines[*next].bbox);
                confidence = confidence.min(lines[*next].confidence);
                used.push(*next);
                index += 1;
                continue;
            }
            // A line that is no title by itself (`Global Partnerships`).
            let continuation = others.iter().position(|&o| {
                !lines[o].used
                    && stacked(below, lines[o].bbox)
                    && mid_phrase(&lines[last].text, &lines[o].text)
                    && !lines[o].text.contains(['@', ':'])
                    && !lines[o].text.chars().any(|c| c.is_ascii_digit())
            });
            let Some(position) = continuation else {
                break;
            };
            let next = others.remove(position);
            text = format!("{text} {}", lines[next].text);
            bbox = bbox.union(lines[next].bbox);
            confidence = confidence.min(lines[next].confidence);
            used.push(next);
        }
        // A further title counts only printed with the first: same type, near it.
        if let Some((_, first, ..)) = titles.first() {
            let near = lines[used[0]].bbox.y.abs_diff(first.y + first.height)
                <= 3 * first.height.max(1)
                || stacked(*first, lines[used[0]].bbox);
            let (h1, h2) = (first.height as f32, lines[used[0]].bbox.height as f32);
            let same_type = (h1 - h2).abs() <= 0.3 * h1.max(h2);
            if !(near && same_type) || titles.len() >= 3 {
                continue;
            }
        }
        titles.push((text, bbox, confidence, used));
    }
    titles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, y: u32, height: u32) -> Line {
        Line {
            text: text.into(),
            bbox: BBox {
                x: 50,
                y,
                width: 400,
                height,
            },
            confidence: 0.9,
            used: false,
        }
    }

    #[test]
    fn a_title_broken_mid_phrase_is_joined() {
        // Detected boxes overlap a little: DB's margin.
        let lines = [
            line("Vice President of", 100, 34),
            line("Global Partnerships", 126, 36),
        ];
        let mut others = vec![1];
        let titles = gather(&lines, &[("Vice President of".into(), 0)], &mut others);
        assert_eq!(titles.len(), 1);
        assert_eq!(titles[0].0, "Vice President of Global Partnerships");
        assert!(others.is_empty());
    }

    #[test]
    fn two_titles_printed_together_are_both_kept_and_a_tagline_is_not() {
        let lines = [
            line("Co-Founder", 100, 30),
            line("Chief Technology Officer", 136, 30),
            line("Your partner in logistics", 500, 18),
        ];
        let found = [
            ("Co-Founder".to_string(), 0),
            ("Chief Technology Officer".to_string(), 1),
            ("Your partner in logistics".to_string(), 2),
        ];
        let titles = gather(&lines, &found, &mut Vec::new());
        let texts: Vec<&str> = titles.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(texts, ["Co-Founder", "Chief Technology Officer"]);
    }

    #[test]
    fn a_company_line_under_a_whole_title_is_not_joined() {
        let lines = [
            line("Senior Account Manager", 100, 30),
            line("Brightwell Analytics", 136, 30),
        ];
        let mut others = vec![1];
        let titles = gather(&lines, &[("Senior Account Manager".into(), 0)], &mut others);
        assert_eq!(titles[0].0, "Senior Account Manager");
        assert_eq!(others, [1]);
    }
}
