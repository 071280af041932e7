//! Benchmark, not a behaviour test: what a tablet's browser does, measured by the page in
//! headless Chromium against the release server, serving a private copy of the built app
//! (so a build meanwhile cannot disturb it). Each figure is [`RUNS`] runs, median first.
//!
//! - **push**: a tablet holding 10,000 ops pending in IndexedDB (put there as the app
//!   stores them, signed with the signed-in operator's own credential, then the page
//!   reloaded so the app loads them) while its line is cut; the line mended, from the press
//!   of "Sinkronkan sekarang" to the badge showing nothing pending, which the app shows only
//!   after each round's confirmed ops and cursor are committed to IndexedDB. The app's own
//!   sync engine does the work: fetch, receive, IndexedDB commit, publish.
//! - **pull**: a fresh tablet (enrolled, nothing else), its line cut while the office's log
//!   grows by 10,000 ops; mended, from the press to the badge's cursor at the server's
//!   head, committed the same way.
//!   Both count the requests (`/api/sync` in the page's resource timing) and the bytes
//!   each way through the counting proxy the browser talks to, which also cuts the line
//!   (headers and bodies; the live stream meanwhile included). The browser's own offline
//!   switch (DevTools' network emulation) is not used: it fires no `online` event.
//! - **cold start**: a new browser process on a profile already holding 1,000, 10,000 and
//!   50,000 ops made as a busy office's days are (150 visits a day, each issued, called,
//!   verified, printed and handed over, so the live state holds the last week whatever the
//!   log's length), and, reported but not judged, 10,000 and 50,000 tickets nobody called
//!   (all open, all in the state); from navigation (the page's time origin) to the app's `loket-usable`
//!   mark: the store loaded and the first screen after it (the lock screen, listing the
//!   office's staff) painted. Wasm fetch from the service worker's cache and compile are in.
//! - **tap**: "Ambil nomor" clicked to the new number on screen, 60 taps on a tablet
//!   holding 10,000 ops (of both kinds); the app writes the op to IndexedDB before it shows it, so a
//!   number on screen is a persisted op. p50 and p95.
//! - **storage**: IndexedDB bytes per op (`navigator.storage.estimate()`'s `indexedDB`
//!   usage, grown by a pull of 10,000 ops) against the ops' own JSON bytes.
//!
//! Budgets (from the issue): push ≤ 0.9 s, pull ≤ 1.0 s, cold start ≤ 300 ms and flat,
//! tap p95 ≤ 20 ms, storage ≤ 1.5×. Not part of `cargo test` (`test = false`); `cargo
//! xtask bench` runs it with `--release`.

use chrono::{Days, NaiveDate};
use loket_core::credential::{CredentialId, Key, prove};
use loket_core::enrol::Enrolment;
use loket_core::{IssueTicket, Op, OpBody, OpId, StaffId, TicketNo};
use loket_e2e::api::Device;
use loket_e2e::bench;
use loket_e2e::faults::proxy::Proxy;
use loket_e2e::{Chromedriver, Profile, Server, action, check};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

/// Runs of each figure.
const RUNS: usize = 3;
/// Ops of the push and pull figures.
const SYNC_OPS: usize = 10_000;
/// Profile sizes of the cold-start figure.
const COLD_SIZES: [usize; 3] = [1_000, 10_000, 50_000];
/// Taps of the tap figure.
const TAPS: usize = 60;
/// How long one measurement in the page may take.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

fn runs(xs: &[f64]) -> String {
    let each: Vec<String> = xs.iter().map(|x| format!("{x:.0}")).collect();
    each.join(", ")
}

fn verdict(ok: bool) -> &'static str {
    if ok { "PASS" } else { "OVER" }
}

/// A script's answer, or the test fails with the page's state.
async fn script(p: &Profile, source: &str, args: Vec<Value>) -> Value {
    match p.driver.execute_async(source, args).await {
        Ok(answer) => answer.json().clone(),
        Err(e) => check::fail(p, &format!("a bench script failed: {e}")).await,
    }
}

