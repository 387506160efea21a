//! Headers on every response.
//!
//! - `Cache-Control: no-store` unless the handler chose its own: API answers carry tokens,
//!   invitation codes and contact data that no browser or proxy cache should keep. Card images
//!   (`/v1/blobs/{sha256}`) say `private, max-age=31536000, immutable` instead: their bytes
//!   never change and only the device that fetched them keeps them.
//! - `X-Content-Type-Options: nosniff`, so a browser never runs an uploaded file as a script.
//! - `Referrer-Policy: no-referrer`: the web app's URLs are nobody else's business.
//! - A strict `Content-Security-Policy` for the web app to come: its own scripts only, with
//!   WebAssembly compilation for Automerge; connections to its own origin only (the sync
//!   socket); images from itself, `blob:` and `data:` (card photos); never framed.
//! - `Strict-Transport-Security` when `ROLO_HSTS=true`: set it when the server is reached over
//!   TLS (a terminating proxy in front). The server never guesses from `X-Forwarded-Proto`,
//!   which any client can send when there is no proxy to overwrite it.

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS,
};
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy the web app runs under; the API's JSON is not a document, so it is inert there.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    connect-src 'self'; img-src 'self' blob: data:; style-src 'self'; \
    frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Two years, subdomains included: the span browsers' preload lists ask for.
pub const HSTS: &str = "max-age=63072000; includeSubDomains";

/// `router` with the headers above on every response, its fallbacks' included.
pub fn secure<S: Clone + Send + Sync + 'static>(router: Router<S>, hsts: bool) -> Router<S> {
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            STRICT_TRANSPORT_SECURITY,
            hsts.then(|| HeaderValue::from_static(HSTS)),
        ))
}

/// The token of an `Authorization` header: `Bearer <token>`, the scheme in any case
/// (RFC 9110 §11.1), the same for every route and the sync socket.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header::AUTHORIZATION};

    fn with_authorization(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn a_bearer_token_is_read_whatever_the_schemes_case_and_nothing_else_is() {
        for (value, token) in [
            ("Bearer abc", Some("abc")),
            ("bearer abc", Some("abc")),
            ("BEARER  abc ", Some("abc")),
            ("Basic abc", None),
            ("Bearer ", None),
            ("Bearerabc", None),
        ] {
            assert_eq!(
                super::bearer(&with_authorization(value)),
                token,
                "{value:?}"
            );
        }
        assert_eq!(super::bearer(&HeaderMap::new()), None);
    }
}
