//! Live, not polled: a step on one online tablet shows on another within a second,
//! without a tap (the poll is 20 s), and the live stream comes back by itself after the
//! server restarts.

use loket_e2e::{Chromedriver, Profile, Server, WAIT, action, check};
use std::time::Duration;

/// What "at once" means here.
const AT_ONCE: Duration = Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread")]
async fn a_step_on_one_tablet_shows_on_another_within_a_second() {
    let mut server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let (one, two) = action::two_tablets(&chromedriver, &server).await;

    listening(&two).await;
    let number = action::issue_ticket(&one).await;
    check::shows(&two, "#waiting", &number, AT_ONCE).await;

    // The server restarts: the stream ends, and the tablet opens a new one by itself.
    server.stop().await;
    server.start_again().await;
    listening(&two).await;
    let number = action::issue_ticket(&one).await;
    check::shows(&two, "#waiting", &number, AT_ONCE).await;
}

/// Waits until the tablet's badge says its live stream is open.
async fn listening(p: &Profile) {
    check::until(p, "the live stream open", WAIT, async || {
        let live = p
            .driver
            .execute(
                "return document.getElementById('sync-badge')?.getAttribute('data-live');",
                Vec::new(),
            )
            .await
            .map_err(|e| e.to_string())?
            .json()
            .as_str()
            .map(str::to_owned);
        match live.as_deref() {
            Some("true") => Ok(()),
            other => Err(format!("data-live is {other:?}")),
        }
    })
    .await;
}
