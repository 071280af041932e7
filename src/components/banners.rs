//! Banners about the device itself: storage that may be evicted, a new version to load.

use crate::i18n::use_lang;
use crate::pwa::PwaStatus;
use leptos::prelude::*;

/// Shows when the browser refused persistent storage, and when an update waits.
#[component]
pub fn DeviceBanners() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t();
    let pwa = expect_context::<PwaStatus>();
    let insecure = !window().is_secure_context();
    let app = crate::app_state::use_app();
    let clock = move || match app.clock() {
        loket_core::Clock::Fine => None,
        loket_core::Clock::Drifting(minutes) => {
            Some(format!("{} {}", minutes.abs(), t().clock_drift))
        }
        loket_core::Clock::Wrong => Some(t().clock_wrong.to_string()),
    };
    view! {
        <p class="banner error" data-testid="clock" role="alert" hidden=move || clock().is_none()>
            {clock}
        </p>
        <p class="banner error" data-testid="insecure" role="alert" hidden=!insecure>
            {move || t().insecure}
        </p>
        <p class="banner warn" data-testid="not-persisted" role="status" hidden=move || !pwa.persist_refused.get()>{move || t().not_persisted}</p>
        <p class="banner info" data-testid="update-ready" role="status" hidden=move || !pwa.update_ready.get()>
            {move || t().update_ready} " "
            <button class="button secondary" on:click=move |_| crate::pwa::apply_update()>
                {move || t().reload}
            </button>
        </p>
    }
}
