//! [`Replica`]: the device's contacts, outbox and cursor, kept in a SQLite file.

use std::path::{Path, PathBuf};

use automerge::ActorId;
use sqlx::{Connection, SqliteConnection};
use sync_core::contact::Contact;
use sync_core::ids::{ContactId, DeviceId, ItemId, MemberId};
use sync_core::replica::device::{DeviceEffect, DeviceReplica};

use crate::account::{Account, Tokens, now_ms};
use crate::error::Error;
use crate::store::effects::AfterCommit;
use crate::store::{self, rejections::StoredRejection};

mod cards;
mod driver;
mod event;

pub(crate) use self::driver::Step;
pub use self::event::Event;

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
/// returns, with no network, and waits in the outbox until a sync pushes it.
#[derive(Debug)]
pub struct Replica {
    path: PathBuf,
    connection: SqliteConnection,
    state: State,
}

/// Everything but the database connection, so a transaction borrowing the connection can
/// update it.
#[derive(Debug)]
struct State {
    device: DeviceReplica,
    /// The account as of the last reload: it gives the state machine its device id.
    account: Option<Account>,
    /// The file's `device.generation` when `device` last matched it.
    seen_generation: i64,
    /// `device` may be ahead of the file (a write failed after the state machine moved):
    /// reload before the next operation.
    stale: bool,
    /// The driver told the state machine a connection is open.
    online: bool,
}

impl Replica {
    /// Opens the replica stored at `path`, creating an empty one (with a new actor id) if the
    /// file does not exist. On Unix a new file is readable by its owner only: it holds tokens.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref().to_path_buf();
        create_private(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let mut connection = store::open(&path).await?;
        let mut tx = store::begin_write(&mut connection).await?;
        let (device, account) = restore(&mut tx).await?;
        let seen_generation = store::device::generation(&mut tx).await?;
        tx.commit().await?;
        Ok(Self {
            path,
            connection,
            state: State {
                device,
                account,
                seen_generation,
                stale: false,
                online: false,
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
        self.write(|device| Ok((device.create_visible_to(id, contact, visibility)?, ())))
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
            .write(|device| {
                let effects = device.edit(id, edit)?;
                // An edit that changes nothing produces no effects.
                let changed = !effects.is_empty();
                Ok((effects, changed))
            })
            .await?;
        Ok(changed)
    }

    /// Moves a contact to the trash: it leaves [`Replica::contacts`] on every device but stays
    /// restorable until the server purges it.
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
    /// stable).
    pub async fn contacts(&mut self) -> Result<Vec<(ContactId, Contact)>, Error> {
        self.refresh().await?;
        let device = &self.state.device;
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
        self.refresh().await?;
        Ok(self.state.device.contact(id).transpose()?)
    }

    /// The contact whose id is `text` or starts with it (as `git` resolves short hashes).
    pub async fn resolve(&mut self, text: &str) -> Result<ContactId, Error> {
        self.refresh().await?;
        let prefix = text.trim().to_ascii_lowercase();
        if let Ok(id) = prefix.parse::<ContactId>() {
            return Ok(id);
        }
        let matches: Vec<ContactId> = self
            .state
            .device
            .contact_ids()
            .filter(|id| !prefix.is_empty() && id.to_string().starts_with(&prefix))
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
        self.refresh().await?;
        let last_sync_ms = store::device::last_sync(&mut self.connection).await?;
        let rejections = store::rejections::list(&mut self.connection).await?;
        let account = store::account::load(&mut self.connection).await?;
        let account = account.as_ref();
        Ok(Status {
            cursor: self.state.device.cursor(),
            pending: self.state.device.pending(),
            last_sync_ms,
            server: account.map(|a| a.server.clone()),
            member: account.map(|a| a.member),
            device: account.map(|a| a.device),
            contacts: self.state.device.contact_ids().count(),
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
        // The device id is part of the state machine (it goes in every `hello`), so it is
        // rebuilt from what is stored, now under the new id.
        let (device, stored_account) = restore(&mut tx).await?;
        tx.commit().await?;
        self.state.device = device;
        self.state.account = stored_account;
        self.state.seen_generation = generation;
        self.state.online = false;
        self.state.stale = false;
        Ok(())
    }

    /// Stores tokens the server just rotated, releasing the refresh lease.
    pub(crate) async fn save_tokens(&mut self, tokens: &Tokens) -> Result<(), Error> {
        store::account::save_tokens(&mut self.connection, tokens).await
    }

    /// Runs one state-machine call and stores its effects in one transaction, in order.
    async fn write<T>(
        &mut self,
        call: impl FnOnce(&mut DeviceReplica) -> Result<(Vec<DeviceEffect>, T), Error>,
    ) -> Result<(Step, T), Error> {
        let mut tx = store::begin_write(&mut self.connection).await?;
        let reconnect = self.state.refresh(&mut tx).await?;
        let (effects, value) = call(&mut self.state.device)?;
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

    /// Reloads the replica if another process changed it since it was last read.
    async fn refresh(&mut self) -> Result<(), Error> {
        let mut tx = self.connection.begin().await?;
        self.state.refresh(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

impl State {
    /// Stores the effects of a state-machine call that has already run, inside the caller's
    /// transaction; the caller commits and then clears `stale`.
    async fn store_effects(
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
        let after = store::effects::apply(connection, effects, now_ms()).await?;
        if changes_content {
            self.seen_generation = store::device::bump_generation(connection).await?;
        }
        Ok(after)
    }

    /// Reloads from the file when another process changed the replica; returns whether a
    /// connection's state was lost doing so.
    async fn refresh(&mut self, connection: &mut SqliteConnection) -> Result<bool, Error> {
        let generation = store::device::generation(connection).await?;
        if generation == self.seen_generation && !self.stale {
            return Ok(false);
        }
        let (device, account) = restore(connection).await?;
        self.device = device;
        self.account = account;
        self.seen_generation = generation;
        self.stale = false;
        let lost = self.online;
        self.online = false;
        Ok(lost)
    }
}

/// Rebuilds the state machine from the file.
async fn restore(
    connection: &mut SqliteConnection,
) -> Result<(DeviceReplica, Option<Account>), Error> {
    let loaded = store::load(connection).await?;
    let actor = ActorId::from(loaded.actor);
    // Before the first sign-in the device has no id; it is only ever sent in `hello`, which
    // needs an account anyway.
    let device_id = loaded
        .account
        .as_ref()
        .map_or(DeviceId::from_u128(0), |account| account.device);
    let device = DeviceReplica::restore(device_id, actor, loaded.stored)?;
    Ok((device, loaded.account))
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
