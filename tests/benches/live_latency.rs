//! Edit-to-other-device latency under load, through the real server.
//!
//! Starts `rolo-server` as its own process (SQLite), as it runs for a company: the simulated
//! phones live in this process, so what they cost to decode is not counted as the server's
//! work (though on this machine they share its cores). `LIVE_WRITERS` (default 20) devices
//! each edit `LIVE_CONTACTS` (default 10) contacts of their own in turn, at `LIVE_RATE`
//! (default 200) edits per second in all; `LIVE_READERS` (default 200) other devices of the
//! same company listen. `LIVE_CONTACTS=1` is the hot-contact case: one contact edited
//! 50 times a second for the whole run, its history growing by hundreds of changes that
//! every push then applies to and checks against. A reader notes when
//! each change arrives: the k-th change of a contact it receives is the writer's k-th edit,
//! so every edit is timed from the moment it was made, even when pages carry several edits of
//! one contact. Prints p50 / p99, deliveries per second, the edits each feed frame carried,
//! and the server's CPU time per delivery. Target (DESIGN.md 7): p99 ≤ 50 ms at 1,000
//! edits/s over 1,000 devices — set `LIVE_RATE=1000 LIVE_READERS=1000` to try it.
//!
//! `cargo build --release -p server && cargo bench -p tests --bench live_latency`

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sync_core::contact::Contact;
use sync_core::ids::ContactId;
use sync_core::wire::{DocChanges, Frame};
use tests::bench::{edits_made_beforehand, env_number, quantile, scraped_quantile};
use tests::{Arrival, ChildServer, WireDevice, login, signup};

/// For each edited contact, by its number ([`contact_number`]), when its writer made each of
/// its edits, in nanoseconds after the bench's epoch plus one (0: not made yet): entry k-1 is
/// the contact's k-th edit. Filled in place and read without a lock, so a thousand readers do
/// not queue behind one mutex to time what they receive.
type SentAt = Arc<Vec<Box<[AtomicU64]>>>;

/// The ids of edited contacts count up from this one: writer w's contact c is
/// `FIRST_CONTACT + w * contacts_per_writer + c`, so a reader finds a contact's number by
/// subtraction. (A hash map keyed by id, probed for every item by a thousand readers, was a
/// tenth of this process's CPU.)
const FIRST_CONTACT: u128 = 1_000_000;

/// The contacts writer `writer` edits.
fn writer_contacts(writer: u64, contacts_per_writer: u64) -> Vec<ContactId> {
    let first = u128::from(writer * contacts_per_writer);
    (0..u128::from(contacts_per_writer))
        .map(|c| ContactId::from_u128(FIRST_CONTACT + first + c))
        .collect()
}

