//! The HTTP API: one module per resource, each with its router, handlers and types.
//!
//! Every failure answers in one JSON shape, `{"code", "message", "field"}` ([`error`]): the
//! handlers' own, what axum refuses before a handler runs ([`extract`]), an unknown path (404
//! `not_found`) and a method the path does not have (405 `method_not_allowed`). Every response
//! carries the headers of [`headers`].
//!
//! Every route is registered with its description (`utoipa`), so the OpenAPI 3.1 document at
//! `GET /v1/openapi.json` lists exactly what is routed ([`api_document`]).
//!
//! | Routes | Module | What |
//! |---|---|---|
//! | `GET /healthz`, `GET /readyz`, `GET /v1/version`, `GET /v1/openapi.json` | here | liveness, readiness, versions, the API's description |
//! | `GET /metrics` | [`metrics`] | Prometheus, behind its own token |
//! | `POST /v1/signup`, `/v1/login`, `/v1/token`, `/v1/invitations/accept` | [`accounts`] | sessions |
//! | `GET, POST /v1/members`, `PATCH /v1/members/{id}` | [`accounts`] | members: invite, deactivate (sockets closed at once), roles |
//! | `GET /v1/devices`, `DELETE /v1/devices/{id}` | [`accounts`] | a member's devices, signing one out |
//! | `GET, POST /v1/groups`, `PATCH, DELETE /v1/groups/{id}`, `POST /v1/groups/{id}/members`, `DELETE /v1/groups/{id}/members/{member}` | [`directory`] | groups |
//! | `GET, POST /v1/units`, `PATCH, DELETE /v1/units/{id}`, `POST /v1/units/{id}/members`, `DELETE /v1/units/{id}/members/{member}` | [`directory`] | the tree of org units |
//! | `GET, POST /v1/contacts`, `GET, PATCH, DELETE /v1/contacts/{id}` | [`contacts`] | list and search, create, read, change fields, delete for good |
//! | `POST /v1/contacts/{id}/archive`, `/unarchive`, `/trash`, `/restore` | [`contacts`] | lifecycle edits |
//! | `PUT /v1/contacts/{id}/visibility`, `PUT /v1/contacts/{id}/owner` | [`contacts`] | sharing and ownership (owner, admins) |
//! | `GET /v1/contacts/{id}/history`, `POST /v1/contacts/{id}/history/{revision}/restore` | [`contacts`] | revisions, restoring a field or the whole contact |
//! | `GET, POST /v1/contacts/{id}/activity` | [`contacts`] | the activity log |
//! | `POST /v1/contacts/{id}/tags`, `GET /v1/tags`, `PUT, DELETE /v1/tags/{tag}` | [`contacts`] | tags, renamed or deleted across the company by admins |
//! | `DELETE /v1/trash` | [`contacts`] | empties the caller's trash |
//! | `PUT, GET /v1/cards/{card}`, `GET /v1/cards`, `POST /v1/cards/{card}/done`, `GET /v1/blobs/{sha256}` | [`cards`] | business cards and stored images |
//! | `GET /v1/imports/sample`, `GET, POST /v1/imports`, `GET, PATCH /v1/imports/{id}`, `GET /v1/imports/{id}/rows`, `POST /v1/imports/{id}/start`, `/cancel`, `GET /v1/imports/{id}/errors`, `POST /v1/imports/mailbox/folders`, `POST /v1/imports/mailbox`, `GET, POST /v1/contacts/export` | [`imports`] | bulk import as a job, exports |
//! | `GET /v1/sync` | [`crate::sync`] | the sync WebSocket |

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, Uri, header};
use axum::response::IntoResponse;
use axum::{Extension, Router};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub mod accounts;
pub mod cards;
pub mod contacts;
pub mod directory;
pub mod error;
pub mod extract;
pub mod headers;
pub mod imports;
pub mod metrics;
mod openapi;
pub mod web;

use error::{ApiError, ErrorBody};

/// Largest JSON body accepted (card uploads have their own limit). The largest request is a
/// contact's visibility list: a thousand members take about 40 KB.
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

/// Every route of the server, each registered with its description: a route is in the OpenAPI
/// document because it is routed, and routed only this way (see `server/tests/openapi.rs`).
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(healthz))
        .routes(routes!(ready))
        .routes(routes!(version))
        .routes(routes!(openapi_json))
        .merge(metrics::router())
        .merge(accounts::router())
        .merge(contacts::router())
        .merge(directory::router())
        .merge(cards::router())
        .merge(imports::router())
        .merge(crate::sync::router())
}

