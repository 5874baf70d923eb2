//! HTTP calls made exactly as a browser makes them: GET a page to get the `csrftoken`
//! cookie, POST the form with `X-CSRFToken`, keep `sessionid` in the cookie jar. Every call
//! asks for JSON (`Accept: application/json`) and never follows redirects.

use std::sync::Arc;
use std::time::Duration;

use chat_shared::api::{
    ErrorBody, FieldErrors, NicknameBody, RoomBody, RoomDetail, RoomList, SearchResults,
};
use chat_shared::session::{CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE};
use chat_shared::{NotifyLevel, Room};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{ACCEPT, LOCATION};
use reqwest::{Client, Response, StatusCode};
use url::Url;

const JSON: &str = "application/json";
/// Where the server sends a page asked for without a session.
const LOGIN_PAGE: &str = "/accounts/login/";

/// Why a call failed, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// No answer: connection refused, DNS, timeout.
    Unreachable(String),
    /// The server answered with an error status.
    Status {
        status: StatusCode,
        /// `{"error":..}`, or a summary of the field errors, or the status line.
        message: String,
        /// `{"errors":{field:[msg]}}` when the server sent them.
        errors: Option<FieldErrors>,
        /// A redirect to the login page: the answer to a page asked for without a session.
        to_login: bool,
    },
}

impl HttpError {
    pub fn message(&self) -> String {
        match self {
            HttpError::Unreachable(message) => message.clone(),
            HttpError::Status { message, .. } => message.clone(),
        }
    }

    /// The call needed a session and had none (it expired or was ended): 401, or a redirect
    /// to the login page.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, HttpError::Status { status, to_login, .. }
            if *status == StatusCode::UNAUTHORIZED || *to_login)
    }
}

/// A cheap-to-clone handle on the client and its cookie jar.
#[derive(Clone)]
pub struct Http {
    client: Client,
    jar: Arc<Jar>,
    base: Url,
}

impl Http {
    pub fn new(base: Url) -> anyhow::Result<Self> {
        let jar = Arc::new(Jar::default());
        let client = Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .build()?;
        Ok(Self { client, jar, base })
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The server's URL with `ws`/`wss` for a socket path.
    pub fn ws_url(&self, path: &str) -> Url {
        let mut url = self.url(path);
        let scheme = if self.base.scheme() == "https" {
            "wss"
        } else {
            "ws"
        };
        // Only http→ws and https→wss happen here, which `set_scheme` always allows.
        let _ = url.set_scheme(scheme);
        url
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(path);
        url.set_query(None);
        url
    }

    /// The current value of a cookie for this server (the jar keeps only the newest one of
    /// each name, so after login this is the fresh, session-bound `csrftoken`).
    pub fn cookie(&self, name: &str) -> Option<String> {
        let header = self.jar.cookies(&self.base)?;
        let header = header.to_str().ok()?;
        header.split(';').find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
    }

    /// Puts a saved cookie back into the jar.
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar
            .add_cookie_str(&format!("{name}={value}; Path=/"), &self.base);
    }

    /// Drops the session and CSRF cookies, so a new login starts clean and never sends a
    /// stale session along (an expired cookie removes the stored one).
    pub fn forget_cookies(&self) {
        for name in [SESSION_COOKIE, CSRF_COOKIE] {
            self.jar
                .add_cookie_str(&format!("{name}=; Max-Age=0; Path=/"), &self.base);
        }
    }

    fn unreachable(&self, error: &reqwest::Error) -> HttpError {
        HttpError::Unreachable(describe_unreachable(
            self.base.as_str().trim_end_matches('/'),
            error,
        ))
    }

    /// GETs an HTML page only for the cookies it sets (`csrftoken`).
    async fn get_page(&self, path: &str) -> Result<Response, HttpError> {
        self.client
            .get(self.url(path))
            .header(ACCEPT, "text/html")
            .send()
            .await
            .map_err(|e| self.unreachable(&e))
    }

