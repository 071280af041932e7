//! The load bench: many devices pushing at once to one real `loket-server`, over an office
//! log that already holds many ops. Two phases: a closed loop (each device sends its next
//! push as soon as the last one is answered) measures the most the *server* sustains; a
//! paced one (each device pushes on its own clock, together a little over the issue's
//! goal rate) measures the latency of one push round trip as a device sees it at that
//! rate. A closed loop cannot judge latency: its latency is its queue (see [`GOAL_P99`]).
//!
//! The devices here are deliberately cheap clients, not [`crate::api::Device`]s: that one
//! folds every op it pulls into a [`Replica`](loket_core::sync::Replica), and with 50 of
//! them in this process, each pulling everyone's ops, the bench's own folding would be
//! what saturates the machine's two cores, not the server. A `Tablet` builds its
//! [`SyncRequest`]s by hand, keeps only the epoch and cursor from each answer, and reads
//! the answer's `pushed` outcomes while skipping its `ops` unparsed into values. It still
//! pulls what a real device pulls (its cursor follows the server's answers), so the
//! server does all the work it does for real tablets.
//!
//! [`run`] starts the server, fills the log through the real API (untimed, though its rate
//! is reported), warms up and measures each phase, then measures a shorter diagnostic with only a few of
//! the devices ([`Report::few`]). The [`Report`] also says how much CPU the server, this
//! process, PostgreSQL and anything else took while measured, so a reader can tell which
//! was saturated, and how the server's CPU per push splits between the ops it hands back
//! and the push itself.

use crate::Server;
use crate::api::Device;
use chrono::{NaiveDate, Utc};
use loket_core::catalogue::CaseCode;
use loket_core::credential::prove;
use loket_core::sign_in::Issued;
use loket_core::sync::{Epoch, MAX_PUSH, Pushed, SyncRequest};
use loket_core::{
    DeviceId, DeviceLetter, IssueTicket, OfficeCode, Op, OpBody, OpId, Outcome, StaffId, TicketNo,
};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The variable that shortens the measured window (whole seconds), for trial runs.
pub const SECS_VAR: &str = "LOKET_BENCH_LOAD_SECS";
/// The measured window when [`SECS_VAR`] is unset: with the fills, the four configurations
/// of `cargo xtask bench` stay within about eight minutes.
pub const DEFAULT_MEASURE: Duration = Duration::from_secs(45);
/// The throughput the issue asks of PostgreSQL on the 2-core bench machine.
pub const GOAL_OPS_PER_SECOND: f64 = 2000.0;
/// The push latency (99th percentile) the issue asks for at that throughput.
///
/// In a closed loop the latency is mostly the queue: the mean is the devices over the
/// pushes per second (Little's law), so 50 devices of 10 ops a push stay under 100 ms only
/// above some 500 pushes (5,000 ops) a second, whatever the server does with each.
pub const GOAL_P99: Duration = Duration::from_millis(100);
/// The rate the paced phase offers, a little over the goal, so that keeping up with it
/// shows the goal is met rather than nearly met.
pub const PACED_OPS_PER_SECOND: f64 = GOAL_OPS_PER_SECOND * 1.05;

/// Serials a device gives out on one service day before moving to the next: a serial is a
/// `u16`, so a long fill spreads a device's tickets over several days.
const SERIALS_PER_DAY: u32 = 60_000;
/// How long one push may take before it counts as failed: far beyond any figure worth
/// reporting, yet short enough that a wedged server ends the bench.
const PUSH_TIMEOUT: Duration = Duration::from_secs(30);

/// Which database the server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    /// Its own SQLite file ([`Server::start`]).
    Sqlite,
    /// A fresh database on the PostgreSQL server named by `LOKET_TEST_POSTGRES_URL`
    /// ([`Server::start_on_postgres`]).
    Postgres,
}

impl Database {
    /// The name in the `bench:` lines.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// One configuration of the load bench.
#[derive(Debug, Clone)]
pub struct Config {
    /// The server's database.
    pub database: Database,
    /// Ops put in the office's log before the load starts.
    pub prefill: u32,
    /// Devices that fill the log, at once.
    pub prefill_devices: usize,
    /// Ops per push while filling: the most a push may carry, so the fill is quick.
    pub prefill_batch: usize,
    /// Devices pushing at once during the load.
    pub devices: usize,
    /// Ops per push during the load.
    pub batch: usize,
    /// Ops per second the paced phase offers, spread evenly over the devices.
    pub paced_rate: f64,
    /// Devices in the shorter diagnostic run after the load: few, so each push pulls
    /// back few ops (see [`Report::few`]).
    pub few_devices: usize,
    /// Load before measuring: connections opened, caches and the server's pools warm.
    pub warm_up: Duration,
    /// The measured window.
    pub measure: Duration,
}

impl Config {
    /// 50 devices pushing 10 ops at a time over a log of `prefill` ops on `database`, for
    /// [`DEFAULT_MEASURE`] or the whole seconds in [`SECS_VAR`]. A short window gets a
    /// short warm-up too, so a trial run stays short.
    pub fn new(database: Database, prefill: u32) -> Config {
        let measure = match std::env::var(SECS_VAR) {
            Ok(secs) => {
                let secs: u64 = secs.trim().parse().unwrap_or_else(|_| {
                    panic!("{SECS_VAR}={secs:?} is not a whole number of seconds")
                });
                assert!(secs > 0, "{SECS_VAR} must be at least 1");
                Duration::from_secs(secs)
            }
            Err(_) => DEFAULT_MEASURE,
        };
        Config {
            database,
            prefill,
            prefill_devices: 4,
            prefill_batch: MAX_PUSH,
            devices: 50,
            batch: 10,
            paced_rate: PACED_OPS_PER_SECOND,
            few_devices: 5,
            warm_up: (measure / 5).min(Duration::from_secs(5)),
            measure,
        }
    }

