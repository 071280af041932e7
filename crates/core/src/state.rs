//! The fold: an office's state is its ops applied in order. `apply` never fails; an op
//! that is no longer valid when it is ordered (a step out of turn, an actor whose role may
//! not make it, a print with no blank card) is kept as a [`Conflict`] with its reason.

use crate::catalogue::{Case, CaseCode, Catalogue};
use crate::ids::{CounterNo, DeviceId, DeviceLetter, OpId, StaffId};
use crate::op::{IssueTicket, Op, OpBody, OpError};
use crate::roles::{Action, Role};
use crate::staff::Staff;
use crate::standards::StandardTimes;
use crate::stock::Stock;
use crate::ticket::{
    CheckCode, Decision, Done, Handed, Printed, PublicDocument, PublicDocuments, PublicStage,
    PublicStatus, Spoiled, Ticket, TicketNo,
};
use crate::verification::{DocState, SpoilReason};
use crate::visit::{Event, Stage};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counters an office has until the admin says otherwise.
pub const DEFAULT_COUNTERS: u8 = 2;
/// At or below this many blank cards, staff are warned.
pub const LOW_STOCK: u32 = 20;
/// How many service days a finished visit stays in the live state after its day (for its
/// status lookup, a receipt's reprint, the Kasi's list of returned files). Older ones stay
/// in the log only, so the state a push is checked against holds today, the open visits
/// and the last week, not every ticket ever: a push costs the same on day 1 and day 1,000.
pub const LIVE_DAYS: u64 = 7;
/// The waiting tickets a counter lists, in calling order; the rest are counted. The next
/// few are what an operator looks at, and a day of thousands must not slow every tap.
pub const WAITING_SHOWN: usize = 50;

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
    /// The op does not prove that its actor made it on this device (no proof, a revoked
    /// or unknown credential, or a changed op): refused by the server, never folded.
    Unproven {
        /// What is wrong with the proof.
        problem: crate::credential::ProofProblem,
    },
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
    /// The step cannot follow where the ticket stands (e.g. a print before verification).
    WrongStage {
        /// The ticket.
        number: TicketNo,
        /// Where it stood.
        stage: String,
        /// What was tried.
        event: String,
    },
    /// The op's actor is not a member of staff of this office.
    UnknownActor {
        /// Who the op says made it.
        actor: StaffId,
    },
    /// The actor's role may not do this, or the account is disabled.
    NotAllowed {
        /// Who.
        actor: StaffId,
        /// Their role.
        role: Role,
        /// What they tried.
        action: Action,
    },
    /// "Ready to print" with a document missing or SIAK not matching: only the Kasi may
    /// clear such a file.
    NotConforming {
        /// The ticket.
        number: TicketNo,
    },
    /// No blank card left to print or spoil.
    NoBlankCards,
    /// A counter the office does not have.
    UnknownCounter {
        /// The counter named.
        counter: CounterNo,
    },
    /// A catalogue edit made from an older version than the one now in force.
    StaleCatalogue {
        /// The version in force.
        current: u32,
    },
    /// The change would leave the office without an active admin.
    LastAdmin,
    /// Refused before the fold: the server does not accept the op's content (a field out
    /// of range, a note too long), e.g. from an app newer or older than the server.
    Malformed {
        /// What is wrong, in English, for the log and developers.
        detail: String,
    },
    /// Refused before the fold: the device's clock said a time no clock should (before
    /// Loket existed, or more than a day ahead of the server).
    BadTime {
        /// The time the op carried.
        #[serde(with = "crate::wire::millis")]
        at: DateTime<Utc>,
    },
}

impl ConflictReason {
    /// Whether the server decided this before folding the op (the fold never reaches it,
    /// so a device takes the server's word for it instead of folding the op itself).
    /// An unproven op is one: folding it again (on a device, or on the server reading its
    /// log at start) would apply what nobody proved they made.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Self::Malformed { .. } | Self::BadTime { .. } | Self::Unproven { .. }
        )
    }
}

