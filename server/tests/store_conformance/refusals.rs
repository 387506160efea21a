//! What the store refuses, and that a refusal leaves everything as it was: directory changes
//! naming a group, unit or member that is not the company's (or a name already taken), and
//! sharing that `sync_core` refuses (more than `MAX_SHARED_MEMBERS` listed, from a push, a
//! visibility change or the previous owner added by a transfer). What it accepts is stored as
//! `Visibility::normalized` makes it.

use server::store::listing::ContactQuery;
use server::store::{GroupRecord, Role, Store, StoreError, UnitChange, UnitRecord};
use sync_core::accept::codes;
use sync_core::ids::{ContactId, MemberId, TenantId};
use sync_core::wire::{DocMeta, MAX_SHARED_MEMBERS, Visibility};

use super::support::{Phone, accepted, ids, list_all, push_shared, refused, team, viewer};

/// Everything a refusal must leave as it was: the feed's head, the access generation, the
/// groups and the units.
#[derive(Debug, PartialEq, Eq)]
struct Directory {
    head: u64,
    generation: u64,
    groups: Vec<GroupRecord>,
    units: Vec<UnitRecord>,
}

async fn directory(store: &dyn Store, tenant: TenantId, member: MemberId) -> Directory {
    Directory {
        head: store.head(tenant).await.unwrap(),
        generation: store.access(tenant, member).await.unwrap().generation,
        groups: store.groups(tenant).await.unwrap(),
        units: store.units(tenant).await.unwrap(),
    }
}

fn assert_not_found(what: &str, result: Result<(), StoreError>) {
    assert!(
        matches!(result, Err(StoreError::NotFound { .. })),
        "{what}: {result:?}"
    );
}

fn assert_refused(what: &str, field: &str, result: Result<impl std::fmt::Debug, StoreError>) {
    match result {
        Err(StoreError::Refused { field: refused, .. }) if refused == field => {}
        other => panic!("{what}: expected a refusal of {field:?}, got {other:?}"),
    }
}

pub async fn directory_changes_naming_what_is_not_the_companys_change_nothing(store: &dyn Store) {
    let us = team(store, "refusals").await;
    let (tenant, ana, ben) = (us.tenant, us.ana, us.ben);
    let golf = store.create_group(tenant, "Golf").await.unwrap();
    store.create_group(tenant, "Board").await.unwrap();
    let sales = store.create_unit(tenant, "Sales", None).await.unwrap();
    store.add_to_group(tenant, golf, ana).await.unwrap();
    store.add_to_unit(tenant, sales, ana).await.unwrap();
    let other = team(store, "neighbours").await;
    let their_group = store.create_group(other.tenant, "Golf").await.unwrap();
    let their_unit = store
        .create_unit(other.tenant, "Sales", None)
        .await
        .unwrap();
    let theirs = directory(store, other.tenant, other.ana).await;
    let ours = directory(store, tenant, ana).await;

    // Another company's group, unit or member, named here: not found.
    let stranger = other.ana;
    assert_not_found(
        "joining their group",
        store.add_to_group(tenant, their_group, ana).await,
    );
    assert_not_found(
        "their member joining our group",
        store.add_to_group(tenant, golf, stranger).await,
    );
    assert_not_found(
        "joining their unit",
        store.add_to_unit(tenant, their_unit, ana).await,
    );
    assert_not_found(
        "their member joining our unit",
        store.add_to_unit(tenant, sales, stranger).await,
    );
    let below_theirs = store.create_unit(tenant, "Tokyo", Some(their_unit)).await;
    assert_not_found("a unit below theirs", below_theirs.map(|_| ()));
    let rename = UnitChange {
        name: Some("Ours now".into()),
        parent: None,
    };
    assert_not_found(
        "renaming their unit",
        store.update_unit(tenant, their_unit, &rename).await,
    );
    assert_not_found(
        "deleting their unit",
        store.delete_unit(tenant, their_unit).await,
    );
    assert_not_found(
        "renaming their group",
        store.rename_group(tenant, their_group, "Ours").await,
    );
    assert_not_found(
        "deleting their group",
        store.delete_group(tenant, their_group).await,
    );
    assert_not_found(
        "deactivating their member",
        store.set_member_active(tenant, stranger, false).await,
    );
    assert_not_found(
        "making their member an admin",
        store.set_member_role(tenant, stranger, Role::Admin).await,
    );
    // Our unit moved below theirs: the parent asked for is refused, the rename with it too.
    let under_theirs = UnitChange {
        name: Some("Moved".into()),
        parent: Some(Some(their_unit)),
    };
    assert_refused(
        "moving below their unit",
        "parent",
        store.update_unit(tenant, sales, &under_theirs).await,
    );

    // A name taken in the company.
    let taken = store.rename_group(tenant, golf, "Board").await;
    assert!(
        matches!(taken, Err(StoreError::Conflict { .. })),
        "{taken:?}"
    );
    let taken = store.create_group(tenant, "Golf").await;
    assert!(
        matches!(taken, Err(StoreError::Conflict { .. })),
        "{taken:?}"
    );
    // Leaving what one is not in is no change.
    store.remove_from_group(tenant, golf, ben).await.unwrap();
    store.remove_from_unit(tenant, sales, ben).await.unwrap();

    assert_eq!(directory(store, tenant, ana).await, ours, "ours unchanged");
    assert_eq!(
        directory(store, other.tenant, other.ana).await,
        theirs,
        "theirs unchanged"
    );
    assert!(
        store
            .member(other.tenant, stranger)
            .await
            .unwrap()
            .unwrap()
            .active
    );
    // And a name is the company's own: the neighbours' "Golf" did not clash with ours.
    assert_eq!(theirs.groups[0].name, "Golf");
}

