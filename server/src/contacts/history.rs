//! A contact's history as the REST API shows it, derived from the document alone (as every
//! device derives it), and restoring a field or the whole contact: a new ordinary edit,
//! never a rewrite.

use std::collections::HashMap;

use automerge::ChangeHash;
use sync_core::history::{self, HistoryOptions};
use sync_core::ids::{ContactId, MemberId};

use super::write::{Allowed, change};
use super::{Caller, ContactsError, Viewed};
use crate::state::AppState;

/// A page of a contact's revisions, newest first, with the names of the members they name.
#[derive(Debug, Clone)]
pub struct HistoryPage {
    /// The revisions and where the next page starts.
    pub page: history::HistoryPage,
    /// The display name of every member of the company, for the revisions' authors.
    pub names: HashMap<MemberId, String>,
}

/// The revisions of contact `id`, which the caller must see.
pub async fn history(
    state: &AppState,
    caller: &Caller,
    id: ContactId,
    options: HistoryOptions,
) -> Result<HistoryPage, ContactsError> {
    let viewed = super::get(state.store.as_ref(), caller, id).await?;
    let doc = viewed.doc;
    // Replaying a long history takes tens of milliseconds of CPU: off the async threads.
    let page = tokio::task::spawn_blocking(move || history::revisions(&doc, &options)).await??;
    let names = state
        .store
        .members(caller.tenant)
        .await?
        .into_iter()
        .map(|member| (member.member, member.name))
        .collect();
    Ok(HistoryPage { page, names })
}

/// Set one field (`field`, a history path such as `name.given` or `phones[k3j9]`), or with
/// `None` the whole contact (its lifecycle and activity log kept), back to what it was after
/// `revision`.
pub async fn restore(
    state: &AppState,
    caller: &Caller,
    id: ContactId,
    revision: ChangeHash,
    field: Option<String>,
) -> Result<Viewed, ContactsError> {
    change(
        state,
        caller,
        id,
        Allowed::Viewers,
        move |doc, by, at_ms| {
            Ok(match field {
                Some(path) => doc.restore_field_by(&revision, &path, by, at_ms)?,
                None => doc.restore_by(&revision, by, at_ms)?,
            })
        },
    )
    .await
}
