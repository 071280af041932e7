//! Operations: every user action, as data. State is never written directly, only folded.

use crate::catalogue::{CaseCode, Catalogue};
use crate::credential::Proof;
use crate::error_code::ErrorCode;
use crate::handover::{Signature, SignatureError};
use crate::ids::{CounterNo, DeviceId, DeviceLetter, IdError, OfficeCode, OpId, StaffId};
use crate::roles::Action;
use crate::staff::{Staff, StaffError};
use crate::standards::{MAX_MINUTES, StandardTimes};
use crate::stock::MAX_DELIVERY;
use crate::ticket::TicketNo;
use crate::verification::{ReturnReason, SpoilReason, Verification, VerificationError, check_note};
use crate::visit::Event;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// One user action, made on a device and applied once everywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Op {
    /// Made on the device, so a repeated push is recognised.
    pub id: OpId,
    /// The office the op belongs to.
    pub office: OfficeCode,
    /// The device that made it.
    pub device: DeviceId,
    /// The member of staff who made it: the audit trail.
    pub actor: StaffId,
    /// The device's clock when it was made.
    #[serde(with = "crate::wire::millis")]
    pub at: DateTime<Utc>,
    /// What was done.
    pub body: OpBody,
    /// That `actor` made it: the HMAC of [`Op::signed_bytes`] under their credential on
    /// this device ([`crate::credential`]). The server refuses an op without a good one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Proof>,
}

/// What an op does, keyed by its kind (`{"issue_ticket": {…}}`); an unknown kind is
/// refused when parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpBody {
    /// A1: a walk-in applicant takes a queue number.
    IssueTicket(IssueTicket),
    /// A2: the operator calls a ticket to a counter (the next, or a given number).
    CallTicket(CallTicket),
    /// A2: the same ticket called again.
    Recall(TicketRef),
    /// A2: nobody came; the ticket waits again, or leaves after repeated misses.
    NoShow(TicketRef),
    /// A2: a called ticket put back in the queue, no miss counted.
    Requeue(TicketRef),
    /// A3: the applicant is at the counter.
    Arrive(TicketRef),
    /// A3 done: the operator has the documents; A4 starts.
    ReceiveDocuments(TicketRef),
    /// A4: everything conforms; the file goes to printing.
    VerifyDocuments(Verify),
    /// A4: it does not conform, or SIAK is not verified; the file goes to the Kasi.
    Escalate(Escalate),
    /// A5: the Kasi approves an escalated file for printing.
    KasiApprove(KasiApprove),
    /// A5: the Kasi returns the file to the applicant with an explanation.
    KasiReturn(KasiReturn),
    /// The card is printed: one blank card used.
    PrintCard(TicketRef),
    /// A blank card was spoiled printing this ticket's card: one more used.
    SpoilCard(SpoilCard),
    /// No blank card left: a temporary certificate (Suket) is given instead.
    IssueSuket(TicketRef),
    /// A6: the card handed over against the applicant's signature.
    HandOver(HandOver),
    /// Blank cards received against a delivery note.
    ReceiveStock(ReceiveStock),
    /// A staff account created or changed by the admin (or the first admin, by themselves).
    SaveStaff(Staff),
    /// How many counters the office has.
    SetCounters(SetCounters),
    /// A new version of the cases and their documents.
    SetCatalogue(Catalogue),
    /// New standard times.
    SetStandards(StandardTimes),
}

/// A1: a ticket is issued to a walk-in applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueTicket {
    /// The number printed on the paper ticket.
    pub number: TicketNo,
    /// The service day, in the office's time zone.
    #[serde(with = "crate::wire::day")]
    pub day: NaiveDate,
    /// Why the applicant came.
    pub case: CaseCode,
    /// The priority lane (elderly, disabled, pregnant).
    pub priority: bool,
    /// The catalogue version the issuing device had: the list of documents the applicant
    /// was told to bring. Absent in ops recorded before it existed: then the version in
    /// force when the op is folded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogue: Option<u32>,
}

