//! Just enough of the W3C WebDriver protocol to drive headless Chromium: a `chromedriver`
//! process started on a free port and killed on drop, and one [`Browser`] per user, each with
//! its own Chromium and profile directory.
//!
//! Why not fantoccini: with `default-features = false` it has no connector we can build
//! without naming `hyper-util` (not a dependency of this package), and WebDriver is plain
//! JSON over HTTP, which `reqwest` already speaks.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use base64::Engine;
use serde_json::{json, Value};

/// How long any expected state may take to show up in a page.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Time between two looks at the page while waiting.
const POLL: Duration = Duration::from_millis(50);
/// The key WebDriver uses for element references.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// The Enter key, for `send_keys`.
pub const ENTER: &str = "\u{E007}";

/// The browser and its driver, found on this machine.
pub struct Tools {
    chrome: PathBuf,
    chromedriver: PathBuf,
}

impl Tools {
    /// Chromium (`$CHROME_BIN`, else `/usr/bin/chromium` or one on `PATH`) and chromedriver
    /// (`$CHROMEDRIVER`, else on `PATH`). `None` with a reason printed when either is missing
    /// and we may skip; with `CI=true` a missing tool fails the test instead.
    pub fn find() -> Option<Tools> {
        let chrome = std::env::var_os("CHROME_BIN")
            .map(PathBuf::from)
            .or_else(|| {
                ["/usr/bin/chromium"]
                    .iter()
                    .map(PathBuf::from)
                    .find(|p| p.is_file())
            })
            .or_else(|| {
                ["chromium", "chromium-browser", "google-chrome"]
                    .iter()
                    .find_map(|name| on_path(name))
            });
        let chromedriver = std::env::var_os("CHROMEDRIVER")
            .map(PathBuf::from)
            .or_else(|| on_path("chromedriver"));
        let missing = match (&chrome, &chromedriver) {
            (Some(c), Some(d)) if c.is_file() && d.is_file() => None,
            (Some(c), _) if !c.is_file() => Some(format!("Chromium not found at {}", c.display())),
            (None, _) => Some("Chromium not found (set CHROME_BIN)".to_owned()),
            (_, Some(d)) => Some(format!("chromedriver not found at {}", d.display())),
            (_, None) => Some("chromedriver not found (set CHROMEDRIVER)".to_owned()),
        };
        match missing {
            None => Some(Tools {
                chrome: chrome.expect("checked above"),
                chromedriver: chromedriver.expect("checked above"),
            }),
            Some(reason) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("{reason}: the browser tests need Chromium and chromedriver on CI")
            }
            Some(reason) => {
                eprintln!("skipping the browser test: {reason}");
                None
            }
        }
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A running chromedriver, killed when dropped (also when a test fails).
pub struct Driver {
    child: Child,
    url: String,
    port: u16,
    chrome: PathBuf,
    http: reqwest::Client,
}

impl Driver {
    /// Starts chromedriver on a free loopback port and waits until it answers.
    pub async fn start(tools: &Tools) -> anyhow::Result<Driver> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("could not start {}", tools.chromedriver.display()))?;
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            port,
            chrome: tools.chrome.clone(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()?,
        };
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let ready = match driver
                .http
                .get(format!("{}/status", driver.url))
                .send()
                .await
            {
                Ok(r) => r
                    .json::<Value>()
                    .await
                    .is_ok_and(|v| v["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                return Ok(driver);
            }
            if Instant::now() > deadline {
                bail!("chromedriver did not answer on port {port} within {TIMEOUT:?}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// A new headless Chromium with a fresh profile, asking pages for `accept_language`
    /// (`"en-US,en"` or `"ko-KR,ko"`).
    pub async fn browser(&self, label: &str, accept_language: &str) -> anyhow::Result<Browser> {
        let profile = tempfile::tempdir()?;
        let lang = accept_language.split(',').next().unwrap_or("en-US");
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": self.chrome,
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu",
                            "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", "--window-size=1280,800",
                            format!("--lang={lang}"),
                            format!("--user-data-dir={}", profile.path().display()),
                        ],
                        "prefs": { "intl.accept_languages": accept_language },
                    },
                },
            },
        });
        let response: Value = self
            .http
            .post(format!("{}/session", self.url))
            .json(&capabilities)
            .send()
            .await?
            .json()
            .await?;
        let id = response["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("chromedriver refused a session: {response}"))?;
        let browser = Browser {
            http: self.http.clone(),
            base: format!("{}/session/{id}", self.url),
            driver_port: self.port,
            session_id: id.to_owned(),
            label: label.to_owned(),
            closed: false,
            _profile: profile,
        };
        // Headless windows lose some height to invisible browser chrome; pin the viewport.
        browser.emulate_screen(1280, 800, 1.0, false).await;
        Ok(browser)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One user's browser window.
pub struct Browser {
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`.
    base: String,
    driver_port: u16,
    session_id: String,
    /// Who uses this browser, for failure messages and screenshot names.
    pub label: String,
    closed: bool,
    /// Deleted after the browser quits.
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> anyhow::Result<Value> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status();
        let value: Value = response.json().await?;
        if !status.is_success() {
            bail!(
                "WebDriver {path}: {} {}",
                value["value"]["error"].as_str().unwrap_or("error"),
                value["value"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .lines()
                    .next()
                    .unwrap_or_default()
            );
        }
        Ok(value["value"].clone())
    }

    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.command(reqwest::Method::POST, path, body).await
    }

    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url }))
            .await
            .unwrap_or_else(|e| panic!("{}: could not open {url}: {e}", self.label));
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) in the page.
    pub async fn try_js(&self, script: &str, args: Vec<Value>) -> anyhow::Result<Value> {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.try_js(script, args)
            .await
            .unwrap_or_else(|e| panic!("{}: script failed: {e}\n{script}", self.label))
    }

    /// Polls `script` until it returns something other than `null` or `false`, and returns
    /// that. On timeout: a screenshot `failed_<label>.png`, the page's text, and a panic.
    pub async fn wait_js(&self, what: &str, script: &str, args: Vec<Value>) -> Value {
        self.wait_js_within(TIMEOUT, what, script, args).await
    }

    /// [`Browser::wait_js`] with its own time limit.
    pub async fn wait_js_within(
        &self,
        timeout: Duration,
        what: &str,
        script: &str,
        args: Vec<Value>,
    ) -> Value {
        let deadline = Instant::now() + timeout;
        let mut last_error = None;
        loop {
            match self.try_js(script, args.clone()).await {
                Ok(Value::Null | Value::Bool(false)) => {}
                Ok(value) => return value,
                // The page may be between two documents; look again.
                Err(e) => last_error = Some(e),
            }
            if Instant::now() > deadline {
                self.fail(what, last_error).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Saves what the page looked like, then panics with its address and text.
    async fn fail(&self, what: &str, error: Option<anyhow::Error>) -> ! {
        let _ = self
            .save_screenshot(&format!("failed_{}", self.label))
            .await;
        let url = self
            .try_js("return location.href", vec![])
            .await
            .unwrap_or_default();
        let text = self
            .try_js(
                "return document.body ? document.body.innerText : ''",
                vec![],
            )
            .await
            .unwrap_or_default();
        panic!(
            "{}: timed out waiting until {what}\n  at {url}\n  last error: {error:?}\n  page text:\n{}",
            self.label,
            text.as_str().unwrap_or_default()
        );
    }

    /// Waits until `css` matches an element whose visible text (trimmed) is `expected`.
    pub async fn wait_text(&self, css: &str, expected: &str) {
        let what = format!("`{css}` shows {expected:?}");
        self.wait_js(
            &what,
            "const e = document.querySelector(arguments[0]);
             return !!e && e.innerText.trim() === arguments[1];",
            vec![json!(css), json!(expected)],
        )
        .await;
    }

    /// Waits until `css` matches something, and returns how many elements it matches.
    pub async fn wait_for(&self, css: &str) -> usize {
        let count = self
            .wait_js(
                &format!("`{css}` is on the page"),
                "const n = document.querySelectorAll(arguments[0]).length; return n > 0 ? n : null;",
                vec![json!(css)],
            )
            .await;
        count.as_u64().unwrap_or_default() as usize
    }

    /// The trimmed visible text of the first match, or `None`.
    pub async fn text(&self, css: &str) -> Option<String> {
        self.js(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : null;",
            vec![json!(css)],
        )
        .await
        .as_str()
        .map(str::to_owned)
    }

    /// The trimmed visible texts of every match, in document order.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let value = self
            .js(
                "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText.trim());",
                vec![json!(css)],
            )
            .await;
        serde_json::from_value(value).expect("a list of strings")
    }

    /// The current value of a form field.
    pub async fn value(&self, css: &str) -> String {
        self.js(
            "const e = document.querySelector(arguments[0]); return e ? e.value : null;",
            vec![json!(css)],
        )
        .await
        .as_str()
        .unwrap_or_else(|| panic!("{}: no field `{css}`", self.label))
        .to_owned()
    }

    /// True when `css` matches an element that is rendered (not `hidden`, not `display:none`).
    pub async fn is_visible(&self, css: &str) -> bool {
        self.js(
            "const e = document.querySelector(arguments[0]); return !!e && e.checkVisibility();",
            vec![json!(css)],
        )
        .await
            == true
    }

    /// The path of the page, once it has finished loading.
    pub async fn wait_path(&self, path: &str) {
        self.wait_js(
            &format!("the page {path} has loaded"),
            "return location.pathname === arguments[0] && document.readyState === 'complete';",
            vec![json!(path)],
        )
        .await;
    }

    async fn element(&self, css: &str) -> anyhow::Result<String> {
        let found = self
            .post("/element", json!({ "using": "css selector", "value": css }))
            .await?;
        found[ELEMENT_KEY]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("no element reference for `{css}`"))
    }

    /// Retries `act` on the element `css` until it works (the element may not be there or
    /// clickable yet).
    async fn on_element(&self, css: &str, verb: &str, path: &str, body: Value) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let result = match self.element(css).await {
                Ok(id) => {
                    self.post(&format!("/element/{id}{path}"), body.clone())
                        .await
                }
                Err(e) => Err(e),
            };
            match result {
                Ok(_) => return,
                Err(e) if Instant::now() > deadline => {
                    self.fail(&format!("`{css}` can be {verb}"), Some(e)).await
                }
                Err(_) => tokio::time::sleep(POLL).await,
            }
        }
    }

    /// Clicks `css` the way a user does (real mouse events through the driver).
    pub async fn click(&self, css: &str) {
        self.on_element(css, "clicked", "/click", json!({})).await;
    }

    /// Types `text` into `css` as key presses; `ENTER` presses Enter.
    pub async fn type_into(&self, css: &str, text: &str) {
        self.on_element(css, "typed into", "/value", json!({ "text": text }))
            .await;
    }

    /// Empties the field `css`, then types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) {
        self.on_element(css, "cleared", "/clear", json!({})).await;
        self.type_into(css, text).await;
    }

    /// Tags the current document, so that [`Browser::is_same_page`] can tell a live update
    /// from a reload.
    pub async fn mark_page(&self) {
        self.js(
            "document.documentElement.dataset.testMark = 'kept';",
            vec![],
        )
        .await;
    }

    /// True while the document tagged by [`Browser::mark_page`] is still the one shown.
    pub async fn is_same_page(&self) -> bool {
        self.js(
            "return document.documentElement.dataset.testMark === 'kept';",
            vec![],
        )
        .await
            == true
    }

    /// Clicks a submit button or link and waits until the next document has loaded.
    pub async fn click_to_new_page(&self, css: &str) {
        self.mark_page().await;
        self.click(css).await;
        self.wait_js(
            &format!("a new page has loaded after clicking `{css}`"),
            "return document.documentElement.dataset.testMark !== 'kept'
                 && document.readyState === 'complete';",
            vec![],
        )
        .await;
    }

    /// Makes the page a `width`×`height` viewport (CSS pixels), as a phone (`mobile`) or a
    /// desktop window; Chromium's DevTools emulation gives exact sizes in headless mode.
    pub async fn emulate_screen(&self, width: u32, height: u32, scale: f64, mobile: bool) {
        self.post(
            "/goog/cdp/execute",
            json!({
                "cmd": "Emulation.setDeviceMetricsOverride",
                "params": {
                    "width": width, "height": height,
                    "deviceScaleFactor": scale, "mobile": mobile,
                },
            }),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: could not emulate a screen: {e}", self.label));
    }

    /// Saves a PNG of the viewport as `target/screenshots/<name>.png` and returns its path.
    pub async fn save_screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let data = self
            .command(reqwest::Method::GET, "/screenshot", Value::Null)
            .await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .context("the screenshot is not base64")?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    pub async fn screenshot(&self, name: &str) {
        let path = self
            .save_screenshot(name)
            .await
            .unwrap_or_else(|e| panic!("{}: screenshot {name} failed: {e}", self.label));
        println!("screenshot {}", path.display());
    }

    /// Quits Chromium.
    pub async fn close(mut self) {
        self.closed = true;
        let _ = self.command(reqwest::Method::DELETE, "", Value::Null).await;
    }
}

impl Drop for Browser {
    /// After a failed assertion: quit Chromium anyway, so no browser outlives the test.
    /// A plain blocking request, since `Drop` cannot await.
    fn drop(&mut self) {
        if self.closed {
            return;
        }
        let port = self.driver_port;
        let id = self.session_id.clone();
        let quit = std::thread::spawn(move || -> std::io::Result<()> {
            let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
            stream.set_read_timeout(Some(Duration::from_secs(10)))?;
            write!(
                stream,
                "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )?;
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer)?;
            Ok(())
        });
        let _ = quit.join();
    }
}

/// `target/screenshots`, next to the build (`$CARGO_TARGET_DIR` when set).
pub fn screenshot_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest.parent().unwrap_or(manifest);
    let target = match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    target.join("screenshots")
}
