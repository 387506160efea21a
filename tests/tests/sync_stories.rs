//! End-to-end sync stories over real sockets, each run on SQLite and on Postgres.

use std::time::Duration;

use sync_core::contact::{Contact, Organization};
use sync_core::ids::{ContactId, ItemId};
use sync_core::wire::{ErrorCode, Frame, PresenceState, Visibility};
use tests::{METRICS_TOKEN, TestServer, WireDevice, add_member, login, signup};

const QUIET: Duration = Duration::from_millis(150);
const PASSWORD: &str = "correct horse battery";

fn contact(given: &str) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = given.into();
    contact.organizations.push(Organization {
        id: ItemId::from("org"),
        company: "Kita Logistics".into(),
        department: String::new(),
        title: "Buyer".into(),
    });
    contact
}

fn actor(n: u8) -> [u8; 16] {
    [n; 16]
}

tests::on_both_backends!(
    two_phones_editing_different_fields_offline_keep_both_edits,
    a_phone_offline_for_a_week_catches_up_on_thousands_of_changes,
    a_member_never_receives_a_contact_not_shared_with_them,
    a_client_sending_garbage_is_cut_off_while_others_carry_on,
);

async fn two_phones_editing_different_fields_offline_keep_both_edits(
    server: &TestServer,
) -> anyhow::Result<()> {
    let owner = signup(server, "Kita Logistics", "owner@kita.example", PASSWORD).await?;
    let laptop = login(server, "owner@kita.example", PASSWORD, "laptop").await?;
    let mut phone = WireDevice::connect(server, &owner, actor(1)).await?;
    let id = ContactId::from_u128(1);
    let effects = phone.replica.create(id, &contact("Aiko"))?;
    phone.apply(effects).await?;
    phone.settle(QUIET).await?;
    let mut desk = WireDevice::connect(server, &laptop, actor(2)).await?;
    desk.settle(QUIET).await?;
    assert!(
        desk.replica.contact(id).is_some(),
        "the laptop has the contact"
    );
    // Both go offline and edit different fields.
    phone.disconnect().await;
    desk.disconnect().await;
    let phone_edit = phone
        .replica
        .edit(id, |c| c.organizations[0].title = "Head buyer".into())?;
    let desk_edit = desk.replica.edit(id, |c| c.name.family = "Sato".into())?;
    phone.apply(phone_edit).await?;
    desk.apply(desk_edit).await?;
    assert_eq!(
        (phone.replica.pending(), desk.replica.pending()),
        (1, 1),
        "both wait offline"
    );
    phone.reconnect(server, &owner).await?;
    desk.reconnect(server, &laptop).await?;
    phone.settle(QUIET).await?;
    desk.settle(QUIET).await?;
    phone.settle(QUIET).await?;
    for device in [&phone, &desk] {
        let merged = device.replica.contact(id).expect("held")?;
        assert_eq!(merged.organizations[0].title, "Head buyer");
        assert_eq!(merged.name.family, "Sato");
    }
    Ok(())
}

async fn a_phone_offline_for_a_week_catches_up_on_thousands_of_changes(
    server: &TestServer,
) -> anyhow::Result<()> {
    let owner = signup(server, "Norrland Pumps", "owner@norrland.example", PASSWORD).await?;
    let second = login(server, "owner@norrland.example", PASSWORD, "tablet").await?;
    let mut writer = WireDevice::connect(server, &owner, actor(3)).await?;
    let ids: Vec<ContactId> = (0..300).map(|n| ContactId::from_u128(1000 + n)).collect();
    for (n, id) in ids.iter().enumerate() {
        let effects = writer.replica.create(*id, &contact(&format!("Rep {n}")))?;
        writer.apply(effects).await?;
    }
    writer.settle(QUIET).await?;
    let mut reader = WireDevice::connect(server, &second, actor(4)).await?;
    reader.settle(QUIET).await?;
    reader.disconnect().await;
    // A week of edits: ten edits to each contact.
    for round in 0..10 {
        for id in &ids {
            let effects = writer
                .replica
                .edit(*id, |c| c.organizations[0].title = format!("Title {round}"))?;
            writer.apply(effects).await?;
        }
        writer.settle(QUIET).await?;
    }
    reader.reconnect(server, &second).await?;
    reader.settle(QUIET).await?;
    assert_eq!(reader.replica.contact_ids().count(), ids.len());
    for id in &ids {
        assert_eq!(
            reader.replica.contact(*id).expect("held")?.organizations[0].title,
            "Title 9"
        );
    }
    Ok(())
}

