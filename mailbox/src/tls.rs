//! TLS for IMAP: rustls with the system's roots plus the account's own CA, and failures in words.

use std::sync::{Arc, OnceLock};

use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use crate::MailboxError;

/// The system's trust store, read once per process (it is a few hundred certificates parsed
/// from disk). Empty when the system has none.
pub(crate) fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// A TLS connector trusting the system's roots (or, on a system without a trust store, the
/// Mozilla roots compiled in), plus the account's extra CA certificates.
pub(crate) fn tls_connector(extra_ca_pem: Option<&[u8]>) -> Result<TlsConnector, MailboxError> {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(system_roots().iter().cloned());
    if roots.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    if let Some(pem) = extra_ca_pem {
        let invalid = |detail: String| MailboxError::InvalidAccount {
            reason: format!("The CA certificate cannot be used: {detail}."),
        };
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| invalid(e.to_string()))?;
            roots.add(cert).map_err(|e| invalid(e.to_string()))?;
            added += 1;
        }
        if added == 0 {
            return Err(invalid("no PEM certificate found".into()));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| MailboxError::Tls {
            host: String::new(),
            reason: e.to_string(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// Words for a failed handshake: rustls' own reason when there is one.
pub(crate) fn tls_error(host: &str, port: u16, e: std::io::Error) -> MailboxError {
    let reason = match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::InvalidCertificate(cert)) => certificate_reason(host, cert),
        Some(rustls::Error::InvalidMessage(_)) => format!(
            "the server on port {port} does not speak TLS (IMAP over TLS is usually port 993)"
        ),
        Some(other) => other.to_string(),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the server closed the connection during the handshake".into()
        }
        None => e.to_string(),
    };
    MailboxError::Tls {
        host: host.into(),
        reason,
    }
}

/// Why a certificate was refused, in words.
fn certificate_reason(host: &str, cert: &rustls::CertificateError) -> String {
    use rustls::CertificateError as E;
    let why = match cert {
        E::UnknownIssuer => "it was issued by an authority this server does not trust \
                             (a self-signed certificate needs its CA certificate added)"
            .to_string(),
        E::NotValidForName | E::NotValidForNameContext { .. } => {
            format!("it is not valid for the name \"{host}\"")
        }
        E::Expired | E::ExpiredContext { .. } => "it has expired".into(),
        E::NotValidYet | E::NotValidYetContext { .. } => "it is not valid yet".into(),
        E::Revoked => "it has been revoked".into(),
        E::BadSignature => "its signature is wrong".into(),
        other => format!("{other:?}"),
    };
    format!("the server's certificate is not trusted: {why}")
}
