//! `rolo-server`: reads its configuration from the environment and runs the server.

use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let config = server::Config::from_env()?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    server::run(config, listener, shutdown).await
}
