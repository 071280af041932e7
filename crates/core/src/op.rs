//! Operations: every user action, as data. State is never written directly, only folded.

use crate::catalogue::CaseCode;
use crate::ids::{CounterNo, DeviceId, DeviceLetter, IdError, OfficeCode, OpId, StaffId};
use crate::ticket::TicketNo;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// One user action, made on a device and applied once everywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// What an op does, keyed by its kind (`{"issue_ticket": {…}}`); an unknown kind is
/// refused when parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpBody {
    /// A1: a walk-in applicant takes a queue number.
    IssueTicket(IssueTicket),
    /// A2: the operator calls a ticket to a counter.
    CallTicket(CallTicket),
}

/// A1: a ticket is issued to a walk-in applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// A2: a ticket is called to a counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallTicket {
    /// The ticket's number.
    pub number: TicketNo,
    /// Its service day.
    #[serde(with = "crate::wire::day")]
    pub day: NaiveDate,
    /// The counter it is called to.
    pub counter: CounterNo,
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
}

impl Op {
    /// Checks what can be checked without the state: the id's version and the serials.
    pub fn validate(&self) -> Result<(), OpError> {
        if self.id.0.get_version_num() != 7 {
            return Err(OpError::NotV7(self.id));
        }
        let number = match &self.body {
            OpBody::IssueTicket(b) => &b.number,
            OpBody::CallTicket(b) => &b.number,
        };
        if number.serial == 0 {
            return Err(OpError::Field {
                id: self.id,
                source: IdError::Range {
                    field: "serial",
                    min: 1,
                    max: u16::MAX as u32,
                },
            });
        }
        Ok(())
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
        match &self.body {
            OpBody::IssueTicket(_) => "issue_ticket",
            OpBody::CallTicket(_) => "call_ticket",
        }
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
            }),
        }
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
