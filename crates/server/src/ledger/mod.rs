//! Each office's live state, and the sync round trip over the database.
//!
//! A push is decided under the office's lock by the core's [`accept`], over what the
//! database says of the pushed ids ([`Store::lookup`]), and written before anyone is
//! answered; pushes that arrive while one is being decided wait and are then decided
//! together, written in one transaction (one commit to disk for many devices). The
//! answer's ops are read after the lock is released, from the office's [`Recent`] ops or,
//! for a device far behind, from the database, as stored JSON.
//!
//! The state is folded in place (no copy per push). If a write fails, the state ran ahead
//! of the database; it is marked stale and folded again from the database before the
//! office's next push, so that rare failure costs one refold instead of every push a copy.

mod batch;
mod recent;

use crate::store::{Lookup, RawOp, Store, StoreError};
pub use batch::BatchStats;
use batch::{Job, MAX_BATCH_OPS};
use loket_core::sync::live::LiveHead;
use loket_core::sync::{Accepted, Origin, SyncError, SyncRequest, SyncResponse, accept, fit_page};
use loket_core::{OfficeCode, OfficeState};
use recent::Recent;
use std::collections::HashMap;
use std::sync::Arc;
use thiserror::Error;
use tokio::sync::{Mutex, RwLock, oneshot};

/// Why a round trip failed.
#[derive(Debug, Error)]
pub enum RoundTripError {
    /// The request is refused by the rules of sync (nothing changed).
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The database failed (nothing changed). Shared by the pushes written together.
    #[error(transparent)]
    Store(Arc<StoreError>),
    /// The task running the round trip panicked or was cancelled (a bug).
    #[error("the sync task failed: {0}")]
    Task(String),
}

impl From<StoreError> for RoundTripError {
    fn from(error: StoreError) -> Self {
        Self::Store(Arc::new(error))
    }
}

/// An office's folded state, behind the lock that serialises its pushes.
struct Live {
    state: OfficeState,
    /// The state may hold ops the database does not: fold it again before use.
    stale: bool,
}

/// One office as the server keeps it in memory.
struct Office {
    code: OfficeCode,
    live: Mutex<Live>,
    /// Pushes waiting to be decided by whoever holds `live` next.
    queue: std::sync::Mutex<Vec<Job>>,
    /// Read by every answer; written briefly after each commit.
    recent: std::sync::RwLock<Recent>,
    /// Batches decided, and the pushes in them.
    stats: batch::Counters,
    /// Where the log stands, for the devices listening live: sent after each commit.
    head: tokio::sync::watch::Sender<Option<LiveHead>>,
}

/// Every office's live state, loaded when first needed (an office added while the
/// server runs is found on its first request).
#[derive(Clone, Default)]
pub struct Offices {
    live: Arc<RwLock<HashMap<OfficeCode, Arc<Office>>>>,
}

impl Offices {
    async fn slot(&self, store: &Store, code: &OfficeCode) -> Result<Arc<Office>, StoreError> {
        if let Some(slot) = self.live.read().await.get(code) {
            return Ok(slot.clone());
        }
        let mut live = self.live.write().await;
        if let Some(slot) = live.get(code) {
            return Ok(slot.clone());
        }
        let (state, recent) = load(store, code).await?;
        let head = recent.head().map(|(epoch, head)| LiveHead {
            epoch: epoch.clone(),
            head,
        });
        let slot = Arc::new(Office {
            code: code.clone(),
            live: Mutex::new(Live {
                state,
                stale: false,
            }),
            queue: std::sync::Mutex::default(),
            recent: std::sync::RwLock::new(recent),
            stats: batch::Counters::default(),
            head: tokio::sync::watch::Sender::new(head),
        });
        live.insert(code.clone(), slot.clone());
        Ok(slot)
    }

    /// Folds an office's state now (at start-up, so the first request does not wait).
    pub async fn load(&self, store: &Store, office: &OfficeCode) -> Result<(), StoreError> {
        self.slot(store, office).await.map(drop)
    }

