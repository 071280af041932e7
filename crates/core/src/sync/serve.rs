//! The server's half of a round trip: every rule of sync, over any [`Log`].
//!
//! The real server and the property tests run this same function, the server over a
//! window of its database ([`Log`] implemented by what it read for the request), the
//! tests over [`MemoryLog`](super::MemoryLog), so the tests check the rules that run.

use super::{Epoch, MAX_PUSH, Pushed, ServerOp, SyncError, SyncRequest, SyncResponse};
use crate::credential::{self, Credential, CredentialId};
use crate::ids::{DeviceId, DeviceLetter, IdError, OfficeCode, OpId};
use crate::op::Op;
use crate::state::{ConflictReason, OfficeState, Outcome};
use chrono::{DateTime, Utc};
use std::collections::HashSet;

/// One office's op log, as [`serve`] needs it. Sequence numbers are the office's own,
/// increasing, never given twice in one epoch (gaps are allowed).
pub trait Log {
    /// The history this log is.
    fn epoch(&self) -> &Epoch;
    /// The highest sequence number given out (0 when none).
    fn head(&self) -> u64;
    /// The op stored under `id`, in this office or, for a foreign id, in another.
    fn find(&self, id: &OpId) -> Option<&ServerOp>;
    /// Appends an op with its outcome as the next sequence number, and returns it.
    fn append(&mut self, op: Op, outcome: Outcome) -> u64;
    /// The staff credential `id`, as the server issued it (revoked or not).
    fn credential(&self, id: &CredentialId) -> Option<&Credential>;
}

/// The ops of a log after a cursor, as an answer hands them back.
pub trait LogTail {
    /// Up to `limit` ops after `cursor`, in order, and whether more follow.
    fn after(&self, cursor: u64, limit: usize) -> (Vec<ServerOp>, bool);
}

/// Who is pushing: the device the server authenticated, with its office and letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The device's office.
    pub office: OfficeCode,
    /// The device.
    pub device: DeviceId,
    /// The letter its tickets carry.
    pub letter: DeviceLetter,
}

impl Origin {
    /// An origin from text (tests and examples).
    pub fn new(office: &str, device: &str, letter: &str) -> Result<Self, IdError> {
        Ok(Self {
            office: OfficeCode::new(office)?,
            device: DeviceId::new(device)?,
            letter: DeviceLetter::new(letter)?,
        })
    }
}

/// One round trip against `log` and the office's folded `state` (kept in step with the
/// log: every appended op is folded into it, in order): [`accept`], then the answer of
/// up to `page` ops after the request's cursor ([`Accepted::answer`]).
pub fn serve(
    log: &mut (impl Log + LogTail),
    state: &mut OfficeState,
    origin: &Origin,
    request: SyncRequest,
    now: DateTime<Utc>,
    page: usize,
) -> Result<SyncResponse, SyncError> {
    let accepted = accept(log, state, origin, request, now)?;
    let tail = log.after(accepted.cursor, page.max(1));
    Ok(accepted.answer(tail, now))
}

/// The push half of a round trip, decided: what the answer says besides the ops it
/// hands back. A server may read those ops later, outside whatever serialises its pushes
/// (ops appended meanwhile only make the answer fresher).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The history the log was when the push was decided.
    pub epoch: Epoch,
    /// What became of each pushed op, in push order.
    pub pushed: Vec<Pushed>,
    /// The request's cursor: the answer's ops come after it.
    pub cursor: u64,
}

/// An op in server order, in whatever form a log hands it back (the server keeps them
/// as the JSON it stored, the tests as [`ServerOp`]s).
pub trait Sequenced {
    /// Its place in the server's order.
    fn seq(&self) -> u64;
}

impl Sequenced for ServerOp {
    fn seq(&self) -> u64 {
        self.seq
    }
}

