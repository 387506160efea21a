//! Business-card stories: a photo uploaded through the API is read by the server's worker (a
//! real child process running the real OCR models), the draft reaches the phone over sync,
//! and saving it makes a contact with the card image attached. Bad files are refused with an
//! error that names them, and the server carries on.

use std::time::Duration;

use sync_core::card::{CardStatus, FieldKind, attach_images, fields_to_contact};
use sync_core::contact::{Contact, Email};
use sync_core::ids::{ContactId, ItemId};
use sync_core::wire::Frame;
use tests::cards::{
    corrupt_png, fixture_card, new_card_id, png_declaring, upload_card, wait_for_draft,
};
use tests::{Account, ChildServer, TestServer, WireDevice, login, signup};

const QUIET: Duration = Duration::from_millis(150);
const PASSWORD: &str = "correct horse battery";

/// The fictional person printed on `en-02.jpg` (see its `.json`).
const CARD_EMAIL: &str = "m.okafor@northpeaklogistics.com";

tests::on_both_backends!(a_scanned_card_reaches_the_phone_and_saves_as_a_contact_with_its_photo);

fn item_ids() -> impl FnMut() -> ItemId {
    let mut next = 0u64;
    move || {
        next += 1;
        ItemId::from_random(0x5eed_0000 + next)
    }
}

/// Frames received until nothing arrives for `quiet`.
async fn frames_until_quiet(phone: &mut WireDevice) -> anyhow::Result<Vec<Frame>> {
    let mut frames = Vec::new();
    while let Some(frame) = phone.step(QUIET * 3).await? {
        frames.push(frame);
    }
    Ok(frames)
}

async fn a_scanned_card_reaches_the_phone_and_saves_as_a_contact_with_its_photo(
    server: &TestServer,
) -> anyhow::Result<()> {
    let owner = signup(server, "Kita Trading", "owner@kita.example", PASSWORD).await?;
    let mut phone = WireDevice::connect(server, &owner, [1; 16]).await?;
    phone.settle(QUIET).await?;

    // A contact the rep already has, with the email printed on the card.
    let known = ContactId::from_u128(0xca4d_0001);
    let mut existing = Contact::default();
    existing.name.given = "M. Okafor".into();
    existing.emails.push(Email {
        id: ItemId::from("e1"),
        label: "work".into(),
        address: CARD_EMAIL.into(),
    });
    let effects = phone.replica.create(known, &existing)?;
    phone.apply(effects).await?;
    phone.settle(QUIET).await?;

    let card = new_card_id();
    let photo = fixture_card("en-02.jpg")?;
    let (status, body) = upload_card(server, &owner, card, photo.clone(), None).await?;
    assert_eq!(status, reqwest::StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["status"], "queued");
    // The phone lost the answer and uploads again: the same card, not a second one.
    let (status, _) = upload_card(server, &owner, card, photo, None).await?;
    assert_eq!(status, reqwest::StatusCode::OK);

    let draft = wait_for_draft(&mut phone, card).await?;
    assert_eq!(draft.status, CardStatus::Ready, "{:?}", draft.error);
    let emails: Vec<&str> = draft
        .fields
        .iter()
        .filter(|field| field.kind == FieldKind::Email)
        .map(|field| field.value.as_str())
        .collect();
    assert_eq!(emails, [CARD_EMAIL]);
    assert!(
        draft.fields.iter().all(|field| field.bbox.is_some()),
        "every field read by OCR says where it is on the photo"
    );
    assert_eq!(
        draft.duplicates,
        [known],
        "the known contact is pointed out"
    );
    assert_eq!(draft.images.len(), 1);

    // The rep saves it as a new contact; the photo goes with it.
    let mut contact = fields_to_contact(&draft.fields, item_ids());
    attach_images(&mut contact, &draft.images);
    let saved = ContactId::from_u128(0xca4d_0002);
    let effects = phone.replica.create(saved, &contact)?;
    phone.apply(effects).await?;
    phone.settle(QUIET).await?;
    assert_eq!(
        phone.replica.pending(),
        0,
        "the saved contact is acknowledged"
    );
    let done = reqwest::Client::new()
        .post(format!("{}/v1/cards/{card}/done", server.base_url()))
        .bearer_auth(&owner.access_token)
        .send()
        .await?;
    assert_eq!(done.status(), reqwest::StatusCode::NO_CONTENT);

    // The rep's laptop gets the contact with the card image, and can show the image.
    let laptop_account = login(server, "owner@kita.example", PASSWORD, "laptop").await?;
    let mut laptop = WireDevice::connect(server, &laptop_account, [2; 16]).await?;
    laptop.settle(QUIET).await?;
    let synced = laptop
        .replica
        .contact(saved)
        .expect("the saved contact reached the laptop")?;
    assert_eq!(synced.card_images, draft.images);
    assert!(
        synced
            .emails
            .iter()
            .any(|email| email.address == CARD_EMAIL)
    );
    let image = fetch_blob(server, &laptop_account, &draft.images[0].blob.sha256).await?;
    assert_eq!(image.len() as u64, draft.images[0].blob.bytes);
    assert_eq!(&image[..2], [0xff, 0xd8], "the stored card image is a JPEG");

    // Reviewed: reconnecting, the phone is not offered the draft again.
    phone.reconnect(server, &owner).await?;
    let frames = frames_until_quiet(&mut phone).await?;
    assert!(
        !frames
            .iter()
            .any(|frame| matches!(frame, Frame::Card { .. })),
        "a reviewed card is not sent again"
    );
    Ok(())
}

