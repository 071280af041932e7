//! Loket end to end: the built `loket-server` serving the built app, driven the way a
//! person drives it (headless Chromium over WebDriver) or the way a tablet talks to it
//! (HTTP with the sync protocol of `loket-core`).
//!
//! The pieces are guards that clean up when dropped, also when a test panics:
//! - [`Server`]: `loket-server` as a child process on a free port with its own SQLite
//!   file. It reads the first-run admin code from the server's output, and can be stopped
//!   and started again on the same port and database.
//! - [`Chromedriver`]: `/usr/bin/chromedriver` in its own process group, killed whole.
//! - [`Profile`]: one WebDriver session with its own user-data-dir, so its own IndexedDB
//!   and service worker: one tablet.
//! - [`api::Device`]: a simulated tablet over plain HTTP; [`two_devices`] runs two of them
//!   for the sync API test and the benchmark.
//!
//! Helpers that drive a profile are split as in Leptos' `todo_app_sqlite_csr` e2e tests:
//! [`find`] reads the page now, [`action`] does what a person does and waits for the page
//! to take it in, [`check`] waits for the page to show something and, if it never does,
//! fails with a screenshot, the page's HTML and its console log under [`ARTIFACTS`].
//!
//! The tests need `LOKET_SERVER_BIN` and `LOKET_DIST`: `cargo xtask test` builds both and
//! sets them. Without them a test fails, it is never skipped. Run with `--test-threads=1`:
//! each test starts its own server and browsers, and the machine has two cores.

pub mod action;
pub mod admin_code;
pub mod api;
pub mod bench;
mod browser;
pub mod check;
pub mod faults;
pub mod find;
pub mod load;
pub mod postgres;
mod server;
pub mod two_devices;
pub mod visit;

pub use browser::{Chromedriver, Profile};
pub use server::Server;

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

/// How long a check waits for the page before it fails: generous, as the machine is small.
pub const WAIT: Duration = Duration::from_secs(30);
/// How often a check looks again: quick, so a passing test is not slowed down.
pub const POLL: Duration = Duration::from_millis(100);
/// How long a server or driver may take to start answering.
pub const STARTUP: Duration = Duration::from_secs(20);
/// Where failures leave screenshots, page HTML and console logs.
pub const ARTIFACTS: &str = "/tmp/loket-e2e";

/// A path from the environment, checked; a missing one fails the test with what to run.
fn env_path(name: &str, what: &str, ok: impl Fn(&PathBuf) -> bool) -> PathBuf {
    let Some(value) = std::env::var_os(name) else {
        panic!(
            "{name} is not set: the end-to-end tests need {what}. \
             Run them with `cargo xtask test`, which builds the server and the app and sets \
             LOKET_SERVER_BIN and LOKET_DIST."
        );
    };
    let path = PathBuf::from(value);
    assert!(
        ok(&path),
        "{name}={} is not {what}. Run `cargo xtask test`, which builds it.",
        path.display()
    );
    path
}

/// A TCP port nobody listens on right now, on loopback.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port on 127.0.0.1");
    listener.local_addr().expect("local address").port()
}

/// The name of the running test, for artifact file names (libtest names its threads so).
fn test_name() -> String {
    std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .unwrap_or("e2e")
        .replace("::", "-")
}
