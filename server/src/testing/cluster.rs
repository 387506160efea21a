//! A throw-away PostgreSQL cluster in a temporary directory.

use std::net::TcpListener;
use std::os::unix::fs::MetadataExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use super::TestingError;

/// Where Debian and Ubuntu install PostgreSQL's server binaries, one directory per version.
const DEBIAN_ROOT: &str = "/usr/lib/postgresql";

/// The database every cluster starts with, beside `postgres`.
const DATABASE: &str = "rolo";

/// How many ports to try: another process may take the free port picked before the server
/// binds it.
const PORT_ATTEMPTS: usize = 3;

/// A private PostgreSQL cluster: `initdb` into a temporary directory, then `pg_ctl start` on
/// a free port of 127.0.0.1 with its socket in that directory. Trust authentication as user
/// `postgres`; `fsync` off, since the data dies with the test ([`PgCluster::start_durable`]
/// keeps Postgres's durable defaults, for benchmarks that measure commits).
///
/// The cluster is stopped and its directory deleted when this value is dropped — or, for one
/// held in a static (never dropped), when the test process exits, even by a crash: a small
/// watchdog process waits for its stdin, a pipe from this process, to close.
#[derive(Debug)]
pub struct PgCluster {
    port: u16,
    root: PathBuf,
    watchdog: Option<(Child, ChildStdin)>,
    /// The server's binaries, whether they run as `postgres`, and the options it was started
    /// with: what [`PgCluster::stop`] and [`PgCluster::start_again`] need.
    bin: PathBuf,
    run_as_postgres: bool,
    options: String,
}

impl PgCluster {
    /// Start a cluster (a few seconds). Fails if no server binaries are installed.
    pub fn start() -> Result<Self, TestingError> {
        Self::start_with(false)
    }

    /// A cluster that syncs every commit to disk, as a production server does: what a
    /// benchmark of acknowledged writes must run on.
    pub fn start_durable() -> Result<Self, TestingError> {
        Self::start_with(true)
    }

    fn start_with(durable: bool) -> Result<Self, TestingError> {
        let bin = binaries()?;
        let run_as_postgres = is_root()?;
        let root = std::env::temp_dir().join(format!("rolo-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir(&root)?;
        let mut cluster = Self {
            port: 0,
            root: root.clone(),
            watchdog: None,
            bin: bin.clone(),
            run_as_postgres,
            options: String::new(),
        };
        if run_as_postgres {
            // The server refuses to run as root and must own its data directory.
            let (uid, gid) = postgres_user()?;
            std::os::unix::fs::chown(&root, Some(uid), Some(gid))?;
        }
        cluster.watchdog = Some(watchdog(&root, cluster.tool("pg_ctl"))?);
        let data = root.join("data");
        run(cluster.tool("initdb").arg("-D").arg(&data).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]))?;
        let log = root.join("server.log");
        let mut attempt = 0;
        loop {
            attempt += 1;
            let port = free_port()?;
            let speed = if durable {
                ""
            } else {
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            };
            let options = format!(
                "-k {} -p {port} -c listen_addresses=127.0.0.1 {speed}-c max_connections=300",
                root.display()
            );
            // `-w` waits until the server accepts connections.
            let started = run(cluster
                .tool("pg_ctl")
                .args(["start", "-w", "-D"])
                .arg(&data)
                .arg("-l")
                .arg(&log)
                .arg("-o")
                .arg(&options));
            match started {
                Ok(()) => {
                    cluster.port = port;
                    cluster.options = options;
                    break;
                }
                Err(error) if attempt >= PORT_ATTEMPTS => {
                    let server_log = std::fs::read_to_string(&log).unwrap_or_default();
                    return Err(match error {
                        TestingError::Command { command, output } => TestingError::Command {
                            command,
                            output: format!("{output}\nserver log:\n{server_log}"),
                        },
                        other => other,
                    });
                }
                Err(_) => continue,
            }
        }
        run(Command::new(bin.join("createdb"))
            .args(["-h", "127.0.0.1", "-U", "postgres", "-p"])
            .arg(cluster.port.to_string())
            .arg(DATABASE))?;
        Ok(cluster)
    }

