//! Access-token and password rules, with fabricated tokens and a moved clock.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sync_core::ids::{DeviceId, MemberId, TenantId};

use super::jwt::{LEEWAY_SECONDS, SigningKey, TokenRules, WireClaims};
use super::*;

const NOW: i64 = 1_750_000_000;
const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

fn rules() -> TokenRules {
    TokenRules {
        issuer: "rolo".into(),
        audience: "rolo-sync".into(),
        ttl: 900,
        leeway: LEEWAY_SECONDS,
    }
}

fn key() -> SigningKey {
    SigningKey::new("k1".into(), SECRET)
}

fn ids() -> (TenantId, MemberId, DeviceId) {
    (
        TenantId::from_u128(1),
        MemberId::from_u128(2),
        DeviceId::from_u128(3),
    )
}

fn token_at(now: i64) -> String {
    let (tenant, member, device) = ids();
    rules().sign(&key(), tenant, member, device, now)
}

/// Verify the way `Auth::verify_access` does, with the key lookup replaced by "only k1".
fn verify(token: &str, now: i64) -> Result<AccessClaims, ApiError> {
    let kid = TokenRules::kid_of(token)?;
    if kid != "k1" {
        return Err(ApiError::Unauthorized);
    }
    rules().verify(token, key().decoding(), now)
}

fn claims_at(now: i64) -> WireClaims {
    let (tenant, member, device) = ids();
    WireClaims {
        iss: "rolo".into(),
        aud: "rolo-sync".into(),
        sub: member.to_string(),
        tid: tenant.to_string(),
        did: device.to_string(),
        iat: now,
        nbf: now,
        exp: now + 900,
    }
}

/// Sign `claims` however a forger likes.
fn forge(algorithm: Algorithm, kid: &str, claims: &WireClaims, secret: &[u8]) -> String {
    let mut header = Header::new(algorithm);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).expect("encodes")
}

/// Base64url without padding, for hand-built token parts.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut text = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            text.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    text
}

fn is_unauthorized(result: Result<AccessClaims, ApiError>) -> bool {
    matches!(result, Err(ApiError::Unauthorized))
}

#[test]
fn a_fresh_token_names_its_tenant_member_and_device() {
    let claims = verify(&token_at(NOW), NOW).expect("valid");
    assert_eq!((claims.tenant, claims.member, claims.device), ids());
    assert_eq!(claims.expires_at, NOW + 900);
}

#[test]
fn a_token_signed_with_another_hmac_algorithm_is_refused() {
    // Same secret, same kid, HS512: only the algorithm differs.
    let token = forge(Algorithm::HS512, "k1", &claims_at(NOW), SECRET);
    assert!(is_unauthorized(verify(&token, NOW)));
}

