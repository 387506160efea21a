//! Archive, trash and the activity log: edits of the document like any other, so they reach
//! devices offline too and show in the history (`archived`, `deleted`, `restored`).

use sync_core::contact::{Activity, ActivityKind};
use sync_core::ids::{ContactId, ItemId};

use super::write::edit;
use super::{Caller, ContactsError, Viewed};
use crate::state::{AppState, now_ms};

/// Archive contact `id` (`true`) or take it out of the archive.
pub async fn set_archived(
    state: &AppState,
    caller: &Caller,
    id: ContactId,
    archived: bool,
) -> Result<Viewed, ContactsError> {
    edit(state, caller, id, move |contact| {
        contact.lifecycle.archived = archived;
    })
    .await
}

/// Move contact `id` to the trash (keeping the time it first went there), or take it out.
pub async fn set_trashed(
    state: &AppState,
    caller: &Caller,
    id: ContactId,
    trashed: bool,
) -> Result<Viewed, ContactsError> {
    let at_ms = now_ms();
    edit(state, caller, id, move |contact| {
        if !trashed {
            contact.lifecycle.trashed_at_ms = None;
        } else if contact.lifecycle.trashed_at_ms.is_none() {
            contact.lifecycle.trashed_at_ms = Some(at_ms);
        }
    })
    .await
}

/// What to log on a contact.
#[derive(Debug, Clone)]
pub struct NewActivity {
    /// What happened.
    pub kind: ActivityKind,
    /// What was said or agreed.
    pub text: String,
    /// When, in ms since the Unix epoch; `None` means now.
    pub at_ms: Option<i64>,
}

/// Append an entry by the caller to contact `id`'s activity log; returns the entry.
pub async fn log_activity(
    state: &AppState,
    caller: &Caller,
    id: ContactId,
    new: NewActivity,
) -> Result<Activity, ContactsError> {
    let entry = Activity {
        id: ItemId::from_random(rand::random()),
        kind: new.kind,
        at_ms: new.at_ms.unwrap_or_else(now_ms),
        by: caller.member().to_string(),
        text: new.text,
    };
    let appended = entry.clone();
    edit(state, caller, id, move |contact| {
        contact.activity.push(appended);
    })
    .await?;
    Ok(entry)
}