impl Accepted {
    /// The answer, with `tail`: ops after [`Accepted::cursor`] in order, and whether more
    /// follow them (as [`Log::after`] gives them). The next cursor is the last op's.
    pub fn answer<O: Sequenced>(self, tail: (Vec<O>, bool), now: DateTime<Utc>) -> SyncResponse<O> {
        let (ops, more) = tail;
        let cursor = ops.last().map_or(self.cursor, Sequenced::seq);
        SyncResponse {
            epoch: self.epoch,
            pushed: self.pushed,
            ops,
            cursor,
            more,
            server_ms: now.timestamp_millis(),
        }
    }
}

/// Decides a request against `log` and `state`, appending what it pushes.
///
/// The whole request is checked before anything is appended, so a refused request changes
/// nothing: the epoch and cursor, the push's size and repeats, each op's origin, and ids
/// reused for different ops. Then each op in push order: one already in the log is answered
/// with its first outcome; a new one whose proof of its actor does not check
/// ([`credential::check`]), or whose shape or time the server does not accept, is
/// appended as refused (kept, and shown to its maker, never blocking the ops behind it);
/// any other is folded and appended with its outcome.
pub fn accept(
    log: &mut impl Log,
    state: &mut OfficeState,
    origin: &Origin,
    request: SyncRequest,
    now: DateTime<Utc>,
) -> Result<Accepted, SyncError> {
    check_request(log, origin, &request)?;
    let pushed = request
        .push
        .into_iter()
        .map(|op| push_one(log, state, op, now))
        .collect();
    Ok(Accepted {
        epoch: log.epoch().clone(),
        pushed,
        cursor: request.cursor,
    })
}

fn check_request(log: &impl Log, origin: &Origin, request: &SyncRequest) -> Result<(), SyncError> {
    // A cursor means something only in its history; a device with a cursor and no epoch
    // synced before epochs existed, so it cannot show it is in this one.
    let same_history = match &request.epoch {
        Some(epoch) => epoch == log.epoch(),
        None => request.cursor == 0,
    };
    if !same_history {
        return Err(SyncError::HistoryChanged {
            device: request.epoch.clone(),
            server: log.epoch().clone(),
        });
    }
    let head = log.head();
    if request.cursor > head {
        return Err(SyncError::CursorAhead {
            cursor: request.cursor,
            head,
        });
    }
    if request.push.len() > MAX_PUSH {
        return Err(SyncError::TooManyOps(request.push.len()));
    }
    let mut seen = HashSet::with_capacity(request.push.len());
    for op in &request.push {
        if !seen.insert(op.id) {
            return Err(SyncError::RepeatedInPush(op.id));
        }
        op.check_origin(&origin.office, &origin.device, &origin.letter)
            .map_err(SyncError::Origin)?;
        if log.find(&op.id).is_some_and(|known| &known.op != op) {
            return Err(SyncError::IdReused(op.id));
        }
    }
    Ok(())
}

