//! One connection's conversation: hello, then frames in and out until caught up (once), the
//! shutdown signal (live), or the connection ends.

use std::future::Future;
use std::time::Duration;

use sync_core::wire::{ErrorCode, Frame, PROTOCOL_VERSION};
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep_until};

use crate::account::Secret;
use crate::error::Error;
use crate::replica::{Event, Replica, Step};
use crate::sync::progress::Progress;
use crate::sync::socket::{Incoming, Socket};
use crate::sync::{SyncEvent, SyncOptions};

/// Whether to stop at the first moment the device is caught up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `rolo sync`: stop when caught up.
    Once,
    /// `rolo sync --live`: stay connected.
    Live,
}

/// How a connection ended, when the driver may carry on.
#[derive(Debug)]
pub(crate) enum Ended {
    /// Caught up, and the connection was closed (once mode).
    CaughtUp,
    /// The shutdown signal fired; the connection was closed.
    Shutdown,
    /// The server said this access token expired: refresh it and reconnect at once.
    TokenExpired(Secret),
    /// Another process changed the replica, which was reloaded: reconnect at once.
    Reloaded,
    /// The connection failed or the server went quiet.
    Dropped {
        /// Why.
        error: Error,
        /// Whether the server had welcomed the device (so the link worked for a while).
        welcomed: bool,
    },
}

/// Runs the conversation over `socket`. Errors are the ones the driver must not retry:
/// storage failures, a signed-out device, an unsupported protocol version.
pub(crate) async fn serve(
    replica: &mut Replica,
    mut socket: Socket,
    token: &Secret,
    mode: Mode,
    options: &SyncOptions,
    observer: &mut (dyn FnMut(SyncEvent) + Send),
    mut shutdown: impl Future<Output = ()> + Unpin,
) -> Result<Ended, Error> {
    let mut conversation = Conversation {
        progress: Progress::default(),
        caught_up: false,
        marked_cursor: None,
        cursor: replica.cursor(),
    };
    let hello = replica.connected().await?;
    if let Err(error) = send_all(&mut socket, &hello).await {
        return Ok(conversation.dropped(error));
    }

    let start = Instant::now();
    let mut ticker = interval_at(start + options.tick, options.tick);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut pinger = interval_at(start + options.ping_every, options.ping_every);
    pinger.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut keepalive = interval_at(start + options.resubscribe_every, options.resubscribe_every);
    keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    // When to push again after the server answered a push `unavailable`.
    let mut resume_pushing_at: Option<Instant> = None;

    loop {
        let step = tokio::select! {
            () = &mut shutdown => {
                socket.close().await;
                return Ok(Ended::Shutdown);
            }
            incoming = socket.next() => {
                last_heard = Instant::now();
                let frame = match incoming {
                    Ok(Incoming::Frame(frame)) => frame,
                    Ok(Incoming::Noise) => continue,
                    Ok(Incoming::Closed) => {
                        let error = Error::Network("the server closed the connection".into());
                        return Ok(conversation.dropped(error));
                    }
                    Err(error) => return Ok(conversation.dropped(error)),
                };
                match conversation.before_receive(replica, &frame, token, observer)? {
                    Some(ended) => {
                        socket.close().await;
                        return Ok(ended);
                    }
                    None => conversation.receive(replica, frame).await?,
                }
            }
            _ = ticker.tick() => replica.tick().await?,
            () = async { sleep_until(resume_pushing_at.unwrap_or_else(Instant::now)).await }, if resume_pushing_at.is_some() => {
                resume_pushing_at = None;
                replica.resume_pushing().await?
            }
            _ = keepalive.tick(), if mode == Mode::Live => replica.resubscribe().await?,
            _ = pinger.tick() => {
                if let Err(error) = socket.ping().await {
                    return Ok(conversation.dropped(error));
                }
                continue;
            }
            () = sleep_until(last_heard + options.idle_timeout) => {
                let error = Error::Network(format!(
                    "the server said nothing for {:?}",
                    options.idle_timeout
                ));
                return Ok(conversation.dropped(error));
            }
        };
        if step.reconnect {
            socket.close().await;
            return Ok(Ended::Reloaded);
        }
        if let Some(wait) = step.push_retry_after {
            resume_pushing_at = Some(Instant::now() + with_jitter(wait));
        }
        if let Err(error) = send_all(&mut socket, &step).await {
            return Ok(conversation.dropped(error));
        }
        let upgrade_required = step.events.contains(&Event::UpgradeRequired);
        for event in step.events {
            observer(SyncEvent::Replica(event));
        }
        if upgrade_required {
            // Nothing more can be pushed on any connection until the program is updated.
            socket.close().await;
            return Err(Error::UpgradeRequired);
        }
        if conversation.check_caught_up(replica, observer).await? && mode == Mode::Once {
            socket.close().await;
            return Ok(Ended::CaughtUp);
        }
    }
}

