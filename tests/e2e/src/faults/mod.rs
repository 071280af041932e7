//! The fault harness: simulated tablets ([`device::SimDevice`], the app's `Replica` with a
//! disk of its own) against a real `loket-server` process, through a [`proxy::Proxy`] that
//! drops, delays and cuts connections, while the schedule SIGKILLs and restarts the server
//! (also in the middle of a sync), takes tablets offline, reloads them from their disk
//! (also between taking an answer in and writing it down), and revokes and enrols them
//! again.
//!
//! A schedule is drawn from its seed: the same seed makes the same steps and the same
//! faults in the same order (only where a SIGKILL lands inside a request depends on the
//! machine's timing). It ends with the network calm, every tablet enrolled and synced, and
//! asserts: no op lost, none stored twice (exactly as many rows as ops made, each of them
//! there), every tablet's view equal to the server's fold
//! (a fresh pull of the whole log, whose outcomes the server fixed), and the office's
//! sequence numbers gapless from 1.

pub mod device;
pub mod log;
pub mod proxy;

use crate::Server;
use device::{Failed, SimDevice};
use loket_core::OpId;
use loket_core::sync::{MAX_PUSH, Replica, SyncResponse};
use proxy::{FaultCounts, Mix, Proxy};
use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

/// Which database the server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// A fresh database on the server `LOKET_TEST_POSTGRES_URL` names.
    Postgres,
}

/// What one or more schedules did, for the soak's summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Schedules run to the end with every check passed.
    pub schedules: u64,
    /// Steps taken.
    pub steps: u64,
    /// Ops made on the tablets (all of them checked to be in the log once).
    pub ops: u64,
    /// Round trips that failed (the network, a server down, a revoked token).
    pub failed_rounds: u64,
    /// Server processes SIGKILLed between steps.
    pub kills: u64,
    /// Server processes SIGKILLed while a tablet was syncing.
    pub kills_mid_sync: u64,
    /// Tablets reloaded from their disk.
    pub reloads: u64,
    /// Tablets that died between taking an answer in and writing it down.
    pub crashes_before_commit: u64,
    /// Times a tablet went offline.
    pub offline_spells: u64,
    /// Tablets revoked by the admin.
    pub revocations: u64,
    /// Tablets enrolled again after a revocation.
    pub re_enrolments: u64,
    /// What the proxy did to connections.
    pub faults: FaultCounts,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, o: Tally) {
        self.schedules += o.schedules;
        self.steps += o.steps;
        self.ops += o.ops;
        self.failed_rounds += o.failed_rounds;
        self.kills += o.kills;
        self.kills_mid_sync += o.kills_mid_sync;
        self.reloads += o.reloads;
        self.crashes_before_commit += o.crashes_before_commit;
        self.offline_spells += o.offline_spells;
        self.revocations += o.revocations;
        self.re_enrolments += o.re_enrolments;
        let (f, g) = (&mut self.faults, o.faults);
        f.passed += g.passed;
        f.delayed += g.delayed;
        f.refused += g.refused;
        f.cut += g.cut;
        f.lost += g.lost;
        f.lost_after_answer += g.lost_after_answer;
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = &self.faults;
        write!(
            f,
            "{} schedules passed: {} steps, {} ops made and each found once in the log; \
             {} rounds failed; server SIGKILLed {} times between steps and {} times mid-sync; \
             {} reloads, {} crashes between answer and disk, {} offline spells, \
             {} revocations, {} enrolled again; connections: {} passed, {} delayed, \
             {} refused, {} cut mid-request, {} answers thrown away ({} after the server \
             had answered)",
            self.schedules,
            self.steps,
            self.ops,
            self.failed_rounds,
            self.kills,
            self.kills_mid_sync,
            self.reloads,
            self.crashes_before_commit,
            self.offline_spells,
            self.revocations,
            self.re_enrolments,
            x.passed,
            x.delayed,
            x.refused,
            x.cut,
            x.lost,
            x.lost_after_answer
        )
    }
}

/// Steps in one schedule.
const STEPS: usize = 40;

/// One tablet and what the harness knows about it.
struct Tablet {
    device: SimDevice,
    offline: bool,
    /// Revoked by the admin and not enrolled again yet.
    revoked: bool,
}

