//! Phone numbers in one line of recognised text, and the labels the card's layout gives them.
//!
//! Every phone-shaped number is kept: one that validates in the card's region becomes E.164;
//! one that does not (a misread digit, Vietnam's numbers from before the 2018 renumbering)
//! keeps its printed text, a low certainty and the reason, so the rep sees it at review and
//! fixes it there — it is never dropped, and never stored as E.164 unchecked.

use sync_core::validate::{FieldError, parse_phone};

use super::contact_info::Found;
use super::labels::{Label, find_labels};

/// Maps OCR's usual misreadings inside a number (`O` for 0, `l` or `I` for 1) back to digits.
fn digit_like(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        'O' | 'o' => Some('0'),
        'l' | 'I' | '|' => Some('1'),
        _ => None,
    }
}

/// Runs of phone-number characters in `text` holding at least 7 digits: (start, end, text).
fn number_runs(text: &str) -> Vec<(usize, usize, String)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if !(c.is_ascii_digit() || c == '+' || c == '(') {
            i += 1;
            continue;
        }
        let mut run = String::new();
        let mut end = start;
        let mut j = i;
        while j < chars.len() {
            let (at, c) = chars[j];
            let next_is_digit = chars.get(j + 1).is_some_and(|(_, n)| n.is_ascii_digit());
            let prev_is_digit = run.chars().next_back().is_some_and(|p| p.is_ascii_digit());
            let mapped = if c.is_ascii_digit() {
                Some(c)
            } else if prev_is_digit && next_is_digit {
                digit_like(c)
            } else {
                None
            };
            if let Some(d) = mapped {
                run.push(d);
            } else if (c == '+' && run.is_empty()) || "()-. ".contains(c) {
                // A double space, or a dash set off by spaces (`0168 512 3746 - 0912 345 678`:
                // two numbers), ends the number.
                let next = chars.get(j + 1).map(|(_, n)| *n);
                let after = chars.get(j + 2).map(|(_, n)| *n);
                if c == ' ' && (next == Some(' ') || next == Some('-') && after == Some(' ')) {
                    break;
                }
                run.push(c);
            } else {
                break;
            }
            end = at + c.len_utf8();
            j += 1;
        }
        let trimmed = run.trim_end_matches([' ', '-', '.', '(']);
        let digits = trimmed.chars().filter(char::is_ascii_digit).count();
        if (7..=17).contains(&digits) {
            let consumed = trimmed.len();
            runs.push((
                start,
                start + consumed.min(end - start),
                trimmed.to_string(),
            ));
        }
        i = j.max(i + 1);
    }
    runs
}

/// Whether an unlabelled run of digits is shaped like a phone number rather than a postal
/// code, a date or a reference: 8 to 15 digits, written with a `+`, a trunk `0` or phone
/// punctuation.
fn phone_shaped(number: &str) -> bool {
    let digits = number.chars().filter(char::is_ascii_digit).count();
    let grouped = number.contains(['-', ' ', '.', '(']);
    (8..=15).contains(&digits) && (number.starts_with(['+', '0', '(']) || grouped)
}

