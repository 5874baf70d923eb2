//! Property-style fuzzing of the room socket (CONTRACT.md "WebSocket"): thousands of random,
//! mutated and malformed frames thrown at one live connection of a real server.
//!
//! What must hold, whatever arrives: the server never drops the connection over a bad frame,
//! answers every rejected frame with exactly one `error` frame (in order, with the code the
//! shared crate's parser and validators give), acknowledges every valid `send` with its own
//! `message` frame, answers every valid `history` request, and keeps serving everybody else.
//! Only a frame over `MAX_CLIENT_FRAME_BYTES` ends a connection, and only that one.
//!
//! The generator is a seeded `StdRng`: `FUZZ_FRAMES_SEED=<n>` replays a run, and
//! `FUZZ_FRAMES_COUNT=<n>` changes its length (3000 by default). Each run prints its counts.
//! SQLite by default; `TEST_DATABASE_URL=postgres://…` runs it on a fresh Postgres database.

#[path = "api/helpers.rs"]
mod helpers;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_shared::limits::{BODY_MAX_CHARS, MAX_CLIENT_FRAME_BYTES, NONCE_MAX_CHARS};
use chat_shared::{ClientFrame, ErrorCode, ServerFrame};
use futures_util::{SinkExt, StreamExt};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{HeaderValue, ACCEPT, COOKIE};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const PASSWORD: &str = "correct-horse-42";
/// How long any single expected frame may take to arrive.
const WAIT: Duration = Duration::from_secs(15);
/// After every expected reply has arrived, how long we listen for a surplus one.
const QUIET: Duration = Duration::from_millis(500);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

// ---------------------------------------------------------------------------------------------
// The server and its users
// ---------------------------------------------------------------------------------------------

struct TestServer {
    server: chat_server::Server,
    _dir: tempfile::TempDir,
}

async fn spawn_server() -> TestServer {
    let dir = tempfile::tempdir().expect("a temp dir");
    // SQLite in the temp dir, or a fresh Postgres database when TEST_DATABASE_URL names one.
    let database_url = helpers::fresh_database_url(dir.path()).await;
    let mut config = chat_server::Config::for_tests(&database_url);
    // The barrage sends hundreds of valid messages in a second; the rate limit is not under test.
    config.messages_per_second = 100_000;
    let server = chat_server::start(config).await.expect("the server starts");
    TestServer { server, _dir: dir }
}

/// A logged-in browser-like client: cookie jar, no redirects followed, CSRF as a form does it.
struct User {
    base: String,
    nickname: String,
    client: Client,
    jar: Arc<Jar>,
}

