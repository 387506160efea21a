//! Business cards on the device: scans queue offline and survive a crash, the next sync
//! uploads them (refusals kept, hiccups retried), drafts arrive over the socket and are kept,
//! and the rep's review turns them into contacts, pushed like any edit and reported done.
//! The server is the stand-in in `support`; the real one is driven from the `tests/` crate.

mod support;

use std::time::Duration;

use client::{CardState, Error, Event, Replica, SyncEvent, SyncOptions, run_live, sync_once};
use sqlx::{Connection, SqliteConnection};
use support::FakeServer;
use sync_core::card::{Field, FieldKind, ReviewError, Source};
use sync_core::contact::{CardSide, Contact, Phone};
use sync_core::ids::{CardId, ItemId};
use tokio::sync::{mpsc, oneshot};

/// A JPEG as far as anyone checking its first bytes can tell.
fn jpeg(tag: u8, size: usize) -> Vec<u8> {
    let mut bytes = vec![tag; size.max(4)];
    bytes[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
    bytes
}

fn field(kind: FieldKind, label: &str, value: &str) -> Field {
    Field {
        kind,
        label: label.into(),
        value: value.into(),
        raw: value.into(),
        confidence: 0.93,
        source: Source::Ocr,
        bbox: None,
        problem: None,
    }
}

/// What the stand-in server "reads" from Mara's card.
fn maras_card() -> Vec<Field> {
    vec![
        field(FieldKind::GivenName, "", "Mara"),
        field(FieldKind::FamilyName, "", "Lindqvist"),
        field(FieldKind::Email, "", "mara@nordkap.example"),
        field(FieldKind::Phone, "work", "+4681234567"),
        field(FieldKind::Phone, "mobile", "+46701234567"),
    ]
}

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

async fn phone(server: &FakeServer) -> (tempfile::TempDir, Replica) {
    let dir = tempfile::tempdir().unwrap();
    let mut replica = Replica::open(dir.path().join("replica.db")).await.unwrap();
    replica.sign_in(server.login(3, 30)).await.unwrap();
    (dir, replica)
}

async fn state(replica: &mut Replica, card: CardId) -> CardState {
    replica.card(card).await.unwrap().expect("the card").state
}

/// Scans Mara's card, uploads it, has the server read it and syncs the draft down.
async fn ready_card(server: &FakeServer, replica: &mut Replica) -> CardId {
    let card = replica.scan_card(jpeg(1, 2000), None).await.unwrap();
    sync_once(replica, &options()).await.unwrap();
    server.finish_reading(card, maras_card());
    sync_once(replica, &options()).await.unwrap();
    assert_eq!(state(replica, card).await, CardState::Ready);
    card
}

#[tokio::test]
async fn a_scan_is_queued_offline_and_its_photos_survive_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replica.db");
    let mut replica = Replica::open(&path).await.unwrap();
    let card = replica
        .scan_card(jpeg(1, 5000), Some(jpeg(2, 3000)))
        .await
        .unwrap();
    drop(replica); // no close, never signed in, no network

    let mut replica = Replica::open(&path).await.unwrap();
    let cards = replica.cards().await.unwrap();
    assert_eq!(cards.len(), 1);
    assert_eq!((cards[0].id, &cards[0].state), (card, &CardState::Queued));
    assert!(cards[0].draft.is_none());
    let mut raw = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let (front, back): (i64, i64) =
        sqlx::query_as("SELECT length(front), length(back) FROM card_uploads")
            .fetch_one(&mut raw)
            .await
            .unwrap();
    assert_eq!((front, back), (5000, 3000));
}

