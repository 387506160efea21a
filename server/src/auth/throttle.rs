//! Slowing down guessing (of passwords, of invitation codes) without handing a stranger a way
//! to lock the owner out, along the lines of OWASP's authentication cheat sheet:
//!
//! - **Per account and source address.** A few failures cost nothing; after
//!   [`Rules::free_failures`] each further attempt from that address on that account waits
//!   [`Rules::first_delay`], doubling per failure up to [`Rules::max_delay`]. An attacker's
//!   failures slow the attacker's address only.
//! - **Per account, a ceiling** for attackers with many addresses: once the failures from
//!   addresses the account has never signed in from pass [`Rules::account_free_failures`],
//!   such addresses wait too, with the same doubling. An address that has signed in to the
//!   account before is exempt: the owner still gets in from their usual place.
//! - **Bounded memory that made-up names cannot flush.** Accounts that exist and names that
//!   do not are kept in two separate LRUs; a flood of made-up names only evicts other made-up
//!   names, and the accounts LRU only grows with real accounts (which sign-up's own rate
//!   limit makes slow to create). Within an account, at most [`ADDRESSES_PER_ACCOUNT`]
//!   addresses are followed; the ceiling's count is kept apart from them, so rotating through
//!   addresses does not escape it.
//! - **An attempt counts as a failure when it starts** and is forgiven when it succeeds, so
//!   a hundred concurrent guesses cannot all slip in before the first failure is recorded.
//!
//! Per node and in memory: a cluster of N nodes allows N times the attempts, still far too
//! few to guess a password; a restart forgets, which costs an attacker a restart. Time is
//! always the caller's `now`, so the rules are tested with made-up instants.

use std::num::NonZeroUsize;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::source::Source;

/// Source addresses followed per account: enough for an owner's phone, laptop and office,
/// and for the few addresses of a small attacker; more only reset counts the account's
/// ceiling still holds.
pub const ADDRESSES_PER_ACCOUNT: usize = 8;

/// Addresses remembered per account as ones it signed in from (the most recent kept).
pub const TRUSTED_PER_ACCOUNT: usize = 4;

/// How much guessing is tolerated, and how much memory following it may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Failures from one address on one account before attempts start to wait: enough for a
    /// person fumbling a password, far too few to guess one.
    pub free_failures: u32,
    /// Failures on one account, from all addresses it never signed in from, before such
    /// addresses wait too.
    pub account_free_failures: u32,
    /// The first wait; each further failure doubles it.
    pub first_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
    /// Failures older than this (counted from the latest) are forgotten.
    pub forget_after: Duration,
    /// Existing accounts followed at once.
    pub accounts: usize,
    /// Names that match no account followed at once.
    pub unknown_names: usize,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            free_failures: 10,
            account_free_failures: 100,
            first_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(60 * 60),
            accounts: 50_000,
            unknown_names: 10_000,
        }
    }
}

/// Failures since they were last forgotten.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// How long an attempt at `now` must still wait, if at all, after `free` free failures.
    fn wait(this: Option<Failures>, free: u32, rules: &Rules, now: Instant) -> Option<Duration> {
        let failures = Self::live(this, rules, now)?;
        let beyond = failures.count.checked_sub(free)?;
        let delay = rules
            .first_delay
            .checked_mul(1u32.checked_shl(beyond).unwrap_or(u32::MAX))
            .map_or(rules.max_delay, |delay| delay.min(rules.max_delay));
        let ready = failures.last + delay;
        (now < ready).then(|| ready - now)
    }

    /// `this`, unless it is old enough to be forgotten.
    fn live(this: Option<Failures>, rules: &Rules, now: Instant) -> Option<Failures> {
        this.filter(|failures| now.saturating_duration_since(failures.last) < rules.forget_after)
    }

    /// One more failure at `now`.
    fn record(this: &mut Option<Failures>, rules: &Rules, now: Instant) {
        let count = Self::live(*this, rules, now).map_or(0, |failures| failures.count);
        *this = Some(Failures {
            count: count.saturating_add(1),
            last: now,
        });
    }
}

/// What is followed about one account (or made-up name).
#[derive(Debug, Default)]
struct Entry {
    /// Failures per source address, at most [`ADDRESSES_PER_ACCOUNT`].
    by_source: Vec<(Source, Failures)>,
    /// Failures from addresses not in `trusted`: the account's ceiling.
    untrusted: Option<Failures>,
    /// Addresses the account signed in from, the most recent last.
    trusted: Vec<Source>,
}

impl Entry {
    fn failures_from(&self, source: Source) -> Option<Failures> {
        self.by_source
            .iter()
            .find(|(from, _)| *from == source)
            .map(|(_, failures)| *failures)
    }

    fn trusts(&self, source: Source) -> bool {
        self.trusted.contains(&source)
    }

