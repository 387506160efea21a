//! The account: where the mailbox is and how to log in.

use std::fmt;

use crate::{MailboxError, tally};

/// The port of IMAP over TLS (RFC 8314).
pub const DEFAULT_PORT: u16 = 993;

/// Where the mailbox is and whose it is. The password is used for `LOGIN` and nothing else:
/// it is never stored, logged or shown by `Debug`.
#[derive(Clone)]
pub struct Account {
    /// The server's host name (or IP address); the certificate must be valid for it.
    pub host: String,
    /// The port of IMAP over TLS, [`DEFAULT_PORT`] unless the provider says otherwise.
    pub port: u16,
    /// The IMAP user name, usually the email address.
    pub username: String,
    /// The password (or app password).
    pub password: String,
    /// Extra CA certificates (PEM) to trust besides the system's: a company CA, or a test
    /// server's self-signed one.
    pub extra_ca_pem: Option<Vec<u8>>,
}

impl Account {
    /// An account on `host`, port 993, trusting the system's CAs.
    pub fn new(
        host: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Account {
        Account {
            host: host.into(),
            port: DEFAULT_PORT,
            username: username.into(),
            password: password.into(),
            extra_ca_pem: None,
        }
    }

    /// The host to resolve and to check the certificate against: trimmed, and an IPv6 address
    /// without the brackets a user may type around it (`[2001:db8::1]`).
    pub(crate) fn connect_host(&self) -> &str {
        let host = self.host.trim();
        host.strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
    }

    /// The user's own address, when the user name is one: left out of the correspondents.
    pub(crate) fn own_address(&self) -> Option<String> {
        tally::normalize_email(&self.username)
    }

    pub(crate) fn validate(&self) -> Result<(), MailboxError> {
        let invalid = |reason: &str| {
            Err(MailboxError::InvalidAccount {
                reason: reason.to_string(),
            })
        };
        if self.connect_host().is_empty() {
            return invalid("Give the mail server's name (for example imap.example.com).");
        }
        if self.port == 0 {
            return invalid("The port must be between 1 and 65535 (IMAP over TLS is 993).");
        }
        if self.username.is_empty() || self.password.is_empty() {
            return invalid("Give the user name and the password of the mailbox.");
        }
        Ok(())
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .field(
                "extra_ca_pem",
                &self
                    .extra_ca_pem
                    .as_ref()
                    .map(|p| format!("{} bytes", p.len())),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_trimmed_and_ipv6_brackets_dropped() {
        let host = |h: &str| Account::new(h, "u", "p").connect_host().to_string();
        assert_eq!(host(" imap.example.com "), "imap.example.com");
        assert_eq!(host("[2001:db8::1]"), "2001:db8::1");
        assert_eq!(host("::1"), "::1");
        assert_eq!(
            Account::new(" [] ", "u", "p")
                .validate()
                .unwrap_err()
                .code(),
            "invalid_account"
        );
    }

    #[test]
    fn the_password_stays_out_of_debug() {
        let account = Account::new("imap.example.com", "mina@example.com", "hunter2");
        assert!(!format!("{account:?}").contains("hunter2"));
    }
}
