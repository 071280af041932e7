//! Many offices on one server: each has its own admin code, devices, log, head and epoch,
//! and a device of one office can never push into or read another's. Restores give each
//! office's log a new history.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::{Device, TestApp, issue, pulled_seqs, pushed_seqs};
use loket_core::{Office, OfficeCode};
use serde_json::{Value, json};

const OTHER: &str = "51.02.03";

/// Adds the office [`OTHER`] to the running server's database, as `loket-server office add`
/// does, and enrols a device there.
async fn other_office(app: &TestApp) -> Device {
    let office = Office {
        code: OfficeCode::new(OTHER).unwrap(),
        name: "Kantor Camat Selemadeg".into(),
        utc_offset_minutes: 480,
    };
    let code = loket_server::add_office(&app.config, &office)
        .await
        .unwrap()
        .display();
    let (status, body) = app
        .post(
            "/api/devices",
            None,
            &json!({"code": code, "name": "Loket 1 Selemadeg"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["office"]["code"], OTHER, "the code names its office");
    // The second office's first device gets the first letter too: letters are per office.
    assert_eq!(body["letter"], "A");
    Device {
        id: body["device"].as_str().unwrap().to_owned(),
        letter: "A".into(),
        token: body["token"].as_str().unwrap().to_owned(),
        office: OTHER.into(),
    }
}

async fn offices_keep_their_own_logs_heads_and_devices() {
    let app = TestApp::start().await;
    let here = app.enrol("Loket 1").await;
    let base = app.staff_office(&here).await;
    let (_, answer) = app
        .sync(&here, base, &[issue(&here, 1), issue(&here, 2)])
        .await;
    assert_eq!(pushed_seqs(&answer), [base + 1, base + 2]);

    let there = other_office(&app).await;
    let there_base = app.staff_office(&there).await;
    let (status, answer) = app.sync(&there, there_base, &[issue(&there, 1)]).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    // Its own numbering, from 1: the other office's ops do not count.
    assert_eq!(pushed_seqs(&answer), [there_base + 1]);
    assert_ne!(app.epoch(OFFICE_HERE).await, app.epoch(OTHER).await);

    // A pull from nothing sees only the device's own office.
    let (_, pulled) = app.sync(&there, 0, &[]).await;
    assert_eq!(
        pulled_seqs(&pulled),
        (1..=there_base + 1).collect::<Vec<_>>()
    );
    assert!(
        ops_of(&pulled).all(|o| o["op"]["office"] == OTHER),
        "{pulled}"
    );
    let (_, pulled) = app.sync(&here, 0, &[]).await;
    assert!(ops_of(&pulled).all(|o| o["op"]["office"] == OFFICE_HERE));
    assert_eq!(pulled["cursor"], base + 2);
}

const OFFICE_HERE: &str = common::OFFICE;

fn ops_of(answer: &Value) -> impl Iterator<Item = &Value> {
    answer["ops"].as_array().unwrap().iter()
}

async fn a_device_can_never_push_into_another_office() {
    let app = TestApp::start().await;
    let here = app.enrol("Loket 1").await;
    let base = app.staff_office(&here).await;
    let there = other_office(&app).await;
    let there_base = app.staff_office(&there).await;
    let before = app.counts().await;

    // The other office's device pushes an op that names this office: refused whole.
    let mut intruder = issue(&there, 7);
    intruder.office = OfficeCode::new(OFFICE_HERE).unwrap();
    let (status, answer) = app
        .sync(&there, there_base, &[issue(&there, 6), intruder])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["error"], "wrong_office");
    // Nor may it take an id this office's log holds.
    let taken = issue(&here, 1);
    app.sync(&here, base, std::slice::from_ref(&taken)).await;
    let before_taken = app.counts().await;
    let mut copy = issue(&there, 8);
    copy.id = taken.id;
    let (status, answer) = app.sync(&there, there_base, &[copy]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["error"], "op_id_taken");
    assert_eq!(app.counts().await, before_taken);
    assert_eq!(
        before_taken.0,
        before.0 + 1,
        "only this office's own ticket was stored"
    );
    // A cursor of this office's history means nothing in the other's.
    let here_epoch = app.epoch(OFFICE_HERE).await;
    let (status, answer) = app
        .post(
            "/api/sync",
            Some(&there.token),
            &json!({"epoch": here_epoch, "cursor": 1, "push": []}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["error"], "history_changed");
}

async fn the_public_lookup_asks_the_office_it_is_told() {
    let app = TestApp::start().await;
    let here = app.enrol("Loket 1").await;
    let base = app.staff_office(&here).await;
    let there = other_office(&app).await;
    let there_base = app.staff_office(&there).await;
    // Both offices have an A-001 today.
    let mine = issue(&here, 1);
    let theirs = issue(&there, 1);
    app.sync(&here, base, std::slice::from_ref(&mine)).await;
    app.sync(&there, there_base, std::slice::from_ref(&theirs))
        .await;
    let code = |op: &loket_core::Op| loket_core::CheckCode::from_op(op.id).to_string();
    let ask = |office: Option<&str>, check: String| {
        let office = office.map_or(String::new(), |o| format!("&office={o}"));
        format!("/api/status/A-001?code={check}&day=2026-11-24{office}")
    };
    let (status, _) = app.get(&ask(None, code(&mine))).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the configured office is the default"
    );
    let (status, _) = app.get(&ask(Some(OTHER), code(&theirs))).await;
    assert_eq!(status, StatusCode::OK);
    // One office's check code does not open the other's ticket of the same number.
    let (status, _) = app.get(&ask(Some(OTHER), code(&mine))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get(&ask(Some("99.99.99"), code(&mine))).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "an unknown office looks like no ticket"
    );
}

/// After a restore, each office's log is a new history: a device that synced with the old
/// one is told (and sends its ops again), and new ops are numbered after the lost head.
async fn a_restore_makes_a_new_history_that_reuses_no_number() {
    let mut app = TestApp::start().await;
    let d = app.enrol("Loket 1").await;
    let base = app.staff_office(&d).await;
    app.sync(&d, base, &[issue(&d, 1), issue(&d, 2)]).await;
    let old_epoch = app.epoch(OFFICE_HERE).await;
    let lost = loket_server::heads(&app.config).await.unwrap();
    let lost: Vec<_> = lost
        .into_iter()
        .map(|h| loket_server::store::LogHead {
            head: h.head + 40,
            ..h
        })
        .collect();
    loket_server::mark_restored(&app.config, &lost)
        .await
        .unwrap();
    app.restart().await;

    let (status, answer) = app
        .post(
            "/api/sync",
            Some(&d.token),
            &json!({"epoch": old_epoch, "cursor": base + 2, "push": [issue(&d, 3)]}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["error"], "history_changed");
    assert_ne!(app.epoch(OFFICE_HERE).await, old_epoch);
    // From nothing in the new history: the op lands after every number given before.
    let (status, answer) = app.sync(&d, 0, &[issue(&d, 3)]).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(pushed_seqs(&answer), [base + 2 + 40 + 1]);
    assert_eq!(answer["cursor"], base + 2 + 40 + 1);
}

both!(
    offices_keep_their_own_logs_heads_and_devices,
    a_device_can_never_push_into_another_office,
    the_public_lookup_asks_the_office_it_is_told,
    a_restore_makes_a_new_history_that_reuses_no_number,
);
