//! Who may scrape `/metrics`. The metrics say how busy each node is and how many devices are
//! connected, which is nobody's business on the public listener. So they are served:
//!
//! - on a listener of their own when `ROLO_METRICS_LISTEN` is set (`127.0.0.1:9090`: reachable
//!   by a Prometheus on the same host or network, not by the internet); and
//! - on the main listener only to `Authorization: Bearer <ROLO_METRICS_TOKEN>`, when a token is
//!   set (for a Prometheus that can only reach the public address).
//!
//! With neither, the main listener answers `/metrics` as it answers any unknown path: 404.

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// `/metrics` on the main listener, behind the token.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(scrape_with_token))
}

/// The Prometheus scrape, to `Authorization: Bearer <ROLO_METRICS_TOKEN>` (not the API's
/// access tokens); without a token configured the main listener does not serve it.
#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    responses(
        (status = 200, description = "Prometheus text format", body = String),
        (status = 401, description = "Not the metrics token", body = ErrorBody),
        (status = 404, description = "No metrics token configured: served only on `ROLO_METRICS_LISTEN`", body = ErrorBody),
    ),
    security(("metrics_token" = []))
)]
async fn scrape_with_token(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<String, ApiError> {
    let Some(expected) = state.config.metrics_token.as_deref() else {
        return Err(super::route_not_found("/metrics"));
    };
    let offered = super::headers::bearer(&headers);
    // Compared as digests: equal digests are equal tokens, and how long the comparison takes
    // tells a guesser nothing about the token itself.
    match offered {
        Some(offered) if Sha256::digest(offered) == Sha256::digest(expected) => {
            Ok(crate::metrics::render())
        }
        _ => Err(ApiError::Unauthorized),
    }
}

/// Serve `/metrics` alone on `address`, if set, until the task is aborted. Binding happens
/// here, so a taken or malformed address stops the server at start.
pub async fn serve_apart(
    address: Option<std::net::SocketAddr>,
    hsts: bool,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let Some(address) = address else {
        return Ok(None);
    };
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| anyhow::anyhow!("ROLO_METRICS_LISTEN={address}: {error}"))?;
    tracing::info!(address = %listener.local_addr()?, "metrics listening");
    let app = super::with_api_shape(
        Router::new().route("/metrics", get(|| async { crate::metrics::render() })),
        hsts,
    );
    Ok(Some(tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::warn!(%error, "the metrics listener stopped");
        }
    })))
}
