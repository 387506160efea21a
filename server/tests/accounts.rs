//! Accounts over the real HTTP API: a real server on `127.0.0.1:0` with its SQLite database
//! in a temporary directory, spoken to over real sockets.

#[path = "accounts/support.rs"]
mod support;

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use sync_core::wire::{ErrorCode, Frame};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use support::{PASSWORD, Session, TestServer};

#[tokio::test]
async fn a_company_signs_up_and_its_owner_logs_in_on_a_second_phone() {
    let server = TestServer::start().await;
    let first = server.signup("Acme KK", "Aiko@Acme.example").await;

    let members = server.get("/v1/members", &first.access_token).await;
    assert_eq!(members.status, 200, "{members:?}");
    assert_eq!(
        members.body["members"],
        json!([{ "id": first.member, "email": "aiko@acme.example", "name": "Owner", "role": "owner", "active": true }])
    );

    // The email is matched whatever its case; the second phone is a device of its own.
    let second = Session::from(&server.login("AIKO@acme.example", PASSWORD, "tablet").await);
    assert_eq!(second.member, first.member);
    assert_ne!(second.device, first.device);
    let devices = server.get("/v1/devices", &second.access_token).await;
    let listed: Vec<(&str, &str, bool)> = devices.body["devices"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|device| {
            let id = device["id"].as_str().expect("an id");
            (
                if id == first.device {
                    "first"
                } else {
                    "second"
                },
                device["name"].as_str().expect("a name"),
                device["current"] == true,
            )
        })
        .collect();
    assert_eq!(listed.len(), 2, "{devices:?}");
    assert!(
        listed.contains(&("first", "owner phone", false)),
        "{listed:?}"
    );
    assert!(listed.contains(&("second", "tablet", true)), "{listed:?}");
    server.stop().await;
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_refusal() {
    let server = TestServer::start().await;
    server.signup("Acme KK", "aiko@acme.example").await;
    let wrong_password = server
        .login("aiko@acme.example", "not the password", "phone")
        .await;
    let unknown_email = server.login("nobody@acme.example", PASSWORD, "phone").await;
    wrong_password.refused(401, "unauthorized");
    assert_eq!(wrong_password.body, unknown_email.body);
    assert_eq!(wrong_password.status, unknown_email.status);
    server.stop().await;
}

#[tokio::test]
async fn signup_mistakes_are_reported_by_field() {
    let server = TestServer::start().await;
    let valid = json!({ "company": "Acme KK", "name": "Aiko", "email": "aiko@acme.example", "password": PASSWORD });
    let with = |field: &str, value: Value| {
        let mut body = valid.clone();
        body[field] = value;
        body
    };
    for (body, field) in [
        (with("email", json!("not an email")), "email"),
        (with("password", json!("too short")), "password"),
        (with("region", json!("Atlantis")), "region"),
        (with("company", json!("  ")), "company"),
        (
            json!({ "company": "Acme KK", "name": "Aiko", "password": PASSWORD }),
            "email",
        ),
        (json!("just a string"), "body"),
    ] {
        let answer = server.post("/v1/signup", None, body).await;
        assert_eq!(
            answer.refused(400, "bad_request").body["field"],
            field,
            "{answer:?}"
        );
    }
    // No region means the default. Signing up again with the same email and password signs
    // the owner in (a taken email is never reported as taken: see http/accounts/session.rs).
    let first = server.post("/v1/signup", None, valid.clone()).await;
    assert_eq!(first.status, 201);
    let again = server.post("/v1/signup", None, valid).await;
    assert_eq!(again.status, 201, "{again:?}");
    assert_eq!(again.text("member"), first.text("member"));
    server.stop().await;
}

#[tokio::test]
async fn a_refresh_token_works_once_and_its_replay_signs_the_device_out() {
    let server = TestServer::start().await;
    let phone = server.signup("Acme KK", "aiko@acme.example").await;

    let rotated = server.refresh(&phone.refresh_token).await;
    assert_eq!(rotated.status, 200, "{rotated:?}");
    let next_refresh = rotated.text("refresh_token");
    let next_access = rotated.text("access_token");
    assert_ne!(next_refresh, phone.refresh_token);
    assert_eq!(rotated.body["expires_in"], 900);
    assert_eq!(
        server.get("/v1/members", &next_access).await.status,
        200,
        "the new access token works"
    );

    // The spent token comes back (a thief's copy, or the real phone after the thief used it):
    // refused, and the device is signed out, so neither copy of its tokens works any more.
    server
        .refresh(&phone.refresh_token)
        .await
        .refused(401, "unauthorized");
    server
        .refresh(&next_refresh)
        .await
        .refused(401, "unauthorized");
    server
        .get("/v1/members", &next_access)
        .await
        .refused(401, "unauthorized");
    // The owner is not locked out: a fresh login is a new device.
    assert_eq!(
        server
            .login("aiko@acme.example", PASSWORD, "phone again")
            .await
            .status,
        200
    );
    server
        .refresh("0123abcd")
        .await
        .refused(401, "unauthorized");
    server.stop().await;
}

#[tokio::test]
async fn replaying_a_refresh_token_cuts_the_devices_open_sync_socket() {
    let server = TestServer::start().await;
    let phone = server.signup("Acme KK", "aiko@acme.example").await;
    let mut request = format!("ws://{}/v1/sync", server.address)
        .into_client_request()
        .expect("a request");
    let bearer = format!("Bearer {}", phone.access_token)
        .parse()
        .expect("a header value");
    request.headers_mut().insert("Authorization", bearer);
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the device connects");

    assert_eq!(server.refresh(&phone.refresh_token).await.status, 200);
    server
        .refresh(&phone.refresh_token)
        .await
        .refused(401, "unauthorized");

    let told = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(message) = socket.next().await {
            if let Ok(Message::Binary(bytes)) = message
                && let Ok(Frame::Error { code, fatal, .. }) = Frame::decode(&bytes, usize::MAX)
            {
                return Some((code, fatal));
            }
        }
        None
    })
    .await
    .expect("the socket is cut within five seconds");
    assert_eq!(told, Some((ErrorCode::Unauthorized, true)));
    server.stop().await;
}

