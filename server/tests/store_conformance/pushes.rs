//! Pushes: seqs, idempotence and every way a contact is refused — each judged as the
//! reference store judges it.

use server::store::Store;
use sync_core::accept::codes;
use sync_core::sim::tenant::MemoryTenant;
use sync_core::wire::{DocMeta, Visibility};

use super::support::{Phone, Shadow, accepted, contact, push, read_all, refused, team};

async fn shadow<'a>(store: &'a dyn Store, name: &str) -> Shadow<'a> {
    Shadow {
        store,
        reference: MemoryTenant::new(),
        team: team(store, name).await,
    }
}

pub async fn a_new_contact_and_its_edits_get_one_seq_each(store: &dyn Store) {
    let mut s = shadow(store, "seqs").await;
    let owner = s.team.owner;
    let (mut aiko, created) = Phone::create(contact(1), 1, "Aiko");
    let results = s.commit(owner, &[push(contact(1), &[&created])]).await;
    assert_eq!(accepted(&results[0]), 1);
    assert_eq!(
        store.doc_meta(s.team.tenant, contact(1)).await.unwrap(),
        Some(DocMeta {
            owner,
            visibility: Visibility::All
        }),
        "a new contact belongs to whoever pushed it and is shared with everyone"
    );

    let renamed = aiko.edit(|c| c.name.family = "Sato".into());
    let results = s.commit(owner, &[push(contact(1), &[&renamed])]).await;
    assert_eq!(accepted(&results[0]), 2);

    // One push, two contacts: one seq per changed contact, in push order.
    let tagged = aiko.edit(|c| {
        c.tags.insert("vip".into(), true);
    });
    let (_, kenji) = Phone::create(contact(2), 1, "Kenji");
    let results = s
        .commit(
            owner,
            &[push(contact(1), &[&tagged]), push(contact(2), &[&kenji])],
        )
        .await;
    assert_eq!((accepted(&results[0]), accepted(&results[1])), (3, 4));
    assert_eq!(store.head(s.team.tenant).await.unwrap(), 4);
    assert_eq!(
        store.doc_meta(s.team.tenant, contact(3)).await.unwrap(),
        None
    );
    s.assert_same_feed(0..=5).await;
}

pub async fn a_repushed_change_is_acknowledged_without_a_new_row(store: &dyn Store) {
    let mut s = shadow(store, "repush").await;
    let owner = s.team.owner;
    let (mut aiko, created) = Phone::create(contact(1), 1, "Aiko");
    s.commit(owner, &[push(contact(1), &[&created])]).await;
    let renamed = aiko.edit(|c| c.name.family = "Sato".into());
    s.commit(owner, &[push(contact(1), &[&renamed])]).await;

    // The ack was lost; the phone pushes the same changes again.
    let again = s
        .commit(owner, &[push(contact(1), &[&created, &renamed])])
        .await;
    assert_eq!(
        accepted(&again[0]),
        2,
        "the seq whose state holds the changes"
    );
    let again = s.commit(owner, &[push(contact(1), &[&created])]).await;
    assert_eq!(accepted(&again[0]), 2);
    assert_eq!(
        store.head(s.team.tenant).await.unwrap(),
        2,
        "no new feed row"
    );
    let pages = read_all(store, s.team.tenant, owner, 1).await;
    assert_eq!(pages.iter().map(|p| p.items.len()).sum::<usize>(), 1);
    s.assert_same_feed(0..=3).await;
}

pub async fn a_contact_not_shared_with_the_member_is_forbidden(store: &dyn Store) {
    let mut s = shadow(store, "forbidden").await;
    let (owner, ana) = (s.team.owner, s.team.ana);
    let (aiko, created) = Phone::create(contact(1), 1, "Aiko");
    s.commit(owner, &[push(contact(1), &[&created])]).await;
    let mut anas_copy = aiko.fork(2);
    s.set_visibility(contact(1), Visibility::members(vec![]))
        .await;

    let edit = anas_copy.edit(|c| c.name.family = "Sato".into());
    let results = s.commit(ana, &[push(contact(1), &[&edit])]).await;
    assert_eq!(refused(&results[0]), codes::FORBIDDEN);
    // Even a re-push of changes the store has is refused: the member may not learn the seq.
    let results = s.commit(ana, &[push(contact(1), &[&created])]).await;
    assert_eq!(refused(&results[0]), codes::FORBIDDEN);

    s.set_visibility(contact(1), Visibility::members(vec![ana]))
        .await;
    let results = s.commit(ana, &[push(contact(1), &[&edit])]).await;
    assert!(accepted(&results[0]) > 0, "shared with her now");
    s.assert_same_feed(0..=6).await;
}

