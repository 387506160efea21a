//! Refresh tokens as the client holds them.
//!
//! A token is 80 bytes written as 160 hex characters: the tenant, member and device ids
//! (16 bytes each) followed by 32 random bytes. The server stores only the SHA-256 of all 80
//! bytes. Carrying the ids lets a rotation build the replacement token's record before the
//! store has said whose token it was, and costs no secrecy: the ids are not secret (the access
//! token names them too), and changing one changes the hash, so it matches no stored row.

use sha2::{Digest, Sha256};
use sync_core::ids::{DeviceId, MemberId, TenantId};

/// Bytes of randomness in a token: 256 bits, beyond guessing.
const SECRET_BYTES: usize = 32;
/// Bytes in a whole token.
const TOKEN_BYTES: usize = 16 * 3 + SECRET_BYTES;

/// A refresh token: whose it is, the text the client keeps, and the hash the store keeps.
pub(super) struct RefreshToken {
    pub(super) tenant: TenantId,
    pub(super) member: MemberId,
    pub(super) device: DeviceId,
    /// What the client stores and sends back; never logged, never stored server-side.
    pub(super) text: String,
    /// SHA-256 of the token's bytes, the only form the store sees.
    pub(super) hash: [u8; 32],
}

impl std::fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshToken")
            .field("tenant", &self.tenant)
            .field("member", &self.member)
            .field("device", &self.device)
            .field("text", &"[redacted]")
            .finish()
    }
}

impl RefreshToken {
    /// A new random token for `device`.
    pub(super) fn generate(tenant: TenantId, member: MemberId, device: DeviceId) -> Self {
        let mut bytes = Vec::with_capacity(TOKEN_BYTES);
        bytes.extend_from_slice(tenant.as_bytes());
        bytes.extend_from_slice(member.as_bytes());
        bytes.extend_from_slice(device.as_bytes());
        bytes.extend_from_slice(&rand::random::<[u8; SECRET_BYTES]>());
        Self::from_bytes(&bytes).expect("a token built from its parts has the right length")
    }

    /// Read a token the client sent; `None` if it is not one of ours in shape.
    pub(super) fn parse(text: &str) -> Option<Self> {
        match hex::decode(text.trim()) {
            Ok(bytes) => Self::from_bytes(&bytes),
            Err(_) => None,
        }
    }

    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != TOKEN_BYTES {
            return None;
        }
        let id = |index: usize| -> [u8; 16] {
            let mut id = [0; 16];
            id.copy_from_slice(&bytes[index * 16..(index + 1) * 16]);
            id
        };
        Some(Self {
            tenant: TenantId::from_bytes(id(0)),
            member: MemberId::from_bytes(id(1)),
            device: DeviceId::from_bytes(id(2)),
            text: hex::encode(bytes),
            hash: Sha256::digest(bytes).into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_reads_back_with_its_ids_and_hash() {
        let token = RefreshToken::generate(
            TenantId::from_u128(1),
            MemberId::from_u128(2),
            DeviceId::from_u128(3),
        );
        let read = RefreshToken::parse(&token.text).expect("parses");
        assert_eq!(
            (read.tenant, read.member, read.device),
            (token.tenant, token.member, token.device)
        );
        assert_eq!(read.hash, token.hash);
        assert!(!format!("{token:?}").contains(&token.text));
    }

    #[test]
    fn changing_the_ids_changes_the_hash() {
        let token = RefreshToken::generate(
            TenantId::from_u128(1),
            MemberId::from_u128(2),
            DeviceId::from_u128(3),
        );
        // Point the token at another device: same secret, different hash.
        let mut forged = token.text.clone();
        forged.replace_range(64..96, &hex::encode(DeviceId::from_u128(4).as_bytes()));
        let read = RefreshToken::parse(&forged).expect("parses");
        assert_eq!(read.device, DeviceId::from_u128(4));
        assert_ne!(read.hash, token.hash);
    }

    #[test]
    fn junk_is_not_a_token() {
        assert!(RefreshToken::parse("").is_none());
        assert!(RefreshToken::parse("not hex at all").is_none());
        assert!(RefreshToken::parse(&"ab".repeat(79)).is_none());
    }
}
