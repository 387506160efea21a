//! Scanned business cards on a [`Replica`]: queueing the photos, reviewing the drafts, and
//! the bookkeeping the sync driver does for them. See [`crate::cards`].

use sync_core::card::{
    CardDraft, Field, ReviewError, attach_images, card_language, check_kept, fields_to_contact,
    fix_phone, merge_into,
};
use sync_core::contact::CardSide;
use sync_core::ids::{CardId, ContactId};

use super::{Replica, State, random_contact_id, random_item_id, signed_edit};
use crate::account::now_ms;
use crate::cards::{Card, CardState, Duplicate, Resolution, check_photo, shared_values};
use crate::error::Error;
use crate::store::{self, cards::Photos};

impl Replica {
    /// Queues a scanned card for upload at the next sync and returns its new id. Needs no
    /// network and no account: the photos are on disk when this returns. Each photo must be a
    /// JPEG, PNG, GIF or WebP image of at most [`MAX_PHOTO_BYTES`], as the server requires.
    ///
    /// [`MAX_PHOTO_BYTES`]: crate::cards::MAX_PHOTO_BYTES
    pub async fn scan_card(
        &mut self,
        front: Vec<u8>,
        back: Option<Vec<u8>>,
    ) -> Result<CardId, Error> {
        check_photo(CardSide::Front, &front)?;
        if let Some(back) = &back {
            check_photo(CardSide::Back, back)?;
        }
        let card = random_card_id();
        let mut tx = store::begin_write(&mut self.connection).await?;
        store::cards::queue(&mut tx, card, &Photos { front, back }, now_ms()).await?;
        wake_live_sync(&mut self.state, &mut tx).await?;
        tx.commit().await?;
        Ok(card)
    }

    /// Every card scanned on this device, newest first: queued uploads, refused ones, and the
    /// drafts with the rep's decisions.
    pub async fn cards(&mut self) -> Result<Vec<Card>, Error> {
        store::cards::list(&mut self.connection).await
    }

    /// One card; `None` if it is not on this device.
    pub async fn card(&mut self, id: CardId) -> Result<Option<Card>, Error> {
        // A device holds tens of cards, not thousands: reading them all is simpler than a
        // second set of single-row queries.
        Ok(self.cards().await?.into_iter().find(|card| card.id == id))
    }

    /// The card whose id is `text` or starts with it.
    pub async fn resolve_card(&mut self, text: &str) -> Result<CardId, Error> {
        let prefix = text.trim().to_ascii_lowercase();
        if let Ok(id) = prefix.parse::<CardId>() {
            return Ok(id);
        }
        let matches: Vec<CardId> = self
            .cards()
            .await?
            .into_iter()
            .map(|card| card.id)
            .filter(|id| !prefix.is_empty() && id.to_string().starts_with(&prefix))
            .collect();
        match matches.as_slice() {
            [id] => Ok(*id),
            [] => Err(Error::NoCardMatch {
                prefix: text.to_string(),
            }),
            _ => Err(Error::AmbiguousCard {
                prefix: text.to_string(),
                count: matches.len(),
            }),
        }
    }

    /// Saves a ready draft as a new contact, or merges it into `into` (values the contact
    /// lacks are added after its own; nothing is replaced), with the card's photos attached.
    /// `keep` lists the indexes of the draft's fields the rep accepts (`None`: all of them).
    /// It is an ordinary local edit, stored with the card's resolution in one transaction and
    /// pushed at the next sync, which also tells the server the card is done. Returns the
    /// contact.
    pub async fn save_card(
        &mut self,
        card: CardId,
        into: Option<ContactId>,
        keep: Option<&[usize]>,
    ) -> Result<ContactId, Error> {
        self.save_card_fixed(card, into, keep, &[]).await
    }

