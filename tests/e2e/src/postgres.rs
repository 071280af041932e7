//! Fresh databases on the PostgreSQL server `cargo xtask test` starts for the tests.

/// The variable naming the server (its `postgres` database, for creating others).
pub const URL_VAR: &str = "LOKET_TEST_POSTGRES_URL";

/// Creates an empty database on the test server and returns its URL. Fails the test when
/// no server is named: `cargo xtask test` starts a throwaway one and sets the variable.
pub async fn fresh_database() -> String {
    let admin = std::env::var(URL_VAR).unwrap_or_else(|_| {
        panic!(
            "this test runs the server on PostgreSQL: `cargo xtask test` starts a throwaway \
             server and sets {URL_VAR} (or set it to a server of your own)"
        )
    });
    let name = format!("loket_e2e_{}", uuid::Uuid::now_v7().simple());
    let status = std::process::Command::new("psql")
        .arg(&admin)
        .args(["-q", "-c", &format!("CREATE DATABASE {name}")])
        .status()
        .unwrap_or_else(|e| panic!("could not run psql: {e}"));
    assert!(status.success(), "psql could not create database {name}");
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{name}")
}
