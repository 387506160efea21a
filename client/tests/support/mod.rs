//! A stand-in for the Rolo server, for testing the sync driver over real sockets without the
//! real server: sync-core's `ServerSession` and in-memory `MemoryTenant` behind a WebSocket on
//! 127.0.0.1, plus `POST /v1/token` with single-use refresh tokens and the card API (`cards`).
//! The end-to-end stories
//! against the real server live in the workspace's `tests/` crate.
//!
//! (`support/mod.rs` rather than `support.rs`: every `tests/*.rs` file is its own test crate.)

#![allow(dead_code)]

mod cards;
mod http;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use client::{Account, Secret, Tokens};
use futures_util::{SinkExt, StreamExt};
use sync_core::card::{CardStatus, Field};
use sync_core::contact::Contact;
use sync_core::ids::{CardId, ContactId, DeviceId, MemberId, TenantId};
use sync_core::replica::session::{ServerSession, SessionEffect};
use sync_core::sim::tenant::MemoryTenant;
use sync_core::wire::{ErrorCode, Frame, MAX_FRAME_BYTES};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};

use self::http::http_endpoint;

/// What the fake server knows.
#[derive(Default)]
struct Shared {
    tenant: MemoryTenant,
    /// Access tokens accepted at the upgrade.
    access: HashMap<String, (MemberId, DeviceId)>,
    /// Access tokens refused with `token_expired`.
    expired: HashSet<String>,
    /// Refresh tokens not yet used.
    refresh: HashMap<String, (MemberId, DeviceId)>,
    next_token: u64,
    refreshes: usize,
    upgrades: usize,
    cards: cards::FakeCards,
    /// Pushes still to answer `unavailable` (a database that is down), and when each push
    /// arrived.
    unavailable_pushes: usize,
    push_times: Vec<std::time::Instant>,
    /// What `GET /v1/members` answers.
    members: Vec<serde_json::Value>,
    /// `GET /v1/members` requests answered.
    member_lists: usize,
}

impl Shared {
    fn issue(&mut self, member: MemberId, device: DeviceId) -> (String, String) {
        self.next_token += 1;
        let access = format!("access-{}", self.next_token);
        let refresh = format!("refresh-{}", self.next_token);
        self.access.insert(access.clone(), (member, device));
        self.refresh.insert(refresh.clone(), (member, device));
        (access, refresh)
    }
}

/// The wait the stand-in asks for when it refuses a push.
pub const RETRY_AFTER_MS: u64 = 1000;

/// What every connection listens for besides its socket.
#[derive(Debug, Clone, Copy)]
enum Signal {
    /// The tenant's head moved to this seq.
    Head(u64),
    /// Drop the connection without a word (a cut cable).
    Cut,
    /// Send a fatal `token_expired` error and close.
    ExpireTokens,
    /// This card's reading finished: send its draft to its member's connections.
    Card(CardId),
}

/// The running fake server.
pub struct FakeServer {
    url: String,
    shared: Arc<Mutex<Shared>>,
    signals: broadcast::Sender<Signal>,
}

