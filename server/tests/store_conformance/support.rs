//! What the scenarios share: a backend to open stores on, accounts, contacts and their
//! changes, feed reading, and a shadow that drives a store and the reference store alike
//! ([`Shadow`], in `support/shadow.rs`), contacts made and listed as members would
//! (`support/lists.rs`).

use std::sync::Arc;

use automerge::transaction::Transactable as _;
use automerge::{ActorId, ObjType, ROOT, ReadDoc as _, Value};
use serde_bytes::ByteBuf;
use server::store::postgres::PostgresStore;
use server::store::sqlite::SqliteStore;
use server::store::{NewMember, NewTenant, Role, Store};
use server::testing::TestDatabase;
use sync_core::contact::{Address, Contact};
use sync_core::document::ContactDoc;
use sync_core::history::{Attribution, Via};
use sync_core::ids::{ContactId, ItemId, MemberId, TenantId};
use sync_core::replica::session::{FeedPage, FeedRequest};
use sync_core::sim::tenant::MemoryTenant;
use sync_core::wire::{DocChanges, DocResult, FeedItem, Visibility};

mod lists;
mod shadow;

pub use lists::{add_contact, ids, list_all, save_edit, search, viewer};
pub use shadow::Shadow;

/// Where a test's data lives; each [`Backend::open`] is a new handle on it (a restart, or
/// another node).
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite(tempfile::TempDir),
    /// A fresh Postgres database.
    Postgres(TestDatabase),
}

impl Backend {
    /// A fresh SQLite database.
    pub async fn sqlite() -> Self {
        Backend::Sqlite(tempfile::tempdir().expect("temporary directory"))
    }

    /// A fresh Postgres database; fails (never skips) without a server.
    pub async fn postgres() -> Self {
        match server::testing::fresh_database().await {
            Ok(database) => Backend::Postgres(database),
            Err(error) => panic!("the Postgres half of the suite needs a server: {error}"),
        }
    }

    /// A new, migrated handle on the data.
    pub async fn open(&self) -> Arc<dyn Store> {
        let store: Arc<dyn Store> = match self {
            Backend::Sqlite(dir) => {
                let url = format!("sqlite://{}", dir.path().join("rolo.db").display());
                Arc::new(SqliteStore::open(&url).await.expect("open SQLite"))
            }
            Backend::Postgres(database) => Arc::new(
                PostgresStore::connect(database)
                    .await
                    .expect("connect to Postgres"),
            ),
        };
        store.migrate().await.expect("migrations run");
        store
    }
}

/// A tenant with its owner and two more members.
pub struct Team {
    /// The tenant.
    pub tenant: TenantId,
    /// Created the tenant.
    pub owner: MemberId,
    /// A member.
    pub ana: MemberId,
    /// Another member.
    pub ben: MemberId,
}

impl Team {
    /// Every member, as the reference store wants them.
    pub fn members(&self) -> Vec<MemberId> {
        vec![self.owner, self.ana, self.ben]
    }
}

/// A new tenant named `name` ("acme" → owner@acme.example) with members ana and ben, in Japan.
pub async fn team(store: &dyn Store, name: &str) -> Team {
    team_in(store, name, "JP").await
}

/// The same, with phone numbers read as in `region` (ISO 3166 alpha-2).
pub async fn team_in(store: &dyn Store, name: &str, region: &str) -> Team {
    let (tenant, owner) = store
        .create_tenant(&NewTenant {
            name: name.into(),
            owner_email: format!("owner@{name}.example"),
            owner_name: "Olivia Owner".into(),
            owner_password_hash: "$argon2id$owner".into(),
            region: region.into(),
        })
        .await
        .expect("tenant created");
    let add = async |who: &str| {
        store
            .add_member(
                tenant,
                &NewMember {
                    email: format!("{who}@{name}.example"),
                    name: who.into(),
                    role: Role::Member,
                    password_hash: format!("$argon2id${who}"),
                },
            )
            .await
            .expect("member added")
    };
    let ana = add("ana").await;
    let ben = add("ben").await;
    Team {
        tenant,
        owner,
        ana,
        ben,
    }
}

/// A phone's copy of a contact, making real Automerge changes.
pub struct Phone {
    /// The document.
    pub doc: ContactDoc,
}

impl Phone {
    /// A new contact named `given`, written on device `device`; returns its first change.
    pub fn create(id: ContactId, device: u8, given: &str) -> (Self, Vec<u8>) {
        let mut contact = Contact::default();
        contact.name.given = given.into();
        Self::create_with(id, device, &contact)
    }

    /// A new contact with this content.
    pub fn create_with(id: ContactId, device: u8, contact: &Contact) -> (Self, Vec<u8>) {
        let (doc, change) =
            ContactDoc::create(id, ActorId::from([device; 16]), contact).expect("valid contact");
        (Self { doc }, change.raw_bytes().to_vec())
    }

    /// A new contact imported for `by` at `at_ms`: its first change carries that time, as
    /// every attributed change does (clients before attribution wrote seconds).
    pub fn create_at(
        id: ContactId,
        device: u8,
        contact: &Contact,
        by: MemberId,
        at_ms: i64,
    ) -> (Self, Vec<u8>) {
        let by = Attribution::server_side(by, Via::Import);
        let (doc, change) =
            ContactDoc::create_by(id, ActorId::from([device; 16]), &by, at_ms, contact)
                .expect("valid contact");
        (Self { doc }, change.raw_bytes().to_vec())
    }

    /// Another device's copy of the same document, holding the same changes.
    pub fn fork(&self, device: u8) -> Self {
        let doc = ContactDoc::load(self.doc.id(), ActorId::from([device; 16]), &self.doc.save())
            .expect("loads");
        Self { doc }
    }