    /// How often each device pushes in the paced phase, for [`Config::paced_rate`].
    pub fn pace(&self) -> Duration {
        let pushes_per_second = self.paced_rate / self.batch.max(1) as f64;
        Duration::from_secs_f64(self.devices.max(1) as f64 / pushes_per_second.max(1e-9))
    }

    /// The configuration as the `bench:` lines name it.
    pub fn title(&self) -> String {
        format!(
            "sync load {}, {} ops in log",
            self.database.name(),
            self.prefill
        )
    }
}

/// What filling the log took.
#[derive(Debug, Clone, Copy)]
pub struct Prefill {
    /// Ops pushed.
    pub ops: u64,
    /// Pushes that took.
    pub pushes: u64,
    /// Wall time, from the first push sent to the last answered.
    pub elapsed: Duration,
}

/// CPU time taken during the measured window, by whom.
#[derive(Debug, Clone, Default)]
pub struct CpuSplit {
    /// The `loket-server` process, when it was found in `/proc`.
    pub server: Option<Duration>,
    /// This process: the simulated devices and the harness's log readers.
    pub bench: Duration,
    /// The PostgreSQL server the office's database is on (postmaster and its children),
    /// when the run is on PostgreSQL and it was found.
    pub postgres: Option<Duration>,
    /// Other processes by name, the busiest first: what else ran on the machine. Only
    /// those alive at the window's end: short ones (a compiler run) are in `machine` only.
    pub others: Vec<(String, Duration)>,
    /// Time the hypervisor gave the machine's cores to someone else.
    pub steal: Duration,
    /// Every core's busy time on the machine, whoever took it (steal included).
    pub machine: Duration,
    /// The machine's cores.
    pub cores: u32,
}

/// What one closed-loop phase measured.
#[derive(Debug, Clone, Default)]
pub struct Phase {
    /// The measured window's actual length.
    pub window: Duration,
    /// Ops whose push was answered within the window.
    pub ops: u64,
    /// Of those, the ones answered in the window's first half (to see a slope within the
    /// run: the log grows while it is measured).
    pub ops_first_half: u64,
    /// Round-trip time of each push answered within the window, sorted.
    pub latencies: Vec<Duration>,
    /// Ops the server sent back in those answers (everyone's since the device's cursor).
    pub pulled: u64,
    /// Pushes that failed (any time, warm-up included).
    pub failures: u64,
    /// The first failure's message.
    pub first_failure: Option<String>,
    /// CPU taken while measured.
    pub cpu: CpuSplit,
    /// Ops applied in the whole phase, warm-up and the last pushes after the window too.
    applied: u64,
}

impl Phase {
    /// Ops per second over the window.
    pub fn ops_per_second(&self) -> f64 {
        self.ops as f64 / self.window.as_secs_f64().max(1e-9)
    }

    /// The `q` quantile (0 to 1) of push latency, nearest rank; zero without samples.
    pub fn latency(&self, q: f64) -> Duration {
        let n = self.latencies.len();
        if n == 0 {
            return Duration::ZERO;
        }
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
        self.latencies[rank - 1]
    }

    /// Whether the phase meets the issue's goal (throughput and p99 together): judged on
    /// the paced phase, as a closed loop's latency is its queue (see [`GOAL_P99`]).
    pub fn meets_goal(&self) -> bool {
        self.ops_per_second() >= GOAL_OPS_PER_SECOND && self.latency(0.99) <= GOAL_P99
    }

    /// Ops pulled back per push, on average.
    pub fn pulled_per_push(&self) -> f64 {
        self.pulled as f64 / self.latencies.len().max(1) as f64
    }

