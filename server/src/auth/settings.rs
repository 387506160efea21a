//! The admin's choices about signing in: who may sign up, how hard guessing and floods are
//! pushed back, where requests come from, and where the token-signing secrets live.

use std::str::FromStr;
use std::time::Duration;

use super::keys::JwtKeys;
use super::throttle::Rules;

/// Who may create accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignupPolicy {
    /// Anyone may sign up a company (the quick start's `rolo signup`); admins invite the
    /// rest.
    #[default]
    Open,
    /// Nobody signs up; members join by an admin's invitation only.
    Invite,
    /// No new members at all: sign-up, new invitations and accepting one are all refused.
    Closed,
}

impl FromStr for SignupPolicy {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> anyhow::Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(SignupPolicy::Open),
            "invite" => Ok(SignupPolicy::Invite),
            "closed" => Ok(SignupPolicy::Closed),
            _ => anyhow::bail!("ROLO_SIGNUP={text:?} must be open, invite or closed"),
        }
    }
}

/// Sign-in settings, read from `ROLO_*` like the rest of [`Config`](crate::Config).
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Who may sign up (`ROLO_SIGNUP=open|invite|closed`, default `open`, so that a new
    /// server can be tried at once; set `invite` on a server the internet can reach).
    pub signup: SignupPolicy,
    /// Take the client's address from the last `X-Forwarded-For` entry (`ROLO_TRUST_PROXY`,
    /// default false). Set it only behind a reverse proxy that appends the address it saw;
    /// otherwise anyone could claim any address. Without it, behind a proxy, every client
    /// shares the proxy's address and its limits.
    pub trust_proxy: bool,
    /// Requests per minute one address may make to login, token refresh and invitation
    /// accept together, as a burst of as many (`ROLO_SIGNIN_PER_MINUTE`, default 60).
    pub sign_ins_per_minute: u32,
    /// Sign-ups per hour from one address, as a burst of as many (`ROLO_SIGNUPS_PER_HOUR`,
    /// default 10): each one is a company and an Argon2 hash.
    pub signups_per_hour: u32,
    /// Longest a request waits for a password-hashing slot (one per core) before it is
    /// answered 503 `busy` (`ROLO_HASHING_WAIT_MS`, default 2000): a flood gets a prompt
    /// answer instead of an ever longer queue.
    pub hashing_wait: Duration,
    /// How guessing is slowed (see [`Rules`]); the numbers of accounts and of made-up names
    /// followed come from `ROLO_THROTTLE_ACCOUNTS` (default 50000) and `ROLO_THROTTLE_NAMES`
    /// (default 10000).
    pub throttle: Rules,
    /// Where the token-signing secrets are (`ROLO_JWT_KEYS`, `ROLO_JWT_SECRET_FILE` or
    /// `ROLO_JWT_SECRET`; default the database). Secrets never appear in `Debug`.
    pub jwt_keys: JwtKeys,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            signup: SignupPolicy::Open,
            trust_proxy: false,
            sign_ins_per_minute: 60,
            signups_per_hour: 10,
            hashing_wait: Duration::from_secs(2),
            throttle: Rules::default(),
            jwt_keys: JwtKeys::Database,
        }
    }
}

impl AuthSettings {
    /// Read the settings through `lookup`; a malformed value is an error naming its variable.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let defaults = Self::default();
        let number = |name: &str| -> anyhow::Result<Option<u64>> {
            lookup(name)
                .map(|text| {
                    text.trim()
                        .parse::<u64>()
                        .map_err(|_| anyhow::anyhow!("{name}={text:?} is not a whole number"))
                })
                .transpose()
        };
        let count = |name: &str, default: u32| -> anyhow::Result<u32> {
            number(name)?.map_or(Ok(default), |n| {
                u32::try_from(n).map_err(|_| anyhow::anyhow!("{name}={n} is too large"))
            })
        };
        let trust_proxy = match lookup("ROLO_TRUST_PROXY").as_deref().map(str::trim) {
            None | Some("false" | "0" | "") => false,
            Some("true" | "1") => true,
            Some(other) => anyhow::bail!("ROLO_TRUST_PROXY={other:?} must be true or false"),
        };
        Ok(Self {
            signup: lookup("ROLO_SIGNUP").map_or(Ok(defaults.signup), |text| text.parse())?,
            trust_proxy,
            sign_ins_per_minute: count("ROLO_SIGNIN_PER_MINUTE", defaults.sign_ins_per_minute)?,
            signups_per_hour: count("ROLO_SIGNUPS_PER_HOUR", defaults.signups_per_hour)?,
            hashing_wait: number("ROLO_HASHING_WAIT_MS")?
                .map_or(defaults.hashing_wait, Duration::from_millis),
            throttle: Rules {
                accounts: number("ROLO_THROTTLE_ACCOUNTS")?
                    .map_or(defaults.throttle.accounts, |n| n as usize),
                unknown_names: number("ROLO_THROTTLE_NAMES")?
                    .map_or(defaults.throttle.unknown_names, |n| n as usize),
                ..defaults.throttle
            },
            jwt_keys: JwtKeys::from_lookup(lookup)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_up_is_open_by_default_and_each_policy_reads_by_name() {
        let read = |value: Option<&str>| {
            AuthSettings::from_lookup(&|name| {
                (name == "ROLO_SIGNUP")
                    .then(|| value.map(str::to_string))
                    .flatten()
            })
        };
        assert_eq!(read(None).unwrap().signup, SignupPolicy::Open);
        assert_eq!(read(Some("Invite")).unwrap().signup, SignupPolicy::Invite);
        assert_eq!(read(Some("closed")).unwrap().signup, SignupPolicy::Closed);
        let error = read(Some("sometimes")).unwrap_err().to_string();
        assert!(error.contains("ROLO_SIGNUP=\"sometimes\""), "{error}");
    }

    #[test]
    fn limits_and_the_proxy_flag_read_from_their_variables() {
        let settings = AuthSettings::from_lookup(&|name| match name {
            "ROLO_TRUST_PROXY" => Some("true".into()),
            "ROLO_SIGNUPS_PER_HOUR" => Some("3".into()),
            "ROLO_THROTTLE_NAMES" => Some("500".into()),
            _ => None,
        })
        .unwrap();
        assert!(settings.trust_proxy);
        assert_eq!(settings.signups_per_hour, 3);
        assert_eq!(settings.throttle.unknown_names, 500);
        assert_eq!(settings.sign_ins_per_minute, 60);
        assert!(
            AuthSettings::from_lookup(&|name| {
                (name == "ROLO_TRUST_PROXY").then(|| "maybe".into())
            })
            .is_err()
        );
    }
}
