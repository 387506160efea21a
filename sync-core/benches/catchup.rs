//! Catch-up after a week offline: DESIGN.md section 7's first number.
//!
//! A writer device creates `N` fictional contacts and pushes them; a reader device catches up
//! and goes offline. The writer then makes one single-field edit (the job title) on every
//! contact and pushes it. The benchmark measures the reader coming back:
//!
//! - **feed**: a new `ServerSession` against the in-memory tenant, `hello` with the reader's
//!   cursor, feed pages until it is caught up. Every frame is really encoded and decoded with
//!   `Frame::encode`/`Frame::decode`; the bytes are the encoded frames in both directions and
//!   the time covers the whole conversation, decoding and applying on the reader included.
//! - **automerge sync**: the same catch-up with Automerge's own sync protocol, one document at
//!   a time with fresh `sync::State`s, between a copy of the reader's documents from before the
//!   catch-up and the tenant's; the bytes are the encoded sync messages (as DESIGN.md's 8.1x
//!   anchor counts them), with their size as `sync` frames shown beside them.
//!
//! Both are divided by the raw change bytes: the sum of the writer's `N` edit changes. The
//! replicas must end at the tenant's heads, or the benchmark exits non-zero; times are printed,
//! never asserted. The last line is the `bench catchup: key=value …` summary (DESIGN.md 6).
//!
//! ```text
//! cargo bench -p sync-core --bench catchup               # 2000 contacts
//! cargo bench -p sync-core --bench catchup -- --quick    # 200 contacts
//! CATCHUP_CONTACTS=500 cargo bench -p sync-core --bench catchup
//! ```

use std::collections::VecDeque;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use automerge::ActorId;
use automerge::sync::{Message, State, SyncDoc};
use sync_core::contact::{Contact, ContactType, Email, Organization, Phone};
use sync_core::document::ContactDoc;
use sync_core::ids::{ContactId, DeviceId, ItemId, MemberId};
use sync_core::replica::device::{DeviceEffect, DeviceReplica};
use sync_core::replica::session::{ServerSession, SessionEffect};
use sync_core::sim::MemoryTenant;
use sync_core::wire::{FeedItem, Frame, MAX_FRAME_BYTES, encoded_len};

const DEFAULT_CONTACTS: usize = 2000;
const QUICK_CONTACTS: usize = 200;
/// DESIGN.md section 7: feed bytes under 1.5x the raw change bytes (aim 1.2x), under 1 s.
const TARGET_RATIO: f64 = 1.5;
const AIM_RATIO: f64 = 1.2;
const TARGET_SECONDS: f64 = 1.0;

/// Fictional people, and fictional companies with (reserved `.example`) mail domains.
const GIVEN: [&str; 8] = [
    "Aiko", "Haruto", "Mina", "Sota", "Emma", "Liam", "Priya", "Lucas",
];
const FAMILY: [&str; 8] = [
    "Sato",
    "Takeuchi",
    "Ito",
    "Kobayashi",
    "Okafor",
    "Moreau",
    "Lund",
    "Tan",
];
const COMPANIES: [(&str, &str); 4] = [
    ("Kawasemi Trading", "kawasemi-trading.example"),
    ("Hoshizora Logistics", "hoshizora.example"),
    ("Aozora Foods", "aozora-foods.example"),
    ("Kumo Robotics", "kumo-robotics.example"),
];
/// Each contact's title before and after the writer's edit.
const TITLES: [(&str, &str); 4] = [
    ("Sales Manager", "Head of Sales"),
    ("Purchasing Lead", "Purchasing Director"),
    ("Account Executive", "Key Account Manager"),
    ("Plant Manager", "Operations Director"),
];

/// What crossed the wire during one connection, and where the time went.
#[derive(Debug, Default)]
struct Traffic {
    up_frames: usize,
    up_bytes: usize,
    down_frames: usize,
    down_bytes: usize,
    /// Outbox entries the server acknowledged.
    acknowledged: usize,
    /// Server → device frames, kept after decoding to break the bytes down afterwards.
    down_log: Vec<Vec<u8>>,
    /// Decoding, session, tenant and encoding on the server side.
    server_time: Duration,
    /// Decoding and applying on the device, encoding its frames.
    device_time: Duration,
}