    /// Where the CPU went, in cores (CPU seconds per second of the window).
    fn cpu_line(&self, database: Database) -> String {
        let secs = self.window.as_secs_f64().max(1e-9);
        let cores = |d: Duration| d.as_secs_f64() / secs;
        let known = |d: Option<Duration>| d.map_or("?".to_owned(), |d| format!("{:.2}", cores(d)));
        let cpu = &self.cpu;
        let accounted =
            cpu.bench + cpu.server.unwrap_or_default() + cpu.postgres.unwrap_or_default();
        let postgres = match database {
            Database::Postgres => format!(", postgres {}", known(cpu.postgres)),
            Database::Sqlite => String::new(),
        };
        // What else ran says whether the figures were taken on a quiet machine.
        let mut busiest: Vec<String> = cpu
            .others
            .iter()
            .take(3)
            .filter(|(_, t)| cores(*t) >= 0.01)
            .map(|(name, t)| format!("{name} {:.2}", cores(*t)))
            .collect();
        if cores(cpu.steal) >= 0.01 {
            busiest.push(format!("stolen by the hypervisor {:.2}", cores(cpu.steal)));
        }
        let busiest = if busiest.is_empty() {
            String::new()
        } else {
            format!(" ({})", busiest.join(", "))
        };
        format!(
            "server {}, bench client {:.2}{postgres}, anything else {:.2}{busiest}; machine \
             busy {:.2} of {}",
            known(cpu.server),
            cores(cpu.bench),
            (cores(cpu.machine) - cores(accounted)).max(0.0),
            cores(cpu.machine),
            cpu.cores
        )
    }
}

/// What one configuration measured.
#[derive(Debug, Clone)]
pub struct Report {
    /// The configuration run.
    pub config: Config,
    /// The fill before the load.
    pub prefill: Prefill,
    /// The load itself, closed loop (the most the server sustains): every device pulls
    /// what the others pushed, as tablets do.
    pub load: Phase,
    /// The same devices at a steady pace: [`Config::paced_rate`] ops a second offered,
    /// each device pushing on its own clock whatever the answers take. Latency counts
    /// from when each push was due, so a server that falls behind shows it.
    pub paced: Phase,
    /// A shorter diagnostic after it: the same pushes from only a few of the devices.
    ///
    /// In a closed loop every answer carries about what all the devices pushed while the
    /// request waited its turn (devices x ops a push, whatever cursor it sent), so the
    /// server's work per push grows with the number of devices. Two points, many devices
    /// and few, split the server's CPU per push into a part for each op it hands back and
    /// a part for the push itself.
    pub few: Phase,
}

impl Report {
    /// Pushes that failed in any phase.
    pub fn failures(&self) -> u64 {
        self.load.failures + self.paced.failures + self.few.failures
    }

    /// The first failure's message, from any phase.
    pub fn first_failure(&self) -> Option<&str> {
        [&self.load, &self.paced, &self.few]
            .into_iter()
            .find_map(|p| p.first_failure.as_deref())
    }

    /// The figures, one `bench:` line each (without the `bench: ` prefix): the fill rate,
    /// the load's throughput and latency, its details and CPU split, and the diagnostic.
    pub fn lines(&self) -> Vec<String> {
        let c = &self.config;
        let title = c.title();
        let fill_rate = self.prefill.ops as f64 / self.prefill.elapsed.as_secs_f64().max(1e-9);
        let load = &self.load;
        let half = load.window.as_secs_f64().max(1e-9) / 2.0;
        let first = load.ops_first_half as f64 / half;
        let second = (load.ops - load.ops_first_half) as f64 / half;
        let paced = &self.paced;
        let verdict = if paced.meets_goal() { "met" } else { "short" };
        let few = &self.few;
        let mut lines = vec![
            format!(
                "{title}: prefill {} ops through the API ({} devices x {} ops/push, {} \
                 pushes): {:.1} s, {fill_rate:.0} ops/s",
                self.prefill.ops,
                c.prefill_devices,
                c.prefill_batch,
                self.prefill.pushes,
                self.prefill.elapsed.as_secs_f64(),
            ),
            format!(
                "{title}, closed loop, {} devices x {} ops/push: {:.0} ops/s, push p50 {} ms, p99 {} ms",
                c.devices,
                c.batch,
                load.ops_per_second(),
                ms(load.latency(0.50)),
                ms(load.latency(0.99)),
            ),
            format!(
                "{title}: {} pushes in {:.1} s, p90 {} ms, max {} ms; {first:.0} ops/s in \
                 the first half, {second:.0} in the second; each push pulled back {:.0} ops",
                load.latencies.len(),
                load.window.as_secs_f64(),
                ms(load.latency(0.90)),
                ms(load.latency(1.0)),
                load.pulled_per_push(),
            ),
            format!(
                "{title}: CPU while measured, in cores: {}",
                load.cpu_line(c.database)
            ),
            format!(
                "{title}, paced, {} devices x {} ops every {} ms ({:.0} ops/s offered): {:.0} \
                 ops/s, push p50 {} ms, p99 {} ms, max {} ms from when each push was due; each \
                 pulled back {:.0} ops; goal >= {GOAL_OPS_PER_SECOND:.0} ops/s with p99 <= {} \
                 ms: {verdict}",
                c.devices,
                c.batch,
                ms(c.pace()),
                c.paced_rate,
                paced.ops_per_second(),
                ms(paced.latency(0.50)),
                ms(paced.latency(0.99)),
                ms(paced.latency(1.0)),
                paced.pulled_per_push(),
                GOAL_P99.as_millis(),
            ),
            format!(
                "{title}, paced: CPU while measured, in cores: {}",
                paced.cpu_line(c.database)
            ),
            format!(
                "{title}, diagnostic, {} devices x {} ops/push: {:.0} ops/s, push p50 {} ms, \
                 p99 {} ms ({} pushes in {:.1} s, each pulled back {:.0} ops); CPU in cores: {}",
                c.few_devices,
                c.batch,
                few.ops_per_second(),
                ms(few.latency(0.50)),
                ms(few.latency(0.99)),
                few.latencies.len(),
                few.window.as_secs_f64(),
                few.pulled_per_push(),
                few.cpu_line(c.database),
            ),
            format!("{title}: {}", self.split_line()),
        ];
        if self.failures() > 0 {
            lines.push(format!(
                "{title}: {} pushes FAILED, the first: {}",
                self.failures(),
                self.first_failure().unwrap_or("(no message)")
            ));
        }
        lines
    }

