//! A device's half of sync: its confirmed state, its pending ops, and what a response does to them.

use super::{Epoch, MAX_PUSH, MAX_PUSH_BYTES, ServerOp, SyncError, SyncRequest, SyncResponse};
use crate::ids::OpId;
use crate::op::Op;
use crate::state::{OfficeState, Outcome};
use std::collections::HashSet;

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
    /// The history `cursor` belongs to; `None` until the first answer.
    epoch: Option<Epoch>,
    confirmed: OfficeState,
    cursor: u64,
    pending: Vec<Op>,
    /// The outcome each pending op had when it was last replayed onto the view, in step
    /// with `pending` (except while rebuilding): lets a response that confirms just the
    /// first pending ops as they were replayed leave the view as it is.
    replayed: Vec<Outcome>,
    /// Pushed and acknowledged but not yet pulled back: not pushed again this session.
    acked: HashSet<OpId>,
    view: OfficeState,
    /// Started again for a new history and not caught up yet: the view stays what it was
    /// (staff keep working on it) until the new history is pulled in full.
    rebuilding: bool,
    /// How many times the view changed.
    view_changes: u64,
}

impl Replica {
    /// Rebuilds a replica from what a device persisted: the confirmed state at `cursor` of
    /// history `epoch`, and the pending ops. Cheap: only pending ops are replayed.
    pub fn new(
        epoch: Option<Epoch>,
        confirmed: OfficeState,
        cursor: u64,
        pending: Vec<Op>,
    ) -> Self {
        let mut replica = Self {
            epoch,
            confirmed,
            cursor,
            pending,
            replayed: Vec::new(),
            acked: HashSet::new(),
            view: OfficeState::default(),
            rebuilding: false,
            view_changes: 0,
        };
        replica.rebase();
        replica
    }

    fn rebase(&mut self) {
        self.view_changes += 1;
        self.view = self.confirmed.clone();
        self.replayed = self.pending.iter().map(|op| self.view.apply(op)).collect();
    }

    /// What staff see: confirmed state with pending ops on top.
    pub fn view(&self) -> &OfficeState {
        &self.view
    }

    /// A count that moves whenever the view changes (and only then): a page showing the
    /// view of this replica redraws when it moved. A confirmed round of this device's own
    /// ops, the common round of a push, leaves it where it was.
    pub fn view_changes(&self) -> u64 {
        self.view_changes
    }

    /// The state confirmed by the server, up to [`Self::cursor`].
    pub fn confirmed(&self) -> &OfficeState {
        &self.confirmed
    }

    /// The history the confirmed state belongs to.
    pub fn epoch(&self) -> Option<&Epoch> {
        self.epoch.as_ref()
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
        self.view_changes += 1;
        let outcome = self.view.apply(&op);
        self.pending.push(op);
        self.replayed.push(outcome.clone());
        outcome
    }

    /// Starts again from nothing after the server said its history is not the one the
    /// cursor belongs to ([`SyncError::needs_restart`]: it was restored from a backup): this
    /// device's own confirmed ops, `own`, become pending again ahead of the pending ones, so
    /// those the backup lacks are pushed anew and those it has are answered "repeated".
    /// Nothing made here is lost, and the view stays as it was until the server's new
    /// history has been pulled in full.
    pub fn restart(&mut self, own: Vec<Op>) {
        let mut pending = own;
        let known: HashSet<OpId> = pending.iter().map(|op| op.id).collect();
        pending.extend(self.pending.drain(..).filter(|op| !known.contains(&op.id)));
        // The view is not rebuilt from nothing: it would have no staff and no tickets until
        // the new history is pulled, and an office offline right then could not work.
        self.epoch = None;
        self.confirmed = OfficeState::default();
        self.cursor = 0;
        self.pending = pending;
        self.replayed.clear();
        self.acked.clear();
        self.rebuilding = true;
    }

    /// Whether it started again for a restored server and has not pulled the new history
    /// in full yet: until then the view is the one it had (staff keep working on it).
    pub fn is_rebuilding(&self) -> bool {
        self.rebuilding
    }

