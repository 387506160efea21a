//! Stores under concurrency, across restarts and shared by several nodes.

use std::sync::Arc;
use std::time::Duration;

use server::store::{NewMember, RefreshRecord, Role, Rotation};
use sync_core::access::Viewer;
use sync_core::ids::{ContactId, TenantId};
use sync_core::wire::{FeedItem, Visibility};

use super::support::{Backend, Phone, accepted, contact, items, push, read_all, team};

const TASKS: u64 = 8;
const PUSHES_PER_TASK: u64 = 12;

pub async fn concurrent_pushes_get_gap_free_seqs_in_commit_order(backend: &Backend) {
    let store = backend.open().await;
    let team = team(store.as_ref(), "concurrent").await;
    // Two phones edit one shared contact concurrently with everyone else's new contacts.
    let (shared, created) = Phone::create(contact(1), 1, "Shared");
    let first = store
        .commit(
            team.tenant,
            &Viewer::member_only(team.owner),
            &[push(contact(1), &[&created])],
        )
        .await
        .unwrap();
    assert_eq!(accepted(&first[0]), 1);

    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let store = Arc::clone(&store);
        let (tenant, member) = (team.tenant, team.ana);
        let mut phone = shared.fork(10 + task as u8);
        tasks.push(tokio::spawn(async move {
            let mut acked: Vec<(u64, ContactId)> = Vec::new();
            for n in 0..PUSHES_PER_TASK {
                let (id, change) = if n % 3 == 0 {
                    let change = phone.edit(|c| {
                        c.tags.insert(format!("t{task}-{n}"), true);
                    });
                    (contact(1), change)
                } else {
                    let id = contact(u128::from(100 * (task + 1) + n));
                    (id, Phone::create(id, 2, &format!("C{task}-{n}")).1)
                };
                let results = store
                    .commit(
                        tenant,
                        &Viewer::member_only(member),
                        &[push(id, &[&change])],
                    )
                    .await
                    .expect("commit");
                acked.push((accepted(&results[0]), id));
            }
            acked
        }));
    }
    let mut acked = vec![(1, contact(1))];
    for task in tasks {
        acked.extend(task.await.expect("task"));
    }
    acked.sort();
    let total = 1 + TASKS * PUSHES_PER_TASK;
    let seqs: Vec<u64> = acked.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(
        seqs,
        (1..=total).collect::<Vec<_>>(),
        "every seq once, none skipped"
    );
    assert_eq!(store.head(team.tenant).await.unwrap(), total);

    // Each seq's row is there and is the push acknowledged with it: a device reading after
    // seq - 1 gets that contact first.
    for (seq, id) in &acked[1..] {
        let page = store
            .read_feed(
                team.tenant,
                team.owner,
                &sync_core::replica::session::FeedRequest {
                    after: seq - 1,
                    resume: None,
                    generation: 1,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            page.items.first().map(FeedItem::doc),
            Some(*id),
            "row {seq}"
        );
    }
    let tags = read_all(store.as_ref(), team.tenant, team.owner, 0).await;
    let FeedItem::Grant { snapshot, .. } = &tags[0].items[0] else {
        panic!("a resync grants");
    };
    let doc = sync_core::document::ContactDoc::load(
        contact(1),
        automerge::ActorId::from([0u8; 16]),
        snapshot,
    )
    .unwrap();
    let expected_tags = (TASKS * PUSHES_PER_TASK).div_ceil(3) as usize;
    assert_eq!(
        doc.contact().unwrap().tags.len(),
        expected_tags,
        "every concurrent edit of the shared contact survived"
    );
}

