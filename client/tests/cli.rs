//! The `rolo` binary as a person or a script uses it, with a temporary data directory and no
//! server.

use std::path::Path;
use std::process::{Command, Output};

fn rolo(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rolo"))
        .arg("--home")
        .arg(home)
        .args(args)
        .env_remove("ROLO_HOME")
        .env_remove("ROLO_PASSWORD")
        .env_remove("ROLO_SERVER")
        .output()
        .expect("rolo runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs a command that must succeed and returns its standard output.
fn ok(home: &Path, args: &[&str]) -> String {
    let output = rolo(home, args);
    assert!(
        output.status.success(),
        "rolo {args:?} failed: {}",
        stderr(&output)
    );
    stdout(&output)
}

/// Runs a command that must fail as bad input (exit 2) and returns its error message.
fn refused(home: &Path, args: &[&str]) -> String {
    let output = rolo(home, args);
    assert_eq!(
        output.status.code(),
        Some(2),
        "rolo {args:?}: {}",
        stderr(&output)
    );
    stderr(&output)
}

#[test]
fn a_contact_added_offline_is_listed_shown_and_edited() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let id = ok(
        home,
        &[
            "add",
            "--given",
            "Aiko",
            "--family",
            "Sato",
            "--company",
            "Yamata Keiki",
            "--title",
            "Buyer",
            "--phone",
            "work=(03) 1234-5678",
            "--region",
            "JP",
            "--email",
            "a.sato@yamata.co.jp",
            "--tag",
            "vip",
            "--tag",
            "expo",
        ],
    );
    let id = id.trim();
    assert_eq!(id.len(), 36, "add prints the new id: {id:?}");

    let list = ok(home, &["list"]);
    assert!(list.starts_with(&id[..8]), "{list}");
    assert!(
        list.contains("Aiko Sato") && list.contains("+81312345678"),
        "{list}"
    );

    let shown: serde_json::Value =
        serde_json::from_str(&ok(home, &["show", &id[..8], "--json"])).unwrap();
    assert_eq!(shown["id"], id);
    assert_eq!(shown["phones"][0]["e164"], "+81312345678");
    assert_eq!(shown["phones"][0]["raw"], "(03) 1234-5678");
    assert_eq!(shown["organizations"][0]["title"], "Buyer");
    assert_eq!(shown["tags"], serde_json::json!(["expo", "vip"]));
    let phone_item = shown["phones"][0]["id"].as_str().unwrap().to_string();

    ok(
        home,
        &[
            "edit",
            id,
            "--set",
            "name.given=Aiko-chan",
            "--set",
            "level=primary",
            "--add-phone",
            "+1 415 555 0132",
            "--remove-phone",
            &phone_item,
            "--note",
            "met at the expo",
        ],
    );
    let shown: serde_json::Value =
        serde_json::from_str(&ok(home, &["show", id, "--json"])).unwrap();
    assert_eq!(shown["display_name"], "Aiko-chan Sato");
    assert_eq!(shown["level"], "primary");
    assert_eq!(shown["phones"].as_array().unwrap().len(), 1);
    assert_eq!(shown["phones"][0]["e164"], "+14155550132");
    assert_eq!(shown["notes"], "met at the expo");

    let status: serde_json::Value = serde_json::from_str(&ok(home, &["status", "--json"])).unwrap();
    assert_eq!(status["pending"], 2);
    assert_eq!(status["contacts"], 1);
    assert_eq!(status["last_sync_ms"], serde_json::Value::Null);
}

#[test]
fn a_deleted_contact_leaves_the_list_until_restored() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let id = ok(home, &["add", "--company", "Example Corp"]);
    let id = id.trim();
    ok(home, &["delete", id]);
    assert_eq!(ok(home, &["list"]), "");
    assert!(ok(home, &["show", id]).contains("in the trash"));
    ok(home, &["restore", id]);
    assert!(ok(home, &["list"]).contains("Example Corp"));
}