impl From<OpError> for ConflictReason {
    fn from(error: OpError) -> Self {
        match error {
            OpError::BadTime { at, .. } => Self::BadTime { at },
            other => Self::Malformed {
                detail: other.to_string(),
            },
        }
    }
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
    /// The op's kind.
    pub kind: String,
    /// Why it changed nothing.
    pub reason: ConflictReason,
}

/// A line of the blank-card ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockMove {
    /// A delivery.
    Received {
        /// Cards.
        count: u32,
        /// The delivery note's number.
        delivery_note: String,
    },
    /// A card printed for a ticket.
    Used {
        /// The ticket.
        number: TicketNo,
    },
    /// A card spoiled printing for a ticket.
    Spoiled {
        /// The ticket.
        number: TicketNo,
        /// Why.
        reason: SpoilReason,
    },
    /// No card: a temporary certificate instead (uses no card, recorded all the same).
    Suket {
        /// The ticket.
        number: TicketNo,
    },
}

/// Everything known about one office, folded from its ops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeState {
    #[serde(with = "tickets_as_list")]
    tickets: BTreeMap<(NaiveDate, TicketNo), Ticket>,
    staff: BTreeMap<StaffId, Staff>,
    counters: u8,
    catalogues: Vec<Catalogue>,
    standards: StandardTimes,
    stock: Stock,
    stock_log: Vec<Done<StockMove>>,
    conflicts: Vec<Conflict>,
    applied: u64,
    /// The latest service day a ticket was issued for: the fold's own "today".
    #[serde(default)]
    newest_day: Option<NaiveDate>,
}

