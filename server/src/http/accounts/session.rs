//! Starting sessions: sign-up, login, accepting an invitation, and refreshing tokens.
//!
//! Every way in registers a new device record: one per phone (or browser), each with its own
//! refresh tokens, so one lost phone can be revoked without signing out the others.
//!
//! **A sign-up never says an email is taken.** Naming an account's email with that
//! account's password signs its owner in (a retried sign-up whose answer was lost, someone
//! who forgot they had signed up): `201` with a session, as for a new company. Naming it
//! with any other password answers the same `201` and the same fields, with ids and tokens
//! that lead nowhere, so the answer alone does not tell a stranger the address is
//! registered. Making a real account usable at once means a stranger can still find out by
//! using what they got; only verifying the address by mail (which Rolo does not send) would
//! close that, so the sign-up rate per address and the login throttle keep such probing
//! slow, and an exposed server should run with `ROLO_SIGNUP=invite`.

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sync_core::ids::{MemberId, TenantId};
use sync_core::validate::parse_country;
use utoipa::ToSchema;

use super::{ClientAddress, JsonBody, field_error, login_email, name_field};
use crate::auth::rate::Slot;
use crate::auth::{
    MAX_PASSWORD_CHARS, Refresh, SignupPolicy, Source, Tokens, check_password, invitation_matches,
};
use crate::http::error::{ApiError, ErrorBody};
use crate::state::{AppState, now_seconds};
use crate::store::{MemberRecord, NewTenant, StoreError};

/// Region for phone numbers when sign-up names none.
const DEFAULT_REGION: &str = "US";

/// `POST /v1/signup`. Fields default to empty so that a missing one is reported by name.
#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub(super) struct SignupRequest {
    /// The company's name.
    company: String,
    /// The owner's name.
    name: String,
    /// The owner's login email.
    email: String,
    /// At least 10 characters (`auth::password::MIN_PASSWORD_CHARS`).
    password: String,
    /// The company's country, ISO 3166 alpha-2 or a name (`JP`, `Japan`); blank means `US`.
    region: String,
    /// What to call this first device.
    device_name: String,
}

/// `POST /v1/login`.
#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub(super) struct LoginRequest {
    /// The login email.
    email: String,
    /// The password.
    password: String,
    /// What to call this device.
    device_name: String,
}

/// `POST /v1/invitations/accept`.
#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub(super) struct AcceptRequest {
    /// The email the invitation was sent for.
    email: String,
    /// The one-time code the inviter passed on.
    invite_code: String,
    /// The password to set, at least 10 characters.
    password: String,
    /// What to call this device.
    device_name: String,
}

/// `POST /v1/token`.
#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub(super) struct TokenRequest {
    /// The refresh token of the last pair (each works once).
    refresh_token: String,
}

/// A logged-in device: who it is and its tokens.
#[derive(Serialize, ToSchema)]
pub(super) struct Session {
    /// The company's id.
    tenant: String,
    /// The member's id.
    member: String,
    /// This device's id.
    device: String,
    /// The company's country: every device reads phone numbers typed without a country
    /// code as numbers of this country.
    region: String,
    #[serde(flatten)]
    tokens: Tokens,
}