/// The OpenAPI 3.1 document of every route, as `GET /v1/openapi.json` serves it.
pub fn api_document() -> utoipa::openapi::OpenApi {
    let mut document = routes().into_openapi();
    openapi::finish(&mut document);
    document
}

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    let hsts = state.config.hsts;
    let (routes, mut document) = routes().split_for_parts();
    openapi::finish(&mut document);
    let document = Arc::new(OpenApiJson(
        document
            .to_json()
            .expect("the OpenAPI document always serialises"),
    ));
    let routes = routes
        .layer(Extension(document))
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES));
    with_web_app(routes, hsts)
        // Spans name the path only: a browser's sync URL carries the access token in its
        // query string, which must never reach the logs.
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(
            |request: &axum::http::Request<_>| {
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
            },
        ))
        .with_state(state)
}

/// The document as served, made once when the router is.
struct OpenApiJson(String);

/// The OpenAPI 3.1 document of every route of this server.
#[utoipa::path(
    get, path = "/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = serde_json::Value)),
    security(())
)]
async fn openapi_json(Extension(document): Extension<Arc<OpenApiJson>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document.0.clone(),
    )
}

/// Whether the process is up.
#[utoipa::path(
    get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "`ok`", body = String)),
    security(())
)]
async fn healthz() -> &'static str {
    "ok"
}

/// The server's version and the sync protocol's.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Version {
    /// The server's version.
    server: &'static str,
    /// The sync protocol version it speaks.
    protocol: u32,
}

/// The server's and the protocol's versions.
#[utoipa::path(
    get, path = "/v1/version", tag = "operations",
    responses((status = 200, description = "The versions", body = Version)),
    security(())
)]
async fn version() -> axum::Json<Version> {
    axum::Json(Version {
        server: env!("CARGO_PKG_VERSION"),
        protocol: sync_core::wire::PROTOCOL_VERSION,
    })
}

/// Longest `/readyz` waits for the database: a load balancer asking must hear "not ready"
/// while the database is down or hanging, not wait with it.
const READY_BOUND: std::time::Duration = std::time::Duration::from_secs(1);

/// Ready when the database answers, within [`READY_BOUND`].
#[utoipa::path(
    get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "`ready`", body = String),
        (status = 503, description = "The database does not answer in time (`unavailable`)", body = ErrorBody),
    ),
    security(())
)]
async fn ready(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    let answer = tokio::time::timeout(
        READY_BOUND,
        state.store.head(sync_core::ids::TenantId::from_u128(0)),
    )
    .await;
    match answer {
        Ok(Ok(_) | Err(crate::store::StoreError::NotFound { .. })) => Ok("ready"),
        Ok(Err(error)) => Err(ApiError::Unavailable(error)),
        Err(_) => Err(ApiError::Unavailable(crate::store::StoreError::Timeout {
            what: "the readiness check".into(),
        })),
    }
}

/// `routes` with JSON answers for unknown paths and methods, and the common headers. Called
/// once all routes are in: the method fallback reaches only the routes that exist.
pub fn with_api_shape<S: Clone + Send + Sync + 'static>(
    routes: Router<S>,
    hsts: bool,
) -> Router<S> {
    with_common_shape(
        routes.fallback(|uri: Uri| async move { route_not_found(uri.path()) }),
        hsts,
    )
}

/// The API's routes with the web app's files (and its pages' paths) behind them: a path no
/// route takes is the app's, unless it is the API's (`web::respond`).
fn with_web_app(routes: Router<AppState>, hsts: bool) -> Router<AppState> {
    with_common_shape(routes.fallback(web::respond), hsts)
}

/// JSON answers for unknown methods, and the common headers.
fn with_common_shape<S: Clone + Send + Sync + 'static>(routes: Router<S>, hsts: bool) -> Router<S> {
    let routes = routes.method_not_allowed_fallback(|method: Method| async move {
        ApiError::MethodNotAllowed {
            method: method.to_string(),
        }
    });
    headers::secure(routes, hsts)
}

/// The answer for a path the server does not serve.
pub fn route_not_found(path: &str) -> ApiError {
    ApiError::NotFound(format!("route {path}"))
}
