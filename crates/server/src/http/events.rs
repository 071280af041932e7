//! `GET /api/events`: the office's log as it grows, as server-sent events
//! (`loket_core::sync::live`), so a step made on one device shows on the others within a
//! second instead of at the next poll.
//!
//! Authenticated like sync (the device's bearer token; browsers read it with a streaming
//! `fetch`, which can send the header, not `EventSource`, which cannot). Each event says
//! only where the log stands; devices pull the ops as usual. One stream per device: a
//! new one ends the old (a reloaded tab, a reconnect that raced a dead one). Heartbeats
//! every [`HEARTBEAT_SECS`]; every stream ends when the server stops, so a graceful stop
//! is not held up by listeners.

use crate::AppState;
use crate::auth::AuthDevice;
use crate::error::ApiError;
use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures_util::Stream;
use loket_core::DeviceId;
use loket_core::sync::live::{HEAD_EVENT, HEARTBEAT_SECS, LiveHead};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// The route.
pub fn router() -> Router<AppState> {
    Router::new().route("/events", get(events))
}

/// The open streams, one per device, and the server's stop.
#[derive(Clone)]
pub struct Streams {
    /// Dropping a device's sender ends its stream.
    open: Arc<Mutex<HashMap<DeviceId, watch::Sender<()>>>>,
    stop: watch::Sender<bool>,
}

impl Default for Streams {
    fn default() -> Self {
        Self {
            open: Arc::default(),
            stop: watch::Sender::new(false),
        }
    }
}

impl Streams {
    /// The stream of `device` from now on; the one it had before ends.
    fn claim(&self, device: &DeviceId) -> watch::Receiver<()> {
        let (tx, rx) = watch::channel(());
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.insert(device.clone(), tx);
        rx
    }

    /// Ends the stream of `device`, if it has one (it was revoked).
    pub fn end(&self, device: &DeviceId) {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(device);
    }

    /// Ends every stream, now and for any opened later (the server is stopping).
    pub fn stop(&self) {
        self.stop.send_replace(true);
        self.open.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// How many devices have a stream (some may have hung up and not yet been noticed).
    pub fn len(&self) -> usize {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether no device has a stream.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a stream waits on between events.
struct Listening {
    heads: watch::Receiver<Option<LiveHead>>,
    replaced: watch::Receiver<()>,
    stop: watch::Receiver<bool>,
    first: bool,
}

async fn events(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let heads = state
        .offices()
        .watch_head(state.store(), &device.office)
        .await?;
    let streams = state.streams();
    let listening = Listening {
        heads,
        replaced: streams.claim(&device.id),
        stop: streams.stop.subscribe(),
        first: true,
    };
    tracing::debug!(device = %device.id, "live stream opened");
    let stream = futures_util::stream::unfold(listening, |mut l| async move {
        if *l.stop.borrow() {
            return None;
        }
        if !l.first {
            tokio::select! {
                changed = l.heads.changed() => changed.ok()?,
                _ = l.replaced.changed() => return None,
                _ = l.stop.changed() => return None,
            }
        }
        l.first = false;
        let head = l.heads.borrow_and_update().clone();
        // An office with no op yet has no head: its first commit is the first event.
        let event = match head {
            Some(head) => Event::default()
                .event(HEAD_EVENT)
                .json_data(&head)
                .unwrap_or_else(|_| Event::default().comment("unreadable head")),
            None => Event::default().comment("no ops yet"),
        };
        Some((Ok(event), l))
    });
    Ok(Sse::new(stream).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(HEARTBEAT_SECS))
            .text("heartbeat"),
    ))
}
