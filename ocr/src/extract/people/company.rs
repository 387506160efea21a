//! Which line is the company's printed name.
//!
//! Text height alone picks the logo: a three-letter acronym in large type, or a brand word
//! over the name, while the full name is printed smaller elsewhere. So each candidate line is
//! weighed by what a company line looks like — a legal form (`Co., Ltd.`, `Inc.`, `GmbH`,
//! `JSC`, `株式会社`, `公司`), a company word, the email's domain — and by its relation to the
//! other lines: an acronym that abbreviates another line, or a brand word another line holds
//! whole, gives way to that line. Height and position against the name only break ties; a
//! logo acronym is kept only when nothing better is printed. The confidence falls when the
//! runner-up scored close, so the review points at a choice that could have gone either way.

use super::super::Line;
use super::super::names::{has_legal_form, is_company, looks_like_name};

/// A line the company may be.
#[derive(Debug, Clone)]
pub(super) struct Candidate {
    /// Index into the card's lines.
    pub index: usize,
    /// Whether its letters spell the email's domain.
    pub matches_domain: bool,
}

/// The company chosen: its line and the confidence before the OCR's own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Choice {
    /// Index into the card's lines.
    pub index: usize,
    /// How sure the choice is, 0 to 1.
    pub certainty: f32,
}

/// Words an acronym's letters skip (`K&F` for `Kestrel & Finch`).
const SKIPPED: &[&str] = &["&", "and", "of", "the", "und", "et", "-"];

/// The words of a company name without its legal form and joining words.
fn name_words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '&'))
        .filter(|w| !w.is_empty())
        .filter(|w| !has_legal_form(w))
        .map(str::to_lowercase)
        .collect()
}

/// A logo-like acronym: one word of 2 to 6 capital letters (`NPL`, `K&F`).
fn is_acronym(text: &str) -> bool {
    let text = text.trim();
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    !text.contains(char::is_whitespace)
        && (2..=6).contains(&letters.len())
        && letters.iter().all(|c| c.is_ascii_uppercase())
        && text
            .chars()
            .all(|c| c.is_ascii_alphabetic() || "&.-".contains(c))
}

/// Whether `text` reads as a sentence (a tagline: `Innovation for a better tomorrow`) rather
/// than a name: two or more words in lower case besides the joining words company names
/// hold (`Bank of the West`, `Kestrel & Finch`).
fn is_sentence(text: &str) -> bool {
    const JOINING: &[&str] = &[
        "of", "and", "the", "de", "du", "la", "und", "et", "y", "for",
    ];
    let lower_words = text
        .split_whitespace()
        .filter(|w| w.starts_with(char::is_lowercase))
        .collect::<Vec<_>>();
    let others = lower_words.iter().filter(|w| !JOINING.contains(w)).count();
    lower_words.len() >= 2 && others >= 1
}

/// Whether `acronym` abbreviates `full`: the initials of its words (`NPL` for `NorthPeak
/// Logistics LLC` by its capitals, `TBL` for `Tidewater Biolabs Ltd` by its words).
fn abbreviates(acronym: &str, full: &str) -> bool {
    let letters: String = acronym
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_lowercase();
    if letters.len() < 2 || full.split_whitespace().count() < 2 {
        return false;
    }
    let words: Vec<String> = name_words(full)
        .into_iter()
        .filter(|w| !SKIPPED.contains(&w.as_str()))
        .collect();
    let initials: String = words.iter().filter_map(|w| w.chars().next()).collect();
    let all_initials: String = full
        .split_whitespace()
        .filter(|w| !SKIPPED.contains(&w.to_lowercase().as_str()))
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .collect::<String>()
        .to_lowercase();
    let capitals: String = full
        .split_whitespace()
        .filter(|w| !has_legal_form(w))
        .flat_map(|w| w.chars().filter(char::is_ascii_uppercase))
        .collect::<String>()
        .to_lowercase();
    [initials, all_initials, capitals].contains(&letters)
}

/// Whether every word of `short` is a word of `long`, which has more (`KESTREL` in
/// `Kestrel & Finch Ltd`).
fn held_by(short: &str, long: &str) -> bool {
    let (short, long) = (name_words(short), name_words(long));
    !short.is_empty() && short.len() < long.len() && short.iter().all(|w| long.contains(w))
}

/// The line holding the rest of the company's name when the chosen line is only its legal
/// form (`Yamata Keiki` over or before `Co., Ltd.`, which the detector boxes apart): the
/// nearest candidate just above it, overlapping it sideways, or just left of it on the same
/// line.
pub(super) fn name_before_legal_form(
    lines: &[Line],
    candidates: &[Candidate],
    chosen: usize,
) -> Option<usize> {
    let text = lines[chosen].text.as_str();
    let only_legal_form = text.split_whitespace().all(has_legal_form);
    if !only_legal_form || text.trim().is_empty() {
        return None;
    }
    let here = lines[chosen].bbox;
    let gap_above = |index: usize| {
        let b = lines[index].bbox;
        let overlaps = b.x < here.x + here.width && here.x < b.x + b.width;
        let bottom = b.y + b.height;
        (overlaps && bottom <= here.y + here.height / 2)
            .then(|| here.y.saturating_sub(bottom))
            .filter(|gap| *gap <= here.height.max(b.height))
    };
    let gap_left = |index: usize| {
        let b = lines[index].bbox;
        let centre = |b: crate::draft::BBox| (b.y + b.height / 2) as i64;
        let level = (centre(b) - centre(here)).abs() * 2 < here.height.max(b.height) as i64;
        let right = b.x + b.width;
        (level && right <= here.x + here.height)
            .then(|| here.x.saturating_sub(right))
            .filter(|gap| *gap <= 3 * here.height)
    };
    candidates
        .iter()
        .map(|c| c.index)
        .filter(|&index| {
            let text = &lines[index].text;
            index != chosen && !name_words(text).is_empty() && !is_acronym(text)
        })
        .filter_map(|index| {
            gap_left(index)
                .or_else(|| gap_above(index))
                .map(|gap| (gap, index))
        })
        .min()
        .map(|(_, index)| index)
}

