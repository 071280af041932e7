//! The walk-in flow (A1–A6) through the fold: roles, the checklist, the Kasi, printing with
//! blank-card stock, the handover and step times; and properties over any sequence of ops.

use crate::catalogue::{CaseCode, Catalogue};
use crate::handover::Signature;
use crate::ids::CounterNo;
use crate::op::*;
use crate::roles::{Action, Role};
use crate::standards::Step;
use crate::state::{ConflictReason, OfficeState, Outcome, StockMove};
use crate::test_support::*;
use crate::ticket::PublicStage;
use crate::verification::{DocCheck, DocState, ReturnReason, Siak, SpoilReason, Verification};
use crate::visit::Stage;
use proptest::prelude::*;

const OP: &str = "dev-a";
const KASI: (&str, &str) = ("dev-kasi", "staff-kasi");
const ADMIN: (&str, &str) = ("dev-admin", "staff-admin");

fn verification(all_valid: bool, siak: Siak) -> Verification {
    let catalogue = Catalogue::default();
    let case = catalogue.case(&CaseCode::new("baru").unwrap()).unwrap();
    Verification {
        catalogue: 1,
        documents: case
            .documents
            .iter()
            .enumerate()
            .map(|(i, d)| DocCheck {
                code: d.code.clone(),
                state: if all_valid || i > 0 {
                    DocState::Valid
                } else {
                    DocState::Missing
                },
            })
            .collect(),
        nik: "5102024107900001".to_string().try_into().unwrap(),
        name: "Ni Made Ayu".into(),
        siak,
        note: String::new(),
    }
}

fn signature() -> Signature {
    Signature {
        strokes: vec![
            (0..20)
                .map(|i| [10 + i * 40, 100 + (i % 2) * 100])
                .collect(),
        ],
    }
}

fn stock(n: u32, count: u32) -> Op {
    by(
        n,
        ADMIN.0,
        ADMIN.1,
        0,
        OpBody::ReceiveStock(ReceiveStock {
            count,
            delivery_note: "SJ-2026/11/001".into(),
        }),
    )
}

/// The body of each step of the happy path for ticket A-001.
fn happy_bodies() -> Vec<OpBody> {
    bodies_for(tref("A", 1))
}

/// The body of each step of the happy path for ticket `t`: call, arrive, documents,
/// verified, printed, handed over (the builder other crates' tests use too).
fn bodies_for(t: TicketRef) -> Vec<OpBody> {
    crate::testing::happy_visit(t)
}

fn applied(s: &mut OfficeState, op: Op) {
    let kind = op.kind();
    assert_eq!(s.apply(&op), Outcome::Applied, "{kind}");
}

fn conflict(s: &mut OfficeState, op: Op) -> ConflictReason {
    match s.apply(&op) {
        Outcome::Conflict { reason } => reason,
        Outcome::Applied => panic!("{} was applied", op.kind()),
    }
}

#[test]
fn the_happy_path_a1_to_a6_with_step_times() {
    let mut s = staffed();
    applied(&mut s, stock(1, 10));
    applied(&mut s, issue(2, OP, "A", 1, false, 0));
    for (i, body) in happy_bodies().into_iter().enumerate() {
        let n = 10 + i as u32;
        applied(&mut s, op(n, OP, 60 * (i as i64 + 1), body));
    }
    let t = s.ticket(day(), &no("A", 1)).unwrap();
    assert_eq!(t.stage, Stage::HandedOver);
    assert_eq!(t.verification.as_ref().unwrap().what.name, "Ni Made Ayu");
    assert!(t.handover.is_some());
    assert_eq!(s.stock().on_hand(), 9);
    assert_eq!(s.stock().used(), 1);
    // Each step ran one minute (issue at 0, then one op a minute), and all are closed.
    let steps: Vec<(Step, i64)> = t
        .steps
        .iter()
        .map(|sp| (sp.step, sp.end.unwrap() - sp.start))
        .collect();
    let minute = 60_000;
    assert_eq!(
        steps,
        [
            (Step::A1, minute),
            (Step::A2, minute),
            (Step::A3, minute),
            (Step::A4, minute),
            (Step::A5, minute),
            (Step::A6, minute)
        ]
    );
    assert_eq!(s.handed_over().len(), 1);
}

