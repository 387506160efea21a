//! Stories against a real Dovecot (Debian's `dovecot-imapd`) started by `mailbox::testing`,
//! seeded with `sample_messages()` (the table in its documentation says who wrote to whom).

use mailbox::testing::{PASSWORD, TestMailServer, TestMessage, USER, unrelated_ca_pem};
use mailbox::{Account, Collection, Conditions, Correspondent, Limits, Role};

fn day(d: &str) -> chrono::NaiveDate {
    d.parse().unwrap()
}

async fn collect(server: &TestMailServer, conditions: &Conditions) -> Collection {
    mailbox::correspondents(&server.account(), conditions, &Limits::default())
        .await
        .unwrap_or_else(|e| panic!("{e}\nDovecot's log:\n{}", server.log()))
}

fn emails(found: &Collection) -> Vec<&str> {
    let mut emails: Vec<&str> = found
        .correspondents
        .iter()
        .map(|c| c.email.as_str())
        .collect();
    emails.sort_unstable();
    emails
}

fn person<'a>(found: &'a Collection, email: &str) -> &'a Correspondent {
    found
        .correspondents
        .iter()
        .find(|c| c.email == email)
        .unwrap_or_else(|| panic!("{email} not among {:?}", emails(found)))
}

#[tokio::test]
async fn folders_are_listed_inbox_first_with_japanese_names_decoded() {
    let server = TestMailServer::start();
    let folders = mailbox::folders(&server.account(), &Limits::default())
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", server.log()));
    assert_eq!(folders, ["INBOX", "Sent", "取引先"]);
}

#[tokio::test]
async fn the_whole_inbox_gives_each_person_once_without_the_owner_or_no_reply() {
    let server = TestMailServer::start();
    let found = collect(&server, &Conditions::folder("INBOX")).await;
    assert_eq!(
        emails(&found),
        [
            "aiko.mori@kitakaze.example",
            "hanako.sato@yamato-shoji.example",
            "ken.sato@kitakaze.example",
            "lena@brightwater.example",
            "minjun.kim@hanbit.example",
            "omar@cedar-labs.example",
            "sales@brightwater.example",
            "taro.yamada@yamato-shoji.example",
        ]
    );
    assert_eq!(found.messages_found, 8);
    assert_eq!(found.messages_read, 8);
    assert_eq!(found.messages_used, 8);
    assert!(!found.truncated);

    let ken = person(&found, "ken.sato@kitakaze.example");
    assert_eq!(ken.messages, 2, "the upper-case address is the same person");
    assert_eq!(ken.display_name.as_deref(), Some("Ken Sato"));
    assert_eq!(ken.last_seen, day("2025-01-20"));
    assert_eq!(ken.role, Role::Sender);
    // Omar was written to (with Ken's introduction), then wrote.
    let omar = person(&found, "omar@cedar-labs.example");
    assert_eq!((omar.messages, omar.role), (2, Role::Both));
    assert_eq!(
        person(&found, "aiko.mori@kitakaze.example").role,
        Role::Recipient
    );
    // Reply-To counts as a sender.
    assert_eq!(
        person(&found, "sales@brightwater.example").role,
        Role::Sender
    );
    // Most messages first.
    assert!(found.correspondents[0].messages >= found.correspondents[1].messages);
}

#[tokio::test]
async fn encoded_japanese_and_korean_names_are_decoded() {
    let server = TestMailServer::start();
    let found = collect(&server, &Conditions::folder("INBOX")).await;
    // UTF-8 base64 in From, UTF-8 quoted-printable in Cc: the same name, twice.
    let taro = person(&found, "taro.yamada@yamato-shoji.example");
    assert_eq!(taro.display_name.as_deref(), Some("山田 太郎"));
    assert_eq!((taro.messages, taro.role), (2, Role::Both));
    // ISO-2022-JP, the classic charset of Japanese mail.
    let hanako = person(&found, "hanako.sato@yamato-shoji.example");
    assert_eq!(hanako.display_name.as_deref(), Some("佐藤 花子"));
    assert_eq!(
        person(&found, "minjun.kim@hanbit.example")
            .display_name
            .as_deref(),
        Some("김민준")
    );
}

