//! Countries: the stored ISO 3166-1 alpha-2 rule and the parser that reads codes and English
//! names.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::FieldError;
use super::countries::{ALIASES, COUNTRIES};

/// Checks a stored country: an assigned ISO 3166-1 alpha-2 code in uppercase, or empty when
/// the country is unknown.
pub(super) fn check_country(field: &str, country: &str) -> Result<(), FieldError> {
    if country.is_empty() || by_alpha2(country).is_some() {
        Ok(())
    } else {
        Err(FieldError::CountryInvalid {
            field: field.to_string(),
            value: country.to_string(),
        })
    }
}

/// Reads a country as typed or imported and returns its alpha-2 code (`"JP"`).
///
/// Accepts alpha-2 and alpha-3 codes in any case (`jp`, `JPN`) and English names, ignoring
/// case, accents, punctuation and a leading "the": the ISO names (`Korea, Republic of`), the
/// common ones (`South Korea`, `United States`, `Vietnam`) and everyday ones (`UK`, `USA`,
/// `Holland`). Blank input returns an empty string, the stored form of "unknown", so an
/// importer's empty column is not an error.
pub fn parse_country(field: &str, raw: &str) -> Result<String, FieldError> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(String::new());
    }
    let upper = text.to_ascii_uppercase();
    let found = match upper.len() {
        2 => by_alpha2(&upper),
        3 => COUNTRIES
            .iter()
            .find(|(_, alpha3, _)| *alpha3 == upper)
            .map(|(alpha2, ..)| *alpha2),
        _ => None,
    };
    found
        .or_else(|| BY_NAME.get(&normalize(text)).copied())
        .map(str::to_string)
        .ok_or_else(|| FieldError::CountryInvalid {
            field: field.to_string(),
            value: raw.to_string(),
        })
}

/// The table's alpha-2 code equal to `code`, found by binary search (the table is sorted).
fn by_alpha2(code: &str) -> Option<&'static str> {
    COUNTRIES
        .binary_search_by(|(alpha2, ..)| (*alpha2).cmp(code))
        .ok()
        .map(|index| COUNTRIES[index].0)
}

/// Every known name, normalised, with its alpha-2 code. Built once on first use: an import of
/// 100,000 rows must not normalise the whole table for every row.
static BY_NAME: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let standard = COUNTRIES
        .iter()
        .flat_map(|(alpha2, _, names)| names.iter().map(move |name| (normalize(name), *alpha2)));
    let everyday = ALIASES
        .iter()
        .map(|(name, alpha2)| (normalize(name), *alpha2));
    standard.chain(everyday).collect()
});

/// The form names are compared in: lowercase, common Latin accents removed, `.` and
/// apostrophes dropped (`U.S.`, `Côte d'Ivoire`), `&` read as "and", other punctuation as a
/// space, "st" as "saint", a leading "the" dropped, single spaces.
fn normalize(name: &str) -> String {
    let mut spaced = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase).map(fold_accent) {
        match c {
            '.' | '\'' | '\u{2019}' => {}
            '&' => spaced.push_str(" and "),
            c if c.is_alphanumeric() => spaced.push(c),
            _ => spaced.push(' '),
        }
    }
    let mut words: Vec<&str> = spaced
        .split_whitespace()
        .map(|word| if word == "st" { "saint" } else { word })
        .collect();
    if words.first() == Some(&"the") {
        words.remove(0);
    }
    words.join(" ")
}

