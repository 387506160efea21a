//! Stored images: served only to a member who may see a contact holding one, or who scanned
//! the card it came from; deleted once nothing holds it.

use server::store::Store;
use server::store::cards::{CardOutcome, CardReading, NewBlob, NewCard};
use sync_core::access::Viewer;
use sync_core::contact::{BlobRef, CardImage, CardSide, Contact};
use sync_core::ids::{CardId, ItemId, MemberId, TenantId};
use sync_core::wire::Visibility;

use super::support::{Backend, Phone, Team, accepted, contact, push, team};

/// The hash of image `n` (made up: the store never checks it against the bytes).
fn hash(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

fn image(sha256: &str) -> CardImage {
    CardImage {
        id: ItemId::from("front"),
        side: CardSide::Front,
        blob: BlobRef {
            sha256: sha256.into(),
            mime: "image/jpeg".into(),
            bytes: 3,
        },
    }
}

/// A contact named `given` with the card image `sha256`.
fn holding(given: &str, sha256: &str) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = given.into();
    contact.card_images.push(image(sha256));
    contact
}

/// Ana scans card `n`, whose front is read and stored as image `sha256`.
async fn scan(store: &dyn Store, team: &Team, n: u128, sha256: &str) -> CardId {
    let card = CardId::from_u128(n);
    let phone = store
        .register_device(team.tenant, team.ana, "ana's phone")
        .await
        .unwrap();
    store
        .create_card(
            team.tenant,
            &NewCard {
                card,
                member: team.ana,
                device: phone,
                front: vec![0xff, 0xd8, n as u8],
                back: None,
                now_ms: 1_000,
            },
        )
        .await
        .unwrap();
    let job = store.claim_card(1_000, 60_000).await.unwrap().unwrap();
    assert_eq!(job.card, card);
    let outcome = CardOutcome::Read {
        reading: CardReading {
            images: vec![image(sha256)],
            ..CardReading::default()
        },
        blobs: vec![NewBlob {
            sha256: sha256.into(),
            mime: "image/jpeg".into(),
            data: vec![0xff, 0xd8, n as u8],
        }],
    };
    assert!(store.finish_card(&job, &outcome, 2_000).await.unwrap());
    card
}

/// Ana reviews these cards and they are forgotten: from then on only contacts hold their
/// images.
async fn forget(store: &dyn Store, team: &Team, cards: &[CardId]) {
    for card in cards {
        review(store, team, *card).await;
    }
    assert_eq!(
        store.forget_cards(i64::MAX).await.unwrap(),
        cards.len() as u64
    );
}

/// Ana reviews a card, which is kept a while yet.
async fn review(store: &dyn Store, team: &Team, card: CardId) {
    assert!(
        store
            .card_done(team.tenant, team.ana, card, 3_000)
            .await
            .unwrap()
    );
}

/// `member` pushes a new contact `doc` with this content.
async fn create(store: &dyn Store, team: &Team, member: MemberId, doc: u128, contact: &Contact) {
    let (_, created) = Phone::create_with(super::support::contact(doc), 1, contact);
    let results = store
        .commit(
            team.tenant,
            &Viewer::member_only(member),
            &[push(super::support::contact(doc), &[&created])],
        )
        .await
        .unwrap();
    accepted(&results[0]);
}

async fn sees(store: &dyn Store, team: &Team, member: MemberId, sha256: &str) -> bool {
    store
        .blob_for(team.tenant, member, sha256)
        .await
        .unwrap()
        .is_some()
}

fn private_to(members: &[MemberId]) -> Visibility {
    Visibility::members(members.to_vec())
}

pub async fn a_private_contacts_image_is_served_only_to_members_who_may_see_it(store: &dyn Store) {
    let team = team(store, "privacy").await;
    let sha = hash(1);
    let card = scan(store, &team, 1, &sha).await;
    assert!(sees(store, &team, team.ana, &sha).await);
    assert!(
        !sees(store, &team, team.ben, &sha).await,
        "a card's images are its scanner's alone"
    );

    create(store, &team, team.ana, 1, &holding("Mara", &sha)).await;
    forget(store, &team, &[card]).await;
    assert_eq!(
        store.stored_blobs(team.tenant).await.unwrap(),
        [sha.as_str()],
        "the contact still holds the image"
    );
    assert!(
        sees(store, &team, team.ben, &sha).await,
        "a contact shared with everyone"
    );

    let tenant = team.tenant;
    store
        .set_visibility(tenant, contact(1), &private_to(&[]))
        .await
        .unwrap();
    assert!(sees(store, &team, team.ana, &sha).await, "its owner");
    assert!(!sees(store, &team, team.ben, &sha).await, "made private");
    assert!(
        !sees(store, &team, team.owner, &sha).await,
        "not even the tenant's owner, who may not see the contact either"
    );

    store
        .set_visibility(tenant, contact(1), &private_to(&[team.ben]))
        .await
        .unwrap();
    assert!(sees(store, &team, team.ben, &sha).await, "shared with ben");
    store
        .set_visibility(tenant, contact(1), &private_to(&[]))
        .await
        .unwrap();
    assert!(!sees(store, &team, team.ben, &sha).await, "unshared again");

    store.purge(tenant, contact(1)).await.unwrap();
    assert!(!sees(store, &team, team.ana, &sha).await, "purged");
    assert!(
        store.stored_blobs(tenant).await.unwrap().is_empty(),
        "the image is deleted with the contact that held it"
    );
}