/// Connect `device` to a new session, exchange frames until both sides are quiet, disconnect.
fn converse(
    tenant: &mut MemoryTenant,
    device: &mut DeviceReplica,
    member: MemberId,
) -> Result<Traffic, String> {
    let mut traffic = Traffic::default();
    let mut session = ServerSession::new(member, device.device(), tenant.head());
    let (mut to_server, mut to_device) = (VecDeque::new(), VecDeque::new());
    let started = Instant::now();
    device_effects(device.connected(), &mut to_server, &mut traffic)?;
    traffic.device_time += started.elapsed();
    loop {
        let started = Instant::now();
        if let Some(bytes) = to_server.pop_front() {
            let frame = Frame::decode_from_device(&bytes, MAX_FRAME_BYTES)
                .map_err(|e| format!("device sent {e}"))?;
            let effects = session.receive(frame);
            session_effects(tenant, &mut session, effects, &mut to_device, &mut traffic)?;
            traffic.server_time += started.elapsed();
        } else if let Some(bytes) = to_device.pop_front() {
            let frame =
                Frame::decode(&bytes, MAX_FRAME_BYTES).map_err(|e| format!("server sent {e}"))?;
            let effects = device.receive(frame);
            traffic.down_log.push(bytes);
            device_effects(effects, &mut to_server, &mut traffic)?;
            traffic.device_time += started.elapsed();
        } else {
            break;
        }
    }
    if !device.is_settled() || !session.is_caught_up() {
        return Err(format!(
            "the conversation went quiet unsettled ({} changes pending)",
            device.pending()
        ));
    }
    device.disconnected();
    Ok(traffic)
}

fn device_effects(
    effects: Vec<DeviceEffect>,
    to_server: &mut VecDeque<Vec<u8>>,
    traffic: &mut Traffic,
) -> Result<(), String> {
    for effect in effects {
        match effect {
            DeviceEffect::Send(frame) => {
                let bytes = frame.encode();
                traffic.up_frames += 1;
                traffic.up_bytes += bytes.len();
                to_server.push_back(bytes);
            }
            DeviceEffect::Acknowledged(ids) => traffic.acknowledged += ids.len(),
            DeviceEffect::Rejected { doc, rejection } => {
                return Err(format!(
                    "the server refused contact {doc}: {}",
                    rejection.message
                ));
            }
            // The host would store these; the benchmark keeps the replica in memory.
            _ => {}
        }
    }
    Ok(())
}

/// Carry out a session's effects as the server host does (compare `sim::network`).
fn session_effects(
    tenant: &mut MemoryTenant,
    session: &mut ServerSession,
    effects: Vec<SessionEffect>,
    to_device: &mut VecDeque<Vec<u8>>,
    traffic: &mut Traffic,
) -> Result<(), String> {
    let member = session.member();
    let mut work: VecDeque<SessionEffect> = effects.into();
    while let Some(effect) = work.pop_front() {
        match effect {
            SessionEffect::Send(frame) => {
                let bytes = frame.encode();
                traffic.down_frames += 1;
                traffic.down_bytes += bytes.len();
                to_device.push_back(bytes);
            }
            SessionEffect::SendFeed { frame, deflate } => {
                let bytes = frame.encode_for(deflate);
                traffic.down_frames += 1;
                traffic.down_bytes += bytes.len();
                to_device.push_back(bytes);
            }
            SessionEffect::Close => return Err("the session closed the connection".into()),
            SessionEffect::FetchFeed(request) => {
                let page = tenant.read_feed(member, &request);
                work.extend(session.feed_loaded(&request, page));
            }
            SessionEffect::Commit { batch, docs } => {
                let results = tenant.commit(member, &docs);
                work.extend(session.committed(batch, results));
                work.extend(session.head_advanced(tenant.head()));
            }
            SessionEffect::Repair { doc, msg } => {
                let reply = tenant.repair(member, doc, &msg);
                work.extend(session.repaired(doc, reply));
            }
            SessionEffect::Publish { .. } => {}
        }
    }
    Ok(())
}

