//! A search box's text, read into the words every match must contain.

use super::normalize::normalize;
use super::phone::phone_query;
use super::terms::email_text;
use super::words::{parts, truncate_chars};
use super::{MAX_QUERY_CHARS, MAX_QUERY_WORDS, MAX_TERM_CHARS};

/// A parsed search: the words a contact's terms must all start, one each.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    /// Normalized, distinct, none a prefix of another, in the order typed.
    words: Vec<String>,
}

impl Query {
    /// Reads what was typed into the search box; `region` is the tenant's ISO 3166-1 alpha-2
    /// country (`"JP"`), for numbers typed in national form.
    ///
    /// - Text that looks like a phone number as a whole (digits, spaces and `+ ( ) . -`, at
    ///   least three digits) is one digit term: the E.164 digits when it is a valid number in
    ///   `region` (`(03) 1234-5678` → `81312345678`), else its bare digits (`1234-5678` →
    ///   `12345678`), which the indexed suffixes match.
    /// - Otherwise the [`normalize`]d text is split at whitespace; a chunk shaped like a phone
    ///   number is a digit term as above, a chunk holding `@` is one email term (leading and
    ///   trailing punctuation dropped, so `@yamatakei.com` is the domain), and any other chunk
    ///   is split into parts as the index splits it, each a word. A CJK run stays whole: the
    ///   index holds every suffix of the stored run, so `中太` matches `田中太郎`.
    ///
    /// Words are cut to [`MAX_TERM_CHARS`] like the terms, duplicates and words that are a
    /// prefix of another word are dropped (the longer one implies them), and at most
    /// [`MAX_QUERY_WORDS`] are kept, from text cut to [`MAX_QUERY_CHARS`]: a pasted paragraph
    /// costs the server a bounded number of range scans.
    pub fn parse(text: &str, region: &str) -> Self {
        let normalized = normalize(truncate_chars(text, MAX_QUERY_CHARS));
        let mut words = Vec::new();
        if let Some(digits) = phone_query(normalized.trim(), region) {
            words.push(digits);
        } else {
            for chunk in normalized.split_whitespace() {
                if let Some(digits) = phone_query(chunk, region) {
                    words.push(digits);
                    continue;
                }
                let email = email_text(chunk);
                if email.contains('@') {
                    words.push(email);
                    continue;
                }
                words.extend(parts(chunk).iter().map(|part| part.text.to_string()));
            }
        }
        Self { words: tidy(words) }
    }

    /// The words to match, each to be found as the prefix of at least one indexed term; every
    /// one must be. The server's statement for one word is
    /// `term >= $w AND term < $w || '\u{10FFFF}'` over code-point-ordered terms.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Whether there is nothing to match (empty or punctuation only): every contact matches.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// Cuts each word to the term length, drops duplicates and words that prefix another word,
/// and keeps the first [`MAX_QUERY_WORDS`].
fn tidy(words: Vec<String>) -> Vec<String> {
    let words: Vec<String> = words
        .iter()
        .map(|word| truncate_chars(word, MAX_TERM_CHARS).to_string())
        .filter(|word| !word.is_empty())
        .collect();
    let mut kept: Vec<String> = Vec::new();
    for (at, word) in words.iter().enumerate() {
        let implied = words.iter().enumerate().any(|(other_at, other)| {
            other_at != at && other.starts_with(word.as_str()) && (other != word || other_at < at)
        });
        if !implied {
            kept.push(word.clone());
        }
    }
    kept.truncate(MAX_QUERY_WORDS);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        Query::parse(text, "JP").words().to_vec()
    }

    #[test]
    fn words_are_normalized_and_split_like_the_index() {
        assert_eq!(words("  José  O'Brien "), ["jose", "o", "brien"]);
        assert_eq!(words("ﾀﾅｶ 田中太郎"), ["たなか", "田中太郎"]);
        assert_eq!(words("営業3部"), ["営業", "3", "部"]);
    }

    #[test]
    fn an_address_stays_whole_and_a_domain_loses_its_at_sign() {
        assert_eq!(
            words("<T.Takeuchi@Yamatakei.com>,"),
            ["t.takeuchi@yamatakei.com"]
        );
        assert_eq!(words("@yamatakei.com"), ["yamatakei", "com"]);
    }

    #[test]
    fn numbers_whole_or_as_one_chunk_are_digit_terms() {
        assert_eq!(words("+81 3 1234 5678"), ["81312345678"]);
        assert_eq!(words("tanaka 03-1234-5678"), ["tanaka", "81312345678"]);
        assert_eq!(words("１２３４－５６７８"), ["12345678"]);
    }

    #[test]
    fn repeated_and_implied_words_are_dropped() {
        assert_eq!(words("tan tanaka TANAKA ta"), ["tanaka"]);
        assert_eq!(words("a b a"), ["a", "b"]);
        assert!(Query::parse(" - , ", "JP").is_empty());
    }

    #[test]
    fn a_pasted_paragraph_is_bounded() {
        let essay = (0..500)
            .map(|n| format!("word{n}"))
            .collect::<Vec<_>>()
            .join(" ");
        let query = Query::parse(&essay, "JP");
        assert_eq!(query.words().len(), MAX_QUERY_WORDS);
        let long = Query::parse(&"x".repeat(100), "JP");
        assert_eq!(long.words(), ["x".repeat(MAX_TERM_CHARS)]);
    }
}
