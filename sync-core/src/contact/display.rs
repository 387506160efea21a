//! The order a person's name is shown in, by its script and by how it was written.
//!
//! Lists, search sort keys and the card reader all show a name the same way, here and in the
//! web app (`web/src/sync/contact.ts`), checked against one table
//! (`fixtures/field-rules/display-names.json`). The family name comes first when:
//!
//! - the name is written in a CJK script (Han, kana, Hangul): `山田太郎`, `김민준`, with no
//!   space between the parts when every part is CJK;
//! - it holds letters only Vietnamese uses (ơ, ư and the tone-marked vowels of U+1EA0-U+1EF9):
//!   `Nguyễn Văn An`;
//! - the family name is printed in capitals and the given name is not (`TAKEUCHI Shin`, the
//!   way a card, a passport or a French letter marks the surname): the card reader keeps the
//!   capitals only where the card printed the surname first, so the order shown is the order
//!   printed;
//! - the contact's language is one whose names are family first (`ja`, `zh`, `ko`, `vi`,
//!   `hu`), whatever the script: a Vietnamese contact typed without accents.
//!
//! Otherwise the given name leads: `Aiko Sato`.

use super::Name;

/// Languages (BCP 47 primary subtags) whose names are written family name first.
const FAMILY_FIRST_LANGUAGES: &[&str] = &["ja", "zh", "ko", "vi", "hu"];

/// Han ideographs, kana and Hangul: the scripts whose names are family first.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '々'
        | '\u{3041}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}'
        | '\u{AC00}'..='\u{D7AF}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

/// Letters no other Latin alphabet uses: ơ, ư and the vowels with Vietnamese tone marks.
fn is_vietnamese(c: char) -> bool {
    matches!(c, 'ơ' | 'Ơ' | 'ư' | 'Ư' | '\u{1EA0}'..='\u{1EF9}')
}

/// A word of two or more letters, none of them lower case (`TAKEUCHI`, `O'NEIL`).
fn in_capitals(word: &str) -> bool {
    word.chars().filter(|c| c.is_alphabetic()).count() >= 2 && !word.chars().any(char::is_lowercase)
}

/// Whether `name` is shown family name first, for a contact whose language is `language`.
pub fn family_first(name: &Name, language: Option<&str>) -> bool {
    let (given, family) = (name.given.trim(), name.family.trim());
    if family.is_empty() {
        return false;
    }
    let parts = [given, family, name.middle.trim()];
    if parts.iter().any(|part| part.chars().any(is_cjk)) {
        return true;
    }
    if parts.iter().any(|part| part.chars().any(is_vietnamese)) {
        return true;
    }
    if in_capitals(family) && given.chars().any(char::is_lowercase) {
        return true;
    }
    language.is_some_and(|tag| {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        FAMILY_FIRST_LANGUAGES
            .iter()
            .any(|l| l.eq_ignore_ascii_case(primary))
    })
}

/// The full name as shown: prefix, the name parts in the order [`family_first`] gives, suffix.
/// Parts are joined by a space, except a name whose parts are all CJK (`山田太郎`). Empty when
/// no part is set.
pub fn full_name(name: &Name, language: Option<&str>) -> String {
    let (given, middle, family) = (name.given.trim(), name.middle.trim(), name.family.trim());
    let core: Vec<&str> = if family_first(name, language) {
        [family, given, middle]
    } else {
        [given, middle, family]
    }
    .into_iter()
    .filter(|part| !part.is_empty())
    .collect();
    let all_cjk = !core.is_empty()
        && core
            .iter()
            .all(|part| part.chars().all(|c| is_cjk(c) || c.is_whitespace()));
    let core = core.join(if all_cjk { "" } else { " " });
    [name.prefix.trim(), core.as_str(), name.suffix.trim()]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
