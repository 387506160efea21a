//! Tags (on one contact, and across the company) and emptying the trash.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::ContactView;
use super::{ContactCaller, contact_id};
use crate::contacts;
use crate::http::accounts::JsonBody;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::Path;
use crate::state::AppState;

/// `POST /v1/contacts/{id}/tags`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RetagRequest {
    /// Tags to add.
    add: Vec<String>,
    /// Tags to remove (a tag both added and removed ends removed).
    remove: Vec<String>,
}

/// Add and remove tags on a contact.
#[utoipa::path(
    post, path = "/v1/contacts/{id}/tags", tag = "tags",
    params(("id" = String, Path, description = "The contact's id")),
    request_body = RetagRequest,
    responses(
        (status = 200, description = "The contact, retagged", body = ContactView),
        (status = 400, description = "A tag breaks the rules (`invalid`)", body = ErrorBody),
        (status = 404, description = "No such contact, or not one the caller may see", body = ErrorBody),
    )
)]
pub async fn retag(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<RetagRequest>,
) -> Result<Json<ContactView>, ApiError> {
    let id = contact_id(&id)?;
    let viewed = contacts::retag(&state, &caller, id, request.add, request.remove).await?;
    Ok(Json(ContactView::of(&viewed)?))
}

/// A tag and how many contacts carry it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagView {
    /// The tag.
    tag: String,
    /// How many contacts the caller may see (not in the trash) carry it.
    count: u64,
}

/// Every tag on the contacts the caller may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagList {
    /// The tags, sorted.
    tags: Vec<TagView>,
}

/// The tags on the contacts the caller may see, with their counts.
#[utoipa::path(
    get, path = "/v1/tags", tag = "tags",
    responses((status = 200, description = "The tags", body = TagList))
)]
pub async fn list_tags(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
) -> Result<Json<TagList>, ApiError> {
    let tags = contacts::tags(state.store.as_ref(), &caller).await?;
    Ok(Json(TagList {
        tags: tags
            .into_iter()
            .map(|tag| TagView {
                tag: tag.tag,
                count: tag.count,
            })
            .collect(),
    }))
}

/// `PUT /v1/tags/{tag}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RenameTagRequest {
    /// The tag's new name.
    name: String,
}

/// How many contacts a company-wide tag change edited.
#[derive(Debug, Serialize, ToSchema)]
pub struct Retagged {
    /// Contacts edited.
    contacts: usize,
}

/// Rename a tag on every contact of the company.
#[utoipa::path(
    put, path = "/v1/tags/{tag}", tag = "tags",
    params(("tag" = String, Path, description = "The tag to rename")),
    request_body = RenameTagRequest,
    responses(
        (status = 200, description = "How many contacts changed", body = Retagged),
        (status = 400, description = "The new name is not a tag (`field`: `name`)", body = ErrorBody),
        (status = 403, description = "Only admins and the company owner", body = ErrorBody),
    )
)]
pub async fn rename_tag(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(tag): Path<String>,
    JsonBody(request): JsonBody<RenameTagRequest>,
) -> Result<Json<Retagged>, ApiError> {
    let contacts = contacts::rename_tag(&state, &caller, &tag, &request.name).await?;
    Ok(Json(Retagged { contacts }))
}

/// Remove a tag from every contact of the company.
#[utoipa::path(
    delete, path = "/v1/tags/{tag}", tag = "tags",
    params(("tag" = String, Path, description = "The tag to remove")),
    responses(
        (status = 200, description = "How many contacts changed", body = Retagged),
        (status = 403, description = "Only admins and the company owner", body = ErrorBody),
    )
)]
pub async fn delete_tag(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(tag): Path<String>,
) -> Result<Json<Retagged>, ApiError> {
    let contacts = contacts::delete_tag(&state, &caller, &tag).await?;
    Ok(Json(Retagged { contacts }))
}

/// How many contacts emptying the trash deleted.
#[derive(Debug, Serialize, ToSchema)]
pub struct Emptied {
    /// Contacts deleted for good.
    purged: usize,
}

/// Empty the caller's trash: delete for good every contact in it they may manage.
#[utoipa::path(
    delete, path = "/v1/trash", tag = "contacts",
    responses((status = 200, description = "How many went", body = Emptied))
)]
pub async fn empty_trash(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
) -> Result<Json<Emptied>, ApiError> {
    let purged = contacts::empty_trash(&state, &caller).await?;
    Ok(Json(Emptied { purged }))
}
