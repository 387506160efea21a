//! A contact's history (who changed what, when, through which door), restoring a field or
//! the whole contact as it was, and its activity log.

use automerge::ChangeHash;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use sync_core::contact::ActivityKind;
use sync_core::history::{HistoryOptions, Revision};

use super::json::{ActivityView, ContactView, activity};
use super::{ContactCaller, contact_id, field_invalid};
use crate::contacts::{self, HistoryPage, NewActivity};
use crate::http::accounts::JsonBody;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Path, Query};
use crate::state::{AppState, now_ms};

/// How far back the history goes unless asked otherwise (the initial revision always shows).
const DEFAULT_DAYS: i64 = 60;
/// Revisions in a page unless asked otherwise.
const DEFAULT_LIMIT: usize = 50;
/// Most revisions in a page.
const MAX_LIMIT: usize = 500;

/// Which revisions to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Only revisions since (ms since the Unix epoch); 60 days ago unless given.
    since_ms: Option<i64>,
    /// Revisions per page: 50 unless given, at most 500.
    limit: Option<usize>,
    /// Continue after this revision: the previous page's `next_cursor`.
    cursor: Option<String>,
}

/// One field a revision changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChangeView {
    /// `name.given`, `phones[k3j9].e164`, `tags.vip`: what a field restore names.
    path: String,
    /// `added`, `removed` or `changed`.
    kind: &'static str,
    /// The value before, or null.
    old: Option<String>,
    /// The value after, or null.
    new: Option<String>,
}

/// One revision of a contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionView {
    /// The change's hash, hex: the cursor for paging and what a restore names.
    id: String,
    /// When, ms since the Unix epoch (the writer's clock); null if the change has no time.
    at_ms: Option<i64>,
    /// The member who made it, or null when the change does not say.
    member: Option<String>,
    /// That member's name.
    member_name: Option<String>,
    /// The device it was made on (null for the server's writes).
    device: Option<String>,
    /// `app`, `api`, `import` or `server`.
    via: Option<&'static str>,
    /// `added`, `edited`, `combined`, `deleted`, `restored`, `archived`, `unarchived`,
    /// `visibility_changed` or `owner_transferred`.
    event: &'static str,
    /// What the event concerns (the new owner, the new visibility), or null.
    detail: Option<String>,
    /// What changed, field by field.
    changes: Vec<FieldChangeView>,
}

/// A page of revisions, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    /// The revisions.
    revisions: Vec<RevisionView>,
    /// Pass as `cursor` for the next page; null on the last one.
    next_cursor: Option<String>,
}

/// A contact's revisions, newest first.
#[utoipa::path(
    get, path = "/v1/contacts/{id}/history", tag = "history",
    params(("id" = String, Path, description = "The contact's id"), HistoryParams),
    responses(
        (status = 200, description = "A page of revisions", body = HistoryView),
        (status = 404, description = "No such contact, or not one the caller may see", body = ErrorBody),
    )
)]
pub async fn history(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
    Query(params): Query<HistoryParams>,
) -> Result<Json<HistoryView>, ApiError> {
    let id = contact_id(&id)?;
    let options = HistoryOptions {
        since_ms: Some(
            params
                .since_ms
                .unwrap_or_else(|| now_ms() - DEFAULT_DAYS * 24 * 3600 * 1000),
        ),
        limit: Some(params.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)),
        after: params
            .cursor
            .as_deref()
            .map(|text| revision_hash("cursor", text))
            .transpose()?,
    };
    let page = contacts::history(&state, &caller, id, options).await?;
    Ok(Json(history_view(page)))
}

fn history_view(HistoryPage { page, names }: HistoryPage) -> HistoryView {
    let revision = |revision: Revision| {
        let by = revision.attribution.as_ref();
        RevisionView {
            id: revision.hash.to_string(),
            at_ms: revision.at_ms,
            member: by.map(|by| by.member.to_string()),
            member_name: by.and_then(|by| names.get(&by.member).cloned()),
            device: by.and_then(|by| by.device).map(|device| device.to_string()),
            via: by.map(|by| match by.via {
                sync_core::history::Via::App => "app",
                sync_core::history::Via::Api => "api",
                sync_core::history::Via::Import => "import",
                sync_core::history::Via::Server => "server",
            }),
            event: revision.event.as_str(),
            detail: by.and_then(|by| by.detail.clone()),
            changes: revision
                .changes
                .into_iter()
                .map(|change| FieldChangeView {
                    kind: match change.kind() {
                        sync_core::history::ChangeKind::Added => "added",
                        sync_core::history::ChangeKind::Removed => "removed",
                        sync_core::history::ChangeKind::Changed => "changed",
                    },
                    path: change.path,
                    old: change.old,
                    new: change.new,
                })
                .collect(),
        }
    };
    HistoryView {
        revisions: page.revisions.into_iter().map(revision).collect(),
        next_cursor: page.next.map(|hash| hash.to_string()),
    }
}

