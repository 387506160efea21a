//! What a [`Replica`](super::Replica) holds besides its database connection: the state machine
//! (loaded only when an operation needs it), the contacts' projections (loaded only when a list
//! or search needs them), and the bookkeeping that tells when another process changed the
//! file.

use std::collections::{BTreeMap, BTreeSet};

use automerge::ActorId;
use sqlx::SqliteConnection;
use sync_core::document::ContactDoc;
use sync_core::ids::{ContactId, DeviceId, MemberId};
use sync_core::replica::device::{DeviceEffect, DeviceReplica};

use crate::account::{Account, now_ms};
use crate::error::Error;
use crate::search::Listed;
use crate::store::{self, effects::AfterCommit};

/// Everything but the database connection, so a transaction borrowing the connection can
/// update it.
#[derive(Debug, Default)]
pub(super) struct State {
    /// The state machine, once an operation needed it: loading it loads every document, which
    /// a list or a search never needs (they read `listing`).
    pub device: Option<DeviceReplica>,
    /// The account as of the last load of `device`: it gives the state machine its device id
    /// and signs local edits.
    pub account: Option<Account>,
    /// Every contact's projection, once a list or search needed them, kept up to date by every
    /// write of this process.
    pub listing: Option<BTreeMap<ContactId, Listed>>,
    /// The file's `device.generation` when `device` and `listing` last matched it.
    pub seen_generation: i64,
    /// `device` may be ahead of the file (a write failed after the state machine moved):
    /// reload before the next operation.
    pub stale: bool,
    /// The driver told the state machine a connection is open.
    pub online: bool,
}

/// Who signs a local edit: the signed-in member on this device, at the wall clock. Before the
/// first sign-in there is no member, and edits are written unsigned (the history shows them
/// without an author), as before attribution existed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Signer {
    /// The member, once signed in.
    pub member: Option<MemberId>,
    /// Now, by this device's clock (ms since the Unix epoch).
    pub at_ms: i64,
}

impl State {
    /// Forgets what was loaded when another process changed the replica since it was last
    /// read (or a write of this one failed half-way); returns whether a connection's state
    /// was lost doing so.
    pub async fn refresh(&mut self, connection: &mut SqliteConnection) -> Result<bool, Error> {
        let generation = store::device::generation(connection).await?;
        if generation == self.seen_generation && !self.stale {
            return Ok(false);
        }
        self.device = None;
        self.account = None;
        self.listing = None;
        self.seen_generation = generation;
        self.stale = false;
        let lost = self.online;
        self.online = false;
        Ok(lost)
    }

    /// The state machine, loaded from the file if it is not yet, and who signs edits now.
    pub async fn loaded(
        &mut self,
        connection: &mut SqliteConnection,
    ) -> Result<(&mut DeviceReplica, Signer), Error> {
        if self.device.is_none() {
            let (device, account) = restore(connection).await?;
            self.device = Some(device);
            self.account = account;
        }
        let signer = Signer {
            member: self.account.as_ref().map(|account| account.member),
            at_ms: now_ms(),
        };
        let device = self.device.as_mut().ok_or_else(|| Error::Corrupt {
            what: "the replica could not be loaded".into(),
        })?;
        Ok((device, signer))
    }

    /// The region phone numbers are read in for search: the account's, or none before
    /// sign-in (then only numbers typed with their country code are found by national form).
    pub fn region(account: Option<&Account>) -> String {
        account
            .and_then(|account| account.default_region.clone())
            .unwrap_or_default()
    }

    /// Stores the effects of a state-machine call that has already run, inside the caller's
    /// transaction, with the projections of the contacts they touched; the caller commits and
    /// then clears `stale`.
    pub async fn store_effects(
        &mut self,
        connection: &mut SqliteConnection,
        effects: Vec<DeviceEffect>,
    ) -> Result<AfterCommit, Error> {
        // From here the state machine has moved; if the effects do not reach the file, it is
        // ahead of it and must be reloaded before it is used again.
        self.stale = true;
        // A draft is kept beside the state machine, not in it: other processes need not
        // reload for one.
        let changes_content = effects
            .iter()
            .any(|effect| !matches!(effect, DeviceEffect::Send(_) | DeviceEffect::CardDraft(_)));
        let touched: BTreeSet<ContactId> = effects
            .iter()
            .filter_map(|effect| match effect {
                DeviceEffect::SaveDoc { doc, .. }
                | DeviceEffect::DeleteDoc { doc }
                | DeviceEffect::SaveMeta { doc, .. } => Some(*doc),
                _ => None,
            })
            .collect();
        let after = store::effects::apply(connection, effects, now_ms()).await?;
        for doc in touched {
            self.project(connection, doc).await?;
        }
        if changes_content {
            self.seen_generation = store::device::bump_generation(connection).await?;
        }
        Ok(after)
    }

