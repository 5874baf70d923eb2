//! A user as the server sees one: a browser-like HTTP client (cookie jar, no redirects
//! followed, CSRF as a browser or the terminal client does it) and the room and lobby
//! WebSockets it opens with its session cookie.

use std::sync::Arc;
use std::time::Duration;

use chat_shared::session::{CSRF_COOKIE, CSRF_FORM_FIELD, CSRF_HEADER, SESSION_COOKIE};
use chat_shared::{LobbyFrame, Room, ServerFrame};
use futures_util::{SinkExt, StreamExt};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, COOKIE, ORIGIN};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A password every rule of the server accepts; every test user has it.
pub const PASSWORD: &str = "correct-horse-42";
/// How long any expected frame may take to arrive.
const WAIT: Duration = Duration::from_secs(10);

/// One browser-like client.
pub struct Visitor {
    /// The server's URL, `http://127.0.0.1:PORT`.
    pub base: String,
    pub client: Client,
    pub jar: Arc<Jar>,
    /// The nickname it registered with; empty for an anonymous visitor.
    pub nickname: String,
}

impl Visitor {
    /// A visitor of the server at `base` with an empty cookie jar.
    pub fn new(base: &str) -> Self {
        Self::with_client(base, Client::builder())
    }

    /// A visitor whose requests come from another loopback address (`127.0.0.2`, …), as a
    /// second client address for per-address limits.
    pub fn from_address(base: &str, address: std::net::IpAddr) -> Self {
        Self::with_client(base, Client::builder().local_address(address))
    }