impl User {
    async fn register_and_login(base: &str, nickname: &str) -> User {
        let jar = Arc::new(Jar::default());
        let client = Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        let user = User {
            base: base.to_owned(),
            nickname: nickname.to_owned(),
            client,
            jar,
        };
        let email = format!("{nickname}@example.com");
        let response = user
            .post_form(
                "/accounts/register/",
                &[
                    ("email", &email),
                    ("nickname", nickname),
                    ("password1", PASSWORD),
                    ("password2", PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::FOUND,
            "registering {nickname}"
        );
        let response = user
            .post_form(
                "/accounts/login/",
                &[("username", &email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::FOUND,
            "logging in {nickname}"
        );
        assert!(user.cookie("sessionid").is_some(), "login sets sessionid");
        user
    }

    fn cookie(&self, name: &str) -> Option<String> {
        let url = reqwest::Url::parse(&self.base).expect("the base is a URL");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_owned))
    }

    /// The CSRF token from the jar, after a GET of the form page if there is none yet.
    async fn csrf(&self) -> String {
        if self.cookie("csrftoken").is_none() {
            self.client
                .get(format!("{}/accounts/register/", self.base))
                .send()
                .await
                .expect("GET /accounts/register/");
        }
        self.cookie("csrftoken")
            .expect("a page GET sets the csrftoken cookie")
    }

    async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        let mut form = fields.to_vec();
        form.push(("csrfmiddlewaretoken", &token));
        self.client
            .post(format!("{}{path}", self.base))
            .form(&form)
            .send()
            .await
            .expect("POST")
    }

    async fn create_room(&self, title: &str) -> i64 {
        let token = self.csrf().await;
        let response = self
            .client
            .post(format!("{}/chat/create/", self.base))
            .header(ACCEPT, "application/json")
            .form(&[("title", title), ("csrfmiddlewaretoken", &token)])
            .send()
            .await
            .expect("POST /chat/create/");
        assert_eq!(response.status(), StatusCode::CREATED, "creating a room");
        let body: Value = response.json().await.expect("a JSON body");
        body["room"]["id"].as_i64().expect("room.id is a number")
    }

    /// Opens the room's socket with the session cookie and reads the welcome frame.
    async fn join(&self, room_id: i64) -> Ws {
        let url = format!("{}/ws/chat/{room_id}/", self.base).replacen("http://", "ws://", 1);
        let mut request = url.into_client_request().expect("a ws request");
        let session = self.cookie("sessionid").expect("logged in");
        request.headers_mut().insert(
            COOKIE,
            HeaderValue::from_str(&format!("sessionid={session}")).expect("a cookie header"),
        );
        let (mut ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the socket opens");
        match next_server_frame(&mut ws).await {
            ServerFrame::Welcome { me, .. } => assert_eq!(me, self.nickname),
            other => panic!("the first frame is welcome, got {other:?}"),
        }
        ws
    }
}

/// The next server frame (pings and pongs are the library's business); panics on a close.
async fn next_server_frame(ws: &mut Ws) -> ServerFrame {
    loop {
        let message = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame within the wait")
            .expect("the socket is open")
            .expect("a well-formed frame");
        match message {
            Message::Text(text) => {
                return serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("not a server frame ({e}): {text}"))
            }
            Message::Close(frame) => panic!("the server closed the socket: {frame:?}"),
            _ => {}
        }
    }
}

/// Sends a valid message and waits for its acknowledgement on the same socket.
async fn send_and_ack(ws: &mut Ws, me: &str, body: &str) -> i64 {
    let frame = json!({"type": "send", "body": body}).to_string();
    ws.send(Message::text(frame)).await.expect("send");
    loop {
        if let ServerFrame::Message(m) = next_server_frame(ws).await {
            if m.sender == me && m.body == body {
                return m.id;
            }
        }
    }
}

/// Waits until `ws` receives the message `body` from `sender`.
async fn receives(ws: &mut Ws, sender: &str, body: &str) {
    loop {
        if let ServerFrame::Message(m) = next_server_frame(ws).await {
            if m.sender == sender && m.body == body {
                return;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What the server must answer (the oracle)
// ---------------------------------------------------------------------------------------------

/// One frame the test sends.
#[derive(Debug, Clone)]
enum Outgoing {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
}

/// What the sending connection must get back for one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Exactly one `error` frame with this code.
    Error(ErrorCode),
    /// Its own `message` frame.
    Ack,
    /// One `history` frame.
    History,
    /// Nothing on this connection (`typing` goes to the others; pings are answered by the
    /// protocol layer).
    Nothing,
}

/// The replies on the connection that are answered in order (errors and history pages); acks
/// come through the message writer and may interleave, so they are only counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InOrder {
    Error(ErrorCode),
    History,
}

/// What the contract says the server answers, decided by the shared crate's parser and
/// validators (the same code the server runs, so this checks the server's plumbing: one
/// answer per frame, nothing lost, nothing crashed).
fn expect(frame: &Outgoing) -> Expect {
    let text = match frame {
        Outgoing::Binary(_) => return Expect::Error(ErrorCode::InvalidFrame),
        Outgoing::Ping(_) => return Expect::Nothing,
        Outgoing::Text(text) => text,
    };
    match ClientFrame::parse(text) {
        Err(e) => Expect::Error(e.code),
        Ok(ClientFrame::Send { body, nonce }) => {
            match ClientFrame::validate_send(&body, nonce.as_deref()) {
                Ok(_) => Expect::Ack,
                Err(e) => Expect::Error(e.code),
            }
        }
        Ok(ClientFrame::History { limit, .. }) => {
            match ClientFrame::validate_history_limit(limit) {
                Ok(_) => Expect::History,
                Err(e) => Expect::Error(e.code),
            }
        }
        Ok(ClientFrame::Typing) => Expect::Nothing,
    }
}

// ---------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------

/// Strings that have broken chat software before: invisible, reordering, combining, control,
/// non-BMP, and markup characters.
const NASTY: &[&str] = &[
    "\u{0}",
    "\u{FEFF}",
    "\u{202E}gnp.exe",
    "\u{200B}",
    "\u{200D}",
    "e\u{301}\u{301}\u{301}",
    "👩‍👩‍👧‍👦",
    "\u{10FFFF}",
    "\u{FFFD}",
    "\u{3000}",
    "\u{85}",
    "\u{2028}\u{2029}",
    "\u{1b}[2J\u{1b}[31mred",
    "\r\n",
    "\t",
    "가나다",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00%0d%0a",
    "\\u0000",
    "{{7*7}}",
    "${jndi:ldap://x}",
];

/// Raw JSON texts a hand would write to probe the parser.
const EDGE_TEXTS: &[&str] = &[
    "",
    " ",
    "null",
    "true",
    "0",
    "\"send\"",
    "[]",
    "{}",
    "{\"type\":null}",
    "{\"type\":\"send\",\"body\":\"\\ud800\"}",
    "{\"type\":\"send\",\"body\":\"\\udc00\\ud800\"}",
    "{\"type\":\"send\",\"body\":\"\\ud83d\\ude00\"}",
    "{\"type\":\"send\",\"body\":\"\\u0000\"}",
    "{\"type\":\"send\",\"body\":\"a\",\"body\":\"b\"}",
    "{\"type\":\"send\",\"type\":\"typing\"}",
    "{\"type\":\"send\",\"body\":\"x\"} trailing",
    "{\"type\":\"send\",\"body\":\"x\"}{\"type\":\"send\",\"body\":\"y\"}",
    "{\"type\":\"history\",\"before\":1e400,\"limit\":5}",
    "{\"type\":\"history\",\"before\":-1e400,\"limit\":5}",
    "{\"type\":\"history\",\"before\":99999999999999999999,\"limit\":5}",
    "{\"type\":\"history\",\"before\":9223372036854775807,\"limit\":100}",
    "{\"type\":\"history\",\"before\":-9223372036854775808,\"limit\":1}",
    "{\"type\":\"history\",\"before\":9223372036854775808,\"limit\":1}",
    "{\"type\":\"history\",\"before\":1,\"limit\":4294967296}",
    "{\"type\":\"history\",\"before\":1,\"limit\":4294967295}",
    "{\"type\":\"history\",\"before\":1,\"limit\":0}",
    "{\"type\":\"history\",\"before\":1,\"limit\":101}",
    "{\"type\":\"history\",\"before\":1,\"limit\":-1}",
    "{\"type\":\"history\",\"before\":1.5,\"limit\":1}",
    "{\"type\":\"history\",\"before\":\"1\",\"limit\":\"1\"}",
    "{\"type\":\"typing\",\"extra\":[1,2,3]}",
    "{\"type\":\"TYPING\"}",
    "{\"type\":\"typing \"}",
    "{\"type\":\"welcome\"}",
    "{\"type\":\"message\",\"id\":1,\"body\":\"spoof\"}",
    "{\"type\":\"error\",\"code\":\"invalid_frame\",\"message\":\"spoof\"}",
    "\u{FEFF}{\"type\":\"typing\"}",
    "{\"type\":\"send\",\"body\":\"hi\",\"nonce\":\"\"}",
    "{\"type\":\"send\",\"body\":\"hi\",\"nonce\":null}",
    "{\"type\":\"send\",\"body\":\"hi\",\"nonce\":7}",
    "{\"type\":\"send\",\"body\":\"hi\",\"__proto__\":{\"x\":1}}",
    "{\"type\":\"se\\u006ed\",\"body\":\"escaped tag\"}",
    "{'type':'send','body':'single quotes'}",
    "{\"type\":\"send\",\"body\":\"NaN\",\"nonce\":NaN}",
];

struct Generator {
    rng: StdRng,
    sends: u64,
}

impl Generator {
    fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            sends: 0,
        }
    }

    /// The next frame; every frame stays within `MAX_CLIENT_FRAME_BYTES`.
    fn frame(&mut self) -> Outgoing {
        loop {
            let frame = self.any_frame();
            let len = match &frame {
                Outgoing::Text(t) => t.len(),
                Outgoing::Binary(b) | Outgoing::Ping(b) => b.len(),
            };
            if len <= MAX_CLIENT_FRAME_BYTES {
                return frame;
            }
        }
    }

    fn any_frame(&mut self) -> Outgoing {
        match self.rng.gen_range(0..100) {
            0..=19 => Outgoing::Text(self.valid_send()),
            20..=27 => Outgoing::Text(self.bad_send()),
            28..=33 => Outgoing::Text(self.history()),
            34..=35 => Outgoing::Text(json!({"type": "typing"}).to_string()),
            36..=51 => {
                let valid = self.valid_any();
                Outgoing::Text(self.mutate(&valid))
            }
            52..=58 => Outgoing::Text(self.random_text()),
            59..=66 => Outgoing::Text(self.random_frame_json().to_string()),
            67..=72 => Outgoing::Text(self.wrong_types()),
            73..=76 => Outgoing::Text(self.nested()),
            77..=84 => Outgoing::Text(self.unicode_send()),
            85..=91 => Outgoing::Binary(self.binary()),
            92..=96 => Outgoing::Text(
                EDGE_TEXTS
                    .choose(&mut self.rng)
                    .expect("non-empty")
                    .to_string(),
            ),
            _ => {
                let len = self.rng.gen_range(0..=125);
                Outgoing::Ping((0..len).map(|_| self.rng.gen()).collect())
            }
        }
    }

    fn nonce(&mut self) -> Option<String> {
        self.sends += 1;
        match self.rng.gen_range(0..4) {
            0 => None,
            1 => Some(String::new()),
            _ => Some(format!("n{}-{}", self.sends, self.rng.gen::<u32>())),
        }
    }

    fn word(&mut self) -> String {
        let len = self.rng.gen_range(1..12);
        (0..len)
            .map(|_| self.rng.gen_range(b'a'..=b'z') as char)
            .collect()
    }

    fn valid_body(&mut self) -> String {
        match self.rng.gen_range(0..20) {
            0 => "x".repeat(BODY_MAX_CHARS),
            1 => format!(
                "  {}  ",
                "가".repeat(self.rng.gen_range(1..=BODY_MAX_CHARS))
            ),
            2 => format!("\n\t{}\u{3000}", self.word()),
            _ => {
                let words = self.rng.gen_range(1..20);
                (0..words)
                    .map(|_| self.word())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        }
    }

    fn valid_send(&mut self) -> String {
        let body = self.valid_body();
        let mut frame = json!({"type": "send", "body": body});
        if let Some(nonce) = self.nonce() {
            frame["nonce"] = Value::from(nonce);
        }
        frame.to_string()
    }

    fn history(&mut self) -> String {
        let before: i64 = match self.rng.gen_range(0..6) {
            0 => i64::MAX,
            1 => i64::MIN,
            2 => self.rng.gen_range(-5..5),
            _ => self.rng.gen_range(0..10_000),
        };
        let limit: i64 = match self.rng.gen_range(0..8) {
            0 => 0,
            1 => 101,
            2 => i64::from(u32::MAX),
            3 => -1,
            _ => self.rng.gen_range(1..=20),
        };
        json!({"type": "history", "before": before, "limit": limit}).to_string()
    }

    fn valid_any(&mut self) -> String {
        match self.rng.gen_range(0..4) {
            0 => self.history(),
            1 => json!({"type": "typing"}).to_string(),
            _ => self.valid_send(),
        }
    }

    fn bad_send(&mut self) -> String {
        match self.rng.gen_range(0..7) {
            0 => json!({"type": "send", "body": ""}).to_string(),
            1 => json!({"type": "send", "body": " \n\t\u{3000}\u{85} "}).to_string(),
            2 => json!({"type": "send", "body": "y".repeat(BODY_MAX_CHARS + 1)}).to_string(),
            3 => json!({"type": "send", "body": "😀".repeat(BODY_MAX_CHARS + self.rng.gen_range(1..100))})
                .to_string(),
            4 => json!({"type": "send", "body": "hi", "nonce": "n".repeat(NONCE_MAX_CHARS + 1)})
                .to_string(),
            5 => json!({"type": "send"}).to_string(),
            _ => json!({"type": "send", "nonce": "lonely"}).to_string(),
        }
    }

    fn unicode_send(&mut self) -> String {
        let parts = self.rng.gen_range(1..6);
        let body: String = (0..parts)
            .map(|_| *NASTY.choose(&mut self.rng).expect("non-empty"))
            .collect();
        let mut frame = json!({"type": "send", "body": body});
        if self.rng.gen_bool(0.3) {
            let nonce: String = NASTY.choose(&mut self.rng).expect("non-empty").to_string();
            frame["nonce"] = Value::from(nonce);
        }
        frame.to_string()
    }

    fn wrong_type_value(&mut self) -> Value {
        match self.rng.gen_range(0..10) {
            0 => Value::Null,
            1 => json!(true),
            2 => json!(i64::MIN),
            3 => json!(u64::MAX),
            4 => json!(1.5e300),
            5 => json!(-0.0),
            6 => json!([1, "two", null]),
            7 => json!({"nested": {"body": "x"}}),
            8 => json!("12"),
            _ => json!(""),
        }
    }

    fn wrong_types(&mut self) -> String {
        let v = self.wrong_type_value();
        match self.rng.gen_range(0..6) {
            0 => json!({"type": "send", "body": v}),
            1 => json!({"type": "send", "body": "ok", "nonce": v}),
            2 => json!({"type": "history", "before": v, "limit": 10}),
            3 => json!({"type": "history", "before": 10, "limit": v}),
            4 => json!({"type": v, "body": "hi"}),
            _ => json!({"type": "history"}),
        }
        .to_string()
    }

    fn nested(&mut self) -> String {
        let depth = self.rng.gen_range(1..12_000);
        match self.rng.gen_range(0..4) {
            0 => format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
            1 => format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)),
            2 => "[".repeat(depth),
            _ => format!(
                "{{\"type\":\"send\",\"body\":\"deep\",\"extra\":{}{}}}",
                "[".repeat(depth),
                "]".repeat(depth)
            ),
        }
    }

