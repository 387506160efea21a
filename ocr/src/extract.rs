//! Field extraction: from recognised lines (text, box, confidence) to draft fields.
//!
//! Works in passes over the lines, most certain first. Values with a recognisable shape
//! (emails, URLs, social handles, labelled phones) are taken first wherever they are; address
//! lines are grouped next; what is left is ranked into name, company, title and department by
//! keywords, line height (names and companies are printed largest) and agreement with the email
//! address (`s.takeuchi@` confirms "Shin Takeuchi"). National phone numbers are read in a region
//! inferred from the card itself: a `+CC` prefix, the country in the address, the script, or
//! the email's domain.

pub mod address;
pub mod contact_info;
pub mod labels;
pub mod names;
pub mod phones;
mod region;

use crate::draft::{BBox, Field, FieldKind, Source, TextLine};
use crate::script::{count, is_cjk, mend_vietnamese_horn, to_ascii_forms};

pub use self::region::infer_region;

/// A line being worked on.
#[derive(Debug, Clone)]
struct Line {
    /// Text with full-width forms mapped to ASCII and spaces collapsed.
    text: String,
    /// Where it is.
    bbox: BBox,
    /// The engine's confidence.
    confidence: f32,
    /// Taken by a field already.
    used: bool,
}

/// What extraction found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Extraction {
    /// The fields, names first.
    pub fields: Vec<Field>,
    /// The region national numbers were read in.
    pub region: Option<String>,
}

/// Extracts draft fields from recognised lines (in any order; they are sorted here).
pub fn extract(lines: &[TextLine]) -> Extraction {
    let mut lines = prepare(lines);
    let region = infer_region(lines.iter().map(|l| l.text.as_str()));
    if region.as_deref() == Some("VN") {
        for line in &mut lines {
            line.text = mend_vietnamese_horn(&line.text);
        }
    }
    let mut out = Fields::default();

    // Pass 1: values with a shape of their own.
    let mut phones = Vec::new();
    let card_text: Vec<String> = lines.iter().map(|l| l.text.clone()).collect();
    for (index, line) in lines.iter_mut().enumerate() {
        let conf = line.confidence;
        let others: String = card_text
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != index)
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        for mut found in contact_info::find_emails(&line.text) {
            found.value = contact_info::unglue_email_label(&found.value, &others);
            out.push(FieldKind::Email, found, conf, line.bbox);
            line.used = true;
        }
        if let Some(found) = contact_info::find_social(&line.text) {
            out.push(FieldKind::Social, found, conf, line.bbox);
            line.used = true;
            continue;
        }
        for found in contact_info::find_urls(&line.text) {
            out.push(FieldKind::Url, found, conf, line.bbox);
            line.used = true;
        }
        let address_like = address::address_score(&line.text) >= 0.6;
        for found in phones::find_phones(&line.text, region.as_deref(), address_like) {
            let printed = found.certainty >= 0.9;
            phones.push((found, printed, conf, line.bbox));
            line.used = true;
        }
    }
    // Labels the layout gives where none is printed, then the phones in reading order.
    let mut labelled: Vec<(contact_info::Found, bool)> = phones
        .iter()
        .map(|(f, printed, ..)| (f.clone(), *printed))
        .collect();
    phones::label_by_position(&mut labelled);
    for ((found, _), (_, _, conf, bbox)) in labelled.into_iter().zip(phones) {
        out.push(FieldKind::Phone, found, conf, bbox);
    }

    // Pass 2: addresses, consecutive address lines joined.
    let address: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| !line.used && address::address_score(&line.text) >= 0.6)
        .map(|(index, _)| index)
        .collect();
    if !address.is_empty() {
        add_address(&mut out, &mut lines, &address);
    }

    // Pass 3: names, companies, titles, departments.
    let emails: Vec<String> = out.values(FieldKind::Email);
    // Vietnamese names are printed family first in Latin letters.
    let family_first = region.as_deref() == Some("VN");
    people::rank(&mut out, &mut lines, &emails, family_first);

    out.fields.sort_by_key(|f| f.kind);
    Extraction {
        fields: out.fields,
        region,
    }
}