/// Deterministic pseudo-random bits (splitmix64), for ids that look drawn at random.
fn bits(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn contact_id(index: usize) -> ContactId {
    let (high, low) = (bits(2 * index as u64), bits(2 * index as u64 + 1));
    ContactId::from_u128((u128::from(high) << 64) | u128::from(low))
}

/// A fictional contact: name, one phone in Tokyo, one email, a company and title.
fn fictional_contact(index: usize) -> Contact {
    let given = GIVEN[index % GIVEN.len()];
    let family = FAMILY[(index / GIVEN.len()) % FAMILY.len()];
    let (company, domain) = COMPANIES[index % COMPANIES.len()];
    let number = 1000 + index % 9000;
    let mut contact = Contact::default();
    contact.name.given = given.to_string();
    contact.name.family = family.to_string();
    contact.phones.push(Phone {
        id: ItemId::from_random(bits(index as u64 ^ 0x70)),
        label: "work".into(),
        e164: format!("+8131234{number}"),
        raw: format!("+81 3-1234-{number}"),
    });
    contact.emails.push(Email {
        id: ItemId::from_random(bits(index as u64 ^ 0xe0)),
        label: "work".into(),
        address: format!(
            "{}.{}{index}@{domain}",
            given.to_lowercase(),
            family.to_lowercase()
        ),
    });
    contact.organizations.push(Organization {
        id: ItemId::from_random(bits(index as u64 ^ 0x0e)),
        company: company.to_string(),
        department: "Procurement".into(),
        title: TITLES[index % TITLES.len()].0.to_string(),
    });
    let customer = index.is_multiple_of(3);
    contact.contact_type = if customer {
        ContactType::Customer
    } else {
        ContactType::Prospect
    };
    contact.tags.insert("tokyo".into(), true);
    contact
}

/// Bytes of the raw changes the edits put in the outbox.
fn outbox_bytes(effects: &[DeviceEffect]) -> usize {
    let change = |effect: &DeviceEffect| match effect {
        DeviceEffect::AppendOutbox(entry) => Some(entry.change.len()),
        _ => None,
    };
    effects.iter().filter_map(change).sum()
}

fn sorted_heads(doc: &ContactDoc) -> Vec<automerge::ChangeHash> {
    let mut heads = doc.heads();
    heads.sort();
    heads
}

/// Where the feed's bytes went, read back from the frames the reader received.
#[derive(Debug, Default)]
struct FeedBreakdown {
    changes_items: usize,
    other_items: usize,
    /// Bytes of the Automerge changes inside `changes` items.
    change_bytes: usize,
    /// Encoded `changes` items minus the change bytes they carry.
    item_overhead: usize,
    /// Feed frames as plain MessagePack (before DEFLATE).
    feed_plain: usize,
    /// Feed frames as sent (deflated when smaller).
    feed_wire: usize,
    feed_frames: usize,
    /// Frames other than `feed` (`welcome`).
    other_frame_bytes: usize,
}

fn break_down(down_log: &[Vec<u8>]) -> Result<FeedBreakdown, String> {
    let mut breakdown = FeedBreakdown::default();
    for bytes in down_log {
        match Frame::decode(bytes, MAX_FRAME_BYTES).map_err(|e| e.to_string())? {
            frame @ Frame::Feed { .. } => {
                breakdown.feed_frames += 1;
                breakdown.feed_plain += frame.encode().len();
                breakdown.feed_wire += bytes.len();
                let Frame::Feed { items, .. } = frame else {
                    unreachable!("matched above")
                };
                for item in &items {
                    if let FeedItem::Changes { changes, .. } = item {
                        let carried: usize = changes.iter().map(|change| change.len()).sum();
                        breakdown.changes_items += 1;
                        breakdown.change_bytes += carried;
                        breakdown.item_overhead += encoded_len(item) - carried;
                    } else {
                        breakdown.other_items += 1;
                    }
                }
            }
            _ => breakdown.other_frame_bytes += bytes.len(),
        }
    }
    Ok(breakdown)
}

/// Per-document Automerge sync totals.
#[derive(Debug, Default)]
struct SyncRun {
    messages: usize,
    message_bytes: usize,
    /// The same messages as `sync` frames.
    frame_bytes: usize,
    most_messages_per_doc: usize,
    seconds: f64,
}

/// Sync each `(device, server)` pair with fresh states, the device speaking first, until
/// neither side has anything to say.
fn automerge_sync(pairs: &mut [(ContactDoc, ContactDoc)]) -> Result<SyncRun, String> {
    let mut run = SyncRun::default();
    let started = Instant::now();
    for (device, server) in pairs.iter_mut() {
        let (mut device_state, mut server_state) = (State::new(), State::new());
        let mut messages = 0;
        loop {
            let asked = exchange(
                device,
                &mut device_state,
                server,
                &mut server_state,
                &mut run,
            )?;
            let answered = exchange(
                server,
                &mut server_state,
                device,
                &mut device_state,
                &mut run,
            )?;
            messages += usize::from(asked) + usize::from(answered);
            if !asked && !answered {
                break;
            }
        }
        run.messages += messages;
        run.most_messages_per_doc = run.most_messages_per_doc.max(messages);
    }
    run.seconds = started.elapsed().as_secs_f64();
    for (device, server) in pairs.iter() {
        if sorted_heads(device) != sorted_heads(server) {
            let id = device.id();
            return Err(format!(
                "automerge sync left contact {id} at other heads than the server"
            ));
        }
    }
    Ok(run)
}

/// One sync message from `from` to `to`, through a `sync` frame; false if `from` had none.
fn exchange(
    from: &ContactDoc,
    from_state: &mut State,
    to: &mut ContactDoc,
    to_state: &mut State,
    run: &mut SyncRun,
) -> Result<bool, String> {
    let Some(message) = from.automerge().generate_sync_message(from_state) else {
        return Ok(false);
    };
    let msg = message.encode();
    run.message_bytes += msg.len();
    let frame = Frame::Sync {
        doc: from.id(),
        msg,
    }
    .encode();
    run.frame_bytes += frame.len();
    let Ok(Frame::Sync { msg, .. }) = Frame::decode(&frame, MAX_FRAME_BYTES) else {
        return Err("a sync frame did not round-trip".into());
    };
    let message = Message::decode(&msg).map_err(|e| e.to_string())?;
    let doc = to.automerge_mut();
    doc.receive_sync_message(to_state, message)
        .map_err(|e| e.to_string())?;
    Ok(true)
}

fn contacts_to_run() -> Result<usize, String> {
    if let Ok(text) = std::env::var("CATCHUP_CONTACTS") {
        return match text.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!(
                "CATCHUP_CONTACTS must be a positive number, got {text:?}"
            )),
        };
    }
    // `cargo bench` passes `--bench`; other arguments are ignored the same way.
    let quick = std::env::args().skip(1).any(|arg| arg == "--quick");
    Ok(if quick {
        QUICK_CONTACTS
    } else {
        DEFAULT_CONTACTS
    })
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

