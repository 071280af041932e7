//! Loket, the counter app: a Leptos CSR PWA that keeps working with no connection.
//!
//! The app is thin: what a step means lives in `loket-core`; [`app_state`] turns taps into
//! ops, [`store`] keeps them in IndexedDB, [`api`] talks to the server, and the pages under
//! [`routes`] only render signals. See ARCHITECTURE.md for the walk of one op.

pub mod api;
pub mod app_state;
pub mod components;
pub mod i18n;
pub mod pwa;
pub mod routes;
pub mod store;

use app_state::AppState;
use components::banners::DeviceBanners;
use components::sync_badge::SyncBadge;
use i18n::Lang;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::path;

/// Mounts the app on the page's `<body>`.
pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

/// The whole app: shared state, header, and the pages.
#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(Lang::saved());
    provide_context(lang);
    let app = AppState::new();
    provide_context(app);
    provide_context(pwa::PwaStatus::start());
    app.start(store::DB_NAME);
    let _online = window_event_listener(leptos::ev::online, move |_| app.trigger_sync());
    std::mem::forget(_online);
    // Other devices' work arrives even when nobody taps here.
    set_interval(
        move || app.trigger_sync(),
        std::time::Duration::from_millis(app_state::POLL_MS.into()),
    );
    Effect::new(move |_| {
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", lang.get().code());
        }
    });
    view! {
        <Router>
            <div id="app" data-ready=move || app.ready.get().to_string()>
                <Header />
                <DeviceBanners />
                <Show when=move || app.storage_failed.get()>
                    <p class="banner error" role="alert">{move || lang.get().t().storage_failed}</p>
                </Show>
                <Show
                    when=move || app.ready.get()
                    fallback=move || view! { <p class="loading">{move || lang.get().t().loading}</p> }
                >
                    <EnrolmentGate />
                    <Routes fallback=|| view! { <routes::counter::CounterPage /> }>
                        <Route path=path!("/") view=routes::counter::CounterPage />
                        <Route path=path!("/daftar") view=routes::enrol::EnrolPage />
                    </Routes>
                </Show>
            </div>
        </Router>
    }
}

/// Sends an unenrolled device to `/daftar`, and an enrolled one away from it.
#[component]
fn EnrolmentGate() -> impl IntoView {
    let app = app_state::use_app();
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move |_| {
        let enrolled = app.enrolment.with(|e| e.is_some());
        let on_enrol = location.pathname.get() == "/daftar";
        if !enrolled && !on_enrol && !app.storage_failed.get() {
            navigate("/daftar", Default::default());
        } else if enrolled && on_enrol {
            navigate("/", Default::default());
        }
    });
}

#[component]
fn Header() -> impl IntoView {
    let app = app_state::use_app();
    let lang = i18n::use_lang();
    let t = move || lang.get().t();
    let pwa = expect_context::<pwa::PwaStatus>();
    let toggle = move |_| {
        let next = match lang.get_untracked() {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        };
        next.save();
        lang.set(next);
    };
    view! {
        <header class="top">
            <div class="brand">
                <span class="title">{move || t().app_title}</span>
                <span class="office">
                    {move || app.enrolment.with(|e| e.as_ref().map(|e| e.office.name.clone()))}
                </span>
                {move || app.enrolment.with(|e| e.as_ref().map(|e| view! {
                    <span class="device">{t().device_label} " " <strong data-testid="device-letter">{e.letter.to_string()}</strong></span>
                }))}
                <Show when=move || pwa.offline_ready.get()>
                    <span class="offline-ready" data-testid="offline-ready">{move || t().offline_ready}</span>
                </Show>
            </div>
            <button class="button secondary lang" on:click=toggle lang=move || if lang.get() == Lang::Id { "en" } else { "id" }>
                {move || t().switch_lang}
            </button>
            <Show when=move || app.enrolment.with(|e| e.is_some())>
                <SyncBadge />
            </Show>
        </header>
    }
}
