//! Handing a contact to another member (`Store::transfer_owner`), as the reference store
//! does it: the previous owner stays listed unless everyone sees the contact, whoever gains
//! sight of it is granted it, everyone who sees it hears of its new metadata, and a new owner
//! who could not see it (deactivated, or no member of the company) is refused.

use server::store::listing::ContactQuery;
use server::store::{Store, StoreError};
use sync_core::ids::{ContactId, MemberId};
use sync_core::wire::{DocMeta, Visibility};

use super::support::{Phone, Shadow, contact, ids, items, list_all, push_shared, read_all, team};

/// What `member` reads after `after`.
async fn feed_after(
    s: &Shadow<'_>,
    member: MemberId,
    after: u64,
) -> Vec<(&'static str, ContactId)> {
    items(&read_all(s.store, s.team.tenant, member, after).await)
}

async fn head(s: &Shadow<'_>) -> u64 {
    s.store.head(s.team.tenant).await.expect("head")
}

/// `member` creates a contact shared as `visibility` says.
async fn create(s: &mut Shadow<'_>, member: MemberId, id: ContactId, visibility: Visibility) {
    let (_, created) = Phone::create(id, 4, "Handed over");
    s.commit(member, &[push_shared(id, &[&created], visibility)])
        .await;
}

pub async fn a_transferred_contact_keeps_its_old_owner_in_sight_unless_everyone_sees_it(
    store: &dyn Store,
) {
    let mut s = Shadow::new(store, "handover").await;
    let (owner, ana, ben) = (s.team.owner, s.team.ana, s.team.ben);
    let sales = s.create_group("Sales").await;
    s.join_group(ben, sales).await;
    create(&mut s, owner, contact(1), Visibility::private()).await;
    create(&mut s, owner, contact(2), Visibility::All).await;
    let shared = Visibility::Members {
        members: vec![ana],
        groups: vec![sales],
        units: Vec::new(),
    };
    create(&mut s, owner, contact(3), shared).await;

    // A private contact: ana owns it now, the owner stays listed and keeps it.
    let before = head(&s).await;
    let meta = s
        .transfer_owner(contact(1), ana)
        .await
        .expect("transferred");
    assert_eq!(
        meta,
        DocMeta {
            owner: ana,
            visibility: Visibility::members(vec![owner]),
        }
    );
    assert_eq!(
        feed_after(&s, ana, before).await,
        [("grant", contact(1)), ("meta", contact(1))],
        "the new owner's phones receive it whole"
    );
    assert_eq!(
        feed_after(&s, owner, before).await,
        [("meta", contact(1))],
        "the old owner keeps it and learns who owns it"
    );
    assert!(feed_after(&s, ben, before).await.is_empty());
    let stored = store.doc_meta(s.team.tenant, contact(1)).await.unwrap();
    assert_eq!(stored.as_ref(), Some(&meta));
    let loaded = store.load_contact(s.team.tenant, contact(1)).await.unwrap();
    assert_eq!(loaded.map(|loaded| loaded.meta), Some(meta));

    // Shared with everyone: it stays so, with nobody listed.
    let before = head(&s).await;
    let meta = s
        .transfer_owner(contact(2), ben)
        .await
        .expect("transferred");
    assert_eq!(
        meta,
        DocMeta {
            owner: ben,
            visibility: Visibility::All,
        }
    );
    for member in [owner, ana, ben] {
        assert_eq!(feed_after(&s, member, before).await, [("meta", contact(2))]);
    }

    // Shared with ana and Sales: ben owns it, the owner joins the list, Sales stays.
    let meta = s
        .transfer_owner(contact(3), ben)
        .await
        .expect("transferred");
    let mut listed = vec![ana, owner];
    listed.sort();
    assert_eq!(
        meta.visibility,
        Visibility::Members {
            members: listed,
            groups: vec![sales],
            units: Vec::new(),
        }
    );

    s.assert_same_sight("three contacts handed over").await;

    // Giving a contact to its owner changes nothing and tells no one.
    let before = head(&s).await;
    assert_eq!(s.transfer_owner(contact(3), ben).await.unwrap(), meta);
    assert_eq!(head(&s).await, before);

    // Lists follow the owner: ana finds contact 1 as hers; the old owner still sees it.
    let by_owner = |member| ContactQuery {
        owner: Some(member),
        limit: 10,
        ..ContactQuery::default()
    };
    let tenant = s.team.tenant;
    assert_eq!(
        ids(&list_all(store, tenant, ana, by_owner(ana)).await),
        [contact(1)]
    );
    assert_eq!(
        ids(&list_all(store, tenant, owner, by_owner(ana)).await),
        [contact(1)]
    );
    assert!(list_all(store, tenant, ben, by_owner(ana)).await.is_empty());
    assert_eq!(
        ids(&list_all(store, tenant, ana, by_owner(ben)).await),
        [contact(2), contact(3)]
    );
    let last = head(&s).await;
    s.assert_same_feed(0..=last + 1).await;
}

pub async fn a_contact_goes_only_to_an_active_member_of_its_company(store: &dyn Store) {
    let mut s = Shadow::new(store, "refusals").await;
    let (owner, ana, ben) = (s.team.owner, s.team.ana, s.team.ben);
    let tenant = s.team.tenant;
    create(&mut s, owner, contact(1), Visibility::private()).await;
    create(&mut s, ana, contact(2), Visibility::private()).await;
    let unchanged = store.doc_meta(tenant, contact(1)).await.unwrap();

    s.set_active(ben, false).await;
    let before = head(&s).await;
    let refused = s.transfer_owner(contact(1), ben).await;
    assert!(
        matches!(&refused, Err(StoreError::Refused { field, .. }) if field == "owner"),
        "a deactivated member cannot own a contact: {refused:?}"
    );
    // Neither can someone of another company, or no one at all.
    let stranger = team(store, "strangers").await.ana;
    for nobody in [stranger, MemberId::from_u128(404)] {
        let refused = store.transfer_owner(tenant, contact(1), nobody).await;
        assert!(
            matches!(&refused, Err(StoreError::Refused { field, .. }) if field == "owner"),
            "{nobody} is no member here: {refused:?}"
        );
    }
    assert_eq!(head(&s).await, before, "a refused transfer writes nothing");
    assert_eq!(store.doc_meta(tenant, contact(1)).await.unwrap(), unchanged);
    let missing = store.transfer_owner(tenant, contact(9), ana).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound { .. })),
        "{missing:?}"
    );

    // A deactivated owner's contact is handed on (offboarding): they stay listed, and see it
    // again if they come back.
    s.set_active(ben, true).await;
    s.set_active(ana, false).await;
    let before = head(&s).await;
    let meta = s
        .transfer_owner(contact(2), ben)
        .await
        .expect("transferred");
    assert_eq!(meta.visibility, Visibility::members(vec![ana]));
    assert_eq!(
        feed_after(&s, ben, before).await,
        [("grant", contact(2)), ("meta", contact(2))]
    );
    assert!(feed_after(&s, ana, before).await.is_empty());
    let before = head(&s).await;
    s.set_active(ana, true).await;
    assert_eq!(feed_after(&s, ana, before).await, [("grant", contact(2))]);
    s.assert_same_sight("ana's contact handed to ben while she was away")
        .await;

    // Purged: nothing to hand over.
    s.purge(contact(1)).await;
    let purged = store.transfer_owner(tenant, contact(1), ana).await;
    assert!(
        matches!(purged, Err(StoreError::NotFound { .. })),
        "{purged:?}"
    );
    let last = head(&s).await;
    s.assert_same_feed(0..=last + 1).await;
}
