//! The sync driver over real sockets against a stand-in server (`support`): pushes and the
//! feed, caught-up, token refresh and rotation, live changes, reconnection.

mod support;

use std::time::Duration;

use client::{Error, Replica, SyncEvent, SyncOptions, run_live, sync_once};
use support::FakeServer;
use sync_core::contact::Contact;
use tokio::sync::{mpsc, oneshot};

/// Quick timings so reconnections take milliseconds, not seconds.
fn options() -> SyncOptions {
    SyncOptions {
        tick: Duration::from_millis(50),
        backoff: client::sync::BackoffPolicy {
            first: Duration::from_millis(20),
            max: Duration::from_millis(200),
        },
        ..SyncOptions::default()
    }
}

/// A phone: a replica in its own directory, signed in to `server`.
async fn phone(server: &FakeServer, member: u128, device: u128) -> (tempfile::TempDir, Replica) {
    let dir = tempfile::tempdir().unwrap();
    let mut replica = Replica::open(dir.path().join("replica.db")).await.unwrap();
    replica.sign_in(server.login(member, device)).await.unwrap();
    (dir, replica)
}

fn named(given: &str) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = given.into();
    contact
}

/// Waits (up to a generous bound, never a fixed sleep) for an event that `wanted` accepts.
async fn wait_for(
    events: &mut mpsc::UnboundedReceiver<SyncEvent>,
    wanted: impl Fn(&SyncEvent) -> bool,
) {
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let event = events.recv().await.expect("the live sync is running");
            if wanted(&event) {
                return;
            }
        }
    })
    .await
    .expect("the awaited sync event came");
}

#[tokio::test]
async fn offline_edits_of_different_fields_from_two_phones_both_survive() {
    let server = FakeServer::start().await;
    let (_a, mut alice) = phone(&server, 3, 30).await;
    let (_b, mut bob) = phone(&server, 4, 40).await;

    let id = alice.create(&named("Aiko")).await.unwrap();
    sync_once(&mut alice, &options()).await.unwrap();
    sync_once(&mut bob, &options()).await.unwrap();
    assert_eq!(bob.contact(id).await.unwrap().unwrap().name.given, "Aiko");

    // Both offline, each changes another field.
    alice
        .edit(id, |c| c.name.family = "Sato".into())
        .await
        .unwrap();
    bob.edit(id, |c| c.name.nickname = "Ai".into())
        .await
        .unwrap();
    sync_once(&mut alice, &options()).await.unwrap();
    sync_once(&mut bob, &options()).await.unwrap();
    sync_once(&mut alice, &options()).await.unwrap();

    for replica in [&mut alice, &mut bob] {
        let contact = replica.contact(id).await.unwrap().unwrap();
        assert_eq!(
            (contact.name.family.as_str(), contact.name.nickname.as_str()),
            ("Sato", "Ai")
        );
        let status = replica.status().await.unwrap();
        assert_eq!(status.pending, 0);
        assert_eq!(status.cursor, server.head(), "caught up means at the head");
        assert!(status.last_sync_ms.is_some());
    }
    let on_server = server.contact(id).unwrap();
    assert_eq!(on_server.name.family, "Sato");
    assert_eq!(on_server.name.nickname, "Ai");
}

#[tokio::test]
async fn a_push_answered_unavailable_waits_as_told_before_it_is_pushed_again() {
    let server = FakeServer::start().await;
    let (_dir, mut alice) = phone(&server, 3, 30).await;
    let id = alice.create(&named("Aiko")).await.unwrap();
    // The database is down for the first two pushes.
    server.refuse_pushes(2);
    sync_once(&mut alice, &options()).await.unwrap();
    assert_eq!(server.contact(id).unwrap().name.given, "Aiko");
    assert_eq!(alice.status().await.unwrap().pending, 0);
    let times = server.push_times();
    assert_eq!(times.len(), 3, "two refused pushes and the one that landed");
    // The client waited as told (plus jitter), not its own retry of 8 ticks (400 ms here).
    let told = Duration::from_millis(support::RETRY_AFTER_MS);
    for pair in times.windows(2) {
        let waited = pair[1] - pair[0];
        assert!(
            waited >= told,
            "pushed again after {waited:?}, told {told:?}"
        );
        assert!(
            waited < told * 2,
            "waited {waited:?}, far past the {told:?} told"
        );
    }
}