    /// [`save_card`](Self::save_card) with the rep's corrections: `fixes` gives, by field
    /// number, the phone number typed for a field the reader kept as printed because it did
    /// not validate. A kept field still unchecked refuses the save
    /// ([`Error::CardFieldToFix`]), so no phone is saved unchecked.
    pub async fn save_card_fixed(
        &mut self,
        card: CardId,
        into: Option<ContactId>,
        keep: Option<&[usize]>,
        fixes: &[(usize, String)],
    ) -> Result<ContactId, Error> {
        let mut tx = store::begin_write(&mut self.connection).await?;
        self.state.refresh(&mut tx).await?;
        let draft = match store::cards::load_draft(&mut tx, card).await? {
            Some((draft, resolution)) => match resolution.state(&draft) {
                CardState::Ready => draft,
                state @ (CardState::Saved(_) | CardState::Dismissed) => {
                    return Err(Error::CardResolved {
                        card,
                        state: state.as_str(),
                    });
                }
                state => {
                    return Err(Error::CardNotReady {
                        card,
                        state: state.as_str(),
                    });
                }
            },
            None if store::cards::photos(&mut tx, card).await?.is_some() => {
                return Err(Error::CardNotReady {
                    card,
                    state: CardState::Queued.as_str(),
                });
            }
            None => return Err(Error::UnknownCard(card)),
        };
        let mut draft = draft;
        for (index, typed) in fixes {
            let count = draft.fields.len();
            let field = draft.fields.get_mut(*index).ok_or(Error::NoSuchCardField {
                card,
                index: *index,
                count,
            })?;
            fix_phone(field, typed, draft.region.as_deref()).map_err(|source| {
                Error::CardFixInvalid {
                    card,
                    index: *index,
                    source,
                }
            })?;
        }
        let fields = kept_fields(&draft, keep)?;
        // Numbered as `rolo card show` numbers the draft's fields, whatever was dropped.
        let numbers: Vec<usize> = (0..draft.fields.len())
            .filter(|index| keep.is_none_or(|keep| keep.contains(index)))
            .collect();
        check_kept(&fields).map_err(|source| {
            let ReviewError::PhoneNotChecked {
                index,
                raw,
                problem,
            } = source;
            Error::CardFieldToFix {
                card,
                source: ReviewError::PhoneNotChecked {
                    index: numbers.get(index).copied().unwrap_or(index),
                    raw,
                    problem,
                },
            }
        })?;
        let (device, signer) = self.state.loaded(&mut tx).await?;
        let (effects, contact) = match into {
            None => {
                let mut contact = fields_to_contact(&fields, random_item_id);
                contact.language = card_language(draft.region.as_deref()).map(String::from);
                attach_images(&mut contact, &draft.images);
                let id = random_contact_id();
                let effects = match signer.member {
                    Some(member) => device.create_by(id, member, signer.at_ms, &contact, None)?,
                    None => device.create(id, &contact)?,
                };
                (effects, id)
            }
            Some(id) => {
                let effects = signed_edit(device, signer, id, |contact| {
                    merge_into(contact, &fields, random_item_id);
                    attach_images(contact, &draft.images);
                })?;
                (effects, id)
            }
        };
        self.state.store_effects(&mut tx, effects).await?;
        store::cards::resolve(&mut tx, card, Resolution::Saved(contact)).await?;
        // Even a merge that changed nothing has a `done` to report.
        self.state.seen_generation = store::device::bump_generation(&mut tx).await?;
        tx.commit().await?;
        self.state.stale = false;
        Ok(contact)
    }

