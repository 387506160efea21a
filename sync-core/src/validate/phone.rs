//! Phone numbers: the stored E.164 rule and the parser for what people type or cards print.

use phonenumber::country::Id as Region;
use phonenumber::{ParseError, PhoneNumber};

use super::{FieldError, MAX_TEXT_CHARS, too_long};

/// The shape rule's wording, shared by the message and the tests.
const NOT_E164: &str =
    "is not a phone number in E.164 form (+, the country code and the number, at most 15 digits)";

/// Checks a stored number: canonical E.164 that `phonenumber` accepts as a valid number.
///
/// The digit count is not held to a minimum beyond what `phonenumber` requires, because real
/// numbers are shorter than 8 digits in places (Niue's `+683 4002`).
pub(super) fn check_phone(field: &str, e164: &str) -> Result<(), FieldError> {
    let invalid = |reason: String| FieldError::PhoneInvalid {
        field: field.to_string(),
        value: e164.to_string(),
        reason,
    };
    let digits = e164.strip_prefix('+').unwrap_or_default();
    let shaped = (1..=15).contains(&digits.len())
        && digits.bytes().all(|byte| byte.is_ascii_digit())
        && !digits.starts_with('0');
    if !shaped {
        return Err(invalid(NOT_E164.to_string()));
    }
    let number = phonenumber::parse(None, e164).map_err(|error| invalid(parse_reason(&error)))?;
    let number = keep_every_digit(e164, number);
    if !number.is_valid() {
        return Err(invalid(format!(
            "is not a valid number for country code +{}",
            number.code().value()
        )));
    }
    let canonical = e164_of(&number);
    if canonical != e164 {
        // "+810312345678" reads as Tokyo but keeps the trunk 0; two spellings of one number
        // would defeat duplicate detection and search, so only the canonical one is stored.
        return Err(invalid(format!(
            "is not in canonical E.164 form (expected {canonical})"
        )));
    }
    Ok(())
}

/// The `phonenumber` reading of a stored E.164 number, every digit kept (see
/// [`keep_every_digit`]); `None` if it does not parse. Search uses it to write the number in its
/// national form.
pub(crate) fn stored_number(e164: &str) -> Option<PhoneNumber> {
    let number = phonenumber::parse(None, e164).ok()?;
    Some(keep_every_digit(e164, number))
}

/// Reads a phone number as typed or printed and returns it in E.164 (`+81312345678`).
///
/// `default_region` is the ISO 3166-1 alpha-2 code (any case) of the country a national number
/// is dialled in: the tenant's country, or a hint from the address or email domain. A number
/// written with `+` and its country code needs no region; a national number without one is
/// [`FieldError::PhoneRegionNeeded`], so the client can ask which country it is in.
///
/// Accepts the usual printed punctuation — `(03) 1234-5678`, `+81 3-1234-5678`,
/// `03.1234.5678`, `tel:` URIs — and full-width digits, plus sign and dashes as Japanese input
/// methods produce them (`０３－１２３４－５６７８`).
///
/// An extension (`+1 (415) 555-0132 ext. 12`) is dropped: E.164 has no place for one, and the
/// stored [`Phone::raw`] keeps the text as typed, extension included.
///
/// [`Phone::raw`]: crate::contact::Phone::raw
pub fn parse_phone(
    field: &str,
    raw: &str,
    default_region: Option<&str>,
) -> Result<String, FieldError> {
    let invalid = |reason: &str| FieldError::PhoneInvalid {
        field: field.to_string(),
        value: raw.to_string(),
        reason: reason.to_string(),
    };
    // Checked before any parsing so a pasted document never reaches the parser's regexes.
    too_long(field, raw, MAX_TEXT_CHARS)?;
    let text = to_ascii_punctuation(raw);
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid("is empty"));
    }
    let region = match default_region {
        Some(code) => Some(region_of(code).ok_or_else(|| {
            invalid(&format!(
                "cannot be read: the default region {code:?} is not a country code"
            ))
        })?),
        None => None,
    };
    let international = text.starts_with('+') || text.to_ascii_lowercase().starts_with("tel:+");
    if region.is_none() && !international {
        return Err(FieldError::PhoneRegionNeeded {
            field: field.to_string(),
            value: raw.to_string(),
        });
    }
    let number =
        phonenumber::parse(region, text).map_err(|error| invalid(&parse_reason(&error)))?;
    let number = if international {
        keep_every_digit(text, number)
    } else {
        number
    };
    if !number.is_valid() {
        let reason = match (international, region) {
            (false, Some(region)) => {
                format!("is not a valid phone number in {}", region.as_ref())
            }
            _ => format!(
                "is not a valid number for country code +{}",
                number.code().value()
            ),
        };
        return Err(invalid(&reason));
    }
    Ok(e164_of(&number))
}

