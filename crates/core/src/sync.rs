//! The sync protocol (the Replicache model), sans-IO: these functions take messages and
//! state and return messages; the app and the server only move the bytes.
//!
//! A device keeps its *confirmed* state (ops in server order up to its `cursor`) and its
//! *pending* ops. One round trip:
//!
//! 1. The device sends [`SyncRequest`]: its cursor and (some of) its pending ops.
//! 2. The server appends each op it has not seen (the op id makes a repeated push
//!    harmless), gives it the next sequence number, folds it, and answers with every op
//!    after the cursor ([`SyncResponse`]).
//! 3. The device applies those ops to its confirmed state, drops the pending ops that came
//!    back confirmed, and replays the rest on top ([`Replica::receive`]).
//!
//! If a response is lost, the ops stay pending and the next push is answered "already
//! applied", so each op takes effect exactly once.
//!
//! ```
//! use loket_core::sync::{Ledger, Replica};
//! let mut server = Ledger::default();
//! let mut tablet = Replica::default();
//! // The tablet records ops offline with `tablet.record(op)`, then syncs:
//! let response = server.sync(tablet.request(100), 1000).unwrap();
//! tablet.receive(response).unwrap();
//! assert_eq!(tablet.view(), server.state());
//! ```

use crate::ids::OpId;
use crate::op::Op;
use crate::state::{OfficeState, Outcome};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use thiserror::Error;

/// The most ops one push may carry; a device sends more in several rounds.
pub const MAX_PUSH: usize = 500;
/// The most ops one pull returns; `more` says when there are others.
pub const MAX_PULL: usize = 2000;

/// A device's half of a round trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// The sequence number of the last op the device has confirmed (0: none).
    pub cursor: u64,
    /// Pending ops, oldest first.
    #[serde(default)]
    pub push: Vec<Op>,
}

/// The server's half of a round trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// What became of each pushed op, in push order.
    pub pushed: Vec<Pushed>,
    /// Ops after the request's cursor, in server order.
    pub ops: Vec<ServerOp>,
    /// The cursor to send next time.
    pub cursor: u64,
    /// More ops wait after `cursor`: sync again.
    pub more: bool,
    /// The server's clock (Unix milliseconds), so a device can tell its own clock is off;
    /// 0 when unknown (the in-memory [`Ledger`] has no clock).
    #[serde(default)]
    pub server_ms: i64,
}

/// The fate of one pushed op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pushed {
    /// The op.
    pub id: OpId,
    /// Its place in the server's order.
    pub seq: u64,
    /// What applying it did.
    pub outcome: Outcome,
    /// It had been pushed before (a retry after a lost response); nothing changed now.
    pub repeated: bool,
}

/// An op in the server's order, as a device receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerOp {
    /// Its place in the server's order.
    pub seq: u64,
    /// The op.
    pub op: Op,
    /// What applying it did, as the server folded it.
    pub outcome: Outcome,
}

/// A round trip that cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SyncError {
    /// The device claims ops the server never gave out (its database was replaced).
    #[error("cursor {cursor} is ahead of the server's last op {head}")]
    CursorAhead { cursor: u64, head: u64 },
    /// A push carries more ops than one round may.
    #[error("a push may carry at most {MAX_PUSH} ops, this one has {0}")]
    TooManyOps(usize),
    /// The same op id twice in one push.
    #[error("op {0} appears twice in one push")]
    RepeatedInPush(OpId),
    /// A response whose ops are not after the cursor in increasing order.
    #[error("the server sent op #{got} after #{after}: out of order")]
    OutOfOrder { after: u64, got: u64 },
}

/// Checks a push before anything is applied, so a bad one changes nothing.
pub fn check_push(push: &[Op]) -> Result<(), SyncError> {
    if push.len() > MAX_PUSH {
        return Err(SyncError::TooManyOps(push.len()));
    }
    let mut seen = HashSet::with_capacity(push.len());
    for op in push {
        if !seen.insert(op.id) {
            return Err(SyncError::RepeatedInPush(op.id));
        }
    }
    Ok(())
}

/// The server's rules for one office, in memory: the reference the real server follows
/// with its database, and the peer the tests sync devices with.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    log: Vec<ServerOp>,
    index: HashMap<OpId, usize>,
    state: OfficeState,
}

