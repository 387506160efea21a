//! The cap on one contact's saved document, and the rule that lets a contact over it be
//! edited down.
//!
//! An Automerge document keeps its history, so no edit makes the saved document smaller:
//! deleting text or an item adds a few bytes that record the deletion. "Editing down" a
//! contact over the cap therefore means an edit whose growth is paid for by what it removes
//! from the contact: the document may grow by at most as many bytes as the contact's content
//! shrinks ([`content_bytes`]). Removing an item, a tag or a long text passes; rewriting a
//! long text with another as long does not. That bounds what a contact over the cap can
//! still gain to about the content it holds, so its snapshot keeps fitting a frame.

use crate::contact::{Contact, CustomValue, RawValue};

/// Largest saved document ([`ContactDoc::save`]) an edit or a push may leave, in bytes:
/// 512 KiB.
///
/// A contact's snapshot travels whole: in a `grant` inside one feed page (frames are at most
/// [`MAX_FRAME_BYTES`], 4 MiB), in a repair, and a contact created in one go is one change in
/// a push (servers accept 1 MiB frames from devices by default). A real contact is 1-20 KB
/// (years of weekly activity included); 512 KiB is 25 times that, leaves an 8× margin under
/// the frame limit for the growth editing down still allows, and keeps a loaded
/// document (Automerge holds several times its saved size in memory) affordable for a
/// server holding many.
///
/// [`ContactDoc::save`]: crate::document::ContactDoc::save
/// [`MAX_FRAME_BYTES`]: crate::wire::MAX_FRAME_BYTES
pub const MAX_DOC_BYTES: usize = 512 * 1024;

/// Added to a change's length when estimating how much it grows the saved document. Measured
/// (3,000 random edits: names, notes typing and deleting, list adds and removes, tags): a
/// change never grew the saved document by more than its own length minus 11 bytes; the
/// slack covers what the measurement did not see.
pub(crate) const CHANGE_SLACK_BYTES: usize = 64;

/// What an item, a tag or a custom field costs the document beyond its text (its id, its
/// keys, the operations that created it), counted as content so that removing one item pays
/// for the few bytes that record its deletion.
const ITEM_BYTES: usize = 64;

/// Documents saved at more than this may be over the cap after one small edit: their exact
/// size is measured before an edit (or a push), so that what the edit adds is known exactly
/// and a deletion near the cap is judged by the few bytes it really adds.
pub(crate) const NEAR_CAP_BYTES: usize = MAX_DOC_BYTES - 64 * 1024;

/// Whether an edit may leave the saved document at `after` bytes, having grown it by
/// `growth` bytes while the contact's [`content_bytes`] went from `content_before` to
/// `content_after`: always within the cap, and over it only if the edit removes at least as
/// much content as it adds to the document.
pub(crate) fn within_cap(
    after: usize,
    growth: usize,
    content_before: usize,
    content_after: usize,
) -> bool {
    after <= MAX_DOC_BYTES || growth <= content_before.saturating_sub(content_after)
}

