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
    /// Largest frame a device may send, bytes (`ROLO_MAX_FRAME_BYTES`, default 1 MiB). Devices
    /// push at most 512 KiB at a time; every open socket may buffer up to this much of an
    /// unfinished message, so it is what a socket can cost.
    pub max_frame_bytes: usize,
    /// Frames a device may send per second before it is cut off (`ROLO_FRAMES_PER_SECOND`,
    /// default 200, with a burst of twice that).
    pub frames_per_second: u32,
    /// Longest an HTTP request's head may take to arrive, and longest an idle keep-alive
    /// connection is kept (`ROLO_HEADER_TIMEOUT_SECONDS`, default 10).
    pub header_timeout: Duration,
    /// Most HTTP connections (not yet upgraded) open at once
    /// (`ROLO_MAX_HTTP_CONNECTIONS`, default 4096); the next waits in the accept queue.
    pub max_http_connections: usize,
    /// Longest an upgraded sync socket may wait before its `hello`
    /// (`ROLO_HELLO_TIMEOUT_SECONDS`, default 10).
    pub hello_timeout: Duration,
    /// Sync sockets of one device before its oldest is closed (`ROLO_SOCKETS_PER_DEVICE`,
    /// default 2: a reconnecting phone replaces the half-open socket it left).
    pub sockets_per_device: usize,
    /// Sync sockets of one member, over all their devices (`ROLO_SOCKETS_PER_MEMBER`,
    /// default 32).
    pub sockets_per_member: usize,
    /// Sync sockets from one source address (`ROLO_SOCKETS_PER_ADDRESS`, default 2048: a
    /// whole office behind one NAT).
    pub sockets_per_address: usize,
    /// Sync sockets on this node (`ROLO_MAX_SOCKETS`, default 20000).
    pub max_sockets: usize,
    /// Longest a push may take to commit before its device is told `unavailable` and when
    /// to try again (`ROLO_COMMIT_TIMEOUT_MS`, default 3000); also the bound on each of the
    /// database's transactions and statements, after which a stuck connection is given up.
    pub commit_timeout: Duration,
    /// Longest a request waits for a database connection (`ROLO_DATABASE_ACQUIRE_MS`,
    /// default 2000): a database that is down answers in seconds, not after 30.
    pub database_acquire_timeout: Duration,
    /// Under a stream of commits, the least time between two live feed pages to one device
    /// (`ROLO_FEED_BATCH_MS`, default 30). Each page carries everything committed meanwhile;
    /// a lone edit is sent at once. At a thousand busy devices on two cores, 30 ms gave a
    /// lower p99 than 20 (fewer, fuller pages leave the CPU less queued) for about 2 ms more
    /// at the median; see the README's live latency runs.
    pub feed_batch: Duration,
    /// A folder to serve the web app from instead of the files built into the binary
    /// (`ROLO_WEB_DIR`, e.g. `web/dist`): for working on the app without building the server
    /// again after each `npm run build`. Unset, the embedded files are served.
    pub web_dir: Option<std::path::PathBuf>,
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
    /// Signing in: who may sign up (`ROLO_SIGNUP`), the per-address limits, whether to
    /// believe `X-Forwarded-For` (`ROLO_TRUST_PROXY`) and where the token-signing secrets
    /// are (`ROLO_JWT_KEYS`, `ROLO_JWT_SECRET_FILE`, `ROLO_JWT_SECRET`); see
    /// [`AuthSettings`](crate::auth::AuthSettings). Its `Debug` hides the secrets.
    pub auth: crate::auth::AuthSettings,
    /// A listener of its own for `/metrics` (`ROLO_METRICS_LISTEN`, e.g. `127.0.0.1:9090`;
    /// default none): the metrics are not for the public listener.
    pub metrics_listen: Option<SocketAddr>,
    /// A bearer token that lets `/metrics` be scraped on the main listener
    /// (`ROLO_METRICS_TOKEN`, at least 16 characters; default none: the main listener answers
    /// `/metrics` with 404).
    pub metrics_token: Option<String>,
    /// Send `Strict-Transport-Security` (`ROLO_HSTS=true`, default false): set it when clients
    /// reach the server over TLS (a terminating proxy in front).
    pub hsts: bool,
    /// Where uploaded import files are kept while their import lives (`ROLO_IMPORT_DIR`;
    /// default `rolo-imports` beside the SQLite file, or in the working folder on Postgres,
    /// where every node must see the same folder). Created when the first file arrives.
    pub import_dir: std::path::PathBuf,
    /// Largest import file accepted (`ROLO_IMPORT_MAX_MB`, default 200): the upload streams
    /// to disk, so this bounds disk, not memory.
    pub import_max_bytes: u64,
    /// Rows an import job reads, commits and records its progress after, at a time
    /// (`ROLO_IMPORT_BATCH_ROWS`, default 1,000): a batch's new documents are all in memory
    /// at once (about 50 KB each), and a restart redoes at most one batch. Larger batches
    /// share the committing transaction's fixed costs (measured on 30,000 rows: 9.2 s at
    /// 1,000 rows a batch, 16.4 s at 250; peak RSS 198 MB against 108 MB).
    pub import_batch_rows: usize,
    /// CA certificates (PEM) trusted for every mailbox import besides the system's
    /// (`ROLO_IMAP_CA_FILE`, a file read at start-up; default none): a company whose mail
    /// server has a certificate from its own CA sets it once, instead of each member pasting
    /// the CA into the request.
    pub imap_ca_pem: Option<Vec<u8>>,
    /// How long a node's claim on a running import holds without being renewed
    /// (`ROLO_IMPORT_LEASE_SECONDS`, default 60): the job renews it with every batch, and
    /// when a node dies another one sharing the database (and the import folder) takes the
    /// import over this long after its last batch. Nodes look for such imports every half
    /// lease.
    pub import_lease: Duration,
    /// How long an ended import's uploaded file is kept for its error file
    /// (`ROLO_IMPORT_KEEP_DAYS`, default 7; 0 deletes it at the next look, within half a
    /// lease). A file uploaded and left in preview is deleted as long after its last change,
    /// and the import is cancelled. The import's summary and failed rows stay. A running
    /// import whose node died, its file in a folder no other node has, fails after as long.
    pub import_keep: Duration,
}