impl FakeServer {
    /// Starts listening on a free loopback port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Mutex::new(Shared::default()));
        let (signals, _) = broadcast::channel(1024);
        let server = Self {
            url,
            shared: shared.clone(),
            signals: signals.clone(),
        };
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, shared.clone(), signals.clone()));
            }
        });
        server
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap()
    }

    /// Answer the next `count` pushes `unavailable`, asking for a wait of `RETRY_AFTER_MS`,
    /// as the real server does while its database is down.
    pub fn refuse_pushes(&self, count: usize) {
        self.lock().unavailable_pushes = count;
    }

    /// When each push arrived.
    pub fn push_times(&self) -> Vec<std::time::Instant> {
        self.lock().push_times.clone()
    }

    /// Signs a new device of `member` in, as `POST /v1/login` would.
    pub fn login(&self, member: u128, device: u128) -> Account {
        let (member, device) = (MemberId::from_u128(member), DeviceId::from_u128(device));
        let (access, refresh) = self.lock().issue(member, device);
        Account {
            server: self.url.clone(),
            tenant: TenantId::from_u128(1),
            member,
            device,
            tokens: Tokens {
                access_token: Secret::new(access),
                refresh_token: Secret::new(refresh),
                access_expires_ms: i64::MAX,
            },
            default_region: Some("JP".into()),
        }
    }

    /// From now on the server refuses this access token as expired.
    pub fn expire(&self, access_token: &Secret) {
        self.lock()
            .expired
            .insert(access_token.expose().to_string());
    }

    /// Expires every access token issued so far and tells every open connection so, as a
    /// server does when a token runs out mid-session.
    pub fn expire_all_sessions(&self) {
        let mut shared = self.lock();
        let all: Vec<String> = shared.access.keys().cloned().collect();
        shared.expired.extend(all);
        drop(shared);
        let _ = self.signals.send(Signal::ExpireTokens);
    }

    /// From now on `GET /v1/members` lists these members (id, email, name), each an active
    /// `member`.
    pub fn set_members(&self, members: &[(MemberId, &str, &str)]) {
        self.lock().members = members
            .iter()
            .map(|(id, email, name)| {
                serde_json::json!({
                    "id": id.to_string(), "email": email, "name": name,
                    "role": "member", "active": true,
                })
            })
            .collect();
    }

    /// `GET /v1/members` requests answered so far.
    pub fn member_lists(&self) -> usize {
        self.lock().member_lists
    }

    /// Cuts every open connection.
    pub fn cut_connections(&self) {
        let _ = self.signals.send(Signal::Cut);
    }

    /// Whether this refresh token would still be accepted.
    pub fn refresh_token_valid(&self, token: &Secret) -> bool {
        self.lock().refresh.contains_key(token.expose())
    }

    /// Refreshes so far.
    pub fn refreshes(&self) -> usize {
        self.lock().refreshes
    }

    /// Accepted WebSocket upgrades so far.
    pub fn upgrades(&self) -> usize {
        self.lock().upgrades
    }

    /// The tenant's latest seq.
    pub fn head(&self) -> u64 {
        self.lock().tenant.head()
    }

    /// The server's copy of a contact.
    pub fn contact(&self, id: ContactId) -> Option<Contact> {
        self.lock().tenant.doc(id).map(|doc| doc.contact().unwrap())
    }

    /// From now on answers uploads with this status and error code (`None`: accepts them).
    pub fn refuse_uploads(&self, refusal: Option<(u16, &str)>) {
        self.lock().cards.refuse_with = refusal.map(|(status, code)| (status, code.to_string()));
    }

    /// Upload requests that reached the card API so far.
    pub fn upload_requests(&self) -> usize {
        self.lock().cards.upload_requests
    }

    /// The photos received for a card.
    pub fn uploaded(&self, card: CardId) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
        let shared = self.lock();
        let stored = shared.cards.cards.get(&card)?;
        Some((stored.front.clone(), stored.back.clone()))
    }

    /// The card's status at the server.
    pub fn card_status(&self, card: CardId) -> Option<CardStatus> {
        Some(self.lock().cards.cards.get(&card)?.draft.status)
    }

    /// `done` reports received so far, in order.
    pub fn done_reports(&self) -> Vec<CardId> {
        self.lock().cards.done_reports.clone()
    }

    /// Finishes reading an uploaded card with these fields (and its photos as images) and
    /// sends the draft to the member's open connections, as the real server does.
    pub fn finish_reading(&self, card: CardId, fields: Vec<Field>) {
        {
            let mut shared = self.lock();
            let stored = shared
                .cards
                .cards
                .get_mut(&card)
                .expect("the card was uploaded");
            stored.draft.images = cards::images(stored);
            stored.draft.fields = fields;
            stored.draft.status = CardStatus::Ready;
        }
        let _ = self.signals.send(Signal::Card(card));
    }
}

async fn serve(stream: TcpStream, shared: Arc<Mutex<Shared>>, signals: broadcast::Sender<Signal>) {
    let mut start = [0u8; 13];
    if stream.peek(&mut start).await.is_err() {
        return;
    }
    if start.starts_with(b"POST")
        || start.starts_with(b"PUT ")
        || &start == b"GET /v1/cards"
        || &start == b"GET /v1/membe"
    {
        http_endpoint(stream, shared).await;
    } else {
        sync_endpoint(stream, shared, signals).await;
    }
}

