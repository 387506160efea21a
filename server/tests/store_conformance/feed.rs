//! Reading the feed: who receives what, resynchronisation, paging, repair.

use automerge::ActorId;
use automerge::sync::{Message, State, SyncDoc as _};
use server::store::Store;
use sync_core::access::Viewer;
use sync_core::document::ContactDoc;
use sync_core::sim::tenant::MemoryTenant;
use sync_core::wire::{FEED_PAGE_BYTES, Visibility};

use super::support::{
    Phone, Shadow, accepted, contact, items, large_contact, push, read_all, team,
};

pub async fn members_receive_only_what_they_may_see_as_the_reference_store_decides(
    store: &dyn Store,
) {
    let mut s = Shadow {
        store,
        reference: MemoryTenant::new(),
        team: team(store, "visibility").await,
    };
    let (owner, ana, ben) = (s.team.owner, s.team.ana, s.team.ben);
    let tenant = s.team.tenant;
    let (mut one, c1) = Phone::create(contact(1), 1, "Shared");
    let (mut two, c2) = Phone::create(contact(2), 1, "Secret");
    let (_, c3) = Phone::create(contact(3), 1, "Ben's");
    let (mut four, c4) = Phone::create(contact(4), 2, "Ana's");
    s.commit(
        owner,
        &[
            push(contact(1), &[&c1]),
            push(contact(2), &[&c2]),
            push(contact(3), &[&c3]),
        ],
    )
    .await;
    s.commit(ana, &[push(contact(4), &[&c4])]).await;
    s.assert_same_feed(0..=5).await;

    // Contact 2 goes private: ana and ben are told to drop it, and see none of its edits.
    s.set_visibility(contact(2), Visibility::members(vec![]))
        .await;
    let before_edit = store.head(tenant).await.unwrap();
    let secret = two.edit(|c| c.name.family = "Hidden".into());
    s.commit(owner, &[push(contact(2), &[&secret])]).await;
    let seen = items(&read_all(store, tenant, ana, 4).await);
    assert!(seen.contains(&("revoke", contact(2))), "{seen:?}");
    let seen = items(&read_all(store, tenant, ben, before_edit).await);
    assert!(
        seen.is_empty(),
        "ben sees nothing of a private contact: {seen:?}"
    );
    let resynced = items(&read_all(store, tenant, ben, 0).await);
    assert!(!resynced.iter().any(|(_, doc)| *doc == contact(2)));
    assert_eq!(
        resynced.len(),
        3,
        "a new device of ben's gets the three others"
    );

    // Shared with ana only: she receives it whole, ben still nothing.
    let head = store.head(tenant).await.unwrap();
    s.set_visibility(contact(2), Visibility::members(vec![ana]))
        .await;
    assert_eq!(
        items(&read_all(store, tenant, ana, head).await),
        [("grant", contact(2)), ("meta", contact(2))]
    );
    assert!(items(&read_all(store, tenant, ben, head).await).is_empty());

    // Contact 3 becomes ben's alone, then is purged: only those who could see it are told.
    s.set_visibility(contact(3), Visibility::members(vec![ben]))
        .await;
    let head = store.head(tenant).await.unwrap();
    s.purge(contact(3)).await;
    assert_eq!(
        items(&read_all(store, tenant, ben, head).await),
        [("purge", contact(3))]
    );
    assert!(items(&read_all(store, tenant, ana, head).await).is_empty());

    let edit = one.edit(|c| c.name.family = "Everyone".into());
    s.commit(ben, &[push(contact(1), &[&edit])]).await;
    let note = four.edit(|c| c.name.family = "Notes".into());
    s.commit(ana, &[push(contact(4), &[&note])]).await;
    s.set_visibility(contact(2), Visibility::All).await;
    s.purge(contact(1)).await;
    let head = store.head(tenant).await.unwrap();
    // Every cursor, including 0 (resync) and one ahead of the head (a restored backup).
    s.assert_same_feed(0..=head + 1).await;
}

/// Contacts that together need about three pages.
const LARGE_CONTACTS: u64 = 24;
const CONTACT_KIB: usize = 100;

async fn many_large_contacts(s: &mut Shadow<'_>) {
    let owner = s.team.owner;
    for n in 0..LARGE_CONTACTS {
        let id = contact(1_000 + u128::from(n));
        let (_, created) = Phone::create_with(id, 1, &large_contact(n, CONTACT_KIB));
        let results = s.commit(owner, &[push(id, &[&created])]).await;
        assert_eq!(accepted(&results[0]), n + 1);
    }
}

