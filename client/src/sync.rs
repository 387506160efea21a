//! The sync driver: connects a [`Replica`] to its server over a WebSocket and runs the
//! protocol (docs/protocol.md) until caught up ([`sync_once`]) or for as long as asked
//! ([`run_live`]), reconnecting with backoff and refreshing the access token as needed.

use std::future::Future;
use std::time::Duration;

use sync_core::ids::MemberId;

use crate::error::Error;
use crate::replica::{Event, Replica};

mod backoff;
mod cards;
mod members;
mod progress;
mod session;
mod socket;
pub(crate) mod tokens;

use self::backoff::Backoff;
pub use self::backoff::BackoffPolicy;
use self::cards::Flushed;
use self::session::{Ended, Mode, pause};
use self::socket::{ConnectError, Socket};

/// Timings of the sync driver.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Length of one tick of the protocol's retry clock: an unanswered push, welcome or
    /// repair is asked again after `RETRY_TICKS` (8) ticks.
    pub tick: Duration,
    /// How often to send a WebSocket ping, so a dead link is noticed and middleboxes keep
    /// the connection open.
    pub ping_every: Duration,
    /// A connection on which nothing arrives (not even a pong) for this long is dropped.
    pub idle_timeout: Duration,
    /// Live mode: how often to send `hello` again on an open connection, which recovers a
    /// lost last page (protocol section 7.5) at the cost of one feed read.
    pub resubscribe_every: Duration,
    /// Waits between reconnection attempts.
    pub backoff: BackoffPolicy,
    /// [`sync_once`]: how many connection failures in a row to absorb before giving up.
    pub once_attempts: u32,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            tick: Duration::from_secs(1),
            ping_every: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            resubscribe_every: Duration::from_secs(300),
            backoff: BackoffPolicy::default(),
            once_attempts: 3,
        }
    }
}

/// What the driver reports as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncEvent {
    /// The server welcomed the device.
    Connected {
        /// The member the access token belongs to.
        member: MemberId,
        /// The tenant's feed head when the session started.
        head: u64,
    },
    /// A feed page moved the cursor: contacts on the device changed.
    Advanced {
        /// The feed cursor.
        cursor: u64,
    },
    /// The device has everything the server had and the server has every local change.
    CaughtUp {
        /// The feed cursor.
        cursor: u64,
    },
    /// The connection was lost; the driver tries again after `retry_in`.
    Disconnected {
        /// What went wrong.
        reason: String,
        /// The wait before the next attempt.
        retry_in: Duration,
    },
    /// A refusal or someone's presence.
    Replica(Event),
}

/// What one [`sync_once`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncReport {
    /// The feed cursor afterwards.
    pub cursor: u64,
    /// Refusals of this device's changes that arrived during the sync.
    pub rejected: Vec<Event>,
    /// Scanned cards uploaded, refused or deferred, and drafts received, during the sync.
    pub cards: Vec<Event>,
}

/// Uploads queued card photos and reports resolved cards (HTTP), then connects, says
/// `hello`, pushes the outbox and applies the feed until the device is caught up (see
/// `sync/progress.rs` for the exact rule), then closes the connection. A card upload that
/// fails for now stays queued and does not fail the sync.
///
/// Connection failures are retried with backoff up to [`SyncOptions::once_attempts`] times;
/// an expired access token is refreshed and the connection reopened at once.
pub async fn sync_once(replica: &mut Replica, options: &SyncOptions) -> Result<SyncReport, Error> {
    let (mut rejected, mut cards) = (Vec::new(), Vec::new());
    let mut observer = |event: SyncEvent| match event {
        SyncEvent::Replica(event @ Event::Rejected { .. }) => rejected.push(event),
        SyncEvent::Replica(Event::Presence { .. }) => {}
        SyncEvent::Replica(event) => cards.push(event),
        _ => {}
    };
    drive(
        replica,
        options,
        Mode::Once,
        &mut observer,
        std::future::pending(),
    )
    .await?;
    Ok(SyncReport {
        cursor: replica.cursor(),
        rejected,
        cards,
    })
}

