//! The fold: an office's state is its ops applied in order. `apply` never fails; an op
//! that is no longer valid when it is ordered is kept as a [`Conflict`] with its reason.

use crate::ids::{CounterNo, DeviceId, DeviceLetter, OpId, StaffId};
use crate::op::{CallTicket, IssueTicket, Op, OpBody};
use crate::ticket::{CheckCode, PublicStage, PublicStatus, Ticket, TicketNo, TicketStatus};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What applying an op did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The op changed the state as its maker intended.
    Applied,
    /// The op was kept but changed nothing, for this reason.
    Conflict {
        /// Why it could not take effect.
        reason: ConflictReason,
    },
}

/// Why an op could not take effect when it was ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictReason {
    /// Another ticket already has this number on this day.
    DuplicateNumber {
        /// The number issued twice.
        number: TicketNo,
    },
    /// No ticket has this number on this day.
    UnknownTicket {
        /// The number called.
        number: TicketNo,
    },
    /// The ticket was already called, by someone else or earlier.
    AlreadyCalled {
        /// The ticket.
        number: TicketNo,
        /// The counter it was called to first.
        counter: CounterNo,
        /// Who called it first.
        by: StaffId,
    },
}

/// A kept op that could not take effect, shown to the staff who made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The op.
    pub op: OpId,
    /// Who made it.
    pub actor: StaffId,
    /// On which device.
    pub device: DeviceId,
    /// Why it changed nothing.
    pub reason: ConflictReason,
}

/// Everything known about one office, folded from its ops.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeState {
    #[serde(with = "tickets_as_list")]
    tickets: BTreeMap<(NaiveDate, TicketNo), Ticket>,
    conflicts: Vec<Conflict>,
    applied: u64,
}

