//! Passwords: the length rule and Argon2id hashing.
//!
//! These functions are CPU- and memory-heavy on purpose, so the server calls them through
//! [`Auth`](super::Auth), which runs them off the async threads and bounds how many run at
//! once.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::http::error::ApiError;

/// Fewest characters a new password may have: length is what makes a password hard to guess.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Most characters a password may have: a passphrase fits easily, while a megabyte-long
/// "password" would only make every login attempt cost more.
pub const MAX_PASSWORD_CHARS: usize = 1_024;

/// Argon2id with 7 MiB and five passes: one of the configurations OWASP's password storage
/// cheat sheet lists as equally strong as the crate's default (19 MiB, two passes). The
/// server prefers less memory for more time because a hash's memory stays with the process
/// after it is freed (the allocator keeps it for reuse), and an idle server with thousands of
/// connections has a memory budget to meet (DESIGN.md 7). Existing hashes keep verifying with
/// the parameters written in them.
fn hasher() -> Argon2<'static> {
    let params = Params::new(7 * 1024, 5, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of a password nobody knows, checked when a login names no account, so an unknown
/// email costs the same Argon2 work as a wrong password and timing does not tell them apart.
pub(super) static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    let unguessable = hex::encode(rand::random::<[u8; 32]>());
    hash_password(&unguessable).expect("a 64-character password meets the rules")
});

/// Check a new password against the length rules; the error names the field `password`.
pub fn check_password(password: &str) -> Result<(), ApiError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        Err(ApiError::bad(
            "password",
            format!("must have at least {MIN_PASSWORD_CHARS} characters"),
        ))
    } else if length > MAX_PASSWORD_CHARS {
        Err(ApiError::bad(
            "password",
            format!("must have at most {MAX_PASSWORD_CHARS} characters"),
        ))
    } else {
        Ok(())
    }
}

/// Argon2id PHC string (`$argon2id$v=19$…`) of a new password, with a random salt, after
/// checking the length rules.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    check_password(password)?;
    let hash = hasher()
        .hash_password(password.as_bytes())
        // Only the OS random source can fail here (the parameters are fixed and valid);
        // the rest of the server's randomness (`rand`) would panic on that too.
        .expect("Argon2id hashing with fixed, valid parameters and an OS-random salt");
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `hash`. The crate compares in constant time;
/// a stored value that is not a PHC string (an unaccepted invitation) matches nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    hasher().verify_password(password.as_bytes(), hash).is_ok()
}

/// Whether `stored` is an Argon2 PHC string, i.e. a password someone can log in with.
pub(super) fn is_password_hash(stored: &str) -> bool {
    stored.starts_with("$argon2")
}
