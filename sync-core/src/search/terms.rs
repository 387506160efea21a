//! The terms a contact is indexed under.

use std::collections::HashSet;

use super::normalize::{is_cjk, is_word_char, normalize};
use super::phone::index_phone;
use super::words::{Part, parts, suffixes, truncate_chars};
use super::{MAX_TERM_CHARS, MAX_TERMS};
use crate::contact::{Contact, Name};

/// The distinct terms to index `contact` under, sorted (by code point, which is UTF-8 byte
/// order), at most [`MAX_TERMS`] of at most [`MAX_TERM_CHARS`] characters each. A query word
/// matches the contact when it is a prefix of one of them ([`super::matches()`]).
///
/// `region` is the tenant's ISO 3166-1 alpha-2 country (`"JP"`), used only to read a phone that
/// has raw text but no E.164; numbers are otherwise indexed in their own country's forms.
///
/// What goes in, in this order (which decides what is kept when a contact would have more than
/// [`MAX_TERMS`]):
/// - **name**: the words of given, family, middle, nickname, the phonetic readings, prefix and
///   suffix (the display name is made of these, so it adds nothing). Family, middle and given
///   also go in joined in Eastern order without a space where they meet in CJK (`田中` +
///   `太郎` → `田中太郎`), and so do the readings, so a name typed whole is found.
/// - **emails**: the whole address, the local part, the domain, the words of each, and the
///   address from each word of the local part on (`takeuchi@yamatakei.com` for
///   `t.takeuchi@…`).
/// - **phones**: the E.164 digits without `+` and the national digits with the trunk prefix
///   (`81312345678`, `0312345678`), and every suffix of those of [`super::MIN_PHONE_SUFFIX_DIGITS`]
///   digits or more (`5678`).
/// - **organizations**: the words of company and department.
/// - **tags**: the words of each tag.
///
/// Text is [`normalize`]d, split at whitespace into chunks and each chunk into parts at
/// punctuation and script changes (`words::parts`). A part in a script without spaces (CJK) is
/// indexed by each of its suffixes (`words::suffixes`), so a prefix search finds any substring
/// (`中太` in `田中太郎`); any other part as it is; a chunk of several non-CJK parts also joined
/// (`o'brien` → `o`, `brien`, `obrien`), since people type it either way. No term carries a
/// field marker: a query word is looked up once across every field, a single range scan.
pub fn index_terms(contact: &Contact, region: &str) -> Vec<String> {
    let mut terms = Terms::default();
    index_name(&contact.name, &mut terms);
    for email in &contact.emails {
        index_email(&email.address, &mut terms);
    }
    for phone in &contact.phones {
        index_phone(phone, region, &mut terms);
    }
    for organization in &contact.organizations {
        terms.text(&organization.company);
        terms.text(&organization.department);
    }
    for tag in contact.tag_list() {
        terms.text(tag);
    }
    terms.into_sorted()
}

/// Collects distinct terms in the order given, truncated and capped.
#[derive(Debug, Default)]
pub(super) struct Terms {
    /// The terms in the order they were first added.
    list: Vec<String>,
    /// The same terms, for the distinct check.
    seen: HashSet<String>,
}

impl Terms {
    /// Adds one term (already normalized), cut to [`MAX_TERM_CHARS`]; ignored when empty, when
    /// held already, or once [`MAX_TERMS`] are held.
    pub(super) fn add(&mut self, term: &str) {
        let term = truncate_chars(term, MAX_TERM_CHARS);
        if term.is_empty() || self.list.len() >= MAX_TERMS || self.seen.contains(term) {
            return;
        }
        self.seen.insert(term.to_string());
        self.list.push(term.to_string());
    }

    /// Adds the words of a field's raw text.
    pub(super) fn text(&mut self, raw: &str) {
        self.normalized(&normalize(raw));
    }

    /// Adds the words of normalized text.
    fn normalized(&mut self, text: &str) {
        for chunk in text.split_whitespace() {
            if self.list.len() >= MAX_TERMS {
                return;
            }
            let parts = parts(chunk);
            for part in &parts {
                self.part(part);
            }
            if parts.len() > 1 && parts.iter().all(|part| !part.cjk) {
                self.add(&parts.iter().map(|part| part.text).collect::<String>());
            }
        }
    }

    /// Adds one part: every suffix of a CJK run, anything else whole.
    fn part(&mut self, part: &Part<'_>) {
        if part.cjk {
            for suffix in suffixes(part.text) {
                self.add(suffix);
            }
        } else {
            self.add(part.text);
        }
    }

