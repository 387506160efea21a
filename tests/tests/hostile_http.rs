//! The HTTP surface under a careless or hostile client: whatever the request gets wrong, the
//! answer is the API's JSON error with a stable code and the part at fault named; every
//! response carries the browser hardening headers; token answers are never cached; and
//! `/metrics` is not for the public listener.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderMap};
use serde_json::{Value, json};
use sync_core::ids::ContactId;
use tests::{Account, METRICS_TOKEN, TestServer, WireDevice, signup};

const PASSWORD: &str = "correct horse battery";
const QUIET: std::time::Duration = std::time::Duration::from_millis(150);

async fn owner(server: &TestServer) -> anyhow::Result<Account> {
    signup(server, "Hostile Co", "owner@hostile.example", PASSWORD).await
}

fn visibility_url(server: &TestServer) -> String {
    format!(
        "{}/v1/contacts/{}/visibility",
        server.base_url(),
        ContactId::from_u128(7)
    )
}

/// The status and the JSON error of a response, failing if the body is not JSON.
async fn error_of(response: reqwest::Response) -> anyhow::Result<(StatusCode, Value)> {
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = response.text().await?;
    anyhow::ensure!(
        content_type.starts_with("application/json"),
        "{status} answered {content_type:?}: {text}"
    );
    let body: Value = serde_json::from_str(&text)?;
    anyhow::ensure!(
        body["code"].is_string() && body["message"].is_string(),
        "{status} is not an API error: {body}"
    );
    Ok((status, body))
}

