//! Credentials: forged, expired and revoked tokens are refused at the sync endpoint, and
//! password guessing is stopped.

use std::time::Duration;

use sync_core::wire::{ErrorCode, Frame};
use tests::{TestServer, WireDevice, connect, login, signup};

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn a_forged_token_is_refused_at_the_upgrade() {
    let server = TestServer::sqlite().await.unwrap();
    let owner = signup(&server, "Forge Co", "owner@forge.example", PASSWORD)
        .await
        .unwrap();
    // Same claims, signature of another key; and the same token with `alg: none`.
    let mut parts: Vec<String> = owner.access_token.split('.').map(str::to_string).collect();
    parts[2] = "c2lnbmVkIHdpdGggYW5vdGhlciBrZXk".into();
    let forged = parts.join(".");
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1]);
    for token in [forged, unsigned, "not a token".to_string()] {
        let refused = connect(&server, &token).await;
        assert!(refused.is_err(), "token {token:?} was accepted");
        assert!(
            refused.unwrap_err().to_string().contains("401"),
            "refused with 401 Unauthorized"
        );
    }
    assert!(
        connect(&server, &owner.access_token).await.is_ok(),
        "the genuine token works"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn an_expired_token_is_refused_and_a_connection_outliving_its_token_is_told_why() {
    let server = TestServer::sqlite_with(|config| {
        config.access_token_ttl = Duration::from_secs(2);
        config.clock_leeway = Duration::ZERO;
    })
    .await
    .unwrap();
    let owner = signup(&server, "Expiry Co", "owner@expiry.example", PASSWORD)
        .await
        .unwrap();
    let mut device = WireDevice::connect(&server, &owner, [1; 16]).await.unwrap();
    device.settle(Duration::from_millis(100)).await.unwrap();
    // Wait past the token's life (and the validation leeway) on the open connection.
    let mut told = None;
    for _ in 0..100 {
        match device.step(Duration::from_millis(500)).await {
            Ok(Some(Frame::Error { code, fatal, .. })) => {
                told = Some((code, fatal));
                break;
            }
            Ok(_) => continue,
            Err(_) => break,
        }
    }
    assert_eq!(told, Some((ErrorCode::TokenExpired, true)));
    let refused = connect(&server, &owner.access_token).await;
    assert!(
        refused.is_err(),
        "the expired token no longer opens a connection"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn revoking_a_device_cuts_its_open_connection() {
    let server = TestServer::sqlite().await.unwrap();
    let owner = signup(&server, "Revoke Co", "owner@revoke.example", PASSWORD)
        .await
        .unwrap();
    let lost_phone = login(&server, "owner@revoke.example", PASSWORD, "lost phone")
        .await
        .unwrap();
    let mut device = WireDevice::connect(&server, &lost_phone, [2; 16])
        .await
        .unwrap();
    device.settle(Duration::from_millis(100)).await.unwrap();
    let response = reqwest::Client::new()
        .delete(format!(
            "{}/v1/devices/{}",
            server.base_url(),
            lost_phone.device
        ))
        .bearer_auth(&owner.access_token)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let answer = device.step(Duration::from_secs(5)).await.unwrap();
    assert!(
        matches!(
            answer,
            Some(Frame::Error {
                code: ErrorCode::Unauthorized,
                fatal: true,
                ..
            })
        ),
        "{answer:?}"
    );
    assert!(
        connect(&server, &lost_phone.access_token).await.is_err(),
        "the revoked device can't reconnect"
    );
    server.stop().await.unwrap();
}

/// Someone guessing a rep's password is stopped after ten tries, even when the eleventh is
/// right; the rep's teammates log in as usual.
#[tokio::test]
async fn password_guessing_is_stopped_after_ten_failures() {
    let server = TestServer::sqlite().await.unwrap();
    signup(
        &server,
        "Kita Logistics",
        "aiko@kita.example",
        "correct horse battery",
    )
    .await
    .unwrap();
    let attempt = |email: &'static str, password: &'static str| {
        let url = format!("{}/v1/login", server.base_url());
        async move {
            reqwest::Client::new()
                .post(url)
                .json(&serde_json::json!({ "email": email, "password": password, "device_name": "x" }))
                .send()
                .await
                .unwrap()
        }
    };
    for guess in 0..10 {
        let response = attempt("aiko@kita.example", "hunter2").await;
        assert_eq!(response.status(), 401, "guess {guess}");
    }
    let locked = attempt("aiko@kita.example", "correct horse battery").await;
    assert_eq!(locked.status(), 429);
    let wait: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0 && wait <= 15 * 60, "{wait}");
    let body: serde_json::Value = locked.json().await.unwrap();
    assert_eq!(body["code"], "too_many_attempts");
    // Another account is not affected.
    let other = attempt("someone@kita.example", "whatever").await;
    assert_eq!(other.status(), 401);
    server.stop().await.unwrap();
}