async fn fetch_blob(
    server: &TestServer,
    account: &Account,
    sha256: &str,
) -> anyhow::Result<Vec<u8>> {
    let response = reqwest::Client::new()
        .get(format!("{}/v1/blobs/{sha256}", server.base_url()))
        .bearer_auth(&account.access_token)
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "blob answered {}",
        response.status()
    );
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    Ok(response.bytes().await?.to_vec())
}

/// A card that could not be read reaches the phone as `failed` with the reason, and one
/// uploaded while the phone was offline arrives when it connects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_photo_ends_as_a_failed_draft_with_its_reason() -> anyhow::Result<()> {
    let server = TestServer::sqlite().await?;
    let owner = signup(&server, "Kita Trading", "owner@kita.example", PASSWORD).await?;
    let card = new_card_id();
    // The header is sound, so the upload is accepted; the pixels are not.
    let (status, body) = upload_card(&server, &owner, card, corrupt_png(), None).await?;
    assert_eq!(status, reqwest::StatusCode::ACCEPTED, "{body}");

    let mut phone = WireDevice::connect(&server, &owner, [1; 16]).await?;
    let draft = wait_for_draft(&mut phone, card).await?;
    assert_eq!(draft.status, CardStatus::Failed);
    let error = draft.error.expect("a failed card says why");
    assert_eq!(error.code, "photo_corrupt");
    assert!(error.message.starts_with("front:"), "{}", error.message);
    server.stop().await
}

/// The files a phone (or an attacker) may send instead of a card photo: each refused at once
/// with a code naming what is wrong and the part it was in, nothing stored, and the server's
/// memory where it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_uploads_are_refused_by_name_and_the_server_carries_on() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let url = format!("sqlite://{}", data.path().join("rolo.db").display());
    let child = ChildServer::start(&url).await?;
    let server = child.as_test_server();
    let owner = signup(&server, "Kita Trading", "owner@kita.example", PASSWORD).await?;
    let rss_before = tests::bench::rss_bytes(child.pid())?;

    let thirty_megabytes = vec![0xffu8; 30 * 1024 * 1024];
    let cases: [(&str, Vec<u8>, reqwest::StatusCode, &str); 3] = [
        (
            "100,000 × 100,000 PNG",
            png_declaring(100_000, 100_000),
            reqwest::StatusCode::UNPROCESSABLE_ENTITY,
            "photo_too_many_pixels",
        ),
        (
            "a PDF",
            b"%PDF-1.7\n% not a photo of a card\n".to_vec(),
            reqwest::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "photo_not_image",
        ),
        (
            "30 MB",
            thirty_megabytes,
            reqwest::StatusCode::PAYLOAD_TOO_LARGE,
            "photo_too_large",
        ),
    ];
    for (what, bytes, expected_status, expected_code) in cases {
        let card = new_card_id();
        let (status, body) = upload_card(&server, &owner, card, bytes, None).await?;
        assert_eq!(status, expected_status, "{what}: {body}");
        assert_eq!(body["code"], expected_code, "{what}: {body}");
        assert_eq!(body["field"], "front", "{what}: the error names the part");
        // Nothing was stored for it.
        let lookup = reqwest::Client::new()
            .get(format!("{}/v1/cards/{card}", server.base_url()))
            .bearer_auth(&owner.access_token)
            .send()
            .await?;
        assert_eq!(lookup.status(), reqwest::StatusCode::NOT_FOUND, "{what}");
    }
    // A back without a front.
    let form = reqwest::multipart::Form::new().part(
        "back",
        reqwest::multipart::Part::bytes(fixture_card("en-02.jpg")?),
    );
    let response = reqwest::Client::new()
        .put(format!("{}/v1/cards/{}", server.base_url(), new_card_id()))
        .bearer_auth(&owner.access_token)
        .multipart(form)
        .send()
        .await?;
    let body: serde_json::Value = response.json().await?;
    assert_eq!(body["code"], "photo_missing");

    let rss_after = tests::bench::rss_bytes(child.pid())?;
    let grown = rss_after.saturating_sub(rss_before);
    assert!(
        grown < 48 * 1024 * 1024,
        "the server grew by {grown} bytes refusing bad uploads"
    );
    // And it still serves.
    let health = reqwest::get(format!("{}/healthz", server.base_url())).await?;
    assert!(health.status().is_success());
    child.kill()
}

