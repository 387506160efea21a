//! What a list or a search of contacts asks the store, and what it answers: the filters of
//! the contact list (type, level, owner, tag, archive and trash), the search words
//! (`sync_core::search::Query`), the order and a cursor to page with.

use std::sync::Arc;

use sync_core::document::ContactDoc;
use sync_core::ids::{ContactId, MemberId};
use sync_core::wire::DocMeta;

/// Which contacts by their lifecycle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Shelf {
    /// Neither archived nor in the trash: the default list.
    #[default]
    Active,
    /// Archived (and not in the trash).
    Archived,
    /// In the trash.
    Trash,
    /// Everything not in the trash, archived or not.
    NotTrashed,
}

/// The order of a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    /// By name (`sync_core::search::sort_key`), A to Z.
    #[default]
    Name,
    /// Most recently changed first.
    Changed,
}

/// Where the previous page of a list ended: its last contact's sort key and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// After this name and contact ([`Order::Name`]).
    Name(String, ContactId),
    /// Before this change time and contact ([`Order::Changed`]).
    Changed(i64, ContactId),
}

/// A list or search of contacts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactQuery {
    /// Words every match must hold a term starting with (`Query::words`); none lists all.
    pub words: Vec<String>,
    /// Only this type (`lead`, `customer`, …).
    pub contact_type: Option<String>,
    /// Only this level.
    pub level: Option<String>,
    /// Only contacts this member owns.
    pub owner: Option<MemberId>,
    /// Only contacts with this tag.
    pub tag: Option<String>,
    /// Which lifecycle state.
    pub shelf: Shelf,
    /// The order.
    pub order: Order,
    /// Continue after this (from the previous page's `next`).
    pub after: Option<Cursor>,
    /// Most contacts in the page.
    pub limit: usize,
}

/// One contact as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactSummary {
    /// The contact.
    pub id: ContactId,
    /// The name shown.
    pub display_name: String,
    /// Its owner.
    pub owner: MemberId,
    /// Companies, in order.
    pub companies: Vec<String>,
    /// Email addresses, in order.
    pub emails: Vec<String>,
    /// Phone numbers (E.164), in order.
    pub phones: Vec<String>,
    /// Tags, sorted.
    pub tags: Vec<String>,
    /// Its type.
    pub contact_type: String,
    /// Its level, if set.
    pub level: Option<String>,
    /// Archived.
    pub archived: bool,
    /// In the trash since (ms since the Unix epoch).
    pub trashed_at_ms: Option<i64>,
    /// Last changed (ms since the Unix epoch).
    pub changed_ms: i64,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPage {
    /// The contacts, in order.
    pub contacts: Vec<ContactSummary>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

/// A tag with how many contacts (that the caller may see, not in the trash) carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagCount {
    /// The tag.
    pub tag: String,
    /// How many contacts carry it.
    pub count: u64,
}

/// A contact as stored now, its document loaded: what the server reads and writes for REST
/// callers.
#[derive(Debug, Clone)]
pub struct LoadedContact {
    /// Owner and visibility.
    pub meta: DocMeta,
    /// The document.
    pub doc: Arc<ContactDoc>,
}
