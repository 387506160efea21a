//! Imports: an import moves preview → running → done only forward, its progress and failed
//! rows are stored together (a batch recorded twice after a restart keeps each failure once),
//! a restarted server finds what was running, and duplicate detection reads only what the
//! importing member may see.

use server::store::Store;
use server::store::imports::{
    ImportCounts, ImportId, ImportProgress, ImportState, MatchRow, NewImport,
};
use sync_core::access::Viewer;
use sync_core::contact::{Contact, Email, Phone as PhoneItem};
use sync_core::ids::{ItemId, MemberId};
use sync_core::wire::Visibility;

use super::support::{Phone, accepted, contact, push, push_shared, team};

fn new_import(member: MemberId, now_ms: i64) -> NewImport {
    NewImport {
        id: ImportId::random(),
        member,
        file_name: "people.csv".into(),
        format: "csv".into(),
        encoding: "UTF-8".into(),
        layout: "rolo".into(),
        columns: vec!["Given name".into(), "Email".into()],
        mapping: r#"[{"column":"Given name","target":"given"}]"#.into(),
        options: r#"{"duplicates":"merge"}"#.into(),
        total: 10,
        now_ms,
    }
}

pub async fn an_import_runs_forward_and_keeps_its_failed_rows_once(store: &dyn Store) {
    let team = team(store, "imports").await;
    let new = new_import(team.ana, 1_000);
    let created = store.create_import(team.tenant, &new).await.unwrap();
    assert_eq!(created.state, ImportState::Preview);
    assert_eq!(created.counts.total, 10);
    assert_eq!(created.columns, new.columns);
    assert_eq!(created.member, team.ana);

    assert!(
        store
            .set_import_setup(team.tenant, new.id, "[]", r#"{"duplicates":"skip"}"#, 2_000)
            .await
            .unwrap()
    );
    let progress = ImportProgress {
        counts: ImportCounts {
            done: 4,
            imported: 3,
            failed: 1,
            ..ImportCounts::default()
        },
        position: 4,
        failures: vec![(3, "phone: not a number".into())],
    };
    assert!(
        !store
            .record_import_progress(team.tenant, new.id, &progress, 2_500)
            .await
            .unwrap(),
        "an import in preview does not move"
    );
    assert!(
        store
            .start_import(team.tenant, new.id, 3_000)
            .await
            .unwrap()
    );
    assert!(
        !store
            .start_import(team.tenant, new.id, 3_001)
            .await
            .unwrap(),
        "started once"
    );
    assert!(
        !store
            .set_import_setup(team.tenant, new.id, "[]", "{}", 3_002)
            .await
            .unwrap(),
        "the setup is settled once it runs"
    );
    for _ in 0..2 {
        // The same batch recorded again, as after a restart.
        assert!(
            store
                .record_import_progress(team.tenant, new.id, &progress, 4_000)
                .await
                .unwrap()
        );
    }
    let running = store.running_imports().await.unwrap();
    assert!(running.iter().any(|record| record.id == new.id));
    let stored = store.import(team.tenant, new.id).await.unwrap().unwrap();
    assert_eq!(stored.state, ImportState::Running);
    assert_eq!(stored.position, 4);
    assert_eq!(stored.counts.imported, 3);
    assert_eq!(stored.started_ms, Some(3_000));
    assert_eq!(stored.options, r#"{"duplicates":"skip"}"#);
    assert_eq!(
        store.import_failures(team.tenant, new.id).await.unwrap(),
        [(3, "phone: not a number".to_string())]
    );

    assert!(
        store
            .finish_import(team.tenant, new.id, ImportState::Done, None, 5_000)
            .await
            .unwrap()
    );
    assert!(
        !store
            .finish_import(team.tenant, new.id, ImportState::Cancelled, None, 5_001)
            .await
            .unwrap(),
        "ended once"
    );
    let done = store.import(team.tenant, new.id).await.unwrap().unwrap();
    assert_eq!(done.state, ImportState::Done);
    assert_eq!(done.finished_ms, Some(5_000));
    assert!(
        !store
            .running_imports()
            .await
            .unwrap()
            .iter()
            .any(|record| record.id == new.id)
    );
}

pub async fn a_members_imports_are_theirs_and_newest_first(store: &dyn Store) {
    let team = team(store, "import-lists").await;
    let first = new_import(team.ana, 1_000);
    let second = new_import(team.ana, 2_000);
    let bens = new_import(team.ben, 3_000);
    for new in [&first, &second, &bens] {
        store.create_import(team.tenant, new).await.unwrap();
    }
    let anas: Vec<ImportId> = store
        .imports_of(team.tenant, team.ana)
        .await
        .unwrap()
        .iter()
        .map(|record| record.id)
        .collect();
    assert_eq!(anas, [second.id, first.id]);
    assert!(
        store
            .finish_import(team.tenant, first.id, ImportState::Cancelled, None, 4_000)
            .await
            .unwrap(),
        "an import in preview can be cancelled"
    );
}

pub async fn duplicates_are_looked_for_only_among_what_the_member_sees(store: &dyn Store) {
    let team = team(store, "import-matches").await;
    let mut shared = Contact::default();
    shared.name.given = "Mara".into();
    shared.emails.push(Email {
        id: ItemId::from("e"),
        label: "work".into(),
        address: "Mara@Nordkap.example".into(),
    });
    shared.phones.push(PhoneItem {
        id: ItemId::from("p"),
        label: "mobile".into(),
        e164: "+46701234567".into(),
        raw: "070-123 45 67".into(),
    });
    let (_, everyone) = Phone::create_with(contact(1), 1, &shared);
    let (_, private) = Phone::create(contact(2), 2, "Ben's secret");
    let owner = Viewer::member_only(team.owner);
    accepted(
        &store
            .commit(team.tenant, &owner, &[push(contact(1), &[&everyone])])
            .await
            .unwrap()[0],
    );
    accepted(
        &store
            .commit(
                team.tenant,
                &Viewer::member_only(team.ben),
                &[push_shared(
                    contact(2),
                    &[&private],
                    Visibility::Members {
                        members: vec![],
                        groups: vec![],
                        units: vec![],
                    },
                )],
            )
            .await
            .unwrap()[0],
    );
    let anas = store
        .match_rows(
            team.tenant,
            &store.access(team.tenant, team.ana).await.unwrap().viewer,
        )
        .await
        .unwrap();
    assert_eq!(
        anas,
        [MatchRow {
            contact: contact(1),
            emails: vec!["mara@nordkap.example".into()],
            phones: vec!["+46701234567".into()],
        }],
        "Ben's private contact is not Ana's to match"
    );
    let bens = store
        .match_rows(
            team.tenant,
            &store.access(team.tenant, team.ben).await.unwrap().viewer,
        )
        .await
        .unwrap();
    assert_eq!(bens.len(), 2);
}
