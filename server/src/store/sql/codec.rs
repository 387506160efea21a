//! How sync-core values map to SQL columns, in one place for both stores.
//!
//! Ids travel as UUIDs (native in Postgres, 16-byte blobs in SQLite); a contact's visibility
//! and each feed row's kind as MessagePack blobs written by `sync_core::wire::to_msgpack` (ids
//! as 16-byte `bin`, the form the wire uses); seqs as signed 64-bit integers, the widest
//! integer both databases have.

use automerge::ChangeHash;
use std::collections::BTreeSet;
use sync_core::feed::RowKind;
use sync_core::ids::{DeviceId, MemberId, TenantId};
use sync_core::wire::{DocMeta, Visibility};

use uuid::Uuid;

use crate::store::{DeviceRecord, MemberRecord, Role, StoreError};

/// An id's 16 bytes as the UUID a column holds.
pub(crate) fn uuid(bytes: &[u8; 16]) -> Uuid {
    Uuid::from_bytes(*bytes)
}

/// A fresh random id.
pub(crate) fn new_id() -> Uuid {
    Uuid::new_v4()
}

/// A seq as stored. Seqs count rows, so they stay far below `i64::MAX`; one above it could
/// only come from a corrupted cursor, and matches no row.
pub(crate) fn seq_to_sql(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// A stored seq.
pub(crate) fn seq_from_sql(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative seq {value}")))
}

/// A contact's visibility as stored.
pub(crate) fn encode_visibility(visibility: &Visibility) -> Vec<u8> {
    sync_core::wire::to_msgpack(visibility)
}

/// A contact's metadata from its stored owner and visibility.
pub(crate) fn decode_meta(owner: Uuid, visibility: &[u8]) -> Result<DocMeta, StoreError> {
    let visibility = sync_core::wire::from_msgpack(visibility)
        .map_err(|error| StoreError::Corrupt(format!("visibility of a contact: {error}")))?;
    Ok(DocMeta {
        owner: MemberId::from_bytes(owner.into_bytes()),
        visibility,
    })
}

/// A feed row's kind as stored.
pub(crate) fn encode_kind(kind: &RowKind) -> Vec<u8> {
    sync_core::wire::to_msgpack(kind)
}

/// A stored feed row's kind.
pub(crate) fn decode_kind(seq: u64, bytes: &[u8]) -> Result<RowKind, StoreError> {
    sync_core::wire::from_msgpack(bytes)
        .map_err(|error| StoreError::Corrupt(format!("feed row {seq}: {error}")))
}

/// A document's heads as stored: their 32-byte hashes, one after another.
pub(crate) fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|head| head.0).collect()
}

/// The principals a contact's access rows name: its owner, and everyone (the nil UUID) or
/// each member, group and unit its visibility lists.
pub(crate) fn principals(meta: &DocMeta) -> BTreeSet<Uuid> {
    let mut principals = BTreeSet::from([uuid(meta.owner.as_bytes())]);
    match &meta.visibility {
        Visibility::All => {
            principals.insert(Uuid::nil());
        }
        Visibility::Members {
            members,
            groups,
            units,
        } => {
            principals.extend(members.iter().map(|member| uuid(member.as_bytes())));
            principals.extend(groups.iter().map(|group| uuid(group.as_bytes())));
            principals.extend(units.iter().map(|unit| uuid(unit.as_bytes())));
        }
    }
    principals
}

/// A stored role.
pub(crate) fn decode_role(text: &str) -> Result<Role, StoreError> {
    Role::parse(text).ok_or_else(|| StoreError::Corrupt(format!("unknown role {text:?}")))
}

/// The columns every member query selects, in this order:
/// `tenant_id, id, email, name, role, password_hash, active`.
pub(crate) type MemberRow = (Uuid, Uuid, String, String, String, String, bool);

/// A member from its row.
pub(crate) fn member_record(row: MemberRow) -> Result<MemberRecord, StoreError> {
    let (tenant, member, email, name, role, password_hash, active) = row;
    Ok(MemberRecord {
        tenant: TenantId::from_bytes(tenant.into_bytes()),
        member: MemberId::from_bytes(member.into_bytes()),
        email,
        name,
        role: decode_role(&role)?,
        password_hash,
        active,
    })
}

/// The columns every device query selects, in this order:
/// `tenant_id, member_id, id, name, revoked`.
pub(crate) type DeviceRow = (Uuid, Uuid, Uuid, String, bool);

/// A device from its row.
pub(crate) fn device_record(row: DeviceRow) -> DeviceRecord {
    let (tenant, member, device, name, revoked) = row;
    DeviceRecord {
        tenant: TenantId::from_bytes(tenant.into_bytes()),
        member: MemberId::from_bytes(member.into_bytes()),
        device: DeviceId::from_bytes(device.into_bytes()),
        name,
        revoked,
    }
}

/// `Conflict` for a unique violation, `NotFound` for a missing parent row, anything else as
/// the database error it is.
pub(crate) fn classify(error: sqlx::Error, taken: &str, parent: &str) -> StoreError {
    if let sqlx::Error::Database(database) = &error {
        if database.is_unique_violation() {
            return StoreError::Conflict {
                what: taken.to_string(),
            };
        }
        if database.is_foreign_key_violation() {
            return StoreError::NotFound {
                what: parent.to_string(),
            };
        }
    }
    StoreError::Database(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visibility_and_rows_round_trip() {
        let member = MemberId::from_u128(7);
        let visibility = Visibility::members(vec![member]);
        let meta = decode_meta(Uuid::from_u128(1), &encode_visibility(&visibility)).unwrap();
        assert_eq!(meta.visibility, visibility);
        assert_eq!(meta.owner, MemberId::from_u128(1));

        let kind = RowKind::Revoked {
            audience: vec![member],
        };
        assert_eq!(decode_kind(3, &encode_kind(&kind)).unwrap(), kind);
    }

    #[test]
    fn damaged_bytes_are_reported_as_corrupt() {
        assert!(matches!(
            decode_kind(9, b"\xc1"),
            Err(StoreError::Corrupt(message)) if message.contains("feed row 9")
        ));
    }
}