/// `GET /v1/sync`: the bearer token checked at the upgrade, then sync-core's session.
// The refusal type is tungstenite's, as its upgrade callback requires.
#[allow(clippy::result_large_err)]
async fn sync_endpoint(
    stream: TcpStream,
    shared: Arc<Mutex<Shared>>,
    signals: broadcast::Sender<Signal>,
) {
    let mut identity = None;
    let check = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
        let token = request
            .headers()
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or_default();
        let mut shared = shared.lock().unwrap();
        let refuse = |code: &str| {
            let body = serde_json::json!({"code": code, "message": code, "field": null});
            let mut refusal = ErrorResponse::new(Some(body.to_string()));
            *refusal.status_mut() = 401.try_into().unwrap();
            refusal
        };
        if shared.expired.contains(token) {
            return Err(refuse("token_expired"));
        }
        match shared.access.get(token) {
            Some(found) => {
                identity = Some(*found);
                shared.upgrades += 1;
                Ok(response)
            }
            None => Err(refuse("unauthorized")),
        }
    };
    let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(stream, check).await else {
        return;
    };
    let (member, device) = identity.expect("an accepted upgrade has an identity");
    let mut signal = signals.subscribe();
    let mut session = ServerSession::new(member, device, shared.lock().unwrap().tenant.head());
    loop {
        let effects = tokio::select! {
            message = socket.next() => match message {
                Some(Ok(Message::Binary(bytes))) => match Frame::decode_from_device(&bytes, MAX_FRAME_BYTES) {
                    Ok(frame) => {
                        let hello = matches!(frame, Frame::Hello { .. });
                        let mut effects = session.receive(frame);
                        // After every welcome: the drafts this member has not reported done.
                        if hello {
                            let drafts = shared.lock().unwrap().cards.pending_for(member);
                            effects.extend(drafts.into_iter().map(|draft| {
                                SessionEffect::Send(Frame::Card { draft: Box::new(draft) })
                            }));
                        }
                        effects
                    }
                    Err(error) => session.malformed(&error),
                },
                Some(Ok(_)) => continue,
                _ => return,
            },
            received = signal.recv() => match received {
                Ok(Signal::Head(head)) => session.head_advanced(head),
                Ok(Signal::Cut) => return,
                Ok(Signal::Card(card)) => {
                    let shared = shared.lock().unwrap();
                    match shared.cards.cards.get(&card) {
                        Some(stored) if stored.member == member => vec![SessionEffect::Send(
                            Frame::Card { draft: Box::new(stored.draft.clone()) },
                        )],
                        _ => continue,
                    }
                }
                Ok(Signal::ExpireTokens) => vec![
                    SessionEffect::Send(Frame::error(
                        ErrorCode::TokenExpired,
                        "the access token expired; refresh it and reconnect",
                        true,
                    )),
                    SessionEffect::Close,
                ],
                Err(_) => continue,
            },
        };
        let mut work: std::collections::VecDeque<SessionEffect> = effects.into();
        while let Some(effect) = work.pop_front() {
            let more = match effect {
                SessionEffect::Send(frame) => {
                    if socket
                        .send(Message::Binary(frame.encode().into()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                    Vec::new()
                }
                SessionEffect::SendFeed { frame, deflate } => {
                    let bytes = frame.encode_for(deflate);
                    if socket.send(Message::Binary(bytes.into())).await.is_err() {
                        return;
                    }
                    Vec::new()
                }
                SessionEffect::Close => {
                    let _ = socket.close(None).await;
                    return;
                }
                SessionEffect::FetchFeed(request) => {
                    let page = shared.lock().unwrap().tenant.read_feed(member, &request);
                    session.feed_loaded(&request, page)
                }
                SessionEffect::Commit { batch, docs } => {
                    let refused = {
                        let mut shared = shared.lock().unwrap();
                        shared.push_times.push(std::time::Instant::now());
                        let refused = shared.unavailable_pushes > 0;
                        shared.unavailable_pushes = shared.unavailable_pushes.saturating_sub(1);
                        refused
                    };
                    if refused {
                        let answer =
                            Frame::push_unavailable(batch, RETRY_AFTER_MS, "the database is down");
                        let _ = socket.send(Message::Binary(answer.encode().into())).await;
                        continue;
                    }
                    let (results, head) = {
                        let mut shared = shared.lock().unwrap();
                        let results = shared.tenant.commit(member, &docs);
                        (results, shared.tenant.head())
                    };
                    let _ = signals.send(Signal::Head(head));
                    session.committed(batch, results)
                }
                SessionEffect::Repair { doc, msg } => {
                    let reply = shared.lock().unwrap().tenant.repair(member, doc, &msg);
                    session.repaired(doc, reply)
                }
                SessionEffect::Publish { .. } => Vec::new(),
            };
            work.extend(more);
        }
    }
}