    /// GETs `url` asking for JSON, and reads a 200's body as `T`.
    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: Url) -> Result<T, HttpError> {
        let response = self
            .client
            .get(url)
            .header(ACCEPT, JSON)
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        expect_json::<T>(response, StatusCode::OK).await
    }

    /// POSTs a form with the CSRF header, fetching the token first if we have none.
    async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Result<Response, HttpError> {
        if self.cookie(CSRF_COOKIE).is_none() {
            self.get_page(LOGIN_PAGE).await?;
        }
        let token = self.cookie(CSRF_COOKIE).unwrap_or_default();
        self.client
            .post(self.url(path))
            .header(ACCEPT, JSON)
            .header(CSRF_HEADER, token)
            .form(form)
            .send()
            .await
            .map_err(|e| self.unreachable(&e))
    }

    /// Logs in; returns the nickname. A wrong password comes back as the server's message.
    pub async fn login(&self, email: &str, password: &str) -> Result<String, HttpError> {
        self.forget_cookies();
        self.get_page(LOGIN_PAGE).await?;
        let response = self
            .post_form(LOGIN_PAGE, &[("username", email), ("password", password)])
            .await?;
        Ok(expect_json::<NicknameBody>(response, StatusCode::OK)
            .await?
            .nickname)
    }

    pub async fn register(
        &self,
        email: &str,
        nickname: &str,
        password1: &str,
        password2: &str,
    ) -> Result<String, HttpError> {
        self.forget_cookies();
        self.get_page("/accounts/register/").await?;
        let form = [
            ("email", email),
            ("nickname", nickname),
            ("password1", password1),
            ("password2", password2),
        ];
        let response = self.post_form("/accounts/register/", &form).await?;
        Ok(expect_json::<NicknameBody>(response, StatusCode::CREATED)
            .await?
            .nickname)
    }

    pub async fn logout(&self) -> Result<(), HttpError> {
        let response = self.post_form("/accounts/logout/", &[]).await?;
        expect_empty(response).await
    }

    /// Is the session in the jar still good? Asks for a page that needs one (the create-room
    /// form): 200 means yes, a redirect to the login page or 401 means no.
    pub async fn check_session(&self) -> Result<bool, HttpError> {
        let response = self.get_page("/chat/create/").await?;
        let status = response.status();
        Ok(!(status.is_redirection() || status == StatusCode::UNAUTHORIZED))
    }

    pub async fn create_room(&self, title: &str) -> Result<Room, HttpError> {
        let response = self.post_form("/chat/create/", &[("title", title)]).await?;
        Ok(expect_json::<RoomBody>(response, StatusCode::CREATED)
            .await?
            .room)
    }

    pub async fn rename_room(&self, room_id: i64, title: &str) -> Result<Room, HttpError> {
        let path = format!("/chat/{room_id}/edit/");
        let response = self.post_form(&path, &[("title", title)]).await?;
        Ok(expect_json::<RoomBody>(response, StatusCode::OK)
            .await?
            .room)
    }

    /// The page of active rooms older than `before` (no session needed).
    pub async fn rooms_before(&self, before: i64) -> Result<RoomList, HttpError> {
        let mut url = self.url("/chat/list/");
        url.set_query(Some(&format!("before={before}")));
        self.get_json(url).await
    }

    /// The lines matching `query`, newest first, in `room` or in every room we are in; the
    /// page of lines older than `before` when given (the previous page's `next_before`).
    pub async fn search(
        &self,
        query: &str,
        room: Option<i64>,
        before: Option<i64>,
    ) -> Result<SearchResults, HttpError> {
        let mut url = self.url("/chat/search/");
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("q", query);
            if let Some(room) = room {
                pairs.append_pair("room", &room.to_string());
            }
            if let Some(before) = before {
                pairs.append_pair("before", &before.to_string());
            }
        }
        self.get_json(url).await
    }

    /// `ban: true` bans `nickname` from the room, `false` lifts the ban (its creator only).
    pub async fn ban(&self, room_id: i64, nickname: &str, ban: bool) -> Result<(), HttpError> {
        let verb = if ban { "ban" } else { "unban" };
        let path = format!("/chat/{room_id}/{verb}");
        let response = self.post_form(&path, &[("nickname", nickname)]).await?;
        expect_empty(response).await
    }

    /// The room as the server shows it to us (`GET /chat/{id}` JSON).
    pub async fn room_detail(&self, room_id: i64) -> Result<RoomDetail, HttpError> {
        self.get_json(self.url(&format!("/chat/{room_id}"))).await
    }

    /// Keeps on the server which of the room's lines notify us.
    pub async fn set_notify(&self, room_id: i64, level: NotifyLevel) -> Result<(), HttpError> {
        let path = format!("/chat/{room_id}/notify");
        let response = self.post_form(&path, &[("level", level.as_str())]).await?;
        expect_empty(response).await
    }

    pub async fn leave_room(&self, room_id: i64) -> Result<(), HttpError> {
        let path = format!("/chat/{room_id}/leave/");
        let response = self.post_form(&path, &[]).await?;
        expect_empty(response).await
    }
}

