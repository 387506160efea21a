//! Character classes and text normalisation shared by the parsers and the field extractor.

/// A Han ideograph (Chinese characters, Japanese kanji), with the iteration mark 々 that
/// repeats one inside names (佐々木).
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '々')
}

/// Japanese hiragana or katakana (including the long-vowel mark).
pub fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}')
}

/// Korean Hangul syllables and jamo.
pub fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7AF}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

/// Cyrillic letters.
pub fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}')
}

/// Any CJK script: Han, kana or Hangul. Names in these scripts are written family name first.
pub fn is_cjk(c: char) -> bool {
    is_han(c) || is_kana(c) || is_hangul(c)
}

/// Maps full-width ASCII (U+FF01-U+FF5E) and the ideographic space to ASCII, and the dash and
/// "at" look-alikes OCR and Asian typography produce to their ASCII forms, so one set of
/// patterns reads every card.
pub fn to_ascii_forms(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' => '-',
            _ => c,
        })
        .collect()
}

/// The number of characters of `text` for which `class` holds.
pub fn count(text: &str, class: fn(char) -> bool) -> usize {
    text.chars().filter(|&c| class(c)).count()
}

/// Puts back the horn OCR drops from one vowel of Vietnamese `ươ` (`Luơng` or `Vưong` for
/// `Lương`, `Vương`): Vietnamese spells that vowel pair only with both horns (Lương, Trương,
/// Phước, Dường); `uơ` occurs only after `q`, whose `u` belongs to the consonant (`quở`), and
/// `ưo` never. So elsewhere a pair with one horn is a misreading. Only for text from a
/// Vietnamese card.
pub fn mend_vietnamese_horn(text: &str) -> String {
    // o with each tone mark, and the same with the horn, lower case then upper case.
    const PLAIN: &str = "oòóỏõọOÒÓỎÕỌ";
    const HORNED: &str = "ơờớởỡợƠỜỚỞỠỢ";
    const U_HORNED: &str = "ưừứửữựƯỪỨỬỮỰ";
    let chars: Vec<char> = text.chars().collect();
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let next = chars.get(i + 1).copied();
            let previous = i.checked_sub(1).map(|p| chars[p]);
            let after_q = matches!(previous, Some('q' | 'Q'));
            if matches!(c, 'u' | 'U') && next.is_some_and(|n| HORNED.contains(n)) && !after_q {
                return if c == 'u' { 'ư' } else { 'Ư' };
            }
            if previous.is_some_and(|p| U_HORNED.contains(p))
                && let Some(at) = PLAIN.chars().position(|p| p == c)
            {
                return HORNED.chars().nth(at).unwrap_or(c);
            }
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vietnamese_u_before_o_horn_gets_its_horn_back() {
        assert_eq!(mend_vietnamese_horn("Luơng Văn Tâm"), "Lương Văn Tâm");
        assert_eq!(mend_vietnamese_horn("TRUƠNG"), "TRƯƠNG");
        assert_eq!(mend_vietnamese_horn("Phuớc"), "Phước");
        assert_eq!(mend_vietnamese_horn("Vưong Gia Huy"), "Vương Gia Huy");
        assert_eq!(mend_vietnamese_horn("Dừòng"), "Dừờng");
        assert_eq!(mend_vietnamese_horn("TRƯONG"), "TRƯƠNG");
        assert_eq!(mend_vietnamese_horn("Tư vấn"), "Tư vấn");
        assert_eq!(
            mend_vietnamese_horn("quở"),
            "quở",
            "after q the u is the consonant's"
        );
        assert_eq!(mend_vietnamese_horn("Luong Van Tam"), "Luong Van Tam");
    }
}
