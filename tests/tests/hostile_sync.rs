//! Hostile clients on the sync socket: each story is a door an attacker once found open, and
//! what the server does about it now. A real server on 127.0.0.1, real sockets.

use std::io::Write;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_bytes::ByteBuf;
use sync_core::contact::Contact;
use sync_core::ids::{ContactId, MemberId};
use sync_core::wire::{
    DocChanges, ErrorCode, FeedItem, Frame, MAX_FRAME_BYTES, MAX_SHARED_MEMBERS, Visibility,
};
use tests::{Account, ChildServer, TestServer, WireDevice, add_member, connect, signup};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame as WsFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

const QUIET: Duration = Duration::from_millis(150);
const PASSWORD: &str = "correct horse battery";

fn person(given: &str) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = given.into();
    contact
}

/// Receive frames until one matches or `within` passes; `None` on silence, error if closed.
async fn expect_error(device: &mut WireDevice, within: Duration) -> Option<(ErrorCode, bool)> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        match device.step(QUIET).await {
            Ok(Some(Frame::Error { code, fatal, .. })) => return Some((code, fatal)),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

/// A company with an owner whose phone is connected and settled.
async fn company(
    server: &TestServer,
    name: &str,
    email: &str,
) -> anyhow::Result<(Account, WireDevice)> {
    let owner = signup(server, name, email, PASSWORD).await?;
    let mut phone = WireDevice::connect(server, &owner, [name.len() as u8; 16]).await?;
    phone.settle(QUIET).await?;
    Ok((owner, phone))
}

/// Push a new contact and wait for its ack.
async fn create_and_settle(
    device: &mut WireDevice,
    id: ContactId,
    given: &str,
) -> anyhow::Result<()> {
    let effects = device.replica.create(id, &person(given))?;
    device.apply(effects).await?;
    device.settle(QUIET).await?;
    anyhow::ensure!(device.replica.pending() == 0, "the push was acked");
    Ok(())
}

/// 3,000 `deflated` frames each inside the next: one 88 KB message that used to overflow a
/// worker's stack and abort the whole server.
fn nested_deflated(layers: usize) -> Vec<u8> {
    let mut frame = Frame::error(ErrorCode::RateLimited, "innermost", false).encode();
    for _ in 0..layers {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&frame).expect("in memory");
        frame = Frame::Deflated {
            frame: encoder.finish().expect("in memory"),
        }
        .encode();
    }
    frame
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nested_deflate_message_gets_bad_frame_and_other_companies_carry_on() {
    let server = TestServer::sqlite().await.unwrap();
    let (_, mut attacker) = company(&server, "Mallory Ltd", "mallory@mallory.example")
        .await
        .unwrap();
    let (_, mut victim) = company(&server, "Kita Logistics", "aiko@kita.example")
        .await
        .unwrap();
    attacker.send_raw(nested_deflated(3000)).await.unwrap();
    assert_eq!(
        expect_error(&mut attacker, Duration::from_secs(5)).await,
        Some((ErrorCode::BadFrame, true))
    );
    // The server is still there for everyone else.
    create_and_settle(&mut victim, ContactId::from_u128(1), "Aiko")
        .await
        .unwrap();
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_sending_a_deflated_push_is_refused_and_nothing_is_stored() {
    let server = TestServer::sqlite().await.unwrap();
    let (owner, mut phone) = company(&server, "Kita Logistics", "aiko@kita.example")
        .await
        .unwrap();
    let id = ContactId::from_u128(7);
    let (_, change) = sync_core::document::ContactDoc::create(
        id,
        automerge::ActorId::from([9u8; 16]),
        &person("Hiro"),
    )
    .unwrap();
    let push = Frame::Push {
        batch: 1,
        docs: vec![DocChanges::new(
            id,
            vec![ByteBuf::from(change.raw_bytes().to_vec())],
        )],
    };
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&push.encode()).unwrap();
    phone
        .send_raw(
            Frame::Deflated {
                frame: encoder.finish().unwrap(),
            }
            .encode(),
        )
        .await
        .unwrap();
    assert_eq!(
        expect_error(&mut phone, Duration::from_secs(5)).await,
        Some((ErrorCode::BadFrame, true))
    );
    // A fresh device of the same member receives no such contact.
    let laptop = tests::login(&server, "aiko@kita.example", PASSWORD, "laptop")
        .await
        .unwrap();
    let mut laptop_device = WireDevice::connect(&server, &laptop, [2; 16])
        .await
        .unwrap();
    laptop_device.settle(QUIET).await.unwrap();
    assert!(
        laptop_device.replica.contact(id).is_none(),
        "the deflated push was not applied"
    );
    drop(owner);
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hello_naming_another_companys_device_is_refused() {
    let server = TestServer::sqlite().await.unwrap();
    let (mallory, _) = company(&server, "Mallory Ltd", "mallory@mallory.example")
        .await
        .unwrap();
    let (victim, _) = company(&server, "Kita Logistics", "aiko@kita.example")
        .await
        .unwrap();
    let mut socket = connect(&server, &mallory.access_token).await.unwrap();
    let hello = Frame::Hello {
        v: sync_core::wire::PROTOCOL_VERSION,
        device: victim.device,
        cursor: 0,
        accept: Vec::new(),
        layout: None,
    };
    socket
        .send(Message::Binary(hello.encode().into()))
        .await
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .expect("an answer")
        .expect("a message")
        .unwrap();
    let frame = Frame::decode(&answer.into_data(), MAX_FRAME_BYTES).unwrap();
    assert!(
        matches!(
            frame,
            Frame::Error {
                code: ErrorCode::Unauthorized,
                fatal: true,
                ..
            }
        ),
        "got {frame:?}"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_count_against_the_frame_rate() {
    let server = TestServer::sqlite_with(|config| config.frames_per_second = 50)
        .await
        .unwrap();
    let owner = signup(&server, "Kita Logistics", "aiko@kita.example", PASSWORD)
        .await
        .unwrap();
    let mut socket = connect(&server, &owner.access_token).await.unwrap();
    for _ in 0..1000 {
        if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
            break;
        }
    }
    // Cut off: the `rate_limited` frame, or (when the server closed with pings still unread,
    // so the kernel reset the connection and dropped what was in flight) the end of the
    // stream. Pongs, and silence, are what an unlimited server gives.
    let mut cut_off = false;
    loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next()).await {
            Err(_) => break,
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => {
                cut_off = true;
                break;
            }
            Ok(Some(Ok(Message::Binary(bytes)))) => {
                if let Ok(Frame::Error { code, .. }) = Frame::decode(&bytes, MAX_FRAME_BYTES) {
                    cut_off = code == ErrorCode::RateLimited;
                    break;
                }
            }
            Ok(Some(Ok(_))) => {}
        }
    }
    assert!(cut_off, "a flood of pings was answered without limit");
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_that_never_says_hello_is_closed() {
    let server = TestServer::sqlite_with(|config| config.hello_timeout = Duration::from_secs(1))
        .await
        .unwrap();
    let owner = signup(&server, "Kita Logistics", "aiko@kita.example", PASSWORD)
        .await
        .unwrap();
    let mut socket = connect(&server, &owner.access_token).await.unwrap();
    let started = Instant::now();
    let first = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("the server spoke before 10 s")
        .expect("a message")
        .unwrap();
    let frame = Frame::decode(&first.into_data(), MAX_FRAME_BYTES).unwrap();
    assert!(
        matches!(
            frame,
            Frame::Error {
                code: ErrorCode::HelloRequired,
                fatal: true,
                ..
            }
        ),
        "got {frame:?}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "not before the timeout"
    );
    server.stop().await.unwrap();
}

/// Whether the server closed `stream` (a read returns end of file or an error) within
/// `within`.
async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            // A response (or a 408) before the close.
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_trickling_connections_are_closed_within_the_header_timeout() {
    let server = TestServer::sqlite_with(|config| config.header_timeout = Duration::from_secs(1))
        .await
        .unwrap();
    // 200 connections that never send a byte.
    let mut silent = Vec::new();
    for _ in 0..200 {
        silent.push(
            tokio::net::TcpStream::connect(server.address)
                .await
                .unwrap(),
        );
    }
    // One that trickles a header a byte at a time, and one idle after a whole request.
    let mut trickle = tokio::net::TcpStream::connect(server.address)
        .await
        .unwrap();
    let mut keep_alive = tokio::net::TcpStream::connect(server.address)
        .await
        .unwrap();
    keep_alive
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: rolo\r\n\r\n")
        .await
        .unwrap();
    let trickling = tokio::spawn(async move {
        for byte in b"GET /healthz HTTP/1.1\r\nHost: rolo\r\nX-Slow: aaaaaaaaaaaaaaaa" {
            if trickle.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        closed_within(&mut trickle, Duration::from_secs(1)).await
    });
    // Meanwhile the server answers a real request.
    let health = reqwest::get(format!("{}/healthz", server.base_url()))
        .await
        .unwrap();
    assert!(health.status().is_success());
    for (index, stream) in silent.iter_mut().enumerate() {
        assert!(
            closed_within(stream, Duration::from_secs(4)).await,
            "silent connection {index} is still open"
        );
    }
    assert!(
        closed_within(&mut keep_alive, Duration::from_secs(4)).await,
        "an idle keep-alive connection is still open"
    );
    assert!(
        trickling.await.unwrap(),
        "the trickled header was not cut off"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_socket_of_a_device_closes_its_oldest() {
    let server = TestServer::sqlite_with(|config| config.sockets_per_device = 2)
        .await
        .unwrap();
    let owner = signup(&server, "Kita Logistics", "aiko@kita.example", PASSWORD)
        .await
        .unwrap();
    let mut oldest = WireDevice::connect(&server, &owner, [1; 16]).await.unwrap();
    oldest.settle(QUIET).await.unwrap();
    let mut second = WireDevice::connect(&server, &owner, [1; 16]).await.unwrap();
    second.settle(QUIET).await.unwrap();
    // The phone came back from a tunnel: its third socket is served, its first is told to go.
    let mut newest = WireDevice::connect(&server, &owner, [1; 16]).await.unwrap();
    newest.settle(QUIET).await.unwrap();
    assert_eq!(
        expect_error(&mut oldest, Duration::from_secs(5)).await,
        Some((ErrorCode::Unavailable, true))
    );
    create_and_settle(&mut newest, ContactId::from_u128(3), "Aiko")
        .await
        .unwrap();
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_over_the_member_ceiling_are_refused_at_the_upgrade() {
    let server = TestServer::sqlite_with(|config| {
        config.sockets_per_member = 3;
        config.sockets_per_device = 10;
    })
    .await
    .unwrap();
    let owner = signup(&server, "Kita Logistics", "aiko@kita.example", PASSWORD)
        .await
        .unwrap();
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(connect(&server, &owner.access_token).await.unwrap());
    }
    match connect(&server, &owner.access_token).await {
        Ok(_) => panic!("a fourth socket was accepted"),
        Err(error) => {
            let refused = error
                .downcast_ref::<tokio_tungstenite::tungstenite::Error>()
                .and_then(|error| match error {
                    tokio_tungstenite::tungstenite::Error::Http(response) => Some(response),
                    _ => None,
                })
                .expect("an HTTP refusal");
            assert_eq!(refused.status(), 429);
            let body =
                String::from_utf8_lossy(refused.body().as_deref().unwrap_or_default()).into_owned();
            assert!(body.contains("too_many_connections"), "{body}");
        }
    }
    // A closed socket frees its place.
    drop(open.pop());
    let mut retried = None;
    for _ in 0..50 {
        if let Ok(socket) = connect(&server, &owner.access_token).await {
            retried = Some(socket);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(retried.is_some(), "the freed place was not given back");
    server.stop().await.unwrap();
}

/// Server RSS growth allowed while sockets hold unfinished messages: at most 32 are admitted
/// for one member (the per-member ceiling), each buffering up to the 1 MiB frame limit, plus
/// the sockets' own costs. Before the limits, 100 such sockets took 440 MB.
const UNFINISHED_GROWTH_BOUND_MB: f64 = 64.0;

/// Open up to `attempts` sockets with `token`, each beginning a binary message (FIN=0, then
/// continuation frames up to just under 1 MiB) that it never finishes. Returns the sockets
/// admitted and how many upgrades were refused.
async fn unfinished_messages(
    server: &TestServer,
    token: &str,
    attempts: usize,
) -> (Vec<tests::SyncSocket>, usize) {
    let chunk = vec![0x42u8; 64 * 1024];
    let mut held = Vec::new();
    let mut refused = 0;
    for _ in 0..attempts {
        let Ok(mut socket) = connect(server, token).await else {
            refused += 1;
            continue;
        };
        let mut sent = 0;
        let mut opcode = OpCode::Data(Data::Binary);
        while sent + chunk.len() < 1024 * 1024 {
            let frame = WsFrame::message(chunk.clone(), opcode, false);
            if socket.send(Message::Frame(frame)).await.is_err() {
                break;
            }
            sent += chunk.len();
            opcode = OpCode::Data(Data::Continue);
        }
        held.push(socket);
    }
    (held, refused)
}

/// How many of `sockets` the server still holds open (a closed one reads as ended or as a
/// close frame at once).
async fn still_open(sockets: &mut [tests::SyncSocket]) -> usize {
    let mut open = 0;
    for socket in sockets.iter_mut() {
        let mut closed = false;
        while let Ok(next) = tokio::time::timeout(Duration::from_millis(20), socket.next()).await {
            match next {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                    closed = true;
                    break;
                }
                Some(Ok(_)) => {}
            }
        }
        open += usize::from(!closed);
    }
    open
}

async fn child_server(settings: &[(&str, &str)]) -> (tempfile::TempDir, ChildServer) {
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", data.path().join("rolo.db").display());
    let child = ChildServer::start_with_env(&url, settings).await.unwrap();
    (data, child)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_unfinished_messages_from_one_member_leave_memory_bounded() {
    // Devices may keep many sockets here, so the member's ceiling is what holds.
    let (_data, child) = child_server(&[("ROLO_SOCKETS_PER_DEVICE", "1000")]).await;
    let server = child.as_test_server();
    let owner = signup(&server, "Mallory Ltd", "mallory@mallory.example", PASSWORD)
        .await
        .unwrap();
    let before = tests::bench::rss_bytes(child.pid()).unwrap() as f64 / 1e6;
    let (held, refused) = unfinished_messages(&server, &owner.access_token, 100).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let during = tests::bench::rss_bytes(child.pid()).unwrap() as f64 / 1e6;
    println!(
        "unfinished messages: {} sockets held, {refused} refused; server RSS {before:.1} MB before, {during:.1} MB during",
        held.len()
    );
    assert_eq!(refused, 100 - 32, "the per-member ceiling (32) holds");
    assert!(
        during - before <= UNFINISHED_GROWTH_BOUND_MB,
        "RSS grew by {:.1} MB (bound {UNFINISHED_GROWTH_BOUND_MB} MB)",
        during - before
    );
    drop(held);
    // The server still serves, and the sockets' places are free again.
    let mut phone = None;
    for _ in 0..50 {
        if let Ok(device) = WireDevice::connect(&server, &owner, [5; 16]).await {
            phone = Some(device);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut phone = phone.expect("a socket after the others closed");
    create_and_settle(&mut phone, ContactId::from_u128(11), "Aiko")
        .await
        .unwrap();
    let after = tests::bench::rss_bytes(child.pid()).unwrap() as f64 / 1e6;
    println!("server RSS {after:.1} MB after the sockets closed");
}

/// Wait (up to ten seconds) until the server reports no open sync connection.
async fn connections_closed(server: &TestServer) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let scrape = server.metrics().await.unwrap_or_default();
        let open = scrape.lines().find_map(|line| {
            line.strip_prefix("rolo_connections ")?
                .trim()
                .parse::<f64>()
                .ok()
        });
        if open == Some(0.0) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server still holds sync connections after ten seconds");
}

/// What three bursts of unfinished messages may leave behind: less than the three bursts'
/// 100 MB, room for two.
const BURSTS_LEFT_BOUND_MB: f64 = 80.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursts_of_unfinished_messages_leave_less_than_they_took() {
    let (_data, child) = child_server(&[("ROLO_SOCKETS_PER_DEVICE", "1000")]).await;
    let server = child.as_test_server();
    let owner = signup(&server, "Mallory Ltd", "mallory@mallory.example", PASSWORD)
        .await
        .unwrap();
    let before = tests::bench::rss_bytes(child.pid()).unwrap() as f64 / 1e6;
    let mut after_each = Vec::new();
    for _ in 0..3 {
        let (held, _) = unfinished_messages(&server, &owner.access_token, 40).await;
        drop(held);
        // Measured once the server has closed every one of them and dropped their buffers.
        connections_closed(&server).await;
        after_each.push(tests::bench::rss_bytes(child.pid()).unwrap() as f64 / 1e6);
    }
    println!("server RSS {before:.1} MB before, after each burst: {after_each:.1?} MB");
    // What the allocator keeps after a burst is mostly reused by the next: three bursts of
    // 32 admitted sockets (34 MB each) leave less than three bursts' worth behind. How much
    // glibc keeps varies from run to run (one burst's worth, sometimes two, when a burst lands
    // in another arena). Before the limits, 100 such sockets left 362 MB behind.
    for after in &after_each {
        assert!(
            after - before <= BURSTS_LEFT_BOUND_MB,
            "bursts left {after_each:.1?} MB against {before:.1} MB before"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_unfinished_messages_from_one_device_keep_only_its_newest_sockets() {
    let (_data, child) = child_server(&[]).await;
    let server = child.as_test_server();
    let owner = signup(&server, "Mallory Ltd", "mallory@mallory.example", PASSWORD)
        .await
        .unwrap();
    let before = tests::bench::rss_bytes(child.pid()).unwrap() as f64 / 1e6;
    let (mut held, refused) = unfinished_messages(&server, &owner.access_token, 100).await;
    let open = still_open(&mut held).await;
    let during = tests::bench::rss_bytes(child.pid()).unwrap() as f64 / 1e6;
    println!(
        "one device: {open} of 100 sockets still open, {refused} refused; RSS {before:.1} -> {during:.1} MB"
    );
    assert_eq!(refused, 0, "a device's new sockets are never refused");
    assert!(
        open <= 2,
        "{open} sockets of one device are still open (at most 2)"
    );
    assert!(during - before <= UNFINISHED_GROWTH_BOUND_MB);
}

tests::on_both_backends!(
    a_contact_created_private_never_reaches_another_member,
    a_visibility_list_is_deduplicated_and_capped,
);

/// Every feed item a device receives until it is quiet.
async fn feed_items(device: &mut WireDevice) -> anyhow::Result<Vec<FeedItem>> {
    let mut items = Vec::new();
    loop {
        match device.step(QUIET * 3).await? {
            Some(Frame::Feed { items: page, .. }) => items.extend(page),
            Some(_) => {}
            None if device.replica.is_settled() => return Ok(items),
            None => {
                let effects = device.replica.tick();
                device.apply(effects).await?;
            }
        }
    }
}

async fn a_contact_created_private_never_reaches_another_member(
    server: &TestServer,
) -> anyhow::Result<()> {
    let owner = signup(server, "Kita Logistics", "aiko@kita.example", PASSWORD).await?;
    let colleague = add_member(server, &owner, "hiro@kita.example", PASSWORD).await?;
    let mut owner_phone = WireDevice::connect(server, &owner, [1; 16]).await?;
    owner_phone.settle(QUIET).await?;
    let mut colleague_phone = WireDevice::connect(server, &colleague, [2; 16]).await?;
    colleague_phone.settle(QUIET).await?;
    let id = ContactId::from_u128(0xa11ce);
    let mut secret = person("Confidential");
    secret.notes = "Discussing the acquisition".into();
    let effects =
        owner_phone
            .replica
            .create_visible_to(id, &secret, Some(Visibility::members(vec![])))?;
    owner_phone.apply(effects).await?;
    owner_phone.settle(QUIET).await?;
    anyhow::ensure!(
        owner_phone.replica.contact(id).is_some(),
        "the owner keeps it"
    );
    anyhow::ensure!(
        owner_phone.replica.meta(id).map(|meta| &meta.visibility)
            == Some(&Visibility::members(vec![])),
        "stored private: {:?}",
        owner_phone.replica.meta(id)
    );
    // The colleague, online all along, receives nothing naming it: no grant, no revoke.
    let seen = feed_items(&mut colleague_phone).await?;
    anyhow::ensure!(
        seen.iter().all(|item| item.doc() != id),
        "the colleague received {seen:?}"
    );
    // Nor does a new device of the colleague resynchronising from scratch.
    let laptop = tests::login(server, "hiro@kita.example", PASSWORD, "laptop").await?;
    let mut colleague_laptop = WireDevice::connect(server, &laptop, [3; 16]).await?;
    let resync = feed_items(&mut colleague_laptop).await?;
    anyhow::ensure!(resync.iter().all(|item| item.doc() != id), "{resync:?}");
    Ok(())
}

async fn a_visibility_list_is_deduplicated_and_capped(server: &TestServer) -> anyhow::Result<()> {
    let owner = signup(server, "Kita Logistics", "aiko@kita.example", PASSWORD).await?;
    let colleague = add_member(server, &owner, "hiro@kita.example", PASSWORD).await?;
    let mut phone = WireDevice::connect(server, &owner, [1; 16]).await?;
    let id = ContactId::from_u128(0xb0b);
    let effects = phone.replica.create(id, &person("Bob"))?;
    phone.apply(effects).await?;
    phone.settle(QUIET).await?;
    let client = reqwest::Client::new();
    let url = format!("{}/v1/contacts/{id}/visibility", server.base_url());
    // [owner, colleague] × 2,000: refused before a single lookup (× 20,000 is over the body
    // limit, 413).
    let flood: Vec<String> = (0..2_000)
        .flat_map(|_| [owner.member.to_string(), colleague.member.to_string()])
        .collect();
    let answer = client
        .put(&url)
        .bearer_auth(&owner.access_token)
        .json(&serde_json::json!({ "all": false, "members": flood }))
        .send()
        .await?;
    anyhow::ensure!(
        answer.status() == 400,
        "a 4,000-entry list answered {}",
        answer.status()
    );
    let body: serde_json::Value = answer.json().await?;
    anyhow::ensure!(body["field"] == "members", "{body}");
    // A short list with repeats and the owner is stored once each, without the owner.
    let answer = client
        .put(&url)
        .bearer_auth(&owner.access_token)
        .json(&serde_json::json!({ "all": false, "members": [
            owner.member.to_string(), colleague.member.to_string(), colleague.member.to_string()
        ] }))
        .send()
        .await?;
    anyhow::ensure!(answer.status().is_success(), "answered {}", answer.status());
    phone.settle(QUIET).await?;
    anyhow::ensure!(
        phone.replica.meta(id).map(|meta| &meta.visibility)
            == Some(&Visibility::members(vec![colleague.member])),
        "stored {:?}",
        phone.replica.meta(id)
    );
    // A push creating a contact shared with more than the cap is refused whole.
    let crowd: Vec<MemberId> = (0..=MAX_SHARED_MEMBERS as u128)
        .map(|n| MemberId::from_u128(n + 1))
        .collect();
    let crowded = ContactId::from_u128(0xc0ffee);
    let effects = phone.replica.create_visible_to(
        crowded,
        &person("Crowd"),
        Some(Visibility::members(crowd)),
    )?;
    phone.apply(effects).await?;
    phone.settle(QUIET).await?;
    let refused = phone
        .replica
        .contact(crowded)
        .is_none_or(|contact| contact.is_ok_and(|contact| contact.name.given.is_empty()));
    anyhow::ensure!(
        refused,
        "a contact shared with {} members was stored",
        MAX_SHARED_MEMBERS + 1
    );
    Ok(())
}
