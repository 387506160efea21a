//! Who this replica signs in as: the server, the ids the server gave at login, and the tokens.

use std::fmt;

use sync_core::ids::{DeviceId, MemberId, TenantId};

/// A secret string (a token or a password) that never shows in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// The device's credentials: a short-lived access token and the refresh token that gets a new
/// one. The refresh token rotates on every use, so both are always stored together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The bearer token presented at the WebSocket upgrade.
    pub access_token: Secret,
    /// Exchanged for new tokens at `POST /v1/token`; usable once.
    pub refresh_token: Secret,
    /// When the access token stops working (ms since the Unix epoch, UTC, by this device's
    /// clock, from the server's `expires_in`).
    pub access_expires_ms: i64,
}

impl Tokens {
    /// Whether the access token expires within `margin_ms` of `now_ms`: refreshing a little
    /// early avoids an upgrade refused for a token that expired in flight.
    pub fn expires_within(&self, now_ms: i64, margin_ms: i64) -> bool {
        self.access_expires_ms - margin_ms <= now_ms
    }
}

/// The signed-in account of a replica.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The server's base address, `http://host:port`.
    pub server: String,
    /// The company.
    pub tenant: TenantId,
    /// The person.
    pub member: MemberId,
    /// This device, as registered at login; named in every `hello`.
    pub device: DeviceId,
    /// Current credentials.
    pub tokens: Tokens,
    /// Country national phone numbers are dialled in (ISO 3166-1 alpha-2), if known.
    pub default_region: Option<String>,
}

/// Milliseconds since the Unix epoch, by this device's clock.
pub(crate) fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}