#[tokio::test]
async fn an_admin_invites_a_member_who_accepts_and_logs_in() {
    let server = TestServer::start().await;
    let owner = server.signup("Acme KK", "aiko@acme.example").await;
    let admin = server.add_member(&owner, "ben@acme.example", "admin").await;

    let invited = server.invite(&admin, "chie@acme.example", "member").await;
    assert_eq!(
        (invited.status, invited.body["role"].as_str()),
        (201, Some("member")),
        "{invited:?}"
    );
    let code = invited.text("invite_code");
    // Before accepting, there is no password to log in with, not even the code.
    server
        .login("chie@acme.example", &code, "phone")
        .await
        .refused(401, "unauthorized");
    server
        .accept("chie@acme.example", "0123456789abcdef0123456789abcdef")
        .await
        .refused(401, "unauthorized");
    server
        .accept("someone@acme.example", &code)
        .await
        .refused(401, "unauthorized");

    let member = Session::from(&server.accept("chie@acme.example", &code).await);
    assert_eq!(member.member, invited.text("id"));
    // The code worked once; the password works from now on.
    server
        .accept("chie@acme.example", &code)
        .await
        .refused(401, "unauthorized");
    assert_eq!(
        server
            .login("chie@acme.example", PASSWORD, "tablet")
            .await
            .status,
        200
    );

    let members = server.get("/v1/members", &member.access_token).await;
    let mut roles: Vec<(String, String)> = members.body["members"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|listed| {
            (
                listed["email"].as_str().unwrap_or("").into(),
                listed["role"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    roles.sort();
    assert_eq!(
        roles,
        [
            ("aiko@acme.example", "owner"),
            ("ben@acme.example", "admin"),
            ("chie@acme.example", "member")
        ]
        .map(|(email, role)| (email.to_string(), role.to_string()))
    );
    server.stop().await;
}

#[tokio::test]
async fn members_cannot_invite_and_only_the_owner_makes_admins() {
    let server = TestServer::start().await;
    let owner = server.signup("Acme KK", "aiko@acme.example").await;
    let admin = server.add_member(&owner, "ben@acme.example", "admin").await;
    let member = server
        .add_member(&admin, "chie@acme.example", "member")
        .await;

    server
        .invite(&member, "dai@acme.example", "member")
        .await
        .refused(403, "forbidden");
    server
        .invite(&admin, "dai@acme.example", "admin")
        .await
        .refused(403, "forbidden");
    let owner_role = server.invite(&owner, "dai@acme.example", "owner").await;
    assert_eq!(owner_role.refused(400, "bad_request").body["field"], "role");
    // Nothing above created Dai.
    let members = server.get("/v1/members", &owner.access_token).await;
    assert_eq!(
        members.body["members"].as_array().map(Vec::len),
        Some(3),
        "{members:?}"
    );
    // An email already in use can't be invited again.
    server
        .invite(&owner, "chie@acme.example", "member")
        .await
        .refused(409, "conflict");
    server.stop().await;
}

#[tokio::test]
async fn admins_manage_groups_and_members_do_not() {
    let server = TestServer::start().await;
    let owner = server.signup("Acme KK", "aiko@acme.example").await;
    let member = server
        .add_member(&owner, "chie@acme.example", "member")
        .await;

    server
        .post(
            "/v1/groups",
            Some(&member.access_token),
            json!({ "name": "Kansai" }),
        )
        .await
        .refused(403, "forbidden");
    let group = server
        .post(
            "/v1/groups",
            Some(&owner.access_token),
            json!({ "name": "Kansai" }),
        )
        .await;
    assert_eq!(
        (group.status, group.body["name"].as_str()),
        (201, Some("Kansai")),
        "{group:?}"
    );
    let path = format!("/v1/groups/{}/members", group.text("id"));

    let add = json!({ "member": member.member });
    server
        .post(&path, Some(&member.access_token), add.clone())
        .await
        .refused(403, "forbidden");
    assert_eq!(
        server
            .post(&path, Some(&owner.access_token), add.clone())
            .await
            .status,
        204
    );
    assert_eq!(
        server
            .post(&path, Some(&owner.access_token), add)
            .await
            .status,
        204,
        "adding twice is harmless"
    );

    // A member of another company is not found here.
    let other = server.signup("Other KK", "zed@other.example").await;
    server
        .post(
            &path,
            Some(&owner.access_token),
            json!({ "member": other.member }),
        )
        .await
        .refused(404, "not_found");
    let bad = server
        .post(
            &path,
            Some(&owner.access_token),
            json!({ "member": "chie" }),
        )
        .await;
    assert_eq!(bad.refused(400, "bad_request").body["field"], "member");
    server.stop().await;
}

#[tokio::test]
async fn revoking_a_device_refuses_its_access_token_at_once() {
    let server = TestServer::start().await;
    let owner = server.signup("Acme KK", "aiko@acme.example").await;
    let admin = server.add_member(&owner, "ben@acme.example", "admin").await;
    let member = server
        .add_member(&owner, "chie@acme.example", "member")
        .await;
    let lost_phone = Session::from(
        &server
            .login("chie@acme.example", PASSWORD, "lost phone")
            .await,
    );
    let revoke = |session: &Session, device: &str| {
        let (token, path) = (
            session.access_token.clone(),
            format!("/v1/devices/{device}"),
        );
        let server = &server;
        async move { server.call("DELETE", &path, Some(&token), None).await }
    };

    // A member can't sign out someone else's device, and an admin can't sign out the owner.
    revoke(&member, &admin.device)
        .await
        .refused(403, "forbidden");
    revoke(&admin, &owner.device)
        .await
        .refused(403, "forbidden");
    revoke(&member, "not-a-device")
        .await
        .refused(400, "bad_request");

    // The admin signs out the member's lost phone: its tokens stop working at once, well
    // before the access token would expire; the member's other phone carries on.
    assert_eq!(revoke(&admin, &lost_phone.device).await.status, 204);
    server
        .get("/v1/members", &lost_phone.access_token)
        .await
        .refused(401, "unauthorized");
    server
        .refresh(&lost_phone.refresh_token)
        .await
        .refused(401, "unauthorized");
    assert_eq!(
        server.get("/v1/members", &member.access_token).await.status,
        200
    );

    // A member signs out their own device.
    assert_eq!(revoke(&member, &member.device).await.status, 204);
    server
        .get("/v1/devices", &member.access_token)
        .await
        .refused(401, "unauthorized");

    // Another company's device is not found.
    let other = server.signup("Other KK", "zed@other.example").await;
    revoke(&owner, &other.device)
        .await
        .refused(404, "not_found");
    server.stop().await;
}

#[tokio::test]
async fn forged_and_missing_tokens_are_refused_over_http() {
    let server = TestServer::start().await;
    let owner = server.signup("Acme KK", "aiko@acme.example").await;
    let claims = json!({
        "iss": "rolo", "aud": "rolo-sync", "sub": owner.member, "tid": "00000000-0000-0000-0000-000000000001",
        "did": owner.device, "iat": 0, "nbf": 0, "exp": 9_999_999_999_i64,
    });
    let forge = |algorithm: jsonwebtoken::Algorithm, kid: &str| {
        let mut header = jsonwebtoken::Header::new(algorithm);
        header.kid = Some(kid.to_string());
        let key = jsonwebtoken::EncodingKey::from_secret(b"a secret the server never saw!!!");
        jsonwebtoken::encode(&header, &claims, &key).expect("encodes")
    };
    let genuine_kid = jsonwebtoken::decode_header(&owner.access_token)
        .expect("a header")
        .kid
        .expect("a kid");
    for token in [
        forge(
            jsonwebtoken::Algorithm::HS256,
            "a-kid-the-server-never-issued",
        ),
        forge(jsonwebtoken::Algorithm::HS256, &genuine_kid),
        forge(jsonwebtoken::Algorithm::HS512, &genuine_kid),
    ] {
        server
            .get("/v1/members", &token)
            .await
            .refused(401, "unauthorized");
    }
    server
        .call("GET", "/v1/members", None, None)
        .await
        .refused(401, "unauthorized");
    assert_eq!(
        server.get("/v1/members", &owner.access_token).await.status,
        200,
        "the genuine token works"
    );
    server.stop().await;
}
