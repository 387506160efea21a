//! A real IMAP server for tests: Debian's Dovecot, started as a child process in a temporary
//! folder, seeded with mail written straight into its Maildir, and stopped when dropped.
//!
//! Enabled by the `testing` feature. Another crate's tests use it with
//! `mailbox = { path = "../mailbox", features = ["testing"] }` under `[dev-dependencies]`:
//!
//! ```no_run
//! # async fn example() {
//! use mailbox::testing::{PASSWORD, TestMailServer, USER};
//!
//! let server = TestMailServer::start(); // the messages of `sample_messages()`
//! let account = server.account();       // 127.0.0.1, its port, USER, PASSWORD, its CA
//! let folders = mailbox::folders(&account, &Default::default()).await.unwrap();
//! assert_eq!(folders, ["INBOX", "Sent", "取引先"]);
//! // For a REST test: server.port(), server.ca_pem(), USER and PASSWORD.
//! # let _ = (PASSWORD, USER);
//! # }
//! ```
//!
//! What it sets up, all inside one temporary folder: a CA and a `localhost`/`127.0.0.1`
//! certificate it signed (rcgen), a `dovecot.conf` that listens for IMAP over TLS only on
//! 127.0.0.1 and a port picked free just before, one `passwd-file` user ([`USER`] /
//! [`PASSWORD`]), Maildir++ mail, logs in `dovecot.log`. Run as root (as CI does), the mail is
//! owned by `nobody` and the login processes run as `dovenull`, because Dovecot will do
//! neither as root. A missing `dovecot` binary is a panic that says how to install it: the
//! tests never skip silently.

mod config;
mod messages;

use std::fs;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

pub use config::TestCertificates;
pub use messages::{TestMessage, sample_messages};

use crate::{Account, utf7};
use config::Users;

/// The test account's user name (also its address).
pub const USER: &str = "mina@rolo.test";
/// The test account's password: with a quote, a backslash and non-ASCII letters, so every
/// test goes through IMAP's quoting.
pub const PASSWORD: &str = r#"correct "horse" \ battery ステープル"#;

/// How long Dovecot may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running Dovecot; killed and its folder deleted on drop.
pub struct TestMailServer {
    child: Child,
    port: u16,
    ca_pem: Vec<u8>,
    users: Users,
    /// Declared last so the folder is deleted after the process is stopped.
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for TestMailServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestMailServer")
            .field("pid", &self.child.id())
            .field("port", &self.port)
            .field("dir", &self.dir.path())
            .finish()
    }
}

impl TestMailServer {
    /// Starts Dovecot with [`sample_messages`].
    ///
    /// # Panics
    /// When Dovecot is not installed or does not start; the message says why and what to do.
    pub fn start() -> TestMailServer {
        TestMailServer::start_with(&sample_messages())
    }

