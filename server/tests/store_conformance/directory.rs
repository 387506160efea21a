//! Groups, org units and who is active: each change of the directory grants and revokes
//! exactly the contacts whose audience it moves, as the reference store decides, so a member's
//! phones gain and drop them live.

use server::store::{Store, StoreError};
use sync_core::accept::codes;
use sync_core::ids::{ContactId, GroupId, MemberId, UnitId};
use sync_core::wire::Visibility;

use super::support::{
    Phone, Shadow, accepted, contact, items, push, push_shared, read_all, refused,
};

/// Shared with these groups (and the owner).
fn with_groups(groups: &[GroupId]) -> Visibility {
    Visibility::Members {
        members: Vec::new(),
        groups: groups.to_vec(),
        units: Vec::new(),
    }
}

/// Shared with these org units (and the owner).
fn with_units(units: &[UnitId]) -> Visibility {
    Visibility::Members {
        members: Vec::new(),
        groups: Vec::new(),
        units: units.to_vec(),
    }
}

/// The owner creates a contact named `name`, shared as `visibility` says.
async fn create(s: &mut Shadow<'_>, id: ContactId, name: &str, visibility: Visibility) -> Phone {
    let (phone, created) = Phone::create(id, 1, name);
    let owner = s.team.owner;
    s.commit(owner, &[push_shared(id, &[&created], visibility)])
        .await;
    phone
}

/// What `member` reads after `after`: the kind and contact of each item.
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

pub async fn a_member_added_to_a_group_gains_its_contacts_and_loses_them_when_removed(
    store: &dyn Store,
) {
    let mut s = Shadow::new(store, "groups").await;
    let (ana, ben) = (s.team.ana, s.team.ben);
    let sales = s.create_group("Sales").await;
    let mut deal = create(&mut s, contact(1), "Deal", with_groups(&[sales])).await;
    create(&mut s, contact(2), "Everyone's", Visibility::All).await;

    // Ana is in no group: the contact shared with Sales is not hers to see or edit.
    assert_eq!(feed_after(&s, ana, 0).await, [("grant", contact(2))]);
    let early = deal.fork(2).edit(|c| c.name.family = "Early".into());
    let results = s.commit(ana, &[push(contact(1), &[&early])]).await;
    assert_eq!(refused(&results[0]), codes::FORBIDDEN);

    s.assert_same_sight("before ana joins Sales").await;
    let before = head(&s).await;
    s.join_group(ana, sales).await;
    assert_eq!(
        feed_after(&s, ana, before).await,
        [("grant", contact(1))],
        "joining Sales gives ana's phones its contact, whole"
    );
    s.assert_same_sight("ana joined Sales").await;
    assert!(
        feed_after(&s, ben, before).await.is_empty(),
        "ben is not told"
    );
    let edit = deal.edit(|c| c.name.family = "Won".into());
    s.commit(ana, &[push(contact(1), &[&edit])]).await;

    // Joining again changes nobody's sight and writes nothing.
    let before = head(&s).await;
    s.join_group(ana, sales).await;
    assert_eq!(head(&s).await, before, "a repeated join writes no row");

    s.leave_group(ana, sales).await;
    assert_eq!(
        feed_after(&s, ana, before).await,
        [("revoke", contact(1))],
        "leaving Sales drops its contact from ana's phones"
    );
    s.assert_same_sight("ana left Sales").await;
    let late = deal.fork(3).edit(|c| c.name.family = "Late".into());
    let results = s.commit(ana, &[push(contact(1), &[&late])]).await;
    assert_eq!(refused(&results[0]), codes::FORBIDDEN);

    // A member in no group never sees what is shared with groups, even on a new phone.
    let ben_sees = feed_after(&s, ben, 0).await;
    assert!(!ben_sees.contains(&("grant", contact(1))), "{ben_sees:?}");
    let last = head(&s).await;
    s.assert_same_feed(0..=last + 1).await;
}