fn revision_hash(field: &str, text: &str) -> Result<ChangeHash, ApiError> {
    text.trim()
        .parse()
        .map_err(|_| ApiError::bad(field, "is not a revision id (64 hexadecimal digits)"))
}

/// `POST /v1/contacts/{id}/history/{revision}/restore`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RestoreRequest {
    /// The field to restore (`name.given`, `phones[k3j9]`, as the history names it); absent,
    /// the whole contact (its lifecycle and activity log stay as they are).
    field: Option<String>,
}

/// Restore one field, or the whole contact, as it was after a revision: a new edit.
#[utoipa::path(
    post, path = "/v1/contacts/{id}/history/{revision}/restore", tag = "history",
    params(
        ("id" = String, Path, description = "The contact's id"),
        ("revision" = String, Path, description = "The revision's id (hex hash)"),
    ),
    request_body = RestoreRequest,
    responses(
        (status = 200, description = "The contact as restored", body = ContactView),
        (status = 400, description = "No such revision or field, or the old value breaks today's rules", body = ErrorBody),
        (status = 404, description = "No such contact, or not one the caller may see", body = ErrorBody),
    )
)]
pub async fn restore(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path((id, revision)): Path<(String, String)>,
    JsonBody(request): JsonBody<RestoreRequest>,
) -> Result<Json<ContactView>, ApiError> {
    let id = contact_id(&id)?;
    let revision = revision_hash("revision", &revision)?;
    let field = request.field.filter(|field| !field.trim().is_empty());
    let viewed = contacts::restore(&state, &caller, id, revision, field).await?;
    Ok(Json(ContactView::of(&viewed)?))
}

/// A contact's activity log.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityList {
    /// The entries, newest first.
    activity: Vec<ActivityView>,
}

/// The activity log of a contact, newest first.
#[utoipa::path(
    get, path = "/v1/contacts/{id}/activity", tag = "activity",
    params(("id" = String, Path, description = "The contact's id")),
    responses(
        (status = 200, description = "The log", body = ActivityList),
        (status = 404, description = "No such contact, or not one the caller may see", body = ErrorBody),
    )
)]
pub async fn activity_log(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
) -> Result<Json<ActivityList>, ApiError> {
    let viewed = contacts::get(state.store.as_ref(), &caller, contact_id(&id)?).await?;
    let mut entries = viewed.contact()?.activity;
    entries.sort_by(|a, b| b.at_ms.cmp(&a.at_ms).then_with(|| b.id.cmp(&a.id)));
    Ok(Json(ActivityList {
        activity: entries.iter().map(activity).collect(),
    }))
}

/// `POST /v1/contacts/{id}/activity`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ActivityRequest {
    /// `call`, `visit`, `meeting` or `note`.
    kind: String,
    /// What was said or agreed.
    text: String,
    /// When, ms since the Unix epoch; now unless given.
    at_ms: Option<i64>,
}

/// Log a call, visit, meeting or note on a contact, by the caller.
#[utoipa::path(
    post, path = "/v1/contacts/{id}/activity", tag = "activity",
    params(("id" = String, Path, description = "The contact's id")),
    request_body = ActivityRequest,
    responses(
        (status = 201, description = "The entry logged", body = ActivityView),
        (status = 400, description = "An unknown kind or a text breaking a rule (`field` names it)", body = ErrorBody),
        (status = 404, description = "No such contact, or not one the caller may see", body = ErrorBody),
    )
)]
pub async fn log_activity(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<ActivityRequest>,
) -> Result<(StatusCode, Json<ActivityView>), ApiError> {
    let id = contact_id(&id)?;
    let kind: ActivityKind = request.kind.parse().map_err(field_invalid)?;
    let new = NewActivity {
        kind,
        text: request.text,
        at_ms: request.at_ms,
    };
    let entry = contacts::log_activity(&state, &caller, id, new).await?;
    Ok((StatusCode::CREATED, Json(activity(&entry))))
}
