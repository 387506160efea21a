//! Splitting normalized text into the words both the index and the query use.

use super::MAX_SUFFIX_STARTS;
use super::normalize::{is_cjk, is_word_char};

/// A maximal run of word characters of one kind inside a whitespace-separated chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Part<'a> {
    /// The run's text.
    pub text: &'a str,
    /// Where it starts in the chunk, in bytes.
    pub start: usize,
    /// Whether it is written without spaces between words (ideographs, kana, Hangul), and so
    /// is indexed by every suffix and searched for whole.
    pub cjk: bool,
}

/// The parts of one chunk of [`normalize`]d text: runs of word characters, split at every
/// other character and wherever the script changes between CJK and the rest, so
/// `山田electric第3営業部` is `山田`, `electric`, `第`, `3`, `営業部`. Splitting the query the
/// same way lets `営業3` find that department although no indexed term holds both scripts.
///
/// [`normalize`]: super::normalize
pub(super) fn parts(chunk: &str) -> Vec<Part<'_>> {
    let mut parts = Vec::new();
    let mut current: Option<(usize, bool)> = None;
    for (at, c) in chunk.char_indices() {
        let kind = is_word_char(c).then(|| is_cjk(c));
        match (current, kind) {
            (Some((_, cjk)), Some(kind)) if cjk == kind => {}
            (Some((start, cjk)), _) => {
                parts.push(Part {
                    text: &chunk[start..at],
                    start,
                    cjk,
                });
                current = kind.map(|kind| (at, kind));
            }
            (None, kind) => current = kind.map(|kind| (at, kind)),
        }
    }
    if let Some((start, cjk)) = current {
        parts.push(Part {
            text: &chunk[start..],
            start,
            cjk,
        });
    }
    parts
}

/// Every suffix of a run, longest first, starting at its first [`MAX_SUFFIX_STARTS`]
/// characters: `田中太郎` → `田中太郎`, `中太郎`, `太郎`, `郎`, so that a prefix search finds
/// any substring.
pub(super) fn suffixes(run: &str) -> impl Iterator<Item = &str> {
    run.char_indices()
        .take(MAX_SUFFIX_STARTS)
        .map(move |(at, _)| &run[at..])
}

/// `text` cut to its first `max` characters.
pub(super) fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(chunk: &str) -> Vec<(&str, bool)> {
        parts(chunk)
            .iter()
            .map(|part| (part.text, part.cjk))
            .collect()
    }

    #[test]
    fn punctuation_and_script_changes_split_a_chunk() {
        assert_eq!(
            texts("o'brien-smith"),
            [("o", false), ("brien", false), ("smith", false)]
        );
        assert_eq!(
            texts("(株)山田electric第3営業部"),
            [
                ("株", true),
                ("山田", true),
                ("electric", false),
                ("第", true),
                ("3", false),
                ("営業部", true)
            ]
        );
        assert_eq!(texts("--"), []);
        assert_eq!(
            texts("こーひー・まめ"),
            [("こーひー", true), ("まめ", true)]
        );
    }

    #[test]
    fn a_run_has_a_suffix_per_character_up_to_the_cap() {
        assert_eq!(
            suffixes("田中太郎").collect::<Vec<_>>(),
            ["田中太郎", "中太郎", "太郎", "郎"]
        );
        let long = "字".repeat(MAX_SUFFIX_STARTS + 10);
        assert_eq!(suffixes(&long).count(), MAX_SUFFIX_STARTS);
    }

    #[test]
    fn truncation_counts_characters_not_bytes() {
        assert_eq!(truncate_chars("田中太郎", 2), "田中");
        assert_eq!(truncate_chars("ab", 5), "ab");
    }
}
