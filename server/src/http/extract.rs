//! What axum refuses before a handler runs, in the API's error shape: a JSON body that is not
//! JSON, does not fit its type or is too large; a body in the wrong format; a multipart upload
//! without its boundary; a path parameter that is not text.
//!
//! axum answers these itself in plain text (400, 415, 422). Handlers take the extractors here,
//! or [`super::accounts::JsonBody`], whose rejections convert through the `From` impls below,
//! so there is one mapping for the whole API.

use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody, JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// serde's error with the path of the field it stopped at, as axum's `Json` reports it.
type PathedJsonError = serde_path_to_error::Error<serde_json::Error>;

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(error) => match find_source::<PathedJsonError>(&error) {
                Some(error) => data_error(error),
                None => ApiError::bad("body", error.body_text()),
            },
            JsonRejection::JsonSyntaxError(error) => ApiError::MalformedJson {
                message: match find_source::<PathedJsonError>(&error) {
                    Some(error) => error.inner().to_string(),
                    // Trailing characters are found after deserialising, without a path.
                    None => match find_source::<serde_json::Error>(&error) {
                        Some(error) => error.to_string(),
                        None => error.body_text(),
                    },
                },
            },
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType {
                message: "expected a body with Content-Type: application/json".into(),
            },
            JsonRejection::BytesRejection(rejection) => rejection.into(),
            other => ApiError::bad("body", other.body_text()),
        }
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        match rejection {
            BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                ApiError::PayloadTooLarge
            }
            other => ApiError::bad("body", other.body_text()),
        }
    }
}

/// A field whose value does not fit, named by its path (`all`, `members[2]`). serde reports a
/// missing field at the object holding it; the field is named inside it.
fn data_error(error: &PathedJsonError) -> ApiError {
    let path = error.path().to_string();
    let message = error.inner().to_string();
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name.to_string());
    let field = match (missing, path.as_str()) {
        (Some(name), ".") => name,
        (Some(name), path) => format!("{path}.{name}"),
        (None, ".") => "body".to_string(),
        (None, path) => path.to_string(),
    };
    ApiError::BadRequest { field, message }
}

/// The first error of type `E` in `error`'s chain of sources.
fn find_source<'a, E: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a E> {
    let mut next = error.source();
    while let Some(source) = next {
        if let Some(found) = source.downcast_ref::<E>() {
            return Some(found);
        }
        next = source.source();
    }
    None
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        use axum::extract::path::ErrorKind;
        match rejection {
            PathRejection::FailedToDeserializePathParams(error) => match error.into_kind() {
                ErrorKind::InvalidUtf8InPathParam { key } => {
                    ApiError::bad(key, "is not UTF-8 text")
                }
                ErrorKind::ParseErrorAtKey {
                    key,
                    value,
                    expected_type,
                } => ApiError::bad(key, format!("{value:?} is not a {expected_type}")),
                other => ApiError::bad("path", other.to_string()),
            },
            other => ApiError::bad("path", other.body_text()),
        }
    }
}

/// axum's `Path`, refusing in the API's error shape: a parameter that is not UTF-8 (`%FF`) is
/// named. Ids are taken as text and parsed by the handler, whose error names the parameter
/// and the kind of id expected.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(value) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(Self(value))
    }
}

/// axum's `Query`, refusing in the API's error shape: a malformed query string is a
/// `bad_request` naming `query`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::bad("query", rejection.body_text())),
        }
    }
}

/// axum's `Multipart`, refusing in the API's error shape: a body that is not
/// `multipart/form-data` is `unsupported_media_type`; one without its `boundary` parameter
/// (which says where each part ends) is a `bad_request` naming it.
pub struct Multipart(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for Multipart {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let is_form_data = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("multipart/form-data"));
        if !is_form_data {
            return Err(ApiError::UnsupportedMediaType {
                message: "expected a body with Content-Type: multipart/form-data".into(),
            });
        }
        match axum::extract::Multipart::from_request(request, state).await {
            Ok(multipart) => Ok(Self(multipart)),
            Err(MultipartRejection::InvalidBoundary(_)) => Err(ApiError::bad(
                "content-type",
                "multipart/form-data needs a boundary parameter \
                 (Content-Type: multipart/form-data; boundary=…)",
            )),
            Err(other) => Err(ApiError::bad("body", other.body_text())),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::extract::FromRequest;
    use axum::http::Request;

    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Visibility {
        all: bool,
        #[serde(default)]
        members: Vec<String>,
    }

    async fn refusal(content_type: &str, body: &str) -> ApiError {
        let request = Request::builder()
            .header(CONTENT_TYPE, content_type)
            .body(axum::body::Body::from(body.to_string()))
            .unwrap();
        let rejection = axum::Json::<Visibility>::from_request(request, &())
            .await
            .unwrap_err();
        rejection.into()
    }

    #[tokio::test]
    async fn a_value_of_the_wrong_type_names_its_field_and_place() {
        let error = refusal("application/json", r#"{"all": true, "members": [7]}"#).await;
        assert_eq!(error.code(), "bad_request");
        assert_eq!(error.field(), Some("members[0]"));
        assert!(error.to_string().contains("line 1 column"), "{error}");
    }

    #[tokio::test]
    async fn a_missing_field_is_named() {
        let error = refusal("application/json", r#"{"members": []}"#).await;
        assert_eq!(error.field(), Some("all"), "{error}");
    }

    #[tokio::test]
    async fn broken_json_and_trailing_bytes_are_malformed() {
        for body in [r#"{"all": tru"#, r#"{"all": true} x"#] {
            let error = refusal("application/json", body).await;
            assert_eq!(error.code(), "malformed_json", "{body}");
            assert!(error.to_string().contains("column"), "{error}");
        }
    }

    #[tokio::test]
    async fn a_body_of_another_type_is_unsupported() {
        let error = refusal("text/plain", r#"{"all": true}"#).await;
        assert_eq!(error.code(), "unsupported_media_type");
        assert_eq!(error.field(), Some("content-type"));
    }
}
