//! The database away under push load: Postgres stopped for `OUTAGE_SECONDS` (default 10),
//! then every open database connection silenced by a proxy. Prints how soon pushes landed
//! after Postgres was back; the longest a company went without an ack while its connections
//! hung, and how much of that came after the commit bound gave the stuck connection up
//! (`hung_connection_recovery_ms`); and pushes sent per edit (re-pushes included).
//!
//! `cargo bench -p tests --bench outage`

use std::sync::Arc;
use std::time::Duration;

use server::testing::PgCluster;
use tests::TestServer;
use tests::bench::env_number;
use tests::outage::{SilencingProxy, through_a_hang, through_an_outage};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let down_seconds = env_number("OUTAGE_SECONDS", 10);
    // Durable: an immediate stop is a crash (see the outage story).
    let cluster = Arc::new(PgCluster::start_durable()?);
    let server = TestServer::postgres(&cluster.url()).await?;
    let (down, up) = (Arc::clone(&cluster), Arc::clone(&cluster));
    let outage = through_an_outage(
        &server,
        Duration::from_secs(down_seconds),
        move || Ok(down.stop()?),
        move || Ok(up.start_again()?),
    )
    .await?;
    server.stop().await?;
    println!("outage: {outage:?}");

    let hung_cluster = PgCluster::start()?;
    let proxy =
        SilencingProxy::start(format!("127.0.0.1:{}", hung_cluster.port()).parse()?).await?;
    let hung_server =
        TestServer::postgres(&format!("postgres://postgres@{}/rolo", proxy.address)).await?;
    let hang = through_a_hang(&hung_server, &proxy).await?;
    hung_server.stop().await?;
    println!("hang: {hang:?}");
    // A stuck commit is given up after the commit bound; recovery is what follows it.
    let pause = hang.longest_pause.iter().max().copied().unwrap_or_default();
    let bound = server::Config::default().commit_timeout;
    println!(
        "bench outage: down_seconds={down_seconds} first_ack_after_up_ms={} hung_connection_recovery_ms={} hung_longest_pause_ms={} commit_bound_ms={} pushes_per_edit={:.2} unavailable_answers={}",
        outage.first_ack_after_up.as_millis(),
        pause.saturating_sub(bound).as_millis(),
        pause.as_millis(),
        bound.as_millis(),
        outage.pushes_per_edit,
        outage.unavailable + hang.unavailable,
    );
    Ok(())
}
