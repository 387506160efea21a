//! Server settings: one typed struct read from `ROLO_*` environment variables. Loading never
//! writes anything; secrets are hidden from `Debug`.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// Server settings. `.env.sample` lists every variable with its default.
#[derive(Clone)]
pub struct Config {
    /// Address to listen on (`ROLO_LISTEN`, default `127.0.0.1:8080`: safe until an admin
    /// decides to expose the server).
    pub listen: SocketAddr,
    /// Where data lives (`ROLO_DATABASE_URL`): `sqlite://PATH` (default `sqlite://rolo.db`,
    /// created if missing) or `postgres://…` for several nodes.
    pub database_url: String,
    /// `iss` of issued access tokens, checked on every token (`ROLO_JWT_ISSUER`).
    pub jwt_issuer: String,
    /// `aud` of issued access tokens, checked on every token (`ROLO_JWT_AUDIENCE`).
    pub jwt_audience: String,
    /// Lifetime of an access token (`ROLO_ACCESS_TOKEN_SECONDS`, default 900): short, so a
    /// revoked device loses access soon even where its socket is not cut.
    pub access_token_ttl: Duration,
    /// Clock skew tolerated between nodes when checking a token's `nbf` and `exp`
    /// (`ROLO_CLOCK_LEEWAY_SECONDS`, default 30). A sync connection is cut when its token
    /// expires plus this leeway: the moment the same token would be refused at the upgrade.
    pub clock_leeway: Duration,
    /// Lifetime of a refresh token (`ROLO_REFRESH_TOKEN_DAYS`, default 60).
    pub refresh_token_ttl: Duration,
    /// Documents kept decoded in memory (`ROLO_DOC_CACHE`, default 2000).
    pub doc_cache: usize,
    /// Largest WebSocket message accepted, bytes (`ROLO_MAX_FRAME_BYTES`, default 4 MiB).
    pub max_frame_bytes: usize,
    /// Frames a device may send per second before it is cut off (`ROLO_FRAMES_PER_SECOND`,
    /// default 200, with a burst of twice that).
    pub frames_per_second: u32,
    /// Under a stream of commits, the least time between two live feed pages to one device
    /// (`ROLO_FEED_BATCH_MS`, default 30). Each page carries everything committed meanwhile;
    /// a lone edit is sent at once. At a thousand busy devices on two cores, 30 ms gave a
    /// lower p99 than 20 (fewer, fuller pages leave the CPU less queued) for about 2 ms more
    /// at the median; see the README's live latency runs.
    pub feed_batch: Duration,
    /// The program that reads business cards (`ROLO_CARD_READER`, default this server's own
    /// binary, run as `rolo-server read-card`).
    pub card_reader: std::path::PathBuf,
    /// Cards read at once (`ROLO_CARD_WORKERS`, default 1: reading keeps a core busy for a
    /// second or two, and sync must stay responsive on a small box).
    pub card_workers: usize,
    /// Longest a card may take to read before its process is killed
    /// (`ROLO_CARD_TIMEOUT_SECONDS`, default 30); also its CPU-time limit.
    pub card_timeout: Duration,
    /// Address space the card reader may use (`ROLO_CARD_MEMORY_MB`, default 2048).
    pub card_memory_bytes: u64,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The database URL may carry a password.
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database_url", &redact(&self.database_url))
            .field("jwt_issuer", &self.jwt_issuer)
            .field("jwt_audience", &self.jwt_audience)
            .field("access_token_ttl", &self.access_token_ttl)
            .field("clock_leeway", &self.clock_leeway)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("doc_cache", &self.doc_cache)
            .field("max_frame_bytes", &self.max_frame_bytes)
            .field("frames_per_second", &self.frames_per_second)
            .field("feed_batch", &self.feed_batch)
            .field("card_reader", &self.card_reader)
            .field("card_workers", &self.card_workers)
            .field("card_timeout", &self.card_timeout)
            .field("card_memory_bytes", &self.card_memory_bytes)
            .finish()
    }
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://rolo.db".into(),
            jwt_issuer: "rolo".into(),
            jwt_audience: "rolo-sync".into(),
            access_token_ttl: Duration::from_secs(900),
            clock_leeway: Duration::from_secs(30),
            refresh_token_ttl: Duration::from_secs(60 * 24 * 3600),
            doc_cache: 2000,
            max_frame_bytes: sync_core::wire::MAX_FRAME_BYTES,
            frames_per_second: 200,
            feed_batch: Duration::from_millis(30),
            card_reader: std::env::current_exe()
                .unwrap_or_else(|_| std::path::PathBuf::from("rolo-server")),
            card_workers: 1,
            card_timeout: Duration::from_secs(30),
            card_memory_bytes: 2048 * 1024 * 1024,
        }
    }
}