    /// Starts Dovecot with `messages` in the mailbox.
    ///
    /// # Panics
    /// As [`TestMailServer::start`].
    pub fn start_with(messages: &[TestMessage]) -> TestMailServer {
        TestMailServer::try_start_with(messages).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts Dovecot with `messages`, or says why it could not.
    pub fn try_start_with(messages: &[TestMessage]) -> Result<TestMailServer, String> {
        let binary = find_dovecot()?;
        let version = dovecot_version(&binary)?;
        if !version.starts_with("2.3.") {
            return Err(format!(
                "{} is Dovecot {version}; mailbox::testing writes a Dovecot 2.3 configuration \
                 (Debian 12's dovecot-imapd).",
                binary.display()
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("rolo-dovecot-")
            .tempdir()
            .map_err(|e| format!("cannot make a temporary folder: {e}"))?;
        let users = Users::find(dir.path())?;
        if users.root {
            // The mail processes run as `nobody` and must reach their home below this folder.
            set_mode(dir.path(), 0o711)?;
        }
        let certs = config::certificates("Rolo Dovecot")
            .map_err(|e| format!("cannot make the test certificates: {e}"))?;
        write(&dir.path().join("server.crt"), certs.server_pem.as_bytes())?;
        write(
            &dir.path().join("server.key"),
            certs.server_key_pem.as_bytes(),
        )?;
        write(
            &dir.path().join("users"),
            format!("{USER}:{{PLAIN}}{PASSWORD}::::::\n").as_bytes(),
        )?;
        let maildir = dir.path().join("home").join(USER).join("Maildir");
        for message in messages {
            deliver_into(&maildir, message)?;
        }
        fs::create_dir_all(maildir.join("cur")).map_err(|e| e.to_string())?;
        fs::create_dir_all(maildir.join("new")).map_err(|e| e.to_string())?;
        fs::create_dir_all(maildir.join("tmp")).map_err(|e| e.to_string())?;
        if users.root {
            chown_tree(&dir.path().join("home"), users.mail_uid, users.mail_gid)?;
        }

        let ca_pem = certs.ca_pem.into_bytes();
        let mut last_error = String::new();
        // A port picked free can be taken by someone else before Dovecot binds it: try again.
        for _ in 0..3 {
            let port = free_port()?;
            let mut child = launch(&binary, dir.path(), port, &users)?;
            match wait_until_ready(&mut child, port, dir.path()) {
                Ok(()) => {
                    return Ok(TestMailServer {
                        child,
                        port,
                        ca_pem,
                        users,
                        dir,
                    });
                }
                Err(e) => {
                    stop(&mut child, dir.path());
                    last_error = e;
                    if !read_log(dir.path()).contains("Address already in use") {
                        break;
                    }
                }
            }
        }
        Err(last_error)
    }

    /// An [`Account`] for this server: `127.0.0.1`, its port, [`USER`], [`PASSWORD`] and its
    /// CA certificate as the extra CA.
    pub fn account(&self) -> Account {
        Account {
            host: self.host().into(),
            port: self.port,
            username: USER.into(),
            password: PASSWORD.into(),
            extra_ca_pem: Some(self.ca_pem.clone()),
        }
    }

    /// The host to connect to: `127.0.0.1` (the certificate also names `localhost`).
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    /// The port Dovecot serves IMAP over TLS on (at 127.0.0.1 and as `localhost`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The PEM certificate of the CA that signed the server's certificate.
    pub fn ca_pem(&self) -> &[u8] {
        &self.ca_pem
    }

    /// Dovecot's log so far, for a failing test to print.
    pub fn log(&self) -> String {
        read_log(self.dir.path())
    }

    /// Puts one more message into the mailbox of the running server.
    pub fn deliver(&self, message: &TestMessage) -> Result<(), String> {
        let maildir = self.dir.path().join("home").join(USER).join("Maildir");
        deliver_into(&maildir, message)?;
        if self.users.root {
            chown_tree(&maildir, self.users.mail_uid, self.users.mail_gid)?;
        }
        Ok(())
    }
}

impl Drop for TestMailServer {
    fn drop(&mut self) {
        stop(&mut self.child, self.dir.path());
    }
}

/// Runs Dovecot under a small shell watchdog: the shell holds the read end of a pipe whose
/// write end only this process has, and stops Dovecot when it closes — when the server is
/// dropped, and also when the test process dies without dropping it (a panic that aborts, a
/// kill), so no Dovecot outlives its test run. The shell exits with Dovecot's status.
const WATCHDOG: &str = r#"exec 3<&0
"$1" -F -c "$2" 3<&- &
dovecot=$!
(read -r _ <&3; kill -TERM "$dovecot" 2>/dev/null) &
wait "$dovecot"
"#;

/// Starts `dovecot -F -c dir/dovecot.conf` listening on `port`, under [`WATCHDOG`].
fn launch(binary: &Path, dir: &Path, port: u16, users: &Users) -> Result<Child, String> {
    let conf = dir.join("dovecot.conf");
    write(&conf, config::dovecot_conf(dir, port, users).as_bytes())?;
    let output = fs::File::create(dir.join("dovecot.out"))
        .map_err(|e| format!("cannot create dovecot.out: {e}"))?;
    Command::new("sh")
        .arg("-c")
        .arg(WATCHDOG)
        .arg("sh")
        .arg(binary)
        .arg(&conf)
        .stdin(Stdio::piped())
        .stdout(output.try_clone().map_err(|e| e.to_string())?)
        .stderr(output)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))
}

/// Waits until the port accepts connections, or Dovecot exits, or [`START_TIMEOUT`].
fn wait_until_ready(child: &mut Child, port: u16, dir: &Path) -> Result<(), String> {
    let deadline = Instant::now() + START_TIMEOUT;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!(
                "Dovecot exited ({status}) before accepting connections. Its log:\n{}",
                read_log(dir)
            ));
        }
        // Dovecot's master says "starting up" once its listeners are bound; the connection
        // then shows they accept. Both, so another process that took the port in the moment
        // between picking it and Dovecot binding it is not mistaken for Dovecot.
        if read_log(dir).contains("starting up")
            && TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "Dovecot did not accept connections on {addr} within {} s. Its log:\n{}",
                START_TIMEOUT.as_secs(),
                read_log(dir)
            ));
        }
        // Polling the port is the readiness signal Dovecot offers without systemd.
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Closes the watchdog's pipe (it sends Dovecot SIGTERM, and Dovecot's master stops its
/// children); SIGKILL to Dovecot's master (its own pid file) and the shell if that takes
/// more than 5 s.
fn stop(child: &mut Child, dir: &Path) {
    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if let Ok(pid) = fs::read_to_string(dir.join("run").join("master.pid")) {
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg(pid.trim())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// What Dovecot printed and logged.
fn read_log(dir: &Path) -> String {
    let read = |name: &str| fs::read_to_string(dir.join(name)).unwrap_or_default();
    format!("{}{}", read("dovecot.out"), read("dovecot.log"))
}

/// A new CA and a `localhost`/`127.0.0.1` server certificate it signed, for a test that runs
/// a TLS server of its own (a fake IMAP server, say).
pub fn localhost_certificates() -> TestCertificates {
    config::certificates("Rolo test").expect("rcgen makes a certificate")
}

/// A PEM certificate of a CA that signed nothing this server presents: trusting it instead of
/// [`TestMailServer::ca_pem`] must fail the TLS handshake.
pub fn unrelated_ca_pem() -> Vec<u8> {
    config::certificates("Unrelated")
        .expect("rcgen makes a certificate")
        .ca_pem
        .into_bytes()
}

/// `$DOVECOT`, else `dovecot` on `$PATH` or in the sbin folders.
fn find_dovecot() -> Result<PathBuf, String> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from));
    find_dovecot_in(std::env::var_os("DOVECOT").map(PathBuf::from), &dirs)
}

