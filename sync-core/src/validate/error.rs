//! What a failed field rule reports: [`FieldError`] for one problem, [`ValidationErrors`] for
//! every problem of one contact.

use std::fmt;

/// One field that breaks one rule, naming the field's path (`phones[1].e164`, `name.given`,
/// `custom["Budget"]`) and the offending value.
///
/// The message is written for the person who typed the value; [`FieldError::code`] is the
/// stable machine-readable form the server sends beside it and clients switch on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// A phone number that is not a valid number in canonical E.164 form, or text that does not
    /// read as a phone number at all.
    #[error("{field}: {} {reason}", Quoted(.value))]
    PhoneInvalid {
        /// Path of the field.
        field: String,
        /// The number as stored or typed.
        value: String,
        /// What is wrong, worded to follow the quoted value ("is too short to be a phone
        /// number").
        reason: String,
    },
    /// A national number (no `+` and country code) given without a default region, so there is
    /// no telling which country it belongs to. Clients answer it by asking for the country.
    #[error(
        "{field}: {} has no country code; write it with + and the country code, \
         or choose the country it is in",
        Quoted(.value)
    )]
    PhoneRegionNeeded {
        /// Path of the field.
        field: String,
        /// The number as typed.
        value: String,
    },
    /// Not an email address.
    #[error(
        "{field}: {} is not an email address (name@domain.tld with no spaces, \
         at most 64 characters before the @ and 254 in all)",
        Quoted(.value)
    )]
    EmailInvalid {
        /// Path of the field.
        field: String,
        /// The address as stored or typed.
        value: String,
    },
    /// Not a date in an accepted form, or a day that does not exist (April 31, February 29 of
    /// a common year).
    #[error(
        "{field}: {} is not a valid date (YYYY-MM-DD, or --MM-DD without the year, \
         on a day that exists)",
        Quoted(.value)
    )]
    DateInvalid {
        /// Path of the field.
        field: String,
        /// The date as stored (ISO form) or typed.
        value: String,
    },
    /// Not an ISO 3166-1 country (stored values must be the uppercase alpha-2 code).
    #[error(
        "{field}: {} is not a country code (ISO 3166-1 alpha-2 such as JP or US)",
        Quoted(.value)
    )]
    CountryInvalid {
        /// Path of the field.
        field: String,
        /// The country as stored or typed.
        value: String,
    },
    /// Not one of the values an enumeration allows.
    #[error("{field}: {} is not one of {}", Quoted(.value), .allowed.join(", "))]
    EnumInvalid {
        /// Path of the field.
        field: String,
        /// The value as typed.
        value: String,
        /// The stored forms that are accepted.
        allowed: &'static [&'static str],
    },
    /// A list longer than its limit.
    #[error("{field}: {count} items, at most {max} are allowed")]
    TooManyItems {
        /// Path of the list.
        field: String,
        /// How many items it holds.
        count: usize,
        /// The most it may hold.
        max: usize,
    },
    /// No given name, family name, nickname or company: the contact could not be shown in a
    /// list or found by a search.
    #[error("name: a contact needs a given name, family name, nickname or company")]
    NameRequired,
    /// Not an absolute `http`/`https` address with a host.
    #[error(
        "{field}: {} is not a web address (http:// or https:// and a host such as www.example.com)",
        Quoted(.value)
    )]
    UrlInvalid {
        /// Path of the field.
        field: String,
        /// The address as stored or typed.
        value: String,
    },
    /// Two items of one list share an id, so an edit or delete aimed at one would hit both.
    #[error("{field}: item id {} is already used by another item of the list", Quoted(.id))]
    DuplicateItemId {
        /// Path of the later item's id.
        field: String,
        /// The repeated id.
        id: String,
    },
    /// An item with an empty id, which no edit or delete could target.
    #[error("{field}: the item has no id")]
    ItemIdMissing {
        /// Path of the item's id.
        field: String,
    },
    /// Text holding a control character (NUL, a line break in a one-line field) or a
    /// text-direction override, which can make a name in a list read as another.
    #[error(
        "{field}: contains U+{code_point:04X}, a control or text-direction character, which is not allowed here"
    )]
    ForbiddenCharacter {
        /// Path of the field.
        field: String,
        /// The character's code point.
        code_point: u32,
    },
    /// Text longer than its field allows.
    #[error("{field}: {length} characters, at most {max} are allowed")]
    TooLong {
        /// Path of the field.
        field: String,
        /// Its length in characters (Unicode scalar values).
        length: usize,
        /// The most it may hold.
        max: usize,
    },
    /// Not a BCP 47 language tag.
    #[error(
        "{field}: {} is not a language tag (BCP 47 such as en, ja or zh-Hant)",
        Quoted(.value)
    )]
    LanguageInvalid {
        /// Path of the field.
        field: String,
        /// The tag as stored.
        value: String,
    },
    /// A tag that is blank or too long.
    #[error("{field}: {} is not a tag (tags are 1 to 100 characters, not all spaces)", Quoted(.value))]
    TagInvalid {
        /// Path of the tag.
        field: String,
        /// The tag.
        value: String,
    },
    /// A custom field name that is blank or too long.
    #[error(
        "{field}: {} is not a custom field name (names are 1 to 100 characters, not all spaces)",
        Quoted(.key)
    )]
    CustomKeyInvalid {
        /// Path of the custom field.
        field: String,
        /// The name.
        key: String,
    },
    /// A number that is infinite or not a number, which JSON exports and sums cannot carry.
    #[error("{field}: {value} is not a finite number")]
    NumberInvalid {
        /// Path of the field.
        field: String,
        /// The number as text (`NaN`, `inf`): kept as text so the error stays `Eq`.
        value: String,
    },
}

