//! Business cards: one card per upload however often retried, leases that keep two workers
//! off one card and hand a dead worker's card to another, backoff, outcomes stored once, and
//! the duplicate lookup.

use std::collections::HashSet;

use server::store::Store;
use server::store::cards::{CardJob, CardOutcome, CardReading, NewBlob, NewCard};
use sync_core::access::Viewer;
use sync_core::card::{BBox, CardError, CardStatus, Field, FieldKind, Source};
use sync_core::contact::{BlobRef, CardImage, CardSide, Contact, Email, Phone as PhoneItem};
use sync_core::ids::{CardId, DeviceId, ItemId};

use super::support::{Backend, Phone, accepted, contact, push, team};

fn card(n: u128) -> CardId {
    CardId::from_u128(n)
}

fn new_card(n: u128, member: sync_core::ids::MemberId, device: DeviceId, now_ms: i64) -> NewCard {
    NewCard {
        card: card(n),
        member,
        device,
        front: vec![0xff, 0xd8, n as u8],
        back: n.is_multiple_of(2).then(|| vec![0x89, b'P', n as u8]),
        now_ms,
    }
}

fn error(code: &str) -> CardError {
    CardError {
        code: code.into(),
        message: format!("{code} happened"),
    }
}

/// A reading with one email and one stored image, as a worker would produce.
fn read_outcome() -> (CardOutcome, String) {
    let sha256 = "ab".repeat(32);
    let reading = CardReading {
        fields: vec![Field {
            kind: FieldKind::Email,
            label: String::new(),
            value: "mara@nordkap.example".into(),
            raw: "mara@nordkap.example".into(),
            confidence: 0.9,
            source: Source::Ocr,
            bbox: Some(BBox {
                x: 1,
                y: 2,
                width: 3,
                height: 4,
            }),
            problem: None,
        }],
        region: Some("SE".into()),
        images: vec![CardImage {
            id: ItemId::from("front"),
            side: CardSide::Front,
            blob: BlobRef {
                sha256: sha256.clone(),
                mime: "image/jpeg".into(),
                bytes: 3,
            },
        }],
        duplicates: vec![contact(9)],
    };
    let blobs = vec![NewBlob {
        sha256: sha256.clone(),
        mime: "image/jpeg".into(),
        data: vec![0xff, 0xd8, 0xd9],
    }];
    (CardOutcome::Read { reading, blobs }, sha256)
}

async fn device(store: &dyn Store, team: &super::support::Team) -> DeviceId {
    store
        .register_device(team.tenant, team.ana, "ana's phone")
        .await
        .unwrap()
}

pub async fn an_upload_is_one_card_however_often_it_is_retried(store: &dyn Store) {
    let team = team(store, "uploads").await;
    let phone = device(store, &team).await;
    let (first, created) = store
        .create_card(team.tenant, &new_card(1, team.ana, phone, 1_000))
        .await
        .unwrap();
    assert!(created);
    assert_eq!(first.status, CardStatus::Queued);
    assert_eq!((first.member, first.device), (team.ana, phone));
    let mut retried = new_card(1, team.ana, phone, 2_000);
    retried.front = b"other bytes".to_vec();
    let (again, created) = store.create_card(team.tenant, &retried).await.unwrap();
    assert!(!created, "a retried upload is the same card");
    assert_eq!(again, first);

    store
        .create_card(team.tenant, &new_card(2, team.ana, phone, 3_000))
        .await
        .unwrap();
    let listed: Vec<CardId> = store
        .cards_of(team.tenant, team.ana)
        .await
        .unwrap()
        .iter()
        .map(|record| record.card)
        .collect();
    assert_eq!(listed, [card(2), card(1)], "newest first");
    assert!(
        store
            .cards_of(team.tenant, team.ben)
            .await
            .unwrap()
            .is_empty()
    );
    let draft = first.draft();
    assert_eq!((draft.card, draft.status), (card(1), CardStatus::Queued));
    assert!(draft.fields.is_empty() && draft.error.is_none());

    // The worker gets the photos as first uploaded.
    let job = store.claim_card(5_000, 60_000).await.unwrap().unwrap();
    assert_eq!(job.card, card(1), "the oldest card first");
    assert_eq!(job.front, vec![0xff, 0xd8, 1]);
    assert_eq!(job.back, None);
}

