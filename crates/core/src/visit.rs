//! A walk-in visit (SOP flow A) as a state machine: where a ticket stands from the number
//! to the handover, and which step may follow which. The fold applies every ticket op through
//! [`Stage::apply`], keeping a refused step as a conflict.
//!
//! ```text
//! Waiting ─Call─▶ Called ─Arrive─▶ Arrived ─ReceiveDocuments─▶ Verifying ─Verified─▶ ReadyToPrint ─Print─▶ Printed ─HandOver─▶ HandedOver
//!    ▲ ◀─NoShow/Requeue─┘                                          └─Escalate─▶ Escalated ─Approve─┘
//!    │ (NoShow a third time: Left)                                                  └─Return─▶ Returned
//! ```

use crate::ids::CounterNo;
use crate::roles::Action;
use crate::standards::Step;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// How many times a ticket may be called without the applicant coming before it leaves
/// the queue.
pub const MAX_MISSED: u8 = 3;

/// Where a visit stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// A1 done: waiting to be called; `missed` counts the calls nobody answered.
    Waiting { missed: u8 },
    /// A2: called to a counter, the applicant not there yet.
    Called { counter: CounterNo, missed: u8 },
    /// A3: the applicant came to the counter and hands over the documents.
    Arrived { counter: CounterNo },
    /// A4: the operator checks the documents and SIAK.
    Verifying { counter: CounterNo },
    /// A4: the file went to the Kasi Pelum with a reason.
    Escalated { reason: String },
    /// Verified (A4) or approved (A5): in the print queue.
    ReadyToPrint,
    /// Printed on a blank card, or given a temporary certificate (Suket) when none was left.
    Printed { suket: bool },
    /// A6 done: handed over against a signature.
    HandedOver,
    /// A5: returned to the applicant with an explanation.
    Returned { reason: String },
    /// Missed [`MAX_MISSED`] calls: left the queue.
    Left,
}

/// Something done to a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Call a waiting ticket (the next, or a given number) to a counter.
    Call { counter: CounterNo },
    /// Call the same ticket again.
    Recall,
    /// Nobody came: back to waiting, or out after [`MAX_MISSED`].
    NoShow,
    /// Put a called ticket back in the queue without counting a miss.
    Requeue,
    /// The applicant came to the counter.
    Arrive,
    /// The operator has the documents and starts checking them.
    ReceiveDocuments,
    /// Documents and SIAK conform: ready to print.
    Verified,
    /// Does not conform, or not verified in SIAK: to the Kasi.
    Escalate { reason: String },
    /// The Kasi approves for printing.
    Approve,
    /// The Kasi returns the file with an explanation.
    Return { reason: String },
    /// The card is printed (or a Suket given).
    Print { suket: bool },
    /// The applicant signs and takes the card.
    HandOver,
}

/// A step that cannot follow where the visit stands.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{event} is not possible while the ticket is {stage}")]
pub struct Refused {
    /// Where the visit stood.
    pub stage: &'static str,
    /// What was tried.
    pub event: &'static str,
}

impl Stage {
    /// A new ticket.
    pub const ISSUED: Stage = Stage::Waiting { missed: 0 };

    /// The stage after `event`, or why it cannot happen now.
    pub fn apply(&self, event: &Event) -> Result<Stage, Refused> {
        use Event as E;
        use Stage as S;
        let next = match (self, event) {
            (S::Waiting { missed }, E::Call { counter }) => S::Called {
                counter: *counter,
                missed: *missed,
            },
            (S::Called { counter, missed }, E::Recall) => S::Called {
                counter: *counter,
                missed: *missed,
            },
            (S::Called { missed, .. }, E::NoShow) if missed + 1 >= MAX_MISSED => S::Left,
            (S::Called { missed, .. }, E::NoShow) => S::Waiting { missed: missed + 1 },
            (S::Called { missed, .. }, E::Requeue) => S::Waiting { missed: *missed },
            (S::Called { counter, .. }, E::Arrive) => S::Arrived { counter: *counter },
            (S::Arrived { counter }, E::ReceiveDocuments) => S::Verifying { counter: *counter },
            (S::Verifying { .. }, E::Verified) => S::ReadyToPrint,
            (S::Verifying { .. }, E::Escalate { reason }) => S::Escalated {
                reason: reason.clone(),
            },
            (S::Escalated { .. }, E::Approve) => S::ReadyToPrint,
            (S::Escalated { .. }, E::Return { reason }) => S::Returned {
                reason: reason.clone(),
            },
            (S::ReadyToPrint, E::Print { suket }) => S::Printed { suket: *suket },
            (S::Printed { .. }, E::HandOver) => S::HandedOver,
            _ => {
                return Err(Refused {
                    stage: self.name(),
                    event: event.name(),
                });
            }
        };
        Ok(next)
    }

