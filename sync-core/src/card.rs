//! Business-card drafts: what a scanned card reads as, and how the rep's review turns it into a
//! contact.
//!
//! The server reads a card photo into fields (each with a value, a confidence, a source and a
//! box on the photo) and syncs them to the scanning device as a [`CardDraft`]. The review
//! happens on the device, offline if need be: the rep keeps the fields they accept and either
//! saves them as a new contact ([`fields_to_contact`]) or merges them into one they already have
//! ([`merge_into`], "edit by scanning": values the contact lacks are added after the ones it has,
//! nothing it has is replaced). Both are here, beside the contact, so every client builds the
//! same contact from the same draft.

use serde::{Deserialize, Serialize};

use crate::contact::{
    Address, CardImage, Contact, DateEntry, Email, Organization, Phone, SocialHandle,
    SocialNetwork, Url,
};
use crate::ids::{CardId, ContactId, ItemId};

/// Where a field's value was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Text recognition: may hold misread characters.
    Ocr,
    /// A QR code's payload: exact.
    Qr,
}

/// An axis-aligned box in the upright photo's pixels (after EXIF orientation and the card's
/// detected rotation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BBox {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl BBox {
    /// The smallest box holding both.
    pub fn union(self, other: BBox) -> BBox {
        let x = self.x.min(other.x);
        let y = self.y.min(other.y);
        let right = (self.x + self.width).max(other.x + other.width);
        let bottom = (self.y + self.height).max(other.y + other.height);
        BBox {
            x,
            y,
            width: right - x,
            height: bottom - y,
        }
    }
}

/// What a field holds; one contact attribute each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// First name.
    GivenName,
    /// Last name.
    FamilyName,
    /// How the given name is read aloud (furigana, romanisation).
    PhoneticGivenName,
    /// How the family name is read aloud.
    PhoneticFamilyName,
    /// Job title.
    Title,
    /// Department or division.
    Department,
    /// Company name.
    Company,
    /// A phone number in E.164; the label says mobile, work or fax.
    Phone,
    /// An email address.
    Email,
    /// A web site as an absolute URL.
    Url,
    /// A postal address as printed, its lines joined by newlines.
    Address,
    /// The street part of the address (when the reader could split it).
    Street,
    /// The city or locality of the address.
    City,
    /// The state, prefecture or province of the address.
    Region,
    /// The postal code of the address.
    PostalCode,
    /// The address's country as ISO 3166-1 alpha-2.
    Country,
    /// A handle on a social network; the label names the network.
    Social,
    /// A birthday as `YYYY-MM-DD` (from vCards).
    Birthday,
    /// Free text (a vCard's NOTE).
    Note,
}

/// One value read from the card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Which attribute.
    pub kind: FieldKind,
    /// `mobile` / `work` / `fax` for phones, the network for social handles, else empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// The value in its stored form (E.164, lowercase-domain email, absolute URL, plain text).
    pub value: String,
    /// The text as printed or encoded, before normalisation.
    pub raw: String,
    /// How sure the reader is, from 0 to 1 (QR values are 1).
    pub confidence: f32,
    /// Where the value came from.
    pub source: Source,
    /// Where on the photo, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bbox: Option<BBox>,
    /// Why the value is not in its stored form and must be fixed at review before it can be
    /// saved: a phone-shaped number that does not validate keeps its printed text as `value`
    /// and says why here (`is not a valid phone number in VN`). [`check_kept`] refuses such a
    /// field; [`fix_phone`] mends it from what the rep types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// Why the fields a rep kept cannot be saved yet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// A phone kept as printed text, which the reader could not check: fix it or drop it.
    #[error("phone {raw:?} (field {index}) {problem}: correct it or leave it out")]
    PhoneNotChecked {
        /// Its index among the fields checked.
        index: usize,
        /// The text as printed.
        raw: String,
        /// Why it was not accepted.
        problem: String,
    },
}

/// Checks the fields a rep kept before they become a contact: a field still carrying a
/// [`Field::problem`] (a number that did not validate) is refused, so a phone is never saved
/// as E.164 unchecked nor silently dropped.
pub fn check_kept(fields: &[Field]) -> Result<(), ReviewError> {
    match fields
        .iter()
        .enumerate()
        .find(|(_, field)| field.problem.is_some())
    {
        Some((index, field)) => Err(ReviewError::PhoneNotChecked {
            index,
            raw: field.raw.clone(),
            problem: field.problem.clone().unwrap_or_default(),
        }),
        None => Ok(()),
    }
}

