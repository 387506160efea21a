//! One WebSocket to the server: the authenticated upgrade and frames in and out.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use sync_core::wire::{Frame, MAX_FRAME_BYTES};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::account::Secret;
use crate::api::server_error;
use crate::error::Error;

/// How long the TCP connection and the upgrade may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// How long to wait for the server to acknowledge a close before dropping the socket.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Room above the protocol's frame limit, so an oversized frame from a newer server arrives
/// whole and is refused by the decoder with a clear message rather than by the socket.
const SOCKET_SLACK_BYTES: usize = 64 * 1024;

/// Why the upgrade was refused or failed.
#[derive(Debug)]
pub(crate) enum ConnectError {
    /// The access token expired: refresh it and try again at once.
    TokenExpired,
    /// Anything else.
    Other(Error),
}

impl From<Error> for ConnectError {
    fn from(error: Error) -> Self {
        ConnectError::Other(error)
    }
}

/// An open sync connection.
pub(crate) struct Socket {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// What arrived on the socket.
pub(crate) enum Incoming {
    /// A protocol frame.
    Frame(Frame),
    /// A transport keep-alive or anything else without protocol meaning.
    Noise,
    /// The server closed the connection.
    Closed,
}

impl Socket {
    /// Opens `/v1/sync` on `server` (`http://host:port`), presenting `token`.
    pub(crate) async fn connect(server: &str, token: &Secret) -> Result<Self, ConnectError> {
        let url = sync_url(server)?;
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|error| Error::Network(error.to_string()))?;
        let bearer = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .map_err(|_| Error::Protocol("the access token is not a valid header value".into()))?;
        request.headers_mut().insert("authorization", bearer);
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_FRAME_BYTES + SOCKET_SLACK_BYTES))
            .max_frame_size(Some(MAX_FRAME_BYTES + SOCKET_SLACK_BYTES));
        let connecting = tokio_tungstenite::connect_async_with_config(request, Some(config), true);
        let result = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
            .await
            .map_err(|_| {
                Error::Network(format!("no answer from {url} within {CONNECT_TIMEOUT:?}"))
            })?;
        match result {
            Ok((stream, _response)) => Ok(Self { stream }),
            Err(tungstenite::Error::Http(response)) => {
                let status = response.status().as_u16();
                let body = response
                    .body()
                    .as_deref()
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default();
                match server_error(status, &body) {
                    Error::Server { code, .. } if code == "token_expired" => {
                        Err(ConnectError::TokenExpired)
                    }
                    Error::Server {
                        status: 401,
                        message,
                        ..
                    } => Err(Error::SignedOut { message }.into()),
                    other => Err(other.into()),
                }
            }
            Err(error) => Err(Error::from(error).into()),
        }
    }

    /// Sends one frame as one binary message.
    pub(crate) async fn send(&mut self, frame: &Frame) -> Result<(), Error> {
        Ok(self
            .stream
            .send(Message::Binary(frame.encode().into()))
            .await?)
    }

    /// Sends a transport ping; the server's pong shows the connection is alive.
    pub(crate) async fn ping(&mut self) -> Result<(), Error> {
        Ok(self.stream.send(Message::Ping(Vec::new().into())).await?)
    }

    /// The next message.
    pub(crate) async fn next(&mut self) -> Result<Incoming, Error> {
        match self.stream.next().await {
            None | Some(Ok(Message::Close(_))) => Ok(Incoming::Closed),
            Some(Ok(Message::Binary(bytes))) => Frame::decode(&bytes, MAX_FRAME_BYTES)
                .map(Incoming::Frame)
                .map_err(|error| Error::Protocol(format!("the server sent a bad frame: {error}"))),
            Some(Ok(Message::Text(_))) => Err(Error::Protocol(
                "the server sent a text message; the protocol uses binary frames only".into(),
            )),
            Some(Ok(_)) => Ok(Incoming::Noise),
            Some(Err(error)) => Err(error.into()),
        }
    }

    /// Closes the connection politely, ignoring a peer that already went away or does not
    /// answer (the session's state is stored; nothing depends on the close handshake).
    pub(crate) async fn close(mut self) {
        match tokio::time::timeout(CLOSE_TIMEOUT, self.stream.close(None)).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::debug!(%error, "closing the sync connection"),
            Err(_) => tracing::debug!("the server did not answer the close in time"),
        }
    }
}

/// `ws://host:port/v1/sync` for the server `http://host:port`, `wss://…` for `https://…`.
fn sync_url(server: &str) -> Result<String, Error> {
    if let Some(rest) = server.strip_prefix("https://") {
        return Ok(format!("wss://{rest}/v1/sync"));
    }
    let rest = server
        .strip_prefix("http://")
        .ok_or_else(|| Error::ServerUrl {
            value: server.to_string(),
            reason: "it must start with http:// or https://".into(),
        })?;
    Ok(format!("ws://{rest}/v1/sync"))
}

#[cfg(test)]
mod tests {
    use super::sync_url;

    #[test]
    fn an_https_server_is_reached_over_wss() {
        assert_eq!(
            sync_url("https://rolo.example:8443").unwrap(),
            "wss://rolo.example:8443/v1/sync"
        );
        assert_eq!(
            sync_url("http://127.0.0.1:8080").unwrap(),
            "ws://127.0.0.1:8080/v1/sync"
        );
        assert!(sync_url("ftp://rolo.example").is_err());
    }
}
