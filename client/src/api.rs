//! The server's JSON-over-HTTP API: sign-up, login, accepting an invitation and token refresh
//! here, scanned cards in [`cards`], and the signed-in member's REST calls ([`Rest`]) for
//! sharing and the company's tags ([`sharing`]) and its members, groups and units ([`team`]).
//!
//! The server is `http://` or `https://` (TLS by rustls, trusting the system's certificate
//! store: the server itself speaks plain HTTP behind a reverse proxy that terminates TLS).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::account::{Account, Secret, Tokens, now_ms};
use crate::error::Error;
use crate::store::parse_id;

pub mod cards;
pub mod imports;
pub mod rest;
pub mod sharing;
pub mod team;

pub use self::rest::Rest;

/// How long one HTTP call may take before it counts as a network failure.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// A new company with its owner, registering this device.
#[derive(Debug, Clone)]
pub struct SignUp {
    /// The company's name.
    pub company: String,
    /// The owner's name.
    pub name: String,
    /// The owner's email, used to log in.
    pub email: String,
    /// The owner's password.
    pub password: Secret,
    /// The company's country (ISO 3166-1 alpha-2): the default region of phone numbers.
    pub region: String,
    /// What to call this device in the member's device list.
    pub device_name: String,
}

/// A member signing in on this device.
#[derive(Debug, Clone)]
pub struct Login {
    /// The member's email.
    pub email: String,
    /// The member's password.
    pub password: Secret,
    /// What to call this device in the member's device list.
    pub device_name: String,
}

/// `POST /v1/signup`: creates the company and its owner and signs this device in.
pub async fn signup(server: &str, request: &SignUp) -> Result<Account, Error> {
    let server = server_base(server)?;
    #[derive(Serialize)]
    struct Body<'a> {
        company: &'a str,
        name: &'a str,
        email: &'a str,
        password: &'a str,
        region: &'a str,
        device_name: &'a str,
    }
    let body = Body {
        company: &request.company,
        name: &request.name,
        email: &request.email,
        password: request.password.expose(),
        region: &request.region,
        device_name: &request.device_name,
    };
    let answer: SignedIn = post(&server, "/v1/signup", &body).await?;
    answer.into_account(server, Some(request.region.to_ascii_uppercase()))
}

/// `POST /v1/login`: signs this device in as an existing member.
pub async fn login(server: &str, request: &Login) -> Result<Account, Error> {
    let server = server_base(server)?;
    #[derive(Serialize)]
    struct Body<'a> {
        email: &'a str,
        password: &'a str,
        device_name: &'a str,
    }
    let body = Body {
        email: &request.email,
        password: request.password.expose(),
        device_name: &request.device_name,
    };
    let answer: SignedIn = post(&server, "/v1/login", &body).await?;
    answer.into_account(server, None)
}

/// Accepting an invitation on this device: the invited member's email, the one-time code
/// the inviter passed on, and the password they choose.
#[derive(Debug, Clone)]
pub struct AcceptInvitation {
    /// The invited member's email.
    pub email: String,
    /// The code from the invitation.
    pub invite_code: Secret,
    /// The password the member signs in with from now on.
    pub password: Secret,
    /// What to call this device in the member's device list.
    pub device_name: String,
}

/// `POST /v1/invitations/accept`: sets the invited member's password and signs this device
/// in, as a login does. The code works once.
pub async fn accept_invitation(server: &str, request: &AcceptInvitation) -> Result<Account, Error> {
    let server = server_base(server)?;
    #[derive(Serialize)]
    struct Body<'a> {
        email: &'a str,
        invite_code: &'a str,
        password: &'a str,
        device_name: &'a str,
    }
    let body = Body {
        email: &request.email,
        invite_code: request.invite_code.expose().trim(),
        password: request.password.expose(),
        device_name: &request.device_name,
    };
    let answer: SignedIn = post(&server, "/v1/invitations/accept", &body).await?;
    answer.into_account(server, None)
}

