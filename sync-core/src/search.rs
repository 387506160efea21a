//! Search rules shared by the server and every device, so a phone searching its replica offline
//! finds exactly what the server would.
//!
//! A contact is indexed under a small set of plain string terms ([`index_terms`]); a query is
//! read into words ([`Query::parse`]); a contact matches when **every word is a prefix of at
//! least one of its terms** ([`matches()`]). Both sides fold text with [`normalize`] (accents,
//! case, full-width and half-width forms, katakana to hiragana), so `jose` finds `José` and
//! `たなか` finds `ﾀﾅｶ`.
//!
//! Substrings come from the index, not the query: a run of CJK text is indexed by every suffix
//! (`田中太郎`, `中太郎`, `太郎`, `郎`), so the prefix `中太` finds it; a phone number by every
//! suffix of its digits of four or more, so `5678` finds `+81 3-1234-5678`. Prefix matching is
//! what a database index does well: the server keeps a `(tenant, term, contact)` table and
//! looks each word up with one range scan, `term >= $w AND term < $w || '\u{10FFFF}'`.
//! That range is a prefix range only under code point order: SQLite's default `BINARY`
//! collation, and in Postgres the column must be `COLLATE "C"`. No term contains U+10FFFF, a
//! NUL or whitespace.
//!
//! Changing what is indexed changes the terms stored for every contact: bump
//! [`INDEX_VERSION`] so the server and devices re-index.
//!
//! The cases in `sync-core/tests/search_cases.json` (contact, region, query, expected result)
//! pin the behaviour; the web app runs the same file against its own implementation.
//!
//! ```
//! use sync_core::contact::{Contact, Phone};
//! use sync_core::ids::ItemId;
//! use sync_core::search::{Query, SearchProjection};
//!
//! let mut contact = Contact::default();
//! contact.name.family = "田中".into();
//! contact.name.given = "太郎".into();
//! contact.name.phonetic_family = "タナカ".into();
//! contact.phones.push(Phone {
//!     id: ItemId::from("p1"),
//!     label: "work".into(),
//!     e164: "+81312345678".into(),
//!     raw: "03-1234-5678".into(),
//! });
//! let projection = SearchProjection::of(&contact, "JP");
//! for typed in ["中太", "たなか", "ﾀﾅｶ 太郎", "(03) 1234-5678", "+81 3 1234 5678", "5678"] {
//!     assert!(projection.matches(&Query::parse(typed, "JP")), "{typed}");
//! }
//! assert!(!projection.matches(&Query::parse("田中花子", "JP")));
//! ```

mod normalize;
mod phone;
mod query;
mod terms;
mod words;

pub use normalize::normalize;
pub use query::Query;
pub use terms::index_terms;

use crate::contact::Contact;
use normalize::{is_cjk, is_word_char};
use terms::eastern_order;

/// The version of the indexing rules. A store records it beside the terms it wrote and
/// re-indexes its contacts when it differs from this one.
///
/// 2: the display name (stored beside the terms, and the sort key of Latin names) follows
/// the name's own order (`contact::display`): CJK names family first, `TAKEUCHI Shin`.
pub const INDEX_VERSION: u32 = 2;

/// Most terms one contact is indexed under. A typical contact has 40 to 70; the cap only bites
/// on a contact stuffed with list items, whose later fields (tags, then companies) are the
/// ones left out.
pub const MAX_TERMS: usize = 256;

/// Longest term, in characters (at most 160 bytes of UTF-8). Query words are cut the same way,
/// so a longer word still matches the term it is a prefix of.
pub const MAX_TERM_CHARS: usize = 40;

/// How many suffixes of one CJK run are indexed (one per starting character): a substring
/// starting later in a longer run is not found.
pub const MAX_SUFFIX_STARTS: usize = 24;

/// Shortest suffix of a phone number's digits that is indexed.
pub const MIN_PHONE_SUFFIX_DIGITS: usize = 4;

/// Longest query read, in characters; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 256;

/// Most words a query keeps (each costs the server one range scan).
pub const MAX_QUERY_WORDS: usize = 16;

/// Whether a contact indexed under `sorted_terms` (as [`index_terms`] returns them: sorted by
/// code point, distinct) matches `query`: every query word is a prefix of some term. The same
/// test as the server's SQL, done with one binary search per word.
pub fn matches<T: AsRef<str>>(sorted_terms: &[T], query: &Query) -> bool {
    query
        .words()
        .iter()
        .all(|word| has_prefixed(sorted_terms.len(), |at| sorted_terms[at].as_ref(), word))
}

