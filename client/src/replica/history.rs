//! A contact's history read from the document on the device (offline, the same revisions the
//! server's REST API lists), reverting to a revision, and the company's members as last
//! fetched, to show who made each revision.

use automerge::ChangeHash;
use sync_core::history::{self, Attribution, HistoryOptions, HistoryPage};
use sync_core::ids::{ContactId, DeviceId};

use super::{Replica, signed_edit};
use crate::api::team::Member;
use crate::error::Error;
use crate::store;

impl Replica {
    /// A contact's revisions, newest first (see [`sync_core::history::revisions`]): who made
    /// each (member and device), when, the event, and each field it changed with the value
    /// before and after. `options` pages them (`since_ms`, `limit`, `after` a revision); the
    /// contact's first revision is always listed. Read from the document on this device, so
    /// it works offline and shows edits not yet pushed.
    pub async fn history(
        &mut self,
        id: ContactId,
        options: &HistoryOptions,
    ) -> Result<HistoryPage, Error> {
        let device = self.loaded().await?;
        let doc = device.doc(id).ok_or(Error::UnknownContact(id))?;
        Ok(history::revisions(doc, options)?)
    }

    /// The revision of a contact whose hash is `text` or starts with it (at least four hex
    /// digits, as `rolo history` shows eight).
    pub async fn resolve_revision(
        &mut self,
        id: ContactId,
        text: &str,
    ) -> Result<ChangeHash, Error> {
        let prefix = text.trim().to_ascii_lowercase();
        let device = self.loaded().await?;
        let doc = device.doc(id).ok_or(Error::UnknownContact(id))?;
        let no_match = || Error::NoRevisionMatch {
            contact: id,
            prefix: text.to_string(),
        };
        if prefix.len() < 4 || !prefix.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(no_match());
        }
        let matches: Vec<ChangeHash> = doc
            .automerge()
            .get_changes(&[])
            .iter()
            .map(|change| change.hash())
            .filter(|hash| hash.to_string().starts_with(&prefix))
            .collect();
        match matches.as_slice() {
            [hash] => Ok(*hash),
            [] => Err(no_match()),
            _ => Err(Error::AmbiguousRevision {
                prefix: text.to_string(),
                count: matches.len(),
            }),
        }
    }

    /// Sets one field (`field`, a path as the history shows it: `name.given`, `phones[k3j9]`,
    /// `tags.vip`, …) or the whole contact (`None`; its lifecycle and activity log keep their
    /// present values) back to what it was right after `revision`. The result is an ordinary
    /// new signed edit: it works offline, is pushed at the next sync, and shows in the history
    /// itself, which is never rewritten. Returns whether anything changed.
    pub async fn revert(
        &mut self,
        id: ContactId,
        revision: ChangeHash,
        field: Option<&str>,
    ) -> Result<bool, Error> {
        let (_, changed) = self
            .write(|device, signer| {
                // Restored on a copy, whose change is never stored or sent: what it yields is
                // the contact as it should read, written below as this device's own edit.
                let mut copy = device.doc(id).ok_or(Error::UnknownContact(id))?.clone();
                let by = Attribution::app(
                    signer
                        .member
                        .unwrap_or(sync_core::ids::MemberId::from_u128(0)),
                    DeviceId::from_u128(0),
                );
                let restored = match field {
                    Some(path) => copy.restore_field_by(&revision, path, &by, signer.at_ms)?,
                    None => copy.restore_by(&revision, &by, signer.at_ms)?,
                };
                if restored.is_none() {
                    return Ok((Vec::new(), false));
                }
                let contact = copy.contact()?;
                let effects = signed_edit(device, signer, id, move |now| *now = contact)?;
                let changed = !effects.is_empty();
                Ok((effects, changed))
            })
            .await?;
        Ok(changed)
    }

    /// The company's members as the server last listed them (at the last sync), to show
    /// names for the ids in a contact's history; empty before the first sync.
    pub async fn members(&mut self) -> Result<Vec<Member>, Error> {
        store::members::load(&mut self.connection).await
    }

    /// Replaces the stored list of members with the server's.
    pub(crate) async fn save_members(&mut self, members: &[Member]) -> Result<(), Error> {
        let mut tx = store::begin_write(&mut self.connection).await?;
        store::members::replace(&mut tx, members).await?;
        tx.commit().await?;
        Ok(())
    }
}
