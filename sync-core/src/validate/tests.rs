//! Whole-contact validation: one behaviour per test, on fictional data.

use super::*;
use crate::contact::{
    Activity, ActivityKind, Address, BlobRef, CardImage, CardSide, DateEntry, Email, Organization,
    PartialDate, Phone, SocialHandle, SocialNetwork, Url,
};

/// A contact with every field filled in validly.
fn full_contact() -> Contact {
    let mut contact = Contact::default();
    contact.name.given = "Aiko".into();
    contact.name.family = "Sato".into();
    contact.name.phonetic_family = "さとう".into();
    contact.phones.push(phone("p1", "+81312345678"));
    contact.phones.push(phone("p2", "+14155550132"));
    contact.emails.push(Email {
        id: "e1".into(),
        label: "work".into(),
        address: "aiko.sato@example.com".into(),
    });
    contact.addresses.push(Address {
        id: "a1".into(),
        label: "work".into(),
        street: "1-2-3 Example-cho".into(),
        city: "Chiyoda-ku".into(),
        region: "Tokyo".into(),
        postal_code: "100-0001".into(),
        country: "JP".into(),
    });
    contact.organizations.push(org("o1", "Example Trading"));
    contact.dates.push(DateEntry {
        id: "d1".into(),
        label: "birthday".into(),
        date: PartialDate {
            year: None,
            month: 2,
            day: 29,
        },
    });
    contact.urls.push(Url {
        id: "u1".into(),
        label: "work".into(),
        url: "https://www.example.com/".into(),
    });
    contact.social.push(SocialHandle {
        id: "s1".into(),
        network: SocialNetwork::Line,
        handle: "aiko.example".into(),
    });
    contact.language = Some("ja-JP".into());
    contact.tags.insert("trade show 2025".into(), true);
    contact.notes = "Prefers morning calls.".into();
    contact
        .custom
        .insert("Budget".into(), CustomValue::Number(1_500_000.0));
    contact.custom.insert(
        "Renewal".into(),
        CustomValue::Date(PartialDate {
            year: Some(2026),
            month: 3,
            day: 31,
        }),
    );
    contact.activity.push(activity("act1"));
    contact.card_images.push(CardImage {
        id: "c1".into(),
        side: CardSide::Front,
        blob: BlobRef {
            sha256: "ab".repeat(32),
            mime: "image/jpeg".into(),
            bytes: 48_000,
        },
    });
    contact
}

fn phone(id: &str, e164: &str) -> Phone {
    Phone {
        id: id.into(),
        label: "work".into(),
        e164: e164.into(),
        raw: e164.into(),
    }
}

fn org(id: &str, company: &str) -> Organization {
    Organization {
        id: id.into(),
        company: company.into(),
        department: String::new(),
        title: String::new(),
    }
}

fn activity(id: &str) -> Activity {
    Activity {
        id: id.into(),
        kind: ActivityKind::Call,
        at_ms: 1_700_000_000_000,
        by: "mina".into(),
        text: "Called about the quote.".into(),
    }
}

/// The errors `validate` reports, or none.
fn errors_of(contact: &Contact) -> Vec<FieldError> {
    validate(contact)
        .err()
        .map(|errors| errors.0)
        .unwrap_or_default()
}

#[test]
fn a_fully_filled_contact_is_valid() {
    assert_eq!(errors_of(&full_contact()), []);
}

#[test]
fn an_empty_contact_needs_a_name() {
    assert_eq!(errors_of(&Contact::default()), [FieldError::NameRequired]);
}

#[test]
fn a_company_alone_is_name_enough() {
    let mut contact = Contact::default();
    contact.organizations.push(org("o1", "Example Corp"));
    assert_eq!(errors_of(&contact), []);
}

#[test]
fn blank_names_and_titles_do_not_count_as_a_name() {
    let mut contact = Contact::default();
    contact.name.given = "   ".into();
    contact.name.prefix = "Dr.".into();
    contact.organizations.push(Organization {
        title: "Buyer".into(),
        ..org("o1", " ")
    });
    assert_eq!(errors_of(&contact), [FieldError::NameRequired]);
}