    /// Writes (or removes) one contact's projection from the state machine as it is now.
    async fn project(
        &mut self,
        connection: &mut SqliteConnection,
        doc: ContactId,
    ) -> Result<(), Error> {
        let region = Self::region(self.account.as_ref());
        let listed = match &self.device {
            Some(device) => listing_of(device, doc, &region),
            None => None,
        };
        match listed {
            Some(listed) => {
                store::projections::save(connection, &listed).await?;
                if let Some(listing) = &mut self.listing {
                    listing.insert(doc, listed);
                }
            }
            None => {
                store::projections::delete(connection, doc).await?;
                if let Some(listing) = &mut self.listing {
                    listing.remove(&doc);
                }
            }
        }
        Ok(())
    }

    /// Makes every projection again under `region` and today's index rules (a first search
    /// after an upgrade, or after signing in to a company of another country).
    pub async fn rebuild_listing(
        &mut self,
        connection: &mut SqliteConnection,
    ) -> Result<(), Error> {
        self.loaded(connection).await?;
        let region = Self::region(self.account.as_ref());
        store::projections::clear(connection).await?;
        let mut listing = BTreeMap::new();
        if let Some(device) = &self.device {
            for doc in device.contact_ids() {
                if let Some(entry) = listing_of(device, doc, &region) {
                    store::projections::save(connection, &entry).await?;
                    listing.insert(doc, entry);
                }
            }
        }
        store::projections::save_rules(
            connection,
            i64::from(sync_core::search::INDEX_VERSION),
            &region,
        )
        .await?;
        self.listing = Some(listing);
        Ok(())
    }
}

/// The projection of one contact as the state machine holds it; `None` when it is not on the
/// device (or its document cannot be read, which is logged: one bad document must not stop
/// the others from being listed or synced).
fn listing_of(device: &DeviceReplica, doc: ContactId, region: &str) -> Option<Listed> {
    let document = device.doc(doc)?;
    let contact = match document.contact() {
        Ok(contact) => contact,
        Err(error) => {
            tracing::warn!(%doc, %error, "a contact's document cannot be read; it is not listed");
            return None;
        }
    };
    let owner = device.meta(doc).map(|meta| meta.owner);
    let changed_ms = changed_ms(document).unwrap_or_else(now_ms);
    Some(Listed::of(doc, &contact, owner, changed_ms, region))
}

/// When the contact last changed: the newest time among its document's heads, by the clocks
/// of the devices (or server) that wrote them. `None` when no head carries a time (changes
/// written before edits were signed).
pub(crate) fn changed_ms(doc: &ContactDoc) -> Option<i64> {
    let automerge = doc.automerge();
    doc.heads()
        .iter()
        // The metadata only: the change's operations are not decoded.
        .filter_map(|head| automerge.get_change_meta_by_hash(head))
        .filter_map(|meta| time_ms(meta.timestamp))
        .max()
}

/// A change's time in milliseconds: Rolo writes milliseconds, Automerge's own default is
/// seconds and 0 means none (the rule of `sync_core::history`).
fn time_ms(time: i64) -> Option<i64> {
    const SECONDS_BELOW: i64 = 100_000_000_000;
    match time {
        ..=0 => None,
        seconds if seconds < SECONDS_BELOW => Some(seconds * 1000),
        millis => Some(millis),
    }
}

/// Rebuilds the state machine from the file.
pub(super) async fn restore(
    connection: &mut SqliteConnection,
) -> Result<(DeviceReplica, Option<Account>), Error> {
    let loaded = store::load(connection).await?;
    let actor = ActorId::from(loaded.actor);
    // Before the first sign-in the device has no id; it is only ever sent in `hello`, which
    // needs an account anyway, and edits made then are not signed.
    let device_id = loaded
        .account
        .as_ref()
        .map_or(DeviceId::from_u128(0), |account| account.device);
    let device = DeviceReplica::restore(device_id, actor, loaded.stored)?;
    Ok((device, loaded.account))
}
