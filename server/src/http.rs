//! The HTTP API: one module per resource, each with its router, handlers and types.
//!
//! Every failure answers in one JSON shape, `{"code", "message", "field"}` ([`error`]): the
//! handlers' own, what axum refuses before a handler runs ([`extract`]), an unknown path (404
//! `not_found`) and a method the path does not have (405 `method_not_allowed`). Every response
//! carries the headers of [`headers`].

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, Uri};
use axum::routing::get;

use crate::state::AppState;

pub mod accounts;
pub mod cards;
pub mod contacts;
pub mod error;
pub mod extract;
pub mod headers;
pub mod metrics;

use error::ApiError;

/// Largest JSON body accepted (card uploads have their own limit). The largest request is a
/// contact's visibility list: a thousand members take about 40 KB.
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    let hsts = state.config.hsts;
    let routes = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/v1/version", get(version))
        .merge(metrics::router())
        .merge(accounts::router())
        .merge(contacts::router())
        .merge(cards::router())
        .merge(crate::sync::router())
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES));
    with_api_shape(routes, hsts)
        // Spans name the path only: a browser's sync URL carries the access token in its
        // query string, which must never reach the logs.
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(
            |request: &axum::http::Request<_>| {
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
            },
        ))
        .with_state(state)
}

async fn version() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({
        "server": env!("CARGO_PKG_VERSION"),
        "protocol": sync_core::wire::PROTOCOL_VERSION,
    }))
}

/// Longest `/readyz` waits for the database: a load balancer asking must hear "not ready"
/// while the database is down or hanging, not wait with it.
const READY_BOUND: std::time::Duration = std::time::Duration::from_secs(1);

/// Ready when the database answers, within [`READY_BOUND`].
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
    let routes = routes
        .fallback(|uri: Uri| async move { route_not_found(uri.path()) })
        .method_not_allowed_fallback(|method: Method| async move {
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