    /// The CPU per push of the server (and PostgreSQL) in the load and in the diagnostic.
    fn split_line(&self) -> String {
        let mut parts = vec![self.split("server", |p| p.cpu.server)];
        if self.config.database == Database::Postgres {
            parts.push(self.split("postgres", |p| p.cpu.postgres));
        }
        format!("CPU per push: {}", parts.join("; "))
    }

    /// `who`'s CPU per push in the load and in the diagnostic, and the straight line
    /// through the two: CPU for each op handed back, and for the push besides.
    fn split(&self, who: &str, cpu: impl Fn(&Phase) -> Option<Duration>) -> String {
        let per_push = |p: &Phase| Some(cpu(p)?.as_secs_f64() / p.latencies.len().max(1) as f64);
        let (Some(many), Some(few)) = (per_push(&self.load), per_push(&self.few)) else {
            return format!("{who} unknown");
        };
        let (pulled_many, pulled_few) = (self.load.pulled_per_push(), self.few.pulled_per_push());
        if many < few {
            // Under load the pushes that wait are decided and written together, so each
            // costs less than with few devices: the line through the two points says
            // nothing about the ops handed back.
            return format!(
                "{who} {:.2} ms with {pulled_many:.0} ops pulled back, {:.2} ms with \
                 {pulled_few:.0}: less under load, as pushes that wait are written together",
                many * 1e3,
                few * 1e3,
            );
        }
        let per_op = if pulled_many > pulled_few {
            (many - few) / (pulled_many - pulled_few)
        } else {
            0.0
        };
        let besides = (few - per_op * pulled_few).max(0.0);
        format!(
            "{who} {:.2} ms with {pulled_many:.0} ops pulled back, {:.2} ms with \
             {pulled_few:.0}, so about {:.1} us per op handed back and {:.2} ms per push besides",
            many * 1e3,
            few * 1e3,
            per_op * 1e6,
            besides * 1e3,
        )
    }
}

/// A device enrolled as `name`, its actor signed in on it (a PIN check on the server,
/// before the measured load).
async fn signed_in(base: &str, code: &str, name: &str) -> Device {
    let mut device = Device::enrol(base, code, name).await;
    device.sign_in().await;
    device
}

/// Milliseconds, with a decimal below 10 ms, where it still says something.
fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.0}")
    }
}

