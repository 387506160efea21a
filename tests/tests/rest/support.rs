//! What the REST stories share: JSON calls to the real API, and the accounts of a small
//! company (an owner, and reps invited through the API).

// Each story file compiles this module and uses a part of it.
#![allow(dead_code)]

use anyhow::Context;
use serde_json::Value;
use tests::{Account, TestServer};

pub const PASSWORD: &str = "correct horse battery";

/// An answer: its status and its JSON body (`null` when empty).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// The body, if the answer is `status`; an error saying what came instead otherwise.
    pub fn expect(self, status: u16) -> anyhow::Result<Value> {
        anyhow::ensure!(self.status == status, "expected {status}, got {self:?}");
        Ok(self.body)
    }

    /// That the answer is an API error with this status and code (and field, if given).
    pub fn refused(&self, status: u16, code: &str, field: Option<&str>) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.status == status && self.body["code"] == code,
            "expected {status} {code}, got {self:?}"
        );
        if let Some(field) = field {
            anyhow::ensure!(
                self.body["field"] == field,
                "expected field {field}: {self:?}"
            );
        }
        Ok(())
    }
}

/// `method path` as `account`, with a JSON body.
pub async fn call(
    server: &TestServer,
    account: &Account,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> anyhow::Result<Answer> {
    let mut request = reqwest::Client::new()
        .request(method.clone(), format!("{}{path}", server.base_url()))
        .bearer_auth(&account.access_token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("{method} {path}"))?;
    let status = response.status().as_u16();
    let text = response.text().await?;
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).with_context(|| format!("{method} {path} answered {text}"))?
    };
    Ok(Answer { status, body })
}

pub async fn get(server: &TestServer, account: &Account, path: &str) -> anyhow::Result<Answer> {
    call(server, account, reqwest::Method::GET, path, None).await
}

pub async fn post(
    server: &TestServer,
    account: &Account,
    path: &str,
    body: Value,
) -> anyhow::Result<Answer> {
    call(server, account, reqwest::Method::POST, path, Some(body)).await
}

pub async fn put(
    server: &TestServer,
    account: &Account,
    path: &str,
    body: Value,
) -> anyhow::Result<Answer> {
    call(server, account, reqwest::Method::PUT, path, Some(body)).await
}

pub async fn patch(
    server: &TestServer,
    account: &Account,
    path: &str,
    body: Value,
) -> anyhow::Result<Answer> {
    call(server, account, reqwest::Method::PATCH, path, Some(body)).await
}

pub async fn delete(server: &TestServer, account: &Account, path: &str) -> anyhow::Result<Answer> {
    call(server, account, reqwest::Method::DELETE, path, None).await
}

/// A company: its owner and two reps, Ana and Ben.
pub struct Company {
    pub owner: Account,
    pub ana: Account,
    pub ben: Account,
}

impl Company {
    pub async fn start(server: &TestServer) -> anyhow::Result<Self> {
        let owner = tests::signup(server, "Kita Trading", "owner@kita.example", PASSWORD).await?;
        let ana = tests::add_member(server, &owner, "ana@kita.example", PASSWORD).await?;
        let ben = tests::add_member(server, &owner, "ben@kita.example", PASSWORD).await?;
        Ok(Self { owner, ana, ben })
    }
}

/// Create a contact as `account` from `body`; its id.
pub async fn create(server: &TestServer, account: &Account, body: Value) -> anyhow::Result<String> {
    let created = post(server, account, "/v1/contacts", body)
        .await?
        .expect(201)?;
    created["id"]
        .as_str()
        .map(str::to_string)
        .context("a created contact has an id")
}

/// Creates an org unit named `name` (under `parent`, if given) as `account`; its id.
pub async fn create_unit(
    server: &TestServer,
    account: &Account,
    name: &str,
    parent: Option<&str>,
) -> anyhow::Result<String> {
    let created = post(
        server,
        account,
        "/v1/units",
        serde_json::json!({"name": name, "parent": parent}),
    )
    .await?
    .expect(201)?;
    anyhow::ensure!(created["parent"] == serde_json::json!(parent), "{created}");
    created["id"]
        .as_str()
        .map(str::to_string)
        .context("a created unit has an id")
}

/// The display names of a list (`GET /v1/contacts?…`), in order, and its next cursor.
pub async fn names(
    server: &TestServer,
    account: &Account,
    query: &str,
) -> anyhow::Result<(Vec<String>, Option<String>)> {
    let page = get(server, account, &format!("/v1/contacts?{query}"))
        .await?
        .expect(200)?;
    let names = page["contacts"]
        .as_array()
        .context("a list")?
        .iter()
        .map(|contact| {
            contact["display_name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    Ok((names, page["next_cursor"].as_str().map(str::to_string)))
}

/// `text` as a query parameter.
pub fn encode(text: &str) -> String {
    tests::query_value(text)
}
