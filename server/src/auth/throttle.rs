//! Slowing down password guessing: after too many failed attempts on one account within a
//! window, further attempts on it are refused (even a right password) until the window has
//! passed. Per node and in memory: a cluster of N nodes allows N times the attempts, still
//! far too few to guess a password; a restart forgets, which costs an attacker a restart.

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed attempts allowed per account within [`WINDOW`].
pub const MAX_FAILURES: u32 = 10;

/// How long failures are remembered.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Accounts followed at once; the least recently failed are forgotten first, so a flood of
/// made-up emails costs bounded memory.
const ACCOUNTS: usize = 10_000;

/// Failures since `since`.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    since: Instant,
}

/// Failed attempts per account (lowercase email).
#[derive(Debug)]
pub struct LoginThrottle {
    failures: Mutex<lru::LruCache<String, Failures>>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            failures: Mutex::new(lru::LruCache::new(
                NonZeroUsize::new(ACCOUNTS).expect("not zero"),
            )),
        }
    }
}

impl LoginThrottle {
    /// `Err(wait)` if `account` has failed too often lately: try again after `wait`.
    pub fn check(&self, account: &str, now: Instant) -> Result<(), Duration> {
        let mut failures = self.lock();
        match failures.peek(account).copied() {
            Some(seen) if now.duration_since(seen.since) >= WINDOW => {
                failures.pop(account);
                Ok(())
            }
            Some(seen) if seen.count >= MAX_FAILURES => {
                Err(WINDOW.saturating_sub(now.duration_since(seen.since)))
            }
            _ => Ok(()),
        }
    }

    /// A wrong password (or invitation code) for `account`.
    pub fn failed(&self, account: &str, now: Instant) {
        let mut failures = self.lock();
        let entry = failures.get_or_insert_mut(account.to_string(), || Failures {
            count: 0,
            since: now,
        });
        if now.duration_since(entry.since) >= WINDOW {
            *entry = Failures {
                count: 0,
                since: now,
            };
        }
        entry.count += 1;
    }

    /// A successful login: the count starts again.
    pub fn succeeded(&self, account: &str) {
        self.lock().pop(account);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, lru::LruCache<String, Failures>> {
        self.failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_locked_after_too_many_failures_until_the_window_passes() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert_eq!(throttle.check("aiko@kita.example", start), Ok(()));
            throttle.failed("aiko@kita.example", start);
        }
        let wait = throttle
            .check("aiko@kita.example", start + Duration::from_secs(60))
            .unwrap_err();
        assert_eq!(wait, WINDOW - Duration::from_secs(60));
        assert_eq!(
            throttle.check("hiro@kita.example", start),
            Ok(()),
            "other accounts are not affected"
        );
        assert_eq!(throttle.check("aiko@kita.example", start + WINDOW), Ok(()));
    }

    #[test]
    fn a_success_clears_the_count() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..MAX_FAILURES - 1 {
            throttle.failed("aiko@kita.example", now);
        }
        throttle.succeeded("aiko@kita.example");
        throttle.failed("aiko@kita.example", now);
        assert_eq!(throttle.check("aiko@kita.example", now), Ok(()));
    }
}
