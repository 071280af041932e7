//! The fault harness's bounded run (`loket_e2e::faults`): schedules of simulated tablets
//! against a real `loket-server`, through a faulty network, with the server SIGKILLed and
//! tablets reloaded, revoked and enrolled again; each ends with nothing lost or doubled.
//!
//! `LOKET_FAULT_SCHEDULES` sets how many schedules (default 6, half on each database;
//! `cargo xtask soak --schedules N` runs many), `LOKET_FAULT_SEED` replays one seed on the
//! database its failure named (`LOKET_FAULT_BACKEND=sqlite|postgres`).

use loket_e2e::faults::{self, Backend, Tally};

/// Schedules in a plain `cargo xtask test`: enough to meet every kind of fault, quick
/// enough for CI (about a second or two each).
const BOUNDED: u64 = 6;

fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value} is not a whole number")),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn no_fault_loses_or_doubles_an_op() {
    if let Some(seed) = env_u64("LOKET_FAULT_SEED") {
        let backend = match std::env::var("LOKET_FAULT_BACKEND").as_deref() {
            Ok("postgres") => Backend::Postgres,
            _ => Backend::Sqlite,
        };
        let tally = faults::run(seed, backend).await;
        println!("seed {seed} on {backend:?}: {tally}");
        return;
    }
    let schedules = env_u64("LOKET_FAULT_SCHEDULES").unwrap_or(BOUNDED);
    // A fixed base, so CI's bounded run is the same schedules every time; the soak goes on
    // from the same base, so its first schedules are CI's.
    let base = env_u64("LOKET_FAULT_BASE").unwrap_or(0x10CE7);
    let mut total = Tally::default();
    for i in 0..schedules {
        let seed = base + i;
        let backend = if i % 2 == 0 {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let tally = faults::run(seed, backend).await;
        total += tally;
        if (i + 1) % 50 == 0 {
            println!("after {} schedules: {total}", i + 1);
        }
    }
    println!("fault harness: {total}");
    // The run must have met the faults that matter; a harness that injects nothing proves
    // nothing: answers lost after the server did the work, refused connections, kills.
    assert!(
        total.faults.lost_after_answer > 0 && total.faults.refused > 0,
        "{total}"
    );
    assert!(total.kills + total.kills_mid_sync > 0, "{total}");
}
