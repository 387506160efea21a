//! Recognising address lines and the country they name.

use crate::script::{count, is_cjk, is_hangul};

mod split;

pub use self::split::{AddressParts, split_address};

/// Country names as cards print them, in the scripts Rolo reads, with their ISO code. English
/// names beyond these go through `sync_core::validate::parse_country`.
const COUNTRY_NAMES: &[(&str, &str)] = &[
    ("japan", "JP"),
    ("日本", "JP"),
    ("china", "CN"),
    ("p.r. china", "CN"),
    ("中国", "CN"),
    ("中華人民共和国", "CN"),
    ("south korea", "KR"),
    ("korea", "KR"),
    ("대한민국", "KR"),
    ("한국", "KR"),
    ("usa", "US"),
    ("u.s.a.", "US"),
    ("united states", "US"),
    ("united kingdom", "GB"),
    ("uk", "GB"),
    ("england", "GB"),
    ("germany", "DE"),
    ("deutschland", "DE"),
    ("france", "FR"),
    ("singapore", "SG"),
    ("taiwan", "TW"),
    ("台湾", "TW"),
    ("臺灣", "TW"),
    ("hong kong", "HK"),
    ("香港", "HK"),
    ("russia", "RU"),
    ("россия", "RU"),
    ("ukraine", "UA"),
    ("україна", "UA"),
    ("украина", "UA"),
    ("canada", "CA"),
    ("australia", "AU"),
    ("india", "IN"),
    ("vietnam", "VN"),
    ("viet nam", "VN"),
    ("việt nam", "VN"),
    ("viêt nam", "VN"),
];

/// US state abbreviations, for `City, ST 12345`.
const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC",
];

/// Words of street addresses in Latin script.
const STREET_WORDS: &[&str] = &[
    "street",
    "st",
    "avenue",
    "ave",
    "road",
    "rd",
    "boulevard",
    "blvd",
    "suite",
    "ste",
    "floor",
    "fl",
    "lane",
    "ln",
    "drive",
    "dr",
    "way",
    "plaza",
    "building",
    "bldg",
    "square",
    "sq",
    "court",
    "ct",
    "place",
    "pl",
    "parkway",
    "pkwy",
    "highway",
    "hwy",
    "strasse",
    "straße",
    "str",
    "platz",
    "tower",
    "terrace",
    "crescent",
    "mews",
    "unit",
    "po box",
    "ул",
    "д",
    "г",
    "офис",
    "вул",
    "м",
    "просп",
    "пер",
    "буд",
    "rue",
    "chemin",
    "quai",
    "allée",
    "via",
    "calle",
    // Vietnamese, with and without the marks OCR may lose.
    "đường",
    "duong",
    "phường",
    "phuong",
    "quận",
    "quan",
    "tp.",
    "lầu",
    "tầng",
];

/// Endings of street names written as one word in German, Dutch and Scandinavian addresses
/// (`Musterstraße`, `Storgatan`, `Keizersgracht`).
const STREET_SUFFIXES: &[&str] = &[
    "straße", "strasse", "str.", "weg", "gasse", "allee", "platz", "gatan", "gata", "vägen", "väg",
    "veien", "vej", "gade", "straat", "gracht", "laan",
];

/// The country a line names, as ISO 3166-1 alpha-2.
pub fn country_in(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    for (name, code) in COUNTRY_NAMES {
        let hit = if name.is_ascii() {
            words(&lower).iter().any(|w| w == name)
                || (name.contains(' ') || name.contains('.')) && lower.contains(name)
        } else {
            lower.contains(name)
        };
        if hit {
            return Some(code);
        }
    }
    None
}

/// Lowercase words of `text`, split at anything but letters, digits and dots.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '.'))
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_end_matches('.').to_lowercase())
        .collect()
}

/// Whether `text` has `City, ST 12345` (a US state and ZIP code).
pub fn has_us_state_zip(text: &str) -> bool {
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .collect();
    tokens.windows(2).any(|pair| {
        US_STATES.contains(&pair[0])
            && pair[1].len() >= 5
            && pair[1][..5].chars().all(|c| c.is_ascii_digit())
    })
}

