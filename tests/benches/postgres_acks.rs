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
//! The cluster this starts keeps Postgres's durable defaults (`fsync`, `synchronous_commit`):
//! an ack promises the edit is on disk, so that is what is measured. `DATABASE_URL` points it
//! at another server instead.
//!
//! `cargo bench -p tests --bench postgres_acks`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sync_core::contact::Contact;
use sync_core::ids::ContactId;
use tests::bench::{env_number, make_private};
use tests::{TestServer, WireDevice, add_member, signup};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let devices = env_number("ACK_DEVICES", 50);
    let seconds = env_number("ACK_SECONDS", 10);
    let shared = env_number("ACK_SHARED", 0) == 1;
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
    // Sign every member in, each device creates its contact, then the clock starts (Argon2
    // is slow on purpose).
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
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (id, mut device) in ready {
        let acknowledged = acknowledged.clone();
        tasks.push(tokio::spawn(async move {
            let mut edit = 0u64;
            while Instant::now() < deadline {
                for _ in 0..8 {
                    edit += 1;
                    let effects = device
                        .replica
                        .edit(id, |c| c.name.family = format!("Edit {edit}"))?;
                    device.apply(effects).await?;
                }
                let before = device.acknowledged.len();
                while device.replica.pending() > 0
                    && Instant::now() < deadline + Duration::from_secs(5)
                {
                    device.step(Duration::from_millis(200)).await?;
                }
                acknowledged.fetch_add(
                    (device.acknowledged.len() - before) as u64,
                    Ordering::Relaxed,
                );
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
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
