//! Contacts stored before lists and searches had a projection (migration 0005) are listed and
//! found once the upgraded server starts: the start-up backfill fills their projection in from
//! their documents, once.

use server::store::Store;
use server::store::listing::{ContactQuery, Order, Shelf, TagCount};
use sync_core::contact::{Contact, ContactType};
use sync_core::ids::{ContactId, ItemId, MemberId};
use sync_core::search::sort_key;
use sync_core::wire::{DocChanges, Visibility};

use super::support::{
    Backend, Phone, Team, accepted, ids, list_all, push, save_edit, search, team, viewer,
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

/// When each old contact last changed, as its document says (ms since the Unix epoch).
/// Tanaka and José were imported in the same millisecond; Archie came from a client that wrote
/// seconds.
const TANAKA_AND_JOSE_MS: i64 = 1_700_000_000_000;
const ARCHIE_SECONDS: i64 = 1_600_000_000;
const TRASHY_MS: i64 = 1_650_000_000_000;
const SECRET_MS: i64 = 1_750_000_000_000;

fn changed_at(id: ContactId) -> i64 {
    match id {
        TANAKA | JOSE => TANAKA_AND_JOSE_MS,
        ARCHIE => ARCHIE_SECONDS,
        TRASHY => TRASHY_MS,
        _ => SECRET_MS,
    }
}

/// `member` stores a contact whose document says it changed at `changed_at(id)`.
async fn add_old_contact(
    store: &dyn Store,
    team: &Team,
    member: MemberId,
    (id, contact): (ContactId, Contact),
    visibility: Option<Visibility>,
) -> Phone {
    let (phone, created) = Phone::create_at(id, 1, &contact, member, changed_at(id));
    let changes = DocChanges {
        visibility,
        ..push(id, &[&created])
    };
    let viewer = viewer(store, team.tenant, member).await;
    let results = store
        .commit(team.tenant, &viewer, &[changes])
        .await
        .unwrap();
    accepted(&results[0]);
    phone
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
        let phone = add_old_contact(store, &team, team.owner, (id, contact), None).await;
        if id == JOSE {
            jose = Some(phone);
        }
    }
    let private = Some(Visibility::private());
    let secret = (SECRET, named("Sam", "Secret"));
    add_old_contact(store, &team, team.ben, secret, private).await;
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

    // Newest first by when each document says it changed (seconds read as such), one to a
    // page: the two of one millisecond by id, neither lost nor repeated at the page break.
    let newest_first = |member| async move {
        let query = ContactQuery {
            order: Order::Changed,
            shelf: Shelf::NotTrashed,
            limit: 1,
            ..ContactQuery::default()
        };
        let listed = list_all(store, tenant, member, query).await;
        listed
            .iter()
            .map(|contact| (contact.id, contact.changed_ms))
            .collect::<Vec<_>>()
    };
    let archie_ms = ARCHIE_SECONDS * 1_000;
    assert_eq!(
        newest_first(ana).await,
        [
            (JOSE, TANAKA_AND_JOSE_MS),
            (TANAKA, TANAKA_AND_JOSE_MS),
            (ARCHIE, archie_ms)
        ]
    );
    assert_eq!(
        newest_first(ben).await,
        [
            (SECRET, SECRET_MS),
            (JOSE, TANAKA_AND_JOSE_MS),
            (TANAKA, TANAKA_AND_JOSE_MS),
            (ARCHIE, archie_ms)
        ]
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

/// The term rows of `doc`: (term, sort name), as the backend's database holds them.
async fn term_rows(backend: &Backend, doc: ContactId) -> Vec<(String, String)> {
    let select = "SELECT term, sort_name FROM search_terms WHERE doc_id = $1 ORDER BY term";
    let id = uuid::Uuid::from_bytes(*doc.as_bytes());
    match backend {
        Backend::Sqlite(dir) => {
            let url = format!("sqlite://{}", dir.path().join("rolo.db").display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            let rows = sqlx::query_as(select)
                .bind(id)
                .fetch_all(&pool)
                .await
                .unwrap();
            pool.close().await;
            rows
        }
        Backend::Postgres(database) => {
            let pool = sqlx::PgPool::connect(database).await.unwrap();
            let rows = sqlx::query_as(select)
                .bind(id)
                .fetch_all(&pool)
                .await
                .unwrap();
            pool.close().await;
            rows
        }
    }
}

/// A contact's term rows follow it: a rename gives every row (kept terms too) the new sort
/// name, searches read them in the new order, and a purge leaves none behind. (SQLite keeps
/// the sort name in the rows' key and finds a contact's rows through its `terms` column: a
/// row missed there would stay for ever, unseen by lists that skip purged contacts.)
pub async fn term_rows_follow_a_rename_and_go_with_a_purge(backend: &Backend) {
    let store = backend.open().await;
    let store = store.as_ref();
    let team = team(store, "terms").await;
    let (tenant, ana) = (team.tenant, team.ana);
    let viewer = viewer(store, tenant, ana).await;
    let mut before = named("Zoe", "Zeller");
    before.phones.push(sync_core::contact::Phone {
        id: ItemId::from("p1"),
        label: "work".into(),
        e164: "+81312345678".into(),
        raw: "03-1234-5678".into(),
    });
    let (mut phone, created) = Phone::create_with(TANAKA, 1, &before);
    accepted(
        &store
            .commit(tenant, &viewer, &[push(TANAKA, &[&created])])
            .await
            .unwrap()[0],
    );
    let rows = term_rows(backend, TANAKA).await;
    assert!(rows.iter().any(|(term, _)| term == "zeller"), "{rows:?}");
    assert!(
        rows.iter().all(|(_, sort)| *sort == sort_key(&before)),
        "{rows:?}"
    );

    let renamed = phone.edit(|contact| contact.name.family = "Abbott".into());
    accepted(
        &store
            .commit(tenant, &viewer, &[push(TANAKA, &[&renamed])])
            .await
            .unwrap()[0],
    );
    let mut after = before.clone();
    after.name.family = "Abbott".into();
    let rows = term_rows(backend, TANAKA).await;
    assert!(rows.iter().any(|(term, _)| term == "abbott"), "{rows:?}");
    assert!(!rows.iter().any(|(term, _)| term == "zeller"), "{rows:?}");
    assert!(
        rows.iter().any(|(term, _)| term == "5678"),
        "a kept phone term: {rows:?}"
    );
    assert!(
        rows.iter().all(|(_, sort)| *sort == sort_key(&after)),
        "every row under the new name: {rows:?}"
    );
    assert_eq!(search(store, tenant, ana, "5678 zoe").await, [TANAKA]);

    store.purge(tenant, TANAKA).await.unwrap();
    assert_eq!(term_rows(backend, TANAKA).await, Vec::new(), "nothing left");
}
