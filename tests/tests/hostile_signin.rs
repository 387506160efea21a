//! Signing in against a hostile internet: guessing slows only the guesser, floods cannot
//! flush the counts, sign-ups are rationed and never say an email is taken, and token keys
//! can live outside the database.
//!
//! Each client connects from its own loopback address (the whole of 127.0.0.0/8 is
//! loopback), which is how the server tells an attacker from the owner.

use std::net::{IpAddr, Ipv4Addr};

use serde_json::{Value, json};
use server::auth::{JwtKeys, SignupPolicy};
use tests::TestServer;

const PASSWORD: &str = "correct horse battery";

/// A client whose connections come from 127.0.0.`n`.
fn from(n: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, n)))
        .build()
        .expect("a client")
}

/// An answer: status, `Retry-After` (if any) and JSON body.
#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: Value,
}

async fn post(client: &reqwest::Client, server: &TestServer, path: &str, body: Value) -> Answer {
    send(
        client
            .post(format!("{}{path}", server.base_url()))
            .json(&body),
    )
    .await
}

async fn get(client: &reqwest::Client, server: &TestServer, path: &str, token: &str) -> Answer {
    send(
        client
            .get(format!("{}{path}", server.base_url()))
            .bearer_auth(token),
    )
    .await
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().unwrap().parse().unwrap());
    let body = response.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        retry_after,
        body,
    }
}

async fn signup(
    client: &reqwest::Client,
    server: &TestServer,
    email: &str,
    password: &str,
) -> Answer {
    let body = json!({
        "company": "Kita Logistics", "name": "Aiko", "email": email, "password": password,
        "region": "JP", "device_name": "phone",
    });
    post(client, server, "/v1/signup", body).await
}

async fn login(
    client: &reqwest::Client,
    server: &TestServer,
    email: &str,
    password: &str,
) -> Answer {
    let body = json!({ "email": email, "password": password, "device_name": "phone" });
    post(client, server, "/v1/login", body).await
}

async fn accept(client: &reqwest::Client, server: &TestServer, email: &str, code: &str) -> Answer {
    let body = json!({ "email": email, "invite_code": code, "password": PASSWORD, "device_name": "phone" });
    post(client, server, "/v1/invitations/accept", body).await
}

/// The owner signs up from `client`; answers their access token.
async fn owner(client: &reqwest::Client, server: &TestServer, email: &str) -> String {
    let answer = signup(client, server, email, PASSWORD).await;
    assert_eq!(answer.status, 201, "{answer:?}");
    answer.body["access_token"].as_str().unwrap().to_string()
}

/// As the owner, invite `email`; answers the code.
async fn invite(client: &reqwest::Client, server: &TestServer, token: &str, email: &str) -> String {
    let answer = send(
        client
            .post(format!("{}/v1/members", server.base_url()))
            .bearer_auth(token)
            .json(&json!({ "email": email, "name": "Chie", "role": "member" })),
    )
    .await;
    assert_eq!(answer.status, 201, "{answer:?}");
    answer.body["invite_code"].as_str().unwrap().to_string()
}

fn assert_throttled(answer: &Answer) {
    assert_eq!(answer.status, 429, "{answer:?}");
    assert_eq!(answer.body["code"], "too_many_attempts", "{answer:?}");
    let wait = answer.retry_after.expect("a Retry-After header");
    assert!(wait > 0 && wait <= 15 * 60, "{wait}");
}

/// The `kid` in an access token's header.
fn kid_of(token: &str) -> String {
    let header = token.split('.').next().unwrap();
    let bytes = base64url_decode(header);
    let header: Value = serde_json::from_slice(&bytes).unwrap();
    header["kid"].as_str().unwrap().to_string()
}

