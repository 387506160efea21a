//! Newtype identifiers. A bare `Uuid` or `String` never crosses a module boundary, so a device
//! id can't be passed where a contact id is expected.

use std::fmt;
use std::str::FromStr;

use autosurgeon::reconcile::LoadKey;
use autosurgeon::{Hydrate, HydrateError, ReadDoc, Reconcile, Reconciler};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// A string that is not a valid identifier of the named kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} must be a UUID like 0190a5c3-7b1e-4a2f-9c3d-5e6f7a8b9c0d, got {value:?}")]
pub struct IdParseError {
    /// Which kind of id was expected.
    pub kind: &'static str,
    /// The text that failed to parse.
    pub value: String,
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        ///
        /// Shown as a hyphenated UUID; on the wire as 16 raw bytes (MessagePack `bin`), which
        /// keeps feed items small.
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Uuid);

        impl $name {
            /// The id made of these 16 bytes. Hosts draw them from a random source; sync-core
            /// never does, so simulations stay deterministic.
            pub const fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(Uuid::from_bytes(bytes))
            }

            /// The 16 bytes of the id.
            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }

            /// The id with the number `n` in its low bytes: readable ids for tests and
            /// simulations.
            pub const fn from_u128(n: u128) -> Self {
                Self(Uuid::from_u128(n))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Uuid::try_parse(text).map(Self).map_err(|_| IdParseError {
                    kind: $kind,
                    value: text.to_string(),
                })
            }
        }

        impl Serialize for $name {
            /// 16 raw bytes in binary formats (MessagePack on the wire), the hyphenated UUID in
            /// human-readable ones (JSON in the HTTP API).
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                if serializer.is_human_readable() {
                    serializer.collect_str(&self.0.hyphenated())
                } else {
                    serializer.serialize_bytes(self.0.as_bytes())
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            /// Accepts either form whatever the format claims: serde's internally tagged enums
            /// (every frame) replay fields through a buffer that always says "human readable",
            /// so the choice is made on what the data holds.
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(IdVisitor { kind: $kind }).map(Self::from_bytes)
            }
        }
    };
}

/// Reads an id from 16 raw bytes or from its UUID text.
struct IdVisitor {
    kind: &'static str,
}

impl<'de> serde::de::Visitor<'de> for IdVisitor {
    type Value = [u8; 16];

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "a {} as 16 bytes or UUID text", self.kind)
    }

    fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Self::Value, E> {
        bytes
            .try_into()
            .map_err(|_| E::invalid_length(bytes.len(), &self))
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Uuid::try_parse(text)
            .map(|uuid| *uuid.as_bytes())
            .map_err(|_| {
                E::custom(IdParseError {
                    kind: self.kind,
                    value: text.to_string(),
                })
            })
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut bytes = [0u8; 16];
        for (index, byte) in bytes.iter_mut().enumerate() {
            *byte = seq
                .next_element()?
                .ok_or_else(|| serde::de::Error::invalid_length(index, &self))?;
        }
        if seq.next_element::<u8>()?.is_some() {
            return Err(serde::de::Error::invalid_length(17, &self));
        }
        Ok(bytes)
    }
}

uuid_id!(
    /// Identifies one contact, and so one Automerge document.
    ContactId,
    "contact id"
);
uuid_id!(
    /// Identifies a member (a person) of a tenant.
    MemberId,
    "member id"
);
uuid_id!(
    /// Identifies one device (a phone, a laptop) of a member.
    DeviceId,
    "device id"
);

uuid_id!(
    /// Identifies a tenant (a company) on a server.
    TenantId,
    "tenant id"
);
uuid_id!(
    /// Identifies a group of members within a tenant.
    GroupId,
    "group id"
);
uuid_id!(
    /// Identifies an org unit (a department, a region, a branch) within a tenant. Units form
    /// a tree: sharing a contact with a unit shares it with the members of every unit below.
    UnitId,
    "unit id"
);
uuid_id!(
    /// Identifies one scanned business card (its photos, its reading job and its draft). The
    /// device picks it when the photo is taken, so an upload retried after a dropped
    /// connection is the same card, not a second one.
    CardId,
    "card id"
);

/// The stable identity of one item in a contact's list (a phone, an email, an activity entry).
///
/// It is what lets two devices add a phone each at once and keep both, and what an edit or a
/// delete aims at. Short random text: unique within one contact is all it needs to be.
#[derive(
    Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct ItemId(String);

impl ItemId {
    /// An id made from 64 random bits the host drew, written as 13 base-32 characters.
    pub fn from_random(bits: u64) -> Self {
        const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
        let text = (0..13)
            .map(|position| ALPHABET[((bits >> (position * 5)) & 31) as usize] as char)
            .collect();
        Self(text)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for ItemId {
    fn from(text: &str) -> Self {
        Self(text.to_string())
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ItemId({})", self.0)
    }
}

impl Reconcile for ItemId {
    type Key<'a> = <String as Reconcile>::Key<'a>;

    fn reconcile<R: Reconciler>(&self, reconciler: R) -> Result<(), R::Error> {
        self.0.reconcile(reconciler)
    }

    fn hydrate_key<'a, D: ReadDoc>(
        doc: &D,
        obj: &automerge::ObjId,
        prop: autosurgeon::Prop<'_>,
    ) -> Result<LoadKey<Self::Key<'a>>, autosurgeon::ReconcileError> {
        String::hydrate_key(doc, obj, prop)
    }

    fn key(&self) -> LoadKey<Self::Key<'_>> {
        self.0.key()
    }
}

impl Hydrate for ItemId {
    fn hydrate_string(text: &'_ str) -> Result<Self, HydrateError> {
        Ok(Self(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_id_round_trips_through_text() {
        let id = ContactId::from_u128(0x0190_a5c3_7b1e_4a2f_9c3d_5e6f_7a8b_9c0d);
        let text = id.to_string();
        assert_eq!(text, "0190a5c3-7b1e-4a2f-9c3d-5e6f7a8b9c0d");
        assert_eq!(text.parse::<ContactId>(), Ok(id));
    }

    #[test]
    fn bad_contact_id_names_its_kind_and_value() {
        let error = "not-an-id".parse::<ContactId>().unwrap_err();
        assert_eq!(error.kind, "contact id");
        assert!(error.to_string().contains("not-an-id"));
    }

    #[test]
    fn ids_are_bytes_in_messagepack_and_text_in_json() {
        let id = MemberId::from_u128(5);
        let packed = crate::wire::to_msgpack(&id);
        assert_eq!(packed.len(), 18, "bin8 header and 16 bytes");
        assert_eq!(crate::wire::from_msgpack::<MemberId>(&packed).unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"00000000-0000-0000-0000-000000000005\"");
        assert_eq!(serde_json::from_str::<MemberId>(&json).unwrap(), id);
    }

    #[test]
    fn item_ids_from_different_bits_differ() {
        assert_ne!(ItemId::from_random(1), ItemId::from_random(2));
        assert_eq!(ItemId::from_random(u64::MAX).as_str().len(), 13);
    }
}