    fn random_char(&mut self) -> char {
        match self.rng.gen_range(0..4) {
            0 => self.rng.gen_range(0u8..0x20) as char,
            1 => *b"{}[]\",:\\ 0-9eE.tfn"
                .choose(&mut self.rng)
                .expect("non-empty") as char,
            2 => self.rng.gen_range(b' '..=b'~') as char,
            _ => loop {
                if let Some(c) = char::from_u32(self.rng.gen_range(0..0x11_0000)) {
                    break c;
                }
            },
        }
    }

    fn random_text(&mut self) -> String {
        if self.rng.gen_bool(0.5) {
            let len = self.rng.gen_range(0..300);
            (0..len).map(|_| self.random_char()).collect()
        } else {
            let len = self.rng.gen_range(0..2_000);
            let bytes: Vec<u8> = (0..len).map(|_| self.rng.gen()).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }

    fn random_json(&mut self, depth: u32) -> Value {
        let leaf = depth == 0 || self.rng.gen_bool(0.6);
        if leaf {
            return match self.rng.gen_range(0..6) {
                0 => Value::Null,
                1 => json!(self.rng.gen::<bool>()),
                2 => json!(self.rng.gen::<i64>()),
                3 => json!(self.rng.gen::<f64>() * 1e10),
                4 => Value::from(self.word()),
                _ => self.wrong_type_value(),
            };
        }
        if self.rng.gen_bool(0.5) {
            let len = self.rng.gen_range(0..5);
            Value::Array((0..len).map(|_| self.random_json(depth - 1)).collect())
        } else {
            let len = self.rng.gen_range(0..5);
            let mut map = serde_json::Map::new();
            for _ in 0..len {
                let key = ["type", "body", "nonce", "before", "limit", "id"]
                    .choose(&mut self.rng)
                    .expect("non-empty")
                    .to_string();
                map.insert(key, self.random_json(depth - 1));
            }
            Value::Object(map)
        }
    }

    /// A random object that usually has a plausible `type`, so the field checks get exercised.
    fn random_frame_json(&mut self) -> Value {
        let mut value = self.random_json(4);
        if let Value::Object(map) = &mut value {
            if self.rng.gen_bool(0.8) {
                let tag = ["send", "history", "typing", "Send", "", "message", "error"]
                    .choose(&mut self.rng)
                    .expect("non-empty");
                map.insert("type".into(), Value::from(*tag));
            }
        }
        value
    }

    fn binary(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..4) {
            0 => vec![0xff, 0xfe, 0xfd],
            1 => self.valid_send().into_bytes(),
            2 => {
                let mut bytes = self.valid_send().into_bytes();
                let at = self.rng.gen_range(0..bytes.len());
                bytes[at] = 0xc0;
                bytes
            }
            _ => {
                let len = self.rng.gen_range(0..1_000);
                (0..len).map(|_| self.rng.gen()).collect()
            }
        }
    }

