//! Counting correspondents from message headers: pure, no I/O, so it is tested on bytes.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::NaiveDate;
use mail_parser::{Address, MessageParser};

use crate::{Correspondent, Role};

/// At most this many different display names are remembered per address (the best is kept
/// among them); a spammer's thousand spellings cannot grow memory without bound.
const NAMES_PER_ADDRESS: usize = 8;

/// The correspondents seen so far, one entry per lowercase address.
pub(crate) struct Tally {
    /// The account's own address, never reported (the user is not their own contact).
    own: Option<String>,
    /// Whether no-reply style addresses are left out (see [`is_automated`]).
    skip_automated: bool,
    /// Only messages with a From address in this domain (or a subdomain) are counted.
    sender_domain: Option<String>,
    /// The cap on distinct addresses; past it new addresses are not added.
    max_correspondents: usize,
    entries: HashMap<String, Seen>,
    /// Messages whose addresses were counted.
    pub(crate) messages_used: u32,
    /// Whether an address was left out because of `max_correspondents`.
    pub(crate) capped: bool,
}

struct Seen {
    names: Vec<NameSeen>,
    messages: u32,
    last_seen: NaiveDate,
    sender: bool,
    recipient: bool,
}

struct NameSeen {
    name: String,
    messages: u32,
    last_seen: NaiveDate,
}

/// What one message says about one address.
#[derive(Default)]
struct InMessage {
    name: Option<String>,
    /// Whether `name` came from a sender field (`From` first): then it is kept.
    name_from_sender: bool,
    sender: bool,
    recipient: bool,
}

impl Tally {
    pub(crate) fn new(
        own: Option<String>,
        skip_automated: bool,
        sender_domain: Option<String>,
        max_correspondents: usize,
    ) -> Tally {
        Tally {
            own: own.map(|o| o.to_lowercase()),
            skip_automated,
            sender_domain,
            max_correspondents,
            entries: HashMap::new(),
            messages_used: 0,
            capped: false,
        }
    }

    /// Counts the addresses of one message's header fields (`From`, `Sender`, `Reply-To`,
    /// `To`, `Cc`), received on `date`. Returns whether the message met the conditions.
    pub(crate) fn add_message(&mut self, header: &[u8], date: NaiveDate) -> bool {
        let Some(message) = MessageParser::new().parse_headers(header) else {
            return false;
        };
        if let Some(domain) = &self.sender_domain {
            // IMAP's SEARCH FROM is a substring match; the domain must be the address's own.
            let from_domain = message
                .from()
                .into_iter()
                .flat_map(Address::iter)
                .filter_map(|a| a.address().and_then(normalize_email))
                .any(|email| in_domain(&email, domain));
            if !from_domain {
                return false;
            }
        }
        let mut here: HashMap<String, InMessage> = HashMap::new();
        let senders = [message.from(), message.sender(), message.reply_to()];
        let recipients = [message.to(), message.cc()];
        for (is_sender, list) in senders
            .into_iter()
            .map(|l| (true, l))
            .chain(recipients.into_iter().map(|l| (false, l)))
        {
            for addr in list.into_iter().flat_map(Address::iter) {
                let Some(email) = addr.address().and_then(normalize_email) else {
                    continue;
                };
                if self.own.as_deref() == Some(email.as_str())
                    || (self.skip_automated && is_automated(&email))
                {
                    continue;
                }
                let name = addr.name().and_then(|n| clean_name(n, &email));
                let seen = here.entry(email).or_default();
                if is_sender {
                    seen.sender = true;
                } else {
                    seen.recipient = true;
                }
                // The From name is the person's own spelling; a Cc name is someone else's. The
                // first name from a sender field wins, else the first from a recipient field.
                if name.is_some() && (seen.name.is_none() || (is_sender && !seen.name_from_sender))
                {
                    seen.name = name;
                    seen.name_from_sender = is_sender;
                }
            }
        }
        let mut emails: Vec<_> = here.into_iter().collect();
        // A stable order, so which addresses a full cap keeps does not depend on hashing.
        emails.sort_by(|a, b| a.0.cmp(&b.0));
        for (email, what) in emails {
            self.count(email, what, date);
        }
        self.messages_used += 1;
        true
    }