    fn with_client(base: &str, builder: reqwest::ClientBuilder) -> Self {
        let jar = Arc::new(Jar::default());
        let client = builder
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client builds");
        Visitor {
            base: base.trim_end_matches('/').to_owned(),
            client,
            jar,
            nickname: String::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The value of a cookie in the jar.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = reqwest::Url::parse(&self.base).expect("base is a URL");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_owned))
    }

    /// The CSRF token, fetching a page first if the jar has none (as a browser would have).
    pub async fn csrf(&self) -> String {
        if let Some(token) = self.cookie(CSRF_COOKIE) {
            return token;
        }
        self.get("/accounts/login/").await;
        self.cookie(CSRF_COOKIE)
            .expect("a page GET sets the CSRF cookie")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_json(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .header(ACCEPT, "application/json")
            .send()
            .await
            .expect("GET json")
    }

    /// `GET /chat/search` as JSON with these query parameters (encoded here).
    pub async fn search(&self, params: &[(&str, &str)]) -> Response {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        self.get_json(&format!("/chat/search/?{query}")).await
    }

    /// A form POST carrying the CSRF token in the form, as a browser's would.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push((CSRF_FORM_FIELD, &token));
        self.client
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .expect("POST")
    }

    /// A form POST asking for JSON, with the token in the CSRF header (as the terminal client
    /// does).
    pub async fn post_json(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf().await;
        self.client
            .post(self.url(path))
            .header(ACCEPT, "application/json")
            .header(CSRF_HEADER, token)
            .form(fields)
            .send()
            .await
            .expect("POST json")
    }

    /// The registration form, as a browser submits it; the caller checks the answer.
    pub async fn register(&self, email: &str, nickname: &str, p1: &str, p2: &str) -> Response {
        self.post_form(
            "/accounts/register/",
            &[
                ("email", email),
                ("nickname", nickname),
                ("password1", p1),
                ("password2", p2),
            ],
        )
        .await
    }

    /// The login form, as a browser submits it; the caller checks the answer.
    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post_form(
            "/accounts/login/",
            &[("username", email), ("password", password)],
        )
        .await
    }

    /// Registers through the JSON API with [`PASSWORD`], as the terminal client does; panics
    /// with the server's answer unless it is 201 Created.
    pub async fn api_register(&self, email: &str, nickname: &str) {
        let response = self
            .post_json(
                "/accounts/register/",
                &[
                    ("email", email),
                    ("nickname", nickname),
                    ("password1", PASSWORD),
                    ("password2", PASSWORD),
                ],
            )
            .await;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::CREATED, "{nickname} registers: {body}");
    }

    /// Logs in through the JSON API with [`PASSWORD`]; panics with the server's answer unless
    /// it is 200 OK.
    pub async fn api_login(&self, email: &str) {
        let response = self
            .post_json(
                "/accounts/login/",
                &[("username", email), ("password", PASSWORD)],
            )
            .await;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::OK, "{email} logs in: {body}");
    }

    /// The room as this user's JSON room list shows it (with their unread count).
    pub async fn listed_room(&self, room_id: i64) -> Room {
        let response = self.get_json("/chat/list/?limit=100").await;
        assert_eq!(response.status(), StatusCode::OK, "the room list");
        let list: chat_shared::api::RoomList = response.json().await.expect("a RoomList");
        list.rooms
            .into_iter()
            .find(|r| r.id == room_id)
            .unwrap_or_else(|| panic!("room {room_id} is listed"))
    }

    /// Creates a room through the JSON API and returns it.
    pub async fn create_room(&self, title: &str) -> Room {
        let response = self.post_json("/chat/create/", &[("title", title)]).await;
        assert_eq!(response.status(), StatusCode::CREATED, "creating {title:?}");
        let body: Value = response.json().await.expect("json");
        serde_json::from_value(body["room"].clone()).expect("a Room")
    }

    /// The room as the server shows it to this user (`GET /chat/{id}` JSON): participants,
    /// their notification level.
    pub async fn room_detail(&self, room_id: i64) -> chat_shared::api::RoomDetail {
        let response = self.get_json(&format!("/chat/{room_id}/")).await;
        assert_eq!(response.status(), StatusCode::OK, "room {room_id}");
        response.json().await.expect("a RoomDetail")
    }

    /// Creates `count` rooms titled "{prefix} 1", "{prefix} 2", …, oldest first (the server's
    /// `rooms_per_hour` must allow that many).
    pub async fn create_rooms(&self, prefix: &str, count: usize) -> Vec<Room> {
        let mut rooms = Vec::with_capacity(count);
        for i in 1..=count {
            rooms.push(self.create_room(&format!("{prefix} {i}")).await);
        }
        rooms
    }

    fn ws_request(&self, path: &str) -> tokio_tungstenite::tungstenite::handshake::client::Request {
        let url = self.url(path).replacen("http://", "ws://", 1);
        let mut request = url.into_client_request().expect("ws request");
        if let Some(session) = self.cookie(SESSION_COOKIE) {
            request.headers_mut().insert(
                COOKIE,
                HeaderValue::from_str(&format!("{SESSION_COOKIE}={session}"))
                    .expect("cookie header"),
            );
        }
        request
    }

    /// Opens a room socket and reads the welcome frame.
    pub async fn join(&self, room_id: i64) -> (Socket, ServerFrame) {
        self.join_path(&format!("/ws/chat/{room_id}/")).await
    }

    pub async fn join_path(&self, path: &str) -> (Socket, ServerFrame) {
        let mut socket = self
            .open_ws(path, HeaderMap::new())
            .await
            .expect("socket opens");
        let welcome = socket.next_frame().await;
        assert!(
            matches!(welcome, ServerFrame::Welcome { .. }),
            "first frame is welcome: {welcome:?}"
        );
        (socket, welcome)
    }

    /// Opens a room socket resuming after `after`, or says why it could not (server down).
    pub async fn try_join(
        &self,
        room_id: i64,
        after: i64,
    ) -> Result<(Socket, ServerFrame), String> {
        let request = self.ws_request(&format!("/ws/chat/{room_id}/?after={after}"));
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| e.to_string())?;
        let mut socket = Socket { stream };
        match tokio::time::timeout(WAIT, socket.stream.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => serde_json::from_str(&text)
                .map(|welcome| (socket, welcome))
                .map_err(|e| e.to_string()),
            other => Err(format!("no welcome: {other:?}")),
        }
    }

    /// Opens a socket with extra headers; the HTTP status if the upgrade is refused.
    pub async fn open_ws(&self, path: &str, extra: HeaderMap) -> Result<Socket, u16> {
        let mut request = self.ws_request(path);
        for (k, v) in extra.iter() {
            request.headers_mut().insert(k, v.clone());
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((stream, _)) => Ok(Socket { stream }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(response.status().as_u16())
            }
            Err(e) => panic!("websocket failed: {e}"),
        }
    }

    /// Opens the lobby socket and reads its first frame, the room list.
    pub async fn lobby(&self) -> (Socket, Vec<Room>) {
        let (socket, rooms, _) = self.lobby_page().await;
        (socket, rooms)
    }

    /// [`Visitor::lobby`], with the first frame's `has_more`.
    pub async fn lobby_page(&self) -> (Socket, Vec<Room>, bool) {
        let mut socket = self
            .open_ws("/ws/lobby", HeaderMap::new())
            .await
            .expect("lobby opens");
        let text = socket.next_text().await;
        match serde_json::from_str::<LobbyFrame>(&text).expect("lobby frame") {
            LobbyFrame::Rooms { rooms, has_more } => (socket, rooms, has_more),
            other => panic!("first lobby frame is rooms: {other:?}"),
        }
    }
}

/// A foreign-origin header map, for refusal tests.
pub fn foreign_origin() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(ORIGIN, HeaderValue::from_static("http://evil.example"));
    headers
}

