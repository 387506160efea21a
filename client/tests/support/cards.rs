//! The fake server's card API, as the real server's contract describes it: `PUT
//! /v1/cards/{card}` (multipart `front`, optional `back`; 202 with a queued draft, 200 with the
//! current one on a repeat), `GET /v1/cards/{card}`, `POST /v1/cards/{card}/done` (204), and
//! `card` frames for ready
//! drafts not yet done. Tests read the drafts here by hand (`FakeServer::finish_reading`).

use std::collections::HashMap;

use serde_json::{Value, json};
use sync_core::card::{CardDraft, CardStatus};
use sync_core::contact::{BlobRef, CardImage, CardSide};
use sync_core::ids::{CardId, ItemId, MemberId};

use super::http::Request;

/// One uploaded card.
pub struct FakeCard {
    /// Whose card it is (only their connections get its frames).
    pub member: MemberId,
    /// The newest draft.
    pub draft: CardDraft,
    /// The photos as received.
    pub front: Vec<u8>,
    pub back: Option<Vec<u8>>,
}

/// The card side of the fake server's state.
#[derive(Default)]
pub struct FakeCards {
    pub cards: HashMap<CardId, FakeCard>,
    /// Every upload request that reached the card code (accepted or not).
    pub upload_requests: usize,
    /// While set, uploads are answered with this status and error code.
    pub refuse_with: Option<(u16, String)>,
    /// `done` reports received, in order.
    pub done_reports: Vec<CardId>,
}

impl FakeCards {
    /// Drafts to send after a welcome to `member`: ready or failed, not yet done.
    pub fn pending_for(&self, member: MemberId) -> Vec<CardDraft> {
        self.cards
            .values()
            .filter(|card| card.member == member)
            .filter(|card| matches!(card.draft.status, CardStatus::Ready | CardStatus::Failed))
            .map(|card| card.draft.clone())
            .collect()
    }

    /// Answers a card request by `member`: a status and an optional JSON body.
    pub fn answer(&mut self, member: MemberId, request: &Request) -> (u16, Option<Value>) {
        let path = request.path.trim_start_matches("/v1/cards/");
        let (card, done) = match path.split_once('/') {
            Some((card, "done")) => (card, true),
            Some(_) => return error(404, "not_found"),
            None => (path, false),
        };
        let Ok(card) = card.parse::<CardId>() else {
            return error(404, "not_found");
        };
        match (request.method.as_str(), done) {
            ("POST", true) => {
                self.done_reports.push(card);
                if let Some(stored) = self.cards.get_mut(&card) {
                    stored.draft.status = CardStatus::Done;
                }
                (204, None)
            }
            ("PUT", false) => self.upload(member, card, request),
            ("GET", false) => match self.cards.get(&card) {
                Some(stored) if stored.member == member => {
                    (200, Some(serde_json::to_value(&stored.draft).unwrap()))
                }
                _ => error(404, "not_found"),
            },
            _ => error(405, "method_not_allowed"),
        }
    }

    fn upload(
        &mut self,
        member: MemberId,
        card: CardId,
        request: &Request,
    ) -> (u16, Option<Value>) {
        self.upload_requests += 1;
        if let Some((status, code)) = &self.refuse_with {
            return error(*status, code);
        }
        if let Some(stored) = self.cards.get(&card) {
            return (200, Some(serde_json::to_value(&stored.draft).unwrap()));
        }
        let parts = multipart(request);
        let Some(front) = parts.get("front").cloned() else {
            return error(400, "photo_missing");
        };
        let draft = CardDraft {
            card,
            status: CardStatus::Queued,
            fields: Vec::new(),
            region: None,
            images: Vec::new(),
            duplicates: Vec::new(),
            error: None,
        };
        let answer = serde_json::to_value(&draft).unwrap();
        let back = parts.get("back").cloned();
        self.cards.insert(
            card,
            FakeCard {
                member,
                draft,
                front,
                back,
            },
        );
        (202, Some(answer))
    }
}

/// The stored photos of a card as `card_images` items (with made-up hashes).
pub fn images(card: &FakeCard) -> Vec<CardImage> {
    let sides = [
        (CardSide::Front, Some(&card.front)),
        (CardSide::Back, card.back.as_ref()),
    ];
    sides
        .into_iter()
        .filter_map(|(side, bytes)| {
            let bytes = bytes?;
            let side_number = u128::from(side == CardSide::Back);
            Some(CardImage {
                id: ItemId::from(format!("img-{side:?}-{}", card.draft.card).as_str()),
                side,
                blob: BlobRef {
                    sha256: format!("{:064x}", bytes.len() as u128 * 31 + side_number),
                    mime: "image/jpeg".into(),
                    bytes: bytes.len() as u64,
                },
            })
        })
        .collect()
}

fn error(status: u16, code: &str) -> (u16, Option<Value>) {
    let body = json!({"code": code, "message": format!("refused: {code}"), "field": "front"});
    (status, Some(body))
}

/// The parts of a `multipart/form-data` body by name (enough for the client's own requests).
fn multipart(request: &Request) -> HashMap<String, Vec<u8>> {
    let mut parts = HashMap::new();
    let Some(boundary) = request
        .header("content-type")
        .and_then(|value| value.split("boundary=").nth(1))
    else {
        return parts;
    };
    let delimiter = format!("\r\n--{}", boundary.trim_matches('"'));
    // A leading CRLF makes the first delimiter look like the others.
    let mut body = b"\r\n".to_vec();
    body.extend_from_slice(&request.body);
    for chunk in split(&body, delimiter.as_bytes()).into_iter().skip(1) {
        let Some(end) = find(chunk, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&chunk[..end]);
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        else {
            continue;
        };
        parts.insert(name.to_string(), chunk[end + 4..].to_vec());
    }
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn split<'a>(mut bytes: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    while let Some(at) = find(bytes, delimiter) {
        pieces.push(&bytes[..at]);
        bytes = &bytes[at + delimiter.len()..];
    }
    pieces.push(bytes);
    pieces
}
