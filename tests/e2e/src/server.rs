//! `loket-server` as a child process: started on a free port with its own SQLite file (or
//! a fresh PostgreSQL database), stopped with SIGTERM, started again on the same port and
//! database, killed on drop.

use crate::{STARTUP, admin_code, env_path, free_port};
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How long the server may take to exit after SIGTERM before it is killed and the test fails.
const STOP: Duration = Duration::from_secs(10);
/// How many of the server's last lines a failing test prints.
const TAIL: usize = 80;

/// One line the server printed.
#[derive(Debug, Clone)]
struct Line {
    /// Which start printed it: 1 for the first.
    run: u32,
    /// Stdout (where the admin code is printed) or stderr.
    stdout: bool,
    text: String,
}

/// A running `loket-server` with a database of its own. Drop kills it.
pub struct Server {
    bin: PathBuf,
    dist: PathBuf,
    dir: TempDir,
    database_url: String,
    port: u16,
    child: Option<Child>,
    run: u32,
    lines: Arc<Mutex<Vec<Line>>>,
    admin_code: String,
    /// Whether the printed code enrolled a device already (each enrols one).
    printed_used: std::sync::atomic::AtomicBool,
    http: reqwest::Client,
}

impl Server {
    /// Starts a fresh server (first run: empty database) and waits until it printed its
    /// admin code and `GET /api/health` answers 200.
    ///
    /// Reads `LOKET_SERVER_BIN` and `LOKET_DIST`, and fails the test if either is missing.
    pub async fn start() -> Server {
        Self::start_serving(false, None).await
    }

    /// Like [`Server::start`], on a fresh database of the PostgreSQL server named by
    /// `LOKET_TEST_POSTGRES_URL` (which `cargo xtask test` starts); fails the test without it.
    pub async fn start_on_postgres() -> Server {
        let url = crate::postgres::fresh_database().await;
        Self::start_serving(false, Some(url)).await
    }

    /// Like [`Server::start`], but serving its own copy of the built app, which the test
    /// may change while the server runs: a new deploy.
    pub async fn start_with_own_dist() -> Server {
        Self::start_serving(true, None).await
    }

    /// The directory the server serves the app from.
    pub fn dist(&self) -> &std::path::Path {
        &self.dist
    }