pub async fn everything_survives_reopening_the_store(backend: &Backend) {
    let store = backend.open().await;
    let team = team(store.as_ref(), "durable").await;
    let device = store
        .register_device(team.tenant, team.ana, "phone")
        .await
        .unwrap();
    let token = RefreshRecord {
        hash: [7; 32],
        tenant: team.tenant,
        member: team.ana,
        device,
        expires_at: i64::MAX / 2,
    };
    store.insert_refresh(&token).await.unwrap();
    let group = store.create_group(team.tenant, "North").await.unwrap();
    store
        .add_to_group(team.tenant, group, team.ben)
        .await
        .unwrap();
    store.current_signing_key("k1", b"secret").await.unwrap();
    let (mut aiko, created) = Phone::create(contact(1), 1, "Aiko");
    let renamed = aiko.edit(|c| c.name.family = "Sato".into());
    let (_, kenji) = Phone::create(contact(2), 1, "Kenji");
    let (_, gone) = Phone::create(contact(3), 1, "Gone");
    store
        .commit(
            team.tenant,
            &Viewer::member_only(team.owner),
            &[
                push(contact(1), &[&created, &renamed]),
                push(contact(2), &[&kenji]),
                push(contact(3), &[&gone]),
            ],
        )
        .await
        .unwrap();
    store
        .set_visibility(
            team.tenant,
            contact(2),
            &Visibility::members(vec![team.ben]),
        )
        .await
        .unwrap();
    store.purge(team.tenant, contact(3)).await.unwrap();
    let head = store.head(team.tenant).await.unwrap();
    let mut before = Vec::new();
    for member in team.members() {
        for after in 0..=head {
            before.push(read_all(store.as_ref(), team.tenant, member, after).await);
        }
    }
    drop(store);

    let store = backend.open().await;
    assert_eq!(store.head(team.tenant).await.unwrap(), head);
    let owner = store
        .member_by_email("owner@durable.example")
        .await
        .unwrap()
        .expect("the owner is still there");
    assert_eq!(owner.member, team.owner);
    assert_eq!(
        store.groups_of(team.tenant, team.ben).await.unwrap(),
        [group]
    );
    assert_eq!(
        store.current_signing_key("k2", b"other").await.unwrap(),
        ("k1".to_string(), b"secret".to_vec())
    );
    let mut after_reopen = Vec::new();
    for member in team.members() {
        for after in 0..=head {
            after_reopen.push(read_all(store.as_ref(), team.tenant, member, after).await);
        }
    }
    assert_eq!(after_reopen, before, "every member reads the same feed");

    // The documents load from their snapshots: a re-push is recognised, an edit applies.
    let again = store
        .commit(
            team.tenant,
            &Viewer::member_only(team.owner),
            &[push(contact(1), &[&renamed])],
        )
        .await
        .unwrap();
    assert_eq!(accepted(&again[0]), 1);
    let tagged = aiko.edit(|c| {
        c.tags.insert("vip".into(), true);
    });
    let edited = store
        .commit(
            team.tenant,
            &Viewer::member_only(team.owner),
            &[push(contact(1), &[&tagged])],
        )
        .await
        .unwrap();
    assert_eq!(accepted(&edited[0]), head + 1);
    let rotated = RefreshRecord {
        hash: [8; 32],
        ..token.clone()
    };
    assert_eq!(
        store
            .rotate_refresh(&token.hash, &rotated, 1_900_000_000)
            .await
            .unwrap(),
        Rotation::Rotated(rotated)
    );
}

pub async fn a_second_node_never_works_on_a_stale_cached_document(backend: &Backend) {
    let node_a = backend.open().await;
    let node_b = backend.open().await;
    let team = team(node_a.as_ref(), "nodes").await;
    let (mut phone, created) = Phone::create(contact(1), 1, "Aiko");
    // Node A caches the contact as of seq 1.
    node_a
        .commit(
            team.tenant,
            &Viewer::member_only(team.owner),
            &[push(contact(1), &[&created])],
        )
        .await
        .unwrap();
    // Node B changes it.
    let renamed = phone.edit(|c| c.name.family = "Sato".into());
    let results = node_b
        .commit(
            team.tenant,
            &Viewer::member_only(team.owner),
            &[push(contact(1), &[&renamed])],
        )
        .await
        .unwrap();
    assert_eq!(accepted(&results[0]), 2);
    // Node A receives an edit that depends on B's: with a stale copy it would see a gap.
    let tagged = phone.edit(|c| {
        c.tags.insert("vip".into(), true);
    });
    let results = node_a
        .commit(
            team.tenant,
            &Viewer::member_only(team.owner),
            &[push(contact(1), &[&tagged])],
        )
        .await
        .unwrap();
    assert_eq!(accepted(&results[0]), 3, "node A saw node B's change");
    // And node B, whose copy node A just outdated, stays correct as well.
    let mut other = phone.fork(5);
    let more = other.edit(|c| c.name.nickname = "Ai".into());
    let results = node_b
        .commit(
            team.tenant,
            &Viewer::member_only(team.owner),
            &[push(contact(1), &[&more])],
        )
        .await
        .unwrap();
    assert_eq!(accepted(&results[0]), 4);
    let member = node_b
        .add_member(
            team.tenant,
            &NewMember {
                email: "late@nodes.example".into(),
                name: "Late".into(),
                role: Role::Member,
                password_hash: "x".into(),
            },
        )
        .await
        .unwrap();
    let seen = items(&read_all(node_a.as_ref(), team.tenant, member, 0).await);
    assert_eq!(seen, [("grant", contact(1))]);
}

