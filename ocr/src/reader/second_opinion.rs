//! Tesseract as the second opinion on lines PP-OCR cannot read (Hangul, Cyrillic) or reads
//! with low confidence.

use image::{DynamicImage, GrayImage, RgbImage};

use super::SECOND_OPINION_BELOW;
use crate::draft::{Engine, TextLine};
use crate::tesseract::Tesseract;

/// Reads lines again with Tesseract where PP-OCR cannot be trusted, in two steps.
///
/// First the lines PP-OCR was unsure of, or read with most of their letters missing (its
/// dictionary has no Hangul or Cyrillic, and it reads a line of them as nothing, confidently),
/// go to Tesseract with Korean, Russian and English; the more confident reading (or the one
/// with letters) wins. If that turns up Hangul or Cyrillic, the card is in that script
/// (Cyrillic: Ukrainian or Russian), and PP-OCR's confident readings of the other lines are
/// suspect too: it reads a Hangul label as a look-alike Han character, and Cyrillic as
/// look-alike Latin (`Тел.` as `Ten.`, `Москва` as `Mocka`). Those are read again in that one
/// language and replaced where Tesseract finds the script.
pub(super) fn second_opinion(tesseract: &Tesseract, lines: &mut [TextLine], crops: &[RgbImage]) {
    let lost: Vec<bool> = (0..lines.len())
        .map(|i| lost_letters(&lines[i], &crops[i]))
        .collect();
    let unsure: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].confidence < SECOND_OPINION_BELOW || lost[i])
        .collect();
    let langs: Vec<&str> = ["kor", "rus", "eng"]
        .into_iter()
        .filter(|l| tesseract.has(l))
        .collect();
    if unsure.is_empty() || langs.is_empty() {
        return;
    }
    let first = read_sheet(tesseract, crops, &unsure, &langs.join("+"));
    let mut script = None;
    for (&index, reading) in unsure.iter().zip(&first) {
        let Some((text, confidence)) = reading else {
            continue;
        };
        if crate::script::count(text, crate::script::is_hangul) >= 2 && *confidence >= 0.6 {
            script = Some("kor");
        } else if crate::script::count(text, crate::script::is_cyrillic) >= 3 && *confidence >= 0.6
        {
            script = script.or(Some("rus"));
        }
        // A reading that lost its letters loses to one that has them, however sure PP-OCR was
        // of the little it read.
        let alnum = |t: &str| t.chars().filter(|c| c.is_alphanumeric()).count();
        let fuller = lost[index] && *confidence >= 0.5 && alnum(text) > alnum(&lines[index].text);
        if *confidence > lines[index].confidence || fuller {
            lines[index].text = text.clone();
            lines[index].confidence = *confidence;
            lines[index].engine = Engine::Tesseract;
        }
    }
    let Some(mut script) = script else {
        return;
    };
    if script == "rus" && tesseract.has("ukr") && ukrainian(lines) {
        script = "ukr";
    }
    let is_script = if script == "kor" {
        crate::script::is_hangul
    } else {
        crate::script::is_cyrillic
    };
    let cyrillic = script != "kor";
    let suspect: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            let text = &lines[i].text;
            // Emails and web addresses are Latin on any card, and PP-OCR reads them best.
            let latin = text.contains('@') || text.to_lowercase().contains("www.");
            // Cyrillic lines the first, multilingual reading took are read again in the card's
            // one language too: `rus+kor+eng` reads Ukrainian `і` as `!`.
            match (cyrillic, lines[i].engine) {
                (true, Engine::PpOcr) => !latin && text.chars().any(|c| c.is_ascii_alphabetic()),
                (true, Engine::Tesseract) => true,
                (false, Engine::PpOcr) => !text.is_ascii(),
                (false, Engine::Tesseract) => false,
            }
        })
        .collect();
    if suspect.is_empty() {
        return;
    }
    let second = read_sheet(tesseract, crops, &suspect, &format!("{script}+eng"));
    for (&index, reading) in suspect.iter().zip(second) {
        let was_tesseract = lines[index].engine == Engine::Tesseract;
        if let Some((text, confidence)) = reading
            && crate::script::count(&text, is_script) > 0
            && confidence >= 0.5
            && (!was_tesseract || confidence > lines[index].confidence)
        {
            lines[index].text = if was_tesseract {
                text
            } else if cyrillic {
                merge_cyrillic(&lines[index].text, &text)
            } else {
                merge_readings(&lines[index].text, &text)
            };
            lines[index].confidence = confidence;
            lines[index].engine = Engine::Tesseract;
        }
    }
}

