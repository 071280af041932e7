//! The server folds each op with its actor's role: an op the role may not make is kept,
//! recorded with its conflict, and answered to the device that sent it.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::{TestApp, day, issue, no, op, op_by};
use loket_core::op::KasiApprove;
use loket_core::{OpBody, TicketRef};
use serde_json::{Value, json};

async fn an_operators_kasi_approve_is_recorded_as_a_conflict() {
    let app = TestApp::start().await;
    let tablet = app.enrol("Loket 1").await;
    let base = app.staff_office(&tablet).await;
    let ticket = TicketRef {
        number: no(&tablet.letter, 1),
        day: day(),
    };
    let approve = |actor: &str| {
        op_by(
            &tablet,
            actor,
            OpBody::KasiApprove(KasiApprove {
                ticket: ticket.clone(),
                note: String::new(),
            }),
        )
    };
    let ops = [
        issue(&tablet, 1),
        approve("operator"),
        op(&tablet, OpBody::Arrive(ticket.clone())),
    ];
    let (status, answer) = app.sync(&tablet, base, &ops).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let outcome = &answer["pushed"][1]["outcome"];
    assert_eq!(
        outcome["conflict"]["reason"]["not_allowed"],
        json!({"actor": "operator", "role": "operator", "action": "decide"}),
        "{answer}"
    );
    // A step out of turn is a conflict too (arrive before any call), with its reason.
    assert_eq!(
        answer["pushed"][2]["outcome"]["conflict"]["reason"]["wrong_stage"]["stage"], "waiting",
        "{answer}"
    );
    // Kept in the log, with the outcome, for every device to see.
    assert_eq!(app.count("ops").await, base as i64 + 3);
    let (_, pulled) = app.sync(&tablet, 0, &[]).await;
    assert_eq!(pulled["ops"][base as usize + 1]["outcome"], *outcome);
    // An unknown actor is refused the same way.
    let (_, answer) = app.sync(&tablet, base + 3, &[approve("stranger")]).await;
    assert!(
        answer["pushed"][0]["outcome"]["conflict"]["reason"]["unknown_actor"].is_object(),
        "{answer}"
    );
}

/// One op the server cannot take (a signature of a single dot) is refused alone: the op
/// before it and the op behind it take effect, and the refusal is kept for its maker.
async fn a_malformed_step_is_refused_alone_and_the_ops_around_it_go_on() {
    let app = TestApp::start().await;
    let tablet = app.enrol("Loket 1").await;
    let base = app.staff_office(&tablet).await;
    let mut bad = serde_json::to_value(op(
        &tablet,
        OpBody::Arrive(TicketRef {
            number: no(&tablet.letter, 1),
            day: day(),
        }),
    ))
    .unwrap();
    bad["body"] = json!({"hand_over": {
        "ticket": {"number": {"letter": tablet.letter, "serial": 1}, "day": "2026-11-24"},
        "signature": {"strokes": [[[1, 1]]]},
        "old_card_returned": false
    }});
    // Signed as its maker would: the server refuses it for its shape, not its proof.
    let bad = common::signed(serde_json::from_str(&bad.to_string()).unwrap());
    let before = app.count("ops").await;
    let epoch = app.epoch(&tablet.office).await;
    app.issue_credentials(&[issue(&tablet, 1)]).await;
    let (status, answer) = app
        .post(
            "/api/sync",
            Some(&tablet.token),
            &json!({"epoch": epoch, "cursor": base, "push": [issue(&tablet, 1), bad, issue(&tablet, 2)]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let outcomes: Vec<&Value> = answer["pushed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["outcome"])
        .collect();
    assert_eq!(outcomes[0], "applied", "{answer}");
    assert!(
        outcomes[1]["conflict"]["reason"]["malformed"]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("signature")),
        "{answer}"
    );
    assert_eq!(outcomes[2], "applied", "{answer}");
    assert_eq!(
        app.count("ops").await,
        before + 3,
        "the refusal is kept in the log"
    );
    // A second device's pull sees both tickets and the refusal, as the tablet's conflict.
    let other = app.enrol("Loket 2").await;
    let (_, pulled) = app.sync(&other, 0, &[]).await;
    let last: Vec<&Value> = pulled["ops"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .take(3)
        .collect();
    assert_eq!(last[1]["op"]["device"], tablet.id.as_str());
    assert!(last[1]["outcome"]["conflict"]["reason"]["malformed"].is_object());
}

both!(
    an_operators_kasi_approve_is_recorded_as_a_conflict,
    a_malformed_step_is_refused_alone_and_the_ops_around_it_go_on,
);
