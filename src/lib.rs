//! Loket, the counter app: a Leptos CSR PWA that keeps working with no connection.
//!
//! The app is thin: what a step means lives in `loket-core`; [`app_state`] turns taps into
//! ops, [`store`] keeps them in IndexedDB, [`sync_engine`] decides when to sync and runs the
//! rounds, [`api`] talks to the server, and the pages under
//! [`routes`] only render signals. See ARCHITECTURE.md for the walk of one op.

pub mod api;
pub mod app_state;
pub mod components;
pub mod i18n;
pub mod live;
pub mod nav;
pub mod pin;
pub mod print_sheet;
pub mod pwa;
pub mod routes;
pub mod single_tab;
pub mod store;
pub mod sync_engine;

use app_state::AppState;
use components::banners::DeviceBanners;
use components::sync_badge::SyncBadge;
use i18n::Lang;
use leptos::prelude::*;
use nav::{Nav, Route};

/// Mounts the app on the page's `<body>`.
pub fn mount() {
    // No panic hook: its message formatting costs bundle bytes on every phone, and a panic
    // still shows in the console as an `unreachable` trap with its stack.
    leptos::mount::mount_to_body(App);
}

/// Mounts the public pages alone (the `loket-public` binary): what an applicant's phone
/// loads, without the office's pages, store or sync.
pub fn mount_public() {
    pwa::register_public_worker();
    leptos::mount::mount_to_body(|| {
        let lang = RwSignal::new(Lang::saved());
        provide_context(lang);
        view! { <PublicApp /> }
    });
}

/// The public status page with its own small header. Needs the language in context.
#[component]
fn PublicApp() -> impl IntoView {
    let lang = i18n::use_lang();
    Effect::new(move |_| {
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", lang.get().code());
        }
    });
    let path = window().location().pathname().unwrap_or_default();
    let page = Route::parse(&path);
    // The public pages link to each other with plain links: each is a small page load,
    // and the address stays what the visitor shares.
    let link = move |to: Route, id: &'static str, en: &'static str| {
        view! {
            <a class="public-link" href=to.path() aria-current=if page == to { "page" } else { "false" }>
                {move || lang.get().tr(id, en)}
            </a>
        }
    };
    view! {
        <div id="app" data-ready="true">
            <header class="top">
                <div class="brand">
                    <span class="title">{move || lang.get().tr("Loket KTP-el", "KTP-el Counter")}</span>
                </div>
                <LangToggle />
                <nav class="public-nav no-print" aria-label=move || lang.get().tr("Halaman", "Pages")>
                    {link(Route::Status, "Status tiket", "Ticket status")}
                    {link(Route::SelfCheck, "Apa yang harus dibawa?", "What to bring?")}
                </nav>
            </header>
            {match page {
                Route::SelfCheck => view! { <routes::selfcheck::SelfCheckPage /> }.into_any(),
                _ => view! { <routes::status::StatusPage /> }.into_any(),
            }}
        </div>
    }
}

/// The whole app: shared state, header, and the pages.
#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(Lang::saved());
    provide_context(lang);
    let nav = Nav::start();
    provide_context(nav);
    // A staff tablet's service worker answers `/status` with this app: it shows the public
    // page too, as a guest, without starting the device's store.
    if nav.route_untracked().is_public() {
        return view! { <PublicApp /> }.into_any();
    }
    Effect::new(move |_| {
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", lang.get().code());
        }
    });
    let app = AppState::new();
    provide_context(app);
    provide_context(pwa::PwaStatus::start());
    single_tab::claim(move |mine| {
        if mine {
            app.start(store::DB_NAME);
            sync_engine::start(app);
        } else {
            app.elsewhere.set(true);
        }
    });
    // The clock the pages read: the day turns at midnight on an idle tablet too.
    set_interval(
        move || {
            app.now.set(chrono::Utc::now());
            app.lock_if_idle();
        },
        std::time::Duration::from_secs(30),
    );
    mark_usable_once(app);
    let _taps = window_event_listener(leptos::ev::pointerdown, move |_| app.touch());
    std::mem::forget(_taps);
    // A memo, so a page is rebuilt only when the lock state flips, not on every change of
    // the view (which would reset what the page holds, like the last ticket shown).
    let locked = Memo::new(move |_| app.me().is_none_or(|s| !s.active));
    view! {
            <div id="app" data-ready=move || app.ready.get().to_string()>
                <Header />
                <DeviceBanners />
                <p class="banner error" role="alert" hidden=move || !app.storage_failed.get()>{move || lang.get().t().storage_failed}</p>
                <Show
                    when=move || app.ready.get()
                    fallback=move || {
                        if app.elsewhere.get() {
                            view! {
                                <p class="banner warn" role="alert" data-testid="elsewhere">
                                    {move || lang.get().t().elsewhere}
                                </p>
                            }
                                .into_any()
                        } else {
                            view! { <p class="loading">{move || lang.get().t().loading}</p> }.into_any()
                        }
                    }
                >
                    <EnrolmentGate />
                    {move || {
                        let route = nav.route();
                        let locked = locked.get();
                        match route {
                            Route::Enrol => view! { <routes::enrol::EnrolPage /> }.into_any(),
                            _ if locked => view! { <routes::lock::LockScreen /> }.into_any(),
                            Route::Counter => view! { <routes::counter::CounterPage /> }.into_any(),
                            Route::Kasi => view! { <routes::kasi::KasiPage /> }.into_any(),
                            Route::Print => view! { <routes::print::PrintPage /> }.into_any(),
                            Route::Admin => view! { <routes::admin::AdminPage /> }.into_any(),
                            // Public pages were answered before the app started.
                            Route::Status | Route::SelfCheck => ().into_any(),
                        }
                    }}
                    // Below the page, for whoever is signed in: what this device did that
                    // another device's work overtook.
                    <Show when=move || !locked.get()>
                        <div class="page"><components::conflicts::MyConflicts /></div>
                    </Show>
                </Show>
            </div>
    }
    .into_any()
}