/// `POST /v1/token`: trades the refresh token for new tokens. The old refresh token is dead
/// once this returns, so the caller stores the new ones at once. A refusal means the device
/// was signed out.
pub(crate) async fn refresh(server: &str, refresh_token: &Secret) -> Result<Tokens, Error> {
    #[derive(Serialize)]
    struct Body<'a> {
        refresh_token: &'a str,
    }
    let body = Body {
        refresh_token: refresh_token.expose(),
    };
    match post::<TokenFields>(server, "/v1/token", &body).await {
        Ok(fields) => Ok(fields.tokens()),
        Err(Error::Server {
            status: 401,
            message,
            ..
        }) => Err(Error::SignedOut { message }),
        Err(other) => Err(other),
    }
}

/// The answer to a sign-up or login (ids are hyphenated UUIDs).
#[derive(Deserialize)]
struct SignedIn {
    tenant: String,
    member: String,
    device: String,
    /// The company's default phone region (servers before it was sent omit it).
    #[serde(default)]
    region: Option<String>,
    #[serde(flatten)]
    tokens: TokenFields,
}

impl SignedIn {
    fn into_account(
        self,
        server: String,
        default_region: Option<String>,
    ) -> Result<Account, Error> {
        let bad = |error: Error| Error::Protocol(format!("the server's login answer: {error}"));
        Ok(Account {
            server,
            tenant: parse_id("tenant", &self.tenant).map_err(bad)?,
            member: parse_id("member", &self.member).map_err(bad)?,
            device: parse_id("device", &self.device).map_err(bad)?,
            tokens: self.tokens.tokens(),
            default_region: default_region.or(self.region),
        })
    }
}

#[derive(Deserialize)]
struct TokenFields {
    access_token: String,
    refresh_token: String,
    /// Seconds the access token lives.
    expires_in: u64,
}

impl TokenFields {
    fn tokens(self) -> Tokens {
        let lifetime_ms = i64::try_from(self.expires_in.saturating_mul(1000)).unwrap_or(i64::MAX);
        Tokens {
            access_token: Secret::new(self.access_token),
            refresh_token: Secret::new(self.refresh_token),
            access_expires_ms: now_ms().saturating_add(lifetime_ms),
        }
    }
}

/// The server's error body.
#[derive(Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
    field: Option<String>,
}

async fn post<T: for<'de> Deserialize<'de>>(
    server: &str,
    path: &str,
    body: &impl Serialize,
) -> Result<T, Error> {
    let client = reqwest::Client::builder().timeout(HTTP_TIMEOUT).build()?;
    let response = client
        .post(format!("{server}{path}"))
        .json(body)
        .send()
        .await?;
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

/// An error answer, from the server's JSON body when it sent one.
pub(crate) fn server_error(status: u16, body: &str) -> Error {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(error) => Error::Server {
            status,
            code: error.code,
            message: error.message,
            field: error.field,
        },
        Err(_) => Error::Server {
            status,
            code: format!("http_{status}"),
            message: body.chars().take(200).collect(),
            field: None,
        },
    }
}

/// The server's base address, checked and without a trailing slash: `http(s)://host:port`.
pub fn server_base(text: &str) -> Result<String, Error> {
    let bad = |reason: &str| Error::ServerUrl {
        value: text.to_string(),
        reason: reason.to_string(),
    };
    let url = reqwest::Url::parse(text.trim()).map_err(|error| bad(&error.to_string()))?;
    match url.scheme() {
        "http" | "https" => {}
        _ => return Err(bad("it must start with http:// or https://")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it must not carry a query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_base_drops_the_trailing_slash_and_refuses_other_schemes() {
        assert_eq!(
            server_base("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            server_base("https://rolo.example/").unwrap(),
            "https://rolo.example"
        );
        assert!(matches!(
            server_base("ftp://example.com"),
            Err(Error::ServerUrl { .. })
        ));
        assert!(server_base("not a url").is_err());
    }

    #[test]
    fn an_error_body_becomes_its_code_and_field() {
        let error = server_error(
            400,
            r#"{"code":"bad_request","message":"bad email","field":"email"}"#,
        );
        assert!(matches!(
            error,
            Error::Server { status: 400, ref code, field: Some(ref field), .. }
                if code == "bad_request" && field == "email"
        ));
        assert!(matches!(
            server_error(502, "<html>bad gateway</html>"),
            Error::Server { ref code, .. } if code == "http_502"
        ));
    }
}