fn escalated_office() -> OfficeState {
    let mut s = staffed();
    applied(&mut s, stock(1, 5));
    applied(&mut s, issue(2, OP, "A", 1, false, 0));
    let bodies = happy_bodies();
    for (i, body) in bodies[..3].iter().enumerate() {
        applied(&mut s, op(10 + i as u32, OP, 60, body.clone()));
    }
    applied(
        &mut s,
        op(
            20,
            OP,
            120,
            OpBody::Escalate(Escalate {
                ticket: tref("A", 1),
                verification: verification(true, Siak::NotVerified),
                reason: "Data SIAK belum terverifikasi".into(),
            }),
        ),
    );
    s
}

#[test]
fn a_file_that_does_not_conform_cannot_skip_the_kasi() {
    let mut s = staffed();
    applied(&mut s, issue(2, OP, "A", 1, false, 0));
    let bodies = happy_bodies();
    for (i, body) in bodies[..3].iter().enumerate() {
        applied(&mut s, op(10 + i as u32, OP, 60, body.clone()));
    }
    for (n, v) in [
        (20, verification(false, Siak::Matches)),
        (21, verification(true, Siak::NotMatching)),
    ] {
        let body = OpBody::VerifyDocuments(Verify {
            ticket: tref("A", 1),
            verification: v,
        });
        assert!(matches!(
            conflict(&mut s, op(n, OP, 100, body)),
            ConflictReason::NotConforming { .. }
        ));
    }
    assert!(matches!(
        s.ticket(day(), &no("A", 1)).unwrap().stage,
        Stage::Verifying { .. }
    ));
}

#[test]
fn the_kasi_approves_an_escalated_file_and_it_is_printed() {
    let mut s = escalated_office();
    assert_eq!(s.escalated().len(), 1);
    let approve = OpBody::KasiApprove(KasiApprove {
        ticket: tref("A", 1),
        note: "Dicek ulang dengan operator".into(),
    });
    // The operator may not decide; the Kasi may.
    assert!(matches!(
        conflict(&mut s, op(30, OP, 200, approve.clone())),
        ConflictReason::NotAllowed {
            role: Role::Operator,
            action: Action::Decide,
            ..
        }
    ));
    applied(&mut s, by(31, KASI.0, KASI.1, 200, approve));
    assert!(s.escalated().is_empty());
    assert_eq!(s.print_queue().len(), 1);
    applied(&mut s, op(32, OP, 260, OpBody::PrintCard(tref("A", 1))));
    assert_eq!(s.to_hand_over().len(), 1);
}

/// Every record a visit can hold is stored in the device's view as JSON and read back.
#[test]
fn a_state_with_every_record_survives_json() {
    let mut s = escalated_office();
    let approve = OpBody::KasiApprove(KasiApprove {
        ticket: tref("A", 1),
        note: "ok".into(),
    });
    applied(&mut s, by(31, KASI.0, KASI.1, 200, approve));
    let spoil = OpBody::SpoilCard(SpoilCard {
        ticket: tref("A", 1),
        reason: SpoilReason::Ribbon,
        note: String::new(),
    });
    applied(&mut s, op(32, OP, 210, spoil));
    applied(&mut s, op(33, OP, 220, OpBody::PrintCard(tref("A", 1))));
    applied(&mut s, op(34, OP, 230, happy_bodies()[5].clone()));
    let json = serde_json::to_string(&s).unwrap();
    let back: OfficeState = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
}