pub async fn a_purged_contact_is_not_found(store: &dyn Store) {
    let mut s = shadow(store, "purged").await;
    let owner = s.team.owner;
    let (mut aiko, created) = Phone::create(contact(1), 1, "Aiko");
    s.commit(owner, &[push(contact(1), &[&created])]).await;
    s.purge(contact(1)).await;
    s.purge(contact(1)).await;
    assert_eq!(
        store.head(s.team.tenant).await.unwrap(),
        2,
        "a second purge is a no-op"
    );
    assert_eq!(
        store.doc_meta(s.team.tenant, contact(1)).await.unwrap(),
        None
    );

    let late = aiko.edit(|c| c.name.family = "Sato".into());
    let results = s.commit(owner, &[push(contact(1), &[&late])]).await;
    assert_eq!(refused(&results[0]), codes::NOT_FOUND);
    let results = s.commit(owner, &[push(contact(1), &[&created])]).await;
    assert_eq!(
        refused(&results[0]),
        codes::NOT_FOUND,
        "a purged contact is not recreated by a re-push"
    );
    assert!(
        store
            .set_visibility(s.team.tenant, contact(1), &Visibility::All)
            .await
            .is_err(),
        "no visibility for a purged contact"
    );
    s.assert_same_feed(0..=3).await;
}

pub async fn changes_breaking_a_field_rule_are_invalid(store: &dyn Store) {
    let mut s = shadow(store, "invalid").await;
    let owner = s.team.owner;
    let (mut aiko, created) = Phone::create(contact(1), 1, "Aiko");
    s.commit(owner, &[push(contact(1), &[&created])]).await;

    let bad = aiko.add_bad_phone();
    let results = s.commit(owner, &[push(contact(1), &[&bad])]).await;
    assert_eq!(refused(&results[0]), codes::INVALID);
    assert!(
        results[0]
            .rejected
            .as_ref()
            .unwrap()
            .message
            .contains("12345"),
        "the message names the bad value: {:?}",
        results[0].rejected
    );

    // A new contact that is invalid from its first push is not created.
    let (mut kenji, kenji_created) = Phone::create(contact(2), 1, "Kenji");
    let kenji_bad = kenji.add_bad_phone();
    let results = s
        .commit(owner, &[push(contact(2), &[&kenji_created, &kenji_bad])])
        .await;
    assert_eq!(refused(&results[0]), codes::INVALID);
    assert_eq!(
        store.doc_meta(s.team.tenant, contact(2)).await.unwrap(),
        None
    );
    assert_eq!(store.head(s.team.tenant).await.unwrap(), 1);
    s.assert_same_feed(0..=2).await;
}

pub async fn changes_with_missing_dependencies_or_garbage_are_refused(store: &dyn Store) {
    let mut s = shadow(store, "deps").await;
    let owner = s.team.owner;
    let (mut aiko, created) = Phone::create(contact(1), 1, "Aiko");
    let renamed = aiko.edit(|c| c.name.family = "Sato".into());
    let tagged = aiko.edit(|c| {
        c.tags.insert("vip".into(), true);
    });

    // The creation never arrived: the edit depends on it.
    let results = s.commit(owner, &[push(contact(1), &[&renamed])]).await;
    assert_eq!(refused(&results[0]), codes::MISSING_DEPS);
    s.commit(owner, &[push(contact(1), &[&created])]).await;
    let results = s.commit(owner, &[push(contact(1), &[&tagged])]).await;
    assert_eq!(
        refused(&results[0]),
        codes::MISSING_DEPS,
        "the rename is missing"
    );

    let garbage = b"not an automerge change".to_vec();
    let results = s.commit(owner, &[push(contact(1), &[&garbage])]).await;
    assert_eq!(refused(&results[0]), codes::MALFORMED);

    let results = s
        .commit(owner, &[push(contact(1), &[&renamed, &tagged])])
        .await;
    assert_eq!(accepted(&results[0]), 2, "both edits in one row");
    s.assert_same_feed(0..=3).await;
}

pub async fn a_refused_contact_does_not_hold_back_the_others(store: &dyn Store) {
    let mut s = shadow(store, "batch").await;
    let owner = s.team.owner;
    let (mut bad_phone, first) = Phone::create(contact(1), 1, "Broken");
    let bad = bad_phone.add_bad_phone();
    let (_, good) = Phone::create(contact(2), 1, "Fine");
    let (_, also_good) = Phone::create(contact(3), 1, "Also fine");
    let results = s
        .commit(
            owner,
            &[
                push(contact(1), &[&first, &bad]),
                push(contact(2), &[&good]),
                push(contact(3), &[&also_good]),
            ],
        )
        .await;
    assert_eq!(refused(&results[0]), codes::INVALID);
    assert_eq!((accepted(&results[1]), accepted(&results[2])), (1, 2));
    s.assert_same_feed(0..=3).await;
}