/// The accented lowercase letters that occur in country names, without their accents.
fn fold_accent(c: char) -> char {
    match c {
        'à'..='å' => 'a',
        'ç' => 'c',
        'è'..='ë' => 'e',
        'ì'..='ï' => 'i',
        'ñ' => 'n',
        'ò'..='ö' | 'ø' => 'o',
        'ù'..='ü' => 'u',
        'ý' | 'ÿ' => 'y',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn codes_in_any_case_become_alpha2() {
        for (raw, code) in [
            ("JP", "JP"),
            ("jp", "JP"),
            (" us ", "US"),
            ("JPN", "JP"),
            ("usa", "US"),
            ("deu", "DE"),
            ("KOR", "KR"),
            ("xk", "XK"),
        ] {
            assert_eq!(
                parse_country("addresses[0].country", raw),
                Ok(code.to_string()),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn english_names_become_alpha2() {
        for (raw, code) in [
            ("Japan", "JP"),
            ("United States", "US"),
            ("United States of America", "US"),
            ("U.S.A.", "US"),
            ("Germany", "DE"),
            ("China", "CN"),
            ("South Korea", "KR"),
            ("Korea, Republic of", "KR"),
            ("United Kingdom", "GB"),
            ("UK", "GB"),
            ("the netherlands", "NL"),
            ("Viet Nam", "VN"),
            ("Vietnam", "VN"),
            ("Taiwan", "TW"),
            ("Côte d'Ivoire", "CI"),
            ("Cote d’Ivoire", "CI"),
            ("Türkiye", "TR"),
            ("Turkey", "TR"),
            ("Bosnia & Herzegovina", "BA"),
            ("St. Lucia", "LC"),
            ("The Bahamas", "BS"),
            ("  hong   kong ", "HK"),
        ] {
            assert_eq!(
                parse_country("addresses[0].country", raw),
                Ok(code.to_string()),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn blank_input_means_unknown() {
        assert_eq!(
            parse_country("addresses[0].country", "  "),
            Ok(String::new())
        );
    }

    #[test]
    fn unknown_countries_are_rejected_with_what_was_typed() {
        for raw in ["ZZ", "J", "Japn", "Atlantis", "EUR", "U S A", "Korea South"] {
            assert_eq!(
                parse_country("addresses[1].country", raw),
                Err(FieldError::CountryInvalid {
                    field: "addresses[1].country".into(),
                    value: raw.into()
                }),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn stored_countries_are_uppercase_alpha2_or_empty() {
        assert_eq!(check_country("addresses[0].country", "JP"), Ok(()));
        assert_eq!(check_country("addresses[0].country", ""), Ok(()));
        for stored in ["jp", "JPN", "Japan", "UK", "ZZ", " JP"] {
            assert_eq!(
                check_country("addresses[2].country", stored),
                Err(FieldError::CountryInvalid {
                    field: "addresses[2].country".into(),
                    value: stored.into()
                }),
                "{stored:?}"
            );
        }
    }

    #[test]
    fn the_table_holds_every_assigned_code_once_in_order() {
        // 249 officially assigned codes plus XK.
        assert_eq!(COUNTRIES.len(), 250);
        assert!(
            COUNTRIES.windows(2).all(|pair| pair[0].0 < pair[1].0),
            "sorted by alpha-2"
        );
        let alpha3: HashSet<&str> = COUNTRIES.iter().map(|(_, alpha3, _)| *alpha3).collect();
        assert_eq!(alpha3.len(), COUNTRIES.len());
        for (alpha2, alpha3, names) in COUNTRIES {
            assert!(
                alpha2.len() == 2 && alpha2.bytes().all(|b| b.is_ascii_uppercase()),
                "{alpha2}"
            );
            assert!(
                alpha3.len() == 3 && alpha3.bytes().all(|b| b.is_ascii_uppercase()),
                "{alpha3}"
            );
            assert!(!names.is_empty(), "{alpha2} has a name");
        }
    }

    #[test]
    fn no_name_means_two_countries() {
        let standard = COUNTRIES
            .iter()
            .flat_map(|(alpha2, _, names)| names.iter().map(move |name| (*name, *alpha2)));
        let mut seen: HashMap<String, &str> = HashMap::new();
        for (name, alpha2) in standard.chain(ALIASES.iter().copied()) {
            assert!(
                by_alpha2(alpha2).is_some(),
                "{name} maps to unknown {alpha2}"
            );
            if let Some(other) = seen.insert(normalize(name), alpha2) {
                assert_eq!(other, alpha2, "{name:?} means two countries");
            }
        }
    }
}
