//! The browser as a platform: persistent storage and the service worker's update signal.
//! The service worker itself is `public/sw.js`; `public/register-sw.js` registers it and
//! fires `loket:update-ready` / `loket:offline-ready` on the window.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

/// What the browser told us about storage and updates.
#[derive(Debug, Clone, Copy)]
pub struct PwaStatus {
    /// `navigator.storage.persist()` said no: data may be evicted.
    pub persist_refused: RwSignal<bool>,
    /// A new version is installed and waits for a reload.
    pub update_ready: RwSignal<bool>,
    /// The app shell is cached: it opens with no network.
    pub offline_ready: RwSignal<bool>,
}

impl PwaStatus {
    /// Asks for persistent storage and listens for the service worker's events.
    pub fn start() -> Self {
        let status = Self {
            persist_refused: RwSignal::new(false),
            update_ready: RwSignal::new(false),
            offline_ready: RwSignal::new(false),
        };
        spawn_local(async move {
            let granted = request_persistence().await;
            status.persist_refused.set(!granted);
        });
        let handle = window_event_listener_untyped("loket:update-ready", move |_| {
            status.update_ready.set(true)
        });
        let ready = window_event_listener_untyped("loket:offline-ready", move |_| {
            status.offline_ready.set(true)
        });
        // The listeners live as long as the page.
        std::mem::forget(handle);
        std::mem::forget(ready);
        // The service worker may have spoken before this app listened.
        if has_controller() || window_flag("__loketOfflineReady") {
            status.offline_ready.set(true);
        }
        if window_flag("__loketUpdateReady") {
            status.update_ready.set(true);
        }
        status
    }
}

/// A flag `public/register-sw.js` sets on `window` beside its event.
fn window_flag(name: &str) -> bool {
    js_sys::Reflect::get(&window(), &name.into()).is_ok_and(|v| v.is_truthy())
}

fn has_controller() -> bool {
    window().navigator().service_worker().controller().is_some()
}

/// Asks the browser to keep this origin's storage; `true` when it is (or already was) kept.
async fn request_persistence() -> bool {
    let Ok(storage) = js_sys::Reflect::get(&window().navigator(), &"storage".into()) else {
        return false;
    };
    if storage.is_undefined() {
        return false;
    }
    let manager: web_sys::StorageManager = storage.unchecked_into();
    let Ok(promise) = manager.persist() else {
        return false;
    };
    matches!(wasm_bindgen_futures::JsFuture::from(promise).await, Ok(v) if v.as_bool() == Some(true))
}

/// Tells the waiting service worker to take over; the page reloads when it has.
pub fn apply_update() {
    let apply = js_sys::Reflect::get(&window(), &"loketApplyUpdate".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    match apply {
        Some(f) => {
            let _ = f.call0(&window());
        }
        None => {
            let _ = window().location().reload();
        }
    }
}

/// The public pages' own service worker (`public/public-sw.js`), which keeps the
/// self-check on an applicant's phone after one visit. Its scope is the self-check only:
/// the status page is live data, and staff tablets' own worker keeps the root.
pub const PUBLIC_WORKER: &str = "/public/public-sw.js";

/// Registers [`PUBLIC_WORKER`] for the self-check's path. A browser without service
/// workers (or on plain http away from 127.0.0.1) simply has no offline copy.
pub fn register_public_worker() {
    let container = window().navigator().service_worker();
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(
        &options,
        &"scope".into(),
        &loket_core::selfcheck::SELFCHECK_PATH.into(),
    );
    let register = js_sys::Reflect::get(&container, &"register".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(promise) = register
        .and_then(|f| f.call2(&container, &PUBLIC_WORKER.into(), &options).ok())
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
    else {
        return;
    };
    // Called before Leptos mounts (and starts its executor): wasm-bindgen's own spawner.
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = wasm_bindgen_futures::JsFuture::from(promise).await {
            leptos::logging::warn!("the self-check's offline copy is not kept: {e:?}");
        }
    });
}