fn push_one(log: &mut impl Log, state: &mut OfficeState, op: Op, now: DateTime<Utc>) -> Pushed {
    if let Some(known) = log.find(&op.id) {
        return Pushed {
            id: op.id,
            seq: known.seq,
            outcome: known.outcome.clone(),
            repeated: true,
        };
    }
    let proven = credential::check(
        &op,
        op.proof
            .as_ref()
            .and_then(|p| log.credential(&p.credential)),
    );
    let outcome = match proven {
        Err(problem) => state.refuse(&op, ConflictReason::Unproven { problem }),
        Ok(()) => match op.validate().and_then(|()| op.check_time(now)) {
            Ok(()) => state.apply(&op),
            Err(refusal) => state.refuse(&op, refusal.into()),
        },
    };
    let id = op.id;
    let seq = log.append(op, outcome.clone());
    Pushed {
        id,
        seq,
        outcome,
        repeated: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::{KasiReturn, OpBody};
    use crate::sync::Replica;
    use crate::test_support::*;

    fn push(ops: Vec<Op>) -> SyncRequest {
        SyncRequest {
            epoch: None,
            cursor: 0,
            push: ops,
            pending: 0,
        }
    }

    #[test]
    fn a_repeated_push_changes_nothing_and_answers_the_same() {
        let mut server = ledger();
        let a = origin("dev-a", "A");
        let op = issue(1, "dev-a", "A", 1, false, 0);
        let first = server.sync(&a, push(vec![op.clone()]), now()).unwrap();
        let again = server.sync(&a, push(vec![op]), now()).unwrap();
        let (first, again) = (&first.pushed[0], &again.pushed[0]);
        assert_eq!((first.seq, &first.outcome), (again.seq, &again.outcome));
        assert!(!first.repeated && again.repeated);
        assert_eq!(server.log().len(), 1);
    }

    #[test]
    fn bad_requests_change_nothing() {
        let mut server = ledger();
        let a = origin("dev-a", "A");
        server
            .sync(&a, push(vec![issue(1, "dev-a", "A", 1, false, 0)]), now())
            .unwrap();
        let epoch = Some(server.epoch().clone());
        let before = (server.log().to_vec(), server.state().clone());
        let mut refused = |request: SyncRequest, origin: &Origin| {
            server.sync(origin, request, now()).unwrap_err()
        };
        let ahead = SyncRequest {
            epoch: epoch.clone(),
            cursor: 5,
            push: vec![issue(2, "dev-a", "A", 2, false, 0)],
            pending: 0,
        };
        assert_eq!(
            refused(ahead, &a),
            SyncError::CursorAhead { cursor: 5, head: 1 }
        );
        let no_epoch = SyncRequest {
            epoch: None,
            cursor: 1,
            push: vec![issue(2, "dev-a", "A", 2, false, 0)],
            pending: 0,
        };
        assert!(matches!(
            refused(no_epoch, &a),
            SyncError::HistoryChanged { device: None, .. }
        ));
        let op = issue(3, "dev-a", "A", 3, false, 0);
        assert!(matches!(
            refused(push(vec![op.clone(), op]), &a),
            SyncError::RepeatedInPush(_)
        ));
        let many = (0..=MAX_PUSH as u32)
            .map(|i| issue(100 + i, "dev-a", "A", 10 + i as u16, false, 0))
            .collect();
        assert_eq!(refused(push(many), &a), SyncError::TooManyOps(MAX_PUSH + 1));
        // A good op ahead of one that is not the sender's: neither is taken.
        let good = issue(4, "dev-a", "A", 4, false, 0);
        let theirs = issue(5, "dev-b", "B", 1, false, 0);
        let err = refused(push(vec![good.clone(), theirs]), &a);
        assert_eq!(err.code(), crate::ErrorCode::WrongDevice);
        let wrong_letter = issue(6, "dev-a", "B", 1, false, 0);
        assert_eq!(
            refused(push(vec![good.clone(), wrong_letter]), &a).code(),
            crate::ErrorCode::WrongLetter
        );
        let mut elsewhere = good.clone();
        elsewhere.office = crate::OfficeCode::new("51.02.03").unwrap();
        assert_eq!(
            refused(push(vec![elsewhere]), &a).code(),
            crate::ErrorCode::WrongOffice
        );
        // The first op's id again, for a different op.
        let mut reused = issue(7, "dev-a", "A", 7, false, 0);
        reused.id = op_id(1);
        assert_eq!(
            refused(push(vec![good, reused]), &a),
            SyncError::IdReused(op_id(1))
        );
        assert_eq!((server.log().to_vec(), server.state().clone()), before);
    }

    #[test]
    fn an_op_the_server_cannot_take_is_refused_alone_and_the_ops_behind_it_go_on() {
        let mut server = staffed_ledger();
        let a = origin("dev-a", "A");
        let mut tablet = Replica::default();
        tablet
            .receive(server.sync(&a, tablet.request(10), now()).unwrap())
            .unwrap();
        let mut too_late = issue(1, "dev-a", "A", 1, false, 0);
        too_late.at = now() + chrono::Duration::days(3);
        let too_late = crate::testing::signed(too_late);
        let empty_return = op(
            2,
            "dev-a",
            1,
            OpBody::KasiReturn(KasiReturn {
                ticket: tref("A", 1),
                reason: crate::verification::ReturnReason::ALL[0],
                explanation: "  ".into(),
            }),
        );
        tablet.record(too_late);
        tablet.record(empty_return);
        tablet.record(issue(3, "dev-a", "A", 2, false, 2));
        let response = server.sync(&a, tablet.request(10), now()).unwrap();
        let outcomes: Vec<_> = response.pushed.iter().map(|p| &p.outcome).collect();
        assert!(
            matches!(
                outcomes[0],
                Outcome::Conflict {
                    reason: ConflictReason::BadTime { .. }
                }
            ),
            "{outcomes:?}"
        );
        assert!(
            matches!(
                outcomes[1],
                Outcome::Conflict {
                    reason: ConflictReason::Malformed { .. }
                }
            ),
            "{outcomes:?}"
        );
        assert_eq!(outcomes[2], &Outcome::Applied);
        let received = tablet.receive(response).unwrap();
        assert!(received.disagreements.is_empty());
        assert!(tablet.pending().is_empty());
        assert_eq!(tablet.view(), server.state());
        // Both refusals are the device's conflicts, shown to its staff; the ticket behind them exists.
        let device = crate::DeviceId::new("dev-a").unwrap();
        assert_eq!(tablet.view().conflicts_of(&device).count(), 2);
        assert!(tablet.view().ticket(day(), &no("A", 2)).is_some());
        assert!(tablet.view().ticket(day(), &no("A", 1)).is_none());
    }

    #[test]
    fn an_op_whose_actor_is_not_proven_is_refused_alone() {
        use crate::credential::ProofProblem;
        let mut server = staffed_ledger();
        let a = origin("dev-a", "A");
        // The operator's tablet claims the admin made a new admin: its proof is the
        // operator's own, so it names the wrong person.
        let mut forged = by(
            1,
            "dev-a",
            "staff-admin",
            0,
            OpBody::SaveStaff(account("staff-mallory", crate::Role::Admin)),
        );
        let own = issue(2, "dev-a", "A", 1, false, 0);
        forged.proof = own.proof.clone();
        let mut unsigned = issue(3, "dev-a", "A", 2, false, 0);
        unsigned.proof = None;
        let mut revoked = crate::testing::credential(&own.office, &own.device, &own.actor);
        let fine = issue(4, "dev-a", "A", 3, false, 0);
        let response = server
            .sync(&a, push(vec![forged, unsigned, fine.clone()]), now())
            .unwrap();
        let outcomes: Vec<_> = response.pushed.iter().map(|p| &p.outcome).collect();
        let unproven = |problem| Outcome::Conflict {
            reason: ConflictReason::Unproven { problem },
        };
        assert_eq!(outcomes[0], &unproven(ProofProblem::NotTheirs));
        assert_eq!(outcomes[1], &unproven(ProofProblem::Missing));
        assert_eq!(outcomes[2], &Outcome::Applied);
        assert!(
            server
                .state()
                .staff_member(&crate::StaffId::new("staff-mallory").unwrap())
                .is_none()
        );
        // Revoked: the operator's next op is refused, and says why.
        revoked.revoked = true;
        server.issue(revoked);
        let later = issue(5, "dev-a", "A", 4, false, 0);
        let response = server.sync(&a, push(vec![later]), now()).unwrap();
        assert_eq!(response.pushed[0].outcome, unproven(ProofProblem::Revoked));
        // A device that folds the whole log (as the server does at start) takes the
        // refusals as they were: no forged admin, no revoked operator's ticket.
        let mut fresh = crate::sync::Replica::default();
        let b = origin("dev-b", "B");
        let pulled = server.sync(&b, fresh.request(10), now()).unwrap();
        fresh.receive(pulled).unwrap();
        assert_eq!(fresh.view(), server.state());
        assert!(
            fresh
                .view()
                .staff_member(&crate::StaffId::new("staff-mallory").unwrap())
                .is_none()
        );
        assert!(fresh.view().ticket(day(), &no("A", 4)).is_none());
        assert!(fresh.view().ticket(day(), &no("A", 3)).is_some());
        assert_eq!(fresh.view().conflicts_of(&a.device).count(), 3);
    }
}
