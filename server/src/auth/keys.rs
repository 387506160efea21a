//! Where the secrets that sign access tokens come from.
//!
//! By default the database holds them (the first node stores a random one and every node
//! adopts it), so the quick start needs nothing. An admin who would rather not have a
//! database dump be enough to forge tokens gives the secret to each node instead, from a
//! file (`ROLO_JWT_SECRET_FILE`, e.g. a container secret) or the environment
//! (`ROLO_JWT_SECRET`); then the database's key is neither used nor trusted. To rotate,
//! `ROLO_JWT_KEYS=new=/run/secrets/new,old=/run/secrets/old` names several: the first signs,
//! the others still verify tokens issued before (an access token lives minutes, so the old
//! one can go after `ROLO_ACCESS_TOKEN_SECONDS`).

use std::fmt;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

/// Fewest bytes a configured secret may have: HS256's own output size, as RFC 7518 asks.
pub const MIN_SECRET_BYTES: usize = 32;

/// The longest `kid` a token may name (see `jwt::MAX_KID_CHARS`).
const MAX_KID_CHARS: usize = 64;

/// A key as loaded: its `kid` and its secret.
pub type LoadedKey = (String, Vec<u8>);

/// Where the signing secrets come from.
#[derive(Debug, Clone, Default)]
pub enum JwtKeys {
    /// The database's key (`signing_key` / `current_signing_key`).
    #[default]
    Database,
    /// These keys, the first signing and all verifying; the database's key is not trusted.
    Configured(Vec<ConfiguredKey>),
}

/// One configured key.
#[derive(Debug, Clone)]
pub struct ConfiguredKey {
    /// The `kid` tokens signed with it carry; `None`: derived from the secret, so that a new
    /// secret gets a new `kid` by itself.
    pub kid: Option<String>,
    /// Where its secret is.
    pub secret: SecretSource,
}

/// Where a secret is.
#[derive(Clone)]
pub enum SecretSource {
    /// In this file (read at start-up; surrounding whitespace, such as a final newline, is
    /// not part of it).
    File(PathBuf),
    /// Given as it is (from `ROLO_JWT_SECRET`).
    Inline(String),
}

impl fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::File(path) => f.debug_tuple("File").field(path).finish(),
            SecretSource::Inline(_) => f.write_str("Inline([redacted])"),
        }
    }
}

