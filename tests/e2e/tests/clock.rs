//! A tablet whose clock went back to 2000 (its battery ran flat) issues no numbers: the
//! server would refuse ops dated then, and a refused op would hold up the ones after it.
//! Staff see why and what to do.

use loket_e2e::{Chromedriver, Profile, Server, action, check, find};
use serde_json::json;

/// Makes every page the profile opens from now on believe it is 1 January 2000.
async fn set_clock_to_2000(p: &Profile) {
    let shift = "const shift = Date.UTC(2000, 0, 1) - Date.now(); \
        const RealDate = Date; \
        class TabletDate extends RealDate { \
          constructor(...a) { if (a.length === 0) { super(RealDate.now() + shift); } else { super(...a); } } \
          static now() { return RealDate.now() + shift; } \
        } \
        globalThis.Date = TabletDate;";
    p.driver
        .cdp()
        .send_raw(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": shift }),
        )
        .await
        .expect("install the clock shift");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tablet_with_a_wrong_clock_issues_no_number() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let tablet = Profile::open(&chromedriver, &server, "tablet").await;
    action::enrol(&tablet, &server.admin_code(), "Tablet loket 1").await;
    assert_eq!(action::issue_ticket(&tablet).await, "A-001");
    check::pending(&tablet, 0).await;

    set_clock_to_2000(&tablet).await;
    action::reload(&tablet).await;
    check::exists(&tablet, "[data-testid=clock]:not([hidden])").await;
    action::click(&tablet, "#issue-ticket").await;
    check::exists(&tablet, "[data-testid=action-error]:not([hidden])").await;
    let message = find::text(&tablet, "[data-testid=action-error]")
        .await
        .expect("read the message")
        .unwrap_or_default();
    assert!(
        message.contains("jam"),
        "the message names the clock: {message}"
    );
    // Nothing was recorded, so nothing waits to be sent. (The tablet thinks it is another
    // day, so its waiting list is that day's: empty; the banner says why.)
    check::pending(&tablet, 0).await;
    assert_eq!(
        find::last_ticket(&tablet).await.expect("read the page"),
        None
    );

    tablet.quit().await;
}
