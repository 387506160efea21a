//! Authentication: passwords, access tokens, refresh tokens and invitations.
//!
//! - **Passwords** are hashed with Argon2id (the crate's defaults, a random salt per hash).
//!   Hashing is slow on purpose, so it runs on the blocking pool, at most one per core at a
//!   time: a burst of logins queues instead of starving the sync sockets of CPU and memory.
//! - **Access tokens** are short-lived HS256 JWTs (`iss`, `aud`, `sub` = member, `tid` =
//!   tenant, `did` = device, `iat`, `nbf`, `exp`). HS256 is the only algorithm accepted. The
//!   header's `kid` names the secret, which is looked up in the store (and then kept in
//!   memory), never taken from the token. The first node to start stores a random secret;
//!   every later node adopts it, so a token from one node is good on all.
//! - **Refresh tokens** are random, one per device session, stored only as SHA-256, and
//!   rotate on every use. Presenting a spent one means it was copied: the device is revoked
//!   and the caller cuts its socket (see [`Refresh::Replayed`]).
//!
//! Every function that depends on time takes `now` (seconds since the Unix epoch) rather
//! than reading the clock, so tests can move time.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use jsonwebtoken::DecodingKey;
use serde::Serialize;
use sync_core::ids::{DeviceId, MemberId, TenantId};
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::http::error::ApiError;
use crate::store::{MemberRecord, RefreshRecord, Rotation, Store, StoreError};

mod invitation;
mod jwt;
mod password;
mod refresh;
#[cfg(test)]
mod tests;
pub mod throttle;

pub use invitation::{INVITATION_TTL_SECONDS, Invitation, invitation_matches};
pub use password::{
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, check_password, hash_password, verify_password,
};

use jwt::{SigningKey, TokenRules};
use refresh::RefreshToken;

/// Who an access token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessClaims {
    /// The tenant.
    pub tenant: TenantId,
    /// The member.
    pub member: MemberId,
    /// The device the token was issued to.
    pub device: DeviceId,
    /// Expiry, seconds since the Unix epoch.
    pub expires_at: i64,
}

/// A fresh pair of tokens for one device, as the API returns them.
#[derive(Clone, Serialize)]
pub struct Tokens {
    /// The JWT to send as `Authorization: Bearer …` and at the WebSocket upgrade.
    pub access_token: String,
    /// The one-time token that buys the next pair at `POST /v1/token`.
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"[redacted]")
            .field("refresh_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum Refresh {
    /// The token was good and is now spent; here is the next pair.
    Rotated(Tokens),
    /// The token had already been spent: someone replayed it. The device and every token it
    /// holds are revoked; the caller answers "unauthorized" and cuts the device's socket.
    Replayed {
        /// The device's tenant.
        tenant: TenantId,
        /// The revoked device.
        device: DeviceId,
    },
}

/// Issues and checks tokens, and hashes passwords. One per server process, shared.
pub struct Auth {
    store: Arc<dyn Store>,
    /// Issuer, audience and lifetime of access tokens.
    rules: TokenRules,
    /// Lifetime of a refresh token, seconds.
    refresh_ttl: i64,
    /// The key new tokens are signed with.
    current: SigningKey,
    /// Verification keys by `kid`, filled from the store on first sight: keys never change
    /// once stored, so a cached key can't go stale, and the cache only ever holds kids that
    /// exist in the store (an unknown kid is looked up but not remembered).
    keys: RwLock<HashMap<String, DecodingKey>>,
    /// Bounds concurrent Argon2 runs (19 MiB each) to the number of cores.
    hashing: Semaphore,
    /// Failed logins and invitation accepts per account.
    pub throttle: throttle::LoginThrottle,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("rules", &self.rules)
            .field("refresh_ttl", &self.refresh_ttl)
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

impl Auth {
    /// Set up signing: offer the store a fresh random key and use whichever key it holds
    /// (ours if we are the first node, an earlier node's otherwise).
    pub async fn new(store: Arc<dyn Store>, config: &Config) -> Result<Self, StoreError> {
        let candidate_kid = hex::encode(rand::random::<[u8; 16]>());
        let candidate = rand::random::<[u8; 32]>();
        let (kid, secret) = store
            .current_signing_key(&candidate_kid, &candidate)
            .await?;
        let current = SigningKey::new(kid.clone(), &secret);
        let keys = HashMap::from([(kid, current.decoding().clone())]);
        // Build the decoy hash now, off the async threads, rather than during the first login
        // for an unknown email (which would then take twice as long as any other). Nothing
        // waits for it: a login that comes first simply builds it itself.
        drop(tokio::task::spawn_blocking(|| {
            LazyLock::force(&password::DECOY_HASH);
        }));
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Ok(Self {
            store,
            rules: TokenRules {
                issuer: config.jwt_issuer.clone(),
                audience: config.jwt_audience.clone(),
                ttl: seconds(config.access_token_ttl),
                leeway: seconds(config.clock_leeway),
            },
            refresh_ttl: seconds(config.refresh_token_ttl),
            current,
            keys: RwLock::new(keys),
            hashing: Semaphore::new(cores),
            throttle: throttle::LoginThrottle::default(),
        })
    }

    /// Check an access token at `now` (seconds since the Unix epoch): algorithm, key, signature,
    /// issuer, audience and time window. An expired token is [`ApiError::TokenExpired`]; any
    /// other failure is [`ApiError::Unauthorized`]. This says nothing about whether the device
    /// has since been revoked: see [`Auth::authenticate`].
    pub async fn verify_access(&self, token: &str, now: i64) -> Result<AccessClaims, ApiError> {
        let kid = TokenRules::kid_of(token)?;
        let key = self.key(&kid).await?;
        self.rules.verify(token, &key, now)
    }

