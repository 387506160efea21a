//! A stand-in for the Rolo server, for testing the sync driver over real sockets without the
//! real server: sync-core's `ServerSession` and in-memory `MemoryTenant` behind a WebSocket on
//! 127.0.0.1, plus `POST /v1/token` with single-use refresh tokens. The end-to-end stories
//! against the real server live in the workspace's `tests/` crate.
//!
//! (`support/mod.rs` rather than `support.rs`: every `tests/*.rs` file is its own test crate.)

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use client::{Account, Secret, Tokens};
use futures_util::{SinkExt, StreamExt};
use sync_core::contact::Contact;
use sync_core::ids::{ContactId, DeviceId, MemberId, TenantId};
use sync_core::replica::session::{ServerSession, SessionEffect};
use sync_core::sim::tenant::MemoryTenant;
use sync_core::wire::{ErrorCode, Frame, MAX_FRAME_BYTES};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};

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

/// What every connection listens for besides its socket.
#[derive(Debug, Clone, Copy)]
enum Signal {
    /// The tenant's head moved to this seq.
    Head(u64),
    /// Drop the connection without a word (a cut cable).
    Cut,
    /// Send a fatal `token_expired` error and close.
    ExpireTokens,
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
}

async fn serve(stream: TcpStream, shared: Arc<Mutex<Shared>>, signals: broadcast::Sender<Signal>) {
    let mut start = [0u8; 4];
    if stream.peek(&mut start).await.is_err() {
        return;
    }
    if &start == b"POST" {
        token_endpoint(stream, shared).await;
    } else {
        sync_endpoint(stream, shared, signals).await;
    }
}

/// `POST /v1/token`: single-use refresh tokens, as the real server rotates them.
async fn token_endpoint(mut stream: TcpStream, shared: Arc<Mutex<Shared>>) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    let body = loop {
        let read = stream.read(&mut buffer).await.unwrap();
        if read == 0 {
            return;
        }
        request.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&request).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                break request[end + 4..end + 4 + length].to_vec();
            }
        }
    };
    let asked: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let token = asked["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (status, answer) = {
        let mut shared = shared.lock().unwrap();
        match shared.refresh.remove(&token) {
            Some((member, device)) => {
                shared.refreshes += 1;
                let (access, refresh) = shared.issue(member, device);
                let answer = serde_json::json!({
                    "access_token": access, "refresh_token": refresh, "expires_in": 900,
                });
                ("200 OK", answer)
            }
            None => (
                "401 Unauthorized",
                serde_json::json!({
                    "code": "unauthorized", "message": "refresh token refused", "field": null,
                }),
            ),
        }
    };
    let body = answer.to_string();
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
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
    let (member, _device) = identity.expect("an accepted upgrade has an identity");
    let mut signal = signals.subscribe();
    let mut session = ServerSession::new(member, shared.lock().unwrap().tenant.head());
    loop {
        let effects = tokio::select! {
            message = socket.next() => match message {
                Some(Ok(Message::Binary(bytes))) => match Frame::decode(&bytes, MAX_FRAME_BYTES) {
                    Ok(frame) => session.receive(frame),
                    Err(error) => session.malformed(&error),
                },
                Some(Ok(_)) => continue,
                _ => return,
            },
            received = signal.recv() => match received {
                Ok(Signal::Head(head)) => session.head_advanced(head),
                Ok(Signal::Cut) => return,
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
                SessionEffect::Close => {
                    let _ = socket.close(None).await;
                    return;
                }
                SessionEffect::FetchFeed(request) => {
                    let page = shared.lock().unwrap().tenant.read_feed(member, &request);
                    session.feed_loaded(&request, page)
                }
                SessionEffect::Commit { batch, docs } => {
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
