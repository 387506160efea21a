//! End-to-end harness: a real server on `127.0.0.1:0` (SQLite in a temp dir, or a throw-away
//! Postgres cluster), accounts made through the real HTTP API, and devices speaking the real
//! protocol over real WebSockets.
//!
//! [`WireDevice`] is the protocol's device replica (`sync_core`'s `DeviceReplica`) on a socket,
//! with its storage in memory: light enough for the benchmarks to run a thousand of them. The
//! stories that care about the disk use the `client` crate's replica.

pub mod cards;
pub mod cli;
pub mod company;
pub mod imports;
pub mod outage;

/// Run each story (an `async fn(&TestServer) -> anyhow::Result<()>` of the calling test file)
/// on a fresh SQLite server and on a fresh Postgres server: tests `sqlite::NAME` and
/// `postgres::NAME`.
#[macro_export]
macro_rules! on_both_backends {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let server = tests::TestServer::sqlite().await.expect("server starts");
                    super::$story(&server).await.expect("story holds");
                    server.stop().await.expect("server stops");
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let database = server::testing::fresh_database().await.expect("postgres database");
                    let server = tests::TestServer::postgres(&database).await.expect("server starts");
                    super::$story(&server).await.expect("story holds");
                    server.stop().await.expect("server stops");
                }
            )*
        }
    };
}

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use sync_core::ids::{DeviceId, MemberId, TenantId};
use sync_core::replica::device::{DeviceEffect, DeviceReplica};
use sync_core::wire::{Frame, MAX_FRAME_BYTES};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

mod glance;
pub use glance::{ItemGlance, feed_docs};

/// The `/metrics` bearer token of [`ChildServer`]s, and of test servers that set it.
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";

/// A server running inside the test process.
pub struct TestServer {
    /// Where it listens.
    pub address: SocketAddr,
    /// The token `/metrics` answers to on the main listener, if the server has one.
    metrics_token: Option<String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _data: Option<tempfile::TempDir>,
    /// Uploaded import files: a folder of its own, gone with the server (the default folder
    /// is the working one on Postgres).
    _imports: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A server on a fresh SQLite database.
    pub async fn sqlite() -> anyhow::Result<Self> {
        Self::sqlite_with(|_| {}).await
    }

    /// A server on a fresh SQLite database, with settings changed by `adjust`.
    pub async fn sqlite_with(adjust: impl FnOnce(&mut server::Config)) -> anyhow::Result<Self> {
        let data = tempfile::tempdir()?;
        let url = format!("sqlite://{}", data.path().join("rolo.db").display());
        let mut server = Self::start(url, adjust).await?;
        server._data = Some(data);
        Ok(server)
    }

    /// A server on the Postgres database `url`.
    pub async fn postgres(url: &str) -> anyhow::Result<Self> {
        Self::start(url.to_string(), |_| {}).await
    }

    /// A server on the Postgres database `url`, with settings changed by `adjust`.
    pub async fn postgres_with(
        url: &str,
        adjust: impl FnOnce(&mut server::Config),
    ) -> anyhow::Result<Self> {
        Self::start(url.to_string(), adjust).await
    }

    async fn start(
        database_url: String,
        adjust: impl FnOnce(&mut server::Config),
    ) -> anyhow::Result<Self> {
        // The server's logs, for a failing story (`RUST_LOG=debug`); quiet by default.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "warn".into()),
            )
            .with_test_writer()
            .try_init();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let mut config = server::Config {
            listen: address,
            database_url,
            ..server::Config::default()
        };
        // Cards are read by `rolo-server read-card`; this process is a test binary.
        if let Ok(reader) = server_binary() {
            config.card_reader = reader;
        }
        let imports = tempfile::tempdir()?;
        config.import_dir = imports.path().to_path_buf();
        adjust(&mut config);
        let metrics_token = config.metrics_token.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server::run(config, listener, async {
            let _ = stopped.await;
        }));
        let server = Self {
            address,
            metrics_token,
            stop: Some(stop),
            task: Some(task),
            _data: None,
            _imports: Some(imports),
        };
        server.wait_ready().await?;
        Ok(server)
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        // The listener is bound before `run` starts, so connecting works at once; readiness
        // waits only for the migrations.
        for _ in 0..200 {
            if let Ok(response) = reqwest::get(format!("{}/readyz", self.base_url())).await
                && response.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        bail!("the server at {} never became ready", self.address)
    }

    /// The SQLite database file of a server started by [`TestServer::sqlite`].
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        self._data.as_ref().map(|data| data.path().join("rolo.db"))
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The Prometheus scrape of `/metrics`, with the server's token (set one with
    /// `config.metrics_token = Some(METRICS_TOKEN.into())`).
    pub async fn metrics(&self) -> anyhow::Result<String> {
        let token = self
            .metrics_token
            .as_deref()
            .context("this server has no metrics token")?;
        let response = reqwest::Client::new()
            .get(format!("{}/metrics", self.base_url()))
            .bearer_auth(token)
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "/metrics answered {}",
            response.status()
        );
        Ok(response.text().await?)
    }

    /// `ws://127.0.0.1:PORT/v1/sync`.
    pub fn sync_url(&self) -> String {
        format!("ws://{}/v1/sync", self.address)
    }

    /// Shut down gracefully and wait.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await??;
        }
        Ok(())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// The `rolo-server` binary built beside the test binaries (`cargo test --workspace` builds
