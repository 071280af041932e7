//! The sync protocol (the Replicache model), sans-IO: these functions take messages and
//! state and return messages; the app and the server only move the bytes.
//!
//! A device keeps its *confirmed* state (ops in server order up to its `cursor`, in one
//! history named by an [`Epoch`]) and its *pending* ops. One round trip:
//!
//! 1. The device sends [`SyncRequest`]: its epoch, its cursor and (some of) its pending ops.
//! 2. The server runs [`serve`] over its [`Log`]: it checks the whole request, appends
//!    each op it has not seen (the op id makes a repeated push harmless) with the next
//!    sequence number and its [`Outcome`](crate::Outcome), and answers with every op after
//!    the cursor ([`SyncResponse`]).
//! 3. The device applies those ops to its confirmed state, drops the pending ops that came
//!    back confirmed, and replays the rest on top ([`Replica::receive`]).
//!
//! If a response is lost, the ops stay pending and the next push is answered "already
//! applied", so each op takes effect exactly once. If the server's history changed (it was
//! restored from a backup), the device is told ([`SyncError::HistoryChanged`] or
//! [`SyncError::CursorAhead`]) and starts again with its own ops pending ([`Replica::restart`]).
//!
//! ```
//! use loket_core::sync::{Epoch, Ledger, Origin, Replica};
//! # let origin = Origin::new("51.02.02", "dev-a", "A").unwrap();
//! # let now = chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap();
//! let mut server = Ledger::new(Epoch::from_bytes([7; 16]));
//! let mut tablet = Replica::default();
//! // The tablet records ops offline with `tablet.record(op)`, then syncs:
//! let response = server.sync(&origin, tablet.request(100), now).unwrap();
//! tablet.receive(response).unwrap();
//! assert_eq!(tablet.view(), server.state());
//! ```

mod ledger;
pub mod live;
mod replica;
pub mod rounds;
mod serve;

pub use ledger::{Ledger, MemoryLog};
pub use replica::{Received, Replica};
pub use serve::{Accepted, Log, LogTail, Origin, Sequenced, accept, serve};

use crate::error_code::ErrorCode;
use crate::ids::OpId;
use crate::op::{Op, OpError};
use crate::state::Outcome;
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// The most ops one push may carry; a device sends more in several rounds.
pub const MAX_PUSH: usize = 2000;
/// The most bytes a request body to the server may have.
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;
/// The most bytes of ops (as JSON) a device puts in one push, below
/// [`MAX_REQUEST_BYTES`] with room for the rest of the request: 2,000 tickets are about
/// 800 KB, but 500 handovers with long signatures would be twenty times that, and a
/// push refused as too large would leave the device unable to send anything.
pub const MAX_PUSH_BYTES: usize = 768 * 1024;
/// The most ops one pull returns; `more` says when there are others.
pub const MAX_PULL: usize = 2000;
/// The most bytes of ops (as JSON) one pull returns, so that a page of large ops (a
/// catalogue, a signed handover) stays a few megabytes on a cheap phone's connection.
pub const MAX_PULL_BYTES: usize = 4 * 1024 * 1024;

/// Cuts a page of ops (`more` when others follow) to [`MAX_PULL_BYTES`], `size` giving
/// each op's bytes; the first op always stays, so a pull always makes progress.
pub fn fit_page<O>(mut ops: Vec<O>, more: bool, size: impl Fn(&O) -> usize) -> (Vec<O>, bool) {
    let mut total = 0usize;
    let keep = ops
        .iter()
        .take_while(|op| {
            total = total.saturating_add(size(op));
            total <= MAX_PULL_BYTES
        })
        .count()
        .max(1)
        .min(ops.len());
    let cut = keep < ops.len();
    ops.truncate(keep);
    (ops, more || cut)
}

/// The identity of one history of an office's log: made when the log is created and made
/// anew when it is restored from a backup, so a device that synced with a history the
/// server no longer has notices, even where sequence numbers look plausible.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Epoch(String);

/// Hex digits in an epoch made by [`Epoch::from_bytes`].
const EPOCH_LEN: usize = 32;

impl Epoch {
    /// An epoch from 16 random bytes (randomness comes from the caller: the core does no IO).
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Reads an epoch as stored or sent: 32 lowercase hex digits.
    pub fn parse(text: &str) -> Option<Self> {
        let ok = text.len() == EPOCH_LEN
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        ok.then(|| Self(text.to_owned()))
    }

    /// The epoch as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Epoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Epoch {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value).ok_or_else(|| format!("{value:?} is not an epoch (32 hex digits)"))
    }
}

impl From<Epoch> for String {
    fn from(epoch: Epoch) -> Self {
        epoch.0
    }
}

