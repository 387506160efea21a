//! The contact list's two orders, by name and newest change first, each paged with a cursor
//! that visits every contact the caller may see exactly once.

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use server::store::listing::{ContactQuery, Cursor, Order};
use server::store::{Store, StoreError};
use sync_core::contact::{Contact, Organization};
use sync_core::ids::{ContactId, ItemId, MemberId, TenantId};
use sync_core::search::{Query, SearchProjection, sort_key};
use sync_core::wire::Visibility;

use super::support::{Phone, add_contact, contact, ids, list_all, save_edit, team, viewer};

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

/// The crowd, stored by the company's owner and seen by everyone: the phones that made them,
/// with their ids.
async fn store_crowd(
    store: &dyn Store,
    tenant: TenantId,
    owner: MemberId,
) -> Vec<(ContactId, Phone)> {
    let mut stored = Vec::new();
    for (n, person) in crowd().into_iter().enumerate() {
        let id = contact(100 + n as u128);
        let phone = add_contact(store, tenant, owner, id, &person, None).await;
        stored.push((id, phone));
    }
    stored
}

pub async fn a_search_or_a_filter_pages_like_the_whole_list(store: &dyn Store) {
    let team = team(store, "paged-search").await;
    let (tenant, owner, ana) = (team.tenant, team.owner, team.ana);
    let crowd = crowd();
    let mut stored = store_crowd(store, tenant, owner).await;
    // Every third is a VIP.
    for (_, phone) in stored.iter_mut().step_by(3) {
        save_edit(store, tenant, owner, phone, |c| {
            c.tags.insert("vip".into(), true);
        })
        .await;
    }
    let contacts: Vec<(ContactId, Contact)> = stored
        .iter()
        .map(|(id, phone)| (*id, phone.doc.contact().expect("reads")))
        .collect();
    assert_eq!(contacts.len(), crowd.len());

    // Each query finds, page after page, what sync-core's rules find among the contacts, in
    // name order.
    for text in [
        "a",
        "ai",
        "e",
        "emile",
        "m",
        "sato aiko",
        "たなか",
        "acme",
        "zz",
    ] {
        let query = Query::parse(text, "JP");
        let mut expected: Vec<(String, ContactId)> = contacts
            .iter()
            .filter(|(_, contact)| SearchProjection::of(contact, "JP").matches(&query))
            .map(|(id, contact)| (sort_key(contact), *id))
            .collect();
        expected.sort();
        let expected: Vec<ContactId> = expected.into_iter().map(|(_, id)| id).collect();
        for limit in [1, 2, 50] {
            let paged = ContactQuery {
                words: query.words().to_vec(),
                limit,
                ..ContactQuery::default()
            };
            assert_eq!(
                ids(&list_all(store, tenant, ana, paged).await),
                expected,
                "{text:?}, {limit} a page"
            );
        }
    }

    // The VIPs, by name and newest first, two a page.
    let mut vips: Vec<(String, ContactId)> = contacts
        .iter()
        .filter(|(_, contact)| contact.tags.contains_key("vip"))
        .map(|(id, contact)| (sort_key(contact), *id))
        .collect();
    vips.sort();
    let vips: Vec<ContactId> = vips.into_iter().map(|(_, id)| id).collect();
    assert_eq!(vips.len(), crowd.len().div_ceil(3));
    let tagged = |order| ContactQuery {
        tag: Some("vip".into()),
        order,
        limit: 2,
        ..ContactQuery::default()
    };
    assert_eq!(
        ids(&list_all(store, tenant, ana, tagged(Order::Name)).await),
        vips
    );
    let newest = list_all(store, tenant, ana, tagged(Order::Changed)).await;
    let keys: Vec<(i64, ContactId)> = newest.iter().map(|c| (c.changed_ms, c.id)).collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(keys, sorted, "newest first");
    let found: BTreeSet<ContactId> = keys.iter().map(|(_, id)| *id).collect();
    assert_eq!(found, vips.iter().copied().collect(), "each VIP once");
}

