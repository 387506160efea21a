//! Starting sessions: sign-up, login, accepting an invitation, and refreshing tokens.
//!
//! Every way in registers a new device record: one per phone (or browser), each with its own
//! refresh tokens, so one lost phone can be revoked without signing out the others.

use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sync_core::ids::{MemberId, TenantId};
use sync_core::validate::parse_country;

use super::{JsonBody, field_error, login_email, name_field};
use crate::auth::{MAX_PASSWORD_CHARS, Refresh, Tokens, invitation_matches};
use crate::http::error::ApiError;
use crate::state::{AppState, now_seconds};
use crate::store::NewTenant;

/// Region for phone numbers when sign-up names none.
const DEFAULT_REGION: &str = "US";

/// `POST /v1/signup`. Fields default to empty so that a missing one is reported by name.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SignupRequest {
    company: String,
    name: String,
    email: String,
    password: String,
    /// ISO 3166 alpha-2 (or a name `parse_country` reads); blank means [`DEFAULT_REGION`].
    region: String,
    device_name: String,
}

/// `POST /v1/login`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct LoginRequest {
    email: String,
    password: String,
    device_name: String,
}

/// `POST /v1/invitations/accept`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AcceptRequest {
    email: String,
    invite_code: String,
    password: String,
    device_name: String,
}

/// `POST /v1/token`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TokenRequest {
    refresh_token: String,
}

/// A logged-in device: who it is and its tokens.
#[derive(Serialize)]
pub(super) struct Session {
    tenant: String,
    member: String,
    device: String,
    /// The company's country: every device reads phone numbers typed without a country
    /// code as numbers of this country.
    region: String,
    #[serde(flatten)]
    tokens: Tokens,
}

pub(super) async fn signup(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<SignupRequest>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    let company = name_field("company", &request.company, None)?;
    let name = name_field("name", &request.name, None)?;
    let email = login_email(&request.email)?;
    let region = match parse_country("region", &request.region).map_err(field_error)? {
        region if region.is_empty() => DEFAULT_REGION.to_string(),
        region => region,
    };
    let device_name = name_field("device_name", &request.device_name, Some("first device"))?;
    let password_hash = state.auth.hash_password(&request.password).await?;
    let new = NewTenant {
        name: company,
        owner_email: email,
        owner_name: name,
        owner_password_hash: password_hash,
        region,
    };
    let (tenant, owner) = state.store.create_tenant(&new).await?;
    let session = start_session(&state, tenant, owner, &device_name).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

pub(super) async fn login(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<LoginRequest>,
) -> Result<Json<Session>, ApiError> {
    // A malformed email or an absurdly long password can't belong to anyone: refuse it before
    // any lookup or hashing (saying which field, which gives nothing away).
    let email = login_email(&request.email)?;
    if request.password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(ApiError::bad(
            "password",
            format!("must have at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    let device_name = name_field("device_name", &request.device_name, Some("new device"))?;
    let throttle = &state.auth.throttle;
    throttle
        .check(&email, Instant::now())
        .map_err(|retry_after| ApiError::TooManyAttempts { retry_after })?;
    let member = state.store.member_by_email(&email).await?;
    let stored = member.as_ref().map(|member| member.password_hash.as_str());
    // Unknown email and wrong password: the same work, the same answer.
    if !state.auth.password_matches(&request.password, stored).await {
        throttle.failed(&email, Instant::now());
        return Err(ApiError::Unauthorized);
    }
    throttle.succeeded(&email);
    let Some(member) = member else {
        return Err(ApiError::Unauthorized);
    };
    if !member.active {
        // Only said to someone who knows the password.
        return Err(ApiError::Forbidden(
            "this account has been deactivated".into(),
        ));
    }
    Ok(Json(
        start_session(&state, member.tenant, member.member, &device_name).await?,
    ))
}

pub(super) async fn accept_invitation(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<AcceptRequest>,
) -> Result<Json<Session>, ApiError> {
    let email = login_email(&request.email)?;
    let device_name = name_field("device_name", &request.device_name, Some("new device"))?;
    crate::auth::check_password(&request.password)?;
    let throttle = &state.auth.throttle;
    throttle
        .check(&email, Instant::now())
        .map_err(|retry_after| ApiError::TooManyAttempts { retry_after })?;
    let member = state.store.member_by_email(&email).await?;
    // Unknown email, wrong or expired code, invitation already accepted: one answer.
    let Some(member) = member.filter(|member| {
        invitation_matches(&member.password_hash, &request.invite_code, now_seconds())
    }) else {
        throttle.failed(&email, Instant::now());
        return Err(ApiError::Unauthorized);
    };
    if !member.active {
        return Err(ApiError::Forbidden(
            "this account has been deactivated".into(),
        ));
    }
    let password_hash = state.auth.hash_password(&request.password).await?;
    // Replacing the invitation with the password is what makes the code single-use: of two
    // accepts racing, only the one that still finds the invitation in place wins.
    let replaced = state
        .store
        .set_password(
            member.tenant,
            member.member,
            &member.password_hash,
            &password_hash,
        )
        .await?;
    if !replaced {
        return Err(ApiError::Unauthorized);
    }
    Ok(Json(
        start_session(&state, member.tenant, member.member, &device_name).await?,
    ))
}

pub(super) async fn token(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<TokenRequest>,
) -> Result<Json<Tokens>, ApiError> {
    match state
        .auth
        .refresh(&request.refresh_token, now_seconds())
        .await?
    {
        Refresh::Rotated(tokens) => Ok(Json(tokens)),
        Refresh::Replayed { tenant, device } => {
            // A spent token came back: whoever holds the device's tokens may be a thief. The
            // store has revoked them; close the device's socket too.
            state.hub.device_revoked(tenant, device);
            Err(ApiError::Unauthorized)
        }
    }
}

/// Register a new device for `member` and issue its first tokens.
async fn start_session(
    state: &AppState,
    tenant: TenantId,
    member: MemberId,
    device_name: &str,
) -> Result<Session, ApiError> {
    let device = state
        .store
        .register_device(tenant, member, device_name)
        .await?;
    let tokens = state
        .auth
        .issue(tenant, member, device, now_seconds())
        .await?;
    let region = state.store.tenant_region(tenant).await?;
    Ok(Session {
        tenant: tenant.to_string(),
        member: member.to_string(),
        device: device.to_string(),
        region,
        tokens,
    })
}