    fn count(&mut self, email: String, what: InMessage, date: NaiveDate) {
        let room = self.entries.len() < self.max_correspondents;
        let seen = match self.entries.entry(email) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => {
                if !room {
                    self.capped = true;
                    return;
                }
                v.insert(Seen {
                    names: Vec::new(),
                    messages: 0,
                    last_seen: date,
                    sender: false,
                    recipient: false,
                })
            }
        };
        seen.messages += 1;
        seen.last_seen = seen.last_seen.max(date);
        seen.sender |= what.sender;
        seen.recipient |= what.recipient;
        if let Some(name) = what.name {
            if let Some(n) = seen.names.iter_mut().find(|n| n.name == name) {
                n.messages += 1;
                n.last_seen = n.last_seen.max(date);
            } else if seen.names.len() < NAMES_PER_ADDRESS {
                seen.names.push(NameSeen {
                    name,
                    messages: 1,
                    last_seen: date,
                });
            }
        }
    }

    /// The correspondents, most messages first, then by address.
    pub(crate) fn finish(self) -> Vec<Correspondent> {
        let mut out: Vec<Correspondent> = self
            .entries
            .into_iter()
            .map(|(email, seen)| {
                // The best name: seen on the most messages, then the most recent, then the
                // longest (fuller), then alphabetical so the choice is stable.
                let display_name = seen
                    .names
                    .into_iter()
                    .max_by(|a, b| {
                        (a.messages, a.last_seen, a.name.chars().count())
                            .cmp(&(b.messages, b.last_seen, b.name.chars().count()))
                            .then_with(|| b.name.cmp(&a.name))
                    })
                    .map(|n| n.name);
                Correspondent {
                    email,
                    display_name,
                    messages: seen.messages,
                    last_seen: seen.last_seen,
                    role: match (seen.sender, seen.recipient) {
                        (true, true) => Role::Both,
                        (true, false) => Role::Sender,
                        _ => Role::Recipient,
                    },
                }
            })
            .collect();
        out.sort_by(|a, b| {
            b.messages
                .cmp(&a.messages)
                .then_with(|| a.email.cmp(&b.email))
        });
        out
    }
}

/// An address as we store it: trimmed, lowercase, one `@` with something on both sides, no
/// spaces. Anything else (a group name, `undisclosed-recipients`, junk) is `None`.
pub(crate) fn normalize_email(raw: &str) -> Option<String> {
    let email = raw
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let ok = !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then_some(email)
}

/// Whether `email` is in `domain` or one of its subdomains (`domain` already lowercase).
pub(crate) fn in_domain(email: &str, domain: &str) -> bool {
    email.rsplit_once('@').is_some_and(|(_, d)| {
        d == domain
            || (d.len() > domain.len()
                && d.ends_with(domain)
                && d[..d.len() - domain.len()].ends_with('.'))
    })
}

/// The no-reply rule: an address is automated when its local part — lowercased, without a
/// `+tag`, with `.`, `-` and `_` removed — starts with `noreply`, `donotreply` or `bounce`,
/// or is `mailerdaemon` or `postmaster`. Such senders are machines, not contacts.
///
/// ```
/// use mailbox::is_automated;
///
/// assert!(is_automated("No.Reply+orders@shop.example"));
/// assert!(is_automated("MAILER-DAEMON@mx.example"));
/// assert!(!is_automated("norah@shop.example"));
/// ```
pub fn is_automated(email: &str) -> bool {
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    let local = local.split('+').next().unwrap_or_default();
    let squeezed: String = local
        .chars()
        .filter(|c| !matches!(c, '.' | '-' | '_'))
        .collect();
    ["noreply", "donotreply", "bounce"]
        .iter()
        .any(|p| squeezed.starts_with(p))
        || squeezed == "mailerdaemon"
        || squeezed == "postmaster"
}

