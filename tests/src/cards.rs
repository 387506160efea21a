//! Business-card helpers for the stories and the `card_rejects` benchmark: uploading photos
//! through the real API, and the bad files a server must refuse.

use std::time::Duration;

use anyhow::{Context, bail};
use sync_core::card::{CardDraft, CardStatus};
use sync_core::ids::CardId;
use sync_core::wire::Frame;

use crate::{Account, TestServer, WireDevice};

/// Reading a card takes a second or two; this only bounds a hung test, it measures nothing.
pub const READING_BOUND: Duration = Duration::from_secs(180);

/// Handle frames until a `card` frame for a finished reading of `card` arrives.
pub async fn wait_for_draft(phone: &mut WireDevice, card: CardId) -> anyhow::Result<CardDraft> {
    let started = std::time::Instant::now();
    while started.elapsed() < READING_BOUND {
        if let Some(Frame::Card { draft }) = phone.step(Duration::from_secs(5)).await?
            && draft.card == card
            && matches!(draft.status, CardStatus::Ready | CardStatus::Failed)
        {
            return Ok(*draft);
        }
    }
    bail!("no draft for card {card} within {READING_BOUND:?}")
}

/// A synthetic fixture card (fictional person) by name, e.g. `en-01.jpg`.
pub fn fixture_card(name: &str) -> anyhow::Result<Vec<u8>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/cards/synthetic")
        .join(name);
    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
}

/// `PUT /v1/cards/{card}` with a `front` and optionally a `back` part: the status and the JSON
/// body (a draft, or an error with `code` and `field`).
pub async fn upload_card(
    server: &TestServer,
    account: &Account,
    card: CardId,
    front: Vec<u8>,
    back: Option<Vec<u8>>,
) -> anyhow::Result<(reqwest::StatusCode, serde_json::Value)> {
    let mut form = reqwest::multipart::Form::new().part(
        "front",
        reqwest::multipart::Part::bytes(front).file_name("front.jpg"),
    );
    if let Some(back) = back {
        form = form.part(
            "back",
            reqwest::multipart::Part::bytes(back).file_name("back.jpg"),
        );
    }
    let response = reqwest::Client::new()
        .put(format!("{}/v1/cards/{card}", server.base_url()))
        .bearer_auth(&account.access_token)
        .multipart(form)
        .send()
        .await?;
    let status = response.status();
    let body = response.json().await.context("the answer is JSON")?;
    Ok((status, body))
}

/// A fresh card id, as a device picks one when the photo is taken.
pub fn new_card_id() -> CardId {
    CardId::from_bytes(*uuid::Uuid::new_v4().as_bytes())
}

/// A PNG whose header declares `width` × `height` pixels of RGB, followed by a tiny (and
/// therefore wrong) image body: a decompression bomb's shape, a few dozen bytes long.
pub fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    // 8 bits, RGB, deflate, adaptive filtering, no interlace.
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_with(&header, &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])
}

/// A 64 × 64 PNG whose header is right and whose pixel data is damaged: it passes every
/// check made on the header and fails only when decoded.
pub fn corrupt_png() -> Vec<u8> {
    let mut header = Vec::new();
    header.extend_from_slice(&64u32.to_be_bytes());
    header.extend_from_slice(&64u32.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    // A zlib header and then bytes that are not a deflate stream.
    png_with(
        &header,
        &[0x78, 0x9c, 0xff, 0xff, 0xff, 0xff, 0x13, 0x37, 0x00, 0x42],
    )
}

fn png_with(ihdr: &[u8], idat: &[u8]) -> Vec<u8> {
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    for (kind, data) in [(b"IHDR", ihdr), (b"IDAT", idat), (b"IEND", &[][..])] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        png.extend_from_slice(&body);
        png.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    png
}

/// CRC-32 (IEEE), as PNG chunks carry it: the checksums must be right so that what is
/// refused is the image, not the framing.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_png_specification_example() {
        // The CRC of the IEND chunk type, present at the end of every PNG file.
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
    }
}