/// A device's half of a round trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// The history the cursor belongs to; `None` for a device that has never synced (or
    /// one made before epochs existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<Epoch>,
    /// The sequence number of the last op the device has confirmed (0: none).
    pub cursor: u64,
    /// Pending ops, oldest first.
    #[serde(default)]
    pub push: Vec<Op>,
    /// How many ops the device holds pending in all (a push carries at most
    /// [`MAX_PUSH`]): what the admin's list of devices shows.
    #[serde(default)]
    pub pending: u32,
}

/// The server's half of a round trip. `O` is how its ops travel: a device reads
/// [`ServerOp`]s; the server writes them as the JSON it stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse<O = ServerOp> {
    /// The history `cursor` belongs to: the device sends it back next time.
    pub epoch: Epoch,
    /// What became of each pushed op, in push order.
    pub pushed: Vec<Pushed>,
    /// Ops after the request's cursor, in server order.
    pub ops: Vec<O>,
    /// The cursor to send next time.
    pub cursor: u64,
    /// More ops wait after `cursor`: sync again.
    pub more: bool,
    /// The server's clock (Unix milliseconds), so a device can tell its own clock is off.
    pub server_ms: i64,
}

/// The fate of one pushed op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pushed {
    /// The op.
    pub id: OpId,
    /// Its place in the server's order.
    pub seq: u64,
    /// What applying it did: applied, a conflict, or refused before the fold.
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

/// A round trip that cannot be taken as a whole. One op the server cannot take never
/// causes this: it is answered with its own refusal and the ops behind it go on.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SyncError {
    /// The device claims ops the server never gave out (its database was replaced).
    #[error("cursor {cursor} is ahead of the server's last op {head}")]
    CursorAhead {
        /// The device's cursor.
        cursor: u64,
        /// The server's last sequence number.
        head: u64,
    },
    /// The device's cursor belongs to a history the server no longer has (a restore), or
    /// to none it can name (a device from before epochs).
    #[error("the device synced with history {device:?}, the server now has {server}")]
    HistoryChanged {
        /// The epoch the device sent.
        device: Option<Epoch>,
        /// The server's epoch.
        server: Epoch,
    },
    /// A push carries more ops than one round may.
    #[error("a push may carry at most {MAX_PUSH} ops, this one has {0}")]
    TooManyOps(usize),
    /// The same op id twice in one push.
    #[error("op {0} appears twice in one push")]
    RepeatedInPush(OpId),
    /// An op that is not the sender's to push (another office, device or letter): the
    /// credential does not cover it, so nothing of the push is taken.
    #[error(transparent)]
    Origin(OpError),
    /// An op id the log already holds for a different op: ids are made once, on one device.
    #[error("op id {0} is already taken by a different op")]
    IdReused(OpId),
    /// A response whose ops are not after the cursor in increasing order.
    #[error("the server sent op #{got} after #{after}: out of order")]
    OutOfOrder {
        /// The last sequence number taken.
        after: u64,
        /// The one that came next.
        got: u64,
    },
}

impl SyncError {
    /// The code the server answers with, and the app switches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::CursorAhead { .. } => ErrorCode::CursorAhead,
            Self::HistoryChanged { .. } => ErrorCode::HistoryChanged,
            Self::TooManyOps(_) => ErrorCode::TooManyOps,
            Self::RepeatedInPush(_) => ErrorCode::RepeatedInPush,
            Self::Origin(e) => e.code(),
            Self::IdReused(_) => ErrorCode::OpIdTaken,
            // Only a device checks order; a server never answers it.
            Self::OutOfOrder { .. } => ErrorCode::Internal,
        }
    }

    /// Whether the device must start again from nothing, its own ops pending again: the
    /// server's history is not the one the device's cursor belongs to.
    pub fn needs_restart(&self) -> bool {
        matches!(self, Self::CursorAhead { .. } | Self::HistoryChanged { .. })
    }
}

#[cfg(test)]
mod page_tests {
    use super::{MAX_PULL_BYTES, fit_page};
    use proptest::prelude::*;

    proptest! {
        /// A page is cut to the byte budget, never to nothing, and says when it was cut.
        #[test]
        fn pages_fit_the_byte_budget(
            sizes in proptest::collection::vec(0usize..3 * MAX_PULL_BYTES / 2, 0..12),
            more: bool,
        ) {
            let (kept, still_more) = fit_page(sizes.clone(), more, |s| *s);
            prop_assert!(kept.len() <= sizes.len());
            prop_assert_eq!(&sizes[..kept.len()], &kept[..]);
            if !sizes.is_empty() {
                prop_assert!(!kept.is_empty(), "a pull always makes progress");
            }
            let total: usize = kept.iter().sum();
            prop_assert!(kept.len() <= 1 || total <= MAX_PULL_BYTES);
            prop_assert_eq!(still_more, more || kept.len() < sizes.len());
            if kept.len() < sizes.len() {
                prop_assert!(total + sizes[kept.len()] > MAX_PULL_BYTES, "cut only when needed");
            }
        }
    }
}
