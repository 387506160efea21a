//! vCard 2.1, 3.0 and 4.0: content lines, cards read one at a time from a stream, and the
//! escaping rules both directions share.
//!
//! Our own reader rather than a vCard library: it reads a card at a time from a stream with
//! bounded lines and cards, and it keeps each property's unfolded line exactly as written,
//! which is what lets an export give back the properties Rolo does not model.

pub(crate) mod read;
pub(crate) mod write;

use std::io::BufRead;

use crate::error::RecordError;

/// Longest unfolded content line read; longer ones make the card a [`RecordError`].
pub const MAX_LINE_BYTES: usize = 256 * 1024;

/// Most properties in one card.
pub const MAX_PROPERTIES: usize = 5_000;

/// One card: its properties in order (`BEGIN`, `VERSION` and `END` included).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Card {
    /// The properties, in file order.
    pub properties: Vec<Property>,
}

/// One content line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// The group before the name (`item1` in `item1.TEL`), or empty.
    pub group: String,
    /// The name, uppercase (`TEL`).
    pub name: String,
    /// Parameters in order: name uppercase (a bare 2.1 value such as `WORK` is a `TYPE`),
    /// value unquoted.
    pub params: Vec<(String, String)>,
    /// The value as written (still escaped), after quoted-printable decoding.
    pub value: String,
    /// The whole unfolded line as written: what an unknown property is kept as.
    pub line: String,
}

impl Property {
    /// The values of a parameter (comma-separated values split), any case of the name.
    pub fn param(&self, name: &str) -> Vec<&str> {
        self.params
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case(name))
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .collect()
    }

    /// The first value of a parameter as written (commas kept), any case of the name.
    pub fn param_raw(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The value unescaped as text.
    pub fn text(&self) -> String {
        unescape(&self.value)
    }

    /// The value's components (split at unescaped `;`), each unescaped.
    pub fn components(&self) -> Vec<String> {
        split_unescaped(&self.value, ';')
            .iter()
            .map(|part| unescape(part))
            .collect()
    }

    /// The value's list items (split at unescaped `,`), each unescaped.
    pub fn list(&self) -> Vec<String> {
        split_unescaped(&self.value, ',')
            .iter()
            .map(|part| unescape(part))
            .collect()
    }
}

/// Splits at `separator` where it is not escaped by a backslash.
pub(crate) fn split_unescaped(value: &str, separator: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let last = parts.last_mut().expect("never empty");
            last.push(c);
            if let Some(next) = chars.next() {
                last.push(next);
            }
        } else if c == separator {
            parts.push(String::new());
        } else {
            parts.last_mut().expect("never empty").push(c);
        }
    }
    parts
}

/// Undoes vCard text escaping (`\n`, `\,`, `\;`, `\\`).
pub(crate) fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// vCard text escaping of a value.
pub(crate) fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            other => out.push(other),
        }
    }
    out
}

/// Parses one unfolded content line; `None` when it has no `:`.
pub fn parse_line(line: &str) -> Option<Property> {
    let mut in_quotes = false;
    let mut colon = None;
    for (at, c) in line.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ':' if !in_quotes => {
                colon = Some(at);
                break;
            }
            _ => {}
        }
    }
    let colon = colon?;
    let head = &line[..colon];
    let value = &line[colon + 1..];
    let mut pieces = split_params(head).into_iter();
    let full_name = pieces.next().unwrap_or_default();
    let (group, name) = match full_name.rsplit_once('.') {
        Some((group, name)) => (group.to_string(), name.to_ascii_uppercase()),
        None => (String::new(), full_name.to_ascii_uppercase()),
    };
    if name.is_empty() {
        return None;
    }
    let params: Vec<(String, String)> = pieces
        .map(|param| match param.split_once('=') {
            Some((key, value)) => (key.trim().to_ascii_uppercase(), unquote_param(value)),
            None => ("TYPE".to_string(), param.trim().to_string()),
        })
        .collect();
    Some(Property {
        group,
        name,
        params,
        value: value.to_string(),
        line: line.to_string(),
    })
}

/// Splits `NAME;P=a;P="b;c"` at the semicolons outside quotes.
fn split_params(head: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut in_quotes = false;
    for c in head.chars() {
        match c {
            '"' => {
                in_quotes = !in_quotes;
                parts.last_mut().expect("never empty").push(c);
            }
            ';' if !in_quotes => parts.push(String::new()),
            other => parts.last_mut().expect("never empty").push(other),
        }
    }
    parts
}

