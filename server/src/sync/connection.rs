//! One device's WebSocket: drives `sync_core`'s [`ServerSession`] with real I/O.
//!
//! The loop waits for whichever comes first: a frame from the device, the tenant's feed
//! advancing, a tenant event (presence, revocation), the access token expiring, or shutdown.
//! Effects run one at a time in order, so an `ack` is only ever sent after its commit returned
//! and a feed page only after the previous one went out.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket};
use futures_util::StreamExt;
use sync_core::access::Viewer;
use sync_core::replica::session::{ServerSession, SessionEffect};
use sync_core::wire::{ErrorCode, Frame, WireError};
use tokio::sync::broadcast::error::RecvError;

use super::hub::{Subscription, TenantEvent};
use super::pushes::{Finished, Pushes};
use super::tail::{SharedPage, Tail};
use crate::auth::AccessClaims;
use crate::state::{AppState, now_seconds};
use crate::store::{Access, StoreError};

/// Why a connection ended, for the log and the metrics.
#[derive(Debug)]
enum End {
    DeviceLeft,
    Protocol,
    Store(StoreError),
    Socket(axum::Error),
    Revoked,
    /// A newer socket of the same device took this one's place.
    Superseded,
    TokenExpired,
    Shutdown,
}

/// A token bucket: `rate` frames a second with bursts of twice that. A device over it is cut
/// off, so a flooding client can't starve the others on the node.
struct RateLimit {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl RateLimit {
    fn new(rate: u32) -> Self {
        let rate = f64::from(rate.max(1));
        Self {
            rate,
            tokens: rate * 2.0,
            last: Instant::now(),
        }
    }

