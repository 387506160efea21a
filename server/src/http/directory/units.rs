//! Org units: a tree of departments. A contact shared with a unit is seen by its members and
//! by the members of every unit below it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use sync_core::ids::{TenantId, UnitId};

use super::{advanced, known_member, parse_id, require_admin};
use crate::http::accounts::{AuthenticatedMember, JsonBody, name_field};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::Path;
use crate::state::AppState;
use crate::store::{UnitChange, UnitRecord};

/// `POST /v1/units`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(super) struct NewUnitRequest {
    /// The unit's name.
    name: String,
    /// The unit it sits in; absent or null at the top.
    parent: Option<String>,
}

/// `PATCH /v1/units/{id}`: absent fields stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(super) struct UnitChangeRequest {
    /// A new name.
    name: Option<String>,
    /// A new parent; null moves the unit to the top. Never a unit inside it.
    #[serde(deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    parent: Option<Option<String>>,
}

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// `POST /v1/units/{id}/members`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(super) struct MemberRequest {
    /// The member's id.
    member: String,
}

/// A new unit.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct NewUnit {
    /// The unit's id.
    id: String,
    /// Its name.
    name: String,
    /// The unit it sits in, or null.
    parent: Option<String>,
}

/// A unit and its own members (not those of the units below).
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct UnitView {
    /// The unit's id.
    id: String,
    /// Its name.
    name: String,
    /// The unit it sits in, or null at the top.
    parent: Option<String>,
    /// Its own members' ids.
    members: Vec<String>,
}

impl From<UnitRecord> for UnitView {
    fn from(unit: UnitRecord) -> Self {
        Self {
            id: unit.id.to_string(),
            name: unit.name,
            parent: unit.parent.map(|parent| parent.to_string()),
            members: unit.members.iter().map(ToString::to_string).collect(),
        }
    }
}

/// Every unit of the company.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct UnitList {
    /// The units, by name.
    units: Vec<UnitView>,
}

/// The company's org units with their own members.
#[utoipa::path(
    get, path = "/v1/units", tag = "directory",
    responses((status = 200, description = "Every unit", body = UnitList))
)]
pub(super) async fn list(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
) -> Result<Json<UnitList>, ApiError> {
    let units = state.store.units(caller.claims.tenant).await?;
    Ok(Json(UnitList {
        units: units.into_iter().map(UnitView::from).collect(),
    }))
}

/// Create an org unit, at the top or under another.
#[utoipa::path(
    post, path = "/v1/units", tag = "directory",
    request_body = NewUnitRequest,
    responses(
        (status = 201, description = "The new unit", body = NewUnit),
        (status = 400, description = "A field does not read (`field` names it)", body = ErrorBody),
        (status = 403, description = "Only the owner and admins", body = ErrorBody),
        (status = 404, description = "No such parent unit", body = ErrorBody),
    )
)]
pub(super) async fn create(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
    JsonBody(request): JsonBody<NewUnitRequest>,
) -> Result<(StatusCode, Json<NewUnit>), ApiError> {
    require_admin(&caller)?;
    let name = name_field("name", &request.name, None)?;
    let tenant = caller.claims.tenant;
    let parent = match request
        .parent
        .as_deref()
        .filter(|text| !text.trim().is_empty())
    {
        Some(text) => {
            let parent: UnitId = parse_id("parent", text)?;
            one(&state, tenant, parent).await?;
            Some(parent)
        }
        None => None,
    };
    let id = state.store.create_unit(tenant, &name, parent).await?;
    Ok((
        StatusCode::CREATED,
        Json(NewUnit {
            id: id.to_string(),
            name,
            parent: parent.map(|parent| parent.to_string()),
        }),
    ))
}

