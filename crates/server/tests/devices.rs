//! Enrolling devices with admin codes: each enrols one device, before it expires; the
//! admin makes new ones and sees the refused attempts.

#[macro_use]
mod common;

use axum::http::{Method, StatusCode};
use common::{OFFICE, TestApp, issue};
use loket_core::Op;
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
    let mut codes = Vec::new();
    for _ in 0..8 {
        codes.push(app.admin_code().await);
    }
    let tasks: Vec<_> = codes
        .into_iter()
        .enumerate()
        .map(|(i, code)| {
            let state = app.state.clone();
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
        sqlx::query_as("SELECT hash, office, made_by FROM admin_codes")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 1);
    let plain = app.code.replace('-', "");
    for (hash, office, made_by) in &rows {
        for text in [hash, office, made_by] {
            assert!(!text.contains(&app.code) && !text.contains(&plain));
        }
    }
    assert_eq!(rows[0].0.len(), 64, "a sha256 in hex");
    assert_eq!(rows[0].2, "server");
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

/// The attack that worked before: one code enrolled two devices.
async fn a_code_enrols_one_device_and_then_no_other() {
    let app = TestApp::start().await;
    let first = json!({"code": app.code, "name": "Loket 1"});
    let (status, body) = app.post("/api/devices", None, &first).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let second = json!({"code": app.code, "name": "Loket 2"});
    let (status, body) = app.post("/api/devices", None, &second).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "bad_code");
    assert_eq!(app.count("devices").await, 1);
    assert_eq!(app.count("admin_codes").await, 0, "the code is spent");
    // A restart of an office that has its devices makes no new code.
    let (_, again) = AppState::open(&app.config).await.unwrap();
    assert!(again.is_none());
}

