//! Authentication (placeholder being written: see the auth task).

use std::sync::Arc;

use sync_core::ids::{DeviceId, MemberId, TenantId};

use crate::config::Config;
use crate::http::error::ApiError;
use crate::store::{Store, StoreError};

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

/// Issues and checks tokens.
pub struct Auth {
    #[allow(dead_code)]
    store: Arc<dyn Store>,
}

impl Auth {
    /// Set up signing keys.
    pub async fn new(store: Arc<dyn Store>, _config: &Config) -> Result<Self, StoreError> {
        Ok(Self { store })
    }

    /// Check an access token at `now` (seconds since the Unix epoch).
    pub async fn verify_access(&self, _token: &str, _now: i64) -> Result<AccessClaims, ApiError> {
        Err(ApiError::Unauthorized)
    }
}
