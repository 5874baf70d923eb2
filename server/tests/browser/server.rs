//! The other side of the browser tests: the server (in-process, restartable on the same
//! address and database) and a user who talks HTTP and WebSocket directly, as the terminal
//! client does. The browsers themselves are in `support.rs`.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use reqwest::cookie::{CookieStore, Jar};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::COOKIE;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::support::{POLL, TIMEOUT};

/// A password every rule accepts.
pub const PASSWORD: &str = "quiet-harbour-lantern-42";

/// The chat server with its own SQLite file; it can be stopped and started again on the same
/// address, which is how a page's socket loses its server in these tests.
pub struct TestServer {
    server: Option<chat_server::Server>,
    addr: std::net::SocketAddr,
    database_url: String,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> TestServer {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let database_url = format!("sqlite://{}", dir.path().join("chat.db").display());
        let server = chat_server::start(chat_server::Config::for_tests(&database_url))
            .await
            .expect("the server starts");
        TestServer {
            addr: server.addr(),
            server: Some(server),
            database_url,
            _dir: dir,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url())
    }

    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("the server stops cleanly");
        }
    }

    /// Starts again on the same address with the same database.
    pub async fn restart(&mut self) {
        assert!(
            self.server.is_none(),
            "stop the server before restarting it"
        );
        let mut config = chat_server::Config::for_tests(&self.database_url);
        config.bind = self.addr.to_string();
        // The old listener's port may take a moment to be free again.
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        let mut poll = tokio::time::interval(POLL);
        let server = loop {
            poll.tick().await;
            match chat_server::start(config.clone()).await {
                Ok(server) => break server,
                Err(e) if tokio::time::Instant::now() > deadline => {
                    panic!("the server did not start again on {}: {e:#}", self.addr)
                }
                Err(_) => {}
            }
        };
        self.server = Some(server);
    }
}

/// A user that speaks HTTP with a cookie jar and the WebSocket protocol, without a browser.
pub struct HttpUser {
    client: reqwest::Client,
    jar: Arc<Jar>,
    base: String,
    pub nickname: String,
}

impl HttpUser {
    /// Registers `nickname` (email `<nickname>@example.com`) and logs in, through the same
    /// endpoints and CSRF dance as a browser.
    pub async fn register_and_log_in(base: &str, nickname: &str) -> HttpUser {
        let user = HttpUser::register(base, nickname).await;
        let token = user.csrf_token().await;
        let response = user
            .client
            .post(format!("{base}/accounts/login/"))
            .header("Accept", "application/json")
            .form(&[
                ("username", format!("{nickname}@example.com")),
                ("password", PASSWORD.to_owned()),
                ("csrfmiddlewaretoken", token),
            ])
            .send()
            .await
            .expect("login request");
        assert_eq!(response.status(), 200, "{nickname} logs in");
        user
    }

    /// Registers `nickname` without logging in.
    pub async fn register(base: &str, nickname: &str) -> HttpUser {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .build()
            .expect("an HTTP client");
        let user = HttpUser {
            client,
            jar,
            base: base.to_owned(),
            nickname: nickname.to_owned(),
        };
        let token = user.csrf_token().await;
        let response = user
            .client
            .post(format!("{base}/accounts/register/"))
            .header("Accept", "application/json")
            .form(&[
                ("email", format!("{nickname}@example.com")),
                ("nickname", nickname.to_owned()),
                ("password1", PASSWORD.to_owned()),
                ("password2", PASSWORD.to_owned()),
                ("csrfmiddlewaretoken", token.clone()),
            ])
            .send()
            .await
            .expect("register request");
        assert_eq!(response.status(), 201, "{nickname} registers");
        user
    }

    fn cookie(&self, name: &str) -> Option<String> {
        let url = self.base.parse().expect("the server URL parses");
        let header = self.jar.cookies(&url)?;
        header.to_str().ok()?.split("; ").find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
    }

    /// The CSRF token, reading a page first when the jar has none yet.
    async fn csrf_token(&self) -> String {
        if let Some(token) = self.cookie("csrftoken") {
            return token;
        }
        self.client
            .get(format!("{}/accounts/login/", self.base))
            .send()
            .await
            .expect("the login page loads");
        self.cookie("csrftoken")
            .expect("a page sets the csrftoken cookie")
    }

    /// Creates a room through the JSON API and returns its id.
    pub async fn create_room(&self, title: &str) -> i64 {
        let token = self.csrf_token().await;
        let response = self
            .client
            .post(format!("{}/chat/create/", self.base))
            .header("Accept", "application/json")
            .header("X-CSRFToken", token)
            .form(&[("title", title)])
            .send()
            .await
            .expect("create request");
        assert_eq!(
            response.status(),
            201,
            "{} creates {title:?}",
            self.nickname
        );
        let body: Value = response.json().await.expect("a JSON room");
        body["room"]["id"].as_i64().expect("the room has an id")
    }

    /// Opens the room's socket with this user's session cookie and reads the welcome frame.
    pub async fn connect(&self, room_id: i64) -> RoomSocket {
        let session = self.cookie("sessionid").expect("logged in");
        let url = format!("{}/ws/chat/{room_id}/", self.base.replacen("http", "ws", 1));
        let mut request = url.into_client_request().expect("a WebSocket request");
        request.headers_mut().insert(
            COOKIE,
            format!("sessionid={session}")
                .parse()
                .expect("a cookie header"),
        );
        let (ws, _) = tokio::time::timeout(TIMEOUT, tokio_tungstenite::connect_async(request))
            .await
            .expect("the socket opens in time")
            .expect("the socket opens");
        let mut socket = RoomSocket {
            ws,
            messages: BTreeMap::new(),
            who: self.nickname.clone(),
        };
        let welcome = socket.next_frame().await;
        assert_eq!(welcome["type"], "welcome", "the first frame is a welcome");
        for message in welcome["history"].as_array().expect("a history") {
            socket.record(message);
        }
        socket
    }
}

/// One open room socket, and every message it has seen (welcome history and live frames).
pub struct RoomSocket {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Messages by id: a duplicate id would be the same message, so bodies are counted too.
    messages: BTreeMap<i64, Value>,
    who: String,
}

impl RoomSocket {
    fn record(&mut self, message: &Value) {
        let id = message["id"].as_i64().expect("a message id");
        if let Some(previous) = self.messages.insert(id, message.clone()) {
            panic!("{}: message {id} delivered twice: {previous}", self.who);
        }
    }

    async fn next_frame(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(TIMEOUT, self.ws.next())
                .await
                .unwrap_or_else(|_| panic!("{}: no frame within {TIMEOUT:?}", self.who))
                .unwrap_or_else(|| panic!("{}: the socket closed", self.who))
                .unwrap_or_else(|e| panic!("{}: socket error: {e}", self.who));
            if let WsMessage::Text(text) = frame {
                return serde_json::from_str(text.as_str()).expect("frames are JSON");
            }
        }
    }

    /// Posts a message.
    pub async fn send(&mut self, body: &str) {
        let frame = json!({ "type": "send", "body": body }).to_string();
        self.ws
            .send(WsMessage::text(frame))
            .await
            .expect("the frame is sent");
    }

    /// Reads frames until a message with `body` has been seen (maybe already in the welcome).
    pub async fn wait_for_message(&mut self, body: &str) {
        while self.count(body) == 0 {
            let frame = self.next_frame().await;
            if frame["type"] == "message" {
                self.record(&frame);
            }
        }
    }

    /// How many stored messages this socket has seen with `body`.
    pub fn count(&self, body: &str) -> usize {
        self.messages.values().filter(|m| m["body"] == body).count()
    }
}
