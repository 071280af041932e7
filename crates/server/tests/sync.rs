//! `POST /api/sync`: pushing ops once, pulling after a cursor, conflicts, refusals, restarts.

#[macro_use]
mod common;

use axum::http::{Method, StatusCode};
use common::{TestApp, call, issue, pulled_seqs, pushed_seqs, signed};
use loket_core::OpId;
use serde_json::{Value, json};

async fn sync_needs_a_known_device_token() {
    let app = TestApp::start().await;
    let body = json!({"cursor": 0, "push": []});
    let (status, answer) = app.post("/api/sync", None, &body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer["error"], "unauthorized");
    let (status, answer) = app.post("/api/sync", Some("not-a-token"), &body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer["error"], "unauthorized");
    // A device's own token works.
    let device = app.enrol("Loket 1").await;
    let (status, answer) = app.post("/api/sync", Some(&device.token), &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    // The server's clock comes along, so a tablet can tell its own is off.
    let server_ms = answer["server_ms"].as_i64().unwrap_or_default();
    let now = chrono::Utc::now().timestamp_millis();
    assert!((now - server_ms).abs() < 60_000, "{answer}");
    let mut rest = answer.clone();
    rest.as_object_mut().unwrap().remove("server_ms");
    let epoch = app.epoch(&device.office).await;
    assert_eq!(
        rest,
        json!({"epoch": epoch, "pushed": [], "ops": [], "cursor": 0, "more": false})
    );
}

async fn a_repeated_push_answers_the_same_and_changes_nothing() {
    let app = TestApp::start().await;
    let device = app.enrol("Loket 1").await;
    let base = app.staff_office(&device).await;
    let push = vec![
        issue(&device, 1),
        issue(&device, 2),
        call(&device, "A", 1, 3),
    ];

    let (status, first) = app.sync(&device, base, &push).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(pushed_seqs(&first), [base + 1, base + 2, base + 3]);
    for (pushed, op) in first["pushed"].as_array().unwrap().iter().zip(&push) {
        assert_eq!(pushed["id"], op.id.to_string());
        assert_eq!(pushed["outcome"], json!("applied"));
        assert_eq!(pushed["repeated"], false);
    }
    assert_eq!(pulled_seqs(&first), [base + 1, base + 2, base + 3]);
    assert_eq!(first["cursor"], base + 3);
    assert_eq!(app.count("ops").await, base as i64 + 3);

    // The response was lost: the device pushes the same ops again from its old cursor.
    let (status, again) = app.sync(&device, base, &push).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pushed_seqs(&again), [base + 1, base + 2, base + 3]);
    for (a, b) in first["pushed"]
        .as_array()
        .unwrap()
        .iter()
        .zip(again["pushed"].as_array().unwrap())
    {
        assert_eq!(a["outcome"], b["outcome"]);
        assert_eq!(b["repeated"], true);
    }
    assert_eq!(again["ops"], first["ops"]);
    assert_eq!(app.count("ops").await, base as i64 + 3);
}

async fn pulls_return_only_ops_after_the_cursor_a_page_at_a_time() {
    let mut app = TestApp::start().await;
    app.state = app.state.clone().with_pull_limit(2);
    let a = app.enrol("Kiosk").await;
    let b = app.enrol("Loket 2").await;
    // The staff setup is pulled a page at a time too: read it all before counting.
    let base = app.staff_office(&a).await;
    let push: Vec<_> = (1..=5).map(|n| issue(&a, n)).collect();
    let (status, answer) = app.sync(&a, base, &push).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        pushed_seqs(&answer),
        (base + 1..=base + 5).collect::<Vec<_>>()
    );
    assert_eq!(pulled_seqs(&answer), [base + 1, base + 2]);
    assert_eq!(
        (answer["cursor"].as_u64(), answer["more"].as_bool()),
        (Some(base + 2), Some(true))
    );

    // Another device of the office pages through from wherever its cursor is.
    let (_, page) = app.sync(&b, base + 2, &[]).await;
    assert_eq!(pulled_seqs(&page), [base + 3, base + 4]);
    assert_eq!(
        (page["cursor"].as_u64(), page["more"].as_bool()),
        (Some(base + 4), Some(true))
    );
    assert_eq!(page["ops"][0]["op"]["id"], push[2].id.to_string());
    assert_eq!(page["ops"][0]["outcome"], json!("applied"));
    let (_, page) = app.sync(&b, base + 4, &[]).await;
    assert_eq!(pulled_seqs(&page), [base + 5]);
    assert_eq!(
        (page["cursor"].as_u64(), page["more"].as_bool()),
        (Some(base + 5), Some(false))
    );
    // Nothing new: the cursor stays.
    let (_, page) = app.sync(&b, base + 5, &[]).await;
    assert_eq!(pulled_seqs(&page), Vec::<u64>::new());
    assert_eq!(
        (page["cursor"].as_u64(), page["more"].as_bool()),
        (Some(base + 5), Some(false))
    );
}

