//! Stories against servers that misbehave, which a real Dovecot will not do on request: a
//! server that is not TLS, one that says goodbye at once, one that stops answering after the
//! login. Each is a few lines of script on 127.0.0.1 behind the harness's test certificate.

use std::sync::Arc;
use std::time::Duration;

use mailbox::testing::{PASSWORD, USER, localhost_certificates};
use mailbox::{Account, Limits};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

/// What the scripted server does after the TLS handshake.
#[derive(Clone, Copy)]
enum Script {
    /// `* BYE` as the greeting.
    ByeAtOnce,
    /// Greets, accepts LOGIN, then reads commands and never answers.
    SilentAfterLogin,
}

/// Starts a one-connection TLS server on 127.0.0.1 and returns an account that trusts it.
async fn scripted_server(script: Script) -> Account {
    let certs = localhost_certificates();
    let chain = vec![CertificateDer::from_pem_slice(certs.server_pem.as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(certs.server_key_pem.as_bytes()).unwrap();
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let Ok(tls) = acceptor.accept(tcp).await else {
            return;
        };
        let (read, mut write) = tokio::io::split(tls);
        let mut lines = BufReader::new(read).lines();
        match script {
            Script::ByeAtOnce => {
                let _ = write
                    .write_all(b"* BYE Too many connections, try later\r\n")
                    .await;
                let _ = write.flush().await;
            }
            Script::SilentAfterLogin => {
                let _ = write
                    .write_all(b"* OK [CAPABILITY IMAP4rev1] ready\r\n")
                    .await;
                let _ = write.flush().await;
                let login = lines.next_line().await.unwrap().unwrap_or_default();
                let tag = login.split(' ').next().unwrap_or("*").to_string();
                let _ = write
                    .write_all(format!("{tag} OK Logged in\r\n").as_bytes())
                    .await;
                let _ = write.flush().await;
                // Read whatever comes and answer nothing, until the client goes away.
                while let Ok(Some(_)) = lines.next_line().await {}
            }
        }
    });
    Account {
        port,
        extra_ca_pem: Some(certs.ca_pem.into_bytes()),
        ..Account::new("127.0.0.1", USER, PASSWORD)
    }
}

#[tokio::test]
async fn a_server_that_says_goodbye_at_once_is_a_server_error_with_its_words() {
    let account = scripted_server(Script::ByeAtOnce).await;
    let err = mailbox::folders(&account, &Limits::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "server_error", "{err}");
    assert!(err.to_string().contains("Too many connections"), "{err}");
}

#[tokio::test]
async fn a_command_left_unanswered_times_out_naming_the_step() {
    let account = scripted_server(Script::SilentAfterLogin).await;
    let limits = Limits {
        command_timeout: Duration::from_millis(500),
        ..Limits::default()
    };
    let err = mailbox::folders(&account, &limits).await.unwrap_err();
    assert_eq!(err.code(), "timeout", "{err}");
    assert!(err.to_string().contains("listing folders"), "{err}");
}

#[tokio::test]
async fn a_plain_text_imap_port_is_a_tls_error_that_says_so() {
    // Port 143 style: the server greets in clear text; the TLS client reads that as garbage.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let _ = tcp.write_all(b"* OK IMAP4rev1 Service Ready\r\n").await;
        // Hold the socket open until the client gives up.
        let mut buf = [0u8; 1024];
        while let Ok(n) = tokio::io::AsyncReadExt::read(&mut tcp, &mut buf).await {
            if n == 0 {
                break;
            }
        }
    });
    let account = Account {
        port,
        ..Account::new("127.0.0.1", USER, PASSWORD)
    };
    let err = mailbox::folders(&account, &Limits::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "tls", "{err}");
    assert!(err.to_string().contains("does not speak TLS"), "{err}");
}