/// A2: a ticket is called to a counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallTicket {
    /// The ticket's number.
    pub number: TicketNo,
    /// Its service day.
    #[serde(with = "crate::wire::day")]
    pub day: NaiveDate,
    /// The counter it is called to.
    pub counter: CounterNo,
}

/// Which ticket a step is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketRef {
    /// The ticket's number.
    pub number: TicketNo,
    /// Its service day.
    #[serde(with = "crate::wire::day")]
    pub day: NaiveDate,
}

/// A4: the checklist, and the file conforms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verify {
    /// The ticket.
    pub ticket: TicketRef,
    /// What was checked.
    pub verification: Verification,
}

/// A4: the checklist, and why the Kasi must decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Escalate {
    /// The ticket.
    pub ticket: TicketRef,
    /// What was checked.
    pub verification: Verification,
    /// Why it goes to the Kasi.
    pub reason: String,
}

/// A5: approved for printing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KasiApprove {
    /// The ticket.
    pub ticket: TicketRef,
    /// What the Kasi checked again.
    pub note: String,
}

/// A5: returned to the applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KasiReturn {
    /// The ticket.
    pub ticket: TicketRef,
    /// The standard reason.
    pub reason: ReturnReason,
    /// The explanation the applicant is given (on paper and in the status lookup).
    pub explanation: String,
}

/// A blank card spoiled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpoilCard {
    /// The ticket whose card was being printed.
    pub ticket: TicketRef,
    /// Why.
    pub reason: SpoilReason,
    /// Details.
    pub note: String,
}

/// A6: handed over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandOver {
    /// The ticket.
    pub ticket: TicketRef,
    /// The applicant's signature.
    pub signature: Signature,
    /// The damaged or old card was handed back (noted on the receipt).
    pub old_card_returned: bool,
}

/// Blank cards received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiveStock {
    /// How many.
    pub count: u32,
    /// The delivery note's number.
    pub delivery_note: String,
}

/// The office's counters, numbered 1 to `count`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetCounters {
    /// How many.
    pub count: u8,
}

/// The most counters an office may configure.
pub const MAX_COUNTERS: u8 = 20;

impl OpBody {
    /// The ticket the op is about, if any.
    pub fn ticket(&self) -> Option<(&TicketNo, NaiveDate)> {
        use OpBody as B;
        let r = match self {
            B::IssueTicket(b) => return Some((&b.number, b.day)),
            B::CallTicket(b) => return Some((&b.number, b.day)),
            B::Recall(r)
            | B::NoShow(r)
            | B::Requeue(r)
            | B::Arrive(r)
            | B::ReceiveDocuments(r)
            | B::PrintCard(r)
            | B::IssueSuket(r) => r,
            B::VerifyDocuments(b) => &b.ticket,
            B::Escalate(b) => &b.ticket,
            B::KasiApprove(b) => &b.ticket,
            B::KasiReturn(b) => &b.ticket,
            B::SpoilCard(b) => &b.ticket,
            B::HandOver(b) => &b.ticket,
            B::ReceiveStock(_)
            | B::SaveStaff(_)
            | B::SetCounters(_)
            | B::SetCatalogue(_)
            | B::SetStandards(_) => return None,
        };
        Some((&r.number, r.day))
    }

    /// What the actor must be allowed to do ([`Role::may`](crate::roles::Role::may)).
    pub fn action(&self) -> Action {
        use OpBody as B;
        match self {
            B::IssueTicket(_) => Action::IssueTicket,
            B::CallTicket(_) | B::Recall(_) | B::NoShow(_) | B::Requeue(_) => Action::CallTicket,
            B::Arrive(_) | B::ReceiveDocuments(_) | B::VerifyDocuments(_) => Action::Verify,
            B::Escalate(_) => Action::Escalate,
            B::KasiApprove(_) | B::KasiReturn(_) => Action::Decide,
            B::PrintCard(_) | B::SpoilCard(_) | B::IssueSuket(_) => Action::Print,
            B::HandOver(_) => Action::HandOver,
            B::ReceiveStock(_) => Action::ReceiveStock,
            B::SaveStaff(_) | B::SetCounters(_) | B::SetCatalogue(_) | B::SetStandards(_) => {
                Action::Administer
            }
        }
    }

