//! Bulk import and export with the real `rolo` binary against a real server: a sample file
//! filled in and imported, a preview that saves nothing, a file of good and bad rows whose
//! error file is fixed and imported again to reach M of M, an export in every format, and a
//! mailbox's correspondents from a real IMAP server (Debian's Dovecot, started by the test).

use std::path::Path;
use std::process::Command;

use tests::cli::{PASSWORD, binary, names, rolo, rolo_fails, sign_up, with_homes};

/// The mapping of the stories' own file, given explicitly (`--map`), so the story does not
/// depend on which headers the automatic mapping recognises.
const MAP: [&str; 8] = [
    "--map",
    "Given=given",
    "--map",
    "Family=family",
    "--map",
    "Mobile=phone:mobile",
    "--map",
    "Email=email:work",
];

/// Two good rows and two bad ones: a mobile number that cannot become E.164 and an email
/// without a domain. Fictional people of a fictional company; phone numbers read as Japanese.
const PEOPLE: &str = "Given,Family,Mobile,Email\n\
                      Hiro,Tanaka,090-1234-5678,hiro@yamata.example\n\
                      Mei,Kobayashi,12,mei@yamata.example\n\
                      Ren,Suzuki,03-5555-0101,not-an-email\n\
                      Yui,Mori,080-2222-3333,yui@yamata.example\n";

fn last_line(out: &str) -> &str {
    out.trim_end().lines().last().unwrap_or_default()
}

