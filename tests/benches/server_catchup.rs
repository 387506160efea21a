//! Catch-up after a week offline, through the real server and a real socket: a device that
//! missed one single-field edit on each of `CATCHUP_CONTACTS` (default 2,000) contacts
//! reconnects. Prints the bytes on the wire divided by the raw change bytes and the time.
//! Targets (DESIGN.md 7): < 1.5× (aim 1.2×), < 1.0 s.
//!
//! `cargo bench -p tests --bench server_catchup`

use std::time::{Duration, Instant};

use sync_core::contact::Contact;
use sync_core::ids::ContactId;
use tests::bench::env_number;
use tests::{TestServer, WireDevice, login, signup};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let contacts = env_number("CATCHUP_CONTACTS", 2000) as u128;
    let server = TestServer::sqlite_with(|config| config.frames_per_second = 100_000).await?;
    let password = "correct horse battery";
    let owner = signup(&server, "Catch-up Co", "owner@catchup.example", password).await?;
    let laptop = login(&server, "owner@catchup.example", password, "laptop").await?;
    let mut writer = WireDevice::connect(&server, &owner, [1; 16]).await?;
    for n in 0..contacts {
        let mut contact = Contact::default();
        contact.name.given = format!("Customer {n}");
        let effects = writer
            .replica
            .create(ContactId::from_u128(n + 1), &contact)?;
        writer.apply(effects).await?;
    }
    writer.settle(Duration::from_millis(200)).await?;
    let mut reader = WireDevice::connect(&server, &laptop, [2; 16]).await?;
    reader.settle(Duration::from_millis(200)).await?;
    reader.disconnect().await;
    // The week: one single-field edit on every contact.
    let before = writer.change_bytes;
    for n in 0..contacts {
        let effects = writer.replica.edit(ContactId::from_u128(n + 1), |c| {
            c.name.family = "Sato".into()
        })?;
        writer.apply(effects).await?;
    }
    writer.settle(Duration::from_millis(200)).await?;
    let raw = writer.change_bytes - before;
    let (sent, received) = (reader.bytes_sent, reader.bytes_received);
    let started = Instant::now();
    reader.reconnect(&server, &laptop).await?;
    while reader.replica.cursor() < writer.replica.cursor() || !reader.replica.is_settled() {
        if reader.step(Duration::from_secs(5)).await?.is_none() {
            anyhow::bail!("the catch-up stalled at cursor {}", reader.replica.cursor());
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let wire = (reader.bytes_sent - sent) + (reader.bytes_received - received);
    for n in 0..contacts {
        let contact = reader
            .replica
            .contact(ContactId::from_u128(n + 1))
            .expect("held")?;
        anyhow::ensure!(
            contact.name.family == "Sato",
            "contact {n} did not catch up"
        );
    }
    let ratio = wire as f64 / raw as f64;
    println!(
        "{contacts} contacts, one edit each while offline: {raw} raw change bytes, {wire} bytes on the wire ({ratio:.2}x), {seconds:.3} s"
    );
    println!(
        "targets (DESIGN.md 7): ratio < 1.5 {}, aim 1.2 {}, < 1.0 s {}",
        if ratio < 1.5 { "met" } else { "not met" },
        if ratio <= 1.2 { "met" } else { "not met" },
        if seconds < 1.0 { "met" } else { "not met" }
    );
    println!(
        "bench server_catchup: contacts={contacts} raw_bytes={raw} wire_bytes={wire} bytes_ratio={ratio:.2} seconds={seconds:.3}"
    );
    server.stop().await?;
    Ok(())
}