fn run() -> Result<(), String> {
    let n = contacts_to_run()?;
    let mut tenant = MemoryTenant::new();
    let (member_a, member_b) = (MemberId::from_u128(0xa), MemberId::from_u128(0xb));
    let mut writer = DeviceReplica::new(DeviceId::from_u128(0xa1), ActorId::from([0xa1; 16]));
    let mut reader = DeviceReplica::new(DeviceId::from_u128(0xb1), ActorId::from([0xb1; 16]));
    let ids: Vec<ContactId> = (0..n).map(contact_id).collect();

    // 1. The writer creates every contact offline and pushes; the reader catches up.
    for (index, id) in ids.iter().enumerate() {
        writer
            .create(*id, &fictional_contact(index))
            .map_err(|e| format!("create {index}: {e}"))?;
    }
    let setup = converse(&mut tenant, &mut writer, member_a)?;
    if setup.acknowledged != n {
        return Err(format!(
            "{} of {n} created contacts acknowledged",
            setup.acknowledged
        ));
    }
    converse(&mut tenant, &mut reader, member_b)?;
    let before: Vec<ContactDoc> = ids
        .iter()
        .map(|id| {
            reader
                .doc(*id)
                .cloned()
                .ok_or(format!("reader lacks {id} after setup"))
        })
        .collect::<Result<_, _>>()?;

    // 2. A week offline for the reader: the writer edits one field of every contact.
    let mut raw_bytes = 0;
    for (index, id) in ids.iter().enumerate() {
        let title = TITLES[index % TITLES.len()].1;
        let effects = writer
            .edit(*id, |c| c.organizations[0].title = title.into())
            .map_err(|e| e.to_string())?;
        raw_bytes += outbox_bytes(&effects);
    }
    let edits = converse(&mut tenant, &mut writer, member_a)?;
    if edits.acknowledged != n {
        return Err(format!("{} of {n} edits acknowledged", edits.acknowledged));
    }

    // 3. The reader comes back and follows the feed.
    let started = Instant::now();
    let feed = converse(&mut tenant, &mut reader, member_b)?;
    let feed_seconds = started.elapsed().as_secs_f64();
    if reader.cursor() != tenant.head() || reader.contact_ids().count() != n {
        return Err(format!(
            "reader at cursor {} of {}, holding {} contacts",
            reader.cursor(),
            tenant.head(),
            reader.contact_ids().count()
        ));
    }
    for id in &ids {
        let server = tenant.doc(*id).ok_or(format!("tenant lacks {id}"))?;
        let local = reader.doc(*id).ok_or(format!("reader lacks {id}"))?;
        if sorted_heads(server) != sorted_heads(local) {
            return Err(format!(
                "the feed left contact {id} at other heads than the server"
            ));
        }
    }
    let breakdown = break_down(&feed.down_log)?;
    if breakdown.changes_items != n
        || breakdown.other_items != 0
        || breakdown.change_bytes != raw_bytes
    {
        return Err(format!(
            "expected {n} changes items carrying the edits, got {breakdown:?}"
        ));
    }

    // 4. The same catch-up with per-document Automerge sync.
    let mut pairs: Vec<(ContactDoc, ContactDoc)> = before
        .into_iter()
        .zip(&ids)
        .map(|(doc, id)| (doc, tenant.doc(*id).cloned().expect("checked above")))
        .collect();
    let sync = automerge_sync(&mut pairs)?;

    report(n, raw_bytes, &feed, feed_seconds, &breakdown, &sync);
    Ok(())
}