#[tokio::test]
async fn a_visibility_body_with_a_wrong_type_names_the_field_and_where() -> anyhow::Result<()> {
    let server = TestServer::sqlite().await?;
    let owner = owner(&server).await?;
    let client = reqwest::Client::new();
    let send = |body: &'static str| {
        client
            .put(visibility_url(&server))
            .bearer_auth(&owner.access_token)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
    };

    let (status, body) = error_of(send(r#"{"all": "yes"}"#).await?).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "bad_request", "{body}");
    assert_eq!(body["field"], "all", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("line 1 column"),
        "{body}"
    );

    let (_, body) = error_of(send(r#"{"all": false, "members": ["a", 5]}"#).await?).await?;
    assert_eq!(body["field"], "members[1]", "{body}");

    let (status, body) = error_of(send(r#"{"all": tru"#).await?).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "malformed_json", "{body}");
    assert_eq!(body["field"], "body", "{body}");
    server.stop().await
}

#[tokio::test]
async fn a_body_that_is_not_declared_json_is_a_json_415() -> anyhow::Result<()> {
    let server = TestServer::sqlite().await?;
    let owner = owner(&server).await?;
    for content_type in [Some("text/plain"), None] {
        let mut request = reqwest::Client::new()
            .put(visibility_url(&server))
            .bearer_auth(&owner.access_token)
            .body(r#"{"all": true}"#);
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        let (status, body) = error_of(request.send().await?).await?;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
        assert_eq!(body["code"], "unsupported_media_type", "{body}");
        assert_eq!(body["field"], "content-type", "{body}");
    }
    server.stop().await
}

#[tokio::test]
async fn a_login_body_that_is_not_json_answers_in_the_same_shape() -> anyhow::Result<()> {
    let server = TestServer::sqlite().await?;
    let response = reqwest::Client::new()
        .post(format!("{}/v1/login", server.base_url()))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("email=a%40b.example&password=x")
        .send()
        .await?;
    let (status, body) = error_of(response).await?;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(body["code"], "unsupported_media_type", "{body}");
    server.stop().await
}

#[tokio::test]
async fn a_json_body_over_the_limit_is_a_json_413() -> anyhow::Result<()> {
    let server = TestServer::sqlite().await?;
    let owner = owner(&server).await?;
    // One byte over: the server reads the whole body before refusing it, so the answer is not
    // lost to a connection reset while the client is still sending.
    let padding = server::http::MAX_JSON_BYTES + 1 - r#"{"all": true, "pad": ""}"#.len();
    let oversized = format!(r#"{{"all": true, "pad": "{}"}}"#, "x".repeat(padding));
    let response = reqwest::Client::new()
        .put(visibility_url(&server))
        .bearer_auth(&owner.access_token)
        .header(CONTENT_TYPE, "application/json")
        .body(oversized)
        .send()
        .await?;
    let (status, body) = error_of(response).await?;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["code"], "payload_too_large", "{body}");
    server.stop().await
}

#[tokio::test]
async fn a_card_upload_without_a_multipart_boundary_is_told_so() -> anyhow::Result<()> {
    let server = TestServer::sqlite().await?;
    let owner = owner(&server).await?;
    let url = format!(
        "{}/v1/cards/{}",
        server.base_url(),
        tests::cards::new_card_id()
    );
    let client = reqwest::Client::new();

    let response = client
        .put(&url)
        .bearer_auth(&owner.access_token)
        .header(CONTENT_TYPE, "multipart/form-data")
        .body("--x\r\n\r\n--x--\r\n")
        .send()
        .await?;
    let (status, body) = error_of(response).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "content-type", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("boundary"),
        "{body}"
    );

    let response = client
        .put(&url)
        .bearer_auth(&owner.access_token)
        .header(CONTENT_TYPE, "image/jpeg")
        .body(vec![0xff, 0xd8, 0xff])
        .send()
        .await?;
    let (status, body) = error_of(response).await?;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(body["code"], "unsupported_media_type", "{body}");
    server.stop().await
}

#[tokio::test]
async fn an_unknown_route_and_a_wrong_method_answer_in_json() -> anyhow::Result<()> {
    let server = TestServer::sqlite().await?;
    let client = reqwest::Client::new();

    let response = client
        .get(format!("{}/v1/no-such-thing", server.base_url()))
        .send()
        .await?;
    let (status, body) = error_of(response).await?;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "not_found", "{body}");

    let response = client
        .delete(format!("{}/v1/version", server.base_url()))
        .send()
        .await?;
    let allow = response.headers().get("allow").cloned();
    let (status, body) = error_of(response).await?;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert_eq!(body["code"], "method_not_allowed", "{body}");
    assert!(
        allow.is_some_and(|allow| allow.to_str().unwrap_or_default().contains("GET")),
        "the 405 says which methods the path has"
    );
    server.stop().await
}

#[tokio::test]
async fn a_path_parameter_that_is_not_text_or_not_an_id_is_named() -> anyhow::Result<()> {
    let server = TestServer::sqlite().await?;
    let owner = owner(&server).await?;
    let client = reqwest::Client::new();
    for (method, path, field) in [
        (reqwest::Method::DELETE, "/v1/contacts/%FF%FE", "id"),
        (reqwest::Method::DELETE, "/v1/contacts/not-an-id", "id"),
        (reqwest::Method::GET, "/v1/cards/%C0", "card"),
    ] {
        let response = client
            .request(method, format!("{}{path}", server.base_url()))
            .bearer_auth(&owner.access_token)
            .send()
            .await?;
        let (status, body) = error_of(response).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["field"], field, "{path}: {body}");
    }
    server.stop().await
}

fn assert_hardened(what: &str, headers: &HeaderMap) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("referrer-policy"), "no-referrer", "{what}");
    let csp = header("content-security-policy");
    for directive in [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{what}: CSP {csp:?}");
    }
}

#[tokio::test]
async fn every_response_carries_nosniff_a_referrer_policy_and_a_strict_csp() -> anyhow::Result<()> {
    let server = TestServer::sqlite().await?;
    let owner = owner(&server).await?;
    let client = reqwest::Client::new();
    let base = server.base_url();
    let responses = [
        ("healthz", client.get(format!("{base}/healthz"))),
        ("version", client.get(format!("{base}/v1/version"))),
        ("unknown route", client.get(format!("{base}/nope"))),
        ("no token", client.get(format!("{base}/v1/members"))),
        (
            "members",
            client
                .get(format!("{base}/v1/members"))
                .bearer_auth(&owner.access_token),
        ),
        (
            "missing blob",
            client
                .get(format!("{base}/v1/blobs/{}", "0".repeat(64)))
                .bearer_auth(&owner.access_token),
        ),
    ];
    for (what, request) in responses {
        let response = request.send().await?;
        assert_hardened(what, response.headers());
        assert!(
            response
                .headers()
                .get("strict-transport-security")
                .is_none(),
            "{what}: no HSTS unless the server is told it is behind TLS"
        );
    }
    server.stop().await
}

#[tokio::test]
async fn behind_tls_every_response_carries_hsts() -> anyhow::Result<()> {
    let server = TestServer::sqlite_with(|config| config.hsts = true).await?;
    let response = reqwest::get(format!("{}/healthz", server.base_url())).await?;
    let hsts = response
        .headers()
        .get("strict-transport-security")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    assert!(hsts.starts_with("max-age="), "{hsts:?}");
    server.stop().await
}

#[tokio::test]
async fn token_responses_are_never_cached() -> anyhow::Result<()> {
    let server = TestServer::sqlite().await?;
    let client = reqwest::Client::new();
    let base = server.base_url();
    let check = |what: &str, response: &reqwest::Response| {
        assert!(
            response.status().is_success(),
            "{what}: {}",
            response.status()
        );
        assert_eq!(
            response.headers().get(CACHE_CONTROL).map(|v| v.as_bytes()),
            Some(&b"no-store"[..]),
            "{what}"
        );
    };

    let signup = client
        .post(format!("{base}/v1/signup"))
        .json(&json!({
            "company": "Cache Co", "name": "Owner", "email": "owner@cache.example",
            "password": PASSWORD, "region": "JP", "device_name": "phone",
        }))
        .send()
        .await?;
    check("signup", &signup);
    let owner: Account = signup.json().await?;

    let login = client
        .post(format!("{base}/v1/login"))
        .json(&json!({ "email": "owner@cache.example", "password": PASSWORD, "device_name": "laptop" }))
        .send()
        .await?;
    check("login", &login);

    let refresh = client
        .post(format!("{base}/v1/token"))
        .json(&json!({ "refresh_token": owner.refresh_token }))
        .send()
        .await?;
    check("refresh", &refresh);

    let invited = client
        .post(format!("{base}/v1/members"))
        .bearer_auth(&owner.access_token)
        .json(&json!({ "email": "rep@cache.example", "name": "Rep", "role": "member" }))
        .send()
        .await?;
    check("invitation", &invited);
    let invited: Value = invited.json().await?;
    let accepted = client
        .post(format!("{base}/v1/invitations/accept"))
        .json(&json!({
            "email": "rep@cache.example", "invite_code": invited["invite_code"],
            "password": PASSWORD, "device_name": "phone",
        }))
        .send()
        .await?;
    check("invitation accept", &accepted);
    server.stop().await
}

#[tokio::test]
async fn metrics_are_not_served_on_the_main_listener_without_a_token() -> anyhow::Result<()> {
    let server = TestServer::sqlite().await?;
    let response = reqwest::Client::new()
        .get(format!("{}/metrics", server.base_url()))
        .bearer_auth("anything-at-all-0123456789")
        .send()
        .await?;
    let (status, body) = error_of(response).await?;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    server.stop().await
}

#[tokio::test]
async fn metrics_on_the_main_listener_answer_only_to_their_token() -> anyhow::Result<()> {
    let server =
        TestServer::sqlite_with(|config| config.metrics_token = Some(METRICS_TOKEN.into())).await?;
    let url = format!("{}/metrics", server.base_url());
    let client = reqwest::Client::new();

    for (what, request) in [
        ("no token", client.get(&url)),
        (
            "wrong token",
            client.get(&url).bearer_auth("not-the-metrics-token"),
        ),
    ] {
        let (status, body) = error_of(request.send().await?).await?;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
    }

    // A connected phone, so the scrape has something of this server's to show.
    let owner = owner(&server).await?;
    let mut phone = WireDevice::connect(&server, &owner, [1; 16]).await?;
    phone.settle(QUIET).await?;
    let scrape = server.metrics().await?;
    assert!(
        scrape.contains("rolo_connections"),
        "a Prometheus scrape: {scrape}"
    );
    server.stop().await
}

#[tokio::test]
async fn metrics_have_a_listener_of_their_own_when_configured() -> anyhow::Result<()> {
    let metrics_address = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
        probe.local_addr()?
    };
    let server =
        TestServer::sqlite_with(|config| config.metrics_listen = Some(metrics_address)).await?;
    let owner = owner(&server).await?;
    let mut phone = WireDevice::connect(&server, &owner, [1; 16]).await?;
    phone.settle(QUIET).await?;
    let response = reqwest::get(format!("http://{metrics_address}/metrics")).await?;
    assert_eq!(response.status(), StatusCode::OK);
    let scrape = response.text().await?;
    assert!(
        scrape.contains("rolo_connections"),
        "a Prometheus scrape: {scrape}"
    );
    let main = reqwest::get(format!("{}/metrics", server.base_url())).await?;
    assert_eq!(
        main.status(),
        StatusCode::NOT_FOUND,
        "not on the main listener"
    );
    server.stop().await
}

