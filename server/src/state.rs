//! What every handler shares.

use std::sync::Arc;

use crate::auth::Auth;
use crate::config::Config;
use crate::store::Store;
use crate::sync::hub::Hub;

/// Shared by every request and connection; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Where everything is stored.
    pub store: Arc<dyn Store>,
    /// Settings.
    pub config: Arc<Config>,
    /// Tokens and passwords.
    pub auth: Arc<Auth>,
    /// In-process fan-out of feed advances, presence and device revocations.
    pub hub: Arc<Hub>,
    /// Becomes `true` when the server shuts down; connections finish what they are doing
    /// (an in-flight commit and its ack) and close.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Held by every clone of the state, so by every open connection: shutdown waits until
    /// the last one is dropped.
    pub live: tokio::sync::mpsc::Sender<()>,
    /// Wakes this node's card workers when a card is uploaded here.
    pub card_jobs: Arc<tokio::sync::Notify>,
    /// The node's open sync sockets, counted per device, member and address.
    pub sockets: Arc<crate::sync::admission::Admission>,
    /// This process's claim on the imports it runs, and which run here now.
    pub imports: Arc<crate::imports::runner::Runner>,
}

/// Milliseconds since the Unix epoch, UTC: the time of a write the server makes (for a REST
/// caller, the trash job), and where defaults such as "60 days ago" are counted from.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}

/// Seconds since the Unix epoch, UTC: the one place the server reads the clock for tokens.
pub fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}