async fn two_devices_calling_one_ticket_get_one_winner_and_one_conflict() {
    let app = TestApp::start().await;
    let a = app.enrol("Kiosk").await;
    let b = app.enrol("Loket 2").await;
    let base = app.staff_office(&a).await;
    app.sync(&a, base, &[issue(&a, 1)]).await;
    // Both call A-001 while offline; A syncs first.
    let (_, first) = app.sync(&a, base + 1, &[call(&a, "A", 1, 1)]).await;
    assert_eq!(first["pushed"][0]["outcome"], json!("applied"));
    let late = call(&b, "A", 1, 2);
    let (status, second) = app.sync(&b, base + 1, std::slice::from_ref(&late)).await;
    assert_eq!(status, StatusCode::OK);
    let outcome = &second["pushed"][0]["outcome"];
    let reason = &outcome["conflict"]["reason"]["already_called"];
    assert!(reason.is_object(), "{second}");
    assert_eq!(reason["counter"], 1);
    assert_eq!(second["pushed"][0]["repeated"], false);
    // The conflict is kept in the log, and every device pulls it with its outcome.
    assert_eq!(app.count("ops").await, base as i64 + 3);
    let (_, pulled) = app.sync(&a, base + 2, &[]).await;
    assert_eq!(pulled["ops"][0]["op"]["id"], late.id.to_string());
    assert_eq!(&pulled["ops"][0]["outcome"], outcome);
    // A retry of the conflicting op answers the stored conflict.
    let (_, retry) = app.sync(&b, base + 3, &[late]).await;
    assert_eq!(&retry["pushed"][0]["outcome"], outcome);
    assert_eq!(retry["pushed"][0]["repeated"], true);
}

/// Sends a raw sync body and checks the refusal: status, error code, nothing stored.
async fn refused(
    app: &TestApp,
    token: &str,
    content_type: Option<&str>,
    body: String,
    status: StatusCode,
    code: &str,
) {
    let before = app.counts().await;
    let (got, answer) = app
        .raw(Method::POST, "/api/sync", Some(token), content_type, body)
        .await;
    assert_eq!(got, status, "{answer}");
    assert_eq!(answer["error"], code, "{answer}");
    assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(app.counts().await, before, "a refused sync stored nothing");
}

/// A sync body from `cursor` of history `epoch`.
fn push_body(epoch: &str, cursor: Value, ops: &[loket_core::Op]) -> String {
    json!({"epoch": epoch, "cursor": cursor, "push": ops}).to_string()
}

const JSON: Option<&str> = Some("application/json");