/// A WebSocket client.
pub struct Socket {
    pub stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Socket {
    pub async fn send_json(&mut self, value: Value) {
        self.send_text(&value.to_string()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.stream.send(Message::text(text)).await.expect("send");
    }

    /// A `send` frame, with a nonce when given.
    pub async fn send_message(&mut self, body: &str, nonce: Option<&str>) {
        let mut frame = serde_json::json!({"type": "send", "body": body});
        if let Some(n) = nonce {
            frame["nonce"] = Value::from(n);
        }
        self.send_json(frame).await;
    }

    /// Sends a line and waits for its acknowledgement: the stored message.
    pub async fn say(&mut self, body: &str) -> chat_shared::Message {
        self.send_message(body, None).await;
        self.next_message().await
    }

    /// The next text frame (pings are answered by the library).
    pub async fn next_text(&mut self) -> String {
        loop {
            let message = tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("a frame within the wait")
                .expect("the socket is open")
                .expect("a valid frame");
            match message {
                Message::Text(text) => return text.to_string(),
                Message::Close(frame) => panic!("socket closed: {frame:?}"),
                _ => {}
            }
        }
    }

    pub async fn next_frame(&mut self) -> ServerFrame {
        let text = self.next_text().await;
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not a server frame ({e}): {text}"))
    }

    /// Skips frames until `pick` accepts one.
    pub async fn next_matching<T>(&mut self, mut pick: impl FnMut(ServerFrame) -> Option<T>) -> T {
        loop {
            if let Some(found) = pick(self.next_frame().await) {
                return found;
            }
        }
    }

    /// Whether a frame `pick` accepts arrives within `wait` (others are skipped).
    pub async fn next_matching_within(
        &mut self,
        wait: Duration,
        mut pick: impl FnMut(ServerFrame) -> bool,
    ) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) | Ok(None) => return false,
                Ok(Some(Ok(Message::Text(text)))) => {
                    if serde_json::from_str(&text).is_ok_and(&mut pick) {
                        return true;
                    }
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(_))) => return false,
            }
        }
    }

    /// The next `message` frame, skipping presence, typing and the like.
    pub async fn next_message(&mut self) -> chat_shared::Message {
        self.next_matching(|f| match f {
            ServerFrame::Message(m) => Some(m),
            _ => None,
        })
        .await
    }

    /// An `edit` frame.
    pub async fn send_edit(&mut self, id: i64, body: &str) {
        self.send_json(serde_json::json!({"type": "edit", "id": id, "body": body}))
            .await;
    }

    /// A `delete` frame.
    pub async fn send_delete(&mut self, id: i64) {
        self.send_json(serde_json::json!({"type": "delete", "id": id}))
            .await;
    }

    /// The next `message_edited` or `message_deleted` frame: the change's id and the line as it
    /// left it.
    pub async fn next_change(&mut self) -> (i64, chat_shared::Message) {
        self.next_matching(|f| match f {
            ServerFrame::MessageEdited { id, message }
            | ServerFrame::MessageDeleted { id, message } => Some((id, message)),
            _ => None,
        })
        .await
    }

    /// A `read` frame: the user has seen the room up to `up_to`.
    pub async fn send_read(&mut self, up_to: i64) {
        self.send_json(serde_json::json!({"type": "read", "up_to": up_to}))
            .await;
    }

    /// The next lobby `unread` frame for `room_id` (other lobby frames are skipped): its
    /// count and mention flag.
    pub async fn next_unread(&mut self, room_id: i64) -> (u32, bool) {
        loop {
            let text = self.next_text().await;
            if let Ok(LobbyFrame::Unread {
                room_id: id,
                unread,
                mentioned,
            }) = serde_json::from_str(&text)
            {
                if id == room_id {
                    return (unread, mentioned);
                }
            }
        }
    }

    /// The next `error` frame's code and message.
    pub async fn next_error(&mut self) -> (chat_shared::ErrorCode, String) {
        self.next_matching(|f| match f {
            ServerFrame::Error { code, message, .. } => Some((code, message)),
            _ => None,
        })
        .await
    }

    /// Waits for the server to close the socket; returns the close code.
    pub async fn closed(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("closes within the wait")
            {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code.into()),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// Every `message` frame that arrives until none has for `quiet` (a resume's backlog
    /// follows its welcome this way).
    pub async fn messages_until_quiet(&mut self, quiet: Duration) -> Vec<chat_shared::Message> {
        let mut messages = Vec::new();
        while let Ok(Some(Ok(frame))) = tokio::time::timeout(quiet, self.stream.next()).await {
            if let Message::Text(text) = frame {
                if let Ok(ServerFrame::Message(m)) = serde_json::from_str(&text) {
                    messages.push(m);
                }
            }
        }
        messages
    }

    /// True if no frame at all arrives for `quiet`.
    pub async fn stays_quiet(&mut self, quiet: Duration) -> bool {
        loop {
            match tokio::time::timeout(quiet, self.stream.next()).await {
                Err(_) => return true,
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
                Ok(_) => return false,
            }
        }
    }
}

/// The counts of the `headcount` frames among `frames`, in order (big rooms, issue 19).
pub fn headcounts(frames: &[ServerFrame]) -> Vec<(u32, u32)> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Headcount {
                participants,
                online,
            } => Some((*participants, *online)),
            _ => None,
        })
        .collect()
}

/// The welcome frame's fields.
pub fn welcome_parts(
    frame: ServerFrame,
) -> (
    Room,
    String,
    Vec<chat_shared::Participant>,
    Vec<chat_shared::Message>,
    bool,
) {
    match frame {
        ServerFrame::Welcome {
            room,
            me,
            participants,
            history,
            has_more,
            ..
        } => (room, me, participants, history, has_more),
        other => panic!("not a welcome: {other:?}"),
    }
}