/// Phone numbers in `text`, each labelled by the nearest label before it. `region` reads
/// national numbers; a number that does not validate is kept as printed, with the reason.
pub fn find_phones(text: &str, region: Option<&str>, address_like: bool) -> Vec<Found> {
    let labels = find_labels(text);
    let mut found = Vec::new();
    let mut previous_end = 0;
    let mut previous_label = None;
    for (start, end, number) in number_runs(text) {
        let printed = labels
            .iter()
            .rfind(|l| l.end <= start + 1 && l.start >= previous_end)
            .map(|l| l.label);
        // A second number set off from a labelled one by a dash or slash shares its label
        // (`Mobile: 0168 512 3746 - 0912 345 678`).
        let between = text.get(previous_end..start).unwrap_or_default();
        let label = printed.or_else(|| {
            (previous_end > 0
                && between
                    .chars()
                    .all(|c| c.is_whitespace() || "-/|,".contains(c)))
            .then_some(previous_label)
            .flatten()
        });
        previous_end = end;
        previous_label = label;
        // 〒 marks a Japanese postal code, never a phone.
        if text[..start].trim_end().ends_with('〒') {
            continue;
        }
        let (label, certainty) = match label {
            Some(Label::Mobile) => ("mobile", 0.95),
            Some(Label::Fax) => ("fax", 0.95),
            Some(Label::Work) => ("work", 0.95),
            Some(_) => continue,
            None if address_like => continue,
            None => ("work", 0.7),
        };
        let vietnam = region.is_some_and(|r| r.eq_ignore_ascii_case("VN"));
        let parsed = match parse_phone("phone", &number, region) {
            // It validates, but as a mobile of the new plan: the grouping says landline.
            Ok(_) if vietnam && vietnam_old_area_code(&number) => Err(FieldError::PhoneInvalid {
                field: "phone".into(),
                value: number.clone(),
                reason: "is a Hanoi or Ho Chi Minh City landline from before Vietnam's 2018 \
                         renumbering, which now reads as a mobile"
                    .into(),
            }),
            other => other,
        };
        match parsed {
            Ok(e164) => found.push(Found {
                label: if label == "work" && certainty < 0.9 && is_mobile_number(&e164) {
                    "mobile".to_string()
                } else {
                    label.to_string()
                },
                value: e164,
                raw: number,
                certainty,
                problem: None,
            }),
            // An unlabelled run that is not phone-shaped is some other number.
            Err(_) if certainty < 0.9 && !phone_shaped(&number) => {}
            Err(error) => {
                let problem = match error {
                    FieldError::PhoneInvalid { reason, .. } => reason,
                    FieldError::PhoneRegionNeeded { .. } => {
                        "has no country code and the card does not say which country".into()
                    }
                    other => other.to_string(),
                };
                let hint = vietnam.then(|| vietnam_2018(&number)).flatten();
                // An unlabelled old mobile (`0168 …`) is a mobile, as its new number shows.
                let label = match &hint {
                    Some(now) if certainty < 0.9 && is_mobile_number(now) => "mobile",
                    _ => label,
                };
                let problem = match hint {
                    Some(now) => format!(
                        "{problem} (a number from before Vietnam's 2018 renumbering: now {now}?)"
                    ),
                    None => problem,
                };
                found.push(Found {
                    label: label.to_string(),
                    value: number.clone(),
                    raw: number,
                    certainty: 0.3,
                    problem: Some(problem),
                });
            }
        }
    }
    found
}

/// Whether `printed` is a Hanoi or Ho Chi Minh City landline written before Vietnam's 2018
/// renumbering, by its one-digit area code set apart (`(08) 3823 4567`, `04-3942-5178`,
/// `+84 8 3823 4567`). Such a number still validates — as a mobile of the new plan, whose
/// prefixes 083-089 took over the old `08` — so only the printed grouping tells it from one
/// (a new mobile is grouped `083 823 4567` or `0838 234 567`).
fn vietnam_old_area_code(printed: &str) -> bool {
    let groups: Vec<&str> = printed
        .split(|c: char| !c.is_ascii_digit())
        .filter(|group| !group.is_empty())
        .collect();
    let digits: usize = groups.iter().map(|group| group.len()).sum();
    let international = printed.trim_start().starts_with('+');
    match groups.as_slice() {
        [code, _, ..] if !international => ["04", "08"].contains(code) && digits == 10,
        ["84", code, _, ..] if international => ["4", "8"].contains(code) && digits == 11,
        _ => false,
    }
}

/// Vietnam's 2017-2018 renumbering: 11-digit mobiles moved to 10 digits (`0168` became `038`)
/// and the landlines of Hanoi and Ho Chi Minh City took a `2` (`04` became `024`, `08`
/// `028`). The number as it would be dialled now, in E.164, when `national` is an old one
/// that maps so and the new one validates; a hint for the rep, never applied unasked.
pub fn vietnam_2018(national: &str) -> Option<String> {
    const MOBILE: &[(&str, &str)] = &[
        ("0120", "070"),
        ("0121", "079"),
        ("0122", "077"),
        ("0126", "076"),
        ("0128", "078"),
        ("0123", "083"),
        ("0124", "084"),
        ("0125", "085"),
        ("0127", "081"),
        ("0129", "082"),
        ("0162", "032"),
        ("0163", "033"),
        ("0164", "034"),
        ("0165", "035"),
        ("0166", "036"),
        ("0167", "037"),
        ("0168", "038"),
        ("0169", "039"),
        ("0186", "056"),
        ("0188", "058"),
        ("0199", "059"),
    ];
    let digits: String = national.chars().filter(char::is_ascii_digit).collect();
    let digits = match digits.strip_prefix("84") {
        Some(rest) if national.trim_start().starts_with('+') => format!("0{rest}"),
        _ => digits,
    };
    let renumbered = if digits.len() == 11 {
        MOBILE
            .iter()
            .find(|(old, _)| digits.starts_with(old))
            .map(|(old, new)| format!("{new}{}", &digits[old.len()..]))
    } else if digits.len() == 10 && (digits.starts_with("04") || digits.starts_with("08")) {
        Some(format!("02{}", &digits[1..]))
    } else {
        None
    }?;
    parse_phone("phone", &renumbered, Some("VN")).ok()
}

