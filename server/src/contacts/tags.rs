//! Tags: added and removed on one contact by whoever sees it, renamed or deleted across the
//! company by its admins. A company-wide change is one ordinary edit per contact carrying the
//! tag, so every device gets it through sync and each contact's history shows it.

use sync_core::contact::Contact;
use sync_core::ids::ContactId;
use sync_core::validate::validate;

use super::write::{Allowed, change, edit};
use super::{Caller, ContactsError, Viewed};
use crate::state::AppState;

/// Add `add` and remove `remove` from contact `id`'s tags, as one edit. A tag both added and
/// removed ends removed.
pub async fn retag(
    state: &AppState,
    caller: &Caller,
    id: ContactId,
    add: Vec<String>,
    remove: Vec<String>,
) -> Result<Viewed, ContactsError> {
    edit(state, caller, id, move |contact| {
        for tag in add {
            contact.tags.insert(tag, true);
        }
        for tag in remove {
            contact.tags.remove(&tag);
        }
    })
    .await
}

/// Rename tag `from` to `to` on every contact of the company carrying it (admins and the
/// company owner only). Returns how many contacts changed.
pub async fn rename_tag(
    state: &AppState,
    caller: &Caller,
    from: &str,
    to: &str,
) -> Result<usize, ContactsError> {
    require_admin(caller)?;
    check_tag(to)?;
    retag_everywhere(state, caller, from, Some(to.to_string())).await
}

/// Remove tag `tag` from every contact of the company (admins and the company owner only).
/// Returns how many contacts changed.
pub async fn delete_tag(
    state: &AppState,
    caller: &Caller,
    tag: &str,
) -> Result<usize, ContactsError> {
    require_admin(caller)?;
    retag_everywhere(state, caller, tag, None).await
}

async fn retag_everywhere(
    state: &AppState,
    caller: &Caller,
    from: &str,
    to: Option<String>,
) -> Result<usize, ContactsError> {
    let tagged = state.store.contacts_tagged(caller.tenant, from).await?;
    let mut changed = 0;
    for id in tagged {
        let (from, to) = (from.to_string(), to.clone());
        let outcome = change(
            state,
            caller,
            id,
            Allowed::Authorised,
            move |doc, by, at_ms| {
                Ok(doc.edit_by(by, at_ms, move |contact| {
                    if contact.tags.remove(&from).is_some()
                        && let Some(to) = to
                    {
                        contact.tags.insert(to, true);
                    }
                })?)
            },
        )
        .await;
        match outcome {
            Ok(_) => changed += 1,
            // Deleted for good since the list was read: nothing left to retag.
            Err(ContactsError::NotFound(_)) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(changed)
}

fn require_admin(caller: &Caller) -> Result<(), ContactsError> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(ContactsError::Forbidden(
            "only admins and the company owner change a tag across the company".into(),
        ))
    }
}

/// Refuse a new tag name the field rules refuse, before any contact is edited.
fn check_tag(tag: &str) -> Result<(), ContactsError> {
    let mut probe = Contact::default();
    probe.name.given = "probe".into();
    probe.tags.insert(tag.to_string(), true);
    validate(&probe).map_err(|mut errors| {
        for error in &mut errors.0 {
            *error = error.clone().with_field("name");
        }
        ContactsError::Invalid(errors)
    })
}
