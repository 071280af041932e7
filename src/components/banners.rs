//! Banners about the device itself: storage that may be evicted, a new version to load,
//! a device the admin revoked (with the form that enrols it again).

use crate::i18n::use_lang;
use crate::pwa::PwaStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;

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
        <Show when=move || app.sync.problem.get() == Some(crate::sync_engine::SyncProblem::Revoked)>
            <EnrolAgain />
        </Show>
        <p class="banner info" data-testid="update-ready" role="status" hidden=move || !pwa.update_ready.get()>
            {move || t().update_ready} " "
            <button class="button secondary" on:click=move |_| crate::pwa::apply_update()>
                {move || t().reload}
            </button>
        </p>
    }
}

/// A revoked device enrols again, as itself, with a new admin code: its pending work is
/// then sent. Shown only while the server refuses this device as revoked.
#[component]
fn EnrolAgain() -> impl IntoView {
    let lang = use_lang();
    let t = move |id, en| lang.get().tr(id, en);
    let app = crate::app_state::use_app();
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<&'static str>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = loket_core::enrol::EnrolRequest {
            code: code.get_untracked().trim().to_ascii_uppercase(),
            name: name.get_untracked(),
            again: None,
        };
        let Some(clean) = request.clean_name().map(str::to_owned) else {
            error.set(Some(lang.get_untracked().t().enrol_bad_name));
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let result = app.enrol_again(request.code, clean).await;
            busy.set(false);
            error.set(
                result
                    .err()
                    .map(|e| crate::routes::enrol::enrol_error(lang.get_untracked(), &e)),
            );
        });
    };
    view! {
        <form class="banner error enrol-again" data-testid="enrol-again" on:submit=submit>
            <p>{move || lang.get().t().revoked_explained}</p>
            <label for="again-code">{move || t("Kode admin baru", "New admin code")}</label>
            <input id="again-code" type="text" autocomplete="off" autocapitalize="characters"
                prop:value=code on:input=move |ev| code.set(event_target_value(&ev)) />
            <label for="again-name">{move || t("Nama perangkat", "Device name")}</label>
            <input id="again-name" type="text" autocomplete="off" maxlength=loket_core::enrol::MAX_NAME
                prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
            <p class="form-error" role="alert" hidden=move || error.get().is_none()>{move || error.get()}</p>
            <button id="again-submit" type="submit" class="button primary" disabled=busy>
                {move || t("Daftarkan lagi", "Enrol again")}
            </button>
        </form>
    }
}