    /// Where an office's log stands, now and after every commit that grows it. The
    /// sender goes when the office is folded anew ([`Offices::forget`]): a listener then
    /// sees its channel close and asks again.
    pub async fn watch_head(
        &self,
        store: &Store,
        office: &OfficeCode,
    ) -> Result<tokio::sync::watch::Receiver<Option<LiveHead>>, StoreError> {
        Ok(self.slot(store, office).await?.head.subscribe())
    }

    /// Runs `read` on an office's current state.
    pub async fn with_state<T>(
        &self,
        store: &Store,
        office: &OfficeCode,
        read: impl FnOnce(&OfficeState) -> T,
    ) -> Result<T, StoreError> {
        let slot = self.slot(store, office).await?;
        let mut live = slot.live.lock().await;
        refresh(store, &slot, &mut live).await?;
        Ok(read(&live.state))
    }

    /// One sync round trip of device `origin`, with the server's clock at `now`, answering
    /// at most `page` ops.
    ///
    /// A push runs to its end even if the caller stops waiting (a device whose response is
    /// lost hangs up, and axum drops the handler's future): the database and the folded
    /// state must end in step whether anyone still listens or not.
    pub async fn round_trip(
        &self,
        store: &Store,
        origin: Origin,
        request: SyncRequest,
        now: chrono::DateTime<chrono::Utc>,
        page: usize,
    ) -> Result<SyncResponse<RawOp>, RoundTripError> {
        let page = page.max(1);
        let slot = self.slot(store, &origin.office).await?;
        let accepted = if request.push.is_empty() {
            // A pull appends nothing and folds nothing: it needs no lock, so devices that
            // only poll never queue behind the office's pushes.
            pull(store, &slot, &origin, request, now).await?
        } else {
            let store = store.clone();
            let slot = slot.clone();
            let task = tokio::spawn(async move { push(&store, &slot, origin, request, now).await });
            task.await
                .unwrap_or_else(|e| Err(RoundTripError::Task(e.to_string())))?
        };
        let tail = tail(store, &slot, accepted.cursor, page).await?;
        Ok(accepted.answer(tail, now))
    }

    /// Batches decided and the pushes in them, over every office loaded (for tests and
    /// for reading how well pushes are grouped under load).
    pub async fn batch_stats(&self) -> BatchStats {
        let live = self.live.read().await;
        live.values().fold(BatchStats::default(), |sum, office| {
            let own = office.stats.read();
            BatchStats {
                batches: sum.batches + own.batches,
                pushes: sum.pushes + own.pushes,
            }
        })
    }

    /// Forgets every office's state, so it is folded again from the database (after a
    /// restore into the running server's database, or in tests).
    pub async fn forget(&self) {
        self.live.write().await.clear();
    }
}