/// Whether an E.164 number is a mobile by its prefix where the numbering plan says so
/// (Japan 70/80/90, Korea 10, China 13x-19x, UK 7x, Vietnam 3x/5x/7x/8x/9x), so an unlabelled
/// mobile is not filed as the office line. Elsewhere (the US) the number does not tell.
pub fn is_mobile_number(e164: &str) -> bool {
    let digits = e164.strip_prefix('+').unwrap_or(e164);
    ["8170", "8180", "8190", "8210", "447"]
        .iter()
        .any(|prefix| digits.starts_with(prefix))
        || digits
            .strip_prefix("86")
            .is_some_and(|national| national.len() == 11 && national.starts_with('1'))
        || digits.strip_prefix("84").is_some_and(|national| {
            national.len() == 9 && national.starts_with(['3', '5', '7', '8', '9'])
        })
}

/// Labels a card's layout gives where none is printed: a number printed unlabelled right
/// after the office number and one above it (`…-0132`, then `…-0133`) is its fax, as cards
/// print them in that order. `phones` are in reading order, each with whether its label was
/// printed; only unprinted `work` labels change.
pub fn label_by_position(phones: &mut [(Found, bool)]) {
    for index in 1..phones.len() {
        let (before, rest) = phones.split_at_mut(index);
        let (this, printed) = &mut rest[0];
        if *printed || this.label != "work" || this.problem.is_some() {
            continue;
        }
        let follows_office = before.iter().any(|(other, _)| {
            other.label == "work"
                && other.problem.is_none()
                && next_number(&other.value, &this.value)
        });
        if follows_office {
            this.label = "fax".into();
        }
    }
}