#[tokio::test]
async fn the_sync_route_and_account_paths_refuse_in_the_api_shape_too() -> anyhow::Result<()> {
    let server = TestServer::sqlite().await?;
    let owner = owner(&server).await?;
    let client = reqwest::Client::new();
    // A plain GET of the sync route, which only upgrades.
    let (status, body) = error_of(
        client
            .get(format!("{}/v1/sync", server.base_url()))
            .bearer_auth(&owner.access_token)
            .send()
            .await?,
    )
    .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["field"], "upgrade", "{body}");
    // A member path that is not UTF-8.
    let (status, body) = error_of(
        client
            .delete(format!("{}/v1/devices/%FF", server.base_url()))
            .bearer_auth(&owner.access_token)
            .send()
            .await?,
    )
    .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn a_sign_up_name_with_a_direction_override_is_refused_and_named() -> anyhow::Result<()> {
    let server = TestServer::sqlite().await?;
    let (status, body) = error_of(
        reqwest::Client::new()
            .post(format!("{}/v1/signup", server.base_url()))
            .json(&json!({
                "company": "Kita Logistics", "name": "\u{202e}nimdA", "email": "aiko@kita.example",
                "password": PASSWORD, "region": "JP", "device_name": "phone",
            }))
            .send()
            .await?,
    )
    .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "name", "{body}");
    server.stop().await?;
    Ok(())
}
