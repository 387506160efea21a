//! The card step before each connection: upload the queued photos, tell the server which
//! drafts the rep saved or dismissed, and ask for the drafts of cards still being read. Card
//! trouble never stops contact sync: what fails for now is tried again at the next sync, and
//! only an expired token ends the step early.
//!
//! Why ask over HTTP when drafts come over the socket: the server sends them after the
//! `welcome`, but a device already at the feed's head is caught up at the welcome itself, and
//! `sync_once` closes then, possibly before the `card` frames were read. Asking for the few
//! cards still being read makes one `sync_once` enough to get a finished draft.

use sync_core::card::CardStatus;

use crate::account::Secret;
use crate::api;
use crate::error::Error;
use crate::replica::{Event, Replica};
use crate::sync::SyncEvent;

/// How the card step ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Flushed {
    /// Everything that could be sent was; the rest waits for the next sync.
    Done,
    /// The server refused the access token: refresh it and start over.
    TokenExpired,
}

/// What one failed call means for the card.
enum Failure {
    /// 401: refresh the token and try again at once.
    TokenExpired,
    /// Any other 4xx: the server will never accept this request.
    Permanent { code: String, message: String },
    /// Network trouble, 5xx, 408 or 429: try again at the next sync.
    Later(Error),
}

fn classify(error: Error) -> Failure {
    match error {
        Error::Server { status: 401, .. } => Failure::TokenExpired,
        // 408 and 429 are the server (or a proxy) saying "not now", not "never".
        Error::Server {
            status,
            code,
            message,
            ..
        } if (400..500).contains(&status) && status != 408 && status != 429 => {
            Failure::Permanent { code, message }
        }
        error => Failure::Later(error),
    }
}

/// Uploads the queued cards, then reports the resolved ones.
pub(crate) async fn flush(
    replica: &mut Replica,
    server: &str,
    token: &Secret,
    observer: &mut (dyn FnMut(SyncEvent) + Send),
) -> Result<Flushed, Error> {
    if upload_all(replica, server, token, observer).await? == Flushed::TokenExpired
        || report_all(replica, server, token).await? == Flushed::TokenExpired
    {
        return Ok(Flushed::TokenExpired);
    }
    poll_readings(replica, server, token, observer).await
}

async fn upload_all(
    replica: &mut Replica,
    server: &str,
    token: &Secret,
    observer: &mut (dyn FnMut(SyncEvent) + Send),
) -> Result<Flushed, Error> {
    for card in replica.uploads_due().await? {
        // Gone meanwhile: another process uploaded or the rep dismissed it.
        let Some(photos) = replica.upload_photos(card).await? else {
            continue;
        };
        let answer = api::cards::upload(server, token, card, photos.front, photos.back)
            .await
            .and_then(|draft| {
                if draft.card == card {
                    Ok(draft)
                } else {
                    Err(Error::Protocol(format!(
                        "the server answered the upload of card {card} with card {}",
                        draft.card
                    )))
                }
            });
        let event = match answer.map_err(classify) {
            Ok(draft) => {
                replica.card_draft_received(&draft).await?;
                Event::CardUploaded(card)
            }
            Err(Failure::TokenExpired) => return Ok(Flushed::TokenExpired),
            Err(Failure::Permanent { code, message }) => {
                replica.card_refused(card, &code, &message).await?;
                Event::CardRefused {
                    card,
                    code,
                    message,
                }
            }
            Err(Failure::Later(error)) => {
                let error = error.to_string();
                replica.card_upload_failed(card, &error).await?;
                observer(SyncEvent::Replica(Event::CardUploadDeferred {
                    card,
                    error,
                }));
                // The next card would most likely fail the same way, each after a timeout
                // on a dead link; the socket's own retries take over from here.
                return Ok(Flushed::Done);
            }
        };
        observer(SyncEvent::Replica(event));
    }
    Ok(Flushed::Done)
}

async fn report_all(replica: &mut Replica, server: &str, token: &Secret) -> Result<Flushed, Error> {
    for card in replica.cards_to_report().await? {
        match api::cards::done(server, token, card)
            .await
            .map_err(classify)
        {
            Ok(()) => replica.card_reported(card).await?,
            Err(Failure::TokenExpired) => return Ok(Flushed::TokenExpired),
            // The server will never take this report (it does not know the card, say), so
            // there is nothing left to tell it; the decision stays on the device.
            Err(Failure::Permanent { code, message }) => {
                tracing::warn!(%card, %code, %message, "the server refused a card's done report");
                replica.card_reported(card).await?;
            }
            Err(Failure::Later(error)) => {
                tracing::info!(%card, %error, "card done report deferred to the next sync");
                break;
            }
        }
    }
    Ok(Flushed::Done)
}

async fn poll_readings(
    replica: &mut Replica,
    server: &str,
    token: &Secret,
    observer: &mut (dyn FnMut(SyncEvent) + Send),
) -> Result<Flushed, Error> {
    for card in replica.cards_awaiting_reading().await? {
        match api::cards::get(server, token, card).await.map_err(classify) {
            Ok(draft) if draft.card == card => {
                replica.card_draft_received(&draft).await?;
                if matches!(draft.status, CardStatus::Ready | CardStatus::Failed) {
                    observer(SyncEvent::Replica(Event::CardDraft(Box::new(draft))));
                }
            }
            Ok(draft) => {
                tracing::warn!(%card, other = %draft.card, "the server answered for another card")
            }
            Err(Failure::TokenExpired) => return Ok(Flushed::TokenExpired),
            // Not known there (any more): the socket's frames are the other way in.
            Err(Failure::Permanent { code, .. }) => {
                tracing::info!(%card, %code, "the server has no draft for a card being read")
            }
            Err(Failure::Later(error)) => {
                tracing::info!(%card, %error, "card poll deferred to the next sync");
                break;
            }
        }
    }
    Ok(Flushed::Done)
}
