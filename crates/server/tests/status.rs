//! The public status lookup: where a ticket stands, for whoever holds the paper ticket.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::{TestApp, call, day, issue};
use loket_core::CheckCode;
use serde_json::json;

async fn a_ticket_holder_sees_where_the_ticket_stands() {
    let app = TestApp::start().await;
    let tablet = app.enrol("Loket 1").await;
    let base = app.staff_office(&tablet).await;
    let ops = [issue(&tablet, 1), issue(&tablet, 2), issue(&tablet, 3)];
    let (status, _) = app.sync(&tablet, base, &ops).await;
    assert_eq!(status, StatusCode::OK);
    let code = |i: usize| CheckCode::from_op(ops[i].id).to_string();
    let letter = &tablet.letter;
    let url = |serial: u16, code: &str| {
        format!("/api/status/{letter}-{serial:03}?code={code}&day={}", day())
    };

    let (status, answer) = app.get(&url(3, &code(2))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["stage"], json!({"waiting": {"ahead": 2}}));
    assert_eq!(answer["number"], format!("{letter}-003"));
    // What is public is only this: no device, actor or op id; the case only as the
    // documents its holder brings.
    let keys: Vec<&str> = answer
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["bring", "day", "number", "stage"]);
    let bring = &answer["bring"];
    assert_eq!(bring["catalogue"], 1);
    assert_eq!(bring["case_id"], "KTP-el baru");
    let docs: Vec<&str> = bring["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["document"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(docs, ["kk", "perekaman"]);
    let text = answer.to_string();
    assert!(
        !text.contains(&tablet.id) && !text.contains("operator"),
        "{text}"
    );

    // Typed as people type it: lower case.
    let (status, _) = app.get(&url(3, &code(2).to_lowercase())).await;
    assert_eq!(status, StatusCode::OK);

    let (_, _) = app
        .sync(&tablet, base + 3, &[call(&tablet, letter, 1, 2)])
        .await;
    let (_, answer) = app.get(&url(1, &code(0))).await;
    assert_eq!(answer["stage"], json!({"called": {"counter": 2}}));
    let (_, answer) = app.get(&url(3, &code(2))).await;
    assert_eq!(answer["stage"], json!({"waiting": {"ahead": 1}}));
}

async fn a_wrong_code_looks_like_no_ticket_at_all() {
    let app = TestApp::start().await;
    let tablet = app.enrol("Loket 1").await;
    let base = app.staff_office(&tablet).await;
    let op = issue(&tablet, 1);
    app.sync(&tablet, base, std::slice::from_ref(&op)).await;
    let letter = &tablet.letter;
    let day = day();
    let (wrong, wrong_body) = app
        .get(&format!("/api/status/{letter}-001?code=ZZZZ&day={day}"))
        .await;
    let good = CheckCode::from_op(op.id);
    let (unknown, unknown_body) = app
        .get(&format!("/api/status/{letter}-009?code={good}&day={day}"))
        .await;
    assert_eq!(
        (wrong, unknown),
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
    );
    assert_eq!(wrong_body, unknown_body, "the two answers are the same");
    for path in [
        format!("/api/status/{letter}-001"),
        format!("/api/status/not-a-number?code={good}"),
        format!("/api/status/{letter}-001?code={good}&day=2026-02-30"),
    ] {
        let (status, body) = app.get(&path).await;
        assert!(status.is_client_error(), "{path}: {status}");
        assert!(
            body["error"].is_string(),
            "{path}: our JSON error, not plain text: {body}"
        );
    }
}

both!(
    a_ticket_holder_sees_where_the_ticket_stands,
    a_wrong_code_looks_like_no_ticket_at_all,
);
