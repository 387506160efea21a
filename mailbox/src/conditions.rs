//! The conditions: which messages of a folder to read, and how they become one IMAP search.

use chrono::NaiveDate;

use crate::MailboxError;

/// Which messages to read the addresses of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conditions {
    /// The folder, as [`folders`](crate::folders) lists it (decoded; e.g. `INBOX`, `Sent`, `受信箱`).
    pub folder: String,
    /// Messages that arrived on or after this day.
    pub since: Option<NaiveDate>,
    /// Messages that arrived before this day (exclusive).
    pub before: Option<NaiveDate>,
    /// Messages whose `From` address is in this domain or a subdomain of it (ASCII or
    /// punycode, e.g. `example.com`; a leading `@` is allowed).
    pub sender_domain: Option<String>,
    /// Keep no-reply style addresses (see [`is_automated`](crate::is_automated)); left out by default.
    pub keep_automated: bool,
}

impl Conditions {
    /// Every message of `folder`.
    pub fn folder(folder: impl Into<String>) -> Conditions {
        Conditions {
            folder: folder.into(),
            since: None,
            before: None,
            sender_domain: None,
            keep_automated: false,
        }
    }

    /// The sender domain, checked and lowercased, without a leading `@`.
    pub(crate) fn domain(&self) -> Result<Option<String>, MailboxError> {
        let Some(raw) = &self.sender_domain else {
            return Ok(None);
        };
        let domain = raw.trim().trim_start_matches('@').to_ascii_lowercase();
        if domain.is_empty() {
            return Ok(None);
        }
        let labels_ok = domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        if !labels_ok || domain.len() > 253 {
            return Err(MailboxError::InvalidConditions {
                reason: format!(
                    "\"{raw}\" is not a domain name: write it like example.com (an \
                     international domain in its xn-- form)."
                ),
            });
        }
        Ok(Some(domain))
    }

    /// The `UID SEARCH` criteria for the server.
    pub(crate) fn search_criteria(&self, domain: Option<&str>) -> Result<String, MailboxError> {
        if let (Some(since), Some(before)) = (self.since, self.before)
            && before <= since
        {
            return Err(MailboxError::InvalidConditions {
                reason: format!(
                    "The end date ({before}) must come after the start date ({since})."
                ),
            });
        }
        let mut criteria = String::from("ALL");
        if let Some(since) = self.since {
            criteria.push_str(&format!(" SINCE {}", imap_date(since)));
        }
        if let Some(before) = self.before {
            criteria.push_str(&format!(" BEFORE {}", imap_date(before)));
        }
        if let Some(domain) = domain {
            // Checked above: letters, digits, dots and hyphens, safe inside quotes.
            criteria.push_str(&format!(" FROM \"{domain}\""));
        }
        Ok(criteria)
    }
}

/// IMAP's date form, `1-Feb-2024`.
fn imap_date(day: NaiveDate) -> String {
    day.format("%-d-%b-%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_become_one_server_search() {
        let c = Conditions {
            since: "2024-02-01".parse().ok(),
            before: "2024-03-15".parse().ok(),
            sender_domain: Some(" @Example.COM ".into()),
            ..Conditions::folder("INBOX")
        };
        let domain = c.domain().unwrap();
        assert_eq!(domain.as_deref(), Some("example.com"));
        assert_eq!(
            c.search_criteria(domain.as_deref()).unwrap(),
            "ALL SINCE 1-Feb-2024 BEFORE 15-Mar-2024 FROM \"example.com\""
        );
    }

    #[test]
    fn bad_conditions_are_refused_before_connecting() {
        let c = Conditions {
            sender_domain: Some("exa mple\".com".into()),
            ..Conditions::folder("INBOX")
        };
        assert_eq!(c.domain().unwrap_err().code(), "invalid_conditions");
        let c = Conditions {
            since: "2024-03-01".parse().ok(),
            before: "2024-03-01".parse().ok(),
            ..Conditions::folder("INBOX")
        };
        assert_eq!(
            c.search_criteria(None).unwrap_err().code(),
            "invalid_conditions"
        );
    }
}
