//! Graceful shutdown: a push the server read before it was told to stop is committed and
//! acknowledged before the socket closes; one it had not read yet is neither stored nor
//! acknowledged, and the device pushes it again after the restart. Never an edit stored
//! that its device can't learn about.

use std::time::Duration;

use sync_core::contact::Contact;
use sync_core::ids::ContactId;
use tests::{TestServer, WireDevice, login, signup};

const PASSWORD: &str = "correct horse battery";
const QUIET: Duration = Duration::from_millis(200);

fn contact(n: u128) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = format!("Customer {n}");
    contact
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutting_down_mid_push_acknowledges_what_it_committed_and_stores_nothing_unannounced() {
    let database = server::testing::fresh_database().await.unwrap();
    let first = TestServer::postgres(&database).await.unwrap();
    let owner = signup(&first, "Closing Co", "owner@closing.example", PASSWORD)
        .await
        .unwrap();
    let mut phone = WireDevice::connect(&first, &owner, [1; 16]).await.unwrap();
    phone.settle(QUIET).await.unwrap();
    // The first contact goes up alone; the rest queue behind it and go up as one push the
    // moment its ack arrives.
    let total = 300u128;
    for n in 0..total {
        let effects = phone
            .replica
            .create(ContactId::from_u128(n + 1), &contact(n))
            .unwrap();
        phone.apply(effects).await.unwrap();
    }
    while phone.acknowledged.is_empty() {
        phone.step(Duration::from_secs(5)).await.unwrap();
    }
    assert!(phone.replica.pending() > 0, "a second push is on its way");
    let acknowledged_before_shutdown = phone.acknowledged.len();
    // Shut down while that push is in flight, and keep reading until the server closes.
    let stopping = tokio::spawn(first.stop());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while tokio::time::Instant::now() < deadline {
        if phone.step(Duration::from_millis(100)).await.is_err() {
            break;
        }
    }
    stopping.await.unwrap().expect("the server stopped cleanly");
    phone.disconnect().await;
    let acknowledged = phone.acknowledged.clone();
    println!(
        "acknowledged before shutdown {acknowledged_before_shutdown}, by the time the socket \
         closed {} of {total}",
        acknowledged.len()
    );

    let second = TestServer::postgres(&database).await.unwrap();
    // Before the phone comes back: what the server holds is exactly what it acknowledged.
    let tablet = login(&second, "owner@closing.example", PASSWORD, "tablet")
        .await
        .unwrap();
    let mut reader = WireDevice::connect(&second, &tablet, [2; 16])
        .await
        .unwrap();
    reader.settle(QUIET).await.unwrap();
    let stored = reader.replica.contact_ids().count();
    assert_eq!(
        stored,
        acknowledged.len(),
        "every stored contact was acknowledged to the phone, and every acknowledged one stored"
    );
    for hash in &acknowledged {
        assert!(
            reader.holds_change(hash),
            "acknowledged change {hash} survived the shutdown"
        );
    }
    // The phone pushes what was never acknowledged; nothing is applied twice.
    phone.reconnect(&second, &owner).await.unwrap();
    phone.settle(QUIET).await.unwrap();
    assert_eq!(phone.replica.pending(), 0, "everything is acknowledged now");
    let laptop = login(&second, "owner@closing.example", PASSWORD, "laptop")
        .await
        .unwrap();
    let mut late = WireDevice::connect(&second, &laptop, [3; 16])
        .await
        .unwrap();
    late.settle(QUIET).await.unwrap();
    assert_eq!(late.replica.contact_ids().count() as u128, total);
    assert_eq!(
        u128::from(late.replica.cursor()),
        total,
        "one feed row per contact: nothing stored twice"
    );
    second.stop().await.unwrap();
}