    /// The TCP port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of its `rolo` database: `postgres://postgres@127.0.0.1:PORT/rolo`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{DATABASE}", self.port)
    }

    /// The URL of its `postgres` database, to create and drop others from.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Where its data and socket live.
    pub fn directory(&self) -> &Path {
        &self.root
    }

    /// Stop the server at once (`pg_ctl stop -m immediate`: no checkpoint, every open
    /// connection cut), as a crash or an outage would; the data stays for
    /// [`PgCluster::start_again`].
    pub fn stop(&self) -> Result<(), TestingError> {
        run(self
            .tool("pg_ctl")
            .args(["stop", "-m", "immediate", "-w", "-D"])
            .arg(self.root.join("data")))
    }

    /// Start the server again on the same port, after [`PgCluster::stop`]; returns once it
    /// accepts connections.
    pub fn start_again(&self) -> Result<(), TestingError> {
        run(self
            .tool("pg_ctl")
            .args(["start", "-w", "-D"])
            .arg(self.root.join("data"))
            .arg("-l")
            .arg(self.root.join("server.log"))
            .arg("-o")
            .arg(&self.options))
    }

    fn tool(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        let mut command = if self.run_as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        command.stdin(Stdio::null());
        command
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if let Some((mut child, stdin)) = self.watchdog.take() {
            // Closing the pipe is the watchdog's signal to stop the server and clean up.
            drop(stdin);
            if let Err(error) = child.wait() {
                eprintln!(
                    "the PostgreSQL watchdog for {} failed: {error}",
                    self.root.display()
                );
            }
        }
    }
}

/// The newest version's binaries (`ROLO_PG_BIN` overrides the search).
fn binaries() -> Result<PathBuf, TestingError> {
    if let Ok(bin) = std::env::var("ROLO_PG_BIN") {
        let bin = PathBuf::from(bin);
        if !bin.join("initdb").exists() {
            return Err(TestingError::NoBinaries {
                searched: format!("ROLO_PG_BIN={}", bin.display()),
            });
        }
        return Ok(bin);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(DEBIAN_ROOT)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| TestingError::NoBinaries {
            searched: format!("{DEBIAN_ROOT}/*/bin"),
        })
}

fn is_root() -> Result<bool, TestingError> {
    Ok(std::fs::metadata("/proc/self")?.uid() == 0)
}

/// The `postgres` system user's uid and gid, from /etc/passwd.
fn postgres_user() -> Result<(u32, u32), TestingError> {
    let passwd = std::fs::read_to_string("/etc/passwd")?;
    passwd
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            match fields.as_slice() {
                ["postgres", _, uid, gid, ..] => Some((uid.parse().ok()?, gid.parse().ok()?)),
                _ => None,
            }
        })
        .ok_or_else(|| TestingError::Command {
            command: "looking up the postgres user".into(),
            output: "running as root, but /etc/passwd has no `postgres` user to run the server \
                     as (installing the postgresql package creates it)"
                .into(),
        })
}

/// A port free at this moment.
fn free_port() -> Result<u16, TestingError> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn run(command: &mut Command) -> Result<(), TestingError> {
    let output = command.output()?;
    if output.status.success() {
        return Ok(());
    }
    Err(TestingError::Command {
        command: format!("{command:?}"),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    })
}

/// A process that waits for its stdin to close, then stops the cluster and deletes `root`.
/// It runs in a process group of its own, so a Ctrl-C aimed at the tests does not kill it
/// before it has cleaned up.
fn watchdog(root: &Path, mut pg_ctl: Command) -> Result<(Child, ChildStdin), TestingError> {
    pg_ctl
        .args(["stop", "-m", "immediate", "-D"])
        .arg(root.join("data"));
    let mut stop: Vec<String> = vec![pg_ctl.get_program().to_string_lossy().into_owned()];
    stop.extend(
        pg_ctl
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned()),
    );
    let mut child = Command::new("sh")
        .arg("-c")
        // `$@` is the stop command; it fails harmlessly if the server never started.
        .arg(r#"cat > /dev/null; "$@" > /dev/null 2>&1; rm -rf -- "$ROLO_PG_ROOT""#)
        .arg("rolo-pg-watchdog")
        .args(stop)
        .env("ROLO_PG_ROOT", root)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()?;
    let stdin = child.stdin.take().ok_or_else(|| TestingError::Command {
        command: "sh (watchdog)".into(),
        output: "no stdin pipe".into(),
    })?;
    Ok((child, stdin))
}