/// Checks a pull against the office's epoch and head, from memory when they are known.
async fn pull(
    store: &Store,
    slot: &Office,
    origin: &Origin,
    request: SyncRequest,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Accepted, RoundTripError> {
    let known = read(&slot.recent)
        .head()
        .map(|(epoch, head)| (epoch.clone(), head));
    let from_memory = known.is_some();
    let lookup = match known {
        Some((epoch, head)) => Lookup {
            epoch,
            head,
            known: Vec::new(),
        },
        None => store.lookup(&slot.code, &[]).await?,
    };
    let mut log = batch::BatchLog::new(lookup, Vec::new());
    let mut untouched = OfficeState::default();
    match accept(&mut log, &mut untouched, origin, request.clone(), now) {
        // Memory said "another history" or "ahead": the database has the last word, as
        // the log may have moved behind this process (a restore, a gap it never saw).
        Err(e) if from_memory && e.needs_restart() => {
            let mut log = batch::BatchLog::new(store.lookup(&slot.code, &[]).await?, Vec::new());
            Ok(accept(&mut log, &mut untouched, origin, request, now)?)
        }
        decided => Ok(decided?),
    }
}

/// Queues a push, then decides the queue if nobody else has by the time the lock is ours.
async fn push(
    store: &Store,
    slot: &Office,
    origin: Origin,
    request: SyncRequest,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Accepted, RoundTripError> {
    let (reply, mut answer) = oneshot::channel();
    lock(&slot.queue).push(Job {
        origin,
        request,
        now,
        reply,
    });
    let dropped = |_| Err(RoundTripError::Task("a push was dropped undecided".into()));
    {
        // A push decided in someone else's batch is answered at once instead of waiting
        // for the lock. Leaving then is safe: every push still queued has a task of its
        // own waiting for the lock.
        let mut live = tokio::select! {
            biased;
            decided = &mut answer => return decided.unwrap_or_else(dropped),
            live = slot.live.lock() => live,
        };
        // Whoever held the lock before may have decided this push with theirs; each round
        // takes what waits, up to a bound, and every queued push has a round of its own
        // to come, so none is left behind.
        let jobs = {
            let mut queue = lock(&slot.queue);
            let mut ops = 0;
            let take = queue
                .iter()
                .take_while(|job| {
                    ops += job.request.push.len();
                    ops <= MAX_BATCH_OPS
                })
                .count()
                .max(1)
                .min(queue.len());
            queue.drain(..take).collect::<Vec<_>>()
        };
        if !jobs.is_empty() {
            match refresh(store, slot, &mut live).await {
                Ok(()) => batch::decide(store, slot, &mut live, jobs).await,
                Err(e) => {
                    let e = Arc::new(e);
                    for job in jobs {
                        let _ = job.reply.send(Err(RoundTripError::Store(e.clone())));
                    }
                }
            }
        }
    }
    answer.await.unwrap_or_else(dropped)
}

/// Up to `page` ops after `cursor`, at most [`loket_core::sync::MAX_PULL_BYTES`] of them, and whether more
/// follow.
async fn tail(
    store: &Store,
    slot: &Office,
    cursor: u64,
    page: usize,
) -> Result<(Vec<RawOp>, bool), StoreError> {
    let size = |op: &RawOp| op.json().len();
    if let Some((ops, more)) = read(&slot.recent).after(cursor, page) {
        return Ok(fit_page(ops, more, size));
    }
    // One row past the page tells whether there are more, without a second query.
    let mut ops = store
        .tail(&slot.code, cursor, page.saturating_add(1))
        .await?;
    let more = ops.len() > page;
    ops.truncate(page);
    Ok(fit_page(ops, more, size))
}

async fn refresh(store: &Store, slot: &Office, live: &mut Live) -> Result<(), StoreError> {
    if live.stale {
        let (state, recent) = load(store, &slot.code).await?;
        live.state = state;
        let head = recent.head().map(|(epoch, head)| LiveHead {
            epoch: epoch.clone(),
            head,
        });
        *write(&slot.recent) = recent;
        live.stale = false;
        slot.head.send_replace(head);
    }
    Ok(())
}

/// An office's state folded from its whole log, each op with the outcome it was given,
/// and its newest ops.
async fn load(store: &Store, office: &OfficeCode) -> Result<(OfficeState, Recent), StoreError> {
    let head = store.lookup(office, &[]).await?;
    let log = store.office_log(office).await?;
    let mut state = OfficeState::default();
    for o in &log {
        state.apply_ordered(&o.op, &o.outcome);
    }
    // Ops committed after `head` was read (there are none while this process is the only
    // writer) are left out of the kept ones.
    let from = head.head.saturating_sub(recent::KEPT as u64);
    let newest = store.tail(office, from, recent::KEPT).await?;
    tracing::info!(office = %office, ops = log.len(), "folded office state");
    Ok((state, Recent::new(head.epoch, head.head, from, newest)))
}

/// The queue's lock. A panic while it was held cannot leave the queue half-changed (each
/// change is one push or one drain), so a poisoned lock is used as it is.
fn lock(queue: &std::sync::Mutex<Vec<Job>>) -> std::sync::MutexGuard<'_, Vec<Job>> {
    queue.lock().unwrap_or_else(|p| p.into_inner())
}

fn read(recent: &std::sync::RwLock<Recent>) -> std::sync::RwLockReadGuard<'_, Recent> {
    recent.read().unwrap_or_else(|p| p.into_inner())
}

fn write(recent: &std::sync::RwLock<Recent>) -> std::sync::RwLockWriteGuard<'_, Recent> {
    recent.write().unwrap_or_else(|p| p.into_inner())
}