/// Sign up a company and its owner: the owner's first device is signed in.
#[utoipa::path(
    post, path = "/v1/signup", tag = "accounts",
    request_body = SignupRequest,
    responses(
        (status = 201, description = "The new session (also for an email already taken: see the module page)", body = Session),
        (status = 400, description = "A field does not read (`field` names it)", body = ErrorBody),
        (status = 403, description = "This server takes no sign-ups (`signup_closed`, `invitation_required`)", body = ErrorBody),
        (status = 429, description = "Too many requests from this address (`rate_limited`) or failed attempts (`too_many_attempts`); see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Password hashing is saturated (`busy`); see `Retry-After`", body = ErrorBody),
    ),
    security(())
)]
pub(super) async fn signup(
    State(state): State<AppState>,
    ClientAddress(source): ClientAddress,
    JsonBody(request): JsonBody<SignupRequest>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    refuse_signup(&state)?;
    state
        .auth
        .signups
        .allow(source, Instant::now())
        .map_err(rate_limited)?;
    let company = name_field("company", &request.company, None)?;
    let name = name_field("name", &request.name, None)?;
    let email = login_email(&request.email)?;
    let region = match parse_country("region", &request.region).map_err(field_error)? {
        region if region.is_empty() => DEFAULT_REGION.to_string(),
        region => region,
    };
    let device_name = name_field("device_name", &request.device_name, Some("first device"))?;
    check_password(&request.password)?;
    let _slot = hashing_slot(&state, source)?;
    let existing = state.store.member_by_email(&email).await?;
    // A sign-up naming a taken email checks that account's password, so it is a login
    // attempt and throttled as one; a fresh email goes through the same throttle, so a
    // throttled answer says nothing about which it was.
    let throttle = &state.auth.login;
    throttle
        .attempt(&email, existing.is_some(), source, Instant::now())
        .map_err(too_many_attempts)?;
    if let Some(member) = existing {
        let stored = Some(member.password_hash.as_str());
        if !state
            .auth
            .password_matches(&request.password, stored)
            .await?
        {
            return Ok((StatusCode::CREATED, Json(decoy(&state, region))));
        }
        // They already have an account and proved it: signing up again signs them in.
        throttle.succeeded(&email, source);
        return Ok((
            StatusCode::CREATED,
            Json(sign_in(&state, member, &device_name).await?),
        ));
    }
    let password_hash = state.auth.hash_password(&request.password).await?;
    let new = NewTenant {
        name: company,
        owner_email: email.clone(),
        owner_name: name,
        owner_password_hash: password_hash,
        region: region.clone(),
    };
    let (tenant, owner) = match state.store.create_tenant(&new).await {
        Ok(created) => created,
        // Taken since we looked: answered as a taken email always is.
        Err(StoreError::Conflict { .. }) => {
            return Ok((StatusCode::CREATED, Json(decoy(&state, region))));
        }
        Err(error) => return Err(error.into()),
    };
    throttle.succeeded(&email, source);
    let session = start_session(&state, tenant, owner, &device_name).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// Sign in a new device.
#[utoipa::path(
    post, path = "/v1/login", tag = "accounts",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "The new device's session", body = Session),
        (status = 401, description = "Wrong email or password (`unauthorized`)", body = ErrorBody),
        (status = 403, description = "The account was deactivated", body = ErrorBody),
        (status = 429, description = "Too many requests from this address (`rate_limited`) or failed attempts (`too_many_attempts`); see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Password hashing is saturated (`busy`); see `Retry-After`", body = ErrorBody),
    ),
    security(())
)]
pub(super) async fn login(
    State(state): State<AppState>,
    ClientAddress(source): ClientAddress,
    JsonBody(request): JsonBody<LoginRequest>,
) -> Result<Json<Session>, ApiError> {
    state
        .auth
        .sign_ins
        .allow(source, Instant::now())
        .map_err(rate_limited)?;
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
    let _slot = hashing_slot(&state, source)?;
    let member = state.store.member_by_email(&email).await?;
    let throttle = &state.auth.login;
    throttle
        .attempt(&email, member.is_some(), source, Instant::now())
        .map_err(too_many_attempts)?;
    let stored = member.as_ref().map(|member| member.password_hash.as_str());
    // Unknown email and wrong password: the same work, the same answer.
    if !state
        .auth
        .password_matches(&request.password, stored)
        .await?
    {
        return Err(ApiError::Unauthorized);
    }
    let Some(member) = member else {
        return Err(ApiError::Unauthorized);
    };
    throttle.succeeded(&email, source);
    Ok(Json(sign_in(&state, member, &device_name).await?))
}