    /// The next request: the cursor and up to `max` pending ops not yet acknowledged, in
    /// their order, at most [`MAX_PUSH_BYTES`] of them (always the first, which alone fits:
    /// an op's own limits keep it far below).
    pub fn request(&self, max: usize) -> SyncRequest {
        let mut bytes = 0usize;
        let push = self
            .pending
            .iter()
            .filter(|op| !self.acked.contains(&op.id))
            .take(max.min(MAX_PUSH))
            .enumerate()
            .take_while(|(i, op)| {
                bytes = bytes.saturating_add(json_len(op) + 1);
                *i == 0 || bytes <= MAX_PUSH_BYTES
            })
            .map(|(_, op)| op.clone())
            .collect();
        SyncRequest {
            epoch: self.epoch.clone(),
            cursor: self.cursor,
            push,
            pending: u32::try_from(self.pending.len()).unwrap_or(u32::MAX),
        }
    }

    /// Whether pending ops wait to be sent (the caller also syncs again when the server
    /// answered `more`).
    pub fn has_unsent(&self) -> bool {
        self.pending.iter().any(|op| !self.acked.contains(&op.id))
    }

    /// Takes a response in: confirms ops, settles pending ones, replays the rest.
    pub fn receive(&mut self, response: SyncResponse) -> Result<Received, SyncError> {
        if let Some(epoch) = self.epoch.as_ref().filter(|e| **e != response.epoch) {
            return Err(SyncError::HistoryChanged {
                device: Some(epoch.clone()),
                server: response.epoch,
            });
        }
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
        // The common case of a device sending its work: the server confirms its first
        // pending ops, as they are here, in the order and with the outcomes they had here. Then the confirmed
        // state moves to where the view's replay already passed, and the view stands as it
        // is; replaying every pending op again on each round would cost a push of n ops
        // O(n²).
        let unchanged_view = !self.rebuilding
            && healed.is_empty()
            && !response.ops.is_empty()
            && self.replayed.len() == self.pending.len()
            && response.ops.len() <= self.pending.len()
            && response
                .ops
                .iter()
                .zip(self.pending.iter().zip(&self.replayed))
                .all(|(server, (mine, outcome))| {
                    // The op as the server has it, not just its id: a device that made it
                    // with a finer clock than the wire keeps (nanoseconds against
                    // milliseconds) replayed something slightly different.
                    server.op == *mine && server.outcome == *outcome
                });
        let confirmed_ids: HashSet<OpId> = response.ops.iter().map(|o| o.op.id).collect();
        for server_op in &response.ops {
            let outcome = self
                .confirmed
                .apply_ordered(&server_op.op, &server_op.outcome);
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
        if unchanged_view {
            self.pending.drain(..response.ops.len());
            self.replayed.drain(..response.ops.len());
        } else {
            self.pending.retain(|op| !confirmed_ids.contains(&op.id));
        }
        self.acked.retain(|id| !confirmed_ids.contains(id));
        self.cursor = response.cursor.max(after);
        self.epoch = Some(response.epoch);
        if self.rebuilding && !response.more {
            self.rebuilding = false;
            self.rebase();
        } else if !self.rebuilding
            && !unchanged_view
            && (!response.ops.is_empty() || !healed.is_empty())
        {
            self.rebase();
        }
        healed.extend(response.ops);
        received.confirmed = healed;
        Ok(received)
    }
}

/// The bytes of `op` as JSON, counted without building the text.
fn json_len(op: &Op) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing to a counter cannot fail, nor can an op's serialisation.
    let _ = serde_json::to_writer(&mut count, op);
    count.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ConflictReason;
    use crate::sync::{Epoch, Ledger};
    use crate::test_support::*;

    /// One round trip of `tablet` as device `dev-a` (letter A), the response taken in.
    fn round(server: &mut Ledger, tablet: &mut Replica) -> Received {
        round_as(server, tablet, "dev-a", "A")
    }

    fn round_as(server: &mut Ledger, tablet: &mut Replica, device: &str, letter: &str) -> Received {
        let response = server
            .sync(&origin(device, letter), tablet.request(10), now())
            .unwrap();
        tablet.receive(response).unwrap()
    }

    fn reload(tablet: &Replica) -> Replica {
        Replica::new(
            tablet.epoch().cloned(),
            tablet.confirmed().clone(),
            tablet.cursor(),
            tablet.pending().to_vec(),
        )
    }

    /// A response as the real server sends it: its ops' times kept to the millisecond.
    fn wire(mut response: SyncResponse) -> SyncResponse {
        for o in &mut response.ops {
            o.op.at = chrono::DateTime::from_timestamp_millis(o.op.at.timestamp_millis()).unwrap();
        }
        response
    }