pub async fn an_image_two_contacts_hold_survives_the_purge_of_one(store: &dyn Store) {
    let team = team(store, "two holders").await;
    let sha = hash(2);
    let card = scan(store, &team, 2, &sha).await;
    create(store, &team, team.ana, 1, &holding("Mara", &sha)).await;
    create(store, &team, team.ana, 2, &holding("Mara again", &sha)).await;
    forget(store, &team, &[card]).await;

    store.purge(team.tenant, contact(1)).await.unwrap();
    assert_eq!(
        store.stored_blobs(team.tenant).await.unwrap(),
        [sha.as_str()]
    );
    assert!(sees(store, &team, team.ana, &sha).await);
    assert!(
        sees(store, &team, team.ben, &sha).await,
        "through the contact left"
    );

    store.purge(team.tenant, contact(2)).await.unwrap();
    assert!(store.stored_blobs(team.tenant).await.unwrap().is_empty());
}

pub async fn an_image_a_commit_drops_is_deleted_once_nothing_holds_it(store: &dyn Store) {
    let team = team(store, "dropped").await;
    let (kept, dropped) = (hash(3), hash(4));
    let first = scan(store, &team, 3, &kept).await;
    let second = scan(store, &team, 4, &dropped).await;
    let mut both = holding("Mara", &kept);
    both.photo = Some(image(&dropped).blob);
    let (mut phone, created) = Phone::create_with(contact(1), 1, &both);
    accepted(
        &store
            .commit(
                team.tenant,
                &Viewer::member_only(team.ana),
                &[push(contact(1), &[&created])],
            )
            .await
            .unwrap()[0],
    );
    forget(store, &team, &[first, second]).await;
    let mut all = vec![kept.clone(), dropped.clone()];
    all.sort();
    assert_eq!(store.stored_blobs(team.tenant).await.unwrap(), all);

    // An edit that leaves the images alone changes nothing; one that drops the photo lets
    // its image go.
    let renamed = phone.edit(|contact| contact.name.given = "Mara K.".into());
    accepted(
        &store
            .commit(
                team.tenant,
                &Viewer::member_only(team.ana),
                &[push(contact(1), &[&renamed])],
            )
            .await
            .unwrap()[0],
    );
    assert_eq!(store.stored_blobs(team.tenant).await.unwrap(), all);
    let no_photo = phone.edit(|contact| contact.photo = None);
    accepted(
        &store
            .commit(
                team.tenant,
                &Viewer::member_only(team.ana),
                &[push(contact(1), &[&no_photo])],
            )
            .await
            .unwrap()[0],
    );
    assert_eq!(
        store.stored_blobs(team.tenant).await.unwrap(),
        [kept.as_str()]
    );
    assert!(sees(store, &team, team.ben, &kept).await);
    assert!(!sees(store, &team, team.ana, &dropped).await);
}

pub async fn knowing_a_hash_does_not_unlock_an_image(store: &dyn Store) {
    let team = team(store, "hostile").await;
    let sha = hash(5);
    let card = scan(store, &team, 5, &sha).await;
    create(store, &team, team.ana, 1, &holding("Mara", &sha)).await;
    forget(store, &team, &[card]).await;
    // While the contact is shared, ben copies the image into a contact of his own: he may.
    create(store, &team, team.ben, 2, &holding("Mara (mine)", &sha)).await;
    store
        .set_visibility(team.tenant, contact(1), &private_to(&[]))
        .await
        .unwrap();
    store
        .set_visibility(team.tenant, contact(2), &private_to(&[]))
        .await
        .unwrap();
    assert!(
        sees(store, &team, team.ben, &sha).await,
        "ben keeps the copy he made while he could see it"
    );
    assert!(
        !sees(store, &team, team.owner, &sha).await,
        "both contacts are private"
    );
    // The owner of the tenant learned the hash somehow and pastes it into a contact.
    create(store, &team, team.owner, 3, &holding("Stolen", &sha)).await;
    assert!(
        !sees(store, &team, team.owner, &sha).await,
        "a hash pasted into a contact unlocks nothing"
    );

    store.purge(team.tenant, contact(1)).await.unwrap();
    store.purge(team.tenant, contact(2)).await.unwrap();
    assert!(
        store.stored_blobs(team.tenant).await.unwrap().is_empty(),
        "a pasted hash does not keep the image alive after a purge"
    );
}

