//! CSRF, origins, headers and what users type being shown as text.

use reqwest::header::{CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{spawn_app, PASSWORD};

#[tokio::test]
async fn posts_without_a_matching_csrf_token_are_refused() {
    let app = spawn_app().await;
    let user = app.user("u").await;
    let token = user.csrf().await;
    let url = user.url("/chat/create/");
    let no_token = user
        .client
        .post(&url)
        .form(&[("title", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    assert!(no_token.text().await.unwrap().contains("Reload the page"));
    let wrong = user
        .client
        .post(&url)
        .form(&[("title", "x"), ("csrfmiddlewaretoken", "forged.value")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let header_json = user
        .client
        .post(&url)
        .header("Accept", "application/json")
        .header("X-CSRFToken", "forged.value")
        .form(&[("title", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(header_json.status(), StatusCode::FORBIDDEN);
    let body: Value = header_json.json().await.unwrap();
    assert!(body["error"].is_string());

    // A token planted by another site (cookie and field agree, but we never signed it).
    let planted = app
        .visitor()
        .client
        .post(user.url("/accounts/register/"))
        .header("Cookie", "csrftoken=planted.token")
        .form(&[
            ("email", "p@example.com"),
            ("nickname", "p"),
            ("password1", PASSWORD),
            ("password2", PASSWORD),
            ("csrfmiddlewaretoken", "planted.token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(planted.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.visitor()
            .login("p@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "nothing was registered"
    );

    let ok = user
        .client
        .post(&url)
        .form(&[("title", "x"), ("csrfmiddlewaretoken", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::FOUND);
    let rooms: Value = user.get_json("/chat/list/").await.json().await.unwrap();
    assert_eq!(
        rooms["rooms"].as_array().unwrap().len(),
        1,
        "only the good POST stored a room"
    );
}

#[tokio::test]
async fn posts_from_another_origin_are_refused() {
    let app = spawn_app().await;
    let user = app.user("u").await;
    let token = user.csrf().await;
    for (name, value) in [
        ("Origin", "http://evil.example"),
        ("Referer", "http://evil.example/form"),
    ] {
        let response = user
            .client
            .post(user.url("/chat/create/"))
            .header(name, value)
            .form(&[("title", "x"), ("csrfmiddlewaretoken", &token)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{name}");
    }
    let same = user
        .client
        .post(user.url("/chat/create/"))
        .header("Origin", &app.url)
        .form(&[("title", "x"), ("csrfmiddlewaretoken", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::FOUND);
}

#[tokio::test]
async fn pages_send_security_headers() {
    let app = spawn_app().await;
    let response = app.visitor().get("/chat/list/").await;
    let csp = response.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(response.headers()[X_FRAME_OPTIONS], "DENY");
    assert_eq!(response.headers()[X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(response.headers().contains_key("referrer-policy"));
    let html = response.text().await.unwrap();
    assert!(!html.contains("<script>"), "no inline script");
    for asset in [
        "/static/app.css",
        "/static/lobby.js",
        "/static/room.js",
        "/static/common.js",
    ] {
        assert_eq!(
            app.visitor().get(asset).await.status(),
            StatusCode::OK,
            "{asset}"
        );
    }
}

#[tokio::test]
async fn xss_payloads_in_titles_nicknames_and_messages_render_as_text() {
    let app = spawn_app().await;
    let payload = r#"<script>alert(1)</script><img src=x onerror=alert(2)>"#;
    let visitor = app.visitor();
    let nickname = "<b onmouseover=alert(3)>x</b>";
    assert_eq!(
        visitor
            .register("x@example.com", nickname, PASSWORD, PASSWORD)
            .await
            .status(),
        StatusCode::FOUND
    );
    visitor.login("x@example.com", PASSWORD).await;
    let title = "<script>alert(1)</script>";
    let room = visitor.create_room(title).await;
    assert_eq!(room.title, title, "stored verbatim");
    let (mut socket, _) = visitor.join(room.id).await;
    socket.send_message(payload, None).await;
    assert_eq!(socket.next_message().await.body, payload);

    for path in ["/chat/list/".to_owned(), format!("/chat/{}/", room.id)] {
        let html = visitor.get(&path).await.text().await.unwrap();
        assert!(!html.contains("<script>alert"), "{path}");
        assert!(!html.contains("<img src=x"), "{path}");
        assert!(!html.contains("<b onmouseover"), "{path}");
        assert!(
            html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
            "{path} shows it as text"
        );
    }
}

#[tokio::test]
async fn sql_metacharacters_are_stored_and_shown_verbatim() {
    let app = spawn_app().await;
    let user = app.user("sql").await;
    let title = "Robert'); DROP TABLE rooms;--";
    let room = user.create_room(title).await;
    let (mut socket, _) = user.join(room.id).await;
    socket.send_message("' OR 1=1 --", None).await;
    assert_eq!(socket.next_message().await.body, "' OR 1=1 --");
    let body: Value = user.get_json("/chat/list/").await.json().await.unwrap();
    assert_eq!(body["rooms"][0]["title"], title);
}
