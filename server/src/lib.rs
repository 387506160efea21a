//! The Rolo server.
//!
//! Today it serves health and readiness; the authenticated WebSocket sync endpoint, the REST
//! API and storage (SQLite embedded, Postgres for several nodes) arrive with the server issue,
//! built on `sync-core`'s session state machine and its in-memory reference store.
//!
//! `main` only reads [`Config`] and calls [`run`]; tests call the same `run` on `127.0.0.1:0`.
//!
//! ```no_run
//! # async fn example() -> anyhow::Result<()> {
//! let config = server::Config::from_env()?;
//! let listener = tokio::net::TcpListener::bind(config.listen).await?;
//! server::run(config, listener, std::future::pending()).await?;
//! # Ok(())
//! # }
//! ```

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::routing::get;

/// Server settings, read from `ROLO_*` environment variables.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (`ROLO_LISTEN`, default `127.0.0.1:8080`: safe until an admin
    /// decides to expose the server).
    pub listen: SocketAddr,
}

impl Config {
    /// Read the settings from the environment; a malformed value is an error naming it.
    pub fn from_env() -> anyhow::Result<Self> {
        let listen = match std::env::var("ROLO_LISTEN") {
            Ok(text) => text.parse().map_err(|error| {
                anyhow::anyhow!(
                    "ROLO_LISTEN={text:?} is not an address like 127.0.0.1:8080: {error}"
                )
            })?,
            Err(_) => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        Ok(Self { listen })
    }
}

/// The HTTP routes.
pub fn router() -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ready" }))
        .route(
            "/v1/version",
            get(|| async {
                axum::Json(serde_json::json!({
                    "server": env!("CARGO_PKG_VERSION"),
                    "protocol": sync_core::wire::PROTOCOL_VERSION,
                }))
            }),
        )
}

/// Serve until `shutdown` completes, then finish in-flight requests and return.
pub async fn run(
    _config: Config,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    tracing::info!(address = %listener.local_addr()?, "rolo server listening");
    axum::serve(listener, router())
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