/// Shared with `count` members by name: `listed` first, then made-up ones.
fn listing(listed: &[MemberId], count: usize) -> Visibility {
    let mut members = listed.to_vec();
    members.extend((members.len()..count).map(|n| MemberId::from_u128(10_000 + n as u128)));
    Visibility::members(members)
}

const LEDGER: ContactId = ContactId::from_u128(1);

pub async fn sharing_past_the_limit_is_refused_and_what_is_stored_is_normalized(store: &dyn Store) {
    let team = team(store, "limits").await;
    let (tenant, owner, ana, ben) = (team.tenant, team.owner, team.ana, team.ben);
    let golf = store.create_group(tenant, "Golf").await.unwrap();
    let as_ana = viewer(store, tenant, ana).await;

    // A push creating a contact shared with too many is refused as invalid, creating nothing.
    let (_, created) = Phone::create(LEDGER, 1, "Ledger");
    let too_many = listing(&[], MAX_SHARED_MEMBERS + 1);
    let results = store
        .commit(
            tenant,
            &as_ana,
            &[push_shared(LEDGER, &[&created], too_many.clone())],
        )
        .await
        .unwrap();
    assert_eq!(refused(&results[0]), codes::INVALID);
    assert_eq!(store.doc_meta(tenant, LEDGER).await.unwrap(), None);

    // Listed twice, or listing its own owner: stored once, without the owner.
    let untidy = Visibility::Members {
        members: vec![ben, ana, ben],
        groups: vec![golf, golf],
        units: Vec::new(),
    };
    let tidy = Visibility::Members {
        members: vec![ben],
        groups: vec![golf],
        units: Vec::new(),
    };
    let results = store
        .commit(
            tenant,
            &as_ana,
            &[push_shared(LEDGER, &[&created], untidy.clone())],
        )
        .await
        .unwrap();
    accepted(&results[0]);
    let meta = |visibility: &Visibility| DocMeta {
        owner: ana,
        visibility: visibility.clone(),
    };
    assert_eq!(
        store.doc_meta(tenant, LEDGER).await.unwrap(),
        Some(meta(&tidy))
    );

    // A visibility change the same way: past the limit refused, writing nothing; untidy
    // stored tidy.
    store
        .set_visibility(tenant, LEDGER, &Visibility::private())
        .await
        .unwrap();
    let head = store.head(tenant).await.unwrap();
    assert_refused(
        "sharing with too many",
        "visibility",
        store.set_visibility(tenant, LEDGER, &too_many).await,
    );
    assert_eq!(store.head(tenant).await.unwrap(), head, "nothing written");
    let private = meta(&Visibility::private());
    assert_eq!(store.doc_meta(tenant, LEDGER).await.unwrap(), Some(private));
    store.set_visibility(tenant, LEDGER, &untidy).await.unwrap();
    assert_eq!(
        store.doc_meta(tenant, LEDGER).await.unwrap(),
        Some(meta(&tidy))
    );
    let loaded = store.load_contact(tenant, LEDGER).await.unwrap().unwrap();
    assert_eq!(loaded.meta, meta(&tidy));
    let listed = |member| async move {
        let query = ContactQuery {
            limit: 10,
            ..ContactQuery::default()
        };
        ids(&list_all(store, tenant, member, query).await)
    };
    assert_eq!(listed(ben).await, [LEDGER], "ben is listed");
    assert!(listed(owner).await.is_empty(), "the owner is not");

    // Exactly at the limit, with ben among them: a transfer to someone not listed would add
    // ana past it, and is refused; to ben, who leaves the list as ana joins it, it is made.
    let full = listing(&[ben], MAX_SHARED_MEMBERS);
    store.set_visibility(tenant, LEDGER, &full).await.unwrap();
    let head = store.head(tenant).await.unwrap();
    assert_refused(
        "a transfer listing the old owner past the limit",
        "owner",
        store.transfer_owner(tenant, LEDGER, owner).await,
    );
    assert_eq!(store.head(tenant).await.unwrap(), head, "nothing written");
    let stored = full.normalized(ana).expect("at the limit");
    assert_eq!(
        store.doc_meta(tenant, LEDGER).await.unwrap(),
        Some(meta(&stored))
    );
    let handed = store.transfer_owner(tenant, LEDGER, ben).await.unwrap();
    assert_eq!(handed.owner, ben);
    let Visibility::Members { members, .. } = &handed.visibility else {
        panic!("still shared by name: {handed:?}");
    };
    assert_eq!(members.len(), MAX_SHARED_MEMBERS);
    assert!(members.contains(&ana) && !members.contains(&ben));
}