    /// Dismisses a card: a draft is marked dismissed (and the server told at the next sync);
    /// photos not uploaded yet, or refused, are deleted from the device.
    pub async fn dismiss_card(&mut self, card: CardId) -> Result<(), Error> {
        let mut tx = store::begin_write(&mut self.connection).await?;
        match store::cards::load_draft(&mut tx, card).await? {
            Some((_, Resolution::Pending)) => {
                store::cards::resolve(&mut tx, card, Resolution::Dismissed).await?;
                wake_live_sync(&mut self.state, &mut tx).await?;
            }
            Some((draft, resolution)) => {
                return Err(Error::CardResolved {
                    card,
                    state: resolution.state(&draft).as_str(),
                });
            }
            None => {
                if !store::cards::remove_upload(&mut tx, card).await? {
                    return Err(Error::UnknownCard(card));
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Contacts the draft may describe already: those the server named, then any other on
    /// this device sharing an email or phone with it (added since the server looked).
    pub async fn card_duplicates(&mut self, draft: &CardDraft) -> Result<Vec<Duplicate>, Error> {
        let mut found: Vec<Duplicate> = Vec::new();
        for id in &draft.duplicates {
            let contact = self.contact(*id).await?;
            found.push(Duplicate {
                contact: *id,
                name: contact.as_ref().map(|c| c.display_name()),
                same: contact.map_or_else(Vec::new, |c| shared_values(draft, &c)),
            });
        }
        for (id, contact) in self.contacts().await? {
            let same = shared_values(draft, &contact);
            if !same.is_empty() && !draft.duplicates.contains(&id) {
                found.push(Duplicate {
                    contact: id,
                    name: Some(contact.display_name()),
                    same,
                });
            }
        }
        Ok(found)
    }

    /// Cards whose photos still have to be sent, oldest first.
    pub(crate) async fn uploads_due(&mut self) -> Result<Vec<CardId>, Error> {
        store::cards::uploads_due(&mut self.connection).await
    }

    /// A queued card's photos, unless it left the queue meanwhile.
    pub(crate) async fn upload_photos(&mut self, card: CardId) -> Result<Option<Photos>, Error> {
        store::cards::photos(&mut self.connection, card).await
    }

    /// Uploaded cards whose reading has not finished, as far as this device knows.
    pub(crate) async fn cards_awaiting_reading(&mut self) -> Result<Vec<CardId>, Error> {
        store::cards::awaiting_reading(&mut self.connection).await
    }

    /// A draft came over HTTP (the upload's answer, or a poll): kept unless an answer further
    /// along is already stored.
    pub(crate) async fn card_draft_received(&mut self, draft: &CardDraft) -> Result<(), Error> {
        let mut tx = store::begin_write(&mut self.connection).await?;
        store::cards::save_draft(&mut tx, draft, now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An upload failed in a way a later sync may not.
    pub(crate) async fn card_upload_failed(
        &mut self,
        card: CardId,
        error: &str,
    ) -> Result<(), Error> {
        store::cards::upload_failed(&mut self.connection, card, error).await
    }

    /// The server refused a card's photos for good.
    pub(crate) async fn card_refused(
        &mut self,
        card: CardId,
        code: &str,
        message: &str,
    ) -> Result<(), Error> {
        store::cards::upload_refused(&mut self.connection, card, code, message).await
    }

    /// Cards saved or dismissed that the server has not been told of.
    pub(crate) async fn cards_to_report(&mut self) -> Result<Vec<CardId>, Error> {
        store::cards::to_report(&mut self.connection).await
    }

    /// The server knows the card is done.
    pub(crate) async fn card_reported(&mut self, card: CardId) -> Result<(), Error> {
        store::cards::reported(&mut self.connection, card).await
    }
}

/// The draft's fields at the indexes the rep kept, in the draft's order (which is the reader's
/// most-confident-first order the merge relies on).
fn kept_fields(draft: &CardDraft, keep: Option<&[usize]>) -> Result<Vec<Field>, Error> {
    let Some(keep) = keep else {
        return Ok(draft.fields.clone());
    };
    let count = draft.fields.len();
    if let Some(&index) = keep.iter().find(|&&index| index >= count) {
        return Err(Error::NoSuchCardField {
            card: draft.card,
            index,
            count,
        });
    }
    Ok(draft
        .fields
        .iter()
        .enumerate()
        .filter(|(index, _)| keep.contains(index))
        .map(|(_, field)| field.clone())
        .collect())
}

/// Marks the replica changed, so a live sync in another process reconnects, which uploads
/// and reports cards first (see `migrations/0002_cards.sql`). Reloads first if another
/// process changed it, so this process never skips a change it has not seen.
async fn wake_live_sync(
    state: &mut State,
    connection: &mut sqlx::SqliteConnection,
) -> Result<(), Error> {
    state.refresh(connection).await?;
    state.seen_generation = store::device::bump_generation(connection).await?;
    Ok(())
}

/// A new card id: a random (version 4) UUID.
fn random_card_id() -> CardId {
    let uuid = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
    CardId::from_bytes(uuid.into_bytes())
}
