//! The one error type of the HTTP API: a stable machine-readable `code` and a human message,
//! never internal details. The request log (the trace layer) records failures; nothing is
//! logged here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

/// What an API call can answer instead of success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A field of the request is missing or malformed.
    #[error("{field}: {message}")]
    BadRequest {
        /// The field, as the request names it.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// No credentials, or wrong ones.
    #[error("the credentials were refused")]
    Unauthorized,
    /// The access token expired: refresh it.
    #[error("the access token expired; refresh it")]
    TokenExpired,
    /// A value breaks a field rule (a phone number that does not parse in the company's
    /// country, a contact with no name); `field` names it as the request does
    /// (`phones[1].number`).
    #[error("{field}: {message}")]
    Invalid {
        /// The field, as the request names it.
        field: String,
        /// The rule it breaks, for a person.
        message: String,
    },
    /// The edit would make the contact's document larger than its cap; nothing was saved.
    #[error("{0}")]
    TooLarge(String),
    /// Authenticated, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// The thing named does not exist (or is not visible to the caller).
    #[error("{0} not found")]
    NotFound(String),
    /// A unique value is taken.
    #[error("{0} is already taken")]
    Conflict(String),
    /// An uploaded photo was refused; `code` says why (`photo_too_large`, `photo_not_image`,
    /// `photo_too_many_pixels`, `photo_corrupt`, `photo_missing`).
    #[error("{field}: {message}")]
    Photo {
        /// The upload part (`front`, `back`).
        field: String,
        /// The stable code.
        code: &'static str,
        /// What is wrong, for a person.
        message: String,
    },
    /// Too many failed attempts on this account: wait before trying again.
    #[error("too many failed attempts; try again in {} minutes", .retry_after.as_secs().div_ceil(60))]
    TooManyAttempts {
        /// How long to wait.
        retry_after: std::time::Duration,
    },
    /// Too many requests from this address to the sign-in routes: wait before trying again.
    #[error("too many requests from this address; try again in {} seconds", .retry_after.as_secs().max(1))]
    RateLimited {
        /// How long to wait.
        retry_after: std::time::Duration,
    },
    /// Every password-hashing slot is taken: the server is flooded; retry shortly.
    #[error("the server is busy; try again in a moment")]
    Busy {
        /// How long to wait.
        retry_after: std::time::Duration,
    },
    /// This server does not take sign-ups (`ROLO_SIGNUP`): `signup_closed`, or
    /// `invitation_required` where members join by an admin's invitation.
    #[error("{message}")]
    SignupRefused {
        /// The stable code.
        code: &'static str,
        /// What to do instead, for a person.
        message: &'static str,
    },
    /// The body is not JSON at all: a syntax error, or cut short. `message` says where.
    #[error("the body is not valid JSON: {message}")]
    MalformedJson {
        /// serde's account, with the line and column.
        message: String,
    },
    /// The body is in a format the route does not take, or says nothing of its format.
    #[error("{message}")]
    UnsupportedMediaType {
        /// What the route takes.
        message: String,
    },
    /// The body is over the route's limit; the rest of it was not read.
    #[error("the request body is over this route's limit")]
    PayloadTooLarge,
    /// The path exists, but not with this method (the `Allow` header lists the ones it has).
    #[error("{method} is not allowed here")]
    MethodNotAllowed {
        /// The method the request used.
        method: String,
    },
    /// A sync socket over one of the node's socket limits (per member, per address, in
    /// total); the message says which.
    #[error("{0}")]
    TooManyConnections(String),
    /// The server could not do its part; retry later.
    #[error("the server could not complete the request; try again")]
    Unavailable(#[source] StoreError),
    /// An import, export or mailbox refusal with a code of its own (`import_not_found`,
    /// `import_started`, `unreadable_file`, `mailbox_*`; see `http::imports`).
    #[error("{message}")]
    Import {
        /// The HTTP status.
        status: StatusCode,
        /// The stable code.
        code: &'static str,
        /// For a person.
        message: String,
    },
}

impl ApiError {
    /// The stable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { .. } => "bad_request",
            ApiError::Invalid { .. } => "invalid",
            ApiError::TooLarge(_) => "too_large",
            ApiError::Unauthorized => "unauthorized",
            ApiError::TokenExpired => "token_expired",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::Photo { code, .. } => code,
            ApiError::TooManyAttempts { .. } => "too_many_attempts",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Busy { .. } => "busy",
            ApiError::SignupRefused { code, .. } => code,
            ApiError::MalformedJson { .. } => "malformed_json",
            ApiError::UnsupportedMediaType { .. } => "unsupported_media_type",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::TooManyConnections(_) => "too_many_connections",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Import { code, .. } => code,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Invalid { .. } => StatusCode::BAD_REQUEST,
            // The request itself may be small: it is the contact that would be too large.
            ApiError::TooLarge(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized | ApiError::TokenExpired => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Photo { code, .. } => match *code {
                "photo_too_large" => StatusCode::PAYLOAD_TOO_LARGE,
                "photo_not_image" => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "photo_missing" => StatusCode::BAD_REQUEST,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            },
            ApiError::TooManyAttempts { .. } | ApiError::RateLimited { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::SignupRefused { .. } => StatusCode::FORBIDDEN,
            ApiError::MalformedJson { .. } => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::TooManyConnections(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Import { status, .. } => *status,
        }
    }

    /// The part of the request at fault, as the request names it: a field of the body, a path
    /// parameter, `body` for the body as a whole, `content-type` for its declared format.
    pub fn field(&self) -> Option<&str> {
        match self {
            ApiError::BadRequest { field, .. }
            | ApiError::Invalid { field, .. }
            | ApiError::Photo { field, .. } => Some(field),
            ApiError::MalformedJson { .. } | ApiError::PayloadTooLarge => Some("body"),
            ApiError::UnsupportedMediaType { .. } => Some("content-type"),
            _ => None,
        }
    }

    /// A bad field.
    pub fn bad(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict { what } => ApiError::Conflict(what),
            StoreError::Refused { field, reason } => ApiError::BadRequest {
                field,
                message: reason,
            },
            StoreError::NotFound { what } => ApiError::NotFound(what),
            other => ApiError::Unavailable(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code().to_string(),
            message: self.to_string(),
            field: self.field().map(str::to_string),
        };
        let mut response = (self.status(), Json(body)).into_response();
        if let ApiError::TooManyAttempts { retry_after }
        | ApiError::RateLimited { retry_after }
        | ApiError::Busy { retry_after } = &self
        {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after.as_secs().max(1)),
            );
        }
        if let ApiError::Unavailable(source) = self {
            // For the request log to record; never sent to the client.
            response
                .extensions_mut()
                .insert(InternalError(source.to_string()));
        }
        response
    }
}

/// Every failure's body, as the OpenAPI document describes it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The stable code clients branch on: `bad_request`, `invalid`, `not_found`,
    /// `forbidden`, `conflict`, `too_large`, `unauthorized`, `token_expired`, `unavailable`, …
    code: String,
    /// What went wrong, for a person.
    message: String,
    /// The part of the request at fault (`phones[1].number`, `body`), when one is.
    field: Option<String>,
}

/// The hidden cause of an `unavailable` answer, carried to the logging layer.
#[derive(Debug, Clone)]
pub struct InternalError(pub String);
