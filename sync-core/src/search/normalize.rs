//! Text folding shared by the index and the query, and the character classes the word splitter
//! uses. Everything a TypeScript port needs is spelt out in the doc comments: the ranges are
//! explicit rather than drawn from a Unicode property a browser may not have.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds text so that what a person types finds what another person stored.
///
/// In order:
/// 1. NFKC: full-width Latin and digits become ASCII (`ＡＢＣ１２３` → `ABC123`), half-width
///    katakana becomes full-width with its voicing mark joined (`ｶﾞ` → `ガ`), ligatures open up
///    (`ﬁ` → `fi`), `㈱` becomes `(株)`.
/// 2. Lowercase, full Unicode (`Σ`, `Ä`, `İ` as well as ASCII).
/// 3. NFD, then the accents are dropped: every combining mark (general category M) in the
///    combining diacritical blocks U+0300–036F, U+1AB0–1AFF, U+1DC0–1DFF, U+20D0–20FF and
///    U+FE20–FE2F, and the Hebrew and Arabic vowel points (U+0591–05C7, U+0610–061A,
///    U+064B–065F, U+0670). So `José` → `jose`, `Dvořák` → `dvorak`, `Nguyễn` → `nguyen`.
///    Other marks stay: the kana voicing marks (が and か are different sounds) and the vowel
///    signs of Indic scripts (without them the word is another word).
/// 4. Letters that are accented in all but Unicode's view fold too: `ß` → `ss`, `æ` → `ae`,
///    `œ` → `oe`, `þ` → `th`, `ø` → `o`, `đ`/`ð` → `d`, `ł` → `l`, `ħ` → `h`, `ŧ` → `t`,
///    `ı` → `i`, and final sigma `ς` → `σ` (its place in the word is not the query's business).
/// 5. NFC, so the kana voicing marks and Hangul jamo decomposed by step 3 join up again.
/// 6. Katakana → hiragana (U+30A1–30F6 and the iteration marks U+30FD–30FE, minus 0x60), so
///    `タナカ`, `たなか` and `ﾀﾅｶ` are one word. The long vowel mark `ー` is kept as it is.
///
/// Spaces and punctuation are kept: splitting into words is [`super::index_terms`]' and
/// [`super::Query::parse`]'s business. The result is stable: normalizing it again changes
/// nothing.
pub fn normalize(text: &str) -> String {
    if text.is_ascii() {
        // Every step but lowercasing leaves ASCII as it is; most emails, numbers and Western
        // names take this path.
        return text.to_ascii_lowercase();
    }
    let lowered = text.nfkc().collect::<String>().to_lowercase();
    let mut folded = String::with_capacity(lowered.len());
    for c in lowered.nfd() {
        if is_dropped_mark(c) {
            continue;
        }
        match c {
            'ß' => folded.push_str("ss"),
            'æ' => folded.push_str("ae"),
            'œ' => folded.push_str("oe"),
            'þ' => folded.push_str("th"),
            'ø' => folded.push('o'),
            'đ' | 'ð' => folded.push('d'),
            'ł' => folded.push('l'),
            'ħ' => folded.push('h'),
            'ŧ' => folded.push('t'),
            'ı' => folded.push('i'),
            'ς' => folded.push('σ'),
            _ => folded.push(c),
        }
    }
    folded.nfc().map(to_hiragana).collect()
}

/// Whether `c` is an accent [`normalize`] drops (step 3).
fn is_dropped_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}'
        | '\u{0591}'..='\u{05C7}'
        | '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
    ) && is_combining_mark(c)
}

/// The hiragana for a katakana letter; anything else unchanged.
fn to_hiragana(c: char) -> char {
    match c {
        '\u{30A1}'..='\u{30F6}' | '\u{30FD}'..='\u{30FE}' => {
            char::from_u32(c as u32 - 0x60).unwrap_or(c)
        }
        _ => c,
    }
}

/// Whether `c` belongs to a word: a letter or digit (Unicode's Alphabetic or Numeric, as
/// `char::is_alphanumeric` has it) or a combining mark left by [`normalize`] (a Devanagari
/// vowel sign, a virama). Everything else — spaces, punctuation, symbols — separates words.
/// (In TypeScript: `/[\p{Alphabetic}\p{N}\p{M}]/u`.)
pub(super) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

