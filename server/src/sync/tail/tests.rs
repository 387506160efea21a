//! The tail cuts the same pages the store reads, through creates, edits, visibility changes
//! and purges, for members who see different contacts.

use automerge::ActorId;
use serde_bytes::ByteBuf;
use sync_core::access::Viewer;
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
        visibility: None,
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
        visibility: None,
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

/// A fresh SQLite store with one company: its owner, then a member for each of `members`
/// (e-mail addresses), in order.
async fn company(
    dir: &tempfile::TempDir,
    members: &[&str],
) -> (SqliteStore, TenantId, MemberId, Vec<MemberId>) {
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
    let mut added = Vec::new();
    for email in members {
        let member = store
            .add_member(
                tenant,
                &NewMember {
                    email: (*email).into(),
                    name: email.split('@').next().unwrap_or_default().into(),
                    role: Role::Member,
                    password_hash: "$argon2id$y".into(),
                },
            )
            .await
            .unwrap();
        added.push(member);
    }
    (store, tenant, owner, added)
}

#[tokio::test]
async fn pages_from_memory_are_the_pages_the_store_reads() {
    let dir = tempfile::tempdir().unwrap();
    let (store, tenant, owner, members) = company(&dir, &["ana@tail.example"]).await;
    let ana = members[0];
    let (mut one, push) = created(1, "One");
    store
        .commit(tenant, &Viewer::member_only(owner), &[push])
        .await
        .unwrap();
    let tail = Tail::default();
    let (mut two, push_two) = created(2, "Two");
    let (_, push_three) = created(3, "Three");
    let private = Visibility::members(vec![]);
    let mut start = None;
    for step in 0..8 {
        match step {
            0 => {}
            1 => drop(
                store
                    .commit(
                        tenant,
                        &Viewer::member_only(owner),
                        std::slice::from_ref(&push_two),
                    )
                    .await
                    .unwrap(),
            ),
            2 => drop(
                store
                    .commit(
                        tenant,
                        &Viewer::member_only(ana),
                        &[edited(&mut one, "Edited")],
                    )
                    .await
                    .unwrap(),
            ),
            3 => store
                .set_visibility(tenant, two.id(), &private)
                .await
                .unwrap(),
            4 => drop(
                store
                    .commit(
                        tenant,
                        &Viewer::member_only(owner),
                        &[edited(&mut two, "Hidden")],
                    )
                    .await
                    .unwrap(),
            ),
            5 => {
                store
                    .commit(
                        tenant,
                        &Viewer::member_only(owner),
                        std::slice::from_ref(&push_three),
                    )
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
                    .commit(
                        tenant,
                        &Viewer::member_only(ana),
                        &[edited(&mut two, "Shared")],
                    )
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
                let from_store = store.read_feed(tenant, member, &request).await.unwrap();
                // Twice: the second cut finds the page the first one shared.
                for cut in ["first", "second"] {
                    let from_memory = match tail
                        .cut(&as_access(member), &request, head)
                        .expect("the tail holds every row after its start")
                    {
                        (page, None) => page,
                        (outline, Some(shared)) => {
                            assert!(outline.items.is_empty(), "the items are shared");
                            shared.page().clone()
                        }
                    };
                    assert_eq!(
                        outline(&from_memory),
                        outline(&from_store),
                        "step {step}, member {member}, after {after}, {cut} cut"
                    );
                }
            }
        }
    }
}

/// Members who see the same contacts share one page and its bytes, which decode to the
/// frame the session made; a member who sees less gets a page of their own; a page cut
/// before the rows changed is not shared after.
#[tokio::test]
async fn connections_seeing_the_same_share_one_page_until_the_rows_change() {
    let dir = tempfile::tempdir().unwrap();
    let (store, tenant, owner, ids) =
        company(&dir, &["ana@tail.example", "ben@tail.example"]).await;
    let (ana, ben) = (ids[0], ids[1]);
    // A cursor of 0 asks for a full resynchronisation: start after a first contact.
    let (_, seed) = created(3, "Seed");
    store
        .commit(tenant, &Viewer::member_only(owner), &[seed])
        .await
        .unwrap();
    let tail = Tail::default();
    let start = store.head(tenant).await.unwrap();
    tail.catch_up(&store, tenant, start).await.unwrap();
    let (mut doc, shared) = created(1, "Shared");
    let (_, private) = created(2, "Private");
    store
        .commit(tenant, &Viewer::member_only(owner), &[shared])
        .await
        .unwrap();
    store
        .commit(tenant, &Viewer::member_only(ana), &[private])
        .await
        .unwrap();
    store
        .set_visibility(
            tenant,
            ContactId::from_u128(2),
            &Visibility::members(vec![ana]),
        )
        .await
        .unwrap();
    let head = store.head(tenant).await.unwrap();
    tail.catch_up(&store, tenant, head).await.unwrap();
    let request = FeedRequest {
        after: start,
        resume: None,
        generation: 1,
    };
    let cut = |member| {
        tail.cut(&as_access(member), &request, head)
            .unwrap()
            .1
            .unwrap()
    };
    let (for_owner, for_ben, for_ana) = (cut(owner), cut(ben), cut(ana));
    assert!(
        Arc::ptr_eq(&for_owner, &for_ben),
        "the owner and Ben see the same contacts"
    );
    assert!(!Arc::ptr_eq(&for_owner, &for_ana), "Ana also sees her own");
    // Found again by member and cursor, without working out what each row is for her.
    assert!(Arc::ptr_eq(&cut(ana), &for_ana), "Ana's page, found again");
    assert!(Arc::ptr_eq(&cut(ben), &for_ben), "Ben's page, found again");

    // The host sends the session's framing of the outline, with the shared items.
    let outline = |page: &SharedPage| Frame::Feed {
        from: start,
        to: page.page().to,
        reset: false,
        more: page.page().more,
        items: Vec::new(),
    };
    let whole = Frame::Feed {
        from: start,
        to: for_owner.page().to,
        reset: false,
        more: for_owner.page().more,
        items: for_owner.page().items.clone(),
    };
    let limit = sync_core::wire::MAX_FRAME_BYTES;
    let bytes = for_owner.wire_bytes(&outline(&for_owner), true).unwrap();
    assert_eq!(Frame::decode(&bytes, limit), Ok(whole.clone()));
    let again = for_ben.wire_bytes(&outline(&for_ben), true).unwrap();
    assert_eq!(again.as_ptr(), bytes.as_ptr(), "encoded once");
    let plain = for_ben.wire_bytes(&outline(&for_ben), false).unwrap();
    assert_eq!(plain.as_ref(), whole.encode().as_slice());
    let mut other_cursor = outline(&for_ben);
    if let Frame::Feed { from, .. } = &mut other_cursor {
        *from += 1;
    }
    assert_eq!(for_ben.wire_bytes(&other_cursor, true), None);

    let edit = edited(&mut doc, "Edited");
    store
        .commit(tenant, &Viewer::member_only(owner), &[edit])
        .await
        .unwrap();
    let newer = store.head(tenant).await.unwrap();
    tail.catch_up(&store, tenant, newer).await.unwrap();
    let after_edit = tail
        .cut(&as_access(ben), &request, newer)
        .unwrap()
        .1
        .unwrap();
    assert!(
        !Arc::ptr_eq(&after_edit, &for_ben),
        "a fresh page after the edit"
    );
    assert_eq!(after_edit.page().to, newer);
}

/// A member in no group or unit, as read at access generation 0.
fn as_access(member: MemberId) -> crate::store::Access {
    crate::store::Access {
        viewer: Viewer::member_only(member),
        generation: 0,
    }
}