#[test]
fn every_problem_is_reported_in_field_order() {
    let mut contact = full_contact();
    contact.name.given.clear();
    contact.name.family.clear();
    contact.organizations.clear();
    contact.phones[1].e164 = "+1 555".into();
    contact.emails[0].address = "aiko.sato@example".into();
    contact.language = Some("japanese".into());
    let errors = errors_of(&contact);
    let found: Vec<(&str, &str)> = errors
        .iter()
        .map(|error| (error.code(), error.field()))
        .collect();
    assert_eq!(
        found,
        [
            ("name_required", "name"),
            ("phone_invalid", "phones[1].e164"),
            ("email_invalid", "emails[0].address"),
            ("language_invalid", "language"),
        ]
    );
    let message = validate(&contact).unwrap_err().to_string();
    assert!(message.starts_with("4 problems: name: "), "{message}");
    assert!(
        message.contains(r#"phones[1].e164: "+1 555" is not a phone number in E.164 form"#),
        "{message}"
    );
}

#[test]
fn stored_phones_must_be_canonical_e164() {
    let mut contact = full_contact();
    contact.phones[0].e164 = "03-1234-5678".into();
    assert!(matches!(
        errors_of(&contact).as_slice(),
        [FieldError::PhoneInvalid { field, value, .. }] if field == "phones[0].e164" && value == "03-1234-5678"
    ));
}

#[test]
fn stored_emails_must_be_addresses() {
    let mut contact = full_contact();
    contact.emails[0].address = "aiko sato@example.com".into();
    assert_eq!(
        errors_of(&contact),
        [FieldError::EmailInvalid {
            field: "emails[0].address".into(),
            value: "aiko sato@example.com".into()
        }]
    );
}

#[test]
fn stored_dates_must_exist() {
    let mut contact = full_contact();
    contact.dates[0].date = PartialDate {
        year: Some(2023),
        month: 2,
        day: 29,
    };
    contact.dates.push(DateEntry {
        id: "d2".into(),
        label: "anniversary".into(),
        date: PartialDate {
            year: None,
            month: 4,
            day: 31,
        },
    });
    assert_eq!(
        errors_of(&contact),
        [
            FieldError::DateInvalid {
                field: "dates[0].date".into(),
                value: "2023-02-29".into()
            },
            FieldError::DateInvalid {
                field: "dates[1].date".into(),
                value: "--04-31".into()
            },
        ]
    );
}

#[test]
fn stored_countries_must_be_uppercase_alpha2() {
    let mut contact = full_contact();
    contact.addresses[0].country = "Japan".into();
    assert_eq!(
        errors_of(&contact),
        [FieldError::CountryInvalid {
            field: "addresses[0].country".into(),
            value: "Japan".into()
        }]
    );
    contact.addresses[0].country = String::new();
    assert_eq!(errors_of(&contact), []);
}

#[test]
fn stored_urls_must_be_absolute_http() {
    let mut contact = full_contact();
    contact.urls[0].url = "ftp://files.example.com/".into();
    assert_eq!(
        errors_of(&contact),
        [FieldError::UrlInvalid {
            field: "urls[0].url".into(),
            value: "ftp://files.example.com/".into()
        }]
    );
}

#[test]
fn lists_hold_at_most_a_hundred_items() {
    let mut contact = full_contact();
    contact.phones = (0..=MAX_LIST_ITEMS)
        .map(|n| phone(&format!("p{n}"), "+81312345678"))
        .collect();
    contact.card_images = (0..=MAX_LIST_ITEMS)
        .map(|n| CardImage {
            id: format!("c{n}").as_str().into(),
            ..contact.card_images[0].clone()
        })
        .collect();
    assert_eq!(
        errors_of(&contact),
        [
            FieldError::TooManyItems {
                field: "phones".into(),
                count: 101,
                max: 100
            },
            FieldError::TooManyItems {
                field: "card_images".into(),
                count: 101,
                max: 100
            },
        ]
    );
}

#[test]
fn only_the_first_hundred_items_of_an_overlong_list_are_checked() {
    let mut contact = full_contact();
    contact.emails = (0..1_000)
        .map(|n| Email {
            id: format!("e{n}").as_str().into(),
            label: String::new(),
            address: "bad".into(),
        })
        .collect();
    let errors = errors_of(&contact);
    assert_eq!(
        errors[0],
        FieldError::TooManyItems {
            field: "emails".into(),
            count: 1_000,
            max: 100
        }
    );
    assert_eq!(errors.len(), 1 + MAX_LIST_ITEMS);
    assert_eq!(errors[100].field(), "emails[99].address");
}

#[test]
fn the_activity_log_may_grow_past_a_hundred_but_not_past_ten_thousand() {
    let mut contact = full_contact();
    contact.activity = (0..500).map(|n| activity(&format!("act{n}"))).collect();
    assert_eq!(errors_of(&contact), []);
    contact.activity = (0..=MAX_ACTIVITY_ITEMS)
        .map(|n| activity(&format!("act{n}")))
        .collect();
    assert_eq!(
        errors_of(&contact),
        [FieldError::TooManyItems {
            field: "activity".into(),
            count: 10_001,
            max: 10_000
        }]
    );
}

#[test]
fn item_ids_are_unique_and_present_within_each_list() {
    let mut contact = full_contact();
    contact.phones.push(phone("p1", "+14155550132"));
    contact.urls.push(Url {
        id: "".into(),
        label: String::new(),
        url: "https://example.com".into(),
    });
    // The same id in two different lists is fine: ids only need to be unique within a list.
    contact.emails[0].id = "p2".into();
    assert_eq!(
        errors_of(&contact),
        [
            FieldError::DuplicateItemId {
                field: "phones[2].id".into(),
                id: "p1".into()
            },
            FieldError::ItemIdMissing {
                field: "urls[1].id".into()
            },
        ]
    );
}

#[test]
fn text_fields_have_length_limits() {
    let mut contact = full_contact();
    contact.name.given = "あ".repeat(MAX_TEXT_CHARS + 1);
    contact.organizations[0].title = "t".repeat(MAX_TEXT_CHARS);
    contact.notes = "n".repeat(MAX_NOTES_CHARS + 1).as_str().into();
    contact.activity[0].text = "a".repeat(MAX_NOTES_CHARS + 2);
    assert_eq!(
        errors_of(&contact),
        [
            FieldError::TooLong {
                field: "name.given".into(),
                length: 1_001,
                max: 1_000
            },
            FieldError::TooLong {
                field: "notes".into(),
                length: 100_001,
                max: 100_000
            },
            FieldError::TooLong {
                field: "activity[0].text".into(),
                length: 100_002,
                max: 100_000
            },
        ]
    );
}

#[test]
fn language_tags_are_plausible_bcp47() {
    for tag in [
        "en",
        "ja",
        "ja-JP",
        "zh-Hant",
        "zh-Hant-TW",
        "sr-Latn-RS",
        "es-419",
        "fil",
    ] {
        assert_eq!(check_language("language", tag), Ok(()), "{tag}");
    }
    for tag in [
        "",
        "e",
        "english",
        "en_US",
        "en-",
        "-en",
        "en--US",
        "1a",
        "en-toolongsubtag",
        "日本語",
    ] {
        assert_eq!(
            check_language("language", tag),
            Err(FieldError::LanguageInvalid {
                field: "language".into(),
                value: tag.into()
            }),
            "{tag:?}"
        );
    }
}

#[test]
fn tags_are_not_blank_and_at_most_a_hundred_characters() {
    let mut contact = full_contact();
    let long = "t".repeat(MAX_TAG_CHARS + 1);
    contact.tags.insert(" ".into(), true);
    contact.tags.insert(long.clone(), true);
    contact.tags.insert("t".repeat(MAX_TAG_CHARS), true);
    assert_eq!(
        errors_of(&contact),
        [
            FieldError::TagInvalid {
                field: r#"tags[" "]"#.into(),
                value: " ".into()
            },
            FieldError::TagInvalid {
                field: format!("tags[{long:?}]"),
                value: long
            },
        ]
    );
}

#[test]
fn custom_fields_need_a_name_and_a_sound_value() {
    let mut contact = full_contact();
    let long_key = "k".repeat(MAX_CUSTOM_KEY_CHARS + 1);
    contact
        .custom
        .insert(String::new(), CustomValue::Bool(true));
    contact
        .custom
        .insert(long_key.clone(), CustomValue::Bool(true));
    contact
        .custom
        .insert("Budget".into(), CustomValue::Number(f64::NAN));
    contact.custom.insert(
        "Met".into(),
        CustomValue::Date(PartialDate {
            year: Some(2025),
            month: 6,
            day: 31,
        }),
    );
    contact.custom.insert(
        "Summary".into(),
        CustomValue::Text("s".repeat(MAX_CUSTOM_TEXT_CHARS + 1)),
    );
    assert_eq!(
        errors_of(&contact),
        [
            FieldError::CustomKeyInvalid {
                field: r#"custom[""]"#.into(),
                key: String::new()
            },
            FieldError::NumberInvalid {
                field: r#"custom["Budget"]"#.into(),
                value: "NaN".into()
            },
            FieldError::DateInvalid {
                field: r#"custom["Met"]"#.into(),
                value: "2025-06-31".into()
            },
            FieldError::TooLong {
                field: r#"custom["Summary"]"#.into(),
                length: 10_001,
                max: 10_000
            },
            FieldError::CustomKeyInvalid {
                field: format!("custom[{long_key:?}]"),
                key: long_key
            },
        ]
    );
}

#[test]
fn control_characters_and_direction_overrides_in_a_name_are_refused_with_the_field_named() {
    for (bad, code_point) in [
        ("Ta\u{0}naka", 0x0),
        ("Tanaka\n", 0x0a),
        ("Tanaka\u{7f}", 0x7f),
        // "Tanaka" written right to left by an override reads as "akanaT" in a list.
        ("\u{202e}akanaT", 0x202e),
        ("\u{2067}Tanaka\u{2069}", 0x2067),
    ] {
        let mut contact = full_contact();
        contact.name.family = bad.into();
        assert_eq!(
            validate(&contact).unwrap_err().0,
            [FieldError::ForbiddenCharacter {
                field: "name.family".into(),
                code_point,
            }],
            "{bad:?}"
        );
    }
    let mut company = full_contact();
    company.organizations[0].company = "Example\u{202d} Trading".into();
    assert_eq!(
        validate(&company).unwrap_err().0[0].field(),
        "organizations[0].company"
    );
}

#[test]
fn right_to_left_names_and_multi_line_notes_stay_valid() {
    let mut contact = full_contact();
    // Arabic and Hebrew names with the marks right-to-left text needs.
    contact.name.given = "\u{200f}ليلى".into();
    contact.name.family = "כהן\u{200e}".into();
    contact.notes = "Line one.\n\tLine two.\r\n".into();
    assert!(validate(&contact).is_ok(), "{:?}", validate(&contact));
    contact.notes = "a NUL \u{0} in the notes".into();
    assert!(matches!(
        validate(&contact).unwrap_err().0.as_slice(),
        [FieldError::ForbiddenCharacter { field, code_point: 0 }] if field == "notes"
    ));
}

#[test]
fn a_tag_with_a_control_character_is_invalid() {
    let mut contact = full_contact();
    contact.tags.insert("vip\u{1b}[31m".into(), true);
    assert!(matches!(
        validate(&contact).unwrap_err().0.as_slice(),
        [FieldError::TagInvalid { .. }]
    ));
}