/// Presses "Sinkronkan sekarang" and waits until `#sync-badge` has attribute
/// `arguments[0]` equal to `arguments[1]`; answers the ms from the press and the
/// `/api/sync` requests since then.
const UNTIL_BADGE: &str = "const [attr, want] = arguments;
    const done = arguments[arguments.length - 1];
    window.__online = null;
    performance.setResourceTimingBufferSize(100000);
    performance.clearResourceTimings();
    const button = document.querySelector('#sync-now');
    button.addEventListener('click', () => { window.__online = performance.now(); }, { once: true, capture: true });
    const finish = () => {
      const badge = document.querySelector('#sync-badge');
      if (window.__online === null || !badge || badge.getAttribute(attr) !== want) return false;
      const end = performance.now();
      const rounds = performance.getEntriesByType('resource')
        .filter(e => e.name.endsWith('/api/sync') && e.startTime >= window.__online)
        .map(e => [Math.round(e.startTime - window.__online), Math.round(e.responseEnd - window.__online)]);
      done({ ms: end - window.__online, syncs: rounds.length, rounds });
      return true;
    };
    button.click();
    if (!finish()) {
      const o = new MutationObserver(() => { if (finish()) o.disconnect(); });
      o.observe(document.body, { subtree: true, attributes: true, childList: true });
      setTimeout(() => {
        o.disconnect();
        const badge = document.querySelector('#sync-badge');
        done({ error: `after 90 s: pressed at ${window.__online}, ${attr}=${badge && badge.getAttribute(attr)}, navigator.onLine=${navigator.onLine}` });
      }, 90000);
    }";

/// The enrolment the app stored in IndexedDB, as JSON text.
const READ_ENROLMENT: &str = "const done = arguments[arguments.length - 1];
    const open = indexedDB.open('loket');
    open.onerror = () => done(null);
    open.onsuccess = () => {
      const get = open.result.transaction('meta').objectStore('meta').get('enrolment');
      get.onsuccess = () => { const v = get.result; done(typeof v === 'string' ? v : JSON.stringify(v)); open.result.close(); };
      get.onerror = () => done(null);
    };";

/// Puts `arguments[0]` (`[{id, op, pending}]`) into the `ops` store as pending records.
const PUT_PENDING: &str = "const [records] = arguments;
    const done = arguments[arguments.length - 1];
    const open = indexedDB.open('loket');
    open.onerror = () => done('open failed');
    open.onsuccess = () => {
      const tx = open.result.transaction('pending_ops', 'readwrite');
      const store = tx.objectStore('pending_ops');
      for (const r of records) store.put(r);
      tx.oncomplete = () => { open.result.close(); done('ok'); };
      tx.onerror = () => done('put failed: ' + tx.error);
    };";

/// IndexedDB's share of the origin's storage, in bytes.
const IDB_USAGE: &str = "const done = arguments[arguments.length - 1];
    navigator.storage.estimate().then(e => done(e.usageDetails && e.usageDetails.indexedDB !== undefined ? e.usageDetails.indexedDB : null));";

/// IndexedDB's usage now, or the test fails: a browser that does not say cannot pass.
async fn idb_usage(p: &Profile) -> f64 {
    match script(p, IDB_USAGE, vec![]).await.as_f64() {
        Some(bytes) => bytes,
        None => check::fail(p, "navigator.storage.estimate() gave no IndexedDB usage").await,
    }
}

/// The signed-in person as the app keeps them for this tab.
#[derive(Deserialize)]
struct Session {
    staff: StaffId,
    credential: CredentialId,
    key: Key,
}

async fn session(p: &Profile) -> Session {
    let text = p
        .driver
        .execute("return sessionStorage.getItem('loket.session');", vec![])
        .await
        .expect("read the session")
        .json()
        .as_str()
        .map(str::to_owned)
        .expect("a signed-in session");
    serde_json::from_str(&text).expect("the session as the app keeps it")
}

async fn enrolment(p: &Profile) -> Enrolment {
    let text = script(p, READ_ENROLMENT, vec![]).await;
    let text = text.as_str().expect("the stored enrolment");
    serde_json::from_str(text).expect("the enrolment as the app stores it")
}

/// `n` walk-in tickets made on the profile's tablet by its signed-in person, as the app
/// would make them: its device, letter and office, signed with that person's credential.
fn tablet_ops(enrolment: &Enrolment, who: &Session, day: NaiveDate, n: usize) -> Vec<Op> {
    (1..=n)
        .map(|serial| {
            let mut op = Op {
                id: OpId(uuid::Uuid::now_v7()),
                office: enrolment.office.code.clone(),
                device: enrolment.device.clone(),
                actor: who.staff.clone(),
                at: chrono::Utc::now(),
                body: OpBody::IssueTicket(IssueTicket {
                    number: TicketNo {
                        letter: enrolment.letter.clone(),
                        serial: u16::try_from(serial).expect("serials fit a day"),
                    },
                    day,
                    case: loket_core::catalogue::CaseCode::new("baru").expect("a case"),
                    priority: false,
                    catalogue: None,
                }),
                proof: None,
            };
            op.proof = Some(prove(who.credential, &who.key, &op));
            op
        })
        .collect()
}