impl FieldError {
    /// Path of the field the error is about (`phones[1].e164`); `name` for
    /// [`FieldError::NameRequired`].
    pub fn field(&self) -> &str {
        match self {
            Self::PhoneInvalid { field, .. }
            | Self::PhoneRegionNeeded { field, .. }
            | Self::EmailInvalid { field, .. }
            | Self::DateInvalid { field, .. }
            | Self::CountryInvalid { field, .. }
            | Self::EnumInvalid { field, .. }
            | Self::TooManyItems { field, .. }
            | Self::UrlInvalid { field, .. }
            | Self::DuplicateItemId { field, .. }
            | Self::ItemIdMissing { field }
            | Self::TooLong { field, .. }
            | Self::ForbiddenCharacter { field, .. }
            | Self::LanguageInvalid { field, .. }
            | Self::TagInvalid { field, .. }
            | Self::CustomKeyInvalid { field, .. }
            | Self::NumberInvalid { field, .. } => field,
            Self::NameRequired => "name",
        }
    }

    /// Stable machine-readable code (`phone_invalid`). Clients and the wire protocol rely on
    /// these never changing; add new codes rather than renaming old ones.
    pub fn code(&self) -> &'static str {
        match self {
            Self::PhoneInvalid { .. } => "phone_invalid",
            Self::PhoneRegionNeeded { .. } => "phone_region_needed",
            Self::EmailInvalid { .. } => "email_invalid",
            Self::DateInvalid { .. } => "date_invalid",
            Self::CountryInvalid { .. } => "country_invalid",
            Self::EnumInvalid { .. } => "enum_invalid",
            Self::TooManyItems { .. } => "too_many_items",
            Self::NameRequired => "name_required",
            Self::UrlInvalid { .. } => "url_invalid",
            Self::DuplicateItemId { .. } => "duplicate_item_id",
            Self::ItemIdMissing { .. } => "item_id_missing",
            Self::TooLong { .. } => "too_long",
            Self::ForbiddenCharacter { .. } => "forbidden_character",
            Self::LanguageInvalid { .. } => "language_invalid",
            Self::TagInvalid { .. } => "tag_invalid",
            Self::CustomKeyInvalid { .. } => "custom_key_invalid",
            Self::NumberInvalid { .. } => "number_invalid",
        }
    }

    /// The same error about another field path. Parsers name the field they were given; an
    /// importer that parsed a CSV column uses this to point at the contact field instead, and
    /// `str::parse` of an enum (which has no field argument) is relabelled the same way.
    #[must_use]
    pub fn with_field(mut self, path: impl Into<String>) -> Self {
        match &mut self {
            Self::PhoneInvalid { field, .. }
            | Self::PhoneRegionNeeded { field, .. }
            | Self::EmailInvalid { field, .. }
            | Self::DateInvalid { field, .. }
            | Self::CountryInvalid { field, .. }
            | Self::EnumInvalid { field, .. }
            | Self::TooManyItems { field, .. }
            | Self::UrlInvalid { field, .. }
            | Self::DuplicateItemId { field, .. }
            | Self::ItemIdMissing { field }
            | Self::TooLong { field, .. }
            | Self::ForbiddenCharacter { field, .. }
            | Self::LanguageInvalid { field, .. }
            | Self::TagInvalid { field, .. }
            | Self::CustomKeyInvalid { field, .. }
            | Self::NumberInvalid { field, .. } => *field = path.into(),
            // The name rule is about the contact as a whole; there is no other path to give.
            Self::NameRequired => {}
        }
        self
    }

    /// The same error carrying `raw` as its value, so a parser reports what the user typed
    /// rather than its own normalised form of it.
    pub(super) fn with_value(mut self, raw: &str) -> Self {
        match &mut self {
            Self::PhoneInvalid { value, .. }
            | Self::PhoneRegionNeeded { value, .. }
            | Self::EmailInvalid { value, .. }
            | Self::DateInvalid { value, .. }
            | Self::CountryInvalid { value, .. }
            | Self::EnumInvalid { value, .. }
            | Self::UrlInvalid { value, .. }
            | Self::LanguageInvalid { value, .. }
            | Self::TagInvalid { value, .. }
            | Self::NumberInvalid { value, .. } => *value = raw.to_string(),
            // These are about a list or a length, not one value a user typed.
            Self::TooManyItems { .. }
            | Self::NameRequired
            | Self::DuplicateItemId { .. }
            | Self::ItemIdMissing { .. }
            | Self::TooLong { .. }
            | Self::ForbiddenCharacter { .. }
            | Self::CustomKeyInvalid { .. } => {}
        }
        self
    }
}

