//! The contact's enumerations: their stored forms, how a user's input reads as one, and how a
//! value this code does not know survives.
//!
//! Each is stored as a lowercase string (`"lead"`, `"primary"`) so the TypeScript client reads
//! the same document without a Rust-shaped encoding. A newer layout may add a value (a contact
//! type `"vendor"`, a new social network): this code reads it as `Unknown` holding the string
//! as written, and writes it back unchanged, so a phone running last month's app neither fails
//! to open the contact nor overwrites the newer value when it edits another field. Input is
//! stricter: `FromStr` reads only the values this code knows, so it never writes a value of
//! its own invention.

use std::str::FromStr;

use autosurgeon::reconcile::{LoadKey, NoKey};
use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::validate::FieldError;

/// Where a contact stands with the team.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[allow(missing_docs)]
pub enum ContactType {
    #[default]
    Lead,
    Prospect,
    Customer,
    Partner,
    Other,
    /// A type a newer layout added, kept exactly as written.
    Unknown(String),
}

/// How important a contact is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Level {
    Primary,
    Secondary,
    Tertiary,
    /// A level a newer layout added, kept exactly as written.
    Unknown(String),
}

/// Networks reps exchange handles on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[allow(missing_docs)]
pub enum SocialNetwork {
    Facebook,
    Whatsapp,
    Wechat,
    X,
    Linkedin,
    Telegram,
    Line,
    Instagram,
    Kakaotalk,
    /// Also what an item missing its network reads as.
    #[default]
    Other,
    /// A network a newer layout added, kept exactly as written.
    Unknown(String),
}

/// The kinds of activity a rep logs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[allow(missing_docs)]
pub enum ActivityKind {
    Call,
    Visit,
    Meeting,
    /// Also what an entry missing its kind reads as: the kind that claims least.
    #[default]
    Note,
    /// A kind a newer layout added, kept exactly as written.
    Unknown(String),
}

/// The side of a business card.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[allow(missing_docs)]
pub enum CardSide {
    /// Also what an image missing its side reads as.
    #[default]
    Front,
    Back,
    /// A side a newer layout added, kept exactly as written.
    Unknown(String),
}

/// Implements, from one list of each enumeration's variants, stored forms and accepted
/// aliases, so they can never disagree: `ALLOWED`, `as_str`, `FromStr` (input), and
/// `Hydrate`/`Reconcile` (the document, where an unknown string is kept as `Unknown`).
macro_rules! stored_enum {
    (
        $type:ident, $field:literal,
        [$($variant:ident => $text:literal $(| $alias:literal)*),+ $(,)?]
    ) => {
        impl $type {
            /// The stored forms this code knows, in declaration order; what an
            /// [`FieldError::EnumInvalid`] lists as allowed.
            pub const ALLOWED: &'static [&'static str] = &[$($text),+];

            /// The lowercase form stored in the document and sent on the wire (for an
            /// `Unknown` value, the string as it was written).
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Unknown(text) => text,
                }
            }

            /// The value a stored string stands for: exactly one of [`Self::ALLOWED`], or
            /// `Unknown` (no case folding: the document holds canonical forms only).
            pub fn from_stored(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)+
                    other => Self::Unknown(other.to_string()),
                }
            }
        }

        impl FromStr for $type {
            type Err = FieldError;

            /// Reads the stored form or an alias in any case, ignoring surrounding spaces.
            /// Only values this code knows are read: input never becomes `Unknown`.
            #[doc = concat!("The error names the field `", $field, "`; relabel it with")]
            /// [`FieldError::with_field`] to give its full path.
            fn from_str(raw: &str) -> Result<Self, FieldError> {
                let text = raw.trim();
                $(
                    if text.eq_ignore_ascii_case($text) $(|| text.eq_ignore_ascii_case($alias))* {
                        return Ok(Self::$variant);
                    }
                )+
                Err(FieldError::EnumInvalid {
                    field: $field.to_string(),
                    value: raw.to_string(),
                    allowed: Self::ALLOWED,
                })
            }
        }

        impl Hydrate for $type {
            fn hydrate_string(text: &str) -> Result<Self, HydrateError> {
                Ok(Self::from_stored(text))
            }
        }

        impl Reconcile for $type {
            type Key<'a> = NoKey;

            fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                // Writing an unchanged string is no operation, so an `Unknown` value an edit
                // did not touch stays exactly as the newer client wrote it.
                reconciler.str(self.as_str())
            }

            fn key(&self) -> LoadKey<NoKey> {
                LoadKey::NoKey
            }
        }
    };
}

stored_enum!(ContactType, "type", [
    Lead => "lead",
    Prospect => "prospect",
    Customer => "customer",
    Partner => "partner",
    Other => "other",
]);

