//! `rolo card …` as a rep uses it: scanning offline, the list, a read card's page with its
//! numbered fields and a duplicate hint, saving with fields dropped, and refusals that name
//! the file.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use client::Replica;
use support::FakeServer;
use sync_core::card::{Field, FieldKind, Source};
use sync_core::contact::Contact;

fn rolo(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rolo"))
        .arg("--home")
        .arg(home)
        .args(args)
        .env_remove("ROLO_HOME")
        .output()
        .expect("rolo runs")
}

/// Runs a command that must succeed and returns its standard output.
fn ok(home: &Path, args: &[&str]) -> String {
    let output = rolo(home, args);
    assert!(
        output.status.success(),
        "rolo {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs a command that must fail as bad input (exit 2) and returns its error message.
fn refused(home: &Path, args: &[&str]) -> String {
    let output = rolo(home, args);
    let message = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "rolo {args:?}: {message}");
    message
}

/// A file whose first bytes say JPEG.
fn photo(dir: &Path, name: &str, size: usize) -> PathBuf {
    let mut bytes = vec![7u8; size];
    bytes[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_card_scanned_offline_is_listed_and_can_be_dismissed_but_not_saved_yet() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let pdf = home.join("notes.pdf");
    std::fs::write(&pdf, b"%PDF-1.7").unwrap();
    let message = refused(home, &["card", "scan", pdf.to_str().unwrap()]);
    assert!(
        message.contains("notes.pdf") && message.contains("front photo is not a JPEG"),
        "{message}"
    );
    let huge = photo(home, "huge.jpg", 10 * 1024 * 1024 + 1);
    let front = photo(home, "front.jpg", 2000);
    let message = refused(
        home,
        &[
            "card",
            "scan",
            front.to_str().unwrap(),
            huge.to_str().unwrap(),
        ],
    );
    assert!(
        message.contains("huge.jpg") && message.contains("back photo is 10.0 MB"),
        "{message}"
    );

    let card = ok(home, &["card", "scan", front.to_str().unwrap()]);
    let card = card.trim();
    assert_eq!(card.len(), 36, "scan prints the card's id: {card:?}");
    let list = ok(home, &["card", "list"]);
    assert!(
        list.starts_with(&card[..8]) && list.contains("queued"),
        "{list}"
    );
    let page = ok(home, &["card", "show", &card[..6]]);
    assert!(page.contains("status     queued"), "{page}");
    let message = refused(home, &["card", "save", &card[..6]]);
    assert!(
        message.contains("is queued: there is no draft to save"),
        "{message}"
    );

    ok(home, &["card", "dismiss", &card[..6]]);
    assert_eq!(ok(home, &["card", "list", "--json"]).trim(), "[]");
}

fn field(kind: FieldKind, label: &str, value: &str, confidence: f32) -> Field {
    Field {
        kind,
        label: label.into(),
        value: value.into(),
        raw: value.into(),
        confidence,
        source: Source::Ocr,
        bbox: None,
        problem: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_card_shows_its_fields_and_a_known_contact_and_saves_without_dropped_fields() {
    let server = FakeServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path().to_path_buf();
    // Signed in through the library: the stand-in server has no login endpoint.
    let mut replica = Replica::open(home.join(client::cli::REPLICA_FILE))
        .await
        .unwrap();
    replica.sign_in(server.login(3, 30)).await.unwrap();
    let mut known = Contact::default();
    known.name.given = "Mara".into();
    known.emails.push(sync_core::contact::Email {
        id: "e1".into(),
        label: "work".into(),
        address: "mara@nordkap.example".into(),
    });
    let mara = replica.create(&known).await.unwrap();
    replica.close().await.unwrap();

    let cli_home = home.clone();
    let card = tokio::task::spawn_blocking(move || {
        let front = photo(&cli_home, "front.jpg", 3000);
        let card = ok(&cli_home, &["card", "scan", front.to_str().unwrap()]);
        let synced = ok(&cli_home, &["sync"]);
        assert!(synced.contains("uploaded"), "{synced}");
        card.trim().to_string()
    })
    .await
    .unwrap();
    server.finish_reading(
        card.parse().unwrap(),
        vec![
            field(FieldKind::GivenName, "", "Mara", 0.98),
            field(FieldKind::Email, "", "mara@nordkap.example", 0.95),
            field(FieldKind::Phone, "fax", "+4681234599", 0.41),
        ],
    );

    let id = tokio::task::spawn_blocking(move || {
        let synced = ok(&home, &["sync"]);
        assert!(synced.contains("is read"), "{synced}");
        let page = ok(&home, &["card", "show", &card[..8]]);
        assert!(page.contains("status     ready"), "{page}");
        assert!(
            page.contains(" 2  phone (fax)"),
            "fields are numbered: {page}"
        );
        assert!(page.contains("0.41 ocr"), "{page}");
        let hint = format!("looks like contact Mara ({})", &mara.to_string()[..8]);
        assert!(page.contains(&hint), "{page}");
        assert!(page.contains("(same email mara@nordkap.example)"), "{page}");

        let id = ok(&home, &["card", "save", &card[..8], "--drop", "2"]);
        let shown = ok(&home, &["show", id.trim()]);
        assert!(
            !shown.contains("+4681234599"),
            "the dropped fax is left out: {shown}"
        );
        assert!(
            ok(&home, &["card", "list"]).trim().is_empty(),
            "nothing waits"
        );
        assert!(ok(&home, &["card", "list", "--all"]).contains("saved as"));
        id.trim().to_string()
    })
    .await
    .unwrap();
    assert_ne!(id, mara.to_string(), "a new contact, not a merge");
}
