//! sync-core: the contact document, the rules every client shares, the wire protocol, and the
//! replica state machines — with no I/O, so the same code runs on the server, in the CLI and
//! (later) in the browser, and a simulation can drive thousands of devices deterministically.
//!
//! - [`contact`] is the typed contact ([`contact::Contact`]), reconciled into one Automerge
//!   document per contact by autosurgeon; list items carry stable ids so concurrent adds both
//!   survive. Its layout ([`contact::DOC_LAYOUT`]) only ever gains keys and values: a missing
//!   key reads as its default and a key or value this code does not know is kept through its
//!   edits, so last month's app and this month's edit the same contacts. [`document`] wraps the
//!   Automerge document (edit, apply, merge, conflicts) and caps its saved size
//!   ([`document::MAX_DOC_BYTES`]).
//! - [`validate`] holds the field rules (E.164 phones, emails, dates, countries) with one
//!   typed error per rule naming the field and the value.
//! - [`accept`] is the server's judgement of a push (on the pushing device's own view, so two
//!   valid concurrent edits never lose one rep's work); [`feed`] the cursor feed's decisions
//!   (what a row becomes for a member, resync pages); [`access`] who may see a contact (owner,
//!   listed members, groups, org units and the units below them) and who may manage it.
//! - [`wire`] is the MessagePack protocol (one frame per WebSocket message), specified with
//!   byte-exact examples in `docs/protocol.md`.
//! - [`replica`] holds the state machines: [`replica::device::DeviceReplica`] for a phone and
//!   [`replica::session::ServerSession`] for one connection on the server. They take events
//!   (a frame, a local edit, a store result) and return effects (frames to send, bytes to
//!   store); the caller does the I/O. [`sim`] runs them against an in-memory tenant over a
//!   lossy network.
//! - [`card`] is a scanned business card's draft and how the review turns it into a contact.
//! - [`search`] is how contacts are indexed and queries matched, the same on the server and on
//!   a device searching offline (accents, case, kana, CJK substrings, phones in any format).
//! - [`history`] is a contact's revisions (who, when, what changed field by field) derived from
//!   its document alone, the attribution every change carries, and restoring a field or the
//!   whole contact as it was.
//!
//! A contact edited on two phones offline keeps both edits once merged:
//!
//! ```
//! use automerge::ActorId;
//! use sync_core::contact::Contact;
//! use sync_core::document::ContactDoc;
//! use sync_core::ids::ContactId;
//!
//! let id = ContactId::from_u128(7);
//! let mut first = Contact::default();
//! first.name.given = "Mara".into();
//! let (mut phone_a, _) = ContactDoc::create(id, ActorId::from([1u8; 16]), &first).unwrap();
//! let mut phone_b = ContactDoc::load(id, ActorId::from([2u8; 16]), &phone_a.save()).unwrap();
//! // Both phones edit offline, each a different field.
//! phone_a.edit(|contact| contact.name.given = "Mara Elin".into()).unwrap();
//! phone_b.edit(|contact| contact.name.family = "Lindqvist".into()).unwrap();
//! phone_a.merge_saved(&phone_b.save()).unwrap();
//! let merged = phone_a.contact().unwrap();
//! assert_eq!((merged.name.given.as_str(), merged.name.family.as_str()), ("Mara Elin", "Lindqvist"));
//! ```
pub mod accept;
pub mod access;
pub mod card;
pub mod contact;
pub mod document;
pub mod feed;
pub mod history;
pub mod ids;
pub mod replica;
pub mod search;
pub mod sim;
/// Field rules shared by every client and the server.
pub mod validate;
pub mod wire;
