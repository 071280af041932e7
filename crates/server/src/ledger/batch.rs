//! Pushes decided together: one lookup of every pushed id, the core's [`accept`] for each
//! push in arrival order over one [`BatchLog`], then one transaction for all they appended.
//!
//! Each push is still decided on its own: one that is refused changes nothing and gets
//! its own error, and the pushes after it see the log as the ones before it left it. Only
//! the write is shared, so if it fails every push of the batch is told so (none of them
//! was written).

use super::{Live, Office, RoundTripError, load, read, write};
use crate::store::{Lookup, Store};
use loket_core::credential::{Credential, CredentialId};
use loket_core::sync::{Accepted, Epoch, Log, Origin, ServerOp, SyncRequest, accept};
use loket_core::{Op, OpId, Outcome};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::oneshot;

/// The most ops one batch decides: a bound on one transaction, well above a full push.
pub const MAX_BATCH_OPS: usize = 4 * loket_core::sync::MAX_PUSH;

/// Batches decided and the pushes in them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchStats {
    /// Batches decided (each one lookup and at most one write).
    pub batches: u64,
    /// Pushes decided in them.
    pub pushes: u64,
}

/// An office's [`BatchStats`], counted as batches are decided.
#[derive(Debug, Default)]
pub struct Counters {
    batches: AtomicU64,
    pushes: AtomicU64,
}

impl Counters {
    /// The counts so far.
    pub fn read(&self) -> BatchStats {
        BatchStats {
            batches: self.batches.load(Ordering::Relaxed),
            pushes: self.pushes.load(Ordering::Relaxed),
        }
    }
}

/// A push waiting to be decided, and where its decision goes.
pub struct Job {
    /// The device that pushed.
    pub origin: Origin,
    /// Its request.
    pub request: SyncRequest,
    /// The server's clock when it arrived.
    pub now: chrono::DateTime<chrono::Utc>,
    /// The pusher's end.
    pub reply: oneshot::Sender<Result<Accepted, RoundTripError>>,
}

/// Decides `jobs` in order against the office's state, writes what they appended in one
/// transaction, and answers each.
pub async fn decide(store: &Store, slot: &Office, live: &mut Live, jobs: Vec<Job>) {
    let ids: Vec<OpId> = jobs
        .iter()
        .flat_map(|job| job.request.push.iter().map(|op| op.id))
        .collect();
    slot.stats.batches.fetch_add(1, Ordering::Relaxed);
    slot.stats
        .pushes
        .fetch_add(jobs.len() as u64, Ordering::Relaxed);
    let mut named: Vec<CredentialId> = jobs
        .iter()
        .flat_map(|job| job.request.push.iter())
        .filter_map(|op| op.proof.as_ref().map(|p| p.credential))
        .collect();
    named.sort_unstable();
    named.dedup();
    let read = async {
        let lookup = read_again(store, slot, live, &ids).await?;
        let credentials = store.credentials(&named).await?;
        Ok::<_, crate::store::StoreError>((lookup, credentials))
    };
    let (lookup, credentials) = match read.await {
        Ok(read) => read,
        Err(e) => {
            let e = Arc::new(e);
            for job in jobs {
                let _ = job.reply.send(Err(RoundTripError::Store(e.clone())));
            }
            return;
        }
    };
    let mut log = BatchLog::new(lookup, credentials);
    // From the first fold until the write is done the state may hold ops the database
    // does not (a panic half way included): it is folded again unless this ends well.
    live.stale = true;
    let decided: Vec<_> = jobs
        .into_iter()
        .map(|job| {
            let result = accept(&mut log, &mut live.state, &job.origin, job.request, job.now);
            (job.reply, result)
        })
        .collect();
    let written = if log.appended.is_empty() {
        live.stale = false;
        Ok(())
    } else {
        match store
            .append(&slot.code, log.head_before, &log.appended)
            .await
        {
            Ok(raw) => {
                live.stale = false;
                let head = raw.last().map(loket_core::sync::Sequenced::seq);
                write(&slot.recent).appended(&log.epoch, log.head_before, raw);
                if let Some(head) = head {
                    slot.head
                        .send_replace(Some(loket_core::sync::live::LiveHead {
                            epoch: log.epoch.clone(),
                            head,
                        }));
                }
                Ok(())
            }
            Err(e) => {
                // The commit may have reached the disk or not: what the log holds is
                // unknown until it is folded again.
                write(&slot.recent).forget();
                Err(Arc::new(e))
            }
        }
    };
    for (reply, result) in decided {
        let result = match (&written, result) {
            (_, Err(refused)) => Err(RoundTripError::Sync(refused)),
            (Ok(()), Ok(accepted)) => Ok(accepted),
            (Err(e), Ok(_)) => Err(RoundTripError::Store(e.clone())),
        };
        // A pusher that stopped waiting needs no answer; its ops are written all the same.
        let _ = reply.send(result);
    }
}

/// The lookup of the batch's ids. If the log is not where this process left it (restored
/// behind its back, or written by someone else), the office is folded again first.
async fn read_again(
    store: &Store,
    slot: &Office,
    live: &mut Live,
    ids: &[OpId],
) -> Result<Lookup, crate::store::StoreError> {
    let lookup = store.lookup(&slot.code, ids).await?;
    let in_step = read(&slot.recent)
        .head()
        .is_some_and(|(epoch, head)| epoch == &lookup.epoch && head == lookup.head);
    if in_step {
        return Ok(lookup);
    }
    tracing::warn!(office = %slot.code, "the log moved behind this server: folding it again");
    let (state, recent) = load(store, &slot.code).await?;
    live.state = state;
    *write(&slot.recent) = recent;
    // Read again after the fold, so the head agrees with the state.
    store.lookup(&slot.code, ids).await
}

/// The part of an office's log a batch needs, as a [`Log`] for [`accept`]: the epoch and
/// head, the pushed ids already stored, the credentials the pushed ops name, and what
/// the batch appends.
pub struct BatchLog {
    epoch: Epoch,
    credentials: HashMap<CredentialId, Credential>,
    head_before: u64,
    head: u64,
    known: HashMap<OpId, ServerOp>,
    appended: Vec<ServerOp>,
    /// Where each appended id is in `appended`.
    index: HashMap<OpId, usize>,
}

impl BatchLog {
    /// The log as `lookup` read it, with the `credentials` its pushed ops name.
    pub fn new(lookup: Lookup, credentials: Vec<Credential>) -> Self {
        Self {
            epoch: lookup.epoch,
            credentials: credentials.into_iter().map(|c| (c.id, c)).collect(),
            head_before: lookup.head,
            head: lookup.head,
            known: lookup.known.into_iter().map(|o| (o.op.id, o)).collect(),
            appended: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl Log for BatchLog {
    fn epoch(&self) -> &Epoch {
        &self.epoch
    }

    fn head(&self) -> u64 {
        self.head
    }

    fn find(&self, id: &OpId) -> Option<&ServerOp> {
        self.known
            .get(id)
            .or_else(|| self.index.get(id).map(|&i| &self.appended[i]))
    }

    fn credential(&self, id: &CredentialId) -> Option<&Credential> {
        self.credentials.get(id)
    }

    fn append(&mut self, op: Op, outcome: Outcome) -> u64 {
        self.head += 1;
        self.index.insert(op.id, self.appended.len());
        self.appended.push(ServerOp {
            seq: self.head,
            op,
            outcome,
        });
        self.head
    }
}
