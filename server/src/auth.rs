//! Authentication: passwords, access tokens, refresh tokens and invitations.
//!
//! - **Passwords** are hashed with Argon2id (the crate's defaults, a random salt per hash).
//!   Hashing is slow on purpose, so it runs on the blocking pool, at most one per core at a
//!   time: a burst of logins queues instead of starving the sync sockets of CPU and memory.
//! - **Access tokens** are short-lived HS256 JWTs (`iss`, `aud`, `sub` = member, `tid` =
//!   tenant, `did` = device, `iat`, `nbf`, `exp`). HS256 is the only algorithm accepted. The
//!   header's `kid` names the secret, which is looked up server-side, never taken from the
//!   token. By default the secrets live in the store: the first node to start stores a
//!   random one and every later node adopts it, so a token from one node is good on all. An
//!   admin may give the secrets to the nodes instead, from files or the environment, with
//!   rotation to a new `kid` ([`keys`]).
//! - **Refresh tokens** are random, one per device session, stored only as SHA-256, and
//!   rotate on every use. Presenting a spent one means it was copied: the device is revoked
//!   and the caller cuts its socket (see [`Refresh::Replayed`]).
//!
//! - **Guessing and floods** are pushed back per source address ([`Source`]): failed
//!   passwords and invitation codes by a [`throttle`] each, per account and address with
//!   growing waits, so a stranger slows only themselves; requests to the sign-in routes by a
//!   [`rate`] per address; Argon2 runs by a slot per core, a few per address, and a bounded
//!   wait for one ([`Busy`]).
//!
//! Every function that depends on time takes `now` (seconds since the Unix epoch, or an
//! `Instant` for the throttles) rather than reading the clock, so tests can move time.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};
use std::time::Duration;

use jsonwebtoken::DecodingKey;
use serde::Serialize;
use sync_core::ids::{DeviceId, MemberId, TenantId};
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::http::error::ApiError;
use crate::store::{MemberRecord, RefreshRecord, Rotation, Store};

mod invitation;
mod jwt;
pub mod keys;
mod password;
pub mod rate;
mod refresh;
pub mod settings;
mod source;
#[cfg(test)]
mod tests;
pub mod throttle;

pub use invitation::{INVITATION_TTL_SECONDS, Invitation, invitation_matches};
pub use password::{
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, check_password, hash_password, verify_password,
};

pub use keys::JwtKeys;
pub use settings::{AuthSettings, SignupPolicy};
pub use source::Source;

use jwt::{SigningKey, TokenRules};
use refresh::RefreshToken;

/// Every password-hashing slot stayed taken for as long as a request may wait: the server is
/// flooded; answer at once rather than queue without end.
#[derive(Debug, thiserror::Error)]
#[error("the server is busy hashing passwords; try again shortly")]
pub struct Busy;

