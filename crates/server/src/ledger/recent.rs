//! An office's newest ops, kept as the JSON answers hand back, with the epoch and head
//! they belong to: most devices are a few seconds behind, so most answers (and every
//! pull's checks) are served from here instead of the database.
//!
//! It holds only what this process committed, so it is right only while this process is
//! the one writer of the office's log. A commit that fails (the database may or may not
//! have it) makes it unknown until the office is folded again.

use crate::store::RawOp;
use loket_core::sync::{Epoch, Sequenced};
use std::collections::VecDeque;

/// The most ops kept per office: one full pull's worth.
pub const KEPT: usize = loket_core::sync::MAX_PULL;

/// The newest ops of an office's log.
#[derive(Debug, Clone)]
pub struct Recent {
    epoch: Epoch,
    head: u64,
    /// Every op with a sequence number in `(from, head]` is in `ops`.
    from: u64,
    ops: VecDeque<RawOp>,
    known: bool,
}

impl Recent {
    /// The log of history `epoch` at `head`, whose newest ops are `newest` (every op after
    /// `from`, in order).
    pub fn new(epoch: Epoch, head: u64, from: u64, mut newest: Vec<RawOp>) -> Self {
        newest.retain(|o| o.seq() <= head);
        let mut recent = Self {
            epoch,
            head,
            from: from.min(head),
            ops: newest.into(),
            known: true,
        };
        recent.trim();
        recent
    }

    /// The epoch and head, unless a failed commit left them unknown.
    pub fn head(&self) -> Option<(&Epoch, u64)> {
        self.known.then_some((&self.epoch, self.head))
    }

    /// Ops this process just committed after `head_before`, in history `epoch`. Ops
    /// committed by anyone else in between are not known here, so the kept ops then
    /// start again from `head_before`.
    pub fn appended(&mut self, epoch: &Epoch, head_before: u64, ops: Vec<RawOp>) {
        if !self.known || epoch != &self.epoch || head_before != self.head {
            *self = Self::new(epoch.clone(), head_before, head_before, Vec::new());
        }
        for op in ops {
            self.head = self.head.max(op.seq());
            self.ops.push_back(op);
        }
        self.trim();
    }

    /// A commit failed: what the log holds is unknown until it is read again.
    pub fn forget(&mut self) {
        self.known = false;
        self.ops.clear();
    }

    /// Up to `limit` ops after `cursor` and whether more follow, if they are all here.
    pub fn after(&self, cursor: u64, limit: usize) -> Option<(Vec<RawOp>, bool)> {
        if !self.known || cursor < self.from {
            return None;
        }
        let start = self.ops.partition_point(|o| o.seq() <= cursor);
        let end = start.saturating_add(limit).min(self.ops.len());
        let ops = self.ops.range(start..end).cloned().collect();
        Some((ops, end < self.ops.len()))
    }

    fn trim(&mut self) {
        while self.ops.len() > KEPT {
            if let Some(old) = self.ops.pop_front() {
                self.from = old.seq();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(seq: u64) -> RawOp {
        RawOp::new(seq, "{}", "\"applied\"").unwrap()
    }

    fn seqs(answer: Option<(Vec<RawOp>, bool)>) -> Option<(Vec<u64>, bool)> {
        answer.map(|(ops, more)| (ops.iter().map(Sequenced::seq).collect(), more))
    }

    fn epoch(n: u8) -> Epoch {
        Epoch::from_bytes([n; 16])
    }

    #[test]
    fn answers_only_what_it_holds_whole() {
        let mut recent = Recent::new(epoch(1), 10, 8, vec![op(9), op(10)]);
        assert_eq!(seqs(recent.after(8, 10)), Some((vec![9, 10], false)));
        assert_eq!(seqs(recent.after(8, 1)), Some((vec![9], true)));
        assert_eq!(seqs(recent.after(10, 5)), Some((vec![], false)));
        // Op 8 is not here: the database must answer.
        assert_eq!(seqs(recent.after(7, 5)), None);
        recent.appended(&epoch(1), 10, vec![op(11), op(12)]);
        assert_eq!(recent.head(), Some((&epoch(1), 12)));
        assert_eq!(seqs(recent.after(10, 5)), Some((vec![11, 12], false)));
    }

    #[test]
    fn ops_written_by_someone_else_start_it_again() {
        let mut recent = Recent::new(epoch(1), 10, 8, vec![op(9), op(10)]);
        // Ops 11 and 12 came from elsewhere.
        recent.appended(&epoch(1), 12, vec![op(13)]);
        assert_eq!(seqs(recent.after(10, 5)), None);
        assert_eq!(seqs(recent.after(12, 5)), Some((vec![13], false)));
        // A new history starts it again too.
        recent.appended(&epoch(2), 13, vec![op(14)]);
        assert_eq!(recent.head(), Some((&epoch(2), 14)));
        assert_eq!(seqs(recent.after(12, 5)), None);
    }

    #[test]
    fn keeps_a_bounded_number_and_forgets_on_a_failed_commit() {
        let mut recent = Recent::new(epoch(1), 0, 0, Vec::new());
        let many = (1..=KEPT as u64 + 5).map(op).collect();
        recent.appended(&epoch(1), 0, many);
        assert_eq!(recent.ops.len(), KEPT);
        assert_eq!(seqs(recent.after(4, 1)), None);
        assert_eq!(seqs(recent.after(5, 1)), Some((vec![6], true)));
        recent.forget();
        assert_eq!(recent.head(), None);
        assert_eq!(seqs(recent.after(KEPT as u64, 1)), None);
    }
}