/// An expired code enrols nothing, says so, and is dropped; the refusal is counted.
async fn an_expired_code_is_refused_and_counted() {
    let app = TestApp::start().await;
    let db = app.db().await;
    sqlx::query("UPDATE admin_codes SET expires_ms = 1")
        .execute(&db)
        .await
        .unwrap();
    let (status, body) = app
        .post(
            "/api/devices",
            None,
            &json!({"code": app.code, "name": "Loket 1"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "expired_code");
    assert_eq!(app.count("devices").await, 0);
    assert_eq!(
        app.count("admin_codes").await,
        0,
        "an expired code is dropped"
    );
    let reasons: Vec<String> = sqlx::query_scalar("SELECT reason FROM enrol_failures")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(reasons, ["expired_code"]);
    // An office with no device and no working code gets a new one at its next start.
    let (_, again) = AppState::open(&app.config).await.unwrap();
    assert!(again.is_some(), "a new first code");
}

/// The admin makes a code for one more device; nobody else can, and the admin sees the
/// refused attempts, each with a keyed hash of its address and never the address.
async fn the_admin_makes_codes_and_sees_refused_attempts() {
    let app = TestApp::start().await;
    let tablet = app.enrol("Loket 1").await;
    let admin = app.admin_on(&tablet).await;
    let admin = (admin.0.as_str(), admin.1.as_str());
    let (status, _, body) = app
        .staff_call(
            Method::POST,
            "/api/devices/codes",
            &tablet,
            Some(admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let code = body["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 19, "{code}");
    let hours = (body["expires_ms"].as_i64().unwrap() - chrono::Utc::now().timestamp_millis())
        as f64
        / 3_600_000.0;
    assert!((23.9..=24.0).contains(&hours), "{hours} h");
    // The token alone makes no code and sees no failures.
    for (method, path) in [
        (Method::POST, "/api/devices/codes"),
        (Method::GET, "/api/devices/failures"),
    ] {
        let (status, _, body) = app.staff_call(method, path, &tablet, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {body}");
        assert_eq!(body["error"], "bad_credential");
    }
    for i in 0..3 {
        let (status, _) = app
            .post(
                "/api/devices",
                None,
                &json!({"code": format!("AAAA-BBBB-CCCC-{i:04}"), "name": "Penebak"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = app
        .post(
            "/api/devices",
            None,
            &json!({"code": code, "name": "Loket 2"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _, body) = app
        .staff_call(
            Method::GET,
            "/api/devices/failures",
            &tablet,
            Some(admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["last_day"], 3, "{body}");
    let recent = body["recent"].as_array().unwrap();
    assert_eq!(recent.len(), 3);
    let client = recent[0]["client"].as_str().unwrap();
    assert_eq!(client.len(), 10, "{client}");
    assert!(client.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(
        recent.iter().all(|f| f["client"] == client),
        "one address, one hash"
    );
    assert!(recent.iter().all(|f| f["reason"] == "wrong_code"));
    let text = body.to_string();
    assert!(
        !text.contains("0.0.0.0") && !text.contains("127.0.0.1"),
        "{text}"
    );
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

/// The admin sees each device: when it last synced and what it held pending then; a
/// device that never synced shows as such. The token alone sees nothing.
async fn the_admin_lists_devices_with_their_last_sync_and_pending_work() {
    let app = TestApp::start().await;
    let tablet = app.enrol("Loket 1").await;
    let admin = app.admin_on(&tablet).await;
    let admin = (admin.0.as_str(), admin.1.as_str());
    let phone = app.enrol("HP Kasi").await;
    let kiosk = app.enrol("Kios").await;
    let (status, body) = app
        .post(
            "/api/sync",
            Some(&phone.token),
            &json!({"cursor": 0, "push": [], "pending": 7}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, body) = app
        .staff_call(Method::GET, "/api/devices", &tablet, Some(admin), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list = body.as_array().unwrap();
    let names: Vec<&str> = list.iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Loket 1", "HP Kasi", "Kios"]);
    assert_eq!(list[0]["letter"], "A");
    assert!(list[0]["last_sync_ms"].as_i64().is_some(), "{body}");
    assert_eq!(list[1]["pending"], 7, "{body}");
    assert!(list[1]["last_sync_ms"].as_i64().is_some(), "{body}");
    assert!(list[2]["last_sync_ms"].is_null(), "never synced: {body}");
    assert_eq!(list[2]["device"], kiosk.id.as_str());
    let (status, _, _) = app
        .staff_call(Method::GET, "/api/devices", &tablet, None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// An office with the admin's tablet and a kiosk that synced once and that the admin then
/// revoked; the kiosk's next ticket, made after the revocation.
async fn revoked_kiosk() -> (
    TestApp,
    common::Device,
    (String, String),
    common::Device,
    Op,
) {
    let app = TestApp::start().await;
    let tablet = app.enrol("Loket 1").await;
    let admin = app.admin_on(&tablet).await;
    let kiosk = app.enrol("Kios").await;
    assert_eq!(app.sync(&kiosk, 0, &[]).await.0, StatusCode::OK);
    let revoke = json!({"device": kiosk.id});
    let (status, _, body) = app
        .staff_call(
            Method::POST,
            "/api/devices/revoke",
            &tablet,
            Some((admin.0.as_str(), admin.1.as_str())),
            Some(&revoke),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let kept = issue(&kiosk, 1);
    (app, tablet, admin, kiosk, kept)
}

/// A lost tablet: the admin revokes it and its token stops working at once (sync and the
/// live stream); enrolled again with a new code and its old token, it is the same device
/// (id, letter), and the work it kept reaches the log once. The old token is then dead.
async fn a_revoked_device_is_refused_and_enrolled_again_as_itself() {
    let (app, tablet, admin, kiosk, kept) = revoked_kiosk().await;
    let admin = (admin.0.as_str(), admin.1.as_str());
    let (status, body) = app.sync(&kiosk, 0, std::slice::from_ref(&kept)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "device_revoked");
    let (status, _, _) = app
        .staff_call(Method::GET, "/api/events", &kiosk, None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("ops").await, 1, "only the admin's account");
    let (_, _, list) = app
        .staff_call(Method::GET, "/api/devices", &tablet, Some(admin), None)
        .await;
    assert_eq!(list[1]["revoked"], true, "{list}");

    // Unknown devices are not revoked, and an old token of nobody enrols nothing.
    let nobody = json!({"device": "dev-nobody"});
    let (status, _, _) = app
        .staff_call(
            Method::POST,
            "/api/devices/revoke",
            &tablet,
            Some(admin),
            Some(&nobody),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let code = app.admin_code().await;
    let (status, body) = app
        .post(
            "/api/devices",
            None,
            &json!({"code": code, "name": "Kios", "again": "not-a-token"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    let (status, body) = app
        .post(
            "/api/devices",
            None,
            &json!({"code": code, "name": "Kios pintu masuk", "again": kiosk.token}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["device"], kiosk.id.as_str(), "the same device");
    assert_eq!(body["letter"], kiosk.letter.as_str());
    let again = common::Device {
        token: body["token"].as_str().unwrap().to_owned(),
        ..kiosk.clone()
    };
    for _ in 0..2 {
        let (status, body) = app.sync(&again, 0, std::slice::from_ref(&kept)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(app.count("ops").await, 2, "its kept ticket, once");
    let (status, body) = app.sync(&kiosk, 0, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old token: {body}");
    assert_eq!(body["error"], "unauthorized");
}

/// Enrolling again is safe to repeat when its answer is lost (the network, a server killed
/// just after the commit): the tablet still has only its old token, and trying again with
/// it and the same spent code, or with a fresh code, gives it a working token; the token
/// whose answer was lost is dead. Once the new token has synced, the old one enrols nothing.
async fn enrolling_again_survives_a_lost_answer() {
    let (app, _tablet, _admin, kiosk, kept) = revoked_kiosk().await;

    let code = app.admin_code().await;
    let again = json!({"code": code, "name": "Kios", "again": kiosk.token});
    let (status, lost) = app.post("/api/devices", None, &again).await;
    assert_eq!(status, StatusCode::CREATED, "{lost}");
    // The answer never arrived: the same request again.
    let (status, body) = app.post("/api/devices", None, &again).await;
    assert_eq!(status, StatusCode::CREATED, "the same code again: {body}");
    assert_eq!(body["device"], kiosk.id.as_str(), "the same device");
    assert_ne!(body["token"], lost["token"], "a token of its own");
    let lost = common::Device {
        token: lost["token"].as_str().unwrap().to_owned(),
        ..kiosk.clone()
    };
    let (status, _) = app.sync(&lost, 0, &[]).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the token whose answer was lost"
    );
    // The tablet, still on its old token, is told to enrol again (its banner's form).
    let (status, body) = app.sync(&kiosk, 0, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "device_revoked", "{body}");
    // Lost again; this time the person asks the admin for a fresh code.
    let fresh = app.admin_code().await;
    let (status, body) = app
        .post(
            "/api/devices",
            None,
            &json!({"code": fresh, "name": "Kios", "again": kiosk.token}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a fresh code and the old token: {body}"
    );
    let current = common::Device {
        token: body["token"].as_str().unwrap().to_owned(),
        ..kiosk.clone()
    };
    let (status, body) = app.sync(&current, 0, std::slice::from_ref(&kept)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.count("ops").await, 2, "its kept ticket, once");

    // The new token is heard from: the old one and the spent codes enrol nothing more.
    for code in [code, fresh] {
        let (status, body) = app
            .post(
                "/api/devices",
                None,
                &json!({"code": code, "name": "Kios", "again": kiosk.token}),
            )
            .await;
        assert!(status.is_client_error(), "{status} {body}");
    }
    let (status, body) = app.sync(&current, 0, &[]).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the working token still works: {body}"
    );
}

both!(
    enrolment_gives_id_letter_office_and_token,
    devices_get_letters_in_enrolment_order,
    a_wrong_code_is_refused_and_enrols_nothing,
    the_code_may_be_typed_in_lowercase_without_dashes,
    names_must_be_1_to_60_characters,
    the_admin_code_is_stored_only_as_a_hash,
    resetting_the_code_retires_the_old_one,
    a_code_enrols_one_device_and_then_no_other,
    an_expired_code_is_refused_and_counted,
    the_admin_makes_codes_and_sees_refused_attempts,
    the_admin_lists_devices_with_their_last_sync_and_pending_work,
    a_revoked_device_is_refused_and_enrolled_again_as_itself,
    enrolling_again_survives_a_lost_answer,
);