    /// Edit the contact; returns the change.
    pub fn edit(&mut self, edit: impl FnOnce(&mut Contact)) -> Vec<u8> {
        self.doc
            .edit(edit)
            .expect("valid edit")
            .expect("the edit changed something")
            .raw_bytes()
            .to_vec()
    }

    /// A change that adds a phone number breaking the E.164 rule, written straight into the
    /// document (the typed edit API would refuse it, as a well-behaved client does).
    pub fn add_bad_phone(&mut self) -> Vec<u8> {
        let automerge = self.doc.automerge_mut();
        let committed = automerge
            .transact(|tx| {
                let phones = match tx.get(ROOT, "phones")? {
                    Some((Value::Object(ObjType::List), phones)) => phones,
                    _ => tx.put_object(ROOT, "phones", ObjType::List)?,
                };
                let phone = tx.insert_object(&phones, 0, ObjType::Map)?;
                tx.put(&phone, "id", "bad-phone")?;
                tx.put(&phone, "label", "work")?;
                tx.put(&phone, "e164", "12345")?;
                tx.put(&phone, "raw", "12345")?;
                Ok::<_, automerge::AutomergeError>(())
            })
            .expect("writes");
        let hash = committed.hash.expect("a change");
        automerge
            .get_change_by_hash(&hash)
            .expect("just made")
            .raw_bytes()
            .to_vec()
    }
}

/// A contact id from a small number, readable in failures.
pub fn contact(n: u128) -> ContactId {
    ContactId::from_u128(n)
}

/// One contact's changes in a push.
pub fn push(doc: ContactId, changes: &[&Vec<u8>]) -> DocChanges {
    DocChanges {
        doc,
        changes: changes.iter().map(|c| ByteBuf::from(c.to_vec())).collect(),
        visibility: None,
    }
}

/// A new contact's first push, shared as `visibility` says rather than with everyone.
pub fn push_shared(doc: ContactId, changes: &[&Vec<u8>], visibility: Visibility) -> DocChanges {
    DocChanges {
        visibility: Some(visibility),
        ..push(doc, changes)
    }
}

/// The seq of an accepted result, failing the test with the rejection otherwise.
pub fn accepted(result: &DocResult) -> u64 {
    match (&result.seq, &result.rejected) {
        (Some(seq), None) => *seq,
        _ => panic!("contact {} was refused: {:?}", result.doc, result.rejected),
    }
}

/// The rejection code of a refused result.
pub fn refused(result: &DocResult) -> &str {
    match &result.rejected {
        Some(rejection) if result.seq.is_none() => &rejection.code,
        _ => panic!("contact {} was accepted: {result:?}", result.doc),
    }
}

/// A text of `len` letters that does not compress (Automerge deflates what it saves), so a
/// contact's size is what a test needs.
pub fn incompressible_text(seed: u64, len: usize) -> String {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            char::from(b'a' + ((state >> 33) % 26) as u8)
        })
        .collect()
}

/// A contact of about `kib` KiB once saved: addresses whose lines are long random text. (Long
/// values in few fields, not long notes: notes are collaborative text, one Automerge
/// operation per letter, and a test would spend its time on them.)
pub fn large_contact(seed: u64, kib: usize) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = format!("Large {seed}");
    // Random letters deflate to about 60 % of their length; four lines of 1,000 each.
    let addresses = (kib * 1024).div_ceil(2_400);
    for n in 0..addresses {
        let line = |part: u64| incompressible_text(seed * 1_000 + n as u64 * 4 + part, 1_000);
        contact.addresses.push(Address {
            id: ItemId::from(format!("a{n}").as_str()),
            label: "work".into(),
            street: line(0),
            city: line(1),
            region: line(2),
            postal_code: line(3),
            country: String::new(),
        });
    }
    contact
}

/// Every page a device with cursor `after` reads until it is caught up.
pub async fn read_all(
    store: &dyn Store,
    tenant: TenantId,
    member: MemberId,
    after: u64,
) -> Vec<FeedPage> {
    let mut request = FeedRequest {
        after,
        resume: None,
        generation: 1,
    };
    let mut pages = Vec::new();
    loop {
        let page = store
            .read_feed(tenant, member, &request)
            .await
            .expect("feed reads");
        let done = page.resume.is_none() && !page.more;
        request = FeedRequest {
            after: page.to,
            resume: page.resume,
            generation: request.generation + 1,
        };
        pages.push(page);
        if done {
            return pages;
        }
        assert!(pages.len() < 1_000, "the feed never ends");
    }
}

/// The same pages, read from the reference store.
pub fn read_all_reference(reference: &MemoryTenant, member: MemberId, after: u64) -> Vec<FeedPage> {
    let mut request = FeedRequest {
        after,
        resume: None,
        generation: 1,
    };
    let mut pages = Vec::new();
    loop {
        let page = reference.read_feed(member, &request);
        let done = page.resume.is_none() && !page.more;
        request = FeedRequest {
            after: page.to,
            resume: page.resume,
            generation: request.generation + 1,
        };
        pages.push(page);
        if done {
            return pages;
        }
        assert!(pages.len() < 1_000, "the reference feed never ends");
    }
}

/// The contacts of every item of these pages, in order, with the item's kind.
pub fn items(pages: &[FeedPage]) -> Vec<(&'static str, ContactId)> {
    pages
        .iter()
        .flat_map(|page| &page.items)
        .map(|item| {
            let kind = match item {
                FeedItem::Changes { .. } => "changes",
                FeedItem::Grant { .. } => "grant",
                FeedItem::Revoke { .. } => "revoke",
                FeedItem::Purge { .. } => "purge",
                FeedItem::Meta { .. } => "meta",
            };
            (kind, item.doc())
        })
        .collect()
}
