//! A contact's lifecycle (archive, trash and back: edits anyone who sees it may make) and its
//! sharing and ownership (its owner's, admins' and the company owner's).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;

use sync_core::ids::{IdParseError, MemberId};

use super::input::VisibilityInput;
use super::json::ContactView;
use super::{ContactCaller, contact_id};
use crate::contacts;
use crate::http::accounts::JsonBody;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::Path;
use crate::state::AppState;

/// Archive a contact: it leaves the default list and is found with `shelf=archived`.
#[utoipa::path(
    post, path = "/v1/contacts/{id}/archive", tag = "contacts",
    params(("id" = String, Path, description = "The contact's id")),
    responses(
        (status = 200, description = "The contact, archived", body = ContactView),
        (status = 404, description = "No such contact, or not one the caller may see", body = ErrorBody),
    )
)]
pub async fn archive(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
) -> Result<Json<ContactView>, ApiError> {
    let viewed = contacts::set_archived(&state, &caller, contact_id(&id)?, true).await?;
    Ok(Json(ContactView::of(&viewed)?))
}

/// Take a contact out of the archive.
#[utoipa::path(
    post, path = "/v1/contacts/{id}/unarchive", tag = "contacts",
    params(("id" = String, Path, description = "The contact's id")),
    responses(
        (status = 200, description = "The contact, back in the default list", body = ContactView),
        (status = 404, description = "No such contact, or not one the caller may see", body = ErrorBody),
    )
)]
pub async fn unarchive(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
) -> Result<Json<ContactView>, ApiError> {
    let viewed = contacts::set_archived(&state, &caller, contact_id(&id)?, false).await?;
    Ok(Json(ContactView::of(&viewed)?))
}

/// Move a contact to the trash (found with `shelf=trash`; emptied after 30 days).
#[utoipa::path(
    post, path = "/v1/contacts/{id}/trash", tag = "contacts",
    params(("id" = String, Path, description = "The contact's id")),
    responses(
        (status = 200, description = "The contact, in the trash", body = ContactView),
        (status = 404, description = "No such contact, or not one the caller may see", body = ErrorBody),
    )
)]
pub async fn trash(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
) -> Result<Json<ContactView>, ApiError> {
    let viewed = contacts::set_trashed(&state, &caller, contact_id(&id)?, true).await?;
    Ok(Json(ContactView::of(&viewed)?))
}

/// Take a contact out of the trash.
#[utoipa::path(
    post, path = "/v1/contacts/{id}/restore", tag = "contacts",
    params(("id" = String, Path, description = "The contact's id")),
    responses(
        (status = 200, description = "The contact, out of the trash", body = ContactView),
        (status = 404, description = "No such contact, or not one the caller may see", body = ErrorBody),
    )
)]
pub async fn restore(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
) -> Result<Json<ContactView>, ApiError> {
    let viewed = contacts::set_trashed(&state, &caller, contact_id(&id)?, false).await?;
    Ok(Json(ContactView::of(&viewed)?))
}

/// Change who may see a contact.
#[utoipa::path(
    put, path = "/v1/contacts/{id}/visibility", tag = "contacts",
    params(("id" = String, Path, description = "The contact's id")),
    request_body = VisibilityInput,
    responses(
        (status = 200, description = "The contact, shared anew", body = ContactView),
        (status = 400, description = "A member, group or unit that is not the company's, or too many (`field` names it)", body = ErrorBody),
        (status = 403, description = "The caller sees it but is not its owner or an admin", body = ErrorBody),
        (status = 404, description = "No such contact, or not one the caller may see or manage", body = ErrorBody),
    )
)]
pub async fn set_visibility(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<VisibilityInput>,
) -> Result<Json<ContactView>, ApiError> {
    let id = contact_id(&id)?;
    let visibility = request.read()?;
    let viewed = contacts::set_visibility(&state, &caller, id, visibility).await?;
    Ok(Json(ContactView::of(&viewed)?))
}

/// `PUT /v1/contacts/{id}/owner`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct OwnerRequest {
    /// The member to hand the contact to (active, of the company).
    owner: String,
}

/// Hand a contact to another member; the previous owner keeps sight of it.
#[utoipa::path(
    put, path = "/v1/contacts/{id}/owner", tag = "contacts",
    params(("id" = String, Path, description = "The contact's id")),
    request_body = OwnerRequest,
    responses(
        (status = 200, description = "The contact with its new owner", body = ContactView),
        (status = 400, description = "Not an active member of the company (`field`: `owner`)", body = ErrorBody),
        (status = 403, description = "The caller sees it but is not its owner or an admin", body = ErrorBody),
        (status = 404, description = "No such contact, or not one the caller may see or manage", body = ErrorBody),
    )
)]
pub async fn transfer_owner(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<OwnerRequest>,
) -> Result<Json<ContactView>, ApiError> {
    let id = contact_id(&id)?;
    let owner: MemberId = request
        .owner
        .trim()
        .parse()
        .map_err(|error: IdParseError| ApiError::bad("owner", error.to_string()))?;
    let viewed = contacts::transfer_owner(&state, &caller, id, owner).await?;
    Ok(Json(ContactView::of(&viewed)?))
}
