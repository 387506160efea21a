//! Passwords: the length rule and Argon2id hashing.
//!
//! These functions are CPU- and memory-heavy on purpose (Argon2id's defaults: 19 MiB, two
//! passes), so the server calls them through [`Auth`](super::Auth), which runs them off the
//! async threads and bounds how many run at once.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::http::error::ApiError;

/// Fewest characters a new password may have: length is what makes a password hard to guess.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Most characters a password may have: a passphrase fits easily, while a megabyte-long
/// "password" would only make every login attempt cost more.
pub const MAX_PASSWORD_CHARS: usize = 1_024;

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
    let hash = Argon2::default()
        .hash_password(password.as_bytes())
        // Only the OS random source can fail here (the parameters are the crate's
        // defaults); the rest of the server's randomness (`rand`) would panic on that too.
        .expect("Argon2id hashing with default parameters and an OS-random salt");
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `hash`. The crate compares in constant time;
/// a stored value that is not a PHC string (an unaccepted invitation) matches nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// Whether `stored` is an Argon2 PHC string, i.e. a password someone can log in with.
pub(super) fn is_password_hash(stored: &str) -> bool {
    stored.starts_with("$argon2")
}
