//! How much server memory an idle authenticated sync connection costs.
//!
//! Starts `rolo-server` as its own process (SQLite), opens `IDLE_CONNECTIONS` (default
//! 10,000) authenticated WebSockets that each say hello and then sit idle, and reads the
//! server's resident memory before and after. Target (DESIGN.md 7): 10,000 in ≤ 100 MB.
//!
//! `cargo bench -p tests --bench idle_connections` (build the server first:
//! `cargo build --release -p server`; the benchmark uses the binary beside it).

use std::time::{Duration, Instant};

use tests::bench::{env_number, rss_bytes};
use tests::{ChildServer, WireDevice, login, signup};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let wanted = env_number("IDLE_CONNECTIONS", 10_000) as usize;
    raise_open_file_limit(wanted as u64 * 2 + 1000);
    let data = tempfile::tempdir()?;
    let url = format!("sqlite://{}", data.path().join("rolo.db").display());
    // Ten thousand sockets of two devices from one address: far past the per-device,
    // per-member and per-address socket limits, which the benchmark lifts to measure what
    // a connection costs.
    let server = ChildServer::start_with_env(
        &url,
        &[
            ("ROLO_SOCKETS_PER_DEVICE", "100000"),
            ("ROLO_SOCKETS_PER_MEMBER", "100000"),
            ("ROLO_SOCKETS_PER_ADDRESS", "100000"),
        ],
    )
    .await?;
    let handle = server.as_test_server();
    let owner = signup(
        &handle,
        "Idle Co",
        "owner@idle.example",
        "correct horse battery",
    )
    .await?;
    // A few devices share the connections' tokens: the cost measured is the connection's.
    let accounts = [
        owner.clone(),
        login(
            &handle,
            "owner@idle.example",
            "correct horse battery",
            "second",
        )
        .await?,
    ];
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rss_bytes(server.pid())?;
    let started = Instant::now();
    let mut devices = Vec::with_capacity(wanted);
    for n in 0..wanted {
        let account = &accounts[n % accounts.len()];
        let mut device = WireDevice::connect(&handle, account, (n as u128).to_be_bytes()).await?;
        device.settle(Duration::from_millis(1)).await?;
        devices.push(device);
    }
    let connect_seconds = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss_bytes(server.pid())?;
    let per_connection = (after.saturating_sub(before)) as f64 / wanted as f64;
    let total_mb = after as f64 / 1e6;
    println!("idle connections: {wanted} opened in {connect_seconds:.1} s");
    println!(
        "server RSS: {:.1} MB before, {total_mb:.1} MB after, {:.1} KB per connection",
        before as f64 / 1e6,
        per_connection / 1e3
    );
    println!(
        "target (DESIGN.md 7): 10,000 connections in <= 100 MB: {}",
        if wanted >= 10_000 && total_mb <= 100.0 {
            "met"
        } else {
            "not met"
        }
    );
    println!(
        "bench idle_connections: connections={wanted} server_rss_mb={total_mb:.1} per_connection_kb={:.2} connect_seconds={connect_seconds:.1}",
        per_connection / 1e3
    );
    drop(devices);
    Ok(())
}

/// Each connection is a file descriptor on both ends; the default soft limit (1,024) is far
/// too low. Raising the soft limit up to the hard limit needs no privilege.
fn raise_open_file_limit(wanted: u64) {
    let status = std::process::Command::new("prlimit")
        .args([
            "--pid",
            &std::process::id().to_string(),
            &format!("--nofile={wanted}:{wanted}"),
        ])
        .status();
    if !matches!(status, Ok(status) if status.success()) {
        eprintln!(
            "could not raise the open-file limit to {wanted}; run `ulimit -n {wanted}` first"
        );
    }
}
