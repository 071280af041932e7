//! Benchmark, not a behaviour test: how fast the real server takes in 10,000 ops from one
//! device and hands them to another, over HTTP with the protocol code the app runs.
//!
//! Not part of `cargo test` (`test = false` in Cargo.toml); `cargo xtask bench` runs it as
//! `cargo test -p loket-e2e --test sync_bench`. It needs `LOKET_SERVER_BIN` and `LOKET_DIST`
//! like the other end-to-end tests. The two `bench:` lines are written straight to stdout,
//! so they show without `--nocapture`.

use loket_e2e::Server;
use loket_e2e::api::Device;
use std::io::Write;
use std::time::Instant;

const OPS: u16 = 10_000;

fn report(what: &str, started: Instant) {
    let elapsed = started.elapsed();
    let per_second = f64::from(OPS) / elapsed.as_secs_f64();
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
    let mut one = Device::enrol(&server.url(), server.admin_code(), "bench-1").await;
    let mut two = Device::enrol(&server.url(), server.admin_code(), "bench-2").await;
    assert_ne!(one.enrolment.letter, two.enrolment.letter);

    let day = one.today();
    for serial in 1..=OPS {
        one.issue(serial, day);
    }

    let started = Instant::now();
    let rounds = one.sync_all().await;
    report(&format!("sync push {OPS} ops"), started);
    assert!(one.replica.pending().is_empty());
    assert!(one.replica.cursor() >= u64::from(OPS));

    let started = Instant::now();
    let pulls = two.sync_all().await;
    report(&format!("sync pull {OPS} ops on a second device"), started);

    assert_eq!(
        two.replica.view(),
        one.replica.view(),
        "the second device's view differs from the first's"
    );
    assert_eq!(two.replica.view().waiting(day).len(), usize::from(OPS));
    assert!(two.replica.view().conflicts().is_empty());
    eprintln!("push took {rounds} round trips, pull {pulls}");
}
