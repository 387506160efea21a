//! Contacts made and edited as a member's phone pushes them, and lists and searches read to
//! their last page.

use server::store::Store;
use server::store::listing::{ContactQuery, ContactSummary};
use sync_core::access::Viewer;
use sync_core::contact::Contact;
use sync_core::ids::{ContactId, MemberId, TenantId};
use sync_core::search::Query;
use sync_core::wire::{DocChanges, Visibility};

use super::{Phone, accepted, push};

/// `member` as the store has them now (groups, units, active).
pub async fn viewer(store: &dyn Store, tenant: TenantId, member: MemberId) -> Viewer {
    store
        .access(tenant, member)
        .await
        .expect("the member's access")
        .viewer
}

/// A new contact with this content, pushed by `member`; shared as `visibility` says
/// (`None`: with everyone). Returns the phone that made it.
pub async fn add_contact(
    store: &dyn Store,
    tenant: TenantId,
    member: MemberId,
    id: ContactId,
    contact: &Contact,
    visibility: Option<Visibility>,
) -> Phone {
    let (phone, created) = Phone::create_with(id, 1, contact);
    let changes = DocChanges {
        visibility,
        ..push(id, &[&created])
    };
    let viewer = viewer(store, tenant, member).await;
    let results = store.commit(tenant, &viewer, &[changes]).await.unwrap();
    accepted(&results[0]);
    phone
}

/// `member` edits the contact on `phone` and pushes the change.
pub async fn save_edit(
    store: &dyn Store,
    tenant: TenantId,
    member: MemberId,
    phone: &mut Phone,
    edit: impl FnOnce(&mut Contact),
) {
    let change = phone.edit(edit);
    let viewer = viewer(store, tenant, member).await;
    let results = store
        .commit(tenant, &viewer, &[push(phone.doc.id(), &[&change])])
        .await
        .unwrap();
    accepted(&results[0]);
}

/// Every contact `member` may see that matches `query`, page after page (of `query.limit`)
/// until there is no next one.
pub async fn list_all(
    store: &dyn Store,
    tenant: TenantId,
    member: MemberId,
    mut query: ContactQuery,
) -> Vec<ContactSummary> {
    let viewer = viewer(store, tenant, member).await;
    let mut contacts = Vec::new();
    for _ in 0..1_000 {
        let page = store
            .list_contacts(tenant, &viewer, &query)
            .await
            .expect("a page");
        assert!(
            page.contacts.len() <= query.limit.max(1),
            "a page of {} for a limit of {}",
            page.contacts.len(),
            query.limit
        );
        contacts.extend(page.contacts);
        match page.next {
            Some(next) => query.after = Some(next),
            None => return contacts,
        }
    }
    panic!("the list never ends");
}

/// The contacts `member` finds by typing `text` into the search box (read with the
/// company's phone region), in name order.
pub async fn search(
    store: &dyn Store,
    tenant: TenantId,
    member: MemberId,
    text: &str,
) -> Vec<ContactId> {
    let region = store.tenant_region(tenant).await.expect("region");
    let query = ContactQuery {
        words: Query::parse(text, &region).words().to_vec(),
        limit: 50,
        ..ContactQuery::default()
    };
    ids(&list_all(store, tenant, member, query).await)
}

/// The ids of these contacts, in order.
pub fn ids(contacts: &[ContactSummary]) -> Vec<ContactId> {
    contacts.iter().map(|contact| contact.id).collect()
}
