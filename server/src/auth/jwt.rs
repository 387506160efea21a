//! Access tokens: HS256 JWTs naming a member, a tenant and a device.
//!
//! This part does no I/O and reads no clock: it signs with a key it is handed and verifies
//! against a key its caller looked up by `kid`, at a `now` its caller chose. That keeps every
//! rule here (the algorithm allowlist, the `crit` refusal, the time window) testable with
//! fabricated tokens and moved clocks.

use std::fmt;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sync_core::ids::{DeviceId, MemberId, TenantId};

use super::AccessClaims;
use crate::http::error::ApiError;

/// The one algorithm accepted. An allowlist of one: a token naming any other `alg` (`none`,
/// `HS512`, an asymmetric one whose "public key" an attacker would pick) is refused before
/// any key is looked up.
pub(super) const ALGORITHM: Algorithm = Algorithm::HS256;

/// Clock skew tolerated on `exp` and `nbf`, seconds: phones' and nodes' clocks drift a
/// little, and a token should not fail for a few seconds of disagreement.
/// The leeway the unit tests use (the server takes it from its config).
#[cfg(test)]
pub(super) const LEEWAY_SECONDS: i64 = 30;

/// Longest `kid` looked up: ours are 32 hex characters, and a longer one can only be junk
/// that should not reach the database.
const MAX_KID_CHARS: usize = 64;

/// A signing key and its id. The secret never appears in `Debug` output.
#[derive(Clone)]
pub(super) struct SigningKey {
    /// What tokens name in their `kid` header, so any node can find the secret.
    pub(super) kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl SigningKey {
    /// The key `kid` with this secret.
    pub(super) fn new(kid: String, secret: &[u8]) -> Self {
        Self {
            kid,
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// The half that checks signatures.
    pub(super) fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// The claims as they travel. Ids are text (the JWT convention), not the 16-byte form the
/// ids serialise to in MessagePack.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct WireClaims {
    pub(super) iss: String,
    pub(super) aud: String,
    /// The member.
    pub(super) sub: String,
    /// The tenant.
    pub(super) tid: String,
    /// The device.
    pub(super) did: String,
    pub(super) iat: i64,
    pub(super) nbf: i64,
    pub(super) exp: i64,
}

/// Who may issue and who may accept tokens, and for how long they live.
#[derive(Debug, Clone)]
pub(super) struct TokenRules {
    /// `iss` written into tokens and required of them.
    pub(super) issuer: String,
    /// `aud` written into tokens and required of them.
    pub(super) audience: String,
    /// Lifetime of a new token, seconds.
    pub(super) ttl: i64,
    /// Clock skew tolerated between the nodes that issue and check tokens, seconds.
    pub(super) leeway: i64,
}

impl TokenRules {
    /// A token for `device` of `member` in `tenant`, valid from `now` for the rules' lifetime.
    pub(super) fn sign(
        &self,
        key: &SigningKey,
        tenant: TenantId,
        member: MemberId,
        device: DeviceId,
        now: i64,
    ) -> String {
        let mut header = Header::new(ALGORITHM);
        header.kid = Some(key.kid.clone());
        let claims = WireClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: member.to_string(),
            tid: tenant.to_string(),
            did: device.to_string(),
            iat: now,
            nbf: now,
            exp: now.saturating_add(self.ttl),
        };
        // HMAC takes a key of any length and these claims always serialise, so encoding
        // cannot fail; a failure would be a broken build of jsonwebtoken, not a bad request.
        jsonwebtoken::encode(&header, &claims, &key.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }

    /// The `kid` to look the verification key up by, after the header checks that need no
    /// key: the algorithm allowlist, no `crit` extensions (we understand none, and RFC 7515
    /// says to refuse what we don't understand), and a `kid` of sane length.
    pub(super) fn kid_of(token: &str) -> Result<String, ApiError> {
        // A header naming an algorithm jsonwebtoken does not know (`none`) fails to parse.
        let header = jsonwebtoken::decode_header(token).map_err(|_| ApiError::Unauthorized)?;
        if header.alg != ALGORITHM || header.crit.is_some() {
            return Err(ApiError::Unauthorized);
        }
        match header.kid {
            Some(kid) if !kid.is_empty() && kid.chars().count() <= MAX_KID_CHARS => Ok(kid),
            _ => Err(ApiError::Unauthorized),
        }
    }

    /// Check `token` against `key` at `now`: signature, `iss`, `aud`, then the time window.
    /// An expired token is [`ApiError::TokenExpired`] (so the client knows to refresh);
    /// every other failure is [`ApiError::Unauthorized`] and says nothing more.
    pub(super) fn verify(
        &self,
        token: &str,
        key: &DecodingKey,
        now: i64,
    ) -> Result<AccessClaims, ApiError> {
        let mut validation = Validation::new(ALGORITHM);
        // jsonwebtoken reads the system clock for exp/nbf; we check them below against the
        // caller's `now` instead, so tests can move time and every check uses one clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        // The signature is checked before any claim is believed, so a forged expired token
        // is "unauthorized", not "expired".
        let claims = jsonwebtoken::decode::<WireClaims>(token, key, &validation)
            .map_err(|_| ApiError::Unauthorized)?
            .claims;
        if claims.nbf > now.saturating_add(self.leeway) {
            return Err(ApiError::Unauthorized);
        }
        if claims.exp.saturating_add(self.leeway) <= now {
            return Err(ApiError::TokenExpired);
        }
        Ok(AccessClaims {
            tenant: claims.tid.parse().map_err(|_| ApiError::Unauthorized)?,
            member: claims.sub.parse().map_err(|_| ApiError::Unauthorized)?,
            device: claims.did.parse().map_err(|_| ApiError::Unauthorized)?,
            expires_at: claims.exp,
        })
    }
}