/// A display name worth keeping: whitespace collapsed, outer quotes dropped, not empty and not
/// just the address again (`"ken@example.com" <ken@example.com>`).
fn clean_name(raw: &str, email: &str) -> Option<String> {
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = collapsed
        .trim_matches(|c| c == '"' || c == '\'')
        .trim()
        .to_string();
    if name.is_empty() || name.eq_ignore_ascii_case(email) || name.contains('@') {
        None
    } else {
        Some(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: &str) -> NaiveDate {
        d.parse().unwrap()
    }

    #[test]
    fn senders_and_recipients_are_counted_once_per_message() {
        let mut tally = Tally::new(Some("mina@rolo.test".into()), true, None, 100);
        let header = b"From: Ken Sato <Ken@Example.com>\r\n\
            Reply-To: ken@example.com\r\n\
            To: mina@rolo.test, \"Aiko Mori\" <aiko@example.org>\r\n\
            Cc: no-reply@example.com, aiko@example.org\r\n\r\n";
        assert!(tally.add_message(header, day("2024-04-01")));
        let header = b"From: mina@rolo.test\r\nTo: Ken <ken@example.com>\r\n\r\n";
        assert!(tally.add_message(header, day("2024-05-02")));
        let got = tally.finish();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].email, "ken@example.com");
        assert_eq!(got[0].messages, 2);
        assert_eq!(got[0].role, Role::Both);
        assert_eq!(got[0].last_seen, day("2024-05-02"));
        // Each name was seen on one message: the more recent one wins.
        assert_eq!(got[0].display_name.as_deref(), Some("Ken"));
        assert_eq!(got[1].email, "aiko@example.org");
        assert_eq!(got[1].messages, 1);
        assert_eq!(got[1].role, Role::Recipient);
        assert_eq!(got[1].display_name.as_deref(), Some("Aiko Mori"));
    }

    #[test]
    fn the_from_name_beats_other_spellings_in_the_same_message() {
        let mut tally = Tally::new(None, true, None, 100);
        let header = b"To: kenny <ken@example.com>\r\n\
            From: Ken Sato <ken@example.com>\r\n\
            Reply-To: Sales Desk <ken@example.com>\r\n\r\n";
        tally.add_message(header, day("2024-04-01"));
        assert_eq!(tally.finish()[0].display_name.as_deref(), Some("Ken Sato"));
    }

    #[test]
    fn encoded_names_are_decoded_and_the_most_used_one_wins() {
        let mut tally = Tally::new(None, true, None, 100);
        // "山田太郎" in UTF-8 base64, twice, and once plain ASCII.
        let utf8 = b"From: =?UTF-8?B?5bGx55Sw5aSq6YOO?= <taro@example.jp>\r\n\r\n";
        // "山田" in ISO-2022-JP, the classic Japanese mail charset.
        let jis = b"From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <taro@example.jp>\r\n\r\n";
        let plain = b"From: Taro Yamada <taro@example.jp>\r\n\r\n";
        tally.add_message(utf8, day("2024-01-01"));
        tally.add_message(jis, day("2024-01-02"));
        tally.add_message(plain, day("2024-01-03"));
        tally.add_message(utf8, day("2024-01-04"));
        let got = tally.finish();
        assert_eq!(got[0].display_name.as_deref(), Some("山田太郎"));
        assert_eq!(got[0].messages, 4);
        assert_eq!(got[0].role, Role::Sender);
    }

    #[test]
    fn the_sender_domain_must_be_the_from_address_own() {
        let mut tally = Tally::new(None, true, Some("example.com".into()), 100);
        assert!(!tally.add_message(b"From: a@notexample.com\r\n\r\n", day("2024-01-01")));
        assert!(!tally.add_message(b"From: a@example.com.evil.test\r\n\r\n", day("2024-01-01")));
        assert!(tally.add_message(b"From: a@sales.example.com\r\n\r\n", day("2024-01-01")));
        assert!(tally.add_message(b"From: b@EXAMPLE.com\r\n\r\n", day("2024-01-01")));
        assert_eq!(tally.messages_used, 2);
    }

    #[test]
    fn the_cap_keeps_known_addresses_counting() {
        let mut tally = Tally::new(None, true, None, 1);
        tally.add_message(b"From: a@x.test\r\n\r\n", day("2024-01-01"));
        tally.add_message(b"From: b@x.test\r\n\r\n", day("2024-01-01"));
        tally.add_message(b"From: a@x.test\r\n\r\n", day("2024-01-02"));
        assert!(tally.capped);
        let got = tally.finish();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].messages, 2);
    }

    #[test]
    fn automated_addresses_follow_the_documented_rule() {
        for a in [
            "noreply@x.test",
            "no-reply@x.test",
            "No_Reply+news@x.test",
            "do-not-reply@x.test",
            "donotreply@x.test",
            "bounces+123@x.test",
            "MAILER-DAEMON@x.test",
            "postmaster@x.test",
        ] {
            assert!(is_automated(a), "{a}");
        }
        for a in [
            "norah@x.test",
            "replies@x.test",
            "ken@noreply.test",
            "post@x.test",
        ] {
            assert!(!is_automated(a), "{a}");
        }
    }

    #[test]
    fn junk_addresses_and_names_are_dropped() {
        assert_eq!(normalize_email(" <A@B.test> ").as_deref(), Some("a@b.test"));
        assert_eq!(normalize_email("undisclosed-recipients"), None);
        assert_eq!(normalize_email("a@@b"), None);
        assert_eq!(normalize_email("a b@c.test"), None);
        assert_eq!(
            clean_name("  'Ken   Sato' ", "k@x.test").as_deref(),
            Some("Ken Sato")
        );
        assert_eq!(clean_name("k@x.test", "k@x.test"), None);
        assert_eq!(clean_name("\"\"", "k@x.test"), None);
    }
}