/// Picks the company among `candidates`, given the name's line (for position) and the top of
/// the contact block (phones, emails, address), below which a company rarely stands alone.
pub(super) fn choose(
    lines: &[Line],
    candidates: &[Candidate],
    name: Option<usize>,
    contact_top: Option<u32>,
) -> Option<Choice> {
    let tallest = candidates
        .iter()
        .map(|c| lines[c.index].bbox.height)
        .max()?
        .max(1) as f32;
    let scored: Vec<(f32, usize, f32)> = candidates
        .iter()
        .map(|c| {
            let (score, base) = score(lines, candidates, c, tallest, name, contact_top);
            (score, c.index, base)
        })
        .collect();
    let best = scored.iter().copied().max_by(|a, b| a.0.total_cmp(&b.0))?;
    let runner_up = scored
        .iter()
        .filter(|s| s.1 != best.1)
        .map(|s| s.0)
        .fold(f32::NEG_INFINITY, f32::max);
    // Nothing that looks like a company at all: no choice.
    if best.0 < -1.5 {
        return None;
    }
    let margin = if runner_up.is_finite() {
        best.0 - runner_up
    } else {
        2.0
    };
    let closeness = 0.55 + 0.45 * (margin / 1.5).clamp(0.0, 1.0);
    Some(Choice {
        index: best.1,
        certainty: best.2 * closeness,
    })
}

/// A candidate's score, and the certainty its kind of evidence gives.
fn score(
    lines: &[Line],
    candidates: &[Candidate],
    candidate: &Candidate,
    tallest: f32,
    name: Option<usize>,
    contact_top: Option<u32>,
) -> (f32, f32) {
    let line = &lines[candidate.index];
    let text = line.text.as_str();
    let others = candidates
        .iter()
        .filter(|c| c.index != candidate.index)
        .map(|c| lines[c.index].text.as_str());
    let legal = has_legal_form(text);
    let worded = is_company(text);
    let mut score = 0.0;
    let mut base: f32 = 0.55;
    if legal {
        score += 3.0;
        base = 0.92;
    } else if worded {
        score += 1.0;
        base = 0.8;
    }
    if candidate.matches_domain {
        score += 1.5;
        base = base.max(0.9);
    }
    let acronym = is_acronym(text);
    for other in others {
        if acronym && abbreviates(text, other) {
            score -= 3.0;
        }
        if is_acronym(other) && abbreviates(other, text) {
            score += 1.0;
        }
        if held_by(text, other) {
            score -= 2.0;
        }
        if held_by(other, text) {
            score += 0.5;
        }
    }
    if acronym {
        score -= 0.5;
        base = base.min(0.5);
    }
    score += line.bbox.height as f32 / tallest;
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    if digits >= 2 || digits * 3 > letters {
        score -= 2.0;
    }
    if text.chars().count() > 40 {
        score -= 1.0;
    }
    if !legal && !worded && looks_like_name(text) {
        score -= 0.5;
    }
    if text.starts_with(|c: char| c.is_lowercase()) {
        score -= 0.5;
    }
    // A tagline is never the company: with nothing better printed, no company is better
    // than a slogan with a confident look.
    if !legal && is_sentence(text) {
        score -= 3.0;
    }
    if name.is_some_and(|name| line.bbox.y < lines[name].bbox.y) {
        score += 0.3;
    }
    if contact_top.is_some_and(|top| line.bbox.y > top) && !legal {
        score -= 0.5;
    }
    (score, base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronyms_and_the_names_they_abbreviate() {
        assert!(is_acronym("NPL"));
        assert!(is_acronym("K&F"));
        assert!(!is_acronym("Northpeak"));
        assert!(!is_acronym("A"));
        assert!(abbreviates("NPL", "NorthPeak Logistics LLC"));
        assert!(abbreviates("NL", "Northpeak Logistics LLC"));
        assert!(abbreviates("K&F", "Kestrel & Finch Ltd"));
        assert!(abbreviates("TBI", "Tidewater Biolabs Inc."));
        assert!(!abbreviates("ABC", "Northpeak Logistics LLC"));
        assert!(held_by("KESTREL", "Kestrel & Finch Ltd"));
        assert!(is_sentence("Innovation for a better tomorrow"));
        assert!(is_sentence("we move your world"));
        assert!(!is_sentence("Bank of the West"));
        assert!(!is_sentence("Kestrel & Finch Ltd"));
        assert!(!is_sentence("brightwell"));
        assert!(!held_by("Kestrel & Finch Ltd", "KESTREL"));
    }
}
