//! Benchmark, not a behaviour test: how fast the real server takes in 10,000 ops from one
//! device and hands them to another, over HTTP with the protocol code the app runs.
//!
//! Not part of `cargo test` (`test = false` in Cargo.toml, which also keeps it out of
//! `--all-targets`: its logic lives in `loket_e2e::two_devices`, which the sync API test
//! runs too). `cargo xtask bench` runs it as
//! `cargo test -p loket-e2e --release --test sync_bench`; use `--release`, as in a debug
//! build the client's own fold of 10,000 ops outweighs the server. It needs
//! `LOKET_SERVER_BIN` and `LOKET_DIST` like the other end-to-end tests. The `bench:` lines
//! are written straight to stdout, so they show without `--nocapture`.

use loket_e2e::Server;
use loket_e2e::two_devices::issue_then_pull;
use std::io::Write;
use std::time::Duration;

fn report(what: &str, ops: u16, elapsed: Duration) {
    let per_second = f64::from(ops) / elapsed.as_secs_f64();
    let line = format!(
        "bench: {what}: {} ms ({per_second:.0} ops/s)\n",
        elapsed.as_millis()
    );
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(line.as_bytes());
    let _ = stdout.flush();
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_10000_ops_between_two_devices() {
    let server = Server::start().await;
    let run = issue_then_pull(&server, 10_000).await;
    report(&format!("sync push {} ops", run.ops), run.ops, run.push);
    report(
        &format!("sync pull {} ops on a second device", run.ops),
        run.ops,
        run.pull,
    );
    eprintln!(
        "push took {} round trips, pull {}",
        run.push_rounds, run.pull_rounds
    );
}
