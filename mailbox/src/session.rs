//! One IMAP conversation: TCP, TLS, greeting, LOGIN, then the few read-only commands this crate
//! needs, each under its own time limit, each failure mapped to a [`MailboxError`].

use std::future::Future;
use std::time::Duration;

use async_imap::error::Error as ImapError;
use async_imap::imap_proto::{Response, Status};
use async_imap::types::NameAttribute;
use futures_util::TryStreamExt;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;

use crate::budget::Budgeted;
use crate::tls::{tls_connector, tls_error};
use crate::{Account, Limits, MailboxError, utf7};

/// The socket under IMAP: TLS over TCP, within a byte budget.
type Stream = Budgeted<TlsStream<TcpStream>>;
type ImapSession = async_imap::Session<Stream>;

/// A logged-in connection, with the limits and host name kept for error messages.
pub(crate) struct Session {
    imap: ImapSession,
    host: String,
    command_timeout: Duration,
}

/// What one FETCH gave back for a message: only header fields and the arrival date.
pub(crate) struct FetchedHeaders {
    /// `INTERNALDATE`, the date SEARCH SINCE/BEFORE compare against.
    pub internal_date: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// The raw `From`/`Sender`/`Reply-To`/`To`/`Cc` header lines (possibly cut at the size cap).
    pub header: Vec<u8>,
}

/// How many UIDs go into one `UID FETCH` (each batch has its own time limit).
const FETCH_BATCH: usize = 200;

/// At most this many bytes of a message's header fields are fetched: a header this size holds
/// hundreds of addresses, and a hostile or broken message cannot make us read megabytes.
const HEADER_BYTES_CAP: u32 = 16 * 1024;

impl Session {
    /// Connects (TCP then TLS), reads the greeting and logs in.
    pub(crate) async fn open(account: &Account, limits: &Limits) -> Result<Session, MailboxError> {
        account.validate()?;
        let host = account.connect_host().to_string();
        let tls = tls_connector(account.extra_ca_pem.as_deref())?;

        let client = timed(&host, "connecting", limits.connect_timeout, async {
            let tcp = connect_tcp(&host, account.port).await?;
            let name =
                ServerName::try_from(host.clone()).map_err(|_| MailboxError::InvalidAccount {
                    reason: format!("\"{host}\" is not a valid server name."),
                })?;
            let stream = tls
                .connect(name, tcp)
                .await
                .map_err(|e| tls_error(&host, account.port, e))?;
            let stream = Budgeted::new(stream, read_budget(limits));
            let mut client = async_imap::Client::new(stream);
            read_greeting(&mut client).await?;
            Ok(client)
        })
        .await?;

        let imap = timed(&host, "logging in", limits.command_timeout, async {
            client
                .login(&account.username, &account.password)
                .await
                .map_err(|(e, _client)| match e {
                    ImapError::No(text) => MailboxError::BadCredentials {
                        server_text: server_words(&text),
                    },
                    ImapError::Validate(_) => MailboxError::InvalidAccount {
                        reason: "The user name or password contains a line break or another \
                                 character IMAP cannot send."
                            .into(),
                    },
                    other => imap_error("log in", other),
                })
        })
        .await?;
        Ok(Session {
            imap,
            host,
            command_timeout: limits.command_timeout,
        })
    }

    /// `LIST "" "*"`: every selectable folder, names decoded from modified UTF-7.
    pub(crate) async fn list_folders(&mut self) -> Result<Vec<String>, MailboxError> {
        let limit = self.command_timeout;
        let host = self.host.clone();
        let imap = &mut self.imap;
        let names = timed(&host, "listing folders", limit, async {
            let stream = imap
                .list(Some(""), Some("*"))
                .await
                .map_err(|e| imap_error("list the folders", e))?;
            stream
                .try_collect::<Vec<_>>()
                .await
                .map_err(|e| imap_error("list the folders", e))
        })
        .await?;
        let mut folders: Vec<String> = names
            .iter()
            .filter(|n| {
                !n.attributes().iter().any(|a| match a {
                    NameAttribute::NoSelect => true,
                    NameAttribute::Extension(ext) => ext.eq_ignore_ascii_case("\\NonExistent"),
                    _ => false,
                })
            })
            .map(|n| utf7::decode(n.name()))
            .collect();
        // INBOX first, then the others in a stable order.
        folders.sort_by(|a, b| {
            (!a.eq_ignore_ascii_case("INBOX"), a).cmp(&(!b.eq_ignore_ascii_case("INBOX"), b))
        });
        folders.dedup();
        Ok(folders)
    }