/// Mends a phone field from what the rep typed at review (`+84 28 3823 4567`, or a national
/// number read in `region`): on success the field holds the E.164 number, the typed text as
/// `raw`, no problem and full confidence; on failure it is unchanged and the error says why.
pub fn fix_phone(
    field: &mut Field,
    typed: &str,
    region: Option<&str>,
) -> Result<(), crate::validate::FieldError> {
    let e164 = crate::validate::parse_phone("phones[0].e164", typed, region)?;
    field.value = e164;
    field.raw = typed.trim().to_string();
    field.problem = None;
    field.confidence = 1.0;
    Ok(())
}

/// Where a scanned card is in its reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardStatus {
    /// Uploaded, waiting for a worker.
    Queued,
    /// A worker is reading it.
    Reading,
    /// Read: the draft is ready for review.
    Ready,
    /// It could not be read; `error` says why.
    Failed,
    /// The rep saved or dismissed the draft; it is no longer offered.
    Done,
}

/// A card's reading, as synced to the device that scanned it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardDraft {
    /// The card (chosen by the device when it took the photo, so retried uploads are one card).
    pub card: CardId,
    /// Where the reading is.
    pub status: CardStatus,
    /// Fields read, the most confident of each kind first.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// The region (ISO 3166-1 alpha-2) national phone numbers were read in, when inferred.
    #[serde(default)]
    pub region: Option<String>,
    /// The stored photos (front, then back), to attach to the contact it is saved as.
    #[serde(default)]
    pub images: Vec<CardImage>,
    /// Contacts the member can see that share an email or phone with the draft: it may be one
    /// of them, and merging may be what the rep wants.
    #[serde(default)]
    pub duplicates: Vec<ContactId>,
    /// Why it could not be read, for `failed`: a stable code then a message.
    #[serde(default)]
    pub error: Option<CardError>,
}

/// Why a card could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardError {
    /// Stable machine-readable code (`image_corrupt`, `image_too_large`, `read_timeout`, …).
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
}

/// The first field of `kind`, which is the most confident one for single-valued kinds.
fn first(fields: &[Field], kind: FieldKind) -> Option<&Field> {
    fields.iter().find(|field| field.kind == kind)
}

fn text(fields: &[Field], kind: FieldKind) -> String {
    first(fields, kind)
        .map(|field| field.value.clone())
        .unwrap_or_default()
}

/// The language a contact saved from a card read in `region` takes when it has none, so its
/// name keeps the order the card printed it in. The reader takes a Latin name on a Vietnamese
/// card family name first (`Luong Van Tam`), and where the photo lost Vietnam's own letters
/// (PP-OCR's dictionary lacks most of them) only the contact's language tells the display
/// rule ([`crate::contact::display::family_first`]) so. Elsewhere a name's script or its
/// capitals show its order, and no language is assumed.
pub fn card_language(region: Option<&str>) -> Option<&'static str> {
    region
        .filter(|region| region.eq_ignore_ascii_case("VN"))
        .map(|_| "vi")
}

/// The fields as a new contact, each list item with an id from `new_id`. Every field goes in;
/// the review removes what the rep rejects before calling this.
pub fn fields_to_contact(fields: &[Field], new_id: impl FnMut() -> ItemId) -> Contact {
    let mut contact = Contact::default();
    merge_into(&mut contact, fields, new_id);
    contact
}

