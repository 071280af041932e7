//! Each office's live state, and the sync round trip over the database: read a
//! [`LogWindow`], run the core's [`serve`] over it, write what it appended.
//!
//! The state is folded in place under the office's lock (no copy per push). If the write
//! then fails, the state ran ahead of the database; it is marked stale and folded again
//! from the database before the office's next request, so that rare failure costs one
//! refold instead of every push costing a copy.

use crate::store::{LogWindow, Store, StoreError};
use loket_core::sync::{Epoch, Log, Origin, ServerOp, SyncError, SyncRequest, SyncResponse, serve};
use loket_core::{OfficeCode, OfficeState, OpId, Outcome};
use std::collections::HashMap;
use std::sync::Arc;
use thiserror::Error;
use tokio::sync::{Mutex, RwLock};

/// Why a round trip failed.
#[derive(Debug, Error)]
pub enum RoundTripError {
    /// The request is refused by the rules of sync (nothing changed).
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The database failed (nothing changed).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The task running the round trip panicked or was cancelled (a bug).
    #[error("the sync task failed: {0}")]
    Task(String),
}

/// An office's folded state, behind the lock that serialises its pushes.
struct Live {
    state: OfficeState,
    /// The state may hold ops the database does not: fold it again before use.
    stale: bool,
}

/// Every office's live state, loaded when first needed (an office added while the
/// server runs is found on its first request).
#[derive(Clone, Default)]
pub struct Offices {
    live: Arc<RwLock<HashMap<OfficeCode, Arc<Mutex<Live>>>>>,
}

impl Offices {
    async fn slot(
        &self,
        store: &Store,
        office: &OfficeCode,
    ) -> Result<Arc<Mutex<Live>>, StoreError> {
        if let Some(slot) = self.live.read().await.get(office) {
            return Ok(slot.clone());
        }
        let mut live = self.live.write().await;
        if let Some(slot) = live.get(office) {
            return Ok(slot.clone());
        }
        let state = fold(store, office).await?;
        let slot = Arc::new(Mutex::new(Live {
            state,
            stale: false,
        }));
        live.insert(office.clone(), slot.clone());
        Ok(slot)
    }

    /// Folds an office's state now (at start-up, so the first request does not wait).
    pub async fn load(&self, store: &Store, office: &OfficeCode) -> Result<(), StoreError> {
        self.slot(store, office).await.map(drop)
    }

    /// Runs `read` on an office's current state.
    pub async fn with_state<T>(
        &self,
        store: &Store,
        office: &OfficeCode,
        read: impl FnOnce(&OfficeState) -> T,
    ) -> Result<T, StoreError> {
        let slot = self.slot(store, office).await?;
        let mut live = slot.lock().await;
        refresh(store, office, &mut live).await?;
        Ok(read(&live.state))
    }

    /// One sync round trip of device `origin`, with the server's clock at `now`.
    ///
    /// Runs to its end even if the caller stops waiting (a device whose response is lost
    /// hangs up, and axum drops the handler's future): the database and the folded state
    /// must end in step whether anyone still listens or not.
    pub async fn round_trip(
        &self,
        store: &Store,
        origin: Origin,
        request: SyncRequest,
        now: chrono::DateTime<chrono::Utc>,
        page: usize,
    ) -> Result<SyncResponse, RoundTripError> {
        if request.push.is_empty() {
            // A pull appends nothing and folds nothing: it needs no lock, so devices that
            // only poll never queue behind the office's pushes.
            let window = store
                .window(&origin.office, &[], request.cursor, page)
                .await?;
            let mut log = WindowLog::new(window);
            let mut untouched = OfficeState::default();
            return Ok(serve(
                &mut log,
                &mut untouched,
                &origin,
                request,
                now,
                page,
            )?);
        }
        let slot = self.slot(store, &origin.office).await?;
        let store = store.clone();
        let task = tokio::spawn(async move {
            let mut live = slot.lock().await;
            refresh(&store, &origin.office, &mut live).await?;
            let ids: Vec<OpId> = request.push.iter().map(|op| op.id).collect();
            let window = store
                .window(&origin.office, &ids, request.cursor, page)
                .await?;
            let mut log = WindowLog::new(window);
            let response = serve(&mut log, &mut live.state, &origin, request, now, page)?;
            if !log.appended.is_empty() {
                // The state already holds the appended ops: if they are not written, it
                // must be folded again from what the database holds.
                live.stale = true;
                store
                    .append(&origin.office, log.head_before, &log.appended)
                    .await?;
                live.stale = false;
            }
            Ok(response)
        });
        task.await
            .unwrap_or_else(|e| Err(RoundTripError::Task(e.to_string())))
    }

    /// Forgets every office's state, so it is folded again from the database (after a
    /// restore into the running server's database, or in tests).
    pub async fn forget(&self) {
        self.live.write().await.clear();
    }
}

async fn refresh(store: &Store, office: &OfficeCode, live: &mut Live) -> Result<(), StoreError> {
    if live.stale {
        live.state = fold(store, office).await?;
        live.stale = false;
    }
    Ok(())
}

/// An office's state folded from its whole log, each op with the outcome it was given.
async fn fold(store: &Store, office: &OfficeCode) -> Result<OfficeState, StoreError> {
    let log = store.office_log(office).await?;
    let mut state = OfficeState::default();
    for o in &log {
        state.apply_ordered(&o.op, &o.outcome);
    }
    tracing::info!(office = %office, ops = log.len(), "folded office state");
    Ok(state)
}

/// The part of an office's log one request needs, as a [`Log`] for [`serve`].
struct WindowLog {
    epoch: Epoch,
    head_before: u64,
    head: u64,
    known: HashMap<OpId, ServerOp>,
    tail: Vec<ServerOp>,
    appended: Vec<ServerOp>,
}

impl WindowLog {
    fn new(window: LogWindow) -> Self {
        Self {
            epoch: window.epoch,
            head_before: window.head,
            head: window.head,
            known: window.known.into_iter().map(|o| (o.op.id, o)).collect(),
            tail: window.tail,
            appended: Vec::new(),
        }
    }
}

impl Log for WindowLog {
    fn epoch(&self) -> &Epoch {
        &self.epoch
    }

    fn head(&self) -> u64 {
        self.head
    }

    fn find(&self, id: &OpId) -> Option<&ServerOp> {
        self.known
            .get(id)
            .or_else(|| self.appended.iter().find(|o| &o.op.id == id))
    }

    fn append(&mut self, op: loket_core::Op, outcome: Outcome) -> u64 {
        self.head += 1;
        self.appended.push(ServerOp {
            seq: self.head,
            op,
            outcome,
        });
        self.head
    }

    fn after(&self, cursor: u64, limit: usize) -> (Vec<ServerOp>, bool) {
        // The tail was read after the same cursor, one op past the page.
        let mut ops: Vec<ServerOp> = self
            .tail
            .iter()
            .chain(&self.appended)
            .filter(|o| o.seq > cursor)
            .take(limit.saturating_add(1))
            .cloned()
            .collect();
        let more = ops.len() > limit;
        ops.truncate(limit);
        (ops, more)
    }
}
