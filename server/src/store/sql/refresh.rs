//! What rotating a refresh token does, decided the same way by both stores.

use sync_core::ids::{DeviceId, MemberId, TenantId};

use crate::store::RefreshRecord;

/// What rotating a refresh token does, given the stored token and its device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RotationStep {
    /// Refuse: unknown, expired, issued to another device, or its device is revoked.
    Invalid,
    /// A spent token came back: revoke every token of the device.
    Reused,
    /// Spend it and store the new one.
    Rotate,
}

/// The stored facts about a presented refresh token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StoredRefresh {
    /// Who and what it was issued to.
    pub tenant: TenantId,
    /// The member.
    pub member: MemberId,
    /// The device.
    pub device: DeviceId,
    /// Expiry, seconds since the Unix epoch.
    pub expires_at: i64,
    /// Already exchanged for a newer token.
    pub spent: bool,
    /// Its device was revoked.
    pub device_revoked: bool,
}

/// Decide a rotation of `stored` into `new` at `now`.
pub(crate) fn rotation_step(
    stored: Option<StoredRefresh>,
    new: &RefreshRecord,
    now: i64,
) -> RotationStep {
    let Some(stored) = stored else {
        return RotationStep::Invalid;
    };
    if stored.device_revoked || stored.expires_at <= now {
        RotationStep::Invalid
    } else if stored.spent {
        RotationStep::Reused
    } else if (stored.tenant, stored.member, stored.device) != (new.tenant, new.member, new.device)
    {
        // The new token must go to the holder of the old one; anything else is a bug or an
        // attempt to move a session to another device.
        RotationStep::Invalid
    } else {
        RotationStep::Rotate
    }
}