    /// Whether the visit is over: handed over, returned, or left.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Stage::HandedOver | Stage::Returned { .. } | Stage::Left
        )
    }

    /// The SOP step running while the visit is at this stage; `None` once it is over.
    pub fn step(&self) -> Option<Step> {
        match self {
            Stage::Waiting { .. } => Some(Step::A1),
            Stage::Called { .. } => Some(Step::A2),
            Stage::Arrived { .. } => Some(Step::A3),
            Stage::Verifying { .. } => Some(Step::A4),
            Stage::Escalated { .. } | Stage::ReadyToPrint => Some(Step::A5),
            Stage::Printed { .. } => Some(Step::A6),
            Stage::HandedOver | Stage::Returned { .. } | Stage::Left => None,
        }
    }

    /// The counter the ticket is at, while it is called or being served.
    pub fn counter(&self) -> Option<CounterNo> {
        match self {
            Stage::Called { counter, .. }
            | Stage::Arrived { counter }
            | Stage::Verifying { counter } => Some(*counter),
            _ => None,
        }
    }

    /// The stage's name, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Stage::Waiting { .. } => "waiting",
            Stage::Called { .. } => "called",
            Stage::Arrived { .. } => "arrived",
            Stage::Verifying { .. } => "verifying",
            Stage::Escalated { .. } => "escalated",
            Stage::ReadyToPrint => "ready_to_print",
            Stage::Printed { .. } => "printed",
            Stage::HandedOver => "handed_over",
            Stage::Returned { .. } => "returned",
            Stage::Left => "left",
        }
    }
}

