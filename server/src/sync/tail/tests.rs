//! The tail cuts the same pages the store reads, through creates, edits, visibility changes
//! and purges, for members who see different contacts.

use automerge::ActorId;
use serde_bytes::ByteBuf;
use sync_core::contact::Contact;
use sync_core::document::ContactDoc;
use sync_core::wire::{DocChanges, FeedItem, Visibility};

use super::*;
use crate::store::sqlite::SqliteStore;
use crate::store::{NewMember, NewTenant, Role};

fn created(id: u128, given: &str) -> (ContactDoc, DocChanges) {
    let mut contact = Contact::default();
    contact.name.given = given.into();
    let id = ContactId::from_u128(id);
    let (doc, change) = ContactDoc::create(id, ActorId::from([1u8; 16]), &contact).unwrap();
    let push = DocChanges {
        doc: id,
        changes: vec![ByteBuf::from(change.raw_bytes().to_vec())],
    };
    (doc, push)
}

fn edited(doc: &mut ContactDoc, family: &str) -> DocChanges {
    let change = doc
        .edit(|contact| contact.name.family = family.into())
        .unwrap()
        .unwrap();
    DocChanges {
        doc: doc.id(),
        changes: vec![ByteBuf::from(change.raw_bytes().to_vec())],
    }
}

/// What a page tells a device, with grant snapshots reduced to their presence: the store
/// reads a snapshot as of now, the tail as of when it read the row, and later changes follow
/// in later rows either way.
fn outline(page: &FeedPage) -> (Vec<(&'static str, ContactId)>, u64, bool) {
    let items = page
        .items
        .iter()
        .map(|item| match item {
            FeedItem::Changes { doc, .. } => ("changes", *doc),
            FeedItem::Grant { doc, snapshot, .. } => {
                assert!(!snapshot.is_empty(), "a grant carries its contact");
                ("grant", *doc)
            }
            FeedItem::Revoke { doc } => ("revoke", *doc),
            FeedItem::Purge { doc } => ("purge", *doc),
            FeedItem::Meta { doc, .. } => ("meta", *doc),
        })
        .collect();
    (items, page.to, page.more)
}

#[tokio::test]
async fn pages_from_memory_are_the_pages_the_store_reads() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("rolo.db").display().to_string())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let (tenant, owner) = store
        .create_tenant(&NewTenant {
            name: "Tail Co".into(),
            owner_email: "owner@tail.example".into(),
            owner_name: "Owner".into(),
            owner_password_hash: "$argon2id$x".into(),
            region: "JP".into(),
        })
        .await
        .unwrap();
    let ana = store
        .add_member(
            tenant,
            &NewMember {
                email: "ana@tail.example".into(),
                name: "Ana".into(),
                role: Role::Member,
                password_hash: "$argon2id$y".into(),
            },
        )
        .await
        .unwrap();
    let (mut one, push) = created(1, "One");
    store.commit(tenant, owner, &[push]).await.unwrap();
    let tail = Tail::default();
    let (mut two, push_two) = created(2, "Two");
    let (_, push_three) = created(3, "Three");
    let private = Visibility::Members { members: vec![] };
    let mut start = None;
    for step in 0..8 {
        match step {
            0 => {}
            1 => drop(
                store
                    .commit(tenant, owner, std::slice::from_ref(&push_two))
                    .await
                    .unwrap(),
            ),
            2 => drop(
                store
                    .commit(tenant, ana, &[edited(&mut one, "Edited")])
                    .await
                    .unwrap(),
            ),
            3 => store
                .set_visibility(tenant, two.id(), &private)
                .await
                .unwrap(),
            4 => drop(
                store
                    .commit(tenant, owner, &[edited(&mut two, "Hidden")])
                    .await
                    .unwrap(),
            ),
            5 => {
                store
                    .commit(tenant, owner, std::slice::from_ref(&push_three))
                    .await
                    .unwrap();
                store.purge(tenant, one.id()).await.unwrap();
            }
            6 => store
                .set_visibility(tenant, two.id(), &Visibility::All)
                .await
                .unwrap(),
            _ => drop(
                store
                    .commit(tenant, ana, &[edited(&mut two, "Shared")])
                    .await
                    .unwrap(),
            ),
        }
        let head = store.head(tenant).await.unwrap();
        tail.catch_up(&store, tenant, head).await.unwrap();
        let first = *start.get_or_insert(head - 1);
        for member in [owner, ana] {
            for after in first.max(1)..=head {
                let request = FeedRequest {
                    after,
                    resume: None,
                    generation: 1,
                };
                let from_memory = tail
                    .page(member, &request, head)
                    .expect("the tail holds every row after its start");
                let from_store = store.read_feed(tenant, member, &request).await.unwrap();
                assert_eq!(
                    outline(&from_memory),
                    outline(&from_store),
                    "step {step}, member {member}, after {after}"
                );
            }
        }
    }
}

/// A page for many devices is compressed once; the bytes are what each device would have
/// been sent on its own, and a device that does not read deflated frames gets them plain.
#[test]
fn a_feed_frame_is_compressed_once_and_decodes_to_itself() {
    let tail = Tail::default();
    let page = |to: u64| Frame::Feed {
        from: 0,
        to,
        reset: false,
        more: false,
        items: (0..40)
            .map(|n| FeedItem::Changes {
                doc: ContactId::from_u128(n),
                changes: vec![ByteBuf::from(vec![7u8; 64])],
            })
            .collect(),
    };
    let limit = sync_core::wire::MAX_FRAME_BYTES;
    let first = tail.wire_bytes(&page(40), true);
    assert!(first.len() < page(40).encode().len() / 2, "deflated");
    assert_eq!(Frame::decode(&first, limit), Ok(page(40)));
    let again = tail.wire_bytes(&page(40), true);
    assert_eq!(
        again.as_ptr(),
        first.as_ptr(),
        "the same bytes, not a second copy"
    );
    let other = tail.wire_bytes(&page(41), true);
    assert_eq!(Frame::decode(&other, limit), Ok(page(41)));
    let plain = tail.wire_bytes(&page(40), false);
    assert_eq!(plain.as_ref(), page(40).encode().as_slice());
    assert_eq!(tail.compressed().frames.len(), 2);
}
