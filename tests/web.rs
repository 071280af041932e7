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

/// `op` as `server` confirms it: pushed, with its number and outcome.
fn confirm(server: &mut Ledger, op: &Op) -> ServerOp {
    let pushed = server.push(op.clone(), chrono::Utc::now()).unwrap();
    ServerOp {
        seq: pushed.seq,
        op: op.clone(),
        outcome: pushed.outcome,
    }
}

/// The pending ops `db` loads, in their order.
async fn pending_of(db: &Db) -> Vec<Op> {
    let loaded = db.load().await.unwrap();
    loaded.pending.into_iter().map(|(_, op)| op).collect()
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
    let confirmed = vec![confirm(&mut server, &a)];
    let snapshot = SnapshotText::new(server.state(), confirmed[0].seq).unwrap();
    db.commit_confirmed(
        &confirmed,
        &[a.id],
        Some(server.epoch()),
        confirmed[0].seq,
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
        vec![c, b.clone()],
        "pending ops come back in their local order"
    );
    assert_eq!(db.count_ops().await.unwrap(), (3, 2));
    assert_eq!(db.confirmed_since(1).await.unwrap(), confirmed);
    assert_eq!(db.op(&a.id).await.unwrap(), Some(a), "a confirmed op by id");
    assert_eq!(db.op(&b.id).await.unwrap(), Some(b), "a pending op by id");
    assert_eq!(db.op(&issue(9).id).await.unwrap(), None);
    db.close();
}

#[wasm_bindgen_test]
async fn confirmed_ops_and_their_view_are_written_all_or_nothing() {
    let db = fresh("loket-test-atomic").await;
    let mut server = ledger();
    let one = vec![confirm(&mut server, &issue(1))];
    let snapshot = SnapshotText::new(server.state(), 1).unwrap();
    db.commit_confirmed(&one, &[], Some(server.epoch()), 1, Some(&snapshot))
        .await
        .unwrap();
    let before = server.state().clone();

    // A round that starts at a stored round's number fails when its ops are added, after
    // its pending op was removed and the view and cursor written: all of it must be undone.
    let (x, y) = (issue(2), issue(3));
    db.record_local(&x, 1.0).await.unwrap();
    let px = server.push(x.clone(), chrono::Utc::now()).unwrap();
    let py = server.push(y.clone(), chrono::Utc::now()).unwrap();
    let broken = vec![
        ServerOp {
            seq: one[0].seq,
            op: x.clone(),
            outcome: px.outcome,
        },
        ServerOp {
            seq: py.seq,
            op: y,
            outcome: py.outcome,
        },
    ];
    let snapshot = SnapshotText::new(server.state(), 3).unwrap();
    let result = db
        .commit_confirmed(&broken, &[x.id], Some(server.epoch()), 3, Some(&snapshot))
        .await;
    assert!(result.is_err(), "a repeated seq must fail the transaction");

    let loaded = db.load().await.unwrap();
    assert_eq!(loaded.cursor, 1);
    assert_eq!(loaded.confirmed, before);
    assert_eq!(
        loaded.pending,
        vec![(1.0, x)],
        "the pending op is still there"
    );
    assert_eq!(db.count_ops().await.unwrap(), (2, 1));
    db.close();
}

/// A tablet updated from version 1 of the store (a record per confirmed op) keeps every
/// op: its first start moves the confirmed ones over, and loads what it held.
#[wasm_bindgen_test]
async fn a_version_1_store_is_moved_over_with_nothing_lost() {
    use rexie::{Index, ObjectStore, Rexie, TransactionMode};
    use wasm_bindgen::JsValue;
    let name = "loket-test-version-1";
    Db::delete(name).await.unwrap();
    let v1 = Rexie::builder(name)
        .version(1)
        .add_object_store(
            ObjectStore::new("ops")
                .key_path("id")
                .add_index(Index::new("pending", "pending"))
                .add_index(Index::new("seq", "seq").unique(true)),
        )
        .add_object_store(ObjectStore::new("view"))
        .add_object_store(ObjectStore::new("meta"))
        .build()
        .await
        .unwrap();
    let mut server = ledger();
    let mut state = OfficeState::default();
    let tx = v1
        .transaction(&["ops"], TransactionMode::ReadWrite)
        .unwrap();
    let ops = tx.store("ops").unwrap();
    for serial in 1..=3 {
        let op = issue(serial);
        let pushed = server.push(op.clone(), chrono::Utc::now()).unwrap();
        state.apply_ordered(&op, &pushed.outcome);
        let record = js_sys::Object::new();
        for (k, v) in [
            ("id", JsValue::from_str(&op.id.to_string())),
            (
                "op",
                JsValue::from_str(&serde_json::to_string(&op).unwrap()),
            ),
            ("seq", JsValue::from_f64(pushed.seq as f64)),
            (
                "outcome",
                JsValue::from_str(&serde_json::to_string(&pushed.outcome).unwrap()),
            ),
        ] {
            js_sys::Reflect::set(&record, &JsValue::from_str(k), &v).unwrap();
        }
        ops.put(&record, None).await.unwrap();
    }
    let waiting = issue(4);
    let record = js_sys::Object::new();
    for (k, v) in [
        ("id", JsValue::from_str(&waiting.id.to_string())),
        (
            "op",
            JsValue::from_str(&serde_json::to_string(&waiting).unwrap()),
        ),
        ("pending", JsValue::from_f64(1.0)),
    ] {
        js_sys::Reflect::set(&record, &JsValue::from_str(k), &v).unwrap();
    }
    ops.put(&record, None).await.unwrap();
    tx.done().await.unwrap();
    v1.close();

    let db = Db::open(name).await.unwrap();
    let loaded = db.load().await.unwrap();
    assert_eq!(loaded.cursor, 3);
    assert_eq!(loaded.confirmed, state);
    assert_eq!(loaded.pending, vec![(1.0, waiting)]);
    assert_eq!(db.count_ops().await.unwrap(), (4, 1));
    assert_eq!(db.confirmed_since(1).await.unwrap().len(), 3);
    db.close();
}

