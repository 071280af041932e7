//! IndexedDB figures for `cargo xtask bench` (not run by `cargo test`): appends one op per
//! transaction and batched.
//! Prints `bench:` lines; figures, not pass/fail.

#![cfg(target_arch = "wasm32")]

use chrono::{DateTime, NaiveDate};
use loket::store::{Db, SnapshotText};
use loket_core::catalogue::CaseCode;
use loket_core::staff::Staff;
use loket_core::sync::{Ledger, ServerOp};
use loket_core::{
    DeviceId, DeviceLetter, IssueTicket, OfficeCode, Op, OpBody, OpId, Role, StaffId, TicketNo,
};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    web_sys::window()
        .expect("a window")
        .performance()
        .expect("performance")
        .now()
}

/// A server that issued the test actor's credential on the test device, so its signed
/// ops are taken.
fn ledger() -> Ledger {
    Ledger::default().with_credentials([loket_core::testing::credential(
        &OfficeCode::new("51.02.02").unwrap(),
        &DeviceId::new("dev-bench").unwrap(),
        &StaffId::new("admin").unwrap(),
    )])
}

fn issue(letter: &str, serial: u16) -> Op {
    loket_core::testing::signed(Op {
        id: OpId(uuid::Uuid::now_v7()),
        office: OfficeCode::new("51.02.02").unwrap(),
        device: DeviceId::new("dev-bench").unwrap(),
        actor: StaffId::new("admin").unwrap(),
        at: DateTime::from_timestamp(1_764_000_000 + i64::from(serial), 0).unwrap(),
        body: OpBody::IssueTicket(IssueTicket {
            number: TicketNo {
                letter: DeviceLetter::new(letter).unwrap(),
                serial,
            },
            day: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            case: CaseCode::new("baru").unwrap(),
            priority: serial % 7 == 0,
            catalogue: None,
        }),
        proof: None,
    })
}

/// The office's first account, the admin the tickets are issued by: ops by an unknown
/// actor would be conflicts and fold to nothing.
fn first_admin() -> Op {
    let mut op = issue("A", 1);
    op.proof = None;
    op.body = OpBody::SaveStaff(Staff {
        id: op.actor.clone(),
        name: "Admin".into(),
        role: Role::Admin,
        active: true,
    });
    loket_core::testing::signed(op)
}

/// `n` tickets under `letter`, pushed through a server: its state and the ops as confirmed.
fn confirmed(letter: &str, n: u16) -> (Ledger, Vec<ServerOp>) {
    let mut server = ledger();
    let ops = std::iter::once(first_admin())
        .chain((1..=n).map(|i| issue(letter, i)))
        .map(|op| {
            let p = server
                .push(op.clone(), chrono::Utc::now())
                .expect("a well-formed op");
            ServerOp {
                seq: p.seq,
                op,
                outcome: p.outcome,
            }
        })
        .collect();
    (server, ops)
}

#[wasm_bindgen_test]
async fn indexeddb_figures() {
    const N: u16 = 1000;
    Db::delete("loket-bench-append").await.unwrap();
    let db = Db::open("loket-bench-append").await.unwrap();
    let ops: Vec<Op> = (1..=N).map(|i| issue("A", i)).collect();
    let start = now_ms();
    for (i, op) in ops.iter().enumerate() {
        db.record_local(op, i as f64).await.unwrap();
    }
    let single = now_ms() - start;
    console_log!(
        "bench: indexeddb append {N} ops, one transaction each: {:.0} ms ({:.0} ops/s)",
        single,
        f64::from(N) / single * 1000.0
    );

    let (server, batch) = confirmed("B", N);
    let start = now_ms();
    let cursor = batch.len() as u64;
    let snapshot = SnapshotText::new(server.state(), cursor).unwrap();
    db.commit_confirmed(&batch, Some(server.epoch()), cursor, Some(&snapshot))
        .await
        .unwrap();
    let batched = now_ms() - start;
    console_log!(
        "bench: indexeddb append {N} ops in one transaction (with the view): {:.0} ms ({:.0} ops/s)",
        batched,
        f64::from(N) / batched * 1000.0
    );
    db.close();

    // Cold start is measured from navigation in a new browser process by the browser
    // bench (tests/e2e/tests/browser_bench.rs), not by reopening the store in a running page.
}
