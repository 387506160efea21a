//! Emails, web sites, phone numbers and social handles in one line of recognised text.
//!
//! OCR spaces punctuation apart (`s. takeuchi @ yamatakei. com`) and glues labels to values
//! (`TEL03-1234-5678`), so emails and URLs are looked for after closing the spaces around `@`
//! and `.`, and phones after splitting the line at every label.

use sync_core::validate::{parse_email, parse_url};

use super::labels::{Label, strip_leading};
pub use super::phones::{find_phones, is_mobile_number};

/// A value found in a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// `mobile` / `work` / `fax` for phones, the network for social handles, else empty.
    pub label: String,
    /// The normalised value.
    pub value: String,
    /// The text it was read from.
    pub raw: String,
    /// How sure the rule is, 0 to 1, before the OCR confidence is applied.
    pub certainty: f32,
    /// Why the value could not be put in its stored form (a number that does not validate),
    /// for the rep to fix at review; `value` then holds the printed text.
    pub problem: Option<String>,
}

/// Top-level domains a URL without `www.` or a scheme must end in to count: enough to tell
/// `yamatakei.co.jp` from `Co.Ltd` or a sentence's `end.Next`.
const TLDS: &[&str] = &[
    "com", "net", "org", "jp", "cn", "kr", "uk", "de", "fr", "io", "co", "biz", "info", "us", "ca",
    "au", "tw", "hk", "sg", "ru", "in", "it", "es", "nl", "se", "ch", "eu", "dev", "app", "ai",
    "tech", "asia", "vn", "th", "my", "id", "ph", "nz", "br", "mx",
];