/// Whether `c` is written in a script that puts no spaces between words, whose runs are indexed
/// by every suffix: Han ideographs (with `々〆〇` and the compatibility ideographs), hiragana,
/// katakana (with `ー`) and Hangul. Korean uses spaces, but a name is one run (`김민준`) that
/// people search by its given part.
pub(super) fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11FF}'     // Hangul jamo
        | '\u{3005}'..='\u{3007}'   // 々 〆 〇
        | '\u{3040}'..='\u{30FF}'   // hiragana, katakana, ー
        | '\u{3130}'..='\u{318F}'   // Hangul compatibility jamo
        | '\u{31F0}'..='\u{31FF}'   // small katakana for Ainu
        | '\u{3400}'..='\u{4DBF}'   // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'   // CJK unified ideographs
        | '\u{A960}'..='\u{A97F}'   // Hangul jamo extended A
        | '\u{AC00}'..='\u{D7FF}'   // Hangul syllables, jamo extended B
        | '\u{F900}'..='\u{FAFF}'   // CJK compatibility ideographs
        | '\u{20000}'..='\u{3FFFF}' // CJK extensions B to I
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn folds(pairs: &[(&str, &str)]) {
        for (text, expected) in pairs {
            assert_eq!(normalize(text), *expected, "normalize({text:?})");
        }
    }

    #[test]
    fn accents_and_case_fold_away() {
        folds(&[
            ("José", "jose"),
            ("Müller", "muller"),
            ("Ångström", "angstrom"),
            ("DVOŘÁK", "dvorak"),
            ("Nguyễn Đặng", "nguyen dang"),
            ("François Ça", "francois ca"),
            ("İstanbul", "istanbul"),
        ]);
    }

    #[test]
    fn letters_without_a_decomposition_fold_by_the_table() {
        folds(&[
            ("Straße", "strasse"),
            ("STRAẞE", "strasse"),
            ("Søren Łukasz", "soren lukasz"),
            ("Æsir Œuvre Þór", "aesir oeuvre thor"),
            ("ΟΔΟΣ Οδός", "οδοσ οδοσ"),
        ]);
    }

    #[test]
    fn katakana_half_width_and_hiragana_become_one_spelling() {
        folds(&[
            ("タナカ", "たなか"),
            ("ﾀﾅｶ", "たなか"),
            ("たなか", "たなか"),
            // Voicing marks survive and join their letter, half-width ones too.
            ("ガンダ", "がんだ"),
            ("ｶﾞﾝﾀﾞ", "がんだ"),
            ("ヴァイオリン", "ゔぁいおりん"),
            // The long vowel mark is part of the word, half-width or not.
            ("コーヒー", "こーひー"),
            ("ｺｰﾋｰ", "こーひー"),
            ("ヽヾ", "ゝゞ"),
        ]);
    }

    #[test]
    fn compatibility_forms_open_up() {
        folds(&[
            ("ＡＢＣ１２３", "abc123"),
            ("０３－１２３４", "03-1234"),
            ("㈱山田", "(株)山田"),
            ("ﬁle", "file"),
            ("田中\u{3000}太郎", "田中 太郎"),
        ]);
    }

    #[test]
    fn ideographs_hangul_and_indic_vowel_signs_are_kept() {
        folds(&[
            ("田中太郎", "田中太郎"),
            ("김민준", "김민준"),
            ("हिन्दी", "हिन्दी"),
            ("Иван Йогуртов", "иван иогуртов"),
        ]);
    }

    #[test]
    fn normalizing_twice_changes_nothing() {
        for text in [
            "José Müller-Lüdenscheidt",
            "ｶﾞﾝﾀﾞﾑ ｺｰﾋｰ",
            "㈱山田 Straße ΟΔΟΣ",
            "İIıi ǅ ﬃ",
            "김민준 हिन्दी ٱلْعَرَبِيَّة",
        ] {
            let once = normalize(text);
            assert_eq!(normalize(&once), once, "{text:?}");
        }
    }

    #[test]
    fn word_and_cjk_classes() {
        assert!("aé1ー々田が김".chars().all(is_word_char));
        assert!(!" -.,@・'()".chars().any(is_word_char));
        assert!("田々たター김\u{20B9F}".chars().all(is_cjk));
        assert!(!"a1éΣ".chars().any(is_cjk));
    }
}