impl OfficeState {
    /// The state after `ops`, in order.
    pub fn fold<'a>(ops: impl IntoIterator<Item = &'a Op>) -> Self {
        let mut state = Self::default();
        for op in ops {
            state.apply(op);
        }
        state
    }

    /// Applies one op. Never fails: an op that cannot take effect is recorded as a conflict.
    pub fn apply(&mut self, op: &Op) -> Outcome {
        self.applied += 1;
        let result = match &op.body {
            OpBody::IssueTicket(body) => self.issue(op, body),
            OpBody::CallTicket(body) => self.call(op, body),
        };
        match result {
            Ok(()) => Outcome::Applied,
            Err(reason) => {
                self.conflicts.push(Conflict {
                    op: op.id,
                    actor: op.actor.clone(),
                    device: op.device.clone(),
                    reason: reason.clone(),
                });
                Outcome::Conflict { reason }
            }
        }
    }

    fn issue(&mut self, op: &Op, body: &IssueTicket) -> Result<(), ConflictReason> {
        let key = (body.day, body.number.clone());
        if self.tickets.contains_key(&key) {
            return Err(ConflictReason::DuplicateNumber {
                number: body.number.clone(),
            });
        }
        let ticket = Ticket {
            number: body.number.clone(),
            day: body.day,
            case: body.case.clone(),
            priority: body.priority,
            issued_at: op.at,
            device: op.device.clone(),
            op: op.id,
            check: CheckCode::from_op(op.id),
            status: TicketStatus::Waiting,
        };
        self.tickets.insert(key, ticket);
        Ok(())
    }

    fn call(&mut self, op: &Op, body: &CallTicket) -> Result<(), ConflictReason> {
        let Some(ticket) = self.tickets.get_mut(&(body.day, body.number.clone())) else {
            return Err(ConflictReason::UnknownTicket {
                number: body.number.clone(),
            });
        };
        match &ticket.status {
            TicketStatus::Waiting => {
                ticket.status = TicketStatus::Called {
                    counter: body.counter,
                    by: op.actor.clone(),
                    at: op.at,
                };
                Ok(())
            }
            TicketStatus::Called { counter, by, .. } => Err(ConflictReason::AlreadyCalled {
                number: body.number.clone(),
                counter: *counter,
                by: by.clone(),
            }),
        }
    }

    /// One ticket by day and number.
    pub fn ticket(&self, day: NaiveDate, number: &TicketNo) -> Option<&Ticket> {
        self.tickets.get(&(day, number.clone()))
    }

    /// Every ticket of a day, by number.
    pub fn tickets_on(&self, day: NaiveDate) -> impl Iterator<Item = &Ticket> {
        self.tickets.values().filter(move |t| t.day == day)
    }

    /// Every ticket of every day.
    pub fn tickets(&self) -> impl Iterator<Item = &Ticket> {
        self.tickets.values()
    }

    /// The day's waiting tickets in the order they will be called.
    pub fn waiting(&self, day: NaiveDate) -> Vec<&Ticket> {
        let mut waiting: Vec<&Ticket> = self
            .tickets_on(day)
            .filter(|t| t.status == TicketStatus::Waiting)
            .collect();
        waiting.sort_by(|a, b| a.queue_key().cmp(&b.queue_key()));
        waiting
    }

    /// The ticket "call next" calls: priority first, then the oldest.
    pub fn next_to_call(&self, day: NaiveDate) -> Option<&Ticket> {
        self.tickets_on(day)
            .filter(|t| t.status == TicketStatus::Waiting)
            .min_by(|a, b| a.queue_key().cmp(&b.queue_key()))
    }

    /// What the public may know of a ticket, if `check` is its check code. A wrong code
    /// and an unknown number both give `None`, so a lookup reveals nothing to a guesser.
    pub fn public_status(
        &self,
        day: NaiveDate,
        number: &TicketNo,
        check: &str,
    ) -> Option<PublicStatus> {
        let ticket = self
            .ticket(day, number)
            .filter(|t| t.check.matches(check))?;
        let stage = match &ticket.status {
            TicketStatus::Waiting => {
                let key = ticket.queue_key();
                let ahead = self
                    .tickets_on(day)
                    .filter(|t| t.status == TicketStatus::Waiting && t.queue_key() < key)
                    .count();
                PublicStage::Waiting { ahead }
            }
            TicketStatus::Called { counter, .. } => PublicStage::Called { counter: *counter },
        };
        Some(PublicStatus {
            number: number.to_string(),
            day,
            stage,
        })
    }

    /// The serial a device issues next on a day, or `None` when its serials are used up.
    pub fn next_serial(&self, day: NaiveDate, letter: &DeviceLetter) -> Option<u16> {
        let last = self
            .tickets_on(day)
            .filter(|t| &t.number.letter == letter)
            .map(|t| t.number.serial)
            .max()
            .unwrap_or(0);
        last.checked_add(1)
    }

    /// The conflicts so far, oldest first.
    pub fn conflicts(&self) -> &[Conflict] {
        &self.conflicts
    }

    /// The conflicts of ops made on `device`: what its staff must be shown.
    pub fn conflicts_of<'a>(&'a self, device: &'a DeviceId) -> impl Iterator<Item = &'a Conflict> {
        self.conflicts.iter().filter(move |c| &c.device == device)
    }

    /// How many ops were applied (including conflicts).
    pub fn applied(&self) -> u64 {
        self.applied
    }
}

