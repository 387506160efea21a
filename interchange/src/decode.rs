//! Text encodings: detection from a file's first bytes, and a streaming decoder to UTF-8.
//!
//! Detection, in order: a byte order mark (UTF-8, UTF-16 LE/BE) wins; then text that is valid
//! UTF-8 (a character cut at the end of the sample allowed) is UTF-8; otherwise chardetng,
//! Firefox's detector, guesses the legacy encoding from the sample (Shift_JIS, EUC-KR,
//! GB18030, Windows-1252, …). A user who knows better chooses the encoding instead.
//!
//! Decoding goes through [`encoding_rs`]'s incremental decoder a buffer at a time, so a file
//! of any size is read in bounded memory; malformed bytes become U+FFFD rather than errors
//! (a mis-encoded cell is reported by the field rules, not by aborting the file).

use std::io::{self, Read};

use encoding_rs::{Decoder, Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// How many bytes of the file detection looks at.
pub const SAMPLE_BYTES: usize = 64 * 1024;

/// The encoding of a file whose first bytes are `head`, and the length of its byte order
/// mark (0 when it has none).
pub fn detect_encoding(head: &[u8]) -> (&'static Encoding, usize) {
    if let Some((encoding, bom)) = Encoding::for_bom(head) {
        return (encoding, bom);
    }
    if is_utf8_prefix(head) {
        return (UTF_8, 0);
    }
    if let Some(encoding) = utf16_without_bom(head) {
        return (encoding, 0);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
    detector.feed(head, false);
    (detector.guess(None, chardetng::Utf8Detection::Allow), 0)
}

/// Whether `head` is UTF-8, allowing a character cut off by the end of the sample.
fn is_utf8_prefix(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(error) => error.error_len().is_none() && head.len() - error.valid_up_to() < 4,
    }
}

/// UTF-16 without a BOM, recognised by ASCII text with every other byte zero.
fn utf16_without_bom(head: &[u8]) -> Option<&'static Encoding> {
    let sample = &head[..head.len().min(512) & !1];
    if sample.len() < 8 {
        return None;
    }
    let zeros_even = sample.iter().step_by(2).filter(|byte| **byte == 0).count();
    let zeros_odd = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|byte| **byte == 0)
        .count();
    let half = sample.len() / 2;
    if zeros_odd * 10 >= half * 9 && zeros_even == 0 {
        Some(UTF_16LE)
    } else if zeros_even * 10 >= half * 9 && zeros_odd == 0 {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// A reader of UTF-8 bytes decoded from `inner` in `encoding`, one buffer at a time.
pub struct DecodeReader<R> {
    /// Where the encoded bytes come from.
    inner: R,
    /// encoding_rs keeps a character split across two reads inside the decoder.
    decoder: Decoder,
    /// Encoded bytes read but not yet decoded.
    input: Vec<u8>,
    /// Decoded UTF-8 not yet handed out.
    output: Vec<u8>,
    /// How much of `output` was handed out.
    taken: usize,
    /// Whether `inner` reached its end (the decoder is then flushed).
    done: bool,
}

impl<R: Read> DecodeReader<R> {
    /// Decodes `inner` (positioned after any BOM) from `encoding`.
    pub fn new(inner: R, encoding: &'static Encoding) -> Self {
        Self {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            input: Vec::new(),
            output: Vec::new(),
            taken: 0,
            done: false,
        }
    }

    /// Decodes the next buffer into `output`; false at the end.
    fn fill(&mut self) -> io::Result<bool> {
        while self.taken >= self.output.len() {
            if self.done {
                return Ok(false);
            }
            self.output.clear();
            self.taken = 0;
            self.input.resize(16 * 1024, 0);
            let read = loop {
                match self.inner.read(&mut self.input) {
                    Ok(read) => break read,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                    Err(error) => return Err(error),
                }
            };
            self.input.truncate(read);
            let last = read == 0;
            self.done = last;
            let capacity = self
                .decoder
                .max_utf8_buffer_length(self.input.len())
                .unwrap_or(self.input.len() * 3 + 16);
            self.output.resize(capacity, 0);
            let (_, _, written, _) =
                self.decoder
                    .decode_to_utf8(&self.input, &mut self.output, last);
            self.output.truncate(written);
        }
        Ok(true)
    }
}

impl<R: Read> Read for DecodeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || !self.fill()? {
            return Ok(0);
        }
        let available = &self.output[self.taken..];
        let count = available.len().min(buf.len());
        buf[..count].copy_from_slice(&available[..count]);
        self.taken += count;
        Ok(count)
    }
}

/// `text` encoded in `encoding`, with a BOM first when `bom` (UTF-8 and UTF-16 only).
///
/// encoding_rs encodes UTF-16 as UTF-8 (the WHATWG rule for form submission), so UTF-16 is
/// written here by hand. Characters the legacy encoding lacks become numeric character
/// references, which a corrected file shows and the user can fix.
pub fn encode(text: &str, encoding: &'static Encoding, bom: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 3);
    if encoding == UTF_16LE || encoding == UTF_16BE {
        if bom {
            out.extend_from_slice(if encoding == UTF_16LE {
                &[0xFF, 0xFE]
            } else {
                &[0xFE, 0xFF]
            });
        }
        for unit in text.encode_utf16() {
            let bytes = if encoding == UTF_16LE {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            };
            out.extend_from_slice(&bytes);
        }
        return out;
    }
    if bom && encoding == UTF_8 {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let (bytes, _, _) = encoding.encode(text);
    out.extend_from_slice(&bytes);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8], encoding: &'static Encoding) -> String {
        let mut text = String::new();
        // One byte at a time: characters split across reads must still decode.
        let reader = DecodeReader::new(OneByte(bytes), encoding);
        io::BufReader::new(reader)
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    struct OneByte<'a>(&'a [u8]);

    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    #[test]
    fn legacy_encodings_are_detected_from_real_text() {
        let cases = [
            (
                "名前,会社\n山田太郎,株式会社サンプル商事\n佐藤花子,東京テスト工業株式会社\n",
                "Shift_JIS",
            ),
            (
                "이름,회사\n김민준,샘플무역 주식회사\n이서연,한국테스트전자\n",
                "EUC-KR",
            ),
            (
                "姓名,公司\n王小明,示例贸易有限公司\n李华,北京测试科技有限公司\n",
                "GBK",
            ),
            (
                "Name,Firma\nJürgen Müller,Bäckerei Größe\nFrançoise Lefèvre,Café Crème\n",
                "windows-1252",
            ),
        ];
        for (text, expected) in cases {
            let encoding = Encoding::for_label(expected.as_bytes()).unwrap();
            let bytes = encode(text, encoding, false);
            let (found, bom) = detect_encoding(&bytes);
            // chardetng names GB18030-family text GBK, which decodes it the same.
            assert!(
                found == encoding || (expected == "GBK" && found == encoding_rs::GB18030),
                "{expected}: found {}",
                found.name()
            );
            assert_eq!(bom, 0);
            assert_eq!(decode_all(&bytes, found), text);
        }
    }

    #[test]
    fn boms_and_utf16_decode_in_any_read_size() {
        let text = "Given name,Family name\n美咲,佐藤\n";
        for (encoding, bom) in [
            (UTF_8, true),
            (UTF_16LE, true),
            (UTF_16BE, true),
            (UTF_8, false),
        ] {
            let bytes = encode(text, encoding, bom);
            let (found, skip) = detect_encoding(&bytes);
            assert_eq!(found, encoding);
            assert_eq!(decode_all(&bytes[skip..], found), text);
        }
    }
}
