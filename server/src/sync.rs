//! `GET /v1/sync`: the authenticated WebSocket every device syncs over (docs/protocol.md).
//!
//! The access token is checked at the upgrade — from `Authorization: Bearer …`, or from the
//! `access_token` query parameter for browsers, which can't set headers on a WebSocket — and
//! the device must not be revoked. Socket buffers are small (DESIGN.md 3: an idle connection
//! must cost kilobytes, not the default 134 KB).

use std::net::SocketAddr;

use axum::Extension;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::Query;
use crate::state::{AppState, now_seconds};

pub mod admission;
pub mod connection;
pub mod hub;
pub mod pushes;
pub mod tail;

/// Read buffer per connection. Most frames are small and a large one is read in several
/// steps; every idle connection holds this buffer, and at 4 KiB it was half of what an idle
/// connection cost (`idle_connections`: 114.7 MB for 10,000 connections then, 80.9 MB now).
const READ_BUFFER_BYTES: usize = 1024;

/// What a WebSocket message may exceed the frame limit by and still be read, to be answered
/// with `frame_too_large` rather than a dropped socket.
const SLACK_BYTES: usize = 16 * 1024;

/// The sync route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upgrade))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TokenQuery {
    /// The access token, for browsers (which cannot set headers on a WebSocket); others send
    /// `Authorization: Bearer …`.
    access_token: Option<String>,
}

/// The bearer token of a request, from the header or the query.
pub fn bearer_token(headers: &HeaderMap, query_token: Option<String>) -> Option<String> {
    crate::http::headers::bearer(headers)
        .map(str::to_string)
        .or(query_token)
}

/// The sync WebSocket: upgrade, then MessagePack frames both ways (docs/protocol.md).
#[utoipa::path(
    get, path = "/v1/sync", tag = "sync",
    params(TokenQuery),
    responses(
        (status = 101, description = "Switching to the WebSocket sync protocol"),
        (status = 400, description = "Not a WebSocket upgrade (`field`: `upgrade`)", body = ErrorBody),
        (status = 401, description = "No token, a bad one, a revoked device or a deactivated member", body = ErrorBody),
        (status = 429, description = "Over a socket limit (`too_many_connections`)", body = ErrorBody),
    )
)]
async fn upgrade(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    // A plain request to the sync route: say so in the API's shape.
    let upgrade = upgrade.map_err(|rejection| ApiError::bad("upgrade", rejection.body_text()))?;
    let token = bearer_token(&headers, query.access_token).ok_or(ApiError::Unauthorized)?;
    // Checks the signature and claims, that the device is not revoked and the member active.
    let (claims, _member) = state.auth.authenticate(&token, now_seconds()).await?;
    // Counted before the upgrade, so a socket over a limit never gets its buffers.
    let address = peer.map_or(
        std::net::Ipv4Addr::UNSPECIFIED.into(),
        |Extension(ConnectInfo(peer))| peer.ip(),
    );
    let ticket = state
        .sockets
        .admit(claims.member, claims.device, address)
        .map_err(|refusal| ApiError::TooManyConnections(refusal.to_string()))?;
    let limit = state.config.max_frame_bytes;
    let shutdown = state.shutdown.clone();
    Ok(upgrade
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        // A little over the protocol limit, so an oversized frame still arrives and gets a
        // clear `frame_too_large` error instead of a bare socket error. These bound what an
        // unfinished message (continuation frames never finished) can hold per socket.
        .max_message_size(limit + SLACK_BYTES)
        .max_frame_size(limit + SLACK_BYTES)
        .on_upgrade(move |socket| connection::serve(state, claims, ticket, socket, shutdown)))
}
