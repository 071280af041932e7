//! Who acts is proven: staff sign in with their PIN on a device and get a credential;
//! every op carries its actor's proof, and the server refuses, op by op, one it cannot
//! check. Tried as an attacker with only an enrolled tablet's token would.

#[macro_use]
mod common;

use axum::http::{Method, StatusCode};
use common::{Device, TestApp, account, issue, op_by};
use loket_core::credential::{CredentialId, Key, prove};
use loket_core::{Op, OpBody, Role};
use serde_json::{Value, json};

/// A credential as the server issued it.
struct Signed {
    id: CredentialId,
    key: Key,
}

impl Signed {
    fn from_answer(body: &Value) -> Self {
        Self {
            id: serde_json::from_value(body["credential"].clone()).unwrap(),
            key: serde_json::from_value(body["key"].clone()).unwrap(),
        }
    }

    /// `op` proven with this credential.
    fn sign(&self, mut op: Op) -> Op {
        op.proof = Some(prove(self.id, &self.key, &op));
        op
    }

    /// The staff header's parts.
    fn header(&self) -> (String, String) {
        (self.id.to_string(), self.key.call_token())
    }
}

const ADMIN_PIN: &str = "482913";
const OPERATOR_PIN: &str = "135790";

async fn post(app: &TestApp, device: &Device, path: &str, body: Value) -> (StatusCode, Value) {
    let (status, _, body) = app
        .staff_call(Method::POST, path, device, None, Some(&body))
        .await;
    (status, body)
}

async fn as_staff(
    app: &TestApp,
    device: &Device,
    who: &Signed,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (id, token) = who.header();
    let (status, _, body) = app
        .staff_call(method, path, device, Some((&id, &token)), body.as_ref())
        .await;
    (status, body)
}

