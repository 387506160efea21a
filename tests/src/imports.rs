//! Imports over REST, as a client drives them: upload a file, change its setup, start it and
//! wait for its end, download the error file and exports.

use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;

use crate::TestServer;

/// A member's REST calls to one server.
pub struct Importer {
    base: String,
    token: String,
    client: reqwest::Client,
}

impl Importer {
    /// Calls to `server` with the member's access `token`.
    pub fn new(server: &TestServer, token: &str) -> Self {
        Self {
            base: server.base_url(),
            token: token.to_string(),
            client: reqwest::Client::new(),
        }
    }

    /// The same member's calls, to another node of the same company.
    pub fn on(&self, server: &TestServer) -> Self {
        Self::new(server, &self.token)
    }

    async fn answer(response: reqwest::Response, what: &str) -> anyhow::Result<Value> {
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("{what} answered {status}: {text}");
        }
        serde_json::from_str(&text).with_context(|| format!("{what} answered {text}"))
    }

    /// `POST /v1/imports?file_name=…`: the import in preview.
    pub async fn upload(&self, file_name: &str, bytes: Vec<u8>) -> anyhow::Result<Value> {
        let response = self
            .client
            .post(format!("{}/v1/imports", self.base))
            .query(&[("file_name", file_name)])
            .bearer_auth(&self.token)
            .body(bytes)
            .send()
            .await?;
        Self::answer(response, "upload").await
    }

    /// `GET` a JSON path.
    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await?;
        Self::answer(response, path).await
    }

    /// `POST` JSON to a path.
    pub async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        Self::answer(response, path).await
    }

    /// `PATCH /v1/imports/{id}`.
    pub async fn patch(&self, id: &str, body: Value) -> anyhow::Result<Value> {
        let response = self
            .client
            .patch(format!("{}/v1/imports/{id}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        Self::answer(response, "patch").await
    }

    /// `POST /v1/imports/{id}/start`.
    pub async fn start(&self, id: &str) -> anyhow::Result<Value> {
        self.post(&format!("/v1/imports/{id}/start"), Value::Null)
            .await
    }

    /// Poll the import until it is no longer running (as a client's progress bar does).
    pub async fn finished(&self, id: &str) -> anyhow::Result<Value> {
        for _ in 0..6000 {
            let import = self.get(&format!("/v1/imports/{id}")).await?;
            if import["state"] != "running" {
                return Ok(import);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("import {id} never finished")
    }

    /// Upload, start and wait: the finished import.
    pub async fn import(&self, file_name: &str, bytes: Vec<u8>) -> anyhow::Result<Value> {
        let import = self.upload(file_name, bytes).await?;
        let id = id_of(&import);
        self.start(&id).await?;
        self.finished(&id).await
    }

    /// `GET` a path whatever it answers: the status and the JSON body (`null` if none).
    pub async fn get_answer(&self, path: &str) -> anyhow::Result<(u16, Value)> {
        let request = self.client.get(format!("{}{path}", self.base));
        Self::whatever(request.bearer_auth(&self.token)).await
    }

    /// `POST` JSON to a path whatever it answers: the status and the JSON body.
    pub async fn post_answer(&self, path: &str, body: Value) -> anyhow::Result<(u16, Value)> {
        let request = self.client.post(format!("{}{path}", self.base)).json(&body);
        Self::whatever(request.bearer_auth(&self.token)).await
    }

    async fn whatever(request: reqwest::RequestBuilder) -> anyhow::Result<(u16, Value)> {
        let response = request.send().await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    /// Download bytes from a path (`GET`).
    pub async fn download(&self, path: &str) -> anyhow::Result<Vec<u8>> {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await?;
        let status = response.status();
        let bytes = response.bytes().await?.to_vec();
        if !status.is_success() {
            bail!(
                "{path} answered {status}: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        Ok(bytes)
    }

    /// The contacts a search finds (`GET /v1/contacts?q=…`, first page).
    pub async fn search(&self, query: &str) -> anyhow::Result<Vec<Value>> {
        let page = self
            .get(&format!(
                "/v1/contacts?limit=500&q={}",
                crate::query_value(query)
            ))
            .await?;
        Ok(page["contacts"].as_array().cloned().unwrap_or_default())
    }

    /// Every contact the member sees (`GET /v1/contacts`, all pages).
    pub async fn contacts(&self) -> anyhow::Result<Vec<Value>> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(cursor) => format!("/v1/contacts?limit=500&cursor={cursor}"),
                None => "/v1/contacts?limit=500".to_string(),
            };
            let page = self.get(&path).await?;
            all.extend(page["contacts"].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return Ok(all),
            }
        }
    }
}

/// An import's id.
pub fn id_of(import: &Value) -> String {
    import["id"].as_str().unwrap_or_default().to_string()
}

/// `imported N of M`, as the CLI prints it: N counts new, merged and replaced rows.
pub fn summary(import: &Value) -> String {
    let n = |key: &str| import[key].as_u64().unwrap_or(0);
    format!(
        "imported {} of {}",
        n("imported") + n("merged") + n("replaced"),
        n("total")
    )
}
