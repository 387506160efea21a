//! Bulk import and export through the real server over HTTP: every format goes in, a file of
//! good and bad rows reaches M of M through its error file, duplicates merge, skip or are
//! replaced, a preview saves nothing, an import cut off by `kill -9` resumes with every row
//! imported once (on SQLite after a restart, on Postgres on a node that outlived it), a
//! cancelled import keeps what it saved, uploaded files go after their keeping, exports hold
//! only what the member sees and read back, and a mailbox's correspondents come in from a real
//! Dovecot.

use interchange::{ExportFormat, ExportWriter, Format};
use serde_json::{Value, json};
use sync_core::contact::{Contact, Email, Organization, Phone};
use sync_core::ids::ItemId;
use tests::imports::{Importer, id_of, summary};
use tests::{TestServer, add_member, signup};

const PASSWORD: &str = "correct horse battery";

/// A server on SQLite whose import folder is a temporary one of the test's.
async fn server(folder: &tempfile::TempDir) -> anyhow::Result<TestServer> {
    let path = folder.path().to_path_buf();
    TestServer::sqlite_with(move |config| {
        config.import_dir = path;
        config.import_batch_rows = 50;
    })
    .await
}

fn person(n: usize) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = format!("Given{n}");
    contact.name.family = ["Tanaka", "Lima", "Okafor"][n % 3].into();
    contact.emails.push(Email {
        id: ItemId::from("e1"),
        label: "work".into(),
        address: format!("person{n}@kita.example"),
    });
    contact.phones.push(Phone {
        id: ItemId::from("p1"),
        label: "mobile".into(),
        e164: format!("+8190{:08}", 10_000_000 + n),
        raw: format!("090-{:04}-{:04}", 1000 + n / 10_000, n % 10_000),
    });
    contact.organizations.push(Organization {
        id: ItemId::from("o1"),
        company: "Kita Logistics".into(),
        department: String::new(),
        title: "Buyer".into(),
    });
    contact
}

fn written(format: ExportFormat, contacts: &[Contact]) -> Vec<u8> {
    let mut writer = ExportWriter::new(format, Vec::new()).expect("a writer");
    for contact in contacts {
        writer.add(contact).expect("written");
    }
    writer.finish().expect("finished")
}

