//! The write path: a REST write as a CRDT change the server makes for the caller, committed
//! like a device's push (see the module page of `contacts`).

use std::sync::Arc;

use automerge::{ActorId, Change};
use serde_bytes::ByteBuf;
use sync_core::accept;
use sync_core::contact::Contact;
use sync_core::document::ContactDoc;
use sync_core::history::{Attribution, Event};
use sync_core::ids::ContactId;
use sync_core::wire::{DocChanges, Visibility};

use super::{Caller, ContactsError, Viewed};
use crate::state::{AppState, now_ms};

/// Who may make a change through [`change`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Allowed {
    /// Whoever sees the contact: an edit.
    Viewers,
    /// Nobody else is asked: the caller was authorised before (a manager's act, an admin's
    /// company-wide tag change).
    Authorised,
}

/// Create a contact owned by the caller, shared as `visibility` says (`None`: everyone), with
/// `contact` as its first revision.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    contact: Contact,
    visibility: Option<Visibility>,
) -> Result<Viewed, ContactsError> {
    let id = ContactId::from_bytes(rand::random());
    if let Some(visibility) = &visibility {
        super::manage::check_listed(state, caller, visibility).await?;
    }
    let meta = accept::new_contact_meta(caller.member(), visibility.as_ref())
        .map_err(|rejection| ContactsError::bad("visibility", rejection.message))?;
    let by = caller.attribution();
    let at_ms = now_ms();
    let (doc, first) = tokio::task::spawn_blocking(move || {
        ContactDoc::create_by(id, fresh_actor(), &by, at_ms, &contact)
    })
    .await??;
    let push = DocChanges {
        doc: id,
        changes: vec![ByteBuf::from(first.raw_bytes().to_vec())],
        visibility: Some(meta.visibility.clone()),
    };
    commit(state, caller, &caller.viewer, push).await?;
    Ok(Viewed {
        id,
        meta,
        doc: Arc::new(doc),
    })
}

/// Edit contact `id` for the caller, who must see it: `edit` changes the typed contact, and
/// what it changed is committed as one change. Nothing is committed when nothing changed.
pub async fn edit(
    state: &AppState,
    caller: &Caller,
    id: ContactId,
    edit: impl FnOnce(&mut Contact) + Send + 'static,
) -> Result<Viewed, ContactsError> {
    change(
        state,
        caller,
        id,
        Allowed::Viewers,
        move |doc, by, at_ms| Ok(doc.edit_by(by, at_ms, edit)?),
    )
    .await
}

/// Record `event` (with `detail`, for display) on contact `id` as an empty change, so the
/// history every device derives from the document shows what happened outside it.
pub(super) async fn record_event(
    state: &AppState,
    caller: &Caller,
    id: ContactId,
    event: Event,
    detail: String,
) -> Result<Viewed, ContactsError> {
    change(
        state,
        caller,
        id,
        Allowed::Authorised,
        move |doc, by, at_ms| {
            let by = Attribution {
                detail: Some(detail),
                ..by.clone()
            };
            Ok(Some(doc.record_event(&by, event, at_ms)))
        },
    )
    .await
}

/// Make one change to contact `id` for the caller: load it as stored, run `operation` on a
/// copy under a fresh actor (off the async threads: a large document takes milliseconds), and
/// commit the change it makes, if any.
pub(super) async fn change<F>(
    state: &AppState,
    caller: &Caller,
    id: ContactId,
    allowed: Allowed,
    operation: F,
) -> Result<Viewed, ContactsError>
where
    F: FnOnce(&mut ContactDoc, &Attribution, i64) -> Result<Option<Change>, ContactsError>
        + Send
        + 'static,
{
    let Some(loaded) = state.store.load_contact(caller.tenant, id).await? else {
        return Err(ContactsError::NotFound(id));
    };
    if allowed == Allowed::Viewers && !caller.sees(&loaded.meta) {
        return Err(ContactsError::NotFound(id));
    }
    let by = caller.attribution();
    let at_ms = now_ms();
    let stored = loaded.doc;
    let (doc, made) = tokio::task::spawn_blocking(move || {
        let mut doc = ContactDoc::clone(&stored);
        // Never the stored document's actor, nor one shared between writes: two writes at
        // once under one actor would give two different changes the same sequence number.
        doc.automerge_mut().set_actor(fresh_actor());
        let made = operation(&mut doc, &by, at_ms)?;
        Ok::<_, ContactsError>((doc, made))
    })
    .await??;
    if let Some(made) = made {
        let push = DocChanges::new(id, vec![ByteBuf::from(made.raw_bytes().to_vec())]);
        let viewer = caller.acting_viewer(&loaded.meta);
        commit(state, caller, &viewer, push).await?;
    }
    Ok(Viewed {
        id,
        meta: loaded.meta,
        doc: Arc::new(doc),
    })
}

/// A random Automerge actor for one write.
fn fresh_actor() -> ActorId {
    ActorId::from(rand::random::<[u8; 16]>())
}

/// Commit `push` as `viewer` and tell this node's connections; the store's refusal becomes
/// [`ContactsError::Rejected`].
async fn commit(
    state: &AppState,
    caller: &Caller,
    viewer: &sync_core::access::Viewer,
    push: DocChanges,
) -> Result<(), ContactsError> {
    let id = push.doc;
    let results = state
        .store
        .commit(caller.tenant, viewer, std::slice::from_ref(&push))
        .await?;
    let Some(result) = results.into_iter().find(|result| result.doc == id) else {
        return Err(crate::store::StoreError::Corrupt(format!(
            "the commit of contact {id} answered nothing for it"
        ))
        .into());
    };
    if let Some(rejection) = result.rejected {
        return Err(match rejection.code.as_str() {
            accept::codes::NOT_FOUND => ContactsError::NotFound(id),
            _ => ContactsError::Rejected(rejection),
        });
    }
    if let Some(seq) = result.seq {
        state.hub.advanced(caller.tenant, seq);
    }
    Ok(())
}