/// Whether E.164 `b` is `a` plus one (same length, same prefix).
fn next_number(a: &str, b: &str) -> bool {
    let (Some(a), Some(b)) = (a.strip_prefix('+'), b.strip_prefix('+')) else {
        return false;
    };
    a.len() == b.len()
        && a.len() > 4
        && a[..a.len() - 4] == b[..b.len() - 4]
        && matches!(
            (a[a.len() - 4..].parse::<u32>(), b[b.len() - 4..].parse::<u32>()),
            (Ok(x), Ok(y)) if y == x + 1
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phones(text: &str, region: Option<&str>) -> Vec<(String, String)> {
        find_phones(text, region, false)
            .into_iter()
            .map(|f| (f.label, f.value))
            .collect()
    }

    #[test]
    fn phones_take_the_label_printed_before_them() {
        assert_eq!(
            phones("TEL03-1234-5678", Some("JP")),
            [("work".into(), "+81312345678".into())]
        );
        assert_eq!(
            phones("T 03-1234-5678 / F 03-1234-5679", Some("JP")),
            [
                ("work".into(), "+81312345678".into()),
                ("fax".into(), "+81312345679".into())
            ]
        );
        assert_eq!(
            phones("MOB+44 7911 123456", None),
            [("mobile".into(), "+447911123456".into())]
        );
        assert_eq!(
            phones("携帯 090-1234-5678", Some("JP")),
            [("mobile".into(), "+819012345678".into())]
        );
        assert_eq!(
            phones("Office (415) 555-0132", Some("US")),
            [("work".into(), "+14155550132".into())]
        );
        assert_eq!(
            phones("☎ 03-1234-5678", Some("JP")),
            [("work".into(), "+81312345678".into())],
            "a telephone sign is a printed label"
        );
    }

    #[test]
    fn an_unlabelled_mobile_prefix_reads_as_mobile() {
        assert_eq!(
            phones("010-4821-3367", Some("KR")),
            [("mobile".into(), "+821048213367".into())]
        );
        assert_eq!(
            phones("0912 345 678", Some("VN")),
            [("mobile".into(), "+84912345678".into())]
        );
        assert_eq!(
            phones("03-1234-5678", Some("JP")),
            [("work".into(), "+81312345678".into())]
        );
    }

    #[test]
    fn postal_codes_and_short_numbers_are_not_phones() {
        assert!(phones("〒100-0005 東京都千代田区丸の内1-2-3", Some("JP")).is_empty());
        assert!(find_phones("1200 Market Street, Suite 400", Some("US"), true).is_empty());
        assert!(phones("Booth 12", Some("US")).is_empty());
        assert!(phones("Order 20261123", Some("US")).is_empty());
    }

    #[test]
    fn a_national_number_without_a_region_is_kept_raw_and_unsure() {
        let found = find_phones("Tel 03-1234-5678", None, false);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].value, "03-1234-5678");
        assert!(found[0].certainty < 0.5);
        assert!(found[0].problem.is_some());
    }

    #[test]
    fn a_number_that_does_not_validate_is_kept_as_printed_with_the_reason() {
        let found = find_phones("Tel: (04) 3942 5178", Some("VN"), false);
        assert_eq!(found.len(), 1, "{found:?}");
        let phone = &found[0];
        assert_eq!(
            (phone.label.as_str(), phone.value.as_str()),
            ("work", "(04) 3942 5178")
        );
        assert!(phone.certainty < 0.5);
        let problem = phone.problem.as_deref().unwrap();
        assert!(
            problem.contains("not a valid phone number in VN"),
            "{problem}"
        );
        assert!(problem.contains("+842439425178"), "{problem}");

        let found = find_phones("Mobile 0168 512 3746", Some("VN"), false);
        assert_eq!(found[0].label, "mobile");
        assert_eq!(found[0].value, "0168 512 3746");
        assert!(
            found[0]
                .problem
                .as_deref()
                .unwrap()
                .contains("+84385123746"),
            "{found:?}"
        );
        // A misread US number: kept for the rep, not dropped.
        let found = find_phones("Tel (415) 555-013", Some("US"), false);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].problem.is_some());
    }

    #[test]
    fn two_numbers_set_apart_by_a_spaced_dash_are_two() {
        let found = find_phones("Mobile: 0168 512 3746 - 0912 345 678", Some("VN"), false);
        let values: Vec<&str> = found.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(values, ["0168 512 3746", "+84912345678"]);
        assert!(found.iter().all(|f| f.label == "mobile"), "{found:?}");
    }

    #[test]
    fn an_old_ho_chi_minh_city_landline_that_now_reads_as_a_mobile_is_kept_for_review() {
        for printed in ["(08) 3823 4568", "08-3823-4568", "+84 8 3823 4568"] {
            let found = find_phones(&format!("Fax: {printed}"), Some("VN"), false);
            assert_eq!(found.len(), 1, "{found:?}");
            assert_eq!(
                found[0].value, printed,
                "kept as printed, not as +84838234568"
            );
            assert_eq!(found[0].label, "fax");
            let problem = found[0].problem.as_deref().unwrap();
            assert!(problem.contains("+842838234568"), "{problem}");
        }
        // The new plan's mobiles, grouped as they are printed today, stay valid.
        for printed in ["083 823 4568", "0838 234 568", "+84 83 823 4568"] {
            let found = find_phones(&format!("Mobile {printed}"), Some("VN"), false);
            assert_eq!(found[0].value, "+84838234568", "{found:?}");
            assert_eq!(found[0].problem, None);
        }
        // Elsewhere `(08)` is an ordinary area code.
        let found = find_phones("Tel (08) 9321 4567", Some("AU"), false);
        assert_eq!(found[0].problem, None, "{found:?}");
    }

    #[test]
    fn an_unlabelled_old_vietnamese_mobile_is_labelled_mobile() {
        let found = find_phones("0168 512 3746", Some("VN"), false);
        assert_eq!(found[0].label, "mobile", "{found:?}");
        assert!(found[0].problem.is_some());
    }

    #[test]
    fn vietnamese_numbers_from_before_2018_map_to_the_new_plan() {
        assert_eq!(
            vietnam_2018("0168 512 3746").as_deref(),
            Some("+84385123746")
        );
        assert_eq!(
            vietnam_2018("0123 456 7890").as_deref(),
            Some("+84834567890")
        );
        assert_eq!(
            vietnam_2018("(04) 3942 5178").as_deref(),
            Some("+842439425178")
        );
        assert_eq!(
            vietnam_2018("(08) 3823 4567").as_deref(),
            Some("+842838234567")
        );
        assert_eq!(
            vietnam_2018("+84 168 512 3746").as_deref(),
            Some("+84385123746")
        );
        assert_eq!(vietnam_2018("0912 345 678"), None);
    }

    #[test]
    fn an_unlabelled_number_after_the_office_number_is_its_fax() {
        let found = |value: &str, label: &str| Found {
            label: label.into(),
            value: value.into(),
            raw: value.into(),
            certainty: 0.7,
            problem: None,
        };
        let mut phones = vec![
            (found("+13125550148", "work"), true),
            (found("+13125550149", "work"), false),
            (found("+13125550190", "work"), false),
        ];
        label_by_position(&mut phones);
        let labels: Vec<&str> = phones.iter().map(|(f, _)| f.label.as_str()).collect();
        assert_eq!(labels, ["work", "fax", "work"]);
    }
}