/// The default import folder for `database_url`: beside the SQLite file.
fn default_import_dir(database_url: &str) -> std::path::PathBuf {
    let path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(rest));
    match path
        .map(std::path::Path::new)
        .and_then(|file| file.parent())
    {
        Some(folder) if !folder.as_os_str().is_empty() => folder.join("rolo-imports"),
        _ => std::path::PathBuf::from("rolo-imports"),
    }
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
            .field("header_timeout", &self.header_timeout)
            .field("max_http_connections", &self.max_http_connections)
            .field("hello_timeout", &self.hello_timeout)
            .field("sockets_per_device", &self.sockets_per_device)
            .field("sockets_per_member", &self.sockets_per_member)
            .field("sockets_per_address", &self.sockets_per_address)
            .field("max_sockets", &self.max_sockets)
            .field("commit_timeout", &self.commit_timeout)
            .field("database_acquire_timeout", &self.database_acquire_timeout)
            .field("feed_batch", &self.feed_batch)
            .field("web_dir", &self.web_dir)
            .field("card_reader", &self.card_reader)
            .field("card_workers", &self.card_workers)
            .field("card_timeout", &self.card_timeout)
            .field("card_memory_bytes", &self.card_memory_bytes)
            .field("auth", &self.auth)
            .field("metrics_listen", &self.metrics_listen)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "…"))
            .field("hsts", &self.hsts)
            .field("import_dir", &self.import_dir)
            .field("import_max_bytes", &self.import_max_bytes)
            .field("import_batch_rows", &self.import_batch_rows)
            .field("imap_ca_pem", &self.imap_ca_pem.as_ref().map(Vec::len))
            .field("import_lease", &self.import_lease)
            .field("import_keep", &self.import_keep)
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
            max_frame_bytes: 1024 * 1024,
            frames_per_second: 200,
            header_timeout: Duration::from_secs(10),
            max_http_connections: 4096,
            hello_timeout: Duration::from_secs(10),
            sockets_per_device: 2,
            sockets_per_member: 32,
            sockets_per_address: 2048,
            max_sockets: 20_000,
            commit_timeout: Duration::from_secs(3),
            database_acquire_timeout: Duration::from_secs(2),
            feed_batch: Duration::from_millis(30),
            web_dir: None,
            card_reader: std::env::current_exe()
                .unwrap_or_else(|_| std::path::PathBuf::from("rolo-server")),
            card_workers: 1,
            card_timeout: Duration::from_secs(30),
            card_memory_bytes: 2048 * 1024 * 1024,
            auth: crate::auth::AuthSettings::default(),
            metrics_listen: None,
            metrics_token: None,
            hsts: false,
            import_dir: default_import_dir("sqlite://rolo.db"),
            import_max_bytes: 200 * 1024 * 1024,
            import_batch_rows: 1000,
            imap_ca_pem: None,
            import_lease: Duration::from_secs(60),
            import_keep: Duration::from_secs(7 * 24 * 3600),
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
        let import_dir =
            lookup("ROLO_IMPORT_DIR").map_or_else(|| default_import_dir(&database_url), Into::into);
        Ok(Self {
            import_dir,
            import_max_bytes: parse("ROLO_IMPORT_MAX_MB")?
                .map_or(defaults.import_max_bytes, |mb| mb * 1024 * 1024),
            import_batch_rows: parse("ROLO_IMPORT_BATCH_ROWS")?
                .map_or(defaults.import_batch_rows, |n| (n as usize).max(1)),
            imap_ca_pem: lookup("ROLO_IMAP_CA_FILE")
                .map(|path| {
                    std::fs::read(&path).map_err(|error| {
                        anyhow::anyhow!("ROLO_IMAP_CA_FILE={path:?} cannot be read: {error}")
                    })
                })
                .transpose()?,
            import_lease: parse("ROLO_IMPORT_LEASE_SECONDS")?
                .map_or(defaults.import_lease, |seconds| {
                    Duration::from_secs(seconds.max(1))
                }),
            import_keep: parse("ROLO_IMPORT_KEEP_DAYS")?.map_or(defaults.import_keep, |days| {
                Duration::from_secs(days.saturating_mul(24 * 3600))
            }),
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
            header_timeout: parse("ROLO_HEADER_TIMEOUT_SECONDS")?
                .map_or(defaults.header_timeout, Duration::from_secs),
            max_http_connections: parse("ROLO_MAX_HTTP_CONNECTIONS")?
                .map_or(defaults.max_http_connections, |n| n as usize),
            hello_timeout: parse("ROLO_HELLO_TIMEOUT_SECONDS")?
                .map_or(defaults.hello_timeout, Duration::from_secs),
            sockets_per_device: parse("ROLO_SOCKETS_PER_DEVICE")?
                .map_or(defaults.sockets_per_device, |n| n as usize),
            sockets_per_member: parse("ROLO_SOCKETS_PER_MEMBER")?
                .map_or(defaults.sockets_per_member, |n| n as usize),
            sockets_per_address: parse("ROLO_SOCKETS_PER_ADDRESS")?
                .map_or(defaults.sockets_per_address, |n| n as usize),
            max_sockets: parse("ROLO_MAX_SOCKETS")?.map_or(defaults.max_sockets, |n| n as usize),
            commit_timeout: parse("ROLO_COMMIT_TIMEOUT_MS")?
                .map_or(defaults.commit_timeout, Duration::from_millis),
            database_acquire_timeout: parse("ROLO_DATABASE_ACQUIRE_MS")?
                .map_or(defaults.database_acquire_timeout, Duration::from_millis),
            feed_batch: parse("ROLO_FEED_BATCH_MS")?
                .map_or(defaults.feed_batch, Duration::from_millis),
            web_dir: lookup("ROLO_WEB_DIR").map(Into::into),
            card_reader: lookup("ROLO_CARD_READER").map_or(defaults.card_reader, Into::into),
            card_workers: parse("ROLO_CARD_WORKERS")?.map_or(defaults.card_workers, |n| n as usize),
            card_timeout: parse("ROLO_CARD_TIMEOUT_SECONDS")?
                .map_or(defaults.card_timeout, Duration::from_secs),
            card_memory_bytes: parse("ROLO_CARD_MEMORY_MB")?
                .map_or(defaults.card_memory_bytes, |mb| mb * 1024 * 1024),
            auth: crate::auth::AuthSettings::from_lookup(&lookup)?,
            metrics_listen: lookup("ROLO_METRICS_LISTEN")
                .map(|text| {
                    text.parse().map_err(|_| {
                        anyhow::anyhow!(
                            "ROLO_METRICS_LISTEN={text:?} is not an address like 127.0.0.1:9090"
                        )
                    })
                })
                .transpose()?,
            metrics_token: lookup("ROLO_METRICS_TOKEN")
                .map(|token| {
                    // A short token could be guessed by anyone who can reach the listener.
                    anyhow::ensure!(
                        token.trim().chars().count() >= 16 && token.trim() == token,
                        "ROLO_METRICS_TOKEN must be at least 16 characters, without spaces around"
                    );
                    Ok(token)
                })
                .transpose()?,
            hsts: match lookup("ROLO_HSTS").as_deref() {
                None | Some("false" | "0") => false,
                Some("true" | "1") => true,
                Some(other) => anyhow::bail!("ROLO_HSTS={other:?} must be true or false"),
            },
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
    fn debug_output_hides_the_metrics_token() {
        let config = Config::from_lookup(|name| {
            (name == "ROLO_METRICS_TOKEN").then(|| "scrape-me-0123456789".to_string())
        })
        .unwrap();
        assert_eq!(
            config.metrics_token.as_deref(),
            Some("scrape-me-0123456789")
        );
        assert!(!format!("{config:?}").contains("scrape-me"));
    }

    #[test]
    fn a_short_metrics_token_is_refused() {
        let error =
            Config::from_lookup(|name| (name == "ROLO_METRICS_TOKEN").then(|| "abc".to_string()))
                .unwrap_err();
        assert!(error.to_string().contains("ROLO_METRICS_TOKEN"), "{error}");
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
