//! [`Replica`]: the device's contacts, outbox and cursor, kept in a SQLite file.

use std::path::{Path, PathBuf};

use sqlx::{Connection, SqliteConnection};
use sync_core::contact::Contact;
use sync_core::ids::{ContactId, DeviceId, ItemId, MemberId};
use sync_core::replica::device::{DeviceEffect, DeviceReplica};
use sync_core::wire::DocMeta;

use crate::account::{Account, Tokens, now_ms};
use crate::error::Error;
use crate::store::{self, rejections::StoredRejection};

mod cards;
mod driver;
mod event;
mod history;
mod lifecycle;
mod listing;
mod state;

pub(crate) use self::driver::Step;
pub use self::event::Event;
use self::state::{Signer, State};

/// Where the replica stands, for `rolo status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The `to` of the last feed page applied.
    pub cursor: u64,
    /// Local changes not yet acknowledged by the server.
    pub pending: usize,
    /// When the device was last caught up with the server (ms since the Unix epoch, UTC).
    pub last_sync_ms: Option<i64>,
    /// The server this replica syncs with, once signed in.
    pub server: Option<String>,
    /// The member signed in, once signed in.
    pub member: Option<MemberId>,
    /// This device's id at the server, once signed in.
    pub device: Option<DeviceId>,
    /// Contacts on the device, trashed ones included.
    pub contacts: usize,
    /// Refusals of this device's changes, oldest first.
    pub rejections: Vec<StoredRejection>,
}

/// A durable offline replica: every local edit is committed to the SQLite file before the call
/// returns, with no network, and waits in the outbox until a sync pushes it. Edits are signed
/// with the signed-in member and this device (their history shows who made them, where and
/// when); edits made before the first sign-in are not signed.
#[derive(Debug)]
pub struct Replica {
    path: PathBuf,
    connection: SqliteConnection,
    state: State,
}