/// "Edit by scanning": adds what the card says to `contact`. Single values (name parts) fill
/// only what is empty; list values (phones, emails, …) the contact lacks are appended after
/// its own, so nothing the rep or a teammate typed is replaced or reordered.
pub fn merge_into(contact: &mut Contact, fields: &[Field], mut new_id: impl FnMut() -> ItemId) {
    let fill = |slot: &mut String, kind| {
        if slot.is_empty() {
            *slot = text(fields, kind);
        }
    };
    fill(&mut contact.name.given, FieldKind::GivenName);
    fill(&mut contact.name.family, FieldKind::FamilyName);
    fill(
        &mut contact.name.phonetic_given,
        FieldKind::PhoneticGivenName,
    );
    fill(
        &mut contact.name.phonetic_family,
        FieldKind::PhoneticFamilyName,
    );

    // A card with two titles (`Founder / Chief Technology Officer`) gives one each.
    let title = fields
        .iter()
        .filter(|field| field.kind == FieldKind::Title && !field.value.trim().is_empty())
        .map(|field| field.value.trim())
        .collect::<Vec<_>>()
        .join(" / ");
    let (company, department) = (
        text(fields, FieldKind::Company),
        text(fields, FieldKind::Department),
    );
    let printed = !(company.is_empty() && department.is_empty() && title.is_empty());
    match contact
        .organizations
        .iter_mut()
        .find(|org| same_organization(org, &company, &department, &title))
    {
        // The card's parts the organisation lacks fill it; the spelling it has stays.
        Some(org) => {
            for (slot, printed) in [
                (&mut org.company, company),
                (&mut org.department, department),
                (&mut org.title, title),
            ] {
                if slot.is_empty() {
                    *slot = printed;
                }
            }
        }
        None if printed => contact.organizations.push(Organization {
            id: new_id(),
            company,
            department,
            title,
        }),
        None => {}
    }
    merge_address(contact, fields, &mut new_id);

    for field in fields {
        match field.kind {
            FieldKind::Phone if !contact.phones.iter().any(|p| p.e164 == field.value) => {
                contact.phones.push(Phone {
                    id: new_id(),
                    label: field.label.clone(),
                    e164: field.value.clone(),
                    raw: field.raw.clone(),
                })
            }
            FieldKind::Email
                if !contact
                    .emails
                    .iter()
                    .any(|e| e.address.eq_ignore_ascii_case(&field.value)) =>
            {
                contact.emails.push(Email {
                    id: new_id(),
                    label: "work".into(),
                    address: field.value.clone(),
                })
            }
            FieldKind::Url if !contact.urls.iter().any(|u| u.url == field.value) => {
                contact.urls.push(Url {
                    id: new_id(),
                    label: "work".into(),
                    url: field.value.clone(),
                })
            }
            FieldKind::Social => {
                let network = network_of(&field.label);
                if !contact
                    .social
                    .iter()
                    .any(|s| s.network == network && s.handle == field.value)
                {
                    contact.social.push(SocialHandle {
                        id: new_id(),
                        network,
                        handle: field.value.clone(),
                    });
                }
            }
            FieldKind::Birthday => {
                let known = contact.dates.iter().any(|d| d.label == "birthday");
                if let (false, Ok(date)) =
                    (known, crate::validate::parse_date("birthday", &field.value))
                {
                    contact.dates.push(DateEntry {
                        id: new_id(),
                        label: "birthday".into(),
                        date,
                    });
                }
            }
            FieldKind::Note if !contact.notes.0.contains(&field.value) => {
                if !contact.notes.0.is_empty() {
                    contact.notes.0.push('\n');
                }
                contact.notes.0.push_str(&field.value);
            }
            _ => {}
        }
    }
}

/// Whether a card's company, department and title describe `org`: no part contradicts one
/// the organisation has, and at least one part is the same (ignoring case, punctuation,
/// spacing and, for the company, its legal form: "ACME, Inc." is "Acme"). A card naming a
/// different title at the same company is a second organisation, so the title the contact
/// had is not lost.
fn same_organization(org: &Organization, company: &str, department: &str, title: &str) -> bool {
    let parts = [
        (company_key(&org.company), company_key(company)),
        (words_key(&org.department), words_key(department)),
        (words_key(&org.title), words_key(title)),
    ];
    let agree = parts
        .iter()
        .all(|(has, printed)| has.is_empty() || printed.is_empty() || has == printed);
    let shared = parts
        .iter()
        .any(|(has, printed)| !has.is_empty() && has == printed);
    agree && shared
}

