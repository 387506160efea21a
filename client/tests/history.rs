//! A contact's history and activity log on the device, with no server: every local edit is
//! signed with the member and this device, the history is read from the document offline,
//! and a revert is one more signed edit waiting in the outbox.

use client::{Account, Error, Replica, Secret, Tokens};
use sync_core::contact::{ActivityKind, Contact};
use sync_core::history::{Event, HistoryOptions};
use sync_core::ids::{DeviceId, MemberId, TenantId};

const MINA: MemberId = MemberId::from_u128(0x11);
const PHONE: DeviceId = DeviceId::from_u128(0x22);

fn account() -> Account {
    Account {
        server: "http://127.0.0.1:9".into(),
        tenant: TenantId::from_u128(1),
        member: MINA,
        device: PHONE,
        tokens: Tokens {
            access_token: Secret::new("a"),
            refresh_token: Secret::new("r"),
            access_expires_ms: i64::MAX,
        },
        default_region: Some("JP".into()),
    }
}

async fn signed_in_replica() -> (tempfile::TempDir, Replica) {
    let dir = tempfile::tempdir().unwrap();
    let mut replica = Replica::open(dir.path().join("replica.db")).await.unwrap();
    replica.sign_in(account()).await.unwrap();
    (dir, replica)
}

fn named(given: &str) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = given.into();
    contact
}

#[tokio::test]
async fn every_local_edit_is_signed_with_the_member_and_this_device() {
    let (_dir, mut replica) = signed_in_replica().await;
    let id = replica.create(&named("Hiro")).await.unwrap();
    replica
        .edit(id, |c| c.name.family = "Tanaka".into())
        .await
        .unwrap();
    replica.archive(id).await.unwrap();

    let page = replica
        .history(id, &HistoryOptions::default())
        .await
        .unwrap();
    let events: Vec<Event> = page.revisions.iter().map(|r| r.event).collect();
    assert_eq!(events, [Event::Archived, Event::Edited, Event::Added]);
    for revision in &page.revisions {
        let by = revision.attribution.as_ref().expect("signed");
        assert_eq!((by.member, by.device), (MINA, Some(PHONE)));
        assert!(revision.at_ms.is_some_and(|at| at > 1_700_000_000_000));
    }
    let edit = &page.revisions[1].changes;
    assert_eq!(edit.len(), 1);
    assert_eq!(edit[0].path, "name.family");
    assert_eq!(
        (edit[0].old.as_deref(), edit[0].new.as_deref()),
        (None, Some("Tanaka"))
    );
}

#[tokio::test]
async fn edits_made_before_signing_in_are_unsigned() {
    let dir = tempfile::tempdir().unwrap();
    let mut replica = Replica::open(dir.path().join("replica.db")).await.unwrap();
    let id = replica.create(&named("Early")).await.unwrap();
    let page = replica
        .history(id, &HistoryOptions::default())
        .await
        .unwrap();
    assert_eq!(page.revisions.len(), 1);
    assert_eq!(page.revisions[0].attribution, None);
}

#[tokio::test]
async fn reverting_a_field_is_a_new_signed_edit_and_history_keeps_every_step() {
    let (_dir, mut replica) = signed_in_replica().await;
    let id = replica.create(&named("Hiro")).await.unwrap();
    replica
        .edit(id, |c| {
            c.name.given = "Hiroshi".into();
            c.name.family = "Tanaka".into();
        })
        .await
        .unwrap();
    let added = replica
        .history(id, &HistoryOptions::default())
        .await
        .unwrap()
        .revisions[1]
        .hash;
    let short = &added.to_string()[..8];
    assert_eq!(replica.resolve_revision(id, short).await.unwrap(), added);
    let pending = replica.status().await.unwrap().pending;

    assert!(replica.revert(id, added, Some("name.given")).await.unwrap());
    let contact = replica.contact(id).await.unwrap().unwrap();
    assert_eq!(contact.name.given, "Hiro", "the field is back");
    assert_eq!(
        contact.name.family, "Tanaka",
        "the other field is untouched"
    );
    assert_eq!(replica.status().await.unwrap().pending, pending + 1);
    assert!(
        !replica.revert(id, added, Some("name.given")).await.unwrap(),
        "nothing left to revert"
    );

    let page = replica
        .history(id, &HistoryOptions::default())
        .await
        .unwrap();
    assert_eq!(page.revisions.len(), 3, "history is never rewritten");
    let revert = &page.revisions[0];
    assert_eq!(revert.attribution.as_ref().unwrap().device, Some(PHONE));
    assert_eq!(revert.changes[0].path, "name.given");

    assert!(replica.revert(id, added, None).await.unwrap());
    assert_eq!(replica.contact(id).await.unwrap().unwrap().name.family, "");

    assert!(matches!(
        replica.revert(id, added, Some("colour")).await,
        Err(Error::Restore(_))
    ));
    assert!(matches!(
        replica.revert(id, added, Some("lifecycle.archived")).await,
        Err(Error::Restore(_))
    ));
    assert!(matches!(
        replica.resolve_revision(id, "zzzz").await,
        Err(Error::NoRevisionMatch { .. })
    ));
}

#[tokio::test]
async fn activity_is_appended_offline_by_the_signed_in_member() {
    let (_dir, mut replica) = signed_in_replica().await;
    let id = replica.create(&named("Hiro")).await.unwrap();
    let call = replica
        .log_activity(id, ActivityKind::Call, "asked for a quote", None)
        .await
        .unwrap();
    replica
        .log_activity(
            id,
            ActivityKind::Visit,
            "site visit",
            Some(1_700_000_000_000),
        )
        .await
        .unwrap();
    assert_eq!(call.by, MINA.to_string());
    let contact = replica.contact(id).await.unwrap().unwrap();
    assert_eq!(contact.activity.len(), 2);
    assert_eq!(contact.activity[0].text, "asked for a quote");
    assert_eq!(contact.activity[1].at_ms, 1_700_000_000_000);

    assert!(
        replica
            .add_tags(id, &["vip".into(), " expo ".into()])
            .await
            .unwrap()
    );
    assert!(replica.remove_tags(id, &["vip".into()]).await.unwrap());
    assert!(!replica.remove_tags(id, &["vip".into()]).await.unwrap());
    let contact = replica.contact(id).await.unwrap().unwrap();
    assert_eq!(contact.tag_list(), ["expo"]);
}
