//! Phone numbers as digit terms: what a stored number is indexed under, and how a query that
//! looks like a number becomes one digit term.
//!
//! A number is indexed as digits only, in the two spellings people type — international
//! without the `+` (`81312345678`) and national with the trunk prefix (`0312345678`) — and by
//! every suffix of those of [`MIN_PHONE_SUFFIX_DIGITS`] or more, so a prefix search finds any
//! run of four or more digits in it (`5678`, `12345678`, `3123`).

use phonenumber::Mode;

use super::MIN_PHONE_SUFFIX_DIGITS;
use super::terms::Terms;
use crate::contact::Phone;
use crate::validate::{parse_phone, stored_number};

/// Indexes one phone number.
///
/// The stored E.164 is the source. A phone without one (an item written before validation or
/// by an older client) is read from its raw text with the tenant's `region`, and failing that
/// indexed by the raw text's digits, so it can still be found by them.
pub(super) fn index_phone(phone: &Phone, region: &str, terms: &mut Terms) {
    let e164 = if is_e164(&phone.e164) {
        Some(phone.e164.clone())
    } else {
        parse_phone("phone", &phone.raw, region_option(region)).ok()
    };
    let Some(e164) = e164 else {
        add_digit_suffixes(&digits_of(&phone.raw), terms);
        return;
    };
    let international = &e164[1..];
    add_digit_suffixes(international, terms);
    if let Some(national) = national_digits(&e164) {
        add_digit_suffixes(&national, terms);
    }
}

/// The digits of the number's national format (`03-1234-5678` → `0312345678`), when that
/// format ends with the national significant number as the E.164 holds it: a country whose
/// national format inserts digits elsewhere (Argentina's mobile `15`) gets no national term
/// rather than a wrong one.
fn national_digits(e164: &str) -> Option<String> {
    let number = stored_number(e164)?;
    let code_digits = number.code().value().to_string().len();
    let significant = e164.get(1 + code_digits..)?;
    let mut formatted = String::new();
    // `Display` fails for a country code without metadata; the number then has no national
    // form to offer.
    std::fmt::write(
        &mut formatted,
        format_args!("{}", number.format().mode(Mode::National)),
    )
    .ok()?;
    let national = digits_of(&formatted);
    national.ends_with(significant).then_some(national)
}

/// Adds `digits` and each of its suffixes down to [`MIN_PHONE_SUFFIX_DIGITS`] digits.
fn add_digit_suffixes(digits: &str, terms: &mut Terms) {
    if digits.len() < MIN_PHONE_SUFFIX_DIGITS {
        terms.add(digits);
        return;
    }
    for start in 0..=digits.len() - MIN_PHONE_SUFFIX_DIGITS {
        terms.add(&digits[start..]);
    }
}

/// The one digit term for a query (or a chunk of one) that looks like a phone number: only
/// digits, spaces and phone punctuation (`+ ( ) . -` and the dashes Japanese input produces),
/// with at least three digits. If it reads as a valid number with the tenant's `region`, its
/// E.164 digits, so `03-1234-5678`, `+81 3 1234 5678` and `(03) 1234-5678` are one term;
/// otherwise its bare digits, a part of a number (`1234-5678` → `12345678`) that the indexed
/// suffixes match. `text` is already normalized (full-width digits are ASCII).
pub(super) fn phone_query(text: &str, region: &str) -> Option<String> {
    let shaped = text
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ' || is_phone_punctuation(c));
    let digits = digits_of(text);
    if !shaped || digits.len() < 3 {
        return None;
    }
    match parse_phone("query", text, region_option(region)) {
        Ok(e164) => Some(e164[1..].to_string()),
        Err(_) => Some(digits),
    }
}

/// Punctuation printed or typed inside phone numbers.
fn is_phone_punctuation(c: char) -> bool {
    matches!(
        c,
        '+' | '(' | ')' | '.' | '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | 'ー'
    )
}

/// The ASCII digits of `text`, in order.
fn digits_of(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Whether `text` has the stored E.164 shape (`+` and 1 to 15 digits); only then are its digits
/// indexed as they stand.
fn is_e164(text: &str) -> bool {
    text.strip_prefix('+').is_some_and(|digits| {
        (1..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// The region for [`parse_phone`]: none when the tenant has not set one.
fn region_option(region: &str) -> Option<&str> {
    let region = region.trim();
    (!region.is_empty()).then_some(region)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ItemId;

    fn indexed(e164: &str, raw: &str, region: &str) -> Vec<String> {
        let mut terms = Terms::default();
        let phone = Phone {
            id: ItemId::from("p1"),
            label: "work".into(),
            e164: e164.into(),
            raw: raw.into(),
        };
        index_phone(&phone, region, &mut terms);
        terms.into_sorted()
    }

    #[test]
    fn a_tokyo_number_is_indexed_international_national_and_by_suffix() {
        let terms = indexed("+81312345678", "03-1234-5678", "JP");
        for expected in ["81312345678", "0312345678", "312345678", "12345678", "5678"] {
            assert!(
                terms.iter().any(|t| t == expected),
                "{expected} in {terms:?}"
            );
        }
        assert!(
            !terms.iter().any(|t| t == "678"),
            "no suffix under four digits"
        );
        assert_eq!(terms.len(), 9, "{terms:?}");
    }

    #[test]
    fn a_country_without_a_trunk_prefix_adds_no_national_term() {
        // The US national format `(415) 555-0132` is the significant number itself.
        let terms = indexed("+14155550132", "", "JP");
        assert_eq!(terms.len(), 8, "{terms:?}");
        assert!(terms.iter().any(|t| t == "4155550132"));
    }

    #[test]
    fn st_petersburg_keeps_its_trunk_eight_and_its_area_code_eight() {
        let terms = indexed("+78123091234", "", "");
        assert!(terms.iter().any(|t| t == "88123091234"), "{terms:?}");
    }

    #[test]
    fn a_phone_without_e164_is_read_from_its_raw_text() {
        let terms = indexed("", "(03) 1234-5678", "JP");
        assert!(terms.iter().any(|t| t == "81312345678"), "{terms:?}");
        let terms = indexed("", "ext 12345", "");
        assert_eq!(terms, ["12345", "2345"]);
    }

    #[test]
    fn phone_shaped_queries_become_one_digit_term() {
        for text in [
            "03-1234-5678",
            "+81 3 1234 5678",
            "(03) 1234-5678",
            "03ー1234ー5678",
        ] {
            assert_eq!(
                phone_query(text, "JP").as_deref(),
                Some("81312345678"),
                "{text}"
            );
        }
        assert_eq!(phone_query("1234-5678", "JP").as_deref(), Some("12345678"));
        assert_eq!(
            phone_query("03-1234-5678", "").as_deref(),
            Some("0312345678")
        );
        assert_eq!(phone_query("12", "JP"), None, "too few digits");
        assert_eq!(phone_query("tanaka 5678", "JP"), None, "not a number");
    }
}