    /// How long an attempt from `source` must wait, if at all.
    fn wait(&self, source: Source, rules: &Rules, now: Instant) -> Option<Duration> {
        let own = Failures::wait(self.failures_from(source), rules.free_failures, rules, now);
        let ceiling = if self.trusts(source) {
            None
        } else {
            Failures::wait(self.untrusted, rules.account_free_failures, rules, now)
        };
        own.max(ceiling)
    }

    fn record_failure(&mut self, source: Source, rules: &Rules, now: Instant) {
        self.by_source
            .retain(|(_, failures)| Failures::live(Some(*failures), rules, now).is_some());
        match self.by_source.iter().position(|(from, _)| *from == source) {
            Some(index) => {
                let mut failures = Some(self.by_source[index].1);
                Failures::record(&mut failures, rules, now);
                self.by_source[index].1 = failures.expect("just recorded");
            }
            None => {
                if self.by_source.len() >= ADDRESSES_PER_ACCOUNT {
                    // The address that failed longest ago makes room.
                    let oldest = (0..self.by_source.len())
                        .min_by_key(|&index| self.by_source[index].1.last)
                        .expect("not empty");
                    self.by_source.swap_remove(oldest);
                }
                let mut failures = None;
                Failures::record(&mut failures, rules, now);
                self.by_source
                    .push((source, failures.expect("just recorded")));
            }
        }
        if !self.trusts(source) {
            Failures::record(&mut self.untrusted, rules, now);
        }
    }

    /// `source` proved itself: its own failures go, the attempt it just made is not held
    /// against the account, and the address is trusted from now on.
    fn forgive(&mut self, source: Source, counted_attempt: bool) {
        self.by_source.retain(|(from, _)| *from != source);
        if counted_attempt
            && !self.trusts(source)
            && let Some(untrusted) = &mut self.untrusted
        {
            untrusted.count = untrusted.count.saturating_sub(1);
        }
        self.trusted.retain(|trusted| *trusted != source);
        if self.trusted.len() >= TRUSTED_PER_ACCOUNT {
            self.trusted.remove(0);
        }
        self.trusted.push(source);
    }
}

/// Failed attempts per account (its lowercase email) and source address. One for logins and
/// one for invitation codes, so neither can be used to wear the other down.
#[derive(Debug)]
pub struct Throttle {
    rules: Rules,
    /// Accounts that exist. Made-up names never enter, so they cannot evict these.
    accounts: Mutex<lru::LruCache<String, Entry>>,
    /// Names that matched no account: followed all the same, so that a throttled answer
    /// does not tell whether an account exists, but kept apart.
    unknown: Mutex<lru::LruCache<String, Entry>>,
}

impl Default for Throttle {
    fn default() -> Self {
        Self::new(Rules::default())
    }
}

impl Throttle {
    /// A throttle following `rules`.
    pub fn new(rules: Rules) -> Self {
        let capacity = |n: usize| NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN);
        Self {
            rules,
            accounts: Mutex::new(lru::LruCache::new(capacity(rules.accounts))),
            unknown: Mutex::new(lru::LruCache::new(capacity(rules.unknown_names))),
        }
    }

    /// An attempt on `account` (which `exists` or not) from `source` at `now`. `Err(wait)`:
    /// refused, try again after `wait` (a refused attempt is not counted). `Ok`: go ahead;
    /// the attempt already counts as a failure until [`Throttle::succeeded`] is called.
    pub fn attempt(
        &self,
        account: &str,
        exists: bool,
        source: Source,
        now: Instant,
    ) -> Result<(), Duration> {
        let mut entries = if exists {
            lock(&self.accounts)
        } else {
            lock(&self.unknown)
        };
        let entry = match entries.get_mut(account) {
            Some(entry) => entry,
            None => entries.get_or_insert_mut(account.to_string(), Entry::default),
        };
        if let Some(wait) = entry.wait(source, &self.rules, now) {
            return Err(wait);
        }
        entry.record_failure(source, &self.rules, now);
        Ok(())
    }

    /// The attempt from `source` on `account` (which exists, by now) was right: forgive it
    /// and that address's failures, and trust the address from now on.
    pub fn succeeded(&self, account: &str, source: Source) {
        // A sign-up's attempt was made while the name was still unknown.
        let moved = lock(&self.unknown).pop(account);
        let mut accounts = lock(&self.accounts);
        let entry = match moved {
            Some(entry) => accounts.get_or_insert_mut(account.to_string(), || entry),
            None => accounts.get_or_insert_mut(account.to_string(), Entry::default),
        };
        entry.forgive(source, true);
    }

    /// `source` signed in to `account` another way (an accepted invitation, a sign-up):
    /// trust it as [`Throttle::succeeded`] would, without an attempt to forgive.
    pub fn trust(&self, account: &str, source: Source) {
        lock(&self.accounts)
            .get_or_insert_mut(account.to_string(), Entry::default)
            .forgive(source, false);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means a thread panicked mid-update of plain counters; they are
    // still counters.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests;
