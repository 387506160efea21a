//! The `rolo` command-line client against a real server, as a rep would use it: sign up, add
//! a contact, sync, a second device logs in, both edit offline, both sync, both see both edits;
//! a contact added `--private` stays with its owner.

use tests::TestServer;
use tests::cli::{PASSWORD, rolo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_reps_with_the_cli_edit_one_contact_offline_and_both_edits_survive() {
    let server = TestServer::sqlite().await.unwrap();
    let url = server.base_url();
    let (phone, laptop) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (phone, laptop) = (phone.path().to_path_buf(), laptop.path().to_path_buf());
    let phone_run = phone.clone();
    let laptop_run = laptop.clone();
    // The CLI blocks; run it off the async threads the in-process server needs.
    tokio::task::spawn_blocking(move || {
        let (phone, laptop) = (phone_run, laptop_run);
        rolo(
            &phone,
            &[
                "signup",
                "--server",
                &url,
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
        let id = rolo(
            &phone,
            &[
                "add",
                "--given",
                "Hiro",
                "--family",
                "Tanaka",
                "--company",
                "Yamata Keiki",
                "--phone",
                "work=03-1234-5678",
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
        assert!(
            rolo(&laptop, &["list"]).contains("Hiro Tanaka"),
            "the laptop received the contact"
        );
        // Offline on both: different fields.
        rolo(&phone, &["edit", &id, "--set", "title=Purchasing manager"]);
        rolo(
            &laptop,
            &["edit", &id, "--add-phone", "mobile=090-1234-5678"],
        );
        rolo(&phone, &["sync"]);
        rolo(&laptop, &["sync"]);
        rolo(&phone, &["sync"]);
        for home in [&phone, &laptop] {
            let shown: serde_json::Value =
                serde_json::from_str(&rolo(home, &["show", &id, "--json"])).unwrap();
            assert_eq!(
                shown["organizations"][0]["title"], "Purchasing manager",
                "{shown}"
            );
            let numbers: Vec<&str> = shown["phones"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["e164"].as_str().unwrap())
                .collect();
            assert_eq!(numbers.len(), 2, "{shown}");
            assert!(
                numbers.contains(&"+81312345678") && numbers.contains(&"+819012345678"),
                "{numbers:?}"
            );
        }
        let status = rolo(&phone, &["status"]);
        assert!(status.contains('0'), "{status}");
    })
    .await
    .unwrap();
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_added_private_with_the_cli_never_reaches_a_colleague() {
    let server = TestServer::sqlite().await.unwrap();
    let owner = tests::signup(&server, "Kita Logistics", "aiko@kita.example", PASSWORD)
        .await
        .unwrap();
    tests::add_member(&server, &owner, "hiro@kita.example", PASSWORD)
        .await
        .unwrap();
    let url = server.base_url();
    let (aiko, hiro) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (aiko, hiro) = (aiko.path().to_path_buf(), hiro.path().to_path_buf());
    tokio::task::spawn_blocking(move || {
        for (home, email) in [(&aiko, "aiko@kita.example"), (&hiro, "hiro@kita.example")] {
            rolo(
                home,
                &[
                    "login",
                    "--server",
                    &url,
                    "--email",
                    email,
                    "--device-name",
                    "phone",
                ],
            );
        }
        rolo(&aiko, &["add", "--given", "Shared", "--family", "Client"]);
        rolo(
            &aiko,
            &[
                "add",
                "--given",
                "Secret",
                "--family",
                "Prospect",
                "--private",
            ],
        );
        rolo(&aiko, &["sync"]);
        rolo(&hiro, &["sync"]);
        let aikos = rolo(&aiko, &["list"]);
        assert!(
            aikos.contains("Secret Prospect") && aikos.contains("Shared Client"),
            "{aikos}"
        );
        let hiros = rolo(&hiro, &["list"]);
        assert!(hiros.contains("Shared Client"), "{hiros}");
        assert!(
            !hiros.contains("Secret Prospect"),
            "the private contact reached Hiro: {hiros}"
        );
    })
    .await
    .unwrap();
    server.stop().await.unwrap();
}