#[tokio::test]
async fn a_photo_the_server_would_refuse_is_refused_at_once_naming_its_side() {
    let dir = tempfile::tempdir().unwrap();
    let mut replica = Replica::open(dir.path().join("replica.db")).await.unwrap();
    let not_image = replica.scan_card(b"%PDF-1.7".to_vec(), None).await;
    assert!(
        matches!(not_image, Err(Error::PhotoNotImage { side: "front" })),
        "{not_image:?}"
    );
    let huge = jpeg(2, 10 * 1024 * 1024 + 1);
    let too_large = replica.scan_card(jpeg(1, 100), Some(huge)).await;
    let message = too_large.as_ref().unwrap_err().to_string();
    assert!(
        matches!(too_large, Err(Error::PhotoTooLarge { side: "back", .. })),
        "{message}"
    );
    assert!(
        message.contains("back photo") && message.contains("10 MB"),
        "{message}"
    );
    assert!(replica.cards().await.unwrap().is_empty(), "nothing queued");
}

#[tokio::test]
async fn a_card_not_read_yet_cannot_be_saved_but_can_be_dismissed() {
    let dir = tempfile::tempdir().unwrap();
    let mut replica = Replica::open(dir.path().join("replica.db")).await.unwrap();
    let card = replica.scan_card(jpeg(1, 100), None).await.unwrap();
    let early = replica.save_card(card, None, None).await;
    assert!(
        matches!(
            early,
            Err(Error::CardNotReady {
                state: "queued",
                ..
            })
        ),
        "{early:?}"
    );
    replica.dismiss_card(card).await.unwrap();
    assert!(
        replica.cards().await.unwrap().is_empty(),
        "its photos are gone"
    );
    assert!(matches!(
        replica.dismiss_card(card).await,
        Err(Error::UnknownCard(_))
    ));
}

#[tokio::test]
async fn a_scanned_card_is_uploaded_at_the_next_sync_and_its_draft_kept_for_review() {
    let server = FakeServer::start().await;
    let (dir, mut replica) = phone(&server).await;
    let card = replica
        .scan_card(jpeg(1, 4000), Some(jpeg(2, 1000)))
        .await
        .unwrap();

    let report = sync_once(&mut replica, &options()).await.unwrap();
    assert_eq!(report.cards, [Event::CardUploaded(card)]);
    assert_eq!(
        server.uploaded(card),
        Some((jpeg(1, 4000), Some(jpeg(2, 1000))))
    );
    assert_eq!(state(&mut replica, card).await, CardState::Reading);

    // The reading finishes while the phone is away; the draft comes after the next welcome.
    server.finish_reading(card, maras_card());
    let report = sync_once(&mut replica, &options()).await.unwrap();
    // One sync is enough, whether the draft came over HTTP or also as a frame.
    assert!(
        !report.cards.is_empty()
            && report
                .cards
                .iter()
                .all(|event| matches!(event, Event::CardDraft(draft) if draft.card == card)),
        "{:?}",
        report.cards
    );
    drop(replica);
    let mut replica = Replica::open(dir.path().join("replica.db")).await.unwrap();
    let stored = replica.card(card).await.unwrap().unwrap();
    assert_eq!(stored.state, CardState::Ready);
    let draft = stored.draft.expect("the draft is kept");
    assert_eq!(draft.fields, maras_card());
    assert_eq!(draft.images.len(), 2);
    assert_eq!(
        server.upload_requests(),
        1,
        "an uploaded card is not sent again"
    );
}

#[tokio::test]
async fn saving_a_draft_makes_a_contact_with_the_card_photos_and_reports_the_card_done() {
    let server = FakeServer::start().await;
    let (_dir, mut replica) = phone(&server).await;
    let card = ready_card(&server, &mut replica).await;

    // The rep rejects the misread mobile number (field 4).
    let id = replica
        .save_card(card, None, Some(&[0, 1, 2, 3]))
        .await
        .unwrap();
    let contact = replica.contact(id).await.unwrap().unwrap();
    assert_eq!(contact.display_name(), "Mara Lindqvist");
    let phones: Vec<&str> = contact.phones.iter().map(|p| p.e164.as_str()).collect();
    assert_eq!(phones, ["+4681234567"]);
    assert_eq!(contact.card_images.len(), 1);
    assert_eq!(contact.card_images[0].side, CardSide::Front);
    assert_eq!(state(&mut replica, card).await, CardState::Saved(id));
    assert!(matches!(
        replica.save_card(card, None, None).await,
        Err(Error::CardResolved { state: "saved", .. })
    ));

    sync_once(&mut replica, &options()).await.unwrap();
    let at_server = server.contact(id).expect("the contact was pushed");
    assert_eq!(at_server.card_images, contact.card_images);
    assert_eq!(server.done_reports(), [card]);
    assert!(replica.card(card).await.unwrap().unwrap().done_reported);
    sync_once(&mut replica, &options()).await.unwrap();
    assert_eq!(server.done_reports(), [card], "reported once");
}

