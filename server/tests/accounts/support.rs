//! The harness of the accounts stories: a server on a real socket with its own database, and
//! a small HTTP/1.1 client that speaks JSON to it.

use std::net::SocketAddr;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const PASSWORD: &str = "correct horse battery";

/// A running server and the directory holding its database.
pub struct TestServer {
    /// Where it listens.
    pub address: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _data: tempfile::TempDir,
}

/// A response: its status and its JSON body (`null` when empty).
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status code.
    pub status: u16,
    /// The JSON body.
    pub body: Value,
}

impl Answer {
    /// The body's field `name` as text.
    pub fn text(&self, name: &str) -> String {
        match self.body[name].as_str() {
            Some(text) => text.to_string(),
            None => panic!("no text field {name:?} in {self:?}"),
        }
    }

    /// Assert the answer is an API error with this status and code; return it for more checks.
    pub fn refused(&self, status: u16, code: &str) -> &Self {
        assert_eq!(
            (self.status, self.body["code"].as_str()),
            (status, Some(code)),
            "{self:?}"
        );
        self
    }
}

/// Who is logged in on one device.
#[derive(Debug, Clone)]
pub struct Session {
    /// The member, as the API writes ids.
    pub member: String,
    /// This device.
    pub device: String,
    /// Its access token.
    pub access_token: String,
    /// Its refresh token.
    pub refresh_token: String,
}

impl Session {
    pub fn from(answer: &Answer) -> Self {
        assert!(answer.status == 200 || answer.status == 201, "{answer:?}");
        Self {
            member: answer.text("member"),
            device: answer.text("device"),
            access_token: answer.text("access_token"),
            refresh_token: answer.text("refresh_token"),
        }
    }
}

impl TestServer {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let address = listener.local_addr().expect("has an address");
        let data = tempfile::tempdir().expect("temporary directory");
        let config = server::Config {
            listen: address,
            database_url: format!("sqlite://{}", data.path().join("rolo.db").display()),
            ..server::Config::default()
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server::run(config, listener, async {
            // Either a stop signal or the sender dropped: both mean stop.
            let _ = stopped.await;
        }));
        Self {
            address,
            stop,
            task,
            _data: data,
        }
    }

    pub async fn stop(self) {
        self.stop.send(()).expect("the server is running");
        self.task
            .await
            .expect("the server task finishes")
            .expect("the server stops cleanly");
    }

    /// One HTTP/1.1 request on its own connection.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut stream = tokio::net::TcpStream::connect(self.address)
            .await
            .expect("connects");
        let body = body.map(|body| body.to_string()).unwrap_or_default();
        let authorization = token
            .map(|token| format!("Authorization: Bearer {token}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{authorization}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.expect("writes");
        let mut response = String::new();
        stream.read_to_string(&mut response).await.expect("reads");
        let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
        let status_code = head.split(' ').nth(1).expect("a status line");
        let status = status_code.parse().expect("a numeric status");
        let body = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(body).expect("a JSON body")
        };
        Answer { status, body }
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        self.call("POST", path, token, Some(body)).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call("GET", path, Some(token), None).await
    }

    pub async fn signup(&self, company: &str, email: &str) -> Session {
        let body = json!({
            "company": company, "name": "Owner", "email": email, "password": PASSWORD,
            "region": "JP", "device_name": "owner phone",
        });
        let answer = self.post("/v1/signup", None, body).await;
        assert_eq!(answer.status, 201, "{answer:?}");
        Session::from(&answer)
    }

    pub async fn login(&self, email: &str, password: &str, device_name: &str) -> Answer {
        self.post(
            "/v1/login",
            None,
            json!({ "email": email, "password": password, "device_name": device_name }),
        )
        .await
    }

    /// As `inviter`, invite `email` with `role`; the answer carries the code.
    pub async fn invite(&self, inviter: &Session, email: &str, role: &str) -> Answer {
        self.post(
            "/v1/members",
            Some(&inviter.access_token),
            json!({ "email": email, "name": email, "role": role }),
        )
        .await
    }

    pub async fn accept(&self, email: &str, code: &str) -> Answer {
        let body = json!({ "email": email, "invite_code": code, "password": PASSWORD, "device_name": "phone" });
        self.post("/v1/invitations/accept", None, body).await
    }

    /// Invite `email` as `role` and accept: the new member's first session.
    pub async fn add_member(&self, inviter: &Session, email: &str, role: &str) -> Session {
        let invited = self.invite(inviter, email, role).await;
        assert_eq!(invited.status, 201, "{invited:?}");
        Session::from(&self.accept(email, &invited.text("invite_code")).await)
    }

    pub async fn refresh(&self, refresh_token: &str) -> Answer {
        self.post("/v1/token", None, json!({ "refresh_token": refresh_token }))
            .await
    }
}
