//! Contacts stored before lists and searches had a projection (migration 0005) are listed and
//! found once the upgraded server starts: the start-up backfill fills their projection in from
//! their documents, once.

use server::store::Store;
use server::store::listing::{ContactQuery, Shelf, TagCount};
use sync_core::contact::{Contact, ContactType};
use sync_core::ids::{ContactId, ItemId};
use sync_core::search::sort_key;
use sync_core::wire::Visibility;

use super::support::{
    Backend, Phone, Team, add_contact, ids, list_all, save_edit, search, team, viewer,
};

/// Take the projection back to what migration 0005 found: no terms, tags or access rows, the
/// columns it added at their defaults, and the backfill asked for again. (SQL in a test, as
/// the only way to stand where an old server left the data; the statements read the same on
/// both backends.)
const AS_BEFORE_THE_PROJECTION: [&str; 5] = [
    "DELETE FROM search_terms",
    "DELETE FROM contact_tags",
    "DELETE FROM contact_access",
    "UPDATE contact_search SET sort_name = '', contact_type = 'lead', level = NULL, \
     archived = false, trashed_at_ms = NULL, changed_ms = 0, terms = ''",
    "INSERT INTO pending_backfills (name) VALUES ('contact_projection')",
];

/// Run these statements on the backend's database, outside any store.
async fn raw(backend: &Backend, statements: &[&'static str]) {
    match backend {
        Backend::Sqlite(dir) => {
            let url = format!("sqlite://{}", dir.path().join("rolo.db").display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            for statement in statements {
                sqlx::query(*statement).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
        Backend::Postgres(database) => {
            let pool = sqlx::PgPool::connect(database).await.unwrap();
            for statement in statements {
                sqlx::query(*statement).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
    }
}

/// How many backfills are still asked for.
async fn pending_backfills(backend: &Backend) -> i64 {
    let count = "SELECT count(*) FROM pending_backfills";
    match backend {
        Backend::Sqlite(dir) => {
            let url = format!("sqlite://{}", dir.path().join("rolo.db").display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            let pending = sqlx::query_scalar(count).fetch_one(&pool).await.unwrap();
            pool.close().await;
            pending
        }
        Backend::Postgres(database) => {
            let pool = sqlx::PgPool::connect(database).await.unwrap();
            let pending = sqlx::query_scalar(count).fetch_one(&pool).await.unwrap();
            pool.close().await;
            pending
        }
    }
}

const TANAKA: ContactId = ContactId::from_u128(1);
const JOSE: ContactId = ContactId::from_u128(2);
const ARCHIE: ContactId = ContactId::from_u128(3);
const TRASHY: ContactId = ContactId::from_u128(4);
const SECRET: ContactId = ContactId::from_u128(5);

fn named(given: &str, family: &str) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = given.into();
    contact.name.family = family.into();
    contact
}

/// The contacts an old server kept, as (id, contact).
fn old_contacts() -> Vec<(ContactId, Contact)> {
    let mut tanaka = named("太郎", "田中");
    tanaka.name.phonetic_family = "タナカ".into();
    tanaka.phones.push(sync_core::contact::Phone {
        id: ItemId::from("p1"),
        label: "work".into(),
        e164: "+81312345678".into(),
        raw: "03-1234-5678".into(),
    });
    tanaka.tags.insert("展示会".into(), true);
    let mut jose = named("José", "Álvarez");
    jose.contact_type = ContactType::Customer;
    jose.tags.insert("vip".into(), true);
    let mut archie = named("Archie", "Archived");
    archie.lifecycle.archived = true;
    let mut trashy = named("Trashy", "Tom");
    trashy.lifecycle.trashed_at_ms = Some(1_000);
    trashy.tags.insert("vip".into(), true);
    vec![
        (TANAKA, tanaka),
        (JOSE, jose),
        (ARCHIE, archie),
        (TRASHY, trashy),
    ]
}

/// The old server's contacts, with the phone that made José's.
async fn store_old_contacts(store: &dyn Store) -> (Team, Phone) {
    let team = team(store, "backfill").await;
    let mut jose = None;
    for (id, contact) in old_contacts() {
        let phone = add_contact(store, team.tenant, team.owner, id, &contact, None).await;
        if id == JOSE {
            jose = Some(phone);
        }
    }
    let private = Some(Visibility::private());
    let secret = named("Sam", "Secret");
    add_contact(store, team.tenant, team.ben, SECRET, &secret, private).await;
    (team, jose.expect("José is among them"))
}

pub async fn contacts_stored_before_the_projection_are_found_after_start_up(backend: &Backend) {
    let old = backend.open().await;
    let (team, mut jose) = store_old_contacts(old.as_ref()).await;
    let (tenant, ana, ben) = (team.tenant, team.ana, team.ben);
    raw(backend, &AS_BEFORE_THE_PROJECTION).await;
    assert!(
        search(old.as_ref(), tenant, ana, "jose").await.is_empty(),
        "the old server's data: nothing to search"
    );
    drop(old);

    let store = backend.open().await;
    let store = store.as_ref();
    assert_eq!(
        pending_backfills(backend).await,
        0,
        "the backfill ran, once"
    );
    for text in ["たなか", "中太", "03-1234-5678", "(03) 1234-5678", "展示会"] {
        assert_eq!(search(store, tenant, ana, text).await, [TANAKA], "{text:?}");
    }
    assert_eq!(search(store, tenant, ana, "alvarez").await, [JOSE]);
    assert!(
        search(store, tenant, ana, "secret").await.is_empty(),
        "ben's stays private"
    );
    assert_eq!(search(store, tenant, ben, "secret").await, [SECRET]);

    // Sorted by name, filtered and shelved as the documents say.
    let mut by_name: Vec<(String, ContactId)> = old_contacts()
        .into_iter()
        .filter(|(_, contact)| !contact.lifecycle.archived && !contact.is_trashed())
        .map(|(id, contact)| (sort_key(&contact), id))
        .collect();
    by_name.sort();
    let all = ContactQuery {
        limit: 2,
        ..ContactQuery::default()
    };
    let listed = ids(&list_all(store, tenant, ana, all.clone()).await);
    assert_eq!(
        listed,
        by_name.into_iter().map(|(_, id)| id).collect::<Vec<_>>()
    );
    let shelf = |shelf| ContactQuery {
        shelf,
        ..all.clone()
    };
    assert_eq!(
        ids(&list_all(store, tenant, ana, shelf(Shelf::Archived)).await),
        [ARCHIE]
    );
    assert_eq!(
        ids(&list_all(store, tenant, ana, shelf(Shelf::Trash)).await),
        [TRASHY]
    );
    let customers = ContactQuery {
        contact_type: Some("customer".into()),
        ..all.clone()
    };
    assert_eq!(ids(&list_all(store, tenant, ana, customers).await), [JOSE]);
    let ana_viewer = viewer(store, tenant, ana).await;
    let counts = store.tags(tenant, &ana_viewer).await.unwrap();
    let count = |tag: &str| TagCount {
        tag: tag.into(),
        count: 1,
    };
    assert_eq!(
        counts,
        [count("vip"), count("展示会")],
        "the trashed vip is not counted"
    );
    assert_eq!(
        store.trashed_before(2_000, 10).await.unwrap(),
        [(tenant, TRASHY)]
    );

    // From here commits keep the projection: a contact renamed after the upgrade is found by
    // its new name only.
    save_edit(store, tenant, ana, &mut jose, |c| {
        c.name.given = "Pepe".into()
    })
    .await;
    assert_eq!(search(store, tenant, ana, "pepe").await, [JOSE]);
    assert!(search(store, tenant, ana, "jose").await.is_empty());
}
