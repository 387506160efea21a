//! The contacts and edits the layout-1 corpus (`layout-1/`) was written from. Later code builds the same
//! values to compare with what it reads: fields are never removed, and a field added later
//! takes its default both here and when read from a document that lacks it.

use sync_core::contact::{
    Activity, ActivityKind, Address, BlobRef, CardImage, CardSide, Contact, ContactType,
    CustomValue, DateEntry, Email, Level, Organization, PartialDate, Phone, SocialHandle,
    SocialNetwork, Url,
};
use sync_core::ids::ItemId;

fn id(text: &str) -> ItemId {
    ItemId::from(text)
}

fn blob(fill: &str, mime: &str, bytes: u64) -> BlobRef {
    BlobRef {
        sha256: fill.repeat(32),
        mime: mime.into(),
        bytes,
    }
}

/// A contact with a value in every field of layout 1.
pub fn full() -> Contact {
    let mut contact = Contact::default();
    let name = &mut contact.name;
    name.prefix = "Dr.".into();
    name.given = "Mara".into();
    name.middle = "Elin".into();
    name.family = "Lindqvist".into();
    name.suffix = "PhD".into();
    name.phonetic_given = "MAH-rah".into();
    name.phonetic_family = "LIND-kvist".into();
    name.nickname = "Mia".into();
    contact.phones = vec![
        Phone {
            id: id("p1"),
            label: "work".into(),
            e164: "+46812345678".into(),
            raw: "08-123 456 78".into(),
        },
        Phone {
            id: id("p2"),
            label: "mobile".into(),
            e164: "+81312345678".into(),
            raw: "(03) 1234-5678".into(),
        },
    ];
    contact.emails = vec![Email {
        id: id("e1"),
        label: "work".into(),
        address: "mara@nordkap.example".into(),
    }];
    contact.addresses = vec![Address {
        id: id("a1"),
        label: "work".into(),
        street: "Sveavägen 44, våning 3".into(),
        city: "Stockholm".into(),
        region: "Stockholms län".into(),
        postal_code: "111 34".into(),
        country: "SE".into(),
    }];
    contact.organizations = vec![Organization {
        id: id("o1"),
        company: "Nordkap Instrument AB".into(),
        department: "Inköp".into(),
        title: "Head of Purchasing".into(),
    }];
    contact.dates = vec![
        DateEntry {
            id: id("d1"),
            label: "birthday".into(),
            date: PartialDate {
                year: Some(1984),
                month: 2,
                day: 29,
            },
        },
        DateEntry {
            id: id("d2"),
            label: "anniversary".into(),
            date: PartialDate {
                year: None,
                month: 9,
                day: 1,
            },
        },
    ];
    contact.urls = vec![Url {
        id: id("u1"),
        label: "work".into(),
        url: "https://nordkap.example/team".into(),
    }];
    contact.social = vec![
        SocialHandle {
            id: id("s1"),
            network: SocialNetwork::Linkedin,
            handle: "maralindqvist".into(),
        },
        SocialHandle {
            id: id("s2"),
            network: SocialNetwork::X,
            handle: "@mara".into(),
        },
    ];
    contact.contact_type = ContactType::Customer;
    contact.level = Some(Level::Primary);
    contact.language = Some("sv-SE".into());
    contact.tags.insert("nordics".into(), true);
    contact.tags.insert("trade fair 2024".into(), true);
    contact.notes = "Träffades på mässan i Göteborg.\nVill ha offert före jul 📈".into();
    contact
        .custom
        .insert("Account".into(), CustomValue::Text("NK-0042".into()));
    contact
        .custom
        .insert("Budget".into(), CustomValue::Number(125_000.5));
    contact
        .custom
        .insert("Signed NDA".into(), CustomValue::Bool(true));
    contact.custom.insert(
        "Renewal".into(),
        CustomValue::Date(PartialDate {
            year: Some(2025),
            month: 3,
            day: 31,
        }),
    );
    contact.activity = [
        ("v1", ActivityKind::Call, "Asked for the price list"),
        ("v2", ActivityKind::Visit, "Toured the Solna plant"),
        ("v3", ActivityKind::Meeting, "Offer reviewed with finance"),
        ("v4", ActivityKind::Note, "Prefers email before noon"),
    ]
    .into_iter()
    .enumerate()
    .map(|(n, (entry, kind, text))| Activity {
        id: id(entry),
        kind,
        at_ms: 1_700_000_000_000 + n as i64 * 86_400_000,
        by: "member-3".into(),
        text: text.into(),
    })
    .collect();
    contact.photo = Some(blob("ab", "image/jpeg", 48_213));
    contact.card_images = vec![
        CardImage {
            id: id("c1"),
            side: CardSide::Front,
            blob: blob("cd", "image/png", 120_456),
        },
        CardImage {
            id: id("c2"),
            side: CardSide::Back,
            blob: blob("ef", "image/gif", 9_876),
        },
    ];
    contact
}