#[tokio::test]
async fn a_date_range_keeps_only_the_messages_that_arrived_in_it() {
    let server = TestMailServer::start();
    let conditions = Conditions {
        since: Some(day("2025-01-20")),
        before: Some(day("2025-04-11")),
        ..Conditions::folder("INBOX")
    };
    let found = collect(&server, &conditions).await;
    // 2025-01-20 is in (since is inclusive), 2025-04-11 is out (before is exclusive).
    assert_eq!(
        emails(&found),
        ["ken.sato@kitakaze.example", "omar@cedar-labs.example"]
    );
    assert_eq!(found.messages_found, 2);
    assert_eq!(person(&found, "omar@cedar-labs.example").messages, 2);
}

#[tokio::test]
async fn a_sender_domain_keeps_its_messages_and_everyone_on_them() {
    let server = TestMailServer::start();
    let conditions = Conditions {
        sender_domain: Some("yamato-shoji.example".into()),
        ..Conditions::folder("INBOX")
    };
    let found = collect(&server, &conditions).await;
    assert_eq!(
        emails(&found),
        [
            "hanako.sato@yamato-shoji.example",
            "taro.yamada@yamato-shoji.example"
        ]
    );
    assert_eq!(found.messages_used, 2);

    // Ken's domain: his two messages, and Omar because Ken wrote to him; Aiko was on Cc.
    let conditions = Conditions {
        sender_domain: Some("@kitakaze.example".into()),
        ..Conditions::folder("INBOX")
    };
    let found = collect(&server, &conditions).await;
    assert_eq!(
        emails(&found),
        [
            "aiko.mori@kitakaze.example",
            "ken.sato@kitakaze.example",
            "omar@cedar-labs.example"
        ]
    );
}

#[tokio::test]
async fn no_reply_senders_come_back_when_asked_for() {
    let server = TestMailServer::start();
    let conditions = Conditions {
        keep_automated: true,
        since: Some(day("2024-09-01")),
        before: Some(day("2024-09-02")),
        ..Conditions::folder("INBOX")
    };
    let found = collect(&server, &conditions).await;
    assert_eq!(emails(&found), ["no-reply@kitakaze.example"]);
    assert_eq!(
        found.correspondents[0].display_name.as_deref(),
        Some("北風商事 お知らせ")
    );
}

#[tokio::test]
async fn other_folders_are_read_by_their_decoded_names() {
    let server = TestMailServer::start();
    let sent = collect(&server, &Conditions::folder("Sent")).await;
    assert_eq!(
        emails(&sent),
        [
            "grace@lagos-freight.example",
            "taro.yamada@yamato-shoji.example"
        ]
    );
    assert!(
        sent.correspondents
            .iter()
            .all(|c| c.role == Role::Recipient)
    );
    let partners = collect(&server, &Conditions::folder("取引先")).await;
    assert_eq!(
        partners.correspondents[0].display_name.as_deref(),
        Some("鈴木 一郎")
    );
}

#[tokio::test]
async fn the_message_cap_reads_the_newest_and_says_so() {
    let server = TestMailServer::start();
    let limits = Limits {
        max_messages: 2,
        ..Limits::default()
    };
    let found = mailbox::correspondents(&server.account(), &Conditions::folder("INBOX"), &limits)
        .await
        .unwrap();
    assert_eq!((found.messages_found, found.messages_read), (8, 2));
    assert!(found.truncated);
    // The two newest: Omar's follow-up and Min-jun's visit.
    assert_eq!(
        emails(&found),
        ["minjun.kim@hanbit.example", "omar@cedar-labs.example"]
    );
}

#[tokio::test]
async fn a_message_delivered_while_running_is_found() {
    let server = TestMailServer::start_with(&[]);
    assert!(
        collect(&server, &Conditions::folder("INBOX"))
            .await
            .correspondents
            .is_empty()
    );
    // Two on the same day: each is a file of its own.
    for from in [
        "From: Nadia Petrova <nadia@volga-tools.example>",
        "From: Pavel Orlov <pavel@volga-tools.example>",
    ] {
        let message = TestMessage::new("INBOX", "2025-06-01", &[from, "To: mina@rolo.test"]);
        server.deliver(&message).unwrap();
    }
    let found = collect(&server, &Conditions::folder("INBOX")).await;
    assert_eq!(
        emails(&found),
        ["nadia@volga-tools.example", "pavel@volga-tools.example"]
    );
    assert_eq!(found.correspondents[0].last_seen, day("2025-06-01"));
}

