//! What ships: the binary alone is the whole server (pages, scripts, styles and migrations
//! are inside it), and the systemd unit in `deploy/` is one systemd accepts.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Copied alone into an empty folder and started there with no settings, the binary creates
/// its database and serves every page, script and style the pages link to.
#[tokio::test]
async fn the_binary_alone_in_an_empty_folder_serves_everything() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("chat-server");
    std::fs::copy(env!("CARGO_BIN_EXE_chat-server"), &binary).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(&binary)
        .current_dir(dir.path())
        .env_clear()
        .env("BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        assert!(Instant::now() < deadline, "the binary did not come up");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    let mut assets = std::collections::BTreeSet::new();
    for page in ["/chat/list/", "/accounts/login/", "/accounts/register/"] {
        let response = reqwest::get(format!("{base}{page}")).await.unwrap();
        assert_eq!(response.status(), 200, "{page}");
        let html = response.text().await.unwrap();
        for attr in ["src=\"", "href=\""] {
            for piece in html.split(attr).skip(1) {
                let link = piece.split('"').next().unwrap();
                if link.starts_with("/static/") || link.starts_with("/favicon") {
                    assets.insert(link.to_owned());
                }
            }
        }
    }
    assert!(
        assets.iter().any(|a| a.ends_with(".css")) && assets.iter().any(|a| a.ends_with(".js")),
        "{assets:?}"
    );
    for asset in &assets {
        let response = reqwest::get(format!("{base}{asset}")).await.unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        assert!(!response.bytes().await.unwrap().is_empty(), "{asset}");
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        dir.path().join("chat.db").exists(),
        "it made its database there"
    );
}

/// `systemd-analyze verify` accepts `deploy/chat-server.service` (with `ExecStart` pointed at
/// the binary just built, which must exist for the check). Skipped where systemd's tools
/// are not installed.
#[test]
fn the_systemd_unit_verifies() {
    let Ok(version) = Command::new("systemd-analyze").arg("--version").output() else {
        println!("skipped: systemd-analyze is not installed");
        return;
    };
    assert!(version.status.success());
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../deploy/chat-server.service"
    ))
    .unwrap();
    assert!(unit.contains("ExecStart=/usr/local/bin/chat-server\n"));
    for hardening in [
        "DynamicUser=yes",
        "StateDirectory=chat-server",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "LimitNOFILE=",
    ] {
        assert!(unit.contains(hardening), "{hardening}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chat-server.service");
    std::fs::write(
        &path,
        unit.replace(
            "ExecStart=/usr/local/bin/chat-server",
            &format!("ExecStart={}", env!("CARGO_BIN_EXE_chat-server")),
        ),
    )
    .unwrap();
    let verified = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&verified.stderr);
    assert!(verified.status.success(), "{said}");
    assert!(
        !said.contains(path.to_str().unwrap()),
        "systemd has something to say about the unit: {said}"
    );
}