/// The `performance.mark` set once the store is loaded and the first page after it is on
/// screen: what `cargo xtask bench` reads as cold start, from navigation.
pub const USABLE_MARK: &str = "loket-usable";

/// Sets the `performance.mark` `name`: the bench reads where a cold start's time goes
/// (`loket-start` when the app starts loading its store, `loket-opened`, `loket-loaded`,
/// then [`USABLE_MARK`]).
pub(crate) fn mark(name: &str) {
    if let Some(performance) = window().performance() {
        let _ = performance.mark(name);
    }
}

/// Sets [`USABLE_MARK`] once the frame after the app became ready is painted.
fn mark_usable_once(app: AppState) {
    let marked = std::cell::Cell::new(false);
    Effect::new(move |_| {
        if app.ready.get() && !marked.replace(true) {
            // After the next frame is painted: a task queued from its animation callback
            // runs once that frame is on screen.
            request_animation_frame(|| {
                set_timeout(|| mark(USABLE_MARK), std::time::Duration::ZERO);
            });
        }
    });
}

/// Sends an unenrolled device to `/daftar`, and an enrolled one away from it.
#[component]
fn EnrolmentGate() -> impl IntoView {
    let app = app_state::use_app();
    let nav = nav::use_nav();
    Effect::new(move |_| {
        let enrolled = app.enrolment.with(|e| e.is_some());
        let on_enrol = nav.route() == Route::Enrol;
        if !enrolled && !on_enrol && !app.storage_failed.get() {
            nav.replace(Route::Enrol);
        } else if enrolled && on_enrol {
            nav.replace(Route::Counter);
        }
    });
}

/// The pages the signed-in person's role uses, who is signed in, and the lock button.
#[component]
fn StaffNav() -> impl IntoView {
    use loket_core::Action;
    let app = app_state::use_app();
    let lang = i18n::use_lang();
    let nav = nav::use_nav();
    let t = move |id, en| lang.get().tr(id, en);
    let link = move |route: Route,
                     id: &'static str,
                     label: (&'static str, &'static str),
                     action: Action| {
        view! {
            <button id=id class="tab" hidden=move || !app.may(action)
                aria-current=move || if nav.route() == route { "page" } else { "false" }
                on:click=move |_| nav.go(route)>
                {move || t(label.0, label.1)}
            </button>
        }
    };
    view! {
        <Show when=move || app.me().is_some()>
            <nav class="staff-nav" aria-label=move || t("Halaman", "Pages")>
                {link(Route::Counter, "nav-counter", ("Loket", "Counter"), Action::IssueTicket)}
                {link(Route::Kasi, "nav-kasi", ("Kasi", "Kasi"), Action::Decide)}
                {link(Route::Print, "nav-print", ("Cetak & serah", "Print & hand over"), Action::Print)}
                {link(Route::Print, "nav-stock", ("Blanko", "Blank cards"), Action::ReceiveStock)}
                {link(Route::Admin, "nav-admin", ("Admin", "Admin"), Action::Administer)}
                <span class="who" data-testid="signed-in">{move || app.me().map(|s| s.name)}</span>
                <button id="lock" class="button secondary" on:click=move |_| app.lock()>{move || t("Kunci", "Lock")}</button>
            </nav>
        </Show>
    }
}

#[component]
fn Header() -> impl IntoView {
    let app = app_state::use_app();
    let lang = i18n::use_lang();
    let t = move || lang.get().t();
    let pwa = expect_context::<pwa::PwaStatus>();
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
                <span class="offline-ready" data-testid="offline-ready" hidden=move || !pwa.offline_ready.get()>{move || t().offline_ready}</span>
            </div>
            <LangToggle />
            <Show when=move || app.enrolment.with(|e| e.is_some())>
                <SyncBadge />
            </Show>
            <StaffNav />
        </header>
    }
}

/// Switches between Bahasa Indonesia and English, remembered on this device.
#[component]
fn LangToggle() -> impl IntoView {
    let lang = i18n::use_lang();
    let toggle = move |_| {
        let next = match lang.get_untracked() {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        };
        next.save();
        lang.set(next);
    };
    view! {
        <button class="button secondary lang" on:click=toggle lang=move || if lang.get() == Lang::Id { "en" } else { "id" }>
            {move || lang.get().tr("English", "Bahasa Indonesia")}
        </button>
    }
}