/// Accept an invitation: set a password and sign in.
#[utoipa::path(
    post, path = "/v1/invitations/accept", tag = "accounts",
    request_body = AcceptRequest,
    responses(
        (status = 200, description = "The new member's first session", body = Session),
        (status = 401, description = "Unknown email, wrong or expired code (`unauthorized`)", body = ErrorBody),
        (status = 403, description = "Deactivated, or this server takes no new members", body = ErrorBody),
        (status = 429, description = "Too many requests from this address (`rate_limited`) or failed attempts (`too_many_attempts`); see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Password hashing is saturated (`busy`); see `Retry-After`", body = ErrorBody),
    ),
    security(())
)]
pub(super) async fn accept_invitation(
    State(state): State<AppState>,
    ClientAddress(source): ClientAddress,
    JsonBody(request): JsonBody<AcceptRequest>,
) -> Result<Json<Session>, ApiError> {
    refuse_invitations(&state)?;
    state
        .auth
        .sign_ins
        .allow(source, Instant::now())
        .map_err(rate_limited)?;
    let email = login_email(&request.email)?;
    let device_name = name_field("device_name", &request.device_name, Some("new device"))?;
    check_password(&request.password)?;
    let member = state.store.member_by_email(&email).await?;
    let throttle = &state.auth.invitations;
    throttle
        .attempt(&email, member.is_some(), source, Instant::now())
        .map_err(too_many_attempts)?;
    // Unknown email, wrong or expired code, invitation already accepted: one answer.
    let Some(member) = member.filter(|member| {
        invitation_matches(&member.password_hash, &request.invite_code, now_seconds())
    }) else {
        return Err(ApiError::Unauthorized);
    };
    throttle.succeeded(&email, source);
    if !member.active {
        return Err(ApiError::Forbidden(
            "this account has been deactivated".into(),
        ));
    }
    let _slot = hashing_slot(&state, source)?;
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
    // Where the new member first signed in is one of their usual places.
    state.auth.login.trust(&email, source);
    Ok(Json(
        start_session(&state, member.tenant, member.member, &device_name).await?,
    ))
}

/// Spend a refresh token for the next token pair.
#[utoipa::path(
    post, path = "/v1/token", tag = "accounts",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "The next pair", body = Tokens),
        (status = 401, description = "Unknown, spent, expired, revoked or deactivated (`unauthorized`)", body = ErrorBody),
        (status = 429, description = "Too many requests from this address (`rate_limited`)", body = ErrorBody),
    ),
    security(())
)]
pub(super) async fn token(
    State(state): State<AppState>,
    ClientAddress(source): ClientAddress,
    JsonBody(request): JsonBody<TokenRequest>,
) -> Result<Json<Tokens>, ApiError> {
    state
        .auth
        .sign_ins
        .allow(source, Instant::now())
        .map_err(rate_limited)?;
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

/// `ApiError::SignupRefused` unless `ROLO_SIGNUP` is `open`.
fn refuse_signup(state: &AppState) -> Result<(), ApiError> {
    match state.config.auth.signup {
        SignupPolicy::Open => Ok(()),
        SignupPolicy::Invite => Err(ApiError::SignupRefused {
            code: "invitation_required",
            message: "this server takes new members by invitation only: ask your company's admin",
        }),
        SignupPolicy::Closed => Err(signup_closed()),
    }
}

/// `ApiError::SignupRefused` when `ROLO_SIGNUP` is `closed`: no new members, invited or not.
pub(super) fn refuse_invitations(state: &AppState) -> Result<(), ApiError> {
    match state.config.auth.signup {
        SignupPolicy::Closed => Err(signup_closed()),
        SignupPolicy::Open | SignupPolicy::Invite => Ok(()),
    }
}

fn signup_closed() -> ApiError {
    ApiError::SignupRefused {
        code: "signup_closed",
        message: "this server takes no new members",
    }
}

fn rate_limited(retry_after: Duration) -> ApiError {
    ApiError::RateLimited { retry_after }
}

fn too_many_attempts(retry_after: Duration) -> ApiError {
    ApiError::TooManyAttempts { retry_after }
}

/// A password-hashing place for one more request from `source`, or a prompt 429 when it
/// already has its share in progress.
fn hashing_slot(state: &AppState, source: Source) -> Result<Slot<'_>, ApiError> {
    state
        .auth
        .hashing_by_source
        .enter(source)
        .ok_or(ApiError::RateLimited {
            retry_after: super::BUSY_RETRY,
        })
}

/// A session for `member`, who gave the right password, as a new device.
async fn sign_in(
    state: &AppState,
    member: MemberRecord,
    device_name: &str,
) -> Result<Session, ApiError> {
    if !member.active {
        // Only said to someone who knows the password.
        return Err(ApiError::Forbidden(
            "this account has been deactivated".into(),
        ));
    }
    start_session(state, member.tenant, member.member, device_name).await
}

/// The answer to a sign-up whose email belongs to someone else: a session's shape, with
/// ids and tokens that lead nowhere (see [`crate::auth::Auth::decoy`]).
fn decoy(state: &AppState, region: String) -> Session {
    let (tenant, member, device, tokens) = state.auth.decoy(now_seconds());
    Session {
        tenant: tenant.to_string(),
        member: member.to_string(),
        device: device.to_string(),
        region,
        tokens,
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
