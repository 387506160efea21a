//! Edits with a name of their own: archiving, the activity log and tags. Each is an ordinary
//! signed local edit: it works offline and is pushed at the next sync.

use sync_core::contact::{Activity, ActivityKind};
use sync_core::ids::ContactId;

use super::{Replica, random_item_id, signed_edit};
use crate::error::Error;

impl Replica {
    /// Archives a contact: it leaves the default list on every device and stays findable
    /// with [`Shelf::Archived`](crate::search::Shelf::Archived) or `All`. Returns whether it
    /// was not archived already.
    pub async fn archive(&mut self, id: ContactId) -> Result<bool, Error> {
        self.edit(id, |contact| contact.lifecycle.archived = true)
            .await
    }

    /// Takes a contact out of the archive. Returns whether it was archived.
    pub async fn unarchive(&mut self, id: ContactId) -> Result<bool, Error> {
        self.edit(id, |contact| contact.lifecycle.archived = false)
            .await
    }

    /// Appends a call, visit, meeting or note to a contact's activity log, by the signed-in
    /// member (`by` is empty before the first sign-in), at `at_ms` (ms since the Unix epoch;
    /// `None`: now). Entries are only ever appended, so entries logged on two devices offline
    /// both survive. Returns the new entry.
    pub async fn log_activity(
        &mut self,
        id: ContactId,
        kind: ActivityKind,
        text: &str,
        at_ms: Option<i64>,
    ) -> Result<Activity, Error> {
        let (_, entry) = self
            .write(|device, signer| {
                let entry = Activity {
                    id: random_item_id(),
                    kind,
                    at_ms: at_ms.unwrap_or(signer.at_ms),
                    by: signer
                        .member
                        .map(|member| member.to_string())
                        .unwrap_or_default(),
                    text: text.to_string(),
                };
                let appended = entry.clone();
                let effects = signed_edit(device, signer, id, move |contact| {
                    contact.activity.push(appended);
                })?;
                Ok((effects, entry))
            })
            .await?;
        Ok(entry)
    }

    /// Adds tags to a contact (surrounding spaces trimmed). Returns whether any was new.
    pub async fn add_tags(&mut self, id: ContactId, tags: &[String]) -> Result<bool, Error> {
        self.edit(id, |contact| {
            for tag in tags {
                contact.tags.insert(tag.trim().to_string(), true);
            }
        })
        .await
    }

    /// Removes tags from a contact. Returns whether it carried any of them.
    pub async fn remove_tags(&mut self, id: ContactId, tags: &[String]) -> Result<bool, Error> {
        self.edit(id, |contact| {
            for tag in tags {
                contact.tags.remove(tag.trim());
            }
        })
        .await
    }
}