fn emails(contacts: &[Value]) -> Vec<String> {
    let mut emails: Vec<String> = contacts
        .iter()
        .flat_map(|contact| {
            contact["emails"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|email| email.as_str().unwrap_or_default().to_lowercase())
        })
        .collect();
    emails.sort();
    emails
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_format_imports_through_rest() -> anyhow::Result<()> {
    let folder = tempfile::tempdir()?;
    let server = server(&folder).await?;
    let owner = signup(&server, "Formats KK", "owner@formats.example", PASSWORD).await?;
    let rest = Importer::new(&server, &owner.access_token);
    let people: Vec<Contact> = (0..3).map(person).collect();
    let files = [
        (
            "people.csv",
            written(ExportFormat::Csv, &people[..1]),
            "csv",
        ),
        (
            "people.xlsx",
            written(ExportFormat::Xlsx, &people[1..2]),
            "xlsx",
        ),
        (
            "people.vcf",
            written(ExportFormat::VCard4, &people[2..3]),
            "vcard",
        ),
        ("sample.txt", interchange::sample(Format::Text), "txt"),
    ];
    for (name, bytes, format) in files {
        let import = rest.upload(name, bytes).await?;
        assert_eq!(import["format"], format, "{name}");
        assert_eq!(import["state"], "preview");
        assert_eq!(import["total"], 1, "{name}: one record");
        rest.start(&id_of(&import)).await?;
        let done = rest.finished(&id_of(&import)).await?;
        assert_eq!(done["state"], "done", "{name}: {done}");
        assert_eq!(summary(&done), "imported 1 of 1", "{name}: {done}");
    }
    let contacts = rest.contacts().await?;
    assert_eq!(contacts.len(), 4);
    let found = emails(&contacts);
    for n in 0..3 {
        let email = format!("person{n}@kita.example");
        assert!(found.contains(&email), "{found:?}");
        // Search finds an imported contact once its import is done.
        let searched = rest.search(&email).await?;
        assert_eq!(emails(&searched), vec![email.clone()], "search for {email}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rows_come_back_in_the_error_file_and_fixed_they_reach_m_of_m() -> anyhow::Result<()> {
    let folder = tempfile::tempdir()?;
    let server = server(&folder).await?;
    let owner = signup(&server, "Errors KK", "owner@errors.example", PASSWORD).await?;
    let rest = Importer::new(&server, &owner.access_token);
    let csv = "Given name,Family name,Phone 1 number,Email 1 address\n\
               Aiko,Tanaka,03-1234-5678,aiko@kita.example\n\
               Ben,Lima,12,ben@kita.example\n\
               Chidi,Okafor,090-1111-2222,chidi@kita.example\n\
               Dana,Sato,03-2222-3333,dana-at-kita\n\
               Emi,Ito,03-3333-4444,emi@kita.example\n";
    let first = rest.import("people.csv", csv.as_bytes().to_vec()).await?;
    assert_eq!(summary(&first), "imported 3 of 5", "{first}");
    assert_eq!(first["failed"], 2);

    let errors = rest
        .download(&format!("/v1/imports/{}/errors", id_of(&first)))
        .await?;
    let text = String::from_utf8(errors)?;
    let text = text.trim_start_matches('\u{feff}');
    assert!(text.contains("Import error"), "{text}");
    assert!(text.contains("Ben") && text.contains("Dana"), "{text}");
    assert!(!text.contains("Aiko"), "only the failed rows: {text}");
    // The user corrects the two bad values and uploads the file as it is.
    let fixed = text
        .replace(",12,", ",03-5555-6666,")
        .replace("dana-at-kita", "dana@kita.example");
    let second = rest.import("people-errors.csv", fixed.into_bytes()).await?;
    assert_eq!(summary(&second), "imported 2 of 2", "{second}");
    assert_eq!(rest.contacts().await?.len(), 5, "M of M in all");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_are_merged_skipped_or_replaced_as_chosen() -> anyhow::Result<()> {
    let folder = tempfile::tempdir()?;
    let server = server(&folder).await?;
    let owner = signup(&server, "Dupes KK", "owner@dupes.example", PASSWORD).await?;
    let rest = Importer::new(&server, &owner.access_token);
    let existing = rest
        .post(
            "/v1/contacts",
            json!({"name": {"given": "Aiko"}, "emails": [{"label": "work", "address": "Aiko@Kita.example"}]}),
        )
        .await?;
    let id = existing["id"].as_str().unwrap().to_string();
    let row = "Given name,Family name,Phone 1 number,Email 1 address\n\
               Aiko-row,Tanaka,03-1234-5678,aiko@kita.example\n";
    for (mode, expect_given, expect_family) in [
        ("skip", "Aiko", ""),
        ("merge", "Aiko", "Tanaka"),
        ("replace", "Aiko-row", "Tanaka"),
    ] {
        let import = rest.upload("dupe.csv", row.as_bytes().to_vec()).await?;
        let rows = rest
            .get(&format!("/v1/imports/{}/rows", id_of(&import)))
            .await?;
        assert_eq!(rows["rows"][0]["duplicate_of"], id.as_str(), "{rows}");
        rest.patch(&id_of(&import), json!({"duplicates": mode}))
            .await?;
        rest.start(&id_of(&import)).await?;
        let done = rest.finished(&id_of(&import)).await?;
        let counted = match mode {
            "skip" => "skipped",
            "merge" => "merged",
            _ => "replaced",
        };
        assert_eq!(done[counted], 1, "{mode}: {done}");
        assert_eq!(done["imported"], 0, "{mode}: no new contact");
        let contact = rest.get(&format!("/v1/contacts/{id}")).await?;
        assert_eq!(contact["name"]["given"], expect_given, "{mode}");
        assert_eq!(contact["name"]["family"], expect_family, "{mode}");
        let phones = contact["phones"].as_array().map_or(0, Vec::len);
        assert_eq!(phones, usize::from(mode != "skip"), "{mode}: {contact}");
    }
    assert_eq!(rest.contacts().await?.len(), 1, "never a second Aiko");

    // A stored contact is found by a messaging handle alone (network and handle, any case).
    let on_line = rest
        .post(
            "/v1/contacts",
            json!({"name": {"given": "Ren"}, "social": [{"network": "line", "handle": "Ren.Kita"}]}),
        )
        .await?;
    let row = "Given name,Family name,Social 1 network,Social 1 handle\n\
               Ren,Okada,LINE,ren.kita\n";
    let import = rest.upload("handle.csv", row.as_bytes().to_vec()).await?;
    let rows = rest
        .get(&format!("/v1/imports/{}/rows", id_of(&import)))
        .await?;
    assert_eq!(rows["rows"][0]["duplicate_of"], on_line["id"], "{rows}");
    rest.start(&id_of(&import)).await?;
    let done = rest.finished(&id_of(&import)).await?;
    assert_eq!(
        (done["merged"].as_u64(), done["imported"].as_u64()),
        (Some(1), Some(0)),
        "{done}"
    );
    let merged = rest
        .get(&format!("/v1/contacts/{}", on_line["id"].as_str().unwrap()))
        .await?;
    assert_eq!(merged["name"]["family"], "Okada", "{merged}");
    assert_eq!(rest.contacts().await?.len(), 2, "never a second Ren");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_saves_nothing_and_a_patched_mapping_is_what_imports() -> anyhow::Result<()> {
    let folder = tempfile::tempdir()?;
    let server = server(&folder).await?;
    let owner = signup(&server, "Preview KK", "owner@preview.example", PASSWORD).await?;
    let rest = Importer::new(&server, &owner.access_token);
    let csv =
        "First,Last,Mail,Shoe size\nAiko,Tanaka,aiko@kita.example,24\nBen,Lima,not-an-email,27\n";
    let import = rest.upload("odd.csv", csv.as_bytes().to_vec()).await?;
    let id = id_of(&import);
    let rows = rest.get(&format!("/v1/imports/{id}/rows")).await?;
    assert_eq!(rows["total"], 2);
    assert_eq!(rows["rows"].as_array().map_or(0, Vec::len), 2);
    assert!(rest.contacts().await?.is_empty(), "a preview saves nothing");

    let patched = rest
        .patch(
            &id,
            json!({"mapping": [
                {"column": "First", "target": "given"},
                {"column": "Last", "target": "family"},
                {"column": "Mail", "target": "email:work"},
                {"column": "Shoe size", "target": "custom:Shoe size"},
            ], "tags": ["fair-2026"]}),
        )
        .await?;
    let targets: Vec<&str> = patched["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|column| column["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        ["given", "family", "email:work", "custom:Shoe size"],
        "{patched}"
    );
    let rows = rest.get(&format!("/v1/imports/{id}/rows")).await?;
    assert_eq!(rows["rows"][0]["values"]["given"], "Aiko", "{rows}");
    let problems = rows["rows"][1]["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|problem| problem["column"] == "Mail"),
        "the bad email is named: {rows}"
    );
    assert!(rest.contacts().await?.is_empty(), "still nothing saved");
    // A batch shared with a group the company does not have is refused, as a contact is.
    let stranger = "00000000-0000-0000-0000-00000000beef";
    let error = rest
        .patch(
            &id,
            json!({"visibility": {"all": false, "groups": [stranger]}}),
        )
        .await;
    assert!(
        error.is_err_and(|error| error.to_string().contains(stranger)),
        "an unknown group is named"
    );

    rest.start(&id).await?;
    let done = rest.finished(&id).await?;
    assert_eq!(summary(&done), "imported 1 of 2", "{done}");
    let contacts = rest.contacts().await?;
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["tags"], json!(["fair-2026"]));
    let error = rest.patch(&id, json!({"duplicates": "skip"})).await;
    assert!(
        error.is_err_and(|error| error.to_string().contains("import_started")),
        "a started import's setup is settled"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_holds_only_what_the_member_sees_and_reads_back_in_every_format()
-> anyhow::Result<()> {
    let folder = tempfile::tempdir()?;
    let server = server(&folder).await?;
    let owner = signup(&server, "Export KK", "owner@export.example", PASSWORD).await?;
    let ana = add_member(&server, &owner, "ana@export.example", PASSWORD).await?;
    let owners = Importer::new(&server, &owner.access_token);
    for n in 0..3 {
        let contact = json!({
            "name": {"given": format!("Shared{n}"), "family": "Tanaka"},
            "emails": [{"label": "work", "address": format!("shared{n}@kita.example")}],
            "phones": [{"label": "mobile", "number": format!("090-1234-000{n}")}],
            "organizations": [{"company": "Kita Logistics", "title": "Buyer"}],
            "tags": ["export"],
        });
        owners.post("/v1/contacts", contact).await?;
    }
    owners
        .post(
            "/v1/contacts",
            json!({"name": {"given": "Secret"}, "emails": [{"label": "work", "address": "secret@kita.example"}],
                   "visibility": {"all": false}}),
        )
        .await?;
    let anas = Importer::new(&server, &ana.access_token);
    let elsewhere = signup(&server, "Elsewhere KK", "owner@elsewhere.example", PASSWORD).await?;
    for (format, name) in [
        ("format=csv", "export.csv"),
        ("format=xlsx", "export.xlsx"),
        ("format=vcard", "export.vcf"),
        ("format=vcard&vcard_version=4", "export4.vcf"),
    ] {
        let bytes = anas
            .download(&format!("/v1/contacts/export?{format}"))
            .await?;
        // Read back into another company, where nothing duplicates it.
        let other = Importer::new(&server, &elsewhere.access_token);
        let before = other.contacts().await?.len();
        let done = other.import(name, bytes).await?;
        assert_eq!(summary(&done), "imported 3 of 3", "{format}: {done}");
        let contacts = other.contacts().await?;
        assert_eq!(contacts.len(), before + 3);
        let found = emails(&contacts);
        assert!(
            !found.contains(&"secret@kita.example".to_string()),
            "{format}: the owner's private contact never leaves"
        );
        // Start each format from an empty book so the counts compare.
        for contact in contacts {
            let id = contact["id"].as_str().unwrap();
            let response = reqwest::Client::new()
                .delete(format!("{}/v1/contacts/{id}", server.base_url()))
                .bearer_auth(&elsewhere.access_token)
                .send()
                .await?;
            assert!(response.status().is_success(), "{}", response.status());
        }
    }
    // A selection, filtered the same way.
    let ids: Vec<String> = owners
        .contacts()
        .await?
        .iter()
        .map(|contact| contact["id"].as_str().unwrap().to_string())
        .collect();
    let response = reqwest::Client::new()
        .post(format!("{}/v1/contacts/export", server.base_url()))
        .bearer_auth(&ana.access_token)
        .json(&json!({"format": "csv", "ids": ids}))
        .send()
        .await?;
    let text = response.text().await?;
    assert!(text.contains("shared0@kita.example"), "{text}");
    assert!(!text.contains("secret@kita.example"), "{text}");
    // The round trip keeps the fields.
    let again = Importer::new(&server, &elsewhere.access_token)
        .import("selected.csv", text.into_bytes())
        .await?;
    assert_eq!(summary(&again), "imported 3 of 3", "{again}");
    let back = Importer::new(&server, &elsewhere.access_token)
        .contacts()
        .await?;
    let shared0 = back
        .iter()
        .find(|contact| contact["emails"][0] == "shared0@kita.example")
        .expect("read back");
    let full = Importer::new(&server, &elsewhere.access_token)
        .get(&format!("/v1/contacts/{}", shared0["id"].as_str().unwrap()))
        .await?;
    assert_eq!(full["name"]["given"], "Shared0");
    assert_eq!(full["phones"][0]["e164"], "+819012340000");
    assert_eq!(full["organizations"][0]["title"], "Buyer");
    assert_eq!(full["tags"], json!(["export"]));
    Ok(())
}

/// Sign `company` up on `server`, upload 3,000 people and start importing them; returns
/// the owner's importer, the import's id and how many rows were done once the first batch
/// was in (or the import ended).
async fn import_under_way(
    server: &TestServer,
    company: &str,
) -> anyhow::Result<(Importer, String, u64)> {
    let email = format!("owner@{}.example", company.to_lowercase().replace(' ', "-"));
    let owner = signup(server, company, &email, PASSWORD).await?;
    let rest = Importer::new(server, &owner.access_token);
    let people: Vec<Contact> = (0..UNDER_WAY_ROWS).map(person).collect();
    let import = rest
        .upload("many.csv", written(ExportFormat::Csv, &people))
        .await?;
    let id = id_of(&import);
    rest.start(&id).await?;
    for _ in 0..6000 {
        let now = rest.get(&format!("/v1/imports/{id}")).await?;
        let done = now["done"].as_u64().unwrap_or(0);
        if done > 0 || now["state"] != "running" {
            return Ok((rest, id, done));
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    anyhow::bail!("import {id} never got under way")
}

/// The rows of [`import_under_way`]'s file.
const UNDER_WAY_ROWS: usize = 3_000;

/// Start an import of 3,000 rows on a server, `kill -9` it once some batches are in, and see
/// it finished with every row once by `survivors` servers started beside it beforehand (they
/// take it over when its lease runs out), or, with none, by a server started after the kill.
async fn cut_off_by_kill(
    url: &str,
    settings: &[(&str, &str)],
    survivors: usize,
) -> anyhow::Result<()> {
    let first = tests::ChildServer::start_with_env(url, settings).await?;
    let mut others = Vec::new();
    for _ in 0..survivors {
        others.push(tests::ChildServer::start_with_env(url, settings).await?);
    }
    let rows = UNDER_WAY_ROWS;
    let (rest, id, cut_at) = import_under_way(&first.as_test_server(), "Resume KK").await?;
    // Cut off once some batches are in, as a crash would.
    first.kill()?;
    assert!(
        cut_at < rows as u64,
        "the import was cut off before its end (at {cut_at})"
    );

    if others.is_empty() {
        others.push(tests::ChildServer::start_with_env(url, settings).await?);
    }
    let rest = rest.on(&others[0].as_test_server());
    let done = rest.finished(&id).await?;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(
        summary(&done),
        format!("imported {rows} of {rows}"),
        "{done}"
    );
    let contacts = rest.contacts().await?;
    assert_eq!(contacts.len(), rows, "every row once");
    let found = emails(&contacts);
    let mut unique = found.clone();
    unique.dedup();
    assert_eq!(unique.len(), rows, "no row twice");
    // Rows committed before the kill and after it are found by search alike (on SQLite their
    // search terms are written after their batches: the resumed run writes those of the first).
    for n in [0, rows / 2, rows - 1] {
        let email = format!("person{n}@kita.example");
        let found = rest.search(&email).await?;
        assert_eq!(emails(&found), vec![email.clone()], "search for {email}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_cut_off_by_kill_resumes_and_imports_every_row_once() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let url = format!("sqlite://{}", data.path().join("rolo.db").display());
    // The restarted server resumes at once: on SQLite no other process can hold the import.
    cut_off_by_kill(&url, &[("ROLO_IMPORT_BATCH_ROWS", "100")], 0).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_a_running_node_takes_over_the_import_of_a_node_that_died() -> anyhow::Result<()>
{
    let database = server::testing::fresh_database().await?;
    let shared = tempfile::tempdir()?;
    let folder = shared.path().display().to_string();
    let settings = [
        ("ROLO_IMPORT_BATCH_ROWS", "100"),
        ("ROLO_IMPORT_LEASE_SECONDS", "2"),
        ("ROLO_IMPORT_DIR", folder.as_str()),
    ];
    // Two nodes outlive the first and look for its import together: one takes it over.
    cut_off_by_kill(database.url(), &settings, 2).await
}

/// Nodes that do not share their import folder: the import of a node that died with its file
/// is not resumed by another (it cannot read the file), and once it has waited as long as
/// files are kept (here no time at all) it fails, saying why and what to do, rather than
/// showing `running` for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_an_import_whose_node_never_comes_back_fails_saying_so() -> anyhow::Result<()> {
    let database = server::testing::fresh_database().await?;
    let (first_folder, second_folder) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let node = |folder: &tempfile::TempDir| {
        let folder = folder.path().display().to_string();
        let url = database.url().to_string();
        async move {
            tests::ChildServer::start_with_env(
                &url,
                &[
                    ("ROLO_IMPORT_BATCH_ROWS", "100"),
                    ("ROLO_IMPORT_LEASE_SECONDS", "2"),
                    ("ROLO_IMPORT_KEEP_DAYS", "0"),
                    ("ROLO_IMPORT_DIR", folder.as_str()),
                ],
            )
            .await
        }
    };
    let first = node(&first_folder).await?;
    let second = node(&second_folder).await?;
    let rows = UNDER_WAY_ROWS;
    let (rest, id, _) = import_under_way(&first.as_test_server(), "Stranded KK").await?;
    first.kill()?;

    let rest = rest.on(&second.as_test_server());
    let ended = rest.finished(&id).await?;
    assert_eq!(ended["state"], "failed", "{ended}");
    let error = ended["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("stopped") && error.contains("upload the file again"),
        "{error}"
    );
    let saved = rest.contacts().await?.len() as u64;
    // (A batch saved in the instant before the kill may not be counted yet.)
    assert!(
        saved < rows as u64 && saved >= ended["imported"].as_u64().unwrap_or(u64::MAX),
        "what was saved stays: {saved} saved, {ended}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_import_keeps_what_it_saved_and_can_not_start_again() -> anyhow::Result<()> {
    let folder = tempfile::tempdir()?;
    let server = server(&folder).await?;
    let rows = UNDER_WAY_ROWS;
    let (rest, id, _) = import_under_way(&server, "Cancel KK").await?;
    let cancelled = rest
        .post(&format!("/v1/imports/{id}/cancel"), json!({}))
        .await?;
    assert_eq!(cancelled["state"], "cancelled", "{cancelled}");
    // The batch under way when the cancel came may still commit; then nothing more.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let settled = rest.get(&format!("/v1/imports/{id}")).await?;
    assert_eq!(settled["state"], "cancelled", "{settled}");
    let saved = settled["imported"].as_u64().unwrap_or(0) as usize;
    assert!(saved < rows, "cancelled before its end: {settled}");
    let contacts = rest.contacts().await?;
    assert_eq!(
        contacts.len(),
        saved,
        "what was saved stays, nothing after: {settled}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        rest.contacts().await?.len(),
        saved,
        "and nothing more arrives later"
    );
    if let Some(first) = emails(&contacts).first() {
        assert_eq!(
            emails(&rest.search(first).await?),
            vec![first.clone()],
            "found by search"
        );
    }
    let (status, body) = rest
        .post_answer(&format!("/v1/imports/{id}/start"), json!({}))
        .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("import_started")),
        "a cancelled import does not start again: {body}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploaded_file_is_deleted_after_its_keeping_and_the_summary_stays() -> anyhow::Result<()>
{
    let folder = tempfile::tempdir()?;
    let path = folder.path().to_path_buf();
    let server = TestServer::sqlite_with(move |config| {
        config.import_dir = path;
        // Kept two seconds (time to start an upload), then deleted at the next look, which
        // comes every second.
        config.import_keep = std::time::Duration::from_secs(2);
        config.import_lease = std::time::Duration::from_secs(2);
    })
    .await?;
    let owner = signup(&server, "Keep KK", "owner@keep.example", PASSWORD).await?;
    let rest = Importer::new(&server, &owner.access_token);
    let good = "Given name,Family name,Email\nAna,Lima,ana@keep.example\n";
    let bad = "Given name,Family name,Email\n,,not-an-email\n";
    let ended = rest.import("people.csv", good.as_bytes().to_vec()).await?;
    assert_eq!(summary(&ended), "imported 1 of 1", "{ended}");
    let with_failure = rest.import("bad.csv", bad.as_bytes().to_vec()).await?;
    let left_in_preview = rest.upload("later.csv", good.as_bytes().to_vec()).await?;
    let file_of = |import: &Value| folder.path().join(format!("{}.upload", id_of(import)));
    assert!(
        file_of(&with_failure).exists(),
        "kept while its import lives"
    );

    for import in [&ended, &with_failure, &left_in_preview] {
        let id = id_of(import);
        let mut view = Value::Null;
        for _ in 0..300 {
            view = rest.get(&format!("/v1/imports/{id}")).await?;
            if view["file_deleted_ms"].is_i64() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(
            view["file_deleted_ms"].is_i64(),
            "deleted after its keeping: {view}"
        );
        assert!(!file_of(import).exists(), "the file itself is gone");
    }
    let summary_kept = rest
        .get(&format!("/v1/imports/{}", id_of(&with_failure)))
        .await?;
    assert_eq!(
        summary_kept["failed"], 1,
        "the summary stays: {summary_kept}"
    );
    let (status, body) = rest
        .get_answer(&format!("/v1/imports/{}/errors", id_of(&with_failure)))
        .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (410, Some("import_file_deleted")),
        "{body}"
    );
    let preview = rest
        .get(&format!("/v1/imports/{}", id_of(&left_in_preview)))
        .await?;
    assert_eq!(
        preview["state"], "cancelled",
        "a preview without its file: {preview}"
    );
    let (status, body) = rest
        .get_answer(&format!("/v1/imports/{}/rows", id_of(&left_in_preview)))
        .await?;
    assert_eq!(status, 410, "{body}");
    assert_eq!(rest.contacts().await?.len(), 1, "what was imported stays");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailboxs_correspondents_become_contacts() -> anyhow::Result<()> {
    let mail = mailbox::testing::TestMailServer::start();
    let folder = tempfile::tempdir()?;
    let server = server(&folder).await?;
    let owner = signup(&server, "Mail KK", "owner@mail.example", PASSWORD).await?;
    let rest = Importer::new(&server, &owner.access_token);
    let account = json!({
        "host": mail.host(), "port": mail.port(),
        "username": mailbox::testing::USER, "password": mailbox::testing::PASSWORD,
        "ca_pem": String::from_utf8_lossy(mail.ca_pem()),
    });
    let folders = rest
        .post("/v1/imports/mailbox/folders", account.clone())
        .await?;
    assert_eq!(folders["folders"][0], "INBOX", "{folders}");
    let mut request = account.clone();
    request["folder"] = json!("INBOX");
    let import = rest.post("/v1/imports/mailbox", request).await?;
    assert_eq!(import["format"], "mailbox", "{import}");
    assert!(import["total"].as_u64().unwrap_or(0) >= 5, "{import}");
    rest.start(&id_of(&import)).await?;
    let done = rest.finished(&id_of(&import)).await?;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["failed"], 0, "{done}");
    let found = emails(&rest.contacts().await?);
    assert!(
        found.contains(&"ken.sato@kitakaze.example".to_string()),
        "{found:?}"
    );
    assert!(
        found.contains(&"omar@cedar-labs.example".to_string()),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|email| email.starts_with("no-reply")),
        "automated senders are left out: {found:?}"
    );
    // A Japanese display name ("山田 太郎") is family name first.
    let yamada = rest.search("taro.yamada@yamato-shoji.example").await?;
    let yamada = rest
        .get(&format!(
            "/v1/contacts/{}",
            yamada[0]["id"].as_str().unwrap_or_default()
        ))
        .await?;
    assert_eq!(
        (&yamada["name"]["family"], &yamada["name"]["given"]),
        (&json!("山田"), &json!("太郎")),
        "{yamada}"
    );
    let ken = rest.search("ken.sato@kitakaze.example").await?;
    let ken = rest
        .get(&format!(
            "/v1/contacts/{}",
            ken[0]["id"].as_str().unwrap_or_default()
        ))
        .await?;
    assert_eq!(
        (&ken["name"]["given"], &ken["name"]["family"]),
        (&json!("Ken"), &json!("Sato"))
    );

    let mut wrong = account;
    wrong["password"] = json!("wrong");
    let refused = rest.post("/v1/imports/mailbox/folders", wrong).await;
    assert!(
        refused.is_err_and(|error| error.to_string().contains("mailbox_bad_credentials")),
        "a wrong password is the user's to fix"
    );
    Ok(())
}
