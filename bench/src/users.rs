//! Virtual users' accounts on the real server, signed in as a browser would (GET a form for the
//! `csrftoken` cookie, POST with `X-CSRFToken`), and their session cookies cached in a file so
//! that only the first run against a database pays for argon2.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{bail, Context};
use chat_shared::api::{FieldErrors, RoomBody};
use chat_shared::session::{CSRF_COOKIE, CSRF_HEADER, PRESESSION_COOKIE, SESSION_COOKIE};
use futures_util::StreamExt;
use reqwest::header::{ACCEPT, COOKIE, RETRY_AFTER, SET_COOKIE};
use reqwest::{Client, Response, StatusCode};
use serde::{Deserialize, Serialize};
use url::Url;

/// Every virtual user's password: long, not common, and without digits, so it is never
/// "too similar" to an email or nickname that carries the user's number.
const PASSWORD: &str = "Violet-Harbor-Lantern";
const JSON: &str = "application/json";
/// How often one POST is retried while the server answers 429.
const MAX_THROTTLED_RETRIES: usize = 600;
static THROTTLE_HINT_SHOWN: AtomicBool = AtomicBool::new(false);

pub fn email(user: usize) -> String {
    format!("bench-user-{user}@bench.example")
}

pub fn nickname(user: usize) -> String {
    format!("bench{user}")
}

/// Where the sessions are cached and how many sign-ins run at once.
#[derive(Debug, Clone)]
pub struct UsersOptions {
    /// The cache file; `None` picks `target/bench-users-<hash of URL and tag>.json`.
    pub cache: Option<PathBuf>,
    /// Told apart from another database behind the same URL (e.g. the `DATABASE_URL`).
    pub tag: String,
    /// Sign-ins in flight at once. Each is an argon2 hash, CPU-bound on the server (about
    /// 50 ms, BENCHMARKS.md), so more than the server's cores only queues there.
    pub concurrency: usize,
}

/// The cookies a signed-in user sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub sessionid: String,
    /// The CSRF token bound to this session, for POSTs.
    pub csrftoken: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    server: String,
    tag: String,
    sessions: BTreeMap<usize, Session>,
}

pub struct Users {
    accounts: Accounts,
    cache_path: PathBuf,
    tag: String,
    concurrency: usize,
    sessions: BTreeMap<usize, Session>,
}

impl Users {
    /// Opens the cache for this server (an unreadable or foreign cache starts empty).
    pub fn open(base: Url, options: &UsersOptions) -> anyhow::Result<Self> {
        let cache_path = options
            .cache
            .clone()
            .unwrap_or_else(|| default_cache_path(&base, &options.tag));
        let sessions = std::fs::read(&cache_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
            .filter(|cache| cache.server == base.as_str() && cache.tag == options.tag)
            .map(|cache| cache.sessions)
            .unwrap_or_default();
        Ok(Self {
            accounts: Accounts::new(base)?,
            cache_path,
            tag: options.tag.clone(),
            concurrency: options.concurrency.max(1),
            sessions,
        })
    }

    /// Makes sure users `0..count` have a session: cached, or registered and logged in now.
    pub async fn ensure(&mut self, count: usize) -> anyhow::Result<()> {
        let missing: Vec<usize> = (0..count)
            .filter(|u| !self.sessions.contains_key(u))
            .collect();
        self.sign_in_all(&missing, false).await
    }

    /// Logs these users in again (their sessions were refused), registering any that the
    /// server does not know (a fresh database behind the same URL).
    pub async fn refresh(&mut self, users: &[usize]) -> anyhow::Result<()> {
        self.sign_in_all(users, true).await
    }

    async fn sign_in_all(&mut self, users: &[usize], may_exist: bool) -> anyhow::Result<()> {
        if users.is_empty() {
            return Ok(());
        }
        eprintln!(
            "  signing in {} users, {} at a time (argon2 costs the server ~50 ms CPU each; cached in {})",
            users.len(),
            self.concurrency,
            self.cache_path.display()
        );
        let csrf = self.accounts.anonymous_csrf().await?;
        let accounts = &self.accounts;
        let mut results = futures_util::stream::iter(users.iter().map(|&user| {
            let csrf = csrf.clone();
            async move { (user, accounts.sign_in(user, &csrf, may_exist).await) }
        }))
        .buffer_unordered(self.concurrency);
        let mut first_error = None;
        let mut done = 0usize;
        while let Some((user, result)) = results.next().await {
            match result {
                Ok(session) => {
                    self.sessions.insert(user, session);
                }
                Err(e) => {
                    first_error.get_or_insert(e.context(format!("signing in {}", email(user))));
                }
            }
            done += 1;
            if done % 250 == 0 {
                eprintln!("  {done}/{} signed in", users.len());
                save(
                    &self.cache_path,
                    self.accounts.base.as_str(),
                    &self.tag,
                    &self.sessions,
                );
            }
        }
        save(
            &self.cache_path,
            self.accounts.base.as_str(),
            &self.tag,
            &self.sessions,
        );
        first_error.map_or(Ok(()), Err)
    }

    /// The `Cookie` header for a user's WebSocket.
    pub fn cookie(&self, user: usize) -> String {
        self.sessions
            .get(&user)
            .map(|s| format!("{SESSION_COOKIE}={}", s.sessionid))
            .unwrap_or_default()
    }

    /// Creates a room as user 0 and returns its id.
    pub async fn create_room(&mut self, title: &str) -> anyhow::Result<i64> {
        self.ensure(1).await?;
        for attempt in 0..2 {
            let session = self.sessions.get(&0).cloned().unwrap_or_else(|| Session {
                sessionid: String::new(),
                csrftoken: String::new(),
            });
            let response = self.accounts.create_room(&session, title).await?;
            match response.status() {
                StatusCode::CREATED => {
                    let body: RoomBody = response.json().await.context("reading the new room")?;
                    return Ok(body.room.id);
                }
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN if attempt == 0 => {
                    self.refresh(&[0]).await?;
                }
                status => bail!(
                    "creating a room answered {status}: {}",
                    response.text().await.unwrap_or_default()
                ),
            }
        }
        bail!("creating a room was refused even after logging in again")
    }
}

fn default_cache_path(base: &Url, tag: &str) -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| "target".into(), PathBuf::from);
    target.join(format!(
        "bench-users-{:016x}.json",
        fnv1a(format!("{base}|{tag}").as_bytes())
    ))
}