/// A parameter value without its quotes, RFC 6868's `^n`, `^'` and `^^` undone.
fn unquote_param(value: &str) -> String {
    let trimmed = value.trim();
    let inner = trimmed
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(trimmed);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '^' {
            match chars.peek() {
                Some('n') => {
                    out.push('\n');
                    chars.next();
                }
                Some('\'') => {
                    out.push('"');
                    chars.next();
                }
                Some('^') => {
                    out.push('^');
                    chars.next();
                }
                _ => out.push(c),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A parameter value quoted and RFC 6868-escaped when it needs it.
pub(crate) fn quote_param(value: &str) -> String {
    let escaped: String = value
        .chars()
        .flat_map(|c| match c {
            '^' => vec!['^', '^'],
            '"' => vec!['^', '\''],
            '\n' => vec!['^', 'n'],
            '\r' => vec![],
            other => vec![other],
        })
        .collect();
    if escaped.contains([';', ':', ',', ' ']) || escaped != value {
        format!("\"{escaped}\"")
    } else {
        escaped
    }
}

/// Decodes quoted-printable (`=E3=81=82`, a `=` at the end of a line already joined).
fn decode_quoted_printable(value: &str) -> Vec<u8> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'=' && at + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[at + 1..at + 3]).ok();
            if let Some(byte) = hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                out.push(byte);
                at += 3;
                continue;
            }
        }
        out.push(bytes[at]);
        at += 1;
    }
    out
}

/// Reads cards one at a time from decoded text.
pub struct CardReader<R> {
    /// The decoded text.
    input: R,
    /// A physical line read ahead while unfolding the previous one.
    pending: Option<String>,
    /// How many cards were started (the record number).
    cards: u64,
    /// The input ended or failed.
    done: bool,
}

impl<R: BufRead> CardReader<R> {
    /// Cards from `input`.
    pub fn new(input: R) -> Self {
        Self {
            input,
            pending: None,
            cards: 0,
            done: false,
        }
    }

    /// The next physical line (without its line break), at most [`MAX_LINE_BYTES`]: a
    /// longer one is cut there and the rest skipped, and reported as `Err(true)`.
    fn physical_line(&mut self) -> Option<Result<String, bool>> {
        if let Some(line) = self.pending.take() {
            return Some(Ok(line));
        }
        if self.done {
            return None;
        }
        let mut buffer = Vec::new();
        let read = std::io::Read::take(&mut self.input, MAX_LINE_BYTES as u64)
            .read_until(b'\n', &mut buffer);
        match read {
            Ok(0) => {
                self.done = true;
                None
            }
            Ok(_) => {
                let mut too_long = false;
                if !buffer.ends_with(b"\n") && buffer.len() >= MAX_LINE_BYTES {
                    too_long = true;
                    // Skip the rest of the line, a buffer at a time.
                    loop {
                        let mut rest = Vec::new();
                        match std::io::Read::take(&mut self.input, 64 * 1024)
                            .read_until(b'\n', &mut rest)
                        {
                            Ok(0) | Err(_) => break,
                            Ok(_) if rest.ends_with(b"\n") => break,
                            Ok(_) => {}
                        }
                    }
                }
                while buffer
                    .last()
                    .is_some_and(|byte| *byte == b'\n' || *byte == b'\r')
                {
                    buffer.pop();
                }
                if too_long {
                    Some(Err(true))
                } else {
                    Some(Ok(String::from_utf8_lossy(&buffer).into_owned()))
                }
            }
            Err(_) => {
                self.done = true;
                Some(Err(false))
            }
        }
    }

    /// The next unfolded content line: continuation lines (starting with a space or tab)
    /// joined, and a quoted-printable value's soft line breaks (`=` at the end) too.
    fn logical_line(&mut self) -> Option<Result<String, bool>> {
        let mut line = match self.physical_line()? {
            Ok(line) => line,
            Err(error) => return Some(Err(error)),
        };
        let quoted_printable = line.to_ascii_uppercase().contains("QUOTED-PRINTABLE");
        loop {
            if line.len() > MAX_LINE_BYTES {
                return Some(Err(true));
            }
            if quoted_printable && line.ends_with('=') {
                match self.physical_line() {
                    Some(Ok(next)) => {
                        line.pop();
                        line.push_str(next.trim_start());
                        continue;
                    }
                    Some(Err(error)) => return Some(Err(error)),
                    None => return Some(Ok(line)),
                }
            }
            match self.physical_line() {
                Some(Ok(next)) if next.starts_with([' ', '\t']) => line.push_str(&next[1..]),
                Some(Ok(next)) => {
                    self.pending = Some(next);
                    return Some(Ok(line));
                }
                Some(Err(error)) => return Some(Err(error)),
                None => return Some(Ok(line)),
            }
        }
    }

