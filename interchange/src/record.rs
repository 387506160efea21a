//! One record of an opened file, as read: the cells of a row, the fields of a text block or
//! the properties of a card.

use crate::vcard::Card;

/// One record as read, before any field rule is applied.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    /// The 1-based line the record starts on (CSV, text), its row (sheets) or its card
    /// number (vCard).
    pub line: u64,
    /// A row's cells, in the order of [`crate::Reader::columns`] (empty for text and vCard).
    pub cells: Vec<String>,
    /// A text block's `Field: value` lines in order (a field may repeat; empty otherwise).
    pub fields: Vec<(String, String)>,
    /// A vCard's properties (`None` otherwise).
    pub card: Option<Card>,
}
