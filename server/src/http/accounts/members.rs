//! Members of the caller's tenant.
//!
//! Who may do what: any member sees the member list; owners and admins invite, deactivate and
//! reactivate members; only the owner makes or unmakes admins. Nobody is made an owner here: a
//! tenant has the one owner who signed it up, and only they could hand that on. The owner
//! cannot be deactivated, and nobody deactivates themselves (a company must keep someone who
//! can manage it).

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sync_core::ids::{IdParseError, MemberId};
use utoipa::ToSchema;

use super::{AuthenticatedMember, JsonBody, login_email, name_field};
use crate::auth::Invitation;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::{AppState, now_seconds};
use crate::store::{MemberRecord, NewMember, Role};

/// `POST /v1/members`.
#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub(super) struct InviteRequest {
    /// Their login email.
    email: String,
    /// Their name as colleagues see it.
    name: String,
    /// `admin` or `member`.
    role: String,
}

/// One member as listed.
#[derive(Serialize, ToSchema)]
pub(super) struct MemberView {
    /// The member's id.
    id: String,
    /// Their login email.
    email: String,
    /// Their name.
    name: String,
    /// `owner`, `admin` or `member`.
    role: &'static str,
    /// False once deactivated: they cannot sign in and see nothing.
    active: bool,
}

impl From<MemberRecord> for MemberView {
    fn from(member: MemberRecord) -> Self {
        Self {
            id: member.member.to_string(),
            email: member.email,
            name: member.name,
            role: member.role.as_str(),
            active: member.active,
        }
    }
}

/// `GET /v1/members`.
#[derive(Serialize, ToSchema)]
pub(super) struct MemberList {
    /// Every member, active or not.
    members: Vec<MemberView>,
}

/// An invited member and the code to pass on to them.
#[derive(Serialize, ToSchema)]
pub(super) struct Invited {
    /// The new member's id.
    id: String,
    /// Their login email.
    email: String,
    /// Their name.
    name: String,
    /// `admin` or `member`.
    role: &'static str,
    /// Shown once, to the inviter; the server keeps only its hash.
    invite_code: String,
    /// When the code stops working, seconds since the Unix epoch.
    invite_expires_at: i64,
}

/// The company's members.
#[utoipa::path(
    get, path = "/v1/members", tag = "members",
    responses((status = 200, description = "Every member, active or not", body = MemberList))
)]
pub(super) async fn list(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
) -> Result<Json<MemberList>, ApiError> {
    let members = state.store.members(caller.claims.tenant).await?;
    let members = members.into_iter().map(MemberView::from).collect();
    Ok(Json(MemberList { members }))
}

/// Invite a member: answers the one-time code they accept the invitation with.
#[utoipa::path(
    post, path = "/v1/members", tag = "members",
    request_body = InviteRequest,
    responses(
        (status = 201, description = "The invited member and their code", body = Invited),
        (status = 400, description = "A field does not read (`field` names it)", body = ErrorBody),
        (status = 403, description = "Only the owner and admins invite; only the owner makes admins", body = ErrorBody),
        (status = 409, description = "The email is taken", body = ErrorBody),
    )
)]
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

/// `PATCH /v1/members/{id}`: what to change; absent fields stay.
#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub(super) struct MemberChange {
    /// False deactivates the member (they are signed out everywhere at once and see nothing);
    /// true reactivates them.
    active: Option<bool>,
    /// `admin` or `member` (the owner only).
    role: Option<String>,
}

/// Deactivate or reactivate a member, or change their role.
#[utoipa::path(
    patch, path = "/v1/members/{id}", tag = "members",
    params(("id" = String, Path, description = "The member's id")),
    request_body = MemberChange,
    responses(
        (status = 200, description = "The member as changed", body = MemberView),
        (status = 400, description = "A field does not read (`field` names it)", body = ErrorBody),
        (status = 403, description = "Not an admin; a role change by an admin; the owner or oneself deactivated", body = ErrorBody),
        (status = 404, description = "No such member in the company", body = ErrorBody),
    )
)]
pub(super) async fn update(
    State(state): State<AppState>,
    caller: AuthenticatedMember,
    Path(id): Path<String>,
    JsonBody(change): JsonBody<MemberChange>,
) -> Result<Json<MemberView>, ApiError> {
    if !caller.is_admin() {
        return Err(ApiError::Forbidden(
            "only the owner and admins can change members".into(),
        ));
    }
    let member: MemberId = id
        .trim()
        .parse()
        .map_err(|error: IdParseError| ApiError::bad("id", error.to_string()))?;
    let tenant = caller.claims.tenant;
    let Some(target) = state.store.member(tenant, member).await? else {
        return Err(ApiError::NotFound(format!("member {member}")));
    };
    let role = match change.role.as_deref().map(str::trim) {
        None => None,
        Some("admin") => Some(Role::Admin),
        Some("member") => Some(Role::Member),
        Some(_) => return Err(ApiError::bad("role", "must be \"admin\" or \"member\"")),
    };
    if role.is_some() && caller.member.role != Role::Owner {
        return Err(ApiError::Forbidden(
            "only the owner can change roles".into(),
        ));
    }
    if (role.is_some() || change.active == Some(false)) && target.role == Role::Owner {
        return Err(ApiError::Forbidden(
            "the company's owner cannot be deactivated or given another role".into(),
        ));
    }
    if change.active == Some(false) && member == caller.claims.member {
        return Err(ApiError::Forbidden("you cannot deactivate yourself".into()));
    }
    if let Some(role) = role {
        state.store.set_member_role(tenant, member, role).await?;
    }
    if let Some(active) = change.active {
        set_active(&state, tenant, member, active).await?;
    }
    match state.store.member(tenant, member).await? {
        Some(record) => Ok(Json(MemberView::from(record))),
        None => Err(ApiError::NotFound(format!("member {member}"))),
    }
}

/// Deactivate or reactivate `member`. Deactivated, their devices' sockets close at once (each
/// device's connection hears it is revoked), and every device of the company learns through
/// the feed what they no longer see.
async fn set_active(
    state: &AppState,
    tenant: sync_core::ids::TenantId,
    member: MemberId,
    active: bool,
) -> Result<(), ApiError> {
    state
        .store
        .set_member_active(tenant, member, active)
        .await?;
    if !active {
        for device in state.store.devices_of(tenant, member).await? {
            state.hub.device_revoked(tenant, device.device);
        }
    }
    state.hub.advanced(tenant, state.store.head(tenant).await?);
    Ok(())
}
