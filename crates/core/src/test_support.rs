//! Builders for ops in tests: short, so a test reads as the story it tells.

use crate::catalogue::CaseCode;
use crate::ids::{CounterNo, DeviceId, DeviceLetter, OfficeCode, OpId, StaffId};
use crate::op::{CallTicket, IssueTicket, Op, OpBody};
use crate::ticket::TicketNo;
use chrono::{DateTime, NaiveDate};

pub fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

pub fn no(letter: &str, serial: u16) -> TicketNo {
    TicketNo {
        letter: DeviceLetter::new(letter).unwrap(),
        serial,
    }
}

/// A UUIDv7 whose random part is `n`, so ids are distinct and stable across runs.
pub fn op_id(n: u32) -> OpId {
    let mut random = [0u8; 10];
    random[6..].copy_from_slice(&n.to_be_bytes());
    OpId(uuid::Builder::from_unix_timestamp_millis(1_764_000_000_000, &random).into_uuid())
}

fn op(n: u32, device: &str, secs: i64, body: OpBody) -> Op {
    Op {
        id: op_id(n),
        office: OfficeCode::new("51.02.02").unwrap(),
        device: DeviceId::new(device).unwrap(),
        actor: StaffId::new(format!("staff-{device}")).unwrap(),
        at: DateTime::from_timestamp(1_764_000_000 + secs, 0).unwrap(),
        body,
    }
}

pub fn issue(n: u32, device: &str, letter: &str, serial: u16, priority: bool, secs: i64) -> Op {
    op(
        n,
        device,
        secs,
        OpBody::IssueTicket(IssueTicket {
            number: no(letter, serial),
            day: day(),
            case: CaseCode::new("baru").unwrap(),
            priority,
        }),
    )
}

pub fn call(n: u32, device: &str, letter: &str, serial: u16, counter: u8) -> Op {
    op(
        n,
        device,
        100,
        OpBody::CallTicket(CallTicket {
            number: no(letter, serial),
            day: day(),
            counter: CounterNo::new(counter).unwrap(),
        }),
    )
}
