//! The mail a test server starts with: fictional people, written as raw RFC 5322 headers.

use chrono::NaiveDate;

/// One message to put in the test mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestMessage {
    /// The folder, as IMAP lists it (`INBOX`, `Sent`, `取引先`); created when missing.
    pub folder: String,
    /// The arrival day (the server's `INTERNALDATE`, what SEARCH SINCE/BEFORE compare).
    pub arrived: NaiveDate,
    /// The whole message, CRLF line ends.
    pub raw: Vec<u8>,
}

impl TestMessage {
    /// A message in `folder` that arrived on `arrived` (`YYYY-MM-DD`), made of `headers` (one
    /// per line, e.g. `"From: Ken Sato <ken.sato@kitakaze.example>"`) and a short body.
    ///
    /// # Panics
    /// When `arrived` is not a `YYYY-MM-DD` date.
    pub fn new(folder: &str, arrived: &str, headers: &[&str]) -> TestMessage {
        let arrived: NaiveDate = arrived
            .parse()
            .unwrap_or_else(|e| panic!("test message date {arrived:?}: {e}"));
        let mut raw = String::new();
        for header in headers {
            raw.push_str(header);
            raw.push_str("\r\n");
        }
        if !headers
            .iter()
            .any(|h| h.to_ascii_lowercase().starts_with("date:"))
        {
            raw.push_str(&format!(
                "Date: {}\r\n",
                arrived.format("%a, %-d %b %Y 10:00:00 +0000")
            ));
        }
        raw.push_str("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
        raw.push_str("This body is never fetched by the mailbox crate.\r\n");
        TestMessage {
            folder: folder.to_string(),
            arrived,
            raw: raw.into_bytes(),
        }
    }
}

/// The standard test mailbox of [`TestMailServer::start`](super::TestMailServer::start): the
/// account `mina@rolo.test` with 11 messages in three folders. Every person is fictional and
/// every domain is under the reserved `.example` / `.test` names.
///
/// | folder | arrived | from | to / cc |
/// |---|---|---|---|
/// | INBOX | 2024-01-15 | Ken Sato `ken.sato@kitakaze.example` | mina; cc Aiko Mori `aiko.mori@kitakaze.example` |
/// | INBOX | 2024-02-20 | 山田 太郎 (UTF-8, B) `taro.yamada@yamato-shoji.example` | Mina `mina@rolo.test` |
/// | INBOX | 2024-03-05 | 佐藤 花子 (ISO-2022-JP, B) `hanako.sato@yamato-shoji.example` | mina; cc 山田 太郎 (UTF-8, Q) |
/// | INBOX | 2024-06-10 | Lena Fischer `lena@brightwater.example`, Reply-To `sales@brightwater.example` | mina |
/// | INBOX | 2024-09-01 | 北風商事 お知らせ `no-reply@kitakaze.example` | mina |
/// | INBOX | 2025-01-20 | Ken Sato `KEN.SATO@kitakaze.example` | mina, Omar Haddad `omar@cedar-labs.example` |
/// | INBOX | 2025-03-03 | Omar Haddad `omar@cedar-labs.example` | mina; cc `undisclosed-recipients:;` |
/// | INBOX | 2025-04-11 | 김민준 (UTF-8, B) `minjun.kim@hanbit.example` | mina |
/// | Sent | 2024-02-21 | Mina Park `mina@rolo.test` | 山田 太郎 `taro.yamada@yamato-shoji.example` |
/// | Sent | 2025-02-01 | Mina Park `mina@rolo.test` | Grace Okafor `grace@lagos-freight.example` |
/// | 取引先 | 2024-05-05 | 鈴木 一郎 (UTF-8, B) `ichiro.suzuki@fuji-seiki.example` | mina |
pub fn sample_messages() -> Vec<TestMessage> {
    vec![
        TestMessage::new(
            "INBOX",
            "2024-01-15",
            &[
                "From: Ken Sato <ken.sato@kitakaze.example>",
                "To: mina@rolo.test",
                "Cc: \"Aiko Mori\" <aiko.mori@kitakaze.example>",
                "Subject: Samples for the spring catalogue",
            ],
        ),
        TestMessage::new(
            "INBOX",
            "2024-02-20",
            &[
                "From: =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <taro.yamada@yamato-shoji.example>",
                "To: Mina <mina@rolo.test>",
                "Subject: =?UTF-8?B?44GU5oyo5ouz?=",
            ],
        ),
        TestMessage::new(
            "INBOX",
            "2024-03-05",
            &[
                "From: =?ISO-2022-JP?B?GyRCOjRGIxsoQiAbJEIyVjtSGyhC?= <hanako.sato@yamato-shoji.example>",
                "To: mina@rolo.test",
                "Cc: =?UTF-8?Q?=E5=B1=B1=E7=94=B0_=E5=A4=AA=E9=83=8E?= <taro.yamada@yamato-shoji.example>",
                "Subject: Quotation",
            ],
        ),
        TestMessage::new(
            "INBOX",
            "2024-06-10",
            &[
                "From: \"Lena Fischer\" <lena@brightwater.example>",
                "Reply-To: sales@brightwater.example",
                "To: mina@rolo.test",
                "Subject: Booth at the trade fair",
            ],
        ),
        TestMessage::new(
            "INBOX",
            "2024-09-01",
            &[
                "From: =?UTF-8?B?5YyX6aKo5ZWG5LqLIOOBiuefpeOCieOBmw==?= <no-reply@kitakaze.example>",
                "To: mina@rolo.test",
                "Subject: Newsletter",
            ],
        ),
        TestMessage::new(
            "INBOX",
            "2025-01-20",
            &[
                "From: Ken Sato <KEN.SATO@kitakaze.example>",
                "To: mina@rolo.test, \"Omar Haddad\" <omar@cedar-labs.example>",
                "Subject: Introduction",
            ],
        ),
        TestMessage::new(
            "INBOX",
            "2025-03-03",
            &[
                "From: Omar Haddad <omar@cedar-labs.example>",
                "To: mina@rolo.test",
                "Cc: undisclosed-recipients:;",
                "Subject: Follow-up",
            ],
        ),
        TestMessage::new(
            "INBOX",
            "2025-04-11",
            &[
                "From: =?UTF-8?B?6rmA66+87KSA?= <minjun.kim@hanbit.example>",
                "To: mina@rolo.test",
                "Subject: Seoul visit",
            ],
        ),
        TestMessage::new(
            "Sent",
            "2024-02-21",
            &[
                "From: Mina Park <mina@rolo.test>",
                "To: =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <taro.yamada@yamato-shoji.example>",
                "Subject: Re: greetings",
            ],
        ),
        TestMessage::new(
            "Sent",
            "2025-02-01",
            &[
                "From: Mina Park <mina@rolo.test>",
                "To: Grace Okafor <grace@lagos-freight.example>",
                "Subject: Shipping rates",
            ],
        ),
        TestMessage::new(
            "取引先",
            "2024-05-05",
            &[
                "From: =?UTF-8?B?6Yi05pyoIOS4gOmDjg==?= <ichiro.suzuki@fuji-seiki.example>",
                "To: mina@rolo.test",
                "Subject: Order 2024-118",
            ],
        ),
    ]
}
