//! Web links in message bodies: `http://` and `https://` URLs become links that open in a new
//! tab and tell the other site nothing; every other scheme, and any markup in a body, stays
//! text. The page's finder (`static/links.js`) cuts bodies exactly as `chat_shared::links`
//! does, on the same table of cases.

use chat_test_support::spawn_app_on;
use serde_json::{json, Value};

use crate::room_socket::RoomSocket;
use crate::steps::{driver, enter_room, log_in, open_browser, send_line, EN};

/// Each body's pieces as the page drew them: `["text", s]` or `["a", text, href, rel,
/// target]`, plus any other element (which must not be there).
const BODIES_AS_DRAWN: &str =
    "return [...document.querySelectorAll('#messages li.message:not(.membership) .body')]
    .map(body => [...body.childNodes].map(node => {
        if (node.nodeType === Node.TEXT_NODE) return ['text', node.textContent];
        if (node.nodeName === 'A') return ['a', node.textContent, node.getAttribute('href'),
            node.getAttribute('rel'), node.getAttribute('target'), node.children.length];
        return [node.nodeName];
    }));";

const REL: &str = "noopener noreferrer nofollow";

fn link(url: &str) -> Value {
    json!(["a", url, url, REL, "_blank", 0])
}

fn text(s: &str) -> Value {
    json!(["text", s])
}

#[tokio::test(flavor = "multi_thread")]
async fn web_links_are_links_and_everything_else_stays_text() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (browser, writer, _) = tokio::join!(
        open_browser(&driver, "reader", EN),
        server.logged_in("writer"),
        server.registered("reader"),
    );
    let room_id = writer.create_room("Links").await.id;
    let mut socket = RoomSocket::open(&writer, room_id).await;
    let injection = "https://x.com/\"><img src=x onerror=window.pwned=1>";
    let bodies = [
        "https://example.com/a_(b).",
        "javascript:alert(1)",
        "data:text/html,<script>window.pwned=2</script>",
        injection,
        "two: http://example.org/1, https://example.net/2!",
    ];
    for body in bodies {
        socket.send(body).await;
        socket.wait_for_message(body).await;
    }

    log_in(&browser, &server, "reader@example.com").await;
    enter_room(&browser, &server, room_id).await;
    // The reader's own line, drawn before the server confirms it, links too.
    send_line(&browser, "mine https://example.com/mine.").await;
    let expected = json!([
        [link("https://example.com/a_(b)"), text(".")],
        [text("javascript:alert(1)")],
        [text("data:text/html,<script>window.pwned=2</script>")],
        [
            link("https://x.com/"),
            text("\"><img src=x onerror=window.pwned=1>")
        ],
        [
            text("two: "),
            link("http://example.org/1"),
            text(", "),
            link("https://example.net/2"),
            text("!")
        ],
        [text("mine "), link("https://example.com/mine"), text(".")],
    ]);
    let drawn = browser
        .wait_js(
            "every body is drawn",
            &format!(
                "const drawn = (() => {{ {BODIES_AS_DRAWN} }})();
                 return drawn.length === arguments[0] ? drawn : null;"
            ),
            vec![json!(bodies.len() + 1)],
        )
        .await;
    assert_eq!(drawn, expected, "bodies as text and links");
    let injected = browser
        .js(
            "return { images: document.querySelectorAll('#messages img, #messages script').length,
                      pwned: window.pwned === undefined ? null : window.pwned };",
            vec![],
        )
        .await;
    assert_eq!(
        injected,
        json!({"images": 0, "pwned": null}),
        "no markup from a body ran"
    );
    browser.screenshot("90_links").await;

    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_cuts_bodies_as_the_shared_table_says() {
    let Some(driver) = driver().await else { return };
    let mut server = spawn_app_on(|_| {}).await;
    let (browser, owner, _) = tokio::join!(
        open_browser(&driver, "reader", EN),
        server.logged_in("owner"),
        server.registered("reader"),
    );
    let room_id = owner.create_room("Table").await.id;
    log_in(&browser, &server, "reader@example.com").await;
    enter_room(&browser, &server, room_id).await;

    let cases: Vec<Value> =
        serde_json::from_str(include_str!("../../../shared/src/links_cases.json"))
            .expect("the table is JSON");
    let bodies: Vec<&Value> = cases.iter().map(|case| &case["body"]).collect();
    let cut = browser
        .js(
            "return arguments[0].map(body => window.chat.links.parts(body));",
            vec![json!(bodies)],
        )
        .await;
    let cut = cut.as_array().expect("an array of cuts");
    assert_eq!(cut.len(), cases.len());
    for (case, got) in cases.iter().zip(cut) {
        assert_eq!(got, &case["parts"], "body {}", case["body"]);
    }

    browser.close().await;
    server.stop().await;
}