async fn bad_bodies_are_refused_with_json_errors() {
    let app = TestApp::start().await;
    let d = app.enrol("Loket 1").await;
    app.sync(&d, 0, &[issue(&d, 1)]).await;
    let t = &d.token;
    let op = issue(&d, 2);
    let epoch = app.epoch(&d.office).await;

    refused(
        &app,
        t,
        JSON,
        "{\"cursor\": 0, \"push\": [".into(),
        StatusCode::BAD_REQUEST,
        "malformed_json",
    )
    .await;
    refused(
        &app,
        t,
        Some("text/plain"),
        push_body(&epoch, json!(0), std::slice::from_ref(&op)),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    refused(
        &app,
        t,
        None,
        push_body(&epoch, json!(0), std::slice::from_ref(&op)),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    refused(
        &app,
        t,
        JSON,
        push_body(&epoch, json!(-1), std::slice::from_ref(&op)),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    refused(
        &app,
        t,
        JSON,
        push_body(&epoch, json!("0"), std::slice::from_ref(&op)),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    refused(
        &app,
        t,
        JSON,
        json!({"push": []}).to_string(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;

    let mut unknown = serde_json::to_value(&op).unwrap();
    let body = unknown["body"]["issue_ticket"].take();
    unknown["body"] = json!({ "burn_ticket": body });
    let body = json!({"cursor": 0, "push": [unknown]}).to_string();
    refused(
        &app,
        t,
        JSON,
        body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
}

async fn bad_pushes_are_refused_whole() {
    let app = TestApp::start().await;
    let d = app.enrol("Loket 1").await;
    let other = app.enrol("Loket 2").await;
    let base = app.staff_office(&d).await;
    app.sync(&d, base, &[issue(&d, 1)]).await;
    let t = &d.token;
    let good = issue(&d, 2);
    let epoch = app.epoch(&d.office).await;

    // Each bad op follows a good one: the good one must not be stored either.
    let mut elsewhere = issue(&d, 3);
    elsewhere.office = loket_core::OfficeCode::new("51.02.03").unwrap();
    refused(
        &app,
        t,
        JSON,
        push_body(&epoch, json!(base + 1), &[good.clone(), elsewhere]),
        StatusCode::UNPROCESSABLE_ENTITY,
        "wrong_office",
    )
    .await;

    let impostor = issue(&other, 3);
    refused(
        &app,
        t,
        JSON,
        push_body(&epoch, json!(base + 1), &[good.clone(), impostor]),
        StatusCode::UNPROCESSABLE_ENTITY,
        "wrong_device",
    )
    .await;

    // Device A may not issue under device B's letter: it could take a number B printed.
    let mut borrowed = issue(&d, 3);
    if let loket_core::OpBody::IssueTicket(b) = &mut borrowed.body {
        b.number.letter = loket_core::DeviceLetter::new(other.letter.clone()).unwrap();
    }
    refused(
        &app,
        t,
        JSON,
        push_body(&epoch, json!(base + 1), &[good.clone(), borrowed]),
        StatusCode::UNPROCESSABLE_ENTITY,
        "wrong_letter",
    )
    .await;

    // A cursor of another history (the device synced before a restore), or with none.
    refused(
        &app,
        t,
        JSON,
        push_body(
            "00000000000000000000000000000000",
            json!(base + 1),
            std::slice::from_ref(&good),
        ),
        StatusCode::CONFLICT,
        "history_changed",
    )
    .await;
    refused(
        &app,
        t,
        JSON,
        json!({"cursor": base + 1, "push": [good.clone()]}).to_string(),
        StatusCode::CONFLICT,
        "history_changed",
    )
    .await;
    refused(
        &app,
        t,
        JSON,
        push_body(&epoch, json!(base + 99), std::slice::from_ref(&good)),
        StatusCode::CONFLICT,
        "cursor_ahead",
    )
    .await;

    refused(
        &app,
        t,
        JSON,
        push_body(&epoch, json!(base + 1), &[good.clone(), good.clone()]),
        StatusCode::UNPROCESSABLE_ENTITY,
        "repeated_in_push",
    )
    .await;

    let many: Vec<_> = (0..=loket_core::sync::MAX_PUSH as u16)
        .map(|n| issue(&d, 10 + n))
        .collect();
    refused(
        &app,
        t,
        JSON,
        push_body(&epoch, json!(base + 1), &many),
        StatusCode::UNPROCESSABLE_ENTITY,
        "too_many_ops",
    )
    .await;

    refused(
        &app,
        t,
        JSON,
        push_body(&epoch, json!(base + 2), std::slice::from_ref(&good)),
        StatusCode::CONFLICT,
        "cursor_ahead",
    )
    .await;

    // The same good op, alone, goes through: the refusals left no trace.
    let (status, answer) = app.sync(&d, base + 1, &[good]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["pushed"][0]["outcome"], json!("applied"));
    assert_eq!(answer["pushed"][0]["repeated"], false);
}

/// An op whose id is not a UUIDv7, or whose clock is two days ahead (it would put a ticket
/// first in line), is refused alone: the ops around it take effect.
async fn ops_the_server_cannot_take_are_refused_alone() {
    let app = TestApp::start().await;
    let d = app.enrol("Loket 1").await;
    let base = app.staff_office(&d).await;
    let mut not_v7 = issue(&d, 2);
    not_v7.id = OpId(uuid::Uuid::from_u128(
        0x0190_0000_0000_4000_8000_0000_0000_0001,
    ));
    let not_v7 = signed(not_v7);
    let mut ahead = issue(&d, 3);
    ahead.at = chrono::Utc::now() + chrono::Duration::days(2);
    let ahead = signed(ahead);
    let push = [issue(&d, 1), not_v7, ahead, issue(&d, 4)];
    let (status, answer) = app.sync(&d, base, &push).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let reasons: Vec<Value> = answer["pushed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["outcome"].clone())
        .collect();
    assert_eq!(reasons[0], json!("applied"));
    assert!(
        reasons[1]["conflict"]["reason"]["malformed"].is_object(),
        "{answer}"
    );
    assert!(
        reasons[2]["conflict"]["reason"]["bad_time"].is_object(),
        "{answer}"
    );
    assert_eq!(reasons[3], json!("applied"));
    assert_eq!(
        pushed_seqs(&answer),
        [base + 1, base + 2, base + 3, base + 4]
    );
    // Pushed again (a lost response), each is answered with its first outcome.
    let (_, again) = app.sync(&d, base, &push).await;
    assert_eq!(
        answer["pushed"][1]["outcome"],
        again["pushed"][1]["outcome"]
    );
    assert!(
        again["pushed"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["repeated"] == true)
    );
}

async fn an_op_id_of_another_device_is_refused_and_rolls_the_push_back() {
    let app = TestApp::start().await;
    let a = app.enrol("Kiosk").await;
    let b = app.enrol("Loket 2").await;
    let base = app.staff_office(&a).await;
    let taken = issue(&a, 1);
    app.sync(&a, base, std::slice::from_ref(&taken)).await;
    let fresh = issue(&b, 1);
    let mut stolen = issue(&b, 2);
    let epoch = app.epoch(&b.office).await;
    stolen.id = taken.id;
    refused(
        &app,
        &b.token,
        JSON,
        push_body(&epoch, json!(base + 1), &[fresh.clone(), stolen]),
        StatusCode::CONFLICT,
        "op_id_taken",
    )
    .await;
    // The office's state did not keep B-001 from the rolled-back push: issuing it now
    // applies cleanly instead of being a duplicate.
    let (_, answer) = app.sync(&b, base + 1, &[fresh]).await;
    assert_eq!(answer["pushed"][0]["outcome"], json!("applied"), "{answer}");
}

async fn bodies_over_one_mebibyte_are_refused() {
    let app = TestApp::start().await;
    let d = app.enrol("Loket 1").await;
    let padding = " ".repeat(1024 * 1024);
    let body = format!("{{\"cursor\": 0, {padding}\"push\": []}}");
    refused(
        &app,
        &d.token,
        JSON,
        body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    // Just under the limit is fine.
    let padding = " ".repeat(1024 * 1024 - 100);
    let body = format!("{{\"cursor\": 0, {padding}\"push\": []}}");
    let (status, _) = app
        .raw(Method::POST, "/api/sync", Some(&d.token), JSON, body)
        .await;
    assert_eq!(status, StatusCode::OK);
}

/// A tablet that was offline through many handovers holds ops far larger than tickets: it
/// sends them in pushes of at most `MAX_PUSH_BYTES`, and the server takes each whole
/// (a push it refused as too large would leave the tablet unable to send anything).
async fn the_largest_push_a_device_makes_is_taken_whole() {
    use loket_core::sync::{MAX_PUSH, MAX_PUSH_BYTES, MAX_REQUEST_BYTES, Replica};
    let app = TestApp::start().await;
    let d = app.enrol("Loket 1").await;
    let base = app.staff_office(&d).await;
    let mut tablet = Replica::default();
    for serial in 1..=40 {
        let ticket = loket_core::TicketRef {
            number: common::no(&d.letter, serial),
            day: common::day(),
        };
        tablet.record(common::op(
            &d,
            loket_core::testing::longest_handover(ticket),
        ));
    }
    let request = tablet.request(MAX_PUSH);
    let body = serde_json::to_vec(&request).unwrap();
    assert!(
        request.push.len() < 40,
        "40 such ops are over a push's bytes"
    );
    assert!(body.len() > MAX_PUSH_BYTES / 2 && body.len() <= MAX_REQUEST_BYTES);
    let (status, answer) = app.sync(&d, base, &request.push).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(pushed_seqs(&answer).len(), request.push.len());
    // Handovers of tickets the office never issued: kept, each refused alone.
    assert!(
        answer["pushed"][0]["outcome"]["conflict"].is_object(),
        "{answer}"
    );
}

async fn state_and_seqs_survive_a_restart() {
    let mut app = TestApp::start().await;
    let d = app.enrol("Loket 1").await;
    let base = app.staff_office(&d).await;
    let (_, before) = app.sync(&d, base, &[issue(&d, 1), issue(&d, 2)]).await;
    assert_eq!(pushed_seqs(&before), [base + 1, base + 2]);

    app.restart().await;

    // The token still works, the log is all there, and the folded state knows A-001:
    // calling it applies (it would be an unknown ticket on an empty state), twice conflicts.
    let (status, after) = app.sync(&d, 0, &[call(&d, "A", 1, 4)]).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(pushed_seqs(&after), [base + 3]);
    assert_eq!(after["pushed"][0]["outcome"], json!("applied"));
    assert_eq!(pulled_seqs(&after), (1..=base + 3).collect::<Vec<_>>());
    let (_, again) = app.sync(&d, base + 3, &[call(&d, "A", 1, 5)]).await;
    assert!(
        again["pushed"][0]["outcome"]["conflict"]["reason"]["already_called"].is_object(),
        "{again}"
    );
    // Issuing A-002 again is a duplicate: the restart kept it.
    let (_, dup) = app.sync(&d, base + 4, &[issue(&d, 2)]).await;
    assert!(
        dup["pushed"][0]["outcome"]["conflict"]["reason"]["duplicate_number"].is_object(),
        "{dup}"
    );
    assert_eq!(pushed_seqs(&dup), [base + 5]);
}

both!(
    pulls_are_gzipped_for_clients_that_accept_it,
    ops_the_server_cannot_take_are_refused_alone,
    sync_needs_a_known_device_token,
    a_repeated_push_answers_the_same_and_changes_nothing,
    pulls_return_only_ops_after_the_cursor_a_page_at_a_time,
    two_devices_calling_one_ticket_get_one_winner_and_one_conflict,
    bad_bodies_are_refused_with_json_errors,
    bad_pushes_are_refused_whole,
    an_op_id_of_another_device_is_refused_and_rolls_the_push_back,
    bodies_over_one_mebibyte_are_refused,
    the_largest_push_a_device_makes_is_taken_whole,
    state_and_seqs_survive_a_restart,
    pushes_at_once_each_land_once_in_one_order,
    a_device_far_behind_reads_every_op_once_in_order,
    a_log_moved_behind_the_server_is_read_again,
    pushes_decided_together_are_each_their_own,
);

/// Devices pushing at the same moment are decided together; each op still gets one
/// sequence number of its own, each device's answers follow its cursor, and the log holds
/// every op once.
async fn pushes_at_once_each_land_once_in_one_order() {
    let app = std::sync::Arc::new(TestApp::start().await);
    let first = app.enrol("Loket 1").await;
    let base = app.staff_office(&first).await;
    let mut devices = vec![first];
    for n in 2..=8 {
        devices.push(app.enrol(&format!("Loket {n}")).await);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for device in devices {
        let app = app.clone();
        tasks.spawn(async move {
            let mut cursor = base;
            let mut seqs = Vec::new();
            for round in 0..5u16 {
                let push: Vec<_> = (1..=3).map(|n| issue(&device, round * 3 + n)).collect();
                let (status, answer) = app.sync(&device, cursor, &push).await;
                assert_eq!(status, StatusCode::OK, "{answer}");
                let pushed = pushed_seqs(&answer);
                let pulled = pulled_seqs(&answer);
                // The answer holds the device's own ops, after its cursor, in order.
                assert!(pulled.windows(2).all(|w| w[0] < w[1]), "{pulled:?}");
                assert!(pulled.first().is_none_or(|&s| s > cursor), "{pulled:?}");
                assert!(pushed.iter().all(|s| pulled.contains(s)), "{answer}");
                cursor = answer["cursor"].as_u64().unwrap();
                seqs.extend(pushed);
            }
            seqs
        });
    }
    let mut seqs = Vec::new();
    while let Some(done) = tasks.join_next().await {
        seqs.extend(done.unwrap());
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (base + 1..=base + 120).collect::<Vec<_>>());
    assert_eq!(app.count("ops").await, base as i64 + 120);
}

/// A device more than a full pull behind is answered from the database, the rest from
/// what the server keeps in memory: paging through the whole log from nothing gives every
/// op once, in order, with what was stored.
async fn a_device_far_behind_reads_every_op_once_in_order() {
    let app = TestApp::start().await;
    let device = app.enrol("Loket 1").await;
    let base = app.staff_office(&device).await;
    let mut cursor = base;
    let mut pushed = Vec::new();
    for round in 0..5u16 {
        let push: Vec<_> = (1..=500).map(|n| issue(&device, round * 500 + n)).collect();
        let (status, answer) = app.sync(&device, cursor, &push).await;
        assert_eq!(status, StatusCode::OK);
        cursor = base + pushed.len() as u64 + 500;
        pushed.extend(push);
        // Only the newest ops come back: the device pages on from its own cursor.
        assert!(answer["cursor"].as_u64().unwrap() <= cursor);
    }
    let late = app.enrol("Loket 2").await;
    let (mut cursor, mut ops) = (0, Vec::new());
    loop {
        let (status, page) = app.sync(&late, cursor, &[]).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let page: loket_core::sync::SyncResponse = serde_json::from_str(&page.to_string()).unwrap();
        cursor = page.cursor;
        ops.extend(page.ops);
        if !page.more {
            break;
        }
    }
    let seqs: Vec<u64> = ops.iter().map(|o| o.seq).collect();
    assert_eq!(seqs, (1..=base + 2500).collect::<Vec<_>>());
    // Ops travel with their times in milliseconds: compare what they are, not the clock.
    let tickets: Vec<_> = ops[base as usize..]
        .iter()
        .map(|o| (o.op.id, &o.op.body))
        .collect();
    let sent: Vec<_> = pushed.iter().map(|op| (op.id, &op.body)).collect();
    assert!(
        tickets == sent,
        "the log's ops are not the ones pushed, in order"
    );
    assert!(
        ops.iter()
            .all(|o| o.outcome == loket_core::Outcome::Applied)
    );

    // After a restart the newest ops are read back into memory: the same pages again.
    let mut app = app;
    app.restart().await;
    let (mut cursor, mut again) = (0, Vec::new());
    loop {
        let (_, page) = app.sync(&late, cursor, &[]).await;
        let page: loket_core::sync::SyncResponse = serde_json::from_str(&page.to_string()).unwrap();
        cursor = page.cursor;
        again.extend(page.ops);
        if !page.more {
            break;
        }
    }
    assert!(again == ops, "the log reads differently after a restart");
}

/// A pull is answered gzipped to a client that accepts it (the browser always does), and
/// unpacks to the same answer.
async fn pulls_are_gzipped_for_clients_that_accept_it() {
    use axum::body::Body;
    use axum::http::{Request, header};
    use std::io::Read;
    let app = TestApp::start().await;
    let d = app.enrol("Loket 1").await;
    let base = app.staff_office(&d).await;
    let push: Vec<_> = (1..=50).map(|n| issue(&d, n)).collect();
    app.sync(&d, base, &push).await;
    let (_, plain) = app.sync(&d, 0, &[]).await;
    let request = Request::post("/api/sync")
        .header(header::AUTHORIZATION, format!("Bearer {}", d.token))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::from(json!({"cursor": 0, "push": []}).to_string()))
        .unwrap();
    let (status, headers, body) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_string(&mut text)
        .unwrap();
    let mut unpacked: Value = serde_json::from_str(&text).unwrap();
    let mut plain = plain;
    for answer in [&mut unpacked, &mut plain] {
        answer.as_object_mut().unwrap().remove("server_ms");
    }
    assert_eq!(unpacked, plain);
    assert!(
        body.len() * 4 < text.len(),
        "gzip should shrink a pull of 54 ops at least fourfold: {} -> {}",
        text.len(),
        body.len()
    );
}

/// A log moved by someone else (a restore, or another writer) is read again before the
/// next push is decided: nothing is given a number twice, and every op reads back once.
async fn a_log_moved_behind_the_server_is_read_again() {
    let app = TestApp::start().await;
    let device = app.enrol("Loket 1").await;
    let base = app.staff_office(&device).await;
    let (status, _) = app.sync(&device, base, &[issue(&device, 1)]).await;
    assert_eq!(status, StatusCode::OK);
    // Five numbers given out that this server never saw (as `mark-restored --lost-head`).
    sqlx::query("UPDATE offices SET head = head + 5")
        .execute(&app.db().await)
        .await
        .unwrap();
    let (status, answer) = app.sync(&device, base + 1, &[issue(&device, 2)]).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(pushed_seqs(&answer), [base + 7]);
    assert_eq!(pulled_seqs(&answer), [base + 7]);
    // A pull with a cursor in the gap is not "ahead" of the log.
    let (status, answer) = app.sync(&device, base + 7, &[]).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (_, all) = app.sync(&device, 0, &[]).await;
    let mut seqs: Vec<u64> = (1..=base + 1).collect();
    seqs.push(base + 7);
    assert_eq!(pulled_seqs(&all), seqs);

    // A new history made behind the server's back: a push from the old one is refused
    // for what the database says, not for what the server last knew.
    let old = app.epoch(&device.office).await;
    let new = "0123456789abcdef0123456789abcdef";
    sqlx::query("UPDATE offices SET epoch = $1")
        .bind(new)
        .execute(&app.db().await)
        .await
        .unwrap();
    let push = json!({"epoch": old, "cursor": base + 7, "push": [issue(&device, 3)]});
    let (status, answer) = app.post("/api/sync", Some(&device.token), &push).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["error"], "history_changed");
    // From then on pulls name the new history too.
    let (status, answer) = app.sync(&device, 0, &[]).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["epoch"], new);
    assert_eq!(app.count("ops").await, base as i64 + 2);
}

/// Pushes decided in one batch are each decided alone: one refused changes nothing of
/// the others, and the same op pushed twice at once lands once.
async fn pushes_decided_together_are_each_their_own() {
    let app = std::sync::Arc::new(TestApp::start().await);
    let a = app.enrol("Loket 1").await;
    let b = app.enrol("Loket 2").await;
    let base = app.staff_office(&a).await;
    let twice = issue(&b, 1);
    // A ticket of B's pushed by A is not A's to push: refused whole.
    let not_mine = issue(&b, 2);
    let pushes = vec![
        (a.clone(), vec![issue(&a, 1)]),
        (b.clone(), vec![twice.clone()]),
        (a.clone(), vec![issue(&a, 2), not_mine]),
        (b.clone(), vec![twice.clone()]),
        (a.clone(), vec![issue(&a, 3)]),
    ];
    let before = app.state.offices().batch_stats().await;
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (device, push)) in pushes.into_iter().enumerate() {
        let app = app.clone();
        tasks.spawn(async move { (i, app.sync(&device, base, &push).await) });
    }
    let mut answers = vec![None; 5];
    while let Some(done) = tasks.join_next().await {
        let (i, answer) = done.unwrap();
        answers[i] = Some(answer);
    }
    let answers: Vec<(StatusCode, Value)> = answers.into_iter().map(Option::unwrap).collect();
    let after = app.state.offices().batch_stats().await;
    assert!(
        after.pushes - before.pushes > after.batches - before.batches,
        "no batch held two pushes: {before:?} then {after:?}"
    );
    assert_eq!(
        answers[2].0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answers[2].1
    );
    for i in [0, 1, 3, 4] {
        assert_eq!(answers[i].0, StatusCode::OK, "{}", answers[i].1);
    }
    // The op pushed twice has one number, new once and repeated once.
    let twice_seqs = (pushed_seqs(&answers[1].1), pushed_seqs(&answers[3].1));
    assert_eq!(twice_seqs.0, twice_seqs.1);
    let repeated: Vec<bool> = [1, 3]
        .iter()
        .map(|&i| answers[i].1["pushed"][0]["repeated"].as_bool().unwrap())
        .collect();
    assert!(
        repeated.contains(&true) && repeated.contains(&false),
        "{repeated:?}"
    );
    assert_eq!(app.count("ops").await, base as i64 + 3);
}