pub async fn a_new_device_resynchronises_across_several_pages(store: &dyn Store) {
    let mut s = Shadow {
        store,
        reference: MemoryTenant::new(),
        team: team(store, "resync").await,
    };
    many_large_contacts(&mut s).await;
    let (tenant, ana) = (s.team.tenant, s.team.ana);
    let pages = read_all(store, tenant, ana, 0).await;
    assert!(pages.len() >= 2, "{} pages", pages.len());
    assert!(pages.iter().all(|page| page.resync));
    for page in &pages[..pages.len() - 1] {
        assert!(page.resume.is_some());
        assert_eq!(page.to, 0, "the cursor moves only with the last page");
        let bytes: usize = page.items.iter().map(sync_core::wire::encoded_len).sum();
        assert!(
            bytes >= FEED_PAGE_BYTES,
            "a page is filled before the next begins"
        );
    }
    assert_eq!(pages.last().unwrap().to, LARGE_CONTACTS);
    let granted = items(&pages);
    assert_eq!(granted.len(), LARGE_CONTACTS as usize);
    assert!(granted.iter().all(|(kind, _)| *kind == "grant"));
    let mut ids: Vec<_> = granted.iter().map(|(_, doc)| *doc).collect();
    ids.dedup();
    assert_eq!(ids.len(), granted.len(), "each contact once, in id order");
    s.assert_same_feed([0, LARGE_CONTACTS + 1]).await;
}

pub async fn a_long_feed_is_read_in_pages_of_about_a_mebibyte(store: &dyn Store) {
    let mut s = Shadow {
        store,
        reference: MemoryTenant::new(),
        team: team(store, "paging").await,
    };
    many_large_contacts(&mut s).await;
    let (tenant, ben) = (s.team.tenant, s.team.ben);
    let pages = read_all(store, tenant, ben, 1).await;
    assert!(pages.len() >= 2, "{} pages", pages.len());
    assert!(pages.iter().all(|page| !page.resync));
    assert!(pages[..pages.len() - 1].iter().all(|page| page.more));
    for pair in pages.windows(2) {
        assert!(pair[0].to < pair[1].to, "each page moves the cursor on");
    }
    assert_eq!(pages.last().unwrap().to, LARGE_CONTACTS);
    assert_eq!(items(&pages).len(), LARGE_CONTACTS as usize - 1);
    s.assert_same_feed([1, 2, LARGE_CONTACTS / 2, LARGE_CONTACTS])
        .await;
}

/// Run a repair conversation until the device holds `target`: `Some(rounds)`, or `None` if
/// the store answers nothing.
async fn repair_until(
    store: &dyn Store,
    tenant: sync_core::ids::TenantId,
    member: sync_core::ids::MemberId,
    device: &mut ContactDoc,
    target: &[automerge::ChangeHash],
) -> Option<usize> {
    let sorted = |mut heads: Vec<automerge::ChangeHash>| {
        heads.sort();
        heads
    };
    let target = sorted(target.to_vec());
    let mut state = State::new();
    for round in 1..=5 {
        let message = device
            .automerge_mut()
            .generate_sync_message(&mut state)
            .expect("the device has something to say until it is in sync");
        let reply = store
            .repair(tenant, member, device.id(), &message.encode())
            .await
            .expect("repair")?;
        device
            .automerge_mut()
            .receive_sync_message(&mut state, Message::decode(&reply).expect("a sync message"))
            .expect("applies");
        if sorted(device.heads()) == target {
            return Some(round);
        }
    }
    panic!("five rounds of repair did not bring the device in sync")
}

