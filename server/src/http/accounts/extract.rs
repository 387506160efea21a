//! Extractors: who is calling (from `Authorization: Bearer …`) and JSON bodies whose
//! failures answer in the API's error shape.

use std::fmt;

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::auth::AccessClaims;
use crate::http::error::ApiError;
use crate::state::{AppState, now_seconds};
use crate::store::{MemberRecord, Role};

/// A request with a valid access token whose device is not revoked and whose member is
/// active. Handlers that only need to know who is calling take this.
#[derive(Debug, Clone, Copy)]
pub struct Authenticated(pub AccessClaims);

/// [`Authenticated`], with the caller's member record (role, name) that the checks loaded
/// anyway: for handlers that authorise by role.
#[derive(Clone)]
pub struct AuthenticatedMember {
    /// Who the token speaks for.
    pub claims: AccessClaims,
    /// The caller as stored.
    pub member: MemberRecord,
}

impl AuthenticatedMember {
    /// Whether the caller manages the tenant (an owner or an admin).
    pub fn is_admin(&self) -> bool {
        matches!(self.member.role, Role::Owner | Role::Admin)
    }
}

impl fmt::Debug for AuthenticatedMember {
    // The member record carries a password hash, which has no place in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticatedMember")
            .field("claims", &self.claims)
            .field("role", &self.member.role)
            .finish_non_exhaustive()
    }
}

impl FromRequestParts<AppState> for AuthenticatedMember {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(parts)?;
        let (claims, member) = state.auth.authenticate(token, now_seconds()).await?;
        Ok(Self { claims, member })
    }
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = AuthenticatedMember::from_request_parts(parts, state).await?;
        Ok(Self(caller.claims))
    }
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer_token(parts: &Parts) -> Result<&str, ApiError> {
    crate::http::headers::bearer(&parts.headers).ok_or(ApiError::Unauthorized)
}

/// A JSON request body. Unlike axum's `Json`, a body that is refused answers in the API's
/// error shape (`http::extract`): not JSON is `malformed_json`, another content type
/// `unsupported_media_type`, too large `payload_too_large`, a value of the wrong type a
/// `bad_request` naming the field. Request types give every field a default, so a missing
/// field reaches the handler's own checks, which name it.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(rejection.into()),
        }
    }
}
