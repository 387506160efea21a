//! The Rolo server: authenticated real-time sync of contacts into SQLite or Postgres.
//!
//! - [`store`]: every line of SQL, behind one `Store` trait (SQLite embedded, Postgres for
//!   several nodes).
//! - [`sync`]: the WebSocket endpoint driving `sync_core`'s session state machine, the
//!   per-tenant fan-out hub, the node's socket limits, and pushes committing beside the
//!   connection's reading (answered `unavailable` when the database cannot take them).
//! - [`contacts`]: contacts for REST callers: reading what they may see, and writing as the
//!   CRDT changes the server makes for them, committed like a device's push.
//! - [`http`]: the REST API, one module per resource.
//! - [`auth`]: passwords, access and refresh tokens.
//! - [`serve`]: the accept loop, with a timer so request heads and idle keep-alive
//!   connections time out, and a cap on open connections.
//! - [`imports`]: bulk import (CSV, Excel, text, vCard, a mailbox) as a job that survives a
//!   restart (and, on Postgres, the death of its node: another takes it over when its lease
//!   runs out), and exports of what the member may see.
//! - [`cards`]: business-card uploads become jobs that workers read in a child process
//!   (`rolo-server read-card`) under a memory and time limit; the drafts go back to the
//!   scanning device over its sync socket.
//!
//! `main` only reads [`Config`] and calls [`run`]; tests call the same `run` on `127.0.0.1:0`
//! and connect at once.
//!
//! ```no_run
//! # async fn example() -> anyhow::Result<()> {
//! let config = server::Config::from_env()?;
//! let listener = tokio::net::TcpListener::bind(config.listen).await?;
//! server::run(config, listener, std::future::pending()).await?;
//! # Ok(())
//! # }
//! ```

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub mod auth;
pub mod cards;
pub mod config;
pub mod contacts;
pub mod http;
pub mod imports;
pub mod metrics;
pub mod serve;
pub mod state;
pub mod store;
pub mod sync;
/// Test support: a throw-away PostgreSQL cluster and a fresh database per test.
pub mod testing;
pub mod trash;

pub use config::Config;

use crate::state::AppState;
use crate::store::Store;

/// How often loaded documents left idle are let go (`Store::forget_idle_documents`).
const FORGET_IDLE_EVERY: Duration = Duration::from_secs(60);

/// How long shutdown waits for open sync connections to finish their current step.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Open the store `config.database_url` names and bring its schema up to date.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let cache =
        std::num::NonZeroUsize::new(config.doc_cache).unwrap_or(std::num::NonZeroUsize::MIN);
    let store: Arc<dyn Store> = if config.database_url.starts_with("postgres") {
        Arc::new(
            store::postgres::PostgresStore::connect_with(
                &config.database_url,
                cache,
                store::postgres::Bounds {
                    acquire: config.database_acquire_timeout,
                    transaction: config.commit_timeout,
                },
            )
            .await?,
        )
    } else {
        Arc::new(store::sqlite::SqliteStore::open_with_cache(&config.database_url, cache).await?)
    };
    store.migrate().await?;
    Ok(store)
}

/// Serve until `shutdown` completes; then stop accepting, let every sync connection finish
/// what it is doing (an in-flight commit still gets its ack), and return.
pub async fn run(
    config: Config,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    metrics::install();
    let store = open_store(&config).await?;
    let auth = Arc::new(auth::Auth::new(store.clone(), &config).await?);
    let hub = Arc::new(sync::hub::Hub::new());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let (live, mut all_closed) = tokio::sync::mpsc::channel::<()>(1);
    let listen_task = {
        let hub = hub.clone();
        store.clone().listen(
            Arc::new({
                let hub = hub.clone();
                move |tenant, seq| hub.advanced(tenant, seq)
            }),
            Arc::new(move |tenant, device, card| hub.card_read(tenant, device, card)),
        )
    };
    let sockets = Arc::new(sync::admission::Admission::new(
        sync::admission::SocketLimits {
            per_device: config.sockets_per_device,
            per_member: config.sockets_per_member,
            per_address: config.sockets_per_address,
            total: config.max_sockets,
        },
    ));
    let imports = Arc::new(imports::runner::Runner::new(config.import_lease));
    let state = AppState {
        store,
        imports,
        config: Arc::new(config),
        auth,
        hub,
        shutdown: stopped,
        live,
        card_jobs: Arc::new(tokio::sync::Notify::new()),
        sockets,
    };
    let metrics_listener =
        http::metrics::serve_apart(state.config.metrics_listen, state.config.hsts).await?;
    let card_workers = cards::worker::spawn(state.clone());
    // Documents loaded for a burst of pushes are let go once idle, not kept for ever.
    let forgetting = tokio::spawn({
        let store = state.store.clone();
        async move {
            let mut every = tokio::time::interval(FORGET_IDLE_EVERY);
            loop {
                every.tick().await;
                let forgotten = store.forget_idle_documents();
                if forgotten > 0 {
                    tracing::debug!(forgotten, "let idle documents go");
                }
            }
        }
    });
    let emptying = trash::spawn(state.store.clone(), state.hub.clone());
    // Imports a previous run (or a node that died) left running go on where their last batch
    // ended; uploaded files past their keeping are deleted.
    let import_watch = imports::runner::watch(state.clone()).await?;
    tracing::info!(address = %listener.local_addr()?, "rolo server listening");
    let limits = serve::Limits {
        header_timeout: state.config.header_timeout,
        max_connections: state.config.max_http_connections,
        grace: SHUTDOWN_GRACE,
    };
    // Kept apart from the state, whose every clone holds shutdown back.
    let (import_store, import_lease) = (state.store.clone(), state.imports.lease);
    let app = http::router(state);
    serve::serve(listener, app, limits, shutdown).await;
    // Upgraded sockets outlive the HTTP server: tell them to finish, then wait for the last
    // one to drop its handle on `live`.
    let _ = stop.send(true);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, all_closed.recv()).await;
    if let Some(task) = listen_task {
        task.abort();
    }
    // A worker stops between cards; one mid-card is cut off, and its card is claimed again
    // when its lease runs out.
    for worker in card_workers {
        worker.abort();
    }
    forgetting.abort();
    emptying.abort();
    import_watch.abort();
    // A clean stop gives up this node's imports, so whichever node runs next resumes them at
    // once instead of a lease later.
    if let Err(error) = import_store.release_imports(import_lease).await {
        tracing::warn!(%error, "releasing this node's imports");
    }
    if let Some(task) = metrics_listener {
        task.abort();
    }
    Ok(())
}