/// Normalises the lines' text, sorts them in reading order and joins a bare label (`TEL`,
/// `E-mail:`) to the value printed right of it, which the detector often boxes apart.
fn prepare(lines: &[TextLine]) -> Vec<Line> {
    let mut prepared: Vec<Line> = lines
        .iter()
        .map(|line| Line {
            text: to_ascii_forms(&line.text)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            bbox: line.bbox,
            confidence: line.confidence,
            used: false,
        })
        .filter(|line| !line.text.is_empty())
        .collect();
    prepared.sort_by_key(|line| (line.bbox.y + line.bbox.height / 2, line.bbox.x));
    let mut index = 0;
    while index < prepared.len() {
        let (label, rest) = labels::strip_leading(&prepared[index].text);
        if label.is_some() && rest.is_empty() {
            let here = prepared[index].bbox;
            let centre = (here.y + here.height / 2) as i64;
            let partner = (0..prepared.len())
                .filter(|&j| j != index)
                .filter(|&j| {
                    let b = prepared[j].bbox;
                    let c = (b.y + b.height / 2) as i64;
                    (c - centre).abs() * 2 < here.height.max(b.height) as i64
                        && b.x >= here.x + here.width / 2
                        && b.x <= here.x + here.width + 3 * here.height
                })
                .min_by_key(|&j| prepared[j].bbox.x);
            if let Some(j) = partner {
                let value = prepared.remove(j);
                let at = if j < index { index - 1 } else { index };
                let line = &mut prepared[at];
                line.text = format!("{} {}", line.text, value.text);
                line.bbox = line.bbox.union(value.bbox);
                line.confidence = line.confidence.min(value.confidence);
            }
        }
        index += 1;
    }
    prepared
}

/// Adds the address made of the lines at `indices` (in reading order), splitting it where
/// lines are far apart.
fn add_address(out: &mut Fields, lines: &mut [Line], indices: &[usize]) {
    let mut group: Vec<usize> = Vec::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for &index in indices {
        if let Some(&last) = group.last() {
            let (a, b) = (lines[last].bbox, lines[index].bbox);
            if b.y > a.y + a.height + 2 * a.height.max(b.height) {
                groups.push(std::mem::take(&mut group));
            }
        }
        group.push(index);
    }
    groups.push(group);
    // The largest group is the address; a stray line elsewhere is more likely a misreading.
    let Some(best) = groups.into_iter().max_by_key(Vec::len) else {
        return;
    };
    let text: Vec<&str> = best.iter().map(|&i| lines[i].text.as_str()).collect();
    let text = text.join("\n");
    let bbox = best
        .iter()
        .map(|&i| lines[i].bbox)
        .reduce(BBox::union)
        .unwrap_or_default();
    let confidence = best
        .iter()
        .map(|&i| lines[i].confidence)
        .fold(1.0_f32, f32::min);
    let country = address::country_in(&text);
    let parts = address::split_address(&text);
    out.fields.push(Field {
        kind: FieldKind::Address,
        label: String::new(),
        value: text.clone(),
        raw: text,
        confidence: confidence * 0.85,
        source: Source::Ocr,
        bbox: Some(bbox),
        problem: None,
    });
    // The parts too, when the address has a shape the splitter knows: the contact stores them
    // apart, and the review screen can show the printed text beside them.
    if let Some(parts) = parts {
        for (kind, value) in [
            (FieldKind::Street, &parts.street),
            (FieldKind::City, &parts.city),
            (FieldKind::Region, &parts.region),
            (FieldKind::PostalCode, &parts.postal_code),
        ] {
            out.text(kind, value, confidence * 0.85, bbox);
        }
    }
    if let Some(code) = country {
        out.fields.push(Field {
            kind: FieldKind::Country,
            label: String::new(),
            value: code.to_string(),
            raw: code.to_string(),
            confidence: confidence * 0.9,
            source: Source::Ocr,
            bbox: Some(bbox),
            problem: None,
        });
    }
    for i in best {
        lines[i].used = true;
    }
}

/// The fields found so far.
#[derive(Default)]
struct Fields {
    fields: Vec<Field>,
}

impl Fields {
    fn push(&mut self, kind: FieldKind, found: contact_info::Found, confidence: f32, bbox: BBox) {
        // One value printed twice (front and a footer) is one field.
        if self
            .fields
            .iter()
            .any(|f| f.kind == kind && f.value == found.value)
        {
            return;
        }
        self.fields.push(Field {
            kind,
            label: found.label,
            value: found.value,
            raw: found.raw,
            confidence: (confidence * found.certainty).clamp(0.0, 1.0),
            source: Source::Ocr,
            bbox: Some(bbox),
            problem: found.problem,
        });
    }

    fn text(&mut self, kind: FieldKind, value: &str, confidence: f32, bbox: BBox) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        self.fields.push(Field {
            kind,
            label: String::new(),
            value: value.to_string(),
            raw: value.to_string(),
            confidence: confidence.clamp(0.0, 1.0),
            source: Source::Ocr,
            bbox: Some(bbox),
            problem: None,
        });
    }

    fn values(&self, kind: FieldKind) -> Vec<String> {
        self.fields
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| f.value.clone())
            .collect()
    }
}

/// Whether most letters of `text` are CJK.
fn mostly_cjk(text: &str) -> bool {
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    letters > 0 && count(text, is_cjk) * 2 >= letters
}

mod people;

#[cfg(test)]
mod tests;
