//! Splitting a printed address into street, city, region and postal code.
//!
//! Each writing tradition orders an address differently, so each gets its own small parser
//! and the first that recognises the text wins: East Asian addresses run from the largest unit
//! to the smallest with no separators (`〒100-0005 東京都千代田区丸の内1-2-3`), Korean ones the
//! same way but in words, Russian and Ukrainian ones in comma-separated parts marked `г.` /
//! `ул.`, and Western ones put the street first and a locality line last (`Oakland, CA 94607`,
//! `London EC3N 1AH`, `114 51 Stockholm`). A parser that cannot place the city and the postal
//! code returns nothing: the printed address stays whole for the person reviewing it, which is
//! better than a confident wrong split.

use super::{STREET_WORDS, US_STATES, country_in, is_uk_postcode, words};
use crate::script::{count, is_cyrillic, is_han, is_hangul};

/// An address in parts; a part the card does not print is empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddressParts {
    /// Street, number, building: the lines before the locality, joined by newlines.
    pub street: String,
    /// City, ward or district.
    pub city: String,
    /// State, prefecture or province.
    pub region: String,
    /// Postal code as printed (`94607`, `EC3N 1AH`, `100-0005`).
    pub postal_code: String,
}

/// Splits the printed address `text` (lines joined by newlines), or `None` when its shape is
/// not one of those Rolo knows.
pub fn split_address(text: &str) -> Option<AddressParts> {
    // A line naming only the country is the Country field's, not part of the locality.
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !only_country(line))
        .collect();
    if lines.is_empty() {
        return None;
    }
    let parts = if lines.iter().any(|l| count(l, is_hangul) > 0) {
        korean(&lines)
    } else if lines.iter().any(|l| l.chars().any(is_han)) {
        east_asian(&lines)
    } else if lines.iter().any(|l| count(l, is_cyrillic) > 0) {
        cyrillic(&lines)
    } else {
        western(&lines)
    }?;
    (!parts.city.is_empty() || !parts.postal_code.is_empty()).then_some(parts)
}

/// Whether `line` is a country's name and nothing else (`United Kingdom`, `JAPAN`).
fn only_country(line: &str) -> bool {
    country_in(line).is_some()
        && words(line).len() <= 2
        && !line.chars().any(|c| c.is_ascii_digit())
}

/// Japanese and Chinese: `〒` or `邮编` postal code, then prefecture or province, city (with
/// its ward), and the rest is the street.
fn east_asian(lines: &[&str]) -> Option<AddressParts> {
    let mut parts = AddressParts::default();
    let mut first = lines[0].trim().to_string();
    // `〒100-0005`; OCR often drops the mark or misreads it (`元`, `T`), so a leading
    // `NNN-NNNN` is the code too.
    let mut rest = first.strip_prefix('〒').unwrap_or(&first).trim_start();
    if let Some(c) = rest.chars().next()
        && !c.is_ascii_digit()
        && rest[c.len_utf8()..]
            .trim_start()
            .starts_with(|d: char| d.is_ascii_digit())
    {
        rest = rest[c.len_utf8()..].trim_start();
    }
    let code: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    let japanese_code = code.len() == 8 && code.as_bytes()[3] == b'-';
    if japanese_code || first.starts_with('〒') {
        parts.postal_code = code.clone();
        first = rest[code.len()..].trim().to_string();
    } else if let Some(at) = first.find("邮编") {
        // Chinese cards print the postal code after the address: `…88号 邮编：100022`.
        let code: String = first[at + "邮编".len()..]
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        parts.postal_code = code;
        first = first[..at].trim().to_string();
    }
    let chars: Vec<char> = first.chars().filter(|c| !c.is_whitespace()).collect();
    let region_end = region_end(&chars);
    let municipality = region_end.is_some_and(|end| chars[end - 1] == '市');
    let from = region_end.unwrap_or(0);
    let city_end = city_end(&chars, from, municipality);
    parts.region = chars[..from].iter().collect();
    parts.city = chars[from..city_end].iter().collect();
    let mut street = vec![chars[city_end..].iter().collect::<String>()];
    street.extend(lines[1..].iter().map(|l| l.to_string()));
    parts.street = join_lines(&street);
    if parts.city.is_empty() && parts.region.is_empty() {
        return None;
    }
    Some(parts)
}

