//! Benchmark, not a behaviour test: what a sign-in costs the person at the tablet, in
//! headless Chromium against the release server, measured by the page itself from the
//! tap on "Masuk" (the click event) to the counter screen (`#lock` in the page):
//! - **first sign-in on this tablet, online**: the request, the server's PBKDF2 check of
//!   the PIN (600,000 rounds), and the browser wrapping the issued key under the PIN
//!   (WebCrypto PBKDF2, 600,000 rounds);
//! - **unlock, offline**: the browser unwrapping the key under the typed PIN (the same
//!   WebCrypto PBKDF2) and nothing else.
//!
//! Each is run [`RUNS`] times on one tablet and reported as its median and slowest;
//! forgetting the tablet's wrapped keys (`localStorage` `loket.keys`) makes the next
//! unlock a first sign-in again. Not part of `cargo test` (`test = false`); `cargo xtask
//! bench` runs it with `--release`.

use loket_e2e::bench;
use loket_e2e::{Chromedriver, Profile, Server, action};

/// Sign-ins of each kind measured.
const RUNS: usize = 5;

/// Taps "Masuk" for the PIN typed, and answers the milliseconds until the counter shows.
async fn timed_unlock(p: &Profile, name: &str, pin: &str) -> f64 {
    action::choose_person(p, name).await;
    action::type_into(p, "#unlock-pin", pin).await;
    let elapsed = p
        .driver
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const button = document.querySelector('#unlock-submit');
             let start = 0;
             button.addEventListener('click', () => { start = performance.now(); }, { once: true, capture: true });
             const seen = () => document.querySelector('#lock') !== null;
             const observer = new MutationObserver(() => {
               if (start && seen()) { observer.disconnect(); done(performance.now() - start); }
             });
             observer.observe(document.body, { childList: true, subtree: true });
             button.click();",
            Vec::new(),
        )
        .await
        .expect("the counter shows after the PIN")
        .json()
        .as_f64()
        .expect("a duration in ms");
    loket_e2e::check::exists(p, "#lock").await;
    elapsed
}

fn summary(what: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    bench::line(&format!(
        "{what}: median {:.0} ms, slowest {:.0} ms ({} runs, tap to counter screen)",
        ms[ms.len() / 2],
        ms[ms.len() - 1],
        ms.len()
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_and_unlock() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let tablet = Profile::open(&chromedriver, &server, "bench-tablet").await;
    action::enrol(&tablet, &server.admin_code(), "Tablet loket 1").await;
    let (name, pin) = action::OPERATOR;

    let mut online = Vec::new();
    let mut offline = Vec::new();
    for _ in 0..RUNS {
        action::lock(&tablet).await;
        tablet
            .driver
            .execute("localStorage.removeItem('loket.keys');", Vec::new())
            .await
            .expect("forget the wrapped keys");
        action::set_offline(&tablet, false).await;
        online.push(timed_unlock(&tablet, name, pin).await);
        action::lock(&tablet).await;
        action::set_offline(&tablet, true).await;
        offline.push(timed_unlock(&tablet, name, pin).await);
    }
    action::set_offline(&tablet, false).await;
    summary(
        "first sign-in on a tablet, online (server check + wrap)",
        online,
    );
    summary("unlock offline (unwrap under the PIN)", offline);
}
