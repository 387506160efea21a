//! Accepting connections, with bounds a hostile client cannot wear down.
//!
//! axum's own `serve` gives hyper no timer, so hyper's header-read timeout never fires there:
//! a connection that never sends a byte, or trickles a header a byte at a time, or sits idle
//! between keep-alive requests, is held open for ever, and a few thousand of them exhaust the
//! process's file descriptors (`/healthz` then stops answering). This loop serves HTTP/1.1
//! with a timer, so:
//!
//! - a request's head must arrive whole within [`Limits::header_timeout`] of the connection
//!   being ready for it — from the accept, or from the end of the previous response on a
//!   keep-alive connection, which is what closes idle keep-alive connections;
//! - at most [`Limits::max_connections`] HTTP connections are open at once; the next accept
//!   waits for one to close (upgraded WebSockets are counted apart, by `sync::admission`);
//! - an accept error (out of descriptors) pauses accepting briefly instead of spinning.
//!
//! Each request carries the peer's address as axum's `ConnectInfo<SocketAddr>`, for the
//! per-address limits.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// How the listener bounds its connections.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest a request's head may take to arrive, and longest an idle keep-alive
    /// connection is kept.
    pub header_timeout: Duration,
    /// Most HTTP connections open at once.
    pub max_connections: usize,
    /// How long shutdown waits for open HTTP connections to finish their requests.
    pub grace: Duration,
}

/// Pause after an accept error (such as running out of file descriptors): the error is
/// about the process, not one client, and retrying at once would spin a core.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Serve `app` on `listener` until `shutdown` completes, then let open requests finish
/// (within `limits.grace`) and return.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    // Every connection task holds a receiver: shutdown tells them through it, and waits for
    // the last one to drop it.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                metrics::counter!("rolo_errors_total", "kind" => "accept").increment(1);
                tracing::warn!(%error, "accepting a connection failed");
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        // Frames are small and latency matters (an ack, a live edit): Nagle's algorithm
        // meeting the peer's delayed ACK would hold each one back ~40 ms.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
        tokio::spawn(connection(
            stream,
            peer,
            app.clone(),
            limits,
            stopping.clone(),
            permit,
        ));
    }
    drop(listener);
    let _ = stop.send(true);
    drop(stopping);
    let _ = tokio::time::timeout(limits.grace, stop.closed()).await;
}

/// Serve one HTTP connection (and hand it over if it upgrades to a WebSocket).
async fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: Limits,
    mut stopping: tokio::sync::watch::Receiver<bool>,
    _permit: tokio::sync::OwnedSemaphorePermit,
) {
    let service =
        hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request.map(axum::body::Body::new))
        });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let connection = builder
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(connection);
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%peer, %error, "HTTP connection ended");
                }
                return;
            }
            changed = stopping.changed(), if !*stopping.borrow() => {
                if changed.is_ok() {
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}
