//! The offline replica on disk, with no server anywhere: edits commit at once, survive a
//! crash, are stored whole or not at all, and two processes can share one file.

use client::{Account, Error, Replica, Secret, Tokens};
use sqlx::{Connection, SqliteConnection};
use sync_core::contact::{Contact, Phone};
use sync_core::ids::{DeviceId, ItemId, MemberId, TenantId};

fn named(given: &str) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = given.into();
    contact
}

fn replica_path() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("replica.db");
    (dir, path)
}

/// A second connection to the file, as another process (or a disk going bad) would have.
async fn raw(path: &std::path::Path) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("the replica file opens")
}

#[tokio::test]
async fn edits_survive_a_crash_with_their_outbox() {
    let (_dir, path) = replica_path();
    let mut replica = Replica::open(&path).await.unwrap();
    let aiko = replica.create(&named("Aiko")).await.unwrap();
    let ben = replica.create(&named("Ben")).await.unwrap();
    replica
        .edit(aiko, |c| c.name.family = "Sato".into())
        .await
        .unwrap();
    replica.trash(ben).await.unwrap();
    // A crash: the process goes away without closing anything.
    drop(replica);

    let mut replica = Replica::open(&path).await.unwrap();
    let contacts = replica.contacts().await.unwrap();
    assert_eq!(contacts.len(), 1, "the trashed contact is hidden");
    assert_eq!(contacts[0].0, aiko);
    assert_eq!(contacts[0].1.display_name(), "Aiko Sato");
    assert!(replica.contact(ben).await.unwrap().unwrap().is_trashed());
    let status = replica.status().await.unwrap();
    assert_eq!(
        status.pending, 4,
        "two creates, an edit and a trash wait for the server"
    );
    assert_eq!(status.cursor, 0);
    assert_eq!(status.last_sync_ms, None);
    assert_eq!(
        status.server, None,
        "never signed in, and it did not need to"
    );
}

#[tokio::test]
async fn many_edits_of_one_contact_reload_from_their_appended_chunks() {
    let (_dir, path) = replica_path();
    let mut replica = Replica::open(&path).await.unwrap();
    let id = replica.create(&named("Aiko")).await.unwrap();
    // More edits than the state machine appends before it rewrites the document whole.
    for n in 0..150 {
        replica
            .edit(id, |c| c.name.nickname = format!("take {n}"))
            .await
            .unwrap();
    }
    drop(replica);
    let mut replica = Replica::open(&path).await.unwrap();
    let contact = replica.contact(id).await.unwrap().unwrap();
    assert_eq!(contact.name.nickname, "take 149");
    assert_eq!(replica.status().await.unwrap().pending, 151);
}

#[tokio::test]
async fn an_edit_that_breaks_a_rule_stores_nothing() {
    let (_dir, path) = replica_path();
    let mut replica = Replica::open(&path).await.unwrap();
    let id = replica.create(&named("Aiko")).await.unwrap();
    let refused = replica
        .edit(id, |c| {
            c.name.given.clear();
            c.phones.push(Phone {
                id: ItemId::from("p1"),
                label: "work".into(),
                e164: "12-34".into(),
                raw: "12-34".into(),
            });
        })
        .await;
    let message = refused.unwrap_err().to_string();
    assert!(message.contains("phones[0].e164"), "{message}");
    drop(replica);
    let mut replica = Replica::open(&path).await.unwrap();
    assert_eq!(
        replica.contact(id).await.unwrap().unwrap().name.given,
        "Aiko"
    );
    assert_eq!(replica.status().await.unwrap().pending, 1);
}