    /// The visit event a ticket op is, for [`crate::visit::Stage::apply`]; `None` for ops
    /// that are not a step of a visit (a spoiled card leaves the visit where it is).
    pub fn event(&self) -> Option<Event> {
        use OpBody as B;
        Some(match self {
            B::CallTicket(b) => Event::Call { counter: b.counter },
            B::Recall(_) => Event::Recall,
            B::NoShow(_) => Event::NoShow,
            B::Requeue(_) => Event::Requeue,
            B::Arrive(_) => Event::Arrive,
            B::ReceiveDocuments(_) => Event::ReceiveDocuments,
            B::VerifyDocuments(_) => Event::Verified,
            B::Escalate(b) => Event::Escalate {
                reason: b.reason.clone(),
            },
            B::KasiApprove(_) => Event::Approve,
            B::KasiReturn(b) => Event::Return {
                reason: b.explanation.clone(),
            },
            B::PrintCard(_) => Event::Print { suket: false },
            B::IssueSuket(_) => Event::Print { suket: true },
            B::HandOver(_) => Event::HandOver,
            _ => return None,
        })
    }
}

/// How far a device's clock may drift from the server's before staff are warned.
pub const CLOCK_DRIFT_WARN_MS: i64 = 10 * 60 * 1000;

/// What a device's clock looks like, by its own reading and the skew last seen against
/// the server (`server - device`, in ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Close enough.
    Fine,
    /// Off by this many minutes: staff should set it, but ops are still accepted.
    Drifting(i64),
    /// So far off that the server would refuse the ops (a tablet whose clock reset after
    /// its battery ran flat): make none until it is set.
    Wrong,
}

impl Clock {
    /// Judges the device clock reading `device_now` with the last `skew_ms` seen.
    pub fn judge(device_now: DateTime<Utc>, skew_ms: Option<i64>) -> Clock {
        let earliest = DateTime::from_timestamp(1_735_689_600, 0); // 2025-01-01, as `check_time`
        if earliest.is_some_and(|e| device_now < e) {
            return Clock::Wrong;
        }
        match skew_ms {
            Some(skew) if skew.unsigned_abs() >= 24 * 60 * 60 * 1000 => Clock::Wrong,
            Some(skew) if skew.unsigned_abs() >= CLOCK_DRIFT_WARN_MS as u64 => {
                Clock::Drifting(skew / 60_000)
            }
            _ => Clock::Fine,
        }
    }
}

/// Why an op is malformed before it is ever applied: the server answers this with a 4xx.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OpError {
    /// The op's id is not a UUIDv7, so it was not made by a Loket device.
    #[error("op id {0} is not a UUIDv7")]
    NotV7(OpId),
    /// The op claims another office than the device that sent it.
    #[error("op {id} belongs to office {got}, but the device belongs to {expected}")]
    WrongOffice {
        id: OpId,
        got: OfficeCode,
        expected: OfficeCode,
    },
    /// The op claims another device than the one that sent it.
    #[error("op {id} names device {got}, but was sent by {expected}")]
    WrongDevice {
        id: OpId,
        got: DeviceId,
        expected: DeviceId,
    },
    /// A ticket issued under another device's letter: it could collide with a real,
    /// printed number of that device.
    #[error("op {id} issues {number} but the device's letter is {expected}")]
    WrongLetter {
        id: OpId,
        number: TicketNo,
        expected: DeviceLetter,
    },
    /// A device clock far off: before Loket existed, or more than a day ahead of the server.
    #[error("op {id} is dated {at}, which no device clock should say")]
    BadTime { id: OpId, at: DateTime<Utc> },
    /// A field's value is out of range.
    #[error("op {id}: {source}")]
    Field {
        id: OpId,
        #[source]
        source: IdError,
    },
    /// The op's content is malformed.
    #[error("op {id}: {source}")]
    Body {
        id: OpId,
        #[source]
        source: BodyError,
    },
}