    /// One to three edits of a valid frame, on character boundaries (the text stays UTF-8).
    fn mutate(&mut self, valid: &str) -> String {
        let mut chars: Vec<char> = valid.chars().collect();
        for _ in 0..self.rng.gen_range(1..=3) {
            let len = chars.len();
            match self.rng.gen_range(0..7) {
                0 => chars.truncate(self.rng.gen_range(0..=len)),
                1 if len > 0 => {
                    chars.remove(self.rng.gen_range(0..len));
                }
                2 => {
                    let c = self.random_char();
                    chars.insert(self.rng.gen_range(0..=len), c);
                }
                3 if len > 0 => {
                    let c = self.random_char();
                    chars[self.rng.gen_range(0..len)] = c;
                }
                4 if len > 0 => {
                    let from = self.rng.gen_range(0..len);
                    let to = self.rng.gen_range(from..=len.min(from + 40));
                    let slice: Vec<char> = chars[from..to].to_vec();
                    let at = self.rng.gen_range(0..=chars.len());
                    chars.splice(at..at, slice);
                }
                5 => {
                    let text: String = chars.iter().collect();
                    let swapped = text.replacen(
                        ["send", "history", "typing", "body", "limit"]
                            .choose(&mut self.rng)
                            .expect("non-empty"),
                        ["typing", "send", "history", "bodies", "before", "SEND"]
                            .choose(&mut self.rng)
                            .expect("non-empty"),
                        1,
                    );
                    chars = swapped.chars().collect();
                }
                _ => {
                    // A digit run turned into a huge or negative number.
                    let text: String = chars.iter().collect();
                    let big = ["-1", "18446744073709551616", "1e999", "-0", "0x10"]
                        .choose(&mut self.rng)
                        .expect("non-empty");
                    chars = text.replacen(':', &format!(":{big}"), 1).chars().collect();
                }
            }
        }
        chars.into_iter().collect()
    }
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

/// What came back on the fuzzed connection.
#[derive(Debug, Default)]
struct Received {
    in_order: Vec<InOrder>,
    acks: usize,
    others: usize,
    pongs: usize,
}

fn seed() -> u64 {
    std::env::var("FUZZ_FRAMES_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random)
}

fn frame_count() -> usize {
    std::env::var("FUZZ_FRAMES_COUNT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_barrage_of_random_frames_gets_one_answer_each_and_breaks_nothing() {
    // Arrange: a real server, two users in one room, both connected.
    let started = Instant::now();
    let app = spawn_server().await;
    let base = app.server.url();
    let alice = User::register_and_login(&base, "fuzzalice").await;
    let bob = User::register_and_login(&base, "fuzzbob").await;
    let room = alice.create_room("fuzzing").await;
    let mut bob_ws = bob.join(room).await;
    let alice_ws = alice.join(room).await;

    let seed = seed();
    let count = frame_count();
    println!("fuzz_frames: seed {seed} (replay with FUZZ_FRAMES_SEED={seed}), {count} frames");
    let mut generator = Generator::new(seed);
    let frames: Vec<Outgoing> = (0..count).map(|_| generator.frame()).collect();
    let expected: Vec<Expect> = frames.iter().map(expect).collect();
    let expected_in_order: Vec<InOrder> = expected
        .iter()
        .filter_map(|e| match e {
            Expect::Error(code) => Some(InOrder::Error(*code)),
            Expect::History => Some(InOrder::History),
            Expect::Ack | Expect::Nothing => None,
        })
        .collect();
    let expected_acks = expected.iter().filter(|e| **e == Expect::Ack).count();

    // Act: one task writes the barrage while this one reads every answer.
    let (mut sink, mut stream) = alice_ws.split();
    let writer = tokio::spawn(async move {
        for frame in frames {
            let message = match frame {
                Outgoing::Text(t) => Message::text(t),
                Outgoing::Binary(b) => Message::binary(b),
                Outgoing::Ping(p) => Message::Ping(p.into()),
            };
            sink.send(message).await.expect("the server keeps reading");
        }
        sink
    });
    let mut received = Received::default();
    let mut done_at: Option<Instant> = None;
    loop {
        let complete =
            received.in_order.len() >= expected_in_order.len() && received.acks >= expected_acks;
        if complete && done_at.is_none() {
            done_at = Some(Instant::now());
        }
        let wait = match done_at {
            Some(at) => match QUIET.checked_sub(at.elapsed()) {
                Some(left) => left,
                None => break,
            },
            None => WAIT,
        };
        let message = match tokio::time::timeout(wait, stream.next()).await {
            Err(_) if done_at.is_some() => break,
            Err(_) => panic!(
                "no frame for {WAIT:?} with answers missing: {} of {} errors/history pages, {} of {} acks",
                received.in_order.len(),
                expected_in_order.len(),
                received.acks,
                expected_acks
            ),
            Ok(None) => panic!("the server ended the fuzzed socket"),
            Ok(Some(Err(e))) => panic!("the fuzzed socket failed: {e}"),
            Ok(Some(Ok(message))) => message,
        };
        let text = match message {
            Message::Text(text) => text,
            Message::Close(frame) => panic!("the server closed the fuzzed socket: {frame:?}"),
            Message::Pong(_) => {
                received.pongs += 1;
                continue;
            }
            _ => continue,
        };
        let frame: ServerFrame = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("the server sent a frame the contract lacks ({e}): {text}"));
        match frame {
            ServerFrame::Error { code, message } => {
                assert!(!message.is_empty(), "error frames explain themselves");
                received.in_order.push(InOrder::Error(code));
            }
            ServerFrame::History { .. } => received.in_order.push(InOrder::History),
            ServerFrame::Message(m) if m.sender == alice.nickname => received.acks += 1,
            _ => received.others += 1,
        }
        // Stop at the first wrong answer: it names the frame that went wrong.
        if let Some((at, got)) = received.in_order.iter().enumerate().next_back() {
            assert_eq!(
                Some(got),
                expected_in_order.get(at),
                "answer {at} (error or history frame) differs from what the contract says"
            );
        }
    }
    let sink = writer.await.expect("the writer task finished");
    let mut alice_ws = sink.reunite(stream).expect("the halves of one socket");

    // Assert: one answer per frame, in order, and nothing extra.
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    for item in &received.in_order {
        if let InOrder::Error(code) = item {
            *by_code.entry(format!("{code:?}")).or_default() += 1;
        }
    }
    let histories = received
        .in_order
        .iter()
        .filter(|i| **i == InOrder::History)
        .count();
    let expected_nothing = expected.iter().filter(|e| **e == Expect::Nothing).count();
    println!(
        "fuzz_frames: {count} frames sent; {} error frames {by_code:?}; {} acks; {histories} history pages; \
         {expected_nothing} frames needing no answer (typing, ping); {} pongs; {} other frames",
        received.in_order.len() - histories,
        received.acks,
        received.pongs,
        received.others,
    );
    if let Some(at) = received
        .in_order
        .iter()
        .zip(&expected_in_order)
        .position(|(got, want)| got != want)
    {
        panic!(
            "answer {at} differs: got {:?}, the contract says {:?}",
            received.in_order[at], expected_in_order[at]
        );
    }
    assert_eq!(
        received.in_order.len(),
        expected_in_order.len(),
        "one error or history frame per frame that needs one"
    );
    assert_eq!(received.acks, expected_acks, "one ack per valid send");
    assert!(
        by_code.values().sum::<usize>() > count / 3 && expected_acks > count / 10,
        "the generator exercises both rejection and acceptance: {by_code:?}, {expected_acks} acks"
    );

    // The fuzzed socket and the other user's socket both still work, in both directions.
    send_and_ack(&mut alice_ws, &alice.nickname, "alice after the barrage").await;
    receives(&mut bob_ws, &alice.nickname, "alice after the barrage").await;
    send_and_ack(&mut bob_ws, &bob.nickname, "bob after the barrage").await;
    receives(&mut alice_ws, &bob.nickname, "bob after the barrage").await;
    println!("fuzz_frames: barrage done in {:.1?}", started.elapsed());
}

/// Sends one text frame of exactly `len` bytes: a `send` frame whose body pads it out.
fn frame_of_len(len: usize) -> String {
    let head = r#"{"type":"send","body":""#;
    let tail = r#""}"#;
    let text = format!("{head}{}{tail}", "a".repeat(len - head.len() - tail.len()));
    assert_eq!(text.len(), len);
    text
}

/// How an oversize frame ended the socket: the close code, or `None` if the TCP connection
/// was dropped without a close frame.
async fn how_it_ends(ws: &mut Ws) -> Result<Option<CloseFrame>, String> {
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await {
            Err(_) => return Err("the socket stayed open".into()),
            Ok(Some(Ok(Message::Close(frame)))) => return Ok(frame),
            Ok(Some(Ok(Message::Text(text)))) => {
                // The one frame at the limit is answered before the oversize one ends the socket.
                let frame: ServerFrame = serde_json::from_str(&text).expect("a server frame");
                assert!(
                    matches!(
                        frame,
                        ServerFrame::Error {
                            code: ErrorCode::TooLong,
                            ..
                        } | ServerFrame::Presence { .. }
                            | ServerFrame::Participant { .. }
                    ),
                    "unexpected frame before the close: {frame:?}"
                );
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_)) | None) => return Ok(None),
        }
    }
}