/// Runs one configuration: starts the server, fills the log, then the load (warm-up and
/// measured window) and the shorter diagnostic with few devices.
pub async fn run(config: Config) -> Report {
    let server = match config.database {
        Database::Sqlite => Server::start().await,
        Database::Postgres => Server::start_on_postgres().await,
    };
    let base = server.url();

    // The office's first account, so the ops of every device (all act as the enrolling
    // actor) are applied rather than kept as conflicts. Through the replica: one op.
    let mut admin = Device::enrol(&base, &server.admin_code(), "load-admin").await;
    admin.make_first_admin().await;
    admin.sync_all().await;
    let day = admin.today();
    let epoch = admin
        .replica
        .epoch()
        .cloned()
        .expect("the admin device has the office's epoch after syncing");
    let mut head = admin.replica.cursor();

    let mut fillers = Vec::new();
    for i in 0..config.prefill_devices {
        let e = signed_in(&base, &server.admin_code(), &format!("load-fill-{i}")).await;
        fillers.push(Tablet::new(&base, e, day, epoch.clone(), head));
    }
    let mut tablets = Vec::new();
    for i in 0..config.devices {
        let e = signed_in(&base, &server.admin_code(), &format!("load-{i}")).await;
        tablets.push(Tablet::new(&base, e, day, epoch.clone(), head));
    }

    let (prefill, filled_head) = fill(fillers, config.prefill, config.prefill_batch).await;
    head = head.max(filled_head);
    // Every load device starts up to date, as tablets in a working office are: a cursor
    // at the head, instead of pulling the whole fill page by page first.
    for t in &mut tablets {
        t.cursor = head;
    }

    let probe = Probe::find(&server, config.database);
    let (tablets, load) = phase(
        tablets,
        config.batch,
        None,
        config.warm_up,
        config.measure,
        &probe,
    )
    .await;
    let (mut tablets, paced) = phase(
        tablets,
        config.batch,
        Some(config.pace()),
        config.warm_up,
        config.measure,
        &probe,
    )
    .await;
    // The few devices go on from where they are: up to date, as the load left them. A
    // third of the load's window is enough to read their throughput and CPU.
    tablets.truncate(config.few_devices);
    let (_, few) = phase(
        tablets,
        config.batch,
        None,
        (config.warm_up / 2).max(Duration::from_millis(500)),
        config.measure / 3,
        &probe,
    )
    .await;
    let report = Report {
        config,
        prefill,
        load,
        paced,
        few,
    };

    // Every op the devices were told was applied is in the log once, and nothing else:
    // the head is exactly the fill plus the load. Checked only when nothing failed, as
    // a failed push may or may not have been applied.
    if report.failures() == 0 {
        let expected = head + report.load.applied + report.paced.applied + report.few.applied;
        let checker = signed_in(&base, &server.admin_code(), "load-check").await;
        let checker = Tablet::new(&base, checker, day, epoch, expected);
        // A cursor past the head is refused (409 cursor_ahead); one short of it gets ops.
        let answer = checker.send(Vec::new()).await.unwrap_or_else(|e| {
            panic!("after the load the server's log is not {expected} ops long: {e}")
        });
        assert_eq!(
            (answer.cursor, answer.more),
            (expected, false),
            "after the load the server holds ops after the {expected} the devices pushed"
        );
    }
    report
}

/// One phase of all `tablets` at once, closed loop or each pushing every `pace`: a
/// warm-up, then the measured window. Gives the tablets back, to go on from where they are.
async fn phase(
    tablets: Vec<Tablet>,
    batch: usize,
    pace: Option<Duration>,
    warm_up: Duration,
    measure: Duration,
    probe: &Probe,
) -> (Vec<Tablet>, Phase) {
    let start = Instant::now() + warm_up;
    let window = Window {
        start,
        mid: start + measure / 2,
        end: start + measure,
    };
    let devices = tablets.len().max(1) as u32;
    let tasks: Vec<_> = tablets
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            // Paced devices start spread over one interval, as tablets in an office do.
            let pace = pace.map(|every| (every, every * i as u32 / devices));
            tokio::spawn(drive(t, batch, pace, window))
        })
        .collect();
    tokio::time::sleep_until(window.start.into()).await;
    let before = probe.sample();
    let measured_from = Instant::now();
    tokio::time::sleep_until(window.end.into()).await;
    let after = probe.sample();
    let mut measured = Phase {
        window: measured_from.elapsed(),
        cpu: probe.since(&before, &after),
        ..Phase::default()
    };
    let mut tablets = Vec::new();
    for task in tasks {
        let (tablet, d) = task.await.expect("a load device's task panicked");
        tablets.push(tablet);
        measured.ops += d.ops;
        measured.ops_first_half += d.ops_first_half;
        measured.latencies.extend(d.latencies);
        measured.pulled += d.pulled;
        measured.failures += d.failures;
        measured.applied += d.applied;
        if measured.first_failure.is_none() {
            measured.first_failure = d.first_failure;
        }
    }
    measured.latencies.sort_unstable();
    (tablets, measured)
}

/// The measured window's bounds.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    mid: Instant,
    end: Instant,
}

/// What one load device did in a phase.
#[derive(Debug, Default)]
struct Driven {
    ops: u64,
    ops_first_half: u64,
    latencies: Vec<Duration>,
    pulled: u64,
    applied: u64,
    failures: u64,
    first_failure: Option<String>,
}

