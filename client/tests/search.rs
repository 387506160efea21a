//! Searching and listing the replica with no server anywhere: the server's search rules over
//! each contact's projection, kept in step with every write, whichever process made it.

use client::{Account, ContactFilter, Replica, Secret, Shelf, Sort, Tokens};
use sync_core::contact::{ContactType, Organization, Phone};
use sync_core::ids::{DeviceId, ItemId, MemberId, TenantId};

fn replica_path() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("replica.db");
    (dir, path)
}

/// An account as a login would store it, for a company in Japan; no server is ever called.
fn japanese_account() -> Account {
    Account {
        server: "http://127.0.0.1:9".into(),
        tenant: TenantId::from_u128(1),
        member: MemberId::from_u128(2),
        device: DeviceId::from_u128(3),
        tokens: Tokens {
            access_token: Secret::new("a"),
            refresh_token: Secret::new("r"),
            access_expires_ms: i64::MAX,
        },
        default_region: Some("JP".into()),
    }
}

fn search(text: &str) -> ContactFilter {
    ContactFilter {
        text: text.into(),
        ..ContactFilter::default()
    }
}

async fn names(replica: &mut Replica, filter: &ContactFilter) -> Vec<String> {
    replica
        .search(filter)
        .await
        .unwrap()
        .into_iter()
        .map(|summary| summary.display_name)
        .collect()
}

/// The contacts of a small Tokyo sales team.
async fn tokyo_book(replica: &mut Replica) {
    let mut tanaka = sync_core::contact::Contact::default();
    tanaka.name.family = "田中".into();
    tanaka.name.given = "太郎".into();
    tanaka.name.phonetic_family = "タナカ".into();
    tanaka.name.phonetic_given = "タロウ".into();
    tanaka.phones.push(Phone {
        id: ItemId::from("p1"),
        label: "work".into(),
        e164: "+81312345678".into(),
        raw: "03-1234-5678".into(),
    });
    tanaka.organizations.push(Organization {
        id: ItemId::from("o1"),
        company: "Yamata Keiki".into(),
        department: "Purchasing".into(),
        title: "Buyer".into(),
    });
    tanaka.tags.insert("expo-2025".into(), true);
    tanaka.contact_type = ContactType::Customer;
    replica.create(&tanaka).await.unwrap();

    let mut jose = sync_core::contact::Contact::default();
    jose.name.given = "José".into();
    jose.name.family = "Álvarez".into();
    jose.emails.push(sync_core::contact::Email {
        id: ItemId::from("e1"),
        label: "work".into(),
        address: "jose@alvarez.example".into(),
    });
    replica.create(&jose).await.unwrap();

    let mut mina = sync_core::contact::Contact::default();
    mina.name.given = "Mina".into();
    mina.name.family = "Park".into();
    mina.tags.insert("expo-2025".into(), true);
    replica.create(&mina).await.unwrap();
}

#[tokio::test]
async fn offline_search_finds_names_readings_phones_emails_companies_and_tags() {
    let (_dir, path) = replica_path();
    let mut replica = Replica::open(&path).await.unwrap();
    replica.sign_in(japanese_account()).await.unwrap();
    tokyo_book(&mut replica).await;

    for (typed, expected) in [
        ("中太", vec!["田中太郎"]),
        ("たなか", vec!["田中太郎"]),
        ("ﾀﾅｶ", vec!["田中太郎"]),
        ("jose", vec!["José Álvarez"]),
        ("ALVA", vec!["José Álvarez"]),
        ("03-1234-5678", vec!["田中太郎"]),
        ("+81 3 1234 5678", vec!["田中太郎"]),
        ("(03) 1234-5678", vec!["田中太郎"]),
        ("5678", vec!["田中太郎"]),
        ("@alvarez.example", vec!["José Álvarez"]),
        ("yamata purch", vec!["田中太郎"]),
        ("expo", vec!["Mina Park", "田中太郎"]),
        ("nobody", vec![]),
    ] {
        assert_eq!(
            names(&mut replica, &search(typed)).await,
            expected,
            "searching {typed:?}"
        );
    }
    let customers = ContactFilter {
        contact_type: Some(ContactType::Customer),
        tag: Some("expo-2025".into()),
        ..ContactFilter::default()
    };
    assert_eq!(names(&mut replica, &customers).await, ["田中太郎"]);
}