impl Event {
    /// The event's name, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Call { .. } => "call",
            Event::Recall => "recall",
            Event::NoShow => "no_show",
            Event::Requeue => "requeue",
            Event::Arrive => "arrive",
            Event::ReceiveDocuments => "receive_documents",
            Event::Verified => "verified",
            Event::Escalate { .. } => "escalate",
            Event::Approve => "approve",
            Event::Return { .. } => "return",
            Event::Print { .. } => "print",
            Event::HandOver => "hand_over",
        }
    }

    /// What the actor must be allowed to do ([`crate::roles::Role::may`]).
    pub fn action(&self) -> Action {
        match self {
            Event::Call { .. } | Event::Recall | Event::NoShow | Event::Requeue => {
                Action::CallTicket
            }
            Event::Arrive | Event::ReceiveDocuments | Event::Verified => Action::Verify,
            Event::Escalate { .. } => Action::Escalate,
            Event::Approve | Event::Return { .. } => Action::Decide,
            Event::Print { .. } => Action::Print,
            Event::HandOver => Action::HandOver,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles::Role;
    use proptest::prelude::*;

    fn counter() -> CounterNo {
        CounterNo::new(1).unwrap()
    }

    fn run(events: &[Event]) -> Result<Stage, Refused> {
        events
            .iter()
            .try_fold(Stage::ISSUED, |stage, e| stage.apply(e))
    }

    #[test]
    fn the_happy_path_ends_handed_over() {
        let path = [
            Event::Call { counter: counter() },
            Event::Arrive,
            Event::ReceiveDocuments,
            Event::Verified,
            Event::Print { suket: false },
            Event::HandOver,
        ];
        assert_eq!(run(&path), Ok(Stage::HandedOver));
    }

    #[test]
    fn the_kasi_approves_or_returns_an_escalated_file() {
        let escalated = [
            Event::Call { counter: counter() },
            Event::Arrive,
            Event::ReceiveDocuments,
            Event::Escalate {
                reason: "not verified in SIAK".into(),
            },
        ];
        let mut approved = escalated.to_vec();
        approved.extend([
            Event::Approve,
            Event::Print { suket: true },
            Event::HandOver,
        ]);
        assert_eq!(run(&approved), Ok(Stage::HandedOver));
        let mut returned = escalated.to_vec();
        returned.push(Event::Return {
            reason: "KK does not match".into(),
        });
        assert_eq!(
            run(&returned),
            Ok(Stage::Returned {
                reason: "KK does not match".into()
            })
        );
    }

    #[test]
    fn a_no_show_may_come_back_until_the_third_miss() {
        let call = Event::Call { counter: counter() };
        let once = [call.clone(), Event::NoShow];
        assert_eq!(run(&once), Ok(Stage::Waiting { missed: 1 }));
        let requeued = [call.clone(), Event::Requeue];
        assert_eq!(run(&requeued), Ok(Stage::Waiting { missed: 0 }));
        let thrice = [
            call.clone(),
            Event::NoShow,
            call.clone(),
            Event::NoShow,
            call,
            Event::NoShow,
        ];
        assert_eq!(run(&thrice), Ok(Stage::Left));
    }

    #[test]
    fn steps_out_of_order_are_refused_with_a_reason() {
        assert_eq!(
            run(&[Event::Print { suket: false }]),
            Err(Refused {
                stage: "waiting",
                event: "print"
            })
        );
        let skip = [
            Event::Call { counter: counter() },
            Event::Arrive,
            Event::ReceiveDocuments,
            Event::HandOver,
        ];
        assert_eq!(
            run(&skip),
            Err(Refused {
                stage: "verifying",
                event: "hand_over"
            })
        );
        let twice = [
            Event::Call { counter: counter() },
            Event::Call { counter: counter() },
        ];
        assert_eq!(
            run(&twice),
            Err(Refused {
                stage: "called",
                event: "call"
            })
        );
    }

    #[test]
    fn only_the_kasi_may_decide_and_only_an_operator_prints() {
        assert!(Role::Kasi.may(Event::Approve.action()));
        assert!(!Role::Operator.may(Event::Approve.action()));
        assert!(Role::Operator.may(Event::Print { suket: false }.action()));
        assert!(!Role::Kasi.may(Event::Print { suket: false }.action()));
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            (1u8..4).prop_map(|c| Event::Call {
                counter: CounterNo::new(c).unwrap()
            }),
            Just(Event::Recall),
            Just(Event::NoShow),
            Just(Event::Requeue),
            Just(Event::Arrive),
            Just(Event::ReceiveDocuments),
            Just(Event::Verified),
            Just(Event::Escalate { reason: "r".into() }),
            Just(Event::Approve),
            Just(Event::Return { reason: "r".into() }),
            any::<bool>().prop_map(|suket| Event::Print { suket }),
            Just(Event::HandOver),
        ]
    }

    proptest! {
        /// Whatever staff tap, in any order, a visit only ever moves along the SOP: a card
        /// is handed over only after a print, printed only after verification or the Kasi's
        /// approval, a finished visit takes no more steps, and misses never pass the limit.
        #[test]
        fn no_sequence_of_taps_leaves_the_sop(events in prop::collection::vec(event(), 0..60)) {
            let mut stage = Stage::ISSUED;
            let mut accepted: Vec<&'static str> = Vec::new();
            for e in &events {
                match stage.apply(e) {
                    Ok(next) => {
                        prop_assert!(!stage.is_final(), "{} accepted {}", stage.name(), e.name());
                        accepted.push(e.name());
                        stage = next;
                    }
                    Err(refused) => prop_assert_eq!(refused.stage, stage.name()),
                }
                if let Stage::Waiting { missed } | Stage::Called { missed, .. } = stage {
                    prop_assert!(missed < MAX_MISSED);
                }
            }
            let position = |name: &str| accepted.iter().rposition(|n| *n == name);
            if stage == Stage::HandedOver {
                let print = position("print").expect("handed over without a print");
                let cleared = position("verified").or(position("approve")).expect("printed unchecked");
                prop_assert!(cleared < print);
            }
            if let Stage::Returned { .. } = stage {
                prop_assert!(position("escalate").is_some(), "returned without the Kasi");
            }
        }

        /// Every open visit can still move on: no ticket gets stuck.
        #[test]
        fn every_open_visit_can_move_on(events in prop::collection::vec(event(), 0..40)) {
            let stage = events.iter().fold(Stage::ISSUED, |s, e| s.apply(e).unwrap_or(s));
            let all = [
                Event::Call { counter: counter() }, Event::NoShow, Event::Arrive, Event::ReceiveDocuments, Event::Verified,
                Event::Approve, Event::Print { suket: false }, Event::HandOver,
            ];
            let can_move = all.iter().any(|e| stage.apply(e).is_ok());
            prop_assert_eq!(can_move, !stage.is_final(), "{}", stage.name());
        }
    }
}
