//! The contact routes: list and search, create, read, change fields, lifecycle, sharing,
//! ownership, history and restore, activity and tags. Handlers parse the request, call
//! [`crate::contacts`] (which authorises and writes CRDT changes for the caller) and map the
//! answer; the JSON shapes are in [`json`] and [`input`].
//!
//! A contact the caller may not see answers `404 not_found` on every route, exactly as one
//! that does not exist.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use sync_core::ids::{ContactId, IdParseError};
use sync_core::validate::{FieldError, ValidationErrors};

use super::accounts::AuthenticatedMember;
use super::error::ApiError;
use crate::contacts::{Caller, ContactsError};
use crate::state::AppState;
use crate::store::StoreError;

pub mod input;
pub mod json;
mod lifecycle;
pub(crate) mod list;
mod one;
mod revisions;
mod tags;

/// The contact and tag routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list::list, one::create))
        .routes(routes!(one::read, one::patch, one::purge))
        .routes(routes!(lifecycle::archive))
        .routes(routes!(lifecycle::unarchive))
        .routes(routes!(lifecycle::trash))
        .routes(routes!(lifecycle::restore))
        .routes(routes!(lifecycle::set_visibility))
        .routes(routes!(lifecycle::transfer_owner))
        .routes(routes!(revisions::history))
        .routes(routes!(revisions::restore))
        .routes(routes!(revisions::activity_log, revisions::log_activity))
        .routes(routes!(tags::retag))
        .routes(routes!(tags::list_tags))
        .routes(routes!(tags::rename_tag, tags::delete_tag))
        .routes(routes!(tags::empty_trash))
}

/// The member calling, as the contact rules see them: authenticated (an active member on a
/// device not revoked), with their role, groups and units.
pub struct ContactCaller(pub Caller);

impl FromRequestParts<AppState> for ContactCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = AuthenticatedMember::from_request_parts(parts, state).await?;
        let claims = caller.claims;
        let loaded = Caller::load(
            state.store.as_ref(),
            claims.tenant,
            claims.member,
            caller.member.role,
        )
        .await?;
        Ok(Self(loaded))
    }
}

/// The contact id of a path.
fn contact_id(text: &str) -> Result<ContactId, ApiError> {
    text.parse()
        .map_err(|error: IdParseError| ApiError::bad("id", error.to_string()))
}

impl From<ContactsError> for ApiError {
    fn from(error: ContactsError) -> Self {
        match error {
            ContactsError::NotFound(id) => ApiError::NotFound(format!("contact {id}")),
            ContactsError::Forbidden(message) => ApiError::Forbidden(message),
            ContactsError::BadInput { field, message } => ApiError::BadRequest { field, message },
            ContactsError::Invalid(errors) => invalid(errors),
            ContactsError::TooLarge(message) => ApiError::TooLarge(message),
            ContactsError::Rejected(rejection) => match rejection.code.as_str() {
                sync_core::accept::codes::FORBIDDEN => ApiError::Forbidden(rejection.message),
                sync_core::accept::codes::TOO_LARGE => ApiError::TooLarge(rejection.message),
                sync_core::accept::codes::INVALID => ApiError::Invalid {
                    field: "body".into(),
                    message: rejection.message,
                },
                // The server's own change refused as malformed or missing dependencies: its
                // fault, not the caller's.
                _ => ApiError::Unavailable(StoreError::Corrupt(format!(
                    "a REST write was refused: {} {}",
                    rejection.code, rejection.message
                ))),
            },
            ContactsError::Store(error) => error.into(),
        }
    }
}

/// A value that does not read (a phone number, a date) as `invalid`, naming its field.
fn field_invalid(error: FieldError) -> ApiError {
    invalid(ValidationErrors(vec![error]))
}

/// Broken field rules as `invalid`, naming the first field; the message lists every problem.
fn invalid(errors: ValidationErrors) -> ApiError {
    let Some(first) = errors.0.first() else {
        return ApiError::Invalid {
            field: "body".into(),
            message: "the edit was not saved".into(),
        };
    };
    let field = first.field().to_string();
    let message = if errors.0.len() == 1 {
        let text = first.to_string();
        text.strip_prefix(&format!("{field}: "))
            .unwrap_or(&text)
            .to_string()
    } else {
        errors.to_string()
    };
    ApiError::Invalid { field, message }
}