/// FNV-1a: a stable hash for the cache's file name (std's hasher may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Writes the cache; a failure only costs the next run its sign-ins, so it is reported, not fatal.
fn save(path: &PathBuf, server: &str, tag: &str, sessions: &BTreeMap<usize, Session>) {
    let cache = CacheFile {
        server: server.to_owned(),
        tag: tag.to_owned(),
        sessions: sessions.clone(),
    };
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| {
            std::fs::write(
                path,
                serde_json::to_vec(&cache).expect("the cache serializes"),
            )
        });
    if let Err(e) = written {
        eprintln!("  could not save the session cache {}: {e}", path.display());
    }
}

/// The account endpoints, called without a cookie jar: the cookies are set by hand.
struct Accounts {
    http: Client,
    base: Url,
}

impl Accounts {
    fn new(base: Url) -> anyhow::Result<Self> {
        let http = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(120))
            .build()?;
        Ok(Self { http, base })
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(path);
        url
    }

    /// A `csrftoken` from the registration form, with the pre-session it is bound to (the
    /// server binds anonymous tokens to a visitor's own pre-session cookie). One visitor's
    /// pair serves every registration and login.
    async fn anonymous_csrf(&self) -> anyhow::Result<Anonymous> {
        let response = self
            .http
            .get(self.url("/accounts/register/"))
            .send()
            .await
            .with_context(|| format!("is the server running at {}?", self.base))?;
        let token = cookie(&response, CSRF_COOKIE)
            .with_context(|| format!("the registration form set no {CSRF_COOKIE} cookie"))?;
        let cookies = match cookie(&response, PRESESSION_COOKIE) {
            Some(presession) => format!("{CSRF_COOKIE}={token}; {PRESESSION_COOKIE}={presession}"),
            // A server of an earlier release binds anonymous tokens to nothing.
            None => format!("{CSRF_COOKIE}={token}"),
        };
        Ok(Anonymous { token, cookies })
    }

    async fn post_form(
        &self,
        path: &str,
        csrf: &str,
        cookies: &str,
        form: &[(&str, &str)],
    ) -> anyhow::Result<Response> {
        for _ in 0..MAX_THROTTLED_RETRIES {
            let response = self
                .http
                .post(self.url(path))
                .header(ACCEPT, JSON)
                .header(CSRF_HEADER, csrf)
                .header(COOKIE, cookies)
                .form(form)
                .send()
                .await?;
            if response.status() != StatusCode::TOO_MANY_REQUESTS {
                return Ok(response);
            }
            // The server throttles logins per address; all virtual users share 127.0.0.1.
            if !THROTTLE_HINT_SHOWN.swap(true, Ordering::Relaxed) {
                eprintln!(
                    "  the server throttles sign-ins (429); waiting as told. Start the server under test with \
                     LOGIN_PER_MINUTE_PER_ADDRESS=1000000 to sign in thousands of users quickly"
                );
            }
            let wait = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
                .unwrap_or(1);
            tokio::time::sleep(Duration::from_secs(wait.clamp(1, 60))).await;
        }
        bail!("{path} stayed throttled (429) after {MAX_THROTTLED_RETRIES} tries")
    }

    /// Registers (unless it may exist and logs in fine) and logs in.
    async fn sign_in(
        &self,
        user: usize,
        csrf: &Anonymous,
        may_exist: bool,
    ) -> anyhow::Result<Session> {
        if may_exist {
            if let Some(session) = self.login(user, csrf).await? {
                return Ok(session);
            }
        }
        self.register(user, csrf).await?;
        self.login(user, csrf)
            .await?
            .context("login refused right after registering")
    }

    async fn register(&self, user: usize, csrf: &Anonymous) -> anyhow::Result<()> {
        let (email, nickname) = (email(user), nickname(user));
        let response = self
            .post_form(
                "/accounts/register/",
                &csrf.token,
                &csrf.cookies,
                &[
                    ("email", &email),
                    ("nickname", &nickname),
                    ("password1", PASSWORD),
                    ("password2", PASSWORD),
                ],
            )
            .await?;
        match response.status() {
            StatusCode::CREATED => Ok(()),
            StatusCode::BAD_REQUEST => {
                let errors: FieldErrors = response.json().await.unwrap_or_default();
                // Already registered (by an earlier run; the nickname then clashes too):
                // logging in is all that is left, and it tells whether that is so.
                if errors.first("email").is_some() {
                    Ok(())
                } else {
                    bail!("registration refused: {:?}", errors.errors)
                }
            }
            status => bail!(
                "registration answered {status}: {}",
                response.text().await.unwrap_or_default()
            ),
        }
    }

    /// The session, or `None` if the credentials were refused (401).
    async fn login(&self, user: usize, csrf: &Anonymous) -> anyhow::Result<Option<Session>> {
        let response = self
            .post_form(
                "/accounts/login/",
                &csrf.token,
                &csrf.cookies,
                &[("username", &email(user)), ("password", PASSWORD)],
            )
            .await?;
        match response.status() {
            StatusCode::OK => Ok(Some(Session {
                sessionid: cookie(&response, SESSION_COOKIE)
                    .with_context(|| format!("login set no {SESSION_COOKIE}"))?,
                csrftoken: cookie(&response, CSRF_COOKIE).unwrap_or_else(|| csrf.token.clone()),
            })),
            StatusCode::UNAUTHORIZED => Ok(None),
            status => bail!(
                "login answered {status}: {}",
                response.text().await.unwrap_or_default()
            ),
        }
    }

    async fn create_room(&self, session: &Session, title: &str) -> anyhow::Result<Response> {
        self.post_form(
            "/chat/create/",
            &session.csrftoken,
            &format!(
                "{SESSION_COOKIE}={}; {CSRF_COOKIE}={}",
                session.sessionid, session.csrftoken
            ),
            &[("title", title)],
        )
        .await
    }
}

/// A cookie's value from the response's `Set-Cookie` headers.
/// An anonymous visitor's CSRF token and the cookies it is valid with.
#[derive(Clone)]
struct Anonymous {
    token: String,
    cookies: String,
}

fn cookie(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next()?.split_once('='))
        .find(|(key, _)| key.trim() == name)
        .map(|(_, value)| value.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_file_name_depends_on_server_and_tag_only() {
        let a: Url = "http://127.0.0.1:8000".parse().unwrap();
        let b: Url = "http://127.0.0.1:8001".parse().unwrap();
        assert_eq!(default_cache_path(&a, ""), default_cache_path(&a, ""));
        assert_ne!(default_cache_path(&a, ""), default_cache_path(&b, ""));
        assert_ne!(default_cache_path(&a, ""), default_cache_path(&a, "pg"));
    }
}
