//! `rolo-server`: reads its configuration from the environment and runs the server.
//!
//! `rolo-server read-card` is the same binary as the business-card reader the server's
//! workers start as a child process (see `server::cards::child`), so admins run one binary.

use tracing_subscriber::EnvFilter;

/// See the note on `tikv-jemallocator` in Cargo.toml: glibc's allocator kept freed memory resident.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> anyhow::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("read-card") {
        return server::cards::child::run();
    }
    serve()
}

#[tokio::main]
async fn serve() -> anyhow::Result<()> {
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