#[tokio::test]
async fn a_sync_after_a_crash_pushes_what_the_outbox_kept() {
    let server = FakeServer::start().await;
    let (dir, mut alice) = phone(&server, 3, 30).await;
    let id = alice.create(&named("Aiko")).await.unwrap();
    drop(alice);
    let mut alice = Replica::open(dir.path().join("replica.db")).await.unwrap();
    sync_once(&mut alice, &options()).await.unwrap();
    assert_eq!(server.contact(id).unwrap().name.given, "Aiko");
    assert_eq!(alice.status().await.unwrap().pending, 0);
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_and_the_new_pair_stored() {
    let server = FakeServer::start().await;
    let (dir, mut alice) = phone(&server, 3, 30).await;
    let before = alice.account().await.unwrap().unwrap().tokens;
    server.expire(&before.access_token);

    alice.create(&named("Aiko")).await.unwrap();
    sync_once(&mut alice, &options()).await.unwrap();

    assert_eq!(server.refreshes(), 1);
    assert!(
        !server.refresh_token_valid(&before.refresh_token),
        "the old one was spent"
    );
    drop(alice);
    let mut reopened = Replica::open(dir.path().join("replica.db")).await.unwrap();
    let after = reopened.account().await.unwrap().unwrap().tokens;
    assert_ne!(after.access_token, before.access_token);
    assert!(
        server.refresh_token_valid(&after.refresh_token),
        "the new pair was stored"
    );
    assert_eq!(reopened.status().await.unwrap().pending, 0);
}

#[tokio::test]
async fn a_refused_refresh_token_means_signed_out() {
    let server = FakeServer::start().await;
    let (_dir, mut alice) = phone(&server, 3, 30).await;
    let tokens = alice.account().await.unwrap().unwrap().tokens;
    server.expire(&tokens.access_token);
    // Another device spent the refresh token (or it was revoked).
    let mut spent = server.login(3, 30);
    spent.tokens.refresh_token = tokens.refresh_token.clone();
    let (_other, mut thief) = {
        let dir = tempfile::tempdir().unwrap();
        let mut replica = Replica::open(dir.path().join("replica.db")).await.unwrap();
        spent.tokens.access_token = tokens.access_token.clone();
        replica.sign_in(spent).await.unwrap();
        (dir, replica)
    };
    sync_once(&mut thief, &options()).await.unwrap();

    let result = sync_once(&mut alice, &options()).await;
    assert!(matches!(result, Err(Error::SignedOut { .. })), "{result:?}");
}

#[tokio::test]
async fn live_sync_applies_a_colleagues_edit_and_survives_cuts_and_token_expiry() {
    let server = FakeServer::start().await;
    let (_a, mut alice) = phone(&server, 3, 30).await;
    let (bob_dir, bob) = phone(&server, 4, 40).await;

    let (events_tx, mut events) = mpsc::unbounded_channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let live = tokio::spawn(async move {
        let mut bob = bob;
        let result = run_live(
            &mut bob,
            &options(),
            move |event| {
                let _ = events_tx.send(event);
            },
            async {
                let _ = stopped.await;
            },
        )
        .await;
        (bob, result)
    });
    wait_for(&mut events, |e| matches!(e, SyncEvent::CaughtUp { .. })).await;

    // A colleague's new contact arrives live.
    let id = alice.create(&named("Aiko")).await.unwrap();
    sync_once(&mut alice, &options()).await.unwrap();
    let head = server.head();
    wait_for(
        &mut events,
        |e| matches!(e, SyncEvent::Advanced { cursor } if *cursor >= head),
    )
    .await;

    // The link drops: the driver reconnects by itself.
    server.cut_connections();
    wait_for(&mut events, |e| matches!(e, SyncEvent::Disconnected { .. })).await;
    wait_for(&mut events, |e| matches!(e, SyncEvent::CaughtUp { .. })).await;

    // The token runs out mid-session: refreshed, reconnected.
    let refreshes = server.refreshes();
    server.expire_all_sessions();
    wait_for(&mut events, |e| matches!(e, SyncEvent::Connected { .. })).await;
    assert!(server.refreshes() > refreshes);

    // An edit made by another process on Bob's replica file is pushed by the live sync.
    let mut terminal = Replica::open(bob_dir.path().join("replica.db"))
        .await
        .unwrap();
    terminal
        .edit(id, |c| c.name.family = "Sato".into())
        .await
        .unwrap();
    let pushed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let SyncEvent::Advanced { .. } = events.recv().await.unwrap()
                && server.contact(id).unwrap().name.family == "Sato"
            {
                return;
            }
        }
    })
    .await;
    assert!(
        pushed.is_ok(),
        "the other process's edit reached the server"
    );

    stop.send(()).unwrap();
    let (mut bob, result) = live.await.unwrap();
    result.unwrap();
    let contact = bob.contact(id).await.unwrap().unwrap();
    assert_eq!(contact.display_name(), "Aiko Sato");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rolo_cli_syncs_once_and_reports_its_status() {
    let server = FakeServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let mut replica = Replica::open(home.path().join("replica.db")).await.unwrap();
    replica.sign_in(server.login(3, 30)).await.unwrap();
    replica.close().await.unwrap();

    let home_path = home.path().to_path_buf();
    let run = move |args: &'static [&'static str]| {
        let home = home_path.clone();
        tokio::task::spawn_blocking(move || {
            let output = std::process::Command::new(env!("CARGO_BIN_EXE_rolo"))
                .arg("--home")
                .arg(&home)
                .args(args)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
            assert!(output.status.success(), "rolo {args:?}: {stderr}");
            String::from_utf8_lossy(&output.stdout).into_owned()
        })
    };
    let id = run(&["add", "--given", "Aiko", "--phone", "03-1234-5678"])
        .await
        .unwrap();
    let id: sync_core::ids::ContactId = id.trim().parse().unwrap();
    let synced = run(&["sync"]).await.unwrap();
    assert!(synced.contains("synced; cursor"), "{synced}");
    assert_eq!(server.contact(id).unwrap().phones[0].e164, "+81312345678");

    let status: serde_json::Value =
        serde_json::from_str(&run(&["status", "--json"]).await.unwrap()).unwrap();
    assert_eq!(status["pending"], 0);
    assert_eq!(status["cursor"], server.head());
    assert!(status["last_sync_ms"].is_i64());
    assert_eq!(
        status["member"],
        sync_core::ids::MemberId::from_u128(3).to_string()
    );
}
