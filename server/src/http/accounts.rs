//! `/accounts/*`: registration, login and logout (CONTRACT.md "HTTP", "Sessions and CSRF").

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use chat_shared::api::{FieldErrors, NicknameBody};
use chat_shared::limits::{is_forbidden_in_names, EMAIL_MAX_CHARS, NICKNAME_MAX_CHARS};
use chat_shared::names;
use serde::Deserialize;

use super::pages::{render, Ctx, LoginPage, RegisterPage};
use super::{found, json_error, wait_secs, with_retry_after, Input, Routes};
use crate::auth::csrf::{anonymous_binding, csrf_cookie, presession_cookie};
use crate::auth::password::{check_password, hash_password, verify_password};
use crate::auth::session::{
    cookie_header, hash_token, is_https, new_token, request_cookie, SESSION_COOKIE,
};
use crate::error::AppError;
use crate::i18n::Texts;
use crate::state::AppState;
use crate::store::{now_ms, CreateUserError, NewUser};

pub fn routes() -> Routes {
    vec![
        ("/accounts/register", get(register_form).post(register)),
        ("/accounts/login", get(login_form).post(login)),
        ("/accounts/logout", post(logout)),
    ]
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RegisterForm {
    pub email: String,
    pub nickname: String,
    pub password1: String,
    pub password2: String,
}

async fn register_form(ctx: Ctx) -> Result<Response, AppError> {
    render(
        StatusCode::OK,
        &RegisterPage {
            c: ctx.chrome(),
            email: String::new(),
            nickname: String::new(),
            errors: Default::default(),
        },
    )
}

/// Every rule the seed showed, each failure under its own field. `chat-server admin
/// create-user` applies the same.
pub(crate) fn validate_registration(form: &RegisterForm, t: &Texts) -> FieldErrors {
    let mut errors = FieldErrors::default();
    let email = form.email.trim();
    let nickname = form.nickname.trim();
    if email.is_empty() {
        errors.add("email", t.err_required);
    } else if !is_email(email) {
        errors.add("email", t.err_email_invalid);
    }
    if nickname.is_empty() {
        errors.add("nickname", t.err_nickname_required);
    } else if nickname.chars().count() > NICKNAME_MAX_CHARS {
        errors.add("nickname", t.err_nickname_too_long);
    } else if nickname.chars().any(is_forbidden_in_names) {
        errors.add("nickname", t.err_nickname_chars);
    } else if !names::has_visible(nickname) {
        errors.add("nickname", t.err_nickname_invisible);
    }
    if form.password1.is_empty() {
        errors.add("password1", t.err_required);
    }
    if form.password2.is_empty() {
        errors.add("password2", t.err_required);
    } else if form.password1 != form.password2 {
        errors.add("password2", t.err_password_mismatch);
    } else {
        for problem in check_password(&form.password2, email, nickname) {
            errors.add("password2", t.password_problem(problem));
        }
    }
    errors
}

/// An address with a local part, an `@` and a dotted domain.
fn is_email(value: &str) -> bool {
    value.chars().count() <= EMAIL_MAX_CHARS
        && email_address::EmailAddress::is_valid(value)
        && value.rsplit_once('@').is_some_and(|(_, domain)| {
            domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
}

#[tracing::instrument(skip_all)]
async fn register(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ctx: Ctx,
    Input(mut form): Input<RegisterForm>,
) -> Result<Response, AppError> {
    // Per address, as `--login-per-minute-per-address` says: unthrottled, one address made
    // 426 accounts in 15 s, and "email taken" answered as fast as it was asked (issue 18).
    if let Err(wait) = state.login_throttle.attempt(None, peer.ip()) {
        crate::metrics::refused("register_throttled");
        let message = ctx.t.too_many(wait_secs(wait));
        let response = if ctx.json {
            json_error(StatusCode::TOO_MANY_REQUESTS, message)
        } else {
            // The form has no place for an error of its own; the first field's is seen first.
            let mut errors = BTreeMap::new();
            errors.insert("email".to_owned(), vec![message]);
            render(
                StatusCode::TOO_MANY_REQUESTS,
                &RegisterPage {
                    c: ctx.chrome(),
                    email: form.email,
                    nickname: form.nickname,
                    errors,
                },
            )?
        };
        return Ok(with_retry_after(response, wait));
    }
    // The nickname as it will be stored and shown (NFKC), checked and shown back as such.
    form.nickname = names::normalize(&form.nickname);
    let mut errors = validate_registration(&form, ctx.t);
    // Every error at once, as the seed showed: a taken email or nickname is reported even
    // when the password is also wrong.
    let (email, nickname) = (form.email.trim(), form.nickname.trim());
    if errors.first("email").is_none() || errors.first("nickname").is_none() {
        let (email_taken, nickname_taken) = state.store.taken(email, nickname).await?;
        if email_taken && errors.first("email").is_none() {
            errors.add("email", ctx.t.err_email_taken);
        }
        if nickname_taken && errors.first("nickname").is_none() {
            errors.add("nickname", ctx.t.err_nickname_taken);
        }
    }
    if errors.is_empty() {
        let password_hash = hash_password(form.password1.clone()).await?;
        let new = NewUser {
            email: form.email.trim().to_owned(),
            nickname: form.nickname.trim().to_owned(),
            password_hash,
        };
        match state.store.create_user(new).await {
            Ok(user) => {
                tracing::info!(nickname = %user.nickname, "registered");
                return Ok(if ctx.json {
                    (
                        StatusCode::CREATED,
                        Json(NicknameBody {
                            nickname: user.nickname,
                        }),
                    )
                        .into_response()
                } else {
                    found("/accounts/login/")
                });
            }
            Err(CreateUserError::EmailTaken) => errors.add("email", ctx.t.err_email_taken),
            Err(CreateUserError::NicknameTaken) => errors.add("nickname", ctx.t.err_nickname_taken),
            Err(CreateUserError::Store(e)) => return Err(e.into()),
        }
    }
    if ctx.json {
        return Ok((StatusCode::BAD_REQUEST, Json(errors)).into_response());
    }
    render(
        StatusCode::BAD_REQUEST,
        &RegisterPage {
            c: ctx.chrome(),
            email: form.email,
            nickname: form.nickname,
            errors: errors.errors,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NextQuery {
    next: String,
}

/// Only a path on this site: not `//host`, not `/\host`, not a URL with a scheme.
fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    ok.then_some(next)
}

async fn login_form(ctx: Ctx, Query(q): Query<NextQuery>) -> Result<Response, AppError> {
    render(
        StatusCode::OK,
        &LoginPage {
            c: ctx.chrome(),
            username: String::new(),
            next: safe_next(&q.next).unwrap_or_default().to_owned(),
            error: None,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LoginForm {
    username: String,
    password: String,
    next: String,
}

#[tracing::instrument(skip_all)]
async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
    Input(form): Input<LoginForm>,
) -> Result<Response, AppError> {
    let email = form.username.trim();
    if let Err(wait) = state.login_throttle.attempt(Some(email), peer.ip()) {
        crate::metrics::refused("login_throttled");
        let message = ctx.t.too_many(wait_secs(wait));
        let response = if ctx.json {
            json_error(StatusCode::TOO_MANY_REQUESTS, message)
        } else {
            let next = if form.next.is_empty() {
                q.next
            } else {
                form.next
            };
            render(
                StatusCode::TOO_MANY_REQUESTS,
                &LoginPage {
                    c: ctx.chrome(),
                    username: form.username,
                    next: safe_next(&next).unwrap_or_default().to_owned(),
                    error: Some(message),
                },
            )?
        };
        return Ok(with_retry_after(response, wait));
    }
    let credentials = if email.is_empty() {
        None
    } else {
        state.store.credentials(email).await?
    };
    let (user, hash) = match credentials {
        Some(c) => (Some(c.user), Some(c.password_hash)),
        None => (None, None),
    };
    let verified = verify_password(form.password.clone(), hash).await?;
    let Some(user) = user.filter(|_| verified) else {
        metrics::counter!(crate::metrics::LOGINS, "result" => "failure").increment(1);
        let message = ctx.t.err_login_failed.to_owned();
        if ctx.json {
            return Ok(json_error(StatusCode::UNAUTHORIZED, message));
        }
        let next = if form.next.is_empty() {
            q.next
        } else {
            form.next
        };
        return render(
            StatusCode::UNAUTHORIZED,
            &LoginPage {
                c: ctx.chrome(),
                username: form.username,
                next: safe_next(&next).unwrap_or_default().to_owned(),
                error: Some(message),
            },
        );
    };

    // A new session id at every login (no fixation); the old session, if any, ends.
    if let Some(old) = request_cookie(&ctx.headers, SESSION_COOKIE) {
        state.store.delete_session(&hash_token(&old)).await?;
    }
    let token = new_token();
    let session_hash = hash_token(&token);
    let max_age = state.config.session_seconds;
    state
        .store
        .create_session(&session_hash, user.id, now_ms() + max_age * 1000)
        .await?;
    tracing::info!(nickname = %user.nickname, "logged in");
    metrics::counter!(crate::metrics::LOGINS, "result" => "success").increment(1);

    let next = if form.next.is_empty() {
        q.next
    } else {
        form.next
    };
    let mut response = if ctx.json {
        (
            StatusCode::OK,
            Json(NicknameBody {
                nickname: user.nickname,
            }),
        )
            .into_response()
    } else {
        found(safe_next(&next).unwrap_or("/chat/list/"))
    };
    let secure = is_https(&ctx.headers);
    set_cookie(
        &mut response,
        &cookie_header(SESSION_COOKIE, &token, max_age, true, secure),
    );
    // A fresh CSRF token bound to the new session.
    set_cookie(
        &mut response,
        &csrf_cookie(&state.csrf.issue(&session_hash), &ctx.headers),
    );
    Ok(response)
}

fn set_cookie(response: &mut Response, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

async fn logout(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let current = ctx.require_user()?;
    state.store.delete_session(&current.session_hash).await?;
    state.rooms.end_session(&current.session_hash).await;
    tracing::info!(nickname = %current.user.nickname, "logged out");
    let mut response = if ctx.json {
        StatusCode::NO_CONTENT.into_response()
    } else {
        found("/chat/list/")
    };
    let secure = is_https(&ctx.headers);
    set_cookie(
        &mut response,
        &cookie_header(SESSION_COOKIE, "", 0, true, secure),
    );
    // Logged out, the visitor's token is bound to their pre-session again.
    let (binding, new_presession) = anonymous_binding(&ctx.headers);
    set_cookie(
        &mut response,
        &csrf_cookie(&state.csrf.issue(&binding), &ctx.headers),
    );
    if let Some(presession) = new_presession {
        set_cookie(&mut response, &presession_cookie(&presession, &ctx.headers));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(safe_next("/chat/3/"), Some("/chat/3/"));
        assert_eq!(safe_next("//evil.example/"), None);
        assert_eq!(safe_next("/\\evil.example"), None);
        assert_eq!(safe_next("https://evil.example/"), None);
        assert_eq!(safe_next(""), None);
    }

    #[test]
    fn emails_need_an_at_and_a_domain() {
        assert!(is_email("kim@example.com"));
        assert!(!is_email("kim.example.com"));
        assert!(!is_email("kim@localhost"));
        assert!(!is_email("@example.com"));
    }
}