/// Whether one of `count` sorted terms (the `at`th given by `term`) starts with `word`: the
/// first term not below `word` is the only candidate, since every term starting with `word`
/// sorts at or after it and before any other term above it.
fn has_prefixed<'a>(count: usize, term: impl Fn(usize) -> &'a str, word: &str) -> bool {
    let (mut low, mut high) = (0, count);
    while low < high {
        let middle = low + (high - low) / 2;
        if term(middle) < word {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    low < count && term(low).starts_with(word)
}

/// The key contacts are listed by: the display name [`normalize`]d, with punctuation and runs
/// of spaces made one space, so accents and case do not change the order (`émile` sits with
/// `emile`). A name in CJK sorts by its phonetic reading (family first, in hiragana) when it
/// has one, since the reading is the dictionary order people expect; without one, by family
/// then given name. Compare keys by code point (as `str` and `COLLATE "C"` do), then by contact
/// id for ties.
pub fn sort_key(contact: &Contact) -> String {
    let display = normalize(&contact.display_name());
    if display.chars().any(is_cjk) {
        let name = &contact.name;
        let reading = [&name.phonetic_family, &name.phonetic_given].map(|p| normalize(p));
        let full = [&name.family, &name.middle, &name.given].map(|p| normalize(p));
        for parts in [reading.as_slice(), full.as_slice()] {
            let key = spaced_words(&eastern_order(parts).unwrap_or_else(|| parts.join(" ")));
            if !key.is_empty() {
                return key;
            }
        }
    }
    spaced_words(&display)
}

/// The word runs of normalized text, one space between each.
fn spaced_words(text: &str) -> String {
    text.split(|c: char| !is_word_char(c))
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a device keeps per contact to list and search its replica without loading documents:
/// the sorted terms and the sort key.
///
/// The terms sit in one string with their end offsets beside it, not one `String` each: a
/// phone holding 100,000 contacts keeps about 700 bytes a contact instead of about 3 KB of
/// small allocations, and a search touches one buffer per contact.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchProjection {
    /// The sorted, distinct terms, one after another.
    terms: String,
    /// Where each term ends in `terms`, in bytes.
    ends: Vec<u32>,
    /// [`sort_key`] of the contact.
    sort_key: String,
}

impl SearchProjection {
    /// The projection of `contact` in a tenant whose country is `region`.
    pub fn of(contact: &Contact, region: &str) -> Self {
        Self::from_stored(index_terms(contact, region), sort_key(contact))
    }

    /// A projection read back from a device's storage; the terms are sorted and deduplicated
    /// again, so a store that lost their order cannot make [`Self::matches`] wrong.
    pub fn from_stored<T: AsRef<str>>(
        terms: impl IntoIterator<Item = T>,
        sort_key: String,
    ) -> Self {
        let mut sorted: Vec<T> = terms.into_iter().collect();
        sorted.sort_unstable_by(|a, b| a.as_ref().cmp(b.as_ref()));
        sorted.dedup_by(|a, b| a.as_ref() == b.as_ref());
        let mut joined = String::new();
        let mut ends = Vec::with_capacity(sorted.len());
        for term in &sorted {
            joined.push_str(term.as_ref());
            // At most MAX_TERMS terms of at most MAX_TERM_CHARS characters: far below 4 GiB.
            ends.push(u32::try_from(joined.len()).unwrap_or(u32::MAX));
        }
        Self {
            terms: joined,
            ends,
            sort_key,
        }
    }

    /// The `at`th term.
    fn term(&self, at: usize) -> &str {
        let start = at.checked_sub(1).map_or(0, |before| self.ends[before]);
        &self.terms[start as usize..self.ends[at] as usize]
    }

    /// The indexed terms, sorted by code point.
    pub fn terms(&self) -> impl ExactSizeIterator<Item = &str> {
        (0..self.ends.len()).map(|at| self.term(at))
    }

    /// The key to list the contact by.
    pub fn sort_key(&self) -> &str {
        &self.sort_key
    }

    /// Whether the contact matches `query` (see [`matches()`]).
    pub fn matches(&self, query: &Query) -> bool {
        query
            .words()
            .iter()
            .all(|word| has_prefixed(self.ends.len(), |at| self.term(at), word))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(list: &[&str]) -> Vec<String> {
        let mut terms: Vec<String> = list.iter().map(|t| t.to_string()).collect();
        terms.sort();
        terms
    }

    #[test]
    fn every_word_must_prefix_some_term() {
        let indexed = terms(&["smith", "john", "yamatakei", "5678"]);
        assert!(matches(&indexed, &Query::parse("jo smi", "")));
        assert!(matches(&indexed, &Query::parse("YAMA", "")));
        assert!(!matches(&indexed, &Query::parse("jo smythe", "")));
        assert!(!matches(&indexed, &Query::parse("smithers", "")));
        assert!(
            matches(&indexed, &Query::parse("", "")),
            "an empty query matches"
        );
        assert!(!matches::<String>(&[], &Query::parse("a", "")));
    }

    #[test]
    fn a_word_past_every_term_or_between_two_is_not_a_match() {
        let indexed = terms(&["abc", "abd"]);
        assert!(!matches(&indexed, &Query::parse("abe", "")));
        assert!(!matches(&indexed, &Query::parse("abcd", "")));
        assert!(!matches(&indexed, &Query::parse("zzz", "")));
        assert!(matches(&indexed, &Query::parse("abd", "")));
    }

    #[test]
    fn a_projection_read_back_unsorted_still_matches() {
        let stored = SearchProjection::from_stored(["zeta", "alpha", "zeta"], "alpha zeta".into());
        assert_eq!(stored.terms().collect::<Vec<_>>(), ["alpha", "zeta"]);
        assert!(stored.matches(&Query::parse("ze al", "")));
        assert!(!stored.matches(&Query::parse("alphas", "")));
        assert!(!SearchProjection::default().matches(&Query::parse("a", "")));
    }
}
