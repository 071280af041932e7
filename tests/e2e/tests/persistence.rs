//! A tablet keeps its tickets across a reload: first as pending ops in IndexedDB, then,
//! once synced, as confirmed state.

use loket_e2e::{Chromedriver, Profile, Server, action, check};

#[tokio::test(flavor = "multi_thread")]
async fn tickets_survive_a_reload_and_sync() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let tablet = Profile::open(&chromedriver, &server, "tablet").await;

    action::enrol(&tablet, &server.admin_code(), "Tablet loket 1").await;
    assert_eq!(action::issue_ticket(&tablet).await, "A-001");
    assert_eq!(action::issue_ticket(&tablet).await, "A-002");
    check::waiting(&tablet, &["A-001", "A-002"]).await;

    action::reload(&tablet).await;
    check::waiting(&tablet, &["A-001", "A-002"]).await;

    // The app syncs after each change by itself; no button pressed here.
    check::pending(&tablet, 0).await;
    check::online(&tablet).await;

    // Confirmed now, not pending: this reload reads the synced state back.
    action::reload(&tablet).await;
    check::waiting(&tablet, &["A-001", "A-002"]).await;
    check::pending(&tablet, 0).await;

    tablet.quit().await;
}
