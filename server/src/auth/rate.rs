//! Per-address request rates and concurrency on the sign-in routes, in bounded memory.
//!
//! These are not about guessing (the [throttle](super::throttle) is): they keep one address
//! from spending the server's CPU and database on sign-ups and Argon2 runs, however many
//! accounts or made-up names it cycles through.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::source::Source;

/// Source addresses followed per limit; the least recently seen are forgotten first (which
/// gives such an address a full burst again: harmless, since a new address gets one anyway).
const SOURCES: usize = 20_000;

/// At most `burst` requests at once from one address, then one per `interval`: the generic
/// cell rate algorithm, one instant per address.
#[derive(Debug)]
pub struct RateLimit {
    interval: Duration,
    /// How far ahead of `now` an address's schedule may run: `interval × (burst - 1)`.
    tolerance: Duration,
    /// When each address's next request is due, were it to keep to the rate.
    due: Mutex<lru::LruCache<Source, Instant>>,
}

impl RateLimit {
    /// `burst` requests, refilled evenly over `period` (e.g. 10 per hour). A `burst` of 0
    /// is taken as 1.
    pub fn per(burst: u32, period: Duration) -> Self {
        let burst = burst.max(1);
        let interval = period / burst;
        Self {
            interval,
            tolerance: interval * (burst - 1),
            due: Mutex::new(lru::LruCache::new(
                NonZeroUsize::new(SOURCES).expect("not zero"),
            )),
        }
    }

    /// Take one request from `source` at `now`; `Err(wait)` when it is over the rate.
    pub fn allow(&self, source: Source, now: Instant) -> Result<(), Duration> {
        let mut due = lock(&self.due);
        let next = due.get(&source).copied().map_or(now, |due| due.max(now));
        let ahead = next - now;
        if ahead > self.tolerance {
            return Err(ahead - self.tolerance);
        }
        due.put(source, next + self.interval);
        Ok(())
    }
}

/// Requests in progress per address, at most `limit` each: one address cannot hold every
/// password-hashing slot while others wait. Only addresses with requests in progress are
/// held, so memory is bounded by the requests in flight.
#[derive(Debug)]
pub struct InFlight {
    limit: usize,
    busy: Mutex<HashMap<Source, usize>>,
}

/// A place taken in an [`InFlight`]; given back when dropped.
#[derive(Debug)]
pub struct Slot<'a> {
    owner: &'a InFlight,
    source: Source,
}

impl InFlight {
    /// At most `limit` (at least 1) requests at once per address.
    pub fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            busy: Mutex::new(HashMap::new()),
        }
    }

    /// A place for a request from `source`, or `None` when it has `limit` in progress.
    pub fn enter(&self, source: Source) -> Option<Slot<'_>> {
        let mut busy = lock(&self.busy);
        let count = busy.entry(source).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(Slot {
            owner: self,
            source,
        })
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut busy = lock(&self.owner.busy);
        if let Some(count) = busy.get_mut(&self.source) {
            *count -= 1;
            if *count == 0 {
                busy.remove(&self.source);
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means a thread panicked mid-update of plain counters.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;

    fn from(last_octet: u8) -> Source {
        Source::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, last_octet)))
    }

    #[test]
    fn a_burst_then_one_per_interval_per_address() {
        let limit = RateLimit::per(3, Duration::from_secs(60));
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(limit.allow(from(1), now), Ok(()));
        }
        assert_eq!(limit.allow(from(1), now), Err(Duration::from_secs(20)));
        assert_eq!(limit.allow(from(2), now), Ok(()), "another address");
        let later = now + Duration::from_secs(20);
        assert_eq!(limit.allow(from(1), later), Ok(()));
        assert_eq!(limit.allow(from(1), later), Err(Duration::from_secs(20)));
        // Quiet for the whole period: the full burst is back.
        let much_later = later + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(limit.allow(from(1), much_later), Ok(()));
        }
        assert!(limit.allow(from(1), much_later).is_err());
    }

    #[test]
    fn refused_requests_do_not_push_the_schedule_back() {
        let limit = RateLimit::per(1, Duration::from_secs(10));
        let now = Instant::now();
        limit.allow(from(1), now).unwrap();
        for _ in 0..100 {
            assert!(limit.allow(from(1), now).is_err());
        }
        assert_eq!(limit.allow(from(1), now + Duration::from_secs(10)), Ok(()));
    }

    #[test]
    fn an_address_holds_at_most_its_share_of_slots_and_gives_them_back() {
        let in_flight = InFlight::new(2);
        let first = in_flight.enter(from(1)).unwrap();
        let second = in_flight.enter(from(1)).unwrap();
        assert!(in_flight.enter(from(1)).is_none());
        assert!(in_flight.enter(from(2)).is_some(), "another address");
        drop(first);
        assert!(in_flight.enter(from(1)).is_some());
        drop(second);
        assert!(lock(&in_flight.busy).is_empty(), "nothing held when idle");
    }
}