#[test]
fn the_kasi_returns_a_file_and_the_public_sees_why() {
    let mut s = escalated_office();
    let explanation = "KK belum diperbarui; bawa KK terbaru.";
    let ret = OpBody::KasiReturn(KasiReturn {
        ticket: tref("A", 1),
        reason: ReturnReason::DataMismatch,
        explanation: explanation.into(),
    });
    applied(&mut s, by(31, KASI.0, KASI.1, 200, ret));
    let t = s.ticket(day(), &no("A", 1)).unwrap();
    assert!(matches!(t.stage, Stage::Returned { .. }));
    let code = t.check.to_string();
    let public = s.public_status(day(), &no("A", 1), &code).unwrap();
    assert_eq!(
        public.stage,
        PublicStage::Returned {
            reason: ReturnReason::DataMismatch,
        }
    );
    // Nothing personal reaches the public view, nor anything typed by staff.
    let json = serde_json::to_string(&public).unwrap();
    assert!(!json.contains("Ayu") && !json.contains("5102024107900001"));
    assert!(!json.contains("KK belum diperbarui"), "{json}");
    // The Kasi's list of today's returns holds it, with its case's documents by name.
    let back: Vec<_> = s.returned(day()).iter().map(|t| t.number.clone()).collect();
    assert_eq!(back, vec![no("A", 1)]);
    assert!(s.returned(day() + chrono::Duration::days(1)).is_empty());
    let case = s.case_of(t).expect("the ticket's case is in its catalogue");
    assert_eq!(case.code, t.case);
    assert!(!case.documents.is_empty());
    // A returned file is over: it cannot be printed.
    assert!(matches!(
        conflict(&mut s, op(40, OP, 300, OpBody::PrintCard(tref("A", 1)))),
        ConflictReason::WrongStage { .. }
    ));
}

/// The status page lists what to bring for the ticket's case; once a file is returned,
/// the documents found missing or invalid come first, each with what was found.
#[test]
fn the_public_sees_what_to_bring_and_a_returned_file_what_was_wrong_first() {
    let mut s = staffed();
    applied(&mut s, issue(2, OP, "A", 1, false, 0));
    let code = s.ticket(day(), &no("A", 1)).unwrap().check.to_string();
    let waiting = s.public_status(day(), &no("A", 1), &code).unwrap();
    let bring = waiting.bring.expect("a waiting ticket lists its documents");
    assert_eq!(
        (bring.case_id.as_str(), bring.catalogue),
        ("KTP-el baru", 1)
    );
    let listed: Vec<_> = bring
        .documents
        .iter()
        .map(|d| (d.document.code.as_str(), d.found))
        .collect();
    assert_eq!(listed, [("kk", None), ("perekaman", None)]);

    let bodies = happy_bodies();
    for (i, body) in bodies[..3].iter().enumerate() {
        applied(&mut s, op(10 + i as u32, OP, 60, body.clone()));
    }
    let mut checked = verification(true, Siak::NotVerified);
    checked.documents[1].state = DocState::Invalid;
    let escalate = OpBody::Escalate(Escalate {
        ticket: tref("A", 1),
        verification: checked,
        reason: "Perekaman belum lengkap".into(),
    });
    applied(&mut s, op(20, OP, 120, escalate));
    let ret = OpBody::KasiReturn(KasiReturn {
        ticket: tref("A", 1),
        reason: ReturnReason::NotRecorded,
        explanation: "Perekaman diulang dulu.".into(),
    });
    applied(&mut s, by(31, KASI.0, KASI.1, 200, ret));
    let returned = s.public_status(day(), &no("A", 1), &code).unwrap();
    let listed: Vec<_> = returned
        .bring
        .unwrap()
        .documents
        .iter()
        .map(|d| (d.document.code.clone(), d.found))
        .collect();
    assert_eq!(
        listed,
        [
            ("perekaman".to_string(), Some(DocState::Invalid)),
            ("kk".to_string(), Some(DocState::Valid)),
        ]
    );
}

