//! The contact list (`Store::list_contacts`): its filters and shelves, the tags counted over
//! what the caller may see, the contacts carrying a tag across the company, the trash kept
//! for the purge job, and one contact loaded whole. (Its orders and paging: `paging.rs`.)

use server::store::Store;
use server::store::listing::{ContactQuery, ContactSummary, Shelf, TagCount};
use sync_core::contact::{Contact, ContactType, Email, Level};
use sync_core::ids::{ContactId, ItemId, MemberId, TenantId};
use sync_core::wire::{DocMeta, Visibility};

use super::support::{Team, add_contact, contact, ids, list_all, save_edit, team, viewer};

fn named(given: &str, family: &str) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = given.into();
    contact.name.family = family.into();
    contact
}

fn tagged(mut contact: Contact, tag: &str) -> Contact {
    contact.tags.insert(tag.into(), true);
    contact
}

/// The list `member` reads with these filters (ten a page, name order).
async fn listed(
    store: &dyn Store,
    team: &Team,
    member: MemberId,
    query: ContactQuery,
) -> Vec<ContactId> {
    let query = ContactQuery { limit: 10, ..query };
    ids(&list_all(store, team.tenant, member, query).await)
}

fn on(shelf: Shelf) -> ContactQuery {
    ContactQuery {
        shelf,
        ..ContactQuery::default()
    }
}

fn tag_counts(counts: &[(&str, u64)]) -> Vec<TagCount> {
    counts
        .iter()
        .map(|(tag, count)| TagCount {
            tag: tag.to_string(),
            count: *count,
        })
        .collect()
}