/// Frames up to `MAX_CLIENT_FRAME_BYTES` are parsed (and this one refused as too long); one
/// byte more ends that connection, and only that one. Returns the close frame, if any.
async fn oversize_frame_on_a_fresh_socket() -> Option<CloseFrame> {
    let app = spawn_server().await;
    let base = app.server.url();
    let alice = User::register_and_login(&base, "bigalice").await;
    let bob = User::register_and_login(&base, "bigbob").await;
    let room = alice.create_room("limits").await;
    let mut bob_ws = bob.join(room).await;
    let mut alice_ws = alice.join(room).await;

    alice_ws
        .send(Message::text(frame_of_len(MAX_CLIENT_FRAME_BYTES)))
        .await
        .expect("send at the limit");
    loop {
        if let ServerFrame::Error { code, .. } = next_server_frame(&mut alice_ws).await {
            assert_eq!(code, ErrorCode::TooLong, "a frame at the limit is parsed");
            break;
        }
    }
    // The writer may see the connection reset while the server is already gone.
    let _ = alice_ws
        .send(Message::text(frame_of_len(MAX_CLIENT_FRAME_BYTES + 1)))
        .await;
    let ending = how_it_ends(&mut alice_ws)
        .await
        .expect("an oversize frame ends the socket");

    // Everybody else is still served, and so is alice on a new socket.
    send_and_ack(&mut bob_ws, &bob.nickname, "bob after the oversize frame").await;
    let mut alice_again = alice.join(room).await;
    send_and_ack(&mut alice_again, &alice.nickname, "alice reconnected").await;
    receives(&mut bob_ws, &alice.nickname, "alice reconnected").await;
    ending
}