pub async fn repair_sends_missing_changes_only_to_members_who_may_see(store: &dyn Store) {
    let team = team(store, "repair").await;
    let (mut aiko, created) = Phone::create(contact(1), 1, "Aiko");
    let renamed = aiko.edit(|c| c.name.family = "Sato".into());
    let tagged = aiko.edit(|c| {
        c.tags.insert("vip".into(), true);
    });
    let results = store
        .commit(
            team.tenant,
            &Viewer::member_only(team.owner),
            &[push(contact(1), &[&created, &renamed, &tagged])],
        )
        .await
        .unwrap();
    accepted(&results[0]);

    // Ana's phone lost everything after the first change.
    let mut anas = ContactDoc::empty(contact(1), ActorId::from([2u8; 16]));
    anas.apply(&[&created]).unwrap();
    let rounds = repair_until(store, team.tenant, team.ana, &mut anas, &aiko.doc.heads())
        .await
        .expect("the store answers");
    assert!(rounds <= 2, "repaired in {rounds} rounds");
    assert_eq!(anas.contact().unwrap().name.family, "Sato");

    store
        .set_visibility(team.tenant, contact(1), &Visibility::members(vec![]))
        .await
        .unwrap();
    let mut bens = ContactDoc::empty(contact(1), ActorId::from([3u8; 16]));
    bens.apply(&[&created]).unwrap();
    assert_eq!(
        repair_until(store, team.tenant, team.ben, &mut bens, &aiko.doc.heads()).await,
        None,
        "nothing for a member who may not see the contact"
    );
    assert_eq!(
        store
            .repair(team.tenant, team.owner, contact(404), b"")
            .await
            .unwrap(),
        None,
        "nothing for an unknown contact"
    );
    assert_eq!(
        store
            .repair(team.tenant, team.owner, contact(1), b"not a sync message")
            .await
            .unwrap(),
        None,
        "nothing for a malformed message"
    );
}

/// Rows after the tail's cursor, past one read's chunk of rows.
const TAIL_EDITS: u64 = 300;

/// What a node's hub keeps in memory after each commit: every row after a cursor up to the
/// head, each with its contact's metadata, and the snapshot for rows that become grants.
pub async fn the_tail_after_a_cursor_is_every_row_up_to_the_head(store: &dyn Store) {
    use sync_core::feed::RowKind;

    let team = team(store, "tail").await;
    let tenant = team.tenant;
    let (mut aiko, created) = Phone::create(contact(1), 1, "Aiko");
    accepted(
        &store
            .commit(
                tenant,
                &Viewer::member_only(team.owner),
                &[push(contact(1), &[&created])],
            )
            .await
            .unwrap()[0],
    );
    let (_, gone) = Phone::create(contact(2), 1, "Gone");
    accepted(
        &store
            .commit(
                tenant,
                &Viewer::member_only(team.owner),
                &[push(contact(2), &[&gone])],
            )
            .await
            .unwrap()[0],
    );
    for n in 0..TAIL_EDITS {
        let edit = aiko.edit(|c| c.name.family = format!("Sato {n}"));
        accepted(
            &store
                .commit(
                    tenant,
                    &Viewer::member_only(team.owner),
                    &[push(contact(1), &[&edit])],
                )
                .await
                .unwrap()[0],
        );
    }
    store.purge(tenant, contact(2)).await.unwrap();
    let head = store.head(tenant).await.unwrap();

    let tail = store
        .feed_tail(tenant, 0, 1024)
        .await
        .unwrap()
        .expect("within the limit");
    assert_eq!(tail.head, head);
    let seqs: Vec<u64> = tail.rows.iter().map(|row| row.row.seq).collect();
    assert_eq!(seqs, (1..=head).collect::<Vec<_>>(), "every row, in order");
    let first = &tail.rows[0];
    assert_eq!(first.row.doc, contact(1));
    assert!(matches!(first.row.kind, RowKind::Created));
    assert!(
        first.meta.is_some() && first.snapshot.is_some(),
        "a creation carries its grant"
    );
    let edits = tail
        .rows
        .iter()
        .filter(|row| row.row.doc == contact(1) && matches!(row.row.kind, RowKind::Changes { .. }))
        .count();
    assert_eq!(edits as u64, TAIL_EDITS);
    assert!(
        tail.rows[1..].iter().all(|row| row.snapshot.is_none()),
        "only rows that become grants carry a snapshot"
    );
    for row in tail.rows.iter().filter(|row| row.row.doc == contact(2)) {
        assert!(
            row.meta.is_none(),
            "a purged contact's rows carry no metadata"
        );
    }

    let from_middle = store
        .feed_tail(tenant, head - 5, 1024)
        .await
        .unwrap()
        .unwrap();
    let seqs: Vec<u64> = from_middle.rows.iter().map(|row| row.row.seq).collect();
    assert_eq!(seqs, (head - 4..=head).collect::<Vec<_>>());
    let caught_up = store.feed_tail(tenant, head, 1024).await.unwrap().unwrap();
    assert_eq!((caught_up.head, caught_up.rows.len()), (head, 0));
    assert!(
        store.feed_tail(tenant, 0, 10).await.unwrap().is_none(),
        "more rows than the limit: the hub starts afresh instead"
    );
    let unknown = sync_core::ids::TenantId::from_u128(0xdead);
    assert!(
        store.feed_tail(unknown, 0, 1024).await.is_err(),
        "an unknown tenant is an error"
    );
}
