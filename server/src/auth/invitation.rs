//! Invitation codes: how an admin lets a new member set their own password.
//!
//! The invited member is created at once (so the admin can put them in groups before they
//! accept), and the member's password hash column holds the invitation instead of a password:
//! `invite:<expires_at>:<hex SHA-256 of the code>`. That value is not a PHC string, so
//! [`verify_password`](super::verify_password) matches nothing against it and nobody can log
//! in until the invitation is accepted; accepting replaces it with the real password's hash,
//! so a code works once.
//!
//! SHA-256 rather than Argon2 for the code: Argon2's slowness protects secrets people choose,
//! which are guessable; the code is 128 random bits, which no amount of hashing speed makes
//! guessable, and a fast hash keeps the accept endpoint from being a cheap way to burn CPU.

use sha2::{Digest, Sha256};

/// How long an invitation stays valid: a week covers a weekend and a slow inbox.
pub const INVITATION_TTL_SECONDS: i64 = 7 * 24 * 3600;

/// Marks a stored invitation apart from a PHC string (which starts with `$`).
const PREFIX: &str = "invite:";

/// A fresh invitation.
pub struct Invitation {
    /// The one-time code given to the invited person (32 hex characters).
    pub code: String,
    /// What to store as the member's password hash.
    pub stored: String,
    /// When the code stops working, seconds since the Unix epoch.
    pub expires_at: i64,
}

impl std::fmt::Debug for Invitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invitation")
            .field("code", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Invitation {
    /// A new random code, valid from `now` for [`INVITATION_TTL_SECONDS`].
    pub fn new(now: i64) -> Self {
        let code = hex::encode(rand::random::<[u8; 16]>());
        let expires_at = now + INVITATION_TTL_SECONDS;
        let stored = format!(
            "{PREFIX}{expires_at}:{}",
            hex::encode(Sha256::digest(code.as_bytes()))
        );
        Self {
            code,
            stored,
            expires_at,
        }
    }
}

/// Whether `code` opens the invitation stored as `stored` at `now`. False for anything that
/// is not an unexpired invitation, including a member who already set a password.
pub fn invitation_matches(stored: &str, code: &str, now: i64) -> bool {
    let Some((expires_at, digest)) = stored
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once(':'))
    else {
        return false;
    };
    let Ok(expires_at) = expires_at.parse::<i64>() else {
        return false;
    };
    let given = hex::encode(Sha256::digest(code.trim().as_bytes()));
    now < expires_at && constant_time_eq(given.as_bytes(), digest.as_bytes())
}

/// Compare without stopping at the first difference, so response time says nothing about
/// how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .fold(0u8, |difference, (x, y)| difference | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_opens_with_its_code_until_it_expires() {
        let invitation = Invitation::new(1_000);
        assert!(invitation_matches(
            &invitation.stored,
            &invitation.code,
            1_000
        ));
        assert!(!invitation_matches(
            &invitation.stored,
            "0123456789abcdef0123456789abcdef",
            1_000
        ));
        assert!(!invitation_matches(
            &invitation.stored,
            &invitation.code,
            invitation.expires_at
        ));
        assert!(!format!("{invitation:?}").contains(&invitation.code));
    }

    #[test]
    fn a_password_hash_is_not_an_invitation() {
        assert!(!invitation_matches(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
            "anything",
            0
        ));
    }
}
