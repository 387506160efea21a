//! Faults: the server killed with `kill -9` in the middle of pushes; two server nodes on one
//! Postgres delivering each other's edits live.

use std::time::Duration;

use sync_core::contact::Contact;
use sync_core::ids::ContactId;
use tests::{ChildServer, TestServer, WireDevice, login, signup};

const PASSWORD: &str = "correct horse battery";
const QUIET: Duration = Duration::from_millis(200);

fn contact(n: u128) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = format!("Customer {n}");
    contact
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_during_pushes_loses_no_acknowledged_edit_and_applies_nothing_twice() {
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", data.path().join("rolo.db").display());
    let first = ChildServer::start(&url).await.unwrap();
    let handle = first.as_test_server();
    let owner = signup(&handle, "Crash Co", "owner@crash.example", PASSWORD)
        .await
        .unwrap();
    let mut phone = WireDevice::connect(&handle, &owner, [1; 16]).await.unwrap();
    phone.settle(QUIET).await.unwrap();
    let total = 400u128;
    for n in 0..total {
        let effects = phone
            .replica
            .create(ContactId::from_u128(n + 1), &contact(n))
            .unwrap();
        phone.apply(effects).await.unwrap();
        // Take whatever acks have arrived, without waiting.
        while let Ok(Some(_)) = phone.step(Duration::from_millis(1)).await {}
        if n == total / 2 {
            break;
        }
    }
    let acknowledged_before_crash = phone.acknowledged.clone();
    assert!(
        !acknowledged_before_crash.is_empty(),
        "some pushes were acknowledged before the crash"
    );
    first.kill().unwrap();
    phone.disconnect().await;
    // More edits while the server is down.
    for n in total / 2 + 1..total {
        let effects = phone
            .replica
            .create(ContactId::from_u128(n + 1), &contact(n))
            .unwrap();
        phone.apply(effects).await.unwrap();
    }
    let second = ChildServer::start(&url).await.unwrap();
    let handle = second.as_test_server();
    phone.reconnect(&handle, &owner).await.unwrap();
    phone.settle(QUIET).await.unwrap();
    assert_eq!(
        phone.replica.pending(),
        0,
        "everything was pushed and acknowledged after the restart"
    );
    // A new device sees every contact exactly once, and the feed has one row per contact:
    // nothing was applied twice.
    let tablet = login(&handle, "owner@crash.example", PASSWORD, "tablet")
        .await
        .unwrap();
    let mut reader = WireDevice::connect(&handle, &tablet, [2; 16])
        .await
        .unwrap();
    reader.settle(QUIET).await.unwrap();
    assert_eq!(reader.replica.contact_ids().count() as u128, total);
    assert_eq!(
        u128::from(reader.replica.cursor()),
        total,
        "one feed row per created contact"
    );
    for hash in &acknowledged_before_crash {
        assert!(
            reader.holds_change(hash),
            "acknowledged change {hash} survived the crash"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_postgres_deliver_each_others_edits_live() {
    let database = server::testing::fresh_database().await.unwrap();
    let node_a = TestServer::postgres(&database).await.unwrap();
    let node_b = TestServer::postgres(&database).await.unwrap();
    let owner = signup(&node_a, "Cluster Co", "owner@cluster.example", PASSWORD)
        .await
        .unwrap();
    let other = login(
        &node_b,
        "owner@cluster.example",
        PASSWORD,
        "phone on node b",
    )
    .await
    .unwrap();
    let mut on_a = WireDevice::connect(&node_a, &owner, [3; 16]).await.unwrap();
    let mut on_b = WireDevice::connect(&node_b, &other, [4; 16]).await.unwrap();
    on_a.settle(QUIET).await.unwrap();
    on_b.settle(QUIET).await.unwrap();
    delivered_live(&mut on_a, &mut on_b, ContactId::from_u128(1)).await;
    delivered_live(&mut on_b, &mut on_a, ContactId::from_u128(2)).await;
    node_a.stop().await.unwrap();
    node_b.stop().await.unwrap();
}

/// `writer` creates contact `id`; `reader`, only listening, must receive it within seconds.
async fn delivered_live(writer: &mut WireDevice, reader: &mut WireDevice, id: ContactId) {
    let effects = writer.replica.create(id, &contact(1)).unwrap();
    writer.apply(effects).await.unwrap();
    writer.settle(QUIET).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while reader.replica.contact(id).is_none() && tokio::time::Instant::now() < deadline {
        reader.step(Duration::from_millis(100)).await.unwrap();
    }
    assert!(
        reader.replica.contact(id).is_some(),
        "the other node delivered {id} live"
    );
}