/// Stays connected, applying changes as they arrive and pushing local edits (from this
/// process or another one using the same replica file), until `shutdown` completes. Card
/// photos are uploaded and resolved cards reported before every connection; a scan, save or
/// dismissal in another process makes this one reconnect, and so upload it promptly.
/// Reconnects with exponential backoff and jitter; refreshes the access token when the server
/// says it expired. Returns an error only for what retrying cannot fix: the device was signed
/// out, the server speaks another protocol version, or the replica database failed.
pub async fn run_live(
    replica: &mut Replica,
    options: &SyncOptions,
    mut observer: impl FnMut(SyncEvent) + Send,
    shutdown: impl Future<Output = ()>,
) -> Result<(), Error> {
    drive(replica, options, Mode::Live, &mut observer, shutdown).await
}

/// Connection after connection until the mode's goal is met.
async fn drive(
    replica: &mut Replica,
    options: &SyncOptions,
    mode: Mode,
    observer: &mut (dyn FnMut(SyncEvent) + Send),
    shutdown: impl Future<Output = ()>,
) -> Result<(), Error> {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut backoff = Backoff::new(options.backoff);
    let mut failures = 0;
    // Reconnections that should take no time (token refreshed, replica reloaded) are still
    // counted, so a server that refuses every fresh token cannot spin the client.
    let mut quick_retries = 0;
    loop {
        let ended = attempt(replica, mode, options, observer, shutdown.as_mut()).await;
        replica.disconnected();
        let error = match ended {
            Ok(Ended::CaughtUp | Ended::Shutdown) => return Ok(()),
            Ok(Ended::Reloaded) => {
                quick_retries += 1;
                if quick_retries <= 10 {
                    continue;
                }
                Error::Network("the replica keeps changing under the connection".into())
            }
            Ok(Ended::TokenExpired(used)) => {
                quick_retries += 1;
                if quick_retries <= 3 {
                    match tokens::refresh(replica, &used).await {
                        Ok(_) => continue,
                        Err(error) => error,
                    }
                } else {
                    Error::Protocol("the server refuses freshly refreshed tokens".into())
                }
            }
            Ok(Ended::Dropped { error, welcomed }) => {
                if welcomed {
                    backoff.reset();
                    failures = 0;
                    quick_retries = 0;
                }
                error
            }
            Err(error) => error,
        };
        if !error.is_transient() {
            return Err(error);
        }
        failures += 1;
        if mode == Mode::Once && failures >= options.once_attempts {
            return Err(error);
        }
        let retry_in = backoff.next_delay();
        tracing::info!(%error, ?retry_in, "sync connection lost");
        observer(SyncEvent::Disconnected {
            reason: error.to_string(),
            retry_in,
        });
        if pause(retry_in, shutdown.as_mut()).await {
            return Ok(());
        }
    }
}

/// One connection: a usable token, the upgrade, the conversation.
async fn attempt(
    replica: &mut Replica,
    mode: Mode,
    options: &SyncOptions,
    observer: &mut (dyn FnMut(SyncEvent) + Send),
    shutdown: impl Future<Output = ()> + Unpin,
) -> Result<Ended, Error> {
    let (account, token) = tokens::access(replica).await?;
    // Before the socket, so a draft read from these photos can arrive on this very
    // connection, and so `done` reports reach the server before its welcome re-sends drafts.
    if cards::flush(replica, &account.server, &token, observer).await? == Flushed::TokenExpired {
        return Ok(Ended::TokenExpired(token));
    }
    if members::refresh(replica, &account.server, &token).await? == members::Fetched::TokenExpired {
        return Ok(Ended::TokenExpired(token));
    }
    let socket = match Socket::connect(&account.server, &token).await {
        Ok(socket) => socket,
        Err(ConnectError::TokenExpired) => return Ok(Ended::TokenExpired(token)),
        Err(ConnectError::Other(error)) => {
            return Ok(Ended::Dropped {
                error,
                welcomed: false,
            });
        }
    };
    session::serve(replica, socket, &token, mode, options, observer, shutdown).await
}
