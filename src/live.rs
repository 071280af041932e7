//! Live updates from the server (`GET /api/events`, `loket_core::sync::live`): while the
//! device is enrolled and online, one streaming request stays open, and each event saying
//! the office's log stands past what this device holds starts a sync at once. So a file
//! escalated at the counter reaches the Kasi's phone in well under a second; the poll
//! stays as the fallback for a stream that cannot be had.
//!
//! A streaming `fetch`, not `EventSource`: only `fetch` sends the device's token as a
//! header (a token in a URL ends up in proxies' logs). A stream silent for longer than
//! the server's heartbeats allow is taken for dead and opened anew; a failed one is tried
//! again with a growing pause.

use crate::app_state::AppState;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use loket_core::sync::live::{EventReader, LiveHead, SILENCE_SECS};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, ReadableStreamDefaultReader, RequestInit, Response};

/// The pause after a stream that worked and ended (a server restart, a reload elsewhere).
const RECONNECT_MS: u32 = 500;
/// The longest pause between failed attempts.
const MAX_BACKOFF_MS: u32 = 30_000;

/// Keeps this device listening for as long as the page lives.
pub fn start(app: AppState) {
    spawn_local(async move {
        let mut failures = 0u32;
        loop {
            let token = app
                .enrolment
                .with_untracked(|e| e.as_ref().map(|e| e.token.clone()));
            let online = web_sys::window().is_some_and(|w| w.navigator().on_line());
            let Some(token) = token.filter(|_| online) else {
                TimeoutFuture::new(1_000).await;
                continue;
            };
            let heard = listen(app, &token).await;
            app.sync.live.set(false);
            failures = if heard { 0 } else { failures.saturating_add(1) };
            TimeoutFuture::new(backoff(failures)).await;
        }
    });
}

/// The pause before the next attempt after `failures` failed ones in a row.
fn backoff(failures: u32) -> u32 {
    if failures == 0 {
        RECONNECT_MS
    } else {
        1_000u32
            .saturating_mul(1 << failures.min(5).saturating_sub(1))
            .min(MAX_BACKOFF_MS)
    }
}

/// One stream, until it ends or fails; whether the server was heard on it.
async fn listen(app: AppState, token: &str) -> bool {
    let Some((reader, abort)) = open(token).await else {
        return false;
    };
    app.sync.live.set(true);
    let last_heard = Rc::new(Cell::new(js_sys::Date::now()));
    let ended = Rc::new(Cell::new(false));
    watch_silence(abort, last_heard.clone(), ended.clone());
    let mut events = EventReader::default();
    let mut pending = Vec::new();
    let mut heard = false;
    while let Some(bytes) = next_chunk(&reader).await {
        last_heard.set(js_sys::Date::now());
        heard = true;
        pending.extend_from_slice(&bytes);
        // A character cut between chunks waits for its other bytes.
        let valid = match std::str::from_utf8(&pending) {
            Ok(text) => text.len(),
            Err(e) => e.valid_up_to(),
        };
        let text: String = String::from_utf8_lossy(&pending[..valid]).into_owned();
        pending.drain(..valid);
        let Ok(read) = events.feed(&text) else { break };
        for head in read.iter().filter_map(LiveHead::from_event) {
            crate::sync_engine::heard(app, &head);
        }
    }
    ended.set(true);
    heard
}

/// Opens the stream: its reader, and the handle that cuts it.
async fn open(token: &str) -> Option<(ReadableStreamDefaultReader, AbortController)> {
    let abort = AbortController::new().ok()?;
    let headers = Headers::new().ok()?;
    headers
        .set("Authorization", &format!("Bearer {token}"))
        .ok()?;
    headers.set("Accept", "text/event-stream").ok()?;
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_cache(web_sys::RequestCache::NoStore);
    init.set_signal(Some(&abort.signal()));
    let window = web_sys::window()?;
    let response: Response = JsFuture::from(window.fetch_with_str_and_init("/api/events", &init))
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    if !response.ok() {
        return None;
    }
    let reader = response.body()?.get_reader().dyn_into().ok()?;
    Some((reader, abort))
}

/// The next bytes of the stream; `None` when it ended or failed.
async fn next_chunk(reader: &ReadableStreamDefaultReader) -> Option<Vec<u8>> {
    let result = JsFuture::from(reader.read()).await.ok()?;
    let done = js_sys::Reflect::get(&result, &JsValue::from_str("done")).ok()?;
    if done.as_bool().unwrap_or(true) {
        return None;
    }
    let value = js_sys::Reflect::get(&result, &JsValue::from_str("value")).ok()?;
    Some(value.dyn_into::<js_sys::Uint8Array>().ok()?.to_vec())
}

/// Cuts the stream once nothing, not even a heartbeat, came for [`SILENCE_SECS`].
fn watch_silence(abort: AbortController, last_heard: Rc<Cell<f64>>, ended: Rc<Cell<bool>>) {
    spawn_local(async move {
        let silence = (SILENCE_SECS * 1000) as f64;
        while !ended.get() {
            TimeoutFuture::new(5_000).await;
            if js_sys::Date::now() - last_heard.get() > silence {
                abort.abort();
                return;
            }
        }
    });
}