impl Replica {
    /// Opens the replica stored at `path`, creating an empty one (with a new actor id) if the
    /// file does not exist. On Unix a new file is readable by its owner only: it holds tokens.
    /// Nothing is loaded yet: contacts' documents are read when an operation needs them.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref().to_path_buf();
        create_private(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let mut connection = store::open(&path).await?;
        let mut tx = store::begin_write(&mut connection).await?;
        // Draws the actor id of a new file, so two processes opening it agree on it.
        store::device::ensure(&mut tx).await?;
        // A replica with no contact has every projection it needs: it is made under today's
        // rules, and every write keeps it so. (One holding contacts from before projections
        // existed makes them at its first list or search.)
        if store::projections::rules(&mut tx).await?.is_none() && !store::docs::any(&mut tx).await?
        {
            let account = store::account::load(&mut tx).await?;
            store::projections::save_rules(
                &mut tx,
                i64::from(sync_core::search::INDEX_VERSION),
                &State::region(account.as_ref()),
            )
            .await?;
        }
        let seen_generation = store::device::generation(&mut tx).await?;
        tx.commit().await?;
        Ok(Self {
            path,
            connection,
            state: State {
                seen_generation,
                ..State::default()
            },
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes the database cleanly. Dropping a replica without closing it is safe too: every
    /// operation has committed by the time it returns.
    pub async fn close(self) -> Result<(), Error> {
        Ok(self.connection.close().await?)
    }

    /// Creates a contact with a new random id, visible to everyone in the company. The
    /// contact must pass every field rule.
    pub async fn create(&mut self, contact: &Contact) -> Result<ContactId, Error> {
        self.create_visible_to(contact, None).await
    }

    /// Creates a contact that only `visibility` may see (`None`: everyone); the visibility
    /// is pushed with the contact, so no one else ever receives it.
    pub async fn create_visible_to(
        &mut self,
        contact: &Contact,
        visibility: Option<sync_core::wire::Visibility>,
    ) -> Result<ContactId, Error> {
        let id = random_contact_id();
        self.write(|device, signer| {
            let effects = match signer.member {
                Some(member) => device.create_by(id, member, signer.at_ms, contact, visibility)?,
                None => device.create_visible_to(id, contact, visibility)?,
            };
            Ok((effects, ()))
        })
        .await?;
        Ok(id)
    }

    /// Edits a contact. Returns whether anything changed; an edit that breaks a field rule the
    /// contact did not already break is refused and nothing is stored.
    pub async fn edit(
        &mut self,
        id: ContactId,
        edit: impl FnOnce(&mut Contact),
    ) -> Result<bool, Error> {
        let (_, changed) = self
            .write(|device, signer| {
                let effects = signed_edit(device, signer, id, edit)?;
                // An edit that changes nothing produces no effects.
                let changed = !effects.is_empty();
                Ok((effects, changed))
            })
            .await?;
        Ok(changed)
    }

    /// Moves a contact to the trash: it leaves [`Replica::contacts`] and the default list on
    /// every device but stays restorable until the server purges it.
    pub async fn trash(&mut self, id: ContactId) -> Result<(), Error> {
        let now = now_ms();
        self.edit(id, |contact| {
            if contact.lifecycle.trashed_at_ms.is_none() {
                contact.lifecycle.trashed_at_ms = Some(now);
            }
        })
        .await?;
        Ok(())
    }

    /// Takes a contact back out of the trash.
    pub async fn restore(&mut self, id: ContactId) -> Result<(), Error> {
        self.edit(id, |contact| contact.lifecycle.trashed_at_ms = None)
            .await?;
        Ok(())
    }

    /// The contacts not in the trash, sorted by display name (then id, so the order is
    /// stable). This loads and reads every contact: lists and searches of many contacts use
    /// [`Replica::search`], which reads their projections only.
    pub async fn contacts(&mut self) -> Result<Vec<(ContactId, Contact)>, Error> {
        let device = self.loaded().await?;
        let mut contacts = Vec::new();
        for id in device.contact_ids() {
            if let Some(contact) = device.contact(id) {
                let contact = contact?;
                if !contact.is_trashed() {
                    contacts.push((contact.display_name().to_lowercase(), id, contact));
                }
            }
        }
        contacts.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        Ok(contacts
            .into_iter()
            .map(|(_, id, contact)| (id, contact))
            .collect())
    }

    /// One contact, trashed or not; `None` if it is not on this device.
    pub async fn contact(&mut self, id: ContactId) -> Result<Option<Contact>, Error> {
        Ok(self.loaded().await?.contact(id).transpose()?)
    }

    /// A contact's owner and who may see it, as the server last said; `None` for a contact
    /// not on this device or not yet synced.
    pub async fn meta(&mut self, id: ContactId) -> Result<Option<DocMeta>, Error> {
        Ok(self.loaded().await?.meta(id).cloned())
    }

    /// The contact whose id is `text` or starts with it (as `git` resolves short hashes).
    pub async fn resolve(&mut self, text: &str) -> Result<ContactId, Error> {
        let prefix = text.trim().to_ascii_lowercase();
        if let Ok(id) = prefix.parse::<ContactId>() {
            return Ok(id);
        }
        let matches: Vec<ContactId> = self
            .listing()
            .await?
            .keys()
            .filter(|id| !prefix.is_empty() && id.to_string().starts_with(&prefix))
            .copied()
            .collect();
        match matches.as_slice() {
            [id] => Ok(*id),
            [] => Err(Error::NoMatch {
                prefix: text.to_string(),
            }),
            _ => Err(Error::AmbiguousId {
                prefix: text.to_string(),
                count: matches.len(),
            }),
        }
    }

    /// Where the replica stands.
    pub async fn status(&mut self) -> Result<Status, Error> {
        let (cursor, pending, contacts) = {
            let device = self.loaded().await?;
            (
                device.cursor(),
                device.pending(),
                device.contact_ids().count(),
            )
        };
        let last_sync_ms = store::device::last_sync(&mut self.connection).await?;
        let rejections = store::rejections::list(&mut self.connection).await?;
        let account = store::account::load(&mut self.connection).await?;
        let account = account.as_ref();
        Ok(Status {
            cursor,
            pending,
            last_sync_ms,
            server: account.map(|a| a.server.clone()),
            member: account.map(|a| a.member),
            device: account.map(|a| a.device),
            contacts,
            rejections,
        })
    }

    /// The signed-in account, if any, as stored now (tokens rotate under a live sync).
    pub async fn account(&mut self) -> Result<Option<Account>, Error> {
        store::account::load(&mut self.connection).await
    }

    /// Stores the account a login or sign-up returned. Contacts made before signing in are
    /// kept and pushed at the first sync. Signing in as another member than the replica's is
    /// refused: it would hand one person's contacts to another.
    pub async fn sign_in(&mut self, account: Account) -> Result<(), Error> {
        let mut tx = store::begin_write(&mut self.connection).await?;
        if let Some(existing) = store::account::load(&mut tx).await?
            && (existing.tenant, existing.member) != (account.tenant, account.member)
        {
            return Err(Error::AccountMismatch {
                existing: existing.member.to_string(),
                new: account.member.to_string(),
            });
        }
        store::account::save(&mut tx, &account).await?;
        let generation = store::device::bump_generation(&mut tx).await?;
        // The device id is part of the state machine (it goes in every `hello` and signs every
        // edit) and the region part of every projection: both are loaded again, under the new
        // account.
        self.state = State {
            seen_generation: generation,
            stale: true,
            ..State::default()
        };
        // A new region: the projections are made again now, while the device holds the few
        // contacts made before signing in, rather than at the first search after a full sync.
        let wanted = (
            i64::from(sync_core::search::INDEX_VERSION),
            State::region(Some(&account)),
        );
        if store::projections::rules(&mut tx).await?.as_ref() != Some(&wanted) {
            self.state.rebuild_listing(&mut tx).await?;
        }
        tx.commit().await?;
        self.state.stale = false;
        Ok(())
    }

    /// Stores tokens the server just rotated, releasing the refresh lease.
    pub(crate) async fn save_tokens(&mut self, tokens: &Tokens) -> Result<(), Error> {
        store::account::save_tokens(&mut self.connection, tokens).await
    }

    /// Runs one state-machine call and stores its effects in one transaction, in order. The
    /// call gets who signs its edits.
    async fn write<T>(
        &mut self,
        call: impl FnOnce(&mut DeviceReplica, Signer) -> Result<(Vec<DeviceEffect>, T), Error>,
    ) -> Result<(Step, T), Error> {
        let mut tx = store::begin_write(&mut self.connection).await?;
        let reconnect = self.state.refresh(&mut tx).await?;
        let (device, signer) = self.state.loaded(&mut tx).await?;
        let (effects, value) = call(device, signer)?;
        let after = self.state.store_effects(&mut tx, effects).await?;
        tx.commit().await?;
        self.state.stale = false;
        Ok((
            Step {
                send: after.send,
                events: after.events,
                reconnect,
                push_retry_after: after.push_retry_after,
            },
            value,
        ))
    }

    /// The state machine, reloaded if another process changed the replica since it was last
    /// read.
    async fn loaded(&mut self) -> Result<&DeviceReplica, Error> {
        let mut tx = self.connection.begin().await?;
        self.state.refresh(&mut tx).await?;
        self.state.loaded(&mut tx).await?;
        tx.commit().await?;
        self.state.device.as_ref().ok_or_else(|| Error::Corrupt {
            what: "the replica could not be loaded".into(),
        })
    }
}

/// Edits a contact in the state machine, signed when there is a member to sign with.
pub(crate) fn signed_edit(
    device: &mut DeviceReplica,
    signer: Signer,
    id: ContactId,
    edit: impl FnOnce(&mut Contact),
) -> Result<Vec<DeviceEffect>, Error> {
    Ok(match signer.member {
        Some(member) => device.edit_by(id, member, signer.at_ms, edit)?,
        None => device.edit(id, edit)?,
    })
}

/// A new contact id: a random (version 4) UUID.
fn random_contact_id() -> ContactId {
    let uuid = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
    ContactId::from_bytes(uuid.into_bytes())
}

/// A new list item id.
pub(crate) fn random_item_id() -> ItemId {
    ItemId::from_random(rand::random())
}

/// Creates the database file readable by its owner only, if it does not exist yet; SQLite
/// gives its WAL files the same permissions.
fn create_private(path: &Path) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        // Another process created it first: theirs is as good.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}