pub async fn a_read_card_is_stored_once_and_offered_until_reviewed(store: &dyn Store) {
    let team = team(store, "reading").await;
    let phone = device(store, &team).await;
    store
        .create_card(team.tenant, &new_card(2, team.ana, phone, 1_000))
        .await
        .unwrap();
    let job = store.claim_card(1_000, 60_000).await.unwrap().unwrap();
    assert_eq!((job.card, job.attempts), (card(2), 1));
    assert_eq!(job.back, Some(vec![0x89, b'P', 2]));
    assert!(
        store.claim_card(1_001, 60_000).await.unwrap().is_none(),
        "a leased card is not claimed again"
    );
    assert_eq!(
        store
            .card(team.tenant, card(2))
            .await
            .unwrap()
            .unwrap()
            .status,
        CardStatus::Reading
    );

    let (outcome, sha256) = read_outcome();
    assert!(store.finish_card(&job, &outcome, 2_000).await.unwrap());
    assert!(
        !store.finish_card(&job, &outcome, 2_001).await.unwrap(),
        "an outcome is stored once"
    );
    let record = store.card(team.tenant, card(2)).await.unwrap().unwrap();
    assert_eq!(record.status, CardStatus::Ready);
    let CardOutcome::Read { reading, .. } = &outcome else {
        unreachable!()
    };
    assert_eq!(record.reading.as_ref(), Some(reading));
    assert_eq!(
        store
            .blob_for(team.tenant, team.ana, &sha256)
            .await
            .unwrap(),
        Some(("image/jpeg".to_string(), vec![0xff, 0xd8, 0xd9])),
        "the scanning member sees their card's image"
    );
    let other = super::support::team(store, "elsewhere").await;
    assert_eq!(
        store
            .blob_for(other.tenant, other.ana, &sha256)
            .await
            .unwrap(),
        None,
        "blobs are per tenant"
    );

    let to_review = store.cards_to_review(team.tenant, phone).await.unwrap();
    assert_eq!(to_review, vec![record.clone()]);
    let laptop = device(store, &team).await;
    assert!(
        store
            .cards_to_review(team.tenant, laptop)
            .await
            .unwrap()
            .is_empty(),
        "the draft goes to the device that scanned"
    );

    assert!(
        !store
            .card_done(team.tenant, team.ben, card(2), 3_000)
            .await
            .unwrap(),
        "only the scanning member reviews the card"
    );
    assert!(
        store
            .card_done(team.tenant, team.ana, card(2), 3_000)
            .await
            .unwrap()
    );
    assert!(
        store
            .card_done(team.tenant, team.ana, card(2), 3_001)
            .await
            .unwrap(),
        "reporting twice is fine"
    );
    assert_eq!(
        store
            .card(team.tenant, card(2))
            .await
            .unwrap()
            .unwrap()
            .status,
        CardStatus::Done
    );
    assert!(
        store
            .cards_to_review(team.tenant, phone)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn a_dead_workers_card_is_taken_again_and_retries_back_off(store: &dyn Store) {
    let team = team(store, "retries").await;
    let phone = device(store, &team).await;
    store
        .create_card(team.tenant, &new_card(3, team.ana, phone, 1_000))
        .await
        .unwrap();
    let first: CardJob = store.claim_card(1_000, 500).await.unwrap().unwrap();
    assert!(store.claim_card(1_499, 500).await.unwrap().is_none());
    // The first worker died: its lease runs out and another worker takes the card.
    let second = store.claim_card(1_501, 500).await.unwrap().unwrap();
    assert_eq!((second.card, second.attempts), (card(3), 2));
    assert!(
        !store
            .finish_card(&first, &read_outcome().0, 1_600)
            .await
            .unwrap(),
        "a worker that lost its lease stores nothing"
    );

    let retry = CardOutcome::Retry {
        error: error("read_timeout"),
        at_ms: 5_000,
    };
    assert!(store.finish_card(&second, &retry, 1_700).await.unwrap());
    let waiting = store.card(team.tenant, card(3)).await.unwrap().unwrap();
    assert_eq!(waiting.status, CardStatus::Queued);
    assert_eq!(waiting.draft().error, None, "a retry is not a failure yet");
    assert!(
        store.claim_card(4_999, 500).await.unwrap().is_none(),
        "not before its backoff"
    );
    let third = store.claim_card(5_000, 500).await.unwrap().unwrap();
    assert_eq!(
        third.front,
        vec![0xff, 0xd8, 3],
        "the photo is kept for the retry"
    );
    assert_eq!(third.attempts, 3);
    let failed = CardOutcome::Failed(error("reader_crashed"));
    assert!(store.finish_card(&third, &failed, 5_100).await.unwrap());
    let record = store.card(team.tenant, card(3)).await.unwrap().unwrap();
    assert_eq!(record.status, CardStatus::Failed);
    assert_eq!(record.draft().error, Some(error("reader_crashed")));
    assert_eq!(
        store.cards_to_review(team.tenant, phone).await.unwrap(),
        vec![record],
        "a failed card is reported to the device too"
    );
    assert!(store.claim_card(100_000, 500).await.unwrap().is_none());

    // Finished cards are forgotten once old enough; a card still waiting is never.
    store
        .create_card(team.tenant, &new_card(4, team.ana, phone, 6_000))
        .await
        .unwrap();
    assert_eq!(
        store.forget_cards(5_100).await.unwrap(),
        0,
        "not old enough"
    );
    assert_eq!(store.forget_cards(1_000_000).await.unwrap(), 1);
    assert!(store.card(team.tenant, card(3)).await.unwrap().is_none());
    assert!(store.card(team.tenant, card(4)).await.unwrap().is_some());
}

pub async fn contacts_sharing_an_email_or_phone_are_found(store: &dyn Store) {
    let team = team(store, "duplicates").await;
    let mut known = Contact::default();
    known.name.given = "Mara".into();
    known.emails.push(Email {
        id: ItemId::from("e"),
        label: "work".into(),
        address: "Mara@Nordkap.example".into(),
    });
    known.phones.push(PhoneItem {
        id: ItemId::from("p"),
        label: "mobile".into(),
        e164: "+46701234567".into(),
        raw: "070-123 45 67".into(),
    });
    let (_, created) = Phone::create_with(contact(1), 1, &known);
    let (_, other) = Phone::create(contact(2), 2, "Someone else");
    let results = store
        .commit(
            team.tenant,
            &Viewer::member_only(team.owner),
            &[push(contact(1), &[&created]), push(contact(2), &[&other])],
        )
        .await
        .unwrap();
    accepted(&results[0]);
    accepted(&results[1]);

    let find = |emails: &[&str], phones: &[&str]| {
        let emails: Vec<String> = emails.iter().map(|e| e.to_string()).collect();
        let phones: Vec<String> = phones.iter().map(|p| p.to_string()).collect();
        async move {
            store
                .contacts_sharing(team.tenant, &emails, &phones)
                .await
                .unwrap()
        }
    };
    assert_eq!(find(&["mara@nordkap.example"], &[]).await, [contact(1)]);
    assert_eq!(find(&[], &["+46701234567"]).await, [contact(1)]);
    assert_eq!(
        find(&["mara@nordkap.example"], &["+46701234567"]).await,
        [contact(1)],
        "found once"
    );
    assert!(
        find(&["ara@nordkap.example"], &["+4670123456"])
            .await
            .is_empty(),
        "whole values only"
    );
}

pub async fn two_nodes_never_claim_one_card_twice(backend: &Backend) {
    let (node_a, node_b) = (backend.open().await, backend.open().await);
    let team = team(node_a.as_ref(), "workers").await;
    let phone = device(node_a.as_ref(), &team).await;
    for n in 0..24 {
        node_a
            .create_card(team.tenant, &new_card(100 + n, team.ana, phone, 1_000))
            .await
            .unwrap();
    }
    let drain = |store: std::sync::Arc<dyn Store>| async move {
        let mut claimed = Vec::new();
        while let Some(job) = store.claim_card(2_000, 60_000).await.unwrap() {
            claimed.push(job.card);
        }
        claimed
    };
    let (a, b) = tokio::join!(
        tokio::spawn(drain(node_a.clone())),
        tokio::spawn(drain(node_b.clone()))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let all: HashSet<CardId> = a.iter().chain(&b).copied().collect();
    assert_eq!(a.len() + b.len(), 24, "no card claimed twice: {a:?} {b:?}");
    assert_eq!(all.len(), 24, "every card claimed");
}
