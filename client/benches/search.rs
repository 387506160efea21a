//! How fast a device searches its own replica: 10,000 contacts, each search over their
//! projections (no document loaded). Run with `cargo bench -p client --bench search` (or, in a
//! debug build, `cargo test -p client --bench search`); prints one `bench device_search: …`
//! line. Contacts are written through `Replica::create`, one transaction each, in a directory
//! on /dev/shm when there is one (the fsync of every commit is then free).

use std::time::{Duration, Instant};

use client::{ContactFilter, Replica, Shelf, Sort};
use sync_core::contact::{Contact, Organization, Phone};
use sync_core::ids::ItemId;

const CONTACTS: usize = 10_000;
const GIVEN: [&str; 10] = [
    "Aiko", "Hiro", "José", "Mina", "Ben", "Émile", "Sato", "Yuki", "Lena", "Omar",
];
const FAMILY: [&str; 10] = [
    "Tanaka", "Álvarez", "Park", "Ng", "Zola", "Suzuki", "Kim", "Schmidt", "Haddad", "Ito",
];
const COMPANIES: [&str; 5] = [
    "Yamata Keiki",
    "Acme",
    "Kita Logistics",
    "Nordwind",
    "Sakura",
];

fn contact(n: usize) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = format!("{}{}", GIVEN[n % 10], n / 100);
    contact.name.family = FAMILY[(n / 10) % 10].into();
    let national = format!("03{:08}", 10_000_000 + n * 7);
    contact.phones.push(Phone {
        id: ItemId::from("p1"),
        label: "work".into(),
        e164: format!("+81{}", &national[1..]),
        raw: national,
    });
    contact.organizations.push(Organization {
        id: ItemId::from("o1"),
        company: COMPANIES[n % 5].into(),
        department: String::new(),
        title: String::new(),
    });
    if n.is_multiple_of(7) {
        contact.tags.insert("expo".into(), true);
    }
    contact
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let path = dir.path().join("replica.db");
    let mut replica = Replica::open(&path).await.unwrap();
    let started = Instant::now();
    for n in 0..CONTACTS {
        replica.create(&contact(n)).await.unwrap();
    }
    let written = started.elapsed();
    replica.close().await.unwrap();

    // A new process: the first search reads every projection from the file.
    let mut replica = Replica::open(&path).await.unwrap();
    let filter = |text: &str| ContactFilter {
        text: text.into(),
        ..ContactFilter::default()
    };
    let started = Instant::now();
    let found = replica.search(&filter("tanaka")).await.unwrap();
    let cold = started.elapsed();
    assert_eq!(found.len(), CONTACTS / 10);

    let queries = [
        "tanaka",
        "jos",
        "álvarez aiko",
        "03-1000-0700",
        "5678",
        "acme",
        "expo",
        "kita",
        "zzz",
        "mina1",
    ];
    let mut times = Vec::new();
    for round in 0..10 {
        for query in queries {
            let mut asked = filter(query);
            if round % 2 == 1 {
                asked.sort = Sort::Changed;
                asked.shelf = Shelf::All;
            }
            let started = Instant::now();
            let found = replica.search(&asked).await.unwrap();
            times.push(started.elapsed());
            std::hint::black_box(found);
        }
    }
    times.sort();
    let started = Instant::now();
    let all = replica.search(&ContactFilter::default()).await.unwrap();
    let list_all = started.elapsed();
    assert_eq!(all.len(), CONTACTS);
    println!(
        "bench device_search: contacts={CONTACTS} write_seconds={:.1} cold_ms={:.1} p50_ms={:.2} \
         p95_ms={:.2} list_all_ms={:.1}",
        written.as_secs_f64(),
        ms(cold),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(list_all)
    );
}