pub async fn filters_and_shelves_keep_to_what_was_asked(store: &dyn Store) {
    let team = team(store, "filters").await;
    let (tenant, owner, ana, ben) = (team.tenant, team.owner, team.ana, team.ben);
    let mut jose = tagged(tagged(named("José", "Álvarez"), "vip"), "golf");
    jose.contact_type = ContactType::Customer;
    jose.level = Some(Level::Primary);
    jose.emails.push(Email {
        id: ItemId::from("e1"),
        label: "work".into(),
        address: "jose@example.com".into(),
    });
    let mut emile = tagged(named("Émile", "Zola"), "vip");
    emile.contact_type = ContactType::Partner;
    emile.level = Some(Level::Secondary);
    let mut archie = tagged(named("Archie", "Archived"), "vip");
    archie.lifecycle.archived = true;
    let (j, e, a, t, l, p, n) = (
        contact(1),
        contact(2),
        contact(3),
        contact(4),
        contact(5),
        contact(6),
        contact(7),
    );
    add_contact(store, tenant, owner, j, &jose, None).await;
    add_contact(store, tenant, owner, e, &emile, None).await;
    let mut archie_phone = add_contact(store, tenant, owner, a, &archie, None).await;
    let trashy = tagged(named("Trashy", "Tom"), "vip");
    let mut trashy_phone = add_contact(store, tenant, owner, t, &trashy, None).await;
    let mut later_phone =
        add_contact(store, tenant, owner, l, &named("Later", "Trash"), None).await;
    let private = Some(Visibility::private());
    let secret = tagged(tagged(named("Sam", "Secret"), "vip"), "golf");
    add_contact(store, tenant, ben, p, &secret, private).await;
    add_contact(store, tenant, ana, n, &named("Nana", "New"), None).await;
    save_edit(store, tenant, owner, &mut trashy_phone, |c| {
        c.lifecycle.trashed_at_ms = Some(1_000)
    })
    .await;
    save_edit(store, tenant, owner, &mut later_phone, |c| {
        c.lifecycle.trashed_at_ms = Some(5_000)
    })
    .await;

    // Shelves: archived contacts leave the default list, trashed ones are only in the trash.
    assert_eq!(
        listed(store, &team, ana, on(Shelf::Active)).await,
        [e, j, n]
    );
    assert_eq!(listed(store, &team, ana, on(Shelf::Archived)).await, [a]);
    assert_eq!(listed(store, &team, ana, on(Shelf::Trash)).await, [l, t]);
    assert_eq!(
        listed(store, &team, ana, on(Shelf::NotTrashed)).await,
        [a, e, j, n]
    );
    assert_eq!(
        listed(store, &team, ben, on(Shelf::Active)).await,
        [e, j, n, p]
    );

    // Filters, alone and together.
    let by_type = |kind: &str| ContactQuery {
        contact_type: Some(kind.into()),
        ..ContactQuery::default()
    };
    assert_eq!(listed(store, &team, ana, by_type("customer")).await, [j]);
    assert_eq!(listed(store, &team, ana, by_type("partner")).await, [e]);
    assert_eq!(listed(store, &team, ana, by_type("lead")).await, [n]);
    let by_level = |level: &str| ContactQuery {
        level: Some(level.into()),
        ..ContactQuery::default()
    };
    assert_eq!(listed(store, &team, ana, by_level("primary")).await, [j]);
    assert_eq!(listed(store, &team, ana, by_level("secondary")).await, [e]);
    assert!(
        listed(store, &team, ana, by_level("tertiary"))
            .await
            .is_empty()
    );
    let by_owner = |member| ContactQuery {
        owner: Some(member),
        ..ContactQuery::default()
    };
    assert_eq!(listed(store, &team, ana, by_owner(ana)).await, [n]);
    assert_eq!(listed(store, &team, ana, by_owner(owner)).await, [e, j]);
    assert!(
        listed(store, &team, ana, by_owner(ben)).await.is_empty(),
        "ben's is private"
    );
    assert_eq!(listed(store, &team, ben, by_owner(ben)).await, [p]);
    let vip = |shelf| ContactQuery {
        tag: Some("vip".into()),
        shelf,
        ..ContactQuery::default()
    };
    assert_eq!(listed(store, &team, ana, vip(Shelf::Active)).await, [e, j]);
    assert_eq!(listed(store, &team, ana, vip(Shelf::Archived)).await, [a]);
    assert_eq!(listed(store, &team, ana, vip(Shelf::Trash)).await, [t]);
    assert_eq!(
        listed(store, &team, ben, vip(Shelf::Active)).await,
        [e, j, p]
    );
    let vip_customers = ContactQuery {
        contact_type: Some("customer".into()),
        ..vip(Shelf::Active)
    };
    assert_eq!(listed(store, &team, ana, vip_customers).await, [j]);

    // A list shows each contact as it reads.
    let page = list_all(store, tenant, ana, by_type("customer")).await;
    let shown = &page[0];
    assert!(shown.changed_ms > 0);
    assert_eq!(
        shown,
        &ContactSummary {
            id: j,
            display_name: "José Álvarez".into(),
            owner,
            companies: Vec::new(),
            emails: vec!["jose@example.com".into()],
            phones: Vec::new(),
            tags: vec!["golf".into(), "vip".into()],
            contact_type: "customer".into(),
            level: Some("primary".into()),
            archived: false,
            trashed_at_ms: None,
            changed_ms: shown.changed_ms,
        }
    );

    // Tags are counted over what the caller sees, out of the trash; ben sees his own too.
    let ana_viewer = viewer(store, tenant, ana).await;
    let ben_viewer = viewer(store, tenant, ben).await;
    assert_eq!(
        store.tags(tenant, &ana_viewer).await.unwrap(),
        tag_counts(&[("golf", 1), ("vip", 3)])
    );
    let ben_counts = tag_counts(&[("golf", 2), ("vip", 4)]);
    assert_eq!(store.tags(tenant, &ben_viewer).await.unwrap(), ben_counts);
    // Renaming a tag reaches every contact of the company holding it, whoever sees it.
    let mut every_vip = vec![j, e, a, t, p];
    every_vip.sort();
    assert_eq!(
        store.contacts_tagged(tenant, "vip").await.unwrap(),
        every_vip
    );
    assert!(
        store
            .contacts_tagged(tenant, "VIP")
            .await
            .unwrap()
            .is_empty()
    );

    // The purge job finds what sat in the trash long enough.
    let trashed = |before: i64| async move {
        let mut found = store.trashed_before(before, 10).await.unwrap();
        found.sort();
        found
    };
    assert!(trashed(1_000).await.is_empty());
    assert_eq!(trashed(2_000).await, [(tenant, t)]);
    assert_eq!(trashed(10_000).await, [(tenant, t), (tenant, l)]);
    assert_eq!(store.trashed_before(10_000, 1).await.unwrap().len(), 1);

    // Out of the archive, back from the trash: the default list again, and counted.
    save_edit(store, tenant, owner, &mut archie_phone, |c| {
        c.lifecycle.archived = false
    })
    .await;
    save_edit(store, tenant, owner, &mut trashy_phone, |c| {
        c.lifecycle.trashed_at_ms = None
    })
    .await;
    assert_eq!(
        listed(store, &team, ana, on(Shelf::Active)).await,
        [a, e, j, n, t]
    );
    assert!(
        listed(store, &team, ana, on(Shelf::Archived))
            .await
            .is_empty()
    );
    assert_eq!(listed(store, &team, ana, on(Shelf::Trash)).await, [l]);
    assert_eq!(
        store.tags(tenant, &ana_viewer).await.unwrap(),
        tag_counts(&[("golf", 1), ("vip", 4)])
    );
    assert_eq!(trashed(10_000).await, [(tenant, l)]);

    // Purged: gone from every list, count and job.
    store.purge(tenant, l).await.unwrap();
    store.purge(tenant, e).await.unwrap();
    assert!(listed(store, &team, ana, on(Shelf::Trash)).await.is_empty());
    assert!(trashed(10_000).await.is_empty());
    every_vip.retain(|id| *id != e);
    assert_eq!(
        store.contacts_tagged(tenant, "vip").await.unwrap(),
        every_vip
    );
    assert_eq!(
        store.tags(tenant, &ana_viewer).await.unwrap(),
        tag_counts(&[("golf", 1), ("vip", 3)])
    );
}