/// One device's loop: push `batch` new tickets, wait for the answer, again, until the
/// window ends; at once (closed loop) or, with `pace` (every, first after), when each push
/// is due, its latency counted from then. Pushes answered within the window count.
async fn drive(
    mut tablet: Tablet,
    batch: usize,
    pace: Option<(Duration, Duration)>,
    window: Window,
) -> (Tablet, Driven) {
    let mut driven = Driven::default();
    let mut due = Instant::now() + pace.map_or(Duration::ZERO, |(_, first)| first);
    while Instant::now() < window.end {
        let sent = match pace {
            Some((every, _)) => {
                tokio::time::sleep_until(due.into()).await;
                let sent = due;
                due += every;
                sent
            }
            None => Instant::now(),
        };
        let cursor = tablet.cursor;
        let ops = tablet.next_ops(batch);
        let result = tablet.push(ops).await;
        let answered = Instant::now();
        match result {
            Ok(answer) => {
                driven.applied += batch as u64;
                if answered >= window.start && answered <= window.end {
                    driven.ops += batch as u64;
                    if answered < window.mid {
                        driven.ops_first_half += batch as u64;
                    }
                    driven.latencies.push(answered - sent);
                    driven.pulled += answer.cursor.saturating_sub(cursor);
                }
            }
            Err(e) => {
                driven.failures += 1;
                driven.first_failure.get_or_insert(e);
                // A server in trouble is not hammered in a tight loop.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    (tablet, driven)
}

/// Fills the log with `total` tickets from `fillers` at once, `batch` a push. Returns what
/// it took and the highest sequence number it saw.
async fn fill(fillers: Vec<Tablet>, total: u32, batch: usize) -> (Prefill, u64) {
    let n = fillers.len().max(1) as u32;
    let seen = Seen::default();
    let started = Instant::now();
    let tasks: Vec<_> = fillers
        .into_iter()
        .enumerate()
        .map(|(i, mut t)| {
            // The first fillers take the remainder, so the shares add up to `total`.
            let share = total / n + u32::from((i as u32) < total % n);
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut left = share as usize;
                let mut pushes = 0u64;
                while left > 0 {
                    // The filler needs none of the others' ops.
                    t.cursor = t.cursor.max(seen.get());
                    let ops = t.next_ops(left.min(batch));
                    left -= ops.len();
                    let answer = t
                        .push(ops)
                        .await
                        .unwrap_or_else(|e| panic!("filling the log failed: {e}"));
                    pushes += 1;
                    seen.saw(&answer);
                }
                (pushes, t.cursor)
            })
        })
        .collect();
    let mut pushes = 0;
    let mut head = 0;
    for task in tasks {
        let (p, h) = task.await.expect("a filling device's task panicked");
        pushes += p;
        head = head.max(h);
    }
    let prefill = Prefill {
        ops: u64::from(total),
        pushes,
        elapsed: started.elapsed(),
    };
    (prefill, head)
}

/// The highest sequence number any of a group of devices has been given for its ops: a
/// cursor no higher is valid (the log has it), and one that high skips most of the
/// others' ops (not those appended while the request waits its turn).
#[derive(Debug, Clone, Default)]
struct Seen(Arc<AtomicU64>);

impl Seen {
    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn saw(&self, answer: &Answer) {
        let last = answer.pushed.iter().map(|p| p.seq).max().unwrap_or(0);
        self.0.fetch_max(last, Ordering::Relaxed);
    }
}

/// What a load device reads of a sync answer: the outcomes of its push and where its
/// cursor goes next. The pulled `ops` are skipped by the parser (serde ignores unknown
/// fields without building values), which keeps the client cheap.
#[derive(Debug, Deserialize)]
struct Answer {
    epoch: Epoch,
    pushed: Vec<Pushed>,
    cursor: u64,
    more: bool,
}

/// A cheap simulated tablet: its enrolment, its own ticket counter, and the epoch and
/// cursor it sends. Each has its own HTTP client, so its own keep-alive connection, as a
/// tablet has, and asks for gzipped answers as a browser does, so the server compresses
/// what it would for real tablets.
struct Tablet {
    http: reqwest::Client,
    url: String,
    token: String,
    office: OfficeCode,
    device: DeviceId,
    letter: DeviceLetter,
    actor: StaffId,
    credential: Issued,
    case: CaseCode,
    first_day: NaiveDate,
    issued: u32,
    epoch: Epoch,
    cursor: u64,
}

impl Tablet {
    fn new(base: &str, device: Device, first_day: NaiveDate, epoch: Epoch, cursor: u64) -> Self {
        let credential = device
            .credential
            .expect("a load device is signed in before it is made a tablet");
        let e = device.enrolment;
        Tablet {
            credential,
            http: reqwest::Client::builder()
                .timeout(PUSH_TIMEOUT)
                // The server closes a connection idle for 10 s (its header timeout): a client
                // drops its own sooner, as browsers notice, rather than send on a closing one.
                .pool_idle_timeout(Duration::from_secs(5))
                .build()
                .expect("an HTTP client"),
            url: format!("{base}/api/sync"),
            token: e.token,
            office: e.office.code,
            device: e.device,
            letter: e.letter,
            actor: e.actor,
            case: CaseCode::new("baru").expect("a valid case code"),
            first_day,
            issued: 0,
            epoch,
            cursor,
        }
    }

    /// The device's next `n` walk-in tickets, numbered on from the last: serials 1 to
    /// [`SERIALS_PER_DAY`] on one day, then on the next day.
    fn next_ops(&mut self, n: usize) -> Vec<Op> {
        (0..n)
            .map(|_| {
                let k = self.issued;
                self.issued += 1;
                let serial = u16::try_from(k % SERIALS_PER_DAY + 1).expect("a serial fits u16");
                let day = self.first_day + chrono::Days::new(u64::from(k / SERIALS_PER_DAY));
                let op = Op {
                    id: OpId(uuid::Uuid::now_v7()),
                    office: self.office.clone(),
                    device: self.device.clone(),
                    actor: self.actor.clone(),
                    at: Utc::now(),
                    body: OpBody::IssueTicket(IssueTicket {
                        number: TicketNo {
                            letter: self.letter.clone(),
                            serial,
                        },
                        day,
                        case: self.case.clone(),
                        priority: false,
                        catalogue: None,
                    }),
                    proof: None,
                };
                Op {
                    proof: Some(prove(self.credential.credential, &self.credential.key, &op)),
                    ..op
                }
            })
            .collect()
    }

    /// Pushes `ops` and checks that each was applied, new; moves the cursor as a device
    /// does, to the answer's.
    async fn push(&mut self, ops: Vec<Op>) -> Result<Answer, String> {
        let ids: Vec<OpId> = ops.iter().map(|op| op.id).collect();
        let answer = self.send(ops).await?;
        if answer.pushed.len() != ids.len() {
            return Err(format!(
                "pushed {} ops, the answer names {}",
                ids.len(),
                answer.pushed.len()
            ));
        }
        for (id, p) in ids.iter().zip(&answer.pushed) {
            if &p.id != id || p.repeated || p.outcome != Outcome::Applied {
                return Err(format!(
                    "op {id} was not applied as new: {p:?} (the bench numbers tickets wrong?)"
                ));
            }
        }
        if answer.epoch != self.epoch {
            return Err(format!(
                "the office's epoch changed during the bench: {} then {}",
                self.epoch, answer.epoch
            ));
        }
        self.cursor = answer.cursor;
        Ok(answer)
    }

    /// One `POST /api/sync` with this device's epoch and cursor.
    async fn send(&self, push: Vec<Op>) -> Result<Answer, String> {
        let request = SyncRequest {
            epoch: Some(self.epoch.clone()),
            cursor: self.cursor,
            push,
            pending: 0,
        };
        let body = serde_json::to_vec(&request).map_err(|e| format!("encoding a push: {e}"))?;
        let response = self
            .http
            .post(&self.url)
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("POST /api/sync failed: {e}"))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| format!("POST /api/sync: reading the answer failed: {e}"))?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&bytes);
            let head: String = text.chars().take(300).collect();
            return Err(format!("POST /api/sync answered {status}: {head}"));
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            format!("POST /api/sync answered {status} with a body that does not parse: {e}")
        })
    }
}