#[test]
fn a_bad_phone_is_refused_naming_the_field_and_value() {
    let home = tempfile::tempdir().unwrap();
    let message = refused(
        home.path(),
        &[
            "add", "--given", "Ben", "--phone", "12-34", "--region", "JP",
        ],
    );
    assert!(message.contains(r#"phones: "12-34""#), "{message}");
    assert_eq!(ok(home.path(), &["list"]), "", "nothing was stored");
}

#[test]
fn a_national_number_without_a_region_asks_for_the_country() {
    let home = tempfile::tempdir().unwrap();
    let message = refused(
        home.path(),
        &["add", "--given", "Ben", "--phone", "03-1234-5678"],
    );
    assert!(
        message.contains(r#"phones: "03-1234-5678" has no country code"#),
        "{message}"
    );
}

#[test]
fn bad_values_name_their_fields() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    for (args, expected) in [
        (
            vec!["add", "--given", "X", "--email", "not mail"],
            r#"emails: "not mail""#,
        ),
        (
            vec!["add", "--given", "X", "--url", "ftp//x"],
            r#"urls: "ftp//x""#,
        ),
        (
            vec!["add", "--given", "X", "--type", "friend"],
            r#"type: "friend""#,
        ),
        (
            vec!["add", "--given", "X", "--birthday", "1990-02-30"],
            r#"birthday: "1990-02-30""#,
        ),
        (vec!["add", "--title", "Buyer"], "name: a contact needs"),
    ] {
        let message = refused(home, &args);
        assert!(message.contains(expected), "{args:?}: {message}");
    }
    let id = ok(home, &["add", "--given", "X"]);
    let id = id.trim();
    for (args, expected) in [
        (
            vec!["edit", id, "--set", "colour=blue"],
            r#"--set: "colour" is not a field"#,
        ),
        (
            vec!["edit", id, "--set", "level=urgent"],
            r#"level: "urgent""#,
        ),
        (
            vec!["edit", id, "--remove-phone", "nope"],
            r#"phones: the contact has no item "nope""#,
        ),
        (
            vec!["edit", id, "--set", "name.given="],
            "name: a contact needs",
        ),
        (
            vec!["show", "zzz"],
            r#"no contact on this device has an id starting with "zzz""#,
        ),
    ] {
        let message = refused(home, &args);
        assert!(message.contains(expected), "{args:?}: {message}");
    }
    let status: serde_json::Value = serde_json::from_str(&ok(home, &["status", "--json"])).unwrap();
    assert_eq!(status["pending"], 1, "only the one good add was stored");
}

#[test]
fn syncing_before_signing_in_explains_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let output = rolo(home.path(), &["sync"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("rolo login"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn logging_in_to_a_server_that_is_not_there_fails_cleanly() {
    let home = tempfile::tempdir().unwrap();
    // Port 9 (discard) on loopback: nothing listens there.
    let output = Command::new(env!("CARGO_BIN_EXE_rolo"))
        .args(["--home"])
        .arg(home.path())
        .args([
            "login",
            "--server",
            "http://127.0.0.1:9",
            "--email",
            "a@b.jp",
        ])
        .env("ROLO_PASSWORD", "secret")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("could not reach the server"),
        "{}",
        stderr(&output)
    );
    // https is spoken (TLS by rustls): nothing listens here, so it is a network error.
    let output = Command::new(env!("CARGO_BIN_EXE_rolo"))
        .args(["--home"])
        .arg(home.path())
        .args([
            "login",
            "--server",
            "https://127.0.0.1:9",
            "--email",
            "a@b.jp",
        ])
        .env("ROLO_PASSWORD", "secret")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("could not reach the server"));
    let other = refused(
        home.path(),
        &[
            "login",
            "--server",
            "ftp://rolo.example",
            "--email",
            "a@b.jp",
            "--password",
            "x",
        ],
    );
    assert!(other.contains("http:// or https://"), "{other}");
}
