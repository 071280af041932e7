//! Offices upgraded from earlier releases: from the one whose ops carried PIN hashes, its
//! staff keep their PINs (now checked by the server) and no hash is left in the log
//! tablets pull; from the one whose admin code could be used again and again, an office
//! with devices needs a new code, and one without keeps its printed code for one device.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::{OFFICE, TestApp, config, database_url};
use loket_server::AppState;
use serde_json::json;
use sqlx::migrate::Migrator;
use std::borrow::Cow;

/// The database as an earlier release left it: every migration before the one whose
/// description contains `first_missing`.
async fn previous_release(url: &str, first_missing: &str) {
    let backend = if url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let mut migrator = Migrator::new(dir).await.unwrap();
    let cut = migrator
        .migrations
        .iter()
        .find(|m| m.description.contains(first_missing))
        .map(|m| m.version)
        .unwrap_or_else(|| panic!("a migration named {first_missing:?} exists"));
    let before: Vec<_> = migrator
        .migrations
        .iter()
        .filter(|m| m.version < cut)
        .cloned()
        .collect();
    migrator.migrations = Cow::Owned(before);
    sqlx::any::install_default_drivers();
    // A SQLite file the old release made: created here.
    let url = if let Some(file) = url.strip_prefix("sqlite://") {
        let folder = std::path::Path::new(file).parent().unwrap();
        std::fs::create_dir_all(folder).unwrap();
        format!("{url}?mode=rwc")
    } else {
        url.to_owned()
    };
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    migrator.run(&pool).await.unwrap();
    pool.close().await;
}

/// An office row as an earlier release wrote it, its log at `head`.
async fn old_office(pool: &sqlx::AnyPool, code: &str, head: i64) {
    sqlx::query(
        "INSERT INTO offices (code, name, utc_offset_minutes, created_at, epoch, head)
         VALUES ($1, 'Kantor Camat', 480, '2026-11-01T00:00:00Z', '00112233445566778899aabbccddeeff', $2)",
    )
    .bind(code)
    .bind(head)
    .execute(pool)
    .await
    .unwrap();
}

async fn the_pins_staff_had_still_sign_them_in_and_leave_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&dir).await;
    previous_release(&url, "credentials").await;
    // The previous release's admin, saved with a PIN hash inside the op (as tablets made it).
    let hash = loket_server::pins::hash_new("4829", 10_000).await.unwrap();
    let op = json!({
        "id": "01930000-0000-7000-8000-000000000001",
        "office": OFFICE,
        "device": "dev-old",
        "actor": "admin",
        "at": 1_764_000_000_000_i64,
        "body": {"save_staff": {
            "id": "admin", "name": "Admin Lama", "role": "admin", "active": true,
            "pin": {"salt": hash.salt, "iterations": hash.iterations, "hash": hash.hash},
        }},
    });
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    old_office(&pool, OFFICE, 1).await;
    sqlx::query(
        "INSERT INTO ops (office, seq, id, device, actor, kind, at, body, outcome, received_at)
         VALUES ($1, 1, $2, 'dev-old', 'admin', 'save_staff', '2026-11-24T08:00:00Z', $3, '\"applied\"', '2026-11-24T08:00:00Z')",
    )
    .bind(OFFICE)
    .bind(op["id"].as_str().unwrap())
    .bind(op.to_string())
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    // This release opens it: the migration runs, the log folds.
    let mut config = config(&dir);
    config.database_url = url;
    let (state, _) = AppState::open(&config).await.unwrap();
    let app = TestApp::with_state(dir, config, state.with_pin_rounds(10_000));
    let left: i64 = {
        let pool = app.db().await;
        let n = sqlx::query_scalar(
            "SELECT COUNT(*) FROM ops WHERE body LIKE '%\"pin\"%' OR body LIKE '%salt%'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        pool.close().await;
        n
    };
    assert_eq!(left, 0, "a PIN hash is still in the log");
    // A new tablet (enrolled with a fresh admin code) signs the old admin in with the old PIN.
    let code = loket_server::reset_admin_code(&app.config)
        .await
        .unwrap()
        .display();
    let mut app = app;
    app.code = code;
    app.restart().await;
    let tablet = app.enrol("Loket baru").await;
    let (status, body) = app
        .post(
            "/api/staff/sign-in",
            Some(&tablet.token),
            &json!({"staff": "admin", "pin": "4829"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app
        .post(
            "/api/staff/sign-in",
            Some(&tablet.token),
            &json!({"staff": "admin", "pin": "4828"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // And the pull carries the account without its hash.
    let (status, pulled) = app.sync_as_sent(&tablet, 0, &[]).await;
    assert_eq!(status, StatusCode::OK, "{pulled}");
    assert_eq!(
        pulled["ops"][0]["op"]["body"]["save_staff"]["name"],
        "Admin Lama"
    );
    assert!(
        pulled["ops"][0]["op"]["body"]["save_staff"]
            .get("pin")
            .is_none(),
        "{pulled}"
    );
}

/// The release before single-use codes kept one code per office, in `settings`.
async fn old_admin_codes_work_once_only_where_no_device_used_them() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&dir).await;
    previous_release(&url, "admin codes").await;
    let fresh = loket_server::admin_code::AdminCode::generate().unwrap();
    let used = loket_server::admin_code::AdminCode::generate().unwrap();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    for (office, code) in [("51.02.02", &fresh), ("51.02.03", &used)] {
        old_office(&pool, office, 0).await;
        sqlx::query(
            "INSERT INTO settings (office, key, value) VALUES ($1, 'admin_code_sha256', $2)",
        )
        .bind(office)
        .bind(code.hash())
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO devices (id, office, name, letter, token_hash, created_at)
         VALUES ('dev-old', '51.02.03', 'Loket lama', 'A', 'x', '2026-11-01T00:00:00Z')",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let mut config = config(&dir);
    config.database_url = url;
    let (state, printed) = AppState::open(&config).await.unwrap();
    assert!(printed.is_none(), "the office's printed code still works");
    let app = TestApp::with_state(dir, config, state);
    let enrol = |code: String| json!({"code": code, "name": "Loket"});
    let (status, body) = app.post("/api/devices", None, &enrol(used.display())).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a code devices used: {body}"
    );
    let (status, body) = app
        .post("/api/devices", None, &enrol(fresh.display()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app
        .post("/api/devices", None, &enrol(fresh.display()))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "once: {body}");
    let pool = app.db().await;
    let left: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM settings WHERE key = 'admin_code_sha256'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(left, 0, "no old code is left");
}

both!(
    the_pins_staff_had_still_sign_them_in_and_leave_the_log,
    old_admin_codes_work_once_only_where_no_device_used_them,
);
