//! How fast bad card uploads are refused, and what they cost the server's memory: a
//! 100,000 × 100,000 PNG, a non-image and a 30 MB file through `PUT /v1/cards/{card}`, and a
//! damaged photo through the worker until its `failed` draft reaches the phone. The server
//! runs as its own process (its RSS is measured). Target (issue 4): each error within a second,
//! memory unharmed.
//!
//! Run with `cargo bench -p tests --bench card_rejects`.

use std::time::{Duration, Instant};

use sync_core::card::CardStatus;
use sync_core::wire::Frame;
use tests::cards::{corrupt_png, new_card_id, png_declaring, upload_card};
use tests::{ChildServer, WireDevice, signup};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let url = format!("sqlite://{}", data.path().join("rolo.db").display());
    let child = ChildServer::start(&url).await?;
    let server = child.as_test_server();
    let owner = signup(
        &server,
        "Kita Trading",
        "bench@kita.example",
        "bench password",
    )
    .await?;
    let rss_before = tests::bench::rss_bytes(child.pid())?;

    let mut slowest: f64 = 0.0;
    for (name, bytes) in [
        ("bomb_png", png_declaring(100_000, 100_000)),
        ("not_image", b"%PDF-1.7\n".to_vec()),
        ("30mb", vec![0xffu8; 30 * 1024 * 1024]),
    ] {
        let started = Instant::now();
        let (status, body) = upload_card(&server, &owner, new_card_id(), bytes, None).await?;
        let seconds = started.elapsed().as_secs_f64();
        slowest = slowest.max(seconds);
        println!("{name}: {status} {} in {seconds:.3} s", body["code"]);
    }

    let mut phone = WireDevice::connect(&server, &owner, [1; 16]).await?;
    phone.settle(Duration::from_millis(100)).await?;
    let card = new_card_id();
    let started = Instant::now();
    upload_card(&server, &owner, card, corrupt_png(), None).await?;
    let corrupt_seconds = loop {
        if let Some(Frame::Card { draft }) = phone.step(Duration::from_secs(30)).await?
            && draft.card == card
            && draft.status == CardStatus::Failed
        {
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "corrupt: failed draft ({}) on the phone in {seconds:.3} s",
                draft.error.map(|error| error.code).unwrap_or_default()
            );
            break seconds;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(60),
            "no failed draft"
        );
    };
    slowest = slowest.max(corrupt_seconds);

    let rss_after = tests::bench::rss_bytes(child.pid())?;
    let grown_mb = rss_after.saturating_sub(rss_before) as f64 / (1024.0 * 1024.0);
    println!(
        "bench card_rejects: slowest_seconds={slowest:.3} corrupt_seconds={corrupt_seconds:.3} rss_before_mb={:.1} rss_grown_mb={grown_mb:.1}",
        rss_before as f64 / (1024.0 * 1024.0)
    );
    child.kill()
}