#[tokio::test]
async fn a_number_that_did_not_validate_is_refused_on_save_until_fixed() {
    let server = FakeServer::start().await;
    let (_dir, mut replica) = phone(&server).await;
    let card = replica.scan_card(jpeg(2, 2000), None).await.unwrap();
    sync_once(&mut replica, &options()).await.unwrap();
    let mut fields = maras_card();
    // Field 5: printed in a form that does not validate, kept as printed with the reason.
    fields.push(Field {
        confidence: 0.28,
        problem: Some("is not a valid phone number in SE".into()),
        ..field(FieldKind::Phone, "fax", "08-12")
    });
    server.finish_reading(card, fields);
    sync_once(&mut replica, &options()).await.unwrap();
    let draft = replica.card(card).await.unwrap().unwrap().draft.unwrap();
    assert_eq!(
        draft.fields[5].value, "08-12",
        "the review shows it as printed"
    );
    assert_eq!(
        draft.fields[5].problem.as_deref(),
        Some("is not a valid phone number in SE")
    );

    let refused = replica.save_card(card, None, None).await;
    assert!(
        matches!(
            &refused,
            Err(Error::CardFieldToFix {
                source: ReviewError::PhoneNotChecked { index: 5, .. },
                ..
            })
        ),
        "{refused:?}"
    );
    assert_eq!(
        state(&mut replica, card).await,
        CardState::Ready,
        "nothing saved"
    );
    let still_wrong = replica
        .save_card_fixed(card, None, None, &[(5, "08-12".into())])
        .await;
    assert!(
        matches!(still_wrong, Err(Error::CardFixInvalid { index: 5, .. })),
        "{still_wrong:?}"
    );

    let id = replica
        .save_card_fixed(card, None, None, &[(5, "+46 8-123 45 68".into())])
        .await
        .unwrap();
    let contact = replica.contact(id).await.unwrap().unwrap();
    let phones: Vec<(&str, &str)> = contact
        .phones
        .iter()
        .map(|p| (p.label.as_str(), p.e164.as_str()))
        .collect();
    assert_eq!(
        phones,
        [
            ("work", "+4681234567"),
            ("mobile", "+46701234567"),
            ("fax", "+4681234568")
        ]
    );
}

#[tokio::test]
async fn scanning_into_an_existing_contact_adds_below_its_values_and_replaces_nothing() {
    let server = FakeServer::start().await;
    let (_dir, mut replica) = phone(&server).await;
    let mut known = Contact::default();
    known.name.given = "M.".into();
    known.phones.push(Phone {
        id: ItemId::from("p1"),
        label: "work".into(),
        e164: "+4681234567".into(),
        raw: "08-123 45 67".into(),
    });
    let id = replica.create(&known).await.unwrap();
    let card = ready_card(&server, &mut replica).await;

    let draft = replica.card(card).await.unwrap().unwrap().draft.unwrap();
    let hint = replica.card_duplicates(&draft).await.unwrap();
    assert_eq!(hint.len(), 1);
    assert_eq!(
        (hint[0].contact, hint[0].same.as_slice()),
        (id, &["phone +4681234567".to_string()][..])
    );

    assert_eq!(replica.save_card(card, Some(id), None).await.unwrap(), id);
    let merged = replica.contact(id).await.unwrap().unwrap();
    assert_eq!(merged.name.given, "M.", "a typed name is never replaced");
    assert_eq!(merged.name.family, "Lindqvist", "an empty one is filled");
    let phones: Vec<&str> = merged.phones.iter().map(|p| p.e164.as_str()).collect();
    assert_eq!(phones, ["+4681234567", "+46701234567"]);
    assert_eq!(merged.phones[0].raw, "08-123 45 67");
    assert_eq!(merged.emails[0].address, "mara@nordkap.example");
    assert_eq!(merged.card_images.len(), 1);
}