    /// [`Auth::verify_access`], then check in the store that the device is not revoked and the
    /// member is still active: what every authenticated request and the WebSocket upgrade need.
    pub async fn authenticate(
        &self,
        token: &str,
        now: i64,
    ) -> Result<(AccessClaims, MemberRecord), ApiError> {
        let claims = self.verify_access(token, now).await?;
        let member = self
            .live_member(claims.tenant, claims.member, claims.device)
            .await?;
        Ok((claims, member))
    }

    /// A new access token and refresh token for `device`, valid from `now`.
    pub async fn issue(
        &self,
        tenant: TenantId,
        member: MemberId,
        device: DeviceId,
        now: i64,
    ) -> Result<Tokens, ApiError> {
        let refresh = RefreshToken::generate(tenant, member, device);
        self.store
            .insert_refresh(&self.refresh_record(&refresh, now))
            .await?;
        Ok(self.tokens(refresh, now))
    }

    /// Spend refresh token `token` at `now` for the next pair (see [`Refresh`]). Unknown,
    /// expired, malformed tokens, revoked devices and inactive members are all
    /// [`ApiError::Unauthorized`].
    pub async fn refresh(&self, token: &str, now: i64) -> Result<Refresh, ApiError> {
        let old = RefreshToken::parse(token).ok_or(ApiError::Unauthorized)?;
        // The ids inside the token are only believed because the store finds its hash; but
        // checking the member and device first keeps a deactivated member from rotating.
        self.live_member(old.tenant, old.member, old.device).await?;
        let next = RefreshToken::generate(old.tenant, old.member, old.device);
        match self
            .store
            .rotate_refresh(&old.hash, &self.refresh_record(&next, now), now)
            .await?
        {
            Rotation::Rotated(spent)
                if spent.tenant == old.tenant && spent.device == old.device =>
            {
                Ok(Refresh::Rotated(self.tokens(next, now)))
            }
            Rotation::Rotated(_) | Rotation::Invalid => Err(ApiError::Unauthorized),
            Rotation::Reused { device } => {
                // The store dropped the device's refresh tokens, but its access token would
                // still work (and reopen a socket) until it expires. Revoking the device ends
                // that now; the phone's real owner logs in again as a new device.
                self.store.revoke_device(old.tenant, device).await?;
                Ok(Refresh::Replayed {
                    tenant: old.tenant,
                    device,
                })
            }
        }
    }

    /// Argon2id hash of a new password (after the length rules), computed off the async
    /// threads.
    pub async fn hash_password(&self, password: &str) -> Result<String, ApiError> {
        password::check_password(password)?;
        let password = password.to_string();
        self.off_thread(move || password::hash_password(&password))
            .await
    }

    /// Whether `password` matches `stored` (a member's password hash, or `None` when no
    /// account has the email given). Costs the same Argon2 work whether or not there is an
    /// account or a usable password, so the answer's timing reveals neither.
    pub async fn password_matches(&self, password: &str, stored: Option<&str>) -> bool {
        let (hash, usable) = match stored {
            Some(stored) if password::is_password_hash(stored) => (stored.to_string(), true),
            _ => (password::DECOY_HASH.clone(), false),
        };
        let password = password.to_string();
        let matches = self
            .off_thread(move || password::verify_password(&password, &hash))
            .await;
        matches && usable
    }

    /// The member behind a token, if the device is not revoked and the member is active.
    async fn live_member(
        &self,
        tenant: TenantId,
        member: MemberId,
        device: DeviceId,
    ) -> Result<MemberRecord, ApiError> {
        match self.store.device(tenant, device).await? {
            Some(record) if !record.revoked && record.member == member => {}
            _ => return Err(ApiError::Unauthorized),
        }
        match self.store.member(tenant, member).await? {
            Some(record) if record.active => Ok(record),
            _ => Err(ApiError::Unauthorized),
        }
    }

    /// The verification key named `kid`, from memory or the store.
    async fn key(&self, kid: &str) -> Result<DecodingKey, ApiError> {
        // A poisoned lock only means another thread panicked mid-insert of a complete
        // value; the map is still sound.
        if let Some(key) = self
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(kid)
        {
            return Ok(key.clone());
        }
        let secret = self
            .store
            .signing_key(kid)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        let key = DecodingKey::from_secret(&secret);
        self.keys
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(kid.to_string(), key.clone());
        Ok(key)
    }

    fn refresh_record(&self, token: &RefreshToken, now: i64) -> RefreshRecord {
        RefreshRecord {
            hash: token.hash,
            tenant: token.tenant,
            member: token.member,
            device: token.device,
            expires_at: now.saturating_add(self.refresh_ttl),
        }
    }

    fn tokens(&self, refresh: RefreshToken, now: i64) -> Tokens {
        Tokens {
            access_token: self.rules.sign(
                &self.current,
                refresh.tenant,
                refresh.member,
                refresh.device,
                now,
            ),
            refresh_token: refresh.text,
            expires_in: self.rules.ttl,
        }
    }

    /// Run Argon2 work on the blocking pool, at most one job per core.
    async fn off_thread<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> T {
        // The semaphore is never closed, so acquiring only waits.
        let _permit = self
            .hashing
            .acquire()
            .await
            .expect("the hashing semaphore is never closed");
        match tokio::task::spawn_blocking(work).await {
            Ok(value) => value,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            // Blocking tasks are only cancelled when the runtime shuts down, and then this
            // future is dropped before it could observe it.
            Err(error) => unreachable!("password hashing was cancelled: {error}"),
        }
    }
}

/// A duration in whole seconds as the signed type timestamps use, saturating.
fn seconds(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}