impl Config {
    /// Read the settings from the environment; a malformed value is an error naming the
    /// variable and the value.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Read the settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let defaults = Config::default();
        let parse = |name: &str| -> anyhow::Result<Option<u64>> {
            lookup(name)
                .map(|text| {
                    text.parse::<u64>()
                        .map_err(|_| anyhow::anyhow!("{name}={text:?} is not a whole number"))
                })
                .transpose()
        };
        let listen = match lookup("ROLO_LISTEN") {
            Some(text) => text.parse().map_err(|_| {
                anyhow::anyhow!("ROLO_LISTEN={text:?} is not an address like 127.0.0.1:8080")
            })?,
            None => defaults.listen,
        };
        let database_url = lookup("ROLO_DATABASE_URL").unwrap_or(defaults.database_url);
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres")) {
            anyhow::bail!(
                "ROLO_DATABASE_URL={:?} must start with sqlite:// or postgres://",
                redact(&database_url)
            );
        }
        Ok(Self {
            listen,
            database_url,
            jwt_issuer: lookup("ROLO_JWT_ISSUER").unwrap_or(defaults.jwt_issuer),
            jwt_audience: lookup("ROLO_JWT_AUDIENCE").unwrap_or(defaults.jwt_audience),
            access_token_ttl: parse("ROLO_ACCESS_TOKEN_SECONDS")?
                .map_or(defaults.access_token_ttl, Duration::from_secs),
            clock_leeway: parse("ROLO_CLOCK_LEEWAY_SECONDS")?
                .map_or(defaults.clock_leeway, Duration::from_secs),
            refresh_token_ttl: parse("ROLO_REFRESH_TOKEN_DAYS")?
                .map_or(defaults.refresh_token_ttl, |days| {
                    Duration::from_secs(days * 24 * 3600)
                }),
            doc_cache: parse("ROLO_DOC_CACHE")?.map_or(defaults.doc_cache, |n| n as usize),
            max_frame_bytes: parse("ROLO_MAX_FRAME_BYTES")?
                .map_or(defaults.max_frame_bytes, |n| n as usize),
            frames_per_second: parse("ROLO_FRAMES_PER_SECOND")?
                .map_or(defaults.frames_per_second, |n| n as u32),
            feed_batch: parse("ROLO_FEED_BATCH_MS")?
                .map_or(defaults.feed_batch, Duration::from_millis),
            card_reader: lookup("ROLO_CARD_READER").map_or(defaults.card_reader, Into::into),
            card_workers: parse("ROLO_CARD_WORKERS")?.map_or(defaults.card_workers, |n| n as usize),
            card_timeout: parse("ROLO_CARD_TIMEOUT_SECONDS")?
                .map_or(defaults.card_timeout, Duration::from_secs),
            card_memory_bytes: parse("ROLO_CARD_MEMORY_MB")?
                .map_or(defaults.card_memory_bytes, |mb| mb * 1024 * 1024),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_value_names_its_variable() {
        let error =
            Config::from_lookup(|name| (name == "ROLO_DOC_CACHE").then(|| "lots".to_string()))
                .unwrap_err();
        assert!(
            error.to_string().contains("ROLO_DOC_CACHE=\"lots\""),
            "{error}"
        );
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        let config = Config::from_lookup(|name| {
            (name == "ROLO_DATABASE_URL")
                .then(|| "postgres://rolo:hunter2@db.internal/rolo".to_string())
        })
        .unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("db.internal"));
    }
}
