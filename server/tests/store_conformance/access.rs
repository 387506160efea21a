//! A member as the access rules see them (`Store::access`): their groups, their org units with
//! every unit above, whether active, and the tenant's access generation, which moves with
//! every change of who is where and with nothing else (a node holding members' access reads
//! it again only when it moved).

use std::collections::BTreeSet;

use server::store::{Role, Store, StoreError, UnitChange};
use sync_core::access::Viewer;
use sync_core::ids::{MemberId, TenantId};
use sync_core::wire::Visibility;

use super::support::{Phone, contact, push, team};

async fn generation(store: &dyn Store, tenant: TenantId, member: MemberId) -> u64 {
    store.access(tenant, member).await.unwrap().generation
}

pub async fn a_members_access_names_their_groups_units_above_and_activity(store: &dyn Store) {
    let team = team(store, "access").await;
    let (tenant, ana, ben) = (team.tenant, team.ana, team.ben);
    let fresh = store.access(tenant, ana).await.unwrap();
    assert_eq!(
        fresh.viewer,
        Viewer::member_only(ana),
        "a new member is active, in nothing"
    );

    // Groups and units of her own, and every unit above hers.
    let sales = store.create_group(tenant, "Sales").await.unwrap();
    let events = store.create_group(tenant, "Events").await.unwrap();
    let head_office = store
        .create_unit(tenant, "Head office", None)
        .await
        .unwrap();
    let region = store
        .create_unit(tenant, "Kanto", Some(head_office))
        .await
        .unwrap();
    let tokyo = store
        .create_unit(tenant, "Tokyo", Some(region))
        .await
        .unwrap();
    let osaka = store
        .create_unit(tenant, "Osaka", Some(head_office))
        .await
        .unwrap();
    store.add_to_group(tenant, sales, ana).await.unwrap();
    store.add_to_group(tenant, events, ana).await.unwrap();
    store.add_to_unit(tenant, tokyo, ana).await.unwrap();
    let access = store.access(tenant, ana).await.unwrap();
    assert_eq!(access.viewer.member, ana);
    assert_eq!(access.viewer.groups, BTreeSet::from([sales, events]));
    assert_eq!(
        access.viewer.units,
        BTreeSet::from([tokyo, region, head_office]),
        "a member of Tokyo counts for Kanto and Head office above it"
    );
    assert!(access.viewer.active);
    assert_eq!(
        store.access(tenant, ben).await.unwrap().viewer,
        Viewer::member_only(ben),
        "ben is in none of it"
    );

    // A second unit of her own brings its own ancestors; Head office is not counted twice.
    store.add_to_unit(tenant, osaka, ana).await.unwrap();
    assert_eq!(
        store.access(tenant, ana).await.unwrap().viewer.units,
        BTreeSet::from([tokyo, region, osaka, head_office])
    );
    store.remove_from_unit(tenant, osaka, ana).await.unwrap();

    // Kanto moves to the top: Tokyo is no longer below Head office.
    let change = UnitChange {
        name: None,
        parent: Some(None),
    };
    store.update_unit(tenant, region, &change).await.unwrap();
    assert_eq!(
        store.access(tenant, ana).await.unwrap().viewer.units,
        BTreeSet::from([tokyo, region])
    );

    store.remove_from_group(tenant, events, ana).await.unwrap();
    store.set_member_active(tenant, ana, false).await.unwrap();
    let access = store.access(tenant, ana).await.unwrap();
    assert_eq!(access.viewer.groups, BTreeSet::from([sales]));
    assert!(!access.viewer.active, "deactivated");
    store.set_member_active(tenant, ana, true).await.unwrap();
    assert!(store.access(tenant, ana).await.unwrap().viewer.active);

    // Deleting a unit takes its members out; deleting a group, too.
    store.delete_unit(tenant, tokyo).await.unwrap();
    store.delete_group(tenant, sales).await.unwrap();
    assert_eq!(
        store.access(tenant, ana).await.unwrap().viewer,
        Viewer::member_only(ana)
    );

    // Nobody by that id, here or at all.
    let other = super::support::team(store, "elsewhere").await;
    for (tenant, member) in [(tenant, other.ana), (tenant, MemberId::from_u128(77))] {
        let missing = store.access(tenant, member).await;
        assert!(
            matches!(missing, Err(StoreError::NotFound { .. })),
            "{missing:?}"
        );
    }
    assert_eq!(
        store.access(other.tenant, other.ana).await.unwrap().viewer,
        Viewer::member_only(other.ana)
    );
}