/// it), for stories that kill the server process.
pub fn server_binary() -> anyhow::Result<std::path::PathBuf> {
    let test_binary = std::env::current_exe()?;
    let target_dir = test_binary
        .parent()
        .and_then(|deps| deps.parent())
        .context("target dir")?;
    let binary = target_dir.join("rolo-server");
    anyhow::ensure!(
        binary.exists(),
        "{} is missing: build it with `cargo build -p server`",
        binary.display()
    );
    Ok(binary)
}

/// `text` as a URL query value (percent-encoded but for unreserved characters).
pub fn query_value(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A server in its own process, to be killed.
pub struct ChildServer {
    /// Where it listens.
    pub address: SocketAddr,
    child: std::process::Child,
}

impl ChildServer {
    /// Start `rolo-server` on `database_url`, on a free port, and wait until it is ready.
    pub async fn start(database_url: &str) -> anyhow::Result<Self> {
        Self::start_with_env(database_url, &[]).await
    }

    /// Start `rolo-server` with more `ROLO_*` settings in its environment.
    pub async fn start_with_env(
        database_url: &str,
        settings: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let address = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
            probe.local_addr()?
        };
        let child = std::process::Command::new(server_binary()?)
            .envs(settings.iter().copied())
            .env("ROLO_LISTEN", address.to_string())
            .env("ROLO_DATABASE_URL", database_url)
            .env("ROLO_METRICS_TOKEN", METRICS_TOKEN)
            .env("RUST_LOG", "warn")
            .spawn()?;
        let server = Self { address, child };
        for _ in 0..400 {
            if let Ok(response) = reqwest::get(format!("http://{address}/readyz")).await
                && response.status().is_success()
            {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        bail!("rolo-server on {address} never became ready")
    }

    /// The server as the harness's other helpers address it.
    pub fn as_test_server(&self) -> TestServer {
        TestServer {
            address: self.address,
            metrics_token: Some(METRICS_TOKEN.into()),
            stop: None,
            task: None,
            _data: None,
            _imports: None,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9`.
    pub fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A logged-in device's identity and tokens.
#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    /// The tenant.
    pub tenant: TenantId,
    /// The member.
    pub member: MemberId,
    /// This device.
    pub device: DeviceId,
    /// Short-lived access token.
    pub access_token: String,
    /// Rotating refresh token.
    pub refresh_token: String,
}

async fn post(
    server: &TestServer,
    path: &str,
    body: serde_json::Value,
    token: Option<&str>,
) -> anyhow::Result<serde_json::Value> {
    let client = reqwest::Client::new();
    let mut request = client
        .post(format!("{}{path}", server.base_url()))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await?;
    let status = response.status();
    let body: serde_json::Value = response
        .json()
        .await
        .with_context(|| format!("{path} answered {status} without JSON"))?;
    if !status.is_success() {
        bail!("{path} answered {status}: {body}");
    }
    Ok(body)
}

fn account(body: serde_json::Value) -> anyhow::Result<Account> {
    serde_json::from_value(body.clone()).with_context(|| format!("not an account: {body}"))
}

/// Sign up a tenant with its owner; the owner's first device is logged in.
pub async fn signup(
    server: &TestServer,
    company: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<Account> {
    let body = serde_json::json!({
        "company": company, "name": "Owner", "email": email, "password": password,
        "region": "JP", "device_name": "owner phone",
    });
    account(post(server, "/v1/signup", body, None).await?)
}

/// Log in a new device.
pub async fn login(
    server: &TestServer,
    email: &str,
    password: &str,
    device_name: &str,
) -> anyhow::Result<Account> {
    let body =
        serde_json::json!({ "email": email, "password": password, "device_name": device_name });
    account(post(server, "/v1/login", body, None).await?)
}

/// As an admin, invite a member and accept the invitation with `password`; returns the new
/// member's first device.
pub async fn add_member(
    server: &TestServer,
    admin: &Account,
    email: &str,
    password: &str,
) -> anyhow::Result<Account> {
    let invited = post(
        server,
        "/v1/members",
        serde_json::json!({ "email": email, "name": email, "role": "member" }),
        Some(&admin.access_token),
    )
    .await?;
    let code = invited["invite_code"]
        .as_str()
        .context("the invitation has a code")?
        .to_string();
    let body = serde_json::json!({ "email": email, "invite_code": code, "password": password, "device_name": "phone" });
    account(post(server, "/v1/invitations/accept", body, None).await?)
}

/// A sync WebSocket as the harness opens it.
pub type SyncSocket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Open a sync WebSocket with `token`.
pub async fn connect(server: &TestServer, token: &str) -> anyhow::Result<SyncSocket> {
    let mut request = server.sync_url().into_client_request()?;
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse()?);
    // A small read buffer, as a phone would use: the library zeroes the whole buffer before
    // each read (and each read that finds nothing), so its default of 128 KiB has a benchmark
    // holding a thousand devices in one process spend its time zeroing. 4 KiB holds a typical
    // live page in one read. No Nagle:
    // small frames must not wait for the peer's delayed ACK.
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(4 * 1024);
    let (socket, _) =
        tokio_tungstenite::connect_async_with_config(request, Some(config), true).await?;
    Ok(socket)
}

/// A device replica on a real socket, with its storage in memory.
pub struct WireDevice {
    /// The protocol state machine.
    pub replica: DeviceReplica,
    /// Frames the server refused or errors it sent, for assertions.
    pub errors: Vec<Frame>,
    /// Hashes of this device's changes the server acknowledged.
    pub acknowledged: Vec<automerge::ChangeHash>,
    /// Bytes of frames sent and received, for the benchmarks.
    pub bytes_sent: u64,
    /// Bytes of frames received.
    pub bytes_received: u64,
    /// Bytes of the changes this device made.
    pub change_bytes: u64,
    /// Pushes the server answered `unavailable`.
    pub deferred_pushes: u64,
    /// Pushes sent (first tries and re-pushes).
    pub pushes_sent: u64,
    /// Contacts whose changes the server refused, with why.
    pub rejections: Vec<(sync_core::ids::ContactId, sync_core::wire::Rejection)>,
    /// When to push again, after the server answered `unavailable`.
    resume_pushing_at: Option<std::time::Instant>,
    outbox: std::collections::HashMap<u64, automerge::ChangeHash>,
    socket: Option<WebSocketStream<MaybeTlsStream<TcpStream>>>,
    /// Say in `hello` that this device reads deflated frames (as every real client does).
    accept_deflate: bool,
}

impl WireDevice {
    /// Connect `account`'s device and say hello.
    pub async fn connect(
        server: &TestServer,
        account: &Account,
        actor: [u8; 16],
    ) -> anyhow::Result<Self> {
        Self::connect_with(server, account, actor, true).await
    }

    /// Connect a device that, unlike real clients, asks for plain frames: for benchmarks
    /// holding a thousand listeners in one process, where inflating every page would be
    /// the phones' work counted against the server's cores.
    pub async fn connect_plain(
        server: &TestServer,
        account: &Account,
        actor: [u8; 16],
    ) -> anyhow::Result<Self> {
        Self::connect_with(server, account, actor, false).await
    }

    async fn connect_with(
        server: &TestServer,
        account: &Account,
        actor: [u8; 16],
        accept_deflate: bool,
    ) -> anyhow::Result<Self> {
        let mut device = Self {
            accept_deflate,
            replica: DeviceReplica::new(account.device, automerge::ActorId::from(actor)),
            errors: Vec::new(),
            acknowledged: Vec::new(),
            bytes_sent: 0,
            bytes_received: 0,
            change_bytes: 0,
            deferred_pushes: 0,
            pushes_sent: 0,
            rejections: Vec::new(),
            resume_pushing_at: None,
            outbox: std::collections::HashMap::new(),
            socket: None,
        };
        device.reconnect(server, account).await?;
        Ok(device)
    }

    /// Go offline, keeping the replica: edits made now wait in its outbox.
    pub async fn disconnect(&mut self) {
        if let Some(mut socket) = self.socket.take() {
            let _ = socket.close(None).await;
        }
        self.replica.disconnected();
    }

    /// Come back online with a new socket.
    pub async fn reconnect(
        &mut self,
        server: &TestServer,
        account: &Account,
    ) -> anyhow::Result<()> {
        self.disconnect().await;
        self.socket = Some(connect(server, &account.access_token).await?);
        let effects = self.replica.connected();
        self.apply(effects).await
    }

    /// Carry out effects: send frames; storage effects need nothing (memory).
    pub async fn apply(&mut self, effects: Vec<DeviceEffect>) -> anyhow::Result<()> {
        for effect in effects {
            match effect {
                DeviceEffect::Send(mut frame) => {
                    if let Frame::Hello { accept, .. } = &mut frame
                        && !self.accept_deflate
                    {
                        accept.clear();
                    }
                    if let Some(socket) = self.socket.as_mut() {
                        self.pushes_sent += u64::from(matches!(frame, Frame::Push { .. }));
                        let bytes = frame.encode();
                        self.bytes_sent += bytes.len() as u64;
                        socket.send(Message::Binary(bytes.into())).await?;
                    }
                }
                DeviceEffect::AppendOutbox(entry) => {
                    let change = automerge::Change::try_from(entry.change.as_slice())?;
                    self.change_bytes += entry.change.len() as u64;
                    self.outbox.insert(entry.id, change.hash());
                }
                DeviceEffect::Acknowledged(ids) => {
                    self.acknowledged
                        .extend(ids.iter().filter_map(|id| self.outbox.remove(id)));
                }
                DeviceEffect::Rejected { doc, rejection } => {
                    self.rejections.push((doc, rejection));
                }
                DeviceEffect::PushDeferred { retry_after_ms } => {
                    self.deferred_pushes += 1;
                    self.resume_pushing_at =
                        Some(std::time::Instant::now() + Duration::from_millis(retry_after_ms));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Receive and handle one frame (waiting at most `timeout`). Returns it, or `None` on
    /// timeout.
    pub async fn step(&mut self, timeout: Duration) -> anyhow::Result<Option<Frame>> {
        let Some(socket) = self.socket.as_mut() else {
            bail!("the device is offline")
        };
        let message = match tokio::time::timeout(timeout, socket.next()).await {
            Err(_) => return Ok(None),
            Ok(None) => bail!("the server closed the connection"),
            Ok(Some(message)) => message?,
        };
        if let Message::Close(_) = message {
            bail!("the server closed the connection");
        }
        let Message::Binary(bytes) = message else {
            return Ok(None);
        };
        self.bytes_received += bytes.len() as u64;
        let frame = Frame::decode(&bytes, MAX_FRAME_BYTES)?;
        if matches!(frame, Frame::Error { .. }) {
            self.errors.push(frame.clone());
        }
        let effects = self.replica.receive(frame.clone());
        self.apply(effects).await?;
        Ok(Some(frame))
    }

    /// Receive one frame (waiting at most `timeout`) without handing it to the replica: for
    /// benchmarks whose listeners only time arrivals, so the measurement is the server's
    /// work and not thousands of in-process replicas applying every change. Feed pages are
    /// only glanced at ([`Arrival::Feed`]); other frames are decoded.
    pub async fn receive_only(&mut self, timeout: Duration) -> anyhow::Result<Option<Arrival>> {
        let Some(socket) = self.socket.as_mut() else {
            bail!("the device is offline")
        };
        match tokio::time::timeout(timeout, socket.next()).await {
            Err(_) => Ok(None),
            Ok(None) | Ok(Some(Ok(Message::Close(_)))) => bail!("the server closed the connection"),
            Ok(Some(Ok(Message::Binary(bytes)))) => {
                self.bytes_received += bytes.len() as u64;
                Ok(Some(match feed_docs(&bytes)? {
                    Some(docs) => Arrival::Feed(docs),
                    None => Arrival::Frame(Frame::decode(&bytes, MAX_FRAME_BYTES)?),
                }))
            }
            Ok(Some(Ok(_))) => Ok(None),
            Ok(Some(Err(error))) => Err(error.into()),
        }
    }

    /// Like [`WireDevice::step`], but feed pages pass the replica by: for benchmark writers,
    /// whose replicas need their acks, not every other device's edits.
    pub async fn step_without_feed(
        &mut self,
        timeout: Duration,
    ) -> anyhow::Result<Option<Arrival>> {
        let arrival = self.receive_only(timeout).await?;
        if let Some(Arrival::Frame(frame)) = &arrival {
            if matches!(frame, Frame::Error { .. }) {
                self.errors.push(frame.clone());
            }
            let effects = self.replica.receive(frame.clone());
            self.apply(effects).await?;
        }
        Ok(arrival)
    }

    /// Handle frames until the replica is settled and nothing arrives for `quiet`.
    pub async fn settle(&mut self, quiet: Duration) -> anyhow::Result<()> {
        loop {
            match self.step(quiet).await? {
                Some(_) => continue,
                None if self.replica.is_settled() => return Ok(()),
                None => self.tick().await?,
            }
        }
    }

    /// A tick: the replica's retries, and pushing again once a wait the server asked for is
    /// over.
    pub async fn tick(&mut self) -> anyhow::Result<()> {
        let mut effects = self.replica.tick();
        if self
            .resume_pushing_at
            .is_some_and(|at| at <= std::time::Instant::now())
        {
            self.resume_pushing_at = None;
            effects.extend(self.replica.resume_pushing());
        }
        self.apply(effects).await
    }

    /// Whether any contact this device holds has the change `hash`.
    pub fn holds_change(&self, hash: &automerge::ChangeHash) -> bool {
        self.replica
            .contact_ids()
            .any(|id| self.replica.doc(id).is_some_and(|doc| doc.has_change(hash)))
    }

    /// Send raw bytes as one WebSocket message (for malformed-frame stories).
    pub async fn send_raw(&mut self, bytes: Vec<u8>) -> anyhow::Result<()> {
        let Some(socket) = self.socket.as_mut() else {
            bail!("the device is offline")
        };
        socket.send(Message::Binary(bytes.into())).await?;
        Ok(())
    }
}

/// A frame as a benchmark's listener sees it.
#[derive(Debug)]
pub enum Arrival {
    /// A `feed` page (plain or deflated), read only for what its items say of each contact.
    Feed(Vec<ItemGlance>),
    /// Any other frame, decoded.
    Frame(Frame),
}

/// Small tools the benchmarks share.
pub mod bench {
    /// The `q`-quantile (0..=1) of `samples`, which it sorts.
    pub fn quantile(samples: &mut [f64], q: f64) -> f64 {
        if samples.is_empty() {
            return f64::NAN;
        }
        samples.sort_by(f64::total_cmp);
        let index = ((samples.len() - 1) as f64 * q).round() as usize;
        samples[index]
    }

    /// `count` edits of contact `id`, made beforehand on a copy of `device`'s replica as the
    /// app makes them (one change each), so a benchmark's clock times only their pushing.
    pub fn edits_made_beforehand(
        device: &super::WireDevice,
        id: sync_core::ids::ContactId,
        count: usize,
    ) -> anyhow::Result<Vec<serde_bytes::ByteBuf>> {
        let mut doc = device
            .replica
            .doc(id)
            .ok_or_else(|| anyhow::anyhow!("contact {id} missing on its device"))?
            .clone();
        (1..=count)
            .map(|edit| {
                let change = doc
                    .edit(|c| c.name.family = format!("Edit {edit}"))?
                    .ok_or_else(|| anyhow::anyhow!("edit {edit} changed nothing"))?;
                Ok(change.raw_bytes().to_vec().into())
            })
            .collect()
    }

    /// The `quantile` of the summary `name` in `server`'s Prometheus scrape, in the unit the
    /// server records it in; `None` if the scrape lacks it.
    pub async fn scraped_quantile(
        server: &super::TestServer,
        name: &str,
        quantile: &str,
    ) -> anyhow::Result<Option<f64>> {
        let scrape = server.metrics().await?;
        let prefix = format!("{name}{{quantile=\"{quantile}\"}} ");
        Ok(scrape
            .lines()
            .find_map(|line| line.strip_prefix(&prefix)?.trim().parse().ok()))
    }

    /// Resident memory of process `pid`, in bytes (Linux `/proc`).
    pub fn rss_bytes(pid: u32) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let line = status
            .lines()
            .find(|line| line.starts_with("VmRSS:"))
            .ok_or_else(|| anyhow::anyhow!("no VmRSS"))?;
        let kilobytes: u64 = line.split_whitespace().nth(1).unwrap_or("0").parse()?;
        Ok(kilobytes * 1024)
    }

    /// Make contact `doc` private to its owner, as `account` (its owner or an admin).
    pub async fn make_private(
        server: &super::TestServer,
        account: &super::Account,
        doc: sync_core::ids::ContactId,
    ) -> anyhow::Result<()> {
        let response = reqwest::Client::new()
            .put(format!(
                "{}/v1/contacts/{doc}/visibility",
                server.base_url()
            ))
            .bearer_auth(&account.access_token)
            .json(&serde_json::json!({ "all": false, "members": [] }))
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "making {doc} private answered {}",
            response.status()
        );
        Ok(())
    }

    /// A number from the environment, or `default`.
    pub fn env_number(name: &str, default: u64) -> u64 {
        std::env::var(name)
            .ok()
            .and_then(|text| text.parse().ok())
            .unwrap_or(default)
    }
}
