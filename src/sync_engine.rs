//! The sync engine: the one place that decides when this device syncs and runs the rounds.
//!
//! Triggers: an op recorded ([`AppState::record`](crate::app_state::AppState) asks), the
//! browser's `online` event, the poll every [`POLL_MS`], the live stream saying the
//! office's log moved ([`heard`], from [`crate::live`]), the badge's "sync now", and the
//! retry after a failure (backed off by `loket_core::sync::rounds::retry_after_ms`). Many
//! asks while a sync runs make one more round, never two syncs at once.
//!
//! A sync is rounds until settled (`Settling`, the same rules the fault harness's tablets
//! follow): each round's confirmed ops and cursor are written to IndexedDB before they are
//! shown, and if the disk refuses, memory goes back to what the disk holds. A server
//! restored from a backup makes the device start again once, its own ops pending again.

use crate::api::{self, ApiError};
use crate::app_state::AppState;
use crate::store::{Db, SnapshotText};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use loket_core::sync::live::LiveHead;
use loket_core::sync::rounds::{AfterFailure, RoundFailed, Settling, retry_after_ms};
use loket_core::sync::{MAX_PUSH, Received, Replica};
use std::cell::Cell;
use std::rc::Rc;

pub use loket_core::sync::rounds::SyncProblem;

/// Pull other devices' work this often even when nothing happens here (the live stream
/// usually brings it sooner).
pub const POLL_MS: u32 = 20_000;

/// Sync status for the badge.
#[derive(Debug, Clone, Copy, Default)]
pub struct SyncStatus {
    /// Reached the server on the last attempt.
    pub online: RwSignal<bool>,
    /// A round trip is under way.
    pub syncing: RwSignal<bool>,
    /// The last successful sync.
    pub last_success: RwSignal<Option<DateTime<Utc>>>,
    /// The last attempt's failure, cleared on success.
    pub problem: RwSignal<Option<SyncProblem>>,
    /// A live stream from the server is open (`live.rs`): others' steps arrive at once.
    pub live: RwSignal<bool>,
}

/// The engine's bookkeeping, outside the reactive graph.
#[derive(Default)]
pub struct Engine {
    running: Cell<bool>,
    wanted: Cell<bool>,
    failures: Cell<u32>,
    retry_scheduled: Cell<bool>,
    /// The IndexedDB order key the next pending op gets: ops are sent in the order made.
    next_order: Cell<f64>,
    /// The cursor of the whole view last written to IndexedDB.
    snapshot_cursor: Cell<u64>,
}

impl Engine {
    /// Takes the order key for the op being recorded now.
    pub fn take_order(&self) -> f64 {
        let order = self.next_order.get();
        self.next_order.set(order + 1.0);
        order
    }

    /// Starts from what the store loaded: the highest pending order, and the snapshot's
    /// cursor.
    pub fn loaded(&self, highest_order: f64, snapshot_cursor: u64) {
        self.next_order.set(highest_order + 1.0);
        self.snapshot_cursor.set(snapshot_cursor);
    }
}

/// Starts the triggers that do not come from a tap: the `online` event, the poll and the
/// live stream. Call once, when this tab holds the device.
pub fn start(app: AppState) {
    let online = window_event_listener(leptos::ev::online, move |_| trigger(app));
    // The listener lives as long as the page.
    std::mem::forget(online);
    set_interval(
        move || trigger(app),
        std::time::Duration::from_millis(POLL_MS.into()),
    );
    crate::live::start(app);
}

/// The server says where the office's log stands: syncs unless this device is there.
pub fn heard(app: AppState, head: &LiveHead) {
    let there = app
        .replica
        .with_value(|r| r.cursor() == head.head && r.epoch() == Some(&head.epoch));
    if !there {
        trigger(app);
    }
}

