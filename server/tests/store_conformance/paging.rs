//! The contact list's two orders, by name and newest change first, each paged with a cursor
//! that visits every contact the caller may see exactly once.

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use server::store::listing::{ContactQuery, Cursor, Order};
use server::store::{Store, StoreError};
use sync_core::contact::{Contact, Organization};
use sync_core::ids::{ContactId, ItemId};
use sync_core::search::sort_key;
use sync_core::wire::Visibility;

use super::support::{add_contact, contact, ids, list_all, save_edit, team, viewer};

fn named(given: &str, family: &str) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = given.into();
    contact.name.family = family.into();
    contact
}

/// Names that sort in every way a list must get right: case, accents, punctuation, the same
/// name twice, CJK with and without a reading, a company in place of a name.
fn crowd() -> Vec<Contact> {
    let mut crowd: Vec<Contact> = [
        ("aiko", "Sato"),
        ("Aiko", "Sato"),
        ("Émile", "Zola"),
        ("Emile", "Zola"),
        ("Bob", ""),
        ("", "O'Brien"),
        ("Zoë", "Adams"),
        ("Kenji", "Mori"),
        ("Mei", "Lin"),
        ("李", "小龍"),
        ("Ünal", "Kaya"),
        ("Ana", "María"),
        ("Ben", "Ito"),
        ("Chloé", "Martin"),
        ("David", "Ng"),
        ("Erik", "Berg"),
        ("Fatima", "Zahra"),
    ]
    .into_iter()
    .map(|(given, family)| named(given, family))
    .collect();
    let mut tanaka = named("太郎", "田中");
    tanaka.name.phonetic_family = "タナカ".into();
    tanaka.name.phonetic_given = "タロウ".into();
    crowd.push(tanaka);
    crowd.push(named("花子", "佐藤"));
    let mut company = Contact::default();
    company.organizations.push(Organization {
        id: ItemId::from("o1"),
        company: "Acme Trading".into(),
        department: String::new(),
        title: String::new(),
    });
    crowd.push(company);
    crowd
}

/// The server's clock has moved past the millisecond it read now, so the next commit is
/// strictly newer than everything before (a busy wait of at most a millisecond, on the clock
/// the store reads, not a guess at how long something takes).
fn next_millisecond() {
    let ms = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis()
    };
    let start = ms();
    while ms() <= start {
        std::hint::spin_loop();
    }
}

pub async fn both_orders_visit_every_contact_once_across_pages(store: &dyn Store) {
    let team = team(store, "paging").await;
    let (tenant, owner, ana, ben) = (team.tenant, team.owner, team.ana, team.ben);
    let crowd = crowd();
    let mut phones = Vec::new();
    let mut by_name = Vec::new();
    for (n, person) in crowd.iter().enumerate() {
        let id = contact(100 + n as u128);
        phones.push(add_contact(store, tenant, owner, id, person, None).await);
        by_name.push((sort_key(person), id));
    }
    // Ben's private contacts sit among them; ana never sees them, on any page.
    let private = Some(Visibility::private());
    for n in 0..3 {
        let id = contact(900 + n);
        add_contact(
            store,
            tenant,
            ben,
            id,
            &named("Aiko", "Private"),
            private.clone(),
        )
        .await;
    }
    by_name.sort();
    let by_name: Vec<ContactId> = by_name.into_iter().map(|(_, id)| id).collect();

    for limit in [1, 3, 4, 50] {
        let query = ContactQuery {
            limit,
            ..ContactQuery::default()
        };
        assert_eq!(
            ids(&list_all(store, tenant, ana, query).await),
            by_name,
            "name order, {limit} a page"
        );
    }
    let everyone = ContactQuery {
        limit: 4,
        ..ContactQuery::default()
    };
    assert_eq!(
        list_all(store, tenant, ben, everyone).await.len(),
        crowd.len() + 3
    );

    // Newest first, ties by id; paged, every contact once.
    let newest_first = ContactQuery {
        order: Order::Changed,
        limit: 3,
        ..ContactQuery::default()
    };
    let listed = list_all(store, tenant, ana, newest_first.clone()).await;
    let keys: Vec<(i64, ContactId)> = listed.iter().map(|c| (c.changed_ms, c.id)).collect();
    let mut expected = keys.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(keys, expected, "newest change first");
    let seen: BTreeSet<ContactId> = ids(&listed).into_iter().collect();
    assert_eq!(
        seen,
        by_name.iter().copied().collect(),
        "every contact once"
    );
    assert_eq!(listed.len(), by_name.len());

    // The first contact, edited now, comes first; the others keep their order.
    next_millisecond();
    let first = contact(100);
    save_edit(store, tenant, ana, &mut phones[0], |c| {
        c.name.middle = "M".into()
    })
    .await;
    let relisted = ids(&list_all(store, tenant, ana, newest_first.clone()).await);
    let mut moved = vec![first];
    moved.extend(keys.iter().map(|(_, id)| *id).filter(|id| *id != first));
    assert_eq!(relisted, moved);

    // A cursor from the other order is refused rather than misread.
    let confused = ContactQuery {
        after: Some(Cursor::Name("aiko".into(), first)),
        ..newest_first
    };
    let refused = store
        .list_contacts(tenant, &viewer(store, tenant, ana).await, &confused)
        .await;
    assert!(
        matches!(refused, Err(StoreError::Refused { .. })),
        "{refused:?}"
    );
}