/// JSON maps need string keys; the ticket map is stored as the list of its values.
mod tickets_as_list {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<(NaiveDate, TicketNo), Ticket>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<(NaiveDate, TicketNo), Ticket>, D::Error> {
        let list = Vec::<Ticket>::deserialize(d)?;
        Ok(list
            .into_iter()
            .map(|t| ((t.day, t.number.clone()), t))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;

    #[test]
    fn issue_then_call() {
        let mut s = OfficeState::default();
        assert_eq!(
            s.apply(&issue(1, "dev-a", "A", 1, false, 0)),
            Outcome::Applied
        );
        assert_eq!(s.waiting(day()).len(), 1);
        assert_eq!(s.apply(&call(2, "dev-a", "A", 1, 1)), Outcome::Applied);
        assert!(s.waiting(day()).is_empty());
        let t = s.ticket(day(), &no("A", 1)).unwrap();
        assert!(matches!(t.status, TicketStatus::Called { counter, .. } if counter.get() == 1));
    }

    #[test]
    fn calling_twice_is_a_conflict_not_a_panic() {
        let mut s = OfficeState::default();
        s.apply(&issue(1, "dev-a", "A", 1, false, 0));
        s.apply(&call(2, "dev-a", "A", 1, 1));
        let second = s.apply(&call(3, "dev-b", "A", 1, 2));
        assert!(matches!(
            second,
            Outcome::Conflict { reason: ConflictReason::AlreadyCalled { counter, .. } } if counter.get() == 1
        ));
        assert_eq!(s.conflicts().len(), 1);
        assert_eq!(s.conflicts()[0].device.as_str(), "dev-b");
        let (a, b) = (
            DeviceId::new("dev-a").unwrap(),
            DeviceId::new("dev-b").unwrap(),
        );
        assert_eq!(s.conflicts_of(&a).count(), 0);
        assert_eq!(s.conflicts_of(&b).count(), 1);
        let t = s.ticket(day(), &no("A", 1)).unwrap();
        assert!(matches!(t.status, TicketStatus::Called { counter, .. } if counter.get() == 1));
    }

    #[test]
    fn unknown_and_duplicate_tickets_are_conflicts() {
        let mut s = OfficeState::default();
        assert!(matches!(
            s.apply(&call(1, "dev-a", "A", 9, 1)),
            Outcome::Conflict {
                reason: ConflictReason::UnknownTicket { .. }
            }
        ));
        s.apply(&issue(2, "dev-a", "A", 1, false, 0));
        assert!(matches!(
            s.apply(&issue(3, "dev-a", "A", 1, true, 5)),
            Outcome::Conflict {
                reason: ConflictReason::DuplicateNumber { .. }
            }
        ));
        assert_eq!(s.tickets().count(), 1);
        assert_eq!(s.applied(), 3);
    }

    #[test]
    fn priority_first_then_oldest() {
        let mut s = OfficeState::default();
        s.apply(&issue(1, "dev-a", "A", 1, false, 0));
        s.apply(&issue(2, "dev-b", "B", 1, false, 10));
        s.apply(&issue(3, "dev-a", "A", 2, true, 20));
        let order: Vec<String> = s
            .waiting(day())
            .iter()
            .map(|t| t.number.to_string())
            .collect();
        assert_eq!(order, ["A-002", "A-001", "B-001"]);
        assert_eq!(s.next_to_call(day()).unwrap().number.to_string(), "A-002");
    }

    #[test]
    fn serials_count_per_device_and_day() {
        let mut s = OfficeState::default();
        let a = DeviceLetter::new("A").unwrap();
        assert_eq!(s.next_serial(day(), &a), Some(1));
        s.apply(&issue(1, "dev-a", "A", 1, false, 0));
        s.apply(&issue(2, "dev-b", "B", 7, false, 0));
        assert_eq!(s.next_serial(day(), &a), Some(2));
        let tomorrow = day().succ_opt().unwrap();
        assert_eq!(s.next_serial(tomorrow, &a), Some(1));
    }

    #[test]
    fn the_public_sees_only_where_a_ticket_stands() {
        let mut s = OfficeState::default();
        s.apply(&issue(1, "dev-a", "A", 1, false, 0));
        s.apply(&issue(2, "dev-a", "A", 2, false, 10));
        s.apply(&issue(3, "dev-b", "B", 1, true, 20));
        let code = |s: &OfficeState, n: &TicketNo| s.ticket(day(), n).unwrap().check.to_string();
        let (a2, b1) = (no("A", 2), no("B", 1));
        let (a2_code, b1_code) = (code(&s, &a2), code(&s, &b1));
        let status = s
            .public_status(day(), &a2, &a2_code.to_lowercase())
            .unwrap();
        // B-001 is in the priority lane and A-001 is older: two ahead.
        assert_eq!(status.stage, PublicStage::Waiting { ahead: 2 });
        assert_eq!(status.number, "A-002");
        assert_eq!(s.public_status(day(), &a2, "ZZZZ"), None);
        assert_eq!(s.public_status(day(), &no("A", 9), &a2_code), None);
        s.apply(&call(4, "dev-a", "B", 1, 3));
        let called = s.public_status(day(), &b1, &b1_code).unwrap();
        assert!(matches!(called.stage, PublicStage::Called { counter } if counter.get() == 3));
        assert_eq!(
            s.public_status(day(), &a2, &a2_code).unwrap().stage,
            PublicStage::Waiting { ahead: 1 }
        );
    }

    #[test]
    fn state_survives_json() {
        let mut s = OfficeState::default();
        s.apply(&issue(1, "dev-a", "A", 1, false, 0));
        s.apply(&call(2, "dev-a", "A", 1, 3));
        s.apply(&call(3, "dev-b", "A", 1, 4));
        let json = serde_json::to_string(&s).unwrap();
        let back: OfficeState = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }
}
