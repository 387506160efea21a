//! Email addresses: the stored rule, the parser, and the domain-name rule web addresses share.

use super::{FieldError, MAX_TEXT_CHARS, too_long};

/// Longest address SMTP can carry (RFC 5321: a 256-octet path less its angle brackets).
pub const MAX_EMAIL_BYTES: usize = 254;

/// Longest local part (before the `@`) SMTP allows (RFC 5321).
const MAX_LOCAL_BYTES: usize = 64;

/// Checks a stored address: `local@domain.tld`, no spaces, within SMTP's lengths.
///
/// The local part is checked loosely on purpose: beyond no spaces, no `@` and none of the
/// characters that need quoting, anything goes. Older Japanese carrier addresses
/// (`taro..yamada.@docomo.ne.jp`) break RFC 5322's dot rules yet receive mail, and a contact
/// book must keep them. Any letter case is accepted in the domain; [`parse_email`] lowercases
/// it for new input.
pub(super) fn check_email(field: &str, address: &str) -> Result<(), FieldError> {
    let valid = address.len() <= MAX_EMAIL_BYTES
        && match address.split_once('@') {
            Some((local, domain)) => local_part_is_valid(local) && is_domain_name(domain),
            None => false,
        };
    if valid {
        Ok(())
    } else {
        Err(FieldError::EmailInvalid {
            field: field.to_string(),
            value: address.to_string(),
        })
    }
}

/// Reads an email address as typed: trims it, drops a `mailto:` prefix (links copied from a web
/// page or a QR code carry one) and lowercases the domain. The local part keeps its case, since
/// mail servers may treat it as case-sensitive.
pub fn parse_email(field: &str, raw: &str) -> Result<String, FieldError> {
    too_long(field, raw, MAX_TEXT_CHARS)?;
    let text = raw.trim();
    let text = match text.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("mailto:") => &text[7..],
        _ => text,
    };
    let address = match text.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.to_lowercase()),
        None => text.to_string(),
    };
    check_email(field, &address)
        .map(|()| address)
        .map_err(|error| error.with_value(raw))
}

/// Whether `local` is a plausible local part: 1-64 bytes, no whitespace, control characters,
/// `@` or the specials that only a quoted local part could hold.
fn local_part_is_valid(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= MAX_LOCAL_BYTES
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"@\"(),:;<>[\\]".contains(c))
}

/// Whether `domain` is a domain name with at least two labels: labels of letters (any script,
/// for internationalised names), digits and inner hyphens, at most 63 bytes each, and a
/// top-level label of two or more characters that is not all digits (`example.com`, not
/// `localhost` or `10.0.0.1`).
pub(super) fn is_domain_name(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let top_ok = labels
        .last()
        .is_some_and(|top| top.chars().count() >= 2 && !top.chars().all(|c| c.is_ascii_digit()));
    domain.len() <= 253 && labels.len() >= 2 && labels.iter().all(label_ok) && top_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(field: &str, value: &str) -> Result<String, FieldError> {
        Err(FieldError::EmailInvalid {
            field: field.into(),
            value: value.into(),
        })
    }

    #[test]
    fn typed_addresses_are_trimmed_and_their_domain_lowercased() {
        assert_eq!(
            parse_email("emails[0].address", "  Aiko.Sato@Example.COM "),
            Ok("Aiko.Sato@example.com".into())
        );
        assert_eq!(
            parse_email("e", "mailto:sales@example.com"),
            Ok("sales@example.com".into())
        );
        assert_eq!(
            parse_email("e", "s.takeuchi+rolo@mail.example.co.jp"),
            Ok("s.takeuchi+rolo@mail.example.co.jp".into())
        );
    }

    #[test]
    fn legacy_carrier_addresses_with_odd_dots_are_kept() {
        assert_eq!(
            parse_email("e", "taro..yamada.@docomo.example.jp"),
            Ok("taro..yamada.@docomo.example.jp".into())
        );
    }

    #[test]
    fn malformed_addresses_are_rejected_with_what_was_typed() {
        for raw in [
            "",
            "aiko.sato",
            "aiko.sato@example",
            "aiko sato@example.com",
            "@example.com",
            "aiko@@example.com",
            "aiko@exa mple.com",
            "aiko@example..com",
            "aiko@-example.com",
            "aiko@example.c",
            "aiko@10.0.0.1",
            "<aiko@example.com>",
        ] {
            assert_eq!(
                parse_email("emails[2].address", raw),
                invalid("emails[2].address", raw),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn smtp_length_limits_hold() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(parse_email("e", &long_local), invalid("e", &long_local));
        let long_domain = format!("a@{}.example.com", "b".repeat(64));
        assert_eq!(parse_email("e", &long_domain), invalid("e", &long_domain));
        // 64 + 1 + 189 = 254 bytes fits; one more does not.
        let address = |last: usize| {
            format!(
                "{}@{}.{}.{}.com",
                "a".repeat(64),
                "c".repeat(63),
                "c".repeat(63),
                "c".repeat(last)
            )
        };
        assert_eq!(parse_email("e", &address(57)), Ok(address(57)));
        assert_eq!(parse_email("e", &address(58)), invalid("e", &address(58)));
        let fits = format!("{}@example.com", "a".repeat(64));
        assert_eq!(parse_email("e", &fits), Ok(fits.clone()));
    }

    #[test]
    fn stored_addresses_are_checked_as_they_are() {
        assert_eq!(
            check_email("emails[0].address", "sales@example.com"),
            Ok(())
        );
        assert_eq!(
            check_email("emails[0].address", "Sales@Example.com"),
            Ok(())
        );
        assert_eq!(
            check_email("emails[1].address", " sales@example.com"),
            Err(FieldError::EmailInvalid {
                field: "emails[1].address".into(),
                value: " sales@example.com".into()
            })
        );
    }

    #[test]
    fn internationalised_domains_are_domains() {
        assert!(is_domain_name("例え.jp"));
        assert!(is_domain_name("www.example.com"));
        assert!(!is_domain_name("example"));
        assert!(!is_domain_name("example.com."));
        assert!(!is_domain_name("exa_mple.com"));
    }
}