fn import(home: &Path, file: &Path, extra: &[&str]) -> String {
    let file = file.to_str().unwrap();
    rolo(home, &[&["import", file], &MAP[..], extra].concat())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sample_file_is_written_and_imports_whole() {
    with_homes(|url, [home]| {
        sign_up(&home, &url);
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("sample.csv");
        let said = rolo(&home, &["import", "--sample", "csv", csv.to_str().unwrap()]);
        assert!(said.contains("sample"), "{said}");
        let sample = std::fs::read_to_string(&csv).unwrap();
        assert!(
            sample.trim_end().lines().count() >= 2,
            "a header and a row of example values: {sample}"
        );
        for format in ["xlsx", "txt"] {
            let out = dir.path().join(format!("sample.{format}"));
            rolo(
                &home,
                &["import", "--sample", format, out.to_str().unwrap()],
            );
            assert!(std::fs::metadata(&out).unwrap().len() > 0, "{format}");
        }
        assert!(
            std::fs::read(dir.path().join("sample.xlsx"))
                .unwrap()
                .starts_with(b"PK"),
            "an XLSX is a zip"
        );

        let out = rolo(&home, &["import", csv.to_str().unwrap()]);
        assert!(
            out.contains("mapping:"),
            "the mapping is printed first: {out}"
        );
        assert_eq!(last_line(&out), "imported 1 of 1", "{out}");
        // The import synced the new contact to this device.
        assert_eq!(names(&home, &["list"]).len(), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rows_go_to_an_error_file_that_imports_once_fixed() {
    with_homes(|url, [home]| {
        sign_up(&home, &url);
        let dir = tempfile::tempdir().unwrap();
        let people = dir.path().join("people.csv");
        std::fs::write(&people, PEOPLE).unwrap();

        // A preview names every row and problem and saves nothing.
        let preview = import(&home, &people, &["--preview"]);
        assert_eq!(last_line(&preview), "would import 2 of 4", "{preview}");
        assert!(
            preview
                .lines()
                .any(|l| l.starts_with("line 3") && l.contains("Mei")),
            "{preview}"
        );
        let problems: Vec<&str> = preview
            .lines()
            .filter(|l| l.trim_start().starts_with("! "))
            .collect();
        assert_eq!(problems.len(), 2, "one problem on each bad row: {preview}");
        assert!(problems[0].contains("Mobile"), "{}", problems[0]);
        assert!(problems[1].contains("Email"), "{}", problems[1]);
        rolo(&home, &["sync"]);
        assert!(
            names(&home, &["list"]).is_empty(),
            "a preview saves nothing"
        );

        // The import saves the good rows and writes the bad ones to the error file.
        let errors = dir.path().join("errors.csv");
        let out = import(
            &home,
            &people,
            &["--tag", "spring fair", "--errors", errors.to_str().unwrap()],
        );
        assert_eq!(last_line(&out), "imported 2 of 4", "{out}");
        assert!(out.contains("failed 2"), "{out}");
        let mut listed = names(&home, &["list"]);
        listed.sort();
        assert_eq!(listed, ["Hiro Tanaka", "Yui Mori"].map(String::from));
        assert_eq!(names(&home, &["search", "spring fair"]).len(), 2);
        let error_file = std::fs::read_to_string(&errors).unwrap();
        assert!(error_file.contains("Mei") && error_file.contains("Ren"));
        assert!(!error_file.contains("Hiro"), "only the failed rows");

        // Fixed where it says, and imported as it is (its error column is ignored).
        let fixed = error_file
            .replace(",12,", ",090-8888-7777,")
            .replace("not-an-email", "ren@yamata.example");
        std::fs::write(&errors, fixed).unwrap();
        let out = import(&home, &errors, &["--tag", "spring fair"]);
        assert_eq!(last_line(&out), "imported 2 of 2", "{out}");
        assert_eq!(names(&home, &["search", "spring fair"]).len(), 4);

        // A mapping to a column the file lacks is refused before anything is imported.
        let said = rolo_fails(
            &home,
            &["import", people.to_str().unwrap(), "--map", "Fax=ignore"],
        );
        assert!(said.contains("no column \"Fax\""), "{said}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_export_to_csv_excel_and_both_vcard_versions() {
    with_homes(|url, [home]| {
        sign_up(&home, &url);
        let dir = tempfile::tempdir().unwrap();
        let people = dir.path().join("people.csv");
        std::fs::write(&people, PEOPLE).unwrap();
        assert_eq!(last_line(&import(&home, &people, &[])), "imported 2 of 4");
        let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();

        rolo(&home, &["export", &out("all.csv")]);
        let csv = std::fs::read_to_string(out("all.csv")).unwrap();
        assert!(csv.contains("Tanaka") && csv.contains("Mori"), "{csv}");

        rolo(&home, &["export", "--search", "tanaka", &out("tanaka.csv")]);
        let csv = std::fs::read_to_string(out("tanaka.csv")).unwrap();
        assert!(csv.contains("Tanaka") && !csv.contains("Mori"), "{csv}");

        rolo(&home, &["export", &out("all.xlsx")]);
        assert!(std::fs::read(out("all.xlsx")).unwrap().starts_with(b"PK"));

        rolo(&home, &["export", "--format", "vcard", &out("all.vcf")]);
        let vcf = std::fs::read_to_string(out("all.vcf")).unwrap();
        assert_eq!(vcf.matches("BEGIN:VCARD").count(), 2, "{vcf}");
        assert!(vcf.contains("VERSION:3.0"), "3.0 by default: {vcf}");

        rolo(&home, &["export", "--vcard-version", "4", &out("all4.vcf")]);
        let vcf = std::fs::read_to_string(out("all4.vcf")).unwrap();
        assert!(vcf.contains("VERSION:4.0"), "{vcf}");

        // What was exported imports back.
        let again = rolo(&home, &["import", &out("all.csv"), "--duplicates", "skip"]);
        assert_eq!(
            last_line(&again),
            "imported 0 of 2",
            "both are duplicates: {again}"
        );
    })
    .await;
}

/// `rolo` with the mailbox password in `ROLO_IMAP_PASSWORD`, as a script would run it.
fn rolo_mail(home: &Path, args: &[&str]) -> String {
    let output = Command::new(binary())
        .arg("--home")
        .arg(home)
        .args(args)
        .env_remove("ROLO_HOME")
        .env_remove("ROLO_SERVER")
        .env("ROLO_PASSWORD", PASSWORD)
        .env("ROLO_IMAP_PASSWORD", mailbox::testing::PASSWORD)
        .output()
        .expect("rolo runs");
    assert!(
        output.status.success(),
        "rolo {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("rolo prints UTF-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailboxs_correspondents_are_previewed_and_imported_from_the_cli() {
    let mail = mailbox::testing::TestMailServer::start();
    let address = format!("{}:{}", mail.host(), mail.port());
    let ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca.path(), mail.ca_pem()).unwrap();
    let ca = ca.path().to_str().unwrap().to_string();
    with_homes(move |url, [home]| {
        sign_up(&home, &url);
        let imap = [
            "--imap",
            &address,
            "--user",
            mailbox::testing::USER,
            "--imap-ca",
            &ca,
        ];

        let folders = rolo_mail(&home, &[&["import"], &imap[..], &["--folders"]].concat());
        assert_eq!(folders.lines().next(), Some("INBOX"), "{folders}");
        assert!(folders.lines().any(|f| f == "Sent"), "{folders}");

        let query = [
            &["import"],
            &imap[..],
            &["--folder", "INBOX", "--domain", "yamato-shoji.example"],
        ]
        .concat();
        let preview = rolo_mail(&home, &[&query[..], &["--preview"]].concat());
        assert!(
            preview.contains("taro.yamada@yamato-shoji.example"),
            "{preview}"
        );
        assert!(!preview.contains("kitakaze"), "another domain: {preview}");
        let would = last_line(&preview).to_string();
        let count = would
            .strip_prefix("would import ")
            .and_then(|rest| rest.split(" of ").next())
            .unwrap_or_default()
            .to_string();
        assert!(count.parse::<u32>().unwrap_or(0) >= 2, "{would}");
        assert!(
            names(&home, &["list"]).is_empty(),
            "a preview saves nothing"
        );

        let out = rolo_mail(&home, &query);
        assert_eq!(
            last_line(&out),
            format!("imported {count} of {count}"),
            "{out}"
        );
        assert_eq!(
            names(&home, &["search", "yamato-shoji"]).len().to_string(),
            count
        );
    })
    .await;
}