pub async fn other_nodes_hear_of_each_commit(backend: &Backend) {
    let node_a = backend.open().await;
    let node_b = backend.open().await;
    let team = team(node_a.as_ref(), "notify").await;
    let (heard, mut hear) = tokio::sync::mpsc::unbounded_channel::<(TenantId, u64)>();
    let listener = Arc::clone(&node_b)
        .listen(
            Arc::new(move |tenant, seq| {
                let _receiver_gone_is_fine = heard.send((tenant, seq));
            }),
            Arc::new(|_, _, _| {}),
        )
        .expect("Postgres follows other nodes");
    // The listener subscribes in the background: push until it hears one (each wait ends as
    // soon as a notification arrives).
    let mut heard_of = None;
    for n in 0..50u128 {
        let id = contact(10 + n);
        let (_, created) = Phone::create(id, 1, "Ping");
        let results = node_a
            .commit(
                team.tenant,
                &Viewer::member_only(team.owner),
                &[push(id, &[&created])],
            )
            .await
            .unwrap();
        accepted(&results[0]);
        if let Ok(Some(event)) = tokio::time::timeout(Duration::from_millis(200), hear.recv()).await
        {
            heard_of = Some(event);
            break;
        }
    }
    let (tenant, seq) = heard_of.expect("node B heard of node A's commits");
    assert_eq!(tenant, team.tenant);
    assert!(seq >= 1 && seq <= node_a.head(team.tenant).await.unwrap());

    // A node does not hear its own commits back.
    let id = contact(9_999);
    let (_, created) = Phone::create(id, 1, "Own");
    node_b
        .commit(
            team.tenant,
            &Viewer::member_only(team.owner),
            &[push(id, &[&created])],
        )
        .await
        .unwrap();
    let (_, created) = Phone::create(contact(9_998), 1, "Theirs");
    node_a
        .commit(
            team.tenant,
            &Viewer::member_only(team.owner),
            &[push(contact(9_998), &[&created])],
        )
        .await
        .unwrap();
    let head = node_a.head(team.tenant).await.unwrap();
    loop {
        let (_, seq) = tokio::time::timeout(Duration::from_secs(10), hear.recv())
            .await
            .expect("node A's last commit is heard")
            .expect("listening");
        assert_ne!(seq, head - 1, "node B's own commit came back to it");
        if seq == head {
            break;
        }
    }
    listener.abort();
}

/// SQLite: a group's transaction is begun by its first query and committed by its last (no
/// statements of their own). A write the database refuses half-way through must leave
/// nothing of the group behind, and the one writer connection must come back out of the
/// transaction for the next group.
pub async fn a_write_refused_half_way_leaves_nothing_and_the_next_commit_lands(backend: &Backend) {
    let Backend::Sqlite(dir) = backend else {
        panic!("a SQLite scenario");
    };
    let store = backend.open().await;
    let team = team(store.as_ref(), "refusing").await;
    // Another connection, as an admin's shell would be: the contact's search row is the
    // second write of its group, after its document row.
    let url = format!("sqlite://{}", dir.path().join("rolo.db").display());
    let mut shell = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::query(
        "CREATE TRIGGER refuse_one BEFORE INSERT ON contact_search \
         WHEN NEW.display_name LIKE '%Refused%' \
         BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
    )
    .execute(&mut shell)
    .await
    .unwrap();
    let head = store.head(team.tenant).await.unwrap();
    let (_, refused) = Phone::create(contact(1), 1, "Refused");
    let error = store
        .commit(
            team.tenant,
            &Viewer::member_only(team.owner),
            &[push(contact(1), &[&refused])],
        )
        .await
        .expect_err("the trigger refuses the write");
    assert!(
        error.to_string().contains("refused by the test"),
        "the database's reason is reported: {error}"
    );
    assert_eq!(store.head(team.tenant).await.unwrap(), head, "no seq used");
    let (stored,): (i64,) = sqlx::query_as("SELECT count(*) FROM documents")
        .fetch_one(&mut shell)
        .await
        .unwrap();
    assert_eq!(
        stored, 0,
        "the document row written before the refusal is gone"
    );

    let (_, kept) = Phone::create(contact(2), 1, "Kept");
    let results = store
        .commit(
            team.tenant,
            &Viewer::member_only(team.owner),
            &[push(contact(2), &[&kept])],
        )
        .await
        .expect("the writer is out of the failed transaction");
    assert_eq!(
        accepted(&results[0]),
        head + 1,
        "the next seq, none skipped"
    );
    let pages = read_all(store.as_ref(), team.tenant, team.owner, head).await;
    let docs: Vec<ContactId> = items(&pages).into_iter().map(|(_, doc)| doc).collect();
    assert_eq!(
        docs,
        vec![contact(2)],
        "only the contact that committed is in the feed"
    );
}