pub async fn a_contact_changed_while_paging_is_not_listed_twice_and_hides_no_other(
    store: &dyn Store,
) {
    let team = team(store, "paged-edits").await;
    let (tenant, owner, ana) = (team.tenant, team.owner, team.ana);
    let mut stored = store_crowd(store, tenant, owner).await;
    let every: BTreeSet<ContactId> = stored.iter().map(|(id, _)| *id).collect();
    let as_ana = viewer(store, tenant, ana).await;
    let page = async |query: &ContactQuery| {
        store
            .list_contacts(tenant, &as_ana, query)
            .await
            .expect("a page")
    };

    // By name first, then newest first (where the contacts renamed for the first now lead).
    for (round, order) in [Order::Name, Order::Changed].into_iter().enumerate() {
        let mut query = ContactQuery {
            order,
            limit: 4,
            ..ContactQuery::default()
        };
        let whole = list_all(store, tenant, ana, query.clone()).await;
        let first = page(&query).await;
        let mut listed = ids(&first.contacts);
        let one_listed = listed[1];
        let one_to_come = whole.last().expect("a crowd").id;
        // Between two pages, one contact already listed and one still to come are renamed to
        // sort first: ahead of the cursor by name, and newest, so ahead of it newest first too.
        next_millisecond();
        for (id, phone) in stored.iter_mut() {
            if *id == one_listed || *id == one_to_come {
                save_edit(store, tenant, ana, phone, |c| {
                    c.name = Default::default();
                    c.name.given = "0".into();
                    c.name.family = format!("Renamed {round}");
                })
                .await;
            }
        }
        query.after = first.next;
        for _ in 0..100 {
            let next = page(&query).await;
            listed.extend(ids(&next.contacts));
            match next.next {
                Some(cursor) => query.after = Some(cursor),
                None => break,
            }
        }
        let distinct: BTreeSet<ContactId> = listed.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            listed.len(),
            "{order:?}: listed twice: {listed:?}"
        );
        let mut unchanged = every.clone();
        unchanged.remove(&one_to_come);
        assert!(
            distinct.is_superset(&unchanged),
            "{order:?}: missing {:?}",
            unchanged.difference(&distinct).collect::<Vec<_>>()
        );
        // The one that moved ahead of the cursor leads the list read again.
        let again = ContactQuery {
            order,
            limit: 2,
            ..ContactQuery::default()
        };
        let top: BTreeSet<ContactId> = ids(&page(&again).await.contacts).into_iter().collect();
        assert_eq!(top, BTreeSet::from([one_listed, one_to_come]), "{order:?}");
    }
}

/// Contacts sharing a family name, more than a search word may match and still drive the
/// query in order of change (the store then walks that order instead): `Walker{n} Broadley`.
const BROAD_CROWD: u128 = 3_200;

/// Their company, seven words starting with `br`: with the family name, `br` matches more
/// terms than may drive a list in name order, which then walks the name order.
const BROAD_COMPANY: &str = "Brae Brook Brothers Bridge Broadway Brands Brixton";