/// Where the prefecture or province at the start of `chars` ends (one past its last character).
fn region_end(chars: &[char]) -> Option<usize> {
    let text: String = chars.iter().collect();
    // Prefectures whose own name holds a suffix character (京都府) or that end otherwise, and
    // China's four municipalities, which stand where a province would.
    for name in [
        "東京都",
        "北海道",
        "京都府",
        "大阪府",
        "北京市",
        "上海市",
        "天津市",
        "重庆市",
        "重慶市",
    ] {
        if text.starts_with(name) {
            return Some(name.chars().count());
        }
    }
    for suffix in ["自治区", "特别行政区"] {
        if let Some(at) = text.find(suffix) {
            let end = text[..at].chars().count() + suffix.chars().count();
            if end <= 8 {
                return Some(end);
            }
        }
    }
    // Other prefectures are two or three characters and 県; provinces end in 省.
    chars
        .iter()
        .take(5)
        .position(|&c| c == '県' || c == '省')
        .filter(|&at| at >= 2)
        .map(|at| at + 1)
}

/// Where the city starting at `from` ends: through the first 市 (with the ward 区 that
/// follows it in a large city), else a county 郡 with its town 町 or village 村, else a
/// ward or district 区 or county 县 alone. Inside a municipality the district is the city.
fn city_end(chars: &[char], from: usize, municipality: bool) -> usize {
    let find = |set: &[char], start: usize| {
        (start + 1..chars.len().min(start + 8)).find(|&i| set.contains(&chars[i]))
    };
    let ward = |after: usize| {
        find(&['区'], after)
            .filter(|&i| i + 1 < chars.len() && !chars[after..i].iter().any(char::is_ascii_digit))
    };
    if municipality {
        return find(&['区', '县'], from).map_or(from, |i| i + 1);
    }
    if let Some(city) = find(&['市'], from) {
        return ward(city + 1).map_or(city + 1, |i| i + 1);
    }
    if let Some(county) = find(&['郡'], from) {
        return find(&['町', '村'], county + 1).map_or(county + 1, |i| i + 1);
    }
    find(&['区', '县'], from).map_or(from, |i| i + 1)
}

/// Korean: province or metropolitan city, then the city, county or district (`성남시 분당구`),
/// then the road and number; a five-digit postal code may stand first or last. OCR often
/// drops the spaces (`서울특별시강남구테헤란로 152`), so units are found by their endings.
fn korean(lines: &[&str]) -> Option<AddressParts> {
    let mut parts = AddressParts::default();
    let mut words: Vec<&str> = lines[0].split_whitespace().collect();
    let postal = |w: &str| {
        let digits = w.trim_matches(['(', ')', '[', ']', ',']);
        let digits = digits
            .trim_start_matches("우편번호")
            .trim_start_matches("우)");
        (digits.len() == 5 && digits.chars().all(|c| c.is_ascii_digit()))
            .then(|| digits.to_string())
    };
    if let Some(code) = words.first().and_then(|w| postal(w)) {
        parts.postal_code = code;
        words.remove(0);
    } else if let Some(code) = words.last().and_then(|w| postal(w)) {
        parts.postal_code = code;
        words.pop();
    }
    let text = words.join(" ");
    let chars: Vec<char> = text.chars().collect();
    // The end (exclusive) of the unit starting at `from` (spaces skipped) whose name ends in
    // one of `endings` within `longest` characters, unless a road (`로`, `길`) ends first.
    let unit = |from: usize, endings: &[&str], longest: usize| -> Option<usize> {
        let start = (from..chars.len()).find(|&i| chars[i] != ' ')?;
        let mut name = String::new();
        for (i, &c) in chars.iter().enumerate().skip(start).take(longest) {
            if c == ' ' || c.is_ascii_digit() {
                return None;
            }
            name.push(c);
            if name.chars().count() >= 2 && endings.iter().any(|e| name.ends_with(e)) {
                return Some(i + 1);
            }
            if matches!(c, '로' | '길') {
                return None;
            }
        }
        None
    };
    let region = unit(
        0,
        &["특별자치시", "특별자치도", "특별시", "광역시", "도"],
        7,
    );
    let from = region.unwrap_or(0);
    parts.region = chars[..from].iter().collect::<String>().trim().to_string();
    let mut end = from;
    while let Some(next) = unit(end, &["시", "군", "구"], 6) {
        end = next;
    }
    parts.city = chars[from..end]
        .iter()
        .collect::<String>()
        .trim()
        .to_string();
    let mut street = vec![chars[end..].iter().collect::<String>()];
    street.extend(lines[1..].iter().map(|l| l.to_string()));
    parts.street = join_lines(&street);
    (!parts.city.is_empty()).then_some(parts)
}