pub async fn a_purge_takes_the_images_of_reviewed_cards_along(store: &dyn Store) {
    let team = team(store, "erasure").await;
    let (reviewed, unreviewed) = (hash(6), hash(7));
    let first = scan(store, &team, 6, &reviewed).await;
    create(store, &team, team.ana, 1, &holding("Mara", &reviewed)).await;
    review(store, &team, first).await;
    store.purge(team.tenant, contact(1)).await.unwrap();
    assert!(
        !sees(store, &team, team.ana, &reviewed).await,
        "the reviewed card kept in ana's history does not keep the purged person's photo"
    );
    assert!(store.stored_blobs(team.tenant).await.unwrap().is_empty());

    // A card still waiting for review keeps its image for its scanner.
    scan(store, &team, 7, &unreviewed).await;
    create(store, &team, team.ana, 2, &holding("Mara", &unreviewed)).await;
    store.purge(team.tenant, contact(2)).await.unwrap();
    assert!(sees(store, &team, team.ana, &unreviewed).await);
    assert!(!sees(store, &team, team.ben, &unreviewed).await);
}

/// Take the database back to the schema before migration 0004, keeping its data: what an
/// upgraded server finds. (SQL in a test, as the only way to stand where an old server left
/// the data; the statements read the same on both backends.)
async fn as_before_blob_refs(backend: &Backend, tenant: TenantId, orphan: &str) {
    let downgrade = [
        "DROP TABLE blob_refs",
        "DROP TABLE pending_backfills",
        "ALTER TABLE documents DROP COLUMN blobs",
        "DELETE FROM _sqlx_migrations WHERE version = 4",
    ];
    // An image whose holder went before refs were kept: nothing will ever hold it.
    let orphan_sql = "INSERT INTO blobs (tenant_id, sha256, mime, data, created_ms) \
         VALUES ($1, $2, 'image/jpeg', $3, 0)";
    let tenant = uuid::Uuid::from_bytes(*tenant.as_bytes());
    match backend {
        Backend::Sqlite(dir) => {
            let url = format!("sqlite://{}", dir.path().join("rolo.db").display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            for statement in downgrade {
                sqlx::query(statement).execute(&pool).await.unwrap();
            }
            let data: &[u8] = &[0xff, 0xd8];
            sqlx::query(orphan_sql)
                .bind(tenant)
                .bind(orphan)
                .bind(data)
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        }
        Backend::Postgres(database) => {
            let pool = sqlx::PgPool::connect(database).await.unwrap();
            for statement in downgrade {
                sqlx::query(statement).execute(&pool).await.unwrap();
            }
            let data: &[u8] = &[0xff, 0xd8];
            sqlx::query(orphan_sql)
                .bind(tenant)
                .bind(orphan)
                .bind(data)
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        }
    }
}

pub async fn images_stored_before_refs_were_kept_are_found_at_start_up(backend: &Backend) {
    let (saved, drafted, orphan) = (hash(8), hash(9), hash(10));
    let team = {
        let store = backend.open().await;
        let store = store.as_ref();
        let team = team(store, "upgrade").await;
        let first = scan(store, &team, 8, &saved).await;
        create(store, &team, team.ana, 1, &holding("Mara", &saved)).await;
        store
            .set_visibility(team.tenant, contact(1), &private_to(&[]))
            .await
            .unwrap();
        forget(store, &team, &[first]).await;
        scan(store, &team, 9, &drafted).await;
        team
    };
    as_before_blob_refs(backend, team.tenant, &orphan).await;

    let store = backend.open().await;
    let store = store.as_ref();
    let mut kept = vec![saved.clone(), drafted.clone()];
    kept.sort();
    assert_eq!(
        store.stored_blobs(team.tenant).await.unwrap(),
        kept,
        "the image nothing held is deleted; the others stay"
    );
    assert!(
        sees(store, &team, team.ana, &saved).await,
        "the contact's refs were read from its document"
    );
    assert!(
        !sees(store, &team, team.ben, &saved).await,
        "and it is private"
    );
    assert!(
        sees(store, &team, team.ana, &drafted).await,
        "the card's refs were read from its reading"
    );
    assert!(!sees(store, &team, team.ben, &drafted).await);

    // Reopening runs nothing again; a later purge deletes what the backfill found.
    let store = backend.open().await;
    store.purge(team.tenant, contact(1)).await.unwrap();
    assert_eq!(store.stored_blobs(team.tenant).await.unwrap(), [drafted]);
}
