//! Benchmarks, not behaviour tests, over HTTP with the protocol code the app runs:
//! - how fast the real server takes in 10,000 ops from one device and hands them to
//!   another (`sync_10000_ops_between_two_devices`);
//! - the load run (`load_*`): 50 devices pushing at once to one server, closed loop and
//!   paced at the issue's goal rate, on
//!   SQLite and on PostgreSQL, over a log of 10,000 and of 250,000 ops
//!   ([`loket_e2e::load`] says how, and why its devices are cheap clients).
//!
//! Not part of `cargo test` (`test = false` in Cargo.toml, which also keeps it out of
//! `--all-targets`: the two-device logic lives in `loket_e2e::two_devices`, which the sync
//! API test runs too). `cargo xtask bench` runs it as
//! `cargo test -p loket-e2e --release --test sync_bench`, the load runs one at a time
//! (`--test-threads=1`) with a throwaway PostgreSQL in `LOKET_TEST_POSTGRES_URL`; use
//! `--release`, as in a debug build the client's own work outweighs the server's. It needs
//! `LOKET_SERVER_BIN` and `LOKET_DIST` like the other end-to-end tests, and
//! `LOKET_BENCH_LOAD_SECS` shortens each load run's measured minute for a trial. The
//! `bench:` lines are written straight to stdout, so they show without `--nocapture`.

use loket_e2e::Server;
use loket_e2e::bench;
use loket_e2e::load::{self, Config, Database};
use loket_e2e::two_devices::issue_then_pull;
use std::time::Duration;

fn report(what: &str, ops: u16, elapsed: Duration) {
    let per_second = f64::from(ops) / elapsed.as_secs_f64();
    bench::line(&format!(
        "{what}: {} ms ({per_second:.0} ops/s)",
        elapsed.as_millis()
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_10000_ops_between_two_devices() {
    let server = Server::start().await;
    let run = issue_then_pull(&server, 10_000).await;
    // The server's side only: a native client with an in-memory replica, no browser, no
    // IndexedDB (the browser bench measures what a tablet does).
    report(
        &format!("server takes {} ops from a native client", run.ops),
        run.ops,
        run.push,
    );
    report(
        &format!("server hands {} ops to a second native client", run.ops),
        run.ops,
        run.pull,
    );
    eprintln!(
        "push took {} round trips, pull {}",
        run.push_rounds, run.pull_rounds
    );
}

/// One load configuration: runs it, prints its `bench:` lines, and fails if a push failed
/// (the lines say which, and the figures are printed first either way).
async fn load(database: Database, prefill: u32) {
    let report = load::run(Config::new(database, prefill)).await;
    for line in report.lines() {
        bench::line(&line);
    }
    assert_eq!(
        report.failures(),
        0,
        "{} pushes failed; the first: {}",
        report.failures(),
        report.first_failure().unwrap_or("(no message)")
    );
}

// Named so that libtest's order (by name) runs the small log before the large one.

#[tokio::test(flavor = "multi_thread")]
async fn load_1_sqlite_10k() {
    load(Database::Sqlite, 10_000).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn load_2_postgres_10k() {
    load(Database::Postgres, 10_000).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn load_3_sqlite_250k() {
    load(Database::Sqlite, 250_000).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn load_4_postgres_250k() {
    load(Database::Postgres, 250_000).await;
}
