//! The office's connection drops: the tablet keeps issuing tickets, reopens from its
//! service worker, and when the server is back every op arrives exactly once.

use loket_e2e::{Chromedriver, Profile, STARTUP, Server, WAIT, action, check};
use rusqlite::{Connection, OpenFlags};

#[tokio::test(flavor = "multi_thread")]
async fn tickets_issued_offline_reach_the_server_once() {
    let mut server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let tablet = Profile::open(&chromedriver, &server, "tablet-1").await;
    action::enrol(&tablet, &server.admin_code(), "Tablet loket 1").await;
    check::service_worker_controls(&tablet).await;

    server.stop().await;
    let issued = [
        action::issue_ticket(&tablet).await,
        action::issue_ticket(&tablet).await,
        action::issue_ticket(&tablet).await,
    ];
    assert_eq!(issued, ["A-001", "A-002", "A-003"]);
    check::waiting(&tablet, &["A-001", "A-002", "A-003"]).await;
    check::pending(&tablet, 3).await;
    check::offline(&tablet).await;

    // With the server down only the service worker can open the app.
    action::reload(&tablet).await;
    check::waiting(&tablet, &["A-001", "A-002", "A-003"]).await;
    check::pending(&tablet, 3).await;

    server.start_again().await;
    // No button pressed: the app's retry must find the server by itself (its backoff is
    // at most ~15 s).
    check::pending_within(&tablet, 0, WAIT + STARTUP).await;
    check::online(&tablet).await;

    let db = Connection::open_with_flags(server.db_path(), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open the server's database read-only");
    let (ops, ids, issues): (i64, i64, i64) = db
        .query_row(
            // The office's staff accounts (the first admin and the operator) are ops too.
            "SELECT count(*), count(DISTINCT id), \
                    count(*) FILTER (WHERE kind = 'issue_ticket') FROM ops \
             WHERE kind != 'save_staff'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .expect("count the server's ops");
    assert_eq!(
        (ops, ids, issues),
        (3, 3, 3),
        "the server should hold each of the three ops exactly once (rows, distinct ids, \
         issue_ticket rows)"
    );
    drop(db);

    // A second tablet, enrolled after the fact, sees what the first issued offline.
    let second = Profile::open(&chromedriver, &server, "tablet-2").await;
    action::enrol(&second, &server.admin_code(), "Tablet loket 2").await;
    action::sync_until_waiting(&second, &["A-001", "A-002", "A-003"]).await;

    second.quit().await;
    tablet.quit().await;
}
