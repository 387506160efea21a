//! What indexing costs: time per contact for `search::index_terms`, the number of terms and
//! their bytes (the server stores one row per term: 100,000 contacts × this many), and a
//! device's offline search scanning every projection.
//!
//! Two kinds of typical contact are measured: a Japanese one (kanji name with a kana reading,
//! company and department in kanji) and a Western one (accented name, English company), each
//! with two phones, two emails and two tags. Times are printed, never asserted. The last line
//! is the `bench search_index: key=value …` summary (DESIGN.md 6).
//!
//! ```text
//! cargo bench -p sync-core --bench search_index
//! cargo bench -p sync-core --bench search_index -- --quick   # 2,000 contacts
//! ```

use std::hint::black_box;
use std::time::Instant;

use sync_core::contact::{Contact, Email, Organization, Phone};
use sync_core::ids::ItemId;
use sync_core::search::{Query, SearchProjection, index_terms};

fn japanese(n: usize) -> Contact {
    let mut contact = Contact::default();
    contact.name.family = "田中".into();
    contact.name.given = "太郎".into();
    contact.name.phonetic_family = "タナカ".into();
    contact.name.phonetic_given = "タロウ".into();
    contact.phones = vec![
        phone("p1", &format!("+8131234{:04}", n % 10_000)),
        phone("p2", &format!("+81901234{:04}", n % 10_000)),
    ];
    contact.emails = vec![
        email("e1", &format!("t.tanaka{n}@yamatakei.co.jp")),
        email("e2", "taro.tanaka@example.com"),
    ];
    contact.organizations.push(Organization {
        id: ItemId::from("o1"),
        company: "株式会社ヤマタ計器".into(),
        department: "第一営業部".into(),
        title: "部長".into(),
    });
    contact.tags.insert("顧客".into(), true);
    contact.tags.insert("tokyo-2024".into(), true);
    contact
}

fn western(n: usize) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = "José".into();
    contact.name.middle = "María".into();
    contact.name.family = "Müller-Lüdenscheidt".into();
    contact.phones = vec![
        phone("p1", &format!("+1415555{:04}", n % 10_000)),
        phone("p2", "+442079460958"),
    ];
    contact.emails = vec![
        email("e1", &format!("jose.muller{n}@acme-widgets.com")),
        email("e2", "jm@example.org"),
    ];
    contact.organizations.push(Organization {
        id: ItemId::from("o1"),
        company: "Acme Widgets, Inc.".into(),
        department: "Field Sales".into(),
        title: "Account Executive".into(),
    });
    contact.tags.insert("vip".into(), true);
    contact.tags.insert("trade show 2024".into(), true);
    contact
}

fn phone(id: &str, e164: &str) -> Phone {
    Phone {
        id: ItemId::from(id),
        label: "work".into(),
        e164: e164.into(),
        raw: String::new(),
    }
}

fn email(id: &str, address: &str) -> Email {
    Email {
        id: ItemId::from(id),
        label: "work".into(),
        address: address.into(),
    }
}

fn main() {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let count = if quick { 2_000 } else { 20_000 };
    let contacts: Vec<Contact> = (0..count)
        .map(|n| if n % 2 == 0 { japanese(n) } else { western(n) })
        .collect();

    for (kind, contact) in [("japanese", japanese(7)), ("western", western(7))] {
        let terms = index_terms(&contact, "JP");
        let bytes: usize = terms.iter().map(String::len).sum();
        println!("{kind}: {} terms, {bytes} bytes: {terms:?}", terms.len());
    }

    let without_phones: Vec<Contact> = contacts
        .iter()
        .map(|contact| Contact {
            phones: Vec::new(),
            ..contact.clone()
        })
        .collect();
    let started = Instant::now();
    for contact in &without_phones {
        black_box(index_terms(contact, "JP"));
    }
    let no_phone_us = started.elapsed().as_secs_f64() * 1e6 / count as f64;
    println!("the same without their phones: {no_phone_us:.1} µs each");

    let started = Instant::now();
    let projections: Vec<SearchProjection> = contacts
        .iter()
        .map(|contact| SearchProjection::of(contact, "JP"))
        .collect();
    let index_us = started.elapsed().as_secs_f64() * 1e6 / count as f64;
    let terms: usize = projections.iter().map(|p| p.terms().len()).sum();
    let bytes: usize = projections
        .iter()
        .flat_map(|p| p.terms())
        .map(str::len)
        .sum();
    println!(
        "projected {count} contacts (terms and sort key): {index_us:.1} µs each, {:.1} terms and {:.0} term bytes each",
        terms as f64 / count as f64,
        bytes as f64 / count as f64
    );

    let queries = [
        "中太",
        "たなか",
        "müller sales",
        "(03) 1234-5678",
        "5678",
        "nobody",
    ];
    let mut scan_ms = Vec::new();
    for text in queries {
        let started = Instant::now();
        let query = Query::parse(text, "JP");
        let found = projections.iter().filter(|p| p.matches(&query)).count();
        let ms = started.elapsed().as_secs_f64() * 1e3;
        black_box(found);
        println!("scan {count} for {text:?}: {found} found in {ms:.2} ms");
        scan_ms.push(ms);
    }
    let worst_scan = scan_ms.iter().cloned().fold(0.0, f64::max);
    println!(
        "bench search_index: contacts={count} index_us={index_us:.1} terms_per_contact={:.1} \
         term_bytes_per_contact={:.0} worst_scan_ms={worst_scan:.2}",
        terms as f64 / count as f64,
        bytes as f64 / count as f64
    );
}
