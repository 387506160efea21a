//! Web addresses: the stored rule and the parser.

use super::email::is_domain_name;
use super::{FieldError, too_long};

/// Longest web address kept: what browsers and sitemaps reliably handle.
pub const MAX_URL_CHARS: usize = 2_048;

/// Checks a stored web address: `http` or `https`, a host, no whitespace.
///
/// The host must be a domain name with a dot, an IPv4 address or a bracketed IPv6 address,
/// optionally with a port. A user name or password (`https://www.bank.example@evil.example`) is
/// refused: in a contact's links it is only ever a way to disguise where a link goes.
pub(super) fn check_url(field: &str, url: &str) -> Result<(), FieldError> {
    too_long(field, url, MAX_URL_CHARS)?;
    if url_is_valid(url) {
        Ok(())
    } else {
        Err(FieldError::UrlInvalid {
            field: field.to_string(),
            value: url.to_string(),
        })
    }
}

/// Reads a web address as typed: trims it, adds `https://` when no scheme is given
/// (`www.example.com`, `//example.com/path`), and lowercases the scheme and host, which are
/// case-insensitive, while the path keeps its case.
pub fn parse_url(field: &str, raw: &str) -> Result<String, FieldError> {
    too_long(field, raw, MAX_URL_CHARS)?;
    let text = raw.trim();
    let absolute = if text.contains("://") {
        text.to_string()
    } else if let Some(rest) = text.strip_prefix("//") {
        format!("https://{rest}")
    } else {
        format!("https://{text}")
    };
    let (scheme, rest) = absolute.split_once("://").unwrap_or_default();
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let url = format!(
        "{}://{}{tail}",
        scheme.to_ascii_lowercase(),
        authority.to_lowercase()
    );
    check_url(field, &url)
        .map(|()| url)
        .map_err(|error| error.with_value(raw))
}

/// Whether `url` is an absolute `http`/`https` address with a valid host and port.
fn url_is_valid(url: &str) -> bool {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return false;
    }
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    if authority.contains('@') {
        return false;
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((ipv6, after)) if is_ipv6(ipv6) => ("", after),
            _ => return false,
        },
        None => match authority.rsplit_once(':') {
            Some((host, _)) => (host, &authority[host.len()..]),
            None => (authority, ""),
        },
    };
    let host_ok = authority.starts_with('[') || is_domain_name(host) || is_ipv4(host);
    let port_ok = match port.strip_prefix(':') {
        Some(digits) => {
            !digits.is_empty()
                && digits.bytes().all(|byte| byte.is_ascii_digit())
                && digits.parse::<u16>().is_ok()
        }
        None => port.is_empty(),
    };
    host_ok && port_ok
}

/// Four dot-separated decimal octets.
fn is_ipv4(host: &str) -> bool {
    host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// The inside of an IPv6 literal (`2001:db8::1`).
fn is_ipv6(host: &str) -> bool {
    host.parse::<std::net::Ipv6Addr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(field: &str, value: &str) -> FieldError {
        FieldError::UrlInvalid {
            field: field.into(),
            value: value.into(),
        }
    }

    #[test]
    fn a_missing_scheme_becomes_https() {
        assert_eq!(
            parse_url("urls[0].url", "www.example.com"),
            Ok("https://www.example.com".into())
        );
        assert_eq!(
            parse_url("u", " example.com/Team?x=1 "),
            Ok("https://example.com/Team?x=1".into())
        );
        assert_eq!(
            parse_url("u", "//example.com/a"),
            Ok("https://example.com/a".into())
        );
    }

    #[test]
    fn scheme_and_host_are_lowercased_and_the_path_kept() {
        assert_eq!(
            parse_url("u", "HTTP://WWW.Example.COM:8080/Path#Top"),
            Ok("http://www.example.com:8080/Path#Top".into())
        );
        assert_eq!(
            parse_url("u", "https://192.0.2.10/status"),
            Ok("https://192.0.2.10/status".into())
        );
        assert_eq!(
            parse_url("u", "https://[2001:db8::1]:443/"),
            Ok("https://[2001:db8::1]:443/".into())
        );
    }

    #[test]
    fn other_schemes_and_hostless_text_are_rejected_with_what_was_typed() {
        for raw in [
            "",
            "ftp://example.com",
            "javascript:alert(1)",
            "mailto:sales@example.com",
            "https://",
            "https:///path",
            "hello",
            "https://example",
            "https://www.example.com:99999/",
            "https://www.example.com:/",
            "https://www.bank.example@evil.example/",
            "https://exa mple.com",
            "https://[not-ipv6]/",
            "https://999.0.0.1/",
        ] {
            assert_eq!(
                parse_url("urls[1].url", raw),
                Err(invalid("urls[1].url", raw)),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn stored_addresses_must_be_absolute() {
        assert_eq!(check_url("urls[0].url", "https://www.example.com/"), Ok(()));
        assert_eq!(
            check_url("urls[0].url", "www.example.com"),
            Err(invalid("urls[0].url", "www.example.com"))
        );
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_CHARS));
        assert_eq!(
            check_url("urls[2].url", &long),
            Err(FieldError::TooLong {
                field: "urls[2].url".into(),
                length: long.len(),
                max: MAX_URL_CHARS
            })
        );
    }
}