#[tokio::test]
async fn an_oversize_frame_ends_only_that_socket() {
    let ending = oversize_frame_on_a_fresh_socket().await;
    println!("fuzz_frames: a frame of MAX_CLIENT_FRAME_BYTES + 1 ended the socket with {ending:?}");
}

/// CONTRACT/SECURITY: an oversize frame should be answered with close code 1009 (Message Too
/// Big), so a client can tell "too big" from a network failure.
#[tokio::test]
async fn an_oversize_frame_closes_the_socket_with_1009() {
    let ending = oversize_frame_on_a_fresh_socket().await;
    let code = ending.map(|f| u16::from(f.code));
    assert_eq!(code, Some(1009), "close code for an oversize frame");
}

/// RFC 6455 5.5.1 (Autobahn 1.*–7.* "UNCLEAN"): a client's close frame is answered with a
/// close frame before the server drops the connection.
#[tokio::test]
async fn a_client_close_is_answered_with_a_close_frame() {
    let app = spawn_server().await;
    let base = app.server.url();
    let alice = User::register_and_login(&base, "closealice").await;
    let room = alice.create_room("closing").await;
    let mut ws = alice.join(room).await;

    ws.close(None).await.expect("the close frame is sent");
    let answer = loop {
        match tokio::time::timeout(WAIT, ws.next()).await {
            Err(_) => break Err("no answer".to_owned()),
            Ok(Some(Ok(Message::Close(frame)))) => break Ok(frame),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => break Err(e.to_string()),
            Ok(None) => break Err("the connection ended".to_owned()),
        }
    };
    assert!(
        answer.is_ok(),
        "the server answers a close with a close: {answer:?}"
    );
}