/// Requests per core that may wait for a hashing slot; more are [`Busy`] at once.
const HASHING_QUEUE_PER_CORE: usize = 8;

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
#[derive(Clone, Serialize, utoipa::ToSchema)]
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
    /// Verification keys by `kid`. With the store's keys, filled from the store on first
    /// sight: keys never change once stored, so a cached key can't go stale, and the cache
    /// only ever holds kids that exist in the store (an unknown kid is looked up but not
    /// remembered). With configured keys, exactly those, and the store is never asked.
    keys: RwLock<HashMap<String, DecodingKey>>,
    /// Whether a kid not in `keys` may be looked up in the store.
    keys_in_store: bool,
    /// Bounds concurrent Argon2 runs (7 MiB each) to the number of cores.
    hashing: Semaphore,
    /// Bounds the requests waiting for `hashing`.
    hashing_queue: Semaphore,
    /// Longest a request waits for `hashing`.
    hashing_wait: Duration,
    /// Password checks in progress per address, so one address cannot hold every slot.
    pub hashing_by_source: rate::InFlight,
    /// Failed logins (and sign-ups naming a taken email) per account and address.
    pub login: throttle::Throttle,
    /// Failed invitation accepts per account and address: apart from logins, so guessing
    /// codes (which costs the server no hashing) cannot wear down the login counts.
    pub invitations: throttle::Throttle,
    /// Sign-ups per address.
    pub signups: rate::RateLimit,
    /// Logins, refreshes and invitation accepts per address.
    pub sign_ins: rate::RateLimit,
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
    /// Set up signing. With configured keys ([`JwtKeys::Configured`]), read them: the first
    /// signs. Otherwise offer the store a fresh random key and use whichever key it holds
    /// (ours if we are the first node, an earlier node's otherwise).
    pub async fn new(store: Arc<dyn Store>, config: &Config) -> anyhow::Result<Self> {
        let settings = &config.auth;
        let (current, keys, keys_in_store) = match settings.jwt_keys.load()? {
            Some(configured) => {
                let keys: Vec<SigningKey> = configured
                    .iter()
                    .map(|(kid, secret)| SigningKey::new(kid.clone(), secret))
                    .collect();
                let by_kid = keys
                    .iter()
                    .map(|key| (key.kid.clone(), key.decoding().clone()))
                    .collect();
                let current = keys
                    .into_iter()
                    .next()
                    .expect("at least one key is configured");
                (current, by_kid, false)
            }
            None => {
                let candidate_kid = hex::encode(rand::random::<[u8; 16]>());
                let candidate = rand::random::<[u8; 32]>();
                let (kid, secret) = store
                    .current_signing_key(&candidate_kid, &candidate)
                    .await?;
                let current = SigningKey::new(kid.clone(), &secret);
                let keys = HashMap::from([(kid, current.decoding().clone())]);
                (current, keys, true)
            }
        };
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
            keys_in_store,
            hashing: Semaphore::new(cores),
            hashing_queue: Semaphore::new(cores * HASHING_QUEUE_PER_CORE),
            hashing_wait: settings.hashing_wait,
            // An office behind one NAT may log in a few people at once; one address still
            // cannot take more than the cores.
            hashing_by_source: rate::InFlight::new(cores.max(2)),
            login: throttle::Throttle::new(settings.throttle),
            invitations: throttle::Throttle::new(settings.throttle),
            signups: rate::RateLimit::per(settings.signups_per_hour, Duration::from_secs(3600)),
            sign_ins: rate::RateLimit::per(settings.sign_ins_per_minute, Duration::from_secs(60)),
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
            .await?
    }

    /// Whether `password` matches `stored` (a member's password hash, or `None` when no
    /// account has the email given). Costs the same Argon2 work whether or not there is an
    /// account or a usable password, so the answer's timing reveals neither. [`Busy`] when
    /// no hashing slot came free in time.
    pub async fn password_matches(
        &self,
        password: &str,
        stored: Option<&str>,
    ) -> Result<bool, Busy> {
        let (hash, usable) = match stored {
            Some(stored) if password::is_password_hash(stored) => (stored.to_string(), true),
            _ => (password::DECOY_HASH.clone(), false),
        };
        let password = password.to_string();
        let matches = self
            .off_thread(move || password::verify_password(&password, &hash))
            .await?;
        Ok(matches && usable)
    }

    /// What a sign-up answers when it cannot say the truth (the email belongs to an account
    /// and the password is not its password): ids and tokens of the same form as a real
    /// session's, for a tenant, member and device that do not exist, so they are refused
    /// at first use. Nothing is stored.
    pub fn decoy(&self, now: i64) -> (TenantId, MemberId, DeviceId, Tokens) {
        let tenant = TenantId::from_u128(rand::random());
        let member = MemberId::from_u128(rand::random());
        let device = DeviceId::from_u128(rand::random());
        let tokens = self.tokens(RefreshToken::generate(tenant, member, device), now);
        (tenant, member, device, tokens)
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
        if !self.keys_in_store {
            return Err(ApiError::Unauthorized);
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

    /// Run Argon2 work on the blocking pool, at most one job per core; [`Busy`] when too
    /// many already wait, or no slot comes free within the configured wait.
    async fn off_thread<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let _queued = self.hashing_queue.try_acquire().map_err(|_| Busy)?;
        let _permit = tokio::time::timeout(self.hashing_wait, self.hashing.acquire())
            .await
            .map_err(|_| Busy)?
            .expect("the hashing semaphore is never closed");
        match tokio::task::spawn_blocking(work).await {
            Ok(value) => Ok(value),
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