impl Default for OfficeState {
    fn default() -> Self {
        Self {
            tickets: BTreeMap::new(),
            staff: BTreeMap::new(),
            counters: DEFAULT_COUNTERS,
            catalogues: vec![Catalogue::default()],
            standards: StandardTimes::default(),
            stock: Stock::default(),
            stock_log: Vec::new(),
            conflicts: Vec::new(),
            applied: 0,
            newest_day: None,
        }
    }
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
        match self.plan(op) {
            Ok(next) => {
                self.applied += 1;
                self.commit(op, next);
                Outcome::Applied
            }
            Err(reason) => self.refuse(op, reason),
        }
    }

    /// Keeps an op as a conflict of its maker, changing nothing else: one the fold refuses,
    /// or one the server refused before the fold (see [`ConflictReason::is_refusal`]).
    pub fn refuse(&mut self, op: &Op, reason: ConflictReason) -> Outcome {
        self.applied += 1;
        self.conflicts.push(Conflict {
            op: op.id,
            actor: op.actor.clone(),
            device: op.device.clone(),
            kind: op.kind().into(),
            reason: reason.clone(),
        });
        Outcome::Conflict { reason }
    }

    /// Applies an op the server ordered with outcome `ordered`: a refusal is kept as the
    /// server said, anything else is folded here (and may be compared with `ordered`).
    pub fn apply_ordered(&mut self, op: &Op, ordered: &Outcome) -> Outcome {
        match ordered {
            Outcome::Conflict { reason } if reason.is_refusal() => self.refuse(op, reason.clone()),
            _ => self.apply(op),
        }
    }

    /// Whether `op` would take effect now, without applying it: what a device asks before
    /// recording a tap, so a refused step is explained and never stored.
    pub fn check(&self, op: &Op) -> Result<(), ConflictReason> {
        self.plan(op).map(drop)
    }

    /// Every rule an op must pass, in one place for [`Self::check`] and [`Self::apply`];
    /// for a step of a visit, the stage it leads to.
    fn plan(&self, op: &Op) -> Result<Option<Stage>, ConflictReason> {
        self.authorise(op)?;
        match &op.body {
            OpBody::IssueTicket(b) if self.tickets.contains_key(&(b.day, b.number.clone())) => {
                Err(ConflictReason::DuplicateNumber {
                    number: b.number.clone(),
                })
            }
            OpBody::IssueTicket(_) | OpBody::SetCounters(_) | OpBody::SetStandards(_) => Ok(None),
            OpBody::ReceiveStock(b) => {
                let mut stock = self.stock;
                stock
                    .receive(b.count)
                    .map_err(|_| ConflictReason::NoBlankCards)?;
                Ok(None)
            }
            OpBody::SaveStaff(new) => {
                let admins_left = self
                    .staff
                    .values()
                    .filter(|s| s.id != new.id && s.active && s.role == Role::Admin)
                    .count();
                if admins_left == 0 && !(new.active && new.role == Role::Admin) {
                    return Err(ConflictReason::LastAdmin);
                }
                Ok(None)
            }
            OpBody::SetCatalogue(c) => {
                let current = self.catalogue().version;
                if c.version != current + 1 {
                    return Err(ConflictReason::StaleCatalogue { current });
                }
                Ok(None)
            }
            _ => self.plan_step(op),
        }
    }

    /// Whether the op's actor may make it: a known, active member of staff whose role allows
    /// it. The one exception is the very first account, an admin creating themselves.
    fn authorise(&self, op: &Op) -> Result<(), ConflictReason> {
        if let OpBody::SaveStaff(new) = &op.body
            && self.staff.is_empty()
            && new.id == op.actor
            && new.role == Role::Admin
            && new.active
        {
            return Ok(());
        }
        let Some(actor) = self.staff.get(&op.actor) else {
            return Err(ConflictReason::UnknownActor {
                actor: op.actor.clone(),
            });
        };
        let action = op.body.action();
        if actor.active && actor.role.may(action) {
            Ok(())
        } else {
            Err(ConflictReason::NotAllowed {
                actor: op.actor.clone(),
                role: actor.role,
                action,
            })
        }
    }

    /// The rules of a step of a visit (A2–A6) or a spoiled card.
    fn plan_step(&self, op: &Op) -> Result<Option<Stage>, ConflictReason> {
        let Some((number, day)) = op.body.ticket() else {
            return Ok(None);
        };
        let Some(ticket) = self.tickets.get(&(day, number.clone())) else {
            return Err(ConflictReason::UnknownTicket {
                number: number.clone(),
            });
        };
        let wrong_stage = |event: &str| ConflictReason::WrongStage {
            number: number.clone(),
            stage: ticket.stage.name().into(),
            event: event.into(),
        };
        let no_card = self.stock.on_hand() == 0;
        if let OpBody::SpoilCard(_) = &op.body {
            return match () {
                _ if ticket.stage != Stage::ReadyToPrint => Err(wrong_stage("spoil_card")),
                _ if no_card => Err(ConflictReason::NoBlankCards),
                _ => Ok(None),
            };
        }
        let Some(event) = op.body.event() else {
            return Ok(None);
        };
        let next = ticket.stage.apply(&event).map_err(|refused| {
            match (&event, ticket.stage.counter(), &ticket.called_by) {
                (Event::Call { .. }, Some(counter), Some(by)) => ConflictReason::AlreadyCalled {
                    number: number.clone(),
                    counter,
                    by: by.clone(),
                },
                _ => wrong_stage(refused.event),
            }
        })?;
        match &op.body {
            OpBody::CallTicket(b) if b.counter.get() > self.counters => {
                Err(ConflictReason::UnknownCounter { counter: b.counter })
            }
            OpBody::VerifyDocuments(v) => {
                // The list the applicant was given when the ticket was issued, whatever
                // the admin has changed since.
                let case = (v.verification.catalogue == ticket.catalogue)
                    .then(|| self.case_of(ticket))
                    .flatten();
                if case.is_some_and(|case| v.verification.conforms(case)) {
                    Ok(Some(next))
                } else {
                    Err(ConflictReason::NotConforming {
                        number: number.clone(),
                    })
                }
            }
            OpBody::PrintCard(_) if no_card => Err(ConflictReason::NoBlankCards),
            _ => Ok(Some(next)),
        }
    }

    /// Makes the change of an op that passed [`Self::plan`]; `next` is the stage it planned.
    fn commit(&mut self, op: &Op, next: Option<Stage>) {
        match &op.body {
            OpBody::IssueTicket(body) => self.issue(op, body),
            OpBody::ReceiveStock(b) => {
                // Planned on a copy: this cannot fail now.
                let _ = self.stock.receive(b.count);
                self.log_stock(
                    op,
                    StockMove::Received {
                        count: b.count,
                        delivery_note: b.delivery_note.trim().to_string(),
                    },
                );
            }
            OpBody::SaveStaff(new) => {
                let mut staff = new.clone();
                staff.name = staff.name.trim().to_string();
                self.staff.insert(staff.id.clone(), staff);
            }
            OpBody::SetCounters(b) => self.counters = b.count,
            OpBody::SetCatalogue(c) => self.catalogues.push(c.clone()),
            OpBody::SetStandards(t) => self.standards = t.clone(),
            _ => self.commit_step(op, next),
        }
    }

    fn log_stock(&mut self, op: &Op, what: StockMove) {
        self.stock_log.push(done(op, what));
    }

    fn issue(&mut self, op: &Op, body: &IssueTicket) {
        let mut ticket = Ticket {
            number: body.number.clone(),
            day: body.day,
            case: body.case.clone(),
            priority: body.priority,
            issued_at: op.at,
            device: op.device.clone(),
            op: op.id,
            check: CheckCode::from_op(op.id),
            // A version this office has; a device cannot know a newer one than the server.
            catalogue: body
                .catalogue
                .filter(|v| self.catalogue_version(*v).is_some())
                .unwrap_or(self.catalogue().version),
            stage: Stage::ISSUED,
            called_by: None,
            verification: None,
            escalation: None,
            decision: None,
            printed: None,
            spoiled: Vec::new(),
            handover: None,
            steps: Vec::new(),
        };
        ticket.enter_step(op.at);
        self.tickets.insert((body.day, body.number.clone()), ticket);
        if self.newest_day.is_none_or(|newest| body.day > newest) {
            self.newest_day = Some(body.day);
            self.forget_finished_before(body.day);
        }
    }

    /// Drops the visits that finished more than [`LIVE_DAYS`] before `today`. Driven by the
    /// ops themselves (a ticket of a new day), never by a clock, so every device and the
    /// server drop the same ones.
    fn forget_finished_before(&mut self, today: NaiveDate) {
        let Some(cutoff) = today.checked_sub_days(chrono::Days::new(LIVE_DAYS)) else {
            return;
        };
        self.tickets
            .retain(|(day, _), ticket| *day >= cutoff || !ticket.stage.is_final());
        // The card ledger's older lines likewise stay in the log only (the counts stay
        // whole): every printed card added one, so the state grew with every day served.
        // Their day is the UTC one of their time, a few hours off the office's at most.
        self.stock_log.retain(|line| line.at.date_naive() >= cutoff);
    }

    /// The change of a step of a visit, or of a spoiled card, with its ledger line.
    fn commit_step(&mut self, op: &Op, next: Option<Stage>) {
        let Some((number, day)) = op.body.ticket() else {
            return;
        };
        let number = number.clone();
        // The card ledger first: it borrows the whole state, the ticket below only its map.
        let moved = match &op.body {
            OpBody::SpoilCard(spoil) => {
                let _ = self.stock.spoil_one();
                Some(StockMove::Spoiled {
                    number: number.clone(),
                    reason: spoil.reason,
                })
            }
            OpBody::PrintCard(_) => {
                let _ = self.stock.use_one();
                Some(StockMove::Used {
                    number: number.clone(),
                })
            }
            OpBody::IssueSuket(_) => Some(StockMove::Suket {
                number: number.clone(),
            }),
            _ => None,
        };
        if let Some(moved) = moved {
            self.log_stock(op, moved);
        }
        let Some(ticket) = self.tickets.get_mut(&(day, number)) else {
            return;
        };
        match &op.body {
            OpBody::SpoilCard(spoil) => {
                let what = Spoiled {
                    reason: spoil.reason,
                    note: spoil.note.clone(),
                };
                ticket.spoiled.push(done(op, what));
            }
            OpBody::CallTicket(_) => ticket.called_by = Some(op.actor.clone()),
            OpBody::VerifyDocuments(v) => {
                ticket.verification = Some(done(op, v.verification.clone()));
            }
            OpBody::Escalate(e) => {
                ticket.verification = Some(done(op, e.verification.clone()));
                ticket.escalation = Some(done(op, e.reason.clone()));
            }
            OpBody::KasiApprove(a) => {
                let note = a.note.clone();
                ticket.decision = Some(done(op, Decision::Approved { note }));
            }
            OpBody::KasiReturn(r) => {
                let decision = Decision::Returned {
                    reason: r.reason,
                    explanation: r.explanation.clone(),
                };
                ticket.decision = Some(done(op, decision));
            }
            OpBody::PrintCard(_) => ticket.printed = Some(done(op, Printed { suket: false })),
            OpBody::IssueSuket(_) => ticket.printed = Some(done(op, Printed { suket: true })),
            OpBody::HandOver(h) => {
                let handed = Handed {
                    op: op.id,
                    old_card_returned: h.old_card_returned,
                };
                ticket.handover = Some(done(op, handed));
            }
            _ => {}
        }
        if let Some(next) = next {
            ticket.stage = next;
            ticket.enter_step(op.at);
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
            .filter(|t| matches!(t.stage, Stage::Waiting { .. }))
            .collect();
        waiting.sort_by(|a, b| a.queue_key().cmp(&b.queue_key()));
        waiting
    }

    /// The ticket "call next" calls: priority first, then the oldest.
    pub fn next_to_call(&self, day: NaiveDate) -> Option<&Ticket> {
        self.waiting(day).into_iter().next()
    }

    /// The ticket being served at `counter` (called, arrived or being verified), if any.
    pub fn at_counter(&self, day: NaiveDate, counter: CounterNo) -> Option<&Ticket> {
        self.tickets_on(day)
            .filter(|t| t.stage.counter() == Some(counter))
            .max_by_key(|t| t.steps.last().map(|s| s.start))
    }

    /// The Kasi's inbox: escalated files of any day, oldest first.
    pub fn escalated(&self) -> Vec<&Ticket> {
        let mut files: Vec<&Ticket> = self
            .tickets()
            .filter(|t| matches!(t.stage, Stage::Escalated { .. }))
            .collect();
        files.sort_by_key(|t| t.escalation.as_ref().map(|e| e.at));
        files
    }

    /// The print queue: files cleared for printing, in the order they were cleared.
    pub fn print_queue(&self) -> Vec<&Ticket> {
        let mut queue: Vec<&Ticket> = self
            .tickets()
            .filter(|t| t.stage == Stage::ReadyToPrint)
            .collect();
        queue.sort_by_key(|t| (t.steps.last().map(|s| s.start), t.day, t.number.clone()));
        queue
    }

    /// Printed cards (and Sukets) waiting for their applicant to sign, oldest first.
    pub fn to_hand_over(&self) -> Vec<&Ticket> {
        let mut cards: Vec<&Ticket> = self
            .tickets()
            .filter(|t| matches!(t.stage, Stage::Printed { .. }))
            .collect();
        cards.sort_by_key(|t| t.printed.as_ref().map(|p| p.at));
        cards
    }

    /// Files the Kasi returned on `day`, newest first: their notices can be printed again.
    pub fn returned(&self, day: NaiveDate) -> Vec<&Ticket> {
        let mut back: Vec<&Ticket> = self
            .tickets_on(day)
            .filter(|t| matches!(t.stage, Stage::Returned { .. }))
            .collect();
        back.sort_by_key(|t| std::cmp::Reverse(t.decision.as_ref().map(|d| d.at)));
        back
    }

    /// Tickets handed over, newest first: their receipts can be reprinted.
    pub fn handed_over(&self) -> Vec<&Ticket> {
        let mut done: Vec<&Ticket> = self
            .tickets()
            .filter(|t| t.stage == Stage::HandedOver)
            .collect();
        done.sort_by_key(|t| std::cmp::Reverse(t.handover.as_ref().map(|h| h.at)));
        done
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
        let stage = match &ticket.stage {
            Stage::Waiting { .. } => {
                let key = ticket.queue_key();
                let ahead = self
                    .waiting(day)
                    .iter()
                    .filter(|t| t.queue_key() < key)
                    .count();
                PublicStage::Waiting { ahead }
            }
            Stage::Called { counter, .. } => PublicStage::Called { counter: *counter },
            Stage::Arrived { counter } | Stage::Verifying { counter } => {
                PublicStage::AtCounter { counter: *counter }
            }
            Stage::Escalated { .. } => PublicStage::WithKasi,
            Stage::ReadyToPrint => PublicStage::Printing,
            Stage::Printed { suket } => PublicStage::Ready { suket: *suket },
            Stage::HandedOver => PublicStage::Done,
            Stage::Returned { .. } => match ticket.decision.as_ref().map(|d| &d.what) {
                Some(Decision::Returned { reason, .. }) => {
                    PublicStage::Returned { reason: *reason }
                }
                _ => PublicStage::Done,
            },
            Stage::Left => PublicStage::Left,
        };
        let bring = (!matches!(stage, PublicStage::Done | PublicStage::Left))
            .then(|| self.public_documents(ticket, matches!(stage, PublicStage::Returned { .. })))
            .flatten();
        Some(PublicStatus {
            number: number.to_string(),
            day,
            stage,
            bring,
        })
    }

    /// The documents of `ticket`'s case as [`PublicStatus::bring`] lists them; with
    /// `problems_first`, those found missing or invalid lead.
    fn public_documents(&self, ticket: &Ticket, problems_first: bool) -> Option<PublicDocuments> {
        let case = self.case_of(ticket)?;
        let checked = ticket.verification.as_ref().map(|v| &v.what);
        let mut documents: Vec<PublicDocument> = case
            .documents
            .iter()
            .map(|document| PublicDocument {
                found: checked.and_then(|v| {
                    v.documents
                        .iter()
                        .find(|d| d.code == document.code)
                        .map(|d| d.state)
                }),
                document: document.clone(),
            })
            .collect();
        if problems_first {
            // A stable sort keeps the catalogue's order within each group.
            documents
                .sort_by_key(|d| !matches!(d.found, Some(DocState::Missing | DocState::Invalid)));
        }
        Some(PublicDocuments {
            case_id: case.name_id.clone(),
            case_en: case.name_en.clone(),
            catalogue: ticket.catalogue,
            documents,
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

    /// The staff, by id (including disabled accounts, which keep their history).
    pub fn staff(&self) -> impl Iterator<Item = &Staff> {
        self.staff.values()
    }

    /// One member of staff.
    pub fn staff_member(&self, id: &StaffId) -> Option<&Staff> {
        self.staff.get(id)
    }

    /// Whether `id` is an active member of staff whose role may do `action`: what the app
    /// asks before offering a button.
    pub fn may(&self, id: &StaffId, action: Action) -> bool {
        self.staff
            .get(id)
            .is_some_and(|s| s.active && s.role.may(action))
    }

    /// How many counters the office has (numbered from 1).
    pub fn counters(&self) -> u8 {
        self.counters
    }

    /// The catalogue in force.
    pub fn catalogue(&self) -> &Catalogue {
        static DEFAULT: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
        // The list starts with the defaults and only grows; a stored view read back with
        // none still has them.
        self.catalogues
            .last()
            .unwrap_or_else(|| DEFAULT.get_or_init(Catalogue::default))
    }

    /// A catalogue version, as a ticket was checked against it.
    pub fn catalogue_version(&self, version: u32) -> Option<&Catalogue> {
        self.catalogues.iter().find(|c| c.version == version)
    }

    /// The case a ticket was issued for, as the catalogue of its version lists it. (The
    /// catalogue in force answers only for a version missing from the view, which the fold
    /// never lets happen.)
    pub fn case_of(&self, ticket: &Ticket) -> Option<&Case> {
        self.catalogue_version(ticket.catalogue)
            .and_then(|c| c.case(&ticket.case))
            .or_else(|| self.catalogue().case(&ticket.case))
    }

    /// The name of a case in the catalogue a ticket was issued under, or the code.
    pub fn case_name(&self, ticket: &Ticket, english: bool) -> String {
        match self.case_of(ticket) {
            Some(c) if english => c.name_en.clone(),
            Some(c) => c.name_id.clone(),
            None => ticket.case.to_string(),
        }
    }

    /// Whether a case code is in the catalogue in force.
    pub fn has_case(&self, code: &CaseCode) -> bool {
        self.catalogue().case(code).is_some()
    }

    /// The standard times in force.
    pub fn standards(&self) -> &StandardTimes {
        &self.standards
    }

    /// The blank-card counts.
    pub fn stock(&self) -> Stock {
        self.stock
    }

    /// The blank-card ledger of the last [`LIVE_DAYS`], oldest first.
    pub fn stock_log(&self) -> &[Done<StockMove>] {
        &self.stock_log
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

fn done<T>(op: &Op, what: T) -> Done<T> {
    Done {
        what,
        by: op.actor.clone(),
        at: op.at,
    }
}

impl Ticket {
    /// Moves the step timeline to the stage's step at `at`: the running step ends and the
    /// new one starts (a step entered again, after a no-show, keeps its first start).
    fn enter_step(&mut self, at: DateTime<Utc>) {
        let ms = at.timestamp_millis();
        let step = self.stage.step();
        if self.steps.last().map(|s| (s.step, s.end.is_none())) == step.map(|s| (s, true)) {
            return;
        }
        for span in self.steps.iter_mut().filter(|s| s.end.is_none()) {
            span.end = Some(ms.max(span.start));
        }
        if let Some(step) = step {
            match self.steps.iter().position(|s| s.step == step) {
                Some(i) => {
                    let mut span = self.steps.remove(i);
                    span.end = None;
                    self.steps.push(span);
                }
                None => self.steps.push(crate::ticket::StepSpan {
                    step,
                    start: ms,
                    end: None,
                }),
            }
        }
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
        let mut s = staffed();
        assert_eq!(
            s.apply(&issue(1, "dev-a", "A", 1, false, 0)),
            Outcome::Applied
        );
        assert_eq!(s.waiting(day()).len(), 1);
        assert_eq!(s.apply(&call(2, "dev-a", "A", 1, 1)), Outcome::Applied);
        assert!(s.waiting(day()).is_empty());
        let t = s.ticket(day(), &no("A", 1)).unwrap();
        assert_eq!(t.stage.counter().map(CounterNo::get), Some(1));
    }

    #[test]
    fn calling_twice_is_a_conflict_not_a_panic() {
        let mut s = staffed();
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
        assert_eq!(t.stage.counter().map(CounterNo::get), Some(1));
    }

    #[test]
    fn unknown_and_duplicate_tickets_are_conflicts() {
        let mut s = staffed();
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
        assert_eq!(s.applied(), staff_ops().len() as u64 + 3);
    }

    #[test]
    fn priority_first_then_oldest() {
        let mut s = staffed();
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
        let mut s = staffed();
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
        let mut s = staffed();
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
        let mut s = staffed();
        s.apply(&issue(1, "dev-a", "A", 1, false, 0));
        s.apply(&call(2, "dev-a", "A", 1, 3));
        s.apply(&call(3, "dev-b", "A", 1, 4));
        let json = serde_json::to_string(&s).unwrap();
        let back: OfficeState = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }
}

#[cfg(test)]
mod live_days {
    use super::*;
    use crate::test_support::*;

    /// Ticket `serial` of device A issued on `day`.
    fn issue_on(n: u32, serial: u16, day: NaiveDate) -> Op {
        let mut op = issue(n, "dev-a", "A", serial, false, 0);
        if let OpBody::IssueTicket(b) = &mut op.body {
            b.day = day;
        }
        op
    }

    /// Calls ticket A-`serial` of `day` three times with nobody coming: it leaves the queue.
    fn leave(s: &mut OfficeState, n: u32, serial: u16, day: NaiveDate) {
        let t = crate::op::TicketRef {
            number: no("A", serial),
            day,
        };
        for i in 0..3 {
            let called = OpBody::CallTicket(crate::op::CallTicket {
                number: no("A", serial),
                day,
                counter: CounterNo::new(1).unwrap(),
            });
            assert_eq!(
                s.apply(&op(n + 2 * i, "dev-a", 10, called)),
                Outcome::Applied
            );
            let gone = op(n + 2 * i + 1, "dev-a", 20, OpBody::NoShow(t.clone()));
            assert_eq!(s.apply(&gone), Outcome::Applied);
        }
        assert_eq!(s.ticket(day, &no("A", serial)).unwrap().stage, Stage::Left);
    }

    #[test]
    fn finished_visits_leave_the_live_state_a_week_after_their_day_open_ones_stay() {
        let first = day();
        let days = |n: u64| first.checked_add_days(chrono::Days::new(n)).unwrap();
        let mut s = staffed();
        s.apply(&issue_on(1, 1, first));
        leave(&mut s, 10, 1, first);
        s.apply(&issue_on(2, 2, first)); // still waiting: an open visit
        s.apply(&issue_on(3, 1, days(2)));
        leave(&mut s, 20, 1, days(2));
        // A week on, both finished visits are still there.
        s.apply(&issue_on(4, 1, days(7)));
        assert!(s.ticket(first, &no("A", 1)).is_some());
        // A day later, the first day's finished visit goes; the open one and the recent stay.
        s.apply(&issue_on(5, 1, days(8)));
        assert!(s.ticket(first, &no("A", 1)).is_none());
        assert!(s.ticket(first, &no("A", 2)).is_some());
        assert!(s.ticket(days(2), &no("A", 1)).is_some());
    }

    #[test]
    fn the_card_ledger_keeps_a_week_of_lines_and_the_counts_whole() {
        let first = day();
        let days = |n: u64| first.checked_add_days(chrono::Days::new(n)).unwrap();
        let mut s = staffed();
        let delivery = crate::op::ReceiveStock {
            count: 40,
            delivery_note: "SJ-1".into(),
        };
        let received = by(
            1,
            "dev-admin",
            "staff-admin",
            0,
            OpBody::ReceiveStock(delivery),
        );
        assert_eq!(s.apply(&received), Outcome::Applied);
        s.apply(&issue_on(2, 1, days(7)));
        assert_eq!(
            s.stock_log().len(),
            1,
            "a week on, the delivery's line stays"
        );
        s.apply(&issue_on(3, 2, days(8)));
        assert!(
            s.stock_log().is_empty(),
            "past the week it is in the log only"
        );
        assert_eq!(s.stock().on_hand(), 40);
    }
}