    /// `EXAMINE` (read-only: nothing is marked as read) the folder.
    pub(crate) async fn examine(&mut self, folder: &str) -> Result<(), MailboxError> {
        let limit = self.command_timeout;
        let host = self.host.clone();
        let wire = utf7::encode(folder);
        let imap = &mut self.imap;
        timed(&host, "opening the folder", limit, async {
            match imap.examine(&wire).await {
                Ok(_) => Ok(()),
                Err(ImapError::No(_)) => Err(MailboxError::NoSuchFolder {
                    folder: folder.to_string(),
                }),
                Err(ImapError::Validate(_)) => Err(MailboxError::InvalidConditions {
                    reason: "The folder name contains a line break.".into(),
                }),
                Err(e) => Err(imap_error("open the folder", e)),
            }
        })
        .await
    }

    /// `UID SEARCH <criteria>`: the matching UIDs, ascending.
    pub(crate) async fn search(&mut self, criteria: &str) -> Result<Vec<u32>, MailboxError> {
        let limit = self.command_timeout;
        let host = self.host.clone();
        let imap = &mut self.imap;
        let uids = timed(&host, "searching the folder", limit, async {
            imap.uid_search(criteria)
                .await
                .map_err(|e| imap_error("search the folder", e))
        })
        .await?;
        let mut uids: Vec<u32> = uids.into_iter().collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// `UID FETCH` of the address header fields and `INTERNALDATE` of `uids`, in batches, each
    /// under the command time limit. Never a body.
    pub(crate) async fn fetch_headers(
        &mut self,
        uids: &[u32],
        mut each: impl FnMut(FetchedHeaders),
    ) -> Result<(), MailboxError> {
        let query = fetch_query();
        for batch in uids.chunks(FETCH_BATCH) {
            let set = uid_set(batch);
            let limit = self.command_timeout;
            let host = self.host.clone();
            let imap = &mut self.imap;
            let fetches = timed(&host, "reading message headers", limit, async {
                let stream = imap
                    .uid_fetch(&set, &query)
                    .await
                    .map_err(|e| imap_error("read the message headers", e))?;
                stream
                    .try_collect::<Vec<_>>()
                    .await
                    .map_err(|e| imap_error("read the message headers", e))
            })
            .await?;
            for fetch in &fetches {
                // A server may slip in unsolicited FETCH responses (a flag changed by another
                // client): only answers about the UIDs asked for, with the header, count.
                let asked = fetch
                    .uid
                    .is_some_and(|uid| batch.binary_search(&uid).is_ok());
                if let (true, Some(header)) = (asked, fetch.header()) {
                    each(FetchedHeaders {
                        internal_date: fetch.internal_date(),
                        header: header.to_vec(),
                    });
                }
            }
        }
        Ok(())
    }

    /// `LOGOUT`, politely and briefly: a server that does not answer is left to close the
    /// socket itself when it is dropped.
    pub(crate) async fn logout(mut self) {
        let limit = self.command_timeout.min(Duration::from_secs(5));
        let _ = tokio::time::timeout(limit, self.imap.logout()).await;
    }
}

/// The most a run may read from the server: 16 MiB for the conversation and the folder list,
/// plus, for each message it may fetch, the header cap and room for the FETCH line around it.
fn read_budget(limits: &Limits) -> u64 {
    16 * 1024 * 1024 + u64::from(limits.max_messages) * (u64::from(HEADER_BYTES_CAP) + 512)
}

/// What `UID FETCH` asks for: the arrival date and the address header fields, capped; `PEEK`
/// so nothing is marked as read; never `BODY[]`, `BODY[TEXT]` or `RFC822`.
fn fetch_query() -> String {
    format!(
        "(UID INTERNALDATE BODY.PEEK[HEADER.FIELDS (FROM SENDER REPLY-TO TO CC)]<0.{HEADER_BYTES_CAP}>)"
    )
}

/// Runs `fut` under `limit`, naming `step` in the timeout error.
async fn timed<T>(
    host: &str,
    step: &'static str,
    limit: Duration,
    fut: impl Future<Output = Result<T, MailboxError>>,
) -> Result<T, MailboxError> {
    match tokio::time::timeout(limit, fut).await {
        Ok(result) => result,
        Err(_) => Err(MailboxError::Timeout {
            host: host.to_string(),
            step,
            limit,
        }),
    }
}

/// Resolves the host and tries each address in turn; the first that accepts wins.
async fn connect_tcp(host: &str, port: u16) -> Result<TcpStream, MailboxError> {
    let addrs: Vec<_> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| MailboxError::UnknownHost { host: host.into() })?
        .collect();
    if addrs.is_empty() {
        return Err(MailboxError::UnknownHost { host: host.into() });
    }
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                // Commands are small and answered one at a time: send them at once.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    let e = last.expect("at least one address was tried");
    Err(match e.kind() {
        std::io::ErrorKind::ConnectionRefused => MailboxError::ConnectionRefused {
            host: host.into(),
            port,
        },
        _ => MailboxError::Connect {
            host: host.into(),
            port,
            reason: e.to_string(),
        },
    })
}