#[test]
fn no_show_recall_and_requeue() {
    let mut s = staffed();
    applied(&mut s, issue(1, OP, "A", 1, false, 0));
    applied(&mut s, issue(2, OP, "A", 2, false, 5));
    let call = |n| op(n, OP, 10, happy_bodies()[0].clone());
    applied(&mut s, call(3));
    applied(&mut s, op(4, OP, 20, OpBody::Recall(tref("A", 1))));
    applied(&mut s, op(5, OP, 30, OpBody::NoShow(tref("A", 1))));
    // Back in the queue, still before A-002 (it is older).
    assert_eq!(s.next_to_call(day()).unwrap().number, no("A", 1));
    applied(&mut s, call(6));
    applied(&mut s, op(7, OP, 40, OpBody::Requeue(tref("A", 1))));
    applied(&mut s, call(8));
    applied(&mut s, op(9, OP, 50, OpBody::NoShow(tref("A", 1))));
    applied(&mut s, call(10));
    applied(&mut s, op(11, OP, 60, OpBody::NoShow(tref("A", 1))));
    let t = s.ticket(day(), &no("A", 1)).unwrap();
    assert_eq!(t.stage, Stage::Left, "the third no-show leaves the queue");
    assert_eq!(s.next_to_call(day()).unwrap().number, no("A", 2));
    let code = t.check.to_string();
    let left = s.public_status(day(), &no("A", 1), &code).unwrap();
    assert_eq!(left.stage, PublicStage::Left);
    assert_eq!(left.bring, None, "a number that left has nothing to bring");
}

#[test]
fn printing_uses_stock_and_stops_at_zero_with_a_suket_instead() {
    let mut s = staffed();
    applied(&mut s, stock(1, 1));
    for serial in 1..=2u16 {
        let n = u32::from(serial) * 100;
        applied(&mut s, issue(n, OP, "A", serial, false, 0));
        // Up to "verified": both wait to be printed.
        let bodies = bodies_for(tref("A", serial)).into_iter().take(4);
        for (i, b) in bodies.into_iter().enumerate() {
            applied(&mut s, op(n + 1 + i as u32, OP, 10, b));
        }
    }
    let spoil = |n, serial| {
        op(
            n,
            OP,
            20,
            OpBody::SpoilCard(SpoilCard {
                ticket: tref("A", serial),
                reason: SpoilReason::Ribbon,
                note: String::new(),
            }),
        )
    };
    applied(&mut s, spoil(500, 1));
    assert_eq!(s.stock().on_hand(), 0);
    assert_eq!(
        conflict(&mut s, op(501, OP, 30, OpBody::PrintCard(tref("A", 1)))),
        ConflictReason::NoBlankCards
    );
    assert_eq!(
        conflict(&mut s, spoil(502, 2)),
        ConflictReason::NoBlankCards
    );
    applied(&mut s, op(503, OP, 40, OpBody::IssueSuket(tref("A", 1))));
    applied(&mut s, stock(504, 3));
    applied(&mut s, op(505, OP, 50, OpBody::PrintCard(tref("A", 2))));
    let st = s.stock();
    assert_eq!(
        (st.received(), st.used(), st.spoiled(), st.on_hand()),
        (4, 1, 1, 2)
    );
    let kinds: Vec<&str> = s
        .stock_log()
        .iter()
        .map(|m| match m.what {
            StockMove::Received { .. } => "received",
            StockMove::Used { .. } => "used",
            StockMove::Spoiled { .. } => "spoiled",
            StockMove::Suket { .. } => "suket",
        })
        .collect();
    assert_eq!(kinds, ["received", "spoiled", "suket", "received", "used"]);
    assert!(matches!(
        s.ticket(day(), &no("A", 1)).unwrap().stage,
        Stage::Printed { suket: true }
    ));
}