/// Roughly what the contact's content costs in the document: the bytes of its text, numbers
/// as 8, and [`ITEM_BYTES`] for each item, tag and custom field.
pub(crate) fn content_bytes(contact: &Contact) -> usize {
    let name = &contact.name;
    let mut total = [
        &name.prefix,
        &name.given,
        &name.middle,
        &name.family,
        &name.suffix,
        &name.phonetic_given,
        &name.phonetic_family,
        &name.nickname,
    ]
    .iter()
    .map(|part| part.len())
    .sum::<usize>();
    let item = |texts: &[&str]| ITEM_BYTES + texts.iter().map(|text| text.len()).sum::<usize>();
    total += contact
        .phones
        .iter()
        .map(|p| item(&[p.id.as_str(), &p.label, &p.e164, &p.raw]))
        .sum::<usize>();
    total += contact
        .emails
        .iter()
        .map(|e| item(&[e.id.as_str(), &e.label, &e.address]))
        .sum::<usize>();
    total += contact
        .addresses
        .iter()
        .map(|a| {
            item(&[
                a.id.as_str(),
                &a.label,
                &a.street,
                &a.city,
                &a.region,
                &a.postal_code,
                &a.country,
            ])
        })
        .sum::<usize>();
    total += contact
        .organizations
        .iter()
        .map(|o| item(&[o.id.as_str(), &o.company, &o.department, &o.title]))
        .sum::<usize>();
    total += contact
        .dates
        .iter()
        .map(|d| item(&[d.id.as_str(), &d.label]) + 8)
        .sum::<usize>();
    total += contact
        .urls
        .iter()
        .map(|u| item(&[u.id.as_str(), &u.label, &u.url]))
        .sum::<usize>();
    total += contact
        .social
        .iter()
        .map(|s| item(&[s.id.as_str(), s.network.as_str(), &s.handle]))
        .sum::<usize>();
    total += contact.contact_type.as_str().len();
    total += contact
        .level
        .as_ref()
        .map_or(0, |level| level.as_str().len());
    total += contact.language.as_ref().map_or(0, String::len);
    total += contact.tags.keys().map(|tag| item(&[tag])).sum::<usize>();
    total += contact.notes.as_str().len();
    total += contact
        .custom
        .iter()
        .map(|(key, value)| item(&[key, value.kind()]) + custom_bytes(value))
        .sum::<usize>();
    total += contact
        .activity
        .iter()
        .map(|a| item(&[a.id.as_str(), a.kind.as_str(), &a.by, &a.text]) + 8)
        .sum::<usize>();
    total += contact
        .photo
        .iter()
        .map(|blob| item(&[&blob.sha256, &blob.mime]) + 8)
        .sum::<usize>();
    total += contact
        .card_images
        .iter()
        .map(|card| {
            item(&[
                card.id.as_str(),
                card.side.as_str(),
                &card.blob.sha256,
                &card.blob.mime,
            ]) + 8
        })
        .sum::<usize>();
    let lifecycle = &contact.lifecycle;
    total += 1 + lifecycle.trashed_at_ms.map_or(0, |_| 8);
    total += lifecycle.merged_into.as_ref().map_or(0, String::len);
    total
}

fn custom_bytes(value: &CustomValue) -> usize {
    match value {
        CustomValue::Text(text) => text.len(),
        CustomValue::Number(_) | CustomValue::Date(_) => 8,
        CustomValue::Bool(_) => 1,
        CustomValue::Unknown { value, .. } => raw_bytes(value),
    }
}

fn raw_bytes(value: &RawValue) -> usize {
    match value {
        RawValue::Null | RawValue::Bool(_) => 1,
        RawValue::Int(_)
        | RawValue::Uint(_)
        | RawValue::F64(_)
        | RawValue::Counter(_)
        | RawValue::Timestamp(_) => 8,
        RawValue::Str(text) | RawValue::Text(text) => text.len(),
        RawValue::Bytes(bytes) => bytes.len(),
        RawValue::List(items) => items.iter().map(|item| ITEM_BYTES + raw_bytes(item)).sum(),
        RawValue::Map(entries) => entries
            .iter()
            .map(|(key, item)| ITEM_BYTES + key.len() + raw_bytes(item))
            .sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_may_grow_up_to_the_cap() {
        assert!(within_cap(MAX_DOC_BYTES, 100_000, 0, 100_000));
        assert!(!within_cap(MAX_DOC_BYTES + 1, 1, 0, 100_000));
    }

    #[test]
    fn past_the_cap_growth_must_be_paid_for_by_removed_content() {
        let after = MAX_DOC_BYTES + 100;
        assert!(within_cap(after, 40, 1_000, 900));
        assert!(within_cap(after, 100, 1_000, 900));
        assert!(!within_cap(after, 101, 1_000, 900));
        // Rewriting a text with another as long adds history and removes nothing.
        assert!(!within_cap(after, 5_000, 1_000, 1_000));
    }

    #[test]
    fn content_counts_text_and_each_item() {
        let mut contact = Contact::default();
        let empty = content_bytes(&contact);
        contact.notes = "twelve bytes".into();
        assert_eq!(content_bytes(&contact), empty + 12);
        contact.tags.insert("vip".into(), true);
        assert_eq!(content_bytes(&contact), empty + 12 + ITEM_BYTES + 3);
    }
}