/// Works around `phonenumber` 0.3 stripping a national prefix even after `+` and the country
/// code: `+7 812 309-12-34` (St Petersburg) loses the 8 of 812, because Russia's national
/// prefix is 8, and comes out as the invalid `+7 12 …` (the national form `8 812 …` loses both
/// eights). When an international number lost digits, it is rebuilt from the digits as typed
/// and kept only if the crate's own validation accepts it. The crate has no public
/// constructor, so the number goes through its serde form ([`SerdeNumber`]); the tests below
/// fail if that form ever changes.
fn keep_every_digit(text: &str, parsed: PhoneNumber) -> PhoneNumber {
    let typed: String = text.chars().filter(char::is_ascii_digit).collect();
    let code = parsed.code().value();
    if e164_of(&parsed)[1..] == typed {
        return parsed;
    }
    let Some(rest) = typed.strip_prefix(&code.to_string()) else {
        return parsed;
    };
    let Ok(national) = rest.parse::<u64>() else {
        return parsed;
    };
    // A leading zero would need the crate's zero count; no country affected here has one.
    if rest.starts_with('0') {
        return parsed;
    }
    let rebuilt = SerdeNumber {
        code: SerdeCode {
            value: code,
            source: "plus",
        },
        national: SerdeNational { value: national },
        extension: None,
        carrier: None,
    };
    let rebuilt = rmp_serde::to_vec_named(&rebuilt)
        .ok()
        .and_then(|bytes| rmp_serde::from_slice::<PhoneNumber>(&bytes).ok());
    match rebuilt {
        Some(number) if number.is_valid() => number,
        _ => parsed,
    }
}

/// `phonenumber::PhoneNumber` as its serde derive writes it.
#[derive(serde::Serialize)]
struct SerdeNumber {
    code: SerdeCode,
    national: SerdeNational,
    extension: Option<String>,
    carrier: Option<String>,
}

#[derive(serde::Serialize)]
struct SerdeCode {
    value: u16,
    source: &'static str,
}

#[derive(serde::Serialize)]
struct SerdeNational {
    value: u64,
}

/// The `phonenumber` region for an ISO 3166-1 alpha-2 code in any case.
fn region_of(code: &str) -> Option<Region> {
    code.trim().to_ascii_uppercase().parse().ok()
}

/// The number in E.164, without any extension.
///
/// Written out here rather than through `phonenumber`'s formatter, whose `Display` fails (and
/// `to_string` would panic) for a country code it has no metadata for.
fn e164_of(number: &PhoneNumber) -> String {
    format!("+{}{}", number.code().value(), number.national())
}

/// Words a `phonenumber` parse failure to follow the quoted value.
fn parse_reason(error: &ParseError) -> String {
    match error {
        ParseError::InvalidCountryCode => "does not start with a known country code",
        ParseError::TooShortNsn | ParseError::TooShortAfterIdd => {
            "is too short to be a phone number"
        }
        ParseError::TooLong => "is too long to be a phone number",
        ParseError::NoNumber | ParseError::MalformedInteger(_) => "is not a phone number",
    }
    .to_string()
}