/// How the log a cold start finds was made.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fill {
    /// As a busy office's days go: [`VISITS_PER_DAY`] visits a day, each issued, called,
    /// verified, printed and handed over (seven ops), day after day up to yesterday. The
    /// live state then holds the last [`loket_core::state::LIVE_DAYS`] days, whatever the
    /// log's length.
    Office,
    /// 10,000 tickets a day that nobody calls: every one stays open, so the state holds
    /// them all. No office has such days; it shows what the state's size costs.
    Stress,
}

/// A busy Kantor Camat's walk-in visits in a day (offices cap online bookings at 200-250
/// a day and printers at 300-400 cards: `FIELD-NOTES.md`).
const VISITS_PER_DAY: usize = 150;

/// A device of the office that filled its log with about `ops` ops, made as `fill` says on
/// the days before today, oldest first.
async fn office_with_ops(server: &Server, ops: usize, fill: Fill) -> Device {
    let mut other = Device::enrol(&server.url(), &server.admin_code(), "pengisi").await;
    other.make_first_admin().await;
    let today = other.today();
    let (per_day, ops_per_visit) = match fill {
        Fill::Office => (VISITS_PER_DAY, 7),
        Fill::Stress => (10_000, 1),
    };
    let visits = ops / ops_per_visit;
    if fill == Fill::Office {
        other.receive_stock(u32::try_from(visits).expect("a delivery") + 1);
        other.become_operator("operator-api", "739154").await;
    }
    let days = visits.div_ceil(per_day);
    for back in (1..=days).rev() {
        let day = today
            .checked_sub_days(Days::new(back as u64))
            .expect("a day in range");
        let n = (visits - (days - back) * per_day).min(per_day);
        for serial in 1..=n {
            let serial = u16::try_from(serial).expect("a serial");
            match fill {
                Fill::Office => other.visit(serial, day),
                Fill::Stress => other.issue(serial, day),
            }
        }
        other.sync_all().await;
    }
    other
}

/// The ops' own JSON, as the app stores each: the bytes storage is compared against.
fn json_bytes(ops: &[Op]) -> u64 {
    ops.iter()
        .map(|op| serde_json::to_vec(op).expect("an op as JSON").len() as u64)
        .sum()
}

struct Synced {
    ms: f64,
    syncs: u64,
    up: u64,
    down: u64,
}

/// Mends the profile's line, presses "sync now" and waits for the badge's `attr` to read
/// `want`.
async fn come_online(p: &Profile, proxy: &Proxy, attr: &str, want: &str) -> Synced {
    // Let any attempt under way fail first, so the press starts the sync.
    tokio::time::sleep(Duration::from_millis(500)).await;
    check::exists(p, "#sync-now:not([disabled])").await;
    let (up0, down0) = proxy.bytes();
    let profile = std::env::var_os("LOKET_BENCH_PROFILE").is_some();
    if profile {
        let cdp = p.driver.cdp();
        cdp.send_raw("Profiler.enable", json!({}))
            .await
            .expect("profiler");
        cdp.send_raw("Profiler.setSamplingInterval", json!({"interval": 200}))
            .await
            .expect("profiler");
        cdp.send_raw("Profiler.start", json!({}))
            .await
            .expect("profiler");
    }
    proxy.set_cut(false);
    let answer = script(p, UNTIL_BADGE, vec![json!(attr), json!(want)]).await;
    if profile {
        let stopped = p
            .driver
            .cdp()
            .send_raw("Profiler.stop", json!({}))
            .await
            .expect("profiler");
        print_profile(&stopped["profile"]);
        // Each round trip's request start and answer end, in ms from the press.
        println!("profile: rounds {}", answer["rounds"]);
    }
    if let Some(error) = answer["error"].as_str() {
        check::fail(p, &format!("waiting for {attr}={want}: {error}")).await;
    }
    let (up1, down1) = proxy.bytes();
    Synced {
        ms: answer["ms"].as_f64().expect("a duration"),
        syncs: answer["syncs"].as_u64().expect("a count"),
        up: up1 - up0,
        down: down1 - down0,
    }
}