#[tokio::test]
async fn archived_and_trashed_contacts_leave_the_default_list_but_stay_findable() {
    let (_dir, path) = replica_path();
    let mut replica = Replica::open(&path).await.unwrap();
    tokyo_book(&mut replica).await;
    let jose = replica.search(&search("jose")).await.unwrap()[0].id;
    let mina = replica.search(&search("mina")).await.unwrap()[0].id;

    assert!(replica.archive(jose).await.unwrap());
    assert!(!replica.archive(jose).await.unwrap(), "already archived");
    replica.trash(mina).await.unwrap();

    let shelf = |shelf| ContactFilter {
        shelf,
        ..ContactFilter::default()
    };
    assert_eq!(
        names(&mut replica, &shelf(Shelf::Active)).await,
        ["田中太郎"]
    );
    assert_eq!(
        names(&mut replica, &shelf(Shelf::Archived)).await,
        ["José Álvarez"]
    );
    assert_eq!(
        names(&mut replica, &shelf(Shelf::Trash)).await,
        ["Mina Park"]
    );
    assert_eq!(
        names(&mut replica, &shelf(Shelf::All)).await.len(),
        2,
        "all is everything not in the trash"
    );
    assert!(
        names(&mut replica, &search("jose")).await.is_empty(),
        "a search looks at the active contacts unless asked"
    );
    let archived_jose = ContactFilter {
        shelf: Shelf::Archived,
        ..search("jose")
    };
    assert_eq!(names(&mut replica, &archived_jose).await, ["José Álvarez"]);
    assert_eq!(
        replica.tag_counts().await.unwrap(),
        [("expo-2025".to_string(), 1)],
        "the trashed contact's tag is not counted"
    );

    replica.unarchive(jose).await.unwrap();
    replica.restore(mina).await.unwrap();
    assert_eq!(names(&mut replica, &shelf(Shelf::Active)).await.len(), 3);
}

#[tokio::test]
async fn the_list_follows_edits_made_by_another_process_and_survives_a_restart() {
    let (_dir, path) = replica_path();
    let mut first = Replica::open(&path).await.unwrap();
    let mut second = Replica::open(&path).await.unwrap();
    tokyo_book(&mut first).await;
    assert_eq!(names(&mut second, &search("mina")).await, ["Mina Park"]);

    let mina = first.search(&search("mina")).await.unwrap()[0].id;
    first
        .edit(mina, |c| c.name.family = "Kim".into())
        .await
        .unwrap();
    assert_eq!(
        names(&mut second, &search("mina")).await,
        ["Mina Kim"],
        "the other process's edit is seen"
    );
    assert!(names(&mut second, &search("park")).await.is_empty());
    drop((first, second));

    let mut reopened = Replica::open(&path).await.unwrap();
    let by_change = ContactFilter {
        sort: Sort::Changed,
        ..ContactFilter::default()
    };
    let newest = reopened.search(&by_change).await.unwrap();
    assert_eq!(newest[0].display_name, "Mina Kim", "the last edited first");
    assert_eq!(
        reopened.resolve(&mina.to_string()[..8]).await.unwrap(),
        mina
    );
}

#[tokio::test]
async fn signing_in_to_a_company_of_another_country_reads_numbers_in_its_region() {
    let (_dir, path) = replica_path();
    let mut replica = Replica::open(&path).await.unwrap();
    tokyo_book(&mut replica).await;
    // Before signing in there is no region: a national number typed with its trunk prefix is
    // still found by its digits, as the index holds the national spelling too.
    assert_eq!(
        names(&mut replica, &search("03-1234-5678")).await,
        ["田中太郎"]
    );
    assert!(
        names(&mut replica, &search("0312345678 mina"))
            .await
            .is_empty()
    );
    replica.sign_in(japanese_account()).await.unwrap();
    assert_eq!(
        names(&mut replica, &search("+81-3-1234-5678")).await,
        ["田中太郎"]
    );
}

#[tokio::test]
async fn a_replica_from_before_projections_makes_them_at_its_first_search() {
    use sqlx::Connection;
    let (_dir, path) = replica_path();
    let mut replica = Replica::open(&path).await.unwrap();
    tokyo_book(&mut replica).await;
    drop(replica);
    // What a replica written by the previous version holds: documents, no projections.
    let mut raw = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("DELETE FROM projections")
        .execute(&mut raw)
        .await
        .unwrap();
    sqlx::query("DELETE FROM projection_rules")
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();

    let mut replica = Replica::open(&path).await.unwrap();
    assert_eq!(names(&mut replica, &search("park")).await, ["Mina Park"]);
    assert_eq!(
        names(&mut replica, &ContactFilter::default()).await.len(),
        3
    );
}