/// Closes the spaces OCR puts around `@` and `.`, and maps `(at)` and full-width forms to
/// ASCII, so an address split into pieces reads as one token.
pub fn squeeze(text: &str) -> String {
    let text = text
        .replace("(at)", "@")
        .replace("[at]", "@")
        .replace(" at ", " @ ");
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            let next = chars[i..].iter().find(|c| !c.is_whitespace());
            let prev = out.chars().next_back();
            if matches!(next, Some('@' | '.')) || matches!(prev, Some('@' | '.')) {
                i += 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Characters an email local part or a host may hold, as printed on cards.
fn email_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-".contains(c)
}

/// Email addresses in `text`.
pub fn find_emails(text: &str) -> Vec<Found> {
    // No label is stripped first: `m.okafor@` must not lose its `m.` to the `M.` label. A
    // label glued on with a colon or in another script ends at the first address character.
    let rest = text;
    let squeezed = squeeze(rest);
    let mut found = Vec::new();
    for token in squeezed.split_whitespace() {
        let Some(at) = token.find('@') else {
            continue;
        };
        // A label glued with a colon (`E-mail:a@b.jp`) ends at the last non-address character.
        let start = token[..at]
            .char_indices()
            .rev()
            .find(|(_, c)| !email_char(*c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let end = token[at + 1..]
            .char_indices()
            .find(|(_, c)| !email_char(*c))
            .map_or(token.len(), |(i, _)| at + 1 + i);
        let candidate = token[start..end].trim_matches(|c: char| c == '.' || c == '-');
        let domain = candidate.rsplit('@').next().unwrap_or_default();
        let tld_ok = domain
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
        if !tld_ok || !domain.contains('.') {
            continue;
        }
        if let Ok(address) = parse_email("email", candidate) {
            found.push(Found {
                label: String::new(),
                value: address,
                raw: rest.trim().to_string(),
                certainty: 0.95,
                problem: None,
            });
        }
    }
    found
}

/// Labels OCR glues to the front of an email address when the printed gap is narrow
/// (`E  aiko@…` read as `Eaiko@…`), longest first.
const GLUED_EMAIL_LABELS: &[&str] = &["E-mail", "EMAIL", "Email", "email", "Mail", "E"];

/// Undoes a label glued to an address: `Epriya.raman@…` becomes `priya.raman@…` unless the
/// glued form is itself a word elsewhere on the card (`Emily@…` next to the name "Emily").
pub fn unglue_email_label(address: &str, card_text: &str) -> String {
    let Some((local, domain)) = address.split_once('@') else {
        return address.to_string();
    };
    let card = card_text.to_lowercase();
    for label in GLUED_EMAIL_LABELS {
        let Some(rest) = local.strip_prefix(label) else {
            continue;
        };
        // The label is capitalised and the address is not: `Eaiko`, not `EAIKO` or `Ethan`.
        let glued = rest.len() >= 2
            && rest
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && !rest.chars().any(|c| c.is_ascii_uppercase());
        // The glued word as printed, hyphen included (`E-mailk`): the bare `e` of it is on
        // every card.
        let word: String = local
            .to_lowercase()
            .chars()
            .take_while(|c| c.is_ascii_alphabetic() || *c == '-')
            .collect();
        if glued && !card.contains(&word) {
            return format!("{rest}@{domain}");
        }
    }
    // A label in a script OCR cannot read often comes out as one stray character (`이메일`
    // read as `0`): drop it when what follows is a name printed elsewhere on the card.
    let mut chars = local.chars();
    if let Some(first) = chars.next()
        && !first.is_ascii_lowercase()
    {
        let rest = chars.as_str();
        let word = |text: &str| -> String {
            text.to_lowercase()
                .chars()
                .skip_while(|c| !c.is_ascii_alphabetic())
                .take_while(char::is_ascii_alphabetic)
                .collect()
        };
        let (with, without) = (word(local), word(rest));
        let first_is_junk = !first.is_ascii_alphabetic() || with != without;
        if first_is_junk
            && without.len() >= 2
            && card.contains(&without)
            && !card.contains(&format!("{first}{without}").to_lowercase())
            && rest.starts_with(|c: char| c.is_ascii_lowercase())
        {
            return format!("{rest}@{domain}");
        }
    }
    address.to_string()
}

/// Social networks recognised by the host their profile URLs live on.
const SOCIAL_HOSTS: &[(&str, &str)] = &[
    ("linkedin.com/", "linkedin"),
    ("twitter.com/", "x"),
    ("x.com/", "x"),
    ("facebook.com/", "facebook"),
    ("fb.com/", "facebook"),
    ("instagram.com/", "instagram"),
    ("t.me/", "telegram"),
    ("wa.me/", "whatsapp"),
];

/// Social networks recognised by a label before the handle.
const SOCIAL_LABELS: &[(&str, &str)] = &[
    ("linkedin", "linkedin"),
    ("twitter", "x"),
    ("x", "x"),
    ("facebook", "facebook"),
    ("instagram", "instagram"),
    ("telegram", "telegram"),
    ("whatsapp", "whatsapp"),
    ("wechat", "wechat"),
    ("微信", "wechat"),
    ("line id", "line"),
    ("line", "line"),
    ("kakaotalk", "kakaotalk"),
    ("kakao", "kakaotalk"),
    ("카카오톡", "kakaotalk"),
];

/// A social handle: a profile URL on a known network, or `Network: handle`.
pub fn find_social(text: &str) -> Option<Found> {
    let squeezed = squeeze(text);
    let lower = squeezed.to_lowercase();
    for (host, network) in SOCIAL_HOSTS {
        if let Some(at) = lower.find(host) {
            let start = lower[..at].rfind(char::is_whitespace).map_or(0, |i| i + 1);
            let end = lower[at..]
                .find(char::is_whitespace)
                .map_or(lower.len(), |i| at + i);
            let handle = squeezed[start..end].trim_end_matches(['.', ',']);
            return Some(Found {
                label: network.to_string(),
                value: handle.to_string(),
                raw: text.trim().to_string(),
                certainty: 0.9,
                problem: None,
            });
        }
    }
    let trimmed = text.trim();
    let lower = trimmed.to_lowercase();
    for (word, network) in SOCIAL_LABELS {
        let Some(after) = lower.strip_prefix(word) else {
            continue;
        };
        // The label must end there: `Line:` yes, `Linear` no.
        if !after.starts_with([':', '：', ' ', '@']) {
            continue;
        }
        let handle = trimmed[trimmed.len() - after.len()..]
            .trim_start_matches([':', '：', ' '])
            .replace(' ', "");
        if handle.is_empty() || handle.contains('@') && handle.len() > 1 && !handle.starts_with('@')
        {
            continue;
        }
        return Some(Found {
            label: network.to_string(),
            value: handle,
            raw: trimmed.to_string(),
            certainty: 0.85,
            problem: None,
        });
    }
    None
}

/// `token` with a scheme OCR damaged put right: `http//` and `https//` lost their colon,
/// `http;//` and `http:/x` misread it.
fn mend_scheme(token: &str) -> String {
    let lower = token.to_ascii_lowercase();
    for scheme in ["https", "http"] {
        let Some(at) = lower.find(scheme) else {
            continue;
        };
        let after = &lower[at + scheme.len()..];
        let broken = ["//", ";//", ":/", "://"]
            .iter()
            .find(|form| after.starts_with(*form))
            .copied();
        let Some(form) = broken else {
            continue;
        };
        // `http:/x` is one slash short; `http://` is already right.
        let rest_at = at + scheme.len() + form.len();
        let rest = token[rest_at..].trim_start_matches('/');
        return format!("{}{}://{rest}", &token[..at], &token[at..at + scheme.len()]);
    }
    token.to_string()
}

/// `text` with the spaces OCR leaves inside a scheme closed (`http: //`, `https : //`), so
/// the scheme and its host read as one token.
fn close_scheme_spaces(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = lower[from..].find("http") {
        let start = from + found;
        let mut end = start + 4;
        if lower[end..].starts_with('s') {
            end += 1;
        }
        let scheme_end = end;
        let after = &lower[end..];
        let trimmed = after.trim_start_matches(' ');
        let colon = trimmed.starts_with([':', ';']);
        let trimmed = if colon { &trimmed[1..] } else { trimmed };
        let slashes = trimmed.trim_start_matches(' ');
        let spaced = slashes.len() < after.len() - usize::from(colon);
        if spaced && slashes.starts_with("//") {
            end = lower.len() - slashes.len();
            out.push_str(&text[copied..scheme_end]);
            out.push_str(if colon { "://" } else { "//" });
            copied = end + 2;
            from = copied;
        } else {
            from = scheme_end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Web sites in `text` (never an email's domain).
pub fn find_urls(text: &str) -> Vec<Found> {
    let (label, _) = strip_leading(text);
    let rest = text;
    let squeezed = squeeze(&close_scheme_spaces(rest));
    let mut found = Vec::new();
    for token in squeezed.split_whitespace() {
        if token.contains('@') {
            continue;
        }
        let token = token.trim_matches(|c: char| "()<>[],;\"'".contains(c) || c == '.');
        let mended = mend_scheme(token);
        let token = mended.trim_start_matches([':', '：']);
        // A label glued to the front (`Web:http://`, `URL:https://`, `Wwww.`, `URLwww.`,
        // `网址:www.`) goes.
        let lower = token.to_ascii_lowercase();
        let scheme = ["https://", "http://"]
            .iter()
            .filter_map(|s| lower.find(s))
            .min();
        let token = match scheme {
            Some(at)
                if at > 0
                    && token[..at].chars().count() <= 12
                    && token[..at]
                        .chars()
                        .all(|c| c.is_alphabetic() || ":：-.".contains(c)) =>
            {
                &token[at..]
            }
            _ => token,
        };
        // Up to `Homepage:` or `Website :`; a longer run of letters is more likely a word
        // OCR ran into the address than a label.
        let token = match token.to_ascii_lowercase().find("www.") {
            Some(at)
                if at > 0
                    && token[..at].chars().count() <= 12
                    && token[..at]
                        .chars()
                        .all(|c| c.is_alphabetic() || ":：-".contains(c)) =>
            {
                &token[at..]
            }
            _ => token,
        };
        let lower = token.to_ascii_lowercase();
        let host = lower
            .split_once("://")
            .map_or(lower.as_str(), |(_, rest)| rest);
        let host = host.split(['/', '?', '#']).next().unwrap_or_default();
        let labels: Vec<&str> = host.split('.').collect();
        if labels.len() < 2
            || labels
                .iter()
                .any(|l| l.is_empty() || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        {
            continue;
        }
        let tld = labels[labels.len() - 1];
        let known_tld = TLDS.contains(&tld);
        let explicit =
            lower.starts_with("www.") || lower.contains("://") || label == Some(Label::Web);
        if !(known_tld
            || explicit && tld.chars().all(|c| c.is_ascii_alphabetic()) && tld.len() >= 2)
        {
            continue;
        }
        if SOCIAL_HOSTS.iter().any(|(h, _)| lower.contains(h)) {
            continue;
        }
        if let Ok(url) = parse_url("url", token) {
            found.push(Found {
                label: String::new(),
                value: url,
                raw: rest.trim().to_string(),
                certainty: if explicit { 0.95 } else { 0.8 },
                problem: None,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests;
