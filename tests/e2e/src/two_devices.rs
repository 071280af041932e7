//! Two simulated tablets over HTTP: one issues a batch of tickets and pushes them, the
//! other pulls them all. Shared by the sync benchmark (10,000 ops, timed) and the sync API
//! test (a few thousand, enough to need several push rounds and pull pages).

use crate::Server;
use crate::api::Device;
use std::time::{Duration, Instant};

/// What one run measured.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// How many ops device 1 issued.
    pub ops: u16,
    /// Time for device 1 to push them all and see them confirmed.
    pub push: Duration,
    /// Round trips that took.
    pub push_rounds: usize,
    /// Time for device 2, new, to pull everything.
    pub pull: Duration,
    /// Round trips that took.
    pub pull_rounds: usize,
}

/// Enrols two devices on `server`; device 1 issues `ops` walk-in tickets offline, then
/// syncs until they are confirmed; device 2 then pulls everything. Fails the test unless
/// device 2 ends with exactly device 1's view: `ops` waiting tickets and no conflict.
pub async fn issue_then_pull(server: &Server, ops: u16) -> Run {
    let mut one = Device::enrol(&server.url(), &server.admin_code(), "sync-1").await;
    let mut two = Device::enrol(&server.url(), &server.admin_code(), "sync-2").await;
    assert_ne!(
        one.enrolment.letter, two.enrolment.letter,
        "two devices of one office got the same letter"
    );
    let day = one.today();
    one.make_first_admin().await;
    for serial in 1..=ops {
        one.issue(serial, day);
    }

    let started = Instant::now();
    let push_rounds = one.sync_all().await;
    let push = started.elapsed();
    assert!(one.replica.pending().is_empty());
    assert!(one.replica.cursor() >= u64::from(ops));

    let started = Instant::now();
    let pull_rounds = two.sync_all().await;
    let pull = started.elapsed();

    assert!(
        two.replica.view() == one.replica.view(),
        "the second device's view differs from the first's after a full pull"
    );
    assert_eq!(two.replica.view().waiting(day).len(), usize::from(ops));
    assert!(two.replica.view().conflicts().is_empty());
    Run {
        ops,
        push,
        push_rounds,
        pull,
        pull_rounds,
    }
}