/// The functions that took the most samples (self time) in a CPU profile, for finding
/// where a figure's time goes (`LOKET_BENCH_PROFILE=1`).
fn print_profile(profile: &Value) {
    let mut by_id = std::collections::HashMap::new();
    for node in profile["nodes"].as_array().into_iter().flatten() {
        let name = node["callFrame"]["functionName"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        let url = node["callFrame"]["url"].as_str().unwrap_or("").to_owned();
        let short = if name.is_empty() {
            format!("({url})")
        } else {
            name
        };
        by_id.insert(node["id"].as_u64().unwrap_or(0), short);
    }
    let mut counts: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let samples = profile["samples"].as_array().cloned().unwrap_or_default();
    for s in &samples {
        let name = by_id
            .get(&s.as_u64().unwrap_or(0))
            .cloned()
            .unwrap_or_default();
        *counts.entry(name).or_default() += 1;
    }
    let mut top: Vec<_> = counts.into_iter().collect();
    top.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    println!("profile: {} samples", samples.len());
    for (name, n) in top.iter().take(40) {
        let pct = *n as f64 * 100.0 / samples.len().max(1) as f64;
        println!(
            "profile: {pct:5.1}% {}",
            name.chars().take(120).collect::<String>()
        );
    }
}

fn report_sync(what: &str, runs_: &[Synced], budget_ms: f64) {
    let ms: Vec<f64> = runs_.iter().map(|r| r.ms).collect();
    let mid = bench::median(ms.clone());
    let last = &runs_[runs_.len() - 1];
    bench::line(&format!(
        "{what}: median {mid:.0} ms (runs {} ms); last run {} sync requests, {:.1} MB up, {:.1} MB down; budget {budget_ms:.0} ms: {}",
        runs(&ms),
        last.syncs,
        last.up as f64 / 1e6,
        last.down as f64 / 1e6,
        verdict(mid <= budget_ms)
    ));
}

/// A server with a private copy of the app, a counting proxy in front, and a browser.
async fn setup() -> (Server, Proxy, Chromedriver) {
    let server = Server::start_with_own_dist().await;
    let proxy = Proxy::start(server.port(), 0).await;
    let chromedriver = Chromedriver::start().await;
    (server, proxy, chromedriver)
}

async fn push_run(run: usize) -> Synced {
    let (server, proxy, chromedriver) = setup().await;
    let tablet = Profile::open_at(&chromedriver, proxy.url(), &format!("push-{run}")).await;
    tablet.driver.set_script_timeout(SCRIPT_TIMEOUT).await.ok();
    action::enrol(&tablet, &server.admin_code(), "Tablet loket 1").await;
    action::sync_until_settled(&tablet).await;
    let who = session(&tablet).await;
    let enrolment = enrolment(&tablet).await;
    let day = enrolment.office.service_day(chrono::Utc::now());
    let ops = tablet_ops(&enrolment, &who, day, SYNC_OPS);
    let records: Vec<Value> = ops
        .iter()
        .enumerate()
        .map(|(i, op)| {
            json!({
                "id": op.id.0.to_string(),
                "op": serde_json::to_string(op).expect("an op as JSON"),
                "pending": 1_000_000.0 + i as f64,
            })
        })
        .collect();
    proxy.set_cut(true);
    let put = script(&tablet, PUT_PENDING, vec![Value::Array(records)]).await;
    assert_eq!(put, json!("ok"), "putting the pending ops");
    // Reopened with the line cut: the app loads the 10,000 pending ops and cannot send them.
    action::reload(&tablet).await;
    check::pending(&tablet, SYNC_OPS as u64).await;
    if std::env::var_os("LOKET_BENCH_LOCKED").is_some() {
        action::lock(&tablet).await;
    }
    let synced = come_online(&tablet, &proxy, "data-pending", "0").await;
    tablet.quit().await;
    synced
}

async fn pull_run(run: usize) -> (Synced, f64) {
    let (server, proxy, chromedriver) = setup().await;
    let mut other = Device::enrol(&server.url(), &server.admin_code(), "pengisi").await;
    other.make_first_admin().await;
    other.sync_all().await;
    let tablet = Profile::open_at(&chromedriver, proxy.url(), &format!("pull-{run}")).await;
    tablet.driver.set_script_timeout(SCRIPT_TIMEOUT).await.ok();
    action::enrol_only(&tablet, &server.admin_code(), "Tablet loket 2").await;
    check::cursor_within(&tablet, 1, loket_e2e::WAIT).await;
    let before = idb_usage(&tablet).await;
    proxy.set_cut(true);
    let day = other.today();
    let start = other.replica.pending().len();
    for serial in 1..=SYNC_OPS {
        other.issue(u16::try_from(serial).expect("a serial"), day);
    }
    let made: Vec<Op> = other.replica.pending()[start..].to_vec();
    other.sync_all().await;
    let head = other.replica.cursor().to_string();
    let synced = come_online(&tablet, &proxy, "data-cursor", &head).await;
    // LevelDB writes its log first and compacts later: give the estimate a moment.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = idb_usage(&tablet).await;
    if after <= before {
        check::fail(
            &tablet,
            &format!("IndexedDB did not grow with 10,000 ops: {before} then {after} bytes"),
        )
        .await;
    }
    let ratio = (after - before) / json_bytes(&made) as f64;
    tablet.quit().await;
    (synced, ratio)
}

/// Cold starts of a new browser process on a profile holding about `ops` ops made as
/// `fill` says; also the taps when `taps` is set.
async fn cold_runs(ops: usize, fill: Fill, taps: bool) -> (Vec<f64>, Vec<f64>) {
    let (server, proxy, chromedriver) = setup().await;
    let filler = office_with_ops(&server, ops, fill).await;
    let head = filler.replica.cursor();
    let mut tablet = Profile::open_at(&chromedriver, proxy.url(), &format!("cold-{ops}")).await;
    action::enrol_only(&tablet, &server.admin_code(), "Tablet loket 3").await;
    check::cursor_within(&tablet, head, Duration::from_secs(300)).await;
    let mut starts = Vec::new();
    let mut parts = Vec::new();
    for _ in 0..RUNS {
        // A tablet is shut down idle, not in the middle of writing: the view is written
        // just after a sync is shown done (and the app syncs when it starts).
        tokio::time::sleep(Duration::from_secs(2)).await;
        tablet = tablet.restart(&chromedriver).await;
        if let Err(e) = tablet.driver.goto(tablet.url("/")).await {
            check::fail(&tablet, &format!("could not open the app: {e}")).await;
        }
        let mark = script(
            &tablet,
            "const done = arguments[arguments.length - 1];
             const look = () => {
               const m = performance.getEntriesByName('loket-usable')[0];
               if (m) done(m.startTime); else setTimeout(look, 20);
             };
             look();",
            vec![],
        )
        .await;
        starts.push(mark.as_f64().expect("the mark's time"));
        parts.push(
            script(
                &tablet,
                "const done = arguments[arguments.length - 1];
                 const at = n => { const m = performance.getEntriesByName(n)[0]; return m ? m.startTime : null; };
                 const wasm = performance.getEntriesByType('resource').find(e => e.name.endsWith('.wasm'));
                 const nav = performance.getEntriesByType('navigation')[0];
                 done([nav ? nav.responseEnd : null, wasm ? wasm.responseEnd : null,
                       at('loket-start'), at('loket-opened'), at('loket-loaded'), at('loket-usable')]);",
                vec![],
            )
            .await,
        );
        // A store that failed to open is "ready" too: the figure counts only a tablet that
        // loaded what it holds.
        check::cursor_within(&tablet, head, loket_e2e::WAIT).await;
    }
    // Where the time went, medians of each mark's time from navigation.
    let names = [
        "page",
        "wasm",
        "app start",
        "store open",
        "store loaded",
        "painted",
    ];
    let line: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let at: Vec<f64> = parts.iter().filter_map(|p| p[i].as_f64()).collect();
            if at.is_empty() {
                format!("{name} -")
            } else {
                format!("{name} {:.0}", bench::median(at))
            }
        })
        .collect();
    println!(
        "cold start at {ops} ops, ms from navigation: {}",
        line.join(", ")
    );
    let mut tapped = Vec::new();
    if taps {
        // The office's one account, made by the simulated tablet that filled the log; the
        // first sign-in on this tablet goes to the server.
        action::unlock(&tablet, "Admin API", loket_e2e::api::ADMIN_PIN).await;
        action::click(&tablet, "#nav-counter").await;
        check::exists(&tablet, "#issue-ticket").await;
        for _ in 0..TAPS {
            let ms = script(
                &tablet,
                "const done = arguments[arguments.length - 1];
                 const shown = () => (document.querySelector('[data-testid=last-ticket]') || {}).textContent;
                 const before = shown();
                 const button = document.querySelector('#issue-ticket');
                 let start = 0;
                 button.addEventListener('click', () => { start = performance.now(); }, { once: true, capture: true });
                 const o = new MutationObserver(() => {
                   if (start && shown() !== before) { o.disconnect(); done(performance.now() - start); }
                 });
                 o.observe(document.body, { subtree: true, childList: true, characterData: true });
                 button.click();",
                vec![],
            )
            .await;
            tapped.push(ms.as_f64().expect("a duration"));
        }
    }
    tablet.quit().await;
    (starts, tapped)
}