    /// The terms, sorted.
    pub(super) fn into_sorted(self) -> Vec<String> {
        let mut list = self.list;
        list.sort_unstable();
        list
    }
}

/// Indexes a name's parts, then family-middle-given and the readings joined in Eastern order.
fn index_name(name: &Name, terms: &mut Terms) {
    for part in [
        &name.given,
        &name.family,
        &name.middle,
        &name.nickname,
        &name.phonetic_given,
        &name.phonetic_family,
        &name.prefix,
        &name.suffix,
    ] {
        terms.text(part);
    }
    for parts in [
        [&name.family, &name.middle, &name.given].as_slice(),
        &[&name.phonetic_family, &name.phonetic_given],
    ] {
        let parts: Vec<String> = parts.iter().map(|part| normalize(part)).collect();
        if let Some(joined) = eastern_order(&parts) {
            terms.normalized(&joined);
        }
    }
}

/// Joins normalized name parts, without a space where a CJK part meets a CJK part
/// (`田中` `太郎` → `田中太郎`); `None` when no two parts meet so, as the joined text would then
/// add no term the parts did not.
pub(super) fn eastern_order(parts: &[String]) -> Option<String> {
    let mut joined = String::new();
    let mut fused = false;
    for part in parts
        .iter()
        .map(|part| part.trim())
        .filter(|p| !p.is_empty())
    {
        let meets_cjk = joined.chars().next_back().is_some_and(is_cjk)
            && part.chars().next().is_some_and(is_cjk);
        if meets_cjk {
            fused = true;
        } else if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(part);
    }
    fused.then_some(joined)
}

/// Indexes an email address: whole, local part, domain, their words, and the address from each
/// word of the local part on.
fn index_email(address: &str, terms: &mut Terms) {
    let address = email_text(&normalize(address));
    let Some((local, domain)) = address.rsplit_once('@') else {
        terms.normalized(&address);
        return;
    };
    terms.add(&address);
    terms.add(local);
    terms.add(domain);
    for part in parts(local).iter().chain(&parts(domain)) {
        terms.part(part);
    }
    // The local part starts the address, so a part's place in one is its place in the other.
    for part in parts(local).iter().skip(1) {
        terms.add(&address[part.start..]);
    }
}

/// Normalized text cut down to what an email term may hold: word characters and ASCII
/// punctuation, so no whitespace, control character or noncharacter (U+10FFFF bounds the
/// server's prefix range) ever reaches a term.
pub(super) fn email_text(normalized: &str) -> String {
    normalized
        .chars()
        .filter(|&c| is_word_char(c) || c.is_ascii_punctuation())
        .collect::<String>()
        .trim_matches(|c: char| !is_word_char(c))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email_terms(address: &str) -> Vec<String> {
        let mut terms = Terms::default();
        index_email(address, &mut terms);
        terms.into_sorted()
    }

    #[test]
    fn an_email_is_indexed_whole_by_part_and_from_each_local_word() {
        assert_eq!(
            email_terms("T.Takeuchi@Yamatakei.co.jp"),
            [
                "co",
                "jp",
                "t",
                "t.takeuchi",
                "t.takeuchi@yamatakei.co.jp",
                "takeuchi",
                "takeuchi@yamatakei.co.jp",
                "yamatakei",
                "yamatakei.co.jp",
            ]
        );
    }

    #[test]
    fn eastern_order_fuses_only_where_cjk_meets_cjk() {
        let strings = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert_eq!(
            eastern_order(&strings(&["田中", "", "太郎"])).as_deref(),
            Some("田中太郎")
        );
        assert_eq!(
            eastern_order(&strings(&["たなか", "たろう"])).as_deref(),
            Some("たなかたろう")
        );
        assert_eq!(eastern_order(&strings(&["smith", "", "john"])), None);
        assert_eq!(eastern_order(&strings(&["田中", "taro"])), None);
    }

    #[test]
    fn terms_are_capped_in_count_and_length() {
        let mut terms = Terms::default();
        terms.text(&"word ".repeat(10));
        terms.add(&"x".repeat(MAX_TERM_CHARS + 5));
        for n in 0..MAX_TERMS * 2 {
            terms.add(&format!("t{n}"));
        }
        let terms = terms.into_sorted();
        assert_eq!(terms.len(), MAX_TERMS);
        assert!(terms.contains(&"word".to_string()));
        assert!(terms.contains(&"x".repeat(MAX_TERM_CHARS)));
        assert!(terms.iter().all(|t| t.chars().count() <= MAX_TERM_CHARS));
    }
}
