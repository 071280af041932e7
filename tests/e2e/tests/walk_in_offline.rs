//! The walk-in service with the connection gone for a while: the operator takes a file
//! from the call to the escalation with the server down, the Kasi's device receives it
//! once the server is back, the Kasi approves it while her own device is offline, and the
//! card is printed and handed over when that decision arrives. Nothing is lost or doubled.

use loket_e2e::visit::{fill_checklist, sees, set_up_office, sign, to_checklist};
use loket_e2e::{Chromedriver, Profile, STARTUP, Server, WAIT, action, check, find};

#[tokio::test(flavor = "multi_thread")]
async fn an_escalation_made_offline_reaches_the_kasi_and_her_offline_approval_the_printer() {
    let mut server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let tablet = Profile::open(&chromedriver, &server, "operator-tablet").await;
    let kasi = Profile::open(&chromedriver, &server, "kasi-device").await;
    set_up_office(&tablet, &kasi, &server.admin_code(), 1).await;
    check::service_worker_controls(&tablet).await;
    check::service_worker_controls(&kasi).await;
    let number = action::issue_ticket(&tablet).await;
    action::sync_until_settled(&tablet).await;

    // A2–A4 with the server down: called, arrived, documents in, escalated: four ops wait.
    server.stop().await;
    assert_eq!(to_checklist(&tablet).await, number);
    fill_checklist(&tablet, true, "#siak-not-verified").await;
    action::type_into(&tablet, "#escalate-reason", "SIAK belum bisa dicek").await;
    action::click(&tablet, "#escalate").await;
    check::offline(&tablet).await;
    check::pending(&tablet, 4).await;
    assert!(
        !find::exists(&kasi, &format!("#kasi-files li[data-ticket='{number}']"))
            .await
            .unwrap_or(true),
        "nothing reaches the Kasi while the server is down"
    );

    // Back online: the tablet's steps arrive by themselves, and the Kasi gets the file.
    server.start_again().await;
    check::pending_within(&tablet, 0, WAIT + STARTUP).await;
    sees(&kasi, "#kasi-files", "SIAK belum bisa dicek").await;

    // The Kasi's device loses the server in turn; she approves anyway.
    server.stop().await;
    action::click(
        &kasi,
        &format!("#kasi-files li[data-ticket='{number}'] .approve"),
    )
    .await;
    check::pending(&kasi, 1).await;
    server.start_again().await;
    check::pending_within(&kasi, 0, WAIT + STARTUP).await;

    // The decision reaches the print queue: printed and handed over.
    action::click(&tablet, "#nav-print").await;
    sees(&tablet, "#print-queue", &number).await;
    action::click(
        &tablet,
        &format!("#print-queue li[data-ticket='{number}'] .print-card"),
    )
    .await;
    sees(&tablet, "[data-testid=stock-on-hand]", "0").await;
    action::click(
        &tablet,
        &format!("#to-hand-over li[data-ticket='{number}'] .choose"),
    )
    .await;
    sign(&tablet).await;
    action::click(&tablet, "#hand-over").await;
    sees(&tablet, "[data-testid=receipt-number]", &number).await;
    action::sync_until_settled(&tablet).await;

    // Each step of the visit reached the server exactly once.
    let db = rusqlite::Connection::open_with_flags(
        server.db_path(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open the server's database read-only");
    let kinds: Vec<(String, i64)> = db
        .prepare(
            "SELECT kind, count(*) FROM ops WHERE kind NOT IN ('save_staff', 'receive_stock') \
             GROUP BY kind ORDER BY kind",
        )
        .and_then(|mut q| {
            q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()
        })
        .expect("count the server's ops by kind");
    let expected: Vec<(String, i64)> = [
        "arrive",
        "call_ticket",
        "escalate",
        "hand_over",
        "issue_ticket",
        "kasi_approve",
        "print_card",
        "receive_documents",
    ]
    .iter()
    .map(|k| (k.to_string(), 1))
    .collect();
    assert_eq!(kinds, expected, "each step of the visit once on the server");

    tablet.quit().await;
    kasi.quit().await;
}
