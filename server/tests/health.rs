//! The server answers health checks over a real socket.

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

#[tokio::test]
async fn a_running_server_reports_healthy_ready_and_its_protocol_version() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let data = tempfile::tempdir().unwrap();
    let config = server::Config {
        listen: address,
        database_url: format!("sqlite://{}", data.path().join("rolo.db").display()),
        ..server::Config::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::run(config, listener, async {
        let _ = stopped.await;
    }));
    let health = get(address, "/healthz").await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.ends_with("ok"), "{health}");
    let ready = get(address, "/readyz").await;
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    let version = get(address, "/v1/version").await;
    assert!(version.contains("\"protocol\":1"), "{version}");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
