//! Members and groups of the caller's tenant.
//!
//! Who may do what: any member sees the member list; owners and admins invite members and
//! manage groups; only the owner makes admins. Nobody is made an owner here: a tenant has the
//! one owner who signed it up, and only they could hand that on.

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sync_core::ids::{GroupId, IdParseError, MemberId};

use super::{AuthenticatedMember, JsonBody, login_email, name_field};
use crate::auth::Invitation;
use crate::http::error::ApiError;
use crate::state::{AppState, now_seconds};
use crate::store::{NewMember, Role};

/// `POST /v1/members`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct InviteRequest {
    email: String,
    name: String,
    /// `admin` or `member`.
    role: String,
}

/// `POST /v1/groups`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct GroupRequest {
    name: String,
}

/// `POST /v1/groups/{id}/members`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct GroupMemberRequest {
    member: String,
}

/// One member as listed.
#[derive(Serialize)]
pub(super) struct MemberView {
    id: String,
    email: String,
    name: String,
    role: &'static str,
    active: bool,
}

/// `GET /v1/members`.
#[derive(Serialize)]
pub(super) struct MemberList {
    members: Vec<MemberView>,
}

/// An invited member and the code to pass on to them.
#[derive(Serialize)]
pub(super) struct Invited {
    id: String,
    email: String,
    name: String,
    role: &'static str,
    /// Shown once, to the inviter; the server keeps only its hash.
    invite_code: String,
    /// When the code stops working, seconds since the Unix epoch.
    invite_expires_at: i64,
}

/// A new group.
#[derive(Serialize)]
pub(super) struct GroupView {
    id: String,
    name: String,
}

pub(super) async fn list(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
) -> Result<Json<MemberList>, ApiError> {
    let members = state.store.members(caller.claims.tenant).await?;
    let members = members
        .into_iter()
        .map(|member| MemberView {
            id: member.member.to_string(),
            email: member.email,
            name: member.name,
            role: member.role.as_str(),
            active: member.active,
        })
        .collect();
    Ok(Json(MemberList { members }))
}

pub(super) async fn invite(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
    JsonBody(request): JsonBody<InviteRequest>,
) -> Result<(StatusCode, Json<Invited>), ApiError> {
    let role = match request.role.trim() {
        "admin" => Role::Admin,
        "member" | "" => Role::Member,
        _ => return Err(ApiError::bad("role", "must be \"admin\" or \"member\"")),
    };
    match (caller.member.role, role) {
        (Role::Owner, _) | (Role::Admin, Role::Member) => {}
        (Role::Admin, _) => {
            return Err(ApiError::Forbidden("only the owner can make admins".into()));
        }
        (Role::Member, _) => {
            return Err(ApiError::Forbidden(
                "only the owner and admins can invite members".into(),
            ));
        }
    }
    super::session::refuse_invitations(&state)?;
    let email = login_email(&request.email)?;
    let name = name_field("name", &request.name, None)?;
    let invitation = Invitation::new(now_seconds());
    let new = NewMember {
        email: email.clone(),
        name: name.clone(),
        role,
        password_hash: invitation.stored.clone(),
    };
    let id = state.store.add_member(caller.claims.tenant, &new).await?;
    let invited = Invited {
        id: id.to_string(),
        email,
        name,
        role: role.as_str(),
        invite_code: invitation.code,
        invite_expires_at: invitation.expires_at,
    };
    Ok((StatusCode::CREATED, Json(invited)))
}

pub(super) async fn create_group(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
    JsonBody(request): JsonBody<GroupRequest>,
) -> Result<(StatusCode, Json<GroupView>), ApiError> {
    require_admin(&caller)?;
    let name = name_field("name", &request.name, None)?;
    let id = state
        .store
        .create_group(caller.claims.tenant, &name)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(GroupView {
            id: id.to_string(),
            name,
        }),
    ))
}

pub(super) async fn add_to_group(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<GroupMemberRequest>,
) -> Result<StatusCode, ApiError> {
    require_admin(&caller)?;
    let group: GroupId = id
        .parse()
        .map_err(|error: IdParseError| ApiError::bad("id", error.to_string()))?;
    let member: MemberId = request
        .member
        .trim()
        .parse()
        .map_err(|error: IdParseError| ApiError::bad("member", error.to_string()))?;
    let tenant = caller.claims.tenant;
    // Looked up within the caller's tenant, so another company's member is "not found".
    if state.store.member(tenant, member).await?.is_none() {
        return Err(ApiError::NotFound(format!("member {member}")));
    }
    state.store.add_to_group(tenant, group, member).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn require_admin(caller: &AuthenticatedMember) -> Result<(), ApiError> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the owner and admins can manage groups".into(),
        ))
    }
}