/// "Cannot reach http://…: connection refused. Is the server running?"
fn describe_unreachable(base: &str, error: &reqwest::Error) -> String {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut detail = error.to_string();
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            detail = match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
                _ => io.to_string(),
            };
        }
        cause = e.source();
    }
    if error.is_timeout() {
        detail = "no answer (timed out)".to_owned();
    }
    format!("Cannot reach {base}: {detail}. Is the server running?")
}

/// The body as `T` if the status is `expected`, else the server's error.
async fn expect_json<T: serde::de::DeserializeOwned>(
    response: Response,
    expected: StatusCode,
) -> Result<T, HttpError> {
    if response.status() != expected {
        return Err(error_from(response).await);
    }
    let status = response.status();
    response.json::<T>().await.map_err(|e| HttpError::Status {
        status,
        message: format!("The server sent an answer this client does not understand: {e}"),
        errors: None,
        to_login: false,
    })
}

async fn expect_empty(response: Response) -> Result<(), HttpError> {
    if response.status().is_success() {
        Ok(())
    } else {
        Err(error_from(response).await)
    }
}

/// Reads `{"error":..}` or `{"errors":{..}}` from a failed response.
async fn error_from(response: Response) -> HttpError {
    let status = response.status();
    let to_login = status.is_redirection()
        && response
            .headers()
            .get(LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| response.url().join(l).ok())
            .is_some_and(|l| l.path() == LOGIN_PAGE);
    if to_login {
        return HttpError::Status {
            status,
            message: "Your session has expired or was ended. Log in again.".to_owned(),
            errors: None,
            to_login,
        };
    }
    let text = response.text().await.unwrap_or_default();
    if let Ok(errors) = serde_json::from_str::<FieldErrors>(&text) {
        let message = errors
            .errors
            .iter()
            .flat_map(|(field, messages)| messages.iter().map(move |m| format!("{field}: {m}")))
            .collect::<Vec<_>>()
            .join("; ");
        return HttpError::Status {
            status,
            message,
            errors: Some(errors),
            to_login,
        };
    }
    let message = match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => body.error,
        Err(_) => match status {
            StatusCode::FORBIDDEN => "The server refused this (403).".to_owned(),
            StatusCode::NOT_FOUND => "Not found (404): the room may have been removed.".to_owned(),
            _ => format!("The server answered {status}."),
        },
    };
    HttpError::Status {
        status,
        message,
        errors: None,
        to_login,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http() -> Http {
        Http::new(Url::parse("http://127.0.0.1:8000").expect("url")).expect("client")
    }

    #[test]
    fn cookies_are_read_by_name_and_can_be_forgotten() {
        let http = http();
        http.set_cookie(SESSION_COOKIE, "abc");
        http.set_cookie(CSRF_COOKIE, "t1");
        http.set_cookie(CSRF_COOKIE, "t2");
        assert_eq!(http.cookie(SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(
            http.cookie(CSRF_COOKIE).as_deref(),
            Some("t2"),
            "the newest one wins"
        );
        http.forget_cookies();
        assert_eq!(http.cookie(SESSION_COOKIE), None);
        assert_eq!(http.cookie(CSRF_COOKIE), None);
    }

    #[test]
    fn socket_urls_follow_the_servers_scheme() {
        assert_eq!(
            http().ws_url("/ws/lobby").as_str(),
            "ws://127.0.0.1:8000/ws/lobby"
        );
        let tls = Http::new(Url::parse("https://chat.example/").expect("url")).expect("client");
        assert_eq!(
            tls.ws_url("/ws/chat/3/").as_str(),
            "wss://chat.example/ws/chat/3/"
        );
    }
}