#[test]
fn unknown_actors_and_wrong_roles_are_refused() {
    let mut s = staffed();
    let stranger = by(1, OP, "nobody", 0, happy_bodies()[0].clone());
    assert!(matches!(
        conflict(&mut s, stranger),
        ConflictReason::UnknownActor { .. }
    ));
    // The admin administers but does not call tickets.
    applied(&mut s, issue(2, OP, "A", 1, false, 0));
    let admin_calls = by(3, ADMIN.0, ADMIN.1, 10, happy_bodies()[0].clone());
    assert!(matches!(
        conflict(&mut s, admin_calls),
        ConflictReason::NotAllowed {
            role: Role::Admin,
            ..
        }
    ));
    // A disabled account can no longer act.
    let mut gone = account("staff-dev-a", Role::Operator);
    gone.active = false;
    applied(&mut s, by(4, ADMIN.0, ADMIN.1, 10, OpBody::SaveStaff(gone)));
    assert!(matches!(
        conflict(&mut s, op(5, OP, 20, happy_bodies()[0].clone())),
        ConflictReason::NotAllowed { .. }
    ));
    assert!(!s.may(
        &crate::ids::StaffId::new("staff-dev-a").unwrap(),
        Action::CallTicket
    ));
}

#[test]
fn the_first_account_is_an_admin_and_the_last_admin_stays() {
    let mut s = OfficeState::default();
    // The first account must be an admin making themselves.
    let op_first = by(
        1,
        "dev-x",
        "op-1",
        0,
        OpBody::SaveStaff(account("op-1", Role::Operator)),
    );
    assert!(matches!(
        conflict(&mut s, op_first),
        ConflictReason::UnknownActor { .. }
    ));
    applied(
        &mut s,
        by(
            2,
            "dev-x",
            "boss",
            0,
            OpBody::SaveStaff(account("boss", Role::Admin)),
        ),
    );
    // A second self-made admin is a stranger now.
    assert!(matches!(
        conflict(
            &mut s,
            by(
                3,
                "dev-y",
                "rival",
                0,
                OpBody::SaveStaff(account("rival", Role::Admin))
            )
        ),
        ConflictReason::UnknownActor { .. }
    ));
    let mut demoted = account("boss", Role::Operator);
    demoted.name = "Boss".into();
    assert_eq!(
        conflict(
            &mut s,
            by(4, "dev-x", "boss", 0, OpBody::SaveStaff(demoted))
        ),
        ConflictReason::LastAdmin
    );
    assert_eq!(s.staff().count(), 1);
}

#[test]
fn counters_catalogue_and_standards_are_data() {
    let mut s = staffed();
    applied(&mut s, issue(1, OP, "A", 1, false, 0));
    let call5 = OpBody::CallTicket(CallTicket {
        number: no("A", 1),
        day: day(),
        counter: CounterNo::new(5).unwrap(),
    });
    assert!(matches!(
        conflict(&mut s, op(2, OP, 10, call5.clone())),
        ConflictReason::UnknownCounter { .. }
    ));
    applied(
        &mut s,
        by(
            3,
            ADMIN.0,
            ADMIN.1,
            10,
            OpBody::SetCounters(SetCounters { count: 6 }),
        ),
    );
    applied(&mut s, op(4, OP, 20, call5));

    let mut edited = Catalogue {
        version: 2,
        ..Catalogue::default()
    };
    edited.cases.pop();
    applied(
        &mut s,
        by(
            5,
            ADMIN.0,
            ADMIN.1,
            30,
            OpBody::SetCatalogue(edited.clone()),
        ),
    );
    assert_eq!(s.catalogue().version, 2);
    // An edit made from version 1 on another device, offline, loses.
    assert_eq!(
        conflict(
            &mut s,
            by(6, ADMIN.0, ADMIN.1, 30, OpBody::SetCatalogue(edited))
        ),
        ConflictReason::StaleCatalogue { current: 2 }
    );
    // The old ticket keeps the version it was issued under.
    assert_eq!(s.ticket(day(), &no("A", 1)).unwrap().catalogue, 1);
    applied(&mut s, issue(7, OP, "A", 2, false, 40));
    assert_eq!(s.ticket(day(), &no("A", 2)).unwrap().catalogue, 2);

    let mut times = s.standards().clone();
    times.set(Step::A4, 8).unwrap();
    applied(
        &mut s,
        by(8, ADMIN.0, ADMIN.1, 50, OpBody::SetStandards(times)),
    );
    assert_eq!(s.standards().of(Step::A4), chrono::Duration::minutes(8));
}

