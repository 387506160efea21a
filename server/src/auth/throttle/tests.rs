//! The throttle's rules, with made-up instants.

use std::net::{IpAddr, Ipv4Addr};

use super::*;

const AIKO: &str = "aiko@kita.example";

fn from(last_octet: u8) -> Source {
    Source::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, last_octet)))
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// `n` failed attempts on `account` from `source` at `now`, each allowed.
fn fail(throttle: &Throttle, account: &str, source: Source, now: Instant, n: u32) {
    for attempt in 0..n {
        assert_eq!(
            throttle.attempt(account, true, source, now),
            Ok(()),
            "attempt {attempt} from {source}"
        );
    }
}

#[test]
fn after_the_free_failures_each_attempt_waits_twice_as_long_up_to_the_cap() {
    let throttle = Throttle::default();
    let rules = Rules::default();
    let start = Instant::now();
    let attacker = from(66);
    fail(&throttle, AIKO, attacker, start, rules.free_failures);
    assert_eq!(
        throttle.attempt(AIKO, true, attacker, start),
        Err(rules.first_delay)
    );
    let mut now = start;
    let mut expected = rules.first_delay;
    for _ in 0..8 {
        now += expected;
        assert_eq!(throttle.attempt(AIKO, true, attacker, now), Ok(()));
        expected = (expected * 2).min(rules.max_delay);
        assert_eq!(
            throttle.attempt(AIKO, true, attacker, now),
            Err(expected),
            "the wait doubles"
        );
    }
    assert_eq!(expected, rules.max_delay, "and stops at the cap");
    // Quiet for long enough, and everything is forgotten.
    now += rules.forget_after;
    fail(&throttle, AIKO, attacker, now, rules.free_failures);
}

#[test]
fn an_attackers_failures_do_not_slow_the_owner_from_another_address() {
    let throttle = Throttle::default();
    let now = Instant::now();
    let (attacker, owner) = (from(66), from(10));
    fail(
        &throttle,
        AIKO,
        attacker,
        now,
        Rules::default().free_failures,
    );
    assert!(throttle.attempt(AIKO, true, attacker, now).is_err());
    assert_eq!(throttle.attempt(AIKO, true, owner, now), Ok(()));
    throttle.succeeded(AIKO, owner);
}

#[test]
fn past_the_accounts_ceiling_new_addresses_wait_but_one_the_owner_used_does_not() {
    let rules = Rules {
        account_free_failures: 20,
        ..Rules::default()
    };
    let throttle = Throttle::new(rules);
    let now = Instant::now();
    let (owner, hotel) = (from(10), from(11));
    throttle.attempt(AIKO, true, owner, now).unwrap();
    throttle.succeeded(AIKO, owner);
    // Many addresses, each staying under its own limit, together pass the ceiling.
    for bot in 100..120 {
        fail(&throttle, AIKO, from(bot), now, 1);
    }
    assert_eq!(
        throttle.attempt(AIKO, true, from(200), now),
        Err(rules.first_delay),
        "a fresh address waits"
    );
    assert_eq!(
        throttle.attempt(AIKO, true, hotel, now),
        Err(rules.first_delay),
        "so does the owner from somewhere new"
    );
    assert_eq!(
        throttle.attempt(AIKO, true, owner, now),
        Ok(()),
        "but not from where they signed in before"
    );
}

#[test]
fn a_success_forgives_that_address_and_its_attempt() {
    let rules = Rules::default();
    let throttle = Throttle::new(rules);
    let now = Instant::now();
    let owner = from(10);
    fail(&throttle, AIKO, owner, now, rules.free_failures - 1);
    throttle.attempt(AIKO, true, owner, now).unwrap();
    throttle.succeeded(AIKO, owner);
    fail(&throttle, AIKO, owner, now, rules.free_failures);
}

#[test]
fn concurrent_attempts_count_before_they_finish() {
    let rules = Rules::default();
    let throttle = Throttle::new(rules);
    let now = Instant::now();
    // Forty guesses in flight at once: only the free ones are let through.
    let allowed = (0..40)
        .filter(|_| throttle.attempt(AIKO, true, from(66), now).is_ok())
        .count();
    assert_eq!(allowed, rules.free_failures as usize);
}

#[test]
fn a_flood_of_made_up_names_does_not_evict_a_real_accounts_count() {
    let rules = Rules {
        accounts: 4,
        unknown_names: 16,
        ..Rules::default()
    };
    let throttle = Throttle::new(rules);
    let now = Instant::now();
    let attacker = from(66);
    fail(&throttle, AIKO, attacker, now, rules.free_failures);
    for n in 0..10 * rules.unknown_names {
        let made_up = format!("nobody{n}@kita.example");
        throttle.attempt(&made_up, false, attacker, now).unwrap();
    }
    assert_eq!(
        throttle.attempt(AIKO, true, attacker, now),
        Err(rules.first_delay),
        "the victim's count survived"
    );
}

#[test]
fn a_made_up_name_is_throttled_exactly_like_a_real_account() {
    let rules = Rules::default();
    let throttle = Throttle::new(rules);
    let now = Instant::now();
    let attacker = from(66);
    for account in [(AIKO, true), ("nobody@kita.example", false)] {
        for _ in 0..rules.free_failures {
            assert_eq!(
                throttle.attempt(account.0, account.1, attacker, now),
                Ok(())
            );
        }
        assert_eq!(
            throttle.attempt(account.0, account.1, attacker, now),
            Err(rules.first_delay)
        );
    }
}

#[test]
fn an_account_follows_a_bounded_number_of_addresses_and_its_ceiling_survives_rotation() {
    let rules = Rules {
        account_free_failures: 30,
        ..Rules::default()
    };
    let throttle = Throttle::new(rules);
    let now = Instant::now();
    for bot in 0..30u8 {
        fail(&throttle, AIKO, from(bot), now + secs(u64::from(bot)), 1);
    }
    let accounts = lock(&throttle.accounts);
    let entry = accounts.peek(AIKO).unwrap();
    assert_eq!(entry.by_source.len(), ADDRESSES_PER_ACCOUNT);
    assert!(
        entry.failures_from(from(29)).is_some(),
        "the latest are kept"
    );
    assert_eq!(entry.untrusted.unwrap().count, 30);
}

#[test]
fn a_sign_up_made_while_the_name_was_unknown_moves_it_to_the_accounts() {
    let throttle = Throttle::default();
    let now = Instant::now();
    let owner = from(10);
    throttle.attempt(AIKO, false, owner, now).unwrap();
    throttle.succeeded(AIKO, owner);
    assert!(lock(&throttle.unknown).peek(AIKO).is_none());
    assert!(lock(&throttle.accounts).peek(AIKO).unwrap().trusts(owner));
}
