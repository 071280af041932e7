//! Builders for ops in tests: short, so a test reads as the story it tells.

use crate::catalogue::CaseCode;
use crate::ids::{CounterNo, DeviceId, DeviceLetter, OfficeCode, OpId, StaffId};
use crate::op::{CallTicket, IssueTicket, Op, OpBody, SetCounters, TicketRef};
use crate::roles::Role;
use crate::state::OfficeState;
use crate::sync::{Ledger, Origin, SyncRequest};
use crate::ticket::TicketNo;
use chrono::{DateTime, NaiveDate, Utc};

/// The ops' times start at 2026-11-24 16:00 UTC: [`day`], as a UTC date.
const BASE_SECS: i64 = 1_795_536_000;

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

/// An op made on `device` by its operator, `staff-{device}`.
pub fn op(n: u32, device: &str, secs: i64, body: OpBody) -> Op {
    by(n, device, &format!("staff-{device}"), secs, body)
}

/// An op made on `device` by `actor`, with their proof ([`crate::testing::signed`]).
pub fn by(n: u32, device: &str, actor: &str, secs: i64, body: OpBody) -> Op {
    crate::testing::signed(Op {
        id: op_id(n),
        office: OfficeCode::new("51.02.02").unwrap(),
        device: DeviceId::new(device).unwrap(),
        actor: StaffId::new(actor).unwrap(),
        at: DateTime::from_timestamp(BASE_SECS + secs, 0).unwrap(),
        body,
        proof: None,
    })
}

/// Every credential the ops of these builders are signed with: each of [`DEVICES`] and
/// `dev-admin`, for each person of [`staff_ops`].
pub fn credentials() -> Vec<crate::credential::Credential> {
    credentials_at("51.02.02")
}

/// [`credentials`] for ops moved to office `office`.
pub fn credentials_at(office: &str) -> Vec<crate::credential::Credential> {
    let office = OfficeCode::new(office).unwrap();
    let mut people: Vec<String> = DEVICES.iter().map(|d| format!("staff-{d}")).collect();
    people.extend(["staff-admin".into(), "staff-kasi".into()]);
    let mut devices = DEVICES.to_vec();
    devices.push("dev-admin");
    devices
        .iter()
        .flat_map(|d| {
            let office = office.clone();
            people.iter().map(move |p| {
                crate::testing::credential(
                    &office,
                    &DeviceId::new(*d).unwrap(),
                    &StaffId::new(p.as_str()).unwrap(),
                )
            })
        })
        .collect()
}

/// An empty server that holds every test [`credentials`].
pub fn ledger() -> Ledger {
    Ledger::default().with_credentials(credentials())
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
            catalogue: None,
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

/// A reference to ticket `letter-serial` of [`day`].
pub fn tref(letter: &str, serial: u16) -> TicketRef {
    TicketRef {
        number: no(letter, serial),
        day: day(),
    }
}

pub use crate::testing::account;

/// The devices tests use; each has an operator `staff-{device}`.
pub const DEVICES: [&str; 9] = [
    "dev-a", "dev-b", "dev-0", "dev-1", "dev-2", "dev-3", "dev-4", "dev-5", "dev-kasi",
];

/// The office's staff: `staff-admin` (who creates themselves first), an operator per
/// device in [`DEVICES`], and the Kasi `staff-kasi`; and four counters.
pub fn staff_ops() -> Vec<Op> {
    let admin = "staff-admin";
    let mut ops = vec![by(
        900_000,
        "dev-admin",
        admin,
        0,
        OpBody::SaveStaff(account(admin, Role::Admin)),
    )];
    for (i, device) in DEVICES.iter().enumerate() {
        let (id, role) = if *device == "dev-kasi" {
            ("staff-kasi".to_string(), Role::Kasi)
        } else {
            (format!("staff-{device}"), Role::Operator)
        };
        ops.push(by(
            900_001 + i as u32,
            "dev-admin",
            admin,
            0,
            OpBody::SaveStaff(account(&id, role)),
        ));
    }
    ops.push(by(
        900_100,
        "dev-admin",
        admin,
        0,
        OpBody::SetCounters(SetCounters { count: 4 }),
    ));
    ops
}

/// A server whose log starts with [`staff_ops`].
pub fn staffed_ledger() -> Ledger {
    let mut ledger = ledger();
    let setup = SyncRequest {
        epoch: None,
        cursor: 0,
        push: staff_ops(),
        pending: 0,
    };
    ledger
        .sync(&origin("dev-admin", "Z"), setup, now())
        .expect("the staff ops are well formed");
    ledger
}

/// The server's clock in tests: a day after the ops' times (see [`by`]).
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(BASE_SECS + 86_400, 0).unwrap()
}

/// Device `device` of office 51.02.02, with letter `letter`.
pub fn origin(device: &str, letter: &str) -> Origin {
    Origin::new("51.02.02", device, letter).unwrap()
}

/// An office with its staff and nothing else.
pub fn staffed() -> OfficeState {
    OfficeState::fold(&staff_ops())
}