pub async fn the_access_generation_moves_with_every_directory_change_and_nothing_else(
    store: &dyn Store,
) {
    let team = team(store, "generation").await;
    let (tenant, owner, ana, ben) = (team.tenant, team.owner, team.ana, team.ben);
    let other = team_elsewhere(store).await;
    let mut seen = generation(store, tenant, ana).await;
    assert_eq!(
        generation(store, tenant, ben).await,
        seen,
        "one generation for the whole company"
    );

    // What changes nobody's groups, units or activity leaves it where it is.
    let sales = store.create_group(tenant, "Sales").await.unwrap();
    let top = store
        .create_unit(tenant, "Head office", None)
        .await
        .unwrap();
    let below = store.create_unit(tenant, "Tokyo", Some(top)).await.unwrap();
    let elsewhere = store.create_unit(tenant, "Osaka", None).await.unwrap();
    store
        .rename_group(tenant, sales, "Sales team")
        .await
        .unwrap();
    let rename = UnitChange {
        name: Some("Tokyo branch".into()),
        parent: None,
    };
    store.update_unit(tenant, below, &rename).await.unwrap();
    store
        .set_member_role(tenant, ana, Role::Admin)
        .await
        .unwrap();
    let (_, created) = Phone::create(contact(1), 1, "Aiko");
    store
        .commit(
            tenant,
            &Viewer::member_only(owner),
            &[push(contact(1), &[&created])],
        )
        .await
        .unwrap();
    store
        .set_visibility(tenant, contact(1), &Visibility::members(vec![ana]))
        .await
        .unwrap();
    store
        .register_device(tenant, ana, "Ana's phone")
        .await
        .unwrap();
    // A company of its own changes its own generation only.
    store.add_to_group(other.0, other.1, other.2).await.unwrap();
    assert_eq!(generation(store, tenant, ana).await, seen);

    // Each change of who is where moves it, and the fan-out's tail carries it along.
    let moved = async |what: &str, seen: &mut u64| {
        let now = generation(store, tenant, ana).await;
        assert!(now > *seen, "{what} did not move the access generation");
        let tail = store.feed_tail(tenant, 0, 1_000).await.unwrap().unwrap();
        assert_eq!(tail.access_gen, now, "the feed's tail reads the generation");
        *seen = now;
    };
    store.add_to_group(tenant, sales, ana).await.unwrap();
    moved("joining a group", &mut seen).await;
    store.add_to_unit(tenant, below, ben).await.unwrap();
    moved("joining a unit", &mut seen).await;
    let move_up = UnitChange {
        name: None,
        parent: Some(Some(elsewhere)),
    };
    store.update_unit(tenant, below, &move_up).await.unwrap();
    moved("moving a unit with a member below", &mut seen).await;
    store.set_member_active(tenant, ben, false).await.unwrap();
    moved("deactivating", &mut seen).await;
    store.set_member_active(tenant, ben, true).await.unwrap();
    moved("reactivating", &mut seen).await;
    store.remove_from_unit(tenant, below, ben).await.unwrap();
    moved("leaving a unit", &mut seen).await;
    store.remove_from_group(tenant, sales, ana).await.unwrap();
    moved("leaving a group", &mut seen).await;
    store.add_to_group(tenant, sales, ben).await.unwrap();
    moved("joining a group again", &mut seen).await;
    store.delete_group(tenant, sales).await.unwrap();
    moved("deleting a group with a member", &mut seen).await;
    store.add_to_unit(tenant, top, ana).await.unwrap();
    moved("joining the top unit", &mut seen).await;
    store.delete_unit(tenant, top).await.unwrap();
    moved("deleting a unit with a member", &mut seen).await;

    // A repeated join, or a refused move, is no change.
    store.add_to_unit(tenant, elsewhere, ana).await.unwrap();
    moved("joining Osaka", &mut seen).await;
    store.add_to_unit(tenant, elsewhere, ana).await.unwrap();
    let inside = UnitChange {
        name: None,
        parent: Some(Some(below)),
    };
    let refused = store.update_unit(tenant, elsewhere, &inside).await;
    assert!(
        matches!(refused, Err(StoreError::Refused { .. })),
        "{refused:?}"
    );
    assert_eq!(generation(store, tenant, ana).await, seen);
}

/// Another company with a group and a member, as (tenant, group, member).
async fn team_elsewhere(store: &dyn Store) -> (TenantId, sync_core::ids::GroupId, MemberId) {
    let other = team(store, "neighbours").await;
    let group = store.create_group(other.tenant, "Sales").await.unwrap();
    (other.tenant, group, other.ana)
}