fn base64url_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.bytes() {
        let value = ALPHABET.iter().position(|&c| c == byte).unwrap() as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

#[tokio::test]
async fn an_attackers_wrong_passwords_do_not_stop_the_owner_signing_in_from_their_usual_address() {
    let server = TestServer::sqlite().await.unwrap();
    let (attacker, home) = (from(2), from(3));
    owner(&home, &server, "aiko@kita.example").await;
    for guess in 0..10 {
        let answer = login(&attacker, &server, "aiko@kita.example", "hunter2").await;
        assert_eq!(answer.status, 401, "guess {guess}: {answer:?}");
    }
    // The attacker is slowed, even with the right password...
    assert_throttled(&login(&attacker, &server, "aiko@kita.example", PASSWORD).await);
    // ...the owner, from where they signed up, is not.
    let owner_login = login(&home, &server, "aiko@kita.example", PASSWORD).await;
    assert_eq!(owner_login.status, 200, "{owner_login:?}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn guessing_an_invitees_code_does_not_stop_them_accepting() {
    let server = TestServer::sqlite().await.unwrap();
    let (attacker, office) = (from(2), from(4));
    let admin = owner(&from(3), &server, "aiko@kita.example").await;
    let code = invite(&from(3), &server, &admin, "chie@kita.example").await;
    for guess in 0..10 {
        let answer = accept(
            &attacker,
            &server,
            "chie@kita.example",
            &format!("{guess:032x}"),
        )
        .await;
        assert_eq!(answer.status, 401, "guess {guess}: {answer:?}");
    }
    assert_throttled(&accept(&attacker, &server, "chie@kita.example", "0").await);
    let accepted = accept(&office, &server, "chie@kita.example", &code).await;
    assert_eq!(accepted.status, 200, "{accepted:?}");
    server.stop().await.unwrap();
}

/// More made-up accepts than the old shared table held (10,000): the victim's login count
/// and invitation count both survive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flooding_made_up_invitation_accepts_does_not_reset_a_victims_counts() {
    let server = TestServer::sqlite_with(|config| config.auth.sign_ins_per_minute = 1_000_000)
        .await
        .unwrap();
    let attacker = from(2);
    let admin = owner(&from(3), &server, "aiko@kita.example").await;
    invite(&from(3), &server, &admin, "chie@kita.example").await;
    for _ in 0..10 {
        login(&attacker, &server, "aiko@kita.example", "hunter2").await;
        accept(&attacker, &server, "chie@kita.example", "0").await;
    }
    assert_throttled(&login(&attacker, &server, "aiko@kita.example", "hunter2").await);
    assert_throttled(&accept(&attacker, &server, "chie@kita.example", "0").await);
    let flood = futures_util::future::join_all((0..8).map(|lane| {
        let (attacker, server) = (&attacker, &server);
        async move {
            for n in (lane..10_050).step_by(8) {
                let answer =
                    accept(attacker, server, &format!("nobody{n}@kita.example"), "0").await;
                assert_eq!(answer.status, 401, "{answer:?}");
            }
        }
    }));
    flood.await;
    assert_throttled(&login(&attacker, &server, "aiko@kita.example", "hunter2").await);
    assert_throttled(&accept(&attacker, &server, "chie@kita.example", "0").await);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_flood_of_made_up_logins_does_not_reset_a_victims_count() {
    let server = TestServer::sqlite_with(|config| {
        config.auth.sign_ins_per_minute = 1_000_000;
        config.auth.throttle.unknown_names = 20;
    })
    .await
    .unwrap();
    let attacker = from(2);
    owner(&from(3), &server, "aiko@kita.example").await;
    for _ in 0..10 {
        login(&attacker, &server, "aiko@kita.example", "hunter2").await;
    }
    assert_throttled(&login(&attacker, &server, "aiko@kita.example", "hunter2").await);
    for n in 0..40 {
        let answer = login(
            &attacker,
            &server,
            &format!("nobody{n}@kita.example"),
            "hunter2",
        )
        .await;
        assert_eq!(answer.status, 401, "{answer:?}");
    }
    assert_throttled(&login(&attacker, &server, "aiko@kita.example", "hunter2").await);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn sign_ups_beyond_the_per_address_rate_are_turned_away() {
    let server = TestServer::sqlite_with(|config| config.auth.signups_per_hour = 3)
        .await
        .unwrap();
    let spammer = from(5);
    for n in 0..3 {
        let answer = signup(
            &spammer,
            &server,
            &format!("spam{n}@junk.example"),
            PASSWORD,
        )
        .await;
        assert_eq!(answer.status, 201, "{answer:?}");
    }
    let refused = signup(&spammer, &server, "spam3@junk.example", PASSWORD).await;
    assert_eq!(refused.status, 429, "{refused:?}");
    assert_eq!(refused.body["code"], "rate_limited");
    let wait = refused.retry_after.expect("a Retry-After header");
    assert!(wait > 0 && wait <= 20 * 60, "{wait}");
    let elsewhere = signup(&from(6), &server, "real@kita.example", PASSWORD).await;
    assert_eq!(
        elsewhere.status, 201,
        "another address signs up: {elsewhere:?}"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_flood_of_concurrent_logins_from_one_address_is_turned_away_at_once() {
    let server = TestServer::sqlite().await.unwrap();
    let (attacker, home) = (from(2), from(3));
    owner(&home, &server, "aiko@kita.example").await;
    let flood = futures_util::future::join_all((0..40).map(|n| {
        let (attacker, server) = (&attacker, &server);
        async move {
            login(
                attacker,
                server,
                &format!("user{n}@kita.example"),
                "hunter2",
            )
            .await
            .status
        }
    }));
    let (statuses, owner_login) =
        tokio::join!(flood, login(&home, &server, "aiko@kita.example", PASSWORD));
    assert_eq!(owner_login.status, 200, "{owner_login:?}");
    let turned_away = statuses.iter().filter(|&&status| status == 429).count();
    assert!(
        turned_away >= 30,
        "one address may not queue 40 password checks: {statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|&status| status == 401 || status == 429),
        "{statuses:?}"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn with_signup_closed_or_by_invitation_nobody_signs_up() {
    for (policy, code) in [
        (SignupPolicy::Closed, "signup_closed"),
        (SignupPolicy::Invite, "invitation_required"),
    ] {
        let server = TestServer::sqlite_with(|config| config.auth.signup = policy)
            .await
            .unwrap();
        let refused = signup(&from(2), &server, "aiko@kita.example", PASSWORD).await;
        assert_eq!(
            (refused.status, refused.body["code"].as_str()),
            (403, Some(code)),
            "{refused:?}"
        );
        server.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_taken_email_at_signup_is_indistinguishable_from_a_fresh_one_to_a_stranger() {
    let server = TestServer::sqlite().await.unwrap();
    let owner_token = owner(&from(3), &server, "aiko@kita.example").await;
    let stranger = from(7);
    let taken = signup(
        &stranger,
        &server,
        "aiko@kita.example",
        "a stranger's password",
    )
    .await;
    let fresh = signup(
        &stranger,
        &server,
        "hiro@kita.example",
        "a stranger's password",
    )
    .await;
    assert_eq!(taken.status, fresh.status, "{taken:?} {fresh:?}");
    assert_eq!(taken.status, 201);
    let shape = |body: &Value| -> Vec<(String, String)> {
        let mut fields: Vec<(String, String)> = body
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, value)| {
                let kind = match value {
                    Value::String(text) if text.matches('.').count() == 2 => {
                        format!("jwt kid {}", kid_of(text))
                    }
                    Value::String(text) => format!("text of {} characters", text.len()),
                    other => format!("{other}"),
                };
                (name.clone(), kind)
            })
            .collect();
        fields.sort();
        fields
    };
    assert_eq!(shape(&taken.body), shape(&fresh.body));
    // The real owner's account is untouched, and what the stranger got opens nothing of it.
    let members = get(&stranger, &server, "/v1/members", &owner_token).await;
    assert_eq!(members.status, 200);
    assert_eq!(members.body["members"].as_array().unwrap().len(), 1);
    let decoy = taken.body["access_token"].as_str().unwrap();
    assert_eq!(
        get(&stranger, &server, "/v1/members", decoy).await.status,
        401
    );
    // The owner signing up again with their own password is simply signed in.
    let again = signup(&from(3), &server, "aiko@kita.example", PASSWORD).await;
    assert_eq!(again.status, 201, "{again:?}");
    let token = again.body["access_token"].as_str().unwrap();
    let mine = get(&from(3), &server, "/v1/members", token).await;
    assert_eq!(
        mine.body["members"][0]["email"], "aiko@kita.example",
        "{mine:?}"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_signing_key_from_a_file_signs_tokens_and_an_old_kid_still_verifies_after_rotation() {
    let data = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", data.path().join("rolo.db").display());
    let first_secret = data.path().join("first");
    let second_secret = data.path().join("second");
    std::fs::write(&first_secret, "6f1c1d0e3a9b4c7d8e2f5a6b7c8d9e0f1a2b3c4d\n").unwrap();
    std::fs::write(&second_secret, "0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b\n").unwrap();
    let start = |keys: Vec<(&'static str, String)>| {
        let database = database.clone();
        async move {
            TestServer::sqlite_with(move |config| {
                config.database_url = database;
                config.auth.jwt_keys = JwtKeys::from_lookup(&|name| {
                    keys.iter()
                        .find(|(key, _)| *key == name)
                        .map(|(_, value)| value.clone())
                })
                .unwrap();
            })
            .await
            .unwrap()
        }
    };
    let client = from(3);

    // The quick start's key, in the database.
    let server = start(vec![]).await;
    let database_token = owner(&client, &server, "aiko@kita.example").await;
    server.stop().await.unwrap();

    // A secret from a file: it signs, and the database's key is no longer trusted.
    let server = start(vec![(
        "ROLO_JWT_SECRET_FILE",
        first_secret.display().to_string(),
    )])
    .await;
    assert_eq!(
        get(&client, &server, "/v1/members", &database_token)
            .await
            .status,
        401
    );
    let answer = login(&client, &server, "aiko@kita.example", PASSWORD).await;
    let first_token = answer.body["access_token"].as_str().unwrap().to_string();
    let first_kid = kid_of(&first_token);
    assert_ne!(first_kid, kid_of(&database_token));
    assert_eq!(
        get(&client, &server, "/v1/members", &first_token)
            .await
            .status,
        200
    );
    server.stop().await.unwrap();

    // Rotation: a new key signs, the old kid still verifies.
    let keys = format!(
        "k2={},{first_kid}={}",
        second_secret.display(),
        first_secret.display()
    );
    let server = start(vec![("ROLO_JWT_KEYS", keys)]).await;
    assert_eq!(
        get(&client, &server, "/v1/members", &first_token)
            .await
            .status,
        200
    );
    let answer = login(&client, &server, "aiko@kita.example", PASSWORD).await;
    let second_token = answer.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(kid_of(&second_token), "k2");
    assert_eq!(
        get(&client, &server, "/v1/members", &second_token)
            .await
            .status,
        200
    );
    server.stop().await.unwrap();

    // Once the old key is dropped, its tokens are refused.
    let server = start(vec![(
        "ROLO_JWT_KEYS",
        format!("k2={}", second_secret.display()),
    )])
    .await;
    assert_eq!(
        get(&client, &server, "/v1/members", &first_token)
            .await
            .status,
        401
    );
    assert_eq!(
        get(&client, &server, "/v1/members", &second_token)
            .await
            .status,
        200
    );
    server.stop().await.unwrap();
}
