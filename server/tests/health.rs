//! The server answers health checks over a real socket, and serves the web app.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn get(address: std::net::SocketAddr, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("reads");
    response
}

/// A server on SQLite in a temporary folder, on a free port, until stopped.
struct Running {
    address: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
    _data: tempfile::TempDir,
}

impl Running {
    async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    async fn start_with(settings: impl FnOnce(&mut server::Config)) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let data = tempfile::tempdir().unwrap();
        let mut config = server::Config {
            listen: address,
            database_url: format!("sqlite://{}", data.path().join("rolo.db").display()),
            ..server::Config::default()
        };
        settings(&mut config);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(server::run(config, listener, async {
            let _ = stopped.await;
        }));
        Self {
            address,
            stop,
            server,
            _data: data,
        }
    }

    async fn stop(self) {
        self.stop.send(()).unwrap();
        self.server.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn a_running_server_reports_healthy_ready_and_its_protocol_version() {
    let running = Running::start().await;
    let address = running.address;
    let health = get(address, "/healthz").await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.ends_with("ok"), "{health}");
    let ready = get(address, "/readyz").await;
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    let version = get(address, "/v1/version").await;
    assert!(version.contains("\"protocol\":1"), "{version}");
    running.stop().await;
}

/// `GET path` with extra request header lines, the whole response as bytes.
async fn get_with(address: std::net::SocketAddr, path: &str, headers: &str) -> Vec<u8> {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{headers}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("reads");
    response
}

/// The head of a response, lower-cased, and its body.
fn split(response: Vec<u8>) -> (String, Vec<u8>) {
    let end = response
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("a response head");
    (
        String::from_utf8_lossy(&response[..end]).to_lowercase(),
        response[end + 4..].to_vec(),
    )
}

/// The value of header `name` (lower-case) in a lower-cased head.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|line| line.strip_prefix(&format!("{name}: ")))
}

#[tokio::test]
async fn a_running_server_serves_the_web_app_its_pages_and_keeps_the_api_json() {
    let running = Running::start().await;
    let address = running.address;
    let index = server::http::web::asset("/index.html")
        .expect("the server is built with web/dist (committed; `npm run build` in web/)");

    // The app at `/`, under the API's content security policy, checked on every load.
    let (head, body) = split(get_with(address, "/", "").await);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(
        header(&head, "content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(header(&head, "cache-control"), Some("no-cache"));
    assert!(header(&head, "content-security-policy").is_some());
    assert_eq!(body, index.bytes);

    // A page the app routes itself opens the app; a reload with its ETag costs nothing.
    let (head, body) = split(get_with(address, "/contacts/some-id", "").await);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(body, index.bytes);
    let etag = header(&head, "etag").expect("an etag").to_string();
    let (head, body) =
        split(get_with(address, "/", &format!("If-None-Match: {}\r\n", index.etag)).await);
    assert!(head.starts_with("http/1.1 304"), "{head} ({etag})");
    assert!(body.is_empty(), "{body:?}");

    // Every script the page loads is served, hashed ones cached for good, gzipped on request.
    let html = String::from_utf8_lossy(index.bytes).into_owned();
    let scripts: Vec<&str> = html
        .split("src=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|src| src.ends_with(".js"))
        .collect();
    assert!(!scripts.is_empty(), "index.html loads a script: {html}");
    for script in scripts {
        let file = server::http::web::asset(script).expect("the script is in the build");
        let (head, body) = split(get_with(address, script, "Accept-Encoding: gzip, br\r\n").await);
        assert!(head.starts_with("http/1.1 200"), "{script}: {head}");
        assert_eq!(
            header(&head, "content-type"),
            Some("text/javascript; charset=utf-8")
        );
        if script.starts_with("/assets/") {
            assert_eq!(
                header(&head, "cache-control"),
                Some("public, max-age=31536000, immutable")
            );
        }
        if let Some(gzipped) = file.gzip {
            assert_eq!(header(&head, "content-encoding"), Some("gzip"), "{script}");
            assert_eq!(body, gzipped);
        }
    }

    // The service worker and the manifest, at the root, where their scope must be.
    for (path, mime) in [
        ("/sw.js", "text/javascript; charset=utf-8"),
        ("/manifest.webmanifest", "application/manifest+json"),
    ] {
        let (head, _) = split(get_with(address, path, "").await);
        assert!(head.starts_with("http/1.1 200"), "{path}: {head}");
        assert_eq!(header(&head, "content-type"), Some(mime), "{path}");
        assert_eq!(header(&head, "cache-control"), Some("no-cache"), "{path}");
    }

    // A missing file is not the app, and the API's paths keep their JSON answers.
    for path in ["/assets/missing.js", "/v1/nothing-here", "/v1"] {
        let (head, body) = split(get_with(address, path, "").await);
        assert!(head.starts_with("http/1.1 404"), "{path}: {head}");
        assert!(
            String::from_utf8_lossy(&body).contains("\"code\":\"not_found\""),
            "{path}"
        );
    }
    running.stop().await;
}

#[tokio::test]
async fn a_server_given_a_web_folder_serves_the_app_from_it_and_nothing_outside_it() {
    let folder = tempfile::tempdir().unwrap();
    let dist = folder.path().join("dist");
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>dev build</title>",
    )
    .unwrap();
    std::fs::write(dist.join("assets/app.js"), "console.log('dev')").unwrap();
    std::fs::write(folder.path().join("secret.txt"), "not the app's").unwrap();
    let running = Running::start_with(|config| config.web_dir = Some(dist.clone())).await;
    let address = running.address;

    for (path, mime, body) in [
        (
            "/",
            "text/html; charset=utf-8",
            "<!doctype html><title>dev build</title>",
        ),
        (
            "/contacts/x",
            "text/html; charset=utf-8",
            "<!doctype html><title>dev build</title>",
        ),
        (
            "/assets/app.js",
            "text/javascript; charset=utf-8",
            "console.log('dev')",
        ),
    ] {
        let (head, got) = split(get_with(address, path, "").await);
        assert!(head.starts_with("http/1.1 200"), "{path}: {head}");
        assert_eq!(header(&head, "content-type"), Some(mime), "{path}");
        assert_eq!(header(&head, "cache-control"), Some("no-cache"), "{path}");
        assert_eq!(String::from_utf8_lossy(&got), body, "{path}");
    }
    for path in [
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/.hidden.js",
        "/missing.js",
    ] {
        let (head, got) = split(get_with(address, path, "").await);
        assert!(head.starts_with("http/1.1 404"), "{path}: {head}");
        assert!(
            !String::from_utf8_lossy(&got).contains("not the app's"),
            "{path}"
        );
    }
    running.stop().await;
}