/// A running schedule.
struct Run {
    seed: u64,
    backend: Backend,
    rng: fastrand::Rng,
    server: Server,
    proxy: Proxy,
    tablets: Vec<Tablet>,
    tally: Tally,
    /// The steps so far, for a failure's message.
    steps: Vec<String>,
}

/// Runs the schedule of `seed` on `backend` and checks how it ended; fails the test,
/// naming the seed and the steps, if anything was lost, doubled or left apart.
pub async fn run(seed: u64, backend: Backend) -> Tally {
    let mut rng = fastrand::Rng::with_seed(seed);
    let server = match backend {
        Backend::Sqlite => Server::start().await,
        Backend::Postgres => Server::start_on_postgres().await,
    };
    let proxy = Proxy::start(server.port(), rng.u64(..)).await;
    let count = rng.usize(2..=3);
    let mut tablets = Vec::new();
    for i in 0..count {
        let name = format!("tablet-{}", i + 1);
        let code = server.admin_code();
        let counter = u8::try_from(i + 1).expect("a few tablets");
        let mut device = SimDevice::set_up(&proxy.url(), &code, &name, counter, i == 0).await;
        device
            .settle()
            .await
            .unwrap_or_else(|e| panic!("seed {seed}: setting up {name} failed: {e:?}"));
        tablets.push(Tablet {
            device,
            offline: false,
            revoked: false,
        });
    }
    let mut run = Run {
        seed,
        backend,
        rng,
        server,
        proxy,
        tablets,
        tally: Tally::default(),
        steps: Vec::new(),
    };
    run.chaos().await;
    run.drain().await;
    run.check().await;
    let mut tally = run.tally;
    tally.schedules = 1;
    tally.faults = run.proxy.counts();
    tally
}

impl Run {
    fn note(&mut self, step: String) {
        if std::env::var_os("LOKET_FAULT_VERBOSE").is_some() {
            eprintln!("step: {step}");
        }
        self.steps.push(step);
    }

    /// Fails the test with the seed, to replay it, and the steps that led here.
    fn fail(&self, what: &str) -> ! {
        panic!(
            "fault schedule failed: {what}\n\
             replay it with LOKET_FAULT_SEED={} ({:?}); its steps:\n  {}",
            self.seed,
            self.backend,
            self.steps.join("\n  ")
        );
    }

    /// The schedule's steps under a faulty network.
    async fn chaos(&mut self) {
        let mix = Mix {
            delay: self.rng.u8(5..20),
            refuse: self.rng.u8(3..12),
            cut: self.rng.u8(2..8),
            lose: self.rng.u8(5..20),
        };
        self.note(format!("network {mix:?}"));
        self.proxy.set_mix(mix);
        for _ in 0..STEPS {
            self.tally.steps += 1;
            let t = self.rng.usize(..self.tablets.len());
            match self.rng.u8(0..100) {
                0..30 => self.make(t, true),
                30..40 => self.make(t, false),
                40..65 => self.sync(t, false).await,
                65..70 => self.sync(t, true).await,
                70..75 => {
                    self.tablets[t].device.reload();
                    self.tally.reloads += 1;
                    self.note(format!("{t}: reload from disk"));
                }
                75..80 => {
                    let tablet = &mut self.tablets[t];
                    tablet.offline = !tablet.offline;
                    if tablet.offline {
                        self.tally.offline_spells += 1;
                    }
                    let now = if tablet.offline { "offline" } else { "online" };
                    self.note(format!("{t}: {now}"));
                }
                80..85 => self.kill_between_steps().await,
                85..90 => self.kill_mid_sync(t).await,
                90..95 => self.revoke(t).await,
                _ => self.enrol_again(t, false).await,
            }
        }
    }

    /// A ticket issued, or the next one called, on tablet `t`.
    fn make(&mut self, t: usize, issue: bool) {
        let device = &mut self.tablets[t].device;
        let made = if issue {
            device.issue()
        } else {
            device.call_next()
        };
        if let Some(id) = made {
            self.tally.ops += 1;
            let what = if issue { "issue" } else { "call" };
            self.note(format!("{t}: {what} {id:?}"));
        }
    }