/// A contact with only a name: every other field at its default.
pub fn minimal() -> Contact {
    let mut contact = Contact::default();
    contact.name.given = "Jonas".into();
    contact
}

/// A contact archived, trashed and merged into another.
pub fn lifecycle() -> Contact {
    let mut contact = minimal();
    contact.name.family = "Ek".into();
    contact.lifecycle.archived = true;
    contact.lifecycle.trashed_at_ms = Some(1_710_000_000_000);
    contact.lifecycle.merged_into = Some("00000000-0000-0000-0000-000000000001".into());
    contact
}

/// The edits of the sequence, applied in order to [`full`], one change each.
pub const SEQUENCE: [fn(&mut Contact); 6] = [
    |contact| contact.name.given = "Mara-Lena".into(),
    |contact| {
        contact.phones.remove(0);
        contact.emails.push(Email {
            id: id("e2"),
            label: "home".into(),
            address: "mia@example.org".into(),
        });
    },
    |contact| {
        contact.notes = "Met at the Göteborg fair.\nWants an offer before Christmas 📈🎄".into();
    },
    |contact| {
        contact.tags.remove("trade fair 2024");
        contact.tags.insert("key account".into(), true);
        contact.level = Some(Level::Secondary);
        contact.language = None;
    },
    |contact| {
        contact
            .custom
            .insert("Budget".into(), CustomValue::Text("tbd".into()));
        contact.custom.remove("Signed NDA");
        contact.activity.push(Activity {
            id: id("v5"),
            kind: ActivityKind::Call,
            at_ms: 1_700_900_000_000,
            by: "member-4".into(),
            text: "Follow-up call".into(),
        });
    },
    |contact| {
        contact.photo = None;
        contact.card_images.remove(1);
        contact.lifecycle.archived = true;
    },
];

/// The contact after the whole sequence.
pub fn after_sequence() -> Contact {
    let mut contact = full();
    for edit in SEQUENCE {
        edit(&mut contact);
    }
    contact
}

/// What phone A does to [`full`] while phone B, offline, does [`concurrent_b`].
pub fn concurrent_a(contact: &mut Contact) {
    contact.name.given = "Mara A".into();
    contact.phones.push(Phone {
        id: id("p3"),
        label: "home".into(),
        e164: "+46701234567".into(),
        raw: "070-123 45 67".into(),
    });
    contact.notes = format!("A: {}", contact.notes.as_str()).as_str().into();
}

/// Phone B's concurrent edit: the same name field, another list, the other end of the notes.
pub fn concurrent_b(contact: &mut Contact) {
    contact.name.given = "Mara B".into();
    contact.emails.push(Email {
        id: id("e3"),
        label: "other".into(),
        address: "m.lindqvist@example.net".into(),
    });
    contact.notes = format!("{} :B", contact.notes.as_str()).as_str().into();
    contact.tags.remove("nordics");
}

/// Both concurrent edits merged. Phone B's actor sorts after A's, so B's name wins the
/// conflict on every replica; A's value is kept as the conflict's other value.
pub fn merged() -> Contact {
    let mut contact = full();
    concurrent_a(&mut contact);
    concurrent_b(&mut contact);
    contact
}