/// How much `text` looks like a line of a postal address, 0 to 1.
pub fn address_score(text: &str) -> f32 {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    if text.contains('〒') {
        return 1.0;
    }
    let cjk = count(text, is_cjk);
    if cjk > 0 {
        let has = |set: &str| set.chars().any(|c| text.contains(c));
        // Japanese: prefecture + city or ward; Chinese: province/city + road/number.
        if has("都道府県省") && has("市区町村县") {
            return 0.95;
        }
        if has("市区县") && (has("路街道号楼") || text.contains("丁目") || text.contains("番地"))
        {
            return 0.9;
        }
        if text.contains("丁目") || text.contains("番地") || text.contains("大厦") {
            return 0.8;
        }
        if count(text, is_hangul) > 0 {
            let korean = text.split_whitespace().filter(|w| {
                w.ends_with(['시', '구', '로', '길', '동', '읍', '면', '층', '도'])
                    && w.chars().count() >= 2
            });
            let hits = korean.count();
            if hits >= 2 || hits >= 1 && digits > 0 {
                return 0.85;
            }
            // OCR drops the spaces between the units (`경기도성남시분당구판교로 255`): the
            // splitter finds them by their endings.
            if digits > 0 && split_address(text).is_some_and(|p| !p.city.is_empty()) {
                return 0.85;
            }
        }
        if country_in(text).is_some() && digits > 0 {
            return 0.7;
        }
        return 0.0;
    }
    let words = words(text);
    let street = words.iter().any(|w| {
        STREET_WORDS.contains(&w.as_str())
            || STREET_SUFFIXES
                .iter()
                .any(|s| w.len() > s.len() + 2 && w.ends_with(s.trim_end_matches('.')))
    });
    if street && digits > 0 {
        return 0.9;
    }
    if has_us_state_zip(text) {
        return 0.9;
    }
    if is_uk_postcode_line(text) || split::is_locality(text) {
        return 0.8;
    }
    if country_in(text).is_some() && (digits > 0 || words.len() <= 4) {
        return 0.75;
    }
    0.0
}

/// Whether `text` ends in a UK postcode (`EC1A 1BB`, `SW1A 2AA`).
fn is_uk_postcode_line(text: &str) -> bool {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    tokens
        .windows(2)
        .any(|pair| is_uk_postcode(pair[0].trim_matches(','), pair[1].trim_matches(',')))
}

/// Whether `out inward` is a UK postcode: `EC1A` then `1BB`.
fn is_uk_postcode(out: &str, inward: &str) -> bool {
    let out_ok = (2..=4).contains(&out.len())
        && out.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && out.chars().any(|c| c.is_ascii_digit())
        && out
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    let inward_ok = inward.len() == 3
        && inward.starts_with(|c: char| c.is_ascii_digit())
        && inward[1..].chars().all(|c| c.is_ascii_uppercase());
    out_ok && inward_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_lines_in_each_script_score_high() {
        for line in [
            "〒100-0005 東京都千代田区丸の内1-2-3",
            "北京市朝阳区建国路88号",
            "서울특별시 강남구 테헤란로 152",
            "경기도성남시분당구판교 로 255",
            "1200 Market Street, Suite 400",
            "San Francisco, CA 94103",
            "London EC1A 1BB",
        ] {
            assert!(address_score(line) >= 0.6, "{line}");
        }
    }

    #[test]
    fn names_titles_and_companies_are_not_addresses() {
        for line in [
            "Aiko Sato",
            "Sales Manager",
            "Yamata Keiki Co., Ltd.",
            "山田 太郎",
            "营销部经理",
        ] {
            assert_eq!(address_score(line), 0.0, "{line}");
        }
    }

    #[test]
    fn countries_are_found_in_any_script() {
        assert_eq!(country_in("Minato-ku, Tokyo 105-0011, Japan"), Some("JP"));
        assert_eq!(country_in("대한민국 서울"), Some("KR"));
        assert_eq!(country_in("London, United Kingdom"), Some("GB"));
        assert_eq!(country_in("Sales Manager"), None);
    }
}