    async fn start_serving(own_dist: bool, database_url: Option<String>) -> Server {
        let bin = env_path("LOKET_SERVER_BIN", "the built release loket-server", |p| {
            p.is_file()
        });
        let dist = env_path(
            "LOKET_DIST",
            "the app as `cargo xtask` builds it (index.html, and sw.js with its precache \
             list filled in)",
            |p| {
                let sw = std::fs::read_to_string(p.join("sw.js")).unwrap_or_default();
                p.join("index.html").is_file() && !sw.is_empty() && !sw.contains("__LOKET_")
            },
        );
        let dir = tempfile::Builder::new()
            .prefix("loket-e2e-server-")
            .tempdir()
            .expect("create a temporary directory for the database");
        let dist = if own_dist {
            let copy = dir.path().join("dist");
            copy_dir(&dist, &copy).expect("copy the built app for this test");
            copy
        } else {
            dist
        };
        let database_url = database_url
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("loket.db").display()));
        let mut server = Server {
            bin,
            dist,
            dir,
            database_url,
            port: free_port(),
            child: None,
            run: 0,
            lines: Arc::default(),
            admin_code: String::new(),
            printed_used: std::sync::atomic::AtomicBool::new(false),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(2))
                // The server closes a connection idle for 10 s (its header timeout): a client
                // drops its own sooner, as browsers notice, rather than send on a closing one.
                .pool_idle_timeout(Duration::from_secs(5))
                .build()
                .expect("an HTTP client"),
        };
        server.spawn();
        server.admin_code = server.wait_until_up(true).await.unwrap_or_else(|| {
            panic!(
                "loket-server answered /api/health but printed no admin code \
                 (XXXX-XXXX-XXXX-XXXX, 0-9A-Z) on stdout on its first run.\n{}",
                server.tail()
            )
        });
        server
    }

    /// The origin that serves both the app and the API, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An admin code that enrols one more device: the one printed on the first run the
    /// first time, then a new one each call, made as an office makes one without the app
    /// (`loket-server reset-admin-code`, which voids an unspent one).
    pub fn admin_code(&self) -> String {
        use std::sync::atomic::Ordering;
        if !self.printed_used.swap(true, Ordering::SeqCst) {
            return self.admin_code.clone();
        }
        let text = self.admin(&["reset-admin-code"]);
        text.lines()
            .find_map(admin_code::find)
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("`loket-server reset-admin-code` printed no code:\n{text}"))
    }

    /// The port it listens on (the same after a restart).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The SQLite file, to check what the server stored.
    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("loket.db")
    }

    /// The server's `DATABASE_URL`.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// Runs `loket-server <args>` on this server's database, as an admin would in a
    /// terminal (e.g. `backup FILE`, `restore FILE`), and returns what it printed. Fails
    /// the test if the command fails.
    pub fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(&self.bin)
            .args(args)
            .env("DATABASE_URL", &self.database_url)
            .env("LOKET_DIST", &self.dist)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("could not run {}: {e}", self.bin.display()));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "loket-server {args:?} failed:\n{text}"
        );
        text
    }

    /// Kills the server outright (SIGKILL: a power cut, the OOM killer), whatever it was
    /// doing, and reaps it. Does nothing if it is not running.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(&child, libc::SIGKILL);
            let _ = child.wait();
        }
    }

    /// Whether the server process is running (started and not stopped or killed).
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Stops the server as an init system would (SIGTERM) and waits for it to exit.
    /// Fails the test if it is still running after 10 s.
    pub async fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            panic!("Server::stop: the server is not running");
        };
        signal(&child, libc::SIGTERM);
        let deadline = Instant::now() + STOP;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "loket-server did not exit within {STOP:?} of SIGTERM (killed it).\n{}",
                        self.tail()
                    );
                }
            }
        }
    }

    /// Starts the stopped server again on the same port and database, and waits for
    /// `/api/health`. Fails the test if it prints an admin code: that happens on the first
    /// run only.
    pub async fn start_again(&mut self) {
        assert!(
            self.child.is_none(),
            "Server::start_again: the server is still running"
        );
        self.spawn();
        if let Some(code) = self.wait_until_up(false).await {
            let same = if code == self.admin_code {
                "the same code as on the first run"
            } else {
                "a different code from the first run's"
            };
            panic!(
                "loket-server printed an admin code ({same}) when started again on an \
                 existing database: the code must only be printed on the first run.\n{}",
                self.tail()
            );
        }
    }

    fn spawn(&mut self) {
        self.run += 1;
        let mut child = Command::new(&self.bin)
            .env("PORT", self.port.to_string())
            .env("HOST", "127.0.0.1")
            .env("DATABASE_URL", &self.database_url)
            .env("LOKET_DIST", &self.dist)
            .env("RUST_LOG", "info")
            // Every browser of a test is one address (127.0.0.1), and a test reloads the
            // public pages far more often than a person: the limits have their own tests.
            .env("LOKET_LOOKUPS_PER_MINUTE", "100000")
            .env("LOKET_ENROLMENTS_PER_MINUTE", "100000")
            .env("LOKET_SYNCS_PER_DEVICE_PER_MINUTE", "100000")
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", self.bin.display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        collect(stdout, self.run, true, Arc::clone(&self.lines));
        collect(stderr, self.run, false, Arc::clone(&self.lines));
        self.child = Some(child);
    }

    /// Waits for `/api/health` to answer 200 and returns the admin code this run printed
    /// on stdout. On the first run it also waits for the code, which may come after the
    /// server starts listening. Fails the test if the server exits or takes too long.
    async fn wait_until_up(&mut self, want_code: bool) -> Option<String> {
        let deadline = Instant::now() + STARTUP;
        let health = format!("{}/api/health", self.url());
        let mut healthy = false;
        let mut last = String::from("no answer yet");
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                // Let the readers drain what it printed before it died.
                tokio::time::sleep(Duration::from_millis(200)).await;
                self.child = None;
                panic!(
                    "loket-server exited during start-up ({status}).\n{}",
                    self.tail()
                );
            }
            if !healthy {
                match self.http.get(&health).send().await {
                    Ok(r) if r.status().is_success() => healthy = true,
                    Ok(r) => last = format!("GET /api/health answered {}", r.status()),
                    Err(e) => last = format!("GET /api/health failed: {e}"),
                }
            }
            let code = self.code_of_run(self.run);
            if healthy && (code.is_some() || !want_code) {
                if !want_code {
                    // A code printed just after start-up would be missed without a moment's grace.
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    return self.code_of_run(self.run);
                }
                return code;
            }
            if Instant::now() >= deadline {
                if healthy {
                    return None;
                }
                panic!(
                    "loket-server on port {} did not answer GET /api/health with 200 within \
                     {STARTUP:?}; last: {last}.\n{}",
                    self.port,
                    self.tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn code_of_run(&self, run: u32) -> Option<String> {
        let lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        lines
            .iter()
            .filter(|l| l.run == run && l.stdout)
            .find_map(|l| admin_code::find(&l.text).map(str::to_owned))
    }

    /// The server's last lines, for a failure message.
    pub fn tail(&self) -> String {
        let lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        let skip = lines.len().saturating_sub(TAIL);
        let mut out = format!(
            "--- loket-server output (last {} of {} lines; database {}) ---\n",
            lines.len() - skip,
            lines.len(),
            self.db_path().display()
        );
        for l in &lines[skip..] {
            let stream = if l.stdout { "out" } else { "err" };
            out.push_str(&format!("[run {} {stream}] {}\n", l.run, l.text));
        }
        out
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!("{}", self.tail());
        }
    }
}

/// Sends `sig` to the child.
fn signal(child: &Child, sig: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).expect("a pid fits pid_t");
    // SAFETY: kill(2) with a pid we spawned and have not reaped yet: no memory is touched.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// Reads one of the child's streams line by line into `lines`, on a thread of its own.
fn collect(
    stream: impl Read + Send + 'static,
    run: u32,
    stdout: bool,
    lines: Arc<Mutex<Vec<Line>>>,
) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&buf).trim_end().to_owned();
                    let mut lines = lines.lock().unwrap_or_else(|e| e.into_inner());
                    lines.push(Line { run, stdout, text });
                }
            }
        }
    });
}

/// Copies a directory tree.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