impl Ledger {
    /// Appends an op once: a repeated id returns its first result and changes nothing.
    pub fn push(&mut self, op: Op) -> Pushed {
        if let Some(&i) = self.index.get(&op.id) {
            let known = &self.log[i];
            return Pushed {
                id: op.id,
                seq: known.seq,
                outcome: known.outcome.clone(),
                repeated: true,
            };
        }
        let outcome = self.state.apply(&op);
        let seq = self.log.len() as u64 + 1;
        self.index.insert(op.id, self.log.len());
        let pushed = Pushed {
            id: op.id,
            seq,
            outcome: outcome.clone(),
            repeated: false,
        };
        self.log.push(ServerOp { seq, op, outcome });
        pushed
    }

    /// One round trip: the push, then up to `limit` ops after the cursor.
    pub fn sync(&mut self, request: SyncRequest, limit: usize) -> Result<SyncResponse, SyncError> {
        let head = self.log.len() as u64;
        if request.cursor > head {
            return Err(SyncError::CursorAhead {
                cursor: request.cursor,
                head,
            });
        }
        check_push(&request.push)?;
        let pushed = request.push.into_iter().map(|op| self.push(op)).collect();
        let start = request.cursor as usize;
        let end = (start + limit).min(self.log.len());
        let ops = self.log[start..end].to_vec();
        let cursor = ops.last().map_or(request.cursor, |o| o.seq);
        Ok(SyncResponse {
            pushed,
            ops,
            cursor,
            more: end < self.log.len(),
            server_ms: 0,
        })
    }

    /// The folded state.
    pub fn state(&self) -> &OfficeState {
        &self.state
    }

    /// Every op in server order.
    pub fn log(&self) -> &[ServerOp] {
        &self.log
    }
}

/// What one response changed on a device, for the caller to persist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    /// Ops newly confirmed, in server order: store them and the new cursor together.
    pub confirmed: Vec<ServerOp>,
    /// Ids of pending ops that came back confirmed and are no longer pending.
    pub settled: Vec<OpId>,
    /// Confirmed ops whose server outcome differs from this device's fold (a version skew).
    pub disagreements: Vec<u64>,
}

/// A device's replica: confirmed state at a cursor, plus pending ops replayed on top.
#[derive(Debug, Clone, Default)]
pub struct Replica {
    confirmed: OfficeState,
    cursor: u64,
    pending: Vec<Op>,
    /// Pushed and acknowledged but not yet pulled back: not pushed again this session.
    acked: HashSet<OpId>,
    view: OfficeState,
}

impl Replica {
    /// Rebuilds a replica from what a device persisted. Cheap: only pending ops are replayed.
    pub fn new(confirmed: OfficeState, cursor: u64, pending: Vec<Op>) -> Self {
        let mut replica = Self {
            confirmed,
            cursor,
            pending,
            acked: HashSet::new(),
            view: OfficeState::default(),
        };
        replica.rebase();
        replica
    }

    fn rebase(&mut self) {
        self.view = self.confirmed.clone();
        for op in &self.pending {
            self.view.apply(op);
        }
    }

    /// What staff see: confirmed state with pending ops on top.
    pub fn view(&self) -> &OfficeState {
        &self.view
    }

    /// The state confirmed by the server, up to [`Self::cursor`].
    pub fn confirmed(&self) -> &OfficeState {
        &self.confirmed
    }

    /// The last confirmed sequence number.
    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    /// Ops made here and not yet confirmed, oldest first.
    pub fn pending(&self) -> &[Op] {
        &self.pending
    }

    /// Records an op made on this device; its outcome is tentative until confirmed.
    pub fn record(&mut self, op: Op) -> Outcome {
        let outcome = self.view.apply(&op);
        self.pending.push(op);
        outcome
    }

    /// Starts again from nothing after the server refused the cursor as ahead of its log
    /// (it was restored from a backup): this device's own confirmed ops, `own`, become
    /// pending again ahead of the pending ones, so those the backup lacks are pushed anew
    /// and those it has are answered "repeated". Nothing made here is lost.
    pub fn restart(&mut self, own: Vec<Op>) {
        let mut pending = own;
        let known: HashSet<OpId> = pending.iter().map(|op| op.id).collect();
        pending.extend(self.pending.drain(..).filter(|op| !known.contains(&op.id)));
        *self = Self::new(OfficeState::default(), 0, pending);
    }

    /// The next request: the cursor and up to `max` pending ops not yet acknowledged.
    pub fn request(&self, max: usize) -> SyncRequest {
        let push = self
            .pending
            .iter()
            .filter(|op| !self.acked.contains(&op.id))
            .take(max.min(MAX_PUSH))
            .cloned()
            .collect();
        SyncRequest {
            cursor: self.cursor,
            push,
        }
    }

    /// Whether pending ops wait to be sent (the caller also syncs again when the server
    /// answered `more`).
    pub fn has_unsent(&self) -> bool {
        self.pending.iter().any(|op| !self.acked.contains(&op.id))
    }

