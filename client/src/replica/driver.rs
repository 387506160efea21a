//! The calls the sync driver makes on a [`Replica`]: protocol events in, frames out, each
//! call's effects committed before its frames are sent; and the token bookkeeping.

use sync_core::wire::Frame;

use super::{Event, Replica};
use crate::account::{Tokens, now_ms};
use crate::error::Error;
use crate::store;

/// The outcome of one protocol step, once its effects are committed.
#[derive(Debug, Default)]
pub(crate) struct Step {
    /// Frames to send, in order.
    pub send: Vec<Frame>,
    /// Things to tell the user.
    pub events: Vec<Event>,
    /// Another process changed the replica and it was reloaded, which forgets the state of
    /// the connection (push in flight, repairs): the driver must reconnect.
    pub reconnect: bool,
    /// The server could not commit the push: call [`Replica::resume_pushing`] after this
    /// long (the session adds jitter).
    pub push_retry_after: Option<std::time::Duration>,
}

impl Replica {
    /// Takes the right to refresh the tokens for a while (see `store::account`); `None` when
    /// another process is refreshing them.
    pub(crate) async fn take_refresh_lease(
        &mut self,
        lease: std::time::Duration,
    ) -> Result<Option<Tokens>, Error> {
        let now = now_ms();
        let until = now.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        let mut tx = store::begin_write(&mut self.connection).await?;
        let tokens = store::account::take_refresh_lease(&mut tx, now, until).await?;
        tx.commit().await?;
        Ok(tokens)
    }

    /// Gives the refresh lease back after a failed refresh.
    pub(crate) async fn release_refresh_lease(&mut self) -> Result<(), Error> {
        store::account::release_refresh_lease(&mut self.connection).await
    }

    /// Records that the device is caught up with the server now.
    pub(crate) async fn mark_synced(&mut self) -> Result<(), Error> {
        store::device::save_last_sync(&mut self.connection, now_ms()).await
    }

    /// A connection opened: returns the `hello`.
    pub(crate) async fn connected(&mut self) -> Result<Step, Error> {
        let step = self
            .write(|device, _| Ok((device.connected(), ())))
            .await?
            .0;
        // After `write`, so a reload it did cannot forget this connection.
        self.state.online = true;
        Ok(Step {
            reconnect: false,
            ..step
        })
    }

    /// The connection closed.
    pub(crate) fn disconnected(&mut self) {
        self.state.online = false;
        if let Some(device) = &mut self.state.device {
            device.disconnected();
        }
    }

    /// A frame arrived from the server.
    pub(crate) async fn receive(&mut self, frame: Frame) -> Result<Step, Error> {
        Ok(self
            .write(|device, _| Ok((device.receive(frame), ())))
            .await?
            .0)
    }

    /// A tick of the retry clock passed.
    pub(crate) async fn tick(&mut self) -> Result<Step, Error> {
        Ok(self.write(|device, _| Ok((device.tick(), ()))).await?.0)
    }

    /// The wait the server asked for after an `unavailable` push is over: push again.
    pub(crate) async fn resume_pushing(&mut self) -> Result<Step, Error> {
        Ok(self
            .write(|device, _| Ok((device.resume_pushing(), ())))
            .await?
            .0)
    }

    /// Asks the server to resend the feed from the cursor (a keep-alive that also recovers a
    /// lost last page).
    pub(crate) async fn resubscribe(&mut self) -> Result<Step, Error> {
        Ok(self
            .write(|device, _| Ok((device.resubscribe(), ())))
            .await?
            .0)
    }

    /// Connected, welcomed, nothing unacknowledged, no repair under way.
    pub(crate) fn is_settled(&self) -> bool {
        self.state
            .device
            .as_ref()
            .is_some_and(|device| device.is_settled())
    }

    /// The feed cursor.
    pub(crate) fn cursor(&self) -> u64 {
        // Loaded by every step of a sync; before one, nothing has moved it.
        self.state
            .device
            .as_ref()
            .map_or(0, |device| device.cursor())
    }
}