    #[test]
    fn confirming_the_first_pending_ops_leaves_the_view_equal_to_a_replay() {
        let mut server = staffed_ledger();
        let mut tablet = Replica::default();
        round(&mut server, &mut tablet);
        let mut ops: Vec<Op> = (1..=25u16)
            .map(|i| issue(u32::from(i), "dev-a", "A", i, false, i64::from(i)))
            .collect();
        // One made by a clock finer than the wire keeps: the server's copy differs from it.
        ops[3].at += chrono::Duration::nanoseconds(123_456);
        ops[3] = crate::testing::signed(Op {
            proof: None,
            ..ops[3].clone()
        });
        for op in ops {
            tablet.record(op);
        }
        while !tablet.pending().is_empty() {
            let response = server
                .sync(&origin("dev-a", "A"), tablet.request(10), now())
                .unwrap();
            tablet.receive(wire(response)).unwrap();
            assert!(tablet.view() == reload(&tablet).view(), "the view drifted");
        }
        // As the server sent it: the finer time of the op made here is gone.
        assert!(
            tablet.view() == tablet.confirmed(),
            "the view is not the confirmed state"
        );
    }

    #[test]
    fn lost_response_then_retry_applies_once() {
        let mut server = ledger();
        let mut tablet = Replica::default();
        tablet.record(issue(1, "dev-a", "A", 1, false, 0));
        tablet.record(issue(2, "dev-a", "A", 2, false, 1));
        let _lost = server
            .sync(&origin("dev-a", "A"), tablet.request(10), now())
            .unwrap();
        // The tab closes: a fresh replica from what was persisted still has both pending.
        let mut tablet = reload(&tablet);
        let response = server
            .sync(&origin("dev-a", "A"), tablet.request(10), now())
            .unwrap();
        assert!(response.pushed.iter().all(|p| p.repeated));
        let received = tablet.receive(response).unwrap();
        assert_eq!(received.settled.len(), 2);
        assert!(tablet.pending().is_empty());
        assert_eq!(server.log().len(), 2);
        assert_eq!(tablet.view(), server.state());
        assert_eq!(tablet.epoch(), Some(server.epoch()));
    }

    #[test]
    fn a_pending_op_already_confirmed_is_settled_by_its_repeated_push() {
        let mut server = ledger();
        let mut tablet = Replica::default();
        let op = issue(1, "dev-a", "A", 1, false, 0);
        tablet.record(op.clone());
        round(&mut server, &mut tablet);
        // The disk kept the op as pending although the snapshot confirmed it.
        let mut reloaded = Replica::new(
            tablet.epoch().cloned(),
            tablet.confirmed().clone(),
            tablet.cursor(),
            vec![op],
        );
        assert_eq!(reloaded.pending().len(), 1);
        let received = round(&mut server, &mut reloaded);
        assert!(reloaded.pending().is_empty());
        assert_eq!(received.confirmed.len(), 1);
        assert_eq!(reloaded.view(), server.state());
        assert_eq!(server.log().len(), 1);
    }

    /// The restore drill in memory: a backup, more work, the restore, a second device's
    /// work on the restored history, and the first device coming back.
    #[test]
    fn a_restored_server_gets_the_lost_ops_back_and_reuses_no_number() {
        let mut server = ledger();
        let mut a = Replica::default();
        let ops: Vec<Op> = (1..=4)
            .map(|i| issue(i, "dev-a", "A", i as u16, false, 0))
            .collect();
        a.record(ops[0].clone());
        a.record(ops[1].clone());
        round(&mut server, &mut a);
        let backup = server.clone();
        a.record(ops[2].clone());
        round(&mut server, &mut a);
        a.record(ops[3].clone());
        let lost_head = server.head();

        // The server comes back from the backup: it lacks the third op, and is a new history.
        let mut server = backup.restored(Epoch::from_bytes([9; 16]), lost_head);
        let mut b = Replica::default();
        b.record(issue(10, "dev-b", "B", 1, false, 5));
        round_as(&mut server, &mut b, "dev-b", "B");
        assert!(
            server.log().iter().all(|o| o.seq <= 2 || o.seq > lost_head),
            "a sequence number of the lost history was given again"
        );

        let err = server
            .sync(&origin("dev-a", "A"), a.request(10), now())
            .unwrap_err();
        assert!(err.needs_restart(), "{err}");
        assert!(matches!(err, SyncError::HistoryChanged { .. }));
        // The device knows its own confirmed ops (the app keeps them in IndexedDB).
        a.restart(ops[..3].to_vec());
        assert_eq!((a.cursor(), a.epoch()), (0, None));
        assert_eq!(a.pending().len(), 4);
        while a.has_unsent() || a.cursor() < server.head() {
            round(&mut server, &mut a);
        }
        round_as(&mut server, &mut b, "dev-b", "B");
        assert!(a.pending().is_empty());
        let mut ids: Vec<_> = server.log().iter().map(|o| o.op.id).collect();
        ids.sort();
        let mut want: Vec<_> = ops.iter().map(|o| o.id).collect();
        want.push(op_id(10));
        want.sort();
        assert_eq!(ids, want, "each op once");
        assert_eq!(a.view(), server.state());
        assert_eq!(b.view(), server.state());
    }

