//! [`Rest`]: the signed-in member's calls to the server's REST API (`/v1/…`, docs in
//! `/v1/openapi.json`), for what only the server can do: sharing, ownership, purging, tags
//! across the company, members, groups and org units. Everything a device can do alone
//! (edits, lifecycle, activity, history, search) goes through the [`Replica`] instead and
//! works offline.

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{HTTP_TIMEOUT, server_error};
use crate::account::Secret;
use crate::error::Error;
use crate::replica::Replica;

/// An authenticated connection to the server's REST API.
#[derive(Debug, Clone)]
pub struct Rest {
    server: String,
    token: Secret,
    http: reqwest::Client,
}

impl Rest {
    /// Calls `server` (a base address as [`super::server_base`] checks it) with the bearer
    /// access token `token`.
    pub fn new(server: &str, token: Secret) -> Result<Self, Error> {
        Ok(Self {
            server: super::server_base(server)?,
            token,
            http: reqwest::Client::builder().timeout(HTTP_TIMEOUT).build()?,
        })
    }

    /// Calls the replica's server as its signed-in member, with an access token refreshed
    /// first if it is about to expire (see [`crate::sync`]).
    pub async fn signed_in(replica: &mut Replica) -> Result<Self, Error> {
        let (account, token) = crate::sync::tokens::access(replica).await?;
        Self::new(&account.server, token)
    }

    /// Sends a request to the path made of `segments` (each percent-encoded: a tag may hold
    /// a slash or a space), with a JSON body if given; returns the JSON answer, or `None` for
    /// an empty one (204).
    pub(crate) async fn send(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&Value>,
    ) -> Result<Option<Value>, Error> {
        let url = self.url(segments, &[])?;
        let path = url.path().to_string();
        let mut request = self.request(method, url);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            return Err(server_error(status.as_u16(), &text));
        }
        if text.trim().is_empty() {
            return Ok(None);
        }
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|error| Error::Protocol(format!("the server's answer to {path}: {error}")))
    }

    /// The address of the path made of `segments` (each percent-encoded) with the `query`
    /// pairs (encoded too; none for an empty list).
    pub(crate) fn url(
        &self,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<reqwest::Url, Error> {
        let mut url = reqwest::Url::parse(&self.server).map_err(|error| Error::ServerUrl {
            value: self.server.clone(),
            reason: error.to_string(),
        })?;
        url.path_segments_mut()
            .map_err(|()| Error::ServerUrl {
                value: self.server.clone(),
                reason: "it cannot take a path".into(),
            })?
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// A request to `url` with the bearer token, for a body or an answer that is not JSON
    /// (an uploaded file, a downloaded one).
    pub(crate) fn request(&self, method: Method, url: reqwest::Url) -> reqwest::RequestBuilder {
        self.http
            .request(method, url)
            .bearer_auth(self.token.expose())
    }

    /// A call whose answer is JSON of type `T`.
    pub(crate) async fn fetch<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&Value>,
    ) -> Result<T, Error> {
        let answer = self.send(method, segments, body).await?;
        let path = segments.join("/");
        let answer = answer
            .ok_or_else(|| Error::Protocol(format!("the server's answer to /{path} was empty")))?;
        serde_json::from_value(answer)
            .map_err(|error| Error::Protocol(format!("the server's answer to /{path}: {error}")))
    }
}

/// The one item of `items` that `matches` the name typed, or a clear error naming `kind`
/// (`member`, `group`, `unit`) when none or several do.
pub(crate) fn one_named<'a, T>(
    items: &'a [T],
    kind: &'static str,
    name: &str,
    matches: impl Fn(&T) -> bool,
) -> Result<&'a T, Error> {
    let found: Vec<&T> = items.iter().filter(|item| matches(item)).collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::NoSuchName {
            kind,
            name: name.to_string(),
        }),
        _ => Err(Error::AmbiguousName {
            kind,
            name: name.to_string(),
            count: found.len(),
        }),
    }
}
