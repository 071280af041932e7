//! Enrolling devices with the admin code.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::{OFFICE, TestApp};
use loket_server::{AppState, reset_admin_code};
use serde_json::json;

async fn enrolment_gives_id_letter_office_and_token() {
    let app = TestApp::start().await;
    let (status, body) = app
        .post(
            "/api/devices",
            None,
            &json!({"code": app.code, "name": "  Loket 1  "}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body["device"].as_str().unwrap().starts_with("dev-"));
    assert_eq!(body["letter"], "A");
    assert_eq!(
        body["office"],
        json!({"code": OFFICE, "name": "Kantor Camat Selemadeg Timur", "utc_offset_minutes": 480})
    );
    assert_eq!(body["actor"], "admin");
    let token = body["token"].as_str().unwrap();
    assert!(token.len() >= 43, "{token}");

    let stored: (String, String) = {
        let pool = app.db().await;
        sqlx::query_as("SELECT name, token_hash FROM devices")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    assert_eq!(stored.0, "Loket 1", "the name is stored trimmed");
    assert_ne!(stored.1, token, "only the token's hash is stored");
    assert_eq!(stored.1, loket_server::auth::sha256_hex(token));
}

async fn devices_get_letters_in_enrolment_order() {
    let app = TestApp::start().await;
    let a = app.enrol("Kiosk").await;
    let b = app.enrol("Loket 2").await;
    assert_eq!((a.letter.as_str(), b.letter.as_str()), ("A", "B"));
    assert_ne!(a.id, b.id);
    assert_ne!(a.token, b.token);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_enrolments_never_share_a_letter() {
    let app = TestApp::start().await;
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let state = app.state.clone();
            let code = app.code.clone();
            tokio::spawn(async move {
                let request = axum::http::Request::post("/api/devices")
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(
                        json!({"code": code, "name": format!("Tablet {i}")}).to_string(),
                    ))
                    .unwrap();
                let response = tower::ServiceExt::oneshot(loket_server::app(state), request)
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::CREATED);
                let body = http_body_util::BodyExt::collect(response.into_body())
                    .await
                    .unwrap()
                    .to_bytes();
                let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
                body["letter"].as_str().unwrap().to_owned()
            })
        })
        .collect();
    let mut letters = Vec::new();
    for task in tasks {
        letters.push(task.await.unwrap());
    }
    letters.sort();
    assert_eq!(letters, ["A", "B", "C", "D", "E", "F", "G", "H"]);
}

async fn a_wrong_code_is_refused_and_enrols_nothing() {
    let app = TestApp::start().await;
    let (status, body) = app
        .post(
            "/api/devices",
            None,
            &json!({"code": "AAAA-BBBB-CCCC-DDDD", "name": "Loket 1"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "bad_code");
    assert_eq!(app.count("devices").await, 0);
}

async fn the_code_may_be_typed_in_lowercase_without_dashes() {
    let app = TestApp::start().await;
    let typed = app.code.replace('-', "").to_lowercase();
    let (status, body) = app
        .post(
            "/api/devices",
            None,
            &json!({"code": typed, "name": "Loket 1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn names_must_be_1_to_60_characters() {
    let app = TestApp::start().await;
    for name in ["", "   ", &"x".repeat(61), "Loket\n2"] {
        let (status, body) = app
            .post(
                "/api/devices",
                None,
                &json!({"code": app.code, "name": name}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}: {body}");
        assert_eq!(body["error"], "invalid_name");
    }
    // Sixty characters, counted as characters and not bytes, are fine.
    let (status, _) = app
        .post(
            "/api/devices",
            None,
            &json!({"code": app.code, "name": "é".repeat(60)}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(app.count("devices").await, 1);
}

async fn the_admin_code_is_stored_only_as_a_hash() {
    let app = TestApp::start().await;
    let pool = app.db().await;
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT office, key, value FROM settings")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 1);
    let plain = app.code.replace('-', "");
    for (office, key, value) in &rows {
        for text in [office, key, value] {
            assert!(!text.contains(&app.code) && !text.contains(&plain));
        }
    }
    assert_eq!(rows[0].2.len(), 64, "a sha256 in hex");
    // Nor anywhere else in the database or its write-ahead log.
    pool.close().await;
    for file in ["loket.db", "loket.db-wal"] {
        let Ok(bytes) = std::fs::read(app.dir.path().join("db").join(file)) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&plain) && !text.contains(&app.code),
            "{file}"
        );
    }
}

async fn resetting_the_code_retires_the_old_one() {
    let app = TestApp::start().await;
    let new = reset_admin_code(&app.config).await.unwrap().display();
    assert_ne!(new, app.code);
    let (status, _) = app
        .post(
            "/api/devices",
            None,
            &json!({"code": app.code, "name": "Old"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .post("/api/devices", None, &json!({"code": new, "name": "New"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // A restart keeps the reset code and makes no other.
    let (_, again) = AppState::open(&app.config).await.unwrap();
    assert!(again.is_none());
}

both!(
    enrolment_gives_id_letter_office_and_token,
    devices_get_letters_in_enrolment_order,
    a_wrong_code_is_refused_and_enrols_nothing,
    the_code_may_be_typed_in_lowercase_without_dashes,
    names_must_be_1_to_60_characters,
    the_admin_code_is_stored_only_as_a_hash,
    resetting_the_code_retires_the_old_one,
);