/// Whether the figure `name` is wanted: all of them, or those `LOKET_BENCH_ONLY` names
/// (comma-separated: push, pull, cold), for a trial of one.
fn wanted(name: &str) -> bool {
    std::env::var("LOKET_BENCH_ONLY").map_or(true, |only| only.split(',').any(|n| n == name))
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_figures() {
    if wanted("push") {
        push_figures().await;
    }
    if wanted("pull") {
        pull_figures().await;
    }
    if wanted("cold") {
        cold_figures().await;
    }
}

async fn push_figures() {
    let mut pushes = Vec::new();
    for run in 0..RUNS {
        pushes.push(push_run(run).await);
    }
    report_sync(
        &format!(
            "push {SYNC_OPS} ops from IndexedDB through the app's sync engine, press to confirmed on disk"
        ),
        &pushes,
        900.0,
    );
}

async fn pull_figures() {
    let mut pulls = Vec::new();
    let mut ratios = Vec::new();
    for run in 0..RUNS {
        let (synced, ratio) = pull_run(run).await;
        pulls.push(synced);
        ratios.push(ratio);
    }
    report_sync(
        &format!("pull {SYNC_OPS} ops into a fresh tablet's IndexedDB, press to confirmed on disk"),
        &pulls,
        1000.0,
    );
    let ratio = bench::median(ratios.clone());
    bench::line(&format!(
        "IndexedDB bytes per op against the ops' JSON: median {ratio:.2}x (runs {}); budget 1.5x: {}",
        ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(", "),
        verdict(ratio <= 1.5)
    ));
}

async fn cold_figures() {
    let mut medians = Vec::new();
    for ops in COLD_SIZES {
        let (starts, taps) = cold_runs(ops, Fill::Office, ops == 10_000).await;
        let mid = bench::median(starts.clone());
        medians.push(mid);
        report_cold(ops, "a busy office's days", &starts, &taps, true);
    }
    let spread = medians.iter().copied().fold(f64::MIN, f64::max)
        - medians.iter().copied().fold(f64::MAX, f64::min);
    bench::line(&format!(
        "cold start spread across {:?} ops of a busy office's days: {spread:.0} ms",
        COLD_SIZES
    ));
    // The same at 10,000 and 50,000 open tickets: the state's size, not the log's, costs.
    for ops in [10_000, 50_000] {
        let (starts, taps) = cold_runs(ops, Fill::Stress, ops == 10_000).await;
        report_cold(
            ops,
            "tickets nobody called (no budget)",
            &starts,
            &taps,
            false,
        );
    }
}

/// The lines of one profile's cold starts and taps; `judged` when the budgets apply.
fn report_cold(ops: usize, made: &str, starts: &[f64], taps: &[f64], judged: bool) {
    let mid = bench::median(starts.to_vec());
    let verdict_if = |ok: bool| if judged { verdict(ok) } else { "not judged" };
    bench::line(&format!(
        "cold start, new browser process, {ops} ops held ({made}): median {mid:.0} ms from navigation to the first screen painted (runs {} ms); budget 300 ms: {}",
        runs(starts),
        verdict_if(mid <= 300.0)
    ));
    if !taps.is_empty() {
        let mut sorted = taps.to_vec();
        sorted.sort_by(f64::total_cmp);
        let p50 = sorted[sorted.len() / 2];
        let p95 = sorted[(sorted.len() * 95).div_ceil(100) - 1];
        bench::line(&format!(
            "tap \"Ambil nomor\" to the number on screen (persisted first), {ops} ops held ({made}), {TAPS} taps: p50 {p50:.1} ms, p95 {p95:.1} ms; budget p95 20 ms: {}",
            verdict_if(p95 <= 20.0)
        ));
    }
}
