//! The printed labels cards put before values (`TEL`, `E-mail:`, `携帯`, `팩스`), found even
//! when OCR glues them to the value (`TEL03-1234-5678`, `MOB+44 7700 900123`).

/// What a label announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// A landline or main number.
    Work,
    /// A mobile number.
    Mobile,
    /// A fax number.
    Fax,
    /// An email address.
    Email,
    /// A web site.
    Web,
    /// A postal address.
    Address,
}

/// Labels, longest first within each script so `Mobile` wins over `M` and `E-mail` over `E`.
/// Single letters count only when a separator or a digit follows (see [`find_labels`]).
const LABELS: &[(&str, Label)] = &[
    ("telephone", Label::Work),
    ("office", Label::Work),
    ("direct", Label::Work),
    ("phone", Label::Work),
    ("tel.", Label::Work),
    ("tel", Label::Work),
    ("dir", Label::Work),
    ("ph", Label::Work),
    ("t", Label::Work),
    ("p", Label::Work),
    ("o", Label::Work),
    ("mobile", Label::Mobile),
    ("mob.", Label::Mobile),
    ("mob", Label::Mobile),
    ("cell", Label::Mobile),
    ("hp", Label::Mobile),
    ("m", Label::Mobile),
    ("c", Label::Mobile),
    ("facsimile", Label::Fax),
    ("fax", Label::Fax),
    ("f", Label::Fax),
    ("e-mail", Label::Email),
    ("email", Label::Email),
    ("mail", Label::Email),
    ("e", Label::Email),
    ("website", Label::Web),
    ("web", Label::Web),
    ("url", Label::Web),
    ("w", Label::Web),
    ("address", Label::Address),
    ("addr.", Label::Address),
    ("addr", Label::Address),
    ("a", Label::Address),
    ("携帯電話", Label::Mobile),
    ("携帯", Label::Mobile),
    ("手机", Label::Mobile),
    ("手機", Label::Mobile),
    ("移动电话", Label::Mobile),
    ("휴대전화", Label::Mobile),
    ("휴대폰", Label::Mobile),
    ("핸드폰", Label::Mobile),
    ("휴대", Label::Mobile),
    ("電話番号", Label::Work),
    ("電話", Label::Work),
    ("电话", Label::Work),
    ("座机", Label::Work),
    ("전화번호", Label::Work),
    ("전화", Label::Work),
    ("직통", Label::Work),
    ("대표", Label::Work),
    ("ファックス", Label::Fax),
    ("ファクス", Label::Fax),
    ("传真", Label::Fax),
    ("傳真", Label::Fax),
    ("팩스", Label::Fax),
    ("メールアドレス", Label::Email),
    ("メール", Label::Email),
    ("电子邮件", Label::Email),
    ("电子邮箱", Label::Email),
    ("邮箱", Label::Email),
    ("電郵", Label::Email),
    ("이메일", Label::Email),
    ("메일", Label::Email),
    ("ホームページ", Label::Web),
    ("网址", Label::Web),
    ("網址", Label::Web),
    ("网站", Label::Web),
    ("홈페이지", Label::Web),
    ("телефон", Label::Work),
    ("тел.", Label::Work),
    ("тел", Label::Work),
    ("мобильный", Label::Mobile),
    ("мобільний", Label::Mobile),
    ("моб.", Label::Mobile),
    ("моб", Label::Mobile),
    ("факс", Label::Fax),
    ("эл. почта", Label::Email),
    ("ел. пошта", Label::Email),
    ("почта", Label::Email),
    ("пошта", Label::Email),
    ("сайт", Label::Web),
    ("адрес", Label::Address),
    ("адреса", Label::Address),
    // Vietnamese, with and without the marks OCR may lose (`DĐ` / `DD`: di động, mobile).
    ("điện thoại", Label::Work),
    ("dien thoai", Label::Work),
    ("hotline", Label::Work),
    ("đt", Label::Work),
    ("di động", Label::Mobile),
    ("di dong", Label::Mobile),
    ("dđ", Label::Mobile),
    ("dd", Label::Mobile),
    ("địa chỉ", Label::Address),
    ("dia chi", Label::Address),
    ("đ/c", Label::Address),
    // Icons cards print in place of a word, where OCR reads them as the sign they are.
    ("☎", Label::Work),
    ("✆", Label::Work),
    ("℡", Label::Work),
    ("📞", Label::Work),
    ("📱", Label::Mobile),
    ("📠", Label::Fax),
    ("℻", Label::Fax),
    ("✉", Label::Email),
    ("住所", Label::Address),
    ("所在地", Label::Address),
    ("地址", Label::Address),
    ("주소", Label::Address),
];

/// A label found in a line: what it announces and the byte range it covers (separator
/// included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// What it announces.
    pub label: Label,
    /// Byte offset where the label starts.
    pub start: usize,
    /// Byte offset just past the label and its separator.
    pub end: usize,
}