/// What one connection tracks beside the state machine.
struct Conversation {
    progress: Progress,
    /// Whether the device was caught up after the previous step.
    caught_up: bool,
    /// The cursor when "last sync" was last written, so a live connection writes it only
    /// when something moved.
    marked_cursor: Option<u64>,
    /// The cursor after the previous step.
    cursor: u64,
}

impl Conversation {
    fn dropped(&self, error: Error) -> Ended {
        Ended::Dropped {
            error,
            welcomed: self.progress.is_welcomed(),
        }
    }

    /// Reads what the state machine does not report (the welcome's head, ack positions,
    /// errors that end the connection) before the frame goes to it. Returns how the
    /// connection ends, if this frame ends it.
    fn before_receive(
        &mut self,
        replica: &Replica,
        frame: &Frame,
        token: &Secret,
        observer: &mut (dyn FnMut(SyncEvent) + Send),
    ) -> Result<Option<Ended>, Error> {
        match frame {
            Frame::Welcome {
                v, member, head, ..
            } => {
                if *v != PROTOCOL_VERSION {
                    return Err(Error::UnsupportedVersion(format!(
                        "the server speaks version {v}, this client {PROTOCOL_VERSION}"
                    )));
                }
                self.progress.welcomed(*head, replica.cursor());
                observer(SyncEvent::Connected {
                    member: *member,
                    head: *head,
                });
            }
            Frame::Ack { results, .. } => {
                self.progress
                    .acked(results.iter().filter_map(|result| result.seq).max());
            }
            Frame::Error {
                code,
                message,
                fatal,
                ..
            } => match code {
                ErrorCode::TokenExpired => return Ok(Some(Ended::TokenExpired(token.clone()))),
                ErrorCode::Unauthorized => {
                    return Err(Error::SignedOut {
                        message: message.clone(),
                    });
                }
                ErrorCode::UnsupportedVersion => {
                    return Err(Error::UnsupportedVersion(message.clone()));
                }
                _ if *fatal => {
                    let error = Error::Protocol(format!("the server ended the session: {message}"));
                    return Ok(Some(self.dropped(error)));
                }
                _ => tracing::warn!(?code, %message, "the server reported an error"),
            },
            _ => {}
        }
        Ok(None)
    }

    /// Hands the frame to the replica, noting whether it applied a feed page.
    async fn receive(&mut self, replica: &mut Replica, frame: Frame) -> Result<Step, Error> {
        // The state machine applies a page exactly when it continues from its cursor.
        let page = match &frame {
            Frame::Feed { from, more, .. } if *from == replica.cursor() => Some(*more),
            _ => None,
        };
        let step = replica.receive(frame).await?;
        if let Some(more) = page {
            self.progress.page_applied(more);
        }
        Ok(step)
    }

    /// Tells the observer when the cursor moved, notes a caught-up device (writing "last
    /// sync" and telling the observer); returns whether it is caught up.
    async fn check_caught_up(
        &mut self,
        replica: &mut Replica,
        observer: &mut (dyn FnMut(SyncEvent) + Send),
    ) -> Result<bool, Error> {
        let cursor = replica.cursor();
        if cursor != self.cursor {
            self.cursor = cursor;
            observer(SyncEvent::Advanced { cursor });
        }
        let caught_up = self.progress.caught_up(cursor, replica.is_settled());
        if caught_up && self.marked_cursor != Some(cursor) {
            replica.mark_synced().await?;
            self.marked_cursor = Some(cursor);
        }
        if caught_up && !self.caught_up {
            observer(SyncEvent::CaughtUp { cursor });
        }
        self.caught_up = caught_up;
        Ok(caught_up)
    }
}

async fn send_all(socket: &mut Socket, step: &Step) -> Result<(), Error> {
    for frame in &step.send {
        socket.send(frame).await?;
    }
    Ok(())
}

/// `wait` and up to a fifth more, at random: devices told to wait together by a server that
/// could not commit come back spread out, not all in the same instant.
fn with_jitter(wait: Duration) -> Duration {
    let extra = rand::random_range(0.0..0.2);
    wait.mul_f64(1.0 + extra)
}

/// Waits `delay`, or less if `shutdown` fires first; returns whether it fired.
pub(crate) async fn pause(delay: Duration, shutdown: impl Future<Output = ()> + Unpin) -> bool {
    tokio::select! {
        () = shutdown => true,
        () = tokio::time::sleep(delay) => false,
    }
}