/// Asks for a sync soon; several asks while one runs make one more round.
pub fn trigger(app: AppState) {
    let engine = app.engine.get_value();
    engine.wanted.set(true);
    if engine.running.get() {
        return;
    }
    engine.running.set(true);
    spawn_local(async move {
        while engine.wanted.replace(false) {
            if app.enrolment.get_untracked().is_none() {
                break;
            }
            app.sync.syncing.set(true);
            let result = settle(app).await;
            app.sync.syncing.set(false);
            match result {
                Ok(()) => {
                    engine.failures.set(0);
                    app.sync.online.set(true);
                    app.sync.problem.set(None);
                    app.sync.last_success.set(Some(Utc::now()));
                }
                Err(problem) => {
                    app.sync.online.set(problem != SyncProblem::Network);
                    app.sync.problem.set(Some(problem));
                    let failures = engine.failures.get() + 1;
                    engine.failures.set(failures);
                    schedule_retry(app, &engine, failures);
                }
            }
        }
        engine.running.set(false);
    });
}

fn schedule_retry(app: AppState, engine: &Rc<Engine>, failures: u32) {
    if engine.retry_scheduled.replace(true) {
        return;
    }
    let engine = engine.clone();
    spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(retry_after_ms(failures)).await;
        engine.retry_scheduled.set(false);
        trigger(app);
    });
}

/// How a call's failure reads to the rounds.
fn round_failed(e: ApiError) -> RoundFailed {
    match e {
        ApiError::Unreachable => RoundFailed::Unreachable,
        ApiError::Unauthorised(code) => RoundFailed::Unauthorised(code),
        ApiError::Refused { code, .. } => RoundFailed::Refused(code),
        ApiError::Server(_) => RoundFailed::Server,
    }
}

/// Round trips until nothing is left to send and the server has nothing more.
///
/// A round's confirmed ops are written while the next round is on the wire: the next
/// request is made from memory, which already holds the round, and if the disk then refuses
/// the round, the next answer is dropped unread (memory goes back to the disk, and what the
/// server took meanwhile is answered "already applied" when it is sent again).
async fn settle(app: AppState) -> Result<(), SyncProblem> {
    let Some(enrolment) = app.enrolment.get_untracked() else {
        return Ok(());
    };
    let db = app.db().ok_or(SyncProblem::Storage)?;
    let mut settling = Settling::new();
    let mut ahead = None;
    loop {
        let answer = match ahead.take() {
            Some(answer) => answer,
            None => {
                let request = app.replica.with_value(|r| r.request(MAX_PUSH));
                api::sync(&enrolment.token, &request).await
            }
        };
        let response = match answer {
            Ok(response) => response,
            Err(e) => match settling.failed(round_failed(e)) {
                // The server's history is not the one this device synced with (it was
                // restored from a backup): send this device's ops again.
                AfterFailure::Restart => {
                    restart(app, &db, &enrolment.device).await?;
                    continue;
                }
                AfterFailure::Stop(problem) => return Err(problem),
            },
        };
        if response.server_ms > 0 {
            let skew = response.server_ms - Utc::now().timestamp_millis();
            app.clock_skew.set(Some(skew));
        }
        let more = response.more;
        let received = app
            .replica
            .try_update_value(|r| r.receive(response))
            .ok_or(SyncProblem::Storage)?
            .map_err(|_| SyncProblem::Server)?;
        if !received.disagreements.is_empty() {
            // The device folds differently from the server: an app older or newer than
            // the server. The server's order still holds; say so where developers look.
            leptos::logging::warn!(
                "{} ops folded differently here than on the server",
                received.disagreements.len()
            );
        }
        let settled = app.replica.with_value(|r| Settling::settled(r, more));
        if settled {
            // The last round commits even when it brought nothing new: the view is written
            // at a sync's end (the ops before it may have ended exactly on a page).
            return commit(app, &db, &received, true).await;
        }
        let request = app.replica.with_value(|r| r.request(MAX_PUSH));
        // The request first: joined futures are first polled in order, and the commit's
        // first poll does all its work on this thread before it waits for the disk.
        let (next, written) = futures::future::join(
            api::sync(&enrolment.token, &request),
            commit(app, &db, &received, false),
        )
        .await;
        written?;
        ahead = Some(next);
    }
}

