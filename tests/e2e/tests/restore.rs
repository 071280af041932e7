//! The office restores the server from last night's backup: the tablet's cursor is then
//! ahead of the server's log. The tablet sends its own ops again, the server takes the
//! ones it lost (and answers "repeated" for the rest), and nothing is lost or doubled.

use loket_e2e::{Chromedriver, Profile, Server, action, check};
use std::path::{Path, PathBuf};

/// The database file and its write-ahead log, as SQLite may leave them.
fn db_files(db: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| PathBuf::from(format!("{}{suffix}", db.display())))
        .collect()
}

fn copy_db(from: &Path, to: &Path) {
    for (src, dst) in db_files(from).into_iter().zip(db_files(to)) {
        let _ = std::fs::remove_file(&dst);
        if src.exists() {
            std::fs::copy(&src, &dst).expect("copy a database file");
        }
    }
}

fn issue_ids(db: &Path) -> (i64, i64) {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the server's database read-only");
    conn.query_row(
        "SELECT count(*), count(DISTINCT id) FROM ops WHERE kind = 'issue_ticket'",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .expect("count the ops")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restored_server_gets_the_lost_tickets_back() {
    let mut server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let tablet = Profile::open(&chromedriver, &server, "tablet").await;

    action::enrol(&tablet, server.admin_code(), "Tablet loket 1").await;
    action::issue_ticket(&tablet).await;
    action::issue_ticket(&tablet).await;
    check::pending(&tablet, 0).await;

    // Last night's backup holds.
    server.stop().await;
    let backup = server.db_path().with_extension("backup");
    copy_db(&server.db_path(), &backup);
    server.start_again().await;

    // Today goes on: reach the server.
    action::issue_ticket(&tablet).await;
    action::issue_ticket(&tablet).await;
    action::sync_until_settled(&tablet).await;
    check::pending(&tablet, 0).await;

    // The server's disk fails; the office restores the backup.
    server.stop().await;
    copy_db(&backup, &server.db_path());
    assert_eq!(
        issue_ids(&server.db_path()),
        (2, 2),
        "the backup lacks today's tickets"
    );
    server.start_again().await;

    // The tablet's next sync meets a server behind it, and sends its own ops again.
    action::issue_ticket(&tablet).await;
    action::sync_until_settled(&tablet).await;
    check::pending(&tablet, 0).await;
    check::waiting(&tablet, &["A-001", "A-002", "A-003", "A-004", "A-005"]).await;
    server.stop().await;
    assert_eq!(
        issue_ids(&server.db_path()),
        (5, 5),
        "every ticket once, none lost"
    );

    tablet.quit().await;
}