/// What is wrong with an op's content.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BodyError {
    /// A staff account.
    #[error(transparent)]
    Staff(#[from] StaffError),
    /// A verification record or a note.
    #[error(transparent)]
    Verification(#[from] VerificationError),
    /// A signature.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// An edited catalogue.
    #[error(transparent)]
    Catalogue(#[from] crate::catalogue::CatalogueError),
    /// A number out of its range (cards, counters, minutes).
    #[error("{field} must be between {min} and {max}")]
    Range {
        field: &'static str,
        min: u32,
        max: u32,
    },
    /// The Kasi and the applicant must be told why: an escalation's reason and a return's
    /// explanation are never empty.
    #[error("the {0} is empty")]
    Empty(&'static str),
    /// A delivery note number that is empty, too long or not printable.
    #[error("a delivery note number has 1 to 64 printable characters")]
    DeliveryNote,
}

impl OpError {
    /// The code the server answers with when this refuses a whole push.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::WrongOffice { .. } => ErrorCode::WrongOffice,
            Self::WrongDevice { .. } => ErrorCode::WrongDevice,
            Self::WrongLetter { .. } => ErrorCode::WrongLetter,
            _ => ErrorCode::InvalidBody,
        }
    }
}

impl Op {
    /// The bytes a [`Proof`] covers: the op as JSON without its proof. Both ends make them
    /// with this same code from the same struct, so they agree byte for byte.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let unsigned = Op {
            proof: None,
            ..self.clone()
        };
        // Serialising these types cannot fail: no maps with non-string keys, no floats.
        serde_json::to_vec(&unsigned).unwrap_or_default()
    }

    /// Checks what can be checked without the state: the id's version, the serials, and
    /// every field's shape and size.
    pub fn validate(&self) -> Result<(), OpError> {
        if self.id.0.get_version_num() != 7 {
            return Err(OpError::NotV7(self.id));
        }
        if let Some((number, _)) = self.body.ticket()
            && number.serial == 0
        {
            return Err(OpError::Field {
                id: self.id,
                source: IdError::Range {
                    field: "serial",
                    min: 1,
                    max: u16::MAX as u32,
                },
            });
        }
        self.body.check().map_err(|source| OpError::Body {
            id: self.id,
            source,
        })
    }

    /// Checks that the op comes from where it says: the sending device's office, the device
    /// itself, and (for a new ticket) the device's own letter.
    pub fn check_origin(
        &self,
        office: &OfficeCode,
        device: &DeviceId,
        letter: &DeviceLetter,
    ) -> Result<(), OpError> {
        if &self.office != office {
            return Err(OpError::WrongOffice {
                id: self.id,
                got: self.office.clone(),
                expected: office.clone(),
            });
        }
        if &self.device != device {
            return Err(OpError::WrongDevice {
                id: self.id,
                got: self.device.clone(),
                expected: device.clone(),
            });
        }
        if let OpBody::IssueTicket(b) = &self.body
            && &b.number.letter != letter
        {
            return Err(OpError::WrongLetter {
                id: self.id,
                number: b.number.clone(),
                expected: letter.clone(),
            });
        }
        Ok(())
    }

    /// Checks the op's time against the receiver's clock `now`: an offline device may send
    /// old ops, but none from before 2025 or more than a day ahead.
    pub fn check_time(&self, now: DateTime<Utc>) -> Result<(), OpError> {
        let earliest = DateTime::from_timestamp(1_735_689_600, 0); // 2025-01-01T00:00Z
        let latest = now.checked_add_signed(chrono::Duration::days(1));
        match (earliest, latest) {
            (Some(earliest), Some(latest)) if self.at >= earliest && self.at <= latest => Ok(()),
            _ => Err(OpError::BadTime {
                id: self.id,
                at: self.at,
            }),
        }
    }

    /// The op's kind as stored and logged (never its content, which may be personal).
    pub fn kind(&self) -> &'static str {
        use OpBody as B;
        match &self.body {
            B::IssueTicket(_) => "issue_ticket",
            B::CallTicket(_) => "call_ticket",
            B::Recall(_) => "recall",
            B::NoShow(_) => "no_show",
            B::Requeue(_) => "requeue",
            B::Arrive(_) => "arrive",
            B::ReceiveDocuments(_) => "receive_documents",
            B::VerifyDocuments(_) => "verify_documents",
            B::Escalate(_) => "escalate",
            B::KasiApprove(_) => "kasi_approve",
            B::KasiReturn(_) => "kasi_return",
            B::PrintCard(_) => "print_card",
            B::SpoilCard(_) => "spoil_card",
            B::IssueSuket(_) => "issue_suket",
            B::HandOver(_) => "hand_over",
            B::ReceiveStock(_) => "receive_stock",
            B::SaveStaff(_) => "save_staff",
            B::SetCounters(_) => "set_counters",
            B::SetCatalogue(_) => "set_catalogue",
            B::SetStandards(_) => "set_standards",
        }
    }
}

