//! A lost tablet: the admin revokes it from the list of devices; it keeps working, keeps
//! what it records, and says why it cannot sync; enrolled again with a new code from the
//! admin, it is the same device (its letter) and its tickets reach the server once.

use loket_e2e::{Chromedriver, Profile, Server, WAIT, action, check};
use thirtyfour::prelude::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_tablet_keeps_its_tickets_and_delivers_them_once_enrolled_again() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let office = Profile::open(&chromedriver, &server, "office-tablet").await;
    let lost = Profile::open(&chromedriver, &server, "lost-tablet").await;
    action::enrol(&office, &server.admin_code(), "Tablet loket 1").await;
    action::enrol(&lost, &server.admin_code(), "Tablet loket 2").await;

    // The admin revokes the second tablet.
    action::lock(&office).await;
    action::unlock(&office, action::ADMIN.0, action::ADMIN.1).await;
    action::click(&office, "#nav-admin").await;
    let revoke = "//ul[@id='device-list']/li[span[@class='name' and starts-with(text(),'Tablet loket 2')]]//button[contains(@class,'revoke-device')]";
    check::until(
        &office,
        "the second tablet's Revoke button",
        WAIT,
        async || match office.driver.find(By::XPath(revoke)).await {
            Ok(button) => button.click().await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        },
    )
    .await;
    check::shows(&office, "#device-list", "dicabut", WAIT).await;

    // It keeps working: a ticket, kept on the tablet, and it says why it cannot sync.
    let number = action::issue_ticket(&lost).await;
    assert!(number.starts_with("B-"), "{number}");
    check::shows(
        &lost,
        "[data-testid=enrol-again]",
        "dicabut oleh admin",
        WAIT,
    )
    .await;
    check::pending(&lost, 1).await;
    check::screens(&lost, "device-revoked").await;

    // Enrolled again with a new code from the admin: the ticket is sent, once.
    let code = action::make_admin_code(&office).await;
    action::type_into(&lost, "#again-code", &code).await;
    action::type_into(&lost, "#again-name", "Tablet loket 2").await;
    action::click(&lost, "#again-submit").await;
    check::pending(&lost, 0).await;
    check::shows(&office, "#device-list", "Tablet loket 2 (B)", WAIT).await;
    let db = rusqlite::Connection::open(server.db_path()).expect("open the server's database");
    let tickets: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM ops WHERE kind = 'issue_ticket'",
            [],
            |row| row.get(0),
        )
        .expect("count the tickets");
    assert_eq!(tickets, 1, "the revoked tablet's ticket, once");
}
