//! Contacts for callers of the REST API: who is calling, reading what they may see, and
//! writing as the CRDT changes the server makes for them. No HTTP here: every function answers
//! a [`ContactsError`], which `http::contacts` maps to the API's error shape.
//!
//! **A REST write is a device's write made by the server.** The contact is loaded as stored,
//! its document copied under a fresh random Automerge actor (two writes at once must never
//! share an actor, or they would reuse its sequence numbers), edited with
//! [`ContactDoc::edit_by`] attributed to the member and marked `via: api`, and the change
//! committed with [`Store::commit`] exactly as a phone's push is: checked, stored, indexed,
//! fed to every device that may see the contact, and shown in its history. The hub is then
//! told, so connected devices get it at once ([`write`]).
//!
//! **Who may do what** ([`sync_core::access`]): a member reads and edits what they can see;
//! the contact's owner, admins and the company owner change its visibility, transfer it and
//! delete it for good ([`access::may_manage`]: admins may manage contacts they cannot see).
//! A contact the caller may not see is [`ContactsError::NotFound`], never `Forbidden`, so the
//! answer does not reveal that it exists.
//!
//! ```
//! use server::contacts::Caller;
//! use sync_core::access::{Role, Viewer};
//! use sync_core::ids::{MemberId, TenantId};
//! use sync_core::wire::{DocMeta, Visibility};
//!
//! let rep = Caller::new(TenantId::from_u128(1), Role::Member, Viewer::member_only(MemberId::from_u128(2)));
//! let theirs = DocMeta { owner: MemberId::from_u128(3), visibility: Visibility::All };
//! assert!(rep.sees(&theirs), "shared with everyone");
//! assert!(!rep.may_manage(&theirs), "but only its owner and admins manage it");
//! ```
//!
//! [`Store::commit`]: crate::store::Store::commit
//! [`ContactDoc::edit_by`]: sync_core::document::ContactDoc::edit_by

use std::sync::Arc;

use automerge::ReadDoc;

use sync_core::access::{self, Role, Viewer};
use sync_core::contact::Contact;
use sync_core::document::ContactDoc;
use sync_core::history::{Attribution, Via};
use sync_core::ids::{ContactId, MemberId, TenantId};
use sync_core::wire::DocMeta;

use crate::store::Store;
use crate::store::listing::{ContactPage, ContactQuery, TagCount};

mod error;
mod history;
mod lifecycle;
mod manage;
mod tags;
mod write;

pub use error::ContactsError;
pub use history::{HistoryPage, history, restore};
pub use lifecycle::{NewActivity, log_activity, set_archived, set_trashed};
pub use manage::{check_listed, empty_trash, purge, set_visibility, transfer_owner};
pub use tags::{delete_tag, rename_tag, retag};
pub use write::{create, edit};

/// Who is calling: the tenant, their role in it and what the access rules make of them.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The company.
    pub tenant: TenantId,
    /// Their role in the company (not to be confused with owning a contact).
    pub role: Role,
    /// Their groups and units, as the access rules see them.
    pub viewer: Viewer,
}

impl Caller {
    /// A caller made of what is already known.
    pub fn new(tenant: TenantId, role: Role, viewer: Viewer) -> Self {
        Self {
            tenant,
            role,
            viewer,
        }
    }

    /// The caller `member` of `tenant`, with `role` (which the authentication read) and their
    /// groups and units as stored now.
    pub async fn load(
        store: &dyn Store,
        tenant: TenantId,
        member: MemberId,
        role: Role,
    ) -> Result<Self, ContactsError> {
        let viewer = store.access(tenant, member).await?.viewer;
        Ok(Self::new(tenant, role, viewer))
    }

    /// The member calling.
    pub fn member(&self) -> MemberId {
        self.viewer.member
    }

    /// Whether the caller manages the company (its owner or an admin).
    pub fn is_admin(&self) -> bool {
        matches!(self.role, Role::Owner | Role::Admin)
    }

    /// Whether the caller may see a contact with this metadata.
    pub fn sees(&self, meta: &DocMeta) -> bool {
        self.viewer.sees(meta)
    }

    /// Whether the caller may change the contact's visibility, transfer or purge it.
    pub fn may_manage(&self, meta: &DocMeta) -> bool {
        access::may_manage(self.role, &self.viewer, meta)
    }

    /// How the caller's REST writes are attributed in the history.
    fn attribution(&self) -> Attribution {
        Attribution::server_side(self.member(), Via::Api)
    }

    /// The viewer a change the caller was allowed to make is committed as. `Store::commit`
    /// lets a member change only what they see, which is the rule for edits; but a manager
    /// may act on a contact they cannot see (an admin renaming a tag everywhere, transferring
    /// a departed rep's private contacts), or lose sight of it by their act (a visibility
    /// change). Such a change was authorised here already, so it is committed as the
    /// contact's owner, who always may; the change itself still names the caller.
    fn acting_viewer(&self, meta: &DocMeta) -> Viewer {
        if self.sees(meta) {
            return self.viewer.clone();
        }
        Viewer::member_only(meta.owner)
    }
}

/// A contact as the caller may read it: its metadata and its document as stored (or as the
/// caller's write left it).
#[derive(Debug, Clone)]
pub struct Viewed {
    /// The contact.
    pub id: ContactId,
    /// Owner and visibility.
    pub meta: DocMeta,
    /// The document.
    pub doc: Arc<ContactDoc>,
}

impl Viewed {
    /// The typed contact.
    pub fn contact(&self) -> Result<Contact, ContactsError> {
        Ok(self.doc.contact()?)
    }

    /// When the contact last changed, in ms since the Unix epoch: the newest time among its
    /// document's heads (the writers' clocks), 0 when none carries a time.
    pub fn changed_ms(&self) -> i64 {
        self.doc
            .heads()
            .iter()
            .filter_map(|head| self.doc.automerge().get_change_by_hash(head))
            .filter_map(|change| change_time_ms(change.timestamp()))
            .max()
            .unwrap_or(0)
    }
}

/// A change's time in ms: Rolo writes milliseconds; a time below 10^11 was written in
/// seconds (Automerge's own default), as `sync_core::history` reads it.
fn change_time_ms(time: i64) -> Option<i64> {
    match time {
        ..=0 => None,
        seconds if seconds < 100_000_000_000 => Some(seconds * 1000),
        millis => Some(millis),
    }
}

/// The contact `id` if the caller may see it; [`ContactsError::NotFound`] otherwise, as for a
/// contact that does not exist.
pub async fn get(
    store: &dyn Store,
    caller: &Caller,
    id: ContactId,
) -> Result<Viewed, ContactsError> {
    match store.load_contact(caller.tenant, id).await? {
        Some(loaded) if caller.sees(&loaded.meta) => Ok(Viewed {
            id,
            meta: loaded.meta,
            doc: loaded.doc,
        }),
        _ => Err(ContactsError::NotFound(id)),
    }
}

/// A page of the contacts the caller may see that match `query`.
pub async fn list(
    store: &dyn Store,
    caller: &Caller,
    query: &ContactQuery,
) -> Result<ContactPage, ContactsError> {
    Ok(store
        .list_contacts(caller.tenant, &caller.viewer, query)
        .await?)
}

/// The tags on the contacts the caller may see (not in the trash), with how many carry each.
pub async fn tags(store: &dyn Store, caller: &Caller) -> Result<Vec<TagCount>, ContactsError> {
    Ok(store.tags(caller.tenant, &caller.viewer).await?)
}
