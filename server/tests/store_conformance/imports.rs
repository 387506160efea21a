//! Imports: an import moves preview → running → done only forward, its progress and failed
//! rows are stored together (a batch recorded twice after a restart keeps each failure once),
//! one runner at a time holds a running import (another takes it over only once its lease ran
//! out), an uploaded file is forgotten only once its import ended, and duplicate detection
//! reads only what the importing member may see.

use server::store::Store;
use server::store::imports::{
    ImportCounts, ImportId, ImportProgress, ImportState, Lease, MatchRow, NewImport,
};
use sync_core::access::Viewer;
use sync_core::contact::{Contact, Email, Phone as PhoneItem, SocialHandle, SocialNetwork};
use sync_core::ids::{ItemId, MemberId};
use sync_core::wire::Visibility;

use super::support::{Phone, accepted, contact, push, push_shared, team};

/// A runner's lease of 10 s.
fn lease() -> Lease {
    Lease::new(std::time::Duration::from_secs(10))
}

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
    let runner = lease();
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
            .record_import_progress(team.tenant, new.id, &progress, runner, 2_500)
            .await
            .unwrap(),
        "an import in preview does not move"
    );
    assert!(
        store
            .start_import(team.tenant, new.id, runner, 3_000)
            .await
            .unwrap()
    );
    assert!(
        !store
            .start_import(team.tenant, new.id, runner, 3_001)
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
                .record_import_progress(team.tenant, new.id, &progress, runner, 4_000)
                .await
                .unwrap()
        );
    }
    let orphaned = |now_ms| async move {
        store
            .orphaned_imports(now_ms)
            .await
            .unwrap()
            .iter()
            .any(|record| record.id == new.id)
    };
    assert!(!orphaned(4_001).await, "its runner's lease holds");
    assert!(orphaned(14_001).await, "a lease not renewed runs out");
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
        !orphaned(100_000).await,
        "an ended import is nobody's to resume"
    );
}

pub async fn a_running_import_has_one_runner_until_its_lease_runs_out(store: &dyn Store) {
    let team = team(store, "import-lease").await;
    let (first, second, third) = (lease(), lease(), lease());
    let new = new_import(team.ana, 1_000);
    store.create_import(team.tenant, &new).await.unwrap();
    assert!(
        store
            .start_import(team.tenant, new.id, first, 2_000)
            .await
            .unwrap()
    );
    let progress = ImportProgress {
        position: 2,
        counts: ImportCounts {
            done: 2,
            imported: 2,
            ..ImportCounts::default()
        },
        failures: Vec::new(),
    };
    assert!(
        !store
            .claim_import(team.tenant, new.id, second, 5_000, 5_000)
            .await
            .unwrap(),
        "the first runner's lease holds until 12,000"
    );
    assert!(
        store
            .record_import_progress(team.tenant, new.id, &progress, first, 11_000)
            .await
            .unwrap(),
        "its runner renews the lease (now until 21,000)"
    );
    assert!(
        !store
            .claim_import(team.tenant, new.id, second, 20_000, 20_000)
            .await
            .unwrap()
    );
    // The first runner dies: its lease runs out and one of two nodes takes the import over.
    assert!(
        store
            .claim_import(team.tenant, new.id, second, 21_001, 21_001)
            .await
            .unwrap()
    );
    assert!(
        !store
            .claim_import(team.tenant, new.id, third, 21_002, 21_002)
            .await
            .unwrap(),
        "taken over once"
    );
    assert!(
        !store
            .record_import_progress(team.tenant, new.id, &progress, first, 21_003)
            .await
            .unwrap(),
        "a runner that lost its lease stops"
    );
    assert!(
        store
            .record_import_progress(team.tenant, new.id, &progress, second, 21_004)
            .await
            .unwrap()
    );
    assert!(
        store
            .orphaned_imports(21_005)
            .await
            .unwrap()
            .iter()
            .all(|record| record.id != new.id)
    );

    // Cancelled while a batch commits: the batch's rows are saved, so they are counted, and
    // the job is told to stop.
    assert!(
        store
            .finish_import(team.tenant, new.id, ImportState::Cancelled, None, 22_000)
            .await
            .unwrap()
    );
    let mut last_batch = progress.clone();
    last_batch.position = 3;
    last_batch.counts.done = 3;
    last_batch.counts.imported = 3;
    assert!(
        !store
            .record_import_progress(team.tenant, new.id, &last_batch, second, 22_001)
            .await
            .unwrap()
    );
    let cancelled = store.import(team.tenant, new.id).await.unwrap().unwrap();
    assert_eq!(cancelled.state, ImportState::Cancelled);
    assert_eq!((cancelled.position, cancelled.counts.imported), (3, 3));
}

pub async fn an_uploaded_file_is_forgotten_only_after_its_import_ended(store: &dyn Store) {
    let team = team(store, "import-retention").await;
    let runner = lease();
    let running = new_import(team.ana, 1_000);
    let ended = new_import(team.ana, 1_000);
    let left_in_preview = new_import(team.ana, 1_000);
    for new in [&running, &ended, &left_in_preview] {
        store.create_import(team.tenant, new).await.unwrap();
    }
    for new in [&running, &ended] {
        assert!(
            store
                .start_import(team.tenant, new.id, runner, 2_000)
                .await
                .unwrap()
        );
    }
    assert!(
        store
            .finish_import(team.tenant, ended.id, ImportState::Done, None, 3_000)
            .await
            .unwrap()
    );
    let past = |before_ms| async move {
        let mut ids: Vec<ImportId> = store
            .imports_past_keeping(before_ms)
            .await
            .unwrap()
            .into_iter()
            .filter(|record| record.tenant == team.tenant)
            .map(|record| record.id)
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        past(1_000).await,
        Vec::<ImportId>::new(),
        "kept while young"
    );
    let mut expected = vec![ended.id, left_in_preview.id];
    expected.sort();
    assert_eq!(past(3_001).await, expected, "never a running import");

    assert!(
        !store
            .forget_import_file(team.tenant, running.id, 4_000)
            .await
            .unwrap(),
        "a running import keeps its file"
    );
    for new in [&ended, &left_in_preview] {
        assert!(
            store
                .forget_import_file(team.tenant, new.id, 4_000)
                .await
                .unwrap()
        );
        assert!(
            !store
                .forget_import_file(team.tenant, new.id, 4_001)
                .await
                .unwrap(),
            "forgotten once"
        );
    }
    assert_eq!(past(10_000).await, Vec::<ImportId>::new());
    let forgotten = store
        .import(team.tenant, left_in_preview.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(forgotten.file_deleted_ms, Some(4_000));
    assert_eq!(
        forgotten.state,
        ImportState::Cancelled,
        "a preview without its file can no longer start"
    );
    assert!(
        !store
            .start_import(team.tenant, left_in_preview.id, runner, 5_000)
            .await
            .unwrap()
    );
    let done = store.import(team.tenant, ended.id).await.unwrap().unwrap();
    assert_eq!(
        (done.state, done.finished_ms),
        (ImportState::Done, Some(3_000))
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
    shared.social.push(SocialHandle {
        id: ItemId::from("s"),
        network: SocialNetwork::Line,
        handle: " Mara.N ".into(),
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
            handles: vec!["line:mara.n".into()],
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
