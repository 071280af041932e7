//! One office's log in memory: the peer the tests sync devices with, run by the same
//! [`serve`] as the real server.

use super::{
    Epoch, Log, LogTail, MAX_PULL, Origin, Pushed, ServerOp, SyncError, SyncRequest, SyncResponse,
    serve,
};
use crate::credential::{Credential, CredentialId};
use crate::ids::{DeviceLetter, OpId};
use crate::op::{Op, OpBody};
use crate::state::{OfficeState, Outcome};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// A [`Log`] in memory.
#[derive(Debug, Clone)]
pub struct MemoryLog {
    epoch: Epoch,
    head: u64,
    ops: Vec<ServerOp>,
    index: HashMap<OpId, usize>,
    credentials: HashMap<CredentialId, Credential>,
}

impl MemoryLog {
    /// An empty log of history `epoch`.
    pub fn new(epoch: Epoch) -> Self {
        Self {
            epoch,
            head: 0,
            ops: Vec::new(),
            index: HashMap::new(),
            credentials: HashMap::new(),
        }
    }

    /// Issues `credential` (or replaces it: revoked, say), as the server does at sign-in.
    pub fn issue(&mut self, credential: Credential) {
        self.credentials.insert(credential.id, credential);
    }

    /// Every op in server order.
    pub fn ops(&self) -> &[ServerOp] {
        &self.ops
    }
}

impl Log for MemoryLog {
    fn epoch(&self) -> &Epoch {
        &self.epoch
    }

    fn head(&self) -> u64 {
        self.head
    }

    fn find(&self, id: &OpId) -> Option<&ServerOp> {
        self.index.get(id).map(|&i| &self.ops[i])
    }

    fn append(&mut self, op: Op, outcome: Outcome) -> u64 {
        self.head += 1;
        self.index.insert(op.id, self.ops.len());
        self.ops.push(ServerOp {
            seq: self.head,
            op,
            outcome,
        });
        self.head
    }

    fn credential(&self, id: &CredentialId) -> Option<&Credential> {
        self.credentials.get(id)
    }
}

impl LogTail for MemoryLog {
    fn after(&self, cursor: u64, limit: usize) -> (Vec<ServerOp>, bool) {
        let start = self.ops.partition_point(|o| o.seq <= cursor);
        let end = start.saturating_add(limit).min(self.ops.len());
        super::fit_page(self.ops[start..end].to_vec(), end < self.ops.len(), |o| {
            serde_json::to_vec(o).map_or(0, |b| b.len())
        })
    }
}

/// An office's server in memory: its log and the state folded from it.
#[derive(Debug, Clone)]
pub struct Ledger {
    log: MemoryLog,
    state: OfficeState,
    page: usize,
}

impl Default for Ledger {
    fn default() -> Self {
        Self::new(Epoch::from_bytes([0; 16]))
    }
}

impl Ledger {
    /// An empty office whose log is history `epoch`.
    pub fn new(epoch: Epoch) -> Self {
        Self {
            log: MemoryLog::new(epoch),
            state: OfficeState::default(),
            page: MAX_PULL,
        }
    }

    /// The same ledger holding `credentials` as issued.
    pub fn with_credentials(mut self, credentials: impl IntoIterator<Item = Credential>) -> Self {
        for c in credentials {
            self.log.issue(c);
        }
        self
    }

    /// Issues `credential`, or replaces it (to revoke it).
    pub fn issue(&mut self, credential: Credential) {
        self.log.issue(credential);
    }

    /// The same ledger answering at most `page` ops a pull.
    pub fn with_page(mut self, page: usize) -> Self {
        self.page = page.max(1);
        self
    }

    /// One round trip from the device `origin`, with the server's clock at `now`.
    pub fn sync(
        &mut self,
        origin: &Origin,
        request: SyncRequest,
        now: DateTime<Utc>,
    ) -> Result<SyncResponse, SyncError> {
        serve(
            &mut self.log,
            &mut self.state,
            origin,
            request,
            now,
            self.page,
        )
    }

    /// Pushes one op as the device it names sent it, pulling nothing back: how tests and
    /// benches fill a ledger. The rules are [`serve`]'s, as for any push.
    pub fn push(&mut self, op: Op, now: DateTime<Utc>) -> Result<Pushed, SyncError> {
        let letter = match &op.body {
            OpBody::IssueTicket(b) => b.number.letter.clone(),
            // Only a new ticket's letter is checked.
            _ => DeviceLetter::nth(0).map_err(|_| SyncError::TooManyOps(0))?,
        };
        let origin = Origin {
            office: op.office.clone(),
            device: op.device.clone(),
            letter,
        };
        let request = SyncRequest {
            epoch: Some(self.epoch().clone()),
            cursor: self.head(),
            push: vec![op],
            pending: 0,
        };
        let mut response = self.sync(&origin, request, now)?;
        response.pushed.pop().ok_or(SyncError::TooManyOps(0))
    }

    /// This ledger as a backup brings it back: a new history `epoch`, and sequence numbers
    /// going on after `lost_head`, the last one the lost history gave out, so none is reused.
    pub fn restored(mut self, epoch: Epoch, lost_head: u64) -> Self {
        self.log.epoch = epoch;
        self.log.head = self.log.head.max(lost_head);
        self
    }

    /// The folded state.
    pub fn state(&self) -> &OfficeState {
        &self.state
    }

    /// Every op in server order.
    pub fn log(&self) -> &[ServerOp] {
        self.log.ops()
    }

    /// The history the log is.
    pub fn epoch(&self) -> &Epoch {
        self.log.epoch()
    }

    /// The last sequence number given out.
    pub fn head(&self) -> u64 {
        self.log.head()
    }
}