/// For a server restored from a backup: the device's own confirmed ops become pending
/// again ahead of the pending ones, and everything else confirmed goes.
#[wasm_bindgen_test]
async fn starting_again_keeps_this_devices_ops_first() {
    let db = fresh("loket-test-restart").await;
    let mut server = ledger();
    let mine = issue(1);
    let pushed = server.push(mine.clone(), chrono::Utc::now()).unwrap();
    let mut theirs = issue(2);
    theirs.device = DeviceId::new("dev-other").unwrap();
    let confirmed = vec![
        ServerOp {
            seq: pushed.seq,
            op: mine.clone(),
            outcome: pushed.outcome.clone(),
        },
        ServerOp {
            seq: pushed.seq + 1,
            op: theirs,
            outcome: pushed.outcome,
        },
    ];
    db.commit_confirmed(&confirmed, &[], Some(server.epoch()), 2, None)
        .await
        .unwrap();
    let waiting = issue(3);
    db.record_local(&waiting, 7.0).await.unwrap();
    let own = db
        .restart(&DeviceId::new("dev-test").unwrap())
        .await
        .unwrap();
    assert_eq!(own, vec![mine.clone()]);
    let loaded = db.load().await.unwrap();
    assert_eq!(loaded.cursor, 0);
    assert_eq!(loaded.confirmed, OfficeState::default());
    assert_eq!(loaded.pending, vec![(1.0, mine), (2.0, waiting)]);
    assert_eq!(db.count_ops().await.unwrap(), (2, 2));
    db.close();
}

/// A round's own ops that came back leave the pending ops: the oldest at once (the usual
/// case), or any others one by one.
#[wasm_bindgen_test]
async fn settled_ops_leave_the_pending_ones_oldest_or_not() {
    let db = fresh("loket-test-settle").await;
    let ops: Vec<Op> = (1..=5).map(issue).collect();
    for (i, op) in ops.iter().enumerate() {
        db.record_local(op, 10.0 + i as f64).await.unwrap();
    }
    let mut server = ledger();
    let confirmed: Vec<ServerOp> = ops.iter().map(|op| confirm(&mut server, op)).collect();
    // The two oldest.
    let ids: Vec<OpId> = ops[..2].iter().map(|op| op.id).collect();
    db.commit_confirmed(&confirmed[..2], &ids, Some(server.epoch()), 2, None)
        .await
        .unwrap();
    let left = pending_of(&db).await;
    assert_eq!(left, ops[2..].to_vec());
    // Not the oldest: the fourth alone.
    db.commit_confirmed(
        &confirmed[2..3],
        &[ops[3].id],
        Some(server.epoch()),
        3,
        None,
    )
    .await
    .unwrap();
    let left = pending_of(&db).await;
    assert_eq!(left, vec![ops[2].clone(), ops[4].clone()]);
    assert_eq!(db.count_ops().await.unwrap(), (5, 2));
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
        confirmed.push(confirm(&mut server, &issue(serial)));
    }
    let at_two = {
        let mut state = OfficeState::default();
        for o in &confirmed[..2] {
            state.apply_ordered(&o.op, &o.outcome);
        }
        SnapshotText::new(&state, 2).unwrap()
    };
    db.commit_confirmed(&confirmed[..2], &[], Some(server.epoch()), 2, Some(&at_two))
        .await
        .unwrap();
    db.commit_confirmed(&confirmed[2..4], &[], Some(server.epoch()), 4, None)
        .await
        .unwrap();
    db.commit_confirmed(&confirmed[4..], &[], Some(server.epoch()), 5, None)
        .await
        .unwrap();
    db.close();
    let db = Db::open("loket-test-checkpoint").await.unwrap();
    let loaded = db.load().await.unwrap();
    assert_eq!(loaded.snapshot_cursor, 2);
    assert_eq!(loaded.cursor, 5);
    assert_eq!(loaded.epoch.as_ref(), Some(server.epoch()));
    assert_eq!(&loaded.confirmed, server.state());
    // The view written on its own at a sync's end: start-up folds nothing after it.
    db.save_view(&SnapshotText::new(server.state(), 5).unwrap())
        .await
        .unwrap();
    let loaded = db.load().await.unwrap();
    assert_eq!((loaded.snapshot_cursor, loaded.cursor), (5, 5));
    assert_eq!(&loaded.confirmed, server.state());
    db.close();
}
