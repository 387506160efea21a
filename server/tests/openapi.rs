//! The OpenAPI document and the router describe the same API.
//!
//! **How a routed path is known to be documented.** axum's router cannot list its routes, so
//! the guarantee is structural: every route is registered through `utoipa_axum`'s `routes!`
//! with the `#[utoipa::path]` of its handler, which adds the route and its description in one
//! step (`server/src/http.rs`); nothing is routed any other way. The first test holds the
//! code to that: it reads every source file of the server for calls that would route around
//! the registry (`.route(`, `.route_service(`, `.nest(`, `.nest_service(`) and for every
//! `#[utoipa::path(…)]`, and fails when one names a path the document lacks (an axum route
//! added by hand, or a described handler never registered). The second test checks the other
//! direction on a running server: every documented operation answers something other than the
//! router's own 404 (`route … not found`) or 405.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The document as the server builds it.
fn document() -> Value {
    serde_json::to_value(server::http::api_document()).expect("the document serialises")
}

/// Every `(METHOD, path)` of the document.
fn operations(document: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in ["get", "put", "post", "delete", "patch"] {
            if item.get(method).is_some() {
                found.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    found
}

fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable source directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The string literal that opens `text` (after spaces), if it does.
fn leading_literal(text: &str) -> Option<&str> {
    let rest = text.trim_start().strip_prefix('"')?;
    rest.split_once('"').map(|(literal, _)| literal)
}

#[test]
fn every_routed_or_described_path_is_in_the_document() {
    let document = document();
    let documented: BTreeSet<String> = operations(&document)
        .into_iter()
        .map(|(_, path)| path)
        .collect();
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut problems = Vec::new();
    let mut described = 0;
    for file in &files {
        let source = std::fs::read_to_string(file).expect("a readable source file");
        let name = file.display();
        for call in [".route(", ".route_service(", ".nest(", ".nest_service("] {
            for (at, _) in source.match_indices(call) {
                match leading_literal(&source[at + call.len()..]) {
                    Some(path) if documented.contains(path) => {}
                    Some(path) => problems.push(format!("{name}: {call}\"{path}\" is routed but not documented")),
                    None => problems.push(format!(
                        "{name}: {call}… routes a path that is not a literal; register it with routes!"
                    )),
                }
            }
        }
        for (at, _) in source.match_indices("#[utoipa::path(") {
            let attribute = &source[at..];
            let attribute = &attribute[..attribute.find(")]\n").unwrap_or(attribute.len())];
            let Some(path_at) = attribute.find("path = ") else {
                problems.push(format!("{name}: a #[utoipa::path] without a path"));
                continue;
            };
            described += 1;
            match leading_literal(&attribute[path_at + "path = ".len()..]) {
                Some(path) if documented.contains(path) => {}
                Some(path) => problems.push(format!(
                    "{name}: {path} is described but its handler is not registered"
                )),
                None => problems.push(format!("{name}: a #[utoipa::path] path is not a literal")),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        described >= operations(&document).len(),
        "{described} handlers described for {} operations",
        operations(&document).len()
    );
}

#[test]
fn the_document_is_openapi_3_1_with_one_error_shape_everywhere() {
    let document = document();
    assert!(
        document["openapi"].as_str().is_some_and(|version| version.starts_with("3.1")),
        "{}",
        document["openapi"]
    );
    assert!(document["components"]["schemas"]["ErrorBody"].is_object());
    for (method, path) in operations(&document) {
        let operation = &document["paths"][&path][method.to_lowercase()];
        let failure = &operation["responses"]["default"]["content"]["application/json"]["schema"];
        assert_eq!(
            failure["$ref"], "#/components/schemas/ErrorBody",
            "{method} {path}: {operation}"
        );
        assert!(operation["security"].is_array(), "{method} {path} says who may call it");
    }
    // What issue 16 asks for is there.
    for (method, path) in [
        ("GET", "/v1/contacts"),
        ("POST", "/v1/contacts"),
        ("PATCH", "/v1/contacts/{id}"),
        ("GET", "/v1/contacts/{id}/history"),
        ("POST", "/v1/contacts/{id}/history/{revision}/restore"),
        ("PUT", "/v1/contacts/{id}/owner"),
        ("DELETE", "/v1/units/{id}/members/{member}"),
        ("GET", "/v1/sync"),
        ("GET", "/v1/openapi.json"),
    ] {
        assert!(
            operations(&document).contains(&(method.to_string(), path.to_string())),
            "{method} {path} is missing"
        );
    }
}

/// Status and body of one request on its own connection.
async fn call(address: std::net::SocketAddr, method: &str, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
    );
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("reads");
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status");
    (status, body.to_string())
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let address = listener.local_addr().expect("an address");
    let data = tempfile::tempdir().expect("a temporary directory");
    let config = server::Config {
        listen: address,
        database_url: format!("sqlite://{}", data.path().join("rolo.db").display()),
        // `/metrics` is routed on the main listener only with a token.
        metrics_token: Some("openapi-test-token-0123456789".into()),
        ..server::Config::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server::run(config, listener, async {
        let _ = stopped.await;
    }));

    let (status, served) = call(address, "GET", "/v1/openapi.json").await;
    assert_eq!(status, 200, "{served}");
    let served: Value = serde_json::from_str(&served).expect("JSON");
    assert_eq!(served, document(), "the served document is the built one");
    for (method, path) in operations(&served) {
        let concrete = path
            .replace("{sha256}", &"ab".repeat(32))
            .replace("{tag}", "vip")
            .split('/')
            .map(|part| {
                if part.starts_with('{') {
                    "0190a5c3-7b1e-4a2f-9c3d-5e6f7a8b9c0d"
                } else {
                    part
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let (status, body) = call(address, &method, &concrete).await;
        let fallback = status == 405 || (status == 404 && body.contains("\"route "));
        assert!(!fallback, "{method} {path} is documented but not routed: {status} {body}");
    }
    stop.send(()).expect("running");
    task.await.expect("finishes").expect("stops cleanly");
}
