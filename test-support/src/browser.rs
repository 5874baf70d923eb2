//! Headless Chromium for the browser tests (the server's `browser`, the terminal client's
//! `mixed`), driven through the `fantoccini` WebDriver client: finding Chromium and
//! chromedriver (a missing one skips the test, except on CI), one chromedriver per test that
//! takes its browsers down with it, and one [`Browser`] per user with the reads, waits, clicks
//! and screenshots the tests are written in.
//!
//! Waits poll the page until a deadline, never sleep a fixed time; one that runs out saves
//! `failed_<label>.png` and panics with the page's address and text.

use std::future::Future;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{anyhow, Context};
use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tokio::time::{Instant, MissedTickBehavior};

use crate::env;

/// How long any expected state may take to show up in a page.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Time between two looks at the page (or the server) while waiting.
pub const POLL: Duration = Duration::from_millis(50);

/// Calls `check` every [`POLL`] until it gives `Ok(Some(value))`, for at most `timeout`.
/// An `Err` counts as "not yet" (a page between two documents answers with errors); the last
/// one comes back when time runs out.
async fn poll<T, E, F, Fut>(timeout: Duration, mut check: F) -> Result<T, Option<E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, E>>,
{
    let deadline = Instant::now() + timeout;
    let mut ticks = tokio::time::interval(POLL);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_error = None;
    loop {
        ticks.tick().await;
        match check().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(e) => last_error = Some(e),
        }
        if Instant::now() > deadline {
            return Err(last_error);
        }
    }
}

/// The browser and its driver, found on this machine.
pub struct Tools {
    chrome: PathBuf,
    chromedriver: PathBuf,
}

impl Tools {
    /// Chromium (`$CHROME_BIN`, else `/usr/bin/chromium` or one on `PATH`) and chromedriver
    /// (`$CHROMEDRIVER`, else on `PATH`). When either is missing, [`env::skip_or_fail`] for
    /// `test`: `None` with the reason printed, or with `CI=true` a failed test.
    pub fn find(test: &str) -> Option<Tools> {
        let chrome = std::env::var_os("CHROME_BIN")
            .map(PathBuf::from)
            .or_else(|| Some(PathBuf::from("/usr/bin/chromium")).filter(|p| p.is_file()))
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
            Some(reason) => {
                env::skip_or_fail(test, &reason);
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

/// A running chromedriver on a loopback port. Dropping it, also when a test fails, quits every
/// browser it started and ends it.
pub struct Driver {
    child: Child,
    port: u16,
    chrome: PathBuf,
    /// One Chromium profile directory per browser; removed after the browsers have quit.
    profiles: tempfile::TempDir,
}

impl Driver {
    /// Starts chromedriver on a free loopback port and waits until it says it is ready.
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
        // From here on, `Drop` ends the process if anything below fails.
        let driver = Driver {
            child,
            port,
            chrome: tools.chrome.clone(),
            profiles: tempfile::tempdir()?,
        };
        let http = reqwest::Client::builder().timeout(TIMEOUT).build()?;
        let status = format!("{}/status", driver.url());
        poll(TIMEOUT, || async {
            let answer: Value = http.get(&status).send().await?.json().await?;
            anyhow::Ok((answer["value"]["ready"] == true).then_some(()))
        })
        .await
        .map_err(|e| anyhow!("chromedriver did not get ready on port {port}: {e:?}"))?;
        Ok(driver)
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A new headless Chromium with a fresh profile, asking pages for `accept_language`
    /// (`"en-US,en"` or `"ko-KR,ko"`). `label` names the browser in failures and must be
    /// unique per driver (it names the profile directory too).
    pub async fn browser(&self, label: &str, accept_language: &str) -> anyhow::Result<Browser> {
        let profile = self.profiles.path().join(label);
        std::fs::create_dir(&profile)
            .with_context(|| format!("a fresh profile at {}", profile.display()))?;
        let lang = accept_language.split(',').next().unwrap_or("en-US");
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": self.chrome,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--window-size=1280,800",
                    format!("--lang={lang}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": { "intl.accept_languages": accept_language },
            },
            // A stuck page fails its command instead of hanging the test.
            "timeouts": { "script": TIMEOUT.as_millis(), "pageLoad": 3 * TIMEOUT.as_millis() },
        });
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(serde_json::from_value(capabilities)?)
            .connect(&self.url())
            .await
            .with_context(|| format!("chromedriver refused a session for {label}"))?;
        let browser = Browser {
            client,
            label: label.to_owned(),
        };
        // Headless windows lose some height to invisible browser chrome; pin the viewport.
        browser.emulate_screen(1280, 800, 1.0, false).await;
        Ok(browser)
    }

    /// chromedriver's `/shutdown` quits every session's browser before it answers (a killed
    /// chromedriver would leave them running), then the process exits. A plain blocking
    /// request, since `Drop` cannot await.
    fn shut_down(&self) -> std::io::Result<()> {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        write!(
            stream,
            "GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        )?;
        stream.read_to_end(&mut Vec::new())?;
        Ok(())
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.shut_down();
        // Already gone after a clean shutdown; otherwise this ends it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Chrome DevTools command sent through chromedriver, which fantoccini has no method for.
#[derive(Debug)]
struct DevToolsCommand {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for DevToolsCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("session/{session}/goog/cdp/execute"))
    }

    // `reqwest::Method` is the `http::Method` the trait names.
    fn method_and_body(&self, _: &url::Url) -> (reqwest::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (reqwest::Method::POST, Some(body.to_string()))
    }
}

/// One user's headless Chromium. Its session ends on [`Browser::close`]; after a failure,
/// dropping the [`Driver`] quits it.
pub struct Browser {
    client: Client,
    /// Who uses this browser, for failure messages and screenshot names.
    pub label: String,
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("{}: could not open {url}: {e}", self.label));
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) in the page.
    pub async fn try_js(&self, script: &str, args: Vec<Value>) -> Result<Value, CmdError> {
        self.client.execute(script, args).await
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
        let found = poll(timeout, || async {
            Ok(match self.try_js(script, args.clone()).await? {
                Value::Null | Value::Bool(false) => None,
                value => Some(value),
            })
        })
        .await;
        match found {
            Ok(value) => value,
            Err(last_error) => self.fail(what, last_error).await,
        }
    }