/// The number (0, 1, …) of an edited contact, or `None` for any other contact.
fn contact_number(id: ContactId, contacts: usize) -> Option<usize> {
    let number = u128::from_be_bytes(*id.as_bytes()).checked_sub(FIRST_CONTACT)?;
    usize::try_from(number)
        .ok()
        .filter(|number| *number < contacts)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let writers = env_number("LIVE_WRITERS", 20);
    let readers = env_number("LIVE_READERS", 200);
    let rate = env_number("LIVE_RATE", 200);
    let seconds = env_number("LIVE_SECONDS", 10);
    let contacts_per_writer = env_number("LIVE_CONTACTS", 10).max(1);
    let data = tempfile::tempdir()?;
    // A thousand devices of one member, from one address: past the server's per-member
    // socket ceiling and sign-in rate, which are for real companies, not for this benchmark.
    let child = ChildServer::start_with_env(
        &format!("sqlite://{}", data.path().join("rolo.db").display()),
        &[
            ("ROLO_SOCKETS_PER_MEMBER", "100000"),
            // Over a thousand logins from one address in a few seconds.
            ("ROLO_SIGNIN_PER_MINUTE", "100000"),
        ],
    )
    .await?;
    let server = Arc::new(child.as_test_server());
    let password = "correct horse battery";
    signup(&server, "Live Co", "owner@live.example", password).await?;
    // Each writer's edits, its contacts in turn: enough for the run at its share of the rate.
    let per_writer = (rate * seconds).div_ceil(writers) as usize + 10;
    let per_contact = per_writer.div_ceil(contacts_per_writer as usize);
    let epoch = Instant::now();
    let sent_at: SentAt = Arc::new(
        (0..writers * contacts_per_writer)
            .map(|_| (0..per_contact).map(|_| AtomicU64::new(0)).collect())
            .collect(),
    );
    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    let feed_frames = Arc::new(AtomicU64::new(0));
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
        // Plain frames: inflating every page for a thousand phones in this process would
        // take cores from the server being measured (the server compresses each page once,
        // whoever reads it).
        let mut device =
            WireDevice::connect_plain(&server, &account, (u128::from(n) + 10_000).to_be_bytes())
                .await?;
        device.settle(Duration::from_millis(5)).await?;
        let (sent_at, latencies, stopped) = (sent_at.clone(), latencies.clone(), stopped.clone());
        let feed_frames = feed_frames.clone();
        listening.push(tokio::spawn(async move {
            let mut mine = Vec::with_capacity((rate * seconds) as usize);
            // Changes of each contact received so far, by the contact's number; the first is
            // its creation. A small array per reader, not a map: a thousand maps in this
            // process spilled out of the cache on every frame, and each miss was the
            // server's CPU too.
            let mut received = vec![0usize; sent_at.len()];
            while !*stopped.borrow() {
                // Arrival is what is timed: the reader does not apply the changes, or the
                // hundreds of replicas in this process would measure themselves.
                let Some(Arrival::Feed(items)) =
                    device.receive_only(Duration::from_millis(100)).await?
                else {
                    continue;
                };
                let now = nanos_since(epoch);
                feed_frames.fetch_add(1, Ordering::Relaxed);
                for item in items {
                    // Only the writers' contacts are timed.
                    let Some(number) = contact_number(item.doc, sent_at.len()) else {
                        continue;
                    };
                    let times = &sent_at[number];
                    let seen = &mut received[number];
                    if item.grant {
                        // A contact arrives as a grant when created: its first change.
                        *seen = (*seen).max(1);
                        continue;
                    }
                    let first = *seen;
                    *seen += item.changes;
                    let seen = *seen;
                    // Change 0 is the creation, made before the measurement.
                    for k in first.max(1) - 1..seen.saturating_sub(1) {
                        let at = times.get(k).map_or(0, |at| at.load(Ordering::Acquire));
                        if at > 0 {
                            mine.push(now.saturating_sub(at - 1) as f64 / 1e6);
                        }
                    }
                }
            }
            latencies.lock().expect("not poisoned").extend(mine);
            anyhow::Ok(())
        }));
    }
    // Writers: each owns its contacts and pushes edits to them in turn at its share of the
    // rate, in a task of its own, as separate phones would. The edits are made beforehand: what a phone
    // spends making one is its own CPU's, not the server's.
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
        let ids = writer_contacts(n, contacts_per_writer);
        for (c, id) in ids.iter().enumerate() {
            let mut contact = Contact::default();
            contact.name.given = format!("Writer {n} contact {c}");
            let effects = device.replica.create(*id, &contact)?;
            device.apply(effects).await?;
        }
        device.settle(Duration::from_millis(50)).await?;
        // The writer's edits in the order it pushes them: its contacts in turn.
        let mut made = Vec::new();
        for id in &ids {
            made.push(edits_made_beforehand(&device, *id, per_contact)?.into_iter());
        }
        let mut edits: Vec<(ContactId, serde_bytes::ByteBuf)> = Vec::new();
        for _ in 0..per_contact {
            for (id, changes) in ids.iter().zip(made.iter_mut()) {
                edits.extend(changes.next().map(|change| (*id, change)));
            }
        }
        writer_devices.push((device, edits));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    eprintln!("{readers} readers and {writers} writers connected; measuring for {seconds} s");
    let cpu_before = cpu_seconds(child.pid())?;
    // The simulated devices' own CPU: with the server on the same cores, what they take is
    // what the server cannot have.
    let devices_cpu_before = cpu_seconds(std::process::id())?;
    let edits = Arc::new(AtomicU64::new(0));
    let interval = Duration::from_secs_f64(writers as f64 / rate as f64);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut writing = Vec::new();
    for (n, (mut device, changes)) in writer_devices.into_iter().enumerate() {
        let (sent_at, edits) = (sent_at.clone(), edits.clone());
        writing.push(tokio::spawn(async move {
            // Spread the writers over one interval rather than all editing at once.
            tokio::time::sleep(interval.mul_f64(n as f64 / writers as f64)).await;
            let mut ticker = tokio::time::interval(interval);
            // Edits made so far, per contact: the index of each one's send time.
            let mut made: HashMap<ContactId, usize> = HashMap::new();
            for (batch, (id, change)) in (1u64..).zip(changes) {
                ticker.tick().await;
                if Instant::now() >= deadline {
                    break;
                }
                let k = made.entry(id).or_default();
                let number = contact_number(id, sent_at.len()).expect("the writer's own contact");
                if let Some(slot) = sent_at[number].get(*k) {
                    slot.store(nanos_since(epoch) + 1, Ordering::Release);
                }
                *k += 1;
                let push = Frame::Push {
                    batch,
                    docs: vec![DocChanges {
                        doc: id,
                        changes: vec![change],
                        visibility: None,
                    }],
                };
                device.send_raw(push.encode()).await?;
                edits.fetch_add(1, Ordering::Relaxed);
                // Acks and feed pages pass by unread: the next push does not wait for them.
                while let Some(arrival) = device.receive_only(Duration::ZERO).await? {
                    if let Arrival::Frame(frame @ Frame::Error { .. }) = arrival {
                        anyhow::bail!("writer {n}: {frame:?}");
                    }
                }
            }
            anyhow::Ok(device)
        }));
    }
    let mut finished = Vec::new();
    for task in writing {
        finished.push(task.await??);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let server_cpu = cpu_seconds(child.pid())? - cpu_before;
    let devices_cpu = cpu_seconds(std::process::id())? - devices_cpu_before;
    // How much of the way the store took: a push's wait for its commit, as the server
    // measured it (over the whole run, the writers' contacts' creation included).
    let commit_ms = |quantile: Option<f64>| quantile.map_or(f64::NAN, |seconds| seconds * 1e3);
    let commit_p50 = commit_ms(scraped_quantile(&server, "rolo_commit_seconds", "0.5").await?);
    let commit_p99 = commit_ms(scraped_quantile(&server, "rolo_commit_seconds", "0.99").await?);
    let _ = stop.send(true);
    for task in listening {
        task.await??;
    }
    drop(finished);
    let edits = edits.load(Ordering::Relaxed);
    let mut samples = latencies.lock().expect("not poisoned").clone();
    let delivered = samples.len();
    let expected = edits * readers;
    let p50 = quantile(&mut samples, 0.50);
    let p99 = quantile(&mut samples, 0.99);
    let per_second = delivered as f64 / seconds as f64;
    let frames = feed_frames.load(Ordering::Relaxed);
    let edits_per_frame = delivered as f64 / frames.max(1) as f64;
    let made_per_second = edits as f64 / seconds as f64;
    let cpu_per_delivery_us = server_cpu * 1e6 / delivered.max(1) as f64;
    println!(
        "{writers} writers ({contacts_per_writer} contacts each), {readers} readers, {edits} edits ({made_per_second:.0}/s, asked {rate}/s) for {seconds} s"
    );
    println!(
        "edit -> other device: p50 {p50:.1} ms, p99 {p99:.1} ms; {delivered} of {expected} deliveries ({per_second:.0}/s) in {frames} feed frames ({edits_per_frame:.1} edits each)"
    );
    println!(
        "push -> commit (the server's own measure): p50 {commit_p50:.1} ms, p99 {commit_p99:.1} ms"
    );
    println!(
        "server CPU: {server_cpu:.1} s over {seconds} s + 2 s drain, {cpu_per_delivery_us:.2} µs per delivery; simulated devices {devices_cpu:.1} s"
    );
    let at_load = made_per_second >= 0.95 * rate as f64 && delivered as u64 == expected;
    println!(
        "target (DESIGN.md 7): p99 <= 50 ms at 1,000 edits/s over 1,000 devices: {}",
        if p99 <= 50.0 && at_load && rate >= 1000 && readers >= 1000 {
            "met"
        } else if p99 <= 50.0 && at_load {
            "met at this load"
        } else {
            "not met"
        }
    );
    println!(
        "bench live_latency: writers={writers} contacts_per_writer={contacts_per_writer} readers={readers} edits_per_second={made_per_second:.0} p50_ms={p50:.1} p99_ms={p99:.1} commit_p50_ms={commit_p50:.1} commit_p99_ms={commit_p99:.1} delivered_per_second={per_second:.0} edits_per_frame={edits_per_frame:.1} server_cpu_us_per_delivery={cpu_per_delivery_us:.2} devices_cpu_seconds={devices_cpu:.1}"
    );
    Ok(())
}

/// Nanoseconds from `epoch` to now.
fn nanos_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// User and system CPU time process `pid` has used, in seconds (Linux `/proc`).
fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) start after its closing ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: f64 = fields
        .get(11..13)
        .ok_or_else(|| anyhow::anyhow!("short /proc/{pid}/stat"))?
        .iter()
        .map(|field| field.parse::<f64>())
        .sum::<Result<f64, _>>()?;
    // Linux reports in USER_HZ, 100 on every mainstream configuration.
    Ok(ticks / 100.0)
}
