//! Helpers shared by the end-to-end tests: a browser-like user talking HTTP and WebSocket
//! to the real server, with cookies and the CSRF header, and (`terminal`) the real binary in a
//! pseudo-terminal.

#![allow(dead_code)]

pub mod terminal;

use std::sync::Arc;

use anyhow::{ensure, Context};
use chat_shared::api::RoomBody;
use chat_shared::{ClientFrame, Room};
use futures_util::SinkExt;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::ACCEPT;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A password the server's rules accept.
pub const PASSWORD: &str = "correct-horse-42";

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A browser-like HTTP client for one user: cookie jar, CSRF header, JSON answers.
pub struct User {
    client: reqwest::Client,
    jar: Arc<Jar>,
    base: url::Url,
}

impl User {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            client,
            jar,
            base: url::Url::parse(base)?,
        })
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        let header = self.jar.cookies(&self.base)?;
        header.to_str().ok()?.split(';').find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
    }

    /// GETs `page` for its CSRF cookie, then POSTs `form` to it with the token.
    pub async fn post(
        &self,
        page: &str,
        form: &[(&str, &str)],
    ) -> anyhow::Result<reqwest::Response> {
        let url = self.base.join(page)?;
        self.client.get(url.clone()).send().await?;
        let token = self
            .cookie("csrftoken")
            .context("no csrftoken cookie after a GET")?;
        Ok(self
            .client
            .post(url)
            .header(ACCEPT, "application/json")
            .header("X-CSRFToken", token)
            .form(form)
            .send()
            .await?)
    }

    pub async fn register(&self, email: &str, nickname: &str) -> anyhow::Result<()> {
        let form = [
            ("email", email),
            ("nickname", nickname),
            ("password1", PASSWORD),
            ("password2", PASSWORD),
        ];
        let response = self.post("/accounts/register/", &form).await?;
        ensure!(
            response.status() == 201,
            "register: {}",
            response.text().await?
        );
        Ok(())
    }

    pub async fn login(&self, email: &str) -> anyhow::Result<()> {
        let response = self
            .post(
                "/accounts/login/",
                &[("username", email), ("password", PASSWORD)],
            )
            .await?;
        ensure!(
            response.status() == 200,
            "login: {}",
            response.text().await?
        );
        Ok(())
    }
}

impl User {
    /// Creates a room (the user must be logged in).
    pub async fn create_room(&self, title: &str) -> anyhow::Result<Room> {
        let response = self.post("/chat/create/", &[("title", title)]).await?;
        ensure!(
            response.status() == 201,
            "create: {}",
            response.text().await?
        );
        Ok(response.json::<RoomBody>().await?.room)
    }

    /// Opens the room's socket with this user's session cookie.
    pub async fn connect(&self, room_id: i64) -> anyhow::Result<Socket> {
        let base = self.base.as_str().trim_end_matches('/');
        let url = format!("{}/ws/chat/{room_id}/", base.replacen("http", "ws", 1));
        let mut request = url.into_client_request()?;
        let sid = self.cookie("sessionid").context("the user has a session")?;
        request
            .headers_mut()
            .insert("Cookie", format!("sessionid={sid}").parse()?);
        Ok(tokio_tungstenite::connect_async(request).await?.0)
    }
}

/// Sends a chat line on `socket`.
pub async fn say(socket: &mut Socket, body: &str, nonce: &str) -> anyhow::Result<()> {
    let frame = ClientFrame::Send {
        body: body.into(),
        nonce: Some(nonce.into()),
    };
    socket
        .send(WsMessage::text(serde_json::to_string(&frame)?))
        .await?;
    Ok(())
}
