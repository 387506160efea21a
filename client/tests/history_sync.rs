//! History, reverts and the activity log across two devices, over real sockets against the
//! stand-in server (`support`): offline edits of two phones are two revisions naming their
//! phones, a reverted field reaches the other phone, an activity entry logged offline arrives
//! elsewhere, and the member list each sync fetches names who made each revision.

mod support;

use std::time::Duration;

use client::{ContactFilter, Replica, SyncOptions, sync_once};
use support::FakeServer;
use sync_core::contact::{ActivityKind, Contact};
use sync_core::history::{Event, HistoryOptions};
use sync_core::ids::{DeviceId, MemberId};

fn options() -> SyncOptions {
    SyncOptions {
        tick: Duration::from_millis(50),
        ..SyncOptions::default()
    }
}

async fn phone(server: &FakeServer, member: u128, device: u128) -> (tempfile::TempDir, Replica) {
    let dir = tempfile::tempdir().unwrap();
    let mut replica = Replica::open(dir.path().join("replica.db")).await.unwrap();
    replica.sign_in(server.login(member, device)).await.unwrap();
    (dir, replica)
}

async fn sync(replica: &mut Replica) {
    sync_once(replica, &options()).await.unwrap();
}

#[tokio::test]
async fn two_phones_offline_edits_are_two_revisions_and_a_revert_reaches_the_other() {
    let server = FakeServer::start().await;
    server.set_members(&[(MemberId::from_u128(3), "aiko@kita.example", "Aiko")]);
    let (_a, mut phone_a) = phone(&server, 3, 30).await;
    let (_b, mut phone_b) = phone(&server, 3, 40).await;

    let mut hiro = Contact::default();
    hiro.name.given = "Hiro".into();
    let id = phone_a.create(&hiro).await.unwrap();
    sync(&mut phone_a).await;
    sync(&mut phone_b).await;

    phone_a
        .edit(id, |c| c.name.family = "Tanaka".into())
        .await
        .unwrap();
    phone_b
        .edit(id, |c| c.name.given = "Hiroshi".into())
        .await
        .unwrap();
    sync(&mut phone_a).await;
    sync(&mut phone_b).await;
    sync(&mut phone_a).await;

    let page = phone_a
        .history(id, &HistoryOptions::default())
        .await
        .unwrap();
    let edits: Vec<_> = page
        .revisions
        .iter()
        .filter(|r| r.event == Event::Edited)
        .collect();
    assert_eq!(edits.len(), 2);
    let device_of = |path: &str| {
        edits
            .iter()
            .find(|r| r.changes.iter().any(|c| c.path == path))
            .and_then(|r| r.attribution.as_ref())
            .and_then(|by| by.device)
    };
    assert_eq!(device_of("name.family"), Some(DeviceId::from_u128(30)));
    assert_eq!(device_of("name.given"), Some(DeviceId::from_u128(40)));
    let members = phone_a.members().await.unwrap();
    assert_eq!(members.len(), 1, "the member list came with the sync");
    assert_eq!(members[0].name, "Aiko");

    // Phone A puts the given name back as it was added; phone B gets the revert.
    let added = page.revisions.last().unwrap().hash;
    assert!(phone_a.revert(id, added, Some("name.given")).await.unwrap());
    sync(&mut phone_a).await;
    sync(&mut phone_b).await;
    let contact = phone_b.contact(id).await.unwrap().unwrap();
    assert_eq!(
        (contact.name.given.as_str(), contact.name.family.as_str()),
        ("Hiro", "Tanaka")
    );
    let found = phone_b
        .search(&ContactFilter {
            text: "hiro tanaka".into(),
            ..ContactFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        found.len(),
        1,
        "phone B's list follows what the sync brought"
    );
    assert_eq!(found[0].owner, Some(MemberId::from_u128(3)));
}

#[tokio::test]
async fn activity_logged_offline_on_one_phone_arrives_on_another() {
    let server = FakeServer::start().await;
    let (_a, mut phone_a) = phone(&server, 3, 30).await;
    let (_b, mut phone_b) = phone(&server, 4, 40).await;
    let mut hiro = Contact::default();
    hiro.name.given = "Hiro".into();
    let id = phone_a.create(&hiro).await.unwrap();
    sync(&mut phone_a).await;
    sync(&mut phone_b).await;

    phone_a
        .log_activity(id, ActivityKind::Meeting, "agreed the spring order", None)
        .await
        .unwrap();
    phone_b
        .log_activity(id, ActivityKind::Call, "confirmed delivery", None)
        .await
        .unwrap();
    sync(&mut phone_a).await;
    sync(&mut phone_b).await;
    sync(&mut phone_a).await;
    for replica in [&mut phone_a, &mut phone_b] {
        let contact = replica.contact(id).await.unwrap().unwrap();
        let mut by: Vec<&str> = contact.activity.iter().map(|a| a.by.as_str()).collect();
        by.sort();
        assert_eq!(
            by,
            [
                MemberId::from_u128(3).to_string(),
                MemberId::from_u128(4).to_string()
            ]
        );
    }
    assert!(
        server.member_lists() >= 5,
        "every sync fetched the member list"
    );
}
