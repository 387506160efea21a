//! Scoring drafts against the fixture cards' expected fields (`fixtures/cards/synthetic/*.json`),
//! shared by the end-to-end tests and the `cards` benchmark.
//!
//! Text fields are compared after mapping full-width forms to ASCII, dropping whitespace and
//! lowercasing, so `竹内 翔太` matches `竹内翔太` and `Aiko Sato` matches `AIKO SATO`; values
//! with a canonical form (E.164 phones, emails, URLs) must match exactly.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::draft::{Draft, FieldKind};
use crate::script::to_ascii_forms;

/// What a fixture card should read as (the `.json` beside each photo).
#[derive(Debug, Clone, Deserialize)]
pub struct Expected {
    /// `en`, `ja`, `zh`, `ko`, `ru`, `uk` or `vi`.
    pub lang: String,
    /// Degrees the card was turned in the photo.
    pub rotation: u16,
    /// `vcard`, `mecard` or none: the QR code printed on the card.
    pub qr: Option<String>,
    /// The Tesseract languages that fit the card, for the Tesseract-alone baseline.
    pub tesseract_langs: String,
    /// Photographed at a phone's full resolution (4032 × 3024).
    #[serde(default)]
    pub full_res: bool,
    /// Where the card's corners are in the photo (its own top-left first, clockwise).
    #[serde(default)]
    pub card_corners: Option<[[f32; 2]; 4]>,
    /// The fields.
    pub fields: ExpectedFields,
}

/// The expected fields of one card.
#[derive(Debug, Clone, Deserialize)]
pub struct ExpectedFields {
    /// First name.
    pub given_name: String,
    /// Last name.
    pub family_name: String,
    /// Reading of the first name, where printed.
    pub phonetic_given_name: Option<String>,
    /// Reading of the last name, where printed.
    pub phonetic_family_name: Option<String>,
    /// Job title.
    pub title: String,
    /// Department, where printed.
    pub department: Option<String>,
    /// Company.
    pub company: String,
    /// Phones with their labels.
    pub phones: Vec<ExpectedPhone>,
    /// Phones printed in a form that does not validate (Vietnam's numbers from before 2018):
    /// the draft must keep them as printed text, with a problem for the rep to fix.
    #[serde(default)]
    pub unchecked_phones: Vec<ExpectedUnchecked>,
    /// Email addresses.
    pub emails: Vec<String>,
    /// Web sites as absolute URLs.
    pub urls: Vec<String>,
    /// The card's country (ISO 3166-1 alpha-2), which is the region for its phone numbers.
    pub country: String,
    /// Social handles.
    #[serde(default)]
    pub social: Vec<ExpectedSocial>,
    /// The printed address in parts, where the card has one (and the reader splits its
    /// layout).
    #[serde(default)]
    pub address: Option<ExpectedAddress>,
    /// The full name as a contact list shows it (`WATANABE Kenji`, `Lương Văn Tâm`); without
    /// it, the name parts in the order sync-core's display rule gives them.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// An expected address, split as the contact stores it (a part not printed is empty).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExpectedAddress {
    /// Street lines, joined by newlines.
    pub street: String,
    /// City, ward or district.
    pub city: String,
    /// State, prefecture or province.
    pub region: String,
    /// Postal code.
    pub postal_code: String,
}

/// An expected phone number.
#[derive(Debug, Clone, Deserialize)]
pub struct ExpectedPhone {
    /// `work`, `mobile` or `fax`.
    pub label: String,
    /// E.164.
    pub e164: String,
}

/// A phone the reader must keep as printed, unchecked.
#[derive(Debug, Clone, Deserialize)]
pub struct ExpectedUnchecked {
    /// `work`, `mobile` or `fax`.
    pub label: String,
    /// The number as printed.
    pub raw: String,
}

/// An expected social handle.
#[derive(Debug, Clone, Deserialize)]
pub struct ExpectedSocial {
    /// The network.
    pub network: String,
    /// The handle.
    pub handle: String,
}