/// Writes a round's confirmed ops and the new cursor, removes the pending ops it settled
/// (and writes the whole view when due), then shows them; if the disk refuses, memory goes
/// back to what the disk holds. `last` when this is the sync's last round.
async fn commit(
    app: AppState,
    db: &Db,
    received: &Received,
    last: bool,
) -> Result<(), SyncProblem> {
    let confirmed = &received.confirmed;
    let engine = app.engine.get_value();
    let since = engine.snapshot_cursor.get();
    // The whole view only now and then: mostly a round trip writes its ops. Mid-sync it
    // goes with its round; at a sync's end after it, once staff see the round confirmed
    // (the view only spares start-up a fold, and its text takes a while to make).
    let (due, epoch, cursor, snapshot) = app.replica.with_value(|r| {
        let due = crate::store::snapshot_due(r.cursor().saturating_sub(since), last);
        let snapshot = (due && !last).then(|| SnapshotText::new(r.confirmed(), r.cursor()));
        (due, r.epoch().cloned(), r.cursor(), snapshot.transpose())
    });
    let snapshot = snapshot.map_err(|e| {
        leptos::logging::error!("the view cannot be saved: {e}");
        SyncProblem::Storage
    })?;
    if confirmed.is_empty() && !due {
        // A sync that ends with nothing new and the view written recently: nothing to store.
        return Ok(());
    }
    let written = db
        .commit_confirmed(
            confirmed,
            &received.settled,
            epoch.as_ref(),
            cursor,
            snapshot.as_ref(),
        )
        .await;
    if let Err(e) = written {
        leptos::logging::error!("saving synced ops failed: {e}");
        // Memory ran ahead of the disk: go back to what the disk holds, so the next round
        // asks again from the disk's cursor.
        if let Ok(loaded) = db.load().await {
            let pending = loaded.pending.into_iter().map(|(_, op)| op).collect();
            app.replace_replica(Replica::new(
                loaded.epoch,
                loaded.confirmed,
                loaded.cursor,
                pending,
            ));
        }
        return Err(SyncProblem::Storage);
    }
    if snapshot.is_some() {
        engine.snapshot_cursor.set(cursor);
    }
    app.publish();
    if due && last {
        save_view(app, db).await;
    }
    Ok(())
}

/// Writes the whole confirmed view at a sync's end, after the page had its turn to show
/// the sync done. Failing is not the sync's failure: start-up then folds from the view
/// written before.
async fn save_view(app: AppState, db: &Db) {
    gloo_timers::future::TimeoutFuture::new(0).await;
    let snapshot = app
        .replica
        .with_value(|r| SnapshotText::new(r.confirmed(), r.cursor()).map(|s| (s, r.cursor())));
    let saved = match snapshot {
        Ok((snapshot, cursor)) => db.save_view(&snapshot).await.map(|()| cursor),
        Err(e) => Err(e),
    };
    match saved {
        Ok(cursor) => app.engine.with_value(|e| e.snapshot_cursor.set(cursor)),
        Err(e) => leptos::logging::warn!("the view was not saved: {e}"),
    }
}

/// Starts the replica again from nothing, this device's confirmed ops pending again
/// (`Replica::restart`), on disk first and then in memory; nothing is recorded meanwhile.
async fn restart(app: AppState, db: &Db, device: &loket_core::DeviceId) -> Result<(), SyncProblem> {
    let lock = app.record_lock.get_value();
    let _no_recording_meanwhile = lock.enter().await;
    let own = db.restart(device).await.map_err(|e| {
        leptos::logging::error!("starting the device's log again failed: {e}");
        SyncProblem::Storage
    })?;
    leptos::logging::warn!(
        "the server lost ops: sending this device's {} again",
        own.len()
    );
    app.replica.update_value(|r| r.restart(own));
    let pending = app.replica.with_value(|r| r.pending().len());
    app.engine.with_value(|e| e.loaded(pending as f64, 0));
    app.publish();
    Ok(())
}
