//! Edit-to-other-device latency under load, through the real server.
//!
//! The server runs in this process (SQLite). `LIVE_WRITERS` (default 20) devices edit their
//! own contacts at `LIVE_RATE` (default 200) edits per second in all; `LIVE_READERS` (default
//! 200) other devices of the same company just listen. Each reader notes when every change
//! arrives; the latency is arrival time minus the moment the writer made the edit. Prints
//! p50 / p99 and delivered messages per second. Target (DESIGN.md 7): p99 ≤ 50 ms at 1,000
//! edits/s over 1,000 devices — set `LIVE_RATE=1000 LIVE_READERS=1000` to try it.
//!
//! `cargo bench -p tests --bench live_latency`

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sync_core::contact::Contact;
use sync_core::ids::ContactId;
use sync_core::wire::{FeedItem, Frame};
use tests::bench::{env_number, quantile};
use tests::{TestServer, WireDevice, login, signup};

type SentAt = Arc<Mutex<HashMap<ContactId, Instant>>>;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let writers = env_number("LIVE_WRITERS", 20);
    let readers = env_number("LIVE_READERS", 200);
    let rate = env_number("LIVE_RATE", 200);
    let seconds = env_number("LIVE_SECONDS", 10);
    let server =
        Arc::new(TestServer::sqlite_with(|config| config.frames_per_second = 10_000).await?);
    let password = "correct horse battery";
    signup(&server, "Live Co", "owner@live.example", password).await?;
    let sent_at: SentAt = Arc::default();
    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    // Readers listen until told to stop (after the last edit had time to arrive): setting
    // up hundreds of devices takes longer than the measurement.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut listening = Vec::new();
    for n in 0..readers {
        let account = login(
            &server,
            "owner@live.example",
            password,
            &format!("reader {n}"),
        )
        .await?;
        let mut device =
            WireDevice::connect(&server, &account, (u128::from(n) + 10_000).to_be_bytes()).await?;
        device.settle(Duration::from_millis(5)).await?;
        let (sent_at, latencies, stopped) = (sent_at.clone(), latencies.clone(), stopped.clone());
        listening.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while !*stopped.borrow() {
                // Arrival is what is timed: the reader does not apply the changes, or the
                // hundreds of replicas in this process would measure themselves.
                let frame = device.receive_only(Duration::from_millis(100)).await?;
                if std::env::var("LIVE_DEBUG").is_ok() && frame.is_some() {
                    eprintln!("reader got {frame:?}");
                }
                if let Some(Frame::Feed { items, .. }) = frame {
                    let now = Instant::now();
                    let sent = sent_at.lock().expect("not poisoned");
                    for item in items {
                        if let FeedItem::Changes { doc, .. } = item
                            && let Some(at) = sent.get(&doc)
                        {
                            mine.push(now.duration_since(*at).as_secs_f64() * 1000.0);
                        }
                    }
                }
            }
            latencies.lock().expect("not poisoned").extend(mine);
            anyhow::Ok(())
        }));
    }
    // Writers: each owns one contact and edits it in turn, so an edit's arrival is matched
    // to the moment it was made.
    let mut writer_devices = Vec::new();
    for n in 0..writers {
        let account = login(
            &server,
            "owner@live.example",
            password,
            &format!("writer {n}"),
        )
        .await?;
        let mut device =
            WireDevice::connect(&server, &account, (u128::from(n) + 1).to_be_bytes()).await?;
        let id = ContactId::from_u128(u128::from(n) + 1);
        let mut contact = Contact::default();
        contact.name.given = format!("Writer {n}");
        let effects = device.replica.create(id, &contact)?;
        device.apply(effects).await?;
        device.settle(Duration::from_millis(50)).await?;
        writer_devices.push((id, device));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let started = Instant::now();
    let mut edits = 0u64;
    let mut ticker = tokio::time::interval(interval);
    while started.elapsed() < Duration::from_secs(seconds) {
        ticker.tick().await;
        let (id, device) = &mut writer_devices[(edits % writers) as usize];
        edits += 1;
        sent_at
            .lock()
            .expect("not poisoned")
            .insert(*id, Instant::now());
        let effects = device
            .replica
            .edit(*id, |c| c.name.family = format!("Edit {edits}"))?;
        device.apply(effects).await?;
        while let Ok(Some(_)) = device.step(Duration::from_millis(0)).await {}
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = stop.send(true);
    for task in listening {
        task.await??;
    }
    let mut samples = latencies.lock().expect("not poisoned").clone();
    let delivered = samples.len();
    let p50 = quantile(&mut samples, 0.50);
    let p99 = quantile(&mut samples, 0.99);
    let per_second = delivered as f64 / seconds as f64;
    println!("{writers} writers, {readers} readers, {edits} edits at {rate}/s for {seconds} s");
    println!(
        "edit -> other device: p50 {p50:.1} ms, p99 {p99:.1} ms; {delivered} deliveries ({per_second:.0}/s)"
    );
    println!(
        "target (DESIGN.md 7): p99 <= 50 ms at 1,000 edits/s over 1,000 devices: {}",
        if p99 <= 50.0 && rate >= 1000 && readers >= 1000 {
            "met"
        } else if p99 <= 50.0 {
            "met at this load"
        } else {
            "not met"
        }
    );
    println!(
        "bench live_latency: writers={writers} readers={readers} edits_per_second={rate} p50_ms={p50:.1} p99_ms={p99:.1} delivered_per_second={per_second:.0}"
    );
    Ok(())
}
