//! A company of many contacts, stored straight through the store (as the server's own commit
//! path stores a device's pushes: validated, projected for search, fed), so a benchmark of
//! 100,000 contacts starts in a minute rather than after 100,000 round trips.
//!
//! The contacts are fictional and varied the way a sales team's book is: Japanese and
//! Western names (with readings for the Japanese), one or two phones in several formats,
//! work emails, companies and departments, a few tags, types and levels.

use std::sync::Arc;

use automerge::ActorId;
use serde_bytes::ByteBuf;
use server::store::Store;
use sync_core::access::Viewer;
use sync_core::contact::{Contact, ContactType, Email, Level, Organization, Phone};
use sync_core::document::ContactDoc;
use sync_core::ids::{ContactId, ItemId, MemberId, TenantId};
use sync_core::wire::{DocChanges, MAX_PUSH_DOCS};

const FAMILY: [(&str, &str); 12] = [
    ("田中", "たなか"),
    ("佐藤", "さとう"),
    ("鈴木", "すずき"),
    ("高橋", "たかはし"),
    ("伊藤", "いとう"),
    ("渡辺", "わたなべ"),
    ("Müller", ""),
    ("García", ""),
    ("Nguyen", ""),
    ("Okafor", ""),
    ("Lindqvist", ""),
    ("O'Brien", ""),
];

const GIVEN: [(&str, &str); 12] = [
    ("太郎", "たろう"),
    ("花子", "はなこ"),
    ("健", "けん"),
    ("美咲", "みさき"),
    ("翔", "しょう"),
    ("陽菜", "ひな"),
    ("José", ""),
    ("Anna", ""),
    ("Minh", ""),
    ("Chidi", ""),
    ("Mara", ""),
    ("Siobhán", ""),
];

const COMPANIES: [&str; 10] = [
    "Yamata Keiki",
    "Kita Logistics",
    "Blue Heron Labs",
    "株式会社ミナト商事",
    "Nordlicht GmbH",
    "Saigon Trading JSC",
    "Lagos Freight Ltd",
    "Hokuto Foods",
    "Azur Consulting",
    "Tanuki Robotics",
];

const TAGS: [&str; 6] = [
    "vip",
    "trade-show",
    "renewal",
    "partner-fair",
    "tokyo",
    "osaka",
];

/// Contact `n` of the company (the same every run).
pub fn contact(n: u64) -> Contact {
    let mut contact = Contact::default();
    let (family, family_reading) = FAMILY[(n % 12) as usize];
    let (given, given_reading) = GIVEN[(n / 12 % 12) as usize];
    contact.name.family = family.into();
    contact.name.given = format!("{given}{}", n / 144);
    contact.name.phonetic_family = family_reading.into();
    contact.name.phonetic_given = given_reading.into();
    // Tokyo numbers 03-5xxx-xxxx and mobiles 090-8xxx-xxxx, valid for every n.
    let local = n % 10_000_000;
    contact.phones.push(Phone {
        id: ItemId::from("p1"),
        label: "work".into(),
        e164: format!("+8135{local:07}"),
        raw: format!("03-5{:03}-{:04}", local / 10_000 % 1_000, local % 10_000),
    });
    if n.is_multiple_of(3) {
        contact.phones.push(Phone {
            id: ItemId::from("p2"),
            label: "mobile".into(),
            e164: format!("+81908{local:07}"),
            raw: format!("090-8{:03}-{:04}", local / 10_000 % 1_000, local % 10_000),
        });
    }
    let company = COMPANIES[(n % 10) as usize];
    contact.emails.push(Email {
        id: ItemId::from("e1"),
        label: "work".into(),
        address: format!("rep{n}@customer{}.example", n % 97),
    });
    contact.organizations.push(Organization {
        id: ItemId::from("o1"),
        company: company.into(),
        department: ["Sales", "Purchasing", "営業部", "R&D"][(n % 4) as usize].into(),
        title: "Manager".into(),
    });
    contact.tags.insert(TAGS[(n % 6) as usize].into(), true);
    if n.is_multiple_of(5) {
        contact.tags.insert("vip".into(), true);
    }
    contact.contact_type = [
        ContactType::Lead,
        ContactType::Prospect,
        ContactType::Customer,
        ContactType::Partner,
    ][(n % 4) as usize]
        .clone();
    contact.level = n.is_multiple_of(3).then_some(Level::Primary);
    contact
}

