//! The office's log as the server's database holds it, read past the server: the
//! harness checks the rows themselves, not what the API says about them.

use crate::Server;

/// One stored op: its sequence number in the office's log and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Its place in the office's log.
    pub seq: u64,
    /// The op's id, as stored.
    pub id: String,
}

/// The rows of `office`'s log in sequence order, from SQLite or PostgreSQL.
pub fn office_log(server: &Server, office: &str) -> Vec<Row> {
    let url = server.database_url();
    if url.starts_with("postgres") {
        from_postgres(url, office)
    } else {
        from_sqlite(server, office)
    }
}

fn from_sqlite(server: &Server, office: &str) -> Vec<Row> {
    let db = rusqlite::Connection::open_with_flags(
        server.db_path(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open the server's SQLite database");
    let mut rows = db
        .prepare("SELECT seq, id FROM ops WHERE office = ?1 ORDER BY seq")
        .expect("a query of the log");
    rows.query_map([office], |r| {
        Ok(Row {
            seq: r.get(0)?,
            id: r.get(1)?,
        })
    })
    .expect("read the log")
    .collect::<Result<_, _>>()
    .expect("read the log's rows")
}

fn from_postgres(url: &str, office: &str) -> Vec<Row> {
    use std::io::Write;
    // psql quotes the office code itself (`:'office'`), in a script read from stdin.
    let mut child = std::process::Command::new("psql")
        .args([url, "-At", "-F", " ", "-v", &format!("office={office}")])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("could not run psql: {e}"));
    child
        .stdin
        .take()
        .expect("psql's stdin")
        .write_all(b"SELECT seq, id FROM ops WHERE office = :'office' ORDER BY seq;\n")
        .expect("send psql the query");
    let out = child.wait_with_output().expect("psql's answer");
    assert!(
        out.status.success(),
        "psql could not read the log: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (seq, id) = l.split_once(' ').expect("a row of seq and id");
            Row {
                seq: seq.parse().expect("a sequence number"),
                id: id.to_owned(),
            }
        })
        .collect()
}
