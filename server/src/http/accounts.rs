//! Accounts (placeholder being written by the auth task).

use axum::Router;

use crate::state::AppState;

/// The accounts routes.
pub fn router() -> Router<AppState> {
    Router::new()
}