/// A department or title as compared: its words in lower case, punctuation dropped.
fn words_key(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Legal forms a company name may carry or drop, as words (lower case, no punctuation).
const LEGAL_FORMS: &[&str] = &[
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "limited",
    "llc",
    "llp",
    "plc",
    "gmbh",
    "ag",
    "kg",
    "sa",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "oy",
    "ab",
    "as",
    "pty",
    "pte",
    "kk",
    "株式会社",
    "有限会社",
    "合同会社",
    "株",
];

/// A company name as compared: [`words_key`] without legal forms at either end ("Initech
/// Co., Ltd." and "株式会社 Initech" are "initech"). A name that is nothing but a legal form
/// is kept whole.
fn company_key(name: &str) -> String {
    let key = words_key(name);
    let mut words: Vec<&str> = key.split(' ').filter(|word| !word.is_empty()).collect();
    while words.len() > 1 && words.last().is_some_and(|word| LEGAL_FORMS.contains(word)) {
        words.pop();
    }
    while words.len() > 1 && words.first().is_some_and(|word| LEGAL_FORMS.contains(word)) {
        words.remove(0);
    }
    words.join(" ")
}

/// One address from the address fields: the split parts when the reader found them, else the
/// printed text in the street lines (a person can split it at review). Skipped when the
/// contact already has the same street.
fn merge_address(contact: &mut Contact, fields: &[Field], new_id: &mut impl FnMut() -> ItemId) {
    let printed = text(fields, FieldKind::Address);
    let street = text(fields, FieldKind::Street);
    let (city, region, postal_code) = (
        text(fields, FieldKind::City),
        text(fields, FieldKind::Region),
        text(fields, FieldKind::PostalCode),
    );
    let split = !(street.is_empty() && city.is_empty() && postal_code.is_empty());
    let street = if split { street } else { printed };
    if street.is_empty() && city.is_empty() {
        return;
    }
    let same = |a: &str, b: &str| a.split_whitespace().eq(b.split_whitespace());
    if contact
        .addresses
        .iter()
        .any(|address| same(&address.street, &street) && same(&address.city, &city))
    {
        return;
    }
    contact.addresses.push(Address {
        id: new_id(),
        label: "work".into(),
        street,
        city,
        region,
        postal_code,
        country: text(fields, FieldKind::Country),
    });
}

/// Attaches the card's photos to `contact`, skipping any it already holds.
pub fn attach_images(contact: &mut Contact, images: &[CardImage]) {
    for image in images {
        if !contact
            .card_images
            .iter()
            .any(|held| held.blob.sha256 == image.blob.sha256)
        {
            contact.card_images.push(image.clone());
        }
    }
}

/// The network a social field's label names; unknown labels are `Other`.
pub fn network_of(label: &str) -> SocialNetwork {
    match label {
        "facebook" => SocialNetwork::Facebook,
        "whatsapp" => SocialNetwork::Whatsapp,
        "wechat" => SocialNetwork::Wechat,
        "x" => SocialNetwork::X,
        "linkedin" => SocialNetwork::Linkedin,
        "telegram" => SocialNetwork::Telegram,
        "line" => SocialNetwork::Line,
        "instagram" => SocialNetwork::Instagram,
        "kakaotalk" => SocialNetwork::Kakaotalk,
        _ => SocialNetwork::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(kind: FieldKind, label: &str, value: &str) -> Field {
        Field {
            kind,
            label: label.into(),
            value: value.into(),
            raw: value.into(),
            confidence: 0.9,
            source: Source::Ocr,
            bbox: None,
            problem: None,
        }
    }

    fn ids() -> impl FnMut() -> ItemId {
        let mut next = 0;
        move || {
            next += 1;
            ItemId::from(format!("i{next}").as_str())
        }
    }

    #[test]
    fn scanning_adds_new_values_below_the_existing_ones_and_replaces_nothing() {
        let mut contact = fields_to_contact(
            &[
                field(FieldKind::GivenName, "", "Mara"),
                field(FieldKind::FamilyName, "", "Lindqvist"),
                field(FieldKind::Phone, "work", "+4681234567"),
            ],
            ids(),
        );
        let mut more = ids();
        let _ = more();
        let _ = more();
        let _ = more();
        merge_into(
            &mut contact,
            &[
                field(FieldKind::GivenName, "", "M."),
                field(FieldKind::Phone, "work", "+4681234567"),
                field(FieldKind::Phone, "mobile", "+46701234567"),
                field(FieldKind::Email, "", "mara@nordkap.example"),
            ],
            more,
        );
        assert_eq!(contact.name.given, "Mara", "a typed name is never replaced");
        let phones: Vec<&str> = contact.phones.iter().map(|p| p.e164.as_str()).collect();
        assert_eq!(phones, ["+4681234567", "+46701234567"]);
        assert_eq!(contact.emails[0].address, "mara@nordkap.example");
    }

    fn org(company: &str, department: &str, title: &str) -> Organization {
        Organization {
            id: ItemId::from("o1"),
            company: company.into(),
            department: department.into(),
            title: title.into(),
        }
    }

    fn scan_card_onto(
        existing: Organization,
        company: &str,
        department: &str,
        title: &str,
    ) -> Contact {
        let mut contact = Contact {
            organizations: vec![existing],
            ..Contact::default()
        };
        let mut printed = Vec::new();
        for (kind, value) in [
            (FieldKind::Company, company),
            (FieldKind::Department, department),
            (FieldKind::Title, title),
        ] {
            if !value.is_empty() {
                printed.push(field(kind, "", value));
            }
        }
        merge_into(&mut contact, &printed, ids());
        contact
    }

    #[test]
    fn a_card_of_the_same_company_fills_its_organisation_whatever_the_spelling() {
        let contact = scan_card_onto(
            org("Acme Inc.", "", "Sales Manager"),
            "ACME",
            "Sales",
            "sales manager",
        );
        assert_eq!(
            contact.organizations,
            [org("Acme Inc.", "Sales", "Sales Manager")],
            "one organisation: the department filled, the spelling the rep had kept"
        );
        for printed in ["Initech", "INITECH Co., Ltd.", "株式会社 Initech"] {
            let contact = scan_card_onto(org("Initech Ltd", "R&D", ""), printed, "", "Engineer");
            assert_eq!(
                contact.organizations,
                [org("Initech Ltd", "R&D", "Engineer")],
                "{printed}"
            );
        }
    }

    #[test]
    fn a_new_title_or_another_company_is_a_second_organisation() {
        let promoted = scan_card_onto(org("Acme", "", "Engineer"), "Acme Corp", "", "CTO");
        let titles: Vec<&str> = promoted
            .organizations
            .iter()
            .map(|org| org.title.as_str())
            .collect();
        assert_eq!(
            titles,
            ["Engineer", "CTO"],
            "the title the contact had is kept"
        );
        let moved = scan_card_onto(org("Acme", "", "Engineer"), "Globex", "", "Engineer");
        assert_eq!(moved.organizations.len(), 2);
        assert_eq!(moved.organizations[1].company, "Globex");
        let nothing = scan_card_onto(org("Acme", "", "Engineer"), "", "", "");
        assert_eq!(nothing.organizations, [org("Acme", "", "Engineer")]);
    }

    #[test]
    fn a_number_that_did_not_validate_is_refused_until_the_rep_fixes_it() {
        let mut phone = Field {
            confidence: 0.3,
            problem: Some("is not a valid phone number in VN".into()),
            ..field(FieldKind::Phone, "work", "028 823 4567")
        };
        let fields = vec![field(FieldKind::GivenName, "", "An"), phone.clone()];
        assert_eq!(
            check_kept(&fields),
            Err(ReviewError::PhoneNotChecked {
                index: 1,
                raw: "028 823 4567".into(),
                problem: "is not a valid phone number in VN".into()
            })
        );
        assert!(
            fix_phone(&mut phone, "028 823 4567", Some("VN")).is_err(),
            "typing it again as printed is no fix"
        );
        assert_eq!(
            phone.problem.as_deref(),
            Some("is not a valid phone number in VN")
        );
        fix_phone(&mut phone, "028 3823 4567", Some("VN")).unwrap();
        assert_eq!(phone.value, "+842838234567");
        assert_eq!(phone.problem, None);
        let fields = vec![field(FieldKind::GivenName, "", "An"), phone];
        assert_eq!(check_kept(&fields), Ok(()));
        let contact = fields_to_contact(&fields, ids());
        assert_eq!(contact.phones[0].e164, "+842838234567");
        assert_eq!(contact.phones[0].raw, "028 3823 4567");
    }

    #[test]
    fn a_vietnamese_name_read_without_its_marks_keeps_the_printed_order_once_saved() {
        let fields = [
            field(FieldKind::GivenName, "", "Van Tam"),
            field(FieldKind::FamilyName, "", "Luong"),
        ];
        let mut contact = fields_to_contact(&fields, ids());
        assert_eq!(
            contact.display_name(),
            "Van Tam Luong",
            "no mark shows the order"
        );
        contact.language = card_language(Some("VN")).map(String::from);
        assert_eq!(contact.display_name(), "Luong Van Tam");
        assert_eq!(card_language(Some("vn")), Some("vi"));
        assert_eq!(
            card_language(Some("JP")),
            None,
            "kanji show their own order"
        );
        assert_eq!(card_language(None), None);
    }

    #[test]
    fn two_titles_on_a_card_are_both_kept() {
        let contact = fields_to_contact(
            &[
                field(FieldKind::Company, "", "Kestrel & Finch Ltd"),
                field(FieldKind::Title, "", "Co-Founder"),
                field(FieldKind::Title, "", "Chief Technology Officer"),
            ],
            ids(),
        );
        assert_eq!(
            contact.organizations[0].title,
            "Co-Founder / Chief Technology Officer"
        );
    }

    #[test]
    fn split_address_parts_fill_the_address() {
        let contact = fields_to_contact(
            &[
                field(FieldKind::Address, "", "Storgatan 5\n114 51 Stockholm"),
                field(FieldKind::Street, "", "Storgatan 5"),
                field(FieldKind::PostalCode, "", "114 51"),
                field(FieldKind::City, "", "Stockholm"),
                field(FieldKind::Country, "", "SE"),
            ],
            ids(),
        );
        let address = &contact.addresses[0];
        assert_eq!(
            (
                address.street.as_str(),
                address.city.as_str(),
                address.postal_code.as_str()
            ),
            ("Storgatan 5", "Stockholm", "114 51")
        );
        assert_eq!(address.country, "SE");
    }
}