/// Every problem found in one contact, in the order the fields appear in [`Contact`].
///
/// Reporting all of them at once lets a client mark every bad field in one pass instead of
/// making the user fix them one rejected save at a time.
///
/// [`Contact`]: crate::contact::Contact
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [] => f.write_str("no problems"),
            [only] => only.fmt(f),
            all => {
                write!(f, "{} problems: ", all.len())?;
                for (index, error) in all.iter().enumerate() {
                    if index > 0 {
                        f.write_str("; ")?;
                    }
                    error.fmt(f)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ValidationErrors {}

/// A user-supplied value, quoted and cut to its first characters, so a megabyte of junk pasted
/// into a field does not come back as a megabyte of error message.
struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN_CHARS: usize = 80;
        match self.0.char_indices().nth(SHOWN_CHARS) {
            None => write!(f, "{:?}", self.0),
            Some((cut, _)) => write!(f, "{:?}…", &self.0[..cut]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone_error() -> FieldError {
        FieldError::PhoneInvalid {
            field: "phones[1].e164".into(),
            value: "+1 555".into(),
            reason: "is not a phone number in E.164 form (+ and up to 15 digits)".into(),
        }
    }

    #[test]
    fn message_names_the_field_and_quotes_the_value() {
        assert_eq!(
            phone_error().to_string(),
            r#"phones[1].e164: "+1 555" is not a phone number in E.164 form (+ and up to 15 digits)"#
        );
        assert_eq!(phone_error().field(), "phones[1].e164");
        assert_eq!(phone_error().code(), "phone_invalid");
    }

    #[test]
    fn enum_message_lists_the_allowed_values() {
        let error = FieldError::EnumInvalid {
            field: "type".into(),
            value: "vip".into(),
            allowed: &["lead", "customer"],
        };
        assert_eq!(
            error.to_string(),
            r#"type: "vip" is not one of lead, customer"#
        );
        assert_eq!(error.code(), "enum_invalid");
    }

    #[test]
    fn a_huge_value_is_cut_in_the_message_but_kept_in_the_error() {
        let value = "x".repeat(10_000);
        let error = FieldError::EmailInvalid {
            field: "emails[0].address".into(),
            value,
        };
        let message = error.to_string();
        assert!(message.len() < 300, "message is {} bytes", message.len());
        assert!(message.contains(&format!("\"{}\"…", "x".repeat(80))));
        let FieldError::EmailInvalid { value, .. } = error else {
            unreachable!()
        };
        assert_eq!(value.len(), 10_000);
    }

    #[test]
    fn name_required_is_about_the_name() {
        assert_eq!(FieldError::NameRequired.field(), "name");
        assert_eq!(FieldError::NameRequired.code(), "name_required");
        assert_eq!(
            FieldError::NameRequired.with_field("x"),
            FieldError::NameRequired
        );
    }

    #[test]
    fn with_field_points_the_error_elsewhere_and_keeps_the_rest() {
        let moved = phone_error().with_field("phones[0].e164");
        assert_eq!(moved.field(), "phones[0].e164");
        assert!(matches!(moved, FieldError::PhoneInvalid { ref value, .. } if value == "+1 555"));
    }

    #[test]
    fn every_problem_of_a_contact_is_listed() {
        let errors = ValidationErrors(vec![
            FieldError::NameRequired,
            FieldError::TooManyItems {
                field: "phones".into(),
                count: 101,
                max: 100,
            },
        ]);
        assert_eq!(
            errors.to_string(),
            "2 problems: name: a contact needs a given name, family name, nickname or company; \
             phones: 101 items, at most 100 are allowed"
        );
        let one = ValidationErrors(vec![FieldError::NameRequired]);
        assert_eq!(one.to_string(), FieldError::NameRequired.to_string());
    }

    #[test]
    fn codes_are_distinct() {
        let errors = [
            phone_error(),
            FieldError::PhoneRegionNeeded {
                field: String::new(),
                value: String::new(),
            },
            FieldError::EmailInvalid {
                field: String::new(),
                value: String::new(),
            },
            FieldError::DateInvalid {
                field: String::new(),
                value: String::new(),
            },
            FieldError::CountryInvalid {
                field: String::new(),
                value: String::new(),
            },
            FieldError::EnumInvalid {
                field: String::new(),
                value: String::new(),
                allowed: &[],
            },
            FieldError::TooManyItems {
                field: String::new(),
                count: 0,
                max: 0,
            },
            FieldError::NameRequired,
            FieldError::UrlInvalid {
                field: String::new(),
                value: String::new(),
            },
            FieldError::DuplicateItemId {
                field: String::new(),
                id: String::new(),
            },
            FieldError::ItemIdMissing {
                field: String::new(),
            },
            FieldError::TooLong {
                field: String::new(),
                length: 0,
                max: 0,
            },
            FieldError::ForbiddenCharacter {
                field: String::new(),
                code_point: 0,
            },
            FieldError::LanguageInvalid {
                field: String::new(),
                value: String::new(),
            },
            FieldError::TagInvalid {
                field: String::new(),
                value: String::new(),
            },
            FieldError::CustomKeyInvalid {
                field: String::new(),
                key: String::new(),
            },
            FieldError::NumberInvalid {
                field: String::new(),
                value: String::new(),
            },
        ];
        let mut codes: Vec<&str> = errors.iter().map(FieldError::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
    }
}