async fn a_member_never_receives_a_contact_not_shared_with_them(
    server: &TestServer,
) -> anyhow::Result<()> {
    let owner = signup(server, "Blue Heron Labs", "owner@heron.example", PASSWORD).await?;
    let member = add_member(server, &owner, "mina@heron.example", PASSWORD).await?;
    let mut boss = WireDevice::connect(server, &owner, actor(5)).await?;
    let (secret, shared) = (ContactId::from_u128(7), ContactId::from_u128(8));
    for (id, name) in [(secret, "Secret"), (shared, "Shared")] {
        let effects = boss.replica.create(id, &contact(name))?;
        boss.apply(effects).await?;
    }
    boss.settle(QUIET).await?;
    // The owner makes one private (an admin operation on the server).
    server_set_visibility(server, &owner, secret, Visibility::members(vec![])).await?;
    let mut mina = WireDevice::connect(server, &member, actor(6)).await?;
    mina.settle(QUIET).await?;
    assert!(mina.replica.contact(shared).is_some());
    assert!(
        mina.replica.contact(secret).is_none(),
        "the feed never carried the private contact"
    );
    // Repair: asking for the private contact by id yields nothing.
    mina.send_raw(
        Frame::Sync {
            doc: secret,
            msg: empty_sync_message(),
        }
        .encode(),
    )
    .await?;
    let reply = mina.step(QUIET * 4).await?;
    assert!(
        matches!(reply, Some(Frame::Sync { doc, ref msg }) if doc == secret && msg.is_empty()),
        "{reply:?}"
    );
    // Presence: the owner editing the private contact is not announced to Mina.
    let effects = boss.replica.presence(secret, PresenceState::Editing);
    boss.apply(effects).await?;
    let effects = boss.replica.presence(shared, PresenceState::Editing);
    boss.apply(effects).await?;
    let mut seen = Vec::new();
    while let Some(frame) = mina.step(QUIET).await? {
        if let Frame::Presence { doc, .. } = frame {
            seen.push(doc);
        }
    }
    assert_eq!(
        seen,
        [shared],
        "presence on the private contact did not leak"
    );
    Ok(())
}

async fn a_client_sending_garbage_is_cut_off_while_others_carry_on(
    server: &TestServer,
) -> anyhow::Result<()> {
    let owner = signup(server, "Yamata Keiki", "owner@yamata.example", PASSWORD).await?;
    let mut good = WireDevice::connect(server, &owner, actor(7)).await?;
    good.settle(QUIET).await?;
    for (garbage, expected) in [
        (vec![0xc1, 0x00, 0x13], ErrorCode::BadFrame),
        (
            vec![0u8; server::Config::default().max_frame_bytes + 10],
            ErrorCode::FrameTooLarge,
        ),
    ] {
        let bad_account = login(server, "owner@yamata.example", PASSWORD, "bad phone").await?;
        let mut bad = WireDevice::connect(server, &bad_account, actor(8)).await?;
        bad.settle(QUIET).await?;
        bad.send_raw(garbage).await?;
        let answer = bad.step(QUIET * 10).await?;
        assert!(
            matches!(answer, Some(Frame::Error { code, fatal: true, .. }) if code == expected),
            "expected a fatal {expected:?}, got {answer:?}"
        );
        assert!(
            bad.step(QUIET * 10).await.is_err(),
            "the server closed the connection"
        );
    }
    // A flood: far more frames than the rate allows.
    let flood_account = login(server, "owner@yamata.example", PASSWORD, "flooding phone").await?;
    let mut flood = WireDevice::connect(server, &flood_account, actor(9)).await?;
    flood.settle(QUIET).await?;
    let presence = Frame::Presence {
        doc: ContactId::from_u128(1),
        state: PresenceState::Viewing,
        member: None,
        device: None,
    };
    for _ in 0..2000 {
        if flood.send_raw(presence.encode()).await.is_err() {
            break;
        }
    }
    let mut cut_with = None;
    while let Ok(Some(frame)) = flood.step(QUIET * 10).await {
        if let Frame::Error { code, .. } = frame {
            cut_with = Some(code);
        }
    }
    assert_eq!(cut_with, Some(ErrorCode::RateLimited));
    // Meanwhile the good device still syncs.
    let effects = good
        .replica
        .create(ContactId::from_u128(99), &contact("Still fine"))?;
    good.apply(effects).await?;
    good.settle(QUIET).await?;
    assert_eq!(
        good.replica.pending(),
        0,
        "the good device's edit was acknowledged"
    );
    Ok(())
}