#[test]
fn a_ticket_is_checked_against_the_list_it_was_issued_under() {
    let mut s = staffed();
    applied(&mut s, issue(1, OP, "A", 1, false, 0));
    // Version 2 asks one more document for a new card.
    let mut edited = Catalogue {
        version: 2,
        ..Catalogue::default()
    };
    edited.cases[0].documents.push(crate::catalogue::Document {
        code: "pengantar_rt".into(),
        name_id: "Surat pengantar RT".into(),
        name_en: "Neighbourhood letter".into(),
        ..Default::default()
    });
    applied(
        &mut s,
        by(2, ADMIN.0, ADMIN.1, 5, OpBody::SetCatalogue(edited)),
    );
    let ticket = s.ticket(day(), &no("A", 1)).unwrap();
    assert_eq!(
        s.case_of(ticket).unwrap().documents,
        Catalogue::default().cases[0].documents
    );
    // A ticket a device issued offline under version 1, folded after version 2 arrived,
    // keeps version 1: the list its applicant was given.
    let mut offline = issue(20, OP, "A", 2, false, 6);
    if let OpBody::IssueTicket(b) = &mut offline.body {
        b.catalogue = Some(1);
    }
    applied(&mut s, offline);
    assert_eq!(s.ticket(day(), &no("A", 2)).unwrap().catalogue, 1);
    // A version the office never had is not taken on trust.
    let mut unknown = issue(21, OP, "A", 3, false, 7);
    if let OpBody::IssueTicket(b) = &mut unknown.body {
        b.catalogue = Some(9);
    }
    applied(&mut s, unknown);
    assert_eq!(s.ticket(day(), &no("A", 3)).unwrap().catalogue, 2);
    for (n, body) in happy_bodies().into_iter().take(3).enumerate() {
        applied(&mut s, op(3 + n as u32, OP, 10, body));
    }
    // Checked as version 2 would have it, the file does not match the ticket's list.
    let mut as_v2 = verification(true, Siak::Matches);
    as_v2.catalogue = 2;
    as_v2.documents.push(DocCheck {
        code: "pengantar_rt".into(),
        state: DocState::Valid,
    });
    let verify = |v| {
        OpBody::VerifyDocuments(Verify {
            ticket: tref("A", 1),
            verification: v,
        })
    };
    assert!(matches!(
        conflict(&mut s, op(10, OP, 20, verify(as_v2))),
        ConflictReason::NotConforming { .. }
    ));
    // Version 1's documents are what A-001 needs.
    applied(
        &mut s,
        op(11, OP, 30, verify(verification(true, Siak::Matches))),
    );
    assert_eq!(
        s.ticket(day(), &no("A", 1)).unwrap().stage,
        Stage::ReadyToPrint
    );
}