/// A reader that dies (here: its memory limit is far too small to load the models) or hangs
/// (here: no time at all) is retried with backoff, then the card is given up with the reason;
/// the server itself never notices beyond a log line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_crashes_or_hangs_is_retried_then_given_up() -> anyhow::Result<()> {
    for (adjust, expected) in [
        (
            (|config: &mut server::Config| config.card_memory_bytes = 32 * 1024 * 1024)
                as fn(&mut server::Config),
            "reader_crashed",
        ),
        (
            |config: &mut server::Config| config.card_timeout = Duration::ZERO,
            "read_timeout",
        ),
    ] {
        let server = TestServer::sqlite_with(adjust).await?;
        let owner = signup(&server, "Kita Trading", "owner@kita.example", PASSWORD).await?;
        let mut phone = WireDevice::connect(&server, &owner, [1; 16]).await?;
        let card = new_card_id();
        let (status, _) =
            upload_card(&server, &owner, card, fixture_card("en-02.jpg")?, None).await?;
        assert_eq!(status, reqwest::StatusCode::ACCEPTED);
        let draft = wait_for_draft(&mut phone, card).await?;
        assert_eq!(draft.status, CardStatus::Failed);
        assert_eq!(
            draft.error.map(|error| error.code).as_deref(),
            Some(expected)
        );
        let listed: serde_json::Value = reqwest::Client::new()
            .get(format!("{}/v1/cards/{card}", server.base_url()))
            .bearer_auth(&owner.access_token)
            .send()
            .await?
            .json()
            .await?;
        assert_eq!(listed["status"], "failed");
        // The server still syncs.
        let effects = phone.replica.create(ContactId::from_u128(7), &{
            let mut contact = Contact::default();
            contact.name.given = "Still here".into();
            contact
        })?;
        phone.apply(effects).await?;
        phone.settle(QUIET).await?;
        assert_eq!(phone.replica.pending(), 0);
        server.stop().await?;
    }
    Ok(())
}

/// Two nodes on one Postgres: the phone is connected to a node that reads no cards, and the
/// other node's worker reads the card; the draft still reaches the phone live, through the
/// database's notification.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_read_on_another_node_reaches_the_phone_live() -> anyhow::Result<()> {
    let database = server::testing::fresh_database().await?;
    let front_node = TestServer::postgres_with(&database, |config| config.card_workers = 0).await?;
    let reading_node = TestServer::postgres(&database).await?;
    let owner = signup(&front_node, "Kita Trading", "owner@kita.example", PASSWORD).await?;
    let mut phone = WireDevice::connect(&front_node, &owner, [1; 16]).await?;
    phone.settle(QUIET).await?;
    let card = new_card_id();
    let (status, _) =
        upload_card(&front_node, &owner, card, fixture_card("en-02.jpg")?, None).await?;
    assert_eq!(status, reqwest::StatusCode::ACCEPTED);
    // No reconnect: the frame must arrive on the open socket.
    let draft = wait_for_draft(&mut phone, card).await?;
    assert_eq!(draft.status, CardStatus::Ready, "{:?}", draft.error);
    assert!(
        draft
            .fields
            .iter()
            .any(|field| field.kind == FieldKind::Email && field.value == CARD_EMAIL)
    );
    reading_node.stop().await?;
    front_node.stop().await
}

/// A two-sided card (an English front, a Japanese back): both photos are stored and attached
/// in order, and the fields of both sides are in the draft.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_sides_of_a_card_are_read_and_kept() -> anyhow::Result<()> {
    let server = TestServer::sqlite().await?;
    let owner = signup(&server, "Kita Trading", "owner@kita.example", PASSWORD).await?;
    let mut phone = WireDevice::connect(&server, &owner, [1; 16]).await?;
    let card = new_card_id();
    let (status, body) = upload_card(
        &server,
        &owner,
        card,
        fixture_card("en-02.jpg")?,
        Some(fixture_card("ja-01.jpg")?),
    )
    .await?;
    assert_eq!(status, reqwest::StatusCode::ACCEPTED, "{body}");
    let draft = wait_for_draft(&mut phone, card).await?;
    assert_eq!(draft.status, CardStatus::Ready, "{:?}", draft.error);
    let sides: Vec<_> = draft
        .images
        .iter()
        .map(|image| image.side.clone())
        .collect();
    assert_eq!(
        sides,
        [
            sync_core::contact::CardSide::Front,
            sync_core::contact::CardSide::Back
        ]
    );
    assert_ne!(draft.images[0].blob.sha256, draft.images[1].blob.sha256);
    let emails: Vec<&str> = draft
        .fields
        .iter()
        .filter(|field| field.kind == FieldKind::Email)
        .map(|field| field.value.as_str())
        .collect();
    assert_eq!(emails, [CARD_EMAIL, "s.takeuchi@yamatakeiki.co.jp"]);
    server.stop().await
}
