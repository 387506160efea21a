//! The company's directory: groups (any set of members, "Tokyo key accounts") and org units (a
//! tree of departments, "Sales › Tokyo"). Contacts are shared with either; a member of a unit
//! sees what is shared with the units above it too.
//!
//! Every member reads the directory; owners and admins change it. A change that moves who sees
//! which contacts (a member joining or leaving, a group deleted, a unit moved) is written by
//! the store with the grant and revoke feed rows it causes, in the same transaction, and this
//! node's connections are told at once.

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use sync_core::ids::{IdParseError, MemberId, TenantId};

use super::accounts::AuthenticatedMember;
use super::error::ApiError;
use crate::state::AppState;

mod groups;
mod units;

/// The group and unit routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(groups::list, groups::create))
        .routes(routes!(groups::rename, groups::delete))
        .routes(routes!(groups::add_member))
        .routes(routes!(groups::remove_member))
        .routes(routes!(units::list, units::create))
        .routes(routes!(units::update, units::delete))
        .routes(routes!(units::add_member))
        .routes(routes!(units::remove_member))
}

/// Refuse a caller who is not the company's owner or an admin.
fn require_admin(caller: &AuthenticatedMember) -> Result<(), ApiError> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the owner and admins can change groups and units".into(),
        ))
    }
}

/// An id of the request, named `field` when it does not read.
fn parse_id<T: std::str::FromStr<Err = IdParseError>>(
    field: &str,
    text: &str,
) -> Result<T, ApiError> {
    text.trim()
        .parse()
        .map_err(|error: IdParseError| ApiError::bad(field, error.to_string()))
}

/// `member` if it is a member of `tenant` (another company's is "not found").
async fn known_member(
    state: &AppState,
    tenant: TenantId,
    field: &str,
    text: &str,
) -> Result<MemberId, ApiError> {
    let member: MemberId = parse_id(field, text)?;
    match state.store.member(tenant, member).await? {
        Some(_) => Ok(member),
        None => Err(ApiError::NotFound(format!("member {member}"))),
    }
}

/// Tell this node's connections that the directory change moved the feed (other nodes hear
/// it from the store).
async fn advanced(state: &AppState, tenant: TenantId) -> Result<(), ApiError> {
    state.hub.advanced(tenant, state.store.head(tenant).await?);
    Ok(())
}