    /// Tablet `t` syncs (if online), optionally dying before it writes the answer down.
    async fn sync(&mut self, t: usize, crash: bool) {
        if self.tablets[t].offline {
            return;
        }
        let result = if crash {
            let round = self.tablets[t].device.round(true).await;
            // Only an answer taken in and then lost with the tab counts as that crash.
            if round.is_ok() {
                self.tally.crashes_before_commit += 1;
            }
            round.map(drop)
        } else {
            self.tablets[t].device.settle().await
        };
        let how = if crash {
            "round, crash before disk"
        } else {
            "sync"
        };
        self.after_sync(t, how, result);
    }

    fn after_sync(&mut self, t: usize, how: &str, result: Result<(), Failed>) {
        if result.is_ok() && self.tablets[t].revoked {
            self.fail(&format!("tablet {t} synced while revoked"));
        }
        if let Err(e) = &result {
            self.tally.failed_rounds += 1;
            if e.is_revoked() && !self.tablets[t].revoked {
                self.fail(&format!("tablet {t} was told it is revoked; it is not"));
            }
            if let Failed::Refused(status, body) = e
                && !e.is_revoked()
                && *status != 429
            {
                self.fail(&format!("tablet {t}'s sync was refused: {status} {body}"));
            }
        }
        self.note(format!("{t}: {how}: {result:?}"));
    }

    /// SIGKILL, then the server starts again at once or after a few steps.
    async fn kill_between_steps(&mut self) {
        if !self.server.is_running() {
            self.server.start_again().await;
            self.note("server started again".into());
            return;
        }
        self.server.kill();
        self.tally.kills += 1;
        self.note("server SIGKILLed".into());
        if self.rng.bool() {
            self.server.start_again().await;
            self.note("server started again".into());
        }
    }

    /// SIGKILL while tablet `t` syncs, after a pause drawn from the seed.
    async fn kill_mid_sync(&mut self, t: usize) {
        if !self.server.is_running() || self.tablets[t].offline {
            return;
        }
        let pause = Duration::from_millis(self.rng.u64(0..40));
        let device = &mut self.tablets[t].device;
        let server = &mut self.server;
        let done = std::cell::Cell::new(false);
        let (result, mid_sync) = tokio::join!(
            async {
                let result = device.settle().await;
                done.set(true);
                result
            },
            async {
                tokio::time::sleep(pause).await;
                // Both run in this task: `done` is exact, and a kill after the sync ended
                // is one between steps.
                let mid_sync = !done.get();
                server.kill();
                mid_sync
            }
        );
        if mid_sync {
            self.tally.kills_mid_sync += 1;
        } else {
            self.tally.kills += 1;
        }
        self.after_sync(t, &format!("sync, SIGKILL after {pause:?}"), result);
        self.server.start_again().await;
        self.note("server started again".into());
    }

    /// The admin (on the first tablet) revokes tablet `t`, if it is another and none is
    /// revoked yet.
    async fn revoke(&mut self, t: usize) {
        if t == 0 || self.tablets.iter().any(|x| x.revoked) || !self.server.is_running() {
            return;
        }
        let (admin, rest) = self.tablets.split_at_mut(1);
        let result = admin[0]
            .device
            .revoke(&self.server.url(), &rest[t - 1].device)
            .await;
        if let Err(e) = result {
            self.fail(&format!("the admin could not revoke tablet {t}: {e:?}"));
        }
        self.tablets[t].revoked = true;
        self.tally.revocations += 1;
        self.note(format!("{t}: revoked"));
    }

    /// A revoked tablet `t` enrols again with a new admin code, through the faulty network:
    /// a failed attempt is tried again with the same code, as a person would, up to
    /// `calm`-dependent times. Returns whether it is enrolled.
    async fn enrol_again(&mut self, t: usize, calm: bool) {
        if !self.tablets[t].revoked || !self.server.is_running() {
            return;
        }
        let code = self.server.admin_code();
        let tries = if calm { 5 } else { 2 };
        for attempt in 1..=tries {
            let result = self.tablets[t].device.enrol_again(&code).await;
            self.note(format!("{t}: enrol again, try {attempt}: {result:?}"));
            match result {
                Ok(()) => {
                    self.tablets[t].revoked = false;
                    self.tally.re_enrolments += 1;
                    return;
                }
                Err(Failed::Network | Failed::Refused(429, _)) => {}
                Err(Failed::Refused(status, body)) => self.fail(&format!(
                    "tablet {t} could not enrol again with a fresh code (try {attempt}, the \
                     same code each time): {status} {body}"
                )),
            }
        }
    }