#[tokio::test]
async fn a_wrong_password_is_bad_credentials() {
    let server = TestMailServer::start();
    let account = Account {
        password: format!("{PASSWORD} but wrong"),
        ..server.account()
    };
    let err = mailbox::folders(&account, &Limits::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "bad_credentials", "{err}");
    assert!(
        err.to_string()
            .starts_with("The mail server refused the user name or password")
    );
    assert!(!err.to_string().contains(PASSWORD));
}

#[tokio::test]
async fn an_unknown_user_is_bad_credentials_too() {
    let server = TestMailServer::start();
    let account = Account {
        username: format!("someone-else-{USER}"),
        ..server.account()
    };
    let err = mailbox::folders(&account, &Limits::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "bad_credentials", "{err}");
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_a_tls_error() {
    let server = TestMailServer::start();
    for extra_ca_pem in [Some(unrelated_ca_pem()), None] {
        let account = Account {
            extra_ca_pem,
            ..server.account()
        };
        let err = mailbox::folders(&account, &Limits::default())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "tls", "{err}");
        assert!(err.to_string().contains("not trusted"), "{err}");
    }
}

#[tokio::test]
async fn localhost_works_as_well_as_the_ip_address() {
    let server = TestMailServer::start();
    // The certificate names both; localhost may resolve to ::1 first, where Dovecot does not
    // listen, and the next address is tried.
    let account = Account {
        host: "localhost".into(),
        ..server.account()
    };
    let folders = mailbox::folders(&account, &Limits::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(folders[0], "INBOX");
}

#[tokio::test]
async fn a_missing_folder_is_named_in_the_error() {
    let server = TestMailServer::start();
    let err = mailbox::correspondents(
        &server.account(),
        &Conditions::folder("Clients 2019"),
        &Limits::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "no_such_folder", "{err}");
    assert_eq!(
        err.to_string(),
        "There is no folder \"Clients 2019\" in this mailbox."
    );
}

#[tokio::test]
async fn a_closed_port_is_connection_refused() {
    // A socket bound but not listening holds the port (no other test's server can take it)
    // and refuses connections.
    let closed = tokio::net::TcpSocket::new_v4().unwrap();
    closed.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = closed.local_addr().unwrap().port();
    let account = Account {
        port,
        ..Account::new("127.0.0.1", USER, PASSWORD)
    };
    let err = mailbox::folders(&account, &Limits::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "connection_refused", "{err}");
    assert!(err.to_string().contains(&port.to_string()));
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    // A listener that accepts connections and says nothing.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let account = Account {
        port,
        ..Account::new("127.0.0.1", USER, PASSWORD)
    };
    let limits = Limits {
        connect_timeout: std::time::Duration::from_millis(300),
        ..Limits::default()
    };
    let err = mailbox::folders(&account, &limits).await.unwrap_err();
    assert_eq!(err.code(), "timeout", "{err}");
    assert!(err.to_string().contains("connecting"), "{err}");
}

#[tokio::test]
async fn a_large_folder_is_read_in_batches_with_every_message_counted() {
    // 450 messages (three FETCH batches of 200) from 150 people, three each, on three days.
    let messages: Vec<TestMessage> = (0..450)
        .map(|n| {
            let person = n % 150;
            let day = format!("2024-07-{:02}", 1 + n / 150);
            TestMessage::new(
                "INBOX",
                &day,
                &[
                    &format!("From: Person {person} <person{person}@batch.example>"),
                    "To: mina@rolo.test",
                ],
            )
        })
        .collect();
    let server = TestMailServer::start_with(&messages);
    let found = collect(&server, &Conditions::folder("INBOX")).await;
    assert_eq!(
        (
            found.messages_found,
            found.messages_read,
            found.messages_used
        ),
        (450, 450, 450)
    );
    assert_eq!(found.correspondents.len(), 150);
    for person in &found.correspondents {
        let number = person
            .email
            .strip_prefix("person")
            .and_then(|rest| rest.strip_suffix("@batch.example"))
            .unwrap_or_else(|| panic!("unexpected {}", person.email));
        assert_eq!(person.messages, 3, "{}", person.email);
        assert_eq!(person.last_seen, day("2024-07-03"));
        assert_eq!(person.display_name, Some(format!("Person {number}")));
    }
}