stored_enum!(Level, "level", [
    Primary => "primary",
    Secondary => "secondary",
    Tertiary => "tertiary",
]);

// "twitter" because most address books and exports still call it that.
stored_enum!(SocialNetwork, "network", [
    Facebook => "facebook",
    Whatsapp => "whatsapp",
    Wechat => "wechat",
    X => "x" | "twitter",
    Linkedin => "linkedin",
    Telegram => "telegram",
    Line => "line",
    Instagram => "instagram",
    Kakaotalk => "kakaotalk" | "kakao",
    Other => "other",
]);

stored_enum!(ActivityKind, "kind", [
    Call => "call",
    Visit => "visit",
    Meeting => "meeting",
    Note => "note",
]);

stored_enum!(CardSide, "side", [
    Front => "front",
    Back => "back",
]);

// A card's side also travels in `card` frames (the draft's images): as its stored string, so a
// device reading a side a newer server knows keeps the frame instead of refusing it whole.
impl Serialize for CardSide {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CardSide {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(Self::from_stored(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_read_in_any_case_and_trimmed() {
        assert_eq!(" Customer ".parse(), Ok(ContactType::Customer));
        assert_eq!("PRIMARY".parse(), Ok(Level::Primary));
        assert_eq!("LinkedIn".parse(), Ok(SocialNetwork::Linkedin));
        assert_eq!("Meeting".parse(), Ok(ActivityKind::Meeting));
        assert_eq!("back".parse(), Ok(CardSide::Back));
    }

    #[test]
    fn aliases_read_as_their_network() {
        assert_eq!("Twitter".parse(), Ok(SocialNetwork::X));
        assert_eq!("kakao".parse(), Ok(SocialNetwork::Kakaotalk));
    }

    #[test]
    fn stored_forms_round_trip() {
        macro_rules! round_trips {
            ($($type:ident),+) => {$(
                for text in $type::ALLOWED {
                    let parsed = text.parse::<$type>().unwrap();
                    assert_eq!(parsed.as_str(), *text);
                    assert_eq!($type::from_stored(text), parsed);
                }
            )+};
        }
        round_trips!(ContactType, Level, SocialNetwork, ActivityKind, CardSide);
        assert_eq!(SocialNetwork::X.as_str(), "x");
    }

    #[test]
    fn a_stored_value_this_code_does_not_know_is_kept_as_written() {
        assert_eq!(
            ContactType::from_stored("vendor"),
            ContactType::Unknown("vendor".into())
        );
        assert_eq!(ContactType::from_stored("vendor").as_str(), "vendor");
        // Stored forms are canonical: another spelling of a known value is a different value.
        assert_eq!(
            SocialNetwork::from_stored("twitter"),
            SocialNetwork::Unknown("twitter".into())
        );
        assert_eq!(SocialNetwork::from_stored("x"), SocialNetwork::X);
    }

    #[test]
    fn input_never_reads_as_an_unknown_value() {
        assert!("vendor".parse::<ContactType>().is_err());
        assert!("bluesky".parse::<SocialNetwork>().is_err());
    }

    #[test]
    fn a_card_side_travels_as_its_stored_string() {
        let encoded = crate::wire::to_msgpack(&CardSide::Back);
        assert_eq!(encoded, crate::wire::to_msgpack("back"));
        let unknown: CardSide =
            crate::wire::from_msgpack(&crate::wire::to_msgpack("inside")).unwrap();
        assert_eq!(unknown, CardSide::Unknown("inside".into()));
    }

    #[test]
    fn unknown_values_list_what_is_allowed() {
        assert_eq!(
            "vip".parse::<ContactType>(),
            Err(FieldError::EnumInvalid {
                field: "type".into(),
                value: "vip".into(),
                allowed: &["lead", "prospect", "customer", "partner", "other"],
            })
        );
        assert_eq!(
            "".parse::<Level>(),
            Err(FieldError::EnumInvalid {
                field: "level".into(),
                value: String::new(),
                allowed: &["primary", "secondary", "tertiary"],
            })
        );
        let error = "myspace"
            .parse::<SocialNetwork>()
            .unwrap_err()
            .with_field("social[0].network");
        assert_eq!(error.field(), "social[0].network");
        assert!(error.to_string().contains("facebook, whatsapp"), "{error}");
        assert!(
            matches!("lunch".parse::<ActivityKind>(), Err(FieldError::EnumInvalid { field, value, .. }) if field == "kind" && value == "lunch")
        );
        assert!(
            matches!("top".parse::<CardSide>(), Err(FieldError::EnumInvalid { field, value, .. }) if field == "side" && value == "top")
        );
    }
}
