//! Business cards scanned on this device, as the rep sees them: photos waiting for a sync,
//! then the draft the server read, then the rep's decision.
//!
//! A scan is queued on the device at once with no network ([`Replica::scan_card`]); the next
//! sync uploads it (`PUT /v1/cards/{card}`), the server reads it and sends the draft back over
//! the socket, and the rep saves it as a contact (or into one) or dismisses it, offline if
//! need be. Saving is an ordinary local edit; the next sync pushes it and tells the server the
//! card is done.
//!
//! [`Replica::scan_card`]: crate::Replica::scan_card

use sync_core::card::{CardDraft, CardStatus, FieldKind};
use sync_core::contact::{CardSide, Contact};
use sync_core::ids::{CardId, ContactId};

use crate::error::Error;

/// The largest photo the server takes, per side.
pub const MAX_PHOTO_BYTES: u64 = 10 * 1024 * 1024;

/// A card scanned on this device.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    /// The id drawn when it was scanned.
    pub id: CardId,
    /// When it was scanned (ms since the Unix epoch, UTC).
    pub scanned_at_ms: i64,
    /// Where it stands.
    pub state: CardState,
    /// The newest reading from the server, once uploaded.
    pub draft: Option<CardDraft>,
    /// Upload attempts that failed for a reason worth retrying (no network, server trouble).
    pub upload_attempts: u32,
    /// The last upload attempt's error, if it failed.
    pub last_error: Option<String>,
    /// Whether the server has been told the rep saved or dismissed it.
    pub done_reported: bool,
}

/// Where a scanned card stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardState {
    /// On this device, waiting for a sync to upload the photos.
    Queued,
    /// The server refused the photos (too large, not an image, …); they are not sent again.
    Refused {
        /// The server's stable code (`photo_too_large`, …).
        code: String,
    },
    /// Uploaded; the server has not finished reading it.
    Reading,
    /// Read: the draft awaits the rep's review.
    Ready,
    /// The server could not read it; the draft's `error` says why.
    Failed,
    /// Saved as, or merged into, this contact.
    Saved(ContactId),
    /// Dismissed by the rep (or closed at the server).
    Dismissed,
}

impl CardState {
    /// A word for lists: `queued`, `refused`, `reading`, `ready`, `failed`, `saved`,
    /// `dismissed`.
    pub fn as_str(&self) -> &'static str {
        match self {
            CardState::Queued => "queued",
            CardState::Refused { .. } => "refused",
            CardState::Reading => "reading",
            CardState::Ready => "ready",
            CardState::Failed => "failed",
            CardState::Saved(_) => "saved",
            CardState::Dismissed => "dismissed",
        }
    }

    /// Whether the rep has nothing more to do with it.
    pub fn is_resolved(&self) -> bool {
        matches!(self, CardState::Saved(_) | CardState::Dismissed)
    }
}

/// The rep's decision about a draft, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// Not reviewed yet.
    Pending,
    /// Saved as, or merged into, this contact.
    Saved(ContactId),
    /// Dismissed.
    Dismissed,
}

impl Resolution {
    /// The card's state given its newest draft.
    pub(crate) fn state(self, draft: &CardDraft) -> CardState {
        match (self, draft.status) {
            (Resolution::Saved(contact), _) => CardState::Saved(contact),
            (Resolution::Dismissed, _) => CardState::Dismissed,
            (Resolution::Pending, CardStatus::Queued | CardStatus::Reading) => CardState::Reading,
            (Resolution::Pending, CardStatus::Ready) => CardState::Ready,
            (Resolution::Pending, CardStatus::Failed) => CardState::Failed,
            // Done at the server with no decision here: it was closed elsewhere (a repeated
            // upload can answer with it); there is nothing left to review.
            (Resolution::Pending, CardStatus::Done) => CardState::Dismissed,
        }
    }
}

/// How far a reading has come, so an older answer never replaces a newer one: the upload's
/// `queued` answer can reach the file after the socket delivered `ready` from another process.
pub(crate) fn progress(status: CardStatus) -> u8 {
    match status {
        CardStatus::Queued => 0,
        CardStatus::Reading => 1,
        CardStatus::Ready | CardStatus::Failed => 2,
        CardStatus::Done => 3,
    }
}

/// A contact the draft may describe already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The contact.
    pub contact: ContactId,
    /// Its display name, when it is on this device.
    pub name: Option<String>,
    /// What it shares with the draft: `email mara@nordkap.example`, `phone +46701234567`.
    /// Empty when the server named it but the device does not hold it (yet).
    pub same: Vec<String>,
}

