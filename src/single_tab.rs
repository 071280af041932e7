//! One tab per device. Two tabs on one tablet would each keep their own replica and could
//! give out the same queue number; the first tab holds a Web Lock for its whole life, and
//! a second one stands aside and says so.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// The lock's name: one per origin, so one per device.
const LOCK: &str = "loket-device";

/// Times a held lock is asked for again before this tab stands aside: a page opened anew
/// in the same tab can start while the page it replaces still holds the lock.
const TRIES: u32 = 6;
/// The pause between those asks.
const RETRY_MS: u64 = 250;

/// Claims the device for this tab; `then(true)` when this tab has it (or the browser has no
/// Web Locks, where nothing better can be done), `then(false)` when another tab holds it.
pub fn claim(then: impl FnOnce(bool) + 'static) {
    claim_within(TRIES, Box::new(then));
}

fn claim_within(tries: u32, then: Box<dyn FnOnce(bool)>) {
    let navigator = leptos::prelude::window().navigator();
    let request = Reflect::get(&navigator, &"locks".into())
        .ok()
        .filter(|locks| !locks.is_undefined())
        .and_then(|locks| {
            let request = Reflect::get(&locks, &"request".into()).ok()?;
            Some((locks, request.dyn_into::<Function>().ok()?))
        });
    let Some((locks, request)) = request else {
        then(true);
        return;
    };
    let options = Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    let granted = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let mine = !lock.is_null();
        if !mine && tries > 1 {
            leptos::prelude::set_timeout(
                move || claim_within(tries - 1, then),
                std::time::Duration::from_millis(RETRY_MS),
            );
            return JsValue::UNDEFINED;
        }
        then(mine);
        if mine {
            // A promise that never settles keeps the lock until the tab closes.
            Promise::new(&mut |_, _| {}).into()
        } else {
            JsValue::UNDEFINED
        }
    });
    if request
        .call3(&locks, &LOCK.into(), &options, &granted)
        .is_err()
    {
        leptos::logging::warn!("the Web Locks API refused the request; going on without it");
    }
}
