//! Browser tests of the device store, in headless Chromium: what is written survives a
//! reopen, and confirmed ops and the view they produce are written all or nothing.

#![cfg(target_arch = "wasm32")]

use chrono::{DateTime, NaiveDate};
use loket::store::{Db, SnapshotText};
use loket_core::catalogue::CaseCode;
use loket_core::enrol::Enrolment;
use loket_core::sync::{Ledger, ServerOp};
use loket_core::{
    DeviceId, DeviceLetter, IssueTicket, Office, OfficeCode, OfficeState, Op, OpBody, OpId,
    StaffId, TicketNo,
};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// A server that issued the test actor's credential on the test device, so its signed
/// ops are taken.
fn ledger() -> Ledger {
    Ledger::default().with_credentials([loket_core::testing::credential(
        &OfficeCode::new("51.02.02").unwrap(),
        &DeviceId::new("dev-test").unwrap(),
        &StaffId::new("admin").unwrap(),
    )])
}

fn issue(serial: u16) -> Op {
    loket_core::testing::signed(Op {
        id: OpId(uuid::Uuid::now_v7()),
        office: OfficeCode::new("51.02.02").unwrap(),
        device: DeviceId::new("dev-test").unwrap(),
        actor: StaffId::new("admin").unwrap(),
        at: DateTime::from_timestamp(1_764_000_000 + i64::from(serial), 0).unwrap(),
        body: OpBody::IssueTicket(IssueTicket {
            number: TicketNo {
                letter: DeviceLetter::new("A").unwrap(),
                serial,
            },
            day: day(),
            case: CaseCode::new("baru").unwrap(),
            priority: false,
            catalogue: None,
        }),
        proof: None,
    })
}

fn enrolment() -> Enrolment {
    Enrolment {
        device: DeviceId::new("dev-test").unwrap(),
        letter: DeviceLetter::new("A").unwrap(),
        office: Office {
            code: OfficeCode::new("51.02.02").unwrap(),
            name: "Kantor Camat Selemadeg Timur".into(),
            utc_offset_minutes: 480,
        },
        token: "secret-token".into(),
        actor: StaffId::new("admin").unwrap(),
    }
}

async fn fresh(name: &str) -> Db {
    Db::delete(name).await.unwrap();
    Db::open(name).await.unwrap()
}

#[wasm_bindgen_test]
async fn what_is_written_survives_a_reopen() {
    let name = "loket-test-reopen";
    let db = fresh(name).await;
    db.save_enrolment(&enrolment()).await.unwrap();
    let (a, b, c) = (issue(1), issue(2), issue(3));
    // The local order key decides, not insertion order nor id order (both a, b, c here).
    db.record_local(&a, 2.0).await.unwrap();
    db.record_local(&b, 3.0).await.unwrap();
    db.record_local(&c, 1.0).await.unwrap();
    // The server confirms the first one.
    let mut server = ledger();
    let pushed = server.push(a.clone(), chrono::Utc::now()).unwrap();
    let confirmed = vec![ServerOp {
        seq: pushed.seq,
        op: a.clone(),
        outcome: pushed.outcome,
    }];
    let snapshot = SnapshotText::new(server.state(), pushed.seq).unwrap();
    db.commit_confirmed(
        &confirmed,
        Some(server.epoch()),
        pushed.seq,
        Some(&snapshot),
    )
    .await
    .unwrap();
    db.close();

    let db = Db::open(name).await.unwrap();
    let loaded = db.load().await.unwrap();
    assert_eq!(loaded.enrolment, Some(enrolment()));
    assert_eq!(loaded.cursor, 1);
    assert_eq!(loaded.epoch.as_ref(), Some(server.epoch()));
    assert_eq!(&loaded.confirmed, server.state());
    let pending: Vec<_> = loaded.pending.iter().map(|(_, op)| op.clone()).collect();
    assert_eq!(
        pending,
        vec![c, b],
        "pending ops come back in their local order"
    );
    assert_eq!(db.count_ops().await.unwrap(), (3, 2));
    assert_eq!(db.confirmed_since(1).await.unwrap(), confirmed);
    db.close();
}

