//! The trash empties itself: a contact in the trash for thirty days is deleted for good, one
//! trashed more recently stays, and one never trashed is untouched. The job is run with the
//! clock moved forward, not by waiting. On SQLite and on Postgres.

use std::sync::Arc;

use automerge::ActorId;
use serde_bytes::ByteBuf;
use server::store::postgres::PostgresStore;
use server::store::sqlite::SqliteStore;
use server::store::{NewTenant, Store};
use server::sync::hub::Hub;
use server::trash::empty_old_trash;
use sync_core::access::Viewer;
use sync_core::contact::Contact;
use sync_core::document::ContactDoc;
use sync_core::ids::ContactId;
use sync_core::wire::DocChanges;

const DAY_MS: i64 = 24 * 3_600_000;
const TRASHED_AT: i64 = 1_750_000_000_000;

async fn a_contact_trashed_thirty_days_ago_is_deleted_for_good(store: Arc<dyn Store>) {
    store.migrate().await.expect("migrated");
    let (tenant, owner) = store
        .create_tenant(&NewTenant {
            name: "Kita Logistics".into(),
            owner_email: "owner@kita.example".into(),
            owner_name: "Aiko".into(),
            owner_password_hash: "x".into(),
            region: "JP".into(),
        })
        .await
        .expect("tenant");
    let viewer = Viewer::member_only(owner);
    let contact = |given: &str, trashed_at_ms: Option<i64>| {
        let mut contact = Contact::default();
        contact.name.given = given.into();
        contact.lifecycle.trashed_at_ms = trashed_at_ms;
        contact
    };
    let (old, recent, kept) = (
        ContactId::from_u128(1),
        ContactId::from_u128(2),
        ContactId::from_u128(3),
    );
    for (id, contact) in [
        (old, contact("Old", Some(TRASHED_AT))),
        (recent, contact("Recent", Some(TRASHED_AT + 5 * DAY_MS))),
        (kept, contact("Kept", None)),
    ] {
        let (_, change) = ContactDoc::create(id, ActorId::random(), &contact).expect("created");
        let results = store
            .commit(
                tenant,
                &viewer,
                &[DocChanges::new(
                    id,
                    vec![ByteBuf::from(change.raw_bytes().to_vec())],
                )],
            )
            .await
            .expect("committed");
        assert!(results[0].rejected.is_none(), "{results:?}");
    }
    let hub = Hub::new();

    let purged = empty_old_trash(&store, &hub, TRASHED_AT + 29 * DAY_MS)
        .await
        .expect("ran");
    assert_eq!(
        purged, 0,
        "nothing has been in the trash for thirty days yet"
    );
    assert!(store.load_contact(tenant, old).await.unwrap().is_some());

    let purged = empty_old_trash(&store, &hub, TRASHED_AT + 31 * DAY_MS)
        .await
        .expect("ran");
    assert_eq!(purged, 1);
    assert!(
        store.load_contact(tenant, old).await.unwrap().is_none(),
        "deleted for good"
    );
    assert!(store.load_contact(tenant, recent).await.unwrap().is_some());
    assert!(store.load_contact(tenant, kept).await.unwrap().is_some());

    let purged = empty_old_trash(&store, &hub, TRASHED_AT + 40 * DAY_MS)
        .await
        .expect("ran");
    assert_eq!(
        purged, 1,
        "the more recent one, once its thirty days are up"
    );
    assert!(store.load_contact(tenant, kept).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_contact_trashed_thirty_days_ago_is_deleted_for_good() {
    let directory = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&directory.path().join("rolo.db").display().to_string())
        .await
        .expect("store");
    a_contact_trashed_thirty_days_ago_is_deleted_for_good(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_contact_trashed_thirty_days_ago_is_deleted_for_good() {
    let database = server::testing::fresh_database().await.expect("database");
    let store = PostgresStore::connect(database.url()).await.expect("store");
    a_contact_trashed_thirty_days_ago_is_deleted_for_good(Arc::new(store)).await;
}