    /// Takes a response in: confirms ops, settles pending ones, replays the rest.
    pub fn receive(&mut self, response: SyncResponse) -> Result<Received, SyncError> {
        let mut after = self.cursor;
        for op in &response.ops {
            if op.seq <= after {
                return Err(SyncError::OutOfOrder { after, got: op.seq });
            }
            after = op.seq;
        }
        let mut received = Received::default();
        // A pending op the server already ordered at or before our cursor is in the confirmed
        // state already (its first response was lost, or saving it failed): settle it here.
        let mut healed = Vec::new();
        for pushed in &response.pushed {
            self.acked.insert(pushed.id);
            if pushed.seq > self.cursor {
                continue;
            }
            if let Some(i) = self.pending.iter().position(|op| op.id == pushed.id) {
                self.acked.remove(&pushed.id);
                let op = self.pending.remove(i);
                received.settled.push(op.id);
                healed.push(ServerOp {
                    seq: pushed.seq,
                    op,
                    outcome: pushed.outcome.clone(),
                });
            }
        }
        let confirmed_ids: HashSet<OpId> = response.ops.iter().map(|o| o.op.id).collect();
        for server_op in &response.ops {
            let outcome = self.confirmed.apply(&server_op.op);
            if outcome != server_op.outcome {
                received.disagreements.push(server_op.seq);
            }
        }
        received.settled.extend(
            self.pending
                .iter()
                .filter(|op| confirmed_ids.contains(&op.id))
                .map(|op| op.id),
        );
        self.pending.retain(|op| !confirmed_ids.contains(&op.id));
        self.acked.retain(|id| !confirmed_ids.contains(id));
        self.cursor = response.cursor.max(after);
        if !response.ops.is_empty() || !healed.is_empty() {
            self.rebase();
        }
        healed.extend(response.ops);
        received.confirmed = healed;
        Ok(received)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ConflictReason;
    use crate::test_support::*;

    #[test]
    fn a_repeated_push_changes_nothing_and_answers_the_same() {
        let mut server = Ledger::default();
        let op = issue(1, "dev-a", "A", 1, false, 0);
        let first = server.push(op.clone());
        let again = server.push(op);
        assert_eq!((first.seq, &first.outcome), (again.seq, &again.outcome));
        assert!(!first.repeated && again.repeated);
        assert_eq!(server.log().len(), 1);
    }

    #[test]
    fn lost_response_then_retry_applies_once() {
        let mut server = Ledger::default();
        let mut tablet = Replica::default();
        tablet.record(issue(1, "dev-a", "A", 1, false, 0));
        tablet.record(issue(2, "dev-a", "A", 2, false, 1));
        let _lost = server.sync(tablet.request(10), 100).unwrap();
        // The tab closes: a fresh replica from what was persisted still has both pending.
        let mut tablet = Replica::new(
            tablet.confirmed().clone(),
            tablet.cursor(),
            tablet.pending().to_vec(),
        );
        let response = server.sync(tablet.request(10), 100).unwrap();
        assert!(response.pushed.iter().all(|p| p.repeated));
        let received = tablet.receive(response).unwrap();
        assert_eq!(received.settled.len(), 2);
        assert!(tablet.pending().is_empty());
        assert_eq!(server.log().len(), 2);
        assert_eq!(tablet.view(), server.state());
    }

    #[test]
    fn a_pending_op_already_confirmed_is_settled_by_its_repeated_push() {
        let mut server = Ledger::default();
        let mut tablet = Replica::default();
        let op = issue(1, "dev-a", "A", 1, false, 0);
        tablet.record(op.clone());
        tablet
            .receive(server.sync(tablet.request(10), 100).unwrap())
            .unwrap();
        // The disk kept the op as pending although the snapshot confirmed it.
        let mut reloaded = Replica::new(tablet.confirmed().clone(), tablet.cursor(), vec![op]);
        assert_eq!(reloaded.pending().len(), 1);
        let received = reloaded
            .receive(server.sync(reloaded.request(10), 100).unwrap())
            .unwrap();
        assert!(reloaded.pending().is_empty());
        assert_eq!(received.confirmed.len(), 1);
        assert_eq!(reloaded.view(), server.state());
        assert_eq!(server.log().len(), 1);
    }

    #[test]
    fn a_server_restored_from_a_backup_gets_the_lost_ops_back() {
        let mut server = Ledger::default();
        let mut tablet = Replica::default();
        let ops: Vec<Op> = (1..=4)
            .map(|i| issue(i, "dev-a", "A", i as u16, false, 0))
            .collect();
        tablet.record(ops[0].clone());
        tablet.record(ops[1].clone());
        tablet
            .receive(server.sync(tablet.request(10), 100).unwrap())
            .unwrap();
        let backup = server.clone();
        tablet.record(ops[2].clone());
        tablet
            .receive(server.sync(tablet.request(10), 100).unwrap())
            .unwrap();
        tablet.record(ops[3].clone());

        // The server comes back from the backup: it lacks the third op.
        let mut server = backup;
        let err = server.sync(tablet.request(10), 100).unwrap_err();
        assert!(matches!(err, SyncError::CursorAhead { cursor: 3, head: 2 }));
        // The device knows its own confirmed ops (the app keeps them in IndexedDB).
        tablet.restart(ops[..3].to_vec());
        assert_eq!(tablet.cursor(), 0);
        assert_eq!(tablet.pending().len(), 4);
        while tablet.has_unsent() || tablet.cursor() < server.log().len() as u64 {
            tablet
                .receive(server.sync(tablet.request(10), 100).unwrap())
                .unwrap();
        }
        assert!(tablet.pending().is_empty());
        let ids: Vec<_> = server.log().iter().map(|o| o.op.id).collect();
        assert_eq!(
            ids,
            ops.iter().map(|o| o.id).collect::<Vec<_>>(),
            "each op once, in order"
        );
        assert_eq!(tablet.view(), server.state());
    }

    #[test]
    fn two_tablets_calling_one_ticket_get_one_winner_and_one_conflict() {
        let mut server = staffed_ledger();
        let mut a = Replica::default();
        let mut b = Replica::default();
        a.record(issue(1, "dev-a", "A", 1, false, 0));
        a.receive(server.sync(a.request(10), 100).unwrap()).unwrap();
        b.receive(server.sync(b.request(10), 100).unwrap()).unwrap();
        assert_eq!(a.record(call(2, "dev-a", "A", 1, 1)), Outcome::Applied);
        assert_eq!(b.record(call(3, "dev-b", "A", 1, 2)), Outcome::Applied);
        a.receive(server.sync(a.request(10), 100).unwrap()).unwrap();
        b.receive(server.sync(b.request(10), 100).unwrap()).unwrap();
        a.receive(server.sync(a.request(10), 100).unwrap()).unwrap();
        assert_eq!(a.view(), b.view());
        let conflicts = b.view().conflicts();
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].device.as_str(), "dev-b");
        assert!(matches!(
            conflicts[0].reason,
            ConflictReason::AlreadyCalled { .. }
        ));
    }

    #[test]
    fn bad_requests_change_nothing() {
        let mut server = Ledger::default();
        server.push(issue(1, "dev-a", "A", 1, false, 0));
        let ahead = SyncRequest {
            cursor: 5,
            push: vec![issue(2, "dev-a", "A", 2, false, 0)],
        };
        assert_eq!(
            server.sync(ahead, 10),
            Err(SyncError::CursorAhead { cursor: 5, head: 1 })
        );
        let op = issue(3, "dev-a", "A", 3, false, 0);
        let twice = SyncRequest {
            cursor: 0,
            push: vec![op.clone(), op],
        };
        assert!(matches!(
            server.sync(twice, 10),
            Err(SyncError::RepeatedInPush(_))
        ));
        let many = (0..=MAX_PUSH as u32)
            .map(|i| issue(100 + i, "dev-a", "A", 10 + i as u16, false, 0))
            .collect();
        assert_eq!(
            server.sync(
                SyncRequest {
                    cursor: 0,
                    push: many
                },
                10
            ),
            Err(SyncError::TooManyOps(MAX_PUSH + 1))
        );
        assert_eq!(server.log().len(), 1);
    }

    #[test]
    fn pulls_page_and_report_more() {
        let mut server = Ledger::default();
        for i in 1..=5 {
            server.push(issue(i, "dev-a", "A", i as u16, false, 0));
        }
        let mut tablet = Replica::default();
        let first = server.sync(tablet.request(10), 2).unwrap();
        assert!(first.more);
        tablet.receive(first).unwrap();
        assert_eq!(tablet.cursor(), 2);
        let out_of_order = SyncResponse {
            pushed: vec![],
            ops: server.log()[0..1].to_vec(),
            cursor: 1,
            more: false,
            server_ms: 0,
        };
        assert!(matches!(
            tablet.receive(out_of_order),
            Err(SyncError::OutOfOrder { .. })
        ));
        while tablet.cursor() < 5 {
            tablet
                .receive(server.sync(tablet.request(10), 2).unwrap())
                .unwrap();
        }
        assert_eq!(tablet.view(), server.state());
    }
}