#[wasm_bindgen_test]
async fn confirmed_ops_and_their_view_are_written_all_or_nothing() {
    let db = fresh("loket-test-atomic").await;
    let mut server = ledger();
    let first = issue(1);
    let p = server.push(first.clone(), chrono::Utc::now()).unwrap();
    let one = vec![ServerOp {
        seq: p.seq,
        op: first,
        outcome: p.outcome,
    }];
    let snapshot = SnapshotText::new(server.state(), 1).unwrap();
    db.commit_confirmed(&one, Some(server.epoch()), 1, Some(&snapshot))
        .await
        .unwrap();
    let before = server.state().clone();

    // A batch whose second op repeats a sequence number breaks the unique index half-way:
    // the whole transaction must be undone, the view and cursor included.
    let (x, y) = (issue(2), issue(3));
    let px = server.push(x.clone(), chrono::Utc::now()).unwrap();
    let py = server.push(y.clone(), chrono::Utc::now()).unwrap();
    let broken = vec![
        ServerOp {
            seq: px.seq,
            op: x,
            outcome: px.outcome,
        },
        ServerOp {
            seq: px.seq,
            op: y,
            outcome: py.outcome,
        },
    ];
    let snapshot = SnapshotText::new(server.state(), 3).unwrap();
    let result = db
        .commit_confirmed(&broken, Some(server.epoch()), 3, Some(&snapshot))
        .await;
    assert!(result.is_err(), "a repeated seq must fail the transaction");

    let loaded = db.load().await.unwrap();
    assert_eq!(loaded.cursor, 1);
    assert_eq!(loaded.confirmed, before);
    assert_eq!(db.count_ops().await.unwrap(), (1, 0));
    db.close();
}

#[wasm_bindgen_test]
async fn an_op_is_stored_once() {
    let db = fresh("loket-test-once").await;
    let op = issue(1);
    db.record_local(&op, 1.0).await.unwrap();
    assert!(db.record_local(&op, 2.0).await.is_err());
    let loaded = db.load().await.unwrap();
    assert_eq!(loaded.pending.len(), 1);
    assert_eq!(loaded.confirmed, OfficeState::default());
    db.close();
}

#[wasm_bindgen_test]
fn paths_map_to_pages() {
    use loket::nav::Route;
    assert_eq!(Route::parse("/"), Route::Counter);
    assert_eq!(Route::parse("/daftar"), Route::Enrol);
    assert_eq!(Route::parse("/daftar/"), Route::Enrol);
    assert_eq!(Route::parse("/no-such-page"), Route::Counter);
    for route in [Route::Counter, Route::Enrol] {
        assert_eq!(Route::parse(route.path()), route);
    }
}

#[wasm_bindgen_test]
fn navigating_updates_the_address_bar() {
    use loket::nav::{Nav, Route};
    let owner = leptos::prelude::Owner::new();
    owner.with(|| {
        let location = web_sys::window().unwrap().location();
        let start = location.pathname().unwrap();
        let nav = Nav::start();
        nav.go(Route::Enrol);
        assert_eq!(location.pathname().unwrap(), "/daftar");
        assert_eq!(nav.route(), Route::Enrol);
        nav.replace(Route::Counter);
        assert_eq!(location.pathname().unwrap(), "/");
        assert_eq!(nav.route(), Route::Counter);
        // Leave the runner's page where it was.
        let _ = web_sys::window()
            .unwrap()
            .history()
            .unwrap()
            .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&start));
    });
}

/// Most round trips store only their ops and the position, not the whole view: start-up
/// folds the ops stored after the last view, and ends where the device stood.
#[wasm_bindgen_test]
async fn the_view_is_written_now_and_then_and_start_up_folds_what_came_after() {
    let db = fresh("loket-test-checkpoint").await;
    let mut server = ledger();
    let mut confirmed = Vec::new();
    for serial in 1..=5 {
        let op = issue(serial);
        let pushed = server.push(op.clone(), chrono::Utc::now()).unwrap();
        confirmed.push(ServerOp {
            seq: pushed.seq,
            op,
            outcome: pushed.outcome,
        });
    }
    let at_two = {
        let mut state = OfficeState::default();
        for o in &confirmed[..2] {
            state.apply_ordered(&o.op, &o.outcome);
        }
        SnapshotText::new(&state, 2).unwrap()
    };
    db.commit_confirmed(&confirmed[..2], Some(server.epoch()), 2, Some(&at_two))
        .await
        .unwrap();
    db.commit_confirmed(&confirmed[2..4], Some(server.epoch()), 4, None)
        .await
        .unwrap();
    db.commit_confirmed(&confirmed[4..], Some(server.epoch()), 5, None)
        .await
        .unwrap();
    db.close();
    let db = Db::open("loket-test-checkpoint").await.unwrap();
    let loaded = db.load().await.unwrap();
    assert_eq!(loaded.snapshot_cursor, 2);
    assert_eq!(loaded.cursor, 5);
    assert_eq!(loaded.epoch.as_ref(), Some(server.epoch()));
    assert_eq!(&loaded.confirmed, server.state());
    db.close();
}