    /// The next card, or `None` at the end. A card with an over-long line, too many
    /// properties or no `END:VCARD` is an error; reading goes on after it.
    pub fn next_card(&mut self) -> Option<Result<(u64, Card), RecordError>> {
        // Find the next BEGIN:VCARD, skipping anything between cards.
        loop {
            match self.logical_line()? {
                Ok(line) if line.trim().eq_ignore_ascii_case("BEGIN:VCARD") => break,
                Ok(_) | Err(true) => continue,
                Err(false) => return None,
            }
        }
        self.cards += 1;
        let number = self.cards;
        let mut card = Card::default();
        let mut failure: Option<String> = None;
        let mut depth = 0usize;
        loop {
            let line = match self.logical_line() {
                None => {
                    failure.get_or_insert_with(|| "the card has no END:VCARD".to_string());
                    break;
                }
                Some(Err(true)) => {
                    failure.get_or_insert_with(|| {
                        format!("a line is longer than {MAX_LINE_BYTES} bytes")
                    });
                    continue;
                }
                Some(Err(false)) => {
                    failure.get_or_insert_with(|| "reading the file failed".to_string());
                    break;
                }
                Some(Ok(line)) => line,
            };
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            if trimmed.eq_ignore_ascii_case("BEGIN:VCARD") {
                // A card nested in another (2.1's AGENT): kept as lines of the outer card.
                depth += 1;
            }
            if trimmed.eq_ignore_ascii_case("END:VCARD") {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            if card.properties.len() >= MAX_PROPERTIES {
                failure.get_or_insert_with(|| {
                    format!("the card has more than {MAX_PROPERTIES} properties")
                });
                continue;
            }
            match parse_line(&line) {
                Some(mut property) => {
                    if property
                        .param("ENCODING")
                        .iter()
                        .any(|e| e.eq_ignore_ascii_case("QUOTED-PRINTABLE"))
                        || property
                            .params
                            .iter()
                            .any(|(k, v)| k == "TYPE" && v.eq_ignore_ascii_case("QUOTED-PRINTABLE"))
                    {
                        let bytes = decode_quoted_printable(&property.value);
                        let charset = property
                            .param("CHARSET")
                            .first()
                            .copied()
                            .unwrap_or("UTF-8");
                        let encoding = encoding_rs::Encoding::for_label(charset.as_bytes())
                            .unwrap_or(encoding_rs::UTF_8);
                        property.value =
                            encoding.decode_without_bom_handling(&bytes).0.into_owned();
                    }
                    card.properties.push(property);
                }
                None => {
                    failure.get_or_insert_with(|| {
                        format!("{:?} is not a vCard line (NAME:value)", truncate(&line))
                    });
                }
            }
        }
        Some(match failure {
            Some(message) => Err(RecordError {
                line: number,
                message: format!("card {number}: {message}"),
            }),
            None => Ok((number, card)),
        })
    }
}

/// The first 80 characters of `text`, for a message.
fn truncate(text: &str) -> String {
    text.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_and_quoted_printable_lines_unfold() {
        let text = "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=B1=B1=E7=94=B0;=\r\n=E5=A4=AA=E9=83=8E\r\nNOTE:a long\r\n  note\r\nTEL;WORK;VOICE:+81 3 1234 5678\r\nEND:VCARD\r\n";
        let mut reader = CardReader::new(text.as_bytes());
        let (number, card) = reader.next_card().unwrap().unwrap();
        assert_eq!(number, 1);
        let n = &card.properties[1];
        assert_eq!(n.components(), ["山田", "太郎"]);
        assert_eq!(card.properties[2].text(), "a long note");
        assert_eq!(card.properties[3].param("TYPE"), ["WORK", "VOICE"]);
        assert!(reader.next_card().is_none());
    }

    #[test]
    fn a_card_without_end_is_an_error_and_reading_goes_on() {
        let text = "BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nFN:B\nEND:VCARD\n";
        let mut reader = CardReader::new(text.as_bytes());
        // The second BEGIN nests inside the first, so the first card never ends.
        assert!(reader.next_card().unwrap().is_err());
        assert!(reader.next_card().is_none());
    }

    #[test]
    fn params_quote_and_unquote() {
        let property =
            parse_line("item1.X-ROLO-CUSTOM;X-NAME=\"a;b ^'c^'\";X-TYPE=text:v\\,w").unwrap();
        assert_eq!(property.group, "item1");
        assert_eq!(property.param_raw("X-NAME"), Some("a;b \"c\""));
        assert_eq!(property.text(), "v,w");
        assert_eq!(quote_param("a;b \"c\""), "\"a;b ^'c^'\"");
    }
}