#[tokio::test]
async fn a_photo_the_server_refuses_is_kept_as_refused_and_never_sent_again() {
    let server = FakeServer::start().await;
    let (_dir, mut replica) = phone(&server).await;
    let card = replica.scan_card(jpeg(1, 100), None).await.unwrap();
    server.refuse_uploads(Some((415, "photo_not_image")));

    let report = sync_once(&mut replica, &options()).await.unwrap();
    assert!(
        matches!(report.cards.as_slice(), [Event::CardRefused { code, .. }] if code == "photo_not_image"),
        "{:?}",
        report.cards
    );
    let refused = replica.card(card).await.unwrap().unwrap();
    assert_eq!(
        refused.state,
        CardState::Refused {
            code: "photo_not_image".into()
        }
    );
    assert!(refused.last_error.unwrap().contains("photo_not_image"));

    server.refuse_uploads(None);
    sync_once(&mut replica, &options()).await.unwrap();
    assert_eq!(server.upload_requests(), 1);
    replica.dismiss_card(card).await.unwrap();
    assert!(replica.cards().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_server_error_keeps_the_card_queued_and_contacts_still_sync() {
    let server = FakeServer::start().await;
    let (_dir, mut replica) = phone(&server).await;
    let card = replica.scan_card(jpeg(1, 100), None).await.unwrap();
    let mut contact = Contact::default();
    contact.name.given = "Aiko".into();
    let aiko = replica.create(&contact).await.unwrap();
    server.refuse_uploads(Some((503, "unavailable")));

    sync_once(&mut replica, &options()).await.unwrap();
    assert!(server.contact(aiko).is_some(), "the contact went up anyway");
    let waiting = replica.card(card).await.unwrap().unwrap();
    assert_eq!(waiting.state, CardState::Queued);
    assert_eq!(waiting.upload_attempts, 1);
    assert!(waiting.last_error.unwrap().contains("unavailable"));

    server.refuse_uploads(None);
    sync_once(&mut replica, &options()).await.unwrap();
    assert_eq!(state(&mut replica, card).await, CardState::Reading);
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_the_upload_retried() {
    let server = FakeServer::start().await;
    let (_dir, mut replica) = phone(&server).await;
    let token = replica
        .account()
        .await
        .unwrap()
        .unwrap()
        .tokens
        .access_token;
    server.expire(&token);
    let card = replica.scan_card(jpeg(1, 100), None).await.unwrap();

    sync_once(&mut replica, &options()).await.unwrap();
    assert_eq!(server.refreshes(), 1);
    assert_eq!(state(&mut replica, card).await, CardState::Reading);
}

#[tokio::test]
async fn a_live_sync_uploads_a_card_scanned_in_another_process_and_receives_its_draft() {
    let server = FakeServer::start().await;
    let (dir, mut live) = phone(&server).await;
    let (events, mut received) = mpsc::unbounded_channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        let observer = move |event| {
            let _ = events.send(event);
        };
        run_live(&mut live, &options(), observer, async {
            let _ = stopped.await;
        })
        .await
    });
    wait_for(&mut received, |e| matches!(e, SyncEvent::CaughtUp { .. })).await;

    // `rolo card scan` in another terminal, on the same file.
    let mut other = Replica::open(dir.path().join("replica.db")).await.unwrap();
    let card = other.scan_card(jpeg(1, 100), None).await.unwrap();
    wait_for(
        &mut received,
        |e| matches!(e, SyncEvent::Replica(Event::CardUploaded(c)) if *c == card),
    )
    .await;
    server.finish_reading(card, maras_card());
    wait_for(
        &mut received,
        |e| matches!(e, SyncEvent::Replica(Event::CardDraft(d)) if d.card == card),
    )
    .await;
    assert_eq!(state(&mut other, card).await, CardState::Ready);

    stop.send(()).unwrap();
    running.await.unwrap().unwrap();
}

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
