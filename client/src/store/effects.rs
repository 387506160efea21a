//! Storing the effects of one `DeviceReplica` call, in order, inside the caller's transaction.

use sqlx::SqliteConnection;
use sync_core::replica::device::DeviceEffect;
use sync_core::wire::Frame;

use crate::error::Error;
use crate::replica::Event;
use crate::store::{cards, device, docs, outbox, rejections};

/// What the host must do once the effects are committed: frames to send and things to tell.
#[derive(Debug, Default)]
pub(crate) struct AfterCommit {
    /// Frames for the server, in order. Sent only after the commit, so the server never
    /// acknowledges a change this device could still lose.
    pub send: Vec<Frame>,
    /// Things to tell the user.
    pub events: Vec<Event>,
    /// The server could not commit the last push: push again after this long.
    pub push_retry_after: Option<std::time::Duration>,
}

/// Stores every storage effect in order; collects the rest for after the commit.
pub(crate) async fn apply(
    connection: &mut SqliteConnection,
    effects: Vec<DeviceEffect>,
    now_ms: i64,
) -> Result<AfterCommit, Error> {
    let mut after = AfterCommit::default();
    for effect in effects {
        match effect {
            DeviceEffect::Send(frame) => after.send.push(frame),
            DeviceEffect::SaveDoc { doc, bytes, append } => {
                docs::save(connection, doc, &bytes, append).await?
            }
            DeviceEffect::DeleteDoc { doc } => docs::delete(connection, doc).await?,
            DeviceEffect::SaveMeta { doc, meta } => docs::save_meta(connection, doc, &meta).await?,
            DeviceEffect::AppendOutbox(entry) => outbox::append(connection, &entry).await?,
            DeviceEffect::RemoveOutbox(ids) | DeviceEffect::Acknowledged(ids) => {
                outbox::remove(connection, &ids).await?
            }
            DeviceEffect::SaveCursor(cursor) => device::save_cursor(connection, cursor).await?,
            DeviceEffect::Rejected { doc, rejection } => {
                rejections::record(connection, doc, &rejection, now_ms).await?;
                after.events.push(Event::Rejected { doc, rejection });
            }
            DeviceEffect::CardDraft(draft) => {
                // Kept (the newest per card) for the rep's review, which may be days later
                // and offline; the event only says a reading arrived.
                cards::save_draft(connection, &draft, now_ms).await?;
                after.events.push(Event::CardDraft(draft));
            }
            DeviceEffect::Presence { doc, state, member } => {
                after.events.push(Event::Presence { doc, state, member })
            }
            DeviceEffect::UpgradeRequired => after.events.push(Event::UpgradeRequired),
            DeviceEffect::PushDeferred { retry_after_ms } => {
                after.push_retry_after = Some(std::time::Duration::from_millis(retry_after_ms));
            }
        }
    }
    Ok(after)
}
