//! Headless Chromium for `tests/mixed.rs`: finds Chromium and chromedriver, starts the driver
//! on a free port and a browser with a fresh profile, and cleans both up when dropped, also
//! when the test fails halfway.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// How long the page may take to show anything we wait for.
pub const WAIT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(50);

/// Chromium and chromedriver on this machine.
pub struct Tools {
    chrome: PathBuf,
    chromedriver: PathBuf,
}

impl Tools {
    /// `$CHROME_BIN` or `/usr/bin/chromium`, and `$CHROMEDRIVER` or `chromedriver` on `PATH`.
    /// When one is missing: an error with `CI=true` (the test must not pass without a browser
    /// there), else `None` after saying why on stderr.
    pub fn find() -> anyhow::Result<Option<Tools>> {
        let chrome = std::env::var_os("CHROME_BIN")
            .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
        let chromedriver = std::env::var_os("CHROMEDRIVER")
            .map(PathBuf::from)
            .or_else(|| on_path("chromedriver"));
        let missing = if !chrome.is_file() {
            Some(format!(
                "Chromium not found at {} (set CHROME_BIN)",
                chrome.display()
            ))
        } else {
            match &chromedriver {
                Some(driver) if driver.is_file() => None,
                Some(driver) => Some(format!("chromedriver not found at {}", driver.display())),
                None => Some("chromedriver not found on PATH (set CHROMEDRIVER)".to_owned()),
            }
        };
        match missing {
            None => Ok(Some(Tools {
                chrome,
                chromedriver: chromedriver.expect("checked above"),
            })),
            Some(reason) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                bail!("{reason}: the mixed browser/terminal test needs both on CI")
            }
            Some(reason) => {
                eprintln!("skipping the mixed browser/terminal test: {reason}");
                Ok(None)
            }
        }
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// A chromedriver process and the browser session it runs. Dropping it ends the session
/// (which quits Chromium) and kills the driver.
pub struct Chromedriver {
    child: Child,
    port: u16,
    chrome: PathBuf,
    /// The open session, ended on drop if the test did not close it.
    session: Option<String>,
    /// Chromium's profile; removed after the driver is gone.
    profile: Option<tempfile::TempDir>,
}

impl Chromedriver {
    /// Starts chromedriver on a free loopback port and waits until it says it is ready.
    pub async fn start(tools: &Tools) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", tools.chromedriver.display()))?;
        let driver = Self {
            child,
            port,
            chrome: tools.chrome.clone(),
            session: None,
            profile: None,
        };
        let status = format!("{}/status", driver.url());
        let http = reqwest::Client::new();
        let deadline = Instant::now() + WAIT;
        loop {
            let ready = match http.get(&status).send().await {
                Ok(response) => response
                    .json::<Value>()
                    .await
                    .is_ok_and(|v| v["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                return Ok(driver);
            }
            if Instant::now() > deadline {
                bail!("chromedriver did not get ready on port {port} within {WAIT:?}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A headless Chromium with a fresh profile directory.
    pub async fn open_browser(&mut self) -> anyhow::Result<Client> {
        let profile = tempfile::tempdir()?;
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": self.chrome,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--window-size=1280,800",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url())
            .await
            .context("chromedriver could not start Chromium")?;
        self.session = client.session_id().await?;
        self.profile = Some(profile);
        Ok(client)
    }

    /// Quits the browser the normal way.
    pub async fn close(&mut self, client: Client) -> anyhow::Result<()> {
        client.close().await?;
        self.session = None;
        Ok(())
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // After a failure the async client may never get to end its session, and a killed
        // driver leaves its Chromium running: end the session with a plain blocking request.
        if let Some(id) = self.session.take() {
            let _ = delete_session(self.port, &id);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `DELETE /session/{id}`; returns once chromedriver answers, which it does after Chromium
/// has quit (it keeps the connection open, so we stop at the status line).
fn delete_session(port: u16, id: &str) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(WAIT))?;
    write!(
        stream,
        "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 512];
    while !answer.windows(2).any(|w| w == b"\r\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
    }
    Ok(())
}

/// Waits until `css` matches an element.
pub async fn wait_for(client: &Client, css: &str) -> anyhow::Result<()> {
    client
        .wait()
        .at_most(WAIT)
        .every(POLL)
        .for_element(Locator::Css(css))
        .await
        .with_context(|| format!("`{css}` never appeared within {WAIT:?}"))?;
    Ok(())
}

/// Polls `script` until it returns something other than `null` or `false`, and returns it.
pub async fn wait_js(
    client: &Client,
    what: &str,
    script: &str,
    args: Vec<Value>,
) -> anyhow::Result<Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        match client.execute(script, args.clone()).await {
            Ok(Value::Null | Value::Bool(false)) | Err(_) => {}
            Ok(value) => return Ok(value),
        }
        if Instant::now() > deadline {
            let text = client
                .execute(
                    "return document.body ? document.body.innerText : ''",
                    vec![],
                )
                .await
                .unwrap_or_default();
            bail!(
                "timed out waiting until {what}; the page said:\n{}",
                text.as_str().unwrap_or_default()
            );
        }
        tokio::time::sleep(POLL).await;
    }
}
