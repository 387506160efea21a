//! Embeds the web app's built files (`web/dist`, committed; see web/README.md) in the server
//! binary, so one file serves the app at `/` with nothing to install beside it.
//!
//! Each file becomes an entry of `$OUT_DIR/web_assets.rs`: its URL path, MIME type, an ETag
//! from its SHA-256, and its bytes; text-like files also get a gzip copy made here, once, so
//! the server never compresses per request. A build without `web/dist` still succeeds (with a
//! warning) and the server answers `/` with an error saying how to build the app.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

#[path = "src/http/web/mime.rs"]
mod mime;
use mime::{compressible, mime_type};

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let dist = manifest_dir.join("../web/dist");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    println!("cargo:rerun-if-changed={}", dist.display());
    // `sqlx::migrate!` reads the migration folders while compiling; a build script that
    // reruns when they change is what makes cargo recompile the crate after a new migration.
    println!("cargo:rerun-if-changed=migrations");

    let mut files = Vec::new();
    if dist.join("index.html").is_file() {
        collect(&dist, &dist, &mut files);
    } else {
        println!(
            "cargo:warning=web/dist/index.html is missing: the server will not serve the web app \
             (build it with `npm ci && npm run build` in web/)"
        );
    }
    files.sort();

    let mut table = String::from("&[\n");
    for (index, (url_path, file)) in files.iter().enumerate() {
        println!("cargo:rerun-if-changed={}", file.display());
        let bytes = std::fs::read(file).expect("a file of web/dist is readable");
        let etag = hex(&Sha256::digest(&bytes)[..12]);
        let mime = mime_type(url_path);
        let gzip = if compressible(mime) && bytes.len() > 256 {
            let compressed = out_dir.join(format!("web_asset_{index}.gz"));
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(&bytes).expect("gzip in memory");
            let gzipped = encoder.finish().expect("gzip in memory");
            std::fs::write(&compressed, gzipped).expect("OUT_DIR is writable");
            format!(
                "Some(include_bytes!({:?}))",
                compressed.display().to_string()
            )
        } else {
            "None".to_string()
        };
        table.push_str(&format!(
            "    WebAsset {{ path: {url_path:?}, mime: {mime:?}, etag: \"\\\"{etag}\\\"\", \
             bytes: include_bytes!({:?}), gzip: {gzip} }},\n",
            file.display().to_string()
        ));
    }
    table.push(']');
    std::fs::write(out_dir.join("web_assets.rs"), table).expect("OUT_DIR is writable");
}

/// Every file under `dir`, with its URL path (`/` and the path below `root`).
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let entries = std::fs::read_dir(dir).expect("web/dist is readable");
    for entry in entries {
        let path = entry.expect("web/dist is readable").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let relative = path.strip_prefix(root).expect("below the root");
            let url_path = relative
                .components()
                .map(|part| part.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            files.push((format!("/{url_path}"), path));
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
