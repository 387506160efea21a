//! The server's card API: uploading a scanned card's photos, reading drafts over HTTP,
//! reporting a card done, and fetching stored photos. Every call takes the bearer access
//! token; a 401 comes back as `Error::Server { status: 401, .. }` for the caller to refresh.

use std::time::Duration;

use reqwest::multipart::{Form, Part};
use serde::de::DeserializeOwned;
use sync_core::card::CardDraft;
use sync_core::ids::CardId;

use super::{HTTP_TIMEOUT, server_error};
use crate::account::Secret;
use crate::cards::image_type;
use crate::error::Error;

/// How long an upload may take: two 10 MB photos over a poor mobile link need longer than
/// the other calls.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(180);

/// `PUT /v1/cards/{card}`: sends a scanned card's photos. Idempotent: sending the same card
/// again answers with its current draft and queues nothing twice.
pub async fn upload(
    server: &str,
    token: &Secret,
    card: CardId,
    front: Vec<u8>,
    back: Option<Vec<u8>>,
) -> Result<CardDraft, Error> {
    let mut form = Form::new().part("front", photo("front", front)?);
    if let Some(back) = back {
        form = form.part("back", photo("back", back)?);
    }
    let path = format!("/v1/cards/{card}");
    let response = client(UPLOAD_TIMEOUT)?
        .put(format!("{server}{path}"))
        .bearer_auth(token.expose())
        .multipart(form)
        .send()
        .await?;
    json(response, &path).await
}

/// `POST /v1/cards/{card}/done`: the rep saved or dismissed the draft; the server stops
/// sending it. Idempotent.
pub async fn done(server: &str, token: &Secret, card: CardId) -> Result<(), Error> {
    let path = format!("/v1/cards/{card}/done");
    let response = client(HTTP_TIMEOUT)?
        .post(format!("{server}{path}"))
        .bearer_auth(token.expose())
        .send()
        .await?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let text = response.text().await.unwrap_or_default();
    Err(server_error(status.as_u16(), &text))
}

/// `GET /v1/cards`: the drafts of the member's cards, newest first.
pub async fn list(server: &str, token: &Secret) -> Result<Vec<CardDraft>, Error> {
    get_json(server, token, "/v1/cards").await
}

/// `GET /v1/cards/{card}`: one card's draft.
pub async fn get(server: &str, token: &Secret, card: CardId) -> Result<CardDraft, Error> {
    get_json(server, token, &format!("/v1/cards/{card}")).await
}

/// `GET /v1/blobs/{sha256}`: a stored photo's bytes (a contact's `card_images` name them).
pub async fn blob(server: &str, token: &Secret, sha256: &str) -> Result<Vec<u8>, Error> {
    // The hash goes into the path: anything but hex would address something else.
    if sha256.is_empty() || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::Protocol(format!("{sha256:?} is not a SHA-256")));
    }
    let response = client(UPLOAD_TIMEOUT)?
        .get(format!("{server}/v1/blobs/{sha256}"))
        .bearer_auth(token.expose())
        .send()
        .await?;
    let status = response.status();
    if status.is_success() {
        return Ok(response.bytes().await?.to_vec());
    }
    let text = response.text().await.unwrap_or_default();
    Err(server_error(status.as_u16(), &text))
}

/// One photo as a form part, with the type its bytes show (the server checks the bytes
/// itself; the type and file name only help it and any proxy in between).
fn photo(side: &str, bytes: Vec<u8>) -> Result<Part, Error> {
    let mime = image_type(&bytes).unwrap_or("application/octet-stream");
    let extension = mime.rsplit('/').next().unwrap_or("bin");
    Part::bytes(bytes)
        .file_name(format!("{side}.{extension}"))
        .mime_str(mime)
        .map_err(Error::from)
}

fn client(timeout: Duration) -> Result<reqwest::Client, Error> {
    Ok(reqwest::Client::builder().timeout(timeout).build()?)
}

async fn get_json<T: DeserializeOwned>(
    server: &str,
    token: &Secret,
    path: &str,
) -> Result<T, Error> {
    let response = client(HTTP_TIMEOUT)?
        .get(format!("{server}{path}"))
        .bearer_auth(token.expose())
        .send()
        .await?;
    json(response, path).await
}

async fn json<T: DeserializeOwned>(response: reqwest::Response, path: &str) -> Result<T, Error> {
    let status = response.status();
    if status.is_success() {
        return response
            .json()
            .await
            .map_err(|error| Error::Protocol(format!("the server's answer to {path}: {error}")));
    }
    let text = response.text().await.unwrap_or_default();
    Err(server_error(status.as_u16(), &text))
}