/// Print the table, the targets and the summary line (always last).
fn report(
    n: usize,
    raw_bytes: usize,
    feed: &Traffic,
    feed_seconds: f64,
    breakdown: &FeedBreakdown,
    sync: &SyncRun,
) {
    let feed_bytes = feed.up_bytes + feed.down_bytes;
    let ratio = feed_bytes as f64 / raw_bytes as f64;
    let sync_ratio = sync.message_bytes as f64 / raw_bytes as f64;
    let per = |bytes: usize| format!("{:.1}", bytes as f64 / n as f64);
    let row = |label: &str, feed: String, sync: String| println!("{label:<24}{feed:>16}{sync:>26}");
    println!("catch-up after a week offline: {n} contacts, one single-field edit each");
    println!(
        "raw change bytes: {raw_bytes} ({} B per contact)\n",
        per(raw_bytes)
    );
    row("", "change feed".into(), "automerge sync per doc".into());
    row(
        "bytes",
        feed_bytes.to_string(),
        sync.message_bytes.to_string(),
    );
    row("  per contact", per(feed_bytes), per(sync.message_bytes));
    row(
        "  as frames",
        feed_bytes.to_string(),
        sync.frame_bytes.to_string(),
    );
    row(
        "ratio to raw changes",
        format!("{ratio:.2}x"),
        format!("{sync_ratio:.2}x"),
    );
    row(
        "seconds",
        format!("{feed_seconds:.3}"),
        format!("{:.3}", sync.seconds),
    );
    let frames = format!("{} up, {} down", feed.up_frames, feed.down_frames);
    row("frames / messages", frames, sync.messages.to_string());
    let sync_trips = format!("{} per doc", sync.most_messages_per_doc.div_ceil(2));
    row("round trips", feed.up_frames.to_string(), sync_trips);
    println!("\nfeed bytes by where they go:");
    let part = |label: &str, bytes: usize, note: String| {
        println!("{}", format!("  {label:<22}{bytes:>10}  {note}").trim_end())
    };
    part(
        "automerge changes",
        breakdown.change_bytes,
        format!("{} B per item", per(breakdown.change_bytes)),
    );
    part(
        "changes-item overhead",
        breakdown.item_overhead,
        format!("{} B per item", per(breakdown.item_overhead)),
    );
    part(
        "feed frames, plain",
        breakdown.feed_plain,
        format!(
            "{} frame(s), items plus from/to/more/reset",
            breakdown.feed_frames
        ),
    );
    part(
        "feed frames, sent",
        breakdown.feed_wire,
        format!(
            "after DEFLATE ({:.0} % of plain)",
            100.0 * breakdown.feed_wire as f64 / breakdown.feed_plain.max(1) as f64
        ),
    );
    part("welcome", breakdown.other_frame_bytes, String::new());
    part("hello", feed.up_bytes, String::new());
    println!(
        "feed time: server {:.1} ms (read feed, encode), reader {:.1} ms (decode, apply)\n",
        feed.server_time.as_secs_f64() * 1e3,
        feed.device_time.as_secs_f64() * 1e3
    );
    println!(
        "targets (DESIGN.md 7): bytes_ratio {ratio:.2} < {TARGET_RATIO} {}; aim {AIM_RATIO} {}; \
         seconds {feed_seconds:.3} < {TARGET_SECONDS} {}",
        met(ratio < TARGET_RATIO),
        met(ratio <= AIM_RATIO),
        met(feed_seconds < TARGET_SECONDS)
    );
    println!(
        "bench catchup: contacts={n} raw_bytes={raw_bytes} feed_bytes={feed_bytes} \
         bytes_ratio={ratio:.2} seconds={feed_seconds:.3} feed_frames={} \
         automerge_sync_bytes={} automerge_sync_ratio={sync_ratio:.2} \
         automerge_sync_seconds={:.3} automerge_sync_messages={}",
        feed.up_frames + feed.down_frames,
        sync.message_bytes,
        sync.seconds,
        sync.messages
    );
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench catchup FAILED: {error}");
            ExitCode::FAILURE
        }
    }
}
