//! When a connection counts as caught up.

/// What one connection has learnt about how far the device has to go.
///
/// Caught up means: welcomed; the feed stream that answered the last `hello` has delivered a
/// page with `more: false` (or had nothing to send); the cursor has reached the `head` the
/// server announced, and every `seq` the server gave in an ack for this device's own pushes
/// (so the device has its own changes back in the feed order); and the state machine is
/// settled (outbox empty, no push in flight, no repair under way).
///
/// The cursor may pass `head`: a page's `to` covers rows invisible to the member and rows
/// committed after the `hello`, which is why the test is `>=`.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    welcomed: bool,
    /// The tenant's feed head in the last welcome.
    head: u64,
    /// The highest `seq` acknowledged for this device's pushes on this connection.
    acked: u64,
    /// The current feed stream has sent its last page for now.
    feed_done: bool,
}

impl Progress {
    /// A welcome arrived (the answer to a `hello`, which restarts the feed from `cursor`).
    pub(crate) fn welcomed(&mut self, head: u64, cursor: u64) {
        self.welcomed = true;
        self.head = head;
        // The server sends no page when there is nothing after the cursor. A cursor *ahead*
        // of the head (a server restored from a backup) gets a page that moves it, so wait.
        self.feed_done = cursor == head;
    }

    /// A page that continued from the cursor was applied.
    pub(crate) fn page_applied(&mut self, more: bool) {
        self.feed_done = !more;
    }

    /// An ack arrived; `seq` is the highest feed position of its successful results.
    pub(crate) fn acked(&mut self, seq: Option<u64>) {
        if let Some(seq) = seq {
            self.acked = self.acked.max(seq);
        }
    }

    /// Whether the server welcomed the device on this connection.
    pub(crate) fn is_welcomed(&self) -> bool {
        self.welcomed
    }

    /// Whether the device is caught up, given its cursor and whether it is settled.
    pub(crate) fn caught_up(&self, cursor: u64, settled: bool) -> bool {
        self.welcomed && self.feed_done && settled && cursor >= self.head.max(self.acked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_at_the_head_is_caught_up_once_settled() {
        let mut progress = Progress::default();
        assert!(!progress.caught_up(5, true), "not before the welcome");
        progress.welcomed(5, 5);
        assert!(
            !progress.caught_up(5, false),
            "not while a push is in flight"
        );
        assert!(progress.caught_up(5, true));
    }

    #[test]
    fn a_device_behind_waits_for_the_last_page() {
        let mut progress = Progress::default();
        progress.welcomed(40, 10);
        progress.page_applied(true);
        assert!(!progress.caught_up(25, true));
        // The last page's `to` may pass the head: it covers rows the member cannot see.
        progress.page_applied(false);
        assert!(progress.caught_up(45, true));
    }

    #[test]
    fn own_acknowledged_changes_must_come_back_through_the_feed() {
        let mut progress = Progress::default();
        progress.welcomed(7, 7);
        progress.acked(Some(9));
        assert!(!progress.caught_up(7, true));
        progress.page_applied(false);
        assert!(progress.caught_up(9, true));
    }

    #[test]
    fn a_cursor_ahead_of_the_head_waits_for_the_server_to_move_it() {
        let mut progress = Progress::default();
        progress.welcomed(3, 50);
        assert!(!progress.caught_up(50, true));
        progress.page_applied(false);
        assert!(progress.caught_up(3, true));
    }
}
