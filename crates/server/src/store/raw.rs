//! Ops as the database holds them: the JSON a device reads as a
//! [`ServerOp`](loket_core::sync::ServerOp), kept as text. An answer hands back hundreds
//! of ops; parsing each stored row only to write it out again would be most of its cost.

use super::{OpRow, StoreError, corrupt, seq_of};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use std::sync::Arc;

/// One op in server order as JSON, `{"seq":…,"op":…,"outcome":…}`. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RawOp {
    seq: u64,
    json: Arc<RawValue>,
}

impl RawOp {
    /// The op numbered `seq`, from its stored body and outcome (both JSON).
    ///
    /// Checks that the result is JSON, so a damaged row is an error here rather than a
    /// broken answer. It is not checked to be an op: rows are written only by
    /// [`Backend::append`](super::Backend::append) from ops, and are read as ops when an
    /// office is folded at start-up, which a row edited by hand would fail.
    pub fn new(seq: u64, body: &str, outcome: &str) -> Result<Self, StoreError> {
        // The field order and names of `ServerOp`, which a test holds this to.
        let text = format!(r#"{{"seq":{seq},"op":{body},"outcome":{outcome}}}"#);
        let json = RawValue::from_string(text).map_err(|e| corrupt("op", seq, e))?;
        Ok(Self {
            seq,
            json: Arc::from(json),
        })
    }

    /// The JSON text.
    pub fn json(&self) -> &str {
        self.json.get()
    }
}

impl loket_core::sync::Sequenced for RawOp {
    fn seq(&self) -> u64 {
        self.seq
    }
}

impl Serialize for RawOp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(serializer)
    }
}

/// A stored row as a [`RawOp`], unparsed.
pub(super) fn raw_op((seq, body, outcome): OpRow) -> Result<RawOp, StoreError> {
    RawOp::new(seq_of(seq), &body, &outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, NaiveDate};
    use loket_core::catalogue::CaseCode;
    use loket_core::sync::ServerOp;
    use loket_core::{
        ConflictReason, DeviceId, DeviceLetter, IssueTicket, OfficeCode, Op, OpBody, OpId, Outcome,
        StaffId, TicketNo,
    };

    fn issue() -> Op {
        Op {
            id: OpId(uuid::Uuid::from_u128(7)),
            office: OfficeCode::new("51.02.02").unwrap(),
            device: DeviceId::new("dev-a").unwrap(),
            actor: StaffId::new("operator").unwrap(),
            at: DateTime::from_timestamp(1_764_000_000, 0).unwrap(),
            body: OpBody::IssueTicket(IssueTicket {
                number: TicketNo {
                    letter: DeviceLetter::new("A").unwrap(),
                    serial: 3,
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
    fn reads_back_as_the_server_op_it_was() {
        for outcome in [
            Outcome::Applied,
            Outcome::Conflict {
                reason: ConflictReason::BadTime {
                    at: DateTime::from_timestamp(1_764_000_000, 0).unwrap(),
                },
            },
        ] {
            let op = ServerOp {
                seq: 42,
                op: issue(),
                outcome,
            };
            let body = serde_json::to_string(&op.op).unwrap();
            let outcome = serde_json::to_string(&op.outcome).unwrap();
            let raw = RawOp::new(42, &body, &outcome).unwrap();
            let back: ServerOp = serde_json::from_str(raw.json()).unwrap();
            assert_eq!(back, op);
            assert_eq!(
                serde_json::to_string(&raw).unwrap(),
                serde_json::to_string(&op).unwrap()
            );
        }
    }

    #[test]
    fn a_damaged_row_is_an_error() {
        let err = RawOp::new(7, r#"{"id": "#, "\"applied\"").unwrap_err();
        assert!(
            matches!(err, StoreError::Corrupt { what: "op", .. }),
            "{err}"
        );
    }
}
