//! The `rolo` CLI as the stories drive it: the real binary, built beside the test binaries,
//! run with a data directory per device and the stories' password, against a [`TestServer`].
//!
//! The CLI blocks, and an in-process server needs the runtime's threads, so a story runs its
//! commands on a blocking thread ([`with_homes`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::TestServer;

/// Every account's password in the CLI stories (passed as `ROLO_PASSWORD`).
pub const PASSWORD: &str = "correct horse battery";

/// The company the stories sign up, and its owner.
pub const OWNER_EMAIL: &str = "aiko@kita.example";

/// The `rolo` binary built beside the test binaries (`cargo build -p client` builds it; a
/// `cargo test -p tests` alone does not).
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let binary = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary sits in target/<profile>/deps")
        .join("rolo");
    assert!(
        binary.exists(),
        "{} is missing: build it with `cargo build -p client`",
        binary.display()
    );
    binary
}

/// `rolo --home HOME ARGS…`, whatever comes of it. The caller's `ROLO_HOME` and
/// `ROLO_SERVER` are not passed on: a story's device is its `home` and its server is the one
/// the story names.
pub fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(binary())
        .arg("--home")
        .arg(home)
        .args(args)
        .env_remove("ROLO_HOME")
        .env_remove("ROLO_SERVER")
        .env("ROLO_PASSWORD", PASSWORD)
        .output()
        .expect("rolo runs")
}

/// A command that must succeed: its standard output.
pub fn rolo(home: &Path, args: &[&str]) -> String {
    let output = run(home, args);
    assert!(
        output.status.success(),
        "rolo {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("rolo prints UTF-8")
}

/// A command that must fail: what it said on standard error.
pub fn rolo_fails(home: &Path, args: &[&str]) -> String {
    let output = run(home, args);
    assert!(
        !output.status.success(),
        "rolo {args:?} succeeded: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A command printing JSON.
pub fn json(home: &Path, args: &[&str]) -> Value {
    let out = rolo(home, args);
    serde_json::from_str(&out).unwrap_or_else(|error| panic!("rolo {args:?}: {error}: {out}"))
}

/// `rolo add FIELDS…` at `home`: the new contact's id.
pub fn add(home: &Path, fields: &[&str]) -> String {
    rolo(home, &[&["add"], fields].concat()).trim().to_string()
}

/// The names `rolo list`/`rolo search` finds with `args` (`--json` is added), in its order.
pub fn names(home: &Path, args: &[&str]) -> Vec<String> {
    let args = [args, &["--json"]].concat();
    let listed = json(home, &args);
    listed
        .as_array()
        .unwrap_or_else(|| panic!("rolo {args:?} printed no list: {listed}"))
        .iter()
        .map(|summary| {
            summary["display_name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// Aiko signs Kita Logistics up from `home` (phone numbers read as Japanese).
pub fn sign_up(home: &Path, url: &str) {
    rolo(
        home,
        &[
            "signup",
            "--server",
            url,
            "--company",
            "Kita Logistics",
            "--name",
            "Aiko",
            "--email",
            OWNER_EMAIL,
            "--region",
            "JP",
        ],
    );
}

/// Aiko signs another of her devices in from `home`, named `device_name`.
pub fn log_in(home: &Path, url: &str, device_name: &str) {
    rolo(
        home,
        &[
            "login",
            "--server",
            url,
            "--email",
            OWNER_EMAIL,
            "--device-name",
            device_name,
        ],
    );
}

/// The member signed in at `home` invites `email` as `name`; returns the one-time code the
/// CLI printed for them.
pub fn invite(home: &Path, email: &str, name: &str) -> String {
    let said = rolo(home, &["invite", email, "--name", name]);
    said.split("one-time code: ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_else(|| panic!("no code in {said:?}"))
        .trim()
        .to_string()
}

/// `rolo join` from `home` with the code `email` was invited with; returns what it said.
pub fn join(home: &Path, url: &str, email: &str, code: &str) -> String {
    rolo(
        home,
        &["join", "--server", url, "--email", email, "--code", code],
    )
}

/// A field of `rolo status --json` at `home` (`member`, `device`, …).
pub fn status(home: &Path, field: &str) -> String {
    let status = json(home, &["status", "--json"]);
    status[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {status}"))
        .to_string()
}

/// Runs `story` on a blocking thread with the address of a fresh SQLite server and `N` empty
/// data directories (one per device), then stops the server.
pub async fn with_homes<const N: usize>(story: impl FnOnce(String, [PathBuf; N]) + Send + 'static) {
    let server = TestServer::sqlite().await.expect("server starts");
    let url = server.base_url();
    let dirs: Vec<tempfile::TempDir> = (0..N)
        .map(|_| tempfile::tempdir().expect("a data directory"))
        .collect();
    let homes: [PathBuf; N] = std::array::from_fn(|at| dirs[at].path().to_path_buf());
    tokio::task::spawn_blocking(move || story(url, homes))
        .await
        .expect("the story holds");
    drop(dirs);
    server.stop().await.expect("server stops");
}
