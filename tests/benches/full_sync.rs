//! A fresh device's full sync of a 100,000-contact company, through the real server in its own
//! process (so its memory is its own) and a real socket. The company is stored first, straight
//! through the store (`tests::company`); then a new device signs in, says `hello` with cursor 0
//! and reads every page of the resynchronisation. The device keeps each snapshot's bytes, as a
//! phone's replica does, without loading the documents (a real phone loads one when it is
//! opened). Targets (DESIGN.md 7): ≤ 10 s, server peak RSS ≤ 256 MB.
//!
//! `cargo bench -p tests --bench full_sync` (SQLite); `FULL_SYNC_BACKEND=postgres` for a
//! throw-away Postgres cluster; `FULL_SYNC_CONTACTS=N` for another size.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use sync_core::wire::{DEFLATE, Frame, MAX_FRAME_BYTES, PROTOCOL_VERSION};
use tests::bench::env_number;
use tests::{ChildServer, company, connect, login};
use tokio_tungstenite::tungstenite::Message;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let contacts = env_number("FULL_SYNC_CONTACTS", 100_000);
    let postgres = std::env::var("FULL_SYNC_BACKEND").as_deref() == Ok("postgres");
    let company = company::stored(contacts, postgres).await?;
    let url = &company.url;

    let child = ChildServer::start_with_env(url, &[("ROLO_FRAMES_PER_SECOND", "100000")]).await?;
    let server = child.as_test_server();
    let phone = login(&server, "owner@big.example", company.password, "new phone").await?;
    let started = Instant::now();
    let mut socket = connect(&server, &phone.access_token).await?;
    socket
        .send(Message::Binary(
            Frame::Hello {
                v: PROTOCOL_VERSION,
                device: phone.device,
                cursor: 0,
                accept: vec![DEFLATE.into()],
                layout: Some(sync_core::contact::DOC_LAYOUT),
            }
            .encode()
            .into(),
        ))
        .await?;
    let (mut granted, mut wire_bytes, mut snapshot_bytes) = (0u64, 0u64, 0u64);
    let mut kept: Vec<Vec<u8>> = Vec::with_capacity(contacts as usize);
    loop {
        let message = tokio::time::timeout(Duration::from_secs(30), socket.next())
            .await?
            .ok_or_else(|| anyhow::anyhow!("the server closed the socket"))??;
        let Message::Binary(bytes) = message else {
            continue;
        };
        wire_bytes += bytes.len() as u64;
        match Frame::decode(&bytes, MAX_FRAME_BYTES)? {
            Frame::Feed { items, more, .. } => {
                for item in items {
                    if let sync_core::wire::FeedItem::Grant { snapshot, .. } = item {
                        granted += 1;
                        snapshot_bytes += snapshot.len() as u64;
                        kept.push(snapshot.into_vec());
                    }
                }
                if !more {
                    break;
                }
            }
            Frame::Error { code, message, .. } => anyhow::bail!("{code:?}: {message}"),
            _ => {}
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let peak_rss = peak_rss_of(child.pid())?;
    anyhow::ensure!(
        granted == contacts,
        "the device was granted {granted} of {contacts} contacts"
    );
    let per_contact = wire_bytes as f64 / contacts as f64;
    let rss_mb = peak_rss as f64 / 1_048_576.0;
    println!(
        "{contacts} contacts ({}) in {seconds:.2} s: {wire_bytes} bytes on the wire \
         ({per_contact:.0} per contact; snapshots {snapshot_bytes} bytes), server peak RSS {rss_mb:.1} MB",
        company.backend
    );
    println!(
        "targets (DESIGN.md 7): <= 10 s {}, <= 256 MB {}",
        if seconds <= 10.0 { "met" } else { "not met" },
        if rss_mb <= 256.0 { "met" } else { "not met" }
    );
    println!(
        "bench full_sync: contacts={contacts} backend={} seconds={seconds:.2} bytes_per_contact={per_contact:.0} server_peak_rss_mb={rss_mb:.1}",
        company.backend
    );
    drop(kept);
    child.kill()?;
    Ok(())
}

/// The process's peak resident memory (`VmHWM`), in bytes.
fn peak_rss_of(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kilobytes: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("0")
        .parse()?;
    Ok(kilobytes * 1024)
}
