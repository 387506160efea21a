//! Contact operations that are not CRDT edits: who may see a contact, and deleting it for
//! good. Both are authorised here and recorded in the feed by the store, so devices learn of
//! them through sync (grant, revoke, meta, purge).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, put};
use serde::Deserialize;
use sync_core::ids::{ContactId, MemberId};
use sync_core::wire::{DocMeta, MAX_SHARED_MEMBERS, Visibility};

use super::accounts::{Authenticated, JsonBody};
use super::error::ApiError;
use super::extract::Path;
use crate::auth::AccessClaims;
use crate::state::AppState;
use crate::store::Role;

/// The contact routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/contacts/{id}/visibility", put(set_visibility))
        .route("/v1/contacts/{id}", delete(purge))
}

/// Who may see a contact: everyone, or the owner and these members.
#[derive(Debug, Deserialize)]
struct VisibilityRequest {
    all: bool,
    #[serde(default)]
    members: Vec<String>,
}

fn parse_contact(id: &str) -> Result<ContactId, ApiError> {
    id.parse()
        .map_err(|error: sync_core::ids::IdParseError| ApiError::bad("id", error.to_string()))
}

/// The contact's metadata, if the caller may manage it: its owner, or an admin.
async fn manageable(
    state: &AppState,
    claims: &AccessClaims,
    doc: ContactId,
) -> Result<DocMeta, ApiError> {
    let meta = state.store.doc_meta(claims.tenant, doc).await?;
    let viewer = state
        .store
        .access(claims.tenant, claims.member)
        .await?
        .viewer;
    let Some(meta) = meta.filter(|meta| viewer.sees(meta)) else {
        return Err(ApiError::NotFound(format!("contact {doc}")));
    };
    if meta.owner == claims.member {
        return Ok(meta);
    }
    let caller = state.store.member(claims.tenant, claims.member).await?;
    match caller.map(|member| member.role) {
        Some(Role::Owner | Role::Admin) => Ok(meta),
        _ => Err(ApiError::Forbidden(
            "only the contact's owner or an admin may do this".into(),
        )),
    }
}

async fn set_visibility(
    State(state): State<AppState>,
    Authenticated(claims): Authenticated,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<VisibilityRequest>,
) -> Result<StatusCode, ApiError> {
    let doc = parse_contact(&id)?;
    let meta = manageable(&state, &claims, doc).await?;
    let visibility = if request.all {
        Visibility::All
    } else {
        // Refused before each listed member is looked up: a list of thousands must cost
        // nothing. Duplicates count once (`normalized` below).
        if request.members.len() > 2 * MAX_SHARED_MEMBERS {
            return Err(ApiError::bad(
                "members",
                format!(
                    "{} members listed; at most {MAX_SHARED_MEMBERS} (share with everyone instead)",
                    request.members.len()
                ),
            ));
        }
        let mut members = Vec::with_capacity(request.members.len());
        for (index, text) in request.members.iter().enumerate() {
            let member: MemberId =
                text.parse()
                    .map_err(|error: sync_core::ids::IdParseError| {
                        ApiError::bad(format!("members[{index}]"), error.to_string())
                    })?;
            if members.contains(&member) {
                continue;
            }
            if state.store.member(claims.tenant, member).await?.is_none() {
                return Err(ApiError::bad(
                    format!("members[{index}]"),
                    format!("{member} is not a member of this company"),
                ));
            }
            members.push(member);
        }
        Visibility::members(members)
            .normalized(meta.owner)
            .map_err(|error| ApiError::bad("members", error.to_string()))?
    };
    state
        .store
        .set_visibility(claims.tenant, doc, &visibility)
        .await?;
    state
        .hub
        .advanced(claims.tenant, state.store.head(claims.tenant).await?);
    Ok(StatusCode::NO_CONTENT)
}

async fn purge(
    State(state): State<AppState>,
    Authenticated(claims): Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let doc = parse_contact(&id)?;
    manageable(&state, &claims, doc).await?;
    state.store.purge(claims.tenant, doc).await?;
    state
        .hub
        .advanced(claims.tenant, state.store.head(claims.tenant).await?);
    Ok(StatusCode::NO_CONTENT)
}
