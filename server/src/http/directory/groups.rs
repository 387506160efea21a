//! Groups: named sets of members that contacts are shared with.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use sync_core::ids::GroupId;

use super::{advanced, known_member, parse_id, require_admin};
use crate::http::accounts::{AuthenticatedMember, JsonBody, name_field};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::Path;
use crate::state::AppState;
use crate::store::GroupRecord;

/// `POST /v1/groups`, `PATCH /v1/groups/{id}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(super) struct GroupRequest {
    /// The group's name, unique in the company.
    name: String,
}

/// `POST /v1/groups/{id}/members`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(super) struct MemberRequest {
    /// The member's id.
    member: String,
}

/// A new group.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct NewGroup {
    /// The group's id.
    id: String,
    /// Its name.
    name: String,
}

/// A group and its members.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct GroupView {
    /// The group's id.
    id: String,
    /// Its name.
    name: String,
    /// Its members' ids.
    members: Vec<String>,
}

impl From<GroupRecord> for GroupView {
    fn from(group: GroupRecord) -> Self {
        Self {
            id: group.id.to_string(),
            name: group.name,
            members: group.members.iter().map(ToString::to_string).collect(),
        }
    }
}

/// Every group of the company.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct GroupList {
    /// The groups, by name.
    groups: Vec<GroupView>,
}

/// The company's groups with their members.
#[utoipa::path(
    get, path = "/v1/groups", tag = "directory",
    responses((status = 200, description = "Every group", body = GroupList))
)]
pub(super) async fn list(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
) -> Result<Json<GroupList>, ApiError> {
    let groups = state.store.groups(caller.claims.tenant).await?;
    Ok(Json(GroupList {
        groups: groups.into_iter().map(GroupView::from).collect(),
    }))
}

/// Create a group.
#[utoipa::path(
    post, path = "/v1/groups", tag = "directory",
    request_body = GroupRequest,
    responses(
        (status = 201, description = "The new group", body = NewGroup),
        (status = 400, description = "The name is missing or too long (`field`: `name`)", body = ErrorBody),
        (status = 403, description = "Only the owner and admins", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
    )
)]
pub(super) async fn create(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
    JsonBody(request): JsonBody<GroupRequest>,
) -> Result<(StatusCode, Json<NewGroup>), ApiError> {
    require_admin(&caller)?;
    let name = name_field("name", &request.name, None)?;
    let id = state
        .store
        .create_group(caller.claims.tenant, &name)
        .await?;
    let id = id.to_string();
    Ok((StatusCode::CREATED, Json(NewGroup { id, name })))
}

/// Rename a group.
#[utoipa::path(
    patch, path = "/v1/groups/{id}", tag = "directory",
    params(("id" = String, Path, description = "The group's id")),
    request_body = GroupRequest,
    responses(
        (status = 200, description = "The group", body = GroupView),
        (status = 403, description = "Only the owner and admins", body = ErrorBody),
        (status = 404, description = "No such group", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
    )
)]
pub(super) async fn rename(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<GroupRequest>,
) -> Result<Json<GroupView>, ApiError> {
    require_admin(&caller)?;
    let group: GroupId = parse_id("id", &id)?;
    let name = name_field("name", &request.name, None)?;
    let tenant = caller.claims.tenant;
    state.store.rename_group(tenant, group, &name).await?;
    Ok(Json(one(&state, tenant, group).await?))
}

/// Delete a group: its members lose what was shared with them through it.
#[utoipa::path(
    delete, path = "/v1/groups/{id}", tag = "directory",
    params(("id" = String, Path, description = "The group's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Only the owner and admins", body = ErrorBody),
        (status = 404, description = "No such group", body = ErrorBody),
    )
)]
pub(super) async fn delete(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    require_admin(&caller)?;
    let group: GroupId = parse_id("id", &id)?;
    let tenant = caller.claims.tenant;
    state.store.delete_group(tenant, group).await?;
    advanced(&state, tenant).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Put a member in a group: they see what is shared with it, at once.
#[utoipa::path(
    post, path = "/v1/groups/{id}/members", tag = "directory",
    params(("id" = String, Path, description = "The group's id")),
    request_body = MemberRequest,
    responses(
        (status = 204, description = "In the group"),
        (status = 403, description = "Only the owner and admins", body = ErrorBody),
        (status = 404, description = "No such group or member", body = ErrorBody),
    )
)]
pub(super) async fn add_member(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<MemberRequest>,
) -> Result<StatusCode, ApiError> {
    require_admin(&caller)?;
    let group: GroupId = parse_id("id", &id)?;
    let tenant = caller.claims.tenant;
    let member = known_member(&state, tenant, "member", &request.member).await?;
    one(&state, tenant, group).await?;
    state.store.add_to_group(tenant, group, member).await?;
    advanced(&state, tenant).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take a member out of a group: they lose what was shared with them only through it, at once.
#[utoipa::path(
    delete, path = "/v1/groups/{id}/members/{member}", tag = "directory",
    params(
        ("id" = String, Path, description = "The group's id"),
        ("member" = String, Path, description = "The member's id"),
    ),
    responses(
        (status = 204, description = "Out of the group"),
        (status = 403, description = "Only the owner and admins", body = ErrorBody),
        (status = 404, description = "No such group or member", body = ErrorBody),
    )
)]
pub(super) async fn remove_member(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
    Path((id, member)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    require_admin(&caller)?;
    let group: GroupId = parse_id("id", &id)?;
    let tenant = caller.claims.tenant;
    let member = known_member(&state, tenant, "member", &member).await?;
    one(&state, tenant, group).await?;
    state.store.remove_from_group(tenant, group, member).await?;
    advanced(&state, tenant).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Group `group` of `tenant`, or `not_found`.
async fn one(
    state: &AppState,
    tenant: sync_core::ids::TenantId,
    group: GroupId,
) -> Result<GroupView, ApiError> {
    state
        .store
        .groups(tenant)
        .await?
        .into_iter()
        .find(|record| record.id == group)
        .map(GroupView::from)
        .ok_or_else(|| ApiError::NotFound(format!("group {group}")))
}
