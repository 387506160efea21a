//! Listing and searching the replica from the contacts' projections ([`crate::search`]).

use std::collections::BTreeMap;

use sqlx::Connection;
use sync_core::ids::ContactId;

use super::Replica;
use super::state::State;
use crate::error::Error;
use crate::search::{self, ContactFilter, ContactSummary, Listed};
use crate::store;

impl Replica {
    /// The contacts on this device that meet `filter`, in its order, found with sync-core's
    /// search rules (the server's): every word of `filter.text` must start a name part, the
    /// phonetic reading, an email, a company, a department, a tag or the digits of a phone
    /// number (in any format; a national number is read in the account's region), ignoring
    /// case, accents and the width and script of kana. Works offline; reads only the
    /// contacts' projections, never their documents.
    pub async fn search(&mut self, filter: &ContactFilter) -> Result<Vec<ContactSummary>, Error> {
        let region = self.search_region().await?;
        let listing = self.listing().await?;
        Ok(search::select(listing.values(), filter, &region))
    }

    /// The tags on the contacts on this device that are not in the trash, with how many carry
    /// each, by tag: what `GET /v1/tags` answers, offline.
    pub async fn tag_counts(&mut self) -> Result<Vec<(String, usize)>, Error> {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for listed in self.listing().await?.values() {
            if listed.summary.trashed_at_ms.is_none() {
                for tag in &listed.summary.tags {
                    *counts.entry(tag.clone()).or_default() += 1;
                }
            }
        }
        Ok(counts.into_iter().collect())
    }

    /// The region national phone numbers in search text are read in: the account's.
    async fn search_region(&mut self) -> Result<String, Error> {
        let account = store::account::load(&mut self.connection).await?;
        Ok(State::region(account.as_ref()))
    }

    /// Every contact's projection, read from the file if this process has not yet (or another
    /// process changed the replica since), and made again first if the stored ones were made
    /// under other rules (an older index version, another region).
    pub(super) async fn listing(&mut self) -> Result<&BTreeMap<ContactId, Listed>, Error> {
        let mut tx = self.connection.begin().await?;
        self.state.refresh(&mut tx).await?;
        if self.state.listing.is_none() {
            let account = store::account::load(&mut tx).await?;
            let wanted = (
                i64::from(sync_core::search::INDEX_VERSION),
                State::region(account.as_ref()),
            );
            if store::projections::rules(&mut tx).await?.as_ref() == Some(&wanted) {
                let rows = store::projections::load(&mut tx).await?;
                let listing = rows
                    .into_iter()
                    .map(|listed| (listed.summary.id, listed))
                    .collect();
                self.state.listing = Some(listing);
            } else {
                // Made again under the write lock, so no other process writes a projection
                // under the old rules meanwhile.
                tx.commit().await?;
                let mut tx = store::begin_write(&mut self.connection).await?;
                self.state.refresh(&mut tx).await?;
                self.state.rebuild_listing(&mut tx).await?;
                tx.commit().await?;
                return self.listing_loaded();
            }
        }
        tx.commit().await?;
        self.listing_loaded()
    }

    fn listing_loaded(&self) -> Result<&BTreeMap<ContactId, Listed>, Error> {
        self.state.listing.as_ref().ok_or_else(|| Error::Corrupt {
            what: "the contact list could not be loaded".into(),
        })
    }
}
