//! What only a contact's managers do (its owner, admins, the company owner): change who sees
//! it, hand it to another member, delete it for good. Visibility and owner live outside the
//! document, so the store changes them (with grant, revoke and meta feed rows); an empty
//! change recording the event is then committed, so the history shows it.

use std::collections::HashSet;

use sync_core::history::Event;
use sync_core::ids::{ContactId, MemberId};
use sync_core::wire::{DocMeta, MAX_SHARED_MEMBERS, Visibility};

use super::write::record_event;
use super::{Caller, ContactsError, Viewed};
use crate::state::AppState;
use crate::store::listing::{ContactQuery, Shelf};

/// The metadata of contact `id` if the caller may manage it: `NotFound` when they neither see
/// nor manage it, `Forbidden` when they see it but are not its owner or an admin.
async fn manageable(
    state: &AppState,
    caller: &Caller,
    id: ContactId,
) -> Result<DocMeta, ContactsError> {
    match state.store.doc_meta(caller.tenant, id).await? {
        Some(meta) if caller.may_manage(&meta) => Ok(meta),
        Some(meta) if caller.sees(&meta) => Err(ContactsError::Forbidden(
            "only the contact's owner, an admin or the company owner may do this".into(),
        )),
        _ => Err(ContactsError::NotFound(id)),
    }
}

/// Share contact `id` as `visibility` says. Every member, group and unit listed must be the
/// company's (`members[2]` names the one that is not); the owner need not be listed.
pub async fn set_visibility(
    state: &AppState,
    caller: &Caller,
    id: ContactId,
    visibility: Visibility,
) -> Result<Viewed, ContactsError> {
    let meta = manageable(state, caller, id).await?;
    check_listed(state, caller, &visibility).await?;
    let visibility = visibility
        .normalized(meta.owner)
        .map_err(|error| ContactsError::bad("members", error.to_string()))?;
    let tenant = caller.tenant;
    state.store.set_visibility(tenant, id, &visibility).await?;
    state.hub.advanced(tenant, state.store.head(tenant).await?);
    let detail = describe(&visibility);
    record_event(state, caller, id, Event::VisibilityChanged, detail).await
}

/// Hand contact `id` to `new_owner`, an active member of the company (the previous owner
/// keeps sight of it, see `sync_core::access::transfer_owner`).
pub async fn transfer_owner(
    state: &AppState,
    caller: &Caller,
    id: ContactId,
    new_owner: MemberId,
) -> Result<Viewed, ContactsError> {
    let meta = manageable(state, caller, id).await?;
    let tenant = caller.tenant;
    if meta.owner == new_owner {
        // Nothing to hand on; answered as it stands, as any manager's act is.
        return match state.store.load_contact(tenant, id).await? {
            Some(loaded) => Ok(Viewed {
                id,
                meta: loaded.meta,
                doc: loaded.doc,
            }),
            None => Err(ContactsError::NotFound(id)),
        };
    }
    state.store.transfer_owner(tenant, id, new_owner).await?;
    state.hub.advanced(tenant, state.store.head(tenant).await?);
    record_event(
        state,
        caller,
        id,
        Event::OwnerTransferred,
        new_owner.to_string(),
    )
    .await
}

/// Delete contact `id` for good: it is removed from every device (a purge feed row).
pub async fn purge(state: &AppState, caller: &Caller, id: ContactId) -> Result<(), ContactsError> {
    manageable(state, caller, id).await?;
    let tenant = caller.tenant;
    state.store.purge(tenant, id).await?;
    state.hub.advanced(tenant, state.store.head(tenant).await?);
    Ok(())
}

/// Empty the caller's trash: delete for good every contact in the trash they see and may
/// manage. Returns how many went.
pub async fn empty_trash(state: &AppState, caller: &Caller) -> Result<usize, ContactsError> {
    let tenant = caller.tenant;
    let mut query = ContactQuery {
        shelf: Shelf::Trash,
        limit: 500,
        ..ContactQuery::default()
    };
    let mut trashed = Vec::new();
    loop {
        let page = state
            .store
            .list_contacts(tenant, &caller.viewer, &query)
            .await?;
        trashed.extend(page.contacts.into_iter().map(|summary| summary.id));
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    let mut purged = 0;
    for id in trashed {
        // Read again just before: restored or handed on since the list was read, it stays.
        let Some(loaded) = state.store.load_contact(tenant, id).await? else {
            continue;
        };
        let still_trashed = loaded
            .doc
            .contact()
            .is_ok_and(|contact| contact.is_trashed());
        if still_trashed && caller.may_manage(&loaded.meta) {
            state.store.purge(tenant, id).await?;
            purged += 1;
        }
    }
    if purged > 0 {
        state.hub.advanced(tenant, state.store.head(tenant).await?);
    }
    Ok(purged)
}

/// Refuse a visibility naming a member, group or unit the company does not have, before
/// anything is stored. A list far over the limit is refused before any is looked up.
pub async fn check_listed(
    state: &AppState,
    caller: &Caller,
    visibility: &Visibility,
) -> Result<(), ContactsError> {
    let Visibility::Members {
        members,
        groups,
        units,
    } = visibility
    else {
        return Ok(());
    };
    let listed = members.len() + groups.len() + units.len();
    if listed > 2 * MAX_SHARED_MEMBERS {
        return Err(ContactsError::bad(
            "members",
            format!(
                "{listed} members, groups and units listed; at most {MAX_SHARED_MEMBERS} \
                 (share with everyone or a group instead)"
            ),
        ));
    }
    let tenant = caller.tenant;
    if !members.is_empty() {
        let known: HashSet<MemberId> = state
            .store
            .members(tenant)
            .await?
            .into_iter()
            .map(|member| member.member)
            .collect();
        unknown(members, &known, "members", "member")?;
    }
    if !groups.is_empty() {
        let known: HashSet<_> = state
            .store
            .groups(tenant)
            .await?
            .into_iter()
            .map(|group| group.id)
            .collect();
        unknown(groups, &known, "groups", "group")?;
    }
    if !units.is_empty() {
        let known: HashSet<_> = state
            .store
            .units(tenant)
            .await?
            .into_iter()
            .map(|unit| unit.id)
            .collect();
        unknown(units, &known, "units", "unit")?;
    }
    Ok(())
}

/// The first of `listed` not in `known`, as an error naming its place in the list.
fn unknown<T: std::hash::Hash + Eq + std::fmt::Display>(
    listed: &[T],
    known: &HashSet<T>,
    list: &str,
    kind: &str,
) -> Result<(), ContactsError> {
    match listed.iter().position(|item| !known.contains(item)) {
        Some(index) => Err(ContactsError::bad(
            format!("{list}[{index}]"),
            format!("{} is not a {kind} of this company", listed[index]),
        )),
        None => Ok(()),
    }
}

/// The new visibility in a few words, for the history: `all`, `private`, `2 members, 1 group`.
fn describe(visibility: &Visibility) -> String {
    let Visibility::Members {
        members,
        groups,
        units,
    } = visibility
    else {
        return "all".into();
    };
    let parts: Vec<String> = [
        (members.len(), "member"),
        (groups.len(), "group"),
        (units.len(), "unit"),
    ]
    .into_iter()
    .filter(|(count, _)| *count > 0)
    .map(|(count, kind)| {
        let plural = if count == 1 { "" } else { "s" };
        format!("{count} {kind}{plural}")
    })
    .collect();
    if parts.is_empty() {
        "private".into()
    } else {
        parts.join(", ")
    }
}
