//! Chromedriver and browser profiles. A profile is one WebDriver session with a
//! user-data-dir of its own, so two profiles are two tablets with separate IndexedDB,
//! service workers and caches.

use crate::{ARTIFACTS, STARTUP, Server, free_port, test_name};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use thirtyfour::prelude::*;
use thirtyfour::{BrowserLogEntry, ChromiumLikeCapabilities, LoggingPrefsLogLevel};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A running chromedriver. Drop kills its whole process group, so no Chromium is left behind.
pub struct Chromedriver {
    child: Child,
    port: u16,
}

impl Chromedriver {
    /// Starts `/usr/bin/chromedriver` on a free port, in a process group of its own, and
    /// waits until it is ready for sessions.
    pub async fn start() -> Chromedriver {
        use std::os::unix::process::CommandExt;
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "could not start {CHROMEDRIVER}: {e}. Run `cargo xtask test`, which \
                     installs chromium and chromium-driver."
                )
            });
        let mut driver = Chromedriver { child, port };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("an HTTP client");
        let deadline = Instant::now() + STARTUP;
        loop {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("{CHROMEDRIVER} exited during start-up ({status})");
            }
            let ready = http
                .get(format!("{}/status", driver.url()))
                .send()
                .await
                .ok()
                .filter(|r| r.status().is_success());
            if let Some(r) = ready {
                let body: serde_json::Value = r.json().await.unwrap_or_default();
                if body["value"]["ready"] == serde_json::Value::Bool(true) {
                    return driver;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{CHROMEDRIVER} on port {port} was not ready within {STARTUP:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Where WebDriver sessions are created.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill(2) on the process group we created with process_group(0): its id
            // is the driver's pid, and the driver is not reaped yet, so the id is still ours.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        let _ = self.child.wait();
    }
}

/// Counts artifacts so two failures in one test do not overwrite each other.
static ARTIFACT: AtomicU32 = AtomicU32::new(0);

/// One browser profile: a tablet. Quit it at the end of a test; drop closes it too.
pub struct Profile {
    /// The WebDriver session. Declared before the directory so the browser is gone before
    /// its user-data-dir is removed.
    pub driver: WebDriver,
    name: String,
    base: String,
    _dir: TempDir,
}

/// Records each `securitypolicyviolation` of a page in sessionStorage (see [`Profile::quit`]).
const CSP_RECORDER: &str = "document.addEventListener('securitypolicyviolation', (e) => {
    try {
        const key = '__csp_violations';
        const seen = JSON.parse(sessionStorage.getItem(key) || '[]');
        seen.push(`${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
        sessionStorage.setItem(key, JSON.stringify(seen));
    } catch (_) {}
});";

impl Profile {
    /// Opens a new Chromium with an empty user-data-dir, pointed at `server` (not yet
    /// navigated anywhere). `name` names its artifacts.
    pub async fn open(chromedriver: &Chromedriver, server: &Server, name: &str) -> Profile {
        Self::open_at(chromedriver, server.url(), name).await
    }

    /// Like [`Profile::open`], for the app at `base` (a proxy in front of the server).
    pub async fn open_at(chromedriver: &Chromedriver, base: String, name: &str) -> Profile {
        let dir = tempfile::Builder::new()
            .prefix(&format!("loket-e2e-{name}-"))
            .tempdir()
            .expect("create a user-data-dir");
        Self::launch(chromedriver, base, name, dir).await
    }

    /// Closes the browser and starts a new browser process on the same user-data-dir (a
    /// tablet switched off and on): its IndexedDB, service worker and caches stay, its
    /// session storage does not. Not navigated anywhere yet.
    pub async fn restart(self, chromedriver: &Chromedriver) -> Profile {
        let Profile {
            driver,
            name,
            base,
            _dir: dir,
        } = self;
        if let Err(e) = driver.quit().await {
            panic!("profile {name}: closing the browser failed: {e}");
        }
        Self::launch(chromedriver, base, &name, dir).await
    }

    async fn launch(
        chromedriver: &Chromedriver,
        base: String,
        name: &str,
        dir: TempDir,
    ) -> Profile {
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM).expect("binary");
        let user_data_dir = format!("--user-data-dir={}", dir.path().display());
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,800",
            &user_data_dir,
        ] {
            caps.add_arg(arg).expect("chromium argument");
        }
        caps.set_browser_log_level(LoggingPrefsLogLevel::All)
            .expect("logging prefs");
        let driver = WebDriver::new(chromedriver.url(), caps)
            .await
            .unwrap_or_else(|e| panic!("could not open Chromium for profile {name}: {e}"));
        // Every page of every test records what its Content-Security-Policy blocked, kept
        // across navigations in the tab's sessionStorage; `quit` fails the test on any.
        let record = serde_json::json!({ "source": CSP_RECORDER });
        if let Err(e) = driver
            .cdp()
            .send_raw("Page.addScriptToEvaluateOnNewDocument", record)
            .await
        {
            panic!("profile {name}: could not install the CSP violation recorder: {e}");
        }
        Profile {
            driver,
            name: name.to_owned(),
            base,
            _dir: dir,
        }
    }

    /// The profile's name, as given to [`Profile::open`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The app's URL for `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Closes the browser.
    pub async fn quit(self) {
        let name = self.name.clone();
        let blocked = self
            .driver
            .execute(
                "try { return sessionStorage.getItem('__csp_violations') || '[]'; } catch (e) { return '[]'; }",
                vec![],
            )
            .await
            .ok()
            .and_then(|r| r.json().as_str().map(str::to_owned))
            .unwrap_or_else(|| "[]".to_owned());
        if blocked != "[]" {
            let message = self
                .failure(&format!("the Content-Security-Policy blocked: {blocked}"))
                .await;
            let _ = self.driver.clone().quit().await;
            panic!("{message}");
        }
        if let Err(e) = self.driver.quit().await {
            eprintln!("profile {name}: closing the browser failed: {e}");
        }
    }

    /// Saves a screenshot, the page's HTML and its console log under [`ARTIFACTS`], and
    /// returns `what` with what the page showed and where the files are: the message to
    /// fail a test with.
    pub async fn failure(&self, what: &str) -> String {
        let _ = std::fs::create_dir_all(ARTIFACTS);
        let n = ARTIFACT.fetch_add(1, Ordering::Relaxed);
        let stem = format!("{ARTIFACTS}/{}-{}-{n}", test_name(), self.name);
        let mut out = format!("profile {}: {what}\n", self.name);
        let url = self.driver.current_url().await;
        out.push_str(&format!(
            "  url: {}\n",
            url.map_or_else(|e| format!("? ({e})"), |u| u.to_string())
        ));
        let png = format!("{stem}.png");
        match self.driver.screenshot(std::path::Path::new(&png)).await {
            Ok(()) => out.push_str(&format!("  screenshot: {png}\n")),
            Err(e) => out.push_str(&format!("  screenshot failed: {e}\n")),
        }
        if let Ok(html) = self.driver.source().await {
            let path = format!("{stem}.html");
            if std::fs::write(&path, html).is_ok() {
                out.push_str(&format!("  page HTML: {path}\n"));
            }
        }
        if let Ok(text) = crate::find::body_text(self).await {
            let text: String = text.chars().take(1500).collect();
            out.push_str(&format!("  page text: {text:?}\n"));
        }
        match self.driver.browser_log().await {
            Ok(entries) if !entries.is_empty() => {
                let path = format!("{stem}.console.txt");
                let log: String = entries.iter().map(log_line).collect();
                let _ = std::fs::write(&path, &log);
                let tail: Vec<&str> = log.lines().rev().take(15).collect();
                out.push_str(&format!("  console log: {path}; last lines:\n"));
                for line in tail.into_iter().rev() {
                    out.push_str(&format!("    {line}\n"));
                }
            }
            Ok(_) => out.push_str("  console log: empty\n"),
            Err(e) => out.push_str(&format!("  console log unavailable: {e}\n")),
        }
        out
    }
}

fn log_line(entry: &BrowserLogEntry) -> String {
    format!("{} {} {}\n", entry.timestamp, entry.level, entry.message)
}
