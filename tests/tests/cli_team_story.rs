//! The `rolo` CLI for a team, against a real server: a member invited and joining from the
//! CLI, searching with the server gone, two phones' offline edits in the history and a
//! reverted field reaching the other phone, activity logged offline, sharing and unsharing
//! with a colleague, and deleting for good.

use std::path::{Path, PathBuf};
use std::process::Command;

use tests::TestServer;

const PASSWORD: &str = "correct horse battery";

/// The `rolo` binary built beside the test binaries (`cargo build -p client` builds it).
fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let binary = exe.parent().and_then(Path::parent).unwrap().join("rolo");
    assert!(
        binary.exists(),
        "{} is missing: build it with `cargo build -p client`",
        binary.display()
    );
    binary
}

/// Runs a command that must succeed; returns its standard output.
fn rolo(home: &Path, args: &[&str]) -> String {
    let output = Command::new(binary())
        .arg("--home")
        .arg(home)
        .args(args)
        .env("ROLO_PASSWORD", PASSWORD)
        .env_remove("ROLO_SERVER")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "rolo {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn json(home: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&rolo(home, args)).unwrap()
}

/// Aiko signs her company up from `home`.
fn sign_up(home: &Path, url: &str) {
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
            "aiko@kita.example",
            "--region",
            "JP",
        ],
    );
}

