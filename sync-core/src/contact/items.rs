//! The contact's list items (phones, emails, addresses, …, card images) and the small values
//! they hold (a partial date, a blob reference). Each item carries a stable [`ItemId`] marked
//! `#[key]`, so an edit or a delete targets one item and a key a newer layout added to it
//! survives an edit made here (the item is edited in place, never rewritten whole).

use std::fmt;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::{ActivityKind, CardSide, SocialNetwork};
use crate::ids::ItemId;

/// A phone number with its label.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Phone {
    /// Stable identity of this item across edits and devices.
    #[key]
    #[autosurgeon(missing = "Default::default")]
    pub id: ItemId,
    /// `mobile`, `work`, `home`, `main`, `fax`, `pager`, `other` or a custom label.
    #[autosurgeon(missing = "Default::default")]
    pub label: String,
    /// The number in E.164 (`+81312345678`).
    #[autosurgeon(missing = "Default::default")]
    pub e164: String,
    /// The number as the user typed or the card printed it, kept for display and audit.
    #[autosurgeon(missing = "Default::default")]
    pub raw: String,
}

/// An email address with its label.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Email {
    /// Stable identity of this item.
    #[key]
    #[autosurgeon(missing = "Default::default")]
    pub id: ItemId,
    /// `work`, `home`, `other` or a custom label.
    #[autosurgeon(missing = "Default::default")]
    pub label: String,
    /// The address, with its domain lowercased.
    #[autosurgeon(missing = "Default::default")]
    pub address: String,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Address {
    /// Stable identity of this item.
    #[key]
    #[autosurgeon(missing = "Default::default")]
    pub id: ItemId,
    /// `work`, `home`, `other` or a custom label.
    #[autosurgeon(missing = "Default::default")]
    pub label: String,
    /// Street lines, newline separated.
    #[autosurgeon(missing = "Default::default")]
    pub street: String,
    /// City or locality.
    #[autosurgeon(missing = "Default::default")]
    pub city: String,
    /// State, prefecture or province.
    #[autosurgeon(missing = "Default::default")]
    pub region: String,
    /// Postal code as printed.
    #[autosurgeon(missing = "Default::default")]
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, uppercase; empty when unknown.
    #[autosurgeon(missing = "Default::default")]
    pub country: String,
}

/// Where the person works.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Organization {
    /// Stable identity of this item.
    #[key]
    #[autosurgeon(missing = "Default::default")]
    pub id: ItemId,
    /// Company name.
    #[autosurgeon(missing = "Default::default")]
    pub company: String,
    /// Department or division.
    #[autosurgeon(missing = "Default::default")]
    pub department: String,
    /// Job title.
    #[autosurgeon(missing = "Default::default")]
    pub title: String,
}

/// A labelled date such as a birthday.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct DateEntry {
    /// Stable identity of this item.
    #[key]
    #[autosurgeon(missing = "Default::default")]
    pub id: ItemId,
    /// `birthday`, `anniversary` or a custom label.
    #[autosurgeon(missing = "Default::default")]
    pub label: String,
    /// The date; the year may be unknown.
    #[autosurgeon(missing = "Default::default")]
    pub date: PartialDate,
}

/// A calendar date whose year may be unknown (a birthday without the year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Reconcile, Hydrate)]
pub struct PartialDate {
    /// The year, when known.
    #[autosurgeon(missing = "Default::default")]
    pub year: Option<u16>,
    /// 1 to 12.
    #[autosurgeon(missing = "Default::default")]
    pub month: u8,
    /// 1 to 31, valid for the month.
    #[autosurgeon(missing = "Default::default")]
    pub day: u8,
}

impl fmt::Display for PartialDate {
    /// ISO 8601: `1990-04-07`, or `--04-07` without a year (as vCard writes it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.year {
            Some(year) => write!(f, "{year:04}-{:02}-{:02}", self.month, self.day),
            None => write!(f, "--{:02}-{:02}", self.month, self.day),
        }
    }
}

/// A web site.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Url {
    /// Stable identity of this item.
    #[key]
    #[autosurgeon(missing = "Default::default")]
    pub id: ItemId,
    /// `work`, `home`, `blog` or a custom label.
    #[autosurgeon(missing = "Default::default")]
    pub label: String,
    /// An absolute `http` or `https` URL.
    #[autosurgeon(missing = "Default::default")]
    pub url: String,
}

/// A handle on a messaging or social network.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct SocialHandle {
    /// Stable identity of this item.
    #[key]
    #[autosurgeon(missing = "Default::default")]
    pub id: ItemId,
    /// Which network.
    #[autosurgeon(missing = "Default::default")]
    pub network: SocialNetwork,
    /// The handle or profile address as the network shows it.
    #[autosurgeon(missing = "Default::default")]
    pub handle: String,
}

/// One entry of the append-only activity log.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Activity {
    /// Stable identity of this entry.
    #[key]
    #[autosurgeon(missing = "Default::default")]
    pub id: ItemId,
    /// What happened.
    #[autosurgeon(missing = "Default::default")]
    pub kind: ActivityKind,
    /// When, in milliseconds since the Unix epoch (UTC), as the recording device's clock said.
    #[autosurgeon(missing = "Default::default")]
    pub at_ms: i64,
    /// The member who recorded it.
    #[autosurgeon(missing = "Default::default")]
    pub by: String,
    /// What was said or agreed.
    #[autosurgeon(missing = "Default::default")]
    pub text: String,
}

/// A reference to an image blob the server stores (never the bytes themselves: documents stay
/// small enough to sync over a poor connection).
#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct BlobRef {
    /// Lowercase hex SHA-256 of the stored bytes.
    #[autosurgeon(missing = "Default::default")]
    pub sha256: String,
    /// `image/jpeg`, `image/png` or `image/gif`.
    #[autosurgeon(missing = "Default::default")]
    pub mime: String,
    /// Size of the stored bytes.
    #[autosurgeon(missing = "Default::default")]
    pub bytes: u64,
}

/// A photo of a business card the contact was read from.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct CardImage {
    /// Stable identity of this item.
    #[key]
    #[autosurgeon(missing = "Default::default")]
    pub id: ItemId,
    /// Which side of the card.
    #[autosurgeon(missing = "Default::default")]
    pub side: CardSide,
    /// The stored image.
    #[autosurgeon(missing = "Default::default")]
    pub blob: BlobRef,
}
