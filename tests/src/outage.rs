//! Database outages under push load, for the outage stories and the `outage` benchmark: the
//! same scenarios, asserted in one and measured in the other.
//!
//! Phones of two companies keep creating contacts and syncing while the database goes away
//! (Postgres stopped, SQLite's write lock held by another process) or hangs (a proxy that
//! stops forwarding on the connections already open, as a silent network does). Each
//! scenario reports when acks came back, how many pushes the phones sent per edit, and what
//! a fresh device of each company finds afterwards.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use sync_core::contact::Contact;
use sync_core::ids::ContactId;
use sync_core::wire::{ErrorCode, Frame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::{Account, TestServer, WireDevice, login, signup};

const PASSWORD: &str = "correct horse battery";

/// A TCP proxy to a database that can go silent on the connections it already carries, while
/// still forwarding new ones: what a half-dead network or a stuck middlebox does.
pub struct SilencingProxy {
    /// Where to connect instead of the database.
    pub address: SocketAddr,
    /// Connections numbered below this forward nothing more.
    silent_below: Arc<AtomicU64>,
    next: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl SilencingProxy {
    /// Forward 127.0.0.1:(a free port) to `target`.
    pub async fn start(target: SocketAddr) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let silent_below = Arc::new(AtomicU64::new(0));
        let next = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn({
            let (silent_below, next) = (Arc::clone(&silent_below), Arc::clone(&next));
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    let id = next.fetch_add(1, Ordering::SeqCst);
                    let silent_below = Arc::clone(&silent_below);
                    tokio::spawn(async move {
                        let Ok(server) = TcpStream::connect(target).await else {
                            return;
                        };
                        let (client_read, client_write) = client.into_split();
                        let (server_read, server_write) = server.into_split();
                        let up = forward(client_read, server_write, id, Arc::clone(&silent_below));
                        let down = forward(server_read, client_write, id, silent_below);
                        tokio::join!(up, down);
                    });
                }
            }
        });
        Ok(Self {
            address,
            silent_below,
            next,
            task,
        })
    }

    /// From now on the connections open so far carry nothing (they stay open, silent).
    pub fn silence_open_connections(&self) {
        self.silent_below
            .store(self.next.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}

impl Drop for SilencingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Copy `from` to `to` until either ends, or forever holding both once connection `id` is
/// silenced (what was read then is swallowed).
async fn forward(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    id: u64,
    silent_below: Arc<AtomicU64>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        if id < silent_below.load(Ordering::SeqCst) {
            let _held = (from, to);
            std::future::pending::<()>().await;
            return;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

/// A phone of a company, creating contacts of its own.
pub struct Phone {
    /// Its connection and replica.
    pub device: WireDevice,
    /// Which company (0 or 1), for the report.
    pub company: usize,
    /// Contacts it created so far.
    pub created: Vec<ContactId>,
    first_id: u128,
}

/// What the phones saw while driven.
#[derive(Debug, Default, Clone)]
pub struct Arrivals {
    /// When each `ack` arrived, with the phone's company.
    pub acks: Vec<(Instant, usize)>,
    /// `unavailable` answers to pushes.
    pub unavailable: u64,
    /// Connections the server ended.
    pub dropped: u64,
}

impl Arrivals {
    /// The first ack (of `company`, or any) at or after `since`, as time after it.
    pub fn first_ack_after(&self, since: Instant, company: Option<usize>) -> Option<Duration> {
        self.acks
            .iter()
            .filter(|(at, of)| *at >= since && company.is_none_or(|company| company == *of))
            .map(|(at, _)| *at - since)
            .min()
    }

    /// The longest time `company`'s phones went without an ack from `since` to `until`.
    pub fn longest_pause(&self, company: usize, since: Instant, until: Instant) -> Duration {
        let mut moments: Vec<Instant> = self
            .acks
            .iter()
            .filter(|(at, of)| *of == company && *at >= since && *at <= until)
            .map(|(at, _)| *at)
            .collect();
        moments.sort();
        moments.insert(0, since);
        moments.push(until);
        moments
            .windows(2)
            .map(|pair| pair[1] - pair[0])
            .max()
            .unwrap_or_default()
    }
}

/// Two companies: the first with two phones, the second with one, all connected and settled.
pub async fn two_companies(server: &TestServer) -> anyhow::Result<(Vec<Phone>, [Account; 2])> {
    let first = signup(server, "Kita Logistics", "aiko@kita.example", PASSWORD).await?;
    let second = signup(server, "Yamata Keiki", "hiro@yamata.example", PASSWORD).await?;
    let laptop = login(server, "aiko@kita.example", PASSWORD, "laptop").await?;
    let mut phones = Vec::new();
    for (index, (account, company)) in [(&first, 0), (&laptop, 0), (&second, 1)]
        .into_iter()
        .enumerate()
    {
        let mut device = WireDevice::connect(server, account, [index as u8 + 1; 16]).await?;
        device.settle(Duration::from_millis(100)).await?;
        phones.push(Phone {
            device,
            company,
            created: Vec::new(),
            first_id: (index as u128 + 1) << 64,
        });
    }
    Ok((phones, [first, second]))
}

fn person(n: u128) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = format!("Customer {n}");
    contact
}

/// Drive every phone for `duration`: each creates a contact every `every` (while `editing`),
/// reads what arrives and ticks every 100 ms, as a real client would.
pub async fn drive(
    phones: &mut [Phone],
    duration: Duration,
    every: Duration,
    editing: bool,
    arrivals: &mut Arrivals,
) -> anyhow::Result<()> {
    let end = Instant::now() + duration;
    let mut next_edit = Instant::now();
    let mut next_tick = Instant::now() + Duration::from_millis(100);
    while Instant::now() < end {
        if editing && Instant::now() >= next_edit {
            next_edit += every;
            for phone in phones.iter_mut() {
                let n = phone.first_id + phone.created.len() as u128;
                let id = ContactId::from_u128(n);
                let effects = phone.device.replica.create(id, &person(n))?;
                phone.device.apply(effects).await?;
                phone.created.push(id);
            }
        }
        let tick = Instant::now() >= next_tick;
        if tick {
            next_tick += Duration::from_millis(100);
        }
        for phone in phones.iter_mut() {
            loop {
                match phone.device.step(Duration::from_millis(2)).await {
                    Ok(Some(Frame::Ack { .. })) => {
                        arrivals.acks.push((Instant::now(), phone.company))
                    }
                    Ok(Some(Frame::Error {
                        code: ErrorCode::Unavailable,
                        batch: Some(_),
                        ..
                    })) => arrivals.unavailable += 1,
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(error) => {
                        arrivals.dropped += 1;
                        return Err(error.context("a phone's connection ended"));
                    }
                }
            }
            if tick {
                phone.device.tick().await?;
            }
        }
    }
    Ok(())
}

/// Drive until every phone's outbox is empty (at most `limit`).
pub async fn drain(
    phones: &mut [Phone],
    limit: Duration,
    arrivals: &mut Arrivals,
) -> anyhow::Result<()> {
    let end = Instant::now() + limit;
    while phones
        .iter()
        .any(|phone| phone.device.replica.pending() > 0)
    {
        ensure!(
            Instant::now() < end,
            "the phones' outboxes did not drain in {limit:?}"
        );
        drive(
            phones,
            Duration::from_millis(200),
            Duration::MAX,
            false,
            arrivals,
        )
        .await?;
    }
    Ok(())
}

/// Pushes sent per contact created, over all phones.
pub fn pushes_per_edit(phones: &[Phone]) -> f64 {
    let pushes: u64 = phones.iter().map(|phone| phone.device.pushes_sent).sum();
    let edits: usize = phones.iter().map(|phone| phone.created.len()).sum();
    pushes as f64 / edits.max(1) as f64
}

/// A fresh device of each company must hold exactly the contacts its phones created, with
/// every change the server acknowledged, and the feed one row per contact: nothing lost,
/// nothing applied twice.
pub async fn check_nothing_lost(
    server: &TestServer,
    phones: &[Phone],
    owners: &[Account; 2],
) -> anyhow::Result<()> {
    for phone in phones {
        ensure!(
            phone.device.rejections.is_empty(),
            "the server refused changes: {:?}",
            phone.device.rejections
        );
    }
    for (company, email) in [(0, "aiko@kita.example"), (1, "hiro@yamata.example")] {
        let account = login(server, email, PASSWORD, "auditor").await?;
        let mut auditor = WireDevice::connect(server, &account, [0xa0 + company as u8; 16]).await?;
        auditor.settle(Duration::from_millis(200)).await?;
        let ours: Vec<&Phone> = phones
            .iter()
            .filter(|phone| phone.company == company)
            .collect();
        let created: usize = ours.iter().map(|phone| phone.created.len()).sum();
        ensure!(
            auditor.replica.contact_ids().count() == created,
            "company {company}: {} contacts, {created} created",
            auditor.replica.contact_ids().count()
        );
        ensure!(
            auditor.replica.cursor() as usize == created,
            "company {company}: {} feed rows for {created} contacts",
            auditor.replica.cursor()
        );
        for phone in &ours {
            for hash in &phone.device.acknowledged {
                ensure!(
                    auditor.holds_change(hash),
                    "company {company}: acknowledged change {hash} is missing"
                );
            }
        }
        let _ = &owners[company];
    }
    Ok(())
}

/// How often each phone creates a contact while driven.
const EDIT_EVERY: Duration = Duration::from_millis(100);

/// Two companies' phones, pushing for half a second before anything goes wrong.
async fn warmed_up(server: &TestServer) -> anyhow::Result<(Vec<Phone>, [Account; 2], Arrivals)> {
    let (mut phones, owners) = two_companies(server).await?;
    let mut arrivals = Arrivals::default();
    drive(
        &mut phones,
        Duration::from_millis(500),
        EDIT_EVERY,
        true,
        &mut arrivals,
    )
    .await?;
    Ok((phones, owners, arrivals))
}

/// What an outage scenario measured.
#[derive(Debug, Clone)]
pub struct OutageReport {
    /// How long the database was away.
    pub down: Duration,
    /// From the database being back to the first ack.
    pub first_ack_after_up: Duration,
    /// Pushes sent per contact created.
    pub pushes_per_edit: f64,
    /// Pushes answered `unavailable`.
    pub unavailable: u64,
    /// What `/readyz` answered while the database was away, and how long it took.
    pub ready_while_down: (u16, Duration),
}

/// `GET /readyz`: the status and how long the answer took.
async fn readiness(server: &TestServer) -> anyhow::Result<(u16, Duration)> {
    let asked = Instant::now();
    let response = reqwest::Client::new()
        .get(format!("{}/readyz", server.base_url()))
        .timeout(Duration::from_secs(10))
        .send()
        .await?;
    Ok((response.status().as_u16(), asked.elapsed()))
}

/// Phones push through an outage: `go_down` makes the database unavailable, `come_back`
/// ends that; both are blocking calls (they run on a blocking thread).
pub async fn through_an_outage(
    server: &TestServer,
    down: Duration,
    go_down: impl FnOnce() -> anyhow::Result<()> + Send + 'static,
    come_back: impl FnOnce() -> anyhow::Result<()> + Send + 'static,
) -> anyhow::Result<OutageReport> {
    let (mut phones, owners, mut arrivals) = warmed_up(server).await?;
    tokio::task::spawn_blocking(go_down).await??;
    let ready_while_down = readiness(server).await?;
    drive(&mut phones, down, EDIT_EVERY, true, &mut arrivals).await?;
    tokio::task::spawn_blocking(come_back).await??;
    let up = Instant::now();
    drain(&mut phones, Duration::from_secs(30), &mut arrivals).await?;
    let first_ack_after_up = arrivals
        .first_ack_after(up, None)
        .context("no ack after the database came back")?;
    check_nothing_lost(server, &phones, &owners).await?;
    Ok(OutageReport {
        down,
        first_ack_after_up,
        pushes_per_edit: pushes_per_edit(&phones),
        unavailable: arrivals.unavailable,
        ready_while_down,
    })
}

/// What the hung-connection scenario measured.
#[derive(Debug, Clone)]
pub struct HangReport {
    /// The longest each company's phones went without an ack, from the connections going
    /// silent until well after: how long the stuck connections held the company up.
    pub longest_pause: [Duration; 2],
    /// Pushes answered `unavailable` meanwhile.
    pub unavailable: u64,
}

/// Phones push while every database connection open so far goes silent (through `proxy`).
pub async fn through_a_hang(
    server: &TestServer,
    proxy: &SilencingProxy,
) -> anyhow::Result<HangReport> {
    let (mut phones, owners, mut arrivals) = warmed_up(server).await?;
    proxy.silence_open_connections();
    let hung = Instant::now();
    drive(
        &mut phones,
        Duration::from_secs(8),
        EDIT_EVERY,
        true,
        &mut arrivals,
    )
    .await?;
    let until = Instant::now();
    drain(&mut phones, Duration::from_secs(30), &mut arrivals).await?;
    let longest_pause = [0, 1].map(|company| arrivals.longest_pause(company, hung, until));
    check_nothing_lost(server, &phones, &owners).await?;
    Ok(HangReport {
        longest_pause,
        unavailable: arrivals.unavailable,
    })
}