    /// Saves what the page looked like, then panics with its address and text.
    async fn fail(&self, what: &str, error: Option<CmdError>) -> ! {
        let _ = self
            .save_screenshot(&format!("failed_{}", self.label))
            .await;
        let url = match self.client.current_url().await {
            Ok(url) => url.to_string(),
            Err(e) => format!("(unknown: {e})"),
        };
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
        self.wait_js(
            &format!("`{css}` shows {expected:?}"),
            "const e = document.querySelector(arguments[0]);
             return !!e && e.innerText.trim() === arguments[1];",
            vec![json!(css), json!(expected)],
        )
        .await;
    }

    /// Waits until `css` matches an element.
    pub async fn wait_for(&self, css: &str) {
        self.wait_for_within(TIMEOUT, css).await;
    }

    /// [`Browser::wait_for`] with its own time limit.
    pub async fn wait_for_within(&self, timeout: Duration, css: &str) {
        let found = self
            .client
            .wait()
            .at_most(timeout)
            .every(POLL)
            .for_element(Locator::Css(css))
            .await;
        if let Err(e) = found {
            self.fail(&format!("`{css}` is on the page"), Some(e)).await;
        }
    }

    /// The first match of `css`, or `None` when nothing matches.
    async fn find(&self, css: &str) -> Option<Element> {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => Some(element),
            Err(e) if e.is_no_such_element() => None,
            Err(e) => panic!("{}: could not look for `{css}`: {e}", self.label),
        }
    }

    async fn text_of(&self, element: &Element) -> String {
        let text = element
            .text()
            .await
            .unwrap_or_else(|e| panic!("{}: could not read a text: {e}", self.label));
        text.trim().to_owned()
    }

    /// The trimmed visible text of the first match, or `None`.
    pub async fn text(&self, css: &str) -> Option<String> {
        Some(self.text_of(&self.find(css).await?).await)
    }

    /// The trimmed visible texts of every match, in document order.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let elements = self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{}: could not look for `{css}`: {e}", self.label));
        let mut texts = Vec::with_capacity(elements.len());
        for element in &elements {
            texts.push(self.text_of(element).await);
        }
        texts
    }

    /// The current value of a form field.
    pub async fn value(&self, css: &str) -> String {
        let field = self
            .find(css)
            .await
            .unwrap_or_else(|| panic!("{}: no field `{css}`", self.label));
        field
            .prop("value")
            .await
            .unwrap_or_else(|e| panic!("{}: could not read `{css}`: {e}", self.label))
            .unwrap_or_else(|| panic!("{}: `{css}` has no value", self.label))
    }

    /// True when `css` matches an element that is rendered (not `hidden`, not `display:none`),
    /// as the page's own `checkVisibility()` says.
    pub async fn is_visible(&self, css: &str) -> bool {
        self.js(
            "const e = document.querySelector(arguments[0]); return !!e && e.checkVisibility();",
            vec![json!(css)],
        )
        .await
            == true
    }

    /// Waits until the page at `path` has finished loading.
    pub async fn wait_path(&self, path: &str) {
        self.wait_js(
            &format!("the page {path} has loaded"),
            "return location.pathname === arguments[0] && document.readyState === 'complete';",
            vec![json!(path)],
        )
        .await;
    }

    /// Retries `act` on the first match of `css` until it works: the element may not be
    /// there, or not clickable, yet.
    async fn on_element<F, Fut>(&self, css: &str, verb: &str, act: F)
    where
        F: Fn(Element) -> Fut,
        Fut: Future<Output = Result<(), CmdError>>,
    {
        let done = poll(TIMEOUT, || async {
            act(self.client.find(Locator::Css(css)).await?).await?;
            Ok(Some(()))
        })
        .await;
        if let Err(last_error) = done {
            self.fail(&format!("`{css}` can be {verb}"), last_error)
                .await;
        }
    }

    /// Clicks `css` the way a user does (real mouse events through the driver).
    pub async fn click(&self, css: &str) {
        self.on_element(css, "clicked", |e| async move { e.click().await })
            .await;
    }

    /// Types `text` into `css` as key presses; `Key::Enter` in it presses Enter.
    pub async fn type_into(&self, css: &str, text: &str) {
        self.on_element(
            css,
            "typed into",
            |e| async move { e.send_keys(text).await },
        )
        .await;
    }

    /// Empties the field `css`, then types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) {
        self.on_element(css, "cleared", |e| async move { e.clear().await })
            .await;
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
        let command = DevToolsCommand {
            cmd: "Emulation.setDeviceMetricsOverride",
            params: json!({
                "width": width, "height": height,
                "deviceScaleFactor": scale, "mobile": mobile,
            }),
        };
        self.client
            .issue_cmd(command)
            .await
            .unwrap_or_else(|e| panic!("{}: could not emulate a screen: {e}", self.label));
    }

    /// Makes the page's clock read dates in `zone` (an IANA name such as `"Asia/Seoul"`), so a
    /// test can say which calendar day a time falls on whatever the machine's zone is.
    pub async fn emulate_time_zone(&self, zone: &str) {
        let command = DevToolsCommand {
            cmd: "Emulation.setTimezoneOverride",
            params: json!({ "timezoneId": zone }),
        };
        self.client
            .issue_cmd(command)
            .await
            .unwrap_or_else(|e| panic!("{}: could not set the time zone {zone}: {e}", self.label));
    }

    /// Makes the page see `prefers-color-scheme: dark` (or `light`), as a system in that
    /// scheme would.
    pub async fn emulate_color_scheme(&self, scheme: &str) {
        let command = DevToolsCommand {
            cmd: "Emulation.setEmulatedMedia",
            params: json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
        };
        self.client.issue_cmd(command).await.unwrap_or_else(|e| {
            panic!("{}: could not emulate the {scheme} scheme: {e}", self.label)
        });
    }

    /// Grants `origin` desktop notifications, as a user answering "Allow" to the browser's
    /// question would (headless Chromium has nobody to ask).
    pub async fn allow_notifications(&self, origin: &str) {
        let command = DevToolsCommand {
            cmd: "Browser.grantPermissions",
            params: json!({ "origin": origin, "permissions": ["notifications"] }),
        };
        self.client
            .issue_cmd(command)
            .await
            .unwrap_or_else(|e| panic!("{}: could not allow notifications: {e}", self.label));
    }

    /// Goes back in the tab's history, as the browser's Back button does (the back/forward
    /// cache may bring the page back as it was, without loading it).
    pub async fn back(&self) {
        self.client
            .back()
            .await
            .unwrap_or_else(|e| panic!("{}: could not go back: {e}", self.label));
    }

    /// Saves a PNG of the viewport as `target/screenshots/<name>.png` and returns its path.
    pub async fn save_screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let png = self.client.screenshot().await?;
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

    /// Ends the session, which quits Chromium.
    pub async fn close(self) {
        let label = self.label;
        self.client
            .close()
            .await
            .unwrap_or_else(|e| panic!("{label}: Chromium did not quit: {e}"));
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