/// The id of contact `n`: spread over the id space, as random ids are.
pub fn contact_id(n: u64) -> ContactId {
    let mixed = u128::from(n)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)
        .rotate_left(17)
        | 1;
    ContactId::from_u128(mixed)
}

/// Store contacts `0..count` for `owner` of `tenant`, a thousand per transaction as a big
/// push is, with every contact visible to the whole company.
pub async fn fill(
    store: &Arc<dyn Store>,
    tenant: TenantId,
    owner: MemberId,
    count: u64,
) -> anyhow::Result<()> {
    let viewer = Viewer::member_only(owner);
    let mut next = 0;
    while next < count {
        let end = (next + MAX_PUSH_DOCS as u64).min(count);
        let docs = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<DocChanges>> {
            (next..end)
                .map(|n| {
                    let (_, change) =
                        ContactDoc::create(contact_id(n), ActorId::random(), &contact(n))?;
                    Ok(DocChanges::new(
                        contact_id(n),
                        vec![ByteBuf::from(change.raw_bytes().to_vec())],
                    ))
                })
                .collect()
        })
        .await??;
        let results = store.commit(tenant, &viewer, &docs).await?;
        if let Some(refused) = results.iter().find(|result| result.rejected.is_some()) {
            anyhow::bail!("contact refused while filling the company: {refused:?}");
        }
        next = end;
    }
    Ok(())
}

/// A company stored on a fresh database for a benchmark: its owner signed up through the real
/// server, then its contacts filled in through the store. The database lives as long as this.
pub struct StoredCompany {
    /// The database URL a server is started on.
    pub url: String,
    /// The owner, signed in from the sign-up.
    pub owner: crate::Account,
    /// `sqlite` or `postgres`, for the bench line.
    pub backend: &'static str,
    /// The owner's password, to sign in other devices.
    pub password: &'static str,
    _data: tempfile::TempDir,
    _database: Option<server::testing::TestDatabase>,
}

/// Store a company of `contacts` contacts on SQLite in a temporary folder, or on a throw-away
/// Postgres cluster when `postgres`.
pub async fn stored(contacts: u64, postgres: bool) -> anyhow::Result<StoredCompany> {
    const PASSWORD: &str = "correct horse battery";
    let data = tempfile::tempdir()?;
    let database = if postgres {
        Some(server::testing::fresh_database().await?)
    } else {
        None
    };
    let url = match &database {
        Some(database) => database.url().to_string(),
        None => format!("sqlite://{}", data.path().join("rolo.db").display()),
    };
    let first = crate::ChildServer::start(&url).await?;
    let owner = crate::signup(
        &first.as_test_server(),
        "Hundred Thousand KK",
        "owner@big.example",
        PASSWORD,
    )
    .await?;
    first.kill()?;
    let filling = std::time::Instant::now();
    {
        let store: Arc<dyn Store> = if postgres {
            Arc::new(server::store::postgres::PostgresStore::connect(&url).await?)
        } else {
            Arc::new(server::store::sqlite::SqliteStore::open(&url).await?)
        };
        store.migrate().await?;
        fill(&store, owner.tenant, owner.member, contacts).await?;
    }
    println!(
        "stored {contacts} contacts in {:.1} s",
        filling.elapsed().as_secs_f64()
    );
    // To look at the query plans afterwards: `BENCH_KEEP_DATA=1` keeps the SQLite folder, or
    // the Postgres database (on `DATABASE_URL`'s server, as the throw-away cluster stops).
    let keep = std::env::var("BENCH_KEEP_DATA").is_ok();
    let data = if keep {
        let kept = data.keep();
        println!("the database is kept in {}", kept.display());
        tempfile::TempDir::new_in(&kept)?
    } else {
        data
    };
    let database = match database {
        Some(database) if keep => {
            println!("the database is kept at {}", database.url());
            std::mem::forget(database);
            None
        }
        database => database,
    };
    Ok(StoredCompany {
        url,
        owner,
        backend: if postgres { "postgres" } else { "sqlite" },
        password: PASSWORD,
        _data: data,
        _database: database,
    })
}
