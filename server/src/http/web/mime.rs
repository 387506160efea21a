//! The `Content-Type` of each kind of file the web app's build holds, and which are worth
//! compressing; shared by the build script (embedded files) and the server (`ROLO_WEB_DIR`).

/// The `Content-Type` for a file at `path`, by its extension.
pub fn mime_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map_or("", |(_, extension)| extension);
    match extension {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Whether a file of this type is sent gzipped (text-like, and WebAssembly).
pub fn compressible(mime: &str) -> bool {
    mime.starts_with("text/")
        || matches!(
            mime,
            "application/json" | "application/manifest+json" | "application/wasm" | "image/svg+xml"
        )
}