/// Every label in `text` that stands at the start of a word: the line start, or after a space,
/// `|`, `/` or `,`. A label must be followed by a separator (`:`, `.`, space), a digit, `+`,
/// `(` or, for ASCII labels, a non-letter, so `Tokyo` never reads as `T` + `okyo`.
pub fn find_labels(text: &str) -> Vec<Found> {
    let lower = text.to_lowercase();
    // Lowercasing can change byte lengths outside ASCII; work on the original when it does.
    let haystack = if lower.len() == text.len() {
        lower.as_str()
    } else {
        text
    };
    let mut found = Vec::new();
    let mut at = 0;
    while at < haystack.len() {
        let word_start = at == 0
            || haystack[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_whitespace() || "|/,;:·•()".contains(c));
        if word_start && let Some(hit) = label_at(haystack, at) {
            at = hit.end;
            found.push(hit);
            continue;
        }
        at += haystack[at..].chars().next().map_or(1, char::len_utf8);
    }
    found
}

/// The longest label starting at byte `at` of `text`, with its separator.
fn label_at(text: &str, at: usize) -> Option<Found> {
    let rest = &text[at..];
    let mut best: Option<Found> = None;
    for &(word, label) in LABELS {
        if !rest.starts_with(word) {
            continue;
        }
        let after = &rest[word.len()..];
        let next = after.chars().next();
        let ascii = word.is_ascii();
        let single = word.chars().count() == 1;
        let ok = match next {
            None => !single,
            Some(c) if c == ':' || c == '：' || c == '.' => true,
            Some(c) if c.is_whitespace() => {
                // "T 03-…" and "E s.sato@…" read as labels; "A Smith" does not.
                !single
                    || after
                        .trim_start()
                        .starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '(')
            }
            Some(c) if c.is_ascii_digit() || c == '+' || c == '(' => true,
            // CJK labels run into the value with no space, but not into another word.
            Some(c) => !ascii && !c.is_alphabetic(),
        };
        if !ok {
            continue;
        }
        let mut end = at + word.len();
        let sep: usize = text[end..]
            .char_indices()
            .take_while(|(_, c)| c.is_whitespace() || matches!(c, ':' | '：' | '.' | '-' | '|'))
            .map(|(_, c)| c.len_utf8())
            .sum();
        end += sep;
        if best.is_none_or(|b| end - at > b.end - b.start) {
            best = Some(Found {
                label,
                start: at,
                end,
            });
        }
    }
    best
}

/// `text` without a label at its start, and that label.
pub fn strip_leading(text: &str) -> (Option<Label>, &str) {
    match find_labels(text).first() {
        Some(found) if found.start == 0 => (Some(found.label), text[found.end..].trim()),
        _ => (None, text.trim()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glued_and_spaced_labels_are_found() {
        assert_eq!(
            strip_leading("TEL03-1234-5678"),
            (Some(Label::Work), "03-1234-5678")
        );
        assert_eq!(
            strip_leading("MOB +44 7700 900123"),
            (Some(Label::Mobile), "+44 7700 900123")
        );
        assert_eq!(
            strip_leading("E-mail: a@b.jp"),
            (Some(Label::Email), "a@b.jp")
        );
        assert_eq!(
            strip_leading("携帯 090-1234-5678"),
            (Some(Label::Mobile), "090-1234-5678")
        );
        assert_eq!(
            strip_leading("팩스 02-555-0100"),
            (Some(Label::Fax), "02-555-0100")
        );
        assert_eq!(
            strip_leading("Моб.+7 916 555-12-34"),
            (Some(Label::Mobile), "+7 916 555-12-34")
        );
        assert_eq!(
            strip_leading("T. 415 555 0100"),
            (Some(Label::Work), "415 555 0100")
        );
    }

    #[test]
    fn vietnamese_labels_with_or_without_their_marks() {
        assert_eq!(
            strip_leading("ĐT: (028) 3823 4567"),
            (Some(Label::Work), "(028) 3823 4567")
        );
        assert_eq!(
            strip_leading("DĐ: 0912 345 678"),
            (Some(Label::Mobile), "0912 345 678")
        );
        assert_eq!(
            strip_leading("DD 0912 345 678"),
            (Some(Label::Mobile), "0912 345 678")
        );
        assert_eq!(
            strip_leading("Di động: 0912 345 678"),
            (Some(Label::Mobile), "0912 345 678")
        );
        assert_eq!(
            strip_leading("Hotline: 1900 1234"),
            (Some(Label::Work), "1900 1234")
        );
        assert_eq!(strip_leading("Dtech Solutions"), (None, "Dtech Solutions"));
        assert_eq!(strip_leading("Dđiện"), (None, "Dđiện"));
    }

    #[test]
    fn words_that_start_like_labels_are_not_labels() {
        assert_eq!(strip_leading("Tokyo"), (None, "Tokyo"));
        assert_eq!(strip_leading("Manager"), (None, "Manager"));
        assert_eq!(strip_leading("Aiko Sato"), (None, "Aiko Sato"));
        assert_eq!(strip_leading("Emma Clarke"), (None, "Emma Clarke"));
    }

    #[test]
    fn two_labels_on_one_line_are_both_found() {
        let found = find_labels("T 03-1234-5678 / F 03-1234-5679");
        let labels: Vec<Label> = found.iter().map(|f| f.label).collect();
        assert_eq!(labels, [Label::Work, Label::Fax]);
    }
}
