//! An office upgraded from the release whose ops carried PIN hashes: its staff keep their
//! PINs (now checked by the server), and no hash is left in the log tablets pull.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::{OFFICE, TestApp, config, database_url};
use loket_server::AppState;
use serde_json::json;
use sqlx::migrate::Migrator;
use std::borrow::Cow;

/// The database as the previous release left it: every migration before the one that
/// moved PIN hashes to the server.
async fn previous_release(url: &str) {
    let backend = if url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let mut migrator = Migrator::new(dir).await.unwrap();
    let before: Vec<_> = migrator
        .migrations
        .iter()
        .filter(|m| !m.description.contains("credentials"))
        .cloned()
        .collect();
    assert!(
        before.len() < migrator.migrations.len(),
        "the credentials migration exists"
    );
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

async fn the_pins_staff_had_still_sign_them_in_and_leave_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&dir).await;
    previous_release(&url).await;
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
    sqlx::query(
        "INSERT INTO offices (code, name, utc_offset_minutes, created_at, epoch, head)
         VALUES ($1, 'Kantor Camat', 480, '2026-11-01T00:00:00Z', '00112233445566778899aabbccddeeff', 1)",
    )
    .bind(OFFICE)
    .execute(&pool)
    .await
    .unwrap();
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

both!(the_pins_staff_had_still_sign_them_in_and_leave_the_log);
