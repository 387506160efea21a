//! Accounts over HTTP: sign-up, login, token refresh, invitations, members, groups and
//! devices. JSON in and out; ids as hyphenated UUID text; failures as [`ApiError`].
//!
//! | Route | Who | Does |
//! |---|---|---|
//! | `POST /v1/signup` | anyone | a tenant, its owner, a first device and tokens |
//! | `POST /v1/login` | anyone | a new device record and tokens |
//! | `POST /v1/token` | a refresh token | the next token pair |
//! | `POST /v1/invitations/accept` | an invited person | sets their password, logs in |
//! | `GET /v1/members` | any member | the tenant's members |
//! | `POST /v1/members` | owner, admin | invites a member, answers a one-time code |
//! | `PATCH /v1/members/{id}` | owner, admin (roles: owner) | deactivates (closing their sockets at once), reactivates, changes the role |
//! | `GET /v1/devices` | any member | the caller's devices |
//! | `DELETE /v1/devices/{id}` | the device's member; owner, admin | revokes it, cuts its socket |
//!
//! The first four are open to anyone, so each is rate-limited per source address (429
//! `rate_limited`), guesses are throttled per account and address (429 `too_many_attempts`),
//! and password hashing answers 503 `busy` rather than queue without end; all three carry
//! `Retry-After`. Sign-up follows `ROLO_SIGNUP` and never says whether an email is taken:
//! see `session.rs`.

use sync_core::validate::{FieldError, parse_email};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::ApiError;
use crate::state::AppState;

mod devices;
mod extract;
mod members;
mod session;
mod source;

pub use extract::{Authenticated, AuthenticatedMember, JsonBody};
pub use source::ClientAddress;

/// What to tell a client to wait when it was turned away only for being one too many at once.
const BUSY_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

impl From<crate::auth::Busy> for ApiError {
    fn from(_: crate::auth::Busy) -> Self {
        ApiError::Busy {
            retry_after: BUSY_RETRY,
        }
    }
}

/// Longest company, member or device name, in characters: ample for a name, short enough to
/// fit any list on a phone.
pub const MAX_NAME_CHARS: usize = 200;

/// The accounts routes, to merge into the app's router.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(session::signup))
        .routes(routes!(session::login))
        .routes(routes!(session::token))
        .routes(routes!(session::accept_invitation))
        .routes(routes!(members::list, members::invite))
        .routes(routes!(members::update))
        .routes(routes!(devices::list))
        .routes(routes!(devices::revoke))
}

/// A name-like field, trimmed: required, or `default` when absent or blank.
pub(crate) fn name_field(
    field: &str,
    raw: &str,
    default: Option<&str>,
) -> Result<String, ApiError> {
    let text = raw.trim();
    match (text.is_empty(), default) {
        (true, Some(default)) => Ok(default.to_string()),
        (true, None) => Err(ApiError::bad(field, "is required")),
        (false, _) if text.chars().count() > MAX_NAME_CHARS => Err(ApiError::bad(
            field,
            format!("must have at most {MAX_NAME_CHARS} characters"),
        )),
        // The same rule as a contact's name: a member or company shown in lists must not
        // carry NUL, line breaks or direction overrides that make it read as another.
        (false, _) => match text
            .chars()
            .find(|c| !sync_core::validate::allowed_in_short_text(*c))
        {
            Some(c) => Err(ApiError::bad(
                field,
                format!(
                    "contains U+{:04X}, a control or text-direction character, which is not allowed",
                    u32::from(c)
                ),
            )),
            None => Ok(text.to_string()),
        },
    }
}

/// A login email: read like any email (trimmed, `mailto:` dropped), then lowercased whole.
/// The local part is lowercased too, unlike a contact's email: one person must not end up
/// with two accounts, or be locked out, because of how they capitalised their address.
fn login_email(raw: &str) -> Result<String, ApiError> {
    parse_email("email", raw)
        .map(|email| email.to_lowercase())
        .map_err(field_error)
}

/// A sync-core validation error as the API's `bad_request`, without repeating the field name
/// in the message (the error already carries it apart).
fn field_error(error: FieldError) -> ApiError {
    let field = error.field().to_string();
    let text = error.to_string();
    let message = text
        .strip_prefix(&format!("{field}: "))
        .unwrap_or(&text)
        .to_string();
    ApiError::BadRequest { field, message }
}