    fn allow(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * self.rate)
            .min(self.rate * 2.0);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Serve one authenticated device until it leaves, breaks the protocol, is revoked, its
/// token expires, or the server shuts down.
pub async fn serve(
    state: AppState,
    claims: AccessClaims,
    ticket: super::admission::SocketTicket,
    socket: WebSocket,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    metrics::gauge!("rolo_connections").increment(1.0);
    let state_commit_timeout = state.config.commit_timeout;
    let Subscription {
        mut seq,
        mut events,
        tail,
    } = state.hub.subscribe(claims.tenant);
    let access = Access {
        // Read in `run`, before anything is judged with it.
        viewer: Viewer {
            active: false,
            ..Viewer::member_only(claims.member)
        },
        generation: 0,
    };
    let mut connection = Connection {
        state,
        claims,
        access,
        socket,
        session: None,
        head: seq.clone(),
        tail,
        shared_page: None,
        last_page_at: None,
        pushes: Pushes::new(state_commit_timeout),
    };
    let end = connection
        .run(&mut seq, &mut events, &mut shutdown, &ticket)
        .await;
    drop(ticket);
    // Everything that follows the tenant goes before the hub is asked to forget it.
    drop((seq, events));
    let Connection { state, claims, .. } = connection;
    state.hub.release(claims.tenant);
    metrics::gauge!("rolo_connections").decrement(1.0);
    match &end {
        End::DeviceLeft | End::Shutdown => {
            tracing::debug!(device = %claims.device, ?end, "sync connection closed")
        }
        End::Socket(error) => {
            tracing::debug!(device = %claims.device, %error, "sync socket failed");
        }
        End::Store(error) => {
            metrics::counter!("rolo_errors_total", "kind" => "store").increment(1);
            tracing::error!(device = %claims.device, %error, "sync connection ended by a store failure");
        }
        other => {
            tracing::info!(device = %claims.device, end = ?other, "sync connection cut")
        }
    }
}

/// Set the batch timer to end at `deadline`, reusing its allocation when it has one.
fn arm(batch_wait: &mut Option<Pin<Box<tokio::time::Sleep>>>, deadline: tokio::time::Instant) {
    match batch_wait.as_mut() {
        Some(wait) => wait.as_mut().reset(deadline),
        None => *batch_wait = Some(Box::pin(tokio::time::sleep_until(deadline))),
    }
}

struct Connection {
    state: AppState,
    claims: AccessClaims,
    /// The member as the access rules see them, read again when the tenant's access
    /// generation moves (`Tail::read_feed`).
    access: Access,
    socket: WebSocket,
    session: Option<ServerSession>,
    /// The tenant's newest seq, as the hub announced it (read when the feed is read).
    head: tokio::sync::watch::Receiver<u64>,
    /// The tenant's newest feed rows, shared with its other connections on this node.
    tail: Arc<Tail>,
    /// The page just read from the tail, whose bytes other connections may have made.
    shared_page: Option<Arc<SharedPage>>,
    /// When the last feed page went out, for batching live pages.
    last_page_at: Option<Instant>,
    /// The push committing and the one waiting behind it.
    pushes: Pushes,
}

impl Connection {
    async fn run(
        &mut self,
        seq: &mut tokio::sync::watch::Receiver<u64>,
        events: &mut tokio::sync::broadcast::Receiver<TenantEvent>,
        shutdown: &mut tokio::sync::watch::Receiver<bool>,
        ticket: &super::admission::SocketTicket,
    ) -> End {
        let head = match self.state.store.head(self.claims.tenant).await {
            Ok(head) => head,
            Err(error) => return End::Store(error),
        };
        self.access = match self
            .state
            .store
            .access(self.claims.tenant, self.claims.member)
            .await
        {
            Ok(access) => access,
            Err(error) => return End::Store(error),
        };
        self.session = Some(
            ServerSession::new(self.claims.member, self.claims.device, head)
                .accepting(self.state.config.max_frame_bytes),
        );
        let mut limit = RateLimit::new(self.state.config.frames_per_second);
        let leeway = self.state.config.clock_leeway.as_secs() as i64;
        let expires_in = Duration::from_secs(
            (self.claims.expires_at + leeway)
                .saturating_sub(now_seconds())
                .max(0) as u64,
        );
        let expiry = tokio::time::sleep(expires_in);
        tokio::pin!(expiry);
        // A socket that never says `hello` is closed: an upgrade costs a place among the
        // node's sockets, and one that does nothing must not keep it.
        let hello_deadline = tokio::time::sleep(self.state.config.hello_timeout);
        tokio::pin!(hello_deadline);
        // The end of the batch interval after the last page, armed when a page goes out:
        // while commits stream in, the connection sleeps through the interval and wakes once
        // at its end, instead of waking for the first commit after the page and again when
        // the rest of the interval is over. The timer is kept while pages keep going out and
        // dropped when an interval ends with nothing new (boxed: an idle connection holds
        // only the `None`).
        let mut batch_wait: Option<Pin<Box<tokio::time::Sleep>>> = None;
        let mut batch_armed = false;
        loop {
            let effects = tokio::select! {
                message = self.socket.next() => match message {
                    None | Some(Ok(Message::Close(_))) => return End::DeviceLeft,
                    Some(Err(error)) => return End::Socket(error),
                    // Every message counts against the rate, pings included: each one costs
                    // the node a read and (for a ping) a write.
                    Some(Ok(_)) if !limit.allow() => {
                        self.send_error(ErrorCode::RateLimited, "too many frames; reconnect later").await;
                        return End::Protocol;
                    }
                    Some(Ok(Message::Binary(bytes))) => {
                        crate::metrics::hot().frames_in.increment(1);
                        let session = self.session.as_mut().expect("set above");
                        match Frame::decode_from_device(&bytes, self.state.config.max_frame_bytes) {
                            Ok(frame) => session.receive(frame),
                            Err(error) => {
                                metrics::counter!("rolo_errors_total", "kind" => "bad_frame").increment(1);
                                session.malformed(&error)
                            }
                        }
                    }
                    Some(Ok(Message::Text(_))) => self.session.as_mut().expect("set above").malformed(
                        &WireError::Malformed { reason: "frames are binary MessagePack, not text".into() },
                    ),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => Vec::new(),
                },
                changed = seq.changed(), if !batch_armed => {
                    if changed.is_err() {
                        return End::Shutdown;
                    }
                    // While commits stream in, a device gets a page per batch interval with
                    // everything committed meanwhile, not a page per commit: at a thousand
                    // devices, a page per commit each is more than a node can send. The
                    // device's own frames are served meanwhile.
                    let since = self.last_page_at.map(|sent| sent.elapsed());
                    let wait = since.map_or(Duration::ZERO, |since| {
                        self.state.config.feed_batch.saturating_sub(since)
                    });
                    if wait.is_zero() {
                        let head = *seq.borrow_and_update();
                        self.session.as_mut().expect("set above").head_advanced(head)
                    } else {
                        arm(&mut batch_wait, tokio::time::Instant::now() + wait);
                        batch_armed = true;
                        Vec::new()
                    }
                }
                () = async {
                    match batch_wait.as_mut() {
                        Some(wait) => wait.await,
                        None => std::future::pending().await,
                    }
                }, if batch_armed => {
                    batch_armed = false;
                    match seq.has_changed() {
                        Err(_) => return End::Shutdown,
                        Ok(true) => {
                            let head = *seq.borrow_and_update();
                            self.session.as_mut().expect("set above").head_advanced(head)
                        }
                        // Nothing committed meanwhile: the next commit is sent at once.
                        Ok(false) => {
                            batch_wait = None;
                            Vec::new()
                        }
                    }
                }
                event = events.recv() => match event {
                    Ok(TenantEvent::DeviceRevoked(device)) if device == self.claims.device => {
                        self.send_error(ErrorCode::Unauthorized, "this device was signed out").await;
                        return End::Revoked;
                    }
                    Ok(TenantEvent::Presence { doc, meta, state, member, device }) if self.access.viewer.sees(&meta) => {
                        self.session.as_mut().expect("set above").presence(doc, state, member, device)
                    }
                    Ok(TenantEvent::CardRead { device, card }) if device == self.claims.device => {
                        let store = self.state.store.clone();
                        let started = self.session.as_ref().and_then(ServerSession::device).is_some();
                        match card_frames(store.as_ref(), &self.claims, started, Some(card)).await {
                            Ok(frames) => frames,
                            Err(error) => return End::Store(error),
                        }
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => Vec::new(),
                    Err(RecvError::Closed) => return End::Shutdown,
                },
                () = &mut hello_deadline, if self.session.as_ref().and_then(ServerSession::device).is_none() => {
                    self.send_error(ErrorCode::HelloRequired, "no hello within the time allowed").await;
                    return End::Protocol;
                }
                () = ticket.superseded.notified() => {
                    // `unavailable`, not a code of its own: a new error code would be a new
                    // protocol version (protocol.md 14), and this socket is usually one the
                    // device already abandoned.
                    self.send_error(ErrorCode::Unavailable, "a newer connection of this device took this one's place").await;
                    return End::Superseded;
                }
                () = &mut expiry => {
                    self.send_error(ErrorCode::TokenExpired, "the access token expired; refresh it and reconnect").await;
                    return End::TokenExpired;
                }
                finished = self.pushes.finished(), if self.pushes.busy() => self.push_finished(finished),
                _ = shutdown.changed() => {
                    // A push committing still gets its answer before the socket closes.
                    if self.pushes.busy() {
                        let finished = self.pushes.finished().await;
                        let effects = self.push_finished(finished);
                        if let Some(end) = Box::pin(self.execute(effects)).await {
                            return end;
                        }
                    }
                    let _ = self.socket.send(Message::Close(None)).await;
                    return End::Shutdown;
                }
            };
            // Boxed: the state of carrying out effects (a commit, a feed read) is large and
            // needed only while busy; inline, every idle connection would hold room for it.
            let last_page = self.last_page_at;
            if let Some(end) = Box::pin(self.execute(effects)).await {
                return end;
            }
            if let Some(sent) = self.last_page_at.filter(|_| self.last_page_at != last_page) {
                arm(
                    &mut batch_wait,
                    (sent + self.state.config.feed_batch).into(),
                );
                batch_armed = true;
            }
        }
    }

    async fn send_error(&mut self, code: ErrorCode, message: &str) {
        let frame = Frame::error(code, message, true);
        // The device may already be gone; the connection ends either way.
        let _ = self
            .socket
            .send(Message::Binary(frame.encode().into()))
            .await;
        let _ = self.socket.send(Message::Close(None)).await;
    }

    /// Carry out effects (and the effects they lead to) in order.
    async fn execute(&mut self, effects: Vec<SessionEffect>) -> Option<End> {
        let mut queue: VecDeque<SessionEffect> = effects.into();
        let (tenant, member) = (self.claims.tenant, self.claims.member);
        while let Some(effect) = queue.pop_front() {
            let store = &self.state.store;
            let more = match effect {
                SessionEffect::Send(frame) => {
                    let welcome = matches!(frame, Frame::Welcome { .. });
                    crate::metrics::hot().frames_out.increment(1);
                    if let Frame::Error { code, message, .. } = &frame {
                        tracing::info!(device = %self.claims.device, ?code, %message, "sync error sent");
                    }
                    if let Err(error) = self
                        .socket
                        .send(Message::Binary(frame.encode().into()))
                        .await
                    {
                        return Some(End::Socket(error));
                    }
                    if welcome {
                        // The drafts of cards this device scanned and has not reviewed: a
                        // device that was away when one was read gets them now, right after
                        // the welcome and before any feed page (protocol.md 5.10).
                        let store = self.state.store.clone();
                        match card_frames(store.as_ref(), &self.claims, true, None).await {
                            Ok(frames) => {
                                for frame in frames.into_iter().rev() {
                                    queue.push_front(frame);
                                }
                            }
                            Err(error) => return Some(End::Store(error)),
                        }
                    }
                    Vec::new()
                }
                SessionEffect::SendFeed { frame, deflate } => {
                    crate::metrics::hot().frames_out.increment(1);
                    // The tenant's other devices are usually sent this very page: encoded and
                    // compressed once, shared by all.
                    let bytes = match self.shared_page.take() {
                        None => frame.encode_for(deflate).into(),
                        Some(shared) => match shared.wire_bytes(&frame, deflate) {
                            Some(bytes) => bytes,
                            // The session framed the outline otherwise than the page was
                            // shared for: put the items into its frame.
                            None => with_items(frame, shared.page()).encode_for(deflate).into(),
                        },
                    };
                    if let Err(error) = self.socket.send(Message::Binary(bytes)).await {
                        return Some(End::Socket(error));
                    }
                    self.last_page_at = Some(Instant::now());
                    Vec::new()
                }
                SessionEffect::Close => {
                    let _ = self.socket.send(Message::Close(None)).await;
                    return Some(End::Protocol);
                }
                SessionEffect::FetchFeed(request) => {
                    let head = *self.head.borrow();
                    let read = self.tail.read_feed(
                        store.as_ref(),
                        tenant,
                        &mut self.access,
                        &request,
                        head,
                    );
                    match read.await {
                        Ok((page, shared)) => {
                            let lag = seq_lag(&page, request.after);
                            crate::metrics::hot().feed_lag_rows.record(lag as f64);
                            // The session frames the page as the next effect (or not at all).
                            self.shared_page = shared;
                            self.session_mut().feed_loaded(&request, page)
                        }
                        Err(error) => return Some(End::Store(error)),
                    }
                }
                SessionEffect::Commit { batch, docs } => {
                    metrics::counter!("rolo_pushes_total").increment(1);
                    // Committed beside the connection's reading (`pushes`), answered by
                    // `push_finished`.
                    self.pushes.offer(
                        store,
                        tenant,
                        &self.access.viewer,
                        self.claims.device,
                        batch,
                        docs,
                    );
                    Vec::new()
                }
                SessionEffect::Repair { doc, msg } => {
                    match store.repair(tenant, member, doc, &msg).await {
                        Ok(reply) => self.session_mut().repaired(doc, reply),
                        Err(error) => return Some(End::Store(error)),
                    }
                }
                SessionEffect::Publish { doc, state } => {
                    match store.doc_meta(tenant, doc).await {
                        // Only a member who may see the contact can say they are on it.
                        Ok(Some(meta)) if self.access.viewer.sees(&meta) => self.state.hub.publish(
                            tenant,
                            TenantEvent::Presence {
                                doc,
                                meta,
                                state,
                                member,
                                device: self.claims.device,
                            },
                        ),
                        Ok(_) => {}
                        Err(error) => return Some(End::Store(error)),
                    }
                    Vec::new()
                }
            };
            queue.extend(more);
        }
        // Not kept past its frame: an idle connection must not hold an old page alive.
        self.shared_page = None;
        None
    }

    /// What to do once the push in flight committed or could not be: its `ack`, or
    /// `unavailable` answers; and the push that waited behind it starts.
    fn push_finished(&mut self, finished: Finished) -> Vec<SessionEffect> {
        let tenant = self.claims.tenant;
        match finished {
            Finished::Committed {
                batch,
                results,
                took,
            } => {
                crate::metrics::hot()
                    .commit_seconds
                    .record(took.as_secs_f64());
                let rejected = results
                    .iter()
                    .filter(|result| result.rejected.is_some())
                    .count();
                metrics::counter!("rolo_acks_total").increment((results.len() - rejected) as u64);
                metrics::counter!("rolo_rejections_total").increment(rejected as u64);
                if let Some(newest) = results.iter().filter_map(|result| result.seq).max() {
                    self.state.hub.advanced(tenant, newest);
                }
                // Nothing is in flight now, so the push that waited starts at once.
                if let Some((waiting, docs)) = self.pushes.next_waiting() {
                    self.pushes.offer(
                        &self.state.store,
                        tenant,
                        &self.access.viewer,
                        self.claims.device,
                        waiting,
                        docs,
                    );
                }
                self.session_mut().committed(batch, results)
            }
            Finished::Unavailable {
                batches,
                retry_after_ms,
                reason,
                error,
            } => {
                metrics::counter!("rolo_pushes_unavailable_total").increment(batches.len() as u64);
                match &error {
                    Some(error) => {
                        tracing::warn!(device = %self.claims.device, %error, "a push could not be committed")
                    }
                    None => {
                        tracing::warn!(device = %self.claims.device, "a push took longer than the commit bound")
                    }
                }
                batches
                    .into_iter()
                    .map(|batch| {
                        SessionEffect::Send(Frame::push_unavailable(batch, retry_after_ms, reason))
                    })
                    .collect()
            }
        }
    }

    fn session_mut(&mut self) -> &mut ServerSession {
        self.session
            .as_mut()
            .expect("the session starts before any effect")
    }
}

/// `frame`, a feed frame made from a shared page's outline, with the page's items.
fn with_items(mut frame: Frame, page: &sync_core::replica::session::FeedPage) -> Frame {
    if let Frame::Feed { items, .. } = &mut frame {
        items.clone_from(&page.items);
    }
    frame
}

/// How far behind the head the page started: rows the device still had to catch up on.
fn seq_lag(page: &sync_core::replica::session::FeedPage, after: u64) -> u64 {
    page.to.saturating_sub(after)
}

/// `card` frames to send: for one card that was just read, or (`None`) for every card of this
/// device awaiting review. Nothing before the device said `hello` (`started`): the frames
/// follow the `welcome`. A free function, so its future borrows only `Sync` parts.
async fn card_frames(
    store: &dyn crate::store::Store,
    claims: &AccessClaims,
    started: bool,
    card: Option<sync_core::ids::CardId>,
) -> Result<Vec<SessionEffect>, StoreError> {
    if !started {
        return Ok(Vec::new());
    }
    let (tenant, device) = (claims.tenant, claims.device);
    let records: Vec<_> = match card {
        Some(card) => store.card(tenant, card).await?.into_iter().collect(),
        None => store.cards_to_review(tenant, device).await?,
    };
    Ok(records
        .into_iter()
        .filter(|record| record.device == device)
        .map(|record| {
            SessionEffect::Send(Frame::Card {
                draft: Box::new(record.draft()),
            })
        })
        .collect())
}
