//! Calendar dates whose year may be unknown: the stored rule and the parser.

use crate::contact::PartialDate;

use super::FieldError;

/// Checks a stored date: month 1-12, a day that exists in that month, and a year (when known)
/// from 1 to 9999, the years ISO `YYYY` can write.
///
/// Without a year February 29 is allowed: someone born on a leap day still has a birthday.
pub(super) fn check_date(field: &str, date: &PartialDate) -> Result<(), FieldError> {
    let year_ok = date.year.is_none_or(|year| (1..=9999).contains(&year));
    let day_ok = (1..=12).contains(&date.month)
        && date.day >= 1
        && date.day <= days_in_month(date.year, date.month);
    if year_ok && day_ok {
        Ok(())
    } else {
        Err(FieldError::DateInvalid {
            field: field.to_string(),
            value: date.to_string(),
        })
    }
}

/// Reads a date as typed: `YYYY-MM-DD`, `--MM-DD` (no year, as vCard writes it) or, for
/// imports from US tools, `MM/DD/YYYY` with one- or two-digit month and day (`4/7/1990`).
///
/// Every other form is rejected rather than guessed at. Slashes are always read month first,
/// as the US tools importers read from (Outlook, Google Contacts CSV) write them; since
/// `07/04/1990` is 7 April to most of the world, clients should offer a date picker or the ISO
/// form to people typing dates rather than slashes.
pub fn parse_date(field: &str, raw: &str) -> Result<PartialDate, FieldError> {
    let invalid = || FieldError::DateInvalid {
        field: field.to_string(),
        value: raw.to_string(),
    };
    let text = raw.trim();
    let date = if let Some(month_day) = text.strip_prefix("--") {
        let (month, day) = month_day.split_once('-').ok_or_else(invalid)?;
        PartialDate {
            year: None,
            month: number(month, 2..=2).ok_or_else(invalid)?,
            day: number(day, 2..=2).ok_or_else(invalid)?,
        }
    } else if text.contains('/') {
        let mut parts = text.split('/');
        let (Some(month), Some(day), Some(year), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        PartialDate {
            year: Some(number(year, 4..=4).ok_or_else(invalid)?),
            month: number(month, 1..=2).ok_or_else(invalid)?,
            day: number(day, 1..=2).ok_or_else(invalid)?,
        }
    } else {
        let mut parts = text.split('-');
        let (Some(year), Some(month), Some(day), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        PartialDate {
            year: Some(number(year, 4..=4).ok_or_else(invalid)?),
            month: number(month, 2..=2).ok_or_else(invalid)?,
            day: number(day, 2..=2).ok_or_else(invalid)?,
        }
    };
    check_date(field, &date).map_err(|_| invalid())?;
    Ok(date)
}

/// `text` as a number when it is only ASCII digits and their count is in `digits`.
fn number<T: std::str::FromStr>(text: &str, digits: std::ops::RangeInclusive<usize>) -> Option<T> {
    let plain = digits.contains(&text.len()) && text.bytes().all(|byte| byte.is_ascii_digit());
    if plain { text.parse().ok() } else { None }
}

/// Days in `month` (1-12) of `year`; February has 29 when the year is unknown.
fn days_in_month(year: Option<u16>, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 => match year {
            Some(year) if !is_leap(year) => 28,
            _ => 29,
        },
        _ => 31,
    }
}

/// Gregorian leap years: every fourth year, except centuries not divisible by 400.
fn is_leap(year: u16) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: Option<u16>, month: u8, day: u8) -> PartialDate {
        PartialDate { year, month, day }
    }

    fn invalid(field: &str, value: &str) -> FieldError {
        FieldError::DateInvalid {
            field: field.into(),
            value: value.into(),
        }
    }

    #[test]
    fn iso_dates_with_and_without_a_year_parse() {
        assert_eq!(
            parse_date("dates[0].date", "1990-04-07"),
            Ok(date(Some(1990), 4, 7))
        );
        assert_eq!(
            parse_date("dates[0].date", " --12-31 "),
            Ok(date(None, 12, 31))
        );
    }

    #[test]
    fn us_slash_dates_parse_in_month_day_order() {
        assert_eq!(parse_date("d", "07/04/1990"), Ok(date(Some(1990), 7, 4)));
        assert_eq!(parse_date("d", "4/7/1990"), Ok(date(Some(1990), 4, 7)));
        assert_eq!(
            parse_date("dates[1].date", "13/04/1990"),
            Err(invalid("dates[1].date", "13/04/1990"))
        );
    }

    #[test]
    fn other_forms_are_rejected() {
        for raw in [
            "",
            "1990",
            "1990-4-7",
            "19900407",
            "90-04-07",
            "1990/04/07",
            "04/07/90",
            "7 April 1990",
            "--4-7",
            "1990-04-07T10:00",
            "1990-04-07-01",
            "--04-07-1990",
            "+1990-04-07",
            "1990-0a-07",
        ] {
            assert_eq!(
                parse_date("dates[2].date", raw),
                Err(invalid("dates[2].date", raw)),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn impossible_days_are_rejected() {
        for raw in [
            "1990-04-31",
            "1990-02-29",
            "1900-02-29",
            "1990-13-01",
            "1990-00-10",
            "1990-01-00",
            "0000-01-01",
            "--02-30",
            "02/30/2020",
        ] {
            assert_eq!(
                parse_date("dates[0].date", raw),
                Err(invalid("dates[0].date", raw)),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn leap_days_exist_in_leap_years_and_without_a_year() {
        assert_eq!(parse_date("d", "2024-02-29"), Ok(date(Some(2024), 2, 29)));
        assert_eq!(parse_date("d", "2000-02-29"), Ok(date(Some(2000), 2, 29)));
        assert_eq!(parse_date("d", "--02-29"), Ok(date(None, 2, 29)));
    }

    #[test]
    fn stored_dates_are_checked_and_reported_in_iso_form() {
        assert_eq!(check_date("dates[0].date", &date(Some(1990), 4, 7)), Ok(()));
        assert_eq!(
            check_date("dates[3].date", &date(Some(2023), 2, 29)),
            Err(invalid("dates[3].date", "2023-02-29"))
        );
        assert_eq!(
            check_date("dates[3].date", &date(None, 6, 31)),
            Err(invalid("dates[3].date", "--06-31"))
        );
        assert_eq!(
            check_date("dates[3].date", &date(Some(10_000), 1, 1)),
            Err(invalid("dates[3].date", "10000-01-01"))
        );
    }
}
