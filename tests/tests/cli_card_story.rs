//! Business cards with the `rolo` CLI against a real server whose reader is a real child
//! process running the real OCR models, as a rep would use them: scan a card with no signal,
//! sync when the signal is back, review the draft, save it, and find the contact with its card
//! photo on another device; or, when the card is someone the rep already has, be told so and
//! add the card to that contact.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tests::TestServer;
use tests::cli::{PASSWORD, json, rolo, run};

/// The fictional person printed on `en-02.jpg` (see its `.json`).
const CARD_EMAIL: &str = "m.okafor@northpeaklogistics.com";

/// Reading a card takes seconds; this only bounds a hung story, it measures nothing.
const READING_BOUND: Duration = Duration::from_secs(180);

/// Between two `rolo sync`s while the server reads the card: the reader is another process
/// with nothing to wait on from here, and syncing back to back would only take CPU from it.
const POLL_PAUSE: Duration = Duration::from_millis(500);

/// The path of a synthetic fixture card (fictional person).
fn fixture_card(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/cards/synthetic")
        .join(name)
}

/// The card as `rolo card list --all --json` shows it.
fn listed(home: &Path, card: &str) -> Value {
    let all = json(home, &["card", "list", "--all", "--json"]);
    all.as_array()
        .unwrap()
        .iter()
        .find(|listed| listed["id"] == card)
        .unwrap_or_else(|| panic!("card {card} is not listed: {all}"))
        .clone()
}

/// `rolo sync` again and again until `rolo card list` shows the card read.
fn sync_until_read(home: &Path, card: &str) {
    let started = Instant::now();
    loop {
        rolo(home, &["sync"]);
        let listed = listed(home, card);
        match listed["state"].as_str() {
            Some("ready") => return,
            Some("queued" | "reading") => {}
            _ => panic!("card {card} was not read: {listed}"),
        }
        assert!(
            started.elapsed() < READING_BOUND,
            "card {card} still not read after {READING_BOUND:?}: {listed}"
        );
        std::thread::sleep(POLL_PAUSE);
    }
}

/// The email addresses, phone numbers (E.164) or companies of a contact shown as JSON.
fn values(contact: &Value, list: &str, key: &str) -> Vec<String> {
    contact[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[key].as_str().unwrap().to_string())
        .collect()
}

/// A server on SQLite whose card reader is the real `rolo-server read-card`.
async fn started_server() -> TestServer {
    // Without the binary the harness falls back to this test binary as the reader, and every
    // card would fail to be read for a reason that has nothing to do with cards.
    tests::server_binary().expect("cards are read by `rolo-server read-card`");
    TestServer::sqlite().await.unwrap()
}

/// The phone's network: a TCP relay to the server that the story can cut, as a rep loses
/// signal walking into a warehouse. While cut it hangs up on every new connection at once.
#[derive(Clone)]
struct Signal {
    url: String,
    up: Arc<AtomicBool>,
}