pub async fn a_contact_shared_with_a_unit_is_seen_from_the_units_below_until_one_moves_away(
    store: &dyn Store,
) {
    let mut s = Shadow::new(store, "units").await;
    let (ana, ben) = (s.team.ana, s.team.ben);
    let head_office = s.create_unit("Head office", None).await;
    let sales = s.create_unit("Sales", Some(head_office)).await;
    let tokyo = s.create_unit("Tokyo", Some(sales)).await;
    let support = s.create_unit("Support", None).await;
    create(&mut s, contact(1), "Sales lead", with_units(&[sales])).await;

    let before = head(&s).await;
    s.join_unit(ana, tokyo).await;
    s.join_unit(ben, support).await;
    assert_eq!(
        feed_after(&s, ana, before).await,
        [("grant", contact(1))],
        "a member of Tokyo, below Sales, sees what is shared with Sales"
    );
    assert!(feed_after(&s, ben, before).await.is_empty());
    s.assert_same_sight("ana in Tokyo below Sales, ben in Support")
        .await;

    let before = head(&s).await;
    s.move_unit(tokyo, Some(support)).await.expect("moved");
    assert_eq!(
        feed_after(&s, ana, before).await,
        [("revoke", contact(1))],
        "Tokyo moved under Support is no longer below Sales"
    );
    s.assert_same_sight("Tokyo moved under Support").await;

    // Back under Sales, Tokyo's members see its contact again. Sales can't move into itself
    // or below itself (into Tokyo): refused, writing and moving nothing.
    s.move_unit(tokyo, Some(sales)).await.expect("moved back");
    let before = head(&s).await;
    for inside in [tokyo, sales] {
        let refused = s.move_unit(sales, Some(inside)).await;
        assert!(
            matches!(refused, Err(StoreError::Refused { ref field, .. }) if field == "parent"),
            "{refused:?}"
        );
    }
    assert_eq!(head(&s).await, before, "a refused move writes nothing");
    let units = store.units(s.team.tenant).await.unwrap();
    let parent_of = |unit| units.iter().find(|u| u.id == unit).unwrap().parent;
    assert_eq!(parent_of(sales), Some(head_office), "and moves nothing");

    // Support, with ben, moves under Sales: ben gains the contact; ana, back below Sales,
    // has it already.
    s.move_unit(support, Some(sales)).await.expect("moved");
    assert!(feed_after(&s, ana, before).await.is_empty());
    assert_eq!(feed_after(&s, ben, before).await, [("grant", contact(1))]);
    s.assert_same_sight("Support moved under Sales").await;
    // Moving Sales to the top changes no one's sight: its members stay below it.
    let before = head(&s).await;
    s.move_unit(sales, None).await.expect("moved");
    assert_eq!(head(&s).await, before);

    let before = head(&s).await;
    s.leave_unit(ana, tokyo).await;
    assert_eq!(feed_after(&s, ana, before).await, [("revoke", contact(1))]);
    s.assert_same_sight("ana left Tokyo").await;
    let last = head(&s).await;
    s.assert_same_feed(0..=last + 1).await;
}

pub async fn deleting_a_group_or_a_unit_revokes_what_it_shared(store: &dyn Store) {
    let mut s = Shadow::new(store, "deletions").await;
    let (ana, ben) = (s.team.ana, s.team.ben);
    let tenant = s.team.tenant;
    let sales = s.create_group("Sales").await;
    s.join_group(ana, sales).await;
    create(&mut s, contact(1), "Group's", with_groups(&[sales])).await;
    let head_office = s.create_unit("Head office", None).await;
    let tokyo = s.create_unit("Tokyo", Some(head_office)).await;
    let support = s.create_unit("Support", None).await;
    s.join_unit(ana, tokyo).await;
    s.join_unit(ben, support).await;
    create(
        &mut s,
        contact(2),
        "Head office's",
        with_units(&[head_office]),
    )
    .await;
    create(&mut s, contact(3), "Support's", with_units(&[support])).await;
    assert_eq!(
        feed_after(&s, ana, 0).await,
        [("grant", contact(1)), ("grant", contact(2))]
    );

    let before = head(&s).await;
    s.delete_group_of_one(sales, ana).await;
    assert_eq!(feed_after(&s, ana, before).await, [("revoke", contact(1))]);
    assert!(store.groups(tenant).await.unwrap().is_empty());

    // Deleting Head office moves Tokyo to the top: ana, in Tokyo, loses what Head office had.
    let before = head(&s).await;
    store.delete_unit(tenant, head_office).await.unwrap();
    s.reference.move_unit(tokyo, None).unwrap();
    assert_eq!(feed_after(&s, ana, before).await, [("revoke", contact(2))]);
    let units = store.units(tenant).await.unwrap();
    let tokyo_now = units
        .iter()
        .find(|unit| unit.id == tokyo)
        .expect("Tokyo stays");
    assert_eq!(
        (tokyo_now.parent, tokyo_now.members.clone()),
        (None, vec![ana])
    );

    // Deleting Support takes ben out of it.
    let before = head(&s).await;
    store.delete_unit(tenant, support).await.unwrap();
    s.reference.leave_unit(ben, support);
    assert_eq!(feed_after(&s, ben, before).await, [("revoke", contact(3))]);
    assert!(
        !store
            .units(tenant)
            .await
            .unwrap()
            .iter()
            .any(|u| u.id == support)
    );
    s.assert_same_sight("Sales, Head office and Support deleted")
        .await;
    let last = head(&s).await;
    s.assert_same_feed(0..=last + 1).await;

    // A group of two: one revoke row tells both (the reference, knowing no groups, is not
    // asked).
    let pair = s.create_group("Pair").await;
    s.join_group(ana, pair).await;
    s.join_group(ben, pair).await;
    create(&mut s, contact(4), "Pair's", with_groups(&[pair])).await;
    let before = head(&s).await;
    s.delete_group(pair).await;
    for member in [ana, ben] {
        assert_eq!(
            feed_after(&s, member, before).await,
            [("revoke", contact(4))]
        );
    }
    let owner = s.team.owner;
    assert!(
        feed_after(&s, owner, before).await.is_empty(),
        "the owner keeps it"
    );
    s.assert_same_sight("Pair deleted").await;
}