/// Russian and Ukrainian: comma-separated parts in either order, the city marked `г.` (`м.` in
/// Ukrainian), the region by `обл.` / `край`, a six- or five-digit postal code alone.
fn cyrillic(lines: &[&str]) -> Option<AddressParts> {
    let mut parts = AddressParts::default();
    let mut street = Vec::new();
    for part in lines.iter().flat_map(|l| l.split(',')).map(str::trim) {
        let lower = part.to_lowercase();
        if (5..=6).contains(&part.len()) && part.chars().all(|c| c.is_ascii_digit()) {
            parts.postal_code = part.to_string();
        } else if let Some(city) = ["г.", "м.", "город "]
            .iter()
            .find_map(|mark| lower.starts_with(mark).then(|| part[mark.len()..].trim()))
        {
            parts.city = city.to_string();
        } else if ["обл", "область", "край", "респ"]
            .iter()
            .any(|w| lower.contains(w))
        {
            parts.region = part.to_string();
        } else if country_in(part).is_none() && !part.is_empty() {
            street.push(part);
        }
    }
    parts.street = street.join(", ");
    (!parts.city.is_empty()).then_some(parts)
}

/// US, UK, Canada and continental Europe: street lines, then a locality line
/// (`Oakland, CA 94607`, `London EC3N 1AH`, `10115 Berlin`, `114 51 Stockholm`). A one-line
/// address has its locality after the last comma that is not the city's own.
fn western(lines: &[&str]) -> Option<AddressParts> {
    let (last, before) = lines.split_last()?;
    let mut street: Vec<String> = before.iter().map(|l| l.to_string()).collect();
    let segments: Vec<&str> = last.split(',').map(str::trim).collect();
    // Try the whole line, then the line less its leading comma-separated segments (which
    // are then street).
    for skip in 0..segments.len() {
        let locality = segments[skip..].join(", ");
        if let Some(mut parts) = locality_line(&locality) {
            street.extend(segments[..skip].iter().map(|s| s.to_string()));
            if parts.city.contains(',') {
                // `1200 Harbor Blvd, Oakland` before `CA 94607`: the city is the last segment.
                let (head, city) = parts.city.rsplit_once(',').unwrap_or_default();
                street.push(head.trim().to_string());
                parts.city = city.trim().to_string();
            }
            if words(&parts.city)
                .iter()
                .any(|w| STREET_WORDS.contains(&w.as_str()))
            {
                return None;
            }
            parts.street = join_lines(&street);
            return Some(parts);
        }
    }
    None
}

/// Whether `line` is a locality line on its own (`10115 Berlin`, `114 51 Stockholm`).
pub(super) fn is_locality(line: &str) -> bool {
    locality_line(line).is_some()
}

