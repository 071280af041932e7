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

    action::enrol(&tablet, &server.admin_code(), "Tablet loket 1").await;
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

/// Every ticket op's (seq, id) in the server's log.
fn issue_seqs(db: &Path) -> Vec<(i64, String)> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the server's database read-only");
    let mut query = conn
        .prepare("SELECT seq, id FROM ops WHERE kind = 'issue_ticket' ORDER BY seq")
        .expect("prepare");
    query
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("query")
        .map(|r| r.expect("a row"))
        .collect()
}

/// The drill as an admin runs it: a backup with `loket-server backup` while the office
/// works, five more tickets on the first tablet, a disk failure and `loket-server
/// restore`, ten tickets on a second tablet against the restored server, then the first
/// tablet comes back. Its five are sent again and land once, the second tablet's work is
/// kept, and no sequence number of the lost history is given to another op.
#[tokio::test(flavor = "multi_thread")]
async fn the_restore_drill_loses_nothing_and_reuses_no_number() {
    let mut server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let first = Profile::open(&chromedriver, &server, "first").await;
    action::enrol(&first, &server.admin_code(), "Tablet loket 1").await;
    for _ in 0..2 {
        action::issue_ticket(&first).await;
    }
    action::sync_until_settled(&first).await;

    let backup = server.db_path().with_extension("backup.db");
    let said = server.admin(&["backup", &backup.display().to_string()]);
    assert!(said.contains("backup"), "{said}");

    for _ in 0..5 {
        action::issue_ticket(&first).await;
    }
    action::sync_until_settled(&first).await;
    let lost = issue_seqs(&server.db_path());
    assert_eq!(lost.len(), 7);
    let lost_head = lost.last().map_or(0, |(seq, _)| *seq);

    // The first tablet is switched off; the disk fails; the admin restores last night's
    // backup with the server stopped.
    action::set_offline(&first, true).await;
    server.stop().await;
    let said = server.admin(&["restore", &backup.display().to_string()]);
    assert!(said.contains("restored from"), "{said}");
    assert_eq!(
        issue_seqs(&server.db_path()).len(),
        2,
        "the backup lacks five"
    );
    server.start_again().await;

    // Meanwhile a second tablet works on the restored server.
    let second = Profile::open(&chromedriver, &server, "second").await;
    action::enrol(&second, &server.admin_code(), "Tablet loket 2").await;
    for _ in 0..10 {
        action::issue_ticket(&second).await;
    }
    action::sync_until_settled(&second).await;
    let after_restore = issue_seqs(&server.db_path());
    assert_eq!(after_restore.len(), 12);
    assert!(
        after_restore[2..].iter().all(|(seq, _)| *seq > lost_head),
        "a sequence number the lost history gave out was given again: lost head {lost_head}, now {after_restore:?}"
    );

    // The first tablet comes back: it notices the new history and sends its own again.
    action::set_offline(&first, false).await;
    let a: Vec<String> = (1..=7).map(|n| format!("A-{n:03}")).collect();
    let b: Vec<String> = (1..=10).map(|n| format!("B-{n:03}")).collect();
    // The waiting list is in queue order: by issue time, and the first tablet's came first.
    let all: Vec<&str> = a.iter().chain(&b).map(String::as_str).collect();
    action::sync_until_waiting(&first, &all).await;
    action::sync_until_waiting(&second, &all).await;
    let stored = issue_seqs(&server.db_path());
    let ids: std::collections::HashSet<_> = stored.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(
        (stored.len(), ids.len()),
        (17, 17),
        "every ticket once: {stored:?}"
    );
    let lost_ids: std::collections::HashSet<_> = lost.iter().map(|(_, id)| id.clone()).collect();
    assert!(
        lost_ids.is_subset(&ids),
        "a ticket of the first tablet is missing"
    );
    assert!(
        stored[2..].iter().all(|(seq, _)| *seq > lost_head),
        "a sequence number the lost history gave out was given again: {stored:?}"
    );

    first.quit().await;
    second.quit().await;
}