fn empty_sync_message() -> Vec<u8> {
    let doc = automerge::Automerge::new();
    let mut state = automerge::sync::State::new();
    automerge::sync::SyncDoc::generate_sync_message(&doc, &mut state)
        .expect("a first message")
        .encode()
}

async fn server_set_visibility(
    server: &TestServer,
    admin: &tests::Account,
    doc: ContactId,
    visibility: Visibility,
) -> anyhow::Result<()> {
    let members: Vec<String> = match &visibility {
        Visibility::All => Vec::new(),
        Visibility::Members { members, .. } => members.iter().map(ToString::to_string).collect(),
    };
    let body =
        serde_json::json!({ "all": matches!(visibility, Visibility::All), "members": members });
    let response = reqwest::Client::new()
        .put(format!(
            "{}/v1/contacts/{doc}/visibility",
            server.base_url()
        ))
        .bearer_auth(&admin.access_token)
        .json(&body)
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "visibility change refused: {}",
        response.status()
    );
    Ok(())
}

/// While a teammate's edits stream in, a listening phone gets them in a few pages, each with
/// everything committed since the last (at most one page per `feed_batch`), and loses none.
#[tokio::test]
async fn a_stream_of_edits_reaches_a_listening_phone_in_batched_pages() -> anyhow::Result<()> {
    let server =
        TestServer::sqlite_with(|config| config.feed_batch = Duration::from_millis(300)).await?;
    let owner = signup(&server, "Kita Logistics", "owner@kita.example", PASSWORD).await?;
    let laptop = login(&server, "owner@kita.example", PASSWORD, "laptop").await?;
    let mut writer = WireDevice::connect(&server, &owner, actor(1)).await?;
    let id = ContactId::from_u128(1);
    let effects = writer.replica.create(id, &contact("Aiko"))?;
    writer.apply(effects).await?;
    writer.settle(QUIET).await?;
    let mut listener = WireDevice::connect(&server, &laptop, actor(2)).await?;
    listener.settle(QUIET).await?;
    assert!(listener.replica.contact(id).is_some());

    let edits = tests::bench::edits_made_beforehand(&writer, id, 30)?;
    let started = std::time::Instant::now();
    let pushes = edits.len();
    // Pushed 20 ms apart without waiting for acks: thirty commits as fast as the server
    // makes them, over at least ~600 ms.
    let mut sent = std::collections::HashMap::new();
    for (batch, change) in (100u64..).zip(edits) {
        let push = Frame::Push {
            batch,
            docs: vec![sync_core::wire::DocChanges {
                doc: id,
                changes: vec![change],
                visibility: None,
            }],
        }
        .encode();
        writer.send_raw(push.clone()).await?;
        sent.insert(batch, push);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut acked = 0;
    while acked < pushes {
        match writer.receive_only(Duration::from_secs(10)).await? {
            Some(tests::Arrival::Frame(Frame::Ack { .. })) => acked += 1,
            // A machine too busy to commit within the bound says so; the push is made again
            // after the delay it gives, as a device does (protocol §9.4).
            Some(tests::Arrival::Frame(Frame::Error {
                code: sync_core::wire::ErrorCode::Unavailable,
                batch: Some(batch),
                retry_after_ms,
                ..
            })) => {
                let wait =
                    retry_after_ms.unwrap_or(sync_core::replica::device::DEFAULT_RETRY_AFTER_MS);
                tokio::time::sleep(Duration::from_millis(wait)).await;
                if let Some(push) = sent.get(&batch) {
                    writer.send_raw(push.clone()).await?;
                }
            }
            Some(_) => {}
            None => anyhow::bail!("{acked} of {pushes} pushes acknowledged"),
        }
    }
    let streamed_for = started.elapsed();
    let mut pages = 0;
    while let Some(frame) = listener.step(Duration::from_secs(1)).await? {
        if matches!(frame, Frame::Feed { .. }) {
            pages += 1;
        }
    }
    let family = listener
        .replica
        .contact(id)
        .and_then(Result::ok)
        .map(|c| c.name.family);
    assert_eq!(family.as_deref(), Some("Edit 30"), "every edit arrived");
    // One page per commit would be thirty; a slow machine stretches the stream, and with it
    // the pages allowed.
    let allowed = (streamed_for.as_millis() / 300) as usize + 2;
    assert!(
        (1..=allowed.min(15)).contains(&pages),
        "thirty commits over {streamed_for:?} came in {pages} pages; at most one per 300 ms expected"
    );
    Ok(())
}

/// The value of the metric named `name` (with `labels` as Prometheus prints them, or none) in
/// a scrape; `None` when it is not there.
fn metric(scrape: &str, name: &str, labels: &str) -> Option<f64> {
    scrape.lines().find_map(|line| {
        let value = line
            .strip_prefix(name)?
            .strip_prefix(labels)?
            .strip_prefix(' ')?;
        value.trim().parse().ok()
    })
}

/// An admin's Prometheus scrape counts what phones did: connections, frames both ways,
/// pushes, acks, how long commits took, feed page reads and how far behind each page's
/// device was.
#[tokio::test]
async fn the_metrics_count_connections_pushes_acks_and_feed_reads() -> anyhow::Result<()> {
    let server =
        TestServer::sqlite_with(|config| config.metrics_token = Some(METRICS_TOKEN.into())).await?;
    let owner = signup(&server, "Kita Logistics", "owner@kita.example", PASSWORD).await?;
    let laptop = login(&server, "owner@kita.example", PASSWORD, "laptop").await?;
    let mut phone = WireDevice::connect(&server, &owner, actor(1)).await?;
    let mut listener = WireDevice::connect(&server, &laptop, actor(2)).await?;
    let id = ContactId::from_u128(1);
    let effects = phone.replica.create(id, &contact("Aiko"))?;
    phone.apply(effects).await?;
    phone.settle(QUIET).await?;
    listener.settle(QUIET).await?;
    assert!(listener.replica.contact(id).is_some(), "the edit arrived");

    let scrape = server.metrics().await?;
    // The recorder is the process's: other tests' servers count into it too, so these are
    // lower bounds, each made by this test alone.
    for (name, labels, least) in [
        ("rolo_connections", "", 2.0),
        ("rolo_pushes_total", "", 1.0),
        ("rolo_acks_total", "", 1.0),
        ("rolo_frames_in_total", "", 2.0),
        ("rolo_frames_out_total", "", 3.0),
        ("rolo_feed_lag_rows_count", "", 1.0),
        ("rolo_commit_seconds_count", "", 1.0),
    ] {
        let value = metric(&scrape, name, labels);
        assert!(
            value.is_some_and(|value| value >= least),
            "{name}{labels} is {value:?}, at least {least} expected, in:\n{scrape}"
        );
    }
    // Feed pages come from the node's tail in memory or from the store.
    let reads: f64 = ["{from=\"memory\"}", "{from=\"store\"}"]
        .iter()
        .filter_map(|labels| metric(&scrape, "rolo_feed_reads_total", labels))
        .sum();
    assert!(reads >= 1.0, "no feed page read, in:\n{scrape}");
    Ok(())
}
