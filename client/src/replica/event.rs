//! [`Event`]: what the user should hear about while a replica syncs.

use sync_core::ids::{CardId, ContactId, MemberId};
use sync_core::wire::{PresenceState, Rejection};

/// Something the user should hear about, produced while syncing.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The server refused this device's changes to a contact; the contact was put back to the
    /// server's version (or removed, if the member may no longer see it).
    Rejected {
        /// The contact.
        doc: ContactId,
        /// The server's code and explanation.
        rejection: Rejection,
    },
    /// Someone else opened, is editing or closed a contact.
    Presence {
        /// The contact.
        doc: ContactId,
        /// What they are doing.
        state: PresenceState,
        /// Who, when the server said.
        member: Option<MemberId>,
    },
    /// A card this device scanned was read (or could not be); the draft is stored for review
    /// ([`Replica::cards`](crate::Replica::cards)).
    CardDraft(Box<sync_core::card::CardDraft>),
    /// The server accepts edits only from newer versions of this program (its document
    /// layout is too old): edits stay queued on this device until it is updated.
    UpgradeRequired,
    /// A scanned card's photos reached the server, which reads them next.
    CardUploaded(CardId),
    /// The server refused a scanned card's photos for good (too large, not an image, …); they
    /// are not sent again, and the card shows as refused until dismissed.
    CardRefused {
        /// The card.
        card: CardId,
        /// The server's stable code (`photo_too_large`, …).
        code: String,
        /// The server's explanation.
        message: String,
    },
    /// A scanned card could not be uploaded this time (no network, server trouble); it stays
    /// queued for the next sync.
    CardUploadDeferred {
        /// The card.
        card: CardId,
        /// What went wrong.
        error: String,
    },
}