#[test]
fn malformed_bodies_are_refused_before_the_fold() {
    let stock = |count: u32, note: &str| {
        OpBody::ReceiveStock(ReceiveStock {
            count,
            delivery_note: note.into(),
        })
    };
    let malformed = [
        OpBody::HandOver(HandOver {
            ticket: tref("A", 1),
            signature: Signature {
                strokes: vec![vec![[1, 1]]],
            },
            old_card_returned: false,
        }),
        stock(0, "SJ-1"),
        stock(10, " "),
        OpBody::SetCounters(SetCounters { count: 0 }),
        OpBody::Escalate(Escalate {
            ticket: tref("A", 1),
            verification: verification(true, Siak::NotVerified),
            reason: "  ".into(),
        }),
        OpBody::KasiReturn(KasiReturn {
            ticket: tref("A", 1),
            reason: ReturnReason::Other,
            explanation: String::new(),
        }),
    ];
    for (n, body) in (1..).zip(malformed) {
        let o = by(n, ADMIN.0, ADMIN.1, 0, body);
        assert!(
            matches!(o.validate(), Err(OpError::Body { .. })),
            "{}",
            o.kind()
        );
    }
    for body in happy_bodies() {
        assert_eq!(op(9, OP, 0, body).validate(), Ok(()));
    }
}

/// Any tap by any of the office's people on any of a few tickets: `(guided, kind, serial,
/// who)`. A guided tap is the step the ticket's stage invites (so long paths are reached),
/// the rest are anything at all.
fn any_op() -> impl Strategy<Value = (bool, u8, u16, u8)> {
    (prop::bool::weighted(0.7), 0u8..14, 1u16..4, 0u8..4)
}

/// The kind and actor a person following the SOP would use next for ticket `serial`.
fn guide(s: &OfficeState, kind: u8, serial: u16, who: u8) -> (u8, u8) {
    let operator = who % 2;
    let Some(t) = s.ticket(day(), &no("A", serial)) else {
        return (0, operator);
    };
    match t.stage {
        Stage::Waiting { .. } => (1, operator),
        Stage::Called { .. } => ([4, 4, 2, 3][usize::from(kind % 4)], operator),
        Stage::Arrived { .. } => (5, operator),
        Stage::Verifying { .. } => (if kind.is_multiple_of(3) { 7 } else { 6 }, operator),
        Stage::Escalated { .. } => (if kind.is_multiple_of(3) { 9 } else { 8 }, 2),
        Stage::ReadyToPrint if s.stock().on_hand() == 0 => (12, 3),
        Stage::ReadyToPrint => (if kind.is_multiple_of(4) { 11 } else { 10 }, operator),
        Stage::Printed { .. } => (13, operator),
        _ => (kind, who),
    }
}

fn make(n: u32, kind: u8, serial: u16, who: u8) -> Op {
    let t = tref("A", serial);
    let (device, actor) = match who {
        0 => (OP, "staff-dev-a"),
        1 => ("dev-b", "staff-dev-b"),
        2 => KASI,
        _ => ADMIN,
    };
    let body = match kind {
        0 => OpBody::IssueTicket(IssueTicket {
            number: t.number,
            day: t.day,
            case: CaseCode::new("baru").unwrap(),
            priority: serial == 2,
            catalogue: None,
        }),
        1 => happy_bodies()[0].clone(),
        2 => OpBody::NoShow(t),
        3 => OpBody::Requeue(t),
        4 => OpBody::Arrive(t),
        5 => OpBody::ReceiveDocuments(t),
        6 => OpBody::VerifyDocuments(Verify {
            ticket: t,
            verification: verification(serial != 3, Siak::Matches),
        }),
        7 => OpBody::Escalate(Escalate {
            ticket: t,
            verification: verification(false, Siak::NotVerified),
            reason: "r".into(),
        }),
        8 => OpBody::KasiApprove(KasiApprove {
            ticket: t,
            note: String::new(),
        }),
        9 => OpBody::KasiReturn(KasiReturn {
            ticket: t,
            reason: ReturnReason::Other,
            explanation: "x".into(),
        }),
        10 => OpBody::PrintCard(t),
        11 => OpBody::SpoilCard(SpoilCard {
            ticket: t,
            reason: SpoilReason::Misprint,
            note: String::new(),
        }),
        12 => OpBody::ReceiveStock(ReceiveStock {
            count: 2,
            delivery_note: "SJ".into(),
        }),
        _ => OpBody::HandOver(HandOver {
            ticket: t,
            signature: signature(),
            old_card_returned: false,
        }),
    };
    let mut o = by(n, device, actor, i64::from(n), body);
    // Calls go to a counter that exists.
    if let OpBody::CallTicket(c) = &mut o.body {
        c.number = no("A", serial);
    }
    o
}