/// Aiko invites `email` from `home`; returns the one-time code the CLI printed.
fn invite(home: &Path, email: &str, name: &str) -> String {
    let said = rolo(home, &["invite", email, "--name", name]);
    said.split("one-time code: ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_else(|| panic!("no code in {said:?}"))
        .trim()
        .to_string()
}

fn device_of(home: &Path) -> String {
    json(home, &["status", "--json"])["device"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Runs `story` on blocking threads (the CLI blocks; the in-process server needs the async
/// ones), with a fresh data directory per name.
async fn with_homes<const N: usize>(story: impl FnOnce(String, [PathBuf; N]) + Send + 'static) {
    let server = TestServer::sqlite().await.unwrap();
    let url = server.base_url();
    let dirs: Vec<tempfile::TempDir> = (0..N).map(|_| tempfile::tempdir().unwrap()).collect();
    let homes: [PathBuf; N] = std::array::from_fn(|at| dirs[at].path().to_path_buf());
    tokio::task::spawn_blocking(move || story(url, homes))
        .await
        .unwrap();
    drop(dirs);
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_invited_from_the_cli_joins_from_the_cli_and_receives_the_contacts() {
    with_homes::<2>(|url, [aiko, hiro]| {
        sign_up(&aiko, &url);
        rolo(&aiko, &["add", "--given", "Shared", "--family", "Client"]);
        rolo(&aiko, &["sync"]);
        let code = invite(&aiko, "hiro@kita.example", "Hiro");
        let joined = rolo(
            &hiro,
            &[
                "join",
                "--server",
                &url,
                "--email",
                "hiro@kita.example",
                "--code",
                &code,
            ],
        );
        assert!(joined.contains("signed in"), "{joined}");
        rolo(&hiro, &["sync"]);
        assert!(rolo(&hiro, &["list"]).contains("Shared Client"));
        let members = rolo(&hiro, &["members"]);
        assert!(
            members.contains("aiko@kita.example") && members.contains("hiro@kita.example"),
            "{members}"
        );
        // The code worked once.
        let again = Command::new(binary())
            .arg("--home")
            .arg(tempfile::tempdir().unwrap().path())
            .args([
                "join",
                "--server",
                &url,
                "--email",
                "hiro@kita.example",
                "--code",
                &code,
            ])
            .env("ROLO_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        assert!(!again.status.success());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_searches_its_contacts_with_the_server_gone() {
    let server = TestServer::sqlite().await.unwrap();
    let url = server.base_url();
    let (phone, laptop) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (phone, laptop) = (phone.path().to_path_buf(), laptop.path().to_path_buf());
    let (phone_run, laptop_run) = (phone.clone(), laptop.clone());
    tokio::task::spawn_blocking(move || {
        sign_up(&laptop_run, &url);
        rolo(
            &laptop_run,
            &[
                "add",
                "--family",
                "田中",
                "--given",
                "太郎",
                "--phone",
                "03-1234-5678",
                "--tag",
                "expo",
            ],
        );
        rolo(
            &laptop_run,
            &["add", "--given", "José", "--family", "Álvarez"],
        );
        rolo(&laptop_run, &["sync"]);
        rolo(
            &phone_run,
            &[
                "login",
                "--server",
                &url,
                "--email",
                "aiko@kita.example",
                "--device-name",
                "phone",
            ],
        );
        rolo(&phone_run, &["sync"]);
    })
    .await
    .unwrap();
    server.stop().await.unwrap();

    tokio::task::spawn_blocking(move || {
        for (query, expected) in [
            ("中太", "太郎 田中"),
            ("(03) 1234-5678", "太郎 田中"),
            ("+81 3 1234 5678", "太郎 田中"),
            ("expo", "太郎 田中"),
            ("jose", "José Álvarez"),
        ] {
            let found = rolo(&phone, &["search", query]);
            assert_eq!(found.lines().count(), 1, "{query}: {found}");
            assert!(found.contains(expected), "{query}: {found}");
        }
        drop(laptop);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_phones_offline_edits_are_two_revisions_and_a_reverted_field_reaches_the_other() {
    with_homes::<2>(|url, [phone, laptop]| {
        sign_up(&phone, &url);
        let id = rolo(
            &phone,
            &[
                "add", "--given", "Hiro", "--family", "Tanaka", "--title", "Buyer",
            ],
        )
        .trim()
        .to_string();
        rolo(&phone, &["sync"]);
        rolo(
            &laptop,
            &[
                "login",
                "--server",
                &url,
                "--email",
                "aiko@kita.example",
                "--device-name",
                "laptop",
            ],
        );
        rolo(&laptop, &["sync"]);
        // Offline on both: different fields.
        rolo(&phone, &["edit", &id, "--set", "title=Purchasing manager"]);
        rolo(&laptop, &["edit", &id, "--set", "name.given=Hiroshi"]);
        for home in [&phone, &laptop, &phone] {
            rolo(home, &["sync"]);
        }

        let history = json(&laptop, &["history", &id, "--json"]);
        let revisions = history["revisions"].as_array().unwrap();
        let edits: Vec<&serde_json::Value> = revisions
            .iter()
            .filter(|r| r["event"] == "edited")
            .collect();
        assert_eq!(edits.len(), 2, "{history}");
        let (phone_device, laptop_device) = (device_of(&phone), device_of(&laptop));
        let by_phone = edits
            .iter()
            .find(|r| r["device"] == phone_device.as_str())
            .expect("the phone's edit names the phone");
        let by_laptop = edits
            .iter()
            .find(|r| r["device"] == laptop_device.as_str())
            .expect("the laptop's edit names the laptop");
        assert_eq!(
            by_phone["member_name"], "Aiko",
            "names come from the member list"
        );
        let change = |revision: &serde_json::Value| revision["changes"][0].clone();
        assert_eq!(change(by_phone)["new"], "Purchasing manager");
        assert_eq!(change(by_laptop)["path"], "name.given");
        assert_eq!(
            (
                change(by_laptop)["old"].as_str(),
                change(by_laptop)["new"].as_str()
            ),
            (Some("Hiro"), Some("Hiroshi"))
        );

        // The phone puts the given name back as it was when the contact was added.
        let added = revisions.iter().find(|r| r["event"] == "added").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        rolo(
            &phone,
            &["revert", &id, &added[..8], "--field", "name.given"],
        );
        rolo(&phone, &["sync"]);
        rolo(&laptop, &["sync"]);
        let shown = json(&laptop, &["show", &id, "--json"]);
        assert_eq!(shown["name"]["given"], "Hiro");
        assert_eq!(shown["organizations"][0]["title"], "Purchasing manager");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_logged_offline_reaches_another_device() {
    with_homes::<2>(|url, [phone, laptop]| {
        sign_up(&phone, &url);
        let id = rolo(&phone, &["add", "--given", "Hiro"]).trim().to_string();
        rolo(&phone, &["sync"]);
        rolo(
            &laptop,
            &[
                "login",
                "--server",
                &url,
                "--email",
                "aiko@kita.example",
                "--device-name",
                "laptop",
            ],
        );
        rolo(&laptop, &["sync"]);
        rolo(
            &phone,
            &[
                "activity",
                &id,
                "add",
                "--kind",
                "visit",
                "--text",
                "showed the catalogue",
            ],
        );
        rolo(
            &laptop,
            &[
                "activity",
                &id,
                "add",
                "--kind",
                "call",
                "--text",
                "follow-up",
            ],
        );
        for home in [&phone, &laptop, &phone] {
            rolo(home, &["sync"]);
        }
        for home in [&phone, &laptop] {
            let log = json(home, &["activity", &id, "--json"]);
            let texts: Vec<&str> = log["activity"]
                .as_array()
                .unwrap()
                .iter()
                .map(|entry| entry["text"].as_str().unwrap())
                .collect();
            assert_eq!(texts.len(), 2, "{log}");
            assert!(texts.contains(&"showed the catalogue") && texts.contains(&"follow-up"));
        }
        let text = rolo(&laptop, &["activity", &id]);
        assert!(text.contains("visit") && text.contains("by Aiko"), "{text}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharing_with_a_colleague_brings_the_contact_and_unsharing_takes_it_away() {
    with_homes::<2>(|url, [aiko, hiro]| {
        sign_up(&aiko, &url);
        let code = invite(&aiko, "hiro@kita.example", "Hiro");
        rolo(
            &hiro,
            &[
                "join",
                "--server",
                &url,
                "--email",
                "hiro@kita.example",
                "--code",
                &code,
            ],
        );
        let id = rolo(
            &aiko,
            &[
                "add",
                "--given",
                "Secret",
                "--family",
                "Prospect",
                "--private",
            ],
        )
        .trim()
        .to_string();
        rolo(&aiko, &["sync"]);
        rolo(&hiro, &["sync"]);
        assert!(!rolo(&hiro, &["list"]).contains("Secret Prospect"));

        let said = rolo(&aiko, &["share", &id, "--member", "hiro@kita.example"]);
        assert!(said.contains("its owner, 1 member"), "{said}");
        rolo(&hiro, &["sync"]);
        assert!(rolo(&hiro, &["list"]).contains("Secret Prospect"));

        rolo(&aiko, &["unshare", &id, "--member", "HIRO@kita.example"]);
        rolo(&hiro, &["sync"]);
        assert!(
            !rolo(&hiro, &["list", "--all"]).contains("Secret Prospect"),
            "unsharing took it off Hiro's device"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_deleted_for_good_leaves_every_device() {
    with_homes::<2>(|url, [phone, laptop]| {
        sign_up(&phone, &url);
        let id = rolo(&phone, &["add", "--given", "Gone"]).trim().to_string();
        rolo(&phone, &["sync"]);
        rolo(
            &laptop,
            &[
                "login",
                "--server",
                &url,
                "--email",
                "aiko@kita.example",
                "--device-name",
                "laptop",
            ],
        );
        rolo(&laptop, &["sync"]);
        rolo(&phone, &["delete", &id]);
        rolo(&phone, &["purge", &id]);
        assert!(rolo(&phone, &["list", "--trash"]).is_empty());
        rolo(&laptop, &["sync"]);
        assert!(rolo(&laptop, &["list", "--all"]).is_empty());
        assert!(rolo(&laptop, &["list", "--trash"]).is_empty());
    })
    .await;
}