/// Rename an org unit, or move it (with everything below it) under another parent.
#[utoipa::path(
    patch, path = "/v1/units/{id}", tag = "directory",
    params(("id" = String, Path, description = "The unit's id")),
    request_body = UnitChangeRequest,
    responses(
        (status = 200, description = "The unit", body = UnitView),
        (status = 400, description = "A move into its own subtree, or a field that does not read (`field` names it)", body = ErrorBody),
        (status = 403, description = "Only the owner and admins", body = ErrorBody),
        (status = 404, description = "No such unit", body = ErrorBody),
    )
)]
pub(super) async fn update(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<UnitChangeRequest>,
) -> Result<Json<UnitView>, ApiError> {
    require_admin(&caller)?;
    let unit: UnitId = parse_id("id", &id)?;
    let tenant = caller.claims.tenant;
    let name = request
        .name
        .map(|name| name_field("name", &name, None))
        .transpose()?;
    let parent = match request.parent {
        None => None,
        Some(None) => Some(None),
        Some(Some(text)) if text.trim().is_empty() => Some(None),
        Some(Some(text)) => {
            let parent: UnitId = parse_id("parent", &text)?;
            if one(&state, tenant, parent).await.is_err() {
                return Err(ApiError::bad("parent", format!("no unit {parent}")));
            }
            Some(Some(parent))
        }
    };
    let change = UnitChange { name, parent };
    state.store.update_unit(tenant, unit, &change).await?;
    advanced(&state, tenant).await?;
    Ok(Json(one(&state, tenant, unit).await?))
}

/// Delete an org unit: its members leave it, the units below move up to its parent.
#[utoipa::path(
    delete, path = "/v1/units/{id}", tag = "directory",
    params(("id" = String, Path, description = "The unit's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Only the owner and admins", body = ErrorBody),
        (status = 404, description = "No such unit", body = ErrorBody),
    )
)]
pub(super) async fn delete(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    require_admin(&caller)?;
    let unit: UnitId = parse_id("id", &id)?;
    let tenant = caller.claims.tenant;
    state.store.delete_unit(tenant, unit).await?;
    advanced(&state, tenant).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Put a member in an org unit: they see what is shared with it and the units above, at once.
#[utoipa::path(
    post, path = "/v1/units/{id}/members", tag = "directory",
    params(("id" = String, Path, description = "The unit's id")),
    request_body = MemberRequest,
    responses(
        (status = 204, description = "In the unit"),
        (status = 403, description = "Only the owner and admins", body = ErrorBody),
        (status = 404, description = "No such unit or member", body = ErrorBody),
    )
)]
pub(super) async fn add_member(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<MemberRequest>,
) -> Result<StatusCode, ApiError> {
    require_admin(&caller)?;
    let unit: UnitId = parse_id("id", &id)?;
    let tenant = caller.claims.tenant;
    let member = known_member(&state, tenant, "member", &request.member).await?;
    one(&state, tenant, unit).await?;
    state.store.add_to_unit(tenant, unit, member).await?;
    advanced(&state, tenant).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take a member out of an org unit: they lose what they saw only through it, at once.
#[utoipa::path(
    delete, path = "/v1/units/{id}/members/{member}", tag = "directory",
    params(
        ("id" = String, Path, description = "The unit's id"),
        ("member" = String, Path, description = "The member's id"),
    ),
    responses(
        (status = 204, description = "Out of the unit"),
        (status = 403, description = "Only the owner and admins", body = ErrorBody),
        (status = 404, description = "No such unit or member", body = ErrorBody),
    )
)]
pub(super) async fn remove_member(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
    Path((id, member)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    require_admin(&caller)?;
    let unit: UnitId = parse_id("id", &id)?;
    let tenant = caller.claims.tenant;
    let member = known_member(&state, tenant, "member", &member).await?;
    one(&state, tenant, unit).await?;
    state.store.remove_from_unit(tenant, unit, member).await?;
    advanced(&state, tenant).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unit `unit` of `tenant`, or `not_found`.
async fn one(state: &AppState, tenant: TenantId, unit: UnitId) -> Result<UnitView, ApiError> {
    state
        .store
        .units(tenant)
        .await?
        .into_iter()
        .find(|record| record.id == unit)
        .map(UnitView::from)
        .ok_or_else(|| ApiError::NotFound(format!("unit {unit}")))
}
