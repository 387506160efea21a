//! The HTTP API: one module per resource, each with its router, handlers and types.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use crate::state::AppState;

pub mod accounts;
pub mod cards;
pub mod contacts;
pub mod error;

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .route("/v1/version", get(version))
        .merge(accounts::router())
        .merge(contacts::router())
        .merge(cards::router())
        .merge(crate::sync::router())
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

/// Ready when the database answers.
async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state
        .store
        .head(sync_core::ids::TenantId::from_u128(0))
        .await
    {
        Ok(_) | Err(crate::store::StoreError::NotFound { .. }) => (StatusCode::OK, "ready"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

async fn metrics() -> String {
    crate::metrics::render()
}
