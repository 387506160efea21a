//! Photos do not outlive their contact's privacy: a card photo saved into a contact is served
//! only to members who may see that contact (or who scanned the card), knowing its hash
//! unlocks nothing, and purging the contact deletes the photo. Everyone else gets the same
//! `404 not_found` as for a hash nothing was ever stored under.

use std::time::Duration;

use server::store::Store;
use sync_core::card::{CardStatus, attach_images, fields_to_contact};
use sync_core::contact::Contact;
use sync_core::ids::{ContactId, ItemId};
use tests::cards::{fixture_card, new_card_id, upload_card, wait_for_draft};
use tests::{Account, TestServer, WireDevice, add_member, signup};

const QUIET: Duration = Duration::from_millis(150);
const PASSWORD: &str = "correct horse battery";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_private_or_purged_contacts_photo_is_not_served() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let url = format!("sqlite://{}", data.path().join("rolo.db").display());
    let server = TestServer::sqlite_with(|config| config.database_url = url.clone()).await?;
    // A second handle on the server's file, to look at what is stored.
    let store = server::store::sqlite::SqliteStore::open(&url).await?;
    a_private_or_purged_contacts_photo_is_not_served(&server, &store).await?;
    server.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_private_or_purged_contacts_photo_is_not_served() -> anyhow::Result<()> {
    let database = server::testing::fresh_database().await?;
    let server = TestServer::postgres(&database).await?;
    let store = server::store::postgres::PostgresStore::connect(&database).await?;
    a_private_or_purged_contacts_photo_is_not_served(&server, &store).await?;
    server.stop().await
}

async fn a_private_or_purged_contacts_photo_is_not_served(
    server: &TestServer,
    store: &dyn Store,
) -> anyhow::Result<()> {
    let owner = signup(server, "Kita Trading", "owner@kita.example", PASSWORD).await?;
    let ana = add_member(server, &owner, "ana@kita.example", PASSWORD).await?;
    let ben = add_member(server, &owner, "ben@kita.example", PASSWORD).await?;
    let mut ana_phone = WireDevice::connect(server, &ana, [1; 16]).await?;
    ana_phone.settle(QUIET).await?;

    // Ana scans a card and saves it as a contact, with its photo.
    let card = new_card_id();
    let (status, body) = upload_card(server, &ana, card, fixture_card("en-02.jpg")?, None).await?;
    assert_eq!(status, reqwest::StatusCode::ACCEPTED, "{body}");
    let draft = wait_for_draft(&mut ana_phone, card).await?;
    assert_eq!(draft.status, CardStatus::Ready, "{:?}", draft.error);
    let sha256 = draft.images[0].blob.sha256.clone();
    assert_eq!(
        fetch(server, &ben, &sha256).await?,
        reqwest::StatusCode::NOT_FOUND,
        "a draft's photo is its scanner's alone"
    );
    let mut next = 0u64;
    let mut contact = fields_to_contact(&draft.fields, || {
        next += 1;
        ItemId::from_random(0xb10b_0000 + next)
    });
    attach_images(&mut contact, &draft.images);
    let saved = ContactId::from_u128(0xb10b_0001);
    let effects = ana_phone.replica.create(saved, &contact)?;
    ana_phone.apply(effects).await?;
    ana_phone.settle(QUIET).await?;
    assert_eq!(
        ana_phone.replica.pending(),
        0,
        "the contact is acknowledged"
    );
    let done = reqwest::Client::new()
        .post(format!("{}/v1/cards/{card}/done", server.base_url()))
        .bearer_auth(&ana.access_token)
        .send()
        .await?;
    assert_eq!(done.status(), reqwest::StatusCode::NO_CONTENT);
    assert_eq!(
        fetch(server, &ben, &sha256).await?,
        reqwest::StatusCode::OK,
        "shared with everyone, the contact shows its photo to everyone"
    );

    // Ana makes it private: nobody else gets the photo, not even the tenant's owner.
    tests::bench::make_private(server, &ana, saved).await?;
    for (who, account) in [("ben", &ben), ("the owner", &owner)] {
        assert_eq!(
            fetch(server, account, &sha256).await?,
            reqwest::StatusCode::NOT_FOUND,
            "{who} after the contact was made private"
        );
    }
    assert_eq!(fetch(server, &ana, &sha256).await?, reqwest::StatusCode::OK);

    // Ben remembers the hash and pastes it into a contact of his own: it unlocks nothing.
    let mut ben_phone = WireDevice::connect(server, &ben, [2; 16]).await?;
    ben_phone.settle(QUIET).await?;
    let mut forged = Contact::default();
    forged.name.given = "Borrowed photo".into();
    attach_images(&mut forged, &draft.images);
    let effects = ben_phone
        .replica
        .create(ContactId::from_u128(0xb10b_0002), &forged)?;
    ben_phone.apply(effects).await?;
    ben_phone.settle(QUIET).await?;
    assert_eq!(ben_phone.replica.pending(), 0);
    assert_eq!(
        fetch(server, &ben, &sha256).await?,
        reqwest::StatusCode::NOT_FOUND,
        "a hash pasted into a contact is not a key"
    );

    // Ana purges the contact: the photo is gone for her too, and deleted.
    let purged = reqwest::Client::new()
        .delete(format!("{}/v1/contacts/{saved}", server.base_url()))
        .bearer_auth(&ana.access_token)
        .send()
        .await?;
    assert_eq!(purged.status(), reqwest::StatusCode::NO_CONTENT);
    assert_eq!(
        fetch(server, &ana, &sha256).await?,
        reqwest::StatusCode::NOT_FOUND,
        "purged"
    );
    let stored = store.stored_blobs(owner.tenant).await?;
    assert!(
        !stored.contains(&sha256),
        "the purged contact's photo is deleted, although ben's contact names its hash"
    );

    // A refusal looks exactly like a hash nothing was stored under.
    let never_stored = "0".repeat(64);
    let refused = fetch_body(server, &ben, &sha256).await?;
    let missing = fetch_body(server, &ben, &never_stored).await?;
    assert_eq!(refused.0, reqwest::StatusCode::NOT_FOUND);
    assert_eq!(refused.0, missing.0);
    assert_eq!(refused.1["code"], "not_found");
    assert_eq!(refused.1["code"], missing.1["code"]);
    Ok(())
}

/// `GET /v1/blobs/{sha256}` as `account`: the status.
async fn fetch(
    server: &TestServer,
    account: &Account,
    sha256: &str,
) -> anyhow::Result<reqwest::StatusCode> {
    Ok(fetch_body(server, account, sha256).await?.0)
}

/// `GET /v1/blobs/{sha256}` as `account`: the status, and the JSON body of an error.
async fn fetch_body(
    server: &TestServer,
    account: &Account,
    sha256: &str,
) -> anyhow::Result<(reqwest::StatusCode, serde_json::Value)> {
    let response = reqwest::Client::new()
        .get(format!("{}/v1/blobs/{sha256}", server.base_url()))
        .bearer_auth(&account.access_token)
        .send()
        .await?;
    let status = response.status();
    if status.is_success() {
        return Ok((status, serde_json::Value::Null));
    }
    Ok((status, response.json().await?))
}
