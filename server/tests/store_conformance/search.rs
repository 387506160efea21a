//! Searching contacts (`Store::list_contacts` with `sync_core::search::Query` words): any part
//! of a name, whatever its accents, case, kana or script, an email, a phone number however it
//! is written, a company or a tag; only among what the searcher may see; and the terms follow
//! the contact as it is edited.

use server::store::Store;
use sync_core::contact::{Contact, ContactType, Email, Level, Organization, Phone};
use sync_core::ids::{ContactId, ItemId};
use sync_core::wire::Visibility;

use super::support::{Team, add_contact, save_edit, search, team};

/// José Álvarez of Acme Trading, a VIP customer.
fn jose() -> Contact {
    let mut jose = Contact::default();
    jose.name.given = "José".into();
    jose.name.family = "Álvarez".into();
    jose.emails.push(Email {
        id: ItemId::from("e1"),
        label: "work".into(),
        address: "jose.alvarez@example.com".into(),
    });
    jose.organizations.push(Organization {
        id: ItemId::from("o1"),
        company: "Acme Trading".into(),
        department: String::new(),
        title: String::new(),
    });
    jose.tags.insert("vip".into(), true);
    jose.contact_type = ContactType::Customer;
    jose.level = Some(Level::Primary);
    jose
}

/// 田中太郎 (たなか たろう) of 山田商事, met at a trade fair, on 03-1234-5678.
fn tanaka() -> Contact {
    let mut tanaka = Contact::default();
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
        company: "山田商事".into(),
        department: "営業部".into(),
        title: String::new(),
    });
    tanaka.tags.insert("展示会".into(), true);
    tanaka
}

fn named(given: &str, family: &str) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = given.into();
    contact.name.family = family.into();
    contact
}

const JOSE: ContactId = ContactId::from_u128(1);
const TANAKA: ContactId = ContactId::from_u128(2);
const EMILE: ContactId = ContactId::from_u128(3);
const SECRET: ContactId = ContactId::from_u128(4);
const GROUPS: ContactId = ContactId::from_u128(5);

/// Each text must find exactly `expected` for ana.
async fn ana_finds(store: &dyn Store, team: &Team, texts: &[&str], expected: &[ContactId]) {
    for text in texts {
        assert_eq!(
            search(store, team.tenant, team.ana, text).await,
            expected,
            "ana searching {text:?}"
        );
    }
}

pub async fn a_contact_is_found_by_any_part_of_its_name_email_phone_company_or_tag(
    store: &dyn Store,
) {
    let team = team(store, "search").await;
    let tenant = team.tenant;
    assert_eq!(store.tenant_region(tenant).await.unwrap(), "JP");
    let mut emile = named("Émile", "Zola");
    emile.tags.insert("vip".into(), true);
    add_contact(store, tenant, team.owner, JOSE, &jose(), None).await;
    add_contact(store, tenant, team.owner, TANAKA, &tanaka(), None).await;
    add_contact(store, tenant, team.owner, EMILE, &emile, None).await;

    // Any part of a name, accents and case aside.
    ana_finds(
        store,
        &team,
        &["jose", "JOSÉ", "Jos", "álvarez", "ALVAREZ josé"],
        &[JOSE],
    )
    .await;
    ana_finds(store, &team, &["emile", "Émile zol", "ZOLA"], &[EMILE]).await;
    // The reading in hiragana, katakana or half-width katakana; any run of the kanji.
    let readings = ["たなか", "タナカ", "ﾀﾅｶ", "たろう", "タナカ タロウ"];
    ana_finds(store, &team, &readings, &[TANAKA]).await;
    ana_finds(
        store,
        &team,
        &["田中", "中太", "太郎", "田中太郎", "田中 太郎"],
        &[TANAKA],
    )
    .await;
    // The number as people write it, or any four digits of it.
    let numbers = [
        "03-1234-5678",
        "+81 3 1234 5678",
        "(03) 1234-5678",
        "0312345678",
        "+81312345678",
        "5678",
        "1234-5678",
    ];
    ana_finds(store, &team, &numbers, &[TANAKA]).await;
    // The address, whole or from any word of it; the company; the tag.
    let addresses = [
        "jose.alvarez@example.com",
        "alvarez@example.com",
        "example.com",
    ];
    ana_finds(store, &team, &addresses, &[JOSE]).await;
    ana_finds(store, &team, &["acme", "Trading", "acme jose"], &[JOSE]).await;
    ana_finds(store, &team, &["山田", "商事", "営業"], &[TANAKA]).await;
    ana_finds(store, &team, &["vip"], &[EMILE, JOSE]).await;
    ana_finds(store, &team, &["展示"], &[TANAKA]).await;
    // Every word must match, and something must.
    ana_finds(store, &team, &["jose zola", "9999-0000", "田中花子"], &[]).await;
    ana_finds(store, &team, &[""], &[EMILE, JOSE, TANAKA]).await;
}