proptest! {
    /// Whatever anyone taps, in any order: every ticket stands at a stage of the SOP that its
    /// recorded steps explain, printed cards never outnumber the blank cards received, the
    /// ledger's sums match, only the Kasi's ops ever decide, and `check` foretells `apply`.
    #[test]
    fn no_sequence_of_ops_reaches_an_invalid_state(
        ops in prop::collection::vec(any_op(), 0..120),
    ) {
        let mut s = staffed();
        for (i, (guided, kind, serial, who)) in ops.into_iter().enumerate() {
            let (kind, who) = if guided { guide(&s, kind, serial, who) } else { (kind, who) };
            let o = make(i as u32 + 1, kind, serial, who);
            // A device's dry run says exactly what the fold will do.
            let checked = s.check(&o);
            let outcome = s.apply(&o);
            match (checked, outcome) {
                (Ok(()), Outcome::Applied) => {}
                (Err(a), Outcome::Conflict { reason: b }) => prop_assert_eq!(a, b),
                (c, o) => prop_assert!(false, "check said {:?}, apply did {:?}", c, o),
            }
        }
        let st = s.stock();
        prop_assert_eq!(st.on_hand() + st.used() + st.spoiled(), st.received());
        let log = |f: fn(&StockMove) -> bool| s.stock_log().iter().filter(|m| f(&m.what)).count() as u32;
        prop_assert_eq!(log(|m| matches!(m, StockMove::Used { .. })), st.used());
        prop_assert_eq!(log(|m| matches!(m, StockMove::Spoiled { .. })), st.spoiled());
        for t in s.tickets() {
            match &t.stage {
                Stage::HandedOver => {
                    prop_assert!(t.handover.is_some() && t.printed.is_some());
                }
                Stage::Printed { suket } => {
                    prop_assert_eq!(t.printed.as_ref().map(|p| p.what.suket), Some(*suket));
                }
                Stage::Returned { .. } => {
                    let d = t.decision.as_ref().expect("returned without a decision");
                    prop_assert_eq!(d.by.as_str(), KASI.1);
                }
                _ => {}
            }
            if let Some(d) = &t.decision {
                prop_assert_eq!(d.by.as_str(), KASI.1);
                prop_assert!(t.escalation.is_some());
            }
            if t.printed.is_some() {
                let cleared = t.verification.is_some() && (t.decision.is_some()
                    || t.escalation.is_none());
                prop_assert!(cleared, "{} printed unchecked", t.number);
            }
            // Exactly one step runs while the visit is open, none once it is over.
            let open = t.steps.iter().filter(|sp| sp.end.is_none()).count();
            prop_assert_eq!(open, usize::from(!t.stage.is_final()));
        }
    }
}

/// The guided sequences do reach the ends of the flow, so the property above is not vacuous.
#[test]
fn guided_sequences_reach_every_end() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..200 {
        let ops = prop::collection::vec(any_op(), 120)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let mut s = staffed();
        for (i, (guided, kind, serial, who)) in ops.into_iter().enumerate() {
            let (kind, who) = if guided {
                guide(&s, kind, serial, who)
            } else {
                (kind, who)
            };
            s.apply(&make(i as u32 + 1, kind, serial, who));
        }
        for t in s.tickets() {
            seen.insert(t.stage.name());
        }
    }
    for end in ["handed_over", "returned", "left"] {
        assert!(seen.contains(end), "never reached {end}: {seen:?}");
    }
}
