//! The sync API over a real socket, as tablets use it: a batch too big for one push goes
//! in several rounds, a pull too big for one response comes in pages (`more`), and a second
//! device ends with exactly the first one's state.

use loket_core::sync::{MAX_PULL, MAX_PUSH};
use loket_e2e::Server;
use loket_e2e::two_devices::issue_then_pull;

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_pushed_in_rounds_is_pulled_in_pages_by_another_device() {
    let server = Server::start().await;
    // Over both limits, so neither a single push nor a single pull can carry it.
    let ops = u16::try_from(MAX_PULL + MAX_PUSH + 1).expect("a small batch");
    let run = issue_then_pull(&server, ops).await;
    assert!(
        run.push_rounds >= usize::from(ops).div_ceil(MAX_PUSH),
        "{ops} ops cannot be pushed in {} rounds of at most {MAX_PUSH}",
        run.push_rounds
    );
    assert!(
        run.pull_rounds >= 2,
        "{ops} ops should not fit one pull of at most {MAX_PULL}: took {} round trips",
        run.pull_rounds
    );
}