pub async fn a_search_finds_only_what_the_searcher_may_see(store: &dyn Store) {
    let team = team(store, "search-sight").await;
    let (tenant, owner, ana, ben) = (team.tenant, team.owner, team.ana, team.ben);
    let sales = store.create_group(tenant, "Sales").await.unwrap();
    store.add_to_group(tenant, sales, ben).await.unwrap();
    let private = Visibility::private();
    let to_sales = Visibility::Members {
        members: Vec::new(),
        groups: vec![sales],
        units: Vec::new(),
    };
    add_contact(store, tenant, owner, JOSE, &jose(), None).await;
    let secret = named("Sam", "Secret");
    add_contact(store, tenant, ben, SECRET, &secret, Some(private)).await;
    let gail = named("Gail", "Group");
    add_contact(store, tenant, owner, GROUPS, &gail, Some(to_sales)).await;

    assert!(
        search(store, tenant, ana, "secret").await.is_empty(),
        "ben's private contact"
    );
    assert_eq!(search(store, tenant, ben, "secret").await, [SECRET]);
    assert!(
        search(store, tenant, owner, "secret").await.is_empty(),
        "even the company owner's"
    );
    assert!(
        search(store, tenant, ana, "gail").await.is_empty(),
        "ana is not in Sales"
    );
    assert_eq!(search(store, tenant, ben, "gail").await, [GROUPS]);
    assert_eq!(search(store, tenant, ana, "").await, [JOSE]);

    store.add_to_group(tenant, sales, ana).await.unwrap();
    assert_eq!(
        search(store, tenant, ana, "gail").await,
        [GROUPS],
        "once in Sales"
    );
    store.remove_from_group(tenant, sales, ana).await.unwrap();
    assert!(
        search(store, tenant, ana, "gail").await.is_empty(),
        "and not after"
    );

    store
        .set_visibility(tenant, SECRET, &Visibility::members(vec![ana]))
        .await
        .unwrap();
    assert_eq!(
        search(store, tenant, ana, "secret").await,
        [SECRET],
        "shared with her"
    );

    store.set_member_active(tenant, ana, false).await.unwrap();
    for text in ["", "jose", "secret"] {
        assert!(
            search(store, tenant, ana, text).await.is_empty(),
            "a deactivated member finds nothing ({text:?})"
        );
    }
}

pub async fn a_renamed_contact_is_found_by_its_new_name_only(store: &dyn Store) {
    let team = team(store, "search-edits").await;
    let (tenant, owner, ana) = (team.tenant, team.owner, team.ana);
    let mut emile_phone =
        add_contact(store, tenant, owner, EMILE, &named("Émile", "Zola"), None).await;
    let mut jose_phone = add_contact(store, tenant, owner, JOSE, &jose(), None).await;

    save_edit(store, tenant, ana, &mut emile_phone, |c| {
        c.name.given = "Victor".into();
        c.name.family = "Hugo".into();
    })
    .await;
    assert_eq!(search(store, tenant, ana, "hugo").await, [EMILE]);
    assert_eq!(search(store, tenant, ana, "victor h").await, [EMILE]);
    for old in ["zola", "emile"] {
        assert!(
            search(store, tenant, ana, old).await.is_empty(),
            "the old name {old:?} no longer finds the contact"
        );
    }

    // Notes are not searched: the terms stay as they were, and keep finding the contact.
    save_edit(store, tenant, ana, &mut jose_phone, |c| {
        c.notes = "Met at the Osaka fair".into();
    })
    .await;
    for text in ["jose", "acme", "vip", "alvarez@example.com"] {
        assert_eq!(
            search(store, tenant, ana, text).await,
            [JOSE],
            "{text:?} after a note"
        );
    }
    // A tag and a number added are found; a tag removed is not.
    save_edit(store, tenant, ana, &mut jose_phone, |c| {
        c.tags.insert("golf".into(), true);
        c.tags.remove("vip");
        c.phones.push(Phone {
            id: ItemId::from("p1"),
            label: "mobile".into(),
            e164: "+819012345678".into(),
            raw: "090-1234-5678".into(),
        });
    })
    .await;
    assert_eq!(search(store, tenant, ana, "golf").await, [JOSE]);
    assert_eq!(search(store, tenant, ana, "090-1234-5678").await, [JOSE]);
    assert!(search(store, tenant, ana, "vip").await.is_empty());
    assert_eq!(search(store, tenant, ana, "jose").await, [JOSE]);
    // Purged: found by nothing.
    store.purge(tenant, JOSE).await.unwrap();
    assert!(search(store, tenant, ana, "jose").await.is_empty());
    assert_eq!(search(store, tenant, ana, "").await, [EMILE]);
}