impl JwtKeys {
    /// Read `ROLO_JWT_KEYS`, `ROLO_JWT_SECRET_FILE` or `ROLO_JWT_SECRET` (at most one of
    /// them) through `lookup`. Files are only named here, and read by [`JwtKeys::load`].
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let given: Vec<(&str, String)> =
            ["ROLO_JWT_KEYS", "ROLO_JWT_SECRET_FILE", "ROLO_JWT_SECRET"]
                .into_iter()
                .filter_map(|name| lookup(name).map(|value| (name, value)))
                .collect();
        let (name, value) = match given.as_slice() {
            [] => return Ok(JwtKeys::Database),
            [one] => one.clone(),
            _ => anyhow::bail!(
                "set only one of ROLO_JWT_KEYS, ROLO_JWT_SECRET_FILE and ROLO_JWT_SECRET"
            ),
        };
        let keys = match name {
            "ROLO_JWT_SECRET_FILE" => vec![ConfiguredKey {
                kid: None,
                secret: SecretSource::File(value.into()),
            }],
            "ROLO_JWT_SECRET" => {
                check_secret(name, value.trim().as_bytes())?;
                vec![ConfiguredKey {
                    kid: None,
                    secret: SecretSource::Inline(value),
                }]
            }
            _ => value
                .split(',')
                .filter(|pair| !pair.trim().is_empty())
                .map(|pair| {
                    let (kid, path) = pair.split_once('=').ok_or_else(|| {
                        anyhow::anyhow!("ROLO_JWT_KEYS: {pair:?} is not kid=/path/to/secret")
                    })?;
                    let kid = kid.trim();
                    check_kid(kid)?;
                    Ok(ConfiguredKey {
                        kid: Some(kid.to_string()),
                        secret: SecretSource::File(path.trim().into()),
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?,
        };
        anyhow::ensure!(!keys.is_empty(), "ROLO_JWT_KEYS names no key");
        let mut kids: Vec<&str> = keys.iter().filter_map(|key| key.kid.as_deref()).collect();
        kids.sort_unstable();
        anyhow::ensure!(
            kids.windows(2).all(|pair| pair[0] != pair[1]),
            "ROLO_JWT_KEYS names a kid twice"
        );
        Ok(JwtKeys::Configured(keys))
    }

    /// The configured keys as `(kid, secret)`, the signing one first, reading their files;
    /// `None` for [`JwtKeys::Database`]. A missing file or a short secret is an error naming it.
    pub fn load(&self) -> anyhow::Result<Option<Vec<LoadedKey>>> {
        let JwtKeys::Configured(keys) = self else {
            return Ok(None);
        };
        keys.iter()
            .map(|key| {
                let (what, secret) = match &key.secret {
                    SecretSource::Inline(text) => (
                        "ROLO_JWT_SECRET".to_string(),
                        text.trim().as_bytes().to_vec(),
                    ),
                    SecretSource::File(path) => {
                        let bytes = std::fs::read(path).map_err(|error| {
                            anyhow::anyhow!("the JWT secret file {}: {error}", path.display())
                        })?;
                        let text = String::from_utf8_lossy(&bytes);
                        (
                            format!("the JWT secret file {}", path.display()),
                            text.trim().as_bytes().to_vec(),
                        )
                    }
                };
                check_secret(&what, &secret)?;
                let kid = key.kid.clone().unwrap_or_else(|| derived_kid(&secret));
                Ok((kid, secret))
            })
            .collect::<anyhow::Result<Vec<_>>>()
            .map(Some)
    }
}

/// A `kid` for `secret` that says nothing about it: a prefix of a hash of it, under a label
/// so it matches no other use of the same hash.
fn derived_kid(secret: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(b"rolo jwt kid\0");
    hash.update(secret);
    format!("s{}", &hex::encode(hash.finalize())[..24])
}

fn check_secret(what: &str, secret: &[u8]) -> anyhow::Result<()> {
    anyhow::ensure!(
        secret.len() >= MIN_SECRET_BYTES,
        "{what} must hold at least {MIN_SECRET_BYTES} bytes (e.g. `openssl rand -hex 32`)"
    );
    Ok(())
}

fn check_kid(kid: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        !kid.is_empty()
            && kid.len() <= MAX_KID_CHARS
            && kid
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')),
        "ROLO_JWT_KEYS: the kid {kid:?} must be 1 to {MAX_KID_CHARS} letters, digits, '-', '_' or '.'"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn keys(pairs: &[(&str, &str)]) -> anyhow::Result<JwtKeys> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        JwtKeys::from_lookup(&|name| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        })
    }

    #[test]
    fn the_database_key_is_the_default() {
        assert!(matches!(keys(&[]).unwrap(), JwtKeys::Database));
        assert!(keys(&[]).unwrap().load().unwrap().is_none());
    }

    #[test]
    fn a_secret_from_the_environment_gets_a_kid_of_its_own_and_stays_out_of_debug() {
        let configured = keys(&[("ROLO_JWT_SECRET", SECRET)]).unwrap();
        assert!(!format!("{configured:?}").contains(SECRET));
        let loaded = configured.load().unwrap().unwrap();
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].1, SECRET.as_bytes());
        assert!(!loaded[0].0.contains("0123"), "the kid gives nothing away");
        let other = keys(&[("ROLO_JWT_SECRET", &SECRET.replace('0', "z"))])
            .unwrap()
            .load()
            .unwrap()
            .unwrap();
        assert_ne!(other[0].0, loaded[0].0, "a new secret, a new kid");
    }

    #[test]
    fn rotation_lists_kid_file_pairs_the_first_signing() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new");
        let old = dir.path().join("old");
        std::fs::write(&new, format!("{}\n", SECRET.replace('1', "n"))).unwrap();
        std::fs::write(&old, SECRET).unwrap();
        let list = format!("k2={}, k1={}", new.display(), old.display());
        let loaded = keys(&[("ROLO_JWT_KEYS", &list)])
            .unwrap()
            .load()
            .unwrap()
            .unwrap();
        let kids: Vec<&str> = loaded.iter().map(|(kid, _)| kid.as_str()).collect();
        assert_eq!(kids, ["k2", "k1"]);
        assert_eq!(
            loaded[0].1,
            SECRET.replace('1', "n").as_bytes(),
            "newline trimmed"
        );
    }

    #[test]
    fn short_secrets_missing_files_bad_kids_and_two_sources_are_refused() {
        let short = keys(&[("ROLO_JWT_SECRET", "hunter2")]).unwrap_err();
        assert!(short.to_string().contains("at least 32 bytes"), "{short}");
        assert!(!short.to_string().contains("hunter2"));
        let missing = keys(&[("ROLO_JWT_SECRET_FILE", "/nonexistent/rolo-secret")])
            .unwrap()
            .load()
            .unwrap_err();
        assert!(
            missing.to_string().contains("/nonexistent/rolo-secret"),
            "{missing}"
        );
        assert!(keys(&[("ROLO_JWT_KEYS", "k 1=/tmp/x")]).is_err());
        assert!(keys(&[("ROLO_JWT_KEYS", "k1=/tmp/x,k1=/tmp/y")]).is_err());
        assert!(keys(&[("ROLO_JWT_KEYS", "/tmp/x")]).is_err());
        assert!(
            keys(&[
                ("ROLO_JWT_SECRET", SECRET),
                ("ROLO_JWT_SECRET_FILE", "/tmp/x")
            ])
            .is_err()
        );
    }
}
