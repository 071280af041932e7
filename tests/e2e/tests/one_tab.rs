//! A second tab on the same tablet stands aside, so two tabs never give out the same queue
//! number; once the first tab closes, a new one works as usual.

use loket_e2e::{Chromedriver, Profile, Server, action, check, find};

#[tokio::test(flavor = "multi_thread")]
async fn a_second_tab_stands_aside() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let tablet = Profile::open(&chromedriver, &server, "tablet").await;
    action::enrol(&tablet, &server.admin_code(), "Tablet loket 1").await;
    assert_eq!(action::issue_ticket(&tablet).await, "A-001");
    let first = tablet
        .driver
        .window()
        .await
        .expect("the first tab's handle");

    let second = tablet.driver.new_tab().await.expect("open a second tab");
    tablet
        .driver
        .switch_to_window(second)
        .await
        .expect("switch to the second tab");
    tablet
        .driver
        .goto(tablet.url("/"))
        .await
        .expect("open Loket in the second tab");
    check::exists(&tablet, "[data-testid=elsewhere]").await;
    assert!(
        !find::exists(&tablet, "#issue-ticket")
            .await
            .expect("read the page"),
        "the second tab offers no way to issue a number"
    );

    // The first tab goes on working.
    tablet
        .driver
        .close_window()
        .await
        .expect("close the second tab");
    tablet
        .driver
        .switch_to_window(first)
        .await
        .expect("back to the first tab");
    assert_eq!(action::issue_ticket(&tablet).await, "A-002");

    // Closing the first tab frees the device for a new one.
    let third = tablet.driver.new_tab().await.expect("open a third tab");
    tablet
        .driver
        .close_window()
        .await
        .expect("close the first tab");
    tablet
        .driver
        .switch_to_window(third)
        .await
        .expect("switch to the third tab");
    action::open(&tablet, "/").await;
    // A new tab starts locked: whoever uses it signs in again.
    action::unlock(&tablet, action::OPERATOR.0, action::OPERATOR.1).await;
    check::waiting(&tablet, &["A-001", "A-002"]).await;

    tablet.quit().await;
}