/// Combines two readings of a mixed line (`휴대폰 010-4821-3367`): PP-OCR reads the ASCII
/// part (digits, addresses) more reliably and Tesseract the script PP-OCR lacks, so the result
/// is Tesseract's non-ASCII words around PP-OCR's ASCII text. A line with little ASCII is
/// Tesseract's alone.
fn merge_readings(ppocr: &str, tesseract: &str) -> String {
    let ascii: String = ppocr.chars().filter(char::is_ascii).collect();
    let ascii = ascii.trim();
    if ascii.chars().filter(char::is_ascii_alphanumeric).count() < 5 {
        return tesseract.to_string();
    }
    let words: Vec<&str> = tesseract.split_whitespace().collect();
    let first_ascii = words
        .iter()
        .position(|w| w.is_ascii())
        .unwrap_or(words.len());
    let before: Vec<&str> = words[..first_ascii]
        .iter()
        .copied()
        .filter(|w| !w.is_ascii())
        .collect();
    let after: Vec<&str> = words[first_ascii..]
        .iter()
        .copied()
        .filter(|w| !w.is_ascii())
        .collect();
    [before.join(" "), ascii.to_string(), after.join(" ")]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a Cyrillic card is Ukrainian: a letter Russian lacks (і ї є ґ), a `.ua` domain or
/// a `+380` number.
fn ukrainian(lines: &[TextLine]) -> bool {
    lines.iter().any(|line| {
        let lower = line.text.to_lowercase();
        lower.chars().any(|c| "іїєґ".contains(c)) || lower.contains(".ua") || lower.contains("+380")
    })
}

/// Whether PP-OCR's reading of a line lost most of its letters: a Latin line has about two
/// letters or digits per line height of width, and one read in a script PP-OCR lacks keeps
/// only its digits and punctuation (`., 48` for `вул. Городоцька, 48`) or nothing. CJK
/// readings (one character per line height) are left alone.
fn lost_letters(line: &TextLine, crop: &RgbImage) -> bool {
    if line.text.chars().any(crate::script::is_cjk) {
        return false;
    }
    let aspect = crop.width() as f32 / crop.height().max(1) as f32;
    let kept = line.text.chars().filter(|c| c.is_alphanumeric()).count();
    aspect >= 1.5 && (kept as f32) < 1.3 * aspect
}

/// Combines two readings of a line on a Cyrillic card: Tesseract's, unless its digits differ
/// from PP-OCR's (which reads digits better), in which case Tesseract's text before its number
/// (a label: `Тел.`) goes before PP-OCR's from its number on. A number starts at a digit not
/// glued to a letter: PP-OCR reads `Моб.` as `Mo6.`, a digit inside a word.
fn merge_cyrillic(ppocr: &str, tesseract: &str) -> String {
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    if digits(ppocr) == digits(tesseract) {
        return tesseract.to_string();
    }
    let first_digit = |s: &str| {
        let mut previous = ' ';
        s.char_indices().find_map(|(at, c)| {
            let starts = c.is_ascii_digit() && !previous.is_alphanumeric();
            previous = c;
            starts.then_some(at)
        })
    };
    match (first_digit(ppocr), first_digit(tesseract)) {
        (Some(p), Some(t)) => format!("{}{}", &tesseract[..t], &ppocr[p..]),
        _ => tesseract.to_string(),
    }
}

/// Reads the crops at `indices` with Tesseract in one run over a sheet stacking them top to
/// bottom, one slot each; returns each slot's text and mean confidence.
fn read_sheet(
    tesseract: &Tesseract,
    crops: &[RgbImage],
    indices: &[usize],
    langs: &str,
) -> Vec<Option<(String, f32)>> {
    const SLOT: u32 = 64;
    const LINE: u32 = 40;
    let scaled: Vec<GrayImage> = indices
        .iter()
        .map(|&i| {
            let mut gray = DynamicImage::ImageRgb8(crops[i].clone()).to_luma8();
            // Tesseract expects dark text on light paper; a line printed white on a coloured
            // band is turned around.
            if dark_background(&gray) {
                image::imageops::invert(&mut gray);
            }
            stretch(&mut gray);
            let width = (gray.width() as f32 * LINE as f32 / gray.height().max(1) as f32)
                .round()
                .clamp(1.0, 2400.0) as u32;
            image::imageops::resize(&gray, width, LINE, image::imageops::FilterType::Triangle)
        })
        .collect();
    let sheet_width = scaled.iter().map(|s| s.width()).max().unwrap_or(1) + 2 * SLOT;
    let sheet_height = SLOT * (scaled.len() as u32 + 1);
    let mut sheet = GrayImage::from_pixel(sheet_width, sheet_height, image::Luma([255]));
    for (slot, line) in scaled.iter().enumerate() {
        let y = SLOT / 2 + slot as u32 * SLOT + (SLOT - LINE) / 2;
        image::imageops::overlay(&mut sheet, line, SLOT as i64, y as i64);
    }
    let Ok(read) = tesseract.read(&sheet, langs, 6) else {
        return vec![None; indices.len()];
    };
    (0..indices.len())
        .map(|slot| {
            let top = SLOT / 2 + slot as u32 * SLOT;
            let in_slot: Vec<&TextLine> = read
                .iter()
                .filter(|l| {
                    let centre = l.bbox.y + l.bbox.height / 2;
                    centre >= top && centre < top + SLOT
                })
                .collect();
            if in_slot.is_empty() {
                return None;
            }
            let text: Vec<&str> = in_slot.iter().map(|l| l.text.as_str()).collect();
            let confidence =
                in_slot.iter().map(|l| l.confidence).sum::<f32>() / in_slot.len() as f32;
            Some((text.join(" "), confidence))
        })
        .collect()
}

/// Whether a line crop is light text on a dark background: its median (the background, which
/// covers most of a line) is nearer its darkest than its lightest tones.
fn dark_background(gray: &GrayImage) -> bool {
    let mut values: Vec<u8> = gray.pixels().map(|p| p[0]).collect();
    if values.is_empty() {
        return false;
    }
    values.sort_unstable();
    let at = |q: f32| values[((values.len() - 1) as f32 * q) as usize] as i32;
    let (low, median, high) = (at(0.05), at(0.5), at(0.95));
    median - low < high - median
}

/// Stretches a crop's tones so its paper is white and its ink black: on a white sheet, a
/// crop left grey reads to Tesseract's binariser as a dark block, not as text.
fn stretch(gray: &mut GrayImage) {
    let mut values: Vec<u8> = gray.pixels().map(|p| p[0]).collect();
    if values.is_empty() {
        return;
    }
    values.sort_unstable();
    let low = values[(values.len() - 1) / 20] as f32;
    let high = values[(values.len() - 1) * 9 / 10] as f32;
    if high - low < 8.0 {
        return;
    }
    for pixel in gray.pixels_mut() {
        let v = (pixel[0] as f32 - low) * 255.0 / (high - low);
        pixel[0] = v.round().clamp(0.0, 255.0) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mixed_line_keeps_pp_ocrs_digits_and_tesseracts_hangul() {
        assert_eq!(
            merge_readings("喜010-4821-3367", "휴대폰 010-482-3367"),
            "휴대폰 010-4821-3367"
        );
        assert_eq!(merge_readings("召", "김민준"), "김민준");
    }

    #[test]
    fn a_cyrillic_line_keeps_tesseracts_letters_and_pp_ocrs_digits() {
        // PP-OCR reads `Тел.` as the look-alike `Ten.`; Tesseract misreads a digit.
        assert_eq!(
            merge_cyrillic("Ten.8 (495) 555-01-23", "Тел.8 (495) 555-01-28"),
            "Тел.8 (495) 555-01-23"
        );
        assert_eq!(
            merge_cyrillic("Mo6.: +380 67 555 2381", "Моб.: +380 67 555 2387"),
            "Моб.: +380 67 555 2381"
        );
        assert_eq!(
            merge_cyrillic("119021, r. Mocka", "119021, г. Москва"),
            "119021, г. Москва"
        );
    }

    #[test]
    fn a_line_read_without_its_letters_is_read_again() {
        let line = |text: &str| TextLine {
            text: text.into(),
            confidence: 0.95,
            bbox: crate::draft::BBox::default(),
            engine: Engine::PpOcr,
        };
        let crop = RgbImage::new(256, 46);
        assert!(lost_letters(&line("., 48"), &crop));
        assert!(lost_letters(&line(""), &crop));
        assert!(!lost_letters(&line("www.karpatsys.com.ua"), &crop));
        assert!(!lost_letters(&line("株式会社"), &crop));
    }
}