/// Where the CPU counters are read: the server's process, and PostgreSQL's.
struct Probe {
    server: Option<u32>,
    postgres: Option<u32>,
}

/// One process at one moment.
struct Proc {
    name: String,
    parent: u32,
    /// User and system time, in clock ticks, all its threads together.
    ticks: u64,
}

/// The counters at one moment, in clock ticks.
struct Sample {
    procs: HashMap<u32, Proc>,
    /// Busy ticks of all cores together since boot, and of those the ones the
    /// hypervisor took (steal).
    machine: u64,
    steal: u64,
    cores: u32,
}

impl Probe {
    /// Finds the server's process (this process's child running `LOKET_SERVER_BIN` with
    /// the server's `PORT`) and, on PostgreSQL, the postmaster listening on the port in
    /// `LOKET_TEST_POSTGRES_URL`. What is not found is reported as unknown.
    fn find(server: &Server, database: Database) -> Probe {
        let port = server
            .url()
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .to_owned();
        let postgres = match database {
            Database::Postgres => std::env::var(crate::postgres::URL_VAR)
                .ok()
                .and_then(|url| postgres_port(&url))
                .and_then(|port| find_postmaster(&port)),
            Database::Sqlite => None,
        };
        let probe = Probe {
            server: find_server(&port),
            postgres,
        };
        if probe.server.is_none() {
            eprintln!(
                "load bench: the server's process was not found in /proc; its CPU is unknown"
            );
        }
        if database == Database::Postgres && probe.postgres.is_none() {
            eprintln!(
                "load bench: the PostgreSQL postmaster was not found in /proc; its CPU is unknown"
            );
        }
        probe
    }