/// What `contact` shares with the draft's emails and phones.
pub(crate) fn shared_values(draft: &CardDraft, contact: &Contact) -> Vec<String> {
    let mut same: Vec<String> = Vec::new();
    for field in &draft.fields {
        let shared = match field.kind {
            FieldKind::Email
                if contact
                    .emails
                    .iter()
                    .any(|email| email.address.eq_ignore_ascii_case(&field.value)) =>
            {
                format!("email {}", field.value)
            }
            FieldKind::Phone if contact.phones.iter().any(|phone| phone.e164 == field.value) => {
                format!("phone {}", field.value)
            }
            _ => continue,
        };
        // A value read twice (from the QR code and the print) need not be next to itself, so
        // `dedup` would not catch it.
        if !same.contains(&shared) {
            same.push(shared);
        }
    }
    same
}

/// The side's name, for messages.
pub fn side_name(side: &CardSide) -> &'static str {
    match side {
        CardSide::Front => "front",
        CardSide::Back => "back",
        // Written by a newer client: named generically rather than not at all.
        CardSide::Unknown(_) => "other side",
    }
}

/// Checks a photo the way the server will, so a photo it would refuse is refused now, offline,
/// with the side named, instead of at the next sync. Returns the image's MIME type.
pub fn check_photo(side: CardSide, bytes: &[u8]) -> Result<&'static str, Error> {
    let size = bytes.len() as u64;
    if size > MAX_PHOTO_BYTES {
        return Err(Error::PhotoTooLarge {
            side: side_name(&side),
            bytes: size,
            limit: MAX_PHOTO_BYTES,
        });
    }
    image_type(bytes).ok_or(Error::PhotoNotImage {
        side: side_name(&side),
    })
}

/// The MIME type the bytes' signature names, for the four formats the server reads.
pub(crate) fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_are_checked_as_the_server_would() {
        assert_eq!(
            check_photo(CardSide::Front, b"\xFF\xD8\xFF\xE0rest").unwrap(),
            "image/jpeg"
        );
        assert_eq!(
            check_photo(CardSide::Back, b"RIFF\0\0\0\0WEBPVP8 ").unwrap(),
            "image/webp"
        );
        assert!(matches!(
            check_photo(CardSide::Back, b"%PDF-1.7"),
            Err(Error::PhotoNotImage { side: "back" })
        ));
        let mut huge = vec![0u8; MAX_PHOTO_BYTES as usize + 1];
        huge[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
        assert!(matches!(
            check_photo(CardSide::Front, &huge),
            Err(Error::PhotoTooLarge { side: "front", .. })
        ));
    }

    #[test]
    fn a_value_read_twice_is_named_once() {
        use sync_core::card::{Field, Source};
        use sync_core::contact::{Email, Phone};
        use sync_core::ids::{CardId, ItemId};

        let field = |kind, value: &str, source| Field {
            kind,
            label: String::new(),
            value: value.into(),
            raw: value.into(),
            confidence: 0.9,
            source,
            bbox: None,
            problem: None,
        };
        let draft = CardDraft {
            fields: vec![
                field(FieldKind::Email, "mara@nordkap.example", Source::Qr),
                field(FieldKind::Phone, "+46701234567", Source::Qr),
                field(FieldKind::Email, "mara@nordkap.example", Source::Ocr),
            ],
            card: CardId::from_bytes([1; 16]),
            status: CardStatus::Ready,
            region: None,
            images: Vec::new(),
            duplicates: Vec::new(),
            error: None,
        };
        let mut contact = Contact::default();
        contact.emails.push(Email {
            id: ItemId::from("e1"),
            label: "work".into(),
            address: "Mara@Nordkap.example".into(),
        });
        contact.phones.push(Phone {
            id: ItemId::from("p1"),
            label: "mobile".into(),
            e164: "+46701234567".into(),
            raw: "070-123 45 67".into(),
        });
        assert_eq!(
            shared_values(&draft, &contact),
            ["email mara@nordkap.example", "phone +46701234567"]
        );
    }

    #[test]
    fn an_older_reading_ranks_below_a_newer_one() {
        assert!(progress(CardStatus::Queued) < progress(CardStatus::Ready));
        assert!(progress(CardStatus::Failed) < progress(CardStatus::Done));
    }
}
