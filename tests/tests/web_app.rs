//! The web app (web/) as the README's test command runs it: the committed bundle checked
//! against its sources, then the app's own tests — unit tests and the end-to-end stories in
//! real Chromium — against the real server, which serves the app from the files embedded in
//! it (the committed web/dist).
//!
//! Node and npm come from the machine (`.ci/run` installs them, and Debian's `chromium`); the
//! app's packages are installed from web/package-lock.json here when they are missing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../web")
}

/// `npm ci` unless the installed packages are at least as new as the lock file; one test at a
/// time.
fn install_packages(web: &Path) -> anyhow::Result<()> {
    static INSTALLING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = INSTALLING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let modified = |path: PathBuf| std::fs::metadata(path).and_then(|meta| meta.modified());
    let installed = modified(web.join("node_modules/.package-lock.json"));
    let locked = modified(web.join("package-lock.json"))?;
    if installed.is_ok_and(|installed| installed >= locked) {
        return Ok(());
    }
    run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(web),
        "npm ci",
    )
}

/// Run `command`, failing with its output when it fails.
fn run(command: &mut Command, what: &str) -> anyhow::Result<()> {
    let output = command.output()?;
    anyhow::ensure!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{}", String::from_utf8_lossy(&output.stdout));
    Ok(())
}

/// Every file below `dir` with its bytes, by path below `dir`.
fn files(dir: &Path) -> anyhow::Result<BTreeMap<PathBuf, Vec<u8>>> {
    let mut found = BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let path = entry?.path();
            if path.is_dir() {
                folders.push(path);
            } else {
                found.insert(path.strip_prefix(dir)?.to_path_buf(), std::fs::read(&path)?);
            }
        }
    }
    Ok(found)
}

/// The committed bundle (what the server embeds and serves) is what its sources build to:
/// web/dist is rebuilt in place and must come out byte for byte the same.
#[test]
fn the_committed_bundle_is_what_the_web_apps_sources_build_to() -> anyhow::Result<()> {
    let web = web_dir();
    install_packages(&web)?;
    let committed = files(&web.join("dist"))?;
    run(
        Command::new("npm").args(["run", "build"]).current_dir(&web),
        "npm run build in web/",
    )?;
    let built = files(&web.join("dist"))?;
    let differing: BTreeSet<&PathBuf> = committed
        .keys()
        .chain(built.keys())
        .filter(|path| committed.get(*path) != built.get(*path))
        .collect();
    anyhow::ensure!(
        differing.is_empty(),
        "web/dist is not what web/'s sources build to (rebuilt now: commit it): {differing:?}"
    );
    Ok(())
}

/// The app's unit tests, then its end-to-end stories in Debian's Chromium against the real
/// server (the `rolo-server` built with this test, serving the app embedded in it), which the
/// stories start on a fresh SQLite database (web/e2e/global-setup.ts), and a real Dovecot for
/// the mailbox import.
#[test]
fn the_web_app_passes_its_unit_tests_and_browser_stories_against_the_real_server()
-> anyhow::Result<()> {
    let web = web_dir();
    install_packages(&web)?;
    run(
        Command::new("npm").arg("test").current_dir(&web),
        "the web app's unit tests (npm test in web/)",
    )?;
    // The mailbox story reads a real IMAP server: Dovecot with fictional mail, whose CA the
    // server trusts through ROLO_IMAP_CA_FILE (the stories' server inherits this environment).
    let mail = mailbox::testing::TestMailServer::start();
    let ca = tempfile::NamedTempFile::new()?;
    std::fs::write(ca.path(), mail.ca_pem())?;
    run(
        Command::new("npm")
            .args(["run", "e2e"])
            .current_dir(&web)
            .env_remove("ROLO_URL")
            .env("ROLO_SERVER_BIN", tests::server_binary()?)
            .env("ROLO_IMAP_CA_FILE", ca.path())
            .env("ROLO_TEST_IMAP_PORT", mail.port().to_string())
            .env("ROLO_TEST_IMAP_USER", mailbox::testing::USER)
            .env("ROLO_TEST_IMAP_PASSWORD", mailbox::testing::PASSWORD),
        "the web app's stories in Chromium (npm run e2e in web/)",
    )
}