/// The first line the server sends: `* OK` (or `* PREAUTH`) to go on, `* BYE` to give up.
async fn read_greeting(client: &mut async_imap::Client<Stream>) -> Result<(), MailboxError> {
    let greeting = client
        .read_response()
        .await
        .map_err(|e| MailboxError::ConnectionLost {
            reason: e.to_string(),
        })?
        .ok_or_else(|| MailboxError::ConnectionLost {
            reason: "the server closed the connection before greeting".into(),
        })?;
    match greeting.parsed() {
        Response::Data {
            status: Status::Ok | Status::PreAuth,
            ..
        } => Ok(()),
        Response::Data {
            status: Status::Bye,
            outcome,
            ..
        } => Err(MailboxError::Server {
            step: "accept the connection",
            message: outcome
                .information
                .as_deref()
                .unwrap_or("it said goodbye")
                .to_string(),
        }),
        other => Err(MailboxError::Server {
            step: "greet this client",
            message: format!("unexpected greeting {other:?}"),
        }),
    }
}

/// Maps an IMAP library error met while doing `step`.
fn imap_error(step: &'static str, e: ImapError) -> MailboxError {
    match e {
        ImapError::Io(io) => MailboxError::ConnectionLost {
            reason: io.to_string(),
        },
        ImapError::ConnectionLost => MailboxError::ConnectionLost {
            reason: "the server closed the connection".into(),
        },
        ImapError::No(text) | ImapError::Bad(text) => MailboxError::Server {
            step,
            message: server_words(&text).unwrap_or_else(|| "it refused".into()),
        },
        other => MailboxError::Server {
            step,
            message: other.to_string(),
        },
    }
}

/// The human text of a NO/BAD as async-imap formats it (`code: …, info: Some("…")`).
fn server_words(text: &str) -> Option<String> {
    let info = text.split_once("info: Some(\"")?.1;
    let info = info.strip_suffix("\")").unwrap_or(info);
    let info = info.trim();
    (!info.is_empty()).then(|| info.replace("\\\"", "\""))
}

/// A compact UID set: `3:7,9,12:13`.
pub(crate) fn uid_set(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            end += 1;
            i += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_address_headers_are_fetched_never_a_body() {
        let query = fetch_query();
        assert!(query.contains("BODY.PEEK[HEADER.FIELDS (FROM SENDER REPLY-TO TO CC)]<0.16384>"));
        for body in ["BODY[]", "BODY.PEEK[]", "TEXT]", "RFC822", "BODY[HEADER]"] {
            assert!(!query.contains(body), "{query} asks for {body}");
        }
    }

    #[test]
    fn uid_sets_join_runs() {
        assert_eq!(uid_set(&[3, 4, 5, 6, 7, 9, 12, 13]), "3:7,9,12:13");
        assert_eq!(uid_set(&[1]), "1");
        assert_eq!(uid_set(&[]), "");
    }

    #[test]
    fn server_words_are_taken_from_the_library_text() {
        assert_eq!(
            server_words(
                r#"code: Some(AuthenticationFailed), info: Some("Authentication failed.")"#
            )
            .as_deref(),
            Some("Authentication failed.")
        );
        assert_eq!(server_words("code: None, info: None"), None);
    }
}
