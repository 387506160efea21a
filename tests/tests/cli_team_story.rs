//! The `rolo` CLI for a team, against a real server: a member invited and joining from the
//! CLI who sees only what was shared with them; searching with the server gone; tags, the
//! archive and the trash sorting a rep's contacts on the device; two phones' offline edits in
//! the history and a reverted field reaching the other phone; activity logged offline; sharing
//! and unsharing with a colleague; a contact handed to a colleague; deleting for good.

use serde_json::json;
use tests::cli::{
    OWNER_EMAIL, add, invite, join, json, log_in, names, rolo, rolo_fails, sign_up, status,
    with_homes,
};

/// The colleague Aiko invites.
const HIRO: &str = "hiro@kita.example";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invited_member_joins_from_the_cli_and_sees_only_what_was_shared_with_them() {
    with_homes::<3>(|url, [aiko, hiro, elsewhere]| {
        sign_up(&aiko, &url);
        add(&aiko, &["--given", "Open", "--family", "Account"]);
        let secret = add(
            &aiko,
            &["--given", "Secret", "--family", "Prospect", "--private"],
        );
        let shared = add(
            &aiko,
            &["--given", "Shared", "--family", "Prospect", "--private"],
        );
        rolo(&aiko, &["sync"]);
        let code = invite(&aiko, HIRO, "Hiro");
        let joined = join(&hiro, &url, HIRO, &code);
        assert!(joined.contains("signed in"), "{joined}");
        let said = rolo(&aiko, &["share", &shared, "--member", HIRO]);
        assert!(said.contains("its owner, 1 member"), "{said}");

        rolo(&hiro, &["sync"]);
        assert_eq!(
            names(&hiro, &["list", "--all"]),
            ["Open Account", "Shared Prospect"]
        );
        assert_eq!(names(&hiro, &["search", "prospect"]), ["Shared Prospect"]);
        rolo_fails(&hiro, &["show", &secret]);
        assert_eq!(
            names(&aiko, &["search", "prospect"]),
            ["Secret Prospect", "Shared Prospect"]
        );
        let members = rolo(&hiro, &["members"]);
        assert!(
            members.contains(OWNER_EMAIL) && members.contains(HIRO),
            "{members}"
        );
        // The code worked once.
        let again = rolo_fails(
            &elsewhere,
            &["join", "--server", &url, "--email", HIRO, "--code", &code],
        );
        assert!(again.contains("the server refused"), "{again}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_searches_its_contacts_with_the_server_gone() {
    let server = tests::TestServer::sqlite().await.unwrap();
    let url = server.base_url();
    let (phone, laptop) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (phone, laptop) = (phone.path().to_path_buf(), laptop.path().to_path_buf());
    let (phone_run, laptop_run) = (phone.clone(), laptop.clone());
    tokio::task::spawn_blocking(move || {
        sign_up(&laptop_run, &url);
        add(
            &laptop_run,
            &[
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
        add(&laptop_run, &["--given", "José", "--family", "Álvarez"]);
        rolo(&laptop_run, &["sync"]);
        log_in(&phone_run, &url, "phone");
        rolo(&phone_run, &["sync"]);
    })
    .await
    .unwrap();
    server.stop().await.unwrap();

    tokio::task::spawn_blocking(move || {
        for (query, expected) in [
            ("中太", "田中太郎"),
            ("(03) 1234-5678", "田中太郎"),
            ("+81 3 1234 5678", "田中太郎"),
            ("expo", "田中太郎"),
            ("jose", "José Álvarez"),
        ] {
            assert_eq!(names(&phone, &["search", query]), [expected], "{query}");
        }
        drop(laptop);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_the_archive_and_the_trash_sort_a_reps_contacts_on_the_device() {
    with_homes::<2>(|url, [phone, laptop]| {
        sign_up(&phone, &url);
        let tanaka = add(
            &phone,
            &["--given", "Hiro", "--family", "Tanaka", "--tag", "expo"],
        );
        let sato = add(&phone, &["--given", "Yui", "--family", "Sato"]);
        let ito = add(&phone, &["--given", "Ken", "--family", "Ito"]);

        // Tagged on the device; nothing has been sent yet.
        let said = rolo(&phone, &["tag", &sato, "add", "expo", "vip"]);
        assert!(said.contains("expo, vip"), "{said}");
        assert_eq!(
            names(&phone, &["list", "--tag", "expo"]),
            ["Hiro Tanaka", "Yui Sato"]
        );
        assert_eq!(
            json(&phone, &["tags", "--json"]),
            json!([{"tag": "expo", "count": 2}, {"tag": "vip", "count": 1}])
        );
        rolo(&phone, &["tag", &sato, "remove", "vip"]);
        assert!(names(&phone, &["list", "--tag", "vip"]).is_empty());

        // Archived: off the list and out of a plain search, found with --archived.
        rolo(&phone, &["archive", &tanaka]);
        assert_eq!(names(&phone, &["list"]), ["Ken Ito", "Yui Sato"]);
        assert!(names(&phone, &["search", "tanaka"]).is_empty());
        assert_eq!(
            names(&phone, &["search", "tanaka", "--archived"]),
            ["Hiro Tanaka"]
        );
        assert!(rolo(&phone, &["list", "--archived"]).contains("(archived)"));

        // In the trash: off every list but the trash's, and out again.
        rolo(&phone, &["delete", &ito]);
        assert_eq!(
            names(&phone, &["list", "--all"]),
            ["Hiro Tanaka", "Yui Sato"]
        );
        assert_eq!(names(&phone, &["list", "--trash"]), ["Ken Ito"]);
        rolo(&phone, &["restore", &ito]);
        assert_eq!(names(&phone, &["list"]), ["Ken Ito", "Yui Sato"]);
        assert!(names(&phone, &["list", "--trash"]).is_empty());
        rolo(&phone, &["delete", &sato]);

        // The laptop finds each contact where the phone left it.
        rolo(&phone, &["sync"]);
        log_in(&laptop, &url, "laptop");
        rolo(&laptop, &["sync"]);
        assert_eq!(names(&laptop, &["list"]), ["Ken Ito"]);
        assert_eq!(names(&laptop, &["list", "--archived"]), ["Hiro Tanaka"]);
        assert_eq!(names(&laptop, &["list", "--trash"]), ["Yui Sato"]);
        rolo(&laptop, &["unarchive", &tanaka]);
        assert_eq!(names(&laptop, &["list", "--tag", "expo"]), ["Hiro Tanaka"]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_phones_offline_edits_are_two_revisions_and_a_reverted_field_reaches_the_other() {
    with_homes::<2>(|url, [phone, laptop]| {
        sign_up(&phone, &url);
        let id = add(
            &phone,
            &["--given", "Hiro", "--family", "Tanaka", "--title", "Buyer"],
        );
        rolo(&phone, &["sync"]);
        log_in(&laptop, &url, "laptop");
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
        let (phone_device, laptop_device) = (status(&phone, "device"), status(&laptop, "device"));
        let by = |device: &str| {
            *edits
                .iter()
                .find(|r| r["device"] == device)
                .unwrap_or_else(|| panic!("no edit names device {device}: {history}"))
        };
        let (by_phone, by_laptop) = (by(&phone_device), by(&laptop_device));
        assert_eq!(
            by_phone["member_name"], "Aiko",
            "names come from the member list"
        );
        let change = |revision: &serde_json::Value| revision["changes"][0].clone();
        assert_eq!(change(by_phone)["new"], "Purchasing manager");
        assert_eq!(
            change(by_laptop),
            json!({"path": "name.given", "kind": "changed", "old": "Hiro", "new": "Hiroshi"})
        );
        let text = rolo(&phone, &["history", &id]);
        assert!(
            text.contains(&format!("edited by Aiko on device {laptop_device}"))
                && text.contains("name.given: Hiro → Hiroshi"),
            "{text}"
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
        let id = add(&phone, &["--given", "Hiro"]);
        rolo(&phone, &["sync"]);
        log_in(&laptop, &url, "laptop");
        rolo(&laptop, &["sync"]);
        let visit = ["--kind", "visit", "--text", "showed the catalogue"];
        rolo(&phone, &[&["activity", &id, "add"], &visit[..]].concat());
        let call = ["--kind", "call", "--text", "follow-up"];
        rolo(&laptop, &[&["activity", &id, "add"], &call[..]].concat());
        for home in [&phone, &laptop, &phone] {
            rolo(home, &["sync"]);
        }
        for home in [&phone, &laptop] {
            let log = json(home, &["activity", &id, "--json"]);
            let mut texts: Vec<&str> = log["activity"]
                .as_array()
                .unwrap()
                .iter()
                .map(|entry| entry["text"].as_str().unwrap())
                .collect();
            texts.sort_unstable();
            assert_eq!(texts, ["follow-up", "showed the catalogue"], "{log}");
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
        let code = invite(&aiko, HIRO, "Hiro");
        join(&hiro, &url, HIRO, &code);
        let id = add(
            &aiko,
            &["--given", "Secret", "--family", "Prospect", "--private"],
        );
        rolo(&aiko, &["sync"]);
        rolo(&hiro, &["sync"]);
        assert!(names(&hiro, &["list", "--all"]).is_empty());

        rolo(&aiko, &["share", &id, "--member", HIRO]);
        rolo(&hiro, &["sync"]);
        assert_eq!(names(&hiro, &["list"]), ["Secret Prospect"]);
        let shown = rolo(&aiko, &["show", &id]);
        assert!(shown.contains("shared     Hiro"), "{shown}");

        rolo(&aiko, &["unshare", &id, "--member", "HIRO@kita.example"]);
        rolo(&hiro, &["sync"]);
        assert!(
            names(&hiro, &["list", "--all"]).is_empty(),
            "unsharing took it off Hiro's device"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_handed_to_a_colleague_becomes_theirs_to_delete() {
    with_homes::<2>(|url, [aiko, hiro]| {
        sign_up(&aiko, &url);
        let code = invite(&aiko, HIRO, "Hiro");
        join(&hiro, &url, HIRO, &code);
        let kept = add(&aiko, &["--given", "Kept", "--family", "Account"]);
        let handed = add(
            &aiko,
            &["--given", "Handed", "--family", "Over", "--private"],
        );
        rolo(&aiko, &["sync"]);
        rolo(&hiro, &["sync"]);
        assert_eq!(names(&hiro, &["list"]), ["Kept Account"]);
        // Hiro sees Aiko's contact but may not delete it for good.
        let refused = rolo_fails(&hiro, &["purge", &kept]);
        assert!(refused.contains("forbidden"), "{refused}");

        let said = rolo(&aiko, &["transfer", &handed, "--to", HIRO]);
        assert!(
            said.contains("now belongs to Hiro <hiro@kita.example>"),
            "{said}"
        );
        rolo(&hiro, &["sync"]);
        assert_eq!(names(&hiro, &["list"]), ["Handed Over", "Kept Account"]);
        let shown = json(&hiro, &["show", &handed, "--json"]);
        assert_eq!(shown["owner"], status(&hiro, "member"));

        // Now his, he may.
        rolo(&hiro, &["purge", &handed]);
        assert_eq!(names(&hiro, &["list", "--all"]), ["Kept Account"]);
        rolo(&aiko, &["sync"]);
        assert_eq!(names(&aiko, &["list", "--all"]), ["Kept Account"]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_deleted_for_good_leave_every_device() {
    with_homes::<2>(|url, [phone, laptop]| {
        sign_up(&phone, &url);
        let gone = add(&phone, &["--given", "Gone"]);
        let binned = add(&phone, &["--given", "Binned"]);
        add(&phone, &["--given", "Kept"]);
        rolo(&phone, &["sync"]);
        log_in(&laptop, &url, "laptop");
        rolo(&laptop, &["sync"]);

        rolo(&phone, &["delete", &gone]);
        rolo(&phone, &["purge", &gone]);
        assert!(names(&phone, &["list", "--trash"]).is_empty());
        rolo(&laptop, &["delete", &binned]);
        let said = rolo(&laptop, &["empty-trash"]);
        assert!(said.contains("deleted 1 contacts"), "{said}");

        rolo(&phone, &["sync"]);
        for home in [&phone, &laptop] {
            assert_eq!(names(home, &["list", "--all"]), ["Kept"]);
            assert!(names(home, &["list", "--trash"]).is_empty());
        }
    })
    .await;
}