impl Expected {
    /// Reads the `.json` beside `photo`.
    pub fn for_photo(photo: &Path) -> Result<Self, String> {
        let path = photo.with_extension("json");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// The digits of a number, as unchecked phones are compared (OCR may read its spacing and
/// brackets differently).
fn digits(text: &str) -> String {
    to_ascii_forms(text)
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// Text as compared: ASCII forms, no whitespace, lowercase.
pub fn normalize(text: &str) -> String {
    to_ascii_forms(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Counts for one field over a set of cards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Values read that were expected.
    pub correct: usize,
    /// Values read.
    pub predicted: usize,
    /// Values expected.
    pub expected: usize,
}

impl Tally {
    /// Share of the values read that were right (1 when nothing was read).
    pub fn precision(&self) -> f64 {
        if self.predicted == 0 {
            1.0
        } else {
            self.correct as f64 / self.predicted as f64
        }
    }

    /// Share of the expected values that were read (1 when nothing was expected).
    pub fn recall(&self) -> f64 {
        if self.expected == 0 {
            1.0
        } else {
            self.correct as f64 / self.expected as f64
        }
    }

    fn add(&mut self, other: Tally) {
        self.correct += other.correct;
        self.predicted += other.predicted;
        self.expected += other.expected;
    }
}

/// Per-field tallies, by field name (`name`, `email`, …).
pub type Scores = BTreeMap<&'static str, Tally>;

/// Adds `more` into `total`.
pub fn accumulate(total: &mut Scores, more: &Scores) {
    for (field, tally) in more {
        total.entry(field).or_default().add(*tally);
    }
}

/// Compares a single-valued text field.
fn single(predicted: Option<String>, expected: Option<&str>) -> Tally {
    let expected = expected.map(normalize).filter(|e| !e.is_empty());
    let predicted = predicted.map(|p| normalize(&p)).filter(|p| !p.is_empty());
    Tally {
        correct: usize::from(expected.is_some() && expected == predicted),
        predicted: usize::from(predicted.is_some()),
        expected: usize::from(expected.is_some()),
    }
}

/// Compares a multi-valued field as sets.
fn set(predicted: Vec<String>, expected: Vec<String>) -> Tally {
    let mut predicted: Vec<String> = predicted.into_iter().map(|p| normalize(&p)).collect();
    predicted.sort();
    predicted.dedup();
    let expected: Vec<String> = expected.into_iter().map(|e| normalize(&e)).collect();
    Tally {
        correct: predicted.iter().filter(|p| expected.contains(p)).count(),
        predicted: predicted.len(),
        expected: expected.len(),
    }
}

/// Scores one draft against what its card should read as.
pub fn score(draft: &Draft, expected: &ExpectedFields) -> Scores {
    let text = |kind: FieldKind| draft.first(kind).map(|f| f.value.clone());
    let joined = |a: Option<String>, b: Option<String>| match (a, b) {
        (None, None) => None,
        (a, b) => Some(format!(
            "{}{}",
            a.unwrap_or_default(),
            b.unwrap_or_default()
        )),
    };
    let all = |kind: FieldKind| -> Vec<String> {
        draft.values(kind).into_iter().map(str::to_string).collect()
    };
    let mut scores = Scores::new();
    scores.insert(
        "name",
        single(
            joined(text(FieldKind::FamilyName), text(FieldKind::GivenName)),
            Some(&format!("{}{}", expected.family_name, expected.given_name)),
        ),
    );
    // The full name in the order a contact list shows it: the order matters here.
    let display = expected.display_name.clone().unwrap_or_else(|| {
        let name = sync_core::contact::Name {
            given: expected.given_name.clone(),
            family: expected.family_name.clone(),
            ..Default::default()
        };
        sync_core::contact::display::full_name(&name, None)
    });
    let shown = draft.full_name();
    scores.insert(
        "display_name",
        single((!shown.is_empty()).then_some(shown), Some(&display)),
    );
    let reading = match (
        &expected.phonetic_family_name,
        &expected.phonetic_given_name,
    ) {
        (Some(family), Some(given)) => Some(format!("{family}{given}")),
        _ => None,
    };
    scores.insert(
        "reading",
        single(
            joined(
                text(FieldKind::PhoneticFamilyName),
                text(FieldKind::PhoneticGivenName),
            ),
            reading.as_deref(),
        ),
    );
    scores.insert(
        "company",
        single(text(FieldKind::Company), Some(&expected.company)),
    );
    // Two titles are one value, as the contact stores them (`Co-Founder / CTO`).
    let titles = all(FieldKind::Title);
    let titles = (!titles.is_empty()).then(|| titles.join(" / "));
    scores.insert("title", single(titles, Some(&expected.title)));
    scores.insert(
        "department",
        single(text(FieldKind::Department), expected.department.as_deref()),
    );
    let checked = |f: &&crate::draft::Field| f.kind == FieldKind::Phone && f.problem.is_none();
    scores.insert(
        "phone",
        set(
            draft
                .fields
                .iter()
                .filter(checked)
                .map(|f| f.value.clone())
                .collect(),
            expected.phones.iter().map(|p| p.e164.clone()).collect(),
        ),
    );
    // Numbers that do not validate: kept as printed, with the reason (compared by digits).
    scores.insert(
        "phone_unchecked",
        set(
            draft
                .fields
                .iter()
                .filter(|f| f.kind == FieldKind::Phone && f.problem.is_some())
                .map(|f| digits(&f.value))
                .collect(),
            expected
                .unchecked_phones
                .iter()
                .map(|p| digits(&p.raw))
                .collect(),
        ),
    );
    let labelled: Vec<String> = draft
        .fields
        .iter()
        .filter(checked)
        .map(|f| format!("{}:{}", f.label, f.value))
        .collect();
    scores.insert(
        "phone_label",
        set(
            labelled,
            expected
                .phones
                .iter()
                .map(|p| format!("{}:{}", p.label, p.e164))
                .collect(),
        ),
    );
    // Address parts: a part the card does not print scores only if one is read anyway.
    let address = expected.address.clone().unwrap_or_default();
    for (name, kind, want) in [
        ("street", FieldKind::Street, &address.street),
        ("city", FieldKind::City, &address.city),
        ("region", FieldKind::Region, &address.region),
        ("postal_code", FieldKind::PostalCode, &address.postal_code),
    ] {
        scores.insert(name, single(text(kind), Some(want)));
    }
    scores.insert("email", set(all(FieldKind::Email), expected.emails.clone()));
    scores.insert("url", set(all(FieldKind::Url), expected.urls.clone()));
    scores.insert(
        "social",
        set(
            all(FieldKind::Social),
            expected.social.iter().map(|s| s.handle.clone()).collect(),
        ),
    );
    scores
}
