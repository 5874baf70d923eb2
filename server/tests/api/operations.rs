//! What the people running the server rely on: health and readiness probes.

use reqwest::header::SET_COOKIE;
use reqwest::StatusCode;

use chat_test_support::spawn_app;

/// Both probes answer without a session, set no cookie and say nothing but up or down.
#[tokio::test]
async fn health_and_readiness_answer_anyone_with_nothing_but_the_state() {
    let app = spawn_app().await;
    for (path, body) in [("/healthz", "ok\n"), ("/readyz", "ready\n")] {
        let response = app.visitor().get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(response.headers().get(SET_COOKIE).is_none(), "{path}");
        assert_eq!(response.text().await.unwrap(), body);
    }
    let posted = app.visitor().post_form("/readyz", &[]).await;
    assert_eq!(posted.status(), StatusCode::METHOD_NOT_ALLOWED);
}
