//! Text forms of the contact's enumerations: `as_str` gives the lowercase form stored in the
//! document, `FromStr` reads what a user or an import typed (any case, spaces trimmed).

use std::str::FromStr;

use crate::contact::{ActivityKind, CardSide, ContactType, Level, SocialNetwork};

use super::FieldError;

/// Implements `ALLOWED`, `as_str` and `FromStr` for one enumeration from a single list of its
/// variants, stored forms and accepted aliases, so the three can never disagree.
macro_rules! stored_enum {
    (
        $type:ident, $field:literal,
        [$($variant:ident => $text:literal $(| $alias:literal)*),+ $(,)?]
    ) => {
        impl $type {
            /// The stored forms, in declaration order; what an [`FieldError::EnumInvalid`]
            /// lists as allowed.
            pub const ALLOWED: &'static [&'static str] = &[$($text),+];

            /// The lowercase form stored in the document and sent on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl FromStr for $type {
            type Err = FieldError;

            /// Reads the stored form or an alias in any case, ignoring surrounding spaces.
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
        for text in ContactType::ALLOWED {
            assert_eq!(
                text.parse::<ContactType>().map(ContactType::as_str),
                Ok(*text)
            );
        }
        for text in Level::ALLOWED {
            assert_eq!(text.parse::<Level>().map(Level::as_str), Ok(*text));
        }
        for text in SocialNetwork::ALLOWED {
            assert_eq!(
                text.parse::<SocialNetwork>().map(SocialNetwork::as_str),
                Ok(*text)
            );
        }
        for text in ActivityKind::ALLOWED {
            assert_eq!(
                text.parse::<ActivityKind>().map(ActivityKind::as_str),
                Ok(*text)
            );
        }
        for text in CardSide::ALLOWED {
            assert_eq!(text.parse::<CardSide>().map(CardSide::as_str), Ok(*text));
        }
        assert_eq!(SocialNetwork::X.as_str(), "x");
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