impl Signal {
    /// A relay to `server`, with the signal up. It runs until the test's runtime ends.
    async fn to(server: SocketAddr) -> Signal {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let up = Arc::new(AtomicBool::new(true));
        let relaying = up.clone();
        tokio::spawn(async move {
            while let Ok((mut phone, _)) = listener.accept().await {
                if !relaying.load(Ordering::SeqCst) {
                    continue; // dropped: the phone's connection is closed unanswered
                }
                tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(server).await {
                        // Either side hanging up ends the relay; how is of no interest here.
                        let _ = tokio::io::copy_bidirectional(&mut phone, &mut server).await;
                    }
                });
            }
        });
        Signal { url, up }
    }

    fn set(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_scanned_with_no_signal_is_read_saved_and_reaches_the_reps_laptop_with_its_photo() {
    let server = started_server().await;
    let signal = Signal::to(server.address).await;
    let direct = server.base_url();
    let (phone, laptop) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (phone, laptop) = (phone.path().to_path_buf(), laptop.path().to_path_buf());
    // The CLI blocks; run it off the async threads the in-process server needs.
    let image = tokio::task::spawn_blocking(move || {
        rolo(
            &phone,
            &[
                "signup",
                "--server",
                &signal.url,
                "--company",
                "Northside Freight",
                "--name",
                "Dana",
                "--email",
                "dana@northside.example",
                "--region",
                "US",
            ],
        );

        // No signal: the scan is kept on the phone, and a sync leaves it there.
        signal.set(false);
        let photo = fixture_card("en-02.jpg");
        let card = rolo(&phone, &["card", "scan", photo.to_str().unwrap()])
            .trim()
            .to_string();
        assert_eq!(listed(&phone, &card)["state"], "queued");
        let offline = run(&phone, &["sync"]);
        assert!(
            !offline.status.success(),
            "a sync with no signal fails: {}",
            String::from_utf8_lossy(&offline.stdout)
        );
        let queued = listed(&phone, &card);
        assert_eq!(queued["state"], "queued", "{queued}");
        assert!(queued["upload_attempts"].as_u64().unwrap() >= 1, "{queued}");
        assert!(queued["last_error"].is_string(), "{queued}");

        // Signal back: the next syncs upload it and bring the draft.
        signal.set(true);
        sync_until_read(&phone, &card);
        let shown = json(&phone, &["card", "show", &card[..8], "--json"]);
        let draft = &shown["draft"];
        assert_eq!(draft["status"], "ready", "{shown}");
        let emails: Vec<&str> = draft["fields"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|field| field["kind"] == "email")
            .map(|field| field["value"].as_str().unwrap())
            .collect();
        assert_eq!(emails, [CARD_EMAIL], "{shown}");
        assert_eq!(
            shown["duplicates"],
            serde_json::json!([]),
            "no one to confuse it with"
        );
        let images = draft["images"].as_array().unwrap();
        assert_eq!(images.len(), 1, "the front photo is kept: {shown}");
        let image = images[0].clone();

        let contact = rolo(&phone, &["card", "save", &card]).trim().to_string();
        rolo(&phone, &["sync"]);
        let saved = listed(&phone, &card);
        assert_eq!(saved["state"], "saved", "{saved}");
        assert_eq!(saved["saved_as"], contact.as_str(), "{saved}");
        assert_eq!(saved["done_reported"], true, "the server was told: {saved}");
        assert_eq!(json(&phone, &["status", "--json"])["pending"], 0);

        // The rep's laptop, on the office network.
        rolo(
            &laptop,
            &[
                "login",
                "--server",
                &direct,
                "--email",
                "dana@northside.example",
                "--device-name",
                "laptop",
            ],
        );
        rolo(&laptop, &["sync"]);
        let on_laptop = json(&laptop, &["show", &contact, "--json"]);
        assert!(
            values(&on_laptop, "emails", "address").contains(&CARD_EMAIL.to_string()),
            "{on_laptop}"
        );
        assert_eq!(
            on_laptop["card_images"],
            serde_json::json!([image]),
            "the card photo came along"
        );
        let page = rolo(&laptop, &["show", &contact]);
        let sha256 = image["blob"]["sha256"].as_str().unwrap().to_string();
        assert!(page.contains(&sha256), "{page}");
        image
    })
    .await
    .unwrap();

    // The photo the laptop was told of is on the server, as a JPEG of the size it said.
    let account = tests::login(&server, "dana@northside.example", PASSWORD, "tablet")
        .await
        .unwrap();
    let blob = &image["blob"];
    let response = reqwest::Client::new()
        .get(format!(
            "{}/v1/blobs/{}",
            server.base_url(),
            blob["sha256"].as_str().unwrap()
        ))
        .bearer_auth(&account.access_token)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let bytes = response.bytes().await.unwrap();
    assert_eq!(Some(bytes.len() as u64), blob["bytes"].as_u64());
    assert_eq!(&bytes[..2], [0xff, 0xd8], "a JPEG");
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_of_someone_the_rep_has_is_pointed_out_and_merged_into_their_contact() {
    let server = started_server().await;
    let url = server.base_url();
    let phone = tempfile::tempdir().unwrap();
    let phone = phone.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        rolo(
            &phone,
            &[
                "signup",
                "--server",
                &url,
                "--company",
                "Northside Freight",
                "--name",
                "Dana",
                "--email",
                "dana@northside.example",
                "--region",
                "US",
            ],
        );
        // Met before, typed in by hand: a nickname, a mobile and the email.
        let known = rolo(
            &phone,
            &[
                "add",
                "--given",
                "Marc",
                "--family",
                "Okafor",
                "--company",
                "Northpeak",
                "--phone",
                "mobile=+1 312 555 0199",
                "--email",
                &format!("work={CARD_EMAIL}"),
            ],
        )
        .trim()
        .to_string();
        rolo(&phone, &["sync"]);
        let before = json(&phone, &["show", &known, "--json"]);

        let photo = fixture_card("en-02.jpg");
        let card = rolo(&phone, &["card", "scan", photo.to_str().unwrap()])
            .trim()
            .to_string();
        sync_until_read(&phone, &card);

        // The card says who it may be, and why.
        let shown = json(&phone, &["card", "show", &card, "--json"]);
        let duplicates = shown["duplicates"].as_array().unwrap();
        let duplicate = duplicates
            .iter()
            .find(|duplicate| duplicate["contact"] == known.as_str())
            .unwrap_or_else(|| panic!("the known contact is pointed out: {shown}"));
        assert_eq!(duplicate["name"], "Marc Okafor", "{shown}");
        assert!(
            duplicate["same"]
                .as_array()
                .unwrap()
                .contains(&Value::from(format!("email {CARD_EMAIL}"))),
            "{shown}"
        );
        let page = rolo(&phone, &["card", "show", &card]);
        assert!(page.contains("looks like contact Marc Okafor"), "{page}");
        // The list says so too, as `card show` does.
        let in_list = listed(&phone, &card);
        assert!(
            in_list["duplicates"]
                .as_array()
                .unwrap()
                .iter()
                .any(|duplicate| duplicate["contact"] == known.as_str()
                    && duplicate["name"] == "Marc Okafor"),
            "{in_list}"
        );

        let merged_into = rolo(&phone, &["card", "save", &card, "--into", &known[..8]]);
        assert_eq!(merged_into.trim(), known);
        let after = json(&phone, &["show", &known, "--json"]);

        // Its own values stay, first and unchanged; the card's new ones come after them.
        assert_eq!(after["name"]["given"], "Marc", "{after}");
        for (list, key) in [
            ("emails", "address"),
            ("phones", "e164"),
            ("organizations", "company"),
        ] {
            let (own, now) = (values(&before, list, key), values(&after, list, key));
            assert_eq!(now[..own.len()], own[..], "{list}: {after}");
        }
        assert_eq!(
            after["emails"], before["emails"],
            "the email it shares with the card is not added twice"
        );
        let phones = values(&after, "phones", "e164");
        assert!(
            phones.len() > 1 && phones.contains(&"+13125550148".to_string()),
            "the card's office number is added: {phones:?}"
        );
        assert_eq!(after["card_images"], shown["draft"]["images"], "{after}");

        // The merge is an ordinary edit: the next sync sends it and closes the card.
        rolo(&phone, &["sync"]);
        assert_eq!(json(&phone, &["status", "--json"])["pending"], 0);
        let saved = listed(&phone, &card);
        assert_eq!(saved["state"], "saved", "{saved}");
        assert_eq!(saved["saved_as"], known.as_str(), "{saved}");
        assert_eq!(saved["done_reported"], true, "{saved}");
    })
    .await
    .unwrap();
    server.stop().await.unwrap();
}
