//! Devices: a member lists their own and signs one out; owners and admins can sign out any
//! device in the company (a lost phone, someone who left), except that an admin can't sign
//! out the owner.

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use sync_core::ids::{DeviceId, IdParseError};
use utoipa::ToSchema;

use super::AuthenticatedMember;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::store::Role;

/// One device as listed.
#[derive(Serialize, ToSchema)]
pub(super) struct DeviceView {
    /// The device's id.
    id: String,
    /// What its member called it.
    name: String,
    /// Signed out: it can no longer refresh tokens or connect.
    revoked: bool,
    /// Whether this is the device making the request.
    current: bool,
}

/// `GET /v1/devices`.
#[derive(Serialize, ToSchema)]
pub(super) struct DeviceList {
    /// The caller's devices.
    devices: Vec<DeviceView>,
}

/// The caller's devices.
#[utoipa::path(
    get, path = "/v1/devices", tag = "accounts",
    responses((status = 200, description = "The caller's devices", body = DeviceList))
)]
pub(super) async fn list(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
) -> Result<Json<DeviceList>, ApiError> {
    let devices = state
        .store
        .devices_of(caller.claims.tenant, caller.claims.member)
        .await?;
    let devices = devices
        .into_iter()
        .map(|device| DeviceView {
            id: device.device.to_string(),
            name: device.name,
            revoked: device.revoked,
            current: device.device == caller.claims.device,
        })
        .collect();
    Ok(Json(DeviceList { devices }))
}

/// Sign a device out: its tokens stop working and its socket closes at once.
#[utoipa::path(
    delete, path = "/v1/devices/{id}", tag = "accounts",
    params(("id" = String, Path, description = "The device's id")),
    responses(
        (status = 204, description = "Signed out"),
        (status = 403, description = "Another member's device, or the owner's device by an admin", body = ErrorBody),
        (status = 404, description = "No such device in the company", body = ErrorBody),
    )
)]
pub(super) async fn revoke(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let device: DeviceId = id
        .parse()
        .map_err(|error: IdParseError| ApiError::bad("id", error.to_string()))?;
    let tenant = caller.claims.tenant;
    // Looked up within the caller's tenant: another company's device is "not found".
    let Some(record) = state.store.device(tenant, device).await? else {
        return Err(ApiError::NotFound(format!("device {device}")));
    };
    if record.member != caller.claims.member {
        if !caller.is_admin() {
            return Err(ApiError::Forbidden(
                "you can only sign out your own devices".into(),
            ));
        }
        if caller.member.role != Role::Owner {
            let owner_of_device = state.store.member(tenant, record.member).await?;
            if owner_of_device.is_some_and(|member| member.role == Role::Owner) {
                return Err(ApiError::Forbidden(
                    "only the owner can sign out the owner's devices".into(),
                ));
            }
        }
    }
    state.store.revoke_device(tenant, device).await?;
    // Its access token stops working at once (every request checks the device), and its open
    // sync socket is closed now rather than when the token expires.
    state.hub.device_revoked(tenant, device);
    Ok(StatusCode::NO_CONTENT)
}