fn find_dovecot_in(explicit: Option<PathBuf>, dirs: &[PathBuf]) -> Result<PathBuf, String> {
    const INSTALL: &str = "The mailbox tests need a real IMAP server: install Dovecot with \
                           `sudo apt-get install dovecot-imapd` (Debian/Ubuntu; .ci/run does \
                           this), or set DOVECOT to the path of the dovecot binary.";
    if let Some(path) = explicit {
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "DOVECOT is {}, which is not a file. {INSTALL}",
                path.display()
            ))
        };
    }
    dirs.iter()
        .map(|d| d.join("dovecot"))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("Dovecot is not installed. {INSTALL}"))
}

fn dovecot_version(binary: &Path) -> Result<String, String> {
    let out = Command::new(binary)
        .arg("--version")
        .output()
        .map_err(|e| format!("cannot run {} --version: {e}", binary.display()))?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string())
}

/// Writes `message` into the Maildir++ folder it names, its arrival date as the file's mtime
/// (Dovecot's INTERNALDATE for Maildir). Returns the file's path.
fn deliver_into(maildir: &Path, message: &TestMessage) -> Result<PathBuf, String> {
    // Maildir file names must be unique; a counter for this process does it.
    static DELIVERED: AtomicU64 = AtomicU64::new(0);
    let n = DELIVERED.fetch_add(1, Ordering::Relaxed);
    let folder = if message.folder.eq_ignore_ascii_case("INBOX") {
        maildir.to_path_buf()
    } else {
        // Maildir++: `.Name` beside cur/new/tmp, the name in modified UTF-7 as on the wire.
        maildir.join(format!(".{}", utf7::encode(&message.folder)))
    };
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(folder.join(sub))
            .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    }
    let arrived = message
        .arrived
        .and_hms_opt(12, 0, 0)
        .expect("noon exists")
        .and_utc();
    let secs = arrived.timestamp();
    let name = format!("{secs}.M{n}P{}.rolo-test", std::process::id());
    let tmp = folder.join("tmp").join(&name);
    let mut file = fs::File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    file.write_all(&message.raw)
        .map_err(|e| format!("{}: {e}", tmp.display()))?;
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(secs.max(0).unsigned_abs());
    file.set_modified(mtime)
        .map_err(|e| format!("{}: {e}", tmp.display()))?;
    drop(file);
    // Seen messages live in cur/ with their flags after `:2,`.
    let path = folder.join("cur").join(format!("{name}:2,S"));
    fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("cannot find a free port on 127.0.0.1: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn set_mode(path: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| format!("cannot chmod {}: {e}", path.display()))
}

fn chown_tree(path: &Path, uid: u32, gid: u32) -> Result<(), String> {
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
        .map_err(|e| format!("cannot chown {}: {e}", path.display()))?;
    if path.is_dir() {
        for entry in fs::read_dir(path).map_err(|e| e.to_string())? {
            chown_tree(&entry.map_err(|e| e.to_string())?.path(), uid, gid)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_dovecot_says_how_to_install_it() {
        let empty = tempfile::tempdir().unwrap();
        let err = find_dovecot_in(None, &[empty.path().to_path_buf()]).unwrap_err();
        assert!(err.starts_with("Dovecot is not installed."), "{err}");
        assert!(err.contains("apt-get install dovecot-imapd"), "{err}");
        let err = find_dovecot_in(Some(empty.path().join("dovecot")), &[]).unwrap_err();
        assert!(err.contains("not a file"), "{err}");
    }
}