    /// The network calms down, the server runs, every tablet is enrolled and online, and
    /// each syncs twice round so every one has seen every other's work.
    async fn drain(&mut self) {
        self.proxy.set_mix(Mix::CALM);
        self.note("network calm".into());
        if !self.server.is_running() {
            self.server.start_again().await;
            self.note("server started again".into());
        }
        for t in 0..self.tablets.len() {
            self.enrol_again(t, true).await;
            if self.tablets[t].revoked {
                self.fail(&format!(
                    "tablet {t} could not enrol again on a calm network"
                ));
            }
            self.tablets[t].offline = false;
        }
        for pass in 0..2 {
            for t in 0..self.tablets.len() {
                let result = self.tablets[t].device.settle().await;
                self.note(format!("{t}: final sync {pass}: {result:?}"));
                if let Err(e) = result {
                    self.fail(&format!(
                        "tablet {t} could not sync on a calm network: {e:?}"
                    ));
                }
            }
        }
    }

    /// What must hold at the end of every schedule.
    async fn check(&self) {
        let made: HashSet<OpId> = self
            .tablets
            .iter()
            .flat_map(|t| t.device.made().iter().copied())
            .collect();
        let office = self.tablets[0].device.enrolment().office.code.to_string();
        let rows = log::office_log(&self.server, &office);
        for (i, row) in rows.iter().enumerate() {
            if row.seq != i as u64 + 1 {
                self.fail(&format!(
                    "the office's log has a gap: row {i} has seq {}",
                    row.seq
                ));
            }
        }
        // Ids are unique in the table: an op stored twice would show as more rows than ops
        // made (checked below), not as a repeated id.
        let stored: HashSet<String> = rows.iter().map(|row| row.id.clone()).collect();
        for id in &made {
            if !stored.contains(&id.0.to_string()) {
                self.fail(&format!(
                    "op {id:?} was made on a tablet and never reached the log"
                ));
            }
        }
        if rows.len() != made.len() {
            self.fail(&format!(
                "the log holds {} ops; the tablets made {}",
                rows.len(),
                made.len()
            ));
        }
        let first = self.tablets[0].device.enrolment();
        let (server_fold, disagreements) = fresh_pull(&self.server.url(), &first.token).await;
        if disagreements > 0 {
            self.fail(&format!(
                "{disagreements} ops of the log fold here otherwise than the server fixed them"
            ));
        }
        for (t, tablet) in self.tablets.iter().enumerate() {
            let replica = tablet.device.replica();
            if !replica.pending().is_empty() {
                self.fail(&format!(
                    "tablet {t} still holds {} ops pending",
                    replica.pending().len()
                ));
            }
            if replica.cursor() != rows.len() as u64 {
                self.fail(&format!(
                    "tablet {t} stands at {} of a log of {}",
                    replica.cursor(),
                    rows.len()
                ));
            }
            if replica.view() != server_fold.view() {
                self.fail(&format!("tablet {t}'s view differs from the server's fold"));
            }
            if tablet.device.reloaded().view() != replica.view() {
                self.fail(&format!(
                    "tablet {t}'s disk holds another view than its memory"
                ));
            }
        }
    }
}

/// The server's fold, as a tablet that never saw a fault pulls it: the whole log with the
/// outcomes the server fixed, and how many ops this side folded differently.
pub async fn fresh_pull(base: &str, token: &str) -> (Replica, usize) {
    let http = device::client();
    let mut replica = Replica::default();
    let mut disagreements = 0;
    loop {
        let response: SyncResponse = http
            .post(format!("{base}/api/sync"))
            .bearer_auth(token)
            .json(&replica.request(MAX_PUSH))
            .send()
            .await
            .expect("a calm pull")
            .json()
            .await
            .expect("a sync answer");
        let more = response.more;
        let received = replica.receive(response).expect("the log in order");
        disagreements += received.disagreements.len();
        if !more {
            return (replica, disagreements);
        }
    }
}
