//! One contact: create it, read it, change its fields, delete it for good.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::input::ContactInput;
use super::json::ContactView;
use super::{ContactCaller, contact_id, field_invalid};
use crate::contacts;
use crate::http::accounts::JsonBody;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::Path;
use crate::state::AppState;

/// Create a contact owned by the caller.
#[utoipa::path(
    post, path = "/v1/contacts", tag = "contacts",
    request_body = ContactInput,
    responses(
        (status = 201, description = "The new contact", body = ContactView),
        (status = 400, description = "A field breaks a rule (`invalid`) or does not read (`bad_request`); `field` names it", body = ErrorBody),
        (status = 422, description = "The contact would be over the size cap (`too_large`)", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    JsonBody(mut input): JsonBody<ContactInput>,
) -> Result<(StatusCode, Json<ContactView>), ApiError> {
    let visibility = input
        .visibility
        .take()
        .map(|given| given.read())
        .transpose()?;
    let region = state.store.tenant_region(caller.tenant).await?;
    let patch = input.parse(&region).map_err(field_invalid)?;
    let mut contact = sync_core::contact::Contact::default();
    patch.apply(&mut contact);
    let created = contacts::create(&state, &caller, contact, visibility).await?;
    Ok((StatusCode::CREATED, Json(ContactView::of(&created)?)))
}

/// Read a contact, with the values written concurrently.
#[utoipa::path(
    get, path = "/v1/contacts/{id}", tag = "contacts",
    params(("id" = String, Path, description = "The contact's id")),
    responses(
        (status = 200, description = "The contact", body = ContactView),
        (status = 404, description = "No such contact, or not one the caller may see", body = ErrorBody),
    )
)]
pub async fn read(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
) -> Result<Json<ContactView>, ApiError> {
    let viewed = contacts::get(state.store.as_ref(), &caller, contact_id(&id)?).await?;
    Ok(Json(ContactView::with_conflicts(&viewed)?))
}

/// Change fields: every top-level field present replaces that field.
#[utoipa::path(
    patch, path = "/v1/contacts/{id}", tag = "contacts",
    params(("id" = String, Path, description = "The contact's id")),
    request_body = ContactInput,
    responses(
        (status = 200, description = "The contact as changed", body = ContactView),
        (status = 400, description = "A field breaks a rule (`invalid`) or does not read (`bad_request`); `field` names it", body = ErrorBody),
        (status = 404, description = "No such contact, or not one the caller may see", body = ErrorBody),
        (status = 422, description = "The contact would be over the size cap (`too_large`)", body = ErrorBody),
    )
)]
pub async fn patch(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ContactInput>,
) -> Result<Json<ContactView>, ApiError> {
    let id = contact_id(&id)?;
    if input.visibility.is_some() {
        return Err(ApiError::bad(
            "visibility",
            "is changed with PUT /v1/contacts/{id}/visibility",
        ));
    }
    let region = state.store.tenant_region(caller.tenant).await?;
    let patch = input.parse(&region).map_err(field_invalid)?;
    let edited = contacts::edit(&state, &caller, id, move |contact| patch.apply(contact)).await?;
    Ok(Json(ContactView::of(&edited)?))
}

/// Delete a contact for good, from the server and every device.
#[utoipa::path(
    delete, path = "/v1/contacts/{id}", tag = "contacts",
    params(("id" = String, Path, description = "The contact's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "The caller sees it but is not its owner or an admin", body = ErrorBody),
        (status = 404, description = "No such contact, or not one the caller may see", body = ErrorBody),
    )
)]
pub async fn purge(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    contacts::purge(&state, &caller, contact_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