/// Maps full-width ASCII (U+FF01-U+FF5E), the ideographic space and the dash look-alikes that
/// Japanese and Chinese input methods produce to plain ASCII; `phonenumber` reads only ASCII.
fn to_ascii_punctuation(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' | '\u{FF70}' => '-',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason_of(error: FieldError) -> (String, String, String) {
        match error {
            FieldError::PhoneInvalid {
                field,
                value,
                reason,
            } => (field, value, reason),
            other => panic!("expected PhoneInvalid, got {other:?}"),
        }
    }

    #[test]
    fn japanese_printed_forms_read_with_a_region() {
        for raw in [
            "(03) 1234-5678",
            "03.1234.5678",
            "03-1234-5678",
            "０３－１２３４－５６７８",
        ] {
            assert_eq!(
                parse_phone("phones[0].e164", raw, Some("JP")),
                Ok("+81312345678".into())
            );
        }
        assert_eq!(
            parse_phone("phones[0].e164", "090-1234-5678", Some("jp")),
            Ok("+819012345678".into())
        );
    }

    #[test]
    fn a_country_code_followed_by_its_national_prefix_digit_keeps_it() {
        // Russia's national prefix is 8, and St Petersburg's area code starts with 8.
        assert_eq!(
            parse_phone("p", "+7 812 309-12-34", None),
            Ok("+78123091234".into())
        );
        assert_eq!(
            parse_phone("p", "+7 495 123-45-67", None),
            Ok("+74951234567".into())
        );
        assert_eq!(
            check_phone("p", "+78123091234"),
            Ok(()),
            "and it may be stored"
        );
        assert!(
            parse_phone("p", "+7 812 309-12", None).is_err(),
            "a short number is still refused"
        );
    }

    #[test]
    fn international_forms_need_no_region() {
        assert_eq!(
            parse_phone("p", "+81 3-1234-5678", None),
            Ok("+81312345678".into())
        );
        assert_eq!(
            parse_phone("p", "＋８１ ３ １２３４ ５６７８", None),
            Ok("+81312345678".into())
        );
        assert_eq!(
            parse_phone("p", "tel:+81-3-1234-5678", None),
            Ok("+81312345678".into())
        );
        // A number with its own country code wins over the default region.
        assert_eq!(
            parse_phone("p", "+1 415 555 0132", Some("JP")),
            Ok("+14155550132".into())
        );
    }

    #[test]
    fn an_extension_is_dropped_from_the_stored_number() {
        assert_eq!(
            parse_phone("phones[2].e164", "+1 (415) 555-0132 ext. 12", None),
            Ok("+14155550132".into())
        );
        assert_eq!(
            parse_phone("p", "(415) 555-0132 x12", Some("US")),
            Ok("+14155550132".into())
        );
    }

    #[test]
    fn a_national_number_without_a_region_asks_for_one() {
        assert_eq!(
            parse_phone("phones[1].e164", "03-1234-5678", None),
            Err(FieldError::PhoneRegionNeeded {
                field: "phones[1].e164".into(),
                value: "03-1234-5678".into(),
            })
        );
    }

    #[test]
    fn text_that_is_not_a_number_is_rejected_with_its_field() {
        let (field, value, reason) =
            reason_of(parse_phone("phones[3].e164", "call me", Some("US")).unwrap_err());
        assert_eq!(
            (field.as_str(), value.as_str()),
            ("phones[3].e164", "call me")
        );
        assert_eq!(reason, "is not a phone number");
        let (_, value, reason) = reason_of(parse_phone("p", "   ", Some("US")).unwrap_err());
        assert_eq!((value.as_str(), reason.as_str()), ("   ", "is empty"));
    }

    #[test]
    fn a_number_invalid_for_its_country_is_rejected() {
        let (field, value, reason) =
            reason_of(parse_phone("phones[0].e164", "+1 555", None).unwrap_err());
        assert_eq!(
            (field.as_str(), value.as_str()),
            ("phones[0].e164", "+1 555")
        );
        assert_eq!(reason, "is not a valid number for country code +1");
        let (_, value, reason) = reason_of(parse_phone("p", "555-5555", Some("US")).unwrap_err());
        assert_eq!(value, "555-5555");
        assert_eq!(reason, "is not a valid phone number in US");
        let (_, _, reason) = reason_of(parse_phone("p", "+999 1234 5678", None).unwrap_err());
        assert_eq!(reason, "does not start with a known country code");
    }

    #[test]
    fn an_unknown_default_region_is_reported() {
        let (field, value, reason) =
            reason_of(parse_phone("phones[0].e164", "03-1234-5678", Some("ZZ")).unwrap_err());
        assert_eq!(
            (field.as_str(), value.as_str()),
            ("phones[0].e164", "03-1234-5678")
        );
        assert!(reason.contains("\"ZZ\""), "{reason}");
    }

    #[test]
    fn a_pasted_essay_is_too_long_before_it_is_parsed() {
        let raw = "5".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(
            parse_phone("phones[0].e164", &raw, Some("US")),
            Err(FieldError::TooLong {
                field: "phones[0].e164".into(),
                length: MAX_TEXT_CHARS + 1,
                max: MAX_TEXT_CHARS
            })
        );
    }

    #[test]
    fn stored_numbers_must_be_valid_canonical_e164() {
        assert_eq!(check_phone("phones[0].e164", "+81312345678"), Ok(()));
        assert_eq!(check_phone("phones[0].e164", "+14155550132"), Ok(()));
        assert_eq!(check_phone("phones[0].e164", "+6834002"), Ok(()));
        for (stored, reason) in [
            ("+1 555", NOT_E164.to_string()),
            ("81312345678", NOT_E164.to_string()),
            ("", NOT_E164.to_string()),
            ("+0312345678", NOT_E164.to_string()),
            ("+1234567890123456", NOT_E164.to_string()),
            (
                "+1555",
                "is not a valid number for country code +1".to_string(),
            ),
            (
                "+810312345678",
                "is not in canonical E.164 form (expected +81312345678)".to_string(),
            ),
        ] {
            assert_eq!(
                check_phone("phones[1].e164", stored),
                Err(FieldError::PhoneInvalid {
                    field: "phones[1].e164".into(),
                    value: stored.into(),
                    reason,
                }),
                "{stored}"
            );
        }
    }
}