#[test]
fn an_unsigned_alg_none_token_is_refused() {
    let header = base64url(br#"{"alg":"none","typ":"JWT","kid":"k1"}"#);
    let payload = base64url(&serde_json::to_vec(&claims_at(NOW)).expect("serialises"));
    assert!(is_unauthorized(verify(
        &format!("{header}.{payload}."),
        NOW
    )));
    // Also with the valid token's signature glued on.
    let signature = token_at(NOW)
        .rsplit('.')
        .next()
        .expect("three parts")
        .to_string();
    assert!(is_unauthorized(verify(
        &format!("{header}.{payload}.{signature}"),
        NOW
    )));
}

#[test]
fn a_token_for_another_audience_or_issuer_is_refused() {
    let mut other_audience = claims_at(NOW);
    other_audience.aud = "some-other-service".into();
    assert!(is_unauthorized(verify(
        &forge(Algorithm::HS256, "k1", &other_audience, SECRET),
        NOW
    )));
    let mut other_issuer = claims_at(NOW);
    other_issuer.iss = "someone-else".into();
    assert!(is_unauthorized(verify(
        &forge(Algorithm::HS256, "k1", &other_issuer, SECRET),
        NOW
    )));
    // The same claims with the right aud and iss pass, so the two refusals above are about
    // aud and iss alone.
    assert!(verify(&forge(Algorithm::HS256, "k1", &claims_at(NOW), SECRET), NOW).is_ok());
}

#[test]
fn an_expired_token_says_so_after_the_leeway() {
    let token = token_at(NOW);
    let expiry = NOW + 900;
    assert!(
        verify(&token, expiry + LEEWAY_SECONDS - 1).is_ok(),
        "within the leeway"
    );
    assert!(matches!(
        verify(&token, expiry + LEEWAY_SECONDS),
        Err(ApiError::TokenExpired)
    ));
    assert!(matches!(
        verify(&token, expiry + 86_400),
        Err(ApiError::TokenExpired)
    ));
}

#[test]
fn a_token_not_valid_yet_is_refused() {
    let token = token_at(NOW + 3_600);
    assert!(is_unauthorized(verify(&token, NOW)));
    assert!(
        verify(&token, NOW + 3_600 - LEEWAY_SECONDS).is_ok(),
        "a little clock skew is fine"
    );
}

#[test]
fn a_tampered_token_is_refused() {
    let token = token_at(NOW);
    let parts: Vec<&str> = token.split('.').collect();
    // Another device in the payload, the original signature.
    let mut claims = claims_at(NOW);
    claims.did = DeviceId::from_u128(99).to_string();
    let payload = base64url(&serde_json::to_vec(&claims).expect("serialises"));
    assert!(is_unauthorized(verify(
        &format!("{}.{payload}.{}", parts[0], parts[2]),
        NOW
    )));
    // One character of the signature changed.
    let mut signature = parts[2].to_string();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    signature.replace_range(0..1, flipped);
    assert!(is_unauthorized(verify(
        &format!("{}.{}.{signature}", parts[0], parts[1]),
        NOW
    )));
}

#[test]
fn a_token_signed_with_another_secret_is_refused_even_when_expired() {
    // A forgery must not learn "expired" (it would mean the signature was accepted).
    let token = forge(
        Algorithm::HS256,
        "k1",
        &claims_at(NOW - 10_000),
        b"not the server's secret at all!!",
    );
    assert!(is_unauthorized(verify(&token, NOW)));
}

#[test]
fn a_token_without_a_kid_or_with_a_crit_header_is_refused() {
    let mut header = Header::new(Algorithm::HS256);
    let no_kid = jsonwebtoken::encode(&header, &claims_at(NOW), &EncodingKey::from_secret(SECRET))
        .expect("encodes");
    assert!(is_unauthorized(verify(&no_kid, NOW)));
    header.kid = Some("k1".into());
    header.crit = Some(vec!["exp".into()]);
    let critical =
        jsonwebtoken::encode(&header, &claims_at(NOW), &EncodingKey::from_secret(SECRET))
            .expect("encodes");
    assert!(is_unauthorized(verify(&critical, NOW)));
    assert!(is_unauthorized(verify("not a token", NOW)));
}

#[test]
fn signing_keys_and_tokens_keep_their_secrets_out_of_debug_output() {
    let shown = format!("{:?}", key());
    assert!(
        shown.contains("k1") && !shown.contains("0123456789abcdef"),
        "{shown}"
    );
    let tokens = Tokens {
        access_token: token_at(NOW),
        refresh_token: "feedface".into(),
        expires_in: 900,
    };
    let shown = format!("{tokens:?}");
    assert!(
        !shown.contains(&tokens.access_token) && !shown.contains("feedface"),
        "{shown}"
    );
}

#[test]
fn a_password_hash_is_salted_argon2id_and_verifies_only_its_password() {
    let first = hash_password("correct horse battery").expect("long enough");
    let second = hash_password("correct horse battery").expect("long enough");
    assert!(first.starts_with("$argon2id$"), "{first}");
    assert_ne!(first, second, "each hash has its own salt");
    assert!(verify_password("correct horse battery", &first));
    assert!(verify_password("correct horse battery", &second));
    assert!(!verify_password("correct horse battery!", &first));
    assert!(!verify_password("correct horse battery", "invite:0:abcd"));
}

#[test]
fn new_hashes_use_the_low_memory_parameters_and_older_hashes_still_verify() {
    use argon2::password_hash::PasswordHasher;
    let new = hash_password("correct horse battery").expect("long enough");
    assert!(new.contains("$m=7168,t=5,p=1$"), "{new}");
    // Accounts hashed with the crate's defaults (19 MiB, two passes) before the change.
    let older = argon2::Argon2::default()
        .hash_password(b"correct horse battery")
        .expect("hashes")
        .to_string();
    assert!(older.contains("$m=19456,t=2,p=1$"), "{older}");
    assert!(verify_password("correct horse battery", &older));
    assert!(!verify_password("correct horse battery!", &older));
}

#[test]
fn passwords_too_short_or_too_long_are_refused_naming_the_field() {
    for password in ["short", "123456789", &"x".repeat(MAX_PASSWORD_CHARS + 1)] {
        match hash_password(password) {
            Err(ApiError::BadRequest { field, .. }) => assert_eq!(field, "password"),
            other => panic!(
                "{} characters: expected a bad password, got {other:?}",
                password.len()
            ),
        }
    }
    assert!(check_password(&"x".repeat(MIN_PASSWORD_CHARS)).is_ok());
    // Characters, not bytes: ten kana are a ten-character password.
    assert!(check_password("あいうえおかきくけこ").is_ok());
}
