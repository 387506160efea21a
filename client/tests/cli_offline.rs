//! The `rolo` binary's offline commands, with a temporary data directory and no server:
//! search, list filters, archive, tags, the activity log, history and revert.

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

fn ok(home: &Path, args: &[&str]) -> String {
    let output = rolo(home, args);
    assert!(
        output.status.success(),
        "rolo {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn refused(home: &Path, args: &[&str]) -> String {
    let output = rolo(home, args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "rolo {args:?}: {stderr}");
    stderr
}

fn json(home: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(home, args)).unwrap()
}

fn add(home: &Path, args: &[&str]) -> String {
    let mut all = vec!["add", "--region", "JP"];
    all.extend_from_slice(args);
    ok(home, &all).trim().to_string()
}

#[test]
fn search_finds_by_name_part_reading_phone_format_and_tag_with_no_network() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    add(
        home,
        &[
            "--family",
            "田中",
            "--given",
            "太郎",
            "--phone",
            "03-1234-5678",
            "--tag",
            "expo",
            "--type",
            "customer",
        ],
    );
    ok(
        home,
        &[
            "edit",
            &ok(home, &["list"])[..8],
            "--set",
            "name.phonetic_family=タナカ",
        ],
    );
    add(
        home,
        &[
            "--given",
            "José",
            "--family",
            "Álvarez",
            "--company",
            "Acme",
        ],
    );
    add(home, &["--given", "Ben", "--family", "Ng", "--tag", "expo"]);

    for (query, expected) in [
        (vec!["中太"], "田中太郎"),
        (vec!["ﾀﾅｶ"], "田中太郎"),
        (vec!["jose"], "José Álvarez"),
        (vec!["acm"], "José Álvarez"),
        (vec!["(03) 1234-5678"], "田中太郎"),
        (vec!["+81", "3", "1234", "5678"], "田中太郎"),
    ] {
        let mut args = vec!["search"];
        args.extend(query.iter().copied());
        let found = ok(home, &args);
        assert_eq!(found.lines().count(), 1, "{query:?}: {found}");
        assert!(found.contains(expected), "{query:?}: {found}");
    }
    let tagged = ok(home, &["search", "expo", "--type", "customer"]);
    assert!(
        tagged.contains("田中太郎") && !tagged.contains("Ben Ng"),
        "{tagged}"
    );
    let by_tag = json(home, &["list", "--tag", "expo", "--json"]);
    let names: Vec<&str> = by_tag
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ben Ng", "田中太郎"]);
    assert_eq!(by_tag[0]["tags"], serde_json::json!(["expo"]));

    let message = refused(home, &["search", "x", "--type", "friend"]);
    assert!(message.contains(r#"type: "friend""#), "{message}");
}

#[test]
fn an_archived_contact_leaves_the_list_and_comes_back() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let id = add(home, &["--given", "Old", "--family", "Client"]);
    add(home, &["--given", "New", "--family", "Client"]);
    ok(home, &["archive", &id[..8]]);
    let list = ok(home, &["list"]);
    assert!(
        list.contains("New Client") && !list.contains("Old Client"),
        "{list}"
    );
    let archived = ok(home, &["list", "--archived"]);
    assert!(
        archived.contains("Old Client") && archived.trim_end().ends_with("(archived)"),
        "{archived}"
    );
    assert_eq!(ok(home, &["search", "client", "--all"]).lines().count(), 2);
    assert!(ok(home, &["show", &id]).contains("archived"));
    ok(home, &["unarchive", &id]);
    assert_eq!(ok(home, &["list"]).lines().count(), 2);
}

#[test]
fn tags_and_activity_are_edited_offline_and_counted() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let id = add(home, &["--given", "Hiro"]);
    ok(home, &["tag", &id, "add", "vip", "expo"]);
    ok(home, &["tag", &id, "remove", "vip"]);
    assert_eq!(
        json(home, &["show", &id, "--json"])["tags"],
        serde_json::json!(["expo"])
    );
    assert_eq!(ok(home, &["tags"]).trim(), "1  expo");

    ok(
        home,
        &[
            "activity",
            &id,
            "add",
            "--kind",
            "call",
            "--text",
            "asked for a quote",
        ],
    );
    ok(
        home,
        &[
            "activity",
            &id,
            "add",
            "--kind",
            "Visit",
            "--text",
            "site tour",
        ],
    );
    let log = ok(home, &["activity", &id]);
    assert_eq!(log.lines().count(), 2, "{log}");
    assert!(
        log.contains("call") && log.contains("asked for a quote"),
        "{log}"
    );
    let message = refused(
        home,
        &["activity", &id, "add", "--kind", "lunch", "--text", "x"],
    );
    assert!(message.contains(r#"kind: "lunch""#), "{message}");
}

#[test]
fn history_shows_each_field_change_and_revert_puts_one_back() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let id = add(home, &["--given", "Hiro", "--title", "Buyer"]);
    ok(
        home,
        &[
            "edit",
            &id,
            "--set",
            "name.given=Hiroshi",
            "--set",
            "name.family=Tanaka",
        ],
    );
    let history = json(home, &["history", &id, "--json"]);
    let revisions = history["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[0]["event"], "edited");
    assert_eq!(revisions[1]["event"], "added");
    let given = revisions[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"] == "name.given")
        .expect("name.given changed");
    assert_eq!(
        (given["old"].as_str(), given["new"].as_str()),
        (Some("Hiro"), Some("Hiroshi"))
    );
    let text = ok(home, &["history", &id]);
    assert!(text.contains("name.given: Hiro → Hiroshi"), "{text}");

    let added = revisions[1]["id"].as_str().unwrap();
    ok(home, &["revert", &id, &added[..8], "--field", "name.given"]);
    let shown = json(home, &["show", &id, "--json"]);
    assert_eq!(shown["name"]["given"], "Hiro");
    assert_eq!(shown["name"]["family"], "Tanaka");
    assert_eq!(
        json(home, &["history", &id, "--json"])["revisions"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let message = refused(home, &["revert", &id, "ffff"]);
    assert!(message.contains("no revision starting with"), "{message}");
    let message = refused(home, &["revert", &id, &added[..8], "--field", "colour"]);
    assert!(message.contains("colour"), "{message}");
}