    #[test]
    fn two_tablets_calling_one_ticket_get_one_winner_and_one_conflict() {
        let mut server = staffed_ledger();
        let mut a = Replica::default();
        let mut b = Replica::default();
        a.record(issue(1, "dev-a", "A", 1, false, 0));
        round(&mut server, &mut a);
        round_as(&mut server, &mut b, "dev-b", "B");
        assert_eq!(a.record(call(2, "dev-a", "A", 1, 1)), Outcome::Applied);
        assert_eq!(b.record(call(3, "dev-b", "A", 1, 2)), Outcome::Applied);
        round(&mut server, &mut a);
        round_as(&mut server, &mut b, "dev-b", "B");
        round(&mut server, &mut a);
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
    fn pulls_page_and_report_more() {
        let mut server = ledger().with_page(2);
        let mut writer = Replica::default();
        for i in 1..=5 {
            writer.record(issue(i, "dev-a", "A", i as u16, false, 0));
        }
        round(&mut server, &mut writer);
        let mut tablet = Replica::default();
        let first = server
            .sync(&origin("dev-b", "B"), tablet.request(10), now())
            .unwrap();
        assert!(first.more);
        tablet.receive(first).unwrap();
        assert_eq!(tablet.cursor(), 2);
        let out_of_order = SyncResponse {
            epoch: server.epoch().clone(),
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
            round_as(&mut server, &mut tablet, "dev-b", "B");
        }
        assert_eq!(tablet.view(), server.state());
    }

    #[test]
    fn an_answer_from_another_history_is_not_taken() {
        let mut server = ledger();
        let mut tablet = Replica::default();
        tablet.record(issue(1, "dev-a", "A", 1, false, 0));
        round(&mut server, &mut tablet);
        let mut other = Ledger::new(Epoch::from_bytes([5; 16])).with_credentials(credentials());
        let answer = other
            .sync(
                &origin("dev-a", "A"),
                SyncRequest {
                    epoch: None,
                    cursor: 0,
                    push: vec![],
                    pending: 0,
                },
                now(),
            )
            .unwrap();
        assert!(matches!(
            tablet.receive(answer),
            Err(SyncError::HistoryChanged { .. })
        ));
        assert_eq!(tablet.cursor(), 1);
    }

    #[test]
    fn a_push_stays_within_its_bytes_and_the_rest_follows() {
        // Handovers signed with the longest signature a signature may be: 40 of them are
        // far over a push's bytes, though far under its count.
        let mut tablet = Replica::default();
        for n in 1..=40 {
            let ticket = tref("A", n as u16);
            tablet.record(op(n, "dev-a", 0, crate::testing::longest_handover(ticket)));
        }
        let mut sent = 0;
        let mut server = staffed_ledger();
        while tablet.has_unsent() {
            let request = tablet.request(MAX_PUSH);
            let bytes: usize = request.push.iter().map(json_len).sum();
            assert!(!request.push.is_empty());
            assert!(bytes <= MAX_PUSH_BYTES, "{bytes} bytes in one push");
            assert_eq!(
                serde_json::to_vec(&request.push[0]).unwrap().len(),
                json_len(&request.push[0])
            );
            sent += request.push.len();
            let response = server.sync(&origin("dev-a", "A"), request, now()).unwrap();
            tablet.receive(response).unwrap();
        }
        assert_eq!(sent, 40, "every op sent once");
        assert!(tablet.pending().is_empty());
    }
}