pub async fn a_contact_loads_whole_with_its_metadata_until_purged(store: &dyn Store) {
    let team = team(store, "loading").await;
    let (tenant, ana) = (team.tenant, team.ana);
    let private = Some(Visibility::private());
    let mut phone = add_contact(
        store,
        tenant,
        ana,
        contact(1),
        &named("Aiko", "Sato"),
        private,
    )
    .await;
    save_edit(store, tenant, ana, &mut phone, |c| {
        c.notes = "Prefers email".into()
    })
    .await;

    let loaded = store
        .load_contact(tenant, contact(1))
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(
        loaded.meta,
        DocMeta {
            owner: ana,
            visibility: Visibility::private(),
        }
    );
    let read = loaded.doc.contact().unwrap();
    assert_eq!(
        read,
        phone.doc.contact().unwrap(),
        "the document as the phone has it"
    );
    assert_eq!(read.notes.as_str(), "Prefers email");
    assert!(
        store
            .load_contact(tenant, contact(2))
            .await
            .unwrap()
            .is_none()
    );
    let other = team_elsewhere(store).await;
    assert!(
        store
            .load_contact(other, contact(1))
            .await
            .unwrap()
            .is_none(),
        "another company has no such contact"
    );

    store.purge(tenant, contact(1)).await.unwrap();
    assert!(
        store
            .load_contact(tenant, contact(1))
            .await
            .unwrap()
            .is_none()
    );
}

async fn team_elsewhere(store: &dyn Store) -> TenantId {
    team(store, "elsewhere").await.tenant
}
