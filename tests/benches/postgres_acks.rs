//! Acknowledged edits per second into Postgres through the real server (ack after commit).
//!
//! A throw-away Postgres cluster (or `DATABASE_URL`'s server), the server in this process,
//! `ACK_DEVICES` (default 50) devices of as many members of one company, each editing its own
//! contact as fast as its acks come back (edits made while a push is in flight travel in the
//! next batch), for `ACK_SECONDS` (default 10). Target (DESIGN.md 7): ≥ 5,000 acknowledged
//! edits/s.
//!
//! Each contact is private to its member, so what is measured is the write path — every push
//! still takes the company's lock and wakes all its connections — and not the devices (all in
//! this process, on the same two cores) applying each other's edits: `live_latency` measures
//! fan-out. `ACK_SHARED=1` shares every contact with everyone instead.
//!
//! The devices write their edits before the clock starts (`ACK_EDITS` per device, default
//! enough for 10,000 edits/s) and then only send them, eight to a push, one push in flight, as
//! a device app would after editing offline: on a real phone the edits are made on the
//! phone's CPU, and here, made on the clock, they cost more of the two shared cores than the
//! server's whole write path (measured: 34 % of the run against 5 %). Every edit is still an
//! ordinary Automerge change on a growing document, judged, stored and acknowledged after
//! commit like any other.
//!
//! The cluster this starts keeps Postgres's durable defaults (`fsync`, `synchronous_commit`):
//! an ack promises the edit is on disk, so that is what is measured. `DATABASE_URL` points it
//! at another server instead.
//!
//! `cargo bench -p tests --bench postgres_acks`

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sync_core::contact::Contact;
use sync_core::ids::ContactId;
use sync_core::wire::{DocChanges, Frame};
use tests::bench::{edits_made_beforehand, env_number, make_private};
use tests::{Arrival, TestServer, WireDevice, add_member, signup};

/// Edits per push: what a device that edits while its previous push is in flight sends.
const EDITS_PER_PUSH: usize = 8;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let devices = env_number("ACK_DEVICES", 50);
    let seconds = env_number("ACK_SECONDS", 10);
    let shared = env_number("ACK_SHARED", 0) == 1;
    // Enough that no device runs out before the clock stops below 10,000 edits/s; a device
    // that does run out stops the clock for all.
    let edits = env_number("ACK_EDITS", (10_000 * seconds).div_ceil(devices.max(1)));
    // Held to the end: dropping it stops the cluster.
    let (_cluster, database) = match std::env::var("DATABASE_URL") {
        Ok(_) => (None, server::testing::fresh_database().await?),
        Err(_) => {
            let cluster = server::testing::PgCluster::start_durable()?;
            let database = server::testing::database_on(&cluster.admin_url()).await?;
            (Some(cluster), database)
        }
    };
    let server = Arc::new(TestServer::postgres(&database).await?);
    let owner = signup(
        &server,
        "Acks Co",
        "owner@acks.example",
        "correct horse battery",
    )
    .await?;
    let acknowledged = Arc::new(AtomicU64::new(0));
    // Sign every member in, each device creates its contact and writes its edits, then the
    // clock starts (Argon2 is slow on purpose).
    let mut ready = Vec::new();
    for n in 0..devices {
        let account = add_member(
            &server,
            &owner,
            &format!("rep{n}@acks.example"),
            "correct horse battery",
        )
        .await?;
        let mut device =
            WireDevice::connect(&server, &account, (u128::from(n) + 1).to_be_bytes()).await?;
        device.settle(Duration::from_millis(20)).await?;
        let id = ContactId::from_u128(u128::from(n) + 1);
        let mut contact = Contact::default();
        contact.name.given = format!("Customer {n}");
        let effects = device.replica.create(id, &contact)?;
        device.apply(effects).await?;
        device.settle(Duration::from_millis(20)).await?;
        if !shared {
            make_private(&server, &account, id).await?;
        }
        ready.push((id, device));
    }
    let written = Instant::now();
    let mut queued = Vec::new();
    for (id, device) in ready {
        let pushes: Vec<DocChanges> = edits_made_beforehand(&device, id, edits as usize)?
            .chunks(EDITS_PER_PUSH)
            .map(|changes| DocChanges {
                doc: id,
                changes: changes.to_vec(),
                visibility: None,
            })
            .collect();
        queued.push((id, device, pushes));
    }
    println!(
        "{} edits written in {:.1} s before the clock",
        devices * edits,
        written.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    // Set by the first device out of edits: from then on fewer devices would be pushing.
    let out_of_edits = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for (id, mut device, pushes) in queued {
        let acknowledged = acknowledged.clone();
        let out_of_edits = out_of_edits.clone();
        tasks.push(tokio::spawn(async move {
            for (batch, docs) in (1_000u64..).zip(pushes) {
                if Instant::now() >= deadline || out_of_edits.load(Ordering::Relaxed) {
                    return anyhow::Ok(started.elapsed());
                }
                let count = docs.changes.len() as u64;
                let push = Frame::Push {
                    batch,
                    docs: vec![docs],
                };
                device.send_raw(push.encode()).await?;
                // Feed pages (the device's own edits coming back) pass by unread.
                loop {
                    match device.receive_only(Duration::from_secs(30)).await? {
                        Some(Arrival::Frame(Frame::Ack {
                            batch: acked,
                            results,
                        })) if acked == batch => {
                            if let Some(rejected) = results.iter().find_map(|r| r.rejected.as_ref())
                            {
                                anyhow::bail!("push {batch} of {id} refused: {rejected:?}");
                            }
                            acknowledged.fetch_add(count, Ordering::Relaxed);
                            break;
                        }
                        Some(Arrival::Frame(Frame::Error { code, message, .. })) => {
                            anyhow::bail!("server error {code:?}: {message}")
                        }
                        Some(_) => {}
                        None => anyhow::bail!("no ack for push {batch} of {id} in 30 s"),
                    }
                }
            }
            out_of_edits.store(true, Ordering::Relaxed);
            anyhow::Ok(started.elapsed())
        }));
    }
    // The clock stops at the last ack: every push sent before it stopped is counted.
    let mut elapsed = Duration::ZERO;
    for task in tasks {
        elapsed = elapsed.max(task.await??);
    }
    if out_of_edits.load(Ordering::Relaxed) {
        println!("a device ran out of edits before {seconds} s: raise ACK_EDITS");
    }
    let elapsed = elapsed.as_secs_f64();
    let total = acknowledged.load(Ordering::Relaxed);
    let rate = total as f64 / elapsed;
    let contacts = if shared { "shared" } else { "private" };
    println!(
        "{devices} devices, {total} acknowledged edits in {elapsed:.1} s: {rate:.0} edits/s (ack after commit, Postgres, {contacts} contacts)"
    );
    println!(
        "target (DESIGN.md 7): >= 5,000 edits/s: {}",
        if rate >= 5000.0 { "met" } else { "not met" }
    );
    println!(
        "bench postgres_acks: devices={devices} contacts={contacts} acknowledged={total} seconds={elapsed:.1} edits_per_second={rate:.0}"
    );
    Ok(())
}