pub async fn a_broad_word_and_a_rare_word_page_alike(store: &dyn Store) {
    let team = team(store, "broad-search").await;
    let (tenant, owner, ana) = (team.tenant, team.owner, team.ana);
    // Stored a thousand a commit, as a big push is.
    let viewer = sync_core::access::Viewer::member_only(owner);
    let mut people = Vec::new();
    for first in (0..BROAD_CROWD).step_by(1_000) {
        let mut docs = Vec::new();
        for n in first..(first + 1_000).min(BROAD_CROWD) {
            let mut person = named(&format!("Walker{n}"), "Broadley");
            person.organizations.push(Organization {
                id: ItemId::from("o1"),
                company: BROAD_COMPANY.into(),
                department: String::new(),
                title: String::new(),
            });
            if n % 400 == 7 {
                // A few partners spread over the name order: most of a search's first
                // candidates are not partners (see below).
                person.contact_type = sync_core::contact::ContactType::Partner;
            }
            let id = contact(10_000 + n);
            let (_, change) =
                sync_core::document::ContactDoc::create(id, automerge::ActorId::random(), &person)
                    .expect("a valid contact");
            docs.push(sync_core::wire::DocChanges::new(
                id,
                vec![serde_bytes::ByteBuf::from(change.raw_bytes().to_vec())],
            ));
            people.push((sort_key(&person), id, person));
        }
        let results = store.commit(tenant, &viewer, &docs).await.expect("commits");
        assert!(results.iter().all(|result| result.rejected.is_none()));
    }
    people.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));

    let br_terms: usize = people
        .iter()
        .map(|(_, _, person)| {
            let projection = SearchProjection::of(person, "JP");
            projection
                .terms()
                .filter(|term| term.starts_with("br"))
                .count()
        })
        .sum();
    assert!(
        br_terms > 20_000,
        "`br` is broad in name order: {br_terms} terms"
    );

    // Every Broadley (broad in order of change, driving in name order), everyone through `br`
    // (broad in both: the orders walked), and the Walker17…s among them (a rare word driving,
    // the broad ones checked on each): pages as sync-core's rules say.
    for text in [
        "broadley",
        "br",
        "broadley walker17",
        "br walker17",
        "walker17",
    ] {
        let query = Query::parse(text, "JP");
        let expected: Vec<ContactId> = people
            .iter()
            .filter(|(_, _, person)| SearchProjection::of(person, "JP").matches(&query))
            .map(|(_, id, _)| *id)
            .collect();
        assert!(!expected.is_empty(), "{text:?} finds someone");
        for (limit, order) in [(500, Order::Name), (37, Order::Name), (500, Order::Changed)] {
            let paged = ContactQuery {
                words: query.words().to_vec(),
                limit,
                order,
                ..ContactQuery::default()
            };
            let listed = ids(&list_all(store, tenant, ana, paged).await);
            match order {
                Order::Name => assert_eq!(listed, expected, "{text:?}, {limit} a page"),
                Order::Changed => assert_eq!(
                    listed.iter().copied().collect::<BTreeSet<_>>(),
                    expected.iter().copied().collect::<BTreeSet<_>>(),
                    "{text:?} newest first, every one once"
                ),
            }
            assert_eq!(listed.len(), expected.len(), "{text:?}: none listed twice");
        }
    }

    // The partners among the Broadleys: a filter that turns away most of the contacts the
    // word finds first, so the store reads further candidates until a page is full.
    let partners: Vec<ContactId> = people
        .iter()
        .filter(|(_, _, person)| person.contact_type == sync_core::contact::ContactType::Partner)
        .map(|(_, id, _)| *id)
        .collect();
    assert_eq!(partners.len(), 8);
    for limit in [500, 3] {
        let query = ContactQuery {
            words: vec!["broadley".into()],
            contact_type: Some("partner".into()),
            limit,
            ..ContactQuery::default()
        };
        let listed = ids(&list_all(store, tenant, ana, query).await);
        assert_eq!(listed, partners, "partners, {limit} a page");
    }
}

pub async fn a_renamed_contact_moves_in_a_searchs_name_order(store: &dyn Store) {
    let team = team(store, "renamed-search").await;
    let (tenant, ana) = (team.tenant, team.ana);
    let mut phones = Vec::new();
    for (n, given) in ["Amy", "Bea", "Cy"].into_iter().enumerate() {
        let person = named(given, "Renamer");
        phones.push(add_contact(store, tenant, ana, contact(300 + n as u128), &person, None).await);
    }
    let search = |limit| ContactQuery {
        words: Query::parse("renamer", "JP").words().to_vec(),
        limit,
        ..ContactQuery::default()
    };
    let names = |page: Vec<server::store::listing::ContactSummary>| {
        page.into_iter()
            .map(|summary| summary.display_name)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(list_all(store, tenant, ana, search(500)).await),
        ["Amy Renamer", "Bea Renamer", "Cy Renamer"]
    );
    // Amy becomes Zed: the word `renamer` (its term row kept, not rewritten) now finds her last,
    // on one page and one contact a page alike.
    save_edit(store, tenant, ana, &mut phones[0], |c| {
        c.name.given = "Zed".into()
    })
    .await;
    for limit in [500, 1] {
        assert_eq!(
            names(list_all(store, tenant, ana, search(limit)).await),
            ["Bea Renamer", "Cy Renamer", "Zed Renamer"],
            "{limit} a page"
        );
    }
}