pub async fn a_deactivated_member_loses_everything_and_gets_it_back_when_reactivated(
    store: &dyn Store,
) {
    let mut s = Shadow::new(store, "deactivation").await;
    let (owner, ana) = (s.team.owner, s.team.ana);
    let sales = s.create_group("Sales").await;
    s.join_group(ana, sales).await;
    create(&mut s, contact(1), "Everyone's", Visibility::All).await;
    create(&mut s, contact(2), "Sales'", with_groups(&[sales])).await;
    create(&mut s, contact(3), "Private", Visibility::private()).await;
    let (mut own, created) = Phone::create(contact(4), 2, "Ana's own");
    s.commit(ana, &[push(contact(4), &[&created])]).await;
    let (everyone, sales_s, own_id) = (contact(1), contact(2), contact(4));

    let before = head(&s).await;
    s.set_active(ana, false).await;
    let mut lost = feed_after(&s, ana, before).await;
    lost.sort();
    assert_eq!(
        lost,
        [
            ("revoke", everyone),
            ("revoke", sales_s),
            ("revoke", own_id)
        ],
        "a deactivated member's phones drop everything, their own contacts included"
    );
    assert!(
        feed_after(&s, ana, 0).await.is_empty(),
        "a new phone gets nothing"
    );
    s.assert_same_sight("ana deactivated").await;
    assert!(
        feed_after(&s, owner, before).await.is_empty(),
        "no one else is told"
    );
    let edit = own.edit(|c| c.name.family = "Gone".into());
    let results = s.commit(ana, &[push(contact(4), &[&edit])]).await;
    assert_eq!(refused(&results[0]), codes::FORBIDDEN);
    // Nor create any. (Store and reference word the refusal differently; the code is what a
    // client reads.)
    let (_, new) = Phone::create(contact(5), 2, "After");
    let new = [push(contact(5), &[&new])];
    let inactive = s.store.access(s.team.tenant, ana).await.unwrap().viewer;
    let results = s
        .store
        .commit(s.team.tenant, &inactive, &new)
        .await
        .unwrap();
    assert_eq!(refused(&results[0]), codes::FORBIDDEN);
    assert_eq!(refused(&s.reference.commit(ana, &new)[0]), codes::FORBIDDEN);

    let before = head(&s).await;
    s.set_active(ana, true).await;
    let mut regained = feed_after(&s, ana, before).await;
    regained.sort();
    assert_eq!(
        regained,
        [("grant", everyone), ("grant", sales_s), ("grant", own_id)],
        "reactivated, she gets back what she may see, and no more"
    );
    s.assert_same_sight("ana reactivated").await;
    let results = s.commit(ana, &[push(contact(4), &[&edit])]).await;
    accepted(&results[0]);
    let last = head(&s).await;
    s.assert_same_feed(0..=last + 1).await;
}