#[tokio::test]
async fn an_edit_whose_outbox_write_fails_leaves_no_trace() {
    let (_dir, path) = replica_path();
    let mut replica = Replica::open(&path).await.unwrap();
    let id = replica.create(&named("Aiko")).await.unwrap();

    // The document is written before the outbox entry in the same transaction; make the
    // outbox write fail, as a full disk would.
    let mut disk = raw(&path).await;
    sqlx::query(
        "CREATE TRIGGER full_disk BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    )
    .execute(&mut disk)
    .await
    .unwrap();
    let failed = replica.edit(id, |c| c.name.family = "Sato".into()).await;
    assert!(matches!(failed, Err(Error::Storage(_))), "{failed:?}");
    // The same process does not show the edit either: it reloads what the file holds.
    assert_eq!(replica.contact(id).await.unwrap().unwrap().name.family, "");

    sqlx::query("DROP TRIGGER full_disk")
        .execute(&mut disk)
        .await
        .unwrap();
    drop(replica);
    let mut replica = Replica::open(&path).await.unwrap();
    assert_eq!(replica.contact(id).await.unwrap().unwrap().name.family, "");
    assert_eq!(replica.status().await.unwrap().pending, 1);
    // And the replica carries on once the disk recovers.
    replica
        .edit(id, |c| c.name.family = "Sato".into())
        .await
        .unwrap();
    assert_eq!(replica.status().await.unwrap().pending, 2);
}

#[tokio::test]
async fn two_processes_on_one_file_see_each_others_edits() {
    let (_dir, path) = replica_path();
    let mut live = Replica::open(&path).await.unwrap();
    let mut terminal = Replica::open(&path).await.unwrap();
    let aiko = live.create(&named("Aiko")).await.unwrap();
    let ben = terminal.create(&named("Ben")).await.unwrap();
    terminal
        .edit(aiko, |c| c.name.family = "Sato".into())
        .await
        .unwrap();
    live.edit(ben, |c| c.name.family = "Okafor".into())
        .await
        .unwrap();

    for replica in [&mut live, &mut terminal] {
        let names: Vec<String> = replica
            .contacts()
            .await
            .unwrap()
            .iter()
            .map(|(_, c)| c.display_name())
            .collect();
        assert_eq!(names, ["Aiko Sato", "Ben Okafor"]);
        assert_eq!(replica.status().await.unwrap().pending, 4);
    }
    drop((live, terminal));
    let mut reopened = Replica::open(&path).await.unwrap();
    assert_eq!(
        reopened.status().await.unwrap().pending,
        4,
        "no outbox entry overwrote another"
    );
}

#[tokio::test]
async fn contacts_are_listed_by_display_name() {
    let (_dir, path) = replica_path();
    let mut replica = Replica::open(&path).await.unwrap();
    for given in ["carol", "Aiko", "ben"] {
        replica.create(&named(given)).await.unwrap();
    }
    let names: Vec<String> = replica
        .contacts()
        .await
        .unwrap()
        .iter()
        .map(|(_, c)| c.display_name())
        .collect();
    assert_eq!(names, ["Aiko", "ben", "carol"]);
}

#[tokio::test]
async fn a_short_id_prefix_finds_its_contact() {
    let (_dir, path) = replica_path();
    let mut replica = Replica::open(&path).await.unwrap();
    let id = replica.create(&named("Aiko")).await.unwrap();
    let text = id.to_string();
    assert_eq!(replica.resolve(&text[..8]).await.unwrap(), id);
    assert_eq!(replica.resolve(&text.to_uppercase()).await.unwrap(), id);
    assert!(matches!(
        replica.resolve("zzzz").await,
        Err(Error::NoMatch { .. })
    ));
}

fn account(member: u128) -> Account {
    Account {
        server: "http://127.0.0.1:9".into(),
        tenant: TenantId::from_u128(1),
        member: MemberId::from_u128(member),
        device: DeviceId::from_u128(100 + member),
        tokens: Tokens {
            access_token: Secret::new("access"),
            refresh_token: Secret::new("refresh"),
            access_expires_ms: 0,
        },
        default_region: Some("JP".into()),
    }
}

#[tokio::test]
async fn contacts_made_before_signing_in_are_kept_for_the_first_sync() {
    let (_dir, path) = replica_path();
    let mut replica = Replica::open(&path).await.unwrap();
    replica.create(&named("Aiko")).await.unwrap();
    replica.sign_in(account(3)).await.unwrap();
    let status = replica.status().await.unwrap();
    assert_eq!(status.pending, 1);
    assert_eq!(status.member, Some(MemberId::from_u128(3)));
    assert_eq!(status.device, Some(DeviceId::from_u128(103)));
    // Signing in again as the same member (a new device record) is fine.
    replica.sign_in(account(3)).await.unwrap();
}

#[tokio::test]
async fn another_member_cannot_sign_in_to_a_replica() {
    let (_dir, path) = replica_path();
    let mut replica = Replica::open(&path).await.unwrap();
    replica.sign_in(account(3)).await.unwrap();
    let refused = replica.sign_in(account(4)).await;
    assert!(
        matches!(refused, Err(Error::AccountMismatch { .. })),
        "{refused:?}"
    );
    let mut reopened = Replica::open(&path).await.unwrap();
    let status = reopened.status().await.unwrap();
    assert_eq!(status.member, Some(MemberId::from_u128(3)));
}

#[tokio::test]
async fn syncing_without_an_account_says_to_sign_in() {
    let (_dir, path) = replica_path();
    let mut replica = Replica::open(&path).await.unwrap();
    let result = client::sync_once(&mut replica, &client::SyncOptions::default()).await;
    assert!(matches!(result, Err(Error::NotSignedIn)), "{result:?}");
}