/// The office set up as a real one is: the first admin from the tablet, their account
/// pushed with their proof, an operator given a PIN by the admin and signed in. Returns
/// the admin's and the operator's credentials and the seq the log is at.
async fn office(app: &TestApp, tablet: &Device) -> (Signed, Signed, u64) {
    let (status, body) = post(
        app,
        tablet,
        "/api/staff/first-admin",
        json!({"staff": "admin", "pin": ADMIN_PIN}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let admin = Signed::from_answer(&body);
    let setup = [
        admin.sign(op_by(
            tablet,
            "admin",
            OpBody::SaveStaff(account("admin", Role::Admin)),
        )),
        admin.sign(op_by(
            tablet,
            "admin",
            OpBody::SaveStaff(account("operator", Role::Operator)),
        )),
    ];
    let (status, answer) = app.sync_as_sent(tablet, 0, &setup).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["pushed"][0]["outcome"], "applied", "{answer}");
    assert_eq!(answer["pushed"][1]["outcome"], "applied", "{answer}");
    let (status, body) = as_staff(
        app,
        tablet,
        &admin,
        Method::POST,
        "/api/staff/pin",
        Some(json!({"staff": "operator", "pin": OPERATOR_PIN})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = post(
        app,
        tablet,
        "/api/staff/sign-in",
        json!({"staff": "operator", "pin": OPERATOR_PIN}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (admin, Signed::from_answer(&body), 2)
}

fn problem(answer: &Value, i: usize) -> &Value {
    &answer["pushed"][i]["outcome"]["conflict"]["reason"]["unproven"]["problem"]
}

/// With the tablet's token and the operator's own credential, ops that claim to be the
/// admin's (a new admin, counters, a catalogue) are refused one by one: a forged actor, a
/// missing proof, a proof replayed onto a changed op. The operator's own op goes through.
async fn a_token_and_an_operators_credential_cannot_act_as_the_admin() {
    let mut app = TestApp::start().await;
    let tablet = app.enrol("Loket 1").await;
    let (_admin, operator, base) = office(&app, &tablet).await;
    let mallory = OpBody::SaveStaff(account("mallory", Role::Admin));
    let forged = operator.sign(op_by(&tablet, "admin", mallory.clone()));
    let mut unsigned = op_by(&tablet, "admin", mallory.clone());
    unsigned.proof = None;
    let own = operator.sign(issue(&tablet, 1));
    let mut replayed = issue(&tablet, 2);
    replayed.proof = own.proof.clone();
    let counters = operator.sign(op_by(
        &tablet,
        "admin",
        OpBody::SetCounters(loket_core::op::SetCounters { count: 9 }),
    ));
    let push = [forged, unsigned, own, replayed, counters];
    let (status, answer) = app.sync_as_sent(&tablet, base, &push).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(problem(&answer, 0), "not_theirs", "{answer}");
    assert_eq!(problem(&answer, 1), "missing", "{answer}");
    assert_eq!(answer["pushed"][2]["outcome"], "applied", "{answer}");
    assert_eq!(problem(&answer, 3), "bad_mac", "{answer}");
    assert_eq!(problem(&answer, 4), "not_theirs", "{answer}");
    let office = loket_core::OfficeCode::new(tablet.office.clone()).unwrap();
    // Neither now nor after a restart, when the server folds its log again.
    for restarted in [false, true] {
        if restarted {
            app.restart().await;
        }
        let (mallory_exists, counters) = app
            .state
            .offices()
            .with_state(app.state.store(), &office, |s| {
                (
                    s.staff_member(&loket_core::StaffId::new("mallory").unwrap())
                        .is_some(),
                    s.counters(),
                )
            })
            .await
            .unwrap();
        assert!(!mallory_exists, "restarted: {restarted}");
        assert_ne!(counters, 9, "restarted: {restarted}");
    }
}

/// Every kind of op only the admin or the Kasi may make, claimed by the operator with
/// her own credential, is refused; none of them changes the office.
async fn every_privileged_kind_claimed_by_the_operator_is_refused() {
    use loket_core::op::{KasiApprove, KasiReturn, ReceiveStock, SetCounters, TicketRef};
    let app = TestApp::start().await;
    let tablet = app.enrol("Loket 1").await;
    let (_admin, operator, base) = office(&app, &tablet).await;
    let ticket = TicketRef {
        number: common::no(&tablet.letter, 1),
        day: common::day(),
    };
    let catalogue = loket_core::catalogue::Catalogue {
        version: 2,
        ..Default::default()
    };
    let claims = [
        ("admin", OpBody::SaveStaff(account("mallory", Role::Admin))),
        ("admin", OpBody::SetCounters(SetCounters { count: 9 })),
        ("admin", OpBody::SetCatalogue(catalogue)),
        (
            "admin",
            OpBody::SetStandards(loket_core::standards::StandardTimes::default()),
        ),
        (
            "admin",
            OpBody::ReceiveStock(ReceiveStock {
                count: 500,
                delivery_note: "palsu".into(),
            }),
        ),
        (
            "kasi",
            OpBody::KasiApprove(KasiApprove {
                ticket: ticket.clone(),
                note: "ok".into(),
            }),
        ),
        (
            "kasi",
            OpBody::KasiReturn(KasiReturn {
                ticket,
                reason: loket_core::verification::ReturnReason::DataMismatch,
                explanation: "x".into(),
            }),
        ),
    ];
    let push: Vec<Op> = claims
        .iter()
        .map(|(actor, body)| operator.sign(op_by(&tablet, actor, body.clone())))
        .collect();
    let office = loket_core::OfficeCode::new(tablet.office.clone()).unwrap();
    let snapshot = || async {
        app.state
            .offices()
            .with_state(app.state.store(), &office, |s| {
                format!(
                    "{} staff, {} counters, catalogue {}, {:?}, {:?}, {} escalated, {} to print",
                    s.staff().count(),
                    s.counters(),
                    s.catalogue().version,
                    s.standards(),
                    s.stock(),
                    s.escalated().len(),
                    s.print_queue().len(),
                )
            })
            .await
            .unwrap()
    };
    let before = snapshot().await;
    let (status, answer) = app.sync_as_sent(&tablet, base, &push).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    for (i, (actor, body)) in claims.iter().enumerate() {
        assert_eq!(
            problem(&answer, i),
            "not_theirs",
            "{actor} {body:?}: {answer}"
        );
    }
    assert_eq!(snapshot().await, before, "nothing changed");
}

/// A proven admin's op with a code far past the core's limit (900 KB) is refused, op by
/// op, and the catalogue stays as it was.
async fn an_oversized_code_is_refused_even_from_the_admin() {
    let app = TestApp::start().await;
    let tablet = app.enrol("Loket 1").await;
    let (admin, _operator, base) = office(&app, &tablet).await;
    let mut catalogue = loket_core::catalogue::Catalogue {
        version: 2,
        ..Default::default()
    };
    catalogue.cases[0].documents[0].code = "k".repeat(900_000);
    let push = [admin.sign(op_by(&tablet, "admin", OpBody::SetCatalogue(catalogue)))];
    let (status, answer) = app.sync_as_sent(&tablet, base, &push).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(
        answer["pushed"][0]["outcome"]["conflict"].is_object(),
        "{}",
        &answer.to_string()[..500]
    );
    let office = loket_core::OfficeCode::new(tablet.office.clone()).unwrap();
    let version = app
        .state
        .offices()
        .with_state(app.state.store(), &office, |s| s.catalogue().version)
        .await
        .unwrap();
    assert_eq!(version, 1);
}

/// A credential made up by the tablet (any key, any id) proves nothing, and another
/// device's credential does not work on this one.
async fn made_up_or_borrowed_credentials_prove_nothing() {
    let app = TestApp::start().await;
    let tablet = app.enrol("Loket 1").await;
    let other = app.enrol("Loket 2").await;
    let (_admin, operator, base) = office(&app, &tablet).await;
    let made_up = Signed {
        id: CredentialId(uuid::Uuid::now_v7()),
        key: Key::from_bytes([7; 32]),
    };
    let push = [
        made_up.sign(issue(&tablet, 1)),
        operator.sign(issue(&other, 1)),
    ];
    let (status, answer) = app.sync_as_sent(&tablet, base, &push[..1]).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(problem(&answer, 0), "unknown_credential", "{answer}");
    let (status, answer) = app.sync_as_sent(&other, base + 1, &push[1..]).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(problem(&answer, 0), "not_theirs", "{answer}");
    // Staff calls with the operator's credential from the other tablet are refused too.
    let (status, body) = as_staff(
        &app,
        &other,
        &operator,
        Method::GET,
        "/api/staff/signed-in",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "bad_credential");
}

/// The admin revokes the operator on the tablet: from then on the operator's ops are
/// refused as revoked, and the list of where staff are signed in says so.
async fn a_revoked_credential_proves_nothing_from_then_on() {
    let app = TestApp::start().await;
    let tablet = app.enrol("Loket 1").await;
    let (admin, operator, base) = office(&app, &tablet).await;
    let (status, answer) = app
        .sync_as_sent(&tablet, base, &[operator.sign(issue(&tablet, 1))])
        .await;
    assert_eq!(
        answer["pushed"][0]["outcome"], "applied",
        "{status} {answer}"
    );
    let (status, body) = as_staff(
        &app,
        &tablet,
        &admin,
        Method::POST,
        "/api/staff/revoke",
        Some(json!({"staff": "operator", "device": tablet.id})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["revoked"], 1);
    let (status, answer) = app
        .sync_as_sent(&tablet, base + 1, &[operator.sign(issue(&tablet, 2))])
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(problem(&answer, 0), "revoked", "{answer}");
    let (status, list) = as_staff(
        &app,
        &tablet,
        &admin,
        Method::GET,
        "/api/staff/signed-in",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    let op_row = list.iter().find(|r| r["staff"] == "operator").unwrap();
    assert!(op_row["revoked_ms"].is_i64(), "{op_row}");
    assert_eq!(op_row["device_name"], "Loket 1");
    let admin_row = list.iter().find(|r| r["staff"] == "admin").unwrap();
    assert!(admin_row["revoked_ms"].is_null(), "{admin_row}");
}

/// The first admin is made once: after their account synced, the call is refused, so a
/// token holder cannot make themselves a second "first" admin.
async fn the_first_admin_is_made_once() {
    let app = TestApp::start().await;
    let tablet = app.enrol("Loket 1").await;
    let (status, body) = post(
        &app,
        &tablet,
        "/api/staff/first-admin",
        json!({"staff": "admin", "pin": "123456"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "bad_pin");
    office(&app, &tablet).await;
    let (status, body) = post(
        &app,
        &tablet,
        "/api/staff/first-admin",
        json!({"staff": "mallory", "pin": "739182"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "office_staffed");
    // Without a device token nothing of this answers.
    let (status, body) = app
        .post(
            "/api/staff/sign-in",
            None,
            &json!({"staff": "admin", "pin": ADMIN_PIN}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

/// Wrong PINs: four are told "wrong", the fifth pauses sign-in for that person and that
/// device (429 with Retry-After), even with the right PIN, and a restart keeps the pause.
/// Unknown staff get the same answer as a wrong PIN.
async fn wrong_pins_pause_sign_in_and_a_restart_keeps_the_pause() {
    let mut app = TestApp::start().await;
    let tablet = app.enrol("Loket 1").await;
    office(&app, &tablet).await;
    let (status, body) = post(
        &app,
        &tablet,
        "/api/staff/sign-in",
        json!({"staff": "nobody", "pin": "111111"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "wrong_pin");
    for _ in 0..3 {
        let (status, body) = post(
            &app,
            &tablet,
            "/api/staff/sign-in",
            json!({"staff": "operator", "pin": "999999"}),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    // The device has now counted four wrong PINs: the fifth pauses it.
    let (status, headers, body) = app
        .staff_call(
            Method::POST,
            "/api/staff/sign-in",
            &tablet,
            None,
            Some(&json!({"staff": "operator", "pin": "999999"})),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    app.restart().await;
    let (status, body) = post(
        &app,
        &tablet,
        "/api/staff/sign-in",
        json!({"staff": "operator", "pin": OPERATOR_PIN}),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

/// Only a signed-in admin sets PINs: no staff header, a made-up one, or the operator's
/// credential are refused; and no PIN hash ever travels in a pull.
async fn only_the_admin_sets_pins_and_hashes_never_leave_the_server() {
    let app = TestApp::start().await;
    let tablet = app.enrol("Loket 1").await;
    let (admin, operator, _base) = office(&app, &tablet).await;
    let set = json!({"staff": "operator", "pin": "246810"});
    let (status, _, body) = app
        .staff_call(Method::POST, "/api/staff/pin", &tablet, None, Some(&set))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "bad_credential");
    let (id, _) = admin.header();
    let forged_token = Key::from_bytes([1; 32]).call_token();
    let (status, _, body) = app
        .staff_call(
            Method::POST,
            "/api/staff/pin",
            &tablet,
            Some((&id, &forged_token)),
            Some(&set),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, body) = as_staff(
        &app,
        &tablet,
        &operator,
        Method::POST,
        "/api/staff/pin",
        Some(set.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "forbidden");
    // The operator's PIN is still the old one.
    let (status, _) = post(
        &app,
        &tablet,
        "/api/staff/sign-in",
        json!({"staff": "operator", "pin": OPERATOR_PIN}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, pulled) = app.sync_as_sent(&tablet, 0, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let text = pulled.to_string();
    assert!(
        !text.contains("salt") && !text.contains("iterations"),
        "{text}"
    );
}

both!(
    a_token_and_an_operators_credential_cannot_act_as_the_admin,
    made_up_or_borrowed_credentials_prove_nothing,
    a_revoked_credential_proves_nothing_from_then_on,
    the_first_admin_is_made_once,
    wrong_pins_pause_sign_in_and_a_restart_keeps_the_pause,
    only_the_admin_sets_pins_and_hashes_never_leave_the_server,
    every_privileged_kind_claimed_by_the_operator_is_refused,
    an_oversized_code_is_refused_even_from_the_admin,
);