impl OpBody {
    /// Checks the content's shape and size (not whether it may happen now: that is the fold's).
    pub fn check(&self) -> Result<(), BodyError> {
        use OpBody as B;
        match self {
            B::VerifyDocuments(b) => b.verification.check()?,
            B::Escalate(b) => {
                b.verification.check()?;
                check_note(&b.reason)?;
                if b.reason.trim().is_empty() {
                    return Err(BodyError::Empty("reason"));
                }
            }
            B::KasiApprove(b) => check_note(&b.note)?,
            B::KasiReturn(b) => {
                check_note(&b.explanation)?;
                if b.explanation.trim().is_empty() {
                    return Err(BodyError::Empty("explanation"));
                }
            }
            B::SpoilCard(b) => check_note(&b.note)?,
            B::HandOver(b) => b.signature.check()?,
            B::ReceiveStock(b) => {
                if !(1..=MAX_DELIVERY).contains(&b.count) {
                    return Err(BodyError::Range {
                        field: "count",
                        min: 1,
                        max: MAX_DELIVERY,
                    });
                }
                crate::text::clean_line(&b.delivery_note, 64).ok_or(BodyError::DeliveryNote)?;
            }
            B::SaveStaff(staff) => staff.check()?,
            B::SetCounters(b) if !(1..=MAX_COUNTERS).contains(&b.count) => {
                return Err(BodyError::Range {
                    field: "counters",
                    min: 1,
                    max: u32::from(MAX_COUNTERS),
                });
            }
            B::SetCatalogue(c) => c.validate()?,
            B::SetStandards(t) if !t.is_valid() => {
                return Err(BodyError::Range {
                    field: "minutes",
                    min: 1,
                    max: u32::from(MAX_MINUTES),
                });
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::DeviceLetter;

    fn sample() -> Op {
        Op {
            id: OpId(uuid::Uuid::from_u128(
                0x0190_0000_0000_7000_8000_0000_0000_0001,
            )),
            office: OfficeCode::new("51.02.02").unwrap(),
            device: DeviceId::new("dev-1").unwrap(),
            actor: StaffId::new("admin").unwrap(),
            at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            body: OpBody::IssueTicket(IssueTicket {
                number: TicketNo {
                    letter: DeviceLetter::new("A").unwrap(),
                    serial: 1,
                },
                day: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
                case: CaseCode::new("baru").unwrap(),
                priority: false,
                catalogue: None,
            }),
            proof: None,
        }
    }

    #[test]
    fn an_unknown_field_is_refused() {
        let json = serde_json::to_string(&sample()).unwrap();
        let extra = json.replacen('{', r#"{"admin":true,"#, 1);
        assert!(serde_json::from_str::<Op>(&extra).is_err());
    }

    #[test]
    fn ops_round_trip_through_json() {
        let op = sample();
        let json = serde_json::to_string(&op).unwrap();
        assert!(json.contains(r#""body":{"issue_ticket":{"#), "{json}");
        let back: Op = serde_json::from_str(&json).unwrap();
        assert_eq!(back, op);
        assert_eq!(op.validate(), Ok(()));
    }

    #[test]
    fn unknown_kinds_and_bad_fields_are_refused() {
        let json = serde_json::to_string(&sample()).unwrap();
        let unknown = json.replace("issue_ticket", "burn_ticket");
        assert!(serde_json::from_str::<Op>(&unknown).is_err());
        let bad_letter = json.replace(r#""letter":"A""#, r#""letter":"a""#);
        assert!(serde_json::from_str::<Op>(&bad_letter).is_err());
        let bad_case = json.replace(r#""case":"baru""#, r#""case":"DROP TABLE""#);
        assert!(serde_json::from_str::<Op>(&bad_case).is_err());
    }

    #[test]
    fn an_op_must_come_from_where_it_says() {
        let op = sample();
        let office = OfficeCode::new("51.02.02").unwrap();
        let device = DeviceId::new("dev-1").unwrap();
        let a = DeviceLetter::new("A").unwrap();
        assert_eq!(op.check_origin(&office, &device, &a), Ok(()));
        let b = DeviceLetter::new("B").unwrap();
        assert!(matches!(
            op.check_origin(&office, &device, &b),
            Err(OpError::WrongLetter { .. })
        ));
        let other = DeviceId::new("dev-2").unwrap();
        assert!(matches!(
            op.check_origin(&office, &other, &a),
            Err(OpError::WrongDevice { .. })
        ));
        let elsewhere = OfficeCode::new("51.02.01").unwrap();
        assert!(matches!(
            op.check_origin(&elsewhere, &device, &a),
            Err(OpError::WrongOffice { .. })
        ));
    }

    #[test]
    fn clocks_far_off_are_refused() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T08:00:00Z")
            .unwrap()
            .to_utc();
        let mut op = sample();
        op.at = now - chrono::Duration::days(30);
        assert_eq!(op.check_time(now), Ok(()));
        op.at = now + chrono::Duration::hours(23);
        assert_eq!(op.check_time(now), Ok(()));
        op.at = now + chrono::Duration::days(2);
        assert!(matches!(op.check_time(now), Err(OpError::BadTime { .. })));
        op.at = DateTime::from_timestamp(0, 0).unwrap();
        assert!(matches!(op.check_time(now), Err(OpError::BadTime { .. })));
        op.at = DateTime::<Utc>::MAX_UTC;
        assert!(matches!(op.check_time(now), Err(OpError::BadTime { .. })));
    }

    #[test]
    fn a_device_clock_is_judged_against_the_servers() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T08:00:00Z")
            .unwrap()
            .to_utc();
        let minute = 60_000;
        assert_eq!(Clock::judge(now, None), Clock::Fine);
        assert_eq!(Clock::judge(now, Some(9 * minute)), Clock::Fine);
        assert_eq!(Clock::judge(now, Some(-25 * minute)), Clock::Drifting(-25));
        assert_eq!(Clock::judge(now, Some(25 * 60 * minute)), Clock::Wrong);
        // A tablet whose clock went back to 2000 is wrong even before it ever synced.
        let reset = DateTime::parse_from_rfc3339("2000-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(Clock::judge(reset, None), Clock::Wrong);
    }

    #[test]
    fn non_v7_ids_and_zero_serials_are_refused() {
        let mut op = sample();
        op.id = OpId(uuid::Uuid::from_u128(1));
        assert!(matches!(op.validate(), Err(OpError::NotV7(_))));
        let mut op = sample();
        if let OpBody::IssueTicket(b) = &mut op.body {
            b.number.serial = 0;
        }
        assert!(matches!(op.validate(), Err(OpError::Field { .. })));
    }
}
