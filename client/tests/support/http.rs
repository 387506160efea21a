//! The fake server's plain HTTP side: `POST /v1/token`, `GET /v1/members` and the card API
//! (`cards`), one request per connection.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Shared;

/// An HTTP request, read whole.
pub struct Request {
    pub method: String,
    pub path: String,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Reads one request with a `content-length` body (what reqwest sends for JSON and for
/// multipart forms of known size).
async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 65536];
    loop {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 {
            return None;
        }
        request.extend_from_slice(&buffer[..read]);
        let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&request[..end]).to_string();
        let mut lines = head.lines();
        let mut first = lines.next()?.split(' ');
        let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| {
                let (name, value) = line.split_once(':')?;
                Some((name.trim().to_string(), value.trim().to_string()))
            })
            .collect();
        let length: usize = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.parse().ok())
            .unwrap_or(0);
        if request.len() >= end + 4 + length {
            let body = request[end + 4..end + 4 + length].to_vec();
            return Some(Request {
                method,
                path,
                headers,
                body,
            });
        }
    }
}

/// `POST /v1/token` and the card API.
pub(super) async fn http_endpoint(mut stream: TcpStream, shared: Arc<Mutex<Shared>>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let (status, answer) = if request.path == "/v1/token" {
        token(&shared, &request.body)
    } else {
        let mut shared = shared.lock().unwrap();
        let token = request
            .header("authorization")
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or_default();
        let refuse = |code: &str| {
            let body = serde_json::json!({"code": code, "message": code, "field": null});
            (401, Some(body))
        };
        if shared.expired.contains(token) {
            refuse("token_expired")
        } else {
            match shared.access.get(token).copied() {
                Some(_) if request.path == "/v1/members" => {
                    shared.member_lists += 1;
                    (
                        200,
                        Some(serde_json::json!({"members": shared.members.clone()})),
                    )
                }
                Some((member, _)) => shared.cards.answer(member, &request),
                None => refuse("unauthorized"),
            }
        }
    };
    let body = answer.map(|value| value.to_string()).unwrap_or_default();
    let response = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        reason(status),
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        204 => "No Content",
        401 => "Unauthorized",
        _ => "Refused",
    }
}

/// `POST /v1/token`: single-use refresh tokens, as the real server rotates them.
fn token(shared: &Mutex<Shared>, body: &[u8]) -> (u16, Option<serde_json::Value>) {
    let asked: serde_json::Value = serde_json::from_slice(body).unwrap();
    let token = asked["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut shared = shared.lock().unwrap();
    match shared.refresh.remove(&token) {
        Some((member, device)) => {
            shared.refreshes += 1;
            let (access, refresh) = shared.issue(member, device);
            let answer = serde_json::json!({
                "access_token": access, "refresh_token": refresh, "expires_in": 900,
            });
            (200, Some(answer))
        }
        None => (
            401,
            Some(serde_json::json!({
                "code": "unauthorized", "message": "refresh token refused", "field": null,
            })),
        ),
    }
}
