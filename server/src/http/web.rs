//! The web app (web/), served at `/` from its built files, embedded in the binary at build
//! time (`server/build.rs`): one binary serves the API and the app a rep opens on the phone.
//!
//! A GET of a path no API route takes is the app's: a file of the build when one has that
//! path, else (a path without a file extension, such as a page the app routes itself)
//! `index.html`, so that a reload or a shared link opens the app. The API's own prefixes keep
//! their JSON `not_found`. Files under `/assets/` carry a content hash in their names and are
//! cached for a year; the others (`index.html`, the service worker, the manifest) are checked
//! on every load (`no-cache` with an ETag), so a new server is picked up at once.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

pub mod mime;

/// One file of the web app's build.
#[derive(Debug)]
pub struct WebAsset {
    /// Its URL path, from `/`.
    pub path: &'static str,
    /// Its `Content-Type`.
    pub mime: &'static str,
    /// Its `ETag` (quoted), from its content.
    pub etag: &'static str,
    /// Its content.
    pub bytes: &'static [u8],
    /// Its content gzipped at build time, for a text-like file worth it.
    pub gzip: Option<&'static [u8]>,
}

/// The files of `web/dist` as they were when the server was built, sorted by path.
static ASSETS: &[WebAsset] = include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// Paths that belong to the API and operations, never to the app.
const API_PREFIXES: [&str; 4] = ["/v1", "/healthz", "/readyz", "/metrics"];

/// The file of the build at `path`, if there is one.
pub fn asset(path: &str) -> Option<&'static WebAsset> {
    ASSETS
        .binary_search_by(|asset| asset.path.cmp(path))
        .ok()
        .map(|index| &ASSETS[index])
}

/// The fallback of the public router: the app's file or page for `uri`, or the API's
/// `not_found`.
pub async fn respond(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path();
    let is_api = API_PREFIXES
        .iter()
        .any(|prefix| path == *prefix || path.starts_with(&format!("{prefix}/")));
    if is_api || !(method == Method::GET || method == Method::HEAD) {
        return super::route_not_found(path).into_response();
    }
    let last_segment = path.rsplit('/').next().unwrap_or_default();
    if let Some(dir) = &state.config.web_dir {
        return from_folder(dir, path, !last_segment.contains('.')).await;
    }
    let file = match asset(path) {
        Some(file) => file,
        // A page of the app (it routes itself), not a missing file.
        None if !last_segment.contains('.') => match asset("/index.html") {
            Some(index) => index,
            None => return app_missing(),
        },
        None => return super::route_not_found(path).into_response(),
    };
    serve(file, &headers)
}

fn serve(file: &WebAsset, request: &HeaderMap) -> Response {
    let cache = if file.path.starts_with("/assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = if request
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == file.etag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let accepts_gzip = request
            .get(header::ACCEPT_ENCODING)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|encodings| {
                encodings
                    .split(',')
                    .any(|encoding| encoding.split(';').next().unwrap_or_default().trim() == "gzip")
            });
        match (file.gzip, accepts_gzip) {
            (Some(gzipped), true) => {
                let mut response = gzipped.into_response();
                response
                    .headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                response
            }
            _ => file.bytes.into_response(),
        }
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(file.mime));
    headers.insert(header::ETAG, HeaderValue::from_static(file.etag));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

/// The app's file at `path` from `dir` (`ROLO_WEB_DIR`), read at each request and never
/// cached by the browser; `index.html` for a page of the app.
async fn from_folder(dir: &std::path::Path, path: &str, is_page: bool) -> Response {
    let relative = path.trim_start_matches('/');
    // Only plain names below the folder: no `..`, no absolute paths, no hidden files.
    let safe = relative
        .split('/')
        .all(|part| !part.is_empty() && !part.starts_with('.'));
    let (file, name) = if relative.is_empty() {
        (dir.join("index.html"), "/index.html")
    } else if safe {
        (dir.join(relative), path)
    } else {
        return super::route_not_found(path).into_response();
    };
    let (file, name) = match tokio::fs::metadata(&file).await {
        Ok(meta) if meta.is_file() => (file, name.to_string()),
        _ if is_page => (dir.join("index.html"), "/index.html".to_string()),
        _ => return super::route_not_found(path).into_response(),
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, mime::mime_type(&name)),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => app_missing(),
    }
}

/// The answer when the server was built without the app's files.
fn app_missing() -> Response {
    super::error::ApiError::NotFound(
        "the web app (this server was built without web/dist: run `npm ci && npm run build` \
         in web/, then build the server again)"
            .into(),
    )
    .into_response()
}