/// A locality line alone: `City, ST 12345`, `City POSTCODE` (UK, Canada) or `[D-]12345 City`.
fn locality_line(line: &str) -> Option<AddressParts> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let n = tokens.len();
    let city_of = |tokens: &[&str]| tokens.join(" ").trim_end_matches(',').trim().to_string();
    // US: `City, ST 12345[-6789]`.
    if n >= 3 && US_STATES.contains(&tokens[n - 2]) && is_zip(tokens[n - 1]) {
        return Some(AddressParts {
            city: city_of(&tokens[..n - 2]),
            region: tokens[n - 2].to_string(),
            postal_code: tokens[n - 1].to_string(),
            ..Default::default()
        });
    }
    // Canada: `City, QC H2Y 1C6`.
    if n >= 4 && tokens[n - 3].len() == 2 && is_canadian(tokens[n - 2], tokens[n - 1]) {
        return Some(AddressParts {
            city: city_of(&tokens[..n - 3]),
            region: tokens[n - 3].to_string(),
            postal_code: tokens[n - 2..].join(" "),
            ..Default::default()
        });
    }
    // UK: `London EC3N 1AH`.
    if n >= 3 && is_uk_postcode(tokens[n - 2], tokens[n - 1]) {
        return Some(AddressParts {
            city: city_of(&tokens[..n - 2]),
            postal_code: tokens[n - 2..].join(" "),
            ..Default::default()
        });
    }
    // Continental: a postal code first, with an optional country letter (`D-`, `SE-`).
    let first = tokens.first()?;
    let bare = first.rsplit_once('-').map_or(*first, |(country, code)| {
        if country.len() <= 2 && country.chars().all(|c| c.is_ascii_uppercase()) {
            code
        } else {
            first
        }
    });
    let digits = |t: &str, len: usize| t.len() == len && t.chars().all(|c| c.is_ascii_digit());
    // Two-part codes: Sweden's `114 51`, the Netherlands' `1012 AB`.
    let two_part = n >= 3
        && (digits(bare, 3) && digits(tokens[1], 2)
            || digits(bare, 4) && is_dutch_letters(tokens[1]));
    let (code, rest) = if two_part {
        (format!("{bare} {}", tokens[1]), &tokens[2..])
    } else if n >= 2 && (digits(bare, 5) || digits(bare, 4)) {
        (bare.to_string(), &tokens[1..])
    } else {
        return None;
    };
    // The city is words, not a number: `3100 Desert Way` is a street.
    let city = city_of(rest);
    let lettered = city.chars().next().is_some_and(char::is_alphabetic);
    (lettered && !city.chars().any(|c| c.is_ascii_digit())).then(|| AddressParts {
        city,
        postal_code: code,
        ..Default::default()
    })
}

fn is_zip(token: &str) -> bool {
    let (five, plus) = token.split_once('-').unwrap_or((token, ""));
    five.len() == 5
        && five.chars().all(|c| c.is_ascii_digit())
        && (plus.is_empty() || plus.len() == 4 && plus.chars().all(|c| c.is_ascii_digit()))
}

/// `H2Y 1C6`: letter digit letter, digit letter digit.
fn is_canadian(out: &str, inward: &str) -> bool {
    let shape = |t: &str, first_letter: bool| {
        t.len() == 3
            && t.chars().enumerate().all(|(i, c)| {
                if (i % 2 == 0) == first_letter {
                    c.is_ascii_uppercase()
                } else {
                    c.is_ascii_digit()
                }
            })
    };
    shape(out, true) && shape(inward, false)
}

fn is_dutch_letters(token: &str) -> bool {
    token.len() == 2 && token.chars().all(|c| c.is_ascii_uppercase())
}

/// Non-empty lines joined by newlines.
fn join_lines(lines: &[String]) -> String {
    let kept: Vec<&str> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    kept.join("\n")
}

#[cfg(test)]
mod tests;