    /// Every process's counters, and the machine's.
    fn sample(&self) -> Sample {
        let procs = pids()
            .into_iter()
            .filter_map(|pid| {
                let f = stat_fields(pid)?;
                let field = |i: usize| f.get(i)?.parse::<u64>().ok();
                let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
                let proc = Proc {
                    name: name.trim().to_owned(),
                    parent: f.get(1)?.parse().ok()?,
                    ticks: field(11)? + field(12)?,
                };
                Some((pid, proc))
            })
            .collect();
        let (machine, steal, cores) = machine_ticks();
        Sample {
            procs,
            machine,
            steal,
            cores,
        }
    }

    /// The CPU taken between two samples.
    fn since(&self, before: &Sample, after: &Sample) -> CpuSplit {
        // SAFETY: sysconf only reads a configuration value.
        let tps = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        let tps = u64::try_from(tps).ok().filter(|t| *t > 0).unwrap_or(100) as f64;
        let time = |ticks: u64| Duration::from_secs_f64(ticks as f64 / tps);
        // A process that started in the window took all its ticks in it; one that ended
        // in it is missed (its time is in "anything else" only as a remainder).
        let delta = |pid: u32| {
            let now = after.procs.get(&pid)?.ticks;
            Some(now.saturating_sub(before.procs.get(&pid).map_or(0, |p| p.ticks)))
        };
        let me = std::process::id();
        // The postmaster and its children: backends, WAL writer, checkpointer.
        let of_postgres =
            |pid: u32, p: &Proc| self.postgres.is_some_and(|pm| pid == pm || p.parent == pm);
        let postgres = self.postgres.map(|_| {
            after
                .procs
                .iter()
                .filter(|(pid, p)| of_postgres(**pid, p))
                .filter_map(|(pid, _)| delta(*pid))
                .sum::<u64>()
        });
        let mut others: HashMap<&str, u64> = HashMap::new();
        for (&pid, p) in &after.procs {
            if pid == me || Some(pid) == self.server || of_postgres(pid, p) {
                continue;
            }
            *others.entry(p.name.as_str()).or_default() += delta(pid).unwrap_or(0);
        }
        let mut others: Vec<(String, Duration)> = others
            .into_iter()
            .filter(|(_, t)| *t > 0)
            .map(|(name, t)| (name.to_owned(), time(t)))
            .collect();
        others.sort_by_key(|(_, t)| std::cmp::Reverse(*t));
        CpuSplit {
            server: self.server.and_then(delta).map(time),
            bench: time(delta(me).unwrap_or(0)),
            postgres: postgres.map(time),
            others,
            steal: time(after.steal.saturating_sub(before.steal)),
            machine: time(after.machine.saturating_sub(before.machine)),
            cores: after.cores,
        }
    }
}

/// Every process id in `/proc`.
fn pids() -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// The fields of `/proc/<pid>/stat` after the command name (which may hold spaces):
/// index 0 is field 3 (state), 1 the parent, 11 and 12 utime and stime.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

fn parent(pid: u32) -> Option<u32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

/// The machine's busy and stolen ticks over all cores since boot, and its core count.
fn machine_ticks() -> (u64, u64, u32) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let mut lines = stat.lines();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let all: Vec<u64> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .take(8)
        .filter_map(|v| v.parse().ok())
        .collect();
    let cores = lines.filter(|l| l.starts_with("cpu")).count();
    let field = |i: usize| all.get(i).copied().unwrap_or(0);
    let busy = all.iter().sum::<u64>().saturating_sub(field(3) + field(4));
    (busy, field(7), u32::try_from(cores).unwrap_or(1).max(1))
}

/// The `loket-server` child of this process serving on `port`.
fn find_server(port: &str) -> Option<u32> {
    let bin = std::fs::canonicalize(std::env::var_os("LOKET_SERVER_BIN")?).ok()?;
    let me = std::process::id();
    let port_var = format!("PORT={port}");
    pids().into_iter().find(|&pid| {
        parent(pid) == Some(me)
            && std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == bin)
            && std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == port_var.as_bytes()))
    })
}

/// The port of a `postgres://user@host:port/db` URL.
fn postgres_port(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest.split('/').next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    Some(host.rsplit_once(':')?.1.to_owned())
}

/// The PostgreSQL postmaster started with `-p <port>` (as `cargo xtask`'s throwaway is).
/// Its children keep the name `postgres` but rewrite their command line; it does not.
fn find_postmaster(port: &str) -> Option<u32> {
    pids().into_iter().find(|&pid| {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() != "postgres" {
            return false;
        }
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        args.windows(2)
            .any(|w| w[0] == b"-p" && w[1] == port.as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_port_of_a_postgres_url() {
        assert_eq!(
            postgres_port("postgres://loket@127.0.0.1:5433/postgres").as_deref(),
            Some("5433")
        );
        assert_eq!(
            postgres_port("postgresql://a:b@localhost:6000/x").as_deref(),
            Some("6000")
        );
        assert_eq!(postgres_port("postgres://localhost/x"), None);
    }
}
